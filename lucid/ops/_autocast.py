"""What autocast does to an op's inputs: the one helper the affected ops call.

Ops whose speed comes from low precision (matrix products, convolutions,
attention) call ``autocast_inputs(..., low=True)``: their float32 inputs are
cast to the autocast dtype. Ops that need range or accuracy (softmax,
log-softmax, layer and group norm, losses, sums) call
``autocast_inputs(...)``: their float16/bfloat16 inputs are cast up to
float32, so the result is float32, as under PyTorch's autocast. Outside
autocast both return the inputs unchanged. The casts are ordinary
differentiable ``astype`` ops, so gradients flow back in each input's dtype.
float64 inputs are never cast (PyTorch leaves them alone too).
"""

from __future__ import annotations

import mlx.core as mx

from lucid._backend import autocast_state
from lucid._tensor import Tensor
from lucid.ops.arithmetic import astype

__all__ = ["autocast_inputs"]

_LOW = (mx.float16, mx.bfloat16)


def autocast_inputs(*tensors, low: bool = False):
    """The ``tensors`` as the active autocast policy wants them (``None`` and non-Tensors pass through).

    Args:
        *tensors: an op's tensor arguments.
        low: cast float32 (and the other 16-bit float) inputs down to the
            autocast dtype; otherwise cast 16-bit float inputs up to float32.

    Returns:
        A tuple of the same length (a single Tensor when one was passed).
    """
    if not autocast_state.enabled():
        return tensors[0] if len(tensors) == 1 else tensors
    target = autocast_state.low_dtype() if low else mx.float32
    eligible = (mx.float32, *_LOW) if low else _LOW
    out = tuple(
        astype(t, target) if isinstance(t, Tensor) and t._data.dtype in eligible and t._data.dtype != target else t
        for t in tensors
    )
    return out[0] if len(out) == 1 else out
