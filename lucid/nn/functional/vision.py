"""Vision helpers: ``interpolate`` (and the ``upsample*`` aliases), ``unfold``/``fold``, pixel shuffles and ``pad``.

Resizing is separable: each spatial axis is resampled by gathering a few
source positions ("taps") and mixing them with fixed weights, following
PyTorch's source-index rules exactly. All of these maps are linear in the
input, so each is one ``LinearMap`` whose backward is the VJP of the map.
``pad`` is ``lucid.pad``, re-exported.
"""

from __future__ import annotations

import math
import numbers

import mlx.core as mx
import numpy as np

from lucid._tensor import Tensor
from lucid.nn.functional._kernels import LinearMap, check_tensor, ntuple, windows
from lucid.ops.rearrange import pad

__all__ = ["interpolate", "upsample", "upsample_nearest", "upsample_bilinear", "unfold", "fold",
           "pixel_shuffle", "pixel_unshuffle", "pad", "channel_shuffle",
           "affine_grid", "grid_sample"]

_HALF = (mx.float16, mx.bfloat16)
_MODES = {"nearest": None, "nearest-exact": None, "area": None, "linear": 1, "bilinear": 2, "bicubic": 2,
          "trilinear": 3}
_CUBIC_A = -0.75


def _scale(n_in: int, n_out: int, align_corners: bool, scale_factor) -> float:
    """PyTorch's ``area_pixel_compute_scale``: the step in input pixels per output pixel."""
    if align_corners:
        return (n_in - 1) / (n_out - 1) if n_out > 1 else 0.0
    if scale_factor is not None and scale_factor > 0:
        return 1.0 / scale_factor
    return n_in / n_out


def _taps(mode: str, n_in: int, n_out: int, align_corners: bool, scale_factor):
    """``[(index, weight or None), ...]``: output ``i`` is ``sum_t weight_t[i] * x[index_t[i]]``."""
    i = np.arange(n_out)
    if mode in ("nearest", "nearest-exact"):
        if n_out == n_in:
            return [(i, None)]
        # NOTE: PyTorch computes the nearest source index in float32: floor(i * scale) (or (i + 0.5) * scale
        # for 'nearest-exact'), clamped to the last input position.
        s = np.float32(1.0 / scale_factor) if scale_factor is not None and scale_factor > 0 else \
            np.float32(n_in) / np.float32(n_out)
        pos = i.astype(np.float32) + (np.float32(0.5) if mode == "nearest-exact" else np.float32(0))
        return [(np.minimum(np.floor(pos * s).astype(np.int64), n_in - 1), None)]
    s = _scale(n_in, n_out, align_corners, scale_factor)
    src = i * s if align_corners else (i + 0.5) * s - 0.5
    if mode == "bicubic":
        base = np.floor(src)
        t = src - base
        a = _CUBIC_A
        near = lambda x: ((a + 2) * x - (a + 3)) * x * x + 1  # noqa: E731  |x| <= 1
        far = lambda x: ((a * x - 5 * a) * x + 8 * a) * x - 4 * a  # noqa: E731  1 < |x| < 2
        weights = (far(t + 1), near(t), near(1 - t), far(2 - t))
        return [(np.clip(base.astype(np.int64) + k - 1, 0, n_in - 1), w) for k, w in enumerate(weights)]
    src = np.maximum(src, 0.0)
    lo = np.minimum(np.floor(src).astype(np.int64), n_in - 1)
    hi = np.minimum(lo + 1, n_in - 1)
    frac = src - lo
    return [(lo, 1.0 - frac), (hi, frac)]


def _resample_fn(taps_per_axis, nd: int, dtype):
    work = mx.float32 if dtype in _HALF else dtype
    prepared = [[(mx.array(idx.astype(np.int64)), None if w is None else mx.array(w, dtype=work))
                 for idx, w in taps] for taps in taps_per_axis]

    def fn(x):
        y = x.astype(work) if work != dtype else x
        for d, taps in enumerate(prepared):
            if taps is None:
                continue
            ax = y.ndim - nd + d
            tail = (1,) * (nd - d - 1)
            acc = None
            for idx, w in taps:
                v = mx.take(y, idx, axis=ax)
                if w is not None:
                    v = v * w.reshape((-1,) + tail)
                acc = v if acc is None else acc + v
            y = acc
        return y.astype(dtype) if work != dtype else y

    return fn


