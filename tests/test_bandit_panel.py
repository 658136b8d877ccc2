"""The bandit panel (``visualization/bandit_panel.py``) and the bandit preset.

The panel's rows must say what the bandit did: the arm in force when each generation
ended and the mean reward of the windows that ended in it, read from the bandit's
own record; sent a few new rows at a time, they must add up to the same table as
all at once. The page shows the panel for a run with bandits, and only then.
"""

from __future__ import annotations

import math

import ipyvuetify as v
import numpy as np
import pytest
import solara

from model import RewireModel
from visualization.app import Page
from visualization.bandit_panel import BanditFeed, BanditView, bandit_spec, bandits_of
from visualization.scenarios_picker import load_presets, preset_params

BANDIT_MIX = {"local": 0.5, "ucb-a": {"share": 0.5, "policy": "bandit-ucb",
                                      "arms": "coop-random+defect-random+local", "window": 5}}


def small_bandit_model(**changes):
    params = dict(n=200, k=8, W=1.0, recommenders=BANDIT_MIX, W2=0.0,
                  stop_on_fixation=False, rng=3)
    params.update(changes)
    return RewireModel(**params)


def test_each_row_holds_the_arm_in_force_and_the_mean_reward_of_the_windows_ended():
    model = small_bandit_model()
    for _ in range(12):
        model.step()
    (label, policy), = bandits_of(model)
    assert label == "ucb-a"
    feed = BanditFeed(bandits_of(model))
    first, rows = feed.next_rows(model.datacollector.model_vars)
    steps = model.datacollector.model_vars["steps"]
    assert first == 0 and rows.shape == (len(steps), 2)
    history = policy.history
    assert len(history) > 12  # several windows a generation: the test means something
    for g, end in enumerate(steps):
        later = [arm for s, arm, _ in history if s > end]
        assert rows[g, 0] == (later[0] if later else policy.arm)
        ended = [r for s, _, r in history if (steps[g - 1] if g else -1) < s <= end]
        if g and ended:
            assert rows[g, 1] == pytest.approx(np.mean(ended))
        else:
            assert math.isnan(rows[g, 1])


def test_rows_sent_a_few_at_a_time_make_the_same_table_as_all_at_once():
    model = small_bandit_model()
    pieces = []
    feed = BanditFeed(bandits_of(model))
    for step in range(10):
        for _ in range(step % 3):
            model.step()
        first, rows = feed.next_rows(model.datacollector.model_vars)
        assert first == sum(len(p) for p in pieces)
        pieces.append(rows)
    at_once = BanditFeed(bandits_of(model)).next_rows(model.datacollector.model_vars)[1]
    np.testing.assert_array_equal(np.concatenate(pieces), at_once)


def test_two_panels_per_bandit_with_its_arms_on_the_y_axis():
    model = small_bandit_model()
    spec = bandit_spec(bandits_of(model))
    arm, reward = spec["panels"]
    assert arm["title"] == "ucb-a: arm in force"
    assert arm["categories"] == ["coop-random", "defect-random", "local"]
    assert reward["title"] == "ucb-a: reward per window" and reward["ylabel"] == "engagement"
    assert bandits_of(RewireModel(n=50, k=4, rng=1)) == []


def bandit_views(rc):
    return rc.find(BanditView).widgets


def test_the_page_shows_the_bandit_panel_for_a_run_with_bandits_and_only_then():
    box, rc = solara.render(Page(), handle_error=False)
    try:
        assert not bandit_views(rc)  # the default run has no bandit
        presets, _ = load_presets()
        (preset,) = [s for s in presets if s.name == "an-engagement-bandit-learns"]
        rc.find(v.Select, label="Scenario").widget.v_model = preset.title
        (view,) = bandit_views(rc)
        assert [p["title"] for p in view.spec["panels"]] == \
            ["learner: arm in force", "learner: reward per window"]
        assert len(view.spec["panels"][0]["categories"]) == 11
        before = rc.find(v.Slider, label="learner: 1.00")  # the editor shows the label
        assert before.widgets
        (local,) = [s for s in presets if s.name == "no-rewiring"]
        rc.find(v.Select, label="Scenario").widget.v_model = local.title
        assert not bandit_views(rc)
    finally:
        rc.close()


def test_the_bandit_preset_says_what_to_watch_for_and_builds():
    presets, _ = load_presets()
    (preset,) = [s for s in presets if s.name == "an-engagement-bandit-learns"]
    text = " ".join(preset.description.split())
    assert "bandit panel" in text and "cooperation" in text
    params = preset_params(preset)
    assert params["recommenders"]["learner"]["policy"] == "bandit-ucb"
    params.update(n=100, k=4, max_steps=5000)
    model = RewireModel(**params)
    model.run()
    assert bandits_of(model)[0][1].history
