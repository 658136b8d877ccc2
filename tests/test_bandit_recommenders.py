"""Bandit recommenders: one arm per window of requests, learned from the window's reward.

What a user of the tool relies on: windows are exact, the arms are reproducible from
the seed (in another process too), a bad setting is refused in one line naming it
(in Python and on the command line), the learner's state survives copying and
pickling a run, and an alignment bandit learns to recommend cooperators.
"""

import copy
import json
import pickle
import subprocess
import sys

import numpy as np
import pytest

from model import RewireModel
from model.bandit_policies import BANDIT_POLICIES, DEFAULT_ARMS
from model.bandit_regret import twin_regret
from model.engine import Engine
from model.parameters import ParameterError, format_mix, validate
from model.policies import get_policy, policy_names

SMALL = dict(n=200, k=8, W=2.0, max_steps=20_000, stop_on_fixation=False, rng=11)
NAMES = [p.name for p in BANDIT_POLICIES]


def bandit(policy="bandit-ucb", **settings):
    return {"learner": {"share": 1.0, "policy": policy, **settings}}


def test_every_algorithm_is_a_registered_recommender():
    assert NAMES == ["bandit-ucb", "bandit-eps", "bandit-exp3", "bandit-thompson",
                     "bandit-etc"]
    assert set(NAMES) <= set(policy_names())
    assert all(get_policy(n).stateful for n in NAMES)


def test_default_arms_are_the_family_local_and_fair_and_a_list_round_trips():
    mix = validate({"recommenders": "bandit-ucb"})["recommenders"]
    assert mix["bandit-ucb"]["arms"].split("+") == list(DEFAULT_ARMS)
    listed = validate({"recommenders": bandit(arms=["GOOD", "BAD", "local"])})
    text = validate({"recommenders": "learner=1[policy=bandit-ucb,arms=GOOD+BAD+local]"})
    assert listed == text
    assert listed["recommenders"]["learner"]["arms"] == "coop-random+defect-random+local"
    assert validate({"recommenders": format_mix(listed["recommenders"])}) == listed


@pytest.mark.parametrize("policy", NAMES)
def test_windows_are_exact_and_each_plays_one_arm(policy):
    e = Engine(**SMALL, recommenders=bandit(policy, window=13, arms="GOOD+BAD"))
    e.advance(20_000)
    p = e.policies[0]
    assert len(p.history) == e.state.requests_by[0] // 13 > 10
    assert all(0.0 <= r <= 1.0 for _, _, r in p.history)
    assert set(a for _, a, _ in p.history) <= {0, 1}
    # the kernel executes the arm in force
    assert e.views[0].selector == get_policy(p.arms[p.arm]).selector()


def test_a_window_reward_is_what_the_docs_say():
    e = Engine(**SMALL, recommenders=bandit(window=25, reward="alignment", arms="local"))
    while len(e.policies[0].history) < 3:
        e.advance(1)
    view = e.views[0]
    assert e.policies[0].history[-1][2] == view.cooperators / view.users


def test_welfare_and_engagement_rewards_are_what_the_docs_say():
    e = Engine(**SMALL, recommenders=bandit(window=25, reward="welfare", arms="local"))
    while len(e.policies[0].history) < 3:
        e.advance(1)
    st = e.state
    games = st.deg.sum()  # one recommender: everybody is its user
    per_game = e.payoffs().sum() / games
    lo, hi = min(e.params["S"], 0.0), max(e.params["T"], 1.0)
    assert e.policies[0].history[-1][2] == pytest.approx((per_game - lo) / (hi - lo), rel=1e-12)

    e = Engine(**SMALL, recommenders=bandit(window=25, arms="local"))
    e.advance(5_000)
    p_rec, p_strat = e.state.fpar[2], e.state.fpar[3]
    steps = [0] + [s for s, _, _ in e.policies[0].history]
    for (step, _, reward), before in zip(e.policies[0].history, steps):
        # window / (p_structural * steps * users / N), users = N here
        assert reward == pytest.approx(min(1.0, 25 / ((1 - p_rec - p_strat) * (step - before))))


@pytest.mark.parametrize("policy", NAMES)
def test_the_run_loop_learns_as_the_python_learner_does(policy):
    """One learner, two callers: replaying a run's rewards into a fresh Python learner
    with the same stream chooses the same arms."""
    from model.core.rng import new_state
    from model.learning.bandits import make_bandit

    e = Engine(**SMALL, recommenders=bandit(policy, window=10))
    e.advance(20_000)
    p = e.policies[0]
    words = new_state(np.random.SeedSequence(e.seed, spawn_key=(3, 0)))
    replay = make_bandit(p.algorithm, len(p.arms), words, **p.learner_settings)
    for _, arm, reward in p.history:
        assert replay.choose() == arm
        replay.update(arm, reward)
    assert replay.choose() == p.arm
    assert len(p.history) > 100


