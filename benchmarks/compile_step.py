"""Compiled steps: ``lucid.compile`` against Lucid eager, ``mx.compile`` over ``mlx.nn``, and PyTorch.

Rows (rounds interleaved, medians reported):

* ``compile/chain1000``: the 1000-op chain of ``autograd_overhead`` (forward,
  backward, the three gradients evaluated), Lucid compiled (``lucid_c_ms``)
  against Lucid eager (``lucid_ms``), ``mx.compile(mx.grad(f))`` (``mlx_c_ms``)
  and PyTorch eager (``torch_ms``, when PyTorch is importable).
  ``ratio_torch`` is ``lucid_c_ms / torch_ms`` (goal <= 0.5).
* ``compile/mlp`` and ``compile/cnn``: one Adam training step (zero_grad,
  forward, cross-entropy, backward, step; the CNN with BatchNorm and dropout),
  Lucid compiled against the same model in ``mlx.nn`` + ``mlx.optimizers``
  under ``mx.compile`` (``mlx_c_ms``; ``ratio_mlx`` is ``lucid_c_ms /
  mlx_c_ms``, goal <= 1.05), and Lucid eager (``speedup`` is ``lucid_ms /
  lucid_c_ms``).
* ``compile/mlp_width<N>``: eager and compiled step time of the MLP for a
  range of widths (the data of the Performance tutorial's plot).

Run alone with ``python -m benchmarks.compile_step``.
"""

from __future__ import annotations

import os
import sys
from functools import partial

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import lucid  # noqa: I001  (before mlx.core: it may load a BLAS)
import lucid.nn as nn
import lucid.nn.functional as F
import mlx.core as mx
import mlx.nn as mnn
import mlx.optimizers as mopt
import numpy as np

from benchmarks import autograd_overhead, format_table, write_results
from benchmarks._timing import time_interleaved, torch_or_none

__all__ = ["run", "chain_row", "step_row", "width_rows"]

ROUNDS = 15
WARMUP = 3
BATCH = 64
WIDTHS = (64, 256, 1024)


