"""Attention layers: ``MultiheadAttention`` with PyTorch's parameters, masks and state_dict keys."""

from __future__ import annotations

import numbers

from lucid._backend.dtypes import bool_
from lucid._tensor import Tensor
from lucid.nn import init
from lucid.nn.functional.activation import softmax
from lucid.nn.functional.attention import scaled_dot_product_attention
from lucid.nn.functional.dropout import dropout
from lucid.nn.functional.linear import linear
from lucid.nn.module import Module
from lucid.nn.modules.linear import Linear
from lucid.nn.parameter import Parameter
from lucid.ops.creation import empty, ones, zeros
from lucid.ops.linalg import matmul
from lucid.ops.rearrange import tril
from lucid.ops.shape import cat
from lucid.ops.unary import where

__all__ = ["MultiheadAttention"]


def _positive_int(value, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"MultiheadAttention: {name} must be an int, got {type(value).__name__}")
    if value <= 0:
        raise ValueError(f"MultiheadAttention: {name} must be positive, got {value}")
    return int(value)


class MultiheadAttention(Module):
    r"""Multi-head attention (Vaswani et al., 2017), PyTorch's ``nn.MultiheadAttention``.

    .. math::

        \mathrm{MHA}(Q, K, V) = \mathrm{concat}(h_1, \dots, h_H) W^O, \qquad
        h_i = \mathrm{softmax}\Big(\frac{Q W_i^Q (K W_i^K)^T}{\sqrt{d}}\Big) V W_i^V

    Args:
        embed_dim: model width ``E``; each of the ``num_heads`` heads gets ``E / num_heads``.
        num_heads: number of heads; must divide ``embed_dim``.
        dropout: dropout on the attention weights while training (default 0).
        bias: learn biases for the input and output projections (default ``True``).
        add_bias_kv: append a learned key and value to the key/value sequences.
        add_zero_attn: append a zero key and value (after the projections).
        kdim, vdim: feature sizes of key and value (default ``embed_dim``).
        batch_first: inputs and outputs are ``(N, L, E)`` instead of ``(L, N, E)``.

    Attributes (PyTorch's names, so converted checkpoints load by name):
        in_proj_weight ``(3E, E)`` when ``kdim == vdim == E``, else ``q_proj_weight``
        ``(E, E)``, ``k_proj_weight`` ``(E, kdim)``, ``v_proj_weight`` ``(E, vdim)``;
        ``in_proj_bias`` ``(3E,)``; ``out_proj`` (a ``Linear(E, E)``); ``bias_k``,
        ``bias_v`` ``(1, 1, E)``. Initialised as PyTorch does: Xavier-uniform input
        projections, zero biases, Xavier-normal ``bias_k``/``bias_v``.

    Forward:
        ``forward(query, key, value, key_padding_mask=None, need_weights=True, attn_mask=None,
        average_attn_weights=True, is_causal=False)`` returns ``(output, weights)``.
        A boolean ``key_padding_mask`` ``(N, S)`` or ``attn_mask`` ``(L, S)``/``(N * H, L, S)`` marks
        with ``True`` what may **not** be attended to (PyTorch's convention here, the opposite of
        ``scaled_dot_product_attention``); float masks are added to the scores. ``weights`` is
        ``(N, L, S)`` averaged over heads, ``(N, H, L, S)`` with ``average_attn_weights=False``, or
        ``None`` with ``need_weights=False`` (the faster path). ``is_causal=True`` without an
        ``attn_mask`` builds the causal mask (PyTorch requires passing the mask as well).
        A query whose keys are all masked gets a zero output and zero weights.

    Examples:
        >>> import lucid
        >>> mha = lucid.nn.MultiheadAttention(16, 4, batch_first=True)
        >>> x = lucid.randn(2, 5, 16)
        >>> out, weights = mha(x, x, x)
        >>> out.shape, weights.shape
        ((2, 5, 16), (2, 5, 5))
    """

    def __init__(self, embed_dim: int, num_heads: int, dropout: float = 0.0, bias: bool = True,
                 add_bias_kv: bool = False, add_zero_attn: bool = False, kdim: int | None = None,
                 vdim: int | None = None, batch_first: bool = False, device=None, dtype=None) -> None:
        super().__init__()
        self.embed_dim = _positive_int(embed_dim, "embed_dim")
        self.num_heads = _positive_int(num_heads, "num_heads")
        if self.embed_dim % self.num_heads:
            raise ValueError(f"MultiheadAttention: embed_dim ({embed_dim}) must be divisible by num_heads "
                             f"({num_heads})")
        if isinstance(dropout, bool) or not isinstance(dropout, numbers.Real) or not 0 <= dropout <= 1:
            raise ValueError(f"MultiheadAttention: dropout must be a probability in [0, 1], got {dropout!r}")
        self.kdim = self.embed_dim if kdim is None else _positive_int(kdim, "kdim")
        self.vdim = self.embed_dim if vdim is None else _positive_int(vdim, "vdim")
        self._qkv_same_embed_dim = self.kdim == self.embed_dim and self.vdim == self.embed_dim
        self.dropout = float(dropout)
        self.batch_first = bool(batch_first)
        self.head_dim = self.embed_dim // self.num_heads
        self.add_zero_attn = bool(add_zero_attn)
        e = self.embed_dim
        kw = dict(dtype=dtype, device=device)
        if self._qkv_same_embed_dim:
            self.in_proj_weight = Parameter(empty(3 * e, e, **kw))
            self.register_parameter("q_proj_weight", None)
            self.register_parameter("k_proj_weight", None)
            self.register_parameter("v_proj_weight", None)
        else:
            self.q_proj_weight = Parameter(empty(e, e, **kw))
            self.k_proj_weight = Parameter(empty(e, self.kdim, **kw))
            self.v_proj_weight = Parameter(empty(e, self.vdim, **kw))
            self.register_parameter("in_proj_weight", None)
        if bias:
            self.in_proj_bias = Parameter(empty(3 * e, **kw))
        else:
            self.register_parameter("in_proj_bias", None)
        self.out_proj = Linear(e, e, bias=bias, **kw)
        if add_bias_kv:
            self.bias_k = Parameter(empty(1, 1, e, **kw))
            self.bias_v = Parameter(empty(1, 1, e, **kw))
        else:
            self.bias_k = self.bias_v = None
        self._reset_parameters()

    def _reset_parameters(self) -> None:
        if self._qkv_same_embed_dim:
            init.xavier_uniform_(self.in_proj_weight)
        else:
            for w in (self.q_proj_weight, self.k_proj_weight, self.v_proj_weight):
                init.xavier_uniform_(w)
        if self.in_proj_bias is not None:
            init.zeros_(self.in_proj_bias)
            init.zeros_(self.out_proj.bias)
        if self.bias_k is not None:
            init.xavier_normal_(self.bias_k)
            init.xavier_normal_(self.bias_v)

    def extra_repr(self) -> str:
        extra = "" if self.batch_first is False else ", batch_first=True"
        return f"embed_dim={self.embed_dim}, num_heads={self.num_heads}, dropout={self.dropout}{extra}"

    # -- forward -----------------------------------------------------------
    def forward(self, query: Tensor, key: Tensor, value: Tensor, key_padding_mask: Tensor | None = None,
                need_weights: bool = True, attn_mask: Tensor | None = None, average_attn_weights: bool = True,
                is_causal: bool = False):
        query, key, value, batched = self._batch_major(query, key, value)
        n, L, _ = query.shape
        S = key.shape[1]
        e, h, d = self.embed_dim, self.num_heads, self.head_dim
        if key_padding_mask is not None:
            self._check_mask(key_padding_mask, "key_padding_mask", [(n, S)] if batched else [(S,), (1, S)])
            if not batched:
                key_padding_mask = key_padding_mask.reshape(1, S)
        if attn_mask is not None:
            self._check_mask(attn_mask, "attn_mask", [(L, S), (n * h, L, S)])
        elif is_causal:
            attn_mask = ~tril(ones(L, S, dtype=bool_, device=query.device))

        q, k, v = self._project(query, key, value)
        if self.bias_k is not None:
            k = cat([k, self.bias_k.broadcast_to((n, 1, e))], dim=1)
            v = cat([v, self.bias_v.broadcast_to((n, 1, e))], dim=1)
        # (N, S, E) -> (N, H, S, d)
        q = q.reshape(n, L, h, d).transpose(1, 2)
        k = k.reshape(n, k.shape[1], h, d).transpose(1, 2)
        v = v.reshape(n, v.shape[1], h, d).transpose(1, 2)
        if self.add_zero_attn:
            k = cat([k, zeros(n, h, 1, d, dtype=k.dtype, device=k.device)], dim=2)
            v = cat([v, zeros(n, h, 1, d, dtype=v.dtype, device=v.device)], dim=2)
        mask = self._merged_mask(attn_mask, key_padding_mask, n, L, k.shape[2], q)

        p = self.dropout if self.training else 0.0
        if need_weights:
            scores = matmul(q, k.transpose(-2, -1)) * (d ** -0.5)
            if mask is not None:
                scores = scores + mask
            dead = scores.isneginf().all(dim=-1, keepdim=True)
            weights = where(dead, 0.0, softmax(where(dead, 0.0, scores), dim=-1))
            out = matmul(dropout(weights, p, training=True) if p > 0 else weights, v)
        else:
            weights = None
            out = scaled_dot_product_attention(q, k, v, attn_mask=mask, dropout_p=p)
        out = self.out_proj(out.transpose(1, 2).reshape(n, L, e))

        if weights is not None and average_attn_weights:
            weights = weights.mean(dim=1)
        if not batched:
            out = out[0]
            weights = None if weights is None else weights[0]
        elif not self.batch_first:
            out = out.transpose(0, 1)
        return out, weights

    def _batch_major(self, query, key, value):
        """Check the inputs and bring them to ``(N, L, E)``; also whether they were batched."""
        for name, t in (("query", query), ("key", key), ("value", value)):
            if not isinstance(t, Tensor):
                raise TypeError(f"MultiheadAttention: {name} must be a Tensor, got {type(t).__name__}")
        if query.ndim not in (2, 3) or key.ndim != query.ndim or value.ndim != query.ndim:
            raise ValueError("MultiheadAttention: query, key and value must all be 3-D (batched) or all 2-D "
                             f"(unbatched), got shapes {query.shape}, {key.shape}, {value.shape}")
        for name, t, want in (("query", query, self.embed_dim), ("key", key, self.kdim),
                              ("value", value, self.vdim)):
            if t.shape[-1] != want:
                raise ValueError(f"MultiheadAttention: {name} must have {want} features (last dim), "
                                 f"got shape {t.shape}")
        batched = query.ndim == 3
        if not batched:
            query, key, value = query[None], key[None], value[None]
        elif not self.batch_first:
            query, key, value = query.transpose(0, 1), key.transpose(0, 1), value.transpose(0, 1)
        if key.shape[:2] != value.shape[:2] or key.shape[0] != query.shape[0]:
            raise ValueError(f"MultiheadAttention: key {key.shape} and value {value.shape} must match in batch and "
                             f"sequence length, and share query's batch {query.shape}")
        return query, key, value, batched

    def _project(self, query, key, value):
        e, b = self.embed_dim, self.in_proj_bias
        bq, bk, bv = (None, None, None) if b is None else (b[:e], b[e:2 * e], b[2 * e:])
        if self._qkv_same_embed_dim:
            w = self.in_proj_weight
            if query is key and key is value:  # self-attention: one matmul for all three
                return linear(query, w, b).chunk(3, dim=-1)
            wq, wk, wv = w[:e], w[e:2 * e], w[2 * e:]
        else:
            wq, wk, wv = self.q_proj_weight, self.k_proj_weight, self.v_proj_weight
        return linear(query, wq, bq), linear(key, wk, bk), linear(value, wv, bv)

    def _check_mask(self, mask, name: str, shapes: list) -> None:
        if not isinstance(mask, Tensor):
            raise TypeError(f"MultiheadAttention: {name} must be a Tensor, got {type(mask).__name__}")
        if mask.dtype != bool_ and not mask.is_floating_point():
            raise TypeError(f"MultiheadAttention: {name} must be bool (True = masked out) or float (added to "
                            f"the scores), got {mask.dtype}")
        if mask.shape not in shapes:
            wanted = " or ".join(str(s) for s in shapes)
            raise ValueError(f"MultiheadAttention: {name} must have shape {wanted}, got {mask.shape}")

    def _merged_mask(self, attn_mask, key_padding_mask, n, L, S, q):
        """One additive mask broadcasting to ``(N, H, L, S)`` (or ``None``), padded for appended keys."""
        parts = []
        if attn_mask is not None:
            m = _additive(attn_mask, q.dtype)
            parts.append(m.reshape(n, self.num_heads, L, m.shape[-1]) if m.ndim == 3 else m)
        if key_padding_mask is not None:
            parts.append(_additive(key_padding_mask, q.dtype).reshape(n, 1, 1, key_padding_mask.shape[-1]))
        mask = None
        for m in parts:
            extra = S - m.shape[-1]  # keys appended by add_bias_kv / add_zero_attn are never masked
            if extra:
                m = cat([m, zeros(*m.shape[:-1], extra, dtype=q.dtype, device=q.device)], dim=-1)
            mask = m if mask is None else mask + m
        return mask


