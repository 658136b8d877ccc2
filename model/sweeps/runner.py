"""Running a sweep: every (point, replicate) of a scenario, in parallel, on Dask.

The same code path serves a laptop and a cluster: locally it starts a Dask
``LocalCluster`` of single-threaded worker processes; with ``scheduler`` it
connects to an existing ``dask.distributed`` scheduler (whose workers must be able
to ``import model``: install the package on every machine). Results are written by
this process only, batch by batch as runs finish
(:class:`model.sweeps.storage.ResultStore`), so killing it loses at most the runs in
flight and running it again finishes only what is missing.

What is submitted is ``pickle.loads`` applied to bytes (:func:`_remote`): the
scheduler, which unpickles every task it receives, only ever sees the standard
library, and only a worker imports ``model``, when it runs the task.

A sweep never waits forever (:class:`_Watchdog`): when no run has finished and no
worker has been running one for ``stall_timeout`` seconds, or the connection to the
scheduler is lost, it stops, says why in one line, and keeps what finished.
"""

from __future__ import annotations

import logging
import math
import os
import pickle
import signal
import sys
import time
import traceback
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np

from model.bandit_policies import bandit_columns
from model.parameters import format_mix
from model.scenario import Run, Scenario, ScenarioError
from model.sweeps.storage import FINAL_METRICS, SERIES_METRICS, ResultStore, write_csv


@dataclass
class SweepOutcome:
    """What a call to :func:`run_sweep` did."""

    total: int
    already_done: int
    ran: int
    failed: int
    interrupted: bool
    wall_time_s: float
    manifest: dict[str, Any]
    #: why the sweep stopped before its end (one line), or None
    stopped: str | None = None
    #: the command line's exit code for that stop: 2 the cluster cannot run the code,
    #: 3 no progress or the scheduler lost (what finished is kept; run again to resume)
    stop_code: int = 0


#: default seconds with no run finishing and no worker running one before a sweep stops
STALL_TIMEOUT = 120.0


class SweepStopped(Exception):
    """A sweep cannot go on; ``str()`` is the one-line reason, ``code`` the exit code."""

    def __init__(self, message: str, code: int):
        super().__init__(message)
        self.code = code


def check_runnable(scenario: Scenario) -> None:
    """A sweep needs every run to end: a time limit on every point."""
    for i, params in enumerate(scenario.points()):
        if params["max_steps"] is None:
            where = scenario.path or scenario.name
            raise ScenarioError(f"{where}: [model] max_steps: a sweep needs a time limit "
                                f"(an integer >= 0); got none at point {i}")


def run_one(run_id: str, point: int, replicate: int, seed: int, params: dict[str, Any],
            record: str, every: int, recommenders: list[str], arm: int | None = None,
            twin_of: dict[str, Any] | None = None,
            interventions: list[dict[str, Any]] = ()) -> dict[str, Any]:
    """Run one simulation to its end; never raises (an error becomes a failed row).

    Executed on a worker. Returns ``{"row": {...}, "series": [...] or None}`` with the
    columns of :func:`model.sweeps.storage.runs_schema` / ``series_schema``. In a
    paired scenario, arm 1 is the twin (:meth:`RewireModel.twin`) of arm 0, whose
    parameters are ``twin_of``; ``interventions`` are ``[[intervention]]`` tables,
    scheduled on the model (:meth:`RewireModel.schedule`) before it runs.
    """
    ids = {"run_id": run_id, "point": point, "replicate": replicate, "seed": seed}
    if arm is not None:
        ids["arm"] = arm
    start = time.perf_counter()
    try:
        model = make_model(params, seed, twin_of, interventions)
        model.run(progress=False)
        summary = model.summary()
        series = _series_rows(model, ids, every, recommenders, bool(interventions)) \
            if record == "series" else None
    except Exception as err:  # a failing run is recorded, and the sweep goes on
        row = _row(ids, params, "failed", describe_error(err, err.__traceback__),
                   time.perf_counter() - start)
        return {"row": row, "series": None, "traceback": traceback.format_exc()}
    row = _row(ids, params, "ok", None, time.perf_counter() - start)
    for key in FINAL_METRICS:
        row[key] = summary.get(key)
    for name in recommenders:  # a recommender this point does not use has no users
        row[f"share:{name}"] = summary["shares"].get(name, 0.0)
        row[f"requests:{name}"] = summary["requests_by_recommender"].get(name, 0)
        row[f"rewires:{name}"] = summary["rewires_by_recommender"].get(name, 0)
    row.update(bandit_columns(summary))
    return {"row": row, "series": series}


