"""Normalisation: ``batch_norm``, ``instance_norm``, ``layer_norm``, ``group_norm``, ``rms_norm`` and ``normalize``.

Each is one fused ``Function`` with a closed-form backward. Statistics are
computed in two passes (mean, then the mean of squared deviations) on data
shifted by one of its own samples (so values far from zero keep their
precision), and in float32 for float16/bfloat16 inputs; outputs keep the
input's dtype. Batch and instance norm compute on the channels-last view of
their input (free for convolution outputs, see ``_kernels.py``), so per-channel
vectors broadcast along contiguous memory; elementwise chains are ``fused``
into one pass each (float32) and the backward reuses the forward's statistics.
Running statistics are updated lazily: the buffers get new (unevaluated)
arrays, nothing is synchronised.
"""

from __future__ import annotations

import math
import numbers

import mlx.core as mx

from lucid._backend import reductions
from lucid._tensor import Tensor
from lucid.autograd.function import Function
from lucid.nn.functional._kernels import check_normalized_shape, check_tensor, fused, to_first, to_last
from lucid.ops._autocast import autocast_inputs
from lucid.ops._util import reduce_axis_arg, unbroadcast
from lucid.ops.rearrange import pad

__all__ = ["batch_norm", "instance_norm", "layer_norm", "group_norm", "rms_norm", "normalize", "local_response_norm"]

_HALF = (mx.float16, mx.bfloat16)


def _work(dtype):
    return mx.float32 if dtype in _HALF else dtype


def _cast(a, dtype):
    return a if a is None or a.dtype == dtype else a.astype(dtype)


def _first(x, axes):
    """The first element of each group reduced over ``axes`` (kept as size-1 dims), as a constant."""
    if any(x.shape[a] == 0 for a in axes):
        return mx.zeros((), dtype=x.dtype)
    return mx.stop_gradient(x[tuple(slice(0, 1) if i in axes else slice(None) for i in range(x.ndim))])


# -- fused elementwise kernels (see ``_kernels.fused``); ``d`` is the input minus a shift ``s``,
# ``md`` the mean of ``d``, so ``d - md`` is the centred input, exact even far from zero.
@fused
def _sq_dev(d, md):
    e = d - md
    return e * e


@fused
def _scale_shift(d, md, a, b):
    return (d - md) * a + b


@fused
def _centred_grad(g, x, s, md):
    return g * ((x - s) - md)


@fused
def _bn_input_grad(g, x, s, md, a, k1, k2):
    return a * ((g - k1) - ((x - s) - md) * k2)


def _channels_last(x: mx.array) -> mx.array:
    """``x`` ``(N, C, *S)`` as a row-contiguous ``(N, *S, C)`` array: free when its memory is channels-last.

    A convolution's output already is (see ``_kernels.py``); a channels-first
    array is transposed once here, so every kernel below reads contiguous memory.
    """
    return x if x.ndim == 2 else mx.contiguous(to_last(x))


