"""One full training step of small models: Lucid versus raw MLX (``mlx.nn``) and PyTorch CPU.

A step is: forward, cross-entropy loss, backward, gradient clipping by value
(1.0), an Adam update and the evaluation of parameters, optimizer state and
loss. The same architecture is built in each framework:

* ``mlp``: 784-512-512-10 with ReLU, batch 128;
* ``cnn``: :class:`lucid.models.SmallCNN` (conv-BN-ReLU-pool twice, linear 128,
  dropout 0.1, linear 10), batch 128 of 28x28 images;
* ``cnn-nobn``: the same network without batch normalisation.

All three start from the same weights (Lucid's PyTorch-style initialisation,
copied into the MLX and PyTorch models), so they compute the same function and
the same amount of work; MLX's Adam runs with bias correction, as Lucid's and
PyTorch's do. MLX runs channels-last (its native layout), Lucid channels-first
(PyTorch's), so the Lucid column includes whatever layout handling Lucid needs.

Steps of Lucid and MLX are interleaved (one step of each per round) so that a
noisy machine slows both alike; PyTorch is timed in a block of its own (its
OpenMP threads keep spinning after a step and would slow the next MLX step)
with its default thread count and with one thread, keeping the faster (on a
loaded machine more threads can be far slower). Each row reports medians over
the rounds: ``ratio`` is ``lucid_ms / mlx_ms``, ``ratio_min`` the same for the
fastest rounds (less sensitive to other processes); ``torch_ms`` is ``None``
when PyTorch is not installed.

Run it with ``python -m benchmarks.train_step`` (or as a script) from the
repository root.
"""

from __future__ import annotations

import os
import sys

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import mlx.core as mx
import mlx.nn as mnn
import mlx.optimizers as mopt
import numpy as np
from mlx.utils import tree_map

import lucid
import lucid.models
import lucid.nn as lnn
import lucid.nn.functional as lF
import lucid.optim
from benchmarks import format_table
from benchmarks._timing import sample_ms

__all__ = ["run"]

BATCH = 128
CLIP = 1.0
LR = 1e-3
WARMUP = 3
ROUNDS = 11


# -- Lucid -----------------------------------------------------------------------------------
def _lucid_cnn(bn: bool) -> lnn.Module:
    if bn:
        return lucid.models.SmallCNN()
    return lnn.Sequential(
        lnn.Conv2d(1, 16, 3, padding=1), lnn.ReLU(), lnn.MaxPool2d(2),
        lnn.Conv2d(16, 32, 3, padding=1), lnn.ReLU(), lnn.MaxPool2d(2),
        lnn.Flatten(), lnn.Linear(32 * 7 * 7, 128), lnn.ReLU(), lnn.Dropout(0.1), lnn.Linear(128, 10),
    )


def _lucid_step(model, x, y):
    params = list(model.parameters())
    opt = lucid.optim.Adam(params, lr=LR)

    def step():
        opt.zero_grad()
        loss = lF.cross_entropy(model(x), y)
        loss.backward()
        lnn.util.clip_grad_value(params, CLIP)
        opt.step()
        lucid.eval(loss)

    return step


# -- MLX --------------------------------------------------------------------------------------
class _MLXMLP(mnn.Module):
    def __init__(self):
        super().__init__()
        self.layers = [mnn.Linear(784, 512), mnn.Linear(512, 512), mnn.Linear(512, 10)]

    def __call__(self, x):
        x = x.reshape(x.shape[0], -1)
        for layer in self.layers[:-1]:
            x = mnn.relu(layer(x))
        return self.layers[-1](x)


class _MLXCNN(mnn.Module):
    def __init__(self, bn: bool):
        super().__init__()
        norm = mnn.BatchNorm if bn else (lambda c: mnn.Identity())
        self.features = mnn.Sequential(
            mnn.Conv2d(1, 16, 3, padding=1), norm(16), mnn.ReLU(), mnn.MaxPool2d(2),
            mnn.Conv2d(16, 32, 3, padding=1), norm(32), mnn.ReLU(), mnn.MaxPool2d(2),
        )
        self.classifier = mnn.Sequential(
            mnn.Linear(32 * 7 * 7, 128), mnn.ReLU(), mnn.Dropout(0.1), mnn.Linear(128, 10),
        )

    def __call__(self, x):
        x = self.features(x)
        return self.classifier(x.reshape(x.shape[0], -1))


def _mlx_step(model, x, y):
    opt = mopt.Adam(learning_rate=LR, bias_correction=True)

    def loss_fn(m, a, b):
        return mnn.losses.cross_entropy(m(a), b, reduction="mean")

    loss_and_grad = mnn.value_and_grad(model, loss_fn)

    def step():
        loss, grads = loss_and_grad(model, x, y)
        grads = tree_map(lambda g: mx.clip(g, -CLIP, CLIP), grads)
        opt.update(model, grads)
        mx.eval(model.parameters(), opt.state, loss)

    return step


# -- same initial weights everywhere --------------------------------------------------------------
def _lucid_weights(model) -> list:
    """(kind, weight, bias) of each Conv2d/BatchNorm2d/Linear of a Lucid model, in order, as NumPy arrays."""
    out = []
    for m in model.modules():
        kind = type(m).__name__
        if kind in ("Conv2d", "BatchNorm2d", "Linear"):
            out.append((kind, np.array(m.weight.numpy()), np.array(m.bias.numpy())))
    return out


