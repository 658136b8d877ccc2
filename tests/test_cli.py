"""The command line: ``python -m model run``; bad input is one line and exit code 2."""

import json

import pytest

from commands import rewire

pytestmark = pytest.mark.timeout(240)  # each test waits on a subprocess


def test_json_output_has_every_final_metric():
    out = rewire("run", "--n", "200", "--k", "8", "--seed", "3", "--steps", "4000", "--json",
                 "--recommenders", "local=0.9,GOOD=0.1", "--W2", "0.1")
    assert out.returncode == 0, out.stderr
    s = json.loads(out.stdout)
    assert list(s) == ["cooperation", "rewires", "rewire_requests", "rewire_opportunities",
                       "rewires_per_opportunity", "heterogeneity", "max_degree", "mean_payoff",
                       "steps", "viewer_cooperation", "viewer_payoff", "quality_share",
                       "audience_gini", "quality_audience_share", "creator_payoff",
                       "follows_rewired", "fixation_step", "shares", "requests_by_recommender",
                       "rewires_by_recommender", "proposed_cooperators_by_recommender",
                       "proposed_degree_by_recommender"]
    assert s["steps"] == 4000 and set(s["shares"]) == {"local", "coop-random"}


def test_readable_summary_without_json():
    out = rewire("run", "--n", "100", "--k", "6", "--seed", "1", "--generations", "5",
                 "--policy", "BAD", "--no-progress")
    assert out.returncode == 0, out.stderr
    assert "cooperation" in out.stdout and "defect-random" in out.stdout
    assert "500 (5.0 generations" in out.stdout


def test_options_reach_the_model():
    out = rewire("run", "--n", "60", "--k", "4", "--T", "1.5", "--S", "0.5", "--beta", "inf",
                 "--W", "inf", "--coop-init", "1", "--seed", "2", "--json")
    s = json.loads(out.stdout)
    assert s["cooperation"] == 1.0 and s["fixation_step"] == 0 and s["steps"] == 0


@pytest.mark.parametrize("args, message", [
    (["--n", "100", "--k", "100"], "--k: k must be a number in (0, n-1] = (0, 99]"),
    (["--T", "3"], "--T: T must be a number in [0, 2]; got 3.0"),
    (["--W", "-1"], "--W: W must be a number >= 0 or inf"),
    (["--policy", "foo"], "--policy: recommenders: unknown recommender 'foo'"),
    (["--recommenders", "local=0.5,GOOD=0.2"], "--recommenders: recommenders: shares must sum"),
    (["--recommenders", "local=half"],
     "--recommenders: recommenders: share of 'local' must be a number in [0, 1]"),
    (["--seed", "-1"], "--seed: rng must be an integer in [0, 2**63 - 1]; got -1"),
    (["--steps", "-5"], "--steps: max_steps must be an integer in [0, 2**62]; got -5"),
    (["--generations", "-2"], "--generations: must be an integer >= 0; got -2"),
    (["--n", "10.5"], "argument --n: must be an integer; got '10.5'"),
    (["--bogus"], "unrecognized arguments: --bogus"),
    (["--no-stop-on-fixation"], "--no-stop-on-fixation needs --steps or --generations"),
    (["--steps", "5", "--generations", "1"], "give --steps or --generations, not both"),
])
def test_bad_input_is_one_line_with_exit_code_2(args, message):
    out = rewire("run", *args)
    assert out.returncode == 2
    assert out.stderr.count("\n") == 1 and "Traceback" not in out.stderr
    assert out.stderr.startswith("rewire: error: ")
    assert message in out.stderr
