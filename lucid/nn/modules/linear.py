"""Linear layers: ``Identity``, ``Linear``, ``Bilinear``, ``Flatten``, ``Unflatten``."""

from __future__ import annotations

import math
import numbers

from lucid._tensor import Tensor
from lucid.nn import init
from lucid.nn.functional.linear import BilinearFunction, LinearFunction, bilinear
from lucid.nn.module import Module
from lucid.nn.parameter import Parameter
from lucid.ops._autocast import autocast_inputs
from lucid.ops._util import check_int
from lucid.ops.creation import empty
from lucid.ops.shape import flatten, unflatten

__all__ = ["Identity", "Linear", "Bilinear", "Flatten", "Unflatten"]


# -- shared with the convolution layers (package-internal) ---------------------------------------
def add_weight_and_bias(layer: Module, weight_shape: tuple, bias_size: int | None, device, dtype) -> None:
    """Register ``layer.weight`` of ``weight_shape`` and ``layer.bias`` of ``(bias_size,)`` (``None``: no bias).

    Both are created uninitialised; the layer's ``reset_parameters`` fills them.
    """
    layer.register_parameter("weight", Parameter(empty(*weight_shape, dtype=dtype, device=device)))
    layer.register_parameter(
        "bias", None if bias_size is None else Parameter(empty(bias_size, dtype=dtype, device=device)))


def reset_kaiming_uniform(weight: Parameter, bias: Parameter | None) -> None:
    """PyTorch's default initialisation of linear and convolution layers.

    ``kaiming_uniform_(weight, a=sqrt(5))`` (that is ``U(-1/sqrt(fan_in), 1/sqrt(fan_in))``) and the bias
    from the same uniform distribution, where ``fan_in`` is the product of the weight's dims after the
    first (``in_features``; ``in_channels / groups * prod(kernel)``).
    """
    init.kaiming_uniform_(weight, a=math.sqrt(5))
    if bias is not None:
        fan_in = math.prod(weight.shape[1:])
        bound = 1.0 / math.sqrt(fan_in) if fan_in > 0 else 0.0
        init.uniform_(bias, -bound, bound)


class Identity(Module):
    """Returns its input unchanged; any constructor arguments are ignored (a placeholder layer).

    Examples:
        >>> import lucid
        >>> x = lucid.ones(2)
        >>> lucid.nn.Identity(54, unused="x")(x) is x
        True
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__()

    def forward(self, input: Tensor) -> Tensor:
        return input


class Linear(Module):
    """Affine layer ``y = x @ W.T + b`` applied to the last dim of the input.

    Args:
        in_features: size of each input sample (the last dim).
        out_features: size of each output sample.
        bias: learn an additive bias (default ``True``).
        device: where to create the parameters.
        dtype: their dtype (default float32).

    Attributes:
        weight: ``(out_features, in_features)``, initialised from
            ``U(-1/sqrt(in_features), 1/sqrt(in_features))`` (PyTorch's
            ``kaiming_uniform_(a=sqrt(5))``).
        bias: ``(out_features,)``, from the same uniform distribution, or ``None``.

    Shape:
        input ``(*, in_features)`` -> output ``(*, out_features)``.

    Examples:
        >>> import lucid
        >>> layer = lucid.nn.Linear(8, 16)
        >>> layer
        Linear(in_features=8, out_features=16, bias=True)
        >>> layer(lucid.ones(32, 8)).shape
        (32, 16)
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True, device=None, dtype=None) -> None:
        super().__init__()
        self.in_features = check_int(in_features, "in_features", "Linear", 0)
        self.out_features = check_int(out_features, "out_features", "Linear", 0)
        add_weight_and_bias(self, (self.out_features, self.in_features), self.out_features if bias else None,
                            device, dtype)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Re-draw the parameters from PyTorch's default distributions."""
        reset_kaiming_uniform(self.weight, self.bias)

    def forward(self, input: Tensor) -> Tensor:
        if not isinstance(input, Tensor):
            raise TypeError(f"{self._name()} expected a lucid.Tensor, got {type(input).__name__}")
        shape = input._data.shape
        if not shape or shape[-1] != self.in_features:
            raise ValueError(f"{self._name()} expected input (..., {self.in_features}), got {tuple(shape)}")
        return LinearFunction.apply(*autocast_inputs(input, self.weight, self.bias, low=True))

    def _name(self) -> str:
        return f"Linear({self.in_features} -> {self.out_features})"

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"


