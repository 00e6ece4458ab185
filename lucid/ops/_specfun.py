"""Kernels of the special functions on raw ``mx.array``s (float32 or float64 in, same dtype out).

Nothing here records a tape: the differentiable ``Function``s of
``lucid.ops.special`` and ``lucid.special`` call these in their forward and
backward rules. Every kernel is branch-free over values (``mx.where`` picks
between the regimes), so it stays lazy.

Methods (standard published ones; the coefficients are mathematical facts):

* ``lgamma``: Lanczos' approximation (g = 7, 9 terms, about 1e-15 relative, in
  float64; Numerical Recipes' g = 5, 6 terms, about 2e-10, in float32, where the
  longer sum would cancel), with the reflection formula below 1/2;
* ``digamma``: the recurrence up to ``x >= 10`` (float32: 6) and the asymptotic
  (Bernoulli) series, reflection below 1/2;
* Hurwitz ``zeta(s, q)``: the Euler-Maclaurin sum (12 direct terms, 12
  Bernoulli corrections), the method of Cephes' ``zeta``; ``polygamma(n, x)`` is
  :math:`(-1)^{n+1} n!\\,\\zeta(n + 1, x)`, with the reflection formula (written
  with polynomials in :math:`\\cot \\pi x`) below 1/2;
* ``i0``/``i1`` (and the scaled ``i0e``/``i1e``): the power series up to
  ``|x| = 20`` (all terms positive, no cancellation), the Hankel asymptotic
  expansion above;
* ``j0``/``j1``: the power series below ``|x| = 1``, Miller's backward
  recurrence (normalised by :math:`J_0 + 2\\sum J_{2k} = 1`) up to 25, the
  Hankel asymptotic expansion above;
* ``erfcx``: Numerical Recipes' Chebyshev-fitted ``erfc`` (fractional error
  below 1.2e-7 everywhere) rewritten without its ``exp(-x^2)`` factor, so it
  neither underflows nor overflows (float32); in float64, ``erf``/``erfc``/``erfcx``
  use the Maclaurin series below ``|x| = 2`` and Laplace's continued fraction
  above; ``ndtri``: a rational approximation (Acklam's form) as the start,
  refined by Halley steps on ``ndtr(x) = p`` (in float32 the central region is
  ``sqrt(2) erfinv(2p - 1)``).

MLX's float64 ``exp``, ``sin``, ``cos``, ``erf``, ``erfinv`` and ``sigmoid``
are only accurate to about 1e-7 relative (measured on the CPU, MLX 0.32), while
``log``, ``log1p``, ``expm1``, ``tan``, ``power`` and ``sqrt`` are exact; the
float64 paths below use only the exact ones (``exp`` as ``power(e, x)``,
``sin``/``cos`` through ``tan`` of the half angle). MLX's float32 ``exp`` is off
by up to 1e-6 relative for ``|x| < 20`` and 4e-6 beyond, so float32 uses a
range-reduced ``exp`` of its own (:func:`exp`).
"""

from __future__ import annotations

import math
from fractions import Fraction

import mlx.core as mx

__all__ = ["exp", "exp_sq", "sincos", "lgamma", "digamma", "polygamma", "zeta", "i0e", "i1e", "i0", "i1", "j0", "j1",
           "erf", "erfcx", "erfc", "ndtr", "log_ndtr", "ndtri"]

_PI = math.pi
_LOG_SQRT_2PI = 0.5 * math.log(2.0 * math.pi)
_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_SQRT1_2 = math.sqrt(0.5)
_INF = float("inf")
_NAN = float("nan")


def _is64(x: mx.array) -> bool:
    return x.dtype == mx.float64


# Cody and Waite's split of ln 2: the high part has 9 significant bits, so n * _LN2_HI is exact.
_LN2_HI = 0.693359375
_LN2_LO = -2.12194440e-4
_EXP_TAYLOR = tuple(1.0 / math.factorial(k) for k in range(7, -1, -1))


def _pow2(k: mx.array) -> mx.array:
    """``2 ** k`` for integer-valued float32 ``k`` in ``[-126, 127]``, built from its exponent bits."""
    return mx.view(mx.left_shift(k.astype(mx.int32) + 127, 23), mx.float32)


