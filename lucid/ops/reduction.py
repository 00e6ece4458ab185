"""Reductions: sums and means, spreads, products, extremes, ``logsumexp``, scans and logic.

Every reduction takes NumPy's ``axis=``/``keepdims=`` or PyTorch's
``dim=``/``keepdim=``; an axis may be negative or a tuple of axes; no axis (or
an empty tuple, as in PyTorch) reduces every element. Norms live in
``lucid.linalg`` (``lucid.norm`` included).
"""

from __future__ import annotations

import math
import numbers
from collections import namedtuple

import mlx.core as mx

from lucid._backend import reductions
from lucid._backend.dtypes import BOOL_OR_INTEGER_MX, FLOATING_MX
from lucid._tensor import Tensor
from lucid.autograd.function import Function
from lucid.ops._autocast import autocast_inputs
from lucid.ops._registry import export, register
from lucid.ops._util import (
    check_nonempty,
    even_split_grad,
    expand_back,
    function_class,
    normalize_dim,
    numel,
    reduce_axis_arg,
    reduce_keepdims_arg,
    reduction_axes,
    to_tensor,
)
from lucid.ops.arithmetic import maximum, minimum
from lucid.ops.shape import Clone

_builtin_max = max

# ``torch.return_types``-like results: tuples that also name their fields.
MaxResult = namedtuple("max", ["values", "indices"])
MinResult = namedtuple("min", ["values", "indices"])
MedianResult = namedtuple("median", ["values", "indices"])

# Summed and multiplied in int64 (PyTorch's rule); int64 and uint64 stay as they are.
_INTS_TO_INT64 = BOOL_OR_INTEGER_MX - {mx.int64, mx.uint64}


def _accumulation_input(input: Tensor, dtype) -> Tensor:
    """``input`` in ``dtype`` when given, else with bool and narrow ints widened to int64 (PyTorch's rule)."""
    if dtype is not None:
        return input.astype(dtype)
    if input._data.dtype in _INTS_TO_INT64:
        return Tensor._make(input._data.astype(mx.int64), input._device)
    return input


def _accumulate(fn_cls, input, axis, keepdims, dim, keepdim, dtype, op: str, autocast: bool = False) -> Tensor:
    """``sum`` or ``prod`` (``fn_cls``) over the axes, accumulated as :func:`_accumulation_input` says.

    With ``autocast``, float inputs follow the autocast policy first.
    """
    input = to_tensor(input, op)
    axes = reduction_axes(input, axis, dim, op)
    if autocast and dtype is None and input._data.dtype not in _INTS_TO_INT64:
        input = autocast_inputs(input)
    return fn_cls.apply(_accumulation_input(input, dtype), axes, reduce_keepdims_arg(keepdims, keepdim))


def _one_axis(input: Tensor, axis, dim, op: str) -> int:
    """A single axis (for ops that reduce exactly one, e.g. ``max(x, dim)``); 0-d inputs accept 0 and -1."""
    return normalize_dim(reduce_axis_arg(axis, dim, op), input._data.ndim, op, "axis")


# -- sum, mean, var, std ----------------------------------------------------
def _sum_rule(name: str, reduce, divide: bool) -> type:
    """``Sum``, or with ``divide`` ``Mean``: the gradient is ``g`` (over the count) spread back over the axes."""
    def fwd(ctx, a, axes, keepdims):
        ctx.meta = (a.shape, axes, keepdims)
        return reduce(a, axis=axes, keepdims=keepdims)

    def bwd(ctx, g):
        shape, axes, keepdims = ctx.meta
        if divide:
            g = g / _builtin_max(numel(shape, axes), 1)
        return expand_back(g, shape, axes, keepdims), None, None

    return function_class(name, fwd, bwd, module=__name__)


Sum = _sum_rule("Sum", reductions.sum, divide=False)
Mean = _sum_rule("Mean", reductions.mean, divide=True)


