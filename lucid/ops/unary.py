"""Elementwise maths: ``exp``/``log``, roots, trigonometry, ``sigmoid``/``erf``, rounding, ``clip``, ``where``.

Every function takes a Tensor (numbers, lists and NumPy arrays are converted
first) and returns a new Tensor of the broadcast shape. Floating dtypes are
preserved (float16 in, float16 out); integer inputs to transcendental ops
give float32, as in PyTorch. Rounding ops and ``sign`` are differentiable with
a zero gradient, as in PyTorch. The predicates ``isnan``/``isinf``/... live with
the comparisons (``lucid.ops.comparison``), as in PyTorch's documentation.
"""

from __future__ import annotations

import math
import numbers

import mlx.core as mx

from lucid._backend.dtypes import REAL_FLOATING_MX
from lucid._tensor import Tensor
from lucid.autograd.function import Function
from lucid.ops import _specfun
from lucid.ops._registry import export, register, register_method, unary_op
from lucid.ops._util import check_int, function_class, operand, to_tensor, unbroadcast

_LN2 = math.log(2.0)
_LN10 = math.log(10.0)
_HALF_SQRT_PI = math.sqrt(math.pi) / 2.0
_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)


def _rule(name: str, forward, grad, saves_output: bool = False, holomorphic: bool = True) -> type:
    """Build the Function of ``y = forward(x)`` whose backward is ``grad(g, saved)``.

    ``saved`` is ``y`` when ``saves_output`` (exp, sqrt, tanh, ...) else ``x``:
    each rule keeps only the one array its derivative needs.

    For complex inputs the gradient follows PyTorch's convention (``dL/dRe + i dL/dIm``):
    a holomorphic ``f`` (every rule here but ``abs``) gets ``g * conj(f'(z))``. Since ``grad``
    is ``g * f'(saved)``, that is ``conj(grad(conj(g), saved))``.
    """
    if saves_output:
        def fwd(ctx, x):
            y = forward(x)
            ctx.save_for_backward(y)
            return y
    else:
        def fwd(ctx, x):
            ctx.save_for_backward(x)
            return forward(x)

    if holomorphic:
        def bwd(ctx, g):
            saved = ctx.saved_tensors[0]
            if saved.dtype == mx.complex64:
                return mx.conj(grad(mx.conj(g), saved))
            return grad(g, saved)
    else:
        def bwd(ctx, g):
            return grad(g, ctx.saved_tensors[0])

    return function_class(name, fwd, bwd, module=__name__, doc=f"``{forward.__name__}`` as a Function.")


def _zero_grad_rule(name: str, forward) -> type:
    """A piecewise-constant op: differentiable, with a zero gradient everywhere (PyTorch's convention)."""
    def fwd(ctx, x, *attrs):
        ctx.n_attrs = len(attrs)
        return forward(x, *attrs)

    def bwd(ctx, g):
        return (mx.zeros_like(g),) + (None,) * ctx.n_attrs

    return function_class(name, fwd, bwd, module=__name__)


def _exp2(x):
    return mx.power(2.0, x)


def _cube(x):
    return x * x * x