def interpolate(input: Tensor, size=None, scale_factor=None, mode: str = "nearest", align_corners: bool | None = None,
                recompute_scale_factor: bool | None = None, antialias: bool = False) -> Tensor:
    """Resize ``(N, C, *spatial)`` inputs (1 to 3 spatial dims) to ``size`` or by ``scale_factor``.

    Modes: ``"nearest"`` (source ``floor(i * in / out)``, PyTorch's rule),
    ``"nearest-exact"`` (``floor((i + 0.5) * in / out)``), ``"linear"`` (3-D
    input), ``"bilinear"`` and ``"bicubic"`` (4-D), ``"trilinear"`` (5-D) and
    ``"area"`` (adaptive average pooling). With ``align_corners=True`` the
    corner pixels of input and output are aligned
    (``src = i (in - 1) / (out - 1)``); otherwise pixel centres are
    (``src = (i + 0.5) in / out - 0.5``).

    Args:
        input: ``(N, C, L)``, ``(N, C, H, W)`` or ``(N, C, D, H, W)``.
        size: the output spatial size (an int or a tuple).
        scale_factor: a multiplier (float or tuple) for each spatial size; the
            output size is ``floor(in * scale_factor)``.
        mode: the interpolation mode. Default ``"nearest"``.
        align_corners: for the linear and cubic modes only. Default False.
        recompute_scale_factor: if True, interpolate with ``in / out`` instead of
            ``1 / scale_factor``.
        antialias: not supported.

    Returns:
        Tensor ``(N, C, *size)`` of the input's dtype.

    Raises:
        ValueError: both or neither of ``size``/``scale_factor``, an unknown
            mode, or a mode that does not match the input's rank.
        NotImplementedError: ``antialias=True``.

    Examples:
        >>> import lucid
        >>> import lucid.nn.functional as F
        >>> x = lucid.tensor([[[1.0, 2.0]]])
        >>> F.interpolate(x, scale_factor=2).tolist()
        [[[1.0, 1.0, 2.0, 2.0]]]
        >>> F.interpolate(x, size=4, mode="linear").tolist()
        [[[1.0, 1.25, 1.75, 2.0]]]
        >>> F.interpolate(x, size=3, mode="linear", align_corners=True).tolist()
        [[[1.0, 1.5, 2.0]]]
    """
    op = "interpolate"
    check_tensor(input, "input", op)
    if input.ndim not in (3, 4, 5):
        raise ValueError(f"{op}: expected a 3-D, 4-D or 5-D input (N, C, *spatial), got shape {input.shape}")
    nd = input.ndim - 2
    if mode not in _MODES:
        raise ValueError(f"{op}: mode must be one of {tuple(_MODES)}, got {mode!r}")
    if _MODES[mode] is not None and _MODES[mode] != nd:
        raise ValueError(f"{op}: got a {input.ndim}-D input, but mode {mode!r} needs a {_MODES[mode] + 2}-D input")
    if antialias:
        raise NotImplementedError(f"{op}: antialias=True is not supported")
    if align_corners is not None and _MODES[mode] is None:
        raise ValueError(f"{op}: align_corners can only be set with the interpolating modes "
                         f"linear | bilinear | bicubic | trilinear, got mode {mode!r}")
    align = bool(align_corners)
    if (size is None) == (scale_factor is None):
        raise ValueError(f"{op}: pass exactly one of size and scale_factor")
    spatial = input.shape[2:]
    if size is not None:
        out = ntuple(size, nd, "size", op, minimum=1)
        scales = (None,) * nd
    else:
        if isinstance(scale_factor, (tuple, list)):
            if len(scale_factor) != nd:
                raise ValueError(f"{op}: scale_factor must have {nd} entries, got {tuple(scale_factor)}")
            scales = tuple(scale_factor)
        else:
            scales = (scale_factor,) * nd
        for s in scales:
            if isinstance(s, bool) or not isinstance(s, numbers.Real) or not s > 0:
                raise ValueError(f"{op}: scale_factor must be positive numbers, got {scale_factor!r}")
        scales = tuple(float(s) for s in scales)
        out = tuple(math.floor(n * s) for n, s in zip(spatial, scales))
        if any(o < 1 for o in out):
            raise ValueError(f"{op}: scale_factor {scale_factor!r} gives an empty output for input {input.shape}")
        if recompute_scale_factor:
            scales = (None,) * nd
    if any(n == 0 for n in spatial):
        raise ValueError(f"{op}: cannot interpolate an input with an empty spatial dim, got {input.shape}")
    if mode == "area":
        from lucid.nn.functional import pooling

        return getattr(pooling, f"adaptive_avg_pool{nd}d")(input, out)
    taps = [None if (n == o and mode.startswith("nearest")) else _taps(mode, n, o, align, s)
            for n, o, s in zip(spatial, out, scales)]
    return LinearMap.apply(input, _resample_fn(taps, nd, input._data.dtype))


