"""A user: a node of the social graph, seen through the engine's arrays."""

from __future__ import annotations

import mesa

from model.core.state import COOPERATE


class User(mesa.Agent):
    """One user. Every attribute is read live from the engine; nothing is copied.

    The kernel moves users in bulk, so a User does not act in ``step``: it exists
    so people (and Mesa tools) can look at a user as an object.
    """

    def __init__(self, model, index: int):
        super().__init__(model)
        self.index = index

    @property
    def _st(self):
        return self.model.engine.state

    @property
    def strategy(self) -> str:
        """``"C"`` (cooperate) or ``"D"`` (defect)."""
        return "C" if self._st.strat[self.index] == COOPERATE else "D"

    @property
    def is_cooperator(self) -> bool:
        return bool(self._st.strat[self.index] == COOPERATE)

    @property
    def degree(self) -> int:
        return int(self._st.deg[self.index])

    @property
    def payoff(self) -> float:
        """Fitness: the sum of this user's payoffs against each current neighbour."""
        return float(self.model.engine.payoffs(self.index))

    @property
    def recommender(self) -> str:
        """The name of the recommender this user uses."""
        return self.model.recommender_names[self._st.rec[self.index]]

    @property
    def neighbours(self) -> list[User]:
        users = self.model.users
        return [users[int(j)] for j in self.model.engine.neighbours(self.index)]

    def __repr__(self) -> str:
        return (f"User({self.index}, {self.strategy}, degree={self.degree}, "
                f"recommender={self.recommender!r})")
