"""RewireModel, the Mesa face of the engine: steps, stops, collected data, agents."""

import inspect

import numpy as np
import pytest

from agents import Recommender, User
from model import PARAMETERS, ParameterError, RewireModel


def test_signature_defaults_are_the_parameter_table():
    sig = inspect.signature(RewireModel.__init__).parameters
    assert list(sig)[1:] == list(PARAMETERS)
    for name, p in PARAMETERS.items():
        default = sig[name].default
        assert default == p.default or (name == "recommenders" and default is None)


def test_defaults_are_the_papers_prisoners_dilemma():
    m = RewireModel(rng=1)
    p = m.params
    assert (p["n"], p["k"], p["T"], p["S"], p["beta"], p["W"]) == (1000, 30, 2.0, -1.0, 0.005, 1.0)
    assert p["beta_med"] == pytest.approx(0.05) and p["recommenders"] == {"local": 1.0}


def test_a_step_is_one_generation_of_n_updates():
    m = RewireModel(n=120, k=6, rng=1, stop_on_fixation=False)
    m.step()
    m.step()
    assert m.summary()["steps"] == 240
    assert m.steps == 2  # Mesa's own count of step() calls


def test_max_steps_stops_exactly_at_the_limit():
    m = RewireModel(n=100, k=6, rng=2, max_steps=250, stop_on_fixation=False)
    m.run()
    assert m.summary()["steps"] == 250 and not m.running
    m.step()  # a stopped model stays stopped
    assert m.summary()["steps"] == 250


def test_fixation_stop_is_exact():
    m = RewireModel(n=30, k=4, rng=3, W=0.0, beta=1.0)  # no rewiring: defection takes over
    m.run(max_generations=10_000)
    s = m.summary()
    assert not m.running
    assert s["fixation_step"] == s["steps"]
    assert s["cooperation"] in (0.0, 1.0)


def test_a_fixated_start_does_not_run():
    m = RewireModel(n=50, k=4, coop_init=1.0, rng=1)
    assert not m.running and m.summary()["fixation_step"] == 0


def test_without_fixation_stop_the_run_goes_on_to_the_limit():
    m = RewireModel(n=30, k=4, rng=3, W=0.0, beta=1.0, stop_on_fixation=False, max_steps=30_000)
    m.run()
    s = m.summary()
    assert s["steps"] == 30_000 and s["fixation_step"] is not None
    assert s["fixation_step"] < s["steps"]


def test_datacollector_records_every_metric_each_generation():
    m = RewireModel(n=100, k=6, rng=4, recommenders={"local": 0.5, "GOOD": 0.5}, W2=0.2,
                    max_steps=1000)
    m.run()
    df = m.datacollector.get_model_vars_dataframe()
    assert len(df) == 11  # the initial state and 10 generations
    for column in ["cooperation", "rewires", "rewire_requests", "rewire_opportunities",
                   "rewires_per_opportunity", "heterogeneity", "max_degree", "mean_payoff",
                   "steps", "share:local", "share:coop-random"]:
        assert column in df.columns
    assert df["steps"].tolist() == list(range(0, 1001, 100))
    assert np.allclose(df["share:local"] + df["share:coop-random"], 1.0)
    assert df["rewires"].is_monotonic_increasing


def test_summary_has_the_command_line_keys_and_consistent_values():
    m = RewireModel(n=200, k=8, rng=5, max_steps=5000, recommenders={"local": 0.7, "fair": 0.3})
    s = m.run()
    assert set(s) == {"cooperation", "rewires", "rewire_requests", "rewire_opportunities",
                      "rewires_per_opportunity", "heterogeneity", "max_degree", "mean_payoff",
                      "steps", "fixation_step", "shares", "requests_by_recommender",
                      "rewires_by_recommender", "viewer_cooperation", "viewer_payoff",
                      "quality_share", "audience_gini", "quality_audience_share",
                      "creator_payoff", "follows_rewired", "proposed_cooperators_by_recommender",
                      "proposed_degree_by_recommender"}
    assert sum(s["requests_by_recommender"].values()) == s["rewire_requests"]
    assert s["rewires"] <= s["rewire_requests"] <= s["rewire_opportunities"]
    assert s["rewires_per_opportunity"] == pytest.approx(s["rewires"] / s["rewire_opportunities"])
    deg = m.degree
    assert s["heterogeneity"] == pytest.approx(deg.var())
    assert s["max_degree"] == deg.max()
    assert s["mean_payoff"] == pytest.approx(m.payoff.mean())
    assert s["cooperation"] == pytest.approx(m.is_cooperator.mean())