# NOTE: at x == 0, abs gets gradient 0 (sign(0)), as in PyTorch.
# For complex z, mx.sign(z) is z / |z|: abs's gradient g * z / |z| under PyTorch's convention.
Abs = _rule("Abs", mx.abs, lambda g, x: g * mx.sign(x), holomorphic=False)
Exp = _rule("Exp", mx.exp, lambda g, y: g * y, saves_output=True)
Exp2 = _rule("Exp2", _exp2, lambda g, y: g * y * _LN2, saves_output=True)
Expm1 = _rule("Expm1", mx.expm1, lambda g, y: g * (y + 1.0), saves_output=True)
Log = _rule("Log", mx.log, lambda g, x: g / x)
Log2 = _rule("Log2", mx.log2, lambda g, x: g / (x * _LN2))
Log10 = _rule("Log10", mx.log10, lambda g, x: g / (x * _LN10))
Log1p = _rule("Log1p", mx.log1p, lambda g, x: g / (x + 1.0))
Sqrt = _rule("Sqrt", mx.sqrt, lambda g, y: g / (2.0 * y), saves_output=True)
Rsqrt = _rule("Rsqrt", mx.rsqrt, lambda g, y: g * (-0.5) * y * y * y, saves_output=True)
Square = _rule("Square", mx.square, lambda g, x: g * 2.0 * x)
Cube = _rule("Cube", _cube, lambda g, x: g * 3.0 * x * x)
Reciprocal = _rule("Reciprocal", mx.reciprocal, lambda g, y: -g * y * y, saves_output=True)
Sin = _rule("Sin", mx.sin, lambda g, x: g * mx.cos(x))
Cos = _rule("Cos", mx.cos, lambda g, x: -g * mx.sin(x))
Tan = _rule("Tan", mx.tan, lambda g, y: g * (1.0 + y * y), saves_output=True)
Arcsin = _rule("Arcsin", mx.arcsin, lambda g, x: g * mx.rsqrt((1.0 - x) * (1.0 + x)))
Arccos = _rule("Arccos", mx.arccos, lambda g, x: -g * mx.rsqrt((1.0 - x) * (1.0 + x)))
Arctan = _rule("Arctan", mx.arctan, lambda g, x: g / (1.0 + x * x))
Sinh = _rule("Sinh", mx.sinh, lambda g, x: g * mx.cosh(x))
Cosh = _rule("Cosh", mx.cosh, lambda g, x: g * mx.sinh(x))
Tanh = _rule("Tanh", mx.tanh, lambda g, y: g * (1.0 - y * y), saves_output=True)
Arcsinh = _rule("Arcsinh", mx.arcsinh, lambda g, x: g * mx.rsqrt(x * x + 1.0))
Arccosh = _rule("Arccosh", mx.arccosh, lambda g, x: g * mx.rsqrt((x - 1.0) * (x + 1.0)))
Arctanh = _rule("Arctanh", mx.arctanh, lambda g, x: g / ((1.0 - x) * (1.0 + x)))
Sigmoid = _rule("Sigmoid", mx.sigmoid, lambda g, y: g * y * (1.0 - y), saves_output=True)
Erf = _rule("Erf", _specfun.erf, lambda g, x: g * _TWO_OVER_SQRT_PI * mx.exp(-(x * x)))
Erfinv = _rule("Erfinv", mx.erfinv, lambda g, y: g * _HALF_SQRT_PI * mx.exp(y * y), saves_output=True)

Sign = _zero_grad_rule("Sign", mx.sign)
Floor = _zero_grad_rule("Floor", mx.floor)
Ceil = _zero_grad_rule("Ceil", mx.ceil)
Trunc = _zero_grad_rule("Trunc", mx.trunc)
Round = _zero_grad_rule("Round", mx.round)


class Arctan2(Function):
    """``atan2(y, x)``: the angle of the point ``(x, y)``, in ``(-pi, pi]``."""

    @staticmethod
    def forward(ctx, y, x):
        ctx.y_meta = (y.shape, y.dtype) if isinstance(y, mx.array) else None
        ctx.x_meta = (x.shape, x.dtype) if isinstance(x, mx.array) else None
        ctx.save_for_backward(y, x)
        return mx.arctan2(y, x)

    @staticmethod
    def backward(ctx, g):
        y, x = ctx.saved_tensors
        ny, nx = ctx.needs_input_grad
        # NOTE: at the origin both partials are 0/0 = nan, as in PyTorch.
        scale = g / (x * x + y * y)
        gy = unbroadcast(scale * x, *ctx.y_meta) if ny else None
        gx = unbroadcast(-scale * y, *ctx.x_meta) if nx else None
        return gy, gx


class Clip(Function):
    """``min(max(x, lo), hi)`` with optional, broadcasting, differentiable bounds."""

    @staticmethod
    def forward(ctx, x, lo, hi):
        ctx.metas = tuple((v.shape, v.dtype) if isinstance(v, mx.array) else None for v in (x, lo, hi))
        ctx.save_for_backward(x, lo, hi)
        return mx.clip(x, lo, hi)

    @staticmethod
    def backward(ctx, g):
        x, lo, hi = ctx.saved_tensors
        nx, nlo, nhi = ctx.needs_input_grad
        x_meta, lo_meta, hi_meta = ctx.metas
        gx = glo = ghi = None
        # NOTE: PyTorch's convention: x gets the gradient where lo <= x <= hi (bounds included);
        # lo where x < lo (and lo < hi); hi where x > hi, or everywhere hi < lo (the output is hi there).
        if nx:
            if lo is None:
                keep = x <= hi
            elif hi is None:
                keep = x >= lo
            else:
                keep = mx.logical_and(x >= lo, x <= hi)
            gx = unbroadcast(mx.where(keep, g, 0.0), *x_meta)
        if nlo:
            below = x < lo if hi is None else mx.logical_and(x < lo, lo < hi)
            glo = unbroadcast(mx.where(below, g, 0.0), *lo_meta)
        if nhi:
            above = x > hi if lo is None else mx.logical_or(x > hi, hi < lo)
            ghi = unbroadcast(mx.where(above, g, 0.0), *hi_meta)
        return gx, glo, ghi


