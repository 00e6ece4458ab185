"""Shapes, expand, argument validation (eager and deferred), wrappers and transforms."""

from __future__ import annotations

import math

import numpy as np
import pytest

import lucid
from lucid._backend import checks
from lucid.distributions import (
    Bernoulli,
    Beta,
    Categorical,
    Dirichlet,
    Distribution,
    Exponential,
    Gamma,
    Independent,
    Laplace,
    LogNormal,
    MixtureSameFamily,
    MultivariateNormal,
    Normal,
    Poisson,
    StudentT,
    TransformedDistribution,
    Uniform,
    constraints,
)
from lucid.distributions.transforms import (
    AffineTransform,
    ComposeTransform,
    ExpTransform,
    PowerTransform,
    SigmoidTransform,
    SoftmaxTransform,
    StickBreakingTransform,
    TanhTransform,
)

F64 = lucid.float64


def t64(x, requires_grad=False):
    return lucid.tensor(np.asarray(x, dtype=np.float64), dtype=F64, requires_grad=requires_grad)


@pytest.fixture(autouse=True)
def _no_leftover_checks():
    yield
    checks._state.checks = []


# -- shapes --------------------------------------------------------------------------
def test_shapes_of_samples_and_log_prob():
    d = Normal(lucid.zeros(3, 1), lucid.ones(4))
    assert d.batch_shape == (3, 4) and d.event_shape == ()
    assert d.sample((2, 5)).shape == (2, 5, 3, 4)
    assert d.rsample(2).shape == (2, 3, 4)
    assert d.sample_n(7).shape == (7, 3, 4)
    assert d.log_prob(lucid.zeros(4)).shape == (3, 4)
    assert d.log_prob(lucid.zeros(6, 1, 1)).shape == (6, 3, 4)
    mvn = MultivariateNormal(lucid.zeros(2, 3), scale_tril=lucid.eye(3))
    assert mvn.batch_shape == (2,) and mvn.event_shape == (3,)
    assert mvn.sample((4,)).shape == (4, 2, 3) and mvn.log_prob(mvn.sample((4,))).shape == (4, 2)


def test_expand():
    d = Normal(t64([0.0, 1.0]), 1.0).expand((3, 2))
    assert d.batch_shape == (3, 2) and d.sample().shape == (3, 2)
    assert d.loc.shape == (3, 2)
    c = Categorical(probs=lucid.tensor([0.5, 0.5])).expand((4,))
    assert c.batch_shape == (4,) and c.sample().shape == (4,) and c.logits.shape == (4, 2)
    ln = LogNormal(0.0, 1.0).expand((2,))
    assert isinstance(ln, LogNormal) and ln.sample().shape == (2,)
    dd = Dirichlet(lucid.ones(3)).expand((5,))
    assert dd.batch_shape == (5,) and dd.event_shape == (3,)
    with pytest.raises(ValueError):
        Normal(t64([0.0, 1.0]), 1.0).expand((3,))


def test_every_family_that_lists_its_batch_params_expands_them():
    # Distribution.expand broadcasts the parameters a family lists in _batch_params (one table per family).
    d = lucid.distributions
    cases = [d.Normal(0.0, 1.0), d.Laplace(0.0, 1.0), d.Gumbel(0.0, 1.0), d.Uniform(0.0, 1.0), d.Exponential(2.0),
             d.StudentT(3.0), d.Bernoulli(probs=0.3), d.Binomial(5, probs=0.5), d.Poisson(2.0), d.Gamma(2.0, 1.0),
             d.Chi2(3.0), d.Beta(2.0, 3.0), d.LogitRelaxedBernoulli(0.5, probs=0.3)]
    for dist in cases:
        new = dist.expand((4,))
        assert type(new) is type(dist) and new.batch_shape == (4,), type(dist).__name__
        for name in type(dist)._batch_params:
            if name in dist.__dict__:
                assert new.__dict__[name].shape == (4,), (type(dist).__name__, name)
    assert d.Binomial(5, probs=0.5).expand((2,)).sample().shape == (2,)  # the extra state (_max_count) is kept


