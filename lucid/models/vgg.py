"""VGG (Simonyan & Zisserman, 2015), with and without batch norm, with torchvision's layer names."""

from __future__ import annotations

import lucid
import lucid.nn as nn
from lucid.models._layers import init_conv_bn
from lucid.models._registry import register_model

__all__ = ["VGG", "vgg11", "vgg11_bn", "vgg13", "vgg13_bn", "vgg16", "vgg16_bn", "vgg19", "vgg19_bn"]

_PAPER = "Very Deep Convolutional Networks for Large-Scale Image Recognition (Simonyan & Zisserman, 2015)"

# Output channels of each 3x3 convolution, "M" for a 2x2 max pool (configurations A, B, D, E of the paper).
_CONFIGS = {
    11: [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    13: [64, 64, "M", 128, 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    16: [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"],
    19: [64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M", 512, 512, 512, 512, "M", 512, 512, 512, 512, "M"],
}


def make_layers(config: list, batch_norm: bool = False) -> nn.Sequential:
    """The convolutional part of a VGG from a configuration list (see ``_CONFIGS``).

    Examples:
        >>> from lucid.models.vgg import make_layers
        >>> len(make_layers([8, "M", 16], batch_norm=True))
        7
    """
    layers: list = []
    c_in = 3
    for v in config:
        if v == "M":
            layers.append(nn.MaxPool2d(2, 2))
            continue
        layers.append(nn.Conv2d(c_in, v, 3, padding=1))
        if batch_norm:
            layers.append(nn.BatchNorm2d(v))
        layers.append(nn.ReLU())
        c_in = v
    return nn.Sequential(*layers)


class VGG(nn.Module):
    """A VGG network: ``features`` (from :func:`make_layers`), a 7x7 adaptive pool and a 3-layer ``classifier``.

    Args:
        features: the convolutional part, ending with 512 channels.
        num_classes: outputs of the last layer (default 1000).
        init_weights: torchvision's initialisation (Kaiming-normal convolutions, ``N(0, 0.01)`` linears).
        dropout: dropout probability in the classifier (default 0.5).

    Examples:
        >>> import lucid
        >>> from lucid.models.vgg import VGG, make_layers
        >>> VGG(make_layers([512, "M"]), num_classes=4).eval()(lucid.zeros(1, 3, 14, 14)).shape
        (1, 4)
    """

    def __init__(self, features: nn.Module, num_classes: int = 1000, init_weights: bool = True, dropout: float = 0.5):
        super().__init__()
        self.features = features
        self.avgpool = nn.AdaptiveAvgPool2d((7, 7))
        self.classifier = nn.Sequential(
            nn.Linear(512 * 7 * 7, 4096), nn.ReLU(), nn.Dropout(dropout),
            nn.Linear(4096, 4096), nn.ReLU(), nn.Dropout(dropout),
            nn.Linear(4096, num_classes),
        )
        if init_weights:
            init_conv_bn(self, linear_std=0.01)

    def forward(self, x):
        return self.classifier(lucid.flatten(self.avgpool(self.features(x)), 1))


def _vgg(depth: int, batch_norm: bool, kwargs: dict) -> VGG:
    return VGG(make_layers(_CONFIGS[depth], batch_norm), **kwargs)


@register_model("vgg11", num_params=132_863_336, paper=_PAPER)
def vgg11(**kwargs) -> VGG:
    """VGG-11 (configuration A).

    Examples:
        >>> import lucid.models as models
        >>> len(models.vgg11().features)
        21
    """
    return _vgg(11, False, kwargs)


@register_model("vgg11_bn", num_params=132_868_840, paper=_PAPER)
def vgg11_bn(**kwargs) -> VGG:
    """VGG-11 with batch normalisation after each convolution.

    Examples:
        >>> import lucid.models as models
        >>> len(models.vgg11_bn().features)
        29
    """
    return _vgg(11, True, kwargs)


@register_model("vgg13", num_params=133_047_848, paper=_PAPER)
def vgg13(**kwargs) -> VGG:
    """VGG-13 (configuration B).

    Examples:
        >>> import lucid.models as models
        >>> len(models.vgg13().features)
        25
    """
    return _vgg(13, False, kwargs)


@register_model("vgg13_bn", num_params=133_053_736, paper=_PAPER)
def vgg13_bn(**kwargs) -> VGG:
    """VGG-13 with batch normalisation.

    Examples:
        >>> import lucid.models as models
        >>> len(models.vgg13_bn().features)
        35
    """
    return _vgg(13, True, kwargs)


@register_model("vgg16", num_params=138_357_544, paper=_PAPER)
def vgg16(**kwargs) -> VGG:
    """VGG-16 (configuration D).

    Examples:
        >>> import lucid.models as models
        >>> len(models.vgg16().features)
        31
    """
    return _vgg(16, False, kwargs)


@register_model("vgg16_bn", num_params=138_365_992, paper=_PAPER)
def vgg16_bn(**kwargs) -> VGG:
    """VGG-16 with batch normalisation.

    Examples:
        >>> import lucid.models as models
        >>> len(models.vgg16_bn().features)
        44
    """
    return _vgg(16, True, kwargs)


@register_model("vgg19", num_params=143_667_240, paper=_PAPER)
def vgg19(**kwargs) -> VGG:
    """VGG-19 (configuration E).

    Examples:
        >>> import lucid.models as models
        >>> len(models.vgg19().features)
        37
    """
    return _vgg(19, False, kwargs)


@register_model("vgg19_bn", num_params=143_678_248, paper=_PAPER)
def vgg19_bn(**kwargs) -> VGG:
    """VGG-19 with batch normalisation.

    Examples:
        >>> import lucid.models as models
        >>> len(models.vgg19_bn().features)
        53
    """
    return _vgg(19, True, kwargs)
