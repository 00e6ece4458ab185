"""Univariate continuous distributions against closed forms written out with math/NumPy.

Each row of ``CASES`` builds a distribution (float64 parameters, a batch of
two) and gives the reference log density, cdf, mean, variance and entropy as
NumPy functions of the same parameters. Generic tests then check
``log_prob``/``cdf``/``icdf``/moments/entropy, sample moments, the entropy as
a Monte Carlo average of ``-log_prob``, and ``rsample`` gradients against
finite differences at a fixed seed (the same noise).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pytest

import lucid
from lucid.distributions import Cauchy, Exponential, Gumbel, Laplace, LogNormal, Normal, StudentT, Uniform

F64 = lucid.float64
EG = 0.5772156649015329
_lgamma = np.vectorize(math.lgamma)
_erf = np.vectorize(math.erf)
# NOTE: MLX computes exp/erf/sin of float64 arrays with float32 accuracy on the CPU, so finite
# differences use a step large enough that float32 rounding stays below the tolerance.
H = 1e-3


def t64(x, requires_grad=False):
    return lucid.tensor(np.asarray(x, dtype=np.float64), dtype=F64, requires_grad=requires_grad)


def digamma_ref(x):
    x = np.asarray(x, dtype=np.float64)
    h = 1e-5
    return (_lgamma(x + h) - _lgamma(x - h)) / (2 * h)


@dataclass
class Case:
    name: str
    make: Callable  # (*param tensors) -> Distribution
    params: tuple  # NumPy arrays
    values: np.ndarray  # points for log_prob/cdf, shape (3, 2)
    log_prob: Callable
    cdf: Callable | None
    mean: Callable | None
    var: Callable | None
    entropy: Callable | None
    rsample: bool = True
    heavy_tail: bool = False


def _t_logpdf(x, df, loc, scale):
    y = (x - loc) / scale
    return (_lgamma((df + 1) / 2) - _lgamma(df / 2) - 0.5 * np.log(df * np.pi) - np.log(scale)
            - (df + 1) / 2 * np.log1p(y * y / df))


CASES = [
    Case("Normal", Normal, (np.array([0.5, -1.0]), np.array([1.5, 0.3])),
         np.array([[0.1, -1.2], [2.0, -0.9], [-3.0, 0.0]]),
         lambda x, m, s: -0.5 * ((x - m) / s) ** 2 - np.log(s) - 0.5 * np.log(2 * np.pi),
         lambda x, m, s: 0.5 * (1 + _erf((x - m) / (s * np.sqrt(2)))),
         lambda m, s: m, lambda m, s: s ** 2, lambda m, s: 0.5 + 0.5 * np.log(2 * np.pi) + np.log(s)),
    Case("LogNormal", LogNormal, (np.array([0.2, -0.5]), np.array([0.5, 0.3])),
         np.array([[0.5, 0.7], [1.3, 0.2], [3.0, 1.0]]),
         lambda x, m, s: -0.5 * ((np.log(x) - m) / s) ** 2 - np.log(s * x) - 0.5 * np.log(2 * np.pi),
         lambda x, m, s: 0.5 * (1 + _erf((np.log(x) - m) / (s * np.sqrt(2)))),
         lambda m, s: np.exp(m + s ** 2 / 2), lambda m, s: (np.exp(s ** 2) - 1) * np.exp(2 * m + s ** 2),
         lambda m, s: 0.5 + 0.5 * np.log(2 * np.pi) + np.log(s) + m),
    Case("Uniform", Uniform, (np.array([-1.0, 2.0]), np.array([3.0, 2.5])),
         np.array([[0.0, 2.1], [2.9, 2.4], [-0.5, 2.2]]),
         lambda x, a, b: -np.log(b - a) + 0 * x,
         lambda x, a, b: (x - a) / (b - a),
         lambda a, b: (a + b) / 2, lambda a, b: (b - a) ** 2 / 12, lambda a, b: np.log(b - a)),
    Case("Exponential", Exponential, (np.array([0.7, 3.0]),),
         np.array([[0.1, 0.5], [2.0, 0.01], [5.0, 1.0]]),
         lambda x, r: np.log(r) - r * x, lambda x, r: 1 - np.exp(-r * x),
         lambda r: 1 / r, lambda r: 1 / r ** 2, lambda r: 1 - np.log(r)),
    Case("Laplace", Laplace, (np.array([0.5, -1.0]), np.array([1.5, 0.3])),
         np.array([[0.1, -1.2], [2.0, -0.9], [-3.0, 0.0]]),
         lambda x, m, b: -np.log(2 * b) - np.abs(x - m) / b,
         lambda x, m, b: np.where(x < m, 0.5 * np.exp((x - m) / b), 1 - 0.5 * np.exp(-(x - m) / b)),
         lambda m, b: m, lambda m, b: 2 * b ** 2, lambda m, b: 1 + np.log(2 * b)),
    Case("Cauchy", Cauchy, (np.array([0.5, -1.0]), np.array([1.5, 0.3])),
         np.array([[0.1, -1.2], [2.0, -0.9], [-3.0, 0.0]]),
         lambda x, m, s: -np.log(np.pi * s * (1 + ((x - m) / s) ** 2)),
         lambda x, m, s: np.arctan((x - m) / s) / np.pi + 0.5,
         None, None, lambda m, s: np.log(4 * np.pi * s), heavy_tail=True),
    Case("Gumbel", Gumbel, (np.array([0.5, -1.0]), np.array([1.5, 0.3])),
         np.array([[0.1, -1.2], [2.0, -0.9], [-3.0, 0.0]]),
         lambda x, m, b: -((x - m) / b + np.exp(-(x - m) / b)) - np.log(b),
         lambda x, m, b: np.exp(-np.exp(-(x - m) / b)),
         lambda m, b: m + b * EG, lambda m, b: (np.pi * b) ** 2 / 6, lambda m, b: np.log(b) + EG + 1),
    Case("StudentT", StudentT, (np.array([5.0, 9.0]), np.array([0.5, -1.0]), np.array([1.5, 0.3])),
         np.array([[0.1, -1.2], [2.0, -0.9], [-3.0, 0.0]]),
         _t_logpdf, None,
         lambda df, m, s: m, lambda df, m, s: s ** 2 * df / (df - 2),
         lambda df, m, s: (np.log(s) + (df + 1) / 2 * (digamma_ref((df + 1) / 2) - digamma_ref(df / 2))
                           + 0.5 * np.log(df) + _lgamma(df / 2) + _lgamma(0.5) - _lgamma((df + 1) / 2)),
         heavy_tail=True),
]
IDS = [c.name for c in CASES]


def build(case, requires_grad=False):
    params = [t64(p, requires_grad) for p in case.params]
    return case.make(*params), params


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_log_prob_cdf_moments_entropy(case):
    d, _ = build(case)
    assert d.batch_shape == (2,) and d.event_shape == ()
    x = case.values
    np.testing.assert_allclose(d.log_prob(t64(x)).numpy(), case.log_prob(x, *case.params), rtol=1e-6, atol=1e-8)
    if case.cdf is not None:
        np.testing.assert_allclose(d.cdf(t64(x)).numpy(), case.cdf(x, *case.params), rtol=1e-5, atol=1e-7)
    if case.mean is not None:
        np.testing.assert_allclose(d.mean.numpy(), case.mean(*case.params), rtol=1e-6)
        np.testing.assert_allclose(d.variance.numpy(), case.var(*case.params), rtol=1e-6)
        np.testing.assert_allclose(d.stddev.numpy(), np.sqrt(case.var(*case.params)), rtol=1e-6)
    np.testing.assert_allclose(d.entropy().numpy(), case.entropy(*case.params), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("case", [c for c in CASES if c.cdf is not None], ids=lambda c: c.name)
def test_icdf_inverts_cdf(case):
    d, _ = build(case)
    q = np.array([[0.1, 0.25], [0.5, 0.7], [0.9, 0.99]])
    x = d.icdf(t64(q))
    np.testing.assert_allclose(d.cdf(x).numpy(), q, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_sample_shapes_and_moments(case):
    d, _ = build(case)
    n = 40000
    s = d.sample((n,))
    assert s.shape == (n, 2) and s.dtype == F64 and not s.requires_grad
    assert d.sample().shape == (2,) and d.sample((3, 4)).shape == (3, 4, 2)
    a = s.numpy()
    if case.heavy_tail and case.mean is None:
        # Cauchy: compare the sample median and quartiles with the quantiles
        for q in (0.25, 0.5, 0.75):
            np.testing.assert_allclose(np.quantile(a, q, axis=0), d.icdf(t64([q, q])).numpy(),
                                       atol=0.05 * case.params[1].max() * 4)
        return
    mean, var = case.mean(*case.params), case.var(*case.params)
    assert np.all(np.abs(a.mean(0) - mean) <= 5 * np.sqrt(var / n) + 1e-3), (a.mean(0), mean)
    np.testing.assert_allclose(a.var(0), var, rtol=0.1 if case.heavy_tail else 0.05)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_entropy_is_monte_carlo_average_of_log_prob(case):
    d, _ = build(case)
    lp = d.log_prob(d.sample((40000,))).numpy()
    np.testing.assert_allclose(-lp.mean(0), d.entropy().numpy(), atol=6 * lp.std(0).max() / 200 + 1e-3)


@pytest.mark.parametrize("case", [c for c in CASES if c.rsample], ids=IDS)
def test_rsample_gradient_matches_finite_differences(case):
    """d/dtheta sum(w * rsample()) at a fixed seed (fixed noise), against central differences."""
    w = np.array([[0.3, -1.1], [0.7, 0.4], [-0.2, 0.9]])
    grad_params = range(1, len(case.params)) if case.name == "StudentT" else range(len(case.params))

    def f(params):
        lucid.manual_seed(123)
        d = case.make(*params)
        return (d.rsample((3,)) * t64(w)).sum()

    params = [t64(p, requires_grad=True) for p in case.params]
    f(params).backward()
    for i in grad_params:
        num = np.zeros_like(case.params[i])
        for j in range(case.params[i].size):
            vals = []
            for h in (H, -H):
                p = [np.array(q, copy=True) for q in case.params]
                p[i][j] += h
                vals.append(f([t64(q) for q in p]).item())
            num[j] = (vals[0] - vals[1]) / (2 * H)
        np.testing.assert_allclose(params[i].grad.numpy(), num, rtol=2e-3, atol=1e-3)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_log_prob_gradient_matches_finite_differences(case):
    x = t64(case.values)

    def f(params):
        return (case.make(*params).log_prob(x) * t64([[0.2, -0.5], [1.0, 0.3], [0.6, 0.8]])).sum()

    params = [t64(p, requires_grad=True) for p in case.params]
    f(params).backward()
    for i in range(len(case.params)):
        num = np.zeros_like(case.params[i])
        for j in range(case.params[i].size):
            vals = []
            for h in (H, -H):
                p = [np.array(q, copy=True) for q in case.params]
                p[i][j] += h
                vals.append(f([t64(q) for q in p]).item())
            num[j] = (vals[0] - vals[1]) / (2 * H)
        np.testing.assert_allclose(params[i].grad.numpy(), num, rtol=2e-3, atol=1e-3)


def test_normal_rsample_is_loc_plus_scale_eps():
    lucid.manual_seed(5)
    eps = lucid.randn(4)
    lucid.manual_seed(5)
    loc, scale = lucid.tensor([1.0, 2.0, 3.0, 4.0]), lucid.tensor([0.5, 1.0, 2.0, 3.0])
    np.testing.assert_allclose(Normal(loc, scale).rsample().numpy(), (loc + scale * eps).numpy(), rtol=1e-6)


def test_seeded_sampling_is_reproducible():
    lucid.manual_seed(3)
    a = Normal(0.0, 1.0).sample((5,)).tolist()
    lucid.manual_seed(3)
    assert Normal(0.0, 1.0).sample((5,)).tolist() == a


def test_float32_parameters_stay_float32():
    d = Normal(lucid.zeros(2), 1.0)
    assert d.scale.dtype == lucid.float32 and d.sample().dtype == lucid.float32
    assert d.log_prob(lucid.zeros(2)).dtype == lucid.float32
    assert Normal(0.0, 1.0).loc.dtype == lucid.float32


def test_uniform_outside_support_without_validation():
    d = Uniform(0.0, 1.0, validate_args=False)
    assert d.log_prob(lucid.tensor([-0.5, 0.5, 1.5])).tolist() == [-math.inf, 0.0, -math.inf]
    assert d.cdf(lucid.tensor([-0.5, 2.0])).tolist() == [0.0, 1.0]


def test_student_t_variance_regimes():
    d = StudentT(t64([0.5, 1.5, 3.0]))
    v = d.variance.numpy()
    assert np.isnan(v[0]) and np.isinf(v[1]) and v[2] == pytest.approx(3.0)
    assert np.isnan(d.mean.numpy()[0])


def test_cauchy_moments_are_undefined():
    d = Cauchy(0.0, 1.0)
    assert math.isnan(d.mean.item()) and math.isinf(d.variance.item())
