"""Interventions: changing the rules, or some users, while a run plays.

An intervention is applied between elementary updates (in practice between
generations) and is one or more of:

- **rates**: new values of ``W``, ``W2``, ``beta``, ``beta_med``, ``T`` or ``S``
  (the kernel reads them from the state, so the next update uses them);
- **switch**: ``{"to": label, "fraction": f, "from": label}``: a fraction ``f``
  (default 1) of the users of ``from`` (default: every user not already on ``to``)
  move to recommender ``to``. Seeding a new recommender is a switch to one that the
  mix declared with share 0: the engine's arrays are sized for the recommenders of
  the mix when it is built, and a recommender with no users costs nothing;
- **cooperate** = f / **defect** = f: a fraction f of the defectors (cooperators)
  switch strategy.

Which users are chosen is drawn from a stream of the run's own, seeded by the run's
seed and the intervention's ordinal (its index in ``engine.interventions``), apart
from the dynamics' stream: the same seed and schedule give the same users in any
process, and two twins given the same intervention pick the same users wherever
both could (each user gets one random key; the eligible users with the smallest
keys are chosen). Exactly ``round(f x eligible)`` users are chosen.

Everything the kernel keeps incrementally (cooperating-neighbour counts, tie
tallies, the group and degree indexes) is recomputed after a change of strategies
or recommenders, in O(N + m): an intervention is rare, so the simple exact way wins.
The functions here take an :class:`model.engine.Engine`; :class:`RewireModel`
(``model.intervene``) and scenario files (``[[intervention]]`` tables) go through
:func:`check_intervention` and :func:`apply`, the one path.

>>> from model.engine import Engine
>>> e = Engine(n=40, k=4, rng=3, W=1.0)
>>> e.intervene(W=3.0)["label"]
'W=3'
>>> e.params["W"]
3.0
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from model.core import groups, state
from model.parameters import ParameterError, validate

#: Parameters an intervention may change: the rates and payoffs the kernel reads each update.
RATES = ("W", "W2", "beta", "beta_med", "T", "S", "beta_creator")
#: Keys of an intervention (a scenario's ``[[intervention]]`` table adds ``generation``).
KEYS = ("label", *RATES, "switch", "cooperate", "defect")
SWITCH_KEYS = ("to", "fraction", "from")
#: The spawn key of the interventions' streams (the recommenders' streams use 3).
STREAM_KEY = 4


@dataclass(frozen=True)
class Intervention:
    """A validated intervention (see the module's docstring)."""

    rates: dict[str, float] = field(default_factory=dict)
    #: (to, fraction, from or None)
    switch: tuple[str, float, str | None] | None = None
    cooperate: float | None = None
    defect: float | None = None
    label: str = ""

    def describe(self) -> str:
        """Words for the time axis and the CSV: ``W=3; 10% of defectors cooperate``."""
        parts = [f"{k}={_num(v)}" for k, v in self.rates.items()]
        if self.switch is not None:
            to, f, frm = self.switch
            parts.append(f"{_pct(f)} of {frm or 'users'} to {to}")
        if self.cooperate is not None:
            parts.append(f"{_pct(self.cooperate)} of defectors cooperate")
        if self.defect is not None:
            parts.append(f"{_pct(self.defect)} of cooperators defect")
        return "; ".join(parts)

    def as_table(self) -> dict[str, Any]:
        """The intervention as the keys it was given with (for records and results)."""
        out: dict[str, Any] = dict(self.rates)
        if self.switch is not None:
            to, f, frm = self.switch
            out["switch"] = {"to": to, "fraction": f, **({"from": frm} if frm else {})}
        if self.cooperate is not None:
            out["cooperate"] = self.cooperate
        if self.defect is not None:
            out["defect"] = self.defect
        return out


def _num(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else f"{v:g}"


def _pct(f: float) -> str:
    return f"{f * 100:.3g}%"


def check_intervention(what: dict[str, Any], params: dict[str, Any],
                       recommenders: list[str]) -> Intervention:
    """Validate an intervention given as keys (:data:`KEYS`) against a model's current
    ``params`` and its recommender labels. Raises :class:`ParameterError`, one line
    naming the key."""
    unknown = [k for k in what if k not in KEYS]
    if unknown:
        raise ParameterError(unknown[0], f"{unknown[0]}: unknown key of an intervention; "
                             f"allowed: {', '.join(KEYS)}")
    label = what.get("label")
    if label is not None and not isinstance(label, str):
        raise ParameterError("label", f"label: must be a string; got {label!r}")
    rates = {k: what[k] for k in RATES if k in what}
    if rates:
        new = dict(params, **rates)
        if "beta" in rates and "beta_med" not in rates \
                and params["beta_med"] == 10 * params["beta"]:
            new["beta_med"] = None  # derived from beta: follows it (MODEL.md)
        if "beta" in rates and "beta_creator" not in rates \
                and params["beta_creator"] == params["beta"]:
            new["beta_creator"] = None
        clean = validate(new)
        rates = {k: clean[k] for k in RATES if clean[k] != params[k] or k in rates}
    switch = None
    if "switch" in what:
        switch = _check_switch(what["switch"], recommenders)
    fractions = {k: _fraction(k, what[k]) for k in ("cooperate", "defect") if k in what}
    if not (rates or switch or fractions):
        raise ParameterError("intervention", "an intervention must change something: give "
                             f"one of {', '.join(KEYS[1:])}")
    iv = Intervention(rates=rates, switch=switch, cooperate=fractions.get("cooperate"),
                      defect=fractions.get("defect"))
    return Intervention(iv.rates, iv.switch, iv.cooperate, iv.defect,
                        label if label is not None else iv.describe())


def _fraction(key: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) \
            or not 0 <= float(value) <= 1:
        raise ParameterError(key, f"{key}: must be a fraction in [0, 1]; got {value!r}")
    return float(value)


def _check_switch(table: Any, recommenders: list[str]) -> tuple[str, float, str | None]:
    if isinstance(table, str):
        table = {"to": table}
    if not isinstance(table, dict):
        raise ParameterError("switch", "switch: must be a table {to, fraction, from} or a "
                             f"recommender name; got {table!r}")
    for key in table:
        if key not in SWITCH_KEYS:
            raise ParameterError(f"switch.{key}", f"switch.{key}: unknown key; allowed: "
                                 f"{', '.join(SWITCH_KEYS)}")
    if "to" not in table:
        raise ParameterError("switch.to", "switch.to: missing: the recommender users move to")
    names = {}
    for key in ("to", "from"):
        if key in table:
            names[key] = _label(f"switch.{key}", table[key], recommenders)
    fraction = _fraction("switch.fraction", table.get("fraction", 1.0))
    return names["to"], fraction, names.get("from")


def _label(key: str, name: Any, recommenders: list[str]) -> str:
    """A recommender label of this model (aliases and case resolved as in the mix)."""
    if isinstance(name, str):
        for label in recommenders:
            if label.lower() == name.strip().lower():
                return label
        try:
            from model.policies import canonical_name

            canonical = canonical_name(name)
            if canonical in recommenders:
                return canonical
        except KeyError:
            pass
    raise ParameterError(key, f"{key}: {name!r} is not a recommender of this model "
                         f"(its mix: {', '.join(recommenders)}); to seed a new recommender "
                         f"later, declare it in the mix with share 0")


# -- applying -----------------------------------------------------------------------
def intervene(engine, label: str | None = None, **what: Any) -> dict:
    """Validate and apply an intervention now; return its record."""
    if label is not None:
        what["label"] = label
    return apply(engine, check_intervention(what, engine.params, engine.recommender_names))


def apply(engine, iv: Intervention) -> dict:
    """Apply a validated intervention to ``engine`` now and log it in
    ``engine.interventions``; return the record (step, generation, label, changes)."""
    rng = stream(engine)
    if iv.rates:
        set_rates(engine, **iv.rates)
    if iv.switch is not None:
        to, fraction, frm = iv.switch
        switch_recommender(engine, to, fraction, frm, rng)
    if iv.cooperate is not None:
        convert(engine, state.COOPERATE, iv.cooperate, rng)
    if iv.defect is not None:
        convert(engine, state.DEFECT, iv.defect, rng)
    record = {"step": engine.steps, "generation": engine.steps // engine.n,
              "label": iv.label, **iv.as_table()}
    engine.interventions.append(record)
    return record


def stream(engine) -> np.random.Generator:
    """The generator of the next intervention: seeded by the run's seed and how many
    interventions came before, apart from the dynamics' stream."""
    return np.random.default_rng(np.random.SeedSequence(
        engine.seed, spawn_key=(STREAM_KEY, len(engine.interventions))))


def set_rates(engine, **rates: float) -> None:
    """New values of rate parameters (:data:`RATES`), already validated."""
    st = engine.state
    engine.params.update(rates)
    p = engine.params
    st.fpar[state.BETA] = p["beta"]
    st.fpar[state.BETA_MED] = p["beta_med"]
    st.fpar[state.BETA_CREATOR] = p["beta_creator"]
    st.fpar[state.P_RECOMMENDER], st.fpar[state.P_STRATEGY] = \
        state.update_probabilities(p["W"], p["W2"])
    st.payoff[:] = state.payoff_matrix(p["T"], p["S"])


def choose(rng: np.random.Generator, eligible: np.ndarray, fraction: float) -> np.ndarray:
    """``round(fraction x eligible users)`` of the users where ``eligible`` is True: those
    with the smallest of one uniform key per user (so the same stream picks the same
    users in two states wherever they are eligible in both)."""
    keys = rng.random(len(eligible))
    who = np.flatnonzero(eligible)
    count = math.floor(fraction * len(who) + 0.5)
    return who[np.argsort(keys[who], kind="stable")[:count]]


def switch_recommender(engine, to: str, fraction: float = 1.0, frm: str | None = None,
                       rng: np.random.Generator | None = None) -> np.ndarray:
    """Move a fraction of the users of ``frm`` (default: of every user not on ``to``) to
    recommender ``to``; return who moved."""
    st = engine.state
    names = engine.recommender_names
    r_to = names.index(to)
    eligible = st.rec != r_to if frm is None else st.rec == names.index(frm)
    eligible[engine.n_viewers:] = False  # creators use no recommender
    moved = choose(rng if rng is not None else stream(engine), eligible, fraction)
    st.rec[moved] = r_to
    refile(engine)
    return moved


def convert(engine, strategy: int, fraction: float,
            rng: np.random.Generator | None = None) -> np.ndarray:
    """A fraction of the users not playing ``strategy`` switch to it; return who did."""
    st = engine.state
    eligible = st.strat != strategy
    eligible[engine.n_viewers:] = False  # users only: creators change by imitation alone
    moved = choose(rng if rng is not None else stream(engine), eligible, fraction)
    st.strat[moved] = strategy
    refile(engine)
    return moved


def refile(engine) -> None:
    """Recompute from scratch what the kernel keeps incrementally about strategies and
    recommenders, after ``strat`` or ``rec`` changed: cooperating-neighbour counts, the
    cooperator and tie tallies, the indexes, and fixation.

    Fixation: a state where everyone plays one strategy records the step if none was
    recorded; a mixed state clears it, and a run that had stopped at fixation goes on
    (an intervention can undo fixation, which the dynamics alone never do).
    """
    from model.engine import fixated

    st = engine.state
    n = engine.n
    strat = st.strat.astype(np.int64)
    edges = engine.edges()
    ncoop = np.bincount(edges[:, 0], weights=strat[edges[:, 1]], minlength=n) \
        + np.bincount(edges[:, 1], weights=strat[edges[:, 0]], minlength=n)
    st.ncoop[:] = ncoop.astype(np.int32)
    ends = strat[edges[:, 0]] + strat[edges[:, 1]]
    st.cnt[state.TIES_CC] = int((ends == 2).sum())
    st.cnt[state.TIES_CD] = int((ends == 1).sum())
    n_coop = int(strat.sum())
    st.cnt[state.N_COOP] = n_coop
    viewers = engine.n_viewers
    st.cnt[state.N_QUALITY] = quality = int(strat[viewers:].sum())
    for name, array in groups.build_indexes(st.strat, st.rec, st.deg,
                                            len(engine.recommender_names),
                                            viewers < n).items():
        getattr(st, name)[...] = array
    if fixated(n_coop - quality, viewers, quality, n - viewers):
        if st.cnt[state.FIXATION_STEP] < 0:
            st.cnt[state.FIXATION_STEP] = st.cnt[state.STEPS]
        engine.stopped_at_fixation = bool(engine.params["stop_on_fixation"])
    else:
        st.cnt[state.FIXATION_STEP] = -1
        engine.stopped_at_fixation = False