class Var(Function):
    """Variance (or, with ``root=True``, standard deviation) with a ``correction`` to the divisor."""

    @staticmethod
    def forward(ctx, a, axes, correction, keepdims, root):
        # NOTE: with N - correction <= 0 the divisor is 0, giving inf or nan (as in PyTorch).
        den = float(_builtin_max(numel(a.shape, axes) - correction, 0))
        d = a - reductions.mean(a, axis=axes, keepdims=True)
        out = mx.divide(reductions.sum(d * d, axis=axes, keepdims=keepdims), den)
        if root:
            out = mx.sqrt(out)
        ctx.meta = (a.shape, axes, keepdims, den, root)
        ctx.save_for_backward(d, out)
        return out

    @staticmethod
    def backward(ctx, g):
        d, out = ctx.saved_tensors
        shape, axes, keepdims, den, root = ctx.meta
        if root:
            # NOTE: d std / dx = (x - mean) / ((N - c) std); where std == 0 this is nan, as in PyTorch.
            g = g / out
            scale = 1.0 / den if den else math.inf
        else:
            scale = 2.0 / den if den else math.inf
        return expand_back(g, shape, axes, keepdims) * d * scale, None, None, None, None


@register(method=True)
def sum(input: Tensor, axis=None, keepdims: bool = False, *, dim=None, keepdim: bool = False, dtype=None) -> Tensor:
    """Sum over ``axis`` (``dim``); all elements when omitted.

    Integer and bool inputs are summed in int64 (PyTorch's rule); an empty
    reduction gives zeros.

    Args:
        input: the tensor.
        axis: an int or tuple of ints (negative counts from the end); ``dim`` is the PyTorch spelling.
        keepdims: keep reduced axes as size 1; ``keepdim`` is the PyTorch spelling.
        dtype: accumulate and return in this dtype.

    Returns:
        Tensor: the sums.

    Raises:
        ValueError: an axis is out of range.

    Examples:
        >>> import lucid
        >>> lucid.sum(lucid.tensor([[1, 2], [3, 4]]), dim=1).tolist()
        [3, 7]
    """
    return _accumulate(Sum, input, axis, keepdims, dim, keepdim, dtype, "sum", autocast=True)


@register(method=True)
def mean(input: Tensor, axis=None, keepdims: bool = False, *, dim=None, keepdim: bool = False, dtype=None) -> Tensor:
    """Arithmetic mean over ``axis`` (``dim``); all elements when omitted.

    The mean of an empty reduction is nan (as in NumPy and PyTorch).

    Args:
        input: the tensor.
        axis: an int or tuple of ints; ``dim`` is the PyTorch spelling.
        keepdims: keep reduced axes as size 1; ``keepdim`` is the PyTorch spelling.
        dtype: convert the input to this dtype first.

    Returns:
        Tensor: the means.

    Examples:
        >>> import lucid
        >>> lucid.mean(lucid.tensor([1.0, 2.0, 6.0])).item()
        3.0
    """
    input = to_tensor(input, "mean")
    axes = reduction_axes(input, axis, dim, "mean")
    if dtype is not None:
        input = input.astype(dtype)
    return Mean.apply(input, axes, reduce_keepdims_arg(keepdims, keepdim))


def _correction(correction, unbiased, ddof, op: str) -> float:
    given = [c for c in (correction, unbiased, ddof) if c is not None]
    if len(given) > 1:
        raise TypeError(f"{op}: pass only one of correction=, unbiased= and ddof=")
    if unbiased is not None:
        if not isinstance(unbiased, bool):
            raise TypeError(f"{op}: unbiased must be a bool, got {unbiased!r}")
        return 1.0 if unbiased else 0.0
    c = correction if correction is not None else ddof
    if c is None:
        return 1.0
    if isinstance(c, bool) or not isinstance(c, numbers.Real):
        raise TypeError(f"{op}: correction must be a number, got {c!r}")
    return float(c)


def _var(input, axis, unbiased, keepdims, dim, correction, keepdim, ddof, op, root):
    input = to_tensor(input, op)
    if isinstance(axis, bool) and unbiased is None:  # the legacy torch.var(x, unbiased) call
        axis, unbiased = None, axis
    axes = reduction_axes(input, axis, dim, op)
    c = _correction(correction, unbiased, ddof, op)
    if input._data.dtype not in FLOATING_MX:
        input = Tensor._make(input._data.astype(mx.float32), input._device)
    return Var.apply(input, axes, c, reduce_keepdims_arg(keepdims, keepdim), root)


