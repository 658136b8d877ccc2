"""The controls: one input per model parameter, built from the parameter table.

Nothing here knows a range or a recommender by heart: labels, ranges and defaults
come from :data:`model.parameters.PARAMETERS`, the games from
:data:`model.parameters.GAMES` and the recommenders and their settings from
:data:`model.policies.POLICIES` (the mix editor, :mod:`visualization.mix_editor`).
A new parameter range or policy therefore shows up in the dashboard by itself.

The controls edit a *draft* of the parameters (a dict in a reactive variable). The
running model only changes when the page is reset, and :func:`problem` says, in one
line, what is wrong with a draft before anybody tries to build a model from it.
"""

from __future__ import annotations

import math
from typing import Any, Callable

import solara

from model.parameters import GAMES, GROUPS, PARAMETERS, ParameterError, defaults, validate

#: what the seed box holds when the page opens: a fixed seed, so a class sees one run
DEFAULT_SEED = 1
#: the label the game picker shows when (T, S) is none of the named games
CUSTOM_GAME = "Custom"
def label(name: str) -> str:
    """A parameter's label, from the table (its help text is shown under each input)."""
    return PARAMETERS[name].label or name


#: every parameter's label (see :func:`label`)
LABELS = {name: label(name) for name in PARAMETERS}


def initial_draft() -> dict[str, Any]:
    """The parameters the page opens with: the table's defaults and a fixed seed."""
    draft = defaults()
    draft["rng"] = DEFAULT_SEED
    return draft


def problem(draft: dict[str, Any]) -> str | None:
    """Why the draft cannot build a model, in one line, or None if it can."""
    try:
        validate(draft)
    except ParameterError as err:
        return str(err)
    return None


def game_of(T: Any, S: Any) -> str:
    """The named game with this (T, S), or :data:`CUSTOM_GAME`."""
    for name, (t, s) in GAMES.items():
        if isinstance(T, (int, float)) and isinstance(S, (int, float)) \
                and math.isclose(T, t) and math.isclose(S, s):
            return name
    return CUSTOM_GAME


def parse_number(text: str, *, blank: Any = None, integer: bool = False) -> Any:
    """``"2" -> 2.0``, ``"inf" -> inf``, ``"" -> blank``; anything else stays text.

    Text that is not a number is kept as typed, so that validation names the bad
    value in its message instead of the input silently ignoring it.
    """
    text = text.strip()
    if text == "":
        return blank
    try:
        value = float(text)
    except ValueError:
        return text
    if integer and value.is_integer():
        return int(value)
    return value


def format_number(value: Any) -> str:
    """The inverse of :func:`parse_number`, for showing a value in a text box."""
    if value is None:
        return ""
    if isinstance(value, float):
        if math.isinf(value):
            return "inf"
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return f"{value:g}"
    return str(value)


def hint(name: str) -> str:
    """``"[0, 2] · temptation to defect"``: the range and meaning of a parameter."""
    p = PARAMETERS[name]
    text = p.range_text()
    if p.blank:
        text += f" or blank ({p.blank.replace('*beta', ' × β')})"
    return f"{text} · {p.help}"


@solara.component
def NumberBox(draft: solara.Reactive, name: str, integer: bool = False, blank: Any = None):
    """A text box for a number that may also be ``inf`` or blank (β, W, seeds, limits)."""
    value = draft.value.get(name)

    def set_text(text: str):
        draft.value = {**draft.value, name: parse_number(text, blank=blank, integer=integer)}

    solara.InputText(label(name), value=format_number(value), on_value=set_text,
                     continuous_update=False)
    Hint(name)


@solara.component
def Hint(name: str):
    solara.Text(hint(name), style={"font-size": "0.8rem", "color": "#555",
                                   "margin": "-14px 0 8px 0", "display": "block"})


