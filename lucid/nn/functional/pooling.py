"""Pooling on channels-first inputs: max, average, adaptive average and adaptive max, in 1, 2 and 3 dimensions.

Non-overlapping windows (``kernel_size == stride``, no padding or dilation:
``MaxPool2d(2)``) take a fast path: the channels-last view of the input (the
memory layout convolutions and batch norm leave behind, see ``conv.py``) is
reshaped to ``(N, o1, k1, o2, k2, C)`` and reduced over the ``k`` axes, with no
window copies; the max-pool backward picks each window's first maximum with
one fused kernel. Other windows are built as one strided view of the (padded)
input (``mx.as_strided``) or, for adaptive pooling, as one gather per
dimension, never by looping over output positions. Max pooling sends each
output's gradient to the position of its window's maximum; average pooling is
linear, and its backward is the VJP of the same window sum.
"""

from __future__ import annotations

import itertools
import math

import mlx.core as mx
import numpy as np

from lucid._backend import reductions
from lucid._tensor import Tensor
from lucid.autograd.function import Function
from lucid.nn.functional._kernels import SPATIAL, LinearMap, check_tensor, fused, ntuple, to_first, to_last, windows
from lucid.ops._index_guard import safe_index

__all__ = [
    "max_pool1d", "max_pool2d", "max_pool3d", "avg_pool1d", "avg_pool2d", "avg_pool3d",
    "adaptive_avg_pool1d", "adaptive_avg_pool2d", "adaptive_avg_pool3d",
    "adaptive_max_pool1d", "adaptive_max_pool2d", "adaptive_max_pool3d",
    "lp_pool1d", "lp_pool2d", "lp_pool3d", "max_unpool1d", "max_unpool2d", "max_unpool3d",
]

_HALF = (mx.float16, mx.bfloat16)
_FLOATS = (mx.float16, mx.bfloat16, mx.float32, mx.float64)


def _check_input(x, nd: int, op: str) -> None:
    check_tensor(x, "input", op)
    if x.ndim not in (nd + 1, nd + 2):
        raise ValueError(f"{op}: expected input of shape (N, C, {SPATIAL[nd]}) or (C, {SPATIAL[nd]}), "
                         f"got {x.shape}")


def _lowest(dtype):
    if dtype in (mx.float16, mx.bfloat16, mx.float32, mx.float64):
        return -float("inf")
    if dtype == mx.bool_:
        return False
    return int(np.iinfo(np.dtype(str(dtype).split(".")[-1])).min)


def _pool_size(length, k, s, p, d, ceil_mode) -> int:
    span = length + 2 * p - d * (k - 1) - 1
    out = (span + (s - 1 if ceil_mode else 0)) // s + 1
    # NOTE: with ceil_mode the last window must start inside the input or the left padding (PyTorch's rule).
    if ceil_mode and (out - 1) * s >= length + p:
        out -= 1
    return out


def _geometry(op, x, nd, kernel_size, stride, padding, dilation, ceil_mode):
    kernel = ntuple(kernel_size, nd, "kernel_size", op, minimum=1)
    stride = kernel if stride is None or (isinstance(stride, (tuple, list)) and len(stride) == 0) else \
        ntuple(stride, nd, "stride", op, minimum=1)
    padding = ntuple(padding, nd, "padding", op, minimum=0)
    dilation = ntuple(dilation, nd, "dilation", op, minimum=1)
    for k, p in zip(kernel, padding):
        if 2 * p > k:
            raise ValueError(f"{op}: padding should be at most half the kernel size, got padding={padding}, "
                             f"kernel_size={kernel}")
    spatial = x.shape[-nd:]
    out = tuple(_pool_size(n, k, s, p, d, ceil_mode)
                for n, k, s, p, d in zip(spatial, kernel, stride, padding, dilation))
    if any(o < 1 for o in out):
        raise ValueError(f"{op}: input of shape {x.shape} is too small for kernel_size={kernel}, "
                         f"padding={padding}, dilation={dilation} (output size {out})")
    # right padding so that every (ceil_mode) window lies inside the padded array
    hi = tuple(max(p, (o - 1) * s + d * (k - 1) + 1 - n - p)
               for n, k, s, p, d, o in zip(spatial, kernel, stride, padding, dilation, out))
    return kernel, stride, padding, dilation, out, hi


# -- non-overlapping windows (kernel == stride, no padding, no dilation) -----------------------
# The common case (``MaxPool2d(2)``) needs no window copies at all: the channels-last input
# ``(N, *S, C)`` is reshaped to ``(N, o1, k1, o2, k2, ..., C)`` (free for contiguous memory) and
# reduced over the ``k`` axes. This is the layout the convolutions and batch norm leave behind.
def _blocks_fast(x, kernel, stride, padding, dilation, out) -> bool:
    nd = len(kernel)
    return (x._data.size > 0 and stride == kernel and not any(padding) and all(d == 1 for d in dilation)
            and all(o * k <= n for o, k, n in zip(out, kernel, x.shape[-nd:])))


