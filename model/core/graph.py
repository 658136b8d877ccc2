"""Initial graphs (MODEL.md, Initial state), as plain functions returning edge arrays.

Each returns an ``(m, 2)`` int32 array of distinct undirected edges ``u < v`` with
no self-loops, drawn with the NumPy generator it is given, so a seed fixes the graph.

>>> import numpy as np
>>> e = gnm_edges(10, 15, np.random.default_rng(1))
>>> e.shape, bool((e[:, 0] < e[:, 1]).all())
((15, 2), True)
"""

from __future__ import annotations

import math

import networkx as nx
import numpy as np

#: Below this many possible pairs, G(n, m) is drawn by choosing among all of them.
_ENUMERATE_BELOW = 4_000_000


def n_edges(n: int, k: float) -> int:
    """The number of edges of a graph with n nodes and average degree k: round(n*k/2)."""
    return int(round(n * k / 2))


def _decode_pairs(index: np.ndarray, n: int) -> np.ndarray:
    """Map indices of the upper triangle (row-major) to pairs (i, j), i < j."""
    # Row i starts at i*n - i*(i+1)/2; invert with the quadratic formula, then fix rounding.
    idx = index.astype(np.float64)
    i = np.floor((2 * n - 1 - np.sqrt((2 * n - 1) ** 2 - 8 * idx)) / 2).astype(np.int64)
    row_start = lambda r: r * n - r * (r + 1) // 2  # noqa: E731
    i = np.where(row_start(i) > index, i - 1, i)
    i = np.where(row_start(i + 1) <= index, i + 1, i)
    j = index - row_start(i) + i + 1
    return np.stack([i, j], axis=1)


def _distinct(keys: np.ndarray) -> np.ndarray:
    """Sorted distinct values (np.unique's hashing is far slower at 10^7 keys)."""
    keys = np.sort(keys)
    keep = np.empty(len(keys), dtype=bool)
    keep[:1] = True
    np.not_equal(keys[1:], keys[:-1], out=keep[1:])
    return keys[keep]


def gnm_edges(n: int, m: int, rng: np.random.Generator) -> np.ndarray:
    """A uniformly random simple graph with n nodes and exactly m edges, G(n, m).

    Small or dense cases choose m of the n(n-1)/2 pairs without replacement; large
    sparse ones draw random pairs, drop self-loops and repeats, and keep a uniformly
    random m of the distinct pairs, which by symmetry is again uniform over graphs.
    """
    total = n * (n - 1) // 2
    if not 0 <= m <= total:
        raise ValueError(f"m must be in [0, {total}] for n={n}; got {m}")
    if total <= _ENUMERATE_BELOW or m > total // 4:
        pairs = _decode_pairs(rng.choice(total, size=m, replace=False), n)
    else:
        keys = np.empty(0, dtype=np.int64)
        while len(keys) < m:
            want = int((m - len(keys)) * 1.05) + 64
            u = rng.integers(0, n, size=want)
            v = rng.integers(0, n, size=want)
            ok = u != v
            lo, hi = np.minimum(u[ok], v[ok]), np.maximum(u[ok], v[ok])
            keys = _distinct(np.concatenate([keys, lo * n + hi]))
        keys = keys[rng.permutation(len(keys))[:m]]
        pairs = np.stack([keys // n, keys % n], axis=1)
    return pairs.astype(np.int32)


def regular_edges(n: int, k: int, rng: np.random.Generator) -> np.ndarray:
    """A uniformly random k-regular graph (the 'homogeneous' start of Santos et al. 2006).

    Uses NetworkX's Steger-Wormald style generator, seeded from ``rng``; it is pure
    Python, so it takes seconds from about n = 10^5 on.
    """
    g = nx.random_regular_graph(k, n, seed=int(rng.integers(2**31)))
    edges = np.array(sorted(tuple(sorted(e)) for e in g.edges()), dtype=np.int32)
    return edges.reshape(-1, 2)[rng.permutation(len(edges))]


def exact_assignment(n: int, counts: list[int], rng: np.random.Generator) -> np.ndarray:
    """Labels 0..len(counts)-1, exactly ``counts[i]`` of label i, in uniformly random places."""
    labels = np.repeat(np.arange(len(counts)), counts)
    assert len(labels) == n, "counts must add up to n"
    return rng.permutation(labels)


def largest_remainder(n: int, shares: list[float]) -> list[int]:
    """Split ``n`` users by ``shares``: each gets floor(share * n), and the users left
    over go one each to the largest fractional parts (ties to the larger share, then
    to the first). The counts add up to ``n``, none is negative, a larger share never
    gets fewer users, and they equal round(share * n) whenever those add up to ``n``.

    >>> largest_remainder(10, [0.55, 0.45])
    [6, 4]
    >>> largest_remainder(10, [1 / 6] * 6)
    [2, 2, 2, 2, 1, 1]
    """
    exact = [s * n for s in shares]
    counts = [math.floor(x) for x in exact]
    by_remainder = sorted(range(len(shares)), key=lambda i: (-(exact[i] - counts[i]), -shares[i], i))
    for i in by_remainder[: n - sum(counts)]:
        counts[i] += 1
    return counts
