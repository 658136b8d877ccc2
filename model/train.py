"""Training learned recommenders: ``python -m model train``.

One training run improves an MLP ranking module (:mod:`model.learning.ranking`) by
REINFORCE with a leave-one-out baseline (:mod:`model.learning.policy_gradient`):
each update plays a batch of episodes in the compiled engine, where the module is
the only recommender and samples its choices (``mode = sample``), logs its decisions
as classes of users (:mod:`model.core.learned`), and takes one Adam step along
``1/E sum_e (G_e - b_e) sum_t grad log pi(a_t | s_t)``
(:func:`model.learning.classes.batch_gradient`). An episode is a run of the model of
docs/MODEL.md from a fresh seeded graph until fixation or the time limit; its
return is the paper's reward (Table 5): ``rewires``, the requests made to the
recommender, or ``coops``, 2 (c - 0.5) at the end.

Same seed, same result: episode seeds are derived from (seed, run, update, episode),
so a run resumed from its checkpoint (written atomically every few updates, with the
optimiser's state) ends with exactly the weights of an uninterrupted one.

Files written next to ``--out`` (``x.npz``): ``x.checkpoint-<run>.npz`` while
training, ``x.curve.csv`` (one row per run and update) and ``x.curve.png`` (mean of
runs with their min/max band: return, Mean Action Strat, Mean Action Degree).
"""

from __future__ import annotations

import copy
import csv
import json
import math
import sys
import time
from pathlib import Path

import numpy as np

from model.cli_errors import error
from model.learning.ranking import atomic_savez

#: The paper's Table 4 configurations (W = 1, T = 2, S = -1, Fig. 7), and ours at N = 1000.
CONFIGS = {
    "n10": dict(n=10, k=4, beta=0.1, steps=1000),
    "n30": dict(n=30, k=8, beta=0.005, steps=10_000),
    "n100": dict(n=100, k=28, beta=0.005, steps=10_000),
    "n500": dict(n=500, k=30, beta=0.005, steps=30_000),
    "n1000": dict(n=1000, k=30, beta=0.005, steps=100_000),
}
REWARD_NAMES = ("coops", "rewires")
CHECKPOINT_VERSION = 1
CURVE_COLUMNS = ("run", "update", "mean_return", "min_return", "max_return",
                 "mean_action_strat", "mean_action_degree", "cooperation", "requests",
                 "decisions", "entropy", "seconds")


class TrainError(ValueError):
    """A bad training option or file; one line."""


# -- episodes -------------------------------------------------------------------------
def episode_seed(seed: int, run: int, update: int, episode: int) -> int:
    return int(np.random.SeedSequence([seed, run, update, episode]).generate_state(2, np.uint64)
               .view(np.uint64)[0] % (2**63))


