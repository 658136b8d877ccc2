"""Creators (MODEL.md, "Creators"): each rule on a tiny hand-built graph, the recommenders'
choices of creators against the reference reading, and the invariants after random runs.

beta = inf makes every Fermi draw certain (fermi(d) is 1 for d > 0, 0 for d < 0); W = 0
forces strategy updates, W = inf structural ones. In these graphs the last nodes are
creators (``creators=c``).
"""

from collections import Counter

import numpy as np
import pytest
from handbuilt import INF, edge_set, hand_built, reference_candidates
from hypothesis import given, settings
from hypothesis import strategies as st

from model.core import state
from model.core.graph import n_edges
from model.core.invariants import InvariantError, check_invariants
from model.core.kernel import update_chosen_pair
from model.core.recommend import ask
from model.engine import Engine
from model.policies import POLICIES

# -- viewers imitate viewers only ---------------------------------------------------------
# viewers 0:C, 1:D, 2:C; creator 3:D followed by 0 and 2 (it earns 2T = 4)
IMITATE = [(0, 1), (1, 2), (0, 3), (2, 3)]


def test_a_viewer_never_copies_a_creator():
    e = hand_built(IMITATE, "CDCD", creators=1, W=0.0, beta=INF)
    assert e.payoffs()[3] == 4.0 and e.payoffs()[0] == -2.0  # the creator is much fitter
    assert not update_chosen_pair(e.state, 0, 3)
    assert e.state.strat.tolist() == [1, 0, 1, 0]
    assert e.steps == 1


def test_a_viewer_still_copies_a_fitter_viewer():
    e = hand_built(IMITATE, "CDCD", creators=1, W=0.0, beta=INF)
    assert update_chosen_pair(e.state, 0, 1)  # f_1 = 4 > f_0 = -2
    assert e.state.strat.tolist() == [0, 0, 1, 0]
    check_invariants(e, n_edges=4, n_follows=2)


def test_a_viewer_never_adopts_a_creators_recommender():
    e = hand_built(IMITATE, "CDCD", creators=1, W2=INF, beta=INF,
                   recommenders={"local": 0.5, "any-random": 0.5}, recommender_of=[0, 1, 1, 0])
    update_chosen_pair(e.state, 0, 3)
    assert e.state.rec[0] == 0


# -- a creator's strategy update: a random other creator, on payoff or audience -------------
# viewers 0..4 all C; creator 5:C followed by 0, 1, 2 (payoff 3, audience 3);
# creator 6:D followed by 3, 4 (payoff 2T = 4, audience 2)
MARKET = [(0, 1), (1, 2), (2, 3), (3, 4), (0, 5), (1, 5), (2, 5), (3, 6), (4, 6)]


def market(fitness, **kw):
    kw.setdefault("W", 0.0)
    return hand_built(MARKET, "CCCCCCD", creators=2, beta=INF, creator_fitness=fitness, **kw)


def test_on_payoff_a_creator_copies_a_creator_that_earns_more():
    e = market("payoff")
    assert e.payoffs()[5:].tolist() == [3.0, 4.0]
    assert not update_chosen_pair(e.state, 6, 5)  # 3 < 4: the clickbait creator stays
    assert update_chosen_pair(e.state, 5, 6)  # 4 > 3: quality turns to clickbait
    assert e.state.strat.tolist() == [1, 1, 1, 1, 1, 0, 0]
    assert e.counter(state.N_QUALITY) == 0
    assert e.payoffs()[:3].tolist() == [1 + -1, 1 + 1 - 1, 1 + 1 - 1]  # its audience pays
    check_invariants(e, n_edges=9, n_follows=5)


def test_on_audience_a_creator_copies_a_creator_with_more_followers():
    e = market("audience")
    assert not update_chosen_pair(e.state, 5, 6)  # audience 2 < 3, whatever it earns
    assert update_chosen_pair(e.state, 6, 5)  # 3 > 2: clickbait turns to quality
    assert e.state.strat.tolist() == [1] * 7
    assert e.counter(state.N_QUALITY) == 2
    check_invariants(e, n_edges=9, n_follows=5)


