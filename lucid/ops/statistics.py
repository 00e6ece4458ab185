"""Statistics: NaN-ignoring reductions, quantiles, running extremes, differences, histograms, searching, ``isin``.

Most ops are compositions of sort/gather/where and the reductions, so their
gradients come for free. ``bincount`` is a sync point (its length is the
largest value plus one); ``histc``/``histogram`` with no range read the data's
extremes lazily, without syncing. ``searchsorted``, ``bucketize`` and ``isin``
compare every value with every boundary (``O(values * boundaries)`` memory),
which suits the sizes these ops see in practice.
"""

from __future__ import annotations

import builtins
import numbers
from collections import namedtuple

import mlx.core as mx

from lucid._backend import checks, reductions
from lucid._backend.dtypes import REAL_FLOATING_MX
from lucid._tensor import Tensor
from lucid.autograd.function import Function
from lucid.ops import indexing as _ix
from lucid.ops import reduction as _red
from lucid.ops import shape as _sh
from lucid.ops import unary as _un
from lucid.ops._index_guard import safe_index
from lucid.ops._registry import export, register
from lucid.ops._util import (
    check_int,
    normalize_dim,
    reduce_axis_arg,
    reduce_keepdims_arg,
    to_tensor,
)

CummaxResult = namedtuple("cummax", ["values", "indices"])
CumminResult = namedtuple("cummin", ["values", "indices"])
KthvalueResult = namedtuple("kthvalue", ["values", "indices"])
NanmedianResult = namedtuple("nanmedian", ["values", "indices"])
HistogramResult = namedtuple("histogram", ["hist", "bin_edges"])


def _const(like: Tensor, value, dtype=None) -> Tensor:
    return Tensor._make(mx.array(value, dtype=like._data.dtype if dtype is None else dtype), like._device)


def _is_float(t: Tensor) -> bool:
    return t._data.dtype in REAL_FLOATING_MX


# -- NaN-ignoring reductions -------------------------------------------------------
def _zero_nans(x: Tensor) -> Tensor:
    return _un.where(_un_isnan(x), _const(x, 0), x) if _is_float(x) else x


def _un_isnan(x: Tensor) -> Tensor:
    return Tensor._make(mx.isnan(x._data), x._device)


@register(method=True)
def nansum(input: Tensor, dim=None, keepdim: bool = False, *, dtype=None, axis=None, keepdims: bool = False) -> Tensor:
    """The sum with NaNs counted as zero (their gradient is zero).

    Examples:
        >>> import lucid
        >>> lucid.nansum(lucid.tensor([1.0, float("nan"), 2.0])).item()
        3.0
    """
    x = to_tensor(input, "nansum")
    return _red.sum(_zero_nans(x), axis, reduce_keepdims_arg(keepdims, keepdim), dim=dim, dtype=dtype)


@register(method=True)
def nanmean(input: Tensor, dim=None, keepdim: bool = False, *, dtype=None, axis=None,
            keepdims: bool = False) -> Tensor:
    """The mean of the non-NaN elements (NaN where all are NaN).

    Raises:
        TypeError: ``input`` is not a floating point tensor (as in PyTorch).

    Examples:
        >>> import lucid
        >>> lucid.nanmean(lucid.tensor([[1.0, float("nan")], [2.0, 4.0]]), dim=1).tolist()
        [1.0, 3.0]
    """
    x = to_tensor(input, "nanmean")
    if not _is_float(x):
        raise TypeError(f"nanmean: expected a floating point tensor, got {x.dtype}")
    if dtype is not None:
        x = x.astype(dtype)
    keep = reduce_keepdims_arg(keepdims, keepdim)
    count = _red.sum(Tensor._make(mx.logical_not(mx.isnan(x._data)).astype(x._data.dtype), x._device), axis,
                     keep, dim=dim)
    return _red.sum(_zero_nans(x), axis, keep, dim=dim) / count


def _along(input, dim, axis, op: str, default=None):
    """(tensor, axis): ``dim=None`` flattens."""
    x = to_tensor(input, op)
    d = reduce_axis_arg(axis, dim, op, default)
    if d is None:
        return _sh.reshape(x, (-1,)), 0, True
    if x.ndim == 0:
        normalize_dim(d, 0, op)
        return _sh.reshape(x, (1,)), 0, True
    return x, normalize_dim(d, x.ndim, op), False


