"""Vision layers: ``Upsample`` and its aliases, ``Unfold``, ``Fold``, ``PixelShuffle``, ``PixelUnshuffle``."""

from __future__ import annotations

from lucid._tensor import Tensor
from lucid.nn.functional import vision as Fv
from lucid.nn.functional._kernels import check_layer_input
from lucid.nn.module import Module
from lucid.nn.modules._functional_layer import FunctionalLayer

__all__ = ["Upsample", "UpsamplingNearest2d", "UpsamplingBilinear2d", "Unfold", "Fold", "PixelShuffle",
           "PixelUnshuffle", "ChannelShuffle"]


class Upsample(Module):
    """Resize ``(N, C, *spatial)`` inputs (see :func:`lucid.nn.functional.interpolate`).

    Args:
        size: the output spatial size (int or tuple).
        scale_factor: multiplier for the spatial sizes (float or tuple); give exactly one of the two.
        mode: ``"nearest"`` (default), ``"nearest-exact"``, ``"linear"``,
            ``"bilinear"``, ``"bicubic"``, ``"trilinear"`` or ``"area"``.
        align_corners: for the linear and cubic modes. Default None (False).
        recompute_scale_factor: interpolate with ``in / out`` instead of ``1 / scale_factor``.

    Examples:
        >>> import lucid
        >>> import lucid.nn as nn
        >>> up = nn.Upsample(scale_factor=2)
        >>> up
        Upsample(scale_factor=2.0, mode='nearest')
        >>> up(lucid.tensor([[[[1.0, 2.0]]]])).tolist()
        [[[[1.0, 1.0, 2.0, 2.0], [1.0, 1.0, 2.0, 2.0]]]]
    """

    def __init__(self, size=None, scale_factor=None, mode: str = "nearest", align_corners: bool | None = None,
                 recompute_scale_factor: bool | None = None):
        super().__init__()
        self.size = size
        if isinstance(scale_factor, (tuple, list)):
            self.scale_factor = tuple(float(s) for s in scale_factor)
        else:
            self.scale_factor = float(scale_factor) if scale_factor else None
        self.mode = mode
        self.align_corners = align_corners
        self.recompute_scale_factor = recompute_scale_factor

    def forward(self, input: Tensor) -> Tensor:
        check_layer_input(self, input)
        return Fv.interpolate(input, self.size, self.scale_factor, self.mode, self.align_corners,
                              recompute_scale_factor=self.recompute_scale_factor)

    def extra_repr(self) -> str:
        info = f"scale_factor={self.scale_factor!r}" if self.scale_factor is not None else f"size={self.size!r}"
        return info + f", mode={self.mode!r}"


class UpsamplingNearest2d(Upsample):
    """Nearest-neighbour 2-D upsampling: ``Upsample(size, scale_factor, mode="nearest")``.

    Examples:
        >>> import lucid
        >>> import lucid.nn as nn
        >>> nn.UpsamplingNearest2d(scale_factor=3)(lucid.ones(1, 1, 2, 2)).shape
        (1, 1, 6, 6)
    """

    def __init__(self, size=None, scale_factor=None):
        super().__init__(size, scale_factor, mode="nearest")


class UpsamplingBilinear2d(Upsample):
    """Bilinear 2-D upsampling with aligned corners: ``Upsample(..., mode="bilinear", align_corners=True)``.

    Examples:
        >>> import lucid
        >>> import lucid.nn as nn
        >>> nn.UpsamplingBilinear2d(size=(1, 3))(lucid.tensor([[[[0.0, 2.0]]]])).tolist()
        [[[[0.0, 1.0, 2.0]]]]
    """

    def __init__(self, size=None, scale_factor=None):
        super().__init__(size, scale_factor, mode="bilinear", align_corners=True)


