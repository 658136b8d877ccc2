"""The selector codes a recommender's policy hands the compiled kernel.

A policy (:mod:`model.policies`) is described to the kernel by three small
integers, one per enum below (``source``, ``who``, ``rank``); :mod:`model.core.recommend` executes them. They
live in the core so that the compiled code never imports the public API.
"""

from __future__ import annotations

from enum import IntEnum


class Source(IntEnum):
    """Where a policy draws its candidates from."""

    NEVER = 0  #: the policy is never asked; structural updates do nothing
    PARTNER_NEIGHBOURS = 1  #: neighbours of the partner being left (not exclusive)
    OWN_USERS = 2  #: users of the same recommender (exclusive under competition)


class Who(IntEnum):
    """Which candidates qualify, by strategy."""

    ANY = 0
    COOPERATORS = 1
    DEFECTORS = 2
    SAME_AS_USER = 3


class Rank(IntEnum):
    """Which qualifying candidate is proposed."""

    RANDOM = 0
    LOWEST_DEGREE = 1
    HIGHEST_DEGREE = 2
    #: chosen by the recommender's trained ranking module (model/core/learned.py)
    LEARNED = 3
