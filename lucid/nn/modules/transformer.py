"""Transformers: encoder and decoder layers and stacks, and ``Transformer``, as PyTorch defines them."""

from __future__ import annotations

import copy
import numbers
from collections.abc import Callable

from lucid._tensor import Tensor
from lucid.nn import init
from lucid.nn.containers import ModuleList
from lucid.nn.functional.activation import gelu, relu
from lucid.nn.module import Module
from lucid.nn.modules.attention import MultiheadAttention
from lucid.nn.modules.dropout import Dropout
from lucid.nn.modules.linear import Linear
from lucid.nn.modules.normalization import LayerNorm
from lucid.ops.creation import full
from lucid.ops.rearrange import triu

__all__ = ["TransformerEncoderLayer", "TransformerEncoder", "TransformerDecoderLayer", "TransformerDecoder",
           "Transformer"]

_ACTIVATIONS = {"relu": relu, "gelu": gelu}


def _activation(activation) -> Callable:
    if isinstance(activation, str):
        if activation not in _ACTIVATIONS:
            raise ValueError(f"activation should be 'relu' or 'gelu' (or a callable), got {activation!r}")
        return _ACTIVATIONS[activation]
    if not callable(activation):
        raise TypeError(f"activation must be a string or a callable, got {type(activation).__name__}")
    return activation


def _clones(layer: Module, n, what: str) -> ModuleList:
    if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 0:
        raise ValueError(f"{what}: num_layers must be a non-negative int, got {n!r}")
    # Independent copies, as PyTorch makes them; MLX arrays are copied lazily, so this is cheap.
    return ModuleList([copy.deepcopy(layer) for _ in range(int(n))])


class _Layer(Module):
    """What the encoder and decoder layers share: self-attention, the feed-forward block, the norms."""

    _n_norms = 2  # the decoder layer's attention over memory brings a third norm and dropout

    def __init__(self, d_model: int, nhead: int, dim_feedforward: int = 2048, dropout: float = 0.1,
                 activation: str | Callable = "relu", layer_norm_eps: float = 1e-5, batch_first: bool = False,
                 norm_first: bool = False, bias: bool = True, device=None, dtype=None) -> None:
        super().__init__()
        kw, n_norms = dict(device=device, dtype=dtype), self._n_norms
        self.self_attn = MultiheadAttention(d_model, nhead, dropout=dropout, bias=bias, batch_first=batch_first,
                                            **kw)
        if n_norms == 3:
            self.multihead_attn = MultiheadAttention(d_model, nhead, dropout=dropout, bias=bias,
                                                     batch_first=batch_first, **kw)
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias, **kw)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias, **kw)
        self.norm_first = bool(norm_first)
        for i in range(1, n_norms + 1):
            setattr(self, f"norm{i}", LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **kw))
        for i in range(1, n_norms + 1):
            setattr(self, f"dropout{i}", Dropout(dropout))
        self.activation = _activation(activation)

    def _sa_block(self, x, attn_mask, key_padding_mask, is_causal):
        x = self.self_attn(x, x, x, attn_mask=attn_mask, key_padding_mask=key_padding_mask, need_weights=False,
                           is_causal=is_causal)[0]
        return self.dropout1(x)

    def _ff_block(self, x, out_dropout):
        return out_dropout(self.linear2(self.dropout(self.activation(self.linear1(x)))))


class TransformerEncoderLayer(_Layer):
    """Self-attention and a feed-forward block, each with a residual connection and LayerNorm.

    ``norm_first=False`` (the original post-norm layout) computes
    ``x = norm1(x + SA(x)); x = norm2(x + FF(x))``; ``norm_first=True`` (pre-norm)
    computes ``x = x + SA(norm1(x)); x = x + FF(norm2(x))``. ``FF`` is
    ``linear2(dropout(activation(linear1(x))))``.

    Args:
        d_model: model width. nhead: attention heads. dim_feedforward: width of the
        feed-forward block (default 2048). dropout: default 0.1. activation: ``"relu"``
        (default), ``"gelu"`` or a callable. layer_norm_eps: default 1e-5.
        batch_first: ``(N, S, E)`` inputs instead of ``(S, N, E)``. norm_first: pre-norm.
        bias: biases in the linear layers and LayerNorms.

    Examples:
        >>> import lucid
        >>> layer = lucid.nn.TransformerEncoderLayer(d_model=16, nhead=4, dim_feedforward=32, batch_first=True)
        >>> layer(lucid.randn(2, 5, 16)).shape
        (2, 5, 16)
    """

    def forward(self, src: Tensor, src_mask: Tensor | None = None, src_key_padding_mask: Tensor | None = None,
                is_causal: bool = False) -> Tensor:
        x = src
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), src_mask, src_key_padding_mask, is_causal)
            return x + self._ff_block(self.norm2(x))
        x = self.norm1(x + self._sa_block(x, src_mask, src_key_padding_mask, is_causal))
        return self.norm2(x + self._ff_block(x))

    def _ff_block(self, x):
        return super()._ff_block(x, self.dropout2)


