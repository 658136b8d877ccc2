"""The readable mode, ``RewireModel(engine="agents")``, is an executable copy of MODEL.md.

Each rule is a short method on the Mesa agents (agents/user.py, agents/recommender.py)
whose docstring quotes the step of docs/MODEL.md it implements. The rules here check
that copy against the compiled kernel three ways: the hand-built cases of
tests/test_rules.py pass through the agents' rules too (same outcome where a rule is
deterministic); each recommender proposes exactly MODEL.md's candidates; and over ~30
seeds the two engines give the same distributions of outcomes (a two-sample test
that, as shown below, does notice a model with another W).
"""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import numpy as np
import pytest
import test_rules
from handbuilt import INF, edge_set, hand_built, reference_candidates
from scipy.stats import ks_2samp, mannwhitneyu

from agents import RULES, User
from model import RewireModel
from model.cli import build_parser
from model.core import state
from model.core.invariants import check_invariants, payoffs_from_scratch
from model.core.selectors import Source
from model.parameters import MAX_READABLE_USERS, ParameterError
from model.policies import POLICIES, Policy, register, unregister

MODEL_MD = Path(__file__).resolve().parents[1] / "docs" / "MODEL.md"


# -- a hand-built engine, run by the agents' rules ------------------------------------
def readable_model(engine) -> RewireModel:
    """A readable-mode model over ``engine`` (a hand-built one): the agents act on its arrays."""
    model = RewireModel(n=engine.n, k=1, recommenders=engine.params["recommenders"],
                        max_steps=0, rng=engine.seed, engine="agents")
    model.engine, model.params = engine, engine.params
    return model


_MODEL_OF: dict[int, RewireModel] = {}  # an engine's counter array -> its readable model


def hand_built_readable(*args, **kwargs):
    """tests/test_rules.py's ``hand_built``, remembering a readable model for the engine."""
    engine = hand_built(*args, **kwargs)
    _MODEL_OF[id(engine.state.cnt)] = readable_model(engine)
    return engine


def update_chosen_pair_readable(st, x, y) -> bool:
    """The kernel's ``update_chosen_pair``, done by user x's :meth:`User.update_with`."""
    users = _MODEL_OF[id(st.cnt)].users
    if users[y] not in users[x].neighbours:
        return False
    before = users[x].strategy
    users[x].update_with(users[y])
    st.cnt[state.STEPS] += 1
    return users[x].strategy != before


#: Every case of tests/test_rules.py about the elementary update (the others test the
#: initial state, fermi and the update probabilities, which both engines share).
RULE_CASES = [
    test_rules.test_strategy_update_copies_a_fitter_neighbour,
    test_rules.test_strategy_update_never_copies_a_less_fit_neighbour,
    test_rules.test_strategy_update_with_beta_zero_is_a_coin_flip,
    test_rules.test_imitation_changes_neighbours_payoffs,
    test_rules.test_C_with_C_is_satisfied_nothing_happens,
    test_rules.test_D_with_C_is_satisfied_nothing_happens,
    test_rules.test_C_with_D_rewires_when_x_wins_the_competition,
    test_rules.test_C_with_D_keeps_the_tie_when_x_loses,
    test_rules.test_D_with_D_the_fitter_one_rewires_away,
    test_rules.test_isolation_guard_keeps_the_abandoned_user_connected,
    test_rules.test_isolation_allowed_lets_the_user_be_abandoned,
    test_rules.test_no_valid_candidate_is_an_unserved_request,
    test_rules.test_policy_none_is_never_asked,
    test_rules.test_the_number_of_edges_never_changes,
    test_rules.test_recommenders_only_propose_their_own_users_under_competition,
    test_rules.test_local_is_never_exclusive,
    test_rules.test_recommender_update_copies_a_fitter_neighbours_recommender,
    test_rules.test_recommender_imitation_uses_beta_med_not_beta,
    test_rules.test_kinds_of_update_happen_with_their_probabilities,
]


@pytest.mark.parametrize("case", RULE_CASES, ids=lambda case: case.__name__[5:])
def test_the_agents_rules_pass_the_hand_built_cases(case, monkeypatch):
    monkeypatch.setattr(test_rules, "hand_built", hand_built_readable)
    monkeypatch.setattr(test_rules, "update_chosen_pair", update_chosen_pair_readable)
    try:
        case()
    finally:
        _MODEL_OF.clear()


