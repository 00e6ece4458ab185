"""Comparisons, logical and bitwise ops, ``isclose``/``allclose``/``equal`` and the ``isnan`` family.

Everything here returns bool (or, for bitwise ops, integer) tensors and
records no graph: none of it is differentiable. Operands broadcast, and a
Python number, NumPy array or list may stand on either side of an operator
(``2 < x``, ``x == np.ones(3)``). ``allclose`` and ``equal`` return Python
bools, so they evaluate their inputs: they are sync points (DESIGN.md section 2).

``Tensor.__eq__`` is elementwise (as in PyTorch and NumPy), and Tensors stay
hashable by identity, so they still work as dict keys and in sets.
"""

from __future__ import annotations

import numbers

import mlx.core as mx
import numpy as np

from lucid._backend.dtypes import BOOL_OR_INTEGER_MX, from_mx_dtype
from lucid._tensor import Tensor
from lucid.autograd.function import Function
from lucid.ops._registry import export, register, register_method, unary_op
from lucid.ops._util import function_class, operand, to_tensor

# What may stand on the other side of a comparison/bitwise operator; anything
# else gets NotImplemented (so ``x == None`` is False, as in PyTorch).
_OPERAND_TYPES = (Tensor, numbers.Number, np.ndarray, np.generic, mx.array, list, tuple)



class _NonDiff(Function):
    differentiable = False


def _unary(name: str, fn) -> type:
    return function_class(name, lambda ctx, a: fn(a), module=__name__, base=_NonDiff)


def _binary(name: str, fn) -> type:
    return function_class(name, lambda ctx, a, b: fn(a, b), module=__name__, base=_NonDiff)


def _check_bitwise(op: str, *values) -> None:
    for v in values:
        if isinstance(v, mx.array):
            if v.dtype not in BOOL_OR_INTEGER_MX:
                raise TypeError(f"{op}: expected bool or integer tensors, got dtype {from_mx_dtype(v.dtype)}; "
                                "use the logical_* ops or convert with .bool() / .long() first")
        elif isinstance(v, (float, complex)):
            raise TypeError(f"{op}: expected bool or int operands, got {type(v).__name__} {v!r}")


def _bitwise(name: str, op: str, fn) -> type:
    def forward(ctx, a, b):
        _check_bitwise(op, a, b)
        # A Python int next to a bool tensor means int64 (MLX alone would pick int32).
        if type(b) is int and isinstance(a, mx.array) and a.dtype == mx.bool_:
            b = mx.array(b, dtype=mx.int64)
        elif type(a) is int and isinstance(b, mx.array) and b.dtype == mx.bool_:
            a = mx.array(a, dtype=mx.int64)
        return fn(a, b)

    return function_class(name, forward, module=__name__, base=_NonDiff)


Eq = _binary("Eq", mx.equal)
Ne = _binary("Ne", mx.not_equal)
Lt = _binary("Lt", mx.less)
Le = _binary("Le", mx.less_equal)
Gt = _binary("Gt", mx.greater)
Ge = _binary("Ge", mx.greater_equal)
LogicalAnd = _binary("LogicalAnd", mx.logical_and)
LogicalOr = _binary("LogicalOr", mx.logical_or)
LogicalXor = _binary("LogicalXor", mx.logical_xor)
LogicalNot = _unary("LogicalNot", mx.logical_not)
BitwiseAnd = _bitwise("BitwiseAnd", "bitwise_and", mx.bitwise_and)
BitwiseOr = _bitwise("BitwiseOr", "bitwise_or", mx.bitwise_or)
BitwiseXor = _bitwise("BitwiseXor", "bitwise_xor", mx.bitwise_xor)
def _check_shift(op: str, a, b) -> None:
    for v in (a, b):
        if isinstance(v, bool) or (isinstance(v, mx.array) and v.dtype == mx.bool_):
            raise TypeError(f"{op}: expected integer operands, got a bool one (as in PyTorch, shifts are not "
                            "defined for bool); convert with .long() first")


def _shift(fn, left: bool):
    """``fn`` with PyTorch's result for shift amounts outside ``[0, bits)``.

    MLX (like the hardware) takes the amount modulo the bit width, so
    ``int32(1) << 36`` is 16. PyTorch gives 0 for a left shift and the sign
    fill (0 or -1) for a right shift; so does Lucid.
    """
    def shift(a, b):
        out = fn(a, b)
        amount = b if isinstance(b, mx.array) else mx.array(b)
        outside = (amount < 0) | (amount >= out.dtype.size * 8)
        if left:
            fill = mx.zeros_like(out)
        else:
            value = a if isinstance(a, mx.array) else mx.array(a, dtype=out.dtype)
            fill = mx.where(value < 0, -1, 0).astype(out.dtype)
        return mx.where(outside, fill, out)

    return shift


