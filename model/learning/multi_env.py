"""``RewireAECEnv``: several learning recommenders competing, as a PettingZoo environment.

The multi-agent face of :class:`model.learning.env.RewireEnv`, for people who train
competing recommenders with their own multi-agent learners. Each agent is a
recommender of the model (its users are its own: recommenders are exclusive,
MODEL.md), with its own reward (the paper's Table 5): ``rewires``, 1 per request made
to it; ``coops``, 2 (c - 0.5) at the end, c the final fraction of cooperators. Users
adopt the recommender of more successful neighbours at rate ``W2``, so agents compete
for users as in the paper's adoption experiments.

**Why turn-based (AEC) and not parallel.** A rewire request is made by one user, of
one recommender, at a time, and what the next request is depends on the answer to
this one. PettingZoo's AEC API says exactly that: ``agent_selection`` is the
recommender whose user just asked, it answers with a user, and the model runs to the
next request. A parallel environment would have every recommender answer at every
step, which the model does not do; so none is offered.

Observation (per agent): as ``RewireEnv``'s (``features``, ``focus``, ``invalid``,
``adjacency``), with the users of other recommenders marked invalid too. Action: a
user; an invalid one is an unserved request. Episodes end at fixation (terminated)
or after ``steps`` elementary updates (truncated); a start with no request before
the end is skipped. The dynamics are the readable rules (``engine="agents"``), run in
a helper thread (:class:`model.learning.env.ModelThread`), so a seed gives one episode.

Example::

    from model.learning.multi_env import RewireAECEnv
    env = RewireAECEnv(rewards={"engagement": "rewires", "aligned": "coops"})
    env.reset(seed=1)
    for agent in env.agent_iter():
        obs, reward, terminated, truncated, info = env.last()
        valid = (obs["invalid"] == 0).nonzero()[0]
        env.step(None if terminated or truncated else int(valid[0]) if len(valid) else 0)

Needs ``pettingzoo`` (``pip install -r requirements-learn.txt``).
"""

from __future__ import annotations

import numpy as np

try:
    from gymnasium import spaces
    from pettingzoo import AECEnv
except ImportError as err:  # one clear line, not a traceback into pettingzoo
    raise ImportError("RewireAECEnv needs pettingzoo and gymnasium "
                      "(pip install -r requirements-learn.txt)") from err

from model.learning.env import REWARDS, ModelThread, observation, observation_space
from model.learning.policy_gradient import coops_reward


class RewireAECEnv(AECEnv):
    """Competing learning recommenders (the module docstring)."""

    metadata = {"name": "rewire_v0", "render_modes": [], "is_parallelizable": False}

    def __init__(self, rewards: dict | None = None, shares: dict | None = None, n: int = 20,
                 k: float = 4, beta: float = 0.1, steps: int = 2000, W: float = 1.0,
                 W2: float = 0.1, T: float = 2.0, S: float = -1.0):
        super().__init__()
        rewards = dict(rewards or {"engagement": "rewires", "aligned": "coops"})
        for agent, reward in rewards.items():
            if reward not in REWARDS:
                raise ValueError(f"rewards: {agent!r}: must be one of {', '.join(REWARDS)}; "
                                 f"got {reward!r}")
        shares = dict(shares or {agent: 1 / len(rewards) for agent in rewards})
        if set(shares) != set(rewards):
            raise ValueError(f"shares: must name the agents of rewards "
                             f"({', '.join(rewards)}); got {', '.join(map(str, shares))}")
        from model.parameters import validate

        mix = {agent: {"share": shares[agent], "policy": "any-random"} for agent in rewards}
        self.params = validate(dict(n=n, k=k, beta=beta, W=W, W2=W2, T=T, S=S,
                                    max_steps=steps, engine="agents", recommenders=mix))
        self.n = n
        self.reward_kinds = rewards
        self.possible_agents = list(rewards)
        self._spaces = {agent: observation_space(n) for agent in self.possible_agents}
        self._actions = {agent: spaces.Discrete(n) for agent in self.possible_agents}
        self._runner = ModelThread(self.params, controlled=range(len(rewards)))
        self._np_random = None

    def observation_space(self, agent):
        return self._spaces[agent]

    def action_space(self, agent):
        return self._actions[agent]

    @property
    def model(self):
        return self._runner.model

    def observe(self, agent):
        return self._obs[agent]

    def _own(self, agent) -> np.ndarray:
        return self.model.engine.state.rec == self.possible_agents.index(agent)

    def reset(self, seed=None, options=None):
        if seed is not None or self._np_random is None:
            self._np_random = np.random.default_rng(seed)
        while True:
            episode_seed = int(self._np_random.integers(2**62))
            self._runner.start(episode_seed)
            kind, r, focus = self._runner.next()
            if kind == "ask":
                break
        self.agents = list(self.possible_agents)
        self.rewards = {a: 0.0 for a in self.agents}
        self._cumulative_rewards = {a: 0.0 for a in self.agents}
        self.terminations = {a: False for a in self.agents}
        self.truncations = {a: False for a in self.agents}
        self.infos = {a: {"seed": episode_seed} for a in self.agents}
        # before its first request an agent sees the graph with nobody to propose
        blank = observation(self.model, focus)
        blank["invalid"][:] = 1
        self._obs = {a: {**blank, "invalid": blank["invalid"].copy()} for a in self.agents}
        self._select(r, focus)

    def _select(self, r: int, focus: int) -> None:
        agent = self.possible_agents[r]
        self._obs[agent] = observation(self.model, focus, own=self._own(agent))
        self.agent_selection = agent

    def step(self, action):
        agent = self.agent_selection
        if self.terminations[agent] or self.truncations[agent]:
            self._was_dead_step(action)
            return
        self._cumulative_rewards[agent] = 0.0
        action = int(action)
        valid = 0 <= action < self.n and not self._obs[agent]["invalid"][action]
        self._runner.answer(action if valid else None)
        kind, r, focus = self._runner.next()
        self.rewards = {a: 0.0 for a in self.agents}
        if self.reward_kinds[agent] == "rewires":
            self.rewards[agent] = 1.0
        for a in self.agents:
            self.infos[a] = {}
        self.infos[agent] = {"valid_action": bool(valid)}
        if kind == "ask":
            self._select(r, focus)
        else:
            from model.core import state

            engine = self.model.engine
            final = coops_reward(engine.counter(state.N_COOP), engine.n)
            terminated = engine.fixation_step is not None
            for a in self.agents:
                if self.reward_kinds[a] == "coops":
                    self.rewards[a] += final
                self.terminations[a] = terminated
                self.truncations[a] = not terminated
            self._deads_step_first()
        self._accumulate_rewards()

    def close(self):
        self._runner.stop()


def env(**kwargs) -> RewireAECEnv:
    """PettingZoo's usual constructor name."""
    return RewireAECEnv(**kwargs)
