"""The live plots: which panels there are, and the rows of numbers they are drawn from.

The panels follow MODEL.md's list of measurements: cooperation; rewires (cumulative
and per generation); rewires per opportunity; rewire requests (the paper's
engagement); degree heterogeneity and max degree; mean payoff; recommender market
shares; what each recommender is doing (the share of cooperators among the users it
proposed, and their mean degree, over the last ten generations); and the current
degree distribution.

The browser draws them (``visualization/static/views.js``). The server describes the
panels once per model (:func:`panel_spec`) and then, each frame, sends only the rows
of the data collector's ``model_vars`` the page has not seen yet (:class:`RowFeed`)
and the current degree counts: a frame costs the same at generation 10 as at 10,000.
Derived series (defectors = 1 - cooperation, rewires per generation, the ratios of
what a recommender proposed over recent generations) are computed in the browser from
the columns it already has.
"""

from __future__ import annotations

import numpy as np

from visualization.figures import COOPERATOR_COLOUR, DEFECTOR_COLOUR, SERIES_COLOURS


#: Generations over which the panels of what each recommender proposed average (a
#: recommender that served no request in them has no point there).
PROPOSED_WINDOW = 10


def _line(name: str, column: str, colour: str, **style) -> dict:
    return {"name": name, "column": column, "colour": colour, **style}


def panel_spec(recommender_names: list[str]) -> dict:
    """The panels, their titles, axes and series, for one model's recommenders."""
    c = SERIES_COLOURS
    shares = [_line(name, "share:" + name, c[i % len(c)])
              for i, name in enumerate(recommender_names)]

    def proposed(column: str) -> list[dict]:  # per recommender, over its recent requests
        return [_line(name, f"{column}:{name}", c[i % len(c)], derive="window_ratio",
                      over=f"proposed:{name}", window=PROPOSED_WINDOW)
                for i, name in enumerate(recommender_names)]

    panels = [
        {"title": "Cooperation", "ylabel": "fraction of users", "fixed": [-0.02, 1.02],
         "series": [_line("C", "cooperation", COOPERATOR_COLOUR),
                    _line("D", "cooperation", DEFECTOR_COLOUR, derive="one_minus", dash=True,
                          width=1.3)]},
        {"title": "Rewires", "ylabel": "cumulative",
         "series": [_line("cumulative", "rewires", c[0]),
                    _line("per generation", "rewires", c[1], derive="increments", right=True,
                          width=1.2)]},
        {"title": "Rewires per opportunity", "ylabel": "fraction",
         "series": [_line("rewires per opportunity", "rewires_per_opportunity", c[0])]},
        {"title": "Requests (engagement)", "ylabel": "cumulative rewire requests",
         "series": [_line("rewire requests", "rewire_requests", c[0])]},
        {"title": "Degree heterogeneity", "ylabel": "<k²> − <k>²",
         "series": [_line("heterogeneity", "heterogeneity", c[0]),
                    _line("max degree", "max_degree", c[2], right=True, width=1.3)]},
        {"title": "Mean payoff per user", "ylabel": "payoff",
         "series": [_line("mean payoff", "mean_payoff", c[0])]},
        {"title": "Recommender shares", "ylabel": "fraction of users", "fixed": [-0.02, 1.02],
         "series": shares},
        {"title": "Cooperators among proposed users", "fixed": [-0.02, 1.02],
         "ylabel": f"fraction ({PROPOSED_WINDOW} gen.)",
         "series": proposed("proposed_coop")},
        {"title": "Degree of proposed users",
         "ylabel": f"mean ({PROPOSED_WINDOW} gen.)",
         "series": proposed("proposed_degree")},
        {"title": "Degree distribution", "ylabel": "users", "xlabel": "degree (now)",
         "kind": "hist", "colour": c[3], "series": []},
    ]
    return {"panels": panels}


def plotted_columns(spec: dict) -> list[str]:
    """The collector columns the panels read, each once, in a fixed order."""
    out: list[str] = []
    for panel in spec["panels"]:
        for line in panel["series"]:
            for column in (line["column"], line.get("over")):
                if column is not None and column not in out:
                    out.append(column)
    return out


class RowFeed:
    """Remembers how many rows of the time series the page has, and cuts the next ones."""

    def __init__(self, columns: list[str]):
        self.columns = list(columns)
        self.sent = 0

    def rewind(self) -> None:
        """The page lost (or never had) its rows: start again from row 0."""
        self.sent = 0

    def next_rows(self, model_vars: dict) -> tuple[int, np.ndarray]:
        """``(first, rows)``: the unsent rows (generations ``first, first+1, ...``) as
        a float64 array, one column per :attr:`columns`; marks them sent. Columns may
        differ in length (a run and its twin, one stopped earlier): the longest sets
        the rows, the shorter end in NaN."""
        total = max((len(model_vars.get(name, [])) for name in self.columns), default=0)
        first = self.sent
        rows = np.full((max(total - first, 0), len(self.columns)), np.nan)
        for j, name in enumerate(self.columns):
            values = model_vars.get(name, [])[first:total]
            rows[:len(values), j] = values
        self.sent = total
        return first, rows


def degree_counts(degree) -> np.ndarray:
    """How many users have each degree (index = degree), as int32 for the page."""
    return np.bincount(np.asarray(degree, dtype=np.int64)).astype(np.int32)
