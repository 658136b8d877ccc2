"""Rewire: users, recommenders and an evolving social graph (see MODEL.md)."""
