"""Multinomial and Geometric against closed forms (math.lgamma, NumPy)."""

from __future__ import annotations

import math

import numpy as np
import pytest

import lucid
from lucid.distributions import Geometric, Multinomial

F64 = lucid.float64


def t64(x, requires_grad=False):
    return lucid.tensor(np.asarray(x, dtype=np.float64), dtype=F64, requires_grad=requires_grad)


def _multinomial_logpmf(x, p):
    n = x.sum()
    return math.lgamma(n + 1) - sum(math.lgamma(v + 1) for v in x) + sum(v * math.log(q) for v, q in zip(x, p) if v)


def test_multinomial_log_prob_mean_variance():
    p = np.array([[0.2, 0.3, 0.5], [0.6, 0.1, 0.3]])
    x = np.array([[1.0, 2.0, 3.0], [0.0, 4.0, 2.0]])
    ref = [_multinomial_logpmf(xi, pi) for xi, pi in zip(x, p)]
    for d in (Multinomial(6, probs=t64(p)), Multinomial(6, logits=t64(np.log(p) + 1.5))):
        assert d.batch_shape == (2,) and d.event_shape == (3,)
        # MLX's float64 lgamma is accurate to about 1e-8
        np.testing.assert_allclose(d.log_prob(t64(x)).numpy(), ref, rtol=1e-7)
        np.testing.assert_allclose(d.mean.numpy(), 6 * p, rtol=1e-10)
        np.testing.assert_allclose(d.variance.numpy(), 6 * p * (1 - p), rtol=1e-10)
    # An impossible category with a zero count contributes nothing (no NaN).
    d = Multinomial(2, probs=t64([0.0, 1.0]))
    assert d.log_prob(t64([0.0, 2.0])).item() == pytest.approx(0.0)


def test_multinomial_sample_and_grad():
    lucid.manual_seed(0)
    p = np.array([0.2, 0.3, 0.5])
    d = Multinomial(10, probs=t64(p))
    s = d.sample((4000,))
    assert s.shape == (4000, 3) and s.dtype == F64
    sn = s.numpy()
    assert (sn.sum(-1) == 10).all() and (sn >= 0).all()
    np.testing.assert_allclose(sn.mean(0), 10 * p, atol=0.15)
    assert Multinomial(0, probs=t64(p)).sample((2,)).tolist() == [[0.0] * 3] * 2
    assert Multinomial(3, probs=t64(p)).expand((2,)).sample().shape == (2, 3)
    logits = t64(np.log(p), requires_grad=True)
    Multinomial(5, logits=logits).log_prob(t64([1.0, 1.0, 3.0])).backward()
    # d/dlogits of sum x_i log softmax(logits)_i = x - n * softmax
    np.testing.assert_allclose(logits.grad.numpy(), np.array([1.0, 1.0, 3.0]) - 5 * p, atol=1e-6)


def test_multinomial_bad_arguments():
    with pytest.raises(TypeError):
        Multinomial(2.5, probs=t64([0.5, 0.5]))
    with pytest.raises(ValueError):
        Multinomial(-1, probs=t64([0.5, 0.5]))
    with pytest.raises(ValueError):
        Multinomial(3)
    with pytest.raises(ValueError):
        Multinomial(2, probs=t64([0.5, 0.5])).log_prob(t64([0.5, 1.5])).tolist()
    with pytest.raises(NotImplementedError):
        Multinomial(2, probs=t64([0.5, 0.5])).entropy()


def test_geometric_closed_forms():
    p = np.array([0.1, 0.5, 0.9, 1.0])
    k = np.array([3.0, 0.0, 2.0, 0.0])
    ref = k * np.log1p(-np.where(p == 1, 0, p)) + np.log(p)
    d = Geometric(probs=t64(p))
    np.testing.assert_allclose(d.log_prob(t64(k)).numpy(), ref, rtol=1e-10)
    np.testing.assert_allclose(d.mean.numpy(), 1 / p - 1, rtol=1e-10)
    np.testing.assert_allclose(d.variance.numpy(), (1 - p) / p**2, rtol=1e-10, atol=1e-12)
    q = p[:3]
    dl = Geometric(logits=t64(np.log(q / (1 - q))))
    # softplus goes through MLX's log1p, accurate to about 1e-8 in float64
    np.testing.assert_allclose(dl.log_prob(t64(k[:3])).numpy(), ref[:3], rtol=1e-7)
    ent = -(q * np.log(q) + (1 - q) * np.log(1 - q)) / q
    np.testing.assert_allclose(dl.entropy().numpy(), ent, rtol=1e-7)
    np.testing.assert_allclose(Geometric(probs=t64(q)).entropy().numpy(), ent, rtol=1e-7)
    assert d.mode.tolist() == [0.0] * 4


def test_geometric_sample_and_grad():
    lucid.manual_seed(1)
    d = Geometric(probs=t64([0.25, 1.0]))
    s = d.sample((20000,)).numpy()
    assert s.shape == (20000, 2) and (s >= 0).all() and (s == np.floor(s)).all()
    assert (s[:, 1] == 0).all()
    np.testing.assert_allclose(s[:, 0].mean(), 3.0, rtol=0.05)
    probs = t64([0.3], requires_grad=True)
    Geometric(probs=probs).log_prob(t64([2.0])).sum().backward()
    np.testing.assert_allclose(probs.grad.numpy(), [-2 / 0.7 + 1 / 0.3], rtol=1e-10)
    assert Geometric(probs=0.5).expand((3,)).sample().shape == (3,)


def test_geometric_bad_arguments():
    with pytest.raises(ValueError):
        Geometric()
    with pytest.raises(ValueError):
        Geometric(probs=1.5)
    with pytest.raises(ValueError):
        Geometric(probs=0.5).log_prob(lucid.tensor([-1.0])).tolist()
