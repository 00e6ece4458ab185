"""Building blocks shared by the ``lucid.nn`` families: one home for each helper.

The module is package-internal (the leading underscore of its name): nothing
here is user API, and ``lucid.nn.functional`` does not re-export it. Its own
names have no underscore because the functional families (``activation``,
``conv``, ``pooling``, ``normalization``, ``dropout``, ``loss``, ``vision``) and
the layers in ``lucid.nn.modules`` import them.

* argument checks: :func:`is_int`, :func:`ntuple`, :func:`check_tensor`,
  :func:`check_layer_input`, :func:`check_p`, :func:`check_reduction`,
  :func:`check_normalized_shape`, :func:`check_lookup`;
* channels-last views: :func:`to_last`, :func:`to_first` (defined in ``lucid._backend.layout``),
  :func:`on_channels_last`;
* fusion: :func:`fused` (one compiled kernel for a chain of elementwise ops; defined in
  ``lucid._backend.fusion`` so that ``lucid.ops`` uses it too);
* windows: :func:`windows` (sliding windows as one strided view) and
  :class:`LinearMap` (a ``Function`` for any map that is linear in its input);
* float64-accurate array maths: :func:`exp`, :func:`sigmoid`, :func:`softplus`,
  :func:`logsumexp`, :func:`softmax`, :func:`log_softmax`.

Examples:
    >>> from lucid.nn.functional._kernels import ntuple
    >>> ntuple(3, 2, "kernel_size", "conv2d")
    (3, 3)
"""

from __future__ import annotations

import math
import numbers

import mlx.core as mx

from lucid._backend import reductions
from lucid._backend.dtypes import INTEGER_MX
from lucid._backend.fusion import fused
from lucid._backend.layout import to_first, to_last
from lucid._tensor import Tensor
from lucid.autograd.function import Function

__all__ = [
    "SPATIAL", "is_int", "ntuple", "check_tensor", "check_layer_input", "check_spatial_input", "check_p",
    "check_reduction", "check_normalized_shape", "check_lookup",
    "to_last", "to_first", "on_channels_last", "fused", "windows", "LinearMap",
    "exp", "sigmoid", "softplus", "logsumexp", "softmax", "log_softmax",
]

#: The spatial axes of a ``(N, C, *spatial)`` input with 1, 2 or 3 spatial dimensions, for error messages.
SPATIAL = {1: "L", 2: "H, W", 3: "D, H, W"}


# -- argument checks ---------------------------------------------------------------------------
def is_int(v) -> bool:
    """Whether ``v`` is an integer (a Python or NumPy int, not a bool)."""
    t = type(v)
    if t is int:  # the common case first: the ABC check below costs ten times more
        return True
    return t is not bool and isinstance(v, numbers.Integral)


def ntuple(value, n: int, name: str, op: str, minimum: int | None = None) -> tuple:
    """Turn an int or a sequence of ``n`` (or 1) ints into an ``n``-tuple, checking the type and ``minimum``.

    Raises:
        TypeError: ``value`` is not an int or a sequence of ints.
        ValueError: a sequence of the wrong length, or an entry below ``minimum``.

    Examples:
        >>> from lucid.nn.functional._kernels import ntuple
        >>> ntuple([2], 3, "stride", "conv3d")
        (2, 2, 2)
    """
    if type(value) is tuple and len(value) == n and all(type(v) is int for v in value):
        out = value  # already normalized (what the layers store): the per-call fast path
    elif is_int(value):
        out = (int(value),) * n
    elif isinstance(value, (tuple, list)) and all(is_int(v) for v in value):
        if len(value) == n:
            out = tuple(int(v) for v in value)
        elif len(value) == 1:
            out = (int(value[0]),) * n
        else:
            raise ValueError(f"{op}: {name} must be an int or a tuple of {n} ints, got {tuple(value)}")
    else:
        raise TypeError(f"{op}: {name} must be an int or a tuple of {n} ints, got {value!r}")
    if minimum is not None and any(v < minimum for v in out):
        raise ValueError(f"{op}: {name} must be >= {minimum}, got {value!r}")
    return out


def check_tensor(x, name: str, op: str) -> None:
    """Raise ``TypeError`` unless ``x`` is a lucid Tensor (``name`` and ``op`` go into the message)."""
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}: {name} must be a lucid Tensor, got {type(x).__name__}")


