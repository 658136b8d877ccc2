"""The parameters of the model: names, defaults, allowed ranges, and validation.

This table is the one place where a parameter's range is written down. The Mesa
model, the command line, the dashboard's controls and the scenario files all read
it, so a range changes in one place and every front end reports it the same way.

Validation turns any bad value into a :class:`ParameterError` whose message is one
line naming the parameter, the allowed range and the value received::

    >>> validate({"k": 1000, "n": 1000})
    Traceback (most recent call last):
    ...
    model.parameters.ParameterError: k must be a number in (0, n-1] = (0, 999]; got 1000.0
"""

from __future__ import annotations

import math
import numbers
import os
import resource
from dataclasses import dataclass
from typing import Any


class ParameterError(ValueError):
    """A parameter value outside what the model accepts. ``str(err)`` is one line."""

    def __init__(self, name: str, message: str):
        super().__init__(message)
        self.name = name


@dataclass(frozen=True)
class Parameter:
    """One model parameter: everything every front end needs to know about it.

    From this one record the model validates it, the command line makes its option,
    the dashboard its control and label, a sweep its Arrow column, and the page its
    one-line description; adding a parameter is adding a row to :data:`PARAMETERS`.
    """

    name: str
    kind: str  # "int", "float", "bool", "choice", "mix", "seed", "steps", "file"
    default: Any
    low: float | None = None
    high: float | None = None
    low_open: bool = False
    high_open: bool = False
    allow_inf: bool = False
    choices: tuple[str, ...] = ()
    help: str = ""
    #: the dashboard's label for it
    label: str = ""
    #: the heading it is shown under in the dashboard (see :data:`GROUPS`)
    group: str = "Run"
    #: what a value of None means, when None is allowed ("no limit")
    blank: str = ""
    #: the command-line option, when not ``--`` and the name with dashes
    option: str = ""
    #: the dashboard control: "int", "number", "slider", "select", "checkbox", "mix"
    control: str = "number"
    #: a slider's step
    step: float = 0.01
    #: False for a parameter added after results were first stored: at its default it is
    #: left out of a scenario's fingerprint, so results directories made before it existed
    #: still resume (see :meth:`model.scenario.Scenario.normalized`)
    fingerprinted_at_default: bool = True
    #: the parameter whose value a blank (None) stands for, e.g. ``beta_creator`` is
    #: ``beta`` unless given: equal to it, the parameter is at its default
    same_as: str = ""

    def suggested(self) -> tuple[str, ...]:
        """Values worth offering in a list, where any other value may be typed too (a
        policy file's shipped names, say); none by default."""
        return ()

    def range_text(self) -> str:
        """The allowed values as people write them: ``[0, 2]``, ``>= 0 or inf``."""
        if self.kind == "bool":
            return "true or false"
        if self.kind == "choice":
            return "one of " + ", ".join(self.choices)
        if self.low is not None and self.high is not None:
            left = "(" if self.low_open else "["
            right = ")" if self.high_open else "]"
            return f"{left}{_fmt(self.low)}, {_fmt(self.high)}{right}"
        if self.low is not None:
            text = f"> {_fmt(self.low)}" if self.low_open else f">= {_fmt(self.low)}"
            return text + (" or inf" if self.allow_inf else "")
        return "any value"

    @property
    def cli_option(self) -> str:
        """``--beta-med``; a switch that defaults to True is turned off: ``--no-...``."""
        if self.option:
            return self.option
        dashed = self.name.replace("_", "-")
        return f"--no-{dashed}" if self.kind == "bool" and self.default is True else f"--{dashed}"

    @property
    def default_text(self) -> str:
        """The default as people read it: ``10*beta``, ``local=1``, ``false``."""
        if self.default is None:
            return self.blank or "none"
        if isinstance(self.default, dict):
            return format_mix(self.default)
        if isinstance(self.default, bool):
            return "true" if self.default else "false"
        return str(self.default)


def _fmt(x: float) -> str:
    """``2``, ``0.5``, and powers of two as people write them: ``2**62``, ``2**63 - 1``."""
    if isinstance(x, int) and x > 2**53:
        for minus in (0, 1):
            if (x + minus) & (x + minus - 1) == 0:
                return f"2**{(x + minus).bit_length() - 1}" + (" - 1" if minus else "")
    return str(int(x)) if float(x).is_integer() else repr(x)


#: The dashboard's headings, in order, the way MODEL.md explains the parameters.
GROUPS = ("Population", "Game", "Rewiring and recommenders", "Creators", "Run")

