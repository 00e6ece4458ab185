"""Padding layers: ``{Constant,Zero,Reflection,Replication,Circular}Pad{1,2,3}d`` over :func:`lucid.pad`.

``padding`` is an int (the same width on every side) or a tuple in PyTorch's
order: ``(left, right)``, then ``(top, bottom)``, then ``(front, back)``.
"""

from __future__ import annotations

from lucid._tensor import Tensor
from lucid.nn.functional._kernels import check_layer_input, check_spatial_input, is_int
from lucid.nn.module import Module
from lucid.nn.modules._factory import LayerT, example_doc, layer_class
from lucid.ops.rearrange import pad as _pad

__all__ = ["ConstantPad1d", "ConstantPad2d", "ConstantPad3d", "ZeroPad1d", "ZeroPad2d", "ZeroPad3d",
           "ReflectionPad1d", "ReflectionPad2d", "ReflectionPad3d", "ReplicationPad1d", "ReplicationPad2d",
           "ReplicationPad3d", "CircularPad1d", "CircularPad2d", "CircularPad3d"]


class _PadNd(Module):
    """Pads the last ``_nd`` dims by ``padding`` in ``_mode``; subclasses set ``_nd`` and ``_mode``."""

    _nd = 0
    _mode = "constant"

    def __init__(self, padding) -> None:
        super().__init__()
        n = 2 * self._nd
        if is_int(padding):
            padding = (int(padding),) * n
        elif not (isinstance(padding, (tuple, list)) and len(padding) == n and all(is_int(p) for p in padding)):
            raise TypeError(f"{type(self).__name__}: padding must be an int or a tuple of {n} ints, got {padding!r}")
        self.padding = tuple(int(p) for p in padding)

    def forward(self, input: Tensor) -> Tensor:
        if self._mode == "constant":
            check_layer_input(self, input)  # constant padding takes any number of leading dims
        else:
            check_spatial_input(self, input, self._nd)
        return self._apply_pad(input)

    def _apply_pad(self, input: Tensor) -> Tensor:
        return _pad(input, self.padding, mode=self._mode)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class _ConstantPadNd(_PadNd):
    def __init__(self, padding, value: float) -> None:
        super().__init__(padding)
        self.value = value

    def _apply_pad(self, input: Tensor) -> Tensor:
        return _pad(input, self.padding, mode="constant", value=self.value)

    def extra_repr(self) -> str:
        return f"padding={self.padding}, value={self.value}"


class _ZeroPadNd(_ConstantPadNd):
    def __init__(self, padding) -> None:
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


_DIMS = {1: "dim", 2: "two dims", 3: "three dims"}


def _pad_layers(stem: str, base: type[LayerT], mode: str, summary: str, *examples: str) -> tuple[type[LayerT], ...]:
    """Define ``{stem}1d``, ``2d`` and ``3d``: ``base`` padding in ``mode``; ``summary`` names the ``{dims}`` padded."""
    return tuple(layer_class(__name__, f"{stem}{nd}d", base,
                             example_doc(summary.format(dims=_DIMS[nd]), ">>> import lucid", example),
                             _nd=nd, _mode=mode)
                 for nd, example in enumerate(examples, 1))


ConstantPad1d, ConstantPad2d, ConstantPad3d = _pad_layers(
    "ConstantPad", _ConstantPadNd, "constant", "Pad the last {dims} with ``value``.", """
    >>> lucid.nn.ConstantPad1d((1, 2), 9.0)(lucid.tensor([[1.0]])).tolist()
    [[9.0, 1.0, 9.0, 9.0]]
""", """
    >>> lucid.nn.ConstantPad2d(1, 0.5)(lucid.ones(1, 2, 2)).shape
    (1, 4, 4)
""", """
    >>> lucid.nn.ConstantPad3d((1, 0, 0, 1, 2, 0), 0.0)(lucid.ones(1, 1, 1, 1)).shape
    (1, 3, 2, 2)
""")
ZeroPad1d, ZeroPad2d, ZeroPad3d = _pad_layers(
    "ZeroPad", _ZeroPadNd, "constant", "Pad the last {dims} with zeros.", """
    >>> lucid.nn.ZeroPad1d(1)(lucid.tensor([[1.0]])).tolist()
    [[0.0, 1.0, 0.0]]
""", """
    >>> lucid.nn.ZeroPad2d((1, 1, 0, 0))(lucid.ones(1, 1, 1)).tolist()
    [[[0.0, 1.0, 0.0]]]
""", """
    >>> lucid.nn.ZeroPad3d(1)(lucid.ones(1, 1, 1, 1)).shape
    (1, 3, 3, 3)
""")
ReflectionPad1d, ReflectionPad2d, ReflectionPad3d = _pad_layers(
    "ReflectionPad", _PadNd, "reflect",
    "Mirror the last {dims} without repeating the edge (widths below the size).", """
    >>> lucid.nn.ReflectionPad1d(2)(lucid.tensor([[1.0, 2.0, 3.0]])).tolist()
    [[3.0, 2.0, 1.0, 2.0, 3.0, 2.0, 1.0]]
""", """
    >>> lucid.nn.ReflectionPad2d(1)(lucid.ones(1, 2, 2)).shape
    (1, 4, 4)
""", """
    >>> lucid.nn.ReflectionPad3d(1)(lucid.ones(1, 1, 2, 2, 2)).shape
    (1, 1, 4, 4, 4)
""")
ReplicationPad1d, ReplicationPad2d, ReplicationPad3d = _pad_layers(
    "ReplicationPad", _PadNd, "replicate", "Repeat the edge values of the last {dims}.", """
    >>> lucid.nn.ReplicationPad1d((2, 1))(lucid.tensor([[1.0, 2.0]])).tolist()
    [[1.0, 1.0, 1.0, 2.0, 2.0]]
""", """
    >>> lucid.nn.ReplicationPad2d(1)(lucid.ones(1, 2, 2)).shape
    (1, 4, 4)
""", """
    >>> lucid.nn.ReplicationPad3d(1)(lucid.ones(1, 1, 1, 1)).shape
    (1, 3, 3, 3)
""")
CircularPad1d, CircularPad2d, CircularPad3d = _pad_layers(
    "CircularPad", _PadNd, "circular", "Wrap the last {dims} around.", """
    >>> lucid.nn.CircularPad1d(1)(lucid.tensor([[1.0, 2.0, 3.0]])).tolist()
    [[3.0, 1.0, 2.0, 3.0, 1.0]]
""", """
    >>> lucid.nn.CircularPad2d(1)(lucid.ones(1, 2, 2)).shape
    (1, 4, 4)
""", """
    >>> lucid.nn.CircularPad3d(1)(lucid.ones(1, 1, 2, 2, 2)).shape
    (1, 1, 4, 4, 4)
""")