# -- the 1000-op chain ---------------------------------------------------------------------------------
def _lucid_chain_compiled(ops: int):
    xn, an, bn = autograd_overhead._inputs()
    x = lucid.tensor(xn, requires_grad=True)
    a = lucid.tensor(an, requires_grad=True)
    b = lucid.tensor(bn, requires_grad=True)

    @lucid.compile(state=[x, a, b])
    def chain():
        x.grad = a.grad = b.grad = None
        y = x
        for _ in range(ops // 2):
            y = y * a
            y = y + b
        y.sum().backward()
        return x.grad, a.grad, b.grad

    def step():
        gs = chain()
        lucid.eval(*gs)
        return gs

    return step


def _mlx_chain_compiled(ops: int):
    xn, an, bn = autograd_overhead._inputs()
    args = [mx.array(xn), mx.array(an), mx.array(bn)]
    mx.eval(args)

    def f(x, a, b):
        y = x
        for _ in range(ops // 2):
            y = y * a
            y = y + b
        return y.sum()

    grad = mx.compile(mx.grad(f, argnums=(0, 1, 2)))

    def step():
        gs = grad(*args)
        mx.eval(gs)
        return gs

    return step


def chain_row(ops: int = 1000, rounds: int = ROUNDS, warmup: int = WARMUP) -> dict:
    """Lucid compiled vs eager vs ``mx.compile`` vs PyTorch on the chain."""
    steps = {"lucid": lambda: autograd_overhead.lucid_chain(ops), "lucid_c": _lucid_chain_compiled(ops),
             "mlx_c": _mlx_chain_compiled(ops), "mlx_floor": autograd_overhead._mlx_floor_fn(ops)}
    torch_step = autograd_overhead._torch_chain_fn(ops)
    if torch_step is not None:
        steps["torch"] = torch_step
    ms = {k: v["median"] for k, v in time_interleaved(steps, rounds, warmup).items()}
    return {
        "name": f"compile/chain{ops}",
        "lucid_ms": round(ms["lucid"], 3), "lucid_c_ms": round(ms["lucid_c"], 3),
        "mlx_c_ms": round(ms["mlx_c"], 3), "floor_ms": round(ms["mlx_floor"], 3),
        "torch_ms": round(ms["torch"], 3) if "torch" in ms else None,
        "ratio_mlx": round(ms["lucid_c"] / ms["mlx_c"], 3),
        "ratio_torch": round(ms["lucid_c"] / ms["torch"], 3) if "torch" in ms else None,
        "eager_ratio_floor": round(ms["lucid"] / ms["mlx_floor"], 3),
        "speedup": round(ms["lucid"] / ms["lucid_c"], 2),
    }


# -- training steps --------------------------------------------------------------------------------------
def _mlp_lucid(width: int):
    return nn.Sequential(nn.Linear(784, width), nn.ReLU(), nn.Linear(width, width), nn.ReLU(), nn.Linear(width, 10))


def _mlp_mlx(width: int):
    return mnn.Sequential(mnn.Linear(784, width), mnn.ReLU(), mnn.Linear(width, width), mnn.ReLU(),
                          mnn.Linear(width, 10))


class _CNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(16)
        self.conv2 = nn.Conv2d(16, 32, 3, padding=1)
        self.bn2 = nn.BatchNorm2d(32)
        self.drop = nn.Dropout(0.25)
        self.fc = nn.Linear(32 * 7 * 7, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.bn1(self.conv1(x))), 2)
        x = F.max_pool2d(F.relu(self.bn2(self.conv2(x))), 2)
        return self.fc(self.drop(x.flatten(1)))


class _MCNN(mnn.Module):
    """The same CNN in mlx.nn (channels-last, MLX's layout)."""

    def __init__(self):
        super().__init__()
        self.conv1 = mnn.Conv2d(1, 16, 3, padding=1)
        self.bn1 = mnn.BatchNorm(16)
        self.conv2 = mnn.Conv2d(16, 32, 3, padding=1)
        self.bn2 = mnn.BatchNorm(32)
        self.drop = mnn.Dropout(0.25)
        self.fc = mnn.Linear(32 * 7 * 7, 10)
        self.pool = mnn.MaxPool2d(2)

    def __call__(self, x):
        x = self.pool(mnn.relu(self.bn1(self.conv1(x))))
        x = self.pool(mnn.relu(self.bn2(self.conv2(x))))
        return self.fc(self.drop(x.reshape(x.shape[0], -1)))


def _lucid_steps(model, x, y):
    """Lucid eager and compiled Adam steps (two copies of the model, same weights)."""
    import copy

    out = {}
    for name in ("eager", "compiled"):
        m = copy.deepcopy(model) if name == "compiled" else model
        opt = lucid.optim.Adam(m.parameters(), lr=1e-3)

        def step(m=m, opt=opt):
            opt.zero_grad()
            loss = F.cross_entropy(m(x), y)
            loss.backward()
            opt.step()
            return loss

        if name == "compiled":
            fn = lucid.compile(step, state=[m, opt])

            def run(fn=fn):
                loss = fn()
                lucid.eval(loss)  # parameters and state are outputs of the same evaluation
                return loss
        else:
            def run(step=step):
                loss = step()
                lucid.eval(loss)
                return loss
        out[name] = run
    return out


def _mlx_step(model, x, y):
    opt = mopt.Adam(learning_rate=1e-3)

    def loss_fn(m, x, y):
        return mnn.losses.cross_entropy(m(x), y, reduction="mean")

    grad_fn = mnn.value_and_grad(model, loss_fn)
    state = [model.state, opt.state, mx.random.state]

    @partial(mx.compile, inputs=state, outputs=state)
    def step(x, y):
        loss, grads = grad_fn(model, x, y)
        opt.update(model, grads)
        return loss

    def run():
        loss = step(x, y)
        mx.eval(state, loss)
        return loss

    return run


def step_row(kind: str, rounds: int = ROUNDS, warmup: int = WARMUP, width: int = 256) -> dict:
    """One training step: Lucid eager, Lucid compiled and mlx.nn compiled."""
    rng = np.random.default_rng(0)
    lucid.manual_seed(0)
    mx.random.seed(0)
    yn = rng.integers(0, 10, size=BATCH)
    if kind == "mlp":
        xn = rng.standard_normal((BATCH, 784)).astype(np.float32)
        model, mmodel = _mlp_lucid(width), _mlp_mlx(width)
        mx_x = mx.array(xn)
    else:
        xn = rng.standard_normal((BATCH, 1, 28, 28)).astype(np.float32)
        model, mmodel = _CNN(), _MCNN()
        mx_x = mx.array(xn.transpose(0, 2, 3, 1))
    mx.eval(mmodel.parameters())
    x, y = lucid.tensor(xn), lucid.tensor(yn)
    steps = _lucid_steps(model, x, y)
    steps["mlx_c"] = _mlx_step(mmodel, mx_x, mx.array(yn))
    ms = {k: v["median"] for k, v in time_interleaved(steps, rounds, warmup).items()}
    name = f"compile/{kind}" if kind != "mlp" or width == 256 else f"compile/mlp_width{width}"
    return {
        "name": name,
        "lucid_ms": round(ms["eager"], 3), "lucid_c_ms": round(ms["compiled"], 3), "mlx_c_ms": round(ms["mlx_c"], 3),
        "ratio_mlx": round(ms["compiled"] / ms["mlx_c"], 3), "speedup": round(ms["eager"] / ms["compiled"], 2),
    }


def width_rows(widths=WIDTHS, rounds: int = ROUNDS, warmup: int = WARMUP) -> list:
    """The MLP step at several widths (step time against model size)."""
    return [step_row("mlp", rounds, warmup, width=w) for w in widths if w != 256]


def run(rounds: int = ROUNDS, warmup: int = WARMUP) -> list[dict]:
    """All rows: the chain, the MLP and CNN steps, the MLP width sweep."""
    rows = [chain_row(rounds=rounds, warmup=warmup), step_row("mlp", rounds, warmup),
            step_row("cnn", rounds, warmup)]
    rows += width_rows(rounds=rounds, warmup=warmup)
    return rows


def main() -> list[dict]:
    rows = run()
    print(format_table(rows))
    print("torch:", "available" if torch_or_none() is not None else "not installed")
    print(f"\nwritten to {write_results('compile_step', rows)}")
    return rows


if __name__ == "__main__":
    main()
