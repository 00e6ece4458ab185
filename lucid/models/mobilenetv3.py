"""MobileNetV3 (Howard et al., 2019), small and large, with torchvision's layer names (``features.N.block.M``)."""

from __future__ import annotations

import functools

import lucid
import lucid.nn as nn
from lucid.models._layers import ConvNormActivation, SqueezeExcitation, init_conv_bn, make_divisible
from lucid.models._registry import register_model

__all__ = ["MobileNetV3", "InvertedResidualConfig", "InvertedResidualV3", "mobilenet_v3_small",
           "mobilenet_v3_large"]

_PAPER = "Searching for MobileNetV3 (Howard et al., 2019)"


class InvertedResidualConfig:
    """One block of a MobileNetV3: kernel, channels (scaled by ``width_mult``), SE, activation, stride.

    Examples:
        >>> from lucid.models.mobilenetv3 import InvertedResidualConfig
        >>> InvertedResidualConfig(16, 3, 64, 24, False, "RE", 2, 1, 0.5).out_channels
        16
    """

    def __init__(self, input_channels: int, kernel: int, expanded_channels: int, out_channels: int, use_se: bool,
                 activation: str, stride: int, dilation: int, width_mult: float):
        self.input_channels = make_divisible(input_channels * width_mult, 8)
        self.kernel = kernel
        self.expanded_channels = make_divisible(expanded_channels * width_mult, 8)
        self.out_channels = make_divisible(out_channels * width_mult, 8)
        self.use_se = use_se
        self.use_hs = activation == "HS"
        self.stride = stride
        self.dilation = dilation


