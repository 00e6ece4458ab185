"""Flattening parameters to one vector and back."""

from __future__ import annotations

from collections.abc import Iterable

import mlx.core as mx

from lucid._tensor import Tensor
from lucid.autograd.function import Function
from lucid.nn.util.clip_grad import tensor_list

__all__ = ["parameters_to_vector", "vector_to_parameters"]


class _FlattenCat(Function):
    @staticmethod
    def forward(ctx, *arrays):
        ctx.shapes = [a.shape for a in arrays]
        return mx.concatenate([mx.reshape(a, (-1,)) for a in arrays])

    @staticmethod
    def backward(ctx, g):
        out, start = [], 0
        for shape in ctx.shapes:
            n = 1
            for s in shape:
                n *= s
            out.append(mx.reshape(g[start:start + n], shape))
            start += n
        return tuple(out)


def parameters_to_vector(parameters: Iterable[Tensor] | Tensor) -> Tensor:
    """Concatenate the flattened parameters into one 1-D tensor (differentiable).

    Examples:
        >>> import lucid
        >>> ps = [lucid.ones(2, 2), lucid.zeros(3)]
        >>> lucid.nn.util.parameters_to_vector(ps).shape
        (7,)
    """
    params = tensor_list(parameters)
    if not params:
        raise ValueError("parameters_to_vector needs at least one tensor")
    return _FlattenCat.apply(*params)


def vector_to_parameters(vec: Tensor, parameters: Iterable[Tensor] | Tensor) -> None:
    """Copy consecutive slices of the 1-D ``vec`` into the parameters, in place (no gradient recorded).

    Raises:
        TypeError: ``vec`` is not a Tensor.
        ValueError: ``vec`` is not 1-D or its length differs from the parameters' total size.

    Examples:
        >>> import lucid
        >>> ps = [lucid.zeros(2), lucid.zeros(1)]
        >>> lucid.nn.util.vector_to_parameters(lucid.tensor([1.0, 2.0, 3.0]), ps)
        >>> [p.tolist() for p in ps]
        [[1.0, 2.0], [3.0]]
    """
    if not isinstance(vec, Tensor):
        raise TypeError(f"vec must be a Tensor, got {type(vec).__name__}")
    if vec.ndim != 1:
        raise ValueError(f"vec must be 1-D, got shape {vec.shape}")
    params = tensor_list(parameters)
    total = sum(p.numel() for p in params)
    if total != vec.numel():
        raise ValueError(f"vec has {vec.numel()} elements but the parameters hold {total}")
    start = 0
    data = vec._data
    for p in params:
        n = p.numel()
        p._data = mx.reshape(data[start:start + n], p._data.shape).astype(p._data.dtype)
        p._version += 1
        start += n
