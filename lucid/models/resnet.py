"""ResNet (He et al., 2016), ResNeXt and Wide ResNet, with torchvision's layer names.

``conv1``, ``bn1``, ``layer1`` .. ``layer4`` (blocks ``layerN.M.conv1`` .., ``layerN.0.downsample.0/1``)
and ``fc``: a torchvision checkpoint converted to safetensors loads by name.
"""

from __future__ import annotations

import lucid
import lucid.nn as nn
from lucid.models._layers import init_conv_bn
from lucid.models._registry import register_model

__all__ = ["ResNet", "BasicBlock", "Bottleneck", "resnet18", "resnet34", "resnet50", "resnet101", "resnet152",
           "resnext50_32x4d", "wide_resnet50_2"]

_PAPER = "Deep Residual Learning for Image Recognition (He et al., 2016)"


def _conv3x3(c_in: int, c_out: int, stride: int = 1, groups: int = 1, dilation: int = 1) -> nn.Conv2d:
    return nn.Conv2d(c_in, c_out, 3, stride=stride, padding=dilation, groups=groups, bias=False,
                     dilation=dilation)


def _conv1x1(c_in: int, c_out: int, stride: int = 1) -> nn.Conv2d:
    return nn.Conv2d(c_in, c_out, 1, stride=stride, bias=False)


class BasicBlock(nn.Module):
    """Two 3x3 convolutions with a residual connection (ResNet-18/34).

    Examples:
        >>> import lucid
        >>> from lucid.models.resnet import BasicBlock
        >>> BasicBlock(8, 8)(lucid.zeros(1, 8, 4, 4)).shape
        (1, 8, 4, 4)
    """

    expansion = 1

    def __init__(self, inplanes: int, planes: int, stride: int = 1, downsample: nn.Module | None = None,
                 groups: int = 1, base_width: int = 64, dilation: int = 1, norm_layer=None):
        super().__init__()
        norm_layer = norm_layer or nn.BatchNorm2d
        if groups != 1 or base_width != 64:
            raise ValueError(f"BasicBlock supports only groups=1 and base_width=64, got {groups} and {base_width}")
        if dilation > 1:
            raise NotImplementedError("BasicBlock does not support dilation > 1")
        self.conv1 = _conv3x3(inplanes, planes, stride)
        self.bn1 = norm_layer(planes)
        self.relu = nn.ReLU()
        self.conv2 = _conv3x3(planes, planes)
        self.bn2 = norm_layer(planes)
        self.downsample = downsample
        self.stride = stride

    def forward(self, x):
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self.relu(out + identity)


class Bottleneck(nn.Module):
    """1x1 reduce, 3x3 (grouped) and 1x1 expand convolutions with a residual connection (ResNet-50+).

    The stride sits on the 3x3 convolution (torchvision's "ResNet V1.5").

    Examples:
        >>> import lucid
        >>> from lucid.models.resnet import Bottleneck
        >>> Bottleneck(32, 8)(lucid.zeros(1, 32, 4, 4)).shape
        (1, 32, 4, 4)
    """

    expansion = 4

    def __init__(self, inplanes: int, planes: int, stride: int = 1, downsample: nn.Module | None = None,
                 groups: int = 1, base_width: int = 64, dilation: int = 1, norm_layer=None):
        super().__init__()
        norm_layer = norm_layer or nn.BatchNorm2d
        width = int(planes * (base_width / 64.0)) * groups
        self.conv1 = _conv1x1(inplanes, width)
        self.bn1 = norm_layer(width)
        self.conv2 = _conv3x3(width, width, stride, groups, dilation)
        self.bn2 = norm_layer(width)
        self.conv3 = _conv1x1(width, planes * self.expansion)
        self.bn3 = norm_layer(planes * self.expansion)
        self.relu = nn.ReLU()
        self.downsample = downsample
        self.stride = stride

    def forward(self, x):
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        return self.relu(out + identity)


