"""Each rule of MODEL.md's elementary update, on tiny hand-built graphs.

beta = inf makes fermi(d) exactly 1 for d > 0 and 0 for d < 0, so the outcome of a
chosen pair (x, y) is determined; W = 0 forces a strategy update, W = inf (with
W2 = 0) a structural one, W2 = inf a recommender update.
"""

import math

import numpy as np
import pytest
from handbuilt import INF, edge_set, hand_built

from model.core import state
from model.core.invariants import check_invariants
from model.core.kernel import fermi, update_chosen_pair


def test_fermi_is_the_logistic_of_beta_times_d():
    assert fermi(0.0, 0.005) == 0.5
    assert fermi(2.0, 0.5) == pytest.approx(1 / (1 + math.exp(-1.0)))
    assert fermi(1e-9, INF) == 1.0 and fermi(-1e-9, INF) == 0.0
    assert fermi(0.0, INF) == 0.5  # not NaN
    assert fermi(123.0, 0.0) == 0.5


# -- the game -----------------------------------------------------------------
def test_fitness_is_the_sum_of_one_game_with_each_neighbour():
    # 0:C - 1:D - 2:C, 1 - 3:D ; R=1, P=0, T=1.5, S=-0.5
    e = hand_built([(0, 1), (1, 2), (1, 3), (0, 2)], "CDCD", T=1.5, S=-0.5)
    assert e.payoffs().tolist() == [-0.5 + 1, 1.5 + 1.5 + 0, -0.5 + 1, 0.0]


# -- 4. strategy update ---------------------------------------------------------
STAR = [(0, 1), (1, 2)]  # 0:C (f=-1) - 1:D (f=4) - 2:C (f=-1)


def test_strategy_update_copies_a_fitter_neighbour():
    e = hand_built(STAR, "CDC", W=0.0, beta=INF)
    assert update_chosen_pair(e.state, 0, 1)  # f_y - f_x = 5 > 0: x adopts D
    assert e.state.strat.tolist() == [0, 0, 1]
    assert e.counter(state.N_COOP) == 1
    check_invariants(e, n_edges=2)


def test_strategy_update_never_copies_a_less_fit_neighbour():
    e = hand_built(STAR, "CDC", W=0.0, beta=INF)
    assert not update_chosen_pair(e.state, 1, 0)  # f_y - f_x = -5: never
    assert e.state.strat.tolist() == [1, 0, 1]


def test_strategy_update_with_beta_zero_is_a_coin_flip():
    copies = sum(bool(update_chosen_pair(hand_built(STAR, "CDC", W=0.0, beta=0.0, rng=s).state,
                                         1, 0)) for s in range(400))
    assert 160 < copies < 240  # Binomial(400, 1/2): mean 200, sd 10


def test_imitation_changes_neighbours_payoffs():
    e = hand_built(STAR, "CDC", W=0.0, beta=INF)
    update_chosen_pair(e.state, 0, 1)  # 0 becomes D: 1 now earns T from 2 only
    assert e.payoffs().tolist() == [0.0, 2.0, -1.0]
    check_invariants(e)


# -- 5. structural update -------------------------------------------------------
# 0:C tied to 1:D and to cooperators 2, 3, 4; 1 also tied to 5:D; 6 is unconnected to 0.
STRUCT = [(0, 1), (0, 2), (0, 3), (0, 4), (1, 5), (5, 6)]
STRUCT_S = "CDCCCDD"


def structural(**kw):
    kw.setdefault("W", INF)
    kw.setdefault("beta", INF)
    return hand_built(STRUCT, STRUCT_S, **kw)


def test_C_with_C_is_satisfied_nothing_happens():
    e = structural()
    before = edge_set(e)
    update_chosen_pair(e.state, 0, 2)
    assert edge_set(e) == before
    assert e.counter(state.OPPORTUNITIES) == 0


def test_D_with_C_is_satisfied_nothing_happens():
    e = structural()
    before = edge_set(e)
    update_chosen_pair(e.state, 1, 0)  # x defects, y cooperates: x is satisfied
    assert edge_set(e) == before
    assert e.counter(state.OPPORTUNITIES) == 0


def test_C_with_D_rewires_when_x_wins_the_competition():
    e = structural(T=0.5)  # f_0 = -1 + 3 = 2 > f_1 = 0.5: x wins for sure
    update_chosen_pair(e.state, 0, 1)
    edges = edge_set(e)
    assert (0, 1) not in edges
    new = {b for a, b in edges if a == 0} - {2, 3, 4}
    assert len(new) == 1 and new <= {5, 6}  # a valid z: not 0, not a neighbour of 0
    assert e.counter(state.OPPORTUNITIES) == 1
    assert e.counter(state.REQUESTS) == 1 and e.counter(state.REWIRES) == 1
    check_invariants(e, n_edges=len(STRUCT))


