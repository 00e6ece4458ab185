"""Lazy layers: ``LazyLinear``, ``LazyConv{1,2,3}d``, ``LazyConvTranspose{1,2,3}d``, ``LazyBatchNorm{1,2,3}d``.

A lazy layer is built without its input size (``in_features`` or
``in_channels``); the first forward reads it from the input, creates the
parameters as the regular layer would, and the module *becomes* that regular
layer (its class changes to ``Linear``, ``Conv2d``, ...), as in PyTorch.
Until then it has no parameters: run one forward (a dry run on a sample batch)
before handing ``model.parameters()`` to an optimizer.
"""

from __future__ import annotations

import inspect

from lucid._tensor import Tensor
from lucid.nn.functional._kernels import check_layer_input
from lucid.nn.module import HOOK_DICTS, Module
from lucid.nn.modules import conv, linear, normalization
from lucid.nn.modules._factory import LayerT, example_doc, layer_class

__all__ = ["LazyLinear", "LazyConv1d", "LazyConv2d", "LazyConv3d", "LazyConvTranspose1d", "LazyConvTranspose2d",
           "LazyConvTranspose3d", "LazyBatchNorm1d", "LazyBatchNorm2d", "LazyBatchNorm3d"]

# What a module keeps across materialisation: its mode and its hooks.
_KEEP = ("training", *HOOK_DICTS)


class _LazyModule(Module):
    """Stores the regular layer's arguments; the first forward builds it and takes its place."""

    #: the regular layer this one becomes
    cls_to_become: type = Module
    #: the name of the inferred size in the regular layer's signature
    _size_name = "in_features"

    def __init__(self, *args, **kwargs) -> None:
        super().__init__()
        self._lazy_args = (args, kwargs)

    def has_uninitialized_params(self) -> bool:
        """Whether the first forward has yet to create the parameters (always true on a lazy layer)."""
        return True

    def _infer_size(self, input: Tensor) -> int:
        raise NotImplementedError

    def initialize_parameters(self, input: Tensor) -> None:
        """Create the parameters for ``input``'s size and turn this module into ``cls_to_become``."""
        check_layer_input(self, input)
        size = self._infer_size(input)
        args, kwargs = self._lazy_args
        regular = self.cls_to_become(size, *args, **kwargs)
        state = self.__dict__
        kept = {name: state[name] for name in _KEEP}
        state.clear()
        state.update(regular.__dict__)
        state.update(kept)
        self.__class__ = self.cls_to_become
        # BatchNorm's running statistics etc. follow the mode the lazy module was in.
        self.train(kept["training"])

    def forward(self, input: Tensor, *args, **kwargs):
        self.initialize_parameters(input)
        return self.forward(input, *args, **kwargs)

    def extra_repr(self) -> str:
        args, kwargs = self._lazy_args
        names = list(inspect.signature(self.cls_to_become.__init__).parameters)[2:]
        parts = [f"{self._size_name}=0"] + [f"{n}={a!r}" for n, a in zip(names, args)]
        return ", ".join(parts + [f"{k}={v!r}" for k, v in kwargs.items()])


def _features(layer, input: Tensor) -> int:
    if input.ndim == 0:
        raise ValueError(f"{type(layer).__name__} expected input (..., in_features), got a 0-d tensor")
    return input.shape[-1]


class LazyLinear(_LazyModule):
    """:class:`~lucid.nn.Linear` whose ``in_features`` is the last dim of the first input.

    Args:
        out_features: the output size.
        bias: add a learnable bias. Default True.
        device: where the parameters go.
        dtype: the parameters' dtype.

    Examples:
        >>> import lucid
        >>> layer = lucid.nn.LazyLinear(3)
        >>> layer(lucid.ones(2, 5)).shape
        (2, 3)
        >>> layer
        Linear(in_features=5, out_features=3, bias=True)
    """

    cls_to_become = linear.Linear

    def __init__(self, out_features: int, bias: bool = True, device=None, dtype=None) -> None:
        super().__init__(out_features, bias=bias, device=device, dtype=dtype)

    def _infer_size(self, input: Tensor) -> int:
        return _features(self, input)


class _LazyChannelsNd(_LazyModule):
    """A lazy layer over ``_nd`` spatial dims whose ``in_channels`` is the input's channel dim."""

    _size_name = "in_channels"
    _nd = 0

    def _infer_size(self, input: Tensor) -> int:
        nd = self._nd
        if input.ndim not in (nd + 1, nd + 2):
            raise ValueError(f"{type(self).__name__} expected a {nd + 1}-D or {nd + 2}-D input, got shape "
                             f"{input.shape}")
        return input.shape[input.ndim - nd - 1]