def _every_family(validate_args):
    d = lucid.distributions
    v = {"validate_args": validate_args}
    p2 = lucid.tensor([0.25, 0.75])
    return [d.Normal(0.0, 1.0, **v), d.Exponential(2.0, **v), d.Bernoulli(probs=0.3, **v),
            d.Geometric(probs=0.3, **v), d.Binomial(5, probs=0.5, **v), d.Categorical(probs=p2, **v),
            d.OneHotCategorical(probs=p2, **v), d.Multinomial(3, probs=p2, **v),
            d.LogitRelaxedBernoulli(0.5, probs=0.3, **v), d.RelaxedBernoulli(0.5, logits=0.3, **v),
            d.ExpRelaxedCategorical(0.5, probs=p2, **v), d.RelaxedOneHotCategorical(0.5, probs=p2, **v),
            d.LogNormal(0.0, 1.0, **v), d.Independent(d.Normal(lucid.zeros(2), 1.0), 1, validate_args=validate_args),
            d.MixtureSameFamily(d.Categorical(probs=p2), d.Normal(lucid.zeros(2), 1.0), **v)]


@pytest.mark.parametrize("validate_args", [None, True, False])
def test_every_family_keeps_its_validation_setting_and_event_shape_through_expand(validate_args):
    expected = validate_args is not False  # None: the default, which is on
    for dist in _every_family(validate_args):
        name = type(dist).__name__
        assert dist._validate_args is expected, name
        new = dist.expand((3,) + dist.batch_shape)
        assert type(new) is type(dist) and new._validate_args is expected, name
        assert new.batch_shape == (3,) + dist.batch_shape and new.event_shape == dist.event_shape, name
        assert new.sample().shape == (3,) + dist.batch_shape + dist.event_shape, name


def test_one_hot_categorical_checks_values_against_its_support_by_default():
    d = lucid.distributions.OneHotCategorical(probs=lucid.tensor([0.25, 0.75]))
    with pytest.raises(ValueError, match="support"):
        d.log_prob([0.5, 0.5])
    assert round(d.log_prob(lucid.tensor([0.0, 1.0])).item(), 4) == round(math.log(0.75), 4)


def test_a_subclass_with_its_own_init_must_define_expand():
    # PyTorch's rule: expand cannot know how to rebuild a subclass whose __init__ differs from its family's.
    class Shifted(lucid.distributions.Normal):
        def __init__(self, loc):
            super().__init__(loc, 1.0)

    with pytest.raises(NotImplementedError, match="custom .expand"):
        Shifted(0.0).expand((2,))

    class Cold(lucid.distributions.RelaxedBernoulli):
        def __init__(self, probs):
            super().__init__(0.1, probs=probs)

    with pytest.raises(NotImplementedError, match="subclass Cold of RelaxedBernoulli .* custom .expand"):
        Cold(0.5).expand((2,))

    class Plain(lucid.distributions.RelaxedOneHotCategorical):  # no __init__ of its own: expand works
        pass

    new = Plain(0.5, probs=lucid.tensor([0.5, 0.5])).expand((3,))
    assert type(new) is Plain and new.batch_shape == (3,) and new.temperature.item() == 0.5


def test_sample_has_no_gradient_rsample_has():
    loc = lucid.zeros(2, requires_grad=True)
    d = Normal(loc, 1.0)
    assert not d.sample().requires_grad
    assert d.rsample().requires_grad
    with pytest.raises(NotImplementedError):
        Bernoulli(probs=0.5).rsample()
    assert not Bernoulli(probs=0.5).has_rsample and Normal(0.0, 1.0).has_rsample


def test_rsample_differentiable_through_a_vae_style_loss():
    mu = lucid.tensor([0.2, -0.3], requires_grad=True)
    log_sigma = lucid.tensor([0.0, 0.5], requires_grad=True)
    q = Normal(mu, lucid.exp(log_sigma))
    z = q.rsample((8,))
    loss = (z ** 2).mean() + lucid.distributions.kl_divergence(q, Normal(0.0, 1.0)).sum()
    loss.backward()
    assert mu.grad is not None and log_sigma.grad is not None
    assert np.isfinite(mu.grad.numpy()).all()


# -- validation ----------------------------------------------------------------------
BAD_NUMBERS = [
    (lambda: Normal(0.0, -1.0), "scale"),
    (lambda: Normal(0.0, 0.0), "scale"),
    (lambda: Normal(math.nan, 1.0), "loc"),
    (lambda: Exponential(-2.0), "rate"),
    (lambda: Laplace(0.0, -1.0), "scale"),
    (lambda: Bernoulli(probs=1.5), "probs"),
    (lambda: Categorical(probs=[0.5, -0.1]), "probs"),
    (lambda: Poisson(-1.0), "rate"),
    (lambda: Gamma(-1.0, 1.0), "concentration"),
    (lambda: Beta(1.0, 0.0), "concentration0"),
    (lambda: StudentT(-1.0), "df"),
    (lambda: Uniform(1.0, 0.0), "low"),
    (lambda: MultivariateNormal([0.0, 0.0], covariance_matrix=[[1.0, 2.0], [2.0, 1.0]]), "covariance_matrix"),
    (lambda: MultivariateNormal([0.0, 0.0], scale_tril=[[1.0, 0.0], [1.0, -1.0]]), "scale_tril"),
]


