"""The engine: builds a model's state from its parameters and drives the kernel.

It is the whole simulation without Mesa: the Mesa model, the command line, the
dashboard and sweeps all advance an :class:`Engine`. It owns what the kernel
cannot do, between chunks of updates: growing the neighbour pool, and telling
recommenders whose policies keep state what happened (:class:`RecommenderView`),
so they can change what they do.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from model.core import groups, learners
from model.core import state
from model.core.adjacency import MAX_POOL, build_slabs, compact, headroom, initial_capacity
from model.core.graph import (
    exact_assignment,
    gnm_edges,
    largest_remainder,
    n_edges,
    regular_edges,
)
from model.core.kernel import CHECKPOINT, FIXATED, NEEDS_SPACE, entry_point_for
from model.parameters import CREATOR_FITNESS, creator_count, mix_entries, mix_shares, validate
from model.policies import Policy, get_policy
from model.core.rng import new_state


class Engine:
    """One simulation: validated parameters, the state arrays, and :meth:`advance`.

    >>> e = Engine(n=50, k=4, rng=7, max_steps=500)
    >>> e.advance(10**9)
    500
    >>> e.steps, e.running
    (500, False)
    """

    def __init__(self, **params: Any):
        p = with_seed(validate(params))
        self._start(p, initial_state(p))

    def _start(self, params: dict, arrays: state.EngineState) -> None:
        self.params = params
        self.recommender_names: list[str] = list(params["recommenders"])
        #: each recommender's policy, an instance carrying its settings (and any state)
        self.policies: list[Policy] = make_policies(params["recommenders"])
        self.state = arrays
        #: the parameters the run started with (``params`` follows interventions)
        self.initial_params = dict(params)
        #: interventions applied so far, oldest first (:mod:`model.interventions`)
        self.interventions: list[dict] = []
        #: the number of ties, constant: a rewire replaces one tie by another
        self.n_edges = int(arrays.deg.sum()) // 2
        #: viewer-creator ties (follows), constant too: a rewire keeps a tie's kind
        self.n_follows = int(arrays.deg[self.n_viewers:].sum())
        self.stopped_at_fixation = bool(params["stop_on_fixation"]
                                        and self.fixation_step is not None)
        self.views = [RecommenderView(self, r) for r in range(len(self.policies))]
        #: the recommenders whose policies the engine tells what happened
        self.stateful = [r for r, policy in enumerate(self.policies) if policy.stateful]
        for r in self.stateful:
            self.policies[r].start(self.views[r])

    @classmethod
    def from_parts(cls, edges, strategies, recommender_of=None, creators: int = 0,
                   **params: Any) -> "Engine":
        """An engine on a given graph: ``edges`` (pairs), ``strategies`` ("C"/"D" or 1/0 each),
        ``recommender_of`` (index into ``params["recommenders"]`` each viewer, default 0);
        the last ``creators`` nodes are creators (no tie may join two of them).

        >>> e = Engine.from_parts([(0, 1), (1, 2)], "CDC", n=3, k=4/3, rng=1)
        >>> e.state.deg.tolist(), e.counter(state.N_COOP)
        ([1, 2, 1], 2)
        """
        self = cls.__new__(cls)
        n = params["n"]
        if creators:
            params = dict(params, creator_share=creators / n)
            params.setdefault("follows", 0.0)
            params["k"] = min(params["k"], n - creators - 1)
        p = with_seed(validate(params))
        strat = np.array([s in ("C", 1, True) for s in strategies], dtype=np.int8)
        n_viewers = n - creator_count(p)
        rec = np.zeros(n_viewers, np.int32) if recommender_of is None \
            else np.asarray(recommender_of)[:n_viewers]
        rec = np.concatenate([rec, np.full(n - n_viewers, len(p["recommenders"]))]).astype(np.int32)
        rng_words = new_state(np.random.SeedSequence(p["rng"]))
        self._start(p, assemble(p["n"], np.asarray(edges), strat, rec, p, rng_words))
        return self

    # -- twins, branches and interventions ---------------------------------------
    def twin(self, **changes: Any) -> "Engine":
        """A new engine from this one's seed and initial state, differing only in
        ``changes`` (:func:`model.twins.twin_engine`)."""
        from model.twins import twin_engine

        return twin_engine(self.initial_params, **changes)

    def branch(self, **changes: Any) -> "Engine":
        """A copy of this engine as it is now, with rate ``changes`` applied to the
        copy (:func:`model.twins.branch_engine`)."""
        from model.twins import branch_engine

        return branch_engine(self, **changes)

    def intervene(self, label: str | None = None, **what: Any) -> dict:
        """Apply an intervention now (:func:`model.interventions.intervene`); return its record."""
        from model.interventions import intervene

        return intervene(self, label=label, **what)

    # -- running ---------------------------------------------------------------
    @property
    def running(self) -> bool:
        """False once the time limit is reached or, with the fixation stop on, at fixation."""
        limit = self.params["max_steps"]
        return not self.stopped_at_fixation and (limit is None or self.steps < limit)

    def advance(self, n_updates: int) -> int:
        """Do up to ``n_updates`` elementary updates (fewer at a stop); return how many."""
        limit = self.params["max_steps"]
        if limit is not None:
            n_updates = min(n_updates, limit - self.steps)
        done = 0
        dispatcher = kernel = entry_point_for(self.state)
        while done < n_updates and not self.stopped_at_fixation:
            k, why = kernel(self.state, n_updates - done)
            done += k
            # Calls after the first reuse the compiled code it ran, skipping the
            # dispatcher's type checks (~20 us against ~3 us): the kernel stops for
            # every checkpoint of a stateful policy and every compaction of the pool.
            # Only when that code is the one compiled version, so the types are its own.
            kernel = _entry_point(dispatcher)
            if why == FIXATED:
                self.stopped_at_fixation = True
            elif why == NEEDS_SPACE:
                self._grow_pool()
            elif why == CHECKPOINT:
                self._checkpoints()  # a policy may have changed its selector
                needed = entry_point_for(self.state)
                if needed is not dispatcher:
                    dispatcher = kernel = needed
        self.read_bandit_log()
        for r in self.stateful:
            self.policies[r].between_chunks(self.views[r])
        return done

    def read_bandit_log(self) -> None:
        """Hand the windows the run loop ended (``blog``) to their recommenders' policies
        (:meth:`Policy.windows_ended`), oldest first, and empty the log."""
        st = self.state
        rows = int(st.cnt[state.BLOG_ROWS])
        if rows:
            log = st.blog[:rows]
            for r in np.unique(log[:, 0]).astype(int):
                mine = log[log[:, 0] == r]
                self.policies[r].windows_ended(mine[:, 1].astype(np.int64),
                                               mine[:, 2].astype(np.int64), mine[:, 3])
            st.cnt[state.BLOG_ROWS] = 0

    def _checkpoints(self) -> None:
        """Tell each recommender that has reached its checkpoint (one request can
        reach at most one; the loop is for clarity). The bandits' log is read first:
        the run loop stops at a bandit's checkpoint only when the log is full."""
        self.read_bandit_log()
        st = self.state
        for r in self.stateful:
            if st.requests_by[r] == st.checkpoint[r]:
                st.checkpoint[r] = -1
                self.policies[r].at_checkpoint(self.views[r])

    def _grow_pool(self) -> None:
        st = self.state
        new_cap = initial_capacity(st.deg)
        need = int(new_cap.sum())
        size = need + need // 2 + headroom(int(max(new_cap.max(), st.cnt[state.MAX_CAP]))) + 64
        if size > MAX_POOL:
            raise MemoryError(f"the neighbour pool would need {size:,} slots; "
                              f"the most it can hold is {MAX_POOL:,}")
        off, nbr, twin, end = compact(st.deg, st.off, st.nbr, st.twin, new_cap, size)
        st.off[:] = off
        st.cap[:] = new_cap
        st.cnt[state.POOL_END] = end
        st.cnt[state.MAX_CAP] = int(new_cap.max())
        self.state = st._replace(nbr=nbr, twin=twin)

    # -- reading ---------------------------------------------------------------
    @property
    def seed(self) -> int:
        """The seed of this run (drawn from the system when none was given)."""
        return self.params["rng"]

    @property
    def n(self) -> int:
        return self.state.n

    @property
    def steps(self) -> int:
        """Elementary updates done so far."""
        return int(self.state.cnt[state.STEPS])

    @property
    def fixation_step(self) -> int | None:
        """The step at which every user first played one strategy, if that happened."""
        f = int(self.state.cnt[state.FIXATION_STEP])
        return None if f < 0 else f

    def counter(self, slot: int) -> int:
        """One of the counters of :mod:`model.core.state` (REWIRES, REQUESTS, ...)."""
        return int(self.state.cnt[slot])

    def users_of(self, r: int) -> int:
        """How many users use recommender ``r`` now."""
        return groups.users_of(self.state.gstart, r)

    @property
    def n_viewers(self) -> int:
        """Users who are viewers: nodes 0 .. n_viewers - 1 (every node without creators)."""
        return int(self.state.cnt[state.N_VIEWERS])

    @property
    def n_creators(self) -> int:
        """Creators: the last nodes, n_viewers .. n - 1."""
        return self.n - self.n_viewers

    def neighbours(self, i: int) -> np.ndarray:
        """User i's neighbours, as a view of the pool (copy it to keep it)."""
        st = self.state
        return st.nbr[st.off[i]: st.off[i] + st.deg[i]]

    def edges(self) -> np.ndarray:
        """The current edges as an (m, 2) array, each once with u < v."""
        st = self.state
        owner = np.repeat(np.arange(self.n, dtype=np.int32), st.deg)
        idx = np.repeat(st.off - np.concatenate(([0], np.cumsum(st.deg)[:-1])), st.deg)
        other = st.nbr[np.arange(len(owner)) + idx]
        keep = owner < other
        return np.stack([owner[keep], other[keep]], axis=1)

    def payoffs(self, users=slice(None)):
        """Fitness, the sum of a user's payoffs against each neighbour: of every user,
        or of ``users`` (an index, a slice or an index array)."""
        st = self.state
        c = st.ncoop[users].astype(np.float64)
        d = st.deg[users] - c
        s = st.strat[users].astype(np.int64)
        return st.payoff[s, state.COOPERATE] * c + st.payoff[s, state.DEFECT] * d


