"""Discrete Fourier transforms (PyTorch's ``torch.fft``), differentiable, on ``mx.fft``.

Names, arguments and conventions follow ``torch.fft``: ``n``/``s`` pad with
zeros or crop the input along the transformed dims; ``dim`` (or NumPy's
``axis``) picks them; ``norm`` is ``"backward"`` (the default: no scaling
forward, ``1/n`` on the inverse), ``"ortho"`` (``1/sqrt(n)`` both ways) or
``"forward"`` (``1/n`` forward, none on the inverse).

Dtypes: MLX's one complex dtype is ``complex64``, so every transform computes
in single precision: complex outputs are ``complex64`` and real outputs
``float32`` whatever the input's precision. A float64 input is accepted but
transformed in complex64 (PyTorch would give complex128): expect about 1e-7
relative accuracy, not 1e-16. Integer and bool inputs are promoted to float32
first, as in PyTorch. Gradients flow to the input in its own dtype.

Gradients follow PyTorch's convention for complex tensors: the gradient of a
real loss with respect to ``z = x + iy`` is ``dL/dx + i dL/dy``.

Examples:
    >>> import lucid
    >>> X = lucid.fft.fft(lucid.tensor([1.0, 2.0, 3.0, 4.0]))
    >>> X.tolist()
    [(10+0j), (-2+2j), (-2+0j), (-2-2j)]
    >>> lucid.fft.ifft(X).real.tolist()
    [1.0, 2.0, 3.0, 4.0]
"""

from __future__ import annotations

import numbers

import mlx.core as mx

from lucid._backend.dtypes import REAL_FLOATING_MX, to_mx_dtype
from lucid._tensor import Tensor
from lucid.fft._transforms import c2c, c2r, check_size, dual_norm, r2c
from lucid.ops._util import new_tensor, normalize_dims, reduce_axis_arg, to_tensor

__all__ = [
    "fft", "ifft", "rfft", "irfft", "hfft", "ihfft",
    "fft2", "ifft2", "rfft2", "irfft2",
    "fftn", "ifftn", "rfftn", "irfftn",
    "fftfreq", "rfftfreq", "fftshift", "ifftshift",
]


def _one(n, dim, axis, op):
    """``(s, dims)`` of a one-dimensional transform."""
    d = reduce_axis_arg(axis, dim, op, -1)
    return (None if n is None else (check_size(n, op, "n"),)), (d,)


def _dims(dim, axis, op, default):
    return reduce_axis_arg(axis, dim, op, default)


# -- one-dimensional --------------------------------------------------------------------

def fft(input: Tensor, n: int | None = None, dim: int | None = None, norm: str | None = None, *,
        axis: int | None = None) -> Tensor:
    """The one-dimensional discrete Fourier transform of ``input`` along ``dim``.

    :math:`X_k = c \\sum_{t=0}^{n-1} x_t e^{-2\\pi i k t / n}` with :math:`c` set by ``norm``.

    Args:
        input: a real or complex tensor (integers are promoted to float32).
        n: the signal length: the input is zero-padded or cropped to ``n`` along ``dim``
            (default: its size there).
        dim: the dim to transform (default -1); ``axis`` is the NumPy spelling.
        norm: ``"backward"`` (default, :math:`c = 1`), ``"ortho"`` (:math:`1/\\sqrt n`) or
            ``"forward"`` (:math:`1/n`).

    Returns:
        Tensor: complex64, the shape of ``input`` with ``n`` along ``dim``.

    Raises:
        ValueError: ``norm`` is not one of the three names, ``n < 1``, or ``dim`` is out of range.

    Examples:
        >>> import lucid
        >>> lucid.fft.fft(lucid.tensor([1.0, 0.0, 0.0, 0.0])).tolist()
        [(1+0j), (1+0j), (1+0j), (1+0j)]
        >>> lucid.fft.fft(lucid.tensor([1.0, 1.0]), n=4, norm="forward").tolist()
        [(0.5+0j), (0.25-0.25j), 0j, (0.25+0.25j)]
    """
    s, dims = _one(n, dim, axis, "fft")
    return c2c(input, s, dims, norm, "fft", False)


def ifft(input: Tensor, n: int | None = None, dim: int | None = None, norm: str | None = None, *,
         axis: int | None = None) -> Tensor:
    """The one-dimensional inverse discrete Fourier transform (the inverse of :func:`fft` under the same ``norm``).

    :math:`x_t = c \\sum_k X_k e^{2\\pi i k t / n}`, :math:`c = 1/n` for ``"backward"`` (default),
    :math:`1/\\sqrt n` for ``"ortho"``, 1 for ``"forward"``. Arguments as in :func:`fft`.

    Returns:
        Tensor: complex64, the shape of ``input`` with ``n`` along ``dim``.

    Examples:
        >>> import lucid
        >>> lucid.fft.ifft(lucid.tensor([4.0, 0.0, 0.0, 0.0])).tolist()
        [(1+0j), (1+0j), (1+0j), (1+0j)]
    """
    s, dims = _one(n, dim, axis, "ifft")
    return c2c(input, s, dims, norm, "ifft", True)


