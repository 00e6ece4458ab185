"""Datasets (to be filled)."""
