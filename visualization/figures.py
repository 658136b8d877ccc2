"""Shared look of the dashboard's figures: colours, markers, fonts, PNG encoding.

Every figure is drawn with matplotlib's Agg backend on the server and sent to the
browser as a PNG. That needs no JavaScript plotting library (so nothing is loaded
from a CDN), gives the download buttons their PNG for free, and keeps one look
for the projector and for papers.

Colours are from the Okabe-Ito palette, which readers with any common form of
colour blindness can tell apart: blue for cooperators, vermillion for defectors.
The recommender a user follows is shown by marker shape, not colour, so the two
encodings never compete.
"""

from __future__ import annotations

import io

import matplotlib
import numpy as np

matplotlib.use("Agg")

from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

#: Okabe-Ito blue: cooperators
COOPERATOR_COLOUR = "#0072B2"
#: Okabe-Ito vermillion: defectors
DEFECTOR_COLOUR = "#D55E00"
#: Okabe-Ito colours for lines that are neither C nor D (recommender shares, ...)
SERIES_COLOURS = ["#009E73", "#E69F00", "#CC79A7", "#56B4E9", "#F0E442", "#000000",
                  "#0072B2", "#D55E00"]
#: one marker shape per recommender, in the order of the model's recommender list
RECOMMENDER_MARKERS = ["o", "s", "^", "D", "v", "P", "X", "*", "h", "<", ">", "p"]

#: fonts large enough to read on a projector at the back of a classroom
RC = {"font.size": 12, "axes.titlesize": 13, "axes.labelsize": 12,
      "xtick.labelsize": 10, "ytick.labelsize": 10, "legend.fontsize": 10,
      "axes.spines.top": False, "axes.spines.right": False}
# the same for every session and figure, so setting it once, globally, is safe
matplotlib.rcParams.update(RC)


def new_figure(width: float, height: float, dpi: int = 80) -> Figure:
    """A figure on its own Agg canvas (no pyplot: nothing global, safe across sessions)."""
    fig = Figure(figsize=(width, height), dpi=dpi)
    FigureCanvasAgg(fig)
    return fig


def rgba_png(buffer) -> bytes:
    """PNG bytes of an Agg canvas buffer (used when the canvas was drawn by blitting)."""
    from PIL import Image

    array = np.asarray(buffer)
    buf = io.BytesIO()
    Image.fromarray(array[..., :3]).save(buf, format="png", compress_level=1)
    return buf.getvalue()


def marker_for(index: int) -> str:
    """The marker shape of the recommender at ``index`` (cycles past twelve)."""
    return RECOMMENDER_MARKERS[index % len(RECOMMENDER_MARKERS)]
