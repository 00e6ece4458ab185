"""The gamma family: Gamma, Chi2, Beta, Dirichlet.

Draws use a vectorised Marsaglia-Tsang sampler (see ``_math``), with no host
sync. NOTE: PyTorch reparameterises these samplers through implicit
gradients; here ``rsample`` is differentiable with respect to the *rate* of
``Gamma`` only, and ``Beta``/``Dirichlet``/``Gamma`` concentration gradients
are not implemented (``rsample`` raises if a concentration requires grad).
"""

from __future__ import annotations

import mlx.core as mx

import lucid
from lucid._tensor import Tensor
from lucid.distributions import constraints
from lucid.distributions._math import broadcast_all, finfo, standard_gamma_array, xlogy
from lucid.distributions.distribution import Distribution, _as_shape, _numbers
from lucid.ops.special import digamma, lgamma

__all__ = ["Gamma", "Chi2", "Beta", "Dirichlet"]


def _standard_gamma(concentration: Tensor, shape: tuple) -> Tensor:
    """Gamma(concentration, 1) draws of ``shape`` (no gradient)."""
    a = concentration.detach()._data
    a = mx.broadcast_to(a, shape) if tuple(a.shape) != tuple(shape) else a
    return Tensor._make(standard_gamma_array(a), concentration.device)


def _no_concentration_grad(t: Tensor, name: str) -> None:
    if t.requires_grad and lucid.is_grad_enabled():
        raise NotImplementedError(
            f"{name}.rsample: gradients with respect to the concentration are not implemented (PyTorch uses "
            "implicit reparameterisation); detach the concentration or use sample()")


class Gamma(Distribution):
    """The gamma distribution with shape ``concentration`` and ``rate``.

    .. math:: p(x) = \\frac{\\beta^\\alpha}{\\Gamma(\\alpha)} x^{\\alpha - 1} e^{-\\beta x}

    Examples:
        >>> import lucid
        >>> from lucid.distributions import Gamma
        >>> d = Gamma(2.0, 4.0)
        >>> d.mean.item(), d.variance.item(), round(d.log_prob(lucid.tensor(0.5)).item(), 4)
        (0.5, 0.125, 0.0794)
    """

    arg_constraints = {"concentration": constraints.positive, "rate": constraints.positive}
    support = constraints.nonnegative
    has_rsample = True
    _batch_params = ("concentration", "rate")

    def __init__(self, concentration, rate, validate_args: bool | None = None):
        self._init_params(validate_args, concentration=concentration, rate=rate)

    @property
    def mean(self):
        return self.concentration / self.rate

    @property
    def mode(self):
        return lucid.clamp((self.concentration - 1) / self.rate, min=0.0)

    @property
    def variance(self):
        return self.concentration / self.rate ** 2

    def rsample(self, sample_shape=()):
        _no_concentration_grad(self.concentration, type(self).__name__)
        g = _standard_gamma(self.concentration, self._extended_shape(sample_shape))
        return lucid.clamp(g / self.rate, min=float(finfo(g.dtype).tiny))

    def log_prob(self, value):
        value = self._value(value)
        a, b = self.concentration, self.rate
        return xlogy(a, b) + xlogy(a - 1, value) - b * value - lgamma(a)

    def entropy(self):
        a = self.concentration
        return a - lucid.log(self.rate) + lgamma(a) + (1.0 - a) * digamma(a)


class Chi2(Gamma):
    """The chi-squared distribution with ``df`` degrees of freedom: ``Gamma(df / 2, 1 / 2)``.

    Examples:
        >>> from lucid.distributions import Chi2
        >>> Chi2(4.0).mean.item()
        4.0
    """

    arg_constraints = {"df": constraints.positive}
    _batch_params = ("df", "concentration", "rate")

    def __init__(self, df, validate_args: bool | None = None):
        self._eager_check = _numbers(df)
        (df,) = broadcast_all(df)
        self.df = df
        super().__init__(0.5 * df, lucid.full_like(df, 0.5), validate_args=validate_args)


