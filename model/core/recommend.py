"""Compiled candidate selection: what a policy's selector codes mean (MODEL.md, Recommenders).

``recommend(st, u, v)`` answers a rewire request of user ``u`` leaving ``v`` with a
valid new neighbour, or -1 when there is none. Valid means: not ``u`` and not one
of ``u``'s current neighbours. For a user with few ties a check scans the
shorter of the two users' slabs (at most a few dozen contiguous ints); a user
with many ties, or a request that falls back to an exact count, first marks its
neighbours once, making every later check O(1).

With creators, a request keeps the kind of the tie it replaces: ``u`` leaving a
creator is proposed a creator (from the catalogue every recommender ranks), ``u``
leaving a viewer a viewer. Which kind is one comparison per request; without
creators it is always "viewer", and ``local`` then reads every neighbour of ``v``.

Every choice is exactly uniform over the valid candidates it ranges over: a few
rejection draws from the candidate range first (accepted draws are uniform over
the valid ones), then, if those miss, an exact count of the valid candidates in
O(deg u) and either more rejection draws (when at least a quarter are valid) or
a scan of a range that is then at most four times ``deg u + 1`` long. Ranges of
at most 16 users are read once, keeping a uniform valid one by reservoir sampling.
"""

from model.core.groups import candidate_groups, catalogue_groups, group
from model.core.indexes import next_degree
from model.core.jit import compiled
from model.core.learned import KIND as _KIND, learned_class
from model.core.learned_gat import GAT as _GAT, gat_user
from model.core.selectors import Rank, Source, Who
from model.core.rng import below
from model.core.state import COOPERATE, MARKED, N_VIEWERS, STAMP

_NEVER = int(Source.NEVER)
_PARTNER = int(Source.PARTNER_NEIGHBOURS)
_ANY = int(Who.ANY)
_COOP = int(Who.COOPERATORS)
_DEFECT = int(Who.DEFECTORS)
_SAME = int(Who.SAME_AS_USER)
_RANDOM = int(Rank.RANDOM)
_LOW = int(Rank.LOWEST_DEGREE)
_HIGH = int(Rank.HIGHEST_DEGREE)
_LEARNED = int(Rank.LEARNED)
_TRIES = 8  #: rejection draws before counting the valid candidates exactly
_PARTNER_TRIES = 2  #: fewer for local: friends of friends are often already friends
_SCAN_BELOW = 16  #: ranges this small are scanned rather than sampled
_WALK_BUDGET = 64  #: entries of the degree index read past u's own ties before going by level
_MARK_ABOVE = 8  #: users with more ties than this mark them once per request (measured best)


@compiled(inline=True)
def begin_request(st, u):
    """A new stamp for this request; marks ``u``'s neighbours at once if it has many.

    A hub's request may check many candidates (walking down the degrees of other
    hubs, all tied to it): marking its ties once makes each check O(1).
    """
    st.cnt[STAMP] += 1
    st.cnt[MARKED] = 0
    if st.deg[u] > _MARK_ABOVE:
        ensure_marked(st, u)
    return st.cnt[STAMP]


@compiled(inline=True)
def ensure_marked(st, u):
    """Mark ``u`` and its neighbours with this request's stamp (once per request)."""
    if st.cnt[MARKED] == 0:
        stamp = st.cnt[STAMP]
        st.mark[u] = stamp
        base = st.off[u]
        for t in range(st.deg[u]):
            st.mark[st.nbr[base + t]] = stamp
        st.cnt[MARKED] = 1


@compiled(inline=True)
def is_valid(st, u, w, stamp):
    """Whether ``w`` may become ``u``'s new neighbour: not ``u``, not already a neighbour."""
    if st.cnt[MARKED] != 0:
        return st.mark[w] != stamp
    if w == u:
        return False
    a, b = (u, w) if st.deg[u] <= st.deg[w] else (w, u)  # scan the shorter slab
    base = st.off[a]
    for t in range(st.deg[a]):
        if st.nbr[base + t] == b:
            return False
    return True


@compiled(inline=True)
def sample_range(st, order, pos, lo, hi, u, stamp):
    """A uniformly random unmarked user among ``order[lo:hi]``, or -1 if none."""
    size = hi - lo
    if size <= 0:
        return -1
    if size <= _SCAN_BELOW:  # small ranges (degree buckets, mostly): one reservoir pass
        chosen = -1
        seen = 0
        for p in range(lo, hi):
            w = order[p]
            if is_valid(st, u, w, stamp):
                seen += 1
                if below(st.rng, seen) == 0:
                    chosen = w
        return chosen
    for _ in range(_TRIES):
        w = order[lo + below(st.rng, size)]
        if is_valid(st, u, w, stamp):
            return w
    ensure_marked(st, u)
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


@compiled(inline=True)
def partner_neighbour(st, u, v, stamp, viewers):
    """A uniformly random neighbour of ``v`` that is a valid candidate for ``u`` and a
    viewer (a node below ``viewers``: every node when there are no creators)."""
    base = st.off[v]
    d = st.deg[v]
    for _ in range(_PARTNER_TRIES):
        w = st.nbr[base + below(st.rng, d)]
        if w < viewers and is_valid(st, u, w, stamp):
            return w
    ensure_marked(st, u)
    valid = 0
    for t in range(d):
        w = st.nbr[base + t]
        if w < viewers and st.mark[w] != stamp:
            valid += 1
    if valid == 0:
        return -1
    j = below(st.rng, valid)
    for t in range(d):
        w = st.nbr[base + t]
        if w < viewers and st.mark[w] != stamp:
            if j == 0:
                return w
            j -= 1
    return -1