class Bilinear(Module):
    """Bilinear layer ``y_k = x1 @ A_k @ x2 + b_k``.

    Args:
        in1_features: size of the last dim of the first input.
        in2_features: size of the last dim of the second input.
        out_features: size of each output sample.
        bias: learn an additive bias (default ``True``).

    Attributes:
        weight: ``(out_features, in1_features, in2_features)``; weight and bias are
            initialised from ``U(-1/sqrt(in1_features), 1/sqrt(in1_features))`` (PyTorch).

    Shape:
        ``(*, in1)``, ``(*, in2)`` -> ``(*, out)``.

    Examples:
        >>> import lucid
        >>> layer = lucid.nn.Bilinear(3, 4, 5)
        >>> layer(lucid.ones(2, 3), lucid.ones(2, 4)).shape
        (2, 5)
    """

    def __init__(self, in1_features: int, in2_features: int, out_features: int, bias: bool = True,
                 device=None, dtype=None) -> None:
        super().__init__()
        self.in1_features = check_int(in1_features, "in1_features", "Bilinear", 0)
        self.in2_features = check_int(in2_features, "in2_features", "Bilinear", 0)
        self.out_features = check_int(out_features, "out_features", "Bilinear", 0)
        add_weight_and_bias(self, (self.out_features, self.in1_features, self.in2_features),
                            self.out_features if bias else None, device, dtype)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Re-draw the parameters from PyTorch's default distribution."""
        bound = 1.0 / math.sqrt(self.in1_features) if self.in1_features > 0 else 0.0
        init.uniform_(self.weight, -bound, bound)
        if self.bias is not None:
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input1: Tensor, input2: Tensor) -> Tensor:
        if isinstance(input1, Tensor) and isinstance(input2, Tensor):
            s1, s2 = input1.shape, input2.shape
            if not s1 or not s2 or s1[-1] != self.in1_features or s2[-1] != self.in2_features or s1[:-1] != s2[:-1]:
                raise ValueError(f"Bilinear({self.in1_features}, {self.in2_features} -> {self.out_features}) "
                                 f"expected inputs (..., {self.in1_features}) and (..., {self.in2_features}) with "
                                 f"equal leading dims, got {s1} and {s2}")
            return BilinearFunction.apply(input1, input2, self.weight, self.bias)
        return bilinear(input1, input2, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (f"in1_features={self.in1_features}, in2_features={self.in2_features}, "
                f"out_features={self.out_features}, bias={self.bias is not None}")


class Flatten(Module):
    """Merge dims ``start_dim`` .. ``end_dim`` into one (by default all but the batch dim).

    Examples:
        >>> import lucid
        >>> lucid.nn.Flatten()(lucid.ones(2, 3, 4)).shape
        (2, 12)
    """

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim = start_dim
        self.end_dim = end_dim

    def forward(self, input: Tensor) -> Tensor:
        return flatten(input, self.start_dim, self.end_dim)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Unflatten(Module):
    """Split dim ``dim`` into ``unflattened_size`` (one entry may be ``-1``): the inverse of ``Flatten``.

    Examples:
        >>> import lucid
        >>> lucid.nn.Unflatten(1, (3, 4))(lucid.ones(2, 12)).shape
        (2, 3, 4)
    """

    def __init__(self, dim: int, unflattened_size) -> None:
        super().__init__()
        if isinstance(unflattened_size, numbers.Integral) or not isinstance(unflattened_size, (tuple, list)):
            raise TypeError(f"Unflatten: unflattened_size must be a tuple of ints, got {unflattened_size!r}")
        self.dim = dim
        self.unflattened_size = tuple(unflattened_size)

    def forward(self, input: Tensor) -> Tensor:
        return unflatten(input, self.dim, self.unflattened_size)

    def extra_repr(self) -> str:
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"
