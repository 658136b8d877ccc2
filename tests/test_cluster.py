"""Sweeps on a real Dask cluster: `dask scheduler` and `dask worker` in their own processes.

Everything runs on the loopback interface on free ports, as docs/SWEEPS.md says to
run it on machines of a cluster. Scheduler and workers get this checkout on
``PYTHONPATH``, which is what ``pip install -e .`` gives them; a scheduler that must
not import ``model`` at all gets a ``sitecustomize`` that refuses it. Every wait is
bounded and every process is killed at the end, whatever happened.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from commands import LONG, ROOT, SMALL, env_with, rewire_cmd, write
from model.scenario import load_scenario
from model.sweeps.storage import FINAL_METRICS, read_manifest, read_runs

#: a cluster's processes start in seconds; the first import may compile the kernels
START_TIMEOUT = 240

pytestmark = pytest.mark.timeout(600)

#: makes ``import model`` fail in every Python process that has it on its path
NO_MODEL = '''
import sys

class _NoModel:
    """This machine has not installed the package."""
    def find_spec(self, name, path=None, target=None):
        if name == "model" or name.startswith("model."):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None

sys.meta_path.insert(0, _NoModel())
'''


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def dask_cmd(*args: str) -> list[str]:
    """``dask ...`` (the documented command), run by this interpreter."""
    return [sys.executable, "-m", "dask", *args]


class Cluster:
    """Processes started for one test, each in its own session; all killed at the end."""

    def __init__(self, tmp: Path):
        self.tmp = tmp
        self.procs: list[subprocess.Popen] = []
        self.port = free_port()
        self.address = f"tcp://127.0.0.1:{self.port}"

    def start(self, cmd: list[str], env: dict, name: str) -> subprocess.Popen:
        log = open(self.tmp / f"{name}.log", "ab")
        proc = subprocess.Popen(cmd, env=env, cwd=self.tmp, stdout=log,
                                stderr=subprocess.STDOUT, start_new_session=True)
        log.close()
        self.procs.append(proc)
        return proc

    def scheduler(self, env: dict) -> subprocess.Popen:
        proc = self.start(dask_cmd("scheduler", "--host", "127.0.0.1", "--port", str(self.port),
                                   "--no-dashboard"), env, "scheduler")
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            assert proc.poll() is None, self.log("scheduler")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return proc
            except OSError:
                time.sleep(0.2)
        raise AssertionError(f"no scheduler on {self.address} after {START_TIMEOUT} s")

    def workers(self, n: int, env: dict, name: str = "workers") -> subprocess.Popen:
        """``dask worker ADDRESS --nthreads 1 --nworkers n``; returns once they joined."""
        proc = self.start(dask_cmd("worker", self.address, "--nthreads", "1", "--nworkers",
                                   str(n), "--host", "127.0.0.1", "--no-dashboard"), env, name)
        self.wait_for_workers(n, proc, name)
        return proc

    def wait_for_workers(self, n: int, proc: subprocess.Popen, name: str) -> None:
        from dask.distributed import Client

        with Client(self.address, timeout=30, set_as_default=False) as client:
            deadline = time.monotonic() + START_TIMEOUT
            while len(client.scheduler_info(n_workers=-1)["workers"]) != n:
                assert proc.poll() is None, self.log(name)
                assert time.monotonic() < deadline, f"{n} workers did not join: {self.log(name)}"
                time.sleep(0.2)

    def log(self, name: str) -> str:
        return (self.tmp / f"{name}.log").read_text(errors="replace")[-3000:]

    def stop(self, proc: subprocess.Popen, sig=signal.SIGTERM) -> None:
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=20)

    def close(self) -> None:
        for proc in reversed(self.procs):
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.wait(timeout=20)


@pytest.fixture
def cluster(tmp_path):
    c = Cluster(tmp_path)
    try:
        yield c
    finally:
        c.close()


def sweep(scenario: Path, out: Path, *extra: str, timeout: float = 300):
    return subprocess.run(rewire_cmd("sweep", str(scenario), "--out", str(out), "--no-progress",
                                     *extra),
                          cwd=scenario.parent, env=env_with(ROOT), capture_output=True,
                          text=True, timeout=timeout)


def results(out: Path):
    cols = ["run_id", "point", "replicate", "seed", "status", *FINAL_METRICS]
    return read_runs(out).to_pandas()[cols].sort_values("run_id").reset_index(drop=True)


def test_a_sweep_on_a_dask_scheduler_and_workers_equals_the_local_one_run_for_run(
        tmp_path, cluster):
    """The commands of docs/SWEEPS.md, word for word, on one machine."""
    scenario = write(tmp_path / "cluster.toml", SMALL)
    cluster.scheduler(env_with(ROOT))
    cluster.workers(2, env_with(ROOT))
    remote = sweep(scenario, tmp_path / "remote", "--scheduler", cluster.address)
    assert remote.returncode == 0, remote.stderr
    local = sweep(scenario, tmp_path / "local", "--workers", "2")
    assert local.returncode == 0, local.stderr
    a, b = results(tmp_path / "remote"), results(tmp_path / "local")
    assert len(a) == 12 and (a["status"] == "ok").all()
    assert a.equals(b)
    assert read_manifest(tmp_path / "remote")["workers"] == cluster.address


def test_workers_that_cannot_import_the_package_stop_the_sweep_and_a_fixed_cluster_resumes(
        tmp_path, cluster):
    """The scheduler never imports ``model``; workers that cannot give one line, exit 2,
    and nothing recorded; once they can, the same command runs everything."""
    scenario = write(tmp_path / "cluster.toml", SMALL)
    no_model = tmp_path / "no-model"
    no_model.mkdir()
    (no_model / "sitecustomize.py").write_text(NO_MODEL)
    cluster.scheduler(env_with(no_model))  # for the whole test: it never needs model
    broken = cluster.workers(2, env_with(no_model), "broken-workers")
    out = tmp_path / "out"

    first = sweep(scenario, out, "--scheduler", cluster.address)
    assert first.returncode == 2, first.stderr
    assert first.stderr.count("\n") == 1 and "Traceback" not in first.stderr
    assert first.stderr.startswith("rewire: error: every run of the first batch")
    assert "ModuleNotFoundError: No module named 'model' (at " in first.stderr
    assert read_runs(out) is None  # nothing recorded as done
    manifest = read_manifest(out)
    assert manifest["status"] == "stopped" and manifest["counts"]["missing"] == 12

    cluster.stop(broken)
    cluster.workers(2, env_with(ROOT), "fixed-workers")
    second = sweep(scenario, out, "--scheduler", cluster.address)
    assert second.returncode == 0, second.stderr
    runs = results(out)
    assert Counter(runs["run_id"]) == Counter(r.run_id for r in load_scenario(scenario).runs())
    assert (runs["status"] == "ok").all()
    assert read_manifest(out)["status"] == "complete"


def test_a_sweep_with_no_worker_stops_after_the_stall_timeout(tmp_path, cluster):
    scenario = write(tmp_path / "cluster.toml", SMALL)
    cluster.scheduler(env_with(ROOT))
    started = time.monotonic()
    res = sweep(scenario, tmp_path / "out", "--scheduler", cluster.address,
                "--stall-timeout", "5", timeout=120)
    assert res.returncode == 3, res.stderr
    assert res.stderr.count("\n") == 1, res.stderr
    assert res.stderr.startswith("rewire: error: no progress for 5 s: 12 runs waiting and no "
                                 "worker running any (0 workers connected); 0 of 12 runs "
                                 "recorded in ")
    assert time.monotonic() - started < 90
    assert read_manifest(tmp_path / "out")["status"] == "stopped"


def test_losing_the_scheduler_mid_sweep_stops_it_and_the_same_command_finishes_later(
        tmp_path, cluster):
    scenario = write(tmp_path / "long.toml", LONG)
    out = tmp_path / "out"
    scheduler = cluster.scheduler(env_with(ROOT))
    workers = cluster.workers(2, env_with(ROOT))
    proc = subprocess.Popen(rewire_cmd("sweep", str(scenario), "--out", str(out), "--no-progress",
                                       "--scheduler", cluster.address),
                            cwd=tmp_path, env=env_with(ROOT), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline and not list((out / "runs").glob("part-*.parquet")):
            assert proc.poll() is None, proc.stderr.read()
            time.sleep(0.05)
        cluster.stop(scheduler, signal.SIGKILL)
        _, err = proc.communicate(timeout=120)
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    assert proc.returncode == 3, err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    assert err.startswith(f"rewire: error: lost the connection to the scheduler {cluster.address}")
    assert err.rstrip().endswith("run the same command again to finish")
    kept = read_runs(out).to_pandas()
    assert 0 < len(kept) < 32 and (kept["status"] == "ok").all()  # nothing lost is recorded
    assert read_manifest(out)["status"] == "stopped"

    cluster.stop(workers)  # workers whose scheduler died close; start the cluster again
    cluster.scheduler(env_with(ROOT))
    cluster.workers(2, env_with(ROOT), "workers-again")
    done = sweep(scenario, out, "--scheduler", cluster.address)
    assert done.returncode == 0, done.stderr
    runs = read_runs(out).to_pandas()
    assert Counter(runs["run_id"]) == Counter(r.run_id for r in load_scenario(scenario).runs())
    kept_again = runs.set_index("run_id").loc[kept["run_id"], "wall_time_s"]
    assert kept_again.equals(kept.set_index("run_id")["wall_time_s"])  # not rerun
