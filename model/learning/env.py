"""``RewireEnv``: the model as a Gymnasium environment, one step per rewire request.

For people who bring their own learner (Stable-Baselines3, RLlib, CleanRL...). The
dynamics are the model's own (docs/MODEL.md), run by the readable rules of
:mod:`agents` (``RewireModel(engine="agents")``) with one recommender, whose
``recommend(u, v)`` is the agent's action: the environment runs the model until a
user asks the recommender for a new tie, shows the agent that request, and applies
the user it picks. So learned recommenders trained here act in exactly the dynamics
heuristic ones do.

- **Observation** (a dict): ``features`` (N, 2) float32, each user's strategy (1 =
  cooperate) and degree / current maximum degree (the ranking module's inputs,
  :data:`model.learning.ranking.FEATURES`); ``focus``, the user asking; ``invalid``
  (N,) int8, 1 for the users it may not be sent to (itself and its neighbours: the
  paper's action mask); ``adjacency`` (N, N) int8, the current graph (for a GAT).
- **Action**: a user, ``Discrete(N)``. An invalid one is an unserved request (nothing
  happens); :meth:`RewireEnv.action_masks` gives the valid ones (sb3-contrib's
  ``MaskablePPO`` reads it).
- **Reward**, chosen at construction (the paper's Table 5): ``rewires``, 1 per request
  (the episode's return is the number of requests); ``coops``, 0 until the end, then
  2 (c - 0.5), c the final fraction of cooperators.
- **Episodes** end at fixation (``terminated``) or after ``steps`` elementary updates
  (``truncated``). A start from which no user asks before the end is skipped: reset
  draws the next start, so every episode has at least one decision.

Defaults are the paper's N = 10 configuration (Table 4): ``n=10, k=4, beta=0.1,
steps=1000``, W = 1, T = 2, S = -1. Registered as ``rewire/Rewire-v0``::

    import gymnasium as gym
    import model.learning.env  # registers the id
    env = gym.make("rewire/Rewire-v0", reward="coops")

The model runs in a helper thread that waits at each request for the action, so the
rules stay the readable ones, untouched; only one of the two threads runs at a time,
so the same seed gives the same episode.
"""

from __future__ import annotations

import queue
import threading

import numpy as np

try:
    import gymnasium as gym
    from gymnasium import spaces
except ImportError as err:  # one clear line, not a traceback into gymnasium
    raise ImportError("RewireEnv needs gymnasium (pip install -r requirements-learn.txt)") \
        from err

from model.learning.policy_gradient import coops_reward

ENV_ID = "rewire/Rewire-v0"
REWARDS = ("rewires", "coops")


class _Stop(Exception):
    """Ends the model thread of an abandoned episode."""


