"""The recommender mix editor (``visualization/mix_editor.py``), rendered without a browser.

What a user relies on: every setting a policy declares gets a control, read from the
policy's ``settings`` table (a policy registered later, say a learned recommender,
needs no dashboard change); a recommender can be added under a label of one's own; a
bad setting is one line naming it and its range while the running model goes on, and
the bad value stays in its box; share links carry labelled recommenders and their
settings there and back.
"""

from __future__ import annotations

from pathlib import Path

import ipyvuetify as v
from ipyvuetify.extra import FileInput
import pytest
import solara

from model.parameters import Parameter, ParameterError, validate
from model.policies import POLICIES, Policy, register, unregister
from visualization import mix_editor as me
from visualization.app import Page
from visualization.links import opening, share_query
from visualization.mix_editor import RecommenderMix
from visualization.widgets import HeadlineView


def alerts(rc) -> list[str]:
    return ["".join(map(str, w.children)) for w in rc.find(v.Alert).widgets]


def running(rc) -> str:
    (found,) = ["".join(map(str, w.children)) for w in rc.find(v.Html).widgets
                if "rw-running-params" in (w.class_ or "").split()]
    return found


def type_into(rc, label: str, text: str) -> None:
    box = rc.find(v.TextField, label=label).widget
    box.v_model = text
    box.fire_event("focusout", None)


def click(rc, label: str) -> None:
    (found,) = [w for w in rc.find(v.Btn).widgets if label in w.children]
    found.click()


def text_labels(rc) -> set[str]:
    return {str(w.label) for w in rc.find(v.TextField).widgets}


def select_labels(rc) -> set[str]:
    return {str(w.label) for w in rc.find(v.Select).widgets}


def combo_labels(rc) -> set[str]:
    return {str(w.label) for w in rc.find(v.Combobox).widgets}


@pytest.fixture
def page():
    box, rc = solara.render(Page(), handle_error=False)
    yield rc
    rc.close()


def editor(mix: dict):
    draft = solara.Reactive({"recommenders": mix})
    _, rc = solara.render(RecommenderMix(draft), handle_error=False)
    return draft, rc


# -- controls come from each policy's settings table ---------------------------------
@pytest.mark.parametrize("policy", [p for p in POLICIES if p.settings], ids=lambda p: p.name)
def test_every_setting_of_every_registered_policy_has_a_control(policy):
    _, rc = editor({"mine": {"share": 1.0, "policy": policy.name}})
    shown = text_labels(rc) | select_labels(rc) | combo_labels(rc) | {
        str(w.label) for w in rc.find(v.Checkbox).widgets}
    for setting in policy.settings:
        assert f"mine: {setting.name}" in shown, setting.name
    rc.close()


class Tuned(Policy):
    """A policy registered after the dashboard was written, with one setting of each kind."""

    name = "tuned-test"
    settings = (Parameter("depth", "int", 3, 1, 10, help="how deep"),
                Parameter("rate", "float", 0.5, 0, 1, help="how fast"),
                Parameter("mode", "choice", "a", choices=("a", "b"), help="which way"),
                Parameter("greedy", "bool", False, help="greedy or not"))


@pytest.fixture
def tuned():
    register(Tuned)
    yield Tuned
    unregister(Tuned)


def test_a_policy_registered_later_is_edited_without_a_dashboard_change(tuned):
    draft, rc = editor({"tuned-test": 1.0})
    type_into(rc, "tuned-test: depth", "7")
    rc.find(v.Select, label="tuned-test: mode").widget.v_model = "b"
    rc.find(v.Checkbox, label="tuned-test: greedy").widget.v_model = True
    mix = validate({"recommenders": draft.value["recommenders"]})["recommenders"]
    assert mix["tuned-test"] == {"share": 1.0, "policy": "tuned-test", "depth": 7,
                                 "rate": 0.5, "mode": "b", "greedy": True}
    type_into(rc, "tuned-test: rate", "2")
    assert me.mix_problem(draft.value) == \
        "recommenders: 'tuned-test': rate must be a number in [0, 1]; got 2.0"
    rc.close()