class BatchNormTrain(Function):
    """Batch norm with batch statistics over every axis but the channel axis 1, on channels-last memory.

    Per channel: ``d = x - s`` with ``s`` the channel's first value (so the
    sums stay exact for data far from zero), ``mean = s + mean(d)`` and the
    biased ``var = mean((d - mean(d))^2)`` (two passes), then
    ``y = (d - mean(d)) * rstd * weight + bias``. With ``stats=True`` the mean
    and biased variance are returned as two extra non-differentiable outputs.
    """

    @staticmethod
    def forward(ctx, x, weight, bias, eps, stats):
        work = _work(x.dtype)
        xw = _cast(_channels_last(x), work)
        axes = tuple(range(xw.ndim - 1))
        s = mx.stop_gradient(xw[(0,) * len(axes)])
        d = xw - s
        md = reductions.mean(d, axis=axes)
        var = reductions.mean(_sq_dev(d, md), axis=axes)
        rstd = mx.rsqrt(var + eps)
        a = rstd if weight is None else rstd * _cast(weight, work)
        b = mx.zeros((), dtype=work) if bias is None else _cast(bias, work)
        y = _cast(_scale_shift(d, md, a, b), x.dtype)
        ctx.save_for_backward(x, weight)
        ctx.stats = (s, md, rstd, a)
        ctx.bias_meta = None if bias is None else (bias.shape, bias.dtype)
        if x.ndim > 2:
            y = to_first(y)
        if not stats:
            return y
        mean = s + md
        ctx.mark_non_differentiable(mean, var)
        return y, mean, var

    @staticmethod
    def backward(ctx, g, *_):
        x, weight = ctx.saved_tensors
        s, md, rstd, a = ctx.stats
        nx, nw, nb = ctx.needs_input_grad[:3]
        work = rstd.dtype
        gw_ = _cast(_channels_last(g), work)
        xw = _cast(_channels_last(x), work)
        axes = tuple(range(xw.ndim - 1))
        n = math.prod(xw.shape[:-1])
        sg = reductions.sum(gw_, axis=axes)
        st = reductions.sum(_centred_grad(gw_, xw, s, md), axis=axes)  # sum(g * (x - mean))
        gx = gw = gb = None
        if nx:
            # d/dx of (x - m) rstd w: w rstd (g - mean(g) - (x - m) rstd^2 mean(g (x - m)))
            gx = _bn_input_grad(gw_, xw, s, md, a, sg / n, st * (rstd * rstd) / n)
            gx = _cast(gx, x.dtype)
            if x.ndim > 2:
                gx = to_first(gx)
        if nw:
            gw = (st * rstd).astype(weight.dtype)
        if nb:
            gb = sg.reshape(ctx.bias_meta[0]).astype(ctx.bias_meta[1])
        return gx, gw, gb, None, None


@fused
def _centred_scaled(x, s, md, rstd):
    return ((x - s) - md) * rstd


@fused
def _normalized_affine(d, md, rstd, w, b):
    return ((d - md) * rstd) * w + b


@fused
def _affine(y, w, b):
    return y * w + b


@fused
def _product(a, b):
    return a * b


@fused
def _norm_input_grad(gxh, xhat, rstd, m1, m2):
    return rstd * ((gxh - m1) - xhat * m2)


