"""Gradient clipping and parameter utilities (to be filled)."""
