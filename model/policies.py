"""Recommender policies: who a recommender proposes as a user's next tie.

Every policy is a small class with a name, where it comes from, what it looks at,
and a *selector*: three codes that the compiled kernel (:mod:`model.core.kernel`)
executes when the policy is asked for a recommendation ``recommend(u, v)``, where
``u`` is the user rewiring and ``v`` the partner it leaves:

- ``source``: where candidates come from: nowhere (the policy is never asked), the
  neighbours of ``v`` (Santos et al.'s local rule), or the recommender's own users;
- ``strategy``: which candidates qualify: anybody, cooperators, defectors, or
  users playing ``u``'s own strategy;
- ``rank``: which qualifying candidate is chosen: a uniformly random one, the
  lowest-degree one or the highest-degree one (ties broken at random).

A valid candidate is never ``u`` nor one of ``u``'s current neighbours (see
MODEL.md). Because the kernel only reads these codes, the dashboard, the command
line and sweeps all use a policy the same way, and adding a policy that fits the
selector space means adding one class to :data:`POLICIES` below (plus its test).

**Settings and state.** A policy may declare ``settings``: hyperparameters, each a
:class:`model.parameters.Parameter` with a default and a range, validated like any
model parameter and given in the recommender mix (``"ucb=0.1[window=200]"`` on the
command line, ``{ucb = {share = 0.1, window = 200}}`` in a scenario file). The engine
makes one instance of the policy per recommender, with its settings, and a policy
with ``stateful = True`` keeps what it learns on that instance. Between chunks of
kernel updates the engine tells it what happened through a
:class:`model.engine.RecommenderView` (requests served, rewires, users, cooperators
among them, their welfare), and the policy may then rewrite its selector codes and
ask to be called again after its next so many requests (:meth:`Policy.start`,
:meth:`Policy.at_checkpoint`, :meth:`Policy.between_chunks`). A bandit choosing
among the fixed policies is exactly such a policy; a learned one would also write
its weights into the state (see :class:`model.core.state.EngineState`).

>>> get_policy("GOOD").name
'coop-random'
>>> [p.name for p in POLICIES][:3]
['none', 'local', 'coop-low']
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from model.core.selectors import Rank, Source, Who

if TYPE_CHECKING:
    import numpy as np

    from model.engine import RecommenderView
    from model.parameters import Parameter


class Policy:
    """Base class of recommender policies.

    A stateless policy only sets class attributes. A policy with settings declares
    them in ``settings``; the engine makes an instance per recommender,
    ``Policy(**settings)``, with validated values (see :mod:`model.parameters`).
    """

    name: str = ""
    aliases: tuple[str, ...] = ()
    origin: str = ""
    #: what the policy reads of the state when it recommends
    looks_at: tuple[str, ...] = ()
    source: Source = Source.NEVER
    who: Who = Who.ANY
    rank: Rank = Rank.RANDOM
    #: hyperparameters, each a Parameter (name, kind, default, range, help)
    settings: tuple[Parameter, ...] = ()
    #: whether the engine must call the hooks below (a policy that learns or adapts)
    stateful: bool = False

    def __init__(self, **settings: Any):
        #: the validated settings of this recommender
        self.values: dict[str, Any] = settings

    @classmethod
    def selector(cls) -> tuple[int, int, int]:
        """The integer codes the kernel executes: ``(source, who, rank)``."""
        return int(cls.source), int(cls.who), int(cls.rank)

    @classmethod
    def metadata(cls) -> dict:
        """A plain description, for documentation, the dashboard and results files."""
        return {"name": cls.name, "aliases": list(cls.aliases), "origin": cls.origin,
                "looks_at": list(cls.looks_at), "exclusive": cls.source == Source.OWN_USERS,
                "settings": [s.name for s in cls.settings],
                "description": (cls.__doc__ or "").strip().split("\n\n")[0]}

    # -- hooks, called by the engine for stateful policies only --------------------
    def start(self, view: RecommenderView) -> None:
        """Called once, when the engine is built: set the first selector
        (``view.set_selector``) and checkpoint (``view.stop_after``)."""

    def at_checkpoint(self, view: RecommenderView) -> None:
        """Called right after the request that reached this recommender's checkpoint."""

    def between_chunks(self, view: RecommenderView) -> None:
        """Called at the end of every :meth:`model.engine.Engine.advance`."""

    def windows_ended(self, steps: np.ndarray, arms: np.ndarray, rewards: np.ndarray) -> None:
        """Called with the windows the run loop ended for a bandit recommender
        (:meth:`RecommenderView.set_learner`) since the engine last looked: the step
        each ended at, the arm it played and its reward, oldest first."""


class NoRewiring(Policy):
    """The null policy: users never rewire, so structural updates do nothing.

    With it the graph is static and the model is the Prisoner's Dilemma on a fixed
    random graph (the paper's Fig. 5 setting, W=0, is equivalent).
    """

    name = "none"
    origin = "Carvalho et al. 2021, baseline"
    source = Source.NEVER


