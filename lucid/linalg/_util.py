"""Helpers shared by ``lucid.linalg``: input checks, the CPU stream, half-precision handling, axis moves."""

from __future__ import annotations

import functools

import mlx.core as mx

from lucid._tensor import Tensor
from lucid.autograd.function import Function
from lucid.ops.reduction import _tensor

__all__ = ["CPU", "on_cpu", "matrix_input", "up", "down", "swap", "eye_mask", "move_axes", "reshape"]

#: MLX's decompositions (inv, qr, svd, eigh, ...) have CPU kernels only; every forward and backward of
#: ``lucid.linalg`` runs on this stream, whatever the default device (memory is unified).
CPU = mx.cpu

_HALF = (mx.float16, mx.bfloat16)


def on_cpu(rule):
    """Run a forward or backward rule with every MLX op on the CPU stream (float64 and LAPACK live there)."""

    @functools.wraps(rule)
    def run(*args, **kwargs):
        with mx.stream(CPU):
            return rule(*args, **kwargs)

    return run
_FLOATS = (mx.float16, mx.bfloat16, mx.float32, mx.float64)


def matrix_input(A, op: str, square: bool = False) -> Tensor:
    """Check that ``A`` is a floating-point tensor of matrices (``(*, m, n)``; square if asked)."""
    A = _tensor(A, op)
    if A._data.dtype not in _FLOATS:
        raise TypeError(f"linalg.{op}: expected a floating-point tensor, got {A.dtype}; convert it first, "
                        "e.g. A.float() or A.double()")
    if A.ndim < 2:
        raise ValueError(f"linalg.{op}: expected a matrix or a batch of matrices (at least 2 dimensions), "
                         f"got shape {A.shape}")
    if square and A.shape[-1] != A.shape[-2]:
        raise ValueError(f"linalg.{op}: expected square matrices, got shape {A.shape} "
                         f"({A.shape[-2]} x {A.shape[-1]})")
    return A


def up(a: mx.array) -> mx.array:
    """float16/bfloat16 to float32 (MLX's LAPACK kernels take float32 and float64 only)."""
    return a.astype(mx.float32) if a.dtype in _HALF else a


def down(x: mx.array, dtype) -> mx.array:
    return x.astype(dtype) if x.dtype != dtype else x


def swap(x: mx.array) -> mx.array:
    return mx.swapaxes(x, -1, -2)


def eye_mask(n: int) -> mx.array:
    return mx.eye(n, dtype=mx.bool_)


class _MoveAxes(Function):
    @staticmethod
    def forward(ctx, a, perm):
        ctx.inv = [perm.index(i) for i in range(len(perm))]
        return mx.transpose(a, perm)

    @staticmethod
    def backward(ctx, g):
        return mx.transpose(g, ctx.inv), None


class _Reshape(Function):
    @staticmethod
    def forward(ctx, a, shape):
        ctx.shape = a.shape
        return mx.reshape(a, shape)

    @staticmethod
    def backward(ctx, g):
        return mx.reshape(g, ctx.shape), None


def move_axes(A: Tensor, d0: int, d1: int) -> Tensor:
    """Move axes ``d0`` and ``d1`` (non-negative) to the end, in that order (differentiable)."""
    n = A.ndim
    if (d0, d1) == (n - 2, n - 1):
        return A
    perm = [i for i in range(n) if i not in (d0, d1)] + [d0, d1]
    return _MoveAxes.apply(A, perm)


def reshape(A: Tensor, shape) -> Tensor:
    """A differentiable reshape (kept here so ``lucid.linalg`` needs no other op family)."""
    if tuple(shape) == A.shape:
        return A
    return _Reshape.apply(A, tuple(shape))
