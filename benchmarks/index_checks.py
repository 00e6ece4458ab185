"""The cost of the lazy index checks: the same training steps with ``lucid.set_index_checks`` on and off.

Tensor-valued indices (class targets, embedding lookups, ``x[idx]``) are
always clamped before they reach MLX; with checks on, each such op also
records two small reductions (the smallest and largest index) that the next
sync point evaluates together with the step's own arrays. Two steps show
what that costs where it matters:

* ``mlp``: :mod:`benchmarks.mlp_step`'s step (784-512-512-10, batch 128,
  cross-entropy over class targets, SGD);
* ``tokens``: a GPT-shaped step with small sizes, so that per-op overhead
  shows: token and position embeddings (vocabulary 512, width 64, batch
  8 x 64 tokens), a linear head over the vocabulary, cross-entropy over the
  next tokens, indexing with a tensor (the last position), Adam.

Both variants run interleaved in one process on the same data. ``ratio`` is
``on_ms / off_ms`` (medians; ``ratio_min`` for the fastest rounds); the goal
is at most 1.02. Run it with ``python -m benchmarks index_checks``.
"""

from __future__ import annotations

import os
import sys

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import lucid  # noqa: I001  (before mlx.core: it may load a BLAS)
import numpy as np

import lucid.nn as nn
import lucid.nn.functional as F
from benchmarks import format_table, time_interleaved, write_results
from benchmarks.mlp_step import lucid_step_fn

ROUNDS = 15
WARMUP = 3
VOCAB, WIDTH, BATCH, SEQ = 512, 64, 8, 64


class _Tokens(nn.Module):
    def __init__(self):
        super().__init__()
        self.tok = nn.Embedding(VOCAB, WIDTH)
        self.pos = nn.Embedding(SEQ, WIDTH)
        self.mix = nn.Linear(WIDTH, WIDTH)
        self.head = nn.Linear(WIDTH, VOCAB)

    def forward(self, ids, positions, last):
        h = self.tok(ids) + self.pos(positions)
        h = F.relu(self.mix(h))
        return self.head(h), h[:, last]


def tokens_step_fn():
    lucid.random.seed(0)
    model = _Tokens()
    opt = lucid.optim.Adam(model.parameters(), lr=1e-3)
    rng = np.random.default_rng(0)
    ids = lucid.tensor(rng.integers(0, VOCAB, size=(BATCH, SEQ + 1)).astype(np.int64))
    x, y = ids[:, :-1], ids[:, 1:]
    positions = lucid.arange(SEQ)
    last = lucid.tensor([SEQ - 1])

    def step():
        opt.zero_grad()
        logits, h_last = model(x, positions, last)
        loss = F.cross_entropy(logits.reshape(-1, VOCAB), y.reshape(-1)) + 1e-3 * h_last.sum()
        loss.backward()
        opt.step()
        return loss

    return step


def _with_checks(step, enabled: bool):
    def run():
        lucid.set_index_checks(enabled)
        try:
            return step()
        finally:
            lucid.set_index_checks(True)

    return run


def run(rounds: int = ROUNDS, warmup: int = WARMUP) -> list[dict]:
    """Time each step with index checks on and off.

    Returns:
        list[dict]: one row per step: ``name``, ``on_ms``, ``off_ms``,
        ``ratio`` (medians) and ``ratio_min`` (fastest rounds).
    """
    rows = []
    for name, make in (("mlp", lucid_step_fn), ("tokens", tokens_step_fn)):
        step = make()
        ms = time_interleaved({"on": _with_checks(step, True), "off": _with_checks(step, False)}, rounds, warmup)
        rows.append({
            "name": f"index_checks/{name}",
            "on_ms": round(ms["on"]["median"], 3),
            "off_ms": round(ms["off"]["median"], 3),
            "ratio": round(ms["on"]["median"] / ms["off"]["median"], 3),
            "ratio_min": round(ms["on"]["min"] / ms["off"]["min"], 3),
        })
    return rows


def main() -> list[dict]:
    rows = run()
    print(format_table(rows))
    print(f"\nwritten to {write_results('index_checks', rows)}")
    return rows


if __name__ == "__main__":
    main()
