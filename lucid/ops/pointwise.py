"""More elementwise maths from PyTorch's top level: ``hypot``, ``logaddexp``, ``copysign``, ``frexp``, ``gcd``, ...

Each is a ``Function`` where it has a gradient of its own, a composition of
other ops where that is exact (``ldexp``, ``float_power``, ``frac``,
``rsub``), and a non-differentiable ``Function`` where PyTorch defines no
gradient (``nextafter``, ``heaviside``, ``gcd``, ``lcm``, ``signbit``).
Operands broadcast; a Python number does not widen a tensor's dtype.
"""

from __future__ import annotations

import math
import numbers

import mlx.core as mx

from lucid._backend.dtypes import INTEGER_MX, REAL_FLOATING_MX
from lucid._backend.fusion import fused
from lucid._tensor import Tensor
from lucid.autograd.function import Function
from lucid.ops import _specfun as K
from lucid.ops._registry import export, register
from lucid.ops._util import function_class, operand, to_tensor, unbroadcast
from lucid.ops.arithmetic import multiply, power, sub
from lucid.ops.unary import trunc

_LN2 = math.log(2.0)
_UNSIGNED = frozenset((mx.bool_, mx.uint8, mx.uint16, mx.uint32, mx.uint64))
_INT_VIEW = {mx.float16: mx.int16, mx.bfloat16: mx.int16, mx.float32: mx.int32, mx.float64: mx.int64}


def _meta(v):
    return (v.shape, v.dtype) if isinstance(v, mx.array) else None


def _operands(input, other, op: str, floating: bool = True, integer: bool = False):
    """Two operands as Tensors or Python numbers, checked; integer tensors become float32 when ``floating``."""
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):
        input = to_tensor(input, op)
    out = []
    for v in (input, other):
        v = operand(v)
        if isinstance(v, Tensor):
            dt = v._data.dtype
            if dt == mx.complex64:
                raise TypeError(f"{op}: complex inputs are not supported, got {v.dtype}")
            if integer and dt not in INTEGER_MX:
                raise TypeError(f"{op}: expected integer tensors, got {v.dtype}")
            if floating and dt not in REAL_FLOATING_MX:
                v = v.float()
        elif isinstance(v, (bool, complex)) or not isinstance(v, numbers.Real):
            raise TypeError(f"{op}: expected a Tensor or a real number, got {type(v).__name__}")
        elif integer and not isinstance(v, numbers.Integral):
            raise TypeError(f"{op}: expected integers, got {v!r}")
        elif floating:
            v = float(v)
        out.append(v)
    return out


def _unary_input(input, op: str) -> Tensor:
    x = input if isinstance(input, Tensor) else to_tensor(input, op)
    if x._data.dtype == mx.complex64:
        raise TypeError(f"{op}: complex inputs are not supported, got {x.dtype}")
    return x


def _arrays(x, y):
    """Both operands as arrays of one dtype (a Python number takes the array's dtype)."""
    if not isinstance(x, mx.array):
        x = mx.array(x, dtype=y.dtype)
    elif not isinstance(y, mx.array):
        y = mx.array(y, dtype=x.dtype)
    return x, y


def _signbit(a: mx.array) -> mx.array:
    """The sign bit (true for -0.0 and negative NaNs too), read from the bits of floats."""
    if a.dtype in _INT_VIEW:
        return mx.view(a, _INT_VIEW[a.dtype]) < 0
    if a.dtype in _UNSIGNED:
        return mx.zeros(a.shape, dtype=mx.bool_)
    return a < 0


def _hypot(x, y):
    """``sqrt(x^2 + y^2)`` as ``big * sqrt(1 + (small / big)^2)``: the squares never overflow or underflow."""
    ax, ay = mx.abs(x), mx.abs(y)
    big, small = mx.maximum(ax, ay), mx.minimum(ax, ay)
    r = small / mx.where(big == 0, 1.0, big)
    h = mx.where(big == 0, 0.0, big * mx.sqrt(1.0 + r * r))
    return mx.where(mx.logical_or(mx.isinf(ax), mx.isinf(ay)), math.inf, h)


def _hypot_grads(g, x, y, h):
    # NOTE: x / h and y / h, as in PyTorch: NaN at the origin.
    s = g / h
    return s * x, s * y


# Large float32 inputs of the same shape run each chain as one fused pass (about fifteen ops otherwise).
_hypot_fused = fused(_hypot)
_hypot_grads_fused = fused(_hypot_grads)