def upsample(input: Tensor, size=None, scale_factor=None, mode: str = "nearest", align_corners=None) -> Tensor:
    """Alias of :func:`interpolate` (PyTorch's deprecated name).

    Examples:
        >>> import lucid
        >>> import lucid.nn.functional as F
        >>> F.upsample(lucid.ones(1, 1, 2, 2), scale_factor=2).shape
        (1, 1, 4, 4)
    """
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input: Tensor, size=None, scale_factor=None) -> Tensor:
    """``interpolate(input, size, scale_factor, mode="nearest")``.

    Examples:
        >>> import lucid
        >>> import lucid.nn.functional as F
        >>> F.upsample_nearest(lucid.tensor([[[1.0, 2.0]]]), size=3).tolist()
        [[[1.0, 1.0, 2.0]]]
    """
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input: Tensor, size=None, scale_factor=None) -> Tensor:
    """``interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)`` (PyTorch's definition).

    Examples:
        >>> import lucid
        >>> import lucid.nn.functional as F
        >>> F.upsample_bilinear(lucid.tensor([[[[0.0, 1.0]]]]), size=(1, 3)).tolist()
        [[[[0.0, 0.5, 1.0]]]]
    """
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)


# -- unfold / fold -------------------------------------------------------------------------------
def _unfold_geometry(op, spatial, kernel_size, dilation, padding, stride):
    kernel = ntuple(kernel_size, 2, "kernel_size", op, minimum=1)
    dilation = ntuple(dilation, 2, "dilation", op, minimum=1)
    padding = ntuple(padding, 2, "padding", op, minimum=0)
    stride = ntuple(stride, 2, "stride", op, minimum=1)
    blocks = tuple((n + 2 * p - d * (k - 1) - 1) // s + 1
                   for n, k, d, p, s in zip(spatial, kernel, dilation, padding, stride))
    if any(b < 1 for b in blocks):
        raise ValueError(f"{op}: spatial size {tuple(spatial)} with padding {padding} is too small for "
                         f"kernel_size={kernel}, dilation={dilation} (blocks {blocks})")
    return kernel, dilation, padding, stride, blocks


def _unfold_fn(kernel, dilation, padding, stride, blocks):
    def fn(x):
        lead = x.shape[:-3]
        xp = mx.pad(x, [(0, 0)] * (x.ndim - 2) + [(p, p) for p in padding]) if any(padding) else x
        w = windows(xp, kernel, stride, dilation, blocks)  # (*lead, C, bH, bW, kH, kW)
        c = x.shape[-3]
        nl = len(lead)
        w = w.reshape(lead + (c, blocks[0] * blocks[1], kernel[0] * kernel[1]))
        w = mx.swapaxes(w, nl + 1, nl + 2)
        return w.reshape(lead + (c * kernel[0] * kernel[1], blocks[0] * blocks[1]))

    return fn


