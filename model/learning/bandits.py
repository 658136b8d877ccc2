"""Multi-armed bandit algorithms: which of K arms to play next, learned from rewards.

These are the learners behind the bandit recommenders: each window of rewire
requests a bandit recommender plays one *arm* (an existing policy), observes a
reward in [0, 1] (engagement, alignment or welfare, normalised), and chooses the
next arm. The algorithms themselves know nothing of the model: they see arm
indices and rewards, so they are tested here on stationary problems whose answer
is known (a fixed mean reward per arm plus noise), where theory predicts how
their regret grows with the horizon T:

- :class:`ExploreThenCommit` and :class:`EpsilonGreedy` explore on a schedule
  fixed in advance: regret ~ T^(2/3) when tuned (Slivkins 2019, ch. 1);
- :class:`UCB1` explores where it is uncertain: regret ~ sqrt(K T log T)
  (Auer, Cesa-Bianchi & Fischer 2002), and O(log T) on a fixed gap;
- :class:`Exp3` assumes nothing of the rewards (they may be chosen by an
  adversary, which users responding to a recommender partly are): regret
  ~ sqrt(T K log K) (Auer et al. 2002);
- :class:`ThompsonSampling` samples each arm's mean from its posterior
  (Beta-Bernoulli, with rewards in [0, 1] turned into coin flips as in
  Agrawal & Goyal 2012): regret ~ log T on a fixed gap.

Every algorithm draws its randomness from the ``numpy.random.Generator`` it is
given, so a bandit is reproducible from its seed, and its whole state is a dict
of plain numbers and arrays (:meth:`Bandit.state` / :meth:`Bandit.load`), so it
survives being saved and reloaded.

A bandit recommender calls :meth:`Bandit.update` and :meth:`Bandit.choose` once per
window of requests, between stretches of compiled simulation a few tens of
microseconds long, so a round must cost microseconds: the per-arm numbers are kept
in plain Python lists of floats (K is a dozen arms at most in practice, where NumPy's
per-call overhead is larger than the arithmetic), updated in place, and read as
arrays (``counts``, ``sums``, ``means``) only by those who ask.

>>> rng = np.random.default_rng(0)
>>> b = UCB1(3, rng)
>>> for _ in range(300):
...     arm = b.choose()
...     b.update(arm, float(rng.random() < (0.2, 0.5, 0.8)[arm]))
>>> int(np.argmax(b.counts))
2
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np


class SettingError(ValueError):
    """A bandit setting outside its range. ``str(err)`` is one line naming it."""

    def __init__(self, name: str, message: str):
        super().__init__(message)
        self.name = name


@dataclass(frozen=True)
class Setting:
    """One hyperparameter of an algorithm: default and allowed range (inclusive)."""

    name: str
    default: float
    low: float
    high: float = math.inf
    integer: bool = False
    help: str = ""

    def check(self, value: Any) -> float | int:
        kind = "an integer" if self.integer else "a number"
        high = "inf" if math.isinf(self.high) else f"{self.high:g}"
        what = f"{self.name} must be {kind} in [{self.low:g}, {high}]; got {value!r}"
        if isinstance(value, bool) or not isinstance(value, (int, float, np.number)):
            raise SettingError(self.name, what)
        x = float(value)
        if math.isnan(x) or not self.low <= x <= self.high \
                or (self.integer and not x.is_integer()):
            raise SettingError(self.name, what)
        return int(x) if self.integer else x


class Bandit:
    """Base class: K arms, counts and mean rewards; subclasses choose the next arm.

    ``choose()`` returns the arm to play; ``update(arm, reward)`` records what
    playing it earned (a number in [0, 1]). Settings are class-level
    :class:`Setting` declarations, checked on construction.
    """

    name: ClassVar[str] = ""
    origin: ClassVar[str] = ""
    settings: ClassVar[tuple[Setting, ...]] = ()

    def __init__(self, n_arms: int, rng: np.random.Generator, **settings: Any):
        if not isinstance(n_arms, int) or n_arms < 1:
            raise SettingError("arms", f"arms must be at least one; got {n_arms!r}")
        known = {s.name: s for s in self.settings}
        unknown = sorted(set(settings) - set(known))
        if unknown:
            raise SettingError(unknown[0], f"{self.name}: unknown setting {unknown[0]!r}; "
                               f"known: {', '.join(known) or 'none'}")
        self.config = {name: s.check(settings.get(name, s.default)) for name, s in known.items()}
        self.n_arms = n_arms
        self.rng = rng
        self.t = 0  #: rounds played
        self._counts = [0] * n_arms  # plays of each arm (lists: see the module docstring)
        self._sums = [0.0] * n_arms  # total reward of each arm

    @property
    def counts(self) -> np.ndarray:
        """How many times each arm was played."""
        return np.array(self._counts, dtype=np.int64)

    @counts.setter
    def counts(self, values) -> None:
        self._counts = [int(x) for x in values]

    @property
    def sums(self) -> np.ndarray:
        """Total reward each arm earned."""
        return np.array(self._sums, dtype=np.float64)

    @sums.setter
    def sums(self, values) -> None:
        self._sums = [float(x) for x in values]

    @property
    def means(self) -> np.ndarray:
        """Mean reward of each arm so far (0 for an arm never played)."""
        return np.array(self._means(), dtype=np.float64)

    def _means(self) -> list[float]:
        return [s / n if n else 0.0 for s, n in zip(self._sums, self._counts)]

    def choose(self) -> int:
        raise NotImplementedError

    def update(self, arm: int, reward: float) -> None:
        """Record that ``arm`` earned ``reward`` (clipped to [0, 1])."""
        reward = min(1.0, max(0.0, float(reward)))
        self.t += 1
        self._counts[arm] += 1
        self._sums[arm] += reward
        self._learn(arm, reward)

    def _learn(self, arm: int, reward: float) -> None:
        """Algorithm-specific bookkeeping after :meth:`update`'s common part."""

    def _untried(self) -> int:
        """The first arm never played, or -1: every algorithm here tries each arm once."""
        counts = self._counts
        return counts.index(0) if 0 in counts else -1

    def _argmax(self, values) -> int:
        """An index of the largest value, ties broken at random (a draw only on a tie)."""
        top = max(values)
        best = [i for i, x in enumerate(values) if x == top]
        return best[0] if len(best) == 1 else best[int(self.rng.integers(len(best)))]

    # -- saving and reloading ---------------------------------------------------
    def state(self) -> dict[str, Any]:
        """Everything needed to continue exactly where this bandit is (plain values)."""
        out = {"name": self.name, "n_arms": self.n_arms, "config": dict(self.config),
               "t": self.t, "counts": list(self._counts), "sums": list(self._sums),
               "rng": self.rng.bit_generator.state}
        out.update({k: (v.tolist() if isinstance(v, np.ndarray) else
                        list(v) if isinstance(v, list) else v)
                    for k, v in self._extra_state().items()})
        return out

    def _extra_state(self) -> dict[str, Any]:
        return {}

    @classmethod
    def load(cls, state: dict[str, Any]) -> "Bandit":
        """The bandit :meth:`state` described, continuing with the same random stream."""
        rng = np.random.Generator(getattr(np.random, state["rng"]["bit_generator"])())
        rng.bit_generator.state = state["rng"]
        b = cls(state["n_arms"], rng, **state["config"])
        b.t = state["t"]
        b.counts = state["counts"]
        b.sums = state["sums"]
        b._load_extra(state)
        return b

    def _load_extra(self, state: dict[str, Any]) -> None:
        pass


