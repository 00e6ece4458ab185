"""Padding layers: ``{Constant,Zero,Reflection,Replication,Circular}Pad{1,2,3}d`` over :func:`lucid.pad`.

``padding`` is an int (the same width on every side) or a tuple in PyTorch's
order: ``(left, right)``, then ``(top, bottom)``, then ``(front, back)``.
"""

from __future__ import annotations

from lucid._tensor import Tensor
from lucid.nn.functional._kernels import check_layer_input, check_spatial_input, is_int
from lucid.nn.module import Module
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


class ConstantPad1d(_ConstantPadNd):
    """Pad the last dim with ``value``.

    Examples:
        >>> import lucid
        >>> lucid.nn.ConstantPad1d((1, 2), 9.0)(lucid.tensor([[1.0]])).tolist()
        [[9.0, 1.0, 9.0, 9.0]]
    """

    _nd = 1


class ConstantPad2d(_ConstantPadNd):
    """Pad the last two dims with ``value``.

    Examples:
        >>> import lucid
        >>> lucid.nn.ConstantPad2d(1, 0.5)(lucid.ones(1, 2, 2)).shape
        (1, 4, 4)
    """

    _nd = 2


class ConstantPad3d(_ConstantPadNd):
    """Pad the last three dims with ``value``.

    Examples:
        >>> import lucid
        >>> lucid.nn.ConstantPad3d((1, 0, 0, 1, 2, 0), 0.0)(lucid.ones(1, 1, 1, 1)).shape
        (1, 3, 2, 2)
    """

    _nd = 3


class _ZeroPadNd(_ConstantPadNd):
    def __init__(self, padding) -> None:
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ZeroPad1d(_ZeroPadNd):
    """Pad the last dim with zeros.

    Examples:
        >>> import lucid
        >>> lucid.nn.ZeroPad1d(1)(lucid.tensor([[1.0]])).tolist()
        [[0.0, 1.0, 0.0]]
    """

    _nd = 1


class ZeroPad2d(_ZeroPadNd):
    """Pad the last two dims with zeros.

    Examples:
        >>> import lucid
        >>> lucid.nn.ZeroPad2d((1, 1, 0, 0))(lucid.ones(1, 1, 1)).tolist()
        [[[0.0, 1.0, 0.0]]]
    """

    _nd = 2


class ZeroPad3d(_ZeroPadNd):
    """Pad the last three dims with zeros.

    Examples:
        >>> import lucid
        >>> lucid.nn.ZeroPad3d(1)(lucid.ones(1, 1, 1, 1)).shape
        (1, 3, 3, 3)
    """

    _nd = 3


class ReflectionPad1d(_PadNd):
    """Mirror the last dim without repeating the edge (widths below the size).

    Examples:
        >>> import lucid
        >>> lucid.nn.ReflectionPad1d(2)(lucid.tensor([[1.0, 2.0, 3.0]])).tolist()
        [[3.0, 2.0, 1.0, 2.0, 3.0, 2.0, 1.0]]
    """

    _nd = 1
    _mode = "reflect"


class ReflectionPad2d(_PadNd):
    """Mirror the last two dims.

    Examples:
        >>> import lucid
        >>> lucid.nn.ReflectionPad2d(1)(lucid.ones(1, 2, 2)).shape
        (1, 4, 4)
    """

    _nd = 2
    _mode = "reflect"


class ReflectionPad3d(_PadNd):
    """Mirror the last three dims.

    Examples:
        >>> import lucid
        >>> lucid.nn.ReflectionPad3d(1)(lucid.ones(1, 1, 2, 2, 2)).shape
        (1, 1, 4, 4, 4)
    """

    _nd = 3
    _mode = "reflect"


class ReplicationPad1d(_PadNd):
    """Repeat the edge values of the last dim.

    Examples:
        >>> import lucid
        >>> lucid.nn.ReplicationPad1d((2, 1))(lucid.tensor([[1.0, 2.0]])).tolist()
        [[1.0, 1.0, 1.0, 2.0, 2.0]]
    """

    _nd = 1
    _mode = "replicate"


class ReplicationPad2d(_PadNd):
    """Repeat the edge values of the last two dims.

    Examples:
        >>> import lucid
        >>> lucid.nn.ReplicationPad2d(1)(lucid.ones(1, 2, 2)).shape
        (1, 4, 4)
    """

    _nd = 2
    _mode = "replicate"


class ReplicationPad3d(_PadNd):
    """Repeat the edge values of the last three dims.

    Examples:
        >>> import lucid
        >>> lucid.nn.ReplicationPad3d(1)(lucid.ones(1, 1, 1, 1)).shape
        (1, 3, 3, 3)
    """

    _nd = 3
    _mode = "replicate"


class CircularPad1d(_PadNd):
    """Wrap the last dim around.

    Examples:
        >>> import lucid
        >>> lucid.nn.CircularPad1d(1)(lucid.tensor([[1.0, 2.0, 3.0]])).tolist()
        [[3.0, 1.0, 2.0, 3.0, 1.0]]
    """

    _nd = 1
    _mode = "circular"


class CircularPad2d(_PadNd):
    """Wrap the last two dims around.

    Examples:
        >>> import lucid
        >>> lucid.nn.CircularPad2d(1)(lucid.ones(1, 2, 2)).shape
        (1, 4, 4)
    """

    _nd = 2
    _mode = "circular"


class CircularPad3d(_PadNd):
    """Wrap the last three dims around.

    Examples:
        >>> import lucid
        >>> lucid.nn.CircularPad3d(1)(lucid.ones(1, 1, 2, 2, 2)).shape
        (1, 1, 4, 4, 4)
    """

    _nd = 3
    _mode = "circular"
