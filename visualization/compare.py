"""Compare mode: the run and its counterfactual twin, side by side.

"What would have happened with the other recommender?" A twin
(:meth:`model.RewireModel.twin`) starts from the same seed, so from the same
initial graph, strategies and recommender placement, and differs only in what the
user picks (the recommender mix, W, beta, ...). The page steps the two together,
overlays the twin's curves on the same axes as the run's (dotted, same colours),
and draws the two networks next to each other, both laid out from the same start.

Turning compare mode on restarts the run from its own parameters and seed, so the
two begin at generation 0 together; Reset rebuilds both. Interventions in compare
mode apply to both runs (:meth:`visualization.session.Session.intervene`), so the
twins still differ only in the twin's change. The session keeps the twin
(:attr:`Session.twin`); this module has the twin's settings, the overlay of the
plots and the panel.
"""

from __future__ import annotations

from typing import Any, Callable

import solara

from model.parameters import PARAMETERS, ParameterError, format_mix
from model.engine import with_seed
from model.parameters import validate
from model.twins import twin_params
from visualization.controls import format_number
from visualization.network import network_caption

#: what a twin may change, in the table's order (n, k, graph and the seed make another
#: graph; the time limit, fixation stop and engine would not be a comparison of rules)
TWIN_CHANGES = ("recommenders", "W", "W2", "beta", "beta_med", "T", "S", "coop_init",
                "allow_isolation")
#: the prefix of the twin's columns in the plots' rows and in the CSV
TWIN_PREFIX = "twin:"


def describe_changes(changes: dict[str, Any]) -> str:
    """``W=3`` or ``recommenders: coop-random=1``: what the twin changes, in words."""
    parts = []
    for name, value in changes.items():
        if isinstance(value, dict):
            parts.append(f"{name}: {format_mix(value)}")
        elif isinstance(value, bool):
            parts.append(f"{name}={'true' if value else 'false'}")
        else:
            parts.append(f"{name}={format_number(value)}")
    return ", ".join(parts)


def twin_changes(name: str, text: str, params: dict[str, Any]) -> dict[str, Any]:
    """The twin's change ``{name: value}`` read from what was typed, checked against the
    run's parameters ``params``. Raises :class:`ParameterError`, one line naming it."""
    from visualization.links import from_text

    if name not in TWIN_CHANGES:
        raise ParameterError(name, f"{name}: a twin can change {', '.join(TWIN_CHANGES)}")
    if not text.strip():
        raise ParameterError(name, f"{name}: give the twin's value ({PARAMETERS[name].range_text()})")
    value = from_text(name, text)
    checked = twin_params(with_seed(validate(dict(params))), {name: value})
    return {name: checked[name]}


def overlay_spec(spec: dict, twin_spec: dict) -> dict:
    """The run's panels with the twin's series added on the same axes: same colours,
    drawn dotted, columns prefixed :data:`TWIN_PREFIX`; ``base`` is the index of the
    run's series of the same name (a legend click hides both)."""
    panels = []
    for panel, other in zip(spec["panels"], twin_spec["panels"]):
        panel = dict(panel, series=list(panel["series"]))
        if panel.get("kind") == "hist":
            panel["title"] += " (this run)"
        names = [s["name"] for s in panel["series"]]
        for s in other["series"]:
            twin_series = dict(s, column=TWIN_PREFIX + s["column"], twin=True,
                               base=names.index(s["name"]) if s["name"] in names else None)
            if "over" in s:  # a ratio: of the twin's own tallies
                twin_series["over"] = TWIN_PREFIX + s["over"]
            panel["series"].append(twin_series)
        panels.append(panel)
    return {"panels": panels, "twin": True}


def merged_vars(model_vars: dict, twin_vars: dict) -> dict:
    """The run's time series and the twin's (prefixed) in one mapping of columns."""
    merged = dict(model_vars)
    merged.update({TWIN_PREFIX + k: v for k, v in twin_vars.items()})
    return merged


# -- the panel ---------------------------------------------------------------------
@solara.component
def CompareCard(session, restart: Callable[[], None], run: int):
    """Turn compare mode on or off and say what the twin changes.

    ``restart`` rebuilds the run from its parameters (and the twin with it); ``run``
    counts the models built, so the card follows a reset."""
    name = solara.use_reactive("recommenders")
    text = solara.use_reactive("")
    problem = solara.use_reactive("")
    params = dict(session.params)

    def start():
        try:
            changes = twin_changes(name.value, text.value, params)
        except ParameterError as err:
            problem.set(str(err))
            return
        problem.set("")
        session.twin_changes = changes
        restart()

    def stop():
        session.twin_changes = None
        problem.set("")
        restart()

    labels = {PARAMETERS[n].label or n: n for n in TWIN_CHANGES}
    solara.Text("Two runs from the same seed and the same initial graph, stepped "
                "together: this run (solid lines, left) and a twin that differs in one "
                "setting (dotted lines, right).", classes=["rw-caption"])
    solara.Select("The twin changes", values=list(labels),
                  value=PARAMETERS[name.value].label or name.value,
                  on_value=lambda label: name.set(labels[label]), classes=["rw-twin-param"])
    current = params.get(name.value)
    example = format_mix(current) if isinstance(current, dict) else format_number(current)
    solara.InputText(f"to (now {example})", value=text, continuous_update=True,
                     classes=["rw-twin-value"])
    if problem.value:
        solara.Error(problem.value, dense=True, classes=["rw-twin-error"])
    with solara.Row(style={"gap": "6px", "flex-wrap": "wrap"}):
        solara.Button("Compare", on_click=start, color="primary", classes=["rw-compare"])
        if session.twin is not None:
            solara.Button("Stop comparing", on_click=stop, classes=["rw-stop-compare"])
    if session.twin is not None:
        solara.Text(f"Comparing with a twin: {describe_changes(session.twin_changes)}",
                    classes=["rw-caption", "rw-twin-caption"])


@solara.component
def TwinNetworkCard(session, shown: bool, n_users: int, run: int):
    """The twin's network, next to the run's (only in compare mode; ``run`` counts the
    models built, so the card follows compare mode turned on or off)."""
    if session.twin is None:
        return
    with solara.Card("Twin", classes=["rw-network-card", "rw-twin-card"]):
        solara.Text(f"Differs in {describe_changes(session.twin_changes)}.",
                    classes=["rw-caption", "rw-twin-caption"])
        if shown:
            solara.Text(network_caption(n_users), classes=["rw-caption"])
            solara.Column(children=[session.twin_view])
        else:
            solara.Text("Hidden: the run goes faster without it.", classes=["rw-caption"])
