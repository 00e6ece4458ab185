"""lucid.func over lucid.linalg: MLX cannot differentiate its kernels, so the gradients come from Lucid's rules.

Each case is checked against Lucid's tape gradient (``.backward()``) and against central
finite differences in float64.
"""

import numpy as np
import pytest

import lucid
import lucid.linalg as LA
from lucid.func import grad, hessian, jacfwd, jacrev, jvp, vjp, vmap

N = 3
_rng = np.random.default_rng(0)
A0 = _rng.standard_normal((N, N)) + N * np.eye(N)  # well conditioned, distinct singular values
B0 = _rng.standard_normal((N, 2))
W0 = _rng.standard_normal((N, N))  # weights: make every output entry matter


def _spd(A):
    return A @ A.mT + lucid.eye(N, dtype=A.dtype)


def _w(x):
    return lucid.tensor(W0[: x.shape[-2], : x.shape[-1]] if x.ndim >= 2 else W0[0, : x.shape[-1]], dtype=x.dtype)


def _lu_solve(A):
    LU, piv = LA.lu_factor(A)
    return LA.lu_solve(LU, piv, lucid.tensor(B0, dtype=A.dtype))


# name -> function of one (N, N) matrix returning a Tensor
CASES = {
    "solve": lambda A: LA.solve(A, lucid.tensor(B0, dtype=A.dtype)),
    "solve_vector": lambda A: LA.solve(A, lucid.tensor(B0[:, 0], dtype=A.dtype)),
    "inv": LA.inv,
    "matrix_exp": lambda A: LA.matrix_exp(0.3 * A),
    "cholesky": lambda A: LA.cholesky(_spd(A)),
    "det": LA.det,
    "slogdet": lambda A: LA.slogdet(A)[1],
    "eigh": lambda A: LA.eigh(_spd(A))[0] * lucid.arange(1, N + 1, dtype=A.dtype),
    "eigh_vectors": lambda A: LA.eigh(_spd(A))[1].abs(),
    "svd": lambda A: LA.svd(A)[1] * lucid.arange(1, N + 1, dtype=A.dtype),
    "svdvals": LA.svdvals,
    "qr": lambda A: LA.qr(A)[1],
    "lstsq": lambda A: LA.lstsq(A, lucid.tensor(B0, dtype=A.dtype))[0],
    "lu_factor": lambda A: LA.lu_factor(A)[0],
    "lu_solve": _lu_solve,
    "pinv": LA.pinv,
    "ldl_solve": lambda A: LA.ldl_solve(*LA.ldl_factor(_spd(A)), lucid.tensor(B0, dtype=A.dtype)),
    "matrix_power": lambda A: LA.matrix_power(A, 3),
    "matrix_power_neg": lambda A: LA.matrix_power(A, -2),
}


def _loss(fn):
    return lambda A: (fn(A) * _w(fn(A))).sum() if fn(A).ndim else fn(A)


def _tape_grad(fn, a):
    A = lucid.tensor(a, requires_grad=True)
    _loss(fn)(A).backward()
    return A.grad.numpy()


def _fd_grad(fn, a, eps=1e-6):
    f = _loss(fn)
    out = np.zeros_like(a)
    for i in np.ndindex(a.shape):
        e = np.zeros_like(a)
        e[i] = eps
        out[i] = (f(lucid.tensor(a + e)).item() - f(lucid.tensor(a - e)).item()) / (2 * eps)
    return out


