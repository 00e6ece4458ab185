"""Special functions (PyTorch's ``torch.special``), differentiable where PyTorch's are.

Where ``torch.special`` repeats a top-level function (``erf``, ``expit`` =
``sigmoid``, ``gammaln`` = ``lgamma``, ``psi`` = ``digamma``, ``i0``, ``xlogy``, ...) the name here is
the same function object as ``lucid.<name>``. Integer inputs are promoted to
float32; float16/bfloat16 are computed in float32 and returned in their own
dtype.

Accuracy (measured against SciPy on the CPU over wide random samples; see
``tests/special/test_special.py``): float32 results are within about 2e-6
relative of the exact values of their float32 inputs (Bessel ``J`` within 5e-7
absolute near its zeros); float64 results within about 1e-12 relative
(``lgamma``/``digamma`` near their zeros and ``bessel_j0/j1`` near theirs: 1e-13
absolute). ``erfinv`` in float64 is MLX's, accurate to about 5e-7.

Examples:
    >>> import lucid
    >>> x = lucid.tensor([0.5, 2.0])
    >>> [round(v, 6) for v in lucid.special.gammaln(x).tolist()]
    [0.572365, 0.0]
    >>> [round(v, 6) for v in lucid.special.ndtr(lucid.tensor([0.0, 1.0])).tolist()]
    [0.5, 0.841345]
"""

from __future__ import annotations

import math

import mlx.core as mx

from lucid._backend import checks, reductions
from lucid._tensor import Tensor
from lucid.ops._util import check_int
from lucid.ops.arithmetic import add
from lucid.ops.reduction import logsumexp
from lucid.ops.reduction import sum as _sum
from lucid.ops.special import (
    I1,
    J0,
    J1,
    Entr,
    Erfcx,
    I0e,
    I1e,
    LogNdtr,
    Ndtr,
    Ndtri,
    Xlog1py,
    Zeta,
    _binary,
    _float_input,
    digamma,
    erfc,
    i0,
    lgamma,
    logit,
    polygamma,
    sinc,
    xlogy,
)
from lucid.ops.unary import erf, erfinv, exp2, expm1, log1p, sigmoid

__all__ = [
    "erf", "erfc", "erfcx", "erfinv", "expit", "logit", "exp2", "expm1", "log1p",
    "gammaln", "digamma", "psi", "polygamma", "multigammaln",
    "i0", "i0e", "i1", "i1e", "bessel_j0", "bessel_j1",
    "ndtr", "ndtri", "log_ndtr", "xlogy", "xlog1py", "sinc", "entr", "zeta",
    "softmax", "log_softmax", "logsumexp", "round",
]

expit = sigmoid
gammaln = lgamma
psi = digamma
# logsumexp and round are lucid.logsumexp and lucid.round (torch.special repeats them too).


def __getattr__(name: str):
    # ``round`` is served here rather than bound as a global, so the builtin stays ``round`` in this module
    # (its doctests round floats with it).
    if name == "round":
        from lucid.ops.unary import round as lucid_round

        return lucid_round
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def erfcx(input: Tensor) -> Tensor:
    """The scaled complementary error function :math:`e^{x^2} \\operatorname{erfc}(x)`.

    Finite where ``erfc`` underflows (large ``x``); overflows to ``inf`` for ``x`` below about -9 (float32)
    or -26 (float64). Gradient: :math:`2x\\,\\mathrm{erfcx}(x) - 2/\\sqrt\\pi`.

    Examples:
        >>> import lucid
        >>> [round(v, 6) for v in lucid.special.erfcx(lucid.tensor([0.0, 30.0])).tolist()]
        [1.0, 0.018796]
    """
    return Erfcx.apply(_float_input(input, "erfcx"))


def ndtr(input: Tensor) -> Tensor:
    """The standard normal CDF :math:`\\Phi(x) = \\frac12 \\operatorname{erfc}(-x/\\sqrt2)`; gradient: the pdf.

    Examples:
        >>> import lucid
        >>> print(f"{lucid.special.ndtr(lucid.tensor(-6.0)).item():.5e}")
        9.86588e-10
    """
    return Ndtr.apply(_float_input(input, "ndtr"))


