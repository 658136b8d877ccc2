"""The elementary update of MODEL.md, compiled: imitation, rewiring, recommender adoption.

:func:`run_loop` advances a state by a number of elementary updates and is the only
way the dynamics move; :func:`entry_point_for` says which of its compiled versions
(:func:`run`, :func:`run_ranked`, :func:`run_bandits`, :func:`run_full`) a state needs. Each numbered step
below matches the numbered step of MODEL.md's "One elementary update" (and, with
creators, its section "Creators").

With creators the run loop passes ``creators = True`` down: a creator's turn, the
rule that viewers imitate viewers only and that creators never start a rewire are
a comparison or two per update, skipped at once without creators."""

import math

from model.core.adjacency import headroom, replace_tie
from model.core.groups import group
from model.core.indexes import change_degree, change_group
from model.core.jit import compiled
from model.core.learners import ALGO, end_windows
from model.core.recommend import (
    by_degree,
    by_degree_or_learned,
    is_asked,
    random_only,
    recommend,
)
from model.core.rng import below, uniform
from model.core.selectors import Rank, Source
from model.core.state import (
    ALLOW_ISOLATION,
    BETA,
    BETA_CREATOR,
    BETA_MED,
    COOPERATE,
    CREATOR_FITNESS,
    DEFECT,
    FITNESS_AUDIENCE,
    FIXATION_STEP,
    FOLLOWS_REWIRED,
    MAX_CAP,
    N_COOP,
    N_QUALITY,
    N_VIEWERS,
    OPPORTUNITIES,
    P_RECOMMENDER,
    P_STRATEGY,
    POOL_END,
    PROPOSED_COOP,
    PROPOSED_DEGREE,
    REQUESTS,
    REWIRES,
    STEPS,
    STOP_ON_FIXATION,
    SUM_DEG2,
    TIES_CC,
    TIES_CD,
    UNSERVED,
)

_LEARNED = int(Rank.LEARNED)
_RANDOM = int(Rank.RANDOM)
_OWN_USERS = int(Source.OWN_USERS)
_STRATEGY = 0
_RECOMMENDER = 1

#: Why :func:`run` returned before doing every update asked of it.
FINISHED = 0
FIXATED = 1
NEEDS_SPACE = 2
CHECKPOINT = 3  #: a recommender has served the number of requests its ``checkpoint`` asks

# What one update did, as :func:`update_pair` reports it to the run loop.
_NOTHING = 0
_STRATEGY_CHANGED = 1
_AT_CHECKPOINT = 2


@compiled
def fermi(d, beta):
    """1 / (1 + exp(-beta * d)), with fermi(0, inf) = 1/2 rather than NaN."""
    if d == 0.0:
        return 0.5
    return 1.0 / (1.0 + math.exp(-beta * d))


@compiled(inline=True)
def fitness(st, i):
    """Sum of i's payoffs against each current neighbour (exact, from counts)."""
    c = st.ncoop[i]
    s = st.strat[i]
    return st.payoff[s, COOPERATE] * c + st.payoff[s, DEFECT] * (st.deg[i] - c)


@compiled(inline=True)
def imitate(st, x, y, what):
    """x copies y's strategy (what = 0) or y's recommender (what = 1), and is re-filed.

    A new strategy changes x's neighbours' payoffs, so their cooperator counts move.
    """
    g_old = group(st, x)
    if what == _STRATEGY:
        st.strat[x] = st.strat[y]
        delta = 1 if st.strat[x] == COOPERATE else -1
        base = st.off[x]
        for t in range(st.deg[x]):
            st.ncoop[st.nbr[base + t]] += delta
        # x's ties to cooperators move between C-D and C-C, to defectors between D-D and C-D
        c = st.ncoop[x]
        st.cnt[TIES_CC] += delta * c
        st.cnt[TIES_CD] += delta * (st.deg[x] - 2 * c)
        st.cnt[N_COOP] += delta
    else:
        st.rec[x] = st.rec[y]
    change_group(st, x, g_old, group(st, x))


