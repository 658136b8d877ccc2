"""Recommender policies: the registry, and each policy's choices against MODEL.md's definition.

The reference (tests/handbuilt.py) computes the candidate set the obvious way; the
compiled selector must only ever return members of it, -1 exactly when it is empty,
and reach every member (ties broken at random, random picks uniform).
"""

from collections import Counter

import numpy as np
import pytest
from handbuilt import hand_built, reference_candidates
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import chisquare

from model.core.selectors import Source
from model.policies import POLICIES, Policy, canonical_name, get_policy, policy_names
from model.core.recommend import ask


# -- the registry ---------------------------------------------------------------
def test_registry_holds_every_policy_of_the_model():
    assert policy_names() == [
        "none", "local", "coop-low", "coop-random", "coop-high", "any-low", "any-random",
        "any-high", "defect-low", "defect-random", "defect-high", "fair",
        "bandit-ucb", "bandit-eps", "bandit-exp3", "bandit-thompson", "bandit-etc",
        "learned", "learned-aligned-n10", "learned-engagement-n10", "learned-aligned-n30",
        "learned-engagement-n30", "learned-aligned-n100", "learned-engagement-n100",
        "learned-aligned-n1000", "learned-engagement-n1000"]


@pytest.mark.timeout(120)
@pytest.mark.parametrize("first", ["model.bandit_policies", "model.learned_policies"])
def test_the_registry_order_does_not_depend_on_which_module_is_imported_first(first):
    import subprocess
    import sys

    code = f"import {first}; from model.policies import policy_names; print(policy_names())"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=100, check=True).stdout
    assert eval(out) == [n for n in policy_names() if get_policy(n).__module__.startswith("model.")]


@pytest.mark.parametrize("alias, name", [("GOOD", "coop-random"), ("BAD", "defect-random"),
                                         ("RANDOM", "any-random"), ("NO_MED", "local"),
                                         ("Coop-High", "coop-high")])
def test_paper_aliases_resolve_case_insensitively(alias, name):
    assert canonical_name(alias) == name


def test_unknown_policy_names_the_known_ones():
    with pytest.raises(KeyError, match="unknown recommender 'foo'; known: none, local"):
        get_policy("foo")


@pytest.mark.parametrize("policy", POLICIES, ids=lambda p: p.name)
def test_every_policy_says_where_it_comes_from_and_what_it_reads(policy):
    assert issubclass(policy, Policy)
    meta = policy.metadata()
    assert meta["name"] and meta["origin"] and meta["description"]
    assert meta["exclusive"] == (policy.source == Source.OWN_USERS)
    if policy.name not in ("none", "any-random"):
        assert meta["looks_at"], f"{policy.name} must say what it looks at"


# -- choices against the reference ------------------------------------------------
def draws(engine, u, v, times):
    return [int(ask(engine.state, u, v)) for _ in range(times)]


@st.composite
def small_world(draw):
    """A random small graph, strategies, two recommenders and a tie (u, v) to leave."""
    n = draw(st.integers(4, 12))
    pairs = [(i, j) for i in range(n) for j in range(i + 1, n)]
    chosen = draw(st.lists(st.sampled_from(pairs), min_size=1, max_size=len(pairs),
                           unique=True))
    strategies = "".join(draw(st.lists(st.sampled_from("CD"), min_size=n, max_size=n)))
    names = draw(st.lists(st.sampled_from([p.name for p in POLICIES if not p.stateful]),
                          min_size=1, max_size=2, unique=True))
    owner = draw(st.lists(st.integers(0, len(names) - 1), min_size=n, max_size=n))
    u, v = draw(st.sampled_from(chosen))
    if draw(st.booleans()):
        u, v = v, u
    seed = draw(st.integers(0, 2**32))
    mix = {name: 1 / len(names) for name in names}
    return chosen, strategies, mix, owner, u, v, seed


@settings(max_examples=300, deadline=None)
@given(small_world())
def test_every_choice_is_a_valid_candidate_of_the_policy(world):
    edges, strategies, mix, owner, u, v, seed = world
    e = hand_built(edges, strategies, recommenders=mix, recommender_of=owner, rng=seed)
    expected = reference_candidates(e, u, v)
    if expected is None:
        return  # `none` is never asked
    got = set(draws(e, u, v, 40))
    if not expected:
        assert got == {-1}
    else:
        assert got <= expected
        if len(expected) <= 3:  # 40 draws reach each of at most 3 candidates w.p. > 0.9999
            assert got == expected


