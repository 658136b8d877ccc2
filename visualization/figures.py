"""Shared look of the dashboard's views: colours and recommender markers.

The views are drawn in the browser (``visualization/static/views.js``); this module
holds what the server tells them about colours, so the page and its PNG/SVG
exports share one palette.

Colours are from the Okabe-Ito palette, which readers with any common form of
colour blindness can tell apart: blue for cooperators, vermillion for defectors.
The recommender a user follows is shown by marker shape, not colour, so the two
encodings never compete.
"""

from __future__ import annotations

#: Okabe-Ito blue: cooperators
COOPERATOR_COLOUR = "#0072B2"
#: Okabe-Ito vermillion: defectors
DEFECTOR_COLOUR = "#D55E00"
#: Okabe-Ito colours for lines that are neither C nor D (recommender shares, ...)
SERIES_COLOURS = ["#009E73", "#E69F00", "#CC79A7", "#56B4E9", "#F0E442", "#000000",
                  "#0072B2", "#D55E00"]
#: marker shapes, one per recommender in the order of the model's list (views.js draws them)
RECOMMENDER_MARKERS = ["circle", "square", "triangle", "diamond", "down", "plus", "cross",
                       "star"]


def marker_for(index: int) -> str:
    """The marker shape of the recommender at ``index`` (cycles past the last)."""
    return RECOMMENDER_MARKERS[index % len(RECOMMENDER_MARKERS)]
