"""Learned recommenders in the kernel: the same choices as the NumPy ranking module.

The kernel scores classes of users (strategy, degree) rather than users
(model/core/learned.py). Its greedy choice must fall in the set of users the NumPy
module scores best, its sampled choice must follow the module's softmax over every
valid user, it must never propose an invalid candidate, and the gradient of its
logged decisions must be the module's own gradient.
"""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from scipy.stats import chisquare

from model.core import learned as kl
from model.core.recommend import ask
from model.core.selectors import Rank, Source, Who
from model.engine import Engine
from model.learning.classes import ClassDecision, batch_gradient, reference_gradient
from model.learning.ranking import (Observation, RankingPolicy, all_candidates,
                                    masked_softmax, node_features, save_policy)
from tests.handbuilt import hand_built

ROOT = Path(__file__).resolve().parents[1]


def random_world(seed, n=9, recommenders=1):
    rng = np.random.default_rng(seed)
    pairs = [(i, j) for i in range(n) for j in range(i + 1, n)]
    edges = [pairs[i] for i in rng.choice(len(pairs), size=rng.integers(n, 2 * n),
                                          replace=False)]
    strategies = "".join(rng.choice(["C", "D"], size=n))
    rec_of = rng.integers(0, recommenders, size=n)
    mix = {"any-random": 1.0} if recommenders == 1 else {"any-random": 0.5, "coop-random": 0.5}
    return hand_built(edges, strategies, recommenders=mix, recommender_of=rec_of, rng=seed)


def make_learned(engine, policy, r=0, greedy=True, log_floats=0):
    """Turn recommender r of ``engine`` into the learned module ``policy``."""
    view = engine.views[r]
    view.set_selector(Source.OWN_USERS, Who.ANY, Rank.LEARNED)
    view.set_weights(kl.pack(policy.params, policy.architecture, engine.n, greedy,
                             log_every=1 if log_floats else 0, log_floats=log_floats))


def numpy_view(engine, u, r=0):
    """The NumPy module's observation for a request of u: every user of r a candidate."""
    st = engine.state
    indptr = np.concatenate([[0], np.cumsum(st.deg)]).astype(np.int64)
    indices = np.concatenate([engine.neighbours(i) for i in range(engine.n)]
                             or [np.zeros(0, np.int32)]).astype(np.int64)
    x = node_features(st.strat, st.deg)
    cands, invalid = all_candidates(u, indptr, indices)
    invalid = invalid | (st.rec[cands] != r)
    return Observation(x, u, cands, invalid, indptr, indices)


def a_tie(engine, rng):
    st = engine.state
    users = [i for i in range(engine.n) if st.deg[i] > 0]
    u = int(rng.choice(users))
    return u, int(rng.choice(engine.neighbours(u)))


def check_greedy_choices(engine, policy, seed) -> int:
    """Requests on 10 random ties, each asked 5 times: every answer of recommender 0 is
    among the users the NumPy module scores best (-1 when none is valid). Returns the
    number of answers checked."""
    rng = np.random.default_rng(seed)
    checked = 0
    for _ in range(10):
        u, v = a_tie(engine, rng)
        if int(engine.state.rec[u]) != 0:
            continue
        obs = numpy_view(engine, u)
        scores, _ = policy.forward(obs)
        valid = ~obs.invalid
        if not valid.any():
            assert ask(engine.state, u, v) == -1
            continue
        top = scores[valid].max()
        best = set(obs.candidates[valid & (scores >= top - 1e-9)].tolist())
        for _ in range(5):
            assert int(ask(engine.state, u, v)) in best
            checked += 1
    return checked


@pytest.mark.parametrize("seed", range(12))
def test_the_greedy_choice_is_a_user_the_numpy_module_scores_best(seed):
    engine = random_world(seed, recommenders=1 + seed % 2)
    policy = RankingPolicy("mlp", 6, 5, seed=seed)
    make_learned(engine, policy)
    check_greedy_choices(engine, policy, seed)


