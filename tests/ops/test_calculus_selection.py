"""gradient, trapezoid, cumulative_trapezoid, logcumsumexp, mode, aminmax, msort, unique_consecutive, isreal,
is_nonzero and Tensor.apply_/map_ against NumPy references."""

import numpy as np
import pytest
from helpers import check_grad, rand

import lucid


def T(a):
    return lucid.tensor(a, device="cpu")


# -- gradient ------------------------------------------------------------------------
@pytest.mark.parametrize("edge_order", [1, 2])
def test_gradient_uniform_matches_numpy(edge_order):
    x = rand(5, 4, seed=0)
    got = lucid.gradient(T(x), spacing=0.5, edge_order=edge_order)
    ref = np.gradient(x, 0.5, edge_order=edge_order)
    assert isinstance(got, tuple) and len(got) == 2
    for g, r in zip(got, ref):
        np.testing.assert_allclose(g.numpy(), r, rtol=1e-12, atol=1e-12)
    (g0,) = lucid.gradient(T(x), spacing=T(np.float64(0.5)), dim=0, edge_order=edge_order)
    np.testing.assert_allclose(g0.numpy(), ref[0], rtol=1e-12, atol=1e-12)
    (g1,) = lucid.gradient(T(x), spacing=[2.0], dim=-1, edge_order=edge_order)
    np.testing.assert_allclose(g1.numpy(), np.gradient(x, 2.0, axis=-1, edge_order=edge_order), rtol=1e-12)


@pytest.mark.parametrize("edge_order", [1, 2])
def test_gradient_coordinates_match_numpy(edge_order):
    f = rand(6, 3, seed=1)
    c0 = np.cumsum(rand(6, seed=2, low=0.2, high=1.0))
    c1 = np.array([0.0, 0.3, 1.0])
    got = lucid.gradient(T(f), spacing=[T(c0), T(c1)], dim=[0, 1], edge_order=edge_order)
    ref = np.gradient(f, c0, c1, edge_order=edge_order)
    for g, r in zip(got, ref):
        np.testing.assert_allclose(g.numpy(), r, rtol=1e-10, atol=1e-12)


def test_gradient_grad_and_dtypes():
    check_grad(lambda t: lucid.gradient(t, edge_order=2)[0], [rand(6, seed=3)])
    c = np.cumsum(rand(5, seed=4, low=0.5, high=1.0))
    check_grad(lambda t: lucid.gradient(t, spacing=[T(c)], dim=1)[0], [rand(2, 5, seed=5)])
    assert lucid.gradient(lucid.tensor([1, 4, 9]))[0].dtype == lucid.float32
    assert lucid.gradient(lucid.tensor([1.0, 4.0], dtype=lucid.float16))[0].dtype == lucid.float16