class Normalize(Function):
    """``(x - mean) / sqrt(var + eps) * weight + bias`` with batch statistics over ``axes`` of ``x.reshape(view)``.

    ``weight``/``bias`` (or ``None``) are reshaped to ``aff`` (broadcastable to
    ``x``). With ``stats=True`` the biased mean and variance are returned as two
    extra, non-differentiable outputs. Statistics as in :class:`BatchNormTrain`:
    shifted by a sample of each group, two passes. ``view="channels_last"``
    computes on the channels-last ``(N, *S, C)`` array instead (``axes`` and
    ``aff`` then refer to it) and returns a channels-first view.
    """

    @staticmethod
    def forward(ctx, x, weight, bias, axes, view, aff, eps, stats):
        work = _work(x.dtype)
        cl = view == "channels_last"
        xv = _cast(_channels_last(x) if cl else x, work)
        if view is not None and not cl:
            xv = xv.reshape(view)
        s = _first(xv, axes)
        d = xv - s
        md = reductions.mean(d, axis=axes, keepdims=True)
        var = reductions.mean(_sq_dev(d, md), axis=axes, keepdims=True)
        rstd = mx.rsqrt(var + eps)
        w = mx.ones((), dtype=work) if weight is None else _cast(weight, work).reshape(aff)
        b = mx.zeros((), dtype=work) if bias is None else _cast(bias, work).reshape(aff)
        if view is None or cl:
            y = _normalized_affine(d, md, rstd, w, b)
            if cl:
                y = to_first(y)
        else:
            y = _scale_shift(d, md, rstd, mx.zeros((), dtype=work)).reshape(x.shape)
            if weight is not None or bias is not None:
                y = _affine(y, w, b)
        ctx.args = (axes, view, aff)
        ctx.save_for_backward(x, weight)
        ctx.stats = (s, md, rstd)
        ctx.bias_meta = None if bias is None else (bias.shape, bias.dtype)
        y = _cast(y, x.dtype)
        if not stats:
            return y
        mean, var = (s + md).reshape(-1), var.reshape(-1)
        ctx.mark_non_differentiable(mean, var)
        return y, mean, var

    @staticmethod
    def backward(ctx, g, *_):
        x, weight = ctx.saved_tensors
        s, md, rstd = ctx.stats
        axes, view, aff = ctx.args
        nx, nw, nb = ctx.needs_input_grad[:3]
        work = rstd.dtype
        cl = view == "channels_last"
        if cl:
            g, xv = _cast(_channels_last(g), work), _cast(_channels_last(x), work)
        else:
            g, xv = _cast(g, work), _cast(x, work)
            if view is not None:
                xv = xv.reshape(view)
        shape = xv.shape if cl else x.shape
        xhat = _centred_scaled(xv, s, md, rstd)
        gx = gw = gb = None
        if nb:
            gb = unbroadcast(g, aff).reshape(ctx.bias_meta[0]).astype(ctx.bias_meta[1])
        if nw:
            gw = unbroadcast(_product(g, xhat.reshape(shape)), aff).reshape(weight.shape).astype(weight.dtype)
        if nx:
            gxh = _product(g, _cast(weight, work).reshape(aff)) if weight is not None else g
            if view is not None and not cl:
                gxh = gxh.reshape(view)
            m1 = reductions.mean(gxh, axis=axes, keepdims=True)
            m2 = reductions.mean(_product(gxh, xhat), axis=axes, keepdims=True)
            gx = _cast(_norm_input_grad(gxh, xhat, rstd, m1, m2).reshape(shape), x.dtype)
            if cl:
                gx = to_first(gx)
        return gx, gw, gb, None, None, None, None, None


class NormalizeWithStats(Function):
    """``(x - mean) / sqrt(var + eps) * weight + bias`` with given per-channel ``mean``/``var`` (eval mode).

    Computed on the channels-last view of ``x`` (see :class:`BatchNormTrain`),
    so the per-channel vectors broadcast along contiguous memory.
    """

    @staticmethod
    def forward(ctx, x, mean, var, weight, bias, eps):
        work = _work(x.dtype)
        rstd = mx.rsqrt(_cast(var, work) + eps)
        scale = rstd if weight is None else rstd * _cast(weight, work)
        b = mx.zeros((), dtype=work) if bias is None else _cast(bias, work)
        y = _scale_shift(_cast(_channels_last(x), work), _cast(mean, work), scale, b)
        ctx.save_for_backward(x, mean, var, weight)
        ctx.consts = (rstd, scale)
        ctx.bias_meta = None if bias is None else (bias.shape, bias.dtype)
        y = _cast(y, x.dtype)
        return to_first(y) if x.ndim > 2 else y

    @staticmethod
    def backward(ctx, g):
        x, mean, var, weight = ctx.saved_tensors
        rstd, scale = ctx.consts
        nx, nm, nv, nw, nb = ctx.needs_input_grad[:5]
        work = rstd.dtype
        gc = _cast(_channels_last(g), work)
        axes = tuple(range(gc.ndim - 1))
        out = [None] * 6
        if nx:
            gx = _cast(_product(gc, scale), x.dtype)
            out[0] = to_first(gx) if x.ndim > 2 else gx
        if nm or nv or nw:
            sg = reductions.sum(gc, axis=axes)
            # sum(g * (x - mean)) per channel
            centred = _centred_grad(gc, _cast(_channels_last(x), work), _cast(mean, work), mx.zeros((), dtype=work))
            st = reductions.sum(centred, axis=axes)
            if nm:
                out[1] = (-sg * scale).astype(mean.dtype)
            if nv:
                out[2] = (st * scale * (-0.5) * rstd * rstd).astype(var.dtype)
            if nw:
                out[3] = (st * rstd).astype(weight.dtype)
        if nb:
            out[4] = reductions.sum(gc, axis=axes).reshape(ctx.bias_meta[0]).astype(ctx.bias_meta[1])
        return tuple(out)


