"""Pooling layers: ``MaxPool``, ``AvgPool``, ``AdaptiveAvgPool`` and ``AdaptiveMaxPool`` in 1, 2 and 3 dimensions.

Each is a thin module over :mod:`lucid.nn.functional.pooling`; arguments are
stored as given (``stride=None`` becomes ``kernel_size``) so reprs match PyTorch's.
"""

from __future__ import annotations

from lucid._tensor import Tensor
from lucid.nn.functional import pooling as Fp
from lucid.nn.functional._kernels import check_spatial_input
from lucid.nn.module import Module

__all__ = ["MaxPool1d", "MaxPool2d", "MaxPool3d", "AvgPool1d", "AvgPool2d", "AvgPool3d",
           "AdaptiveAvgPool1d", "AdaptiveAvgPool2d", "AdaptiveAvgPool3d",
           "AdaptiveMaxPool1d", "AdaptiveMaxPool2d", "AdaptiveMaxPool3d", "LPPool1d", "LPPool2d", "LPPool3d",
           "MaxUnpool1d", "MaxUnpool2d", "MaxUnpool3d"]


class _PoolNd(Module):
    """A pooling layer over ``_nd`` spatial dimensions: checks its input and calls ``_fns[_nd]``."""

    _nd = 0
    _fns: dict = {}

    def _pool(self, input: Tensor, *args):
        check_spatial_input(self, input, self._nd)
        return self._fns[self._nd](input, *args)


class _WindowPoolNd(_PoolNd):
    """Max and average pooling, max unpooling: windows of ``kernel_size`` moved by ``stride`` (default: kernel_size)."""

    def __init__(self, kernel_size, stride, padding) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding = padding

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class _MaxPoolNd(_WindowPoolNd):
    _fns = {1: Fp.max_pool1d, 2: Fp.max_pool2d, 3: Fp.max_pool3d}

    def __init__(self, kernel_size, stride=None, padding=0, dilation=1, return_indices: bool = False,
                 ceil_mode: bool = False):
        super().__init__(kernel_size, stride, padding)
        self.dilation = dilation
        self.return_indices = return_indices
        self.ceil_mode = ceil_mode

    def forward(self, input: Tensor):
        return self._pool(input, self.kernel_size, self.stride, self.padding, self.dilation, self.ceil_mode,
                          self.return_indices)

    def extra_repr(self) -> str:
        return f"{super().extra_repr()}, dilation={self.dilation}, ceil_mode={self.ceil_mode}"


class MaxPool1d(_MaxPoolNd):
    """1-D max pooling (see :func:`lucid.nn.functional.max_pool1d`).

    Args:
        kernel_size: window length.
        stride: step between windows; default ``kernel_size``.
        padding: implicit ``-inf`` padding on both sides. Default 0.
        dilation: spacing between window elements. Default 1.
        return_indices: also return the positions of the maxima. Default False.
        ceil_mode: round the output size up. Default False.

    Examples:
        >>> import lucid
        >>> import lucid.nn as nn
        >>> nn.MaxPool1d(2)
        MaxPool1d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)
        >>> nn.MaxPool1d(2)(lucid.tensor([[[1.0, 3.0, 2.0, 0.0]]])).tolist()
        [[[3.0, 2.0]]]
    """

    _nd = 1


class MaxPool2d(_MaxPoolNd):
    """2-D max pooling (see :func:`lucid.nn.functional.max_pool2d`); arguments as :class:`MaxPool1d`.

    Examples:
        >>> import lucid
        >>> import lucid.nn as nn
        >>> nn.MaxPool2d(3, stride=2, padding=1)(lucid.ones(1, 4, 8, 8)).shape
        (1, 4, 4, 4)
    """

    _nd = 2


class MaxPool3d(_MaxPoolNd):
    """3-D max pooling (see :func:`lucid.nn.functional.max_pool3d`); arguments as :class:`MaxPool1d`.

    Examples:
        >>> import lucid
        >>> import lucid.nn as nn
        >>> nn.MaxPool3d(2)(lucid.ones(1, 1, 4, 4, 4)).shape
        (1, 1, 2, 2, 2)
    """

    _nd = 3


class AvgPool1d(_WindowPoolNd):
    """1-D average pooling (see :func:`lucid.nn.functional.avg_pool1d`).

    Args:
        kernel_size: window length.
        stride: step between windows; default ``kernel_size``.
        padding: implicit zero padding on both sides. Default 0.
        ceil_mode: round the output size up. Default False.
        count_include_pad: count the padding in the divisor. Default True.

    Examples:
        >>> import lucid
        >>> import lucid.nn as nn
        >>> nn.AvgPool1d(2)
        AvgPool1d(kernel_size=(2,), stride=(2,), padding=(0,))
        >>> nn.AvgPool1d(2)(lucid.tensor([[[1.0, 3.0, 2.0, 0.0]]])).tolist()
        [[[2.0, 1.0]]]
    """

    _nd = 1
    _fns = {1: Fp.avg_pool1d}

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode: bool = False, count_include_pad: bool = True):
        one = lambda v: tuple(v) if isinstance(v, (tuple, list)) else (v,)  # noqa: E731  (PyTorch stores 1-tuples)
        super().__init__(one(kernel_size), one(stride if stride is not None else kernel_size), one(padding))
        self.ceil_mode = ceil_mode
        self.count_include_pad = count_include_pad

    def forward(self, input: Tensor) -> Tensor:
        return self._pool(input, self.kernel_size, self.stride, self.padding, self.ceil_mode, self.count_include_pad)


