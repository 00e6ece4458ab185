"""One SGD training step of an LSTM: ``lucid.nn.LSTM`` against ``mlx.nn.LSTM`` doing the same work.

Sizes: batch 32, 64 time steps, 64 input features, hidden size 128, batch
first. A step is the forward over the whole sequence, the loss
``mean(output ** 2)``, the backward, a plain SGD update (learning rate 0.01)
and one evaluation of parameters and loss. Both sides start from the same
weights (MLX's single bias is Lucid's ``bias_ih + bias_hh``, MLX's gate order
is PyTorch's). The ``2layers`` case stacks two LSTMs (``num_layers=2`` in
Lucid, two ``mlx.nn.LSTM`` in MLX, which has no multi-layer LSTM).

``ratio`` is ``lucid_ms / mlx_ms`` of the medians over interleaved rounds
(the goal is at most 1.15); ``ratio_min`` the same for the fastest rounds.

Run alone with ``python -m benchmarks.lstm_step``.
"""

from __future__ import annotations

import os
import sys

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import lucid  # noqa: I001  (before mlx.core: it may load a BLAS)
import mlx.core as mx
import mlx.nn as mnn
import mlx.optimizers as mopt
import numpy as np

from benchmarks import format_table, write_results
from benchmarks._timing import time_interleaved

__all__ = ["run"]

BATCH, STEPS, INPUT, HIDDEN = 32, 64, 64, 128
LR = 0.01
ROUNDS = 11
WARMUP = 3


def _lucid_step(model: lucid.nn.LSTM, x: lucid.Tensor):
    opt = lucid.optim.SGD(model.parameters(), lr=LR)

    def step():
        opt.zero_grad()
        out, _ = model(x)
        loss = (out * out).mean()
        loss.backward()
        opt.step()
        lucid.eval(loss)

    return step


class _MLXStack(mnn.Module):
    def __init__(self, layers: int):
        super().__init__()
        self.layers = [mnn.LSTM(INPUT if k == 0 else HIDDEN, HIDDEN) for k in range(layers)]

    def __call__(self, x):
        for layer in self.layers:
            x, _ = layer(x)
        return x


def _mlx_step(model: _MLXStack, x: mx.array):
    opt = mopt.SGD(learning_rate=LR)

    def loss_fn(m, a):
        out = m(a)
        return mx.mean(out * out)

    loss_and_grad = mnn.value_and_grad(model, loss_fn)

    def step():
        loss, grads = loss_and_grad(model, x)
        opt.update(model, grads)
        mx.eval(model.parameters(), opt.state, loss)

    return step


def _copy_weights(lmodel: lucid.nn.LSTM, mmodel: _MLXStack) -> None:
    for k, layer in enumerate(mmodel.layers):
        p = {name: np.array(getattr(lmodel, f"{name}_l{k}").numpy())
             for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")}
        layer.Wx = mx.array(p["weight_ih"])
        layer.Wh = mx.array(p["weight_hh"])
        layer.bias = mx.array(p["bias_ih"] + p["bias_hh"])
    mx.eval(mmodel.parameters())


def _case(layers: int, rounds: int, warmup: int) -> dict:
    lucid.manual_seed(0)
    lmodel = lucid.nn.LSTM(INPUT, HIDDEN, num_layers=layers, batch_first=True)
    mmodel = _MLXStack(layers)
    _copy_weights(lmodel, mmodel)
    xn = np.random.default_rng(0).standard_normal((BATCH, STEPS, INPUT)).astype(np.float32)
    ms = time_interleaved({"lucid": _lucid_step(lmodel, lucid.tensor(xn)), "mlx": _mlx_step(mmodel, mx.array(xn))},
                          rounds, warmup, rotate=True)
    return {
        "name": f"lstm_step/{layers}layer{'s' if layers > 1 else ''}",
        "lucid_ms": round(ms["lucid"]["median"], 2),
        "mlx_ms": round(ms["mlx"]["median"], 2),
        "ratio": round(ms["lucid"]["median"] / ms["mlx"]["median"], 3),
        "ratio_min": round(ms["lucid"]["min"] / ms["mlx"]["min"], 3),
    }


def run(rounds: int = ROUNDS, warmup: int = WARMUP) -> list[dict]:
    """Time one LSTM training step (1 and 2 layers) in Lucid and MLX.

    Returns:
        list[dict]: one row per case with ``name``, ``lucid_ms``, ``mlx_ms``,
        ``ratio`` (Lucid / MLX, medians) and ``ratio_min`` (fastest rounds).
    """
    return [_case(layers, rounds, warmup) for layers in (1, 2)]


if __name__ == "__main__":
    rows = run()
    print(format_table(rows))
    print(f"\nwritten to {write_results('lstm_step', rows)}")
