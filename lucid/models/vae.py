"""A fully connected variational autoencoder (Kingma & Welling, 2014) for 28x28 images.

The layout is the classic one of PyTorch's MNIST example: ``fc1`` (784 -> 400),
two heads ``fc21``/``fc22`` (400 -> 20) for the posterior's mean and log-variance,
and a decoder ``fc3`` (20 -> 400), ``fc4`` (400 -> 784) ending in a sigmoid, so a
checkpoint of that example loads by name.
"""

from __future__ import annotations

import math

import lucid
import lucid.nn as nn
import lucid.nn.functional as F
from lucid.distributions import Normal, kl_divergence
from lucid.models._registry import register_model

__all__ = ["VAE", "vae"]

_PAPER = "Auto-Encoding Variational Bayes (Kingma & Welling, 2014)"
_REDUCTIONS = ("sum", "mean")


class VAE(nn.Module):
    r"""A variational autoencoder with a Gaussian posterior and a Bernoulli decoder.

    ``encode(x)`` gives the posterior's mean and log-variance, ``reparameterize``
    draws ``z = mu + exp(logvar / 2) * eps`` differentiably (``Normal.rsample``),
    ``decode(z)`` gives pixel probabilities, and ``forward(x)`` returns
    ``(reconstruction, mu, logvar)``. Inputs of shape ``(N, 1, 28, 28)`` or
    ``(N, 784)`` are flattened; the reconstruction has shape ``(N, 784)``.

    Args:
        in_features: pixels per image (default 784 = 28 x 28).
        hidden: width of the hidden layers (default 400).
        latent: size of the latent code (default 20).

    Examples:
        >>> import lucid
        >>> from lucid.models import VAE
        >>> model = VAE()
        >>> recon, mu, logvar = model(lucid.rand(4, 1, 28, 28))
        >>> recon.shape, mu.shape, logvar.shape
        ((4, 784), (4, 20), (4, 20))
        >>> model.sample(3).shape
        (3, 784)
    """

    def __init__(self, in_features: int = 784, hidden: int = 400, latent: int = 20):
        super().__init__()
        for name, value in (("in_features", in_features), ("hidden", hidden), ("latent", latent)):
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"VAE: {name} must be a positive int, got {value!r}")
        self.in_features, self.latent = in_features, latent
        self.fc1 = nn.Linear(in_features, hidden)
        self.fc21 = nn.Linear(hidden, latent)
        self.fc22 = nn.Linear(hidden, latent)
        self.fc3 = nn.Linear(latent, hidden)
        self.fc4 = nn.Linear(hidden, in_features)

    def _flat(self, x):
        if x.ndim < 2 or math.prod(x.shape[1:]) != self.in_features:
            raise ValueError(f"VAE expects (N, {self.in_features}) or (N, ...) inputs with {self.in_features} "
                             f"values per sample, got shape {tuple(x.shape)}")
        return x.reshape(x.shape[0], self.in_features)

    def encode(self, x):
        """The posterior ``q(z | x)``'s mean and log-variance, each ``(N, latent)``."""
        h = F.relu(self.fc1(self._flat(x)))
        return self.fc21(h), self.fc22(h)

    def reparameterize(self, mu, logvar):
        """A draw ``mu + exp(logvar / 2) * eps`` with ``eps ~ N(0, I)``, differentiable in ``mu`` and ``logvar``."""
        return Normal(mu, lucid.exp(0.5 * logvar)).rsample()

    def decode(self, z):
        """Pixel probabilities ``(N, in_features)`` for latent codes ``z`` of shape ``(N, latent)``."""
        return lucid.sigmoid(self.fc4(F.relu(self.fc3(z))))

    def forward(self, x):
        mu, logvar = self.encode(x)
        return self.decode(self.reparameterize(mu, logvar)), mu, logvar

    def sample(self, n: int):
        """Decode ``n`` codes drawn from the prior ``N(0, I)``: ``(n, in_features)`` pixel probabilities.

        Wrap it in ``lucid.no_grad()`` when no gradient is wanted.
        """
        if not isinstance(n, int) or isinstance(n, bool) or n < 0:
            raise ValueError(f"VAE.sample: n must be a non-negative int, got {n!r}")
        return self.decode(lucid.randn(n, self.latent))

    def loss(self, recon, x, mu, logvar, reduction: str = "sum"):
        r"""The negative ELBO: binary cross-entropy of the reconstruction plus the KL term.

        .. math::

            \mathcal{L} = -\sum_i \big[x_i \log \hat x_i + (1 - x_i) \log(1 - \hat x_i)\big]
                + \mathrm{KL}\big(\mathcal{N}(\mu, \sigma^2) \,\|\, \mathcal{N}(0, I)\big),
            \quad \mathrm{KL} = -\tfrac12 \sum_j (1 + \log\sigma_j^2 - \mu_j^2 - \sigma_j^2).

        Args:
            recon: ``decode``'s output ``(N, in_features)``.
            x: the input batch (any shape with ``in_features`` values per sample), values in ``[0, 1]``.
            mu, logvar: ``encode``'s outputs.
            reduction: ``"sum"`` (default): summed over the batch, as in PyTorch's example;
                ``"mean"``: that sum divided by the batch size (the per-example negative ELBO).

        Examples:
            >>> import lucid
            >>> from lucid.models import VAE
            >>> model = VAE()
            >>> x = lucid.rand(8, 784)
            >>> recon, mu, logvar = model(x)
            >>> model.loss(recon, x, mu, logvar, reduction="mean").shape
            ()
        """
        if reduction not in _REDUCTIONS:
            raise ValueError(f"VAE.loss: reduction must be one of {_REDUCTIONS}, got {reduction!r}")
        bce = F.binary_cross_entropy(recon, self._flat(x), reduction="sum")
        kl = kl_divergence(Normal(mu, lucid.exp(0.5 * logvar)), Normal(0.0, 1.0))
        total = bce + kl.sum()
        return total if reduction == "sum" else total / mu.shape[0]

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, latent={self.latent}"


@register_model("vae", num_params=652_824, input_size=(1, 28, 28), paper=_PAPER)
def vae(**kwargs) -> VAE:
    """The 784-400-20 VAE of PyTorch's MNIST example (see :class:`VAE` for the arguments).

    Examples:
        >>> import lucid.models as models
        >>> models.create_model("vae").latent
        20
    """
    return VAE(**kwargs)