@pytest.mark.parametrize("name", sorted(CASES))
def test_grad_matches_tape_and_finite_differences(name):
    fn = CASES[name]
    g = grad(_loss(fn))(lucid.tensor(A0)).numpy()
    np.testing.assert_allclose(g, _tape_grad(fn, A0), rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(g, _fd_grad(fn, A0), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("name", ["solve", "inv", "cholesky", "eigh", "svd", "qr", "lu_factor", "matrix_exp"])
def test_vjp_and_jacrev_match_tape(name):
    fn = CASES[name]
    A = lucid.tensor(A0)
    out, vjp_fn = vjp(fn, A)
    ct = _w(out)
    (g,) = vjp_fn(ct)
    At = lucid.tensor(A0, requires_grad=True)
    (fn(At) * ct).sum().backward()
    np.testing.assert_allclose(g.numpy(), At.grad.numpy(), rtol=1e-9, atol=1e-9)
    if name == "matrix_exp":
        return  # its backward factors a cotangent-dependent matrix: MLX has no vmap for LU (LUF)
    J = jacrev(fn)(A).numpy()  # (*out.shape, N, N)
    np.testing.assert_allclose(np.tensordot(ct.numpy(), J, axes=ct.ndim), g.numpy(), rtol=1e-9, atol=1e-9)


def test_float32_solve_and_inv():  # the report: MLX's own VJP refused these
    A = lucid.tensor(A0, dtype=lucid.float32)
    b = lucid.tensor(B0[:, 0], dtype=lucid.float32)
    g = grad(lambda A: LA.solve(A, b).sum())(A)
    At = A.detach().requires_grad_()
    LA.solve(At, b).sum().backward()
    np.testing.assert_allclose(g.numpy(), At.grad.numpy(), rtol=1e-5, atol=1e-6)
    assert grad(lambda A: LA.inv(A).sum())(A).dtype == lucid.float32


def test_grad_with_respect_to_the_right_hand_side():
    A = lucid.tensor(A0)
    gb = grad(lambda b: LA.solve(A, b).sum())(lucid.tensor(B0))
    expected = np.linalg.solve(A0.T, np.ones_like(B0))
    np.testing.assert_allclose(gb.numpy(), expected, rtol=1e-10)


@pytest.mark.parametrize("name", ["cholesky", "eigh", "svd", "svdvals"])
def test_vmap_of_grad_over_a_batch(name):
    fn = CASES[name]
    batch = np.stack([A0 + 0.1 * k * np.eye(N) for k in range(4)])
    g = vmap(grad(_loss(fn)))(lucid.tensor(batch)).numpy()
    for k in range(4):
        np.testing.assert_allclose(g[k], _tape_grad(fn, batch[k]), rtol=1e-8, atol=1e-9)


def test_second_derivative_of_a_linalg_op_raises_naming_it():
    f = lambda A: LA.inv(A).sum()  # noqa: E731
    with pytest.raises(RuntimeError, match="Inv"):
        grad(lambda A: grad(f)(A).sum())(lucid.tensor(A0))
    with pytest.raises(RuntimeError, match="Cholesky"):
        hessian(lambda A: LA.cholesky(_spd(A)).sum())(lucid.tensor(A0))
    with pytest.raises(RuntimeError, match="SvdVals"):  # forward mode over a gradient
        jvp(grad(lambda A: LA.svdvals(A).sum()), (lucid.tensor(A0),), (lucid.tensor(W0),))
    with pytest.raises(RuntimeError, match="Solve"):  # a gradient of a forward-mode derivative
        grad(lambda A: jvp(lambda M: LA.solve(M, lucid.tensor(B0)), (A,), (lucid.tensor(W0),))[1].sum())(
            lucid.tensor(A0))


def test_higher_order_derivatives_of_ordinary_ops_still_work():
    x = lucid.tensor([0.5, 1.5], dtype=lucid.float64)
    f = lambda x: (x.sin() * x ** 3).sum()  # noqa: E731
    gg = grad(lambda x: grad(f)(x).sum())(x).numpy()
    xn = x.numpy()
    expected = -np.sin(xn) * xn ** 3 + 6 * np.cos(xn) * xn ** 2 + 6 * np.sin(xn) * xn
    np.testing.assert_allclose(gg, expected, rtol=1e-7)
    np.testing.assert_allclose(np.diag(hessian(f)(x).numpy()), expected, rtol=1e-7)
    # det keeps MLX's own differentiation (its kernels are differentiable): second derivatives work
    A = lucid.tensor(A0)
    h = grad(lambda A: grad(LA.det)(A).sum())(A)
    assert h.shape == (N, N)


def test_outside_transforms_nothing_changes():
    A = lucid.tensor(A0, requires_grad=True)
    y = LA.inv(A)
    assert y.grad_fn is not None and "Inv" in y.grad_fn.name()
    assert LA.inv.__module__.startswith("lucid")


@pytest.mark.parametrize("name", sorted(CASES))
def test_jvp_matches_finite_differences(name):
    fn = CASES[name]
    _, t = jvp(fn, (lucid.tensor(A0),), (lucid.tensor(W0),))
    eps = 1e-6
    fd = (fn(lucid.tensor(A0 + eps * W0)).numpy() - fn(lucid.tensor(A0 - eps * W0)).numpy()) / (2 * eps)
    np.testing.assert_allclose(t.numpy(), fd, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", ["solve", "inv", "cholesky", "eigh", "svd", "qr", "lu_factor", "pinv"])
def test_jacfwd_matches_jacrev(name):
    fn = CASES[name]
    A = lucid.tensor(A0)
    np.testing.assert_allclose(jacfwd(fn)(A).numpy(), jacrev(fn)(A).numpy(), rtol=1e-9, atol=1e-12)


def test_grad_of_vmap_keeps_lucid_rules():
    # MLX's default vmap of a custom function maps its forward and drops the custom derivatives
    batch = lucid.tensor(np.stack([A0 + 0.1 * k * np.eye(N) for k in range(3)]))
    fn = CASES["cholesky"]
    g = grad(lambda As: vmap(fn)(As).sum())(batch)
    At = batch.detach().requires_grad_()
    fn(At).sum().backward()
    np.testing.assert_allclose(g.numpy(), At.grad.numpy(), rtol=1e-9, atol=1e-12)
    assert np.abs(g.numpy()).max() > 0.1
