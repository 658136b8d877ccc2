"""The paper's learning curves (figs. 9-12), from the shipped policies: ``python docs/learning_curves.py``.

Carvalho 2021 draws, for each configuration, the reward during training of its MLP
and GAT policies with every heuristic's reward as a horizontal line, and beside it the
Mean Action Strat and Mean Action Degree. Here the curves are the ones ``python -m
model train`` wrote next to each shipped policy (``policies/*.curve.csv``: mean of the
batch per update, smoothed over 10 updates; a batch's min and max are -1 and 1 at
N = 10, so no band is drawn), and each heuristic's line is its mean
reward alone in the same configuration over 200 fresh seeds (the same evaluation as
docs/learning_results.py). A figure is drawn for every configuration whose curves are
present; the GAT line appears where a GAT policy was trained.

    fig9   N = 10,  #coops     aligned-mlp-n10,  aligned-gat-n10
    fig10  N = 10,  #rewires   engagement-mlp-n10, engagement-gat-n10
    fig11  N = 30,  #coops     aligned-mlp-n30,  aligned-gat-n30
    fig12  N = 100, #coops     aligned-mlp-n100

Writes docs/figures/learning-fig9.png ... learning-fig12.png. About a minute.
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

HEURISTICS = ["coop-low", "coop-random", "coop-high", "any-low", "any-random", "any-high",
              "defect-low", "defect-random", "defect-high", "local", "fair"]
FIGURES = {
    "fig9": ("n10", "coops", ["aligned-mlp-n10", "aligned-gat-n10"]),
    "fig10": ("n10", "rewires", ["engagement-mlp-n10", "engagement-gat-n10"]),
    "fig11": ("n30", "coops", ["aligned-mlp-n30", "aligned-gat-n30"]),
    "fig12": ("n100", "coops", ["aligned-mlp-n100", "aligned-gat-n100"]),
}
COLOURS = {"mlp": "#0072B2", "gat": "#D55E00"}  # Okabe-Ito
SMOOTH = 10


def read_curve(path: Path) -> dict:
    """Columns of a curve CSV (its first run), as float arrays."""
    with open(path, newline="") as handle:
        rows = [r for r in csv.DictReader(handle) if r["run"] == "0"]
    return {key: np.array([float(r[key]) for r in rows]) for key in rows[0]}


def smooth(values: np.ndarray, width: int = SMOOTH) -> np.ndarray:
    """Trailing mean over ``width`` updates (fewer at the start)."""
    out = np.cumsum(values)
    out[width:] = out[width:] - out[:-width]
    return out / np.minimum(np.arange(1, len(values) + 1), width)


def baselines(config: str, reward: str, seeds: int) -> dict:
    """Each heuristic's mean reward alone in ``config`` (the paper's Table 5 rewards)."""
    from model.train import CONFIGS, evaluate_runs

    out = {}
    for name in HEURISTICS:
        coop, requests = evaluate_runs(name, CONFIGS[config], range(seeds))
        out[name] = float(np.mean(2 * (coop - 0.5))) if reward == "coops" else float(
            np.mean(requests))
    return out


def draw(name: str, config: str, reward: str, curves: dict, lines: dict, out: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(15, 3.9))
    for module, curve in curves.items():
        x = curve["update"]
        colour = COLOURS[module]
        axes[0].plot(x, smooth(curve["mean_return"]), color=colour, lw=1.4, label=module.upper())
        axes[1].plot(x, smooth(curve["mean_action_strat"]), color=colour, lw=1.4)
        axes[2].plot(x, smooth(curve["mean_action_degree"]), color=colour, lw=1.4)
    ranked = sorted(lines.items(), key=lambda kv: -kv[1])
    greys = np.linspace(0.15, 0.75, len(ranked))
    for (heuristic, value), grey in zip(ranked, greys):
        axes[0].axhline(value, color=str(grey), lw=0.8, ls="--", label=heuristic)
    title = "#coops (2 (c - 0.5) at the end)" if reward == "coops" else "#rewires (requests)"
    axes[0].set_title(f"reward: {title}", fontsize=10)
    axes[1].set_title("Mean Action Strat", fontsize=10)
    axes[2].set_title("Mean Action Degree", fontsize=10)
    for ax in axes:
        ax.set_xlabel("update")
    axes[0].legend(fontsize=6, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    fig.suptitle(f"{name}: learning curves at {config.upper().replace('N', 'N = ')} "
                 f"(reward of the batch, {SMOOTH}-update mean; dashed: each heuristic alone, "
                 f"greedy, 200 seeds)", fontsize=10)
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    plt.close(fig)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=200, help="seeds per heuristic line")
    parser.add_argument("--out", default=str(ROOT / "docs" / "figures"))
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for name, (config, reward, stems) in FIGURES.items():
        curves = {}
        for stem in stems:
            path = ROOT / "policies" / f"{stem}.curve.csv"
            if path.is_file():
                curves["gat" if "-gat-" in stem else "mlp"] = read_curve(path)
        if not curves:
            continue
        lines = baselines(config, reward, args.seeds)
        target = out / f"learning-{name}.png"
        draw(name, config, reward, curves, lines, target)
        best = max(lines, key=lines.get)
        last = {m: float(np.mean(c["mean_return"][-max(1, len(c["update"]) // 10):]))
                for m, c in curves.items()}
        print(f"{target}: best heuristic {best} {lines[best]:.3f}; last tenth of training "
              + ", ".join(f"{m.upper()} {v:.3f}" for m, v in last.items()), flush=True)


if __name__ == "__main__":
    main()
