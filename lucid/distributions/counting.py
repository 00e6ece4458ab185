"""Counting distributions: Multinomial (category counts over ``total_count`` draws) and Geometric."""

from __future__ import annotations

import numbers

import lucid
from lucid.distributions import constraints
from lucid.distributions._math import open_uniform, softplus
from lucid.distributions.discrete import _OverCategorical, _ProbsLogits
from lucid.distributions.distribution import _as_shape
from lucid.ops.special import lgamma

__all__ = ["Multinomial", "Geometric"]


class Multinomial(_OverCategorical):
    """How many of ``total_count`` independent draws from ``K`` categories fell in each category.

    ``probs`` (normalised over the last dim) or ``logits`` give the category
    probabilities; the event shape is ``(K,)``. ``log_prob`` takes the total
    from the value's own counts, as PyTorch does, so ``total_count`` matters
    only for ``sample``, ``mean`` and ``variance``.

    Args:
        total_count: the number of draws (a non-negative Python int).
        probs: category probabilities ``(*, K)``.
        logits: unnormalised log-probabilities ``(*, K)`` (give exactly one of ``probs``/``logits``).

    Raises:
        TypeError: ``total_count`` is not an int.
        ValueError: ``total_count`` is negative, or neither/both of ``probs`` and ``logits``.

    Examples:
        >>> import lucid
        >>> from lucid.distributions import Multinomial
        >>> d = Multinomial(4, probs=lucid.tensor([0.5, 0.25, 0.25]))
        >>> d.mean.tolist(), round(d.log_prob(lucid.tensor([2.0, 1.0, 1.0])).item(), 4)
        ([2.0, 1.0, 1.0], -1.674)
        >>> d.sample((5,)).sum(-1).tolist()
        [4.0, 4.0, 4.0, 4.0, 4.0]
    """

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.independent(constraints.real, 1)}
    support = constraints.independent(constraints.nonnegative_integer, 1)

    def __init__(self, total_count: int = 1, probs=None, logits=None, validate_args: bool | None = None):
        if isinstance(total_count, bool) or not isinstance(total_count, numbers.Integral):
            raise TypeError(f"Multinomial: total_count must be a Python int, got {type(total_count).__name__}; "
                            "inhomogeneous total_count is not supported, as in PyTorch")
        if total_count < 0:
            raise ValueError(f"Multinomial: total_count must be non-negative, got {total_count}")
        self.total_count = int(total_count)
        self._init_categorical(probs, logits, validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(Multinomial, _instance)
        new.total_count = self.total_count
        return self._expand_categorical(new, batch_shape)

    @property
    def mean(self):
        return self.probs * self.total_count

    @property
    def variance(self):
        return self.total_count * self.probs * (1 - self.probs)

    def sample(self, sample_shape=()):
        sample_shape = _as_shape(sample_shape)
        k = self.event_shape[0]
        with lucid.no_grad():
            if self.total_count == 0:
                return lucid.zeros(*self._extended_shape(sample_shape), dtype=self.probs.dtype)
            draws = self._categorical.sample((self.total_count,) + tuple(sample_shape))
            hits = lucid.nn.functional.one_hot(draws, k).astype(self.probs.dtype)
            return hits.sum(dim=0)

    def log_prob(self, value):
        value = self._value(value)
        logits = self.logits
        # log(n!) - sum log(x_i!) + sum x_i log p_i; a zero count of an impossible category adds 0, not NaN.
        terms = lucid.where((value == 0) & lucid.isneginf(logits), lucid.zeros_like(value), value * logits)
        return lgamma(value.sum(dim=-1) + 1) - lgamma(value + 1).sum(dim=-1) + terms.sum(dim=-1)

    def entropy(self):
        raise NotImplementedError("Multinomial.entropy is not implemented (it needs the binomial support "
                                  "of every category enumerated)")


class Geometric(_ProbsLogits):
    """The number of failures before the first success in independent trials of success probability ``probs``.

    Support ``{0, 1, 2, ...}``; samples are float, as in PyTorch.

    Args:
        probs: the success probability, in ``(0, 1]``.
        logits: its log-odds (give exactly one of ``probs``/``logits``).

    Examples:
        >>> import lucid
        >>> from lucid.distributions import Geometric
        >>> d = Geometric(probs=0.25)
        >>> d.mean.item(), d.variance.item(), round(d.log_prob(lucid.tensor(2.0)).item(), 4)
        (3.0, 12.0, -1.9617)
    """

    support = constraints.nonnegative_integer

    @property
    def mean(self):
        return 1.0 / self.probs - 1.0

    @property
    def mode(self):
        return lucid.zeros_like(self.probs)

    @property
    def variance(self):
        return (1.0 / self.probs - 1.0) / self.probs

    def sample(self, sample_shape=()):
        shape = self._extended_shape(sample_shape)
        with lucid.no_grad():
            p = self.probs.detach()
            u = open_uniform(shape, p)
            # Inversion: floor(log U / log(1 - p)); p = 1 gives 0 (log U / -inf).
            return lucid.floor(lucid.log(u) / lucid.log1p(-p))

    def log_prob(self, value):
        value = self._value(value)
        if "probs" in self.__dict__:
            p = self.probs
            # x log(1 - p) + log p, with 0 * log(0) = 0 at p = 1, x = 0.
            p_safe = lucid.where((p == 1) & (value == 0), lucid.zeros_like(p), p)
            return value * lucid.log1p(-p_safe) + lucid.log(p)
        logits = self.logits
        return -value * softplus(logits) - softplus(-logits)

    def entropy(self):
        logits, p = self.logits, self.probs
        # the Bernoulli entropy of one trial divided by p
        return (softplus(logits) - p * logits) / p
