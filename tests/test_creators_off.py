"""With ``creator_share = 0`` (the default) the model is exactly the model without creators.

The digests below were taken at commit 00524c5, before creators existed: the same seed
must give the same final graph (every slab, in order), strategies, recommenders,
cooperator counts, indexes, the counters that existed then, per-recommender tallies
and the random stream's state, bit for bit.
"""

import hashlib

import numpy as np
import pytest

from model.engine import Engine

CASES = [
    (dict(n=200, k=8, recommenders={"local": 1.0}, W=1.0), "3421c9adbddee68a449b"),
    (dict(n=200, k=8, recommenders={"coop-high": 1.0}, W=2.0, beta=0.05), "c743cbb5257571238477"),
    (dict(n=300, k=10, recommenders={"local": 0.5, "any-random": 0.3, "defect-low": 0.2},
          W=1.0, W2=0.3, beta=0.1), "0f94949adc8d83354e8a"),
    (dict(n=150, k=6, recommenders={"fair": 0.5, "any-high": 0.5}, W=3.0, W2=0.1,
          allow_isolation=True, beta=0.5), "59aaece0e513de68f3b7"),
]
#: the counters that existed before creators (state.N_COUNTERS was 16)
OLD_COUNTERS = 16


def digest(e: Engine) -> str:
    st = e.state
    h = hashlib.sha256()
    for i in range(e.n):
        h.update(np.ascontiguousarray(e.neighbours(i)).tobytes())
    for a in (st.strat, st.rec, st.ncoop, st.gorder, st.dorder, st.cnt[:OLD_COUNTERS],
              st.requests_by, st.rewires_by, st.rng):
        h.update(np.ascontiguousarray(a).tobytes())
    return h.hexdigest()[:20]


@pytest.mark.parametrize("extra", [{}, {"creator_share": 0.0}, {"creator_share": 0.0,
                                    "creator_fitness": "audience", "follows": 3.0,
                                    "creator_coop_init": 0.9, "beta_creator": 1.0}],
                         ids=["defaults", "creator_share=0", "other creator settings"])
@pytest.mark.parametrize("params,expected", CASES, ids=[str(i) for i in range(len(CASES))])
def test_no_creators_is_the_model_before_creators_bit_for_bit(params, expected, extra):
    e = Engine(stop_on_fixation=False, rng=11, **params, **extra)
    e.advance(30000)
    assert digest(e) == expected
