"""A creator: a content source viewers follow, seen through the engine's arrays.

Creators are the nodes after the users (viewers) when ``creator_share > 0``
(docs/MODEL.md, "Creators"). A creator plays the dilemma with its audience, the
viewers who follow it: C is quality content, D clickbait that exploits its
audience. It never starts a rewire; it imitates a random other creator, on its game
payoff or on its audience (``creator_fitness``). Every attribute is read live from
the engine; nothing is copied. The compiled kernel runs its rules (the readable
mode runs models without creators).
"""

from __future__ import annotations

from agents.node import NodeView
from model.core.state import COOPERATE


class Creator(NodeView):
    """One creator (node ``index`` of the graph), a live view of the engine's arrays."""

    @property
    def makes_quality(self) -> bool:
        return bool(self._st.strat[self.index] == COOPERATE)

    @property
    def audience(self) -> int:
        """How many viewers follow it (its degree: creators have no other ties)."""
        return int(self._st.deg[self.index])

    @property
    def followers(self) -> list:
        """The :class:`agents.User` s who follow it."""
        users = self.model.users
        return [users[int(j)] for j in self.model.engine.neighbours(self.index)]

    def __repr__(self) -> str:
        return f"Creator({self.index}, {self.strategy}, audience={self.audience})"
