"""Loss functions: regression (``mse_loss``, ``l1_loss``, ``huber_loss``, ``smooth_l1_loss``),
binary (``binary_cross_entropy[_with_logits]``), multi-class (``cross_entropy``, ``nll_loss``)
and ``kl_div``.

Each loss is one ``Function`` that computes the elementwise loss, applies the
reduction and, in backward, writes the gradient of every differentiable input
directly (no tape of intermediate ops). All take ``reduction='mean' | 'sum' |
'none'`` (``kl_div`` also ``'batchmean'``).

Class indices are checked lazily (DESIGN.md section 2): a target outside
``[0, C)`` that is not ``ignore_index`` (negative ones included) is clamped
before it reaches MLX and raises ``IndexError`` at the next sync point (see
:mod:`lucid.ops._index_guard`).
"""

from __future__ import annotations

import math
import warnings

import mlx.core as mx

from lucid._backend import checks, reductions
from lucid._tensor import Tensor
from lucid.autograd.function import Function
from lucid.autograd.grad_mode import is_grad_enabled
from lucid.nn.functional._kernels import check_reduction as _check_reduction
from lucid.nn.functional._kernels import check_tensor, fused
from lucid.nn.functional._kernels import exp as _exp
from lucid.nn.functional._kernels import logsumexp as _logsumexp
from lucid.nn.functional._kernels import sigmoid as _sigmoid
from lucid.nn.functional._kernels import softplus as _softplus
from lucid.nn.functional.activation import logsigmoid, softplus
from lucid.nn.functional.distance import pairwise_distance
from lucid.ops._autocast import autocast_inputs
from lucid.ops._index_guard import safe_index
from lucid.ops._util import unbroadcast
from lucid.ops.arithmetic import minimum
from lucid.ops.creation import arange
from lucid.ops.unary import where as lucid_where

__all__ = ["mse_loss", "l1_loss", "huber_loss", "smooth_l1_loss", "binary_cross_entropy",
           "binary_cross_entropy_with_logits", "cross_entropy", "nll_loss", "kl_div",
           "margin_ranking_loss", "hinge_embedding_loss", "soft_margin_loss", "multilabel_soft_margin_loss",
           "cosine_embedding_loss", "poisson_nll_loss", "gaussian_nll_loss", "triplet_margin_loss",
           "triplet_margin_with_distance_loss", "multi_margin_loss", "multilabel_margin_loss", "ctc_loss"]

_INTEGER = (mx.int8, mx.int16, mx.int32, mx.int64, mx.uint8, mx.uint16, mx.uint32, mx.uint64)
_FLOAT = (mx.float16, mx.bfloat16, mx.float32, mx.float64)


# -- reduction helpers (on raw arrays) -----------------------------------------

def _reduce(ctx, loss: mx.array, reduction: str) -> mx.array:
    ctx.red = (reduction, loss.shape)
    if reduction == "mean":
        return reductions.mean(loss)
    if reduction == "sum":
        return reductions.sum(loss)
    if reduction == "batchmean":
        return reductions.sum(loss) / (loss.shape[0] if loss.ndim else 1)
    return loss


def _upstream(ctx, g: mx.array) -> mx.array:
    """The gradient of the reduced loss with respect to each elementwise loss term."""
    reduction, shape = ctx.red
    if reduction == "none":
        return g
    if reduction == "mean":
        n = 1
        for s in shape:
            n *= s
        g = g / n
    elif reduction == "batchmean":
        g = g / (shape[0] if shape else 1)
    return mx.broadcast_to(g, shape)


def _grad(g, meta, ok: bool):
    """Reduce ``g`` to the ``(shape, dtype)`` in ``meta`` if that input's gradient is wanted."""
    return unbroadcast(g, *meta) if ok else None


def _meta(*arrays) -> tuple:
    return tuple(None if a is None else (a.shape, a.dtype) for a in arrays)


def _pair(input, target, op: str, same_shape: bool) -> None:
    check_tensor(input, "input", op)
    check_tensor(target, "target", op)
    if input.shape == target.shape:
        return
    if same_shape:
        raise ValueError(f"{op}: target of shape {target.shape} must have the same shape as input {input.shape}")
    try:
        mx.broadcast_shapes(input.shape, target.shape)
    except ValueError:
        raise ValueError(f"{op}: target of shape {target.shape} cannot be broadcast with input of shape "
                         f"{input.shape}") from None
    warnings.warn(f"{op}: target size {target.shape} differs from input size {input.shape}; they are "
                  "broadcast together, which is likely not what you want", UserWarning, stacklevel=3)


def _check_weight(weight, input, op: str, name: str = "weight") -> None:
    if weight is None:
        return
    check_tensor(weight, name, op)
    try:
        shape = mx.broadcast_shapes(input.shape, weight.shape)
    except ValueError:
        shape = None
    if shape != input.shape:
        raise ValueError(f"{op}: {name} of shape {weight.shape} must broadcast to the input shape {input.shape}")


# -- regression ------------------------------------------------------------------

class MSELossFunction(Function):
    @staticmethod
    def forward(ctx, x, y, reduction):
        d = x - y
        ctx.save_for_backward(d)
        ctx.meta = _meta(x, y)
        return _reduce(ctx, d * d, reduction)

    @staticmethod
    def backward(ctx, g):
        (d,) = ctx.saved_tensors
        x, y = ctx.meta
        gd = 2.0 * d * _upstream(ctx, g)
        nx, ny = ctx.needs_input_grad[:2]
        return _grad(gd, x, nx), _grad(-gd, y, ny), None


class L1LossFunction(Function):
    @staticmethod
    def forward(ctx, x, y, reduction):
        d = x - y
        ctx.save_for_backward(d)
        ctx.meta = _meta(x, y)
        return _reduce(ctx, mx.abs(d), reduction)

    @staticmethod
    def backward(ctx, g):
        (d,) = ctx.saved_tensors
        x, y = ctx.meta
        # NOTE: the gradient of |d| at d = 0 is 0 (sign(0), PyTorch's convention).
        gd = mx.sign(d) * _upstream(ctx, g)
        nx, ny = ctx.needs_input_grad[:2]
        return _grad(gd, x, nx), _grad(-gd, y, ny), None


class HuberLossFunction(Function):
    """Huber (``delta``) and smooth-L1 (``beta``) share one shape: ``scale`` is 1 or 1/beta."""

    @staticmethod
    def forward(ctx, x, y, reduction, delta, smooth_l1):
        d = x - y
        a = mx.abs(d)
        ctx.save_for_backward(d)
        ctx.meta = _meta(x, y)
        ctx.consts = (delta, smooth_l1)
        if smooth_l1:
            loss = mx.where(a < delta, 0.5 * d * d / delta, a - 0.5 * delta)
        else:
            loss = mx.where(a < delta, 0.5 * d * d, delta * (a - 0.5 * delta))
        return _reduce(ctx, loss, reduction)

    @staticmethod
    def backward(ctx, g):
        (d,) = ctx.saved_tensors
        x, y = ctx.meta
        delta, smooth_l1 = ctx.consts
        # NOTE: both pieces meet with equal slope at |d| = delta, so the kink choice does not matter.
        if smooth_l1:
            gd = mx.clip(d / delta, -1.0, 1.0)
        else:
            gd = mx.clip(d, -delta, delta)
        gd = gd * _upstream(ctx, g)
        nx, ny = ctx.needs_input_grad[:2]
        return _grad(gd, x, nx), _grad(-gd, y, ny), None, None, None


# -- binary ------------------------------------------------------------------------

