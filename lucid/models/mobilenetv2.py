"""MobileNetV2 (Sandler et al., 2018) with torchvision's layer names (``features.N.conv.M``, ``classifier.1``)."""

from __future__ import annotations

import lucid
import lucid.nn as nn
import lucid.nn.functional as F
from lucid.models._layers import ConvNormActivation, init_conv_bn, make_divisible
from lucid.models._registry import register_model

__all__ = ["MobileNetV2", "InvertedResidual", "mobilenet_v2"]

# (expansion t, output channels c, repeats n, first stride s) of each stage, from the paper's table 2.
_SETTINGS = [[1, 16, 1, 1], [6, 24, 2, 2], [6, 32, 3, 2], [6, 64, 4, 2], [6, 96, 3, 1], [6, 160, 3, 2],
             [6, 320, 1, 1]]


class InvertedResidual(nn.Module):
    """1x1 expansion, 3x3 depthwise and linear 1x1 projection, residual when shapes allow.

    Examples:
        >>> import lucid
        >>> from lucid.models.mobilenetv2 import InvertedResidual
        >>> InvertedResidual(8, 8, 1, 6)(lucid.zeros(2, 8, 4, 4)).shape
        (2, 8, 4, 4)
    """

    def __init__(self, inp: int, oup: int, stride: int, expand_ratio: int, norm_layer=None):
        super().__init__()
        if stride not in (1, 2):
            raise ValueError(f"InvertedResidual: stride must be 1 or 2, got {stride}")
        norm_layer = norm_layer or nn.BatchNorm2d
        hidden = round(inp * expand_ratio)
        self.use_res_connect = stride == 1 and inp == oup
        layers: list = []
        if expand_ratio != 1:
            layers.append(ConvNormActivation(inp, hidden, 1, norm_layer=norm_layer, activation_layer=nn.ReLU6))
        layers += [
            ConvNormActivation(hidden, hidden, stride=stride, groups=hidden, norm_layer=norm_layer,
                               activation_layer=nn.ReLU6),
            nn.Conv2d(hidden, oup, 1, bias=False),
            norm_layer(oup),
        ]
        self.conv = nn.Sequential(*layers)
        self.out_channels = oup

    def forward(self, x):
        return x + self.conv(x) if self.use_res_connect else self.conv(x)


class MobileNetV2(nn.Module):
    """MobileNetV2: a stem, 17 inverted residual blocks, a 1x1 convolution to 1280 channels, a classifier.

    Args:
        num_classes: outputs of the classifier (default 1000).
        width_mult: scales every channel count (default 1.0).
        inverted_residual_setting: the ``[t, c, n, s]`` rows (default: the paper's).
        round_nearest: channel counts are rounded to multiples of this (default 8).
        block: the block class (default :class:`InvertedResidual`).
        norm_layer: the norm layer class (default ``nn.BatchNorm2d``).
        dropout: dropout before the classifier (default 0.2).

    Examples:
        >>> import lucid
        >>> from lucid.models import MobileNetV2
        >>> MobileNetV2(num_classes=3, width_mult=0.25).eval()(lucid.zeros(1, 3, 32, 32)).shape
        (1, 3)
    """

    def __init__(self, num_classes: int = 1000, width_mult: float = 1.0, inverted_residual_setting=None,
                 round_nearest: int = 8, block=None, norm_layer=None, dropout: float = 0.2):
        super().__init__()
        block = block or InvertedResidual
        norm_layer = norm_layer or nn.BatchNorm2d
        setting = _SETTINGS if inverted_residual_setting is None else inverted_residual_setting
        if not setting or any(len(row) != 4 for row in setting):
            raise ValueError(f"inverted_residual_setting must be a non-empty list of [t, c, n, s] rows, "
                             f"got {setting!r}")
        c_in = make_divisible(32 * width_mult, round_nearest)
        self.last_channel = make_divisible(1280 * max(1.0, width_mult), round_nearest)
        features: list = [ConvNormActivation(3, c_in, stride=2, norm_layer=norm_layer, activation_layer=nn.ReLU6)]
        for t, c, n, s in setting:
            c_out = make_divisible(c * width_mult, round_nearest)
            for i in range(n):
                features.append(block(c_in, c_out, s if i == 0 else 1, expand_ratio=t, norm_layer=norm_layer))
                c_in = c_out
        features.append(ConvNormActivation(c_in, self.last_channel, 1, norm_layer=norm_layer,
                                           activation_layer=nn.ReLU6))
        self.features = nn.Sequential(*features)
        self.classifier = nn.Sequential(nn.Dropout(dropout), nn.Linear(self.last_channel, num_classes))
        init_conv_bn(self, linear_std=0.01)

    def forward(self, x):
        x = F.adaptive_avg_pool2d(self.features(x), (1, 1))
        return self.classifier(lucid.flatten(x, 1))


@register_model("mobilenet_v2", num_params=3_504_872,
                paper="MobileNetV2: Inverted Residuals and Linear Bottlenecks (Sandler et al., 2018)")
def mobilenet_v2(**kwargs) -> MobileNetV2:
    """MobileNetV2 (see :class:`MobileNetV2` for the arguments).

    Examples:
        >>> import lucid.models as models
        >>> len(models.mobilenet_v2().features)
        19
    """
    return MobileNetV2(**kwargs)
