"""Speed and size of the engine: ``python benchmarks/bench_core.py [--quick]``.

Prints, on one core:

1. kernel throughput (elementary updates per second) at N=1000, k=30, beta=0.005,
   W=1 with no fixation stop, for ``local``, ``any-random`` and every degree-ranked
   heuristic (with its ratio to ``any-random``);
2. building N=1,000,000, k=30 and running 10^7 updates: wall time and peak memory
   (in a fresh process, so its peak is its own);
3. the Mesa layer's cost: ``RewireModel.step()`` at N=1000 against the bare kernel
   doing the same updates;
4. compile cost: the first ``python -m model run`` with an empty kernel cache (as on
   a fresh clone), and the same with the cache warm.
5. creators (``--section 5``, or ``--creators`` with the rest, or ``--only-creators``):
   throughput with ``creator_share = 0`` against a reference revision's (``--reference``,
   default ``main``: its files are extracted with ``git archive`` and its kernels compiled
   once into a cache beside them), and with ``creator_share = 0.1`` (100 creators,
   10 follows each) against the same reference, at N = 1000, k = 30. The two trees run
   in two worker processes, measured in turn (interleaved), and each figure is the
   median of the rounds: the targets are within 5 % and at least 0.7 x.

Throughputs are CPU times of the measuring process (``time.process_time``), so other
work on the machine disturbs them little. ``--section 4`` runs only the fourth (and
so on; repeat the option for several).
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

POLICIES = ["local", "any-random", "coop-high", "coop-low", "any-high", "any-low",
            "defect-high", "defect-low"]


def throughput(policy: str, updates: int, seed: int = 1) -> float:
    from model.engine import Engine

    e = Engine(n=1000, k=30, beta=0.005, W=1.0, recommenders={policy: 1.0},
               stop_on_fixation=False, rng=seed)
    e.advance(1000)  # compiled already (cache); this touches the memory
    start = time.process_time()
    e.advance(updates)
    return updates / (time.process_time() - start)


def kernel_section(updates: int) -> None:
    print(f"1. kernel throughput, N=1000 k=30 beta=0.005 W=1, {updates:,} updates, one core")
    rates = {p: throughput(p, updates) for p in POLICIES}
    base = rates["any-random"]
    for p, r in rates.items():
        print(f"   {p:12s} {r / 1e6:6.2f} M updates/s   ({r / base:4.2f} x any-random)")


BIG = """
import resource, sys, time
sys.path.insert(0, {root!r})
t = time.perf_counter()
from model import RewireModel
m = RewireModel(n=1_000_000, k=30, rng=1, stop_on_fixation=False, max_steps={updates})
built = time.perf_counter() - t
t = time.perf_counter()
m.engine.advance({updates})
ran = time.perf_counter() - t
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(f"{{built:.1f}} {{ran:.1f}} {{peak:.0f}}")
"""


def big_section(updates: int) -> None:
    out = subprocess.run([sys.executable, "-c", BIG.format(root=str(ROOT), updates=updates)],
                         capture_output=True, text=True, check=True).stdout.split()
    built, ran, peak = map(float, out)
    print(f"2. N=1,000,000 k=30: built in {built:.1f} s, {updates:,} updates in {ran:.1f} s, "
          f"peak memory {peak:,.0f} MB")


def mesa_section(generations: int, rounds: int = 5) -> None:
    from model import RewireModel
    from model.engine import Engine

    kw = dict(n=1000, k=30, rng=5, stop_on_fixation=False)
    model, engine = RewireModel(**kw), Engine(**kw)
    mesa, bare = [], []
    for _ in range(rounds):  # interleaved, best of each: robust to a busy machine
        start = time.process_time()
        for _ in range(generations):
            model.step()
        mesa.append(time.process_time() - start)
        start = time.process_time()
        for _ in range(generations):
            engine.advance(1000)
        bare.append(time.process_time() - start)
    m, b = min(mesa), min(bare)
    print(f"3. RewireModel.step() at N=1000: {m / generations * 1e6:.0f} us per generation, "
          f"bare kernel {b / generations * 1e6:.0f} us: the Mesa layer adds "
          f"{100 * (m / b - 1):+.0f} %")


#: What a user runs first: its time to the printed result is the figure that matters.
FIRST_RUN = ["-m", "model", "run", "--n", "100", "--k", "4", "--steps", "1000", "--json"]


def first_run(env: dict) -> tuple[float, float]:
    """Wall and CPU seconds of one ``python -m model run`` in a fresh process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run([sys.executable, *FIRST_RUN], cwd=ROOT, env=env, capture_output=True,
                   check=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def compile_section() -> None:
    """A fresh clone has no compiled kernels: an empty kernel cache is its first run."""
    with tempfile.TemporaryDirectory() as cache:
        env = dict(os.environ, REWIRE_KERNEL_CACHE=cache, NUMBA_CACHE_DIR=cache)
        (cold, cold_cpu), (warm, warm_cpu) = first_run(env), first_run(env)
    load = os.getloadavg()[0]
    print(f"4. first `python -m model run` (n=100, 1000 updates): {cold:.1f} s "
          f"({cold_cpu:.1f} s CPU) with an empty kernel cache, {warm:.1f} s "
          f"({warm_cpu:.1f} s CPU) with it warm; load average {load:.1f} on "
          f"{os.cpu_count()} cores (wall times mean little when it is high)")


WORKER = """
import sys, time
sys.path.insert(0, {root!r})
from model.engine import Engine
for line in sys.stdin:
    policy, share, updates = line.split()
    kw = dict(creator_share=float(share)) if float(share) else dict()
    e = Engine(n=1000, k=30, beta=0.005, W=1.0, recommenders={{policy: 1.0}},
               stop_on_fixation=False, rng=1, **kw)
    e.advance(1000)
    start = time.process_time()
    e.advance(int(updates))
    print(int(updates) / (time.process_time() - start), flush=True)
"""


def reference_tree(ref: str) -> Path:
    """The files of revision ``ref`` of this repository, extracted once (and kept, with
    their compiled kernels, for the next run)."""
    sha = subprocess.run(["git", "rev-parse", ref], cwd=ROOT, capture_output=True, text=True,
                         check=True).stdout.strip()
    tree = Path(tempfile.gettempdir()) / f"rewire-bench-{sha[:12]}"
    if not (tree / "model").is_dir():
        tree.mkdir(parents=True, exist_ok=True)
        archive = subprocess.run(["git", "archive", sha], cwd=ROOT, capture_output=True,
                                 check=True).stdout
        subprocess.run(["tar", "-x", "-C", str(tree)], input=archive, check=True)
    return tree


def creators_section(updates: int, rounds: int, ref: str) -> None:
    import statistics

    def worker(root: Path) -> subprocess.Popen:
        return subprocess.Popen([sys.executable, "-c", WORKER.format(root=str(root))],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)

    def measure(proc, policy, share) -> float:
        proc.stdin.write(f"{policy} {share} {updates}\n")
        proc.stdin.flush()
        return float(proc.stdout.readline())

    base, here = worker(reference_tree(ref)), worker(ROOT)
    print(f"5. creators, N=1000 k=30 W=1, {updates:,} updates, median of {rounds} "
          f"interleaved rounds, against {ref}")
    try:
        for policy in ("local", "any-random"):
            rates = {"ref": [], "0": [], "0.1": []}
            for _ in range(rounds):
                rates["ref"].append(measure(base, policy, 0))
                rates["0"].append(measure(here, policy, 0))
                rates["0.1"].append(measure(here, policy, 0.1))
            ref_rate, off, on = (statistics.median(rates[k]) for k in ("ref", "0", "0.1"))
            print(f"   {policy:10s} {ref}: {ref_rate / 1e6:5.2f} M/s   creator_share=0: "
                  f"{off / 1e6:5.2f} M/s ({off / ref_rate:4.2f} x)   creator_share=0.1: "
                  f"{on / 1e6:5.2f} M/s ({on / ref_rate:4.2f} x)")
    finally:
        for proc in (base, here):
            proc.stdin.close()
            proc.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes, for a smoke test")
    parser.add_argument("--section", type=int, action="append", choices=[1, 2, 3, 4, 5],
                        help="run only this section (repeatable; default: 1-4)")
    parser.add_argument("--creators", action="store_true", help="also measure section 5")
    parser.add_argument("--only-creators", action="store_true", help="measure section 5 only")
    parser.add_argument("--reference", default="main",
                        help="the revision section 5 compares with (default: main)")
    parser.add_argument("--rounds", type=int, default=7, help="rounds of section 5")
    args = parser.parse_args()
    sections = set(args.section or [1, 2, 3, 4])
    if args.creators:
        sections.add(5)
    if args.only_creators:
        sections = {5}
    if 1 in sections:
        kernel_section(10**6 if args.quick else 10**7)
    if 2 in sections:
        big_section(10**6 if args.quick else 10**7)
    if 3 in sections:
        mesa_section(50 if args.quick else 200)
    if 4 in sections:
        compile_section()
    if 5 in sections:
        creators_section(10**6 if args.quick else 4 * 10**6, args.rounds, args.reference)


if __name__ == "__main__":
    main()
