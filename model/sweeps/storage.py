"""The results directory of a sweep: crash-safe, append-only, one row per run.

Layout of ``DIR``::

    manifest.json         scenario, its fingerprint, code version, start/end, counts
    runs/part-*.parquet   one file per batch of finished runs, written as they finish
    series/part-*.parquet the time series of the same batch (same file name)
    runs.parquet          all runs, once the sweep is complete (compacted parts)
    series.parquet        all time series, likewise
    .lock                 held while a sweep writes here

Why it is safe to kill a sweep at any moment (Ctrl-C or ``kill -9``):

- every file is written to a temporary name and then renamed with :func:`os.replace`,
  which is atomic: a file is either absent or complete;
- a batch's series part is written before its runs part, and the runs part is the
  commit: a series part without its runs part is an orphan, ignored and removed;
- which runs are done is read back from the files, never kept elsewhere, so a
  resumed sweep submits only the runs that are missing and no run is computed twice;
- readers take each run id from the first source that holds it (compacted file
  first), so an interrupted compaction cannot show a run twice either;
- one process at a time may write (an OS lock on ``.lock``, released by the kernel
  when the process dies, even by ``kill -9``).
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import platform
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any, Iterable, Iterator

import pyarrow as pa
import pyarrow.compute  # noqa: F401  (pa.compute)
import pyarrow.parquet as pq

from model.bandit_policies import BANDIT_METRICS, bandit_labels
from model.parameters import PARAMETERS
from model.scenario import (
    RECOMMENDER_METRICS,
    RUN_METRICS,
    Scenario,
    ScenarioError,
    format_value,
)


_ARROW_TYPES = {int: pa.int64(), float: pa.float64(), str: pa.string()}
#: Final metrics of a run (:data:`model.scenario.RUN_METRICS`), in column order, with
#: their Arrow types.
FINAL_METRICS: dict[str, pa.DataType] = {
    name: _ARROW_TYPES[kind] for name, kind in RUN_METRICS.items()}
#: Time-series metrics (one row per recorded generation): the final ones but
#: fixation_step, which only the end of a run knows.
SERIES_METRICS: dict[str, pa.DataType] = {
    name: kind for name, kind in FINAL_METRICS.items() if name != "fixation_step"}
#: The Arrow type of each kind of parameter (:attr:`model.parameters.Parameter.kind`).
PARAM_ARROW_TYPES: dict[str, pa.DataType] = {
    "int": pa.int64(), "float": pa.float64(), "bool": pa.bool_(), "choice": pa.string(),
    "mix": pa.string(), "steps": pa.int64(), "seed": pa.uint64(),
}


def param_columns() -> dict[str, pa.DataType]:
    """Model parameters as stored in each row, from the parameter table (recommenders as
    ``local=0.9,coop-random=0.1``); the seed is stored with the run's ids instead.

    Arrow drops a key missing from a schema without a word, so the columns are never
    written by hand: a parameter added to the table is a column of every new sweep.
    """
    return {name: PARAM_ARROW_TYPES[p.kind] for name, p in PARAMETERS.items()
            if p.kind != "seed"}


#: :func:`param_columns` when the module was imported.
PARAM_COLUMNS: dict[str, pa.DataType] = param_columns()
RUN_ID_COLUMNS: dict[str, pa.DataType] = {
    "run_id": pa.string(), "point": pa.int64(), "replicate": pa.int64(), "seed": pa.uint64(),
}
STATUS_COLUMNS: dict[str, pa.DataType] = {
    "status": pa.string(), "error": pa.string(), "wall_time_s": pa.float64(),
}


def _ids(paired: bool) -> dict[str, pa.DataType]:
    """Run ids; a paired sweep's runs also say their ``arm`` (0 or 1)."""
    return {**RUN_ID_COLUMNS, "arm": pa.int64()} if paired else dict(RUN_ID_COLUMNS)


