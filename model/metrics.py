"""What is measured (MODEL.md, "What is measured"), read off an engine's state.

:func:`measure` computes every scalar metric in one compiled pass over the users,
so collecting them each generation costs microseconds. The module-level reporter
functions below are what the Mesa ``DataCollector`` calls; each reads the model's
latest snapshot rather than recomputing it.
"""

from __future__ import annotations

from functools import partial

import numpy as np
from numba import njit

from model import state as S

#: Scalar metrics, in the order of the DataCollector's columns.
SCALAR_METRICS = (
    "cooperation", "rewires", "rewire_requests", "rewire_opportunities",
    "rewires_per_opportunity", "heterogeneity", "max_degree", "mean_payoff", "steps",
)


@njit(cache=True)
def _degree_and_payoff(deg, strat, ncoop, payoff):
    """Mean degree, mean squared degree, max degree and mean payoff, in one pass."""
    n = len(deg)
    s1 = 0.0
    s2 = 0.0
    top = 0
    pay = 0.0
    for i in range(n):
        d = deg[i]
        s1 += d
        s2 += d * d
        if d > top:
            top = d
        c = ncoop[i]
        pay += payoff[strat[i], 1] * c + payoff[strat[i], 0] * (d - c)
    return s1 / n, s2 / n, top, pay / n


def measure(engine) -> dict:
    """Every metric of MODEL.md for the engine's current state, as a plain dict."""
    st = engine.state
    cnt = st.cnt
    mean_k, mean_k2, top, mean_pay = _degree_and_payoff(st.deg, st.strat, st.ncoop, st.payoff)
    opportunities = int(cnt[S.OPPORTUNITIES])
    n = engine.n
    names = engine.recommender_names
    return {
        "cooperation": int(cnt[S.N_COOP]) / n,
        "rewires": int(cnt[S.REWIRES]),
        "rewire_requests": int(cnt[S.REQUESTS]),
        "rewire_opportunities": opportunities,
        "rewires_per_opportunity": int(cnt[S.REWIRES]) / opportunities if opportunities else 0.0,
        "heterogeneity": mean_k2 - mean_k * mean_k,
        "max_degree": int(top),
        "mean_payoff": mean_pay,
        "steps": int(cnt[S.STEPS]),
        "fixation_step": engine.fixation_step,
        "shares": {name: engine.users_of(r) / n for r, name in enumerate(names)},
        "requests_by_recommender": {name: int(st.requests_by[r]) for r, name in enumerate(names)},
        "rewires_by_recommender": {name: int(st.rewires_by[r]) for r, name in enumerate(names)},
    }


def degree_histogram(engine) -> np.ndarray:
    """counts[d] = number of users with degree d."""
    return np.bincount(engine.state.deg)


# -- reporters for mesa.DataCollector: each reads the model's latest snapshot ----
def _scalar(name: str, model) -> float:
    return model.metrics[name]


def _share(name: str, model) -> float:
    return model.metrics["shares"][name]


def model_reporters(recommender_names: list[str]) -> dict:
    """The DataCollector's columns: every scalar metric, and ``share:<name>`` each recommender."""
    reporters = {name: partial(_scalar, name) for name in SCALAR_METRICS}
    reporters.update({f"share:{r}": partial(_share, r) for r in recommender_names})
    return reporters
