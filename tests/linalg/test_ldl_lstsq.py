"""lucid.linalg.ldl_factor / ldl_factor_ex / ldl_solve and lstsq against SciPy, with gradients."""

import numpy as np
import pytest
import scipy.linalg as sl
import scipy.linalg.lapack as ll

import lucid
import lucid.linalg as LA
from tests.helpers import check_grad


def _rng(seed):
    return np.random.default_rng(seed)


def _sym(n, seed, batch=(), shift=None):
    a = _rng(seed).standard_normal(batch + (n, n))
    return a + np.swapaxes(a, -1, -2) + (2 * n if shift is None else shift) * np.eye(n)


# -- ldl -----------------------------------------------------------------------------
def test_ldl_factor_matches_scipy_where_no_pivoting_is_needed():
    a = _sym(5, 1)  # diagonally dominant: Bunch-Kaufman does not pivot either
    LD, piv = LA.ldl_factor(lucid.tensor(a))
    lu, d, perm = sl.ldl(a, lower=True)
    np.testing.assert_array_equal(perm, np.arange(5))
    np.testing.assert_allclose(np.tril(LD.numpy(), -1) + np.eye(5), lu, atol=1e-13)
    np.testing.assert_allclose(np.diag(LD.numpy()), np.diag(d), atol=1e-13)
    assert piv.dtype == lucid.int32 and piv.tolist() == [1, 2, 3, 4, 5]


def _reconstruct(LD, piv):
    """``L D L^T`` from LAPACK's sytrf(lower) format: ``L = P(1) L(1) P(2) L(2) ...``, D block diagonal."""
    n = len(piv)
    U, D = np.eye(n), np.zeros((n, n))
    k = 0
    while k < n:
        step = 1 if piv[k] > 0 else 2
        r, kk = abs(piv[k]) - 1, k + step - 1
        P = np.eye(n)
        P[[kk, r]] = P[[r, kk]]
        Lk = np.eye(n)
        Lk[k + step:, k:k + step] = LD[k + step:, k:k + step]
        D[k:k + step, k:k + step] = LD[k:k + step, k:k + step]
        D[k, k + step - 1] = D[k + step - 1, k]
        U = U @ P @ Lk
        k += step
    return U @ D @ U.T


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("n", [1, 2, 3, 6, 17, 70])  # 70: above sytrf's block size, its blocked path
def test_ldl_factor_matches_lapack_sytrf_batched(dtype, n):
    a = _sym(n, 10 + n, batch=(5,), shift=0.0).astype(dtype)  # indefinite: 1x1 and 2x2 pivots, interchanges
    garbage_upper = a + np.triu(np.full((n, n), 7.0, dtype), 1)  # only the lower triangle is read
    LD, piv = LA.ldl_factor(lucid.tensor(garbage_upper))
    assert piv.dtype == lucid.int32 and LD.dtype == lucid.tensor(a).dtype
    sytrf = ll.dsytrf if dtype == np.float64 else ll.ssytrf
    tol = 1e-10 if dtype == np.float64 else 2e-3
    for i in range(5):
        ldu, ipiv, info = sytrf(a[i], lower=1)
        assert info == 0
        np.testing.assert_array_equal(piv.numpy()[i], ipiv)
        np.testing.assert_allclose(LD.numpy()[i], np.tril(ldu), rtol=tol, atol=tol)
        if dtype == np.float64:
            np.testing.assert_allclose(_reconstruct(LD.numpy()[i], ipiv), a[i], atol=1e-9)
    if n >= 6:
        assert (piv.numpy() < 0).any() and (piv.numpy() != np.arange(1, n + 1)).any()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_ldl_solve_with_pivots_matches_numpy_and_broadcasts(dtype):
    a, b = _sym(9, 3, batch=(4,), shift=0.0), _rng(4).standard_normal((4, 9, 3))
    LD, piv = LA.ldl_factor(lucid.tensor(a.astype(dtype)))
    assert (piv.numpy() < 0).any()  # 2x2 blocks are exercised
    x = LA.ldl_solve(LD, piv, lucid.tensor(b.astype(dtype))).numpy()
    tol = 1e-10 if dtype == np.float64 else 1e-3
    ref = np.linalg.solve(a, b)
    np.testing.assert_allclose(x, ref, atol=tol * np.abs(ref).max())
    LD1, piv1 = LA.ldl_factor(lucid.tensor(a[0]))  # unbatched factor, batched B
    np.testing.assert_allclose(LA.ldl_solve(LD1, piv1, lucid.tensor(b)).numpy(), np.linalg.solve(a[0], b),
                               atol=1e-10)
    wide = LA.ldl_solve(LD, piv, lucid.tensor(b[0]))  # batched factor, unbatched B
    np.testing.assert_allclose(wide.numpy(), np.linalg.solve(a, b[0]), atol=1e-10 if dtype == np.float64 else 1e-2)


