import importlib

import pytest


@pytest.fixture
def fuse_all(monkeypatch):
    """Run ``fused`` kernels compiled whatever the array size (normally only large arrays are)."""
    monkeypatch.setattr(importlib.import_module("lucid._backend.fusion"), "FUSE_MIN_SIZE", 0)
