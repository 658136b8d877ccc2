"""The live plots: small panels, each its own figure, updated in place every frame.

The panels follow MODEL.md's list of measurements: cooperation; rewires (cumulative
and per generation); rewires per opportunity; rewire requests (the paper's
engagement); degree heterogeneity and max degree; mean payoff; recommender market
shares; and the current degree distribution.

Speed is the point of the design. Drawing axes, ticks and titles is what costs in
matplotlib, so each panel draws them only when its limits change (limits grow with
headroom, and time axes double, so that is rare) and otherwise restores a cached
background and draws just its lines on it (blitting). Each panel is a separate
figure so that one panel rescaling does not redraw the others. The time series are
read straight from the data collector's ``model_vars`` lists, not via a DataFrame.
"""

from __future__ import annotations

import io

import numpy as np

from visualization.figures import (COOPERATOR_COLOUR, DEFECTOR_COLOUR, SERIES_COLOURS,
                                   new_figure)

#: panel size in inches at :data:`DPI`: four panels fit a 1024-pixel-wide row
PANEL_SIZE = (3.2, 2.55)
DPI = 80


def series(model_vars: dict, column: str) -> np.ndarray:
    """One time series as floats (empty when the collector has no such column)."""
    return np.asarray(model_vars.get(column, []), dtype=float)


def per_generation(cumulative: np.ndarray) -> np.ndarray:
    """Increments of a cumulative counter, with 0 for the initial row."""
    if len(cumulative) == 0:
        return cumulative
    return np.diff(cumulative, prepend=cumulative[0])


def stable_x_limit(current: float, last: float) -> float:
    """The right end of an axis: doubles when the data reaches it, so it rarely moves."""
    if last <= current and current >= 10:
        return current
    right = 10.0
    while right < last:
        right *= 2
    return right


def stable_limits(current: tuple[float, float], low: float, high: float) -> tuple[float, float]:
    """Y limits that contain [low, high] and only change when the data leaves them
    or shrinks to under an eighth of the range, so redraws of the axes are rare."""
    lo, hi = current
    span = hi - lo
    if lo <= low and high <= hi and (high - low) >= span / 8 and span > 0:
        return current
    # generous room, so that a steadily growing series rescales rarely (every +50 %)
    pad = (high - low) * 0.5 or max(abs(high) * 0.25, 0.5)
    new_lo = low - pad if low < 0 or low - pad >= 0 else 0.0
    return (float(new_lo), float(high + pad))


class Panel:
    """One small figure with its own cached background.

    ``fixed_y`` panels (fractions) keep their y limits; the others follow
    :func:`stable_limits`. A panel may have a second y axis on the right (``twin``).
    """

    def __init__(self, title: str, ylabel: str = "", xlabel: str = "generation",
                 fixed_y: tuple[float, float] | None = None, twin_label: str = "",
                 twin_colour: str = SERIES_COLOURS[1]):
        self.fig = new_figure(*PANEL_SIZE, DPI)
        self.ax = self.fig.add_axes([0.22, 0.19, 0.62 if twin_label else 0.74, 0.66])
        self.ax.set_title(title)
        self.ax.set_xlabel(xlabel, fontsize=10)
        if ylabel:
            self.ax.set_ylabel(ylabel, fontsize=10)
        self.fixed_y = fixed_y
        if fixed_y:
            self.ax.set_ylim(*fixed_y)
        self.ax.set_xlim(0, 10)
        self.twin = None
        if twin_label:
            self.twin = self.ax.twinx()
            self.twin.spines["right"].set_visible(True)
            self.twin.tick_params(axis="y", colors=twin_colour)
        self.artists: list = []
        self._background = None
        self._stale = True

    def line(self, colour: str, label: str = "", on_twin: bool = False, **style):
        ax = self.twin if on_twin else self.ax
        (artist,) = ax.plot([], [], color=colour, lw=style.pop("lw", 2), label=label, **style)
        artist.set_animated(True)
        self.artists.append(artist)
        return artist

    def add(self, artist):
        artist.set_animated(True)
        self.artists.append(artist)
        return artist

    def rescale(self, n_points: int) -> None:
        """Adjust the limits to the artists' data, only where it left them."""
        right = stable_x_limit(self.ax.get_xlim()[1], n_points - 1)
        self._set(self.ax, "x", (0, right))
        for ax in (self.ax, self.twin):
            if ax is None or (ax is self.ax and self.fixed_y):
                continue
            data = [np.asarray(a.get_ydata(), dtype=float) for a in self.artists
                    if hasattr(a, "get_ydata") and a.axes is ax]
            values = np.concatenate(data) if data else np.zeros(0)
            values = values[np.isfinite(values)]
            if len(values):
                self._set(ax, "y", stable_limits(ax.get_ylim(), values.min(), values.max()))

    def _set(self, ax, which: str, limits: tuple[float, float]) -> None:
        current = ax.get_xlim() if which == "x" else ax.get_ylim()
        if not np.allclose(current, limits):
            (ax.set_xlim if which == "x" else ax.set_ylim)(*limits)
            self._stale = True

    def rgba(self) -> np.ndarray:
        """Draw the panel (blitting when nothing but the data changed); RGBA pixels."""
        canvas = self.fig.canvas
        if self._stale or self._background is None:
            canvas.draw()  # everything but the animated artists
            self._background = canvas.copy_from_bbox(self.fig.bbox)
            self._stale = False
        else:
            canvas.restore_region(self._background)
        for artist in self.artists:
            artist.axes.draw_artist(artist)
        return np.asarray(canvas.buffer_rgba())


