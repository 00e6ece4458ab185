"""Optimizers (to be filled)."""
