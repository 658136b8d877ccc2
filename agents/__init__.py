"""Mesa agents: the readable face of the engine's arrays (they hold no copy of the state)."""

from agents.recommender import Recommender
from agents.user import User

__all__ = ["User", "Recommender"]
