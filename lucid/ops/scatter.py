"""Index-driven writes: index_add, index_copy, index_fill, index_put, masked_scatter, scatter_reduce.

Every tensor of indices goes through :mod:`lucid.ops._index_guard`: indices
are clamped into range before MLX sees them, the updates of out-of-range
indices are dropped (:func:`~lucid.ops._index_guard.scatter_mask`), and the next
sync point raises ``IndexError``. As in PyTorch, ``index_add``/``index_copy``/
``scatter_reduce`` take indices in ``[0, n)`` only; ``index_fill`` and ``index_put``
also negative ones (counted from the end).
Host indices (lists, NumPy arrays) are checked at once.
"""

from __future__ import annotations

import numbers

import mlx.core as mx
import numpy as np

from lucid._backend import checks, reductions
from lucid._backend.dtypes import INTEGER_MX, REAL_FLOATING_MX
from lucid._tensor import Tensor
from lucid.autograd.function import Function
from lucid.ops import shape as _sh
from lucid.ops import unary as _un
from lucid.ops._index_guard import safe_index, scatter_mask
from lucid.ops._registry import export, register, register_method
from lucid.ops._util import normalize_dim, reduce_axis_arg, to_tensor
from lucid.ops.indexing import Gather, _along_key, _inplace


class IndexAdd(Function):
    """``a`` with ``src`` added at ``idx`` along ``axis``; ``keep`` (per index) drops an update."""

    @staticmethod
    def forward(ctx, a, src, idx, axis, keep):
        key = (slice(None),) * axis + (idx,)
        ctx.meta = (key, keep, axis, src.ndim)
        if idx.size == 0:
            return mx.array(a)
        return a.at[key].add(mx.where(_along(keep, axis, src.ndim), src, mx.zeros((), dtype=src.dtype)))

    @staticmethod
    def backward(ctx, g):
        key, keep, axis, nd = ctx.meta
        gs = None
        if ctx.needs_input_grad[1]:
            gs = mx.where(_along(keep, axis, nd), g[key], mx.zeros((), dtype=g.dtype))
        return g, gs, None, None, None


def _along(v: mx.array, axis: int, nd: int) -> mx.array:
    shape = [1] * nd
    shape[axis] = v.size
    return v.reshape(shape)


def _index_1d(input: Tensor, dim, axis, index, op: str, negative: bool = False):
    """(tensor, axis, raw index, safe index, valid mask) for the ``index_*`` ops."""
    x = to_tensor(input, op)
    d = reduce_axis_arg(axis, dim, op, required=True)
    zero_d = x.ndim == 0
    ax = normalize_dim(d, x.ndim, op)
    n = 1 if zero_d else x.shape[ax]
    if isinstance(index, Tensor):
        raw = index._data
    else:
        raw = mx.array(np.asarray(index, dtype=np.int64)) if not isinstance(index, mx.array) else index
    if raw.dtype not in INTEGER_MX:
        raise TypeError(f"{op}: index must be an integer tensor, got {raw.dtype}")
    if raw.ndim > 1:
        raise ValueError(f"{op}: index must be 0-d or 1-D, got shape {tuple(raw.shape)}")
    raw = raw.reshape(-1)
    if not isinstance(index, Tensor) and raw.size:
        host = np.asarray(index).reshape(-1)
        lo = -n if negative else 0
        if host.min() < lo or host.max() >= n:
            bad = host[(host < lo) | (host >= n)][0]
            raise IndexError(f"{op}: index {bad} is out of range for dim {d} with size {n}")
    safe = safe_index(raw, n, op, negative=negative, dim=ax) if raw.size else raw.astype(mx.int32)
    valid = scatter_mask(raw, n, negative) if raw.size else mx.zeros((0,), mx.bool_)
    return x, ax, zero_d, safe, valid


def _last_write(safe: mx.array, valid: mx.array) -> mx.array:
    """``valid`` with repeated indices kept only at their last occurrence (so copies do not add up)."""
    k = safe.size
    pos = mx.arange(k)
    later = (safe[None, :] == safe[:, None]) & (pos[None, :] > pos[:, None]) & valid[None, :]
    return valid & mx.logical_not(reductions.any(later, axis=1))