class _AvgPoolNd(_WindowPoolNd):
    _fns = {2: Fp.avg_pool2d, 3: Fp.avg_pool3d}

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode: bool = False, count_include_pad: bool = True,
                 divisor_override: int | None = None):
        super().__init__(kernel_size, stride, padding)
        self.ceil_mode = ceil_mode
        self.count_include_pad = count_include_pad
        self.divisor_override = divisor_override

    def forward(self, input: Tensor) -> Tensor:
        return self._pool(input, self.kernel_size, self.stride, self.padding, self.ceil_mode, self.count_include_pad,
                          self.divisor_override)


class AvgPool2d(_AvgPoolNd):
    """2-D average pooling (see :func:`lucid.nn.functional.avg_pool2d`).

    Args as :class:`AvgPool1d`, plus ``divisor_override`` (divide every window's sum by it).

    Examples:
        >>> import lucid
        >>> import lucid.nn as nn
        >>> nn.AvgPool2d(2)(lucid.ones(1, 3, 4, 4)).shape
        (1, 3, 2, 2)
    """

    _nd = 2


class AvgPool3d(_AvgPoolNd):
    """3-D average pooling (see :func:`lucid.nn.functional.avg_pool3d`).

    Examples:
        >>> import lucid
        >>> import lucid.nn as nn
        >>> nn.AvgPool3d(2, stride=1)(lucid.ones(1, 1, 3, 3, 3)).shape
        (1, 1, 2, 2, 2)
    """

    _nd = 3


class _AdaptivePoolNd(_PoolNd):
    def __init__(self, output_size):
        super().__init__()
        self.output_size = output_size

    def forward(self, input: Tensor) -> Tensor:
        return self._pool(input, self.output_size)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class _AdaptiveAvg(_AdaptivePoolNd):
    _fns = {1: Fp.adaptive_avg_pool1d, 2: Fp.adaptive_avg_pool2d, 3: Fp.adaptive_avg_pool3d}


class _AdaptiveMax(_AdaptivePoolNd):
    _fns = {1: Fp.adaptive_max_pool1d, 2: Fp.adaptive_max_pool2d, 3: Fp.adaptive_max_pool3d}

    def __init__(self, output_size, return_indices: bool = False):
        super().__init__(output_size)
        self.return_indices = return_indices

    def forward(self, input: Tensor):
        return self._pool(input, self.output_size, self.return_indices)


class AdaptiveAvgPool1d(_AdaptiveAvg):
    """1-D adaptive average pooling to a fixed length (see :func:`lucid.nn.functional.adaptive_avg_pool1d`).

    Args:
        output_size: the output length.

    Examples:
        >>> import lucid
        >>> import lucid.nn as nn
        >>> nn.AdaptiveAvgPool1d(3)(lucid.ones(2, 4, 10)).shape
        (2, 4, 3)
    """

    _nd = 1


class AdaptiveAvgPool2d(_AdaptiveAvg):
    """2-D adaptive average pooling (see :func:`lucid.nn.functional.adaptive_avg_pool2d`).

    Args:
        output_size: an int or ``(H_out, W_out)``; ``None`` keeps that input size.

    Examples:
        >>> import lucid
        >>> import lucid.nn as nn
        >>> nn.AdaptiveAvgPool2d((1, 1))
        AdaptiveAvgPool2d(output_size=(1, 1))
        >>> nn.AdaptiveAvgPool2d(1)(lucid.ones(2, 8, 7, 7)).shape
        (2, 8, 1, 1)
    """

    _nd = 2


class AdaptiveAvgPool3d(_AdaptiveAvg):
    """3-D adaptive average pooling (see :func:`lucid.nn.functional.adaptive_avg_pool3d`).

    Examples:
        >>> import lucid
        >>> import lucid.nn as nn
        >>> nn.AdaptiveAvgPool3d(2)(lucid.ones(1, 1, 5, 5, 5)).shape
        (1, 1, 2, 2, 2)
    """

    _nd = 3


class AdaptiveMaxPool1d(_AdaptiveMax):
    """1-D adaptive max pooling (see :func:`lucid.nn.functional.adaptive_max_pool1d`).

    Args:
        output_size: the output length.
        return_indices: also return the positions of the maxima. Default False.

    Examples:
        >>> import lucid
        >>> import lucid.nn as nn
        >>> nn.AdaptiveMaxPool1d(2)(lucid.tensor([[[1.0, 5.0, 2.0, 4.0, 3.0]]])).tolist()
        [[[5.0, 4.0]]]
    """

    _nd = 1


