"""Recommenders that learn: their decision rules and the algorithms that train them.

Pure NumPy, so the default install stays light (no deep-learning framework). The
ranking module and its training are described in docs/LEARNING.md.
"""
