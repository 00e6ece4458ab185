"""Singular and non-positive-definite inputs: LinAlgError at the next sync point, ``_ex`` variants' info codes."""

import subprocess
import sys

import numpy as np
import pytest

import lucid
from lucid._backend import checks
from lucid.linalg import LinAlgError

L = lucid.linalg
NOT_PD = [[1.0, 2.0], [2.0, 1.0]]
SINGULAR = [[1.0, 2.0], [2.0, 4.0]]
PD = [[4.0, 2.0], [2.0, 5.0]]


@pytest.fixture(autouse=True)
def _clean():
    checks._state.checks = []
    yield
    checks._state.checks = []


def test_linalg_error_is_a_runtime_error():
    assert issubclass(LinAlgError, RuntimeError)
    assert L.LinAlgError is LinAlgError and "LinAlgError" in L.__all__


def test_cholesky_not_positive_definite_raises_at_the_next_sync_point():
    out = L.cholesky(lucid.tensor(NOT_PD))  # no evaluation, no error yet
    assert checks.has_pending()
    with pytest.raises(LinAlgError) as err:
        out.tolist()
    assert str(err.value) == (
        "linalg.cholesky: The factorization could not be completed because the input is not positive-definite "
        "(the leading minor of order 2 is not positive-definite).")
    out.tolist()  # reported once


@pytest.mark.parametrize("sync", [lambda t, o: o.item() if o.numel() == 1 else o.numpy(),
                                  lambda t, o: lucid.eval(t), lambda t, o: t.item(), lambda t, o: repr(o)])
def test_any_sync_point_reports_it(sync):
    other = lucid.ones(()) * 3
    out = L.inv(lucid.tensor(SINGULAR))
    with pytest.raises(LinAlgError, match=r"linalg\.inv: The diagonal element 2 is zero, the inversion could not "
                                          r"be completed because the input matrix is singular\."):
        sync(other, out)
    assert other.item() == 3.0  # the rest of the evaluation went through


def test_inv_singular_never_returns_garbage():
    out = L.inv(lucid.tensor(SINGULAR))
    with pytest.raises(LinAlgError):
        lucid.eval(out)
    assert np.isnan(out.numpy()).all()


def test_solve_singular():
    x = L.solve(lucid.tensor(SINGULAR), lucid.tensor([1.0, 1.0]))
    with pytest.raises(LinAlgError, match=r"^linalg.solve: The solver failed because the input matrix is singular.$"):
        x.tolist()
    assert np.isnan(x.numpy()).all()


def test_solve_left_false_and_matrix_rhs():
    x = L.solve(lucid.tensor(SINGULAR), lucid.ones(3, 2), left=False)
    with pytest.raises(LinAlgError, match="solver failed"):
        x.tolist()
    assert x.shape == (3, 2)


def test_batched_message_names_the_first_failing_element():
    A = lucid.tensor([PD, NOT_PD, [[-1.0, 0.0], [0.0, 1.0]]])
    with pytest.raises(LinAlgError) as err:
        L.cholesky(A).tolist()
    msg = str(err.value)
    assert msg.startswith("linalg.cholesky: (Batch element 1): The factorization could not be completed because the "
                          "input is not positive-definite (the leading minor of order 2 is not positive-definite).")
    assert "1 more batch element(s) failed" in msg
    B = lucid.tensor([[PD, PD], [PD, SINGULAR]])  # batch (2, 2): flat index 3
    with pytest.raises(LinAlgError, match=r"linalg.inv: \(Batch element 3\): The diagonal element 2 is zero"):
        L.inv(B).tolist()


def test_valid_inputs_raise_nothing():
    A = lucid.tensor([PD, [[2.0, 1.0], [1.0, 1.0]]])
    lucid.eval(L.cholesky(A), L.inv(A), L.solve(A, lucid.ones(2, 2)), L.matrix_power(A, -2))
    assert not checks.has_pending()


@pytest.mark.parametrize("A, info", [
    (PD, 0), (NOT_PD, 2), ([[-1.0, 0.0], [0.0, 4.0]], 1), (np.zeros((3, 3)), 1),
    ([[4.0, 2.0, 1.0], [2.0, 5.0, 1.0], [1.0, 1.0, -9.0]], 3), ([[1.0, 1.0], [1.0, 1.0]], 2),
    ([[float("nan"), 0.0], [0.0, 1.0]], 1),
])
def test_cholesky_ex_info(A, info):
    out = L.cholesky_ex(lucid.tensor(A))
    assert out.info.dtype == lucid.int32 and out.info.shape == ()
    assert out.info.item() == info
    assert not checks.has_pending()  # check_errors=False: no error