@register(method=True)
def var(input: Tensor, axis=None, unbiased=None, keepdims: bool = False, *, dim=None, correction=None,
        keepdim: bool = False, ddof=None) -> Tensor:
    """Variance over ``axis`` (``dim``) with Bessel's correction by default.

    .. math:: \\mathrm{var}(x) = \\frac{1}{\\max(N - c, 0)} \\sum_i (x_i - \\bar{x})^2

    Args:
        input: the tensor (integers are converted to float32).
        axis: an int or tuple of ints; ``dim`` is the PyTorch spelling; all elements when omitted.
        unbiased: legacy PyTorch flag: ``True`` is ``correction=1``, ``False`` is ``correction=0``.
        keepdims: keep reduced axes as size 1; ``keepdim`` is the PyTorch spelling.
        correction: the ``c`` above (default 1, as in PyTorch); ``ddof`` is the NumPy spelling.

    Returns:
        Tensor: the variances; inf or nan where ``N - c <= 0``.

    Examples:
        >>> import lucid
        >>> lucid.var(lucid.tensor([1.0, 2.0, 3.0, 4.0])).item()
        1.6666666269302368
        >>> lucid.var(lucid.tensor([1.0, 2.0, 3.0, 4.0]), correction=0).item()
        1.25
    """
    return _var(input, axis, unbiased, keepdims, dim, correction, keepdim, ddof, "var", False)


@register(method=True)
def std(input: Tensor, axis=None, unbiased=None, keepdims: bool = False, *, dim=None, correction=None,
        keepdim: bool = False, ddof=None) -> Tensor:
    """Standard deviation: the square root of :func:`var` (same arguments, ``correction=1`` by default).

    Where the standard deviation is 0 its gradient is nan (as in PyTorch).

    Examples:
        >>> import lucid
        >>> lucid.std(lucid.tensor([2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0]), correction=0).item()
        2.0
    """
    return _var(input, axis, unbiased, keepdims, dim, correction, keepdim, ddof, "std", True)


@register()
def var_mean(input: Tensor, axis=None, unbiased=None, keepdims: bool = False, *, dim=None, correction=None,
             keepdim: bool = False) -> tuple:
    """``(var(input, ...), mean(input, ...))`` in one call (PyTorch's ``var_mean``).

    Examples:
        >>> import lucid
        >>> v, m = lucid.var_mean(lucid.tensor([1.0, 3.0]))
        >>> v.item(), m.item()
        (2.0, 2.0)
    """
    v = var(input, axis, unbiased, keepdims, dim=dim, correction=correction, keepdim=keepdim)
    return v, mean(input, axis, keepdims, dim=dim, keepdim=keepdim)


@register()
def std_mean(input: Tensor, axis=None, unbiased=None, keepdims: bool = False, *, dim=None, correction=None,
             keepdim: bool = False) -> tuple:
    """``(std(input, ...), mean(input, ...))`` in one call (PyTorch's ``std_mean``).

    Examples:
        >>> import lucid
        >>> s, m = lucid.std_mean(lucid.tensor([1.0, 3.0]), correction=0)
        >>> s.item(), m.item()
        (1.0, 2.0)
    """
    s = std(input, axis, unbiased, keepdims, dim=dim, correction=correction, keepdim=keepdim)
    return s, mean(input, axis, keepdims, dim=dim, keepdim=keepdim)


# -- prod -----------------------------------------------------------------
class Prod(Function):
    @staticmethod
    def forward(ctx, a, axes, keepdims):
        ctx.meta = (axes, keepdims)
        ctx.save_for_backward(a)
        return reductions.prod(a, axis=axes, keepdims=keepdims)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        axes, keepdims = ctx.meta
        # The product of all the *other* elements, from an exclusive scan from each side:
        # exact with zeros in the input (no division).
        if axes is not None and len(axes) == 1:
            ax = axes[0]
            others = mx.cumprod(a, axis=ax, inclusive=False) * mx.cumprod(a, axis=ax, reverse=True, inclusive=False)
        else:
            red = tuple(range(a.ndim)) if axes is None else axes
            keep = [i for i in range(a.ndim) if i not in red]
            perm = keep + list(red)
            at = mx.transpose(a, perm)
            flat = mx.reshape(at, at.shape[:len(keep)] + (-1,)) if at.size else mx.reshape(
                at, at.shape[:len(keep)] + (numel(a.shape, red),))
            others = mx.cumprod(flat, axis=-1, inclusive=False) * mx.cumprod(flat, axis=-1, reverse=True,
                                                                              inclusive=False)
            inv = [0] * a.ndim
            for i, p in enumerate(perm):
                inv[p] = i
            others = mx.transpose(mx.reshape(others, at.shape), inv)
        if others.dtype == mx.complex64:
            others = mx.conj(others)  # PyTorch's convention for complex inputs: g * conj(derivative)
        return expand_back(g, a.shape, axes, keepdims) * others, None, None


