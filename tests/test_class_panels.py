"""Compare mode, interventions and "how it works", rendered without a browser.

The page is rendered with ``solara.render`` (the same components and handlers the
server runs); the numbers a session sends its views are checked against the models
themselves. The browser side is in tests/browser/test_class_modes_browser.py.
"""

from __future__ import annotations

import csv
import inspect
import io
import textwrap

import ipyvuetify as v
import numpy as np
import pytest
import solara

from agents import RULES
from model import RewireModel
from visualization.app import Page
from visualization.compare import TWIN_PREFIX, overlay_spec, twin_changes
from visualization.layout import _repulsion_pairs
from visualization.network import NetworkFeed, _sorted_difference
from visualization.plots import panel_spec
from visualization.session import Session
from visualization.widgets import HeadlineView, PlotsView


@pytest.fixture
def page():
    _, rc = solara.render(Page(), handle_error=False)
    yield rc
    rc.close()


def button(rc, label: str):
    (found,) = [w for w in rc.find(v.Btn).widgets if label in w.children]
    return found


def text_box(rc, starts: str):
    (found,) = [w for w in rc.find(v.TextField).widgets if (w.label or "").startswith(starts)]
    return found


def alerts(rc) -> list[str]:
    return ["".join(map(str, w.children)) for w in rc.find(v.Alert).widgets]


def session_of(rc) -> Session:
    """The page's session (its plots view is the session's)."""
    plots = rc.find(PlotsView).widget
    import gc

    (found,) = [o for o in gc.get_objects() if isinstance(o, Session) and o.plots_view is plots]
    return found


