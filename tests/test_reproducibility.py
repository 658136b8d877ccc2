"""Same seed, same result: in one process, across processes, with other models interleaved."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np

from model import RewireModel

ROOT = Path(__file__).resolve().parents[1]
PARAMS = dict(n=300, k=10, max_steps=30_000, recommenders={"local": 0.6, "coop-high": 0.4},
              W2=0.1, stop_on_fixation=False)


def fingerprint(model):
    return (model.summary(), model.engine.state.strat.tobytes(), model.edges().tobytes())


def test_same_seed_same_run():
    a, b = RewireModel(rng=42, **PARAMS), RewireModel(rng=42, **PARAMS)
    a.run()
    b.run()
    assert fingerprint(a) == fingerprint(b)
    assert a.datacollector.get_model_vars_dataframe().equals(
        b.datacollector.get_model_vars_dataframe())


def test_interleaved_models_do_not_share_a_random_stream():
    alone = RewireModel(rng=7, **PARAMS)
    alone.run()
    a, other = RewireModel(rng=7, **PARAMS), RewireModel(rng=8, **PARAMS)
    while a.running:
        a.step()
        other.step()
    assert fingerprint(a) == fingerprint(alone)


def test_different_seeds_differ():
    a, b = RewireModel(rng=1, **PARAMS), RewireModel(rng=2, **PARAMS)
    a.run()
    b.run()
    assert fingerprint(a) != fingerprint(b)
    assert not np.array_equal(a.edges(), b.edges())


def test_same_seed_same_result_in_another_process():
    here = RewireModel(n=300, k=10, rng=99, max_steps=30_000, stop_on_fixation=False).run()
    out = subprocess.run(
        [sys.executable, "-m", "model", "run", "--n", "300", "--k", "10", "--seed", "99",
         "--steps", "30000", "--no-stop-on-fixation", "--json"],
        cwd=ROOT, capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == json.loads(json.dumps(here))


def test_no_seed_draws_fresh_entropy_and_reports_it():
    a, b = RewireModel(n=50, k=4), RewireModel(n=50, k=4)
    assert a.seed != b.seed
    replay = RewireModel(n=50, k=4, rng=a.seed)
    assert np.array_equal(replay.edges(), a.edges())


def test_compiled_kernels_are_cached_by_a_hash_of_every_kernel_source():
    """Editing any module the run loop inlines must compile afresh, not reuse a stale kernel."""
    import hashlib

    import numba

    from model import jit

    digest = hashlib.sha256(numba.__version__.encode())
    for name in jit.KERNEL_SOURCES:
        digest.update((ROOT / "model" / f"{name}.py").read_bytes())
    assert jit.CACHE_DIR.name == f"kernels-{digest.hexdigest()[:16]}"
    inlined = {"rng", "state", "policies", "indexes", "adjacency", "recommend", "kernel"}
    assert inlined <= set(jit.KERNEL_SOURCES)