@solara.component
def Slider(draft: solara.Reactive, name: str, step: float = 0.01):
    """A slider over a parameter's closed range, e.g. T in [0, 2]."""
    p = PARAMETERS[name]
    value = draft.value.get(name)
    value = float(value) if isinstance(value, (int, float)) else float(p.default)

    def set_value(v: float):
        draft.value = {**draft.value, name: round(float(v), 6)}

    solara.SliderFloat(f"{label(name)}: {value:g}", value=value, min=p.low, max=p.high,
                       step=step, on_value=set_value, thumb_label=False)
    Hint(name)


@solara.component
def GamePicker(draft: solara.Reactive):
    """Prisoner's Dilemma, Snowdrift, Stag Hunt, Harmony or custom: sets T and S."""
    current = game_of(draft.value.get("T"), draft.value.get("S"))

    def pick(name: str):
        if name in GAMES:
            T, S = GAMES[name]
            draft.value = {**draft.value, "T": T, "S": S}

    solara.Select("Game", values=[*GAMES, CUSTOM_GAME], value=current, on_value=pick)


@solara.component
def Heading(text: str):
    """A section heading (plain HTML: Markdown would load a diagram library too)."""
    solara.v.Html(tag="h4", children=[text], style_="margin: 12px 0 6px 0;")


@solara.component
def ParameterControl(draft: solara.Reactive, name: str):
    """The control the table names for one parameter (its ``control`` field)."""
    p = PARAMETERS[name]
    if p.control == "int":
        solara.InputInt(label(name), value=int(draft.value.get(name) or 0),
                        on_value=lambda v: draft.set({**draft.value, name: v}),
                        continuous_update=False)
        Hint(name)
    elif p.control == "slider":
        Slider(draft, name, step=p.step)
    elif p.control == "select":
        solara.Select(label(name), values=list(p.choices),
                      value=draft.value.get(name, p.default),
                      on_value=lambda v: draft.set({**draft.value, name: v}))
    elif p.control == "checkbox":
        solara.Checkbox(label=label(name), value=bool(draft.value.get(name)),
                        on_value=lambda v: draft.set({**draft.value, name: v}))
    elif p.control == "mix":
        from visualization.mix_editor import RecommenderMix  # it uses this module's parsers

        RecommenderMix(draft)
    else:
        NumberBox(draft, name, integer=p.kind in ("int", "steps", "seed"), blank=None)


#: Controls a group shows above its parameters: the game picker sets T and S at once.
GROUP_EXTRAS: dict[str, Callable] = {"Game": GamePicker}


@solara.component
def ParameterControls(draft: solara.Reactive):
    """Every parameter of RewireModel, under the table's headings, in the table's order."""
    for group in GROUPS:
        Heading(group)
        if group in GROUP_EXTRAS:
            GROUP_EXTRAS[group](draft)
        for name, p in PARAMETERS.items():
            if p.group == group:
                ParameterControl(draft, name)


@solara.component
def PlaybackControls(playing: solara.Reactive, speed: solara.Reactive, delay: solara.Reactive,
                     on_step: Callable[[], None], on_reset: Callable[[], None],
                     session, frame: int):
    """Play / pause, one step, reset, and how fast a played run goes.

    ``frame`` is only there so that Play and Step are disabled once the run stops.
    """
    can_run = session.running
    with solara.Row(style={"align-items": "center", "flex-wrap": "wrap", "gap": "6px"}):
        if playing.value:
            solara.Button("Pause", icon_name="mdi-pause", color="primary",
                          on_click=lambda: playing.set(False), classes=["rw-pause"])
        else:
            solara.Button("Play", icon_name="mdi-play", color="primary",
                          on_click=lambda: playing.set(True), disabled=not can_run,
                          classes=["rw-play"])
        solara.Button("Step", icon_name="mdi-step-forward", on_click=on_step,
                      disabled=playing.value or not can_run, classes=["rw-step"])
        solara.Button("Reset", icon_name="mdi-restore", on_click=on_reset,
                      classes=["rw-reset"])
    solara.SliderInt(f"Speed: {speed.value} generation(s) per frame", value=speed,
                     min=1, max=50, thumb_label=False)
    solara.SliderInt(f"Pause between frames: {delay.value} ms", value=delay, min=0,
                     max=1000, step=50, thumb_label=False)
