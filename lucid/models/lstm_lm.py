"""A word- or character-level language model: embedding, stacked LSTM, linear decoder."""

from __future__ import annotations

import lucid.nn as nn

__all__ = ["LSTMLanguageModel"]


class LSTMLanguageModel(nn.Module):
    """Embedding -> dropout -> ``nn.LSTM`` -> dropout -> linear logits over the vocabulary.

    The classic recurrent language model (Zaremba et al., 2014; Press & Wolf,
    2017 for weight tying). Inputs and outputs are batch first.

    Args:
        vocab_size: number of tokens.
        embed_dim: size of the token embeddings (default 128).
        hidden_size: size of the LSTM state (default 256).
        num_layers: stacked LSTM layers (default 2).
        dropout: dropout on the embeddings, between the LSTM layers and before
            the decoder (default 0).
        tie_weights: share the embedding matrix with the decoder's weight
            (``decoder.weight is embedding.weight``); needs
            ``hidden_size == embed_dim``.

    Attributes:
        embedding (nn.Embedding): the token embeddings ``(vocab_size, embed_dim)``.
        lstm (nn.LSTM): the recurrent stack (batch first).
        decoder (nn.Linear): hidden state to logits.
        drop (nn.Dropout): the dropout layer.

    Forward:
        ``forward(tokens, state=None)`` with integer ``tokens`` ``(N, L)`` and an optional
        ``state = (h, c)`` from the previous chunk; returns ``(logits, state)`` with
        ``logits`` ``(N, L, vocab_size)``. Detach the state between chunks (truncated
        backpropagation through time).

    Raises:
        ValueError: for ``tie_weights`` with ``hidden_size != embed_dim``.

    Examples:
        >>> import lucid
        >>> from lucid.models import LSTMLanguageModel
        >>> lm = LSTMLanguageModel(100, embed_dim=32, hidden_size=32, tie_weights=True)
        >>> logits, (h, c) = lm(lucid.randint(0, 100, (4, 7)))
        >>> logits.shape, h.shape
        ((4, 7, 100), (2, 4, 32))
        >>> lm.decoder.weight is lm.embedding.weight
        True
    """

    def __init__(self, vocab_size: int, embed_dim: int = 128, hidden_size: int = 256, num_layers: int = 2,
                 dropout: float = 0.0, tie_weights: bool = False) -> None:
        super().__init__()
        if tie_weights and hidden_size != embed_dim:
            raise ValueError(f"LSTMLanguageModel: tie_weights needs hidden_size == embed_dim, got hidden_size="
                             f"{hidden_size} and embed_dim={embed_dim}")
        self.vocab_size = vocab_size
        self.drop = nn.Dropout(dropout)
        self.embedding = nn.Embedding(vocab_size, embed_dim)
        self.lstm = nn.LSTM(embed_dim, hidden_size, num_layers=num_layers, batch_first=True,
                            dropout=dropout if num_layers > 1 else 0.0)
        self.decoder = nn.Linear(hidden_size, vocab_size)
        nn.init.uniform_(self.embedding.weight, -0.1, 0.1)
        nn.init.uniform_(self.decoder.weight, -0.1, 0.1)
        nn.init.zeros_(self.decoder.bias)
        if tie_weights:
            self.decoder.weight = self.embedding.weight

    def forward(self, tokens, state=None):
        x = self.drop(self.embedding(tokens))
        out, state = self.lstm(x, state)
        return self.decoder(self.drop(out)), state
