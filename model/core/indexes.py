"""Keeping the sorted user indexes up to date as strategies, recommenders and degrees change.

Beside the degree index, ``present[g]`` is a bitset of the degrees that users of
group ``g`` have, so a degree-ranked recommender finds the next degree its
candidates have without stepping through the degrees they do not.


An index is a permutation ``order`` of the users sorted by an integer key, its
inverse ``pos`` and bucket boundaries ``start`` (see :func:`model.core.groups.sorted_index`).
Moving a user from key ``a`` to key ``b`` swaps it across the buckets in between, one
swap per bucket, so a degree change costs G swaps and a strategy change one.
"""

import numpy as np

from model.core.groups import group
from model.core.jit import compiled

_ONE = np.uint64(1)
_ALL = np.uint64(0xFFFFFFFFFFFFFFFF)


@compiled
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


@compiled(inline=True)
def refile_by_degree(st, i, d_old, g_old, d_new, g_new):
    """Move user ``i`` in the degree index, keeping the present-degree bits in step."""
    G = len(st.gstart) - 1
    k_old = d_old * G + g_old
    move_key(st.dorder, st.dpos, st.dstart, i, k_old, d_new * G + g_new)
    st.present[g_new, d_new >> 6] |= _ONE << np.uint64(d_new & 63)
    if st.dstart[k_old + 1] == st.dstart[k_old]:
        st.present[g_old, d_old >> 6] &= ~(_ONE << np.uint64(d_old & 63))


@compiled(inline=True)
def change_group(st, i, g_old, g_new):
    """Re-file user ``i`` after its strategy or recommender changed."""
    d = st.deg[i]
    move_key(st.gorder, st.gpos, st.gstart, i, g_old, g_new)
    refile_by_degree(st, i, d, g_old, d, g_new)


@compiled(inline=True)
def change_degree(st, i, d_old, d_new):
    """Re-file user ``i`` after its degree went from ``d_old`` to ``d_new``."""
    g = group(st, i)
    refile_by_degree(st, i, d_old, g, d_new, g)


@compiled
def _top_bit(x):
    """Index of the highest set bit of a non-zero uint64."""
    r = 0
    for shift in (32, 16, 8, 4, 2, 1):
        if x >> np.uint64(shift):
            x >>= np.uint64(shift)
            r += shift
    return r


@compiled(inline=True)
def highest_present(st, g, d):
    """The highest degree <= d that some user of group g has, or -1."""
    if d < 0:
        return -1
    w = d >> 6
    word = st.present[g, w] & (_ALL >> np.uint64(63 - (d & 63)))
    while word == 0:
        w -= 1
        if w < 0:
            return -1
        word = st.present[g, w]
    return w * 64 + _top_bit(word)


@compiled(inline=True)
def lowest_present(st, g, d):
    """The lowest degree >= d that some user of group g has, or -1."""
    n_words = st.present.shape[1]
    w = d >> 6
    if w >= n_words:
        return -1
    word = st.present[g, w] & (_ALL << np.uint64(d & 63))
    while word == 0:
        w += 1
        if w >= n_words:
            return -1
        word = st.present[g, w]
    return w * 64 + _top_bit(word & (~word + _ONE))


@compiled(inline=True)
def next_degree(st, g_lo, g_hi, d, upward):
    """The next degree after d (above if ``upward``, else below) that groups g_lo..g_hi-1 have.

    Returns -1 if there is none. Degrees nobody in the groups has are skipped 64 at a time.
    """
    best = -1
    for g in range(g_lo, g_hi):
        e = lowest_present(st, g, d + 1) if upward else highest_present(st, g, d - 1)
        if e >= 0 and (best < 0 or (e < best if upward else e > best)):
            best = e
    return best
