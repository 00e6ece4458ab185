"""Binary arithmetic (``add`` ... ``power``, ``maximum``/``minimum``), ``astype`` and the Python operators."""

from __future__ import annotations

import mlx.core as mx

from lucid._backend import layout
from lucid._backend.dtypes import to_mx_dtype
from lucid._tensor import Tensor
from lucid.autograd.function import Function
from lucid.ops._registry import export, register, register_method
from lucid.ops._util import function_class, linear_rule, operand, unbroadcast


def _meta(ctx, a, b):
    if isinstance(a, mx.array):
        ctx.a_meta = (a.shape, a.dtype)
    if isinstance(b, mx.array):
        ctx.b_meta = (b.shape, b.dtype)


class Add(Function):
    _ctx_is_metadata = True

    @staticmethod
    def forward(ctx, a, b):
        if ctx.records:
            # The shape and dtype of each input that needs a gradient (which is then an array), in
            # the ``meta`` slot: no per-node attribute dict.
            na, nb = ctx.needs_input_grad
            ctx.meta = ((a.shape, a.dtype) if na else None, (b.shape, b.dtype) if nb else None)
        return layout.elementwise(mx.add, a, b)  # a residual sum of channels-last activations

    @staticmethod
    def backward(ctx, g):
        a_meta, b_meta = ctx.meta
        # unbroadcast is called only when needed: most sums do not broadcast, and the call costs
        # as much as the rest of this rule (so does reading an array's shape or dtype: once each).
        meta = (g.shape, g.dtype)
        ga = None if a_meta is None else g if a_meta == meta else unbroadcast(g, *a_meta)
        gb = None if b_meta is None else g if b_meta == meta else unbroadcast(g, *b_meta)
        return ga, gb


class Sub(Function):
    _ctx_is_metadata = True

    @staticmethod
    def forward(ctx, a, b):
        if ctx.records:
            _meta(ctx, a, b)
        return layout.elementwise(mx.subtract, a, b)

    @staticmethod
    def backward(ctx, g):
        na, nb = ctx.needs_input_grad
        return (unbroadcast(g, *ctx.a_meta) if na else None,
                unbroadcast(-g, *ctx.b_meta) if nb else None)


def _conj(v):
    """The conjugate of an array or a Python number.

    For complex tensors the gradient follows PyTorch's convention (``dL/dRe + i dL/dIm``), under which
    the backward of ``a * b`` is ``g * conj(b)``, not ``g * b``.
    """
    return mx.conj(v) if isinstance(v, mx.array) else v.conjugate()


class Mul(Function):
    _ctx_is_metadata = True

    @staticmethod
    def forward(ctx, a, b):
        ctx.saved_arrays = (a, b)  # save_for_backward without the call; the inputs' shapes come with them
        return layout.elementwise(mx.multiply, a, b)  # e.g. squeeze-and-excitation scales

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_arrays  # the engine has checked they were not freed
        na, nb = ctx.needs_input_grad
        ga = gb = None
        if g.dtype == mx.complex64:
            a, b = _conj(a), _conj(b)
        if na:
            ga = g * b
            if ga.shape != a.shape or ga.dtype != a.dtype:
                ga = unbroadcast(ga, a.shape, a.dtype)
        if nb:
            gb = g * a
            if gb.shape != b.shape or gb.dtype != b.dtype:
                gb = unbroadcast(gb, b.shape, b.dtype)
        return ga, gb


