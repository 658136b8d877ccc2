"""Test helpers: hand-built engines and the reference (plain Python) reading of MODEL.md."""

from __future__ import annotations

from model.engine import Engine
from model.core.selectors import Rank, Source, Who

INF = float("inf")


def hand_built(edges, strategies, *, recommenders=None, recommender_of=None, **params):
    """An engine on exactly this graph: ``strategies`` is a string like "CDDC"; with
    ``creators=c`` the last c nodes are creators."""
    n = len(strategies)
    k = 2 * len(edges) / n
    params.setdefault("rng", 1)
    return Engine.from_parts(edges, strategies, recommender_of, n=n, k=max(k, 1e-9),
                             recommenders=recommenders or {"any-random": 1.0}, **params)


def edge_set(engine) -> set[tuple[int, int]]:
    return {tuple(map(int, e)) for e in engine.edges()}


def reference_candidates(engine, u: int, v: int) -> set[int] | None:
    """MODEL.md's candidate set for recommend(u, v), computed the slow, obvious way.

    None means the policy is never asked; an empty set means no valid candidate.
    """
    st = engine.state
    n = engine.n
    adj = [set(engine.neighbours(i).tolist()) for i in range(n)]
    r = st.rec[u]  # the selector the kernel executes now (a policy with state may change it)
    source, who, rank = Source(st.source[r]), Who(st.who[r]), Rank(st.rank[r])
    if source == Source.NEVER:
        return None
    viewers = engine.n_viewers
    valid = {w for w in range(n) if w != u and w not in adj[u]}
    if v >= viewers:  # u leaves a creator: a creator, from the catalogue all recommenders rank
        cands = {w for w in valid if w >= viewers}
        if source == Source.PARTNER_NEIGHBOURS:
            return cands  # local: any valid creator
    else:  # u leaves a viewer: a viewer
        valid = {w for w in valid if w < viewers}
        if source == Source.PARTNER_NEIGHBOURS:
            return valid & adj[v]
        cands = {w for w in valid if st.rec[w] == st.rec[u]}
    wanted = {Who.COOPERATORS: 1, Who.DEFECTORS: 0, Who.SAME_AS_USER: int(st.strat[u])}
    if who in wanted:
        cands = {w for w in cands if st.strat[w] == wanted[who]}
    if cands and rank != Rank.RANDOM:
        degrees = {w: len(adj[w]) for w in cands}
        best = (max if rank == Rank.HIGHEST_DEGREE else min)(degrees.values())
        cands = {w for w in cands if degrees[w] == best}
    return cands