def check_layer_input(layer, input) -> None:
    """Raise ``TypeError`` unless a layer's ``input`` is a lucid Tensor (the message names the layer's class)."""
    if not isinstance(input, Tensor):
        raise TypeError(f"{type(layer).__name__} expects a lucid Tensor, got {type(input).__name__}")


def check_spatial_input(layer, input, nd: int) -> None:
    """Check that a layer's ``input`` is a Tensor ``(N, C, *spatial)`` or ``(C, *spatial)`` with ``nd`` spatial dims.

    Raises:
        TypeError: ``input`` is not a lucid Tensor.
        ValueError: ``input`` has neither ``nd + 1`` nor ``nd + 2`` dims.
    """
    check_layer_input(layer, input)
    if input.ndim not in (nd + 1, nd + 2):
        raise ValueError(f"{type(layer).__name__} expected input of shape (N, C, {SPATIAL[nd]}) or "
                         f"(C, {SPATIAL[nd]}), got {input.shape}")


def check_p(p, op: str, name: str = "p") -> float:
    """A dropout probability as a float in ``[0, 1]``.

    Raises:
        TypeError: ``p`` is not a number.
        ValueError: ``p`` is outside ``[0, 1]``.
    """
    if isinstance(p, bool) or not isinstance(p, (int, float)):
        raise TypeError(f"{op}: {name} must be a number in [0, 1], got {type(p).__name__}")
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"{op}: dropout probability has to be between 0 and 1, but got {name}={p}")
    return float(p)


def check_reduction(reduction, op: str, extra: tuple = ()) -> str:
    """A loss reduction: ``'mean'``, ``'sum'``, ``'none'`` or one of ``extra``; ``ValueError`` otherwise."""
    if reduction not in ("mean", "sum", "none") + extra:
        allowed = ", ".join(repr(r) for r in ("mean", "sum", "none") + extra)
        raise ValueError(f"{op}: reduction must be one of {allowed}, got {reduction!r}")
    return reduction


def check_lookup(input, weight, op: str) -> None:
    """Check an embedding lookup's operands: a Tensor of integer indices ``input`` and a 2-D Tensor ``weight``.

    Raises:
        TypeError: either is not a lucid Tensor, or ``input`` is not an integer tensor.
        ValueError: ``weight`` is not 2-D.
    """
    if not isinstance(input, Tensor) or not isinstance(weight, Tensor):
        raise TypeError(f"{op}: input and weight must be lucid Tensors, got {type(input).__name__} and "
                        f"{type(weight).__name__}")
    if input._data.dtype not in INTEGER_MX:
        raise TypeError(f"{op}: input must hold integer indices, got {input.dtype} (use input.long())")
    if weight.ndim != 2:
        raise ValueError(f"{op}: weight must be 2-D (num_embeddings, embedding_dim), got shape {weight.shape}")


def check_normalized_shape(value, op: str) -> tuple:
    """A layer/RMS norm's ``normalized_shape`` (an int or a sequence of ints) as a tuple; ``TypeError`` otherwise."""
    if is_int(value):
        return (int(value),)
    if isinstance(value, (tuple, list)) and all(is_int(s) for s in value):
        return tuple(int(s) for s in value)
    raise TypeError(f"{op}: normalized_shape must be an int or a tuple of ints, got {value!r}")


# -- channels-last views -----------------------------------------------------------------------
# MLX convolves channels-last arrays: (N, *S, C). A channels-first array is handed over as a
# channels-last *view* (``mx.moveaxis``) and results come back as channels-first views of MLX's
# channels-last output, so no transpose is ever copied: the memory stays channels-last and the next
# layer (batch norm, pooling, activations, the next convolution) reads it through the inverse view
# at no cost (PyTorch's "channels_last" format). ``to_last``/``to_first`` live in
# ``lucid._backend.layout``, which records the views so that arithmetic on them keeps the layout.
def on_channels_last(kernel, *arrays):
    """``kernel(*arrays)`` computed on channels-last views of 4-D and 5-D arrays.

    Image-shaped activations live in channels-last memory (convolution, batch
    norm and pooling outputs are channels-first views of it), and a kernel
    with two or more array inputs runs at full speed only on row-contiguous
    inputs: the views ``(N, *S, C)`` are exactly that. 0-d arrays pass
    unchanged; a tuple result comes back as a tuple of channels-first views.
    """
    if arrays[0].ndim < 4:
        return kernel(*arrays)
    out = kernel(*[a if a.ndim == 0 else to_last(a) for a in arrays])
    return tuple(to_first(o) for o in out) if type(out) is tuple else to_first(out)


