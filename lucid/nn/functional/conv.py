"""Convolutions on channels-first inputs: ``conv1d``/``2d``/``3d`` and ``conv_transpose1d``/``2d``/``3d``.

Inputs are ``(N, C, *spatial)`` (or unbatched ``(C, *spatial)``) and weights
use PyTorch's layouts: ``(out, in / groups, *kernel)`` for a convolution and
``(in, out / groups, *kernel)`` for a transposed one. Each op is one fused
``Function``; its backward is the vector-Jacobian product of MLX's own
convolution (``mx.vjp`` inside the rule stays lazy).

A transposed convolution is the adjoint of a convolution in its input, so it
is computed as that vector-Jacobian product, and its gradients are a
convolution (for the input) and a convolution's weight-VJP (for the weight).

Memory stays channels-last: MLX convolves ``(N, *S, C)`` arrays, so an
input is read through a channels-last view and the output is returned as a
channels-first view of MLX's channels-last result (no transposes copied).
Batch norm and pooling compute on the same views, so a conv-BN-ReLU-pool
stack runs entirely on channels-last memory, as MLX's own layers do.

The helpers shared with pooling, normalisation and vision (tuple
normalisation, sliding windows, channels-last views, ``fused``,
``LinearMap``) live in ``_kernels.py``.
"""

from __future__ import annotations

import math
import weakref

import mlx.core as mx

from lucid._backend import checks, reductions, trace
from lucid._tensor import Tensor
from lucid.autograd.function import Function
from lucid.autograd.grad_mode import is_grad_enabled
from lucid.nn.functional._kernels import SPATIAL, check_tensor, is_int, ntuple, to_first, to_last, windows
from lucid.ops._autocast import autocast_inputs

__all__ = ["conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d"]


# -- the convolution itself on raw arrays --------------------------------------------------
# MLX convolves channels-last arrays: (N, *S, C) inputs and (O, *K, C / groups) weights; a
# channels-first array is handed over as a channels-last view (see ``_kernels.to_last``).
def _conv_cl(x, w, stride, lo, hi, dilation, groups):
    """Cross-correlation of channels-last ``x`` ``(N, *S, C)`` with ``w`` ``(O, *K, C / groups)``."""
    if groups > 1 and x.ndim > 4:
        # MLX (0.32) has grouped kernels for 1-D and 2-D only: run 3-D groups one by one.
        cg, og = x.shape[-1] // groups, w.shape[0] // groups
        return mx.concatenate([_conv_cl(x[..., g * cg:(g + 1) * cg], w[g * og:(g + 1) * og], stride, lo, hi,
                                        dilation, 1) for g in range(groups)], axis=-1)
    return mx.conv_general(x, w, stride=list(stride), padding=(list(lo), list(hi)),
                           kernel_dilation=list(dilation), groups=groups)


# Inference (grad mode off) keeps each weight's channels-last copy while the weight array
# lives: MLX's kernel would otherwise copy the transposed view on every call (ResNet-50
# inference: 53 weight copies, ~100 MB, per forward; measured 669 -> 596 ms per batch).
# An entry goes when its weight array is freed (a weak reference), so an optimizer step's
# new weights never keep old copies alive. Not inside lucid.compile or lucid.func traces,
# whose arrays are placeholders.
_weights_last: dict = {}


def _weight_last(w: mx.array) -> mx.array:
    """``w`` ``(O, C, *K)`` as channels-last ``(O, *K, C)``, cached per weight array in inference."""
    if is_grad_enabled() or trace.active() or checks.in_transform():
        return to_last(w)
    key = id(w)
    entry = _weights_last.get(key)
    if entry is not None and entry[0]() is w:
        return entry[1]
    ref = weakref.ref(w, lambda _, key=key: _weights_last.pop(key, None))
    wl = mx.contiguous(to_last(w))
    _weights_last[key] = (ref, wl)
    return wl


