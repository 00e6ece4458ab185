"""Distances between vectors: ``cosine_similarity``, ``pairwise_distance``, ``pdist``.

Each one is composed from differentiable Lucid ops, so autograd gives the
gradient and no backward rule of its own is needed.
"""

from __future__ import annotations

import numpy as np

from lucid._tensor import Tensor
from lucid.linalg import vector_norm
from lucid.nn.functional._kernels import check_tensor
from lucid.ops._util import normalize_dim, reduce_axis_arg, reduce_keepdims_arg

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
    x1, x2 = x1.broadcast_to(shape), x2.broadcast_to(shape)
    d = normalize_dim(d, x1.ndim, "cosine_similarity")
    n1 = vector_norm(x1, 2, d).clamp(min=eps)
    n2 = vector_norm(x2, 2, d).clamp(min=eps)
    return (x1 * x2).sum(dim=d) / (n1 * n2)


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