def test_gradient_bad_input():
    with pytest.raises(ValueError, match="edge_order"):
        lucid.gradient(T(rand(4)), edge_order=3)
    with pytest.raises(ValueError, match="samples"):
        lucid.gradient(T(rand(2)), edge_order=2)
    with pytest.raises(ValueError, match="spacing"):
        lucid.gradient(T(rand(3, 3)), spacing=[1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="coordinates"):
        lucid.gradient(T(rand(3)), spacing=[T(rand(4))])
    with pytest.raises(TypeError):
        lucid.gradient(T(rand(3)), spacing="one")
    with pytest.raises(ValueError):
        lucid.gradient(T(np.float64(1.0)))


# -- trapezoid rules -----------------------------------------------------------------
def test_trapezoid_matches_numpy():
    y = rand(3, 5, seed=6)
    x = np.cumsum(rand(5, seed=7, low=0.1, high=1.0))
    np.testing.assert_allclose(lucid.trapezoid(T(y)).numpy(), np.trapezoid(y), rtol=1e-12)
    np.testing.assert_allclose(lucid.trapezoid(T(y), dx=0.25, dim=0).numpy(), np.trapezoid(y, dx=0.25, axis=0),
                               rtol=1e-12)
    np.testing.assert_allclose(lucid.trapezoid(T(y), T(x)).numpy(), np.trapezoid(y, x), rtol=1e-12)
    xs = np.cumsum(rand(3, 5, seed=8, low=0.1, high=1.0), axis=1)
    np.testing.assert_allclose(lucid.trapezoid(T(y), T(xs), dim=1).numpy(), np.trapezoid(y, xs, axis=1),
                               rtol=1e-12)
    assert lucid.trapz is lucid.trapezoid
    assert lucid.trapezoid(T(np.ones((2, 1)))).tolist() == [0.0, 0.0]
    check_grad(lambda a, b: lucid.trapezoid(a, b), [y, x])


def test_cumulative_trapezoid():
    y = rand(4, 6, seed=9)
    x = np.cumsum(rand(6, seed=10, low=0.1, high=1.0))
    ref = np.cumsum((y[:, 1:] + y[:, :-1]) / 2 * np.diff(x), axis=1)
    got = lucid.cumulative_trapezoid(T(y), T(x))
    assert got.shape == (4, 5)
    np.testing.assert_allclose(got.numpy(), ref, rtol=1e-12)
    ref0 = np.cumsum((y[1:] + y[:-1]) / 2 * 0.5, axis=0)
    np.testing.assert_allclose(lucid.cumulative_trapezoid(T(y), dx=0.5, dim=0).numpy(), ref0, rtol=1e-12)
    check_grad(lambda a: lucid.cumulative_trapezoid(a, dim=0), [y])


def test_trapezoid_bad_input():
    with pytest.raises(TypeError, match="not both"):
        lucid.trapezoid(T(rand(3)), T(rand(3)), dx=1.0)
    with pytest.raises(ValueError, match="points"):
        lucid.trapezoid(T(rand(3)), T(rand(4)))
    with pytest.raises(TypeError):
        lucid.cumulative_trapezoid(T(rand(3)), dx="1")
    with pytest.raises(ValueError):
        lucid.trapezoid(T(np.float64(2.0)))


# -- logcumsumexp --------------------------------------------------------------------
def test_logcumsumexp_values_and_grad():
    x = rand(3, 5, seed=11, low=-3, high=3)
    for d in (0, 1, -1):
        # MLX's float64 logcumsumexp is accurate to about 1e-8.
        np.testing.assert_allclose(lucid.logcumsumexp(T(x), d).numpy(), np.logaddexp.accumulate(x, axis=d),
                                   rtol=1e-7)
    big = np.array([1000.0, 1000.0, -1000.0])
    np.testing.assert_allclose(lucid.logcumsumexp(T(big), 0).numpy(), [1000.0, 1000.0 + np.log(2), 1000.0 + np.log(2)])
    # MLX's float64 logcumsumexp is accurate to ~1e-8, too coarse for finite differences: the backward is
    # checked against the closed form d out_i / d x_j = exp(x_j - out_i) (j <= i) instead.
    g = rand(3, 5, seed=12)
    t = lucid.tensor(x, requires_grad=True)
    (t.logcumsumexp(dim=1) * lucid.tensor(g)).sum().backward()
    out = np.logaddexp.accumulate(x, axis=1)
    jac = np.exp(x[:, None, :] - out[:, :, None]) * np.tril(np.ones((5, 5)))  # [row, i, j]
    np.testing.assert_allclose(t.grad.numpy(), np.einsum("ri,rij->rj", g, jac), rtol=1e-6, atol=1e-7)
    check_grad(lambda t: lucid.logcumsumexp(t, 0), [x], eps=1e-3, atol=1e-4, rtol=1e-3)
    # Large values: the gradient stays finite (softmax-like weights).
    t = lucid.tensor(big, requires_grad=True)
    lucid.logcumsumexp(t, 0).sum().backward()
    assert np.isfinite(t.grad.numpy()).all()
    np.testing.assert_allclose(t.grad.numpy(), [2.0, 1.0, 0.0], atol=1e-12)


def test_logcumsumexp_bad_input():
    with pytest.raises(TypeError):
        lucid.logcumsumexp(lucid.tensor([1, 2]), 0)
    with pytest.raises(ValueError):
        lucid.logcumsumexp(T(rand(3)), 1)
    assert lucid.logcumsumexp(T(np.float64(2.0)), 0).item() == 2.0


# -- mode, aminmax, msort ------------------------------------------------------------
def _np_mode(a, axis):
    a = np.moveaxis(a, axis, -1)
    vals, idxs = [], []
    for row in a.reshape(-1, a.shape[-1]):
        u, c = np.unique(row, return_counts=True)
        v = u[np.argmax(c)]
        vals.append(v)
        idxs.append(np.flatnonzero(row == v)[-1])
    shape = a.shape[:-1]
    return np.array(vals).reshape(shape), np.array(idxs).reshape(shape)


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_mode_matches_reference(dim):
    a = np.random.default_rng(12).integers(0, 4, size=(5, 7))
    v, i = lucid.mode(T(a), dim)
    rv, ri = _np_mode(a, dim)
    np.testing.assert_array_equal(v.numpy(), rv)
    np.testing.assert_array_equal(i.numpy(), ri)
    assert i.dtype == lucid.int64 and v.dtype == lucid.int64
    out = T(a).mode(dim=dim, keepdim=True)
    assert type(out).__name__ == "mode" and out.values.shape == tuple(1 if k == dim % 2 else n
                                                                       for k, n in enumerate(a.shape))


def test_mode_floats_grad_and_errors():
    a = np.array([[1.5, 2.5, 1.5], [0.5, 0.25, 0.125]])
    v, i = lucid.mode(T(a))
    assert v.tolist() == [1.5, 0.125] and i.tolist() == [2, 2]
    # A repeated value is not differentiable by finite differences: the gradient goes to the returned index.
    t = lucid.tensor(a, requires_grad=True)
    (lucid.mode(t, 1).values * lucid.tensor([2.0, 3.0])).sum().backward()
    np.testing.assert_array_equal(t.grad.numpy(), [[0.0, 0.0, 2.0], [0.0, 0.0, 3.0]])
    with pytest.raises(ValueError):
        lucid.mode(T(np.zeros((2, 0))))
    with pytest.raises((ValueError, IndexError)):
        lucid.mode(T(a), 2)
    v0, i0 = lucid.mode(T(np.float64(3.0)))
    assert v0.item() == 3.0 and i0.item() == 0


def test_aminmax():
    a = rand(3, 4, seed=13)
    lo, hi = lucid.aminmax(T(a))
    assert lo.item() == a.min() and hi.item() == a.max()
    out = lucid.aminmax(T(a), dim=0, keepdim=True)
    assert type(out)._fields == ("min", "max")
    np.testing.assert_array_equal(out.min.numpy(), a.min(0, keepdims=True))
    np.testing.assert_array_equal(out.max.numpy(), a.max(0, keepdims=True))
    np.testing.assert_array_equal(T(a).aminmax(dim=1).max.numpy(), a.max(1))
    check_grad(lambda t: lucid.aminmax(t, dim=1).min + lucid.aminmax(t, dim=1).max, [a])
    with pytest.raises(ValueError):
        lucid.aminmax(T(np.zeros((0, 3))))


def test_msort():
    a = rand(4, 3, seed=14)
    np.testing.assert_array_equal(lucid.msort(T(a)).numpy(), np.sort(a, axis=0))
    np.testing.assert_array_equal(T(a).msort().numpy(), np.sort(a, axis=0))
    check_grad(lucid.msort, [a])


# -- unique_consecutive, isreal, is_nonzero ------------------------------------------
def test_unique_consecutive_flat():
    a = np.array([[1, 1, 2], [2, 2, 3], [1, 1, 1]])
    out, inv, counts = lucid.unique_consecutive(T(a), return_inverse=True, return_counts=True)
    flat = a.ravel()
    keep = np.concatenate([[True], flat[1:] != flat[:-1]])
    np.testing.assert_array_equal(out.numpy(), flat[keep])
    np.testing.assert_array_equal(inv.numpy(), (np.cumsum(keep) - 1).reshape(a.shape))
    np.testing.assert_array_equal(counts.numpy(), np.diff(np.append(np.flatnonzero(keep), flat.size)))
    assert inv.dtype == lucid.int64 and out.dtype == lucid.int64
    assert lucid.unique_consecutive(T(np.array([], dtype=np.float32))).shape == (0,)


def test_unique_consecutive_along_dim():
    a = np.array([[1, 1, 2, 2, 1], [3, 3, 4, 5, 3]])
    out, inv, counts = T(a).unique_consecutive(return_inverse=True, return_counts=True, dim=1)
    np.testing.assert_array_equal(out.numpy(), [[1, 2, 2, 1], [3, 4, 5, 3]])
    assert inv.tolist() == [0, 0, 1, 2, 3] and counts.tolist() == [2, 1, 1, 1]
    out0 = lucid.unique_consecutive(T(np.array([[1, 2], [1, 2], [0, 2]])), dim=0)
    assert out0.tolist() == [[1, 2], [0, 2]]


def test_isreal_and_is_nonzero():
    c = lucid.tensor([1 + 0j, 1j, 0j])
    assert lucid.isreal(c).tolist() == [True, False, True]
    assert lucid.isreal(T(rand(2))).tolist() == [True, True]
    assert lucid.isreal(lucid.tensor([1, 2])).dtype == lucid.bool
    assert lucid.is_nonzero(lucid.tensor([[2]])) is True
    assert lucid.tensor(0.0).is_nonzero() is False
    assert lucid.is_nonzero(lucid.tensor([False])) is False
    with pytest.raises(RuntimeError, match="exactly one"):
        lucid.is_nonzero(lucid.tensor([1, 2]))
    with pytest.raises(RuntimeError):
        lucid.is_nonzero(lucid.tensor([]))


# -- apply_ / map_ -------------------------------------------------------------------
def test_apply_and_map_in_place():
    t = lucid.tensor([[1.0, 2.0], [3.0, 4.0]])
    v = t._version
    assert t.apply_(lambda x: x * x) is t
    assert t.tolist() == [[1.0, 4.0], [9.0, 16.0]] and t.dtype == lucid.float32 and t._version > v
    i = lucid.tensor([1, 2, 3])
    i.apply_(lambda x: x / 2)
    assert i.dtype == lucid.int64 and i.tolist() == [0, 1, 1]
    t.map_(lucid.tensor([1.0, -1.0]), lambda a, b: a * b)
    assert t.tolist() == [[1.0, -4.0], [9.0, -16.0]]


def test_apply_and_map_bad_input():
    t = lucid.tensor([1.0, 2.0])
    with pytest.raises(TypeError):
        t.apply_(3)
    with pytest.raises(TypeError):
        t.map_([1.0, 2.0], lambda a, b: a)
    with pytest.raises(ValueError, match="broadcast"):
        t.map_(lucid.tensor([1.0, 2.0, 3.0]), lambda a, b: a)
    leaf = lucid.tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError):
        leaf.apply_(lambda x: x)
