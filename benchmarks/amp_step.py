"""A training step under ``lucid.autocast(bfloat16)`` against the same step in float32: time and memory peak.

Model: a 4-layer MLP (1024 wide, GELU, LayerNorm) on a batch of 256,
cross-entropy, AdamW. Both steps use the same weights and data; the
``amp`` step runs the forward under ``lucid.autocast(dtype=lucid.bfloat16)``
(float32 master weights, bfloat16 matrix products, float32 softmax, norms
and loss). The memory peak is MLX's ``max_memory_allocated`` over one step,
measured after a reset, with the cache emptied first.

On the CPU backend bfloat16 matrix products are not faster than float32
(no bf16 BLAS), so expect ``ratio`` >= 1 there; on Metal and CUDA the bf16
products use the faster units. Run with ``python -m benchmarks.amp_step``.
"""

from __future__ import annotations

import os
import sys

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import lucid  # noqa: I001  (before mlx.core: it may load a BLAS)
import lucid.nn as nn
import lucid.nn.functional as F

from benchmarks import format_table, write_results
from benchmarks._timing import time_interleaved

__all__ = ["run"]

WIDTH, DEPTH, BATCH, CLASSES = 1024, 4, 256, 10
ROUNDS, WARMUP = 10, 2


def _model(seed: int = 0):
    lucid.manual_seed(seed)
    layers = []
    for _ in range(DEPTH):
        layers += [nn.Linear(WIDTH, WIDTH), nn.LayerNorm(WIDTH), nn.GELU()]
    layers.append(nn.Linear(WIDTH, CLASSES))
    return nn.Sequential(*layers)


def step_fn(amp: bool):
    """A callable doing one training step (autocast bfloat16 when ``amp``); it returns the loss."""
    model = _model()
    opt = lucid.optim.AdamW(model.parameters(), lr=1e-3)
    lucid.manual_seed(1)
    x, y = lucid.randn(BATCH, WIDTH), lucid.randint(0, CLASSES, (BATCH,))

    def step():
        opt.zero_grad()
        with lucid.autocast(dtype=lucid.bfloat16, enabled=amp):
            loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        return loss

    return step


def _peak(step) -> int:
    step()
    lucid.empty_cache()
    lucid.reset_peak_memory_stats()
    step().item()
    return lucid.max_memory_allocated()


def run(rounds: int = ROUNDS, warmup: int = WARMUP) -> list[dict]:
    """Time and memory peak of one step in float32 and under bfloat16 autocast."""
    steps = {"fp32": step_fn(False), "amp": step_fn(True)}
    first = {k: float(s().item()) for k, s in steps.items()}
    peaks = {k: _peak(s) for k, s in steps.items()}
    ms = time_interleaved(steps, rounds, warmup)
    return [{
        "name": f"amp_step/mlp{DEPTH}x{WIDTH}_b{BATCH}",
        "fp32_ms": round(ms["fp32"]["median"], 3),
        "amp_ms": round(ms["amp"]["median"], 3),
        "ratio": round(ms["amp"]["median"] / ms["fp32"]["median"], 3),
        "fp32_peak_mib": round(peaks["fp32"] / 2**20, 1),
        "amp_peak_mib": round(peaks["amp"] / 2**20, 1),
        "first_loss_fp32": round(first["fp32"], 4),
        "first_loss_amp": round(first["amp"], 4),
        "device": lucid.get_default_device(),
    }]


def main() -> list[dict]:
    rows = run()
    print(format_table(rows))
    print(f"\nwritten to {write_results('amp_step', rows)}")
    return rows


if __name__ == "__main__":
    main()
