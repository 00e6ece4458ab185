"""Activation functions: ``relu``, ``gelu``, ``softmax``, ... (each one fused ``Function``).

Every activation is a single ``Function`` on raw ``mlx.core`` arrays with a
hand-written backward, so a forward records one node and the backward does
no Python-level composition. Each rule's elementwise chain is ``fused`` into
one kernel for float32 (see ``_kernels.fused``), backward rules select with 0/1
masks rather than ``mx.where``, and transcendental parts the forward computed
(GELU's ``Phi``, SiLU's sigmoid, Mish's ``tanh``) are reused, not recomputed.
Python-number constants never widen the input's dtype: float16/bfloat16 in
gives float16/bfloat16 out.

``inplace=True`` is accepted for PyTorch compatibility: MLX arrays are
immutable, so the result is computed out of place and then bound to the input
Tensor (its version counter goes up). It saves no memory.
"""

from __future__ import annotations

import math

import mlx.core as mx

from lucid._backend import reductions
from lucid._tensor import Tensor
from lucid.autograd.function import Function
from lucid.nn.functional import _kernels as K
from lucid.nn.functional._kernels import fused, on_channels_last
from lucid.ops._autocast import autocast_inputs
from lucid.ops._util import normalize_axes, unbroadcast

__all__ = [
    "relu", "relu6", "leaky_relu", "prelu", "elu", "selu", "celu", "gelu", "silu", "swish", "mish",
    "sigmoid", "tanh", "logsigmoid", "softplus", "softsign", "hardsigmoid", "hardswish", "hardtanh",
    "softmax", "log_softmax", "softmin",
    "glu", "threshold", "hardshrink", "softshrink", "tanhshrink", "rrelu", "gumbel_softmax",
    "relu_", "elu_", "celu_", "selu_", "leaky_relu_", "hardtanh_", "threshold_", "rrelu_",
]

_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946
_SQRT_2 = math.sqrt(2.0)
_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)


# -- helpers -------------------------------------------------------------------

def _check(input, op: str) -> None:
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}: expected a lucid.Tensor as input, got {type(input).__name__}")


def _apply(fn_cls, input, inplace: bool, op: str, *args):
    """Run ``fn_cls`` on ``input``; with ``inplace`` bind the result to ``input`` itself."""
    _check(input, op)
    if not inplace:
        return fn_cls.apply(input, *args)
    input._check_inplace()
    # The Function sees an alias sharing input's graph position, so a value it
    # saves is paired with the alias (never bumped), not with ``input``:
    # MLX arrays are immutable, so that saved value stays correct.
    alias = Tensor._make(input._data, input._device, input._node, input._out_idx)
    alias._requires_grad = input._requires_grad
    return input._bump(fn_cls.apply(alias, *args))


