"""A GAT ranking module in the kernel (model/core/learned_gat.py): the NumPy module's choices.

A GAT scores users one by one (their neighbourhoods differ), so the kernel computes
every user's hidden features at each decision. Its greedy choice must be among the
users the NumPy module scores best, its samples must follow the module's softmax, no
weight may make it propose an invalid candidate, and its log must give back the
NumPy module's observation of each decision (which the trainer's gradient reads).
"""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from scipy.stats import chisquare

from model.core import learned_gat
from model.core.recommend import ask
from model.core.selectors import Rank, Source, Who
from model.engine import Engine
from model.learned_policies import pack_for_kernel
from model.learning.classes import graph_decisions
from model.learning.ranking import RankingPolicy, masked_softmax, save_policy
from tests.test_learned import (a_tie, check_greedy_choices, check_never_invalid,
                                numpy_view, random_world)

ROOT = Path(__file__).resolve().parents[1]


def make_gat(engine, policy, greedy=True, log_floats=0):
    view = engine.views[0]
    view.set_selector(Source.OWN_USERS, Who.ANY, Rank.LEARNED)
    view.set_weights(pack_for_kernel(policy, engine.n, greedy,
                                     log_every=1 if log_floats else 0, log_floats=log_floats))


@pytest.mark.parametrize("seed", range(12))
def test_the_greedy_choice_is_a_user_the_numpy_gat_scores_best(seed):
    engine = random_world(seed, recommenders=1 + seed % 2)
    policy = RankingPolicy("gat", 6, 5, seed=seed)
    for name in policy.params:
        policy.params[name] *= 3  # attention that matters
    make_gat(engine, policy)
    assert check_greedy_choices(engine, policy, seed) > 0


def test_sampled_gat_choices_follow_the_numpy_modules_softmax():
    engine = random_world(3, n=10)
    policy = RankingPolicy("gat", 6, 5, seed=4)
    for name in policy.params:
        policy.params[name] *= 3
    make_gat(engine, policy, greedy=False)
    u, v = a_tie(engine, np.random.default_rng(0))
    obs = numpy_view(engine, u)
    pi = masked_softmax(policy.forward(obs)[0], obs.invalid)
    draws = np.array([ask(engine.state, u, v) for _ in range(20000)])
    counts = np.bincount(draws, minlength=engine.n)
    support = pi > 0
    assert counts[~support].sum() == 0
    assert pi[support].max() > 2 * pi[support].min()
    assert chisquare(counts[support], pi[support] * len(draws)).pvalue > 1e-4


@pytest.mark.parametrize("scale", [0.0, 1e6, -1e6, 1e300])
@pytest.mark.parametrize("greedy", [True, False])
def test_never_an_invalid_candidate_whatever_the_gat_weights(scale, greedy):
    engine = random_world(101, n=11, recommenders=2)
    policy = RankingPolicy("gat", 4, 4, seed=1)
    for name in policy.params:
        policy.params[name] *= scale
    make_gat(engine, policy, greedy=greedy)
    check_never_invalid(engine, 2)


def test_the_log_gives_back_each_decisions_observation():
    engine = Engine(n=30, k=6, beta=0.1, rng=5, max_steps=2000)
    policy = RankingPolicy("gat", 5, 4, seed=2)
    ties = int(engine.state.deg.sum()) // 2
    make_gat(engine, policy, greedy=False,
             log_floats=2002 * learned_gat.record_floats(engine.n, ties))
    # one request by hand: its logged observation is the NumPy module's view of it
    u, v = a_tie(engine, np.random.default_rng(1))
    z = int(ask(engine.state, u, v))
    (dec,) = graph_decisions(learned_gat.read_log(engine.views[0].weights))
    expected = numpy_view(engine, u)
    assert dec.action == z and dec.observation.focus == u
    np.testing.assert_array_equal(dec.observation.features, expected.features)
    np.testing.assert_array_equal(dec.observation.invalid, expected.invalid)
    got = policy.forward(dec.observation)[0]
    np.testing.assert_allclose(got, policy.forward(expected)[0], rtol=1e-12)
    # and in the dynamics: every served request logged
    engine.advance(2000)
    decisions = graph_decisions(learned_gat.read_log(engine.views[0].weights))
    assert len(decisions) > 20
    for d in decisions:
        assert not d.observation.invalid[d.action]


@pytest.mark.timeout(300)
def test_a_gat_policy_file_runs_from_the_command_line(tmp_path):
    path = save_policy(tmp_path / "g.npz", RankingPolicy("gat", 4, 4, seed=1))
    out = subprocess.run([sys.executable, "-m", "model", "run", "--n", "30", "--k", "4",
                          "--steps", "3000", "--json", "--recommenders", f"learned:{path}=1"],
                         capture_output=True, text=True, cwd=ROOT, timeout=280)
    assert out.returncode == 0, out.stderr
    served = json.loads(out.stdout)["rewires_by_recommender"][f"learned:{path}"]
    assert served > 0
