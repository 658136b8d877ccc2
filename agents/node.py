"""What every node of the graph is in Mesa: a live view of the engine's arrays.

:class:`agents.User` and :class:`agents.Creator` are the two kinds of node
(docs/MODEL.md); what they share (which node, its strategy, its payoff) is read here
from the engine on every access, so a Mesa agent is never a second copy of the state.
"""

from __future__ import annotations

import mesa

from model.core.state import COOPERATE


class NodeView(mesa.Agent):
    """Node ``index`` of the graph; every attribute is read live from the engine."""

    def __init__(self, model, index: int):
        super().__init__(model)
        self.index = index

    @property
    def _st(self):
        return self.model.engine.state

    @property
    def strategy(self) -> str:
        """``"C"`` or ``"D"``: a user cooperates or defects, a creator makes quality or
        clickbait."""
        return "C" if self._st.strat[self.index] == COOPERATE else "D"

    @property
    def payoff(self) -> float:
        """Its game payoff, read from the engine's exact counts (a user's
        :meth:`agents.User.fitness` sums it game by game)."""
        return float(self.model.engine.payoffs(self.index))
