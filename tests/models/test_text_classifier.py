"""lucid.models.TransformerClassifier: padding invariance, learning a toy task, errors."""

from __future__ import annotations

import numpy as np
import pytest

import lucid
import lucid.nn.functional as F
from lucid.models import TransformerClassifier


def test_padding_does_not_change_the_logits():
    lucid.manual_seed(0)
    model = TransformerClassifier(20, 3, d_model=16, nhead=2, padding_idx=0).eval()
    short = model(lucid.tensor([[5, 6, 7]])).numpy()
    padded = model(lucid.tensor([[5, 6, 7, 0, 0, 0]])).numpy()
    np.testing.assert_allclose(padded, short, atol=1e-5)


def test_learns_whether_a_token_occurs():
    lucid.manual_seed(0)
    rng = np.random.default_rng(0)
    x = rng.integers(1, 10, size=(256, 8))
    y = (x == 3).any(axis=1).astype(np.int64)
    model = TransformerClassifier(10, 2, d_model=32, nhead=4, num_layers=1, dropout=0.0)
    opt = lucid.optim.Adam(model.parameters(), lr=3e-3)
    xt, yt = lucid.tensor(x), lucid.tensor(y)
    for _ in range(60):
        loss = F.cross_entropy(model(xt), yt)
        opt.zero_grad()
        loss.backward()
        opt.step()
    acc = (model.eval()(xt).argmax(dim=1) == yt).float().mean().item()
    assert acc > 0.9


def test_errors():
    model = TransformerClassifier(10, 2, d_model=16, nhead=2, max_len=4)
    with pytest.raises(ValueError, match=r"sequence length 5 \(idx of shape \(1, 5\)\) exceeds max_len=4"):
        model(lucid.zeros(1, 5, dtype=lucid.int64))
    with pytest.raises(ValueError, match=r"token ids of shape \(N, T\), got shape \(1, 3\), dtype lucid.float32"):
        model(lucid.zeros(1, 3))
    with pytest.raises(ValueError, match="num_classes must be a positive int"):
        TransformerClassifier(10, 0)
