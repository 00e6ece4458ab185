"""Special functions as differentiable primitives: gamma, digamma, Bessel, error-function relatives, ``xlogy``.

The top-level ones PyTorch has (``lgamma``, ``digamma``, ``polygamma``,
``erfc``, ``xlogy``, ``logit``, ``sinc``, ``i0``) are declared here;
``lucid.special`` builds PyTorch's ``torch.special`` names on the same
``Function``s. The numerics live in ``lucid.ops._specfun`` (the methods and
their measured accuracy are listed there).

Inputs: integer and bool tensors are promoted to float32 (as in PyTorch);
float16 and bfloat16 are computed in float32 and returned in their own dtype;
float64 is computed in float64 (CPU).
"""

from __future__ import annotations

import math
import numbers

import mlx.core as mx

from lucid._backend.dtypes import HALF_MX, REAL_FLOATING_MX
from lucid._tensor import Tensor
from lucid.autograd.function import Function
from lucid.ops import _specfun as K
from lucid.ops._registry import export, register, register_method
from lucid.ops._util import check_int, function_class, operand, to_tensor, unbroadcast

_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_SQRT_2PI = math.sqrt(2.0 * math.pi)
_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
_SQRT1_2 = math.sqrt(0.5)


def _up(a):
    """The dtype a kernel computes in: float16/bfloat16 widen to float32."""
    return a.astype(mx.float32) if a.dtype in HALF_MX else a


def _down(a, dtype):
    return a if a.dtype == dtype else a.astype(dtype)


def _float_input(input, op: str) -> Tensor:
    """``input`` as a floating-point Tensor: integers and bool become float32; complex is refused."""
    x = input if isinstance(input, Tensor) else to_tensor(input, op)
    dt = x._data.dtype
    if dt not in REAL_FLOATING_MX:
        if dt == mx.complex64:
            raise TypeError(f"{op}: complex inputs are not supported, got {x.dtype}")
        x = x.float()
    return x


def _unary_rule(name: str, kernel, grad) -> type:
    """The Function of ``y = kernel(x)``; ``grad(g, x, y)`` is its backward (all in the compute dtype)."""
    def fwd(ctx, x):
        xu = _up(x)
        y = kernel(xu)
        ctx.save_for_backward(x, y)
        return _down(y, x.dtype)

    def bwd(ctx, g):
        x, y = ctx.saved_tensors
        return _down(grad(_up(g), _up(x), y), x.dtype)

    return function_class(name, fwd, bwd, module=__name__,
                          doc=f"``{name}`` as a Function (kernel ``{kernel.__name__}``).")


def _sinc(x):
    px = math.pi * x
    s, _ = K.sincos(px)
    return mx.where(x == 0, 1.0, s / mx.where(x == 0, 1.0, px))


def _sinc_grad(g, x, y):
    # d/dx sin(pi x)/(pi x) = (cos(pi x) - sinc(x)) / x; 0 at x = 0.
    _, c = K.sincos(math.pi * x)
    safe = mx.where(x == 0, 1.0, x)
    return g * mx.where(x == 0, 0.0, (c - y) / safe)


def _entr(x):
    # NOTE: PyTorch's values: -x log x for x > 0, 0 at 0, -inf below 0; NaN stays NaN.
    safe = mx.where(x > 0, x, 1.0)
    return mx.where(x > 0, -x * mx.log(safe), mx.where(x == 0, 0.0, mx.where(x < 0, -math.inf, x)))


def _half_one_at_zero(x, value):
    """``value`` where ``x != 0`` and ``1/2`` at 0 (the derivatives of ``i1``, ``i1e``, ``j1`` there)."""
    return mx.where(x == 0, 0.5, value)


def _safe_recip(x):
    return 1.0 / mx.where(x == 0, 1.0, x)


