"""The dtype table: Lucid's dtype objects and their MLX counterparts."""

from __future__ import annotations

import mlx.core as mx
import numpy as np

__all__ = ["dtype", "to_mx_dtype", "from_mx_dtype", "from_type_name", "is_floating", "TENSOR_TYPE_NAMES",
           "ALL_DTYPES", "FLOATING_MX", "REAL_FLOATING_MX", "default_float", "set_default_dtype", "get_default_dtype",
           "HALF_MX", "INTEGER_MX", "BOOL_OR_INTEGER_MX"]


class dtype:
    """A Lucid data type (``lucid.float32``, ``lucid.int64``, ...).

    Each one wraps the matching ``mlx.core.Dtype``; ``lucid.float32.mx`` gives it.

    Examples:
        >>> import lucid
        >>> lucid.float32.itemsize, lucid.float32.is_floating_point
        (4, True)
    """

    __slots__ = ("is_complex", "is_floating_point", "is_signed", "mx", "name", "numpy")

    def __init__(self, name: str, mx_dtype: mx.Dtype, np_dtype, *, floating=False, complex_=False, signed=True):
        self.name = name
        self.mx = mx_dtype
        self.numpy = np_dtype
        self.is_floating_point = floating
        self.is_complex = complex_
        self.is_signed = signed

    @property
    def itemsize(self) -> int:
        return self.mx.size

    def __repr__(self) -> str:
        return f"lucid.{self.name}"

    def __reduce__(self):
        return (_by_name, (self.name,))


def _np(name):
    # NumPy has no bfloat16; we convert through float32 for it.
    return np.dtype(name) if name != "bfloat16" else None


bool_ = dtype("bool", mx.bool_, np.dtype("bool"), signed=False)
uint8 = dtype("uint8", mx.uint8, np.dtype("uint8"), signed=False)
uint16 = dtype("uint16", mx.uint16, np.dtype("uint16"), signed=False)
uint32 = dtype("uint32", mx.uint32, np.dtype("uint32"), signed=False)
uint64 = dtype("uint64", mx.uint64, np.dtype("uint64"), signed=False)
int8 = dtype("int8", mx.int8, np.dtype("int8"))
int16 = dtype("int16", mx.int16, np.dtype("int16"))
int32 = dtype("int32", mx.int32, np.dtype("int32"))
int64 = dtype("int64", mx.int64, np.dtype("int64"))
float16 = dtype("float16", mx.float16, np.dtype("float16"), floating=True)
bfloat16 = dtype("bfloat16", mx.bfloat16, None, floating=True)
float32 = dtype("float32", mx.float32, np.dtype("float32"), floating=True)
float64 = dtype("float64", mx.float64, np.dtype("float64"), floating=True)
complex64 = dtype("complex64", mx.complex64, np.dtype("complex64"), complex_=True)

ALL_DTYPES = (bool_, uint8, uint16, uint32, uint64, int8, int16, int32, int64,
              float16, bfloat16, float32, float64, complex64)

_FROM_MX = {d.mx: d for d in ALL_DTYPES}
_BY_NAME = {d.name: d for d in ALL_DTYPES}
_BY_NAME.update({"float": float32, "double": float64, "half": float16, "long": int64, "int": int32,
                 "short": int16, "cfloat": complex64, "bool_": bool_})
_FROM_NUMPY = {d.numpy: d for d in ALL_DTYPES if d.numpy is not None}

#: PyTorch's legacy tensor type names (``x.type()`` returns ``"lucid.FloatTensor"``).
TENSOR_TYPE_NAMES = {
    bool_: "BoolTensor", uint8: "ByteTensor", uint16: "UInt16Tensor", uint32: "UInt32Tensor",
    uint64: "UInt64Tensor", int8: "CharTensor", int16: "ShortTensor", int32: "IntTensor", int64: "LongTensor",
    float16: "HalfTensor", bfloat16: "BFloat16Tensor", float32: "FloatTensor", float64: "DoubleTensor",
    complex64: "ComplexFloatTensor",
}
_BY_TENSOR_TYPE = {v: k for k, v in TENSOR_TYPE_NAMES.items()}


def from_type_name(name: str) -> dtype:
    """The dtype of a type string: ``"lucid.IntTensor"``, ``"torch.LongTensor"``, ``"float32"``, ``"lucid.half"``.

    Raises:
        TypeError: an unknown name.

    Examples:
        >>> from lucid._backend.dtypes import from_type_name
        >>> from_type_name("lucid.IntTensor"), from_type_name("torch.cuda.FloatTensor"), from_type_name("double")
        (lucid.int32, lucid.float32, lucid.float64)
    """
    short = name.rsplit(".", 1)[-1] if name.startswith(("lucid.", "torch.")) else name
    if short in _BY_TENSOR_TYPE:
        return _BY_TENSOR_TYPE[short]
    if short in _BY_NAME:
        return _BY_NAME[short]
    raise TypeError(f"unknown tensor type {name!r}; expected a dtype name such as 'float32' or a legacy type "
                    f"name such as 'lucid.IntTensor' (one of {sorted(_BY_TENSOR_TYPE)})")

