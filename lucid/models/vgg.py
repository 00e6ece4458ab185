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


def _vgg(name: str, depth: int, batch_norm: bool, num_params: int, summary: str, n_features: int):
    """Define and register the factory ``name``: VGG-``depth`` with or without batch norm."""

    def factory(**kwargs) -> VGG:
        return VGG(make_layers(_CONFIGS[depth], batch_norm), **kwargs)

    factory.__name__ = factory.__qualname__ = name
    factory.__doc__ = f"""{summary}

    Examples:
        >>> import lucid.models as models
        >>> len(models.{name}().features)
        {n_features}
    """
    return register_model(name, num_params=num_params, paper=_PAPER)(factory)


# name, depth, batch norm, parameters, summary, layers in ``features`` (checked by the doctest)
vgg11 = _vgg("vgg11", 11, False, 132_863_336, "VGG-11 (configuration A).", 21)
vgg11_bn = _vgg("vgg11_bn", 11, True, 132_868_840, "VGG-11 with batch normalisation after each convolution.", 29)
vgg13 = _vgg("vgg13", 13, False, 133_047_848, "VGG-13 (configuration B).", 25)
vgg13_bn = _vgg("vgg13_bn", 13, True, 133_053_736, "VGG-13 with batch normalisation.", 35)
vgg16 = _vgg("vgg16", 16, False, 138_357_544, "VGG-16 (configuration D).", 31)
vgg16_bn = _vgg("vgg16_bn", 16, True, 138_365_992, "VGG-16 with batch normalisation.", 44)
vgg19 = _vgg("vgg19", 19, False, 143_667_240, "VGG-19 (configuration E).", 37)
vgg19_bn = _vgg("vgg19_bn", 19, True, 143_678_248, "VGG-19 with batch normalisation.", 53)
