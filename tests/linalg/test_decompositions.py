import math

import mlx.core as mx
import numpy as np
import pytest

import lucid
import lucid.linalg as LA
from tests.helpers import OpCase, check_grad, rand, run_case

INF = math.inf


def well(n, seed, batch=()):
    """A well-conditioned (diagonally dominant) random matrix."""
    return rand(*batch, n, n, seed=seed) + n * np.eye(n)


def spd_np(n, seed, batch=()):
    a = rand(*batch, n, n, seed=seed)
    return a @ np.swapaxes(a, -1, -2) + n * np.eye(n)


def spd(x):
    """Differentiable map from any square matrix to an SPD one (a symmetric parametrisation for gradchecks)."""
    n = x.shape[-1]
    return lucid.einsum("...ij,...kj->...ik", x, x) + lucid.tensor(n * np.eye(n))


def sym(x):
    return lucid.einsum("...ij->...ji", x) + x


def _rect(m, n, seed, batch=()):
    """A random matrix with well-separated singular values."""
    rng = np.random.default_rng(seed)
    k = min(m, n)
    u, _ = np.linalg.qr(rng.standard_normal(batch + (m, m)))
    v, _ = np.linalg.qr(rng.standard_normal(batch + (n, n)))
    s = np.zeros(batch + (m, n))
    for i in range(k):
        s[..., i, i] = 3.0 - 0.7 * i
    return u @ s @ np.swapaxes(v, -1, -2)


def _slogdet(a):
    sign, logabs = np.linalg.slogdet(a)
    return sign, logabs


def _np_matrix_norm(a, ord):
    return np.linalg.norm(a, ord, axis=(-2, -1))


W3, W4 = well(3, 1), well(4, 2)
WB = well(3, 3, batch=(2,))
RHS = rand(3, 2, seed=4)
TALL, WIDE = _rect(5, 3, 5), _rect(3, 5, 6)