class Beta(Distribution):
    """The beta distribution on [0, 1] with concentrations ``concentration1`` (alpha) and ``concentration0`` (beta).

    Examples:
        >>> import lucid
        >>> from lucid.distributions import Beta
        >>> d = Beta(2.0, 2.0)
        >>> d.mean.item(), round(d.variance.item(), 4), round(d.log_prob(lucid.tensor(0.5)).item(), 4)
        (0.5, 0.05, 0.4055)
    """

    arg_constraints = {"concentration1": constraints.positive, "concentration0": constraints.positive}
    support = constraints.unit_interval
    has_rsample = True
    _batch_params = ("concentration1", "concentration0")

    def __init__(self, concentration1, concentration0, validate_args: bool | None = None):
        self._init_params(validate_args, concentration1=concentration1, concentration0=concentration0)

    @property
    def mean(self):
        return self.concentration1 / (self.concentration1 + self.concentration0)

    @property
    def mode(self):
        a, b = self.concentration1, self.concentration0
        return (a - 1) / (a + b - 2)

    @property
    def variance(self):
        a, b = self.concentration1, self.concentration0
        total = a + b
        return a * b / (total ** 2 * (total + 1))

    def rsample(self, sample_shape=()):
        _no_concentration_grad(self.concentration1, "Beta")
        _no_concentration_grad(self.concentration0, "Beta")
        shape = self._extended_shape(sample_shape)
        x = _standard_gamma(self.concentration1, shape)
        y = _standard_gamma(self.concentration0, shape)
        fi = finfo(x.dtype)
        return lucid.clamp(x / (x + y), min=float(fi.tiny), max=1 - float(fi.eps))

    def log_prob(self, value):
        value = self._value(value)
        a, b = self.concentration1, self.concentration0
        return (xlogy(a - 1, value) + xlogy(b - 1, 1 - value)
                + lgamma(a + b) - lgamma(a) - lgamma(b))

    def entropy(self):
        a, b = self.concentration1, self.concentration0
        total = a + b
        lbeta = lgamma(a) + lgamma(b) - lgamma(total)
        return lbeta - (a - 1) * digamma(a) - (b - 1) * digamma(b) + (total - 2) * digamma(total)


class Dirichlet(Distribution):
    """The Dirichlet distribution on the simplex, with ``concentration`` (last dim: the ``K`` categories).

    Examples:
        >>> import lucid
        >>> from lucid.distributions import Dirichlet
        >>> d = Dirichlet(lucid.tensor([1.0, 1.0, 2.0]))
        >>> d.event_shape, d.mean.tolist()
        ((3,), [0.25, 0.25, 0.5])
    """

    arg_constraints = {"concentration": constraints.independent(constraints.positive, 1)}
    support = constraints.simplex
    has_rsample = True
    _batch_params = ("concentration",)

    def __init__(self, concentration, validate_args: bool | None = None):
        self._eager_check = _numbers(concentration)
        (self.concentration,) = broadcast_all(concentration)
        if self.concentration.ndim < 1:
            raise ValueError("`concentration` parameter must be at least one-dimensional.")
        super().__init__(self.concentration.shape[:-1], self.concentration.shape[-1:], validate_args=validate_args)

    @property
    def mean(self):
        return self.concentration / self.concentration.sum(dim=-1, keepdim=True)

    @property
    def mode(self):
        a = self.concentration
        return (a - 1) / (a.sum(dim=-1, keepdim=True) - a.shape[-1])

    @property
    def variance(self):
        a = self.concentration
        a0 = a.sum(dim=-1, keepdim=True)
        return a * (a0 - a) / (a0 ** 2 * (a0 + 1))

    def rsample(self, sample_shape=()):
        _no_concentration_grad(self.concentration, "Dirichlet")
        shape = _as_shape(sample_shape) + self.batch_shape + self.event_shape
        g = _standard_gamma(self.concentration, shape)
        fi = finfo(g.dtype)
        return lucid.clamp(g / g.sum(dim=-1, keepdim=True), min=float(fi.tiny), max=1 - float(fi.eps))

    def log_prob(self, value):
        value = self._value(value)
        a = self.concentration
        return (xlogy(a - 1, value).sum(dim=-1) + lgamma(a.sum(dim=-1)) - lgamma(a).sum(dim=-1))

    def entropy(self):
        a = self.concentration
        k = a.shape[-1]
        a0 = a.sum(dim=-1)
        return (lgamma(a).sum(dim=-1) - lgamma(a0) - (k - a0) * digamma(a0)
                - ((a - 1.0) * digamma(a)).sum(dim=-1))
