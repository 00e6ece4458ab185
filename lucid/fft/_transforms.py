"""The discrete Fourier transforms as three differentiable primitives over ``mx.fft``.

Every public transform is one of three kinds, each one ``Function``:

* ``c2c`` (``fft``, ``ifft``, ``fftn``, ...): complex in, complex out;
* ``r2c`` (``rfft``, ``rfftn``): real in, the non-negative-frequency half out;
* ``c2r`` (``irfft``, ``irfftn``): that half in, real out.

A transform is linear, so its backward is its adjoint. Gradients follow
PyTorch's convention for complex tensors (``lucid.ops.complex``): for
``y = A x`` the input's gradient is :math:`A^H g` (its real part for a real
input). With ``norm`` scaling :math:`c` the adjoint of an FFT is the inverse
FFT with the *dual* norm ("backward" <-> "forward", "ortho" stays), which has
the same scale :math:`c` and no other. Padding (``n`` larger than the input)
and cropping are adjoint to each other, so the gradient is cropped or padded
back. ``c2r`` reads each non-redundant bin once but it stands for two bins of
the full spectrum, so its adjoint weights those bins by 2 (all but the zero
and, for even ``n``, the Nyquist bin).
"""

from __future__ import annotations

import numbers

import mlx.core as mx

from lucid._backend.dtypes import INTEGER_MX
from lucid._tensor import Tensor
from lucid.autograd.function import Function
from lucid.ops._util import normalize_dims, to_tensor

_NORMS = ("backward", "ortho", "forward")
_DUAL = {"backward": "forward", "forward": "backward", "ortho": "ortho"}


def _fit(a: mx.array, axes: tuple, sizes: tuple) -> mx.array:
    """Crop or zero-pad ``a`` along ``axes`` to ``sizes`` (the adjoint of the transforms' own fitting)."""
    index = [slice(None)] * a.ndim
    pads = [(0, 0)] * a.ndim
    crop = pad = False
    for ax, n in zip(axes, sizes):
        have = a.shape[ax]
        if have > n:
            index[ax] = slice(0, n)
            crop = True
        elif have < n:
            pads[ax] = (0, n - have)
            pad = True
    if crop:
        a = a[tuple(index)]
    if pad:
        a = mx.pad(a, pads)
    return a


def _half_weights(n: int, m: int, ndim: int, axis: int, dtype) -> mx.array:
    """1 for the zero bin (and the Nyquist bin of an even ``n``), 2 for the others; shaped to broadcast on ``axis``."""
    w = [2.0] * m
    w[0] = 1.0
    if n % 2 == 0 and m - 1 == n // 2:
        w[-1] = 1.0
    shape = [1] * ndim
    shape[axis] = m
    return mx.array(w, dtype=dtype).reshape(shape)


def _to_input(gx: mx.array, shape: tuple, dtype, axes: tuple) -> mx.array:
    """``gx`` cropped or padded to the input's sizes on ``axes``, in its dtype (the real part for a real input)."""
    gx = _fit(gx, axes, tuple(shape[a] for a in axes))
    if dtype != mx.complex64 and gx.dtype == mx.complex64:
        gx = mx.real(gx)
    return gx.astype(dtype)


class C2C(Function):
    """``fftn`` or ``ifftn`` over ``axes`` with output sizes ``s``."""

    @staticmethod
    def forward(ctx, x, axes, s, norm, inverse):
        ctx.meta = (x.shape, x.dtype, axes, norm, inverse)
        op = mx.fft.ifftn if inverse else mx.fft.fftn
        return op(x, s=list(s), axes=list(axes), norm=norm)

    @staticmethod
    def backward(ctx, g):
        shape, dtype, axes, norm, inverse = ctx.meta
        op = mx.fft.fftn if inverse else mx.fft.ifftn
        return _to_input(op(g, axes=list(axes), norm=_DUAL[norm]), shape, dtype, axes), None, None, None, None


def _half_forward(transform):
    """The forward of a half-spectrum transform (``rfftn`` or ``irfftn``), keeping what its backward needs."""

    def forward(ctx, x, axes, s, norm):
        ctx.meta = (x.shape, x.dtype, axes, s, norm)
        return transform(x, s=list(s), axes=list(axes), norm=norm)

    return staticmethod(forward)


class R2C(Function):
    """``rfftn`` over ``axes`` (the last one is the halved axis) with signal sizes ``s``."""

    forward = _half_forward(mx.fft.rfftn)

    @staticmethod
    def backward(ctx, g):
        shape, dtype, axes, s, norm = ctx.meta
        # The adjoint is Re(ifftn(g zero-filled to s)): the real part of a transform whose negative
        # frequencies are zero is irfftn of g with the doubled bins halved (half the work, no complex output).
        last = axes[-1]
        half = g * (1.0 / _half_weights(s[-1], g.shape[last], g.ndim, last, mx.float32))
        gx = mx.fft.irfftn(half, s=list(s), axes=list(axes), norm=_DUAL[norm])
        return _to_input(gx, shape, dtype, axes), None, None, None