def make_model(params: dict[str, Any], seed: int, twin_of: dict[str, Any] | None = None,
               interventions: list[dict[str, Any]] = ()):
    """The model of one run of a sweep: ``RewireModel(**params, rng=seed)``, or the twin
    with ``params`` of the model with ``twin_of``; ``interventions`` scheduled."""
    from model import RewireModel

    if twin_of is None:
        model = RewireModel(**params, rng=seed)
    else:
        base = RewireModel(**twin_of, rng=seed)
        model = base.twin(**{k: v for k, v in params.items() if v != base.params[k]})
    for table in interventions:
        model.schedule(**table)
    return model


def _row(ids: dict[str, Any], params: dict[str, Any], status: str, error: str | None,
         wall_time_s: float | None) -> dict[str, Any]:
    """The columns every recorded run has, ok or failed: ids, parameters, status."""
    return {**ids, **params, "recommenders": format_mix(params["recommenders"]),
            "status": status, "error": error, "wall_time_s": wall_time_s}


def warm_up() -> str:
    """Import the model and run a tiny simulation, so the kernel is compiled (or loaded
    from numba's cache) before the first timed run. Executed once on every worker."""
    try:
        from model import RewireModel

        RewireModel(n=10, k=2, rng=0, max_steps=20).run(progress=False)
    except Exception as err:  # the runs will record the same error, one by one
        return _one_line(err)
    return "ok"


def _series_rows(model, ids: dict, every: int, recommenders: list[str],
                 interventions: bool = False) -> list[dict]:
    """Every ``every``-th generation of the model's data (row 0 = initial state), the
    last, and (with ``interventions``) every row where one was applied, with its label."""
    frame = model.datacollector.get_model_vars_dataframe().reset_index(drop=True)
    keep = set(range(0, len(frame), every)) | {len(frame) - 1}
    if interventions:
        keep |= set(np.flatnonzero(frame["intervention"].to_numpy() != "").tolist())
    rows = []
    for g in sorted(keep):
        rec = frame.iloc[g].to_dict()
        row = {**ids, "generation": g}
        if interventions:
            row["intervention"] = rec["intervention"]
        for key in SERIES_METRICS:
            row[key] = _plain(rec.get(key))
        for name in recommenders:
            row[f"share:{name}"] = _plain(rec.get(f"share:{name}", 0.0))
        rows.append(row)
    return rows


def _plain(value):
    """numpy scalars to Python (Arrow wants either, but NaN ints must become None)."""
    if value is None:
        return None
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def _one_line(err: BaseException) -> str:
    text = f"{type(err).__name__}: {err}"
    return " ".join(text.split())


_ROOT = Path(__file__).resolve().parents[2]


def describe_error(err: BaseException, tb=None) -> str:
    """``Type: message (at file:line)``, one line: the error and its innermost frame.

    Files of this package are named from the top of the checkout (``model/x.py``).
    """
    text = _one_line(err)
    frames = traceback.extract_tb(tb) if tb is not None else []
    if not frames:
        return text
    where = Path(frames[-1].filename)
    try:
        where = where.resolve().relative_to(_ROOT)
    except (ValueError, OSError):
        pass
    return f"{text} (at {where}:{frames[-1].lineno})"


class _Call:
    """A call ``func(*args)`` that happens when it is unpickled (see :func:`_remote`)."""

    def __init__(self, func: Callable, args: tuple):
        self.func, self.args = func, args

    def __reduce__(self):
        return self.func, self.args


def _remote(func: Callable, *args) -> tuple[Callable, bytes]:
    """``(pickle.loads, payload)``: submitted instead of ``func, *args``.

    ``func`` is pickled by reference (``model.sweeps.runner.run_one``), so whatever
    unpickles it must import ``model``. Dask's scheduler unpickles every task it
    receives; hidden in bytes, the call is unpickled, and ``model`` imported, only
    by the worker that runs it, where a failure to import is that run's error.
    """
    return pickle.loads, pickle.dumps(_Call(func, args), protocol=pickle.HIGHEST_PROTOCOL)