def _shift_class(name: str, op: str, fn, left: bool) -> type:
    bitwise = _bitwise(name, op, _shift(fn, left))
    inner = bitwise.forward

    def forward(ctx, a, b):
        _check_shift(op, a, b)
        return inner(ctx, a, b)

    bitwise.forward = staticmethod(forward)
    return bitwise


LeftShift = _shift_class("LeftShift", "bitwise_left_shift", mx.left_shift, True)
RightShift = _shift_class("RightShift", "bitwise_right_shift", mx.right_shift, False)
IsNan = _unary("IsNan", mx.isnan)
IsInf = _unary("IsInf", mx.isinf)
IsFinite = _unary("IsFinite", mx.isfinite)
IsPosInf = _unary("IsPosInf", mx.isposinf)
IsNegInf = _unary("IsNegInf", mx.isneginf)


class BitwiseNot(_NonDiff):
    @staticmethod
    def forward(ctx, a):
        _check_bitwise("bitwise_not", a)
        # On bool tensors this is logical not (``~mask``), as in PyTorch.
        return mx.bitwise_invert(a)


class IsClose(_NonDiff):
    @staticmethod
    def forward(ctx, a, b, rtol, atol, equal_nan):
        return mx.isclose(a, b, rtol, atol, equal_nan=equal_nan)


def _public(fn_cls, name: str, doc: str, aliases: tuple = (), operator: str | None = None,
            reflected: str | None = None):
    """The public function of a binary Function, registered (with its aliases) as a method.

    ``operator`` (and ``reflected``) name the Python operator slots it also fills; they return
    NotImplemented for foreign types (see :func:`_operator`).
    """
    def op(input, other) -> Tensor:
        return fn_cls.apply(operand(input), operand(other))

    op.__name__ = op.__qualname__ = name
    op.__doc__ = doc
    register(aliases=aliases, method=True)(op)
    if operator:
        register_method(operator, _operator(fn_cls), __name__)
    if reflected:
        register_method(reflected, _operator(fn_cls, reflected=True), __name__)
    return op


def _operator(fn_cls, reflected: bool = False):
    """A Python operator: NotImplemented for foreign types, so Python can try the other side."""
    if reflected:
        def method(self, other):
            if not isinstance(other, _OPERAND_TYPES):
                return NotImplemented
            return fn_cls.apply(operand(other), self)
    else:
        def method(self, other):
            if type(other) is float or type(other) is int or isinstance(other, Tensor):
                return fn_cls.apply(self, other)
            if not isinstance(other, _OPERAND_TYPES):
                return NotImplemented
            return fn_cls.apply(self, operand(other))
    return method


eq = _public(Eq, "eq", """Elementwise ``input == other`` as a bool tensor, with broadcasting.

    Args:
        input: a Tensor or number.
        other: a Tensor, number, list or NumPy array.

    Returns:
        Tensor: bool, of the broadcast shape. NaN is unequal to everything, itself included.

    Examples:
        >>> import lucid
        >>> lucid.eq(lucid.tensor([1, 2, 3]), 2).tolist()
        [False, True, False]
    """, operator="__eq__")
ne = _public(Ne, "ne", """Elementwise ``input != other`` as a bool tensor (``not_equal``).

    Examples:
        >>> import lucid
        >>> lucid.ne(lucid.tensor([1.0, 2.0]), lucid.tensor([1.0, 5.0])).tolist()
        [False, True]
    """, aliases=("not_equal",), operator="__ne__")
lt = _public(Lt, "lt", """Elementwise ``input < other`` as a bool tensor (``less``).

    Examples:
        >>> import lucid
        >>> lucid.lt(lucid.tensor([1.0, 2.0]), 2.0).tolist()
        [True, False]
    """, aliases=("less",), operator="__lt__")
le = _public(Le, "le", """Elementwise ``input <= other`` as a bool tensor (``less_equal``).

    Examples:
        >>> import lucid
        >>> lucid.le(lucid.tensor([1.0, 2.0]), 2.0).tolist()
        [True, True]
    """, aliases=("less_equal",), operator="__le__")
