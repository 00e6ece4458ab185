"""Discrete distributions: Bernoulli, Categorical, OneHotCategorical, Binomial, Poisson."""

from __future__ import annotations

import math

import mlx.core as mx

import lucid
from lucid._tensor import Tensor
from lucid.distributions import constraints
from lucid.distributions._math import (
    broadcast_all,
    broadcast_shape,
    finfo,
    logits_to_probs,
    open_uniform,
    probs_to_logits,
    softplus,
    xlogy,
)
from lucid.distributions.distribution import Distribution, _as_shape, _delegated, _numbers
from lucid.ops.special import lgamma

__all__ = ["Bernoulli", "Categorical", "OneHotCategorical", "Binomial", "Poisson"]


def _one_of(probs, logits, name: str):
    if (probs is None) == (logits is None):
        raise ValueError(f"{name}: either `probs` or `logits` must be specified, but not both")


class _ProbsLogits(Distribution):
    """A family parameterised by one of ``probs``/``logits``; the other is derived when first read.

    By default the family is binary (Bernoulli trials: ``probs`` in [0, 1], ``logits`` the log-odds) and
    takes nothing else; families with other parameters define their own ``arg_constraints``,
    ``_batch_params`` and ``__init__``.
    """

    _is_binary = True
    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    _batch_params = ("probs", "logits")

    def __init__(self, probs=None, logits=None, validate_args: bool | None = None):
        _one_of(probs, logits, type(self).__name__)
        self._init_probs_or_logits(probs, logits, validate_args)

    @property
    def probs(self):
        if "probs" not in self.__dict__:
            self.__dict__["probs"] = logits_to_probs(self.__dict__["logits"], is_binary=self._is_binary)
        return self.__dict__["probs"]

    @property
    def logits(self):
        if "logits" not in self.__dict__:
            self.__dict__["logits"] = probs_to_logits(self.__dict__["probs"], is_binary=self._is_binary)
        return self.__dict__["logits"]

    @property
    def param_shape(self):
        return self.__dict__["probs" if "probs" in self.__dict__ else "logits"].shape

    def _init_probs_or_logits(self, probs, logits, validate_args, **params) -> None:
        """:meth:`_init_params` with ``params`` and whichever one of ``probs``/``logits`` is given.

        The caller has checked that exactly one is given; the other is derived from it when first read.
        """
        given = {"probs": probs} if probs is not None else {"logits": logits}
        self._init_params(validate_args, **params, **given)


class Bernoulli(_ProbsLogits):
    """A coin flip: 1 with probability ``probs`` (or ``sigmoid(logits)``), else 0.

    Args:
        probs: the probability of 1 (in [0, 1]).
        logits: the log-odds of 1 (give exactly one of ``probs``/``logits``).

    Examples:
        >>> import lucid
        >>> from lucid.distributions import Bernoulli
        >>> d = Bernoulli(probs=0.25)
        >>> d.mean.item(), round(d.log_prob(lucid.tensor(1.0)).item(), 4)
        (0.25, -1.3863)
    """

    support = constraints.boolean
    has_enumerate_support = True

    @property
    def mean(self):
        return self.probs

    @property
    def mode(self):
        return lucid.where(self.probs == 0.5, math.nan, (self.probs > 0.5).astype(self.probs.dtype))

    @property
    def variance(self):
        return self.probs * (1 - self.probs)

    def sample(self, sample_shape=()):
        shape = self._extended_shape(sample_shape)
        with lucid.no_grad():
            p = self.probs.detach()
            u = open_uniform(shape, p)
            return (u < p).astype(p.dtype)

    def log_prob(self, value):
        value = self._value(value)
        logits = self.logits
        return value * logits - softplus(logits)

    def entropy(self):
        logits = self.logits
        return softplus(logits) - self.probs * logits

    def enumerate_support(self, expand: bool = True):
        values = lucid.arange(2, dtype=self._param_dtype()).reshape(2, *([1] * len(self.batch_shape)))
        return values.expand(2, *self.batch_shape) if expand else values