def test_windows_ended_while_the_log_was_full_are_not_lost():
    """The run loop logs at most LOG_ROWS windows per call; the engine then reads the
    log and ends the window itself. One long call and many short ones agree."""
    from model.engine import LOG_ROWS

    long, short = (Engine(**{**SMALL, "max_steps": None},
                          recommenders=bandit("bandit-thompson", window=1)) for _ in range(2))
    long.advance(60_000)
    for _ in range(600):
        short.advance(100)
    assert len(long.policies[0].history) == long.state.requests_by[0] > LOG_ROWS
    assert long.policies[0].history == short.policies[0].history
    assert long.edges().tobytes() == short.edges().tobytes()


@pytest.mark.parametrize("policy", NAMES)
def test_the_arms_are_reproducible_from_the_seed(policy):
    a, b = (Engine(**SMALL, recommenders=bandit(policy, window=20)) for _ in range(2))
    a.advance(20_000)
    b.advance(20_000)
    assert a.policies[0].history == b.policies[0].history
    c = Engine(**{**SMALL, "rng": 12}, recommenders=bandit(policy, window=20))
    c.advance(20_000)
    assert c.policies[0].history != a.policies[0].history


@pytest.mark.timeout(300)
def test_the_same_seed_gives_the_same_arms_in_another_process():
    args = ["--n", "200", "--k", "8", "--steps", "20000", "--seed", "11", "--json",
            "--recommenders", "bandit-exp3[window=20,reward=welfare]"]
    runs = [subprocess.run([sys.executable, "-m", "model", "run", *args], capture_output=True,
                           text=True, timeout=280) for _ in range(2)]
    assert [r.returncode for r in runs] == [0, 0]
    here = RewireModel(n=200, k=8, max_steps=20_000, rng=11,
                       recommenders="bandit-exp3[window=20,reward=welfare]").run()
    there = [json.loads(r.stdout)["bandits"]["bandit-exp3"] for r in runs]
    assert there[0] == there[1] == here["bandits"]["bandit-exp3"]


BAD = [
    ("bandit-ucb[arms=nope]", "'bandit-ucb': arms: unknown policy 'nope'"),
    ("bandit-ucb[arms=GOOD+bandit-eps]", "'bandit-ucb': arms: 'bandit-eps' is not a fixed"),
    ("bandit-ucb[arms=GOOD+GOOD]", "'bandit-ucb': arms: 'coop-random' is listed twice"),
    ("bandit-ucb[window=0]", "'bandit-ucb': window must be an integer in [1, 1000000000]"),
    ("bandit-eps[epsilon=1.5]", "'bandit-eps': epsilon must be a number in [0, 1]"),
    ("bandit-eps[epsilon=-0.1]", "'bandit-eps': epsilon must be a number in [0, 1]"),
    ("bandit-ucb[reward=clicks]",
     "'bandit-ucb': reward must be one of engagement, alignment, welfare"),
    ("bandit-ucb[epsilon=0.1]", "'bandit-ucb' has no setting 'epsilon'"),
    ("bandit-etc[explore=0]", "'bandit-etc': explore must be an integer in [1, 1000000000]"),
]


@pytest.mark.parametrize("text, message", BAD)
def test_bad_settings_are_refused_in_one_line_naming_them(text, message):
    with pytest.raises(ParameterError) as err:
        RewireModel(n=50, k=4, max_steps=100, recommenders=text)
    assert message in str(err.value) and "\n" not in str(err.value)


@pytest.mark.timeout(300)
@pytest.mark.parametrize("text, message", BAD[:1] + BAD[3:5])
def test_bad_settings_on_the_command_line_exit_2_in_one_line(text, message):
    r = subprocess.run([sys.executable, "-m", "model", "run", "--n", "50", "--k", "4",
                        "--steps", "100", "--recommenders", text],
                       capture_output=True, text=True, timeout=280)
    assert r.returncode == 2
    assert r.stderr.count("\n") == 1 and message in r.stderr and "Traceback" not in r.stderr


@pytest.mark.parametrize("clone", [copy.deepcopy, lambda e: pickle.loads(pickle.dumps(e))],
                         ids=["deepcopy", "pickle"])
@pytest.mark.parametrize("policy", ["bandit-ucb", "bandit-thompson", "bandit-exp3"])
def test_a_bandits_state_survives_saving_and_reloading_the_run(clone, policy):
    straight = Engine(**SMALL, recommenders=bandit(policy, window=15))
    straight.advance(20_000)
    e = Engine(**SMALL, recommenders=bandit(policy, window=15))
    e.advance(7_000)
    twin = clone(e)
    assert twin.policies[0].learner.state() == e.policies[0].learner.state()
    twin.advance(13_000)
    assert twin.policies[0].history == straight.policies[0].history
    assert twin.edges().tobytes() == straight.edges().tobytes()


