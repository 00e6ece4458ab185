"""Discrete distributions and their relaxations against hand-written references."""

from __future__ import annotations

import math

import numpy as np
import pytest

import lucid
from lucid.distributions import (
    Bernoulli,
    Binomial,
    Categorical,
    OneHotCategorical,
    Poisson,
    RelaxedBernoulli,
    RelaxedOneHotCategorical,
)

F64 = lucid.float64


def t64(x, requires_grad=False):
    return lucid.tensor(np.asarray(x, dtype=np.float64), dtype=F64, requires_grad=requires_grad)


def test_bernoulli_probs_and_logits_agree():
    p = np.array([0.2, 0.5, 0.9])
    x = np.array([1.0, 0.0, 1.0])
    ref = x * np.log(p) + (1 - x) * np.log(1 - p)
    for d in (Bernoulli(probs=t64(p)), Bernoulli(logits=t64(np.log(p / (1 - p))))):
        np.testing.assert_allclose(d.log_prob(t64(x)).numpy(), ref, rtol=1e-6)
        np.testing.assert_allclose(d.entropy().numpy(), -(p * np.log(p) + (1 - p) * np.log(1 - p)), rtol=1e-6)
        np.testing.assert_allclose(d.mean.numpy(), p, rtol=1e-6)
        np.testing.assert_allclose(d.variance.numpy(), p * (1 - p), rtol=1e-6)
    s = Bernoulli(probs=t64(p)).sample((20000,)).numpy()
    assert set(np.unique(s)) <= {0.0, 1.0}
    np.testing.assert_allclose(s.mean(0), p, atol=0.02)


def test_bernoulli_extreme_probs():
    d = Bernoulli(probs=t64([0.0, 1.0]))
    np.testing.assert_allclose(d.log_prob(t64([0.0, 1.0])).numpy(), [0.0, 0.0], atol=1e-12)
    assert d.sample((50,)).numpy().mean(0).tolist() == [0.0, 1.0]


def test_bernoulli_enumerate_support():
    d = Bernoulli(probs=lucid.tensor([0.3, 0.6]))
    assert d.enumerate_support().tolist() == [[0.0, 0.0], [1.0, 1.0]]
    assert d.enumerate_support(expand=False).shape == (2, 1)


def test_categorical_log_prob_entropy_sample():
    p = np.array([[0.1, 0.2, 0.7], [0.5, 0.25, 0.25]])
    d = Categorical(probs=t64(p * 3))  # unnormalised probs are normalised
    assert d.batch_shape == (2,) and d.event_shape == ()
    np.testing.assert_allclose(d.probs.numpy(), p, rtol=1e-12)
    np.testing.assert_allclose(d.log_prob(lucid.tensor([2, 0])).numpy(), np.log([0.7, 0.5]), rtol=1e-6)
    # broadcasting values against the batch
    np.testing.assert_allclose(d.log_prob(lucid.tensor([[0], [1]])).numpy(), np.log([[0.1, 0.5], [0.2, 0.25]]),
                               rtol=1e-6)
    np.testing.assert_allclose(d.entropy().numpy(), -(p * np.log(p)).sum(-1), rtol=1e-6)
    s = d.sample((30000,)).numpy()
    assert s.shape == (30000, 2) and s.dtype == np.int64
    freq = np.stack([(s == k).mean(0) for k in range(3)], -1)
    np.testing.assert_allclose(freq, p, atol=0.015)
    assert d.enumerate_support().shape == (3, 2)


def test_categorical_logits_are_normalised_and_zero_probs_have_finite_entropy():
    d = Categorical(logits=t64([0.0, math.log(3.0), -math.inf]))
    np.testing.assert_allclose(d.probs.numpy(), [0.25, 0.75, 0.0], atol=1e-12)
    h = d.entropy().item()
    assert h == pytest.approx(-(0.25 * math.log(0.25) + 0.75 * math.log(0.75)))
    assert (d.sample((200,)).numpy() != 2).all()


def test_categorical_log_prob_gradient():
    logits = t64([0.3, -0.2, 1.0], requires_grad=True)
    Categorical(logits=logits).log_prob(lucid.tensor(1)).backward()
    p = np.exp([0.3, -0.2, 1.0])
    p /= p.sum()
    np.testing.assert_allclose(logits.grad.numpy(), np.eye(3)[1] - p, rtol=1e-6)


