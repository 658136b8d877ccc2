"""What the browser draws: :class:`PlotsView`, :class:`NetworkView`, :class:`HeadlineView`.

Both are small `anywidget <https://anywidget.dev>`_ widgets whose JavaScript is one
file of this package, ``visualization/static/views.js`` (canvas drawing, hover,
zoom, series toggles, PNG and SVG export; no library, nothing fetched). The server
talks to them with custom messages that carry numbers in binary buffers:

- ``rows`` (plots): the new rows of the time series and the degree counts, and with
  them, in the same message, the headline's numbers and each network's frame
  (``graphs``: positions, states, degrees and the ties added / removed, as buffers);
  the plots view hands those to the headline and network views of its page (a
  window event named by the session's ``channel``). One message per frame, not
  three: each message costs the server a JSON header, a hop to the event loop and a
  websocket write, which cost more than the numbers themselves;
- ``graph`` (network): a network's frame sent to it alone (when it opens late);
- ``headline`` (headline): the numbers, sent to it alone (when it opens late);
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
    #: the same for the views of one session: names the window events that carry a
    #: frame from the plots view to the page's other views
    channel = traitlets.Unicode("").tag(sync=True)

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
    #: which network of the frame this view draws: ``network`` (the run) or ``twin``
    role = traitlets.Unicode("network").tag(sync=True)


class HeadlineView(_View):
    """The generation counter and the numbers a class watches, above the views.

    The numbers travel in each frame's message to the plots view (not as synced
    traits, which would be a message of their own per frame); they are kept here too,
    for the server's side, and sent alone to a view that opens late and says hello.
    """

    kind = traitlets.Unicode("headline").tag(sync=True)
    generation = traitlets.Int(0)
    cooperation = traitlets.Float(None, allow_none=True)
    rewires = traitlets.Int(0)
    max_degree = traitlets.Int(0)
    status = traitlets.Unicode("no model")

    def numbers(self) -> dict:
        return {"generation": self.generation, "cooperation": self.cooperation,
                "rewires": self.rewires, "max_degree": self.max_degree, "status": self.status}