def runs_schema(recommenders: Iterable[str], paired: bool = False,
                bandits: Iterable[str] = ()) -> pa.Schema:
    """Schema of the runs table: ids, status, parameters, final metrics, per recommender,
    and per bandit recommender what it learned (:data:`model.bandit_policies.BANDIT_METRICS`)."""
    fields = {**_ids(paired), **STATUS_COLUMNS, **param_columns(), **FINAL_METRICS}
    for name in recommenders:
        for what, kind in RECOMMENDER_METRICS.items():
            fields[f"{what}:{name}"] = _ARROW_TYPES[kind]
    for name in bandits:
        for what, kind in BANDIT_METRICS.items():
            fields[f"{what}:{name}"] = _ARROW_TYPES[kind]
    return pa.schema(list(fields.items()))


def series_schema(recommenders: Iterable[str], paired: bool = False,
                  interventions: bool = False) -> pa.Schema:
    """Schema of the time-series table: run ids, generation, metrics, shares, and the
    labels of the interventions applied at each row (when the scenario has any)."""
    fields = {**_ids(paired), "generation": pa.int64(), **SERIES_METRICS}
    for name in recommenders:
        fields[f"share:{name}"] = pa.float64()
    if interventions:
        fields["intervention"] = pa.string()
    return pa.schema(list(fields.items()))


#: What a reader is told to do about a damaged file: a resume sets it aside.
RERUN_REMEDY = ("run the same sweep command again: it moves damaged files to "
                "damaged/ and runs their runs again")


class SweepDirError(ScenarioError):
    """A results directory that cannot take this sweep (another scenario, in use, ...)."""


class DamagedFileError(SweepDirError):
    """A file of a results directory that cannot be read as what it should be.

    ``str(err)`` is one line naming the file and what to do; ``err.path`` is the file.
    """

    def __init__(self, path: Path, why: str, remedy: str = RERUN_REMEDY):
        super().__init__(f"{path}: damaged or not a results file ({why}); {remedy}")
        self.path = Path(path)


#: Columns without which a file of ``kind`` is not a results file at all.
REQUIRED_COLUMNS = {"runs": ("run_id", "status"), "series": ("run_id", "generation")}


def _why(err: BaseException) -> str:
    """An exception as a short phrase for a one-line message."""
    text = " ".join(str(err).split()) or type(err).__name__
    return text if len(text) <= 160 else text[:157] + "..."


def check_parquet(path: Path, kind: str, schema: pa.Schema | None = None,
                  full: bool = False) -> pa.Schema:
    """The schema of the results file ``path`` of ``kind`` (runs or series), checked.

    Raises :class:`DamagedFileError` if it is not Parquet, lacks the columns of its
    kind, or (given ``schema``) holds a known column with another type. ``full``
    also decodes every row group (streaming), which finds damage past the footer.
    """
    try:
        found = pq.read_schema(path)
    except (OSError, ValueError, pa.ArrowException) as err:
        raise DamagedFileError(path, _why(err)) from None
    missing = [c for c in REQUIRED_COLUMNS[kind] if c not in found.names]
    if missing:
        raise DamagedFileError(path, f"no {missing[0]} column")
    if schema is not None:
        for field in found:
            i = schema.get_field_index(field.name)
            if i >= 0 and not schema.field(i).type.equals(field.type):
                raise DamagedFileError(
                    path, f"column {field.name} is {field.type}, should be {schema.field(i).type}")
    if full:
        try:
            for _ in pq.ParquetFile(path).iter_batches(batch_size=65_536):
                pass
        except (OSError, ValueError, pa.ArrowException) as err:
            raise DamagedFileError(path, _why(err)) from None
    return found


def _read_table(path: Path, **kwargs) -> pa.Table:
    """``pq.read_table`` whose failure is one line naming the file."""
    try:
        return pq.read_table(path, **kwargs)
    except (OSError, ValueError, pa.ArrowException) as err:
        raise DamagedFileError(path, _why(err)) from None