def rfft(input: Tensor, n: int | None = None, dim: int | None = None, norm: str | None = None, *,
         axis: int | None = None) -> Tensor:
    """The Fourier transform of a real signal: the ``n // 2 + 1`` non-negative frequencies of :func:`fft`.

    The others are redundant for a real input (:math:`X_{n-k} = \\overline{X_k}`). Arguments as in :func:`fft`.

    Returns:
        Tensor: complex64, the shape of ``input`` with ``n // 2 + 1`` along ``dim``.

    Raises:
        TypeError: ``input`` is complex.

    Examples:
        >>> import lucid
        >>> lucid.fft.rfft(lucid.tensor([1.0, 2.0, 3.0, 4.0])).tolist()
        [(10+0j), (-2+2j), (-2+0j)]
    """
    s, dims = _one(n, dim, axis, "rfft")
    return r2c(input, s, dims, norm, "rfft")


def irfft(input: Tensor, n: int | None = None, dim: int | None = None, norm: str | None = None, *,
          axis: int | None = None) -> Tensor:
    """The inverse of :func:`rfft`: a real signal of length ``n`` from its non-negative frequencies.

    The imaginary parts of the zero-frequency bin (and of the Nyquist bin when ``n`` is even) are
    ignored, as in PyTorch; so are they in the gradient.

    Args:
        input: the half spectrum (a real input is treated as complex with zero imaginary part).
        n: the output length (default ``2 * (m - 1)`` for ``m`` input bins); the input is
            cropped or zero-padded to ``n // 2 + 1`` bins.
        dim: the dim to transform (default -1); ``axis`` is the NumPy spelling.
        norm: as in :func:`ifft` (``"backward"``, the default, scales by :math:`1/n`).

    Returns:
        Tensor: float32, the shape of ``input`` with ``n`` along ``dim``.

    Examples:
        >>> import lucid
        >>> X = lucid.fft.rfft(lucid.tensor([1.0, 2.0, 3.0]))
        >>> [round(v, 4) for v in lucid.fft.irfft(X, n=3).tolist()]
        [1.0, 2.0, 3.0]
    """
    s, dims = _one(n, dim, axis, "irfft")
    return c2r(input, s, dims, norm, "irfft")


def hfft(input: Tensor, n: int | None = None, dim: int | None = None, norm: str | None = None, *,
         axis: int | None = None) -> Tensor:
    """The FFT of a signal with Hermitian symmetry, given by its first half: a real spectrum of length ``n``.

    The same as :func:`irfft` of the conjugate with the opposite normalisation
    (``"backward"``, the default, does not scale). Arguments as in :func:`irfft`.

    Returns:
        Tensor: float32, the shape of ``input`` with ``n`` (default ``2 * (m - 1)``) along ``dim``.

    Examples:
        >>> import lucid
        >>> lucid.fft.hfft(lucid.tensor([1.0, 2.0, 3.0])).tolist()
        [8.0, -2.0, 0.0, -2.0]
    """
    from lucid.ops.complex import conj

    s, dims = _one(n, dim, axis, "hfft")
    x = input if isinstance(input, Tensor) else to_tensor(input, "hfft")
    return c2r(conj(x), s, dims, dual_norm(norm, "hfft"), "hfft")


def ihfft(input: Tensor, n: int | None = None, dim: int | None = None, norm: str | None = None, *,
          axis: int | None = None) -> Tensor:
    """The inverse of :func:`hfft`: the first ``n // 2 + 1`` bins of the inverse FFT of a real signal.

    The conjugate of :func:`rfft` with the opposite normalisation (``"backward"``, the default,
    scales by :math:`1/n`). Arguments as in :func:`rfft`.

    Returns:
        Tensor: complex64, the shape of ``input`` with ``n // 2 + 1`` along ``dim``.

    Examples:
        >>> import lucid
        >>> lucid.fft.ihfft(lucid.tensor([8.0, -2.0, 0.0, -2.0])).real.tolist()
        [1.0, 2.0, 3.0]
    """
    from lucid.ops.complex import conj

    s, dims = _one(n, dim, axis, "ihfft")
    return conj(r2c(input, s, dims, dual_norm(norm, "ihfft"), "ihfft"))


# -- two- and n-dimensional ---------------------------------------------------------------

