"""Numerical calculus: ``gradient``, ``trapezoid`` (``trapz``), ``cumulative_trapezoid`` and ``logcumsumexp``.

``gradient`` and the trapezoid rules are compositions of slices and
arithmetic, so their gradients come from those ops; ``logcumsumexp`` is one
Function with a stable backward.
"""

from __future__ import annotations

import numbers

import mlx.core as mx

from lucid._backend.dtypes import FLOATING_MX, REAL_FLOATING_MX, get_default_dtype
from lucid._tensor import Tensor
from lucid.autograd.function import Function
from lucid.ops import reduction as _red
from lucid.ops import shape as _sh
from lucid.ops._registry import export, register
from lucid.ops._util import check_int, normalize_dim, reduce_axis_arg, to_tensor


def _as_float(x: Tensor) -> Tensor:
    return x if x._data.dtype in FLOATING_MX else x.to(get_default_dtype())


def _slice(x: Tensor, ax: int, start, stop) -> Tensor:
    return x[(slice(None),) * ax + (slice(start, stop),)]


def _along(v: Tensor, ax: int, ndim: int) -> Tensor:
    """A 1-D tensor shaped to broadcast along axis ``ax`` of an ``ndim``-D tensor."""
    shape = [1] * ndim
    shape[ax] = -1
    return v.reshape(tuple(shape))


# -- gradient ---------------------------------------------------------------------
def _spacings(spacing, dims: tuple, x: Tensor) -> list:
    if isinstance(spacing, (list, tuple)):
        items = list(spacing)
        if len(items) == 1 and len(dims) > 1 and isinstance(items[0], numbers.Number):
            items = items * len(dims)
    else:
        items = [spacing] * len(dims)
    if len(items) != len(dims):
        raise ValueError(f"gradient: spacing has {len(items)} entries for {len(dims)} dims {list(dims)}; "
                         "give one scalar, or one scalar or 1-D coordinate tensor per dim")
    out = []
    for s, ax in zip(items, dims):
        if isinstance(s, Tensor) and s.ndim == 0:
            out.append(_as_float(s).to(x.dtype))  # a uniform spacing held in a tensor: no sync
            continue
        if isinstance(s, bool) or not isinstance(s, (numbers.Real, Tensor)):
            raise TypeError(f"gradient: each spacing must be a real number or a 1-D tensor, got {type(s).__name__}")
        if isinstance(s, Tensor):
            if s.ndim != 1 or s.shape[0] != x.shape[ax]:
                raise ValueError(f"gradient: the coordinates for dim {ax} must be a 1-D tensor of length "
                                 f"{x.shape[ax]}, got shape {s.shape}")
            s = _as_float(s).to(x.dtype)
        out.append(s)
    return out


def _gradient_uniform(f: Tensor, ax: int, h, edge_order: int) -> Tensor:
    def sl(a, b):
        return _slice(f, ax, a, b)

    interior = (sl(2, None) - sl(None, -2)) / (2 * h)
    if edge_order == 1:
        first = (sl(1, 2) - sl(0, 1)) / h
        last = (sl(-1, None) - sl(-2, -1)) / h
    else:
        first = (-1.5 * sl(0, 1) + 2 * sl(1, 2) - 0.5 * sl(2, 3)) / h
        last = (0.5 * sl(-3, -2) - 2 * sl(-2, -1) + 1.5 * sl(-1, None)) / h
    return _sh.concatenate([first, interior, last], dim=ax)


def _gradient_coords(f: Tensor, ax: int, c: Tensor, edge_order: int) -> Tensor:
    nd = f.ndim

    def sl(a, b):
        return _slice(f, ax, a, b)

    def co(v):
        return _along(v, ax, nd)

    dx = c[1:] - c[:-1]
    hd, hs = dx[:-1], dx[1:]
    interior = (co(-hs / (hd * (hd + hs))) * sl(None, -2) + co((hs - hd) / (hd * hs)) * sl(1, -1)
                + co(hd / (hs * (hd + hs))) * sl(2, None))
    if edge_order == 1:
        first = (sl(1, 2) - sl(0, 1)) / co(dx[0:1])
        last = (sl(-1, None) - sl(-2, -1)) / co(dx[-1:])
    else:
        d1, d2 = dx[0:1], dx[1:2]
        first = (co(-(2 * d1 + d2) / (d1 * (d1 + d2))) * sl(0, 1) + co((d1 + d2) / (d1 * d2)) * sl(1, 2)
                 + co(-d1 / (d2 * (d1 + d2))) * sl(2, 3))
        d1, d2 = dx[-2:-1], dx[-1:]
        last = (co(d2 / (d1 * (d1 + d2))) * sl(-3, -2) + co(-(d2 + d1) / (d1 * d2)) * sl(-2, -1)
                + co((2 * d2 + d1) / (d2 * (d1 + d2))) * sl(-1, None))
    return _sh.concatenate([first, interior, last], dim=ax)