def test_C_with_D_keeps_the_tie_when_x_loses():
    e = hand_built(STRUCT + [(1, 2)], STRUCT_S, W=INF, beta=INF)  # f_1 = 2T = 4 > f_0 = 2
    before = edge_set(e)
    update_chosen_pair(e.state, 0, 1)
    assert edge_set(e) == before
    assert e.counter(state.OPPORTUNITIES) == 1
    assert e.counter(state.REQUESTS) == 0


def test_D_with_D_the_fitter_one_rewires_away():
    # 0:D earns 2T from cooperators 2, 3; 1:D earns 0: whoever is x, 0 leaves 1.
    edges = [(0, 1), (0, 2), (0, 3), (1, 4), (4, 5)]
    for x, y in [(0, 1), (1, 0)]:
        e = hand_built(edges, "DDCCDD", W=INF, beta=INF)
        update_chosen_pair(e.state, x, y)
        after = edge_set(e)
        assert (0, 1) not in after
        assert {b for a, b in after if a == 0} - {2, 3} <= {4, 5}
        assert e.state.deg[1] == 1 and e.state.deg[0] == 3
        check_invariants(e, n_edges=len(edges))


def test_isolation_guard_keeps_the_abandoned_user_connected():
    edges = [(0, 1), (0, 2), (3, 4)]  # 1:D's only neighbour is 0
    e = hand_built(edges, "CDCDD", W=INF, beta=INF, T=0.5, S=0.0)
    update_chosen_pair(e.state, 0, 1)
    assert edge_set(e) == set(edges)
    assert e.counter(state.REQUESTS) == 0  # nothing happens: the recommender is not asked


def test_isolation_allowed_lets_the_user_be_abandoned():
    edges = [(0, 1), (0, 2), (3, 4)]
    e = hand_built(edges, "CDCDD", W=INF, beta=INF, T=0.5, S=0.0, allow_isolation=True)
    update_chosen_pair(e.state, 0, 1)
    assert e.state.deg[1] == 0
    assert e.counter(state.REWIRES) == 1
    check_invariants(e, n_edges=3)


def test_no_valid_candidate_is_an_unserved_request():
    edges = [(0, 1), (0, 2), (0, 3), (1, 2)]  # 0 is tied to everybody
    e = hand_built(edges, "CDCC", W=INF, beta=INF, T=0.2)  # f_0 = 1 > f_1 = 0.4
    update_chosen_pair(e.state, 0, 1)
    assert edge_set(e) == set(edges)
    assert e.counter(state.REQUESTS) == 1
    assert e.counter(state.REWIRES) == 0 and e.counter(state.UNSERVED) == 1


def test_policy_none_is_never_asked():
    e = structural(T=0.5, recommenders={"none": 1.0})
    before = edge_set(e)
    update_chosen_pair(e.state, 0, 1)
    assert edge_set(e) == before
    assert e.counter(state.OPPORTUNITIES) == 1 and e.counter(state.REQUESTS) == 0


def test_the_number_of_edges_never_changes():
    e = structural(T=0.5, beta=0.0)
    for x, y in [(0, 1), (1, 5), (5, 6), (0, 2), (5, 1)] * 20:
        if y in e.neighbours(x):
            update_chosen_pair(e.state, x, y)
    check_invariants(e, n_edges=len(STRUCT))


# -- competition: exclusive recommenders ----------------------------------------
def test_recommenders_only_propose_their_own_users_under_competition():
    # 0:C (recommender A) leaves 1:D; 2..9 split between A and B, none tied to 0.
    edges = [(0, 1), (1, 2), (2, 3), (4, 5), (6, 7), (8, 9)]
    owner = [0, 0, 0, 1, 0, 1, 1, 1, 1, 0]  # A's candidates: 2, 4, 9
    seen = set()
    for seed in range(60):
        e = hand_built(edges, "CDDDDDDDDD", W=INF, beta=INF, T=0.0, S=0.5, rng=seed,
                       recommenders={"any-random": 0.5, "defect-random": 0.5},
                       recommender_of=owner)
        update_chosen_pair(e.state, 0, 1)
        seen |= {b for a, b in edge_set(e) if a == 0}
    assert seen == {2, 4, 9}


