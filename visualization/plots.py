"""The live plots: one figure of small panels, updated in place every frame.

The panels follow MODEL.md's list of measurements: cooperation; rewires (cumulative
and per generation); rewires per opportunity; rewire requests (the paper's
engagement); degree heterogeneity and max degree; mean payoff; recommender market
shares; and the current degree distribution.

All panels live in one matplotlib figure whose lines are created once and then only
given new data (``set_data``), which costs far less than building a figure per
frame. The time series are read straight from the data collector's ``model_vars``
lists (one entry per generation, row 0 the initial state), not via a DataFrame.
"""

from __future__ import annotations

import numpy as np

from visualization.figures import (COOPERATOR_COLOUR, DEFECTOR_COLOUR, SERIES_COLOURS,
                                   new_figure, rgba_png)

#: (column of model_vars, panel title, y label) of the single-line panels
SINGLE_PANELS = [
    ("cooperation", "Cooperation", "fraction of users playing C"),
    ("rewires_per_opportunity", "Rewires per opportunity", "rewires / opportunities"),
    ("rewire_requests", "Rewire requests (engagement)", "cumulative"),
    ("mean_payoff", "Mean payoff per user", "payoff"),
]


def series(model_vars: dict, column: str) -> np.ndarray:
    """One time series as floats (empty when the collector has no such column)."""
    return np.asarray(model_vars.get(column, []), dtype=float)


def per_generation(cumulative: np.ndarray) -> np.ndarray:
    """Increments of a cumulative counter, with 0 for the initial row."""
    if len(cumulative) == 0:
        return cumulative
    return np.diff(cumulative, prepend=cumulative[0])


def share_columns(model_vars: dict) -> list[str]:
    """The ``share:<name>`` columns, in the collector's order."""
    return [c for c in model_vars if c.startswith("share:")]


