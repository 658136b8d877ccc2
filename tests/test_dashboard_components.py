"""The dashboard's components, rendered without a browser (``solara.render``).

These check what a user of the page relies on: the controls come from the
parameter table, bad values give a message instead of a crash, Step and Reset do
what they say, every page has its own model, presets load, the views are sent the
numbers they draw (new rows, changed ties), and oversized requests are refused.
"""

from __future__ import annotations

import math
import os
import re

import ipyvuetify as v
import ipywidgets
import numpy as np
import pytest
import solara

from model.parameters import GAMES, PARAMETERS
from model.policies import policy_names
from visualization import controls
from visualization.app import Page
from visualization.layout import StableLayout
from visualization.limits import Limits, LimitsError, refusal
from visualization.network import FULL_LIMIT, SAMPLE_LIMIT, NetworkFeed, network_mode
from visualization.plots import RowFeed, panel_spec, plotted_columns
from visualization.scenarios_picker import load_presets, point_labels, preset_params
from visualization.session import Session
from visualization.widgets import HeadlineView, NetworkView, PlotsView


# -- helpers -------------------------------------------------------------------
def texts(rc, css_class: str) -> list[str]:
    """The text of every element carrying ``css_class``."""
    return ["".join(map(str, w.children)) for w in rc.find(v.Html).widgets
            if css_class in (w.class_ or "").split()]


def button(rc, label: str):
    (found,) = [w for w in rc.find(v.Btn).widgets if label in w.children]
    return found


def type_into(rc, label: str, text: str) -> None:
    """Type into a text box and leave it, as a user does."""
    box = rc.find(v.TextField, label=label).widget
    box.v_model = text
    box.fire_event("focusout", None)


def alerts(rc) -> list[str]:
    return ["".join(map(str, w.children)) for w in rc.find(v.Alert).widgets]


def generation(rc) -> int:
    """The generation the page's headline shows (drawn in the browser from this number)."""
    return rc.find(HeadlineView).widget.generation


@pytest.fixture
def page():
    box, rc = solara.render(Page(), handle_error=False)
    yield rc
    rc.close()


# -- controls come from the tables ---------------------------------------------
def test_every_model_parameter_has_a_labelled_control():
    assert set(controls.LABELS) == set(PARAMETERS)


def test_hints_quote_the_parameter_table_ranges():
    for name, p in PARAMETERS.items():
        assert controls.hint(name).startswith(p.range_text())


def test_the_game_picker_names_each_game_of_the_table_and_custom():
    for name, (T, S) in GAMES.items():
        assert controls.game_of(T, S) == name
    assert controls.game_of(1.9, -0.3) == controls.CUSTOM_GAME


def test_numbers_accept_inf_and_blank_and_keep_bad_text_for_the_message():
    assert controls.parse_number("inf") == math.inf
    assert controls.parse_number(" 2 ") == 2.0
    assert controls.parse_number("", blank=None) is None
    assert controls.parse_number("7", integer=True) == 7
    assert controls.parse_number("abc") == "abc"
    assert controls.format_number(math.inf) == "inf"


def test_the_page_offers_every_registered_recommender(page):
    select = page.find(v.Select, label="Recommenders").widget
    offered = [item if isinstance(item, str) else item["value"] for item in select.items]
    assert offered == policy_names()


def test_the_game_picker_sets_T_and_S(page):
    assert not any("press Reset" in a for a in alerts(page))
    page.find(v.Select, label="Game").widget.v_model = "Snowdrift"
    assert any("press Reset" in a for a in alerts(page))  # the draft's T and S changed
    sliders = [w.label for w in page.find(v.Slider).widgets]
    assert any(label.startswith("T (temptation): 1.5") for label in sliders)
    assert any(label.startswith("S (sucker's payoff): 0.5") for label in sliders)