def code_version() -> str:
    """``git describe`` of the source tree, or ``"unknown"`` outside a checkout."""
    root = Path(__file__).resolve().parents[2]
    try:
        out = subprocess.run(["git", "describe", "--always", "--dirty", "--abbrev=12"],
                             cwd=root, capture_output=True, text=True, timeout=10)
        return out.stdout.strip() or "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def _write_atomic(path: Path, write) -> None:
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        write(tmp)
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def write_json_atomic(path: Path, data: dict) -> None:
    """Write JSON so that readers see the old file or the new one, never half of one."""
    _write_atomic(path, lambda tmp: tmp.write_text(
        json.dumps(data, indent=2, sort_keys=False, default=str) + "\n"))


def write_table_atomic(path: Path, table: pa.Table) -> None:
    """Write a Parquet file so that it is either absent or complete."""
    _write_atomic(path, lambda tmp: pq.write_table(table, tmp))


class ResultStore:
    """The results directory of one scenario, open for writing by this process only.

    Open it with :meth:`open`, which refuses a directory holding another scenario's
    results; :meth:`commit` each batch of finished runs; :meth:`close` at the end.
    """

    def __init__(self, root: Path, scenario: Scenario):
        self.root = Path(root)
        self.scenario = scenario
        self.recommenders = scenario.recommender_names()
        paired = bool(scenario.pairs)
        self.runs_schema = runs_schema(
            self.recommenders, paired,
            bandit_labels(p["recommenders"] for p in scenario.points()))
        self.series_schema = series_schema(self.recommenders, paired, bool(scenario.interventions))
        self._lock_fh = None
        self.manifest: dict[str, Any] = {}
        #: files of the directory moved to ``damaged/`` when it was opened
        self.set_aside: list[str] = []
        self._seq = 0

    # -- opening and closing -------------------------------------------------------
    @classmethod
    def open(cls, root: str | Path, scenario: Scenario, *, workers: str = "") -> "ResultStore":
        """Lock ``root``, check it belongs to ``scenario`` (or is new), clean debris."""
        store = cls(Path(root), scenario)
        store._open(workers)
        return store

    def _open(self, workers: str) -> None:
        root = self.root
        manifest_path = root / "manifest.json"
        if root.exists() and not root.is_dir():
            raise SweepDirError(f"{root}: exists and is not a directory; "
                                f"give --out a directory (new or of this sweep)")
        try:
            if root.is_dir() and not manifest_path.exists() and any(
                    p.name not in (".lock", "damaged") for p in root.iterdir()):
                raise SweepDirError(f"{root}: not empty and has no manifest.json; "
                                    f"use an empty or new directory for --out")
            root.mkdir(parents=True, exist_ok=True)
            (root / "runs").mkdir(exist_ok=True)
            (root / "series").mkdir(exist_ok=True)
            self._lock_fh = open(root / ".lock", "a+")
        except OSError as err:
            raise SweepDirError(f"{err.filename or root}: cannot write the results here "
                                f"({err.strerror or err}); choose another --out") from None
        try:
            fcntl.flock(self._lock_fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._lock_fh.close()
            self._lock_fh = None
            raise SweepDirError(f"{root}: another sweep is writing to this directory") from None
        try:
            self._take_over(manifest_path)
        except BaseException:
            self.release()
            raise
        points = len(self.scenario.points())
        total = points * self.scenario.replicates * self.scenario.arms
        self.manifest = {
            "scenario": {"name": self.scenario.name, "title": self.scenario.title,
                         "path": str(self.scenario.path or ""), "quick": self.scenario.quick,
                         "toml": self.scenario.source},
            "fingerprint": self.scenario.fingerprint(),
            "code_version": code_version(),
            "code_versions": sorted(set(self.manifest.get("code_versions", [])) | {code_version()}),
            "python": platform.python_version(),
            "started": self.manifest.get("started", _now()),
            "resumed": self.manifest.get("resumed", []) + ([_now()] if self.manifest else []),
            "finished": None,
            "status": "running",
            "workers": workers,
            "counts": {"runs": total, "points": points,
                       "replicates": self.scenario.replicates},
            "recommenders": self.recommenders,
            "grid": {k: [format_value(v) for v in vals] for k, vals in self.scenario.grid.items()},
            "set_aside": self.manifest.get("set_aside", []) + self.set_aside,
        }
        self._update_counts()
        write_json_atomic(manifest_path, self.manifest)

    def _take_over(self, manifest_path: Path) -> None:
        """Check the directory holds this scenario's results; set damaged files aside.

        A damaged manifest is set aside too, and the directory is kept only if every
        recorded run is a run of this scenario (same run id, seed and parameters).
        """
        fingerprint = self.scenario.fingerprint()
        self._clean_debris()
        old: dict[str, Any] = {}
        manifest_damaged = False
        if manifest_path.exists():
            try:
                old = read_manifest(self.root)
            except DamagedFileError:
                manifest_damaged = True
            else:
                if old.get("fingerprint") != fingerprint:
                    raise SweepDirError(
                        f"{self.root}: holds results of a different scenario "
                        f"({old.get('scenario', {}).get('name', '?')}, fingerprint "
                        f"{str(old.get('fingerprint'))[:12]}; this one is "
                        f"{fingerprint[:12]}); refusing to mix them: use another --out directory")
        self._set_aside_damaged()
        if manifest_damaged:
            self._check_runs_belong(manifest_path)
            self._set_aside(manifest_path, "rebuilt from this scenario")
        self.manifest = old

    def _set_aside(self, path: Path, then: str = "its runs will be run again") -> None:
        """Move ``path`` into ``damaged/`` (nothing is deleted) and say so on stderr."""
        dest_dir = self.root / "damaged" / path.parent.relative_to(self.root)
        dest_dir.mkdir(parents=True, exist_ok=True)
        dest = dest_dir / path.name
        if dest.exists():
            dest = dest_dir / f"{path.stem}-{uuid.uuid4().hex[:6]}{path.suffix}"
        os.replace(path, dest)
        rel = str(dest.relative_to(self.root))
        self.set_aside.append(rel)
        # printed, not logged: a sweep silences logging while Dask runs, and this line
        # is what tells the user where their file went
        print(f"rewire: {path}: damaged, moved to {dest}; {then}", file=sys.stderr)

    def _set_aside_damaged(self) -> None:
        """Every results file that cannot be read in full is set aside, with its twin part
        (a batch's runs and series parts go together), so that its runs are run again."""
        schemas = {"runs": self.runs_schema, "series": self.series_schema}
        for kind in ("runs", "series"):
            for path in _sources(self.root, kind):
                if not path.exists():
                    continue  # moved already with its twin
                try:
                    check_parquet(path, kind, schemas[kind], full=True)
                except DamagedFileError:
                    self._set_aside(path)
                    if path.parent.name in ("runs", "series"):
                        other = "series" if kind == "runs" else "runs"
                        twin = self.root / other / path.name
                        if twin.exists():
                            self._set_aside(twin)
                    elif kind == "runs" and (self.root / "series.parquet").exists():
                        # the compacted runs are lost: their series would be orphans
                        self._set_aside(self.root / "series.parquet")

    def _check_runs_belong(self, manifest_path: Path) -> None:
        """Without a manifest, keep the recorded runs only if they are this scenario's."""
        expected = {run.run_id: run for run in self.scenario.runs()}
        cols = ["run_id", "seed", *param_columns()]
        table = read_runs(self.root)
        if table is None:
            return
        for row in table.select([c for c in cols if c in table.column_names]).to_pylist():
            run = expected.get(row["run_id"])
            same = run is not None and row["seed"] == run.seed and all(
                row[key] == (format_value(run.params[key]) if key == "recommenders"
                             else run.params[key])
                for key in param_columns() if key in row)
            if not same:
                raise SweepDirError(
                    f"{manifest_path}: damaged, and run {row['run_id']} recorded here is "
                    f"not a run of this scenario; use another --out")

    def _clean_debris(self) -> None:
        """Remove temp files and orphan series parts left by a killed process."""
        for folder in (self.root, self.root / "runs", self.root / "series"):
            for tmp in folder.glob(".*.tmp"):
                tmp.unlink()
        committed = {p.name for p in (self.root / "runs").glob("part-*.parquet")}
        for part in (self.root / "series").glob("part-*.parquet"):
            if part.name not in committed:
                part.unlink()

    def release(self) -> None:
        if self._lock_fh is not None:
            fcntl.flock(self._lock_fh, fcntl.LOCK_UN)
            self._lock_fh.close()
            self._lock_fh = None

    def close(self, status: str, compact: bool = True) -> dict[str, Any]:
        """Record the end (``status``: complete, interrupted, failed); compact if complete."""
        counts = self.manifest["counts"]  # kept up to date by open() and commit()
        if status == "complete" and counts["missing"] == 0 and compact:
            self.compact()
        self.manifest["status"] = status
        self.manifest["finished"] = _now()
        write_json_atomic(self.root / "manifest.json", self.manifest)
        self.release()
        return self.manifest

    # -- writing -----------------------------------------------------------------
    def commit(self, results: list[dict[str, Any]]) -> None:
        """Record a batch of finished runs: series part first, then the runs part."""
        if not results:
            return
        self._seq += 1
        name = f"part-{dt.datetime.now(dt.timezone.utc):%Y%m%dT%H%M%S}-{os.getpid()}-" \
               f"{self._seq:06d}-{uuid.uuid4().hex[:6]}.parquet"
        series_rows = [row for r in results for row in (r.get("series") or [])]
        if series_rows:
            write_table_atomic(self.root / "series" / name,
                               pa.Table.from_pylist(series_rows, schema=self.series_schema))
        write_table_atomic(self.root / "runs" / name,
                           pa.Table.from_pylist([r["row"] for r in results],
                                                schema=self.runs_schema))
        self.manifest["counts"]["ok"] += sum(r["row"]["status"] == "ok" for r in results)
        self.manifest["counts"]["failed"] += sum(r["row"]["status"] != "ok" for r in results)
        self.manifest["counts"]["missing"] -= len(results)
        write_json_atomic(self.root / "manifest.json", self.manifest)

    def compact(self) -> None:
        """Merge the parts into ``runs.parquet`` and ``series.parquet``, then drop the parts.

        Streams part by part (never the whole sweep in memory). Series before runs,
        each atomically; parts are deleted last. A crash in between leaves a run in
        both a compacted file and a part, which readers resolve by taking it from the
        compacted file.
        """
        if not any((self.root / "runs").glob("part-*.parquet")):
            return  # nothing new since the last compaction
        for kind in ("series", "runs"):
            sources = _sources(self.root, kind)
            if sources:
                _write_atomic(self.root / f"{kind}.parquet",
                              lambda tmp, s=sources, k=kind: _merge_unique(s, tmp, k))
        for folder in ("series", "runs"):
            for part in (self.root / folder).glob("part-*.parquet"):
                part.unlink()

    # -- reading -----------------------------------------------------------------
    def done_ids(self) -> set[str]:
        """Run ids recorded as ok: these are never run again (failed ones are retried)."""
        table = read_runs(self.root, columns=["run_id", "status"])
        if table is None:
            return set()
        ok = pa.compute.fill_null(pa.compute.equal(table.column("status"), "ok"), False)
        return set(table.column("run_id").filter(ok).to_pylist())

    def forget_failed(self) -> None:
        """Remove the rows of failed runs, so that they run again and are recorded once.

        Each file holding some is rewritten atomically without them (a part left
        with no row is deleted, its series part with it): a kill in between leaves
        some failed rows, which the next sweep retries and removes in turn.
        """
        for path in _sources(self.root, "runs"):
            table = pq.read_table(path)
            ok = pa.compute.fill_null(pa.compute.equal(table.column("status"), "ok"), False)
            n_ok = pa.compute.sum(ok).as_py() or 0
            if n_ok == len(table):
                continue
            if path.parent.name == "runs" and n_ok == 0:
                path.unlink()
                (self.root / "series" / path.name).unlink(missing_ok=True)
            else:
                write_table_atomic(path, table.filter(ok))
        self._update_counts()
        write_json_atomic(self.root / "manifest.json", self.manifest)

    def _update_counts(self) -> dict[str, int]:
        counts = self.manifest["counts"]
        table = read_runs(self.root, columns=["run_id", "status"])
        statuses = table.column("status").to_pylist() if table is not None else []
        counts["ok"] = sum(s == "ok" for s in statuses)
        counts["failed"] = len(statuses) - counts["ok"]
        counts["missing"] = counts["runs"] - len(statuses)
        return counts


def _sources(root: Path, kind: str) -> list[Path]:
    """The files of ``kind`` (runs or series), compacted file first, then parts by name."""
    compacted = root / f"{kind}.parquet"
    parts = sorted((root / kind).glob("part-*.parquet")) if (root / kind).is_dir() else []
    if kind == "series":  # a series part counts only once its runs part is committed
        committed = {p.name for p in (root / "runs").glob("part-*.parquet")}
        parts = [p for p in parts if p.name in committed]
    return ([compacted] if compacted.exists() else []) + parts


def _read_unique(root: Path, kind: str, columns: list[str] | None) -> pa.Table | None:
    """All rows of ``kind``, each run id from the first source holding it.

    Fast path: read every file at once (threaded) and, as is the rule, find no run id
    in two files. Only after an interrupted compaction does it fall back to reading
    file by file and dropping the later copies.
    """
    sources = _sources(root, kind)
    if not sources:
        return None
    import pyarrow.dataset as ds

    cols = None if columns is None else list(dict.fromkeys(["run_id", *columns]))
    for path in sources:
        check_parquet(path, kind)
    tables = [_read_table(p, columns=cols) for p in sources[:1]]  # fixes the schema
    if len(sources) > 1:
        try:
            rest = ds.dataset([str(p) for p in sources[1:]], format="parquet",
                              schema=tables[0].schema)
            tables.append(rest.to_table(columns=cols))
        except (OSError, ValueError, pa.ArrowException):
            # find the file to name: read them one by one
            tables[1:] = [_read_table(p, columns=cols, schema=tables[0].schema)
                          for p in sources[1:]]
    table = pa.concat_tables(tables, promote_options="default")
    if kind == "runs":
        unique = pa.compute.count_distinct(table.column("run_id")).as_py() == len(table)
    else:  # series: several rows per run; a run's rows must come from one source
        unique = _series_sources_disjoint(tables, sources)
    if unique:
        return table if columns is None else table.select(columns)
    return _read_unique_slow(sources, columns)


def _series_sources_disjoint(tables: list[pa.Table], sources: list[Path]) -> bool:
    if len(sources) == 1:
        return True
    first = set(tables[0].column("run_id").to_pylist())
    rest = tables[1].column("run_id").to_pylist() if len(tables) > 1 else []
    if first & set(rest):
        return False
    # parts never share a run id unless a run was committed twice, which never happens
    return True


def _first_copies(sources: list[Path], columns: list[str] | None = None,
                  schema: pa.Schema | None = None) -> Iterator[pa.Table]:
    """Each source's table without the run ids an earlier source held: the first wins."""
    seen: set[str] = set()
    for path in sources:
        table = _read_table(path, columns=columns, schema=schema)
        ids = table.column("run_id").to_pylist()
        fresh = set(ids) - seen
        if len(fresh) < len(set(ids)):
            table = table.filter(pa.array([i in fresh for i in ids]))
        seen |= fresh
        yield table


def _merge_unique(sources: list[Path], out: Path, kind: str,
                  rows_per_group: int = 100_000) -> None:
    """Copy ``sources`` into one Parquet file, each run id from the first source holding it."""
    buffer: list[pa.Table] = []
    buffered = 0
    schema = check_parquet(sources[0], kind)
    with pq.ParquetWriter(out, schema) as writer:
        for table in _first_copies(sources, schema=schema):
            buffer.append(table)
            buffered += len(table)
            if buffered >= rows_per_group:
                writer.write_table(pa.concat_tables(buffer))
                buffer, buffered = [], 0
        if buffer:
            writer.write_table(pa.concat_tables(buffer))


def _read_unique_slow(sources: list[Path], columns: list[str] | None) -> pa.Table | None:
    cols = None if columns is None else list(dict.fromkeys(["run_id", *columns]))
    tables = [table if columns is None else table.select(columns)
              for table in _first_copies(sources, columns=cols)]
    if not tables:
        return None
    return pa.concat_tables(tables, promote_options="default")


def read_runs(root: str | Path, columns: list[str] | None = None) -> pa.Table | None:
    """Every recorded run of the sweep in ``root``, each exactly once (None: no run yet)."""
    return _read_unique(Path(root), "runs", columns)


def read_series(root: str | Path, columns: list[str] | None = None) -> pa.Table | None:
    """Every recorded time-series row (None when the sweep records final values only)."""
    return _read_unique(Path(root), "series", columns)


def read_run_ids(root: str | Path) -> list[str]:
    table = read_runs(root, columns=["run_id"])
    return table.column("run_id").to_pylist() if table is not None else []


def read_manifest(root: str | Path) -> dict[str, Any]:
    """The manifest of the sweep in ``root``, checked to be one (scenario text, fingerprint).

    A damaged or foreign ``manifest.json`` is a :class:`DamagedFileError`, one line.
    """
    path = Path(root) / "manifest.json"
    if not Path(root).is_dir():
        raise SweepDirError(f"{root}: no such directory; give the --out directory of a sweep")
    if not path.exists():
        raise SweepDirError(f"{root}: no manifest.json; not a sweep results directory")
    remedy = ("run the sweep command again with its scenario file and this --out to "
              "rebuild it (damaged files are moved to damaged/)")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as err:
        raise SweepDirError(f"{path}: cannot read: {err.strerror or err}") from None
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as err:
        raise DamagedFileError(path, f"not JSON: {_why(err)}", remedy) from None
    scenario = data.get("scenario") if isinstance(data, dict) else None
    if not isinstance(scenario, dict) or not isinstance(scenario.get("toml"), str) \
            or not isinstance(data.get("fingerprint"), str):
        raise DamagedFileError(path, "not a sweep manifest: no scenario text or fingerprint",
                               remedy)
    return data


def load_runs(root: str | Path):
    """The runs table as a pandas DataFrame (the usual way to analyse a sweep)."""
    table = read_runs(root)
    if table is None:
        raise SweepDirError(f"{root}: no run recorded yet")
    return table.to_pandas()


def load_series(root: str | Path):
    """The time-series table as a pandas DataFrame, or None if none was recorded."""
    table = read_series(root)
    return None if table is None else table.to_pandas()


def write_csv(root: str | Path) -> list[Path]:
    """Write ``runs.csv`` (and ``series.csv``) beside the Parquet files, for spreadsheets."""
    root = Path(root)
    written = []
    for name, table in (("runs", read_runs(root)), ("series", read_series(root))):
        if table is not None:
            path = root / f"{name}.csv"
            _write_atomic(path, lambda tmp, t=table: t.to_pandas().to_csv(tmp, index=False))
            written.append(path)
    return written
