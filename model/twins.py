"""Counterfactual twins and branches: two runs that differ only where asked.

A **twin** starts from the beginning: the same seed, hence the same initial graph,
the same strategies and the same stream of the dynamics, with some parameters
changed (the recommender mix, W, beta, ...). Stepped together, the two give a
paired comparison: what differs between them is due to the change (and to the
different luck the change brings later), not to another graph or another start.

What "the same initial state" means when the change alters the recommender split:
users get recommenders from one seeded permutation, filled with each recommender's
count in turn. A twin's recommenders are matched to the original's, by label first
and then the rest in the mix's order, and fill the permutation in the original's
order, so every user keeps the recommender it had (or the one that replaces it)
except where a share shrank: ``{local: 0.9, coop-random: 0.1}`` -> ``{local: 0.8,
coop-random: 0.2}`` moves 10 % of users, all from local to coop-random, and
``{local: 0.9, coop-random: 0.1}`` -> ``{any-random: 0.9, coop-random: 0.1}`` gives
the local users any-random and keeps the coop-random users where they were.
The same holds of strategies if ``coop_init`` changes. ``n``, ``k``, ``graph``
and the seed cannot change: they make another graph.

A **branch** starts from now: a copy of the current state (graph, strategies,
recommenders, tallies, the dynamics' stream and any recommender's learned state)
with rate parameters changed (those of :data:`model.interventions.RATES`); with no
change it continues exactly as the original would. The change is recorded as an
intervention of the branch, so its time axis shows where it happened.

>>> from model.engine import Engine
>>> a = Engine(n=60, k=4, rng=5, max_steps=600)
>>> b = a.twin(W=3.0)
>>> bool((a.edges() == b.edges()).all() and (a.state.strat == b.state.strat).all())
True
"""

from __future__ import annotations

import copy
from typing import Any

from model.engine import Engine, RecommenderView, initial_state, with_seed
from model.parameters import ParameterError, validate

#: Parameters a twin cannot change: they determine the initial graph.
FIXED = ("n", "k", "graph", "rng", "creator_share", "follows")


def twin_params(base: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """The twin's validated parameters: ``base`` (seeded) with ``changes``."""
    for key in changes:
        if key in FIXED:
            raise ParameterError(key, f"{key}: a twin keeps the original's {key} (it shares "
                                 f"its initial graph); build a new model to change it")
    new = dict(base, **changes)
    if "beta" in changes and "beta_med" not in changes and base["beta_med"] == 10 * base["beta"]:
        new["beta_med"] = None  # derived from beta: follows it
    if "beta" in changes and "beta_creator" not in changes \
            and base["beta_creator"] == base["beta"]:
        new["beta_creator"] = None
    return validate(new)


def fill_order(old_mix: dict, new_mix: dict) -> list[int]:
    """The order in which the twin's recommenders fill the placement permutation.

    Each of the original's recommenders is matched with the twin's of the same label,
    the unmatched ones with the twin's unmatched ones in order; the twin's
    recommenders then fill in the order of their partners, the unmatched last.

    >>> fill_order({"local": 0.9, "coop-random": 0.1}, {"coop-random": 0.5, "local": 0.5})
    [1, 0]
    >>> fill_order({"local": 0.9, "coop-random": 0.1}, {"any-random": 0.9, "coop-random": 0.1})
    [0, 1]
    >>> fill_order({"local": 1.0}, {"fair": 0.2, "local": 0.8})
    [1, 0]
    """
    old, new = list(old_mix), list(new_mix)
    partner = {i: new.index(label) for i, label in enumerate(old) if label in new}
    spare_old = [i for i in range(len(old)) if i not in partner]
    spare_new = [j for j, label in enumerate(new) if label not in old]
    partner.update(zip(spare_old, spare_new))
    order = [partner[i] for i in range(len(old)) if i in partner]
    return order + [j for j in range(len(new)) if j not in order]


def twin_engine(base: dict[str, Any], **changes: Any) -> Engine:
    """An engine from the start of a run with parameters ``base`` (seeded), differing
    only in ``changes``. With no change it is the same run, step for step."""
    base = with_seed(validate(base))
    p = twin_params(base, changes)
    engine = Engine.__new__(Engine)
    engine._start(p, initial_state(p, fill_order(base["recommenders"], p["recommenders"])))
    return engine


def branch_engine(engine: Engine, **changes: Any) -> Engine:
    """A copy of ``engine`` as it is now, with rate ``changes`` applied to the copy as an
    intervention labelled ``branch: ...``. The original is untouched."""
    from model.interventions import RATES, apply, check_intervention

    for key in changes:
        if key not in RATES:
            raise ParameterError(key, f"{key}: a branch can change {', '.join(RATES)} (a "
                                 f"copy of the state cannot take another {key}); switch "
                                 f"recommenders with an intervention, or use a twin")
    new = Engine.__new__(Engine)
    new.params = dict(engine.params)
    new.initial_params = dict(engine.initial_params)
    new.recommender_names = list(engine.recommender_names)
    new.state = type(engine.state)(*(a.copy() for a in engine.state))
    new.n_edges = engine.n_edges
    new.n_follows = engine.n_follows
    new.stopped_at_fixation = engine.stopped_at_fixation
    new.views = [RecommenderView(new, r) for r in range(len(engine.views))]
    # a policy's state may refer to its view or engine: the copy refers to the new ones
    memo = {id(engine): new, **{id(v): w for v, w in zip(engine.views, new.views)}}
    new.policies = copy.deepcopy(engine.policies, memo)
    new.stateful = list(engine.stateful)
    new.interventions = copy.deepcopy(engine.interventions)
    if changes:
        iv = check_intervention(changes, new.params, new.recommender_names)
        label = "branch: " + iv.describe()
        apply(new, type(iv)(iv.rates, None, None, None, label))
    return new
