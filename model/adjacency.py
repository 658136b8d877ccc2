"""The evolving graph as per-node neighbour slabs in one pool (see :mod:`model.state`).

The kernels need four things of the graph, all cheap here: a uniformly random
neighbour (O(1)), adding and removing a tie (O(degree)), and moving a slab that is
full to the end of the pool. Slabs keep their order when they move or when the
pool is compacted, so where a slab lives never changes which neighbour a draw picks.
"""

import numpy as np
from numba import njit

from model.state import MAX_CAP, POOL_END


def initial_capacity(deg: np.ndarray) -> np.ndarray:
    """Room for each node's neighbours: half as much again as it has, at least 4."""
    return (deg + np.maximum(deg // 2, 4)).astype(np.int32)


@njit(cache=True, _nrt=False)
def headroom(max_cap):
    """Free pool slots one elementary update may need: two slabs moving and doubling."""
    return 2 * (2 * max_cap + 8)


@njit(cache=True)
def build_slabs(n, edges, cap, pool_size):
    """Lay out the slabs for ``edges`` (m x 2) with the given capacities."""
    off = np.zeros(n, dtype=np.int64)
    total = 0
    for i in range(n):
        off[i] = total
        total += cap[i]
    nbr = np.full(pool_size, -1, dtype=np.int32)
    deg = np.zeros(n, dtype=np.int32)
    for e in range(edges.shape[0]):
        u = edges[e, 0]
        v = edges[e, 1]
        nbr[off[u] + deg[u]] = v
        deg[u] += 1
        nbr[off[v] + deg[v]] = u
        deg[v] += 1
    return off, nbr, deg, total


@njit(cache=True)
def compact(deg, off, cap, nbr, new_cap, pool_size):
    """A fresh pool of ``pool_size`` with every slab copied in order to capacity ``new_cap``."""
    n = len(deg)
    new_off = np.zeros(n, dtype=np.int64)
    new_nbr = np.full(pool_size, -1, dtype=np.int32)
    total = 0
    for i in range(n):
        new_off[i] = total
        for j in range(deg[i]):
            new_nbr[total + j] = nbr[off[i] + j]
        total += new_cap[i]
    return new_off, new_nbr, total


@njit(cache=True, _nrt=False, inline="always")
def find(st, i, j):
    """Index of ``j`` within ``i``'s slab, or -1."""
    base = st.off[i]
    for t in range(st.deg[i]):
        if st.nbr[base + t] == j:
            return t
    return -1


@njit(cache=True, _nrt=False, inline="always")
def remove_neighbour(st, i, j):
    """Drop ``j`` from ``i``'s slab (the last neighbour takes its place)."""
    t = find(st, i, j)
    base = st.off[i]
    last = st.deg[i] - 1
    st.nbr[base + t] = st.nbr[base + last]
    st.nbr[base + last] = -1
    st.deg[i] = last


@njit(cache=True, _nrt=False, inline="always")
def append_neighbour(st, i, j):
    """Add ``j`` at the end of ``i``'s slab, moving the slab if it is full.

    The engine guarantees enough free pool before each update (see :func:`headroom`).
    """
    d = st.deg[i]
    if d == st.cap[i]:
        new_cap = max(2 * st.cap[i], 4)
        dest = st.cnt[POOL_END]
        src = st.off[i]
        for t in range(d):
            st.nbr[dest + t] = st.nbr[src + t]
            st.nbr[src + t] = -1
        st.off[i] = dest
        st.cap[i] = new_cap
        st.cnt[POOL_END] = dest + new_cap
        if new_cap > st.cnt[MAX_CAP]:
            st.cnt[MAX_CAP] = new_cap
    st.nbr[st.off[i] + d] = j
    st.deg[i] = d + 1