@register(method=True)
def prod(input: Tensor, axis=None, keepdims: bool = False, *, dim=None, keepdim: bool = False, dtype=None) -> Tensor:
    """Product over ``axis`` (``dim``); all elements when omitted.

    The gradient is exact with zeros in the input (it uses the product of the
    other elements, not ``out / x``). Integer and bool inputs give int64.

    Args:
        input: the tensor.
        axis: an int or tuple of ints (negative counts from the end); all elements when omitted;
            ``dim`` is the PyTorch spelling.
        keepdims: keep the reduced dimensions as size 1; ``keepdim`` is the PyTorch spelling.
        dtype: convert the input to this dtype first.

    Returns:
        Tensor: the products (1 for an empty reduction).

    Examples:
        >>> import lucid
        >>> lucid.prod(lucid.tensor([[1.0, 2.0], [3.0, 4.0]]), dim=0).tolist()
        [3.0, 8.0]
    """
    return _accumulate(Prod, input, axis, keepdims, dim, keepdim, dtype, "prod")


# -- extremes ---------------------------------------------------------------
# The value and the index reductions of each extreme ``kind``.
_EXTREMES = {"max": (mx.max, mx.argmax), "min": (mx.min, mx.argmin)}


class AMax(Function):
    # NOTE: ties split the gradient evenly between the tied elements (PyTorch's amax/amin and max()).
    @staticmethod
    def forward(ctx, a, axes, keepdims, kind):
        if kind != "median":
            out = _EXTREMES[kind][0](a, axis=axes, keepdims=keepdims)
        else:  # the median of all elements: the lower of the two middle values
            flat = mx.sort(mx.reshape(a, (-1,)))
            out = flat[(a.size - 1) // 2]
            if keepdims:
                out = mx.reshape(out, (1,) * a.ndim)
        ctx.meta = (axes, keepdims)
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx, g):
        a, out = ctx.saved_tensors
        return even_split_grad(g, a, out, *ctx.meta), None, None, None


class SelectDim(Function):
    """``(values, indices)`` of the max/min/median along one axis; the gradient goes to the returned index."""

    # NOTE: among ties the first index is returned (argmax/argsort order) and receives the whole gradient.
    @staticmethod
    def forward(ctx, a, axis, keepdims, kind):
        if kind != "median":
            idx = _EXTREMES[kind][1](a, axis=axis, keepdims=True)
        else:
            k = (a.shape[axis] - 1) // 2
            idx = mx.take(mx.argsort(a, axis=axis), mx.array([k]), axis=axis)
        vals = mx.take_along_axis(a, idx, axis=axis)
        ctx.meta = (axis, keepdims, a.shape)
        ctx.save_for_backward(idx)
        idx64 = idx.astype(mx.int64)
        if not keepdims:
            vals = mx.squeeze(vals, axis)
            idx64 = mx.squeeze(idx64, axis)
        return vals, idx64

    @staticmethod
    def backward(ctx, g, _gi):
        (idx,) = ctx.saved_tensors
        axis, keepdims, shape = ctx.meta
        if not keepdims:
            g = mx.expand_dims(g, axis)
        pos = mx.arange(shape[axis]).reshape([-1 if i == axis else 1 for i in range(len(shape))])
        return mx.where(pos == idx, g, mx.zeros((), dtype=g.dtype)), None, None, None


class ArgExtreme(Function):
    differentiable = False

    @staticmethod
    def forward(ctx, a, axis, keepdims, kind):
        arg = _EXTREMES[kind][1]
        if axis is None:
            out = arg(mx.reshape(a, (-1,)))
            if keepdims:
                out = mx.reshape(out, (1,) * a.ndim)
        else:
            out = arg(a, axis=axis, keepdims=keepdims)
        return out.astype(mx.int64)


