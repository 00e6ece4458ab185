"""lucid.linalg.ldl_factor / ldl_factor_ex / ldl_solve and lstsq against SciPy, with gradients."""

import numpy as np
import pytest
import scipy.linalg as sl

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


def test_ldl_factor_indefinite_batched_reconstructs_and_reads_lower_triangle():
    a = _sym(4, 2, batch=(3,), shift=1.0)
    garbage_upper = a + np.triu(np.full((4, 4), 7.0), 1)  # only the lower triangle is read
    LD = LA.ldl_factor(lucid.tensor(garbage_upper)).LD.numpy()
    L = np.tril(LD, -1) + np.eye(4)
    D = np.diagonal(LD, axis1=-2, axis2=-1)
    np.testing.assert_allclose(L @ (D[..., :, None] * np.swapaxes(L, -1, -2)), a, atol=1e-10)


def test_ldl_solve_matches_numpy_and_broadcasts():
    a, b = _sym(4, 3, batch=(2,)), _rng(4).standard_normal((2, 4, 3))
    LD, piv = LA.ldl_factor(lucid.tensor(a))
    np.testing.assert_allclose(LA.ldl_solve(LD, piv, lucid.tensor(b)).numpy(), np.linalg.solve(a, b), atol=1e-12)
    LD1, piv1 = LA.ldl_factor(lucid.tensor(a[0]))
    np.testing.assert_allclose(LA.ldl_solve(LD1, piv1, lucid.tensor(b)).numpy(), np.linalg.solve(a[0], b),
                               atol=1e-12)


def test_ldl_gradients():
    a, b = _sym(3, 5), _rng(6).standard_normal((3, 2))
    check_grad(lambda x: LA.ldl_factor(x).LD, [a])
    check_grad(lambda x, y: LA.ldl_solve(*LA.ldl_factor(x), y), [a, b])


def test_ldl_matrices_needing_pivoting_are_reported():
    swap = lucid.tensor([[0.0, 1.0], [1.0, 0.0]])  # nonsingular, but its first leading minor is 0
    with pytest.raises(LA.LinAlgError, match="does not pivot"):
        LA.ldl_factor(swap).LD.tolist()
    res = LA.ldl_factor_ex(lucid.stack([swap, lucid.eye(2)]))
    assert res.info.tolist() == [1, 0]
    with pytest.raises(LA.LinAlgError, match="order 1"):
        LA.ldl_factor_ex(swap, check_errors=True).info.tolist()


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
    with pytest.raises(NotImplementedError, match="Bunch-Kaufman"):  # pivots from a pivoting LAPACK sytrf
        LA.ldl_solve(LD, lucid.tensor([-2, -2, 3], dtype=lucid.int32), lucid.ones(3, 1)).tolist()


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