def test_fitness_sums_one_game_with_each_neighbour():
    model = readable_model(hand_built([(0, 1), (1, 2), (1, 3), (0, 2)], "CDCD", T=1.5, S=-0.5))
    assert [u.fitness() for u in model.users] == [-0.5 + 1, 1.5 + 1.5 + 0, -0.5 + 1, 0.0]
    assert [u.fitness() for u in model.users] == model.engine.payoffs().tolist()


# -- recommend(u, v): exactly MODEL.md's candidates, for every fixed policy ------------
@pytest.mark.parametrize("policy", [p.name for p in POLICIES if not p.stateful])
def test_each_recommender_proposes_exactly_the_candidates_of_model_md(policy):
    """Over many draws, recommend(u, v) covers the reference set (tests/handbuilt.py) and
    never leaves it, with one recommender and under competition."""
    for mix in ({policy: 1.0}, {policy: 0.5, ("fair" if policy != "fair" else "local"): 0.5}):
        model = RewireModel(n=40, k=5, rng=11, max_steps=0, recommenders=mix, engine="agents")
        users, rng = model.users, np.random.default_rng(3)
        for _ in range(6):
            u = users[int(rng.integers(model.engine.n))]
            if not u.neighbours:
                continue
            v = u.neighbours[0]
            expected = reference_candidates(model.engine, u.index, v.index)
            recommender = u.recommender_agent
            if expected is None:
                assert not recommender.is_asked
                continue
            seen = {recommender.recommend(u, v) for _ in range(60 * max(len(expected), 1))}
            assert {None if w is None else w.index for w in seen} == (expected or {None})


# -- the docstrings quote MODEL.md ------------------------------------------------------


def _plain(text: str) -> str:
    """Markdown as read: no bold, code marks, list bullets or line breaks."""
    text = re.sub(r"\n\s*(?:-|\d+\.)\s+", " ", text)
    return " ".join(text.replace("**", "").replace("`", "").split())


@pytest.mark.parametrize("rule", RULES.values(), ids=list(RULES))
def test_each_rule_is_a_short_method_quoting_model_md(rule):
    source = inspect.getsource(rule)  # what a "how it works" panel would show
    assert len(source.splitlines()) <= 30
    model_md = _plain(MODEL_MD.read_text())
    quotes = re.findall(r'"([^"]+)"', _plain(rule.__doc__))
    assert quotes, f"{rule.__qualname__} quotes no step of MODEL.md"
    for quote in quotes:
        for piece in quote.split("[...]"):
            assert piece.strip(" .") in model_md, piece


# -- the readable mode is a RewireModel like any other -------------------------------------
def test_a_readable_run_keeps_the_state_consistent_and_collects_the_same_columns():
    params = dict(n=60, k=6, beta=0.1, W=2.0, W2=0.2, max_steps=60 * 30, rng=4,
                  recommenders={"local": 0.5, "coop-high": 0.3, "fair": 0.2})
    readable, compiled = RewireModel(engine="agents", **params), RewireModel(**params)
    readable.run()
    compiled.run()
    check_invariants(readable.engine, n_edges=180)
    assert np.allclose(readable.payoff, payoffs_from_scratch(readable.engine))
    frames = [m.datacollector.get_model_vars_dataframe() for m in (readable, compiled)]
    assert list(frames[0].columns) == list(frames[1].columns)
    assert set(readable.summary()) == set(compiled.summary())
    assert readable.summary()["steps"] == 60 * 30 and readable.summary()["rewires"] > 0


def test_a_step_is_one_generation_and_the_run_stops_at_fixation():
    m = RewireModel(n=50, k=4, rng=2, engine="agents", stop_on_fixation=False)
    m.step()
    m.step()
    assert m.summary()["steps"] == 100
    m = RewireModel(n=30, k=4, graph="regular", rng=2, beta=1.0, W=0.0, engine="agents",
                    max_steps=30 * 2000)
    m.run()
    fixed = m.summary()
    assert fixed["cooperation"] in (0.0, 1.0) and fixed["fixation_step"] == fixed["steps"]
    assert not m.running


def test_the_same_seed_gives_the_same_readable_run():
    def run(seed):
        m = RewireModel(n=40, k=4, rng=seed, engine="agents", max_steps=1200, beta=0.1, W=2.0)
        m.run()
        return m.summary(), edge_set(m.engine)
    assert run(5) == run(5)
    assert run(5) != run(6)


