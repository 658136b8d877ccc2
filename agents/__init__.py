"""Mesa agents: the readable face of the engine's arrays (they hold no copy of the state).

Their methods are also the rules of docs/MODEL.md in plain Python, which
``RewireModel(engine="agents")`` runs. :data:`RULES` lists them in the page's order,
so a page can show the one being applied with ``inspect.getsource(RULES[name])``.
"""

from agents.creator import Creator
from agents.recommender import Recommender
from agents.scheduler import generation
from agents.user import User

__all__ = ["User", "Creator", "Recommender", "RULES"]

#: Each rule of MODEL.md and the method that implements it, in the page's order.
RULES = {
    "game": User.payoff_against,
    "fitness": User.fitness,
    "generation": generation,
    "pick a neighbour": User.step,
    "kind of update": User.update_with,
    "strategy update": User.imitate_strategy,
    "structural update": User.structural_update,
    "rewire": User.rewire_away_from,
    "recommender update": User.imitate_recommender,
    "candidates": Recommender.candidates,
    "recommend": Recommender.recommend,
}