class AdaptiveMaxPool2d(_AdaptiveMax):
    """2-D adaptive max pooling (see :func:`lucid.nn.functional.adaptive_max_pool2d`).

    Examples:
        >>> import lucid
        >>> import lucid.nn as nn
        >>> nn.AdaptiveMaxPool2d((2, 3))(lucid.ones(1, 2, 5, 7)).shape
        (1, 2, 2, 3)
    """

    _nd = 2


class AdaptiveMaxPool3d(_AdaptiveMax):
    """3-D adaptive max pooling (see :func:`lucid.nn.functional.adaptive_max_pool3d`).

    Examples:
        >>> import lucid
        >>> import lucid.nn as nn
        >>> nn.AdaptiveMaxPool3d(1)(lucid.ones(1, 2, 3, 3, 3)).shape
        (1, 2, 1, 1, 1)
    """

    _nd = 3


class _LPPoolNd(_PoolNd):
    _fns = {1: Fp.lp_pool1d, 2: Fp.lp_pool2d, 3: Fp.lp_pool3d}

    def __init__(self, norm_type: float, kernel_size, stride=None, ceil_mode: bool = False) -> None:
        super().__init__()
        self.norm_type = norm_type
        self.kernel_size = kernel_size
        self.stride = stride
        self.ceil_mode = ceil_mode

    def forward(self, input: Tensor) -> Tensor:
        return self._pool(input, self.norm_type, self.kernel_size, self.stride, self.ceil_mode)

    def extra_repr(self) -> str:
        return f"norm_type={self.norm_type}, kernel_size={self.kernel_size}, stride={self.stride}, " \
               f"ceil_mode={self.ceil_mode}"


class LPPool1d(_LPPoolNd):
    """1-D power-average pooling (see :func:`lucid.nn.functional.lp_pool1d`).

    Examples:
        >>> import lucid
        >>> lucid.nn.LPPool1d(2, 2)(lucid.tensor([[3.0, 4.0]])).tolist()
        [[5.0]]
    """

    _nd = 1


class LPPool2d(_LPPoolNd):
    """2-D power-average pooling (see :func:`lucid.nn.functional.lp_pool2d`).

    Examples:
        >>> import lucid
        >>> lucid.nn.LPPool2d(1, 2)(lucid.ones(1, 1, 2, 2)).tolist()
        [[[[4.0]]]]
    """

    _nd = 2


class LPPool3d(_LPPoolNd):
    """3-D power-average pooling (see :func:`lucid.nn.functional.lp_pool3d`).

    Examples:
        >>> import lucid
        >>> lucid.nn.LPPool3d(2, 2)(lucid.ones(1, 1, 2, 2, 2)).shape
        (1, 1, 1, 1, 1)
    """

    _nd = 3


class _MaxUnpoolNd(_WindowPoolNd):
    _fns = {1: Fp.max_unpool1d, 2: Fp.max_unpool2d, 3: Fp.max_unpool3d}

    def __init__(self, kernel_size, stride=None, padding=0) -> None:
        super().__init__(kernel_size, stride, padding)

    def forward(self, input: Tensor, indices: Tensor, output_size=None) -> Tensor:
        return self._pool(input, indices, self.kernel_size, self.stride, self.padding, output_size)


class MaxUnpool1d(_MaxUnpoolNd):
    """Partial inverse of :class:`MaxPool1d` (see :func:`lucid.nn.functional.max_unpool1d`).

    Examples:
        >>> import lucid
        >>> pool, unpool = lucid.nn.MaxPool1d(2, return_indices=True), lucid.nn.MaxUnpool1d(2)
        >>> y, i = pool(lucid.tensor([[[1.0, 3.0, 5.0, 2.0]]]))
        >>> unpool(y, i).tolist()
        [[[0.0, 3.0, 5.0, 0.0]]]
    """

    _nd = 1


class MaxUnpool2d(_MaxUnpoolNd):
    """Partial inverse of :class:`MaxPool2d` (see :func:`lucid.nn.functional.max_unpool2d`).

    Examples:
        >>> import lucid
        >>> pool, unpool = lucid.nn.MaxPool2d(2, return_indices=True), lucid.nn.MaxUnpool2d(2)
        >>> y, i = pool(lucid.arange(16.0).reshape(1, 1, 4, 4))
        >>> unpool(y, i, output_size=(5, 5)).shape
        (1, 1, 5, 5)
    """

    _nd = 2


class MaxUnpool3d(_MaxUnpoolNd):
    """Partial inverse of :class:`MaxPool3d` (see :func:`lucid.nn.functional.max_unpool3d`).

    Examples:
        >>> import lucid
        >>> pool, unpool = lucid.nn.MaxPool3d(2, return_indices=True), lucid.nn.MaxUnpool3d(2)
        >>> y, i = pool(lucid.randn(1, 2, 4, 4, 4))
        >>> unpool(y, i).shape
        (1, 2, 4, 4, 4)
    """

    _nd = 3
