"""Pooling layers: ``MaxPool``, ``AvgPool``, ``AdaptiveAvgPool`` and ``AdaptiveMaxPool`` in 1, 2 and 3 dimensions.

Each is a thin module over :mod:`lucid.nn.functional.pooling`; arguments are
stored as given (``stride=None`` becomes ``kernel_size``) so reprs match PyTorch's.
"""

from __future__ import annotations

from lucid._tensor import Tensor
from lucid.nn.functional import pooling as Fp
from lucid.nn.functional._kernels import check_spatial_input
from lucid.nn.module import Module
from lucid.nn.modules._factory import LayerT, example_doc, layer_class

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


class _MaxUnpoolNd(_WindowPoolNd):
    _fns = {1: Fp.max_unpool1d, 2: Fp.max_unpool2d, 3: Fp.max_unpool3d}

    def __init__(self, kernel_size, stride=None, padding=0) -> None:
        super().__init__(kernel_size, stride, padding)

    def forward(self, input: Tensor, indices: Tensor, output_size=None) -> Tensor:
        return self._pool(input, indices, self.kernel_size, self.stride, self.padding, output_size)


_MAX_ARGS = """

    Args:
        kernel_size: window size (an int, or one per spatial dim).
        stride: step between windows; default ``kernel_size``.
        padding: implicit ``-inf`` padding on both sides. Default 0.
        dilation: spacing between window elements. Default 1.
        return_indices: also return the positions of the maxima. Default False.
        ceil_mode: round the output size up. Default False."""
_ADAPTIVE_ARGS = """

    Args:
        output_size: the output size (an int, or one per spatial dim; ``None`` keeps that input size).{extra}"""
_RETURN_INDICES = """
        return_indices: also return the positions of the maxima. Default False."""

# name stem: (what it computes, functional (without ``{nd}d``), Args section)
_FAMILIES = {
    "MaxPool": ("{nd}-D max pooling", "max_pool", _MAX_ARGS),
    "AvgPool": ("{nd}-D average pooling", "avg_pool",
                "\n\n    Args as :class:`AvgPool1d`, plus ``divisor_override`` (divide every window's sum by it)."),
    "AdaptiveAvgPool": ("{nd}-D adaptive average pooling", "adaptive_avg_pool",
                        _ADAPTIVE_ARGS.format(extra="")),
    "AdaptiveMaxPool": ("{nd}-D adaptive max pooling", "adaptive_max_pool",
                        _ADAPTIVE_ARGS.format(extra=_RETURN_INDICES)),
    "LPPool": ("{nd}-D power-average pooling", "lp_pool", ""),
    "MaxUnpool": ("Partial inverse of :class:`MaxPool{nd}d`", "max_unpool", ""),
}


def _pool_layers(base: type[LayerT], stem: str, *examples: str, first: int = 1) -> tuple[type[LayerT], ...]:
    """Define ``{stem}{nd}d`` for ``nd`` from ``first`` up to 3, each with its doctest block from ``examples``."""
    what, functional, args = _FAMILIES[stem]
    return tuple(layer_class(__name__, f"{stem}{nd}d", base, example_doc(
                     f"{what.format(nd=nd)} (see :func:`lucid.nn.functional.{functional}{nd}d`).{args}",
                     ">>> import lucid", ">>> import lucid.nn as nn", example), _nd=nd)
                 for nd, example in enumerate(examples, first))


