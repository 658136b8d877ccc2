"""How the kernels are compiled: one decorator, and an on-disk cache that cannot go stale.

numba caches a compiled function keyed on its own source file only, but the run
loop is built from code in several modules: edit ``recommend.py`` (or update the
checkout) and the cached loop would silently keep the old recommender. So every
kernel is cached in a directory named after a hash of *all* kernel sources and
the numba version: any change to any of them compiles afresh, and processes
with the same code share one cache. A process in which a kernel source was
edited after the package was imported may hold modules of two versions (say the
old counter layout of ``state.py`` with the new ``kernel.py``): it compiles
without the disk cache, so the mix can never be saved where others load it. It lives in
``model/core/__pycache__`` (or the folder named by the environment variable
``REWIRE_KERNEL_CACHE``).

What a first run compiles is what it calls: the version of the run loop its state
needs (``run`` for recommenders that pick at random, ``run_ranked`` if one ranks by
degree, ``run_full`` with bandits, a learned ranking or creators; see
:func:`model.core.kernel.entry_point_for`) with everything it inlines, the loop that
lays out the graph and ``headroom``; other entry points (``compact`` when the pool
grows, ``ask``, the readable rules' pieces, the learners) compile on their first call. A kernel
that is only ever inlined is not cached on its own: the cached code of the kernels
that call it holds it.

>>> CACHE_DIR.name.startswith("kernels-")
True
"""

from __future__ import annotations

import hashlib
import os
import sys
import tempfile
import time
import types as types_module
import warnings
from pathlib import Path

import numba
from numba.core import event, types
from numba.core.codegen import JITCodeLibrary
from numba.core.compiler import Compiler
from numba.core.registry import CPUDispatcher

_HERE = Path(__file__).resolve().parent
#: Modules whose code ends up in compiled kernels.
KERNEL_SOURCES = ("jit", "rng", "state", "selectors", "groups", "indexes", "adjacency", "learned",
                  "learned_gat", "learners", "recommend", "kernel")


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


def _widened(t):
    """The type a kernel is compiled for when called with an argument of type ``t``.

    Literal values and narrow signed integers (an ``int32`` degree, an ``int8``
    strategy) become ``int64``: a caller passing a neighbour's index (``int32``) and
    one passing a drawn user (``int64``) then share one compiled copy instead of
    compiling two. The caller converts its argument, and once the call is inlined
    LLVM folds the conversion (and the literal) away.
    """
    t = types.unliteral(t)
    if isinstance(t, types.Integer) and t.signed and t.bitwidth < 64:
        return types.int64
    return t


class _LinkOnlyLibrary(JITCodeLibrary):
    """The code of a kernel that is only ever inlined: kept as LLVM IR, for its callers.

    numba optimises every compiled function's module with everything it calls linked
    in, and makes machine code of it. For a kernel that runs only inlined into the
    run loop, both are wasted, and they are repeated at every level of the call
    tree (``recommend`` inside ``rewire`` inside ``update_pair`` ...). This library
    does neither: the loop that is run optimises and compiles the whole tree once.
    """

    @property
    def codegen(self):
        return _NoEnvironment(self._codegen)

    def _optimize_final_module(self):
        pass

    def _finalize_final_module(self):
        self._finalize_dynamic_globals()
        self._verify_declare_only_symbols()
        self._finalized = True


class _NoEnvironment:
    """numba's code generator, but setting no environment: the code never runs alone."""

    def __init__(self, codegen):
        self._codegen = codegen

    def set_env(self, env_name, env):
        pass

    def __getattr__(self, name):
        return getattr(self._codegen, name)


class _LinkOnlyCompiler(Compiler):
    """numba's compiler, putting the code in a :class:`_LinkOnlyLibrary`."""

    def __init__(self, typingctx, targetctx, library, *args, **kws):
        if library is None:
            library = _LinkOnlyLibrary(targetctx.codegen(), "rewire-inlined")
        super().__init__(typingctx, targetctx, library, *args, **kws)


class Kernel(CPUDispatcher):
    """A dispatcher that compiles one copy per widened signature (:func:`_widened`)."""

    def get_call_template(self, args, kws):
        return super().get_call_template(tuple(_widened(a) for a in args),
                                         {k: _widened(v) for k, v in kws.items()})


class InlinedKernel(Kernel):
    """A kernel that exists to be inlined into other kernels.

    It is compiled with LLVM's ``alwaysinline`` and without the wrapper that
    converts Python objects (for a function of the state tuple, that wrapper unboxes
    25 arrays, and compiling it cost more than the function). Python code that calls
    it (the readable rules, tests) goes through a twin compiled with the wrapper,
    on first such call and cached on its own.
    """

    _from_python = None

    def __call__(self, *args, **kws):
        if self._from_python is None:
            f = self.py_func
            twin = types_module.FunctionType(f.__code__, f.__globals__, f.__name__,
                                             f.__defaults__, f.__closure__)
            twin.__qualname__ = f"{f.__qualname__}_from_python"  # its own cache entry
            twin.__doc__ = f.__doc__
            self._from_python = _dispatcher(Kernel, twin, self._nrt)
        return self._from_python(*args, **kws)


def _dispatcher(cls, f, nrt: bool, inline: bool = False):
    saved = numba.config.CACHE_DIR
    numba.config.CACHE_DIR = str(CACHE_DIR)  # read when caching is enabled, below
    try:
        dispatcher = cls(py_func=f, locals={}, targetoptions=dict(
            nopython=True, boundscheck=None, _nrt=nrt, forceinline=inline,
            no_cpython_wrapper=inline, no_cfunc_wrapper=inline),
            pipeline_class=_LinkOnlyCompiler if inline else Compiler)
        dispatcher._nrt = nrt
        if _use_disk_cache() and not inline:
            dispatcher.enable_caching()
    finally:
        numba.config.CACHE_DIR = saved
    _KERNELS.add(dispatcher)
    return dispatcher


def compiled(fn=None, *, inline: bool = False, nrt: bool = False):
    """``njit`` for this project's kernels: cached in :data:`CACHE_DIR`.

    ``inline=True`` is for functions that take the state tuple: a call passing its
    25 arrays costs more than the work of most of them, so LLVM inlines every call
    of them (its ``alwaysinline``). Each is typed and compiled once, as a function of
    its own, which costs far less than inlining it in numba's IR, where every
    call site typed the whole callee again (that took more than half of a first run).
    Functions of a few scalars or one array (the random stream, the index moves,
    the group arithmetic) are compiled once each and called; LLVM inlines those it
    finds worth it. ``nrt=False`` compiles without reference counting, for kernels
    that never allocate; passing the state tuple would otherwise cost an atomic
    operation per array per call.
    """
    def wrap(f):
        if numba.config.DISABLE_JIT:
            return f
        return _dispatcher(InlinedKernel if inline else Kernel, f, nrt, inline)
    return wrap if fn is None else wrap(fn)


# -- saying so when a compile happens -------------------------------------------------
#: Every dispatcher made by :func:`compiled`.
_KERNELS: set = set()
#: Rough first-compile time, for the message (README.md, "Speed and size").
COMPILE_ESTIMATE = "about ten seconds, longer on a busy machine"


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
