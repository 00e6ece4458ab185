"""DCGAN (Radford et al., 2016): the generator and discriminator for 64x64 images.

The layout is the paper's as used by PyTorch's DCGAN example: both networks
keep their layers in a ``Sequential`` named ``main`` (so that example's
checkpoints load by name), strided (transposed) 4x4 convolutions without bias,
BatchNorm on every inner layer, ReLU in the generator and LeakyReLU(0.2) in
the discriminator, and the paper's initialisation (:func:`dcgan_init_`).
"""

from __future__ import annotations

import itertools

import lucid.nn as nn
from lucid.models._registry import register_model

__all__ = ["DCGANGenerator", "DCGANDiscriminator", "dcgan_init_", "dcgan_generator", "dcgan_discriminator"]

_PAPER = ("Unsupervised Representation Learning with Deep Convolutional Generative Adversarial Networks "
          "(Radford et al., 2016)")


def _positive(cls: str, **values) -> None:
    for name, value in values.items():
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise ValueError(f"{cls}: {name} must be a positive int, got {value!r}")


def dcgan_init_(module: nn.Module) -> nn.Module:
    """The DCGAN initialisation, in place and lazily: convolution weights ``N(0, 0.02^2)``, BatchNorm ``N(1, 0.02^2)``.

    Convolutions (plain and transposed) get weights drawn from a normal
    distribution with mean 0 and standard deviation 0.02; BatchNorm layers get
    scales from a normal with mean 1 and standard deviation 0.02 and zero
    shifts. Other modules are left alone. Applies to ``module`` and all its
    descendants; returns ``module``.

    Examples:
        >>> import lucid.nn as nn
        >>> from lucid.models import dcgan_init_
        >>> net = dcgan_init_(nn.Sequential(nn.Conv2d(3, 64, 4), nn.BatchNorm2d(64)))
        >>> round(float(net[1].weight.mean().item()), 1)
        1.0
    """
    for m in module.modules():
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)):
            nn.init.normal_(m.weight, 0.0, 0.02)
        elif isinstance(m, nn.BatchNorm2d):
            nn.init.normal_(m.weight, 1.0, 0.02)
            nn.init.zeros_(m.bias)
    return module


class DCGANGenerator(nn.Module):
    """The DCGAN generator: a latent vector to a ``(nc, 64, 64)`` image in ``[-1, 1]``.

    Five transposed convolutions grow a ``(nz, 1, 1)`` code to 4x4 (``ngf * 8``
    channels), 8x8, 16x16, 32x32 and 64x64 (``nc`` channels), with BatchNorm and
    ReLU between them and ``tanh`` at the end.

    Args:
        nz: size of the latent vector (default 100).
        ngf: channels of the last hidden layer; the others have 2, 4 and 8 times as many (default 64).
        nc: channels of the output image (default 3).

    Shape:
        input ``(N, nz, 1, 1)`` or ``(N, nz)``; output ``(N, nc, 64, 64)``.

    Examples:
        >>> import lucid
        >>> from lucid.models import DCGANGenerator
        >>> g = DCGANGenerator(nz=16, ngf=8, nc=1)
        >>> g(lucid.randn(2, 16, 1, 1)).shape
        (2, 1, 64, 64)
    """

    def __init__(self, nz: int = 100, ngf: int = 64, nc: int = 3):
        super().__init__()
        _positive("DCGANGenerator", nz=nz, ngf=ngf, nc=nc)
        self.nz = nz
        widths = [nz, ngf * 8, ngf * 4, ngf * 2, ngf]
        layers = []
        for i, (c_in, c_out) in enumerate(itertools.pairwise(widths)):
            stride, padding = (1, 0) if i == 0 else (2, 1)
            layers += [nn.ConvTranspose2d(c_in, c_out, 4, stride, padding, bias=False), nn.BatchNorm2d(c_out),
                       nn.ReLU()]
        layers += [nn.ConvTranspose2d(ngf, nc, 4, 2, 1, bias=False), nn.Tanh()]
        self.main = nn.Sequential(*layers)
        dcgan_init_(self)

    def forward(self, z):
        if z.ndim == 2:
            z = z.reshape(z.shape[0], z.shape[1], 1, 1)
        if z.ndim != 4 or z.shape[1:] != (self.nz, 1, 1):
            raise ValueError(f"DCGANGenerator expects latent codes of shape (N, {self.nz}, 1, 1) or "
                             f"(N, {self.nz}), got {tuple(z.shape)}")
        return self.main(z)

    def extra_repr(self) -> str:
        return f"nz={self.nz}"