def _blocks(x: mx.array, kernel: tuple, out: tuple):
    """``x`` ``(N, C, *S)`` (or ``(C, *S)``) as channels-last blocks ``(N, o1, k1, ..., C)`` and the block axes."""
    nd = len(kernel)
    if x.ndim == nd + 1:
        x = mx.expand_dims(x, 0)
    xc = to_last(x)
    if any(o * k != n for o, k, n in zip(out, kernel, x.shape[2:])):
        # NOTE: floor mode drops the trailing rows that fill no whole window (PyTorch's rule).
        xc = xc[(slice(None),) + tuple(slice(0, o * k) for o, k in zip(out, kernel))]
    shape = (x.shape[0],) + tuple(v for o, k in zip(out, kernel) for v in (o, k)) + (x.shape[1],)
    return mx.reshape(mx.contiguous(xc), shape), tuple(2 + 2 * i for i in range(nd))


def _unblocks(gb: mx.array, x_shape: tuple, nd: int) -> mx.array:
    """The inverse of ``_blocks`` for a gradient: channels-first, zero on cropped rows, unbatched if ``x`` was."""
    n = gb.shape[0]
    spatial = tuple(gb.shape[1 + 2 * i] * gb.shape[2 + 2 * i] for i in range(nd))
    g = mx.reshape(gb, (n,) + spatial + (gb.shape[-1],))
    full = x_shape[-nd:]
    if spatial != tuple(full):
        g = mx.pad(g, [(0, 0)] + [(0, f - s) for f, s in zip(full, spatial)] + [(0, 0)])
    g = to_first(g)
    return g[0] if len(x_shape) == nd + 1 else g


def _window_elements(xb: mx.array, nd: int) -> list:
    """Views ``(N, o1, ..., C)`` of each window element of blocks ``xb``, in row-major kernel order."""
    kernel = [xb.shape[2 + 2 * i] for i in range(nd)]
    views = []
    for offs in itertools.product(*[range(k) for k in kernel]):
        idx = (slice(None),) + tuple(v for j in offs for v in (slice(None), j)) + (slice(None),)
        views.append(xb[idx])
    return views


def _stack_blocks(parts: list, kernel: tuple) -> mx.array:
    """Assemble per-window-element arrays ``(N, o1, ..., C)`` (row-major kernel order) into blocks."""
    nd = len(kernel)
    for i in range(nd - 1, -1, -1):
        k = kernel[i]
        parts = [mx.stack(parts[j:j + k], axis=2 + i) for j in range(0, len(parts), k)]
    return parts[0]


def _first_max_fn(g, y, *w):
    # NOTE: each window's gradient goes to its first maximum in row-major order (PyTorch's rule);
    # a NaN counts as the maximum (the max is then NaN), so the first NaN gets it.
    taken = None
    out = []
    for v in w:
        hit = (v == y) | (v != v)
        if taken is None:
            out.append(g * hit)
            taken = hit
        else:
            out.append(g * (hit & ~taken))
            taken = taken | hit
    return tuple(out)


_first_max = fused(_first_max_fn)


class MaxPoolBlocks(Function):
    """Max pooling over non-overlapping windows, on channels-last blocks; gradient to the first maximum."""

    @staticmethod
    def forward(ctx, x, kernel, out):
        xb, axes = _blocks(x, kernel, out)
        y = mx.max(xb, axis=axes)
        ctx.geo = (kernel, out)
        ctx.save_for_backward(x)
        ctx.y = y
        y = to_first(y)
        return y[0] if x.ndim == len(kernel) + 1 else y

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        kernel, out = ctx.geo
        nd = len(kernel)
        xb, _ = _blocks(x, kernel, out)
        if g.ndim == nd + 1:
            g = mx.expand_dims(g, 0)
        gc = mx.contiguous(to_last(g))
        parts = _first_max(gc, ctx.y, *_window_elements(xb, nd))
        return _unblocks(_stack_blocks(list(parts), kernel), x.shape, nd), None, None


class AvgPoolBlocks(Function):
    """Average pooling over non-overlapping windows (no padding), on channels-last blocks."""

    @staticmethod
    def forward(ctx, x, kernel, out, divisor):
        xb, axes = _blocks(x, kernel, out)
        dtype = x.dtype
        work = mx.float32 if dtype in _HALF else dtype
        if work != dtype:
            xb = xb.astype(work)
        y = reductions.sum(xb, axis=axes) * (1.0 / divisor) if divisor else reductions.mean(xb, axis=axes)
        ctx.geo = (kernel, out, divisor, x.shape, xb.shape)
        y = to_first(y.astype(dtype) if work != dtype else y)
        return y[0] if x.ndim == len(kernel) + 1 else y

    @staticmethod
    def backward(ctx, g):
        kernel, _out, divisor, x_shape, b_shape = ctx.geo
        nd = len(kernel)
        if g.ndim == nd + 1:
            g = mx.expand_dims(g, 0)
        scale = 1.0 / (divisor or math.prod(kernel))
        gc = to_last(g) * mx.array(scale, dtype=g.dtype)
        for i in range(nd):
            gc = mx.expand_dims(gc, 2 + 2 * i)
        gb = mx.contiguous(mx.broadcast_to(gc, b_shape))
        return _unblocks(gb, x_shape, nd), None, None, None