@compiled(inline=True)
def walk_degree_order(st, u, stamp, highest, g_lo, g_hi):
    """Where a degree-ranked pick starts: the degree of the best valid candidate, or -1.

    Reads the degree index from its top (or bottom) end, past users outside groups
    g_lo..g_hi-1 and past ``u``'s own ties. Most picks end here after a handful of
    entries; after ``deg u + 64`` entries it returns the degree it has reached and
    the caller goes on level by level, so no request reads all users.
    """
    n = len(st.deg)
    p, step = (n - 1, -1) if highest else (0, 1)
    budget = st.deg[u] + _WALK_BUDGET
    while 0 <= p < n:
        w = st.dorder[p]
        g = group(st, w)
        if (g_lo <= g < g_hi and is_valid(st, u, w, stamp)) or budget == 0:
            return st.deg[w]
        budget -= 1
        p += step
    return -1


@compiled(inline=True)
def recommend(st, u, v, pick_ranked):
    """Ask ``u``'s recommender for a new neighbour to replace ``v``; -1 if none is valid.

    The new neighbour is of ``v``'s kind: a creator if ``v`` is one (from the catalogue,
    ranked by the same codes; ``local`` proposes a uniformly random valid creator),
    else a viewer. A random pick draws from one range of the group index (all
    degrees); a ranked pick is ``pick_ranked``'s: :func:`by_degree_or_learned`, or, in a
    run loop compiled for states that need less, :func:`by_degree` or :func:`random_only`
    (:func:`model.core.kernel.entry_point_for` says which).
    """
    r = st.rec[u]
    stamp = begin_request(st, u)
    viewers = st.cnt[N_VIEWERS]
    for_creator = v >= viewers  # the tie replaced is a follow: propose a creator
    if st.source[r] == _PARTNER and not for_creator:
        return partner_neighbour(st, u, v, stamp, viewers)
    who = st.who[r]
    if who == _SAME:
        who = _COOP if st.strat[u] == COOPERATE else _DEFECT
    if for_creator:  # local has no friend of a friend among creators: any valid creator
        g_lo, g_hi = catalogue_groups(len(st.source), _ANY if st.source[r] == _PARTNER else who)
    else:
        g_lo, g_hi = candidate_groups(r, who)
    rank = _RANDOM if st.source[r] == _PARTNER else st.rank[r]
    if rank != _RANDOM:
        return pick_ranked(st, u, r, stamp, rank, g_lo, g_hi)
    return sample_range(st, st.gorder, st.gpos, st.gstart[g_lo], st.gstart[g_hi], u, stamp)


# What :func:`recommend` is handed for ranked picks. A run loop compiled with a
# smaller one never compiles what it leaves out: a first run of random policies
# compiles in about half the time of one that may meet every kind of ranking.
@compiled(inline=True)
def random_only(st, u, r, stamp, rank, g_lo, g_hi):
    """For a run loop compiled for states whose policies all pick at random: never called."""
    return -1


@compiled(inline=True)
def by_degree(st, u, r, stamp, rank, g_lo, g_hi):
    """A valid candidate of the lowest or highest degree among groups g_lo..g_hi - 1
    (``rank``), uniformly among those of that degree; -1 if there is none.

    When the candidates are most users, it reads the degree index from its end until it
    meets a valid one (:func:`walk_degree_order`); otherwise it starts at the
    candidates' extreme degree. Either way it then draws uniformly among the valid
    candidates of a degree, going on degree by degree (the groups' present-degree
    bitsets jumping straight to the next degree some candidate has) until one has any.
    """
    if rank != _LOW and rank != _HIGH:
        return -1
    G = len(st.gstart) - 1
    n = len(st.deg)
    if 2 * (st.gstart[g_hi] - st.gstart[g_lo]) >= n:  # candidates are most users
        d = walk_degree_order(st, u, stamp, rank == _HIGH, g_lo, g_hi)
    elif rank == _HIGH:  # few candidates: their highest degree, from the bitsets
        d = next_degree(st, g_lo, g_hi, st.deg[st.dorder[n - 1]] + 1, False)
    else:
        d = next_degree(st, g_lo, g_hi, -1, True)
    while d >= 0:
        z = sample_range(st, st.dorder, st.dpos, st.dstart[d * G + g_lo],
                         st.dstart[d * G + g_hi], u, stamp)
        if z >= 0:
            return z
        d = next_degree(st, g_lo, g_hi, d, rank == _LOW)
    return -1


@compiled(inline=True)
def by_degree_or_learned(st, u, r, stamp, rank, g_lo, g_hi):
    """:func:`by_degree`, and for a learned ranking a class (degree, groups) from the
    recommender's trained module (:func:`model.core.learned.learned_class`), then a
    uniformly random valid user in it; a GAT module picks the user itself
    (:func:`model.core.learned_gat.gat_user`)."""
    if rank != _LEARNED:
        return by_degree(st, u, r, stamp, rank, g_lo, g_hi)
    if st.lw[st.lw_at[r] + _KIND] == _GAT:  # a GAT scores users, not classes
        return gat_user(st, u, r, g_lo, g_hi)
    d, c_lo, c_hi = learned_class(st, u, r, g_lo, g_hi)
    if d < 0:
        return -1
    G = len(st.gstart) - 1
    return sample_range(st, st.dorder, st.dpos, st.dstart[d * G + c_lo],
                        st.dstart[d * G + c_hi], u, stamp)


@compiled(inline=True)
def is_asked(st, r):
    """Whether recommender ``r``'s policy is ever asked (``none`` never is)."""
    return st.source[r] != _NEVER


@compiled
def ask(st, u, v):
    """``recommend(u, v)`` outside an update, for tests and for inspecting a policy.

    Draws from the model's random stream like a real request, but counts nothing.
    """
    return recommend(st, u, v, by_degree_or_learned)
