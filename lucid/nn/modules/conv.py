"""Convolution layers: ``Conv1d``/``2d``/``3d`` and ``ConvTranspose1d``/``2d``/``3d``.

Weights use PyTorch's layouts and default initialisation
(``kaiming_uniform_(a=sqrt(5))``, bias uniform in ``±1/sqrt(fan_in)``), so
state dicts and seeded results carry over.
"""

from __future__ import annotations

from lucid._tensor import Tensor
from lucid.nn.functional import conv as Fc
from lucid.nn.functional._kernels import SPATIAL, check_layer_input, ntuple
from lucid.nn.functional.vision import pad as _pad
from lucid.nn.module import Module
from lucid.nn.modules._factory import LayerT, example_doc, layer_class
from lucid.nn.modules.linear import add_weight_and_bias, reset_kaiming_uniform

__all__ = ["Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d", "ConvTranspose2d", "ConvTranspose3d"]

_PADDING_MODES = ("zeros", "reflect", "replicate", "circular")
_FUNCS = {1: Fc.conv1d, 2: Fc.conv2d, 3: Fc.conv3d}
_TFUNCS = {1: Fc.conv_transpose1d, 2: Fc.conv_transpose2d, 3: Fc.conv_transpose3d}


class _ConvNd(Module):
    _nd = 0
    _transposed = False

    def __init__(self, in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias,
                 padding_mode, output_padding=0, device=None, dtype=None):
        super().__init__()
        name, nd = type(self).__name__, self._nd
        for value, what in ((in_channels, "in_channels"), (out_channels, "out_channels"), (groups, "groups")):
            if isinstance(value, bool) or not isinstance(value, int):
                raise TypeError(f"{name}: {what} must be an int, got {value!r}")
        if in_channels < 1 or out_channels < 1 or groups < 1:
            raise ValueError(f"{name}: in_channels, out_channels and groups must be positive, got "
                             f"{in_channels}, {out_channels}, {groups}")
        if in_channels % groups or out_channels % groups:
            raise ValueError(f"{name}: in_channels ({in_channels}) and out_channels ({out_channels}) must both be "
                             f"divisible by groups ({groups})")
        if padding_mode not in _PADDING_MODES:
            raise ValueError(f"{name}: padding_mode must be one of {_PADDING_MODES}, got {padding_mode!r}")
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size = ntuple(kernel_size, nd, "kernel_size", name, minimum=1)
        self.stride = ntuple(stride, nd, "stride", name, minimum=1)
        self.dilation = ntuple(dilation, nd, "dilation", name, minimum=1)
        self.groups = groups
        self.padding_mode = padding_mode
        if isinstance(padding, str):
            if self._transposed:
                raise ValueError(f"{name}: padding must be an int or a tuple of ints, got {padding!r}")
            # validates the string and the stride rule; keeps PyTorch's attribute (the string itself)
            lo, hi = Fc.conv_padding(padding, self.kernel_size, self.dilation, self.stride, nd, name)
            self.padding = padding
        else:
            self.padding = ntuple(padding, nd, "padding", name, minimum=0)
            lo = hi = self.padding
        self._pads = (lo, hi)
        self.output_padding = ntuple(output_padding, nd, "output_padding", name, minimum=0)
        if self._transposed:
            if padding_mode != "zeros":
                raise ValueError(f"{name}: only padding_mode='zeros' is supported for transposed convolutions")
            shape = (in_channels, out_channels // groups) + self.kernel_size
        else:
            shape = (out_channels, in_channels // groups) + self.kernel_size
        add_weight_and_bias(self, shape, out_channels if bias else None, device, dtype)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """PyTorch's default: ``kaiming_uniform_(weight, a=sqrt(5))``, bias uniform in ``±1/sqrt(fan_in)``."""
        reset_kaiming_uniform(self.weight, self.bias)

    def _check_input(self, input) -> None:
        check_layer_input(self, input)
        nd = self._nd
        shape = input.shape
        if input.ndim not in (nd + 1, nd + 2) or shape[-nd - 1] != self.in_channels:
            raise ValueError(f"{type(self).__name__} expected input of shape (N, {self.in_channels}, "
                             f"{SPATIAL[nd]}), got {shape}")

    def extra_repr(self) -> str:
        nd = self._nd
        s = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        if self.padding != (0,) * nd:
            s += f", padding={self.padding}"
        if self.dilation != (1,) * nd:
            s += f", dilation={self.dilation}"
        if self.output_padding != (0,) * nd:
            s += f", output_padding={self.output_padding}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode}"
        return s


class _Conv(_ConvNd):
    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0, dilation=1,
                 groups: int = 1, bias: bool = True, padding_mode: str = "zeros", device=None, dtype=None):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias,
                         padding_mode, device=device, dtype=dtype)

    def forward(self, input: Tensor) -> Tensor:
        self._check_input(input)
        fn = _FUNCS[self._nd]
        if self.padding_mode == "zeros":
            return fn(input, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups)
        lo, hi = self._pads
        widths = []
        for left, right in zip(reversed(lo), reversed(hi)):
            widths += [left, right]
        padded = _pad(input, tuple(widths), mode=self.padding_mode)
        return fn(padded, self.weight, self.bias, self.stride, 0, self.dilation, self.groups)


