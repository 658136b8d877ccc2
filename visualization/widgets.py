"""What the browser draws: :class:`PlotsView`, :class:`NetworkView`, :class:`HeadlineView`.

Both are small `anywidget <https://anywidget.dev>`_ widgets whose JavaScript is one
file of this package, ``visualization/static/views.js`` (canvas drawing, hover,
zoom, series toggles, PNG and SVG export; no library, nothing fetched). The server
talks to them with custom messages that carry numbers in binary buffers:

- ``rows`` (plots): the new rows of the time series and the degree counts;
- ``graph`` (network): positions, states, degrees and the ties added / removed;
- ``reset`` (plots): a new model, forget the old rows.

A view that opens (first render, network switched back on, page reconnected) says
``hello`` and gets everything again; the plots say ``received`` with a frame's number
once its numbers are in, which the session's play loop waits for. Each view draws its
newest state once per screen refresh, so a busy browser skips drawings, not data.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import anywidget
import traitlets

from visualization.figures import COOPERATOR_COLOUR, DEFECTOR_COLOUR

#: the views' JavaScript, shipped in this package and served by the dashboard itself
VIEWS_JS = Path(__file__).resolve().parent / "static" / "views.js"


class _View(anywidget.AnyWidget):
    _esm = VIEWS_JS.read_text(encoding="utf-8")
    colours = traitlets.Dict({"C": COOPERATOR_COLOUR, "D": DEFECTOR_COLOUR}).tag(sync=True)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        #: called with no argument when a view opens and needs everything
        self.on_hello: Callable[[], None] | None = None
        #: called with the number of a frame whose numbers a view has received
        self.on_received: Callable[[int], None] | None = None
        self.on_msg(self._received)

    def _received(self, _widget, content, _buffers) -> None:
        kind = content.get("type") if isinstance(content, dict) else None
        if kind == "hello" and self.on_hello is not None:
            self.on_hello()
        elif kind == "received" and self.on_received is not None:
            self.on_received(int(content.get("frame", 0)))


class PlotsView(_View):
    """The live plots (panels described by :func:`visualization.plots.panel_spec`)."""

    kind = traitlets.Unicode("plots").tag(sync=True)
    spec = traitlets.Dict({"panels": []}).tag(sync=True)


class NetworkView(_View):
    """The network: users coloured by strategy, shaped by recommender, sized by degree."""

    kind = traitlets.Unicode("network").tag(sync=True)
    #: the model's user number of each drawn node (empty: node i is user i)
    node_ids = traitlets.List([]).tag(sync=True)


class HeadlineView(_View):
    """The generation counter and the numbers a class watches, above the views.

    Plain synced numbers (not messages): they are tiny, and a view that opens late
    shows the current ones without asking.
    """

    kind = traitlets.Unicode("headline").tag(sync=True)
    generation = traitlets.Int(0).tag(sync=True)
    cooperation = traitlets.Float(None, allow_none=True).tag(sync=True)
    rewires = traitlets.Int(0).tag(sync=True)
    max_degree = traitlets.Int(0).tag(sync=True)
    status = traitlets.Unicode("no model").tag(sync=True)