class BCEFunction(Function):
    @staticmethod
    def forward(ctx, x, y, w, reduction):
        # NOTE: each log is clamped to >= -100 (PyTorch's choice), so x = 0 or 1 gives a finite loss.
        log_x = mx.maximum(mx.log(x), -100.0)
        log_1mx = mx.maximum(mx.log1p(-x), -100.0)
        raw = -(y * log_x + (1.0 - y) * log_1mx)
        ctx.save_for_backward(x, y, w)
        ctx.logs = (log_x, log_1mx, raw)
        return _reduce(ctx, raw if w is None else raw * w, reduction)

    @staticmethod
    def backward(ctx, g):
        x, y, w = ctx.saved_tensors
        log_x, log_1mx, raw = ctx.logs
        nx, ny, nw = ctx.needs_input_grad[:3]
        gu = _upstream(ctx, g)
        gw_ = gu if w is None else gu * w
        gx = gy = gw = None
        if nx:
            # NOTE: the denominator is clamped to >= 1e-12 as in PyTorch.
            gx = _grad(gw_ * (x - y) / mx.maximum((1.0 - x) * x, 1e-12), _meta(x)[0], True)
        if ny:
            gy = _grad(gw_ * (log_1mx - log_x), _meta(y)[0], True)
        if nw:
            gw = _grad(gu * raw, _meta(w)[0], True)
        return gx, gy, gw, None


class BCEWithLogitsFunction(Function):
    @staticmethod
    def forward(ctx, x, y, w, pw, reduction):
        # loss = (1 - y) x + (1 + (pw - 1) y) log(1 + exp(-x)), with a stable softplus.
        sp = _softplus(-x)
        if pw is None:
            raw = (1.0 - y) * x + sp
        else:
            raw = (1.0 - y) * x + (1.0 + (pw - 1.0) * y) * sp
        ctx.save_for_backward(x, y, w, pw)
        ctx.parts = (sp, raw)
        return _reduce(ctx, raw if w is None else raw * w, reduction)

    @staticmethod
    def backward(ctx, g):
        x, y, w, pw = ctx.saved_tensors
        sp, raw = ctx.parts
        nx, ny, nw, npw = ctx.needs_input_grad[:4]
        gu = _upstream(ctx, g)
        gwu = gu if w is None else gu * w
        gx = gy = gw = gpw = None
        if nx:
            if pw is None:
                d = _sigmoid(x) - y
            else:
                d = (1.0 - y) - (1.0 + (pw - 1.0) * y) * _sigmoid(-x)
            gx = _grad(gwu * d, _meta(x)[0], True)
        if ny:
            d = -x if pw is None else -x + (pw - 1.0) * sp
            gy = _grad(gwu * d, _meta(y)[0], True)
        if nw:
            gw = _grad(gu * raw, _meta(w)[0], True)
        if npw:
            gpw = _grad(gwu * y * sp, _meta(pw)[0], True)
        return gx, gy, gw, gpw, None


# -- multi-class -------------------------------------------------------------------

def _class_axis(ndim: int) -> int:
    return 1 if ndim >= 2 else 0


def _onehot(ts: mx.array, n: int, cax: int, ndim: int) -> mx.array:
    """Boolean one-hot of class indices ``ts`` with the class axis at ``cax``."""
    shape = [1] * ndim
    shape[cax] = n
    return mx.reshape(mx.arange(n), shape) == mx.expand_dims(ts, cax)


def _target_weights(t, w, ignore_index, dtype, n: int, cax: int, op: str):
    """Per-target weights (0 for ignored targets), the validity mask and safe indices.

    Ignored targets become class 0 before the range check, so only the others are checked.
    """
    if t.dtype != mx.int64 and t.dtype != mx.int32:
        t = t.astype(mx.int32)  # so ignore_index (e.g. -100) is comparable with uint8 targets
    valid = t != ignore_index
    ts = safe_index(mx.where(valid, t, 0), n, op, dim=cax, noun="target")
    if w is None:
        wt = valid.astype(dtype)
    else:
        wt = mx.where(valid, mx.take(w, ts), 0.0).astype(dtype)
    return valid, ts, wt


@fused
def _ce_grad(x, lse, onehot, scale):
    # (softmax(x) - onehot(t)) * w_t * upstream, in one pass over the logits
    return scale * (_exp(x - lse) - onehot)


class CrossEntropyFunction(Function):
    """Log-softmax + NLL (+ label smoothing) over class indices, fused and logsumexp-stable."""

    @staticmethod
    def forward(ctx, x, t, w, ignore_index, reduction, eps):
        cax = _class_axis(x.ndim)
        n = x.shape[cax]
        if w is not None and w.dtype != x.dtype:
            w = w.astype(x.dtype)
        lse = _logsumexp(x, cax)
        valid, ts, wt = _target_weights(t, w, ignore_index, x.dtype, n, cax, "cross_entropy")
        # log_softmax at the targets only: x_t - lse (no pass over every logit)
        picked = mx.squeeze(mx.take_along_axis(x, mx.expand_dims(ts, cax), axis=cax) - lse, cax)
        loss = -wt * picked
        if eps > 0:
            logp = x - lse
            if w is None:
                smooth = -reductions.sum(logp, axis=cax)
            else:
                shape = [1] * x.ndim
                shape[cax] = n
                smooth = -reductions.sum(logp * mx.reshape(w, shape), axis=cax)
            loss = (1.0 - eps) * loss + (eps / n) * mx.where(valid, smooth, 0.0)
        ctx.save_for_backward(x, lse)
        ctx.parts = (ts, valid, wt, w, cax, n, eps)
        if reduction == "mean":
            denom = reductions.sum(wt)
            ctx.denom = denom
            ctx.red = ("sum_div", loss.shape)
            # NOTE: the mean divides by the summed weights of non-ignored targets (PyTorch);
            # when every target is ignored that is 0/0 = nan, as in PyTorch.
            return reductions.sum(loss) / denom
        return _reduce(ctx, loss, reduction)

    @staticmethod
    def backward(ctx, g):
        x, lse = ctx.saved_tensors
        ts, valid, wt, w, cax, n, eps = ctx.parts
        red, shape = ctx.red
        gi = mx.broadcast_to(g / ctx.denom, shape) if red == "sum_div" else _upstream(ctx, g)
        onehot = _onehot(ts, n, cax, x.ndim)
        wt_e = mx.expand_dims(wt * gi, cax)
        if eps == 0:
            gx = _ce_grad(x, lse, onehot, wt_e)
        else:
            probs = _exp(x - lse)
            v = mx.expand_dims(mx.where(valid, gi, 0.0), cax)
            if w is None:
                wsum, wb = float(n), 1.0
            else:
                shape_w = [1] * x.ndim
                shape_w[cax] = n
                wsum, wb = reductions.sum(w), mx.reshape(w, shape_w)
            gx = ((1.0 - eps) * wt_e + (eps / n) * wsum * v) * probs \
                - (1.0 - eps) * (wt_e * onehot) - (eps / n) * v * wb
        return gx.astype(x.dtype), None, None, None, None, None