def play(policy, cfg: dict, seed: int, greedy: bool = False, log_every: int = 1):
    """One episode with ``policy`` as the only recommender; (engine, logged decisions):
    class decisions for an MLP, whole-graph decisions for a GAT."""
    from model.core import learned as kl, learned_gat
    from model.core.selectors import Rank, Source, Who
    from model.engine import Engine
    from model.learned_policies import pack_for_kernel
    from model.learning.classes import ClassDecision, graph_decisions

    n, steps = cfg["n"], cfg["steps"]
    engine = Engine(n=n, k=cfg["k"], beta=cfg["beta"], W=cfg.get("W", 1.0), T=2.0, S=-1.0,
                    recommenders={"any-random": 1.0}, max_steps=steps, rng=seed)
    view = engine.views[0]
    view.set_selector(Source.OWN_USERS, Who.ANY, Rank.LEARNED)
    records = steps // max(log_every, 1) + 2
    gat = policy.hidden == "gat"
    per_record = (learned_gat.record_floats(n, int(engine.state.deg.sum()) // 2) if gat
                  else 5 + 4 * n)
    view.set_weights(pack_for_kernel(policy, n, greedy, log_every=log_every,
                                     log_floats=records * per_record if log_every else 0,
                                     offset=seed % max(log_every, 1)))
    engine.advance(steps)
    if not log_every:
        return engine, []
    if gat:
        return engine, graph_decisions(learned_gat.read_log(view.weights),
                                       policy.architecture["features"])
    return engine, [ClassDecision.from_log(r) for r in kl.read_log(view.weights)]


def episode_return(engine, reward: str) -> float:
    from model.core import state
    from model.learning.policy_gradient import coops_reward, rewires_reward

    if reward == "rewires":
        return rewires_reward(int(engine.state.requests_by[0]))
    return coops_reward(engine.counter(state.N_COOP), engine.n)


# -- one update ---------------------------------------------------------------------
def train_update(trainer, cfg: dict, reward: str, seed: int, run: int, update: int,
                 batch: int, log_every: int) -> dict:
    """Play a batch, take one gradient step; the row of the learning curve."""
    from model.core import state
    from model.learning.classes import chosen_class, reinforce_step

    policy = trainer.policy
    started = time.process_time()
    episodes = []
    for e in range(batch):
        engine, decisions = play(policy, cfg, episode_seed(seed, run, update, e),
                                 log_every=log_every)
        episodes.append((episode_return(engine, reward), decisions,
                         engine.counter(state.N_COOP) / engine.n, int(engine.state.requests_by[0])))
    returns = np.array([ep[0] for ep in episodes])
    baselines = trainer.baselines(returns)
    decisions, advantages = [], []
    for (ret, decs, _, _), b in zip(episodes, baselines):
        decisions += decs
        advantages += [(ret - b) * log_every] * len(decs)
    stats = reinforce_step(trainer, decisions, advantages, batch)
    for r in returns:
        trainer.returns_seen += 1
        trainer.running_mean_return += (r - trainer.running_mean_return) / trainer.returns_seen
    chosen = [chosen_class(d, policy.architecture["features"]) for d in decisions]
    strat = [c[0] for c in chosen if c[0] >= 0]
    degree = [c[1] for c in chosen if c[0] >= 0]
    return {"run": run, "update": update, "mean_return": float(returns.mean()),
            "min_return": float(returns.min()), "max_return": float(returns.max()),
            "mean_action_strat": float(np.mean(strat)) if strat else float("nan"),
            "mean_action_degree": float(np.mean(degree)) if degree else float("nan"),
            "cooperation": float(np.mean([ep[2] for ep in episodes])),
            "requests": float(np.mean([ep[3] for ep in episodes])),
            "decisions": len(decisions), "entropy": stats["entropy"],
            "seconds": time.process_time() - started}


# -- checkpoints ------------------------------------------------------------------------
def save_checkpoint(path: Path, trainer, config: dict, rows: list, done: bool) -> None:
    arrays = {"checkpoint_version": np.array(CHECKPOINT_VERSION),
              "config": np.array(json.dumps(config, sort_keys=True)),
              "architecture": np.array(json.dumps(trainer.policy.architecture, sort_keys=True)),
              "adam_t": np.array(trainer.optimizer.t),
              "returns_seen": np.array(trainer.returns_seen),
              "running_mean_return": np.array(trainer.running_mean_return),
              "done": np.array(done),
              "curve": np.array([[row[c] for c in CURVE_COLUMNS] for row in rows],
                                dtype=np.float64).reshape(-1, len(CURVE_COLUMNS))}
    for name, value in trainer.policy.params.items():
        arrays[f"param_{name}"] = value
        arrays[f"adam_m_{name}"] = trainer.optimizer.m[name]
        arrays[f"adam_v_{name}"] = trainer.optimizer.v[name]
    atomic_savez(path, arrays)


def load_checkpoint(path: Path, trainer, config: dict):
    """Restore ``trainer`` from ``path``; the curve rows and whether the run was done."""
    try:
        data = np.load(path, allow_pickle=False)
        with data:
            if int(data["checkpoint_version"]) != CHECKPOINT_VERSION:
                raise TrainError(f"checkpoint {path}: version {int(data['checkpoint_version'])}; "
                                 f"this program reads {CHECKPOINT_VERSION}")
            saved = json.loads(str(data["config"]))
            if saved != config:
                diff = sorted(k for k in set(saved) | set(config) if saved.get(k) != config.get(k))
                raise TrainError(f"checkpoint {path} was made with other options ("
                                 f"{', '.join(f'{k}={saved.get(k)}' for k in diff)}); "
                                 f"give the same options, or --fresh to start over")
            for name in trainer.policy.params:
                trainer.policy.params[name][...] = data[f"param_{name}"]
                trainer.optimizer.m[name][...] = data[f"adam_m_{name}"]
                trainer.optimizer.v[name][...] = data[f"adam_v_{name}"]
            trainer.optimizer.t = int(data["adam_t"])
            trainer.returns_seen = int(data["returns_seen"])
            trainer.running_mean_return = float(data["running_mean_return"])
            rows = [dict(zip(CURVE_COLUMNS, r)) for r in data["curve"].tolist()]
            for row in rows:
                for c in ("run", "update", "decisions"):
                    row[c] = int(row[c])
            return rows, bool(data["done"])
    except TrainError:
        raise
    except (OSError, ValueError, KeyError) as err:
        raise TrainError(f"checkpoint {path}: unreadable ({' '.join(str(err).split())}); "
                         f"delete it or give --fresh") from None


# -- the command ----------------------------------------------------------------------
def add_train_command(subparsers) -> None:
    from model.cli import _float, _int

    p = subparsers.add_parser(
        "train", help="train a learned recommender (docs/LEARNING.md)",
        description="Train a ranking module by REINFORCE with a baseline (docs/LEARNING.md).")
    p.add_argument("--reward", required=True, choices=REWARD_NAMES,
                   help="coops: 2 (final cooperation - 0.5); rewires: rewire requests")
    p.add_argument("--hidden", choices=("mlp", "gat"),
                   help="hidden module: mlp (default; scored by class, fast at any N) or gat "
                        "(graph attention, scored user by user: for small N)")
    p.add_argument("--config", choices=sorted(CONFIGS),
                   help="the paper's Table 4 settings: " + "; ".join(
                       f"{k}: n={v['n']} k={v['k']} beta={v['beta']} steps={v['steps']}"
                       for k, v in CONFIGS.items()))
    p.add_argument("--n", type=_int, help="users (default from --config, else 10)")
    p.add_argument("--k", type=_float, help="mean degree")
    p.add_argument("--beta", type=_float, help="selection strength")
    p.add_argument("--steps", type=_int, help="episode time limit in elementary updates")
    p.add_argument("--updates", type=_int, default=100, help="policy updates per run (100)")
    p.add_argument("--batch", type=_int, default=16, help="episodes per update (16)")
    p.add_argument("--runs", type=_int, default=1,
                   help="independent runs (seeds seed..seed+runs-1); the policy written is "
                        "the run with the best mean return over its last tenth of updates")
    p.add_argument("--lr", type=_float, default=0.01, help="Adam learning rate (0.01)")
    p.add_argument("--hidden-size", type=_int, help="H (8, or --init's)")
    p.add_argument("--score-size", type=_int, help="S (8, or --init's)")
    p.add_argument("--init", metavar="POLICY",
                   help="start from this policy's weights (a .npz file or a shipped name, "
                        "e.g. aligned-n100) rather than at random: fine-tunes a policy "
                        "trained on a smaller N")
    p.add_argument("--log-every", type=_int,
                   help="learn from every m-th decision (default 1, or n/50 above 100 users)")
    p.add_argument("--seed", type=_int, default=1, help="seed (1)")
    p.add_argument("--checkpoint-every", type=_int, default=5,
                   help="updates between checkpoints (5)")
    p.add_argument("--out", required=True, help="policy file to write (.npz)")
    p.add_argument("--fresh", action="store_true", help="ignore existing checkpoints")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=train_command)