Lgamma = _unary_rule("Lgamma", K.lgamma, lambda g, x, y: g * K.digamma(x))
Digamma = _unary_rule("Digamma", K.digamma, lambda g, x, y: g * K.polygamma(1, x))
Erfc = _unary_rule("Erfc", K.erfc, lambda g, x, y: -g * _TWO_OVER_SQRT_PI * K.exp(-(x * x)))
Erfcx = _unary_rule("Erfcx", K.erfcx, lambda g, x, y: g * (2.0 * x * y - _TWO_OVER_SQRT_PI))
Ndtr = _unary_rule("Ndtr", K.ndtr, lambda g, x, y: g * _INV_SQRT_2PI * K.exp(-0.5 * x * x))
# d/dx log ndtr(x) = pdf / cdf = sqrt(2/pi) / erfcx(-x / sqrt 2): no overflow or cancellation in either tail.
LogNdtr = _unary_rule("LogNdtr", K.log_ndtr, lambda g, x, y: g * _SQRT_2_OVER_PI / K.erfcx(-_SQRT1_2 * x))
Ndtri = _unary_rule("Ndtri", K.ndtri, lambda g, x, y: g * _SQRT_2PI * K.exp(0.5 * y * y))
Sinc = _unary_rule("Sinc", _sinc, _sinc_grad)
Entr = _unary_rule("Entr", _entr, lambda g, x, y: -g * (1.0 + mx.log(x)))
I0 = _unary_rule("I0", K.i0, lambda g, x, y: g * K.i1(x))
I0e = _unary_rule("I0e", K.i0e, lambda g, x, y: g * (K.i1e(x) - mx.sign(x) * y))
I1 = _unary_rule("I1", K.i1, lambda g, x, y: g * _half_one_at_zero(x, K.i0(x) - y * _safe_recip(x)))
I1e = _unary_rule("I1e", K.i1e,
                 lambda g, x, y: g * _half_one_at_zero(x, K.i0e(x) - y * (mx.sign(x) + _safe_recip(x))))
J0 = _unary_rule("J0", K.j0, lambda g, x, y: -g * K.j1(x))
J1 = _unary_rule("J1", K.j1, lambda g, x, y: g * _half_one_at_zero(x, K.j0(x) - y * _safe_recip(x)))


class Polygamma(Function):
    """``psi^(n)(x)``, the ``n``-th derivative of digamma; its gradient is ``psi^(n+1)``."""

    @staticmethod
    def forward(ctx, x, n):
        ctx.n = n
        ctx.save_for_backward(x)
        xu = _up(x)
        return _down(K.digamma(xu) if n == 0 else K.polygamma(n, xu), x.dtype)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return _down(_up(g) * K.polygamma(ctx.n + 1, _up(x)), x.dtype), None


class Logit(Function):
    """``log(x / (1 - x))``, with ``x`` first clamped to ``[eps, 1 - eps]`` when ``eps`` is given."""

    @staticmethod
    def forward(ctx, x, eps):
        ctx.eps = eps
        ctx.save_for_backward(x)
        xu = _up(x)
        z = xu if eps is None else mx.clip(xu, eps, 1.0 - eps)
        return _down(mx.log(z) - mx.log1p(-z), x.dtype)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        xu, eps = _up(x), ctx.eps
        d = _up(g) / (xu * (1.0 - xu))
        if eps is not None:
            # NOTE: PyTorch's rule: zero outside [eps, 1 - eps] (where the clamp holds x constant).
            d = mx.where(mx.logical_or(xu < eps, xu > 1.0 - eps), 0.0, d)
        return _down(d, x.dtype), None


def _meta(v):
    return (v.shape, v.dtype) if isinstance(v, mx.array) else None


def _binary_rule(name: str, kernel, grad_x, grad_y) -> type:
    """A broadcasting two-input Function; ``grad_x(g, x, y)``/``grad_y(g, x, y)`` give the partials."""
    def fwd(ctx, x, y):
        ctx.metas = (_meta(x), _meta(y))
        ctx.save_for_backward(x, y)
        dt = mx.result_type(x, y) if isinstance(x, mx.array) and isinstance(y, mx.array) else \
            (x.dtype if isinstance(x, mx.array) else y.dtype)
        xu = _up(x) if isinstance(x, mx.array) else x
        yu = _up(y) if isinstance(y, mx.array) else y
        return _down(kernel(xu, yu), dt)

    def bwd(ctx, g):
        x, y = ctx.saved_tensors
        nx, ny = ctx.needs_input_grad
        mx_, my = ctx.metas
        gu = _up(g)
        xu = _up(x) if isinstance(x, mx.array) else x
        yu = _up(y) if isinstance(y, mx.array) else y
        gx = unbroadcast(grad_x(gu, xu, yu), *mx_) if nx else None
        gy = unbroadcast(grad_y(gu, xu, yu), *my) if ny else None
        return gx, gy

    return function_class(name, fwd, bwd, module=__name__)


