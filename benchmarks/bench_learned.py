"""Speed of a learned (MLP) recommender in the kernel: ``python benchmarks/bench_learned.py``.

Prints, on one core, elementary updates per second at N=1000, k=30, beta=0.005, W=1
with no fixation stop (the setting of bench_core.py), for a learned recommender of a
few sizes (random weights, and each shipped policy found in policies/), greedy and
sampled, and a random graph-attention (GAT) module (on 1/50 of the updates: it scores
user by user), beside ``any-random``; with the share of updates that were rewire requests
(each request is one decision of the ranking module) and the CPU time per decision.
Target: >= 1 M updates/s. Times are CPU times (``time.process_time``).
``--quick`` runs 10^5 updates instead of 10^7.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def measure(recommenders: dict, updates: int, seed: int = 1):
    from model.engine import Engine

    e = Engine(n=1000, k=30, beta=0.005, W=1.0, recommenders=recommenders,
               stop_on_fixation=False, rng=seed)
    e.advance(1000)  # compiled already (cache); touches the memory
    requests0 = e.counter(2)
    start = time.process_time()
    e.advance(updates)
    seconds = time.process_time() - start
    return updates / seconds, (e.counter(2) - requests0) / updates, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--updates", type=int, help="updates per case (default 10^7)")
    args = parser.parse_args()
    updates = args.updates or (10**5 if args.quick else 10**7)
    from model.learning.ranking import RankingPolicy, save_policy
    from model.learned_policies import SHIPPED, SHIPPED_DIR

    tmp = Path(tempfile.mkdtemp())
    cases = {"any-random": {"any-random": 1.0}}
    for size in (8, 16):
        path = save_policy(tmp / f"random-{size}.npz", RankingPolicy("mlp", size, size, seed=1))
        for mode in ("greedy", "sample"):
            cases[f"random H=S={size} {mode}"] = {
                "x": {"share": 1.0, "policy": "learned", "file": str(path), "mode": mode}}
    gat = save_policy(tmp / "random-gat.npz", RankingPolicy("gat", 8, 8, seed=1))
    cases["random GAT H=S=8 greedy"] = {
        "x": {"share": 1.0, "policy": "learned", "file": str(gat), "mode": "greedy"}}
    for short, file in SHIPPED.items():
        if (SHIPPED_DIR / file).is_file():
            cases[f"learned-{short}"] = {f"learned-{short}": 1.0}
    measure(cases["any-random"], 10**5)  # the first run of a process pays one-off costs
    print(f"learned recommender in the kernel, N=1000 k=30 beta=0.005 W=1, "
          f"{updates:,} updates, one core (target >= 1 M updates/s)")
    for name, mix in cases.items():
        # a GAT computes every user's features per decision: 1/50 of the updates
        n_updates = updates // 50 if "GAT" in name else updates
        rate, req, seconds = measure(mix, n_updates)
        per = seconds / max(req * n_updates, 1) * 1e6
        print(f"   {name:28s} {rate / 1e6:8.4f} M updates/s   requests/update {req:5.3f}"
              f"   {per:8.2f} us per update that asked" if req else
              f"   {name:28s} {rate / 1e6:8.4f} M updates/s   requests/update 0")

if __name__ == "__main__":
    main()