class Where(Function):
    """``cond ? x : y`` elementwise, with broadcasting; differentiable in ``x`` and ``y``."""

    @staticmethod
    def forward(ctx, cond, x, y):
        if cond.dtype != mx.bool_:
            cond = cond.astype(mx.bool_)
        ctx.x_meta = (x.shape, x.dtype) if isinstance(x, mx.array) else None
        ctx.y_meta = (y.shape, y.dtype) if isinstance(y, mx.array) else None
        ctx.save_for_backward(cond)
        return mx.where(cond, x, y)

    @staticmethod
    def backward(ctx, g):
        (cond,) = ctx.saved_tensors
        _, nx, ny = ctx.needs_input_grad
        gx = unbroadcast(mx.where(cond, g, 0.0), *ctx.x_meta) if nx else None
        gy = unbroadcast(mx.where(cond, 0.0, g), *ctx.y_meta) if ny else None
        return None, gx, gy


class NanToNum(Function):
    """Replace NaN, +inf and -inf by finite values; the gradient passes only where ``x`` is finite."""

    @staticmethod
    def forward(ctx, x, nan, posinf, neginf):
        ctx.save_for_backward(x)
        if x.dtype not in REAL_FLOATING_MX:
            return x
        info = mx.finfo(x.dtype)
        posinf = info.max if posinf is None else posinf
        neginf = info.min if neginf is None else neginf
        # Built from where() rather than mx.nan_to_num, which has no float64 kernel.
        out = mx.where(mx.isnan(x), nan, x)
        out = mx.where(mx.isposinf(x), posinf, out)
        return mx.where(mx.isneginf(x), neginf, out)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return mx.where(mx.isfinite(x), g, 0.0), None, None, None


# -- public functions ---------------------------------------------------------

abs = unary_op(Abs, "abs", "Elementwise absolute value ``|x|``; the gradient is ``sign(x)`` (0 at 0).",
               ("[-1.5, 0.0, 2.0]", "[1.5, 0.0, 2.0]"), aliases=("absolute",), operators=("__abs__",))
sign = unary_op(Sign, "sign", "Elementwise sign: -1, 0 or 1 (zero gradient).", ("[-2.0, 0.0, 3.0]", "[-1.0, 0.0, 1.0]"))
exp = unary_op(Exp, "exp", "Elementwise exponential :math:`e^x`.", ('[0.0, -float("inf")]', "[1.0, 0.0]"))
exp2 = unary_op(Exp2, "exp2", "Elementwise base-2 exponential :math:`2^x`.", ("[0.0, 3.0]", "[1.0, 8.0]"))
expm1 = unary_op(Expm1, "expm1", "Elementwise :math:`e^x - 1`, accurate for small ``x``.", ("[0.0]", "[0.0]"))
log = unary_op(Log, "log", r"Elementwise natural logarithm :math:`\ln x` (``-inf`` at 0, NaN below).",
               ("[1.0]", "[0.0]"))
log2 = unary_op(Log2, "log2", r"Elementwise base-2 logarithm :math:`\log_2 x`.", ("[1.0, 8.0]", "[0.0, 3.0]"))
log10 = unary_op(Log10, "log10", r"Elementwise base-10 logarithm :math:`\log_{10} x`.", ("[1.0, 100.0]", "[0.0, 2.0]"))
log1p = unary_op(Log1p, "log1p", r"Elementwise :math:`\ln(1 + x)`, accurate for small ``x``.", ("[0.0]", "[0.0]"))
sqrt = unary_op(Sqrt, "sqrt", r"Elementwise square root :math:`\sqrt{x}` (its gradient is ``inf`` at 0).",
                ("[4.0, 9.0]", "[2.0, 3.0]"))
