"""A recommender: a policy from the registry (with its settings) plus its users and tallies."""

from __future__ import annotations

import mesa



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

    def __repr__(self) -> str:
        return f"Recommender({self.name!r}, share={self.market_share:.3f})"