class DCGANDiscriminator(nn.Module):
    """The DCGAN discriminator: a ``(nc, 64, 64)`` image to the probability that it is real.

    Five strided convolutions shrink the image to 32x32 (``ndf`` channels),
    16x16, 8x8, 4x4 (``ndf * 8``) and one value per image, with LeakyReLU(0.2)
    after each inner layer and BatchNorm on all but the first.

    Args:
        nc: channels of the input image (default 3).
        ndf: channels of the first layer; the next have 2, 4 and 8 times as many (default 64).
        logits: end without the sigmoid, for ``binary_cross_entropy_with_logits``, which is
            numerically safer (default ``False``: probabilities, as in the paper).

    Shape:
        input ``(N, nc, 64, 64)``; output ``(N,)``.

    Examples:
        >>> import lucid
        >>> from lucid.models import DCGANDiscriminator
        >>> d = DCGANDiscriminator(nc=1, ndf=8)
        >>> p = d(lucid.randn(2, 1, 64, 64))
        >>> p.shape, bool(((p > 0) & (p < 1)).all().item())
        ((2,), True)
    """

    def __init__(self, nc: int = 3, ndf: int = 64, logits: bool = False):
        super().__init__()
        _positive("DCGANDiscriminator", nc=nc, ndf=ndf)
        self.nc, self.logits = nc, bool(logits)
        widths = [ndf, ndf * 2, ndf * 4, ndf * 8]
        layers = [nn.Conv2d(nc, ndf, 4, 2, 1, bias=False), nn.LeakyReLU(0.2)]
        for c_in, c_out in itertools.pairwise(widths):
            layers += [nn.Conv2d(c_in, c_out, 4, 2, 1, bias=False), nn.BatchNorm2d(c_out), nn.LeakyReLU(0.2)]
        layers.append(nn.Conv2d(ndf * 8, 1, 4, 1, 0, bias=False))
        if not self.logits:
            layers.append(nn.Sigmoid())
        self.main = nn.Sequential(*layers)
        dcgan_init_(self)

    def forward(self, x):
        if x.ndim != 4 or x.shape[1:] != (self.nc, 64, 64):
            raise ValueError(f"DCGANDiscriminator expects images of shape (N, {self.nc}, 64, 64), "
                             f"got {tuple(x.shape)}")
        return self.main(x).reshape(x.shape[0])

    def extra_repr(self) -> str:
        return f"logits={self.logits}" if self.logits else ""


@register_model("dcgan_generator", num_params=3_576_704, input_size=(100, 1, 1), paper=_PAPER)
def dcgan_generator(**kwargs) -> DCGANGenerator:
    """The DCGAN generator for 64x64 RGB images (see :class:`DCGANGenerator` for the arguments).

    Examples:
        >>> import lucid.models as models
        >>> models.create_model("dcgan_generator", nz=64).nz
        64
    """
    return DCGANGenerator(**kwargs)


@register_model("dcgan_discriminator", num_params=2_765_568, input_size=(3, 64, 64), paper=_PAPER)
def dcgan_discriminator(**kwargs) -> DCGANDiscriminator:
    """The DCGAN discriminator for 64x64 RGB images (see :class:`DCGANDiscriminator` for the arguments).

    Examples:
        >>> import lucid.models as models
        >>> models.create_model("dcgan_discriminator", nc=1).nc
        1
    """
    return DCGANDiscriminator(**kwargs)