def test_one_hot_categorical():
    p = np.array([0.2, 0.3, 0.5])
    d = OneHotCategorical(probs=t64(p))
    assert d.event_shape == (3,) and d.batch_shape == ()
    s = d.sample((20000,)).numpy()
    assert s.shape == (20000, 3) and (s.sum(-1) == 1).all()
    np.testing.assert_allclose(s.mean(0), p, atol=0.015)
    np.testing.assert_allclose(d.log_prob(t64(np.eye(3))).numpy(), np.log(p), rtol=1e-6)
    np.testing.assert_allclose(d.variance.numpy(), p * (1 - p), rtol=1e-6)
    assert d.enumerate_support().tolist() == np.eye(3).tolist()
    assert d.mode.tolist() == [0.0, 0.0, 1.0]


def test_binomial():
    n, p = np.array([10.0, 4.0]), np.array([0.3, 0.8])
    d = Binomial(t64(n), probs=t64(p))
    k = np.array([[3.0, 4.0], [0.0, 2.0]])
    binom = np.vectorize(lambda n, k: math.log(math.comb(int(n), int(k))))
    ref = binom(n, k) + k * np.log(p) + (n - k) * np.log(1 - p)
    np.testing.assert_allclose(d.log_prob(t64(k)).numpy(), ref, rtol=1e-6)
    d2 = Binomial(t64(n), logits=t64(np.log(p / (1 - p))))
    np.testing.assert_allclose(d2.log_prob(t64(k)).numpy(), ref, rtol=1e-6)
    np.testing.assert_allclose(d.mean.numpy(), n * p)
    np.testing.assert_allclose(d.variance.numpy(), n * p * (1 - p))
    s = d.sample((20000,)).numpy()
    assert ((s >= 0) & (s <= n) & (s == np.round(s))).all()
    np.testing.assert_allclose(s.mean(0), n * p, atol=0.05)
    np.testing.assert_allclose(s.var(0), n * p * (1 - p), rtol=0.05)
    # a Python total_count needs no host read and trials beyond one chunk are summed
    big = Binomial(3000, probs=0.5).sample((200,)).numpy()
    assert abs(big.mean() - 1500) < 5 * math.sqrt(750 / 200)


def test_poisson():
    rate = np.array([0.5, 4.0, 25.0, 300.0])
    d = Poisson(t64(rate))
    k = np.array([0.0, 3.0, 20.0, 310.0])
    lgam = np.vectorize(math.lgamma)
    np.testing.assert_allclose(d.log_prob(t64(k)).numpy(), k * np.log(rate) - rate - lgam(k + 1), rtol=1e-6)
    s = d.sample((40000,)).numpy()
    assert ((s >= 0) & (s == np.round(s))).all()
    for j, r in enumerate(rate):
        assert abs(s[:, j].mean() - r) < 5 * math.sqrt(r / 40000) + 1e-3
        assert s[:, j].var() == pytest.approx(r, rel=0.05)
    # exact frequencies for a small rate (inversion branch) and the zero rate
    assert (s[:, 0] == 0).mean() == pytest.approx(math.exp(-0.5), abs=0.01)
    assert Poisson(0.0).sample((10,)).tolist() == [0.0] * 10


def test_poisson_pmf_frequencies_large_rate():
    # PTRS branch: frequencies of a few counts around the mean match the pmf
    s = Poisson(15.0).sample((100000,)).numpy()
    for k in (10, 15, 20):
        pmf = math.exp(k * math.log(15.0) - 15.0 - math.lgamma(k + 1))
        assert (s == k).mean() == pytest.approx(pmf, abs=0.004)


