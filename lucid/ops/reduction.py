"""Reductions: ``sum``, ``mean`` (more to come)."""

from __future__ import annotations

import mlx.core as mx

from lucid._tensor import Tensor
from lucid.autograd.function import Function
from lucid.ops._util import normalize_axes, reduce_axis_arg, reduce_keepdims_arg

__all__ = ["sum", "mean"]


def _expand_back(g: mx.array, in_shape: tuple, axes, keepdims: bool) -> mx.array:
    """Broadcast a reduced gradient back over the reduced ``axes`` of ``in_shape``."""
    if axes is None:
        axes = tuple(range(len(in_shape)))
    if not keepdims and axes:
        g = mx.expand_dims(g, axes)
    return mx.broadcast_to(g, in_shape)


class Sum(Function):
    @staticmethod
    def forward(ctx, a, axes, keepdims):
        ctx.meta = (a.shape, axes, keepdims)
        return mx.sum(a, axis=axes, keepdims=keepdims)

    @staticmethod
    def backward(ctx, g):
        return _expand_back(g, *ctx.meta), None, None


class Mean(Function):
    @staticmethod
    def forward(ctx, a, axes, keepdims):
        ctx.meta = (a.shape, axes, keepdims)
        return mx.mean(a, axis=axes, keepdims=keepdims)

    @staticmethod
    def backward(ctx, g):
        shape, axes, keepdims = ctx.meta
        count = 1
        for ax in (range(len(shape)) if axes is None else axes):
            count *= shape[ax]
        return _expand_back(g / max(count, 1), shape, axes, keepdims), None, None


def sum(input: Tensor, axis=None, keepdims: bool = False, *, dim=None, keepdim: bool = False, dtype=None) -> Tensor:
    """Sum over ``axis`` (``dim``); all elements when omitted.

    Args:
        input: the tensor.
        axis: an int or tuple of ints (negative counts from the end); ``dim`` is the PyTorch spelling.
        keepdims: keep reduced axes as size 1; ``keepdim`` is the PyTorch spelling.
        dtype: accumulate and return in this dtype.

    Example:
        >>> import lucid
        >>> lucid.sum(lucid.tensor([[1, 2], [3, 4]]), dim=1).tolist()
        [3, 7]
    """
    axes = normalize_axes(reduce_axis_arg(axis, dim, "sum"), input.ndim, "sum")
    if dtype is not None:
        input = input.astype(dtype)
    return Sum.apply(input, axes, reduce_keepdims_arg(keepdims, keepdim))


def mean(input: Tensor, axis=None, keepdims: bool = False, *, dim=None, keepdim: bool = False) -> Tensor:
    """Arithmetic mean over ``axis`` (``dim``); all elements when omitted.

    Example:
        >>> import lucid
        >>> lucid.mean(lucid.tensor([1.0, 2.0, 6.0])).item()
        3.0
    """
    axes = normalize_axes(reduce_axis_arg(axis, dim, "mean"), input.ndim, "mean")
    return Mean.apply(input, axes, reduce_keepdims_arg(keepdims, keepdim))


TENSOR_METHODS = {"sum": sum, "mean": mean}
