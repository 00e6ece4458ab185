"""kl_divergence: closed forms against Monte Carlo estimates, hand formulas, dispatch and gradients."""

from __future__ import annotations

import math

import numpy as np
import pytest

import lucid
from lucid.distributions import (
    Bernoulli,
    Beta,
    Binomial,
    Categorical,
    Cauchy,
    Dirichlet,
    Distribution,
    Exponential,
    Gamma,
    Gumbel,
    Independent,
    Laplace,
    LogNormal,
    LowRankMultivariateNormal,
    MultivariateNormal,
    Normal,
    OneHotCategorical,
    Poisson,
    TransformedDistribution,
    Uniform,
    kl_divergence,
    register_kl,
)
from lucid.distributions.transforms import AffineTransform, ExpTransform

F64 = lucid.float64


def t64(x, requires_grad=False):
    return lucid.tensor(np.asarray(x, dtype=np.float64), dtype=F64, requires_grad=requires_grad)


PAIRS = {
    "Normal": lambda: (Normal(t64([0.0, 1.0]), t64([1.0, 0.5])), Normal(t64([0.5, -1.0]), t64([2.0, 0.7]))),
    "LogNormal": lambda: (LogNormal(t64([0.0, 0.2]), t64([0.5, 0.3])), LogNormal(t64([0.3, 0.0]), t64([0.7, 0.4]))),
    "Bernoulli": lambda: (Bernoulli(probs=t64([0.2, 0.7])), Bernoulli(probs=t64([0.5, 0.4]))),
    "Categorical": lambda: (Categorical(probs=t64([[0.2, 0.3, 0.5], [0.6, 0.3, 0.1]])),
                            Categorical(probs=t64([[0.4, 0.4, 0.2], [0.2, 0.2, 0.6]]))),
    "OneHotCategorical": lambda: (OneHotCategorical(probs=t64([0.2, 0.3, 0.5])),
                                  OneHotCategorical(probs=t64([0.4, 0.4, 0.2]))),
    "Binomial": lambda: (Binomial(t64([5.0, 8.0]), probs=t64([0.2, 0.7])),
                         Binomial(t64([5.0, 8.0]), probs=t64([0.4, 0.5]))),
    "Poisson": lambda: (Poisson(t64([1.5, 7.0])), Poisson(t64([2.0, 5.0]))),
    "Exponential": lambda: (Exponential(t64([1.5, 0.3])), Exponential(t64([0.7, 0.5]))),
    "Laplace": lambda: (Laplace(t64([0.0, 1.0]), t64([1.0, 0.5])), Laplace(t64([0.5, -1.0]), t64([2.0, 0.7]))),
    "Cauchy": lambda: (Cauchy(t64([0.0, 1.0]), t64([1.0, 0.5])), Cauchy(t64([0.5, -1.0]), t64([2.0, 0.7]))),
    "Gumbel": lambda: (Gumbel(t64([0.0, 1.0]), t64([1.0, 0.5])), Gumbel(t64([0.5, 0.5]), t64([2.0, 0.7]))),
    "Uniform": lambda: (Uniform(t64([0.0, 1.0]), t64([1.0, 2.0])), Uniform(t64([-1.0, 0.5]), t64([2.0, 3.0]))),
    "Gamma": lambda: (Gamma(t64([2.0, 5.0]), t64([1.0, 2.0])), Gamma(t64([3.0, 4.0]), t64([1.5, 1.0]))),
    "Beta": lambda: (Beta(t64([2.0, 0.8]), t64([3.0, 1.5])), Beta(t64([1.5, 1.0]), t64([1.0, 2.0]))),
    "Dirichlet": lambda: (Dirichlet(t64([[1.0, 2.0, 3.0]])), Dirichlet(t64([[2.0, 2.0, 1.0]]))),
    "MultivariateNormal": lambda: (
        MultivariateNormal(t64([0.0, 1.0]), covariance_matrix=t64([[1.0, 0.3], [0.3, 0.8]])),
        MultivariateNormal(t64([0.5, 0.5]), covariance_matrix=t64([[2.0, -0.4], [-0.4, 1.0]]))),
    "LowRankMultivariateNormal": lambda: (
        LowRankMultivariateNormal(t64([0.0, 1.0, 0.0]), t64([[1.0], [0.5], [0.2]]), t64([0.5, 1.0, 0.7])),
        LowRankMultivariateNormal(t64([0.3, 0.0, 0.1]), t64([[0.2], [1.0], [0.1]]), t64([1.0, 0.6, 0.9]))),
    "Independent": lambda: (Independent(Normal(t64([0.0, 1.0]), t64([1.0, 0.5])), 1),
                            Independent(Normal(t64([0.5, -1.0]), t64([2.0, 0.7])), 1)),
    "TransformedDistribution": lambda: (
        TransformedDistribution(Normal(t64([0.0, 1.0]), t64([1.0, 0.5])), [AffineTransform(1.0, 2.0), ExpTransform()]),
        TransformedDistribution(Normal(t64([0.5, -1.0]), t64([2.0, 0.7])), [AffineTransform(1.0, 2.0),
                                                                             ExpTransform()])),
}


