"""The learning core: the ranking module, its training, its policy files, the paper's rewards.

The ranking module (Carvalho 2021, section 4.1, Fig. 8) must never propose an
invalid candidate, whatever its weights; its hand-written gradients must agree with
finite differences for both hidden modules; a policy file must come back making the
same choices, and a bad one must be refused in one line without running anything
from it. REINFORCE must teach it a simple preference, the same way from the same seed.
"""

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import chisquare

from model.learning.policy_gradient import (REWARDS, Adam, Decision, Episode, Reinforce,
                                            clip_by_global_norm, coops_reward,
                                            decision_gradient, rewires_reward)
from model.learning.ranking import (FEATURES, FORMAT_VERSION, Observation, PolicyFileError,
                                    RankingPolicy, all_candidates, load_policy,
                                    log_softmax_valid, masked_softmax, node_features,
                                    param_shapes, sample_candidates, save_policy,
                                    summary_pool)

ROOT = Path(__file__).resolve().parents[1]


# -- random graphs, requests, numeric gradients -------------------------------------
def random_graph(rng, n, k):
    """CSR arrays (indptr, indices) of a G(n, m) graph with m = n k / 2 edges."""
    lo, hi = np.triu_indices(n, 1)
    chosen = rng.choice(lo.size, size=n * k // 2, replace=False)
    src = np.concatenate([lo[chosen], hi[chosen]])
    dst = np.concatenate([hi[chosen], lo[chosen]])
    order = np.lexsort((dst, src))
    indptr = np.zeros(n + 1, dtype=np.int64)
    indptr[1:] = np.cumsum(np.bincount(src, minlength=n))
    return indptr, dst[order].astype(np.int64)


def situation(rng, n=12, k=4):
    """A rewire request on a fresh random graph: every user a candidate; and the strategies."""
    indptr, indices = random_graph(rng, n, k)
    strat = rng.integers(2, size=n)
    focus = int(rng.integers(n))
    candidates, invalid = all_candidates(focus, indptr, indices)
    x = node_features(strat, np.diff(indptr))
    return Observation(x, focus, candidates, invalid, indptr, indices), strat


def randomised(policy, rng, scale=1.0):
    """``policy`` with every weight drawn anew, so that no gradient is trivially zero."""
    for name in policy.params:
        policy.params[name] = scale * rng.normal(size=policy.params[name].shape)
    return policy


def numeric_gradient(policy, objective, h=1e-6):
    grads = {}
    for name, value in policy.params.items():
        g = np.zeros_like(value)
        for index in np.ndindex(value.shape):
            old = value[index]
            value[index] = old + h
            up = objective()
            value[index] = old - h
            down = objective()
            value[index] = old
            g[index] = (up - down) / (2 * h)
        grads[name] = g
    return grads


def assert_gradients_agree(analytic, numeric):
    for name in numeric:
        scale = max(1e-6, np.abs(numeric[name]).max())
        error = np.abs(analytic[name] - numeric[name]).max() / scale
        assert error < 1e-6, f"{name}: relative error {error:.2e}"


def gradient_case(hidden, pooled, seed=3):
    """A policy with random weights and a request with continuous features, some
    candidates invalid, one candidate listed twice."""
    rng = np.random.default_rng(seed)
    n = 12
    indptr, indices = random_graph(rng, n, 4)
    x = rng.normal(size=(n, 2))
    focus = 2
    candidates, invalid = all_candidates(focus, indptr, indices)
    keep = np.array([0, 1, 3, 5, 7, 9, 11, 3])
    pool = dict(pool=np.array([1, 4, 6]), pool_weights=np.array([1.0, 2.0, 3.0])) if pooled else {}
    obs = Observation(x, focus, candidates[keep], invalid[keep], indptr, indices, **pool)
    policy = randomised(RankingPolicy(hidden, hidden_size=4, score_size=3, seed=seed), rng)
    assert (~obs.invalid).sum() >= 3
    return policy, obs


# -- inputs -------------------------------------------------------------------------
def test_features_are_strategy_and_degree_over_the_current_maximum():
    x = node_features(np.array([1, 0, 1]), np.array([2, 4, 1]))
    assert FEATURES == ("strategy", "degree_over_max")
    np.testing.assert_array_equal(x, [[1, 0.5], [0, 1], [1, 0.25]])


def test_features_of_isolated_users_are_zero_degree():
    np.testing.assert_array_equal(node_features(np.array([0, 1]), np.array([0, 0]))[:, 1], [0, 0])


def test_invalid_candidates_are_the_focused_user_and_its_neighbours():
    rng = np.random.default_rng(1)
    indptr, indices = random_graph(rng, 15, 4)
    candidates, invalid = all_candidates(4, indptr, indices)
    expected = {4} | set(indices[indptr[4]:indptr[5]].tolist())
    assert set(candidates[invalid].tolist()) == expected
    assert len(candidates) == 15


def test_a_sample_of_candidates_is_distinct_users_masked_the_same_way():
    rng = np.random.default_rng(2)
    indptr, indices = random_graph(rng, 50, 6)
    candidates, invalid = sample_candidates(rng, 10, 7, indptr, indices)
    assert len(set(candidates.tolist())) == 10
    neighbours = set(indices[indptr[7]:indptr[8]].tolist()) | {7}
    assert invalid.tolist() == [int(c) in neighbours for c in candidates]
    everybody, _ = sample_candidates(rng, 80, 7, indptr, indices)
    assert sorted(everybody.tolist()) == list(range(50))


# -- gradients ----------------------------------------------------------------------
@pytest.mark.parametrize("pooled", [False, True], ids=["mean-of-all", "weighted-pool"])
@pytest.mark.parametrize("hidden", ["mlp", "gat"])
def test_gradient_of_log_pi_matches_finite_differences(hidden, pooled):
    policy, obs = gradient_case(hidden, pooled)
    action = int(np.flatnonzero(~obs.invalid)[1])

    def log_pi():
        scores, _ = policy.forward(obs)
        return log_softmax_valid(scores, obs.invalid)[action]

    analytic, logp, _ = decision_gradient(policy, Decision(obs, action), advantage=1.0)
    assert logp == pytest.approx(log_pi())
    assert set(analytic) == set(param_shapes(policy.architecture))
    assert_gradients_agree(analytic, numeric_gradient(policy, log_pi))


@pytest.mark.parametrize("hidden", ["mlp", "gat"])
def test_gradient_with_entropy_bonus_matches_finite_differences(hidden):
    policy, obs = gradient_case(hidden, pooled=False, seed=5)
    action = int(np.flatnonzero(~obs.invalid)[0])
    advantage, bonus = -0.7, 0.3

    def objective():
        scores, _ = policy.forward(obs)
        pi = masked_softmax(scores, obs.invalid)
        valid = ~obs.invalid
        entropy = -(pi[valid] * np.log(pi[valid])).sum()
        return advantage * log_softmax_valid(scores, obs.invalid)[action] + bonus * entropy

    analytic, _, _ = decision_gradient(policy, Decision(obs, action), advantage, bonus)
    assert_gradients_agree(analytic, numeric_gradient(policy, objective))


# -- choosing -------------------------------------------------------------------------
@pytest.mark.parametrize("hidden", ["mlp", "gat"])
def test_pi_is_a_distribution_over_valid_candidates_only(hidden):
    obs, _ = situation(np.random.default_rng(4))
    pi = RankingPolicy(hidden, seed=4).probabilities(obs)
    assert pi[obs.invalid].sum() == 0
    assert (pi[~obs.invalid] > 0).all()
    assert pi.sum() == pytest.approx(1.0)


@pytest.mark.parametrize("hidden", ["mlp", "gat"])
def test_evaluation_takes_the_argmax_and_training_samples_from_pi(hidden):
    rng = np.random.default_rng(5)
    obs, _ = situation(rng)
    obs = Observation(rng.normal(size=obs.features.shape), obs.focus, obs.candidates,
                      obs.invalid, obs.indptr, obs.indices)  # no ties
    policy = randomised(RankingPolicy(hidden, hidden_size=6, score_size=6, seed=5), rng)
    pi = policy.probabilities(obs)
    assert {policy.act(obs, rng, greedy=True) for _ in range(50)} == {int(np.argmax(pi))}
    draws = np.bincount([policy.act(obs, rng) for _ in range(2000)], minlength=len(pi))
    assert draws[obs.invalid].sum() == 0
    valid = ~obs.invalid
    assert chisquare(draws[valid], 2000 * pi[valid]).pvalue > 1e-3
    assert (draws[valid] > 0).sum() > 1  # sampling explores


def test_evaluation_breaks_ties_between_identical_users_at_random():
    rng = np.random.default_rng(6)
    n = 8
    indptr = np.arange(n + 1)  # a perfect matching: 0-1, 2-3, ...
    indices = np.array([1, 0, 3, 2, 5, 4, 7, 6])
    x = node_features(np.ones(n, dtype=int), np.ones(n, dtype=int))  # everybody alike
    candidates, invalid = all_candidates(0, indptr, indices)
    obs = Observation(x, 0, candidates, invalid, indptr, indices)
    picks = {RankingPolicy("mlp", seed=1).act(obs, rng, greedy=True) for _ in range(200)}
    assert picks == set(range(2, n))


weights = st.floats(allow_nan=True, allow_infinity=True) | st.sampled_from(
    [1e308, -1e308, 1e300, -1e300, np.inf, -np.inf, np.nan, 0.0])


@settings(max_examples=100, deadline=None)
@given(hidden=st.sampled_from(["mlp", "gat"]), seed=st.integers(0, 2**32 - 1),
       fill=st.lists(weights, min_size=1, max_size=8), scale=weights,
       greedy=st.booleans(), keep=st.lists(st.booleans(), min_size=12, max_size=12))
def test_never_an_invalid_candidate_whatever_the_weights(hidden, seed, fill, scale, greedy,
                                                         keep):
    rng = np.random.default_rng(seed)
    obs, _ = situation(rng)
    invalid = obs.invalid | ~np.array(keep)  # some valid users masked too
    obs = Observation(obs.features, obs.focus, obs.candidates, invalid, obs.indptr, obs.indices)
    policy = RankingPolicy(hidden, hidden_size=4, score_size=4, seed=seed)
    with np.errstate(all="ignore"):
        for i, name in enumerate(policy.params):
            value = policy.params[name]
            value[...] = value * scale if i % 2 else fill[i % len(fill)]
        choice = policy.act(obs, rng, greedy=greedy)
        pi = policy.probabilities(obs)
    if invalid.all():
        assert choice == -1
        assert pi.sum() == 0
    else:
        assert 0 <= choice < len(invalid) and not invalid[choice]
        assert pi[invalid].sum() == 0 and pi.sum() == pytest.approx(1.0)


def test_a_request_with_no_valid_candidate_goes_unserved():
    obs, _ = situation(np.random.default_rng(7))
    none = Observation(obs.features, obs.focus, obs.candidates, np.ones(12, dtype=bool),
                       obs.indptr, obs.indices)
    policy = RankingPolicy("gat", seed=7)
    assert policy.act(none, np.random.default_rng(0)) == -1
    assert policy.act(none, np.random.default_rng(0), greedy=True) == -1


# -- candidate sets and pooling ---------------------------------------------------------
@pytest.mark.parametrize("hidden", ["mlp", "gat"])
def test_a_candidates_score_does_not_depend_on_the_other_candidates(hidden):
    rng = np.random.default_rng(8)
    indptr, indices = random_graph(rng, 40, 6)
    x = node_features(rng.integers(2, size=40), np.diff(indptr))
    everybody, invalid = all_candidates(3, indptr, indices)
    sample, sample_invalid = sample_candidates(rng, 9, 3, indptr, indices)
    policy = RankingPolicy(hidden, seed=8)
    all_scores, _ = policy.forward(Observation(x, 3, everybody, invalid, indptr, indices))
    some_scores, _ = policy.forward(Observation(x, 3, sample, sample_invalid, indptr, indices))
    np.testing.assert_allclose(some_scores, all_scores[sample], rtol=1e-12, atol=1e-12)


def test_a_summary_pool_gives_the_mlp_exactly_the_mean_over_every_user():
    rng = np.random.default_rng(9)
    indptr, indices = random_graph(rng, 200, 10)
    x = node_features(rng.integers(2, size=200), np.diff(indptr))
    pool, counts = summary_pool(x)
    assert len(pool) < 60 and counts.sum() == 200
    candidates, invalid = sample_candidates(rng, 16, 5, indptr, indices)
    policy = RankingPolicy("mlp", seed=9)
    exact, _ = policy.forward(Observation(x, 5, candidates, invalid, indptr, indices))
    summary, _ = policy.forward(Observation(x, 5, candidates, invalid, indptr, indices,
                                            pool=pool, pool_weights=counts))
    np.testing.assert_allclose(summary, exact, rtol=1e-10, atol=1e-12)


def test_the_mlp_scores_users_with_the_same_strategy_and_degree_alike():
    """So an exact choice among all users needs one score per (strategy, degree) class."""
    rng = np.random.default_rng(15)
    indptr, indices = random_graph(rng, 300, 10)
    x = node_features(rng.integers(2, size=300), np.diff(indptr))
    candidates, invalid = all_candidates(0, indptr, indices)
    scores, _ = RankingPolicy("mlp", seed=15).forward(
        Observation(x, 0, candidates, invalid, indptr, indices))
    _, cls = np.unique(x, axis=0, return_inverse=True)
    for c in np.unique(cls):
        members = scores[cls == c]
        np.testing.assert_allclose(members, members[0], rtol=1e-13, atol=1e-13)


def test_features_that_do_not_fit_the_policy_are_refused():
    obs, _ = situation(np.random.default_rng(16))
    policy = RankingPolicy("mlp", features=["strategy"], seed=0)
    with pytest.raises(ValueError, match=r"features must be an \(N, 1\) array"):
        policy.forward(obs)


def test_the_gat_sees_neighbours_and_the_mlp_does_not():
    rng = np.random.default_rng(10)
    obs, strat = situation(rng)
    target = int(np.flatnonzero(~obs.invalid)[0])
    neighbour = int(obs.indices[obs.indptr[target]])
    flipped = obs.features.copy()
    flipped[neighbour, 0] = 1 - flipped[neighbour, 0]
    changed = Observation(flipped, obs.focus, obs.candidates, obs.invalid, obs.indptr,
                          obs.indices, pool=np.array([obs.focus]))
    same = Observation(obs.features, obs.focus, obs.candidates, obs.invalid, obs.indptr,
                       obs.indices, pool=np.array([obs.focus]))
    for hidden, moves in (("mlp", False), ("gat", True)):
        policy = RankingPolicy(hidden, seed=10)
        before = policy.forward(same)[0][target]
        after = policy.forward(changed)[0][target]
        assert (before != after) == moves, hidden


def test_a_policy_runs_at_any_number_of_users():
    policy = RankingPolicy("gat", seed=11)
    rng = np.random.default_rng(11)
    for n, k in ((10, 4), (30, 8), (300, 10)):
        obs, _ = situation(rng, n, k)
        assert not obs.invalid[policy.act(obs, rng)]


# -- policy files ---------------------------------------------------------------------
@pytest.mark.parametrize("hidden", ["mlp", "gat"])
def test_a_saved_policy_loads_and_makes_the_same_choices(tmp_path, hidden):
    rng = np.random.default_rng(12)
    policy = randomised(RankingPolicy(hidden, hidden_size=5, score_size=7, seed=12), rng)
    path = save_policy(tmp_path / "coops-n10.policy", policy, metadata={"reward": "coops"})
    assert path.name == "coops-n10.policy"  # written under exactly that name
    loaded = load_policy(path)
    assert loaded.architecture == policy.architecture
    assert loaded.metadata == {"reward": "coops"}
    for _ in range(5):
        obs, _ = situation(rng)
        for greedy in (True, False):
            assert (loaded.act(obs, np.random.default_rng(1), greedy)
                    == policy.act(obs, np.random.default_rng(1), greedy))
        np.testing.assert_array_equal(loaded.forward(obs)[0], policy.forward(obs)[0])


def _arrays(policy):
    """The arrays save_policy writes for ``policy``, to be spoiled one at a time."""
    arrays = {"format_version": np.array(FORMAT_VERSION),
              "architecture": np.array(json.dumps(policy.architecture)),
              "metadata": np.array("{}")}
    arrays.update({f"param_{k}": v for k, v in policy.params.items()})
    return arrays


def _spoiled(**changes):
    arrays = _arrays(RankingPolicy("mlp", hidden_size=4, score_size=4, seed=0))
    for key, value in changes.items():
        if value is None:
            del arrays[key]
        else:
            arrays[key] = value
    return arrays


BAD_FILES = {
    "other version": (_spoiled(format_version=np.array(2)), "format version 2"),
    "missing weights": (_spoiled(param_score_v=None), "missing array(s) param_score_v"),
    "extra array": (_spoiled(surprise=np.zeros(3)), "unexpected array(s) surprise"),
    "wrong shape": (_spoiled(param_hidden_W=np.zeros((3, 4))),
                    "'param_hidden_W' has shape (3, 4); expected (2, 4)"),
    "non-finite weights": (_spoiled(param_score_b=np.array([0, np.nan, 0, 0.0])),
                           "non-finite"),
    "integer weights": (_spoiled(param_score_b=np.zeros(4, dtype=np.int64)), "expected floats"),
    "unknown hidden kind": (_spoiled(architecture=np.array(
        '{"hidden": "lstm", "hidden_size": 4, "score_size": 4, "features": ["strategy"]}')),
        "'hidden' is 'lstm'; allowed: mlp, gat"),
    "architecture not JSON": (_spoiled(architecture=np.array("{hidden: mlp")),
                              "'architecture' is not valid JSON"),
    "no version": (_spoiled(format_version=None), "missing array 'format_version'"),
}


@pytest.mark.parametrize("case", BAD_FILES, ids=list(BAD_FILES))
def test_a_bad_policy_file_is_refused_in_one_line_naming_it(tmp_path, case):
    arrays, problem = BAD_FILES[case]
    path = tmp_path / "bad.npz"
    np.savez(path, **arrays)
    with pytest.raises(PolicyFileError) as err:
        load_policy(path)
    message = str(err.value)
    assert "\n" not in message
    assert message.startswith(f"policy file {path}: ")
    assert problem in message


def test_a_missing_or_foreign_file_is_refused_in_one_line(tmp_path):
    (tmp_path / "notes.npz").write_text("these are not weights\n")
    np.save(tmp_path / "one.npy", np.zeros(3))
    (tmp_path / "damaged.npz").write_bytes(b"PK\x03\x04 and then nothing sensible")
    (tmp_path / "empty.npz").write_bytes(b"")
    for name, problem in (("absent.npz", "no such file"), ("notes.npz", "not an .npz archive"),
                          ("damaged.npz", "a damaged .npz archive"),
                          ("empty.npz", "not an .npz archive"),
                          ("one.npy", "a single .npy array"), (".", "is a directory")):
        with pytest.raises(PolicyFileError, match=problem) as err:
            load_policy(tmp_path / name)
        assert "\n" not in str(err.value) and str(tmp_path / name) in str(err.value)


class _Trap:
    """Unpickling this object would create the file named by ``marker``."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (Path.touch, (Path(self.marker),))


def test_loading_never_runs_code_from_the_file(tmp_path):
    marker = tmp_path / "code-ran"
    trap = np.empty(1, dtype=object)
    trap[0] = _Trap(marker)
    path = tmp_path / "trap.npz"
    np.savez(path, **_spoiled(param_score_v=trap))
    np.savez(tmp_path / "trap-meta.npz", **_spoiled(metadata=trap))
    for name in ("trap.npz", "trap-meta.npz"):
        with pytest.raises(PolicyFileError, match="holds Python objects; refused"):
            load_policy(tmp_path / name)
    assert not marker.exists()


# -- rewards ----------------------------------------------------------------------------
def test_coops_reward_is_one_for_full_cooperation_and_minus_one_for_none():
    assert coops_reward(10, 10) == 1.0
    assert coops_reward(0, 10) == -1.0
    assert coops_reward(5, 10) == 0.0
    assert coops_reward(750, 1000) == pytest.approx(0.5)
    with pytest.raises(ValueError):
        coops_reward(11, 10)


def test_rewires_reward_counts_the_requests_of_the_episode():
    assert rewires_reward(0) == 0.0
    assert rewires_reward(137) == 137.0
    with pytest.raises(ValueError):
        rewires_reward(-1)
    assert set(REWARDS) == {"rewires", "coops"}


# -- optimisation -------------------------------------------------------------------------
def test_adam_moves_each_weight_by_the_learning_rate_on_its_first_step():
    params = {"w": np.array([1.0, -2.0, 3.0])}
    Adam(params, learning_rate=0.1).step({"w": np.array([5.0, -0.01, 0.0])})
    np.testing.assert_allclose(params["w"], [0.9, -1.9, 3.0], atol=1e-6)


def test_adam_finds_the_minimum_of_a_quadratic():
    params = {"w": np.array([4.0, -3.0])}
    adam = Adam(params, learning_rate=0.05)
    for _ in range(2000):
        adam.step({"w": 2 * (params["w"] - np.array([1.0, 2.0]))})
    np.testing.assert_allclose(params["w"], [1.0, 2.0], atol=1e-3)


def test_gradients_are_clipped_to_a_global_norm():
    clipped, norm = clip_by_global_norm({"a": np.array([3.0]), "b": np.array([4.0])}, 1.0)
    assert norm == 5.0
    np.testing.assert_allclose([clipped["a"][0], clipped["b"][0]], [0.6, 0.8])
    same, _ = clip_by_global_norm({"a": np.array([0.3])}, 1.0)
    assert same["a"][0] == 0.3


def test_the_baseline_of_an_episode_is_the_mean_return_of_the_others():
    trainer = Reinforce(RankingPolicy("mlp", seed=0))
    np.testing.assert_allclose(trainer.baselines(np.array([1.0, 2.0, 6.0])), [4.0, 3.5, 1.5])
    assert trainer.baselines(np.array([3.0]))[0] == 0.0  # nothing seen yet


def test_an_episode_whose_return_equals_its_baseline_does_not_move_the_policy():
    rng = np.random.default_rng(13)
    policy = RankingPolicy("mlp", seed=13)
    before = {k: v.copy() for k, v in policy.params.items()}
    episodes = []
    for _ in range(3):
        obs, _ = situation(rng)
        episodes.append(Episode((Decision(obs, policy.act(obs, rng)),), 1.0))
    Reinforce(policy).update(episodes)
    for name in before:
        np.testing.assert_array_equal(policy.params[name], before[name])


def test_an_update_steps_along_the_sum_of_advantage_weighted_log_pi_gradients():
    rng = np.random.default_rng(17)
    policy = RankingPolicy("gat", hidden_size=4, score_size=4, seed=17)
    episodes = []
    for episode_return in (3.0, 1.0):
        decisions = []
        for _ in range(3):
            obs, _ = situation(rng)
            decisions.append(Decision(obs, policy.act(obs, rng)))
        episodes.append(Episode(tuple(decisions), episode_return))
    expected = {name: np.zeros_like(v) for name, v in policy.params.items()}
    for episode, advantage in zip(episodes, (2.0, -2.0)):  # leave-one-out baselines 1 and 3
        for decision in episode.decisions:
            grads, _, _ = decision_gradient(policy, decision, advantage)
            for name in expected:
                expected[name] += grads[name] / 2
    before = {name: v.copy() for name, v in policy.params.items()}
    Reinforce(policy, learning_rate=0.01, max_grad_norm=None).update(episodes)
    for name, g in expected.items():  # Adam's first step: lr g / (|g| + eps), about lr sign(g)
        np.testing.assert_allclose(policy.params[name] - before[name],
                                   0.01 * g / (np.abs(g) + 1e-8), rtol=1e-7, atol=1e-15)


def test_a_recorded_invalid_action_is_refused():
    obs, _ = situation(np.random.default_rng(14))
    bad = int(np.flatnonzero(obs.invalid)[0])
    with pytest.raises(ValueError, match="not a valid candidate"):
        Reinforce(RankingPolicy("mlp", seed=0)).update([Episode((Decision(obs, bad),), 1.0)])


# -- learning ---------------------------------------------------------------------------
def cooperator_bandit(hidden, updates, seed=0, batch=8):
    """Train on one-decision episodes paying 1 when the proposed user cooperates."""
    rng = np.random.default_rng(seed)
    policy = RankingPolicy(hidden, hidden_size=8, score_size=8, seed=seed)
    trainer = Reinforce(policy, learning_rate=0.03)
    for _ in range(updates):
        episodes = []
        for _ in range(batch):
            obs, strat = situation(rng)
            action = policy.act(obs, rng)
            episodes.append(Episode((Decision(obs, action),),
                                    float(strat[obs.candidates[action]])))
        trainer.update(episodes)
    return policy


def cooperator_share(policy, seed=99, requests=60):
    """Mean probability mass pi puts on cooperators, over fresh requests."""
    rng = np.random.default_rng(seed)
    shares = []
    for _ in range(requests):
        obs, strat = situation(rng)
        shares.append(policy.probabilities(obs) @ strat[obs.candidates])
    return float(np.mean(shares))


def test_reinforce_teaches_the_mlp_to_recommend_cooperators():
    untrained = cooperator_share(RankingPolicy("mlp", hidden_size=8, score_size=8, seed=0))
    trained = cooperator_share(cooperator_bandit("mlp", updates=150))
    assert untrained < 0.7
    assert trained > 0.95


@pytest.mark.slow
def test_reinforce_teaches_the_gat_to_recommend_cooperators():
    trained = cooperator_share(cooperator_bandit("gat", updates=600))
    assert trained > 0.9


def digest(policy):
    h = hashlib.sha256()
    for name, value in policy.params.items():
        h.update(name.encode())
        h.update(np.ascontiguousarray(value).tobytes())
    return h.hexdigest()


def test_the_same_seed_trains_the_same_policy():
    assert digest(cooperator_bandit("gat", 10, seed=4)) == digest(cooperator_bandit("gat", 10,
                                                                                    seed=4))
    assert digest(cooperator_bandit("gat", 10, seed=4)) != digest(cooperator_bandit("gat", 10,
                                                                                    seed=5))


@pytest.mark.slow
@pytest.mark.timeout(120)
def test_the_same_seed_trains_the_same_policy_in_another_process():
    code = ("import sys; sys.path[:0] = ['tests', '.']; import test_ranking as t; "
            "print(t.digest(t.cooperator_bandit('mlp', 10, seed=4)))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                         timeout=100, check=True)
    assert out.stdout.strip() == digest(cooperator_bandit("mlp", 10, seed=4))
