"""Lessons: lesson plans in ``docs/lessons/`` with their settings in ``scenarios/lessons/``.

``/?lesson=NAME`` opens the dashboard on ``scenarios/lessons/NAME.toml`` (its
``[model]`` table and ``[run] seed``, loaded as the scenario picker loads a preset)
and shows the lesson's title and description with a link to its text,
``docs/lessons/NAME.md``, which the server shows at ``/lesson-text?lesson=NAME``
(plain text: nothing is fetched from elsewhere).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import solara

ROOT = Path(__file__).resolve().parent.parent
#: the lessons' settings (scenario files) and their texts
LESSON_SCENARIOS = ROOT / "scenarios" / "lessons"
LESSON_TEXTS = ROOT / "docs" / "lessons"
#: a lesson's name: what a file name in scenarios/lessons/ may be (no paths)
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,80}$")


class LessonError(ValueError):
    """A lesson link that names no lesson. ``str(err)`` is one line."""


def lesson_names() -> list[str]:
    return sorted(p.stem for p in LESSON_SCENARIOS.glob("*.toml"))


@dataclass
class Lesson:
    name: str
    scenario: Any  # model.scenario.Scenario

    @property
    def title(self) -> str:
        return self.scenario.title

    @property
    def description(self) -> str:
        return " ".join(self.scenario.description.split())

    @property
    def text_path(self) -> str:
        """Where the lesson plan is, from the top of the repository."""
        return f"docs/lessons/{self.name}.md"

    @property
    def text_link(self) -> str:
        return f"/lesson-text?lesson={self.name}"

    def params(self) -> dict[str, Any]:
        """The parameters the lesson opens with (as the scenario picker loads them)."""
        from visualization.scenarios_picker import preset_params

        return preset_params(self.scenario)


def load_lesson(name: str) -> Lesson:
    """The lesson called ``name``; :class:`LessonError` if there is none."""
    from model.scenario import ScenarioError, load_scenario

    path = LESSON_SCENARIOS / f"{name}.toml"
    if not NAME.match(name or "") or not path.is_file():
        raise LessonError(f"No lesson called {name!r}; lessons: {', '.join(lesson_names())}. "
                          "The page opened with its usual settings.")
    try:
        return Lesson(name, load_scenario(path))
    except ScenarioError as err:
        raise LessonError(f"Lesson {name!r} could not be loaded: {err}") from None


@solara.component
def LessonCard(lesson: Lesson):
    """The lesson's title and description, and where its text is."""
    with solara.Card(classes=["rw-lesson"]):
        solara.v.Html(tag="h3", children=[lesson.title], class_="rw-lesson-title",
                      style_="margin: 0 0 6px 0;")
        solara.Text(lesson.description, classes=["rw-lesson-description"])
        with solara.Row(style={"align-items": "baseline", "gap": "6px", "flex-wrap": "wrap"}):
            solara.v.Html(tag="a", attributes={"href": lesson.text_link, "target": "_blank"},
                          children=["The lesson plan"], class_="rw-lesson-text-link",
                      style_="color: #0072B2; text-decoration: underline;")
            solara.Text(f"({lesson.text_path})", classes=["rw-caption"])


@solara.component
def LessonText():
    """``/lesson-text?lesson=NAME``: the lesson plan's text as written."""
    router = solara.use_router()
    name = dict(parse_qsl(router.search or "")).get("lesson", "")
    path = LESSON_TEXTS / f"{name}.md"
    solara.Title(f"Lesson: {name}")
    if not NAME.match(name) or not path.is_file():
        solara.Error(f"No lesson text called {name!r}; lessons: {', '.join(lesson_names())}")
        return
    solara.v.Html(tag="pre", children=[path.read_text(encoding="utf-8")],
                  class_="rw-lesson-text",
                  style_="white-space: pre-wrap; font-size: 1rem; padding: 16px; "
                         "max-width: 60em;")
