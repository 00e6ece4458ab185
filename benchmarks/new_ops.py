"""Twenty of issue 12's ops, forward and backward, against the same computation written in ``mlx.core``.

Each case runs one op on float32 inputs of a few hundred thousand values,
multiplies the result by a fixed random weight, sums, and differentiates
(ops without a gradient: forward only), then evaluates. The Lucid side goes
through the public op and ``backward()``; the MLX side writes the same maths
directly and differentiates it with ``mx.value_and_grad`` (``special.i0`` and
``searchsorted`` reuse Lucid's own MLX kernels, so there the ratio is Lucid's
overhead alone). Where Lucid's op must compute more than the shortest MLX
spelling, the MLX side computes the same: ``hypot`` scales by the larger
magnitude and keeps infinities (overflow-safe, as PyTorch's hypot; the naive
``sqrt(x*x + y*y)`` overflows from about 1.8e19 in float32), and ``cummax``
also computes and evaluates the indices PyTorch returns (latest index on
ties, NaN kept), not only the running values. One reference row is not
among the twenty: ``take_along_dim+guard`` times the same Lucid op against
MLX that also does what Lucid's index guard does (indices wrapped and clamped
into range, and the flag of the lazy range check), which separates the guard's
cost from the rest. ``ratio`` is Lucid's
median over MLX's (goal: at most 1.2). Both sides of a case are timed
interleaved in the same rounds. Run it with ``python -m benchmarks new_ops``.
"""

from __future__ import annotations

import os
import sys

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import lucid  # noqa: I001  (before mlx.core: it may load a BLAS)
import mlx.core as mx
import numpy as np

import lucid.nn.functional as F
from benchmarks import print_table
from benchmarks._timing import time_interleaved
from lucid.ops import _specfun
from lucid.ops import statistics as _statistics

ROUNDS = 9
WARMUP = 2
N, D = 512, 256  # the (N, D) shape most cases use
_RNG = np.random.default_rng(0)


def _arr(*shape, low=-1.0, high=1.0):
    return mx.array(_RNG.uniform(low, high, shape).astype(np.float32))


def _idx(high, *shape):
    return mx.array(_RNG.integers(0, high, shape).astype(np.int64))


class Case:
    """One op: its inputs (MLX arrays), which of them are differentiated, and both implementations."""

    def __init__(self, name, inputs, diff, lucid_fn, mlx_fn, grad=True, aux=False):
        # aux: mlx_fn returns (output, extra): the extra outputs (what Lucid's op also returns) are evaluated too.
        self.name, self.inputs, self.diff, self.lucid_fn, self.mlx_fn, self.grad, self.aux = (
            name, inputs, diff, lucid_fn, mlx_fn, grad, aux)

    def lucid_step(self):
        tensors = [lucid.Tensor(a, requires_grad=self.grad and i in self.diff) if a.dtype == mx.float32
                   else lucid.Tensor(a) for i, a in enumerate(self.inputs)]
        weight = None

        def step():
            nonlocal weight
            for t in tensors:
                t.grad = None
            out = self.lucid_fn(*tensors)
            if not self.grad:
                lucid.eval(out)
                return
            if weight is None:
                weight = lucid.Tensor(_arr(*out.shape))
            (out * weight).sum().backward()
            lucid.eval([tensors[i].grad for i in self.diff])

        return step

    def mlx_step(self):
        arrays = list(self.inputs)
        if not self.grad:
            return lambda: mx.eval(self.mlx_fn(*arrays))
        fn = self.mlx_fn if self.aux else (lambda *args: (self.mlx_fn(*args), ()))
        weight = _arr(*fn(*arrays)[0].shape)

        def loss(*diffed):
            args = list(arrays)
            for i, a in zip(self.diff, diffed):
                args[i] = a
            out, extra = fn(*args)
            return (mx.sum(out * weight), extra) if self.aux else mx.sum(out * weight)

        vg = mx.value_and_grad(loss, argnums=list(range(len(self.diff))))

        def step():
            mx.eval(vg(*[arrays[i] for i in self.diff]))

        return step


def _quantile_mlx(x, q):
    s = mx.sort(x, axis=1)
    pos = q * (x.shape[1] - 1)
    lo = int(np.floor(pos))
    frac = pos - lo
    return s[:, lo] * (1 - frac) + s[:, min(lo + 1, x.shape[1] - 1)] * frac


def _cdist_mlx(a, b):
    sq = mx.sum(a * a, axis=1)[:, None] + mx.sum(b * b, axis=1)[None, :] - 2 * (a @ b.T)
    return mx.sqrt(mx.maximum(sq, 0))


def _hypot_mlx(x, y):
    ax, ay = mx.abs(x), mx.abs(y)
    big, small = mx.maximum(ax, ay), mx.minimum(ax, ay)
    r = small / mx.where(big == 0, 1.0, big)
    h = mx.where(big == 0, 0.0, big * mx.sqrt(1.0 + r * r))
    return mx.where(mx.isinf(ax) | mx.isinf(ay), mx.inf, h)


def _cummax_mlx(x):
    run = mx.cummax(x, axis=1)
    eq = (x == run) | (mx.isnan(x) & mx.isnan(run))
    pos = mx.broadcast_to(mx.arange(x.shape[1]), x.shape)
    return run, mx.cummax(mx.where(eq, pos, 0), axis=1)


def _cosine_mlx(a, b, eps=1e-8):
    na = mx.sqrt(mx.sum(a * a, axis=1))
    nb = mx.sqrt(mx.sum(b * b, axis=1))
    return mx.sum(a * b, axis=1) / mx.maximum(na * nb, eps)


def _gumbel_mlx(logits):
    g = mx.random.gumbel(logits.shape)
    return mx.softmax(logits + g, axis=-1)


