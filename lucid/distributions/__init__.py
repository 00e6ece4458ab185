"""Probability distributions with PyTorch's interface (``torch.distributions``), on Lucid ops.

Every distribution has ``batch_shape``/``event_shape``, ``sample`` and (where
PyTorch has one) a reparameterised ``rsample`` that is differentiable through
Lucid's autograd, ``log_prob``, ``entropy``, ``mean``, ``variance`` and,
for univariate ones, ``cdf``/``icdf``. ``kl_divergence`` computes closed-form
KL divergences for the standard pairs; ``register_kl`` adds more.

Draws use ``lucid.random`` (seed with ``lucid.manual_seed``) and are lazy.
Argument validation is on by default: invalid Tensor arguments raise
``ValueError`` at the next sync point (Python numbers at once); see
:class:`Distribution`.

Examples:
    >>> import lucid
    >>> from lucid.distributions import Normal, kl_divergence
    >>> _ = lucid.manual_seed(0)
    >>> loc = lucid.tensor([0.0, 1.0], requires_grad=True)
    >>> q = Normal(loc, 1.0)
    >>> z = q.rsample()
    >>> loss = kl_divergence(q, Normal(0.0, 1.0)).sum() - q.log_prob(z).sum()
    >>> loss.backward()
    >>> loc.grad.shape
    (2,)
"""

from lucid.distributions import constraints, transforms
from lucid.distributions.continuous import Cauchy, Exponential, Gumbel, Laplace, LogNormal, Normal, StudentT, Uniform
from lucid.distributions.counting import Geometric, Multinomial
from lucid.distributions.discrete import Bernoulli, Binomial, Categorical, OneHotCategorical, Poisson
from lucid.distributions.distribution import Distribution
from lucid.distributions.gamma import Beta, Chi2, Dirichlet, Gamma
from lucid.distributions.kl import kl_divergence, register_kl
from lucid.distributions.multivariate import LowRankMultivariateNormal, MultivariateNormal
from lucid.distributions.relaxed import (
                                         ExpRelaxedCategorical,
                                         LogitRelaxedBernoulli,
                                         RelaxedBernoulli,
                                         RelaxedOneHotCategorical,
)
from lucid.distributions.transforms import (
                                         AbsTransform,
                                         AffineTransform,
                                         ComposeTransform,
                                         ExpTransform,
                                         PowerTransform,
                                         SigmoidTransform,
                                         SoftmaxTransform,
                                         StickBreakingTransform,
                                         TanhTransform,
                                         Transform,
)
from lucid.distributions.wrappers import Independent, MixtureSameFamily, TransformedDistribution

__all__ = ["Distribution", "constraints", "transforms", "kl_divergence", "register_kl",
           "Normal", "LogNormal", "Uniform", "Exponential", "Laplace", "Cauchy", "Gumbel", "StudentT",
           "Bernoulli", "Categorical", "OneHotCategorical", "Binomial", "Poisson", "Multinomial", "Geometric",
           "Gamma", "Chi2", "Beta", "Dirichlet",
           "MultivariateNormal", "LowRankMultivariateNormal",
           "LogitRelaxedBernoulli", "RelaxedBernoulli", "ExpRelaxedCategorical", "RelaxedOneHotCategorical",
           "Independent", "MixtureSameFamily", "TransformedDistribution",
           "Transform", "ComposeTransform", "ExpTransform", "AffineTransform", "SigmoidTransform", "TanhTransform",
           "SoftmaxTransform", "StickBreakingTransform", "PowerTransform", "AbsTransform"]
