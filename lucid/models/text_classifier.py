"""A small Transformer encoder that classifies token sequences."""

from __future__ import annotations

import numbers

import lucid
import lucid.nn as nn
from lucid._tensor import Tensor

__all__ = ["TransformerClassifier"]


class TransformerClassifier(nn.Module):
    """Token and learned position embeddings, a pre-norm ``nn.TransformerEncoder``, mean pooling, a linear head.

    Padding positions (``padding_idx``) are masked out of the attention and
    of the mean, so padding a sequence further does not change its logits.

    Args:
        vocab_size: number of token ids.
        num_classes: number of output classes.
        d_model: model width (default 128).
        nhead: attention heads (default 4).
        num_layers: encoder layers (default 2).
        dim_feedforward: hidden width of each feed-forward block (default ``4 * d_model``).
        max_len: the longest sequence (size of the position table, default 512).
        dropout: dropout in the encoder layers (default 0.1).
        padding_idx: the id of the padding token, or ``None`` (no padding).

    Shape:
        ``forward(idx)``: ``idx`` ``(N, T)`` integer ids -> logits ``(N, num_classes)``.

    Examples:
        >>> import lucid
        >>> from lucid.models import TransformerClassifier
        >>> model = TransformerClassifier(vocab_size=100, num_classes=3, d_model=32, padding_idx=0)
        >>> model(lucid.tensor([[5, 6, 7, 0], [8, 9, 0, 0]])).shape
        (2, 3)
    """

    def __init__(self, vocab_size: int, num_classes: int, d_model: int = 128, nhead: int = 4, num_layers: int = 2,
                 dim_feedforward: int | None = None, max_len: int = 512, dropout: float = 0.1,
                 padding_idx: int | None = None) -> None:
        super().__init__()
        for name, v in (("vocab_size", vocab_size), ("num_classes", num_classes), ("max_len", max_len)):
            if isinstance(v, bool) or not isinstance(v, numbers.Integral) or v < 1:
                raise ValueError(f"TransformerClassifier: {name} must be a positive int, got {v!r}")
        self.max_len = int(max_len)
        self.padding_idx = padding_idx
        self.embed = nn.Embedding(vocab_size, d_model, padding_idx=padding_idx)
        self.pos = nn.Embedding(max_len, d_model)
        layer = nn.TransformerEncoderLayer(d_model, nhead, dim_feedforward or 4 * d_model, dropout,
                                           activation="gelu", batch_first=True, norm_first=True)
        self.encoder = nn.TransformerEncoder(layer, num_layers, norm=nn.LayerNorm(d_model))
        self.head = nn.Linear(d_model, num_classes)

    def forward(self, idx: Tensor) -> Tensor:
        if not isinstance(idx, Tensor) or idx.ndim != 2 or idx.is_floating_point():
            got = f"shape {idx.shape}, dtype {idx.dtype}" if isinstance(idx, Tensor) else type(idx).__name__
            raise ValueError(f"TransformerClassifier: idx must be integer token ids of shape (N, T), got {got}")
        length = idx.shape[1]
        if length > self.max_len:
            raise ValueError(f"TransformerClassifier: sequence length {length} (idx of shape {idx.shape}) exceeds "
                             f"max_len={self.max_len}")
        x = self.embed(idx) + self.pos(lucid.arange(length, device=idx.device))
        if self.padding_idx is None:
            return self.head(self.encoder(x).mean(dim=1))
        pad = idx == self.padding_idx  # True = ignore (PyTorch's key_padding_mask convention)
        h = self.encoder(x, src_key_padding_mask=pad)
        keep = (~pad).astype(h.dtype).unsqueeze(-1)
        pooled = (h * keep).sum(dim=1) / keep.sum(dim=1).clip(min=1.0)
        return self.head(pooled)