class RMSNormFn(Function):
    """``x / sqrt(mean(x^2, axes) + eps) * weight``."""

    @staticmethod
    def forward(ctx, x, weight, axes, eps):
        work = _work(x.dtype)
        xf = _cast(x, work)
        r = mx.rsqrt(reductions.mean(xf * xf, axis=axes, keepdims=True) + eps)
        y = xf * r
        if weight is not None:
            y = y * _cast(weight, work)
        ctx.axes = axes
        ctx.save_for_backward(x, weight, r)
        return _cast(y, x.dtype)

    @staticmethod
    def backward(ctx, g):
        x, weight, r = ctx.saved_tensors
        nx, nw = ctx.needs_input_grad[:2]
        work = r.dtype
        g, xf = _cast(g, work), _cast(x, work)
        gx = gw = None
        if nw:
            gw = unbroadcast(g * xf * r, weight.shape).astype(weight.dtype)
        if nx:
            gy = g if weight is None else g * _cast(weight, work)
            gx = r * (gy - xf * (r * r) * reductions.mean(gy * xf, axis=ctx.axes, keepdims=True))
            gx = _cast(gx, x.dtype)
        return gx, gw, None, None


class LpNormalize(Function):
    """``x / max(||x||_p, eps)`` along ``axis``."""

    @staticmethod
    def forward(ctx, x, p, axis, eps):
        work = _work(x.dtype)
        xf = _cast(x, work)
        a = mx.abs(xf)
        if p == math.inf:
            n = mx.max(a, axis=axis, keepdims=True)
        elif p == 2:
            n = mx.sqrt(reductions.sum(xf * xf, axis=axis, keepdims=True))
        elif p == 1:
            n = reductions.sum(a, axis=axis, keepdims=True)
        else:
            n = mx.power(reductions.sum(mx.power(a, p), axis=axis, keepdims=True), 1.0 / p)
        d = mx.maximum(n, eps)
        ctx.args = (p, axis, eps)
        ctx.save_for_backward(x, n)
        return _cast(xf / d, x.dtype)

    @staticmethod
    def backward(ctx, g):
        x, n = ctx.saved_tensors
        p, axis, eps = ctx.args
        work = n.dtype
        g, xf = _cast(g, work), _cast(x, work)
        d = mx.maximum(n, eps)
        a = mx.abs(xf)
        if p == math.inf:
            # NOTE: the inf-norm's gradient goes to the first largest |x| along the axis.
            first = mx.argmax(a, axis=axis, keepdims=True)
            idx = mx.arange(a.shape[axis]).reshape([-1 if i == axis % a.ndim else 1 for i in range(a.ndim)])
            dn = mx.where(idx == first, mx.sign(xf), 0)
        elif p == 2:
            dn = xf / mx.where(n > 0, n, 1)
        elif p == 1:
            dn = mx.sign(xf)
        else:
            safe_n = mx.where(n > 0, n, 1)
            dn = mx.sign(xf) * mx.power(a / safe_n, p - 1)
        # NOTE: where ||x||_p <= eps the denominator is the constant eps, so only the first term remains.
        coef = mx.where(n > eps, reductions.sum(g * xf, axis=axis, keepdims=True) / (d * d), 0)
        return _cast(g / d - coef * dn, x.dtype), None, None, None