gt = _public(Gt, "gt", """Elementwise ``input > other`` as a bool tensor (``greater``).

    Examples:
        >>> import lucid
        >>> lucid.gt(lucid.tensor([[1.0], [3.0]]), lucid.tensor([2.0, 0.0])).tolist()
        [[False, True], [True, True]]
    """, aliases=("greater",), operator="__gt__")
ge = _public(Ge, "ge", """Elementwise ``input >= other`` as a bool tensor (``greater_equal``).

    Examples:
        >>> import lucid
        >>> lucid.ge(lucid.tensor([1.0, 2.0]), 2.0).tolist()
        [False, True]
    """, aliases=("greater_equal",), operator="__ge__")
logical_and = _public(LogicalAnd, "logical_and", """Elementwise logical AND; nonzero counts as true.

    Returns:
        Tensor: bool, of the broadcast shape (for any input dtypes).

    Examples:
        >>> import lucid
        >>> lucid.logical_and(lucid.tensor([True, True, False]), lucid.tensor([1.0, 0.0, 1.0])).tolist()
        [True, False, False]
    """)
logical_or = _public(LogicalOr, "logical_or", """Elementwise logical OR; nonzero counts as true.

    Examples:
        >>> import lucid
        >>> lucid.logical_or(lucid.tensor([True, False, False]), lucid.tensor([False, False, True])).tolist()
        [True, False, True]
    """)
logical_xor = _public(LogicalXor, "logical_xor", """Elementwise logical XOR; nonzero counts as true.

    Examples:
        >>> import lucid
        >>> lucid.logical_xor(lucid.tensor([True, True]), lucid.tensor([True, False])).tolist()
        [False, True]
    """)


logical_not = unary_op(LogicalNot, "logical_not", "Elementwise logical NOT as a bool tensor; zero counts as false.",
                       ("[0.0, 2.0]", "[True, False]"))


bitwise_and = _public(BitwiseAnd, "bitwise_and", """Elementwise bitwise AND of bool or integer tensors (``&``).

    Args:
        input: a bool or integer Tensor, or an int/bool.
        other: a bool or integer Tensor, or an int/bool.

    Returns:
        Tensor: of the promoted integer (or bool) dtype.

    Raises:
        TypeError: if either operand is floating-point.

    Examples:
        >>> import lucid
        >>> lucid.bitwise_and(lucid.tensor([12, 10]), 6).tolist()
        [4, 2]
    """, operator="__and__", reflected="__rand__")
bitwise_or = _public(BitwiseOr, "bitwise_or", """Elementwise bitwise OR of bool or integer tensors (``|``).

    Operands and errors as in :func:`bitwise_and`.

    Examples:
        >>> import lucid
        >>> lucid.bitwise_or(lucid.tensor([12, 10]), 1).tolist()
        [13, 11]
    """, operator="__or__", reflected="__ror__")
bitwise_xor = _public(BitwiseXor, "bitwise_xor", """Elementwise bitwise XOR of bool or integer tensors (``^``).

    Operands and errors as in :func:`bitwise_and`.

    Examples:
        >>> import lucid
        >>> lucid.bitwise_xor(lucid.tensor([True, False]), lucid.tensor([True, True])).tolist()
        [False, True]
    """, operator="__xor__", reflected="__rxor__")
bitwise_left_shift = _public(LeftShift, "bitwise_left_shift", """Elementwise ``input << other`` on integers.

    Shifting by the bit width or more (or by a negative amount) gives 0, as in
    PyTorch.

    Raises:
        TypeError: if either operand is floating-point or bool.

    Examples:
        >>> import lucid
        >>> lucid.bitwise_left_shift(lucid.tensor([1, 3]), 2).tolist()
        [4, 12]
    """, operator="__lshift__", reflected="__rlshift__")
bitwise_right_shift = _public(RightShift, "bitwise_right_shift", """Elementwise ``input >> other`` on integers.

    Shifting by the bit width or more (or by a negative amount) gives the sign
    fill (0, or -1 for negative values), as in PyTorch. Operands and errors as in
    :func:`bitwise_left_shift`.

    Examples:
        >>> import lucid
        >>> lucid.bitwise_right_shift(lucid.tensor([4, 13]), 2).tolist()
        [1, 3]
    """, operator="__rshift__", reflected="__rrshift__")