def _exp32(x: mx.array) -> mx.array:
    """``e ** x`` in float32 to about 1 ulp: ``2^n exp(r)``, ``|r| <= ln2 / 2``, ``exp(r)`` by its Taylor series."""
    xc = mx.clip(x, -104.0, 89.0)
    n = mx.round(xc * (1.0 / math.log(2.0)))
    r = (xc - n * _LN2_HI) - n * _LN2_LO
    p = 0.0
    for c in _EXP_TAYLOR:
        p = p * r + c
    half = mx.floor(0.5 * n)
    out = p * _pow2(half) * _pow2(n - half)
    return mx.where(mx.isnan(x), x, out)


def exp(x: mx.array) -> mx.array:
    """``e ** x`` to about 1 ulp (MLX's own ``exp`` is off by up to 4e-6 in float32 and 2e-7 in float64).

    float64 goes through ``power``, which MLX computes exactly; float32 through a range reduction.
    """
    return mx.power(math.e, x) if _is64(x) else _exp32(x)


def exp_sq(x: mx.array, scale: float) -> mx.array:
    """``exp(scale * x^2)`` without the rounding error of ``x^2`` (Cephes' ``expx2`` idea).

    ``x`` is split as ``xh + xl`` with ``xh`` on a coarse grid, so ``xh^2`` is exact; the rest,
    ``2 xh xl + xl^2``, is small and enters a second exponential. Plain ``exp(-x*x)`` in float32 is
    off by up to ``x^2 * 6e-8`` relative (8e-6 at ``x = 12``).
    """
    grid = 2.0 ** (20 if _is64(x) else 6)
    xh = mx.round(x * grid) / grid
    xl = x - xh
    return exp(scale * (xh * xh)) * exp(scale * (xl * (2.0 * xh + xl)))


def sincos(x: mx.array) -> tuple:
    """``(sin x, cos x)``; in float64 from ``tan(x / 2)``, which MLX computes exactly."""
    if not _is64(x):
        return mx.sin(x), mx.cos(x)
    t = mx.tan(0.5 * x)
    t2 = t * t
    d = 1.0 + t2
    # NOTE: at |tan| = inf (x an odd multiple of pi, never exactly representable) t2 would overflow.
    return 2.0 * t / d, (1.0 - t2) / d


def _cotpi(x: mx.array) -> mx.array:
    """``cot(pi x)``, reduced to ``r = x - round(x)`` in ``[-1/2, 1/2]``; ``inf`` at the integers.

    Near the half-integers it is ``tan(pi (1/2 - |r|))``, not ``1 / tan(pi r)``: the tangent's
    argument then stays away from its pole, where float32 rounding of ``pi r`` would be amplified.
    """
    r = x - mx.round(x)
    a = mx.abs(r)
    c = mx.where(a <= 0.25, 1.0 / mx.tan(_PI * a), mx.tan(_PI * (0.5 - a)))
    return mx.where(r == 0, _INF, mx.where(r < 0, -c, c))


def _sinpi_abs(x: mx.array) -> mx.array:
    """``|sin(pi x)|``, reduced to ``[-1/2, 1/2]`` first so it is 0 exactly at the integers."""
    s, _ = sincos(_PI * (x - mx.round(x)))
    return mx.abs(s)


# -- the gamma family --------------------------------------------------------------------

_LANCZOS7 = (0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313,
             -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6,
             1.5056327351493116e-7)
_LANCZOS5 = (1.000000000190015, 76.18009172947146, -86.50532032941677, 24.01409824083091,
             -1.231739572450155, 0.1208650973866179e-2, -0.5395239384953e-5)


def _lanczos_lgamma(x: mx.array) -> mx.array:
    """``lgamma(x)`` for ``x >= 1/2``."""
    if _is64(x):
        g, coef = 7.0, _LANCZOS7
    else:
        g, coef = 5.0, _LANCZOS5
    z = x - 1.0
    a = coef[0]
    for i in range(1, len(coef)):
        a = a + coef[i] / (z + i)
    t = z + g + 0.5
    return _LOG_SQRT_2PI + (z + 0.5) * mx.log(t) - t + mx.log(a)


def lgamma(x: mx.array) -> mx.array:
    """``log |Gamma(x)|``; ``inf`` at 0, the negative integers and ``±inf``."""
    refl = x < 0.5
    y = mx.where(refl, 1.0 - x, x)
    y = mx.where(mx.isinf(y), 1.0, y)
    main = _lanczos_lgamma(y)
    out = mx.where(refl, math.log(_PI) - mx.log(_sinpi_abs(x)) - main, main)
    return mx.where(mx.isinf(x), _INF, out)


