"""Links that open the dashboard on a run: ``/?lesson=NAME`` and share links.

A share link holds every parameter that differs from its default, and the seed, in
the URL's query (``/?n=500&W=2&recommenders=local%3D0.9%2Ccoop-random%3D0.1&seed=7``),
so opening it builds the same model and therefore the same run. A recommender with
settings is written as on the command line, with the settings that differ from the
policy's defaults: ``recommenders=local%3D0.5%2Cucb-a%3D0.5%5Bpolicy%3Dbandit-ucb%2Cwindow%3D50%5D``. Names and values are
read with the parameter table (:mod:`model.parameters`): each is named as on the
command line (``seed``, ``steps``, ``W``), and a bad value is one line naming the
parameter and its range; the page then opens with that parameter at its default.

A lesson link (``/?lesson=tipping-point``) starts from the lesson's scenario file in
``scenarios/lessons/``, as the scenario picker does; other parameters in the same
link are applied on top of it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode

from model.parameters import PARAMETERS, ParameterError, defaults, format_mix, validate
from visualization.controls import format_number, initial_draft, parse_number
from visualization.lessons import Lesson, LessonError, load_lesson
from visualization.mix_editor import without_defaults


def url_name(name: str) -> str:
    """A parameter's name in a link, as on the command line: ``rng`` is ``seed``."""
    p = PARAMETERS[name]
    return p.option.lstrip("-") if p.option else name


#: link name -> parameter name (the table's own names are accepted too)
FROM_URL = {**{name: name for name in PARAMETERS}, **{url_name(n): n for n in PARAMETERS}}
#: the query key that names a lesson
LESSON_KEY = "lesson"


def from_text(name: str, text: str) -> Any:
    """A parameter's value as typed in a link; text that is not a valid value is kept
    as typed, so that validation names it in its message."""
    p = PARAMETERS[name]
    if p.kind in ("int", "float", "steps", "seed"):
        if p.kind in ("steps", "seed") and text.strip().lower() == "none":
            return None
        return parse_number(text, blank=None, integer=p.kind != "float")
    if p.kind == "bool":
        return {"true": True, "1": True, "false": False, "0": False}.get(text.strip().lower(),
                                                                        text)
    return text.strip()  # a choice, or a mix (validate reads "local=0.9,coop-random=0.1")


def to_text(value: Any) -> str:
    """The inverse of :func:`from_text`; a mix leaves out settings at their defaults
    (``ucb-a=0.5[policy=bandit-ucb,window=50]``), as a link leaves out parameters."""
    if isinstance(value, dict):
        return format_mix(without_defaults(value))
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "none"
    return format_number(value)


def _same(value: Any, default: Any) -> bool:
    if isinstance(value, dict) or isinstance(default, dict):
        return isinstance(value, dict) and isinstance(default, dict) \
            and format_mix(value) == format_mix(default)
    if isinstance(value, bool) or isinstance(default, bool):
        return value is default
    if isinstance(value, (int, float)) and isinstance(default, (int, float)):
        return float(value) == float(default) or (math.isnan(value) and math.isnan(default))
    return value == default


def changed(params: dict[str, Any]) -> dict[str, Any]:
    """The parameters that differ from their defaults, and always the seed."""
    base = defaults()
    out = {name: params[name] for name in PARAMETERS
           if name in params and name != "rng" and not _same(params[name], base[name])}
    out["rng"] = params.get("rng")
    return out


def share_query(params: dict[str, Any]) -> str:
    """The query of a share link for ``params`` (which must hold the seed actually used)."""
    return urlencode([(url_name(name), to_text(value)) for name, value in changed(params).items()])


@dataclass
class Opening:
    """What a link asks the page to open with."""

    params: dict[str, Any]
    #: one line per thing in the link that could not be used
    problems: list[str] = field(default_factory=list)
    lesson: Lesson | None = None


def opening(search: str | None) -> Opening:
    """Read a page's query (``router.search``): the parameters to start from, the lesson
    if one is named, and one line per bad part of the link."""
    problems: list[str] = []
    base = initial_draft()
    lesson = None
    given: dict[str, Any] = {}
    for key, text in parse_qsl(search or "", keep_blank_values=True):
        if key == LESSON_KEY:
            try:
                lesson = load_lesson(text)
            except LessonError as err:
                problems.append(str(err))
            continue
        name = FROM_URL.get(key)
        if name is None:
            known = ", ".join(url_name(n) for n in PARAMETERS)
            problems.append(f"Link: unknown parameter {key!r}; known: {LESSON_KEY}, {known}")
            continue
        given[name] = from_text(name, text)
    if lesson is not None:
        base = lesson.params()
    for _ in range(len(given) + 1):
        try:
            validate({**base, **given})
            break
        except ParameterError as err:
            if err.name in given:
                problems.append(f"Link: {err}; using {url_name(err.name)}="
                                f"{to_text(base[err.name])}")
                del given[err.name]
            else:  # the link's values do not fit together: keep none of them
                problems.append(f"Link: {err}; the link's settings were not used")
                given = {}
    # canonical values, as the controls show them (a mix as a table, not text)
    clean = validate({**base, **given})
    return Opening(params={**base, **{name: clean[name] for name in given}},
                   problems=problems, lesson=lesson)