_sole_version: dict = {}  # each kernel's entry point, once it is known to be the only one


def _entry_point(kernel):
    """The compiled ``kernel`` itself when exactly one version of it exists (the one
    the dispatcher just ran for this state's types), else the dispatcher. Versions are
    never removed, so the only one, once found, stays so while the count is 1."""
    if len(kernel.overloads) != 1:
        return kernel
    if kernel not in _sole_version:
        (version,) = kernel.overloads.values()  # ~0.1 ms: once per process
        _sole_version[kernel] = version.entry_point
    return _sole_version[kernel]


def with_seed(p: dict) -> dict:
    """Parameters whose ``rng`` is a concrete seed: a fresh 63-bit one if it was None,
    so every run, seeded or not, can be replayed from its recorded parameters."""
    if p["rng"] is None:
        p = dict(p, rng=int(np.random.SeedSequence().entropy % 2**63))
    return p


def initial_state(p: dict, fill_order: list[int] | None = None) -> state.EngineState:
    """The initial state for validated, seeded parameters ``p``: graph, placement and
    kernel streams are spawned from the seed, so the same seed gives the same state."""
    graph_seed, placement_seed, kernel_seed = np.random.SeedSequence(p["rng"]).spawn(3)
    return build_state(p, np.random.default_rng(graph_seed),
                       np.random.default_rng(placement_seed), new_state(kernel_seed),
                       fill_order)


