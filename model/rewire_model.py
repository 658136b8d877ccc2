"""RewireModel: the Mesa model of users, recommenders and an evolving social graph.

A thin layer over :class:`model.engine.Engine`: one ``step()`` is one generation
(N elementary updates of the compiled kernel), after which the metrics are
measured once and a ``DataCollector`` records them.

>>> m = RewireModel(n=100, k=4, rng=42, max_steps=1000)
>>> m.step(); m.summary()["steps"]
100
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from typing import Any

import mesa
import numpy as np
from tqdm.auto import tqdm

from agents import Creator, Recommender, User
from agents.scheduler import generation
from model.bandit_policies import BanditPolicy, bandit_report
from model.engine import Engine
from model.metrics import measure, model_reporters
from model.core.state import COOPERATE
from model.interventions import apply as apply_intervention
from model.interventions import check_intervention
from model.parameters import ParameterError, check_memory, validate


class RewireModel(mesa.Model):
    """Users play a dilemma, imitate, and rewire through recommenders (MODEL.md).

    Every parameter has the default of the paper's Prisoner's Dilemma setting; the
    allowed ranges are in :data:`model.parameters.PARAMETERS`. A bad value raises
    :class:`model.parameters.ParameterError`, one line naming it. ``rng`` is the
    seed: the same seed gives the same run, in any process. ``engine="agents"``
    runs the rules as the agents' plain-Python methods (:mod:`agents`) instead of the
    compiled kernel: the same state, metrics and outcomes in distribution, for reading.
    """

    def __init__(self, n: int = 1000, k: float = 30, T: float = 2.0, S: float = -1.0,
                 beta: float = 0.005, W: float = 1.0, W2: float = 0.0,
                 beta_med: float | None = None, coop_init: float = 0.5,
                 recommenders: dict[str, float] | str | None = None,
                 allow_isolation: bool = False, stop_on_fixation: bool = True,
                 graph: str = "gnm", max_steps: int | None = None, rng: int | None = None,
                 creator_share: float = 0.0, creator_fitness: str = "payoff",
                 beta_creator: float | None = None, creator_coop_init: float = 0.5,
                 follows: float = 10.0, engine: str = "kernel"):
        params = dict(n=n, k=k, T=T, S=S, beta=beta, W=W, W2=W2, beta_med=beta_med,
                      coop_init=coop_init,
                      recommenders={"local": 1.0} if recommenders is None else recommenders,
                      allow_isolation=allow_isolation, stop_on_fixation=stop_on_fixation,
                      graph=graph, max_steps=max_steps, rng=rng,
                      creator_share=creator_share, creator_fitness=creator_fitness,
                      beta_creator=beta_creator, creator_coop_init=creator_coop_init,
                      follows=follows, engine=engine)
        params = validate(params)
        check_memory(params["n"], params["k"])  # before allocating anything
        self._attach(Engine(**params))

    @classmethod
    def around(cls, engine: Engine) -> "RewireModel":
        """A model around an existing engine (a twin's, a branch's), from its state now."""
        model = cls.__new__(cls)
        model._attach(engine)
        return model

    def _attach(self, engine: Engine) -> None:
        self.engine = engine
        super().__init__(rng=self.engine.seed)
        #: interventions scheduled with :meth:`schedule`, by generation:
        #: ``{"generation", "intervention", "applied"}``
        self.scheduled: list[dict[str, Any]] = []
        self.params: dict[str, Any] = self.engine.params
        self.recommender_names: list[str] = self.engine.recommender_names
        self.recommender_agents = [Recommender(self, r, name)
                                   for r, name in enumerate(self.recommender_names)]
        self._users: list[User] | None = None
        self._creators: list[Creator] | None = None
        self.metrics = measure(self.engine)
        self.datacollector = mesa.DataCollector(
            model_reporters={**model_reporters(self.recommender_names),
                             "intervention": partial(_intervention_labels)})
        self.datacollector.collect(self)
        self.running = self.engine.running

    @property
    def seed(self) -> int:
        """The seed actually used (drawn from the system when ``rng`` was None)."""
        return self.engine.seed

    # -- dynamics ----------------------------------------------------------------
    def step(self) -> None:
        """Advance one generation: N elementary updates, fewer at fixation or the limit.

        After the model has stopped, a step does nothing and records nothing, even if
        ``running`` was set back to True by hand (a stopped model cannot go on).
        """
        if not (self.running and self.engine.running):
            self.running = False
            return
        if self.params["engine"] == "agents":
            generation(self)  # the agents' plain-Python rules (agents/), one user at a time
        else:
            self.engine.advance(self.engine.n)
        self.running = self.engine.running
        self.metrics = measure(self.engine)
        self.datacollector.collect(self)
        self._apply_due()

    def run(self, max_generations: int | None = None, progress: bool = False) -> dict:
        """Step until the model stops (or ``max_generations``); return :meth:`summary`.

        Needs a time limit or the fixation stop, since otherwise it would never end.
        With only the fixation stop, a run whose graph can never fixate (an isolated
        user, say) would not end either: give ``max_steps`` or ``max_generations``
        (the command line has a default time limit for this reason).
        """
        if max_generations is not None and (
                isinstance(max_generations, bool) or not isinstance(max_generations, int)
                or max_generations < 0):
            raise ValueError(f"max_generations must be an integer >= 0 or None; "
                             f"got {max_generations!r}")
        if max_generations is None and self.params["max_steps"] is None \
                and not self.params["stop_on_fixation"]:
            raise ValueError("run() needs max_steps, max_generations or stop_on_fixation")
        for _ in self._generations(max_generations, progress):
            self.step()
        return self.summary()

    def _generations(self, limit: int | None, progress: bool) -> Iterator[int]:
        total = limit
        if total is None and self.params["max_steps"] is not None:
            total = -(-(self.params["max_steps"] - self.engine.steps) // self.engine.n)
        bar = tqdm(total=total, unit="gen", disable=not progress, leave=False,
                   desc="generations")
        g = 0
        while self.running and (limit is None or g < limit):
            yield g
            g += 1
            bar.update(1)
            if progress:
                bar.set_postfix(cooperation=f"{self.metrics['cooperation']:.3f}", refresh=False)
        bar.close()

    # -- twins and interventions (model/twins.py, model/interventions.py) ----------
    @property
    def generation(self) -> int:
        """Generations completed: elementary updates so far // N."""
        return self.engine.steps // self.engine.n

    @property
    def interventions(self) -> list[dict]:
        """Interventions applied so far, oldest first: each a dict with ``step``,
        ``generation``, ``label`` and what it changed (for marks on a time axis)."""
        return self.engine.interventions

    def twin(self, **changes: Any) -> "RewireModel":
        """A second model from the start of this one: same seed, same initial graph,
        strategies and (where the mix allows) recommender placement, differing only in
        ``changes`` (any parameter but n, k, graph and rng). Step both together for a
        paired comparison. It keeps this model's :meth:`schedule`, not the interventions
        applied by hand. See docs/MODEL.md, "Twins, branches and interventions".
        """
        twin = RewireModel.around(self.engine.twin(**changes))
        for item in self.scheduled:  # checked again: the twin may have another mix
            iv = item["intervention"]
            twin.schedule(item["generation"], label=iv.label, **iv.as_table())
        return twin

    def branch(self, **changes: Any) -> "RewireModel":
        """A copy of this model as it is now (state, random stream, time series so far,
        pending schedule), with rate ``changes`` (W, W2, beta, beta_med, T, S) applied to
        the copy and marked as an intervention. With no change it goes on exactly as
        this model would."""
        other = RewireModel.around(self.engine.branch(**changes))
        other.datacollector.model_vars = {k: list(v) for k, v in
                                          self.datacollector.model_vars.items()}
        other.scheduled = [dict(item) for item in self.scheduled]
        other.running = self.running and other.engine.running
        if changes:
            other._recollect()
        return other

    def intervene(self, label: str | None = None, **what: Any) -> dict:
        """Change the rules or some users now, between generations; return the record.

        ``what``: rates (``W=3``, ``beta=0.01``; also W2, beta_med, T, S), ``switch={"to":
        "coop-random", "fraction": 0.5, "from": "local"}`` (fraction default 1, from
        default every user), ``cooperate=0.1`` / ``defect=0.1`` (that fraction of the
        defectors / cooperators switch strategy). The row of this generation in the
        DataCollector is measured again after it, with ``label`` (default: a
        description) in its ``intervention`` column. Bad input raises ParameterError.
        """
        record = self.engine.intervene(label=label, **what)
        self._recollect()
        return record

    def schedule(self, generation: int, label: str | None = None, **what: Any) -> None:
        """Apply an intervention (as :meth:`intervene`) once ``generation`` generations are
        done (at once if they are). Validated now, against the parameters now."""
        if isinstance(generation, bool) or not isinstance(generation, int) or generation < 0:
            raise ParameterError("generation", f"generation: must be an integer >= 0; "
                                 f"got {generation!r}")
        if label is not None:
            what["label"] = label
        iv = check_intervention(what, self.engine.params, self.recommender_names)
        self._schedule(generation, iv)

    def _schedule(self, generation: int, iv) -> None:
        self.scheduled.append({"generation": generation, "intervention": iv, "applied": False})
        self.scheduled.sort(key=lambda item: item["generation"])  # stable: given order kept
        self._apply_due()

    def _apply_due(self) -> None:
        """Apply the scheduled interventions whose generation has come, in order."""
        due = [item for item in self.scheduled
               if not item["applied"] and item["generation"] <= self.generation]
        for item in due:
            apply_intervention(self.engine, item["intervention"])
            item["applied"] = True
        if due:
            self._recollect()

    def _recollect(self) -> None:
        """Measure again after an intervention: the last row, if it is of this step,
        is replaced, so each generation has one row, showing the state it ends in."""
        self.metrics = measure(self.engine)
        rows = self.datacollector.model_vars
        if rows.get("steps") and rows["steps"][-1] == self.engine.steps:
            for column in rows.values():
                column.pop()
        self.datacollector.collect(self)
        self.running = self.engine.running

    # -- reading -----------------------------------------------------------------
    def summary(self) -> dict:
        """The final-metrics dictionary (the command line's ``--json`` output); with bandit
        recommenders, ``bandits``: each one's final arm, windows per arm and mean reward."""
        out = dict(self.metrics)
        bandits = bandit_report(self.engine)
        if bandits:
            out["bandits"] = bandits
        return out

    def bandit_history(self, label: str) -> dict[str, np.ndarray]:
        """A bandit recommender's finished windows: ``step`` (at each window's end),
        ``arm`` (the policy it played, by name) and ``reward`` (in [0, 1])."""
        policy = self.engine.policies[self.recommender_names.index(label)]
        if not isinstance(policy, BanditPolicy):
            raise ValueError(f"{label!r} is not a bandit recommender")
        rows = policy.history
        return {"step": np.array([s for s, _, _ in rows], dtype=np.int64),
                "arm": np.array([policy.arms[a] for _, a, _ in rows], dtype=object),
                "reward": np.array([r for _, _, r in rows], dtype=np.float64)}

    @property
    def users(self) -> list[User]:
        """Every user as a :class:`agents.User` (``users[i]`` is user i), made on first access.

        Users are views of the engine's arrays; creating them lazily keeps a
        headless run with a million users free of a million Python objects. Once
        made, they are also in ``model.agents`` like any Mesa agent.
        """
        if self._users is None:
            self._users = [User(self, i) for i in range(self.engine.n_viewers)]
        return self._users

    @property
    def creators(self) -> list[Creator]:
        """Every creator as a :class:`agents.Creator` (``creators[j]`` is node
        ``n_viewers + j``), made on first access; empty without creators."""
        if self._creators is None:
            v = self.engine.n_viewers
            self._creators = [Creator(self, i) for i in range(v, self.engine.n)]
        return self._creators

    def node(self, i: int) -> User | Creator:
        """Node ``i`` of the graph: a user (viewer) below ``engine.n_viewers``, else a creator."""
        v = self.engine.n_viewers
        return self.users[i] if i < v else self.creators[i - v]

    def edges(self) -> np.ndarray:
        """The current edges, (m, 2), each once with u < v."""
        return self.engine.edges()

    @property
    def degree(self) -> np.ndarray:
        return self.engine.state.deg

    @property
    def is_cooperator(self) -> np.ndarray:
        return self.engine.state.strat == COOPERATE

    @property
    def recommender_index(self) -> np.ndarray:
        """Each node's recommender, as an index into :attr:`recommender_names` (a
        creator's is ``len(recommender_names)``: the catalogue, docs/MODEL.md)."""
        return self.engine.state.rec

    @property
    def payoff(self) -> np.ndarray:
        return self.engine.payoffs()


def _intervention_labels(model: RewireModel) -> str:
    """The ``intervention`` column: labels of the interventions applied at this row's
    step, joined by ``; `` (empty for most rows)."""
    steps = model.engine.steps
    return "; ".join(r["label"] for r in model.engine.interventions if r["step"] == steps)
