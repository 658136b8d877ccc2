"""Edges drawn as a density image: thousands of lines in a few milliseconds.

matplotlib draws a LineCollection of 15,000 segments (N=1000, k=30) in about a
quarter of a second, too slow to redraw every generation. Here a compiled loop
walks each edge pixel by pixel and counts how many edges cross each pixel; the
counts become a grey image whose darkness grows with the number of overlapping
edges (like stacked translucent lines), shown with ``imshow`` under the nodes.
"""

from __future__ import annotations

import numba
import numpy as np


@numba.njit(cache=True, nogil=True)
def _count_crossings(x: np.ndarray, y: np.ndarray, out: np.ndarray) -> None:
    """Add 1 to every pixel of ``out`` that segment i, (x[i,0],y[i,0])-(x[i,1],y[i,1]), crosses."""
    h, w = out.shape
    for i in range(x.shape[0]):
        x0 = x[i, 0]
        y0 = y[i, 0]
        dx = x[i, 1] - x0
        dy = y[i, 1] - y0
        steps = int(max(abs(dx), abs(dy))) + 1
        for j in range(steps + 1):
            t = j / steps
            px = int(x0 + dx * t + 0.5)
            py = int(y0 + dy * t + 0.5)
            if 0 <= px < w and 0 <= py < h:
                out[py, px] += 1.0


def edge_image(segments: np.ndarray, xlim: tuple[float, float], ylim: tuple[float, float],
               width: int, height: int, colour=(0.33, 0.33, 0.33),
               opacity: float = 0.12) -> np.ndarray:
    """An RGBA image (height, width, 4) of uint8 of the segments, row 0 at the bottom.

    ``segments`` is (m, 2, 2) in data coordinates; ``opacity`` is how opaque one
    edge alone is, so a pixel crossed by c edges has alpha 1 - (1 - opacity)^c.
    """
    counts = np.zeros((height, width), dtype=np.float32)
    if len(segments):
        seg = np.asarray(segments, dtype=np.float64)
        x = (seg[..., 0] - xlim[0]) * ((width - 1) / (xlim[1] - xlim[0]))
        y = (seg[..., 1] - ylim[0]) * ((height - 1) / (ylim[1] - ylim[0]))
        _count_crossings(x, y, counts)
    image = np.empty((height, width, 4), dtype=np.uint8)
    image[..., 0], image[..., 1], image[..., 2] = (int(255 * c) for c in colour)
    # uint8 (not float) so that Agg copies the image instead of normalising it
    alpha = 1.0 - np.power(np.float32(1.0 - opacity), counts)
    image[..., 3] = (alpha * 255.0 + 0.5).astype(np.uint8)
    return image


def warm_up() -> None:
    """Compile (or load from the on-disk cache) the compiled loops of the network view
    before the first frame needs them."""
    from visualization.layout import warm_up as warm_up_layout

    edge_image(np.zeros((1, 2, 2)), (0.0, 1.0), (0.0, 1.0), 2, 2)
    warm_up_layout()
