"""The in-model results of docs/BANDITS.md: ``python docs/bandits_results.py [--seeds S]``.

1. Which of coop-random and defect-random an alignment and an engagement bandit play (share of the run's time
   per arm, final arm), and the final cooperation each leads to, against every fixed
   arm run on the same seeds (twins), mean and 95 % interval over seeds.
2. Competition with ``local`` (as in the paper's fig. 15): a learner starting with
   10 % of the users against the same-seed twin where those 10 % use, fixed, the
   rule the learner ended up playing: final share of each.

Windows of 5 requests: requests dry up as cooperation spreads, so longer windows
leave a learner only a few dozen rounds in such a run.

A small model (N=200, k=8, W=1, 60,000 updates) so it takes seconds on one core.

3. With ``--sweep DIR``, instead: the regret table of a finished sweep of
   ``scenarios/bandits/regret-over-W.toml`` (its description says how regret is read
   from the columns): per learner, reward and W, mean regret and final cooperation.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from model import RewireModel  # noqa: E402

ARMS = ["coop-random", "defect-random"]
BASE = dict(n=200, k=8, W=1.0, max_steps=60_000, stop_on_fixation=False)


def ci(xs, sign: str = "", digits: int = 2) -> str:
    """Mean +- the half-width of its 95 % normal interval (``sign="+"`` shows it always)."""
    xs = np.asarray(xs, dtype=float)
    half = 1.96 * xs.std(ddof=1) / np.sqrt(len(xs)) if len(xs) > 1 else 0.0
    return f"{xs.mean():{sign}.{digits}f} +- {half:.{digits}f}"


def learner(policy: str, reward: str, share: float = 1.0, arms=ARMS) -> dict:
    return {"share": share, "policy": policy, "reward": reward, "window": 5,
            "arms": "+".join(arms)}


def time_shares(m: RewireModel, label: str) -> dict[str, float]:
    h = m.bandit_history(label)
    if not len(h["step"]):
        return {}
    dur = np.diff(np.concatenate(([0], h["step"])))
    return {a: float(dur[h["arm"] == a].sum() / dur.sum()) for a in ARMS}


def section_1(seeds: range) -> None:
    print("1. one learner serves everybody; arms", "+".join(ARMS), "window 5;",
          f"{len(seeds)} seeds")
    fixed = {a: [RewireModel(**BASE, rng=s, recommenders={a: 1.0}).run()["cooperation"]
                 for s in seeds] for a in ARMS}
    for a in ARMS:
        print(f"   fixed {a:<14} final cooperation {ci(fixed[a])}")
    local = [RewireModel(**BASE, rng=s, recommenders={"local": 1.0}).run()["cooperation"]
             for s in seeds]
    print(f"   fixed local (reference) final cooperation {ci(local)}")
    for policy in ("bandit-ucb", "bandit-thompson", "bandit-eps", "bandit-exp3"):
        for reward in ("alignment", "engagement"):
            coop, shares, finals = [], [], []
            for s in seeds:
                m = RewireModel(**BASE, rng=s, recommenders={"l": learner(policy, reward)})
                coop.append(m.run()["cooperation"])
                shares.append(time_shares(m, "l"))
                finals.append(m.summary()["bandits"]["l"]["final_arm"])
            mean_share = {a: np.mean([sh.get(a, 0) for sh in shares]) for a in ARMS}
            print(f"   {policy:<16} {reward:<10} cooperation {ci(coop)}; time per arm "
                  + " ".join(f"{a}={mean_share[a]:.2f}" for a in ARMS)
                  + f"; ends on coop-random in {sum(f == 'coop-random' for f in finals)}"
                  f"/{len(finals)}")


def section_2(seeds: range) -> None:
    print("2. competition: local 90 %, learner 10 %, W2 = 0.1; against the same-seed twin "
          "with the learner's final arm fixed")
    for reward in ("alignment", "engagement"):
        won, twin_won = [], []
        for s in seeds:
            p = dict(BASE, W2=0.1, rng=s)
            m = RewireModel(**p, recommenders={"local": 0.9,
                                               "l": learner("bandit-thompson", reward, 0.1)})
            sm = m.run()
            arm = sm["bandits"]["l"]["final_arm"] or "coop-random"
            won.append(sm["shares"]["l"])
            twin = RewireModel(**p, recommenders={"local": 0.9,
                                                  "l": {"share": 0.1, "policy": arm}}).run()
            twin_won.append(twin["shares"]["l"])
        print(f"   thompson {reward:<10} learner's final share {ci(won)}; "
              f"fixed final arm's share {ci(twin_won)}; "
              f"learner ahead in {sum(a > b for a, b in zip(won, twin_won))}/{len(won)}")


def regret_table(directory: str) -> None:
    """Section 3: regret against the best one-arm entry of the same reward and W."""
    import pandas as pd

    from model.parameters import validate

    runs = pd.read_parquet(Path(directory) / "runs.parquet")
    runs = runs[runs.status == "ok"].copy()
    entry = [validate({"recommenders": text})["recommenders"]["learner"]
             for text in runs.recommenders]
    runs["policy"] = [e["policy"].removeprefix("bandit-") for e in entry]
    runs["reward"] = [e["reward"] for e in entry]
    runs["one_arm"] = ["+" not in e["arms"] for e in entry]
    one = runs[runs.one_arm].copy()
    one["arm"] = [e["arms"] for e, o in zip(entry, runs.one_arm) if o]
    # the best fixed rule of each reward and W: highest mean reward over its replicates
    best = one.groupby(["reward", "W", "arm"])["mean_reward:learner"].mean() \
        .groupby(level=[0, 1]).max()
    learners_ = runs[~runs.one_arm].copy()
    learners_["regret"] = learners_["windows:learner"] * (
        best.reindex(list(zip(learners_.reward, learners_.W))).to_numpy()
        - learners_["mean_reward:learner"])
    print(f"3. regret over W from {directory}: {len(runs)} runs; mean regret "
          "(reward-windows) and final cooperation, mean over replicates")
    table = learners_.groupby(["reward", "policy", "W"]).agg(
        regret=("regret", "mean"), cooperation=("cooperation", "mean"),
        windows=("windows:learner", "mean"))
    print(table.round(2).to_string())
    print("fixed rules (one-arm entries): final cooperation")
    print(one.groupby(["reward", "arm", "W"])["cooperation"].mean().unstack("W")
          .round(2).to_string())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--sweep", metavar="DIR",
                        help="print section 3 from a finished regret-over-W sweep instead")
    args = parser.parse_args()
    if args.sweep:
        regret_table(args.sweep)
        return
    section_1(range(args.seeds))
    section_2(range(args.seeds))


if __name__ == "__main__":
    main()
