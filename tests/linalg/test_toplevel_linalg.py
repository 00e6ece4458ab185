"""PyTorch's top-level linear algebra names (lucid.det, lucid.svd, lucid.cross, ...) against NumPy."""

import numpy as np
import pytest
from helpers import check_grad, rand

import lucid


def T(a):
    return lucid.tensor(a, device="cpu")


def _spd(n, seed=0):
    a = rand(n, n, seed=seed)
    return a @ a.T + n * np.eye(n)


def test_det_logdet_slogdet_inverse_values():
    a = rand(2, 3, 3, seed=1)
    np.testing.assert_allclose(lucid.det(T(a)).numpy(), np.linalg.det(a), rtol=1e-10)
    sign, logabs = lucid.slogdet(T(a))
    ref = np.linalg.slogdet(a)
    np.testing.assert_allclose(sign.numpy(), ref.sign)
    np.testing.assert_allclose(logabs.numpy(), ref.logabsdet, rtol=1e-10)
    assert type(lucid.slogdet(T(a))).__name__ == "slogdet"
    ld = lucid.logdet(T(a)).numpy()
    expected = np.where(ref.sign < 0, np.nan, ref.logabsdet)
    np.testing.assert_allclose(ld, expected, rtol=1e-10, equal_nan=True)
    assert lucid.logdet(T(np.zeros((2, 2)))).item() == -np.inf
    np.testing.assert_allclose(lucid.inverse(T(a)).numpy(), np.linalg.inv(a), rtol=1e-9)
    np.testing.assert_allclose(T(a).det().numpy(), np.linalg.det(a), rtol=1e-10)


def test_linalg_alias_gradients():
    a = _spd(3, seed=2)
    check_grad(lucid.det, [a])
    check_grad(lucid.logdet, [a])
    check_grad(lambda x: lucid.slogdet(x).logabsdet, [a])
    check_grad(lucid.inverse, [a])
    check_grad(lambda x: lucid.matrix_power(x, 3), [rand(3, 3, seed=3)])
    check_grad(lucid.matrix_exp, [rand(3, 3, seed=4) * 0.5])
    check_grad(lambda x: lucid.cholesky((x + x.mT) / 2, upper=True), [a])


def test_pinverse_matrix_power_matrix_exp():
    a = rand(4, 3, seed=5)
    np.testing.assert_allclose(lucid.pinverse(T(a)).numpy(), np.linalg.pinv(a), rtol=1e-8, atol=1e-10)
    sq = rand(3, 3, seed=6)
    np.testing.assert_allclose(lucid.matrix_power(T(sq), -2).numpy(), np.linalg.matrix_power(sq, -2), rtol=1e-8)
    d = np.diag([0.5, -1.0, 2.0])
    np.testing.assert_allclose(lucid.matrix_exp(T(d)).numpy(), np.diag(np.exp([0.5, -1.0, 2.0])), rtol=1e-10)
    with pytest.raises(TypeError):
        lucid.pinverse(T(a), rcond="small")


def test_cholesky_upper_and_lower():
    a = _spd(4, seed=7)
    lower = np.linalg.cholesky(a)
    np.testing.assert_allclose(lucid.cholesky(T(a)).numpy(), lower, rtol=1e-10)
    np.testing.assert_allclose(lucid.cholesky(T(a), upper=True).numpy(), lower.T, rtol=1e-10)
    np.testing.assert_allclose(T(a).cholesky().numpy(), lower, rtol=1e-10)
    with pytest.raises(TypeError):
        lucid.cholesky(T(a), upper="yes")


def test_qr_some():
    a = rand(5, 3, seed=8)
    q, r = lucid.qr(T(a))
    assert q.shape == (5, 3) and r.shape == (3, 3)
    np.testing.assert_allclose((q @ r).numpy(), a, atol=1e-12)
    q, r = lucid.qr(T(a), some=False)
    assert q.shape == (5, 5) and r.shape == (5, 3)
    np.testing.assert_allclose((q @ r).numpy(), a, atol=1e-12)
    np.testing.assert_allclose((q.mT @ q).numpy(), np.eye(5), atol=1e-12)
    check_grad(lambda x: lucid.qr(x).R, [a])