@pytest.mark.parametrize("A, info", [
    (PD, 0), (SINGULAR, 2), (np.zeros((2, 2)), 1), ([[0.0, 1.0], [1.0, 0.0]], 0),
    (np.diag([1.0, 0.0, 1.0]), 2), ([[2.0, 1.0, 0.0], [1.0, 3.0, 1.0], [0.0, 1.0, 4.0]], 0),
    ([[1.0, 1.0, 1.0], [1.0, 1.0, 1.0], [0.0, 0.0, 1.0]], 2),
])
def test_inv_ex_and_solve_ex_info(A, info):
    A = lucid.tensor(A, dtype=lucid.float64)
    assert L.inv_ex(A).info.item() == info
    assert L.solve_ex(A, lucid.ones(A.shape[-1], dtype=lucid.float64)).info.item() == info
    assert not checks.has_pending()


def test_ex_batched_info_shapes_and_check_errors():
    A = lucid.tensor([PD, SINGULAR, NOT_PD])
    inv, info = L.inv_ex(A)
    assert info.shape == (3,) and info.tolist() == [0, 2, 0]
    assert np.isnan(inv[1].numpy()).all() and not np.isnan(inv[0].numpy()).any()
    np.testing.assert_allclose(inv[0].numpy(), np.linalg.inv(np.array(PD)), rtol=1e-5)
    assert L.cholesky_ex(A).info.tolist() == [0, 2, 2]
    # batch dimensions broadcast: A (3, 2, 2) with B (4, 1, 2, 1)
    res = L.solve_ex(A, lucid.ones(4, 1, 2, 1))
    assert res.result.shape == (4, 3, 2, 1) and res.info.shape == (4, 3)
    assert res.info.tolist() == [[0, 2, 0]] * 4
    L.cholesky_ex(A, check_errors=True)
    with pytest.raises(LinAlgError, match=r"linalg.cholesky_ex: \(Batch element 1\)"):
        lucid.eval()
    L.inv_ex(A, check_errors=True)
    with pytest.raises(LinAlgError, match=r"linalg\.inv_ex"):
        lucid.eval()
    L.solve_ex(A, lucid.ones(2), check_errors=True)
    with pytest.raises(LinAlgError, match=r"linalg\.solve_ex"):
        lucid.eval()
    for fn in (lambda: L.cholesky_ex(A, check_errors=1), lambda: L.inv_ex(A, check_errors="yes"),
               lambda: L.solve_ex(A, lucid.ones(2), check_errors=None)):
        with pytest.raises(TypeError, match="check_errors must be a bool"):
            fn()


def test_ex_results_are_named_tuples_and_differentiable():
    A = lucid.tensor(PD, requires_grad=True)
    res = L.cholesky_ex(A, upper=True)
    assert res.L is res[0] and res.info is res[1] and not res.info.requires_grad
    res.L.sum().backward()
    ref = A.grad.numpy()
    A.grad = None
    L.cholesky(A, upper=True).sum().backward()
    np.testing.assert_allclose(A.grad.numpy(), ref)
    assert L.inv_ex(A).inverse.requires_grad and L.solve_ex(A, lucid.ones(2)).result.requires_grad


@pytest.mark.parametrize("dtype", [lucid.float16, lucid.bfloat16, lucid.float32, lucid.float64])
def test_dtypes(dtype):
    res = L.inv_ex(lucid.tensor([PD, SINGULAR], dtype=dtype))
    assert res.inverse.dtype == dtype and res.info.tolist() == [0, 2]
    assert L.cholesky_ex(lucid.tensor([PD, NOT_PD], dtype=dtype)).info.tolist() == [0, 2]


def test_backward_through_a_failure_reports_the_error_not_an_mlx_one():
    for fn, A in ((L.inv, SINGULAR), (L.cholesky, NOT_PD), (lambda a: L.solve(a, lucid.ones(2)), SINGULAR),
                  (L.cholesky, np.zeros((2, 2)))):
        A = lucid.tensor(A, requires_grad=True)
        fn(A).sum().backward()
        with pytest.raises(LinAlgError):
            A.grad.tolist()
        assert np.isnan(A.grad.numpy()).all()


def test_solve_triangular_zero_diagonal_is_nan_not_an_mlx_error():
    # PyTorch raises nothing here (it returns inf/nan): Lucid returns NaN and raises nothing either.
    A = lucid.tensor([[1.0, 0.0], [2.0, 0.0]], requires_grad=True)
    x = L.solve_triangular(A, lucid.ones(2, 1), upper=False)
    assert np.isnan(x.numpy()).all()
    x.sum().backward()
    assert A.grad.shape == (2, 2)
    assert not checks.has_pending()


