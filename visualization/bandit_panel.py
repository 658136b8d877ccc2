"""The bandit panel: what each bandit recommender of the run plays, and what it earns.

For every bandit recommender (:class:`model.bandit_policies.BanditPolicy`) in the
running model, two live plots drawn in the browser by the same code as the other
plots (``visualization/static/views.js``: hover, zoom, PNG and SVG export):

- **arm in force**: the fixed policy it plays at the end of each generation, one row
  of the y axis per arm, so one sees when it explores and where it settles;
- **reward per window**: the mean reward (engagement, alignment or welfare, in
  [0, 1]) of the windows that ended during each generation, a dot per generation
  (none when no window ended: requests dry up once nobody is dissatisfied).

Both are computed from the bandit's own record (``policy.history``: one row per
finished window, with the step at its end) and the generation boundaries of the
time series (its ``steps`` column), a few new rows per frame, as the other plots
get theirs (:class:`visualization.plots.RowFeed`): a frame costs the same at
generation 10 as at 10,000, however many generations it covers.

The panel follows its session's model (:attr:`visualization.session.Session.panels`):
a model without bandits shows nothing.
"""

from __future__ import annotations

import math

import numpy as np
import solara
import traitlets

from model.bandit_policies import BanditPolicy
from visualization.figures import SERIES_COLOURS
from visualization.widgets import PlotsView


class BanditView(PlotsView):
    """The bandit panels: the plots view under its own name, export file and CSS class."""

    kind = traitlets.Unicode("bandits").tag(sync=True)


def bandits_of(model) -> list[tuple[str, BanditPolicy]]:
    """``(label, policy)`` of each bandit recommender of ``model``, in the mix's order."""
    if model is None:
        return []
    engine = model.engine
    return [(label, policy) for label, policy in zip(engine.recommender_names, engine.policies)
            if isinstance(policy, BanditPolicy)]


def bandit_spec(bandits: list[tuple[str, BanditPolicy]]) -> dict:
    """Two panels per bandit: its arm in force and its reward per window."""
    c = SERIES_COLOURS
    panels = []
    for i, (label, policy) in enumerate(bandits):
        colour = c[i % len(c)]
        longest = max(len(a) for a in policy.arms)
        panels.append({
            "title": f"{label}: arm in force", "ylabel": "arm (a fixed policy)",
            "categories": list(policy.arms), "fixed": [-0.5, len(policy.arms) - 0.5],
            "left": 16 + 6 * longest,
            "series": [{"name": "arm", "column": f"arm:{label}", "colour": colour,
                        "step": True, "width": 1.6}]})
        panels.append({
            "title": f"{label}: reward per window", "ylabel": f"{policy.values['reward']}",
            "fixed": [-0.02, 1.02],
            "series": [{"name": "mean reward of the windows ended", "column": f"reward:{label}",
                        "colour": colour, "points": True}]})
    return {"panels": panels}


class BanditFeed:
    """Cuts the bandits' rows of the generations the page has not seen yet.

    Row ``g`` holds, for each bandit, the index of the arm in force once generation
    ``g`` ended (its ``steps``) and the mean reward of the windows that ended in
    ``(steps[g-1], steps[g]]`` (NaN if none did; row 0, the start, has none).
    """

    def __init__(self, bandits: list[tuple[str, BanditPolicy]]):
        self.bandits = list(bandits)
        self.columns = [f"{what}:{label}" for label, _ in self.bandits
                        for what in ("arm", "reward")]
        self.rewind()

    def rewind(self) -> None:
        """The page lost (or never had) its rows: start again from row 0."""
        self.sent = 0
        self.read = [0] * len(self.bandits)  # each bandit's history rows consumed

    def next_rows(self, model_vars: dict) -> tuple[int, np.ndarray]:
        """``(first, rows)``: the unsent rows, one column per :attr:`columns`; marks them sent."""
        steps = model_vars.get("steps", [])
        total, first = len(steps), self.sent
        rows = np.full((max(total - first, 0), len(self.columns)), np.nan)
        for b, (_, policy) in enumerate(self.bandits):
            history, j = policy.history, self.read[b]
            for r, g in enumerate(range(first, total)):
                end = steps[g]
                rewards = []
                while j < len(history) and history[j][0] <= end:
                    rewards.append(history[j][2])
                    j += 1
                arm = history[j][1] if j < len(history) else policy.arm
                rows[r, 2 * b] = arm if arm >= 0 else math.nan
                if rewards and g > 0:
                    rows[r, 2 * b + 1] = sum(rewards) / len(rewards)
            self.read[b] = j
        self.sent = total
        return first, rows


class BanditPanel:
    """The view and feed of one session's bandits; follows the session's model."""

    def __init__(self, session):
        self.session = session
        self.view = BanditView()
        self.feed: BanditFeed | None = None
        self.view.on_hello = self._resend
        with session.lock:
            session.panels.append(self)
            if session.model is not None:
                self.attach(session.model)

    @classmethod
    def of(cls, session) -> "BanditPanel":
        """The session's bandit panel, made on first use."""
        with session.lock:
            for panel in session.panels:
                if isinstance(panel, cls):
                    return panel
            return cls(session)

    @property
    def shown(self) -> bool:
        """Whether the running model has bandits to show."""
        return bool(self.feed and self.feed.bandits)

    def attach(self, model) -> None:
        """A new model: new panels, and the page forgets the old rows."""
        bandits = bandits_of(model)
        self.feed = BanditFeed(bandits)
        self.view.spec = bandit_spec(bandits)
        self.view.send({"type": "reset"})

    def publish(self, model) -> None:
        """Send the rows of the generations the page has not seen."""
        if not self.shown:
            return
        first, rows = self.feed.next_rows(model.datacollector.model_vars)
        self.view.send({"type": "rows", "first": first, "count": len(rows),
                        "columns": self.feed.columns}, [rows.tobytes()])

    def _resend(self) -> None:
        with self.session.lock:
            if self.session.model is None or not self.shown:
                return
            self.view.send({"type": "reset"})
            self.feed.rewind()
            self.publish(self.session.model)


#: what the card says under its title
CAPTION = ("Each bandit recommender's arm in force at the end of each generation, and the "
           "mean reward of the windows that ended in it (a dot per generation; none when "
           "no window ended). Hover for values, wheel to zoom.")


@solara.component
def BanditCard(session, run: int):
    """The bandit panel, when the running model has bandit recommenders (``run`` counts
    the models built, so the card follows a reset)."""
    panel = BanditPanel.of(session)
    if not panel.shown:
        return
    with solara.Card("Bandit recommenders", classes=["rw-bandit-card", "rw-plots-card"]):
        solara.Text(CAPTION, classes=["rw-caption"])
        solara.Column(children=[panel.view])