# -- windows and linear maps -------------------------------------------------------------------
def windows(xp: mx.array, kernel: tuple, stride: tuple, dilation: tuple, out: tuple) -> mx.array:
    """Sliding windows over the last ``len(kernel)`` dims of ``xp``, shaped ``(*lead, *out, *kernel)``.

    Window ``o`` along a dimension starts at ``o * stride`` and takes every
    ``dilation``-th element. They are read through one ``mx.as_strided`` view,
    whose VJP is a scatter-add, so the windows are differentiable.
    """
    # NOTE: the view is copied at once: MLX 0.32's reductions read an overlapping as_strided view
    # wrongly (and can corrupt memory), so nothing may consume it directly.
    shape = xp.shape
    nd = len(kernel)
    elem = [1] * len(shape)
    for i in range(len(shape) - 2, -1, -1):
        elem[i] = elem[i + 1] * shape[i + 1]
    sp = elem[-nd:]
    strides = elem[:-nd] + [s * e for s, e in zip(stride, sp)] + [d * e for d, e in zip(dilation, sp)]
    return mx.contiguous(mx.as_strided(xp, tuple(shape[:-nd]) + tuple(out) + tuple(kernel), strides))


class LinearMap(Function):
    """``fn(x)`` for a function ``fn`` of one ``mx.array`` that is linear in it.

    The backward is ``mx.vjp(fn)`` at the saved input; for a linear map it does
    not depend on the input's values. Used by pooling, interpolation, unfold,
    fold and pixel shuffle, which are all linear.
    """

    @staticmethod
    def forward(ctx, x, fn):
        ctx.map = fn
        ctx.save_for_backward(x)
        return fn(x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return mx.vjp(ctx.map, [x], [g])[1][0], None


# -- float64-accurate array maths --------------------------------------------------------------
# MLX's CPU kernels for exp, sigmoid, logaddexp, logsumexp and softmax compute float64 inputs only
# to float32 accuracy (exp(1.0) = 2.7182817...), which would make float64 finite-difference checks
# meaningless. power, log, log1p, expm1 and tanh are exact, so the float64 paths below use those;
# other dtypes take MLX's own kernels unchanged.
def exp(x: mx.array) -> mx.array:
    """``e ** x``, exact in float64."""
    return mx.power(math.e, x) if x.dtype == mx.float64 else mx.exp(x)


def sigmoid(x: mx.array) -> mx.array:
    """``1 / (1 + exp(-x))``, exact in float64."""
    if x.dtype != mx.float64:
        return mx.sigmoid(x)
    e = exp(-mx.abs(x))
    return mx.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def softplus(x: mx.array) -> mx.array:
    """``log(1 + exp(x))`` without overflow, exact in float64."""
    if x.dtype != mx.float64:
        return mx.logaddexp(x, 0.0)
    return mx.maximum(x, 0.0) + mx.log1p(exp(-mx.abs(x)))


def logsumexp(x: mx.array, axis: int) -> mx.array:
    """Max-subtracted ``log(sum(exp(x)))`` over ``axis``, keeping the axis; exact in float64."""
    if x.dtype != mx.float64 or x.size == 0:
        return reductions.logsumexp(x, axis=axis, keepdims=True)
    m = mx.stop_gradient(mx.max(x, axis=axis, keepdims=True))
    # NOTE: a slice of all -inf gives -inf (not NaN), as in PyTorch.
    m = mx.where(mx.isinf(m), 0.0, m)
    return m + mx.log(reductions.sum(exp(x - m), axis=axis, keepdims=True))


def softmax(x: mx.array, axis: int) -> mx.array:
    """``exp(x) / sum(exp(x))`` along ``axis``, max-subtracted; exact in float64."""
    if x.dtype != mx.float64:
        return mx.softmax(x, axis=axis, precise=True)
    e = exp(x - mx.max(x, axis=axis, keepdims=True))
    return e / reductions.sum(e, axis=axis, keepdims=True)


def log_softmax(x: mx.array, axis: int) -> mx.array:
    """``x - logsumexp(x)`` along ``axis``."""
    return x - logsumexp(x, axis)
