"""Gamma family, multivariate normals and the private special functions, against NumPy references."""

from __future__ import annotations

import math

import numpy as np
import pytest

import lucid
from lucid.distributions import Beta, Chi2, Dirichlet, Gamma, LowRankMultivariateNormal, MultivariateNormal, Normal
from lucid.distributions._math import digamma, lgamma

F64 = lucid.float64
_lgamma = np.vectorize(math.lgamma)


def t64(x, requires_grad=False):
    return lucid.tensor(np.asarray(x, dtype=np.float64), dtype=F64, requires_grad=requires_grad)


def digamma_ref(x):
    x = np.asarray(x, dtype=np.float64)
    h = 1e-5
    return (_lgamma(x + h) - _lgamma(x - h)) / (2 * h)


def trigamma_ref(x):
    x = np.asarray(x, dtype=np.float64)
    h = 1e-4
    return (_lgamma(x + h) - 2 * _lgamma(x) + _lgamma(x - h)) / h ** 2


# -- lgamma / digamma ------------------------------------------------------------
XS = np.array([0.01, 0.3, 0.5, 1.0, 1.7, 2.5, 6.0, 13.2, 150.0, -0.4, -2.7])


def test_lgamma_and_digamma_values():
    np.testing.assert_allclose(lgamma(t64(XS)).numpy(), _lgamma(XS), rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(digamma(t64(XS)).numpy(), digamma_ref(XS), rtol=1e-5, atol=1e-5)
    assert digamma(t64(1.0)).item() == pytest.approx(-0.5772156649015329, abs=1e-6)
    np.testing.assert_allclose(lgamma(lucid.tensor(XS.astype(np.float32))).numpy(), _lgamma(XS), rtol=1e-5,
                               atol=1e-5)


def test_lgamma_and_digamma_gradients():
    x = t64(XS, requires_grad=True)
    lgamma(x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), digamma_ref(XS), rtol=1e-5, atol=1e-5)
    y = t64(XS[XS > 0], requires_grad=True)
    digamma(y).sum().backward()
    np.testing.assert_allclose(y.grad.numpy(), trigamma_ref(XS[XS > 0]), rtol=1e-3)


# -- gamma family ------------------------------------------------------------------
def test_gamma():
    a, b = np.array([0.5, 2.0, 7.5]), np.array([1.0, 4.0, 0.5])
    d = Gamma(t64(a), t64(b))
    x = np.array([0.3, 0.5, 12.0])
    ref = a * np.log(b) + (a - 1) * np.log(x) - b * x - _lgamma(a)
    np.testing.assert_allclose(d.log_prob(t64(x)).numpy(), ref, rtol=1e-6)
    np.testing.assert_allclose(d.mean.numpy(), a / b)
    np.testing.assert_allclose(d.variance.numpy(), a / b ** 2)
    np.testing.assert_allclose(d.entropy().numpy(), a - np.log(b) + _lgamma(a) + (1 - a) * digamma_ref(a),
                               rtol=1e-5)
    s = d.sample((40000,)).numpy()
    assert (s > 0).all()
    np.testing.assert_allclose(s.mean(0), a / b, rtol=0.03)
    np.testing.assert_allclose(s.var(0), a / b ** 2, rtol=0.06)
    lp = d.log_prob(t64(s)).numpy()
    np.testing.assert_allclose(-lp.mean(0), d.entropy().numpy(), atol=0.03)


def test_gamma_small_concentration_samples():
    s = Gamma(0.1, 1.0).sample((40000,)).numpy()
    assert (s > 0).all() and s.mean() == pytest.approx(0.1, rel=0.08)


def test_gamma_rsample_gradient_in_rate():
    rate = t64([2.0, 0.5], requires_grad=True)
    lucid.manual_seed(1)
    x = Gamma(t64([3.0, 1.5]), rate).rsample((4,))
    x.sum().backward()
    np.testing.assert_allclose(rate.grad.numpy(), -(x.numpy() / rate.numpy()).sum(0), rtol=1e-10)


