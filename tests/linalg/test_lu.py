"""lucid.linalg.lu_factor / lu_factor_ex / lu / lu_solve against SciPy, with gradients."""

import numpy as np
import pytest
import scipy.linalg as sl

import lucid
import lucid.linalg as LA
from tests.helpers import check_grad


def _rng(seed):
    return np.random.default_rng(seed)


@pytest.mark.parametrize("n", [1, 3, 6])
def test_lu_factor_matches_scipy(n):
    a = _rng(n).standard_normal((n, n))
    LU, piv = LA.lu_factor(lucid.tensor(a))
    lu_s, piv_s = sl.lu_factor(a)
    np.testing.assert_allclose(LU.numpy(), lu_s, atol=1e-12)
    assert piv.dtype == lucid.int32
    np.testing.assert_array_equal(piv.numpy(), piv_s + 1)  # 1-based, as PyTorch


@pytest.mark.parametrize("shape", [(4, 4), (5, 3), (3, 5), (2, 3, 4, 4), (2, 5, 2)])
def test_lu_matches_scipy_and_reconstructs(shape):
    a = _rng(sum(shape)).standard_normal(shape)
    P, L, U = LA.lu(lucid.tensor(a))
    m, n = shape[-2:]
    k = min(m, n)
    assert P.shape == shape[:-2] + (m, m) and L.shape == shape[:-2] + (m, k) and U.shape == shape[:-2] + (k, n)
    np.testing.assert_allclose(P.numpy() @ L.numpy() @ U.numpy(), a, atol=1e-12)
    flat = a.reshape(-1, m, n)
    for i, (p, lo, u) in enumerate(zip(P.numpy().reshape(-1, m, m), L.numpy().reshape(-1, m, k),
                                      U.numpy().reshape(-1, k, n))):
        ps, ls, us = sl.lu(flat[i])
        np.testing.assert_allclose(p, ps)
        np.testing.assert_allclose(lo, ls, atol=1e-12)
        np.testing.assert_allclose(u, us, atol=1e-12)


def test_lu_factor_packs_lu_for_rectangular_and_batched():
    a = _rng(7).standard_normal((3, 5, 3))
    LU, piv = LA.lu_factor(lucid.tensor(a))
    _, L, U = LA.lu(lucid.tensor(a))
    assert LU.shape == (3, 5, 3) and piv.shape == (3, 3)
    np.testing.assert_allclose(np.tril(LU.numpy(), -1)[..., :, :3], np.tril(L.numpy(), -1))
    np.testing.assert_allclose(np.triu(LU.numpy())[..., :3, :], U.numpy())


def test_lu_float32_keeps_dtype():
    a = _rng(3).standard_normal((4, 4)).astype(np.float32)
    P, L, U = LA.lu(lucid.tensor(a))
    assert L.dtype == lucid.float32 and P.dtype == lucid.float32
    np.testing.assert_allclose(P.numpy() @ L.numpy() @ U.numpy(), a, atol=1e-5)


def test_lu_without_pivoting():
    a = _rng(4).standard_normal((4, 4)) + 5 * np.eye(4)
    P, L, U = LA.lu(lucid.tensor(a), pivot=False)
    assert P.numel() == 0
    np.testing.assert_allclose(L.numpy() @ U.numpy(), a, atol=1e-12)
    np.testing.assert_allclose(np.diag(L.numpy()), 1.0)
    LU, piv = LA.lu_factor(lucid.tensor(a), pivot=False)
    assert piv.tolist() == [1, 2, 3, 4]
    x = LA.lu_solve(LU, piv, lucid.tensor(np.eye(4)))
    np.testing.assert_allclose(x.numpy(), np.linalg.inv(a), atol=1e-12)


@pytest.mark.parametrize("shape", [(4, 4), (5, 3), (3, 5), (2, 3, 3)])
@pytest.mark.parametrize("pivot", [True, False])
def test_lu_gradients(shape, pivot):
    a = _rng(11).standard_normal(shape) + 3 * np.eye(*shape[-2:])
    check_grad(lambda x: LA.lu_factor(x, pivot=pivot).LU, [a])
    check_grad(lambda x: tuple(LA.lu(x, pivot=pivot))[1:], [a])


