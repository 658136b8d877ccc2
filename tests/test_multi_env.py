"""``RewireAECEnv``: competing learning recommenders as a PettingZoo (AEC) environment."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("pettingzoo")
from pettingzoo.test import api_test  # noqa: E402

from model.core import state  # noqa: E402
from model.learning.multi_env import RewireAECEnv  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.timeout(600)
def test_the_environment_passes_pettingzoos_api_test():
    env = RewireAECEnv()
    api_test(env, num_cycles=300, verbose_progress=False)
    env.close()


def play(env, seed, choose):
    """One episode; each agent's total reward, the agents in the order they were asked,
    and every observation an agent acted on."""
    env.reset(seed=seed)
    totals = {a: 0.0 for a in env.possible_agents}
    order, seen = [], []
    for agent in env.agent_iter():
        obs, reward, terminated, truncated, _ = env.last()
        totals[agent] += reward
        if terminated or truncated:
            env.step(None)
            continue
        order.append(agent)
        seen.append((agent, obs))
        env.step(choose(obs))
    return totals, order, seen


def first_valid(obs):
    valid = np.flatnonzero(obs["invalid"] == 0)
    return int(valid[0]) if valid.size else int(obs["focus"])


@pytest.mark.timeout(600)
def test_each_agent_is_asked_for_its_own_users_and_paid_its_own_reward():
    env = RewireAECEnv(rewards={"engagement": "rewires", "aligned": "coops"}, n=24)
    checked = []

    def own_users_only(obs):  # at the moment of the request
        st = env.model.engine.state
        r = env.possible_agents.index(env.agent_selection)
        valid = np.flatnonzero(obs["invalid"] == 0)
        assert (st.rec[valid] == r).all() and st.rec[obs["focus"]] == r
        checked.append(valid.size)
        return first_valid(obs)

    totals, order, seen = play(env, 5, own_users_only)
    assert sum(checked) > 0
    engine = env.model.engine
    st = engine.state
    assert order.count("engagement") == st.requests_by[0] > 0  # one step per request
    assert order.count("aligned") == st.requests_by[1] > 0
    assert totals["engagement"] == st.requests_by[0]
    c = engine.counter(state.N_COOP) / engine.n
    assert totals["aligned"] == pytest.approx(2 * (c - 0.5))
    for agent, obs in seen:
        assert obs["invalid"][obs["focus"]] == 1  # never the user asking
    env.close()


@pytest.mark.timeout(600)
def test_the_same_seed_gives_the_same_episode_and_invalid_actions_are_unserved():
    env = RewireAECEnv(n=24)
    a = play(env, 11, lambda obs: int(obs["focus"]))  # always invalid: the user itself
    assert env.model.engine.counter(state.REWIRES) == 0  # no rewire was ever made
    b = play(env, 11, lambda obs: int(obs["focus"]))
    assert a[0] == b[0] and a[1] == b[1]
    env.close()


@pytest.mark.parametrize("kwargs,message", [
    ({"rewards": {"a": "likes"}}, "rewards: 'a': must be one of rewires, coops; got 'likes'"),
    ({"rewards": {"a": "coops"}, "shares": {"b": 1.0}},
     "shares: must name the agents of rewards (a); got b"),
])
def test_bad_settings_are_one_line(kwargs, message):
    with pytest.raises(ValueError) as err:
        RewireAECEnv(**kwargs)
    assert str(err.value) == message


@pytest.mark.timeout(300)
def test_without_pettingzoo_the_import_fails_in_one_clear_line():
    code = ("import sys; sys.modules['pettingzoo'] = None\n"
            "try:\n    import model.learning.multi_env\n"
            "except ImportError as err:\n    print(err)")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                         text=True, timeout=280)
    assert out.stdout.strip() == ("RewireAECEnv needs pettingzoo and gymnasium "
                                  "(pip install -r requirements-learn.txt)")
