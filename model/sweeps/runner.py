"""Running a sweep: every (point, replicate) of a scenario, in parallel, on Dask.

The same code path serves a laptop and a cluster: locally it starts a Dask
``LocalCluster`` of single-threaded worker processes; with ``scheduler`` it
connects to an existing ``dask.distributed`` scheduler (whose workers must be able
to ``import model``). Results are written by this process only, batch by batch as
runs finish (:class:`model.sweeps.storage.ResultStore`), so killing it loses at most
the runs in flight and running it again finishes only what is missing.
"""

from __future__ import annotations

import logging
import math
import os
import sys
import time
import traceback
from dataclasses import dataclass
from typing import Any, Callable

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


def check_runnable(scenario: Scenario) -> None:
    """A sweep needs every run to end: a time limit on every point."""
    for i, params in enumerate(scenario.points()):
        if params["max_steps"] is None:
            where = scenario.path or scenario.name
            raise ScenarioError(f"{where}: [model] max_steps: a sweep needs a time limit "
                                f"(an integer >= 0); got none at point {i}")


def run_one(run_id: str, point: int, replicate: int, seed: int, params: dict[str, Any],
            record: str, every: int, recommenders: list[str]) -> dict[str, Any]:
    """Run one simulation to its end; never raises (an error becomes a failed row).

    Executed on a worker. Returns ``{"row": {...}, "series": [...] or None}`` with the
    columns of :func:`model.sweeps.storage.runs_schema` / ``series_schema``.
    """
    ids = {"run_id": run_id, "point": point, "replicate": replicate, "seed": seed}
    start = time.perf_counter()
    try:
        from model import RewireModel

        model = RewireModel(**params, rng=seed)
        model.run(progress=False)
        summary = model.summary()
        series = _series_rows(model, ids, every, recommenders) if record == "series" else None
    except Exception as err:  # a failing run is recorded, and the sweep goes on
        row = _row(ids, params, "failed", _one_line(err), time.perf_counter() - start)
        return {"row": row, "series": None, "traceback": traceback.format_exc()}
    row = _row(ids, params, "ok", None, time.perf_counter() - start)
    for key in FINAL_METRICS:
        row[key] = summary.get(key)
    for name in recommenders:  # a recommender this point does not use has no users
        row[f"share:{name}"] = summary["shares"].get(name, 0.0)
        row[f"requests:{name}"] = summary["requests_by_recommender"].get(name, 0)
        row[f"rewires:{name}"] = summary["rewires_by_recommender"].get(name, 0)
    return {"row": row, "series": series}


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


def _series_rows(model, ids: dict, every: int, recommenders: list[str]) -> list[dict]:
    """Every ``every``-th generation of the model's data (row 0 = initial state) and the last."""
    frame = model.datacollector.get_model_vars_dataframe().reset_index(drop=True)
    keep = list(range(0, len(frame), every))
    if keep[-1] != len(frame) - 1:
        keep.append(len(frame) - 1)
    rows = []
    for g in keep:
        rec = frame.iloc[g].to_dict()
        row = {**ids, "generation": g}
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
    cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                           dashboard_address=None, silence_logs=logging.ERROR)
    return Client(cluster), cluster


def close_client(client, cluster) -> None:
    try:
        client.close()
    finally:
        if cluster is not None:
            cluster.close()


