"""A ranking module that keeps learning while it acts: policy gradient on windows of a run.

``python -m model train`` learns from whole episodes and then freezes the policy. The
paper's bait-and-switch question (section 4.3) is about a recommender that goes on
learning *while it competes* for users, so here the learner's own run is its only
experience: every ``window`` elementary updates, the decisions it took in the window
are one REINFORCE episode, whose return is what the window earned:

- ``engagement``: rewire requests made to this recommender per elementary update of
  the window (more users, or users that rewire more, both pay);
- ``alignment``: 2 (c - 0.5) at the end of the window, c the share of users who
  cooperate (the ``coops`` reward, read at every window's end).

The baseline is an exponential moving average of past window returns (the world
changes under the learner, so old returns should fade); one Adam step per window on
the clipped gradient, as :func:`model.learning.classes.reinforce_step` does for
training, then the new weights go straight into the kernel's slice
(:func:`model.core.learned.write_params`). The module samples its choices (it must, to
have a gradient), and logs every decision it takes.

Example (a shipped engagement policy that keeps learning against ``local``)::

    >>> from model.engine import Engine
    >>> from model.learned_policies import load_for_kernel
    >>> engine = Engine(n=100, k=8, W2=0.1, rng=1, recommenders={
    ...     "local": 0.5, "learner": {"share": 0.5, "policy": "learned"}})
    >>> learner = OnlineLearner(engine, "learner", "engagement",
    ...                         load_for_kernel("engagement-n30"), window=1000)
    >>> learner.advance(5000)
    >>> len(learner.history)
    5
"""

from __future__ import annotations

import copy

import numpy as np

from model.core import learned as kernel_learned, state
from model.core.selectors import Rank, Source, Who
from model.learning.classes import ClassDecision, reinforce_step
from model.learning.policy_gradient import Reinforce

REWARDS = ("engagement", "alignment")


class OnlineLearner:
    """Recommender ``label`` of ``engine`` becomes ``policy`` (an MLP ranking module,
    copied) and learns by REINFORCE at the end of every ``window`` updates.

    ``history`` gets one row per window: the update count at its end, the learner's
    share of users at its start and end, the window's return and baseline, its
    decisions, its Mean Action Strat (cooperators among the users it proposed) and what
    a blind recommender would have scored on the same decisions (the cooperators'
    share of each decision's valid candidates, averaged): their difference is the
    learner's own preference for cooperators, whoever its users are.
    """

    def __init__(self, engine, label: str, reward: str, policy, learning_rate: float = 0.01,
                 window: int = 1000, baseline_decay: float = 0.9, max_grad_norm: float = 1.0):
        if reward not in REWARDS:
            raise ValueError(f"reward must be one of {', '.join(REWARDS)}; got {reward!r}")
        if policy.hidden != "mlp":
            raise ValueError("an online learner acts in the kernel: an mlp ranking module only")
        if not (isinstance(window, int) and window >= 1):
            raise ValueError(f"window must be an integer >= 1; got {window!r}")
        if not 0 <= baseline_decay < 1:
            raise ValueError(f"baseline_decay must be in [0, 1); got {baseline_decay!r}")
        self.engine, self.reward, self.window = engine, reward, window
        self.baseline_decay = baseline_decay
        self.index = engine.recommender_names.index(label)
        self.policy = copy.deepcopy(policy)
        self.trainer = Reinforce(self.policy, learning_rate=learning_rate,
                                 max_grad_norm=max_grad_norm)
        self.view = engine.views[self.index]
        self.view.set_selector(Source.OWN_USERS, Who.ANY, Rank.LEARNED)
        n = engine.n
        self.view.set_weights(kernel_learned.pack(
            self.policy.params, self.policy.architecture, n, greedy=False, log_every=1,
            log_floats=(window + 2) * (5 + 4 * n)))
        self.baseline: float | None = None
        self.history: list[dict] = []
        self._into_window = 0
        self._requests = self.view.requests
        self._share_at_start = self.share()

    def share(self) -> float:
        """The learner's share of users now."""
        return self.view.users / self.engine.n_viewers

    def advance(self, updates: int) -> None:
        """Run ``updates`` elementary updates (fewer if the run ends), learning at the end
        of every window."""
        left = int(updates)
        while left > 0 and self.engine.running:
            step = min(left, self.window - self._into_window)
            before = self.engine.steps
            self.engine.advance(step)
            done = self.engine.steps - before
            left -= step
            self._into_window += done
            if self._into_window >= self.window or not self.engine.running:
                self.learn()

    def window_return(self) -> float:
        """What the window just ended earned (see the module's docstring)."""
        if self.reward == "engagement":
            requests = self.view.requests
            earned = (requests - self._requests) / max(self._into_window, 1)
            self._requests = requests
            return earned
        return 2.0 * (self.engine.counter(state.N_COOP) / self.engine.n - 0.5)

    def learn(self) -> dict:
        """One policy-gradient step on the window's decisions; its history row."""
        decisions = [ClassDecision.from_log(r) for r in kernel_learned.read_log(self.view.weights)]
        served = [d for d in decisions if d.chosen_strategy >= 0]  # not the unserved
        ret = self.window_return()
        baseline = ret if self.baseline is None else self.baseline
        if served:
            reinforce_step(self.trainer, served, [ret - baseline] * len(served), 1)
            kernel_learned.write_params(self.view.weights, self.policy.params)
        self.baseline = (ret if self.baseline is None else
                         self.baseline_decay * self.baseline + (1 - self.baseline_decay) * ret)
        row = {"updates": int(self.engine.steps), "decisions": len(served),
               "share_at_start": self._share_at_start, "share": self.share(),
               "return": ret, "baseline": baseline,
               "mean_action_strat": (float(np.mean([d.chosen_strategy for d in served]))
                                     if served else float("nan")),
               "blind_action_strat": (float(np.mean([d.valid[1].sum() / d.valid.sum()
                                                     for d in served]))
                                      if served else float("nan"))}
        self.history.append(row)
        self._into_window = 0
        self._share_at_start = row["share"]
        return row