@pytest.mark.parametrize("scale", [1.0, 3.0, 30.0])
def test_skipping_classes_that_cannot_lead_never_changes_a_greedy_choice(scale):
    # The kernel skips the classes whose bound falls short of the running best
    # (model/core/learned.py); SKIP = 0 scores every class. Same seed, same requests:
    # the same users, draw for draw, and classes were indeed skipped.
    def choices(skip):
        engine = Engine(n=80, k=10, beta=0.05, W=1.0, rng=5, stop_on_fixation=False)
        engine.advance(20000)  # varied degrees: many classes
        policy = RankingPolicy("mlp", 6, 5, seed=11)
        for name in policy.params:
            policy.params[name] *= scale
        make_learned(engine, policy)
        weights = engine.views[0].weights
        weights[kl.SKIP] = skip
        rng = np.random.default_rng(1)
        out = []
        for _ in range(300):
            u, v = a_tie(engine, rng)
            out.append(int(ask(engine.state, u, v)))
        return out, weights[kl.SKIPPED]

    (skipping, skipped), (scoring_all, none) = choices(1), choices(0)
    assert skipping == scoring_all
    assert skipped > 0 and none == 0


def test_sampled_choices_follow_the_numpy_modules_softmax():
    engine = random_world(3, n=10)
    policy = RankingPolicy("mlp", 6, 5, seed=4)
    for name in policy.params:  # larger weights: a clearly uneven distribution
        policy.params[name] *= 3
    make_learned(engine, policy, greedy=False)
    u, v = a_tie(engine, np.random.default_rng(0))
    pi = masked_softmax(*(lambda o: (policy.forward(o)[0], o.invalid))(numpy_view(engine, u)))
    draws = np.array([ask(engine.state, u, v) for _ in range(20000)])
    assert (draws >= 0).all()
    counts = np.bincount(draws, minlength=engine.n)
    support = pi > 0
    assert counts[~support].sum() == 0
    assert pi[support].max() > 2 * pi[support].min()
    assert chisquare(counts[support], pi[support] * len(draws)).pvalue > 1e-4


def check_never_invalid(engine, seed, requests=60):
    """Requests on random ties: recommender 0 proposes a valid candidate (not the user,
    not a neighbour, one of its own users), or -1 exactly when there is none."""
    st = engine.state
    rng = np.random.default_rng(seed)
    for _ in range(requests):
        u, v = a_tie(engine, rng)
        z = int(ask(st, u, v))
        valid = [w for w in range(engine.n) if w != u and w not in set(engine.neighbours(u))
                 and st.rec[w] == st.rec[u]]
        if st.rec[u] == 0:
            assert (z in valid) if valid else z == -1


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("greedy", [True, False])
def test_never_an_invalid_candidate_whatever_the_weights(seed, greedy):
    engine = random_world(100 + seed, n=11, recommenders=2)
    policy = RankingPolicy("mlp", 4, 4, seed=seed)
    for name in policy.params:
        policy.params[name] *= [0.0, 1.0, 50.0, 1e6, -1e6, 1e300][seed]
    make_learned(engine, policy, greedy=greedy)
    check_never_invalid(engine, seed)
    engine.advance(3000)  # and in the dynamics, with the invariants intact
    from model.core.invariants import check_invariants
    check_invariants(engine)


