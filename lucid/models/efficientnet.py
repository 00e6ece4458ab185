"""EfficientNet-B0 (Tan & Le, 2019) with torchvision's layer names (``features.N.M.block.K``, ``classifier.1``)."""

from __future__ import annotations

import math

import lucid
import lucid.nn as nn
from lucid.models._layers import ConvNormActivation, SqueezeExcitation, init_conv_bn, make_divisible
from lucid.models._registry import register_model

__all__ = ["EfficientNet", "MBConv", "MBConvConfig", "efficientnet_b0"]


class MBConvConfig:
    """One stage of an EfficientNet: expansion, kernel, stride, channels and depth (scaled by the multipliers).

    Examples:
        >>> from lucid.models.efficientnet import MBConvConfig
        >>> cnf = MBConvConfig(6, 3, 2, 16, 24, 2, width_mult=1.0, depth_mult=1.2)
        >>> cnf.out_channels, cnf.num_layers
        (24, 3)
    """

    def __init__(self, expand_ratio: float, kernel: int, stride: int, input_channels: int, out_channels: int,
                 num_layers: int, width_mult: float = 1.0, depth_mult: float = 1.0):
        self.expand_ratio = expand_ratio
        self.kernel = kernel
        self.stride = stride
        self.input_channels = make_divisible(input_channels * width_mult, 8)
        self.out_channels = make_divisible(out_channels * width_mult, 8)
        self.num_layers = math.ceil(num_layers * depth_mult)


class MBConv(nn.Module):
    """Mobile inverted bottleneck with squeeze-excitation and SiLU; stochastic depth on the residual branch.

    Examples:
        >>> import lucid
        >>> from lucid.models.efficientnet import MBConv, MBConvConfig
        >>> MBConv(MBConvConfig(6, 3, 1, 16, 16, 1), 0.0)(lucid.zeros(2, 16, 4, 4)).shape
        (2, 16, 4, 4)
    """

    def __init__(self, cnf: MBConvConfig, stochastic_depth_prob: float, norm_layer=None):
        super().__init__()
        if cnf.stride not in (1, 2):
            raise ValueError(f"MBConv: stride must be 1 or 2, got {cnf.stride}")
        norm_layer = norm_layer or nn.BatchNorm2d
        self.use_res_connect = cnf.stride == 1 and cnf.input_channels == cnf.out_channels
        expanded = make_divisible(cnf.input_channels * cnf.expand_ratio, 8)
        layers: list = []
        if expanded != cnf.input_channels:
            layers.append(ConvNormActivation(cnf.input_channels, expanded, 1, norm_layer=norm_layer,
                                             activation_layer=nn.SiLU))
        layers.append(ConvNormActivation(expanded, expanded, cnf.kernel, stride=cnf.stride, groups=expanded,
                                         norm_layer=norm_layer, activation_layer=nn.SiLU))
        layers.append(SqueezeExcitation(expanded, max(1, cnf.input_channels // 4), activation=nn.SiLU))
        layers.append(ConvNormActivation(expanded, cnf.out_channels, 1, norm_layer=norm_layer,
                                         activation_layer=None))
        self.block = nn.Sequential(*layers)
        self.stochastic_depth = nn.DropPath(stochastic_depth_prob)
        self.out_channels = cnf.out_channels

    def forward(self, x):
        out = self.block(x)
        return self.stochastic_depth(out) + x if self.use_res_connect else out


class EfficientNet(nn.Module):
    """EfficientNet: a SiLU stem, stages of :class:`MBConv`, a 1x1 convolution, dropout and ``Linear``.

    The stochastic-depth probability grows linearly from 0 to ``stochastic_depth_prob`` over the blocks.

    Args:
        inverted_residual_setting: the stages' :class:`MBConvConfig` list.
        dropout: dropout before the classifier.
        stochastic_depth_prob: drop probability of the last block (default 0.2).
        num_classes: outputs (default 1000).
        norm_layer: default ``nn.BatchNorm2d``.
        last_channel: channels of the last convolution (default 4x its input).

    Examples:
        >>> import lucid
        >>> from lucid.models.efficientnet import EfficientNet, MBConvConfig
        >>> net = EfficientNet([MBConvConfig(1, 3, 1, 32, 16, 1)], dropout=0.2, num_classes=3)
        >>> net.eval()(lucid.zeros(1, 3, 16, 16)).shape
        (1, 3)
    """

    def __init__(self, inverted_residual_setting: list, dropout: float, stochastic_depth_prob: float = 0.2,
                 num_classes: int = 1000, norm_layer=None, last_channel: int | None = None):
        super().__init__()
        if not inverted_residual_setting or not all(isinstance(c, MBConvConfig) for c in inverted_residual_setting):
            raise TypeError("EfficientNet: inverted_residual_setting must be a non-empty list of MBConvConfig")
        norm_layer = norm_layer or nn.BatchNorm2d
        setting = inverted_residual_setting
        layers: list = [ConvNormActivation(3, setting[0].input_channels, 3, stride=2, norm_layer=norm_layer,
                                           activation_layer=nn.SiLU)]
        total = sum(c.num_layers for c in setting)
        block_id = 0
        for cnf in setting:
            stage = []
            for i in range(cnf.num_layers):
                block_cnf = MBConvConfig.__new__(MBConvConfig)
                block_cnf.__dict__.update(cnf.__dict__)
                if i > 0:
                    block_cnf.input_channels, block_cnf.stride = cnf.out_channels, 1
                stage.append(MBConv(block_cnf, stochastic_depth_prob * block_id / total, norm_layer))
                block_id += 1
            layers.append(nn.Sequential(*stage))
        last_in = setting[-1].out_channels
        last_out = last_channel if last_channel is not None else 4 * last_in
        layers.append(ConvNormActivation(last_in, last_out, 1, norm_layer=norm_layer, activation_layer=nn.SiLU))
        self.features = nn.Sequential(*layers)
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Sequential(nn.Dropout(dropout), nn.Linear(last_out, num_classes))
        init_conv_bn(self, linear_std=None)
        for m in self.modules():
            if isinstance(m, nn.Linear):
                bound = 1.0 / math.sqrt(m.out_features)
                nn.init.uniform_(m.weight, -bound, bound)
                nn.init.zeros_(m.bias)

    def forward(self, x):
        return self.classifier(lucid.flatten(self.avgpool(self.features(x)), 1))


def _b_settings(width_mult: float, depth_mult: float) -> list:
    rows = [(1, 3, 1, 32, 16, 1), (6, 3, 2, 16, 24, 2), (6, 5, 2, 24, 40, 2), (6, 3, 2, 40, 80, 3),
            (6, 5, 1, 80, 112, 3), (6, 5, 2, 112, 192, 4), (6, 3, 1, 192, 320, 1)]
    return [MBConvConfig(*row, width_mult=width_mult, depth_mult=depth_mult) for row in rows]


@register_model("efficientnet_b0", num_params=5_288_548,
                paper="EfficientNet: Rethinking Model Scaling for Convolutional Neural Networks (Tan & Le, 2019)")
def efficientnet_b0(**kwargs) -> EfficientNet:
    """EfficientNet-B0 (width and depth multipliers 1.0, dropout 0.2).

    Examples:
        >>> import lucid.models as models
        >>> len(models.efficientnet_b0().features)
        9
    """
    return EfficientNet(_b_settings(1.0, 1.0), **{"dropout": 0.2, **kwargs})
