"""ConvNeXt (Liu et al., 2022) with torchvision's layer names (``features.N.M.block.K``, ``layer_scale``)."""

from __future__ import annotations

import functools

import lucid
import lucid.nn as nn
from lucid.models._layers import ConvNormActivation, LayerNorm2d, Permute, init_trunc_normal
from lucid.models._registry import register_model

__all__ = ["ConvNeXt", "CNBlock", "CNBlockConfig", "convnext_tiny"]


class CNBlock(nn.Module):
    """7x7 depthwise convolution, LayerNorm, an MLP of 4x width with GELU, layer scale and stochastic depth.

    Examples:
        >>> import lucid
        >>> from lucid.models.convnext import CNBlock
        >>> CNBlock(8, 1e-6, 0.0)(lucid.zeros(2, 8, 4, 4)).shape
        (2, 8, 4, 4)
    """

    def __init__(self, dim: int, layer_scale: float, stochastic_depth_prob: float, norm_layer=None):
        super().__init__()
        norm_layer = norm_layer or functools.partial(nn.LayerNorm, eps=1e-6)
        self.block = nn.Sequential(
            nn.Conv2d(dim, dim, 7, padding=3, groups=dim, bias=True),
            Permute([0, 2, 3, 1]),
            norm_layer(dim),
            nn.Linear(dim, 4 * dim),
            nn.GELU(),
            nn.Linear(4 * dim, dim),
            Permute([0, 3, 1, 2]),
        )
        self.layer_scale = nn.Parameter(lucid.full((dim, 1, 1), layer_scale))
        self.stochastic_depth = nn.DropPath(stochastic_depth_prob)

    def forward(self, x):
        return self.stochastic_depth(self.layer_scale * self.block(x)) + x


class CNBlockConfig:
    """One ConvNeXt stage: its width, the width of the next stage (``None`` for the last) and its depth.

    Examples:
        >>> from lucid.models.convnext import CNBlockConfig
        >>> CNBlockConfig(96, 192, 3).num_layers
        3
    """

    def __init__(self, input_channels: int, out_channels: int | None, num_layers: int):
        self.input_channels = input_channels
        self.out_channels = out_channels
        self.num_layers = num_layers


class ConvNeXt(nn.Module):
    """ConvNeXt: a 4x4 patchify stem, stages of :class:`CNBlock` with 2x2 downsampling between them, a head.

    Args:
        block_setting: the stages' :class:`CNBlockConfig` list.
        stochastic_depth_prob: drop probability of the last block, growing linearly (default 0).
        layer_scale: initial value of each block's layer scale (default 1e-6).
        num_classes: outputs (default 1000).

    Examples:
        >>> import lucid
        >>> from lucid.models.convnext import ConvNeXt, CNBlockConfig
        >>> net = ConvNeXt([CNBlockConfig(8, 16, 1), CNBlockConfig(16, None, 1)], num_classes=3)
        >>> net(lucid.zeros(1, 3, 16, 16)).shape
        (1, 3)
    """

    def __init__(self, block_setting: list, stochastic_depth_prob: float = 0.0, layer_scale: float = 1e-6,
                 num_classes: int = 1000, block=None, norm_layer=None):
        super().__init__()
        if not block_setting or not all(isinstance(c, CNBlockConfig) for c in block_setting):
            raise TypeError("ConvNeXt: block_setting must be a non-empty list of CNBlockConfig")
        block = block or CNBlock
        norm_layer = norm_layer or functools.partial(LayerNorm2d, eps=1e-6)
        first = block_setting[0].input_channels
        layers: list = [ConvNormActivation(3, first, 4, stride=4, padding=0, norm_layer=norm_layer,
                                           activation_layer=None, bias=True)]
        total = sum(c.num_layers for c in block_setting)
        block_id = 0
        for cnf in block_setting:
            stage = []
            for _ in range(cnf.num_layers):
                sd_prob = stochastic_depth_prob * block_id / max(total - 1.0, 1.0)
                stage.append(block(cnf.input_channels, layer_scale, sd_prob))
                block_id += 1
            layers.append(nn.Sequential(*stage))
            if cnf.out_channels is not None:
                layers.append(nn.Sequential(norm_layer(cnf.input_channels),
                                            nn.Conv2d(cnf.input_channels, cnf.out_channels, 2, stride=2)))
        self.features = nn.Sequential(*layers)
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        last = block_setting[-1]
        last_out = last.out_channels if last.out_channels is not None else last.input_channels
        self.classifier = nn.Sequential(norm_layer(last_out), nn.Flatten(1), nn.Linear(last_out, num_classes))
        init_trunc_normal(self, (nn.Conv2d, nn.Linear))

    def forward(self, x):
        return self.classifier(self.avgpool(self.features(x)))


@register_model("convnext_tiny", num_params=28_589_128,
                paper="A ConvNet for the 2020s (Liu et al., 2022)")
def convnext_tiny(**kwargs) -> ConvNeXt:
    """ConvNeXt-T: widths 96-768, depths [3, 3, 9, 3], stochastic depth 0.1.

    Examples:
        >>> import lucid.models as models
        >>> len(models.convnext_tiny().features[5])
        9
    """
    setting = [CNBlockConfig(96, 192, 3), CNBlockConfig(192, 384, 3), CNBlockConfig(384, 768, 9),
               CNBlockConfig(768, None, 3)]
    return ConvNeXt(setting, **{"stochastic_depth_prob": 0.1, **kwargs})
