"""Creators in the dashboard: stars in the network view, the creators panels, the two
presets, and a draft with bad creator settings refused in one line."""

import numpy as np
import pytest

from model.parameters import ParameterError
from visualization import controls
from visualization.network import NetworkFeed
from visualization.plots import plotted_columns
from visualization.scenarios_picker import load_presets, preset_params
from visualization.session import Session

CREATORS = {"n": 200, "k": 6, "creator_share": 0.1, "follows": 3,
            "creator_fitness": "audience", "W": 2.0}


def test_creators_are_marked_for_the_network_view():
    session = Session()
    session.build({**controls.initial_draft(), **CREATORS})
    piece = NetworkFeed(session.model, seed=1).frame(0)
    code = piece.header["creator"]
    assert code == len(session.model.recommender_names)
    is_creator = (piece.state >> 1) == code
    assert is_creator.sum() == 20 and is_creator[180:].all()
    assert ((piece.state & 1)[180:] == session.model.engine.state.strat[180:]).all()


def test_without_creators_the_network_view_has_none():
    session = Session()
    session.build({**controls.initial_draft(), "n": 100, "k": 4})
    assert NetworkFeed(session.model, seed=1).frame(0).header["creator"] == -1


def test_the_creators_panels_appear_with_creators_and_get_their_rows():
    session = Session()
    session.build({**controls.initial_draft(), **CREATORS})
    titles = [p["title"] for p in session.plots_view.spec["panels"]]
    assert "Creators: quality" in titles and "Creators: audience concentration" in titles
    columns = plotted_columns(session.plots_view.spec)
    assert {"quality_share", "audience_gini", "quality_audience_share"} <= set(columns)
    session.step(3)
    first, rows = session.rows.next_rows(session.model_vars)
    quality = rows[:, columns.index("quality_share")]
    assert first == 0 and len(rows) == 4 and not np.isnan(quality).any()
    session.build({**controls.initial_draft(), "n": 100, "k": 4})
    assert not any(p["title"].startswith("Creators") for p in session.plots_view.spec["panels"])


def test_the_two_creator_presets_load_and_say_what_to_watch():
    presets, problem = load_presets()
    assert problem is None
    by_name = {p.name: p for p in presets}
    for name, recommender in [("clickbait-economy", "any-high"),
                              ("quality-platform", "coop-random")]:
        params = preset_params(by_name[name])
        assert params["creator_share"] == 0.1 and params["creator_fitness"] == "audience"
        assert list(params["recommenders"]) == [recommender]
        assert "Watch" in by_name[name].description
        Session().build({**controls.initial_draft(), **params})


def test_a_draft_with_too_many_follows_is_refused_in_one_line():
    session = Session()
    with pytest.raises(ParameterError) as err:
        session.build({**controls.initial_draft(), **CREATORS, "follows": 50})
    assert str(err.value).startswith("follows must be a number in [0, creators] = [0, 20]")
