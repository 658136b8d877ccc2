"""The bandit learners, compiled: the one implementation of what each algorithm does.

A bandit recommender ends a window of requests many times a second, between
stretches of kernel a few tens of microseconds long; a round trip through Python
per window would cost as much as the simulation itself. So the learners are
written here once, as compiled functions over arrays, and called both by the run
loop (:func:`end_window`, without leaving compiled code) and by the Python classes
of :mod:`model.learning.bandits`, which are their readable face.

A learner's whole state is three arrays:

- ``par`` (float64[N_PAR]): which algorithm, its settings, rounds played, the arm
  in force, and, in a model, what its windows are scored by;
- ``tab[lo:lo + k]`` (float64[k, N_TAB]): per arm, plays, total reward and two
  numbers of the algorithm's own (Exp3: cumulative loss and the probability the
  arm was last drawn with; Thompson: successes and failures);
- ``rng`` (uint64[4]): its own xoshiro stream (:mod:`model.core.rng`), apart from
  the kernel's, so the same seed gives the same choices in any process.

In a model the state holds one ``par`` row and one ``rng`` row per recommender
(``bpar``, ``brng``; ``ALGO`` 0 for a recommender that is not a bandit), and the
arms of every bandit in one table (``btab``, recommender r's arms are rows
``bat[r]`` to ``bat[r + 1]``, with their selector codes in ``bsel``). Each window
the run loop ends is written to ``blog`` (recommender, step, arm, reward); the
engine hands those rows to the recommenders' histories when it regains control.
"""

import math

from model.core.groups import candidate_groups
from model.core.jit import compiled
from model.core.rng import below, uniform
from model.core.selectors import Who
from model.core.state import BLOG_ROWS, COOPERATE, DEFECT, P_RECOMMENDER, P_STRATEGY, STEPS

_ANY = int(Who.ANY)
_COOPERATORS = int(Who.COOPERATORS)

# Algorithms (``par[ALGO]``); 0: not a bandit.
UCB = 1
EPS = 2
EXP3 = 3
THOMPSON = 4
ETC = 5

# What a window is scored by (``par[REWARD]``); model/bandit_policies.py says why.
ENGAGEMENT = 0
ALIGNMENT = 1
WELFARE = 2

# Slots of ``par``.
ALGO = 0
S1 = 1  #: the first setting: UCB's c, epsilon, Exp3's eta, Thompson's prior, ETC's explore
S2 = 2  #: the second: epsilon-greedy's decay (1 on, 0 off)
ROUNDS = 3  #: rounds played (t)
COMMITTED = 4  #: explore-then-commit's arm for good, -1 before it commits
ARM = 5  #: the arm in force
REWARD = 6  #: in a model: what a window is scored by
WINDOW = 7  #: in a model: requests per window
STEPS0 = 8  #: in a model: the step at which the window in force began
USERS0 = 9  #: in a model: the recommender's users when it began
N_PAR = 10

# Columns of ``tab``.
COUNT = 0
SUM = 1
X1 = 2  #: Exp3: cumulative importance-weighted loss; Thompson: successes
X2 = 3  #: Exp3: the probability the arm was last drawn with; Thompson: failures
N_TAB = 4


# -- choosing ---------------------------------------------------------------------
@compiled
def untried(tab, lo, k):
    """The first arm never played, or -1."""
    for a in range(k):
        if tab[lo + a, COUNT] == 0.0:
            return a
    return -1


@compiled
def score(par, tab, lo, a, log_t):
    """Arm a's index for the greedy learners: UCB's upper bound, else the mean."""
    n = tab[lo + a, COUNT]
    mean = tab[lo + a, SUM] / n if n > 0.0 else 0.0
    if par[ALGO] == UCB:
        return mean + par[S1] * math.sqrt(log_t / n)
    return mean


@compiled
def best_arm(par, tab, lo, k, rng):
    """An arm of highest :func:`score`, ties broken at random (a draw only on a tie)."""
    log_t = 2.0 * math.log(max(par[ROUNDS], 1.0))
    top = -math.inf
    ties = 0
    for a in range(k):
        s = score(par, tab, lo, a, log_t)
        if s > top:
            top = s
            ties = 1
        elif s == top:
            ties += 1
    pick = below(rng, ties) if ties > 1 else 0
    for a in range(k):
        if score(par, tab, lo, a, log_t) == top:
            if pick == 0:
                return a
            pick -= 1
    return k - 1


