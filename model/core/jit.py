"""How the kernels are compiled: one decorator, and an on-disk cache that cannot go stale.

numba caches a compiled function keyed on its own source file only, but the run
loop inlines code from several modules: edit ``recommend.py`` (or update the
checkout) and the cached loop would silently keep the old recommender. So every
kernel is cached in a directory named after a hash of *all* kernel sources and
the numba version: any change to any of them compiles afresh, and processes
with the same code share one cache. A process in which a kernel source was
edited after the package was imported may hold modules of two versions (say the
old counter layout of ``state.py`` with the new ``kernel.py``): it compiles
without the disk cache, so the mix can never be saved where others load it. It lives in ``model/core/__pycache__`` (or the
folder named by the environment variable ``REWIRE_KERNEL_CACHE``).

>>> CACHE_DIR.name.startswith("kernels-")
True
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import warnings
from pathlib import Path

import numba
from numba import njit

_HERE = Path(__file__).resolve().parent
#: Modules whose code ends up in compiled kernels.
KERNEL_SOURCES = ("jit", "rng", "state", "selectors", "indexes", "adjacency", "recommend",
                  "kernel")


def _cache_dir() -> Path:
    digest = hashlib.sha256(numba.__version__.encode())
    for name in KERNEL_SOURCES:
        digest.update((_HERE / f"{name}.py").read_bytes())
    name = f"kernels-{digest.hexdigest()[:16]}"
    roots = [_HERE / "__pycache__", Path(tempfile.gettempdir()) / "rewire-numba"]
    if os.environ.get("REWIRE_KERNEL_CACHE"):
        roots.insert(0, Path(os.environ["REWIRE_KERNEL_CACHE"]))
    for root in roots:
        try:
            root.mkdir(parents=True, exist_ok=True)
            if os.access(root, os.W_OK):
                return root / name
        except OSError:
            continue
    return _HERE / "__pycache__" / name


CACHE_DIR = _cache_dir()


def sources_unchanged_since_load() -> bool:
    """Whether no kernel source was edited after this process imported the package."""
    import model

    return all((_HERE / f"{name}.py").stat().st_mtime <= model.LOADED_AT
               for name in KERNEL_SOURCES)


_warned = False


def _use_disk_cache() -> bool:
    global _warned
    if sources_unchanged_since_load():
        return True
    if not _warned:
        warnings.warn("Rewire's kernel sources changed while this process ran; compiling "
                      "without the on-disk cache (restart to use it)", stacklevel=3)
        _warned = True
    return False


def compiled(fn=None, *, inline: bool = False, nrt: bool = False):
    """``njit`` for this project's kernels: cached in :data:`CACHE_DIR`.

    ``inline=True`` inlines the function into its callers at compile time (the run
    loop is one function, so the state tuple is never passed across a call).
    ``nrt=False`` compiles without reference counting, for kernels that never
    allocate; passing the state tuple would otherwise cost an atomic operation per
    array per call.
    """
    def wrap(f):
        saved = numba.config.CACHE_DIR
        numba.config.CACHE_DIR = str(CACHE_DIR)  # read when caching is enabled, below
        try:
            return njit(cache=_use_disk_cache(), _nrt=nrt, inline="always" if inline else "never")(f)
        finally:
            numba.config.CACHE_DIR = saved
    return wrap if fn is None else wrap(fn)
