"""More creation: ``logspace`` and the ``Tensor.new_*`` / ``Tensor.type_as`` methods.

``new_zeros`` & co. make a fresh leaf with the calling tensor's dtype and
device unless told otherwise (PyTorch's methods); they do not read its values.
"""

from __future__ import annotations

import numbers

import mlx.core as mx

from lucid._backend.dtypes import _DEFAULT_FLOAT, to_mx_dtype
from lucid._tensor import Tensor
from lucid.ops import creation as _cr
from lucid.ops._registry import export, register, register_method
from lucid.ops._util import new_tensor


@register()
def logspace(start, end, steps: int, base: float = 10.0, dtype=None, device=None,
             requires_grad: bool = False) -> Tensor:
    """``steps`` values from ``base ** start`` to ``base ** end``, evenly spaced in the exponent.

    Raises:
        ValueError: ``steps`` is not a non-negative int.
        TypeError: ``base`` is not a number.

    Examples:
        >>> import lucid
        >>> lucid.logspace(0, 2, 3).tolist()
        [1.0, 10.0, 100.0]
        >>> lucid.logspace(0, 3, 4, base=2).tolist()
        [1.0, 2.0, 4.0, 8.0]
    """
    if isinstance(steps, bool) or not isinstance(steps, numbers.Integral) or steps < 0:
        raise ValueError(f"logspace: steps must be a non-negative int, got {steps!r}")
    if isinstance(base, bool) or not isinstance(base, numbers.Real):
        raise TypeError(f"logspace: base must be a real number, got {base!r}")
    dt = _DEFAULT_FLOAT[0] if dtype is None else to_mx_dtype(dtype)
    # Computed in the target float precision (float32 for half and integer dtypes), then cast.
    work = dt if dt in (mx.float32, mx.float64) else mx.float32
    exps = mx.linspace(start, end, int(steps), dtype=work) if steps else mx.zeros((0,), work)
    arr = mx.power(mx.array(float(base), dtype=work), exps)
    if dt != work:
        arr = mx.round(arr) if not mx.issubdtype(dt, mx.inexact) else arr
        arr = arr.astype(dt)
    return new_tensor(arr, device, requires_grad)


def _defaults(self: Tensor, dtype, device):
    if not isinstance(self, Tensor):
        raise TypeError(f"expected a Tensor, got {type(self).__name__}")
    return (self.dtype if dtype is None else dtype), (self.device if device is None else device)


def _new_zeros(self: Tensor, *size, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """Zeros of shape ``size`` with this tensor's dtype and device (unless given).

    Examples:
        >>> import lucid
        >>> lucid.tensor([1, 2]).new_zeros(2, 2).tolist()
        [[0, 0], [0, 0]]
    """
    dt, dev = _defaults(self, dtype, device)
    return _cr.zeros(*size, dtype=dt, device=dev, requires_grad=requires_grad)


def _new_ones(self: Tensor, *size, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """Ones of shape ``size`` with this tensor's dtype and device (unless given).

    Examples:
        >>> import lucid
        >>> lucid.zeros(3, dtype=lucid.float16).new_ones((2,)).dtype
        lucid.float16
    """
    dt, dev = _defaults(self, dtype, device)
    return _cr.ones(*size, dtype=dt, device=dev, requires_grad=requires_grad)


def _new_full(self: Tensor, size, fill_value, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """``fill_value`` everywhere in shape ``size``, with this tensor's dtype and device (unless given).

    Examples:
        >>> import lucid
        >>> lucid.zeros(1).new_full((2,), 7).tolist()
        [7.0, 7.0]
    """
    dt, dev = _defaults(self, dtype, device)
    return _cr.full(size, fill_value, dtype=dt, device=dev, requires_grad=requires_grad)


def _new_empty(self: Tensor, *size, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """An uninitialised (here: zero-filled) tensor of shape ``size`` with this tensor's dtype and device.

    Examples:
        >>> import lucid
        >>> lucid.ones(1, dtype=lucid.int32).new_empty(2, 3).shape
        (2, 3)
    """
    dt, dev = _defaults(self, dtype, device)
    return _cr.empty(*size, dtype=dt, device=dev, requires_grad=requires_grad)


def _new_tensor(self: Tensor, data, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """A new leaf from ``data`` with this tensor's dtype and device (unless given); never shares data.

    Examples:
        >>> import lucid
        >>> lucid.zeros(1, dtype=lucid.float16).new_tensor([1, 2]).dtype
        lucid.float16
    """
    dt, dev = _defaults(self, dtype, device)
    if isinstance(data, Tensor):
        data = data.detach()
    return _cr.tensor(data, dtype=dt, device=dev, requires_grad=requires_grad)


def _type_as(self: Tensor, other: Tensor) -> Tensor:
    """This tensor cast to ``other``'s dtype (itself when the dtypes already match); differentiable.

    Examples:
        >>> import lucid
        >>> lucid.tensor([1, 2]).type_as(lucid.zeros(1)).dtype
        lucid.float32
    """
    if not isinstance(other, Tensor):
        raise TypeError(f"type_as: expected a Tensor, got {type(other).__name__}")
    return self if self.dtype == other.dtype else self.astype(other.dtype)


for _name, _fn in (("new_zeros", _new_zeros), ("new_ones", _new_ones), ("new_full", _new_full),
                   ("new_empty", _new_empty), ("new_tensor", _new_tensor), ("type_as", _type_as)):
    register_method(_name, _fn, __name__)

__all__ = export(__name__)
