"""The numbers of docs/LEARNING.md, "Results": ``python docs/learning_results.py [--seeds 200]``.

For each size with shipped policies (policies/), every fixed recommender and every
learned one runs alone on the same fresh seeds (10,000 + i, never used in training,
whose episode seeds are hashes of (seed, run, update, episode)) in the paper's Table 4
setting; printed: mean final cooperation and mean rewire requests, each with its 95 %
interval, as Markdown tables; then, for each learned recommender, its difference from
the best heuristic for its reward (cooperation for `aligned`, requests for
`engagement`), paired by seed (both start from the same graph), with a 95 % interval.
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
    from model.train import CONFIGS, _mean_ci, evaluate_runs

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=200)
    parser.add_argument("--sizes", default="10,30,100,1000")
    parser.add_argument("--learned", help="comma-separated learned recommenders to run "
                        "(default: the shipped ones trained at each size)")
    parser.add_argument("--no-heuristics", action="store_true")
    args = parser.parse_args()
    for n in [int(s) for s in args.sizes.split(",")]:
        learned = ([name for name in args.learned.split(",") if name] if args.learned is not None
                   else [f"learned-{short}" for short, file in SHIPPED.items()
                         if short.endswith(f"-n{n}") and (SHIPPED_DIR / file).is_file()])
        if not learned and args.learned is None:
            continue
        cfg = CONFIGS[f"n{n}"]
        print(f"\nN = {n} (k = {cfg['k']}, beta = {cfg['beta']}, time limit {cfg['steps']:,}, "
              f"W = 1), {args.seeds} seeds\n")
        print("| recommender | final cooperation | rewire requests |")
        print("|---|---|---|")
        runs = {}
        for rec in learned + ([] if args.no_heuristics else HEURISTICS):
            t = time.process_time()
            runs[rec] = evaluate_runs(rec, cfg, range(args.seeds))
            (c, cc), (q, qc) = (_mean_ci(v) for v in runs[rec])
            print(f"| {rec} | {c:.3f} ± {cc:.3f} | {q:.1f} ± {qc:.1f} |", flush=True)
            print(f"  ({time.process_time() - t:.1f} s)", file=sys.stderr)
        if args.no_heuristics:
            continue
        print("\n| learned | best heuristic for its reward | difference, paired by seed |")
        print("|---|---|---|")
        for rec in learned:
            metric = 0 if "aligned" in rec or "coops" in rec else 1
            best = max(HEURISTICS, key=lambda h: runs[h][metric].mean())
            d, dc = _mean_ci(runs[rec][metric] - runs[best][metric])
            what = "cooperation" if metric == 0 else "requests"
            print(f"| {rec} | {best} | {what} {d:+.3f} ± {dc:.3f} |", flush=True)

if __name__ == "__main__":
    main()
