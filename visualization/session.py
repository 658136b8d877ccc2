"""One browser session's run: its model, its pictures, and what it can export.

Mesa's SolaraViz keeps one model at module level, so every browser connected to a
server would watch (and step) the same run. Here each page instance creates its own
:class:`Session` (see :mod:`visualization.app`), which owns its own model and its
own matplotlib figures; two students on one server never see each other's runs.

The play loop steps the model on a worker thread while the page may ask for a reset,
so every access to the model goes through :attr:`Session.lock`.
"""

from __future__ import annotations

import io
import threading
from typing import Any

import numpy as np

from visualization.network import NetworkPicture
from visualization.plots import PlotsPicture


def make_model(**params: Any):
    """Build the model (imported here so the dashboard loads even while it is rebuilt)."""
    from model import RewireModel

    return RewireModel(**params)


def warm_up() -> None:
    """Step a tiny model once, so the engine's compiled kernels are ready (or loaded
    from their cache) before a visitor's first Play waits for them."""
    make_model(n=10, k=2, rng=0).step()


class Session:
    """The model of one browser session and the pictures drawn from it."""

    def __init__(self):
        self.lock = threading.RLock()
        self.model = None
        self.params: dict[str, Any] = {}
        self.network: NetworkPicture | None = None
        self.plots: PlotsPicture | None = None

    # -- running -------------------------------------------------------------
    def build(self, params: dict[str, Any]) -> None:
        """Replace the model with a new one built from ``params`` (raises ValueError)."""
        model = make_model(**params)  # may raise ParameterError: leave the old run intact
        with self.lock:
            self.model = model
            self.params = dict(params)
            self.network = None  # laid out lazily, only if the network view is shown
            self.plots = PlotsPicture(list(model.recommender_names))

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

    def latest(self) -> dict[str, float]:
        """The last row of the time series, for the page's headline numbers."""
        if self.model is None:
            return {}
        with self.lock:
            return {k: v[-1] for k, v in self.model_vars.items() if len(v)}

    # -- pictures ------------------------------------------------------------
    def plots_png(self, columns: int = 4) -> bytes:
        """All live plots in one PNG, ``columns`` panels wide (empty before the first model)."""
        with self.lock:
            if self.model is None:
                return b""
            self.plots.update(self.model_vars, np.asarray(self.model.degree))
            return self.plots.png(columns)

    def network_png(self) -> bytes:
        """The network picture as PNG bytes, laid out on first use."""
        with self.lock:
            if self.model is None:
                return b""
            if self.network is None:
                seed = self.params.get("rng") or 0
                self.network = NetworkPicture(self.model, seed=int(seed) % (2**32))
            self.network.update(self.generation)
            return self.network.png()

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
