import numpy as np
import pytest

import lucid
import lucid.nn as nn
import lucid.nn.functional as F
from tests.helpers import OpCase, rand, run_case, to_tensor

W = rand(6, 3, seed=1)
IDX = np.array([[0, 5, 2], [2, 2, 1]])


CASES = [
    OpCase("embedding", lambda w, i: F.embedding(i, w), lambda w, i: w[i], [W, IDX]),
    OpCase("embedding_1d", lambda w, i: F.embedding(i, w), lambda w, i: w[i], [W, np.array([3, 3, 0])]),
    OpCase("embedding_0d", lambda w, i: F.embedding(i, w), lambda w, i: w[i], [W, np.array(4)]),
    OpCase("embedding_empty", lambda w, i: F.embedding(i, w), lambda w, i: w[i], [W, np.zeros((0, 2), np.int64)]),
    # Padding rows and frequency scaling change the gradient on purpose (tested below), so forward only.
    OpCase("embedding_padding", lambda w, i: F.embedding(i, w, padding_idx=2), lambda w, i: w[i], [W, IDX],
           grad=False),
    OpCase("embedding_scale_freq", lambda w, i: F.embedding(i, w, scale_grad_by_freq=True), lambda w, i: w[i],
           [W, IDX], grad=False),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_op(case):
    run_case(case)


def test_embedding_gradient_scatter_adds():
    w = to_tensor(W, requires_grad=True)
    up = rand(2, 3, 3, seed=2)
    (F.embedding(lucid.tensor(IDX), w) * to_tensor(up)).sum().backward()
    expected = np.zeros_like(W)
    np.add.at(expected, IDX.reshape(-1), up.reshape(-1, 3))
    np.testing.assert_allclose(w.grad.numpy(), expected, rtol=1e-12)


def test_padding_idx_gets_no_gradient_and_scale_by_freq():
    w = to_tensor(W, requires_grad=True)
    up = rand(2, 3, 3, seed=3)
    (F.embedding(lucid.tensor(IDX), w, padding_idx=-4, scale_grad_by_freq=True) * to_tensor(up)).sum().backward()
    expected = np.zeros_like(W)
    counts = np.bincount(IDX.reshape(-1), minlength=6)
    np.add.at(expected, IDX.reshape(-1), up.reshape(-1, 3) / counts[IDX.reshape(-1)][:, None])
    expected[2] = 0.0  # padding_idx=-4 is row 2
    np.testing.assert_allclose(w.grad.numpy(), expected, rtol=1e-12)


def test_max_norm_renormalises_in_place():
    base = rand(5, 4, seed=4, low=-3, high=3)
    w = lucid.tensor(base, requires_grad=True)
    version = w._version
    out = F.embedding(lucid.tensor([1, 3, 1]), w, max_norm=1.0)
    assert w._version == version + 1
    new = w.numpy()
    norms = np.linalg.norm(base, axis=1)
    for r in range(5):
        if r in (1, 3) and norms[r] > 1.0:
            np.testing.assert_allclose(new[r], base[r] / (norms[r] + 1e-7), rtol=1e-12)
        else:
            np.testing.assert_array_equal(new[r], base[r])
    np.testing.assert_array_equal(out.numpy(), new[[1, 3, 1]])
    out.sum().backward()  # the lookup's backward is unaffected by the in-place change
    assert w.grad.tolist()[1] == [2.0] * 4


def test_max_norm_with_other_norm_type():
    base = np.array([[3.0, -4.0], [0.1, 0.1]])
    w = lucid.tensor(base)
    F.embedding(lucid.tensor([0, 1]), w, max_norm=2.0, norm_type=1.0)
    np.testing.assert_allclose(w.numpy()[0], base[0] * 2.0 / (7.0 + 1e-7))
    np.testing.assert_array_equal(w.numpy()[1], base[1])


def test_embedding_errors():
    w = lucid.ones(4, 2)
    with pytest.raises(TypeError, match="integer"):
        F.embedding(lucid.tensor([0.0, 1.0]), w)
    with pytest.raises(ValueError, match="2-D"):
        F.embedding(lucid.tensor([0]), lucid.ones(4))
    with pytest.raises(ValueError, match="padding_idx"):
        F.embedding(lucid.tensor([0]), w, padding_idx=4)
    with pytest.raises(TypeError, match="sparse"):
        F.embedding(lucid.tensor([0]), w, sparse=1)
    with pytest.raises(TypeError, match="sparse"):
        nn.Embedding(4, 2, sparse="yes")
    with pytest.raises(ValueError, match="padding_idx"):
        nn.Embedding(4, 2, padding_idx=-5)


def test_embedding_sparse_gives_the_dense_gradient():
    # Lucid has no sparse tensors: sparse=True is accepted and the gradient is dense,
    # zero in the rows not looked up (what optim.SparseAdam relies on).
    idx = lucid.tensor([[0, 3], [3, 1]])
    up = np.arange(12, dtype=np.float32).reshape(2, 2, 3)
    grads = []
    for sparse in (False, True):
        emb = nn.Embedding(5, 3, sparse=sparse)
        assert emb.sparse is sparse
        (emb(idx) * lucid.tensor(up)).sum().backward()
        grads.append(emb.weight.grad.numpy())
    expected = np.zeros((5, 3), np.float32)
    np.add.at(expected, idx.numpy().reshape(-1), up.reshape(-1, 3))
    np.testing.assert_array_equal(grads[0], expected)
    np.testing.assert_array_equal(grads[1], expected)


@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "float32"])
def test_embedding_dtype(dtype):
    dt = getattr(lucid, dtype)
    m = nn.Embedding(5, 3, dtype=dt)
    out = m(lucid.tensor([1, 1, 4]))
    assert out.dtype == dt
    out.sum().backward()
    assert m.weight.grad.dtype == dt