def _additive(mask: Tensor, dtype) -> Tensor:
    """A boolean mask (``True`` = masked out) as ``0``/``-inf``; a float mask as it is, in ``dtype``."""
    if mask.dtype == bool_:
        return where(mask, float("-inf"), 0.0).astype(dtype)
    return mask.astype(dtype)


class _AttentionWeights:
    """The attributes ``MultiheadAttention.forward`` reads, from the explicit weights of the functional form."""

    def __init__(self, **attrs) -> None:
        self.__dict__.update(attrs)

    forward = MultiheadAttention.forward
    _batch_major = MultiheadAttention._batch_major
    _project = MultiheadAttention._project
    _check_mask = MultiheadAttention._check_mask
    _merged_mask = MultiheadAttention._merged_mask


def multi_head_attention_forward(query: Tensor, key: Tensor, value: Tensor, embed_dim_to_check: int, num_heads: int,
                                 in_proj_weight: Tensor | None, in_proj_bias: Tensor | None,
                                 bias_k: Tensor | None, bias_v: Tensor | None, add_zero_attn: bool,
                                 dropout_p: float, out_proj_weight: Tensor, out_proj_bias: Tensor | None,
                                 training: bool = True, key_padding_mask: Tensor | None = None,
                                 need_weights: bool = True, attn_mask: Tensor | None = None,
                                 use_separate_proj_weight: bool = False, q_proj_weight: Tensor | None = None,
                                 k_proj_weight: Tensor | None = None, v_proj_weight: Tensor | None = None,
                                 static_k: Tensor | None = None, static_v: Tensor | None = None,
                                 average_attn_weights: bool = True, is_causal: bool = False):
    """The forward pass of :class:`~lucid.nn.MultiheadAttention` with every weight passed explicitly.

    PyTorch's ``F.multi_head_attention_forward``: inputs are sequence-first
    ``(L, N, E)`` (or unbatched ``(L, E)``); it runs the very computation of
    ``MultiheadAttention.forward`` (same masks, same conventions), so a
    module's weights give the module's result.

    Args:
        query, key, value: ``(L, N, E)``, ``(S, N, kdim)``, ``(S, N, vdim)``.
        embed_dim_to_check: ``E``, checked against ``query``.
        num_heads: the number of heads (divides ``E``).
        in_proj_weight, in_proj_bias: the packed ``(3E, E)`` / ``(3E,)`` input projection.
        bias_k, bias_v: ``(1, 1, E)`` key/value appended to the sequences, or None.
        add_zero_attn: append a zero key and value.
        dropout_p: dropout on the attention weights (when ``training``).
        out_proj_weight, out_proj_bias: the output projection.
        training: apply dropout.
        key_padding_mask, need_weights, attn_mask, average_attn_weights, is_causal: as in the module.
        use_separate_proj_weight: use ``q_proj_weight``, ``k_proj_weight``, ``v_proj_weight`` instead of
            ``in_proj_weight``.
        static_k, static_v: not supported (precomputed keys/values); must be None.

    Returns:
        ``(output, weights)`` as ``MultiheadAttention.forward``.

    Raises:
        ValueError: mismatched sizes or missing weights.
        NotImplementedError: ``static_k`` or ``static_v``.

    Examples:
        >>> import lucid
        >>> import lucid.nn.functional as F
        >>> mha = lucid.nn.MultiheadAttention(8, 2)
        >>> x = lucid.randn(5, 3, 8)
        >>> out, w = F.multi_head_attention_forward(x, x, x, 8, 2, mha.in_proj_weight, mha.in_proj_bias, None,
        ...                                         None, False, 0.0, mha.out_proj.weight, mha.out_proj.bias)
        >>> out.shape, w.shape, bool((out - mha(x, x, x)[0]).abs().max() < 1e-6)
        ((5, 3, 8), (3, 5, 5), True)
    """
    op = "multi_head_attention_forward"
    if static_k is not None or static_v is not None:
        raise NotImplementedError(f"{op}: static_k/static_v (precomputed keys and values) are not supported")
    e = _positive_int(embed_dim_to_check, "embed_dim_to_check")
    h = _positive_int(num_heads, "num_heads")
    if e % h:
        raise ValueError(f"{op}: embed_dim ({e}) must be divisible by num_heads ({h})")
    if not isinstance(query, Tensor) or query.shape[-1:] != (e,):
        got = query.shape if isinstance(query, Tensor) else type(query).__name__
        raise ValueError(f"{op}: query must be a Tensor with {e} features (embed_dim_to_check), got {got}")
    if isinstance(dropout_p, bool) or not isinstance(dropout_p, numbers.Real) or not 0 <= dropout_p <= 1:
        raise ValueError(f"{op}: dropout_p must be a probability in [0, 1], got {dropout_p!r}")
    if use_separate_proj_weight:
        if q_proj_weight is None or k_proj_weight is None or v_proj_weight is None:
            raise ValueError(f"{op}: use_separate_proj_weight=True needs q_proj_weight, k_proj_weight and "
                             "v_proj_weight")
        kdim, vdim = k_proj_weight.shape[-1], v_proj_weight.shape[-1]
        same = False
    else:
        if in_proj_weight is None or in_proj_weight.shape != (3 * e, e):
            got = None if in_proj_weight is None else in_proj_weight.shape
            raise ValueError(f"{op}: in_proj_weight must have shape {(3 * e, e)}, got {got}")
        kdim = vdim = e
        same = True
    if (bias_k is None) != (bias_v is None):
        raise ValueError(f"{op}: give both bias_k and bias_v, or neither")

    def out_proj(x):
        return linear(x, out_proj_weight, out_proj_bias)

    view = _AttentionWeights(embed_dim=e, num_heads=h, head_dim=e // h, kdim=kdim, vdim=vdim,
                             _qkv_same_embed_dim=same, in_proj_weight=in_proj_weight, in_proj_bias=in_proj_bias,
                             q_proj_weight=q_proj_weight, k_proj_weight=k_proj_weight, v_proj_weight=v_proj_weight,
                             bias_k=bias_k, bias_v=bias_v, add_zero_attn=bool(add_zero_attn),
                             dropout=float(dropout_p), training=bool(training), batch_first=False, out_proj=out_proj)
    return view.forward(query, key, value, key_padding_mask=key_padding_mask, need_weights=need_weights,
                        attn_mask=attn_mask, average_attn_weights=average_attn_weights, is_causal=is_causal)
