"""``Rearrange`` and ``Reduce`` as Lucid modules (einops' layers, on ``lucid.nn.Module``)."""

from __future__ import annotations

from einops.layers import RearrangeMixin, ReduceMixin

from lucid.nn.module import Module

__all__ = ["Rearrange", "Reduce"]


class Rearrange(RearrangeMixin, Module):
    """``einops.rearrange`` as a layer: ``nn.Sequential(..., Rearrange("b c h w -> b (c h w)"))``.

    Args:
        pattern: the rearrangement pattern.
        **axes_lengths: sizes of axes the pattern cannot infer.

    Examples:
        >>> import lucid
        >>> from lucid.einops import Rearrange
        >>> Rearrange("b c h w -> b (h w) c")(lucid.zeros(2, 3, 4, 5)).shape
        (2, 20, 3)
    """

    def forward(self, input):
        return self._apply_recipe(input)


class Reduce(ReduceMixin, Module):
    """``einops.reduce`` as a layer: ``Reduce("b c (h 2) (w 2) -> b c h w", "max")`` is 2x2 max pooling.

    Args:
        pattern: the reduction pattern.
        reduction: ``"min"``, ``"max"``, ``"sum"``, ``"mean"`` or ``"prod"``.
        **axes_lengths: sizes of axes the pattern cannot infer.

    Examples:
        >>> import lucid
        >>> from lucid.einops import Reduce
        >>> Reduce("b c (h 2) (w 2) -> b c h w", "max")(lucid.zeros(1, 3, 4, 6)).shape
        (1, 3, 2, 3)
    """

    def forward(self, input):
        return self._apply_recipe(input)