class PlotsPicture:
    """Every live-plot panel of one model."""

    def __init__(self, recommender_names: list[str]):
        self.names = list(recommender_names)
        self.coop = Panel("Cooperation", "fraction of users", fixed_y=(-0.02, 1.02))
        self.coop_line = self.coop.line(COOPERATOR_COLOUR, "C")
        self.defect_line = self.coop.line(DEFECTOR_COLOUR, "D", lw=1.3, ls="--")
        self.coop.ax.legend(handles=[self.coop_line, self.defect_line], loc="center right",
                            fontsize=9, frameon=False)
        self.rewires = Panel("Rewires", "cumulative", twin_label="per generation")
        self.rewires_total = self.rewires.line(SERIES_COLOURS[0], "cumulative")
        self.rewires_gen = self.rewires.line(SERIES_COLOURS[1], "per generation (right)",
                                             on_twin=True, lw=1.2)
        self.rewires.ax.legend(handles=[self.rewires_total, self.rewires_gen],
                               loc="upper left", fontsize=8, frameon=False)
        self.per_opportunity = Panel("Rewires per opportunity", "fraction")
        self.rpo_line = self.per_opportunity.line(SERIES_COLOURS[0])
        self.requests = Panel("Requests (engagement)", "cumulative rewire requests")
        self.requests_line = self.requests.line(SERIES_COLOURS[0])
        self.heterogeneity = Panel("Degree heterogeneity", "<k²> − <k>²",
                                   twin_label="max degree", twin_colour=SERIES_COLOURS[2])
        self.het_line = self.heterogeneity.line(SERIES_COLOURS[0], "heterogeneity")
        self.maxdeg_line = self.heterogeneity.line(SERIES_COLOURS[2], "max degree (right)",
                                                   on_twin=True, lw=1.3)
        self.heterogeneity.ax.legend(handles=[self.het_line, self.maxdeg_line],
                                     loc="upper left", fontsize=8, frameon=False)
        self.payoff = Panel("Mean payoff per user", "payoff")
        self.payoff_line = self.payoff.line(SERIES_COLOURS[0])
        self.shares = Panel("Recommender shares", "fraction of users", fixed_y=(-0.02, 1.02))
        self.share_lines = [self.shares.line(SERIES_COLOURS[i % len(SERIES_COLOURS)], name)
                            for i, name in enumerate(self.names)]
        self.shares.ax.legend(handles=self.share_lines, loc="best", fontsize=9, frameon=False)
        self.degrees = Panel("Degree distribution", "users", xlabel="degree (now)")
        self.hist = self.degrees.add(self.degrees.ax.stairs([0], [0, 1], fill=True,
                                                             color=SERIES_COLOURS[3]))
        self.panels = [self.coop, self.rewires, self.per_opportunity, self.requests,
                       self.heterogeneity, self.payoff, self.shares, self.degrees]

    def update(self, model_vars: dict, degree: np.ndarray) -> None:
        """Give every line its current data; rescale a panel only when data leaves it."""
        coop = series(model_vars, "cooperation")
        n = len(coop)
        x = np.arange(n)

        def column(name: str) -> np.ndarray:
            return series(model_vars, name)[:n]

        self.coop_line.set_data(x, coop)
        self.defect_line.set_data(x, 1 - coop)
        rewires = column("rewires")
        self.rewires_total.set_data(x, rewires)
        self.rewires_gen.set_data(x, per_generation(rewires))
        self.rpo_line.set_data(x, column("rewires_per_opportunity"))
        self.requests_line.set_data(x, column("rewire_requests"))
        self.het_line.set_data(x, column("heterogeneity"))
        self.maxdeg_line.set_data(x, column("max_degree"))
        self.payoff_line.set_data(x, column("mean_payoff"))
        for name, line in zip(self.names, self.share_lines):
            line.set_data(x, column("share:" + name))
        for panel in self.panels[:-1]:
            panel.rescale(n)
        counts = np.bincount(np.asarray(degree, dtype=np.int64))
        self.hist.set_data(counts, np.arange(len(counts) + 1) - 0.5)
        ax = self.degrees.ax
        top = stable_x_limit(ax.get_xlim()[1] + 0.5, len(counts))
        self.degrees._set(ax, "x", (-0.5, top - 0.5))
        self.degrees._set(ax, "y", stable_limits(ax.get_ylim(), 0, float(counts.max(initial=1))))

    def png(self, columns: int = 4) -> bytes:
        """All panels in one PNG (a grid of ``columns``): the page's image and the download."""
        tiles = [panel.rgba()[..., :3].copy() for panel in self.panels]
        blank = np.full_like(tiles[0], 255)
        while len(tiles) % columns:
            tiles.append(blank)
        rows = [np.concatenate(tiles[i:i + columns], axis=1)
                for i in range(0, len(tiles), columns)]
        from PIL import Image

        buf = io.BytesIO()
        Image.fromarray(np.concatenate(rows, axis=0)).save(buf, format="png", compress_level=1)
        return buf.getvalue()
