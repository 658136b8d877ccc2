"""How kernels are compiled: only on first use, once per widened signature, and an
inlined kernel still answers a call from Python."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from model.core import jit

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def own_cache(tmp_path, monkeypatch):
    """Kernels made here are cached in a folder of the test's own."""
    monkeypatch.setattr(jit, "CACHE_DIR", tmp_path / "kernels")
    return tmp_path


@pytest.mark.timeout(120)
def test_importing_the_model_compiles_nothing():
    """A first run pays for what it runs, not for every kernel the package has."""
    code = ("import model, model.engine, model.rewire_model, agents.bookkeeping\n"
            "from model.core import jit\n"
            "print(sum(len(k.signatures) for k in jit._KERNELS))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                         text=True, check=True, timeout=110).stdout
    assert out == "0\n"


def test_narrow_and_wide_integer_arguments_share_one_compiled_copy(own_cache):
    @jit.compiled(inline=True)
    def pick(a, i):
        return a[i] * 2

    @jit.compiled
    def caller(a, small, wide):
        return pick(a, small) + pick(a, wide) + pick(a, 1)

    a = np.arange(5, dtype=np.int64)
    assert caller(a, np.int32(2), 3) == 4 + 6 + 2
    assert len(pick.signatures) == 1
    assert pick.signatures[0][1] == jit.types.int64


def test_an_inlined_kernel_answers_python_and_other_kernels_alike(own_cache):
    @jit.compiled(inline=True)
    def bump(a, i):
        a[i] += 1
        return a[i]

    @jit.compiled
    def bump_twice(a, i):
        bump(a, i)
        return bump(a, i)

    a = np.zeros(3, dtype=np.int64)
    assert bump_twice(a, 1) == 2
    assert bump(a, 1) == 3  # from Python: through its twin with a Python wrapper
    assert a.tolist() == [0, 3, 0]