class ExploreThenCommit(Bandit):
    """Play every arm ``explore`` times in turn, then commit to the best for good.

    The simplest learner, and the one whose exploration is most visibly fixed in
    advance; tuned with explore ~ (T / K)^(2/3) its regret grows as T^(2/3)
    (Slivkins 2019, Theorem 1.5).
    """

    name = "etc"
    origin = "Slivkins 2019, Introduction to Multi-Armed Bandits, sec. 1.2"
    settings = (Setting("explore", 10, 1, 10**9, integer=True,
                        help="rounds each arm is played before committing"),)

    def __init__(self, n_arms: int, rng: np.random.Generator, **settings: Any):
        super().__init__(n_arms, rng, **settings)
        self.committed = -1  #: the arm chosen for good once exploration is over

    def choose(self) -> int:
        m = self.config["explore"]
        if self.t < m * self.n_arms:
            return self.t % self.n_arms
        if self.committed < 0:
            self.committed = self._argmax(self._means())
        return self.committed

    def _extra_state(self) -> dict[str, Any]:
        return {"committed": self.committed}

    def _load_extra(self, state: dict[str, Any]) -> None:
        self.committed = int(state["committed"])


class EpsilonGreedy(Bandit):
    """With probability eps_t a random arm, otherwise the best so far.

    ``decay`` on (the default): eps_t = min(1, epsilon * (K ln t / t)^(1/3)), the
    schedule for which regret grows as T^(2/3) (Slivkins 2019, Theorem 1.6), with
    ``epsilon`` scaling it; ``decay`` off: a fixed rate ``epsilon``, whose regret
    grows linearly (it never stops exploring).
    """

    name = "eps"
    origin = "Sutton & Barto 2018, sec. 2.2; Slivkins 2019, sec. 1.3"
    settings = (Setting("epsilon", 1.0, 0, 1, help="exploration rate (its scale when decaying)"),
                Setting("decay", 1, 0, 1, integer=True,
                        help="1: epsilon shrinks as t^(-1/3); 0: fixed"))

    def epsilon(self) -> float:
        eps = self.config["epsilon"]
        if self.config["decay"] and self.t > 1:
            eps = min(1.0, eps * (self.n_arms * math.log(self.t) / self.t) ** (1 / 3))
        return eps

    def choose(self) -> int:
        arm = self._untried()
        if arm >= 0:
            return arm
        if self.rng.random() < self.epsilon():
            return int(self.rng.integers(self.n_arms))
        return self._argmax(self._means())