class NLLLossFunction(Function):
    @staticmethod
    def forward(ctx, x, t, w, ignore_index, reduction):
        cax = _class_axis(x.ndim)
        if w is not None and w.dtype != x.dtype:
            w = w.astype(x.dtype)
        _, ts, wt = _target_weights(t, w, ignore_index, x.dtype, x.shape[cax], cax, "nll_loss")
        picked = mx.squeeze(mx.take_along_axis(x, mx.expand_dims(ts, cax), axis=cax), cax)
        loss = -wt * picked
        ctx.parts = (ts, wt, cax, x.shape[cax], x.ndim, x.dtype)
        if reduction == "mean":
            ctx.denom = reductions.sum(wt)
            ctx.red = ("sum_div", loss.shape)
            return reductions.sum(loss) / ctx.denom
        return _reduce(ctx, loss, reduction)

    @staticmethod
    def backward(ctx, g):
        ts, wt, cax, n, ndim, dtype = ctx.parts
        red, shape = ctx.red
        gi = mx.broadcast_to(g / ctx.denom, shape) if red == "sum_div" else _upstream(ctx, g)
        gx = mx.expand_dims(-(wt * gi), cax) * _onehot(ts, n, cax, ndim)
        return gx.astype(dtype), None, None, None, None


class SoftTargetCrossEntropyFunction(Function):
    """Cross-entropy against class probabilities: ``-sum_c w_c y_c log_softmax(x)_c``."""

    @staticmethod
    def forward(ctx, x, y, w, reduction, eps):
        cax = _class_axis(x.ndim)
        n = x.shape[cax]
        lse = _logsumexp(x, cax)
        logp = x - lse
        if eps > 0:
            y = (1.0 - eps) * y + eps / n
        wy = y
        if w is not None:
            shape = [1] * x.ndim
            shape[cax] = n
            wy = y * mx.reshape(w.astype(x.dtype), shape)
        loss = -reductions.sum(wy * logp, axis=cax)
        ctx.save_for_backward(x, lse)
        ctx.parts = (wy, logp, cax, eps, w)
        ctx.in_meta = (x.dtype, y.dtype)
        # NOTE: 'mean' divides by the number of samples (input.numel() / C), as in PyTorch.
        return _reduce(ctx, loss, reduction)

    @staticmethod
    def backward(ctx, g):
        x, lse = ctx.saved_tensors
        wy, logp, cax, eps, w = ctx.parts
        nx, ny = ctx.needs_input_grad[:2]
        gi = mx.expand_dims(_upstream(ctx, g), cax)
        gx = gy = None
        if nx:
            probs = _exp(x - lse)
            gx = (gi * (probs * reductions.sum(wy, axis=cax, keepdims=True) - wy)).astype(x.dtype)
        if ny:
            d = -gi * logp * (1.0 - eps)
            if w is not None:
                shape = [1] * x.ndim
                shape[cax] = x.shape[cax]
                d = d * mx.reshape(w.astype(x.dtype), shape)
            gy = d.astype(ctx.in_meta[1])
        return gx, gy, None, None, None


class KLDivFunction(Function):
    @staticmethod
    def forward(ctx, x, t, reduction, log_target):
        if log_target:
            et = _exp(t)
            loss = et * (t - x)
        else:
            et = None
            # NOTE: target * log(target) is taken as 0 where target == 0 (xlogy, like PyTorch).
            loss = mx.where(t == 0, 0.0, t * mx.log(t)) - t * x
        ctx.save_for_backward(x, t)
        ctx.et = et
        ctx.log_target = log_target
        return _reduce(ctx, loss, reduction)

    @staticmethod
    def backward(ctx, g):
        x, t = ctx.saved_tensors
        nx, nt = ctx.needs_input_grad[:2]
        gu = _upstream(ctx, g)
        gx = gt = None
        if ctx.log_target:
            et = ctx.et
            if nx:
                gx = _grad(-et * gu, _meta(x)[0], True)
            if nt:
                gt = _grad(et * (t - x + 1.0) * gu, _meta(t)[0], True)
        else:
            if nx:
                gx = _grad(-t * gu, _meta(x)[0], True)
            if nt:
                # NOTE: at target == 0 the d(t log t)/dt term is taken as 0 (it is -inf in the limit).
                gt = _grad((mx.where(t == 0, 0.0, mx.log(t) + 1.0) - x) * gu, _meta(t)[0], True)
        return gx, gt, None, None


# -- public functions ----------------------------------------------------------------

def mse_loss(input: Tensor, target: Tensor, *, reduction: str = "mean") -> Tensor:
    """Mean squared error, ``(input - target)^2`` reduced.

    Args:
        input: any shape.
        target: same shape (other broadcastable shapes warn, like PyTorch).
        reduction: ``'mean'`` (default), ``'sum'`` or ``'none'``.

    Returns:
        Tensor: a 0-d loss, or the elementwise loss for ``'none'``.

    Raises:
        ValueError: on an unknown ``reduction`` or shapes that do not broadcast.

    Examples:
        >>> import lucid
        >>> lucid.nn.functional.mse_loss(lucid.tensor([1.0, 2.0]), lucid.tensor([0.0, 0.0])).item()
        2.5
    """
    _pair(input, target, "mse_loss", False)
    input, target = autocast_inputs(input, target)
    return MSELossFunction.apply(input, target, _check_reduction(reduction, "mse_loss"))


def l1_loss(input: Tensor, target: Tensor, *, reduction: str = "mean") -> Tensor:
    """Mean absolute error, ``|input - target|`` reduced (gradient 0 where they are equal).

    Examples:
        >>> import lucid
        >>> lucid.nn.functional.l1_loss(lucid.tensor([1.0, -3.0]), lucid.tensor([0.0, 0.0])).item()
        2.0
    """
    _pair(input, target, "l1_loss", False)
    input, target = autocast_inputs(input, target)
    return L1LossFunction.apply(input, target, _check_reduction(reduction, "l1_loss"))


def huber_loss(input: Tensor, target: Tensor, *, reduction: str = "mean", delta: float = 1.0) -> Tensor:
    """Huber loss: quadratic for small errors, linear for large ones.

    .. math:: \\ell = \\begin{cases} \\tfrac12 d^2 & |d| < \\delta \\\\
              \\delta (|d| - \\tfrac12 \\delta) & \\text{otherwise} \\end{cases},\\quad d = x - y

    Raises:
        ValueError: if ``delta <= 0``.

    Examples:
        >>> import lucid
        >>> lucid.nn.functional.huber_loss(lucid.tensor([0.5, 3.0]), lucid.tensor([0.0, 0.0]),
        ...                                reduction="none").tolist()
        [0.125, 2.5]
    """
    _pair(input, target, "huber_loss", False)
    input, target = autocast_inputs(input, target)
    if not delta > 0:
        raise ValueError(f"huber_loss: delta must be positive, got {delta}")
    return HuberLossFunction.apply(input, target, _check_reduction(reduction, "huber_loss"), float(delta), False)


def smooth_l1_loss(input: Tensor, target: Tensor, *, reduction: str = "mean", beta: float = 1.0) -> Tensor:
    """Smooth L1 loss: ``0.5 d^2 / beta`` for ``|d| < beta``, else ``|d| - 0.5 beta``.

    ``beta = 0`` is exactly ``l1_loss``.

    Raises:
        ValueError: if ``beta < 0``.

    Examples:
        >>> import lucid
        >>> lucid.nn.functional.smooth_l1_loss(lucid.tensor([0.5, 3.0]), lucid.tensor([0.0, 0.0]),
        ...                                    reduction="none").tolist()
        [0.125, 2.5]
    """
    _pair(input, target, "smooth_l1_loss", False)
    input, target = autocast_inputs(input, target)
    reduction = _check_reduction(reduction, "smooth_l1_loss")
    if not beta >= 0:
        raise ValueError(f"smooth_l1_loss: beta must be non-negative, got {beta}")
    if beta == 0:
        return L1LossFunction.apply(input, target, reduction)
    return HuberLossFunction.apply(input, target, reduction, float(beta), True)