def test_beta_creator_is_the_creators_own_temperature():
    # beta = inf for viewers, beta_creator = 0: a creator's imitation is a coin flip
    copies = sum(bool(update_chosen_pair(market("payoff", beta_creator=0.0, rng=s).state, 6, 5))
                 for s in range(400))
    assert 160 < copies < 240  # Binomial(400, 1/2)


def test_a_creator_compares_itself_with_creators_only_and_at_the_strategy_rate():
    e = market("payoff")
    assert not update_chosen_pair(e.state, 5, 0)  # a viewer is not a creator's model
    e = market("payoff", W=INF)  # no strategy updates: creators never change either
    assert not update_chosen_pair(e.state, 5, 6)


def test_creators_pick_a_uniformly_random_other_creator():
    # four creators 4..7 (4, 5 quality, 6, 7 clickbait), each followed by viewer 0..3
    edges = [(0, 1), (1, 2), (2, 3), (0, 4), (1, 5), (2, 6), (3, 7)]
    e = hand_built(edges, "CCCCCCDD", creators=4, W=0.0, beta=0.0, rng=3,
                   stop_on_fixation=False)
    e.advance(4000)  # beta_creator = beta = 0: neutral drift among the creators
    check_invariants(e, n_edges=7, n_follows=4)
    assert e.state.cnt[state.N_QUALITY] == e.state.strat[4:].sum()


# -- structural updates with creators --------------------------------------------------------
# viewers 0:C tied to 1, 2, 3, 4 (all C); creator 5:D followed by 0 only (earns T = 2);
# creators 6:C and 7:D followed by 1 and 2
FOLLOW = [(0, 1), (0, 2), (0, 3), (0, 4), (0, 5), (1, 6), (2, 7)]
FOLLOW_S = "CCCCCDCD"


def follow(**kw):
    kw.setdefault("W", INF)
    kw.setdefault("beta", INF)
    return hand_built(FOLLOW, FOLLOW_S, creators=3, **kw)


def test_a_viewer_leaves_a_clickbait_creator_for_another_creator():
    e = follow(recommenders={"any-random": 1.0})
    assert e.payoffs()[0] == 4 - 1 and e.payoffs()[5] == 2.0  # 0 wins the Fermi draw
    update_chosen_pair(e.state, 0, 5)
    new = edge_set(e) - set(FOLLOW)
    assert (0, 5) not in edge_set(e) and len(new) == 1
    (a, z), = new
    assert a == 0 and z in (6, 7)  # another creator, never a viewer
    assert e.counter(state.FOLLOWS_REWIRED) == 1 and e.counter(state.REWIRES) == 1
    assert e.state.deg[5] == 0  # a creator may lose its whole audience
    check_invariants(e, n_edges=7, n_follows=3)


def test_a_viewer_stays_with_a_quality_creator():
    e = follow()
    before = edge_set(e)
    update_chosen_pair(e.state, 1, 6)
    assert edge_set(e) == before and e.counter(state.OPPORTUNITIES) == 0


def test_a_creator_never_starts_a_rewire():
    # viewer 1:D follows creator 3:D, which is also followed by cooperator 0 (f_3 = T = 2)
    e = hand_built([(0, 3), (1, 3), (1, 2)], "CDDD", creators=1, W=INF, beta=INF,
                   recommenders={"any-random": 1.0})
    assert e.payoffs().tolist() == [-1.0, 0.0, 0.0, 2.0]
    before = edge_set(e)
    update_chosen_pair(e.state, 1, 3)  # two defectors, the creator is fitter: it wins...
    assert edge_set(e) == before  # ... and does nothing: creators never rewire
    assert e.counter(state.OPPORTUNITIES) == 1 and e.counter(state.REQUESTS) == 0