class UCB1(Bandit):
    """The arm with the highest upper confidence bound mean + c * sqrt(2 ln t / n).

    Explores exactly where it is unsure; ``c`` scales the bonus (1 is the
    textbook value for rewards in [0, 1]).
    """

    name = "ucb"
    origin = "Auer, Cesa-Bianchi & Fischer 2002, Machine Learning 47"
    settings = (Setting("c", 1.0, 0, help="scale of the confidence bonus"),)

    def choose(self) -> int:
        arm = self._untried()
        if arm >= 0:
            return arm
        c, log_t = self.config["c"], 2.0 * math.log(self.t)
        sqrt = math.sqrt
        return self._argmax([s / n + c * sqrt(log_t / n)
                             for s, n in zip(self._sums, self._counts)])


class Exp3(Bandit):
    """Exponential weights on importance-weighted losses, with a decreasing rate.

    Makes no assumption about where rewards come from, so it is the one to use
    when users respond to what the recommender does. Anytime version: learning
    rate eta_t = sqrt(ln K / (t K)) (Lattimore & Szepesvari 2020, ch. 11).
    """

    name = "exp3"
    origin = "Auer, Cesa-Bianchi, Freund & Schapire 2002, SIAM J. Computing 32"
    settings = (Setting("eta", 1.0, 0, help="scale of the learning rate"),)

    def __init__(self, n_arms: int, rng: np.random.Generator, **settings: Any):
        super().__init__(n_arms, rng, **settings)
        self.loss = [0.0] * n_arms  #: cumulative importance-weighted losses
        self.last_p = [1.0 / n_arms] * n_arms  #: the distribution the last arm was drawn from

    def _probabilities(self) -> list[float]:
        k = self.n_arms
        eta = self.config["eta"] * math.sqrt(math.log(max(k, 2)) / (max(self.t, 1) * k))
        low, exp = min(self.loss), math.exp
        w = [exp(-eta * (x - low)) for x in self.loss]
        total = sum(w)
        return [x / total for x in w]

    def probabilities(self) -> np.ndarray:
        """The distribution the next arm is drawn from."""
        return np.array(self._probabilities())

    def choose(self) -> int:
        p = self.last_p = self._probabilities()
        u, cumulative, total = self.rng.random(), 0.0, sum(p)
        for arm, x in enumerate(p):  # as Generator.choice(K, p=p) draws: one uniform
            cumulative += x
            if u < cumulative / total:
                return arm
        return self.n_arms - 1

    def _learn(self, arm: int, reward: float) -> None:
        self.loss[arm] += (1.0 - reward) / self.last_p[arm]

    def _extra_state(self) -> dict[str, Any]:
        return {"loss": self.loss, "last_p": self.last_p}

    def _load_extra(self, state: dict[str, Any]) -> None:
        self.loss = [float(x) for x in state["loss"]]
        self.last_p = [float(x) for x in state["last_p"]]