class PlotsPicture:
    """The live-plot figure of one model, redrawn in place every frame."""

    def __init__(self, recommender_names: list[str], width: float = 13.0,
                 height: float = 6.2, dpi: int = 80):
        self.names = list(recommender_names)
        self.fig = new_figure(width, height, dpi)
        axes = self.fig.subplots(2, 4)
        self.fig.subplots_adjust(left=0.055, right=0.965, top=0.93, bottom=0.09,
                                 wspace=0.42, hspace=0.45)
        self.axes = axes.ravel()
        self.lines: dict[str, object] = {}
        (ax_coop, ax_rewires, ax_rpo, ax_requests,
         ax_het, ax_payoff, ax_shares, ax_hist) = self.axes
        panels = dict(zip(["cooperation", "rewires_per_opportunity", "rewire_requests",
                           "mean_payoff"], [ax_coop, ax_rpo, ax_requests, ax_payoff]))
        for column, title, ylabel in SINGLE_PANELS:
            ax = panels[column]
            ax.set_title(title)
            ax.set_ylabel(ylabel, fontsize=10)
            colour = COOPERATOR_COLOUR if column == "cooperation" else SERIES_COLOURS[0]
            (self.lines[column],) = ax.plot([], [], color=colour, lw=2)
        ax_coop.set_ylim(-0.02, 1.02)
        # the defector fraction mirrors cooperation, in the defector colour
        (self.lines["defection"],) = ax_coop.plot([], [], color=DEFECTOR_COLOUR, lw=1.2,
                                                  ls="--", label="D")
        ax_rewires.set_title("Rewires")
        ax_rewires.set_ylabel("cumulative", fontsize=10)
        (self.lines["rewires"],) = ax_rewires.plot([], [], color=SERIES_COLOURS[0], lw=2,
                                                   label="cumulative")
        self.ax_rewires_gen = ax_rewires.twinx()
        self.ax_rewires_gen.spines["right"].set_visible(True)
        (self.lines["rewires_gen"],) = self.ax_rewires_gen.plot(
            [], [], color=SERIES_COLOURS[1], lw=1.2, label="per generation")
        self.ax_rewires_gen.set_ylabel("per generation", fontsize=10, color=SERIES_COLOURS[1])
        ax_rewires.legend(handles=[self.lines["rewires"], self.lines["rewires_gen"]],
                          loc="upper left", fontsize=9, frameon=False)
        ax_het.set_title("Degree heterogeneity")
        ax_het.set_ylabel("<k²> − <k>²", fontsize=10)
        (self.lines["heterogeneity"],) = ax_het.plot([], [], color=SERIES_COLOURS[0], lw=2,
                                                     label="heterogeneity")
        self.ax_maxdeg = ax_het.twinx()
        self.ax_maxdeg.spines["right"].set_visible(True)
        (self.lines["max_degree"],) = self.ax_maxdeg.plot([], [], color=SERIES_COLOURS[2],
                                                          lw=1.2, label="max degree")
        self.ax_maxdeg.set_ylabel("max degree", fontsize=10, color=SERIES_COLOURS[2])
        ax_het.legend(handles=[self.lines["heterogeneity"], self.lines["max_degree"]],
                      loc="upper left", fontsize=9, frameon=False)
        ax_shares.set_title("Recommender market shares")
        ax_shares.set_ylabel("fraction of users", fontsize=10)
        ax_shares.set_ylim(-0.02, 1.02)
        for i, name in enumerate(self.names):
            (self.lines["share:" + name],) = ax_shares.plot(
                [], [], lw=2, color=SERIES_COLOURS[i % len(SERIES_COLOURS)], label=name)
        ax_shares.legend(loc="best", fontsize=9, frameon=False)
        ax_hist.set_title("Degree distribution (now)")
        ax_hist.set_xlabel("degree")
        ax_hist.set_ylabel("users", fontsize=10)
        self.hist = ax_hist.stairs([0], [0, 1], fill=True, color=SERIES_COLOURS[3])
        for ax in self.axes[:-1]:
            ax.set_xlabel("generation", fontsize=10)
        self.time_axes = [ax for ax in self.axes[:-1]] + [self.ax_rewires_gen, self.ax_maxdeg]
        # lines are drawn over a cached background (see png); the stairs too
        self.animated = list(self.lines.values()) + [self.hist]
        for artist in self.animated:
            artist.set_animated(True)
        self._background = None
        self._background_stale = True

    def update(self, model_vars: dict, degree: np.ndarray) -> None:
        """Give every line its current data; rescale an axis only when the data leaves it."""
        coop = series(model_vars, "cooperation")
        x = np.arange(len(coop))
        n = len(x)
        for column, _title, _label in SINGLE_PANELS:
            self.lines[column].set_data(x, series(model_vars, column)[:n])
        self.lines["defection"].set_data(x, 1 - coop)
        rewires = series(model_vars, "rewires")[:n]
        self.lines["rewires"].set_data(x, rewires)
        self.lines["rewires_gen"].set_data(x, per_generation(rewires))
        self.lines["heterogeneity"].set_data(x, series(model_vars, "heterogeneity")[:n])
        self.lines["max_degree"].set_data(x, series(model_vars, "max_degree")[:n])
        for name in self.names:
            self.lines["share:" + name].set_data(x, series(model_vars, "share:" + name)[:n])
        counts = np.bincount(np.asarray(degree, dtype=np.int64))
        self.hist.set_data(counts, np.arange(len(counts) + 1) - 0.5)

        changed = False
        right = stable_x_limit(self.axes[0].get_xlim()[1], n - 1)
        for ax in self.time_axes:
            changed |= _set_limits(ax, "x", (0, right))
        fixed = (self.axes[0], self.axes[6])  # fractions keep [0, 1]
        for ax in self.time_axes:
            if ax in fixed:
                continue
            data = np.concatenate([line.get_ydata() for line in ax.get_lines()] or [[0.0]])
            data = data[np.isfinite(data)]
            if len(data):
                changed |= _set_limits(ax, "y", stable_limits(ax.get_ylim(), data.min(),
                                                              data.max()))
        ax_hist = self.axes[7]
        top = stable_x_limit(ax_hist.get_xlim()[1] + 0.5, len(counts))
        changed |= _set_limits(ax_hist, "x", (-0.5, top - 0.5))
        changed |= _set_limits(ax_hist, "y", stable_limits(ax_hist.get_ylim(), 0,
                                                           float(counts.max(initial=1))))
        self._background_stale |= changed

    def png(self) -> bytes:
        """The current plots as PNG bytes.

        Axes, ticks and titles are drawn only when a limit changed; otherwise the cached
        background is restored and only the lines are drawn on it (blitting).
        """
        canvas = self.fig.canvas
        if self._background_stale or self._background is None:
            canvas.draw()  # draws everything but the animated lines
            self._background = canvas.copy_from_bbox(self.fig.bbox)
            self._background_stale = False
        else:
            canvas.restore_region(self._background)
        for artist in self.animated:
            artist.axes.draw_artist(artist)
        return rgba_png(canvas.buffer_rgba())


def stable_x_limit(current: float, last: float) -> float:
    """The right end of a time axis: doubles when the data reaches it, so it rarely moves."""
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


def _set_limits(ax, which: str, limits: tuple[float, float]) -> bool:
    """Set x or y limits if they differ; return whether they did."""
    current = ax.get_xlim() if which == "x" else ax.get_ylim()
    if np.allclose(current, limits):
        return False
    (ax.set_xlim if which == "x" else ax.set_ylim)(*limits)
    return True