class _LazyConvNd(_LazyChannelsNd):
    def __init__(self, out_channels: int, kernel_size, stride=1, padding=0, dilation=1, groups: int = 1,
                 bias: bool = True, padding_mode: str = "zeros", device=None, dtype=None) -> None:
        super().__init__(out_channels, kernel_size, stride=stride, padding=padding, dilation=dilation,
                         groups=groups, bias=bias, padding_mode=padding_mode, device=device, dtype=dtype)


class _LazyConvTransposeNd(_LazyChannelsNd):
    def __init__(self, out_channels: int, kernel_size, stride=1, padding=0, output_padding=0, groups: int = 1,
                 bias: bool = True, dilation=1, padding_mode: str = "zeros", device=None, dtype=None) -> None:
        super().__init__(out_channels, kernel_size, stride=stride, padding=padding, output_padding=output_padding,
                         groups=groups, bias=bias, dilation=dilation, padding_mode=padding_mode, device=device,
                         dtype=dtype)


class _LazyBatchNorm(_LazyModule):
    _size_name = "num_features"
    _nd = 0

    def __init__(self, eps: float = 1e-5, momentum: float | None = 0.1, affine: bool = True,
                 track_running_stats: bool = True, device=None, dtype=None) -> None:
        super().__init__(eps=eps, momentum=momentum, affine=affine, track_running_stats=track_running_stats,
                         device=device, dtype=dtype)

    def _infer_size(self, input: Tensor) -> int:
        ndims = self.cls_to_become._ndims
        if input.ndim not in ndims:
            dims = " or ".join(f"{d}-D" for d in ndims)
            raise ValueError(f"{type(self).__name__} expected a {dims} input, got shape {input.shape}")
        return input.shape[1]


# name stem: the module holding the regular layers
_FAMILIES = {"LazyConv": conv, "LazyConvTranspose": conv, "LazyBatchNorm": normalization}


def _lazy_layers(base: type[LayerT], stem: str, *examples: str) -> tuple[type[LayerT], ...]:
    """Define ``{stem}1d``, ``2d`` and ``3d``, which become the same names without ``Lazy``, with their doctests."""
    regular = _FAMILIES[stem]
    layers = []
    for nd, example in enumerate(examples, 1):
        becomes = getattr(regular, f"{stem[len('Lazy'):]}{nd}d")
        summary = f":class:`~lucid.nn.{becomes.__name__}` whose ``{base._size_name}`` is read from the first input."
        layers.append(layer_class(__name__, f"{stem}{nd}d", base, example_doc(summary, ">>> import lucid", example),
                                  cls_to_become=becomes, _nd=nd))
    return tuple(layers)


LazyConv1d, LazyConv2d, LazyConv3d = _lazy_layers(_LazyConvNd, "LazyConv", """
    >>> lucid.nn.LazyConv1d(4, 3)(lucid.ones(2, 3, 8)).shape
    (2, 4, 6)
""", """
    >>> conv = lucid.nn.LazyConv2d(8, 3, padding=1)
    >>> conv(lucid.ones(1, 3, 5, 5)).shape
    (1, 8, 5, 5)
    >>> type(conv).__name__, conv.in_channels
    ('Conv2d', 3)
""", """
    >>> lucid.nn.LazyConv3d(2, 1)(lucid.ones(1, 3, 2, 2, 2)).shape
    (1, 2, 2, 2, 2)
""")
LazyConvTranspose1d, LazyConvTranspose2d, LazyConvTranspose3d = _lazy_layers(
    _LazyConvTransposeNd, "LazyConvTranspose", """
    >>> lucid.nn.LazyConvTranspose1d(2, 2, stride=2)(lucid.ones(1, 3, 4)).shape
    (1, 2, 8)
""", """
    >>> lucid.nn.LazyConvTranspose2d(2, 2, stride=2)(lucid.ones(1, 3, 4, 4)).shape
    (1, 2, 8, 8)
""", """
    >>> lucid.nn.LazyConvTranspose3d(2, 1)(lucid.ones(1, 3, 2, 2, 2)).shape
    (1, 2, 2, 2, 2)
""")
LazyBatchNorm1d, LazyBatchNorm2d, LazyBatchNorm3d = _lazy_layers(_LazyBatchNorm, "LazyBatchNorm", """
    >>> bn = lucid.nn.LazyBatchNorm1d()
    >>> bn(lucid.randn(4, 3)).shape, bn.num_features
    ((4, 3), 3)
""", """
    >>> bn = lucid.nn.LazyBatchNorm2d()
    >>> bn(lucid.randn(2, 3, 4, 4)).shape, tuple(bn.running_mean.shape)
    ((2, 3, 4, 4), (3,))
""", """
    >>> lucid.nn.LazyBatchNorm3d()(lucid.randn(2, 3, 2, 2, 2)).shape
    (2, 3, 2, 2, 2)
""")