@register()
def gradient(input: Tensor, *, spacing=1, dim=None, edge_order: int = 1, axis=None) -> tuple:
    """The derivative of sampled values by second-order central differences, one tensor per dim.

    Interior points use central differences (exact for quadratics); the two
    edges use one-sided differences of order ``edge_order``. ``spacing`` is a
    scalar (the same sample distance for every dim), one scalar per dim, or
    one 1-D tensor of coordinates per dim (unevenly spaced samples). The same
    formulas as ``numpy.gradient``; integer inputs give the default float dtype.

    Args:
        input: the samples.
        spacing: sample distance(s) or coordinates, as above.
        dim: an int or a list of ints (default: every dim); ``axis`` is the NumPy spelling.
        edge_order: 1 or 2.

    Returns:
        tuple: one tensor of ``input``'s shape per dim.

    Raises:
        ValueError: ``edge_order`` is not 1 or 2, a dim has fewer than ``edge_order + 1`` samples, or the
            spacing does not fit the dims.

    Examples:
        >>> import lucid
        >>> lucid.gradient(lucid.tensor([1.0, 4.0, 9.0, 16.0]))[0].tolist()
        [3.0, 4.0, 6.0, 7.0]
        >>> lucid.gradient(lucid.tensor([0.0, 1.0, 4.0]), spacing=[lucid.tensor([0.0, 1.0, 2.0])])[0].tolist()
        [1.0, 2.0, 3.0]
    """
    x = _as_float(to_tensor(input, "gradient"))
    d = reduce_axis_arg(axis, dim, "gradient")
    if x.ndim == 0:
        raise ValueError("gradient: input must have at least one dimension, got a 0-d tensor")
    if d is None:
        dims = tuple(range(x.ndim))
    elif isinstance(d, (list, tuple)):
        dims = tuple(normalize_dim(v, x.ndim, "gradient") for v in d)
    else:
        dims = (normalize_dim(d, x.ndim, "gradient"),)
    if len(set(dims)) != len(dims):
        raise ValueError(f"gradient: dim {d} names a dimension twice")
    edge_order = check_int(edge_order, "edge_order", "gradient")
    if edge_order not in (1, 2):
        raise ValueError(f"gradient: edge_order must be 1 or 2, got {edge_order}")
    for ax in dims:
        if x.shape[ax] < edge_order + 1:
            raise ValueError(f"gradient: dim {ax} has {x.shape[ax]} samples; edge_order={edge_order} needs at "
                             f"least {edge_order + 1}")
    out = []
    for ax, s in zip(dims, _spacings(spacing, dims, x)):
        if isinstance(s, Tensor) and s.ndim == 1:
            out.append(_gradient_coords(x, ax, s, edge_order))
        else:
            out.append(_gradient_uniform(x, ax, s if isinstance(s, Tensor) else float(s), edge_order))
    return tuple(out)


# -- trapezoid rules --------------------------------------------------------------
def _trapezoid_parts(y, x, dx, dim, axis, op: str):
    y = to_tensor(y, op)
    if y.ndim == 0:
        raise ValueError(f"{op}: y must have at least one dimension, got a 0-d tensor")
    ax = normalize_dim(reduce_axis_arg(axis, dim if dim != -1 or axis is None else None, op, -1), y.ndim, op)
    if x is not None and dx is not None:
        raise TypeError(f"{op}: give x (sample points) or dx (a constant spacing), not both")
    avg = (_slice(y, ax, 1, None) + _slice(y, ax, None, -1)) / 2
    if x is None:
        step = 1 if dx is None else dx
        if isinstance(step, bool) or not isinstance(step, numbers.Real):
            raise TypeError(f"{op}: dx must be a real number, got {type(step).__name__}")
        return avg * step, ax
    x = to_tensor(x, op)
    if x.ndim == 1:
        if x.shape[0] != y.shape[ax]:
            raise ValueError(f"{op}: x has {x.shape[0]} points but y has {y.shape[ax]} along dim {ax}")
        widths = _along(x[1:] - x[:-1], ax, y.ndim)
    else:
        if x.ndim != y.ndim:
            raise ValueError(f"{op}: x must be 1-D or have y's number of dims ({y.ndim}), got shape {x.shape}")
        xax = ax
        widths = _slice(x, xax, 1, None) - _slice(x, xax, None, -1)
    return avg * widths, ax


