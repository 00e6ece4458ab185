"""Complex parts: ``real``, ``imag``, ``conj`` and ``view_as_real``/``view_as_complex``.

MLX has one complex dtype, ``complex64``. Gradients follow PyTorch's
convention for complex tensors: the gradient of a real loss ``L`` with respect
to ``z = x + iy`` is :math:`\\partial L/\\partial x + i\\,\\partial L/\\partial y`
(the conjugate Wirtinger derivative, up to a factor of 2), so ``z - lr * z.grad``
descends. Under it, ``real``'s backward is ``g + 0i``, ``imag``'s is ``i g`` and
``conj``'s is ``conj(g)``.
"""

from __future__ import annotations

import mlx.core as mx

from lucid._tensor import Tensor
from lucid.autograd.function import Function
from lucid.ops._registry import export, register, register_method
from lucid.ops._util import linear_rule, to_tensor


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


register_method("real", property(real, doc="The real part (the tensor itself when it is real)."), __name__)
register_method("imag", property(imag, doc="The imaginary part of a complex tensor."), __name__)


__all__ = export(__name__)
