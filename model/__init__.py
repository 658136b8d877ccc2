"""Rewire: users, recommenders and an evolving social graph (see MODEL.md).

>>> from model import RewireModel
>>> RewireModel(n=60, k=4, rng=1, max_steps=600).run()["steps"]
600
"""

from model.parameters import PARAMETERS, ParameterError
from model.policies import POLICIES, get_policy
from model.rewire_model import RewireModel

__all__ = ["RewireModel", "ParameterError", "PARAMETERS", "POLICIES", "get_policy"]