def unfold(input: Tensor, kernel_size, dilation=1, padding=0, stride=1) -> Tensor:
    """Extract sliding blocks (im2col): ``(N, C, H, W)`` to ``(N, C * kH * kW, L)``.

    Column ``l`` holds block ``l`` (row-major over the ``L = L_H * L_W`` block
    positions); row ``c * kH * kW + i * kW + j`` holds channel ``c`` at kernel
    offset ``(i, j)``. Each ``L_*`` is
    ``floor((size + 2 padding - dilation (k - 1) - 1) / stride) + 1``.

    Args:
        input: ``(N, C, H, W)`` or unbatched ``(C, H, W)``.
        kernel_size, dilation, padding, stride: ints or 2-tuples (defaults 1, 0, 1).

    Returns:
        Tensor ``(N, C * kH * kW, L)``.

    Examples:
        >>> import lucid
        >>> import lucid.nn.functional as F
        >>> F.unfold(lucid.arange(9.0).reshape(1, 1, 3, 3), 2).tolist()
        [[[0.0, 1.0, 3.0, 4.0], [1.0, 2.0, 4.0, 5.0], [3.0, 4.0, 6.0, 7.0], [4.0, 5.0, 7.0, 8.0]]]
    """
    op = "unfold"
    check_tensor(input, "input", op)
    if input.ndim not in (3, 4):
        raise ValueError(f"{op}: expected input of shape (N, C, H, W) or (C, H, W), got {input.shape}")
    geo = _unfold_geometry(op, input.shape[-2:], kernel_size, dilation, padding, stride)
    return LinearMap.apply(input, _unfold_fn(*geo))


