"""Bandit recommenders: recommenders that learn online which fixed policy pays.

A bandit recommender knows a list of *arms*, each an existing fixed policy (by
default the 3 x 3 heuristic family, ``local`` and ``fair``). It plays one arm for a
*window* of ``window`` rewire requests (its selector codes are the arm's), then
scores the window with its *reward*, a number in [0, 1], tells its learner
(:mod:`model.learning.bandits`) and lets it choose the next arm. All of that
happens in the compiled run loop (:mod:`model.core.learners`), which logs each
window; the engine hands the log to the policy (:attr:`BanditPolicy.history`) when
it regains control. The learner draws its randomness from the recommender's own
seeded stream, so the same seed gives the same arms, in any process, and its whole
state lives in the run's state arrays, so it is copied and pickled with the engine.

Rewards of a window (docs/BANDITS.md says why each is what it is):

- ``engagement``: the paper's #rewires, counted as rewire *requests* (MODEL.md).
  A window always holds ``window`` requests, so what an arm changes is how fast
  they come: the reward is the window's requests divided by the structural updates
  its users could have had, ``window / (p_structural * steps * users / n)`` with
  ``steps`` the elementary updates the window took and ``users`` the mean of its
  user count at the window's start and end: the fraction of its users' rewiring
  chances that became a request (1 when every structural update on its users is
  on a defector and is won; clipped at 1, which only a degree-biased draw of
  partners can exceed).
- ``alignment``: the fraction of its users who cooperate, at the window's end.
- ``welfare``: the mean payoff per game of its users at the window's end, scaled
  from the game's payoff range ``[min(S, 0), max(T, 1)]`` to [0, 1]: the total
  payoff of its users divided by their total degree (O(users), once a window).

Names: ``bandit-ucb``, ``bandit-eps``, ``bandit-exp3``, ``bandit-thompson`` and
``bandit-etc`` (explore-then-commit). In a mix::

    --recommenders "local=0.9,learner=0.1[policy=bandit-ucb,reward=alignment,window=200]"
    --recommenders "bandit-eps[arms=coop-random+defect-random,epsilon=0.2,decay=false]"

    recommenders = { learner = { share = 1.0, policy = "bandit-ucb",
                                 arms = ["coop-random", "defect-random"], window = 200 } }

A list of arms is written with ``+`` between names (commas already separate
settings on the command line), or as a TOML list; it is stored as the ``+`` text.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from model.core import learners
from model.core.rng import new_state
from model.learning.bandits import ALGORITHMS, Bandit, SettingError, make_bandit
from model.parameters import Parameter, ParameterError
from model.policies import Policy, get_policy, policy_names, register

#: The arms a bandit recommender plays when none are given: every fixed recommender
#: of the paper that proposes somebody (the 3 x 3 family, local, fair).
DEFAULT_ARMS = ("coop-low", "coop-random", "coop-high", "any-low", "any-random", "any-high",
                "defect-low", "defect-random", "defect-high", "local", "fair")
#: What a window can be scored by.
REWARDS = ("engagement", "alignment", "welfare")


@dataclass(frozen=True)
class ArmsSetting(Parameter):
    """The ``arms`` setting: fixed policies, as ``a+b+c`` text or a list of names."""

    def parse(self, value: Any) -> str:
        """The canonical ``+`` text of a list of arms; ParameterError naming ``arms``."""
        items = value.split("+") if isinstance(value, str) else value
        if not isinstance(items, (list, tuple)) or not items \
                or not all(isinstance(i, str) and i.strip() for i in items):
            raise ParameterError(self.name, f"{self.name} must be fixed policy names joined "
                                 f"by '+' (or a list of them); got {value!r}")
        names = []
        for item in items:
            try:
                policy = get_policy(item)
            except KeyError:
                fixed = [p for p in policy_names() if not get_policy(p).stateful]
                raise ParameterError(self.name, f"{self.name}: unknown policy {item.strip()!r}; "
                                     f"known: {', '.join(fixed)}") from None
            if policy.stateful or policy.settings:
                raise ParameterError(self.name, f"{self.name}: {policy.name!r} is not a fixed "
                                     f"policy (an arm must be one without settings)")
            if policy.name in names:
                raise ParameterError(self.name, f"{self.name}: {policy.name!r} is listed twice")
            names.append(policy.name)
        return "+".join(names)


def _settings_of(algorithm: str) -> tuple[Parameter, ...]:
    """The learner's own settings as mix settings, ranges taken from its declarations."""
    out = []
    for s in ALGORITHMS[algorithm].settings:
        high = None if math.isinf(s.high) else s.high
        if s.name == "decay":  # a switch, however the learner stores it
            out.append(Parameter("decay", "bool", bool(s.default), help=s.help))
        else:
            out.append(Parameter(s.name, "int" if s.integer else "float", s.default, s.low,
                                 high, help=s.help))
    return tuple(out)


COMMON_SETTINGS = (
    ArmsSetting("arms", "arms", "+".join(DEFAULT_ARMS),
                help="the fixed policies it chooses among, joined by '+'"),
    Parameter("reward", "choice", "engagement", choices=REWARDS,
              help="what a window is scored by (docs/BANDITS.md)"),
    Parameter("window", "int", 100, 1, 10**9, help="rewire requests per arm choice"),
)