MaxPool1d, MaxPool2d, MaxPool3d = _pool_layers(_MaxPoolNd, "MaxPool", """
    >>> nn.MaxPool1d(2)
    MaxPool1d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)
    >>> nn.MaxPool1d(2)(lucid.tensor([[[1.0, 3.0, 2.0, 0.0]]])).tolist()
    [[[3.0, 2.0]]]
""", """
    >>> nn.MaxPool2d(3, stride=2, padding=1)(lucid.ones(1, 4, 8, 8)).shape
    (1, 4, 4, 4)
""", """
    >>> nn.MaxPool3d(2)(lucid.ones(1, 1, 4, 4, 4)).shape
    (1, 1, 2, 2, 2)
""")
AvgPool2d, AvgPool3d = _pool_layers(_AvgPoolNd, "AvgPool", """
    >>> nn.AvgPool2d(2)(lucid.ones(1, 3, 4, 4)).shape
    (1, 3, 2, 2)
""", """
    >>> nn.AvgPool3d(2, stride=1)(lucid.ones(1, 1, 3, 3, 3)).shape
    (1, 1, 2, 2, 2)
""", first=2)
AdaptiveAvgPool1d, AdaptiveAvgPool2d, AdaptiveAvgPool3d = _pool_layers(_AdaptiveAvg, "AdaptiveAvgPool", """
    >>> nn.AdaptiveAvgPool1d(3)(lucid.ones(2, 4, 10)).shape
    (2, 4, 3)
""", """
    >>> nn.AdaptiveAvgPool2d((1, 1))
    AdaptiveAvgPool2d(output_size=(1, 1))
    >>> nn.AdaptiveAvgPool2d(1)(lucid.ones(2, 8, 7, 7)).shape
    (2, 8, 1, 1)
""", """
    >>> nn.AdaptiveAvgPool3d(2)(lucid.ones(1, 1, 5, 5, 5)).shape
    (1, 1, 2, 2, 2)
""")
AdaptiveMaxPool1d, AdaptiveMaxPool2d, AdaptiveMaxPool3d = _pool_layers(_AdaptiveMax, "AdaptiveMaxPool", """
    >>> nn.AdaptiveMaxPool1d(2)(lucid.tensor([[[1.0, 5.0, 2.0, 4.0, 3.0]]])).tolist()
    [[[5.0, 4.0]]]
""", """
    >>> nn.AdaptiveMaxPool2d((2, 3))(lucid.ones(1, 2, 5, 7)).shape
    (1, 2, 2, 3)
""", """
    >>> nn.AdaptiveMaxPool3d(1)(lucid.ones(1, 2, 3, 3, 3)).shape
    (1, 2, 1, 1, 1)
""")
LPPool1d, LPPool2d, LPPool3d = _pool_layers(_LPPoolNd, "LPPool", """
    >>> nn.LPPool1d(2, 2)(lucid.tensor([[3.0, 4.0]])).tolist()
    [[5.0]]
""", """
    >>> nn.LPPool2d(1, 2)(lucid.ones(1, 1, 2, 2)).tolist()
    [[[[4.0]]]]
""", """
    >>> nn.LPPool3d(2, 2)(lucid.ones(1, 1, 2, 2, 2)).shape
    (1, 1, 1, 1, 1)
""")
MaxUnpool1d, MaxUnpool2d, MaxUnpool3d = _pool_layers(_MaxUnpoolNd, "MaxUnpool", """
    >>> pool, unpool = nn.MaxPool1d(2, return_indices=True), nn.MaxUnpool1d(2)
    >>> y, i = pool(lucid.tensor([[[1.0, 3.0, 5.0, 2.0]]]))
    >>> unpool(y, i).tolist()
    [[[0.0, 3.0, 5.0, 0.0]]]
""", """
    >>> pool, unpool = nn.MaxPool2d(2, return_indices=True), nn.MaxUnpool2d(2)
    >>> y, i = pool(lucid.arange(16.0).reshape(1, 1, 4, 4))
    >>> unpool(y, i, output_size=(5, 5)).shape
    (1, 1, 5, 5)
""", """
    >>> pool, unpool = nn.MaxPool3d(2, return_indices=True), nn.MaxUnpool3d(2)
    >>> y, i = pool(lucid.randn(1, 2, 4, 4, 4))
    >>> unpool(y, i).shape
    (1, 2, 4, 4, 4)
""")
