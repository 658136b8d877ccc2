"""``RewireEnv``: the model as a Gymnasium environment, one step per rewire request."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

gym = pytest.importorskip("gymnasium")
from gymnasium.utils.env_checker import check_env  # noqa: E402

from model.learning.env import ENV_ID, RewireEnv  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.timeout(600)
def test_the_environment_passes_gymnasiums_checker():
    env = RewireEnv(reward="coops")
    check_env(env, skip_render_check=True)
    env.close()


def play(env, seed, choose):
    obs, _ = env.reset(seed=seed)
    total, steps = 0.0, 0
    while True:
        obs, reward, terminated, truncated, info = env.step(choose(obs))
        total += reward
        steps += 1
        if terminated or truncated:
            return total, steps, obs, terminated


@pytest.mark.timeout(600)
def test_rewires_pays_one_per_request_and_coops_pays_at_the_end():
    env = gym.make(ENV_ID, reward="rewires")
    first_valid = lambda obs: int(np.flatnonzero(obs["invalid"] == 0)[0])
    total, steps, _, _ = play(env, 3, first_valid)
    inner = env.unwrapped
    assert total == steps == inner.model.engine.counter(2)  # every request was a step
    env.close()
    env = RewireEnv(reward="coops")
    total, steps, _, terminated = play(env, 3, first_valid)
    c = env.model.engine.counter(5) / env.n
    assert total == pytest.approx(2 * (c - 0.5))
    env.close()


@pytest.mark.timeout(600)
def test_the_same_seed_gives_the_same_episode_and_invalid_actions_are_unserved():
    env = RewireEnv(reward="rewires")
    focus = lambda obs: int(obs["focus"])  # always invalid: the user itself
    a = play(env, 11, focus)
    assert env.model.engine.counter(1) == 0  # no rewire was ever made
    b = play(env, 11, focus)
    assert a[:2] == b[:2]
    env.close()


@pytest.mark.timeout(300)
def test_without_gymnasium_the_import_fails_in_one_clear_line():
    code = ("import sys; sys.modules['gymnasium'] = None\n"
            "try:\n    import model.learning.env\n"
            "except ImportError as err:\n    print(err)")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                         text=True, timeout=280)
    assert out.stdout.strip() == ("RewireEnv needs gymnasium "
                                  "(pip install -r requirements-learn.txt)")