def resolve_config(args) -> dict:
    base = dict(CONFIGS[args.config]) if args.config else dict(CONFIGS["n10"])
    init, sizes = None, {"hidden_size": 8, "score_size": 8}
    hidden = args.hidden or "mlp"
    if args.init is not None:
        from model.learned_policies import load_for_kernel
        from model.learning.ranking import PolicyFileError
        try:
            start = load_for_kernel(args.init)
        except PolicyFileError as err:
            raise TrainError(f"--init: {err}") from None
        init = args.init.strip()
        sizes = {key: start.architecture[key] for key in sizes}
        if args.hidden is not None and args.hidden != start.hidden:
            raise TrainError(f"--hidden: must be {start.hidden}, the module of --init "
                             f"{args.init}; got {args.hidden}")
        hidden = start.hidden
        for key, value in sizes.items():
            given = getattr(args, key)
            if given is not None and given != value:
                flag = "--" + key.replace("_", "-")
                raise TrainError(f"{flag}: must be {value}, the size of --init {args.init}; "
                                 f"got {given}")
    hidden_size = args.hidden_size if args.hidden_size is not None else sizes["hidden_size"]
    score_size = args.score_size if args.score_size is not None else sizes["score_size"]
    for key in ("n", "k", "beta", "steps"):
        value = getattr(args, key)
        if value is not None:
            base[key] = value
    checks = [("n", base["n"] >= 3, "an integer >= 3"),
              ("k", 0 < base["k"] <= base["n"] - 1, f"in (0, n-1] = (0, {base['n'] - 1}]"),
              ("beta", base["beta"] >= 0 and math.isfinite(base["beta"]), "a number >= 0"),
              ("steps", base["steps"] >= 1, "an integer >= 1"),
              ("updates", args.updates >= 1, "an integer >= 1"),
              ("batch", args.batch >= 2, "an integer >= 2 (the baseline needs two episodes)"),
              ("runs", 1 <= args.runs <= 100, "an integer in [1, 100]"),
              ("lr", 0 < args.lr <= 1, "a number in (0, 1]"),
              ("hidden-size", 1 <= hidden_size <= 256, "an integer in [1, 256]"),
              ("score-size", 1 <= score_size <= 256, "an integer in [1, 256]"),
              ("checkpoint-every", args.checkpoint_every >= 1, "an integer >= 1")]
    for name, ok, allowed in checks:
        if not ok:
            value = base.get(name, getattr(args, name.replace("-", "_"), None))
            raise TrainError(f"--{name}: must be {allowed}; got {value}")
    log_every = args.log_every if args.log_every is not None else max(1, base["n"] // 50
                                                                       if base["n"] > 100 else 1)
    if log_every < 1:
        raise TrainError(f"--log-every: must be an integer >= 1; got {log_every}")
    return dict(base, reward=args.reward, hidden=hidden, updates=args.updates,
                batch=args.batch, lr=args.lr, hidden_size=hidden_size,
                score_size=score_size, log_every=log_every, seed=args.seed, W=1.0,
                **({"init": init} if init else {}))


