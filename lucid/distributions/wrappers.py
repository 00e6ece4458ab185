"""Distributions built from other distributions: ``Independent``, ``TransformedDistribution``, ``MixtureSameFamily``."""

from __future__ import annotations

import lucid
from lucid._tensor import Tensor
from lucid.distributions import constraints
from lucid.distributions._math import sum_rightmost
from lucid.distributions.distribution import Distribution, _as_shape, _delegated
from lucid.distributions.transforms import ComposeTransform, Transform

__all__ = ["Independent", "TransformedDistribution", "MixtureSameFamily"]


class Independent(Distribution):
    """Reinterpret the rightmost ``reinterpreted_batch_ndims`` batch dims of ``base_distribution`` as event dims.

    ``log_prob`` then sums over those dims, e.g. a diagonal Gaussian from a
    batch of ``Normal``.

    Args:
        base_distribution: the distribution to wrap.
        reinterpreted_batch_ndims: how many batch dims become event dims.

    Examples:
        >>> import lucid
        >>> from lucid.distributions import Independent, Normal
        >>> d = Independent(Normal(lucid.zeros(3), lucid.ones(3)), 1)
        >>> d.batch_shape, d.event_shape, d.log_prob(lucid.zeros(3)).shape
        ((), (3,), ())
    """

    arg_constraints: dict = {}

    def __init__(self, base_distribution: Distribution, reinterpreted_batch_ndims: int,
                 validate_args: bool | None = None):
        if not isinstance(base_distribution, Distribution):
            raise TypeError(f"Independent expects a Distribution, got {type(base_distribution).__name__}")
        n = reinterpreted_batch_ndims
        if not isinstance(n, int) or isinstance(n, bool) or n < 0:
            raise ValueError(f"reinterpreted_batch_ndims must be a non-negative int, got {n!r}")
        if n > len(base_distribution.batch_shape):
            raise ValueError(f"Expected reinterpreted_batch_ndims <= len(base_distribution.batch_shape), actual "
                             f"{n} vs {len(base_distribution.batch_shape)}")
        shape = base_distribution.batch_shape + base_distribution.event_shape
        event_dim = n + len(base_distribution.event_shape)
        self.base_dist = base_distribution
        self.reinterpreted_batch_ndims = n
        super().__init__(shape[: len(shape) - event_dim], shape[len(shape) - event_dim:], validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(Independent, _instance)
        batch_shape = _as_shape(batch_shape, "batch_shape")
        new.base_dist = self.base_dist.expand(batch_shape + self.event_shape[: self.reinterpreted_batch_ndims])
        new.reinterpreted_batch_ndims = self.reinterpreted_batch_ndims
        return self._init_expanded(new, batch_shape)

    has_rsample = _delegated("base_dist.has_rsample")

    @property
    def has_enumerate_support(self):
        return False if self.reinterpreted_batch_ndims else self.base_dist.has_enumerate_support

    @constraints.dependent_property
    def support(self):
        s = self.base_dist.support
        return constraints.independent(s, self.reinterpreted_batch_ndims) if self.reinterpreted_batch_ndims else s

    mean = _delegated("base_dist.mean")
    mode = _delegated("base_dist.mode")
    variance = _delegated("base_dist.variance")

    def sample(self, sample_shape=()):
        return self.base_dist.sample(sample_shape)

    def rsample(self, sample_shape=()):
        return self.base_dist.rsample(sample_shape)

    def log_prob(self, value):
        return sum_rightmost(self.base_dist.log_prob(value), self.reinterpreted_batch_ndims)

    def entropy(self):
        return sum_rightmost(self.base_dist.entropy(), self.reinterpreted_batch_ndims)

    def enumerate_support(self, expand: bool = True):
        if self.reinterpreted_batch_ndims:
            raise NotImplementedError("enumeration over cartesian product is not implemented")
        return self.base_dist.enumerate_support(expand=expand)

    def __repr__(self):
        return f"Independent({self.base_dist!r}, {self.reinterpreted_batch_ndims})"


class TransformedDistribution(Distribution):
    """The distribution of ``transforms[-1](...transforms[0](x))`` for ``x ~ base_distribution``.

    ``log_prob`` uses the change of variables formula
    :math:`\\log p(y) = \\log p(x) - \\sum \\log|\\det J|`; ``cdf``/``icdf``
    are available when every transform is monotone (they use its ``sign``).

    Args:
        base_distribution: the distribution of ``x``.
        transforms: a :class:`Transform` or a list of them.

    Examples:
        >>> import lucid
        >>> from lucid.distributions import Normal, TransformedDistribution
        >>> from lucid.distributions.transforms import ExpTransform
        >>> d = TransformedDistribution(Normal(0.0, 1.0), [ExpTransform()])  # a log-normal
        >>> round(d.log_prob(lucid.tensor(1.0)).item(), 4)
        -0.9189
    """

    arg_constraints: dict = {}

    def __init__(self, base_distribution: Distribution, transforms, validate_args: bool | None = None):
        if isinstance(transforms, Transform):
            transforms = [transforms]
        elif isinstance(transforms, (list, tuple)):
            for t in transforms:
                if not isinstance(t, Transform):
                    raise TypeError(f"transforms must be Transforms, got {type(t).__name__}")
            transforms = list(transforms)
        else:
            raise TypeError(f"transforms must be a Transform or a list of them, got {type(transforms).__name__}")
        if not isinstance(base_distribution, Distribution):
            raise TypeError(f"base_distribution must be a Distribution, got {type(base_distribution).__name__}")
        self.transforms = transforms
        base_shape = base_distribution.batch_shape + base_distribution.event_shape
        base_event_dim = len(base_distribution.event_shape)
        transform = ComposeTransform(self.transforms)
        domain_event_dim = transform.domain.event_dim
        if len(base_shape) < domain_event_dim:
            raise ValueError(f"base_distribution needs at least {domain_event_dim} dims but has shape {base_shape}")
        forward_shape = transform.forward_shape(base_shape)
        expanded_base_shape = transform.inverse_shape(forward_shape)
        if base_shape != expanded_base_shape:
            base_batch = expanded_base_shape[: len(expanded_base_shape) - base_event_dim]
            base_distribution = base_distribution.expand(base_batch)
        reinterpreted = domain_event_dim - base_event_dim
        if reinterpreted > 0:
            base_distribution = Independent(base_distribution, reinterpreted)
        self.base_dist = base_distribution
        event_dim = transform.codomain.event_dim + max(base_event_dim - domain_event_dim, 0)
        cut = len(forward_shape) - event_dim
        super().__init__(forward_shape[:cut], forward_shape[cut:], validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(TransformedDistribution, _instance)
        batch_shape = _as_shape(batch_shape, "batch_shape")
        shape = batch_shape + self.event_shape
        for t in reversed(self.transforms):
            shape = t.inverse_shape(shape)
        base_batch = shape[: len(shape) - len(self.base_dist.event_shape)]
        new.base_dist = self.base_dist.expand(base_batch)
        new.transforms = self.transforms
        return self._init_expanded(new, batch_shape)

    @constraints.dependent_property
    def support(self):
        if not self.transforms:
            return self.base_dist.support
        s = self.transforms[-1].codomain
        if len(self.event_shape) > s.event_dim:
            s = constraints.independent(s, len(self.event_shape) - s.event_dim)
        return s

    has_rsample = _delegated("base_dist.has_rsample")

    def sample(self, sample_shape=()):
        with lucid.no_grad():
            x = self.base_dist.sample(sample_shape)
            for t in self.transforms:
                x = t(x)
            return x.detach()

    def rsample(self, sample_shape=()):
        x = self.base_dist.rsample(sample_shape)
        for t in self.transforms:
            x = t(x)
        return x

    def log_prob(self, value):
        value = self._value(value)
        event_dim = len(self.event_shape)
        log_prob = 0.0
        y = value
        for t in reversed(self.transforms):
            x = t.inv(y)
            event_dim += t.domain.event_dim - t.codomain.event_dim
            log_prob = log_prob - sum_rightmost(t.log_abs_det_jacobian(x, y), event_dim - t.domain.event_dim)
            y = x
        return log_prob + sum_rightmost(self.base_dist.log_prob(y), event_dim - len(self.base_dist.event_shape))

    def _monotonize_cdf(self, value):
        sign = 1
        for t in self.transforms:
            sign = sign * t.sign
        if isinstance(sign, int) and sign == 1:
            return value
        return sign * (value - 0.5) + 0.5

    def cdf(self, value):
        value = self._value(value)
        for t in reversed(self.transforms):
            value = t.inv(value)
        value = self.base_dist.cdf(value)
        return self._monotonize_cdf(value)

    def icdf(self, value):
        value = self._monotonize_cdf(value if isinstance(value, Tensor) else lucid.tensor(value))
        value = self.base_dist.icdf(value)
        for t in self.transforms:
            value = t(value)
        return value

    def __repr__(self):
        return f"TransformedDistribution({self.base_dist!r}, {self.transforms!r})"


class MixtureSameFamily(Distribution):
    """A mixture whose components are one batched distribution, weighted by a ``Categorical``.

    Args:
        mixture_distribution: a ``Categorical`` over the ``K`` components,
            batch shape ``B``.
        component_distribution: a distribution with batch shape ``B + (K,)``.

    Examples:
        >>> import lucid
        >>> from lucid.distributions import Categorical, MixtureSameFamily, Normal
        >>> mix = Categorical(probs=lucid.tensor([0.5, 0.5]))
        >>> d = MixtureSameFamily(mix, Normal(lucid.tensor([-1.0, 1.0]), lucid.tensor([1.0, 1.0])))
        >>> d.mean.item(), d.batch_shape
        (0.0, ())
    """

    arg_constraints: dict = {}
    has_rsample = False

    def __init__(self, mixture_distribution, component_distribution, validate_args: bool | None = None):
        from lucid.distributions.discrete import Categorical
        if not isinstance(mixture_distribution, Categorical):
            raise ValueError("The mixture_distribution needs to be an instance of Categorical, got "
                             f"{type(mixture_distribution).__name__}")
        if not isinstance(component_distribution, Distribution):
            raise ValueError("The component_distribution needs to be an instance of Distribution, got "
                             f"{type(component_distribution).__name__}")
        mb = mixture_distribution.batch_shape
        cb = component_distribution.batch_shape
        if len(cb) < 1 or len(cb) - 1 != len(mb) or any(a != b and a != 1 and b != 1 for a, b in zip(mb, cb[:-1])):
            raise ValueError(f"`mixture_distribution.batch_shape` ({mb}) is not compatible with "
                             f"`component_distribution.batch_shape` ({cb})")
        k = mixture_distribution.logits.shape[-1]
        if cb[-1] != k:
            raise ValueError(f"`mixture_distribution component` ({k}) does not equal "
                             f"`component_distribution.batch_shape[-1]` ({cb[-1]})")
        self._mixture_distribution = mixture_distribution
        self._component_distribution = component_distribution
        self._num_component = k
        self._event_ndims = len(component_distribution.event_shape)
        super().__init__(cb[:-1], component_distribution.event_shape, validate_args)

    def expand(self, batch_shape, _instance=None):
        batch_shape = _as_shape(batch_shape, "batch_shape")
        new = self._get_checked_instance(MixtureSameFamily, _instance)
        new._component_distribution = self._component_distribution.expand(batch_shape + (self._num_component,))
        new._mixture_distribution = self._mixture_distribution.expand(batch_shape)
        new._num_component = self._num_component
        new._event_ndims = self._event_ndims
        return self._init_expanded(new, batch_shape)

    @constraints.dependent_property
    def support(self):
        return self._component_distribution.support

    @property
    def mixture_distribution(self):
        return self._mixture_distribution

    @property
    def component_distribution(self):
        return self._component_distribution

    def _pad(self, x):
        return x.unsqueeze(-1 - self._event_ndims)

    def _mix_probs(self):
        p = self._mixture_distribution.probs
        for _ in range(self._event_ndims):
            p = p.unsqueeze(-1)
        return p

    @property
    def mean(self):
        return (self._mix_probs() * self._component_distribution.mean).sum(dim=-1 - self._event_ndims)

    @property
    def variance(self):
        p = self._mix_probs()
        d = -1 - self._event_ndims
        mean_cond_var = (p * self._component_distribution.variance).sum(dim=d)
        m = self._component_distribution.mean
        var_cond_mean = (p * (m - self._pad(self.mean)) ** 2).sum(dim=d)
        return mean_cond_var + var_cond_mean

    def cdf(self, x):
        x = self._pad(self._value(x))
        cdf_x = self._component_distribution.cdf(x)
        return (cdf_x * self._mixture_distribution.probs).sum(dim=-1)

    def log_prob(self, x):
        x = self._pad(self._value(x))
        log_prob_x = self._component_distribution.log_prob(x)
        log_mix = lucid.nn.functional.log_softmax(self._mixture_distribution.logits, dim=-1)
        return lucid.logsumexp(log_prob_x + log_mix, dim=-1)

    def sample(self, sample_shape=()):
        with lucid.no_grad():
            sample_shape = _as_shape(sample_shape)
            n = len(sample_shape)
            b = len(self.batch_shape)
            idx = self._mixture_distribution.sample(sample_shape)  # S + B
            comp = self._component_distribution.sample(sample_shape)  # S + B + (K,) + E
            es = self.event_shape
            idx = idx.reshape(*idx.shape, 1, *([1] * len(es)))
            idx = idx.expand(*(sample_shape + self.batch_shape + (1,) + es))
            out = lucid.take_along_dim(comp, idx, dim=n + b)
            return out.squeeze(n + b).detach()

    def __repr__(self):
        return (f"MixtureSameFamily(\n  {self._mixture_distribution!r},\n  {self._component_distribution!r})")
