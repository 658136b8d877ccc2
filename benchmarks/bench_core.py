"""Speed and size of the engine: ``python benchmarks/bench_core.py [--quick]``.

Prints, on one core:

1. kernel throughput (elementary updates per second) at N=1000, k=30, beta=0.005,
   W=1 with no fixation stop, for ``local``, ``any-random`` and every degree-ranked
   heuristic (with its ratio to ``any-random``);
2. building N=1,000,000, k=30 and running 10^7 updates: wall time and peak memory
   (in a fresh process, so its peak is its own);

Times are CPU times of the measuring process (``time.process_time``), so other
work on the machine disturbs them little.
3. the Mesa layer's cost: ``RewireModel.step()`` at N=1000 against the bare kernel
   doing the same updates;
4. compile cost: the first import-and-run in a process with an empty numba cache,
   and the same with the cache warm.
"""

from __future__ import annotations

import argparse
import os
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


FIRST = """
import sys, time
sys.path.insert(0, {root!r})
t, cpu = time.perf_counter(), time.process_time()
from model import RewireModel
RewireModel(n=100, k=4, rng=1, max_steps=1000).run()
print(f"{{time.perf_counter() - t:.1f}} {{time.process_time() - cpu:.1f}}")
"""


def compile_section() -> None:
    with tempfile.TemporaryDirectory() as cache:
        env = dict(os.environ, REWIRE_KERNEL_CACHE=cache)
        times = [subprocess.run([sys.executable, "-c", FIRST.format(root=str(ROOT))],
                                env=env, capture_output=True, text=True,
                                check=True).stdout.split() for _ in range(2)]
    (cold, cold_cpu), (warm, warm_cpu) = [map(float, pair) for pair in times]
    print(f"4. first import and run: {cold:.1f} s ({cold_cpu:.1f} s CPU) with an empty kernel "
          f"cache, {warm:.1f} s ({warm_cpu:.1f} s CPU) with it warm")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes, for a smoke test")
    args = parser.parse_args()
    kernel_section(10**6 if args.quick else 10**7)
    big_section(10**6 if args.quick else 10**7)
    mesa_section(50 if args.quick else 200)
    compile_section()


if __name__ == "__main__":
    main()