def _to_mlx(weights: list, model: mnn.Module, flat_chw) -> None:
    """Load Lucid's weights into the MLX model (OIHW -> OHWI; the first Linear after a channels-first
    flatten gets its columns reordered to MLX's channels-last flatten)."""
    first_linear = True
    for (kind, w, b), layer in zip(weights, _ordered(model)):
        if kind == "Conv2d":
            w = w.transpose(0, 2, 3, 1)
        elif kind == "Linear" and first_linear and flat_chw is not None:
            c, h, wd = flat_chw
            w = w.reshape(w.shape[0], c, h, wd).transpose(0, 2, 3, 1).reshape(w.shape[0], -1)
        if kind == "Linear":
            first_linear = False
        layer.weight, layer.bias = mx.array(w), mx.array(b)
    mx.eval(model.parameters())


def _ordered(model: mnn.Module) -> list:
    if isinstance(model, _MLXMLP):
        return list(model.layers)
    return [m for m in list(model.features.layers) + list(model.classifier.layers)
            if isinstance(m, (mnn.Conv2d, mnn.BatchNorm, mnn.Linear))]


# -- PyTorch ------------------------------------------------------------------------------------
def _torch_steps(kind: str, xn: np.ndarray, yn: np.ndarray, weights: list):
    try:
        import torch
    except ImportError:
        return None
    tnn = torch.nn
    if kind == "mlp":
        model = tnn.Sequential(tnn.Flatten(), tnn.Linear(784, 512), tnn.ReLU(), tnn.Linear(512, 512), tnn.ReLU(),
                               tnn.Linear(512, 10))
    else:
        norm = tnn.BatchNorm2d if kind == "cnn" else (lambda c: tnn.Identity())
        model = tnn.Sequential(
            tnn.Conv2d(1, 16, 3, padding=1), norm(16), tnn.ReLU(), tnn.MaxPool2d(2),
            tnn.Conv2d(16, 32, 3, padding=1), norm(32), tnn.ReLU(), tnn.MaxPool2d(2),
            tnn.Flatten(), tnn.Linear(32 * 7 * 7, 128), tnn.ReLU(), tnn.Dropout(0.1), tnn.Linear(128, 10),
        )
    layers = [m for m in model.modules() if isinstance(m, (tnn.Conv2d, tnn.BatchNorm2d, tnn.Linear))]
    with torch.no_grad():
        for (_, w, b), layer in zip(weights, layers):
            layer.weight.copy_(torch.from_numpy(w))
            layer.bias.copy_(torch.from_numpy(b))
    opt = torch.optim.Adam(model.parameters(), lr=LR)
    x, y = torch.from_numpy(xn), torch.from_numpy(yn)
    params = list(model.parameters())

    def step():
        opt.zero_grad()
        loss = tnn.functional.cross_entropy(model(x), y)
        loss.backward()
        tnn.utils.clip_grad_value_(params, CLIP)
        opt.step()
        loss.item()

    return step


# -- driver -------------------------------------------------------------------------------------
def _torch_ms(kind: str, xn, yn, weights, rounds: int, warmup: int):
    """Median ms of a PyTorch step: the faster of its default thread count and one thread."""
    try:
        import torch
    except ImportError:
        return None
    default = torch.get_num_threads()
    best = None
    try:
        for threads in sorted({default, 1}, reverse=True):
            torch.set_num_threads(threads)
            step = _torch_steps(kind, xn, yn, weights)
            ms = float(np.median(sample_ms({"torch": step}, rounds, warmup)["torch"]))
            best = ms if best is None else min(best, ms)
    finally:
        torch.set_num_threads(default)
    return best


def _case(kind: str, rounds: int, warmup: int) -> dict:
    rng = np.random.default_rng(0)
    xn = rng.standard_normal((BATCH, 1, 28, 28)).astype(np.float32)
    yn = rng.integers(0, 10, size=BATCH).astype(np.int64)
    if kind == "mlp":
        lmodel = lucid.models.MLP((784, 512, 512, 10))
        mmodel, mx_x, flat = _MLXMLP(), mx.array(xn.reshape(BATCH, 784)), None
    else:
        lmodel = _lucid_cnn(kind == "cnn")
        mmodel, mx_x, flat = _MLXCNN(kind == "cnn"), mx.array(xn.transpose(0, 2, 3, 1)), (32, 7, 7)
    weights = _lucid_weights(lmodel)
    _to_mlx(weights, mmodel, flat)
    lmodel.train()
    mmodel.train()
    steps = {"lucid": _lucid_step(lmodel, lucid.tensor(xn), lucid.tensor(yn)),
             "mlx": _mlx_step(mmodel, mx_x, mx.array(yn))}
    ms = sample_ms(steps, rounds, warmup)
    lucid_ms, mlx_ms = float(np.median(ms["lucid"])), float(np.median(ms["mlx"]))
    torch_ms = _torch_ms(kind, xn, yn, weights, rounds, warmup)
    return {
        "name": f"train_step/{kind}",
        "lucid_ms": round(lucid_ms, 2),
        "mlx_ms": round(mlx_ms, 2),
        "ratio": round(lucid_ms / mlx_ms, 3),
        "ratio_min": round(min(ms["lucid"]) / min(ms["mlx"]), 3),
        "torch_ms": None if torch_ms is None else round(torch_ms, 2),
    }


def run(rounds: int = ROUNDS, warmup: int = WARMUP) -> list[dict]:
    """Time one training step of each model in Lucid, MLX and (if installed) PyTorch.

    Returns:
        list[dict]: one row per model with ``name``, ``lucid_ms``, ``mlx_ms``,
        ``ratio`` (Lucid / MLX, medians), ``ratio_min`` (Lucid / MLX, fastest
        rounds) and ``torch_ms`` (``None`` without PyTorch).
    """
    return [_case(kind, rounds, warmup) for kind in ("mlp", "cnn", "cnn-nobn")]


if __name__ == "__main__":
    print(format_table(run()))