def test_gamma_rsample_refuses_concentration_gradients():
    with pytest.raises(NotImplementedError, match="concentration"):
        Gamma(t64([3.0], requires_grad=True), 1.0).rsample()
    Gamma(t64([3.0], requires_grad=True), 1.0).sample()  # sampling without gradients is fine


def test_chi2():
    d = Chi2(t64([3.0, 10.0]))
    assert d.mean.tolist() == [3.0, 10.0] and d.variance.tolist() == [6.0, 20.0]
    x = 2.0
    k = np.array([3.0, 10.0])
    ref = (k / 2 - 1) * np.log(x) - x / 2 - k / 2 * np.log(2) - _lgamma(k / 2)
    np.testing.assert_allclose(d.log_prob(t64([x, x])).numpy(), ref, rtol=1e-6)


def test_beta():
    a, b = np.array([0.7, 2.0, 5.0]), np.array([1.5, 2.0, 0.9])
    d = Beta(t64(a), t64(b))
    x = np.array([0.2, 0.5, 0.95])
    lbeta = _lgamma(a) + _lgamma(b) - _lgamma(a + b)
    np.testing.assert_allclose(d.log_prob(t64(x)).numpy(),
                               (a - 1) * np.log(x) + (b - 1) * np.log1p(-x) - lbeta, rtol=1e-6)
    np.testing.assert_allclose(d.mean.numpy(), a / (a + b))
    np.testing.assert_allclose(d.variance.numpy(), a * b / ((a + b) ** 2 * (a + b + 1)))
    ref_h = lbeta - (a - 1) * digamma_ref(a) - (b - 1) * digamma_ref(b) + (a + b - 2) * digamma_ref(a + b)
    np.testing.assert_allclose(d.entropy().numpy(), ref_h, rtol=1e-5, atol=1e-6)
    s = d.sample((40000,)).numpy()
    assert ((s > 0) & (s < 1)).all()
    np.testing.assert_allclose(s.mean(0), a / (a + b), atol=0.01)


def test_dirichlet():
    alpha = np.array([[0.5, 1.0, 3.0], [2.0, 2.0, 2.0]])
    d = Dirichlet(t64(alpha))
    assert d.batch_shape == (2,) and d.event_shape == (3,)
    x = np.array([[0.1, 0.3, 0.6], [0.2, 0.5, 0.3]])
    a0 = alpha.sum(-1)
    ref = ((alpha - 1) * np.log(x)).sum(-1) + _lgamma(a0) - _lgamma(alpha).sum(-1)
    np.testing.assert_allclose(d.log_prob(t64(x)).numpy(), ref, rtol=1e-6)
    np.testing.assert_allclose(d.mean.numpy(), alpha / a0[:, None])
    np.testing.assert_allclose(d.variance.numpy(),
                               alpha * (a0[:, None] - alpha) / (a0[:, None] ** 2 * (a0[:, None] + 1)))
    k = 3
    ref_h = (_lgamma(alpha).sum(-1) - _lgamma(a0) + (a0 - k) * digamma_ref(a0)
             - ((alpha - 1) * digamma_ref(alpha)).sum(-1))
    np.testing.assert_allclose(d.entropy().numpy(), ref_h, rtol=1e-5)
    s = d.sample((30000,)).numpy()
    assert s.shape == (30000, 2, 3)
    np.testing.assert_allclose(s.sum(-1), 1.0, atol=1e-9)
    np.testing.assert_allclose(s.mean(0), alpha / a0[:, None], atol=0.01)


# -- multivariate normals -----------------------------------------------------------
def _mvn_logpdf(x, mu, cov):
    k = mu.shape[-1]
    diff = x - mu
    sol = np.linalg.solve(cov, diff[..., None])[..., 0]
    return -0.5 * (k * np.log(2 * np.pi) + np.linalg.slogdet(cov)[1] + (diff * sol).sum(-1))


def _spd(k, seed):
    a = np.random.default_rng(seed).normal(size=(k, k))
    return a @ a.T + k * np.eye(k)


