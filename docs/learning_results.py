"""The numbers of docs/LEARNING.md, "Results": ``python docs/learning_results.py [--seeds 200]``.

For each size with shipped policies (policies/), every fixed recommender and every
learned one runs alone on the same fresh seeds (10,000 + i, never used in training,
whose episode seeds are hashes of (seed, run, update, episode)) in the paper's Table 4
setting; printed: mean final cooperation and mean rewire requests, each with its 95 %
interval, as Markdown tables.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

HEURISTICS = ["coop-low", "coop-random", "coop-high", "any-low", "any-random", "any-high",
              "defect-low", "defect-random", "defect-high", "local", "fair"]


def main() -> None:
    from model.learned_policies import SHIPPED, SHIPPED_DIR
    from model.train import CONFIGS, evaluate

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=200)
    parser.add_argument("--sizes", default="10,30,100,1000")
    args = parser.parse_args()
    for n in [int(s) for s in args.sizes.split(",")]:
        learned = [f"learned-{short}" for short, file in SHIPPED.items()
                   if short.endswith(f"-n{n}") and (SHIPPED_DIR / file).is_file()]
        if not learned:
            continue
        cfg = CONFIGS[f"n{n}"]
        print(f"\nN = {n} (k = {cfg['k']}, beta = {cfg['beta']}, time limit {cfg['steps']:,}, "
              f"W = 1), {args.seeds} seeds\n")
        print("| recommender | final cooperation | rewire requests |")
        print("|---|---|---|")
        for rec in learned + HEURISTICS:
            t = time.process_time()
            r = evaluate(rec, cfg, range(args.seeds))
            (c, cc), (q, qc) = r["coops"], r["rewires"]
            print(f"| {rec} | {c:.3f} ± {cc:.3f} | {q:.1f} ± {qc:.1f} |", flush=True)
            print(f"  ({time.process_time() - t:.1f} s)", file=sys.stderr)


if __name__ == "__main__":
    main()
