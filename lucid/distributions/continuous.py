"""Univariate continuous distributions: Normal, LogNormal, Uniform, Exponential, Laplace, Cauchy, Gumbel, StudentT."""

from __future__ import annotations

import math

import lucid
from lucid.distributions import constraints
from lucid.distributions._math import (
    EULER_GAMMA,
    finfo,
    lbeta,
    open_uniform,
    standard_normal,
)
from lucid.distributions.distribution import Distribution, _delegated, _PeakAtLoc
from lucid.distributions.transforms import ExpTransform
from lucid.distributions.wrappers import TransformedDistribution
from lucid.ops.special import digamma, lgamma

__all__ = ["Normal", "LogNormal", "Uniform", "Exponential", "Laplace", "Cauchy", "Gumbel", "StudentT"]

_LOG_SQRT_2PI = 0.5 * math.log(2 * math.pi)


class _LocScale(Distribution):
    """Shared set-up of the families parameterised by ``loc`` and ``scale``."""

    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    support = constraints.real
    has_rsample = True
    _batch_params = ("loc", "scale")

    def __init__(self, loc, scale, validate_args: bool | None = None):
        self._init_params(validate_args, loc=loc, scale=scale)

    def _noise_shape(self, sample_shape):
        return self._extended_shape(sample_shape)


class Normal(_PeakAtLoc, _LocScale):
    """The normal (Gaussian) distribution with mean ``loc`` and standard deviation ``scale``.

    .. math:: p(x) = \\frac{1}{\\sigma\\sqrt{2\\pi}} e^{-(x-\\mu)^2 / 2\\sigma^2}

    ``rsample`` is ``loc + scale * eps`` with ``eps ~ N(0, 1)`` from ``lucid.random``.

    Args:
        loc: the mean.
        scale: the standard deviation (> 0).
        validate_args: check the arguments (see :class:`Distribution`).

    Examples:
        >>> import lucid
        >>> from lucid.distributions import Normal
        >>> d = Normal(0.0, 1.0)
        >>> round(d.log_prob(lucid.tensor(0.0)).item(), 4), round(d.cdf(lucid.tensor(0.0)).item(), 4)
        (-0.9189, 0.5)
    """

    @property
    def stddev(self):
        return self.scale

    @property
    def variance(self):
        return self.scale ** 2

    def rsample(self, sample_shape=()):
        eps = standard_normal(self._noise_shape(sample_shape), self.loc)
        return self.loc + eps * self.scale

    def log_prob(self, value):
        value = self._value(value)
        return -((value - self.loc) ** 2) / (2 * self.scale ** 2) - lucid.log(self.scale) - _LOG_SQRT_2PI

    def cdf(self, value):
        value = self._value(value)
        return 0.5 * (1 + lucid.erf((value - self.loc) / (self.scale * math.sqrt(2))))

    def icdf(self, value):
        value = value if isinstance(value, lucid.Tensor) else lucid.tensor(value, dtype=self.loc.dtype)
        return self.loc + self.scale * lucid.erfinv(2 * value - 1) * math.sqrt(2)

    def entropy(self):
        return 0.5 + _LOG_SQRT_2PI + lucid.log(self.scale)


