"""KL divergences: ``kl_divergence(p, q)`` and the ``register_kl`` decorator.

``kl_divergence`` dispatches on the pair of types: among the registered
pairs ``(P, Q)`` with ``p`` an instance of ``P`` and ``q`` of ``Q``, the most
specific one wins (closest in ``p``'s method resolution order, then in
``q``'s); ties are broken by ``p`` first. Each formula is written on Lucid
ops, so the result is differentiable in both distributions' parameters.
"""

from __future__ import annotations

import math
import warnings

import lucid
from lucid.distributions._math import EULER_GAMMA, sum_rightmost
from lucid.distributions.continuous import Cauchy, Exponential, Gumbel, Laplace, LogNormal, Normal, Uniform
from lucid.distributions.discrete import Bernoulli, Binomial, Categorical, OneHotCategorical, Poisson
from lucid.distributions.distribution import Distribution
from lucid.distributions.gamma import Beta, Dirichlet, Gamma
from lucid.distributions.multivariate import LowRankMultivariateNormal, MultivariateNormal, _tri_solve
from lucid.distributions.wrappers import Independent, TransformedDistribution
from lucid.ops.special import digamma, lgamma

__all__ = ["kl_divergence", "register_kl"]

_KL_REGISTRY: dict = {}
_KL_MEMO: dict = {}


def register_kl(type_p, type_q):
    """Register the function below as ``kl_divergence`` for distributions of types ``(type_p, type_q)``.

    Examples:
        >>> import lucid
        >>> from lucid.distributions import Normal, kl_divergence, register_kl
        >>> class MyNormal(Normal):
        ...     pass
        >>> @register_kl(MyNormal, MyNormal)
        ... def _kl_mine(p, q):
        ...     return lucid.zeros(p.batch_shape)
        >>> kl_divergence(MyNormal(0.0, 1.0), MyNormal(1.0, 1.0)).item()
        0.0
    """
    for t in (type_p, type_q):
        if not (isinstance(t, type) and issubclass(t, Distribution)):
            raise TypeError(f"register_kl expects subclasses of Distribution, got {t!r}")

    def decorator(fn):
        _KL_REGISTRY[type_p, type_q] = fn
        _KL_MEMO.clear()
        return fn
    return decorator


def _dispatch(type_p, type_q):
    matches = []
    for p, q in _KL_REGISTRY:
        if issubclass(type_p, p) and issubclass(type_q, q):
            matches.append((type_p.__mro__.index(p), type_q.__mro__.index(q), p, q))
    if not matches:
        return None
    matches.sort(key=lambda m: (m[0], m[1]))
    best = matches[0]
    rival = min(matches, key=lambda m: (m[1], m[0]))
    if rival[:2] != best[:2] and rival[1] < best[1]:
        warnings.warn(f"Ambiguous kl_divergence({type_p.__name__}, {type_q.__name__}). Please register_kl"
                      f"({rival[2].__name__}, {best[3].__name__})", RuntimeWarning, stacklevel=3)
    return _KL_REGISTRY[best[2], best[3]]


def kl_divergence(p: Distribution, q: Distribution) -> lucid.Tensor:
    """The Kullback-Leibler divergence :math:`KL(p \\| q) = E_p[\\log p(x) - \\log q(x)]`, one value per batch element.

    Args:
        p, q: distributions with broadcastable batch shapes.

    Returns:
        A Tensor of the broadcast batch shape.

    Raises:
        NotImplementedError: when no formula is registered for the pair.

    Examples:
        >>> import lucid
        >>> from lucid.distributions import Normal, kl_divergence
        >>> round(kl_divergence(Normal(0.0, 1.0), Normal(1.0, 1.0)).item(), 4)
        0.5
    """
    if not isinstance(p, Distribution) or not isinstance(q, Distribution):
        raise TypeError(f"kl_divergence expects two Distributions, got {type(p).__name__} and {type(q).__name__}")
    key = (type(p), type(q))
    fn = _KL_MEMO.get(key)
    if fn is None:
        fn = _dispatch(*key)
        _KL_MEMO[key] = fn
    if fn is None:
        raise NotImplementedError(f"No KL(p || q) is implemented for p of type {type(p).__name__} and q of type "
                                  f"{type(q).__name__}; register one with register_kl")
    return fn(p, q)


