"""Bags of embeddings: ``embedding_bag`` (sum, mean or max of the rows looked up for each bag).

The lookup is :func:`~lucid.nn.functional.embedding` (so indices are clamped
and checked lazily through :mod:`lucid.ops._index_guard`); the bag reduction
is a product with a ``(bags, indices)`` 0/1 assignment matrix built lazily from
``offsets``, so nothing syncs and the gradient comes from the ops used.
"""

from __future__ import annotations

import mlx.core as mx

from lucid._backend import reductions
from lucid._backend.dtypes import INTEGER_MX
from lucid._tensor import Tensor
from lucid.nn.functional._kernels import check_lookup
from lucid.nn.functional.sparse import _check_padding_idx, embedding
from lucid.ops._index_guard import safe_index
from lucid.ops.linalg import matmul
from lucid.ops.reduction import amax
from lucid.ops.unary import where

__all__ = ["embedding_bag"]

MODES = ("sum", "mean", "max")


def _bag_ids(input: Tensor, offsets, include_last_offset: bool, op: str):
    """The flat indices, the bag of each one (``-1`` or ``>= bags`` for none) and the number of bags."""
    if input.ndim == 2:
        if offsets is not None:
            raise ValueError(f"{op}: offsets must be None when input is 2-D (each row is a bag), got offsets")
        b, n = input.shape
        ids = mx.repeat(mx.arange(b, dtype=mx.int32), n)
        return input.reshape(-1), ids, b
    if input.ndim != 1:
        raise ValueError(f"{op}: input must be 1-D (with offsets) or 2-D (one bag per row), got shape {input.shape}")
    if offsets is None:
        raise ValueError(f"{op}: a 1-D input needs offsets (the start of each bag)")
    if not isinstance(offsets, Tensor):
        raise TypeError(f"{op}: offsets must be a lucid.Tensor, got {type(offsets).__name__}")
    if offsets.ndim != 1 or offsets._data.dtype not in INTEGER_MX:
        raise ValueError(f"{op}: offsets must be a 1-D integer tensor, got shape {offsets.shape} {offsets.dtype}")
    n = input.shape[0]
    bags = offsets.shape[0] - (1 if include_last_offset else 0)
    if bags < 0:
        raise ValueError(f"{op}: include_last_offset=True needs at least one offset")
    if offsets.shape[0] == 0:
        return input, mx.full((n,), -1, mx.int32), 0
    starts = safe_index(offsets._data, n + 1, op, dim=0)  # an offset may be n (a trailing empty bag)
    marks = mx.zeros((n + 1,), mx.int32).at[starts].add(mx.ones(starts.shape, mx.int32))
    ids = mx.cumsum(marks, axis=0)[:n] - 1
    return input, ids, bags


def embedding_bag(input: Tensor, weight: Tensor, offsets: Tensor | None = None, max_norm: float | None = None,
                  norm_type: float = 2.0, scale_grad_by_freq: bool = False, mode: str = "mean",
                  sparse: bool = False, per_sample_weights: Tensor | None = None, include_last_offset: bool = False,
                  padding_idx: int | None = None) -> Tensor:
    """The sum, mean or max of the embedding rows of each bag of indices, without materialising the lookups per bag.

    Bags are the rows of a 2-D ``input`` ``(B, N)``, or, for a 1-D ``input``,
    the slices ``input[offsets[i]:offsets[i + 1]]`` (the last bag runs to the
    end; with ``include_last_offset`` the last offset is the end instead of
    the start of a bag). Entries equal to ``padding_idx`` are left out of
    their bag (and of the mean's count). An empty bag gives zeros.

    Args:
        input: integer indices into ``weight``'s rows; an out-of-range index
            raises ``IndexError`` at the next sync point.
        weight: ``(num_embeddings, embedding_dim)``.
        offsets: 1-D integer start positions of the bags (1-D ``input`` only).
        max_norm, norm_type, scale_grad_by_freq, sparse: as in :func:`embedding`.
        mode: ``"sum"``, ``"mean"`` or ``"max"``.
        per_sample_weights: weights of ``input``'s shape that scale each row
            before the sum (``mode="sum"`` only).
        include_last_offset: ``offsets`` has ``B + 1`` entries, the last one the end.
        padding_idx: index excluded from the bags (negative counts from the end).

    Returns:
        Tensor: ``(B, embedding_dim)``.

    Raises:
        TypeError: ``input`` or ``offsets`` is not an integer tensor.
        ValueError: a bad ``mode``, shape, or ``per_sample_weights`` with a mode other than ``"sum"``.

    Examples:
        >>> import lucid
        >>> import lucid.nn.functional as F
        >>> w = lucid.tensor([[1.0, 0.0], [0.0, 1.0], [2.0, 2.0]])
        >>> F.embedding_bag(lucid.tensor([0, 1, 2, 2]), w, lucid.tensor([0, 2]), mode="sum").tolist()
        [[1.0, 1.0], [4.0, 4.0]]
    """
    op = "embedding_bag"
    check_lookup(input, weight, op)
    if mode not in MODES:
        raise ValueError(f"{op}: mode must be one of {MODES}, got {mode!r}")
    if not isinstance(include_last_offset, bool):
        raise TypeError(f"{op}: include_last_offset must be a bool, got {type(include_last_offset).__name__}")
    if per_sample_weights is not None:
        if mode != "sum":
            raise ValueError(f"{op}: per_sample_weights is only supported with mode='sum', got mode={mode!r}")
        if not isinstance(per_sample_weights, Tensor) or per_sample_weights.shape != input.shape:
            got = per_sample_weights.shape if isinstance(per_sample_weights, Tensor) else \
                type(per_sample_weights).__name__
            raise ValueError(f"{op}: per_sample_weights must be a Tensor of input's shape {input.shape}, got {got}")
    num = weight.shape[0]
    if padding_idx is not None:
        padding_idx = _check_padding_idx(padding_idx, num, op)
    flat, ids, bags = _bag_ids(input, offsets, include_last_offset, op)
    rows = embedding(flat, weight, None, max_norm, norm_type, scale_grad_by_freq, sparse)  # (N, D)
    dev, dt = weight._device, weight._data.dtype
    member = mx.expand_dims(mx.arange(bags, dtype=mx.int32), 1) == mx.expand_dims(ids, 0)  # (B, N)
    if padding_idx is not None:
        member = member & mx.expand_dims(flat._data != padding_idx, 0)
    if mode == "max":
        mask = Tensor._make(mx.expand_dims(member, -1), dev)  # (B, N, 1)
        neg = Tensor._make(mx.array(-float("inf"), dt), dev)
        best = amax(where(mask, rows.unsqueeze(0), neg), dim=1)  # (B, D)
        empty = Tensor._make(mx.expand_dims(~reductions.any(member, axis=1), 1), dev)
        return where(empty, Tensor._make(mx.zeros((), dt), dev), best)
    assign = Tensor._make(member.astype(dt), dev)
    if per_sample_weights is not None:
        rows = rows * per_sample_weights.reshape(-1, 1).to(weight.dtype)
    out = matmul(assign, rows)
    if mode == "mean":
        counts = mx.maximum(reductions.sum(member.astype(dt), axis=1, keepdims=True), 1)
        out = out / Tensor._make(counts, dev)
    return out
