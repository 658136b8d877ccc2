"""The compiled core: the state arrays and the numba kernels that advance them.

Nothing here imports the public API above it (:mod:`model.parameters`,
:mod:`model.policies`, the Mesa model): the core knows recommenders only by the
selector codes of :mod:`model.core.selectors`.

- :mod:`~model.core.state`: the arrays, counter slots and their layout
- :mod:`~model.core.graph`: initial graphs
- :mod:`~model.core.adjacency`: neighbour slabs with twin slots
- :mod:`~model.core.indexes`: sorted user indexes kept up to date
- :mod:`~model.core.rng`: each model's own random stream
- :mod:`~model.core.recommend`: candidate selection for the selector codes
- :mod:`~model.core.learned`: a trained ranking module's choice, scored by class
- :mod:`~model.core.learners`: the bandit learners, and a bandit's window in the run loop
- :mod:`~model.core.kernel`: the elementary update and the run loop
- :mod:`~model.core.jit`: how kernels are compiled and cached
- :mod:`~model.core.invariants`: what must hold of a state, from scratch
"""