def test_a_viewer_leaving_a_viewer_is_proposed_a_viewer():
    # 0:C leaves 1:D; local proposes a neighbour of 1: 2 (viewer) but never creator 4
    edges = [(0, 1), (1, 2), (1, 4), (3, 4)]
    e = hand_built(edges, "CDCCD", creators=1, W=INF, beta=INF, recommenders={"local": 1.0})
    assert set(int(ask(e.state, 0, 1)) for _ in range(50)) == {2}
    e = hand_built(edges, "CDCCD", creators=1, W=INF, beta=INF,
                   recommenders={"any-random": 1.0})
    assert set(int(ask(e.state, 0, 1)) for _ in range(100)) == {2, 3}


# -- recommenders rank creators with the same families ---------------------------------------
# viewer 0 (C) follows clickbait creator 9. Creators: 6:C audience 3, 7:C audience 1,
# 8:D audience 2, 9:D audience 1 (0), 10:D audience 4, 11:C audience 0
RANK_EDGES = ([(0, 1), (1, 2), (2, 3), (3, 4), (4, 5), (0, 9)]
              + [(1, 6), (2, 6), (3, 6), (1, 7), (4, 8), (5, 8)]
              + [(1, 10), (2, 10), (3, 10), (4, 10)])
RANK_S = "CCDDCD" + "CCDDDC"


@pytest.mark.parametrize("name, expected", [
    ("coop-high", {6}), ("coop-low", {11}), ("coop-random", {6, 7, 11}),
    ("any-high", {10}), ("any-low", {11}), ("any-random", {6, 7, 8, 10, 11}),
    ("defect-high", {10}), ("defect-low", {8}), ("defect-random", {8, 10}),
    ("fair", {6, 7, 11}),  # 0 cooperates: quality creators
    ("local", {6, 7, 8, 10, 11}),  # no friend of a friend among creators: any valid one
])
def test_recommenders_rank_creators_with_the_same_families(name, expected):
    e = hand_built(RANK_EDGES, RANK_S, creators=6, recommenders={name: 1.0})
    assert reference_candidates(e, 0, 9) == expected
    assert set(int(ask(e.state, 0, 9)) for _ in range(300)) == expected


def test_every_recommender_proposes_from_the_whole_catalogue():
    """Exclusive recommenders propose their own users' viewers, but any creator."""
    e = hand_built(RANK_EDGES, RANK_S, creators=6, recommender_of=[0, 1, 1, 1, 1, 1],
                   recommenders={"any-random": 0.5, "coop-random": 0.5})
    assert set(int(ask(e.state, 0, 9)) for _ in range(300)) == {6, 7, 8, 10, 11}
    assert set(int(ask(e.state, 0, 1)) for _ in range(50)) == {-1}  # no other any-random user


@st.composite
def creator_world(draw):
    """A random small graph with creators (no creator-creator tie) and a tie to leave."""
    n_viewers = draw(st.integers(2, 9))
    n_creators = draw(st.integers(1, 5))
    n = n_viewers + n_creators
    pairs = [(i, j) for i in range(n_viewers) for j in range(i + 1, n)]
    chosen = draw(st.lists(st.sampled_from(pairs), min_size=1, max_size=len(pairs), unique=True))
    strategies = "".join(draw(st.lists(st.sampled_from("CD"), min_size=n, max_size=n)))
    names = draw(st.lists(st.sampled_from([p.name for p in POLICIES if not p.stateful]),
                          min_size=1, max_size=2, unique=True))
    owner = draw(st.lists(st.integers(0, len(names) - 1), min_size=n, max_size=n))
    u, v = draw(st.sampled_from(chosen))
    return chosen, strategies, n_creators, {m: 1 / len(names) for m in names}, owner, u, v, \
        draw(st.integers(0, 2**32))


@settings(max_examples=200, deadline=None)
@given(creator_world())
def test_every_choice_is_a_valid_candidate_of_the_kind_left(world):
    edges, strategies, creators, mix, owner, u, v, seed = world
    e = hand_built(edges, strategies, creators=creators, recommenders=mix,
                   recommender_of=owner, rng=seed)
    expected = reference_candidates(e, u, v)
    if expected is None:
        return
    got = {int(ask(e.state, u, v)) for _ in range(40)}
    if not expected:
        assert got == {-1}
    else:
        assert got <= expected
        if len(expected) <= 3:
            assert got == expected