def fold(input: Tensor, output_size, kernel_size, dilation=1, padding=0, stride=1) -> Tensor:
    """Combine sliding blocks into an image (col2im), summing overlaps: the adjoint of :func:`unfold`.

    Args:
        input: ``(N, C * kH * kW, L)`` or unbatched ``(C * kH * kW, L)``.
        output_size: the spatial output size ``(H, W)`` (or an int).
        kernel_size, dilation, padding, stride: as in :func:`unfold`.

    Returns:
        Tensor ``(N, C, H, W)``.

    Raises:
        ValueError: ``input``'s sizes do not match the block geometry.

    Examples:
        >>> import lucid
        >>> import lucid.nn.functional as F
        >>> F.fold(lucid.ones(1, 4, 4), (3, 3), 2).tolist()
        [[[[1.0, 2.0, 1.0], [2.0, 4.0, 2.0], [1.0, 2.0, 1.0]]]]
    """
    op = "fold"
    check_tensor(input, "input", op)
    if input.ndim not in (2, 3):
        raise ValueError(f"{op}: expected input of shape (N, C * kH * kW, L) or (C * kH * kW, L), got {input.shape}")
    out = ntuple(output_size, 2, "output_size", op, minimum=1)
    kernel, dilation, padding, stride, blocks = _unfold_geometry(op, out, kernel_size, dilation, padding, stride)
    kk = kernel[0] * kernel[1]
    rows, length = input.shape[-2:]
    if rows % kk or length != blocks[0] * blocks[1]:
        raise ValueError(f"{op}: expected input of shape (N, C * {kk}, {blocks[0] * blocks[1]}) for output_size={out}, "
                         f"kernel_size={kernel}, dilation={dilation}, padding={padding}, stride={stride}; "
                         f"got {input.shape}")
    image = input.shape[:-2] + (rows // kk,) + out
    unfold_fn = _unfold_fn(kernel, dilation, padding, stride, blocks)

    def fn(cols):
        return mx.vjp(unfold_fn, [mx.zeros(image, dtype=cols.dtype)], [cols])[1][0]

    return LinearMap.apply(input, fn)


# -- pixel shuffle ---------------------------------------------------------------------------------
def _factor(r, name, op) -> int:
    if isinstance(r, bool) or not isinstance(r, numbers.Integral) or r < 1:
        raise ValueError(f"{op}: {name} must be a positive int, got {r!r}")
    return int(r)


def pixel_shuffle(input: Tensor, upscale_factor: int) -> Tensor:
    """Rearrange ``(*, C r^2, H, W)`` into ``(*, C, H r, W r)`` (sub-pixel convolution's shuffle).

    Output ``[c, h r + i, w r + j]`` is input ``[c r^2 + i r + j, h, w]``.

    Examples:
        >>> import lucid
        >>> import lucid.nn.functional as F
        >>> F.pixel_shuffle(lucid.arange(4.0).reshape(1, 4, 1, 1), 2).tolist()
        [[[[0.0, 1.0], [2.0, 3.0]]]]
    """
    op = "pixel_shuffle"
    check_tensor(input, "input", op)
    r = _factor(upscale_factor, "upscale_factor", op)
    if input.ndim < 3 or input.shape[-3] % (r * r):
        raise ValueError(f"{op}: expected input of shape (*, C * {r * r}, H, W), got {input.shape}")
    lead, (c, h, w) = input.shape[:-3], input.shape[-3:]
    nl = len(lead)

    def fn(x):
        y = x.reshape(lead + (c // (r * r), r, r, h, w))
        y = y.transpose(tuple(range(nl)) + tuple(nl + i for i in (0, 3, 1, 4, 2)))
        return y.reshape(lead + (c // (r * r), h * r, w * r))

    return LinearMap.apply(input, fn)


def pixel_unshuffle(input: Tensor, downscale_factor: int) -> Tensor:
    """Inverse of :func:`pixel_shuffle`: ``(*, C, H r, W r)`` into ``(*, C r^2, H, W)``.

    Examples:
        >>> import lucid
        >>> import lucid.nn.functional as F
        >>> F.pixel_unshuffle(lucid.arange(4.0).reshape(1, 1, 2, 2), 2).reshape(-1).tolist()
        [0.0, 1.0, 2.0, 3.0]
    """
    op = "pixel_unshuffle"
    check_tensor(input, "input", op)
    r = _factor(downscale_factor, "downscale_factor", op)
    if input.ndim < 3 or input.shape[-2] % r or input.shape[-1] % r:
        raise ValueError(f"{op}: expected input of shape (*, C, H, W) with H and W divisible by {r}, "
                         f"got {input.shape}")
    lead, (c, h, w) = input.shape[:-3], input.shape[-3:]
    nl = len(lead)

    def fn(x):
        y = x.reshape(lead + (c, h // r, r, w // r, r))
        y = y.transpose(tuple(range(nl)) + tuple(nl + i for i in (0, 2, 4, 1, 3)))
        return y.reshape(lead + (c * r * r, h // r, w // r))

    return LinearMap.apply(input, fn)


def channel_shuffle(input: Tensor, groups: int) -> Tensor:
    """Interleave the channels of ``groups`` groups (ShuffleNet): ``(N, g, C/g, *)`` transposed to ``(N, C/g, g, *)``.

    Args:
        input: ``(N, C, *)`` with ``C`` divisible by ``groups``.
        groups: the number of groups (positive).

    Raises:
        ValueError: if ``groups`` does not divide ``C`` or is not positive.

    Examples:
        >>> import lucid
        >>> x = lucid.arange(4.0).reshape(1, 4, 1)
        >>> lucid.nn.functional.channel_shuffle(x, 2).flatten().tolist()
        [0.0, 2.0, 1.0, 3.0]
    """
    op = "channel_shuffle"
    check_tensor(input, "input", op)
    if isinstance(groups, bool) or not isinstance(groups, numbers.Integral):
        raise TypeError(f"{op}: groups must be an int, got {type(groups).__name__}")
    g = int(groups)
    if input.ndim < 3:
        raise ValueError(f"{op}: expected input of shape (N, C, *), got {input.shape}")
    c = input.shape[1]
    if g <= 0 or c % g:
        raise ValueError(f"{op}: groups ({g}) must be positive and divide the {c} channels")
    n, rest = input.shape[0], input.shape[2:]

    def fn(x):
        y = x.reshape((n, g, c // g) + rest)
        return mx.swapaxes(y, 1, 2).reshape((n, c) + rest)

    return LinearMap.apply(input, fn)


# -- spatial transformers ------------------------------------------------------------------------

def _base_coords(n: int, align_corners: bool) -> np.ndarray:
    """The normalised ``[-1, 1]`` coordinates of ``n`` pixel centres (or corners with ``align_corners``)."""
    if align_corners:
        return np.linspace(-1.0, 1.0, n) if n > 1 else np.zeros(1)
    return (np.arange(n) * 2.0 + 1.0) / n - 1.0


def affine_grid(theta: Tensor, size, align_corners: bool = False) -> Tensor:
    """Sampling grids for :func:`grid_sample` from batches of affine matrices (spatial transformer networks).

    Args:
        theta: ``(N, 2, 3)`` for 2-D or ``(N, 3, 4)`` for 3-D; maps output coordinates ``(x, y[, z], 1)``
            to input coordinates, both normalised to ``[-1, 1]``.
        size: the output size ``(N, C, H, W)`` or ``(N, C, D, H, W)``.
        align_corners: ``-1`` and ``1`` are the centres of the corner pixels (True) or their outer
            edges (False, the default).

    Returns:
        Tensor: ``(N, H, W, 2)`` or ``(N, D, H, W, 3)``, last dim ordered ``x, y[, z]``.

    Raises:
        ValueError: if ``theta`` and ``size`` do not match.

    Examples:
        >>> import lucid
        >>> theta = lucid.tensor([[[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]])
        >>> lucid.nn.functional.affine_grid(theta, (1, 1, 1, 2), align_corners=True).tolist()
        [[[[-1.0, 0.0], [1.0, 0.0]]]]
    """
    op = "affine_grid"
    check_tensor(theta, "theta", op)
    size = tuple(int(s) for s in size)
    nd = len(size) - 2
    if nd not in (2, 3) or theta.shape != (size[0], nd, nd + 1):
        raise ValueError(f"{op}: expected theta of shape (N, 2, 3) with size (N, C, H, W), or (N, 3, 4) with "
                         f"(N, C, D, H, W); got theta {theta.shape} and size {size}")
    if not theta.dtype.is_floating_point:
        raise TypeError(f"{op}: theta must be a floating tensor, got {theta.dtype}")
    spatial = size[2:]
    # Coordinates are listed x first (the last spatial dim), as in PyTorch.
    axes = [_base_coords(s, align_corners) for s in spatial]
    mesh = list(np.meshgrid(*axes, indexing="ij"))[::-1]
    base = np.stack(mesh + [np.ones(spatial)], axis=-1).reshape(1, -1, nd + 1)
    base_t = Tensor(base, dtype=theta.dtype, device=theta.device)
    grid = base_t @ theta.transpose(1, 2)
    return grid.reshape((size[0],) + spatial + (nd,))


def _unnormalize(coord: Tensor, n: int, align_corners: bool) -> Tensor:
    if align_corners:
        return (coord + 1) * ((n - 1) / 2)
    return ((coord + 1) * n - 1) / 2


def _reflect(x: Tensor, twice_low: int, twice_high: int) -> Tensor:
    """Reflect ``x`` into ``[twice_low / 2, twice_high / 2]`` (PyTorch's ``reflect_coordinates``)."""
    from lucid.ops.unary import where

    if twice_low == twice_high:
        return x * 0
    lo = twice_low / 2
    span = (twice_high - twice_low) / 2
    d = (x - lo).abs()
    extra = d.fmod(span)
    flips = (d.detach() / span).floor()
    even = flips.fmod(2) == 0
    return where(even, extra + lo, span - extra + lo)


def _source(coord: Tensor, n: int, padding_mode: str, align_corners: bool) -> Tensor:
    x = _unnormalize(coord, n, align_corners)
    if padding_mode == "border":
        x = x.clamp(0, n - 1)
    elif padding_mode == "reflection":
        x = _reflect(x, 0, 2 * (n - 1)) if align_corners else _reflect(x, -1, 2 * n - 1)
        x = x.clamp(0, n - 1)
    return x


def grid_sample(input: Tensor, grid: Tensor, mode: str = "bilinear", padding_mode: str = "zeros",
                align_corners: bool = False) -> Tensor:
    """Sample ``input`` at the normalised ``(x, y)`` positions of ``grid`` (spatial transformer networks).

    Args:
        input: ``(N, C, H, W)``.
        grid: ``(N, H_out, W_out, 2)``, ``x`` (width) then ``y`` (height), ``[-1, 1]`` spanning the input
            (see ``align_corners``).
        mode: ``'bilinear'`` (default) or ``'nearest'`` (ties round to even, as PyTorch does).
        padding_mode: outside the input: ``'zeros'`` (default), ``'border'`` (clamp to the edge) or
            ``'reflection'`` (mirror at the edges).
        align_corners: ``-1`` and ``1`` are the centres of the corner pixels (True) or their outer
            edges (False, the default).

    Returns:
        Tensor: ``(N, C, H_out, W_out)``; differentiable in ``input`` and (bilinear) in ``grid``.

    Raises:
        NotImplementedError: for 5-D (volumetric) inputs or ``mode='bicubic'``.
        ValueError: on bad shapes or modes.

    Examples:
        >>> import lucid
        >>> x = lucid.tensor([[[[0.0, 1.0], [2.0, 3.0]]]])
        >>> grid = lucid.tensor([[[[0.0, 0.0], [-1.0, -1.0]]]])
        >>> lucid.nn.functional.grid_sample(x, grid, align_corners=True).tolist()
        [[[[1.5, 0.0]]]]
    """
    from lucid.ops.indexing import take_along_dim

    op = "grid_sample"
    check_tensor(input, "input", op)
    check_tensor(grid, "grid", op)
    if mode not in ("bilinear", "nearest"):
        if mode == "bicubic":
            raise NotImplementedError(f"{op}: mode='bicubic' is not supported; use 'bilinear' or 'nearest'")
        raise ValueError(f"{op}: mode must be 'bilinear' or 'nearest', got {mode!r}")
    if padding_mode not in ("zeros", "border", "reflection"):
        raise ValueError(f"{op}: padding_mode must be 'zeros', 'border' or 'reflection', got {padding_mode!r}")
    if input.ndim == 5:
        raise NotImplementedError(f"{op}: volumetric (5-D) inputs are not supported yet")
    if input.ndim != 4 or grid.ndim != 4 or grid.shape[-1] != 2 or grid.shape[0] != input.shape[0]:
        raise ValueError(f"{op}: expected input (N, C, H, W) and grid (N, H_out, W_out, 2); got {input.shape} and "
                         f"{grid.shape}")
    n, c, h, w = input.shape
    ho, wo = grid.shape[1:3]
    grid = grid.astype(input.dtype) if grid.dtype != input.dtype else grid
    x = _source(grid[..., 0], w, padding_mode, align_corners)
    y = _source(grid[..., 1], h, padding_mode, align_corners)
    flat = input.reshape(n, c, h * w)

    def tap(xi: mx.array, yi: mx.array) -> tuple:
        """Input values at integer positions (clamped for the gather) and whether each lies inside."""
        inside = (xi >= 0) & (xi <= w - 1) & (yi >= 0) & (yi <= h - 1)
        # NaN or huge coordinates become some in-range index; their weight is zeroed by ``inside``.
        xc = mx.clip(mx.where(xi == xi, xi, -1.0), -1, w).astype(mx.int32)
        yc = mx.clip(mx.where(yi == yi, yi, -1.0), -1, h).astype(mx.int32)
        idx = mx.clip(yc, 0, h - 1) * w + mx.clip(xc, 0, w - 1)
        idx = mx.broadcast_to(idx.reshape(n, 1, ho * wo), (n, c, ho * wo))
        vals = take_along_dim(flat, Tensor._make(idx, input._device), 2).reshape(n, c, ho, wo)
        keep = Tensor._make(inside.astype(input._data.dtype).reshape(n, 1, ho, wo), input._device)
        return vals, keep

    if mode == "nearest":
        vals, keep = tap(mx.round(x._data), mx.round(y._data))
        return vals * keep
    x0, y0 = x.detach().floor(), y.detach().floor()
    wx1, wy1 = (x - x0).unsqueeze(1), (y - y0).unsqueeze(1)
    wx0, wy0 = 1 - wx1, 1 - wy1
    x0d, y0d = x0._data, y0._data
    out = None
    for xi, yi, wgt in ((x0d, y0d, wx0 * wy0), (x0d + 1, y0d, wx1 * wy0), (x0d, y0d + 1, wx0 * wy1),
                        (x0d + 1, y0d + 1, wx1 * wy1)):
        vals, keep = tap(xi, yi)
        term = vals * (wgt * keep)
        out = term if out is None else out + term
    return out