class LogNormal(TransformedDistribution):
    """``exp(X)`` for ``X ~ Normal(loc, scale)``.

    Args:
        loc: the mean of ``log X``.
        scale: the standard deviation of ``log X`` (> 0).

    Examples:
        >>> import lucid, math
        >>> from lucid.distributions import LogNormal
        >>> d = LogNormal(0.0, 1.0)
        >>> round(d.mean.item(), 4) == round(math.exp(0.5), 4)
        True
    """

    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    support = constraints.positive
    has_rsample = True

    def __init__(self, loc, scale, validate_args: bool | None = None):
        base = Normal(loc, scale, validate_args=validate_args)
        super().__init__(base, ExpTransform(), validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(LogNormal, _instance)
        return super().expand(batch_shape, _instance=new)

    loc = _delegated("base_dist.loc")
    scale = _delegated("base_dist.scale")

    @property
    def mean(self):
        return lucid.exp(self.loc + self.scale ** 2 / 2)

    @property
    def mode(self):
        return lucid.exp(self.loc - self.scale ** 2)

    @property
    def variance(self):
        s2 = self.scale ** 2
        return lucid.expm1(s2) * lucid.exp(2 * self.loc + s2)

    def entropy(self):
        return self.base_dist.entropy() + self.loc


class Uniform(Distribution):
    """The uniform distribution on the half-open interval ``[low, high)``.

    Args:
        low: the lower bound.
        high: the upper bound (> low).

    Examples:
        >>> import lucid
        >>> from lucid.distributions import Uniform
        >>> d = Uniform(0.0, 4.0)
        >>> d.mean.item(), d.cdf(lucid.tensor(1.0)).item(), round(d.entropy().item(), 4)
        (2.0, 0.25, 1.3863)
    """

    arg_constraints = {"low": constraints.dependent(is_discrete=False, event_dim=0),
                       "high": constraints.dependent(is_discrete=False, event_dim=0)}
    has_rsample = True
    _batch_params = ("low", "high")

    def __init__(self, low, high, validate_args: bool | None = None):
        self._init_params(validate_args, low=low, high=high)
        if self._validate_args:
            from lucid.distributions.distribution import _report

            def make_error():
                return ValueError(f"Expected parameter low (Tensor of shape {tuple(self.low.shape)}) of distribution "
                                  "Uniform to be less than high, but found invalid values")
            _report(self.low < self.high, make_error, self._eager_check)

    @constraints.dependent_property(is_discrete=False, event_dim=0)
    def support(self):
        return constraints.half_open_interval(self.low, self.high)

    @property
    def mean(self):
        return (self.high + self.low) / 2

    @property
    def mode(self):
        return lucid.full_like(self.high, math.nan)

    @property
    def stddev(self):
        return (self.high - self.low) / 12 ** 0.5

    @property
    def variance(self):
        return (self.high - self.low) ** 2 / 12

    def rsample(self, sample_shape=()):
        u = open_uniform(self._extended_shape(sample_shape), self.low)
        return self.low + u * (self.high - self.low)

    def log_prob(self, value):
        value = self._value(value)
        inside = (self.low <= value) & (value < self.high)
        lp = -lucid.log(self.high - self.low)
        return lucid.where(inside, lp, -math.inf)

    def cdf(self, value):
        value = self._value(value)
        return lucid.clamp((value - self.low) / (self.high - self.low), min=0.0, max=1.0)

    def icdf(self, value):
        return value * (self.high - self.low) + self.low

    def entropy(self):
        return lucid.log(self.high - self.low)


class Exponential(Distribution):
    """The exponential distribution with ``rate`` (density ``rate * exp(-rate * x)`` on ``x >= 0``).

    Examples:
        >>> import lucid
        >>> from lucid.distributions import Exponential
        >>> d = Exponential(2.0)
        >>> d.mean.item(), round(d.log_prob(lucid.tensor(1.0)).item(), 4)
        (0.5, -1.3069)
    """

    arg_constraints = {"rate": constraints.positive}
    support = constraints.nonnegative
    has_rsample = True
    _batch_params = ("rate",)

    def __init__(self, rate, validate_args: bool | None = None):
        self._init_params(validate_args, rate=rate)

    @property
    def mean(self):
        return self.rate.reciprocal()

    @property
    def mode(self):
        return lucid.zeros_like(self.rate)

    @property
    def stddev(self):
        return self.rate.reciprocal()

    @property
    def variance(self):
        return self.rate ** -2

    def rsample(self, sample_shape=()):
        u = open_uniform(self._extended_shape(sample_shape), self.rate)
        return -lucid.log(u) / self.rate

    def log_prob(self, value):
        value = self._value(value)
        return lucid.log(self.rate) - self.rate * value

    def cdf(self, value):
        value = self._value(value)
        return 1 - lucid.exp(-self.rate * value)

    def icdf(self, value):
        return -lucid.log1p(-value) / self.rate

    def entropy(self):
        return 1.0 - lucid.log(self.rate)


class Laplace(_PeakAtLoc, _LocScale):
    """The Laplace distribution: density ``exp(-|x - loc| / scale) / (2 scale)``.

    Examples:
        >>> import lucid
        >>> from lucid.distributions import Laplace
        >>> d = Laplace(0.0, 1.0)
        >>> d.variance.item(), round(d.log_prob(lucid.tensor(0.0)).item(), 4)
        (2.0, -0.6931)
    """

    @property
    def variance(self):
        return 2 * self.scale ** 2

    @property
    def stddev(self):
        return math.sqrt(2) * self.scale

    def rsample(self, sample_shape=()):
        fi = finfo(self.loc.dtype)
        u = open_uniform(self._noise_shape(sample_shape), self.loc) * 2 - 1
        u = lucid.clamp(u, min=-1 + float(fi.eps), max=1 - float(fi.eps))
        return self.loc - self.scale * lucid.sign(u) * lucid.log1p(-lucid.abs(u))

    def log_prob(self, value):
        value = self._value(value)
        return -lucid.log(2 * self.scale) - lucid.abs(value - self.loc) / self.scale

    def cdf(self, value):
        value = self._value(value)
        z = value - self.loc
        return 0.5 - 0.5 * lucid.sign(z) * lucid.expm1(-lucid.abs(z) / self.scale)

    def icdf(self, value):
        term = value - 0.5
        return self.loc - self.scale * lucid.sign(term) * lucid.log1p(-2 * lucid.abs(term))

    def entropy(self):
        return 1 + lucid.log(2 * self.scale)


class Cauchy(_LocScale):
    """The Cauchy distribution: density ``1 / (pi scale (1 + ((x - loc) / scale)^2))``; no mean or variance.

    Examples:
        >>> import lucid
        >>> from lucid.distributions import Cauchy
        >>> d = Cauchy(0.0, 1.0)
        >>> d.cdf(lucid.tensor(0.0)).item(), d.icdf(lucid.tensor(0.5)).item()
        (0.5, 0.0)
    """

    @property
    def mean(self):
        return lucid.full_like(self.loc, math.nan)

    @property
    def mode(self):
        return self.loc

    @property
    def variance(self):
        return lucid.full_like(self.loc, math.inf)

    def rsample(self, sample_shape=()):
        u = open_uniform(self._noise_shape(sample_shape), self.loc)
        return self.loc + self.scale * lucid.tan(math.pi * (u - 0.5))

    def log_prob(self, value):
        value = self._value(value)
        z = (value - self.loc) / self.scale
        return -math.log(math.pi) - lucid.log(self.scale) - lucid.log1p(z ** 2)

    def cdf(self, value):
        value = self._value(value)
        return lucid.atan((value - self.loc) / self.scale) / math.pi + 0.5

    def icdf(self, value):
        return lucid.tan(math.pi * (value - 0.5)) * self.scale + self.loc

    def entropy(self):
        return math.log(4 * math.pi) + lucid.log(self.scale)


class Gumbel(_LocScale):
    """The Gumbel (type-I extreme value) distribution: ``cdf = exp(-exp(-(x - loc) / scale))``.

    Examples:
        >>> import lucid
        >>> from lucid.distributions import Gumbel
        >>> d = Gumbel(0.0, 1.0)
        >>> round(d.mean.item(), 4), round(d.cdf(lucid.tensor(0.0)).item(), 4)
        (0.5772, 0.3679)
    """

    def rsample(self, sample_shape=()):
        u = open_uniform(self._noise_shape(sample_shape), self.loc)
        return self.loc - self.scale * lucid.log(-lucid.log(u))

    def log_prob(self, value):
        value = self._value(value)
        z = (value - self.loc) / self.scale
        return -(z + lucid.exp(-z)) - lucid.log(self.scale)

    def cdf(self, value):
        value = self._value(value)
        return lucid.exp(-lucid.exp(-(value - self.loc) / self.scale))

    def icdf(self, value):
        return self.loc - self.scale * lucid.log(-lucid.log(value))

    @property
    def mean(self):
        return self.loc + self.scale * EULER_GAMMA

    @property
    def mode(self):
        return self.loc

    @property
    def stddev(self):
        return (math.pi / math.sqrt(6)) * self.scale

    @property
    def variance(self):
        return self.stddev ** 2

    def entropy(self):
        return lucid.log(self.scale) + (1 + EULER_GAMMA)


class StudentT(Distribution):
    """Student's t distribution with ``df`` degrees of freedom, location ``loc`` and scale ``scale``.

    ``rsample`` is ``loc + scale * Z / sqrt(V / df)`` with ``Z ~ N(0, 1)`` and
    ``V ~ chi2(df)``; it is differentiable in ``loc`` and ``scale`` (not in ``df``).

    Examples:
        >>> import lucid
        >>> from lucid.distributions import StudentT
        >>> d = StudentT(3.0)
        >>> d.variance.item(), round(d.log_prob(lucid.tensor(0.0)).item(), 4)
        (3.0, -1.0009)
    """

    arg_constraints = {"df": constraints.positive, "loc": constraints.real, "scale": constraints.positive}
    support = constraints.real
    has_rsample = True
    _batch_params = ("df", "loc", "scale")

    def __init__(self, df, loc=0.0, scale=1.0, validate_args: bool | None = None):
        self._init_params(validate_args, df=df, loc=loc, scale=scale)

    @property
    def mean(self):
        return lucid.where(self.df > 1, self.loc, math.nan)

    @property
    def mode(self):
        return self.loc

    @property
    def variance(self):
        df = self.df
        finite = self.scale ** 2 * df / lucid.where(df > 2, df - 2, lucid.ones_like(df))
        return lucid.where(df > 2, finite, lucid.where(df > 1, math.inf, math.nan))

    def rsample(self, sample_shape=()):
        from lucid.distributions._math import standard_gamma_array
        shape = self._extended_shape(sample_shape)
        z = standard_normal(shape, self.df)
        half_df = self.df.detach().expand(*shape)._data / 2
        chi2 = lucid.Tensor._make(2 * standard_gamma_array(half_df), self.df.device)
        return self.loc + self.scale * z * lucid.rsqrt(chi2 / self.df)

    def log_prob(self, value):
        value = self._value(value)
        y = (value - self.loc) / self.scale
        z = (lucid.log(self.scale) + 0.5 * lucid.log(self.df) + 0.5 * math.log(math.pi)
             + lgamma(0.5 * self.df) - lgamma(0.5 * (self.df + 1.0)))
        return -0.5 * (self.df + 1.0) * lucid.log1p(y ** 2 / self.df) - z

    def entropy(self):
        lb = lbeta(0.5 * self.df, lucid.full_like(self.df, 0.5))
        return (lucid.log(self.scale) + 0.5 * (self.df + 1) * (digamma(0.5 * (self.df + 1)) - digamma(0.5 * self.df))
                + 0.5 * lucid.log(self.df) + lb)