def run_sweep(scenario: Scenario, out, *, workers: int | None = None,
              scheduler: str | None = None, progress: bool = True, csv: bool = False,
              client=None, on_batch: Callable[[int], None] | None = None) -> SweepOutcome:
    """Run every missing (point, replicate) of ``scenario`` into the directory ``out``.

    ``client`` may be an existing ``dask.distributed.Client`` (it is left open);
    otherwise one is made from ``workers`` / ``scheduler`` and closed at the end.
    Raises :class:`~model.scenario.ScenarioError` (or its subclass ``SweepDirError``)
    for a scenario that cannot run or a directory holding another scenario.
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
    bar = None
    own_client = client is None
    cluster = None
    restore_term = _sigterm_interrupts()
    status = "failed"  # until proven otherwise: an exception leaves it so in the manifest
    try:
        if todo:
            if own_client:
                n_local = min(workers or os.cpu_count() or 1, len(todo))
                client, cluster = make_client(n_local, scheduler)
            bar = _progress_bar(len(runs), len(done), progress)
            failed, ran = _run_all(client, todo, scenario, recommenders, store, bar, on_batch)
        status = "complete"
    except KeyboardInterrupt:
        interrupted = True
        status = "interrupted"
    finally:
        if bar is not None:
            bar.close()
        if own_client and client is not None:
            try:
                close_client(client, cluster)
            except Exception:  # closing a cluster mid-interrupt may complain; results are safe
                pass
        manifest = store.close(status)
        restore_term()
    if csv and not interrupted:
        write_csv(out)
    return SweepOutcome(total=len(runs), already_done=len(done), ran=ran, failed=failed,
                        interrupted=interrupted, wall_time_s=time.perf_counter() - started,
                        manifest=manifest)


def _sigterm_interrupts() -> Callable[[], None]:
    """Make SIGTERM stop a sweep like Ctrl-C (results so far kept, manifest says so).

    Returns the function that restores the previous handler. Outside the main
    thread signals cannot be handled, and nothing changes.
    """
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        return lambda: None

    def interrupt(signum, frame):
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    return lambda: signal.signal(signal.SIGTERM, previous)


def _run_all(client, todo: list[Run], scenario: Scenario, recommenders: list[str],
             store: ResultStore, bar, on_batch) -> tuple[int, int]:
    from dask.distributed import as_completed

    client.run(warm_up)  # every worker compiles once, in parallel, before any timed run
    by_key = {}
    futures = []
    prefix = f"rewire-{scenario.fingerprint()[:10]}-{os.getpid()}-{time.time_ns()}"
    for run in todo:
        fut = client.submit(run_one, run.run_id, run.point, run.replicate, run.seed, run.params,
                            scenario.record, scenario.every, recommenders, pure=False,
                            key=f"{prefix}-{run.run_id}")
        by_key[fut.key] = run
        futures.append(fut)
    failed = ran = 0
    pending = as_completed(futures, with_results=True, raise_errors=False)
    del futures  # as_completed holds them; each is dropped once written
    try:
        for batch in pending.batches():
            results = []
            for fut, result in batch:
                if isinstance(result, BaseException) or fut.status == "error":
                    result = _lost_run(by_key[fut.key], result, scenario, recommenders)
                results.append(result)
                fut.release()
            store.commit(results)
            ran += len(results)
            failed += sum(r["row"]["status"] != "ok" for r in results)
            if bar is not None:
                left = bar.total - bar.n - len(results)
                bar.set_postfix_str(f"left={left} failed={failed}", refresh=False)
                bar.update(len(results))
            if on_batch is not None:
                on_batch(ran)
    except BaseException:
        pending.clear()
        raise
    return failed, ran


def _lost_run(run: Run, err, scenario: Scenario, recommenders: list[str]) -> dict[str, Any]:
    """A run whose task itself failed (a worker died, say): recorded as failed."""
    ids = {"run_id": run.run_id, "point": run.point, "replicate": run.replicate, "seed": run.seed}
    error = _one_line(err) if isinstance(err, BaseException) else "task failed"
    return {"row": _row(ids, run.params, "failed", error, None), "series": None}


def _progress_bar(total: int, initial: int, enabled: bool):
    from tqdm import tqdm

    return tqdm(total=total, initial=initial, unit="run", file=sys.stderr, disable=not enabled,
                dynamic_ncols=True, smoothing=0.1, desc="sweep",
                bar_format="{desc}: {percentage:3.0f}%|{bar}| {n_fmt}/{total_fmt} runs "
                           "[{elapsed} elapsed, ETA {remaining}, {rate_fmt}{postfix}]")
