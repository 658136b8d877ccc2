"""Bait and switch? ``python docs/bait_and_switch.py [--seeds S]`` (docs/LEARNING.md).

The paper (section 4.3) supposes that a recommender that keeps learning under
competition may first court users and then, once it holds most of them, exploit them.
Here the learner is a bandit that learns online, in the run (docs/BANDITS.md: Thompson
sampling over the arms coop-random and defect-random, windows of 5 requests), competing
with ``local`` for users (W2 = 0.1, half the users each at the start). Every generation
records its market share and what it proposed (the tallies behind the dashboard's
"Cooperators among proposed users").

Per run, the generations are split by whether the learner held most users, and in each
part its *Mean Action Strat* is counted: cooperators proposed per request served. With
these two arms it is the share of requests it served with coop-random, so it reads the
learner's choices, not who its users are. A bait and switch shows as a lower Mean
Action Strat when dominant than when not. Reported: mean and 95 % interval over the
runs that served at least 20 requests in each part, and in how many it is lower when
dominant. A recommender that does not learn (``any-random`` over its own users, blind
to strategy) shows what the make-up of its users alone does.

When a learner dominates is not chosen at random (later in a run, after it has learned,
after its choices won or lost users), so a control holds the share fixed: nobody
switches (W2 = 0) and the recommender serves 90 % or 10 % of the users throughout, on
the same seeds.

A small model (N=200, k=8, W=1, 100,000 updates): seconds on one core.

``--module`` runs the same test with a *trained ranking module that keeps learning* in
the run (:mod:`model.learning.online`): the shipped N = 30 policies, engagement and
aligned, sampling their choices and taking a REINFORCE step every 1,000 updates on
what that window earned (requests per update, or cooperation at the window's end).
Its choices are not split into arms, so its Mean Action Strat also moves with who is
there to propose; what is compared is its *preference*: Mean Action Strat minus what
a blind recommender would score on the same decisions (the cooperators' share of each
decision's valid candidates), per window, split by whether it held most users when the
window began (runs with at least 20 served requests on each side). About 7 minutes
for 50 seeds on one core.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import bandits_results  # noqa: E402  (docs/, this script's folder)
from model.core import groups, state  # noqa: E402
from model.engine import Engine  # noqa: E402

BASE = dict(n=200, k=8, W=1.0, W2=0.1, max_steps=100_000, stop_on_fixation=False)
LABEL = "learner"


def ci(xs) -> str:
    return bandits_results.ci(xs, sign="+", digits=3)


def learner(reward: str) -> dict:
    return {"policy": "bandit-thompson", "reward": reward, "window": 5,
            "arms": "coop-random+defect-random"}


#: A recommender that does not learn: a uniformly random one of its own users (the
#: candidates the learner's arms split by strategy), whatever they play.
BLIND = {"policy": "any-random"}


def tallies(who: dict, seed: int, share: float = 0.5, W2: float = BASE["W2"]) -> dict:
    """(requests served, cooperators proposed) by the recommender ``who``, summed over the
    generations it began holding most users (key True) and over the rest."""
    mix = {"local": 1 - share, LABEL: dict(who, share=share)}
    engine = Engine(**dict(BASE, W2=W2), rng=seed, recommenders=mix)
    r = engine.recommender_names.index(LABEL)
    parts = {True: np.zeros(2), False: np.zeros(2)}
    before = np.zeros(2)
    while engine.running:
        dominant = groups.users_of(engine.state.gstart, r) > engine.n_viewers / 2
        engine.advance(engine.n)
        st = engine.state
        now = np.array([st.rewires_by[r], st.proposed_by[r, state.PROPOSED_COOP]], dtype=float)
        parts[dominant] += now - before
        before = now
    return parts


def action_strat(part: np.ndarray) -> float:
    """Cooperators proposed per request served (Mean Action Strat)."""
    served, proposed = part
    return proposed / served


def one_run(who: dict, seed: int) -> dict | None:
    """Mean Action Strat when dominant and when not, for one seed; None if a part had
    fewer than 20 requests served."""
    parts = tallies(who, seed)
    if min(parts[True][0], parts[False][0]) < 20:
        return None
    return {"dominant": action_strat(parts[True]), "minority": action_strat(parts[False])}


def table(rows: list[tuple[str, list[float], list[float]]], head: tuple[str, str]) -> None:
    print(f"{'':22s} runs  {head[0]:18s}  {head[1]:18s}  difference          lower")
    for name, first, second in rows:
        diff = np.subtract(first, second)
        print(f"{name:22s} {len(diff):4d}  {ci(first):18s}  {ci(second):18s}  {ci(diff):18s}"
              f"  {int((diff < 0).sum())}/{len(diff)}")


#: The online module learners: (reward, shipped policy to start from).
MODULES = {"engagement module": ("engagement", "engagement-n30"),
           "alignment module": ("alignment", "aligned-n30")}


def module_windows(reward: str, start: str, seed: int, share: float = 0.5,
                   W2: float = BASE["W2"]) -> list[dict]:
    """The windows (history rows) of one run of an online module learner."""
    from model.learned_policies import load_for_kernel
    from model.learning.online import OnlineLearner

    mix = {"local": 1 - share, LABEL: {"share": share, "policy": "learned"}}
    engine = Engine(**dict(BASE, W2=W2), rng=seed, recommenders=mix)
    online = OnlineLearner(engine, LABEL, reward, load_for_kernel(start),
                           learning_rate=0.03, window=1000)
    online.advance(BASE["max_steps"])
    return online.history


def preference(windows: list[dict]) -> tuple[float, int]:
    """Decision-weighted mean of (Mean Action Strat - blind) over windows; decisions."""
    rows = [w for w in windows if w["decisions"]]
    served = sum(w["decisions"] for w in rows)
    if not served:
        return float("nan"), 0
    return sum(w["decisions"] * (w["mean_action_strat"] - w["blind_action_strat"])
               for w in rows) / served, served


def module_study(seeds) -> None:
    print("3. A trained ranking module that keeps learning (from the shipped N = 30 "
          "policies), against local, 50/50 at the start, W2 = 0.1; its preference for "
          "cooperators (Mean Action Strat - blind) in windows begun holding most users "
          "and in the others")
    rows = []
    for name, (reward, start) in MODULES.items():
        first, second = [], []
        for s in seeds:
            windows = module_windows(reward, start, s)
            dom, n_dom = preference([w for w in windows if w["share_at_start"] > 0.5])
            rest, n_rest = preference([w for w in windows if w["share_at_start"] <= 0.5])
            if min(n_dom, n_rest) >= 20:
                first.append(dom)
                second.append(rest)
        rows.append((name, first, second))
    table(rows, ("when dominant", "when not"))
    print("\n4. Control: nobody switches (W2 = 0), it holds 90 % or 10 % of the users for "
          "the whole run, same seeds, still learning")
    rows = []
    for name, (reward, start) in MODULES.items():
        big, small = ([preference(module_windows(reward, start, s, share, W2=0.0))[0]
                       for s in seeds] for share in (0.9, 0.1))
        keep = [i for i in range(len(big)) if np.isfinite(big[i]) and np.isfinite(small[i])]
        rows.append((name, [big[i] for i in keep], [small[i] for i in keep]))
    table(rows, ("at 90 %", "at 10 %"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=100)
    parser.add_argument("--module", action="store_true",
                        help="the trained ranking modules learning online, not the bandits")
    args = parser.parse_args()
    seeds = range(1, args.seeds + 1)
    if args.module:
        module_study(seeds)
        return
    who = {"engagement learner": learner("engagement"), "alignment learner":
           learner("alignment"), "blind (any-random)": BLIND}
    print(f"1. Against local, 50/50 at the start, W2 = 0.1; {args.seeds} seeds; Mean Action "
          "Strat in the generations it held most users and in the others")
    rows = []
    for name, spec in who.items():
        runs = [x for x in (one_run(spec, s) for s in seeds) if x]
        rows.append((name, [x["dominant"] for x in runs], [x["minority"] for x in runs]))
    table(rows, ("when dominant", "when not"))
    print("\n2. Control: nobody switches (W2 = 0) and it holds 90 % or 10 % of the users for "
          "the whole run, same seeds")
    rows = []
    for name, spec in who.items():
        big, small = ([action_strat(sum(tallies(spec, s, share, W2=0.0).values()))
                       for s in seeds] for share in (0.9, 0.1))
        rows.append((name, big, small))
    table(rows, ("at 90 %", "at 10 %"))


if __name__ == "__main__":
    main()