def _extreme(input, dim, keepdim, axis, keepdims, kind, result_type):
    op = kind
    if isinstance(dim, Tensor):
        # torch.max(a, b): the elementwise form.
        if kind == "median":
            raise TypeError(f"median: dim must be an int, got {type(dim).__name__}")
        return (maximum if kind == "max" else minimum)(input, dim)
    input = to_tensor(input, op)
    keep = reduce_keepdims_arg(keepdims, keepdim)
    if dim is None and axis is None:
        check_nonempty(input, None, op)
        return AMax.apply(input, None, False, kind)
    ax = _one_axis(input, axis, dim, op)
    if input.ndim == 0:
        out = AMax.apply(input, None, False, kind)
        return result_type(out, Tensor._make(mx.zeros((), dtype=mx.int64), input._device))
    check_nonempty(input, (ax,), op)
    values, indices = SelectDim.apply(input, ax, keep, kind)
    return result_type(values, indices)


@register(method=True)
def max(input: Tensor, dim=None, keepdim: bool = False, *, axis=None, keepdims: bool = False):
    """The maximum: of all elements, or ``(values, indices)`` along ``dim``, or elementwise with a tensor.

    * ``max(x)`` is the largest element (a 0-d tensor); its gradient is split
      evenly between tied maxima.
    * ``max(x, dim)`` is a named tuple ``(values, indices)``; the gradient goes
      to the returned index, the first maximum among ties.
    * ``max(x, other)`` with a Tensor ``other`` is :func:`lucid.maximum`.

    NaN propagates (a NaN is the maximum).

    Args:
        input: the tensor.
        dim: the axis to reduce (an int), or a Tensor for the elementwise form; ``axis`` is the NumPy spelling.
        keepdim: keep the reduced axis as size 1; ``keepdims`` is the NumPy spelling.

    Returns:
        Tensor or MaxResult: the value, or ``(values, indices)`` with int64 indices.

    Raises:
        ValueError: the tensor (or the reduced axis) is empty, or ``dim`` is out of range.

    Examples:
        >>> import lucid
        >>> x = lucid.tensor([[1.0, 5.0], [7.0, 2.0]])
        >>> lucid.max(x).item()
        7.0
        >>> values, indices = lucid.max(x, dim=1)
        >>> values.tolist(), indices.tolist()
        ([5.0, 7.0], [1, 0])
    """
    return _extreme(input, dim, keepdim, axis, keepdims, "max", MaxResult)


@register(method=True)
def min(input: Tensor, dim=None, keepdim: bool = False, *, axis=None, keepdims: bool = False):
    """The minimum: of all elements, or ``(values, indices)`` along ``dim``, or elementwise with a tensor.

    The mirror image of :func:`max` (same arguments, ties and NaN rules).

    Examples:
        >>> import lucid
        >>> values, indices = lucid.min(lucid.tensor([[1.0, 5.0], [7.0, 2.0]]), 1)
        >>> values.tolist(), indices.tolist()
        ([1.0, 2.0], [0, 1])
    """
    return _extreme(input, dim, keepdim, axis, keepdims, "min", MinResult)


@register(method=True)
def median(input: Tensor, dim=None, keepdim: bool = False, *, axis=None, keepdims: bool = False):
    """The median: the lower of the two middle values for an even count (as in PyTorch, not NumPy).

    ``median(x)`` is a 0-d tensor (its gradient is split evenly between
    elements equal to it); ``median(x, dim)`` is a named tuple
    ``(values, indices)`` whose gradient goes to the returned index.

    Args:
        input: the tensor.
        dim: one int, or omitted for the median of all elements; ``axis`` is the NumPy spelling.
        keepdim: keep the reduced dimension as size 1; ``keepdims`` is the NumPy spelling.

    Returns:
        Tensor or MedianResult: the value, or ``(values, indices)`` with int64 indices.

    Examples:
        >>> import lucid
        >>> lucid.median(lucid.tensor([4.0, 1.0, 3.0, 2.0])).item()
        2.0
        >>> lucid.median(lucid.tensor([[1.0, 9.0, 5.0]]), dim=1).indices.tolist()
        [2]
    """
    # NOTE: NaNs sort last, so they are not propagated (unlike torch.median).
    return _extreme(input, dim, keepdim, axis, keepdims, "median", MedianResult)


