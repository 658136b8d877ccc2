"""The evolving graph as per-node neighbour slabs in one pool (see :mod:`model.core.state`).

The kernels need, all in O(1): a uniformly random neighbour, and replacing a tie
(x, y) by (x, z). Every slot of the pool knows its *twin*, the slot holding the
same tie seen from the other end, so removing a user from a hub's slab needs no
search through the hub's thousand neighbours. A full slab moves to the end of the
pool with twice the room; slabs keep their order when they move or when the pool
is compacted, so where a slab lives never changes which neighbour a draw picks.
"""

import numpy as np

from model.core.jit import compiled
from model.core.state import MAX_CAP, POOL_END

#: The pool is indexed by int32 twins: its size must stay below this.
MAX_POOL = 2**31 - 1


def initial_capacity(deg: np.ndarray) -> np.ndarray:
    """Room for each node's neighbours: half as much again as it has, at least 4."""
    return (deg + np.maximum(deg // 2, 4)).astype(np.int32)


@compiled(nrt=True)
def headroom(max_cap):
    """Free pool slots one elementary update may need: two slabs moving and doubling."""
    return 2 * (2 * max_cap + 8)


def build_slabs(n, edges, cap, pool_size):
    """Lay out the slabs (and twins) for ``edges`` (m x 2) with the given capacities.

    The arrays are made here, and filled by a compiled loop that allocates nothing
    (so a first run does not compile numba's array constructors for it).
    """
    off = np.zeros(n, dtype=np.int64)
    np.cumsum(cap[:-1], out=off[1:])
    total = int(off[-1] + cap[-1]) if n else 0
    nbr = np.full(pool_size, -1, dtype=np.int32)
    twin = np.full(pool_size, -1, dtype=np.int32)
    deg = np.zeros(n, dtype=np.int32)
    _lay_edges(edges, off, nbr, twin, deg)
    return off, nbr, twin, deg, total


@compiled
def _lay_edges(edges, off, nbr, twin, deg):
    """Put each edge (u, v) in the next free slot of u's slab and of v's, as twins."""
    for e in range(edges.shape[0]):
        u = edges[e, 0]
        v = edges[e, 1]
        su = off[u] + deg[u]
        sv = off[v] + deg[v]
        nbr[su] = v
        nbr[sv] = u
        twin[su] = sv
        twin[sv] = su
        deg[u] += 1
        deg[v] += 1


@compiled(nrt=True)
def compact(deg, off, nbr, twin, new_cap, pool_size):
    """A fresh pool of ``pool_size`` with every slab copied in order to capacity ``new_cap``."""
    n = len(deg)
    new_off = np.zeros(n, dtype=np.int64)
    moved_to = np.full(len(nbr), -1, dtype=np.int64)
    total = 0
    for i in range(n):
        new_off[i] = total
        for j in range(deg[i]):
            moved_to[off[i] + j] = total + j
        total += new_cap[i]
    new_nbr = np.full(pool_size, -1, dtype=np.int32)
    new_twin = np.full(pool_size, -1, dtype=np.int32)
    for i in range(n):
        for j in range(deg[i]):
            old = off[i] + j
            new_nbr[new_off[i] + j] = nbr[old]
            new_twin[new_off[i] + j] = moved_to[twin[old]]
    return new_off, new_nbr, new_twin, total


@compiled(inline=True)
def _move_slot(st, src, dest):
    """Move the tie in slot ``src`` to the empty slot ``dest``, keeping its twin in step."""
    st.nbr[dest] = st.nbr[src]
    t = st.twin[src]
    st.twin[dest] = t
    st.twin[t] = dest
    st.nbr[src] = -1
    st.twin[src] = -1


@compiled(inline=True)
def replace_tie(st, a, slot_ab, z):
    """Replace the tie a-b, at ``slot_ab`` of a's slab, by a-z (a keeps its slot order).

    b loses a (its last neighbour takes a's place), z gains a at the end of its slab.
    """
    b = st.nbr[slot_ab]
    slot_ba = st.twin[slot_ab]
    last = st.off[b] + st.deg[b] - 1
    if slot_ba != last:
        _move_slot(st, last, slot_ba)
    else:
        st.nbr[last] = -1
        st.twin[last] = -1
    st.deg[b] -= 1
    d = st.deg[z]
    if d == st.cap[z]:  # full: the slab moves to the end of the pool, twice as roomy
        new_cap = max(2 * st.cap[z], 4)
        dest = st.cnt[POOL_END]
        src = st.off[z]
        for t in range(d):
            _move_slot(st, src + t, dest + t)
        st.off[z] = dest
        st.cap[z] = new_cap
        st.cnt[POOL_END] = dest + new_cap
        if new_cap > st.cnt[MAX_CAP]:
            st.cnt[MAX_CAP] = new_cap
    slot_za = st.off[z] + d
    st.nbr[slot_za] = a
    st.deg[z] = d + 1
    st.nbr[slot_ab] = z
    st.twin[slot_ab] = slot_za
    st.twin[slot_za] = slot_ab
