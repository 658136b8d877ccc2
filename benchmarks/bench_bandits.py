"""Cost of a bandit recommender over the fixed rule it plays:
``python benchmarks/bench_bandits.py [--quick] [--repeats R]``.

A bandit whose only arm is a rule runs exactly that rule's simulation (the same
kernel stream, the same graph) and adds what learning costs: the run loop ending a
window every ``window`` requests (scoring it, the learner's update and choice, a log
row) and the engine reading the log. Target:
at most 10 % over the fixed rule at the default window (100 requests). Also shown:
a window of 10 (ten times the stops) and the welfare reward (O(users) a window),
and an eleven-arm bandit against the mean of its arms' fixed runs.

Times are CPU times of this process (``time.process_time``) at N=1000, k=30,
beta=0.005, W=1, no fixation stop; each figure is repeated, alternating fixed and
bandit, and reported as median with min-max spread (the machine may be shared).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

BASE = dict(n=1000, k=30, beta=0.005, W=1.0, stop_on_fixation=False, rng=1)


def seconds(recommenders: dict, updates: int) -> float:
    from model.engine import Engine

    e = Engine(**BASE, recommenders=recommenders)
    start = time.process_time()
    e.advance(updates)
    return time.process_time() - start


def bandit(arms: str, **settings) -> dict:
    return {"b": {"share": 1.0, "policy": "bandit-ucb", "arms": arms, **settings}}


def compare(label: str, fixed: dict, learning: dict, updates: int, repeats: int) -> None:
    f, b = [], []
    for _ in range(repeats):  # alternate, so drifting load hits both alike
        f.append(seconds(fixed, updates))
        b.append(seconds(learning, updates))
    ratios = [y / x - 1 for x, y in zip(f, b)]
    med = statistics.median(ratios)
    print(f"  {label:<44} fixed {statistics.median(f):6.3f} s  bandit "
          f"{statistics.median(b):6.3f} s  overhead {100 * med:+5.1f} % "
          f"(spread {100 * min(ratios):+.1f} .. {100 * max(ratios):+.1f} %)"
          f"{'' if med <= 0.10 else '  ABOVE 10 %'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer updates")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    updates = 200_000 if args.quick else 1_000_000
    seconds({"local": 1.0}, 1000)  # compile or load the kernel before timing
    print(f"bandit overhead over the rule it plays, N=1000 k=30 W=1, {updates:,} updates, "
          f"{args.repeats} repeats (median, spread)")
    for rule in ("local", "any-random", "coop-high"):
        compare(f"{rule}, window=100, engagement", {rule: 1.0}, bandit(rule), updates,
                args.repeats)
    for window in (10, 1000, 5000):
        compare(f"any-random, window={window}, engagement", {"any-random": 1.0},
                bandit("any-random", window=window), updates, args.repeats)
    for window in (100, 1000):
        compare(f"any-random, window={window}, welfare", {"any-random": 1.0},
                bandit("any-random", reward="welfare", window=window), updates, args.repeats)
    learner_cost(args.repeats)


def learner_cost(repeats: int) -> None:
    """What one round of each learner costs called from Python (choose + update, 11
    arms): mostly the two calls into compiled code; in the run loop it is a fraction."""
    import numpy as np

    from model.learning.bandits import ALGORITHMS, make_bandit

    print("learner cost per window (choose + update, 11 arms; median of "
          f"{repeats} x 2000 rounds)")
    for name in ALGORITHMS:
        times = []
        for _ in range(repeats):
            b = make_bandit(name, 11, np.random.default_rng(0))
            start = time.process_time()
            for _ in range(2000):
                b.update(b.choose(), 0.5)
            times.append((time.process_time() - start) / 2000)
        print(f"  {name:<9} {1e6 * statistics.median(times):6.1f} us "
              f"(spread {1e6 * min(times):.1f} .. {1e6 * max(times):.1f})")


if __name__ == "__main__":
    main()
