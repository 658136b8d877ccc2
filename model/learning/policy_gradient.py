"""Training a ranking module: REINFORCE with a baseline, Adam, and the paper's two rewards.

The paper trained with PPO (Carvalho 2021, section 6.3). Here it is REINFORCE
(Williams 1992) with a baseline, because of what episodes are in this model:

- **Rewards are per episode.** ``coops`` is paid once, at the end; ``rewires`` counts
  requests over the whole run and nothing in the observation marks one. What PPO
  adds on top of a policy gradient, a learned critic (with generalised advantage
  estimation) and clipped updates, pays off with rewards spread over time. A critic
  here would have to predict the final cooperation from a graph: a second network,
  trained alongside, with its own bias and hyperparameters. A baseline made of other
  episodes' returns needs none of that and keeps the gradient unbiased.
- **Episodes are short and cheap.** At N = 10 a run fixes within a few hundred
  elementary updates, and the compiled engine runs millions per second. PPO reuses
  each batch for several epochs to spare environment samples; here the expensive part
  is the gradient pass, which PPO would repeat per epoch, while fresh on-policy
  episodes cost almost nothing.
- **Fewer knobs, exact tests.** No clip range, epoch count, minibatch size, GAE lambda
  or value-loss weight: a learning rate, a batch size, an optional entropy bonus and
  a gradient-norm clip. The estimator is simple enough to check against its
  definition.

The update, for a batch of E episodes with returns G_e and decisions (s_t, a_t):

    grad J = 1/E sum_e sum_t [ (G_e - b_e) grad log pi(a_t | s_t) + c grad H(pi(. | s_t)) ]

where b_e is the mean return of the *other* episodes of the batch (leave-one-out:
unbiased, scale-free, no state), or, for a batch of one, the running mean of all
returns seen so far; c is the entropy bonus (0 by default). The gradient is clipped
to a global norm, then Adam (Kingma & Ba 2015, written here in NumPy) takes the step.

Training works on *recorded* episodes (:class:`Episode`: the decisions taken, each
with what the policy saw and chose, and the episode's return), so it needs no
environment: whoever runs the dynamics records, this module learns.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from model.learning.ranking import Observation, RankingPolicy, masked_softmax


# -- rewards (the paper's Table 5) ------------------------------------------------
def rewires_reward(requests: int) -> float:
    """``rewires``, the engagement maximiser's reward: rewire requests in the episode.

    The paper's #rewires: the number of times users asked the recommender for a new
    neighbour during the episode (not the number of time-steps, nor of completed
    rewires). Under competition, the requests made to this recommender.
    """
    if requests < 0:
        raise ValueError(f"requests must be >= 0 (got {requests})")
    return float(requests)


def coops_reward(cooperators: int, n: int) -> float:
    """``coops``, the aligned recommender's reward: 2 (c - 0.5), c the final cooperator fraction.

    Paid once, at the end of the episode: 1 when everybody cooperates, -1 when nobody
    does, 0 at an even split (the paper's section 4.2).
    """
    if n < 1 or not 0 <= cooperators <= n:
        raise ValueError(f"cooperators must be in 0..n and n >= 1 (got {cooperators}, {n})")
    return 2.0 * (cooperators / n - 0.5)


#: The rewards by the names the paper's Table 5 gives them.
REWARDS = {"rewires": rewires_reward, "coops": coops_reward}


# -- recorded episodes -------------------------------------------------------------
@dataclass(frozen=True)
class Decision:
    """One rewire request: what the policy saw, and the position it chose in its candidates."""

    observation: Observation
    action: int


@dataclass(frozen=True)
class Episode:
    """The decisions of one run, in order, and the run's return."""

    decisions: tuple
    episode_return: float


# -- optimisation ----------------------------------------------------------------
class Adam:
    """Adam on a dict of arrays, minimising: ``step(grads)`` moves ``params`` in place."""

    def __init__(self, params: dict, learning_rate: float = 0.01, beta1: float = 0.9,
                 beta2: float = 0.999, eps: float = 1e-8):
        self.params = params
        self.learning_rate = learning_rate
        self.beta1, self.beta2, self.eps = beta1, beta2, eps
        self.t = 0
        self.m = {name: np.zeros_like(value) for name, value in params.items()}
        self.v = {name: np.zeros_like(value) for name, value in params.items()}

    def step(self, grads: dict) -> None:
        self.t += 1
        correction1 = 1.0 - self.beta1 ** self.t
        correction2 = 1.0 - self.beta2 ** self.t
        for name, g in grads.items():
            self.m[name] = self.beta1 * self.m[name] + (1.0 - self.beta1) * g
            self.v[name] = self.beta2 * self.v[name] + (1.0 - self.beta2) * g * g
            m_hat = self.m[name] / correction1
            v_hat = self.v[name] / correction2
            self.params[name] -= self.learning_rate * m_hat / (np.sqrt(v_hat) + self.eps)


def global_norm(grads: dict) -> float:
    return float(np.sqrt(sum(float(np.sum(g * g)) for g in grads.values())))


def clip_by_global_norm(grads: dict, max_norm: float | None):
    """``grads`` scaled down to global norm ``max_norm`` if above it, and the norm before."""
    norm = global_norm(grads)
    if max_norm is not None and norm > max_norm:
        scale = max_norm / norm
        grads = {name: g * scale for name, g in grads.items()}
    return grads, norm


def decision_gradient(policy: RankingPolicy, decision: Decision, advantage: float,
                      entropy_bonus: float = 0.0):
    """Gradient of advantage * log pi(a|s) + entropy_bonus * H(pi(.|s)), and log pi(a|s), H.

    One forward and one backward pass: both terms are functions of the scores, so
    their gradients with respect to the scores are added before going back through
    the network.
    """
    obs = decision.observation
    invalid = np.asarray(obs.invalid, dtype=bool)
    a = decision.action
    if not 0 <= a < len(invalid) or invalid[a]:
        raise ValueError(f"recorded action {a} is not a valid candidate of its observation")
    scores, cache = policy.forward(obs)
    pi = masked_softmax(scores, invalid)
    valid = ~invalid
    log_pi = np.zeros_like(pi)
    log_pi[valid] = np.log(np.maximum(pi[valid], np.finfo(float).tiny))
    entropy = -float(pi[valid] @ log_pi[valid])
    dscores = -advantage * pi
    dscores[a] += advantage
    if entropy_bonus:
        dscores -= entropy_bonus * pi * (log_pi + entropy)
    dscores[invalid] = 0.0
    return policy.backward(cache, dscores), float(log_pi[a]), entropy


@dataclass
class UpdateStats:
    """What one update did: mean return of the batch, baseline, gradient norm (before
    clipping), mean entropy of pi over decisions, number of decisions."""

    mean_return: float
    mean_baseline: float
    grad_norm: float
    mean_entropy: float
    decisions: int


@dataclass
class Reinforce:
    """REINFORCE with a baseline for a :class:`RankingPolicy` (see the module docstring).

    ``update(episodes)`` takes one gradient step from a batch of recorded episodes,
    which must have been played by the current parameters (on-policy).
    """

    policy: RankingPolicy
    learning_rate: float = 0.01
    entropy_bonus: float = 0.0
    max_grad_norm: float | None = 1.0
    optimizer: Adam = field(init=False)
    returns_seen: int = field(init=False, default=0)
    running_mean_return: float = field(init=False, default=0.0)

    def __post_init__(self):
        if not self.learning_rate > 0:
            raise ValueError(f"learning_rate must be > 0 (got {self.learning_rate})")
        if self.entropy_bonus < 0:
            raise ValueError(f"entropy_bonus must be >= 0 (got {self.entropy_bonus})")
        if self.max_grad_norm is not None and not self.max_grad_norm > 0:
            raise ValueError(f"max_grad_norm must be > 0 or None (got {self.max_grad_norm})")
        self.optimizer = Adam(self.policy.params, self.learning_rate)

    def baselines(self, returns: np.ndarray) -> np.ndarray:
        """Leave-one-out mean of the batch's returns; the running mean for a batch of one."""
        if returns.size >= 2:
            return (returns.sum() - returns) / (returns.size - 1)
        return np.full(returns.shape, self.running_mean_return)

    def update(self, episodes) -> UpdateStats:
        episodes = list(episodes)
        if not episodes:
            raise ValueError("an update needs at least one episode")
        returns = np.array([float(e.episode_return) for e in episodes])
        if not np.isfinite(returns).all():
            raise ValueError("episode returns must be finite")
        baselines = self.baselines(returns)
        total = {name: np.zeros_like(value) for name, value in self.policy.params.items()}
        entropies = []
        for episode, baseline in zip(episodes, baselines):
            advantage = float(episode.episode_return - baseline)
            for decision in episode.decisions:
                grads, _, entropy = decision_gradient(self.policy, decision, advantage,
                                                      self.entropy_bonus)
                entropies.append(entropy)
                for name, g in grads.items():
                    total[name] += g
        # Adam minimises: step along minus the ascent direction, averaged over episodes.
        ascent = {name: g / len(episodes) for name, g in total.items()}
        ascent, norm = clip_by_global_norm(ascent, self.max_grad_norm)
        if not np.isfinite(norm):
            raise FloatingPointError("non-finite policy gradient; lower the learning rate")
        self.optimizer.step({name: -g for name, g in ascent.items()})
        for r in returns:
            self.returns_seen += 1
            self.running_mean_return += (r - self.running_mean_return) / self.returns_seen
        return UpdateStats(mean_return=float(returns.mean()),
                           mean_baseline=float(baselines.mean()), grad_norm=norm,
                           mean_entropy=float(np.mean(entropies)) if entropies else 0.0,
                           decisions=len(entropies))