@compiled
def epsilon(par, k):
    """Epsilon-greedy's exploration rate now: min(1, eps (K ln t / t)^(1/3)) decaying."""
    eps = par[S1]
    t = par[ROUNDS]
    if par[S2] != 0.0 and t > 1.0:
        eps = min(1.0, eps * (k * math.log(t) / t) ** (1.0 / 3.0))
    return eps


@compiled
def exp3_distribution(par, tab, lo, k):
    """Write Exp3's distribution over the arms now to their X2 column (the probability
    each arm is drawn with, which :func:`learn` divides its loss by)."""
    eta = par[S1] * math.sqrt(math.log(max(k, 2)) / (max(par[ROUNDS], 1.0) * k))
    low = math.inf
    for a in range(k):
        low = min(low, tab[lo + a, X1])
    total = 0.0
    for a in range(k):
        w = math.exp(-eta * (tab[lo + a, X1] - low))
        tab[lo + a, X2] = w
        total += w
    for a in range(k):
        tab[lo + a, X2] /= total


@compiled
def exp3_draw(par, tab, lo, k, rng):
    """Draw an arm from Exp3's distribution (one uniform), remembering each arm's probability."""
    exp3_distribution(par, tab, lo, k)
    u = uniform(rng)
    cumulative = 0.0
    for a in range(k):
        cumulative += tab[lo + a, X2]
        if u < cumulative:
            return a
    return k - 1


@compiled
def normal(rng):
    """A standard normal draw (Marsaglia's polar method)."""
    while True:
        u = 2.0 * uniform(rng) - 1.0
        v = 2.0 * uniform(rng) - 1.0
        s = u * u + v * v
        if 0.0 < s < 1.0:
            return u * math.sqrt(-2.0 * math.log(s) / s)


@compiled
def gamma(rng, shape):
    """A Gamma(shape, 1) draw (Marsaglia & Tsang 2000; shape < 1 boosted by U^(1/shape))."""
    boost = 1.0
    if shape < 1.0:
        boost = (1.0 - uniform(rng)) ** (1.0 / shape)
        shape += 1.0
    d = shape - 1.0 / 3.0
    c = 1.0 / math.sqrt(9.0 * d)
    while True:
        x = normal(rng)
        v = 1.0 + c * x
        if v <= 0.0:
            continue
        v = v * v * v
        u = 1.0 - uniform(rng)
        if math.log(u) < 0.5 * x * x + d - d * v + d * math.log(v):
            return d * v * boost


@compiled
def beta(rng, a, b):
    """A Beta(a, b) draw, as X / (X + Y) of two Gamma draws."""
    x = gamma(rng, a)
    y = gamma(rng, b)
    return x / (x + y) if x + y > 0.0 else 0.5


@compiled
def thompson_draw(par, tab, lo, k, rng):
    """The arm whose mean, drawn from its Beta posterior, is highest (one draw per arm)."""
    prior = par[S1]
    best = 0
    top = -1.0
    for a in range(k):
        x = beta(rng, tab[lo + a, X1] + prior, tab[lo + a, X2] + prior)
        if x > top:
            top = x
            best = a
    return best


@compiled
def choose(par, tab, lo, k, rng):
    """The arm to play next (module docstring: the learners' state)."""
    algo = par[ALGO]
    if algo == ETC:
        if par[ROUNDS] < par[S1] * k:
            return int(par[ROUNDS]) % k
        if par[COMMITTED] < 0.0:
            par[COMMITTED] = best_arm(par, tab, lo, k, rng)
        return int(par[COMMITTED])
    if algo == EXP3:
        return exp3_draw(par, tab, lo, k, rng)
    a = untried(tab, lo, k)
    if a >= 0:
        return a
    if algo == THOMPSON:
        return thompson_draw(par, tab, lo, k, rng)
    if algo == EPS and uniform(rng) < epsilon(par, k):
        return below(rng, k)
    return best_arm(par, tab, lo, k, rng)


@compiled
def learn(par, tab, lo, k, rng, arm, reward):
    """Record that ``arm`` earned ``reward`` (clipped to [0, 1])."""
    reward = min(1.0, max(0.0, reward))
    par[ROUNDS] += 1.0
    i = lo + arm
    tab[i, COUNT] += 1.0
    tab[i, SUM] += reward
    if par[ALGO] == EXP3:
        tab[i, X1] += (1.0 - reward) / tab[i, X2]
    elif par[ALGO] == THOMPSON:  # a reward r counts as a success with probability r
        if uniform(rng) < reward:
            tab[i, X1] += 1.0
        else:
            tab[i, X2] += 1.0


