"""Dropout: elementwise (``dropout``), whole channels (``dropout1d/2d/3d``), SELU-preserving
(``alpha_dropout``, ``feature_alpha_dropout``) and per-sample stochastic depth (``drop_path``).

Masks are drawn from ``lucid.random`` (its splittable key), so they are lazy,
reproducible under ``lucid.random.seed`` and capturable by ``mx.compile``.
In evaluation (``training=False``) or with ``p=0`` every function returns its
input unchanged. Applying a mask (``x * keep * scale``) is one fused pass each
way.
"""

from __future__ import annotations

import mlx.core as mx

import lucid.random as _random
from lucid._tensor import Tensor
from lucid.autograd.function import Function
from lucid.nn.functional._kernels import check_p, fused, on_channels_last

__all__ = ["dropout", "dropout1d", "dropout2d", "dropout3d", "alpha_dropout", "feature_alpha_dropout",
           "drop_path"]

# -scale * alpha of SELU: the value a dropped unit is set to before the affine correction.
_ALPHA_PRIME = 1.7580993408473766
_FLOATS = (mx.float16, mx.bfloat16, mx.float32, mx.float64)


@fused
def _masked_scale(x, keep, scale):
    return x * keep * scale


@fused
def _alpha_mix(x, keep, a, c, p):
    # kept units: a x + c p; dropped units: c (p - 1), with c = a alpha'
    return x * keep * a + c * ((keep - 1.0) + p)


class MaskedScaleFunction(Function):
    """``x * keep * scale`` for a constant 0/1 mask ``keep`` (broadcast over ``x``), plus, with ``alpha``
    (alpha dropout), the constant ``c ((keep - 1) + p)``; one fused pass each way."""

    @staticmethod
    def forward(ctx, x, keep, scale, alpha):
        ctx.mask = (keep, scale)
        if alpha is None:
            return on_channels_last(_masked_scale, x, keep, scale)
        return on_channels_last(_alpha_mix, x, keep, scale, *alpha)

    @staticmethod
    def backward(ctx, g):
        keep, scale = ctx.mask
        return on_channels_last(_masked_scale, g, keep, scale), None, None, None


def _check_input(input, op: str) -> None:
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}: expected a lucid.Tensor as input, got {type(input).__name__}")
    if input._data.dtype not in _FLOATS:
        raise TypeError(f"{op}: expected a floating-point input, got {input.dtype}")


def _keep_mask(q: float, shape: tuple, input: Tensor) -> mx.array:
    """0/1 mask of ``shape`` in the input's dtype, 1 with probability ``q``."""
    return _random.bernoulli(q, size=shape, dtype=input.dtype, device=input.device)._data


def _scalar(value: float, input: Tensor) -> mx.array:
    return mx.array(value, dtype=input._data.dtype)


def _finish(input: Tensor, keep, scale: float, inplace: bool, alpha=None) -> Tensor:
    args = (keep, _scalar(scale, input), None if alpha is None else tuple(_scalar(v, input) for v in alpha))
    if not inplace:
        return MaskedScaleFunction.apply(input, *args)
    input._check_inplace()
    return input._bump(MaskedScaleFunction.apply(input, *args))


def _dropout(input, p, training, inplace, shape):
    if not training or p == 0.0:
        return input
    if p == 1.0:
        # NOTE: p = 1 drops everything (PyTorch allows it); no 1/(1-p) scaling.
        return _finish(input, mx.zeros(shape, dtype=input._data.dtype), 1.0, inplace)
    return _finish(input, _keep_mask(1.0 - p, shape, input), 1.0 / (1.0 - p), inplace)


