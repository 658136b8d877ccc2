"""How kernels are compiled: only on first use, once per widened signature, and an
inlined kernel still answers a call from Python."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from model.core import jit

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def own_cache(tmp_path, monkeypatch):
    """Kernels made here are cached in a folder of the test's own."""
    monkeypatch.setattr(jit, "CACHE_DIR", tmp_path / "kernels")
    return tmp_path


@pytest.mark.timeout(120)
def test_importing_the_model_compiles_nothing():
    """A first run pays for what it runs, not for every kernel the package has."""
    code = ("import model, model.engine, model.rewire_model, agents.bookkeeping\n"
            "from model.core import jit\n"
            "print(sum(len(k.signatures) for k in jit._KERNELS))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                         text=True, check=True, timeout=110).stdout
    assert out == "0\n"


def test_narrow_and_wide_integer_arguments_share_one_compiled_copy(own_cache):
    @jit.compiled(inline=True)
    def pick(a, i):
        return a[i] * 2

    @jit.compiled
    def caller(a, small, wide):
        return pick(a, small) + pick(a, wide) + pick(a, 1)

    a = np.arange(5, dtype=np.int64)
    assert caller(a, np.int32(2), 3) == 4 + 6 + 2
    assert len(pick.signatures) == 1
    assert pick.signatures[0][1] == jit.types.int64


def test_an_inlined_kernel_answers_python_and_other_kernels_alike(own_cache):
    @jit.compiled(inline=True)
    def bump(a, i):
        a[i] += 1
        return a[i]

    @jit.compiled
    def bump_twice(a, i):
        bump(a, i)
        return bump(a, i)

    a = np.zeros(3, dtype=np.int64)
    assert bump_twice(a, 1) == 2
    assert bump(a, 1) == 3  # from Python: through its twin with a Python wrapper
    assert a.tolist() == [0, 3, 0]


# -- which compiled run loop a state needs (model.core.kernel.entry_point_for) ----------
def _kernel_for(**params):
    from model.core.kernel import entry_point_for
    from model.engine import Engine

    engine = Engine(n=60, k=4, rng=1, max_steps=600, **params)
    return entry_point_for(engine.state).__name__


@pytest.mark.parametrize("mix,loop", [
    ({"local": 1.0}, "run"),
    ({"any-random": 0.5, "coop-random": 0.5}, "run"),
    ({"none": 1.0}, "run"),
    ({"coop-high": 1.0}, "run_ranked"),
    ({"local": 0.9, "defect-low": 0.1}, "run_ranked"),  # every recommender of the mix counts
    ({"local": 0.5, "bandit-ucb": 0.5}, "run_bandits"),
])
def test_a_state_runs_the_loop_compiled_for_what_its_recommenders_do(mix, loop):
    assert _kernel_for(recommenders=mix) == loop


def test_a_state_with_creators_or_a_learned_ranking_runs_the_full_loop(tmp_path):
    from model.learning.ranking import RankingPolicy, save_policy

    path = save_policy(tmp_path / "p.npz", RankingPolicy("mlp", 4, 4, seed=1))
    assert _kernel_for(recommenders={"local": 0.5, f"learned:{path}": 0.5}) == "run_full"
    assert _kernel_for(creator_share=0.1, follows=3) == "run_full"


def test_every_registered_policy_picks_the_loop_its_selector_needs():
    from model.core.selectors import Rank, Source
    from model.policies import get_policy, policy_names

    for name in policy_names():
        policy = get_policy(name)
        source, _, rank = policy.selector()
        if policy.__module__ == "model.bandit_policies":
            loop = "run_bandits"  # whatever its arms
        elif rank == Rank.LEARNED:
            loop = "run_full"
        elif source == Source.OWN_USERS and rank != Rank.RANDOM:
            loop = "run_ranked"
        else:
            loop = "run"
        assert _kernel_for(recommenders={name: 1.0}) == loop, name


@pytest.mark.parametrize("mix", [{"local": 1.0}, {"any-random": 0.5, "fair": 0.5},
                                 {"coop-high": 0.5, "any-low": 0.5},
                                 {"local": 0.5, "bandit-ucb": 0.5}])
def test_the_smaller_loops_run_the_same_dynamics_as_the_full_one(mix, monkeypatch):
    """Same seed, same run, whichever compiled loop advances it."""
    from model import engine as engine_module
    from model.core.kernel import run_full

    def advanced(**changes):
        engine = engine_module.Engine(n=200, k=8, W=2.0, W2=0.2, rng=5, max_steps=20_000,
                                      stop_on_fixation=False, recommenders=mix)
        engine.advance(20_000)
        return engine.state

    small = advanced()
    monkeypatch.setattr(engine_module, "entry_point_for", lambda st: run_full)
    full = advanced()
    assert small.cnt.tolist() == full.cnt.tolist()
    for name in ("deg", "strat", "rec", "nbr", "rng", "btab", "proposed_by"):
        np.testing.assert_array_equal(getattr(small, name), getattr(full, name), name)


@pytest.mark.timeout(300)
def test_a_first_run_of_random_policies_compiles_no_ranking_learning_or_creators(tmp_path):
    """The cold compile of a plain first run (README, "The first run") leaves out what
    its state cannot meet."""
    code = ("from model import RewireModel\n"
            "from model.core import kernel, learned, recommend\n"
            "RewireModel(n=60, k=4, rng=1, max_steps=600).run()\n"
            "print([len(f.signatures) for f in (kernel.run, recommend.random_only,\n"
            "       recommend.by_degree, learned.learned_class, kernel.creator_update)])")
    env = dict(__import__("os").environ, REWIRE_KERNEL_CACHE=str(tmp_path))
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                         text=True, check=True, timeout=280, env=env).stdout
    assert out == "[1, 1, 0, 0, 0]\n"
