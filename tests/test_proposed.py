"""What each recommender proposed: the cooperators among the users it proposed and
their degree (the dashboard's "Cooperators among proposed users" and "Degree of
proposed users" panels, the command line's recommender lines, the summary)."""

import numpy as np
import pytest

from commands import rewire
from handbuilt import INF, hand_built
from model import RewireModel
from model.core import state
from model.core.invariants import check_invariants
from model.core.kernel import update_chosen_pair
from model.engine import Engine
from model.metrics import measure
from visualization.compare import overlay_spec
from visualization.plots import panel_spec, plotted_columns

# 0:C tied to 1:D and to cooperators 2, 3, 4; 1 also tied to 5:D, 5 to 6:C. 0 beats 1
# for sure and leaves it: any-random proposes 5 (D, two ties) or 6 (C, one tie).
EDGES = [(0, 1), (0, 2), (0, 3), (0, 4), (1, 5), (5, 6)]
STRATEGIES = "CDCCCDC"


def test_a_served_request_tallies_the_proposed_users_strategy_and_degree_before_the_tie():
    seen = set()
    for seed in range(1, 30):
        e = hand_built(EDGES, STRATEGIES, W=INF, beta=INF, T=0.5, rng=seed)
        update_chosen_pair(e.state, 0, 1)
        (z,) = set(e.neighbours(0).tolist()) - {2, 3, 4}
        seen.add(z)
        assert e.state.proposed_by[0].tolist() == [int(e.state.strat[z]), {5: 2, 6: 1}[z]]
        assert e.state.rewires_by[0] == 1
        check_invariants(e, n_edges=len(EDGES))
    assert seen == {5, 6}


def test_an_unserved_request_proposes_nobody():
    edges = [(0, 1), (0, 2), (0, 3), (1, 2)]  # 0 is tied to everybody
    e = hand_built(edges, "CDCC", W=INF, beta=INF, T=0.2)
    update_chosen_pair(e.state, 0, 1)
    assert e.counter(state.UNSERVED) == 1
    assert e.state.proposed_by.tolist() == [[0, 0]]
    summary = measure(e)
    assert summary["proposed_cooperators_by_recommender"] == {"any-random": None}
    assert summary["proposed_degree_by_recommender"] == {"any-random": None}


def test_the_readable_rules_tally_what_was_proposed_with_the_kernels_bookkeeping():
    model = RewireModel(n=80, k=6, rng=4, W=2.0, max_steps=4000, engine="agents",
                        recommenders={"coop-random": 0.5, "defect-random": 0.5})
    model.run()
    st = model.engine.state
    assert st.rewires_by.min() > 0
    assert st.proposed_by[:, state.PROPOSED_COOP].tolist() == [st.rewires_by[0], 0]
    assert (st.proposed_by[:, state.PROPOSED_DEGREE] >= st.rewires_by).all()  # degree >= 1
    check_invariants(model.engine)
    coop, defect = model.recommender_agents
    assert coop.proposed_cooperator_share == 1.0 and defect.proposed_cooperator_share == 0.0


def test_an_aligned_recommender_proposes_cooperators_and_a_high_one_hubs():
    engine = Engine(n=400, k=10, W=1.0, W2=0.0, rng=8, max_steps=80_000, stop_on_fixation=False,
                    recommenders={"coop-random": 0.25, "defect-random": 0.25, "any-high": 0.25,
                                  "any-random": 0.25})
    engine.advance(80_000)
    check_invariants(engine)
    s = measure(engine)
    coop, degree = s["proposed_cooperators_by_recommender"], s["proposed_degree_by_recommender"]
    assert coop["coop-random"] == 1.0 and coop["defect-random"] == 0.0
    assert 0.0 < coop["any-random"] < 1.0
    assert degree["any-high"] > 2 * degree["any-random"]
    m = engine.n_edges * 2 / engine.n
    assert degree["any-high"] > m  # it feeds hubs


def test_the_command_line_says_what_each_recommender_proposed():
    done = rewire("run", "--n", "200", "--k", "8", "--steps", "20000", "--seed", "3",
                  "--recommenders", "coop-random=0.5,defect-random=0.5", "--no-progress")
    assert done.returncode == 0, done.stderr
    out = done.stdout
    lines = {line.split()[0]: line for line in out.splitlines() if "share " in line}
    assert "proposed 100% cooperators" in lines["coop-random"]
    assert "proposed 0% cooperators" in lines["defect-random"]
    assert "mean degree" in lines["coop-random"]


def test_the_dashboard_draws_each_recommenders_proposals_over_recent_generations():
    spec = panel_spec(["local", "coop-high"])
    panels = {p["title"]: p for p in spec["panels"]}
    for title, column in [("Cooperators among proposed users", "proposed_coop"),
                          ("Degree of proposed users", "proposed_degree")]:
        series = panels[title]["series"]
        assert [s["name"] for s in series] == ["local", "coop-high"]
        assert all(s["derive"] == "window_ratio" and s["over"] == f"proposed:{s['name']}"
                   and s["column"] == f"{column}:{s['name']}" for s in series)
    columns = set(plotted_columns(spec))
    assert {"proposed:local", "proposed_coop:coop-high", "proposed_degree:local"} <= columns
    # a twin's ratios are of its own tallies
    twin = overlay_spec(spec, panel_spec(["local"]))
    (mine, theirs) = [s for s in twin["panels"][7]["series"] if s["name"] == "local"]
    assert theirs["over"] == "twin:proposed:local" and mine["over"] == "proposed:local"


def test_the_collector_records_the_running_tallies_each_generation():
    model = RewireModel(n=100, k=6, rng=2, max_steps=1000,
                        recommenders={"coop-random": 0.5, "local": 0.5})
    model.run()
    table = model.datacollector.get_model_vars_dataframe()
    served = table["proposed:coop-random"].to_numpy()
    assert (np.diff(served) >= 0).all() and served[-1] == model.engine.state.rewires_by[0]
    assert (table["proposed_coop:coop-random"] == table["proposed:coop-random"]).all()


@pytest.mark.timeout(300)
def test_the_bait_and_switch_check_runs_as_docs_learning_says():
    """docs/bait_and_switch.py (docs/LEARNING.md, "Bait and switch?"), on a few seeds."""
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    done = subprocess.run([sys.executable, "docs/bait_and_switch.py", "--seeds", "4"],
                          cwd=root, capture_output=True, text=True, timeout=280)
    assert done.returncode == 0, done.stderr
    rows = [line for line in done.stdout.splitlines()
            if line.startswith(("engagement learner", "alignment learner", "blind"))]
    assert len(rows) == 6  # three recommenders, in the run and in the control
    for row in rows:  # name (two words), runs, then the first mean: a Mean Action Strat
        assert 0.0 <= float(row.split()[3]) <= 1.0