# The MLX dtype sets every layer tests against (one home: derived from the table above).
#: Dtypes that can carry gradients: the real floating-point ones and complex64.
FLOATING_MX = frozenset(d.mx for d in ALL_DTYPES if d.is_floating_point or d.is_complex)
#: float16, bfloat16, float32, float64.
REAL_FLOATING_MX = frozenset(d.mx for d in ALL_DTYPES if d.is_floating_point)
#: The 16-bit floats, which MLX's LAPACK-style kernels and careful reductions widen to float32.
HALF_MX = frozenset((mx.float16, mx.bfloat16))
#: Signed and unsigned integers (not bool).
INTEGER_MX = frozenset(d.mx for d in ALL_DTYPES if d.name.startswith(("int", "uint")))
#: Integers and bool: the operands of bitwise ops and the dtypes of integer indices' masks.
BOOL_OR_INTEGER_MX = INTEGER_MX | {mx.bool_}


def _by_name(name: str) -> dtype:
    return _BY_NAME[name]


def from_mx_dtype(d: mx.Dtype) -> dtype:
    return _FROM_MX[d]


def is_floating(d: mx.Dtype) -> bool:
    """True for MLX float and complex dtypes (the ones that can carry gradients)."""
    return d in FLOATING_MX


def to_mx_dtype(d) -> mx.Dtype:
    """Accept a Lucid dtype, an MLX dtype, a NumPy dtype, a Python type or a name."""
    if type(d) is dtype:
        return d.mx
    if isinstance(d, mx.Dtype):
        return d
    if d is float:
        return mx.float32
    if d is int:
        return mx.int64
    if d is bool:
        return mx.bool_
    if d is complex:
        return mx.complex64
    if isinstance(d, str):
        if d in _BY_NAME:
            return _BY_NAME[d].mx
        raise TypeError(f"unknown dtype name {d!r}; expected one of {sorted(_BY_NAME)}")
    try:
        nd = np.dtype(d)
    except TypeError:
        nd = None
    if nd is not None and nd in _FROM_NUMPY:
        return _FROM_NUMPY[nd].mx
    raise TypeError(f"expected a dtype such as lucid.float32, got {d!r} ({type(d).__name__})")


# The floating dtype that creation functions use when none is given (PyTorch's "default dtype").
# A one-element list: read on hot paths as ``_DEFAULT_FLOAT[0]``.
_DEFAULT_FLOAT = [mx.float32]


def default_float() -> mx.Dtype:
    """The MLX dtype of the current default floating dtype (see :func:`set_default_dtype`)."""
    return _DEFAULT_FLOAT[0]


def set_default_dtype(d) -> None:
    """Set the dtype that float-creating functions use when no ``dtype`` is given (float32 at start).

    It applies to ``lucid.tensor`` of Python floats, ``zeros``, ``ones``,
    ``empty``, ``full`` with a float fill value, ``eye``, ``arange`` with a
    float argument, ``linspace``, ``logspace``, ``rand``, ``randn`` and so to
    the parameters of ``nn`` layers. NumPy arrays keep their own dtype, and
    Python numbers combined with a tensor keep the tensor's dtype. float64
    lives on the CPU only in MLX, so with float64 as default create tensors on
    the CPU (``lucid.set_default_device("cpu")``).

    Args:
        d: a floating dtype: ``lucid.float32``, ``lucid.float64``, ``lucid.float16`` or ``lucid.bfloat16``.

    Raises:
        TypeError: ``d`` is not a floating-point dtype (as in PyTorch).

    Examples:
        >>> import lucid
        >>> lucid.set_default_dtype(lucid.float16)
        >>> lucid.zeros(2).dtype, lucid.tensor([1.5]).dtype, lucid.tensor([1]).dtype
        (lucid.float16, lucid.float16, lucid.int64)
        >>> lucid.set_default_dtype(lucid.float32)
    """
    try:
        mxd = to_mx_dtype(d)
    except TypeError:
        mxd = None
    if mxd not in REAL_FLOATING_MX:
        raise TypeError(f"set_default_dtype: only floating-point types are supported as the default type, "
                        f"got {d!r}; expected lucid.float32, lucid.float64, lucid.float16 or lucid.bfloat16")
    _DEFAULT_FLOAT[0] = mxd


def get_default_dtype() -> dtype:
    """The current default floating dtype (``lucid.float32`` unless :func:`set_default_dtype` changed it).

    Examples:
        >>> import lucid
        >>> lucid.get_default_dtype()
        lucid.float32
    """
    return _FROM_MX[_DEFAULT_FLOAT[0]]