class TransformerDecoderLayer(_Layer):
    """Self-attention, attention over the encoder's output (``memory``) and a feed-forward block.

    Post-norm: ``x = norm1(x + SA(x)); x = norm2(x + MHA(x, memory)); x = norm3(x + FF(x))``;
    ``norm_first=True`` moves each norm inside its residual branch. Arguments as
    :class:`TransformerEncoderLayer`.

    Examples:
        >>> import lucid
        >>> layer = lucid.nn.TransformerDecoderLayer(16, 4, dim_feedforward=32, batch_first=True)
        >>> layer(lucid.randn(2, 3, 16), lucid.randn(2, 5, 16)).shape
        (2, 3, 16)
    """

    _n_norms = 3

    def forward(self, tgt: Tensor, memory: Tensor, tgt_mask: Tensor | None = None,
                memory_mask: Tensor | None = None, tgt_key_padding_mask: Tensor | None = None,
                memory_key_padding_mask: Tensor | None = None, tgt_is_causal: bool = False,
                memory_is_causal: bool = False) -> Tensor:
        x = tgt
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), tgt_mask, tgt_key_padding_mask, tgt_is_causal)
            x = x + self._mha_block(self.norm2(x), memory, memory_mask, memory_key_padding_mask, memory_is_causal)
            return x + self._ff_block(self.norm3(x))
        x = self.norm1(x + self._sa_block(x, tgt_mask, tgt_key_padding_mask, tgt_is_causal))
        x = self.norm2(x + self._mha_block(x, memory, memory_mask, memory_key_padding_mask, memory_is_causal))
        return self.norm3(x + self._ff_block(x))

    def _mha_block(self, x, mem, attn_mask, key_padding_mask, is_causal):
        x = self.multihead_attn(x, mem, mem, attn_mask=attn_mask, key_padding_mask=key_padding_mask,
                                need_weights=False, is_causal=is_causal)[0]
        return self.dropout2(x)

    def _ff_block(self, x):
        return super()._ff_block(x, self.dropout3)


class _Stack(Module):
    """``num_layers`` independent copies of a layer, then the optional ``norm``."""

    def __init__(self, layer: Module, num_layers: int, norm: Module | None) -> None:
        super().__init__()
        self.layers = _clones(layer, num_layers, type(self).__name__)
        self.num_layers = len(self.layers)
        self.norm = norm


class TransformerEncoder(_Stack):
    """``num_layers`` independent copies of ``encoder_layer``, then the optional ``norm``.

    Examples:
        >>> import lucid
        >>> layer = lucid.nn.TransformerEncoderLayer(16, 4, dim_feedforward=32, batch_first=True)
        >>> encoder = lucid.nn.TransformerEncoder(layer, num_layers=2)
        >>> encoder(lucid.randn(2, 5, 16)).shape
        (2, 5, 16)
    """

    def __init__(self, encoder_layer: TransformerEncoderLayer, num_layers: int, norm: Module | None = None,
                 enable_nested_tensor: bool = True, mask_check: bool = True) -> None:
        # enable_nested_tensor and mask_check steer PyTorch's fast paths; accepted for compatibility.
        super().__init__(encoder_layer, num_layers, norm)

    def forward(self, src: Tensor, mask: Tensor | None = None, src_key_padding_mask: Tensor | None = None,
                is_causal: bool | None = None) -> Tensor:
        x = src
        for layer in self.layers:
            x = layer(x, src_mask=mask, src_key_padding_mask=src_key_padding_mask, is_causal=bool(is_causal))
        return x if self.norm is None else self.norm(x)


class TransformerDecoder(_Stack):
    """``num_layers`` independent copies of ``decoder_layer``, then the optional ``norm``.

    Examples:
        >>> import lucid
        >>> layer = lucid.nn.TransformerDecoderLayer(16, 4, dim_feedforward=32, batch_first=True)
        >>> decoder = lucid.nn.TransformerDecoder(layer, num_layers=2)
        >>> decoder(lucid.randn(2, 3, 16), lucid.randn(2, 5, 16)).shape
        (2, 3, 16)
    """

    def __init__(self, decoder_layer: TransformerDecoderLayer, num_layers: int, norm: Module | None = None) -> None:
        super().__init__(decoder_layer, num_layers, norm)

    def forward(self, tgt: Tensor, memory: Tensor, tgt_mask: Tensor | None = None,
                memory_mask: Tensor | None = None, tgt_key_padding_mask: Tensor | None = None,
                memory_key_padding_mask: Tensor | None = None, tgt_is_causal: bool | None = None,
                memory_is_causal: bool = False) -> Tensor:
        x = tgt
        for layer in self.layers:
            x = layer(x, memory, tgt_mask=tgt_mask, memory_mask=memory_mask,
                      tgt_key_padding_mask=tgt_key_padding_mask, memory_key_padding_mask=memory_key_padding_mask,
                      tgt_is_causal=bool(tgt_is_causal), memory_is_causal=memory_is_causal)
        return x if self.norm is None else self.norm(x)