def ndtri(input: Tensor) -> Tensor:
    """The inverse of :func:`ndtr` (the standard normal quantile); ``-inf`` at 0, ``inf`` at 1, NaN outside.

    Gradient: :math:`\\sqrt{2\\pi}\\, e^{y^2/2}` with ``y = ndtri(p)``.

    Examples:
        >>> import lucid
        >>> [round(v, 6) for v in lucid.special.ndtri(lucid.tensor([0.5, 0.975])).tolist()]
        [0.0, 1.959964]
    """
    return Ndtri.apply(_float_input(input, "ndtri"))


def log_ndtr(input: Tensor) -> Tensor:
    """:math:`\\log \\Phi(x)`, accurate in both tails (no underflow for very negative ``x``).

    Gradient: :math:`\\varphi(x) / \\Phi(x)`, computed as :math:`\\sqrt{2/\\pi} / \\mathrm{erfcx}(-x/\\sqrt2)`.

    Examples:
        >>> import lucid
        >>> round(lucid.special.log_ndtr(lucid.tensor(-20.0)).item(), 3)
        -203.917
    """
    return LogNdtr.apply(_float_input(input, "log_ndtr"))


def xlog1py(input, other) -> Tensor:
    """Elementwise :math:`x \\log(1 + y)`, with 0 where ``x == 0``, broadcasting (NaN where ``y`` is NaN).

    Gradients: :math:`\\log(1 + y)` for ``x`` (0 where ``x == 0``), :math:`x / (1 + y)` for ``y``.

    Examples:
        >>> import lucid
        >>> lucid.special.xlog1py(lucid.tensor([0.0, 2.0]), lucid.tensor([-1.0, 0.0])).tolist()
        [0.0, 0.0]
    """
    return _binary("xlog1py", Xlog1py, input, other)


def entr(input: Tensor) -> Tensor:
    """Elementwise entropy term: :math:`-x \\ln x` for ``x > 0``, 0 at 0, ``-inf`` below 0.

    Gradient: :math:`-(1 + \\ln x)` (``inf`` at 0, NaN below), as in PyTorch.

    Examples:
        >>> import lucid
        >>> [round(v, 6) for v in lucid.special.entr(lucid.tensor([0.0, 0.5, -1.0])).tolist()]
        [0.0, 0.346574, -inf]
    """
    return Entr.apply(_float_input(input, "entr"))


def i0e(input: Tensor) -> Tensor:
    """The exponentially scaled Bessel function :math:`e^{-|x|} I_0(x)` (no overflow).

    Gradient: :math:`\\mathrm{i1e}(x) - \\operatorname{sign}(x)\\,\\mathrm{i0e}(x)`.

    Examples:
        >>> import lucid
        >>> round(lucid.special.i0e(lucid.tensor(100.0)).item(), 6)
        0.039944
    """
    return I0e.apply(_float_input(input, "i0e"))


def i1(input: Tensor) -> Tensor:
    """The modified Bessel function of the first kind of order 1, :math:`I_1(x)` (odd).

    Gradient: :math:`I_0(x) - I_1(x)/x` (1/2 at 0).

    Examples:
        >>> import lucid
        >>> round(lucid.special.i1(lucid.tensor(1.0)).item(), 6)
        0.565159
    """
    return I1.apply(_float_input(input, "i1"))


def i1e(input: Tensor) -> Tensor:
    """The exponentially scaled :math:`e^{-|x|} I_1(x)`.

    Gradient: :math:`\\mathrm{i0e}(x) - \\mathrm{i1e}(x)\\,(\\operatorname{sign}(x) + 1/x)` (1/2 at 0).

    Examples:
        >>> import lucid
        >>> round(lucid.special.i1e(lucid.tensor(1.0)).item(), 6)
        0.20791
    """
    return I1e.apply(_float_input(input, "i1e"))


def bessel_j0(input: Tensor) -> Tensor:
    """The Bessel function of the first kind of order 0, :math:`J_0(x)`. Gradient: :math:`-J_1(x)`.

    Examples:
        >>> import lucid
        >>> [round(v, 6) for v in lucid.special.bessel_j0(lucid.tensor([0.0, 1.0])).tolist()]
        [1.0, 0.765198]
    """
    return J0.apply(_float_input(input, "bessel_j0"))


def bessel_j1(input: Tensor) -> Tensor:
    """The Bessel function of the first kind of order 1, :math:`J_1(x)` (odd).

    Gradient: :math:`J_0(x) - J_1(x)/x` (1/2 at 0).

    Examples:
        >>> import lucid
        >>> round(lucid.special.bessel_j1(lucid.tensor(1.0)).item(), 6)
        0.440051
    """
    return J1.apply(_float_input(input, "bessel_j1"))


