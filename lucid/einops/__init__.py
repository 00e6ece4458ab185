"""einops for Lucid Tensors: ``rearrange``, ``reduce``, ``repeat``, ``einsum``, ``pack``, ``unpack`` and layers.

These are the functions of the ``einops`` package (install it with
``pip install 'lucid[einops]'``), running on Lucid's backend, so they are
differentiable. ``import lucid`` alone also makes ``einops.rearrange(t, ...)``
itself accept Lucid Tensors (einops discovers Lucid's backend on its own).

Examples:
    >>> import lucid
    >>> from lucid.einops import rearrange, reduce, repeat
    >>> x = lucid.arange(24.0).reshape(2, 3, 4)
    >>> rearrange(x, "b c n -> b n c").shape, reduce(x, "b c n -> b", "sum").tolist()
    ((2, 4, 3), [66.0, 210.0])
    >>> repeat(lucid.tensor([1, 2]), "n -> n k", k=3).tolist()
    [[1, 1, 1], [2, 2, 2]]
"""

from __future__ import annotations

try:
    import einops as _einops
except ImportError as exc:  # pragma: no cover - exercised where einops is missing
    raise ImportError("lucid.einops needs the einops package: pip install 'lucid[einops]' "
                      "(or pip install einops)") from exc

from lucid.einops import _backend  # defining the backend class registers it with einops
from lucid.einops.layers import Rearrange, Reduce

__all__ = ["rearrange", "reduce", "repeat", "einsum", "pack", "unpack", "Rearrange", "Reduce"]

EinopsError = _einops.EinopsError


def rearrange(tensor, pattern: str, **axes_lengths):
    """Reorder, merge and split axes by a pattern: ``rearrange(x, "b c h w -> b (h w) c")``.

    ``tensor`` may be a Tensor or a list of equally shaped Tensors (stacked
    along a new first axis). Differentiable.

    Raises:
        EinopsError: a pattern that does not fit the tensor.

    Examples:
        >>> import lucid
        >>> from lucid.einops import rearrange
        >>> rearrange(lucid.zeros(2, 3, 4, 5), "b c h w -> b (h w) c").shape
        (2, 20, 3)
    """
    return _einops.rearrange(tensor, pattern, **axes_lengths)


def reduce(tensor, pattern: str, reduction: str, **axes_lengths):
    """Rearrange and reduce axes that the output leaves out (``"min"``, ``"max"``, ``"sum"``, ``"mean"``, ``"prod"``).

    Examples:
        >>> import lucid
        >>> from lucid.einops import reduce
        >>> reduce(lucid.ones(2, 3, 4), "b c n -> b c", "mean").shape
        (2, 3)
    """
    return _einops.reduce(tensor, pattern, reduction, **axes_lengths)


def repeat(tensor, pattern: str, **axes_lengths):
    """Rearrange and add or tile axes: ``repeat(x, "h w -> h w c", c=3)``.

    Examples:
        >>> import lucid
        >>> from lucid.einops import repeat
        >>> repeat(lucid.ones(2, 3), "h w -> (h 2) w").shape
        (4, 3)
    """
    return _einops.repeat(tensor, pattern, **axes_lengths)


def einsum(*tensors_and_pattern):
    """einops' einsum: the Tensors first, then a pattern with named axes (``"b i, b j -> b i j"``).

    Examples:
        >>> import lucid
        >>> from lucid.einops import einsum
        >>> einsum(lucid.ones(2, 3), lucid.ones(3, 4), "i k, k j -> i j").tolist()[0]
        [3.0, 3.0, 3.0, 3.0]
    """
    return _einops.einsum(*tensors_and_pattern)


def pack(tensors, pattern: str):
    """Pack Tensors into one along the ``*`` axis; returns ``(packed, packed_shapes)`` for :func:`unpack`.

    Examples:
        >>> import lucid
        >>> from lucid.einops import pack
        >>> packed, shapes = pack([lucid.ones(2, 3), lucid.ones(2)], "b *")
        >>> packed.shape, shapes
        ((2, 4), [(3,), ()])
    """
    return _einops.pack(tensors, pattern)


def unpack(tensor, packed_shapes, pattern: str):
    """Split a Tensor made by :func:`pack` back into its parts.

    Examples:
        >>> import lucid
        >>> from lucid.einops import pack, unpack
        >>> packed, shapes = pack([lucid.ones(2, 3), lucid.ones(2)], "b *")
        >>> [t.shape for t in unpack(packed, shapes, "b *")]
        [(2, 3), (2,)]
    """
    return _einops.unpack(tensor, packed_shapes, pattern)
