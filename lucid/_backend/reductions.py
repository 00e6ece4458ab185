"""Sum, mean, product, all, any and logsumexp that are safe on empty inputs.

MLX's CPU ``Reduce`` kernel (seen in 0.32) mishandles an input with no
elements when the output has some, as in ``mx.sum(x, axis=0)`` for ``x`` of
shape ``(0, 5)``: valgrind shows it reading uninitialised loop bounds and
past the end of its buffers. Depending on what that memory holds, the result
comes back at once or the stream thread loops for seconds to minutes, which
once stalled a whole test run. ``mx.max``, ``mx.min`` and ``mx.argmax``
refuse to reduce an empty axis up front, so they are not at risk.
``mx.logsumexp`` refuses every empty input, even a batch of zero rows whose
reduced axis is not empty.

Lucid therefore calls these wrappers instead of ``mx.sum``, ``mx.mean``,
``mx.prod``, ``mx.all``, ``mx.any`` and ``mx.logsumexp`` (a test keeps the raw
calls out of the package). On an empty input they return the reduction's
value over nothing without running the kernel: 0 for a sum, 1 for a product,
NaN for a mean (as PyTorch gives), True for ``all``, False for ``any`` and
-inf for ``logsumexp``. Only the shape is read, so nothing is evaluated. An
MLX node is still built first (never evaluated), so argument checks, output
shape and output dtype stay exactly MLX's.

Examples:
    >>> import mlx.core as mx
    >>> from lucid._backend import reductions
    >>> reductions.sum(mx.zeros((0, 3)), axis=0).tolist()
    [0.0, 0.0, 0.0]
    >>> reductions.prod(mx.array([2.0, 3.0])).item()
    6.0
"""

from __future__ import annotations

import math

import mlx.core as mx

__all__ = ["sum", "mean", "prod", "all", "any", "logsumexp"]


def _over_nothing(out: mx.array, value) -> mx.array:
    return mx.full(out.shape, value, dtype=out.dtype)


def sum(x: mx.array, axis=None, keepdims: bool = False) -> mx.array:
    """``mx.sum``; zeros when ``x`` is empty."""
    out = mx.sum(x, axis=axis, keepdims=keepdims)
    return _over_nothing(out, 0) if x.size == 0 else out


def mean(x: mx.array, axis=None, keepdims: bool = False) -> mx.array:
    """``mx.mean``; NaN when ``x`` is empty."""
    out = mx.mean(x, axis=axis, keepdims=keepdims)
    return _over_nothing(out, math.nan) if x.size == 0 else out


def prod(x: mx.array, axis=None, keepdims: bool = False) -> mx.array:
    """``mx.prod``; ones when ``x`` is empty."""
    out = mx.prod(x, axis=axis, keepdims=keepdims)
    return _over_nothing(out, 1) if x.size == 0 else out


def all(x: mx.array, axis=None, keepdims: bool = False) -> mx.array:
    """``mx.all``; True when ``x`` is empty."""
    out = mx.all(x, axis=axis, keepdims=keepdims)
    return _over_nothing(out, True) if x.size == 0 else out


def any(x: mx.array, axis=None, keepdims: bool = False) -> mx.array:
    """``mx.any``; False when ``x`` is empty."""
    out = mx.any(x, axis=axis, keepdims=keepdims)
    return _over_nothing(out, False) if x.size == 0 else out


def logsumexp(x: mx.array, axis=None, keepdims: bool = False) -> mx.array:
    """``mx.logsumexp``; -inf when ``x`` is empty (an empty result when the kept axes are)."""
    if x.size:
        return mx.logsumexp(x, axis=axis, keepdims=keepdims)
    shape = mx.sum(x, axis=axis, keepdims=keepdims).shape  # the shape rules (and axis checks) of a sum
    dtype = x.dtype if mx.issubdtype(x.dtype, mx.floating) else mx.float32
    return mx.full(shape, -math.inf, dtype=dtype)
