"""Lookups by integer index: ``embedding`` and ``one_hot``.

Index tensors are checked lazily (see :mod:`lucid.ops._index_guard`): the
lookup itself is clamped into the table, and an index outside
``[0, num_embeddings)`` (or ``[0, num_classes)``) raises ``IndexError`` at the
next sync point. As in PyTorch, negative indices are out of range here.
"""

from __future__ import annotations

import numbers

import mlx.core as mx

from lucid._backend import checks, reductions
from lucid._backend.dtypes import INTEGER_MX
from lucid._tensor import Tensor
from lucid.autograd.function import Function
from lucid.nn.functional._kernels import check_lookup
from lucid.ops._index_guard import check_index, out_of_range, safe_index

__all__ = ["embedding", "one_hot"]


class EmbeddingFunction(Function):
    """Rows of ``weight`` at ``indices``; the backward scatter-adds into a dense weight gradient."""

    @staticmethod
    def forward(ctx, w, idx, padding_idx, scale_grad_by_freq):
        ctx.save_for_backward(idx)
        ctx.meta = (w.shape, w.dtype, padding_idx, scale_grad_by_freq)
        return mx.take(w, idx, axis=0)

    @staticmethod
    def backward(ctx, g):
        (idx,) = ctx.saved_tensors
        wshape, wdtype, padding_idx, by_freq = ctx.meta
        flat = mx.reshape(idx, (-1,))
        g2 = mx.reshape(g, (-1, wshape[1]))
        if padding_idx is not None:
            # NOTE: the padding row never receives a gradient (PyTorch's convention).
            g2 = mx.where(mx.expand_dims(flat == padding_idx, 1), 0.0, g2)
        if by_freq:
            counts = mx.zeros((wshape[0],), dtype=g2.dtype).at[flat].add(1.0)
            g2 = g2 / mx.expand_dims(mx.take(counts, flat), 1)
        gw = mx.zeros(wshape, dtype=wdtype).at[flat].add(g2.astype(wdtype))
        return gw, None, None, None


def _renorm_(weight: Tensor, idx: mx.array, max_norm: float, norm_type: float) -> None:
    """Scale the rows of ``weight`` looked up by ``idx`` to norm ``<= max_norm``, in place (no gradient)."""
    w = weight._data
    flat = mx.reshape(idx, (-1,))
    rows = mx.take(w, flat, axis=0)
    a = mx.abs(rows.astype(mx.float32) if w.dtype in (mx.float16, mx.bfloat16) else rows)
    if norm_type == float("inf"):
        norms = mx.max(a, axis=1)
    else:
        norms = mx.power(reductions.sum(mx.power(a, norm_type), axis=1), 1.0 / norm_type)
    # NOTE: 1e-7 is added to the norm before dividing, as PyTorch's embedding_renorm_ does.
    scale = mx.where(norms > max_norm, max_norm / (norms + 1e-7), 1.0).astype(w.dtype)
    new_rows = rows * mx.expand_dims(scale, 1)
    # Repeated indices write identical rows, so the scatter is well defined.
    index = mx.broadcast_to(mx.expand_dims(flat, 1), new_rows.shape)
    weight._data = mx.put_along_axis(w, index, new_rows, axis=0)
    weight._version += 1


