"""A recommender: a policy from the registry (with its settings) plus its users and tallies.

:meth:`Recommender.recommend` is MODEL.md's ``recommend(u, v)`` in plain Python, for
every selector a fixed policy can have (``source``, ``who``, ``rank``: see
:mod:`model.policies`): the readable mode (``RewireModel(engine="agents")``) asks it,
where the compiled kernel runs :mod:`model.core.recommend`.
"""

from __future__ import annotations

import mesa

from model.core.selectors import Rank, Source, Who
from model.metrics import proposed_cooperator_share, proposed_mean_degree


class Recommender(mesa.Agent):
    """One recommender in the model. Market share and tallies are read live from the engine."""

    def __init__(self, model, index: int, name: str):
        super().__init__(model)
        self.index = index
        #: the label it has in the mix (a policy name, unless the mix gave it another)
        self.label = name
        #: the engine's instance of its policy, with its settings and any state
        self.policy = model.engine.policies[index]

    @property
    def name(self) -> str:
        return self.label

    @property
    def users(self) -> int:
        return self.model.engine.users_of(self.index)

    @property
    def market_share(self) -> float:
        """Fraction of users who use this recommender."""
        return self.users / self.model.engine.n

    @property
    def requests(self) -> int:
        """Times this recommender was asked for a new neighbour."""
        return int(self.model.engine.state.requests_by[self.index])

    @property
    def rewires(self) -> int:
        """Requests this recommender served with a valid candidate."""
        return int(self.model.engine.state.rewires_by[self.index])

    @property
    def proposed_cooperator_share(self) -> float | None:
        """Share of cooperators among the users it proposed (None before it served one)."""
        return proposed_cooperator_share(self.model.engine.state, self.index)

    @property
    def proposed_mean_degree(self) -> float | None:
        """Mean degree of the users it proposed, before their new tie (None before one)."""
        return proposed_mean_degree(self.model.engine.state, self.index)

    @property
    def selector(self) -> tuple[Source, Who, Rank]:
        """What its policy does (MODEL.md, Recommenders): where candidates come from,
        which of them qualify, and how one is chosen."""
        st, r = self.model.engine.state, self.index
        return Source(st.source[r]), Who(st.who[r]), Rank(st.rank[r])

    def __repr__(self) -> str:
        return f"Recommender({self.name!r}, share={self.market_share:.3f})"

    # -- The rules (MODEL.md, Recommenders), run by engine="agents" -------------------
    @property
    def is_asked(self) -> bool:
        """MODEL.md: "`none`: the null policy; users never rewire"."""
        return self.selector[0] != Source.NEVER

    def candidates(self, u, v) -> list:
        """MODEL.md: "u is the user rewiring, v the partner it leaves. Candidates are every
        user except u and u's current neighbours. When more than one recommender is in
        use, recommenders are exclusive: a recommender only proposes users who use that
        same recommender." `local` proposes "a uniformly random neighbour of v among the
        candidates. Not a recommender, so never exclusive." `coop`, `any`, `defect`:
        "candidates restricted to cooperators, nobody excluded, defectors"; `fair`: "with
        u's own strategy"."""
        source, who, _ = self.selector
        if source == Source.PARTNER_NEIGHBOURS:
            pool = v.neighbours
        else:  # its own users: everybody when it is the only recommender
            pool = [w for w in self.model.users if w.recommender_agent is self]
        taken = set(u.neighbours) | {u}
        wanted = {Who.ANY: ("C", "D"), Who.COOPERATORS: ("C",), Who.DEFECTORS: ("D",),
                  Who.SAME_AS_USER: (u.strategy,)}[who]
        return [w for w in pool if w not in taken and w.strategy in wanted]

    def recommend(self, u, v):
        """MODEL.md: `recommend(u, v)` proposes "the lowest-degree candidate, a uniformly
        random candidate, the highest-degree candidate; ties broken at random". "No
        candidate: no rewire (an unserved request)": None."""
        candidates = self.candidates(u, v)
        if not candidates:
            return None
        rank = self.selector[2]
        if rank == Rank.LOWEST_DEGREE:
            lowest = min(w.degree for w in candidates)
            candidates = [w for w in candidates if w.degree == lowest]
        elif rank == Rank.HIGHEST_DEGREE:
            highest = max(w.degree for w in candidates)
            candidates = [w for w in candidates if w.degree == highest]
        return self.random.choice(candidates)
