"""Per-session limits: what one browser session may ask of a shared class server.

A class of 20 to 40 students shares one server. One student asking for N = 10^6
users with k = 500 (250 million ties, tens of gigabytes) must get a message, not
take the server down for everybody else. Before a session builds a model,
:func:`refusal` compares the request with the server's :class:`Limits`; a refused
request leaves that session's current run (and every other session) untouched.

The teacher sets the limits with environment variables when starting the server::

    REWIRE_MAX_USERS=50000 REWIRE_MAX_TIES=2000000 REWIRE_MAX_SESSION_MB=500 \\
        solara run server.py

Defaults (:data:`DEFAULTS`) are listed in docs/dashboard.md. The memory a model
needs is estimated from N and k (:func:`estimated_mb`): the engine keeps a few
arrays per user and per tie end, measured on the current engine at about
:data:`BYTES_PER_TIE_END` bytes per tie end at its peak while building.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

#: measured peak bytes per tie end (N * k of them) while building and stepping a model
BYTES_PER_TIE_END = 48
#: bytes per user: the engine's per-user arrays and the network view's share
BYTES_PER_USER = 400

#: environment variable -> (field, default, allowed minimum)
VARIABLES = {
    "REWIRE_MAX_USERS": ("max_users", 20_000, 10),
    "REWIRE_MAX_TIES": ("max_ties", 500_000, 10),
    "REWIRE_MAX_SESSION_MB": ("max_mb", 200, 1),
}
DEFAULTS = {field: default for field, default, _ in VARIABLES.values()}


class LimitsError(ValueError):
    """A limit in the environment is not a whole number in range (one line, names it)."""


@dataclass(frozen=True)
class Limits:
    """How big a model one session may build."""

    max_users: int = DEFAULTS["max_users"]
    max_ties: int = DEFAULTS["max_ties"]
    max_mb: int = DEFAULTS["max_mb"]

    @classmethod
    def from_environ(cls, environ: dict[str, str] | None = None) -> "Limits":
        """The limits set in ``environ`` (default: this process's), defaults elsewhere."""
        environ = os.environ if environ is None else environ
        values: dict[str, int] = {}
        for variable, (field, _default, minimum) in VARIABLES.items():
            text = environ.get(variable, "").strip()
            if not text:
                continue
            try:
                value = int(text.replace("_", ""))
            except ValueError:
                value = None
            if value is None or value < minimum:
                raise LimitsError(f"{variable} must be a whole number >= {minimum:,}, "
                                  f"got {text!r}")
            values[field] = value
        return cls(**values)


def estimated_mb(n: float, k: float) -> float:
    """Megabytes a model of ``n`` users with average degree ``k`` needs, roughly."""
    return (BYTES_PER_TIE_END * n * k + BYTES_PER_USER * n) / 1e6


def refusal(params: dict[str, Any], limits: Limits) -> str | None:
    """Why this server will not build ``params`` for one session (one line), or None."""
    try:
        n, k = float(params.get("n", 0)), float(params.get("k", 0))
    except (TypeError, ValueError):
        return None  # not numbers: the model's own checks name the field
    ties = n * k / 2
    needed = estimated_mb(n, k)
    over = []
    if n > limits.max_users:
        over.append(f"N={n:,.0f} users (at most {limits.max_users:,})")
    if ties > limits.max_ties:
        over.append(f"N·k/2={ties:,.0f} ties (at most {limits.max_ties:,})")
    if needed > limits.max_mb:
        over.append(f"about {needed:,.0f} MB of memory (at most {limits.max_mb:,} MB)")
    if not over:
        return None
    return ("Too big for this shared server: " + "; ".join(over)
            + ". Other runs on the server are not affected; the teacher can raise the "
              "limits (REWIRE_MAX_USERS, REWIRE_MAX_TIES, REWIRE_MAX_SESSION_MB).")