CASES = [
    OpCase("inv", LA.inv, np.linalg.inv, [W3], grad_atol=1e-5),
    OpCase("inv_batched", LA.inv, np.linalg.inv, [WB], grad_atol=1e-5),
    OpCase("det", LA.det, np.linalg.det, [W3], grad_atol=1e-5),
    OpCase("det_batched", LA.det, np.linalg.det, [WB], grad_atol=1e-5),
    OpCase("det_negative", LA.det, np.linalg.det, [-W3[::-1]], grad_atol=1e-5),
    OpCase("slogdet", LA.slogdet, _slogdet, [-W3], grad_atol=1e-5),
    OpCase("slogdet_batched", LA.slogdet, _slogdet, [WB], grad_atol=1e-5),
    OpCase("solve_matrix", LA.solve, np.linalg.solve, [W3, RHS], grad_atol=1e-5),
    OpCase("solve_vector", LA.solve, np.linalg.solve, [W3, rand(3, seed=7)], grad_atol=1e-5),
    OpCase("solve_batched_vectors", LA.solve, lambda a, b: np.linalg.solve(a, b[..., None])[..., 0],
           [WB, rand(2, 3, seed=8)], grad_atol=1e-5),
    OpCase("solve_bcast_A", LA.solve, np.linalg.solve, [W3, rand(2, 3, 2, seed=9)], grad_atol=1e-5),
    OpCase("solve_bcast_B", LA.solve, lambda a, b: np.linalg.solve(a, np.broadcast_to(b, (2, 3, 2))),
           [WB, RHS], grad_atol=1e-5),
    OpCase("solve_bcast_both", LA.solve, lambda a, b: np.linalg.solve(np.broadcast_to(a, (4, 2, 3, 3)), b),
           [well(3, 10, batch=(2,))[None], rand(4, 1, 3, 2, seed=11)], grad_atol=1e-5),
    OpCase("solve_right", lambda a, b: LA.solve(a, b, left=False),
           lambda a, b: np.swapaxes(np.linalg.solve(np.swapaxes(a, -1, -2), np.swapaxes(b, -1, -2)), -1, -2),
           [W3, rand(2, 3, seed=12)], grad_atol=1e-5),
    OpCase("solve_triangular_lower", lambda a, b: LA.solve_triangular(a, b, upper=False),
           lambda a, b: np.linalg.solve(np.tril(a), b), [W3, RHS], grad_atol=1e-5),
    OpCase("solve_triangular_upper_right", lambda a, b: LA.solve_triangular(a, b, upper=True, left=False),
           lambda a, b: b @ np.linalg.inv(np.triu(a)), [W3, rand(2, 3, seed=13)], grad_atol=1e-5),
    OpCase("solve_triangular_unit", lambda a, b: LA.solve_triangular(a, b, upper=False, unitriangular=True),
           lambda a, b: np.linalg.solve(np.tril(a, -1) + np.eye(3), b), [W3 / 3, RHS], grad_atol=1e-5),
    OpCase("cholesky", lambda x: LA.cholesky(spd(x)), lambda x: np.linalg.cholesky(x @ x.T + 3 * np.eye(3)),
           [rand(3, 3, seed=14)], grad_atol=1e-5),
    OpCase("cholesky_upper_batched", lambda x: LA.cholesky(spd(x), upper=True),
           lambda x: np.swapaxes(np.linalg.cholesky(x @ np.swapaxes(x, -1, -2) + 3 * np.eye(3)), -1, -2),
           [rand(2, 3, 3, seed=15)], grad_atol=1e-5),
    OpCase("svdvals", LA.svdvals, lambda a: np.linalg.svd(a, compute_uv=False), [TALL], grad_atol=1e-5),
    OpCase("svdvals_batched_wide", LA.svdvals, lambda a: np.linalg.svd(a, compute_uv=False),
           [_rect(3, 4, 16, batch=(2,))], grad_atol=1e-5),
    OpCase("svd_S", lambda a: LA.svd(a).S, lambda a: np.linalg.svd(a)[1], [W4], grad_atol=1e-5),
    OpCase("eigvalsh", lambda x: LA.eigvalsh(sym(x)), lambda x: np.linalg.eigvalsh(x + x.T), [rand(4, 4, seed=17)],
           grad_atol=1e-5),
    OpCase("eigvalsh_upper", lambda x: LA.eigvalsh(x, UPLO="U"), lambda x: np.linalg.eigvalsh(x, UPLO="U"),
           [rand(3, 3, seed=18)], grad=False),
    OpCase("eigh_values", lambda x: LA.eigh(sym(x)).eigenvalues,
           lambda x: np.linalg.eigh(x + np.swapaxes(x, -1, -2))[0], [rand(2, 3, 3, seed=19)], grad_atol=1e-5),
    OpCase("pinv_tall", LA.pinv, np.linalg.pinv, [TALL], grad_atol=1e-5),
    OpCase("pinv_wide", LA.pinv, np.linalg.pinv, [WIDE], grad_atol=1e-5),
    OpCase("pinv_square_batched", LA.pinv, np.linalg.pinv, [WB], grad_atol=1e-5),
    OpCase("pinv_hermitian", lambda x: LA.pinv(sym(x), hermitian=True), lambda x: np.linalg.pinv(x + x.T),
           [rand(3, 3, seed=20)], grad_atol=1e-4),
    OpCase("matrix_power_3", lambda a: LA.matrix_power(a, 3), lambda a: np.linalg.matrix_power(a, 3), [W3 / 3]),
    OpCase("matrix_power_5_batched", lambda a: LA.matrix_power(a, 5), lambda a: np.linalg.matrix_power(a, 5),
           [WB / 3]),
    OpCase("matrix_power_neg", lambda a: LA.matrix_power(a, -2), lambda a: np.linalg.matrix_power(a, -2), [W3],
           grad_atol=1e-5),
    OpCase("matrix_power_0", lambda a: LA.matrix_power(a, 0), lambda a: np.linalg.matrix_power(a, 0), [W3]),
    OpCase("matrix_power_1", lambda a: LA.matrix_power(a, 1), lambda a: a, [W3]),
    # norms
    OpCase("vector_norm_default", LA.vector_norm, lambda x: np.linalg.norm(x.reshape(-1)), [WB]),
    OpCase("vector_norm_ord_dim", lambda x: LA.vector_norm(x, 3, dim=(0, 2), keepdim=True),
           lambda x: np.sum(np.abs(x) ** 3, axis=(0, 2), keepdims=True) ** (1 / 3), [WB]),
    OpCase("vector_norm_inf", lambda x: LA.vector_norm(x, INF, dim=-1), lambda x: np.abs(x).max(-1), [TALL]),
]
for _ord in ("fro", "nuc", 1, -1, 2, -2, INF, -INF):
    CASES.append(OpCase(f"matrix_norm_{_ord}", lambda a, o=_ord: LA.matrix_norm(a, o),
                        lambda a, o=_ord: _np_matrix_norm(a, o), [_rect(4, 3, 21, batch=(2,))], grad_atol=1e-5))
