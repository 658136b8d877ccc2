"""What must hold of every state, checked from scratch (slow, O(N + m); for tests and debugging).

The kernel keeps several things incrementally (degrees, cooperator counts, sorted
indexes, counters); :func:`check_invariants` recomputes each from the graph and
compares, so any drift between the fast path and the definition shows up.
"""

from __future__ import annotations

import numpy as np

from model.core import groups
from model.core import state


class InvariantError(AssertionError):
    """A state that the model's rules can never produce."""


def _require(ok, message: str) -> None:
    if not ok:
        raise InvariantError(message)


def adjacency_sets(engine) -> list[set[int]]:
    """Each user's neighbours as a set, read from the slabs."""
    return [set(engine.neighbours(i).tolist()) for i in range(engine.n)]


def payoffs_from_scratch(engine) -> np.ndarray:
    """Each user's fitness summed game by game over its neighbours (MODEL.md, The game)."""
    st = engine.state
    out = np.zeros(engine.n)
    for i in range(engine.n):
        for j in engine.neighbours(i):
            out[i] += st.payoff[st.strat[i], st.strat[j]]
    return out


def check_invariants(engine, n_edges: int | None = None, n_follows: int | None = None) -> None:
    """Raise :class:`InvariantError` if the state is not one the rules can produce.

    ``n_edges`` and ``n_follows``, when given, are the numbers of ties and of follows
    (viewer-creator ties) the run started with: a rewire keeps both.
    """
    st = engine.state
    n = engine.n
    G = st.n_groups
    adj = adjacency_sets(engine)
    for i in range(n):
        nb = engine.neighbours(i)
        _require(len(nb) == len(adj[i]), f"user {i} has a repeated neighbour")
        _require(i not in adj[i], f"user {i} is its own neighbour")
        for j in adj[i]:
            _require(i in adj[int(j)], f"edge {i}-{j} is one-sided")
        _require(st.deg[i] == len(nb) <= st.cap[i], f"user {i}: degree or capacity is off")
        for s in range(st.off[i], st.off[i] + st.deg[i]):
            t = st.twin[s]
            _require(st.nbr[t] == i and st.twin[t] == s, f"user {i}: slot {s} has a wrong twin")
    if n_edges is not None:
        _require(int(st.deg.sum()) == 2 * n_edges,
                 f"edge count changed: {st.deg.sum() // 2} != {n_edges}")
    _check_kinds(engine, adj, n_follows)
    coop = st.strat == state.COOPERATE
    for i in range(n):
        _require(st.ncoop[i] == sum(bool(coop[j]) for j in adj[i]),
                 f"user {i}: cooperating-neighbour count is off")
    _require(st.cnt[state.N_COOP] == int(coop.sum()), "cooperator counter is off")
    _require(st.cnt[state.SUM_DEG2] == int((st.deg.astype(np.int64) ** 2).sum()),
             "sum of squared degrees is off")
    ends = [int(coop[i]) + int(coop[j]) for i in range(n) for j in adj[i] if i < j]
    _require(st.cnt[state.TIES_CC] == ends.count(2), "cooperator-cooperator tie count is off")
    _require(st.cnt[state.TIES_CD] == ends.count(1), "cooperator-defector tie count is off")
    g = groups.group_of(st.strat, st.rec)
    _require(G == groups.n_groups(len(st.source), engine.n_viewers < n),
             "the number of groups does not match the recommenders and creators")
    _check_index(st.gorder, st.gpos, st.gstart, g, G, "group index")
    _check_index(st.dorder, st.dpos, st.dstart, st.deg.astype(np.int64) * G + g, n * G,
                 "degree index")
    _require((st.present == groups.present_degrees(g, st.deg, G, n)).all(),
             "present-degree bits are off")
    _require(np.allclose(engine.payoffs(), payoffs_from_scratch(engine)),
             "payoffs differ from a recomputation")
    _require(st.cnt[state.REWIRES] <= st.cnt[state.REQUESTS], "more rewires than requests")
    _require(st.requests_by.sum() == st.cnt[state.REQUESTS], "requests by recommender do not add up")
    _require(st.rewires_by.sum() == st.cnt[state.REWIRES], "rewires by recommender do not add up")
    coop, degree = st.proposed_by[:, state.PROPOSED_COOP], st.proposed_by[:, state.PROPOSED_DEGREE]
    _require(((0 <= coop) & (coop <= st.rewires_by) & (degree >= 0)).all(),
             "what recommenders proposed does not fit the rewires they served")


def _check_kinds(engine, adj: list[set[int]], n_follows: int | None) -> None:
    """Creators (MODEL.md, Creators): no creator-creator tie; the number of follows is
    the engine's (and ``n_follows``); creators are filed under the catalogue; the
    quality counter matches."""
    st = engine.state
    viewers = engine.n_viewers
    follows = 0
    for c in range(viewers, engine.n):
        _require(all(j < viewers for j in adj[c]), f"creator {c} is tied to a creator")
        follows += len(adj[c])
    _require(follows == engine.n_follows, f"follows changed: {follows} != {engine.n_follows}")
    if n_follows is not None:
        _require(follows == n_follows, f"follows changed: {follows} != {n_follows}")
    R = len(st.source)
    _require((st.rec[:viewers] < R).all() and (st.rec[viewers:] == groups.catalogue(R)).all(),
             "a user without a recommender, or a creator with one")
    _require(st.cnt[state.N_QUALITY] == int(st.strat[viewers:].sum()),
             "quality-creator counter is off")


def _check_index(order, pos, start, keys, n_keys, name) -> None:
    n = len(order)
    _require(sorted(order.tolist()) == list(range(n)), f"{name}: not a permutation")
    _require((pos[order] == np.arange(n)).all(), f"{name}: positions are not its inverse")
    _require((np.diff(keys[order]) >= 0).all(), f"{name}: not sorted by key")
    expected = np.zeros(n_keys + 1, dtype=np.int64)
    np.cumsum(np.bincount(keys, minlength=n_keys), out=expected[1:])
    _require((start == expected).all(), f"{name}: bucket starts are off")