def _xlogy(x, y):
    # NOTE: 0 where x == 0 (even at y == 0 or inf), NaN where y is NaN: PyTorch's convention.
    out = mx.where(x == 0, 0.0, x * mx.log(y))
    return mx.where(mx.isnan(y), math.nan, out)


def _xlog1py(x, y):
    out = mx.where(x == 0, 0.0, x * mx.log1p(y))
    return mx.where(mx.isnan(y), math.nan, out)


Xlogy = _binary_rule("Xlogy", _xlogy,
                     lambda g, x, y: g * mx.where(x == 0, 0.0, mx.log(y)),
                     lambda g, x, y: g * x / y)
Xlog1py = _binary_rule("Xlog1py", _xlog1py,
                       lambda g, x, y: g * mx.where(x == 0, 0.0, mx.log1p(y)),
                       lambda g, x, y: g * x / (1.0 + y))


class Zeta(Function):
    """The Hurwitz zeta function ``zeta(x, q)``; differentiable in ``q`` only (as in PyTorch)."""

    @staticmethod
    def forward(ctx, x, q):
        ctx.metas = (_meta(x), _meta(q))
        if not isinstance(x, mx.array):
            x = mx.array(x, dtype=q.dtype)
        elif not isinstance(q, mx.array):
            q = mx.array(q, dtype=x.dtype)
        ctx.save_for_backward(x, q)
        dt = mx.result_type(x, q)
        return _down(K.zeta(_up(x), _up(q)), dt)

    @staticmethod
    def backward(ctx, g):
        x, q = ctx.saved_tensors
        nx, nq = ctx.needs_input_grad
        if nx:
            raise NotImplementedError("zeta: the derivative with respect to x (the first argument) is not "
                                      "implemented (PyTorch has none either); detach x or pass a number")
        if not nq:
            return None, None
        xu, qu = _up(x), _up(q)
        gq = unbroadcast(_up(g) * (-xu) * K.zeta(xu + 1.0, qu), *ctx.metas[1])
        return None, gq


# -- top-level functions -------------------------------------------------------------------------

@register(method=True)
def lgamma(input: Tensor) -> Tensor:
    """Elementwise :math:`\\ln|\\Gamma(x)|`; ``inf`` at 0 and the negative integers. Gradient: ``digamma``.

    Lanczos' approximation with the reflection formula below 1/2 (about 1e-15 relative in float64,
    1e-6 in float32).

    Examples:
        >>> import lucid
        >>> [round(v, 6) for v in lucid.lgamma(lucid.tensor([0.5, 1.0, 5.0])).tolist()]
        [0.572365, 0.0, 3.178054]
    """
    return Lgamma.apply(_float_input(input, "lgamma"))


@register(method=True)
def digamma(input: Tensor) -> Tensor:
    """Elementwise :math:`\\psi(x) = \\frac{d}{dx}\\ln\\Gamma(x)`. Gradient: ``polygamma(1, x)``.

    As in PyTorch: ``-inf`` at ``+0``, NaN at the negative integers.

    Examples:
        >>> import lucid
        >>> round(lucid.digamma(lucid.tensor(1.0)).item(), 6)  # minus the Euler-Mascheroni constant
        -0.577216
    """
    return Digamma.apply(_float_input(input, "digamma"))


@register()
def polygamma(n: int, input: Tensor) -> Tensor:
    """Elementwise :math:`\\psi^{(n)}(x)`, the ``n``-th derivative of ``digamma`` (``n = 0`` is ``digamma``).

    Computed as :math:`(-1)^{n+1} n!\\,\\zeta(n + 1, x)` (Hurwitz zeta) with the reflection formula below
    1/2. The method form is ``x.polygamma(n)``. Gradient: ``polygamma(n + 1, x)``.

    Args:
        n: the order, an int ``>= 0``.
        input: the tensor.

    Raises:
        TypeError: ``n`` is not an int.
        ValueError: ``n < 0``.

    Examples:
        >>> import lucid, math
        >>> round(lucid.polygamma(1, lucid.tensor(1.0)).item(), 6) == round(math.pi ** 2 / 6, 6)
        True
    """
    n = check_int(n, "n", "polygamma")
    if n < 0:
        raise ValueError(f"polygamma: n must be non-negative, got {n}")
    return Polygamma.apply(_float_input(input, "polygamma"), n)


def _polygamma_method(self: Tensor, n: int) -> Tensor:
    """``x.polygamma(n)`` is ``lucid.polygamma(n, x)`` (PyTorch's method form)."""
    return polygamma(n, self)