def test_relaxed_bernoulli():
    temp, p = 0.5, np.array([0.3, 0.8])
    d = RelaxedBernoulli(t64(temp), probs=t64(p))
    x = np.array([0.2, 0.9])
    logits = np.log(p / (1 - p))
    # density of the Concrete(binary) distribution on (0, 1)
    ref = (np.log(temp) + logits - (temp + 1) * np.log(x) - (temp + 1) * np.log1p(-x)
           - 2 * np.log(np.exp(logits) * x ** -temp + (1 - x) ** -temp))
    np.testing.assert_allclose(d.log_prob(t64(x)).numpy(), ref, rtol=1e-6)
    probs = t64(p, requires_grad=True)
    s = RelaxedBernoulli(t64(temp), probs=probs).rsample((1000,))
    assert ((s.numpy() > 0) & (s.numpy() < 1)).all()
    s.sum().backward()
    assert (probs.grad.numpy() > 0).all()  # larger p pushes samples towards 1
    # low temperature: samples concentrate near {0, 1} with frequency p
    cold = RelaxedBernoulli(t64(0.01), probs=t64(p)).sample((20000,)).numpy()
    np.testing.assert_allclose((cold > 0.5).mean(0), p, atol=0.015)


def test_relaxed_one_hot_categorical():
    temp, p = 0.7, np.array([0.2, 0.3, 0.5])
    d = RelaxedOneHotCategorical(t64(temp), probs=t64(p))
    assert d.event_shape == (3,)
    x = np.array([0.1, 0.3, 0.6])
    k = 3
    # Concrete density: (k-1)! t^(k-1) prod(p_i x_i^(-t-1)) / (sum p_i x_i^-t)^k
    ref = (math.lgamma(k) + (k - 1) * math.log(temp) + np.sum(np.log(p) - (temp + 1) * np.log(x))
           - k * np.log(np.sum(p * x ** -temp)))
    assert d.log_prob(t64(x)).item() == pytest.approx(ref, rel=1e-6)
    s = d.rsample((5000,)).numpy()
    np.testing.assert_allclose(s.sum(-1), 1.0, atol=1e-6)
    cold = RelaxedOneHotCategorical(t64(0.01), probs=t64(p)).sample((20000,)).numpy()
    np.testing.assert_allclose(np.bincount(cold.argmax(-1), minlength=3) / 20000, p, atol=0.015)


def test_poisson_samples_are_lucid_poisson_draws():
    # one sampler for the distribution and the op: the same seed gives the same counts
    rate = lucid.tensor([[0.5, 4.0, 25.0, 3e4]])
    lucid.manual_seed(3)
    s = Poisson(rate).sample((5,))
    lucid.manual_seed(3)
    ref = lucid.poisson(lucid.broadcast_to(rate, (5, 1, 4)))
    assert s.shape == (5, 1, 4) and s.dtype == lucid.float32
    assert s.tolist() == ref.tolist()


# The families parameterised by one of probs/logits (binary), with the other derived from it.
BINARY_FAMILIES = {
    "Bernoulli": lambda **kw: lucid.distributions.Bernoulli(**kw),
    "Geometric": lambda **kw: lucid.distributions.Geometric(**kw),
    "Binomial": lambda **kw: lucid.distributions.Binomial(4, **kw),
    "LogitRelaxedBernoulli": lambda **kw: lucid.distributions.LogitRelaxedBernoulli(0.5, **kw),
}


@pytest.mark.parametrize("name", list(BINARY_FAMILIES))
def test_probs_or_logits_families_derive_the_other_and_check_the_given_one(name):
    make = BINARY_FAMILIES[name]
    p = np.array([0.2, 0.5, 0.9])
    logit = np.log(p / (1 - p))
    by_probs = make(probs=lucid.tensor(p, dtype=lucid.float64))
    by_logits = make(logits=lucid.tensor(logit, dtype=lucid.float64))
    assert "logits" not in by_probs.__dict__ and "probs" not in by_logits.__dict__  # derived when first read
    for d in (by_probs, by_logits):
        assert d.batch_shape == (3,) and d.param_shape == (3,)
        np.testing.assert_allclose(d.probs.numpy(), p, rtol=1e-12)
        np.testing.assert_allclose(d.logits.numpy(), logit, rtol=1e-12)
    with pytest.raises(ValueError, match="probs"):
        make(probs=1.5)  # a plain number is checked at once
    d = make(probs=lucid.tensor([1.5]))  # a Tensor is checked at the next sync point
    with pytest.raises(ValueError, match="probs"):
        d.probs.tolist()
    with pytest.raises(ValueError, match=r"[Ee]ither `probs` or `logits` must be specified, but not both"):
        make(probs=0.5, logits=0.0)
    with pytest.raises(ValueError, match=r"[Ee]ither `probs` or `logits` must be specified, but not both"):
        make()