def binary_cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None, *,
                         reduction: str = "mean") -> Tensor:
    """Binary cross-entropy between probabilities ``input`` and ``target``.

    .. math:: \\ell = -w\\,[y \\log x + (1 - y) \\log(1 - x)]

    Each log is clamped to ``>= -100`` (as in PyTorch). Values of ``input``
    are not checked to lie in ``[0, 1]`` (that would be a sync point); use
    ``binary_cross_entropy_with_logits`` on logits, which is also more stable.

    Args:
        input: probabilities, any shape.
        target: same shape as ``input``, values in ``[0, 1]``.
        weight: rescales each element; broadcastable to ``input``.
        reduction: ``'mean'``, ``'sum'`` or ``'none'``.

    Raises:
        ValueError: if ``target`` or ``weight`` does not fit ``input``'s shape.

    Examples:
        >>> import lucid
        >>> round(lucid.nn.functional.binary_cross_entropy(lucid.tensor([0.5]), lucid.tensor([1.0])).item(), 4)
        0.6931
    """
    _pair(input, target, "binary_cross_entropy", True)
    input, target, weight = autocast_inputs(input, target, weight)
    _check_weight(weight, input, "binary_cross_entropy")
    return BCEFunction.apply(input, target, weight, _check_reduction(reduction, "binary_cross_entropy"))


def binary_cross_entropy_with_logits(input: Tensor, target: Tensor, weight: Tensor | None = None, *,
                                     reduction: str = "mean", pos_weight: Tensor | None = None) -> Tensor:
    """Sigmoid + binary cross-entropy in one stable step, on logits.

    .. math:: \\ell = w\\,[(1 - y)\\,x + (1 + (p - 1) y)\\,\\log(1 + e^{-x})]

    where ``p`` is ``pos_weight`` (1 when omitted); the softplus is evaluated
    without overflow, so logits of any size are fine.

    Args:
        input: logits, any shape.
        target: same shape, values in ``[0, 1]``.
        weight: rescales each element; broadcastable to ``input``.
        reduction: ``'mean'``, ``'sum'`` or ``'none'``.
        pos_weight: weight of positive examples, broadcast along the last (class) dim.

    Examples:
        >>> import lucid
        >>> F = lucid.nn.functional
        >>> round(F.binary_cross_entropy_with_logits(lucid.tensor([0.0]), lucid.tensor([1.0])).item(), 4)
        0.6931
    """
    op = "binary_cross_entropy_with_logits"
    _pair(input, target, op, True)
    input, target, weight, pos_weight = autocast_inputs(input, target, weight, pos_weight)
    _check_weight(weight, input, op)
    _check_weight(pos_weight, input, op, "pos_weight")
    return BCEWithLogitsFunction.apply(input, target, weight, pos_weight, _check_reduction(reduction, op))


def _class_args(input, target, weight, op: str):
    """Validate ``(input, target, weight)`` of a class-index loss; return whether targets are indices."""
    check_tensor(input, "input", op)
    check_tensor(target, "target", op)
    if input._data.dtype not in _FLOAT:
        raise TypeError(f"{op}: input must be floating point (N, C, ...) scores, got {input.dtype}")
    if input.ndim == 0:
        raise ValueError(f"{op}: input must have a class dimension, (C,) or (N, C, ...), got a 0-d tensor")
    cax = _class_axis(input.ndim)
    n = input.shape[cax]
    if weight is not None:
        check_tensor(weight, "weight", op)
        if weight.shape != (n,):
            raise ValueError(f"{op}: weight must have shape ({n},) (one per class), got {weight.shape}")
        if weight.requires_grad and is_grad_enabled():
            raise NotImplementedError(f"{op}: the class weights cannot be differentiated (PyTorch does not "
                                      "support it either); pass weight.detach()")
    index_shape = input.shape[:cax] + input.shape[cax + 1:]
    tdt = target._data.dtype
    if tdt in _INTEGER:
        if target.shape != index_shape:
            raise ValueError(f"{op}: expected target of shape {index_shape} (input {input.shape} without the "
                             f"class dim {cax}), got {target.shape}")
        return True
    if tdt in _FLOAT and target.shape == input.shape and op == "cross_entropy":
        return False
    if tdt in _FLOAT and target.shape == index_shape:
        raise TypeError(f"{op}: target holds class indices but has dtype {target.dtype}; class indices must be "
                        "integers (use target.long())")
    if op == "cross_entropy" and tdt in _FLOAT:
        raise ValueError(f"{op}: target must be class indices of shape {index_shape} or class probabilities of "
                         f"the input's shape {input.shape}, got shape {target.shape}")
    raise TypeError(f"{op}: target must hold integer class indices of shape {index_shape}, got {target.dtype} "
                    f"of shape {target.shape}")


def cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None, *, ignore_index: int = -100,
                  reduction: str = "mean", label_smoothing: float = 0.0) -> Tensor:
    """Cross-entropy between logits and class indices (or class probabilities).

    For index targets ``t``, with ``p = log_softmax(input)`` over the class dim
    and ``eps = label_smoothing`` over ``C`` classes:

    .. math:: \\ell_i = (1 - \\varepsilon)\\, w_{t_i} (-p_{i,t_i})
              + \\frac{\\varepsilon}{C} \\sum_c w_c (-p_{i,c})

    ``'mean'`` divides the summed loss by the summed weights ``w_{t_i}`` of the
    non-ignored targets (PyTorch's rule). Targets equal to ``ignore_index``
    contribute nothing. The computation is one fused, logsumexp-stable op
    (logits of 1e4 are fine); its gradient is ``softmax - onehot`` (weighted).

    For probability targets (a float tensor of the input's shape) the loss is
    ``-sum_c w_c y_c p_c`` and ``'mean'`` divides by the number of samples.

    Args:
        input: logits ``(N, C)``, ``(N, C, d1, ...)`` or unbatched ``(C,)``.
        target: integer class indices ``(N,)`` / ``(N, d1, ...)`` / ``()``, or
            float class probabilities of the input's shape.
        weight: ``(C,)`` per-class weights (constants: one that requires grad raises).
        ignore_index: index targets equal to it are skipped (default -100).
        reduction: ``'mean'``, ``'sum'`` or ``'none'``.
        label_smoothing: ``eps`` in ``[0, 1]``; mixes the target with the uniform distribution.

    Returns:
        Tensor: 0-d, or the per-sample loss ``(N, d1, ...)`` for ``'none'``.

    Raises:
        TypeError: for non-integer index targets or a non-float input.
        NotImplementedError: if ``weight`` requires grad (as in PyTorch).
        ValueError: for a target or weight shape that does not fit the input, a bad
            ``reduction`` or ``label_smoothing``.
        IndexError: at the next sync point, for an index target outside ``[0, C)``
            that is not ``ignore_index``.

    Examples:
        >>> import lucid
        >>> import lucid.nn.functional as F
        >>> logits = lucid.tensor([[2.0, 0.0, 0.0], [0.0, 0.0, 0.0]], requires_grad=True)
        >>> loss = F.cross_entropy(logits, lucid.tensor([0, 2]))
        >>> round(loss.item(), 4)
        0.6691
        >>> loss.backward()
        >>> [round(v, 4) for v in logits.grad[1].tolist()]
        [0.1667, 0.1667, -0.3333]
    """
    index = _class_args(input, target, weight, "cross_entropy")
    input, target, weight = autocast_inputs(input, target, weight)
    reduction = _check_reduction(reduction, "cross_entropy")
    if isinstance(label_smoothing, bool) or not isinstance(label_smoothing, (int, float)) \
            or not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"cross_entropy: label_smoothing must be a number in [0, 1], got {label_smoothing!r}")
    if index:
        return CrossEntropyFunction.apply(input, target, weight, int(ignore_index), reduction,
                                          float(label_smoothing))
    return SoftTargetCrossEntropyFunction.apply(input, target, weight, reduction, float(label_smoothing))