def fft2(input: Tensor, s=None, dim=(-2, -1), norm: str | None = None, *, axis=None) -> Tensor:
    """The two-dimensional discrete Fourier transform (:func:`fftn` over the last two dims by default).

    Examples:
        >>> import lucid
        >>> lucid.fft.fft2(lucid.ones(2, 2)).tolist()
        [[(4+0j), 0j], [0j, 0j]]
    """
    return c2c(input, s, _dims(dim, axis, "fft2", (-2, -1)), norm, "fft2", False)


def ifft2(input: Tensor, s=None, dim=(-2, -1), norm: str | None = None, *, axis=None) -> Tensor:
    """The two-dimensional inverse discrete Fourier transform (:func:`ifftn` over the last two dims by default).

    Examples:
        >>> import lucid
        >>> lucid.fft.ifft2(lucid.tensor([[4.0, 0.0], [0.0, 0.0]])).real.tolist()
        [[1.0, 1.0], [1.0, 1.0]]
    """
    return c2c(input, s, _dims(dim, axis, "ifft2", (-2, -1)), norm, "ifft2", True)


def rfft2(input: Tensor, s=None, dim=(-2, -1), norm: str | None = None, *, axis=None) -> Tensor:
    """The two-dimensional FFT of a real input, halved along the last of ``dim`` (:func:`rfftn`).

    Examples:
        >>> import lucid
        >>> lucid.fft.rfft2(lucid.ones(2, 4)).shape
        (2, 3)
    """
    return r2c(input, s, _dims(dim, axis, "rfft2", (-2, -1)), norm, "rfft2")


def irfft2(input: Tensor, s=None, dim=(-2, -1), norm: str | None = None, *, axis=None) -> Tensor:
    """The inverse of :func:`rfft2` (:func:`irfftn` over the last two dims by default).

    Examples:
        >>> import lucid
        >>> x = lucid.tensor([[1.0, 2.0, 3.0, 4.0], [5.0, 6.0, 7.0, 8.0]])
        >>> lucid.fft.irfft2(lucid.fft.rfft2(x)).tolist()
        [[1.0, 2.0, 3.0, 4.0], [5.0, 6.0, 7.0, 8.0]]
    """
    return c2r(input, s, _dims(dim, axis, "irfft2", (-2, -1)), norm, "irfft2")


def fftn(input: Tensor, s=None, dim=None, norm: str | None = None, *, axis=None) -> Tensor:
    """The n-dimensional discrete Fourier transform over ``dim``.

    Args:
        input: a real or complex tensor.
        s: the signal size along each transformed dim (``-1`` keeps the input's size); the input
            is zero-padded or cropped to it.
        dim: the dims to transform: all by default, or the last ``len(s)`` when only ``s`` is given.
            ``axis`` is the NumPy spelling.
        norm: ``"backward"`` (default), ``"ortho"`` or ``"forward"``, over the product of the sizes.

    Returns:
        Tensor: complex64.

    Raises:
        ValueError: a bad ``norm``, sizes below 1, repeated or out-of-range dims, or ``s`` and
            ``dim`` of different lengths.

    Examples:
        >>> import lucid
        >>> lucid.fft.fftn(lucid.ones(2, 2, 2), norm="forward")[0, 0, 0].item()
        (1+0j)
    """
    return c2c(input, s, _dims(dim, axis, "fftn", None), norm, "fftn", False)


def ifftn(input: Tensor, s=None, dim=None, norm: str | None = None, *, axis=None) -> Tensor:
    """The n-dimensional inverse discrete Fourier transform over ``dim`` (arguments as in :func:`fftn`).

    Examples:
        >>> import lucid
        >>> x = lucid.tensor([[1.0, 2.0], [3.0, 4.0]])
        >>> lucid.fft.ifftn(lucid.fft.fftn(x)).real.tolist()
        [[1.0, 2.0], [3.0, 4.0]]
    """
    return c2c(input, s, _dims(dim, axis, "ifftn", None), norm, "ifftn", True)


def rfftn(input: Tensor, s=None, dim=None, norm: str | None = None, *, axis=None) -> Tensor:
    """The n-dimensional FFT of a real input, keeping ``s[-1] // 2 + 1`` bins along the last of ``dim``.

    Arguments as in :func:`fftn`.

    Raises:
        TypeError: ``input`` is complex.

    Examples:
        >>> import lucid
        >>> lucid.fft.rfftn(lucid.ones(2, 3, 4)).shape
        (2, 3, 3)
    """
    return r2c(input, s, _dims(dim, axis, "rfftn", None), norm, "rfftn")


def irfftn(input: Tensor, s=None, dim=None, norm: str | None = None, *, axis=None) -> Tensor:
    """The inverse of :func:`rfftn`: a real tensor of sizes ``s`` from its half spectrum.

    The last of ``dim`` holds ``m`` bins; its output length defaults to ``2 * (m - 1)``.

    Returns:
        Tensor: float32.

    Examples:
        >>> import lucid
        >>> x = lucid.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
        >>> y = lucid.fft.irfftn(lucid.fft.rfftn(x), s=x.shape)
        >>> [[round(v, 4) for v in row] for row in y.tolist()]
        [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]
    """
    return c2r(input, s, _dims(dim, axis, "irfftn", None), norm, "irfftn")