class Hypot(Function):
    """``sqrt(x^2 + y^2)`` without overflow or underflow of the squares."""

    @staticmethod
    def forward(ctx, x, y):
        ctx.metas = (_meta(x), _meta(y))
        x, y = _arrays(x, y)
        h = (_hypot_fused if x.shape == y.shape and y.dtype == x.dtype else _hypot)(x, y)
        ctx.save_for_backward(x, y, h)
        return h

    @staticmethod
    def backward(ctx, g):
        x, y, h = ctx.saved_tensors
        nx, ny = ctx.needs_input_grad
        same = g.dtype == x.dtype == y.dtype and x.shape == y.shape == g.shape
        gx, gy = (_hypot_grads_fused if same else _hypot_grads)(g, x, y, h)
        return (unbroadcast(gx, *ctx.metas[0]) if nx else None,
                unbroadcast(gy, *ctx.metas[1]) if ny else None)


def _logaddexp_rule(name: str, base2: bool) -> type:
    def forward(ctx, x, y):
        ctx.metas = (_meta(x), _meta(y))
        x, y = _arrays(x, y)
        m = mx.maximum(x, y)
        d = -mx.abs(x - y)
        if base2:
            out = m + mx.log1p(mx.power(2.0, d)) / _LN2
            out = mx.where(x == y, x + 1.0, out)
        else:
            out = m + mx.log1p(K.exp(d))
            out = mx.where(x == y, x + _LN2, out)
        ctx.save_for_backward(x, y, out)
        return out

    def backward(ctx, g):
        x, y, out = ctx.saved_tensors
        nx, ny = ctx.needs_input_grad
        # d/dx log(e^x + e^y) = e^(x - out) (base 2: 2^(x - out)).
        w = (lambda t: mx.power(2.0, t)) if base2 else K.exp
        return (unbroadcast(g * w(x - out), *ctx.metas[0]) if nx else None,
                unbroadcast(g * w(y - out), *ctx.metas[1]) if ny else None)

    return function_class(name, forward, backward, module=__name__)


LogAddExp = _logaddexp_rule("LogAddExp", False)
LogAddExp2 = _logaddexp_rule("LogAddExp2", True)


class Copysign(Function):
    """``|x|`` with the sign (bit) of ``y``; differentiable in ``x`` only (``y`` gets 0, as in PyTorch)."""

    @staticmethod
    def forward(ctx, x, y):
        ctx.metas = (_meta(x), _meta(y))
        xa, ya = _arrays(x, y)
        out = mx.where(_signbit(ya), -mx.abs(xa), mx.abs(xa))
        ctx.save_for_backward(xa, out)
        return out

    @staticmethod
    def backward(ctx, g):
        x, out = ctx.saved_tensors
        nx, ny = ctx.needs_input_grad
        ratio = mx.where(x == 0, 0.0, out / mx.where(x == 0, 1.0, x))
        gy = unbroadcast(mx.zeros_like(g), *ctx.metas[1]) if ny else None
        return (unbroadcast(g * ratio, *ctx.metas[0]) if nx else None), gy


def _fextremum(name: str, pick, keeps) -> type:
    """``fmax``/``fmin``: like maximum/minimum, but a NaN loses to a number."""
    def forward(ctx, x, y):
        ctx.metas = (_meta(x), _meta(y))
        x, y = _arrays(x, y)
        ctx.save_for_backward(x, y)
        out = pick(x, y)
        if x.dtype in REAL_FLOATING_MX:
            out = mx.where(mx.isnan(x), y, mx.where(mx.isnan(y), x, out))
        return out

    def backward(ctx, g):
        x, y = ctx.saved_tensors
        nx, ny = ctx.needs_input_grad
        # NOTE: PyTorch's rule: input wins ties and wherever other is NaN.
        to_x = mx.logical_or(keeps(x, y), mx.isnan(y))
        return (unbroadcast(mx.where(to_x, g, 0.0), *ctx.metas[0]) if nx else None,
                unbroadcast(mx.where(to_x, 0.0, g), *ctx.metas[1]) if ny else None)

    return function_class(name, forward, backward, module=__name__)


Fmax = _fextremum("Fmax", mx.maximum, mx.greater_equal)
Fmin = _fextremum("Fmin", mx.minimum, mx.less_equal)


