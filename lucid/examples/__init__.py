"""Runnable examples: ``python -m lucid.examples.train``."""