class Transformer(Module):
    """The encoder-decoder Transformer of "Attention Is All You Need", PyTorch's ``nn.Transformer``.

    Defaults are the paper's base model (``d_model=512, nhead=8``, 6 + 6 layers,
    ``dim_feedforward=2048``, ``dropout=0.1``): 44,140,544 parameters, each matrix
    Xavier-uniform initialised. The encoder and decoder end with a LayerNorm.

    Examples:
        >>> import lucid
        >>> model = lucid.nn.Transformer(d_model=16, nhead=4, num_encoder_layers=1, num_decoder_layers=1,
        ...                              dim_feedforward=32, batch_first=True)
        >>> src, tgt = lucid.randn(2, 7, 16), lucid.randn(2, 5, 16)
        >>> mask = lucid.nn.Transformer.generate_square_subsequent_mask(5)
        >>> model(src, tgt, tgt_mask=mask).shape
        (2, 5, 16)
    """

    def __init__(self, d_model: int = 512, nhead: int = 8, num_encoder_layers: int = 6,
                 num_decoder_layers: int = 6, dim_feedforward: int = 2048, dropout: float = 0.1,
                 activation: str | Callable = "relu", custom_encoder: Module | None = None,
                 custom_decoder: Module | None = None, layer_norm_eps: float = 1e-5, batch_first: bool = False,
                 norm_first: bool = False, bias: bool = True, device=None, dtype=None) -> None:
        super().__init__()
        kw = dict(device=device, dtype=dtype)
        layer_args = (d_model, nhead, dim_feedforward, dropout, activation, layer_norm_eps, batch_first,
                      norm_first, bias)
        if custom_encoder is not None:
            self.encoder = custom_encoder
        else:
            self.encoder = TransformerEncoder(TransformerEncoderLayer(*layer_args, **kw), num_encoder_layers,
                                              LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **kw))
        if custom_decoder is not None:
            self.decoder = custom_decoder
        else:
            self.decoder = TransformerDecoder(TransformerDecoderLayer(*layer_args, **kw), num_decoder_layers,
                                              LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **kw))
        self.d_model = d_model
        self.nhead = nhead
        self.batch_first = batch_first
        for p in self.parameters():
            if p.ndim > 1:
                init.xavier_uniform_(p)

    def forward(self, src: Tensor, tgt: Tensor, src_mask: Tensor | None = None, tgt_mask: Tensor | None = None,
                memory_mask: Tensor | None = None, src_key_padding_mask: Tensor | None = None,
                tgt_key_padding_mask: Tensor | None = None, memory_key_padding_mask: Tensor | None = None,
                src_is_causal: bool | None = None, tgt_is_causal: bool | None = None,
                memory_is_causal: bool = False) -> Tensor:
        batch_dim = 0 if self.batch_first else 1
        if src.ndim == 3 and tgt.ndim == 3 and src.shape[batch_dim] != tgt.shape[batch_dim]:
            raise ValueError(f"Transformer: src {src.shape} and tgt {tgt.shape} must have the same batch size "
                             f"(dim {batch_dim}{', batch_first' if self.batch_first else ''})")
        if src.shape[-1] != self.d_model or tgt.shape[-1] != self.d_model:
            raise ValueError(f"Transformer: src and tgt need d_model={self.d_model} features, got "
                             f"{src.shape} and {tgt.shape}")
        memory = self.encoder(src, mask=src_mask, src_key_padding_mask=src_key_padding_mask,
                              is_causal=src_is_causal)
        return self.decoder(tgt, memory, tgt_mask=tgt_mask, memory_mask=memory_mask,
                            tgt_key_padding_mask=tgt_key_padding_mask,
                            memory_key_padding_mask=memory_key_padding_mask, tgt_is_causal=tgt_is_causal,
                            memory_is_causal=memory_is_causal)

    @staticmethod
    def generate_square_subsequent_mask(sz: int, device=None, dtype=None) -> Tensor:
        """A ``(sz, sz)`` float mask: ``-inf`` above the diagonal (future positions), ``0`` elsewhere.

        Examples:
            >>> import lucid
            >>> lucid.nn.Transformer.generate_square_subsequent_mask(3).tolist()
            [[0.0, -inf, -inf], [0.0, 0.0, -inf], [0.0, 0.0, 0.0]]
        """
        return triu(full((sz, sz), float("-inf"), dtype=dtype, device=device), diagonal=1)