def nll_loss(input: Tensor, target: Tensor, weight: Tensor | None = None, *, ignore_index: int = -100,
             reduction: str = "mean") -> Tensor:
    """Negative log-likelihood of class indices given log-probabilities: ``-w_t * input[t]``.

    ``'mean'`` divides by the summed weights of the non-ignored targets.

    Args:
        input: log-probabilities ``(N, C)``, ``(N, C, d1, ...)`` or ``(C,)``.
        target: integer class indices ``(N,)``, ``(N, d1, ...)`` or ``()``.
        weight: ``(C,)`` per-class weights.
        ignore_index: targets equal to it contribute nothing (default -100).
        reduction: ``'mean'``, ``'sum'`` or ``'none'``.

    Examples:
        >>> import lucid
        >>> lp = lucid.tensor([[-0.5, -1.0], [-2.0, -0.1]])
        >>> round(lucid.nn.functional.nll_loss(lp, lucid.tensor([0, 1]), reduction="sum").item(), 4)
        0.6
    """
    _class_args(input, target, weight, "nll_loss")
    input, weight = autocast_inputs(input, weight)
    return NLLLossFunction.apply(input, target, weight, int(ignore_index), _check_reduction(reduction, "nll_loss"))


def kl_div(input: Tensor, target: Tensor, *, reduction: str = "mean", log_target: bool = False) -> Tensor:
    """Kullback-Leibler divergence ``KL(target || exp(input))`` elementwise, then reduced.

    ``input`` holds log-probabilities. Elementwise, ``target * (log(target) - input)``
    (``0`` where ``target == 0``), or ``exp(target) * (target - input)`` with
    ``log_target=True``. ``'batchmean'`` divides the sum by the batch size and is
    the mathematical KL divergence; ``'mean'`` divides by every element (PyTorch's
    default, which warns).

    Args:
        input: log-probabilities, any shape.
        target: probabilities (or log-probabilities with ``log_target``), broadcastable.
        reduction: ``'mean'``, ``'batchmean'``, ``'sum'`` or ``'none'``.
        log_target: whether ``target`` is given in log space.

    Examples:
        >>> import lucid
        >>> p = lucid.tensor([[0.5, 0.5]])
        >>> lucid.nn.functional.kl_div(p.log(), p, reduction="batchmean").item()
        0.0
    """
    _pair(input, target, "kl_div", False)
    input, target = autocast_inputs(input, target)
    reduction = _check_reduction(reduction, "kl_div", ("batchmean",))
    if reduction == "mean":
        warnings.warn("kl_div: reduction='mean' divides the total loss by both the batch size and the support "
                      "size; 'batchmean' divides by the batch size only and matches the KL divergence",
                      UserWarning, stacklevel=2)
    return KLDivFunction.apply(input, target, reduction, bool(log_target))


# -- composed losses ---------------------------------------------------------------
# The losses below are composed from differentiable Lucid ops (autograd gives their
# gradients); targets that index classes go through ``safe_index`` first.

def _reduced(loss: Tensor, reduction: str, op: str) -> Tensor:
    reduction = _check_reduction(reduction, op)
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


def _targets(target: Tensor, n: int, op: str) -> Tensor:
    """Class-index targets clamped into ``[0, n - 1]`` with a lazy range check (issue 15)."""
    if target.dtype.is_floating_point or target.dtype == mx.bool_:
        raise TypeError(f"{op}: target must hold integer class indices, got {target.dtype}")
    return Tensor._make(safe_index(target._data, n, op, noun="target"), target._device)


def margin_ranking_loss(input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0.0, *,
                        reduction: str = "mean") -> Tensor:
    """Ranking loss ``max(0, -y (x1 - x2) + margin)`` for targets ``y`` in ``{1, -1}``.

    Args:
        input1: any shape.
        input2: same shape as ``input1``.
        target: ``1`` where ``input1`` should rank higher, ``-1`` where ``input2`` should.
        margin: the required gap.
        reduction: ``'mean'`` (default), ``'sum'`` or ``'none'``.

    Examples:
        >>> import lucid
        >>> F = lucid.nn.functional
        >>> F.margin_ranking_loss(lucid.tensor([1.0, 0.0]), lucid.tensor([0.0, 1.0]), lucid.tensor([1.0, 1.0])).item()
        0.5
    """
    op = "margin_ranking_loss"
    for name, t in (("input1", input1), ("input2", input2), ("target", target)):
        check_tensor(t, name, op)
    if not (input1.shape == input2.shape == target.shape):
        raise ValueError(f"{op}: input1 {input1.shape}, input2 {input2.shape} and target {target.shape} must "
                         "have the same shape")
    loss = (-target * (input1 - input2) + margin).clamp(min=0)
    return _reduced(loss, reduction, op)


def hinge_embedding_loss(input: Tensor, target: Tensor, margin: float = 1.0, *, reduction: str = "mean") -> Tensor:
    """Hinge embedding loss: ``x`` where ``y = 1``, ``max(0, margin - x)`` where ``y = -1``.

    Args:
        input: distances, any shape.
        target: ``1`` or ``-1``, same shape.
        margin: the margin for dissimilar pairs.
        reduction: ``'mean'`` (default), ``'sum'`` or ``'none'``.

    Examples:
        >>> import lucid
        >>> F = lucid.nn.functional
        >>> F.hinge_embedding_loss(lucid.tensor([0.3, 0.2]), lucid.tensor([1.0, -1.0]), reduction="none").tolist()
        [0.30000001192092896, 0.800000011920929]
    """
    op = "hinge_embedding_loss"
    _pair(input, target, op, True)
    # As in PyTorch, a target that is neither 1 nor -1 gets both terms.
    loss = lucid_where(target != 1, (margin - input).clamp(min=0), 0.0) + lucid_where(target != -1, input, 0.0)
    return _reduced(loss, reduction, op)


def soft_margin_loss(input: Tensor, target: Tensor, *, reduction: str = "mean") -> Tensor:
    """Two-class logistic loss ``log(1 + exp(-y x))`` for targets ``y`` in ``{1, -1}``.

    Examples:
        >>> import lucid
        >>> round(lucid.nn.functional.soft_margin_loss(lucid.tensor([0.0]), lucid.tensor([1.0])).item(), 4)
        0.6931
    """
    op = "soft_margin_loss"
    _pair(input, target, op, True)
    return _reduced(softplus(-target * input), reduction, op)


def multilabel_soft_margin_loss(input: Tensor, target: Tensor, weight: Tensor | None = None, *,
                                reduction: str = "mean") -> Tensor:
    """Multi-label one-versus-all logistic loss, averaged over the ``C`` classes of each sample.

    .. math:: \\ell_n = -\\frac{1}{C}\\sum_c w_c \\big(y_c \\log\\sigma(x_c) + (1 - y_c)\\log\\sigma(-x_c)\\big)

    Args:
        input: ``(N, C)`` or ``(C,)`` logits.
        target: same shape, 0/1 labels.
        weight: per-class weights broadcastable to ``input``.
        reduction: ``'mean'`` (default), ``'sum'`` or ``'none'`` (``(N,)``).

    Examples:
        >>> import lucid
        >>> x = lucid.tensor([[0.0, 0.0]])
        >>> round(lucid.nn.functional.multilabel_soft_margin_loss(x, lucid.tensor([[1.0, 0.0]])).item(), 4)
        0.6931
    """
    op = "multilabel_soft_margin_loss"
    _pair(input, target, op, True)
    _check_weight(weight, input, op)
    if input.ndim not in (1, 2):
        raise ValueError(f"{op}: input must be (N, C) or (C,), got shape {input.shape}")
    loss = -(target * logsigmoid(input) + (1 - target) * logsigmoid(-input))
    if weight is not None:
        loss = loss * weight
    return _reduced(loss.sum(dim=-1) / input.shape[-1], reduction, op)