# -- invalid input gives a message, not a crash ---------------------------------
def test_k_not_below_n_is_reported_and_reset_keeps_the_old_run(page):
    type_into(page, "k (average degree)", "1000")
    assert any("k must be" in a and "(0, 999]" in a for a in alerts(page))
    button(page, "Reset").click()
    assert any("k must be" in a for a in alerts(page))
    (running,) = texts(page, "rw-running-params")
    assert "k=30" in running  # the running model is the old one


def test_shares_that_do_not_add_up_are_reported(page):
    draft = controls.initial_draft()
    draft["recommenders"] = {"local": 0.5, "coop-random": 0.3}
    assert "shares must sum to 1" in controls.problem(draft)
    page.find(v.Select, label="Recommenders").widget.v_model = ["local", "coop-random"]
    share = next(w for w in page.find(v.Slider).widgets if w.label.startswith("local:"))
    share.v_model = 0.5  # local 0.5 + coop-random 0.0
    assert any("shares must sum to 1" in a for a in alerts(page))


def test_text_in_a_number_box_is_reported_by_name(page):
    type_into(page, "W (rewiring time scale)", "lots")
    assert any(a.startswith("W must be") and "'lots'" in a for a in alerts(page))


# -- step, reset, sessions -------------------------------------------------------
def test_step_advances_one_generation(page):
    assert generation(page) == 0
    button(page, "Step").click()
    assert generation(page) == 1


def test_reset_rebuilds_the_model_with_the_changed_parameter(page):
    button(page, "Step").click()
    type_into(page, "N (users)", "200")
    assert any("press Reset" in a for a in alerts(page))
    button(page, "Reset").click()
    (running,) = texts(page, "rw-running-params")
    assert "n=200," in running
    assert generation(page) == 0


def test_two_pages_have_independent_models():
    _, first = solara.render(Page(), handle_error=False)
    _, second = solara.render(Page(), handle_error=False)
    try:
        button(first, "Step").click()
        button(first, "Step").click()
        assert generation(first) == 2
        assert generation(second) == 0
        type_into(second, "N (users)", "100")
        button(second, "Reset").click()
        assert "n=1000," in texts(first, "rw-running-params")[0]
        assert "n=100," in texts(second, "rw-running-params")[0]
    finally:
        first.close()
        second.close()


def test_the_page_shows_the_network_and_the_plots_as_browser_drawn_views(page):
    (plots,) = page.find(PlotsView).widgets
    (network,) = page.find(NetworkView).widgets
    titles = [panel["title"] for panel in plots.spec["panels"]]
    assert titles[0] == "Cooperation" and "Degree distribution" in titles
    assert not page.find(ipywidgets.Image).widgets  # no server-drawn picture any more


# -- presets --------------------------------------------------------------------
def test_the_presets_the_issue_asks_for_are_there():
    presets, error = load_presets()
    assert error is None
    names = {s.name for s in presets}
    assert {"baseline-heuristics", "engagement-vs-aligned", "competition-10pc-seed",
            "no-rewiring"} <= names


def test_every_preset_says_what_to_watch_for_in_two_or_three_sentences():
    presets, _ = load_presets()
    for s in presets:
        sentences = [x for x in re.split(r"(?<=[.!?])\s+", s.description.strip()) if x]
        assert 2 <= len(sentences) <= 3, (s.name, sentences)


def test_the_baseline_preset_offers_the_five_baseline_recommenders():
    presets, _ = load_presets()
    (baseline,) = [s for s in presets if s.name == "baseline-heuristics"]
    mixes = [list(p["recommenders"]) for p in baseline.points()]
    assert mixes == [["local"], ["coop-random"], ["defect-random"], ["any-random"], ["fair"]]
    assert len(point_labels(baseline)) == 1 + 5


def test_picking_a_preset_loads_it_into_the_running_model(page):
    presets, _ = load_presets()
    (competition,) = [s for s in presets if s.name == "competition-10pc-seed"]
    page.find(v.Select, label="Scenario").widget.v_model = competition.title
    (running,) = texts(page, "rw-running-params")
    assert "local=0.9,coop-random=0.1" in running and "W2=0.1" in running
    assert f"seed={competition.seed}" in running
    assert any(competition.description.strip()[:40] in a for a in alerts(page))