CASES += [
    OpCase("matrix_norm_dims_keep", lambda a: LA.matrix_norm(a, "nuc", dim=(0, 2), keepdim=True),
           lambda a: np.linalg.norm(np.moveaxis(a, 1, 0), "nuc", axis=(1, 2))[None, :, None],
           [rand(3, 2, 4, seed=22)], grad_atol=1e-5),
    OpCase("matrix_norm_1_dims_swapped", lambda a: LA.matrix_norm(a, 1, dim=(-1, -2)),
           lambda a: np.linalg.norm(a, 1, axis=(-1, -2)), [rand(2, 3, 4, seed=23)]),
    OpCase("norm_default_flat", LA.norm, lambda a: np.linalg.norm(a.reshape(-1)), [rand(2, 3, 4, seed=24)]),
    OpCase("norm_matrix_2", lambda a: LA.norm(a, 2), lambda a: np.linalg.norm(a, 2), [TALL], grad_atol=1e-5),
    OpCase("norm_vector_ord", lambda a: LA.norm(a, 1), lambda a: np.linalg.norm(a, 1), [rand(5, seed=25)]),
    OpCase("norm_dim_int", lambda a: LA.norm(a, dim=1), lambda a: np.linalg.norm(a, axis=1), [TALL]),
    OpCase("norm_dim_pair", lambda a: LA.norm(a, INF, dim=(1, 2)), lambda a: np.linalg.norm(a, INF, axis=(1, 2)),
           [rand(2, 3, 4, seed=26)]),
    OpCase("cond", LA.cond, np.linalg.cond, [W3], grad_atol=1e-5),
    OpCase("cond_fro", lambda a: LA.cond(a, "fro"), lambda a: np.linalg.cond(a, "fro"), [W3], grad_atol=1e-5),
    OpCase("cross", LA.cross, np.cross, [rand(4, 3, seed=27), rand(4, 3, seed=28)]),
    OpCase("cross_bcast_dim", lambda a, b: LA.cross(a, b, dim=0), lambda a, b: np.cross(a, b, axis=0),
           [rand(3, 1, seed=29), rand(3, 4, seed=30)]),
    OpCase("vecdot", LA.vecdot, lambda x, y: np.sum(x * y, -1), [TALL, rand(3, seed=31)]),
    OpCase("multi_dot", lambda a, b, c: LA.multi_dot([a, b, c]), lambda a, b, c: a @ b @ c,
           [rand(3, seed=32), rand(3, 4, seed=33), rand(4, 2, seed=34)]),
    OpCase("linalg_diagonal", LA.diagonal, lambda a: np.diagonal(a, 0, -2, -1), [WB]),
    OpCase("linalg_matmul", LA.matmul, np.matmul, [WB, W3]),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_op(case):
    run_case(case)


# -- decompositions whose factors are only defined up to signs -------------------
def _as64(a):
    return lucid.tensor(a, dtype=lucid.float64)


@pytest.mark.parametrize("shape", [(5, 3), (3, 3), (3, 5), (2, 4, 3)])
def test_qr_forward(shape):
    a = _rect(shape[-2], shape[-1], 40, batch=shape[:-2])
    q, r = LA.qr(_as64(a))
    k = min(shape[-2:])
    assert q.shape == shape[:-2] + (shape[-2], k) and r.shape == shape[:-2] + (k, shape[-1])
    np.testing.assert_allclose((q @ r).numpy(), a, atol=1e-10)
    qn = q.numpy()
    np.testing.assert_allclose(np.swapaxes(qn, -1, -2) @ qn, np.broadcast_to(np.eye(k), qn.shape[:-2] + (k, k)),
                               atol=1e-10)
    rn = r.numpy()
    np.testing.assert_allclose(rn, np.triu(rn), atol=0)
    np.testing.assert_allclose(np.abs(rn), np.abs(np.linalg.qr(a)[1]), atol=1e-10)


@pytest.mark.parametrize("shape", [(5, 3), (3, 3), (3, 5), (2, 4, 3)])
def test_qr_grad(shape):
    a = _rect(shape[-2], shape[-1], 41, batch=shape[:-2])
    check_grad(lambda x: LA.qr(x), [a], atol=1e-5)


def test_qr_modes():
    a = _rect(5, 3, 42)
    q, r = LA.qr(_as64(a), mode="complete")
    assert q.shape == (5, 5) and r.shape == (5, 3)
    np.testing.assert_allclose((q @ r).numpy(), a, atol=1e-10)
    np.testing.assert_allclose(q.numpy().T @ q.numpy(), np.eye(5), atol=1e-10)
    q0, r0 = LA.qr(_as64(a))
    np.testing.assert_allclose(q.numpy()[:, :3], q0.numpy(), atol=1e-10)
    qe, rr = LA.qr(_as64(a), mode="r")
    assert qe.numel() == 0
    np.testing.assert_allclose(rr.numpy(), r0.numpy(), atol=1e-12)
    check_grad(lambda x: LA.qr(x, mode="r").R, [a], atol=1e-5)
    x = _as64(a).requires_grad_()
    q, r = LA.qr(x, mode="complete")
    with pytest.raises(NotImplementedError, match="complete"):
        (q.sum() + r.sum()).backward()
    with pytest.raises(ValueError, match="mode"):
        LA.qr(x, mode="full")


@pytest.mark.parametrize("shape", [(4, 4), (5, 3), (3, 5), (2, 4, 3)])
def test_svd_forward(shape):
    a = _rect(shape[-2], shape[-1], 43, batch=shape[:-2])
    k = min(shape[-2:])
    u, s, vh = LA.svd(_as64(a))
    assert u.shape[-2:] == (shape[-2], shape[-2]) and vh.shape[-2:] == (shape[-1], shape[-1])
    np.testing.assert_allclose(s.numpy(), np.linalg.svd(a, compute_uv=False), atol=1e-10)
    u, s, vh = LA.svd(_as64(a), full_matrices=False)
    assert u.shape[-2:] == (shape[-2], k) and vh.shape[-2:] == (k, shape[-1])
    recon = (u.numpy() * s.numpy()[..., None, :]) @ vh.numpy()
    np.testing.assert_allclose(recon, a, atol=1e-10)


@pytest.mark.parametrize("shape", [(4, 4), (5, 3), (3, 5), (2, 4, 3)])
@pytest.mark.parametrize("full", [False, True])
def test_svd_grad(shape, full):
    a = _rect(shape[-2], shape[-1], 44, batch=shape[:-2])
    k = min(shape[-2:])

    def f(x):  # sign-invariant functions of the singular vectors (the squares of their entries)
        u, s, vh = LA.svd(x, full_matrices=full)
        return lucid.einsum("...ij,...ij->...ij", u, u), s, lucid.einsum("...ij,...ij->...ij", vh, vh)

    if full and shape[-2] != shape[-1]:
        # only the first k vectors are unique: check those plus S
        def f(x):
            u, s, vh = LA.svd(x, full_matrices=True)
            uk = lucid.einsum("...ij,jk->...ik", u, lucid.tensor(np.eye(shape[-2])[:, :k]))
            vk = lucid.einsum("ki,...ij->...kj", lucid.tensor(np.eye(shape[-1])[:k]), vh)
            return lucid.einsum("...ij,...ij->...ij", uk, uk), s, lucid.einsum("...ij,...ij->...ij", vk, vk)
    check_grad(f, [a], atol=1e-5)


@pytest.mark.parametrize("batch", [(), (2,)])
def test_eigh(batch):
    x = rand(*batch, 4, 4, seed=45)
    w, v = LA.eigh(_as64(x + np.swapaxes(x, -1, -2)))
    wn, vn = np.linalg.eigh(x + np.swapaxes(x, -1, -2))
    np.testing.assert_allclose(w.numpy(), wn, atol=1e-10)
    np.testing.assert_allclose(np.abs(v.numpy()), np.abs(vn), atol=1e-8)

    def f(t):
        w, v = LA.eigh(sym(t))
        return w, lucid.einsum("...ij,...ij->...ij", v, v)

    check_grad(f, [x], atol=1e-5)


def test_eigh_reads_one_triangle():
    x = rand(3, 3, seed=46)
    np.testing.assert_allclose(LA.eigvalsh(_as64(x)).numpy(), np.linalg.eigvalsh(x), atol=1e-10)
    np.testing.assert_allclose(LA.eigh(_as64(x), UPLO="U").eigenvalues.numpy(), np.linalg.eigvalsh(x, "U"),
                               atol=1e-10)
    with pytest.raises(ValueError, match="UPLO"):
        LA.eigh(_as64(x), UPLO="X")


def test_gradients_are_symmetric():
    a = _as64(spd_np(3, 47)).requires_grad_()
    v = LA.eigh(a).eigenvectors
    (LA.cholesky(a).sum() + lucid.einsum("ij,ij->", v, v * lucid.tensor(rand(3, 3, seed=48)))
     + lucid.einsum("i,i->", LA.eigvalsh(a), lucid.tensor([0.0, 1.0, 2.0]))).backward()
    g = a.grad.numpy()
    np.testing.assert_allclose(g, g.T, atol=1e-12)


def test_det_singular_gradient_is_cofactor():
    a = np.array([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [1.0, 0.0, 1.0]])
    x = _as64(a).requires_grad_()
    d = LA.det(x)
    assert abs(d.item()) < 1e-12
    d.backward()
    cof = np.array([[np.linalg.det(np.delete(np.delete(a, i, 0), j, 1)) * (-1) ** (i + j) for j in range(3)]
                    for i in range(3)])
    np.testing.assert_allclose(x.grad.numpy(), cof, atol=1e-10)
    check_grad(LA.det, [a], atol=1e-5)


def test_pinv_rank_deficient():
    a = np.array([[1.0, 2.0], [2.0, 4.0], [0.0, 0.0]])
    np.testing.assert_allclose(LA.pinv(_as64(a)).numpy(), np.linalg.pinv(a), atol=1e-10)
    # the gradient assumes a locally constant rank: check it along rank-1 matrices u v^T
    check_grad(lambda u, v: LA.pinv(lucid.outer(u, v)), [np.array([1.0, 2.0, 0.5]), np.array([0.3, -1.2])],
               atol=1e-5)
    big = np.diag([1.0, 1e-3])
    np.testing.assert_allclose(LA.pinv(_as64(big), atol=1e-2).numpy(), np.diag([1.0, 0.0]), atol=1e-12)
    np.testing.assert_allclose(LA.pinv(_as64(big), rtol=1e-2).numpy(), np.diag([1.0, 0.0]), atol=1e-12)
    np.testing.assert_allclose(LA.pinv(_as64(big)).numpy(), np.diag([1.0, 1e3]), atol=1e-9)


def test_matrix_rank():
    assert LA.matrix_rank(_as64(np.array([[1.0, 2.0], [2.0, 4.0]]))).item() == 1
    r = LA.matrix_rank(_as64(np.stack([np.eye(3), np.diag([1.0, 1.0, 0.0])])))
    assert r.dtype == lucid.int64 and r.tolist() == [3, 2]
    assert LA.matrix_rank(_as64(np.diag([1.0, 1e-3])), atol=1e-2).item() == 1
    assert LA.matrix_rank(_as64(np.diag([2.0, -1.0])), hermitian=True).item() == 2


def test_matrix_power_zero_grad_and_errors():
    x = _as64(W3).requires_grad_()
    LA.matrix_power(x, 0).sum().backward()
    assert np.all(x.grad.numpy() == 0)
    with pytest.raises(TypeError):
        LA.matrix_power(x, 1.5)
    with pytest.raises(ValueError, match="square"):
        LA.matrix_power(lucid.ones(2, 3), 2)


# -- dtypes, devices, errors -------------------------------------------------------
@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "float32"])
def test_half_and_single_precision_keep_dtype(dtype):
    dt = getattr(lucid, dtype)
    a = lucid.tensor(W3, dtype=dt, requires_grad=True)
    outs = [LA.inv(a), LA.det(a), LA.slogdet(a).logabsdet, LA.solve(a, lucid.ones(3, dtype=dt)), LA.cholesky(a),
            LA.qr(a).R, LA.svd(a).S, LA.svdvals(a), LA.eigh(a).eigenvalues, LA.eigvalsh(a), LA.pinv(a),
            LA.matrix_norm(a, 2), LA.vector_norm(a), LA.matrix_power(a, -1)]
    for o in outs:
        assert o.dtype == dt
    sum(o.sum() for o in outs).backward()
    assert a.grad.dtype == dt
    tol = 1e-4 if dtype == "float32" else 5e-2
    np.testing.assert_allclose(LA.inv(a).numpy(), np.linalg.inv(W3), rtol=tol, atol=tol)