def test_the_model_reports_arms_and_rewards_over_time():
    m = RewireModel(**SMALL, recommenders="local=0.5,b=0.5[policy=bandit-eps,window=10]")
    s = m.run()
    h = m.bandit_history("b")
    assert len(h["step"]) == len(h["arm"]) == len(h["reward"]) == s["bandits"]["b"]["windows"]
    assert (np.diff(h["step"]) >= 0).all() and set(h["arm"]) <= set(DEFAULT_ARMS)
    assert sum(s["bandits"]["b"]["arm_counts"].values()) == len(h["arm"])
    assert s["bandits"]["b"]["final_arm"] in DEFAULT_ARMS
    assert s["bandits"]["b"]["mean_reward"] == pytest.approx(h["reward"].mean())
    json.dumps(s)  # the --json summary
    with pytest.raises(ValueError, match="'local' is not a bandit"):
        m.bandit_history("local")


def test_a_one_arm_bandit_is_its_arm_so_twins_are_the_fixed_policy_runs():
    fixed = Engine(**SMALL, recommenders={"defect-random": 1.0})
    one = Engine(**SMALL, recommenders=bandit(arms="BAD", window=7))
    fixed.advance(20_000)
    one.advance(20_000)
    assert fixed.edges().tobytes() == one.edges().tobytes()
    assert fixed.state.strat.tobytes() == one.state.strat.tobytes()


def test_twin_regret_compares_with_the_best_fixed_arm_on_the_same_seed():
    r = twin_regret(**{**SMALL, "max_steps": 10_000},
                    recommenders=bandit(arms="GOOD+BAD", window=20, reward="alignment"))
    assert set(r["twins"]) == {"coop-random", "defect-random"}
    best = r["twins"][r["best_arm"]]["mean_reward"]
    assert best == max(t["mean_reward"] for t in r["twins"].values())
    assert r["regret"] == pytest.approx(r["windows"] * (best - r["bandit"]["mean_reward"]))


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_an_alignment_bandit_ends_on_the_cooperator_arm_more_often_than_an_engagement_one():
    """Between recommending cooperators and defectors, on a small fast model where the
    choice decides cooperation: over seeds and two learners, alignment bandits end on
    coop-random clearly more often than engagement bandits do (which favour defectors)."""
    ends = {"alignment": 0, "engagement": 0}
    for policy in ("bandit-ucb", "bandit-thompson"):
        for reward in ends:
            for seed in range(8):
                m = RewireModel(n=200, k=8, W=1.0, max_steps=60_000, stop_on_fixation=False,
                                rng=seed, recommenders=bandit(
                                    policy, window=5, reward=reward,
                                    arms="coop-random+defect-random"))
                ends[reward] += m.run()["bandits"]["learner"]["final_arm"] == "coop-random"
    assert ends["alignment"] >= ends["engagement"] + 4, ends


def test_a_sweep_row_records_the_final_arm_and_arm_counts_as_columns():
    import pyarrow as pa

    from model.sweeps.runner import run_one
    from model.sweeps.storage import runs_schema

    params = validate({**SMALL, "rng": None, "max_steps": 5_000,
                       "recommenders": "local=0.5,b=0.5[policy=bandit-ucb,arms=GOOD+BAD,window=10]"})
    params.pop("rng")
    out = run_one("r0", 0, 0, 3, params, "final", 1, ["local", "b"])
    assert out["row"]["status"] == "ok", out["row"]["error"]
    table = pa.Table.from_pylist([out["row"]], schema=runs_schema(["local", "b"], bandits=["b"]))
    row = table.to_pylist()[0]
    counts = json.loads(row["arm_counts:b"])
    assert row["final_arm:b"] in ("coop-random", "defect-random")
    assert sum(counts.values()) == row["windows:b"] > 0
    assert 0 <= row["mean_reward:b"] <= 1


def test_a_saved_and_reloaded_model_goes_on_with_the_same_arms():
    def model():
        return RewireModel(n=200, k=8, rng=2, max_steps=20_000, stop_on_fixation=False,
                           recommenders="bandit-thompson[window=10]")

    straight, m = model(), model()
    straight.run()
    for _ in range(50):
        m.step()
    reloaded = pickle.loads(pickle.dumps(m))
    reloaded.run()
    assert reloaded.summary()["bandits"] == straight.summary()["bandits"]
    assert (reloaded.bandit_history("bandit-thompson")["reward"]
            == straight.bandit_history("bandit-thompson")["reward"]).all()
