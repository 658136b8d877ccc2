"""The model's state: a handful of NumPy arrays, the one source of truth.

The compiled kernels advance these arrays; the Mesa agents, metrics, dashboard and
sweeps read them. Nothing else holds a copy of the dynamics.

Layout, for N nodes and R recommenders (G = 2R groups, 2R + 2 with creators):

- **Graph** as per-node *slabs* in one pool: the neighbours of ``i`` are
  ``nbr[off[i] : off[i] + deg[i]]``, with room for ``cap[i]`` of them. A node whose
  slab is full moves to the end of the pool with twice the room; when the pool runs
  low the engine compacts it between updates (order within each slab is kept, so
  memory management never changes a result). ``twin[s]`` is the slot holding the
  same tie seen from the other end, so a tie is removed in O(1) even from a hub.
- **Users**: ``strat`` (1 = cooperate, 0 = defect), ``rec`` (recommender index),
  ``ncoop`` (number of cooperating neighbours: a user's payoff is exact and O(1)
  from ``deg``, ``ncoop`` and ``strat``, with no floating-point drift).
- **Indexes** for recommenders: every user belongs to a group (its recommender and
  strategy; the encoding is :mod:`model.core.groups`). ``gorder`` lists users sorted by group
  (``gstart[g]`` .. ``gstart[g + 1]``), ``dorder`` sorted by ``deg * G + g``
  (``dstart``). A recommender's cooperators, defectors or all users are then one
  contiguous range, at any degree, and a candidate is drawn in O(1) expected time:
  no scan of all users per request.
- **Recommenders**: each one's selector codes (``source``, ``who``, ``rank``, written
  by its policy, :mod:`model.policies`, and rewritable between chunks of updates by a
  policy with state) and a ``checkpoint``: the kernel stops right after the request
  that brings ``requests_by[r]`` to it, so a policy can act every W requests exactly.
- **Creators** are the last nodes, ``cnt[N_VIEWERS]`` .. N - 1 (none by default, when
  ``cnt[N_VIEWERS]`` = N). Their ``rec`` is R, *the catalogue*: every recommender ranks
  the same creators, so they are filed as the users of one more recommender, after the
  R real ones (:mod:`model.core.groups`), and need no array of their own.
- **Bandit recommenders** (:mod:`model.core.learners`): each one's learner (``bpar``
  row, its arms' rows of ``btab`` and their selector codes in ``bsel``, from
  ``bat[r]`` to ``bat[r + 1]``, its own stream ``brng``); the run loop ends their
  windows itself and logs each in ``blog``.
- **Counters** (``cnt``), per-recommender tallies (requests, rewires, and what the
  users each recommender proposed were: ``proposed_by``) and the RNG state.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

COOPERATE = 1
DEFECT = 0

# Slots of the int64 counter array ``cnt``.
STEPS = 0  #: elementary updates done
REWIRES = 1  #: completed rewires
REQUESTS = 2  #: times a recommender was asked for a new neighbour
OPPORTUNITIES = 3  #: structural updates on a dissatisfied link (y is D)
FIXATION_STEP = 4  #: step at which every user had one strategy, or -1
N_COOP = 5  #: number of cooperators
SUM_DEG2 = 6  #: sum over users of degree squared (for the degree variance)
STAMP = 7  #: generation counter for the ``mark`` scratch array
POOL_END = 8  #: first free slot of ``nbr``
MAX_CAP = 9  #: largest slab capacity handed out
ALLOW_ISOLATION = 10
STOP_ON_FIXATION = 11
UNSERVED = 12  #: requests for which the recommender had no valid candidate
MARKED = 13  #: whether the current request has marked the rewiring user's neighbours
TIES_CC = 14  #: ties between two cooperators
TIES_CD = 15  #: ties between a cooperator and a defector (the rest are between defectors)
# Creators (MODEL.md, "Creators"): nodes N_VIEWERS .. N - 1; with none, N_VIEWERS = N.
N_VIEWERS = 16  #: number of viewers (users); the nodes from here on are creators
N_QUALITY = 17  #: creators playing C (quality); N_COOP counts them too
FOLLOWS_REWIRED = 18  #: completed rewires of a viewer-creator tie (a follow)
CREATOR_FITNESS = 19  #: what creators compare: 0 their game payoff, 1 their audience
BLOG_ROWS = 20  #: rows of ``blog`` written since the engine last emptied it
N_COUNTERS = 21

# Columns of ``proposed_by``: what each recommender proposed in the requests it served
# (as many as ``rewires_by``): how many of those users cooperated, and the sum of their
# degrees before the new tie. The dashboard's "what each recommender does" reads them.
PROPOSED_COOP = 0
PROPOSED_DEGREE = 1

#: Values of ``cnt[CREATOR_FITNESS]``.
FITNESS_PAYOFF = 0
FITNESS_AUDIENCE = 1

# Slots of the float64 parameter array ``fpar``.
BETA = 0
BETA_MED = 1
P_RECOMMENDER = 2  #: probability of a recommender update
P_STRATEGY = 3  #: probability of a strategy update (given by W and W2)
BETA_CREATOR = 4  #: selection intensity of creators' imitation
N_FPAR = 5


class EngineState(NamedTuple):
    """All arrays of one model. Passed whole to the compiled kernels."""

    deg: np.ndarray  # int32[N]
    off: np.ndarray  # int64[N]
    cap: np.ndarray  # int32[N]
    nbr: np.ndarray  # int32[pool]
    twin: np.ndarray  # int32[pool]: the slot of the same tie in the other end's slab
    strat: np.ndarray  # int8[N]
    rec: np.ndarray  # int32[N]: a viewer's recommender; R (the catalogue) for a creator
    ncoop: np.ndarray  # int32[N]
    gorder: np.ndarray  # int32[N]
    gpos: np.ndarray  # int32[N]
    gstart: np.ndarray  # int64[G + 1]
    dorder: np.ndarray  # int32[N]
    dpos: np.ndarray  # int32[N]
    dstart: np.ndarray  # int64[N * G + 1]
    present: np.ndarray  # uint64[G, N // 64 + 1]: bit d of row g: some user of g has degree d
    mark: np.ndarray  # int64[N]: scratch marks, compared with cnt[STAMP]
    cnt: np.ndarray  # int64[N_COUNTERS]
    requests_by: np.ndarray  # int64[R]
    rewires_by: np.ndarray  # int64[R]
    proposed_by: np.ndarray  # int64[R, 2]: of the users it proposed (PROPOSED_COOP, _DEGREE)
    payoff: np.ndarray  # float64[2, 2]: payoff[my strategy, their strategy]
    # -- recommenders: what the kernel reads of each one's policy ---------------------
    source: np.ndarray  # int8[R]: selector codes of each recommender's policy
    who: np.ndarray  # int8[R]
    rank: np.ndarray  # int8[R]
    checkpoint: np.ndarray  # int64[R]: stop once requests_by[r] reaches this (-1: never)
    # A learned recommender's parameters and workspace (model/core/learned.py): its slice
    # is ``lw[lw_at[r]:lw_at[r + 1]]``, empty for every other recommender.
    lw: np.ndarray  # float64[total]
    lw_at: np.ndarray  # int64[R + 1]
    # Bandit recommenders' learners (model/core/learners.py): a row of bpar and brng
    # each (ALGO 0 for any other recommender), arms ``bat[r]:bat[r + 1]`` of btab/bsel.
    bpar: np.ndarray  # float64[R, learners.N_PAR]
    btab: np.ndarray  # float64[arms, learners.N_TAB]
    bat: np.ndarray  # int64[R + 1]
    bsel: np.ndarray  # int8[arms, 3]: each arm's selector codes (source, who, rank)
    brng: np.ndarray  # uint64[R, 4]
    blog: np.ndarray  # float64[rows, 4]: windows ended (recommender, step, arm, reward)
    fpar: np.ndarray  # float64[N_FPAR]
    rng: np.ndarray  # uint64[4]

    @property
    def n(self) -> int:
        return len(self.deg)

    @property
    def n_groups(self) -> int:
        return len(self.gstart) - 1


def payoff_matrix(T: float, S: float) -> np.ndarray:
    """``payoff[a, b]``: what a user playing ``a`` earns against ``b`` (R=1, P=0)."""
    m = np.zeros((2, 2))
    m[COOPERATE, COOPERATE] = 1.0
    m[COOPERATE, DEFECT] = S
    m[DEFECT, COOPERATE] = T
    m[DEFECT, DEFECT] = 0.0
    return m


def update_probabilities(W: float, W2: float) -> tuple[float, float]:
    """Probabilities of a recommender update and of a strategy update (MODEL.md, step 3).

    >>> update_probabilities(1.0, 0.0)
    (0.0, 0.5)
    >>> update_probabilities(float("inf"), 0.0)
    (0.0, 0.0)
    """
    p_rec = 1.0 if np.isinf(W2) else W2 / (1.0 + W2)
    p_strat = 0.0 if np.isinf(W) else (1.0 - p_rec) / (1.0 + W)
    return p_rec, p_strat