# -- argument helpers ------------------------------------------------------------------------
def _opt(t, name, op):
    if t is None:
        return None
    check_tensor(t, name, op)
    return t


def _channels_input(input, min_ndim: int, layout: str, op: str) -> int:
    """Check that ``input`` is a Tensor with at least ``min_ndim`` dims (``layout`` in the message); returns ``C``."""
    check_tensor(input, "input", op)
    if input.ndim < min_ndim:
        raise ValueError(f"{op}: expected input of shape {layout}, got {input.shape}")
    return input.shape[1]


def _channel_params(c: int, op: str, **params) -> None:
    """Check that each optional tensor in ``params`` (by name) is a Tensor of shape ``(c,)``."""
    for name, t in params.items():
        if _opt(t, name, op) is not None and t.shape != (c,):
            raise ValueError(f"{op}: {name} must have shape ({c},), got {t.shape}")


def _update_running(buf: Tensor | None, value: mx.array, momentum) -> None:
    if buf is None:
        return
    if isinstance(momentum, Tensor):
        momentum = momentum._data
    old = buf._data
    work = _work(old.dtype)
    new = _cast(old, work) * (1 - momentum) + _cast(value, work) * momentum
    buf._data = new.astype(old.dtype)
    buf._version += 1


def _check_momentum(momentum, op):
    if isinstance(momentum, (Tensor, mx.array)):
        return
    if isinstance(momentum, bool) or not isinstance(momentum, numbers.Real):
        raise TypeError(f"{op}: momentum must be a float (or a 0-d Tensor), got {momentum!r}")


# -- public functions -------------------------------------------------------------------------
def batch_norm(input: Tensor, running_mean: Tensor | None, running_var: Tensor | None, weight: Tensor | None = None,
               bias: Tensor | None = None, training: bool = False, momentum=0.1, eps: float = 1e-5) -> Tensor:
    r"""Batch normalisation over every axis but the channel axis 1.

    .. math:: y = \frac{x - \mathrm{E}[x]}{\sqrt{\mathrm{Var}[x] + \epsilon}} \gamma + \beta

    In training (or when no running statistics are given) the batch's mean and
    biased variance are used, and the running statistics, if given, are updated
    lazily: ``running = (1 - momentum) running + momentum batch`` with the
    *unbiased* variance. Otherwise the running statistics are used.

    Args:
        input: ``(N, C)`` or ``(N, C, *)``.
        running_mean, running_var: ``(C,)`` Tensors or ``None``.
        weight, bias: optional ``(C,)`` affine parameters (gamma, beta).
        training: use batch statistics and update the running ones.
        momentum: update factor (a float, or a 0-d Tensor for a cumulative average). Default 0.1.
        eps: added to the variance. Default 1e-5.

    Returns:
        Tensor: same shape and dtype as ``input``.

    Raises:
        ValueError: bad shapes, or a single value per channel in training.

    Examples:
        >>> import lucid
        >>> import lucid.nn.functional as F
        >>> x = lucid.tensor([[1.0], [3.0]])
        >>> rm, rv = lucid.zeros(1), lucid.ones(1)
        >>> [round(v, 4) for v in F.batch_norm(x, rm, rv, training=True).reshape(-1).tolist()]
        [-1.0, 1.0]
        >>> [round(v, 4) for v in rm.tolist()], [round(v, 4) for v in rv.tolist()]
        ([0.2], [1.1])
    """
    op = "batch_norm"
    c = _channels_input(input, 2, "(N, C, *)", op)
    _channel_params(c, op, running_mean=running_mean, running_var=running_var, weight=weight, bias=bias)
    if not training and running_mean is not None and running_var is not None:
        return NormalizeWithStats.apply(input, running_mean, running_var, weight, bias, eps)
    count = input._data.size // c if c else 0
    if count <= 1:
        raise ValueError(f"{op}: expected more than 1 value per channel when training, got input of shape "
                         f"{input.shape}")
    track = training and (running_mean is not None or running_var is not None)
    out = BatchNormTrain.apply(input, weight, bias, eps, track)
    if not track:
        return out
    _check_momentum(momentum, op)
    y, mean, var = out
    _update_running(running_mean, mean._data, momentum)
    _update_running(running_var, var._data * (count / (count - 1)), momentum)
    return y


