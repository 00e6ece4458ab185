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

import warnings

import mlx.core as mx

from lucid._backend import reductions
from lucid._tensor import Tensor
from lucid.autograd.function import Function
from lucid.autograd.grad_mode import is_grad_enabled
from lucid.nn.functional._kernels import check_reduction as _check_reduction
from lucid.nn.functional._kernels import exp as _exp
from lucid.nn.functional._kernels import fused
from lucid.nn.functional._kernels import logsumexp as _logsumexp
from lucid.nn.functional._kernels import sigmoid as _sigmoid
from lucid.nn.functional._kernels import softplus as _softplus
from lucid.ops._autocast import autocast_inputs
from lucid.ops._index_guard import safe_index
from lucid.ops._util import unbroadcast

__all__ = ["mse_loss", "l1_loss", "huber_loss", "smooth_l1_loss", "binary_cross_entropy",
           "binary_cross_entropy_with_logits", "cross_entropy", "nll_loss", "kl_div"]

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


def _check_tensor(t, what: str, op: str) -> None:
    if not isinstance(t, Tensor):
        raise TypeError(f"{op}: {what} must be a lucid.Tensor, got {type(t).__name__}")


def _pair(input, target, op: str, same_shape: bool) -> None:
    _check_tensor(input, "input", op)
    _check_tensor(target, "target", op)
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
    _check_tensor(weight, name, op)
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
    _check_tensor(input, "input", op)
    _check_tensor(target, "target", op)
    if input._data.dtype not in _FLOAT:
        raise TypeError(f"{op}: input must be floating point (N, C, ...) scores, got {input.dtype}")
    if input.ndim == 0:
        raise ValueError(f"{op}: input must have a class dimension, (C,) or (N, C, ...), got a 0-d tensor")
    cax = _class_axis(input.ndim)
    n = input.shape[cax]
    if weight is not None:
        _check_tensor(weight, "weight", op)
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