# -- invariants: the number of each kind of tie never changes --------------------------------
params = st.fixed_dictionaries({
    "n": st.integers(8, 60),
    "creator_share": st.floats(0.05, 0.5),
    "k_fraction": st.floats(0.05, 0.8),
    "follows_fraction": st.floats(0, 1),
    "beta": st.sampled_from([0.0, 0.05, 5.0, INF]),
    "beta_creator": st.sampled_from([None, 0.0, 0.5, INF]),
    "W": st.sampled_from([0.0, 0.3, 1.0, 3.0, INF]),
    "W2": st.sampled_from([0.0, 0.3, INF]),
    "fitness": st.sampled_from(["payoff", "audience"]),
    "policies": st.lists(st.sampled_from([p.name for p in POLICIES if not p.stateful]),
                         min_size=1, max_size=3, unique=True),
    "allow_isolation": st.booleans(),
    "seed": st.integers(0, 2**32),
    "updates": st.integers(0, 3000),
})


@settings(max_examples=120, deadline=None)
@given(params)
def test_random_runs_with_creators_keep_every_invariant(p):
    n = p["n"]
    n_creators = round(p["creator_share"] * n)
    if n_creators == 0 or n - n_creators < 3:
        return
    viewers = n - n_creators
    k = max(1, round(p["k_fraction"] * (viewers - 1)))
    follows = round(p["follows_fraction"] * n_creators, 2)
    e = Engine(n=n, k=k, beta=p["beta"], beta_creator=p["beta_creator"], W=p["W"], W2=p["W2"],
               creator_share=p["creator_share"], creator_fitness=p["fitness"], follows=follows,
               recommenders={name: 1 / len(p["policies"]) for name in p["policies"]},
               allow_isolation=p["allow_isolation"], stop_on_fixation=False, rng=p["seed"])
    m_follows = round(viewers * follows)
    assert e.n_viewers == viewers and e.n_follows == m_follows
    e.advance(p["updates"])
    check_invariants(e, n_edges=n_edges(viewers, k) + m_follows, n_follows=m_follows)


def test_the_follow_count_is_checked_like_the_edge_count():
    e = Engine(n=60, k=6, creator_share=0.1, follows=2, rng=1)
    with pytest.raises(InvariantError, match="follows changed"):
        check_invariants(e, n_follows=e.n_follows + 1)
    with pytest.raises(InvariantError, match="creator 57 is tied to a creator"):
        bad = hand_built([(0, 1), (57, 58)], "C" * 60, creators=6)
        check_invariants(bad)


# -- the initial state ------------------------------------------------------------------------
def test_the_initial_state_has_the_asked_creators_follows_and_quality():
    e = Engine(n=1000, k=10, creator_share=0.1, follows=5, creator_coop_init=0.3,
               coop_init=0.6, rng=4)
    st_ = e.state
    assert e.n_creators == 100 and e.n_viewers == 900
    assert e.n_follows == 4500 and e.n_edges == 4500 + 4500  # social: round(900 * 10 / 2)
    assert st_.strat[900:].sum() == 30 and st_.strat[:900].sum() == 540
    assert (st_.rec[900:] == 1).all() and (st_.rec[:900] == 0).all()
    check_invariants(e)


def test_same_seed_same_creator_run():
    runs = []
    for _ in range(2):
        e = Engine(n=300, k=8, creator_share=0.1, follows=4, creator_fitness="audience",
                   recommenders={"any-high": 0.5, "coop-random": 0.5}, W2=0.1,
                   stop_on_fixation=False, rng=9)
        e.advance(20000)
        runs.append((e.edges().tolist(), e.state.strat.tolist(), e.state.cnt.tolist()))
    assert runs[0] == runs[1]


def test_fixation_needs_viewers_and_creators_each_settled():
    e = hand_built(MARKET, "CCCCCCD", creators=2)
    assert e.fixation_step is None  # viewers all C, creators mixed: not settled
    e = hand_built(MARKET, "CCCCCDD", creators=2)
    assert e.fixation_step == 0  # viewers all C, creators all D: nothing can change