@pytest.mark.parametrize("make,name", BAD_NUMBERS, ids=[n for _, n in BAD_NUMBERS])
def test_bad_number_arguments_raise_at_once(make, name):
    with pytest.raises(ValueError, match=f"parameter {name}"):
        make()


def test_bad_tensor_argument_raises_at_the_next_sync_point():
    scale = lucid.tensor([1.0, -1.0])
    d = Normal(0.0, scale)  # no evaluation yet
    assert checks.has_pending()
    with pytest.raises(ValueError, match=r"Expected parameter scale \(Tensor of shape \(2,\)\) of distribution "
                                         r"Normal to satisfy the constraint GreaterThan\(lower_bound=0.0\)"):
        d.log_prob(lucid.tensor(0.0)).tolist()
    Normal(0.0, lucid.tensor([1.0, 2.0])).log_prob(lucid.tensor(0.0)).tolist()  # valid: nothing raised


def test_lucid_eval_reports_deferred_errors():
    d = Gamma(lucid.tensor([-1.0]), lucid.tensor([1.0]))
    with pytest.raises(ValueError, match="concentration"):
        lucid.eval(d.concentration)


def test_value_outside_support():
    with pytest.raises(ValueError, match="support"):
        Exponential(1.0).log_prob(-1.0)
    with pytest.raises(ValueError, match="support"):
        Exponential(1.0).log_prob(lucid.tensor([-1.0])).tolist()
    with pytest.raises(ValueError, match="support"):
        Bernoulli(probs=0.5).log_prob(lucid.tensor([0.5])).tolist()
    with pytest.raises(ValueError, match="support"):
        Categorical(probs=lucid.tensor([0.5, 0.5])).log_prob(lucid.tensor(2)).tolist()
    with pytest.raises(ValueError, match="support"):
        Uniform(0.0, 1.0).log_prob(lucid.tensor(1.0)).tolist()


def test_bad_value_shape():
    with pytest.raises(ValueError, match="event_shape"):
        MultivariateNormal(lucid.zeros(3), scale_tril=lucid.eye(3)).log_prob(lucid.zeros(2))
    with pytest.raises(ValueError, match="broadcastable"):
        Normal(lucid.zeros(3), 1.0).log_prob(lucid.zeros(2))


def test_validate_args_off():
    d = Normal(0.0, -1.0, validate_args=False)
    assert math.isnan(d.log_prob(lucid.tensor(0.0)).item())
    Exponential(1.0, validate_args=False).log_prob(-1.0).item()
    Distribution.set_default_validate_args(False)
    try:
        Normal(0.0, -1.0)
        assert not checks.has_pending()
    finally:
        Distribution.set_default_validate_args(True)
    with pytest.raises(ValueError):
        Normal(0.0, -1.0)
    with pytest.raises(ValueError):
        Distribution.set_default_validate_args("yes")


def test_bad_constructor_arguments():
    with pytest.raises(ValueError, match="probs.*logits"):
        Bernoulli()
    with pytest.raises(ValueError, match="probs.*logits"):
        Categorical(probs=[0.5, 0.5], logits=[0.0, 0.0])
    with pytest.raises(ValueError, match="one-dimensional"):
        Categorical(probs=lucid.tensor(1.0))
    with pytest.raises(ValueError, match="Exactly one"):
        MultivariateNormal(lucid.zeros(2))
    with pytest.raises(ValueError):
        MultivariateNormal(lucid.zeros(2), covariance_matrix=lucid.eye(3))
    with pytest.raises(TypeError):
        Normal("a", 1.0)
    with pytest.raises(ValueError):
        Normal(lucid.zeros(2), lucid.ones(3))
    with pytest.raises(ValueError):
        Independent(Normal(0.0, 1.0), 1)
    with pytest.raises(TypeError):
        Normal(0.0, 1.0).sample("3")


