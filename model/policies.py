"""Recommender policies: who a recommender proposes as a user's next tie.

Every policy is a small class with a name, where it comes from, what it looks at,
and a *selector*: three codes that the compiled kernel (:mod:`model.core.kernel`)
executes when the policy is asked for a recommendation ``recommend(u, v)``, where
``u`` is the user rewiring and ``v`` the partner it leaves:

- ``pool``: where candidates come from: nowhere (the policy is never asked), the
  neighbours of ``v`` (Santos et al.'s local rule), or the recommender's own users;
- ``strategy``: which candidates qualify: anybody, cooperators, defectors, or
  users playing ``u``'s own strategy;
- ``rank``: which qualifying candidate is chosen: a uniformly random one, the
  lowest-degree one or the highest-degree one (ties broken at random).

A valid candidate is never ``u`` nor one of ``u``'s current neighbours (see
MODEL.md). Because the kernel only reads these codes, the dashboard, the command
line and sweeps all use a policy the same way, and adding a policy that fits the
selector space means adding one class to :data:`POLICIES` below (plus its test).

>>> get_policy("GOOD").name
'coop-random'
>>> [p.name for p in POLICIES][:3]
['none', 'local', 'coop-low']
"""

from __future__ import annotations

from model.core.selectors import Pool, Rank, Who


class Policy:
    """Base class of recommender policies. Subclasses only set class attributes."""

    name: str = ""
    aliases: tuple[str, ...] = ()
    origin: str = ""
    #: what the policy reads of the state when it recommends
    looks_at: tuple[str, ...] = ()
    pool: Pool = Pool.NEVER
    who: Who = Who.ANY
    rank: Rank = Rank.RANDOM

    @classmethod
    def selector(cls) -> tuple[int, int, int]:
        """The integer codes the kernel executes: ``(pool, who, rank)``."""
        return int(cls.pool), int(cls.who), int(cls.rank)

    @classmethod
    def metadata(cls) -> dict:
        """A plain description, for documentation, the dashboard and results files."""
        return {"name": cls.name, "aliases": list(cls.aliases), "origin": cls.origin,
                "looks_at": list(cls.looks_at), "exclusive": cls.pool == Pool.OWN_USERS,
                "description": (cls.__doc__ or "").strip().split("\n\n")[0]}


class NoRewiring(Policy):
    """The null policy: users never rewire, so structural updates do nothing.

    With it the graph is static and the model is the Prisoner's Dilemma on a fixed
    random graph (the paper's Fig. 5 setting, W=0, is equivalent).
    """

    name = "none"
    origin = "Carvalho et al. 2021, baseline"
    pool = Pool.NEVER


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
    pool = Pool.PARTNER_NEIGHBOURS


class Fair(Policy):
    """A random user playing the rewiring user's own strategy: the paper's FAIR.

    Cooperators are sent to cooperators and defectors to defectors, so each gets
    the company it chose.
    """

    name = "fair"
    origin = "Carvalho et al. 2021, sec. 3 (FAIR)"
    looks_at = ("strategy",)
    pool = Pool.OWN_USERS
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
        "pool": Pool.OWN_USERS, "who": who_code, "rank": rank_code})


#: Every registered policy, in display order. The single place to add one.
POLICIES: list[type[Policy]] = [
    NoRewiring,
    Local,
    *[_heuristic(who, degree) for who in ("coop", "any", "defect")
      for degree in ("low", "random", "high")],
    Fair,
]

_BY_NAME: dict[str, type[Policy]] = {}
for _p in POLICIES:
    for _key in (_p.name, *_p.aliases):
        assert _key.lower() not in _BY_NAME, f"policy name {_key!r} registered twice"
        _BY_NAME[_key.lower()] = _p


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