def _amax(input, axis, keepdims, dim, keepdim, kind):
    input = to_tensor(input, "a" + kind)
    axes = reduction_axes(input, axis, dim, "a" + kind)
    check_nonempty(input, axes, "a" + kind)
    return AMax.apply(input, axes, reduce_keepdims_arg(keepdims, keepdim), kind)


@register(method=True)
def amax(input: Tensor, axis=None, keepdims: bool = False, *, dim=None, keepdim: bool = False) -> Tensor:
    """The maximum over ``axis`` (``dim``, an int or tuple; all when omitted); ties share the gradient evenly.

    Args:
        input: the tensor.
        axis: an int or tuple of ints (negative counts from the end); all elements when omitted;
            ``dim`` is the PyTorch spelling.
        keepdims: keep the reduced dimensions as size 1; ``keepdim`` is the PyTorch spelling.

    Raises:
        ValueError: the reduction is over an empty dimension (it has no identity).

    Examples:
        >>> import lucid
        >>> x = lucid.tensor([[1.0, 3.0], [3.0, 2.0]], requires_grad=True)
        >>> lucid.amax(x).backward()
        >>> x.grad.tolist()
        [[0.0, 0.5], [0.5, 0.0]]
    """
    return _amax(input, axis, keepdims, dim, keepdim, "max")


@register(method=True)
def amin(input: Tensor, axis=None, keepdims: bool = False, *, dim=None, keepdim: bool = False) -> Tensor:
    """The minimum over ``axis`` (``dim``, an int or tuple; all when omitted); ties share the gradient evenly.

    The mirror image of :func:`amax` (same arguments and errors).

    Examples:
        >>> import lucid
        >>> lucid.amin(lucid.tensor([[1.0, 3.0], [0.0, 2.0]]), dim=-1).tolist()
        [1.0, 0.0]
    """
    return _amax(input, axis, keepdims, dim, keepdim, "min")


def _arg(input, dim, keepdim, axis, keepdims, kind):
    op = "arg" + kind
    input = to_tensor(input, op)
    if input._data.dtype == mx.bool_:
        raise TypeError(f"{op}: not defined for bool tensors (as in PyTorch); convert with .long() or .float() first")
    a = reduce_axis_arg(axis, dim, op)
    if a is not None and input.ndim == 0:
        _one_axis(input, a, None, op)  # only checks: a 0-d tensor accepts dim 0 and -1
    ax = None if a is None or input.ndim == 0 else _one_axis(input, a, None, op)
    check_nonempty(input, None if ax is None else (ax,), op)
    return ArgExtreme.apply(input, ax, reduce_keepdims_arg(keepdims, keepdim), kind)


@register(method=True)
def argmax(input: Tensor, dim=None, keepdim: bool = False, *, axis=None, keepdims: bool = False) -> Tensor:
    """Index (int64) of the maximum along ``dim``, or into the flattened tensor; the first one among ties.

    Not differentiable.

    Args:
        input: the tensor.
        dim: one int; the flattened tensor when omitted; ``axis`` is the NumPy spelling.
        keepdim: keep the reduced dimension as size 1 (all dimensions when ``dim`` is omitted).

    Raises:
        TypeError: a bool tensor (as in PyTorch).
        ValueError: an empty reduction, or ``dim`` out of range.

    Examples:
        >>> import lucid
        >>> lucid.argmax(lucid.tensor([[1.0, 5.0], [7.0, 2.0]])).item()
        2
        >>> lucid.argmax(lucid.tensor([[1.0, 5.0], [7.0, 2.0]]), dim=1).tolist()
        [1, 0]
    """
    return _arg(input, dim, keepdim, axis, keepdims, "max")


@register(method=True)
def argmin(input: Tensor, dim=None, keepdim: bool = False, *, axis=None, keepdims: bool = False) -> Tensor:
    """Index (int64) of the minimum along ``dim``, or into the flattened tensor; the first one among ties.

    Same arguments as :func:`argmax`; not differentiable.

    Examples:
        >>> import lucid
        >>> lucid.argmin(lucid.tensor([3.0, 1.0, 1.0])).item()
        1
    """
    return _arg(input, dim, keepdim, axis, keepdims, "min")


