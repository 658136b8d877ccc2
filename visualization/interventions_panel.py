"""Change the rules while a run plays: the page's panel for interventions.

A student can, at any moment of a run: set W or beta; move every user (or a
fraction) to another recommender; seed a fraction of users with a new recommender;
make a fraction of the defectors cooperate. Each goes through
:meth:`model.RewireModel.intervene` (via :meth:`Session.intervene`, which applies it
to the twin too in compare mode), so it is applied between generations exactly as
a scenario's ``[[intervention]]`` table or a script would apply it: the same users
are chosen from the same seed. It is marked on the plots' time axis with its label,
and its label is in the ``intervention`` column of the CSV download.

A bad value is one line naming the field and its range; nothing changes then.
Seeding a new recommender needs one the run's mix declared with share 0 (the
engine is sized for the mix when the run is built): ``local=1,coop-random=0``.
"""

from __future__ import annotations

from typing import Any, Callable

import solara

from model.parameters import PARAMETERS, ParameterError
from visualization.controls import parse_number

#: what the panel can do: label -> kind
KINDS = {
    "Set W (rewiring time scale)": "W",
    "Set β (selection intensity)": "beta",
    "Move users to a recommender": "switch",
    "Seed a new recommender": "seed",
    "Make defectors cooperate": "cooperate",
}
#: the fraction each kind starts with
DEFAULT_FRACTION = {"switch": "1", "seed": "0.1", "cooperate": "0.1"}


def unused_recommenders(model) -> list[str]:
    """The run's recommenders that have no users now (the ones a seed can start)."""
    shares = {name: model.metrics.get(f"share:{name}", 0.0) for name in model.recommender_names}
    return [name for name, share in shares.items() if share == 0]


def intervention(kind: str, value: str, recommender: str | None, fraction: str,
                 label: str) -> dict[str, Any]:
    """The keywords of ``RewireModel.intervene`` for what the panel holds. Raises
    :class:`ParameterError` for a missing value (bad ones are named by the model)."""
    what: dict[str, Any] = {}
    if kind in ("W", "beta"):
        if not value.strip():
            raise ParameterError(kind, f"{kind}: give a value ({PARAMETERS[kind].range_text()})")
        what[kind] = parse_number(value)
    else:
        share = parse_number(fraction, blank=None)
        if share is None:
            field = "fraction" if kind == "cooperate" else "switch.fraction"
            raise ParameterError(field, f"{field}: give a fraction in [0, 1]")
        if kind == "cooperate":
            what["cooperate"] = share
        else:
            if not recommender:
                raise ParameterError("switch.to", "switch.to: pick a recommender; to seed a "
                                     "new one, declare it in the mix with share 0 "
                                     "(local=1,coop-random=0) and press Reset")
            what["switch"] = {"to": recommender, "fraction": share}
    if label.strip():
        what["label"] = label.strip()
    return what


@solara.component
def InterventionCard(session, publish: Callable[[], None], run: int):
    """Pick a change, press Apply: it happens now, between two generations.

    ``publish`` sends the page a frame (so a paused run shows it at once); ``run``
    counts the models built, so the recommender choices follow a reset."""
    kind_label = solara.use_reactive(next(iter(KINDS)))
    value = solara.use_reactive("")
    recommender = solara.use_reactive(None)
    fraction = solara.use_reactive("")
    label = solara.use_reactive("")
    outcome = solara.use_reactive(("", ""))  # (error, done)
    kind = KINDS[kind_label.value]
    model = session.model
    if model is None:
        return
    choices = unused_recommenders(model) if kind == "seed" else list(model.recommender_names)

    def apply():
        try:
            what = intervention(kind, value.value, recommender.value if recommender.value in
                                choices else None,
                                fraction.value or DEFAULT_FRACTION.get(kind, ""), label.value)
            record = session.intervene(what)
        except ValueError as err:  # ParameterError names the field and its range
            outcome.set((str(err), ""))
            return
        outcome.set(("", f"Applied at generation {record['generation']}: {record['label']}"))
        label.set("")  # a label names one intervention
        publish()

    solara.Select("Change", values=list(KINDS), value=kind_label,
                  on_value=lambda _: outcome.set(("", "")), classes=["rw-intervention-kind"])
    if kind in ("W", "beta"):
        current = model.params[kind]
        solara.InputText(f"new {kind} (now {current:g}; {PARAMETERS[kind].range_text()})",
                         value=value, continuous_update=True, classes=["rw-intervention-value"])
    else:
        if kind != "cooperate":
            if choices:
                solara.Select("recommender", values=choices,
                              value=recommender.value if recommender.value in choices else None,
                              on_value=recommender.set, classes=["rw-intervention-recommender"])
            else:
                solara.Text("No recommender of this run is without users: declare the new "
                            "one in the mix with share 0 (e.g. local=1, coop-random=0) "
                            "and press Reset.", classes=["rw-caption"])
        of = "of the defectors" if kind == "cooperate" else "of the users"
        solara.InputText(f"fraction {of} (0 to 1; default {DEFAULT_FRACTION[kind]})",
                         value=fraction, continuous_update=True,
                         classes=["rw-intervention-fraction"])
    solara.InputText("label on the time axis (optional)", value=label,
                     continuous_update=True, classes=["rw-intervention-label"])
    solara.Button("Apply now", on_click=apply, color="primary", classes=["rw-intervene"])
    error, done = outcome.value
    if error:
        solara.Error(error, dense=True, classes=["rw-intervention-error"])
    elif done:
        solara.Text(done, classes=["rw-caption", "rw-intervention-done"])