def _bernoulli(count: int) -> list:
    """``B_2, B_4, ..., B_{2 count}`` as Fractions (the Akiyama-Tanigawa algorithm)."""
    n = 2 * count
    a = [Fraction(0)] * (n + 1)
    out = []
    for m in range(n + 1):
        a[m] = Fraction(1, m + 1)
        for j in range(m, 0, -1):
            a[j - 1] = j * (a[j - 1] - a[j])
        if m >= 2 and m % 2 == 0:
            out.append(a[0])
    return out


_B2K = _bernoulli(12)  # B_2 .. B_24
# digamma's asymptotic series: psi(z) ~ log z - 1/(2z) - sum_k B_2k / (2k z^2k).
_PSI_COEF = tuple(float(b / (2 * k)) for k, b in enumerate(_B2K[:7], start=1))
# Euler-Maclaurin's corrections for zeta: B_2k / (2k)!.
_EM_COEF = tuple(float(b / math.factorial(2 * k)) for k, b in enumerate(_B2K, start=1))


def digamma(x: mx.array) -> mx.array:
    """``psi(x) = d/dx lgamma(x)``; PyTorch's values at the poles: ``-inf`` at +0, ``inf`` at -0, NaN below."""
    shift = 10 if _is64(x) else 6
    refl = x < 0.5
    y = mx.where(refl, 1.0 - x, x)
    y = mx.where(mx.isinf(y), 1.0, y)
    acc = 0.0
    for k in range(shift):
        acc = acc + 1.0 / (y + k)
    z = y + shift
    zi2 = 1.0 / (z * z)
    series = 0.0
    for c in reversed(_PSI_COEF):
        series = (series + c) * zi2
    psi = mx.log(z) - 0.5 / z - series - acc
    out = mx.where(refl, psi - _PI * _cotpi(x), psi)
    out = mx.where(mx.logical_and(x < 0, x == mx.floor(x)), _NAN, out)
    out = mx.where(x == 0, mx.where(mx.reciprocal(x) > 0, -_INF, _INF), out)
    out = mx.where(x == _INF, _INF, out)
    return mx.where(x == -_INF, _NAN, out)


def zeta(s, q: mx.array) -> mx.array:
    """The Hurwitz zeta function ``sum_k (q + k) ** -s`` (``s`` an array or a number).

    Cephes' conventions: ``inf`` at ``s == 1`` and at non-positive integer ``q``; NaN for
    ``s < 1`` and for ``q < 0`` with a non-integer ``s``. Accurate for ``q >= -3``; NaN below
    (the fixed 12-term sum is too short there).
    """
    n_direct = 12
    dt = q.dtype
    s = s if isinstance(s, mx.array) else mx.array(s, dtype=dt)
    total = 0.0
    for k in range(n_direct):
        total = total + mx.power(q + k, -s)
    w = q + n_direct
    b = mx.power(w, -s)
    total = total + w * b / (s - 1.0) + 0.5 * b
    # Bernoulli corrections: B_2k/(2k)! * s (s+1) ... (s+2k-2) * w^(-s-2k+1).
    rising = s
    wp = b / w
    w2 = 1.0 / (w * w)
    for i, c in enumerate(_EM_COEF):
        if i:
            rising = rising * (s + (2 * i - 1)) * (s + 2 * i)
            wp = wp * w2
        total = total + c * rising * wp
    out = total
    nonpos_int = mx.logical_and(q <= 0, q == mx.floor(q))
    out = mx.where(q < -3, _NAN, out)
    out = mx.where(mx.logical_and(q < 0, s != mx.floor(s)), _NAN, out)
    out = mx.where(nonpos_int, _INF, out)
    out = mx.where(s < 1, _NAN, out)
    out = mx.where(s == 1, _INF, out)
    return mx.where(mx.logical_or(mx.isnan(s), mx.isnan(q)), _NAN, out)


def _cot_derivative_poly(n: int) -> list:
    """Coefficients (lowest first) of ``Q_n`` with ``d^n/dx^n cot(pi x) = pi^n Q_n(cot(pi x))``."""
    q = [0, 1]  # Q_0(c) = c
    for _ in range(n):
        d = [i * q[i] for i in range(1, len(q))]  # Q'
        # Q_{k+1} = -Q'(c) (1 + c^2)
        nxt = [0] * (len(d) + 2)
        for i, v in enumerate(d):
            nxt[i] -= v
            nxt[i + 2] -= v
        q = nxt
    return q