@compiled(inline=True)
def count_tie(st, cooperators, sign):
    """Add (sign=1) or remove (sign=-1) a tie with this many cooperating ends in the tallies."""
    if cooperators == 2:
        st.cnt[TIES_CC] += sign
    elif cooperators == 1:
        st.cnt[TIES_CD] += sign


@compiled(inline=True)
def rewire(st, a, slot_ab, creators, pick_ranked):
    """a has won the right to leave b, its neighbour at ``slot_ab`` (MODEL.md step 5).

    Returns whether a's recommender has now served as many requests as its
    checkpoint asks (checked on requests only, so other updates pay nothing).
    A creator may lose its last follower: isolation is refused to viewers only.
    """
    b = st.nbr[slot_ab]
    follow = creators and b >= st.cnt[N_VIEWERS]
    if st.deg[b] == 1 and st.cnt[ALLOW_ISOLATION] == 0 and not follow:
        return False
    r = st.rec[a]
    if not is_asked(st, r):
        return False
    st.cnt[REQUESTS] += 1
    st.requests_by[r] += 1
    at_checkpoint = st.requests_by[r] == st.checkpoint[r]
    z = recommend(st, a, b, pick_ranked)
    if z < 0:
        st.cnt[UNSERVED] += 1
        return at_checkpoint
    move_tie(st, r, a, slot_ab, z)
    if follow:
        st.cnt[FOLLOWS_REWIRED] += 1
    return at_checkpoint


@compiled(inline=True)
def move_tie(st, r, a, slot_ab, z):
    """Recommender r has served a's request: the tie (a, b) at a's ``slot_ab`` becomes
    (a, z). b loses a neighbour, z gains one, a keeps its degree; every tally follows
    (the readable rules record a rewire with this too: :mod:`agents.bookkeeping`)."""
    b = st.nbr[slot_ab]
    st.proposed_by[r, PROPOSED_COOP] += st.strat[z]
    st.proposed_by[r, PROPOSED_DEGREE] += st.deg[z]
    st.cnt[SUM_DEG2] += 2 * (st.deg[z] - st.deg[b]) + 2  # b loses a tie, z gains one
    count_tie(st, st.strat[a] + st.strat[b], -1)
    count_tie(st, st.strat[a] + st.strat[z], 1)
    replace_tie(st, a, slot_ab, z)
    change_degree(st, b, st.deg[b] + 1, st.deg[b])
    change_degree(st, z, st.deg[z] - 1, st.deg[z])
    st.ncoop[a] += st.strat[z] - st.strat[b]
    st.ncoop[b] -= st.strat[a]
    st.ncoop[z] += st.strat[a]
    st.cnt[REWIRES] += 1
    st.rewires_by[r] += 1


@compiled(inline=True)
def elementary_update(st, creators, creator_turn, pick_ranked):
    """One time-step of the paper. Returns what it did (see :func:`update_pair`)."""
    n = len(st.deg)
    x = below(st.rng, n)  # 1. a uniformly random node
    if creators and x >= st.cnt[N_VIEWERS]:
        return creator_turn(st, x, -1)  # a creator's turn
    dx = st.deg[x]
    if dx == 0:
        return _NOTHING
    slot = st.off[x] + below(st.rng, dx)  # 2. a uniformly random neighbour
    return update_pair(st, x, slot, creators, pick_ranked)


@compiled(inline=True)
def creator_update(st, x, o):
    """Creator x's turn (MODEL.md, Creators): with the probability of a strategy update,
    x compares itself with creator ``o`` (-1: a uniformly random other creator) and
    copies o's strategy with probability fermi(F_o - F_x, beta_creator), F being the
    game payoff or the audience (degree)."""
    if uniform(st.rng) >= st.fpar[P_STRATEGY]:
        return _NOTHING
    if o < 0:
        viewers = st.cnt[N_VIEWERS]
        n_creators = len(st.deg) - viewers
        if n_creators < 2:
            return _NOTHING
        o = viewers + below(st.rng, n_creators - 1)
        if o >= x:
            o += 1
    if st.strat[x] == st.strat[o]:
        return _NOTHING
    if st.cnt[CREATOR_FITNESS] == FITNESS_AUDIENCE:
        d = float(st.deg[o] - st.deg[x])
    else:
        d = fitness(st, o) - fitness(st, x)
    if uniform(st.rng) < fermi(d, st.fpar[BETA_CREATOR]):
        st.cnt[N_QUALITY] += 1 if st.strat[o] == COOPERATE else -1
        imitate(st, x, o, _STRATEGY)
        return _STRATEGY_CHANGED
    return _NOTHING


