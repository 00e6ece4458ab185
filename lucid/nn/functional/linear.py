"""Affine maps: ``linear`` (``x @ W.T + b``) and ``bilinear`` (``x1^T A x2 + b``), each one fused ``Function``."""

from __future__ import annotations

import mlx.core as mx

from lucid._backend import reductions
from lucid._tensor import Tensor
from lucid.autograd.function import Function
from lucid.nn.functional._kernels import check_tensor
from lucid.ops._autocast import autocast_inputs

__all__ = ["linear", "bilinear"]


class LinearFunction(Function):
    """``y = x @ W.T + b`` over any leading dims of ``x``; the weight gradient sums them."""

    @staticmethod
    def forward(ctx, x, w, b):
        ctx.save_for_backward(x, w)
        ctx.b_dtype = None if b is None else b.dtype
        if b is None:
            return mx.matmul(x, w.T)
        if x.ndim == 2:
            return mx.addmm(b, x, w.T)
        return mx.matmul(x, w.T) + b

    @staticmethod
    def backward(ctx, g):
        x, w = ctx.saved_tensors
        nx, nw, nb = ctx.needs_input_grad
        gx = gw = gb = None
        if nx:
            gx = mx.matmul(g, w)
            if gx.dtype != x.dtype:
                gx = gx.astype(x.dtype)
        if nw or nb:
            # Fold every leading dim into one batch axis: one matmul for the weight gradient.
            g2 = mx.reshape(g, (-1, g.shape[-1])) if g.ndim != 2 else g
            if nw:
                x2 = mx.reshape(x, (-1, x.shape[-1])) if x.ndim != 2 else x
                gw = mx.matmul(g2.T, x2)  # an empty batch gives zeros (a product of length 0)
                if gw.dtype != w.dtype:
                    gw = gw.astype(w.dtype)
            if nb:
                gb = reductions.sum(g2, axis=0).astype(ctx.b_dtype)
        return gx, gw, gb


class BilinearFunction(Function):
    """``y_k = x1 @ A_k @ x2 + b_k`` for ``A`` of shape ``(out, in1, in2)``, over the leading dims."""

    @staticmethod
    def forward(ctx, x1, x2, w, b):
        lead = x1.shape[:-1]
        a = mx.reshape(x1, (-1, x1.shape[-1]))
        c = mx.reshape(x2, (-1, x2.shape[-1]))
        # t[m, k, j] = sum_i a[m, i] w[k, i, j]: one matmul, then contract with x2.
        out_f, in1, in2 = w.shape
        t = mx.reshape(mx.matmul(a, mx.reshape(mx.transpose(w, (1, 0, 2)), (in1, out_f * in2))), (-1, out_f, in2))
        y = reductions.sum(t * mx.expand_dims(c, 1), axis=-1)
        if b is not None:
            y = y + b
        ctx.save_for_backward(x1, x2, w)
        ctx.t = t
        return mx.reshape(y, lead + (out_f,))

    @staticmethod
    def backward(ctx, g):
        x1, x2, w = ctx.saved_tensors
        n1, n2, nw, nb = ctx.needs_input_grad
        out_f, in1, in2 = w.shape
        g2 = mx.reshape(g, (-1, out_f))
        a = mx.reshape(x1, (-1, in1))
        c = mx.reshape(x2, (-1, in2))
        g1 = gx2 = gw = gb = None
        if n1:
            # d/da_i = sum_k g_k sum_j w[k, i, j] c_j
            wc = mx.einsum("kij,mj->mki", w, c)
            g1 = mx.reshape(mx.einsum("mk,mki->mi", g2, wc), x1.shape).astype(x1.dtype)
        if n2:
            gx2 = mx.reshape(mx.einsum("mk,mkj->mj", g2, ctx.t), x2.shape).astype(x2.dtype)
        if nw:
            gw = mx.einsum("mk,mi,mj->kij", g2, a, c).astype(w.dtype)
        if nb:
            gb = reductions.sum(g2, axis=0)
        return g1, gx2, gw, gb


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """Affine map ``input @ weight.T + bias`` over the last dim of ``input``.

    Args:
        input: ``(*, in_features)``; any number of leading dims (also none).
        weight: ``(out_features, in_features)``.
        bias: ``(out_features,)`` or ``None``.

    Returns:
        Tensor: ``(*, out_features)``.

    Raises:
        ValueError: if the last dim of ``input`` is not ``in_features`` or the
            weight/bias shapes are inconsistent.

    Examples:
        >>> import lucid
        >>> x = lucid.tensor([[1.0, 2.0]])
        >>> w = lucid.tensor([[1.0, 0.0], [1.0, 1.0], [0.0, -1.0]])
        >>> lucid.nn.functional.linear(x, w, lucid.tensor([0.0, 0.5, 1.0])).tolist()
        [[1.0, 3.5, -1.0]]
    """
    check_tensor(input, "input", "linear")
    check_tensor(weight, "weight", "linear")
    wshape = weight._data.shape
    if len(wshape) != 2:
        raise ValueError(f"linear: weight must be 2-D (out_features, in_features), got shape {tuple(wshape)}")
    xshape = input._data.shape
    if not xshape or xshape[-1] != wshape[1]:
        raise ValueError(f"linear: expected input (..., {wshape[1]}) for weight of shape {tuple(wshape)}, "
                         f"got {tuple(xshape)}")
    if bias is not None:
        check_tensor(bias, "bias", "linear")
        if bias._data.shape != (wshape[0],):
            raise ValueError(f"linear: bias must have shape ({wshape[0]},), got {bias.shape}")
    return LinearFunction.apply(*autocast_inputs(input, weight, bias, low=True))


def bilinear(input1: Tensor, input2: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """Bilinear map ``y_k = input1 @ weight[k] @ input2 + bias[k]``.

    Args:
        input1: ``(*, in1_features)``.
        input2: ``(*, in2_features)`` with the same leading dims.
        weight: ``(out_features, in1_features, in2_features)``.
        bias: ``(out_features,)`` or ``None``.

    Returns:
        Tensor: ``(*, out_features)``.

    Raises:
        ValueError: on inconsistent shapes.

    Examples:
        >>> import lucid
        >>> x1, x2 = lucid.tensor([[1.0, 2.0]]), lucid.tensor([[3.0]])
        >>> w = lucid.tensor([[[1.0], [1.0]]])
        >>> lucid.nn.functional.bilinear(x1, x2, w).tolist()
        [[9.0]]
    """
    for t, what in ((input1, "input1"), (input2, "input2"), (weight, "weight")):
        check_tensor(t, what, "bilinear")
    if weight.ndim != 3:
        raise ValueError(f"bilinear: weight must be 3-D (out, in1, in2), got shape {weight.shape}")
    _, in1, in2 = weight.shape
    if input1.ndim == 0 or input1.shape[-1] != in1 or input2.ndim == 0 or input2.shape[-1] != in2 \
            or input1.shape[:-1] != input2.shape[:-1]:
        raise ValueError(f"bilinear: expected inputs (..., {in1}) and (..., {in2}) with equal leading dims for "
                         f"weight of shape {weight.shape}, got {input1.shape} and {input2.shape}")
    if bias is not None:
        check_tensor(bias, "bias", "bilinear")
        if bias.shape != (weight.shape[0],):
            raise ValueError(f"bilinear: bias must have shape ({weight.shape[0]},), got {bias.shape}")
    return BilinearFunction.apply(input1, input2, weight, bias)