def dropout(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero each element with probability ``p`` and scale the rest by ``1 / (1 - p)``.

    Args:
        input: a floating-point tensor of any shape.
        p: drop probability in ``[0, 1]``.
        training: apply dropout; ``False`` returns ``input`` unchanged.
        inplace: bind the result to ``input`` (API compatibility; saves no memory).

    Returns:
        Tensor: same shape and dtype; its expectation equals ``input``.

    Raises:
        ValueError: if ``p`` is outside ``[0, 1]``.

    Examples:
        >>> import lucid
        >>> x = lucid.ones(4)
        >>> lucid.nn.functional.dropout(x, 0.5, training=False) is x
        True
        >>> set(lucid.nn.functional.dropout(lucid.ones(100), 0.5).tolist()) <= {0.0, 2.0}
        True
    """
    _check_input(input, "dropout")
    return _dropout(input, check_p(p, "dropout"), training, inplace, input.shape)


def _feature_shape(input: Tensor, spatial: int, op: str) -> tuple:
    """The mask shape of channel dropout: ``(N, C, 1, ...)`` or unbatched ``(C, 1, ...)``."""
    ndim = input.ndim
    if ndim not in (spatial + 1, spatial + 2):
        names = {1: "(C, L) or (N, C, L)", 2: "(C, H, W) or (N, C, H, W)", 3: "(C, D, H, W) or (N, C, D, H, W)"}
        raise ValueError(f"{op}: expected a {spatial + 1}-D or {spatial + 2}-D input {names[spatial]}, "
                         f"got shape {input.shape}")
    return input.shape[:ndim - spatial] + (1,) * spatial


def _channel_dropout(input, p, training, inplace, spatial, op):
    _check_input(input, op)
    p = check_p(p, op)
    return _dropout(input, p, training, inplace, _feature_shape(input, spatial, op))


def dropout1d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero whole channels of a ``(N, C, L)`` or ``(C, L)`` input with probability ``p``; scale by ``1/(1-p)``.

    Examples:
        >>> import lucid
        >>> y = lucid.nn.functional.dropout1d(lucid.ones(2, 3, 5), 0.5)
        >>> all(len(set(row)) == 1 for batch in y.tolist() for row in batch)
        True
    """
    return _channel_dropout(input, p, training, inplace, 1, "dropout1d")


def dropout2d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero whole channels of a ``(N, C, H, W)`` or ``(C, H, W)`` input with probability ``p``.

    A 3-D input is read as unbatched ``(C, H, W)`` (PyTorch currently reads it
    as ``(N, C, L)`` with a warning; use ``dropout1d`` for that).

    Examples:
        >>> import lucid
        >>> lucid.nn.functional.dropout2d(lucid.ones(2, 3, 4, 4), 0.5).shape
        (2, 3, 4, 4)
    """
    return _channel_dropout(input, p, training, inplace, 2, "dropout2d")


def dropout3d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero whole channels of a ``(N, C, D, H, W)`` or ``(C, D, H, W)`` input with probability ``p``.

    Examples:
        >>> import lucid
        >>> lucid.nn.functional.dropout3d(lucid.ones(2, 3, 2, 2, 2), 0.5).shape
        (2, 3, 2, 2, 2)
    """
    return _channel_dropout(input, p, training, inplace, 3, "dropout3d")


def _alpha(input, p, training, inplace, shape):
    if not training or p == 0.0:
        return input
    if p == 1.0:
        # NOTE: everything is dropped; PyTorch's affine correction is undefined at p = 1, so the
        # output is 0 (its mean), like PyTorch's alpha dropout.
        return _finish(input, mx.zeros(shape, dtype=input._data.dtype), 1.0, inplace)
    keep = _keep_mask(1.0 - p, shape, input)
    a = (1.0 / ((_ALPHA_PRIME ** 2 * p + 1.0) * (1.0 - p))) ** 0.5
    # Kept units: a * x + a * alpha' * p; dropped units: a * alpha' * (p - 1).
    return _finish(input, keep, a, inplace, alpha=(_ALPHA_PRIME * a, p))


def alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False, inplace: bool = False) -> Tensor:
    """Dropout that keeps the zero mean and unit variance of SELU activations.

    Dropped units are set to SELU's negative saturation ``-alpha' = -1.7581`` and
    the result is mapped affinely by ``a = ((1 - p)(1 + p alpha'^2))^{-1/2}`` and
    ``b = a alpha' p`` (PyTorch's formula).

    Args:
        input: floating-point tensor.
        p: drop probability in ``[0, 1]``.
        training: apply it (default ``False``, as in PyTorch's functional form).
        inplace: bind the result to ``input``.

    Examples:
        >>> import lucid
        >>> x = lucid.ones(3)
        >>> lucid.nn.functional.alpha_dropout(x, 0.2) is x
        True
    """
    _check_input(input, "alpha_dropout")
    return _alpha(input, check_p(p, "alpha_dropout"), training, inplace, input.shape)


def feature_alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False, inplace: bool = False) -> Tensor:
    """Alpha dropout of whole channels of an ``(N, C, *)`` input (one mask per channel).

    Examples:
        >>> import lucid
        >>> lucid.nn.functional.feature_alpha_dropout(lucid.ones(2, 3, 4), 0.5, training=True).shape
        (2, 3, 4)
    """
    _check_input(input, "feature_alpha_dropout")
    p = check_p(p, "feature_alpha_dropout")
    if input.ndim < 2:
        raise ValueError(f"feature_alpha_dropout: expected an input (N, C, *) with at least 2 dims, "
                         f"got shape {input.shape}")
    return _alpha(input, p, training, inplace, input.shape[:2] + (1,) * (input.ndim - 2))


def drop_path(input: Tensor, drop_prob: float = 0.0, training: bool = False, scale_by_keep: bool = True) -> Tensor:
    """Stochastic depth: drop whole samples (the residual branch) with probability ``drop_prob``.

    Each sample (index along dim 0) is zeroed with probability ``drop_prob``;
    the kept ones are scaled by ``1 / (1 - drop_prob)`` when ``scale_by_keep``.

    Args:
        input: ``(N, *)``.
        drop_prob: probability of dropping a sample's path, in ``[0, 1]``.
        training: apply it (default ``False``).
        scale_by_keep: rescale kept samples so the expectation is unchanged.

    Examples:
        >>> import lucid
        >>> y = lucid.nn.functional.drop_path(lucid.ones(8, 4), 0.5, training=True)
        >>> all(len(set(row)) == 1 for row in y.tolist())
        True
    """
    _check_input(input, "drop_path")
    p = check_p(drop_prob, "drop_path", "drop_prob")
    if not training or p == 0.0:
        return input
    if input.ndim == 0:
        raise ValueError("drop_path: expected an input with a batch dim (N, *), got a 0-d tensor")
    shape = (input.shape[0],) + (1,) * (input.ndim - 1)
    keep = _keep_mask(1.0 - p, shape, input)
    return _finish(input, keep, 1.0 / (1.0 - p) if scale_by_keep and p < 1.0 else 1.0, False)
