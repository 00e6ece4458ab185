r"""Fold an eval-mode batch norm into the layer before it (``fuse_conv_bn_eval``, ``fuse_linear_bn_eval``).

In eval mode ``BatchNorm`` is the affine map :math:`y = \gamma (x - \mu) /
\sqrt{\sigma^2 + \epsilon} + \beta` per channel, so a convolution or linear
layer followed by it is one layer with weight :math:`W \cdot s` and bias
:math:`(b - \mu) s + \beta`, where :math:`s = \gamma / \sqrt{\sigma^2 +
\epsilon}` scales each output channel.
"""

from __future__ import annotations

import copy

from lucid._tensor import Tensor
from lucid.autograd.grad_mode import no_grad
from lucid.nn.module import Module
from lucid.nn.parameter import Parameter
from lucid.ops.creation import ones_like, zeros_like

__all__ = ["fuse_conv_bn_eval", "fuse_conv_bn_weights", "fuse_linear_bn_eval", "fuse_linear_bn_weights"]


def _check_eval(layer: Module, bn: Module, op: str) -> None:
    for m, what in ((layer, "layer"), (bn, "bn")):
        if not isinstance(m, Module):
            raise TypeError(f"{op}: {what} must be a lucid.nn.Module, got {type(m).__name__}")
    if layer.training or bn.training:
        raise ValueError(f"{op}: fusion is only valid in eval mode; call .eval() on both modules first")
    if getattr(bn, "running_mean", None) is None or getattr(bn, "running_var", None) is None:
        raise ValueError(f"{op}: the batch norm must track running statistics (track_running_stats=True)")


