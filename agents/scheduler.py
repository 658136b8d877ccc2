"""The readable mode's schedule: one generation of N elementary updates, one user at a time.

MODEL.md, One elementary update, step 1: "Pick user x uniformly at random", N times a
generation, with replacement: a user may act twice in a generation, or not at all.
(Mesa's ``shuffle_do`` would activate every user exactly once, a different model.)
The chosen user's :meth:`agents.User.step` does the rest.

The readable mode reads and writes the engine's arrays, so its metrics, DataCollector
columns, invariants and stop rules are the compiled mode's; only who does the update
differs. It is plain Python, so it refuses more than
:data:`model.parameters.MAX_READABLE_USERS` users, and recommenders whose policies keep
state (they act between chunks of kernel updates).
"""

from __future__ import annotations

from agents.bookkeeping import end_of_update, make_room


def generation(model) -> int:
    """MODEL.md: "A generation is N elementary updates", step 1 of each: "Pick user x
    uniformly at random". One step of ``RewireModel(engine="agents")``; fewer updates at
    fixation (with ``stop_on_fixation``) or at ``max_steps``. Returns how many were done."""
    engine = model.engine
    updates = engine.n
    limit = engine.params["max_steps"]
    if limit is not None:
        updates = min(updates, limit - engine.steps)
    done = 0
    while done < updates and not engine.stopped_at_fixation:
        make_room(engine)
        x = model.random.choice(model.users)  # 1. "Pick user x uniformly at random"
        x.step()
        end_of_update(engine)
        done += 1
    return done
