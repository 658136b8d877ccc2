"""The creators panels of the live plots: what creators make, and who holds the audience.

Shown only when the model has creators (docs/CREATORS.md): the quality share (creators
playing C) beside the share of all follows that go to quality creators, which moves
first when viewers leave clickbait; and the Gini coefficient of creators' audiences
with the follows rewired so far. The browser draws them like every other panel, from
the DataCollector's columns (:mod:`visualization.plots`).
"""

from __future__ import annotations

from visualization.figures import COOPERATOR_COLOUR, DEFECTOR_COLOUR, SERIES_COLOURS
from visualization.plots import _line


def creator_panels() -> list[dict]:
    """The two creators panels, in the form of :func:`visualization.plots.panel_spec`."""
    c = SERIES_COLOURS
    return [
        {"title": "Creators: quality", "ylabel": "fraction", "fixed": [-0.02, 1.02],
         "series": [_line("quality share", "quality_share", COOPERATOR_COLOUR),
                    _line("audience of quality creators", "quality_audience_share",
                          DEFECTOR_COLOUR, dash=True, width=1.3)]},
        {"title": "Creators: audience concentration", "ylabel": "Gini of audience",
         "fixed": [-0.02, 1.02],
         "series": [_line("Gini of audience", "audience_gini", c[0]),
                    _line("follows rewired", "follows_rewired", c[2], right=True, width=1.2)]},
    ]


def with_creator_panels(spec: dict, model) -> dict:
    """``spec`` with the creators panels before the degree distribution, if ``model``
    has creators; unchanged otherwise."""
    if not model.engine.n_creators:
        return spec
    panels = list(spec["panels"])
    return {**spec, "panels": panels[:-1] + creator_panels() + panels[-1:]}