class ThompsonSampling(Bandit):
    """Play the arm whose mean, drawn from its Beta posterior, is highest.

    A reward r in [0, 1] counts as a success with probability r (Agrawal & Goyal
    2012), so the Beta-Bernoulli posterior stays exact for any bounded reward.
    """

    name = "thompson"
    origin = "Thompson 1933; Agrawal & Goyal 2012, COLT"
    settings = (Setting("prior", 1.0, 1e-9, help="pseudo-counts of the Beta(prior, prior) prior"),)

    def __init__(self, n_arms: int, rng: np.random.Generator, **settings: Any):
        super().__init__(n_arms, rng, **settings)
        self.wins = [0.0] * n_arms
        self.losses = [0.0] * n_arms

    def choose(self) -> int:
        a, beta = self.config["prior"], self.rng.beta
        # one draw per arm, in order: the stream of rng.beta(wins + a, losses + a)
        return self._argmax([beta(w + a, v + a) for w, v in zip(self.wins, self.losses)])

    def _learn(self, arm: int, reward: float) -> None:
        if self.rng.random() < reward:
            self.wins[arm] += 1
        else:
            self.losses[arm] += 1

    def _extra_state(self) -> dict[str, Any]:
        return {"wins": self.wins, "losses": self.losses}

    def _load_extra(self, state: dict[str, Any]) -> None:
        self.wins = [float(x) for x in state["wins"]]
        self.losses = [float(x) for x in state["losses"]]


#: Every algorithm, by name: the single place to add one.
ALGORITHMS: dict[str, type[Bandit]] = {
    cls.name: cls for cls in (UCB1, EpsilonGreedy, Exp3, ThompsonSampling, ExploreThenCommit)}


def make_bandit(algorithm: str, n_arms: int, rng: np.random.Generator, **settings: Any) -> Bandit:
    """A fresh bandit of the named algorithm; one-line errors for anything unknown.

    >>> make_bandit("ucb", 4, np.random.default_rng(1)).config
    {'c': 1.0}
    """
    try:
        cls = ALGORITHMS[algorithm]
    except KeyError:
        raise SettingError("algorithm", f"unknown bandit algorithm {algorithm!r}; "
                           f"known: {', '.join(ALGORITHMS)}") from None
    return cls(n_arms, rng, **settings)


def load_bandit(state: dict[str, Any]) -> Bandit:
    """The bandit a :meth:`Bandit.state` dict describes."""
    return ALGORITHMS[state["name"]].load(state)


def stationary_regret(bandit: Bandit, means, horizon: int, rng: np.random.Generator,
                      noise: float = 0.1) -> np.ndarray:
    """Pseudo-regret after each round on a stationary problem: arm a pays means[a] + noise.

    Rewards are Gaussian around fixed means, clipped to [0, 1]; the regret counts
    the gap of each arm played (``max(means) - means[arm]``), not the noise, so
    it measures the algorithm and not the luck of the draws.

    >>> r = stationary_regret(UCB1(2, np.random.default_rng(0)), [0.3, 0.7], 100,
    ...                       np.random.default_rng(1))
    >>> len(r), bool(r[-1] < 100 * 0.4)
    (100, True)
    """
    means = np.asarray(means, dtype=np.float64)
    gaps = means.max() - means
    regret = np.empty(horizon)
    total = 0.0
    for t in range(horizon):
        arm = bandit.choose()
        bandit.update(arm, means[arm] + noise * rng.standard_normal())
        total += gaps[arm]
        regret[t] = total
    return regret
