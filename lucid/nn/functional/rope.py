"""Rotary position embeddings (RoPE) on MLX's fused ``mx.fast.rope`` kernel."""

from __future__ import annotations

import numbers

import mlx.core as mx

from lucid._tensor import Tensor
from lucid.autograd.function import Function
from lucid.ops._util import check_int

__all__ = ["rotary_embedding"]


class _Rope(Function):
    """``mx.fast.rope`` forward; its backward is MLX's vjp of the same kernel (a rotation by -theta)."""

    @staticmethod
    def forward(ctx, x, *, dims, traditional, base, scale, offset):
        ctx.attrs = (dims, traditional, base, scale, offset)
        return mx.fast.rope(x, dims, traditional=traditional, base=base, scale=scale, offset=offset)

    @staticmethod
    def backward(ctx, g):
        dims, traditional, base, scale, offset = ctx.attrs
        # The primal only fixes shape and dtype for the vjp; the rotation is linear in x.
        _, (grad,) = mx.vjp(lambda a: mx.fast.rope(a, dims, traditional=traditional, base=base, scale=scale,
                                                   offset=offset), [mx.zeros_like(g)], [g])
        return grad


def rotary_embedding(input: Tensor, dims: int | None = None, *, offset: int = 0, base: float = 10000.0,
                     scale: float = 1.0, traditional: bool = False) -> Tensor:
    r"""Rotate feature pairs of ``input`` by position-dependent angles (RoFormer's RoPE, Su et al. 2021).

    For position :math:`p = \mathrm{offset} + t` (``t`` the index along dim -2) and
    pair :math:`i < d/2` with frequency :math:`\theta_i = \mathrm{base}^{-2i/d}`,
    the pair :math:`(x_a, x_b)` becomes

    .. math::

        (x_a \cos(p s \theta_i) - x_b \sin(p s \theta_i),\; x_a \sin(p s \theta_i) + x_b \cos(p s \theta_i))

    where ``s`` is ``scale``. The pairs are ``(i, i + d/2)`` (the rotate-half
    layout of GPT-NeoX and Llama in Hugging Face) or, with ``traditional=True``,
    ``(2i, 2i + 1)`` (the paper's interleaved layout). Features past ``dims``
    pass through unchanged. Runs in MLX's fused kernel, backward included.

    Args:
        input: ``(..., T, D)`` floating tensor (at least 2-D), e.g. ``(B, H, T, D)``.
        dims: how many leading features to rotate (even, ``<= D``; default ``D``).
        offset: position of the first row (the number of cached tokens when decoding).
        base: the base of the frequencies (default 10000).
        scale: multiplies the positions (``< 1`` interpolates longer contexts).
        traditional: interleaved pairs instead of halves.

    Returns:
        A tensor of ``input``'s shape and dtype.

    Examples:
        >>> import lucid
        >>> import lucid.nn.functional as F
        >>> x = lucid.ones(1, 2, 4, 8)  # (batch, heads, seq, features)
        >>> y = F.rotary_embedding(x)
        >>> y.shape, round(y[0, 0, 0].sum().item(), 4)  # position 0 is not rotated
        ((1, 2, 4, 8), 8.0)
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"rotary_embedding: input must be a Tensor, got {type(input).__name__}")
    if input.ndim < 2 or not input.is_floating_point():
        raise ValueError(f"rotary_embedding: input must be a floating tensor of shape (..., T, D), got shape "
                         f"{input.shape} and dtype {input.dtype}")
    d = input.shape[-1]
    dims = d if dims is None else check_int(dims, "dims", "rotary_embedding", 2)
    if dims % 2 or dims > d:
        raise ValueError(f"rotary_embedding: dims must be even and at most the feature size {d}, got {dims}")
    offset = check_int(offset, "offset", "rotary_embedding", 0)
    for name, v in (("base", base), ("scale", scale)):
        if isinstance(v, bool) or not isinstance(v, numbers.Real) or not v > 0:
            raise ValueError(f"rotary_embedding: {name} must be a positive number, got {v!r}")
    x = input if input.ndim >= 3 else input.reshape(1, *input.shape)
    out = _Rope.apply(x, dims=dims, traditional=bool(traditional), base=float(base), scale=float(scale),
                      offset=offset)
    return out if input.ndim >= 3 else out.reshape(input.shape)