def _check_source(x: Tensor, src: Tensor, ax: int, k: int, op: str) -> Tensor:
    want = (k,) if x.ndim == 0 else tuple(x.shape[:ax]) + (k,) + tuple(x.shape[ax + 1:])
    if tuple(src.shape) != want and not (x.ndim == 0 and k == 1 and src.ndim == 0):
        raise ValueError(f"{op}: source must have shape {want} (input's shape with dim {ax} the index length "
                         f"{k}), got {tuple(src.shape)}")
    return src if src.dtype == x.dtype else src.astype(x.dtype)


def _add_at(x: Tensor, src: Tensor, ax: int, zero_d: bool, safe: mx.array, keep: mx.array) -> Tensor:
    if zero_d:
        out = IndexAdd.apply(_sh.reshape(x, (1,)), _sh.reshape(src, (-1,)), safe, 0, keep)
        return _sh.reshape(out, ())
    return IndexAdd.apply(x, src, safe, ax, keep)


@register(method=True)
def index_add(input: Tensor, dim=None, index=None, source=None, *, alpha=1, axis=None) -> Tensor:
    """A copy of ``input`` with ``alpha * source`` added at ``index`` along ``dim``; repeats accumulate.

    Args:
        input: the tensor.
        dim: the dim ``index`` addresses (``axis`` is the NumPy spelling).
        index: a 1-D integer tensor of indices in ``[0, input.shape[dim])``.
        source: ``input``'s shape with dim ``dim`` of length ``len(index)``.
        alpha: scale of ``source``.

    Raises:
        ValueError: ``source`` has the wrong shape.
        IndexError: an index out of range (tensor indices: at the next sync point).

    Examples:
        >>> import lucid
        >>> lucid.zeros(3, 2).index_add(0, lucid.tensor([0, 2, 0]), lucid.ones(3, 2), alpha=2).tolist()
        [[4.0, 4.0], [0.0, 0.0], [2.0, 2.0]]
    """
    if index is None or source is None:
        raise TypeError("index_add: missing the required arguments index and source")
    x, ax, zero_d, safe, valid = _index_1d(input, dim, axis, index, "index_add")
    src = _check_source(x, to_tensor(source, "index_add"), ax, safe.size, "index_add")
    if alpha != 1:
        src = src * alpha
    return _add_at(x, src, ax, zero_d, safe, valid)


def _hit(x: Tensor, ax: int, zero_d: bool, safe: mx.array, keep: mx.array) -> Tensor:
    n = 1 if zero_d else x.shape[ax]
    counts = mx.zeros((n,), dtype=mx.int32)
    if safe.size:
        counts = counts.at[safe].add(keep.astype(mx.int32))
    hit = counts > 0
    if zero_d:
        return Tensor._make(hit.reshape(()), x._device)
    return Tensor._make(_along(hit, ax, x.ndim), x._device)


@register(method=True)
def index_copy(input: Tensor, dim=None, index=None, source=None, *, axis=None) -> Tensor:
    """A copy of ``input`` whose slices at ``index`` along ``dim`` are replaced by those of ``source``.

    A repeated index takes the last of its slices (PyTorch leaves that case undefined).

    Raises:
        ValueError: ``source`` has the wrong shape.
        IndexError: an index out of range (tensor indices: at the next sync point).

    Examples:
        >>> import lucid
        >>> lucid.zeros(3).index_copy(0, lucid.tensor([2, 0]), lucid.tensor([5.0, 7.0])).tolist()
        [7.0, 0.0, 5.0]
    """
    if index is None or source is None:
        raise TypeError("index_copy: missing the required arguments index and source")
    x, ax, zero_d, safe, valid = _index_1d(input, dim, axis, index, "index_copy")
    src = _check_source(x, to_tensor(source, "index_copy"), ax, safe.size, "index_copy")
    keep = _last_write(safe, valid) if safe.size else valid
    placed = _add_at(x * 0, src, ax, zero_d, safe, keep)
    return _un.where(_hit(x, ax, zero_d, safe, keep), placed, x)


