"""Compiled candidate selection: what a policy's selector codes mean (MODEL.md, Recommenders).

``recommend(st, u, v)`` answers a rewire request of user ``u`` leaving ``v`` with a
valid new neighbour, or -1 when there is none. Valid means: not ``u`` and not one
of ``u``'s current neighbours. The neighbours of ``u`` are marked once per request,
so each validity check is O(1).

Every choice is exactly uniform over the valid candidates it ranges over: a few
rejection draws from the candidate range first (accepted draws are uniform over
the valid ones), then, if those miss, an exact count of the valid candidates in
O(deg u) and either more rejection draws (when at least a quarter are valid) or
a scan of a range that is then at most four times ``deg u + 1`` long. Ranges of
at most 16 users are scanned at once.
"""

from numba import njit

from model.policies import Pool, Rank, Who
from model.rng import below
from model.state import COOPERATE, STAMP

_NEVER = int(Pool.NEVER)
_PARTNER = int(Pool.PARTNER_NEIGHBOURS)
_COOP = int(Who.COOPERATORS)
_DEFECT = int(Who.DEFECTORS)
_SAME = int(Who.SAME_AS_USER)
_LOW = int(Rank.LOWEST_DEGREE)
_HIGH = int(Rank.HIGHEST_DEGREE)
_TRIES = 8  #: rejection draws before counting the valid candidates exactly
_PARTNER_TRIES = 2  #: fewer for local: friends of friends are often already friends
_SCAN_BELOW = 16  #: ranges this small are scanned rather than sampled


@njit(cache=True, _nrt=False, inline="always")
def mark_neighbours(st, u):
    """Mark ``u`` and its neighbours; returns the stamp that means 'marked'."""
    st.cnt[STAMP] += 1
    stamp = st.cnt[STAMP]
    st.mark[u] = stamp
    base = st.off[u]
    for t in range(st.deg[u]):
        st.mark[st.nbr[base + t]] = stamp
    return stamp


@njit(cache=True, _nrt=False, inline="always")
def sample_range(st, order, pos, lo, hi, u, stamp):
    """A uniformly random unmarked user among ``order[lo:hi]``, or -1 if none."""
    size = hi - lo
    if size <= 0:
        return -1
    if size <= _SCAN_BELOW:  # small ranges (degree buckets, mostly): count directly
        valid = 0
        for p in range(lo, hi):
            if st.mark[order[p]] != stamp:
                valid += 1
    else:
        for _ in range(_TRIES):
            w = order[lo + below(st.rng, size)]
            if st.mark[w] != stamp:
                return w
        marked = 1 if lo <= pos[u] < hi else 0
        base = st.off[u]
        for t in range(st.deg[u]):
            p = pos[st.nbr[base + t]]
            if lo <= p < hi:
                marked += 1
        valid = size - marked
    if valid <= 0:
        return -1
    if 4 * valid >= size:
        while True:
            w = order[lo + below(st.rng, size)]
            if st.mark[w] != stamp:
                return w
    j = below(st.rng, valid)
    for p in range(lo, hi):
        w = order[p]
        if st.mark[w] != stamp:
            if j == 0:
                return w
            j -= 1
    return -1  # unreachable while the marks are consistent


@njit(cache=True, _nrt=False, inline="always")
def partner_neighbour(st, u, v, stamp):
    """A uniformly random neighbour of ``v`` that is a valid candidate for ``u``."""
    base = st.off[v]
    d = st.deg[v]
    for _ in range(_PARTNER_TRIES):
        w = st.nbr[base + below(st.rng, d)]
        if st.mark[w] != stamp:
            return w
    valid = 0
    for t in range(d):
        if st.mark[st.nbr[base + t]] != stamp:
            valid += 1
    if valid == 0:
        return -1
    j = below(st.rng, valid)
    for t in range(d):
        w = st.nbr[base + t]
        if st.mark[w] != stamp:
            if j == 0:
                return w
            j -= 1
    return -1


@njit(cache=True, _nrt=False, inline="always")
def tighten_group_max(st, g):
    """Lower the degree bound of group ``g`` to its true maximum (amortised O(1))."""
    G = len(st.gstart) - 1
    d = st.gmax[g]
    while d > 0 and st.dstart[d * G + g + 1] == st.dstart[d * G + g]:
        d -= 1
    st.gmax[g] = d
    return d


@njit(cache=True, _nrt=False, inline="always")
def recommend(st, u, v):
    """Ask ``u``'s recommender for a new neighbour to replace ``v``; -1 if none is valid.

    Heuristics walk the candidate ranges: one range (all degrees, from the group
    index) for a random pick; one range per degree (from the degree index), from
    degree 0 up or from the group maximum down, for degree-ranked picks.
    """
    r = st.rec[u]
    stamp = mark_neighbours(st, u)
    if st.pool[r] == _PARTNER:
        return partner_neighbour(st, u, v, stamp)
    who = st.who[r]
    if who == _SAME:
        who = _COOP if st.strat[u] == COOPERATE else _DEFECT
    g_lo = 2 * r + (1 if who == _DEFECT else 0)
    g_hi = 2 * r + (1 if who == _COOP else 2)
    rank = st.rank[r]
    if rank == _LOW or rank == _HIGH:
        order, pos, starts, stride = st.dorder, st.dpos, st.dstart, len(st.gstart) - 1
        top = 0
        for g in range(g_lo, g_hi):
            top = max(top, tighten_group_max(st, g))
    else:
        order, pos, starts, stride, top = st.gorder, st.gpos, st.gstart, 0, 0
    d, step = (top, -1) if rank == _HIGH else (0, 1)
    for _ in range(top + 1):
        z = sample_range(st, order, pos, starts[d * stride + g_lo], starts[d * stride + g_hi],
                         u, stamp)
        if z >= 0:
            return z
        d += step
    return -1


@njit(cache=True, _nrt=False, inline="always")
def is_asked(st, r):
    """Whether recommender ``r``'s policy is ever asked (``none`` never is)."""
    return st.pool[r] != _NEVER


@njit(cache=True, _nrt=False)
def ask(st, u, v):
    """``recommend(u, v)`` outside an update, for tests and for inspecting a policy.

    Draws from the model's random stream like a real request, but counts nothing.
    """
    return recommend(st, u, v)