register_method("polygamma", _polygamma_method)


@register(method=True)
def erfc(input: Tensor) -> Tensor:
    """Elementwise complementary error function :math:`1 - \\operatorname{erf}(x)`, accurate in the upper tail.

    Gradient: :math:`-\\frac{2}{\\sqrt\\pi} e^{-x^2}`.

    Examples:
        >>> import lucid
        >>> print(f"{lucid.erfc(lucid.tensor(3.0)).item():.6e}")
        2.209050e-05
    """
    return Erfc.apply(_float_input(input, "erfc"))


@register(method=True)
def xlogy(input, other) -> Tensor:
    """Elementwise :math:`x \\log y`, with 0 where ``x == 0`` (even if ``y`` is 0), broadcasting.

    NaN where ``y`` is NaN. Gradients: :math:`\\log y` for ``x`` (0 where ``x == 0``) and :math:`x / y` for ``y``.

    Args:
        input: ``x``, a Tensor or number.
        other: ``y``, a Tensor or number.

    Examples:
        >>> import lucid
        >>> lucid.xlogy(lucid.tensor([0.0, 2.0]), lucid.tensor([0.0, 1.0])).tolist()
        [0.0, 0.0]
    """
    return _binary("xlogy", Xlogy, input, other)


def _binary(op, fn, input, other):
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):
        input = to_tensor(input, op)
    input, other = operand(input), operand(other)
    for v in (input, other):
        if isinstance(v, Tensor) and v._data.dtype == mx.complex64:
            raise TypeError(f"{op}: complex inputs are not supported, got {v.dtype}")
        if isinstance(v, (bool, complex)) or (v is not None and not isinstance(v, (Tensor, numbers.Real))):
            raise TypeError(f"{op}: expected a Tensor or a real number, got {type(v).__name__}")
    # Integer tensors compute in float32, as in PyTorch.
    input = input.float() if isinstance(input, Tensor) and input._data.dtype not in REAL_FLOATING_MX else input
    other = other.float() if isinstance(other, Tensor) and other._data.dtype not in REAL_FLOATING_MX else other
    if not isinstance(input, Tensor):
        input = float(input)
    if not isinstance(other, Tensor):
        other = float(other)
    return fn.apply(input, other)


@register(method=True)
def logit(input: Tensor, eps: float | None = None) -> Tensor:
    """Elementwise log-odds :math:`\\log\\frac{x}{1 - x}`, the inverse of ``sigmoid``.

    Args:
        input: probabilities.
        eps: when given, ``x`` is clamped to ``[eps, 1 - eps]`` first (the gradient is 0 outside);
            when None (default), 0 and 1 give ``-inf`` and ``inf``, and values outside ``[0, 1]`` NaN.

    Raises:
        TypeError: ``eps`` is not a real number or None.

    Examples:
        >>> import lucid
        >>> lucid.logit(lucid.tensor([0.5, 0.0]), eps=None).tolist()
        [0.0, -inf]
        >>> round(lucid.logit(lucid.tensor(0.0), eps=1e-6).item(), 2)
        -13.82
    """
    if eps is not None:
        if isinstance(eps, bool) or not isinstance(eps, numbers.Real):
            raise TypeError(f"logit: eps must be a real number or None, got {type(eps).__name__}")
        eps = float(eps)
    return Logit.apply(_float_input(input, "logit"), eps)


@register(method=True)
def sinc(input: Tensor) -> Tensor:
    """Elementwise normalised sinc :math:`\\sin(\\pi x) / (\\pi x)`, 1 at 0 (gradient 0 there).

    Examples:
        >>> import lucid
        >>> [round(v, 6) for v in lucid.sinc(lucid.tensor([0.0, 0.5, 1.0])).tolist()]
        [1.0, 0.63662, -0.0]
    """
    return Sinc.apply(_float_input(input, "sinc"))


@register(method=True)
def i0(input: Tensor) -> Tensor:
    """Elementwise modified Bessel function of the first kind of order 0, :math:`I_0(x)`. Gradient: :math:`I_1`.

    Examples:
        >>> import lucid
        >>> [round(v, 6) for v in lucid.i0(lucid.tensor([0.0, 1.0])).tolist()]
        [1.0, 1.266066]
    """
    return I0.apply(_float_input(input, "i0"))


__all__ = export(__name__)