def test_too_many_users_are_refused_in_one_line():
    with pytest.raises(ParameterError, match=r"^n must be at most 2,000 with engine='agents'"):
        RewireModel(n=MAX_READABLE_USERS + 1, k=4, engine="agents")
    RewireModel(n=MAX_READABLE_USERS + 1, k=4, engine="kernel", max_steps=0)
    with pytest.raises(ParameterError, match=r"^engine must be one of kernel, agents; got"):
        RewireModel(n=10, k=2, engine="mesa")


class _Learner(Policy):
    """A policy that keeps state (it acts between chunks of kernel updates)."""

    name = "test-learner"
    source = Source.OWN_USERS
    stateful = True


def test_recommenders_that_keep_state_are_refused_in_one_line():
    register(_Learner)
    try:
        with pytest.raises(ParameterError, match=r"^engine='agents' runs fixed recommenders "
                                                 r"only; 'test-learner'"):
            RewireModel(n=10, k=2, engine="agents", recommenders={"test-learner": 1.0})
    finally:
        unregister(_Learner)


def test_the_command_line_has_an_engine_option():
    args = build_parser().parse_args(["run", "--engine", "agents"])
    assert args.engine == "agents"


# -- the two engines agree in distribution -----------------------------------------------
SMALL = dict(n=50, k=6, beta=0.1, max_steps=50 * 60)  # 60 generations, or fixation
SEEDS = 30
METRICS = ("cooperation", "rewires", "heterogeneity")


def outcomes(engine: str, first_seed: int, **params) -> dict[str, np.ndarray]:
    """Final metrics of SEEDS runs (seeds first_seed, first_seed + 1, ...)."""
    finals = [RewireModel(engine=engine, rng=first_seed + s, **SMALL, **params).run()
              for s in range(SEEDS)]
    out = {m: np.array([f[m] for f in finals], dtype=float) for m in METRICS}
    out["share:local"] = np.array([f["shares"].get("local", 0.0) for f in finals])
    return out


def same_distribution(a: np.ndarray, b: np.ndarray) -> float:
    """The smaller p-value of a two-sided Mann-Whitney U and a Kolmogorov-Smirnov test
    (1 when both samples are one same constant)."""
    if np.ptp(np.concatenate([a, b])) == 0:
        return 1.0
    return min(mannwhitneyu(a, b).pvalue, ks_2samp(a, b, method="asymp").pvalue)


#: Threshold for "the engines differ": with ~25 comparisons, a false alarm in about 1 run
#: of the suite in 40 if they were identical (the seeds are fixed, so a run is repeatable).
ALPHA = 0.001

SETTINGS = {  # the Prisoner's Dilemma, T = 2, S = -1, unless said
    "none W=1": dict(recommenders={"none": 1.0}, W=1.0),
    "local W=1": dict(recommenders={"local": 1.0}, W=1.0),
    "local W=3": dict(recommenders={"local": 1.0}, W=3.0),
    "coop-random W=1": dict(recommenders={"coop-random": 1.0}, W=1.0),
    "coop-random W=3": dict(recommenders={"coop-random": 1.0}, W=3.0),
    "any-high W=1": dict(recommenders={"any-high": 1.0}, W=1.0),
    "any-high W=3": dict(recommenders={"any-high": 1.0}, W=3.0),
    "snowdrift, fair W=1": dict(recommenders={"fair": 1.0}, W=1.0, T=1.5, S=0.5),
    "snowdrift, local vs coop-random W2=0.3": dict(
        recommenders={"local": 0.5, "coop-random": 0.5}, W=1.0, W2=0.3, T=1.5, S=0.5),
}


@pytest.mark.slow
@pytest.mark.parametrize("setting", SETTINGS)
def test_both_engines_give_the_same_distribution_of_outcomes(setting):
    readable = outcomes("agents", 1000, **SETTINGS[setting])
    compiled = outcomes("kernel", 0, **SETTINGS[setting])
    for metric in readable:
        p = same_distribution(readable[metric], compiled[metric])
        assert p > ALPHA, (f"{metric}: readable mean {readable[metric].mean():.3g}, "
                           f"compiled {compiled[metric].mean():.3g}, p = {p:.2g}")


@pytest.mark.slow
def test_the_comparison_notices_a_model_with_another_W():
    readable = outcomes("agents", 1000, recommenders={"local": 1.0}, W=1.0)
    compiled = outcomes("kernel", 0, recommenders={"local": 1.0}, W=3.0)
    assert min(same_distribution(readable[m], compiled[m]) for m in METRICS) < ALPHA
