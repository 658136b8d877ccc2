"""The scenario picker: loads a preset from ``scenarios/`` into the controls.

Presets are the same TOML files that sweeps run (:mod:`model.scenario`), so a
classroom demonstration and a batch experiment can never drift apart. A preset's
``[model]`` table becomes the controls' values and its ``[run] seed`` the seed;
when it has a ``[grid]`` the picker offers its points (the baseline comparison's
grid is over recommenders, for instance) and loads the chosen one.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import solara

from model.parameters import defaults, validate

#: the presets folder at the top of the repository
SCENARIOS_DIR = Path(__file__).resolve().parent.parent / "scenarios"


def load_presets(folder: Path = SCENARIOS_DIR) -> tuple[list, str | None]:
    """Every preset in ``folder`` and, if one is broken, the message saying why."""
    from model.scenario import ScenarioError, list_scenarios

    try:
        return list_scenarios(folder), None
    except (ScenarioError, OSError) as err:
        return [], str(err)


def picker_entries() -> tuple[list, str | None]:
    """What the picker offers: the presets, then the lessons of ``scenarios/lessons/``
    (their titles begin "Lesson:"; their descriptions are longer than a preset's)."""
    presets, error = load_presets()
    lessons, lesson_error = load_presets(SCENARIOS_DIR / "lessons")
    return presets + lessons, error or lesson_error


#: the grid picker's first entry: the preset's own [model] table
BASE_LABEL = "the preset's [model] values"


def preset_params(scenario, point: int | None = None) -> dict[str, Any]:
    """The parameters a preset loads: its [model] table, or grid point ``point``;
    the seed is the preset's ``[run] seed``.

    Only what the file sets is taken from it; every other control keeps its
    default, so a derived default stays derived: a preset that does not set
    ``beta_med`` leaves it blank (10 × β), and it follows β when β is changed.
    """
    written = dict(scenario.model_table)
    if point is not None:
        written.update(scenario.point_labels()[point])
    clean = validate(written)  # canonical names and numbers, as the controls show them
    params = defaults()
    params.update({name: clean[name] for name in written})
    params["rng"] = scenario.seed
    return params


def point_labels(scenario) -> list[str]:
    """``BASE_LABEL``, then one label per grid point, e.g. ``"W=0.5"``."""
    if not scenario.grid:
        return []
    return [BASE_LABEL] + [scenario.describe_point(i) for i in range(len(scenario.point_labels()))]


@solara.component
def ScenarioPicker(on_load: Callable[[dict[str, Any]], None]):
    """Pick a preset (and a grid point); ``on_load(params)`` applies it."""
    presets, error = solara.use_memo(picker_entries, [])
    chosen, set_chosen = solara.use_state(None)
    label, set_label = solara.use_state(BASE_LABEL)
    by_title = {s.title: s for s in presets}
    if error:
        solara.Error(f"Could not load the presets: {error}")
    if not presets:
        return
    scenario = by_title.get(chosen)

    def pick(title: str):
        set_chosen(title)
        set_label(BASE_LABEL)
        on_load(preset_params(by_title[title]))

    solara.Select("Scenario", values=list(by_title), value=chosen, on_value=pick,
                  classes=["rw-scenario"])
    if scenario is None:
        solara.Text("Pick a preset to load its parameters and start a new run.",
                    style={"color": "#555", "font-size": "0.9rem"})
        return
    labels = point_labels(scenario)
    if labels:
        def pick_point(new_label: str):
            set_label(new_label)
            index = labels.index(new_label) - 1
            on_load(preset_params(scenario, None if index < 0 else index))

        solara.Select("Grid point", values=labels,
                      value=label if label in labels else BASE_LABEL,
                      on_value=pick_point, classes=["rw-grid-point"])
    solara.Info(scenario.description.strip() or scenario.title, dense=True,
                classes=["rw-scenario-description"])