def make_client(workers: int | None = None, scheduler: str | None = None):
    """A Dask client and the LocalCluster it owns (None when on ``scheduler``).

    The local cluster has ``workers`` single-threaded processes (default: every
    core): simulations are single-threaded numba code, so processes, not threads,
    give the parallelism. Close both with :func:`close_client`.
    """
    from dask.distributed import Client, LocalCluster

    if scheduler:
        return Client(scheduler, timeout="15s"), None
    workers = workers or os.cpu_count() or 1
    with _sigint_ignored():  # inherited by the worker processes: see _sigint_ignored
        # no dashboard; the scheduler's HTTP server (health checks) on a free loopback
        # port, not on 8787, which another cluster may hold (Dask would warn)
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                               dashboard_address=None, silence_logs=logging.ERROR,
                               scheduler_kwargs={"dashboard_address": "127.0.0.1:0"})
    return Client(cluster), cluster


@contextmanager
def _sigint_ignored():
    """Ignore SIGINT while the local worker processes start, so they inherit that.

    Ctrl-C in a terminal signals the whole process group: workers that took it
    would each print a traceback. An ignored signal stays ignored in a started
    process (a handler would not), so only this process sees Ctrl-C; it then closes
    the cluster itself. Outside the main thread nothing changes.
    """
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def close_client(client, cluster) -> None:
    try:
        client.close(timeout=10)
    finally:
        if cluster is not None:
            cluster.close(timeout=30)


def run_sweep(scenario: Scenario, out, *, workers: int | None = None,
              scheduler: str | None = None, progress: bool = True, csv: bool = False,
              client=None, on_batch: Callable[[int], None] | None = None,
              stall_timeout: float = STALL_TIMEOUT) -> SweepOutcome:
    """Run every missing (point, replicate) of ``scenario`` into the directory ``out``.

    ``client`` may be an existing ``dask.distributed.Client`` (it is left open);
    otherwise one is made from ``workers`` / ``scheduler`` and closed at the end.
    Runs recorded as failed are run again (a resume retries them). Raises
    :class:`~model.scenario.ScenarioError` (or its subclass ``SweepDirError``) for a
    scenario that cannot run or a directory holding another scenario. A sweep that
    cannot go on (the cluster cannot run the code, no progress for ``stall_timeout``
    seconds, the scheduler lost) returns with ``stopped`` saying why.
    """
    check_runnable(scenario)
    started = time.perf_counter()
    where = scheduler or (f"local:{workers or os.cpu_count()}" if client is None else "client")
    store = ResultStore.open(out, scenario, workers=where)
    runs = scenario.runs()
    done = store.done_ids()
    todo = [r for r in runs if r.run_id not in done]
    recommenders = store.recommenders
    failed = ran = 0
    interrupted = False
    stopped: SweepStopped | None = None
    bar = None
    own_client = client is None
    cluster = None
    restore_term = _sigterm_interrupts()
    status = "failed"  # until proven otherwise: an exception leaves it so in the manifest
    try:
        if todo:
            store.forget_failed()  # they run again below
            if own_client:
                n_local = min(workers or os.cpu_count() or 1, len(todo))
                client, cluster = make_client(n_local, scheduler)
            bar = _progress_bar(len(runs), len(done), progress)
            failed, ran = _run_all(client, todo, scenario, recommenders, store, bar, on_batch,
                                   stall_timeout)
        status = "complete"
    except KeyboardInterrupt:
        interrupted = True
        status = "interrupted"
    except SweepStopped as stop:
        stopped = stop
        status = "stopped"
        store.manifest["stopped"] = str(stop)
    finally:
        if bar is not None:
            bar.close()
        if own_client and client is not None:
            try:
                close_client(client, cluster)
            except BaseException:  # closing a cluster mid-interrupt may complain; results are safe
                pass
        manifest = store.close(status)
        restore_term()
    if csv and not interrupted and stopped is None:
        write_csv(out)
    return SweepOutcome(total=len(runs), already_done=len(done), ran=ran, failed=failed,
                        interrupted=interrupted, wall_time_s=time.perf_counter() - started,
                        manifest=manifest, stopped=str(stopped) if stopped else None,
                        stop_code=stopped.code if stopped else 0)


def _sigterm_interrupts() -> Callable[[], None]:
    """Make SIGTERM stop a sweep like Ctrl-C (results so far kept, manifest says so).

    Returns the function that restores the previous handler. Outside the main
    thread signals cannot be handled, and nothing changes.
    """
    import threading

    if threading.current_thread() is not threading.main_thread():
        return lambda: None

    def interrupt(signum, frame):
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    return lambda: signal.signal(signal.SIGTERM, previous)


