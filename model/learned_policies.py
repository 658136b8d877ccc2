"""Learned recommenders: a trained ranking module (a policy file) acting in the kernel.

A learned recommender proposes, among its valid candidates, the user its trained
ranking module scores best (``mode = "greedy"``, the paper's evaluation) or one drawn
from the module's softmax (``mode = "sample"``, as in training). The module is the
MLP or GAT of :mod:`model.learning.ranking`, read from a policy file (``.npz``, never
unpickled) and executed by the compiled kernel (:mod:`model.core.learned` scores an
MLP by class, :mod:`model.core.learned_gat` a GAT user by user): its weights are
written into the state's ``lw`` array when the run starts.

In a mix::

    --recommenders learned:policies/aligned-mlp-n10.npz=1
    --recommenders local=0.9,learned-aligned=0.1          # a shipped policy by name
    --recommenders "local=0.9,mine=0.1[policy=learned,file=policies/x.npz,mode=sample]"

    recommenders = { local = 0.9, mine = { share = 0.1, policy = "learned",
                                           file = "policies/x.npz" } }

``learned:<file>`` is short for a recommender labelled ``learned:<file>`` whose
policy is ``learned`` with that file. The shipped policies (``policies/`` in the
checkout) are registered by name: ``learned-aligned`` and ``learned-engagement``
(trained at N = 10), and ``learned-<reward>-n<N>`` for each size trained.
A policy trained at one N runs at any N (its features are relative).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from model.core import learned as kernel_learned, learned_gat as kernel_learned_gat
from model.core.selectors import Rank, Source, Who
from model.learning.ranking import PolicyFileError, RankingPolicy, load_policy
from model.parameters import Parameter, ParameterError
from model.policies import Policy, register

#: Where the shipped policies live (the checkout's ``policies/`` folder).
SHIPPED_DIR = Path(__file__).resolve().parent.parent / "policies"
#: The shipped policies: short name -> file name in :data:`SHIPPED_DIR`.
SHIPPED = {f"{reward}-n{n}": f"{reward}-mlp-n{n}.npz"
           for n in (10, 30, 100, 1000) for reward in ("aligned", "engagement")}
#: Shorter names: the N = 10 policies (the paper's first configuration).
SHIPPED_ALIASES = {"aligned": "aligned-n10", "engagement": "engagement-n10"}
MODES = ("greedy", "sample")


def shipped_names() -> tuple[str, ...]:
    """The short names of the shipped policies present in the checkout, aliases first."""
    present = [short for short, file in SHIPPED.items() if (SHIPPED_DIR / file).is_file()]
    return tuple([a for a, short in SHIPPED_ALIASES.items() if short in present] + present)


def resolve(file: str) -> Path:
    """The path of a policy file given as a path or a shipped short name."""
    key = str(file).strip()
    key = SHIPPED_ALIASES.get(key, key)
    if key in SHIPPED:
        return SHIPPED_DIR / SHIPPED[key]
    return Path(key).expanduser()


@lru_cache(maxsize=64)
def _load(path: str, mtime_ns: int) -> RankingPolicy:
    return load_policy(path)


def load_for_kernel(file: str) -> RankingPolicy:
    """The checked policy of ``file`` (cached per file and modification time); a
    :class:`PolicyFileError` for a bad file."""
    path = resolve(file)
    if not path.is_file():
        load_policy(path)  # raises the one-line "no such file" / "is a directory"
    return _load(str(path), path.stat().st_mtime_ns)


def pack_for_kernel(module: RankingPolicy, n: int, greedy: bool, log_every: int = 0,
                    log_floats: int = 0, offset: int = 0) -> np.ndarray:
    """A recommender's slice of the kernel's learned weights for ``module``: scored by
    class for an MLP (:mod:`model.core.learned`), user by user for a GAT
    (:mod:`model.core.learned_gat`)."""
    kind = kernel_learned_gat if module.hidden == "gat" else kernel_learned
    return kind.pack(module.params, module.architecture, n, greedy, log_every=log_every,
                     log_floats=log_floats, offset=offset)


@dataclass(frozen=True)
class PolicyFileSetting(Parameter):
    """The ``file`` setting: a policy file path or a shipped short name, checked on entry."""

    def parse(self, value: Any) -> str:
        if not isinstance(value, str) or not value.strip():
            raise ParameterError(self.name, f"{self.name} must be a policy file (.npz) or one "
                                 f"of {', '.join(shipped_names())}; got {value!r}")
        try:
            load_for_kernel(value)
        except PolicyFileError as err:
            raise ParameterError(self.name, f"{self.name}: {err}") from None
        return value.strip()

    def suggested(self) -> tuple[str, ...]:
        """The shipped names present in the checkout, then every other policy file in
        its ``policies/`` folder (as a path relative to the working directory when it
        can be, as one would type it)."""
        names = list(shipped_names())
        shipped = {SHIPPED[SHIPPED_ALIASES.get(name, name)] for name in names}
        for path in sorted(SHIPPED_DIR.glob("*.npz")):
            if path.name not in shipped:
                try:
                    names.append(str(path.relative_to(Path.cwd())))
                except ValueError:
                    names.append(str(path))
        return tuple(names)


class LearnedPolicy(Policy):
    """A trained ranking module (an MLP or a GAT over strategy and relative degree)
    choosing the new tie: the best-scoring valid candidate, or one sampled from its
    softmax.

    Carvalho 2021, section 4: trained by policy gradient to maximise rewire requests
    (engagement) or final cooperation (aligned); docs/LEARNING.md.
    """

    name = "learned"
    origin = "Carvalho et al. 2021, sec. 4 (trained ranking module); docs/LEARNING.md"
    looks_at = ("strategy", "degree")
    source = Source.OWN_USERS
    who = Who.ANY
    rank = Rank.LEARNED
    stateful = True
    default_file = "aligned"
    settings: tuple = ()  # filled below, once the default file is known

    def start(self, view) -> None:
        module = load_for_kernel(self.values["file"])
        view.set_weights(pack_for_kernel(module, view.engine.n,
                                         greedy=self.values["mode"] == "greedy"))

    def report(self) -> dict:
        return {"policy": self.name, "file": self.values["file"], "mode": self.values["mode"]}


def _settings(default_file: str) -> tuple:
    return (PolicyFileSetting("file", "file", default_file,
                              help="a policy file (.npz) or a shipped policy's name: "
                                   + ", ".join(shipped_names())),
            Parameter("mode", "choice", "greedy", choices=MODES,
                      help="greedy: the best-scoring candidate (evaluation); "
                           "sample: drawn from the module's softmax"))


LearnedPolicy.settings = _settings("aligned")


def _shipped(short: str) -> type[LearnedPolicy]:
    name = f"learned-{short}"
    aliases = tuple(f"learned-{a}" for a, target in SHIPPED_ALIASES.items() if target == short)
    return type(name.title().replace("-", ""), (LearnedPolicy,), {
        "__doc__": f"The shipped policy {SHIPPED[short]} (docs/LEARNING.md).\n\n"
                   + (LearnedPolicy.__doc__ or ""),
        "__module__": __name__, "name": name, "aliases": aliases,
        "settings": _settings(short)})


#: The learned recommenders registered in :data:`model.policies.POLICIES` on import:
#: ``learned`` (any file) and one per shipped policy present in the checkout.
LEARNED_POLICIES: list[type[LearnedPolicy]] = [LearnedPolicy] + [
    _shipped(short) for short, file in SHIPPED.items() if (SHIPPED_DIR / file).is_file()]

for _p in LEARNED_POLICIES:
    globals()[_p.__name__] = _p  # so their instances pickle
    register(_p)


def split_learned_name(name: str) -> tuple[str, dict] | None:
    """``"learned:policies/x.npz"`` -> ``("learned", {"file": "policies/x.npz"})``, else None."""
    head, sep, file = str(name).partition(":")
    if sep and head.strip().lower() == "learned" and file.strip():
        return "learned", {"file": file.strip()}
    return None
