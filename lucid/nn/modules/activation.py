"""Activation layers: thin modules over ``lucid.nn.functional``'s activations."""

from __future__ import annotations

import numbers

from lucid._tensor import Tensor
from lucid.nn import functional as F
from lucid.nn import init as _init
from lucid.nn.module import Module
from lucid.nn.modules._functional_layer import FunctionalLayer
from lucid.nn.parameter import Parameter
from lucid.ops.creation import empty

__all__ = ["ReLU", "ReLU6", "LeakyReLU", "PReLU", "ELU", "SELU", "CELU", "GELU", "SiLU", "Swish", "Mish",
           "Sigmoid", "Tanh", "LogSigmoid", "Softplus", "Softsign", "Hardsigmoid", "Hardswish", "Hardtanh",
           "Softmax", "LogSoftmax", "Softmin", "GLU", "Threshold", "Hardshrink", "Softshrink", "Tanhshrink", "RReLU",
           "Softmax2d"]


# Each activation is its functional form with its settings (see FunctionalLayer); a family
# shares the settings and the __init__ that takes them.
class _InplaceActivation(FunctionalLayer, settings=("inplace",)):
    """An activation whose only setting is ``inplace``: ``forward`` is ``fn(input, inplace)``."""

    def __init__(self, inplace: bool = False) -> None:
        super().__init__(inplace=inplace)


class _AlphaActivation(FunctionalLayer, settings=("alpha", "inplace")):
    """ELU and CELU: ``forward`` is ``fn(input, alpha, inplace)``."""

    def __init__(self, alpha: float = 1.0, inplace: bool = False) -> None:
        super().__init__(alpha=alpha, inplace=inplace)


class _SoftmaxFamily(FunctionalLayer, settings=("dim",)):
    """Softmax, LogSoftmax and Softmin: ``forward`` is ``fn(input, dim)``."""

    def __init__(self, dim: int | None = None) -> None:
        super().__init__(dim=dim)


class ReLU(_InplaceActivation, fn=F.relu):
    """``max(x, 0)`` elementwise (gradient 0 at 0).

    Args:
        inplace: bind the result to the input tensor (API compatibility; saves no memory).

    Examples:
        >>> import lucid
        >>> lucid.nn.ReLU()(lucid.tensor([-1.0, 2.0])).tolist()
        [0.0, 2.0]
    """


class Hardtanh(FunctionalLayer, fn=F.hardtanh, settings=("min_val", "max_val", "inplace")):
    """Clamp to ``[min_val, max_val]`` (default ``[-1, 1]``).

    Examples:
        >>> import lucid
        >>> lucid.nn.Hardtanh(-2.0, 2.0)(lucid.tensor([-3.0, 1.0, 3.0])).tolist()
        [-2.0, 1.0, 2.0]
    """

    def __init__(self, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False) -> None:
        if max_val < min_val:
            raise ValueError(f"Hardtanh: max_val ({max_val}) must be >= min_val ({min_val})")
        super().__init__(min_val=min_val, max_val=max_val, inplace=inplace)


class ReLU6(Hardtanh):
    """``min(max(x, 0), 6)`` elementwise.

    Examples:
        >>> import lucid
        >>> lucid.nn.ReLU6()(lucid.tensor([-1.0, 7.0])).tolist()
        [0.0, 6.0]
    """

    def __init__(self, inplace: bool = False) -> None:
        super().__init__(0.0, 6.0, inplace)

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


class LeakyReLU(FunctionalLayer, fn=F.leaky_relu, settings=("negative_slope", "inplace")):
    """``x if x > 0 else negative_slope * x``.

    Examples:
        >>> import lucid
        >>> lucid.nn.LeakyReLU(0.1)
        LeakyReLU(negative_slope=0.1)
    """

    def __init__(self, negative_slope: float = 0.01, inplace: bool = False) -> None:
        super().__init__(negative_slope=negative_slope, inplace=inplace)