@register(method=True)
def index_fill(input: Tensor, dim=None, index=None, value=None, *, axis=None) -> Tensor:
    """A copy of ``input`` with the slices at ``index`` along ``dim`` set to ``value`` (a number or 0-d tensor).

    Negative indices count from the end (PyTorch's ``index_fill`` allows them; ``index_copy`` does not).

    Raises:
        ValueError: ``value`` is a tensor with dims.
        IndexError: an index out of range (tensor indices: at the next sync point).

    Examples:
        >>> import lucid
        >>> lucid.ones(2, 3).index_fill(1, lucid.tensor([0, 2]), -1.0).tolist()
        [[-1.0, 1.0, -1.0], [-1.0, 1.0, -1.0]]
    """
    if index is None or value is None:
        raise TypeError("index_fill: missing the required arguments index and value")
    x, ax, zero_d, safe, valid = _index_1d(input, dim, axis, index, "index_fill", negative=True)
    if isinstance(value, Tensor):
        if value.ndim != 0:
            raise ValueError(f"index_fill: value must be a number or a 0-d tensor, got shape {tuple(value.shape)}")
        value = value.astype(x.dtype)
    elif not isinstance(value, numbers.Number):
        raise TypeError(f"index_fill: value must be a number or a 0-d tensor, got {type(value).__name__}")
    else:
        value = Tensor._make(mx.array(value, dtype=x._data.dtype), x._device)
    return _un.where(_hit(x, ax, zero_d, safe, valid), value, x)


@register(method=True)
def index_put(input: Tensor, indices, values, accumulate: bool = False) -> Tensor:
    """A copy of ``input`` with ``input[indices] = values`` (or ``+=`` with ``accumulate``).

    ``indices`` is a tuple of integer tensors, one per leading dim, that
    broadcast together; negative indices count from the end. ``values``
    broadcasts to the indexed shape. Without ``accumulate`` a repeated position
    takes the last value.

    Raises:
        ValueError: more index tensors than dims, or ``values`` does not broadcast.
        IndexError: an index out of range (at the next sync point).

    Examples:
        >>> import lucid
        >>> x = lucid.zeros(2, 3)
        >>> x.index_put((lucid.tensor([0, 1, 0]), lucid.tensor([2, 0, 2])), lucid.tensor(1.0), True).tolist()
        [[0.0, 0.0, 2.0], [1.0, 0.0, 0.0]]
    """
    op = "index_put"
    x = to_tensor(input, op)
    if isinstance(indices, Tensor) or not isinstance(indices, (tuple, list)):
        raise TypeError(f"{op}: indices must be a tuple of integer tensors, got {type(indices).__name__}")
    k = len(indices)
    if k == 0 or k > x.ndim:
        raise ValueError(f"{op}: expected 1 to {x.ndim} index tensors for shape {tuple(x.shape)}, got {k}")
    raws = []
    for i in indices:
        t = to_tensor(i, op)
        if t._data.dtype not in INTEGER_MX:
            raise TypeError(f"{op}: indices must be integer tensors, got {t.dtype}")
        raws.append(t._data)
    bshape = tuple(np.broadcast_shapes(*[tuple(r.shape) for r in raws]))
    lead = tuple(x.shape[:k])
    rest = tuple(x.shape[k:])
    linear = mx.zeros(bshape, dtype=mx.int64)
    valid = mx.ones(bshape, dtype=mx.bool_)
    for d, (r, n) in enumerate(zip(raws, lead)):
        r = mx.broadcast_to(r, bshape)
        if r.size:
            valid = valid & scatter_mask(r, n, True)
            r = safe_index(r, n, op, negative=True, dim=d).astype(mx.int64)
        linear = linear * n + r
    linear, valid = linear.reshape(-1), valid.reshape(-1)
    v = to_tensor(values, op)
    v = v if v.dtype == x.dtype else v.astype(x.dtype)
    try:
        target = bshape + rest
        v = _sh.broadcast_to(v, target) if tuple(v.shape) != target else v
    except ValueError:
        raise ValueError(f"{op}: values of shape {tuple(v.shape)} do not broadcast to the indexed shape "
                         f"{bshape + rest}") from None
    v = _sh.reshape(v, (-1,) + rest)
    flat = _sh.reshape(x, (int(np.prod(lead)),) + rest)
    if accumulate:
        out = IndexAdd.apply(flat, v, linear, 0, valid)
    else:
        keep = _last_write(linear, valid) if linear.size else valid
        placed = IndexAdd.apply(flat * 0, v, linear, 0, keep)
        out = _un.where(_hit(flat, 0, False, linear, keep), placed, flat)
    return _sh.reshape(out, tuple(x.shape))


