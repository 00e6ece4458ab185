"""Autograd overhead: a 1000-op elementwise chain on 16-element tensors, forward and backward.

On tensors this small the arithmetic is free and every framework pays only
its bookkeeping. The same chain (``y = y * a`` then ``y = y + b``, 500 times,
then ``sum``) is differentiated with respect to ``x``, ``a`` and ``b``:

* ``lucid``: Lucid's tape (``Function.apply`` per op, ``backward()``, then
  ``lucid.eval`` of the three gradients);
* ``mlx``: raw MLX, ``mx.grad`` of the same function, then ``mx.eval``;
* ``mlx_floor``: the forward and reverse pass written out by hand in raw MLX
  ops, with no tape: the primitives any autograd over MLX's eager API must
  create and evaluate, so the floor for Lucid (``ratio_floor``) and, against
  PyTorch (``floor_vs_torch``), for the goal itself;
* ``python_tape``: the least a tape written in Python over MLX can do: per
  operation one function call, one node object and one output object, per
  node one backward call, and nothing else (no grad mode, devices, dtypes,
  version counters or hooks). ``ratio_python_floor`` is its time over
  ``mlx_floor``: the overhead Python alone adds, which bounds what Lucid's
  ``ratio_floor`` can reach;
* ``torch``: PyTorch CPU eager autograd, when PyTorch is importable.

Rounds are interleaved (one call of each per round) and the median is
reported; ``ratio_torch`` is ``lucid_ms / torch_ms`` and ``ratio_mlx`` is
``lucid_ms / mlx_ms``. A cProfile summary of one batch of Lucid calls, grouped
by layer, goes into the JSON (``profile``) and is printed. Note that cProfile
cannot see MLX's native functions: their time is counted in the Python
function that called them.

Run alone with ``python -m benchmarks.autograd_overhead``.
"""

from __future__ import annotations

import cProfile
import os
import pstats
import sys

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import lucid  # noqa: I001  (before mlx.core: it may load a BLAS)
import mlx.core as mx
import numpy as np

from benchmarks import format_table, write_results
from benchmarks._timing import time_interleaved

__all__ = ["run", "extra", "profile_summary", "lucid_chain"]

OPS = 1000
SIZE = 16
ROUNDS = 25
WARMUP = 3


def _inputs():
    x = np.linspace(0.1, 1.0, SIZE, dtype=np.float32)
    a = np.full(SIZE, 1.0001, dtype=np.float32)
    b = np.full(SIZE, 1e-4, dtype=np.float32)
    return x, a, b