def test_empty_matrices_do_not_crash():
    # MLX's LU kernel dies of SIGFPE on 0 x 0 matrices: run in a child so a regression fails instead of killing pytest.
    code = """if True:
        import lucid
        L = lucid.linalg
        z = lucid.zeros(2, 0, 0, requires_grad=True)
        assert L.inv(z).shape == (2, 0, 0) and L.inv_ex(z).info.tolist() == [0, 0]
        assert L.solve(z, lucid.zeros(2, 0, 3)).shape == (2, 0, 3)
        assert L.solve_ex(z, lucid.zeros(2, 0)).info.tolist() == [0, 0]
        assert L.solve_triangular(z, lucid.zeros(2, 0, 1), upper=True).shape == (2, 0, 1)
        assert L.matrix_power(z, -1).shape == (2, 0, 0)
        assert L.cholesky_ex(z).info.tolist() == [0, 0]
        L.solve(z, lucid.zeros(2, 0, 3, requires_grad=True)).sum().backward()
        assert z.grad.shape == (2, 0, 0)
        e = lucid.zeros(0, 3, 3)
        assert L.inv_ex(e).info.shape == (0,) and L.solve(e, lucid.zeros(0, 3)).shape == (0, 3)
        print("ok")
    """
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and proc.stdout.strip() == "ok", (proc.returncode, proc.stderr[-2000:])


def test_slogdet_backward_of_a_singular_matrix_is_nan_not_an_mlx_error():
    A = lucid.tensor([PD, SINGULAR], requires_grad=True)
    _, logabs = L.slogdet(A)
    logabs.sum().backward()
    g = A.grad.numpy()
    np.testing.assert_allclose(g[0], np.linalg.inv(np.array(PD)).T, rtol=1e-5)
    assert np.isnan(g[1]).all()
    assert not checks.has_pending()


# Every raising factorisation and its ``_ex`` twin: (plain, ex, arguments after A, outputs, singular input).
EX_FAMILIES = [
    ("cholesky", lambda A, **kw: L.cholesky(A, **kw), lambda A, **kw: L.cholesky_ex(A, **kw), 2, NOT_PD),
    ("inv", lambda A, **kw: L.inv(A, **kw), lambda A, **kw: L.inv_ex(A, **kw), 2, SINGULAR),
    ("solve", lambda A, **kw: L.solve(A, lucid.ones(2), **kw), lambda A, **kw: L.solve_ex(A, lucid.ones(2), **kw),
     2, SINGULAR),
    ("lu_factor", lambda A, **kw: L.lu_factor(A, **kw), lambda A, **kw: L.lu_factor_ex(A, **kw), 3, SINGULAR),
    ("ldl_factor", lambda A, **kw: L.ldl_factor(A, **kw), lambda A, **kw: L.ldl_factor_ex(A, **kw), 3,
     [[1.0, 0.0], [0.0, 0.0]]),
]


@pytest.mark.parametrize("name, plain, ex, n_out, bad", EX_FAMILIES, ids=[f[0] for f in EX_FAMILIES])
def test_every_ex_twin_reports_like_its_raising_function(name, plain, ex, n_out, bad):
    A = lucid.tensor(bad)
    plain_out = plain(A)
    if n_out == 3:
        assert len(plain_out) == 2 and type(plain_out).__name__ == name
    with pytest.raises(LinAlgError, match=rf"^linalg\.{name}: "):
        lucid.eval()
    res = ex(A)
    assert len(res) == n_out and res.info.item() != 0 and type(res).__name__ == f"{name}_ex"
    assert not checks.has_pending()
    ex(A, check_errors=True)
    with pytest.raises(LinAlgError, match=rf"^linalg\.{name}_ex: "):
        lucid.eval()
    for bad_flag in (1, "yes", None):
        with pytest.raises(TypeError, match=rf"^linalg\.{name}_ex: check_errors must be a bool, got {bad_flag!r}$"):
            ex(A, check_errors=bad_flag)
    assert not checks.has_pending()


@pytest.mark.parametrize("call, message", [
    (lambda: L.cholesky(lucid.tensor(PD), upper=1), "linalg.cholesky: upper must be a bool, got 1"),
    (lambda: L.cholesky_ex(lucid.tensor(PD), upper=None), "linalg.cholesky_ex: upper must be a bool, got None"),
    (lambda: L.lu_factor(lucid.tensor(PD), pivot=0), "linalg.lu_factor: pivot must be a bool, got 0"),
    (lambda: L.lu_factor_ex(lucid.tensor(PD), pivot="no"), "linalg.lu_factor_ex: pivot must be a bool, got 'no'"),
    (lambda: L.lu(lucid.tensor(PD), pivot=1), "linalg.lu: pivot must be a bool, got 1"),
    (lambda: L.ldl_factor(lucid.tensor(PD), hermitian=1), "linalg.ldl_factor: hermitian must be a bool, got 1"),
    (lambda: L.solve(lucid.tensor(PD), lucid.ones(2), left=1), "linalg.solve: left must be a bool, got 1"),
    (lambda: L.solve_triangular(lucid.tensor(PD), lucid.ones(2, 1), upper=1),
     "linalg.solve_triangular: upper must be a bool, got 1"),
    (lambda: L.lu_solve(*L.lu_factor(lucid.tensor(PD)), lucid.ones(2, 1), adjoint=1),
     "linalg.lu_solve: adjoint must be a bool, got 1"),
])
def test_flags_must_be_bools(call, message):
    with pytest.raises(TypeError) as err:
        call()
    assert str(err.value) == message