def running_value(rc, name: str) -> float:
    """A number from the running model's one-line description, e.g. ``beta_med``."""
    (running,) = texts(rc, "rw-running-params")
    return float(re.search(rf"\b{name}=([^,]+),", running).group(1))


def test_beta_med_follows_beta_after_a_preset_is_loaded(page):
    presets, _ = load_presets()
    (competition,) = [s for s in presets if s.name == "competition-10pc-seed"]
    assert "beta_med" not in competition.model_table  # so it is 10 × beta
    page.find(v.Select, label="Scenario").widget.v_model = competition.title
    assert page.find(v.TextField, label=controls.LABELS["beta_med"]).widget.v_model == ""
    type_into(page, controls.LABELS["beta"], "0.02")
    button(page, "Reset").click()
    assert running_value(page, "beta") == 0.02
    assert math.isclose(running_value(page, "beta_med"), 10 * 0.02)


def test_preset_parameters_build_a_model():
    presets, _ = load_presets()
    for s in presets:
        params = preset_params(s)
        params.update(n=100, k=4)  # small, same everything else
        session = Session()
        session.build(params)
        assert session.step(1) == 1


# -- pictures and downloads -----------------------------------------------------
def test_layout_moves_each_node_at_most_a_capped_distance_per_frame():
    rng = np.random.default_rng(3)
    edges = np.unique(np.sort(rng.integers(0, 300, (1500, 2)), axis=1), axis=0)
    edges = edges[edges[:, 0] != edges[:, 1]]
    layout = StableLayout(300, edges, seed=1)
    for _ in range(5):
        before = layout.positions.copy()
        rewired = edges.copy()
        rewired[:50, 1] = (rewired[:50, 1] + 7) % 300
        layout.update(rewired)
        moved = np.sqrt(((layout.positions - before) ** 2).sum(axis=1))
        assert moved.max() <= layout.max_move * 1.0001


def test_the_network_is_sampled_or_summarised_above_its_size_limits():
    assert network_mode(FULL_LIMIT) == "full"
    assert network_mode(FULL_LIMIT + 1) == "sample"
    assert network_mode(SAMPLE_LIMIT + 1) == "summary"
    session = Session()
    session.build({**controls.initial_draft(), "n": 3000, "k": 4})
    piece = NetworkFeed(session.model, seed=1).frame(0)
    assert piece.header["n"] == len(piece.positions) < 3000
    assert "sample" in piece.header["title"]


def edge_set(pairs: np.ndarray) -> set[tuple[int, int]]:
    return {(int(u), int(v)) for u, v in pairs}


def test_the_network_sends_all_ties_once_then_only_the_ties_that_changed():
    session = Session()
    session.build({**controls.initial_draft(), "n": 300, "k": 10, "W": 3.0})
    feed = NetworkFeed(session.model, seed=1)
    first = feed.frame(0)
    assert first.header["full"]
    shown = edge_set(first.added)
    assert len(shown) == len(session.model.edges())
    for generation in range(1, 4):
        session.step(1)
        piece = feed.frame(generation)
        assert not piece.header["full"]
        assert 0 < len(piece.added) < len(shown) / 4  # a diff, not the whole graph
        shown = (shown - edge_set(piece.removed)) | edge_set(piece.added)
        now = edge_set(np.sort(np.asarray(session.model.edges()), axis=1))
        assert shown == now
    assert piece.positions.dtype == np.float32 and piece.positions.shape == (300, 2)
    cooperators = (piece.state & 1).astype(bool)
    assert (cooperators == np.asarray(session.model.is_cooperator)).all()
    assert (piece.degree == np.asarray(session.model.degree)).all()