def build_state(p: dict, graph_rng: np.random.Generator, place_rng: np.random.Generator,
                rng_words: np.ndarray, fill_order: list[int] | None = None) -> state.EngineState:
    """The initial state of MODEL.md for validated parameters ``p``.

    Users get recommenders by a seeded permutation filled with each recommender's
    count in turn, in ``fill_order`` (default: the mix's order); a twin passes the
    order that keeps its recommenders' users where the original's were
    (:func:`model.twins.fill_order`).
    """
    n_creators = creator_count(p)
    n = p["n"] - n_creators  # the users (viewers); creators come after them
    m = n_edges(n, p["k"])
    edges = (regular_edges(n, int(p["k"]), graph_rng) if p["graph"] == "regular"
             else gnm_edges(n, m, graph_rng))
    n_coop = int(round(p["coop_init"] * n))
    strat = exact_assignment(n, [n - n_coop, n_coop], place_rng).astype(np.int8)
    shares = list(mix_shares(p["recommenders"]).values())
    counts = largest_remainder(n, shares)
    order = np.arange(len(counts)) if fill_order is None else np.asarray(fill_order)
    rec = order[exact_assignment(n, [counts[r] for r in order], place_rng)].astype(np.int32)
    if n_creators:  # drawn after everything else: without creators nothing changes
        edges = np.concatenate([edges, follow_edges(n, n_creators, p["follows"], graph_rng)])
        quality = int(round(p["creator_coop_init"] * n_creators))
        strat = np.concatenate([strat, exact_assignment(
            n_creators, [n_creators - quality, quality], place_rng).astype(np.int8)])
        rec = np.concatenate([rec, np.full(n_creators, groups.catalogue(len(counts)),
                                           dtype=np.int32)])
    return assemble(n + n_creators, edges, strat, rec, p, rng_words)


