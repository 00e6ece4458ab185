"""Distances between vectors: ``cosine_similarity``, ``pairwise_distance``, ``pdist``.

``pairwise_distance`` and ``pdist`` are composed from differentiable Lucid
ops; ``cosine_similarity`` on real floating inputs is one autograd rule
(one tape node instead of about ten).
"""

from __future__ import annotations

import mlx.core as mx
import numpy as np

from lucid._backend import reductions
from lucid._backend.dtypes import REAL_FLOATING_MX
from lucid._tensor import Tensor
from lucid.autograd.function import Function
from lucid.linalg import vector_norm
from lucid.nn.functional._kernels import check_tensor
from lucid.ops._util import normalize_dim, reduce_axis_arg, reduce_keepdims_arg, unbroadcast

__all__ = ["cosine_similarity", "pairwise_distance", "pdist"]


def _check_p(p, op: str) -> float:
    if isinstance(p, bool) or not isinstance(p, (int, float)):
        raise TypeError(f"{op}: p must be a number, got {type(p).__name__}")
    if not p >= 0:
        raise ValueError(f"{op}: p must be non-negative, got {p}")
    return float(p)


def cosine_similarity(x1: Tensor, x2: Tensor, dim: int | None = None, eps: float = 1e-8, *,
                      axis: int | None = None) -> Tensor:
    """Cosine similarity of ``x1`` and ``x2`` along ``dim`` (broadcasting the two).

    .. math:: \\frac{x_1 \\cdot x_2}{\\max(\\|x_1\\|_2, \\epsilon) \\, \\max(\\|x_2\\|_2, \\epsilon)}

    Args:
        x1: any shape broadcastable with ``x2``.
        x2: the other input.
        dim: the vector dim (default 1, as in PyTorch; ``axis=`` is the NumPy spelling).
        eps: lower bound of each norm, so zero vectors give 0, not NaN.

    Returns:
        Tensor: the broadcast shape without ``dim``.

    Raises:
        TypeError: if an input is not a Tensor.
        ValueError: if the shapes do not broadcast or ``dim`` is out of range.

    Examples:
        >>> import lucid
        >>> a = lucid.tensor([[1.0, 0.0], [1.0, 1.0]])
        >>> b = lucid.tensor([[0.0, 2.0], [2.0, 2.0]])
        >>> [round(v, 4) for v in lucid.nn.functional.cosine_similarity(a, b).tolist()]
        [0.0, 1.0]
    """
    check_tensor(x1, "x1", "cosine_similarity")
    check_tensor(x2, "x2", "cosine_similarity")
    d = reduce_axis_arg(axis, dim, "cosine_similarity", 1)
    try:
        shape = np.broadcast_shapes(x1.shape, x2.shape)
    except ValueError:
        raise ValueError(f"cosine_similarity: shapes {x1.shape} and {x2.shape} do not broadcast") from None
    d = normalize_dim(d, len(shape), "cosine_similarity")
    if x1._data.dtype in REAL_FLOATING_MX and x1._data.dtype == x2._data.dtype:
        return _Cosine.apply(x1, x2, d, float(eps))
    x1, x2 = x1.broadcast_to(shape), x2.broadcast_to(shape)
    n1 = vector_norm(x1, 2, d).clamp(min=eps)
    n2 = vector_norm(x2, 2, d).clamp(min=eps)
    return (x1 * x2).sum(dim=d) / (n1 * n2)