# -- logsumexp ---------------------------------------------------------------
class LogSumExp(Function):
    @staticmethod
    def forward(ctx, a, axes, keepdims):
        ax = tuple(range(a.ndim)) if axes is None else axes
        # mx.logsumexp subtracts the maximum first, so 1e4 inputs do not overflow.
        out = reductions.logsumexp(a, axis=ax, keepdims=True)
        ctx.meta = (axes, keepdims)
        ctx.save_for_backward(a, out)
        return out if keepdims else mx.squeeze(out, ax)

    @staticmethod
    def backward(ctx, g):
        a, out = ctx.saved_tensors
        axes, keepdims = ctx.meta
        # NOTE: the gradient is softmax(a); where every input is -inf it is nan (as in PyTorch).
        return expand_back(g, a.shape, axes, keepdims) * mx.exp(a - out), None, None


@register(method=True)
def logsumexp(input: Tensor, dim=None, keepdim: bool = False, *, axis=None, keepdims: bool = False) -> Tensor:
    """``log(sum(exp(input)))`` over ``dim`` (an int or tuple; all when omitted), computed stably.

    .. math:: \\mathrm{logsumexp}(x) = m + \\log \\sum_i e^{x_i - m}, \\quad m = \\max_i x_i

    Large inputs do not overflow; an empty reduction gives ``-inf``; integer
    inputs are converted to float32. The gradient is the softmax of the input.

    Args:
        input: the tensor.
        dim: an int or tuple of ints (negative counts from the end); all elements when omitted;
            ``axis`` is the NumPy spelling.
        keepdim: keep the reduced dimensions as size 1; ``keepdims`` is the NumPy spelling.

    Returns:
        Tensor: the reduced values, in the input's floating dtype.

    Examples:
        >>> import lucid
        >>> lucid.logsumexp(lucid.tensor([10000.0, 10000.0])).item()
        10000.693359375
    """
    input = to_tensor(input, "logsumexp")
    axes = reduction_axes(input, axis, dim, "logsumexp")
    if input._data.dtype not in FLOATING_MX:
        input = Tensor._make(input._data.astype(mx.float32), input._device)
    return LogSumExp.apply(input, axes, reduce_keepdims_arg(keepdims, keepdim))


# -- scans -------------------------------------------------------------------
class CumSum(Function):
    @staticmethod
    def forward(ctx, a, axis):
        ctx.axis = axis
        return mx.cumsum(a, axis=axis)

    @staticmethod
    def backward(ctx, g):
        return mx.cumsum(g, axis=ctx.axis, reverse=True), None


class CumProd(Function):
    @staticmethod
    def forward(ctx, a, axis):
        out = mx.cumprod(a, axis=axis)
        ctx.axis = axis
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx, g):
        a, out = ctx.saved_tensors
        ax = ctx.axis
        # d out_k / d a_i = out_k / a_i for k >= i, so grad_i = revcumsum(g * out)_i / a_i where a_i != 0.
        # NOTE: at zeros that division is 0/0; there the gradient is recomputed exactly: for the first
        # zero along the axis, with that zero replaced by 1 in the products; for later zeros it is 0.
        zero = a == 0
        plain = mx.cumsum(g * out, axis=ax, reverse=True) / mx.where(zero, mx.array(1, a.dtype), a)
        first = zero & (mx.cumsum(zero.astype(mx.int32), axis=ax) == 1)
        out1 = mx.cumprod(mx.where(first, mx.array(1, a.dtype), a), axis=ax)
        at_first = mx.cumsum(g * out1, axis=ax, reverse=True)
        return mx.where(zero, mx.where(first, at_first, mx.array(0, g.dtype)), plain), None


def _scan(input, dim, dtype, axis, fn_cls, op):
    input = to_tensor(input, op)
    d = reduce_axis_arg(axis, dim, op)
    if d is None:
        raise TypeError(f"{op}: missing the dim argument (the axis to scan along)")
    ax = _one_axis(input, d, None, op)
    input = _accumulation_input(input, dtype)
    if input.ndim == 0:
        # A scan of a 0-d tensor is the tensor itself (PyTorch accepts dim 0 or -1 there).
        return Clone.apply(input)
    return fn_cls.apply(input, ax)


