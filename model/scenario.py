"""Scenario files: a named set of model parameters, a grid over them, and how to run it.

A scenario is a TOML file (read with :mod:`tomllib`) that says everything a batch
of runs needs, so that a figure can be regenerated from one file::

    [scenario]
    name = "engagement-vs-aligned"
    title = "Engagement vs aligned"
    description = "What to watch for."
    [model]                 # base parameters of RewireModel (any but rng)
    n = 1000
    recommenders = { "any-random" = 0.9, "coop-random" = 0.1 }
    max_steps = 100000
    [grid]                  # optional: a list, {start, stop, num} or {start, stop, step}
    W = [0.5, 1, 2, 3, inf]
    recommenders = [ { local = 1.0 }, { "coop-random" = 1.0 } ]
    [run]
    replicates = 30
    seed = 12345
    record = "final"        # or "series"
    every = 10              # generations between time-series rows
    [quick]                 # optional: overrides used by `sweep --quick`
    model = { n = 200, max_steps = 20000 }
    run = { replicates = 3 }
    [plot]                  # optional: how `plot` draws the sweep (see model.sweeps.plots)
    kind = "lines"
    [pairs]                 # optional: two arms per replicate, from the same seed
    recommenders = [ { local = 1.0 }, { "coop-random" = 1.0 } ]
    [[intervention]]        # optional, any number: a change during every run
    generation = 50
    W = 3

Everything is validated on load. The parameter ranges come from
:func:`model.parameters.validate`, the one place they are written down; a problem is
a :class:`ScenarioError` whose message is one line naming the file, the key and
what is allowed, e.g. ``scenarios/x.toml: [grid] W: must be a number >= 0 or inf;
got -1``.

Each run of a scenario is one (grid point, replicate) pair. Its seed is derived from
the root seed, the point index and the replicate with :class:`numpy.random.SeedSequence`,
so the same scenario always gives the same seeds, whichever machine runs it.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import numbers
import tomllib
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from model.metrics import SCALAR_METRICS
from model.parameters import PARAMETERS, ParameterError, format_mix, validate

#: The tables a scenario file may contain.
SECTIONS = ("scenario", "model", "grid", "run", "quick", "plot", "pairs", "intervention")
#: Keys of ``[scenario]``: all text, all optional (name defaults to the file's stem).
SCENARIO_KEYS = ("name", "title", "description")
#: Keys of ``[run]`` and their defaults.
RUN_DEFAULTS: dict[str, Any] = {"replicates": 1, "seed": 0, "record": "final", "every": 10}
RECORD_CHOICES = ("final", "series")
#: The most values one grid key may list (a list or a range), the most points of a
#: grid, the most replicates and runs of a sweep: beyond them a sweep would exhaust
#: the memory of the process that plans it before running anything (docs/SWEEPS.md).
MAX_GRID_VALUES = 10_000
MAX_POINTS = 100_000
MAX_REPLICATES = 1_000_000
MAX_RUNS = 1_000_000
#: Parameters a scenario may set: every model parameter but the seed, which is derived.
MODEL_KEYS = tuple(name for name in PARAMETERS if name != "rng")


#: What a sweep records of each run at its end, with types: the model's scalar metrics
#: and the step at which every user came to play one strategy (None if that never
#: happened). Per recommender it also records ``share:``, ``requests:`` and ``rewires:``
#: followed by the recommender's name (see :meth:`Scenario.metric_names`).
RUN_METRICS: dict[str, type] = {**SCALAR_METRICS, "fixation_step": int}
RECOMMENDER_METRICS: dict[str, type] = {"share": float, "requests": int, "rewires": int}


class ScenarioError(ValueError):
    """A scenario file that cannot be used. ``str(err)`` is one line naming file and key."""


@dataclass(frozen=True)
class Run:
    """One run of a sweep: a grid point, a replicate, its derived seed and parameters."""

    point: int
    replicate: int
    seed: int
    params: dict[str, Any]
    #: in a paired scenario, which arm (0 or 1); both arms of a replicate share its seed
    arm: int | None = None

    @property
    def run_id(self) -> str:
        """A stable name for the run, unique within its scenario."""
        arm = "" if self.arm is None else f"-a{self.arm}"
        return f"p{self.point:05d}-r{self.replicate:04d}{arm}"


def derive_seed(root: int, point: int, replicate: int) -> int:
    """The seed of run (point, replicate): the same for the same root, on any machine.

    >>> derive_seed(12345, 0, 0)
    8675000357229432475
    >>> derive_seed(12345, 0, 0) != derive_seed(12345, 0, 1)
    True
    """
    state = np.random.SeedSequence(root, spawn_key=(point, replicate)).generate_state(1, np.uint64)
    # the model takes any seed >= 0; 63 bits keep it a signed 64-bit integer, like the
    # fresh seeds the model draws itself and the [run] seed
    return int(state[0]) & (2**63 - 1)


@dataclass
class Scenario:
    """A validated scenario file. Build one with :func:`load_scenario`.

    Its points are computed on first use and kept, so do not change a scenario's
    grid or model table once it is built.
    """

    name: str
    title: str
    description: str
    path: Path | None
    base: dict[str, Any]
    grid: dict[str, list[Any]]
    replicates: int
    seed: int
    record: str
    every: int
    plot: dict[str, Any] = field(default_factory=dict)
    quick: bool = False
    source: str = ""
    #: the [model] table as written (before defaults), so that derived defaults such as
    #: beta_med = 10 * beta follow a beta that the grid varies
    model_table: dict[str, Any] = field(default_factory=dict)
    #: ``[pairs]``: each key's two values, arm 0's and arm 1's (empty: not paired)
    pairs: dict[str, list[Any]] = field(default_factory=dict)
    #: ``[[intervention]]`` tables, validated, in file order (each with its generation)
    interventions: list[dict[str, Any]] = field(default_factory=list)

    @property
    def arms(self) -> int:
        """Runs per (point, replicate): 2 when paired, else 1."""
        return 2 if self.pairs else 1

    def points(self) -> list[dict[str, Any]]:
        """Every grid point as a complete, validated parameter dict (without ``rng``).

        Points are the Cartesian product of the grid's lists, in the order the keys
        appear in the file; the first key varies slowest. No grid: one point, the base.
        They are validated once per scenario; each call returns fresh dicts.
        """
        return [dict(params) for params in self._points]

    @cached_property
    def _points(self) -> tuple[dict[str, Any], ...]:
        keys = list(self.grid)
        out = []
        for combo in itertools.product(*(self.grid[k] for k in keys)):
            params = validate({**self.model_table, **dict(zip(keys, combo))})
            params.pop("rng", None)
            out.append(params)
        return tuple(out)

    def runs(self) -> list[Run]:
        """Every (point, replicate) run with its derived seed, point-major order; in a
        paired scenario, both arms of each, with the same seed."""
        if not self.pairs:
            return [Run(p, r, derive_seed(self.seed, p, r), params)
                    for p, params in enumerate(self.points())
                    for r in range(self.replicates)]
        return [Run(p, r, derive_seed(self.seed, p, r), dict(arms[a]), arm=a)
                for p, arms in enumerate(self._arm_points)
                for r in range(self.replicates) for a in (0, 1)]

    @cached_property
    def _arm_points(self) -> tuple[tuple[dict[str, Any], dict[str, Any]], ...]:
        """Per point, the parameters of arm 0 and arm 1 (the point with each arm's values)."""
        out = []
        for labels in self._labels:
            arms = []
            for a in (0, 1):
                params = validate({**self.model_table, **labels,
                                   **{k: v[a] for k, v in self.pairs.items()}})
                params.pop("rng", None)
                arms.append(params)
            out.append(tuple(arms))
        return tuple(out)

    def arm_label(self, arm: int) -> str:
        """``"recommenders=coop-random=1"``: what arm 0 or 1 sets, in words."""
        return ", ".join(f"{k}={format_value(v[arm])}" for k, v in self.pairs.items())

    def point_labels(self) -> list[dict[str, Any]]:
        """For each point, only the values of the grid's keys (what varies)."""
        return [dict(labels) for labels in self._labels]

    @cached_property
    def _labels(self) -> tuple[dict[str, Any], ...]:
        keys = list(self.grid)
        return tuple(dict(zip(keys, combo))
                     for combo in itertools.product(*(self.grid[k] for k in keys)))

    def recommender_names(self) -> list[str]:
        """Every recommender used by any point, in first-seen order."""
        names: list[str] = []
        every = [*self._points, *(p for arms in self._arm_points for p in arms)] \
            if self.pairs else self._points
        for params in every:
            names += [n for n in params["recommenders"] if n not in names]
        return names

    def metric_names(self) -> list[str]:
        """Every metric a sweep of this scenario records of each run, in column order."""
        return [*RUN_METRICS, *(f"{what}:{name}" for name in self.recommender_names()
                                for what in RECOMMENDER_METRICS)]

    def normalized(self) -> dict[str, Any]:
        """What determines the results: every run's parameters and seed, and what is recorded.

        Titles, descriptions and plot settings are left out, so rewording a scenario
        does not orphan its results; any change that alters a run is in. So are the
        parameters, except those added later while at their default (:func:`fingerprinted`):
        a results directory made before a parameter existed still resumes.
        """
        out = {"points": [fingerprinted(p) for p in self.points()],
               "replicates": self.replicates, "seed": self.seed,
               "record": self.record, "every": self.every if self.record == "series" else None}
        if self.pairs:  # only when used, so that older scenarios keep their fingerprints
            out["pairs"] = self.pairs
        if self.interventions:
            out["interventions"] = self.interventions
        return out

    def fingerprint(self) -> str:
        """SHA-256 of :meth:`normalized`: equal fingerprints mean identical runs."""
        text = json.dumps(self.normalized(), sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()

    def describe_point(self, index: int) -> str:
        """``"W=1, recommenders=local=1"``: a point in words, for labels and messages."""
        return ", ".join(f"{k}={format_value(v)}" for k, v in self._labels[index].items())


def fingerprinted(params: dict[str, Any]) -> dict[str, Any]:
    """The parameters of a point that enter a fingerprint: all of them, except those added
    later (``fingerprinted_at_default=False``) while they are at their default (a blank
    default that stands for another parameter counts as default when equal to it).

    >>> fingerprinted({"n": 10, "engine": "kernel"}), fingerprinted({"engine": "agents"})
    ({'n': 10}, {'engine': 'agents'})
    >>> fingerprinted({"beta": 0.1, "beta_creator": 0.1}), fingerprinted({"beta": 0.1, "beta_creator": 1})
    ({'beta': 0.1}, {'beta': 0.1, 'beta_creator': 1})
    """
    def at_default(name: str, value: Any) -> bool:
        p = PARAMETERS[name]
        return value == p.default or (p.same_as != "" and value == params.get(p.same_as))

    return {name: value for name, value in params.items()
            if PARAMETERS[name].fingerprinted_at_default or not at_default(name, value)}


def format_value(value: Any) -> str:
    """A parameter value as people write it (mixes as ``local=0.9,coop-random=0.1``)."""
    if isinstance(value, dict):
        return format_mix(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def load_scenario(path: str | Path, quick: bool = False) -> Scenario:
    """Read and validate a scenario file; ``quick`` applies its ``[quick]`` overrides."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise ScenarioError(f"{path}: cannot read: {err.strerror or err}") from None
    except UnicodeDecodeError as err:
        raise ScenarioError(f"{path}: not UTF-8 text (byte {err.start}); save the scenario "
                            f"file as UTF-8") from None
    return parse_scenario(text, path=path, quick=quick)


def list_scenarios(folder: str | Path = "scenarios") -> list[Scenario]:
    """Every ``*.toml`` scenario directly in ``folder``, sorted by file name.

    Raises :class:`ScenarioError` for the first invalid file: a broken preset
    should be fixed, not silently skipped.
    """
    return [load_scenario(p) for p in sorted(Path(folder).glob("*.toml"))]


def parse_scenario(text: str, path: str | Path | None = None, quick: bool = False) -> Scenario:
    """Validate the TOML ``text`` of a scenario (``path`` only names it in messages)."""
    where = str(path) if path is not None else "<scenario>"

    def fail(section: str | None, key: str | None, message: str) -> ScenarioError:
        place = f"[{section}]" if section else ""
        if key is not None:
            place = f"{place} {key}" if place else key
        return ScenarioError(f"{where}: {place}: {message}" if place else f"{where}: {message}")

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise ScenarioError(f"{where}: not valid TOML: {err}") from None
    except RecursionError:
        raise ScenarioError(f"{where}: not a scenario: tables or lists nested too "
                            f"deeply to read") from None

    _check_keys(data, SECTIONS, None, fail, what="table")
    for section in SECTIONS:
        if section == "intervention":
            if section in data and not (isinstance(data[section], list) and all(
                    isinstance(t, dict) for t in data[section])):
                raise fail(None, section, "must be tables written [[intervention]]; got "
                           + _show(data[section]))
        elif section in data and not isinstance(data[section], dict):
            raise fail(None, section, f"must be a table; got {_show(data[section])}")

    if quick:
        data = _apply_quick(data, fail)
    has_quick = "quick" in data
    data.pop("quick", None)

    meta = data.get("scenario", {})
    _check_keys(meta, SCENARIO_KEYS, "scenario", fail)
    for key in SCENARIO_KEYS:
        if key in meta and not isinstance(meta[key], str):
            raise fail("scenario", key, f"must be a string; got {_show(meta[key])}")
    stem = Path(path).stem if path is not None else "scenario"
    name = meta.get("name", stem)
    if not name.strip():
        raise fail("scenario", "name", "must not be empty")

    model_table = dict(data.get("model", {}))
    _check_keys(model_table, MODEL_KEYS, "model", fail)
    try:
        base = validate(model_table)
    except ParameterError as err:
        raise fail("model", err.name, _without_name(err)) from None
    base.pop("rng", None)

    grid = _parse_grid(data.get("grid", {}), model_table, fail)
    pairs = _parse_pairs(data.get("pairs", {}), grid, model_table, fail)
    run = _parse_run(data.get("run", {}), fail)
    points = math.prod(len(v) for v in grid.values())
    arms = 2 if pairs else 1
    if points * run["replicates"] * arms > MAX_RUNS:
        raise fail("run", "replicates", f"{points:,} points x {run['replicates']:,} "
                   f"replicates{' x 2 arms' if pairs else ''} make "
                   f"{points * run['replicates'] * arms:,} runs; at most {MAX_RUNS:,}")

    scenario = Scenario(
        name=name, title=meta.get("title", name), description=meta.get("description", ""),
        path=Path(path) if path is not None else None, base=base, grid=grid,
        replicates=run["replicates"], seed=run["seed"], record=run["record"],
        every=run["every"], quick=quick, source=text, model_table=model_table, pairs=pairs)
    scenario.interventions = _parse_interventions(data.get("intervention", []), scenario, where)
    from model.sweeps.plots import check_plot  # plot kinds live with their drawing code

    scenario.plot = check_plot(data.get("plot", {}), scenario, fail)
    if has_quick:  # validate the quick variant too, so that `--quick` never surprises
        try:
            parse_scenario(text, path=path, quick=True)
        except ScenarioError as err:
            raise ScenarioError(str(err).replace(f"{where}: ", f"{where}: with [quick]: ", 1)) \
                from None
    return scenario


def _parse_pairs(table: dict, grid: dict, model_table: dict, fail) -> dict[str, list[Any]]:
    """``[pairs]``: model keys, each with exactly two values (arm 0's, arm 1's)."""
    from model.twins import FIXED

    _check_keys(table, MODEL_KEYS, "pairs", fail)
    pairs: dict[str, list[Any]] = {}
    for key, values in table.items():
        if key in FIXED:
            raise fail("pairs", key, f"both arms share their initial graph, so {key} cannot "
                       f"differ between them; vary it in [grid]")
        if key in grid:
            raise fail("pairs", key, "is also a [grid] key; a key is either varied by the "
                       "grid or paired")
        if not isinstance(values, list) or len(values) != 2:
            raise fail("pairs", key, "must be a list of exactly two values (arm 0's, arm "
                       f"1's); got {_show(values)}")
        checked = []
        for value in values:
            try:
                checked.append(validate({**model_table, key: value})[key])
            except ParameterError as err:
                raise fail("pairs", key, _without_name(err)) from None
        if json.dumps(checked[0], sort_keys=True, default=str) == \
                json.dumps(checked[1], sort_keys=True, default=str):
            raise fail("pairs", key, "gives both arms the same value")
        pairs[key] = checked
    return pairs


def _parse_interventions(tables: list, scenario: Scenario, where: str) -> list[dict[str, Any]]:
    """``[[intervention]]`` tables, each checked against every point (and arm) of the
    scenario as :meth:`model.RewireModel.schedule` will check it; tables are numbered
    from 1 in file order in messages."""
    from model.interventions import check_intervention

    every = [p for arms in scenario._arm_points for p in arms] if scenario.pairs \
        else list(scenario._points)
    out = []
    for i, table in enumerate(tables, start=1):
        def fail(key: str, message: str) -> ScenarioError:
            return ScenarioError(f"{where}: [[intervention]] {i}: {key}: {message}")

        generation = table.get("generation")
        if generation is None:
            raise fail("generation", "missing: the generation after which it applies "
                       "(an integer >= 0)")
        if isinstance(generation, bool) or not isinstance(generation, int) or generation < 0:
            raise fail("generation", f"must be an integer >= 0; got {_show(generation)}")
        what = {k: v for k, v in table.items() if k != "generation"}
        for params in every:
            limit = params["max_steps"]
            if limit is not None and generation * params["n"] >= limit:
                raise fail("generation", f"{generation} is at or after the time limit "
                           f"(max_steps = {limit:,} = {limit / params['n']:g} generations "
                           f"of n = {params['n']:,})")
            try:
                check_intervention(dict(what), params, list(params["recommenders"]))
            except ParameterError as err:
                raise fail(err.name, _without_name(err)) from None
        out.append({"generation": generation, **what})
    return out


def _apply_quick(data: dict, fail) -> dict:
    """Merge ``[quick]``'s ``model``, ``grid``, ``run`` and ``plot`` tables over the file's."""
    overrides = data.pop("quick", {})
    _check_keys(overrides, ("model", "grid", "run", "plot"), "quick", fail, what="table")
    for section, table in overrides.items():
        if not isinstance(table, dict):
            raise fail("quick", section, f"must be a table; got {_show(table)}")
        data[section] = {**data.get(section, {}), **table}
    return data


def _parse_grid(table: dict, model_table: dict, fail) -> dict[str, list[Any]]:
    grid: dict[str, list[Any]] = {}
    _check_keys(table, MODEL_KEYS, "grid", fail)
    for key, spec in table.items():
        values = _grid_values(key, spec, fail)
        points = math.prod(len(v) for v in grid.values()) * len(values)
        if points > MAX_POINTS:
            raise fail("grid", key, f"makes {points:,} grid points with the keys before it; "
                       f"at most {MAX_POINTS:,}")
        checked = []
        for value in values:
            try:
                clean = validate({**model_table, key: value})[key]
            except ParameterError as err:
                if err.name != key:  # fine alone, wrong with the base: checked per point below
                    clean = value
                else:
                    raise fail("grid", key, _without_name(err)) from None
            checked.append(clean)
        if len({json.dumps(v, sort_keys=True, default=str) for v in checked}) != len(checked):
            raise fail("grid", key, "lists the same value twice")
        grid[key] = checked
    # combinations can be invalid even when each value is fine (k > n - 1, say)
    keys = list(grid)
    for combo in itertools.product(*(grid[k] for k in keys)):
        try:
            validate({**model_table, **dict(zip(keys, combo))})
        except ParameterError as err:
            point = ", ".join(f"{k}={format_value(v)}" for k, v in zip(keys, combo))
            raise fail("grid", None, f"point {point}: {err}") from None
    return grid


def _grid_values(key: str, spec: Any, fail) -> list[Any]:
    """A grid entry as its list of values: a list, or a linspace / step range table."""
    if isinstance(spec, list):
        if not spec:
            raise fail("grid", key, "must list at least one value")
        if len(spec) > MAX_GRID_VALUES:
            raise fail("grid", key, f"lists {len(spec):,} values; at most "
                       f"{MAX_GRID_VALUES:,} per key")
        return list(spec)
    if not isinstance(spec, dict) or key == "recommenders" and not {"start", "stop"} & set(spec):
        raise fail("grid", key, "must be a list of values, or a range table "
                   "{start, stop, num} or {start, stop, step}; got " + _show(spec))
    allowed = ("start", "stop", "num", "step")
    extra = sorted(set(spec) - set(allowed))
    if extra:
        raise fail("grid", f"{key}.{extra[0]}", "unknown key; allowed: start, stop, num or step")
    for part in ("start", "stop"):
        if part not in spec:
            raise fail("grid", key, f"a range table needs {part}")
        if not _is_number(spec[part]) or not math.isfinite(spec[part]):
            raise fail("grid", f"{key}.{part}", f"must be a finite number; got {_show(spec[part])}")
    if ("num" in spec) == ("step" in spec):
        raise fail("grid", key, "a range table needs exactly one of num or step")
    start, stop = float(spec["start"]), float(spec["stop"])
    if "num" in spec:
        num = spec["num"]
        if isinstance(num, bool) or not isinstance(num, int) or not 1 <= num <= MAX_GRID_VALUES:
            raise fail("grid", f"{key}.num", f"must be an integer in [1, {MAX_GRID_VALUES}]; "
                       f"got {_show(num)}")
        values = np.linspace(start, stop, num)
    else:
        step = spec["step"]
        if not _is_number(step) or not math.isfinite(step) or step == 0 \
                or (stop - start) * step < 0:
            raise fail("grid", f"{key}.step", "must be a non-zero number going from start "
                       f"towards stop; got {_show(step)}")
        span = (stop - start) / step
        count = math.floor(span + 1e-9) + 1 if span <= MAX_GRID_VALUES else math.inf
        if count > MAX_GRID_VALUES:
            raise fail("grid", f"{key}.step", f"gives more than {MAX_GRID_VALUES:,} values "
                       f"from start to stop; at most {MAX_GRID_VALUES:,} per key")
        values = start + step * np.arange(count)
    values = [round(float(v), 12) for v in values]
    integer_kind = PARAMETERS[key].kind in ("int", "steps")
    return [int(v) if integer_kind and float(v).is_integer() else v for v in values]


def _parse_run(table: dict, fail) -> dict[str, Any]:
    _check_keys(table, tuple(RUN_DEFAULTS), "run", fail)
    run = {**RUN_DEFAULTS, **table}
    for key, low, high in (("replicates", 1, MAX_REPLICATES), ("seed", 0, 2**63 - 1),
                           ("every", 1, None)):
        v = run[key]
        if isinstance(v, bool) or not isinstance(v, int) or v < low \
                or (high is not None and v > high):
            if high is None:
                what = f"an integer >= {low}"
            else:
                what = f"an integer in [{low}, {'2**63 - 1' if key == 'seed' else f'{high:,}'}]"
            raise fail("run", key, f"must be {what}; got {_show(v)}")
    if run["record"] not in RECORD_CHOICES:
        raise fail("run", "record", f"must be one of {', '.join(map(repr, RECORD_CHOICES))}; "
                   f"got {_show(run['record'])}")
    return run


def _check_keys(table: dict, allowed: tuple[str, ...], section: str | None, fail,
                what: str = "key") -> None:
    for key in table:
        if key not in allowed:
            raise fail(section, key, f"unknown {what}; allowed: {', '.join(allowed)}")


def _without_name(err: ParameterError) -> str:
    """``"W must be >= 0; got -1"`` -> ``"must be >= 0; got -1"`` (the key is named already)."""
    text = str(err)
    for prefix in (f"{err.name}: ", f"{err.name} "):
        if text.startswith(prefix):
            return text[len(prefix):]
    return text


def _is_number(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _show(value: Any) -> str:
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "a list"
    return str(value)
