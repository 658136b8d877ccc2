"""Keeping the sorted user indexes up to date as strategies, recommenders and degrees change.

An index is a permutation ``order`` of the users sorted by an integer key, its
inverse ``pos`` and bucket boundaries ``start`` (see :func:`model.state.sorted_index`).
Moving a user from key ``a`` to key ``b`` swaps it across the buckets in between, one
swap per bucket, so a degree change costs G swaps and a strategy change one.
"""

from numba import njit

from model.state import COOPERATE


@njit(cache=True, _nrt=False, inline="always")
def move_key(order, pos, start, i, a, b):
    """Move user ``i`` from bucket ``a`` to bucket ``b`` of the index."""
    while a < b:  # i becomes the last of bucket a, then the first of bucket a + 1
        last = start[a + 1] - 1
        j = order[last]
        p = pos[i]
        order[p] = j
        pos[j] = p
        order[last] = i
        pos[i] = last
        start[a + 1] = last
        a += 1
    while a > b:  # i becomes the first of bucket a, then the last of bucket a - 1
        first = start[a]
        j = order[first]
        p = pos[i]
        order[p] = j
        pos[j] = p
        order[first] = i
        pos[i] = first
        start[a] = first + 1
        a -= 1


@njit(cache=True, _nrt=False, inline="always")
def group(st, i):
    """User ``i``'s group: ``2 * recommender + (0 if cooperator else 1)``."""
    return 2 * st.rec[i] + (0 if st.strat[i] == COOPERATE else 1)


@njit(cache=True, _nrt=False, inline="always")
def change_group(st, i, g_old, g_new):
    """Re-file user ``i`` after its strategy or recommender changed."""
    G = len(st.gstart) - 1
    d = st.deg[i]
    move_key(st.gorder, st.gpos, st.gstart, i, g_old, g_new)
    move_key(st.dorder, st.dpos, st.dstart, i, d * G + g_old, d * G + g_new)
    if d > st.gmax[g_new]:
        st.gmax[g_new] = d


@njit(cache=True, _nrt=False, inline="always")
def change_degree(st, i, d_old, d_new):
    """Re-file user ``i`` after its degree went from ``d_old`` to ``d_new``."""
    G = len(st.gstart) - 1
    g = group(st, i)
    move_key(st.dorder, st.dpos, st.dstart, i, d_old * G + g, d_new * G + g)
    if d_new > st.gmax[g]:
        st.gmax[g] = d_new