def fuse_conv_bn_weights(conv_w: Tensor, conv_b: Tensor | None, bn_rm: Tensor, bn_rv: Tensor, bn_eps: float,
                         bn_w: Tensor | None, bn_b: Tensor | None, transpose: bool = False):
    """The weight and bias of a convolution followed by an eval-mode batch norm, as one convolution.

    Args:
        conv_w: the convolution's weight, ``(C_out, C_in / groups, *k)``
            (``(C_in, C_out / groups, *k)`` for a transposed one).
        conv_b: its bias ``(C_out,)`` or ``None``.
        bn_rm, bn_rv: the running mean and variance ``(C_out,)``.
        bn_eps: the batch norm's epsilon.
        bn_w, bn_b: its affine weight and bias, or ``None`` (1 and 0).
        transpose: the convolution is transposed.

    Returns:
        ``(weight, bias)`` as new Parameters in the convolution's dtypes
        (each keeps its ``requires_grad``).

    Examples:
        >>> import lucid
        >>> from lucid.nn.utils import fuse_conv_bn_weights
        >>> w, b = fuse_conv_bn_weights(lucid.ones(2, 1, 1, 1), None, lucid.zeros(2), lucid.full((2,), 3.0), 1.0,
        ...                             lucid.tensor([1.0, 2.0]), lucid.tensor([0.0, 1.0]))
        >>> w.flatten().tolist(), b.tolist()
        ([0.5, 1.0], [0.0, 1.0])
    """
    w_dtype = conv_w.dtype
    b_dtype = conv_b.dtype if conv_b is not None else w_dtype
    with no_grad():
        b = zeros_like(bn_rm) if conv_b is None else conv_b
        gamma = ones_like(bn_rm) if bn_w is None else bn_w
        beta = zeros_like(bn_rm) if bn_b is None else bn_b
        scale = gamma * (bn_rv + bn_eps).rsqrt()
        spatial = (1,) * (conv_w.ndim - 2)
        if transpose:
            # (C_in, C_out / groups, *k): the output channel of group g, column j is g * C_out/groups + j.
            per_group = conv_w.shape[1]
            groups = scale.shape[0] // per_group
            w = conv_w.reshape(groups, conv_w.shape[0] // groups, per_group, *conv_w.shape[2:])
            w = (w * scale.reshape(groups, 1, per_group, *spatial)).reshape(conv_w.shape)
        else:
            w = conv_w * scale.reshape(-1, 1, *spatial)
        fused_b = (b - bn_rm) * scale + beta
    return (Parameter(w.to(w_dtype), requires_grad=conv_w.requires_grad),
            Parameter(fused_b.to(b_dtype), requires_grad=b.requires_grad))


def fuse_conv_bn_eval(conv: Module, bn: Module, transpose: bool = False) -> Module:
    """A copy of ``conv`` that computes ``bn(conv(x))`` of the eval-mode modules in one convolution.

    Args:
        conv: a ``Conv1d/2d/3d`` (or ``ConvTranspose*`` with ``transpose=True``) in eval mode.
        bn: the ``BatchNorm`` after it, in eval mode, with running statistics.
        transpose: ``conv`` is a transposed convolution.

    Returns:
        A new convolution (the inputs are not changed).

    Raises:
        ValueError: a module is in training mode, or ``bn`` has no running statistics.

    Examples:
        >>> import lucid
        >>> from lucid.nn.utils import fuse_conv_bn_eval
        >>> conv, bn = lucid.nn.Conv2d(3, 4, 3).eval(), lucid.nn.BatchNorm2d(4).eval()
        >>> x = lucid.randn(2, 3, 8, 8)
        >>> bool(lucid.allclose(fuse_conv_bn_eval(conv, bn)(x), bn(conv(x)), atol=1e-5))
        True
    """
    _check_eval(conv, bn, "fuse_conv_bn_eval")
    fused = copy.deepcopy(conv)
    fused.weight, fused.bias = fuse_conv_bn_weights(fused.weight, fused.bias, bn.running_mean, bn.running_var,
                                                    bn.eps, bn.weight, bn.bias, transpose)
    return fused


def fuse_linear_bn_weights(linear_w: Tensor, linear_b: Tensor | None, bn_rm: Tensor, bn_rv: Tensor, bn_eps: float,
                           bn_w: Tensor | None, bn_b: Tensor | None):
    """The weight and bias of a linear layer followed by an eval-mode batch norm, as one linear layer.

    Returns:
        ``(weight, bias)`` as new Parameters in the layer's dtypes.

    Examples:
        >>> import lucid
        >>> from lucid.nn.utils import fuse_linear_bn_weights
        >>> w, b = fuse_linear_bn_weights(lucid.ones(2, 3), lucid.ones(2), lucid.zeros(2), lucid.full((2,), 3.0),
        ...                               1.0, lucid.tensor([1.0, 2.0]), lucid.tensor([0.0, 1.0]))
        >>> w.tolist(), b.tolist()
        ([[0.5, 0.5, 0.5], [1.0, 1.0, 1.0]], [0.5, 2.0])
    """
    # A linear weight (out, in) is a convolution weight without spatial dims.
    return fuse_conv_bn_weights(linear_w, linear_b, bn_rm, bn_rv, bn_eps, bn_w, bn_b)


def fuse_linear_bn_eval(linear: Module, bn: Module) -> Module:
    """A copy of ``linear`` that computes ``bn(linear(x))`` of the eval-mode modules in one linear layer.

    ``bn.num_features`` must equal ``linear.out_features`` (or be 1).

    Raises:
        ValueError: a module is in training mode, the sizes do not match, or
            ``bn`` has no running statistics.

    Examples:
        >>> import lucid
        >>> from lucid.nn.utils import fuse_linear_bn_eval
        >>> lin, bn = lucid.nn.Linear(3, 4).eval(), lucid.nn.BatchNorm1d(4).eval()
        >>> x = lucid.randn(5, 3)
        >>> bool(lucid.allclose(fuse_linear_bn_eval(lin, bn)(x), bn(lin(x)), atol=1e-5))
        True
    """
    _check_eval(linear, bn, "fuse_linear_bn_eval")
    if bn.num_features not in (linear.out_features, 1):
        raise ValueError(f"fuse_linear_bn_eval: bn.num_features ({bn.num_features}) must equal "
                         f"linear.out_features ({linear.out_features}) or be 1")
    fused = copy.deepcopy(linear)
    w, b = fuse_linear_bn_weights(fused.weight, fused.bias, bn.running_mean, bn.running_var, bn.eps, bn.weight,
                                  bn.bias)
    if w.shape != fused.weight.shape:  # bn over one feature: broadcast its scale over every output
        w = Parameter(w.expand(*fused.weight.shape), requires_grad=w.requires_grad)
    if b.shape != (linear.out_features,):
        b = Parameter(b.expand(linear.out_features), requires_grad=b.requires_grad)
    fused.weight, fused.bias = w, b
    return fused