#: What creators may compare when they imitate (``creator_fitness``), in the order of
#: the kernel's codes (:data:`model.core.state.FITNESS_PAYOFF`, ``FITNESS_AUDIENCE``).
CREATOR_FITNESS = ("payoff", "audience")

#: The most users the readable mode (``engine="agents"``, plain Python) runs: a generation
#: of 2,000 users (k = 30) takes 1 s there with `local`, 7 s with `any-high` (each request
#: reads every user), where the compiled kernel takes under a millisecond.
MAX_READABLE_USERS = 2000

#: Every parameter of :class:`model.RewireModel`, in the order of its signature.
#: Defaults are the paper's Prisoner's Dilemma setting (Carvalho et al. 2021, sec. 5).
PARAMETERS: dict[str, Parameter] = {
    p.name: p
    for p in [
        Parameter("n", "int", 1000, 3, 10_000_000, help="number of users (nodes)",
                  label="N (users)", group="Population", control="int"),
        Parameter("k", "float", 30, 0, None, low_open=True,
                  help="average degree; the graph has round(n*k/2) edges",
                  label="k (average degree)", group="Population"),
        Parameter("T", "float", 2.0, 0, 2, help="temptation to defect",
                  label="T (temptation)", group="Game", control="slider", step=0.05),
        Parameter("S", "float", -1.0, -1, 1, help="sucker's payoff",
                  label="S (sucker's payoff)", group="Game", control="slider", step=0.05),
        Parameter("beta", "float", 0.005, 0, None, allow_inf=True,
                  help="intensity of selection in the Fermi rule",
                  label="β (selection intensity)", group="Game"),
        Parameter("W", "float", 1.0, 0, None, allow_inf=True,
                  help="time-scale ratio: structural over strategy updates",
                  label="W (rewiring time scale)", group="Rewiring and recommenders"),
        Parameter("W2", "float", 0.0, 0, None, allow_inf=True,
                  help="time-scale ratio of recommender updates",
                  label="W2 (recommender time scale)", group="Rewiring and recommenders"),
        Parameter("beta_med", "float", None, 0, None, allow_inf=True,
                  help="selection intensity of recommender imitation (default 10*beta)",
                  label="β_med (recommender selection)", group="Rewiring and recommenders",
                  blank="10*beta"),
        Parameter("coop_init", "float", 0.5, 0, 1, help="initial fraction of cooperators",
                  label="Initial cooperators", group="Population", control="slider"),
        Parameter("recommenders", "mix", {"local": 1.0},
                  help="recommender name -> initial share of users (shares sum to 1)",
                  label="Recommenders", group="Rewiring and recommenders", control="mix"),
        Parameter("allow_isolation", "bool", False,
                  help="may a rewire leave the abandoned user with no neighbour",
                  label="Allow isolation", group="Rewiring and recommenders",
                  control="checkbox"),
        Parameter("stop_on_fixation", "bool", True,
                  help="stop as soon as every user plays the same strategy",
                  label="Stop at fixation", control="checkbox"),
        Parameter("graph", "choice", "gnm", choices=("gnm", "regular"),
                  help="initial graph: uniform random G(n, m) or random k-regular",
                  label="Initial graph", group="Population", control="select"),
        Parameter("max_steps", "steps", None, 0, 2**62,
                  help="time limit in elementary updates (none: no limit)",
                  label="Time limit (elementary updates)", blank="no limit",
                  option="--steps"),
        Parameter("rng", "seed", None, 0, 2**63 - 1,
                  help="seed (none: a fresh one, recorded)", label="Seed",
                  blank="fresh entropy", option="--seed"),
        Parameter("creator_share", "float", 0.0, 0, 1, high_open=True,
                  help="fraction of the nodes that are creators (0: no creators, the "
                       "model without them)",
                  label="Creators (share of nodes)", group="Creators", control="slider",
                  fingerprinted_at_default=False),
        Parameter("creator_fitness", "choice", "payoff", choices=CREATOR_FITNESS,
                  help="what creators compare when they imitate: their game payoff, or "
                       "their audience (number of followers)",
                  label="Creators compare", group="Creators", control="select",
                  fingerprinted_at_default=False),
        Parameter("beta_creator", "float", None, 0, None, allow_inf=True,
                  help="selection intensity of creators' imitation (default beta)",
                  label="β_creator (creator selection)", group="Creators", blank="beta",
                  fingerprinted_at_default=False, same_as="beta"),
        Parameter("creator_coop_init", "float", 0.5, 0, 1,
                  help="initial fraction of creators making quality (playing C)",
                  label="Initial quality creators", group="Creators", control="slider",
                  fingerprinted_at_default=False),
        Parameter("follows", "float", 10.0, 0, None,
                  help="creators each viewer follows at the start, on average (at most "
                       "the number of creators)",
                  label="Follows per viewer", group="Creators",
                  fingerprinted_at_default=False),
        Parameter("engine", "choice", "kernel", choices=("kernel", "agents"),
                  help="who runs the rules: the compiled kernel, or the Mesa agents' "
                       f"plain-Python methods (readable; at most {MAX_READABLE_USERS:,} users)",
                  label="Engine", control="select", fingerprinted_at_default=False),
    ]
}