@register(method=True, operators=("__invert__",))
def bitwise_not(input: Tensor) -> Tensor:
    """Elementwise bitwise NOT (``~``): logical NOT on bool tensors, ``-x - 1`` on signed integers.

    Raises:
        TypeError: if ``input`` is floating-point.

    Examples:
        >>> import lucid
        >>> lucid.bitwise_not(lucid.tensor([True, False])).tolist(), lucid.bitwise_not(lucid.tensor([0, 5])).tolist()
        ([False, True], [-1, -6])
    """
    return BitwiseNot.apply(input if isinstance(input, Tensor) else to_tensor(input))


def _check_tolerances(op: str, rtol, atol) -> None:
    for name, value in (("rtol", rtol), ("atol", atol)):
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise TypeError(f"{op}: {name} must be a real number, got {type(value).__name__}")
        if not value >= 0:
            raise ValueError(f"{op}: {name} must be non-negative, got {value}")


@register(method=True)
def isclose(input: Tensor, other, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False) -> Tensor:
    """Elementwise ``|input - other| <= atol + rtol * |other|`` as a bool tensor, with broadcasting.

    Equal infinities are close; NaNs are close to each other only with ``equal_nan=True``.

    Args:
        input: a Tensor.
        other: a Tensor or number.
        rtol: relative tolerance (default 1e-5).
        atol: absolute tolerance (default 1e-8).
        equal_nan: treat two NaNs as close.

    Raises:
        TypeError: if a tolerance is not a real number.
        ValueError: if a tolerance is negative.

    Examples:
        >>> import lucid
        >>> lucid.isclose(lucid.tensor([1.0, 1.1]), lucid.tensor([1.0, 1.0])).tolist()
        [True, False]
    """
    _check_tolerances("isclose", rtol, atol)
    return IsClose.apply(to_tensor(input), to_tensor(other), float(rtol), float(atol), bool(equal_nan))


@register(method=True)
def allclose(input: Tensor, other, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False) -> bool:
    """True if every element of ``input`` is close to ``other`` (see ``isclose``), with broadcasting.

    This returns a Python bool, so it evaluates both tensors: it is a sync point.
    Use ``isclose(...).all()`` to stay lazy. The arguments and their checks are those of :func:`isclose`.

    Returns:
        bool: whether all elements are close.

    Examples:
        >>> import lucid
        >>> lucid.allclose(lucid.tensor([1.0, 2.0]), lucid.tensor([1.0, 2.0 + 1e-7]))
        True
    """
    _check_tolerances("allclose", rtol, atol)
    a, b = to_tensor(input), to_tensor(other)
    # Sync point by contract (a Python bool is returned).
    return bool(mx.allclose(a._data, b._data, float(rtol), float(atol), equal_nan=bool(equal_nan)).item())


@register(method=True)
def equal(input: Tensor, other: Tensor) -> bool:
    """True if both tensors have the same shape and the same values (``torch.equal``).

    Values are compared after dtype promotion; NaN is unequal to itself. This
    returns a Python bool, so it evaluates both tensors: it is a sync point.
    For the elementwise comparison use ``eq`` or ``==``.

    Examples:
        >>> import lucid
        >>> a = lucid.tensor([1, 2])
        >>> lucid.equal(a, lucid.tensor([1, 2])), lucid.equal(lucid.tensor([1]), lucid.tensor([1, 1]))
        (True, False)
    """
    a, b = to_tensor(input), to_tensor(other)
    if a._data.shape != b._data.shape:
        return False
    # Sync point by contract (a Python bool is returned).
    return bool(mx.array_equal(a._data, b._data).item())


isnan = unary_op(IsNan, "isnan", "Elementwise ``x is NaN`` as a bool tensor.", ('[float("nan"), 1.0]', "[True, False]"))
isinf = unary_op(IsInf, "isinf", "Elementwise ``x is +inf or -inf`` as a bool tensor.",
                 ('[float("inf"), -float("inf"), 1.0]', "[True, True, False]"))
isfinite = unary_op(IsFinite, "isfinite",
                    "Elementwise ``x is neither NaN nor infinite`` as a bool tensor (always true for integers).",
                    ('[float("nan"), float("inf"), 1.0]', "[False, False, True]"))
isposinf = unary_op(IsPosInf, "isposinf", "Elementwise ``x == +inf`` as a bool tensor.",
                    ('[float("inf"), -float("inf")]', "[True, False]"))
isneginf = unary_op(IsNegInf, "isneginf", "Elementwise ``x == -inf`` as a bool tensor.",
                    ('[float("inf"), -float("inf")]', "[False, True]"))


# Tensors stay hashable by identity although __eq__ is elementwise: lucid/_tensor.py sets __hash__.
__all__ = export(__name__)
