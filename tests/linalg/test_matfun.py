"""lucid.linalg.matrix_exp, householder_product, vander, vecdot (complex): SciPy/NumPy references, gradients."""

import numpy as np
import pytest
import scipy.linalg as sl

import lucid
import lucid.linalg as LA
from tests.helpers import check_grad


def _rng(seed):
    return np.random.default_rng(seed)


# -- matrix_exp -------------------------------------------------------------------
@pytest.mark.parametrize("scale", [0.0, 1e-3, 0.5, 3.0, 40.0])
def test_matrix_exp_matches_scipy_float64(scale):
    a = _rng(1).standard_normal((2, 4, 4)) * scale
    got = LA.matrix_exp(lucid.tensor(a)).numpy()
    ref = np.stack([sl.expm(x) for x in a])
    np.testing.assert_allclose(got, ref, rtol=1e-10, atol=1e-12 * np.abs(ref).max())


def test_matrix_exp_float32_and_batch_with_mixed_norms():
    a = np.stack([np.zeros((3, 3)), _rng(2).standard_normal((3, 3)) * 8, np.diag([1.0, -2.0, 0.5])])
    got = LA.matrix_exp(lucid.tensor(a.astype(np.float32)))
    assert got.dtype == lucid.float32
    ref = np.stack([sl.expm(x) for x in a])
    np.testing.assert_allclose(got.numpy(), ref, rtol=1e-4, atol=1e-4 * np.abs(ref).max())
    np.testing.assert_allclose(got.numpy()[0], np.eye(3))


def test_matrix_exp_closed_forms():
    t = 0.7  # exp of a rotation generator is the rotation
    R = LA.matrix_exp(lucid.tensor([[0.0, -t], [t, 0.0]], dtype=lucid.float64)).numpy()
    np.testing.assert_allclose(R, [[np.cos(t), -np.sin(t)], [np.sin(t), np.cos(t)]], atol=1e-14)
    N = LA.matrix_exp(lucid.tensor(np.triu(np.ones((3, 3)), 1))).numpy()  # nilpotent: I + N + N^2 / 2
    np.testing.assert_allclose(N, [[1, 1, 1.5], [0, 1, 1], [0, 0, 1]], atol=1e-14)


@pytest.mark.parametrize("scale", [0.3, 4.0])
def test_matrix_exp_gradient(scale):
    check_grad(LA.matrix_exp, [_rng(3).standard_normal((2, 3, 3)) * scale], rtol=1e-5)


def test_matrix_exp_bad_inputs():
    with pytest.raises(ValueError, match="square"):
        LA.matrix_exp(lucid.ones(2, 3))
    with pytest.raises(TypeError, match="floating-point"):
        LA.matrix_exp(lucid.tensor([[1, 0], [0, 1]]))


# -- householder_product ---------------------------------------------------------
def _geqrf(a, k=None):
    qr, tau, _work, _info = sl.lapack.dgeqrf(a)
    tau = tau if k is None else tau[:k]
    return qr, tau, sl.lapack.dorgqr(qr, tau)[0]


@pytest.mark.parametrize("shape,k", [((5, 3), None), ((4, 4), None), ((6, 4), 2), ((3, 3), 0)])
def test_householder_product_matches_lapack_orgqr(shape, k):
    qr, tau, q = _geqrf(_rng(4).standard_normal(shape), k)
    got = LA.householder_product(lucid.tensor(qr), lucid.tensor(tau)).numpy()
    np.testing.assert_allclose(got, q, atol=1e-13)


def test_householder_product_batched_and_gradient():
    parts = [_geqrf(x, 2) for x in _rng(5).standard_normal((2, 4, 3))]
    qr, tau, q = (np.stack(p) for p in zip(*parts))
    np.testing.assert_allclose(LA.householder_product(lucid.tensor(qr), lucid.tensor(tau)).numpy(), q, atol=1e-13)
    check_grad(LA.householder_product, [qr, tau])


def test_householder_product_bad_inputs():
    A = lucid.ones(4, 3)
    with pytest.raises(ValueError, match="at least as many rows"):
        LA.householder_product(lucid.ones(2, 3), lucid.ones(2))
    with pytest.raises(ValueError, match="only 3 columns"):
        LA.householder_product(A, lucid.ones(4))
    with pytest.raises(ValueError, match="tau must have shape"):
        LA.householder_product(A, lucid.ones(2, 3))
    with pytest.raises(TypeError, match="dtype"):
        LA.householder_product(A, lucid.ones(3, dtype=lucid.float64))