# -- free labels ---------------------------------------------------------------------
def test_a_labelled_recommender_shows_its_share_policy_and_settings():
    draft, rc = editor({"local": 0.5, "ucb-a": {"share": 0.5, "policy": "bandit-ucb",
                                                "window": 50}})
    sliders = [w.label for w in rc.find(v.Slider).widgets]
    assert "ucb-a: 0.50" in sliders and "local: 0.50" in sliders
    assert rc.find(v.TextField, label="ucb-a: window").widget.v_model == "50"
    assert rc.find(v.Select, label="ucb-a: reward").widget.v_model == "engagement"
    # unpicking local in the multi-select keeps the labelled one
    rc.find(v.Select, label="Recommenders").widget.v_model = []
    assert list(draft.value["recommenders"]) == ["ucb-a"]
    rc.close()


def test_the_same_policy_can_be_added_twice_under_two_labels():
    draft, rc = editor({"bandit-eps": 1.0})
    rc.find(v.Select, label="Policy to add").widget.v_model = "bandit-eps"
    click(rc, "Add")  # no label given: one is made up
    assert list(draft.value["recommenders"]) == ["bandit-eps", "bandit-eps-2"]
    type_into(rc, "bandit-eps-2: epsilon", "0.2")
    rc.find(v.Slider, label="bandit-eps: 1.00").widget.v_model = 0.5
    rc.find(v.Slider, label="bandit-eps-2: 0.00").widget.v_model = 0.5
    mix = validate({"recommenders": draft.value["recommenders"]})["recommenders"]
    assert mix["bandit-eps"]["epsilon"] == 1.0 and mix["bandit-eps-2"]["epsilon"] == 0.2
    # a label in use is refused in one line, and nothing changes
    rc.find(v.TextField, label="Its label").widget.v_model = "bandit-eps-2"
    before = dict(draft.value["recommenders"])
    click(rc, "Add")
    assert any("'bandit-eps-2' is in use" in a for a in alerts(rc))
    assert draft.value["recommenders"] == before
    click(rc, "Remove bandit-eps-2")
    assert list(draft.value["recommenders"]) == ["bandit-eps"]
    rc.close()


# -- on the page: edit, reset, bad values ------------------------------------------
def test_a_bandits_edited_setting_is_the_one_the_next_run_uses(page):
    page.find(v.Select, label="Recommenders").widget.v_model = ["bandit-ucb"]
    type_into(page, "bandit-ucb: window", "40")
    page.find(v.Select, label="bandit-ucb: reward").widget.v_model = "alignment"
    click(page, "Reset")
    assert "bandit-ucb=1[" in running(page) and "window=40" in running(page)
    assert "reward=alignment" in running(page)
    click(page, "Step")
    assert page.find(HeadlineView).widget.generation == 1


@pytest.mark.parametrize("setting, typed, message", [
    ("window", "0", "recommenders: 'bandit-ucb': window must be an integer in "
                    "[1, 1000000000]; got 0"),
    ("window", "many", "recommenders: 'bandit-ucb': window must be an integer in "
                       "[1, 1000000000]; got 'many'"),
    ("arms", "local+nope", "recommenders: 'bandit-ucb': arms: unknown policy 'nope'; known: "),
    ("c", "-1", "recommenders: 'bandit-ucb': c must be a number >= 0; got -1.0"),
])
def test_a_bad_setting_is_one_line_naming_it_and_the_run_goes_on(page, setting, typed, message):
    page.find(v.Select, label="Recommenders").widget.v_model = ["bandit-ucb"]
    click(page, "Reset")
    good = running(page)
    type_into(page, f"bandit-ucb: {setting}", typed)
    shown = [a for a in alerts(page) if a.startswith(message)]
    assert shown and all("\n" not in a for a in shown)
    click(page, "Reset")  # refused: the running model is the one before
    assert running(page) == good
    assert any(a.startswith(f"Could not start a run: {message}") for a in alerts(page))
    # the bad value is still in its box, to be corrected
    assert page.find(v.TextField, label=f"bandit-ucb: {setting}").widget.v_model == typed