def instance_norm(input: Tensor, running_mean: Tensor | None = None, running_var: Tensor | None = None,
                  weight: Tensor | None = None, bias: Tensor | None = None, use_input_stats: bool = True,
                  momentum=0.1, eps: float = 1e-5) -> Tensor:
    """Instance normalisation: each ``(n, c)`` plane normalised over its spatial axes.

    With ``use_input_stats`` (default) each instance's own statistics are used and
    the running statistics, if given, are updated with their batch average
    (unbiased variance); otherwise the running statistics are used.

    Args:
        input: ``(N, C, *spatial)`` with at least one spatial axis.
        running_mean, running_var: optional ``(C,)`` Tensors.
        weight, bias: optional ``(C,)`` affine parameters.
        use_input_stats: normalise with each instance's statistics. Default True.
        momentum: running-statistics update factor. Default 0.1.
        eps: added to the variance. Default 1e-5.

    Returns:
        Tensor: same shape and dtype as ``input``.

    Examples:
        >>> import lucid
        >>> import lucid.nn.functional as F
        >>> x = lucid.tensor([[[1.0, 3.0], [0.0, 4.0]]])
        >>> [[round(v, 3) for v in row] for row in F.instance_norm(x)[0].tolist()]
        [[-1.0, 1.0], [-1.0, 1.0]]
    """
    op = "instance_norm"
    c = _channels_input(input, 3, "(N, C, *spatial)", op)
    _channel_params(c, op, running_mean=running_mean, running_var=running_var, weight=weight, bias=bias)
    if not use_input_stats:
        if running_mean is None or running_var is None:
            raise ValueError(f"{op}: use_input_stats=False needs running_mean and running_var")
        return NormalizeWithStats.apply(input, running_mean, running_var, weight, bias, eps)
    count = math.prod(input.shape[2:])
    if count <= 1:
        raise ValueError(f"{op}: expected more than 1 spatial element per instance, got input of shape {input.shape}")
    # per (n, c) over the spatial axes of the channels-last array (N, *S, C)
    axes = tuple(range(1, input.ndim - 1))
    track = running_mean is not None or running_var is not None
    out = Normalize.apply(input, weight, bias, axes, "channels_last", (c,), eps, track)
    if not track:
        return out
    _check_momentum(momentum, op)
    y, mean, var = out
    n = input.shape[0]
    if n:
        _update_running(running_mean, reductions.mean(mean._data.reshape(n, c), axis=0), momentum)
        _update_running(running_var, reductions.mean(var._data.reshape(n, c), axis=0) * (count / (count - 1)), momentum)
    return y


def _trailing(input, normalized_shape, op: str, **params) -> tuple:
    """Check a layer/RMS norm's arguments; the normalised shape and the trailing axes it covers.

    Each of ``params`` (``weight=...``, ``bias=...``) is ``None`` or a Tensor of the normalised shape.
    """
    check_tensor(input, "input", op)
    shape = check_normalized_shape(normalized_shape, op)
    k = len(shape)
    if k == 0 or input.ndim < k or input.shape[-k:] != shape:
        raise ValueError(f"{op}: expected input of shape (*, {', '.join(map(str, shape))}), got {input.shape}")
    for name, t in params.items():
        if _opt(t, name, op) is not None and t.shape != shape:
            raise ValueError(f"{op}: {name} must have shape {shape}, got {t.shape}")
    return shape, tuple(range(input.ndim - k, input.ndim))