@pytest.mark.parametrize("shape", [(5, 3), (3, 5), (2, 4, 4)])
def test_svd_returns_v_not_vh(shape):
    a = rand(*shape, seed=9)
    u, s, v = lucid.svd(T(a))
    k = min(shape[-2:])
    assert u.shape == (*shape[:-1], k) and v.shape == (*shape[:-2], shape[-1], k)
    np.testing.assert_allclose(s.numpy(), np.linalg.svd(a, compute_uv=False), rtol=1e-10)
    recon = u.numpy() @ (s.numpy()[..., :, None] * np.swapaxes(v.numpy(), -1, -2))
    np.testing.assert_allclose(recon, a, atol=1e-12)
    out = lucid.svd(T(a), some=False)
    assert out.U.shape == (*shape[:-1], shape[-2]) and out.V.shape == (*shape[:-2], shape[-1], shape[-1])
    assert type(out)._fields == ("U", "S", "V")


def test_svd_without_uv_gives_zero_factors():
    a = rand(4, 3, seed=10)
    u, s, v = lucid.svd(T(a), compute_uv=False)
    assert u.shape == (4, 4) and v.shape == (3, 3)
    assert not u.numpy().any() and not v.numpy().any()
    np.testing.assert_allclose(s.numpy(), np.linalg.svd(a, compute_uv=False), rtol=1e-10)
    with pytest.raises(TypeError):
        lucid.svd(T(a), some=1)


def test_svd_gradient_of_singular_values():
    check_grad(lambda x: lucid.svd(x).S, [rand(4, 3, seed=11)])


def test_vander_decreasing_by_default():
    x = np.array([1.0, 2.0, 3.0, 5.0])
    np.testing.assert_allclose(lucid.vander(T(x)).numpy(), np.vander(x))
    np.testing.assert_allclose(lucid.vander(T(x), N=3, increasing=True).numpy(), np.vander(x, 3, increasing=True))
    assert lucid.vander(T(x), N=0).shape == (4, 0)
    np.testing.assert_allclose(lucid.vander(T(x), N=1).numpy(), np.ones((4, 1)))
    assert lucid.vander(lucid.tensor([1, 2])).dtype == lucid.int64
    check_grad(lambda t: lucid.vander(t, N=3), [x])
    with pytest.raises(ValueError):
        lucid.vander(T(np.ones((2, 2))))
    with pytest.raises(ValueError):
        lucid.vander(T(x), N=-1)


def test_chain_matmul():
    a, b, c = rand(2, 3, seed=12), rand(3, 4, seed=13), rand(4, 2, seed=14)
    np.testing.assert_allclose(lucid.chain_matmul(T(a), T(b), T(c)).numpy(), a @ b @ c, rtol=1e-12)
    np.testing.assert_allclose(lucid.chain_matmul(T(a)).numpy(), a)
    check_grad(lucid.chain_matmul, [a, b, c])
    with pytest.raises(ValueError):
        lucid.chain_matmul()
    with pytest.raises(ValueError):
        lucid.chain_matmul(T(a), T(np.ones(3)))


def test_cross_default_dim_is_first_of_size_3():
    a, b = rand(3, 4, seed=15), rand(3, 4, seed=16)
    np.testing.assert_allclose(lucid.cross(T(a), T(b)).numpy(), np.cross(a, b, axis=0), rtol=1e-12)
    c, d = rand(2, 3, 3, seed=17), rand(3, 1, seed=18)
    dd = np.broadcast_to(d, c.shape)
    np.testing.assert_allclose(lucid.cross(T(c), T(d)).numpy(), np.cross(c, dd, axis=1), rtol=1e-12)
    e = rand(3, seed=21)
    np.testing.assert_allclose(lucid.cross(T(c), T(e), dim=-1).numpy(), np.cross(c, e, axis=-1), rtol=1e-12)
    np.testing.assert_allclose(T(a).cross(T(b), dim=0).numpy(), np.cross(a, b, axis=0), rtol=1e-12)
    check_grad(lucid.cross, [a, b])
    with pytest.raises(ValueError, match="size 3"):
        lucid.cross(T(rand(2, 4)), T(rand(2, 4)))


@pytest.mark.parametrize("p", [2, 1, 0, 3.5, float("inf"), -float("inf")])
def test_dist(p):
    a, b = rand(3, 4, seed=19), rand(4, seed=20)
    diff = (a - b).ravel()
    if p == 0:
        ref = np.count_nonzero(diff)
    elif np.isinf(p):
        ref = np.abs(diff).max() if p > 0 else np.abs(diff).min()
    else:
        ref = (np.abs(diff) ** p).sum() ** (1 / p)
    got = lucid.dist(T(a), T(b), p)
    assert got.shape == () and got.dtype == lucid.float64
    np.testing.assert_allclose(got.item(), ref, rtol=1e-10)
    if p not in (0,):
        check_grad(lambda x, y: lucid.dist(x, y, p), [a, b])


def test_dist_rejects_bad_p():
    with pytest.raises(TypeError):
        lucid.dist(T(rand(2)), T(rand(2)), "fro")