def cosine_embedding_loss(input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0.0, *,
                          reduction: str = "mean") -> Tensor:
    """``1 - cos(x1, x2)`` where ``y = 1``, ``max(0, cos(x1, x2) - margin)`` where ``y = -1``.

    Args:
        input1: ``(N, D)`` or ``(D,)``.
        input2: same shape.
        target: ``(N,)`` or ``()``, values ``1`` or ``-1``.
        margin: in ``[-1, 1]``; ``0`` to ``0.5`` is typical.
        reduction: ``'mean'`` (default), ``'sum'`` or ``'none'``.

    Examples:
        >>> import lucid
        >>> a = lucid.tensor([[1.0, 0.0], [1.0, 0.0]])
        >>> b = lucid.tensor([[0.0, 1.0], [1.0, 0.0]])
        >>> lucid.nn.functional.cosine_embedding_loss(a, b, lucid.tensor([1.0, -1.0]), reduction="none").tolist()
        [1.0, 1.0]
    """
    op = "cosine_embedding_loss"
    for name, t in (("input1", input1), ("input2", input2), ("target", target)):
        check_tensor(t, name, op)
    if input1.shape != input2.shape or input1.ndim not in (1, 2) or target.ndim != input1.ndim - 1 or (
            input1.ndim == 2 and target.shape[0] != input1.shape[0]):
        raise ValueError(f"{op}: expected input1 and input2 of shape (N, D) or (D,) and target (N,) or (); got "
                         f"{input1.shape}, {input2.shape} and {target.shape}")
    d = input1.ndim - 1
    eps = 1e-12  # keeps zero vectors finite, as in PyTorch
    cos = (input1 * input2).sum(dim=d) / ((input1 * input1).sum(dim=d) + eps).sqrt() / (
        (input2 * input2).sum(dim=d) + eps).sqrt()
    loss = lucid_where(target == 1, 1 - cos, 0.0) + lucid_where(target == -1, (cos - margin).clamp(min=0), 0.0)
    return _reduced(loss, reduction, op)


def poisson_nll_loss(input: Tensor, target: Tensor, log_input: bool = True, full: bool = False, eps: float = 1e-8,
                     *, reduction: str = "mean") -> Tensor:
    """Negative log likelihood of a Poisson target.

    ``exp(x) - y x`` when ``log_input`` (the input is the log rate), else ``x - y log(x + eps)``;
    ``full`` adds Stirling's approximation ``y log y - y + 0.5 log(2 pi y)`` of ``log(y!)``
    where ``y > 1``.

    Examples:
        >>> import lucid
        >>> lucid.nn.functional.poisson_nll_loss(lucid.tensor([0.0]), lucid.tensor([2.0])).item()
        1.0
    """
    op = "poisson_nll_loss"
    _pair(input, target, op, False)
    if log_input:
        loss = input.exp() - target * input
    else:
        loss = input - target * (input + eps).log()
    if full:
        big = target > 1
        safe = lucid_where(big, target, 1.0)  # no log of targets <= 1, not even masked
        stirling = safe * safe.log() - safe + 0.5 * (2 * math.pi * safe).log()
        loss = loss + lucid_where(big, stirling, 0.0)
    return _reduced(loss, reduction, op)


def gaussian_nll_loss(input: Tensor, target: Tensor, var: Tensor, full: bool = False, eps: float = 1e-6, *,
                      reduction: str = "mean") -> Tensor:
    """Negative log likelihood of a Gaussian target, ``0.5 (log var + (x - y)^2 / var)``.

    ``var`` is clamped below at ``eps`` for the value (its gradient is taken as if unclamped,
    as in PyTorch); ``full`` adds ``0.5 log(2 pi)``.

    Args:
        input: the means, ``(N, *)``.
        target: same shape as ``input``.
        var: the variances: the input's shape, or it with the last dim 1 or dropped
            (one variance shared by the last dim).
        full: include the constant term.
        eps: the lower clamp of ``var``.
        reduction: ``'mean'`` (default), ``'sum'`` or ``'none'``.

    Raises:
        ValueError: on a ``var`` of the wrong shape; a negative ``var`` raises ``ValueError`` at the next sync point.

    Examples:
        >>> import lucid
        >>> lucid.nn.functional.gaussian_nll_loss(lucid.tensor([1.0]), lucid.tensor([3.0]), lucid.tensor([1.0])).item()
        2.0
    """
    op = "gaussian_nll_loss"
    _pair(input, target, op, False)
    check_tensor(var, "var", op)
    if var.shape != input.shape:
        if input.shape[:-1] == var.shape:
            var = var.unsqueeze(-1)
        elif not (input.ndim and var.shape == input.shape[:-1] + (1,)):
            raise ValueError(f"{op}: var of shape {var.shape} must have the input's shape {input.shape}, or it "
                             "with the last dim 1 or dropped")
    if not eps >= 0:
        raise ValueError(f"{op}: eps must be non-negative, got {eps}")
    checks.defer(reductions.any(var._data < 0), lambda: ValueError(f"{op}: var has negative entries"))
    v = var + (var.clamp(min=eps) - var).detach()
    loss = 0.5 * (v.log() + (input - target) ** 2 / v)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _reduced(loss, reduction, op)


def triplet_margin_with_distance_loss(anchor: Tensor, positive: Tensor, negative: Tensor, *,
                                      distance_function=None, margin: float = 1.0, swap: bool = False,
                                      reduction: str = "mean") -> Tensor:
    """Triplet loss ``max(d(a, p) - d(a, n) + margin, 0)`` with any distance ``d``.

    Args:
        anchor: ``(N, D)`` or ``(D,)``.
        positive: same shape.
        negative: same shape.
        distance_function: ``d(x1, x2)`` returning one value per row; default
            :func:`~lucid.nn.functional.pairwise_distance`.
        margin: non-negative gap.
        swap: use ``min(d(a, n), d(p, n))`` as the negative distance.
        reduction: ``'mean'`` (default), ``'sum'`` or ``'none'``.

    Examples:
        >>> import lucid
        >>> F = lucid.nn.functional
        >>> a, p, n = lucid.tensor([[0.0]]), lucid.tensor([[1.0]]), lucid.tensor([[1.5]])
        >>> F.triplet_margin_with_distance_loss(a, p, n, distance_function=lambda x, y: (x - y).abs().sum(-1)).item()
        0.5
    """
    op = "triplet_margin_with_distance_loss"
    for name, t in (("anchor", anchor), ("positive", positive), ("negative", negative)):
        check_tensor(t, name, op)
    if not margin >= 0:
        raise ValueError(f"{op}: margin must be non-negative, got {margin}")
    if not (anchor.ndim == positive.ndim == negative.ndim):
        raise ValueError(f"{op}: anchor {anchor.shape}, positive {positive.shape} and negative {negative.shape} "
                         "must have the same number of dims")
    if distance_function is None:
        distance_function = pairwise_distance
    d_pos = distance_function(anchor, positive)
    d_neg = distance_function(anchor, negative)
    if swap:
        d_neg = minimum(d_neg, distance_function(positive, negative))
    return _reduced((margin + d_pos - d_neg).clamp(min=0), reduction, op)