def test_ldl_gradients_through_pivoted_factors():
    a, b = _sym(5, 11, shift=0.0), _rng(6).standard_normal((5, 2))
    assert (LA.ldl_factor(lucid.tensor(a)).pivots.numpy() < 0).any()
    check_grad(lambda x: LA.ldl_factor(x).LD, [a])
    check_grad(lambda x, y: LA.ldl_solve(*LA.ldl_factor(x), y), [a, b])
    LD, piv = LA.ldl_factor(lucid.tensor(a))
    check_grad(lambda y: LA.ldl_solve(LD, piv, y), [b])


def test_ldl_two_by_two_pivot_and_singular_d():
    swap = lucid.tensor([[0.0, 1.0], [1.0, 0.0]])  # nonsingular, but its first leading minor is 0
    LD, piv = LA.ldl_factor(swap)
    assert piv.tolist() == [-2, -2] and LD.tolist() == [[0.0, 0.0], [1.0, 0.0]]
    assert LA.ldl_solve(LD, piv, lucid.tensor([[2.0], [3.0]])).tolist() == [[3.0], [2.0]]
    singular = [np.array([[0.0, 0.0], [0.0, 1.0]]), np.diag([1.0, 0.0]), np.array([[1.0, 1.0], [1.0, 1.0]])]
    res = LA.ldl_factor_ex(lucid.tensor(np.stack(singular + [np.eye(2)])))
    assert res.info.tolist() == [ll.dsytrf(s, lower=1)[2] for s in singular] + [0] == [1, 2, 2, 0]
    for s, ld, p in zip(singular, res.LD.numpy(), res.pivots.numpy()):
        ldu, ipiv, _ = ll.dsytrf(s, lower=1)
        np.testing.assert_array_equal(p, ipiv)
        np.testing.assert_allclose(ld, np.tril(ldu))
    with pytest.raises(LA.LinAlgError, match=r"\(Batch element 0\).*D\[0, 0\] is exactly zero"):
        LA.ldl_factor(lucid.tensor(np.stack(singular))).LD.tolist()
    with pytest.raises(LA.LinAlgError, match=r"D\[1, 1\]"):
        LA.ldl_factor_ex(lucid.tensor(singular[1]), check_errors=True).info.tolist()


@pytest.mark.parametrize("shape", [(0, 3, 3), (2, 0, 3, 3)])
def test_ldl_empty_batches(shape):
    res = LA.ldl_factor_ex(lucid.zeros(*shape))
    assert (res.LD.shape, res.pivots.shape, res.info.shape) == (shape, shape[:-1], shape[:-2])
    assert LA.ldl_solve(res.LD, res.pivots, lucid.zeros(*shape[:-1], 2)).shape == shape[:-1] + (2,)


def test_ldl_bad_inputs():
    with pytest.raises(ValueError, match="square"):
        LA.ldl_factor(lucid.ones(2, 3))
    with pytest.raises(TypeError, match="floating-point"):
        LA.ldl_factor(lucid.tensor([[1, 0], [0, 1]]))
    with pytest.raises(TypeError, match="hermitian must be a bool"):
        LA.ldl_factor(lucid.eye(2), hermitian="yes")
    LD, piv = LA.ldl_factor(lucid.eye(3))
    with pytest.raises(ValueError, match=r"B must have shape \(\*, 3, k\)"):
        LA.ldl_solve(LD, piv, lucid.ones(2, 1))
    with pytest.raises(ValueError, match="pivots must have shape"):
        LA.ldl_solve(LD, lucid.tensor([1, 2], dtype=lucid.int32), lucid.ones(3, 1))
    with pytest.raises(IndexError, match="pivot"):  # out of range: caught at the sync point, memory-safe before it
        LA.ldl_solve(LD, lucid.tensor([1, 7, 3], dtype=lucid.int32), lucid.ones(3, 1)).tolist()
    for bad in ([-2, 2, 3], [1, 2, -3], [-3, -2, 3], [2, 1, 3]):  # unpaired, last, unequal pair, backwards
        with pytest.raises(ValueError, match="not a Bunch-Kaufman pivot sequence"):
            LA.ldl_solve(LD, lucid.tensor(bad, dtype=lucid.int32), lucid.ones(3, 1)).tolist()
    assert LA.ldl_solve(LD, lucid.tensor([-3, -3, 3], dtype=lucid.int32), lucid.ones(3, 1)).shape == (3, 1)