class _ConvTranspose(_ConvNd):
    _transposed = True

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0, output_padding=0,
                 groups: int = 1, bias: bool = True, dilation=1, padding_mode: str = "zeros", device=None,
                 dtype=None):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias,
                         padding_mode, output_padding=output_padding, device=device, dtype=dtype)

    def _output_padding(self, input: Tensor, output_size) -> tuple:
        if output_size is None:
            return self.output_padding
        nd = self._nd
        size = tuple(output_size)[-nd:] if isinstance(output_size, (tuple, list)) else None
        if size is None or len(size) != nd:
            raise ValueError(f"{type(self).__name__}: output_size must list the {nd} spatial sizes "
                             f"(optionally after N and C), got {output_size!r}")
        pads = []
        for i, want in enumerate(size):
            smallest = ((input.shape[-nd + i] - 1) * self.stride[i] - 2 * self.padding[i]
                        + self.dilation[i] * (self.kernel_size[i] - 1) + 1)
            if not smallest <= want < smallest + self.stride[i]:
                raise ValueError(f"{type(self).__name__}: requested output_size {tuple(size)} is not reachable; "
                                 f"dim {i} must be in [{smallest}, {smallest + self.stride[i] - 1}]")
            pads.append(want - smallest)
        return tuple(pads)

    def forward(self, input: Tensor, output_size=None) -> Tensor:
        self._check_input(input)
        return _TFUNCS[self._nd](input, self.weight, self.bias, self.stride, self.padding,
                                 self._output_padding(input, output_size), self.groups, self.dilation)


_CONV_ARGS = """

    Args:
        in_channels: input channels ``C_in``.
        out_channels: output channels ``C_out``.
        kernel_size: an int or {nd}-tuple.
        stride: default 1.
        padding: int, tuple, ``"valid"`` or ``"same"``. Default 0.
        dilation: default 1.
        groups: channel groups (must divide both channel counts). Default 1.
        bias: learn an additive bias. Default True.
        padding_mode: ``"zeros"``, ``"reflect"``, ``"replicate"`` or ``"circular"``.
        device, dtype: where and how to create the parameters.

    Attributes:
        weight: ``(C_out, C_in / groups, {kernel})``.
        bias: ``(C_out,)`` or ``None``."""
_TRANSPOSE_ARGS = """

    Args:
        in_channels, out_channels, kernel_size, stride, padding, groups, bias, dilation: as for
            :class:`Conv{nd}d` (padding is an int or tuple).
        output_padding: extra size on one side of the output. Default 0.
        padding_mode: only ``"zeros"``.
        device, dtype: where and how to create the parameters.

    Attributes:
        weight: ``(C_in, C_out / groups, {kernel})``.
        bias: ``(C_out,)`` or ``None``.

    ``forward(input, output_size=None)`` may be given the wanted output size to
    choose ``output_padding``."""

# name stem: (summary, Args section); ``{nd}`` is the dimension count, ``{dims}`` its spatial dims
_FAMILIES = {
    "Conv": ("{nd}-D convolution over ``(N, C_in, {dims})`` inputs (see :func:`lucid.nn.functional.conv{nd}d`).",
             _CONV_ARGS),
    "ConvTranspose": ("{nd}-D transposed convolution over ``(N, C_in, {dims})`` inputs (see "
                      ":func:`lucid.nn.functional.conv_transpose{nd}d`).", _TRANSPOSE_ARGS),
}


def _conv_layers(base: type[LayerT], stem: str, *examples: str) -> tuple[type[LayerT], ...]:
    """Define ``{stem}1d``, ``2d`` and ``3d``, each with its doctest block from ``examples``."""
    summary, args = _FAMILIES[stem]
    layers = []
    for nd, example in enumerate(examples, 1):
        kernel = ", ".join(f"k{d}" for d in SPATIAL[nd].split(", "))
        doc = example_doc((summary + args).format(nd=nd, dims=SPATIAL[nd], kernel=kernel),
                          ">>> import lucid", ">>> import lucid.nn as nn", example)
        layers.append(layer_class(__name__, f"{stem}{nd}d", base, doc, _nd=nd))
    return tuple(layers)


Conv1d, Conv2d, Conv3d = _conv_layers(_Conv, "Conv", """
    >>> m = nn.Conv1d(4, 8, 3, padding="same")
    >>> m(lucid.ones(2, 4, 10)).shape
    (2, 8, 10)
""", """
    >>> m = nn.Conv2d(3, 16, 3, padding=1)
    >>> m
    Conv2d(3, 16, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))
    >>> m(lucid.ones(8, 3, 28, 28)).shape
    (8, 16, 28, 28)
""", """
    >>> nn.Conv3d(2, 4, (1, 3, 3), stride=(1, 2, 2))(lucid.ones(1, 2, 4, 9, 9)).shape
    (1, 4, 4, 4, 4)
""")
ConvTranspose1d, ConvTranspose2d, ConvTranspose3d = _conv_layers(_ConvTranspose, "ConvTranspose", """
    >>> nn.ConvTranspose1d(4, 2, 3, stride=2)(lucid.ones(1, 4, 5)).shape
    (1, 2, 11)
""", """
    >>> up = nn.ConvTranspose2d(16, 8, 3, stride=2, padding=1)
    >>> up(lucid.ones(1, 16, 7, 7), output_size=(14, 14)).shape
    (1, 8, 14, 14)
""", """
    >>> nn.ConvTranspose3d(2, 3, 2, stride=2)(lucid.ones(1, 2, 2, 2, 2)).shape
    (1, 3, 4, 4, 4)
""")
