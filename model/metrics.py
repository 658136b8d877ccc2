"""What is measured (MODEL.md, "What is measured"), read off an engine's state.

:func:`measure` reads every metric from tallies the kernel keeps exactly, so
collecting them each generation costs microseconds at any number of users. The module-level reporter
functions below are what the Mesa ``DataCollector`` calls; each reads the model's
latest snapshot rather than recomputing it.
"""

from __future__ import annotations

from functools import partial

import numpy as np

from model.core import state

#: Scalar metrics and their types, in the order of the DataCollector's columns (the
#: sweeps' Parquet columns follow them too: :mod:`model.sweeps.storage`).
SCALAR_METRICS: dict[str, type] = {
    "cooperation": float, "rewires": int, "rewire_requests": int, "rewire_opportunities": int,
    "rewires_per_opportunity": float, "heterogeneity": float, "max_degree": int,
    "mean_payoff": float, "steps": int,
    # creators (MODEL.md, Creators): None (null) when the model has none
    "viewer_cooperation": float, "viewer_payoff": float, "quality_share": float,
    "audience_gini": float, "quality_audience_share": float, "creator_payoff": float,
    "follows_rewired": int,
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
    viewers = engine.n_viewers
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
    creators = creator_metrics(engine)
    cooperation = (int(cnt[state.N_COOP]) - int(cnt[state.N_QUALITY])) / viewers
    viewer_payoff = (float(total_payoff) - (creators["creator_payoff"] or 0.0)
                     * (n - viewers)) / viewers
    return {
        "cooperation": cooperation,
        "rewires": rewires,
        "rewire_requests": int(cnt[state.REQUESTS]),
        "rewire_opportunities": opportunities,
        "rewires_per_opportunity": rewires / opportunities if opportunities else 0.0,
        "heterogeneity": int(cnt[state.SUM_DEG2]) / n - mean_k * mean_k,
        "max_degree": int(st.deg[st.dorder[n - 1]]),
        "mean_payoff": viewer_payoff,
        "steps": int(cnt[state.STEPS]),
        "viewer_cooperation": cooperation,
        "viewer_payoff": viewer_payoff,
        **creators,
        "fixation_step": engine.fixation_step,
        "shares": {name: engine.users_of(r) / viewers for r, name in enumerate(names)},
        "requests_by_recommender": {name: int(st.requests_by[r]) for r, name in enumerate(names)},
        "rewires_by_recommender": {name: int(st.rewires_by[r]) for r, name in enumerate(names)},
        "proposed_cooperators_by_recommender": {name: proposed_cooperator_share(st, r)
                                                for r, name in enumerate(names)},
        "proposed_degree_by_recommender": {name: proposed_mean_degree(st, r)
                                           for r, name in enumerate(names)},
    }


def proposed_cooperator_share(st, r: int) -> float | None:
    """The share of cooperators among the users recommender ``r`` has proposed (in the
    requests it served, each counted as the user played then); None before it served one.
    What a recommender does to a society, whatever its rule: an aligned one proposes
    cooperators, an engagement one whoever keeps users rewiring."""
    served = int(st.rewires_by[r])
    return int(st.proposed_by[r, state.PROPOSED_COOP]) / served if served else None


def proposed_mean_degree(st, r: int) -> float | None:
    """The mean degree of the users recommender ``r`` has proposed, each before its new
    tie; None before it served a request. Above the mean degree: it feeds hubs."""
    served = int(st.rewires_by[r])
    return int(st.proposed_by[r, state.PROPOSED_DEGREE]) / served if served else None


def creator_metrics(engine) -> dict:
    """The creators' measures (MODEL.md, "What is measured"), O(creators) with NumPy:
    the share playing C (quality), the Gini coefficient of their audiences (0 when
    nobody follows anyone), the share of all follows that go to quality creators, their
    mean game payoff, and follows rewired so far. Without creators each is None (but
    follows rewired, 0)."""
    st = engine.state
    viewers = engine.n_viewers
    follows_rewired = int(st.cnt[state.FOLLOWS_REWIRED])
    if viewers == engine.n:
        return {"quality_share": None, "audience_gini": None, "quality_audience_share": None,
                "creator_payoff": None, "follows_rewired": follows_rewired}
    audience = st.deg[viewers:].astype(np.int64)
    quality = st.strat[viewers:] == state.COOPERATE
    total = int(audience.sum())
    return {
        "quality_share": int(st.cnt[state.N_QUALITY]) / len(audience),
        "audience_gini": gini(audience),
        "quality_audience_share": int(audience[quality].sum()) / total if total else 0.0,
        "creator_payoff": float(engine.payoffs(slice(viewers, None)).mean()),
        "follows_rewired": follows_rewired,
    }


def gini(x: np.ndarray) -> float:
    """The Gini coefficient of non-negative counts: 0 when all are equal (or all 0),
    (n - 1) / n when one holds everything.

    >>> gini(np.array([5, 5, 5])), gini(np.array([0, 0, 9]))
    (0.0, 0.6666666666666666)
    """
    total = x.sum()
    if total == 0:
        return 0.0
    n = len(x)
    ranks = np.arange(1, n + 1)
    return float(((2 * ranks - n - 1) * np.sort(x)).sum() / (n * total))


# -- reporters for mesa.DataCollector: each reads the model's latest snapshot ----
def _scalar(name: str, model) -> float:
    return model.metrics[name]


def _share(name: str, model) -> float:
    return model.metrics["shares"][name]


def _proposed(column: int | None, r: int, model) -> int:
    """Recommender r's running tally of what it proposed: requests served (column None)
    or a column of ``proposed_by``."""
    st = model.engine.state
    return int(st.rewires_by[r] if column is None else st.proposed_by[r, column])


def model_reporters(recommender_names: list[str]) -> dict:
    """The DataCollector's columns: every scalar metric, and for each recommender
    ``share:<name>`` and the running tallies of what it proposed, ``proposed:<name>``
    (requests served), ``proposed_coop:<name>`` (cooperators among them) and
    ``proposed_degree:<name>`` (their degrees, summed): the dashboard draws their
    ratios over recent generations."""
    reporters = {name: partial(_scalar, name) for name in SCALAR_METRICS}
    reporters.update({f"share:{r}": partial(_share, r) for r in recommender_names})
    for r, name in enumerate(recommender_names):
        reporters[f"proposed:{name}"] = partial(_proposed, None, r)
        reporters[f"proposed_coop:{name}"] = partial(_proposed, state.PROPOSED_COOP, r)
        reporters[f"proposed_degree:{name}"] = partial(_proposed, state.PROPOSED_DEGREE, r)
    return reporters
