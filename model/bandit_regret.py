"""Regret of a bandit recommender against the best fixed arm, on same-seed twin runs.

On a stationary problem regret compares the learner's rewards with what the best
arm would have paid *in the same rounds*. Here users respond to what the
recommender does, so an arm's reward depends on the whole history: there is no
"what arm a would have paid in window t" to read off the bandit's own run. The
comparison that means something is counterfactual: run the same seed again with
the recommender fixed on each arm (a *twin*) and compare whole runs. This is
policy regret (Arora, Dekel & Tewari 2012), and unlike stationary regret it can
be negative: a learner that switches may reach a state no fixed arm reaches.

A twin is the same mix with the bandit's entry restricted to one arm (``arms=a``):
a bandit with one arm plays it from the first request, scores its windows the same
way, and leaves the kernel's random stream untouched (its own choices come from a
separate stream), so the twin is exactly the fixed policy's run with the same seed.

    regret = windows * (best twin's mean reward per window) - bandit's total reward

where ``windows`` is the number of windows the bandit finished. The function also
reports each twin's final cooperation next to the bandit's.
"""

from __future__ import annotations

from typing import Any

from model.parameters import mix_entries, validate


def twin_mix(mix: dict, label: str, arm: str) -> dict:
    """``mix`` with the bandit ``label`` restricted to one ``arm`` (same settings otherwise)."""
    entry = dict(mix[label])
    entry["arms"] = arm
    return {**mix, label: entry}


def twin_regret(label: str | None = None, **params: Any) -> dict[str, Any]:
    """Run ``params`` (RewireModel's, with a seed) and a same-seed twin per arm of the
    bandit recommender ``label`` (default: the first bandit of the mix); return the
    bandit's report, each twin's mean reward and final cooperation, the best arm, and
    the regret as defined in the module docstring."""
    from model import RewireModel
    from model.bandit_policies import BanditPolicy

    if params.get("rng") is None:
        raise ValueError("twin_regret needs a seed (rng): twins are same-seed runs")
    p = validate(params)
    mix = p["recommenders"]
    bandits = [lab for lab, policy, _ in mix_entries(mix)
               if isinstance(mix[lab], dict) and issubclass(_policy(policy), BanditPolicy)]
    if not bandits:
        raise ValueError("twin_regret needs a bandit recommender in the mix")
    label = bandits[0] if label is None else label
    if label not in bandits:
        raise ValueError(f"{label!r} is not a bandit recommender; bandits: {', '.join(bandits)}")
    run = RewireModel(**p)
    run.run()
    own = run.bandit_history(label)
    windows = len(own["reward"])
    twins = {}
    for arm in mix[label]["arms"].split("+"):
        twin = RewireModel(**{**p, "recommenders": twin_mix(mix, label, arm)})
        twin.run()
        rewards = twin.bandit_history(label)["reward"]
        twins[arm] = {"mean_reward": float(rewards.mean()) if len(rewards) else 0.0,
                      "windows": int(len(rewards)),
                      "cooperation": twin.summary()["cooperation"]}
    best = max(twins, key=lambda a: twins[a]["mean_reward"])
    report = run.summary()["bandits"][label]
    return {"label": label, "bandit": report, "cooperation": run.summary()["cooperation"],
            "windows": windows, "twins": twins, "best_arm": best,
            "regret": windows * twins[best]["mean_reward"] - float(own["reward"].sum())}


def _policy(name: str):
    from model.policies import get_policy
    return get_policy(name)