# A fixed case with known answers: 0 (C) leaves 1 (D). Degrees of the candidates
# 3..9 (neighbours of 0 and 0 itself are not candidates):
#   3:C d1  4:C d3  5:C d3  6:D d1  7:D d4  8:D d2  9:C d1
CASE_EDGES = [(0, 1), (0, 2), (1, 7), (4, 7), (5, 7), (4, 8), (5, 8), (4, 3), (5, 6), (7, 9),
              (1, 2)]
CASE_STRATEGIES = "CDCCCCDDDC"


@pytest.mark.parametrize("name, expected", [
    ("coop-high", {4, 5}), ("coop-low", {3, 9}), ("coop-random", {3, 4, 5, 9}),
    ("defect-high", {7}), ("defect-low", {6}), ("defect-random", {6, 7, 8}),
    ("any-high", {7}), ("any-low", {3, 6, 9}), ("any-random", {3, 4, 5, 6, 7, 8, 9}),
    ("fair", {3, 4, 5, 9}),  # 0 cooperates: sent to cooperators
    ("local", {7}),  # neighbours of 1 that are neither 0 nor 0's neighbours
])
def test_each_heuristic_picks_what_table_3_says(name, expected):
    e = hand_built(CASE_EDGES, CASE_STRATEGIES, recommenders={name: 1.0})
    assert reference_candidates(e, 0, 1) == expected
    assert set(draws(e, 0, 1, 200)) == expected


def test_fair_sends_a_defector_to_defectors():
    e = hand_built(CASE_EDGES, CASE_STRATEGIES, recommenders={"fair": 1.0})
    assert set(draws(e, 1, 0, 200)) == {6, 8}  # 1's neighbours 0, 2, 7 are excluded


@pytest.mark.parametrize("name", ["any-random", "coop-random", "local"])
def test_random_choices_are_uniform(name):
    edges = [(0, 1)] + [(1, j) for j in range(2, 12)] + [(12, 13)]
    e = hand_built(edges, "CD" + "CD" * 6, recommenders={name: 1.0}, rng=11)
    expected = sorted(reference_candidates(e, 0, 1))
    counts = Counter(draws(e, 0, 1, 300 * len(expected)))
    assert set(counts) == set(expected)
    assert chisquare([counts[c] for c in expected]).pvalue > 1e-4


def test_degree_ranked_choice_scales_with_hubs():
    # A star: every rewire of a leaf toward the highest degree finds the hub first.
    n = 400
    edges = [(0, j) for j in range(1, n - 1)] + [(n - 2, n - 1)]
    e = hand_built(edges, "C" * n, recommenders={"any-high": 1.0})
    assert set(draws(e, n - 1, n - 2, 20)) == {0}


def _outside_the_pool_at_the_extreme(high: bool):
    """300 cooperators on a ring, one of them (100) a hub of degree 12; and 100
    defectors holding every degree beyond the cooperators': a clique of degree 99
    (for "-high") or isolated pairs of degree 1 (for "-low")."""
    defectors = range(100)
    if high:
        edges = [(a, b) for a in defectors for b in defectors if a < b]
    else:
        edges = [(a, a + 1) for a in range(0, 100, 2)]
    edges += [(j, j + 1) for j in range(100, 399)] + [(399, 100)]
    edges += [(100, j) for j in range(102, 112)]
    return edges, "D" * 100 + "C" * 300


@pytest.mark.parametrize("name", ["coop-high", "coop-low"])
def test_degree_ranked_choice_reads_past_many_users_outside_its_pool(name):
    """The best cooperators lie beyond 100 defectors in the degree order, more than a
    pick reads one by one: they must still be found, and nothing else."""
    e = hand_built(*_outside_the_pool_at_the_extreme(name == "coop-high"),
                   recommenders={name: 1.0})
    u, v = 300, 301
    expected = {100} if name == "coop-high" else {101, *range(112, 400)} - {299, 300, 301}
    assert reference_candidates(e, u, v) == expected
    got = set(draws(e, u, v, 400))
    assert got <= expected and len(got) > (1 if name == "coop-high" else 100) - 1