class Frexp(Function):
    """``x = mantissa * 2 ** exponent`` with ``0.5 <= |mantissa| < 1`` (int32 exponent)."""

    @staticmethod
    def forward(ctx, x):
        finite = mx.logical_and(mx.isfinite(x), x != 0)
        safe = mx.where(finite, mx.abs(x), 1.0)
        if x.dtype in (mx.float16, mx.bfloat16):
            safe = safe.astype(mx.float32)
        e = mx.floor(mx.log2(safe)) + 1.0
        # log2 may be off by one ulp at the powers of two: fix the exponent with exact powers of two.
        m = safe / mx.power(2.0, e)
        e = mx.where(m >= 1.0, e + 1.0, mx.where(m < 0.5, e - 1.0, e))
        e = mx.where(finite, e, 0.0)
        mant = x / mx.power(2.0, e).astype(x.dtype)
        ctx.save_for_backward(e)
        ctx.dtype = x.dtype
        return mant, e.astype(mx.int32)

    @staticmethod
    def backward(ctx, gm, ge):
        (e,) = ctx.saved_tensors
        return (gm * mx.power(2.0, -e)).astype(ctx.dtype)


class _NoGrad(Function):
    differentiable = False


class NextAfter(_NoGrad):
    """The next representable value after ``x`` toward ``y``."""

    @staticmethod
    def forward(ctx, x, y):
        x, y = _arrays(x, y)
        x, y = mx.broadcast_arrays(x, y)
        ity = _INT_VIEW[x.dtype]
        bits = mx.view(x, ity)
        up = mx.equal(y > x, x > 0)
        stepped = mx.view(bits + mx.where(up, 1, -1).astype(ity), x.dtype)
        tiny = mx.view(mx.ones(x.shape, dtype=ity), x.dtype)  # the smallest subnormal
        out = mx.where(x == 0, mx.where(y > 0, tiny, -tiny), stepped)
        out = mx.where(x == y, y, out)
        return mx.where(mx.logical_or(mx.isnan(x), mx.isnan(y)), math.nan, out)


class Heaviside(_NoGrad):
    """0 below 0, ``values`` at 0, 1 above."""

    @staticmethod
    def forward(ctx, x, values):
        return mx.where(x == 0, values, mx.where(x > 0, 1, 0).astype(x.dtype))


class SignBit(_NoGrad):
    @staticmethod
    def forward(ctx, x):
        return _signbit(x)


def _euclid_steps(dtype) -> int:
    bits = {mx.int8: 8, mx.uint8: 8, mx.int16: 16, mx.uint16: 16, mx.int32: 32, mx.uint32: 32}.get(dtype, 64)
    # Euclid's algorithm needs at most log_phi(2^bits) + 2 remainder steps (Lame's theorem).
    return math.ceil(bits / math.log2((1 + math.sqrt(5)) / 2)) + 2


def _gcd(a, b):
    a, b = _arrays(a, b)
    a, b = mx.abs(a), mx.abs(b)
    for _ in range(_euclid_steps(a.dtype)):
        zero = b == 0
        r = mx.remainder(a, mx.where(zero, 1, b).astype(b.dtype))
        a, b = mx.where(zero, a, b), mx.where(zero, b, r)
    return a


class Gcd(_NoGrad):
    @staticmethod
    def forward(ctx, a, b):
        return _gcd(a, b)