rsqrt = unary_op(Rsqrt, "rsqrt", r"Elementwise reciprocal square root :math:`1 / \sqrt{x}`.", ("[4.0]", "[0.5]"))
square = unary_op(Square, "square", "Elementwise :math:`x^2` (integers stay integers).", ("[-3.0, 0.5]", "[9.0, 0.25]"))
cube = unary_op(Cube, "cube", "Elementwise :math:`x^3` (integers stay integers).", ("[2.0, -1.0]", "[8.0, -1.0]"))
reciprocal = unary_op(Reciprocal, "reciprocal", "Elementwise :math:`1 / x` (integers give float32).",
                      ("[4.0, -0.5]", "[0.25, -2.0]"))
sin = unary_op(Sin, "sin", "Elementwise sine (radians).", ("[0.0]", "[0.0]"))
cos = unary_op(Cos, "cos", "Elementwise cosine (radians).", ("[0.0]", "[1.0]"))
tan = unary_op(Tan, "tan", r"Elementwise tangent (radians); the gradient is :math:`1 + \tan^2 x`.", ("[0.0]", "[0.0]"))
arcsin = unary_op(Arcsin, "arcsin", r"""Elementwise inverse sine, in :math:`[-\pi/2, \pi/2]`; NaN outside ``[-1, 1]``.

    The gradient is :math:`1 / \sqrt{1 - x^2}` (``inf`` at ``|x| = 1``).""",
                  ("[0.0]", "[0.0]"), aliases=("asin",))
arccos = unary_op(Arccos, "arccos", r"Elementwise inverse cosine, in :math:`[0, \pi]`; NaN outside ``[-1, 1]``.",
                  ("[1.0]", "[0.0]"), aliases=("acos",))
arctan = unary_op(Arctan, "arctan", r"Elementwise inverse tangent, in :math:`(-\pi/2, \pi/2)`.",
                  ("[0.0]", "[0.0]"), aliases=("atan",))


@register(aliases=("atan2",), method=True)
def arctan2(input: Tensor, other: Tensor) -> Tensor:
    """Elementwise :math:`\\operatorname{atan2}(y, x)` with ``y = input``, ``x = other``, broadcasting.

    The quadrant-aware angle of the point ``(x, y)``, in :math:`(-\\pi, \\pi]`. Gradients:
    :math:`\\partial/\\partial y = x / (x^2 + y^2)`, :math:`\\partial/\\partial x = -y / (x^2 + y^2)`.

    Args:
        input: ``y``, a Tensor or number.
        other: ``x``, a Tensor or number.

    Examples:
        >>> import lucid
        >>> print(f"{lucid.arctan2(lucid.tensor(1.0), -1.0).item():.4f}")
        2.3562
    """
    return Arctan2.apply(operand(input), operand(other))


sinh = unary_op(Sinh, "sinh", "Elementwise hyperbolic sine.", ("[0.0]", "[0.0]"))
cosh = unary_op(Cosh, "cosh", "Elementwise hyperbolic cosine.", ("[0.0]", "[1.0]"))
tanh = unary_op(Tanh, "tanh", r"Elementwise hyperbolic tangent; the gradient is :math:`1 - \tanh^2 x`.",
                ("[0.0]", "[0.0]"))
arcsinh = unary_op(Arcsinh, "arcsinh", r"Elementwise inverse hyperbolic sine :math:`\ln(x + \sqrt{x^2 + 1})`.",
                   ("[0.0]", "[0.0]"), aliases=("asinh",))
arccosh = unary_op(Arccosh, "arccosh",
                   r"Elementwise inverse hyperbolic cosine :math:`\ln(x + \sqrt{x^2 - 1})`; NaN below 1.",
                   ("[1.0]", "[0.0]"), aliases=("acosh",))
arctanh = unary_op(Arctanh, "arctanh",
                   r"Elementwise inverse hyperbolic tangent :math:`\tfrac12 \ln\frac{1+x}{1-x}`; ``±inf`` at ``±1``.",
                   ("[0.0]", "[0.0]"), aliases=("atanh",))
sigmoid = unary_op(Sigmoid, "sigmoid",
                   "Elementwise logistic function :math:`1 / (1 + e^{-x})`; the gradient is :math:`y (1 - y)`.",
                   ("[0.0]", "[0.5]"))
erf = unary_op(Erf, "erf", r"Elementwise error function :math:`\frac{2}{\sqrt\pi}\int_0^x e^{-t^2} dt`.",
               ('[0.0, float("inf")]', "[0.0, 1.0]"))
