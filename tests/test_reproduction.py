"""The paper's qualitative results, checked on small sweeps (slow: ``pytest -m slow``).

Each test runs a shrunk version of a scenario of ``scenarios/paper/`` and checks the
ordering the paper reports, with enough replicates that the ordering is not luck.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from model.scenario import parse_scenario
from model.sweeps.runner import run_sweep
from model.sweeps.storage import load_runs

PAPER = Path(__file__).resolve().parents[1] / "scenarios" / "paper"

pytestmark = pytest.mark.slow


def sweep(tmp_path: Path, name: str, extra_quick: str) -> "pd.DataFrame":  # noqa: F821
    """Run the quick variant of ``scenarios/paper/<name>.toml`` with more overrides."""
    text = (PAPER / f"{name}.toml").read_text().replace("[quick]", "[quick]\n" + extra_quick, 1)
    scenario = parse_scenario(text, path=PAPER / f"{name}.toml", quick=True)
    run_sweep(scenario, tmp_path / name, workers=2, progress=False)
    runs = load_runs(tmp_path / name)
    assert (runs["status"] == "ok").all()
    return runs


def test_fig6_good_cooperates_most_bad_rewires_most_local_most_heterogeneous(tmp_path):
    runs = sweep(tmp_path, "fig6", "")
    runs = runs[runs["W"] >= 1]
    means = runs.groupby("recommenders")[["cooperation", "rewires_per_opportunity",
                                          "heterogeneity"]].mean()
    assert means["cooperation"].idxmax() == "coop-random=1"
    assert means["cooperation"].idxmin() == "defect-random=1"
    assert means["rewires_per_opportunity"].idxmax() == "defect-random=1"
    assert means["heterogeneity"].idxmax() == "local=1"


def test_fig13_recommending_cooperators_beats_recommending_defectors(tmp_path):
    runs = sweep(tmp_path, "fig13", "")
    who = runs["recommenders"].str.split("-").str[0]
    coop, defect = runs[who == "coop"], runs[who == "defect"]
    assert coop["cooperation"].mean() > defect["cooperation"].mean() + 0.3
    assert coop["rewire_requests"].mean() < defect["rewire_requests"].mean()