def _conv(x, w, stride, lo, hi, dilation, groups, keep_weight: bool = False):
    """Cross-correlation of ``x`` ``(N, C, *S)`` with ``w`` ``(O, C / groups, *K)``; padding ``lo``/``hi`` per side.

    ``keep_weight`` (the forward pass only, never inside a backward's ``mx.vjp``): use the
    inference cache of channels-last weights (:func:`_weight_last`).
    """
    if w.shape[1] == 0:
        # No input channels: every output is an empty sum. Answered directly, because MLX's
        # convolution kernel dies with a floating-point exception on it (MLX 0.32).
        out = tuple((s + a + b - d * (k - 1) - 1) // st + 1
                    for s, k, d, st, a, b in zip(x.shape[2:], w.shape[2:], dilation, stride, lo, hi))
        return mx.zeros((x.shape[0], w.shape[0], *out), dtype=x.dtype)
    if x.dtype == mx.float64:
        return _conv_f64(x, w, stride, lo, hi, dilation, groups)
    wl = _weight_last(w) if keep_weight else to_last(w)
    return to_first(_conv_cl(to_last(x), wl, stride, lo, hi, dilation, groups))


def _conv_f64(x, w, stride, lo, hi, dilation, groups):
    # NOTE: MLX's CPU convolution accepts float64 but computes in float32 precision
    # (measured with MLX 0.32), so float64 goes through windows + matmul, which is exact.
    if any(lo) or any(hi):
        x = mx.pad(x, [(0, 0), (0, 0)] + list(zip(lo, hi)))
    kernel = w.shape[2:]
    out = tuple((s - d * (k - 1) - 1) // st + 1 for s, k, d, st in zip(x.shape[2:], kernel, dilation, stride))
    n, c = x.shape[:2]
    o = w.shape[0]
    cg, og = c // groups, o // groups
    length, kp = math.prod(out), math.prod(kernel)
    win = windows(x, kernel, stride, dilation, out).reshape(n, groups, cg, length, kp)
    win = win.transpose(0, 1, 3, 2, 4).reshape(n, groups, length, cg * kp)
    wm = w.reshape(groups, og, cg * kp).transpose(0, 2, 1)
    y = mx.matmul(win, wm)  # (N, G, L, Og)
    return y.transpose(0, 1, 3, 2).reshape((n, o) + out)


def _conv_transpose(x, w, out_shape, stride, padding, dilation, groups):
    """The adjoint of ``_conv`` in its input: a transposed convolution with output ``out_shape``."""
    if w.shape[0] == 0 or w.shape[1] == 0:  # no input (or output) channels: nothing to sum
        return mx.zeros(out_shape, dtype=x.dtype)
    primal = mx.zeros(out_shape, dtype=x.dtype)
    return mx.vjp(lambda y: _conv(y, w, stride, padding, padding, dilation, groups), [primal], [x])[1][0]


def _add_bias(y, b):
    """``y + b`` over the channel axis 1 of a channels-first result (added channels-last: a view stays a view)."""
    if b is None:
        return y
    if y.dtype == mx.float64:
        return y + b.reshape((-1,) + (1,) * (y.ndim - 2))
    return to_first(to_last(y) + b)


def _bias_grad(g):
    """Sum of ``g`` over every axis but the channel axis 1, reduced over the channels-last view."""
    if g.dtype == mx.float64:
        return reductions.sum(g, axis=(0,) + tuple(range(2, g.ndim)))
    return reductions.sum(to_last(g), axis=tuple(range(g.ndim - 1)))


def _empty_batch_grads(ctx, x, w, out_channels, g):
    """The gradients of a convolution over an empty batch or with no input channels.

    Input and weight gradients are zero (empty sums); the bias gradient is the sum of ``g``.
    Answered directly, because MLX's convolution VJP cannot reshape the empty arrays.
    """
    nx, nw, nb = ctx.needs_input_grad[:3]
    gb = None
    if nb:
        gb = _bias_grad(g) if g.size else mx.zeros((out_channels,), g.dtype)
        if ctx.args[-1]:  # unbatched: g has no batch axis
            gb = reductions.sum(g, axis=tuple(range(1, g.ndim))) if g.size else gb
    return (mx.zeros(x.shape, x.dtype) if nx else None, mx.zeros(w.shape, w.dtype) if nw else None,
            gb) + (None,) * 6


class ConvNd(Function):
    """Convolution plus bias on channels-first arrays; backward through MLX's convolution VJP."""

    @staticmethod
    def forward(ctx, x, w, b, stride, lo, hi, dilation, groups, unbatched):
        ctx.args = (stride, lo, hi, dilation, groups, unbatched)
        ctx.save_for_backward(x, w)
        if unbatched:
            x = mx.expand_dims(x, 0)
        y = _add_bias(_conv(x, w, stride, lo, hi, dilation, groups, keep_weight=True), b)
        return y[0] if unbatched else y

    @staticmethod
    def backward(ctx, g):
        x, w = ctx.saved_tensors
        if g.size == 0 or w.shape[1] == 0:
            return _empty_batch_grads(ctx, x, w, w.shape[0], g)
        stride, lo, hi, dilation, groups, unbatched = ctx.args
        nx, nw, nb = ctx.needs_input_grad[:3]
        if unbatched:
            x, g = mx.expand_dims(x, 0), mx.expand_dims(g, 0)
        gx = gw = gb = None
        if x.dtype == mx.float64:
            def conv(a, k):
                return _conv_f64(a, k, stride, lo, hi, dilation, groups)
            xs, ws, gs = x, w, g
        else:
            # Differentiate the channels-last convolution itself: the cotangent is read through
            # its channels-last view (copied once if its memory is channels-first, which MLX's
            # convolution would otherwise do for each of its two VJP convolutions) and the
            # gradients come back as channels-first views.
            def conv(a, k):
                return _conv_cl(a, k, stride, lo, hi, dilation, groups)
            xs, ws, gs = to_last(x), to_last(w), mx.contiguous(to_last(g))
        if nx and nw:
            _, (gx, gw) = mx.vjp(conv, [xs, ws], [gs])
        elif nx:
            gx = mx.vjp(lambda a: conv(a, ws), [xs], [gs])[1][0]
        elif nw:
            gw = mx.vjp(lambda k: conv(xs, k), [ws], [gs])[1][0]
        if x.dtype != mx.float64:
            gx = None if gx is None else to_first(gx)
            gw = None if gw is None else to_first(gw)
        if gx is not None and unbatched:
            gx = gx[0]
        if nb:
            gb = _bias_grad(g) if x.dtype == mx.float64 else reductions.sum(gs, axis=tuple(range(gs.ndim - 1)))
        return gx, gw, gb, None, None, None, None, None, None


class ConvTransposeNd(Function):
    """Transposed convolution plus bias on channels-first arrays."""

    @staticmethod
    def forward(ctx, x, w, b, out_spatial, stride, padding, dilation, groups, unbatched):
        ctx.args = (stride, padding, dilation, groups, unbatched)
        ctx.save_for_backward(x, w)
        if unbatched:
            x = mx.expand_dims(x, 0)
        out_shape = (x.shape[0], w.shape[1] * groups) + tuple(out_spatial)
        y = _add_bias(_conv_transpose(x, w, out_shape, stride, padding, dilation, groups), b)
        return y[0] if unbatched else y

    @staticmethod
    def backward(ctx, g):
        x, w = ctx.saved_tensors
        stride, padding, dilation, groups, unbatched = ctx.args
        if g.size == 0 or w.shape[0] == 0 or w.shape[1] == 0:
            return _empty_batch_grads(ctx, x, w, w.shape[1] * groups, g)
        nx, nw, nb = ctx.needs_input_grad[:3]
        if unbatched:
            x, g = mx.expand_dims(x, 0), mx.expand_dims(g, 0)
        gx = gw = gb = None
        if nx:
            gx = _conv(g, w, stride, padding, padding, dilation, groups)
            if unbatched:
                gx = gx[0]
        if nw:
            gw = mx.vjp(lambda k: _conv(g, k, stride, padding, padding, dilation, groups), [w], [x])[1][0]
        if nb:
            gb = _bias_grad(g)
        return gx, gw, gb, None, None, None, None, None, None


# -- argument checking ------------------------------------------------------------------------
def _check_common(op, nd, input, weight, bias, groups, transposed):
    check_tensor(input, "input", op)
    check_tensor(weight, "weight", op)
    if weight.ndim != nd + 2:
        layout = "(in, out / groups" if transposed else "(out, in / groups"
        raise ValueError(f"{op}: weight must be {nd + 2}-D {layout}, *kernel), got shape {weight.shape}")
    if input.ndim not in (nd + 1, nd + 2):
        raise ValueError(f"{op}: expected input of shape (N, C, {SPATIAL[nd]}) or unbatched (C, {SPATIAL[nd]}), "
                         f"got {input.shape}")
    if not is_int(groups) or groups < 1:
        raise ValueError(f"{op}: groups must be a positive int, got {groups!r}")
    if input._data.dtype != weight._data.dtype:
        raise TypeError(f"{op}: input dtype {input.dtype} does not match weight dtype {weight.dtype}; "
                        "convert one of them, e.g. input.to(weight.dtype)")
    c_in = input.shape[0 if input.ndim == nd + 1 else 1]
    if transposed:
        expected, out_ch = weight.shape[0], weight.shape[1] * groups
        if expected % groups:
            raise ValueError(f"{op}: weight's in_channels {expected} is not divisible by groups={groups}")
    else:
        expected, out_ch = weight.shape[1] * groups, weight.shape[0]
        if out_ch % groups:
            raise ValueError(f"{op}: weight's out_channels {out_ch} is not divisible by groups={groups}")
    if c_in != expected:
        raise ValueError(f"{op}: expected input with {expected} channels (weight of shape {weight.shape}, "
                         f"groups={groups}), got input of shape {input.shape}")
    if bias is not None:
        check_tensor(bias, "bias", op)
        if bias.shape != (out_ch,):
            raise ValueError(f"{op}: bias must have shape ({out_ch},), got {bias.shape}")
        if bias._data.dtype != weight._data.dtype:
            raise TypeError(f"{op}: bias dtype {bias.dtype} does not match weight dtype {weight.dtype}")
    return input.ndim == nd + 1


def conv_padding(padding, kernel, dilation, stride, nd, op) -> tuple:
    """``(lo, hi)`` padding tuples from an int, a tuple, ``"valid"`` or ``"same"``."""
    if isinstance(padding, str):
        if padding == "valid":
            return (0,) * nd, (0,) * nd
        if padding == "same":
            if any(s != 1 for s in stride):
                raise ValueError(f"{op}: padding='same' is not supported for strided convolutions (stride={stride})")
            # NOTE: an odd total padding puts the extra element on the right/bottom (PyTorch's rule).
            total = [d * (k - 1) for d, k in zip(dilation, kernel)]
            lo = tuple(t // 2 for t in total)
            return lo, tuple(t - left for t, left in zip(total, lo))
        raise ValueError(f"{op}: padding must be 'valid', 'same', an int or a tuple of ints, got {padding!r}")
    pad = ntuple(padding, nd, "padding", op, minimum=0)
    return pad, pad


def _conv_nd(nd, op, input, weight, bias, stride, padding, dilation, groups):
    unbatched = _check_common(op, nd, input, weight, bias, groups, transposed=False)
    stride = ntuple(stride, nd, "stride", op, minimum=1)
    dilation = ntuple(dilation, nd, "dilation", op, minimum=1)
    kernel = weight.shape[2:]
    lo, hi = conv_padding(padding, kernel, dilation, stride, nd, op)
    spatial = input.shape[-nd:]
    for s, k, d, left, right in zip(spatial, kernel, dilation, lo, hi):
        if s + left + right < d * (k - 1) + 1:
            raise ValueError(f"{op}: input of shape {input.shape} with padding {padding!r} is smaller than the "
                             f"(dilated) kernel {tuple(kernel)} (dilation {dilation})")
    input, weight, bias = autocast_inputs(input, weight, bias, low=True)
    return ConvNd.apply(input, weight, bias, stride, lo, hi, dilation, groups, unbatched)


def _conv_transpose_nd(nd, op, input, weight, bias, stride, padding, output_padding, groups, dilation):
    unbatched = _check_common(op, nd, input, weight, bias, groups, transposed=True)
    if isinstance(padding, str):
        raise ValueError(f"{op}: padding must be an int or a tuple of ints (string padding is for conv only), "
                         f"got {padding!r}")
    stride = ntuple(stride, nd, "stride", op, minimum=1)
    dilation = ntuple(dilation, nd, "dilation", op, minimum=1)
    padding = ntuple(padding, nd, "padding", op, minimum=0)
    output_padding = ntuple(output_padding, nd, "output_padding", op, minimum=0)
    for op_, s, d in zip(output_padding, stride, dilation):
        if op_ >= s and op_ >= d:
            raise ValueError(f"{op}: output_padding must be smaller than stride or dilation, got "
                             f"output_padding={output_padding}, stride={stride}, dilation={dilation}")
    kernel = weight.shape[2:]
    out = tuple((n - 1) * s - 2 * p + d * (k - 1) + o + 1
                for n, s, p, d, k, o in zip(input.shape[-nd:], stride, padding, dilation, kernel, output_padding))
    if any(o < 1 for o in out):
        raise ValueError(f"{op}: the output size {out} is not positive; input {input.shape}, padding {padding}")
    input, weight, bias = autocast_inputs(input, weight, bias, low=True)
    return ConvTransposeNd.apply(input, weight, bias, out, stride, padding, dilation, groups, unbatched)


# -- public functions -------------------------------------------------------------------------
def conv1d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1, padding=0, dilation=1,
           groups: int = 1) -> Tensor:
    r"""1-D convolution (cross-correlation) over an input of shape ``(N, C_in, L)``.

    .. math:: y[n, o, l] = b[o] + \sum_{c, k} w[o, c, k]\, x_{pad}[n, g(o) C_g + c, l s + k d]

    Args:
        input: ``(N, C_in, L)`` or unbatched ``(C_in, L)``.
        weight: ``(C_out, C_in / groups, kL)``.
        bias: optional ``(C_out,)``.
        stride: step between windows (int or 1-tuple). Default 1.
        padding: zeros added on both sides: an int, a 1-tuple, ``"valid"`` (none)
            or ``"same"`` (output length equals input length; stride 1 only). Default 0.
        dilation: spacing between kernel elements. Default 1.
        groups: split input and output channels into this many independent groups. Default 1.

    Returns:
        Tensor: ``(N, C_out, L_out)`` with
        ``L_out = floor((L + 2 padding - dilation (kL - 1) - 1) / stride) + 1``.

    Raises:
        TypeError: non-Tensor arguments or mismatched dtypes.
        ValueError: wrong shapes, channel counts, or an input smaller than the kernel.

    Examples:
        >>> import lucid
        >>> import lucid.nn.functional as F
        >>> x = lucid.tensor([[[1.0, 2.0, 3.0, 4.0]]])
        >>> F.conv1d(x, lucid.tensor([[[1.0, -1.0]]])).tolist()
        [[[-1.0, -1.0, -1.0]]]
    """
    return _conv_nd(1, "conv1d", input, weight, bias, stride, padding, dilation, groups)


def conv2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1, padding=0, dilation=1,
           groups: int = 1) -> Tensor:
    r"""2-D convolution (cross-correlation) over an input of shape ``(N, C_in, H, W)``.

    .. math:: y[n, o, i, j] = b[o] + \sum_{c, p, q} w[o, c, p, q]\,
        x_{pad}[n, g(o) C_g + c, i s_H + p d_H, j s_W + q d_W]

    Args:
        input: ``(N, C_in, H, W)`` or unbatched ``(C_in, H, W)``.
        weight: ``(C_out, C_in / groups, kH, kW)``.
        bias: optional ``(C_out,)``.
        stride: int or ``(sH, sW)``. Default 1.
        padding: int, ``(pH, pW)``, ``"valid"`` or ``"same"`` (stride 1 only). Default 0.
        dilation: int or ``(dH, dW)``. Default 1.
        groups: number of channel groups. Default 1.

    Returns:
        Tensor: ``(N, C_out, H_out, W_out)``, each size
        ``floor((size + 2 padding - dilation (k - 1) - 1) / stride) + 1``.

    Raises the errors of :func:`conv1d`.

    Examples:
        >>> import lucid
        >>> import lucid.nn.functional as F
        >>> F.conv2d(lucid.ones(1, 2, 4, 4), lucid.ones(3, 2, 3, 3), padding=1).shape
        (1, 3, 4, 4)
        >>> F.conv2d(lucid.ones(1, 1, 3, 3), lucid.ones(1, 1, 3, 3)).tolist()
        [[[[9.0]]]]
    """
    return _conv_nd(2, "conv2d", input, weight, bias, stride, padding, dilation, groups)


