"""The network view's numbers: node positions, strategies, degrees and the ties that changed.

One :class:`NetworkFeed` belongs to one model in one browser session. It keeps the
:class:`~visualization.layout.StableLayout` between frames and the set of ties the
page already has, so a frame sends ``n`` positions (float32), ``n`` states (one
byte: cooperator bit and recommender index), ``n`` degrees (uint16) and only the
ties added and removed since the previous frame (int32 pairs): at N=1000, k=30
about 12 kB plus a few hundred bytes of ties, instead of a picture. The browser
keeps the tie list and draws it (``visualization/static/views.js``).

Big graphs are not drawn whole: up to :data:`FULL_LIMIT` users everybody is shown;
up to :data:`SAMPLE_LIMIT` a fixed random sample of :data:`SAMPLE_SIZE` users and
the ties among them is shown, and the view says so; above that only a summary.
"""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np

from visualization.layout import StableLayout

#: draw every user up to this many users
FULL_LIMIT = 2000
#: above FULL_LIMIT and up to this many users, draw a fixed sample
SAMPLE_LIMIT = 200_000
#: how many users the sample has
SAMPLE_SIZE = 1000


def network_mode(n: int) -> str:
    """``"full"``, ``"sample"`` or ``"summary"``: how a graph of ``n`` users is shown."""
    if n <= FULL_LIMIT:
        return "full"
    return "sample" if n <= SAMPLE_LIMIT else "summary"


def network_caption(n: int) -> str:
    """What the network view shows, in words, for the page."""
    mode = network_mode(n)
    if mode == "full":
        return f"All {n:,} users."
    if mode == "sample":
        return (f"A fixed random sample of {SAMPLE_SIZE:,} of {n:,} users and the ties "
                f"among them (graphs above {FULL_LIMIT:,} users are sampled).")
    return (f"{n:,} users are too many to draw (limit {SAMPLE_LIMIT:,}); "
            "see the degree distribution and the plots instead.")


@numba.njit(cache=True, nogil=True)
def _tie_keys(deg, off, nbr, local, m):
    """The ties among drawn users as sorted keys ``u * m + v`` (u < v, local numbers),
    read straight from the engine's neighbour slabs (``nbr[off[i] : off[i] + deg[i]]``).
    One pass and one sort, where building an edge array, mapping it and sorting its
    rows cost several times as much at N=1000, k=30."""
    total = 0
    for u in range(deg.shape[0]):
        if local[u] >= 0:
            total += deg[u]
    keys = np.empty(total, dtype=np.int64)
    c = 0
    for u in range(deg.shape[0]):
        lu = local[u]
        if lu < 0:
            continue
        start = off[u]
        for j in range(deg[u]):
            lv = local[nbr[start + j]]
            if lv > lu:
                keys[c] = lu * m + lv
                c += 1
    out = keys[:c].copy()
    out.sort()
    return out


@numba.njit(cache=True, nogil=True)
def _sorted_difference(old, new):
    """``(added, removed)``: keys of ``new`` not in ``old`` and of ``old`` not in
    ``new``, both sorted and unique; one merge pass."""
    added = np.empty(new.shape[0], dtype=np.int64)
    removed = np.empty(old.shape[0], dtype=np.int64)
    a = r = i = j = 0
    while i < old.shape[0] or j < new.shape[0]:
        if j == new.shape[0] or (i < old.shape[0] and old[i] < new[j]):
            removed[r] = old[i]
            r += 1
            i += 1
        elif i == old.shape[0] or new[j] < old[i]:
            added[a] = new[j]
            a += 1
            j += 1
        else:
            i += 1
            j += 1
    return added[:a], removed[:r]


@dataclass
class NetworkFrame:
    """What one frame sends: a header for the page and five binary buffers."""

    header: dict
    positions: np.ndarray  # float32, (n, 2)
    state: np.ndarray      # uint8, bit 0 = cooperator, bits 1.. = recommender index
    #                        (header["creator"] for a creator)
    degree: np.ndarray     # uint16
    added: np.ndarray      # int32, (a, 2), local node numbers
    removed: np.ndarray    # int32, (r, 2)

    def buffers(self) -> list[bytes]:
        return [np.ascontiguousarray(a).tobytes() for a in
                (self.positions, self.state, self.degree, self.added, self.removed)]


