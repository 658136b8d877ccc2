"""Creators on every front end: the command line, RewireModel and its agents, the
DataCollector and sweeps' columns, and bad input (one line naming the parameter)."""

import json

import pytest

from agents import Creator, User
from commands import rewire
from model import RewireModel
from model.parameters import ParameterError, validate
from model.sweeps.storage import SERIES_METRICS

CREATOR_METRICS = ["viewer_cooperation", "viewer_payoff", "quality_share", "audience_gini",
                   "quality_audience_share", "creator_payoff", "follows_rewired"]


@pytest.mark.timeout(240)
def test_json_has_the_creators_measures():
    out = rewire("run", "--n", "200", "--k", "6", "--creator-share", "0.1", "--follows", "3",
                 "--creator-fitness", "audience", "--W", "2", "--seed", "4", "--steps", "20000",
                 "--no-stop-on-fixation", "--json")
    assert out.returncode == 0, out.stderr
    s = json.loads(out.stdout)
    assert 0 <= s["quality_share"] <= 1 and 0 <= s["audience_gini"] < 1
    assert s["follows_rewired"] > 0 and s["cooperation"] == s["viewer_cooperation"]
    assert sum(s["shares"].values()) == pytest.approx(1.0)  # shares of viewers


@pytest.mark.timeout(240)
@pytest.mark.parametrize("args, message", [
    (["--creator-share", "1"], "--creator-share: creator_share must be a number in [0, 1); got 1"),
    (["--creator-share", "-0.1"], "creator_share must be a number in [0, 1); got -0.1"),
    (["--n", "100", "--creator-share", "0.05", "--follows", "6"],
     "--follows: follows must be a number in [0, creators] = [0, 5] with 5 creators"),
    (["--creator-fitness", "clicks"], "--creator-fitness: invalid choice: 'clicks' "
                                      "(choose from 'payoff', 'audience')"),
])
def test_bad_creator_input_is_one_line_with_exit_code_2(args, message):
    out = rewire("run", *args)
    assert out.returncode == 2
    assert out.stderr.count("\n") == 1 and "Traceback" not in out.stderr
    assert message in out.stderr


@pytest.mark.parametrize("values, message", [
    ({"creator_fitness": "clicks"}, "creator_fitness must be one of payoff, audience; got 'clicks'"),
    ({"n": 100, "creator_share": 0.001}, "creator_share must give at least one creator"),
    ({"n": 20, "k": 19, "creator_share": 0.1, "follows": 1},
     "k must be a number in (0, viewers-1] = (0, 17] with 18 viewers"),
    ({"creator_share": 0.1, "beta_creator": -1}, "beta_creator must be a number >= 0 or inf"),
    ({"creator_share": 0.1, "creator_coop_init": 2}, "creator_coop_init must be a number in [0, 1]"),
    ({"creator_share": 0.1, "engine": "agents"}, "engine='agents' runs models without creators"),
])
def test_bad_creator_parameters_are_refused_in_one_line(values, message):
    with pytest.raises(ParameterError, match=None) as err:
        validate(values)
    assert message in str(err.value) and "\n" not in str(err.value)


def test_without_creators_follows_is_not_checked():
    assert validate({"n": 10, "k": 4, "follows": 50})["follows"] == 50


def test_the_mesa_model_has_creators_as_agents():
    m = RewireModel(n=200, k=6, creator_share=0.1, follows=3, W=2.0, rng=5,
                    max_steps=10_000, stop_on_fixation=False)
    assert len(m.users) == 180 and len(m.creators) == 20
    c = m.creators[0]
    assert isinstance(c, Creator) and c.index == 180
    assert c.audience == len(c.followers) and all(isinstance(f, User) for f in c.followers)
    assert repr(c).startswith("Creator(180, ")
    assert c.payoff == pytest.approx(sum(m.engine.state.payoff[
        m.engine.state.strat[180], m.engine.state.strat[f.index]] for f in c.followers))
    follower = c.followers[0]
    assert c in follower.neighbours  # a viewer's neighbours include the creators it follows
    assert m.node(180) is c and m.node(0) is m.users[0]
    m.run()
    frame = m.datacollector.get_model_vars_dataframe()
    assert set(CREATOR_METRICS) <= set(frame.columns)
    assert frame["quality_share"].iloc[-1] == sum(x.makes_quality for x in m.creators) / 20
    assert 0 < frame["follows_rewired"].iloc[-1] <= frame["rewires"].iloc[-1]


def test_sweeps_store_the_creators_measures():
    assert set(CREATOR_METRICS) <= set(SERIES_METRICS)


def test_without_creators_the_mesa_model_has_none():
    m = RewireModel(n=50, k=4, rng=1, max_steps=100)
    assert m.creators == [] and m.metrics["quality_share"] is None
    assert m.metrics["follows_rewired"] == 0