@register(method=True)
def masked_scatter(input: Tensor, mask, source: Tensor) -> Tensor:
    """A copy of ``input`` whose positions where ``mask`` is true take ``source``'s elements in order.

    ``mask`` broadcasts to ``input``; ``source`` needs at least as many
    elements as ``mask`` has true entries (checked at the next sync point, as
    the count depends on the values).

    Raises:
        TypeError: ``mask`` is not bool.
        IndexError: ``source`` is too short (at the next sync point).

    Examples:
        >>> import lucid
        >>> m = lucid.tensor([True, False, True])
        >>> lucid.zeros(3).masked_scatter(m, lucid.tensor([1.0, 2.0, 3.0])).tolist()
        [1.0, 0.0, 2.0]
    """
    op = "masked_scatter"
    x = to_tensor(input, op)
    m = to_tensor(mask, op)
    if m.dtype.name != "bool":
        raise TypeError(f"{op}: mask must be a bool tensor, got {m.dtype}")
    src = to_tensor(source, op)
    src = src if src.dtype == x.dtype else src.astype(x.dtype)
    shape = tuple(x.shape)
    mk = mx.broadcast_to(m._data, shape).reshape(-1)
    if mk.size == 0:
        return _sh.clone(x)
    pos = mx.cumsum(mk.astype(mx.int64)) - 1
    need = mx.where(mk, pos, mx.zeros_like(pos))
    n = src._data.size
    if n == 0:
        # Nothing to take from: any true mask entry is out of range (reported at the sync point).
        checks.defer(reductions.any(mk), lambda: checks.IndexOutOfRange(
            f"{op}: source has no elements, but mask selects some positions"))
        return _sh.clone(x)
    safe = safe_index(need, n, op, noun="source position")
    flat_src = _sh.reshape(src, (-1,))
    taken = Gather.apply(flat_src, safe, 0)
    return _sh.reshape(_un.where(Tensor._make(mk, x._device), taken, _sh.reshape(x, (-1,))), shape)


_SCATTER_REDUCE = ("sum", "prod", "mean", "amax", "amin")


@register(method=True)
def scatter_reduce(input: Tensor, dim=None, index=None, src=None, reduce=None, *, include_self: bool = True,
                   axis=None) -> Tensor:
    """Reduce ``src`` into a copy of ``input`` at ``index`` along ``dim``, with ``"sum"``, ``"prod"``, ``"mean"``,
    ``"amax"`` or ``"amin"``.

    ``index`` has ``src``'s number of dims and is no larger than ``src`` in any
    dim; ``out[..., index[i], ...]`` combines ``src[i]``. With
    ``include_self=False`` the slots that receive values start from the
    reduction's identity instead of ``input``'s value. Differentiable for
    ``"sum"``, ``"mean"``, ``"amax"``/``"amin"`` (ties share the gradient) and
    ``"prod"`` (nonzero values).

    Raises:
        ValueError: an unknown ``reduce`` or mismatched shapes.
        IndexError: an index out of range (tensor indices: at the next sync point).

    Examples:
        >>> import lucid
        >>> x, idx = lucid.zeros(2), lucid.tensor([0, 1, 0])
        >>> x.scatter_reduce(0, idx, lucid.tensor([3.0, 5.0, 1.0]), "amax", include_self=False).tolist()
        [3.0, 5.0]
        >>> x.scatter_reduce(0, idx, lucid.tensor([3.0, 5.0, 1.0]), "mean").tolist()
        [1.3333333730697632, 2.5]
    """
    op = "scatter_reduce"
    if reduce not in _SCATTER_REDUCE:
        raise ValueError(f"{op}: reduce must be one of {_SCATTER_REDUCE}, got {reduce!r}")
    if index is None or src is None:
        raise TypeError(f"{op}: missing the required arguments index and src")
    x = to_tensor(input, op)
    s = to_tensor(src, op)
    s = s if s.dtype == x.dtype else s.astype(x.dtype)
    d = reduce_axis_arg(axis, dim, op, required=True)
    ax = normalize_dim(d, x.ndim, op)
    it = to_tensor(index, op)
    raw = it._data
    if raw.dtype not in INTEGER_MX:
        raise TypeError(f"{op}: index must be an integer tensor, got {raw.dtype}")
    if raw.ndim != s.ndim or raw.ndim != x.ndim:
        raise ValueError(f"{op}: index, src and input need the same number of dims, got shapes "
                         f"{tuple(raw.shape)}, {tuple(s.shape)} and {tuple(x.shape)}")
    if any(i > n for i, n in zip(raw.shape, s.shape)) or any(
            i > n for j, (i, n) in enumerate(zip(raw.shape, x.shape)) if j != ax):
        raise ValueError(f"{op}: index {tuple(raw.shape)} must be no larger than src {tuple(s.shape)} and, "
                         f"outside dim {d}, than input {tuple(x.shape)}")
    crop = tuple(slice(0, n) for n in raw.shape)
    s = s[crop] if tuple(s.shape) != tuple(raw.shape) else s
    if raw.size == 0:
        return _sh.clone(x)
    n = x.shape[ax]
    safe = safe_index(raw, n, op, dim=ax)
    keep = scatter_mask(raw, n)
    key = _along_key(safe, ax)
    return ScatterReduce.apply(x, s, key, keep, reduce, bool(include_self))


