"""Helpers shared by the op families: gradient reduction, axis handling, operand conversion."""

from __future__ import annotations

import numbers

import mlx.core as mx

from lucid._backend import reductions
from lucid._backend.device import _default
from lucid._tensor import Tensor, as_array

__all__ = ["unbroadcast", "normalize_axes", "operand", "reduce_axis_arg", "reduce_keepdims_arg"]


def unbroadcast(grad: mx.array, shape: tuple, dtype=None) -> mx.array:
    """Reduce a broadcast gradient back to an input's ``shape``.

    Sums the leading axes broadcasting added and the axes that were size 1 in
    the input; casts to ``dtype`` when given (so a float16 input receives a
    float16 gradient).
    """
    gshape = grad.shape
    if gshape != shape:
        lead = len(gshape) - len(shape)
        axes = list(range(lead))
        for i, s in enumerate(shape):
            if s == 1 and gshape[i + lead] != 1:
                axes.append(i + lead)
        if axes:
            grad = reductions.sum(grad, axis=axes, keepdims=False)
        if grad.shape != shape:
            grad = mx.reshape(grad, shape)
    if dtype is not None and grad.dtype != dtype:
        grad = grad.astype(dtype)
    return grad


def normalize_axes(axis, ndim: int, op: str = "op") -> tuple | None:
    """Turn ``None``, an int or a sequence of (possibly negative) ints into a sorted tuple of axes."""
    if axis is None:
        return None
    if isinstance(axis, numbers.Integral) and not isinstance(axis, bool):
        axes = (int(axis),)
    elif isinstance(axis, (tuple, list)):
        axes = tuple(axis)
    else:
        raise TypeError(f"{op}: axis/dim must be an int or a tuple of ints, got {type(axis).__name__}")
    out = []
    for a in axes:
        if isinstance(a, bool) or not isinstance(a, numbers.Integral):
            raise TypeError(f"{op}: axis/dim must be ints, got {a!r}")
        lo = -max(ndim, 1)
        if not lo <= a < max(ndim, 1):
            raise ValueError(f"{op}: axis {a} is out of range for a tensor with {ndim} dimensions")
        out.append(int(a) % max(ndim, 1) if ndim > 0 else 0)
    if len(set(out)) != len(out):
        raise ValueError(f"{op}: repeated axis in {axis!r}")
    return tuple(sorted(out))


def reduce_axis_arg(axis, dim, op: str, default=None, *, required: bool = False):
    """Accept NumPy's ``axis=`` or PyTorch's ``dim=`` (not both); ``default`` when neither is given.

    With ``required=True`` giving neither is a TypeError, as a missing positional argument is.
    """
    if dim is not None:
        if axis is not None:
            raise TypeError(f"{op}: pass either axis= or dim=, not both")
        return dim
    if axis is None:
        if required:
            raise TypeError(f"{op}: missing the required argument dim (or its NumPy spelling axis)")
        return default
    return axis


def reduce_keepdims_arg(keepdims, keepdim) -> bool:
    """Accept NumPy's ``keepdims=`` or PyTorch's ``keepdim=``."""
    return bool(keepdims or keepdim)


def operand(x):
    """Pass Tensors and Python numbers through; turn lists, NumPy arrays and ``mx.array``s into Tensors."""
    if isinstance(x, (Tensor, int, float, complex)):
        return x
    if isinstance(x, numbers.Number):
        return x.item() if hasattr(x, "item") else x
    return Tensor._make(as_array(x), _default[0])
