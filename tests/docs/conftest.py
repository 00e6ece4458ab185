"""Shared set-up of the documentation tests: paths, environment and global-state hygiene."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

import lucid

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def docs_env(monkeypatch, tmp_path):
    """Run an example as a reader would: in an empty folder, no display, Lucid importable.

    Whatever the example changes globally (default device, eval budget, grad
    mode, matplotlib figures, the working directory) is put back afterwards,
    so one page cannot break the next test.
    """
    monkeypatch.setenv("MPLBACKEND", "Agg")
    # Kernels and subprocesses must import this checkout's Lucid even when it
    # is not pip-installed into the environment running the tests.
    path = os.environ.get("PYTHONPATH")
    monkeypatch.setenv("PYTHONPATH", str(REPO) if not path else f"{REPO}{os.pathsep}{path}")
    monkeypatch.chdir(tmp_path)
    device = lucid.get_default_device()
    budget = lucid.get_eval_budget()
    grad_mode = lucid.is_grad_enabled()
    yield tmp_path
    lucid.set_default_device(device)
    lucid.set_eval_budget(budget)
    lucid.set_grad_enabled(grad_mode)
    plt = sys.modules.get("matplotlib.pyplot")
    if plt is not None:
        plt.close("all")