def _number(value, name: str, op: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{op}: {name} must be a number, got {type(value).__name__}")
    return float(value)


# -- fused kernels ---------------------------------------------------------------
# Each rule's elementwise chain is one ``fused`` function: a single pass over memory for float32
# (see ``_kernels.fused``), the same ops one by one for other dtypes. Selections happen inside the
# fused kernels or as a multiply by a 0/1 mask, never as a stand-alone ``mx.where`` (MLX's select
# kernel is several times slower than a multiply on the CPU). Parameters that vary between calls
# (slopes, bounds, alpha) are passed as 0-d arrays so each rule compiles once.

def _const(value: float, like: mx.array) -> mx.array:
    return mx.array(value, dtype=like.dtype)


# ``m + (1 - m) * c`` with a 0/1 mask ``m`` is exactly 1 or ``c``: a select written as arithmetic.
# (Inside MLX 0.32's JIT-compiled CPU kernels a ``where`` whose branches share an operand, such as
# ``where(x > 0, g, g * c)``, runs several times slower than this.)
_relu_grad = fused(lambda g, out: g * (out > 0))
_hardtanh_grad = fused(lambda g, out, lo, hi: g * ((out > lo) & (out < hi)))
_leaky_max = fused(lambda x, slope: mx.maximum(x, x * slope))  # x if x > 0 else slope x, for slope <= 1
_leaky_min = fused(lambda x, slope: mx.minimum(x, x * slope))  # the same for slope > 1
_leaky_grad = fused(lambda g, s, slope: g * ((s > 0) + (1 - (s > 0)) * slope))
_prelu = fused(lambda x, w: x * ((x > 0) + (1 - (x > 0)) * w))
_prelu_grad_x = fused(lambda g, x, w: g * ((x > 0) + (1 - (x > 0)) * w))
_prelu_grad_w = fused(lambda g, x: g * mx.minimum(x, 0))  # d(w x)/dw on the negative side only

# min(x, 0) keeps the unused branch from overflowing.
_elu = fused(lambda x, alpha, scale: mx.where(x > 0, x, alpha * mx.expm1(mx.minimum(x, 0))) * scale)
# NOTE: at exactly 0 the left branch is used: gradient scale * alpha.
# For x <= 0: d/dx = scale * alpha * exp(x) = out + scale * alpha.
_elu_grad_from_out = fused(lambda g, out, alpha, scale: mx.where(out > 0, g * scale, g * (out + scale * alpha)))
_elu_grad_from_in = fused(lambda g, x, alpha, scale: mx.where(x > 0, g * scale, g * (scale * alpha) * K.exp(x)))
_celu = fused(lambda x, alpha: mx.where(x > 0, x, alpha * mx.expm1(mx.minimum(x, 0) / alpha)))
# NOTE: for x <= 0 (including 0), d/dx = exp(x / alpha) = out / alpha + 1.
_celu_grad = fused(lambda g, out, alpha: mx.where(out > 0, g, g * (out / alpha + 1.0)))


# Transcendental functions dominate these rules (MLX's CPU exp/erf/tanh cost far more than a
# multiply), so a forward that will be differentiated also returns the transcendental part it
# computed and the backward reuses it instead of evaluating it again.
def _gelu_erf_fn(x):
    cdf = 0.5 * (1.0 + mx.erf(x / _SQRT_2))
    return x * cdf, cdf


def _gelu_tanh_fn(x):
    t = mx.tanh(_SQRT_2_OVER_PI * (x + 0.044715 * x * x * x))
    return 0.5 * x * (1.0 + t), t


def _silu_fn(x):
    s = K.sigmoid(x)
    return x * s, s


def _mish_fn(x):
    t = mx.tanh(K.softplus(x))
    return x * t, t


_gelu_erf, _gelu_erf_saving = fused(lambda x: _gelu_erf_fn(x)[0]), fused(_gelu_erf_fn)
_gelu_erf_grad = fused(lambda g, x, cdf: g * (cdf + x * _INV_SQRT_2PI * K.exp(-0.5 * x * x)))
_gelu_tanh, _gelu_tanh_saving = fused(lambda x: _gelu_tanh_fn(x)[0]), fused(_gelu_tanh_fn)
_gelu_tanh_grad = fused(lambda g, x, t: g * (0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * _SQRT_2_OVER_PI
                                             * (1.0 + 3 * 0.044715 * x * x)))
_silu, _silu_saving = fused(lambda x: _silu_fn(x)[0]), fused(_silu_fn)
_silu_grad = fused(lambda g, x, s: g * (s * (1.0 + x * (1.0 - s))))
_mish, _mish_saving = fused(lambda x: _mish_fn(x)[0]), fused(_mish_fn)
_mish_grad = fused(lambda g, x, t: g * (t + x * K.sigmoid(x) * (1.0 - t * t)))

_sigmoid_grad = fused(lambda g, out: g * out * (1.0 - out))
_tanh_grad = fused(lambda g, out: g * (1.0 - out * out))
_logsigmoid = fused(lambda x: -K.softplus(-x))
_logsigmoid_grad = fused(lambda g, x: g * K.sigmoid(-x))
# NOTE: linear above the threshold (beta * x > threshold), like PyTorch.
_softplus_fwd = fused(lambda x, beta, thr: mx.where(x * beta > thr, x, K.softplus(x * beta) / beta))
_softplus_grad = fused(lambda g, x, beta, thr: mx.where(x * beta > thr, g, g * K.sigmoid(x * beta)))
_softsign = fused(lambda x: x / (1.0 + mx.abs(x)))
_softsign_grad = fused(lambda g, x: g / ((1.0 + mx.abs(x)) * (1.0 + mx.abs(x))))
_hardsigmoid = fused(lambda x: mx.clip(x + 3.0, 0.0, 6.0) / 6.0)
# NOTE: zero gradient at x = -3 and x = 3 (PyTorch's convention).
_hardsigmoid_grad = fused(lambda g, x: (g / 6.0) * ((x > -3.0) & (x < 3.0)))
_hardswish = fused(lambda x: x * mx.clip(x + 3.0, 0.0, 6.0) / 6.0)
# NOTE: PyTorch's one-sided choices: 0 below -3 (-3 itself uses the middle
# piece, gradient -1/2), x / 3 + 1/2 on [-3, 3], 1 above 3.
_hardswish_grad = fused(lambda g, x: mx.where(x < -3.0, 0, mx.where(x <= 3.0, g * (x / 3.0 + 0.5), g)))
_softmax_grad = fused(lambda gs, s, total: gs - s * total)
_log_softmax_grad = fused(lambda g, out, total: g - K.exp(out) * total)


# -- piecewise-linear ----------------------------------------------------------

class ReLUFunction(Function):
    @staticmethod
    def forward(ctx, x):
        out = mx.maximum(x, 0)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        # NOTE: the gradient at exactly 0 is 0 (PyTorch's convention). A masked-out NaN or inf
        # upstream gradient gives NaN (0 * inf), as MLX's own VJPs do.
        return on_channels_last(_relu_grad, g, out)


class HardtanhFunction(Function):
    @staticmethod
    def forward(ctx, x, lo, hi):
        out = mx.clip(x, lo, hi)
        ctx.bounds = (lo, hi)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        lo, hi = ctx.bounds
        # NOTE: zero gradient at and beyond the bounds (PyTorch's convention);
        # out lies strictly inside (lo, hi) exactly when the input does.
        return on_channels_last(_hardtanh_grad, g, out, _const(lo, out), _const(hi, out)), None, None


class LeakyReLUFunction(Function):
    @staticmethod
    def forward(ctx, x, slope):
        out = (_leaky_max if slope <= 1 else _leaky_min)(x, _const(slope, x))
        ctx.slope = slope
        # With slope >= 0 the output's sign identifies the branch, so the
        # output is saved (this keeps inplace=True usable in training).
        ctx.save_for_backward(out if slope >= 0 else x)
        return out

    @staticmethod
    def backward(ctx, g):
        (s,) = ctx.saved_tensors
        # NOTE: at exactly 0 the gradient is negative_slope (PyTorch's convention).
        return on_channels_last(_leaky_grad, g, s, _const(ctx.slope, g)), None


class PReLUFunction(Function):
    @staticmethod
    def forward(ctx, x, w, wshape):
        # The slopes follow the input's dtype, so a float16 input stays float16 with float32 slopes.
        wb = mx.reshape(w if w.dtype == x.dtype else w.astype(x.dtype), wshape)
        ctx.save_for_backward(x, w)
        ctx.wshape = wshape
        return on_channels_last(_prelu, x, wb)

    @staticmethod
    def backward(ctx, g):
        x, w = ctx.saved_tensors
        nx, nw = ctx.needs_input_grad[:2]
        gx = gw = None
        if nx:
            gx = on_channels_last(_prelu_grad_x, g, x, mx.reshape(w, ctx.wshape).astype(g.dtype))
        if nw:
            gw = unbroadcast(on_channels_last(_prelu_grad_w, g, x), ctx.wshape)
            gw = mx.reshape(gw, w.shape).astype(w.dtype)
        return gx, gw, None


# -- exponential family --------------------------------------------------------

class ELUFunction(Function):
    @staticmethod
    def forward(ctx, x, alpha, scale):
        # scale * (x if x > 0 else alpha * (exp(x) - 1)); SELU is the scaled case.
        out = _elu(x, _const(alpha, x), _const(scale, x))
        ctx.consts = (alpha, scale)
        ctx.from_out = alpha >= 0
        ctx.save_for_backward(out if alpha >= 0 else x)
        return out

    @staticmethod
    def backward(ctx, g):
        (s,) = ctx.saved_tensors
        alpha, scale = ctx.consts
        kernel = _elu_grad_from_out if ctx.from_out else _elu_grad_from_in
        return on_channels_last(kernel, g, s, _const(alpha, g), _const(scale, g)), None, None


class CELUFunction(Function):
    @staticmethod
    def forward(ctx, x, alpha):
        out = _celu(x, _const(alpha, x))
        ctx.alpha = alpha
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        return on_channels_last(_celu_grad, g, out, _const(ctx.alpha, g)), None


class GELUFunction(Function):
    @staticmethod
    def forward(ctx, x, tanh_approx):
        ctx.tanh_approx = tanh_approx
        if not ctx.needs_input_grad[0]:
            return _gelu_tanh(x) if tanh_approx else _gelu_erf(x)
        out, part = _gelu_tanh_saving(x) if tanh_approx else _gelu_erf_saving(x)
        ctx.save_for_backward(x)
        ctx.part = part  # tanh(...) or Phi(x), reused by the backward
        return out

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return on_channels_last(_gelu_tanh_grad if ctx.tanh_approx else _gelu_erf_grad, g, x, ctx.part), None


class SoftplusFunction(Function):
    @staticmethod
    def forward(ctx, x, beta, threshold):
        ctx.save_for_backward(x)
        ctx.consts = (beta, threshold)
        return _softplus_fwd(x, _const(beta, x), _const(threshold, x))

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        beta, threshold = ctx.consts
        return on_channels_last(_softplus_grad, g, x, _const(beta, g), _const(threshold, g)), None, None


def _elementwise(name: str, forward, grad, save_output: bool):
    """A ``Function`` for ``y = forward(x)`` whose backward is ``grad(g, y if save_output else x)``."""

    def fwd(ctx, x):
        out = forward(x)
        ctx.save_for_backward(out if save_output else x)
        return out

    def bwd(ctx, g):
        return on_channels_last(grad, g, ctx.saved_tensors[0])

    return type(name, (Function,), {"forward": staticmethod(fwd), "backward": staticmethod(bwd)})


def _elementwise_saving(name: str, forward, forward_saving, grad):
    """A ``Function`` for ``y = forward(x)`` that computes its transcendental part once.

    When differentiated, ``forward_saving(x)`` gives ``(y, part)`` (SiLU's
    sigmoid, Mish's ``tanh``) and the backward is ``grad(g, x, part)``.
    """

    def fwd(ctx, x):
        if not ctx.needs_input_grad[0]:
            return forward(x)
        out, ctx.part = forward_saving(x)
        ctx.save_for_backward(x)
        return out

    def bwd(ctx, g):
        return on_channels_last(grad, g, ctx.saved_tensors[0], ctx.part)

    return type(name, (Function,), {"forward": staticmethod(fwd), "backward": staticmethod(bwd)})


SigmoidFunction = _elementwise("SigmoidFunction", K.sigmoid, _sigmoid_grad, True)
TanhFunction = _elementwise("TanhFunction", mx.tanh, _tanh_grad, True)
LogSigmoidFunction = _elementwise("LogSigmoidFunction", _logsigmoid, _logsigmoid_grad, False)
SoftsignFunction = _elementwise("SoftsignFunction", _softsign, _softsign_grad, False)
HardsigmoidFunction = _elementwise("HardsigmoidFunction", _hardsigmoid, _hardsigmoid_grad, False)
HardswishFunction = _elementwise("HardswishFunction", _hardswish, _hardswish_grad, False)
SiLUFunction = _elementwise_saving("SiLUFunction", _silu, _silu_saving, _silu_grad)
MishFunction = _elementwise_saving("MishFunction", _mish, _mish_saving, _mish_grad)


# -- softmax family ------------------------------------------------------------

def _along(fn, x: mx.array, axis):
    """Apply a softmax-like ``fn`` along ``axis``; ``axis=None`` means a 0-d input (one slice of one)."""
    if axis is None:
        return mx.reshape(fn(mx.reshape(x, (1,)), 0), ())
    return fn(x, axis)


class SoftmaxFunction(Function):
    @staticmethod
    def forward(ctx, x, axis):
        out = _along(K.softmax, x, axis)
        ctx.axis = axis
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (s,) = ctx.saved_tensors
        gs = g * s
        return _softmax_grad(gs, s, reductions.sum(gs, axis=ctx.axis, keepdims=True)), None


class LogSoftmaxFunction(Function):
    @staticmethod
    def forward(ctx, x, axis):
        out = _along(K.log_softmax, x, axis)
        ctx.axis = axis
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        return _log_softmax_grad(g, out, reductions.sum(g, axis=ctx.axis, keepdims=True)), None


# -- public functions ----------------------------------------------------------

def relu(input: Tensor, inplace: bool = False) -> Tensor:
    """Rectified linear unit, ``max(x, 0)``, elementwise.

    Args:
        input: any shape.
        inplace: bind the result to ``input`` (API compatibility; saves no memory).

    Returns:
        Tensor: same shape and dtype as ``input``. The gradient at 0 is 0.

    Examples:
        >>> import lucid
        >>> lucid.nn.functional.relu(lucid.tensor([-1.0, 0.0, 2.0])).tolist()
        [0.0, 0.0, 2.0]
    """
    return _apply(ReLUFunction, input, inplace, "relu")


def relu6(input: Tensor, inplace: bool = False) -> Tensor:
    """``min(max(x, 0), 6)`` elementwise; zero gradient at 0 and 6.

    Examples:
        >>> import lucid
        >>> lucid.nn.functional.relu6(lucid.tensor([-1.0, 3.0, 9.0])).tolist()
        [0.0, 3.0, 6.0]
    """
    return _apply(HardtanhFunction, input, inplace, "relu6", 0.0, 6.0)


def hardtanh(input: Tensor, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False) -> Tensor:
    """Clamp to ``[min_val, max_val]``; the gradient is 1 strictly inside and 0 elsewhere.

    Raises:
        ValueError: if ``max_val < min_val``.

    Examples:
        >>> import lucid
        >>> lucid.nn.functional.hardtanh(lucid.tensor([-2.0, 0.5, 2.0])).tolist()
        [-1.0, 0.5, 1.0]
    """
    lo, hi = _number(min_val, "min_val", "hardtanh"), _number(max_val, "max_val", "hardtanh")
    if hi < lo:
        raise ValueError(f"hardtanh: max_val ({hi}) must be >= min_val ({lo})")
    return _apply(HardtanhFunction, input, inplace, "hardtanh", lo, hi)


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    """``x if x > 0 else negative_slope * x`` elementwise.

    Examples:
        >>> import lucid
        >>> lucid.nn.functional.leaky_relu(lucid.tensor([-2.0, 3.0]), 0.5).tolist()
        [-1.0, 3.0]
    """
    slope = _number(negative_slope, "negative_slope", "leaky_relu")
    if inplace and slope < 0:
        raise ValueError("leaky_relu: inplace=True needs negative_slope >= 0 (the input could not be "
                         f"recovered from the output for the backward), got {slope}")
    return _apply(LeakyReLUFunction, input, inplace, "leaky_relu", slope)


def prelu(input: Tensor, weight: Tensor) -> Tensor:
    """Parametric ReLU: ``x if x > 0 else a * x`` with learnable ``a`` per channel.

    Args:
        input: ``(N, C, *)`` (channels on dim 1), or any shape when ``weight`` has one element.
        weight: ``(1,)`` or ``(C,)``.

    Raises:
        ValueError: if ``weight`` has more than one element and it does not match dim 1 of ``input``.

    Examples:
        >>> import lucid
        >>> lucid.nn.functional.prelu(lucid.tensor([[-2.0, 3.0]]), lucid.tensor([0.25])).tolist()
        [[-0.5, 3.0]]
    """
    _check(input, "prelu")
    _check(weight, "prelu")
    n = weight.numel()
    ndim = input.ndim
    if n == 1:
        wshape = (1,) * ndim
    else:
        if weight.ndim != 1 or ndim < 2 or input.shape[1] != n:
            raise ValueError(f"prelu: weight of shape {weight.shape} needs an input with {n} channels on "
                             f"dim 1, got input of shape {input.shape}")
        wshape = (1, n) + (1,) * (ndim - 2)
    return PReLUFunction.apply(input, weight, wshape)


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """Exponential linear unit: ``x if x > 0 else alpha * (exp(x) - 1)``.

    Examples:
        >>> import lucid
        >>> [round(v, 4) for v in lucid.nn.functional.elu(lucid.tensor([-1.0, 2.0])).tolist()]
        [-0.6321, 2.0]
    """
    a = _number(alpha, "alpha", "elu")
    if inplace and a < 0:
        raise ValueError(f"elu: inplace=True needs alpha >= 0, got {a}")
    return _apply(ELUFunction, input, inplace, "elu", a, 1.0)


def selu(input: Tensor, inplace: bool = False) -> Tensor:
    """Scaled ELU: ``scale * elu(x, alpha)`` with ``alpha ~ 1.6733`` and ``scale ~ 1.0507``.

    Examples:
        >>> import lucid
        >>> [round(v, 4) for v in lucid.nn.functional.selu(lucid.tensor([-1.0, 1.0])).tolist()]
        [-1.1113, 1.0507]
    """
    return _apply(ELUFunction, input, inplace, "selu", _SELU_ALPHA, _SELU_SCALE)


def celu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """Continuously differentiable ELU: ``max(0, x) + min(0, alpha * (exp(x / alpha) - 1))``.

    Raises:
        ValueError: if ``alpha`` is 0.

    Examples:
        >>> import lucid
        >>> [round(v, 4) for v in lucid.nn.functional.celu(lucid.tensor([-1.0, 1.0]), alpha=2.0).tolist()]
        [-0.7869, 1.0]
    """
    a = _number(alpha, "alpha", "celu")
    if a == 0:
        raise ValueError("celu: alpha must be non-zero, got 0")
    return _apply(CELUFunction, input, inplace, "celu", a)


def gelu(input: Tensor, approximate: str = "none") -> Tensor:
    """Gaussian error linear unit, ``x * Phi(x)``.

    ``approximate='none'`` uses ``0.5 x (1 + erf(x / sqrt(2)))``; ``'tanh'`` uses
    ``0.5 x (1 + tanh(sqrt(2 / pi) (x + 0.044715 x^3)))``.

    Raises:
        ValueError: if ``approximate`` is not ``'none'`` or ``'tanh'``.

    Examples:
        >>> import lucid
        >>> [round(v, 4) for v in lucid.nn.functional.gelu(lucid.tensor([-1.0, 1.0])).tolist()]
        [-0.1587, 0.8413]
    """
    if approximate != "none" and approximate != "tanh":
        raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
    _check(input, "gelu")
    return GELUFunction.apply(input, approximate == "tanh")


def silu(input: Tensor, inplace: bool = False) -> Tensor:
    """Sigmoid linear unit (swish): ``x * sigmoid(x)``.

    Examples:
        >>> import lucid
        >>> [round(v, 4) for v in lucid.nn.functional.silu(lucid.tensor([-1.0, 1.0])).tolist()]
        [-0.2689, 0.7311]
    """
    return _apply(SiLUFunction, input, inplace, "silu")


swish = silu


def mish(input: Tensor, inplace: bool = False) -> Tensor:
    """``x * tanh(softplus(x))``.

    Examples:
        >>> import lucid
        >>> [round(v, 4) for v in lucid.nn.functional.mish(lucid.tensor([-1.0, 1.0])).tolist()]
        [-0.3034, 0.8651]
    """
    return _apply(MishFunction, input, inplace, "mish")


def sigmoid(input: Tensor) -> Tensor:
    """Logistic sigmoid ``1 / (1 + exp(-x))``.

    Examples:
        >>> import lucid
        >>> lucid.nn.functional.sigmoid(lucid.tensor([0.0])).tolist()
        [0.5]
    """
    _check(input, "sigmoid")
    return SigmoidFunction.apply(input)


def tanh(input: Tensor) -> Tensor:
    """Hyperbolic tangent.

    Examples:
        >>> import lucid
        >>> lucid.nn.functional.tanh(lucid.tensor([0.0])).tolist()
        [0.0]
    """
    _check(input, "tanh")
    return TanhFunction.apply(input)


def logsigmoid(input: Tensor) -> Tensor:
    """``log(sigmoid(x)) = -softplus(-x)``, computed without overflow.

    Examples:
        >>> import lucid
        >>> [round(v, 4) for v in lucid.nn.functional.logsigmoid(lucid.tensor([0.0, -200.0])).tolist()]
        [-0.6931, -200.0]
    """
    _check(input, "logsigmoid")
    return LogSigmoidFunction.apply(input)


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """``log(1 + exp(beta * x)) / beta``; linear (``x``) where ``beta * x > threshold``.

    Examples:
        >>> import lucid
        >>> [round(v, 4) for v in lucid.nn.functional.softplus(lucid.tensor([0.0, 30.0])).tolist()]
        [0.6931, 30.0]
    """
    _check(input, "softplus")
    b = _number(beta, "beta", "softplus")
    if b == 0:
        raise ValueError("softplus: beta must be non-zero, got 0")
    return SoftplusFunction.apply(input, b, _number(threshold, "threshold", "softplus"))


def softsign(input: Tensor) -> Tensor:
    """``x / (1 + |x|)``.

    Examples:
        >>> import lucid
        >>> lucid.nn.functional.softsign(lucid.tensor([-1.0, 3.0])).tolist()
        [-0.5, 0.75]
    """
    _check(input, "softsign")
    return SoftsignFunction.apply(input)


def hardsigmoid(input: Tensor, inplace: bool = False) -> Tensor:
    """Piecewise-linear sigmoid: ``relu6(x + 3) / 6``.

    Examples:
        >>> import lucid
        >>> lucid.nn.functional.hardsigmoid(lucid.tensor([-4.0, 0.0, 4.0])).tolist()
        [0.0, 0.5, 1.0]
    """
    return _apply(HardsigmoidFunction, input, inplace, "hardsigmoid")


def hardswish(input: Tensor, inplace: bool = False) -> Tensor:
    """``x * relu6(x + 3) / 6``.

    Examples:
        >>> import lucid
        >>> [round(v, 4) for v in lucid.nn.functional.hardswish(lucid.tensor([-1.0, 0.0, 4.0])).tolist()]
        [-0.3333, 0.0, 4.0]
    """
    return _apply(HardswishFunction, input, inplace, "hardswish")


def _softmax_args(input, dim, axis, dtype, op):
    _check(input, op)
    if axis is not None:
        if dim is not None:
            raise TypeError(f"{op}: pass either dim= or axis=, not both")
        dim = axis
    if dim is None:
        # NOTE: PyTorch infers a dim (with a deprecation warning); we always use the last one.
        dim = -1
    if dtype is not None:
        input = input.astype(dtype)
    input = autocast_inputs(input)
    (ax,) = normalize_axes(dim, input.ndim, op)
    return input, (ax if input.ndim else None)


def softmax(input: Tensor, dim: int | None = None, dtype=None, *, axis: int | None = None) -> Tensor:
    """``exp(x) / sum(exp(x))`` along ``dim``, computed max-subtracted (stable for large logits).

    .. math:: \\mathrm{softmax}(x)_i = \\frac{e^{x_i - m}}{\\sum_j e^{x_j - m}},\\ m = \\max_j x_j

    Args:
        input: any shape.
        dim: the axis to normalise (``axis`` is the NumPy spelling). Defaults to
            the last axis; PyTorch asks for it explicitly, so pass it.
        dtype: cast the input to this dtype first.

    Returns:
        Tensor: same shape; slices along ``dim`` sum to 1.

    Examples:
        >>> import lucid
        >>> lucid.nn.functional.softmax(lucid.tensor([0.0, 0.0]), dim=0).tolist()
        [0.5, 0.5]
    """
    input, ax = _softmax_args(input, dim, axis, dtype, "softmax")
    return SoftmaxFunction.apply(input, ax)


def log_softmax(input: Tensor, dim: int | None = None, dtype=None, *, axis: int | None = None) -> Tensor:
    """``x - logsumexp(x)`` along ``dim``: the log of ``softmax``, without its underflow.

    Args:
        input: any shape.
        dim: the axis to normalise (``axis`` is the NumPy spelling; default: last).
        dtype: cast the input to this dtype first.

    Examples:
        >>> import lucid
        >>> [round(v, 4) for v in lucid.nn.functional.log_softmax(lucid.tensor([0.0, 0.0]), dim=0).tolist()]
        [-0.6931, -0.6931]
    """
    input, ax = _softmax_args(input, dim, axis, dtype, "log_softmax")
    return LogSoftmaxFunction.apply(input, ax)


def softmin(input: Tensor, dim: int | None = None, dtype=None, *, axis: int | None = None) -> Tensor:
    """``softmax(-x)`` along ``dim``.

    Examples:
        >>> import lucid
        >>> [round(v, 4) for v in lucid.nn.functional.softmin(lucid.tensor([0.0, 1.0]), dim=0).tolist()]
        [0.7311, 0.2689]
    """
    input, ax = _softmax_args(input, dim, axis, dtype, "softmin")
    return SoftmaxFunction.apply(-input, ax)


# -- composed activations ------------------------------------------------------------
# These are composed from differentiable Lucid ops, so autograd gives their gradients.

def _bind(input: Tensor, out: Tensor, inplace: bool) -> Tensor:
    """``out``, or with ``inplace`` ``out`` bound to ``input`` (see the module docstring)."""
    if not inplace:
        return out
    input._check_inplace()
    return input._bump(out)


def _inplace_source(input: Tensor, inplace: bool) -> Tensor:
    """What a composed activation reads: ``input``, or for ``inplace`` an alias at its graph position."""
    _check(input, "activation")
    if not inplace:
        return input
    alias = Tensor._make(input._data, input._device, input._node, input._out_idx)
    alias._requires_grad = input._requires_grad
    return alias


def glu(input: Tensor, dim: int | None = None, *, axis: int | None = None) -> Tensor:
    """Gated linear unit: split ``input`` in halves ``a, b`` along ``dim`` and return ``a * sigmoid(b)``.

    Args:
        input: any shape whose size along ``dim`` is even.
        dim: the split dim (default -1; ``axis=`` is the NumPy spelling).

    Raises:
        ValueError: if that size is odd, or ``input`` is 0-d.

    Examples:
        >>> import lucid
        >>> lucid.nn.functional.glu(lucid.tensor([2.0, 0.0])).tolist()
        [1.0]
    """
    from lucid.ops._util import normalize_dim, reduce_axis_arg

    _check(input, "glu")
    if input.ndim == 0:
        raise ValueError("glu: a 0-d input cannot be halved; give at least one dim")
    d = normalize_dim(reduce_axis_arg(axis, dim, "glu", -1), input.ndim, "glu")
    if input.shape[d] % 2:
        raise ValueError(f"glu: the size of dim {d} must be even to halve it, got shape {input.shape}")
    a, b = input.chunk(2, dim=d)
    return a * sigmoid(b)


def threshold(input: Tensor, threshold: float, value: float, inplace: bool = False) -> Tensor:
    """``x`` where ``x > threshold``, else ``value``.

    Examples:
        >>> import lucid
        >>> lucid.nn.functional.threshold(lucid.tensor([-1.0, 0.5, 2.0]), 1.0, 9.0).tolist()
        [9.0, 9.0, 2.0]
    """
    from lucid.ops.unary import where

    t = _number(threshold, "threshold", "threshold")
    v = _number(value, "value", "threshold")
    x = _inplace_source(input, inplace)
    return _bind(input, where(x > t, x, v), inplace)


def hardshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """``x`` where ``|x| > lambd``, else 0.

    Examples:
        >>> import lucid
        >>> lucid.nn.functional.hardshrink(lucid.tensor([-1.0, 0.2, 0.7])).tolist()
        [-1.0, 0.0, 0.699999988079071]
    """
    _check(input, "hardshrink")
    lam = _number(lambd, "lambd", "hardshrink")
    return input * (input.abs() > lam).astype(input.dtype)


def softshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """``x - lambd`` above ``lambd``, ``x + lambd`` below ``-lambd``, else 0.

    Raises:
        ValueError: if ``lambd`` is negative.

    Examples:
        >>> import lucid
        >>> lucid.nn.functional.softshrink(lucid.tensor([-1.0, 0.2, 1.5])).tolist()
        [-0.5, 0.0, 1.0]
    """
    _check(input, "softshrink")
    lam = _number(lambd, "lambd", "softshrink")
    if lam < 0:
        raise ValueError(f"softshrink: lambd must be non-negative, got {lam}")
    return (input - lam).clamp(min=0) + (input + lam).clamp(max=0)


def tanhshrink(input: Tensor) -> Tensor:
    """``x - tanh(x)``.

    Examples:
        >>> import lucid
        >>> lucid.nn.functional.tanhshrink(lucid.tensor([0.0])).tolist()
        [0.0]
    """
    _check(input, "tanhshrink")
    return input - tanh(input)


def rrelu(input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3, training: bool = False,
          inplace: bool = False) -> Tensor:
    """Randomized leaky ReLU: ``x`` for ``x >= 0``, else ``a x``.

    In training ``a`` is drawn uniformly from ``[lower, upper)`` for each element
    (``lucid.random``'s generator); in evaluation it is ``(lower + upper) / 2``.

    Raises:
        ValueError: if ``lower > upper``.

    Examples:
        >>> import lucid
        >>> lucid.nn.functional.rrelu(lucid.tensor([-1.0, 2.0]), 0.2, 0.4).tolist()
        [-0.30000001192092896, 2.0]
    """
    lo = _number(lower, "lower", "rrelu")
    hi = _number(upper, "upper", "rrelu")
    if lo > hi:
        raise ValueError(f"rrelu: lower ({lo}) must be <= upper ({hi})")
    x = _inplace_source(input, inplace)
    if training:
        import lucid.random as _random

        slope = _random.uniform(lo, hi, size=x.shape, dtype=x.dtype, device=x.device)
    else:
        slope = (lo + hi) / 2
    neg = (x < 0).astype(x.dtype)
    return _bind(input, x * (1 + neg * (slope - 1)), inplace)


# The smallest normal number of each float dtype (keeps the Gumbel noise finite).
@fused
def _gumbel_noise(u, tiny):
    """``-log(-log(u))``, each log's argument kept at least ``tiny`` (no infinities)."""
    return -mx.log(mx.maximum(-mx.log(mx.maximum(u, tiny)), tiny))


_TINY = {mx.float16: 6.1035e-05, mx.bfloat16: 1.1755e-38, mx.float32: 1.1755e-38, mx.float64: 2.2251e-308}


def gumbel_softmax(logits: Tensor, tau: float = 1.0, hard: bool = False, eps: float = 1e-10,
                   dim: int | None = None, *, axis: int | None = None) -> Tensor:
    """Samples from the Gumbel-softmax distribution: ``softmax((logits + g) / tau)`` with Gumbel noise ``g``.

    Args:
        logits: unnormalised log-probabilities.
        tau: the temperature (positive).
        hard: return one-hot vectors in the forward whose gradient is that of the soft sample
            (the straight-through estimator).
        eps: unused; kept for PyTorch compatibility.
        dim: the class dim (default -1; ``axis=`` is the NumPy spelling).

    Examples:
        >>> import lucid
        >>> y = lucid.nn.functional.gumbel_softmax(lucid.zeros(2, 3), hard=True)
        >>> y.sum(dim=-1).tolist()
        [1.0, 1.0]
    """
    import lucid.random as _random
    from lucid.ops._util import normalize_dim, reduce_axis_arg

    _check(logits, "gumbel_softmax")
    t = _number(tau, "tau", "gumbel_softmax")
    if not t > 0:
        raise ValueError(f"gumbel_softmax: tau must be positive, got {t}")
    d = normalize_dim(reduce_axis_arg(axis, dim, "gumbel_softmax", -1), logits.ndim, "gumbel_softmax")
    # -log(E) with E ~ Exp(1), as -log(-log(U)) for U uniform in (0, 1).
    u = _random.uniform(0.0, 1.0, size=logits.shape, dtype=logits.dtype, device=logits.device)._data
    tiny = mx.array(_TINY.get(u.dtype, 1e-30), dtype=u.dtype)
    # The noise needs no gradient: raw arrays, one fused pass, no tape nodes.
    gumbel = Tensor._make(_gumbel_noise(u, tiny), logits._device)
    z = logits + gumbel
    y = softmax(z if t == 1 else z / t, d)
    if not hard:
        return y
    index = y.detach().argmax(dim=d, keepdim=True)
    from lucid.ops.creation import arange

    shape = [1] * y.ndim
    shape[d] = y.shape[d]
    onehot = (arange(y.shape[d], device=y.device).reshape(shape) == index).astype(y.dtype)
    return onehot - y.detach() + y


def relu_(input: Tensor) -> Tensor:
    """In-place :func:`relu` (the result is bound to ``input``).

    Examples:
        >>> import lucid
        >>> x = lucid.tensor([-1.0, 2.0])
        >>> _ = lucid.nn.functional.relu_(x)
        >>> x.tolist()
        [0.0, 2.0]
    """
    return relu(input, inplace=True)


def elu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    """In-place :func:`elu`.

    Examples:
        >>> import lucid
        >>> lucid.nn.functional.elu_(lucid.tensor([1.0])).tolist()
        [1.0]
    """
    return elu(input, alpha, inplace=True)


def celu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    """In-place :func:`celu`.

    Examples:
        >>> import lucid
        >>> lucid.nn.functional.celu_(lucid.tensor([1.0])).tolist()
        [1.0]
    """
    return celu(input, alpha, inplace=True)


def selu_(input: Tensor) -> Tensor:
    """In-place :func:`selu`.

    Examples:
        >>> import lucid
        >>> lucid.nn.functional.selu_(lucid.tensor([0.0])).tolist()
        [0.0]
    """
    return selu(input, inplace=True)


def leaky_relu_(input: Tensor, negative_slope: float = 0.01) -> Tensor:
    """In-place :func:`leaky_relu`.

    Examples:
        >>> import lucid
        >>> lucid.nn.functional.leaky_relu_(lucid.tensor([-2.0]), 0.5).tolist()
        [-1.0]
    """
    return leaky_relu(input, negative_slope, inplace=True)


def hardtanh_(input: Tensor, min_val: float = -1.0, max_val: float = 1.0) -> Tensor:
    """In-place :func:`hardtanh`.

    Examples:
        >>> import lucid
        >>> lucid.nn.functional.hardtanh_(lucid.tensor([-2.0, 2.0])).tolist()
        [-1.0, 1.0]
    """
    return hardtanh(input, min_val, max_val, inplace=True)


def threshold_(input: Tensor, threshold_: float, value: float) -> Tensor:
    """In-place :func:`threshold`.

    Examples:
        >>> import lucid
        >>> lucid.nn.functional.threshold_(lucid.tensor([0.5, 2.0]), 1.0, 0.0).tolist()
        [0.0, 2.0]
    """
    return threshold(input, threshold_, value, inplace=True)


def rrelu_(input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3, training: bool = False) -> Tensor:
    """In-place :func:`rrelu`.

    Examples:
        >>> import lucid
        >>> lucid.nn.functional.rrelu_(lucid.tensor([-1.0, 1.0]), 0.5, 0.5).tolist()
        [-0.5, 1.0]
    """
    return rrelu(input, lower, upper, training, inplace=True)


# -- Tensor methods ------------------------------------------------------------------
# PyTorch's Tensor has these activation methods (``x.relu()``, ``x.softmax(dim)``); they are the
# functions above with ``self`` as ``input``. ``sigmoid``/``tanh`` (and their in-place forms) and
# ``logit`` are elementwise ops registered in ``lucid.ops``.

def _relu_method(self: Tensor) -> Tensor:
    """``relu(self)``: ``max(x, 0)`` elementwise (the gradient at 0 is 0).

    Examples:
        >>> import lucid
        >>> lucid.tensor([-1.0, 2.0]).relu().tolist()
        [0.0, 2.0]
    """
    return relu(self)


def _relu_inplace_method(self: Tensor) -> Tensor:
    """``relu`` in place: rebinds ``self`` to ``max(self, 0)``, bumps its version and returns it.

    Examples:
        >>> import lucid
        >>> x = lucid.tensor([-1.0, 2.0])
        >>> x.relu_() is x, x.tolist()
        (True, [0.0, 2.0])
    """
    return relu(self, inplace=True)


def _softmax_method(self: Tensor, dim: int | None = None, dtype=None, *, axis: int | None = None) -> Tensor:
    """``softmax(self, dim, dtype)`` (see :func:`lucid.nn.functional.softmax`).

    Examples:
        >>> import lucid
        >>> lucid.tensor([[0.0, 0.0]]).softmax(1).tolist()
        [[0.5, 0.5]]
    """
    return softmax(self, dim, dtype, axis=axis)


def _log_softmax_method(self: Tensor, dim: int | None = None, dtype=None, *, axis: int | None = None) -> Tensor:
    """``log_softmax(self, dim, dtype)`` (see :func:`lucid.nn.functional.log_softmax`).

    Examples:
        >>> import lucid
        >>> [round(v, 4) for v in lucid.tensor([0.0, 0.0]).log_softmax(0).tolist()]
        [-0.6931, -0.6931]
    """
    return log_softmax(self, dim, dtype, axis=axis)


def _hardshrink_method(self: Tensor, lambd: float = 0.5) -> Tensor:
    """``hardshrink(self, lambd)``: ``x`` where ``|x| > lambd``, else 0.

    Examples:
        >>> import lucid
        >>> lucid.tensor([-1.0, 0.2, 0.7]).hardshrink().tolist()
        [-1.0, 0.0, 0.699999988079071]
    """
    return hardshrink(self, lambd)


def _register_methods() -> None:
    from lucid.ops._registry import register_method

    for name, fn in (("relu", _relu_method), ("relu_", _relu_inplace_method), ("softmax", _softmax_method),
                     ("log_softmax", _log_softmax_method), ("hardshrink", _hardshrink_method)):
        fn.__name__ = fn.__qualname__ = name
        register_method(name, fn, __name__)


_register_methods()