def layer_norm(input: Tensor, normalized_shape, weight: Tensor | None = None, bias: Tensor | None = None,
               eps: float = 1e-5) -> Tensor:
    r"""Layer normalisation over the trailing ``normalized_shape`` dimensions.

    .. math:: y = \frac{x - \mathrm{E}[x]}{\sqrt{\mathrm{Var}[x] + \epsilon}} \gamma + \beta

    (mean and biased variance over the last ``len(normalized_shape)`` axes).

    Args:
        input: ``(*, *normalized_shape)``.
        normalized_shape: an int or tuple: the trailing shape to normalise over.
        weight, bias: optional Tensors of shape ``normalized_shape``.
        eps: added to the variance. Default 1e-5.

    Returns:
        Tensor: same shape and dtype as ``input``.

    Raises:
        ValueError: the input's trailing shape is not ``normalized_shape``.

    Examples:
        >>> import lucid
        >>> import lucid.nn.functional as F
        >>> [round(v, 3) for v in F.layer_norm(lucid.tensor([1.0, 2.0, 3.0]), 3).tolist()]
        [-1.225, 0.0, 1.225]
    """
    shape, axes = _trailing(input, normalized_shape, "layer_norm", weight=weight, bias=bias)
    input, weight, bias = autocast_inputs(input, weight, bias)
    return Normalize.apply(input, weight, bias, axes, None, shape, eps, False)