_IDENTITY = {"sum": 0, "mean": 0, "prod": 1}


class ScatterReduce(Function):
    @staticmethod
    def forward(ctx, a, src, key, keep, reduce, include_self):
        dt = a.dtype
        hit = mx.zeros(a.shape, dtype=mx.int32).at[key].add(keep.astype(mx.int32))
        touched = hit > 0
        if reduce in ("amax", "amin"):
            if dt in REAL_FLOATING_MX:
                ident = mx.array(-np.inf if reduce == "amax" else np.inf, dtype=dt)
            else:
                info = np.iinfo(np.dtype(str(dt).split(".")[-1]))
                ident = mx.array(info.min if reduce == "amax" else info.max, dtype=dt)
        else:
            ident = mx.array(_IDENTITY[reduce], dtype=dt)
        base = a if include_self else mx.where(touched, ident, a)
        upd = mx.where(keep, src, ident)
        if reduce in ("sum", "mean"):
            out = base.at[key].add(upd)
        elif reduce == "prod":
            out = base.at[key].multiply(upd)
        elif reduce == "amax":
            out = base.at[key].maximum(upd)
        else:
            out = base.at[key].minimum(upd)
        count = None
        if reduce == "mean":
            count = hit.astype(dt) + (1 if include_self else 0)
            count = mx.maximum(count, mx.array(1, dtype=dt))
            out = mx.where(touched, out / count, out) if dt in REAL_FLOATING_MX else \
                mx.where(touched, mx.floor_divide(out, count), out)
        ctx.meta = (key, keep, reduce, include_self, touched, count)
        ctx.save_for_backward(a, src, out)
        return out

    @staticmethod
    def backward(ctx, g):
        key, keep, reduce, include_self, touched, count = ctx.meta
        a, src, out = ctx.saved_tensors
        zero = mx.zeros((), dtype=g.dtype)
        self_in = include_self
        if reduce == "sum":
            ga = g if self_in else mx.where(touched, zero, g)
            gs = g[key]
        elif reduce == "mean":
            gc = g / count
            ga = mx.where(touched, gc if self_in else zero, g)
            gs = gc[key]
        elif reduce == "prod":
            # d out / d x = out / x (nonzero values).
            ga = mx.where(touched, (g * out / a) if self_in else zero, g)
            gs = (g * out)[key] / src
        else:
            # Ties share the gradient evenly, as for max/min.
            src_hit = (src == out[key]) & keep
            self_hit = (a == out) & touched if self_in else mx.zeros(a.shape, dtype=mx.bool_)
            ties = self_hit.astype(g.dtype).at[key].add(src_hit.astype(g.dtype))
            share = g / mx.maximum(ties, mx.array(1, dtype=g.dtype))
            ga = mx.where(touched, mx.where(self_hit, share, zero), g)
            gs = mx.where(src_hit, share[key], zero)
        gs = mx.where(keep, gs, zero)
        return ga, gs, None, None, None, None


# In-place forms (``x.index_add_(dim, index, source)``): the op, then ``self`` rebound to the result.
for _op in (index_add, index_fill, masked_scatter):
    register_method(_op.__name__ + "_", _inplace(_op), __name__)
del _op

__all__ = export(__name__)