def _inf_where(cond, value):
    return lucid.where(cond, math.inf, value)


@register_kl(Normal, Normal)
def _kl_normal_normal(p, q):
    var_ratio = (p.scale / q.scale) ** 2
    t1 = ((p.loc - q.loc) / q.scale) ** 2
    return 0.5 * (var_ratio + t1 - 1 - lucid.log(var_ratio))


@register_kl(LogNormal, LogNormal)
def _kl_lognormal_lognormal(p, q):
    return _kl_normal_normal(p.base_dist, q.base_dist)


@register_kl(Bernoulli, Bernoulli)
def _kl_bernoulli_bernoulli(p, q):
    from lucid.distributions._math import softplus
    # p log(p/q) + (1-p) log((1-p)/(1-q)) in terms of logits
    t1 = p.probs * (softplus(-q.logits) - softplus(-p.logits))
    t2 = (1 - p.probs) * (softplus(q.logits) - softplus(p.logits))
    t1 = lucid.where(p.probs == 0, 0.0, t1)
    t2 = lucid.where(p.probs == 1, 0.0, t2)
    return t1 + t2


@register_kl(Categorical, Categorical)
def _kl_categorical_categorical(p, q):
    t = p.probs * (p.logits - q.logits)
    t = lucid.where(q.probs == 0, math.inf, t)
    t = lucid.where(p.probs == 0, 0.0, t)
    return t.sum(dim=-1)


@register_kl(OneHotCategorical, OneHotCategorical)
def _kl_onehot_onehot(p, q):
    return _kl_categorical_categorical(p._categorical, q._categorical)


@register_kl(Binomial, Binomial)
def _kl_binomial_binomial(p, q):
    # NOTE: defined for equal total_count only (as PyTorch); unequal counts give inf where q's count is smaller
    from lucid.distributions._math import softplus
    n = p.total_count
    kl = n * (p.probs * (softplus(-q.logits) - softplus(-p.logits))
              + (1 - p.probs) * (softplus(q.logits) - softplus(p.logits)))
    return _inf_where(p.total_count > q.total_count, kl)


@register_kl(Poisson, Poisson)
def _kl_poisson_poisson(p, q):
    return p.rate * (lucid.log(p.rate) - lucid.log(q.rate)) - (p.rate - q.rate)


@register_kl(Exponential, Exponential)
def _kl_exponential_exponential(p, q):
    ratio = q.rate / p.rate
    return ratio - 1 - lucid.log(ratio)


@register_kl(Laplace, Laplace)
def _kl_laplace_laplace(p, q):
    ratio = p.scale / q.scale
    diff = lucid.abs(p.loc - q.loc)
    return -lucid.log(ratio) + diff / q.scale + ratio * lucid.exp(-diff / p.scale) - 1


@register_kl(Cauchy, Cauchy)
def _kl_cauchy_cauchy(p, q):
    t1 = lucid.log((p.scale + q.scale) ** 2 + (p.loc - q.loc) ** 2)
    t2 = lucid.log(4 * p.scale * q.scale)
    return t1 - t2


@register_kl(Gumbel, Gumbel)
def _kl_gumbel_gumbel(p, q):
    ct1 = p.scale / q.scale
    ct2 = q.loc / q.scale
    ct3 = p.loc / q.scale
    t1 = -lucid.log(ct1) - ct2 + ct3
    t2 = ct1 * EULER_GAMMA
    t3 = lucid.exp(ct2 + lgamma(1 + ct1) - ct3)
    return t1 + t2 + t3 - (1 + EULER_GAMMA)


@register_kl(Uniform, Uniform)
def _kl_uniform_uniform(p, q):
    kl = lucid.log((q.high - q.low) / (p.high - p.low))
    return _inf_where((q.low > p.low) | (q.high < p.high), kl)


@register_kl(Gamma, Gamma)
def _kl_gamma_gamma(p, q):
    t1 = q.concentration * lucid.log(p.rate / q.rate)
    t2 = lgamma(q.concentration) - lgamma(p.concentration)
    t3 = (p.concentration - q.concentration) * digamma(p.concentration)
    t4 = (q.rate - p.rate) * (p.concentration / p.rate)
    return t1 + t2 + t3 + t4


