"""Building blocks shared by the models (the vision ones under torchvision's ``ops.misc`` names and layouts)."""

from __future__ import annotations

import lucid.nn as nn

__all__ = ["make_divisible", "ConvNormActivation", "SqueezeExcitation", "Permute", "LayerNorm2d", "MLPBlock",
           "init_conv_bn", "init_trunc_normal", "resolve_config"]


def make_divisible(value: float, divisor: int = 8, min_value: int | None = None) -> int:
    """Round a channel count to a multiple of ``divisor``, never more than 10% below ``value``.

    Examples:
        >>> from lucid.models._layers import make_divisible
        >>> make_divisible(32 * 0.75), make_divisible(10)
        (24, 16)
    """
    floor = divisor if min_value is None else min_value
    rounded = max(floor, int(value + divisor / 2) // divisor * divisor)
    return rounded + divisor if rounded < 0.9 * value else rounded


class ConvNormActivation(nn.Sequential):
    """``Conv2d`` (same padding), then a norm layer and an activation (torchvision's ``Conv2dNormActivation``).

    Keys: ``0`` is the convolution, ``1`` the norm, ``2`` the activation (those left out are skipped).

    Args:
        in_channels, out_channels, kernel_size, stride, groups, dilation: as ``nn.Conv2d``.
        padding: ``None`` pads by ``(kernel_size - 1) // 2 * dilation``.
        norm_layer: a callable ``norm_layer(channels)``, or ``None`` (default ``nn.BatchNorm2d``).
        activation_layer: a module class, or ``None`` (default ``nn.ReLU``).
        bias: conv bias; ``None`` means "only without a norm layer".

    Examples:
        >>> import lucid
        >>> from lucid.models._layers import ConvNormActivation
        >>> ConvNormActivation(3, 8, 3, stride=2)(lucid.zeros(1, 3, 8, 8)).shape
        (1, 8, 4, 4)
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int = 3, stride: int = 1,
                 padding: int | None = None, groups: int = 1, norm_layer=nn.BatchNorm2d,
                 activation_layer=nn.ReLU, dilation: int = 1, bias: bool | None = None):
        if padding is None:
            padding = (kernel_size - 1) // 2 * dilation
        if bias is None:
            bias = norm_layer is None
        layers = [nn.Conv2d(in_channels, out_channels, kernel_size, stride, padding, dilation=dilation,
                            groups=groups, bias=bias)]
        if norm_layer is not None:
            layers.append(norm_layer(out_channels))
        if activation_layer is not None:
            layers.append(activation_layer())
        super().__init__(*layers)
        self.out_channels = out_channels


class SqueezeExcitation(nn.Module):
    """Squeeze-and-excitation (Hu et al., 2018): rescale channels by a gate computed from their means.

    ``scale = scale_activation(fc2(activation(fc1(mean_hw(x)))))``, output ``x * scale``;
    ``fc1``/``fc2`` are 1x1 convolutions.

    Examples:
        >>> import lucid
        >>> from lucid.models._layers import SqueezeExcitation
        >>> SqueezeExcitation(8, 2)(lucid.ones(1, 8, 4, 4)).shape
        (1, 8, 4, 4)
    """

    def __init__(self, input_channels: int, squeeze_channels: int, activation=nn.ReLU,
                 scale_activation=nn.Sigmoid):
        super().__init__()
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc1 = nn.Conv2d(input_channels, squeeze_channels, 1)
        self.fc2 = nn.Conv2d(squeeze_channels, input_channels, 1)
        self.activation = activation()
        self.scale_activation = scale_activation()

    def forward(self, x):
        scale = self.scale_activation(self.fc2(self.activation(self.fc1(self.avgpool(x)))))
        return x * scale


class Permute(nn.Module):
    """Permute the dimensions of the input (a module, so it can sit in a ``Sequential``).

    Examples:
        >>> import lucid
        >>> from lucid.models._layers import Permute
        >>> Permute([0, 2, 3, 1])(lucid.zeros(1, 3, 4, 5)).shape
        (1, 4, 5, 3)
    """

    def __init__(self, dims):
        super().__init__()
        self.dims = tuple(dims)

    def forward(self, x):
        return x.permute(*self.dims)

    def extra_repr(self) -> str:
        return f"dims={list(self.dims)}"


class LayerNorm2d(nn.LayerNorm):
    """``LayerNorm`` over the channels of an ``(N, C, H, W)`` input.

    Examples:
        >>> import lucid
        >>> from lucid.models._layers import LayerNorm2d
        >>> LayerNorm2d(3)(lucid.randn(2, 3, 4, 4)).shape
        (2, 3, 4, 4)
    """

    def forward(self, x):
        return super().forward(x.permute(0, 2, 3, 1)).permute(0, 3, 1, 2)


class MLPBlock(nn.Sequential):
    """``Linear``, activation, ``Dropout``, ``Linear``, ``Dropout`` (keys ``0`` and ``3`` hold the weights).

    Examples:
        >>> import lucid
        >>> from lucid.models._layers import MLPBlock
        >>> MLPBlock(8, 32)(lucid.zeros(2, 8)).shape
        (2, 8)
    """

    def __init__(self, in_dim: int, hidden_dim: int, dropout: float = 0.0, activation_layer=nn.GELU):
        super().__init__(nn.Linear(in_dim, hidden_dim), activation_layer(), nn.Dropout(dropout),
                         nn.Linear(hidden_dim, in_dim), nn.Dropout(dropout))


def resolve_config(config, config_class: type, owner: str):
    """A model's config: ``config_class()`` (its defaults) for ``None``, else ``config`` checked to be one.

    Raises:
        TypeError: ``config`` is neither ``None`` nor a ``config_class``.

    Examples:
        >>> from lucid.models import GPTConfig
        >>> from lucid.models._layers import resolve_config
        >>> resolve_config(None, GPTConfig, "GPT").n_layer
        12
    """
    config = config_class() if config is None else config
    if not isinstance(config, config_class):
        raise TypeError(f"{owner}: config must be a {config_class.__name__}, got {type(config).__name__}")
    return config


def init_conv_bn(model: nn.Module, conv_mode: str = "fan_out", linear_std: float | None = 0.01) -> None:
    """torchvision's usual initialisation, in place and lazily.

    Convolutions: Kaiming normal (``mode=conv_mode``, ReLU gain), zero bias. Batch and group norms: ones
    and zeros. Linear layers: ``N(0, linear_std^2)`` and zero bias (left at the default when
    ``linear_std`` is ``None``).

    Examples:
        >>> import lucid.nn as nn
        >>> from lucid.models._layers import init_conv_bn
        >>> init_conv_bn(nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4)))
    """
    for m in model.modules():
        if isinstance(m, nn.Conv2d):
            nn.init.kaiming_normal_(m.weight, mode=conv_mode, nonlinearity="relu")
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, (nn.BatchNorm2d, nn.GroupNorm)):
            nn.init.ones_(m.weight)
            nn.init.zeros_(m.bias)
        elif isinstance(m, nn.Linear) and linear_std is not None:
            nn.init.normal_(m.weight, 0.0, linear_std)
            nn.init.zeros_(m.bias)



def init_trunc_normal(model: nn.Module, types: tuple = (nn.Linear,), std: float = 0.02) -> None:
    """The transformers' initialisation, in place and lazily: weights ``N(0, std^2)`` truncated to ``[-2, 2]``.

    Every submodule of ``model`` that is an instance of ``types`` gets a truncated normal weight and a zero
    bias (if it has one); the rest keep theirs.

    Examples:
        >>> import lucid.nn as nn
        >>> from lucid.models._layers import init_trunc_normal
        >>> net = nn.Sequential(nn.Conv2d(3, 4, 3), nn.Linear(4, 2))
        >>> init_trunc_normal(net, (nn.Conv2d, nn.Linear))
        >>> net[1].bias.tolist()
        [0.0, 0.0]
    """
    for m in model.modules():
        if isinstance(m, types):
            nn.init.trunc_normal_(m.weight, std=std)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
