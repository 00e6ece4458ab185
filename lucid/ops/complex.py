"""Complex numbers: ``real``, ``imag``, ``conj``, ``angle``, ``complex``, ``polar``, the ``view_as_*`` pair.

MLX has one complex dtype, ``complex64``. Gradients follow PyTorch's
convention for complex tensors: the gradient of a real loss ``L`` with respect
to ``z = x + iy`` is :math:`\\partial L/\\partial x + i\\,\\partial L/\\partial y`
(the conjugate Wirtinger derivative, up to a factor of 2), so ``z - lr * z.grad``
descends. Under it, ``real``'s backward is ``g + 0i``, ``imag``'s is ``i g`` and
``conj``'s is ``conj(g)``.
"""

from __future__ import annotations

import math

import mlx.core as mx

from lucid._tensor import Tensor
from lucid.autograd.function import Function
from lucid.ops._registry import export, register, register_method
from lucid.ops._util import linear_rule, to_tensor, unbroadcast


def _is_complex(a: mx.array) -> bool:
    return a.dtype == mx.complex64


Real = linear_rule("Real", mx.real, lambda g: g.astype(mx.complex64), module=__name__,
                   doc="The real part of a complex array.")
Imag = linear_rule("Imag", mx.imag, lambda g: g.astype(mx.complex64) * 1j, module=__name__,
                   doc="The imaginary part of a complex array.")
Conj = linear_rule("Conj", mx.conj, mx.conj, module=__name__, doc="The complex conjugate.")


class ViewAsReal(Function):
    """``(..., )`` complex to ``(..., 2)`` real: the last axis holds the real and imaginary parts."""

    @staticmethod
    def forward(ctx, z):
        return mx.stack([mx.real(z), mx.imag(z)], axis=-1)

    @staticmethod
    def backward(ctx, g):
        return g[..., 0].astype(mx.complex64) + 1j * g[..., 1].astype(mx.complex64)


class ViewAsComplex(Function):
    """``(..., 2)`` real to ``(...,)`` complex."""

    @staticmethod
    def forward(ctx, x):
        ctx.dtype = x.dtype
        return x[..., 0].astype(mx.complex64) + 1j * x[..., 1].astype(mx.complex64)

    @staticmethod
    def backward(ctx, g):
        return mx.stack([mx.real(g), mx.imag(g)], axis=-1).astype(ctx.dtype)


class Angle(Function):
    """The argument ``atan2(imag, real)`` of a complex array; ``0`` or ``pi`` for a real one."""

    @staticmethod
    def forward(ctx, z):
        ctx.save_for_backward(z)
        if _is_complex(z):
            return mx.arctan2(mx.imag(z), mx.real(z))
        # NOTE: angle of a real x is pi for x < 0, else 0 (NaN stays NaN), as in PyTorch.
        return mx.where(z < 0, mx.array(math.pi, z.dtype), mx.where(mx.isnan(z), z, mx.array(0, z.dtype)))

    @staticmethod
    def backward(ctx, g):
        (z,) = ctx.saved_tensors
        if not _is_complex(z):
            return mx.zeros_like(g)
        # d atan2(y, x) = (x dy - y dx) / |z|^2, so the gradient dL/dx + i dL/dy is g * i z / |z|^2.
        # NOTE: at z == 0 the gradient is 0, as in PyTorch.
        sq = mx.real(z) * mx.real(z) + mx.imag(z) * mx.imag(z)
        scale = mx.where(sq == 0, mx.array(0, sq.dtype), g / mx.where(sq == 0, mx.array(1, sq.dtype), sq))
        return scale.astype(mx.complex64) * (1j * z)


class Complex(Function):
    """``real + i imag`` from two real arrays (broadcast)."""

    @staticmethod
    def forward(ctx, re, im):
        ctx.shapes = (re.shape, re.dtype, im.shape, im.dtype)
        return re.astype(mx.complex64) + 1j * im.astype(mx.complex64)

    @staticmethod
    def backward(ctx, g):
        rs, rd, ims, imd = ctx.shapes
        # L is real and z = re + i im: dL/dre = Re(grad z), dL/dim = Im(grad z) under PyTorch's convention.
        return unbroadcast(mx.real(g), rs, rd), unbroadcast(mx.imag(g), ims, imd)


def _tensor(input, op: str) -> Tensor:
    return input if isinstance(input, Tensor) else to_tensor(input, op)


@register()
def real(input: Tensor) -> Tensor:
    """The real part of a complex tensor; a real tensor is returned as it is (PyTorch's rule).

    The same as the property ``Tensor.real``.

    Examples:
        >>> import lucid
        >>> lucid.real(lucid.tensor([1 + 2j, 3 - 4j])).tolist()
        [1.0, 3.0]
    """
    input = _tensor(input, "real")
    if not _is_complex(input._data):
        return input
    return Real.apply(input)


@register()
def imag(input: Tensor) -> Tensor:
    """The imaginary part of a complex tensor (the property ``Tensor.imag``).

    Raises:
        TypeError: ``input`` is not complex (PyTorch raises too: a real tensor has no imaginary part).

    Examples:
        >>> import lucid
        >>> lucid.imag(lucid.tensor([1 + 2j, 3 - 4j])).tolist()
        [2.0, -4.0]
    """
    input = _tensor(input, "imag")
    if not _is_complex(input._data):
        raise TypeError(f"imag: expected a complex tensor, got {input.dtype}; real tensors have no imaginary part")
    return Imag.apply(input)


