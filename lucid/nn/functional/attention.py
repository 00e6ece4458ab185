"""Attention: ``scaled_dot_product_attention`` on MLX's fused kernel, with PyTorch's masks and defaults."""

from __future__ import annotations

import math
import numbers

import mlx.core as mx

from lucid._backend import reductions
from lucid._backend.dtypes import bool_
from lucid._tensor import Tensor
from lucid.autograd.function import Function
from lucid.nn.functional.activation import softmax
from lucid.nn.functional.dropout import dropout
from lucid.ops._autocast import autocast_inputs
from lucid.ops.linalg import matmul

__all__ = ["scaled_dot_product_attention"]


class _FusedAttention(Function):
    """``softmax(q @ k^T * scale + mask) @ v`` by ``mx.fast.scaled_dot_product_attention``.

    Inputs are ``(B, H, L, E)``, ``(B, Hkv, S, E)``, ``(B, Hkv, S, Ev)``
    (``Hkv`` divides ``H``: grouped-query attention needs no tiling). The
    backward is MLX's own vjp of the fused kernel.
    """

    @staticmethod
    def forward(ctx, q, k, v, *, scale, mask, keep_rows):
        ctx.save_for_backward(q, k, v)
        ctx.scale, ctx.mask, ctx.keep_rows = scale, mask, keep_rows
        return _fused(q, k, v, scale, mask, keep_rows)

    @staticmethod
    def backward(ctx, g):
        q, k, v = ctx.saved_tensors
        scale, mask, keep_rows = ctx.scale, ctx.mask, ctx.keep_rows
        _, grads = mx.vjp(lambda a, b, c: _fused(a, b, c, scale, mask, keep_rows), [q, k, v], [g])
        return tuple(grads)


def _fused(q, k, v, scale, mask, keep_rows):
    out = mx.fast.scaled_dot_product_attention(q, k, v, scale=scale, mask=mask)
    if keep_rows is not None:
        # NOTE: a query whose keys are all masked out attends to nothing and gives zeros, as
        # PyTorch's math path does (its "safe softmax"); MLX's kernel would average the values.
        out = mx.where(keep_rows, out, mx.zeros((), dtype=out.dtype))
    return out


def _check(query, key, value, attn_mask, dropout_p, is_causal, scale, enable_gqa):
    op = "scaled_dot_product_attention"
    for name, t in (("query", query), ("key", key), ("value", value)):
        if not isinstance(t, Tensor):
            raise TypeError(f"{op}: {name} must be a Tensor, got {type(t).__name__}")
        if t.ndim < 2:
            raise ValueError(f"{op}: {name} needs at least 2 dims (..., seq, features), got shape {t.shape}")
        if t.dtype not in (query.dtype,) or not t.is_floating_point():
            raise TypeError(f"{op}: query, key and value must share one floating dtype, got "
                            f"{query.dtype}, {key.dtype}, {value.dtype}")
    if query.shape[-1] != key.shape[-1]:
        raise ValueError(f"{op}: query and key need the same feature size, got query {query.shape} "
                         f"and key {key.shape}")
    if key.shape[-2] != value.shape[-2]:
        raise ValueError(f"{op}: key and value need the same sequence length, got key {key.shape} "
                         f"and value {value.shape}")
    if isinstance(dropout_p, bool) or not isinstance(dropout_p, numbers.Real) or not 0 <= dropout_p <= 1:
        raise ValueError(f"{op}: dropout_p must be a probability in [0, 1], got {dropout_p!r}")
    if scale is not None and (isinstance(scale, bool) or not isinstance(scale, numbers.Real)):
        raise TypeError(f"{op}: scale must be a number or None, got {type(scale).__name__}")
    if is_causal and attn_mask is not None:
        raise ValueError(f"{op}: pass either attn_mask or is_causal=True, not both")
    if attn_mask is not None:
        if not isinstance(attn_mask, Tensor):
            raise TypeError(f"{op}: attn_mask must be a Tensor, got {type(attn_mask).__name__}")
        if attn_mask.dtype != bool_ and not attn_mask.is_floating_point():
            raise TypeError(f"{op}: attn_mask must be bool (True = may attend) or a float mask added to the "
                            f"scores, got {attn_mask.dtype}")
    if query.ndim >= 3 and key.ndim >= 3:
        hq, hk = query.shape[-3], key.shape[-3]
        if hq != hk:
            if not enable_gqa:
                raise ValueError(f"{op}: query has {hq} heads and key {hk}; pass enable_gqa=True for "
                                 "grouped-query attention")
            if hk == 0 or hq % hk or value.shape[-3] != hk:
                raise ValueError(f"{op}: with enable_gqa the key/value heads ({hk}, {value.shape[-3]}) must be "
                                 f"equal and divide the query heads ({hq})")


def _heads_first(t: Tensor, batch: tuple) -> Tensor:
    """``(..., H, S, E)`` as ``(B, H, S, E)``: dim -3 is the head axis, the dims before it broadcast to ``batch``."""
    if t.ndim <= 3:
        return t.reshape((1,) * (4 - t.ndim) + t.shape)
    if t.shape[:-3] != batch:
        t = t.broadcast_to((*batch, *t.shape[-3:]))
    return t.reshape(-1, *t.shape[-3:])


