"""lucid.models.LSTMLanguageModel: shapes, parameter counts, weight tying, and that it learns."""

from __future__ import annotations

import numpy as np
import pytest

import lucid
import lucid.nn.functional as F
from lucid.models import LSTMLanguageModel


def _lstm_params(inp, hid, layers):
    return sum(4 * hid * ((inp if k == 0 else hid) + hid + 2) for k in range(layers))


@pytest.mark.parametrize("tie", [False, True])
def test_parameter_count_and_keys(tie):
    lm = LSTMLanguageModel(50, embed_dim=16, hidden_size=16, num_layers=2, tie_weights=tie)
    expected = 50 * 16 + _lstm_params(16, 16, 2) + (0 if tie else 50 * 16) + 50
    assert sum(p.numel() for p in lm.parameters()) == expected
    keys = list(lm.state_dict())
    assert keys[:2] == ["embedding.weight", "lstm.weight_ih_l0"] and "decoder.bias" in keys


def test_tying_needs_equal_sizes():
    with pytest.raises(ValueError, match="tie_weights needs hidden_size == embed_dim"):
        LSTMLanguageModel(10, embed_dim=8, hidden_size=16, tie_weights=True)


def test_state_carries_over_between_chunks():
    lucid.manual_seed(0)
    lm = LSTMLanguageModel(20, embed_dim=8, hidden_size=12, num_layers=2).eval()
    tokens = lucid.randint(0, 20, (3, 10))
    whole, _ = lm(tokens)
    first, state = lm(tokens[:, :6])
    second, _ = lm(tokens[:, 6:], state)
    np.testing.assert_allclose(lucid.cat([first, second], 1).numpy(), whole.numpy(), atol=1e-5)


@pytest.mark.parametrize("tie", [False, True])
def test_learns_a_repeating_sequence(tie):
    lucid.manual_seed(0)
    lm = LSTMLanguageModel(5, embed_dim=16, hidden_size=16, num_layers=1, tie_weights=tie)
    opt = lucid.optim.Adam(lm.parameters(), lr=0.05)
    seq = lucid.tensor([[0, 1, 2, 3, 4] * 4])
    losses = []
    for _ in range(40):
        opt.zero_grad()
        logits, _ = lm(seq[:, :-1])
        loss = F.cross_entropy(logits.reshape(-1, 5), seq[:, 1:].reshape(-1))
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < 0.1 * losses[0]
    if tie:
        assert lm.decoder.weight is lm.embedding.weight
