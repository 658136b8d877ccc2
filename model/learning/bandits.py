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

What each algorithm does is written once, compiled, in :mod:`model.core.learners`:
the run loop of a model calls it at the end of every window without leaving compiled
code, and the classes here call the same functions, so a learner behaves the same
in a test and in a model. Its whole state is three arrays (its parameters, a row
per arm, and its own xoshiro stream, seeded from the generator it is given), so a
bandit is reproducible from its seed in any process, and :meth:`Bandit.state` /
:meth:`Bandit.load` save and restore it exactly, as plain numbers.

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

from model.core import learners
from model.core.rng import new_state


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
    """Base class: K arms, counts and mean rewards; subclasses say which algorithm.

    ``choose()`` returns the arm to play; ``update(arm, reward)`` records what
    playing it earned (a number in [0, 1]). Settings are class-level
    :class:`Setting` declarations, checked on construction; the first is stored
    in the learner's ``S1`` slot, the second in ``S2`` (:mod:`model.core.learners`).

    ``rng`` seeds the learner's own stream: a NumPy generator (one draw is taken
    from it) or the four words of a stream (:func:`model.core.rng.new_state`).
    """

    name: ClassVar[str] = ""
    origin: ClassVar[str] = ""
    settings: ClassVar[tuple[Setting, ...]] = ()
    code: ClassVar[int] = 0  #: the algorithm's code in :mod:`model.core.learners`

    def __init__(self, n_arms: int, rng, **settings: Any):
        if not isinstance(n_arms, int) or n_arms < 1:
            raise SettingError("arms", f"arms must be at least one; got {n_arms!r}")
        known = {s.name: s for s in self.settings}
        unknown = sorted(set(settings) - set(known))
        if unknown:
            raise SettingError(unknown[0], f"{self.name}: unknown setting {unknown[0]!r}; "
                               f"known: {', '.join(known) or 'none'}")
        self.config = {name: s.check(settings.get(name, s.default)) for name, s in known.items()}
        self.n_arms = n_arms
        self.par = new_par(self.code, list(self.config.values()))
        self.tab = new_table(self.code, n_arms)
        self.lo = 0  #: its arms' first row of ``tab``
        self.words = _stream(rng)

    @classmethod
    def over(cls, par: np.ndarray, tab: np.ndarray, lo: int, n_arms: int,
             words: np.ndarray) -> "Bandit":
        """The learner whose state is these arrays (a model's, say): no copy, so what
        it learns is written there."""
        b = cls.__new__(cls)
        b.n_arms, b.par, b.tab, b.lo, b.words = n_arms, par, tab, lo, words
        b.config = {s.name: (int(x) if s.integer else float(x))
                    for s, x in zip(cls.settings, par[learners.S1:learners.S2 + 1])}
        return b

    @property
    def t(self) -> int:
        """Rounds played."""
        return int(self.par[learners.ROUNDS])

    def _column(self, column: int) -> np.ndarray:
        return self.tab[self.lo:self.lo + self.n_arms, column].copy()

    @property
    def counts(self) -> np.ndarray:
        """How many times each arm was played."""
        return self._column(learners.COUNT).astype(np.int64)

    @property
    def sums(self) -> np.ndarray:
        """Total reward each arm earned."""
        return self._column(learners.SUM)

    @property
    def means(self) -> np.ndarray:
        """Mean reward of each arm so far (0 for an arm never played)."""
        counts = self._column(learners.COUNT)
        return np.divide(self.sums, counts, out=np.zeros(self.n_arms), where=counts > 0)

    def choose(self) -> int:
        """The arm to play next."""
        return int(learners.choose(self.par, self.tab, self.lo, self.n_arms, self.words))

    def update(self, arm: int, reward: float) -> None:
        """Record that ``arm`` earned ``reward`` (clipped to [0, 1])."""
        if not 0 <= arm < self.n_arms:
            raise IndexError(f"arm must be in [0, {self.n_arms - 1}]; got {arm}")
        learners.learn(self.par, self.tab, self.lo, self.n_arms, self.words, int(arm),
                       float(reward))

    # -- saving and reloading ---------------------------------------------------
    def state(self) -> dict[str, Any]:
        """Everything needed to continue exactly where this bandit is (plain values)."""
        return {"name": self.name, "n_arms": self.n_arms, "config": dict(self.config),
                "par": self.par.tolist(),
                "tab": self.tab[self.lo:self.lo + self.n_arms].tolist(),
                "rng": [int(w) for w in self.words]}

    @classmethod
    def load(cls, state: dict[str, Any]) -> "Bandit":
        """The bandit :meth:`state` described, continuing with the same random stream."""
        b = cls(state["n_arms"], np.array(state["rng"], dtype=np.uint64), **state["config"])
        b.par[:] = state["par"]
        b.tab[:] = state["tab"]
        return b


def new_par(code: int, settings: list) -> np.ndarray:
    """A fresh learner's ``par`` row: its algorithm and settings, nothing played yet."""
    par = np.zeros(learners.N_PAR)
    par[learners.ALGO] = code
    for slot, value in zip((learners.S1, learners.S2), settings):
        par[slot] = value
    par[learners.COMMITTED] = -1
    par[learners.ARM] = -1
    return par