def triplet_margin_loss(anchor: Tensor, positive: Tensor, negative: Tensor, margin: float = 1.0, p: float = 2.0,
                        eps: float = 1e-6, swap: bool = False, *, reduction: str = "mean") -> Tensor:
    """Triplet loss with the ``p``-norm distance ``||x1 - x2 + eps||_p``.

    .. math:: \\ell = \\max(\\|a - p\\|_p - \\|a - n\\|_p + \\text{margin}, 0)

    Examples:
        >>> import lucid
        >>> F = lucid.nn.functional
        >>> a, p, n = lucid.tensor([[0.0, 0.0]]), lucid.tensor([[3.0, 4.0]]), lucid.tensor([[0.0, 5.5]])
        >>> round(F.triplet_margin_loss(a, p, n, eps=0.0).item(), 4)
        0.5
    """
    return triplet_margin_with_distance_loss(anchor, positive, negative,
                                             distance_function=lambda x, y: pairwise_distance(x, y, p, eps),
                                             margin=margin, swap=swap, reduction=reduction)


def _class_rows(input, target, op: str):
    """``input`` as ``(N, C)`` and the class targets as ``(N,)``, checked."""
    check_tensor(input, "input", op)
    check_tensor(target, "target", op)
    if input.ndim not in (1, 2) or target.ndim != input.ndim - 1 or (
            input.ndim == 2 and target.shape[0] != input.shape[0]):
        raise ValueError(f"{op}: expected input (N, C) or (C,) and target (N,) or (); got {input.shape} and "
                         f"{target.shape}")
    return (input, target) if input.ndim == 2 else (input.unsqueeze(0), target.reshape(1))


def multi_margin_loss(input: Tensor, target: Tensor, p: int = 1, margin: float = 1.0,
                      weight: Tensor | None = None, *, reduction: str = "mean") -> Tensor:
    """Multi-class hinge loss.

    .. math:: \\ell_n = \\frac{1}{C}\\sum_{i \\ne y_n} w_{y_n} \\max(0, \\text{margin} - x_{n, y_n} + x_{n, i})^p

    Args:
        input: ``(N, C)`` or ``(C,)`` scores.
        target: ``(N,)`` or ``()`` class indices in ``[0, C - 1]``.
        p: 1 or 2.
        margin: the margin.
        weight: ``(C,)`` class weights.
        reduction: ``'mean'`` (default), ``'sum'`` or ``'none'`` (``(N,)``).

    Raises:
        ValueError: on ``p`` other than 1 or 2 or bad shapes; an out-of-range target raises
            ``IndexError`` at the next sync point.

    Examples:
        >>> import lucid
        >>> x = lucid.tensor([[0.1, 0.2, 0.4, 0.8]])
        >>> round(lucid.nn.functional.multi_margin_loss(x, lucid.tensor([3])).item(), 4)
        0.325
    """
    op = "multi_margin_loss"
    if p not in (1, 2) or isinstance(p, bool):
        raise ValueError(f"{op}: only p = 1 and p = 2 are supported, got {p!r}")
    x, t = _class_rows(input, target, op)
    c = x.shape[1]
    if weight is not None:
        check_tensor(weight, "weight", op)
        if weight.shape != (c,):
            raise ValueError(f"{op}: weight must have shape ({c},), got {weight.shape}")
    t = _targets(t, c, op).unsqueeze(1)
    xy = x.gather(1, t)
    z = (margin - xy + x).clamp(min=0)
    if p == 2:
        z = z * z
    # The target class itself is left out of the sum.
    others = (arange(c, device=x.device).unsqueeze(0) != t).astype(x.dtype)
    z = z * others
    if weight is not None:
        z = z * weight[t.squeeze(1)].unsqueeze(1)
    loss = z.sum(dim=1) / c
    return _reduced(loss if input.ndim == 2 else loss.squeeze(0), reduction, op)


def multilabel_margin_loss(input: Tensor, target: Tensor, *, reduction: str = "mean") -> Tensor:
    """Multi-label hinge loss over the target classes of each sample.

    ``target`` lists each sample's classes, ended by the first ``-1`` (the rest is ignored):

    .. math:: \\ell_n = \\frac{1}{C}\\sum_{j}\\sum_{i \\notin Y_n} \\max(0, 1 - (x_{n, y_{nj}} - x_{n, i}))

    Args:
        input: ``(N, C)`` or ``(C,)``.
        target: integer tensor of the same shape.
        reduction: ``'mean'`` (default), ``'sum'`` or ``'none'`` (``(N,)``).

    Raises:
        ValueError: on bad shapes; a target outside ``[-1, C - 1]`` raises ``IndexError`` at the next sync point.

    Examples:
        >>> import lucid
        >>> x = lucid.tensor([[0.1, 0.2, 0.4, 0.8]])
        >>> y = lucid.tensor([[3, 0, -1, 1]])
        >>> round(lucid.nn.functional.multilabel_margin_loss(x, y).item(), 4)
        0.85
    """
    op = "multilabel_margin_loss"
    check_tensor(input, "input", op)
    check_tensor(target, "target", op)
    if input.ndim not in (1, 2) or target.shape != input.shape:
        raise ValueError(f"{op}: expected input (N, C) or (C,) and a target of the same shape; got {input.shape} "
                         f"and {target.shape}")
    x = input if input.ndim == 2 else input.unsqueeze(0)
    t = target if target.ndim == 2 else target.unsqueeze(0)
    c = x.shape[1]
    if c == 0:
        return _reduced(x.sum(dim=1), reduction, op)
    valid = (t != -1).astype(t.dtype).cumprod(dim=1) > 0  # targets before the first -1
    ts = _targets(lucid_where(valid, t, t * 0), c, op)  # (N, J)
    classes = arange(c, device=x.device)
    # is_target[n, i]: class i is one of sample n's targets.
    is_target = ((ts.unsqueeze(2) == classes) & valid.unsqueeze(2)).any(dim=1)
    xy = x.gather(1, ts)  # (N, J)
    z = (1 - xy.unsqueeze(2) + x.unsqueeze(1)).clamp(min=0)  # (N, J, C)
    keep = (valid.unsqueeze(2) & ~is_target.unsqueeze(1)).astype(x.dtype)
    loss = (z * keep).sum(dim=(1, 2)) / c
    return _reduced(loss if input.ndim == 2 else loss.squeeze(0), reduction, op)


# -- connectionist temporal classification ----------------------------------------------------

# Log-probability of an impossible path: finite (so gradients never meet inf - inf), yet so
# small that exp() of it is 0 in float32. Losses above _IMPOSSIBLE / 2 are reported as inf.
_IMPOSSIBLE = -1e30


def _lengths(value, n: int, name: str, op: str, device) -> tuple:
    """Lengths as an int ``(N,)`` Tensor, plus their host values when they are known on the host."""
    if isinstance(value, Tensor):
        if value.dtype.is_floating_point or value._data.dtype == mx.bool_:
            raise TypeError(f"{op}: {name} must hold integers, got {value.dtype}")
        if value.shape != (n,) and not (n == 1 and value.ndim == 0):
            raise ValueError(f"{op}: {name} must have shape ({n},), got {value.shape}")
        return value.reshape(n), None
    if isinstance(value, int) and not isinstance(value, bool):
        value = [value]
    if not (isinstance(value, (tuple, list)) and all(isinstance(v, int) and not isinstance(v, bool) for v in value)):
        raise TypeError(f"{op}: {name} must be a Tensor or a sequence of ints, got {type(value).__name__}")
    if len(value) != n:
        raise ValueError(f"{op}: {name} must give {n} lengths, got {len(value)}")
    if any(v < 0 for v in value):
        raise ValueError(f"{op}: {name} must be non-negative, got {list(value)}")
    return Tensor(mx.array(list(value), dtype=mx.int32), device=device), tuple(value)