@pytest.mark.parametrize("name", list(PAIRS))
def test_kl_matches_monte_carlo(name):
    p, q = PAIRS[name]()
    kl = kl_divergence(p, q)
    assert kl.shape == p.batch_shape
    x = p.sample((60000,))
    diff = (p.log_prob(x) - q.log_prob(x)).numpy()
    mc = diff.mean(0)
    tol = 6 * diff.std(0) / math.sqrt(60000) + 2e-3
    assert np.all(np.abs(kl.numpy() - mc) <= tol), (kl.numpy(), mc, tol)
    assert np.all(kl.numpy() >= -1e-9)


@pytest.mark.parametrize("name", list(PAIRS))
def test_kl_of_a_distribution_with_itself_is_zero(name):
    p, _ = PAIRS[name]()
    np.testing.assert_allclose(kl_divergence(p, p).numpy(), 0.0, atol=1e-6)


def test_kl_normal_closed_form_and_gradient():
    m1 = t64([0.3], requires_grad=True)
    s1 = t64([0.8], requires_grad=True)
    kl = kl_divergence(Normal(m1, s1), Normal(t64([1.0]), t64([2.0])))
    ref = math.log(2.0 / 0.8) + (0.8 ** 2 + 0.7 ** 2) / (2 * 4.0) - 0.5
    assert kl.item() == pytest.approx(ref, rel=1e-10)
    kl.sum().backward()
    assert m1.grad.item() == pytest.approx((0.3 - 1.0) / 4.0, rel=1e-10)
    assert s1.grad.item() == pytest.approx(-1 / 0.8 + 0.8 / 4.0, rel=1e-10)


def test_kl_broadcasts_batch_shapes():
    p = Normal(t64([[0.0], [1.0]]), 1.0)
    q = Normal(t64([0.0, 2.0, 3.0]), 1.0)
    assert kl_divergence(p, q).shape == (2, 3)


def test_kl_uniform_outside_support_is_infinite():
    assert kl_divergence(Uniform(0.0, 2.0), Uniform(0.0, 1.0)).item() == math.inf


def test_kl_categorical_with_zero_probabilities():
    p = Categorical(probs=t64([0.5, 0.5, 0.0]))
    q = Categorical(probs=t64([0.25, 0.25, 0.5]))
    assert kl_divergence(p, q).item() == pytest.approx(math.log(2.0))
    assert kl_divergence(q, p).item() == math.inf


def test_kl_unregistered_pair_raises():
    with pytest.raises(NotImplementedError, match="Normal.*Exponential"):
        kl_divergence(Normal(0.0, 1.0), Exponential(1.0))
    with pytest.raises(TypeError):
        kl_divergence(Normal(0.0, 1.0), 3.0)


def test_register_kl_most_specific_pair_wins():
    class A(Normal):
        pass

    class B(A):
        pass

    @register_kl(A, Normal)
    def _kl_a(p, q):
        return lucid.full(p.batch_shape, 1.0)

    @register_kl(B, Normal)
    def _kl_b(p, q):
        return lucid.full(p.batch_shape, 2.0)

    assert kl_divergence(A(0.0, 1.0), Normal(0.0, 1.0)).item() == 1.0
    assert kl_divergence(B(0.0, 1.0), Normal(0.0, 1.0)).item() == 2.0
    assert kl_divergence(Normal(0.0, 1.0), Normal(0.0, 1.0)).item() == 0.0
    with pytest.raises(TypeError):
        register_kl(int, Normal)


def test_register_kl_for_a_new_family():
    class Point(Distribution):
        pass

    @register_kl(Point, Point)
    def _kl(p, q):
        return lucid.zeros(())

    assert kl_divergence(Point(), Point()).item() == 0.0


def test_kl_transformed_needs_equal_transforms():
    p = TransformedDistribution(Normal(0.0, 1.0), [ExpTransform()])
    q = TransformedDistribution(Normal(0.0, 1.0), [AffineTransform(0.0, 2.0)])
    with pytest.raises(NotImplementedError):
        kl_divergence(p, q)