erfinv = unary_op(Erfinv, "erfinv", r"""Elementwise inverse error function on ``(-1, 1)`` (``±inf`` at ``±1``).

    The gradient is :math:`\frac{\sqrt\pi}{2} e^{y^2}` with ``y = erfinv(x)``.""",
                  ("[0.0]", "[0.0]"))
floor = unary_op(Floor, "floor", "Elementwise largest integer ``<= x`` (zero gradient; integers pass through).",
                 ("[-1.5, 1.5]", "[-2.0, 1.0]"))
ceil = unary_op(Ceil, "ceil", "Elementwise smallest integer ``>= x`` (zero gradient).", ("[-1.5, 1.5]", "[-1.0, 2.0]"))
trunc = unary_op(Trunc, "trunc", "Elementwise rounding toward zero (zero gradient).",
                 ("[-1.7, 1.7]", "[-1.0, 1.0]"), aliases=("fix",))


@register(method=True)
def round(input: Tensor, decimals: int = 0) -> Tensor:
    """Elementwise rounding to ``decimals`` decimal places (zero gradient).

    Halves round to the nearest even value (0.5 -> 0, 2.5 -> 2), as in PyTorch and NumPy.

    Args:
        input: the tensor.
        decimals: decimal places to keep (default 0); negative rounds to tens, hundreds, ...

    Raises:
        TypeError: if ``decimals`` is not an int.

    Examples:
        >>> import lucid
        >>> lucid.round(lucid.tensor([0.5, 1.5, 2.5])).tolist()
        [0.0, 2.0, 2.0]
        >>> lucid.round(lucid.tensor([14.0, 26.0]), decimals=-1).tolist()
        [10.0, 30.0]
    """
    decimals = check_int(decimals, "decimals", "round")
    # NOTE: ties go to even (MLX's rounding, the same as PyTorch's and NumPy's).
    return Round.apply(input if isinstance(input, Tensor) else to_tensor(input), decimals)


def _bound(value, name: str):
    """A clip bound as the Function receives it: None, a Python number or a Tensor."""
    if value is None or isinstance(value, Tensor):
        return value
    if isinstance(value, (bool, complex, str)):
        raise TypeError(f"clip: {name} must be a real number, a Tensor or None, got {type(value).__name__}")
    return operand(value)


@register(aliases=("clamp",), method=True)
def clip(input: Tensor, min=None, max=None) -> Tensor:
    """Clamp every element into ``[min, max]``: :math:`\\min(\\max(x, \\text{min}), \\text{max})`.

    Either bound may be omitted. Tensor bounds broadcast against ``input`` and
    are differentiable. If ``min > max`` somewhere, the result there is ``max``
    (PyTorch's rule). NaN inputs stay NaN. Gradients follow PyTorch: ``input``
    receives the gradient where ``min <= x <= max`` (bounds included), ``min``
    where ``x < min`` and ``max`` where ``x > max``.

    Args:
        input: the tensor.
        min: lower bound: a number, a Tensor or None.
        max: upper bound: a number, a Tensor or None.

    Returns:
        Tensor: the clamped values, broadcast to the shape of ``input`` and the Tensor bounds.

    Raises:
        ValueError: if both bounds are None.
        TypeError: if a bound is not a real number, a Tensor or None.

    Examples:
        >>> import lucid
        >>> lucid.clip(lucid.tensor([-2.0, 0.5, 2.0]), min=-1.0, max=1.0).tolist()
        [-1.0, 0.5, 1.0]
        >>> lucid.clamp(lucid.tensor([-2.0, 3.0]), max=lucid.tensor([0.0, 1.0])).tolist()
        [-2.0, 1.0]
    """
    if min is None and max is None:
        raise ValueError("clip: at least one of min and max must be given, got both None")
    if not (min is None or type(min) is float or type(min) is int or isinstance(min, Tensor)):
        min = _bound(min, "min")
    if not (max is None or type(max) is float or type(max) is int or isinstance(max, Tensor)):
        max = _bound(max, "max")
    return Clip.apply(input if isinstance(input, Tensor) else to_tensor(input), min, max)