def group_norm(input: Tensor, num_groups: int, weight: Tensor | None = None, bias: Tensor | None = None,
               eps: float = 1e-5) -> Tensor:
    """Group normalisation: channels split into ``num_groups`` groups, each normalised over its channels and space.

    Args:
        input: ``(N, C, *)``.
        num_groups: the number of groups; must divide ``C``.
        weight, bias: optional per-channel ``(C,)`` affine parameters.
        eps: added to the variance. Default 1e-5.

    Returns:
        Tensor: same shape and dtype as ``input``.

    Examples:
        >>> import lucid
        >>> import lucid.nn.functional as F
        >>> x = lucid.tensor([[1.0, 3.0, 5.0, 7.0]])
        >>> [round(v, 3) for v in F.group_norm(x, 2)[0].tolist()]
        [-1.0, 1.0, -1.0, 1.0]
    """
    op = "group_norm"
    _channels_input(input, 2, "(N, C, *)", op)
    if isinstance(num_groups, bool) or not isinstance(num_groups, numbers.Integral) or num_groups < 1:
        raise ValueError(f"{op}: num_groups must be a positive int, got {num_groups!r}")
    n, c = input.shape[:2]
    if c % num_groups:
        raise ValueError(f"{op}: expected the number of channels ({c}) to be divisible by num_groups ({num_groups}), "
                         f"got input of shape {input.shape}")
    _channel_params(c, op, weight=weight, bias=bias)
    view = (n, int(num_groups), (c // num_groups) * math.prod(input.shape[2:]))
    aff = (c,) + (1,) * (input.ndim - 2)
    input, weight, bias = autocast_inputs(input, weight, bias)
    return Normalize.apply(input, weight, bias, (2,), view, aff, eps, False)


def rms_norm(input: Tensor, normalized_shape, weight: Tensor | None = None, eps: float | None = None) -> Tensor:
    r"""Root-mean-square normalisation over the trailing ``normalized_shape`` dimensions.

    .. math:: y = \frac{x}{\sqrt{\mathrm{mean}(x^2) + \epsilon}} \gamma

    Args:
        input: ``(*, *normalized_shape)``.
        normalized_shape: an int or tuple: the trailing shape to normalise over.
        weight: optional Tensor of shape ``normalized_shape``.
        eps: added to the mean square; default ``finfo(input.dtype).eps``.

    Returns:
        Tensor: same shape and dtype as ``input``.

    Examples:
        >>> import lucid
        >>> import lucid.nn.functional as F
        >>> [round(v, 4) for v in F.rms_norm(lucid.tensor([3.0, 4.0]), 2).tolist()]
        [0.8485, 1.1314]
    """
    _, axes = _trailing(input, normalized_shape, "rms_norm", weight=weight)
    if eps is None:
        eps = float(mx.finfo(input._data.dtype).eps)
    return RMSNormFn.apply(input, weight, axes, eps)


def normalize(input: Tensor, p: float = 2.0, dim: int | None = None, eps: float = 1e-12, out=None, *,
              axis: int | None = None) -> Tensor:
    r"""Divide by the ``p``-norm along ``dim``: :math:`y = x / \max(\lVert x \rVert_p, \epsilon)`.

    Args:
        input: any shape.
        p: the norm's exponent (> 0, ``inf`` allowed). Default 2.
        dim: the axis (negative counts from the end). Default 1. ``axis`` is the NumPy spelling.
        eps: lower bound of the denominator. Default 1e-12.
        out: not supported (must be ``None``).

    Returns:
        Tensor: same shape and dtype as ``input``.

    Examples:
        >>> import lucid
        >>> import lucid.nn.functional as F
        >>> F.normalize(lucid.tensor([[3.0, 4.0]])).tolist()
        [[0.6000000238418579, 0.800000011920929]]
    """
    op = "normalize"
    check_tensor(input, "input", op)
    if out is not None:
        raise NotImplementedError(f"{op}: out= is not supported; use the returned Tensor")
    dim = reduce_axis_arg(axis, dim, op, 1)
    if isinstance(p, bool) or not isinstance(p, numbers.Real) or not p > 0:
        raise ValueError(f"{op}: p must be a positive number, got {p!r}")
    if isinstance(dim, bool) or not isinstance(dim, numbers.Integral):
        raise TypeError(f"{op}: dim must be an int, got {dim!r}")
    nd = max(input.ndim, 1)
    if not -nd <= dim < nd:
        raise ValueError(f"{op}: dim {dim} is out of range for a tensor of shape {input.shape}")
    if input.ndim == 0:
        raise ValueError(f"{op}: input must have at least one dimension, got a 0-d tensor")
    return LpNormalize.apply(input, float(p), int(dim) % input.ndim, eps)


def local_response_norm(input: Tensor, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1.0) -> Tensor:
    """Local response normalisation across channels (AlexNet).

    .. math:: y_c = x_c \\Big(k + \\frac{\\alpha}{n}\\sum_{c'} x_{c'}^2\\Big)^{-\\beta}

    where the sum runs over the ``n = size`` channels ``c - size // 2 .. c + (size - 1) // 2``
    (missing channels count as 0; the divisor is always ``size``, as in PyTorch).

    Args:
        input: ``(N, C, *)``, at least 3-D.
        size: the number of neighbouring channels (positive).
        alpha: the scale.
        beta: the exponent.
        k: the additive constant.

    Raises:
        ValueError: on a non-positive ``size`` or fewer than 3 dims.

    Examples:
        >>> import lucid
        >>> y = lucid.nn.functional.local_response_norm(lucid.ones(1, 2, 1), 2, alpha=1.0, beta=1.0)
        >>> y.flatten().tolist()
        [0.6666666865348816, 0.5]
    """
    op = "local_response_norm"
    check_tensor(input, "input", op)
    if isinstance(size, bool) or not isinstance(size, numbers.Integral) or size <= 0:
        raise ValueError(f"{op}: size must be a positive int, got {size!r}")
    if input.ndim < 3:
        raise ValueError(f"{op}: expected input of shape (N, C, *) with at least 3 dims, got {input.shape}")
    c = input.shape[1]
    sq = (input * input).movedim(1, -1)
    sq = pad(sq, (size // 2, (size - 1) // 2))
    total = sq[..., 0:c]
    for j in range(1, size):
        total = total + sq[..., j:j + c]
    div = (total.movedim(-1, 1) * (alpha / size) + k) ** beta
    return input / div
