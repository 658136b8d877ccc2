"""Rewire: users, recommenders and an evolving social graph (see docs/MODEL.md).

>>> from model import RewireModel
>>> RewireModel(n=60, k=4, rng=1, max_steps=600).run()["steps"]
600

The names below load on first use, so importing a light module such as
``model.policies`` does not pull in Mesa and the compiled kernels.
"""

import time
from importlib import import_module

#: When this process first imported the package: a kernel source edited after it may
#: have been loaded in a different version than another (see :mod:`model.core.jit`).
LOADED_AT = time.time()

_EXPORTS = {
    "RewireModel": "model.rewire_model",
    "ParameterError": "model.parameters",
    "PARAMETERS": "model.parameters",
    "POLICIES": "model.policies",
    "get_policy": "model.policies",
}
__all__ = list(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'model' has no attribute {name!r}")