# -- lstsq ---------------------------------------------------------------------------
@pytest.mark.parametrize("shape", [(6, 3), (3, 6), (4, 4)])
@pytest.mark.parametrize("driver", ["gelsd", "gelss", "gelsy", "gels", None])
def test_lstsq_matches_scipy(shape, driver):
    rng = _rng(7)
    a, b = rng.standard_normal((2,) + shape), rng.standard_normal((2, shape[0], 2))
    res = LA.lstsq(lucid.tensor(a), lucid.tensor(b), driver=driver)
    assert type(res).__name__ == "lstsq" and res._fields == ("solution", "residuals", "rank", "singular_values")
    m, n = shape
    for i in range(2):
        x, resid, rank, sv = sl.lstsq(a[i], b[i], lapack_driver="gelsd")
        np.testing.assert_allclose(res.solution.numpy()[i], x, atol=1e-10)
        if m > n and driver not in (None, "gelsy"):
            np.testing.assert_allclose(res.residuals.numpy()[i], resid, rtol=1e-10)
        if driver != "gels":
            assert res.rank.numpy()[i] == rank
        if driver in ("gelsd", "gelss"):
            np.testing.assert_allclose(res.singular_values.numpy()[i], sv, rtol=1e-12)
    if m <= n or driver in (None, "gelsy"):
        assert res.residuals.numel() == 0
    if driver == "gels":
        assert res.rank.numel() == 0
    if driver not in ("gelsd", "gelss"):
        assert res.singular_values.numel() == 0
    if driver != "gels":
        assert res.rank.dtype == lucid.int64


def test_lstsq_vector_rhs_broadcast_and_rank_deficient():
    rng = _rng(8)
    a = rng.standard_normal((4, 5, 3))
    a[..., 2] = a[..., 0] - a[..., 1]  # rank 2: least-norm solution, as LAPACK's gelsd
    b = rng.standard_normal((4, 5))
    res = LA.lstsq(lucid.tensor(a), lucid.tensor(b), driver="gelsd")
    assert res.solution.shape == (4, 3) and res.rank.tolist() == [2, 2, 2, 2]
    for i in range(4):
        np.testing.assert_allclose(res.solution.numpy()[i], sl.lstsq(a[i], b[i], lapack_driver="gelsd")[0],
                                   atol=1e-10)
    one = LA.lstsq(lucid.tensor(a[0]), lucid.tensor(b[0]))  # 1-D B
    np.testing.assert_allclose(one.solution.numpy(), res.solution.numpy()[0], atol=1e-12)
    wide = LA.lstsq(lucid.tensor(a[0]), lucid.tensor(rng.standard_normal((3, 5, 2))))  # B's batch broadcasts
    assert wide.solution.shape == (3, 3, 2)


def test_lstsq_rcond_cuts_small_singular_values():
    a = np.diag([1.0, 1e-3, 0.0])
    res = LA.lstsq(lucid.tensor(a), lucid.tensor(np.ones((3, 1))), rcond=1e-2)
    assert res.rank.item() == 1
    np.testing.assert_allclose(res.solution.numpy().ravel(), [1.0, 0.0, 0.0])


@pytest.mark.parametrize("shape", [(5, 3), (3, 5)])
def test_lstsq_gradient_through_solution(shape):
    rng = _rng(9)
    a, b = rng.standard_normal(shape), rng.standard_normal((shape[0], 2))
    check_grad(lambda x, y: LA.lstsq(x, y).solution, [a, b])


def test_lstsq_bad_inputs():
    A = lucid.ones(4, 2)
    with pytest.raises(ValueError, match="driver"):
        LA.lstsq(A, lucid.ones(4, 1), driver="gesv")
    with pytest.raises(ValueError, match="do not match"):
        LA.lstsq(A, lucid.ones(3, 1))
    with pytest.raises(TypeError, match="floating-point"):
        LA.lstsq(A, lucid.tensor([[1], [2], [3], [4]]))
    with pytest.raises(TypeError, match="rcond"):
        LA.lstsq(A, lucid.ones(4, 1), rcond="small")
    with pytest.raises(ValueError, match="do not broadcast"):
        LA.lstsq(lucid.ones(2, 4, 2), lucid.ones(3, 4, 1))