def test_constraints():
    x = lucid.tensor([-1.0, 0.0, 0.5, 1.0, math.nan])
    assert constraints.real.check(x).tolist() == [True, True, True, True, False]
    assert constraints.positive.check(x).tolist()[:4] == [False, False, True, True]
    assert constraints.nonnegative.check(x).tolist()[:4] == [False, True, True, True]
    assert constraints.unit_interval.check(x).tolist()[:4] == [False, True, True, True]
    assert constraints.half_open_interval(0.0, 1.0).check(x).tolist()[:4] == [False, True, True, False]
    assert constraints.boolean.check(x).tolist()[:4] == [False, True, False, True]
    assert constraints.nonnegative_integer.check(x).tolist()[:4] == [False, True, False, True]
    assert constraints.simplex.check(lucid.tensor([[0.3, 0.7], [0.5, 0.6]])).tolist() == [True, False]
    assert constraints.one_hot.check(lucid.tensor([[0.0, 1.0], [1.0, 1.0]])).tolist() == [True, False]
    assert constraints.lower_cholesky.check(lucid.tensor([[1.0, 0.0], [2.0, 3.0]])).item() is True
    assert constraints.positive_definite.check(lucid.tensor([[2.0, 1.0], [1.0, 2.0]])).item() is True
    assert constraints.positive_definite.check(lucid.tensor([[1.0, 2.0], [2.0, 1.0]])).item() is False
    assert constraints.independent(constraints.positive, 1).check(lucid.tensor([[1.0, 2.0], [1.0, -1.0]])).tolist() \
        == [True, False]
    assert constraints.is_dependent(Uniform.arg_constraints["low"])
    assert repr(constraints.greater_than(2.0)) == "GreaterThan(lower_bound=2.0)"


# -- wrappers --------------------------------------------------------------------------
def test_independent():
    base = Normal(t64([[0.0, 1.0, 2.0]]), t64([[1.0, 2.0, 0.5]]))
    d = Independent(base, 1)
    assert d.batch_shape == (1,) and d.event_shape == (3,)
    x = t64([[0.5, 0.5, 0.5]])
    np.testing.assert_allclose(d.log_prob(x).numpy(), base.log_prob(x).numpy().sum(-1))
    np.testing.assert_allclose(d.entropy().numpy(), base.entropy().numpy().sum(-1))
    assert d.sample((4,)).shape == (4, 1, 3) and d.has_rsample


def test_transformed_distribution_log_prob_cdf_icdf():
    # y = exp(1 + 2x), x ~ N(0, 1): log y ~ N(1, 2)
    d = TransformedDistribution(Normal(t64(0.0), t64(1.0)), [AffineTransform(1.0, 2.0), ExpTransform()])
    ref = LogNormal(t64(1.0), t64(2.0))
    y = t64([0.5, 2.0, 7.0])
    np.testing.assert_allclose(d.log_prob(y).numpy(), ref.log_prob(y).numpy(), rtol=1e-6)
    np.testing.assert_allclose(d.cdf(y).numpy(), ref.cdf(y).numpy(), rtol=1e-6)
    np.testing.assert_allclose(d.icdf(t64([0.2, 0.7])).numpy(), ref.icdf(t64([0.2, 0.7])).numpy(), rtol=1e-5)
    # a decreasing transform flips the cdf
    neg = TransformedDistribution(Normal(t64(0.0), t64(1.0)), [AffineTransform(0.0, -1.0)])
    assert neg.cdf(t64(1.0)).item() == pytest.approx(Normal(t64(0.0), t64(1.0)).cdf(t64(1.0)).item())
    assert d.support is constraints.positive or repr(d.support) == "GreaterThan(lower_bound=0.0)"


def test_tanh_squashed_gaussian_log_prob_integrates_to_one():
    d = TransformedDistribution(Normal(t64(0.3), t64(0.8)), [TanhTransform()])
    grid = np.linspace(-0.9999, 0.9999, 200001)
    dens = np.exp(d.log_prob(t64(grid)).numpy())
    assert np.trapezoid(dens, grid) == pytest.approx(1.0, abs=1e-3)


