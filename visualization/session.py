"""One browser session's run: its model, the numbers its views are drawn from, its CSV.

Mesa's SolaraViz keeps one model at module level, so every browser connected to a
server would watch (and step) the same run. Here each page instance creates its own
:class:`Session` (see :mod:`visualization.app`), which owns its own model and its
own two views (:mod:`visualization.widgets`); two students on one server never see
each other's runs.

The server draws nothing: :meth:`Session.publish` sends the views the new rows of
the time series and the network's positions and changed ties, and the browser draws.

The play loop steps the model on a worker thread while the page may ask for a reset
(or a view may ask for everything again), so every access to the model goes through
:attr:`Session.lock`.
"""

from __future__ import annotations

import io
import threading
from typing import Any

from visualization.creators_panel import with_creator_panels
from visualization.network import NetworkFeed
from visualization.plots import RowFeed, degree_counts, panel_spec, plotted_columns
from visualization.widgets import HeadlineView, NetworkView, PlotsView


def make_model(**params: Any):
    """Build the model (imported here so the dashboard loads even while it is rebuilt)."""
    from model import RewireModel

    return RewireModel(**params)


def warm_up() -> None:
    """Step a tiny model once and lay out a tiny network, so the compiled code is ready
    (or loaded from its cache) before a visitor's first Play waits for it."""
    model = make_model(n=10, k=2, rng=0)
    model.step()
    NetworkFeed(model).frame(1)


class Session:
    """The model of one browser session and the feeds of its two views."""

    def __init__(self):
        self.lock = threading.RLock()
        self.model = None
        self.params: dict[str, Any] = {}
        self.plots_view = PlotsView()
        self.network_view = NetworkView()
        self.headline_view = HeadlineView()
        self.rows: RowFeed | None = None
        self.network: NetworkFeed | None = None
        #: whether the page shows the network (no layout work while it does not)
        self.network_shown = True
        #: the last frame published: a view that opens late is asked to answer it
        self.last_frame: int | None = None
        self.plots_view.on_hello = self._resend_plots
        self.network_view.on_hello = self._resend_network

    # -- running -------------------------------------------------------------
    def build(self, params: dict[str, Any]) -> None:
        """Replace the model with a new one built from ``params`` (raises ValueError)."""
        model = make_model(**params)  # may raise ParameterError: leave the old run intact
        with self.lock:
            self.model = model
            self.params = dict(params)
            self.network = None  # laid out lazily, only if the network view is shown
            spec = with_creator_panels(panel_spec(list(model.recommender_names)), model)
            self.rows = RowFeed(plotted_columns(spec))
            self.plots_view.spec = spec
            self.plots_view.send({"type": "reset"})

    @property
    def ready(self) -> bool:
        return self.model is not None

    @property
    def running(self) -> bool:
        """Whether the model can still advance (False after fixation or the time limit)."""
        return self.model is not None and bool(self.model.running)

    @property
    def generation(self) -> int:
        """Generations done: rows of the collector after the initial state."""
        if self.model is None:
            return 0
        return max(len(self.model_vars.get("cooperation", [])) - 1, 0)

    def share_params(self) -> dict[str, Any]:
        """The parameters that built the running model, with the seed it actually used
        (drawn afresh when the seed was left blank): what a share link must hold."""
        with self.lock:
            if self.model is None:
                return {}
            params = dict(self.params)
            if params.get("rng") is None:
                params["rng"] = int(self.model.seed)
            return params

    @property
    def model_vars(self) -> dict:
        return self.model.datacollector.model_vars

    def step(self, generations: int = 1) -> int:
        """Advance up to ``generations`` generations; return how many were done."""
        done = 0
        with self.lock:
            while done < generations and self.model is not None and self.model.running:
                self.model.step()
                done += 1
        return done

    @property
    def status(self) -> str:
        """``running``, ``fixated`` (every user plays one strategy) or ``stopped`` (time limit)."""
        if self.model is None:
            return "no model"
        if self.running:
            return "running"
        return "fixated" if self.latest().get("cooperation") in (0.0, 1.0) else "stopped"

    def latest(self) -> dict[str, float]:
        """The last row of the time series, for the page's headline numbers."""
        if self.model is None:
            return {}
        with self.lock:
            return {k: v[-1] for k, v in self.model_vars.items() if len(v)}

    # -- the views -----------------------------------------------------------
    def network_feed(self) -> NetworkFeed | None:
        """The network's feed, laid out on first use."""
        if self.model is None:
            return None
        if self.network is None:
            seed = self.params.get("rng") or 0
            self.network = NetworkFeed(self.model, seed=int(seed) % (2**32))
            self.network_view.node_ids = ([int(i) for i in self.network.nodes]
                                          if self.network.mode == "sample" else [])
        return self.network

    def publish(self, frame: int | None = None) -> None:
        """Send the views what changed since the last frame; the plots answer
        ``received`` with ``frame`` once the browser has it (the network is sent first)."""
        with self.lock:
            if self.model is None:
                return
            if frame is not None:
                self.last_frame = frame
            latest = self.latest()
            with self.headline_view.hold_sync():
                self.headline_view.generation = self.generation
                self.headline_view.cooperation = float(latest.get("cooperation", 0.0))
                self.headline_view.rewires = int(latest.get("rewires", 0))
                self.headline_view.max_degree = int(latest.get("max_degree", 0))
                self.headline_view.status = self.status
            if self.network_shown:
                self._send_network()
            self._send_rows(frame)

    def _send_rows(self, frame: int | None) -> None:
        first, rows = self.rows.next_rows(self.model_vars)
        message = {"type": "rows", "first": first, "count": len(rows),
                   "columns": self.rows.columns}
        if frame is not None:
            message["frame"] = frame
        self.plots_view.send(message, [rows.tobytes(), degree_counts(self.model.degree).tobytes()])

    def _send_network(self) -> None:
        feed = self.network_feed()
        piece = feed.frame(self.generation)
        self.network_view.send({"type": "graph", **piece.header}, piece.buffers())

    def _resend_plots(self) -> None:
        with self.lock:
            if self.model is None:
                return
            self.plots_view.send({"type": "reset"})
            self.rows.rewind()
            self._send_rows(self.last_frame)

    def _resend_network(self) -> None:
        with self.lock:
            if self.model is None or not self.network_shown:
                return
            self.network_feed().rewind()
            self._send_network()

    # -- export --------------------------------------------------------------
    def csv(self) -> str:
        """The run's time series as CSV: one row per generation, row 0 the initial state."""
        with self.lock:
            if self.model is None:
                return ""
            frame = self.model.datacollector.get_model_vars_dataframe()
        frame.index.name = "generation"
        out = io.StringIO()
        frame.to_csv(out)
        return out.getvalue()