class InvertedResidualV3(nn.Module):
    """Expansion, depthwise convolution, optional squeeze-excitation (hard-sigmoid gate), projection.

    Examples:
        >>> import lucid
        >>> from lucid.models.mobilenetv3 import InvertedResidualConfig, InvertedResidualV3
        >>> cnf = InvertedResidualConfig(16, 3, 64, 16, True, "HS", 1, 1, 1.0)
        >>> InvertedResidualV3(cnf, lucid.nn.BatchNorm2d)(lucid.zeros(2, 16, 4, 4)).shape
        (2, 16, 4, 4)
    """

    def __init__(self, cnf: InvertedResidualConfig, norm_layer):
        super().__init__()
        if cnf.stride not in (1, 2):
            raise ValueError(f"InvertedResidualV3: stride must be 1 or 2, got {cnf.stride}")
        self.use_res_connect = cnf.stride == 1 and cnf.input_channels == cnf.out_channels
        act = nn.Hardswish if cnf.use_hs else nn.ReLU
        layers: list = []
        if cnf.expanded_channels != cnf.input_channels:
            layers.append(ConvNormActivation(cnf.input_channels, cnf.expanded_channels, 1, norm_layer=norm_layer,
                                             activation_layer=act))
        stride = 1 if cnf.dilation > 1 else cnf.stride
        layers.append(ConvNormActivation(cnf.expanded_channels, cnf.expanded_channels, cnf.kernel, stride=stride,
                                         dilation=cnf.dilation, groups=cnf.expanded_channels,
                                         norm_layer=norm_layer, activation_layer=act))
        if cnf.use_se:
            squeeze = make_divisible(cnf.expanded_channels // 4, 8)
            layers.append(SqueezeExcitation(cnf.expanded_channels, squeeze, scale_activation=nn.Hardsigmoid))
        layers.append(ConvNormActivation(cnf.expanded_channels, cnf.out_channels, 1, norm_layer=norm_layer,
                                         activation_layer=None))
        self.block = nn.Sequential(*layers)
        self.out_channels = cnf.out_channels

    def forward(self, x):
        return x + self.block(x) if self.use_res_connect else self.block(x)


class MobileNetV3(nn.Module):
    """MobileNetV3: a hard-swish stem, the configured blocks, a 1x1 convolution, a two-layer classifier.

    Args:
        inverted_residual_setting: the blocks' :class:`InvertedResidualConfig` list.
        last_channel: width of the classifier's hidden layer.
        num_classes: outputs (default 1000).
        norm_layer: default ``BatchNorm2d(eps=0.001, momentum=0.01)``.
        dropout: dropout in the classifier (default 0.2).

    Examples:
        >>> import lucid
        >>> from lucid.models.mobilenetv3 import MobileNetV3, InvertedResidualConfig
        >>> cnf = [InvertedResidualConfig(16, 3, 16, 16, True, "RE", 2, 1, 1.0)]
        >>> MobileNetV3(cnf, 32, num_classes=2).eval()(lucid.zeros(1, 3, 16, 16)).shape
        (1, 2)
    """

    def __init__(self, inverted_residual_setting: list, last_channel: int, num_classes: int = 1000, block=None,
                 norm_layer=None, dropout: float = 0.2):
        super().__init__()
        if not inverted_residual_setting or not all(isinstance(c, InvertedResidualConfig)
                                                    for c in inverted_residual_setting):
            raise TypeError("MobileNetV3: inverted_residual_setting must be a non-empty list of "
                            "InvertedResidualConfig")
        block = block or InvertedResidualV3
        norm_layer = norm_layer or functools.partial(nn.BatchNorm2d, eps=0.001, momentum=0.01)
        first = inverted_residual_setting[0].input_channels
        layers: list = [ConvNormActivation(3, first, 3, stride=2, norm_layer=norm_layer,
                                           activation_layer=nn.Hardswish)]
        layers += [block(cnf, norm_layer) for cnf in inverted_residual_setting]
        last_in = inverted_residual_setting[-1].out_channels
        last_out = 6 * last_in
        layers.append(ConvNormActivation(last_in, last_out, 1, norm_layer=norm_layer, activation_layer=nn.Hardswish))
        self.features = nn.Sequential(*layers)
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Sequential(nn.Linear(last_out, last_channel), nn.Hardswish(), nn.Dropout(dropout),
                                        nn.Linear(last_channel, num_classes))
        init_conv_bn(self, linear_std=0.01)

    def forward(self, x):
        return self.classifier(lucid.flatten(self.avgpool(self.features(x)), 1))


def _settings(arch: str, width_mult: float = 1.0, reduced_tail: bool = False, dilated: bool = False):
    rd = 2 if reduced_tail else 1
    dil = 2 if dilated else 1

    def c(*args):
        return InvertedResidualConfig(*args, width_mult)

    if arch == "large":
        setting = [
            c(16, 3, 16, 16, False, "RE", 1, 1), c(16, 3, 64, 24, False, "RE", 2, 1),
            c(24, 3, 72, 24, False, "RE", 1, 1), c(24, 5, 72, 40, True, "RE", 2, 1),
            c(40, 5, 120, 40, True, "RE", 1, 1), c(40, 5, 120, 40, True, "RE", 1, 1),
            c(40, 3, 240, 80, False, "HS", 2, 1), c(80, 3, 200, 80, False, "HS", 1, 1),
            c(80, 3, 184, 80, False, "HS", 1, 1), c(80, 3, 184, 80, False, "HS", 1, 1),
            c(80, 3, 480, 112, True, "HS", 1, 1), c(112, 3, 672, 112, True, "HS", 1, 1),
            c(112, 5, 672, 160 // rd, True, "HS", 2, dil), c(160 // rd, 5, 960 // rd, 160 // rd, True, "HS", 1, dil),
            c(160 // rd, 5, 960 // rd, 160 // rd, True, "HS", 1, dil),
        ]
        last = make_divisible(1280 // rd * width_mult, 8)
    else:
        setting = [
            c(16, 3, 16, 16, True, "RE", 2, 1), c(16, 3, 72, 24, False, "RE", 2, 1),
            c(24, 3, 88, 24, False, "RE", 1, 1), c(24, 5, 96, 40, True, "HS", 2, 1),
            c(40, 5, 240, 40, True, "HS", 1, 1), c(40, 5, 240, 40, True, "HS", 1, 1),
            c(40, 5, 120, 48, True, "HS", 1, 1), c(48, 5, 144, 48, True, "HS", 1, 1),
            c(48, 5, 288, 96 // rd, True, "HS", 2, dil), c(96 // rd, 5, 576 // rd, 96 // rd, True, "HS", 1, dil),
            c(96 // rd, 5, 576 // rd, 96 // rd, True, "HS", 1, dil),
        ]
        last = make_divisible(1024 // rd * width_mult, 8)
    return setting, last


@register_model("mobilenet_v3_large", num_params=5_483_032, paper=_PAPER)
def mobilenet_v3_large(width_mult: float = 1.0, reduced_tail: bool = False, dilated: bool = False,
                       **kwargs) -> MobileNetV3:
    """MobileNetV3-Large (``reduced_tail`` halves the last stage, ``dilated`` dilates it instead of striding).

    Examples:
        >>> import lucid.models as models
        >>> len(models.mobilenet_v3_large().features)
        17
    """
    setting, last = _settings("large", width_mult, reduced_tail, dilated)
    return MobileNetV3(setting, last, **kwargs)


@register_model("mobilenet_v3_small", num_params=2_542_856, paper=_PAPER)
def mobilenet_v3_small(width_mult: float = 1.0, reduced_tail: bool = False, dilated: bool = False,
                       **kwargs) -> MobileNetV3:
    """MobileNetV3-Small (see :func:`mobilenet_v3_large` for the arguments).

    Examples:
        >>> import lucid.models as models
        >>> len(models.mobilenet_v3_small().features)
        13
    """
    setting, last = _settings("small", width_mult, reduced_tail, dilated)
    return MobileNetV3(setting, last, **kwargs)