def rows_of(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


# -- compare mode ---------------------------------------------------------------------
def test_compare_starts_both_runs_from_the_seed_and_steps_them_together(page):
    for _ in range(2):
        button(page, "Step").click()
    text_box(page, "to (now").v_model = "coop-random=1"
    button(page, "Compare").click()
    session = session_of(page)
    assert session.twin is not None and page.find(HeadlineView).widget.generation == 0
    # same seed, same initial graph
    assert (session.model.edges() == session.twin.edges()).all()
    assert session.twin.recommender_names == ["coop-random"]
    for _ in range(3):
        button(page, "Step").click()
    assert session.model.generation == session.twin.generation == 3
    # the same run as a twin made by hand
    by_hand = RewireModel(**session.params).twin(recommenders={"coop-random": 1.0})
    for _ in range(3):
        by_hand.step()
    assert by_hand.datacollector.model_vars["cooperation"] == \
        session.twin.datacollector.model_vars["cooperation"]
    rows = rows_of(session.csv())
    assert len(rows) == 4 and TWIN_PREFIX + "cooperation" in rows[0]
    button(page, "Stop comparing").click()
    assert session_of(page).twin is None


def test_a_value_the_twin_cannot_take_is_one_line_and_nothing_restarts(page):
    button(page, "Step").click()
    page.find(v.Select, label="The twin changes").widget.v_model = "W (rewiring time scale)"
    text_box(page, "to (now").v_model = "abc"
    button(page, "Compare").click()
    assert alerts(page) == ["W must be a number >= 0 or inf; got 'abc'"]
    assert session_of(page).twin is None and session_of(page).generation == 1


def test_twin_changes_refuse_what_makes_another_graph():
    with pytest.raises(ValueError, match="a twin can change"):
        twin_changes("n", "500", {"rng": 1})


def test_the_twins_curves_go_on_the_same_panels_named_like_the_runs():
    spec = overlay_spec(panel_spec(["local"]), panel_spec(["coop-random"]))
    cooperation = spec["panels"][0]["series"]
    assert [s["name"] for s in cooperation] == ["C", "D", "C", "D"]
    assert [s.get("twin", False) for s in cooperation] == [False, False, True, True]
    assert cooperation[2]["column"] == TWIN_PREFIX + "cooperation" and cooperation[2]["base"] == 0
    shares = spec["panels"][6]["series"]
    assert [s["column"] for s in shares] == ["share:local", TWIN_PREFIX + "share:coop-random"]


# -- interventions ---------------------------------------------------------------------
def test_an_intervention_changes_the_run_and_is_marked_and_in_the_csv(page):
    for _ in range(2):
        button(page, "Step").click()
    text_box(page, "new W").v_model = "-1"
    button(page, "Apply now").click()
    assert alerts(page) == ["W must be a number >= 0 or inf; got -1.0"]
    session = session_of(page)
    assert session.model.params["W"] == 1.0 and session.model.interventions == []
    text_box(page, "new W").v_model = "0.25"
    text_box(page, "label on the time axis").v_model = "calmer"
    button(page, "Apply now").click()
    assert session.model.params["W"] == 0.25
    assert session.marks() == [[2, "calmer"]]
    button(page, "Step").click()
    labels = {int(r["generation"]): r["intervention"] for r in rows_of(session.csv())}
    assert labels == {0: "", 1: "", 2: "calmer", 3: ""}


def test_in_compare_mode_an_intervention_applies_to_both_runs(page):
    text_box(page, "to (now").v_model = "local=0.5,coop-random=0.5"
    button(page, "Compare").click()
    button(page, "Step").click()
    page.find(v.Select, label="Change").widget.v_model = "Make defectors cooperate"
    text_box(page, "fraction of the defectors").v_model = "1"
    button(page, "Apply now").click()
    session = session_of(page)
    assert session.model.metrics["cooperation"] == 1.0
    assert session.twin.metrics["cooperation"] == 1.0


def test_seeding_needs_a_recommender_without_users_and_says_so(page):
    page.find(v.Select, label="Change").widget.v_model = "Seed a new recommender"
    button(page, "Apply now").click()
    (message,) = alerts(page)
    assert message.startswith("switch.to: pick a recommender")
    assert "share 0" in message


# -- how it works ------------------------------------------------------------------------
def test_how_it_works_shows_the_source_of_the_rule_picked(page):
    def code():
        (pre,) = [w for w in page.find(v.Html).widgets if "rw-rule-code" in (w.class_ or "")]
        return pre.children[0]

    assert code() == textwrap.dedent(inspect.getsource(RULES["rewire"]))
    page.find(v.Select, label="Rule").widget.v_model = "strategy update"
    assert code().startswith("def imitate_strategy(")


# -- what a frame costs: the compiled pieces agree with the plain ones ----------------
def test_tie_keys_and_their_difference_match_the_model_edges():
    model = RewireModel(n=3000, k=6, rng=2)  # above 2,000 users: a sample is drawn
    feed = NetworkFeed(model, seed=1)
    local = feed._local
    edges = local[model.edges()]
    edges = np.sort(edges[(edges >= 0).all(axis=1)], axis=1)
    assert sorted(map(tuple, edges)) == sorted(map(tuple, feed._edges()))
    rng = np.random.default_rng(0)
    for _ in range(20):
        old = np.unique(rng.integers(0, 200, 80))
        new = np.unique(rng.integers(0, 200, 80))
        added, removed = _sorted_difference(old, new)
        assert (added == np.setdiff1d(new, old)).all()
        assert (removed == np.setdiff1d(old, new)).all()


def test_the_vectorised_repulsion_is_the_pairwise_sum():
    pos = np.random.default_rng(3).random((300, 2)).astype(np.float32)
    out = np.empty_like(pos)
    _repulsion_pairs(pos, np.float32(0.5), out)
    d = pos[:, None, :] - pos[None, :, :]
    d2 = np.maximum((d ** 2).sum(axis=2), 1e-6)
    expected = 0.5 * (d / d2[:, :, None]).sum(axis=1)
    assert np.allclose(out, expected, rtol=1e-3, atol=1e-3 * np.abs(expected).max())