def test_logged_decisions_give_the_numpy_modules_gradient():
    engine = Engine(n=40, k=6, beta=0.1, rng=5, max_steps=3000)
    policy = RankingPolicy("mlp", 5, 4, seed=2)
    make_learned(engine, policy, greedy=False, log_floats=200_000)
    engine.advance(3000)
    log = kl.read_log(engine.views[0].weights)
    assert len(log) == engine.counter(2) > 20  # every request logged
    decisions = [ClassDecision.from_log(rec) for rec in log[:30]]
    for dec in decisions:  # the log describes the state's classes
        assert dec.counts.sum() == engine.n and dec.valid[dec.chosen_strategy,
                                                           dec.chosen_degree] > 0
    adv = np.linspace(-1, 1, len(decisions))
    fast, _ = batch_gradient(policy, decisions, adv)
    for name in fast:
        slow = sum(reference_gradient(policy, d, a)[name] for d, a in zip(decisions, adv))
        np.testing.assert_allclose(fast[name], slow, rtol=1e-9, atol=1e-12)


def test_a_policy_file_runs_as_a_recommender_with_the_same_choices(tmp_path):
    policy = RankingPolicy("mlp", 6, 6, seed=9)
    path = save_policy(tmp_path / "p.npz", policy, {"reward": "coops"})
    edges = [(0, 1), (1, 2), (2, 3), (3, 4), (4, 5), (0, 5), (1, 4)]
    engine = hand_built(edges, "CDCDDC", recommenders={f"learned:{path}": 1.0})
    assert engine.params["recommenders"][f"learned:{path}"]["policy"] == "learned"
    obs = numpy_view(engine, 0)
    scores, _ = policy.forward(obs)
    valid = ~obs.invalid
    best = set(obs.candidates[valid & (scores >= scores[valid].max() - 1e-9)].tolist())
    assert {int(ask(engine.state, 0, 1)) for _ in range(50)} <= best


def test_a_learned_recommender_competes_like_any_other(tmp_path):
    path = save_policy(tmp_path / "p.npz", RankingPolicy("mlp", 4, 4, seed=1))
    engine = Engine(n=300, k=8, W2=0.1, rng=3, max_steps=30_000, stop_on_fixation=False,
                    recommenders={"local": 0.5, f"learned:{path}": 0.5})
    engine.advance(30_000)
    assert engine.state.requests_by[1] > 0
    twin = Engine(**engine.initial_params)
    twin.advance(30_000)
    assert twin.state.cnt.tolist() == engine.state.cnt.tolist()  # same seed, same run


@pytest.mark.timeout(300)
@pytest.mark.parametrize("content,message", [
    (None, "no such file"),
    (b"not a policy", "not an .npz archive"),
])
def test_a_bad_policy_file_on_the_command_line_is_one_line(tmp_path, content, message):
    path = tmp_path / "bad.npz"
    if content is not None:
        path.write_bytes(content)
    out = subprocess.run([sys.executable, "-m", "model", "run", "--n", "20", "--k", "4",
                          "--steps", "10", "--recommenders", f"learned:{path}=1"],
                         capture_output=True, text=True, cwd=ROOT, timeout=280)
    assert out.returncode == 2
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0] and "bad.npz" in lines[0], out.stderr


# -- the learned presets of the dashboard -------------------------------------------
@pytest.mark.parametrize("name, cooperation, aligned_share, shown", [
    ("what-the-engagement-recommender-learned", 0.031, None, "0.03"),
    ("aligned-vs-engagement-learned", 0.226, 0.545, "0.55"),
])
def test_the_learned_presets_end_as_their_descriptions_say(name, cooperation, aligned_share,
                                                           shown):
    """A preset's numbers are the run the dashboard plays from it (its seed)."""
    from model import RewireModel
    from visualization.scenarios_picker import load_presets, preset_params

    presets, _ = load_presets()
    (preset,) = [s for s in presets if s.name == name]
    text = " ".join(preset.description.split())
    assert f"{cooperation:.2f}" in text and shown in text
    summary = RewireModel(**preset_params(preset)).run()
    assert summary["steps"] == 100_000
    assert summary["cooperation"] == pytest.approx(cooperation, abs=0.0005)
    if aligned_share is not None:
        assert summary["shares"]["learned-aligned-n30"] == pytest.approx(aligned_share, abs=0.0005)