@pytest.mark.parametrize("param", ["covariance_matrix", "precision_matrix", "scale_tril"])
def test_multivariate_normal_parameterisations(param):
    mu = np.array([[0.5, -1.0, 2.0], [0.0, 0.0, 0.0]])
    cov = _spd(3, 0)
    arg = {"covariance_matrix": cov, "precision_matrix": np.linalg.inv(cov),
           "scale_tril": np.linalg.cholesky(cov)}[param]
    d = MultivariateNormal(t64(mu), **{param: t64(arg)})
    assert d.batch_shape == (2,) and d.event_shape == (3,)
    x = np.random.default_rng(1).normal(size=(4, 2, 3))
    np.testing.assert_allclose(d.log_prob(t64(x)).numpy(), _mvn_logpdf(x, mu, cov), rtol=1e-5)
    np.testing.assert_allclose(d.covariance_matrix.numpy()[0], cov, rtol=1e-5)
    np.testing.assert_allclose(d.precision_matrix.numpy()[1], np.linalg.inv(cov), rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(d.variance.numpy()[0], np.diag(cov), rtol=1e-5)
    h = 0.5 * (3 * (1 + np.log(2 * np.pi)) + np.linalg.slogdet(cov)[1])
    np.testing.assert_allclose(d.entropy().numpy(), [h, h], rtol=1e-5)


def test_multivariate_normal_samples_and_rsample_gradient():
    mu, cov = np.array([1.0, -2.0]), np.array([[2.0, 0.6], [0.6, 0.5]])
    d = MultivariateNormal(t64(mu), covariance_matrix=t64(cov))
    s = d.sample((50000,)).numpy()
    np.testing.assert_allclose(s.mean(0), mu, atol=0.03)
    np.testing.assert_allclose(np.cov(s.T), cov, atol=0.05)
    loc = t64(mu, requires_grad=True)
    tril = t64(np.linalg.cholesky(cov), requires_grad=True)
    lucid.manual_seed(9)
    x = MultivariateNormal(loc, scale_tril=tril).rsample((3,))
    lucid.manual_seed(9)
    eps = lucid.randn(3, 2, dtype=F64)
    np.testing.assert_allclose(x.numpy(), mu + eps.numpy() @ np.linalg.cholesky(cov).T, rtol=1e-6)
    x.sum().backward()
    assert loc.grad.tolist() == [3.0, 3.0]
    # d(L eps)_i / dL_ij = eps_j (the upper triangle gets a gradient too, as in PyTorch)
    np.testing.assert_allclose(tril.grad.numpy(), np.ones((2, 1)) * eps.numpy().sum(0)[None], rtol=1e-6)


def test_multivariate_normal_log_prob_gradient_matches_normal():
    # a diagonal MVN is a product of Normals, gradients included
    loc = t64([0.3, -0.2], requires_grad=True)
    x = t64([1.0, 0.5])
    MultivariateNormal(loc, scale_tril=t64(np.diag([2.0, 0.5]))).log_prob(x).backward()
    g1 = loc.grad.numpy()
    loc2 = t64([0.3, -0.2], requires_grad=True)
    Normal(loc2, t64([2.0, 0.5])).log_prob(x).sum().backward()
    np.testing.assert_allclose(g1, loc2.grad.numpy(), rtol=1e-6)


def test_low_rank_multivariate_normal():
    rng = np.random.default_rng(2)
    mu = np.array([0.1, -0.3, 0.5, 1.0])
    W = rng.normal(size=(4, 2))
    D = np.array([0.5, 1.0, 0.3, 2.0])
    cov = W @ W.T + np.diag(D)
    d = LowRankMultivariateNormal(t64(mu), t64(W), t64(D))
    x = rng.normal(size=(5, 4))
    np.testing.assert_allclose(d.log_prob(t64(x)).numpy(), _mvn_logpdf(x, mu, cov), rtol=1e-5)
    np.testing.assert_allclose(d.entropy().item(), 0.5 * (4 * (1 + np.log(2 * np.pi)) + np.linalg.slogdet(cov)[1]),
                               rtol=1e-6)
    np.testing.assert_allclose(d.variance.numpy(), np.diag(cov), rtol=1e-6)
    np.testing.assert_allclose(d.covariance_matrix.numpy(), cov, rtol=1e-6)
    s = d.sample((60000,)).numpy()
    np.testing.assert_allclose(np.cov(s.T), cov, atol=0.08)