@pytest.mark.parametrize("left", [True, False])
@pytest.mark.parametrize("adjoint", [True, False])
def test_lu_solve_matches_numpy_and_gradients(left, adjoint):
    rng = _rng(5)
    a = rng.standard_normal((2, 4, 4))
    b = rng.standard_normal((2, 4, 3) if left else (2, 3, 4))
    LU, piv = LA.lu_factor(lucid.tensor(a))
    X = LA.lu_solve(LU, piv, lucid.tensor(b), left=left, adjoint=adjoint).numpy()
    A = np.swapaxes(a, -1, -2) if adjoint else a
    expected = np.linalg.solve(A, b) if left else np.swapaxes(np.linalg.solve(np.swapaxes(A, -1, -2),
                                                                             np.swapaxes(b, -1, -2)), -1, -2)
    np.testing.assert_allclose(X, expected, atol=1e-10)
    check_grad(lambda lu, bb: LA.lu_solve(lu, piv, bb, left=left, adjoint=adjoint), [LU.numpy(), b])


def test_lu_solve_through_lu_factor_gradient_is_solve_gradient():
    rng = _rng(6)
    a, b = rng.standard_normal((3, 3)), rng.standard_normal((3, 2))
    check_grad(lambda x, y: LA.lu_solve(*LA.lu_factor(x), y), [a, b])


def test_lu_solve_broadcasts_batch():
    rng = _rng(8)
    a, b = rng.standard_normal((3, 3)), rng.standard_normal((4, 3, 2))
    LU, piv = LA.lu_factor(lucid.tensor(a))
    np.testing.assert_allclose(LA.lu_solve(LU, piv, lucid.tensor(b)).numpy(), np.linalg.solve(a, b), atol=1e-12)


def test_singular_matrices():
    s = lucid.tensor([[1.0, 2.0], [2.0, 4.0]])
    LU = LA.lu_factor(s).LU  # raises lazily, at the next sync point, as LinAlgError
    with pytest.raises(LA.LinAlgError, match=r"lu_factor: U\[1,1\] is zero"):
        LU.tolist()
    res = LA.lu_factor_ex(lucid.stack([s, lucid.eye(2)]))
    assert res.info.tolist() == [2, 0]
    P, L, U = LA.lu(s)  # lu itself does not raise (as PyTorch)
    np.testing.assert_allclose((P @ L @ U).numpy(), s.numpy())
    with pytest.raises(LA.LinAlgError):
        LA.lu_factor_ex(s, check_errors=True).LU.tolist()


def test_bad_inputs():
    with pytest.raises(TypeError, match="floating-point"):
        LA.lu_factor(lucid.tensor([[1, 2], [3, 4]]))
    with pytest.raises(ValueError, match="at least 2 dimensions"):
        LA.lu(lucid.tensor([1.0, 2.0]))
    with pytest.raises(TypeError, match="pivot must be a bool"):
        LA.lu(lucid.eye(2), pivot=1)
    LU, piv = LA.lu_factor(lucid.eye(3))
    with pytest.raises(ValueError, match="square"):
        LA.lu_solve(lucid.ones(3, 2), piv, lucid.ones(3, 1))
    with pytest.raises(TypeError, match="integer tensor"):
        LA.lu_solve(LU, piv.float(), lucid.ones(3, 1))
    with pytest.raises(ValueError, match=r"pivots must have shape \(3,\)"):
        LA.lu_solve(LU, piv[:2], lucid.ones(3, 1))
    with pytest.raises(ValueError, match=r"B must have shape \(\*, 3, k\)"):
        LA.lu_solve(LU, piv, lucid.ones(2, 1))
    with pytest.raises(IndexError, match="pivot"):
        LA.lu_solve(LU, lucid.tensor([1, 9, 3], dtype=lucid.int32), lucid.ones(3, 1)).tolist()
