"""How the kernels are compiled: one decorator, and an on-disk cache that cannot go stale.

numba caches a compiled function keyed on its own source file only, but the run
loop is built from code in several modules: edit ``recommend.py`` (or update the
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
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numba
from numba import njit
from numba.core import event

_HERE = Path(__file__).resolve().parent
#: Modules whose code ends up in compiled kernels.
KERNEL_SOURCES = ("jit", "rng", "state", "selectors", "groups", "indexes", "adjacency", "learned",
                  "recommend", "kernel")


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

    ``inline=True`` inlines the function into its callers in numba's IR, for
    functions that take the state tuple: a call passing its 25 arrays costs more
    than the work of most of them, and LLVM does not inline such calls. Functions of
    a few scalars or one array (the random stream, the index moves, the group
    arithmetic) are compiled once each and called, which LLVM inlines or makes cheap:
    numba types every inlined copy again, so inlining them too made the first
    compile about 20 % longer for no measurable speed. ``nrt=False`` compiles
    without reference counting, for kernels that never allocate; passing the state
    tuple would otherwise cost an atomic operation per array per call.
    """
    def wrap(f):
        saved = numba.config.CACHE_DIR
        numba.config.CACHE_DIR = str(CACHE_DIR)  # read when caching is enabled, below
        try:
            dispatcher = njit(cache=_use_disk_cache(), _nrt=nrt,
                              inline="always" if inline else "never")(f)
        finally:
            numba.config.CACHE_DIR = saved
        _KERNELS.add(dispatcher)
        return dispatcher
    return wrap if fn is None else wrap(fn)


# -- saying so when a compile happens -------------------------------------------------
#: Every dispatcher made by :func:`compiled`.
_KERNELS: set = set()
#: Rough first-compile time, for the message (README.md, "Speed and size").
COMPILE_ESTIMATE = "about half a minute, longer on a busy machine"


class _CompileNotice(event.Listener):
    """Writes to stderr when this project's kernels are compiled (not loaded from the
    cache): a first run would otherwise sit silent for tens of seconds."""

    def __init__(self):
        self.depth = 0
        self.started = 0.0
        self.announced = False

    def on_start(self, ev):
        if ev.data["dispatcher"] not in _KERNELS:
            return
        if self.depth == 0:
            self.started = time.perf_counter()
            if not self.announced:
                self.announced = True
                print(f"Rewire: compiling the simulation kernels ({COMPILE_ESTIMATE}; once "
                      f"after an install or upgrade, then cached in {CACHE_DIR.parent})...",
                      file=sys.stderr, flush=True)
        self.depth += 1

    def on_end(self, ev):
        if ev.data["dispatcher"] not in _KERNELS:
            return
        self.depth -= 1
        seconds = time.perf_counter() - self.started
        if self.depth == 0 and seconds >= 1.0:
            name = ev.data["dispatcher"].py_func.__name__
            print(f"Rewire: compiled {name} in {seconds:.0f} s", file=sys.stderr, flush=True)


event.register("numba:compile", _CompileNotice())