def polygamma(n: int, x: mx.array) -> mx.array:
    """The ``n``-th derivative of digamma (``n >= 1``), through the Hurwitz zeta function."""
    refl = x < 0.5
    y = mx.where(refl, 1.0 - x, x)
    sign = -1.0 if n % 2 == 0 else 1.0  # (-1)^(n+1)
    main = (sign * math.factorial(n)) * zeta(float(n + 1), mx.where(mx.isinf(y), 1.0, y))
    main = mx.where(mx.isinf(y), 0.0, main)
    # psi^(n)(x) = (-1)^n psi^(n)(1 - x) - pi^(n+1) Q_n(cot(pi x)); Q_n has one parity and
    # same-signed coefficients, so it is evaluated in c^2 (no inf - inf at the poles).
    c = _cotpi(x)
    coef = _cot_derivative_poly(n)
    c2 = c * c
    acc = None  # Horner's rule; no leading 0 * c2, which is NaN at the poles (c = inf)
    parity = n % 2 == 0  # Q_n is odd in c for even n
    for k in range(len(coef) - 1, -1, -1):
        if (k % 2 == 1) == parity:
            acc = mx.full(c.shape, float(coef[k]), dtype=c.dtype) if acc is None else acc * c2 + float(coef[k])
    poly = acc * c if parity else acc
    reflected = (1.0 if n % 2 == 0 else -1.0) * main - (_PI ** (n + 1)) * poly
    out = mx.where(refl, reflected, main)
    return mx.where(x == -_INF, _NAN, out)


# -- Bessel functions ----------------------------------------------------------------------

_I_SWITCH = 20.0
_I_SERIES_TERMS = 60
_HANKEL_TERMS = 22


def _hankel_scaled(ax: mx.array, nu: int) -> mx.array:
    """``I_nu(x) e^{-x}`` for large ``x``: ``(2 pi x)^{-1/2} sum_k (-1)^k a_k(nu) / x^k``."""
    mu = 4.0 * nu * nu
    term = mx.ones_like(ax)
    total = term
    for k in range(1, _HANKEL_TERMS):
        term = term * (-(mu - (2 * k - 1) ** 2)) / (8.0 * k * ax)
        total = total + term
    return total * mx.rsqrt(2.0 * _PI * ax)


def _i_series(ax: mx.array, nu: int) -> mx.array:
    """``I_nu(x) = sum_k (x/2)^(2k+nu) / (k! (k+nu)!)`` for ``x >= 0`` (all terms positive)."""
    q = 0.25 * ax * ax
    term = mx.ones_like(ax) if nu == 0 else 0.5 * ax
    total = term
    for k in range(1, _I_SERIES_TERMS):
        term = term * q / (k * (k + nu))
        total = total + term
    return total


def _i_scaled(x: mx.array, nu: int) -> mx.array:
    ax = mx.abs(x)
    small = ax <= _I_SWITCH
    series = _i_series(mx.minimum(ax, _I_SWITCH), nu) * exp(-mx.minimum(ax, _I_SWITCH))
    asym = _hankel_scaled(mx.maximum(ax, _I_SWITCH), nu)
    return _at_infinity_and_parity(mx.where(small, series, asym), x, ax, nu)


def _at_infinity_and_parity(out: mx.array, x: mx.array, ax: mx.array, nu: int) -> mx.array:
    """``out`` set to 0 where ``|x|`` is infinite (where both families decay) and, for order 1, made odd."""
    out = mx.where(mx.isinf(ax), 0.0, out)
    return out if nu == 0 else out * mx.sign(x)


def _fixed_order(family, nu: int, name: str, doc: str):
    """The one-argument kernel ``family(x, nu)``, named ``name``."""
    def kernel(x: mx.array) -> mx.array:
        return family(x, nu)

    kernel.__name__ = kernel.__qualname__ = name
    kernel.__doc__ = doc
    return kernel


i0e = _fixed_order(_i_scaled, 0, "i0e", "``exp(-|x|) I_0(x)``.")
i1e = _fixed_order(_i_scaled, 1, "i1e", "``exp(-|x|) I_1(x)`` (odd).")