class PReLU(Module):
    """Parametric ReLU with a learnable negative slope, shared or one per channel (dim 1).

    Args:
        num_parameters: 1 (one shared slope) or the number of input channels.
        init: the initial slope (default 0.25).

    Attributes:
        weight: ``(num_parameters,)``.

    Examples:
        >>> import lucid
        >>> m = lucid.nn.PReLU()
        >>> m(lucid.tensor([-4.0, 1.0])).tolist()
        [-1.0, 1.0]
    """

    def __init__(self, num_parameters: int = 1, init: float = 0.25, device=None, dtype=None) -> None:
        super().__init__()
        if isinstance(num_parameters, bool) or not isinstance(num_parameters, numbers.Integral) \
                or num_parameters < 1:
            raise ValueError(f"PReLU: num_parameters must be a positive int, got {num_parameters!r}")
        self.num_parameters = int(num_parameters)
        self.init = init
        self.weight = Parameter(empty(self.num_parameters, dtype=dtype, device=device))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Set every slope back to ``init``."""
        _init.constant_(self.weight, self.init)

    def forward(self, input: Tensor) -> Tensor:
        return F.prelu(input, self.weight)

    def extra_repr(self) -> str:
        return f"num_parameters={self.num_parameters}"


class ELU(_AlphaActivation, fn=F.elu):
    """``x if x > 0 else alpha * (exp(x) - 1)``.

    Examples:
        >>> import lucid
        >>> lucid.nn.ELU(alpha=0.5)
        ELU(alpha=0.5)
    """


class CELU(_AlphaActivation, fn=F.celu):
    """``max(0, x) + min(0, alpha * (exp(x / alpha) - 1))``.

    Examples:
        >>> import lucid
        >>> lucid.nn.CELU()
        CELU(alpha=1.0)
    """


class SELU(_InplaceActivation, fn=F.selu):
    """Self-normalising ``scale * elu(x, alpha)`` (``alpha ~ 1.6733``, ``scale ~ 1.0507``).

    Examples:
        >>> import lucid
        >>> round(lucid.nn.SELU()(lucid.tensor([1.0])).item(), 4)
        1.0507
    """


class GELU(FunctionalLayer, fn=F.gelu, settings=("approximate",)):
    """Gaussian error linear unit; ``approximate='tanh'`` uses the tanh approximation.

    Examples:
        >>> import lucid
        >>> lucid.nn.GELU(approximate="tanh")
        GELU(approximate='tanh')
    """

    def __init__(self, approximate: str = "none") -> None:
        if approximate != "none" and approximate != "tanh":
            raise ValueError(f"GELU: approximate must be 'none' or 'tanh', got {approximate!r}")
        super().__init__(approximate=approximate)

    def extra_repr(self) -> str:
        return f"approximate={self.approximate!r}"


class SiLU(_InplaceActivation, fn=F.silu):
    """``x * sigmoid(x)`` (also known as swish; ``lucid.nn.Swish`` is the same class).

    Examples:
        >>> import lucid
        >>> round(lucid.nn.SiLU()(lucid.tensor([1.0])).item(), 4)
        0.7311
    """


Swish = SiLU


class Mish(_InplaceActivation, fn=F.mish):
    """``x * tanh(softplus(x))``.

    Examples:
        >>> import lucid
        >>> round(lucid.nn.Mish()(lucid.tensor([1.0])).item(), 4)
        0.8651
    """


class Sigmoid(FunctionalLayer, fn=F.sigmoid):
    """``1 / (1 + exp(-x))``.

    Examples:
        >>> import lucid
        >>> lucid.nn.Sigmoid()(lucid.tensor([0.0])).tolist()
        [0.5]
    """


class Tanh(FunctionalLayer, fn=F.tanh):
    """Hyperbolic tangent.

    Examples:
        >>> import lucid
        >>> lucid.nn.Tanh()(lucid.tensor([0.0])).tolist()
        [0.0]
    """


class LogSigmoid(FunctionalLayer, fn=F.logsigmoid):
    """``log(sigmoid(x))``, computed stably.

    Examples:
        >>> import lucid
        >>> round(lucid.nn.LogSigmoid()(lucid.tensor([0.0])).item(), 4)
        -0.6931
    """


class Softplus(FunctionalLayer, fn=F.softplus, settings=("beta", "threshold")):
    """``log(1 + exp(beta * x)) / beta``, linear above ``threshold``.

    Examples:
        >>> import lucid
        >>> lucid.nn.Softplus(beta=2.0)
        Softplus(beta=2.0, threshold=20.0)
    """

    def __init__(self, beta: float = 1.0, threshold: float = 20.0) -> None:
        super().__init__(beta=beta, threshold=threshold)


class Softsign(FunctionalLayer, fn=F.softsign):
    """``x / (1 + |x|)``.

    Examples:
        >>> import lucid
        >>> lucid.nn.Softsign()(lucid.tensor([1.0])).tolist()
        [0.5]
    """


class Hardsigmoid(_InplaceActivation, fn=F.hardsigmoid):
    """``relu6(x + 3) / 6``.

    Examples:
        >>> import lucid
        >>> lucid.nn.Hardsigmoid()(lucid.tensor([0.0])).tolist()
        [0.5]
    """


class Hardswish(_InplaceActivation, fn=F.hardswish):
    """``x * relu6(x + 3) / 6``.

    Examples:
        >>> import lucid
        >>> lucid.nn.Hardswish()(lucid.tensor([3.0])).tolist()
        [3.0]
    """


class Softmax(_SoftmaxFamily, fn=F.softmax):
    """Softmax along ``dim`` (default: the last dim; PyTorch asks for it explicitly, so pass it).

    Examples:
        >>> import lucid
        >>> m = lucid.nn.Softmax(dim=1)
        >>> m
        Softmax(dim=1)
        >>> m(lucid.zeros(1, 4)).tolist()
        [[0.25, 0.25, 0.25, 0.25]]
    """


class LogSoftmax(_SoftmaxFamily, fn=F.log_softmax):
    """Log-softmax along ``dim`` (default: the last dim).

    Examples:
        >>> import lucid
        >>> [round(v, 4) for v in lucid.nn.LogSoftmax(dim=0)(lucid.zeros(2)).tolist()]
        [-0.6931, -0.6931]
    """


class Softmin(_SoftmaxFamily, fn=F.softmin):
    """``softmax(-x)`` along ``dim`` (default: the last dim).

    Examples:
        >>> import lucid
        >>> lucid.nn.Softmin(dim=0)(lucid.zeros(2)).tolist()
        [0.5, 0.5]
    """


class GLU(FunctionalLayer, fn=F.glu, settings=("dim",)):
    """Gated linear unit along ``dim``: ``a * sigmoid(b)`` of the two halves (see :func:`lucid.nn.functional.glu`).

    Examples:
        >>> import lucid
        >>> lucid.nn.GLU()(lucid.ones(2, 4)).shape
        (2, 2)
    """

    def __init__(self, dim: int = -1) -> None:
        super().__init__(dim=dim)


class Threshold(FunctionalLayer, fn=F.threshold, settings=("threshold", "value", "inplace")):
    """``x`` where ``x > threshold``, else ``value``.

    Examples:
        >>> import lucid
        >>> lucid.nn.Threshold(0.1, 20.0)(lucid.tensor([0.0, 1.0])).tolist()
        [20.0, 1.0]
    """

    def __init__(self, threshold: float, value: float, inplace: bool = False) -> None:
        super().__init__(threshold=threshold, value=value, inplace=inplace)


class _LambdActivation(FunctionalLayer, settings=("lambd",)):
    """Hardshrink and Softshrink: ``forward`` is ``fn(input, lambd)``."""

    def __init__(self, lambd: float = 0.5) -> None:
        super().__init__(lambd=lambd)

    def extra_repr(self) -> str:
        return f"{self.lambd}"


class Hardshrink(_LambdActivation, fn=F.hardshrink):
    """``x`` where ``|x| > lambd``, else 0.

    Examples:
        >>> import lucid
        >>> lucid.nn.Hardshrink()(lucid.tensor([0.2, -2.0])).tolist()
        [0.0, -2.0]
    """


class Softshrink(_LambdActivation, fn=F.softshrink):
    """Shrink towards 0 by ``lambd``: ``x - lambd``, ``x + lambd`` or 0.

    Examples:
        >>> import lucid
        >>> lucid.nn.Softshrink(1.0)(lucid.tensor([0.2, -3.0])).tolist()
        [0.0, -2.0]
    """

    def __init__(self, lambd: float = 0.5) -> None:
        if not lambd >= 0:
            raise ValueError(f"Softshrink: lambd must be non-negative, got {lambd}")
        super().__init__(lambd)


class Tanhshrink(FunctionalLayer, fn=F.tanhshrink):
    """``x - tanh(x)``.

    Examples:
        >>> import lucid
        >>> lucid.nn.Tanhshrink()(lucid.tensor([0.0])).tolist()
        [0.0]
    """


class RReLU(FunctionalLayer, fn=F.rrelu, settings=("lower", "upper", "training", "inplace")):
    """Randomized leaky ReLU: random negative slopes in ``[lower, upper)`` while training, their mean in eval.

    Examples:
        >>> import lucid
        >>> m = lucid.nn.RReLU(0.1, 0.3).eval()
        >>> [round(v, 4) for v in m(lucid.tensor([-1.0, 1.0])).tolist()]
        [-0.2, 1.0]
    """

    def __init__(self, lower: float = 1.0 / 8, upper: float = 1.0 / 3, inplace: bool = False) -> None:
        if lower > upper:
            raise ValueError(f"RReLU: lower ({lower}) must be <= upper ({upper})")
        super().__init__(lower=lower, upper=upper, inplace=inplace)


class Softmax2d(Module):
    """Softmax over the channels of each position: ``(N, C, H, W)`` or ``(C, H, W)``.

    Examples:
        >>> import lucid
        >>> lucid.nn.Softmax2d()(lucid.zeros(1, 2, 1, 1)).flatten().tolist()
        [0.5, 0.5]
    """

    def forward(self, input: Tensor) -> Tensor:
        if not isinstance(input, Tensor):
            raise TypeError(f"Softmax2d expects a lucid Tensor, got {type(input).__name__}")
        if input.ndim not in (3, 4):
            raise ValueError(f"Softmax2d: expected a 3-D or 4-D input, got shape {input.shape}")
        return F.softmax(input, -3)