def test_local_is_never_exclusive():
    # 0 (local) leaves 1; 1's other neighbours 2 and 3 use the other recommender.
    edges = [(0, 1), (1, 2), (1, 3), (4, 5)]
    seen = set()
    for seed in range(40):
        e = hand_built(edges, "CDDDDD", W=INF, beta=INF, T=0.0, S=0.5, rng=seed,
                       recommenders={"local": 0.5, "coop-random": 0.5},
                       recommender_of=[0, 0, 1, 1, 0, 0])
        update_chosen_pair(e.state, 0, 1)
        seen |= {b for a, b in edge_set(e) if a == 0}
    assert seen == {2, 3}


# -- 6. recommender update --------------------------------------------------------
def test_recommender_update_copies_a_fitter_neighbours_recommender():
    e = hand_built(STAR, "CDC", W2=INF, beta=INF, recommenders={"local": 0.5, "fair": 0.5},
                   recommender_of=[0, 1, 0])
    update_chosen_pair(e.state, 0, 1)  # f_1 = 4 > f_0 = -1
    assert e.state.rec.tolist() == [1, 1, 0]
    assert e.state.strat.tolist() == [1, 0, 1]  # a recommender update leaves strategies alone
    update_chosen_pair(e.state, 1, 2)  # f_2 = -1 < f_1 = 4: 1 keeps its recommender
    assert e.state.rec.tolist() == [1, 1, 0]
    check_invariants(e)


def test_recommender_imitation_uses_beta_med_not_beta():
    changed = 0
    for seed in range(200):
        e = hand_built(STAR, "CDC", W2=INF, beta=INF, beta_med=0.0, rng=seed,
                       recommenders={"local": 0.5, "fair": 0.5}, recommender_of=[0, 1, 0])
        update_chosen_pair(e.state, 1, 2)  # less fit, but beta_med = 0: a coin flip
        changed += int(e.state.rec[1] == 0)
    assert 70 < changed < 130


def test_update_kind_probabilities_follow_W_and_W2():
    p_rec, p_strat = state.update_probabilities(W=1.0, W2=0.5)
    assert p_rec == pytest.approx(0.5 / 1.5)
    assert p_strat == pytest.approx((1 - p_rec) / 2)
    assert state.update_probabilities(W=0.0, W2=0.0) == (0.0, 1.0)
    assert state.update_probabilities(W=INF, W2=0.0) == (0.0, 0.0)
    assert state.update_probabilities(W=1.0, W2=INF) == (1.0, 0.0)


def test_kinds_of_update_happen_with_their_probabilities():
    # On a D-D tie with equal fitness every structural update is an opportunity.
    W, n = 3.0, 4000
    e = hand_built([(0, 1), (2, 3)], "DDDD", W=W, beta=INF, recommenders={"none": 1.0},
                   stop_on_fixation=False)
    for _ in range(n):
        update_chosen_pair(e.state, 0, 1)
    share = e.counter(state.OPPORTUNITIES) / n  # expected W / (1 + W) = 0.75, sd ~0.007
    assert abs(share - W / (1 + W)) < 0.03


# -- initial state ----------------------------------------------------------------
def test_initial_state_has_exact_counts():
    from model.engine import Engine
    e = Engine(n=101, k=6, coop_init=0.3, rng=5,
               recommenders={"local": 0.6, "coop-random": 0.3, "fair": 0.1})
    assert int(e.state.deg.sum()) == 2 * round(101 * 6 / 2)
    assert e.counter(state.N_COOP) == round(0.3 * 101)
    assert [e.users_of(r) for r in range(3)] == [61, 30, 10]  # remainder to the largest
    check_invariants(e)


def test_shares_that_do_not_divide_n_leave_no_recommender_empty():
    """Six equal shares of ten users: round(share * N) would give 2 each (12 in all);
    the leftover goes by largest remainder, so every recommender still has users."""
    from model.engine import Engine
    names = ["local", "coop-random", "defect-random", "any-random", "fair", "coop-high"]
    e = Engine(n=10, k=4, rng=3, recommenders={name: 1 / 6 for name in names})
    assert [e.users_of(r) for r in range(6)] == [2, 2, 2, 2, 1, 1]
    check_invariants(e)


def test_regular_graph_gives_everybody_degree_k():
    from model.engine import Engine
    e = Engine(n=50, k=4, graph="regular", rng=2)
    assert (e.state.deg == 4).all()
    check_invariants(e, n_edges=100)


def test_gnm_graph_is_simple_with_exactly_m_edges():
    from model.core.graph import gnm_edges
    for n, m in [(10, 45), (10, 0), (200, 3000), (3000, 45000)]:
        edges = gnm_edges(n, m, np.random.default_rng(0))
        assert len(edges) == m
        assert (edges[:, 0] < edges[:, 1]).all()
        assert len({tuple(e) for e in edges.tolist()}) == m