@mx.compile
def _wrap_and_clamp(index, n):
    wrapped = mx.where(index < 0, index + n, index)
    return mx.clip(wrapped, 0, n - 1), mx.max(mx.view(wrapped, mx.uint64)) >= n.astype(mx.uint64)


def _take_along_guarded_mlx(x, index):
    safe, bad = _wrap_and_clamp(index, mx.array(x.shape[1], dtype=index.dtype))  # one fused pass
    return mx.take_along_axis(x, safe, axis=1), bad


def _scatter_sum_mlx(x, index, src):
    return x.at[mx.arange(x.shape[0])[:, None], index].add(src)


def cases() -> list:
    a, b, c = _arr(N, D), _arr(N, D), _arr(N, D)
    pos_a = _arr(N, D, low=0.1, high=2.0)
    small1, small2 = _arr(32, 32), _arr(16, 16)
    pts1, pts2 = _arr(256, 32), _arr(384, 32)
    sorted_seq = mx.sort(_arr(4096))
    queries = _arr(N * 64)
    idx_rows = _idx(N, 128)
    src_rows = _arr(128, D)
    idx_cols = _idx(D, N, 64)
    src_cols = _arr(N, 64)
    ints_a, ints_b = _idx(10_000, N * 64), _idx(10_000, 2048)
    signal = _arr(64, 1024)
    return [
        Case("addcmul", [a, b, c], (0, 1, 2), lambda x, y, z: lucid.addcmul(x, y, z, value=0.5),
             lambda x, y, z: x + 0.5 * y * z),
        Case("lerp", [a, b, c], (0, 1, 2), lucid.lerp, lambda x, y, w: x + w * (y - x)),
        Case("hypot", [a, b], (0, 1), lucid.hypot, _hypot_mlx),
        Case("logaddexp", [a, b], (0, 1), lucid.logaddexp, mx.logaddexp),
        Case("cdist", [pts1, pts2], (0, 1), lucid.cdist, _cdist_mlx),
        Case("kron", [small1, small2], (0, 1), lucid.kron,
             lambda x, y: (x[:, None, :, None] * y[None, :, None, :]).reshape(512, 512)),
        Case("cummax", [a], (0,), lambda x: lucid.cummax(x, dim=1)[0], _cummax_mlx, aux=True),
        Case("diff", [a], (0,), lambda x: lucid.diff(x, dim=1), lambda x: x[:, 1:] - x[:, :-1]),
        Case("quantile", [a], (0,), lambda x: lucid.quantile(x, 0.3, dim=1), lambda x: _quantile_mlx(x, 0.3)),
        Case("searchsorted", [sorted_seq, queries], (), lucid.searchsorted,
             lambda s, v: _statistics._binary_search(s, v, False), grad=False),
        Case("rot90", [a], (0,), lambda x: lucid.rot90(x, 1, (0, 1)), lambda x: mx.swapaxes(x[:, ::-1], 0, 1)),
        Case("index_add", [a, idx_rows, src_rows], (0, 2), lambda x, i, s: lucid.index_add(x, 0, i, s),
             lambda x, i, s: x.at[i].add(s)),
        Case("scatter_reduce", [a, idx_cols, src_cols], (0, 2),
             lambda x, i, s: lucid.scatter_reduce(x, 1, i, s, "sum"), _scatter_sum_mlx),
        Case("take_along_dim", [a, idx_cols], (0,), lambda x, i: lucid.take_along_dim(x, i, dim=1),
             lambda x, i: mx.take_along_axis(x, i, axis=1)),
        # The same op against MLX doing what Lucid's index guard does besides the gather (a reference
        # row, not one of the twenty): indices wrapped and clamped into range, and the range-check flag.
        Case("take_along_dim+guard", [a, idx_cols], (0,), lambda x, i: lucid.take_along_dim(x, i, dim=1),
             _take_along_guarded_mlx, aux=True),
        Case("isin", [ints_a, ints_b], (), lucid.isin,
             lambda x, y: mx.any(x[:, None] == y[None, :], axis=1), grad=False),
        Case("cosine_similarity", [a, b], (0, 1), lambda x, y: F.cosine_similarity(x, y, dim=1), _cosine_mlx),
        Case("pairwise_distance", [a, b], (0, 1), F.pairwise_distance,
             lambda x, y: mx.sqrt(mx.sum((x - y + 1e-6) ** 2, axis=1))),
        Case("gumbel_softmax", [a], (0,), lambda x: F.gumbel_softmax(x, tau=1.0), _gumbel_mlx),
        Case("fft.rfft", [signal], (0,), lambda x: lucid.real(lucid.fft.rfft(x, dim=1)),
             lambda x: mx.real(mx.fft.rfft(x, axis=1))),
        Case("special.i0", [pos_a], (0,), lucid.special.i0, _I0),
    ]


@mx.custom_function
def _I0(x):
    return _specfun.i0(x)


@_I0.vjp
def _i0_vjp(primals, cotangent, output):
    return _specfun.i1(primals[0]) * cotangent


def run() -> list[dict]:
    rows = []
    for case in cases():
        times = time_interleaved({"lucid": case.lucid_step(), "mlx": case.mlx_step()}, ROUNDS, WARMUP,
                                 rotate=True)
        lu, ml = times["lucid"]["median"], times["mlx"]["median"]
        rows.append({"name": f"new_ops/{case.name}", "lucid_ms": lu, "mlx_ms": ml, "ratio": lu / ml,
                     "ratio_min": times["lucid"]["min"] / times["mlx"]["min"],
                     "backward": case.grad})
    return rows


if __name__ == "__main__":
    print_table("issue 12 ops, forward+backward, Lucid vs the same maths in mlx.core", run())