class NetworkFeed:
    """The network of one model, as frames of numbers for the page."""

    def __init__(self, model, seed: int = 0):
        self.model = model
        n = len(model.degree)
        self.n_users = n
        self.mode = network_mode(n)
        self.names = list(model.recommender_names)
        rng = np.random.default_rng(seed)
        if self.mode == "sample":
            self.nodes = np.sort(rng.choice(n, SAMPLE_SIZE, replace=False))
        elif self.mode == "full":
            self.nodes = np.arange(n)
        else:
            self.nodes = np.zeros(0, dtype=np.int64)
        self._local = np.full(n, -1, dtype=np.int64)
        self._local[self.nodes] = np.arange(len(self.nodes))
        self.layout = None
        if self.mode != "summary":
            self.layout = StableLayout(len(self.nodes), self._edges(), seed=seed)
        #: the ties the page has (keys u * n + v with u < v, sorted); None: it has none
        self._shown: np.ndarray | None = None
        self.version = 0

    def _edges(self) -> np.ndarray:
        """Current ties in local (sample) numbering, each once with u < v."""
        keys = self._keys()
        m = len(self.nodes)
        return np.stack([keys // m, keys % m], axis=1)

    def _keys(self) -> np.ndarray:
        """Current ties among the drawn users as sorted keys ``u * m + v``, u < v."""
        st = getattr(getattr(self.model, "engine", None), "state", None)
        m = max(len(self.nodes), 1)
        if st is not None and all(hasattr(st, a) for a in ("deg", "off", "nbr")):
            return _tie_keys(st.deg, st.off, st.nbr, self._local, m)
        edges = np.asarray(self.model.edges()).reshape(-1, 2).astype(np.int64)
        edges = self._local[edges]
        edges = np.sort(edges[(edges >= 0).all(axis=1)], axis=1)
        keys = edges[:, 0] * m + edges[:, 1]
        keys.sort()
        return keys

    def rewind(self) -> None:
        """The page lost its tie list (a new view, a reconnect): the next frame sends all."""
        self._shown = None

    def frame(self, generation: int) -> NetworkFrame:
        """Relax the layout a step towards the current graph and cut the next frame."""
        m = len(self.nodes)
        viewers = self.model.engine.n_viewers  # users: creators are counted apart
        coop_share = float(np.mean(self.model.is_cooperator[:viewers])) if self.n_users else 0.0
        creators = self.n_users - viewers
        header = {"n": m, "mode": self.mode, "names": self.names, "generation": generation,
                  # creators' recommender index (the catalogue): drawn as stars; -1: none
                  "creator": len(self.names) if creators else -1,
                  "title": f"Generation {generation}: {coop_share:.0%} cooperators"
                           + (" (sample)" if self.mode == "sample" else "")}
        if self.mode == "summary":
            empty = np.zeros((0, 2), dtype=np.int32)
            return NetworkFrame({**header, "n": 0, "full": True, "version": self.version},
                                np.zeros((0, 2), np.float32), np.zeros(0, np.uint8),
                                np.zeros(0, np.uint16), empty, empty)
        keys = self._keys()
        positions = self.layout.update(np.stack([keys // m, keys % m], axis=1))
        full = self._shown is None
        if full:
            added, removed = keys, keys[:0]
        else:
            added, removed = _sorted_difference(self._shown, keys)
        self._shown = keys
        since, self.version = self.version, self.version + 1
        nodes = self.nodes
        state = (np.asarray(self.model.is_cooperator)[nodes].astype(np.uint8)
                 | (np.asarray(self.model.recommender_index)[nodes].astype(np.uint8) << 1))
        degree = np.minimum(np.asarray(self.model.degree)[nodes], 65535).astype(np.uint16)

        def pairs(k: np.ndarray) -> np.ndarray:
            return np.stack([k // m, k % m], axis=1).astype(np.int32)

        return NetworkFrame({**header, "full": full, "since": since, "version": self.version},
                            positions.astype(np.float32), state, degree, pairs(added),
                            pairs(removed))