def test_float32_runs_on_cpu_stream_even_when_default_device_differs():
    a = lucid.tensor(W3.astype(np.float32), requires_grad=True)
    with mx.stream(mx.gpu if lucid.gpu_available() else mx.cpu):
        out = LA.svdvals(a).sum() + LA.inv(a).sum()
        out.backward()
    assert np.isfinite(a.grad.numpy()).all()


def test_non_square_raises():
    for fn in (LA.inv, LA.det, LA.slogdet, LA.cholesky, LA.eigh, LA.eigvalsh):
        with pytest.raises(ValueError, match=r"square.*\(2, 3\)"):
            fn(lucid.ones(2, 3))
    with pytest.raises(ValueError, match="square"):
        LA.solve(lucid.ones(2, 3), lucid.ones(2))


def test_bad_inputs_raise():
    with pytest.raises(ValueError, match="at least 2"):
        LA.inv(lucid.ones(3))
    with pytest.raises(TypeError, match="floating"):
        LA.inv(lucid.tensor([[1, 0], [0, 1]]))
    with pytest.raises(ValueError, match=r"\(3, 3\).*\(2,\)"):
        LA.solve(lucid.ones(3, 3), lucid.ones(2))
    with pytest.raises(ValueError, match="broadcast"):
        LA.solve(lucid.ones(2, 3, 3), lucid.ones(4, 3, 1))
    with pytest.raises(ValueError, match="ord"):
        LA.matrix_norm(lucid.ones(2, 2), 3)
    with pytest.raises(ValueError, match="dim"):
        LA.matrix_norm(lucid.ones(2, 2), dim=(0, 0))
    with pytest.raises(ValueError, match="1-D or 2-D"):
        LA.norm(lucid.ones(2, 2, 2), ord=2)
    with pytest.raises(ValueError, match="size 3"):
        LA.cross(lucid.ones(2), lucid.ones(2))
    with pytest.raises(ValueError):
        LA.multi_dot([lucid.ones(2, 2)])


def test_named_results():
    a = _as64(W3)
    assert LA.slogdet(a).sign.item() == 1.0
    assert LA.qr(a).Q.shape == (3, 3)
    assert LA.svd(a).Vh.shape == (3, 3)
    assert LA.eigh(a + _as64(W3.T)).eigenvectors.shape == (3, 3)


def test_torch_norm_nuc_delegates():
    a = _rect(3, 4, 50)
    np.testing.assert_allclose(lucid.norm(_as64(a), "nuc").item(), np.linalg.norm(a, "nuc"), rtol=1e-10)