class Unfold(Module):
    """Extract sliding blocks (im2col): ``(N, C, H, W)`` to ``(N, C * kH * kW, L)``, like ``F.unfold``.

    Args:
        kernel_size: block size (int or 2-tuple).
        dilation: spacing between block elements. Default 1.
        padding: implicit zero padding on both sides. Default 0.
        stride: step between blocks. Default 1.

    Examples:
        >>> import lucid
        >>> import lucid.nn as nn
        >>> u = nn.Unfold(kernel_size=(2, 3))
        >>> u
        Unfold(kernel_size=(2, 3), dilation=1, padding=0, stride=1)
        >>> u(lucid.ones(2, 5, 3, 4)).shape
        (2, 30, 4)
    """

    def __init__(self, kernel_size, dilation=1, padding=0, stride=1):
        super().__init__()
        self.kernel_size, self.dilation, self.padding, self.stride = kernel_size, dilation, padding, stride

    def forward(self, input: Tensor) -> Tensor:
        check_layer_input(self, input)
        if input.ndim not in (3, 4):
            raise ValueError(f"Unfold expected input of shape (N, C, H, W) or (C, H, W), got {input.shape}")
        return Fv.unfold(input, self.kernel_size, self.dilation, self.padding, self.stride)

    def extra_repr(self) -> str:
        return (f"kernel_size={self.kernel_size}, dilation={self.dilation}, padding={self.padding}, "
                f"stride={self.stride}")


class Fold(Module):
    """Combine sliding blocks into an image, summing overlaps (see :func:`lucid.nn.functional.fold`).

    Args:
        output_size: the spatial output size ``(H, W)``.
        kernel_size, dilation, padding, stride: as for :class:`Unfold`.

    Examples:
        >>> import lucid
        >>> import lucid.nn as nn
        >>> nn.Fold(output_size=(3, 4), kernel_size=(2, 3))(lucid.ones(2, 30, 4)).shape
        (2, 5, 3, 4)
    """

    def __init__(self, output_size, kernel_size, dilation=1, padding=0, stride=1):
        super().__init__()
        self.output_size, self.kernel_size = output_size, kernel_size
        self.dilation, self.padding, self.stride = dilation, padding, stride

    def forward(self, input: Tensor) -> Tensor:
        check_layer_input(self, input)
        if input.ndim not in (2, 3):
            raise ValueError(f"Fold expected input of shape (N, C * kH * kW, L) or (C * kH * kW, L), got {input.shape}")
        return Fv.fold(input, self.output_size, self.kernel_size, self.dilation, self.padding, self.stride)

    def extra_repr(self) -> str:
        return (f"output_size={self.output_size}, kernel_size={self.kernel_size}, dilation={self.dilation}, "
                f"padding={self.padding}, stride={self.stride}")


class PixelShuffle(FunctionalLayer, fn=Fv.pixel_shuffle, settings=("upscale_factor",)):
    """Rearrange ``(*, C r^2, H, W)`` into ``(*, C, H r, W r)`` (see :func:`lucid.nn.functional.pixel_shuffle`).

    Args:
        upscale_factor: ``r``.

    Examples:
        >>> import lucid
        >>> import lucid.nn as nn
        >>> nn.PixelShuffle(3)(lucid.ones(1, 18, 4, 4)).shape
        (1, 2, 12, 12)
    """

    check_input = True

    def __init__(self, upscale_factor: int):
        super().__init__(upscale_factor=upscale_factor)


class PixelUnshuffle(FunctionalLayer, fn=Fv.pixel_unshuffle, settings=("downscale_factor",)):
    """Rearrange ``(*, C, H r, W r)`` into ``(*, C r^2, H, W)`` (see :func:`lucid.nn.functional.pixel_unshuffle`).

    Args:
        downscale_factor: ``r``.

    Examples:
        >>> import lucid
        >>> import lucid.nn as nn
        >>> nn.PixelUnshuffle(2)(lucid.ones(1, 2, 4, 6)).shape
        (1, 8, 2, 3)
    """

    check_input = True

    def __init__(self, downscale_factor: int):
        super().__init__(downscale_factor=downscale_factor)


class ChannelShuffle(FunctionalLayer, fn=Fv.channel_shuffle, settings=("groups",)):
    """Interleave the channels of ``groups`` groups (see :func:`lucid.nn.functional.channel_shuffle`).

    Examples:
        >>> import lucid
        >>> lucid.nn.ChannelShuffle(2)(lucid.arange(4.0).reshape(1, 4, 1)).flatten().tolist()
        [0.0, 2.0, 1.0, 3.0]
    """

    def __init__(self, groups: int) -> None:
        super().__init__(groups=groups)
