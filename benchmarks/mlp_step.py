"""One SGD training step of an MLP written with Lucid ops, against the same model in ``mlx.nn``.

Model: 784-512-512-10 with ReLU, batch 128, softmax cross-entropy, plain SGD
(learning rate 0.01). Both sides do forward, loss, backward and the update,
then evaluate parameters and loss once:

* ``lucid``: parameters are leaf Tensors; the forward is ``x @ W + b`` and
  ReLU, the loss is ``lucid.nn.functional.cross_entropy`` (or, where that is
  missing, ``logsumexp`` minus the picked logit); ``loss.backward()``; the
  update ``p -= lr * p.grad`` runs under ``lucid.no_grad()``; then one
  ``lucid.eval`` of parameters and loss;
* ``mlx``: ``mlx.nn.Linear`` layers, ``nn.value_and_grad`` and the same
  manual SGD update through ``tree_map``, then one ``mx.eval``.

Both start from the same weights. ``ratio`` is ``lucid_ms / mlx_ms`` (the goal
is at most 1.15). Rounds are interleaved and the median is reported.

Run alone with ``python -m benchmarks.mlp_step``.
"""

from __future__ import annotations

import itertools
import os
import sys

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import lucid  # noqa: I001  (before mlx.core: it may load a BLAS)
import mlx.core as mx
import mlx.nn as mnn
import numpy as np
from mlx.utils import tree_map

from benchmarks import format_table, write_results
from benchmarks._timing import time_interleaved

__all__ = ["run", "missing_ops"]

SIZES = (784, 512, 512, 10)
BATCH = 128
LR = 0.01
ROUNDS = 15
WARMUP = 3


def missing_ops() -> list:
    """The pieces of Lucid's API this benchmark needs that do not exist (yet)."""
    need = []
    if not hasattr(lucid, "matmul") and not hasattr(lucid.Tensor, "__matmul__"):
        need.append("lucid.matmul / Tensor.__matmul__")
    if not (_relu_fn() or hasattr(lucid, "maximum")):
        need.append("relu (lucid.nn.functional.relu or lucid.maximum)")
    if _cross_entropy_fn() is None and not hasattr(lucid, "logsumexp"):
        need.append("lucid.nn.functional.cross_entropy or lucid.logsumexp")
    return need


def _relu_fn():
    functional = getattr(getattr(lucid, "nn", None), "functional", None)
    return getattr(functional, "relu", None)


def _cross_entropy_fn():
    functional = getattr(getattr(lucid, "nn", None), "functional", None)
    return getattr(functional, "cross_entropy", None)


def _weights(seed: int = 0) -> list:
    """PyTorch-style uniform initialisation, as NumPy arrays: [(W (in, out), b (out,)), ...]."""
    rng = np.random.default_rng(seed)
    layers = []
    for fan_in, fan_out in itertools.pairwise(SIZES):
        bound = 1.0 / np.sqrt(fan_in)
        w = rng.uniform(-bound, bound, size=(fan_in, fan_out)).astype(np.float32)
        b = rng.uniform(-bound, bound, size=(fan_out,)).astype(np.float32)
        layers.append((w, b))
    return layers


def _data(seed: int = 1):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((BATCH, SIZES[0])).astype(np.float32)
    y = rng.integers(0, SIZES[-1], size=BATCH).astype(np.int64)
    return x, y


# -- Lucid ----------------------------------------------------------------------------------------
def lucid_step_fn(weights=None):
    """A callable doing one Lucid training step; it returns the loss Tensor."""
    weights = weights or _weights()
    params = []
    for w, b in weights:
        params.append(lucid.tensor(w, requires_grad=True))
        params.append(lucid.tensor(b, requires_grad=True))
    xn, yn = _data()
    x, y = lucid.tensor(xn), lucid.tensor(yn)
    relu = _relu_fn() or (lambda t: lucid.maximum(t, 0.0))
    ce = _cross_entropy_fn()
    onehot = lucid.tensor(np.eye(SIZES[-1], dtype=np.float32)[yn])

    def loss_fn(logits):
        if ce is not None:
            return ce(logits, y)
        # Softmax cross-entropy from ops: mean(logsumexp(z) - z[y]).
        picked = (logits * onehot).sum(dim=1)
        return (lucid.logsumexp(logits, dim=1) - picked).mean()

    def step():
        h = x
        n_layers = len(params) // 2
        for k in range(n_layers):
            h = h @ params[2 * k] + params[2 * k + 1]
            if k < n_layers - 1:
                h = relu(h)
        loss = loss_fn(h)
        loss.backward()
        with lucid.no_grad():
            for p in params:
                p -= LR * p.grad
                p.grad = None
        lucid.eval(params, loss)
        return loss

    return step


# -- MLX ------------------------------------------------------------------------------------------
class _MLP(mnn.Module):
    def __init__(self, weights):
        super().__init__()
        self.layers = []
        for w, b in weights:
            lin = mnn.Linear(w.shape[0], w.shape[1])
            lin.weight = mx.array(w.T)  # mlx.nn.Linear stores (out, in)
            lin.bias = mx.array(b)
            self.layers.append(lin)

    def __call__(self, x):
        for layer in self.layers[:-1]:
            x = mnn.relu(layer(x))
        return self.layers[-1](x)


def mlx_step_fn(weights=None):
    """A callable doing one raw-MLX training step; it returns the loss array."""
    model = _MLP(weights or _weights())
    mx.eval(model.parameters())
    xn, yn = _data()
    x, y = mx.array(xn), mx.array(yn)

    def loss_fn(m, a, b):
        return mnn.losses.cross_entropy(m(a), b, reduction="mean")

    loss_and_grad = mnn.value_and_grad(model, loss_fn)

    def step():
        loss, grads = loss_and_grad(model, x, y)
        model.update(tree_map(lambda p, g: p - LR * g, model.parameters(), grads))
        mx.eval(model.parameters(), loss)
        return loss

    return step


def run(rounds: int = ROUNDS, warmup: int = WARMUP) -> list[dict]:
    """Time one MLP training step in Lucid and in raw MLX.

    Returns:
        list[dict]: one row with ``name``, ``lucid_ms``, ``mlx_ms``, ``ratio``,
        the minima, and ``missing`` (Lucid ops the benchmark could not find;
        the row has no timings then).
    """
    missing = missing_ops()
    if missing:
        return [{"name": "mlp_step/sgd", "lucid_ms": None, "mlx_ms": None, "ratio": None,
                 "missing": ", ".join(missing)}]
    weights = _weights()
    steps = {"lucid": lucid_step_fn(weights), "mlx": mlx_step_fn(weights)}
    # Same weights and data: the first losses must agree.
    l0 = float(steps["lucid"]().item())
    m0 = float(steps["mlx"]().item())
    ms = time_interleaved(steps, rounds, warmup)
    return [{
        "name": "mlp_step/sgd",
        "lucid_ms": round(ms["lucid"]["median"], 3),
        "mlx_ms": round(ms["mlx"]["median"], 3),
        "ratio": round(ms["lucid"]["median"] / ms["mlx"]["median"], 3),
        "lucid_min_ms": round(ms["lucid"]["min"], 3),
        "mlx_min_ms": round(ms["mlx"]["min"], 3),
        "first_loss_lucid": round(l0, 5),
        "first_loss_mlx": round(m0, 5),
    }]


def main() -> list[dict]:
    rows = run()
    print(format_table(rows))
    print(f"\nwritten to {write_results('mlp_step', rows)}")
    return rows


if __name__ == "__main__":
    main()
