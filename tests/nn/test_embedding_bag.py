"""nn.EmbeddingBag and F.embedding_bag against a NumPy loop over the bags."""

import numpy as np
import pytest
from helpers import check_grad, rand

import lucid
import lucid.nn.functional as F


def _ref(idx, w, offsets=None, mode="mean", psw=None, include_last=False, padding_idx=None):
    if idx.ndim == 2:
        bags = [(row, None if psw is None else prow) for row, prow in
                zip(idx, psw if psw is not None else [None] * len(idx))]
    else:
        ends = list(offsets[1:]) + ([] if include_last else [len(idx)])
        starts = offsets[:-1] if include_last else offsets
        bags = [(idx[s:e], None if psw is None else psw[s:e]) for s, e in zip(starts, ends)]
    out = []
    for b, pw in bags:
        keep = np.ones(len(b), bool) if padding_idx is None else b != padding_idx
        rows = w[b[keep]]
        if pw is not None:
            rows = rows * pw[keep][:, None]
        if len(rows) == 0:
            out.append(np.zeros(w.shape[1]))
        elif mode == "sum":
            out.append(rows.sum(0))
        elif mode == "mean":
            out.append(rows.mean(0))
        else:
            out.append(rows.max(0))
    return np.array(out)


W = rand(7, 3, seed=0)
IDX = np.array([1, 2, 4, 5, 4, 3, 2, 0, 6])
OFF = np.array([0, 2, 2, 5])  # the second bag is empty


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
def test_offsets_match_reference(mode):
    out = F.embedding_bag(lucid.tensor(IDX), lucid.tensor(W), lucid.tensor(OFF), mode=mode)
    assert out.shape == (4, 3) and out.dtype == lucid.float64
    np.testing.assert_allclose(out.numpy(), _ref(IDX, W, OFF, mode), rtol=1e-12)


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
def test_2d_input_padding_and_last_offset(mode):
    idx2 = IDX[:8].reshape(2, 4)
    out = F.embedding_bag(lucid.tensor(idx2), lucid.tensor(W), mode=mode, padding_idx=4)
    np.testing.assert_allclose(out.numpy(), _ref(idx2, W, mode=mode, padding_idx=4), rtol=1e-12)
    off = np.array([0, 3, 9])
    out = F.embedding_bag(lucid.tensor(IDX), lucid.tensor(W), lucid.tensor(off), mode=mode, include_last_offset=True)
    assert out.shape == (2, 3)
    np.testing.assert_allclose(out.numpy(), _ref(IDX, W, off, mode, include_last=True), rtol=1e-12)


def test_per_sample_weights_and_gradients():
    psw = rand(len(IDX), seed=1)
    out = F.embedding_bag(lucid.tensor(IDX), lucid.tensor(W), lucid.tensor(OFF), mode="sum",
                          per_sample_weights=lucid.tensor(psw))
    np.testing.assert_allclose(out.numpy(), _ref(IDX, W, OFF, "sum", psw), rtol=1e-12)
    for mode in ("sum", "mean", "max"):
        check_grad(lambda w, m=mode: F.embedding_bag(lucid.tensor(IDX), w, lucid.tensor(OFF), mode=m), [W])
    check_grad(lambda w, p: F.embedding_bag(lucid.tensor(IDX), w, lucid.tensor(OFF), mode="sum",
                                            per_sample_weights=p), [W, psw])


def test_module_matches_functional_and_padding_row():
    lucid.manual_seed(0)
    bag = lucid.nn.EmbeddingBag(7, 3, mode="max", padding_idx=2)
    assert bag.weight[2].tolist() == [0.0, 0.0, 0.0]
    assert repr(bag) == "EmbeddingBag(7, 3, mode='max', padding_idx=2)"
    w = bag.weight.numpy()
    out = bag(lucid.tensor(IDX), lucid.tensor(OFF))
    np.testing.assert_allclose(out.numpy(), _ref(IDX, w, OFF, "max", padding_idx=2), rtol=1e-6)
    out.sum().backward()
    assert bag.weight.grad.shape == (7, 3)
    assert not bag.weight.grad.numpy()[2].any()
    pre = lucid.nn.EmbeddingBag.from_pretrained(lucid.tensor(W), mode="sum")
    assert not pre.weight.requires_grad
    np.testing.assert_allclose(pre(lucid.tensor(IDX), lucid.tensor(OFF)).numpy(), _ref(IDX, W, OFF, "sum"))


def test_bad_input():
    w = lucid.tensor(W)
    with pytest.raises(ValueError, match="mode"):
        F.embedding_bag(lucid.tensor(IDX), w, lucid.tensor(OFF), mode="median")
    with pytest.raises(ValueError, match="offsets"):
        F.embedding_bag(lucid.tensor(IDX), w)
    with pytest.raises(ValueError, match="offsets"):
        F.embedding_bag(lucid.tensor(IDX.reshape(3, 3)), w, lucid.tensor(OFF))
    with pytest.raises(ValueError, match="per_sample_weights"):
        F.embedding_bag(lucid.tensor(IDX), w, lucid.tensor(OFF), mode="mean",
                        per_sample_weights=lucid.tensor(rand(len(IDX))))
    with pytest.raises(TypeError):
        F.embedding_bag(lucid.tensor(IDX.astype(np.float32)), w, lucid.tensor(OFF))
    with pytest.raises(ValueError):
        lucid.nn.EmbeddingBag(3, 2, mode="min")
    with pytest.raises(IndexError):
        F.embedding_bag(lucid.tensor([0, 9]), w, lucid.tensor([0])).tolist()
    with pytest.raises(IndexError):
        F.embedding_bag(lucid.tensor([0, 1]), w, lucid.tensor([0, 5])).tolist()


def test_embedding_bag_repr_lists_every_non_default_setting_in_pytorch_order():
    bag = lucid.nn.EmbeddingBag(5, 2, max_norm=1.0, norm_type=1.0, scale_grad_by_freq=True, mode="sum",
                                include_last_offset=True, padding_idx=0)
    assert repr(bag) == ("EmbeddingBag(5, 2, max_norm=1.0, norm_type=1.0, scale_grad_by_freq=True, mode='sum', "
                         "include_last_offset=True, padding_idx=0)")


@pytest.mark.parametrize("cls", [lucid.nn.Embedding, lucid.nn.EmbeddingBag])
def test_table_settings_are_checked_with_the_layer_name(cls):
    with pytest.raises(ValueError, match=f"^{cls.__name__}: embedding_dim must be a non-negative int, got -1"):
        cls(3, -1)
    with pytest.raises(TypeError, match=f"^{cls.__name__}: sparse must be a bool, got 1"):
        cls(3, 2, sparse=1)
    with pytest.raises(ValueError, match=f"^{cls.__name__}"):
        cls(3, 2, padding_idx=3)