class Div(Function):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return layout.elementwise(mx.divide, a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        na, nb = ctx.needs_input_grad
        if g.dtype == mx.complex64:
            a, b = _conj(a), _conj(b)
        ga = unbroadcast(g / b, a.shape, a.dtype) if na else None
        gb = unbroadcast(-g * a / (b * b), b.shape, b.dtype) if nb else None
        return ga, gb


class FloorDivide(Function):
    # NOTE: floor division is piecewise constant; its gradient is zero almost
    # everywhere, so it is recorded as non-differentiable (as in PyTorch).
    differentiable = False

    @staticmethod
    def forward(ctx, a, b):
        return mx.floor_divide(a, b)


def _trunc(q):
    return mx.where(q < 0, mx.ceil(q), mx.floor(q))


def _fmod(a, b):
    return mx.subtract(a, mx.multiply(_trunc(mx.divide(a, b)), b))


def _modulo_rule(name: str, forward, rounding, doc: str) -> type:
    """The Function of ``forward(a, b) = a - rounding(a / b) * b``: gradients ``g`` and ``-g * rounding(a / b)``."""
    def fwd(ctx, a, b):
        ctx.save_for_backward(a, b)
        return forward(a, b)

    def bwd(ctx, g):
        a, b = ctx.saved_tensors
        na, nb = ctx.needs_input_grad
        ga = unbroadcast(g, a.shape, a.dtype) if na else None
        gb = unbroadcast(-g * rounding(mx.divide(a, b)), b.shape, b.dtype) if nb else None
        return ga, gb

    return function_class(name, fwd, bwd, module=__name__, doc=doc)


Remainder = _modulo_rule("Remainder", mx.remainder, mx.floor,
                         "``a - floor(a / b) * b`` (the sign follows the divisor, like Python's ``%``).")
Fmod = _modulo_rule("Fmod", _fmod, _trunc,
                    "``a - trunc(a / b) * b`` (the sign follows the dividend, like C's ``fmod``).")


class Power(Function):
    @staticmethod
    def forward(ctx, a, b):
        out = mx.power(a, b)
        ctx.save_for_backward(a, b, out)
        return out

    @staticmethod
    def backward(ctx, g):
        a, b, out = ctx.saved_tensors
        na, nb = ctx.needs_input_grad
        if g.dtype == mx.complex64:
            # PyTorch's convention for complex inputs: g * conj(derivative), i.e. conj of the rule on conj(g).
            ga, gb = _power_grads(mx.conj(g), a, b, out, na, nb)
            return (None if ga is None else mx.conj(ga)), (None if gb is None else mx.conj(gb))
        return _power_grads(g, a, b, out, na, nb)


def _power_grads(g, a, b, out, na: bool, nb: bool) -> tuple:
    """``Power``'s gradients ``g * d(a^b)/da`` and ``g * d(a^b)/db``."""
    ga = gb = None
    if na:
        ga = unbroadcast(g * b * mx.power(a, b - 1), a.shape, a.dtype)
    if nb:
        # NOTE: d(a^b)/db = a^b log(a); at a == 0 we use 0 (PyTorch's convention).
        a = mx.array(a) if not isinstance(a, mx.array) else a
        log_a = mx.where(a == 0, 0.0, mx.log(mx.where(a == 0, 1.0, a)))
        gb = unbroadcast(g * out * log_a, b.shape, b.dtype)
    return ga, gb


def _extremum(name: str, pick, wins) -> type:
    """The Function of ``maximum`` (``pick=mx.maximum``, ``wins=mx.greater``) or ``minimum``."""
    # NOTE: where a == b the gradient is split equally between both inputs (PyTorch's convention).
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return pick(a, b)

    def backward(ctx, g):
        a, b = ctx.saved_tensors
        na, nb = ctx.needs_input_grad
        mask = wins(a, b).astype(g.dtype) + 0.5 * (a == b).astype(g.dtype)
        ga = unbroadcast(g * mask, a.shape, a.dtype) if na else None
        gb = unbroadcast(g * (1 - mask), b.shape, b.dtype) if nb else None
        return ga, gb

    return function_class(name, forward, backward, module=__name__)


Maximum = _extremum("Maximum", mx.maximum, mx.greater)
Minimum = _extremum("Minimum", mx.minimum, mx.less)


Neg = linear_rule("Neg", mx.negative, mx.negative, module=__name__)


class AsType(Function):
    @staticmethod
    def forward(ctx, a, dtype):
        ctx.in_dtype = a.dtype
        return a.astype(dtype)

    @staticmethod
    def backward(ctx, g):
        return g.astype(ctx.in_dtype), None


def _binary(fn_cls, name: str, doc: str, aliases: tuple = (), operator: str | None = None):
    """The public function of a binary Function: registered with its aliases, as a method, and as
    ``operator`` and its reflected form (``__add__`` and ``__radd__``) when given."""
    apply2 = fn_cls.apply2

    def op(input, other):
        # The hot path of every eager expression: Tensors go straight to the two-argument apply.
        if type(input) is not Tensor:
            input = operand(input)
        if type(other) is not Tensor:
            other = operand(other)
        return apply2(input, other)

    op.__name__ = name
    op.__qualname__ = name
    op.__doc__ = doc
    register(aliases=aliases, method=True, operators=(operator,) if operator else ())(op)
    if operator:
        register_method(operator.replace("__", "__r", 1), _reflected(op))
    return op


def _reflected(fn):
    """``other <op> self`` for a Python number, list or array on the left."""
    def method(self, other):
        return fn(operand(other), self)

    method.__name__ = method.__qualname__ = "r" + fn.__name__
    return method


add = _binary(Add, "add", """Elementwise ``input + other`` with broadcasting.

    Args:
        input: a Tensor or number.
        other: a Tensor or number.

    Returns:
        Tensor: the sum, in the promoted dtype (a Python number does not widen a tensor's dtype).

    Examples:
        >>> import lucid
        >>> lucid.add(lucid.tensor([1.0, 2.0]), 1).tolist()
        [2.0, 3.0]
    """, operator="__add__")
sub = _binary(Sub, "sub", """Elementwise ``input - other`` with broadcasting.

    Examples:
        >>> import lucid
        >>> lucid.sub(lucid.tensor([3.0]), 1.0).tolist()
        [2.0]
    """, aliases=("subtract",), operator="__sub__")
multiply = _binary(Mul, "multiply", """Elementwise ``input * other`` with broadcasting.

    Examples:
        >>> import lucid
        >>> lucid.multiply(lucid.tensor([2.0, 3.0]), 2).tolist()
        [4.0, 6.0]
    """, aliases=("mul",), operator="__mul__")
divide = _binary(Div, "divide", """Elementwise true division ``input / other`` (integers give float32).

    Examples:
        >>> import lucid
        >>> lucid.divide(lucid.tensor([1, 2]), 2).tolist()
        [0.5, 1.0]
    """, aliases=("div", "true_divide"), operator="__truediv__")
floor_divide = _binary(FloorDivide, "floor_divide", """Elementwise ``floor(input / other)``; not differentiable.

    Examples:
        >>> import lucid
        >>> lucid.floor_divide(lucid.tensor([7, -7]), 2).tolist()
        [3, -4]
    """, operator="__floordiv__")
remainder = _binary(Remainder, "remainder", """Elementwise ``input % other`` with the sign of ``other`` (as Python's).

    Examples:
        >>> import lucid
        >>> lucid.remainder(lucid.tensor([-3.0, 3.0]), 2.0).tolist()
        [1.0, 1.0]
    """, operator="__mod__")
fmod = _binary(Fmod, "fmod", """Elementwise C-style remainder with the sign of ``input``.

    Examples:
        >>> import lucid
        >>> lucid.fmod(lucid.tensor([-3.0, 3.0]), 2.0).tolist()
        [-1.0, 1.0]
    """)
power = _binary(Power, "power", """Elementwise ``input ** exponent``.

    Examples:
        >>> import lucid
        >>> lucid.power(lucid.tensor([2.0, 3.0]), 2).tolist()
        [4.0, 9.0]
    """, aliases=("pow",), operator="__pow__")
maximum = _binary(Maximum, "maximum", """Elementwise maximum; ties split the gradient equally.

    Examples:
        >>> import lucid
        >>> lucid.maximum(lucid.tensor([1.0, 5.0]), lucid.tensor([3.0, 2.0])).tolist()
        [3.0, 5.0]
    """)
minimum = _binary(Minimum, "minimum", """Elementwise minimum; ties split the gradient equally.

    Examples:
        >>> import lucid
        >>> lucid.minimum(lucid.tensor([1.0, 5.0]), lucid.tensor([3.0, 2.0])).tolist()
        [1.0, 2.0]
    """)


@register(aliases=("negative",), method=True, operators=("__neg__",))
def neg(input: Tensor) -> Tensor:
    """Elementwise ``-input``.

    Examples:
        >>> import lucid
        >>> lucid.neg(lucid.tensor([1.0, -2.0])).tolist()
        [-1.0, 2.0]
    """
    return Neg.apply(input)


@register(method=True)
def astype(input: Tensor, dtype) -> Tensor:
    """Convert to ``dtype``; differentiable between floating dtypes.

    Examples:
        >>> import lucid
        >>> lucid.astype(lucid.tensor([1.5]), lucid.float16).dtype
        lucid.float16
    """
    target = to_mx_dtype(dtype)
    if input._data.dtype == target:
        return input
    return AsType.apply(input, target)


register_method("__pos__", lambda self: self, __name__)

__all__ = export(__name__)
