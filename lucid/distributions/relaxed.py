"""Continuous relaxations of discrete draws (Concrete / Gumbel-softmax): RelaxedBernoulli, RelaxedOneHotCategorical."""

from __future__ import annotations

import math

import lucid
from lucid.distributions import constraints
from lucid.distributions._math import (
    broadcast_all,
    clamp_probs,
    open_uniform,
    softplus,
)
from lucid.distributions.discrete import Categorical, _OverCategorical, _ProbsLogits
from lucid.distributions.distribution import _delegated, _numbers
from lucid.distributions.transforms import ExpTransform, SigmoidTransform
from lucid.distributions.wrappers import TransformedDistribution

__all__ = ["LogitRelaxedBernoulli", "RelaxedBernoulli", "ExpRelaxedCategorical", "RelaxedOneHotCategorical"]


class LogitRelaxedBernoulli(_ProbsLogits):
    """The logit of a ``RelaxedBernoulli`` draw: ``(logits + log u - log(1 - u)) / temperature``.

    Examples:
        >>> import lucid
        >>> from lucid.distributions import LogitRelaxedBernoulli
        >>> LogitRelaxedBernoulli(0.5, probs=lucid.tensor([0.3, 0.7])).rsample().shape
        (2,)
    """

    support = constraints.real
    has_rsample = True
    _batch_params = ("temperature", "probs", "logits")

    def __init__(self, temperature, probs=None, logits=None, validate_args: bool | None = None):
        if (probs is None) == (logits is None):
            raise ValueError("Either `probs` or `logits` must be specified, but not both.")
        self._init_probs_or_logits(probs, logits, validate_args, temperature=temperature)

    def rsample(self, sample_shape=()):
        probs = clamp_probs(self.probs)
        u = open_uniform(self._extended_shape(sample_shape), probs)
        return (lucid.log(probs) - lucid.log1p(-probs) + lucid.log(u) - lucid.log1p(-u)) / self.temperature

    def log_prob(self, value):
        value = self._value(value)
        diff = self.logits - value * self.temperature
        return lucid.log(self.temperature) + diff - 2 * softplus(diff)


class _Relaxed(TransformedDistribution):
    """A relaxed distribution: ``_transform`` of a ``_base`` draw, with the parameters of that ``base_dist``."""

    has_rsample = True
    temperature = _delegated("base_dist.temperature")
    logits = _delegated("base_dist.logits")
    probs = _delegated("base_dist.probs")

    def __init__(self, temperature, probs=None, logits=None, validate_args: bool | None = None):
        base = self._base(temperature, probs, logits, validate_args=validate_args)
        super().__init__(base, self._transform(), validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        family = next(c for c in type(self).__mro__ if "_base" in vars(c))  # the class that names the base
        new = self._get_checked_instance(family, _instance)
        return super().expand(batch_shape, _instance=new)


class RelaxedBernoulli(_Relaxed):
    """A relaxed Bernoulli on (0, 1): ``sigmoid`` of a ``LogitRelaxedBernoulli`` draw; differentiable samples.

    Args:
        temperature: the relaxation temperature (> 0); small values approach a Bernoulli.
        probs, logits: the Bernoulli parameter (give one).

    Examples:
        >>> import lucid
        >>> from lucid.distributions import RelaxedBernoulli
        >>> d = RelaxedBernoulli(lucid.tensor(0.5), probs=lucid.tensor([0.3]))
        >>> x = d.rsample(); bool((x > 0).all() and (x < 1).all())
        True
    """

    arg_constraints = LogitRelaxedBernoulli.arg_constraints
    support = constraints.unit_interval
    _base = LogitRelaxedBernoulli
    _transform = SigmoidTransform


class ExpRelaxedCategorical(_OverCategorical):
    """The log of a ``RelaxedOneHotCategorical`` draw (log-softmax of Gumbel-perturbed logits / temperature).

    Examples:
        >>> import lucid
        >>> from lucid.distributions import ExpRelaxedCategorical
        >>> ExpRelaxedCategorical(1.0, probs=lucid.tensor([0.5, 0.5])).rsample().shape
        (2,)
    """

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.real_vector}
    support = constraints.real_vector
    has_rsample = True

    def __init__(self, temperature, probs=None, logits=None, validate_args: bool | None = None):
        self._categorical = Categorical(probs, logits, validate_args=validate_args)
        self._eager_check = _numbers(temperature)
        (self.temperature,) = broadcast_all(temperature)
        if self.temperature.dtype != self._categorical.logits.dtype:
            self.temperature = self.temperature.to(self._categorical.logits.dtype)
        param_shape = self._categorical.param_shape
        super().__init__(param_shape[:-1], param_shape[-1:], validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(ExpRelaxedCategorical, _instance)
        new.temperature = self.temperature
        return self._expand_categorical(new, batch_shape)

    def rsample(self, sample_shape=()):
        shape = self._extended_shape(sample_shape)
        u = open_uniform(shape, self.logits)
        gumbels = -lucid.log(-lucid.log(u))
        scores = (self.logits + gumbels) / self.temperature
        return scores - lucid.logsumexp(scores, dim=-1, keepdim=True)

    def log_prob(self, value):
        value = self._value(value)
        k = self._event_shape[0]
        log_scale = math.lgamma(k) + (k - 1) * lucid.log(self.temperature)
        score = self.logits - value * self.temperature.unsqueeze(-1) if self.temperature.ndim else \
            self.logits - value * self.temperature
        score = (score - lucid.logsumexp(score, dim=-1, keepdim=True)).sum(dim=-1)
        return score + log_scale


class RelaxedOneHotCategorical(_Relaxed):
    """A relaxed one-hot categorical on the simplex (the Gumbel-softmax / Concrete distribution).

    Args:
        temperature: the relaxation temperature (> 0).
        probs, logits: the category parameters (give one).

    Examples:
        >>> import lucid
        >>> from lucid.distributions import RelaxedOneHotCategorical
        >>> d = RelaxedOneHotCategorical(lucid.tensor(0.5), probs=lucid.tensor([0.2, 0.8]))
        >>> round(d.rsample().sum().item(), 4)
        1.0
    """

    arg_constraints = ExpRelaxedCategorical.arg_constraints
    support = constraints.simplex
    _base = ExpRelaxedCategorical
    _transform = ExpTransform

