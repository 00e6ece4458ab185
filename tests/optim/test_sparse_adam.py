"""lucid.optim.SparseAdam: the lazy Adam update against a NumPy reference on an embedding."""

import math

import numpy as np
import pytest

import lucid
from lucid import nn


def _ref_lazy_adam(w, grads, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, maximize=False):
    """PyTorch's SparseAdam rule applied to the rows with a nonzero gradient only (float64)."""
    b1, b2 = betas
    m = np.zeros_like(w)
    v = np.zeros_like(w)
    for t, g in enumerate(grads, 1):
        g = -g if maximize else g
        rows = np.any(g != 0, axis=tuple(range(1, g.ndim))) if g.ndim > 1 else g != 0
        m[rows] = b1 * m[rows] + (1 - b1) * g[rows]
        v[rows] = b2 * v[rows] + (1 - b2) * g[rows] ** 2
        step = lr * math.sqrt(1 - b2 ** t) / (1 - b1 ** t)
        w[rows] = w[rows] - step * m[rows] / (np.sqrt(v[rows]) + eps)
    return w, m, v


@pytest.mark.parametrize("maximize", [False, True])
def test_embedding_rows_match_lazy_reference(maximize):
    rng = np.random.default_rng(0)
    emb = nn.Embedding(8, 3, sparse=True, dtype=lucid.float64)
    w0 = emb.weight.numpy().copy()
    opt = lucid.optim.SparseAdam(emb.parameters(), lr=0.05, betas=(0.8, 0.9), eps=1e-6, maximize=maximize)
    # rows 5 and 7 are never looked up; the others only in some steps
    batches = [[0, 1, 1], [2, 3], [0, 4, 6], [6, 6, 2]]
    grads = []
    for idx in batches:
        opt.zero_grad()
        up = rng.standard_normal((len(idx), 3))
        (emb(lucid.tensor(idx)) * lucid.tensor(up)).sum().backward()
        grads.append(emb.weight.grad.numpy().copy())
        opt.step()
    w, m, v = _ref_lazy_adam(w0.copy(), grads, lr=0.05, betas=(0.8, 0.9), eps=1e-6, maximize=maximize)
    st = opt.state[emb.weight]
    np.testing.assert_allclose(emb.weight.numpy(), w, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(st["exp_avg"].numpy(), m, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(st["exp_avg_sq"].numpy(), v, rtol=1e-12, atol=1e-14)
    assert st["step"].item() == len(batches)
    # untouched rows: parameters and moments exactly as before
    np.testing.assert_array_equal(emb.weight.numpy()[[5, 7]], w0[[5, 7]])
    assert not st["exp_avg"].numpy()[[5, 7]].any()
    # row 4 was used in step 3 only: its moments are those of one update, not decayed since
    np.testing.assert_allclose(st["exp_avg"].numpy()[4], 0.2 * grads[2][4] * (-1 if maximize else 1), rtol=1e-12)


def test_differs_from_dense_adam_where_rows_are_idle():
    # Dense Adam keeps moving an idle row on momentum; SparseAdam leaves it.
    for cls, moves in ((lucid.optim.Adam, True), (lucid.optim.SparseAdam, False)):
        w = lucid.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
        opt = cls([w], lr=0.1)
        w.grad = lucid.tensor([[1.0, 1.0], [1.0, 0.0]])
        opt.step()
        before = w.numpy()[0].copy()
        w.grad = lucid.tensor([[0.0, 0.0], [1.0, 1.0]])
        opt.step()
        assert (not np.array_equal(w.numpy()[0], before)) is moves


def test_vector_and_scalar_parameters_are_row_per_entry():
    p = lucid.tensor([1.0, 2.0, 3.0], dtype=lucid.float64, requires_grad=True)
    s = lucid.tensor(5.0, dtype=lucid.float64, requires_grad=True)
    opt = lucid.optim.SparseAdam([p, s], lr=0.1)
    gs = [np.array([0.5, 0.0, -1.0]), np.array([0.0, 2.0, 0.0])]
    for g in gs:
        p.grad = lucid.tensor(g)
        s.grad = lucid.tensor(0.0, dtype=lucid.float64)
        opt.step()
    w, _, _ = _ref_lazy_adam(np.array([1.0, 2.0, 3.0]), gs, lr=0.1)
    np.testing.assert_allclose(p.numpy(), w, rtol=1e-12)
    assert s.item() == 5.0 and opt.state[s]["exp_avg"].item() == 0.0


def test_lazy_no_evaluation_inside_update(monkeypatch):
    import mlx.core as mx
    w = lucid.ones(4, 2, requires_grad=True)
    opt = lucid.optim.SparseAdam([w])
    w.grad = lucid.ones(4, 2)
    calls = []
    real = mx.eval
    monkeypatch.setattr(mx, "eval", lambda *a: (calls.append(1), real(*a))[1])
    opt.step()
    assert len(calls) == 1  # the base's batched evaluation only


def test_errors():
    w = lucid.ones(2, requires_grad=True)
    with pytest.raises(ValueError, match="Invalid learning rate"):
        lucid.optim.SparseAdam([w], lr=-0.1)
    with pytest.raises(ValueError, match="Invalid epsilon value"):
        lucid.optim.SparseAdam([w], eps=-1.0)
    with pytest.raises(ValueError, match="Invalid beta parameter at index 0"):
        lucid.optim.SparseAdam([w], betas=(1.0, 0.9))
    with pytest.raises(TypeError, match="maximize must be a bool"):
        lucid.optim.SparseAdam([w], maximize=1)