def follow_edges(n_viewers: int, n_creators: int, follows: float,
                 rng: np.random.Generator) -> np.ndarray:
    """round(n_viewers * follows) distinct viewer-creator ties, uniformly at random among
    the n_viewers x n_creators possible ones (a bipartite G(n, m)); creators are nodes
    n_viewers .. n_viewers + n_creators - 1.

    >>> e = follow_edges(4, 3, 1.5, np.random.default_rng(1))
    >>> e.shape, bool((e[:, 0] < 4).all() and (e[:, 1] >= 4).all())
    ((6, 2), True)
    """
    m = int(round(n_viewers * follows))
    pairs = rng.choice(n_viewers * n_creators, size=m, replace=False)
    return np.stack([pairs // n_creators, n_viewers + pairs % n_creators], axis=1).astype(np.int32)


def assemble(n: int, edges: np.ndarray, strat: np.ndarray, rec: np.ndarray, p: dict,
             rng_words: np.ndarray) -> state.EngineState:
    """A state from an explicit graph, strategies and recommenders.

    Used by :func:`build_state`, and by tests that hand-build a small case.
    """
    edges = np.asarray(edges, dtype=np.int32).reshape(-1, 2)
    strat = np.asarray(strat, dtype=np.int8)
    rec = np.asarray(rec, dtype=np.int32)
    R = len(p["recommenders"])
    n_viewers = n - creator_count(p)
    deg0 = np.bincount(edges.ravel(), minlength=n).astype(np.int32)
    cap = initial_capacity(deg0)
    pool_size = int(cap.sum()) * 3 // 2 + headroom(int(cap.max())) + 64
    off, nbr, twin, deg, end = build_slabs(n, edges, cap, pool_size)
    ncoop = np.bincount(edges[:, 0], weights=strat[edges[:, 1]], minlength=n) \
        + np.bincount(edges[:, 1], weights=strat[edges[:, 0]], minlength=n)
    selectors = np.array([get_policy(policy).selector()
                          for _, policy, _ in mix_entries(p["recommenders"])], dtype=np.int8)
    cnt = np.zeros(state.N_COUNTERS, dtype=np.int64)
    n_coop = int(strat.sum())
    cnt[state.N_COOP] = n_coop
    cnt[state.N_VIEWERS] = n_viewers
    cnt[state.N_QUALITY] = quality = int(strat[n_viewers:].sum())
    cnt[state.CREATOR_FITNESS] = CREATOR_FITNESS.index(p["creator_fitness"])
    cnt[state.FIXATION_STEP] = 0 if fixated(n_coop - quality, n_viewers, quality,
                                            n - n_viewers) else -1
    cnt[state.SUM_DEG2] = int((deg.astype(np.int64) ** 2).sum())
    ends = strat[edges[:, 0]].astype(np.int64) + strat[edges[:, 1]]
    cnt[state.TIES_CC] = int((ends == 2).sum())
    cnt[state.TIES_CD] = int((ends == 1).sum())
    cnt[state.POOL_END] = end
    cnt[state.MAX_CAP] = int(cap.max())
    cnt[state.ALLOW_ISOLATION] = int(p["allow_isolation"])
    cnt[state.STOP_ON_FIXATION] = int(p["stop_on_fixation"])
    fpar = np.zeros(state.N_FPAR)
    fpar[state.BETA] = p["beta"]
    fpar[state.BETA_MED] = p["beta_med"]
    fpar[state.BETA_CREATOR] = p["beta_creator"]
    fpar[state.P_RECOMMENDER], fpar[state.P_STRATEGY] = state.update_probabilities(p["W"], p["W2"])
    return state.EngineState(
        deg=deg, off=off, cap=cap, nbr=nbr, twin=twin, strat=strat, rec=rec,
        ncoop=ncoop.astype(np.int32), **groups.build_indexes(strat, rec, deg, R, n_viewers < n),
        mark=np.zeros(n, dtype=np.int64), cnt=cnt,
        requests_by=np.zeros(R, dtype=np.int64), rewires_by=np.zeros(R, dtype=np.int64),
        proposed_by=np.zeros((R, 2), dtype=np.int64),
        payoff=state.payoff_matrix(p["T"], p["S"]),
        source=selectors[:, 0].copy(), who=selectors[:, 1].copy(), rank=selectors[:, 2].copy(),
        checkpoint=np.full(R, -1, dtype=np.int64),
        lw=np.zeros(0), lw_at=np.zeros(R + 1, dtype=np.int64),
        bpar=np.zeros((R, learners.N_PAR)), btab=np.zeros((0, learners.N_TAB)),
        bat=np.zeros(R + 1, dtype=np.int64), bsel=np.zeros((0, 3), dtype=np.int8),
        brng=np.zeros((R, 4), dtype=np.uint64), blog=np.zeros((LOG_ROWS, 4)),
        fpar=fpar, rng=np.asarray(rng_words, dtype=np.uint64).copy(),
    )


def with_rows(table: np.ndarray, at: np.ndarray, r: int,
              rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``table`` (recommender q's rows ``at[q]:at[q + 1]``) with recommender ``r``'s rows
    replaced by ``rows``, and the new offsets.

    >>> t, at = with_rows(np.arange(3.0), np.array([0, 1, 1, 3]), 1, np.array([7.0, 8.0]))
    >>> t.tolist(), at.tolist()
    ([0.0, 7.0, 8.0, 1.0, 2.0], [0, 1, 3, 5])
    """
    parts = [table[at[q]:at[q + 1]] for q in range(len(at) - 1)]
    parts[r] = rows
    new_at = np.zeros(len(parts) + 1, dtype=np.int64)
    np.cumsum([len(p) for p in parts], out=new_at[1:])
    return np.concatenate(parts), new_at


#: Windows of bandit recommenders the run loop can end before the engine must read them.
LOG_ROWS = 1024


def fixated(viewer_coops: int, n_viewers: int, quality: int, n_creators: int) -> bool:
    """Whether strategies can no longer change: every viewer plays one strategy, and
    every creator one (viewers imitate viewers only, creators creators only)."""
    return viewer_coops in (0, n_viewers) and quality in (0, n_creators)


def make_policies(mix: dict) -> list[Policy]:
    """One policy instance per recommender of a validated mix, with its settings."""
    return [get_policy(policy)(**settings) for _, policy, settings in mix_entries(mix)]


class RecommenderView:
    """What a recommender's policy may read and change between chunks of updates.

    Tallies are O(1) reads of the state: requests served, rewires, users and the
    cooperators among them (from the group index). :meth:`welfare`, the mean payoff
    of its users, is computed when asked, in O(users): once per window of requests
    it costs about as much as that many elementary updates at worst.

    A policy changes what the kernel does by rewriting its selector codes
    (:meth:`set_selector`), and asks to be told again after so many more requests
    (:meth:`stop_after`): the kernel stops right after the request that reaches it.
    """

    def __init__(self, engine: Engine, r: int):
        self.engine = engine
        #: this recommender's index in the state arrays
        self.index = r

    @property
    def label(self) -> str:
        return self.engine.recommender_names[self.index]

    @property
    def steps(self) -> int:
        """Elementary updates done so far (by the whole model)."""
        return self.engine.steps

    @property
    def requests(self) -> int:
        """Requests this recommender was asked so far."""
        return int(self.engine.state.requests_by[self.index])

    @property
    def rewires(self) -> int:
        """Requests it served with a valid candidate so far."""
        return int(self.engine.state.rewires_by[self.index])

    @property
    def users(self) -> int:
        """Users who use it now."""
        return groups.users_of(self.engine.state.gstart, self.index)

    @property
    def cooperators(self) -> int:
        """Cooperators among its users now."""
        return groups.cooperators_of(self.engine.state.gstart, self.index)

    def welfare(self) -> float:
        """Mean payoff (summed over each user's games) of its users now; 0 without users."""
        st = self.engine.state
        who = groups.members(st.gorder, st.gstart, self.index)
        return float(self.engine.payoffs(who).mean()) if len(who) else 0.0

    @property
    def selector(self) -> tuple[int, int, int]:
        """The selector codes the kernel executes for it now: (source, who, rank)."""
        st, r = self.engine.state, self.index
        return int(st.source[r]), int(st.who[r]), int(st.rank[r])

    def set_selector(self, source: int, who: int, rank: int) -> None:
        """From the next request on, the kernel executes these codes for it."""
        st, r = self.engine.state, self.index
        st.source[r], st.who[r], st.rank[r] = int(source), int(who), int(rank)

    def set_weights(self, weights: np.ndarray) -> None:
        """Give this recommender its slice of the state's learned weights (a learned
        policy's parameters and workspace, :mod:`model.core.learned`); the kernel reads
        them from the next request on."""
        st, r = self.engine.state, self.index
        lw, lw_at = with_rows(st.lw, st.lw_at, r, np.asarray(weights, dtype=np.float64))
        self.engine.state = st._replace(lw=lw, lw_at=lw_at)

    @property
    def weights(self) -> np.ndarray:
        """This recommender's slice of the learned weights (a view: writes reach the kernel)."""
        st, r = self.engine.state, self.index
        return st.lw[st.lw_at[r]:st.lw_at[r + 1]]

    def set_learner(self, par: np.ndarray, tab: np.ndarray, selectors, words: np.ndarray) -> None:
        """Make this recommender a bandit whose run loop ends its windows itself
        (:mod:`model.core.learners`): its learner's ``par`` row, its arms' ``tab`` rows
        and selector codes, and its own random stream; then put its first arm in force."""
        st, r = self.engine.state, self.index
        btab, bat = with_rows(st.btab, st.bat, r,
                              np.asarray(tab, dtype=np.float64).reshape(-1, learners.N_TAB))
        bsel, _ = with_rows(st.bsel, st.bat, r, np.asarray(selectors, dtype=np.int8).reshape(-1, 3))
        st.bpar[r] = par
        st.brng[r] = words
        self.engine.state = st = st._replace(btab=btab, bat=bat, bsel=bsel)
        learners.start_window(st, r)

    def stop_after(self, n_requests: int | None) -> None:
        """Be told (:meth:`Policy.at_checkpoint`) right after ``n_requests`` more requests;
        None: not at all."""
        st, r = self.engine.state, self.index
        if n_requests is not None and n_requests < 1:
            raise ValueError(f"stop_after needs at least 1 request; got {n_requests}")
        st.checkpoint[r] = -1 if n_requests is None else st.requests_by[r] + n_requests

    def random_stream(self) -> np.random.Generator:
        """A NumPy generator for this recommender's own choices (exploration, say),
        seeded from the run's seed and the recommender's index, apart from the
        kernel's stream: the same seed gives the same choices."""
        return np.random.default_rng(
            np.random.SeedSequence(self.engine.seed, spawn_key=(3, self.index)))