def conv3d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1, padding=0, dilation=1,
           groups: int = 1) -> Tensor:
    """3-D convolution (cross-correlation) over an input of shape ``(N, C_in, D, H, W)``.

    Same arguments and output-size formula as :func:`conv2d`, with 3-tuples;
    ``weight`` is ``(C_out, C_in / groups, kD, kH, kW)``.

    Examples:
        >>> import lucid
        >>> import lucid.nn.functional as F
        >>> F.conv3d(lucid.ones(2, 4, 5, 5, 5), lucid.ones(6, 2, 3, 3, 3), stride=2, groups=2).shape
        (2, 6, 2, 2, 2)
    """
    return _conv_nd(3, "conv3d", input, weight, bias, stride, padding, dilation, groups)


def conv_transpose1d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1, padding=0,
                     output_padding=0, groups: int = 1, dilation=1) -> Tensor:
    """1-D transposed convolution (the gradient of :func:`conv1d` with respect to its input).

    Args:
        input: ``(N, C_in, L)`` or unbatched ``(C_in, L)``.
        weight: ``(C_in, C_out / groups, kL)``.
        bias: optional ``(C_out,)``.
        stride: int or 1-tuple. Default 1.
        padding: ``dilation (kL - 1) - padding`` zeros are implicitly added on both sides. Default 0.
        output_padding: extra length added to one side of the output (must be
            smaller than stride or dilation). Default 0.
        groups: number of channel groups. Default 1.
        dilation: spacing between kernel elements. Default 1.

    Returns:
        Tensor: ``(N, C_out, L_out)`` with
        ``L_out = (L - 1) stride - 2 padding + dilation (kL - 1) + output_padding + 1``.

    Raises:
        TypeError: non-Tensor arguments or mismatched dtypes.
        ValueError: wrong shapes or channel counts, or a non-positive output size.

    Examples:
        >>> import lucid
        >>> import lucid.nn.functional as F
        >>> F.conv_transpose1d(lucid.tensor([[[1.0, 2.0]]]), lucid.tensor([[[1.0, 1.0, 1.0]]]), stride=2).tolist()
        [[[1.0, 1.0, 3.0, 2.0, 2.0]]]
    """
    return _conv_transpose_nd(1, "conv_transpose1d", input, weight, bias, stride, padding, output_padding,
                              groups, dilation)