def test_embedding_module():
    lucid.random.seed(0)
    m = nn.Embedding(1000, 64, padding_idx=3)
    assert repr(m) == "Embedding(1000, 64, padding_idx=3)"
    assert repr(nn.Embedding(5, 2, max_norm=1.0, scale_grad_by_freq=True)) == \
        "Embedding(5, 2, max_norm=1.0, scale_grad_by_freq=True)"
    assert list(m.state_dict()) == ["weight"]
    w = m.weight.numpy()
    assert (w[3] == 0).all()
    rest = np.delete(w, 3, axis=0)
    assert abs(rest.mean()) < 0.01 and abs(rest.std() - 1.0) < 0.01
    out = m(lucid.tensor([[3, 7], [7, 0]]))
    assert out.shape == (2, 2, 64)
    out.sum().backward()
    g = m.weight.grad.numpy()
    assert (g[3] == 0).all() and (g[7] == 2).all() and (g[0] == 1).all()


def test_from_pretrained():
    pre = lucid.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    m = nn.Embedding.from_pretrained(pre)
    assert not m.weight.requires_grad
    assert m(lucid.tensor([2, 0])).tolist() == [[5.0, 6.0], [1.0, 2.0]]
    m2 = nn.Embedding.from_pretrained(pre, freeze=False, padding_idx=1)
    assert m2.weight.requires_grad and m2.padding_idx == 1
    assert m2.weight.tolist()[1] == [3.0, 4.0]  # the given values are kept
    m2(lucid.tensor([1, 2])).sum().backward()
    assert m2.weight.grad.tolist() == [[0.0, 0.0], [0.0, 0.0], [1.0, 1.0]]
    with pytest.raises(ValueError, match="2-D"):
        nn.Embedding.from_pretrained(lucid.ones(3))


def test_one_hot():
    t = lucid.tensor([[0, 2], [1, 0]])
    out = F.one_hot(t, 4)
    assert out.dtype == lucid.int64 and out.shape == (2, 2, 4)
    np.testing.assert_array_equal(out.numpy(), np.eye(4, dtype=np.int64)[t.numpy()])
    inferred = F.one_hot(lucid.tensor([1, 3]))
    assert inferred.tolist() == [[0, 1, 0, 0], [0, 0, 0, 1]]
    assert F.one_hot(lucid.tensor([1, 2], dtype=lucid.int32), 3).dtype == lucid.int64
    assert F.one_hot(lucid.tensor([], dtype=lucid.int64), 3).shape == (0, 3)
    assert not out.requires_grad
    with pytest.raises(TypeError, match="integer"):
        F.one_hot(lucid.tensor([1.0]), 3)
    with pytest.raises(ValueError, match="empty"):
        F.one_hot(lucid.tensor([], dtype=lucid.int64))
    with pytest.raises(ValueError, match="num_classes"):
        F.one_hot(t, -2)
