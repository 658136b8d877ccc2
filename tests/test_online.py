"""A ranking module that keeps learning while it acts (model/learning/online.py).

Its new weights must reach the kernel at once (and the kernel must forget the class
scores of the old ones); it must climb its reward; and the same seed must give the
same learner, window for window.
"""

import numpy as np
import pytest

from model.core import learned as kl
from model.core.recommend import ask
from model.engine import Engine
from model.learned_policies import load_for_kernel
from model.learning.online import OnlineLearner
from model.learning.ranking import RankingPolicy
from tests.test_learned import a_tie, make_learned


def competing(seed=3, n=120, share=0.5, W2=0.1):
    return Engine(n=n, k=8, W=1.0, W2=W2, rng=seed, stop_on_fixation=False,
                  recommenders={"local": 1 - share,
                                "learner": {"share": share, "policy": "learned"}})


def test_new_weights_reach_the_kernel_and_the_old_class_scores_are_forgotten():
    # Same world: one engine starts with A and is given B after A has filled its
    # class cache; the other has B from the start. From then on, with the same random
    # stream, both must propose the same users.
    a = RankingPolicy("mlp", 6, 5, seed=1)
    b = RankingPolicy("mlp", 6, 5, seed=2)
    for name in b.params:
        b.params[name] *= 4  # clearly different choices

    def world():
        e = Engine(n=60, k=8, beta=0.05, W=1.0, rng=7, stop_on_fixation=False)
        e.advance(5000)
        return e

    switched, fresh = world(), world()
    make_learned(switched, a)
    make_learned(fresh, b)
    warm = np.random.default_rng(0)
    for _ in range(50):  # A's choices fill the cache; the same draws on the other engine
        u, v = a_tie(switched, warm)
        ask(switched.state, u, v)
        ask(fresh.state, u, v)
    kl.write_params(switched.views[0].weights, b.params)
    fresh.state.rng[:] = switched.state.rng  # the same stream from here on
    rng = np.random.default_rng(1)
    for _ in range(200):
        u, v = a_tie(switched, rng)
        assert ask(switched.state, u, v) == ask(fresh.state, u, v)


def test_each_window_is_one_step_and_the_kernel_gets_the_new_weights():
    engine = competing()
    online = OnlineLearner(engine, "learner", "engagement", load_for_kernel("engagement-n30"),
                           window=500)
    start = {k: v.copy() for k, v in online.policy.params.items()}
    online.advance(2000)
    assert [row["updates"] for row in online.history] == [500, 1000, 1500, 2000]
    assert online.trainer.optimizer.t == sum(1 for r in online.history if r["decisions"])
    moved = max(float(np.abs(online.policy.params[k] - start[k]).max()) for k in start)
    assert moved > 0
    packed = kl.pack(online.policy.params, online.policy.architecture, engine.n, greedy=False)
    h = kl.layout(8, 8, 2, engine.n)
    weights = online.view.weights
    np.testing.assert_array_equal(weights[kl.HEADER:h["hg"]], packed[kl.HEADER:h["hg"]])
    for row in online.history:
        assert 0 <= row["share"] <= 1 and row["decisions"] >= 0
        if row["decisions"]:
            assert 0 <= row["mean_action_strat"] <= 1 and 0 <= row["blind_action_strat"] <= 1


def test_same_seed_same_learner():
    def history():
        online = OnlineLearner(competing(seed=11), "learner", "alignment",
                               load_for_kernel("aligned-n30"), window=700)
        online.advance(7000)
        return online.history, online.policy.params

    (h1, p1), (h2, p2) = history(), history()
    assert h1 == h2
    for name in p1:
        np.testing.assert_array_equal(p1[name], p2[name])


@pytest.mark.timeout(300)
def test_an_engagement_learner_unlearns_its_taste_for_cooperators():
    # It starts from the shipped aligned policy (it proposes cooperators far more often
    # than a blind recommender would) and is paid for requests. Against the same
    # module frozen (a learning rate of 1e-9), on the same seeds, its preference
    # (Mean Action Strat minus a blind recommender's) must end lower: proposing
    # defectors keeps users dissatisfied. The frozen one shows what the changing make-up
    # of the users does alone.
    def preference(seed, learning_rate):
        """Decision-weighted, over the last two thirds of the windows; decisions."""
        online = OnlineLearner(competing(seed=seed, n=200), "learner", "engagement",
                               load_for_kernel("aligned-n30"), learning_rate=learning_rate,
                               window=1000)
        online.advance(30_000)
        rows = [r for r in online.history[len(online.history) // 3:] if r["decisions"]]
        served = sum(r["decisions"] for r in rows)
        return sum(r["decisions"] * (r["mean_action_strat"] - r["blind_action_strat"])
                   for r in rows) / max(served, 1), served

    drops = []
    for seed in range(8):
        (frozen, n_frozen), (learning, n_learning) = preference(seed, 1e-9), preference(seed, 0.05)
        if min(n_frozen, n_learning) >= 20:
            drops.append(frozen - learning)
    assert len(drops) >= 6 and np.mean(drops) > 0.1, drops
    assert sum(d > 0 for d in drops) >= len(drops) - 2, drops


@pytest.mark.parametrize("kwargs,message", [
    ({"reward": "likes"}, "reward must be one of engagement, alignment; got 'likes'"),
    ({"window": 0}, "window must be an integer >= 1; got 0"),
    ({"baseline_decay": 1.0}, "baseline_decay must be in [0, 1); got 1.0"),
])
def test_bad_settings_are_one_line(kwargs, message):
    args = dict(reward="engagement", policy=RankingPolicy("mlp", 4, 4, seed=0))
    args.update(kwargs)
    with pytest.raises(ValueError) as err:
        OnlineLearner(competing(), "learner", **args)
    assert str(err.value) == message
