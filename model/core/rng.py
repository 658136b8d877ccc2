"""A small, fast random number generator whose whole state is one array per model.

numba's built-in ``np.random`` keeps one hidden state per thread, so two models in
one process (two dashboard sessions, two sweep tasks in one worker) would draw
from the same stream and neither would be reproducible. Here each model owns a
4-word xoshiro256+ state (Blackman & Vigna 2018), seeded from NumPy's
``SeedSequence``: the same seed gives the same stream in any process.
"""

from __future__ import annotations

import numpy as np
from numba import uint64

from model.core.jit import compiled

_SHIFT11 = uint64(11)
_SHIFT17 = uint64(17)
_ROT45 = uint64(45)
_ROT19 = uint64(19)
_TO_UNIT = 1.0 / 9007199254740992.0  # 2**-53


def new_state(seed_sequence: np.random.SeedSequence) -> np.ndarray:
    """Four non-zero 64-bit words drawn from ``seed_sequence``."""
    words = seed_sequence.generate_state(4, dtype=np.uint64)
    if not words.any():  # the one state xoshiro cannot leave
        words[0] = 1
    return words


@compiled
def next_u64(s):
    """Advance the state ``s`` (uint64[4]) and return the next 64-bit output."""
    result = s[0] + s[3]
    t = s[1] << _SHIFT17
    s[2] ^= s[0]
    s[3] ^= s[1]
    s[1] ^= s[2]
    s[0] ^= s[3]
    s[2] ^= t
    s[3] = (s[3] << _ROT45) | (s[3] >> _ROT19)
    return result


@compiled
def uniform(s):
    """A double uniform on [0, 1) from the top 53 bits."""
    return float(next_u64(s) >> _SHIFT11) * _TO_UNIT


@compiled
def below(s, n):
    """An integer uniform on [0, n), n >= 1 (bias below n / 2**53, negligible)."""
    return int(uniform(s) * n)
