"""Groups: how users are filed for recommenders, in one place.

A recommender proposes candidates from a *range* of users: its cooperators, its
defectors, or all of its users. Every user belongs to one group,

    g = GROUPS_PER_RECOMMENDER * recommender + (0 if cooperator else 1),

so a recommender's groups are adjacent and each of those ranges is contiguous in
the sorted indexes (:mod:`model.core.indexes`): in ``gorder`` over all degrees,
in ``dorder`` at any one degree. This module is the only place that knows the
encoding.

**Creators** are filed as the users of one more recommender, *the catalogue*, with
index R after the R real ones (their ``rec`` is R): groups 2R (quality) and 2R + 1
(clickbait). Every recommender ranks the same catalogue (MODEL.md, "Creators"), so
a request for a creator ranges over :func:`catalogue_groups`, with the same
``who`` codes as a request for a user. Without creators there are no such groups
and nothing about the encoding changes.

The compiled functions (for the kernel) and the NumPy ones (for building and
checking a state) sit side by side and must agree; :mod:`model.core.invariants`
recomputes the indexes with the NumPy ones after random runs.

>>> group_of(np.array([1, 0, 1]), np.array([0, 0, 1])).tolist()
[0, 1, 2]
>>> recommender_groups(1)
(2, 4)
"""

from __future__ import annotations

import numpy as np

from model.core.jit import compiled
from model.core.selectors import Who
from model.core.state import COOPERATE

#: A recommender's groups: its cooperators, then its defectors.
GROUPS_PER_RECOMMENDER = 2
_COOP = int(Who.COOPERATORS)
_DEFECT = int(Who.DEFECTORS)


# -- compiled: for the kernel ------------------------------------------------------
@compiled
def group_code(rec, strat):
    """The group of a user with recommender ``rec`` playing ``strat``."""
    return GROUPS_PER_RECOMMENDER * rec + (0 if strat == COOPERATE else 1)


@compiled(inline=True)
def group(st, i):
    """User ``i``'s group now."""
    return group_code(st.rec[i], st.strat[i])


@compiled
def candidate_groups(r, who):
    """The groups ``lo .. hi - 1`` of recommender ``r``'s users that ``who`` admits.

    ``who`` is a :class:`~model.core.selectors.Who` code already resolved against the
    requester (never SAME_AS_USER).
    """
    base = GROUPS_PER_RECOMMENDER * r
    if who == _COOP:
        return base, base + 1
    if who == _DEFECT:
        return base + 1, base + 2
    return base, base + GROUPS_PER_RECOMMENDER


@compiled
def catalogue_groups(n_recommenders, who):
    """The creators' groups that ``who`` admits: the catalogue's, recommender index R."""
    return candidate_groups(n_recommenders, who)


# -- NumPy: for building and checking a state --------------------------------------
def n_groups(n_recommenders: int, creators: bool = False) -> int:
    """Groups of a state with this many recommenders (and the catalogue, with creators)."""
    return GROUPS_PER_RECOMMENDER * (n_recommenders + int(creators))


def catalogue(n_recommenders: int) -> int:
    """The ``rec`` of every creator: one past the real recommenders."""
    return n_recommenders


def group_of(strat: np.ndarray, rec: np.ndarray) -> np.ndarray:
    """The group of each user (the NumPy twin of :func:`group_code`)."""
    return GROUPS_PER_RECOMMENDER * rec.astype(np.int64) + (1 - strat.astype(np.int64))


def recommender_groups(r: int) -> tuple[int, int]:
    """All of recommender ``r``'s groups, ``lo .. hi - 1``."""
    return GROUPS_PER_RECOMMENDER * r, GROUPS_PER_RECOMMENDER * (r + 1)


def cooperator_group(r: int) -> int:
    """The group of recommender ``r``'s cooperators."""
    return GROUPS_PER_RECOMMENDER * r


def users_of(gstart: np.ndarray, r: int) -> int:
    """How many users recommender ``r`` has: O(1), from the group index."""
    lo, hi = recommender_groups(r)
    return int(gstart[hi] - gstart[lo])


def cooperators_of(gstart: np.ndarray, r: int) -> int:
    """How many of recommender ``r``'s users cooperate: O(1), from the group index."""
    g = cooperator_group(r)
    return int(gstart[g + 1] - gstart[g])


def members(gorder: np.ndarray, gstart: np.ndarray, r: int) -> np.ndarray:
    """Recommender ``r``'s users, as a view of the group index (in no useful order)."""
    lo, hi = recommender_groups(r)
    return gorder[gstart[lo]:gstart[hi]]


def sorted_index(keys: np.ndarray, n_keys: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A permutation sorting ``keys``, each element's position in it, and bucket starts.

    ``order[start[k]:start[k + 1]]`` are the elements whose key is ``k``; ``pos`` is
    the inverse permutation. The kernels keep all three up to date as keys change.
    """
    order = np.argsort(keys, kind="stable").astype(np.int32)
    pos = np.empty_like(order)
    pos[order] = np.arange(len(order), dtype=np.int32)
    start = np.zeros(n_keys + 1, dtype=np.int64)
    np.cumsum(np.bincount(keys, minlength=n_keys), out=start[1:])
    return order, pos, start


def present_degrees(groups: np.ndarray, deg: np.ndarray, n_groups: int, n: int) -> np.ndarray:
    """Bitsets ``present[g]``: bit d is set when some user of group g has degree d."""
    bits = np.zeros((n_groups, n // 64 + 1), dtype=np.uint64)
    flat = bits.reshape(-1)
    word = groups.astype(np.int64) * bits.shape[1] + deg // 64
    np.bitwise_or.at(flat, word, np.left_shift(np.uint64(1), (deg % 64).astype(np.uint64)))
    return bits


def build_indexes(strat: np.ndarray, rec: np.ndarray, deg: np.ndarray,
                  n_recommenders: int, creators: bool = False) -> dict[str, np.ndarray]:
    """Every index of :class:`~model.core.state.EngineState` for these users, from scratch:
    ``gorder, gpos, gstart`` (by group), ``dorder, dpos, dstart`` (by degree, then group)
    and the ``present`` degree bitsets. ``creators``: the state has creators (filed
    under the catalogue, ``rec`` = ``n_recommenders``)."""
    n = len(strat)
    G = n_groups(n_recommenders, creators)
    g = group_of(strat, rec)
    gorder, gpos, gstart = sorted_index(g, G)
    dorder, dpos, dstart = sorted_index(deg.astype(np.int64) * G + g, n * G)
    return dict(gorder=gorder, gpos=gpos, gstart=gstart, dorder=dorder, dpos=dpos,
                dstart=dstart, present=present_degrees(g, deg, G, n))
