"""Small PyTorch spellings: sgn, deg2rad, rad2deg, select, numel, detach, index_add_/index_fill_/masked_scatter_."""

import numpy as np
import pytest
from helpers import check_op, rand

import lucid


def test_deg2rad_rad2deg():
    check_op(lucid.deg2rad, np.deg2rad, [rand(3, 4) * 360])
    check_op(lambda x: x.rad2deg(), np.rad2deg, [rand(5) * 4])
    assert lucid.deg2rad(lucid.tensor([180])).dtype == lucid.float32


def test_sgn_real_and_complex():
    x = np.array([-2.0, 0.0, 3.0], np.float32)
    np.testing.assert_array_equal(lucid.sgn(lucid.tensor(x)).numpy(), np.sign(x))
    z = np.array([3 + 4j, 0j, -1j, 2 - 2j], np.complex64)
    expected = np.where(np.abs(z) == 0, 0, z / np.where(np.abs(z) == 0, 1, np.abs(z)))
    np.testing.assert_allclose(lucid.tensor(z).sgn().numpy(), expected, rtol=1e-6)


@pytest.mark.parametrize("dim,index", [(0, 1), (1, -1), (-1, 0), (2, 3)])
def test_select(dim, index):
    a = rand(2, 3, 4)
    check_op(lambda x: x.select(dim, index), lambda v: np.take(v, index, axis=dim), [a])
    assert lucid.select(lucid.tensor(a), dim=dim, index=index).shape == np.take(a, index, axis=dim).shape


def test_select_errors():
    with pytest.raises(IndexError):
        lucid.zeros(2, 3).select(1, 3)
    with pytest.raises(ValueError):
        lucid.tensor(1.0).select(0, 0)


def test_numel_and_detach():
    assert lucid.numel(lucid.zeros(2, 0, 3)) == 0 and lucid.numel(lucid.zeros(4, 5)) == 20
    w = lucid.ones(2, requires_grad=True)
    d = lucid.detach(w * 2)
    assert not d.requires_grad and d.tolist() == [2.0, 2.0]
    with pytest.raises(TypeError):
        lucid.numel([1, 2])


def test_index_inplace_forms_match_out_of_place():
    base = rand(4, 3)
    idx = lucid.tensor([0, 2])
    src = lucid.tensor(rand(2, 3, seed=5))
    x = lucid.tensor(base)
    v = x._version
    assert x.index_add_(0, idx, src, alpha=2.0) is x and x._version == v + 1
    np.testing.assert_allclose(x.numpy(), lucid.index_add(lucid.tensor(base), 0, idx, src, alpha=2.0).numpy())
    y = lucid.tensor(base)
    y.index_fill_(1, lucid.tensor([1]), -7.0)
    expected = base.copy()
    expected[:, 1] = -7.0
    np.testing.assert_array_equal(y.numpy(), expected)
    mask = lucid.tensor(base > 0)
    z = lucid.tensor(base)
    z.masked_scatter_(mask, lucid.zeros(12, dtype=lucid.float64))
    np.testing.assert_array_equal(z.numpy(), np.where(base > 0, 0.0, base))


def test_index_add_inplace_is_differentiable_on_non_leaf():
    w = lucid.tensor(rand(4, 3), requires_grad=True)
    src = lucid.tensor(rand(2, 3, seed=2), requires_grad=True)
    y = w * 1.0
    y.index_add_(0, lucid.tensor([1, 3]), src)
    g = rand(4, 3, seed=3)
    y.backward(lucid.tensor(g))
    np.testing.assert_allclose(w.grad.numpy(), g)
    np.testing.assert_allclose(src.grad.numpy(), g[[1, 3]])
