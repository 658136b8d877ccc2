"""How the readable rules write the state: three changes, each keeping every tally exact.

The readable mode (``RewireModel(engine="agents")``) reads and writes the very arrays
the compiled kernel advances (:mod:`model.core.state`), so there is one state, one set
of metrics and one invariant check for both modes. The rules on the agents decide
*what* happens, in plain Python; these helpers only *record* it: a user takes another
user's strategy or recommender, or a tie is replaced. Each calls the kernel's own
pieces that keep degrees, cooperator counts, tie tallies and the sorted indexes in
step, so nothing here is a second implementation of the rules.
"""

from __future__ import annotations

from model.core import state
from model.core.adjacency import headroom
from model.core.kernel import imitate
from model.core.kernel import move_tie as _move_tie

_STRATEGY, _RECOMMENDER = 0, 1  # what :func:`model.core.kernel.imitate` copies


def copy_strategy(engine, x: int, y: int) -> None:
    """User x now plays user y's strategy (its neighbours' payoffs change with it)."""
    imitate(engine.state, x, y, _STRATEGY)


def copy_recommender(engine, x: int, y: int) -> None:
    """User x now uses user y's recommender."""
    imitate(engine.state, x, y, _RECOMMENDER)


def move_tie(engine, recommender: int, a: int, b: int, z: int) -> None:
    """The recommender served a's request: the tie (a, b) becomes (a, z), and the rewire
    is counted (:func:`model.core.kernel.move_tie`, the kernel's own bookkeeping)."""
    st = engine.state
    slot_ab = next(s for s in range(st.off[a], st.off[a] + st.deg[a]) if st.nbr[s] == b)
    _move_tie(st, recommender, a, slot_ab, z)


def count(engine, counter: int, recommender: int | None = None) -> None:
    """Add one to a counter of :mod:`model.core.state` (REQUESTS, UNSERVED, ...), and a
    request to the recommender's own tally (a rewire is counted by :func:`move_tie`)."""
    st = engine.state
    st.cnt[counter] += 1
    if counter == state.REQUESTS:
        st.requests_by[recommender] += 1


def make_room(engine) -> None:
    """Compact the neighbour pool when the next update might not fit (as the kernel asks)."""
    st = engine.state
    if st.cnt[state.POOL_END] + headroom(int(st.cnt[state.MAX_CAP])) > len(st.nbr):
        engine._grow_pool()


def end_of_update(engine) -> None:
    """Count the update as a step, and record fixation (stopping there if asked) as the
    kernel's run loop does."""
    st = engine.state
    st.cnt[state.STEPS] += 1
    n_coop = int(st.cnt[state.N_COOP])
    if st.cnt[state.FIXATION_STEP] < 0 and n_coop in (0, engine.n):
        st.cnt[state.FIXATION_STEP] = st.cnt[state.STEPS]
        if engine.params["stop_on_fixation"]:
            engine.stopped_at_fixation = True