@register(aliases=("conj_physical",), method=True)
def conj(input: Tensor) -> Tensor:
    """The complex conjugate :math:`x - iy`; a real tensor is returned as it is.

    Examples:
        >>> import lucid
        >>> lucid.conj(lucid.tensor([1 + 2j])).tolist()
        [(1-2j)]
    """
    input = _tensor(input, "conj")
    if not _is_complex(input._data):
        return input
    return Conj.apply(input)


@register(method=True)
def view_as_real(input: Tensor) -> Tensor:
    """A complex tensor of shape ``S`` as a real one of shape ``(*S, 2)`` (real, imaginary); MLX copies.

    Raises:
        TypeError: ``input`` is not complex.

    Examples:
        >>> import lucid
        >>> lucid.view_as_real(lucid.tensor([1 + 2j])).tolist()
        [[1.0, 2.0]]
    """
    input = _tensor(input, "view_as_real")
    if not _is_complex(input._data):
        raise TypeError(f"view_as_real: expected a complex tensor, got {input.dtype}")
    return ViewAsReal.apply(input)


@register()
def view_as_complex(input: Tensor) -> Tensor:
    """A real tensor of shape ``(*S, 2)`` as a complex64 one of shape ``S``; MLX copies.

    Raises:
        TypeError: ``input`` is not real floating point.
        ValueError: the last dimension is not of size 2.

    Examples:
        >>> import lucid
        >>> lucid.view_as_complex(lucid.tensor([[1.0, 2.0]])).tolist()
        [(1+2j)]
    """
    input = _tensor(input, "view_as_complex")
    if not input.dtype.is_floating_point:
        raise TypeError(f"view_as_complex: expected a real floating-point tensor, got {input.dtype}")
    if input.ndim == 0 or input.shape[-1] != 2:
        raise ValueError(f"view_as_complex: expected a last dimension of size 2, got shape {input.shape}")
    return ViewAsComplex.apply(input)


@register(method=True)
def angle(input: Tensor) -> Tensor:
    """The argument (phase) of each element, in radians in ``(-pi, pi]``.

    For a complex tensor ``atan2(imag, real)`` (float32); for a real one
    ``pi`` where negative and ``0`` elsewhere, in its own dtype (integers give
    float32), as in PyTorch. The gradient of a complex input follows PyTorch's
    convention: ``g * i z / |z|^2`` (0 at ``z == 0``); a real input gets 0.

    Examples:
        >>> import lucid
        >>> [round(v, 4) for v in lucid.angle(lucid.tensor([1j, -1 + 0j, 1 + 1j])).tolist()]
        [1.5708, 3.1416, 0.7854]
        >>> lucid.angle(lucid.tensor([-2.0, 3.0])).tolist()
        [3.1415927410125732, 0.0]
    """
    input = _tensor(input, "angle")
    if not _is_complex(input._data) and not input.dtype.is_floating_point:
        input = input.astype(mx.float32)
    return Angle.apply(input)


def _real_pair(a, b, op: str, names: tuple) -> tuple:
    a, b = _tensor(a, op), _tensor(b, op)
    for t, n in zip((a, b), names):
        if not t.dtype.is_floating_point:
            raise TypeError(f"{op}: {n} must be a real floating-point tensor, got {t.dtype}")
    if a.dtype != b.dtype:
        raise TypeError(f"{op}: expected {names[0]} and {names[1]} of the same dtype, got {a.dtype} and {b.dtype}")
    return a, b


@register()
def complex(real: Tensor, imag: Tensor) -> Tensor:
    """The complex tensor ``real + i imag`` (broadcast), complex64.

    MLX's only complex dtype is complex64, so float64 parts are narrowed
    (PyTorch would give complex128); gradients come back in the parts' dtype:
    ``Re`` and ``Im`` of the complex gradient.

    Raises:
        TypeError: a part is not real floating point, or the two dtypes differ (as in PyTorch).

    Examples:
        >>> import lucid
        >>> lucid.complex(lucid.tensor([1.0, 0.0]), lucid.tensor([2.0, -1.0])).tolist()
        [(1+2j), -1j]
    """
    real, imag = _real_pair(real, imag, "complex", ("real", "imag"))
    return Complex.apply(real, imag)


@register()
def polar(abs: Tensor, angle: Tensor) -> Tensor:
    """The complex tensor with modulus ``abs`` and argument ``angle``: ``abs * (cos(angle) + i sin(angle))``.

    Composed from ``cos``, ``sin``, products and :func:`complex`, so it is
    differentiable in both arguments. complex64 (see :func:`complex`).

    Raises:
        TypeError: an argument is not real floating point, or the two dtypes differ.

    Examples:
        >>> import math
        >>> import lucid
        >>> z = lucid.polar(lucid.tensor([2.0]), lucid.tensor([math.pi / 2]))
        >>> [round(v, 4) for v in lucid.view_as_real(z).tolist()[0]]
        [-0.0, 2.0]
    """
    from lucid.ops.arithmetic import multiply
    from lucid.ops.unary import cos, sin

    abs, angle = _real_pair(abs, angle, "polar", ("abs", "angle"))
    return complex(multiply(abs, cos(angle)), multiply(abs, sin(angle)))


register_method("real", property(real, doc="The real part (the tensor itself when it is real)."), __name__)
register_method("imag", property(imag, doc="The imaginary part of a complex tensor."), __name__)


__all__ = export(__name__)