class Lcm(_NoGrad):
    @staticmethod
    def forward(ctx, a, b):
        a, b = _arrays(a, b)
        g = _gcd(a, b)
        return mx.where(g == 0, 0, mx.abs((a // mx.where(g == 0, 1, g).astype(g.dtype)) * b)).astype(g.dtype)


# -- public functions -------------------------------------------------------------------------

@register(method=True)
def hypot(input, other) -> Tensor:
    """Elementwise :math:`\\sqrt{x^2 + y^2}`, computed without overflow; broadcasting.

    Gradients: :math:`x / h` and :math:`y / h` (NaN at the origin, as in PyTorch).

    Examples:
        >>> import lucid
        >>> [f"{v:.6g}" for v in lucid.hypot(lucid.tensor([3.0, 1e30]), lucid.tensor([4.0, 1e30])).tolist()]
        ['5', '1.41421e+30']
    """
    return Hypot.apply(*_operands(input, other, "hypot"))


@register(method=True)
def logaddexp(input, other) -> Tensor:
    """Elementwise :math:`\\log(e^x + e^y)`, without overflow; broadcasting.

    Gradients: :math:`e^{x - \\text{out}}` and :math:`e^{y - \\text{out}}`.

    Examples:
        >>> import lucid
        >>> [round(v, 4) for v in lucid.logaddexp(lucid.tensor([0.0, 1000.0]), 0.0).tolist()]
        [0.6931, 1000.0]
    """
    return LogAddExp.apply(*_operands(input, other, "logaddexp"))


@register(method=True)
def logaddexp2(input, other) -> Tensor:
    """Elementwise :math:`\\log_2(2^x + 2^y)`, without overflow; broadcasting.

    Examples:
        >>> import lucid
        >>> lucid.logaddexp2(lucid.tensor([1.0, 3.0]), lucid.tensor([1.0, 3.0])).tolist()
        [2.0, 4.0]
    """
    return LogAddExp2.apply(*_operands(input, other, "logaddexp2"))


@register(method=True)
def copysign(input, other) -> Tensor:
    """Elementwise ``|input|`` with the sign of ``other`` (its sign bit: ``-0.0`` counts as negative).

    Integers are promoted to float32. Gradient: ``input`` gets ``copysign(1, x * y)``-like signs
    (0 where ``input == 0``); ``other`` gets 0, as in PyTorch.

    Examples:
        >>> import lucid
        >>> lucid.copysign(lucid.tensor([1.0, -2.0, 3.0]), lucid.tensor([-1.0, 1.0, -0.0])).tolist()
        [-1.0, 2.0, -3.0]
    """
    return Copysign.apply(*_operands(input, other, "copysign"))


@register(method=True)
def nextafter(input, other) -> Tensor:
    """The next floating-point value after ``input`` in the direction of ``other``, elementwise.

    Built from the values' bits (MLX has no ``nextafter``). Not differentiable (PyTorch defines no
    gradient). Subnormal results depend on the device: MLX may flush them to zero.

    Raises:
        TypeError: an integer or complex tensor.

    Examples:
        >>> import lucid
        >>> x = lucid.tensor([1.0], dtype=lucid.float32)
        >>> (lucid.nextafter(x, 2.0) - x).item() == 2.0 ** -23
        True
    """
    for v in (input, other):
        if isinstance(v, Tensor) and v._data.dtype not in REAL_FLOATING_MX:
            raise TypeError(f"nextafter: expected floating-point tensors, got {v.dtype}")
    return NextAfter.apply(*_operands(input, other, "nextafter"))


@register(method=True)
def ldexp(input, other) -> Tensor:
    """Elementwise :math:`x \\cdot 2^{\\text{other}}` (integers promote to float32); differentiable in both.

    Examples:
        >>> import lucid
        >>> lucid.ldexp(lucid.tensor([1.0, 3.0]), lucid.tensor([3, -1])).tolist()
        [8.0, 1.5]
    """
    x, e = _operands(input, other, "ldexp")
    if isinstance(e, Tensor) and isinstance(x, Tensor) and e.dtype != x.dtype:
        e = e.to(dtype=x.dtype)
    return multiply(x, power(2.0, e))


@register(method=True)
def frexp(input) -> tuple:
    """Split each element into ``mantissa * 2 ** exponent`` with ``0.5 <= |mantissa| < 1``.

    Zeros, infinities and NaN give ``(x, 0)``. The mantissa is differentiable (its gradient is
    ``2 ** -exponent``); the exponent is int32.

    Returns:
        tuple: ``(mantissa, exponent)``.

    Raises:
        TypeError: ``input`` is not floating point.

    Examples:
        >>> import lucid
        >>> m, e = lucid.frexp(lucid.tensor([8.0, -0.75, 0.0]))
        >>> m.tolist(), e.tolist()
        ([0.5, -0.75, 0.0], [4, 0, 0])
    """
    x = _unary_input(input, "frexp")
    if x._data.dtype not in REAL_FLOATING_MX:
        raise TypeError(f"frexp: expected a floating-point tensor, got {x.dtype}")
    return Frexp.apply(x)


@register(method=True)
def heaviside(input, values) -> Tensor:
    """The Heaviside step: 0 where ``input < 0``, ``values`` where ``input == 0``, 1 where ``input > 0``.

    Not differentiable (PyTorch defines no gradient).

    Examples:
        >>> import lucid
        >>> lucid.heaviside(lucid.tensor([-1.0, 0.0, 2.0]), lucid.tensor(0.5)).tolist()
        [0.0, 0.5, 1.0]
    """
    x, v = _operands(input, values, "heaviside", floating=False)
    return Heaviside.apply(x, v)


@register(method=True)
def float_power(input, exponent) -> Tensor:
    """Elementwise ``input ** exponent`` computed in float64 (on the CPU, where MLX has float64).

    The result is float64 whatever the inputs' dtypes, as in PyTorch; differentiable.

    Examples:
        >>> import lucid
        >>> y = lucid.float_power(lucid.tensor([2, 3]), 2)
        >>> y.dtype, y.tolist()
        (lucid.float64, [4.0, 9.0])
    """
    from lucid._backend.dtypes import float64

    x, e = _operands(input, exponent, "float_power")
    if isinstance(x, Tensor):
        x = x.to(device="cpu", dtype=float64)
    if isinstance(e, Tensor):
        e = e.to(device="cpu", dtype=float64)
    if not isinstance(x, Tensor):
        x = to_tensor(mx.array(x, dtype=mx.float64))
    return power(x, e)


@register(method=True)
def fmax(input, other) -> Tensor:
    """Elementwise maximum that ignores NaN: a NaN loses to a number (NaN only if both are NaN).

    Gradient: ``input`` gets it where ``input >= other`` or ``other`` is NaN, ``other`` elsewhere (PyTorch).

    Examples:
        >>> import lucid
        >>> lucid.fmax(lucid.tensor([1.0, float("nan")]), lucid.tensor([float("nan"), 2.0])).tolist()
        [1.0, 2.0]
    """
    return Fmax.apply(*_operands(input, other, "fmax", floating=False))


@register(method=True)
def fmin(input, other) -> Tensor:
    """Elementwise minimum that ignores NaN (see :func:`fmax`).

    Examples:
        >>> import lucid
        >>> lucid.fmin(lucid.tensor([1.0, float("nan")]), lucid.tensor([float("nan"), 2.0])).tolist()
        [1.0, 2.0]
    """
    return Fmin.apply(*_operands(input, other, "fmin", floating=False))


@register(method=True)
def frac(input) -> Tensor:
    """Elementwise fractional part ``x - trunc(x)`` (sign of ``x``); its gradient is 1.

    Raises:
        TypeError: ``input`` is not floating point (as in PyTorch).

    Examples:
        >>> import lucid
        >>> lucid.frac(lucid.tensor([1.5, -2.25])).tolist()
        [0.5, -0.25]
    """
    x = _unary_input(input, "frac")
    if x._data.dtype not in REAL_FLOATING_MX:
        raise TypeError(f"frac: expected a floating-point tensor, got {x.dtype}")
    return sub(x, trunc(x))


@register(method=True)
def signbit(input) -> Tensor:
    """Elementwise: is the sign bit set? True for negative values and ``-0.0``; a bool tensor.

    Examples:
        >>> import lucid
        >>> lucid.signbit(lucid.tensor([-1.0, -0.0, 0.0, 2.0])).tolist()
        [True, True, False, False]
    """
    return SignBit.apply(_unary_input(input, "signbit"))


@register(method=True)
def positive(input) -> Tensor:
    """``+input``: the tensor itself.

    Raises:
        TypeError: a bool tensor (PyTorch refuses unary ``+`` on bools).

    Examples:
        >>> import lucid
        >>> x = lucid.tensor([1.0])
        >>> lucid.positive(x) is x
        True
    """
    x = input if isinstance(input, Tensor) else to_tensor(input, "positive")
    if x._data.dtype == mx.bool_:
        raise TypeError("positive: the unary + is not supported for bool tensors")
    return x


@register()
def rsub(input, other, *, alpha=1) -> Tensor:
    """``other - alpha * input``: subtraction with the operands reversed.

    Examples:
        >>> import lucid
        >>> lucid.rsub(lucid.tensor([1.0, 2.0]), 10.0, alpha=2).tolist()
        [8.0, 6.0]
    """
    if isinstance(alpha, bool) or not isinstance(alpha, numbers.Number):
        raise TypeError(f"rsub: alpha must be a number, got {type(alpha).__name__}")
    scaled = input if alpha == 1 else multiply(input, alpha)
    return sub(other, scaled)


@register(method=True)
def gcd(input, other) -> Tensor:
    """Elementwise greatest common divisor of integer tensors (non-negative; ``gcd(0, 0) = 0``).

    Raises:
        TypeError: a non-integer input.

    Examples:
        >>> import lucid
        >>> lucid.gcd(lucid.tensor([12, -18, 0]), lucid.tensor([18, 12, 5])).tolist()
        [6, 6, 5]
    """
    return Gcd.apply(*_operands(input, other, "gcd", floating=False, integer=True))


@register(method=True)
def lcm(input, other) -> Tensor:
    """Elementwise least common multiple of integer tensors (non-negative; 0 if either is 0).

    Raises:
        TypeError: a non-integer input.

    Examples:
        >>> import lucid
        >>> lucid.lcm(lucid.tensor([4, -6, 0]), lucid.tensor([6, 4, 3])).tolist()
        [12, 12, 0]
    """
    return Lcm.apply(*_operands(input, other, "lcm", floating=False, integer=True))


__all__ = export(__name__)
