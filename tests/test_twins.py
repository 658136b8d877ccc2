"""Counterfactual twins and branches (docs/MODEL.md, "Twins, branches and interventions").

A twin starts from the same seed and the same initial state and differs only in the
parameters it is given; a branch copies the state now. Both must be exact: a twin
with no change is the same run, step for step; a branch with no change goes on as
the original would.
"""

from __future__ import annotations

import numpy as np
import pytest

from model import RewireModel
from model.core.invariants import check_invariants
from model.core.selectors import Source
from model.engine import Engine
from model.parameters import ParameterError
from model.policies import Policy, register, unregister
from model.twins import fill_order

SMALL = dict(n=120, k=6, rng=17, max_steps=120 * 40, stop_on_fixation=False)


def same_state(a, b) -> bool:
    return all(np.array_equal(x, y) for x, y in zip(a.engine.state, b.engine.state))


def test_a_twin_with_no_change_is_the_same_run_step_for_step():
    a = RewireModel(**SMALL, recommenders={"local": 0.7, "coop-random": 0.3}, W2=0.2)
    b = a.twin()
    assert same_state(a, b)
    for _ in range(15):
        a.step()
        b.step()
        assert same_state(a, b)
    assert a.datacollector.get_model_vars_dataframe().equals(
        b.datacollector.get_model_vars_dataframe())


def test_a_twin_made_later_still_starts_from_the_beginning():
    a = RewireModel(**SMALL)
    fresh = RewireModel(**SMALL)
    for _ in range(5):
        a.step()
    b = a.twin()
    assert b.engine.steps == 0
    assert same_state(b, fresh)


def test_a_twin_differs_only_where_asked():
    a = RewireModel(**SMALL, W=1.0)
    b = a.twin(W=3.0, beta=0.05)
    assert np.array_equal(a.edges(), b.edges())  # same initial graph
    assert np.array_equal(a.is_cooperator, b.is_cooperator)  # same strategies
    assert np.array_equal(a.recommender_index, b.recommender_index)
    assert np.array_equal(a.engine.state.rng, b.engine.state.rng)  # same stream of the dynamics
    changed = {k for k in a.params if a.params[k] != b.params[k]}
    assert changed == {"W", "beta", "beta_med", "beta_creator"}  # both follow beta
    assert b.params["beta_med"] == pytest.approx(0.5)
    for _ in range(10):
        b.step()
    check_invariants(b.engine, b.engine.n_edges)


def test_a_twin_with_another_split_moves_only_the_users_the_shares_require():
    a = RewireModel(**SMALL, recommenders={"local": 0.9, "coop-random": 0.1})
    b = a.twin(recommenders={"local": 0.8, "coop-random": 0.2})
    ra, rb = a.recommender_index, b.recommender_index
    assert np.array_equal(a.edges(), b.edges())
    assert (rb == 1).sum() == 24 and (ra == 1).sum() == 12
    assert np.all(rb[ra == 1] == 1)  # coop-random keeps its users
    assert ((ra != rb).sum()) == 12  # and gains 12 from local, nobody else moves


def test_a_replaced_recommender_takes_over_its_users_and_the_rest_stay():
    a = RewireModel(**SMALL, recommenders={"local": 0.9, "coop-random": 0.1})
    b = a.twin(recommenders={"any-random": 0.9, "coop-random": 0.1})
    names_a = np.array(a.recommender_names)[a.recommender_index]
    names_b = np.array(b.recommender_names)[b.recommender_index]
    assert np.array_equal(names_a == "coop-random", names_b == "coop-random")
    assert np.array_equal(names_a == "local", names_b == "any-random")


def test_the_order_of_the_mix_does_not_move_anyone():
    a = RewireModel(**SMALL, recommenders={"local": 0.5, "coop-random": 0.5})
    b = a.twin(recommenders={"coop-random": 0.5, "local": 0.5})
    names_a = np.array(a.recommender_names)[a.recommender_index]
    names_b = np.array(b.recommender_names)[b.recommender_index]
    assert np.array_equal(names_a, names_b)


def test_fill_order_matches_labels_then_positions():
    assert fill_order({"a": 1}, {"a": 1}) == [0]
    assert fill_order({"local": 1.0}, {"coop-random": 1.0}) == [0]
    assert fill_order({"x": 0.5, "y": 0.5}, {"z": 0.2, "y": 0.3, "x": 0.5}) == [2, 1, 0]