#: The most ties the engine holds, counted from both ends (its pool is int32-indexed).
MAX_TIES = 1e9

#: Memory a model needs, measured at N = 10^6, k = 30 (1.28 GB peak, README): per end
#: of a tie (neighbour slot, twin slot, headroom, the initial edge list) and per user.
BYTES_PER_TIE_END = 36
BYTES_PER_USER = 120


def memory_needed(n: int, k: float) -> int:
    """Bytes a model of ``n`` users of average degree ``k`` needs at its peak (estimate).

    >>> round(memory_needed(10**7, 100) / 1e9)
    37
    """
    return int(BYTES_PER_TIE_END * n * k + BYTES_PER_USER * n)


def memory_limit() -> int:
    """The most memory this process may use: physical memory, or less under a cgroup
    limit or a ``ulimit -d`` / ``-v``."""
    limits = [os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")]
    try:
        text = open("/sys/fs/cgroup/memory.max").read().strip()
        if text.isdigit():
            limits.append(int(text))
    except OSError:
        pass
    for which in (resource.RLIMIT_AS, resource.RLIMIT_DATA):
        soft, _ = resource.getrlimit(which)
        if soft != resource.RLIM_INFINITY:
            limits.append(soft)
    return min(limits)


def check_memory(n: int, k: float) -> None:
    """Refuse, before allocating anything, a model that would not fit in memory.

    The check is here, not in :func:`validate`, because the limit is the machine's:
    a scenario too big for a laptop may run on a cluster's workers.
    """
    need, have = memory_needed(n, k), memory_limit()
    if need > have:
        raise ParameterError(
            "n", f"n x k = {n:,} x {k:g} would need about {need / 1e9:.1f} GB of memory; "
            f"this machine allows {have / 1e9:.1f} GB: lower n or k")


#: The paper's games as (T, S) pairs, for pickers and presets.
GAMES: dict[str, tuple[float, float]] = {
    "Prisoner's Dilemma": (2.0, -1.0),
    "Snowdrift": (1.5, 0.5),
    "Stag Hunt": (0.5, -0.5),
    "Harmony": (0.5, 0.5),
}


def defaults() -> dict[str, Any]:
    """A fresh dictionary of every parameter's default value."""
    return {name: (dict(p.default) if isinstance(p.default, dict) else p.default)
            for name, p in PARAMETERS.items()}


def _fail(name: str, what: str, value: Any) -> ParameterError:
    return ParameterError(name, f"{name} must be {what}; got {_shown(value)}")


def _shown(value: Any) -> str:
    """``repr(value)``, but a number too long to read as ``1e+300`` (one short line)."""
    text = repr(value)
    if len(text) <= 40:
        return text
    if isinstance(value, numbers.Integral):
        return f"an integer of {len(str(abs(int(value))))} digits"
    if isinstance(value, numbers.Real):
        return f"{float(value):.6g}"
    return text[:37] + "..."


def _number(p: Parameter, value: Any, *, integer: bool = False) -> float | int:
    kind = "an integer" if integer else "a number"
    rng = p.range_text()
    what = f"{kind} in {rng}" if rng.startswith(("[", "(")) else f"{kind} {rng}"
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise _fail(p.name, what, value)
    if integer and not float(value).is_integer():
        raise _fail(p.name, what, value)
    if integer and isinstance(value, numbers.Integral):  # exact, however large
        if (p.low is not None and value < p.low) or (p.high is not None and value > p.high):
            raise _fail(p.name, what, value)
        return int(value)
    x = float(value)
    if math.isnan(x) or (math.isinf(x) and not (p.allow_inf and x > 0)):
        raise _fail(p.name, what, value)
    if p.low is not None and (x < p.low or (p.low_open and x == p.low)):
        raise _fail(p.name, what, value)
    if p.high is not None and (x > p.high or (p.high_open and x == p.high)):
        raise _fail(p.name, what, value)
    return int(x) if integer else x


# -- the recommender mix ------------------------------------------------------------
# A mix maps each recommender's label to its initial share of users. An entry is a
# share (the label is a policy name: ``{"local": 0.9}``), or a table giving the share,
# the policy (default: the label) and its settings:
# ``{"fast": {"share": 0.1, "policy": "bandit-ucb", "window": 50}}``. On the command
# line: ``local=0.9,fast=0.1[policy=bandit-ucb,window=50]``. Validated, an entry
# stays a plain share when its policy has no settings and is named by its label, so
# mixes written before settings existed are stored and printed as they always were.

def _mix(p: Parameter, value: Any) -> dict[str, Any]:
    from model.policies import canonical_name, get_policy, policy_names

    if isinstance(value, str):
        value = parse_mix(value)
    if not isinstance(value, dict) or not value:
        raise _fail(p.name, "a non-empty mapping of recommender name to share", value)
    mix: dict[str, Any] = {}
    seen: dict[str, str] = {}
    for raw_label, entry in value.items():
        label = str(raw_label).strip()
        table = dict(entry) if isinstance(entry, dict) else {"share": entry}
        share = table.pop("share", 1.0)
        raw_policy = table.pop("policy", None)
        if raw_policy is None and label.lower().startswith("learned:"):
            from model.learned_policies import split_learned_name  # learned:<policy file>
            raw_policy, named = split_learned_name(label) or ("learned", {})
            table = {**named, **table}
        policy_name = label if raw_policy is None else str(raw_policy)
        try:
            policy = get_policy(policy_name)
        except KeyError:
            raise ParameterError(
                p.name,
                f"{p.name}: unknown recommender {policy_name!r}; "
                f"known: {', '.join(policy_names(aliases=True))}",
            ) from None
        if raw_policy is None:
            label = canonical_name(label)
        elif not label or any(c in label for c in "=,[]"):
            raise ParameterError(p.name, f"{p.name}: a recommender label must be non-empty "
                                 f"and without = , [ ]; got {label!r}")
        if label.lower() in seen:
            raise ParameterError(p.name, f"{p.name}: recommender {label!r} is listed twice "
                                 f"(as {seen[label.lower()]!r} and {str(raw_label)!r})")
        seen[label.lower()] = str(raw_label)
        if isinstance(share, bool) or not isinstance(share, numbers.Real) \
                or not 0 <= float(share) <= 1:
            raise ParameterError(
                p.name, f"{p.name}: share of {label!r} must be in [0, 1]; got {share!r}")
        settings = _settings(p, label, policy, table)
        if not policy.settings and policy.name == label:
            mix[label] = float(share)
        else:
            mix[label] = {"share": float(share), "policy": policy.name, **settings}
    total = sum(mix_shares(mix).values())
    if abs(total - 1.0) > 1e-6:
        raise ParameterError(
            p.name, f"{p.name}: shares must sum to 1; got {total:g} ({format_mix(mix)})")
    if total != 1.0:  # within rounding of 1: scaled, so users split into exactly n
        for label, entry in mix.items():
            if isinstance(entry, dict):
                entry["share"] /= total
            else:
                mix[label] = entry / total
    return mix


def _settings(p: Parameter, label: str, policy, given: dict) -> dict[str, Any]:
    """A recommender's settings, validated against its policy's declarations, defaults
    filled in (so a stored mix says exactly what ran)."""
    declared = {s.name: s for s in policy.settings}
    unknown = sorted(set(given) - set(declared))
    if unknown:
        known = ", ".join(["share", "policy", *declared])
        raise ParameterError(p.name, f"{p.name}: {label!r} has no setting {unknown[0]!r}; "
                             f"known: {known}")
    out = {}
    for name, s in declared.items():
        try:
            out[name] = _setting(s, given.get(name, s.default))
        except ParameterError as err:
            raise ParameterError(p.name, f"{p.name}: {label!r}: {err}") from None
    return out


def _setting(s: Parameter, value: Any) -> Any:
    """One setting's value (given typed, or as text from the command line); a setting
    with its own ``parse`` (a list of arms, say) checks itself."""
    if hasattr(s, "parse"):
        return s.parse(value)
    if isinstance(value, str) and s.kind in ("int", "float"):
        try:
            value = float(value)
        except ValueError:
            pass
    if isinstance(value, str) and s.kind == "bool" and value.lower() in ("true", "false"):
        value = value.lower() == "true"
    if s.kind in ("int", "float"):
        return _number(s, value, integer=s.kind == "int")
    if s.kind == "bool":
        if not isinstance(value, bool):
            raise _fail(s.name, "true or false", value)
        return value
    if s.kind == "choice":
        if value not in s.choices:
            raise _fail(s.name, s.range_text(), value)
        return value
    return value


def mix_shares(mix: dict[str, Any]) -> dict[str, float]:
    """Each recommender's share, whether its entry is a share or a table.

    >>> mix_shares({"local": 0.9, "fast": {"share": 0.1, "policy": "coop-random"}})
    {'local': 0.9, 'fast': 0.1}
    """
    return {label: (entry["share"] if isinstance(entry, dict) else entry)
            for label, entry in mix.items()}


def mix_entries(mix: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """``(label, policy name, settings)`` of each recommender of a validated mix."""
    out = []
    for label, entry in mix.items():
        if isinstance(entry, dict):
            settings = {k: v for k, v in entry.items() if k not in ("share", "policy")}
            out.append((label, entry.get("policy", label), settings))
        else:
            out.append((label, label, {}))
    return out


def _split_top_level(text: str) -> list[str]:
    """Split at commas outside brackets."""
    parts, depth, current = [], 0, []
    for c in text:
        if c == "," and depth == 0:
            parts.append("".join(current))
            current = []
            continue
        depth += (c == "[") - (c == "]")
        current.append(c)
    parts.append("".join(current))
    return [s.strip() for s in parts if s.strip()]


def parse_mix(text: str) -> dict[str, Any]:
    """Parse ``"local=0.9,coop-random=0.1"`` (a bare name means share 1), with settings in
    brackets after a share: ``"local=0.9,fast=0.1[policy=bandit-ucb,window=50]"``.

    >>> parse_mix("local=0.9, GOOD=0.1")
    {'local': 0.9, 'GOOD': 0.1}
    >>> parse_mix("local=0.9,fast=0.1[policy=coop-random]")
    {'local': 0.9, 'fast': {'share': 0.1, 'policy': 'coop-random'}}
    """
    mix: dict[str, Any] = {}
    for part in _split_top_level(text):
        head, bracket, rest = part.partition("[")
        name, sep, share = head.partition("=")
        name = name.strip()
        if name in mix:
            raise ParameterError("recommenders", f"recommenders: {name!r} is listed twice")
        try:
            value: Any = float(share) if sep else 1.0
        except ValueError:
            raise ParameterError(
                "recommenders", f"recommenders: share of {name!r} must be a "
                f"number in [0, 1]; got {share.strip()!r}") from None
        if bracket:
            if not rest.rstrip().endswith("]"):
                raise ParameterError("recommenders", f"recommenders: settings of {name!r} "
                                     f"must end with ']'; got {part!r}")
            value = {"share": value}
            for item in _split_top_level(rest.rstrip()[:-1]):
                key, eq, setting = item.partition("=")
                if not eq:
                    raise ParameterError("recommenders", f"recommenders: settings of "
                                         f"{name!r} are key=value; got {item!r}")
                value[key.strip()] = setting.strip()
        mix[name] = value
    return mix


def _format_setting(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return _fmt(value)
    return str(value)


def format_mix(mix: dict[str, Any]) -> str:
    """The inverse of :func:`parse_mix`: ``"local=0.9,coop-random=0.1"``."""
    parts = []
    for label, entry in mix.items():
        if not isinstance(entry, dict):
            parts.append(f"{label}={entry:g}")
            continue
        settings = [f"{k}={_format_setting(v)}" for k, v in entry.items()
                    if k != "share" and not (k == "policy" and v == label)]
        parts.append(f"{label}={entry['share']:g}" + (f"[{','.join(settings)}]" if settings else ""))
    return ",".join(parts)


def validate(values: dict[str, Any]) -> dict[str, Any]:
    """Check ``values`` against :data:`PARAMETERS` and return a complete, clean copy.

    Missing parameters take their defaults; ``beta_med=None`` becomes ``10 * beta``;
    recommender aliases (GOOD, BAD, RANDOM) become canonical names. Raises
    :class:`ParameterError` for an unknown name or a value out of range, naming it.
    """
    unknown = sorted(set(values) - set(PARAMETERS))
    if unknown:
        raise ParameterError(
            unknown[0], f"unknown parameter {unknown[0]!r}; known: {', '.join(PARAMETERS)}")
    out = defaults()
    out.update(values)
    for name, p in PARAMETERS.items():
        v = out[name]
        if p.kind == "int":
            out[name] = _number(p, v, integer=True)
        elif p.kind == "float":
            if v is None and name in ("beta_med", "beta_creator"):
                continue
            out[name] = _number(p, v)
        elif p.kind == "bool":
            if not isinstance(v, bool):
                raise _fail(name, "true or false", v)
        elif p.kind == "choice":
            if v not in p.choices:
                raise _fail(name, p.range_text(), v)
        elif p.kind == "mix":
            if isinstance(v, dict) and not all(isinstance(key, str) for key in v):
                from model.policies import policy_names  # late: policies import this module

                bad = next(key for key in v if not isinstance(key, str))
                raise ParameterError(name, f"{name}: recommender names must be text; "
                                     f"got {bad!r}; known: {', '.join(policy_names(True))}")
            out[name] = _mix(p, v)
        elif p.kind in ("steps", "seed"):
            if v is not None:
                out[name] = _number(p, v, integer=True)
    if out["beta_med"] is None:
        out["beta_med"] = 10 * out["beta"]
    if out["beta_creator"] is None:
        out["beta_creator"] = out["beta"]
    n, k = out["n"], out["k"]
    n_creators = creator_count(out)
    _check_creators(out, n_creators)
    if n_creators:
        n_viewers = n - n_creators
        if not k <= n_viewers - 1:
            raise ParameterError("k", f"k must be a number in (0, viewers-1] = "
                                 f"(0, {n_viewers - 1}] with {n_viewers} viewers "
                                 f"(n - round(creator_share*n)); got {k!r}")
        n = n_viewers  # the social graph, below, is the viewers'
    elif not k <= n - 1:
        raise ParameterError("k", f"k must be a number in (0, n-1] = (0, {n - 1}]; got {k!r}")
    if n * k > MAX_TIES:
        raise ParameterError("k", f"k must keep n*k at most {MAX_TIES:.0e} (twice the ties "
                             f"the engine can hold); got n*k = {n * k:.3g}")
    if out["engine"] == "agents":
        _check_readable(out)
    if out["graph"] == "regular":
        if not float(k).is_integer() or (n * int(k)) % 2:
            raise ParameterError(
                "k", f"k must be an integer with n*k even for graph='regular'; "
                f"got k={k!r}, n={n}")
        out["k"] = int(k)
    return out


def creator_count(p: dict[str, Any]) -> int:
    """How many of the n nodes are creators: round(creator_share * n) (MODEL.md, Creators).

    >>> creator_count({"n": 1000, "creator_share": 0.1})
    100
    """
    return int(round(p["creator_share"] * p["n"]))


def _check_creators(p: dict[str, Any], n_creators: int) -> None:
    """Enough creators for the share and the follows asked for (MODEL.md, Creators)."""
    if p["creator_share"] > 0 and n_creators == 0:
        raise ParameterError("creator_share", f"creator_share must give at least one creator "
                             f"(creator_share*n >= 0.5) or be 0; got {p['creator_share']!r} "
                             f"with n={p['n']}")
    if n_creators and p["follows"] > n_creators:
        raise ParameterError("follows", f"follows must be a number in [0, creators] = "
                             f"[0, {n_creators}] with {n_creators} creators "
                             f"(round(creator_share*n)); got {p['follows']!r}")
    if n_creators and p["n"] - n_creators < 2:
        raise ParameterError("creator_share", f"creator_share must leave at least 2 viewers; "
                             f"got {p['creator_share']!r} with n={p['n']}")


def _check_readable(p: dict[str, Any]) -> None:
    """The readable mode runs small models of fixed recommenders (docs/MODEL.md)."""
    from model.policies import get_policy

    if creator_count(p):
        raise ParameterError("engine", "engine='agents' runs models without creators "
                             "(creator_share = 0): use engine='kernel'")
    if p["n"] > MAX_READABLE_USERS:
        raise ParameterError("n", f"n must be at most {MAX_READABLE_USERS:,} with "
                             f"engine='agents' (plain Python); got {p['n']:,}: use engine='kernel'")
    for label, policy, _ in mix_entries(p["recommenders"]):
        if get_policy(policy).stateful:
            raise ParameterError("engine", f"engine='agents' runs fixed recommenders only; "
                                 f"{label!r} ({policy}) keeps state: use engine='kernel'")
