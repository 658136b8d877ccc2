"""What is measured (MODEL.md, "What is measured"), read off an engine's state.

:func:`measure` reads every metric from tallies the kernel keeps exactly, so
collecting them each generation costs microseconds at any number of users. The module-level reporter
functions below are what the Mesa ``DataCollector`` calls; each reads the model's
latest snapshot rather than recomputing it.
"""

from __future__ import annotations

from functools import partial

from model.core import state

#: Scalar metrics and their types, in the order of the DataCollector's columns (the
#: sweeps' Parquet columns follow them too: :mod:`model.sweeps.storage`).
SCALAR_METRICS: dict[str, type] = {
    "cooperation": float, "rewires": int, "rewire_requests": int, "rewire_opportunities": int,
    "rewires_per_opportunity": float, "heterogeneity": float, "max_degree": int,
    "mean_payoff": float, "steps": int,
}


def measure(engine) -> dict:
    """Every metric of MODEL.md for the engine's current state, as a plain dict.

    O(1) in the number of users: the kernel keeps exact integer tallies (ties by
    how many of their ends cooperate, the sum of squared degrees), from which the
    mean payoff and the degree variance follow, and the largest degree is the
    last entry of the degree index.
    """
    st = engine.state
    cnt = st.cnt
    n = engine.n
    m = engine.n_edges
    cc, cd = int(cnt[state.TIES_CC]), int(cnt[state.TIES_CD])
    pay = st.payoff  # each tie pays both its ends
    total_payoff = (2 * cc * pay[state.COOPERATE, state.COOPERATE]
                    + cd * (pay[state.COOPERATE, state.DEFECT] + pay[state.DEFECT, state.COOPERATE])
                    + 2 * (m - cc - cd) * pay[state.DEFECT, state.DEFECT])
    mean_k = 2 * m / n
    opportunities = int(cnt[state.OPPORTUNITIES])
    rewires = int(cnt[state.REWIRES])
    names = engine.recommender_names
    return {
        "cooperation": int(cnt[state.N_COOP]) / n,
        "rewires": rewires,
        "rewire_requests": int(cnt[state.REQUESTS]),
        "rewire_opportunities": opportunities,
        "rewires_per_opportunity": rewires / opportunities if opportunities else 0.0,
        "heterogeneity": int(cnt[state.SUM_DEG2]) / n - mean_k * mean_k,
        "max_degree": int(st.deg[st.dorder[n - 1]]),
        "mean_payoff": float(total_payoff) / n,
        "steps": int(cnt[state.STEPS]),
        "fixation_step": engine.fixation_step,
        "shares": {name: engine.users_of(r) / n for r, name in enumerate(names)},
        "requests_by_recommender": {name: int(st.requests_by[r]) for r, name in enumerate(names)},
        "rewires_by_recommender": {name: int(st.rewires_by[r]) for r, name in enumerate(names)},
    }


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
