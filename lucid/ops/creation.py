"""Tensor creation: ``tensor``, ``zeros``, ``ones``, ``full``, ``eye``, ``arange``, ``linspace``, ``*_like``, ..."""

from __future__ import annotations

import numbers

import mlx.core as mx
import numpy as np

from lucid._backend.device import normalize_device
from lucid._backend.dtypes import _DEFAULT_FLOAT, to_mx_dtype
from lucid._tensor import Tensor
from lucid.ops._registry import export, register
from lucid.ops._util import check_sizes, new_tensor


@register()
def tensor(data, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """Make a Tensor from data (numbers, nested lists, NumPy arrays, ``mx.array``s, Tensors).

    Args:
        data: the values.
        dtype: the dtype; Python floats default to the default dtype (float32), ints to int64,
            NumPy arrays keep theirs.
        device: "cpu" or "gpu" (default: ``lucid.get_default_device()``).
        requires_grad: record operations for autograd.

    Examples:
        >>> import lucid
        >>> lucid.tensor([[1, 2], [3, 4]]).dtype
        lucid.int64
    """
    return Tensor(data, dtype=dtype, device=device, requires_grad=requires_grad)


@register()
def as_tensor(data, dtype=None, device=None) -> Tensor:
    """Like ``tensor``, but returns ``data`` itself when it already is a Tensor of that dtype and device.

    Examples:
        >>> import lucid
        >>> x = lucid.ones(2)
        >>> lucid.as_tensor(x) is x, lucid.as_tensor([1, 2]).dtype
        (True, lucid.int64)
    """
    if isinstance(data, Tensor) and (dtype is None or to_mx_dtype(dtype) == data._data.dtype) and (
        device is None or normalize_device(device) == data.device
    ):
        return data
    return Tensor(data, dtype=dtype, device=device)


@register()
def from_numpy(array: np.ndarray) -> Tensor:
    """Make a Tensor from a NumPy array, keeping its dtype (float64 stays float64, on the CPU).

    Examples:
        >>> import lucid, numpy as np
        >>> lucid.from_numpy(np.zeros(2)).dtype
        lucid.float64
    """
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy expects a numpy.ndarray, got {type(array).__name__}")
    return Tensor(array)


def _dt(dtype, default=None):
    if dtype is None:
        return _DEFAULT_FLOAT[0] if default is None else default
    return to_mx_dtype(dtype)


@register()
def zeros(*size, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """A tensor of zeros of shape ``size`` (``lucid.get_default_dtype()`` unless ``dtype`` is given).

    Examples:
        >>> import lucid
        >>> lucid.zeros(2, 3).shape
        (2, 3)
    """
    return new_tensor(mx.zeros(check_sizes(size, "zeros"), dtype=_dt(dtype)), device, requires_grad)


@register()
def ones(*size, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """A tensor of ones of shape ``size`` (``lucid.get_default_dtype()`` unless ``dtype`` is given).

    Examples:
        >>> import lucid
        >>> lucid.ones(2).tolist()
        [1.0, 1.0]
    """
    return new_tensor(mx.ones(check_sizes(size, "ones"), dtype=_dt(dtype)), device, requires_grad)


def _fill_dtype(fill_value, dtype):
    if dtype is not None:
        return to_mx_dtype(dtype)
    if isinstance(fill_value, bool):
        return mx.bool_
    if isinstance(fill_value, numbers.Integral):
        return mx.int64
    if isinstance(fill_value, numbers.Real):
        return _DEFAULT_FLOAT[0]
    if isinstance(fill_value, numbers.Complex):
        return mx.complex64
    raise TypeError(f"fill_value must be a number, got {type(fill_value).__name__}")


def _full(shape: tuple, fill_value, dt) -> mx.array:
    # NOTE: mx.full(..., dtype=bool_) returns int32 (MLX 0.32); cast to the dtype asked for.
    arr = mx.full(shape, fill_value, dtype=dt)
    return arr if arr.dtype == dt else arr.astype(dt)


@register()
def full(size, fill_value, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """A tensor of shape ``size`` filled with ``fill_value`` (dtype inferred from it).

    Examples:
        >>> import lucid
        >>> lucid.full((2,), 7).tolist()
        [7, 7]
    """
    if isinstance(size, numbers.Integral):
        size = (size,)
    shape = check_sizes(tuple(size), "full")
    dt = _fill_dtype(fill_value, dtype)
    return new_tensor(_full(shape, fill_value, dt), device, requires_grad)


@register()
def empty(*size, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """An uninitialised tensor (zeros here: MLX has no uninitialised allocation).

    Examples:
        >>> import lucid
        >>> lucid.empty(3).shape
        (3,)
    """
    return zeros(*size, dtype=dtype, device=device, requires_grad=requires_grad)


@register()
def eye(n: int, m: int | None = None, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """The ``n`` x ``m`` identity matrix.

    Examples:
        >>> import lucid
        >>> lucid.eye(2).tolist()
        [[1.0, 0.0], [0.0, 1.0]]
    """
    check_sizes((n,) if m is None else (n, m), "eye")
    return new_tensor(mx.eye(n, m, dtype=_dt(dtype)), device, requires_grad)


@register()
def arange(start, end=None, step=1, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """Values from ``start`` (inclusive) to ``end`` (exclusive) by ``step``.

    Integer arguments give int64, any float gives the default dtype (float32 unless changed).

    Examples:
        >>> import lucid
        >>> lucid.arange(5).tolist()
        [0, 1, 2, 3, 4]
        >>> lucid.arange(0, 1, 0.25).tolist()
        [0.0, 0.25, 0.5, 0.75]
    """
    if end is None:
        start, end = 0, start
    for v in (start, end, step):
        if isinstance(v, bool) or not isinstance(v, numbers.Real):
            raise TypeError(f"arange: start, end and step must be numbers, got {v!r}")
    if step == 0:
        raise ValueError("arange: step must not be zero")
    all_int = all(isinstance(v, numbers.Integral) for v in (start, end, step))
    dt = _dt(dtype, mx.int64 if all_int else None)
    if all_int:
        arr = mx.arange(int(start), int(end), int(step), dtype=dt)
    else:
        # Compute in float64 on the host so e.g. arange(0, 1, 0.1) has exactly 10 values.
        arr = mx.array(np.arange(start, end, step).astype(np.float64)).astype(dt) if dt != mx.float64 else \
            mx.array(np.arange(start, end, step), dtype=mx.float64)
    return new_tensor(arr, device, requires_grad)


@register()
def linspace(start, end, steps: int, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """``steps`` evenly spaced values from ``start`` to ``end`` inclusive.

    Examples:
        >>> import lucid
        >>> lucid.linspace(0, 1, 3).tolist()
        [0.0, 0.5, 1.0]
    """
    if isinstance(steps, bool) or not isinstance(steps, numbers.Integral) or steps < 0:
        raise ValueError(f"linspace: steps must be a non-negative int, got {steps!r}")
    return new_tensor(mx.linspace(start, end, int(steps), dtype=_dt(dtype)), device, requires_grad)


def _like(input: Tensor, dtype, device):
    if not isinstance(input, Tensor):
        raise TypeError(f"expected a Tensor, got {type(input).__name__}")
    return (input._data.shape, input._data.dtype if dtype is None else to_mx_dtype(dtype),
            input.device if device is None else device)


@register()
def zeros_like(input: Tensor, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """Zeros with ``input``'s shape, dtype and device.

    Examples:
        >>> import lucid
        >>> lucid.zeros_like(lucid.ones(2, dtype=lucid.int32)).tolist()
        [0, 0]
    """
    shape, dt, dev = _like(input, dtype, device)
    return new_tensor(mx.zeros(shape, dtype=dt), dev, requires_grad)


@register()
def ones_like(input: Tensor, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """Ones with ``input``'s shape, dtype and device.

    Examples:
        >>> import lucid
        >>> lucid.ones_like(lucid.zeros(2)).tolist()
        [1.0, 1.0]
    """
    shape, dt, dev = _like(input, dtype, device)
    return new_tensor(mx.ones(shape, dtype=dt), dev, requires_grad)


@register()
def full_like(input: Tensor, fill_value, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """``fill_value`` with ``input``'s shape, dtype and device.

    Examples:
        >>> import lucid
        >>> lucid.full_like(lucid.zeros(2), 3).tolist()
        [3.0, 3.0]
    """
    shape, dt, dev = _like(input, dtype, device)
    return new_tensor(_full(shape, fill_value, dt), dev, requires_grad)


@register()
def empty_like(input: Tensor, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """Like ``zeros_like`` (MLX has no uninitialised allocation).

    Examples:
        >>> import lucid
        >>> lucid.empty_like(lucid.zeros(2, 2)).shape
        (2, 2)
    """
    return zeros_like(input, dtype, device, requires_grad)


__all__ = export(__name__)
