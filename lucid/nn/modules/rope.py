"""``RotaryEmbedding``: rotary position embeddings (RoPE) as a layer, on ``mx.fast.rope``."""

from __future__ import annotations

import numbers

from lucid._tensor import Tensor
from lucid.nn.functional.rope import rotary_embedding
from lucid.nn.module import Module

__all__ = ["RotaryEmbedding"]


class RotaryEmbedding(Module):
    r"""Rotary position embedding of queries and keys (RoFormer, Su et al. 2021), without parameters.

    Applied to the queries and keys of each head before attention, it makes
    their dot product depend on the positions only through their difference.
    See :func:`lucid.nn.functional.rotary_embedding` for the formula.

    Args:
        dims: features rotated per head (even; features past it pass unchanged).
        base: base of the frequencies :math:`\theta_i = \mathrm{base}^{-2i/d}` (default 10000).
        scale: multiplies the positions (default 1).
        traditional: interleaved pairs ``(2i, 2i+1)`` instead of the rotate-half
            pairs ``(i, i + d/2)`` that Hugging Face's Llama and GPT-NeoX use.

    Shape:
        ``forward(x, offset=0)``: ``x`` is ``(..., T, D)`` with ``D >= dims``, e.g.
        ``(B, H, T, D)``; row ``t`` gets position ``offset + t`` (pass the number of
        cached tokens when decoding with a :class:`KVCache`). Output: same shape.

    Examples:
        >>> import lucid
        >>> rope = lucid.nn.RotaryEmbedding(8)
        >>> rope
        RotaryEmbedding(8, base=10000.0)
        >>> q = lucid.randn(2, 4, 5, 8)
        >>> rope(q).shape, rope(q, offset=3).shape
        ((2, 4, 5, 8), (2, 4, 5, 8))
    """

    def __init__(self, dims: int, base: float = 10000.0, scale: float = 1.0, traditional: bool = False) -> None:
        super().__init__()
        if isinstance(dims, bool) or not isinstance(dims, numbers.Integral) or dims < 2 or dims % 2:
            raise ValueError(f"RotaryEmbedding: dims must be a positive even int, got {dims!r}")
        for name, v in (("base", base), ("scale", scale)):
            if isinstance(v, bool) or not isinstance(v, numbers.Real) or not v > 0:
                raise ValueError(f"RotaryEmbedding: {name} must be a positive number, got {v!r}")
        self.dims, self.base, self.scale, self.traditional = int(dims), float(base), float(scale), bool(traditional)

    def forward(self, x: Tensor, offset: int = 0) -> Tensor:
        if isinstance(x, Tensor) and x.ndim >= 1 and x.shape[-1] < self.dims:
            raise ValueError(f"RotaryEmbedding({self.dims}): input features {x.shape[-1]} (shape {x.shape}) are "
                             f"fewer than dims={self.dims}")
        return rotary_embedding(x, self.dims, offset=offset, base=self.base, scale=self.scale,
                                traditional=self.traditional)

    def extra_repr(self) -> str:
        s = f"{self.dims}, base={self.base}"
        if self.scale != 1.0:
            s += f", scale={self.scale}"
        if self.traditional:
            s += ", traditional=True"
        return s
