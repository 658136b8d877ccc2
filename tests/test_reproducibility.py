"""Same seed, same result: in one process, across processes, with other models interleaved."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

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


def _model_imports(module: str) -> set[str]:
    """The modules of the ``model.core`` package that ``module`` imports, transitively."""
    import ast

    seen, todo = set(), [module]
    while todo:
        tree = ast.parse((ROOT / "model" / "core" / f"{todo.pop()}.py").read_text())
        for node in ast.walk(tree):
            names = ([node.module] if isinstance(node, ast.ImportFrom) and node.module
                     else [a.name for a in node.names] if isinstance(node, ast.Import) else [])
            for name in names:
                assert not name.startswith("model.") or name.startswith("model.core."), \
                    f"the compiled core imports {name}, outside model.core"
                if name.startswith("model.core.") and name[11:] not in seen:
                    seen.add(name[11:])
                    todo.append(name[11:])
    return seen


def test_every_module_the_run_loop_inlines_is_a_kernel_source():
    from model.core import jit

    assert _model_imports("kernel") | {"kernel"} <= set(jit.KERNEL_SOURCES)


def test_editing_any_kernel_source_moves_the_kernel_cache(tmp_path, monkeypatch):
    """Editing a module the run loop inlines must compile afresh, not reuse a stale kernel."""
    import shutil

    from model.core import jit

    for name in jit.KERNEL_SOURCES:
        shutil.copy(ROOT / "model" / "core" / f"{name}.py", tmp_path)
    monkeypatch.setattr(jit, "_HERE", tmp_path)
    before = jit._cache_dir().name
    assert jit._cache_dir().name == before  # the same sources, the same cache
    for name in jit.KERNEL_SOURCES:
        source = tmp_path / f"{name}.py"
        text = source.read_text()
        source.write_text(text + "\n# edited\n")
        assert jit._cache_dir().name != before, f"editing {name}.py kept the old cache"
        source.write_text(text)


def test_a_process_whose_kernel_sources_changed_does_not_write_the_disk_cache(monkeypatch):
    """Modules imported before and after an edit may not fit together (an old counter
    layout with a new run loop): such a process must not save that mix for others."""
    import warnings

    import model
    from model.core import jit

    def kernel(x):
        return x + 1

    monkeypatch.setattr(jit, "_warned", False)
    monkeypatch.setattr(model, "LOADED_AT", 0.0)  # every source is newer than the import
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert type(jit.compiled(kernel)._cache).__name__ == "NullCache"
    assert "without the on-disk cache" in str(caught[0].message)
    monkeypatch.setattr(model, "LOADED_AT", float("inf"))
    assert type(jit.compiled(kernel)._cache).__name__ == "FunctionCache"


@pytest.mark.timeout(600)
def test_a_compile_says_so_on_stderr_and_a_cached_start_says_nothing(tmp_path):
    """A first run compiles for tens of seconds: it must say so, and only then."""
    import os

    code = "from model.core.adjacency import headroom; print(headroom(4))"
    env = {**os.environ, "REWIRE_KERNEL_CACHE": str(tmp_path)}
    first, again = (subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env,
                                   capture_output=True, text=True, check=True)
                    for _ in range(2))
    assert first.stdout == again.stdout == "32\n"
    assert "Rewire: compiling the simulation kernels" in first.stderr
    assert again.stderr == ""