class Local(Policy):
    """A random neighbour of the partner being left: Santos et al.'s rule, the paper's NO_MED.

    Not a recommender in the paper's sense (it needs no platform, only a friend of a
    friend), so it is never exclusive: it proposes neighbours of ``v`` whatever
    recommender they use.
    """

    name = "local"
    aliases = ("NO_MED",)
    origin = "Santos, Pacheco & Lenaerts 2006; Carvalho et al. 2021 (NO_MED)"
    looks_at = ("graph",)
    source = Source.PARTNER_NEIGHBOURS


class Fair(Policy):
    """A random user playing the rewiring user's own strategy: the paper's FAIR.

    Cooperators are sent to cooperators and defectors to defectors, so each gets
    the company it chose.
    """

    name = "fair"
    origin = "Carvalho et al. 2021, sec. 3 (FAIR)"
    looks_at = ("strategy",)
    source = Source.OWN_USERS
    who = Who.SAME_AS_USER


_WHO = {"coop": (Who.COOPERATORS, "cooperator"), "any": (Who.ANY, "user"),
        "defect": (Who.DEFECTORS, "defector")}
_RANK = {"low": (Rank.LOWEST_DEGREE, "the lowest-degree"),
         "random": (Rank.RANDOM, "a uniformly random"),
         "high": (Rank.HIGHEST_DEGREE, "the highest-degree")}
_PAPER_ALIASES = {"coop-random": ("GOOD",), "defect-random": ("BAD",),
                  "any-random": ("RANDOM",)}


def _heuristic(who: str, degree: str) -> type[Policy]:
    """Build one policy of the paper's 3 x 3 heuristic family (Table 3)."""
    who_code, noun = _WHO[who]
    rank_code, adjective = _RANK[degree]
    name = f"{who}-{degree}"
    looks = (("strategy",) if who != "any" else ()) + (("degree",) if degree != "random" else ())
    doc = (f"Recommends {adjective} {noun} among the candidates (ties at random).\n\n"
           f"One of the nine heuristics of Carvalho et al. 2021, Table 3: candidates "
           f"restricted by strategy ({who}) and ranked by degree ({degree}).")
    return type(name.title().replace("-", ""), (Policy,), {
        "__doc__": doc, "__module__": __name__, "name": name,
        "aliases": _PAPER_ALIASES.get(name, ()),
        "origin": "Carvalho et al. 2021, Table 3", "looks_at": looks,
        "source": Source.OWN_USERS, "who": who_code, "rank": rank_code})


#: Every registered policy, in display order. The single place to add one.
POLICIES: list[type[Policy]] = [
    NoRewiring,
    Local,
    *[_heuristic(who, degree) for who in ("coop", "any", "defect")
      for degree in ("low", "random", "high")],
    Fair,
]

_BY_NAME: dict[str, type[Policy]] = {}


def _index(policy: type[Policy]) -> None:
    keys = [k.lower() for k in (policy.name, *policy.aliases)]
    for key in keys:
        if key in _BY_NAME:
            raise ValueError(f"policy name {key!r} registered twice")
    for key in keys:
        _BY_NAME[key] = policy


for _p in POLICIES:
    _index(_p)
    globals().setdefault(_p.__name__, _p)  # generated classes too: their instances pickle


#: Display order of the registry by the module a policy comes from: the fixed rules,
#: then the bandits, then the learned ones, then any registered elsewhere (tests,
#: notebooks), whichever of those modules happens to be imported first.
_FAMILY_ORDER = (__name__, "model.bandit_policies", "model.learned_policies")


def _family(policy: type[Policy]) -> int:
    module = policy.__module__
    return _FAMILY_ORDER.index(module) if module in _FAMILY_ORDER else len(_FAMILY_ORDER)


def register(policy: type[Policy]) -> type[Policy]:
    """Add a policy to the registry (usable as a class decorator); names are unique."""
    _index(policy)
    POLICIES.append(policy)
    POLICIES.sort(key=_family)  # stable: within a family, in the order registered
    return policy


def unregister(policy: type[Policy]) -> None:
    """Remove a policy added by :func:`register` (for tests and notebooks)."""
    POLICIES.remove(policy)
    for key in (policy.name, *policy.aliases):
        _BY_NAME.pop(key.lower(), None)


def get_policy(name: str) -> type[Policy]:
    """The policy registered under ``name`` or one of its aliases (case-insensitive)."""
    try:
        return _BY_NAME[name.strip().lower()]
    except KeyError:
        raise KeyError(f"unknown recommender {name!r}; known: "
                       f"{', '.join(policy_names(aliases=True))}") from None


def canonical_name(name: str) -> str:
    """``"GOOD"`` -> ``"coop-random"``; raises KeyError for an unknown name."""
    return get_policy(name).name


def policy_names(aliases: bool = False) -> list[str]:
    """Registered names in display order, optionally followed by their aliases."""
    names = [p.name for p in POLICIES]
    if aliases:
        names += [a for p in POLICIES for a in p.aliases]
    return names


# The bandit and learned recommenders build on the classes above; importing them registers them.
import model.bandit_policies  # noqa: E402,F401
import model.learned_policies  # noqa: E402,F401