# -- any other windows: one strided slice per kernel offset -------------------------------------
# Window element ``j`` of every output position is the strided slice
# ``xp[j d : j d + (o - 1) s + 1 : s]`` of the padded channels-last input, a view: the pools
# combine ``prod(kernel)`` such views elementwise (one fused pass) instead of copying windows, and
# the backward places each view's gradient back with pads, adds and one interleave per dimension
# (the adjoint of the slicing) instead of a scatter.
def _offset_views(xp: mx.array, kernel, stride, dilation, out) -> list:
    """Views ``(N, *out, C)`` of padded channels-last ``xp``, one per kernel offset (row-major order)."""
    views = []
    for offs in itertools.product(*[range(k) for k in kernel]):
        idx = tuple(slice(j * d, j * d + (o - 1) * s + 1, s) for j, d, o, s in zip(offs, dilation, out, stride))
        views.append(xp[(slice(None),) + idx + (slice(None),)])
    return views


def _place(parts: list, kernel, stride, dilation, padded) -> mx.array:
    """The adjoint of ``_offset_views``: the sum of each part put back where its view reads, ``(N, *padded, C)``."""
    for i in range(len(kernel) - 1, -1, -1):
        k, s, d, n = kernel[i], stride[i], dilation[i], padded[i]
        axis = 1 + i
        length = -(-n // s)  # positions r, r + s, ... of each phase r < s
        merged = []
        for base in range(0, len(parts), k):
            phases = [None] * s
            for j, gj in enumerate(parts[base:base + k]):
                # NOTE: offset j lands on position (o + q) s + r of this axis, q = j d // s, r = j d % s.
                r, q = (j * d) % s, (j * d) // s
                pads = [(0, 0)] * gj.ndim
                pads[axis] = (q, length - gj.shape[axis] - q)
                t = mx.pad(gj, pads)
                phases[r] = t if phases[r] is None else phases[r] + t
            ref = next(p for p in phases if p is not None)
            if s == 1:
                full = ref
            else:
                phases = [mx.zeros_like(ref) if p is None else p for p in phases]
                st = mx.stack(phases, axis=axis + 1)
                full = st.reshape(st.shape[:axis] + (length * s,) + st.shape[axis + 2:])
            if full.shape[axis] != n:
                full = full[(slice(None),) * axis + (slice(0, n),)]
            merged.append(full)
        parts = merged
    return parts[0]


def _max_of(*views):
    out = views[0]
    for v in views[1:]:
        out = mx.maximum(out, v)
    return out


def _mean_of(inv, *views):
    out = views[0]
    for v in views[1:]:
        out = out + v
    return out * inv


_fused_max, _fused_sum = fused(_max_of), fused(lambda *views: _mean_of(1.0, *views))


class _Windows:
    """Geometry of a strided pool: pads the channels-last input and un-pads gradients."""

    def __init__(self, x_shape, kernel, stride, padding, dilation, out, hi, fill):
        nd = len(kernel)
        self.nd, self.x_shape = nd, x_shape
        self.kernel, self.stride, self.dilation, self.out, self.padding = kernel, stride, dilation, out, padding
        self.pads = [(0, 0)] + list(zip(padding, hi)) + [(0, 0)]
        self.padded = tuple(n + p + h for n, p, h in zip(x_shape[-nd:], padding, hi))
        self.fill = fill

    def views(self, x: mx.array) -> list:
        if x.ndim == self.nd + 1:
            x = mx.expand_dims(x, 0)
        xc = to_last(x)
        if any(p != (0, 0) for p in self.pads):
            xc = mx.pad(xc, self.pads, constant_values=self.fill)
        return _offset_views(xc, self.kernel, self.stride, self.dilation, self.out)

    def output(self, y: mx.array) -> mx.array:
        y = to_first(y)
        return y[0] if len(self.x_shape) == self.nd + 1 else y

    def upstream(self, g: mx.array) -> mx.array:
        return mx.contiguous(to_last(mx.expand_dims(g, 0) if g.ndim == self.nd + 1 else g))

    def input_grad(self, parts: list) -> mx.array:
        gp = _place(parts, self.kernel, self.stride, self.dilation, self.padded)
        crop = tuple(slice(p, p + n) for p, n in zip(self.padding, self.x_shape[-self.nd:]))
        g = to_first(gp[(slice(None),) + crop + (slice(None),)])
        return g[0] if len(self.x_shape) == self.nd + 1 else g


class MaxPoolStrided(Function):
    """Max pooling over any windows (padding, overlap, dilation, ceil mode); gradient to the first maximum."""

    @staticmethod
    def forward(ctx, x, geo):
        y = _fused_max(*geo.views(x))
        ctx.geo, ctx.y = geo, y
        ctx.save_for_backward(x)
        return geo.output(y)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        geo = ctx.geo
        parts = _first_max(geo.upstream(g), ctx.y, *geo.views(x))
        return geo.input_grad(list(parts)), None


class AvgPoolStrided(Function):
    """Average pooling over any windows: window sums times ``inv`` (1 / divisor per output position)."""

    @staticmethod
    def forward(ctx, x, geo, inv):
        dtype = x.dtype
        work = mx.float32 if dtype in _HALF else dtype
        views = geo.views(x if work == dtype else x.astype(work))
        y = _fused_sum(*views) * inv
        ctx.geo, ctx.inv = geo, inv
        return geo.output(y if work == dtype else y.astype(dtype))

    @staticmethod
    def backward(ctx, g):
        geo, inv = ctx.geo, ctx.inv
        gi = geo.upstream(g)
        gx = geo.input_grad([gi.astype(inv.dtype) * inv] * math.prod(geo.kernel))
        return gx.astype(g.dtype), None, None


class MaxPool(Function):
    """Max over the last axis of ``fn(x)`` (windows flattened there); gradient to the first maximum."""

    @staticmethod
    def forward(ctx, x, fn, index_fn):
        w = fn(x)
        if w.size:
            idx, out = mx.argmax(w, axis=-1), mx.max(w, axis=-1)
        else:  # MLX refuses to reduce empty arrays
            idx, out = mx.zeros(w.shape[:-1], dtype=mx.uint32), mx.zeros(w.shape[:-1], dtype=w.dtype)
        ctx.win, ctx.idx, ctx.k = fn, idx, w.shape[-1]
        ctx.save_for_backward(x)
        if index_fn is None:
            return out
        return out, index_fn(idx)

    @staticmethod
    def backward(ctx, g, *_):
        (x,) = ctx.saved_tensors
        if g.size == 0:  # an empty batch; MLX's scatter in the window VJP refuses empty updates
            return mx.zeros(x.shape, x.dtype), None, None
        # NOTE: ties send the whole gradient to the first maximum of the window (row-major order).
        mask = mx.arange(ctx.k, dtype=ctx.idx.dtype) == mx.expand_dims(ctx.idx, -1)
        return mx.vjp(ctx.win, [x], [mx.expand_dims(g, -1) * mask])[1][0], None, None


def _index_fn(tables, kernel, spatial):
    """Map flat in-window argmaxes to flat indices into each input plane (PyTorch's ``return_indices``)."""
    nd = len(kernel)

    def fn(idx):
        flat = None
        for d in range(nd):
            inner = math.prod(kernel[d + 1:])
            k_d = (idx // inner) % kernel[d] if inner > 1 else idx % kernel[d]
            o = mx.arange(tables[d].shape[0]).reshape((-1,) + (1,) * (nd - 1 - d))
            pos = mx.take(mx.array(tables[d].reshape(-1)), o * kernel[d] + k_d.astype(mx.int64))
            term = pos * math.prod(spatial[d + 1:])
            flat = term if flat is None else flat + term
        return flat.astype(mx.int64)

    return fn


def _max_pool(nd, op, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices):
    _check_input(input, nd, op)
    kernel, stride, padding, dilation, out, hi = _geometry(op, input, nd, kernel_size, stride, padding,
                                                          dilation, ceil_mode)
    if not return_indices and _blocks_fast(input, kernel, stride, padding, dilation, out):
        return MaxPoolBlocks.apply(input, kernel, out)
    low = _lowest(input._data.dtype)
    if not return_indices and input._data.size:
        return MaxPoolStrided.apply(input, _Windows(input.shape, kernel, stride, padding, dilation, out, hi, low))
    lead = input.ndim - nd
    pads = [(0, 0)] * lead + list(zip(padding, hi))

    def fn(x):
        xp = mx.pad(x, pads, constant_values=low) if any(padding) or any(hi) else x
        w = windows(xp, kernel, stride, dilation, out)
        return w.reshape(x.shape[:lead] + out + (math.prod(kernel),))

    index_fn = None
    if return_indices:
        tables = [np.arange(o)[:, None] * s - p + np.arange(k)[None, :] * d
                  for o, k, s, p, d in zip(out, kernel, stride, padding, dilation)]
        index_fn = _index_fn(tables, kernel, input.shape[-nd:])
    return MaxPool.apply(input, fn, index_fn)


def _avg_pool(nd, op, input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override):
    _check_input(input, nd, op)
    kernel, stride, padding, _, out, hi = _geometry(op, input, nd, kernel_size, stride, padding, 1, ceil_mode)
    if divisor_override is not None:
        if isinstance(divisor_override, bool) or not isinstance(divisor_override, int) or divisor_override == 0:
            raise ValueError(f"{op}: divisor_override must be a non-zero int, got {divisor_override!r}")
        divisor = np.array(float(divisor_override))
    else:
        divisor = np.ones(())
        for n, k, s, p, o in zip(input.shape[-nd:], kernel, stride, padding, out):
            start = np.arange(o) * s - p
            end = np.minimum(start + k, n + p)
            # NOTE: count_include_pad counts the explicit padding but never the extra ceil_mode overhang.
            count = end - start if count_include_pad else np.minimum(end, n) - np.maximum(start, 0)
            divisor = np.multiply.outer(divisor, count)
    if _blocks_fast(input, kernel, stride, padding, (1,) * nd, out):
        return AvgPoolBlocks.apply(input, kernel, out, divisor_override)
    dtype = input._data.dtype
    if input._data.size and dtype in _FLOATS:
        # 1 / divisor per output position, broadcast over the channels-last (N, *out, C) sums
        inv = mx.array((1.0 / divisor).reshape(divisor.shape + (1,) if divisor.ndim else ()),
                       dtype=mx.float32 if dtype in _HALF else dtype)
        geo = _Windows(input.shape, kernel, stride, padding, (1,) * nd, out, hi, 0)
        return AvgPoolStrided.apply(input, geo, inv)
    lead = input.ndim - nd
    dtype = input._data.dtype
    work = mx.float32 if dtype in _HALF else dtype
    div = mx.array(divisor, dtype=work)
    pads = [(0, 0)] * lead + list(zip(padding, hi))

    def fn(x):
        xw = x.astype(work) if work != dtype else x
        xp = mx.pad(xw, pads) if any(padding) or any(hi) else xw
        s = reductions.sum(windows(xp, kernel, stride, (1,) * nd, out), axis=tuple(range(-nd, 0)))
        y = s / div
        return y.astype(dtype) if work != dtype else y

    return LinearMap.apply(input, fn)


def _adaptive_out(op, x, nd, output_size) -> tuple:
    if output_size is None:
        raise TypeError(f"{op}: output_size must be an int or a tuple of ints (None entries keep that size)")
    if isinstance(output_size, (tuple, list)):
        if len(output_size) != nd:
            raise ValueError(f"{op}: output_size must have {nd} entries, got {tuple(output_size)}")
        sizes = tuple(x.shape[-nd + i] if s is None else s for i, s in enumerate(output_size))
    else:
        sizes = output_size
    out = ntuple(sizes, nd, "output_size", op, minimum=0)
    for n, o in zip(x.shape[-nd:], out):
        if o > 0 and n == 0:
            raise ValueError(f"{op}: cannot pool an empty input of shape {x.shape} to output size {out}")
    return out


def _bounds(n: int, o: int):
    """PyTorch's adaptive windows: ``start = floor(i n / o)``, ``end = ceil((i + 1) n / o)``."""
    i = np.arange(o)
    return (i * n) // o, -((-(i + 1) * n) // o)


def _adaptive_avg(nd, op, input, output_size):
    _check_input(input, nd, op)
    out = _adaptive_out(op, input, nd, output_size)
    dtype = input._data.dtype
    work = mx.float32 if dtype in _HALF else dtype
    mats = []
    for n, o in zip(input.shape[-nd:], out):
        start, end = _bounds(n, o)
        cols = np.arange(n)[None, :]
        inside = (cols >= start[:, None]) & (cols < end[:, None])
        mats.append(mx.array(inside / np.maximum(end - start, 1)[:, None], dtype=work))

    def fn(x):
        y = x.astype(work) if work != dtype else x
        for d, a in enumerate(mats):
            ax = y.ndim - nd + d
            if d == nd - 1:
                y = mx.matmul(y, a.T)
            else:
                shape = y.shape
                pre, post = math.prod(shape[:ax]), math.prod(shape[ax + 1:])
                y = mx.matmul(a, y.reshape(pre, shape[ax], post)).reshape(shape[:ax] + (a.shape[0],) + shape[ax + 1:])
        return y.astype(dtype) if work != dtype else y

    return LinearMap.apply(input, fn)


def _adaptive_max(nd, op, input, output_size, return_indices):
    _check_input(input, nd, op)
    out = _adaptive_out(op, input, nd, output_size)
    if any(o == 0 for o in out):
        raise ValueError(f"{op}: output_size must be positive for max pooling, got {out}")
    tables, kernel = [], []
    for n, o in zip(input.shape[-nd:], out):
        start, end = _bounds(n, o)
        k = int(np.max(end - start))
        # NOTE: windows shorter than the longest repeat their last element, which never changes the max
        # nor the first argmax.
        tables.append(np.minimum(start[:, None] + np.arange(k)[None, :], end[:, None] - 1))
        kernel.append(k)
    kernel = tuple(kernel)
    flat_tables = [mx.array(t.reshape(-1)) for t in tables]

    def fn(x):
        lead = x.ndim - nd
        y = x
        for d in range(nd):
            ax = lead + 2 * d
            y = mx.take(y, flat_tables[d], axis=ax)
            y = y.reshape(y.shape[:ax] + (out[d], kernel[d]) + y.shape[ax + 1:])
        perm = list(range(lead)) + [lead + 2 * d for d in range(nd)] + [lead + 2 * d + 1 for d in range(nd)]
        return y.transpose(perm).reshape(x.shape[:lead] + out + (math.prod(kernel),))

    index_fn = _index_fn(tables, kernel, input.shape[-nd:]) if return_indices else None
    return MaxPool.apply(input, fn, index_fn)


# -- public functions ---------------------------------------------------------------------------
def max_pool1d(input: Tensor, kernel_size, stride=None, padding=0, dilation=1, ceil_mode: bool = False,
               return_indices: bool = False):
    """1-D max pooling over ``(N, C, L)`` (or ``(C, L)``).

    Args:
        input: the input.
        kernel_size: window length.
        stride: step between windows; default ``kernel_size``.
        padding: implicit ``-inf`` padding on both sides (at most half the kernel). Default 0.
        dilation: spacing between window elements. Default 1.
        ceil_mode: round the output length up instead of down. Default False.
        return_indices: also return the flat position of each maximum in the input.

    Returns:
        Tensor ``(N, C, L_out)``, ``L_out = floor((L + 2 padding - dilation (k - 1) - 1) / stride) + 1``
        (ceil with ``ceil_mode``), or ``(output, indices)`` with int64 indices.

    Raises:
        TypeError: ``input`` is not a Tensor or an argument has the wrong type.
        ValueError: bad shapes, padding larger than half the kernel, or an empty output.

    Examples:
        >>> import lucid
        >>> import lucid.nn.functional as F
        >>> F.max_pool1d(lucid.tensor([[[1.0, 3.0, 2.0, 5.0, 4.0]]]), 2).tolist()
        [[[3.0, 5.0]]]
    """
    return _max_pool(1, "max_pool1d", input, kernel_size, stride, padding, dilation, ceil_mode, return_indices)


def max_pool2d(input: Tensor, kernel_size, stride=None, padding=0, dilation=1, ceil_mode: bool = False,
               return_indices: bool = False):
    """2-D max pooling over ``(N, C, H, W)`` (or ``(C, H, W)``).

    Same arguments as :func:`max_pool1d` with ints or 2-tuples. The indices
    (``return_indices=True``) are flat positions ``h * W + w`` in each input plane.

    Examples:
        >>> import lucid
        >>> import lucid.nn.functional as F
        >>> x = lucid.arange(16.0).reshape(1, 1, 4, 4)
        >>> F.max_pool2d(x, 2).tolist()
        [[[[5.0, 7.0], [13.0, 15.0]]]]
        >>> F.max_pool2d(x, 2, return_indices=True)[1].tolist()
        [[[[5, 7], [13, 15]]]]
    """
    return _max_pool(2, "max_pool2d", input, kernel_size, stride, padding, dilation, ceil_mode, return_indices)


def max_pool3d(input: Tensor, kernel_size, stride=None, padding=0, dilation=1, ceil_mode: bool = False,
               return_indices: bool = False):
    """3-D max pooling over ``(N, C, D, H, W)`` (or ``(C, D, H, W)``).

    Same arguments as :func:`max_pool1d` with ints or 3-tuples.

    Examples:
        >>> import lucid
        >>> import lucid.nn.functional as F
        >>> F.max_pool3d(lucid.ones(1, 2, 4, 4, 4), 2).shape
        (1, 2, 2, 2, 2)
    """
    return _max_pool(3, "max_pool3d", input, kernel_size, stride, padding, dilation, ceil_mode, return_indices)


def avg_pool1d(input: Tensor, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
               count_include_pad: bool = True) -> Tensor:
    """1-D average pooling over ``(N, C, L)`` (or ``(C, L)``).

    Args:
        input: the input.
        kernel_size: window length.
        stride: step between windows; default ``kernel_size``.
        padding: implicit zero padding on both sides (at most half the kernel). Default 0.
        ceil_mode: round the output length up instead of down. Default False.
        count_include_pad: count the zero padding in each window's divisor. Default True.

    Returns:
        Tensor ``(N, C, L_out)``: each window's sum divided by its element count.

    Examples:
        >>> import lucid
        >>> import lucid.nn.functional as F
        >>> F.avg_pool1d(lucid.tensor([[[1.0, 2.0, 3.0, 4.0]]]), 2).tolist()
        [[[1.5, 3.5]]]
        >>> F.avg_pool1d(lucid.tensor([[[1.0, 2.0]]]), 2, stride=1, padding=1, count_include_pad=False).tolist()
        [[[1.0, 1.5, 2.0]]]
    """
    return _avg_pool(1, "avg_pool1d", input, kernel_size, stride, padding, ceil_mode, count_include_pad, None)


def avg_pool2d(input: Tensor, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
               count_include_pad: bool = True, divisor_override: int | None = None) -> Tensor:
    """2-D average pooling over ``(N, C, H, W)`` (or ``(C, H, W)``).

    Same arguments as :func:`avg_pool1d` with ints or 2-tuples, plus
    ``divisor_override``: divide every window's sum by this number instead.

    Examples:
        >>> import lucid
        >>> import lucid.nn.functional as F
        >>> F.avg_pool2d(lucid.arange(16.0).reshape(1, 1, 4, 4), 2).tolist()
        [[[[2.5, 4.5], [10.5, 12.5]]]]
    """
    return _avg_pool(2, "avg_pool2d", input, kernel_size, stride, padding, ceil_mode, count_include_pad,
                     divisor_override)


def avg_pool3d(input: Tensor, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
               count_include_pad: bool = True, divisor_override: int | None = None) -> Tensor:
    """3-D average pooling over ``(N, C, D, H, W)`` (or ``(C, D, H, W)``); see :func:`avg_pool2d`.

    Examples:
        >>> import lucid
        >>> import lucid.nn.functional as F
        >>> F.avg_pool3d(lucid.ones(1, 1, 2, 2, 2), 2).tolist()
        [[[[[1.0]]]]]
    """
    return _avg_pool(3, "avg_pool3d", input, kernel_size, stride, padding, ceil_mode, count_include_pad,
                     divisor_override)


def adaptive_avg_pool1d(input: Tensor, output_size) -> Tensor:
    """1-D adaptive average pooling to a fixed output length.

    Output ``i`` averages input positions ``floor(i L / out)`` up to
    ``ceil((i + 1) L / out)`` (exclusive), so windows may overlap and differ in
    length when ``out`` does not divide ``L``.

    Args:
        input: ``(N, C, L)`` or ``(C, L)``.
        output_size: the output length (an int or 1-tuple).

    Returns:
        Tensor ``(N, C, output_size)``.

    Examples:
        >>> import lucid
        >>> import lucid.nn.functional as F
        >>> F.adaptive_avg_pool1d(lucid.tensor([[[1.0, 2.0, 3.0]]]), 2).tolist()
        [[[1.5, 2.5]]]
    """
    return _adaptive_avg(1, "adaptive_avg_pool1d", input, output_size)


def adaptive_avg_pool2d(input: Tensor, output_size) -> Tensor:
    """2-D adaptive average pooling to ``output_size`` (int or ``(H_out, W_out)``; ``None`` keeps a size).

    Windows follow :func:`adaptive_avg_pool1d` along each dimension.

    Examples:
        >>> import lucid
        >>> import lucid.nn.functional as F
        >>> F.adaptive_avg_pool2d(lucid.arange(16.0).reshape(1, 1, 4, 4), 1).tolist()
        [[[[7.5]]]]
    """
    return _adaptive_avg(2, "adaptive_avg_pool2d", input, output_size)


def adaptive_avg_pool3d(input: Tensor, output_size) -> Tensor:
    """3-D adaptive average pooling to ``output_size`` (int or 3-tuple; ``None`` keeps a size).

    Examples:
        >>> import lucid
        >>> import lucid.nn.functional as F
        >>> F.adaptive_avg_pool3d(lucid.ones(2, 3, 5, 6, 7), (2, None, 3)).shape
        (2, 3, 2, 6, 3)
    """
    return _adaptive_avg(3, "adaptive_avg_pool3d", input, output_size)


def adaptive_max_pool1d(input: Tensor, output_size, return_indices: bool = False):
    """1-D adaptive max pooling (windows as in :func:`adaptive_avg_pool1d`).

    Args:
        input: ``(N, C, L)`` or ``(C, L)``.
        output_size: the output length.
        return_indices: also return the position of each maximum in the input.

    Returns:
        Tensor ``(N, C, output_size)``, or ``(output, indices)``.

    Examples:
        >>> import lucid
        >>> import lucid.nn.functional as F
        >>> F.adaptive_max_pool1d(lucid.tensor([[[1.0, 4.0, 2.0, 3.0, 0.0]]]), 2).tolist()
        [[[4.0, 3.0]]]
    """
    return _adaptive_max(1, "adaptive_max_pool1d", input, output_size, return_indices)


def adaptive_max_pool2d(input: Tensor, output_size, return_indices: bool = False):
    """2-D adaptive max pooling to ``output_size``; indices are flat ``h * W + w`` positions.

    Examples:
        >>> import lucid
        >>> import lucid.nn.functional as F
        >>> F.adaptive_max_pool2d(lucid.arange(16.0).reshape(1, 1, 4, 4), 2).tolist()
        [[[[5.0, 7.0], [13.0, 15.0]]]]
    """
    return _adaptive_max(2, "adaptive_max_pool2d", input, output_size, return_indices)


def adaptive_max_pool3d(input: Tensor, output_size, return_indices: bool = False):
    """3-D adaptive max pooling to ``output_size``.

    Examples:
        >>> import lucid
        >>> import lucid.nn.functional as F
        >>> F.adaptive_max_pool3d(lucid.ones(1, 2, 3, 4, 5), 1).shape
        (1, 2, 1, 1, 1)
    """
    return _adaptive_max(3, "adaptive_max_pool3d", input, output_size, return_indices)


# -- power-average pooling ----------------------------------------------------------------------

def _lp_pool(nd, op, input, norm_type, kernel_size, stride, ceil_mode):
    _check_input(input, nd, op)
    if isinstance(norm_type, bool) or not isinstance(norm_type, (int, float)) or not norm_type > 0:
        raise ValueError(f"{op}: norm_type must be a positive number, got {norm_type!r}")
    kernel = ntuple(kernel_size, nd, "kernel_size", op)
    p = float(norm_type)
    avg = (avg_pool1d, avg_pool2d, avg_pool3d)[nd - 1]
    out = avg(input ** p, kernel, stride, 0, ceil_mode)
    # NOTE: like PyTorch, the window mean is clamped at 0 (through relu) before the root, and the
    # gradient of the root is infinite where a whole window is 0.
    return (out.clamp(min=0) * math.prod(kernel)) ** (1.0 / p)


def lp_pool1d(input: Tensor, norm_type: float, kernel_size, stride=None, ceil_mode: bool = False) -> Tensor:
    """1-D power-average pooling: ``(sum over the window of x^p)^(1/p)``.

    ``p = 1`` is sum pooling; large ``p`` approaches max pooling (of non-negative inputs).

    Args:
        input: ``(N, C, L)`` or ``(C, L)``.
        norm_type: the power ``p`` (positive).
        kernel_size: window length.
        stride: step between windows; default ``kernel_size``.
        ceil_mode: round the output length up.

    Raises:
        ValueError: on a non-positive ``norm_type`` or bad shapes.

    Examples:
        >>> import lucid
        >>> lucid.nn.functional.lp_pool1d(lucid.tensor([[3.0, 4.0, 1.0, 1.0]]), 2, 2).tolist()
        [[5.0, 1.4142135381698608]]
    """
    return _lp_pool(1, "lp_pool1d", input, norm_type, kernel_size, stride, ceil_mode)


def lp_pool2d(input: Tensor, norm_type: float, kernel_size, stride=None, ceil_mode: bool = False) -> Tensor:
    """2-D power-average pooling over ``(N, C, H, W)`` or ``(C, H, W)`` (see :func:`lp_pool1d`).

    Examples:
        >>> import lucid
        >>> lucid.nn.functional.lp_pool2d(lucid.ones(1, 2, 2), 1, 2).tolist()
        [[[4.0]]]
    """
    return _lp_pool(2, "lp_pool2d", input, norm_type, kernel_size, stride, ceil_mode)


def lp_pool3d(input: Tensor, norm_type: float, kernel_size, stride=None, ceil_mode: bool = False) -> Tensor:
    """3-D power-average pooling over ``(N, C, D, H, W)`` or ``(C, D, H, W)`` (see :func:`lp_pool1d`).

    Examples:
        >>> import lucid
        >>> lucid.nn.functional.lp_pool3d(lucid.ones(1, 2, 2, 2), 1, 2).tolist()
        [[[[8.0]]]]
    """
    return _lp_pool(3, "lp_pool3d", input, norm_type, kernel_size, stride, ceil_mode)


# -- max unpooling -------------------------------------------------------------------------------

class MaxUnpool(Function):
    """Place each value of ``(B, L_in)`` at its index in a zero ``(B, L_out)``; the backward gathers."""

    @staticmethod
    def forward(ctx, x, idx, size):
        ctx.save_for_backward(idx)
        out = mx.zeros((x.shape[0], size), dtype=x.dtype)
        return mx.put_along_axis(out, idx, x, axis=1)

    @staticmethod
    def backward(ctx, g):
        (idx,) = ctx.saved_tensors
        return mx.take_along_axis(g, idx, axis=1), None, None


def _max_unpool(nd, op, input, indices, kernel_size, stride, padding, output_size):
    _check_input(input, nd, op)
    check_tensor(indices, "indices", op)
    if indices.shape != input.shape:
        raise ValueError(f"{op}: indices of shape {indices.shape} must have the input's shape {input.shape}")
    if indices.dtype.is_floating_point or indices._data.dtype == mx.bool_:
        raise TypeError(f"{op}: indices must be integers, got {indices.dtype}")
    kernel = ntuple(kernel_size, nd, "kernel_size", op)
    stride = kernel if stride is None else ntuple(stride, nd, "stride", op)
    padding = ntuple(padding, nd, "padding", op)
    spatial = input.shape[-nd:]
    default = tuple((i - 1) * s - 2 * p + k for i, s, p, k in zip(spatial, stride, padding, kernel))
    if output_size is None:
        size = default
    else:
        size = tuple(int(v) for v in output_size)[-nd:]
        if len(size) != nd:
            raise ValueError(f"{op}: output_size must give {nd} spatial sizes, got {output_size!r}")
        for got, want, s in zip(size, default, stride):
            if not want - s < got < want + s:
                raise ValueError(f"{op}: output_size {size} is invalid; each size must lie strictly within one "
                                 f"stride of the default {default}")
    if any(v <= 0 for v in size):
        raise ValueError(f"{op}: the output size {size} must be positive")
    lead = input.shape[:-nd]
    planes = math.prod(lead)
    n_out = math.prod(size)
    flat_in = input.reshape(planes, -1)
    idx = safe_index(indices._data.reshape(planes, -1), n_out, op)
    return MaxUnpool.apply(flat_in, idx, n_out).reshape(lead + size)


def max_unpool1d(input: Tensor, indices: Tensor, kernel_size, stride=None, padding=0, output_size=None) -> Tensor:
    """Partial inverse of :func:`max_pool1d`: each value goes back to its index; the rest is 0.

    Args:
        input: ``(N, C, L)`` or ``(C, L)``, a max pooling's output.
        indices: the pooling's ``return_indices=True`` indices (same shape).
        kernel_size: the pooling's window.
        stride: the pooling's stride; default ``kernel_size``.
        padding: the pooling's padding.
        output_size: the output length (to undo a floor in the pooled size); default
            ``(L - 1) stride - 2 padding + kernel_size``.

    Raises:
        ValueError: on bad shapes or an output size more than a stride off the default;
            an index outside the output raises ``IndexError`` at the next sync point.

    Examples:
        >>> import lucid
        >>> import lucid.nn.functional as F
        >>> y, i = F.max_pool1d(lucid.tensor([[1.0, 3.0, 5.0, 2.0]]), 2, return_indices=True)
        >>> F.max_unpool1d(y, i, 2).tolist()
        [[0.0, 3.0, 5.0, 0.0]]
    """
    return _max_unpool(1, "max_unpool1d", input, indices, kernel_size, stride, padding, output_size)


def max_unpool2d(input: Tensor, indices: Tensor, kernel_size, stride=None, padding=0, output_size=None) -> Tensor:
    """Partial inverse of :func:`max_pool2d`: each value goes back to its flat ``h * W + w`` index.

    Same arguments as :func:`max_unpool1d` with ints or 2-tuples.

    Examples:
        >>> import lucid
        >>> import lucid.nn.functional as F
        >>> y, i = F.max_pool2d(lucid.arange(4.0).reshape(1, 2, 2), 2, return_indices=True)
        >>> F.max_unpool2d(y, i, 2).tolist()
        [[[0.0, 0.0], [0.0, 3.0]]]
    """
    return _max_unpool(2, "max_unpool2d", input, indices, kernel_size, stride, padding, output_size)


def max_unpool3d(input: Tensor, indices: Tensor, kernel_size, stride=None, padding=0, output_size=None) -> Tensor:
    """Partial inverse of :func:`max_pool3d`: each value goes back to its flat ``(d * H + h) * W + w`` index.

    Same arguments as :func:`max_unpool1d` with ints or 3-tuples.

    Examples:
        >>> import lucid
        >>> import lucid.nn.functional as F
        >>> y, i = F.max_pool3d(lucid.arange(8.0).reshape(1, 2, 2, 2), 2, return_indices=True)
        >>> F.max_unpool3d(y, i, 2).flatten().tolist()
        [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 7.0]
    """
    return _max_unpool(3, "max_unpool3d", input, indices, kernel_size, stride, padding, output_size)