class C2R(Function):
    """``irfftn`` over ``axes`` (the last one is the halved axis) with output sizes ``s``."""

    forward = _half_forward(mx.fft.irfftn)

    @staticmethod
    def backward(ctx, g):
        shape, dtype, axes, s, norm = ctx.meta
        half = mx.fft.rfftn(g, axes=list(axes), norm=_DUAL[norm])
        last = axes[-1]
        half = half * _half_weights(s[-1], half.shape[last], half.ndim, last, mx.float32)
        return _to_input(half, shape, dtype, axes), None, None, None


# -- argument handling -------------------------------------------------------------

def _input(input, op: str, kind: str) -> Tensor:
    """The input as a Tensor in a dtype MLX transforms: integers and bool become float32 (PyTorch's promotion)."""
    x = input if isinstance(input, Tensor) else to_tensor(input, op)
    dt = x._data.dtype
    if dt in INTEGER_MX or dt == mx.bool_:
        x = x.float()
    elif kind == "r2c" and dt == mx.complex64:
        raise TypeError(f"{op}: expected a real input tensor, got {x.dtype}; use the complex transform instead")
    return x


def _norm(norm, op: str) -> str:
    if norm is None:
        return "backward"
    if norm not in _NORMS:
        raise ValueError(f"{op}: norm must be one of {_NORMS} or None, got {norm!r}")
    return norm


def check_size(n, op: str, name: str) -> int:
    """A transform length: an int of at least 1."""
    if isinstance(n, bool) or not isinstance(n, numbers.Integral):
        raise TypeError(f"{op}: {name} must be an int, got {n!r} ({type(n).__name__})")
    if n < 1:
        raise ValueError(f"{op}: invalid number of data points ({n}) specified; {name} must be at least 1")
    return int(n)


def _axes_and_sizes(x: Tensor, s, dims, op: str, default_dims) -> tuple:
    """Normalised ``(axes, sizes)`` of an n-dimensional transform (``-1`` in ``s`` keeps the input's size)."""
    nd = x.ndim
    if dims is None:
        if s is not None:
            s = tuple(s) if isinstance(s, (tuple, list)) else (s,)
            if len(s) > nd:
                raise ValueError(f"{op}: s {s!r} has more entries than the input has dimensions ({nd})")
            dims = tuple(range(nd - len(s), nd))
        else:
            dims = tuple(range(nd)) if default_dims is None else default_dims
    if nd == 0:
        raise ValueError(f"{op}: expected a tensor with at least one dimension, got a 0-d tensor")
    axes = normalize_dims(dims, nd, op)
    if not axes:
        raise ValueError(f"{op}: expected at least one dim to transform, got {dims!r}")
    if s is None:
        sizes = tuple(x.shape[a] for a in axes)
    else:
        s = tuple(s) if isinstance(s, (tuple, list)) else (s,)
        if len(s) != len(axes):
            raise ValueError(f"{op}: s {s!r} and dim {dims!r} must have the same length")
        sizes = tuple(x.shape[a] if n == -1 else check_size(n, op, "s") for a, n in zip(axes, s))
    for a, n in zip(axes, sizes):
        if n < 1:
            raise ValueError(f"{op}: invalid number of data points (0) along dim {a} of a tensor of shape "
                             f"{x.shape}; pass a non-empty tensor or a size")
    return axes, sizes


def c2c(input, s, dims, norm, op: str, inverse: bool, default_dims=None) -> Tensor:
    """``fftn``/``ifftn`` after the argument checks."""
    x = _input(input, op, "c2c")
    axes, sizes = _axes_and_sizes(x, s, dims, op, default_dims)
    return C2C.apply(x, axes, sizes, _norm(norm, op), inverse)


def r2c(input, s, dims, norm, op: str, default_dims=None) -> Tensor:
    """``rfftn`` after the argument checks."""
    x = _input(input, op, "r2c")
    axes, sizes = _axes_and_sizes(x, s, dims, op, default_dims)
    return R2C.apply(x, axes, sizes, _norm(norm, op))


def c2r(input, s, dims, norm, op: str, default_dims=None) -> Tensor:
    """``irfftn`` after the argument checks; the halved axis defaults to ``2 * (m - 1)`` points, as in PyTorch."""
    x = _input(input, op, "c2r")
    axes, sizes = _axes_and_sizes(x, s, dims, op, default_dims)
    last_given = None
    if s is not None:
        last_given = (tuple(s) if isinstance(s, (tuple, list)) else (s,))[-1]
    if last_given is None or last_given == -1:
        m = x.shape[axes[-1]]
        if m < 2:
            raise ValueError(f"{op}: cannot infer the output size from a halved dimension of size {m}; "
                             "pass n= (or s=) explicitly")
        sizes = sizes[:-1] + (2 * (m - 1),)
    return C2R.apply(x, axes, sizes, _norm(norm, op))


def dual_norm(norm, op: str) -> str:
    """The norm of the transform in the other direction with the same scale (for ``hfft``/``ihfft``)."""
    return _DUAL[_norm(norm, op)]


__all__ = ["C2C", "R2C", "C2R", "c2c", "r2c", "c2r", "dual_norm", "check_size"]
