"""``/class``: every live session of this server side by side, for a teacher to project.

One row per open dashboard tab: its anonymous label (see
:mod:`visualization.classroom`), its settings (what its share link holds: the
parameters that differ from their defaults, and the seed) and where it got to
(generation, cooperation, rewires, status). The table is rebuilt every
:data:`REFRESH` seconds from the registry; a tab that closes drops out.
"""

from __future__ import annotations

import threading

import solara

from visualization.app import current_kernel, describe, has_viewer
from visualization.classroom import registry
from visualization.links import changed

#: seconds between refreshes of the class page
REFRESH = 2.0

CSS = """
.rw-class { padding: 16px; }
.rw-class-table { border-collapse: collapse; font-size: 1.1rem; }
.rw-class-table th, .rw-class-table td { border-bottom: 1px solid #ccc; padding: 6px 14px;
  text-align: left; vertical-align: top; }
.rw-class-table td.rw-num { text-align: right; font-variant-numeric: tabular-nums; }
"""


def rows() -> list[dict]:
    """What the class page shows of each live session."""
    out = []
    for entry in registry.live(has_viewer):
        session = entry.session
        latest = session.latest()
        params = session.share_params()
        out.append({
            "label": entry.label,
            "settings": describe(changed(params)) if params else "(starting)",
            "generation": session.generation,
            "cooperation": latest.get("cooperation"),
            "rewires": latest.get("rewires"),
            "status": session.status,
        })
    return out


def cell(text, numeric: bool = False, css: str = ""):
    classes = " ".join(c for c in ("rw-num" if numeric else "", css) if c)
    return solara.v.Html(tag="td", children=[str(text)], class_=classes)


@solara.component
def ClassPage():
    """The class's runs, refreshed every few seconds."""
    tick = solara.use_reactive(0)
    kernel = solara.use_memo(current_kernel, [])

    def refresh(cancel: threading.Event):
        while not cancel.wait(REFRESH):
            if not has_viewer(kernel):
                break
            tick.value += 1

    solara.use_thread(refresh, dependencies=[], intrusive_cancel=False)
    _ = tick.value
    found = rows()
    solara.Style(CSS)
    solara.Title("Rewire: the class's runs")
    with solara.Column(classes=["rw-class"]):
        solara.v.Html(tag="h2", children=["The class's runs"])
        solara.Text(f"{len(found)} live session(s); refreshed every {REFRESH:g} s. "
                    "Sessions are numbered and named at random: nothing identifies a student.",
                    classes=["rw-class-count"])
        header = solara.v.Html(tag="tr", children=[
            solara.v.Html(tag="th", children=[h]) for h in
            ("Session", "Settings (differing from the defaults)", "Generation",
             "Cooperation", "Rewires", "Status")])
        body = []
        for r in found:
            coop = "" if r["cooperation"] is None else f"{r['cooperation']:.1%}"
            rewires = "" if r["rewires"] is None else f"{int(r['rewires']):,}"
            body.append(solara.v.Html(tag="tr", class_="rw-class-row", children=[
                cell(r["label"], css="rw-class-label"), cell(r["settings"], css="rw-class-settings"),
                cell(r["generation"], True, "rw-class-generation"),
                cell(coop, True, "rw-class-cooperation"), cell(rewires, True),
                cell(r["status"])]))
        solara.v.Html(tag="table", class_="rw-class-table", children=[
            solara.v.Html(tag="thead", children=[header]),
            solara.v.Html(tag="tbody", children=body)])