def zeta(input, other) -> Tensor:
    """The Hurwitz zeta function :math:`\\zeta(x, q) = \\sum_{k \\ge 0} (q + k)^{-x}`, broadcasting.

    ``input`` is ``x``, ``other`` is ``q`` (either may be a number); ``zeta(x, 1)`` is Riemann's zeta.
    ``inf`` at ``x == 1`` and at non-positive integer ``q``; NaN for ``x < 1``, for ``q < 0`` with a
    non-integer ``x``, and (a limit of the fixed-length method) for ``q < -3``.

    Gradient: with respect to ``q``, :math:`-x\\,\\zeta(x + 1, q)`; with respect to ``x`` there is none (as in
    PyTorch): a backward that needs it raises ``NotImplementedError``.

    Examples:
        >>> import lucid, math
        >>> round(lucid.special.zeta(lucid.tensor(2.0), 1.0).item(), 6) == round(math.pi ** 2 / 6, 6)
        True
    """
    return _binary("zeta", Zeta, input, other)


def multigammaln(input: Tensor, p: int) -> Tensor:
    """The multivariate log-gamma function of dimension ``p``.

    :math:`\\ln\\Gamma_p(a) = \\frac{p(p-1)}{4}\\ln\\pi + \\sum_{j=0}^{p-1} \\ln\\Gamma(a - j/2)`, differentiable.

    Args:
        input: ``a``; every element must exceed ``(p - 1) / 2``. As in PyTorch this is an error, found
            lazily: it is raised (``ValueError``) at the next sync point (``item``, ``numpy``, ``lucid.eval``, ...).
        p: the dimension, an int ``>= 1``.

    Raises:
        TypeError: ``p`` is not an int.
        ValueError: ``p < 1``.

    Examples:
        >>> import lucid
        >>> round(lucid.special.multigammaln(lucid.tensor(2.5), 3).item(), 6)
        1.880996
    """
    p = check_int(p, "p", "multigammaln")
    if p < 1:
        raise ValueError(f"multigammaln: p must be at least 1, got {p}")
    a = _float_input(input, "multigammaln")
    bound = (p - 1) / 2.0
    data = a._data
    checks.defer(reductions.any(data <= bound),
                 lambda: ValueError(f"multigammaln: all elements must be greater than (p - 1) / 2 = {bound}"))
    offsets = Tensor._make(mx.array([j / 2.0 for j in range(p)], dtype=data.dtype), a.device)
    terms = lgamma(a.unsqueeze(-1) - offsets)
    return add(_sum(terms, dim=-1), p * (p - 1) / 4.0 * math.log(math.pi))


def _softmax_dim(dim, axis, op):
    if dim is not None and axis is not None:
        raise TypeError(f"{op}: pass either dim= or axis=, not both")
    d = dim if dim is not None else axis
    if d is None:
        raise TypeError(f"{op}: missing the required argument dim (or its NumPy spelling axis)")
    return d


def softmax(input: Tensor, dim: int | None = None, dtype=None, *, axis: int | None = None) -> Tensor:
    """``exp(x) / sum(exp(x))`` along ``dim`` (required, as in ``torch.special.softmax``).

    The same computation as :func:`lucid.nn.functional.softmax`.

    Args:
        input: any shape.
        dim: the dim to normalise; ``axis`` is the NumPy spelling.
        dtype: cast the input to this dtype first.

    Examples:
        >>> import lucid
        >>> lucid.special.softmax(lucid.tensor([0.0, 0.0]), dim=0).tolist()
        [0.5, 0.5]
    """
    from lucid.nn.functional import softmax as _softmax  # nn sits above this package: import late

    return _softmax(input, _softmax_dim(dim, axis, "softmax"), dtype)


def log_softmax(input: Tensor, dim: int | None = None, dtype=None, *, axis: int | None = None) -> Tensor:
    """``x - logsumexp(x)`` along ``dim`` (required, as in ``torch.special.log_softmax``).

    Examples:
        >>> import lucid
        >>> [round(v, 4) for v in lucid.special.log_softmax(lucid.tensor([0.0, 0.0]), dim=0).tolist()]
        [-0.6931, -0.6931]
    """
    from lucid.nn.functional import log_softmax as _log_softmax

    return _log_softmax(input, _softmax_dim(dim, axis, "log_softmax"), dtype)