# -- a window in a model ------------------------------------------------------------
@compiled
def users_in(gstart, r, who):
    """How many of recommender r's users ``who`` admits (all, or its cooperators)."""
    lo, hi = candidate_groups(r, who)
    return gstart[hi] - gstart[lo]


@compiled(inline=True)
def welfare(st, r):
    """Mean payoff per game of recommender r's users, scaled to [0, 1] by the game's
    payoff range [min(S, 0), max(T, 1)]: total payoff over total degree."""
    g_lo, g_hi = candidate_groups(r, _ANY)
    total = 0.0
    games = 0
    for j in range(st.gstart[g_lo], st.gstart[g_hi]):
        i = st.gorder[j]
        s = st.strat[i]
        c = st.ncoop[i]
        total += st.payoff[s, COOPERATE] * c + st.payoff[s, DEFECT] * (st.deg[i] - c)
        games += st.deg[i]
    if games == 0:
        return 0.0
    low = min(st.payoff[COOPERATE, DEFECT], 0.0)
    high = max(st.payoff[DEFECT, COOPERATE], 1.0)
    return min(1.0, max(0.0, (total / games - low) / (high - low)))


@compiled(inline=True)
def window_reward(st, r, steps, users):
    """The reward of recommender r's window ending now (model/bandit_policies.py)."""
    par = st.bpar[r]
    kind = par[REWARD]
    if kind == ALIGNMENT:
        return users_in(st.gstart, r, _COOPERATORS) / users if users > 0 else 0.0
    if kind == WELFARE:
        return welfare(st, r)
    p_struct = 1.0 - st.fpar[P_RECOMMENDER] - st.fpar[P_STRATEGY]
    chances = p_struct * (steps - par[STEPS0]) * (par[USERS0] + users) / 2.0 / len(st.deg)
    return min(1.0, par[WINDOW] / chances) if chances > 0.0 else 0.0


@compiled(inline=True)
def play(st, r, arm, steps, users):
    """Put ``arm`` in force for recommender r from the next request on, for a window."""
    par = st.bpar[r]
    par[ARM] = arm
    i = st.bat[r] + arm
    st.source[r] = st.bsel[i, 0]
    st.who[r] = st.bsel[i, 1]
    st.rank[r] = st.bsel[i, 2]
    st.checkpoint[r] = st.requests_by[r] + int(par[WINDOW])
    par[STEPS0] = steps
    par[USERS0] = users


@compiled(inline=True)
def end_window(st, r):
    """Recommender r's window has ended: score it, learn, log it, play the next arm.

    Returns False, doing nothing, when the log is full (the engine empties it first).
    """
    row = st.cnt[BLOG_ROWS]
    if row >= len(st.blog):
        return False
    par = st.bpar[r]
    lo = st.bat[r]
    k = st.bat[r + 1] - lo
    steps = st.cnt[STEPS]
    users = users_in(st.gstart, r, _ANY)
    reward = window_reward(st, r, steps, users)
    arm = int(par[ARM])
    learn(par, st.btab, lo, k, st.brng[r], arm, reward)
    st.blog[row, 0] = r
    st.blog[row, 1] = steps
    st.blog[row, 2] = arm
    st.blog[row, 3] = reward
    st.cnt[BLOG_ROWS] = row + 1
    play(st, r, choose(par, st.btab, lo, k, st.brng[r]), steps, users)
    return True


@compiled(inline=True)
def end_windows(st):
    """End the window of every bandit at its checkpoint; False if a recommender at its
    checkpoint is left for the engine (not a bandit, or the log is full)."""
    for r in range(len(st.checkpoint)):
        if st.requests_by[r] == st.checkpoint[r]:
            if st.bpar[r, ALGO] == 0.0 or not end_window(st, r):
                return False
    return True


@compiled
def end_window_now(st, r):
    """:func:`end_window` called from Python (after the engine emptied a full log)."""
    return end_window(st, r)


@compiled
def start_window(st, r):
    """Recommender r's first window: choose an arm and put it in force."""
    par = st.bpar[r]
    lo = st.bat[r]
    arm = choose(par, st.btab, lo, st.bat[r + 1] - lo, st.brng[r])
    play(st, r, arm, st.cnt[STEPS], users_in(st.gstart, r, _ANY))
