"""DenseNet (Huang et al., 2017) with torchvision's layer names (``features.denseblock1.denselayer1.norm1``)."""

from __future__ import annotations

from collections import OrderedDict

import lucid
import lucid.nn as nn
import lucid.nn.functional as F
from lucid.models._registry import register_model

__all__ = ["DenseNet", "densenet121"]


class _DenseLayer(nn.Module):
    """BN-ReLU-1x1 conv (to ``bn_size * growth_rate``), BN-ReLU-3x3 conv (to ``growth_rate``)."""

    def __init__(self, num_input_features: int, growth_rate: int, bn_size: int, drop_rate: float):
        super().__init__()
        self.norm1 = nn.BatchNorm2d(num_input_features)
        self.relu1 = nn.ReLU()
        self.conv1 = nn.Conv2d(num_input_features, bn_size * growth_rate, 1, bias=False)
        self.norm2 = nn.BatchNorm2d(bn_size * growth_rate)
        self.relu2 = nn.ReLU()
        self.conv2 = nn.Conv2d(bn_size * growth_rate, growth_rate, 3, padding=1, bias=False)
        self.drop_rate = float(drop_rate)

    def forward(self, features: list):
        x = lucid.cat(features, 1)
        out = self.conv2(self.relu2(self.norm2(self.conv1(self.relu1(self.norm1(x))))))
        if self.drop_rate > 0:
            out = F.dropout(out, self.drop_rate, self.training)
        return out


class _DenseBlock(nn.ModuleDict):
    """``num_layers`` dense layers, each fed the concatenation of all earlier outputs."""

    def __init__(self, num_layers: int, num_input_features: int, bn_size: int, growth_rate: int, drop_rate: float):
        super().__init__()
        for i in range(num_layers):
            self.add_module(f"denselayer{i + 1}",
                            _DenseLayer(num_input_features + i * growth_rate, growth_rate, bn_size, drop_rate))

    def forward(self, x):
        features = [x]
        for layer in self.values():
            features.append(layer(features))
        return lucid.cat(features, 1)


class _Transition(nn.Sequential):
    """BN, ReLU, 1x1 convolution and 2x2 average pooling between dense blocks."""

    def __init__(self, num_input_features: int, num_output_features: int):
        super().__init__(OrderedDict([
            ("norm", nn.BatchNorm2d(num_input_features)),
            ("relu", nn.ReLU()),
            ("conv", nn.Conv2d(num_input_features, num_output_features, 1, bias=False)),
            ("pool", nn.AvgPool2d(2, stride=2)),
        ]))


class DenseNet(nn.Module):
    """DenseNet-BC: a 7x7 stem, dense blocks joined by halving transitions, a final BatchNorm and ``classifier``.

    Args:
        growth_rate: channels each layer adds (default 32).
        block_config: layers per dense block (default ``(6, 12, 24, 16)``, DenseNet-121).
        num_init_features: channels of the stem (default 64).
        bn_size: bottleneck width as a multiple of ``growth_rate`` (default 4).
        drop_rate: dropout after each dense layer (default 0).
        num_classes: outputs (default 1000).

    Examples:
        >>> import lucid
        >>> from lucid.models import DenseNet
        >>> net = DenseNet(growth_rate=4, block_config=(1, 1), num_init_features=8, num_classes=3)
        >>> net.eval()(lucid.zeros(1, 3, 32, 32)).shape
        (1, 3)
    """

    def __init__(self, growth_rate: int = 32, block_config=(6, 12, 24, 16), num_init_features: int = 64,
                 bn_size: int = 4, drop_rate: float = 0.0, num_classes: int = 1000, memory_efficient: bool = False):
        super().__init__()
        # NOTE: ``memory_efficient`` (torchvision's gradient checkpointing) is accepted and ignored.
        self.features = nn.Sequential(OrderedDict([
            ("conv0", nn.Conv2d(3, num_init_features, 7, stride=2, padding=3, bias=False)),
            ("norm0", nn.BatchNorm2d(num_init_features)),
            ("relu0", nn.ReLU()),
            ("pool0", nn.MaxPool2d(3, stride=2, padding=1)),
        ]))
        channels = num_init_features
        for i, num_layers in enumerate(block_config):
            self.features.add_module(f"denseblock{i + 1}",
                                     _DenseBlock(num_layers, channels, bn_size, growth_rate, drop_rate))
            channels += num_layers * growth_rate
            if i != len(block_config) - 1:
                self.features.add_module(f"transition{i + 1}", _Transition(channels, channels // 2))
                channels //= 2
        self.features.add_module("norm5", nn.BatchNorm2d(channels))
        self.classifier = nn.Linear(channels, num_classes)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight)
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)
            elif isinstance(m, nn.Linear):
                nn.init.zeros_(m.bias)

    def forward(self, x):
        x = F.adaptive_avg_pool2d(F.relu(self.features(x)), (1, 1))
        return self.classifier(lucid.flatten(x, 1))


@register_model("densenet121", num_params=7_978_856,
                paper="Densely Connected Convolutional Networks (Huang et al., 2017)")
def densenet121(**kwargs) -> DenseNet:
    """DenseNet-121: growth rate 32, blocks of (6, 12, 24, 16) layers, 64 stem channels.

    Examples:
        >>> import lucid.models as models
        >>> models.densenet121().classifier.in_features
        1024
    """
    return DenseNet(32, (6, 12, 24, 16), 64, **kwargs)