@compiled(inline=True)
def update_pair(st, x, slot, creators, pick_ranked):
    """Steps 3 to 6 of MODEL.md for the chosen user x and its neighbour y at ``slot``.

    Returns ``_STRATEGY_CHANGED`` if x took a new strategy, ``_AT_CHECKPOINT`` if a
    recommender reached its checkpoint, else ``_NOTHING``.
    """
    y = st.nbr[slot]
    kind = uniform(st.rng)  # 3. which kind of update
    p_rec = st.fpar[P_RECOMMENDER]
    y_creates = creators and y >= st.cnt[N_VIEWERS]
    if kind < p_rec + st.fpar[P_STRATEGY]:
        if y_creates:
            return _NOTHING  # viewers imitate viewers only
        # 6. recommender update, or 4. strategy update: x may copy y
        what, beta = (_RECOMMENDER, st.fpar[BETA_MED]) if kind < p_rec \
            else (_STRATEGY, st.fpar[BETA])
        differ = st.rec[x] != st.rec[y] if what == _RECOMMENDER else st.strat[x] != st.strat[y]
        if differ and uniform(st.rng) < fermi(fitness(st, y) - fitness(st, x), beta):
            imitate(st, x, y, what)
            return _STRATEGY_CHANGED if what == _STRATEGY else _NOTHING
        return _NOTHING
    if st.strat[y] == COOPERATE:  # 5. structural update: x is satisfied with y
        return _NOTHING
    st.cnt[OPPORTUNITIES] += 1
    if uniform(st.rng) < fermi(fitness(st, x) - fitness(st, y), st.fpar[BETA]):
        a, slot_ab = x, slot  # x competes with y and wins: x leaves y
    elif st.strat[x] == DEFECT and not y_creates:
        a, slot_ab = y, st.twin[slot]  # both defect and y wins: y leaves x
    else:
        return _NOTHING  # (a creator never starts a rewire)
    return _AT_CHECKPOINT if rewire(st, a, slot_ab, creators, pick_ranked) else _NOTHING


@compiled(inline=True)
def is_fixated(st, creators):
    """Every user plays one strategy (and, with creators, every creator plays one)."""
    c = st.cnt[N_COOP]
    if not creators:
        return c == 0 or c == len(st.deg)
    q = st.cnt[N_QUALITY]
    viewers = st.cnt[N_VIEWERS]
    return (c == q or c - q == viewers) and (q == 0 or q == len(st.deg) - viewers)


@compiled(inline=True)
def no_windows(st):
    """Without bandit recommenders, every checkpoint is the engine's to handle."""
    return False


