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
from model.core.adjacency import headroom, replace_tie
from model.core.indexes import change_degree
from model.core.kernel import count_tie, imitate

_STRATEGY, _RECOMMENDER = 0, 1  # what :func:`model.core.kernel.imitate` copies


def copy_strategy(engine, x: int, y: int) -> None:
    """User x now plays user y's strategy (its neighbours' payoffs change with it)."""
    imitate(engine.state, x, y, _STRATEGY)


def copy_recommender(engine, x: int, y: int) -> None:
    """User x now uses user y's recommender."""
    imitate(engine.state, x, y, _RECOMMENDER)


def move_tie(engine, a: int, b: int, z: int) -> None:
    """The tie (a, b) becomes (a, z): b loses a neighbour, z gains one, a keeps its degree.

    The same bookkeeping as the end of :func:`model.core.kernel.rewire`.
    """
    st = engine.state
    slot_ab = next(s for s in range(st.off[a], st.off[a] + st.deg[a]) if st.nbr[s] == b)
    st.cnt[state.SUM_DEG2] += 2 * (int(st.deg[z]) - int(st.deg[b])) + 2
    count_tie(st, int(st.strat[a] + st.strat[b]), -1)
    count_tie(st, int(st.strat[a] + st.strat[z]), 1)
    replace_tie(st, a, slot_ab, z)
    change_degree(st, b, int(st.deg[b]) + 1, int(st.deg[b]))
    change_degree(st, z, int(st.deg[z]) - 1, int(st.deg[z]))
    st.ncoop[a] += st.strat[z] - st.strat[b]
    st.ncoop[b] -= st.strat[a]
    st.ncoop[z] += st.strat[a]


def count(engine, counter: int, recommender: int | None = None) -> None:
    """Add one to a counter of :mod:`model.core.state` (REQUESTS, REWIRES, ...), and to the
    recommender's own tally for requests and rewires."""
    st = engine.state
    st.cnt[counter] += 1
    if counter == state.REQUESTS:
        st.requests_by[recommender] += 1
    elif counter == state.REWIRES:
        st.rewires_by[recommender] += 1


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