def _run_all(client, todo: list[Run], scenario: Scenario, recommenders: list[str],
             store: ResultStore, bar, on_batch, stall_timeout: float) -> tuple[int, int]:
    """Submit ``todo``, record results batch by batch as they arrive; (failed, ran).

    Raises :class:`SweepStopped` when the sweep cannot go on; what was recorded
    until then stays recorded.
    """
    from dask.distributed import as_completed

    prefix = f"rewire-{scenario.fingerprint()[:10]}-{os.getpid()}-{time.time_ns()}"
    warm = _warm_up_every_worker(client, prefix)
    live = {}
    by_key = {}
    arm_points = scenario._arm_points if scenario.pairs else None
    for run in todo:
        twin_of = arm_points[run.point][0] if run.arm == 1 else None
        fut = client.submit(*_remote(run_one, run.run_id, run.point, run.replicate, run.seed,
                                     run.params, scenario.record, scenario.every, recommenders,
                                     run.arm, twin_of, scenario.interventions),
                            pure=False, key=f"{prefix}-{run.run_id}")
        by_key[fut.key] = run
        live[fut.key] = fut
    # The loop must be the one of the client that owns the futures. as_completed
    # defaults to the *default* client's loop, which is another client's when one
    # was entered as a context (``with Client(...)``) in this thread; its asyncio
    # events are then set from a foreign thread, and a wake-up can be lost for good.
    pending = as_completed(list(live.values()), loop=client.loop, with_results=True,
                           raise_errors=False)
    watchdog = _Watchdog(client, stall_timeout)
    first = _FirstBatch(min(len(todo), max(2, len(warm))))
    failed = ran = 0

    def record(results: list[dict]) -> None:
        nonlocal failed, ran
        if not results:
            return
        store.commit(results)
        ran += len(results)
        failed += sum(r["row"]["status"] != "ok" for r in results)
        if bar is not None:
            left = bar.total - bar.n - len(results)
            bar.set_postfix_str(f"left={left} failed={failed}", refresh=False)
            bar.update(len(results))
        if on_batch is not None:
            on_batch(ran)

    try:
        while not pending.is_empty():
            batch = pending.next_batch(block=False)
            if not batch:
                watchdog.check(len(live), store)
                time.sleep(0.05)
                continue
            watchdog.progress()
            results, lost = [], 0
            for fut, result in batch:
                live.pop(fut.key, None)
                if fut.status == "cancelled" or _is_cancelled(result):
                    lost += 1  # never ran to the end: not recorded, runs again on resume
                elif fut.status == "error" or isinstance(result, BaseException):
                    results.append(_lost_run(by_key[fut.key], result, scenario))
                else:
                    results.append(result)
                fut.release()
            record(first.screen(results))
            if lost:
                raise SweepStopped(_lost_scheduler_message(client, store), 3)
        record(first.flush())
    finally:
        pending.clear()
        for fut in [*live.values(), *warm]:  # the scheduler forgets what is left
            fut.release()
    return failed, ran


def _is_cancelled(result) -> bool:
    from asyncio import CancelledError

    return isinstance(result, CancelledError)


def _warm_up_every_worker(client, prefix: str) -> list:
    """One :func:`warm_up` task pinned to each worker connected now, run before its runs.

    The kernel is then compiled (or loaded) before the first timed run. These are
    ordinary tasks on the worker's thread: a worker compiling counts as busy for the
    watchdog, and its event loop keeps answering the scheduler.
    """
    workers = list(client.scheduler_info(n_workers=-1).get("workers", {}))
    return [client.submit(*_remote(warm_up), workers=[w], allow_other_workers=False,
                          priority=100, pure=False, key=f"{prefix}-warm-up-{i}")
            for i, w in enumerate(workers)]