def scaled_dot_product_attention(query: Tensor, key: Tensor, value: Tensor, attn_mask: Tensor | None = None,
                                 dropout_p: float = 0.0, is_causal: bool = False, scale: float | None = None,
                                 enable_gqa: bool = False) -> Tensor:
    r"""Attention of ``query`` over ``key``/``value``: :math:`\mathrm{softmax}(QK^T s + M)\,V`.

    PyTorch's semantics: ``s`` is ``scale`` or ``1/sqrt(E)``; a boolean
    ``attn_mask`` marks with ``True`` the keys a query may attend to, a float
    one is added to the scores; both broadcast to ``(..., L, S)``.
    ``is_causal`` lets query ``i`` see keys ``0..i`` (top-left aligned, as
    PyTorch). A query row with no visible key gives zeros. ``dropout_p``
    drops attention weights (always: pass ``0.0`` at evaluation time).
    ``enable_gqa`` lets key and value have fewer heads (dim -3) than query,
    each shared by a group of query heads.

    Without dropout the work runs in MLX's fused attention kernel (forward and
    backward); with dropout, or a float mask that requires grad (a learned
    position bias), it is composed from matmul, softmax and dropout.

    Args:
        query: ``(..., L, E)``. key: ``(..., S, E)``. value: ``(..., S, Ev)``.
        attn_mask: bool or float, broadcastable to ``(..., L, S)``.

    Returns:
        ``(..., L, Ev)``.

    Examples:
        >>> import lucid
        >>> import lucid.nn.functional as F
        >>> q = k = v = lucid.randn(2, 4, 8, 16)  # (batch, heads, seq, features)
        >>> F.scaled_dot_product_attention(q, k, v, is_causal=True).shape
        (2, 4, 8, 16)
    """
    _check(query, key, value, attn_mask, dropout_p, is_causal, scale, enable_gqa)
    query, key, value = autocast_inputs(query, key, value, low=True)
    L, S, E = query.shape[-2], key.shape[-2], query.shape[-1]
    scale = 1.0 / math.sqrt(E) if scale is None else float(scale)
    if dropout_p > 0 or (attn_mask is not None and attn_mask.requires_grad):
        # The fused kernel takes the mask as a constant: a learned additive mask (a position bias)
        # needs the composed form to receive its gradient.
        return _composed(query, key, value, attn_mask, dropout_p, is_causal, scale)

    lead = query.shape[:-2]
    batch = query.shape[:-3]
    try:
        q, k, v = (_heads_first(t, batch) for t in (query, key, value))
    except ValueError:
        raise ValueError(f"scaled_dot_product_attention: the batch dims of key {key.shape} and value "
                         f"{value.shape} do not broadcast to those of query {query.shape}") from None
    mask = keep = None
    if is_causal:
        if L == S:
            mask = "causal"  # MLX's causal mask; its bottom-right alignment equals PyTorch's when L == S
        else:
            mask = mx.tril(mx.ones((L, S), dtype=mx.bool_))
            keep = reductions.any(mask, axis=-1, keepdims=True)
    elif attn_mask is not None:
        try:
            m = mx.broadcast_to(attn_mask._data, (*lead, L, S))
        except ValueError:
            raise ValueError(f"scaled_dot_product_attention: attn_mask of shape {attn_mask.shape} does not "
                             f"broadcast to the scores' shape {(*lead, L, S)}") from None
        m = mx.reshape(m, (-1, q.shape[1], L, S))
        # A row with no visible key is unmasked for the kernel (so no -inf row makes NaN in its
        # backward) and its output zeroed afterwards.
        if m.dtype == mx.bool_:
            keep = reductions.any(m, axis=-1, keepdims=True)
            m = mx.logical_or(m, mx.logical_not(keep))
        else:
            m = m.astype(q._data.dtype)
            keep = reductions.any(m > -mx.inf, axis=-1, keepdims=True)
            m = mx.where(keep, m, mx.zeros((), dtype=m.dtype))
        mask = m
    out = _FusedAttention.apply(q, k, v, scale=scale, mask=mask, keep_rows=keep)
    return out.reshape(*lead, L, value.shape[-1])


def _composed(query, key, value, attn_mask, dropout_p, is_causal, scale):
    """The reference formula in Lucid ops (used with dropout)."""
    from lucid.ops.creation import ones
    from lucid.ops.rearrange import repeat_interleave, tril
    from lucid.ops.unary import where

    if key.ndim >= 3 and key.shape[-3] != query.shape[-3]:
        group = query.shape[-3] // key.shape[-3]
        key = repeat_interleave(key, group, dim=-3)
        value = repeat_interleave(value, group, dim=-3)
    scores = matmul(query, key.transpose(-2, -1)) * scale
    L, S = scores.shape[-2], scores.shape[-1]
    allowed = None
    if is_causal:
        allowed = tril(ones(L, S, dtype=bool_, device=query.device))
    elif attn_mask is not None and attn_mask.dtype == bool_:
        allowed = attn_mask
    elif attn_mask is not None:
        scores = scores + attn_mask.astype(scores.dtype)
    if allowed is not None:
        scores = where(allowed, scores, float("-inf"))
    # Rows with no visible key give zeros rather than NaN (PyTorch's safe softmax), in the backward too.
    dead = scores.isneginf().all(dim=-1, keepdim=True)
    weights = where(dead, 0.0, softmax(where(dead, 0.0, scores), dim=-1))
    return matmul(dropout(weights, dropout_p, training=True), value)