class _Cosine(Function):
    """``dot / (max(|x1|, eps) * max(|x2|, eps))`` along ``dim`` of the broadcast inputs."""

    @staticmethod
    def forward(ctx, x1, x2, dim, eps):
        ctx.shapes = (x1.shape, x2.shape)
        shape = mx.broadcast_shapes(x1.shape, x2.shape)
        # The norms are of the broadcast vectors (a size-1 dim repeats the entry): broadcast first (no copy).
        x1, x2 = mx.broadcast_to(x1, shape), mx.broadcast_to(x2, shape)
        r1 = mx.sqrt(reductions.sum(x1 * x1, axis=dim))
        r2 = mx.sqrt(reductions.sum(x2 * x2, axis=dim))
        n1, n2 = mx.maximum(r1, eps), mx.maximum(r2, eps)
        out = reductions.sum(x1 * x2, axis=dim) / (n1 * n2)
        ctx.save_for_backward(x1, x2, r1, r2, n1, n2, out)
        ctx.meta = (dim, eps)
        return out

    @staticmethod
    def backward(ctx, g):
        x1, x2, r1, r2, n1, n2, out = ctx.saved_tensors
        dim, eps = ctx.meta
        need1, need2 = ctx.needs_input_grad[:2]
        # d out / d x1 = x2 / (n1 n2) - out / n1 * d n1 / d x1, where d n1 / d x1 = x1 / |x1| while
        # |x1| >= eps (the clamp passes the gradient at its bound, as PyTorch's does) and 0 below.
        scale = mx.expand_dims(g / (n1 * n2), dim)
        go = g * out
        s1, s2 = ctx.shapes

        def part(x, other, r, n, in_shape):
            pull = mx.where(r >= eps, go / (n * mx.where(r == 0, 1, r)), 0)
            return unbroadcast(scale * other - mx.expand_dims(pull, dim) * x, in_shape)

        return (part(x1, x2, r1, n1, s1) if need1 else None, part(x2, x1, r2, n2, s2) if need2 else None,
                None, None)


def pairwise_distance(x1: Tensor, x2: Tensor, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False, *,
                      keepdims: bool = False) -> Tensor:
    """The ``p``-norm distance ``||x1 - x2 + eps||_p`` along the last dim (rows broadcast).

    Args:
        x1: ``(N, D)`` or ``(D,)``.
        x2: broadcastable with ``x1``.
        p: the norm degree (``>= 0``; ``float('inf')`` for the max norm).
        eps: added to the difference, so the gradient at equal points is finite.
        keepdim: keep the last dim with size 1 (``keepdims=`` is the NumPy spelling).

    Returns:
        Tensor: ``(N,)`` (or ``()`` for two vectors).

    Raises:
        TypeError: if an input is not a Tensor or ``p`` not a number.
        ValueError: on negative ``p`` or shapes that do not broadcast.

    Examples:
        >>> import lucid
        >>> a = lucid.tensor([[0.0, 0.0], [1.0, 1.0]])
        >>> b = lucid.tensor([[3.0, 4.0], [1.0, 1.0]])
        >>> [round(v, 3) for v in lucid.nn.functional.pairwise_distance(a, b, eps=0.0).tolist()]
        [5.0, 0.0]
    """
    check_tensor(x1, "x1", "pairwise_distance")
    check_tensor(x2, "x2", "pairwise_distance")
    p = _check_p(p, "pairwise_distance")
    try:
        np.broadcast_shapes(x1.shape, x2.shape)
    except ValueError:
        raise ValueError(f"pairwise_distance: shapes {x1.shape} and {x2.shape} do not broadcast") from None
    diff = x1 - x2 + eps
    if diff.ndim == 0:
        diff = diff.reshape(1)
    return vector_norm(diff, p, -1, reduce_keepdims_arg(keepdims, keepdim))


def pdist(input: Tensor, p: float = 2.0) -> Tensor:
    """The ``p``-norm distances between every pair of rows ``i < j`` of an ``(N, M)`` input.

    Args:
        input: ``(N, M)``.
        p: the norm degree (``>= 0``).

    Returns:
        Tensor: ``(N (N - 1) / 2,)``, the upper triangle of the distance matrix, row by row.
        The 2-norm's gradient is NaN where two rows are equal (as ``sqrt`` at 0).

    Raises:
        ValueError: if ``input`` is not 2-D or ``p`` is negative.

    Examples:
        >>> import lucid
        >>> x = lucid.tensor([[0.0, 0.0], [3.0, 4.0], [0.0, 1.0]])
        >>> lucid.nn.functional.pdist(x).tolist()
        [5.0, 1.0, 4.242640495300293]
    """
    check_tensor(input, "input", "pdist")
    p = _check_p(p, "pdist")
    if input.ndim != 2:
        raise ValueError(f"pdist: input must be 2-D (N, M), got shape {input.shape}")
    n = input.shape[0]
    # The pairs are known from the shape alone, so host-side indices are safe.
    i, j = np.triu_indices(n, 1)
    if i.size == 0:
        return input.sum(dim=1)[:0]
    diff = input[i.tolist()] - input[j.tolist()]
    return vector_norm(diff, p, -1)