@register(method=True)
def cumsum(input: Tensor, dim=None, *, dtype=None, axis=None) -> Tensor:
    """Cumulative sum along ``dim`` (required; ``axis`` is the NumPy spelling).

    Integer and bool inputs give int64 unless ``dtype`` is given.

    Args:
        input: the tensor.
        dim: the dimension to scan along (negative counts from the end).
        dtype: convert the input to this dtype first.

    Raises:
        TypeError: ``dim`` is missing.

    Examples:
        >>> import lucid
        >>> lucid.cumsum(lucid.tensor([1, 2, 3]), dim=0).tolist()
        [1, 3, 6]
    """
    return _scan(input, dim, dtype, axis, CumSum, "cumsum")


@register(method=True)
def cumprod(input: Tensor, dim=None, *, dtype=None, axis=None) -> Tensor:
    """Cumulative product along ``dim`` (required; ``axis`` is the NumPy spelling).

    The gradient is exact, zeros in the input included. Arguments as :func:`cumsum`.

    Examples:
        >>> import lucid
        >>> lucid.cumprod(lucid.tensor([1.0, 2.0, 3.0]), dim=0).tolist()
        [1.0, 2.0, 6.0]
    """
    return _scan(input, dim, dtype, axis, CumProd, "cumprod")


# -- logic and counting ------------------------------------------------------
class _Logical(Function):
    differentiable = False

    @staticmethod
    def forward(ctx, a, axes, keepdims, is_all):
        if a.dtype != mx.bool_:
            a = a != 0
        reduce = reductions.all if is_all else reductions.any
        return reduce(a, axis=axes, keepdims=keepdims)


def _logical(input, dim, keepdim, axis, keepdims, op: str) -> Tensor:
    input = to_tensor(input, op)
    axes = reduction_axes(input, axis, dim, op)
    return _Logical.apply(input, axes, reduce_keepdims_arg(keepdims, keepdim), op == "all")


@register(method=True)
def all(input: Tensor, dim=None, keepdim: bool = False, *, axis=None, keepdims: bool = False) -> Tensor:
    """True where every element over ``dim`` (an int or tuple; all when omitted) is nonzero; bool result.

    Not differentiable; an empty reduction gives True.

    Args:
        input: the tensor.
        dim: an int or tuple of ints (negative counts from the end); all elements when omitted;
            ``axis`` is the NumPy spelling.
        keepdim: keep the reduced dimensions as size 1; ``keepdims`` is the NumPy spelling.

    Examples:
        >>> import lucid
        >>> lucid.all(lucid.tensor([[1, 0], [1, 1]]), dim=1).tolist()
        [False, True]
    """
    return _logical(input, dim, keepdim, axis, keepdims, "all")


@register(method=True)
def any(input: Tensor, dim=None, keepdim: bool = False, *, axis=None, keepdims: bool = False) -> Tensor:
    """True where some element over ``dim`` (an int or tuple; all when omitted) is nonzero; bool result.

    Not differentiable; an empty reduction gives False. Arguments as :func:`all`.

    Examples:
        >>> import lucid
        >>> lucid.any(lucid.tensor([[0.0, 0.0], [0.0, 2.0]]), dim=1).tolist()
        [False, True]
    """
    return _logical(input, dim, keepdim, axis, keepdims, "any")


class _CountNonzero(Function):
    differentiable = False

    @staticmethod
    def forward(ctx, a, axes):
        return reductions.sum(a != 0, axis=axes).astype(mx.int64)


@register(method=True)
def count_nonzero(input: Tensor, dim=None, *, axis=None) -> Tensor:
    """Number (int64) of nonzero elements over ``dim`` (an int or tuple; all when omitted).

    Args:
        input: the tensor.
        dim: an int or tuple of ints; ``axis`` is the NumPy spelling.

    Examples:
        >>> import lucid
        >>> lucid.count_nonzero(lucid.tensor([[0, 1], [2, 3]]), dim=0).tolist()
        [1, 2]
    """
    input = to_tensor(input, "count_nonzero")
    return _CountNonzero.apply(input, reduction_axes(input, axis, dim, "count_nonzero"))


__all__ = export(__name__)
