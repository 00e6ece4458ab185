"""Lucid's backend for the ``einops`` package.

einops finds a framework's backend by walking the subclasses of its
``AbstractBackend`` and keeping those whose ``framework_name`` is a module
already imported; so defining this class (``lucid`` imports this module when
einops is installed) is all it takes for ``einops.rearrange(t, ...)`` to work
on Lucid Tensors. Every method is built from Lucid's differentiable ops, so
gradients flow through einops' operations.
"""

from __future__ import annotations

import numpy as np
from einops._backends import AbstractBackend

from lucid._tensor import Tensor
from lucid.ops.linalg import einsum
from lucid.ops.shape import concatenate, stack

__all__ = ["LucidBackend"]

_FLOATS = frozenset(("float16", "bfloat16", "float32", "float64"))


class LucidBackend(AbstractBackend):
    """The einops backend of ``lucid.Tensor`` (einops creates it itself; users never do)."""

    framework_name = "lucid"

    def is_appropriate_type(self, tensor) -> bool:
        return isinstance(tensor, Tensor)

    def from_numpy(self, x: np.ndarray) -> Tensor:
        t = Tensor(x)
        if self.is_float_type(t):
            t.requires_grad = True
        return t

    def to_numpy(self, x: Tensor) -> np.ndarray:
        return x.detach().numpy()

    def arange(self, start: int, stop: int) -> Tensor:
        return Tensor(np.arange(start, stop, dtype=np.int64))

    def shape(self, x: Tensor) -> tuple:
        return x.shape

    def reshape(self, x: Tensor, shape) -> Tensor:
        return x.reshape(tuple(shape))

    def transpose(self, x: Tensor, axes) -> Tensor:
        return x.permute(*axes)

    def reduce(self, x: Tensor, operation: str, axes) -> Tensor:
        axes = tuple(axes)
        if operation == "min":
            return x.amin(dim=axes)
        if operation == "max":
            return x.amax(dim=axes)
        if operation in ("sum", "mean", "prod", "any", "all"):
            return getattr(x, operation)(dim=axes)
        raise NotImplementedError(f"einops reduction {operation!r} is not supported by Lucid")

    def stack_on_zeroth_dimension(self, tensors: list) -> Tensor:
        return stack(tensors)

    def add_axis(self, x: Tensor, new_position: int) -> Tensor:
        return x.unsqueeze(new_position)

    def add_axes(self, x: Tensor, n_axes: int, pos2len: dict) -> Tensor:
        sizes = [-1] * n_axes
        for position, length in pos2len.items():
            x = x.unsqueeze(position)
            sizes[position] = length
        return x.expand(*sizes)

    def tile(self, x: Tensor, repeats) -> Tensor:
        return x.repeat(*repeats)

    def concat(self, tensors: list, axis: int) -> Tensor:
        return concatenate(tensors, dim=axis)

    def is_float_type(self, x: Tensor) -> bool:
        return x.dtype.name in _FLOATS

    def layers(self):
        from lucid.einops import layers

        return layers

    def einsum(self, pattern: str, *x: Tensor) -> Tensor:
        return einsum(pattern, *x)
