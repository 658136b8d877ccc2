"""Batch sweeps: real Dask clusters, real subprocesses, real Parquet files.

A sweep must record every (point, replicate) exactly once, with the seed the
scenario derives for it, survive being killed at any moment, refuse to mix
scenarios, and record a failing run without stopping.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections import Counter
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from commands import LONG, ROOT, SMALL, env_with, model_cmd, write
from model.scenario import Run, load_scenario
from model.sweeps.runner import run_one, run_sweep
from model.sweeps.storage import (ResultStore, SweepDirError, read_manifest, read_runs,
                                  read_series, runs_schema, series_schema)

#: each test here waits on a cluster or on processes; the module's cluster starts
#: within the first test's time
pytestmark = pytest.mark.timeout(300)


@pytest.fixture(scope="module")
def client():
    """One real two-process LocalCluster shared by the tests of this module."""
    from dask.distributed import Client, LocalCluster
    import logging

    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                           dashboard_address=None, silence_logs=logging.ERROR)
    with Client(cluster) as c:
        yield c
    cluster.close()


def scenario_file(tmp_path: Path, text: str = SMALL, name: str = "small.toml") -> Path:
    return write(tmp_path / name, text)


def part_ids(out: Path) -> list[str]:
    """Run ids as stored on disk, across every runs file (duplicates would show here)."""
    ids = []
    for path in [out / "runs.parquet", *sorted((out / "runs").glob("part-*.parquet"))]:
        if path.exists():
            ids += pq.read_table(path, columns=["run_id"]).column("run_id").to_pylist()
    return ids


def test_a_sweep_on_a_local_cluster_records_every_run_once_with_its_seed(tmp_path, client):
    scenario = load_scenario(scenario_file(tmp_path))
    out = tmp_path / "out"
    outcome = run_sweep(scenario, out, client=client, progress=False)
    assert (outcome.total, outcome.ran, outcome.failed) == (12, 12, 0)

    runs = read_runs(out).to_pandas()
    expected = {r.run_id: r for r in scenario.runs()}
    assert sorted(runs["run_id"]) == sorted(expected)
    assert Counter(part_ids(out)) == Counter(list(expected))  # on disk too, exactly once
    for row in runs.itertuples():
        run = expected[row.run_id]
        assert (row.point, row.replicate, row.seed) == (run.point, run.replicate, run.seed)
        assert row.W == run.params["W"] and row.status == "ok"
    assert runs["steps"].max() <= 3000
    mixed = runs[runs["recommenders"] == "local=0.5,coop-random=0.5"]
    assert len(mixed) == 6 and (mixed["share:local"] + mixed["share:coop-random"]).round(9).eq(1).all()

    series = read_series(out).to_pandas()
    assert set(series["run_id"]) == set(expected)
    first = series.groupby("run_id")["generation"].min()
    assert (first == 0).all()
    assert (series["generation"] % 4 == 0).groupby(series["run_id"]).sum().ge(1).all()

    manifest = read_manifest(out)
    assert manifest["status"] == "complete"
    assert manifest["counts"] == {"runs": 12, "points": 4, "replicates": 3, "ok": 12,
                                  "failed": 0, "missing": 0}
    assert manifest["fingerprint"] == scenario.fingerprint()
    assert manifest["code_version"] and manifest["started"] and manifest["finished"]


def test_same_scenario_same_results(tmp_path, client):
    """Seeds are derived, not drawn: two sweeps of one scenario agree run by run."""
    text = SMALL.replace('record = "series"', 'record = "final"')
    scenario = load_scenario(scenario_file(tmp_path, text))
    a, b = tmp_path / "a", tmp_path / "b"
    run_sweep(scenario, a, client=client, progress=False)
    # the --scheduler path: connect to a running cluster by its address
    run_sweep(scenario, b, scheduler=client.scheduler.address, progress=False)
    cols = ["run_id", "seed", "cooperation", "rewires", "steps", "heterogeneity"]
    ra = read_runs(a).to_pandas()[cols].sort_values("run_id").reset_index(drop=True)
    rb = read_runs(b).to_pandas()[cols].sort_values("run_id").reset_index(drop=True)
    assert ra.equals(rb)
    assert read_series(a) is None  # final values only


def test_parquet_schema(tmp_path, client):
    scenario = load_scenario(scenario_file(tmp_path))
    out = tmp_path / "out"
    run_sweep(scenario, out, client=client, progress=False, csv=True)
    names = ["local", "coop-random"]
    runs_file = pq.read_schema(out / "runs.parquet")
    assert runs_file.remove_metadata().equals(runs_schema(names).remove_metadata())
    for col in ["run_id", "point", "replicate", "seed", "status", "error", "n", "W",
                "recommenders", "cooperation", "rewire_requests", "rewires_per_opportunity",
                "heterogeneity", "max_degree", "steps", "fixation_step", "share:local",
                "requests:coop-random", "rewires:local"]:
        assert col in runs_file.names
    series_file = pq.read_schema(out / "series.parquet")
    assert series_file.remove_metadata().equals(series_schema(names).remove_metadata())
    assert (out / "runs.csv").exists() and (out / "series.csv").exists()
    assert not list((out / "runs").glob("*.parquet"))  # compacted once complete


class _OneBadPoint:
    """A scenario whose point 1 has parameters the model rejects (as if written by hand)."""

    def __init__(self, scenario):
        self._s = scenario

    def __getattr__(self, name):
        return getattr(self._s, name)

    def runs(self):
        runs = self._s.runs()
        return [Run(r.point, r.replicate, r.seed, {**r.params, "n": 1}) if r.point == 1 else r
                for r in runs]


def test_a_run_that_raises_is_recorded_as_failed_and_the_sweep_goes_on(tmp_path, client):
    scenario = _OneBadPoint(load_scenario(scenario_file(tmp_path)))
    out = tmp_path / "out"
    outcome = run_sweep(scenario, out, client=client, progress=False)
    assert (outcome.ran, outcome.failed) == (12, 3)
    runs = read_runs(out).to_pandas()
    failed = runs[runs["status"] == "failed"]
    assert sorted(failed["point"]) == [1, 1, 1]
    # the cause and where it was raised, in one line
    assert failed["error"].str.match(r"ParameterError: n must be .* \(at model/parameters\.py:\d+\)$").all()
    assert (runs.loc[runs["status"] == "ok", "cooperation"].notna()).all()
    assert read_manifest(out)["counts"]["failed"] == 3
    by_id = runs.set_index("run_id")
    ok_before = by_id.loc[by_id["status"] == "ok", "wall_time_s"]
    # resuming retries the failed runs only, and each run stays recorded once
    again = run_sweep(scenario, out, client=client, progress=False)
    assert (again.ran, again.failed) == (3, 3)
    assert Counter(part_ids(out)) == Counter(r.run_id for r in scenario.runs())
    after = read_runs(out).to_pandas().set_index("run_id")
    assert after.loc[ok_before.index, "wall_time_s"].equals(ok_before)  # not rerun
    assert read_manifest(out)["counts"] == {"runs": 12, "points": 4, "replicates": 3,
                                            "ok": 9, "failed": 3, "missing": 0}


def test_run_one_turns_an_exception_into_a_failed_row():
    result = run_one("p00000-r0000", 0, 0, 1, {"n": 2, "recommenders": {"local": 1.0}},
                     "final", 1, ["local"])
    assert result["row"]["status"] == "failed"
    assert result["row"]["error"].startswith("ParameterError: ")
    assert "\n" not in result["row"]["error"]


def test_a_changed_scenario_is_refused(tmp_path, client):
    out = tmp_path / "out"
    run_sweep(load_scenario(scenario_file(tmp_path)), out, client=client, progress=False)
    changed = load_scenario(scenario_file(tmp_path, SMALL.replace("n = 60", "n = 61"), "b.toml"))
    with pytest.raises(SweepDirError, match="different scenario .*refusing to mix"):
        run_sweep(changed, out, client=client, progress=False)
    assert len(read_runs(out)) == 12


def test_only_one_sweep_writes_to_a_directory(tmp_path):
    scenario = load_scenario(scenario_file(tmp_path))
    first = ResultStore.open(tmp_path / "out", scenario)
    try:
        with pytest.raises(SweepDirError, match="another sweep is writing"):
            ResultStore.open(tmp_path / "out", scenario)
    finally:
        first.release()


def test_a_non_sweep_directory_is_refused(tmp_path):
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "thesis.tex").write_text("precious")
    with pytest.raises(SweepDirError, match="not empty and has no manifest"):
        ResultStore.open(tmp_path / "out", load_scenario(scenario_file(tmp_path)))


def test_debris_of_a_killed_writer_is_ignored_and_cleaned(tmp_path):
    """Temp files and a series part whose runs part never landed are not results."""
    scenario = load_scenario(scenario_file(tmp_path))
    out = tmp_path / "out"
    store = ResultStore.open(out, scenario)
    run = scenario.runs()[0]
    result = run_one(run.run_id, run.point, run.replicate, run.seed, run.params,
                     "series", 4, store.recommenders)
    store.commit([result])
    store.release()
    committed = next((out / "runs").glob("part-*.parquet"))
    (out / "series" / "part-orphan.parquet").write_bytes((out / "series" / committed.name).read_bytes())
    (out / "runs" / ".part-x.parquet.1234.tmp").write_bytes(b"half a file")
    assert set(read_series(out).column("run_id").to_pylist()) == {run.run_id}
    assert len(read_series(out)) == len(result["series"])  # the orphan is not read
    ResultStore.open(out, scenario).release()
    assert not (out / "series" / "part-orphan.parquet").exists()
    assert not list((out / "runs").glob(".*.tmp"))


def test_an_interrupted_compaction_shows_each_run_once(tmp_path):
    scenario = load_scenario(scenario_file(tmp_path))
    out = tmp_path / "out"
    store = ResultStore.open(out, scenario)
    results = [run_one(r.run_id, r.point, r.replicate, r.seed, r.params, "series", 4,
                       store.recommenders) for r in scenario.runs()[:3]]
    store.commit(results[:2])
    store.commit(results[2:])
    # as if killed after writing runs.parquet but before deleting the parts
    pq.write_table(read_runs(out), out / "runs.parquet")
    store.release()
    assert len(part_ids(out)) == 6  # each run is in two files now
    assert len(read_runs(out)) == 3
    assert sorted(read_runs(out).column("run_id").to_pylist()) == sorted(r["row"]["run_id"] for r in results)


@pytest.mark.timeout(720)  # two bounded waits of 300 s: a cold kernel cache compiles first
def test_resume_after_sigkill_finishes_with_every_run_exactly_once(tmp_path):
    scenario_path = scenario_file(tmp_path, LONG, "long.toml")
    out = tmp_path / "out"
    proc = subprocess.Popen(model_cmd("sweep", scenario_path, "--out", out, "--workers", "2", "--no-progress"),
                            cwd=ROOT, env=env_with(ROOT), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, start_new_session=True)
    try:
        deadline = time.time() + 300  # a cold numba cache compiles first
        while time.time() < deadline and not list((out / "runs").glob("part-*.parquet")):
            assert proc.poll() is None, proc.stderr.read().decode()
            time.sleep(0.05)
        before = set(part_ids(out))
        assert before, "no run finished before the deadline"
        assert len(before) < 32, "killed too late to test anything; make runs longer"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        try:  # the workers of the killed sweep are orphans now: end them too
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    assert proc.returncode == -signal.SIGKILL
    kept = read_runs(out).to_pandas().set_index("run_id")
    assert read_manifest(out)["status"] == "running"  # it never got to say otherwise

    done = subprocess.run(model_cmd("sweep", scenario_path, "--out", out, "--workers", "2", "--no-progress"),
                          cwd=ROOT, env=env_with(ROOT), capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    ids = part_ids(out)
    expected = [r.run_id for r in load_scenario(scenario_path).runs()]
    assert Counter(ids) == Counter(expected)
    after = read_runs(out).to_pandas().set_index("run_id")
    # what was recorded before the kill is untouched, not recomputed
    assert after.loc[sorted(before), "wall_time_s"].equals(kept.loc[sorted(before), "wall_time_s"])
    manifest = read_manifest(out)
    assert manifest["status"] == "complete" and len(manifest["resumed"]) == 1


def test_cli_errors_are_one_line_with_exit_code_2(tmp_path):
    bad = scenario_file(tmp_path, SMALL.replace("W = [0.5, 2]", "W = [-1]"), "bad.toml")
    res = subprocess.run(model_cmd("sweep", bad, "--out", tmp_path / "out"), cwd=ROOT, env=env_with(ROOT),
                         capture_output=True, text=True, timeout=120)
    assert res.returncode == 2
    assert res.stderr.strip() == f"rewire: error: {bad}: [grid] W: must be a number >= 0 or inf; got -1"
    nolimit = scenario_file(tmp_path, SMALL.replace("max_steps = 3000\n", ""), "nolimit.toml")
    res = subprocess.run(model_cmd("sweep", nolimit, "--out", tmp_path / "out2"), cwd=ROOT, env=env_with(ROOT),
                         capture_output=True, text=True, timeout=120)
    assert res.returncode == 2 and "max_steps: a sweep needs a time limit" in res.stderr
    assert res.stderr.count("\n") == 1


def test_plot_draws_png_and_svg(tmp_path, client):
    scenario = load_scenario(scenario_file(tmp_path))
    out = tmp_path / "out"
    run_sweep(scenario, out, client=client, progress=False)
    res = subprocess.run(model_cmd("plot", out), cwd=ROOT, env=env_with(ROOT),
                         capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    figures = out / "figures"
    for name in ("small.png", "small.svg", "summary.csv", "summary.md"):
        assert (figures / name).stat().st_size > 0
    assert "| W | recommenders | runs | cooperation" in (figures / "summary.md").read_text()


@pytest.mark.parametrize("plot", ['kind = "hist"', 'kind = "lines"',
                                  'kind = "shares"\nx = "W"\npanels = "recommenders"'],
                         ids=["hist", "lines", "shares"])
def test_plot_kinds_draw_mixes_whose_entries_have_settings(tmp_path, client, plot):
    """A labelled entry with a policy and settings (a bandit, a learned file) counts by
    its share in legends, as a plain share does."""
    from model.sweeps.plots import plot_sweep

    text = (SMALL.replace('{ local = 0.5, "coop-random" = 0.5 }',
                          '{ local = 0.5, fast = { share = 0.5, policy = "coop-random" } }')
            .replace("replicates = 3", "replicates = 1") + f"[plot]\n{plot}\n")
    scenario = load_scenario(scenario_file(tmp_path, text))
    out = tmp_path / "out"
    run_sweep(scenario, out, client=client, progress=False)
    assert (out / "figures" / "small.png") in plot_sweep(out)


def test_a_heatmap_gives_each_grid_value_one_cell_inf_and_mixes_included(tmp_path, client):
    """Unevenly spaced values, inf and recommender mixes each get a labelled cell."""
    import matplotlib

    matplotlib.use("Agg")
    from model.sweeps.plots import _heatmap, plot_sweep

    text = (SMALL.replace("W = [0.5, 2]", "W = [0.5, 1, 4, inf]")
            .replace("replicates = 3", "replicates = 1")
            + '[plot]\nkind = "heatmap"\nx = "W"\ny = "recommenders"\n')
    scenario = load_scenario(scenario_file(tmp_path, text))
    out = tmp_path / "out"
    run_sweep(scenario, out, client=client, progress=False)
    assert (out / "figures" / "small.png") in plot_sweep(out)
    ok = read_runs(out).to_pandas()
    labels = scenario.point_labels()
    ok["grid:W"] = ok["point"].map(lambda p: labels[p]["W"])
    ok["grid:recommenders"] = ok["point"].map(lambda p: str(sorted(labels[p]["recommenders"])))
    ax = _heatmap(ok, scenario, dict(scenario.plot)).axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["0.5", "1", "4", "∞"]
    assert len(ax.get_yticklabels()) == 2
    assert ax.images[0].get_array().shape == (2, 4)


@pytest.mark.timeout(720)
def test_sigterm_stops_a_sweep_cleanly_and_it_resumes(tmp_path):
    scenario_path = scenario_file(tmp_path, LONG, "long.toml")
    out = tmp_path / "out"
    proc = subprocess.Popen(model_cmd("sweep", scenario_path, "--out", out, "--workers", "2", "--no-progress"),
                            cwd=ROOT, env=env_with(ROOT), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        deadline = time.time() + 300  # a cold numba cache compiles first
        while time.time() < deadline and not list((out / "runs").glob("part-*.parquet")):
            assert proc.poll() is None, proc.stderr.read()
            time.sleep(0.05)
        os.kill(proc.pid, signal.SIGTERM)
        _, err = proc.communicate(timeout=60)
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    assert proc.returncode == 130, err
    assert "run the same command again to finish" in err
    manifest = read_manifest(out)
    assert manifest["status"] == "interrupted"
    assert 0 < manifest["counts"]["ok"] < 32
    done = subprocess.run(model_cmd("sweep", scenario_path, "--out", out, "--no-progress"), cwd=ROOT, env=env_with(ROOT),
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert Counter(part_ids(out)) == Counter(r.run_id for r in load_scenario(scenario_path).runs())


@pytest.mark.timeout(420)
def test_ctrl_c_prints_one_line_and_no_worker_traceback(tmp_path):
    """Ctrl-C in a terminal signals the whole process group: the sweep and its workers."""
    scenario_path = scenario_file(tmp_path, LONG, "long.toml")
    out = tmp_path / "out"
    # as a terminal's foreground job: Ctrl-C at its default, even if this test runs in a
    # background job (which a shell starts with SIGINT ignored, and children inherit that)
    proc = subprocess.Popen(model_cmd("sweep", scenario_path, "--out", out, "--workers", "2", "--no-progress"),
                            cwd=ROOT, env=env_with(ROOT), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        deadline = time.time() + 300  # a cold numba cache compiles first
        while time.time() < deadline and not list((out / "runs").glob("part-*.parquet")):
            assert proc.poll() is None, proc.stderr.read()
            time.sleep(0.05)
        os.killpg(proc.pid, signal.SIGINT)
        _, err = proc.communicate(timeout=60)
        time.sleep(2)  # a worker that took the signal would print by now
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    assert proc.returncode == 130, err
    assert err.count("\n") == 1, err
    assert err.startswith("interrupted: ") and "run the same command again to finish" in err
    assert read_manifest(out)["status"] == "interrupted"
