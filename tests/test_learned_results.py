"""The shipped policies against every heuristic (slow; docs/LEARNING.md, Results).

On 2,000 fresh seeds of the paper's N = 10 setting (a run there takes about a
millisecond), the aligned policy (trained on ``coops``) must end with more cooperation
than every fixed recommender, and the engagement policy (trained on ``rewires``) must
draw more rewire requests than every fixed recommender: "more" meaning that the
difference from the best heuristic, paired by seed, is above zero beyond its 95 %
interval. The engagement policy must leave less cooperation than the aligned one. At
N = 30, 100 and 1000 (200 seeds), each shipped policy must at least match the best
heuristic for its reward (not reached by the N = 1000 engagement policy: an expected
failure, reported if it ever passes).
"""

import pytest

from model.learned_policies import SHIPPED, SHIPPED_DIR
from model.train import CONFIGS, _mean_ci, evaluate, evaluate_runs

HEURISTICS = ["coop-low", "coop-random", "coop-high", "any-low", "any-random", "any-high",
              "defect-low", "defect-random", "defect-high", "local", "fair"]
SEEDS = range(200)
N10_SEEDS = range(2000)

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not (SHIPPED_DIR / SHIPPED["aligned-n10"]).is_file(),
                                 reason="no shipped N = 10 policies")]


@pytest.fixture(scope="module")
def runs():
    cfg = CONFIGS["n10"]
    names = ["learned-aligned-n10", "learned-engagement-n10"] + HEURISTICS
    return {name: evaluate_runs(name, cfg, N10_SEEDS) for name in names}


def paired_margin(runs, learned, metric):
    """The best heuristic for ``metric`` (0: cooperation, 1: requests), and the lower end
    of the 95 % interval of the learned policy's difference from it, paired by seed."""
    best = max(HEURISTICS, key=lambda h: runs[h][metric].mean())
    mean, half = _mean_ci(runs[learned][metric] - runs[best][metric])
    return best, mean - half


# The shipped N = 10 policies match the best heuristic but do not beat it
# (docs/LEARNING.md, Results); these two state the target and report when it is met.
@pytest.mark.xfail(reason="shipped N = 10 aligned policy: +0.003 +- 0.021 over coop-low",
                   strict=False)
@pytest.mark.timeout(1800)
def test_the_aligned_policy_ends_with_more_cooperation_than_every_heuristic(runs):
    best, low = paired_margin(runs, "learned-aligned-n10", 0)
    assert low > 0, (best, low)


@pytest.mark.xfail(reason="shipped N = 10 engagement policy: -1.9 +- 1.4 requests "
                          "against defect-low", strict=False)
@pytest.mark.timeout(1800)
def test_the_engagement_policy_draws_more_requests_than_every_heuristic(runs):
    best, low = paired_margin(runs, "learned-engagement-n10", 1)
    assert low > 0, (best, low)


@pytest.mark.timeout(1800)
def test_the_aligned_policy_at_least_matches_the_best_heuristic_at_n10(runs):
    best, low = paired_margin(runs, "learned-aligned-n10", 0)
    mean, half = _mean_ci(runs["learned-aligned-n10"][0] - runs[best][0])
    assert mean + half >= 0, (best, mean, half)


@pytest.mark.timeout(1800)
def test_engagement_leaves_less_cooperation_than_alignment(runs):
    assert runs["learned-engagement-n10"][0].mean() < runs["learned-aligned-n10"][0].mean()


# -- N = 30 and 100: at least as good as the best heuristic for their reward ----------
@pytest.fixture(scope="module", params=[30, 100, 1000])
def sized(request):
    n = request.param
    if not all((SHIPPED_DIR / SHIPPED[f"{r}-n{n}"]).is_file() for r in ("aligned", "engagement")):
        pytest.skip(f"no shipped N = {n} policies")
    names = [f"learned-aligned-n{n}", f"learned-engagement-n{n}"] + HEURISTICS
    return n, {name: evaluate(name, CONFIGS[f"n{n}"], SEEDS) for name in names}


@pytest.mark.timeout(1800)
@pytest.mark.parametrize("reward,metric", [("aligned", "coops"), ("engagement", "rewires")])
def test_a_policy_at_least_matches_the_best_heuristic_for_its_reward(sized, reward, metric,
                                                                    request):
    """"At least match": the learned mean is not below the best heuristic's beyond
    their two 95 % intervals."""
    n, res = sized
    if (n, reward) == (1000, "engagement"):  # docs/LEARNING.md, Results: not reached
        request.node.add_marker(pytest.mark.xfail(
            reason="N = 1000 engagement policy proposes as defect-low does; coop-high "
                   "draws 1,875 +- 458 more requests", strict=False))
    learned, half = res[f"learned-{reward}-n{n}"][metric]
    best = max(HEURISTICS, key=lambda h: res[h][metric][0])
    top, top_half = res[best][metric]
    assert learned + half >= top - top_half, (n, best, top, learned)


@pytest.mark.timeout(1800)
def test_engagement_leaves_less_cooperation_than_alignment_at_every_size(sized):
    n, res = sized
    assert res[f"learned-engagement-n{n}"]["coops"][0] < res[f"learned-aligned-n{n}"]["coops"][0]
