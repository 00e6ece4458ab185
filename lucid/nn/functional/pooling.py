"""Pooling on channels-first inputs: max, average, adaptive average and adaptive max, in 1, 2 and 3 dimensions.

Windows are built as one strided view of the (padded) input (``mx.as_strided``)
or, for adaptive pooling, as one gather per dimension, never by looping over
output positions. Max pooling sends each output's gradient to the position of
its window's maximum; average pooling is linear, and its backward is the VJP
of the same window sum.
"""

from __future__ import annotations

import math

import mlx.core as mx
import numpy as np

from lucid._tensor import Tensor
from lucid.autograd.function import Function
from lucid.nn.functional.conv import LinearMap, check_tensor, ntuple, windows

__all__ = [
    "max_pool1d", "max_pool2d", "max_pool3d", "avg_pool1d", "avg_pool2d", "avg_pool3d",
    "adaptive_avg_pool1d", "adaptive_avg_pool2d", "adaptive_avg_pool3d",
    "adaptive_max_pool1d", "adaptive_max_pool2d", "adaptive_max_pool3d",
]

_SPATIAL = {1: "L", 2: "H, W", 3: "D, H, W"}
_HALF = (mx.float16, mx.bfloat16)


def _check_input(x, nd: int, op: str) -> None:
    check_tensor(x, "input", op)
    if x.ndim not in (nd + 1, nd + 2):
        raise ValueError(f"{op}: expected input of shape (N, C, {_SPATIAL[nd]}) or (C, {_SPATIAL[nd]}), "
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
    out = tuple(_pool_size(n, k, s, p, d, ceil_mode) for n, k, s, p, d in zip(spatial, kernel, stride, padding, dilation))
    if any(o < 1 for o in out):
        raise ValueError(f"{op}: input of shape {x.shape} is too small for kernel_size={kernel}, "
                         f"padding={padding}, dilation={dilation} (output size {out})")
    # right padding so that every (ceil_mode) window lies inside the padded array
    hi = tuple(max(p, (o - 1) * s + d * (k - 1) + 1 - n - p)
               for n, k, s, p, d, o in zip(spatial, kernel, stride, padding, dilation, out))
    return kernel, stride, padding, dilation, out, hi


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
        # NOTE: ties send the whole gradient to the first maximum of the window (row-major order).
        mask = mx.arange(ctx.k) == mx.expand_dims(ctx.idx, -1)
        gw = mx.where(mask, mx.expand_dims(g, -1), mx.zeros((), dtype=g.dtype))
        return mx.vjp(ctx.win, [x], [gw])[1][0], None, None


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
    lead = input.ndim - nd
    low = _lowest(input._data.dtype)
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
    lead = input.ndim - nd
    dtype = input._data.dtype
    work = mx.float32 if dtype in _HALF else dtype
    div = mx.array(divisor, dtype=work)
    pads = [(0, 0)] * lead + list(zip(padding, hi))

    def fn(x):
        xw = x.astype(work) if work != dtype else x
        xp = mx.pad(xw, pads) if any(padding) or any(hi) else xw
        s = mx.sum(windows(xp, kernel, stride, (1,) * nd, out), axis=tuple(range(-nd, 0)))
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

    Example:
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

    Example:
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

    Example:
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

    Example:
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

    Example:
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

    Example:
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

    Example:
        >>> import lucid
        >>> import lucid.nn.functional as F
        >>> F.adaptive_avg_pool1d(lucid.tensor([[[1.0, 2.0, 3.0]]]), 2).tolist()
        [[[1.5, 2.5]]]
    """
    return _adaptive_avg(1, "adaptive_avg_pool1d", input, output_size)


def adaptive_avg_pool2d(input: Tensor, output_size) -> Tensor:
    """2-D adaptive average pooling to ``output_size`` (int or ``(H_out, W_out)``; ``None`` keeps a size).

    Windows follow :func:`adaptive_avg_pool1d` along each dimension.

    Example:
        >>> import lucid
        >>> import lucid.nn.functional as F
        >>> F.adaptive_avg_pool2d(lucid.arange(16.0).reshape(1, 1, 4, 4), 1).tolist()
        [[[[7.5]]]]
    """
    return _adaptive_avg(2, "adaptive_avg_pool2d", input, output_size)


def adaptive_avg_pool3d(input: Tensor, output_size) -> Tensor:
    """3-D adaptive average pooling to ``output_size`` (int or 3-tuple; ``None`` keeps a size).

    Example:
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

    Example:
        >>> import lucid
        >>> import lucid.nn.functional as F
        >>> F.adaptive_max_pool1d(lucid.tensor([[[1.0, 4.0, 2.0, 3.0, 0.0]]]), 2).tolist()
        [[[4.0, 3.0]]]
    """
    return _adaptive_max(1, "adaptive_max_pool1d", input, output_size, return_indices)


def adaptive_max_pool2d(input: Tensor, output_size, return_indices: bool = False):
    """2-D adaptive max pooling to ``output_size``; indices are flat ``h * W + w`` positions.

    Example:
        >>> import lucid
        >>> import lucid.nn.functional as F
        >>> F.adaptive_max_pool2d(lucid.arange(16.0).reshape(1, 1, 4, 4), 2).tolist()
        [[[[5.0, 7.0], [13.0, 15.0]]]]
    """
    return _adaptive_max(2, "adaptive_max_pool2d", input, output_size, return_indices)


def adaptive_max_pool3d(input: Tensor, output_size, return_indices: bool = False):
    """3-D adaptive max pooling to ``output_size``.

    Example:
        >>> import lucid
        >>> import lucid.nn.functional as F
        >>> F.adaptive_max_pool3d(lucid.ones(1, 2, 3, 4, 5), 1).shape
        (1, 2, 1, 1, 1)
    """
    return _adaptive_max(3, "adaptive_max_pool3d", input, output_size, return_indices)