@compiled(inline=True)
def run_loop(st, n_updates, end_windows, creator_turn, pick_ranked):
    """Do up to ``n_updates`` elementary updates; return (updates done, why it stopped).

    Stops early, before the update that would need it, when the neighbour pool
    needs compacting (the engine compacts and calls again), right after the
    update that reaches fixation when ``stop_on_fixation`` is on, and right after
    the request that brings a recommender to its checkpoint (the engine tells the
    recommender, which may change its selector, and calls again), unless
    ``end_windows(st)`` handles it: a bandit recommender's checkpoint ends its
    window without stopping, scored, learned and logged in compiled code
    (:mod:`model.core.learners`), unless its log is full.

    ``creator_turn`` is :func:`creator_update` (or :func:`no_creators` in a loop
    compiled for states without creators) and ``pick_ranked`` is handed down to
    :func:`model.core.recommend.recommend` for ranked picks.
    """
    pool_size = len(st.nbr)
    creators = st.cnt[N_VIEWERS] < len(st.deg)
    stop = st.cnt[STOP_ON_FIXATION] != 0
    if stop and st.cnt[FIXATION_STEP] >= 0:
        return 0, FIXATED
    done = 0
    while done < n_updates:
        if st.cnt[POOL_END] + headroom(st.cnt[MAX_CAP]) > pool_size:
            return done, NEEDS_SPACE
        what = elementary_update(st, creators, creator_turn, pick_ranked)
        st.cnt[STEPS] += 1
        done += 1
        if what != _NOTHING:
            if what == _AT_CHECKPOINT:
                if end_windows(st):
                    continue
                return done, CHECKPOINT
            if st.cnt[FIXATION_STEP] < 0 and is_fixated(st, creators):
                st.cnt[FIXATION_STEP] = st.cnt[STEPS]
                if stop:
                    return done, FIXATED
    return done, FINISHED


@compiled(inline=True)
def no_creators(st, x, o):
    """For a run loop compiled for states without creators: never called."""
    return _NOTHING


# The run loop's entry points, one per kind of state, each compiled on its first call:
# a first run compiles only what its state can meet (:func:`entry_point_for`).
@compiled
def run(st, n_updates):
    """:func:`run_loop` for a state whose recommenders all pick at random (``local``,
    the ``-random`` family), with no creators and no bandits."""
    return run_loop(st, n_updates, no_windows, no_creators, random_only)


@compiled
def run_ranked(st, n_updates):
    """:func:`run_loop` for a state whose recommenders may also rank by degree, with no
    creators and no bandits."""
    return run_loop(st, n_updates, no_windows, no_creators, by_degree)


@compiled
def run_bandits(st, n_updates):
    """:func:`run_loop` for a state with bandit recommenders (whose arms are fixed
    policies: random or degree-ranked picks), with no learned ranking and no creators."""
    return run_loop(st, n_updates, end_windows, no_creators, by_degree)


@compiled
def run_full(st, n_updates):
    """:func:`run_loop` for any state: with learned or bandit recommenders or creators."""
    return run_loop(st, n_updates, end_windows, creator_update, by_degree_or_learned)


def entry_point_for(st):
    """The compiled run loop ``st`` needs: :func:`run_full` with a learned ranking or
    creators, else :func:`run_bandits` with a bandit, else :func:`run_ranked` if a
    recommender ranks by degree, else :func:`run`.

    A state's kind changes only between calls of the loop (a policy changing its
    selector at a checkpoint, an intervention; a bandit switches arms inside the
    loop, but its arms are fixed policies, which :func:`run_bandits` and
    :func:`run_full` both run): the engine asks again after each.
    """
    asked = st.source == _OWN_USERS
    if st.cnt[N_VIEWERS] < len(st.deg) or (asked & (st.rank == _LEARNED)).any():
        return run_full
    if st.bpar[:, ALGO].any():
        return run_bandits
    if (asked & (st.rank != _RANDOM)).any():
        return run_ranked
    return run


@compiled
def update_chosen_pair(st, x, y):
    """Steps 3 to 6 for a given x and neighbour y: hand-built cases and demonstrations.

    Counts as a step like any other, but does not check fixation. Returns whether
    x's strategy changed; returns False and does nothing if y is not a neighbour of x.
    A creator x compares itself with creator y (any creator: they watch the market).
    """
    creators = st.cnt[N_VIEWERS] < len(st.deg)
    if creators and x >= st.cnt[N_VIEWERS]:
        if y < st.cnt[N_VIEWERS] or y == x:
            return False
        what = creator_update(st, x, y)
        st.cnt[STEPS] += 1
        return what == _STRATEGY_CHANGED
    slot = -1
    for t in range(st.off[x], st.off[x] + st.deg[x]):
        if st.nbr[t] == y:
            slot = t
    if slot < 0:
        return False
    what = update_pair(st, x, slot, creators, by_degree_or_learned)
    st.cnt[STEPS] += 1
    return what == _STRATEGY_CHANGED