def test_a_preset_mix_with_a_free_label_loads_into_the_editor():
    params = {"recommenders": {"learner": {"share": 1.0, "policy": "bandit-ucb",
                                           "reward": "engagement", "window": 100}}}
    draft, rc = editor(validate(params)["recommenders"])
    assert [w.label for w in rc.find(v.Slider).widgets] == ["learner: 1.00"]
    assert rc.find(v.TextField, label="learner: window").widget.v_model == "100"
    rc.close()


# -- share links ---------------------------------------------------------------------
def test_a_share_link_carries_labelled_recommenders_and_their_settings():
    mix = {"local": 0.5, "ucb-a": {"share": 0.25, "policy": "bandit-ucb", "window": 50,
                                   "reward": "alignment"},
           "ucb-b": {"share": 0.25, "policy": "bandit-ucb", "arms": "GOOD+BAD"}}
    params = validate({"recommenders": mix, "rng": 5})
    query = share_query(params)
    # settings at their defaults are left out (the eleven default arms, say)
    assert "coop-low" not in query and "window%3D50" in query
    back = opening(query)
    assert back.problems == []
    assert validate(back.params) == params


def test_without_defaults_keeps_a_mix_that_is_not_valid_as_it_is():
    bad = {"ucb-a": {"share": 1.0, "policy": "bandit-ucb", "window": 0}}
    assert me.without_defaults(bad) == bad


# -- a learned recommender's policy file: pick, type or drop --------------------------
def test_a_policy_file_is_picked_from_the_shipped_ones_or_typed():
    draft, rc = editor({"mine": {"share": 1.0, "policy": "learned"}})
    box = rc.find(v.Combobox, label="mine: file").widget
    assert {"aligned", "engagement", "aligned-n30", "engagement-n30"} <= set(box.items)
    box.v_model = "engagement-n30"
    assert draft.value["recommenders"]["mine"]["file"] == "engagement-n30"
    assert me.mix_problem(draft.value) is None
    box.v_model = "no/such/file.npz"  # typed: kept, and named in one line
    assert draft.value["recommenders"]["mine"]["file"] == "no/such/file.npz"
    problem = me.mix_problem(draft.value)
    assert "'mine': file: " in problem and "no such file" in problem and "\n" not in problem
    rc.close()


def test_a_dropped_policy_file_becomes_the_setting_and_is_checked(tmp_path):
    from model.learned_policies import LearnedPolicy
    from model.learning.ranking import RankingPolicy, save_policy

    file_setting = LearnedPolicy.settings[0]
    good = save_policy(tmp_path / "mine.npz", RankingPolicy("mlp", 4, 4, seed=2))
    path = me.save_upload("mine.npz", good.read_bytes(), file_setting)
    assert Path(path).read_bytes() == good.read_bytes() and Path(path).parent.parent == me.UPLOADS
    draft = {"recommenders": {"mine": {"share": 1.0, "policy": "learned", "file": path}}}
    assert me.mix_problem(draft) is None
    bad = me.save_upload("evil.npz", b"import os; os.system('x')", file_setting)
    draft["recommenders"]["mine"]["file"] = bad
    assert "not an .npz archive" in me.mix_problem(draft)
    with pytest.raises(ParameterError, match="at most 20 MB"):
        me.save_upload("huge.npz", bytes(me.MAX_UPLOAD + 1), file_setting)
    # the editor has a file picker for it, and none for settings that are not files
    _, rc = editor({"mine": {"share": 1.0, "policy": "learned"}, "b": {
        "share": 0.0, "policy": "bandit-ucb"}})
    assert len(rc.find(FileInput).widgets) == 1
    rc.close()