@register_kl(Beta, Beta)
def _kl_beta_beta(p, q):
    a1, b1, a2, b2 = p.concentration1, p.concentration0, q.concentration1, q.concentration0
    s1 = a1 + b1
    t1 = lgamma(a2) + lgamma(b2) + lgamma(s1)
    t2 = lgamma(a1) + lgamma(b1) + lgamma(a2 + b2)
    t3 = (a1 - a2) * digamma(a1)
    t4 = (b1 - b2) * digamma(b1)
    t5 = (a2 + b2 - s1) * digamma(s1)
    return t1 - t2 + t3 + t4 + t5


@register_kl(Dirichlet, Dirichlet)
def _kl_dirichlet_dirichlet(p, q):
    a, b = p.concentration, q.concentration
    a0 = a.sum(dim=-1)
    b0 = b.sum(dim=-1)
    t1 = lgamma(a0) - lgamma(b0)
    t2 = (lgamma(a) - lgamma(b)).sum(dim=-1)
    t3 = ((a - b) * (digamma(a) - digamma(a0).unsqueeze(-1))).sum(dim=-1)
    return t1 - t2 + t3


@register_kl(MultivariateNormal, MultivariateNormal)
def _kl_mvn_mvn(p, q):
    if p.event_shape != q.event_shape:
        raise ValueError("KL-divergence between two Multivariate Normals with different event shapes cannot be "
                         "computed")
    Lp, Lq = p._unbroadcasted_scale_tril, q._unbroadcasted_scale_tril
    k = p.event_shape[0]
    half_log_det_p = lucid.log(lucid.diagonal(Lp, dim1=-2, dim2=-1)).sum(dim=-1)
    half_log_det_q = lucid.log(lucid.diagonal(Lq, dim1=-2, dim2=-1)).sum(dim=-1)
    # tr(Sq^-1 Sp) = ||Lq^-1 Lp||_F^2, solved column by column (Lp's columns are the last-but-one axis)
    batch = tuple(lucid.distributions._math.broadcast_shape(Lp.shape[:-2], Lq.shape[:-2]))
    Lp_b = Lp.expand(*batch, k, k) if Lp.shape[:-2] != batch else Lp
    Lq_b = Lq.expand(*batch, k, k) if Lq.shape[:-2] != batch else Lq
    m = lucid.linalg.solve_triangular(Lq_b, Lp_b, upper=False)
    trace = (m ** 2).sum(dim=(-2, -1))
    maha = (_tri_solve(Lq, q.loc - p.loc) ** 2).sum(dim=-1)
    out = half_log_det_q - half_log_det_p + 0.5 * (trace + maha - k)
    shape = lucid.distributions._math.broadcast_shape(p.batch_shape, q.batch_shape)
    return out.expand(*shape) if out.shape != shape else out


@register_kl(LowRankMultivariateNormal, LowRankMultivariateNormal)
def _kl_lowrank_lowrank(p, q):
    return _kl_mvn_mvn(MultivariateNormal(p.loc, covariance_matrix=p.covariance_matrix, validate_args=False),
                       MultivariateNormal(q.loc, covariance_matrix=q.covariance_matrix, validate_args=False))


@register_kl(Independent, Independent)
def _kl_independent_independent(p, q):
    if p.reinterpreted_batch_ndims != q.reinterpreted_batch_ndims:
        raise NotImplementedError("KL between Independents with different reinterpreted_batch_ndims")
    return sum_rightmost(kl_divergence(p.base_dist, q.base_dist), p.reinterpreted_batch_ndims)


@register_kl(TransformedDistribution, TransformedDistribution)
def _kl_transformed_transformed(p, q):
    if p.transforms != q.transforms:
        raise NotImplementedError("KL between TransformedDistributions with different transforms")
    if p.event_shape != q.event_shape:
        raise NotImplementedError("KL between TransformedDistributions with different event shapes")
    extra = len(p.event_shape) - len(p.base_dist.event_shape)
    return sum_rightmost(kl_divergence(p.base_dist, q.base_dist), extra)