class ResNet(nn.Module):
    """A residual network: a 7x7 stem, four stages of blocks, global average pooling, ``fc``.

    Args:
        block: ``BasicBlock`` or ``Bottleneck``.
        layers: number of blocks in each of the four stages.
        num_classes: outputs of ``fc`` (default 1000).
        zero_init_residual: start each block's last BatchNorm at zero, so blocks begin as identities.
        groups, width_per_group: ResNeXt's cardinality and width of each group (defaults 1 and 64).
        replace_stride_with_dilation: three booleans, one per stage 2-4: dilate instead of striding.
        norm_layer: the norm layer class (default ``nn.BatchNorm2d``).

    Examples:
        >>> import lucid
        >>> from lucid.models.resnet import ResNet, BasicBlock
        >>> ResNet(BasicBlock, [1, 1, 1, 1], num_classes=5).eval()(lucid.zeros(1, 3, 32, 32)).shape
        (1, 5)
    """

    def __init__(self, block, layers, num_classes: int = 1000, zero_init_residual: bool = False, groups: int = 1,
                 width_per_group: int = 64, replace_stride_with_dilation=None, norm_layer=None):
        super().__init__()
        self._norm_layer = norm_layer or nn.BatchNorm2d
        if len(layers) != 4:
            raise ValueError(f"ResNet expects 4 stage depths, got {layers!r}")
        dilate = list(replace_stride_with_dilation or (False, False, False))
        if len(dilate) != 3:
            raise ValueError(f"replace_stride_with_dilation must have 3 entries, got {replace_stride_with_dilation!r}")
        self.inplanes = 64
        self.dilation = 1
        self.groups = groups
        self.base_width = width_per_group
        self.conv1 = nn.Conv2d(3, self.inplanes, 7, stride=2, padding=3, bias=False)
        self.bn1 = self._norm_layer(self.inplanes)
        self.relu = nn.ReLU()
        self.maxpool = nn.MaxPool2d(3, stride=2, padding=1)
        self.layer1 = self._make_layer(block, 64, layers[0])
        self.layer2 = self._make_layer(block, 128, layers[1], stride=2, dilate=dilate[0])
        self.layer3 = self._make_layer(block, 256, layers[2], stride=2, dilate=dilate[1])
        self.layer4 = self._make_layer(block, 512, layers[3], stride=2, dilate=dilate[2])
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(512 * block.expansion, num_classes)
        init_conv_bn(self, linear_std=None)
        if zero_init_residual:
            for m in self.modules():
                if isinstance(m, Bottleneck):
                    nn.init.zeros_(m.bn3.weight)
                elif isinstance(m, BasicBlock):
                    nn.init.zeros_(m.bn2.weight)

    def _make_layer(self, block, planes: int, blocks: int, stride: int = 1, dilate: bool = False) -> nn.Sequential:
        norm_layer = self._norm_layer
        previous_dilation = self.dilation
        if dilate:
            self.dilation *= stride
            stride = 1
        downsample = None
        if stride != 1 or self.inplanes != planes * block.expansion:
            downsample = nn.Sequential(_conv1x1(self.inplanes, planes * block.expansion, stride),
                                       norm_layer(planes * block.expansion))
        layers = [block(self.inplanes, planes, stride, downsample, self.groups, self.base_width, previous_dilation,
                        norm_layer)]
        self.inplanes = planes * block.expansion
        for _ in range(1, blocks):
            layers.append(block(self.inplanes, planes, groups=self.groups, base_width=self.base_width,
                                dilation=self.dilation, norm_layer=norm_layer))
        return nn.Sequential(*layers)

    def forward(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.fc(lucid.flatten(self.avgpool(x), 1))


@register_model("resnet18", num_params=11_689_512, paper=_PAPER)
def resnet18(**kwargs) -> ResNet:
    """ResNet-18: ``BasicBlock`` x [2, 2, 2, 2].

    Examples:
        >>> import lucid.models as models
        >>> models.resnet18(num_classes=10).fc.out_features
        10
    """
    return ResNet(BasicBlock, [2, 2, 2, 2], **kwargs)


@register_model("resnet34", num_params=21_797_672, paper=_PAPER)
def resnet34(**kwargs) -> ResNet:
    """ResNet-34: ``BasicBlock`` x [3, 4, 6, 3].

    Examples:
        >>> import lucid.models as models
        >>> len(models.resnet34().layer3)
        6
    """
    return ResNet(BasicBlock, [3, 4, 6, 3], **kwargs)


@register_model("resnet50", num_params=25_557_032, paper=_PAPER)
def resnet50(**kwargs) -> ResNet:
    """ResNet-50: ``Bottleneck`` x [3, 4, 6, 3].

    Examples:
        >>> import lucid.models as models
        >>> models.resnet50().fc.in_features
        2048
    """
    return ResNet(Bottleneck, [3, 4, 6, 3], **kwargs)


@register_model("resnet101", num_params=44_549_160, paper=_PAPER)
def resnet101(**kwargs) -> ResNet:
    """ResNet-101: ``Bottleneck`` x [3, 4, 23, 3].

    Examples:
        >>> import lucid.models as models
        >>> len(models.resnet101().layer3)
        23
    """
    return ResNet(Bottleneck, [3, 4, 23, 3], **kwargs)


@register_model("resnet152", num_params=60_192_808, paper=_PAPER)
def resnet152(**kwargs) -> ResNet:
    """ResNet-152: ``Bottleneck`` x [3, 8, 36, 3].

    Examples:
        >>> import lucid.models as models
        >>> len(models.resnet152().layer3)
        36
    """
    return ResNet(Bottleneck, [3, 8, 36, 3], **kwargs)


@register_model("resnext50_32x4d", num_params=25_028_904,
                paper="Aggregated Residual Transformations for Deep Neural Networks (Xie et al., 2017)")
def resnext50_32x4d(**kwargs) -> ResNet:
    """ResNeXt-50 32x4d: ResNet-50 with 32 groups of width 4 in each 3x3 convolution.

    Examples:
        >>> import lucid.models as models
        >>> models.resnext50_32x4d().layer1[0].conv2.groups
        32
    """
    return ResNet(Bottleneck, [3, 4, 6, 3], **{"groups": 32, "width_per_group": 4, **kwargs})


@register_model("wide_resnet50_2", num_params=68_883_240, paper="Wide Residual Networks (Zagoruyko & Komodakis, 2016)")
def wide_resnet50_2(**kwargs) -> ResNet:
    """Wide ResNet-50-2: ResNet-50 with bottlenecks twice as wide.

    Examples:
        >>> import lucid.models as models
        >>> models.wide_resnet50_2().layer1[0].conv2.out_channels
        128
    """
    return ResNet(Bottleneck, [3, 4, 6, 3], **{"width_per_group": 128, **kwargs})
