"""Figures of a finished (or partial) sweep, drawn from its results directory alone.

The scenario's ``[plot]`` table says which figure to draw; every kind writes a PNG
and an SVG into ``DIR/figures`` and a per-point summary table (``summary.csv`` and
``summary.md``: mean and standard deviation over replicates)::

    kind = "heatmap"   # x, y: grid keys; metrics: one panel each (fig. 5)
    kind = "lines"     # x: grid key; by: grid key, one line each; metrics: panels (fig. 6)
    kind = "scatter"   # x, y: metrics; by: grid key; one dot per run (fig. 13/14)
    kind = "shares"    # x: grid key; panels: grid key; a line per recommender share (fig. 15)
    kind = "hist"      # one panel per point: distribution of final shares (fig. 16)
    kind = "paired"    # with [pairs]: arm 1 - arm 0 per metric, paired vs unpaired 95 % CI

Without a ``[plot]`` table: ``lines`` over the first grid key (``by`` the second), or
just the summary table for a sweep without a grid. Only the recorded rows with
status ``ok`` are drawn; the mean is over the replicates of each point.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pandas as pd

from model.filenames import safe_file_name
from model.parameters import mix_shares
from model.scenario import ScenarioError, _check_keys, _show, format_value, parse_scenario
from model.sweeps.storage import SweepDirError, load_runs, read_manifest

#: Metrics shown in the summary table, when present.
SUMMARY_METRICS = ["cooperation", "rewire_requests", "rewires", "rewires_per_opportunity",
                   "heterogeneity", "max_degree", "mean_payoff", "steps"]
#: Axis labels of metrics.
LABELS = {
    "cooperation": "final fraction of cooperators",
    "rewires": "rewires (completed)",
    "rewire_requests": "rewire requests (#rewires)",
    "rewire_opportunities": "rewire opportunities",
    "rewires_per_opportunity": "rewires per opportunity",
    "heterogeneity": "degree variance (heterogeneity)",
    "max_degree": "max degree",
    "mean_payoff": "mean payoff",
    "steps": "stop time (elementary updates)",
    "fixation_step": "fixation step",
}


def plot_sweep(root: str | Path, out: str | Path | None = None) -> list[Path]:
    """Draw the figures of the sweep in ``root``; return the files written."""
    import matplotlib

    matplotlib.use("Agg")
    root = Path(root)
    manifest = read_manifest(root)
    try:
        scenario = parse_scenario(manifest["scenario"]["toml"],
                                  path=manifest["scenario"].get("path") or "scenario",
                                  quick=manifest["scenario"].get("quick", False) is True)
    except ScenarioError as err:
        raise SweepDirError(f"{root / 'manifest.json'}: the scenario it records is not valid "
                            f"({err}); run the sweep command again with its scenario file") \
            from None
    runs = load_runs(root)
    ok = runs[runs["status"] == "ok"].copy()
    if ok.empty:
        raise SweepDirError(f"{root}: no successful run to plot")
    labels = scenario.point_labels()
    for key in scenario.grid:
        ok[f"grid:{key}"] = ok["point"].map(lambda p, key=key: labels[p][key])
        if key == "recommenders":
            ok[f"grid:{key}"] = ok[f"grid:{key}"].map(mix_label)
    out = Path(out) if out is not None else root / "figures"
    try:
        out.mkdir(parents=True, exist_ok=True)
        written = write_summary(ok, scenario, out)
        if scenario.pairs:
            written += write_paired(ok, scenario, out)
    except OSError as err:
        raise SweepDirError(f"{err.filename or out}: cannot write the figures here "
                            f"({err.strerror or err}); choose another --out") from None
    spec = dict(scenario.plot)  # checked, with its kind and grid keys filled in, on load
    kind = spec["kind"]
    if kind is None:
        return written
    fig = PLOT_KINDS[kind].draw(ok, scenario, spec)
    title = spec.get("title") or scenario.title
    n_runs = len(ok)
    per = f"{scenario.replicates} pairs" if scenario.pairs else str(scenario.replicates)
    fig.suptitle(f"{title}\n({n_runs} runs, {per} per point"
                 f"{', quick variant' if scenario.quick else ''})", fontsize=10)
    fig.tight_layout()
    stem = safe_file_name(scenario.name)  # a name is data from a file, never a path
    for ext in ("png", "svg"):
        path = out / f"{stem}.{ext}"
        fig.savefig(path, dpi=110 if ext == "png" else None)
        written.append(path)
    import matplotlib.pyplot as plt

    plt.close(fig)
    return written


def mix_label(mix: dict[str, Any]) -> str:
    """``{"local": 1.0}`` -> ``local``; a mixture -> ``local 90% / coop-random 10%``
    (an entry with settings counts by its share).

    >>> mix_label({"local": 0.9, "fast": {"share": 0.1, "policy": "coop-random"}})
    'local 90% / fast 10%'
    """
    if len(mix) == 1:
        return next(iter(mix))
    return " / ".join(f"{name} {share * 100:.3g}%" for name, share in mix_shares(mix).items())


def write_summary(ok: pd.DataFrame, scenario, out: Path) -> list[Path]:
    """Per point: the grid values, runs, and mean (sd) of the main metrics and shares."""
    shares = sorted(c for c in ok if c.startswith("share:"))
    competing = any(len(p["recommenders"]) > 1 for p in scenario.points())
    metrics = [m for m in SUMMARY_METRICS if m in ok] + (shares if competing else [])
    rows = []
    labels = scenario.point_labels()
    by = ["point", "arm"] if scenario.pairs else ["point"]
    for key, group in ok.groupby(by):
        point = key[0]
        row: dict[str, Any] = {k: mix_label(v) if k == "recommenders" else format_value(v)
                               for k, v in labels[point].items()}
        if scenario.pairs:
            row["arm"] = f"{key[1]}: {scenario.arm_label(key[1])}"
        row["runs"] = len(group)
        for m in metrics:
            row[m] = group[m].mean()
            row[f"{m} sd"] = group[m].std(ddof=1) if len(group) > 1 else float("nan")
        rows.append(row)
    table = pd.DataFrame(rows)
    csv_path, md_path = out / "summary.csv", out / "summary.md"
    table.to_csv(csv_path, index=False)
    lines = []
    head = [c for c in table.columns if not c.endswith(" sd")]
    lines.append("| " + " | ".join(head) + " |")
    lines.append("|" + "---|" * len(head))
    for _, r in table.iterrows():
        cells = []
        for c in head:
            v = r[c]
            if c in metrics:
                sd = r[f"{c} sd"]
                cells.append(_num(v) + ("" if pd.isna(sd) else f" ± {_num(sd)}"))
            else:
                cells.append(str(v))
        lines.append("| " + " | ".join(cells) + " |")
    md_path.write_text("\n".join(lines) + "\n")
    return [csv_path, md_path]


def _num(v: float) -> str:
    if pd.isna(v):
        return "–"
    if abs(v) >= 1000:
        return f"{v:,.0f}"
    return f"{v:.3g}"


def _axis_values(values) -> tuple[np.ndarray, list[str], np.ndarray]:
    """Sorted unique x values, their labels, and plot positions (inf drawn past the max)."""
    xs = np.array(sorted(set(float(v) for v in values)))
    finite = xs[np.isfinite(xs)]
    top = finite.max() if finite.size else 1.0
    span = (finite.max() - finite.min()) if finite.size > 1 else max(top, 1.0)
    inf_at = top * 3 if _wants_log(xs) else (top + 0.25 * span if span else top + 1)
    pos = np.where(np.isfinite(xs), xs, inf_at)
    labels = ["∞" if math.isinf(x) else format_value(x) for x in xs]
    return xs, labels, pos


def _wants_log(xs: np.ndarray) -> bool:
    """Positive values spanning an order of magnitude read better on a log axis."""
    finite = xs[np.isfinite(xs)]
    return finite.size > 2 and finite.min() > 0 and finite.max() / finite.min() >= 8


def _set_x(ax, xs: np.ndarray, labels: list[str], pos: np.ndarray, name: str) -> None:
    if _wants_log(xs):
        ax.set_xscale("log")
        ax.minorticks_off()
    ax.set_xticks(pos, labels)
    ax.set_xlabel(name)


def _panels(n: int, width: float = 4.2, height: float = 3.3):
    import matplotlib.pyplot as plt

    cols = min(n, 3 if n != 4 else 2)
    rows = math.ceil(n / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(width * cols, height * rows + 0.6),
                             squeeze=False)
    for ax in axes.flat[n:]:
        ax.set_visible(False)
    return fig, list(axes.flat[:n])


def _label(spec: dict, metric: str) -> str:
    return spec.get("metric_labels", {}).get(metric, LABELS.get(metric, metric))


def _heatmap(ok, scenario, spec):
    x, y = spec["x"], spec["y"]
    metrics = spec.get("metrics", ["cooperation", "steps"])
    fig, axes = _panels(len(metrics), 4.6, 3.9)
    means = ok.groupby([f"grid:{x}", f"grid:{y}"])[metrics].mean().reset_index()
    xs, xl = _cells(means[f"grid:{x}"])
    ys, yl = _cells(means[f"grid:{y}"])
    col = {v: i for i, v in enumerate(xs)}
    row = {v: i for i, v in enumerate(ys)}
    for ax, m in zip(axes, metrics):
        grid = np.full((len(ys), len(xs)), np.nan)
        for _, r in means.iterrows():
            grid[row[_cell_key(r[f"grid:{y}"])], col[_cell_key(r[f"grid:{x}"])]] = r[m]
        # One cell per grid value, whatever the spacing (and inf as the last cell).
        im = ax.imshow(grid, origin="lower", aspect="auto", cmap="viridis")
        fig.colorbar(im, ax=ax, shrink=0.85)
        _cell_ticks(ax.set_xticks, xl)
        _cell_ticks(ax.set_yticks, yl)
        ax.set_xlabel(x)
        ax.set_ylabel(y)
        ax.set_title(_label(spec, m), fontsize=9)
        if {x, y} == {"T", "S"}:  # the game quadrants of the paper's fig. 5
            t_axis, s_axis = (ax.axvline, ax.axhline) if x == "T" else (ax.axhline, ax.axvline)
            t_axis(_cell_at(xs if x == "T" else ys, 1.0), color="w", lw=0.6, ls="--")
            s_axis(_cell_at(ys if y == "S" else xs, 0.0), color="w", lw=0.6, ls="--")
    return fig


def _cells(values) -> tuple[list, list[str]]:
    """A heatmap axis: a grid key's values in order (numbers ascending, inf last;
    mixes by name), and their labels."""
    if all(isinstance(v, (int, float, np.number)) for v in values):
        xs, labels, _ = _axis_values(values)
        return [float(v) for v in xs], labels
    order = sorted(set(values), key=str)
    return order, [str(v) for v in order]


def _cell_key(v):
    return float(v) if isinstance(v, (int, float, np.number)) else v


def _cell_ticks(set_ticks, labels: list[str], most: int = 11) -> None:
    """Label heatmap cells by their grid values, at most ``most`` of them."""
    every = max(1, math.ceil(len(labels) / most))
    idx = list(range(0, len(labels), every))
    set_ticks(idx, [labels[i] for i in idx])


def _cell_at(values: np.ndarray, v: float) -> float:
    """Where value ``v`` falls on an axis of heatmap cells 0, 1, ... (interpolated)."""
    finite = np.asarray(values, dtype=float)
    finite = finite[np.isfinite(finite)]
    return float(np.interp(v, finite, np.arange(len(finite))))


def _mean_ci(values: pd.Series) -> tuple[float, float]:
    n = values.count()
    if n == 0:
        return float("nan"), float("nan")
    sd = values.std(ddof=1) if n > 1 else 0.0
    return values.mean(), 1.96 * sd / math.sqrt(n)


def _band(ax, g: pd.DataFrame, xcol: str, xs: np.ndarray, pos: np.ndarray, col: str,
          label) -> None:
    """A line through the mean of ``col`` at each value ``xs`` of ``xcol``, drawn at
    ``pos``, in a band of its 95 % confidence interval."""
    stats = [_mean_ci(g.loc[g[xcol] == v, col]) for v in xs]
    mean = np.array([s[0] for s in stats])
    ci = np.array([s[1] for s in stats])
    line, = ax.plot(pos, mean, marker="o", ms=3, label=label)
    ax.fill_between(pos, mean - ci, mean + ci, alpha=0.15, color=line.get_color())


def _lines(ok, scenario, spec):
    x, by = spec["x"], spec["by"]
    metrics = spec.get("metrics", ["cooperation", "rewires_per_opportunity",
                                   "heterogeneity", "max_degree"])
    fig, axes = _panels(len(metrics))
    xs, xl, pos = _axis_values(ok[f"grid:{x}"])
    groups = [(None, ok)] if by is None else list(ok.groupby(f"grid:{by}", sort=False))
    for ax, m in zip(axes, metrics):
        for name, g in groups:
            _band(ax, g, f"grid:{x}", xs, pos, m, name)
        _set_x(ax, xs, xl, pos, x)
        ax.set_title(_label(spec, m), fontsize=9)
    if by is not None:
        axes[0].legend(fontsize=7, title=by, title_fontsize=7)
    return fig


def _scatter(ok, scenario, spec):
    by = spec["by"]
    xm, ym = spec.get("x", "cooperation"), spec.get("y", "rewire_requests")
    fig, (ax,) = _panels(1, 6.5, 4.8)
    import matplotlib.pyplot as plt

    groups = [(None, ok)] if by is None else list(ok.groupby(f"grid:{by}", sort=False))
    cmap = plt.get_cmap("tab20" if len(groups) > 10 else "tab10")
    for i, (name, g) in enumerate(groups):
        colour = cmap(i % cmap.N)
        ax.scatter(g[xm], g[ym], s=10, alpha=0.55, color=colour, label=name, lw=0)
        ax.scatter([g[xm].mean()], [g[ym].mean()], s=60, marker="X", color=colour,
                   edgecolor="k", lw=0.6)
    ax.set_xlabel(_label(spec, xm))
    ax.set_ylabel(_label(spec, ym))
    if by is not None:
        ax.legend(fontsize=7, ncol=2, title=f"{by} (X = mean)", title_fontsize=7,
                  loc="best", markerscale=1.5)
    return fig


def _shares(ok, scenario, spec):
    x, panels = spec["x"], spec["panels"]
    names = [c for c in ok if c.startswith("share:")]
    panel_groups = [(None, ok)] if panels is None else list(ok.groupby(f"grid:{panels}"))
    fig, axes = _panels(len(panel_groups))
    xs, xl, pos = _axis_values(ok[f"grid:{x}"])
    for ax, (pv, g) in zip(axes, panel_groups):
        for col in names:
            _band(ax, g, f"grid:{x}", xs, pos, col, col.removeprefix("share:"))
        _set_x(ax, xs, xl, pos, x)
        ax.set_ylabel("final share of users")
        ax.set_ylim(0, 1)
        ax.set_title(f"{panels} = {format_value(pv)}" if panels else "", fontsize=9)
    axes[0].legend(fontsize=7)
    return fig


def _hist(ok, scenario, spec):
    points = sorted(ok["point"].unique())
    fig, axes = _panels(len(points), 4.2, 3.0)
    bins = np.linspace(0, 1, 21)
    labels = scenario.point_labels()
    for ax, point in zip(axes, points):
        g = ok[ok["point"] == point]
        mix = mix_shares(labels[point].get("recommenders") or scenario.base["recommenders"])
        for name in (mix if len(mix) > 1 else []):  # one recommender: its share is always 1
            ax.hist(g[f"share:{name}"], bins=bins, alpha=0.55,
                    label=f"{name} (start {mix[name] * 100:.3g}%)")
        ax.hist(g["cooperation"], bins=bins, histtype="step", color="k", lw=1.2,
                label="cooperation")
        ax.set_xlabel("final share of users")
        ax.set_ylabel("runs")
        others = {k: v for k, v in labels[point].items() if k != "recommenders"}
        title = mix_label(mix) + "".join(f", {k}={format_value(v)}" for k, v in others.items())
        ax.set_title(title, fontsize=8)
        ax.legend(fontsize=6)
    return fig


#: Metrics a paired figure and table show by default.
PAIRED_METRICS = ["cooperation", "rewire_requests", "heterogeneity", "mean_payoff"]


def paired_differences(ok: pd.DataFrame, scenario, metrics: list[str]) -> pd.DataFrame:
    """Per point and metric: the mean difference arm 1 - arm 0 over replicates, the
    95 % half-width of its confidence interval from the paired differences (both arms
    of a replicate share a seed), and the half-width the same runs would give unpaired
    (Welch: the two arms as independent samples), with their ratio.

    Replicates whose two arms did not both finish ok are left out.
    """
    rows = []
    labels = scenario.point_labels()
    for point, group in ok.groupby("point"):
        wide = group.pivot_table(index="replicate", columns="arm", values=metrics,
                                 aggfunc="first")
        for m in metrics:
            if (m, 0) not in wide or (m, 1) not in wide:
                continue
            pair = wide[[(m, 0), (m, 1)]].dropna()
            a, b = pair[(m, 0)].astype(float), pair[(m, 1)].astype(float)
            n = len(pair)
            d = b - a
            paired = 1.96 * d.std(ddof=1) / math.sqrt(n) if n > 1 else float("nan")
            unpaired = 1.96 * math.sqrt((a.var(ddof=1) + b.var(ddof=1)) / n) \
                if n > 1 else float("nan")
            rows.append({**{k: mix_label(v) if k == "recommenders" else format_value(v)
                            for k, v in labels[point].items()},
                         "point": point, "metric": m, "pairs": n,
                         "arm 0": a.mean(), "arm 1": b.mean(), "difference": d.mean(),
                         "paired ci": paired, "unpaired ci": unpaired,
                         "ci ratio": paired / unpaired if unpaired else float("nan")})
    return pd.DataFrame(rows)


def write_paired(ok: pd.DataFrame, scenario, out: Path) -> list[Path]:
    """``paired.csv`` and ``paired.md``: :func:`paired_differences` of the main metrics."""
    metrics = scenario.plot.get("metrics") or [m for m in PAIRED_METRICS if m in ok]
    table = paired_differences(ok, scenario, metrics)
    csv_path, md_path = out / "paired.csv", out / "paired.md"
    table.to_csv(csv_path, index=False)
    head = [c for c in table.columns if c != "point"]
    lines = [f"Arm 1 - arm 0 (arm 0: {scenario.arm_label(0)}; arm 1: {scenario.arm_label(1)}),"
             " mean over replicates ± 95 % CI half-width, paired and as if unpaired.", "",
             "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for _, r in table.iterrows():
        lines.append("| " + " | ".join(_num(r[c]) if isinstance(r[c], float) else str(r[c])
                                       for c in head) + " |")
    md_path.write_text("\n".join(lines) + "\n")
    return [csv_path, md_path]


def _paired(ok, scenario, spec):
    """Arm 1 - arm 0 of each metric along x (or at the one point), with its paired 95 %
    interval (solid) beside the interval the same runs give unpaired (grey)."""
    metrics = spec.get("metrics") or [m for m in PAIRED_METRICS if m in ok]
    x = spec.get("x")
    fig, axes = _panels(len(metrics))
    table = paired_differences(ok, scenario, metrics)
    if x is not None:
        labels = scenario.point_labels()
        table["x"] = table["point"].map(lambda p: labels[p][x])
        if all(isinstance(v, (int, float, np.number)) for v in table["x"]):
            xs, xl, pos = _axis_values(table["x"])
            where = {float(v): p for v, p in zip(xs, pos)}
            table["pos"] = table["x"].map(lambda v: where[float(v)])
        else:  # mixes, say: one place each, in grid order
            names = list(dict.fromkeys(format_value(v) for v in table["x"]))
            table["pos"] = table["x"].map(lambda v: float(names.index(format_value(v))))
            xs = None
    else:
        table["pos"] = table["point"].astype(float)
    step = (table["pos"].max() - table["pos"].min()) or 1.0
    for ax, m in zip(axes, metrics):
        t = table[table["metric"] == m]
        ax.axhline(0, color="k", lw=0.6)
        ax.errorbar(t["pos"] - 0.02 * step, t["difference"], yerr=t["unpaired ci"], fmt="none",
                    ecolor="0.6", capsize=3, label="95 % CI, unpaired")
        ax.errorbar(t["pos"] + 0.02 * step, t["difference"], yerr=t["paired ci"], fmt="o",
                    ms=4, capsize=3, label="95 % CI, paired")
        ax.set_title(f"{_label(spec, m)}: arm 1 - arm 0", fontsize=9)
        if x is not None and xs is not None:
            _set_x(ax, xs, xl, pos, x)
        elif x is not None:
            ax.set_xticks(range(len(names)), names, fontsize=7)
            ax.set_xlabel(x)
        else:
            ax.set_xticks([])
    axes[0].legend(fontsize=7, title=f"1: {scenario.arm_label(1)}\n0: {scenario.arm_label(0)}",
                   title_fontsize=7)
    return fig


@dataclass(frozen=True)
class PlotKind:
    """A kind of figure: what each of its ``[plot]`` keys names, and how it is drawn.

    A role is ``"grid key"`` (required), ``"grid key or none"``, ``"metric"`` or
    ``"metrics"`` (a list); ``title`` and ``metric_labels`` go with every kind.
    """

    roles: dict[str, str]
    draw: Callable[[pd.DataFrame, Any, dict], Any]


#: Every kind of figure, the one registry: :func:`check_plot` validates ``[plot]``
#: against it when a scenario is loaded, :func:`plot_sweep` draws with it.
PLOT_KINDS: dict[str, PlotKind] = {
    "heatmap": PlotKind({"x": "grid key", "y": "grid key", "metrics": "metrics"}, _heatmap),
    "lines": PlotKind({"x": "grid key", "by": "grid key or none", "metrics": "metrics"}, _lines),
    "scatter": PlotKind({"x": "metric", "y": "metric", "by": "grid key or none"}, _scatter),
    "shares": PlotKind({"x": "grid key", "panels": "grid key or none"}, _shares),
    "hist": PlotKind({}, _hist),
    "paired": PlotKind({"x": "grid key or none", "metrics": "metrics"}, _paired),
}
#: Keys of ``[plot]``.
PLOT_KEYS = ("kind", "x", "y", "metrics", "by", "panels", "title", "metric_labels")


def check_plot(table: dict, scenario, fail) -> dict[str, Any]:
    """``[plot]`` checked against the scenario's grid and metrics, with ``kind`` and the
    grid keys filled in. Called once, when the scenario is loaded (``fail`` makes its
    one-line error); drawing then trusts it.

    Without a kind: ``lines`` if there is a grid, else no figure (``kind`` is None).
    ``x`` defaults to the first grid key (the last for ``shares``); ``y``, ``by`` and
    ``panels`` to the first grid key other than ``x``, or none.
    """
    _check_keys(table, PLOT_KEYS, "plot", fail)
    keys = list(scenario.grid)
    kind = table.get("kind", "paired" if scenario.pairs else "lines" if keys else None)
    if kind == "paired" and not scenario.pairs:
        raise fail("plot", "kind", "'paired' needs a [pairs] table (two arms per replicate)")
    if kind is not None and (not isinstance(kind, str) or kind not in PLOT_KINDS):
        raise fail("plot", "kind", f"must be one of {', '.join(map(repr, PLOT_KINDS))}; "
                   f"got {_show(kind)}")
    roles = PLOT_KINDS[kind].roles if kind is not None else {}
    for key in table:
        if key not in (*roles, "kind", "title", "metric_labels"):
            raise fail("plot", key, f"not used by kind {kind!r}, which uses "
                       f"{', '.join((*roles, 'title', 'metric_labels'))}" if kind is not None
                       else "not used: without a grid, no figure is drawn unless kind is set")
    if "title" in table and not isinstance(table["title"], str):
        raise fail("plot", "title", f"must be a string; got {_show(table['title'])}")
    plot: dict[str, Any] = {**table, "kind": kind}

    required = [key for key, role in roles.items() if role == "grid key"]
    if len(keys) < len(required):
        have = f"the grid has {len(keys)}: {', '.join(keys)}" if keys else "there is no grid"
        raise fail("plot", "kind", f"{kind!r} needs {len(required)} grid "
                   f"key{'s' if len(required) > 1 else ''} ({', '.join(required)}); {have}")
    x = None
    for key, role in roles.items():
        if not role.startswith("grid key"):
            continue
        others = [k for k in keys if k != x]
        if key in table:
            value = table[key]
            if not isinstance(value, str) or value not in others:
                what = "a grid key" if x is None else f"a grid key other than x = {x}"
                allowed = f"({', '.join(others)})" if others else "(there is none)"
                raise fail("plot", key, f"must be {what} {allowed}; got {_show(value)}")
        elif key == "x":
            value = (keys[-1] if kind == "shares" else keys[0]) if keys else None
        else:
            value = others[0] if others else None
        plot[key] = value
        if key == "x":
            x = value

    metrics = None  # looked up only when needed: it needs every point
    for key, role in roles.items():
        if key not in table or not role.startswith("metric"):
            continue
        metrics = metrics or scenario.metric_names()
        names = table[key] if role == "metrics" else [table[key]]
        if (role == "metrics" and (not isinstance(names, list) or not names)) \
                or not all(isinstance(m, str) for m in names):
            what = "a non-empty list of metric names" if role == "metrics" else "a metric name"
            raise fail("plot", key, f"must be {what}; got {_show(table[key])}")
        for m in names:
            if m not in metrics:
                raise fail("plot", key, f"unknown metric {m!r}; allowed: {', '.join(metrics)}")

    labels = table.get("metric_labels", {})
    if not isinstance(labels, dict):
        raise fail("plot", "metric_labels", "must be a table of metric = \"label\"; got "
                   + _show(labels))
    for m, label in labels.items():
        metrics = metrics or scenario.metric_names()
        if m not in metrics:
            raise fail("plot", f"metric_labels.{m}", f"unknown metric; allowed: {', '.join(metrics)}")
        if not isinstance(label, str):
            raise fail("plot", f"metric_labels.{m}", f"must be a string; got {_show(label)}")
    return plot