class Categorical(_ProbsLogits):
    """A draw of one of ``K`` categories ``0..K-1`` with probabilities ``probs`` (last dim).

    ``probs`` are normalised over the last dimension; ``logits`` are
    normalised log-probabilities (``logits - logsumexp(logits)``).

    Examples:
        >>> import lucid
        >>> from lucid.distributions import Categorical
        >>> d = Categorical(probs=lucid.tensor([0.5, 0.25, 0.25]))
        >>> d.batch_shape, round(d.log_prob(lucid.tensor(1)).item(), 4), round(d.entropy().item(), 4)
        ((), -1.3863, 1.0397)
    """

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.independent(constraints.real, 1)}
    has_enumerate_support = True
    _batch_params = ("probs", "logits")
    _expand_keeps = ("_num_events",)
    _is_binary = False

    def __init__(self, probs=None, logits=None, validate_args: bool | None = None):
        _one_of(probs, logits, type(self).__name__)
        raw = probs if probs is not None else logits
        self._eager_check = _numbers(raw)
        (param,) = broadcast_all(raw)
        if param.ndim < 1:
            raise ValueError(f"`{'probs' if probs is not None else 'logits'}` parameter must be at least "
                             "one-dimensional")
        if probs is not None:
            self.__dict__["probs"] = param / param.sum(dim=-1, keepdim=True)
        else:
            self.__dict__["logits"] = param - lucid.logsumexp(param, dim=-1, keepdim=True)
        self._num_events = param.shape[-1]
        Distribution.__init__(self, param.shape[:-1], validate_args=validate_args)

    @constraints.dependent_property(is_discrete=True, event_dim=0)
    def support(self):
        return constraints.integer_interval(0, self._num_events - 1)

    @property
    def mean(self):
        return lucid.full(self._extended_shape(), math.nan, dtype=self.probs.dtype)

    @property
    def mode(self):
        return self.probs.argmax(dim=-1)

    @property
    def variance(self):
        return lucid.full(self._extended_shape(), math.nan, dtype=self.probs.dtype)

    def sample(self, sample_shape=()):
        sample_shape = _as_shape(sample_shape)
        with lucid.no_grad():
            logits = self.logits.detach()
            shape = sample_shape + self.batch_shape + (self._num_events,)
            u = open_uniform(shape, logits)
            return (logits - lucid.log(-lucid.log(u))).argmax(dim=-1)  # Gumbel-max

    def log_prob(self, value):
        value = self._value(value)
        shape = broadcast_shape(value.shape, self.batch_shape)
        idx = lucid.clamp(value.astype(lucid.int64), min=0, max=self._num_events - 1)  # never index out of bounds
        idx = idx.expand(*shape).unsqueeze(-1) if idx.shape != shape else idx.unsqueeze(-1)
        logits = self.logits
        logits = logits.expand(*shape, self._num_events) if logits.shape[:-1] != shape else logits
        return lucid.take_along_dim(logits, idx, dim=-1).squeeze(-1)

    def entropy(self):
        min_real = float(finfo(self.logits.dtype).min)
        logits = lucid.clamp(self.logits, min=min_real)
        return -(logits * self.probs).sum(dim=-1)

    def enumerate_support(self, expand: bool = True):
        values = lucid.arange(self._num_events).reshape(self._num_events, *([1] * len(self.batch_shape)))
        return values.expand(self._num_events, *self.batch_shape) if expand else values


class _OverCategorical(Distribution):
    """A distribution built on a ``Categorical`` (``self._categorical``), whose parameters it shares."""

    probs = _delegated("_categorical.probs")
    logits = _delegated("_categorical.logits")
    param_shape = _delegated("_categorical.param_shape")

    def _init_categorical(self, probs, logits, validate_args) -> None:
        """Build ``self._categorical`` and take its batch shape, with event shape ``(K,)``.

        The ``Categorical`` checks the parameters; values are checked against this support when validation
        is on (``validate_args``, or the default).
        """
        self._categorical = Categorical(probs, logits, validate_args=validate_args)
        Distribution.__init__(self, self._categorical.batch_shape, self._categorical.param_shape[-1:],
                              validate_args=False)
        self._validate_args = Distribution._validate_args if validate_args is None else bool(validate_args)

    def _expand_categorical(self, new, batch_shape):
        """Fill ``new`` (from ``expand``) with this categorical expanded to ``batch_shape``; returns ``new``."""
        batch_shape = _as_shape(batch_shape, "batch_shape")
        new._categorical = self._categorical.expand(batch_shape)
        return self._init_expanded(new, batch_shape)


