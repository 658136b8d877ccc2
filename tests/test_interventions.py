"""Interventions during a run, from Python and from scenario files.

Each kind must do exactly what docs/MODEL.md says, keep every invariant of the state
(checked from scratch with model/core/invariants.py), show in the time series, and
be reproducible: the same intervention from a scenario file and from Python gives
the same run.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

from model import RewireModel
from model.core.invariants import check_invariants
from model.parameters import ParameterError
from model.scenario import ScenarioError, parse_scenario
from model.sweeps.runner import make_model, run_one

MIX = {"local": 0.6, "coop-random": 0.4, "any-random": 0.0}
SMALL = dict(n=100, k=6, rng=5, max_steps=100 * 30, stop_on_fixation=False,
             recommenders=MIX, W2=0.1)


def stepped(generations: int = 3, **changes) -> RewireModel:
    model = RewireModel(**{**SMALL, **changes})
    for _ in range(generations):
        model.step()
    return model


def consistent(model: RewireModel) -> None:
    check_invariants(model.engine, model.engine.n_edges)


def test_new_rates_reach_the_kernel_and_the_parameters():
    model = stepped()
    record = model.intervene(W=3.0, beta=0.02, T=1.5, S=0.5)
    st = model.engine.state
    assert model.params["W"] == 3.0 and model.params["beta_med"] == pytest.approx(0.2)
    assert st.fpar[0] == 0.02 and st.fpar[1] == pytest.approx(0.2)
    assert st.payoff.tolist() == [[0.0, 1.5], [0.5, 1.0]]  # payoff[my, their], D = 0
    assert record["generation"] == 3 and record["label"].startswith("W=3; beta=0.02")
    consistent(model)
    model.step()
    consistent(model)


def test_switching_every_user_of_one_recommender():
    model = stepped()
    before = model.recommender_index.copy()
    model.intervene(switch={"to": "coop-random", "from": "local"})
    after = model.recommender_index
    assert not (after == 0).any()
    assert np.array_equal(after[before != 0], before[before != 0])
    consistent(model)
    model.step()
    consistent(model)


def test_seeding_a_recommender_declared_with_share_zero():
    model = stepped()
    assert model.summary()["shares"]["any-random"] == 0
    model.intervene(switch={"to": "any-random", "fraction": 0.25})
    assert (model.recommender_index == 2).sum() == 25  # exactly round(0.25 x 100)
    consistent(model)
    for _ in range(3):
        model.step()
    consistent(model)


def test_flipping_a_fraction_of_defectors_to_cooperate():
    model = stepped()
    defectors = int((~model.is_cooperator).sum())
    was = model.is_cooperator.copy()
    model.intervene(cooperate=0.5)
    assert int(model.is_cooperator.sum()) == int(was.sum()) + int(np.floor(defectors * 0.5 + 0.5))
    assert model.is_cooperator[was].all()  # nobody went the other way
    consistent(model)
    model.intervene(defect=1.0)
    assert not model.is_cooperator.any()
    consistent(model)


def test_an_intervention_undoes_fixation_and_the_run_goes_on():
    model = RewireModel(n=60, k=4, rng=1, max_steps=60 * 200, coop_init=0.0)
    assert not model.running  # everybody defects from the start: fixated
    model.intervene(cooperate=0.5)
    assert model.running and model.engine.fixation_step is None
    model.step()
    assert model.engine.steps == 60
    consistent(model)


def test_random_interventions_between_steps_keep_every_invariant():
    rng = np.random.default_rng(0)
    model = RewireModel(n=80, k=6, rng=9, max_steps=80 * 40, stop_on_fixation=False,
                        recommenders={"local": 0.5, "coop-high": 0.3, "fair": 0.2, "any-low": 0.0},
                        W2=0.2)
    names = model.recommender_names
    for _ in range(12):
        kind = rng.integers(4)
        if kind == 0:
            model.intervene(W=float(rng.uniform(0, 4)), beta=float(rng.uniform(0.001, 1)))
        elif kind == 1:
            model.intervene(switch={"to": names[rng.integers(4)],
                                    "fraction": float(rng.uniform())})
        elif kind == 2:
            model.intervene(cooperate=float(rng.uniform()))
        else:
            model.intervene(defect=float(rng.uniform()))
        consistent(model)
        model.step()
        consistent(model)


def test_the_row_of_the_generation_shows_the_state_after_it_and_its_label():
    model = stepped()
    rows = len(model.datacollector.get_model_vars_dataframe())
    model.intervene(cooperate=1.0, label="everyone cooperates")
    df = model.datacollector.get_model_vars_dataframe()
    assert len(df) == rows  # the row of generation 3 is measured again, not added
    assert df["cooperation"].iloc[-1] == 1.0
    assert df["intervention"].iloc[-1] == "everyone cooperates"
    model.step()
    assert model.datacollector.get_model_vars_dataframe()["intervention"].iloc[-1] == ""


def test_the_same_intervention_on_the_same_run_chooses_the_same_users():
    a, b = stepped(), stepped()
    a.intervene(switch={"to": "any-random", "fraction": 0.3})
    b.intervene(switch={"to": "any-random", "fraction": 0.3})
    assert np.array_equal(a.recommender_index, b.recommender_index)
    for _ in range(5):
        a.step()
        b.step()
    assert np.array_equal(a.engine.state.strat, b.engine.state.strat)


@pytest.mark.parametrize("what, named", [
    (dict(W=-1), "W must be"),
    (dict(colour=1), "colour: unknown key"),
    (dict(switch={"to": "fair"}), "switch.to: 'fair' is not a recommender of this model"),
    (dict(switch={"to": "local", "fraction": 2}), "switch.fraction: must be a fraction"),
    (dict(switch={"to": "local", "speed": 2}), "switch.speed: unknown key"),
    (dict(cooperate="half"), "cooperate: must be a fraction"),
    (dict(), "must change something"),
])
def test_a_bad_intervention_is_one_line_naming_the_key_and_changes_nothing(what, named):
    model = stepped()
    before = [x.copy() for x in model.engine.state]
    with pytest.raises(ParameterError) as err:
        model.intervene(**what)
    assert named in str(err.value) and "\n" not in str(err.value)
    assert all(np.array_equal(x, y) for x, y in zip(before, model.engine.state))
    assert model.engine.interventions == []


SCENARIO = """
[model]
n = 100
k = 6
recommenders = { local = 0.6, "coop-random" = 0.4, "any-random" = 0.0 }
W2 = 0.1
stop_on_fixation = false
max_steps = 3000
[[intervention]]
generation = 4
W = 2.5
[[intervention]]
generation = 8
switch = { to = "any-random", fraction = 0.2 }
cooperate = 0.3
label = "seed and persuade"
[run]
record = "series"
every = 5
"""


def test_an_intervention_in_a_scenario_equals_the_same_call_from_python():
    scenario = parse_scenario(SCENARIO)
    (run,) = scenario.runs()
    from_file = run_one(run.run_id, 0, 0, run.seed, run.params, "series", 1,
                        scenario.recommender_names(), interventions=scenario.interventions)
    by_hand = RewireModel(**run.params, rng=run.seed)
    for generation in range(30):
        if generation == 4:
            by_hand.intervene(W=2.5)
        if generation == 8:
            by_hand.intervene(switch={"to": "any-random", "fraction": 0.2}, cooperate=0.3,
                              label="seed and persuade")
        by_hand.step()
    assert from_file["row"]["status"] == "ok", from_file["row"]["error"]
    summary = by_hand.summary()
    for key in ("cooperation", "rewires", "steps", "heterogeneity"):
        assert from_file["row"][key] == summary[key]
    labels = {r["generation"]: r["intervention"] for r in from_file["series"]}
    assert labels[4] == "W=2.5" and labels[8] == "seed and persuade"
    assert labels[3] == labels[5] == ""


def test_make_model_schedules_the_interventions_of_a_scenario():
    scenario = parse_scenario(SCENARIO)
    (run,) = scenario.runs()
    model = make_model(run.params, run.seed, interventions=scenario.interventions)
    model.run()
    assert [r["generation"] for r in model.engine.interventions] == [4, 8]
    consistent(model)


@pytest.mark.parametrize("table, message", [
    ("W = -1", "[[intervention]] 1: W: must be a number"),
    ("colour = 1", "[[intervention]] 1: colour: unknown key of an intervention"),
    ('switch = { to = "fair" }', "[[intervention]] 1: switch.to: 'fair' is not a recommender"),
    ("cooperate = 1.5", "[[intervention]] 1: cooperate: must be a fraction in [0, 1]"),
])
def test_a_bad_intervention_table_is_one_line_naming_its_index_and_key(table, message):
    text = "[model]\nn = 50\nk = 4\nmax_steps = 5000\n[[intervention]]\ngeneration = 2\n" + table
    with pytest.raises(ScenarioError) as err:
        parse_scenario(text, path="x.toml")
    assert str(err.value).startswith("x.toml: ") and message in str(err.value)
    assert "\n" not in str(err.value)


@pytest.mark.parametrize("generation, message", [
    ("", "generation: missing"),
    ("generation = -3", "generation: must be an integer >= 0"),
    ("generation = 1.5", "generation: must be an integer >= 0"),
    ("generation = 100", "generation: 100 is at or after the time limit"),
])
def test_an_intervention_table_needs_a_generation_within_the_run(generation, message):
    text = ("[model]\nn = 50\nk = 4\nmax_steps = 5000\n[[intervention]]\ngeneration = 1\nW = 2\n"
            f"[[intervention]]\n{generation}\nW = 3\n")
    with pytest.raises(ScenarioError, match=r"\[\[intervention\]\] 2: " + message):
        parse_scenario(text, path="x.toml")


def test_interventions_are_part_of_the_fingerprint_only_when_present():
    plain = "[model]\nn = 50\nk = 4\nmax_steps = 5000\n"
    with_one = plain + "[[intervention]]\ngeneration = 2\nW = 2\n"
    assert "interventions" not in parse_scenario(plain).normalized()
    assert parse_scenario(plain).fingerprint() != parse_scenario(with_one).fingerprint()


PAIRED = """
[model]
n = 60
k = 4
max_steps = 1200
[pairs]
recommenders = [ { local = 1.0 }, { "coop-random" = 1.0 } ]
[grid]
W = [0.5, 2]
[run]
replicates = 2
seed = 3
record = "series"
every = 5
"""


def test_a_paired_scenario_runs_both_arms_from_each_seed():
    scenario = parse_scenario(PAIRED)
    runs = scenario.runs()
    assert len(runs) == 2 * 2 * 2
    for a, b in zip(runs[::2], runs[1::2]):
        assert (a.arm, b.arm) == (0, 1) and a.seed == b.seed
        assert (a.point, a.replicate) == (b.point, b.replicate)
        assert a.params["recommenders"] == {"local": 1.0}
        assert b.params["recommenders"] == {"coop-random": 1.0}
        assert a.params["W"] == b.params["W"]
    assert runs[0].run_id == "p00000-r0000-a0" and runs[1].run_id == "p00000-r0000-a1"
    assert scenario.plot["kind"] == "paired"
    one, two = runs[0], runs[1]
    model_a = make_model(one.params, one.seed)
    model_b = make_model(two.params, two.seed, twin_of=one.params)
    assert np.array_equal(model_a.edges(), model_b.edges())
    assert np.array_equal(model_a.is_cooperator, model_b.is_cooperator)


@pytest.mark.parametrize("pairs, message", [
    ("W = [1]", "[pairs] W: must be a list of exactly two values"),
    ("W = [1, 1]", "[pairs] W: gives both arms the same value"),
    ("n = [50, 60]", "[pairs] n: both arms share their initial graph"),
    ("W = [1, -2]", "[pairs] W: must be a number"),
    ("colour = [1, 2]", "[pairs] colour: unknown key"),
])
def test_a_bad_pairs_table_is_one_line(pairs, message):
    text = f"[model]\nn = 50\nk = 4\nmax_steps = 5000\n[pairs]\n{pairs}\n"
    with pytest.raises(ScenarioError) as err:
        parse_scenario(text, path="x.toml")
    assert message in str(err.value) and "\n" not in str(err.value)


@pytest.mark.timeout(300)
def test_a_paired_sweep_records_both_arms_with_the_same_seed_and_plots_the_difference(
        tmp_path: Path):
    from dask.distributed import Client, LocalCluster
    import logging

    from model.sweeps.plots import plot_sweep
    from model.sweeps.runner import run_sweep
    from model.sweeps.storage import load_runs

    path = tmp_path / "paired.toml"
    path.write_text(PAIRED + "[[intervention]]\ngeneration = 5\ncooperate = 0.2\n")
    from model.scenario import load_scenario

    scenario = load_scenario(path)
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True,
                      dashboard_address=None, silence_logs=logging.ERROR) as cluster, \
            Client(cluster) as client:
        outcome = run_sweep(scenario, tmp_path / "out", client=client, progress=False)
    assert outcome.manifest["counts"]["ok"] == 8 and outcome.manifest["counts"]["runs"] == 8
    runs = load_runs(tmp_path / "out")
    assert sorted(runs["arm"].tolist()) == [0] * 4 + [1] * 4
    for _, pair in runs.groupby(["point", "replicate"]):
        assert len(pair) == 2 and pair["seed"].nunique() == 1
    series = pq.read_table(tmp_path / "out" / "series.parquet").to_pandas()
    marked = series[series["intervention"] != ""]
    assert len(marked) == 8 and (marked["generation"] == 5).all()
    written = plot_sweep(tmp_path / "out")
    names = {p.name for p in written}
    assert {"paired.csv", "paired.md"} <= names and any(n.endswith(".png") for n in names)
    import pandas as pd

    table = pd.read_csv(tmp_path / "out" / "figures" / "paired.csv")
    assert set(table["metric"]) >= {"cooperation"} and (table["pairs"] == 2).all()