def i0(x: mx.array) -> mx.array:
    """The modified Bessel function of the first kind, order 0."""
    ax = mx.abs(x)
    big = mx.where(mx.isinf(ax), _INF, i0e(x) * exp(ax))
    return mx.where(ax <= _I_SWITCH, _i_series(mx.minimum(ax, _I_SWITCH), 0), big)


def i1(x: mx.array) -> mx.array:
    """The modified Bessel function of the first kind, order 1 (odd)."""
    ax = mx.abs(x)
    small = _i_series(mx.minimum(ax, _I_SWITCH), 1) * mx.sign(x)
    big = mx.where(mx.isinf(ax), _INF * mx.sign(x), i1e(x) * exp(ax))
    return mx.where(ax <= _I_SWITCH, small, big)


_J_SERIES_SWITCH = 1.0
_J_ASYM_SWITCH = 25.0
_MILLER_START = 80
_RESCALE = 1e10


def _j_series(x: mx.array) -> tuple:
    """``(J_0, J_1)`` by their power series (for ``|x| <= 1``)."""
    q = -0.25 * x * x
    t0 = mx.ones_like(x)
    t1 = 0.5 * x
    j0, j1 = t0, t1
    for k in range(1, 12):
        t0 = t0 * q / (k * k)
        t1 = t1 * q / (k * (k + 1))
        j0, j1 = j0 + t0, j1 + t1
    return j0, j1


def _j_miller(x: mx.array) -> tuple:
    """``(J_0, J_1)`` by Miller's backward recurrence ``J_{k-1} = (2k/x) J_k - J_{k+1}`` (``1 <= x <= 25``)."""
    inv = 1.0 / x
    nxt = mx.zeros_like(x)  # J_{k+1}
    cur = mx.full(x.shape, 1e-30, dtype=x.dtype)  # J_k, k = start
    norm = mx.zeros_like(x)  # 2 * sum of the even-order values seen so far (k >= 2)
    j1 = mx.zeros_like(x)
    for k in range(_MILLER_START, 0, -1):
        if k % 2 == 0:
            norm = norm + 2.0 * cur
        prev = (2.0 * k) * inv * cur - nxt
        if k == 2:
            j1 = prev
        scale = mx.where(mx.abs(prev) > _RESCALE, 1.0 / _RESCALE, 1.0)
        prev, cur, norm, j1 = prev * scale, cur * scale, norm * scale, j1 * scale
        nxt, cur = cur, prev
    # cur is J_0 (unnormalised); norm holds 2 * sum_{k >= 1} J_{2k}.
    total = cur + norm
    return cur / total, j1 / total