class BanditPolicy(Policy):
    """Base of the bandit recommenders: one arm per window of requests, learned online.

    Subclasses only name their learner (``algorithm``, a key of
    :data:`model.learning.bandits.ALGORITHMS`).
    """

    algorithm: str = ""
    stateful = True
    looks_at = ("strategy", "degree", "graph", "payoffs")
    origin = "bandit over the fixed policies; docs/BANDITS.md"

    def __init__(self, **settings: Any):
        super().__init__(**settings)
        self.arms: list[str] = settings["arms"].split("+")
        self.selectors = [get_policy(a).selector() for a in self.arms]
        #: one row per finished window: (step at its end, arm, reward)
        self.history: list[tuple[int, int, float]] = []
        self._view = None  # the engine's view of this recommender, once started

    @property
    def learner_settings(self) -> dict[str, Any]:
        names = {s.name for s in ALGORITHMS[self.algorithm].settings}
        return {k: (int(v) if isinstance(v, bool) else v)
                for k, v in self.values.items() if k in names}

    @property
    def learner(self) -> Bandit | None:
        """The learner, reading and writing the run's state (None before the run starts)."""
        if self._view is None:
            return None
        st, r = self._view.engine.state, self._view.index
        return ALGORITHMS[self.algorithm].over(st.bpar[r], st.btab, int(st.bat[r]),
                                               len(self.arms), st.brng[r])

    @property
    def arm(self) -> int:
        """The arm in force (-1 before the run starts)."""
        if self._view is None:
            return -1
        return int(self._view.engine.state.bpar[self._view.index, learners.ARM])

    # -- hooks ----------------------------------------------------------------------
    def start(self, view) -> None:
        """Give the run loop this recommender's learner: it ends each window itself
        (:mod:`model.core.learners`), and the engine hands this policy the log."""
        words = new_state(np.random.SeedSequence(view.engine.seed, spawn_key=(3, view.index)))
        try:
            learner = make_bandit(self.algorithm, len(self.arms), words, **self.learner_settings)
        except SettingError as err:  # ranges are checked with the mix; kept as a guard
            raise ParameterError(err.name, str(err)) from None
        learner.par[learners.REWARD] = REWARDS.index(self.values["reward"])
        learner.par[learners.WINDOW] = self.values["window"]
        self._view = view
        view.set_learner(learner.par, learner.tab, self.selectors, learner.words)

    def at_checkpoint(self, view) -> None:
        """The run loop left this window to the engine, its log being full: the engine
        has read the log, so the window ends here, as the run loop would have ended it."""
        learners.end_window_now(view.engine.state, view.index)

    def windows_ended(self, steps, arms, rewards) -> None:
        self.history.extend(zip(steps.tolist(), arms.tolist(), rewards.tolist()))

    # -- reading ----------------------------------------------------------------------
    def report(self) -> dict[str, Any]:
        """A compact account: final arm, windows per arm, mean reward."""
        counts = np.bincount([a for _, a, _ in self.history], minlength=len(self.arms))
        rewards = [r for _, _, r in self.history]
        return {"policy": self.name, "reward": self.values["reward"],
                "final_arm": self.arms[self.arm] if self.arm >= 0 else None,
                "windows": len(self.history),
                "arm_counts": {a: int(c) for a, c in zip(self.arms, counts) if c},
                "mean_reward": float(np.mean(rewards)) if rewards else None}


def _bandit_policy(algorithm: str, title: str, origin: str) -> type[BanditPolicy]:
    name = f"bandit-{algorithm}"
    doc = (f"A bandit recommender learning with {title}: one arm (a fixed policy) per "
           f"window of requests, chosen from the rewards of past windows.\n\n"
           f"Learner: {ALGORITHMS[algorithm].__doc__.strip().splitlines()[0]}")
    return type(name.title().replace("-", ""), (BanditPolicy,), {
        "__doc__": doc, "__module__": __name__, "name": name, "algorithm": algorithm,
        "origin": origin, "settings": COMMON_SETTINGS + _settings_of(algorithm)})


#: The bandit recommenders, registered in :data:`model.policies.POLICIES` on import.
BANDIT_POLICIES: list[type[BanditPolicy]] = [
    _bandit_policy(algorithm, title, ALGORITHMS[algorithm].origin)
    for algorithm, title in (("ucb", "UCB1"), ("eps", "epsilon-greedy"), ("exp3", "Exp3"),
                             ("thompson", "Thompson sampling"),
                             ("etc", "explore-then-commit"))]

for _p in BANDIT_POLICIES:
    globals()[_p.__name__] = _p  # so their instances pickle
    register(_p)


def bandit_report(engine) -> dict[str, dict[str, Any]]:
    """Each bandit recommender's compact report, by label (empty without bandits)."""
    return {label: policy.report()
            for label, policy in zip(engine.recommender_names, engine.policies)
            if isinstance(policy, BanditPolicy)}


#: What a sweep records of each bandit recommender (column ``<what>:<label>``):
#: the arm in force at the end, windows per arm (JSON text), windows, mean reward.
BANDIT_METRICS: dict[str, type] = {"final_arm": str, "arm_counts": str, "windows": int,
                                   "mean_reward": float}


def bandit_labels(mixes) -> list[str]:
    """Labels of the bandit recommenders in any of the validated ``mixes``, first-seen order."""
    labels: list[str] = []
    for mix in mixes:
        for label, entry in mix.items():
            if isinstance(entry, dict) and label not in labels \
                    and issubclass(get_policy(entry["policy"]), BanditPolicy):
                labels.append(label)
    return labels


def bandit_columns(summary: dict) -> dict[str, Any]:
    """A run's sweep columns for its bandits, from :meth:`model.RewireModel.summary`."""
    import json

    out = {}
    for label, rep in summary.get("bandits", {}).items():
        out.update({f"final_arm:{label}": rep["final_arm"],
                    f"arm_counts:{label}": json.dumps(rep["arm_counts"]),
                    f"windows:{label}": rep["windows"],
                    f"mean_reward:{label}": rep["mean_reward"]})
    return out