def test_users_are_live_views_of_the_engine_not_copies():
    m = RewireModel(n=80, k=6, rng=6, max_steps=8000)
    users = m.users
    assert all(isinstance(u, User) for u in users) and len(users) == 80
    m.run()
    for u in users[:20]:
        i = u.index
        assert u.degree == m.degree[i]
        assert u.is_cooperator == m.is_cooperator[i]
        assert u.strategy == ("C" if m.is_cooperator[i] else "D")
        assert u.payoff == pytest.approx(m.payoff[i])
        assert sorted(v.index for v in u.neighbours) == sorted(m.engine.neighbours(i).tolist())
    assert set(m.agents_by_type[User]) == set(users)


def test_recommender_agents_report_share_and_tallies():
    m = RewireModel(n=100, k=6, rng=7, recommenders={"local": 0.9, "coop-random": 0.1},
                    W2=0.5, max_steps=20_000)
    m.run()
    recs = m.recommender_agents
    assert [r.name for r in recs] == ["local", "coop-random"]
    assert all(isinstance(r, Recommender) for r in recs)
    s = m.summary()
    for r in recs:
        assert r.market_share == pytest.approx(s["shares"][r.name])
        assert r.requests == s["requests_by_recommender"][r.name]
        assert r.rewires == s["rewires_by_recommender"][r.name]
    assert sum(r.users for r in recs) == 100


def test_edges_are_each_tie_once():
    m = RewireModel(n=100, k=6, rng=8, max_steps=5000)
    m.run()
    e = m.edges()
    assert e.shape == (300, 2) and (e[:, 0] < e[:, 1]).all()
    assert len({tuple(x) for x in e.tolist()}) == 300


def test_run_without_any_stop_is_refused():
    m = RewireModel(n=50, k=4, rng=1, stop_on_fixation=False)
    with pytest.raises(ValueError, match="needs max_steps"):
        m.run()


@pytest.mark.parametrize("kwargs, message", [
    ({"n": 100, "k": 100}, "k must be a number in (0, n-1] = (0, 99]; got 100"),
    ({"T": 2.5}, "T must be a number in [0, 2]; got 2.5"),
    ({"S": -1.5}, "S must be a number in [-1, 1]; got -1.5"),
    ({"W": -1}, "W must be a number >= 0 or inf; got -1"),
    ({"W2": float("nan")}, "W2 must be a number >= 0 or inf; got nan"),
    ({"beta": -0.1}, "beta must be a number >= 0 or inf; got -0.1"),
    ({"coop_init": 1.2}, "coop_init must be a number in [0, 1]; got 1.2"),
    ({"recommenders": {"foo": 1.0}}, "recommenders: unknown recommender 'foo'; known: none"),
    ({"recommenders": {"local": 0.5, "fair": 0.4}}, "recommenders: shares must sum to 1; got 0.9"),
    ({"n": 10.5}, "n must be an integer in [3, 10000000]; got 10.5"),
    ({"n": "100"}, "n must be an integer in [3, 10000000]; got '100'"),
    ({"graph": "lattice"}, "graph must be one of gnm, regular; got 'lattice'"),
    ({"n": 11, "k": 3, "graph": "regular"}, "k must be an integer with n*k even"),
    ({"max_steps": -5}, "max_steps must be an integer in [0, 2**62]; got -5"),
    ({"stop_on_fixation": "yes"}, "stop_on_fixation must be true or false; got 'yes'"),
])
def test_bad_input_is_one_line_naming_the_parameter_and_range(kwargs, message):
    with pytest.raises(ParameterError) as err:
        RewireModel(**kwargs)
    text = str(err.value)
    assert "\n" not in text
    assert text.startswith(message)
    assert err.value.name == next(iter(kwargs)) if "k" not in kwargs else err.value.name == "k"