def _j_hankel(x: mx.array, nu: int) -> mx.array:
    """``J_nu(x)`` for large positive ``x``: ``sqrt(2/(pi x)) (P cos chi - Q sin chi)``."""
    mu = 4.0 * nu * nu
    term = mx.ones_like(x)
    p, q = term, mx.zeros_like(x)
    for k in range(1, _HANKEL_TERMS):
        term = term * (mu - (2 * k - 1) ** 2) / (8.0 * k * x)
        # a_k / x^k enters P (even k) or Q (odd k) with the sign (-1)^(k // 2).
        signed = term if (k // 2) % 2 == 0 else -term
        if k % 2 == 0:
            p = p + signed
        else:
            q = q + signed
    s, c = sincos(x)
    if nu == 0:  # chi = x - pi/4
        cos_chi, sin_chi = (c + s) * _SQRT1_2, (s - c) * _SQRT1_2
    else:  # chi = x - 3 pi/4
        cos_chi, sin_chi = (s - c) * _SQRT1_2, -(s + c) * _SQRT1_2
    return _SQRT_2_OVER_PI * mx.rsqrt(x) * (p * cos_chi - q * sin_chi)


def _j(x: mx.array, nu: int) -> mx.array:
    ax = mx.abs(x)
    s0, s1 = _j_series(mx.minimum(ax, _J_SERIES_SWITCH))
    m0, m1 = _j_miller(mx.clip(ax, _J_SERIES_SWITCH, _J_ASYM_SWITCH))
    big = mx.maximum(ax, _J_ASYM_SWITCH)
    h = _j_hankel(mx.where(mx.isinf(big), _J_ASYM_SWITCH, big), nu)
    out = mx.where(ax <= _J_SERIES_SWITCH, s0 if nu == 0 else s1,
                   mx.where(ax <= _J_ASYM_SWITCH, m0 if nu == 0 else m1, h))
    return _at_infinity_and_parity(out, x, ax, nu)


j0 = _fixed_order(_j, 0, "j0", "The Bessel function of the first kind, order 0.")
j1 = _fixed_order(_j, 1, "j1", "The Bessel function of the first kind, order 1 (odd).")


# -- the error function family ---------------------------------------------------------------

_ERFC_NR = (-1.26551223, 1.00002368, 0.37409196, 0.09678418, -0.18628806, 0.27886807, -1.13520398,
            1.48851587, -0.82215223, 0.17087277)


def _erfcx_nonneg(ax: mx.array) -> mx.array:
    """``exp(x^2) erfc(x)`` for ``x >= 0``: ``t exp(P(t))`` with ``t = 1 / (1 + x/2)``."""
    t = 1.0 / (1.0 + 0.5 * ax)
    p = 0.0
    for c in reversed(_ERFC_NR):
        p = p * t + c
    return t * exp(p)


_ERF_SERIES_TERMS = 50
_ERF_SWITCH = 2.0
_ERFC_CF_DEPTH = 80
_INV_SQRT_PI = 1.0 / math.sqrt(math.pi)


def _erf_series(x: mx.array, terms: int = _ERF_SERIES_TERMS) -> mx.array:
    """``erf(x) = 2/sqrt(pi) sum_k (-1)^k x^(2k+1) / (k! (2k+1))`` (float64 up to ``|x| = 2``)."""
    q = -(x * x)
    term = x
    total = x
    for k in range(1, terms):
        term = term * q / k
        total = total + term / (2 * k + 1)
    return (2.0 * _INV_SQRT_PI) * total


def _erfcx_cf(x: mx.array) -> mx.array:
    """``erfcx(x) = 1/sqrt(pi) / (x + (1/2) / (x + 1 / (x + (3/2) / (x + ...))))`` (float64, ``x >= 2``)."""
    f = mx.zeros_like(x)
    for k in range(_ERFC_CF_DEPTH, 0, -1):
        f = (0.5 * k) / (x + f)
    return _INV_SQRT_PI / (x + f)


def erf(x: mx.array) -> mx.array:
    """The error function; in float64 by its series and continued fraction (MLX's is float32-accurate)."""
    if x.dtype in (mx.float16, mx.bfloat16):
        return erf(x.astype(mx.float32)).astype(x.dtype)
    if not _is64(x):
        # MLX's float32 erf loses relative accuracy near 0 (1.6e-4 at x = 1.5e-3): the series there.
        near = mx.abs(x) < 0.5
        return mx.where(near, _erf_series(mx.where(near, x, 0.0), 9), mx.erf(x))
    ax = mx.abs(x)
    small = ax < _ERF_SWITCH
    series = _erf_series(mx.where(small, x, 0.0))
    big = mx.maximum(ax, _ERF_SWITCH)
    tail = 1.0 - exp_sq(big, -1.0) * _erfcx_cf(mx.where(mx.isinf(big), _ERF_SWITCH, big))
    tail = mx.where(mx.isinf(big), 1.0, tail)
    return mx.where(small, series, mx.sign(x) * tail)


def _erfcx_nonneg_any(ax: mx.array) -> mx.array:
    """``erfcx`` for ``x >= 0`` at the dtype's accuracy."""
    if not _is64(ax):
        return _erfcx_nonneg(ax)
    small = ax < _ERF_SWITCH
    s = mx.where(small, ax, 0.0)
    near = exp_sq(s, 1.0) * (1.0 - _erf_series(s))
    far = _erfcx_cf(mx.maximum(ax, _ERF_SWITCH))
    return mx.where(small, near, far)


def erfcx(x: mx.array) -> mx.array:
    """The scaled complementary error function ``exp(x^2) erfc(x)``; ``2 exp(x^2) - erfcx(-x)`` below 0."""
    ax = mx.abs(x)
    pos = _erfcx_nonneg_any(mx.where(mx.isinf(ax), 1.0, ax))
    neg = 2.0 * exp_sq(x, 1.0) - pos
    out = mx.where(x >= 0, pos, neg)
    return mx.where(x == _INF, 0.0, mx.where(x == -_INF, _INF, out))


def erfc(x: mx.array) -> mx.array:
    """``1 - erf(x)``, keeping its relative accuracy in the upper tail."""
    ax = mx.abs(x)
    tail = exp_sq(x, -1.0) * _erfcx_nonneg_any(mx.where(mx.isinf(ax), 1.0, ax))
    tail = mx.where(mx.isinf(ax), 0.0, tail)
    return mx.where(x < 0.5, 1.0 - erf(x), tail)


def ndtr(x: mx.array) -> mx.array:
    """The standard normal CDF ``erfc(-x / sqrt 2) / 2``.

    The lower tail is ``exp(-x^2/2) erfcx(-x/sqrt 2) / 2`` with the exponent taken from ``x`` itself:
    squaring the rounded ``x / sqrt 2`` would cost ``x^2`` ulps of relative accuracy.
    """
    z = -_SQRT1_2 * x
    az = mx.abs(z)
    tail = 0.5 * exp_sq(x, -0.5) * _erfcx_nonneg_any(mx.where(mx.isinf(az), 1.0, az))
    tail = mx.where(mx.isinf(az), 0.0, tail)
    return mx.where(z < 0.5, 0.5 * (1.0 - erf(z)), tail)


def log_ndtr(x: mx.array) -> mx.array:
    """``log(ndtr(x))``: ``log(erfcx(-x/sqrt 2)/2) - x^2/2`` in the lower tail, ``log1p(-ndtr(-x))`` above."""
    ax = mx.abs(x)
    scaled = _erfcx_nonneg_any(mx.where(mx.isinf(ax), 1.0, ax) * _SQRT1_2)
    lower = mx.log(0.5 * scaled) - 0.5 * x * x
    upper = mx.log1p(-0.5 * erfc(_SQRT1_2 * x))
    return mx.where(x < -1.0, lower, upper)


_ACKLAM_A = (-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02, 1.383577518672690e+02,
             -3.066479806614716e+01, 2.506628277459239e+00)
_ACKLAM_B = (-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02, 6.680131188771972e+01,
             -1.328068155288572e+01)
_ACKLAM_C = (-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00, -2.549671010229297e+00,
             4.374664141464968e+00, 2.938163982698783e+00)
_ACKLAM_D = (7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00)
_ACKLAM_LOW = 0.02425


def _poly(coef, x):
    acc = 0.0
    for c in coef:
        acc = acc * x + c
    return acc


def ndtri(p: mx.array) -> mx.array:
    """The inverse of ``ndtr``: ``-inf`` at 0, ``inf`` at 1, NaN outside ``[0, 1]``."""
    tiny = 1e-300 if _is64(p) else 1e-38
    # Tails: q = sqrt(-2 log p) of the nearer tail.
    tail_p = mx.minimum(p, 1.0 - p)
    q = mx.sqrt(-2.0 * mx.log(mx.where(tail_p > 0, tail_p, tiny)))
    tail = _poly(_ACKLAM_C, q) / (_poly(_ACKLAM_D, q) * q + 1.0)
    tail = mx.where(p > 0.5, -tail, tail)
    r = p - 0.5
    r2 = r * r
    central = _poly(_ACKLAM_A, r2) * r / (_poly(_ACKLAM_B, r2) * r2 + 1.0)
    if not _is64(p):
        # float32: MLX's erfinv is accurate to 3e-7 relative here (measured); the rational form is not.
        central = math.sqrt(2.0) * mx.erfinv(2.0 * p - 1.0)
    x = mx.where(mx.logical_and(p >= _ACKLAM_LOW, p <= 1.0 - _ACKLAM_LOW), central, tail)
    # Halley steps on ndtr(x) = p, each written for its tail (erfc keeps relative accuracy there).
    # In float32 only the tails are refined: near p = 1/2 ndtr's rounding (6e-8) would move x more
    # than the approximation's own error.
    upper = p > 0.5
    refine = None if _is64(p) else mx.logical_or(p < _ACKLAM_LOW, p > 1.0 - _ACKLAM_LOW)
    for _ in range(2 if _is64(p) else 1):
        e = mx.where(upper, (1.0 - p) - 0.5 * erfc(_SQRT1_2 * x), ndtr(x) - p)
        u = e * math.sqrt(2.0 * math.pi) * exp(0.5 * x * x)
        step = u / (1.0 + 0.5 * x * u)
        x = x - (step if refine is None else mx.where(refine, step, 0.0))
    x = mx.where(p == 0, -_INF, mx.where(p == 1, _INF, x))
    return mx.where(mx.logical_or(p < 0, p > 1), _NAN, x)
