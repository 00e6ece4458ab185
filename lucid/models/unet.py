"""U-Net (Ronneberger et al., 2015) for segmentation and as a diffusion backbone.

The layout follows the widely used ``milesial/Pytorch-UNet`` one: ``inc`` is a
double convolution, ``down1`` .. ``downN`` halve the resolution (max pooling, then
a double convolution), ``up1`` .. ``upN`` double it (a transposed convolution, or
bilinear upsampling) and concatenate the matching skip connection, and ``outc`` is
a 1x1 convolution. A double convolution is conv3x3-BN-ReLU twice, without conv
bias; padding keeps the size, so the output has the input's height and width.
"""

from __future__ import annotations

import lucid
import lucid.nn as nn
import lucid.nn.functional as F
from lucid.models._registry import register_model

__all__ = ["UNet", "DoubleConv", "unet"]

_PAPER = "U-Net: Convolutional Networks for Biomedical Image Segmentation (Ronneberger et al., 2015)"


class DoubleConv(nn.Module):
    """``(Conv2d 3x3, BatchNorm2d, ReLU)`` twice; keys ``double_conv.0`` .. ``double_conv.5``.

    Args:
        in_channels, out_channels: channels in and out.
        mid_channels: channels between the two convolutions (default ``out_channels``).

    Examples:
        >>> import lucid
        >>> from lucid.models.unet import DoubleConv
        >>> DoubleConv(3, 8)(lucid.zeros(1, 3, 10, 10)).shape
        (1, 8, 10, 10)
    """

    def __init__(self, in_channels: int, out_channels: int, mid_channels: int | None = None):
        super().__init__()
        mid = out_channels if mid_channels is None else mid_channels
        self.double_conv = nn.Sequential(
            nn.Conv2d(in_channels, mid, 3, padding=1, bias=False), nn.BatchNorm2d(mid), nn.ReLU(),
            nn.Conv2d(mid, out_channels, 3, padding=1, bias=False), nn.BatchNorm2d(out_channels), nn.ReLU(),
        )

    def forward(self, x):
        return self.double_conv(x)


class _Down(nn.Module):
    def __init__(self, in_channels: int, out_channels: int):
        super().__init__()
        self.maxpool_conv = nn.Sequential(nn.MaxPool2d(2), DoubleConv(in_channels, out_channels))

    def forward(self, x):
        return self.maxpool_conv(x)


class _Up(nn.Module):
    def __init__(self, in_channels: int, out_channels: int, bilinear: bool):
        super().__init__()
        if bilinear:
            self.up = nn.Upsample(scale_factor=2, mode="bilinear", align_corners=True)
            self.conv = DoubleConv(in_channels, out_channels, in_channels // 2)
        else:
            self.up = nn.ConvTranspose2d(in_channels, in_channels // 2, 2, stride=2)
            self.conv = DoubleConv(in_channels, out_channels)

    def forward(self, x, skip):
        x = self.up(x)
        # An odd size was floored by the pooling on the way down: pad the upsampled map back to the skip's size
        # (shapes are static, so this branch evaluates nothing).
        dh, dw = skip.shape[2] - x.shape[2], skip.shape[3] - x.shape[3]
        if dh or dw:
            x = F.pad(x, (dw // 2, dw - dw // 2, dh // 2, dh - dh // 2))
        return self.conv(lucid.cat([skip, x], dim=1))


class _OutConv(nn.Module):
    def __init__(self, in_channels: int, out_channels: int):
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, 1)

    def forward(self, x):
        return self.conv(x)


class UNet(nn.Module):
    """A U-Net: ``depth`` down steps, as many up steps with skip connections, and a 1x1 output convolution.

    Channels double at each down step: ``base_channels * 2**i`` at depth ``i``.
    With ``bilinear=True`` the up steps upsample bilinearly (``align_corners=True``)
    instead of with a learned transposed convolution, and the deepest layer has half
    the channels, as in the reference layout. Any input size works: an odd size at
    some depth is floored by the pooling and padded back on the way up.

    Args:
        in_channels: channels of the input image (default 3).
        out_channels: channels of the output map, e.g. classes for segmentation (default 1).
        base_channels: channels of the first double convolution (default 64).
        depth: number of down (and up) steps (default 4).
        bilinear: upsample bilinearly instead of with transposed convolutions (default ``False``).

    Shape:
        input ``(N, in_channels, H, W)``; output ``(N, out_channels, H, W)`` (raw scores).

    Examples:
        >>> import lucid
        >>> from lucid.models import UNet
        >>> net = UNet(in_channels=1, out_channels=2, base_channels=4, depth=2)
        >>> net(lucid.zeros(1, 1, 12, 12)).shape
        (1, 2, 12, 12)
        >>> sorted(name for name, _ in net.named_children())
        ['down1', 'down2', 'inc', 'outc', 'up1', 'up2']
    """

    def __init__(self, in_channels: int = 3, out_channels: int = 1, base_channels: int = 64, depth: int = 4,
                 bilinear: bool = False):
        super().__init__()
        for name, value in (("in_channels", in_channels), ("out_channels", out_channels),
                            ("base_channels", base_channels), ("depth", depth)):
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"UNet: {name} must be a positive int, got {value!r}")
        if bilinear and base_channels % 2:
            raise ValueError(f"UNet: bilinear=True halves channel counts, so base_channels must be even, "
                             f"got {base_channels}")
        self.in_channels, self.out_channels, self.depth, self.bilinear = in_channels, out_channels, depth, bilinear
        factor = 2 if bilinear else 1
        ch = [base_channels * 2**i for i in range(depth + 1)]
        self.inc = DoubleConv(in_channels, ch[0])
        for i in range(1, depth + 1):
            setattr(self, f"down{i}", _Down(ch[i - 1], ch[i] // factor if i == depth else ch[i]))
        for j in range(1, depth + 1):  # up1 is the deepest
            i = depth - j + 1
            setattr(self, f"up{j}", _Up(ch[i], ch[i - 1] // factor if i > 1 else ch[0], bilinear))
        self.outc = _OutConv(ch[0], out_channels)

    def forward(self, x):
        if x.ndim != 4 or x.shape[1] != self.in_channels:
            raise ValueError(f"UNet expects images of shape (N, {self.in_channels}, H, W), got {tuple(x.shape)}")
        skips = [self.inc(x)]
        for i in range(1, self.depth + 1):
            skips.append(getattr(self, f"down{i}")(skips[-1]))
        x = skips.pop()
        for j in range(1, self.depth + 1):
            x = getattr(self, f"up{j}")(x, skips.pop())
        return self.outc(x)

    def extra_repr(self) -> str:
        return (f"in_channels={self.in_channels}, out_channels={self.out_channels}, depth={self.depth}, "
                f"bilinear={self.bilinear}")


@register_model("unet", num_params=31_037_633, input_size=(3, 256, 256), paper=_PAPER)
def unet(**kwargs) -> UNet:
    """The U-Net with the defaults of :class:`UNet` (3 channels in, 1 out, 64 base channels, depth 4).

    Examples:
        >>> import lucid.models as models
        >>> models.create_model("unet", out_channels=3, bilinear=True).outc.conv.out_channels
        3
    """
    return UNet(**kwargs)