# -- frequencies and shifts -----------------------------------------------------------------

def _freq_args(n, d, op):
    if isinstance(n, bool) or not isinstance(n, numbers.Integral):
        raise TypeError(f"{op}: n must be an int, got {n!r} ({type(n).__name__})")
    if n < 1:
        raise ValueError(f"{op}: n must be positive, got {n}")
    if isinstance(d, bool) or not isinstance(d, numbers.Real):
        raise TypeError(f"{op}: d must be a real number, got {d!r} ({type(d).__name__})")
    if d == 0:
        raise ValueError(f"{op}: the sample spacing d must be nonzero")
    return int(n), float(d)


def _freq_tensor(values: mx.array, dtype, device, requires_grad: bool, op: str) -> Tensor:
    dt = mx.float32 if dtype is None else to_mx_dtype(dtype)
    if dt not in REAL_FLOATING_MX:
        raise TypeError(f"{op}: dtype must be a floating-point dtype, got {dtype}")
    return new_tensor(values.astype(dt), device, requires_grad)


def fftfreq(n: int, d: float = 1.0, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """The sample frequencies of an ``n``-point :func:`fft` with sample spacing ``d``.

    ``[0, 1, ..., (n - 1) // 2, -(n // 2), ..., -1] / (d * n)``.

    Args:
        n: the signal length.
        d: the sample spacing (the inverse of the sampling rate), default 1.
        dtype: a floating-point dtype (default float32).
        device: ``"cpu"`` or ``"gpu"`` (default: the default device).
        requires_grad: make the result a leaf that requires grad.

    Raises:
        TypeError: ``n`` is not an int, or ``dtype`` is not floating point.
        ValueError: ``n < 1`` or ``d == 0``.

    Examples:
        >>> import lucid
        >>> lucid.fft.fftfreq(5).tolist()
        [0.0, 0.20000000298023224, 0.4000000059604645, -0.4000000059604645, -0.20000000298023224]
        >>> lucid.fft.fftfreq(4, d=0.5).tolist()
        [0.0, 0.5, -1.0, -0.5]
    """
    n, d = _freq_args(n, d, "fftfreq")
    k = mx.arange(n, dtype=mx.float64 if dtype is not None and to_mx_dtype(dtype) == mx.float64 else mx.float32)
    k = mx.where(k < (n + 1) // 2, k, k - n)
    return _freq_tensor(k / (d * n), dtype, device, requires_grad, "fftfreq")


def rfftfreq(n: int, d: float = 1.0, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """The sample frequencies of an ``n``-point :func:`rfft`: ``[0, 1, ..., n // 2] / (d * n)``.

    Arguments as in :func:`fftfreq`.

    Examples:
        >>> import lucid
        >>> lucid.fft.rfftfreq(4).tolist()
        [0.0, 0.25, 0.5]
    """
    n, d = _freq_args(n, d, "rfftfreq")
    k = mx.arange(n // 2 + 1, dtype=mx.float64 if dtype is not None and to_mx_dtype(dtype) == mx.float64
                  else mx.float32)
    return _freq_tensor(k / (d * n), dtype, device, requires_grad, "rfftfreq")


def _shift(input, dim, axis, op, sign):
    from lucid.ops.rearrange import roll

    x = input if isinstance(input, Tensor) else to_tensor(input, op)
    d = reduce_axis_arg(axis, dim, op)
    if x.ndim == 0:
        return x
    dims = tuple(range(x.ndim)) if d is None else normalize_dims(d, x.ndim, op)
    if not dims:
        return x
    return roll(x, tuple(sign * (x.shape[a] // 2) for a in dims), dims)


def fftshift(input: Tensor, dim=None, *, axis=None) -> Tensor:
    """Move the zero frequency to the centre: roll each of ``dim`` (default all) by ``size // 2``.

    Examples:
        >>> import lucid
        >>> lucid.fft.fftshift(lucid.fft.fftfreq(4)).tolist()
        [-0.5, -0.25, 0.0, 0.25]
    """
    return _shift(input, dim, axis, "fftshift", 1)


def ifftshift(input: Tensor, dim=None, *, axis=None) -> Tensor:
    """The inverse of :func:`fftshift` (roll by ``-(size // 2)``; they differ for odd sizes).

    Examples:
        >>> import lucid
        >>> x = lucid.fft.fftfreq(5)
        >>> lucid.fft.ifftshift(lucid.fft.fftshift(x)).tolist() == x.tolist()
        True
    """
    return _shift(input, dim, axis, "ifftshift", -1)
