"""A user: a node of the social graph, seen through the engine's arrays, and its rules.

Attributes (strategy, degree, neighbours, ...) are read live from the engine; nothing
is copied. The methods under "The rules" are MODEL.md's elementary update in plain
Python: the compiled kernel (the default) does the same thing in bulk, and the
readable mode (``RewireModel(engine="agents")``) runs these methods instead, one
user at a time, so each rule can be read (and shown with ``inspect.getsource``)
where it acts. Their docstrings quote the step of MODEL.md they implement.
"""

from __future__ import annotations

from agents.bookkeeping import copy_recommender, copy_strategy, count, move_tie
from agents.node import NodeView
from model.core import state
from model.core.kernel import fermi
from model.core.state import COOPERATE, update_probabilities


class User(NodeView):
    """One user. Every attribute is read live from the engine; nothing is copied."""

    @property
    def is_cooperator(self) -> bool:
        return bool(self._st.strat[self.index] == COOPERATE)

    @property
    def degree(self) -> int:
        return int(self._st.deg[self.index])

    @property
    def recommender(self) -> str:
        """The name of the recommender this user uses."""
        return self.model.recommender_names[self._st.rec[self.index]]

    @property
    def recommender_agent(self):
        """The :class:`agents.Recommender` this user uses."""
        return self.model.recommender_agents[self._st.rec[self.index]]

    @property
    def neighbours(self) -> list:
        """Everyone tied to this user: users, and the :class:`agents.Creator` s it follows."""
        node = self.model.node
        return [node(int(j)) for j in self.model.engine.neighbours(self.index)]

    def __repr__(self) -> str:
        return (f"User({self.index}, {self.strategy}, degree={self.degree}, "
                f"recommender={self.recommender!r})")

    # -- The rules (MODEL.md), run one user at a time by engine="agents" --------------
    def payoff_against(self, other: User) -> float:
        """MODEL.md, The game: "Symmetric 2x2 game with R = 1, P = 0, temptation T
        [...], sucker's payoff S"."""
        T, S = self.model.params["T"], self.model.params["S"]
        game = {("C", "C"): 1.0, ("C", "D"): S, ("D", "C"): T, ("D", "D"): 0.0}
        return game[self.strategy, other.strategy]

    def fitness(self) -> float:
        """MODEL.md, The game: "A user's fitness f is the SUM of the payoffs of one game
        with each current neighbour"."""
        return sum(self.payoff_against(other) for other in self.neighbours)

    def step(self) -> None:
        """MODEL.md, one elementary update, steps 1-2 (step 1, "Pick user x uniformly at
        random", is the scheduler's: this user is x): "If x has no neighbour, nothing else
        happens." "Pick y uniformly among x's neighbours." Steps 3-6: :meth:`update_with`."""
        if self.neighbours:
            self.update_with(self.random.choice(self.neighbours))

    def update_with(self, y: User) -> None:
        """MODEL.md step 3, "Choose the kind of update: with probability W2 / (1 + W2): a
        recommender update [...] otherwise, with probability 1 / (1 + W): a strategy update;
        otherwise: a structural update"."""
        p_recommender, p_strategy = update_probabilities(self.model.params["W"],
                                                         self.model.params["W2"])
        kind = self.random.random()
        if kind < p_recommender:
            self.imitate_recommender(y)
        elif kind < p_recommender + p_strategy:
            self.imitate_strategy(y)
        else:
            self.structural_update(y)

    def imitate_strategy(self, y: User) -> None:
        """MODEL.md step 4, "Strategy update: x adopts y's strategy with probability
        fermi(f_y - f_x, beta)"."""
        if y.strategy != self.strategy and \
                self.random.random() < fermi(y.fitness() - self.fitness(), self.model.params["beta"]):
            copy_strategy(self.model.engine, self.index, y.index)

    def structural_update(self, y: User) -> None:
        """MODEL.md step 5, "Structural update (x is satisfied with y iff y is C): y is C:
        nothing happens. x is C, y is D: [...] With probability fermi(f_x - f_y, beta) x
        rewires [...] x is D, y is D: with probability fermi(f_x - f_y, beta) x rewires
        away from y as above; otherwise y rewires away from x"."""
        if y.is_cooperator:
            return
        count(self.model.engine, state.OPPORTUNITIES)  # "counted before any draw"
        if self.random.random() < fermi(self.fitness() - y.fitness(), self.model.params["beta"]):
            self.rewire_away_from(y)
        elif not self.is_cooperator:
            y.rewire_away_from(self)

    def rewire_away_from(self, v: User) -> None:
        """MODEL.md step 5, "When a user wins the right to rewire: if the user it abandons
        would be left with no neighbour and allow_isolation is false (the default), nothing
        happens.
        Otherwise its recommender is asked for z (a rewire request; none is never asked).
        [...] with no valid z nothing happens (an unserved request)"."""
        if v.degree == 1 and not self.model.params["allow_isolation"]:
            return
        recommender = self.recommender_agent
        if not recommender.is_asked:
            return
        engine = self.model.engine
        count(engine, state.REQUESTS, recommender.index)
        z = recommender.recommend(self, v)
        if z is None:
            count(engine, state.UNSERVED)
            return
        # "(x, y) is replaced by (x, z)"
        move_tie(engine, recommender.index, self.index, v.index, z.index)

    def imitate_recommender(self, y: User) -> None:
        """MODEL.md step 6, "Recommender update: x adopts y's recommender with probability
        fermi(f_y - f_x, beta_med)"."""
        if y.recommender_agent is not self.recommender_agent and \
                self.random.random() < fermi(y.fitness() - self.fitness(),
                                             self.model.params["beta_med"]):
            copy_recommender(self.model.engine, self.index, y.index)