def lucid_chain(ops: int = OPS):
    """One forward + backward of the chain in Lucid; returns the three gradients."""
    xn, an, bn = _inputs()
    x = lucid.tensor(xn, requires_grad=True)
    a = lucid.tensor(an, requires_grad=True)
    b = lucid.tensor(bn, requires_grad=True)
    y = x
    for _ in range(ops // 2):
        y = y * a
        y = y + b
    y.sum().backward()
    lucid.eval(x.grad, a.grad, b.grad)
    return x.grad, a.grad, b.grad


def _mlx_chain_fn(ops: int):
    xn, an, bn = _inputs()
    args = (mx.array(xn), mx.array(an), mx.array(bn))
    mx.eval(args)

    def f(x, a, b):
        y = x
        for _ in range(ops // 2):
            y = y * a
            y = y + b
        return y.sum()

    grad = mx.grad(f, argnums=(0, 1, 2))

    def step():
        gs = grad(*args)
        mx.eval(gs)
        return gs

    return step


def _mlx_floor_fn(ops: int):
    """The chain's forward and reverse pass written out by hand in raw MLX: no tape at all.

    Exactly the primitives a tape over MLX's eager API must create (1000
    forward ops, one multiply per gradient of a multiply, the contributions to
    ``a`` and ``b`` summed with one concatenate + sum each, as Lucid's engine
    does), and nothing else. Lucid cannot be faster than this.
    """
    xn, an, bn = _inputs()
    x, a, b = mx.array(xn), mx.array(an), mx.array(bn)
    mx.eval(x, a, b)

    def step():
        y = x
        before_mul = []
        for _ in range(ops // 2):
            before_mul.append(y)
            y = y * a
            y = y + b
        g = mx.ones_like(y)  # d sum(y) / dy
        grads_a, grads_b = [], []
        for prev in reversed(before_mul):
            grads_b.append(g)        # add: the gradient passes through to b ...
            grads_a.append(g * prev)  # ... and to the product, whose rule gives a ...
            g = g * a                 # ... and the earlier y
        n = len(grads_a)
        ga = mx.sum(mx.reshape(mx.concatenate(grads_a), (n, SIZE)), axis=0)
        gb = mx.sum(mx.reshape(mx.concatenate(grads_b), (n, SIZE)), axis=0)
        mx.eval(g, ga, gb)
        return g, ga, gb

    return step


class _Value:
    __slots__ = ("data", "node")

    def __init__(self, data, node=None):
        self.data = data
        self.node = node


class _Node:
    __slots__ = ("backward", "inputs", "saved")

    def __init__(self, backward, inputs, saved):
        self.backward = backward
        self.inputs = inputs
        self.saved = saved


def _mul_rule(node, g):
    a, b = node.saved
    return g * b, g * a


def _add_rule(node, g):
    return g, g


def _tape_mul(x, y):
    return _Value(mx.multiply(x.data, y.data), _Node(_mul_rule, (x, y), (x.data, y.data)))


def _tape_add(x, y):
    return _Value(mx.add(x.data, y.data), _Node(_add_rule, (x, y), ()))


def _python_tape_fn(ops: int):
    """The chain on a minimal tape in plain Python (see the module docstring): a floor for any Python tape."""
    xn, an, bn = _inputs()
    arrays = (mx.array(xn), mx.array(an), mx.array(bn))
    mx.eval(arrays)

    def step():
        x, a, b = (_Value(v) for v in arrays)
        y = x
        for _ in range(ops // 2):
            y = _tape_mul(y, a)
            y = _tape_add(y, b)
        leaves: dict = {}
        stack = [(y, mx.ones_like(y.data))]
        while stack:  # the chain has one consumer per value, so a stack is a valid order
            v, g = stack.pop()
            node = v.node
            if node is None:
                leaves.setdefault(v, []).append(g)
                continue
            for inp, gi in zip(node.inputs, node.backward(node, g)):
                stack.append((inp, gi))
        grads = [gs[0] if len(gs) == 1 else mx.sum(mx.reshape(mx.concatenate(gs), (len(gs), SIZE)), axis=0)
                 for gs in (leaves[x], leaves[a], leaves[b])]
        mx.eval(grads)
        return grads

    return step


def _torch_chain_fn(ops: int):
    try:
        import torch
    except ImportError:
        return None
    xn, an, bn = _inputs()

    def step():
        x = torch.tensor(xn, requires_grad=True)
        a = torch.tensor(an, requires_grad=True)
        b = torch.tensor(bn, requires_grad=True)
        y = x
        for _ in range(ops // 2):
            y = y * a
            y = y + b
        y.sum().backward()
        return x.grad, a.grad, b.grad

    return step


_LAYERS = (
    ("lucid/autograd/function.py", "tape: Function.apply, Node"),
    ("lucid/autograd/engine.py", "backward engine"),
    ("lucid/autograd/", "autograd (other)"),
    ("lucid/ops/", "op rules (forward/backward, incl. MLX op calls)"),
    ("lucid/_tensor.py", "Tensor"),
    ("lucid/__init__.py", "lucid.eval (MLX evaluation)"),
)


def profile_summary(calls: int = 5, top: int = 12) -> dict:
    """cProfile Lucid's chain: seconds per call grouped by layer, and the top functions by own time."""
    prof = cProfile.Profile()
    prof.enable()
    for _ in range(calls):
        lucid_chain()
    prof.disable()
    stats = pstats.Stats(prof)
    total = 0.0
    layers: dict = {}
    funcs = []
    for (path, line, name), (_cc, ncalls, tottime, _ct, _callers) in stats.stats.items():
        total += tottime
        norm = path.replace(os.sep, "/")
        label = "other (builtins, benchmark loop)"
        for prefix, lab in _LAYERS:
            if prefix in norm:
                label = lab
                break
        layers[label] = layers.get(label, 0.0) + tottime
        short = norm.split("/lucid/", 1)[-1] if "/lucid/" in norm else os.path.basename(norm)
        funcs.append((tottime, f"{short}:{line}({name})", ncalls))
    funcs.sort(reverse=True)
    return {
        "calls": calls,
        "total_ms_per_call": round(1e3 * total / calls, 3),
        "layers_ms_per_call": {k: round(1e3 * v / calls, 3) for k, v in sorted(layers.items(), key=lambda kv: -kv[1])},
        "top_functions": [{"function": f, "ms_per_call": round(1e3 * t / calls, 3), "ncalls": n // calls}
                          for t, f, n in funcs[:top]],
    }


def run(rounds: int = ROUNDS, warmup: int = WARMUP, ops: int = OPS) -> list[dict]:
    """Time the chain in Lucid, raw MLX (``mx.grad``) and PyTorch (if installed).

    Returns:
        list[dict]: one row, ``name``, ``lucid_ms``, ``mlx_ms``, ``torch_ms`` (or
        ``None``), ``floor_ms``, ``python_tape_ms``, the ratios (``ratio_python_floor``:
        the minimal Python tape over the floor) and the per-call minima.
    """
    steps = {"lucid": lambda: lucid_chain(ops), "mlx": _mlx_chain_fn(ops), "mlx_floor": _mlx_floor_fn(ops),
             "python_tape": _python_tape_fn(ops)}
    torch_step = _torch_chain_fn(ops)
    if torch_step is not None:
        steps["torch"] = torch_step
    ms = time_interleaved(steps, rounds, warmup)
    row = {
        "name": f"autograd/chain{ops}",
        "lucid_ms": round(ms["lucid"]["median"], 3),
        "mlx_ms": round(ms["mlx"]["median"], 3),
        "torch_ms": round(ms["torch"]["median"], 3) if "torch" in ms else None,
        "floor_ms": round(ms["mlx_floor"]["median"], 3),
        "python_tape_ms": round(ms["python_tape"]["median"], 3),
        "ratio_mlx": round(ms["lucid"]["median"] / ms["mlx"]["median"], 3),
        "ratio_floor": round(ms["lucid"]["median"] / ms["mlx_floor"]["median"], 3),
        "ratio_python_floor": round(ms["python_tape"]["median"] / ms["mlx_floor"]["median"], 3),
        "floor_vs_torch": round(ms["mlx_floor"]["median"] / ms["torch"]["median"], 3) if "torch" in ms else None,
        "ratio_torch": round(ms["lucid"]["median"] / ms["torch"]["median"], 3) if "torch" in ms else None,
        "lucid_min_ms": round(ms["lucid"]["min"], 3),
        "mlx_min_ms": round(ms["mlx"]["min"], 3),
        "torch_min_ms": round(ms["torch"]["min"], 3) if "torch" in ms else None,
    }
    return [row]


def extra() -> dict:
    """What goes into the JSON besides the rows: the cProfile summary."""
    return {"profile": profile_summary()}


def main() -> list[dict]:
    rows = run()
    prof = extra()["profile"]
    print(format_table(rows))
    print(f"\nwhere Lucid's time goes (cProfile, {prof['total_ms_per_call']} ms per call with profiling on):")
    for label, ms in prof["layers_ms_per_call"].items():
        print(f"  {ms:8.3f} ms  {label}")
    path = write_results("autograd_overhead", rows, {"profile": prof})
    print(f"\nwritten to {path}")
    return rows


if __name__ == "__main__":
    main()