class ModelThread:
    """A model (``engine="agents"``) run in a helper thread that stops whenever one of
    the ``controlled`` recommenders (indexes) is asked for a new tie, and waits for the
    answer. Only one of the two threads runs at a time, so a seed gives one episode.

    ``next()`` returns ``("ask", recommender, user)`` or ``("end", None, None)``;
    ``answer(user)`` (or ``None``, an unserved request) lets the model go on.
    """

    def __init__(self, params: dict, controlled):
        self.params = params
        self.controlled = list(controlled)
        self.model = None
        self._thread = None

    def start(self, seed: int):
        from model.rewire_model import RewireModel

        self.stop()
        self.model = RewireModel(**dict(self.params, rng=seed))
        self._requests: queue.Queue = queue.Queue(maxsize=1)
        self._actions: queue.Queue = queue.Queue(maxsize=1)
        for r in self.controlled:
            self.model.recommender_agents[r].recommend = self._asker(r)

        def body():
            try:
                while self.model.running:
                    self.model.step()
                self._requests.put(("end", None, None))
            except _Stop:
                pass
            except BaseException as err:  # surface it in the caller's thread
                self._requests.put(("error", err, None))

        self._thread = threading.Thread(target=body, daemon=True)
        self._thread.start()
        return self.model

    def _asker(self, r: int):
        def recommend(u, v):
            self._requests.put(("ask", r, u.index))
            action = self._actions.get()
            if action is _Stop:
                raise _Stop
            return self.model.users[action] if action is not None else None
        return recommend

    def next(self):
        kind, a, b = self._requests.get()
        if kind == "error":
            raise a
        if kind == "end":
            self._thread = None
        return kind, a, b

    def answer(self, user) -> None:
        self._actions.put(user)

    def stop(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            self._actions.put(_Stop)
            self._thread.join(timeout=10)
        self._thread = None


def observation(model, focus: int, own=None) -> dict:
    """What a recommender sees of a request by ``focus`` (the module docstring); with
    ``own`` (a boolean mask of its users, under competition) users outside it are
    invalid too, since recommenders are exclusive."""
    engine = model.engine
    st = engine.state
    n = engine.n
    deg = st.deg.astype(np.float32)
    top = deg.max()
    features = np.stack([st.strat.astype(np.float32),
                         deg / top if top > 0 else np.zeros_like(deg)], axis=1)
    adjacency = np.zeros((n, n), dtype=np.int8)
    e = engine.edges()
    adjacency[e[:, 0], e[:, 1]] = 1
    adjacency[e[:, 1], e[:, 0]] = 1
    invalid = adjacency[focus].copy()
    invalid[focus] = 1
    if own is not None:
        invalid[~own] = 1
    return {"features": features, "focus": int(focus), "invalid": invalid,
            "adjacency": adjacency}


def observation_space(n: int):
    return spaces.Dict({
        "features": spaces.Box(0.0, 1.0, shape=(n, 2), dtype=np.float32),
        "focus": spaces.Discrete(n),
        "invalid": spaces.MultiBinary(n),
        "adjacency": spaces.MultiBinary([n, n]),
    })


class RewireEnv(gym.Env):
    """The model as a Gymnasium environment (module docstring)."""

    metadata = {"render_modes": []}

    def __init__(self, reward: str = "coops", n: int = 10, k: float = 4, beta: float = 0.1,
                 steps: int = 1000, W: float = 1.0, T: float = 2.0, S: float = -1.0):
        if reward not in REWARDS:
            raise ValueError(f"reward must be one of {', '.join(REWARDS)}; got {reward!r}")
        from model.parameters import validate

        self.reward_name = reward
        self.params = validate(dict(n=n, k=k, beta=beta, W=W, T=T, S=S, max_steps=steps,
                                    engine="agents", recommenders={"any-random": 1.0}))
        self.n = n
        self.observation_space = observation_space(n)
        self.action_space = spaces.Discrete(n)
        self._runner = ModelThread(self.params, controlled=[0])
        self._seed_source = None

    @property
    def model(self):
        return self._runner.model

    def action_masks(self) -> np.ndarray:
        """Valid actions (True) for the current request."""
        return self._obs["invalid"] == 0

    # -- the Gymnasium API ---------------------------------------------------------------
    def reset(self, *, seed: int | None = None, options=None):
        super().reset(seed=seed)
        while True:
            episode_seed = int(self.np_random.integers(2**62))
            self._runner.start(episode_seed)
            kind, _, focus = self._runner.next()
            if kind == "ask":
                self._obs = observation(self.model, focus)
                return self._obs, {"seed": episode_seed}
            # no request before the end: the next start

    def step(self, action):
        action = int(action)
        valid = 0 <= action < self.n and not self._obs["invalid"][action]
        self._runner.answer(action if valid else None)
        kind, _, focus = self._runner.next()
        reward = 1.0 if self.reward_name == "rewires" else 0.0
        info = {"valid_action": bool(valid)}
        if kind == "ask":
            self._obs = observation(self.model, focus)
            return self._obs, reward, False, False, info
        engine = self.model.engine
        if self.reward_name == "coops":
            from model.core import state

            reward = coops_reward(engine.counter(state.N_COOP), engine.n)
        terminated = engine.fixation_step is not None
        return self._obs, reward, terminated, not terminated, info

    def close(self):
        self._runner.stop()


if ENV_ID not in gym.registry:
    gym.register(id=ENV_ID, entry_point="model.learning.env:RewireEnv")