def test_mixture_same_family():
    w = np.array([0.3, 0.7])
    mu, sd = np.array([-1.0, 2.0]), np.array([0.5, 1.0])
    d = MixtureSameFamily(Categorical(probs=t64(w)), Normal(t64(mu), t64(sd)))
    x = np.array([-1.0, 0.0, 2.5])
    pdf = (w * np.exp(-0.5 * ((x[:, None] - mu) / sd) ** 2) / (sd * np.sqrt(2 * np.pi))).sum(-1)
    np.testing.assert_allclose(d.log_prob(t64(x)).numpy(), np.log(pdf), rtol=1e-6)
    mean = (w * mu).sum()
    var = (w * (sd ** 2 + mu ** 2)).sum() - mean ** 2
    assert d.mean.item() == pytest.approx(mean) and d.variance.item() == pytest.approx(var)
    s = d.sample((50000,)).numpy()
    assert s.shape == (50000,)
    assert s.mean() == pytest.approx(mean, abs=0.03) and s.var() == pytest.approx(var, rel=0.05)
    # a batch of mixtures of 2-d diagonal Gaussians
    comp = Independent(Normal(lucid.zeros(4, 3, 2), lucid.ones(4, 3, 2)), 1)
    mix = MixtureSameFamily(Categorical(logits=lucid.zeros(4, 3)), comp)
    assert mix.batch_shape == (4,) and mix.event_shape == (2,)
    assert mix.sample((5,)).shape == (5, 4, 2) and mix.log_prob(lucid.zeros(4, 2)).shape == (4,)
    with pytest.raises(ValueError):
        MixtureSameFamily(Categorical(probs=lucid.ones(3)), Normal(lucid.zeros(2), 1.0))


# -- transforms -------------------------------------------------------------------------
TRANSFORMS = [ExpTransform(), AffineTransform(0.5, -2.0), SigmoidTransform(), TanhTransform(), PowerTransform(3.0),
              ComposeTransform([AffineTransform(1.0, 0.5), SigmoidTransform()])]


@pytest.mark.parametrize("t", TRANSFORMS, ids=lambda t: type(t).__name__)
def test_transform_inverse_and_log_det_by_finite_differences(t):
    x = np.array([0.3, 0.9, 1.7])
    y = t(t64(x))
    # NOTE: MLX evaluates tanh/sigmoid/exp of float64 with float32 accuracy, hence the tolerances
    np.testing.assert_allclose(t.inv(y).numpy(), x, rtol=2e-3)
    h = 1e-3
    num = (t(t64(x + h)).numpy() - t(t64(x - h)).numpy()) / (2 * h)
    np.testing.assert_allclose(t.log_abs_det_jacobian(t64(x), y).numpy(), np.log(np.abs(num)), rtol=2e-3, atol=2e-3)
    inv = t.inv
    np.testing.assert_allclose(inv.log_abs_det_jacobian(y, t64(x)).numpy(),
                               -t.log_abs_det_jacobian(t64(x), y).numpy())
    assert inv.inv is t or isinstance(t, ComposeTransform)


def test_stick_breaking_transform():
    t = StickBreakingTransform()
    x = np.array([0.2, -0.5, 1.0])
    y = t(t64(x))
    assert y.shape == (4,) and y.numpy().sum() == pytest.approx(1.0)
    np.testing.assert_allclose(t.inv(y).numpy(), x, rtol=1e-3)
    # log|det J| of x -> y[:-1] by finite differences
    h = 1e-3
    jac = np.stack([(t(t64(x + h * e)).numpy()[:-1] - t(t64(x - h * e)).numpy()[:-1]) / (2 * h)
                    for e in np.eye(3)], -1)
    assert t.log_abs_det_jacobian(t64(x), y).item() == pytest.approx(np.linalg.slogdet(jac)[1], abs=5e-3)
    assert t.forward_shape((5, 3)) == (5, 4) and t.inverse_shape((5, 4)) == (5, 3)


def test_softmax_transform():
    y = SoftmaxTransform()(lucid.tensor([0.0, math.log(3.0)]))
    np.testing.assert_allclose(y.numpy(), [0.25, 0.75], rtol=1e-6)


def test_transform_equality():
    assert ExpTransform() == ExpTransform() and ExpTransform() != SigmoidTransform()
    assert AffineTransform(1.0, 2.0) == AffineTransform(1.0, 2.0)
    assert ComposeTransform([ExpTransform()]) == ComposeTransform([ExpTransform()])


def test_families_peaked_at_loc_have_mean_and_mode_loc():
    d = lucid.distributions
    loc = t64([1.0, -2.0])
    for dist in (d.Normal(loc, 1.0), d.Laplace(loc, 2.0), d.MultivariateNormal(loc, scale_tril=lucid.eye(2, dtype=F64)),
                 d.LowRankMultivariateNormal(loc, lucid.zeros(2, 1, dtype=F64), lucid.ones(2, dtype=F64))):
        assert dist.mean.tolist() == [1.0, -2.0] and dist.mode.tolist() == [1.0, -2.0], type(dist).__name__
        with pytest.raises(AttributeError):
            dist.mean = loc