@register()
def where(condition: Tensor, input, other) -> Tensor:
    """Pick ``input`` where ``condition`` is true and ``other`` elsewhere, with broadcasting.

    :math:`\\text{out}_i = \\text{input}_i` if :math:`\\text{condition}_i` else :math:`\\text{other}_i`.
    Differentiable in ``input`` and ``other`` (each gets the gradient where it was picked).

    Args:
        condition: a bool Tensor (other dtypes count nonzero as true, as in NumPy).
        input: values where ``condition`` holds: a Tensor or a number.
        other: values elsewhere: a Tensor or a number.

    Returns:
        Tensor: the broadcast shape of all three, in the promoted dtype of ``input`` and ``other``
        (a Python number does not widen a tensor's dtype).

    Examples:
        >>> import lucid
        >>> x = lucid.tensor([-1.0, 2.0, -3.0])
        >>> lucid.where(x > 0, x, 0.0).tolist()
        [0.0, 2.0, 0.0]
    """
    condition = condition if isinstance(condition, Tensor) else to_tensor(condition)
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):
        # Two plain values: make them arrays now so ints become int64 and floats float32.
        input, other = to_tensor(input), to_tensor(other)
    else:
        input, other = operand(input), operand(other)
    return Where.apply(condition, input, other)


@register(method=True)
def nan_to_num(input: Tensor, nan: float = 0.0, posinf: float | None = None,
               neginf: float | None = None) -> Tensor:
    """Replace NaN by ``nan``, +inf by ``posinf`` and -inf by ``neginf``.

    The gradient passes through finite elements and is 0 at replaced ones.

    Args:
        input: the tensor (integer tensors come back unchanged).
        nan: value for NaN (default 0.0).
        posinf: value for +inf (default: the largest finite value of the dtype).
        neginf: value for -inf (default: the most negative finite value of the dtype).

    Examples:
        >>> import lucid
        >>> x = lucid.tensor([float("nan"), float("inf"), -float("inf"), 1.0])
        >>> lucid.nan_to_num(x, posinf=9.0, neginf=-9.0).tolist()
        [0.0, 9.0, -9.0, 1.0]
    """
    for name, value in (("nan", nan), ("posinf", posinf), ("neginf", neginf)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, numbers.Real)):
            raise TypeError(f"nan_to_num: {name} must be a real number, got {type(value).__name__}")
    return NanToNum.apply(input if isinstance(input, Tensor) else to_tensor(input), nan, posinf, neginf)


def _where_method(self: Tensor, condition, other) -> Tensor:
    """``x.where(condition, other)`` is ``lucid.where(condition, x, other)`` (PyTorch's method form)."""
    return where(condition, self, other)


register_method("where", _where_method)


@register(method=True)
def sgn(input: Tensor) -> Tensor:
    """``sign`` extended to complex numbers: ``z / |z|`` (0 at 0); for real tensors the same as :func:`sign`.

    Examples:
        >>> import lucid
        >>> lucid.sgn(lucid.tensor([3 + 4j, 0j])).tolist()
        [(0.6000000238418579+0.800000011920929j), 0j]
        >>> lucid.sgn(lucid.tensor([-2.0, 0.0])).tolist()
        [-1.0, 0.0]
    """
    input = input if isinstance(input, Tensor) else to_tensor(input)
    if input._data.dtype != mx.complex64:
        return sign(input)
    from lucid.ops.arithmetic import divide
    from lucid.ops.comparison import eq

    mag = abs(input)
    # NOTE: at z == 0 the result is 0 (z / 1), as in PyTorch.
    return divide(input, where(eq(mag, 0), 1.0, mag))


@register(method=True)
def deg2rad(input: Tensor) -> Tensor:
    """Degrees to radians, ``x * pi / 180`` (integers give float32).

    Examples:
        >>> import lucid
        >>> print(f"{lucid.deg2rad(lucid.tensor([180.0])).item():.5f}")
        3.14159
    """
    from lucid.ops.arithmetic import multiply

    input = _float_input(input)
    return multiply(input, math.pi / 180.0)


@register(method=True)
def rad2deg(input: Tensor) -> Tensor:
    """Radians to degrees, ``x * 180 / pi`` (integers give float32).

    Examples:
        >>> import lucid
        >>> lucid.rad2deg(lucid.tensor([3.141592653589793])).tolist()
        [180.0]
    """
    from lucid.ops.arithmetic import multiply

    input = _float_input(input)
    return multiply(input, 180.0 / math.pi)


def _float_input(input) -> Tensor:
    input = input if isinstance(input, Tensor) else to_tensor(input)
    if input._data.dtype not in REAL_FLOATING_MX and input._data.dtype != mx.complex64:
        input = Tensor._make(input._data.astype(mx.float32), input._device)
    return input


__all__ = export(__name__)