def ctc_loss(log_probs: Tensor, targets: Tensor, input_lengths, target_lengths, blank: int = 0, *,
             reduction: str = "mean", zero_infinity: bool = False) -> Tensor:
    """Connectionist temporal classification loss (Graves et al., 2006).

    The negative log probability of each target sequence, summed over every
    alignment of it (with blanks and repeats) to the input frames, computed by
    the forward (alpha) recursion in log space. It is composed from Lucid ops,
    so autograd gives the gradient.

    Args:
        log_probs: ``(T, N, C)`` (or ``(T, C)`` unbatched) log-probabilities, e.g. ``log_softmax(x, 2)``.
        targets: ``(N, S)`` padded class indices, or all targets concatenated into one
            1-D tensor of ``sum(target_lengths)`` indices; they must not contain ``blank``.
        input_lengths: ``(N,)`` frames used of each input (``<= T``): a Tensor or ints.
        target_lengths: ``(N,)`` length of each target: a Tensor or ints.
        blank: the blank class.
        reduction: ``'mean'`` (default: each loss divided by its target length, then
            averaged over the batch), ``'sum'`` or ``'none'`` (``(N,)``).
        zero_infinity: replace the infinite loss of an impossible alignment (a target
            too long for its input) and its gradient by 0.

    Returns:
        Tensor: the loss.

    Raises:
        ValueError: on inconsistent shapes or lengths known on the host; a target
            outside ``[0, C - 1]`` raises ``IndexError`` at the next sync point.

    Examples:
        >>> import lucid
        >>> import lucid.nn.functional as F
        >>> lp = F.log_softmax(lucid.zeros(2, 1, 2), 2)  # T=2, N=1, C=2: every frame 50/50
        >>> round(F.ctc_loss(lp, lucid.tensor([[1]]), [2], [1], reduction="sum").item(), 4)  # 3 of 4 paths
        0.2877
    """
    from lucid.ops.indexing import take_along_dim
    from lucid.ops.reduction import logsumexp
    from lucid.ops.shape import cat, stack

    op = "ctc_loss"
    check_tensor(log_probs, "log_probs", op)
    check_tensor(targets, "targets", op)
    reduction = _check_reduction(reduction, op)
    if log_probs.ndim not in (2, 3):
        raise ValueError(f"{op}: log_probs must be (T, N, C) or (T, C), got shape {log_probs.shape}")
    unbatched = log_probs.ndim == 2
    lp = log_probs.unsqueeze(1) if unbatched else log_probs
    t_max, n, c = lp.shape
    if not 0 <= blank < c:
        raise ValueError(f"{op}: blank must be in [0, {c - 1}], got {blank}")
    if targets.dtype.is_floating_point or targets._data.dtype == mx.bool_:
        raise TypeError(f"{op}: targets must hold integer class indices, got {targets.dtype}")
    in_len, in_host = _lengths(input_lengths, n, "input_lengths", op, lp.device)
    tg_len, tg_host = _lengths(target_lengths, n, "target_lengths", op, lp.device)
    if in_host is not None and max(in_host, default=0) > t_max:
        raise ValueError(f"{op}: input_lengths {list(in_host)} exceed the {t_max} frames of log_probs")
    # Targets as an (N, S) padded batch.
    if unbatched and targets.ndim == 1:
        targets = targets.unsqueeze(0)
    if targets.ndim == 2:
        if targets.shape[0] != n:
            raise ValueError(f"{op}: targets of shape {targets.shape} must have {n} rows")
        padded = targets
    elif targets.ndim == 1:
        total = targets.shape[0]
        if tg_host is not None and sum(tg_host) != total:
            raise ValueError(f"{op}: concatenated targets hold {total} indices but target_lengths sum to "
                             f"{sum(tg_host)}")
        s_max = max(tg_host, default=0) if tg_host is not None else total
        if s_max == 0:
            padded = Tensor._make(mx.zeros((n, 0), dtype=targets._data.dtype), lp._device)
        else:
            offsets = tg_len.cumsum(0) - tg_len
            pos = (offsets.unsqueeze(1) + arange(s_max, device=lp.device).unsqueeze(0)).clamp(0, total - 1)
            padded = targets[pos]
    else:
        raise ValueError(f"{op}: targets must be (N, S) or 1-D concatenated, got shape {targets.shape}")
    s = padded.shape[1]
    if tg_host is not None and max(tg_host, default=0) > s:
        raise ValueError(f"{op}: target_lengths {list(tg_host)} exceed the {s} target columns")
    # Extended labels: blank, y1, blank, y2, ..., blank (length 2 S + 1). Padding past each
    # target's length is never reached by its recursion's end points, so it may hold anything.
    cols = arange(s, device=lp.device).unsqueeze(0)
    real = cols < tg_len.unsqueeze(1)
    labels = _targets(lucid_where(real, padded, padded.detach() * 0 + blank), c, op)
    ext = stack([labels * 0 + blank, labels], dim=2).reshape(n, 2 * s)
    ext = cat([ext, Tensor._make(mx.full((n, 1), blank, dtype=ext._data.dtype), lp._device)], dim=1)
    width = 2 * s + 1
    half = lp._data.dtype in (mx.float16, mx.bfloat16)
    lpf = lp.astype(mx.float32) if half else lp
    emit = take_along_dim(lpf, ext.unsqueeze(0).broadcast_to((t_max, n, width)), 2)  # (T, N, 2S+1)
    # The skip from s - 2 to s is allowed for a label that differs from the label two back.
    if width > 2:
        skip = cat([Tensor._make(mx.zeros((n, 2), dtype=mx.bool_), lp._device),
                    (ext[:, 2:] != blank) & (ext[:, 2:] != ext[:, :-2])], dim=1)
    neg = Tensor._make(mx.full((n, width), _IMPOSSIBLE, dtype=emit._data.dtype), lp._device)
    first = arange(width, device=lp.device).unsqueeze(0) < 2
    alpha = lucid_where(first, emit[0], neg)
    for t in range(1, t_max):
        prev1 = cat([neg[:, :1], alpha[:, :-1]], dim=1)
        prev2 = lucid_where(skip, cat([neg[:, :2], alpha[:, :-2]], dim=1), neg) if width > 2 else neg
        step = logsumexp(stack([alpha, prev1, prev2], dim=0), dim=0) + emit[t]
        alpha = lucid_where((in_len > t).unsqueeze(1), step, alpha)
    # A path ends on the last label or the blank after it; with no frames nothing is reached.
    end = (2 * tg_len).unsqueeze(1)
    last = take_along_dim(alpha, end, 1)
    before = lucid_where(end > 0, take_along_dim(alpha, (end - 1).clamp(min=0), 1), neg[:, :1])
    loss = -logsumexp(cat([last, before], dim=1), dim=1)
    # With no frames only the empty target is reachable (probability 1).
    loss = lucid_where(in_len > 0, loss, lucid_where(tg_len == 0, 0.0, -neg[:, 0]))
    impossible = loss.detach() > -_IMPOSSIBLE / 2
    fill = 0.0 if zero_infinity else math.inf
    loss = lucid_where(impossible, fill, loss)
    if half:
        loss = loss.astype(lp.dtype)
    if reduction == "mean":
        return (loss / tg_len.clamp(min=1).astype(loss.dtype)).mean()
    if unbatched and reduction == "none":
        return loss.squeeze(0)
    return _reduced(loss, reduction, op)