@register(aliases=("trapz",))
def trapezoid(y: Tensor, x: Tensor | None = None, *, dx=None, dim: int = -1, axis=None) -> Tensor:
    """The integral of ``y`` along ``dim`` by the trapezoidal rule.

    The samples are at the points ``x`` (a 1-D tensor along ``dim``, or a
    tensor broadcastable with ``y``), or ``dx`` apart (default 1). Fewer than
    two samples integrate to 0.

    Raises:
        TypeError: both ``x`` and ``dx``.
        ValueError: ``x`` does not match ``y`` along ``dim``.

    Examples:
        >>> import lucid
        >>> lucid.trapezoid(lucid.tensor([1.0, 2.0, 3.0])).item()
        4.0
        >>> lucid.trapezoid(lucid.tensor([1.0, 2.0, 3.0]), lucid.tensor([0.0, 1.0, 3.0])).item()
        6.5
    """
    parts, ax = _trapezoid_parts(y, x, dx, dim, axis, "trapezoid")
    return _red.sum(parts, dim=ax)


@register()
def cumulative_trapezoid(y: Tensor, x: Tensor | None = None, *, dx=None, dim: int = -1, axis=None) -> Tensor:
    """The running integral of ``y`` along ``dim`` by the trapezoidal rule (one sample fewer than ``y``).

    Same arguments as :func:`trapezoid`; element ``i`` is the integral over the first ``i + 2`` samples.

    Examples:
        >>> import lucid
        >>> lucid.cumulative_trapezoid(lucid.tensor([1.0, 2.0, 3.0])).tolist()
        [1.5, 4.0]
    """
    parts, ax = _trapezoid_parts(y, x, dx, dim, axis, "cumulative_trapezoid")
    return _red.cumsum(parts, dim=ax)


# -- logcumsumexp -----------------------------------------------------------------
class LogCumSumExp(Function):
    @staticmethod
    def forward(ctx, x, ax):
        out = mx.logcumsumexp(x, axis=ax)
        ctx.save_for_backward(x, out)
        ctx.meta = ax
        return out

    @staticmethod
    def backward(ctx, g):
        x, out = ctx.saved_tensors
        ax = ctx.meta
        # d out_i / d x_j = exp(x_j - out_i) for j <= i. Sum over i >= j of g_i exp(x_j - out_i), split by the
        # sign of g so that each part is a reversed log-cum-sum-exp of log|g| - out (no overflow).
        neg_inf = mx.array(-float("inf"), dtype=out.dtype)
        log_pos = mx.where(g > 0, mx.log(mx.maximum(g, 0)), neg_inf)
        log_neg = mx.where(g < 0, mx.log(mx.maximum(-g, 0)), neg_inf)
        pos = mx.exp(mx.logcumsumexp(log_pos - out, axis=ax, reverse=True) + x)
        neg = mx.exp(mx.logcumsumexp(log_neg - out, axis=ax, reverse=True) + x)
        return (pos - neg).astype(x.dtype), None


@register(method=True)
def logcumsumexp(input: Tensor, dim=None, *, axis=None) -> Tensor:
    """The log of the running sum of exponentials along ``dim``, computed without overflow.

    ``out[i] = log(sum(exp(input[:i + 1])))``. Floating-point inputs only.

    Raises:
        TypeError: an integer or bool tensor.

    Examples:
        >>> import lucid
        >>> [round(v, 4) for v in lucid.logcumsumexp(lucid.tensor([0.0, 0.0, 1000.0]), dim=0).tolist()]
        [0.0, 0.6931, 1000.0]
    """
    x = to_tensor(input, "logcumsumexp")
    d = reduce_axis_arg(axis, dim, "logcumsumexp", required=True)
    if x._data.dtype not in REAL_FLOATING_MX:
        raise TypeError(f"logcumsumexp: expected a real floating-point tensor, got {x.dtype}")
    if x.ndim == 0:
        normalize_dim(d, 0, "logcumsumexp")
        return _sh.clone(x)
    return LogCumSumExp.apply(x, normalize_dim(d, x.ndim, "logcumsumexp"))


__all__ = export(__name__)
