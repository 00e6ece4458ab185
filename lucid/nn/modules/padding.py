"""Padding layers: ``{Constant,Zero,Reflection,Replication,Circular}Pad{1,2,3}d`` over :func:`lucid.pad`.

``padding`` is an int (the same width on every side) or a tuple in PyTorch's
order: ``(left, right)``, then ``(top, bottom)``, then ``(front, back)``.
"""

from __future__ import annotations

from lucid._tensor import Tensor
from lucid.nn.functional._kernels import check_layer_input, check_spatial_input, is_int
from lucid.nn.module import Module
from lucid.nn.modules._factory import example_doc, layer_class
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


# How each family pads; ``{dims}`` becomes "dim", "two dims" or "three dims".
_FAMILIES = {
    "ConstantPad": (_ConstantPadNd, "constant", "Pad the last {dims} with ``value``."),
    "ZeroPad": (_ZeroPadNd, "constant", "Pad the last {dims} with zeros."),
    "ReflectionPad": (_PadNd, "reflect", "Mirror the last {dims} without repeating the edge (widths below the size)."),
    "ReplicationPad": (_PadNd, "replicate", "Repeat the edge values of the last {dims}."),
    "CircularPad": (_PadNd, "circular", "Wrap the last {dims} around."),
}
_DIMS = {1: "dim", 2: "two dims", 3: "three dims"}


def _pad_layer(name: str, example: str, result: str) -> type:
    """Define the padding layer ``name`` (family and dimension count read from it); its doctest runs ``example``."""
    base, mode, summary = _FAMILIES[name[:-2]]
    nd = int(name[-2])
    doc = example_doc(summary.format(dims=_DIMS[nd]), ">>> import lucid", f">>> lucid.nn.{name}{example}", result)
    return layer_class(__name__, name, base, doc, _nd=nd, _mode=mode)


ConstantPad1d = _pad_layer("ConstantPad1d", "((1, 2), 9.0)(lucid.tensor([[1.0]])).tolist()", "[[9.0, 1.0, 9.0, 9.0]]")
ConstantPad2d = _pad_layer("ConstantPad2d", "(1, 0.5)(lucid.ones(1, 2, 2)).shape", "(1, 4, 4)")
ConstantPad3d = _pad_layer("ConstantPad3d", "((1, 0, 0, 1, 2, 0), 0.0)(lucid.ones(1, 1, 1, 1)).shape", "(1, 3, 2, 2)")
ZeroPad1d = _pad_layer("ZeroPad1d", "(1)(lucid.tensor([[1.0]])).tolist()", "[[0.0, 1.0, 0.0]]")
ZeroPad2d = _pad_layer("ZeroPad2d", "((1, 1, 0, 0))(lucid.ones(1, 1, 1)).tolist()", "[[[0.0, 1.0, 0.0]]]")
ZeroPad3d = _pad_layer("ZeroPad3d", "(1)(lucid.ones(1, 1, 1, 1)).shape", "(1, 3, 3, 3)")
ReflectionPad1d = _pad_layer("ReflectionPad1d", "(2)(lucid.tensor([[1.0, 2.0, 3.0]])).tolist()",
                             "[[3.0, 2.0, 1.0, 2.0, 3.0, 2.0, 1.0]]")
ReflectionPad2d = _pad_layer("ReflectionPad2d", "(1)(lucid.ones(1, 2, 2)).shape", "(1, 4, 4)")
ReflectionPad3d = _pad_layer("ReflectionPad3d", "(1)(lucid.ones(1, 1, 2, 2, 2)).shape", "(1, 1, 4, 4, 4)")
ReplicationPad1d = _pad_layer("ReplicationPad1d", "((2, 1))(lucid.tensor([[1.0, 2.0]])).tolist()",
                              "[[1.0, 1.0, 1.0, 2.0, 2.0]]")
ReplicationPad2d = _pad_layer("ReplicationPad2d", "(1)(lucid.ones(1, 2, 2)).shape", "(1, 4, 4)")
ReplicationPad3d = _pad_layer("ReplicationPad3d", "(1)(lucid.ones(1, 1, 1, 1)).shape", "(1, 3, 3, 3)")
CircularPad1d = _pad_layer("CircularPad1d", "(1)(lucid.tensor([[1.0, 2.0, 3.0]])).tolist()",
                           "[[3.0, 1.0, 2.0, 3.0, 1.0]]")
CircularPad2d = _pad_layer("CircularPad2d", "(1)(lucid.ones(1, 2, 2)).shape", "(1, 4, 4)")
CircularPad3d = _pad_layer("CircularPad3d", "(1)(lucid.ones(1, 1, 2, 2, 2)).shape", "(1, 1, 4, 4, 4)")