def test_stable_positions_survive_a_view_that_asks_for_everything_again():
    session = Session()
    session.build({**controls.initial_draft(), "n": 200, "k": 6})
    feed = NetworkFeed(session.model, seed=1)
    feed.frame(0)
    feed.rewind()
    assert feed.frame(1).header["full"]


def test_the_plots_get_only_the_rows_they_have_not_seen_and_the_csv_has_all():
    session = Session()
    session.build({**controls.initial_draft(), "n": 200, "k": 8,
                   "recommenders": {"local": 0.5, "coop-random": 0.5}, "W2": 0.1})
    feed = RowFeed(session.rows.columns)
    first, rows = feed.next_rows(session.model_vars)
    assert (first, len(rows)) == (0, 1)  # the initial state
    session.step(3)
    first, rows = feed.next_rows(session.model_vars)
    assert (first, len(rows)) == (1, 3)
    cooperation = feed.columns.index("cooperation")
    assert list(rows[:, cooperation]) == session.model_vars["cooperation"][1:4]
    assert {"share:local", "share:coop-random"} <= set(feed.columns)
    assert len(feed.next_rows(session.model_vars)[1]) == 0
    lines = session.csv().strip().splitlines()
    header = lines[0].split(",")
    assert header[0] == "generation"
    assert {"cooperation", "rewires", "share:local", "share:coop-random"} <= set(header)
    assert len(lines) == 1 + 4  # initial state + three generations


def test_the_plots_have_one_share_line_per_recommender():
    spec = panel_spec(["local", "fair"])
    (shares,) = [p for p in spec["panels"] if p["title"] == "Recommender shares"]
    assert [line["name"] for line in shares["series"]] == ["local", "fair"]
    assert {"share:local", "share:fair", "cooperation"} <= set(plotted_columns(spec))


# -- per-session limits ----------------------------------------------------------
def test_a_huge_request_is_refused_in_one_line_naming_what_is_over():
    why = refusal({"n": 10**6, "k": 500}, Limits())
    assert why is not None and "\n" not in why
    assert "N=1,000,000 users" in why and "REWIRE_MAX_USERS" in why and "MB" in why
    assert refusal(controls.initial_draft(), Limits()) is None  # the default run fits


def test_the_teacher_sets_the_limits_in_the_environment():
    limits = Limits.from_environ({"REWIRE_MAX_USERS": "500", "REWIRE_MAX_TIES": "",
                                  "REWIRE_MAX_SESSION_MB": "50"})
    assert limits == Limits(max_users=500, max_mb=50)
    assert refusal({"n": 1000, "k": 4}, limits).count("at most 500") == 1
    with pytest.raises(LimitsError, match=r"REWIRE_MAX_TIES must be a whole number >= 10"):
        Limits.from_environ({"REWIRE_MAX_TIES": "lots"})


def test_a_refused_request_shows_a_message_and_keeps_the_running_model(page):
    button(page, "Step").click()
    type_into(page, "N (users)", "1000000")
    type_into(page, "k (average degree)", "500")
    button(page, "Reset").click()
    assert any("Too big for this shared server" in a for a in alerts(page))
    assert "n=1000," in texts(page, "rw-running-params")[0]
    assert generation(page) == 1


@pytest.mark.timeout(300)
def test_a_mistyped_limit_stops_the_server_with_one_line_naming_it():
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    env = {**os.environ, "REWIRE_MAX_SESSION_MB": "lots"}
    done = subprocess.run([sys.executable, "-m", "solara", "run", "server.py", "--port", "0",
                           "--production", "--no-open"], cwd=root, env=env,
                          capture_output=True, text=True, timeout=280)
    assert done.returncode == 2
    lines = [line for line in done.stderr.splitlines() if "REWIRE_MAX_SESSION_MB" in line]
    assert lines == ["rewire dashboard: REWIRE_MAX_SESSION_MB must be a whole number >= 1, "
                     "got 'lots'"]
    assert "Traceback" not in done.stderr
