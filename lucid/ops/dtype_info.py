"""Dtype facts and promotion: ``finfo``, ``iinfo``, ``promote_types``, ``result_type``, ``can_cast``; constants.

Nothing here touches tensor values: only dtypes (and, for ``result_type``, the
kind of a Python number), so none of it evaluates anything.
"""

from __future__ import annotations

import math
import numbers

import mlx.core as mx
import numpy as np

from lucid._backend.dtypes import from_mx_dtype, to_mx_dtype
from lucid._tensor import Tensor
from lucid.ops._registry import export, register

#: PyTorch's and NumPy's constants (``lucid.pi``, ``lucid.e``, ``lucid.inf``, ``lucid.nan``, ``lucid.newaxis``).
pi = math.pi
e = math.e
inf = math.inf
nan = math.nan
newaxis = None


def _dtype(d, op: str):
    try:
        return from_mx_dtype(to_mx_dtype(d))
    except (TypeError, KeyError):
        raise TypeError(f"{op}: expected a dtype such as lucid.float32, got {d!r} ({type(d).__name__})") from None


# bfloat16 has no NumPy dtype: its facts (8 exponent bits, 7 stored mantissa bits).
_BF16 = {"bits": 16, "eps": 2.0 ** -7, "max": float.fromhex("0x1.fep127"), "tiny": 2.0 ** -126,
         "resolution": 0.01}


@register()
class finfo:
    """Machine limits of a floating point dtype (float32 when omitted); complex64 reports its float32 parts.

    Attributes:
        bits: storage size in bits.
        eps: the gap between 1.0 and the next representable number.
        max: the largest finite value; ``min`` is ``-max``.
        tiny: the smallest positive normal number (also ``smallest_normal``).
        resolution: ``10 ** -precision`` (the decimal resolution).
        dtype: the dtype described.

    Raises:
        TypeError: ``dtype`` is not a floating point or complex dtype.

    Examples:
        >>> import lucid
        >>> lucid.finfo(lucid.float16).max, lucid.finfo().eps == 2.0 ** -23
        (65504.0, True)
    """

    def __init__(self, dtype=None):
        d = _dtype(mx.float32 if dtype is None else dtype, "finfo")
        if not (d.is_floating_point or d.is_complex):
            raise TypeError(f"finfo: expected a floating point dtype, got {d} (use lucid.iinfo for integers)")
        self.dtype = d
        if d.name == "bfloat16":
            facts = _BF16
        else:
            fi = np.finfo(np.float32 if d.is_complex else d.numpy)
            facts = {"bits": int(fi.bits), "eps": float(fi.eps), "max": float(fi.max),
                     "tiny": float(fi.smallest_normal), "resolution": float(fi.resolution)}
        self.bits = facts["bits"]
        self.eps = facts["eps"]
        self.max = facts["max"]
        self.min = -facts["max"]
        self.tiny = self.smallest_normal = facts["tiny"]
        self.resolution = facts["resolution"]

    def __repr__(self) -> str:
        return (f"finfo(resolution={self.resolution}, min={self.min:g}, max={self.max:g}, eps={self.eps:g}, "
                f"smallest_normal={self.tiny:g}, tiny={self.tiny:g}, dtype={self.dtype.name})")


@register()
class iinfo:
    """Limits of an integer dtype: ``bits``, ``min``, ``max``, ``dtype``.

    Raises:
        TypeError: ``dtype`` is not an integer dtype (bool included).

    Examples:
        >>> import lucid
        >>> lucid.iinfo(lucid.int8).min, lucid.iinfo(lucid.uint8).max
        (-128, 255)
    """

    def __init__(self, dtype):
        d = _dtype(dtype, "iinfo")
        if d.is_floating_point or d.is_complex or d.name == "bool":
            raise TypeError(f"iinfo: expected an integer dtype, got {d} (use lucid.finfo for floats)")
        ii = np.iinfo(d.numpy)
        self.dtype = d
        self.bits, self.min, self.max = int(ii.bits), int(ii.min), int(ii.max)

    def __repr__(self) -> str:
        return f"iinfo(min={self.min}, max={self.max}, dtype={self.dtype.name})"


def _category(d) -> int:
    """0 bool, 1 integer, 2 floating, 3 complex."""
    if d.is_complex:
        return 3
    if d.is_floating_point:
        return 2
    return 0 if d.name == "bool" else 1


@register()
def promote_types(type1, type2):
    """The dtype that two tensors of ``type1`` and ``type2`` combine into (Lucid's, that is MLX's, table).

    Examples:
        >>> import lucid
        >>> lucid.promote_types(lucid.int32, lucid.float16), lucid.promote_types(lucid.int8, lucid.uint8)
        (lucid.float16, lucid.int16)
    """
    a, b = _dtype(type1, "promote_types"), _dtype(type2, "promote_types")
    # Only the dtype of an empty sum is read: nothing is computed.
    return from_mx_dtype((mx.zeros((0,), a.mx) + mx.zeros((0,), b.mx)).dtype)


_SCALAR_DTYPE = {0: "bool", 1: "int64", 2: "float32", 3: "complex64"}


def _scalar_category(x, op: str) -> int:
    if isinstance(x, (bool, np.bool_)):
        return 0
    if isinstance(x, numbers.Integral):
        return 1
    if isinstance(x, numbers.Real):
        return 2
    if isinstance(x, numbers.Complex):
        return 3
    raise TypeError(f"{op}: expected a Tensor or a number, got {type(x).__name__}")


@register()
def result_type(tensor1, tensor2):
    """The dtype an arithmetic op on ``tensor1`` and ``tensor2`` (Tensors or Python numbers) gives, as in PyTorch.

    A Python number only changes a tensor's dtype when it is of a higher kind
    (bool < integer < floating < complex): then the result is int64, float32
    or complex64. Two numbers give their own kind's default dtype.

    Examples:
        >>> import lucid
        >>> x = lucid.tensor([1, 2], dtype=lucid.int32)
        >>> lucid.result_type(x, 3), lucid.result_type(x, 1.5), lucid.result_type(x, lucid.ones(1))
        (lucid.int32, lucid.float32, lucid.float32)
    """
    ta, tb = isinstance(tensor1, Tensor), isinstance(tensor2, Tensor)
    if ta and tb:
        return promote_types(tensor1.dtype, tensor2.dtype)
    if not ta and not tb:
        cat = max(_scalar_category(tensor1, "result_type"), _scalar_category(tensor2, "result_type"))
        return _dtype(_SCALAR_DTYPE[cat], "result_type")
    t, s = (tensor1, tensor2) if ta else (tensor2, tensor1)
    cat = _scalar_category(s, "result_type")
    if cat <= _category(t.dtype):
        return t.dtype
    return _dtype(_SCALAR_DTYPE[cat], "result_type")


@register()
def can_cast(from_, to) -> bool:
    """Whether PyTorch's casting rules allow ``from_`` to ``to``: never to a lower kind (float to int, ...).

    Kinds rank bool < integer < floating < complex; any cast within a kind is allowed.

    Examples:
        >>> import lucid
        >>> lucid.can_cast(lucid.float64, lucid.float16), lucid.can_cast(lucid.float32, lucid.int64)
        (True, False)
    """
    return _category(_dtype(from_, "can_cast")) <= _category(_dtype(to, "can_cast"))


__all__ = export(__name__)