class OneHotCategorical(_OverCategorical):
    """``Categorical`` with one-hot vectors of length ``K`` as values (event shape ``(K,)``).

    Examples:
        >>> import lucid
        >>> from lucid.distributions import OneHotCategorical
        >>> d = OneHotCategorical(probs=lucid.tensor([0.5, 0.5]))
        >>> d.event_shape, round(d.log_prob(lucid.tensor([0.0, 1.0])).item(), 4)
        ((2,), -0.6931)
    """

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.independent(constraints.real, 1)}
    support = constraints.one_hot
    has_enumerate_support = True

    def __init__(self, probs=None, logits=None, validate_args: bool | None = None):
        self._init_categorical(probs, logits, validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(OneHotCategorical, _instance)
        return self._expand_categorical(new, batch_shape)

    mean = _delegated("_categorical.probs")

    @property
    def mode(self):
        n = self.event_shape[-1]
        return lucid.nn.functional.one_hot(self._categorical.mode, n).astype(self.probs.dtype)

    @property
    def variance(self):
        p = self._categorical.probs
        return p * (1 - p)

    def sample(self, sample_shape=()):
        idx = self._categorical.sample(sample_shape)
        return lucid.nn.functional.one_hot(idx, self.event_shape[-1]).astype(self.probs.dtype)

    def log_prob(self, value):
        value = self._value(value)
        return self._categorical.log_prob(value.argmax(dim=-1))

    def entropy(self):
        return self._categorical.entropy()

    def enumerate_support(self, expand: bool = True):
        n = self.event_shape[0]
        values = lucid.eye(n, dtype=self.probs.dtype).reshape(n, *([1] * len(self.batch_shape)), n)
        return values.expand(n, *self.batch_shape, n) if expand else values


class Binomial(_ProbsLogits):
    """The number of successes in ``total_count`` independent trials of probability ``probs``.

    Sampling sums Bernoulli draws over ``max(total_count)`` trials (in chunks
    of 1024); when ``total_count`` is a Tensor its maximum is read once, which
    is a host sync (Python numbers need none).

    Examples:
        >>> import lucid
        >>> from lucid.distributions import Binomial
        >>> d = Binomial(10, probs=0.5)
        >>> d.mean.item(), d.variance.item(), round(d.log_prob(lucid.tensor(5.0)).item(), 4)
        (5.0, 2.5, -1.402)
    """

    arg_constraints = {"total_count": constraints.nonnegative_integer, "probs": constraints.unit_interval,
                       "logits": constraints.real}
    has_enumerate_support = True
    _batch_params = ("total_count", "probs", "logits")
    _expand_keeps = ("_max_count",)

    def __init__(self, total_count=1, probs=None, logits=None, validate_args: bool | None = None):
        _one_of(probs, logits, "Binomial")
        self._max_count = None if isinstance(total_count, Tensor) else total_count
        self._init_probs_or_logits(probs, logits, validate_args, total_count=total_count)

    @constraints.dependent_property(is_discrete=True, event_dim=0)
    def support(self):
        return constraints.integer_interval(0, self.total_count)

    @property
    def mean(self):
        return self.total_count * self.probs

    @property
    def mode(self):
        return lucid.clamp(lucid.floor((self.total_count + 1) * self.probs), max=self.total_count)

    @property
    def variance(self):
        return self.total_count * self.probs * (1 - self.probs)

    def sample(self, sample_shape=()):
        shape = self._extended_shape(sample_shape)
        with lucid.no_grad():
            if self._max_count is None:
                self._max_count = int(self.total_count.max().item())  # the one host sync (cached)
            n_max = int(self._max_count)
            p = self.probs.detach()._data
            n = self.total_count.detach()._data
            dt = p.dtype
            total = mx.zeros(shape, dtype=dt)
            done = 0
            while done < n_max:
                k = min(1024, n_max - done)
                u = open_uniform((k,) + shape, self.probs)._data
                trial = mx.arange(done, done + k, dtype=dt).reshape((k,) + (1,) * len(shape))
                hit = (u < p) & (trial < n)
                total = total + hit.astype(dt).sum(axis=0)
                done += k
            return Tensor._make(total, self.probs.device)

    def log_prob(self, value):
        value = self._value(value)
        n = self.total_count
        log_binom = lgamma(n + 1) - lgamma(value + 1) - lgamma(n - value + 1)
        if "probs" in self.__dict__:
            # k log p + (n - k) log(1 - p), exact at p in {0, 1}
            p = self.probs
            return log_binom + xlogy(value, p) + xlogy(n - value, 1 - p)
        # the same in terms of the logits: k * logits - n * log(1 + exp(logits))
        logits = self.logits
        return log_binom + value * logits - n * softplus(logits)

    def entropy(self):
        raise NotImplementedError("Binomial.entropy is not implemented (PyTorch enumerates the support)")

    def enumerate_support(self, expand: bool = True):
        if self._max_count is None:
            self._max_count = int(self.total_count.max().item())
        n = int(self._max_count)
        values = lucid.arange(n + 1, dtype=self._param_dtype()).reshape(n + 1, *([1] * len(self.batch_shape)))
        return values.expand(n + 1, *self.batch_shape) if expand else values


class Poisson(Distribution):
    """The number of events in an interval at ``rate`` events per interval.

    Sampling is :func:`lucid.poisson` (no host sync); samples are float, as in PyTorch.

    Examples:
        >>> import lucid
        >>> from lucid.distributions import Poisson
        >>> d = Poisson(2.0)
        >>> d.mean.item(), round(d.log_prob(lucid.tensor(1.0)).item(), 4)
        (2.0, -1.3069)
    """

    arg_constraints = {"rate": constraints.nonnegative}
    support = constraints.nonnegative_integer
    _batch_params = ("rate",)

    def __init__(self, rate, validate_args: bool | None = None):
        self._init_params(validate_args, rate=rate)

    @property
    def mean(self):
        return self.rate

    @property
    def mode(self):
        return lucid.floor(self.rate)

    @property
    def variance(self):
        return self.rate

    def sample(self, sample_shape=()):
        shape = self._extended_shape(sample_shape)
        rate = self.rate.detach()
        return lucid.poisson(rate if tuple(rate.shape) == shape else lucid.broadcast_to(rate, shape))

    def log_prob(self, value):
        value = self._value(value)
        return xlogy(value, self.rate) - self.rate - lgamma(value + 1)