def new_table(code: int, n_arms: int) -> np.ndarray:
    """A fresh learner's rows, one per arm (Exp3 starts from the uniform distribution)."""
    tab = np.zeros((n_arms, learners.N_TAB))
    if code == learners.EXP3:
        tab[:, learners.X2] = 1.0 / n_arms
    return tab


def _stream(rng) -> np.ndarray:
    if isinstance(rng, np.random.Generator):
        return new_state(np.random.SeedSequence(int(rng.integers(2**63))))
    words = np.array(rng, dtype=np.uint64).reshape(4)
    if not words.any():
        raise ValueError("a random stream's four words cannot all be zero")
    return words


class ExploreThenCommit(Bandit):
    """Play every arm ``explore`` times in turn, then commit to the best for good.

    The simplest learner, and the one whose exploration is most visibly fixed in
    advance; tuned with explore ~ (T / K)^(2/3) its regret grows as T^(2/3)
    (Slivkins 2019, Theorem 1.5).
    """

    name = "etc"
    origin = "Slivkins 2019, Introduction to Multi-Armed Bandits, sec. 1.2"
    code = learners.ETC
    settings = (Setting("explore", 10, 1, 10**9, integer=True,
                        help="rounds each arm is played before committing"),)

    @property
    def committed(self) -> int:
        """The arm chosen for good once exploration is over (-1 before)."""
        return int(self.par[learners.COMMITTED])


class EpsilonGreedy(Bandit):
    """With probability eps_t a random arm, otherwise the best so far.

    ``decay`` on (the default): eps_t = min(1, epsilon * (K ln t / t)^(1/3)), the
    schedule for which regret grows as T^(2/3) (Slivkins 2019, Theorem 1.6), with
    ``epsilon`` scaling it; ``decay`` off: a fixed rate ``epsilon``, whose regret
    grows linearly (it never stops exploring). Each arm is tried once first.
    """

    name = "eps"
    origin = "Sutton & Barto 2018, sec. 2.2; Slivkins 2019, sec. 1.3"
    code = learners.EPS
    settings = (Setting("epsilon", 1.0, 0, 1, help="exploration rate (its scale when decaying)"),
                Setting("decay", 1, 0, 1, integer=True,
                        help="1: epsilon shrinks as t^(-1/3); 0: fixed"))

    def epsilon(self) -> float:
        """The exploration rate of the next choice."""
        return float(learners.epsilon(self.par, self.n_arms))


class UCB1(Bandit):
    """The arm with the highest upper confidence bound mean + c * sqrt(2 ln t / n).

    Explores exactly where it is unsure; ``c`` scales the bonus (1 is the
    textbook value for rewards in [0, 1]). Each arm is tried once first.
    """

    name = "ucb"
    origin = "Auer, Cesa-Bianchi & Fischer 2002, Machine Learning 47"
    code = learners.UCB
    settings = (Setting("c", 1.0, 0, help="scale of the confidence bonus"),)


class Exp3(Bandit):
    """Exponential weights on importance-weighted losses, with a decreasing rate.

    Makes no assumption about where rewards come from, so it is the one to use
    when users respond to what the recommender does. Anytime version: learning
    rate eta_t = sqrt(ln K / (t K)) (Lattimore & Szepesvari 2020, ch. 11).
    """

    name = "exp3"
    origin = "Auer, Cesa-Bianchi, Freund & Schapire 2002, SIAM J. Computing 32"
    code = learners.EXP3
    settings = (Setting("eta", 1.0, 0, help="scale of the learning rate"),)

    def probabilities(self) -> np.ndarray:
        """The distribution the next arm is drawn from (computed on a copy: the learner's
        own column keeps the probabilities its last arm was drawn with)."""
        tab = self.tab[self.lo:self.lo + self.n_arms].copy()
        learners.exp3_distribution(self.par, tab, 0, self.n_arms)
        return tab[:, learners.X2]

    @property
    def loss(self) -> np.ndarray:
        """Cumulative importance-weighted loss of each arm."""
        return self._column(learners.X1)


class ThompsonSampling(Bandit):
    """Play the arm whose mean, drawn from its Beta posterior, is highest.

    A reward r in [0, 1] counts as a success with probability r (Agrawal & Goyal
    2012), so the Beta-Bernoulli posterior stays exact for any bounded reward.
    Each arm is tried once first.
    """

    name = "thompson"
    origin = "Thompson 1933; Agrawal & Goyal 2012, COLT"
    code = learners.THOMPSON
    settings = (Setting("prior", 1.0, 1e-9, help="pseudo-counts of the Beta(prior, prior) prior"),)

    @property
    def wins(self) -> np.ndarray:
        """Successes of each arm (rewards turned into coin flips)."""
        return self._column(learners.X1)

    @property
    def losses(self) -> np.ndarray:
        """Failures of each arm."""
        return self._column(learners.X2)


#: Every algorithm, by name: the single place to add one.
ALGORITHMS: dict[str, type[Bandit]] = {
    cls.name: cls for cls in (UCB1, EpsilonGreedy, Exp3, ThompsonSampling, ExploreThenCommit)}


def make_bandit(algorithm: str, n_arms: int, rng, **settings: Any) -> Bandit:
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