# -- vander ------------------------------------------------------------------------
def test_vander_matches_numpy_increasing():
    x = _rng(6).standard_normal((2, 5))
    got = LA.vander(lucid.tensor(x), N=4).numpy()
    ref = np.stack([np.vander(r, 4, increasing=True) for r in x])
    np.testing.assert_allclose(got, ref, rtol=1e-14)
    assert LA.vander(lucid.tensor(x)).shape == (2, 5, 5)


def test_vander_integers_keep_dtype():
    v = LA.vander(lucid.tensor([1, 2, 3], dtype=lucid.int32), N=3)
    assert v.dtype == lucid.int32 and v.tolist() == [[1, 1, 1], [1, 2, 4], [1, 3, 9]]


def test_vander_gradient_including_zero():
    check_grad(lambda x: LA.vander(x, N=5), [np.array([0.0, 1.3, -0.7])])
    x = lucid.tensor([0.0], dtype=lucid.float64, requires_grad=True)
    LA.vander(x, N=3).sum().backward()  # d(1 + x + x^2)/dx at 0 is 1, not NaN
    assert x.grad.tolist() == [1.0]


def test_vander_bad_inputs():
    with pytest.raises(ValueError, match="at least one dimension"):
        LA.vander(lucid.tensor(2.0))
    with pytest.raises(ValueError, match="greater than 1"):
        LA.vander(lucid.ones(3), N=1)
    with pytest.raises(TypeError, match="N must be an int"):
        LA.vander(lucid.ones(3), N=2.0)
    with pytest.raises(TypeError, match="numeric"):
        LA.vander(lucid.tensor([True, False]))


# -- vecdot -------------------------------------------------------------------------
def test_vecdot_conjugates_the_first_argument():
    x = np.array([1 + 2j, 3j, -1 + 0.5j], dtype=np.complex64)
    y = np.array([1j, 1 + 0j, 2 - 1j], dtype=np.complex64)
    got = LA.vecdot(lucid.tensor(x), lucid.tensor(y)).item()
    np.testing.assert_allclose(got, np.vdot(x, y), rtol=1e-6)
    np.testing.assert_allclose(LA.vecdot(lucid.tensor(x), lucid.tensor(x)).item(), np.sum(np.abs(x) ** 2),
                               rtol=1e-6)


@pytest.mark.parametrize("scale", [0.01, 1.0, 30.0])
def test_matrix_exp_gradient_is_scipy_frechet_derivative(scale):
    rng = _rng(10)
    a, g = rng.standard_normal((5, 5)) * scale, rng.standard_normal((5, 5))
    x = lucid.tensor(a, requires_grad=True)
    LA.matrix_exp(x).backward(lucid.tensor(g))
    ref = sl.expm_frechet(a.T, g, compute_expm=False)
    np.testing.assert_allclose(x.grad.numpy(), ref, rtol=1e-9, atol=1e-12 * np.abs(ref).max())


@pytest.mark.parametrize("scale", [0.01, 1.0, 30.0])
def test_matrix_exp_forward_mode_is_scipy_frechet_derivative(scale):
    rng = _rng(11)
    a, t = rng.standard_normal((4, 4)) * scale, rng.standard_normal((4, 4))  # non-symmetric: L(A, T) != L(A^T, T)
    _, tangent = lucid.func.jvp(LA.matrix_exp, (lucid.tensor(a),), (lucid.tensor(t),))
    ref = sl.expm_frechet(a, t, compute_expm=False)
    np.testing.assert_allclose(tangent.numpy(), ref, rtol=1e-9, atol=1e-12 * np.abs(ref).max())


def test_matrix_exp_derivatives_of_empty_matrices():
    x = lucid.zeros(2, 0, 0, dtype=lucid.float64, requires_grad=True)
    LA.matrix_exp(x).sum().backward()
    assert x.grad.shape == (2, 0, 0)
    _, tangent = lucid.func.jvp(LA.matrix_exp, (lucid.zeros(0, 0),), (lucid.zeros(0, 0),))
    assert tangent.shape == (0, 0) and tangent.dtype == lucid.float32