def embedding(input: Tensor, weight: Tensor, padding_idx: int | None = None, max_norm: float | None = None,
              norm_type: float = 2.0, scale_grad_by_freq: bool = False, sparse: bool = False) -> Tensor:
    """Look up rows of ``weight`` by the integer indices in ``input``.

    Args:
        input: integer indices of any shape, values in ``[0, num_embeddings)``;
            others raise ``IndexError`` at the next sync point (negative ones too).
        weight: ``(num_embeddings, embedding_dim)``.
        padding_idx: this row receives no gradient (negative counts from the end).
        max_norm: if given, the looked-up rows of ``weight`` whose ``norm_type``-norm
            exceeds it are rescaled to ``max_norm`` *in place* before the lookup
            (``weight``'s version counter goes up), as in PyTorch.
        norm_type: the p of the p-norm for ``max_norm`` (default 2).
        scale_grad_by_freq: divide each row's gradient by the number of times its
            index occurs in ``input``.
        sparse: accepted for PyTorch compatibility; the gradient of ``weight``
            is dense either way (Lucid has no sparse tensors), with zero rows
            for the indices not looked up. Pair it with
            :class:`lucid.optim.SparseAdam` to update only the rows used.

    Returns:
        Tensor: ``input.shape + (embedding_dim,)``.

    Raises:
        TypeError: if ``input`` is not an integer tensor, or ``sparse`` is not a bool.
        ValueError: if ``weight`` is not 2-D or ``padding_idx`` is out of range.

    Examples:
        >>> import lucid
        >>> w = lucid.tensor([[0.0, 0.0], [1.0, 2.0], [3.0, 4.0]])
        >>> lucid.nn.functional.embedding(lucid.tensor([[2, 1]]), w).tolist()
        [[[3.0, 4.0], [1.0, 2.0]]]
    """
    check_lookup(input, weight, "embedding")
    if not isinstance(sparse, bool):
        raise TypeError(f"embedding: sparse must be a bool, got {sparse!r} ({type(sparse).__name__})")
    n = weight.shape[0]
    if padding_idx is not None:
        padding_idx = _check_padding_idx(padding_idx, n, "embedding")
    idx = safe_index(input._data, n, "embedding", dim=0)
    if max_norm is not None:
        _renorm_(weight, idx, float(max_norm), float(norm_type))
    return EmbeddingFunction.apply(weight, idx, padding_idx, bool(scale_grad_by_freq))


def _check_padding_idx(padding_idx, n: int, op: str) -> int:
    if isinstance(padding_idx, bool) or not isinstance(padding_idx, numbers.Integral):
        raise TypeError(f"{op}: padding_idx must be an int or None, got {type(padding_idx).__name__}")
    if not -n <= padding_idx < n:
        raise ValueError(f"{op}: padding_idx must be within [-{n}, {n}) for num_embeddings={n}, got {padding_idx}")
    return int(padding_idx) % n


def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """One-hot encode integer class indices: ``out[..., c] = (tensor[...] == c)``, as int64.

    Args:
        tensor: integer indices of any shape, values in ``[0, num_classes)``;
            others (negative ones too) raise an ``IndexError`` that is also a
            ``RuntimeError`` (PyTorch's type here) at the next sync point.
        num_classes: the size of the new last dim. ``-1`` (default) uses
            ``tensor.max() + 1``, which reads a value back: a sync point
            (it evaluates ``tensor``, and a negative value raises at once);
            pass it explicitly in hot code.

    Returns:
        Tensor: int64 of shape ``tensor.shape + (num_classes,)``; it carries no gradient.

    Raises:
        TypeError: if ``tensor`` is not an integer tensor.
        ValueError: if ``num_classes`` is < -1, or is -1 with an empty ``tensor``.

    Examples:
        >>> import lucid
        >>> lucid.nn.functional.one_hot(lucid.tensor([0, 2]), 3).tolist()
        [[1, 0, 0], [0, 0, 1]]
    """
    if not isinstance(tensor, Tensor):
        raise TypeError(f"one_hot: expected a lucid.Tensor, got {type(tensor).__name__}")
    if tensor._data.dtype not in INTEGER_MX:
        raise TypeError(f"one_hot: expects an integer tensor of class indices, got {tensor.dtype}")
    if isinstance(num_classes, bool) or not isinstance(num_classes, numbers.Integral) or num_classes < -1:
        raise ValueError(f"one_hot: num_classes must be an int >= -1, got {num_classes!r}")
    arr = tensor._data
    if num_classes == -1:
        if arr.size == 0:
            raise ValueError("one_hot: cannot infer the number of classes from an empty tensor; pass num_classes")
        lo, hi = mx.min(arr), mx.max(arr)
        checks.sync([lo, hi])  # sync point, documented above
        lo, hi = lo.item(), hi.item()
        num_classes = hi + 1
        if lo < 0:
            raise out_of_range("one_hot", lo, hi, num_classes, False, None, "class value")
    else:
        # NOTE: values outside [0, num_classes) would give an all-zero row; they raise at the next sync instead.
        check_index(arr, num_classes, "one_hot", noun="class value")
    out = (mx.expand_dims(arr, -1) == mx.arange(num_classes, dtype=arr.dtype)).astype(mx.int64)
    return Tensor._make(out, tensor._device)