def _squeeze_or_keep(t: Tensor, ax: int, keep: bool) -> Tensor:
    return t if keep else _sh.squeeze(t, ax)


@register(method=True)
def nanmedian(input: Tensor, dim=None, keepdim: bool = False, *, axis=None, keepdims: bool = False):
    """The median of the non-NaN elements (the lower middle one for an even count); NaN if all are NaN.

    Like :func:`lucid.median`: a 0-d tensor without ``dim``, else ``(values, indices)``.
    The NaN count differs per slice; it is handled lazily (no sync point).

    Examples:
        >>> import lucid
        >>> lucid.nanmedian(lucid.tensor([3.0, float("nan"), 1.0, 2.0])).item()
        2.0
        >>> lucid.nanmedian(lucid.tensor([[float("nan"), 1.0, 5.0]]), dim=1).indices.tolist()
        [1]
    """
    keep = reduce_keepdims_arg(keepdims, keepdim)
    whole = reduce_axis_arg(axis, dim, "nanmedian") is None
    x, ax, _ = _along(input, dim, axis, "nanmedian")
    if x.shape[ax] == 0:
        raise ValueError(f"nanmedian: cannot reduce an empty dim of shape {tuple(to_tensor(input).shape)}")
    values, order = _ix.sort(x, ax)  # NaNs sort last
    if _is_float(x):
        k = reductions.sum(mx.logical_not(mx.isnan(x._data)).astype(mx.int32), axis=ax, keepdims=True)
        pos = mx.maximum(k - 1, 0) // 2
    else:
        pos = mx.full([1 if i == ax else s for i, s in enumerate(x.shape)], (x.shape[ax] - 1) // 2, mx.int32)
    pos_t = Tensor._make(pos, x._device)
    med = _ix.take_along_dim(values, pos_t, ax)
    idx = _ix.take_along_dim(order, pos_t, ax)
    if whole:
        return _sh.reshape(med, ())
    return NanmedianResult(_squeeze_or_keep(med, ax, keep), _squeeze_or_keep(idx, ax, keep))


_INTERPOLATIONS = ("linear", "lower", "higher", "midpoint", "nearest")


def _quantile(input, q, dim, keepdim, interpolation, ignore_nan: bool, op: str) -> Tensor:
    x = to_tensor(input, op)
    if not _is_float(x):
        raise TypeError(f"{op}: expected a floating point tensor, got {x.dtype}")
    if interpolation not in _INTERPOLATIONS:
        raise ValueError(f"{op}: interpolation must be one of {_INTERPOLATIONS}, got {interpolation!r}")
    scalar_q = isinstance(q, numbers.Real) and not isinstance(q, bool)
    if scalar_q:
        if not 0 <= q <= 1:
            raise ValueError(f"{op}: q must be in [0, 1], got {q}")
        qa = mx.array([float(q)], dtype=x._data.dtype)
    else:
        qt = to_tensor(q, op)
        if qt.ndim > 1:
            raise ValueError(f"{op}: q must be a number or a 0-d or 1-D tensor, got shape {tuple(qt.shape)}")
        scalar_q = qt.ndim == 0
        qa = qt._data.reshape(-1).astype(x._data.dtype)
        if qa.size:
            checks.defer(reductions.any((qa < 0) | (qa > 1) | mx.isnan(qa)),
                         lambda lo, hi: ValueError(f"{op}: q values must be in [0, 1], got values in [{lo}, {hi}]"),
                         mx.min(qa), mx.max(qa))
    flat = dim is None
    if flat:
        x, ax = _sh.reshape(x, (-1,)), 0
    elif x.ndim == 0:
        normalize_dim(dim, 0, op)
        x, ax = _sh.reshape(x, (1,)), 0
    else:
        ax = normalize_dim(dim, x.ndim, op)
    n = x.shape[ax]
    if n == 0:
        raise ValueError(f"{op}: cannot compute a quantile over an empty dim")
    xs = _sh.moveaxis(x, ax, -1)  # (..., n)
    srt = _ix.sort(xs, -1).values  # NaNs last
    nan_any = reductions.any(mx.isnan(xs._data), axis=-1, keepdims=True)  # (..., 1)
    if ignore_nan:
        cnt = reductions.sum(mx.logical_not(mx.isnan(xs._data)).astype(x._data.dtype), axis=-1, keepdims=True)
        last = mx.maximum(cnt - 1, 0)
    else:
        last = mx.full(nan_any.shape, n - 1, dtype=x._data.dtype)
    pos = last * qa  # (..., nq) by broadcasting
    lo = mx.floor(pos)
    hi = mx.ceil(pos)
    if interpolation == "nearest":
        lo = hi = mx.round(pos)
    elif interpolation == "lower":
        hi = lo
    elif interpolation == "higher":
        lo = hi
    lo_i, hi_i = lo.astype(mx.int32), hi.astype(mx.int32)
    a = _ix.take_along_dim(srt, Tensor._make(lo_i, x._device), -1)
    b = _ix.take_along_dim(srt, Tensor._make(hi_i, x._device), -1)
    if interpolation == "linear":
        out = a + (b - a) * Tensor._make(pos - lo, x._device)
    elif interpolation == "midpoint":
        out = (a + b) * 0.5
    else:
        out = a
    bad = (cnt == 0) if ignore_nan else nan_any
    out = _un.where(Tensor._make(bad, x._device), _const(x, float("nan")), out)
    out = _sh.moveaxis(out, -1, 0)  # (nq, ...)
    if keepdim:
        if flat:
            out = _sh.reshape(out, (out.shape[0],) + (1,) * to_tensor(input).ndim)
        else:
            out = _sh.unsqueeze(out, ax + 1)
    return _sh.squeeze(out, 0) if scalar_q else out


@register(method=True)
def quantile(input: Tensor, q, dim=None, keepdim: bool = False, *, interpolation: str = "linear",
             keepdims: bool = False, axis=None) -> Tensor:
    """The ``q``-th quantiles along ``dim`` (all elements when omitted); NaN where a slice holds a NaN.

    Args:
        input: a floating point tensor.
        q: a number or a 0-d/1-D tensor of probabilities in ``[0, 1]``; a 1-D
            ``q`` adds a leading dim of its length.
        dim: the dim to reduce (``axis`` is the NumPy spelling); None flattens.
        keepdim: keep the reduced dim as size 1.
        interpolation: between the two neighbouring order statistics:
            ``"linear"``, ``"lower"``, ``"higher"``, ``"midpoint"`` or ``"nearest"``.

    Raises:
        TypeError: ``input`` is not floating point.
        ValueError: ``q`` is out of ``[0, 1]`` (a tensor ``q``: at the next sync point), or an empty dim.

    Examples:
        >>> import lucid
        >>> lucid.quantile(lucid.tensor([1.0, 2.0, 3.0, 4.0]), 0.5).item()
        2.5
        >>> lucid.quantile(lucid.tensor([1.0, 2.0, 3.0, 4.0]), lucid.tensor([0.0, 1.0])).tolist()
        [1.0, 4.0]
    """
    return _quantile(input, q, reduce_axis_arg(axis, dim, "quantile"), reduce_keepdims_arg(keepdims, keepdim),
                     interpolation, False, "quantile")


@register(method=True)
def nanquantile(input: Tensor, q, dim=None, keepdim: bool = False, *, interpolation: str = "linear",
                keepdims: bool = False, axis=None) -> Tensor:
    """:func:`quantile` of the non-NaN elements of each slice (NaN where all are NaN).

    Examples:
        >>> import lucid
        >>> lucid.nanquantile(lucid.tensor([1.0, float("nan"), 3.0]), 0.5).item()
        2.0
    """
    return _quantile(input, q, reduce_axis_arg(axis, dim, "nanquantile"), reduce_keepdims_arg(keepdims, keepdim),
                     interpolation, True, "nanquantile")


def _cum_extreme(input, dim, axis, is_max: bool, result):
    op = "cummax" if is_max else "cummin"
    x = to_tensor(input, op)
    d = reduce_axis_arg(axis, dim, op, required=True)
    if x.ndim == 0:
        normalize_dim(d, 0, op)
        return result(_sh.clone(x), Tensor._make(mx.zeros((), mx.int64), x._device))
    ax = normalize_dim(d, x.ndim, op)
    a = x._data
    run = (mx.cummax if is_max else mx.cummin)(a, axis=ax)
    eq = a == run
    if _is_float(x):
        eq = eq | (mx.isnan(a) & mx.isnan(run))
    shape = [1] * a.ndim
    shape[ax] = a.shape[ax]
    pos = mx.broadcast_to(mx.arange(a.shape[ax], dtype=mx.int64).reshape(shape), a.shape)
    # Ties pick the latest index, as PyTorch does.
    idx = mx.cummax(mx.where(eq, pos, mx.zeros_like(pos)), axis=ax)
    idx_t = Tensor._make(idx, x._device)
    # The values are ``run`` itself; the gradient goes to ``x`` at ``idx``. ``idx`` needs no index guard:
    # it is a running maximum of entries of ``pos`` or 0, all inside ``[0, n - 1]`` by construction.
    return result(_CumPick.apply(x, run, idx, ax), idx_t)


class _CumPick(Function):
    """``run`` (equal to ``take_along_axis(a, idx, axis)``), with that gather's gradient (a scatter-add)."""

    @staticmethod
    def forward(ctx, a, run, idx, axis):
        ctx.meta = (a.shape, idx, axis)
        return run

    @staticmethod
    def backward(ctx, g):
        return _ix.Gather.backward(ctx, g)[0], None, None, None


@register(method=True)
def cummax(input: Tensor, dim=None, *, axis=None):
    """The running maximum along ``dim`` and where it was reached: ``(values, indices)``.

    Ties pick the latest index; a NaN stays the maximum from where it appears.
    The gradient goes to the element each running maximum came from.

    Examples:
        >>> import lucid
        >>> v, i = lucid.cummax(lucid.tensor([1.0, 3.0, 2.0, 3.0]), dim=0)
        >>> v.tolist(), i.tolist()
        ([1.0, 3.0, 3.0, 3.0], [0, 1, 1, 3])
    """
    return _cum_extreme(input, dim, axis, True, CummaxResult)


@register(method=True)
def cummin(input: Tensor, dim=None, *, axis=None):
    """The running minimum along ``dim`` and where it was reached: ``(values, indices)`` (see :func:`cummax`).

    Examples:
        >>> import lucid
        >>> lucid.cummin(lucid.tensor([2.0, 1.0, 3.0]), 0).values.tolist()
        [2.0, 1.0, 1.0]
    """
    return _cum_extreme(input, dim, axis, False, CumminResult)


@register(method=True)
def kthvalue(input: Tensor, k: int, dim=-1, keepdim: bool = False, *, axis=None, keepdims: bool = False):
    """The ``k``-th smallest element along ``dim`` (1-based) and its index: ``(values, indices)``.

    Raises:
        ValueError: ``k`` is not in ``[1, size of dim]``.

    Examples:
        >>> import lucid
        >>> v, i = lucid.kthvalue(lucid.tensor([4.0, 1.0, 3.0]), 2)
        >>> v.item(), i.item()
        (3.0, 2)
    """
    keep = reduce_keepdims_arg(keepdims, keepdim)
    x = to_tensor(input, "kthvalue")
    d = reduce_axis_arg(axis, dim if dim != -1 or axis is None else None, "kthvalue", -1)
    k = check_int(k, "k", "kthvalue")
    zero_d = x.ndim == 0
    if zero_d:
        normalize_dim(d, 0, "kthvalue")
        x, d = _sh.reshape(x, (1,)), 0
    ax = normalize_dim(d, x.ndim, "kthvalue")
    n = x.shape[ax]
    if not 1 <= k <= n:
        raise ValueError(f"kthvalue: k must be in [1, {n}] for dim {d} of size {n}, got {k}")
    values, order = _ix.sort(x, ax)
    sl = (slice(None),) * ax + (slice(k - 1, k),)
    v, i = values[sl], order[sl]
    if zero_d:
        return KthvalueResult(_sh.reshape(v, ()), _sh.reshape(i, ()))
    return KthvalueResult(_squeeze_or_keep(v, ax, keep), _squeeze_or_keep(i, ax, keep))


@register(method=True)
def diff(input: Tensor, n: int = 1, dim=-1, prepend=None, append=None, *, axis=None) -> Tensor:
    """The ``n``-th forward difference along ``dim``, after joining ``prepend``/``append`` along it.

    Bool tensors give ``!=`` of neighbours (as in PyTorch).

    Raises:
        ValueError: a 0-d input or ``n < 0``.

    Examples:
        >>> import lucid
        >>> lucid.diff(lucid.tensor([1, 4, 9, 16])).tolist()
        [3, 5, 7]
        >>> lucid.diff(lucid.tensor([1, 4, 9, 16]), n=2, prepend=lucid.tensor([0])).tolist()
        [2, 2, 2]
    """
    x = to_tensor(input, "diff")
    n = check_int(n, "n", "diff")
    if n < 0:
        raise ValueError(f"diff: n must be non-negative, got {n}")
    if x.ndim == 0:
        raise ValueError("diff: expected at least a 1-D tensor, got a 0-d tensor")
    d = reduce_axis_arg(axis, dim if dim != -1 or axis is None else None, "diff", -1)
    ax = normalize_dim(d, x.ndim, "diff")
    parts = []
    for extra in (prepend, x, append):
        if extra is None:
            continue
        e = to_tensor(extra, "diff")
        if e is not x and e.ndim == 0:
            shape = list(x.shape)
            shape[ax] = 1
            e = _sh.broadcast_to(_sh.reshape(e, (1,) * x.ndim), tuple(shape))
        parts.append(e)
    if len(parts) > 1:
        x = _sh.concatenate(parts, ax)
    for _ in range(n):
        m = x.shape[ax]
        if m == 0:
            break
        if x.dtype.name == "bool":
            hi = x[(slice(None),) * ax + (slice(1, m),)]
            lo = x[(slice(None),) * ax + (slice(0, m - 1),)]
            x = hi != lo
        else:
            x = Diff.apply(x, ax)
    return x


class Diff(Function):
    """One forward difference along an axis: ``x[1:] - x[:-1]``.

    One rule instead of two slices and a subtraction: the backward is
    ``pad(g, before) - pad(g, after)`` (measured 9x faster forward and
    backward at 512 x 256 than the composition through indexing).
    """

    @staticmethod
    def forward(ctx, x, ax):
        ctx.ax = ax
        m = x.shape[ax]
        return x[(slice(None),) * ax + (slice(1, m),)] - x[(slice(None),) * ax + (slice(0, m - 1),)]

    @staticmethod
    def backward(ctx, g):
        ax = ctx.ax
        before = [(0, 0)] * g.ndim
        after = [(0, 0)] * g.ndim
        before[ax] = (1, 0)
        after[ax] = (0, 1)
        return mx.pad(g, before) - mx.pad(g, after), None


# -- counting ------------------------------------------------------------------------
def _bin_edges_range(x: mx.array, lo, hi, op: str):
    """Lazy (min, max) of the range: the data's extremes when ``lo == hi`` (widened by 1 if they coincide)."""
    if lo is not None and hi is not None and lo > hi:
        raise ValueError(f"{op}: max must be larger than min, got min={lo} and max={hi}")
    if lo is None or hi is None or lo == hi:
        if x.size == 0:
            a, b = mx.array(0.0, x.dtype), mx.array(0.0, x.dtype)
        else:
            a, b = mx.min(x), mx.max(x)
        same = a == b
        return mx.where(same, a - 1, a).astype(x.dtype), mx.where(same, b + 1, b).astype(x.dtype)
    return mx.array(lo, dtype=x.dtype), mx.array(hi, dtype=x.dtype)


def _hist_counts(x: mx.array, lo: mx.array, hi: mx.array, bins: int, weight) -> mx.array:
    inside = (x >= lo) & (x <= hi)
    pos = mx.floor((x - lo) / (hi - lo) * bins)
    # The top edge belongs to the last bin; everything is clipped into range before it is scattered.
    idx = mx.clip(mx.where(inside, pos, 0), 0, bins - 1).astype(mx.int32)
    w = mx.ones_like(x) if weight is None else weight
    w = mx.where(inside, w, mx.zeros_like(w))
    return mx.zeros((bins,), dtype=w.dtype).at[idx].add(w)


@register(method=True)
def histc(input: Tensor, bins: int = 100, min=0, max=0) -> Tensor:
    """Counts of the elements in ``bins`` equal-width bins over ``[min, max]`` (the data's range when equal).

    Elements outside the range (and NaNs) are ignored; the result has the
    input's dtype and is not differentiable.

    Raises:
        TypeError: ``input`` is not floating point.
        ValueError: ``bins < 1`` or ``min > max``.

    Examples:
        >>> import lucid
        >>> lucid.histc(lucid.tensor([1.0, 2.0, 1.0]), bins=4, min=0, max=3).tolist()
        [0.0, 2.0, 1.0, 0.0]
    """
    x = to_tensor(input, "histc")
    if not _is_float(x):
        raise TypeError(f"histc: expected a floating point tensor, got {x.dtype}")
    bins = check_int(bins, "bins", "histc")
    if bins < 1:
        raise ValueError(f"histc: bins must be positive, got {bins}")
    a = x._data.reshape(-1)
    if min == max:
        lo, hi = _bin_edges_range(a, None, None, "histc")
    else:
        lo, hi = _bin_edges_range(a, min, max, "histc")
    return Tensor._make(_hist_counts(a, lo, hi, bins, None).astype(a.dtype), x._device)


@register()
def histogram(input: Tensor, bins=100, *, range=None, weight=None, density: bool = False):
    """A histogram and its bin edges: ``(hist, bin_edges)``.

    Args:
        input: a floating point tensor (flattened).
        bins: the number of equal-width bins, or a 1-D tensor of increasing edges.
        range: ``(min, max)`` for int ``bins``; the data's range when omitted.
        weight: optional weights with ``input``'s shape (each element adds its weight).
        density: normalise so that the histogram integrates to 1 over the range.

    Returns:
        HistogramResult: ``hist`` (``bins`` values) and ``bin_edges`` (``bins + 1``).

    Raises:
        TypeError: ``input`` is not floating point.
        ValueError: bad ``bins``/``range``, or ``weight`` of another shape.

    Examples:
        >>> import lucid
        >>> h, e = lucid.histogram(lucid.tensor([1.0, 2.0, 1.0]), bins=2, range=(0.0, 2.0))
        >>> h.tolist(), e.tolist()
        ([0.0, 3.0], [0.0, 1.0, 2.0])
    """
    x = to_tensor(input, "histogram")
    if not _is_float(x):
        raise TypeError(f"histogram: expected a floating point tensor, got {x.dtype}")
    a = x._data.reshape(-1)
    w = None
    if weight is not None:
        wt = to_tensor(weight, "histogram")
        if tuple(wt.shape) != tuple(x.shape):
            raise ValueError(f"histogram: weight must have input's shape {tuple(x.shape)}, got {tuple(wt.shape)}")
        w = wt._data.reshape(-1).astype(a.dtype)
    if isinstance(bins, Tensor):
        edges = bins._data.astype(a.dtype)
        if edges.ndim != 1 or edges.size < 2:
            raise ValueError(f"histogram: bins must be a 1-D tensor of at least 2 edges, got shape {tuple(bins.shape)}")
        nb = edges.size - 1
        # bin i holds edges[i] <= x < edges[i + 1]; the last bin also holds its top edge.
        k = reductions.sum((a[:, None] >= edges[None, :]).astype(mx.int32), axis=1) - 1
        k = mx.where(a == edges[-1], nb - 1, k)
        inside = (k >= 0) & (k < nb)
        idx = mx.clip(k, 0, nb - 1)
        ww = mx.ones_like(a) if w is None else w
        hist = mx.zeros((nb,), dtype=a.dtype).at[idx].add(mx.where(inside, ww, mx.zeros_like(ww)))
    else:
        nb = check_int(bins, "bins", "histogram")
        if nb < 1:
            raise ValueError(f"histogram: bins must be positive, got {nb}")
        if range is not None:
            if len(range) != 2:
                raise ValueError(f"histogram: range must be (min, max), got {range!r}")
            lo, hi = _bin_edges_range(a, float(range[0]), float(range[1]), "histogram")
        else:
            lo, hi = _bin_edges_range(a, None, None, "histogram")
        t = mx.arange(nb + 1, dtype=a.dtype) / nb
        edges = lo + (hi - lo) * t
        hist = _hist_counts(a, lo, hi, nb, w)
    if density:
        widths = edges[1:] - edges[:-1]
        hist = hist / (reductions.sum(hist) * widths)
    return HistogramResult(Tensor._make(hist, x._device), Tensor._make(edges, x._device))


@register(method=True)
def bincount(input: Tensor, weights=None, minlength: int = 0) -> Tensor:
    """How often each value ``0, 1, ...`` occurs in a 1-D non-negative integer tensor (weighted if given).

    The length is ``max(input.max() + 1, minlength)``, which depends on the
    values: this is a sync point (like ``nonzero``), which also checks the values.

    Raises:
        TypeError: ``input`` is not an integer tensor.
        ValueError: ``input`` is not 1-D, holds a negative value, ``weights`` has
            another shape, or ``minlength < 0``.

    Examples:
        >>> import lucid
        >>> lucid.bincount(lucid.tensor([0, 2, 2, 5])).tolist()
        [1, 0, 2, 0, 0, 1]
    """
    x = to_tensor(input, "bincount")
    if x.dtype.is_floating_point or x.dtype.is_complex or x.dtype.name == "bool":
        raise TypeError(f"bincount: expected an integer tensor, got {x.dtype}")
    if x.ndim != 1:
        raise ValueError(f"bincount: expected a 1-D tensor, got shape {tuple(x.shape)}")
    minlength = check_int(minlength, "minlength", "bincount")
    if minlength < 0:
        raise ValueError(f"bincount: minlength must be non-negative, got {minlength}")
    a = x._data
    if a.size:
        lo, hi = mx.min(a), mx.max(a)
        checks.sync([lo, hi])  # the output length depends on the values
        lo, hi = lo.item(), hi.item()
        if lo < 0:
            raise ValueError(f"bincount: input must be non-negative, got a value {lo}")
        n = builtins.max(hi + 1, minlength)
    else:
        n = minlength
    if weights is None:
        out = mx.zeros((n,), dtype=mx.int64)
        upd = mx.ones(a.shape, dtype=mx.int64)
    else:
        w = to_tensor(weights, "bincount")
        if tuple(w.shape) != tuple(x.shape):
            raise ValueError(f"bincount: weights must have input's shape {tuple(x.shape)}, got {tuple(w.shape)}")
        dt = w._data.dtype if _is_float(w) else mx.float64 if x._device == "cpu" else mx.float32
        out = mx.zeros((n,), dtype=dt)
        upd = w._data.astype(dt)
    if a.size:
        out = out.at[safe_index(a, n, "bincount")].add(upd)
    return Tensor._make(out, x._device)


# -- searching -------------------------------------------------------------------------
def _side(right, side, op: str) -> bool:
    if side is None:
        return bool(right)
    if side not in ("left", "right"):
        raise ValueError(f"{op}: side must be 'left' or 'right', got {side!r}")
    if right and side == "left":
        raise ValueError(f"{op}: side='left' contradicts right=True")
    return side == "right"


def _count_below(seq: mx.array, vals: mx.array, right: bool) -> mx.array:
    """For each value, how many of the sorted ``seq`` (last dim) lie below it (or at/below for ``right``)."""
    s = mx.expand_dims(seq, -2)  # (..., 1, N)
    v = mx.expand_dims(vals, -1)  # (..., M, 1)
    below = (s <= v) if right else (s < v)
    # NaN values sort last: everything is below a NaN.
    if mx.issubdtype(vals.dtype, mx.inexact):
        below = below | mx.isnan(v) & mx.logical_not(mx.isnan(s))
    return reductions.sum(below.astype(mx.int32), axis=-1)


def _binary_search(seq: mx.array, vals: mx.array, right: bool) -> mx.array:
    """``_count_below`` by bisection: ``bit_length(N)`` rounds of one gather each instead of an ``(M, N)`` mask.

    ``seq`` is 1-D (shared by every value) or has ``vals``' leading dims.
    Measured: 7x faster than the mask for 32768 values in a sequence of 4096.
    """
    n = seq.shape[-1]
    lo = mx.zeros(vals.shape, mx.int32)
    hi = mx.full(vals.shape, n, mx.int32)
    inexact = mx.issubdtype(vals.dtype, mx.inexact)
    nan_v = mx.isnan(vals) if inexact else None
    for _ in range(n.bit_length()):  # each round halves [lo, hi], which starts with n + 1 candidates
        mid = (lo + hi) // 2
        at = mx.minimum(mid, n - 1)
        sv = mx.take(seq, at) if seq.ndim == 1 else mx.take_along_axis(seq, at, axis=-1)
        below = (sv <= vals) if right else (sv < vals)
        if inexact:
            # NaN values sort last: everything is below a NaN.
            below = below | nan_v & mx.logical_not(mx.isnan(sv))
        go = below & (mid < hi)
        lo = mx.where(go, mid + 1, lo)
        hi = mx.where(go, hi, mid)
    return lo


_BISECT_FROM = 32  # sequence length from which bisection beats the (M, N) comparison mask


@register()
def searchsorted(sorted_sequence: Tensor, input, *, out_int32: bool = False, right: bool = False, side=None,
                 sorter=None) -> Tensor:
    """Where ``input``'s values would be inserted into ``sorted_sequence`` (last dim sorted) to keep it sorted.

    ``right=False`` (``side="left"``) gives the first suitable index, ``right=True`` the last.
    A 1-D ``sorted_sequence`` serves every value; otherwise its leading dims
    must match ``input``'s. ``sorter`` holds the indices that sort an unsorted sequence.

    Raises:
        ValueError: mismatched leading dims or ``side``.

    Examples:
        >>> import lucid
        >>> seq = lucid.tensor([1, 3, 5, 7])
        >>> lucid.searchsorted(seq, lucid.tensor([3, 6, 9])).tolist()
        [1, 3, 4]
        >>> lucid.searchsorted(seq, lucid.tensor([3, 6, 9]), right=True).tolist()
        [2, 3, 4]
    """
    r = _side(right, side, "searchsorted")
    seq = to_tensor(sorted_sequence, "searchsorted")
    scalar = not isinstance(input, Tensor) and isinstance(input, numbers.Number)
    vals = to_tensor(input, "searchsorted")
    if seq.ndim == 0:
        raise ValueError("searchsorted: sorted_sequence must have at least 1 dim, got a 0-d tensor")
    s = seq._data
    if sorter is not None:
        so = to_tensor(sorter, "searchsorted")
        if tuple(so.shape) != tuple(seq.shape):
            raise ValueError(f"searchsorted: sorter must have sorted_sequence's shape {tuple(seq.shape)}, got "
                             f"{tuple(so.shape)}")
        s = mx.take_along_axis(s, safe_index(so._data, s.shape[-1], "searchsorted", dim=-1), axis=-1)
    v = vals._data
    if seq.ndim > 1 and tuple(seq.shape[:-1]) != tuple(vals.shape[:-1]):
        raise ValueError(f"searchsorted: the leading dims of sorted_sequence {tuple(seq.shape)} and input "
                         f"{tuple(vals.shape)} must match")
    count = _binary_search if s.shape[-1] >= _BISECT_FROM else _count_below
    if seq.ndim == 1:
        out = count(s, v.reshape(-1), r).reshape(v.shape)
    else:
        out = count(s, v, r)
    out = out.astype(mx.int32 if out_int32 else mx.int64)
    t = Tensor._make(out, vals._device)
    return _sh.reshape(t, ()) if scalar else t


@register(method=True)
def bucketize(input, boundaries: Tensor, *, out_int32: bool = False, right: bool = False) -> Tensor:
    """The bucket of each value for sorted 1-D ``boundaries``: ``searchsorted(boundaries, input, right=right)``.

    Raises:
        ValueError: ``boundaries`` is not 1-D.

    Examples:
        >>> import lucid
        >>> x, bounds = lucid.tensor([0.5, 1.0, 2.5]), lucid.tensor([1.0, 2.0])
        >>> lucid.bucketize(x, bounds).tolist(), lucid.bucketize(x, bounds, right=True).tolist()
        ([0, 0, 2], [0, 1, 2])
    """
    b = to_tensor(boundaries, "bucketize")
    if b.ndim != 1:
        raise ValueError(f"bucketize: boundaries must be 1-D, got shape {tuple(b.shape)}")
    return searchsorted(b, input, out_int32=out_int32, right=right)


@register()
def isin(elements, test_elements, *, assume_unique: bool = False, invert: bool = False) -> Tensor:
    """Whether each element of ``elements`` occurs in ``test_elements`` (a bool tensor of ``elements``' shape).

    Examples:
        >>> import lucid
        >>> lucid.isin(lucid.tensor([1, 2, 3, 4]), lucid.tensor([2, 4])).tolist()
        [False, True, False, True]
    """
    el = to_tensor(elements, "isin")
    te = to_tensor(test_elements, "isin")
    a, b = el._data, te._data.reshape(-1)
    if b.size == 0:
        hit = mx.zeros(a.shape, dtype=mx.bool_)
    else:
        hit = reductions.any(mx.expand_dims(a, -1) == b, axis=-1)
    if invert:
        hit = mx.logical_not(hit)
    return Tensor._make(hit, el._device)


__all__ = export(__name__)
