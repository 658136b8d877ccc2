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
import uuid
from typing import Any

from visualization.compare import TWIN_PREFIX, merged_vars, overlay_spec
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
        #: more views that follow the model (e.g. :class:`visualization.bandit_panel.BanditPanel`):
        #: each has ``attach(model)``, called when a model is built, and ``publish(model)``
        self.panels: list = []
        self.plots_view.on_hello = self._resend_plots
        self.network_view.on_hello = self._resend_network
        #: compare mode (visualization.compare): what the twin changes (None: no twin),
        #: the twin model, its network view and feed
        self.twin_changes: dict[str, Any] | None = None
        self.twin = None
        self.twin_view = NetworkView()
        self.twin_network: NetworkFeed | None = None
        self.twin_view.on_hello = self._resend_twin_network
        self.twin_view.role = "twin"
        self.headline_view.on_hello = self._resend_headline
        channel = uuid.uuid4().hex
        for view in (self.plots_view, self.network_view, self.twin_view, self.headline_view):
            view.channel = channel
        #: how many intervention marks the plots view has
        self._marks_sent = 0

    # -- running -------------------------------------------------------------
    def build(self, params: dict[str, Any]) -> None:
        """Replace the model with a new one built from ``params`` (raises ValueError)."""
        model = make_model(**params)  # may raise ParameterError: leave the old run intact
        # compare mode: the twin from the same seed (may raise too, before anything changes)
        twin = model.twin(**self.twin_changes) if self.twin_changes else None
        with self.lock:
            self.model = model
            self.params = dict(params)
            self.network = None  # laid out lazily, only if the network view is shown
            self.twin, self.twin_network = twin, None
            self._marks_sent = 0
            spec = with_creator_panels(panel_spec(list(model.recommender_names)), model)
            if twin is not None:
                spec = overlay_spec(spec, with_creator_panels(
                    panel_spec(list(twin.recommender_names)), twin))
            self.rows = RowFeed(plotted_columns(spec))
            self.plots_view.spec = spec
            self.plots_view.send({"type": "reset"})
            for panel in self.panels:
                panel.attach(model)

    @property
    def ready(self) -> bool:
        return self.model is not None

    @property
    def running(self) -> bool:
        """Whether the model (or its twin) can still advance (False after fixation or the
        time limit)."""
        return self.model is not None and (bool(self.model.running) or (
            self.twin is not None and bool(self.twin.running)))

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
            while done < generations and self.running:
                self.model.step()  # a stopped model's step does nothing
                if self.twin is not None:
                    self.twin.step()  # the twins are stepped together
                done += 1
        return done

    def intervene(self, what: dict[str, Any]) -> dict:
        """Apply an intervention now (``RewireModel.intervene``'s keywords) to the run and,
        in compare mode, to its twin (checked for both first, so both or neither change).
        Returns the run's record; raises ParameterError, one line naming the key."""
        from model.interventions import check_intervention
        from model.parameters import ParameterError

        with self.lock:
            if self.model is None:
                raise ValueError("no run to change")
            if self.twin is not None:
                check_intervention(dict(what), self.model.engine.params,
                                   self.model.recommender_names)  # the run's message first
                try:
                    check_intervention(dict(what), self.twin.engine.params,
                                       self.twin.recommender_names)
                except ParameterError as err:
                    raise ParameterError(err.name, f"the twin: {err}") from None
            record = self.model.intervene(**dict(what))
            if self.twin is not None:
                self.twin.intervene(**dict(what))
            # the current generation's row was measured again: send it again
            rows = [self.model] + ([self.twin] if self.twin is not None else [])
            self.rows.sent = min([self.rows.sent] + [
                len(m.datacollector.model_vars["cooperation"]) - 1 for m in rows])
            return record

    def marks(self) -> list[list]:
        """``[generation, label]`` of every intervention so far (the run's, then the
        twin's that the run does not share), for the plots' time axis."""
        out: list[list] = []
        for model in (self.model, self.twin):
            for record in (model.interventions if model is not None else []):
                mark = [int(record["generation"]), str(record["label"])]
                if mark not in out:
                    out.append(mark)
        return out

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
            view = self.headline_view
            view.generation = self.generation
            view.cooperation = float(latest.get("cooperation", 0.0))
            view.rewires = int(latest.get("rewires", 0))
            view.max_degree = int(latest.get("max_degree", 0))
            view.status = self.status
            graphs: dict[str, dict] = {}
            buffers: list[bytes] = []
            if self.network_shown:
                pieces = [("network", self.network_feed(), self.generation)]
                if self.twin is not None:
                    pieces.append(("twin", self._twin_feed(), self._twin_generation()))
                for role, feed, generation in pieces:
                    piece = feed.frame(generation)
                    graphs[role] = {"type": "graph", **piece.header, "at": 2 + len(buffers)}
                    buffers += piece.buffers()
            for panel in self.panels:
                panel.publish(self.model)
            self._send_rows(frame, {"headline": view.numbers(), "graphs": graphs}, buffers)

    def _send_rows(self, frame: int | None, extra: dict | None = None,
                   buffers: list[bytes] = ()) -> None:
        """The plots' message: new rows and degree counts, and (``extra``, ``buffers``)
        what the frame carries for the page's other views."""
        plotted = self.model_vars if self.twin is None else \
            merged_vars(self.model_vars, self.twin.datacollector.model_vars)
        first, rows = self.rows.next_rows(plotted)
        message = {"type": "rows", "first": first, "count": len(rows),
                   "columns": self.rows.columns}
        if frame is not None:
            message["frame"] = frame
        if len(self.model.interventions) + (len(self.twin.interventions) if self.twin
                                            else 0) != self._marks_sent or first == 0:
            message["marks"] = self.marks()
            self._marks_sent = len(self.model.interventions) + (
                len(self.twin.interventions) if self.twin else 0)
        message.update(extra or {})
        self.plots_view.send(message, [rows.tobytes(), degree_counts(self.model.degree).tobytes(),
                                       *buffers])

    def _send_network(self) -> None:
        feed = self.network_feed()
        piece = feed.frame(self.generation)
        self.network_view.send({"type": "graph", **piece.header}, piece.buffers())

    def _twin_feed(self) -> NetworkFeed:
        if self.twin_network is None:
            seed = self.params.get("rng") or 0  # the run's: both start from one layout
            self.twin_network = NetworkFeed(self.twin, seed=int(seed) % (2**32))
        return self.twin_network

    def _twin_generation(self) -> int:
        return max(len(self.twin.datacollector.model_vars.get("cooperation", [])) - 1, 0)

    def _send_twin_network(self) -> None:
        piece = self._twin_feed().frame(self._twin_generation())
        self.twin_view.send({"type": "graph", **piece.header}, piece.buffers())

    def _resend_headline(self) -> None:
        self.headline_view.send({"type": "headline", **self.headline_view.numbers()})

    def _resend_twin_network(self) -> None:
        with self.lock:
            if self.twin is None or not self.network_shown:
                return
            if self.twin_network is not None:
                self.twin_network.rewind()
            self._send_twin_network()

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
        """The run's time series as CSV: one row per generation, row 0 the initial state;
        the ``intervention`` column holds the labels of the interventions applied at
        that generation. In compare mode the twin's columns follow, prefixed ``twin:``."""
        with self.lock:
            if self.model is None:
                return ""
            frame = self.model.datacollector.get_model_vars_dataframe()
            if self.twin is not None:
                other = self.twin.datacollector.get_model_vars_dataframe()
                frame = frame.join(other.add_prefix(TWIN_PREFIX), how="outer")
        frame.index.name = "generation"
        out = io.StringIO()
        frame.to_csv(out)
        return out.getvalue()
