"""Data loading (to be filled)."""
