"""The network view: users coloured by strategy, shaped by recommender, sized by degree.

One :class:`NetworkPicture` belongs to one model in one browser session. It keeps
its matplotlib artists and its :class:`~visualization.layout.StableLayout` between
frames and only updates their data, which is what makes a frame of N=1000, k=30
(15,000 edges) cheap enough to redraw every generation.

Big graphs are not drawn whole: up to :data:`FULL_LIMIT` users everybody is shown;
up to :data:`SAMPLE_LIMIT` a fixed random sample of :data:`SAMPLE_SIZE` users and
the edges among them is shown, and the picture says so; above that only a summary.
"""

from __future__ import annotations

import numpy as np
from matplotlib.lines import Line2D

from visualization.figures import (COOPERATOR_COLOUR, DEFECTOR_COLOUR, marker_for,
                                   new_figure, rgba_png)
from visualization.layout import StableLayout
from visualization.raster import edge_image

#: draw every user up to this many users
FULL_LIMIT = 2000
#: above FULL_LIMIT and up to this many users, draw a fixed sample
SAMPLE_LIMIT = 200_000
#: how many users the sample has
SAMPLE_SIZE = 1000


def network_mode(n: int) -> str:
    """``"full"``, ``"sample"`` or ``"summary"``: how a graph of ``n`` users is shown."""
    if n <= FULL_LIMIT:
        return "full"
    return "sample" if n <= SAMPLE_LIMIT else "summary"


def network_caption(n: int) -> str:
    """What the network view shows, in words, for the page."""
    mode = network_mode(n)
    if mode == "full":
        return f"All {n:,} users."
    if mode == "sample":
        return (f"A fixed random sample of {SAMPLE_SIZE:,} of {n:,} users and the edges "
                f"among them (graphs above {FULL_LIMIT:,} users are sampled).")
    return (f"{n:,} users are too many to draw (limit {SAMPLE_LIMIT:,}); "
            "see the degree distribution and the plots instead.")


class NetworkPicture:
    """The network figure of one model, redrawn in place every frame."""

    def __init__(self, model, seed: int = 0, size_inches: float = 6.5, dpi: int = 80):
        self.model = model
        n = len(model.degree)
        self.mode = network_mode(n)
        self.names = list(model.recommender_names)
        rng = np.random.default_rng(seed)
        if self.mode == "sample":
            self.nodes = np.sort(rng.choice(n, SAMPLE_SIZE, replace=False))
        else:
            self.nodes = np.arange(n)
        self._local = np.full(n, -1, dtype=np.int64)
        self._local[self.nodes] = np.arange(len(self.nodes))
        self.fig = new_figure(size_inches, size_inches, dpi)
        self.ax = self.fig.add_axes([0.01, 0.01, 0.98, 0.91])
        self.ax.set_axis_off()
        self.layout = None
        self.edges_artist = None
        self.scatters: list = []
        if self.mode != "summary":
            edges = self._edges()
            self.layout = StableLayout(len(self.nodes), edges, seed=seed)
            self.edges_artist = self.ax.imshow(np.zeros((2, 2, 4)), origin="lower",
                                               interpolation="nearest", zorder=1,
                                               aspect="auto")
            for i, _name in enumerate(self.names):
                self.scatters.append(self.ax.scatter(
                    [], [], marker=marker_for(i), edgecolors="white", linewidths=0.3,
                    zorder=2 + i))
            self._legend()
            self._limits()
        else:
            self.ax.text(0.5, 0.5, network_caption(n), ha="center", va="center", wrap=True,
                         transform=self.ax.transAxes)
        self.title = self.fig.suptitle("", fontsize=13, y=0.985)

    def _edges(self) -> np.ndarray:
        """Current edges in local (sample) numbering."""
        edges = np.asarray(self.model.edges()).reshape(-1, 2)
        if self.mode == "full":
            return edges
        local = self._local[edges]
        return local[(local >= 0).all(axis=1)]

    def _legend(self) -> None:
        handles = [Line2D([], [], ls="", marker="o", ms=9, color=COOPERATOR_COLOUR,
                          label="C  cooperator"),
                   Line2D([], [], ls="", marker="o", ms=9, color=DEFECTOR_COLOUR,
                          label="D  defector")]
        if len(self.names) > 1:
            handles += [Line2D([], [], ls="", marker=marker_for(i), ms=8, color="#444444",
                               label=name) for i, name in enumerate(self.names)]
        self.ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(0.0, 1.0),
                       ncol=min(len(handles), 4), frameon=True, framealpha=0.85,
                       fontsize=11, borderaxespad=0.2, handletextpad=0.2, columnspacing=0.8)

    def _limits(self) -> None:
        pos = self.layout.positions
        lo, hi = pos.min(axis=0), pos.max(axis=0)
        centre = (lo + hi) / 2
        half = float((hi - lo).max()) / 2 * 1.06 or 1.0
        # the axes are not square: widen the shorter side so the layout keeps its shape
        box = self.ax.get_position()
        aspect = (box.height * self.fig.bbox.height) / (box.width * self.fig.bbox.width)
        top = half * 1.12  # room for the legend above the nodes
        self.ax.set_xlim(centre[0] - top / aspect, centre[0] + top / aspect)
        self.ax.set_ylim(centre[1] - half, centre[1] + half + (top - half) * 2)

    def _draw_edges(self, segments: np.ndarray) -> None:
        """Render the edges as a density image exactly covering the axes' pixels."""
        box = self.ax.get_position()
        width_px = max(int(box.width * self.fig.bbox.width), 2)
        height_px = max(int(box.height * self.fig.bbox.height), 2)
        xlim, ylim = self.ax.get_xlim(), self.ax.get_ylim()
        self.edges_artist.set_data(edge_image(segments, xlim, ylim, width_px, height_px))
        self.edges_artist.set_extent((*xlim, *ylim))

    def update(self, generation: int) -> None:
        """Move the nodes a step towards the current graph and refresh every artist."""
        m = self.model
        if self.mode == "summary":
            self.title.set_text(f"Generation {generation}")
            return
        edges = self._edges()
        pos = self.layout.update(edges)
        self._limits()
        self._draw_edges(pos[edges])
        nodes = self.nodes
        coop = np.asarray(m.is_cooperator)[nodes]
        degree = np.asarray(m.degree)[nodes].astype(float)
        rec = np.asarray(m.recommender_index)[nodes]
        top = max(float(degree.max()) if len(degree) else 1.0, 1.0)
        sizes = 6.0 + 110.0 * np.sqrt(degree / top)
        colours = np.where(coop, COOPERATOR_COLOUR, DEFECTOR_COLOUR)
        for i, sc in enumerate(self.scatters):
            mine = rec == i
            sc.set_offsets(pos[mine])
            sc.set_sizes(sizes[mine])
            sc.set_facecolors(colours[mine])
        share = float(coop.mean()) if len(coop) else 0.0
        sample = " (sample)" if self.mode == "sample" else ""
        self.title.set_text(f"Generation {generation}: {share:.0%} cooperators{sample}")

    def png(self) -> bytes:
        """The current picture as PNG bytes (one draw, then straight from the canvas)."""
        self.fig.canvas.draw()
        return rgba_png(self.fig.canvas.buffer_rgba())