def conv_transpose2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1, padding=0,
                     output_padding=0, groups: int = 1, dilation=1) -> Tensor:
    """2-D transposed convolution (the gradient of :func:`conv2d` with respect to its input).

    Same arguments as :func:`conv_transpose1d`, with 2-tuples; ``weight`` is
    ``(C_in, C_out / groups, kH, kW)``; each output size is
    ``(size - 1) stride - 2 padding + dilation (k - 1) + output_padding + 1``.

    Examples:
        >>> import lucid
        >>> import lucid.nn.functional as F
        >>> F.conv_transpose2d(lucid.ones(1, 4, 8, 8), lucid.ones(4, 2, 3, 3), stride=2, padding=1,
        ...                    output_padding=1).shape
        (1, 2, 16, 16)
    """
    return _conv_transpose_nd(2, "conv_transpose2d", input, weight, bias, stride, padding, output_padding,
                              groups, dilation)


def conv_transpose3d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1, padding=0,
                     output_padding=0, groups: int = 1, dilation=1) -> Tensor:
    """3-D transposed convolution (the gradient of :func:`conv3d` with respect to its input).

    Same arguments as :func:`conv_transpose1d`, with 3-tuples; ``weight`` is
    ``(C_in, C_out / groups, kD, kH, kW)``.

    Examples:
        >>> import lucid
        >>> import lucid.nn.functional as F
        >>> F.conv_transpose3d(lucid.ones(1, 2, 2, 3, 4), lucid.ones(2, 5, 2, 2, 2), stride=2).shape
        (1, 5, 4, 6, 8)
    """
    return _conv_transpose_nd(3, "conv_transpose3d", input, weight, bias, stride, padding, output_padding,
                              groups, dilation)