class _FirstBatch:
    """Holds back task failures (not a run's own error) until a run succeeds.

    If the first ``size`` results all failed as tasks with one and the same cause,
    the cluster cannot run the code (workers that cannot import ``model``, say):
    the sweep stops with that cause (exit code 2) and records none of them, so a
    fixed cluster runs them. Otherwise the held failures are recorded as usual.
    """

    def __init__(self, size: int):
        self.size = size
        self.held: list[dict] = []
        self.open = True

    def screen(self, results: list[dict]) -> list[dict]:
        if not self.open:
            return results
        task_failures = [r for r in results if r.get("task_failure")]
        if len(task_failures) < len(results):  # a run came back: the cluster works
            self.open = False
            return self.flush() + results
        self.held += task_failures
        causes = {r["row"]["error"] for r in self.held}
        if len(causes) > 1:
            self.open = False
            return self.flush()
        if len(self.held) >= self.size:
            raise SweepStopped(
                f"every run of the first batch ({len(self.held)}) failed on the workers "
                f"with the same error, so the sweep stopped and recorded none of them: "
                f"{causes.pop()}; make the workers able to run the package "
                f"(docs/SWEEPS.md: install it on every machine) and run the same command "
                f"again", 2)
        return []

    def flush(self) -> list[dict]:
        held, self.held = self.held, []
        return held


class _Watchdog:
    """Stops a sweep that makes no progress (see the module's docstring).

    Progress is a run finishing; a worker running a task (a long run, a compile)
    also keeps the sweep alive. The scheduler is asked at most every few seconds,
    and only while nothing arrives.
    """

    ASK_EVERY = 2.0

    def __init__(self, client, stall_timeout: float):
        self.client = client
        self.timeout = stall_timeout
        self.last_progress = self.last_busy = self.last_answer = time.monotonic()
        self.last_asked = 0.0
        self.workers = None

    def progress(self) -> None:
        self.last_progress = time.monotonic()

    def check(self, pending: int, store: ResultStore) -> None:
        now = time.monotonic()
        if self.client.status in ("closing", "closed"):
            raise SweepStopped(_lost_scheduler_message(self.client, store), 3)
        if now - self.last_asked >= self.ASK_EVERY:
            self.last_asked = now
            self._ask(now)
        quiet = now - max(self.last_progress, self.last_busy)
        if quiet < self.timeout:
            return
        kept = _kept(store)
        if now - self.last_answer >= self.timeout:
            raise SweepStopped(f"the scheduler {_address(self.client)} has not answered for "
                               f"{now - self.last_answer:.0f} s; {kept}", 3)
        raise SweepStopped(f"no progress for {quiet:.0f} s: {pending} runs waiting and no "
                           f"worker running any ({self.workers} workers connected); {kept}", 3)

    def _ask(self, now: float) -> None:
        try:
            processing = self.client.sync(self.client.scheduler.processing,
                                          callback_timeout=min(10.0, self.timeout))
        except Exception:  # no answer: the scheduler is gone, busy or unreachable
            return
        self.last_answer = now
        self.workers = len(processing)
        if any(processing.values()):
            self.last_busy = now


def _address(client) -> str:
    try:
        return str(client.scheduler.address)
    except Exception:
        return "?"


def _kept(store: ResultStore) -> str:
    counts = store.manifest["counts"]
    return (f"{counts['ok'] + counts['failed']} of {counts['runs']} runs recorded in "
            f"{store.root}; run the same command again to finish")


def _lost_scheduler_message(client, store: ResultStore) -> str:
    return f"lost the connection to the scheduler {_address(client)}; {_kept(store)}"


def _lost_run(run: Run, err, scenario: Scenario) -> dict[str, Any]:
    """A run whose task itself failed (not importable, a worker died, ...): recorded
    as failed with the real cause, ``Type: message (at file:line)``."""
    ids = {"run_id": run.run_id, "point": run.point, "replicate": run.replicate, "seed": run.seed}
    if run.arm is not None:
        ids["arm"] = run.arm
    if isinstance(err, tuple) and len(err) == 3:  # dask's (type, exception, traceback)
        error = describe_error(err[1], err[2])
    elif isinstance(err, BaseException):
        error = describe_error(err, err.__traceback__)
    else:
        error = f"the task failed and dask gave no exception: {err!r}"
    return {"row": _row(ids, run.params, "failed", error, None), "series": None,
            "task_failure": True}


def _progress_bar(total: int, initial: int, enabled: bool):
    from tqdm import tqdm

    return tqdm(total=total, initial=initial, unit="run", file=sys.stderr, disable=not enabled,
                dynamic_ncols=True, smoothing=0.1, desc="sweep",
                bar_format="{desc}: {percentage:3.0f}%|{bar}| {n_fmt}/{total_fmt} runs "
                           "[{elapsed} elapsed, ETA {remaining}, {rate_fmt}{postfix}]")
