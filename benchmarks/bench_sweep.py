"""Parallel efficiency of sweeps: the same 40-run sweep on 1 worker, then on 2.

    python benchmarks/bench_sweep.py [--runs 40] [--n 1000] [--steps 5000000]

Each timing is the whole ``run_sweep`` call as a user sees it: starting the local
Dask cluster, running, writing and compacting the Parquet results. Runs have
fixed length (no fixation stop) so both timings do the same work. The target on a
2-core machine is a ratio (2 workers / 1 worker) of at most 0.6, which needs the
machine otherwise idle: "inside runs" doubling from 1 to 2 workers means the two
workers did not get a core each.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from model.scenario import parse_scenario  # noqa: E402
from model.sweeps.runner import run_sweep  # noqa: E402
from model.sweeps.storage import load_runs  # noqa: E402

SCENARIO = """
[scenario]
name = "bench"
[model]
n = {n}
k = 30
W = 1
stop_on_fixation = false
max_steps = {steps}
[grid]
recommenders = [ {{ local = 1.0 }}, {{ "coop-random" = 1.0 }} ]
[run]
replicates = {reps}
seed = 1
"""


def timed_sweep(scenario, workers: int) -> tuple[float, float]:
    """Wall time of the sweep, and the summed wall time of its runs (on the workers)."""
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        outcome = run_sweep(scenario, Path(tmp) / "out", workers=workers, progress=False)
        elapsed = time.perf_counter() - start
        assert outcome.ran == outcome.total and outcome.failed == 0, outcome
        busy = float(load_runs(Path(tmp) / "out")["wall_time_s"].sum())
    return elapsed, busy


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=40, help="runs in the sweep (even)")
    parser.add_argument("--n", type=int, default=1000, help="users per run")
    parser.add_argument("--steps", type=int, default=5_000_000, help="elementary updates per run")
    args = parser.parse_args()
    scenario = parse_scenario(SCENARIO.format(n=args.n, steps=args.steps, reps=args.runs // 2))
    # warm the numba cache so neither timing pays for compilation
    timed_sweep(parse_scenario(SCENARIO.format(n=50, steps=100, reps=1)), 1)
    load_before = os.getloadavg()[0]
    (one, busy1), (two, busy2) = timed_sweep(scenario, 1), timed_sweep(scenario, 2)
    print(f"sweep of {len(scenario.runs())} runs (n={args.n}, {args.steps} updates each) "
          f"on {os.cpu_count()} cores; load average {load_before:.1f} before, "
          f"{os.getloadavg()[0]:.1f} after (other work competes for the cores if > 0.5)")
    print(f"1 worker : {one:7.2f} s wall ({busy1:7.2f} s inside runs)")
    print(f"2 workers: {two:7.2f} s wall ({busy2:7.2f} s inside runs)")
    print(f"ratio    : {two / one:7.3f}  (target <= 0.6)")


if __name__ == "__main__":
    main()
