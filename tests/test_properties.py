"""Invariants after random runs (hypothesis): what no sequence of updates may break.

Edge count constant, graph simple and symmetric, degrees and cooperator counts
matching the adjacency, indexes sorted and consistent, payoffs equal to a
recomputation from scratch, counters adding up.
"""

from hypothesis import given, settings
from hypothesis import strategies as st

from model.engine import Engine
from model.core.graph import largest_remainder, n_edges
from model.core.invariants import check_invariants
from model.policies import policy_names

INF = float("inf")

params = st.fixed_dictionaries({
    "n": st.integers(5, 60),
    "k_fraction": st.floats(0.05, 0.9),
    "T": st.floats(0, 2),
    "S": st.floats(-1, 1),
    "beta": st.sampled_from([0.0, 0.005, 0.5, 5.0, INF]),
    "W": st.sampled_from([0.0, 0.3, 1.0, 3.0, INF]),
    "W2": st.sampled_from([0.0, 0.1, 1.0, INF]),
    "coop_init": st.floats(0, 1),
    "policies": st.lists(st.sampled_from(policy_names()), min_size=1, max_size=3, unique=True),
    "allow_isolation": st.booleans(),
    "seed": st.integers(0, 2**32),
    "updates": st.integers(0, 3000),
})


@settings(max_examples=150, deadline=None)
@given(params)
def test_random_runs_keep_every_invariant(p):
    n = p["n"]
    k = max(1, round(p["k_fraction"] * (n - 1)))
    shares = [1.0 / len(p["policies"])] * len(p["policies"])
    e = Engine(n=n, k=k, T=p["T"], S=p["S"], beta=p["beta"], W=p["W"], W2=p["W2"],
               coop_init=p["coop_init"], recommenders=dict(zip(p["policies"], shares)),
               allow_isolation=p["allow_isolation"], stop_on_fixation=False, rng=p["seed"])
    e.advance(p["updates"])
    assert e.steps == p["updates"]
    check_invariants(e, n_edges=n_edges(n, k))


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 2**32), st.sampled_from(["coop-high", "any-low", "local", "defect-high"]))
def test_pool_growth_never_changes_the_run(seed, policy):
    """Hubs outgrow their slabs and the pool is compacted; results must not depend on
    when. One engine compacts only when it runs out of room, the other after every
    100 updates as well."""
    kw = dict(n=40, k=4, recommenders={policy: 1.0}, stop_on_fixation=False, rng=seed, W=INF)
    one = Engine(**kw)
    one.advance(20000)
    chunked = Engine(**kw)
    for _ in range(200):
        chunked.advance(100)
        chunked._grow_pool()
    assert (one.state.strat == chunked.state.strat).all()
    assert sorted(map(tuple, one.edges().tolist())) == sorted(map(tuple, chunked.edges().tolist()))
    check_invariants(one, n_edges=80)


def test_isolation_guard_holds_over_a_long_run():
    e = Engine(n=200, k=2, W=INF, recommenders={"any-high": 1.0}, stop_on_fixation=False, rng=3)
    isolated = int((e.state.deg == 0).sum())
    e.advance(100_000)
    assert int((e.state.deg == 0).sum()) <= isolated  # nobody newly left alone
    check_invariants(e, n_edges=200)


@given(st.integers(1, 10_000), st.lists(st.integers(1, 1000), min_size=1, max_size=12))
def test_recommender_split_adds_up_and_follows_the_shares(n, weights):
    shares = [w / sum(weights) for w in weights]
    counts = largest_remainder(n, shares)
    assert sum(counts) == n
    for c, s in zip(counts, shares):
        assert abs(c - s * n) < 1 + 1e-9  # within one user of the exact share
    for i in range(len(shares)):
        for j in range(len(shares)):
            if shares[i] > shares[j]:
                assert counts[i] >= counts[j]
    rounded = [round(s * n) for s in shares]
    if sum(rounded) == n and all(abs(s * n % 1 - 0.5) > 1e-9 for s in shares):
        assert counts == rounded