@pytest.mark.parametrize("key, value", [("n", 50), ("k", 4), ("graph", "regular"), ("rng", 3)])
def test_a_twin_refuses_what_would_change_the_graph_in_one_line(key, value):
    a = RewireModel(**SMALL)
    with pytest.raises(ParameterError) as err:
        a.twin(**{key: value})
    assert "\n" not in str(err.value) and key in str(err.value)


def test_a_twin_refuses_a_bad_value_in_one_line():
    with pytest.raises(ParameterError, match="W must be") as err:
        RewireModel(**SMALL).twin(W=-1)
    assert "\n" not in str(err.value)


def test_a_branch_with_no_change_goes_on_as_the_original_would():
    a = RewireModel(**SMALL, recommenders={"local": 0.5, "coop-random": 0.5}, W2=0.3)
    for _ in range(6):
        a.step()
    b = a.branch()
    assert b.engine.state.rng is not a.engine.state.rng  # a copy, not shared arrays
    for _ in range(10):
        a.step()
        b.step()
        assert same_state(a, b)
    assert a.datacollector.get_model_vars_dataframe().equals(
        b.datacollector.get_model_vars_dataframe())


def test_a_branch_changes_its_copy_only_and_marks_where():
    a = RewireModel(**SMALL, W=1.0)
    for _ in range(4):
        a.step()
    before = [x.copy() for x in a.engine.state]
    b = a.branch(W=4.0)
    assert all(np.array_equal(x, y) for x, y in zip(before, a.engine.state))
    assert a.params["W"] == 1.0 and b.params["W"] == 4.0
    rows = b.datacollector.get_model_vars_dataframe()
    assert len(rows) == 5 and rows["intervention"].iloc[-1] == "branch: W=4"
    assert (rows["intervention"].iloc[:-1] == "").all()
    b.step()
    check_invariants(b.engine, b.engine.n_edges)


def test_a_branch_refuses_a_change_a_copy_cannot_take():
    with pytest.raises(ParameterError, match="a branch can change") as err:
        RewireModel(**SMALL).branch(n=50)
    assert "\n" not in str(err.value)


def test_a_twin_keeps_the_schedule():
    a = RewireModel(**SMALL)
    a.schedule(3, W=2.0)
    b = a.twin(beta=0.01)
    b.run(max_generations=5)
    assert [r["generation"] for r in b.engine.interventions] == [3]
    assert b.params["W"] == 2.0


@pytest.mark.slow
def test_pairing_narrows_the_interval_of_a_small_change():
    """Twins share their start: early in a run, the difference of degree heterogeneity
    between W = 1 and W = 1.5 varies less between paired replicates than between
    independent runs (docs/SWEEPS.md measured a ratio of half-widths of 0.61)."""
    paired, a_values, b_values = [], [], []
    for seed in range(40):
        a = RewireModel(n=300, k=10, rng=seed, max_steps=300 * 5, stop_on_fixation=False)
        b = a.twin(W=1.5)
        a.run()
        b.run()
        paired.append(b.summary()["heterogeneity"] - a.summary()["heterogeneity"])
        a_values.append(a.summary()["heterogeneity"])
        b_values.append(b.summary()["heterogeneity"])
    unpaired_var = np.var(a_values, ddof=1) + np.var(b_values, ddof=1)
    assert np.var(paired, ddof=1) < 0.7 * unpaired_var


class _Counting(Policy):
    """A stateful policy that keeps its view (as a learner might) and counts chunks."""

    name = "test-counting-twins"
    source = Source.OWN_USERS
    stateful = True

    def start(self, view):
        self.view = view
        self.chunks = 0

    def between_chunks(self, view):
        assert view is self.view  # always told through its own engine's view
        self.chunks += 1


@pytest.fixture
def counting():
    register(_Counting)
    yield
    unregister(_Counting)


def test_a_branch_copies_a_learning_recommender_and_points_it_at_the_copy(counting):
    a = Engine(n=80, k=4, rng=2, max_steps=8000, stop_on_fixation=False,
               recommenders={"local": 0.5, "test-counting-twins": 0.5})
    a.advance(400)
    b = a.branch()
    assert b.policies[1] is not a.policies[1] and b.policies[1].view.engine is b
    a.advance(400)
    b.advance(400)
    assert a.policies[1].chunks == b.policies[1].chunks == 2
    assert np.array_equal(a.state.strat, b.state.strat)
    assert np.array_equal(a.edges(), b.edges())
