"""Lucid's benchmarks: each module times one workload in Lucid and its references side by side.

``python -m benchmarks`` runs every module and prints one table of ratios;
``python -m benchmarks.<module>`` runs one. Each module exposes
``run() -> list[dict]``: one row per case with a ``name``, timings in
milliseconds (``*_ms``) and ``ratio`` columns. Results are written as JSON to
``benchmarks/results/`` (git-ignored). Benchmarks measure; they never assert.

This package imports ``lucid`` before anything imports ``mlx.core``, so the
optimized BLAS of ``lucid._backend.blas`` is in effect for every module. It
imports PyTorch (when installed) before Lucid: a PyTorch imported after Lucid
would run its matrix products on Lucid's OpenBLAS instead of its own MKL and
be timed several times too slow (see ``lucid._backend.blas``).
"""

from __future__ import annotations

import json
import os
import platform
import sys
import time

try:  # before lucid, so that PyTorch binds its own BLAS (see the docstring)
    import torch
except ImportError:
    torch = None

# Lucid before mlx.core: it may load an optimized BLAS, which only works before MLX is imported
# (every benchmark module imports this package first, so this line decides it for all of them).
import lucid  # noqa: I001
import mlx.core as mx
import numpy as np

from benchmarks._timing import time_interleaved

__all__ = ["time_interleaved", "write_results", "format_table", "print_table", "environment", "RESULTS_DIR"]

RESULTS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results")


def environment() -> dict:
    """What the numbers were measured on."""
    env = {
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpu_count": os.cpu_count(),
        "mlx": getattr(mx, "__version__", "?"),
        "lucid": lucid.__version__,
        "blas": lucid.blas_info(),
        "device": lucid.get_default_device(),
    }
    if "torch" in sys.modules:
        torch = sys.modules["torch"]
        env["torch"] = torch.__version__
        env["torch_threads"] = torch.get_num_threads()
    return env


def write_results(module: str, rows: list, extra: dict | None = None) -> str:
    """Write ``rows`` (and ``extra``) to ``benchmarks/results/<module>.json``; return the path."""
    os.makedirs(RESULTS_DIR, exist_ok=True)
    path = os.path.join(RESULTS_DIR, f"{module}.json")
    payload = {"module": module, "time": time.strftime("%Y-%m-%dT%H:%M:%S"), "environment": environment(),
               "rows": rows}
    if extra:
        payload.update(extra)
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(payload, f, indent=2, default=str)
    os.replace(tmp, path)
    return path


def _cell(value) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.3f}" if abs(value) < 10 else f"{value:.1f}"
    return str(value)


_SUMMARY_COLUMNS = ("ms", "lucid_ms", "mlx_ms", "torch_ms")


def format_table(rows: list, summary: bool = False) -> str:
    """A plain-text table of rows (dicts), ``name`` first.

    Columns are the union of the rows' keys; with ``summary`` only the
    ``*_ms`` headline timings and the ``ratio*`` columns.
    """
    if not rows:
        return "(no rows)"
    cols = ["name"]
    for r in rows:
        for k in r:
            if k in cols or isinstance(r[k], (dict, list)):
                continue
            if summary and k not in _SUMMARY_COLUMNS and not k.startswith("ratio") and k != "missing":
                continue
            cols.append(k)
    if summary:
        known = [c for c in _SUMMARY_COLUMNS if c in cols]
        cols = ["name", *known, *(c for c in cols[1:] if c not in _SUMMARY_COLUMNS)]
    cells = [[_cell(r.get(c)) for c in cols] for r in rows]
    widths = [max(len(c), *(len(row[i]) for row in cells)) for i, c in enumerate(cols)]
    lines = ["  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(cols, widths)))]
    for row in cells:
        lines.append("  ".join(v.ljust(w) if i == 0 else v.rjust(w) for i, (v, w) in enumerate(zip(row, widths))))
    return "\n".join(lines)


def print_table(title: str, rows: list) -> None:
    """Print ``title`` and the rows as a table (a module run on its own)."""
    print(f"\n{title}")
    print(format_table(rows))