def train_command(args) -> int:
    try:
        cfg = resolve_config(args)
        out = Path(args.out)
        if out.suffix != ".npz":
            raise TrainError(f"--out: a policy file ends in .npz; got {args.out}")
        if not out.parent.is_dir():
            raise TrainError(f"--out: folder {out.parent} does not exist")
        return train(cfg, out, args.runs, args.checkpoint_every, args.fresh,
                     progress=not args.no_progress)
    except TrainError as err:
        return error(str(err))


def checkpoint_path(out: Path, run: int) -> Path:
    return out.with_name(f"{out.stem}.checkpoint-{run}.npz")


def train(cfg: dict, out: Path, runs: int = 1, checkpoint_every: int = 5, fresh: bool = False,
          progress: bool = True) -> int:
    from tqdm.auto import tqdm

    from model.learning.policy_gradient import Reinforce
    from model.learning.ranking import RankingPolicy, save_policy

    started = time.perf_counter()
    all_rows, policies = [], []
    bar = tqdm(total=runs * cfg["updates"], unit="update", disable=not progress,
               desc=f"train {cfg['reward']} n={cfg['n']}", file=sys.stderr)
    for run in range(runs):
        if cfg.get("init"):  # every run starts from the same policy, with its own episodes
            from model.learned_policies import load_for_kernel
            policy = copy.deepcopy(load_for_kernel(cfg["init"]))
        else:
            policy = RankingPolicy(cfg["hidden"], cfg["hidden_size"], cfg["score_size"],
                                   seed=[cfg["seed"], run])
        trainer = Reinforce(policy, learning_rate=cfg["lr"])
        ckpt = checkpoint_path(out, run)
        rows, done = [], False
        if ckpt.exists() and not fresh:
            rows, done = load_checkpoint(ckpt, trainer, cfg)
        bar.update(len(rows))
        for update in range(len(rows), cfg["updates"]):
            row = train_update(trainer, cfg, cfg["reward"], cfg["seed"], run, update,
                               cfg["batch"], cfg["log_every"])
            rows.append(row)
            bar.update(1)
            bar.set_postfix(run=run, reward=f"{row['mean_return']:.3g}",
                            strat=f"{row['mean_action_strat']:.2f}",
                            degree=f"{row['mean_action_degree']:.1f}")
            if (update + 1) % checkpoint_every == 0 or update + 1 == cfg["updates"]:
                save_checkpoint(ckpt, trainer, cfg, rows, update + 1 == cfg["updates"])
        all_rows += rows
        tail = rows[-max(1, len(rows) // 10):]
        policies.append((float(np.mean([r["mean_return"] for r in tail])), run, policy))
    bar.close()
    best_return, best_run, best = max(policies, key=lambda t: (t[0], -t[1]))
    seconds = time.perf_counter() - started
    meta = dict(cfg, trained_by="python -m model train", run=best_run,
                final_mean_return=best_return,
                final_mean_return_by_run=[p[0] for p in policies],
                train_seconds_this_process=round(seconds, 1))
    save_policy(out, best, meta)
    write_curve(out, all_rows)
    for run in range(runs):
        checkpoint_path(out, run).unlink(missing_ok=True)
    print(f"wrote {out} (run {best_run}, mean return {best_return:.3f} over the last tenth of "
          f"updates; {seconds:.0f} s), {out.with_suffix('.curve.csv')} and "
          f"{out.with_suffix('.curve.png')}", file=sys.stderr)
    return 0


def write_curve(out: Path, rows: list) -> None:
    """The learning curve: CSV of every row, PNG of the mean of runs with a min/max band."""
    csv_path = out.with_suffix(".curve.csv")
    with open(csv_path, "w", newline="") as handle:
        w = csv.DictWriter(handle, fieldnames=CURVE_COLUMNS)
        w.writeheader()
        for row in rows:
            w.writerow(row)
    plot_curve(rows, out.with_suffix(".curve.png"), title=out.stem)


def plot_curve(rows: list, png: Path, title: str = "") -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    runs = sorted({r["run"] for r in rows})
    updates = sorted({r["update"] for r in rows})
    fig, axes = plt.subplots(1, 3, figsize=(13, 3.6))
    for ax, key, label in zip(axes, ("mean_return", "mean_action_strat", "mean_action_degree"),
                              ("reward (mean of batch)", "Mean Action Strat",
                               "Mean Action Degree")):
        table = np.full((len(runs), len(updates)), np.nan)
        for r in rows:
            table[runs.index(r["run"]), updates.index(r["update"])] = r[key]
        mean = np.nanmean(table, axis=0)
        if len(runs) > 1:
            lo, hi = np.nanmin(table, axis=0), np.nanmax(table, axis=0)
            band = "min/max of runs"
        elif key == "mean_return":
            lo = np.array([r["min_return"] for r in rows])
            hi = np.array([r["max_return"] for r in rows])
            band = "min/max of batch"
        else:
            lo = hi = None
        ax.plot(updates, mean, color="#0072B2", lw=1.2, label=f"mean of {len(runs)} run(s)")
        if lo is not None:
            ax.fill_between(updates, lo, hi, color="#0072B2", alpha=0.2, lw=0, label=band)
        ax.set_xlabel("update")
        ax.set_title(label, fontsize=10)
        ax.legend(fontsize=7)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    fig.savefig(png, dpi=110)
    plt.close(fig)


# -- evaluation -----------------------------------------------------------------------
def evaluate(recommender: str, cfg: dict, seeds, base_seed: int = 10_000) -> dict:
    """Final cooperation and rewire requests of ``recommender`` (a mix label: a heuristic
    name or ``learned:<file>``) alone, over fresh seeds: means with 95 % intervals."""
    coop, req = evaluate_runs(recommender, cfg, seeds, base_seed)
    return {"coops": _mean_ci(coop), "rewires": _mean_ci(req), "runs": len(coop)}


def evaluate_runs(recommender: str, cfg: dict, seeds, base_seed: int = 10_000):
    """Run by run, for :func:`evaluate` and paired comparisons (same seeds, same start
    graphs): arrays of final cooperation and of rewire requests, one entry per seed."""
    from model.core import state
    from model.engine import Engine

    coop, req = [], []
    for s in seeds:
        engine = Engine(n=cfg["n"], k=cfg["k"], beta=cfg["beta"], W=1.0, T=2.0, S=-1.0,
                        recommenders={recommender: 1.0}, max_steps=cfg["steps"],
                        rng=base_seed + int(s))
        engine.advance(cfg["steps"])
        coop.append(engine.counter(state.N_COOP) / engine.n)
        req.append(int(engine.state.requests_by[0]))
    return np.array(coop), np.array(req, dtype=float)


def _mean_ci(values) -> tuple[float, float]:
    """Mean and half-width of its 95 % normal interval."""
    a = np.asarray(values, dtype=np.float64)
    return float(a.mean()), float(1.96 * a.std(ddof=1) / np.sqrt(a.size)) if a.size > 1 else 0.0
