"""How it works: the code of each rule of the model, as the page shows it.

Every rule of docs/MODEL.md is a short plain-Python method on the Mesa agents
(:data:`agents.RULES`, in MODEL.md's order: the game, fitness, a generation, the
kind of update, imitation, rewiring, a recommender's candidates and proposal), which
``RewireModel(engine="agents")`` runs. The panel shows the source of the rule a
student picks, read with :func:`inspect.getsource` from the installed code, so what
the page shows is what runs, never a copy that could drift; each method's docstring
quotes the step of MODEL.md it implements, so the panel needs no words of its own.
"""

from __future__ import annotations

import inspect
import textwrap
from functools import lru_cache

import solara

from agents import RULES

#: the rule the panel opens on: the one that makes this model what it is
FIRST_RULE = "rewire"
@lru_cache(maxsize=None)
def rule_source(name: str) -> str:
    """The source of the method behind rule ``name`` (dedented)."""
    return textwrap.dedent(inspect.getsource(RULES[name]))


def rule_location(name: str) -> str:
    """``agents/user.py, User.rewire_away_from``: where the rule lives."""
    rule = RULES[name]
    module = inspect.getmodule(rule).__name__.replace(".", "/") + ".py"
    return f"{module}, {rule.__qualname__}"


@solara.component
def HowItWorks():
    """Pick a rule, read its code."""
    rule = solara.use_reactive(FIRST_RULE)
    solara.Text("Each rule of the model is a short Python method on the agents. Runs "
                "use a compiled copy of them by default; Engine = agents (under "
                "Parameters, Run) runs these very methods, for small N.",
                classes=["rw-caption"])
    solara.Select("Rule", values=list(RULES), value=rule, classes=["rw-rule-picker"])
    solara.Text(rule_location(rule.value), classes=["rw-caption", "rw-rule-where"])
    solara.v.Html(tag="pre", children=[rule_source(rule.value)], class_="rw-rule-code",
                  style_="font-size: 12px; background: #fafafa; border: 1px solid #ddd; "
                         "padding: 6px; overflow-x: auto; max-height: 420px; "
                         "white-space: pre;")
