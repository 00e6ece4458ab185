"""``lucid.autocast``: run matrix products in a low-precision dtype, keep the sensitive ops in float32.

Inside ``with lucid.autocast():`` (a per-thread policy, DESIGN.md section 9):

* matrix products and convolutions (``matmul``/``@``, ``mm``, ``bmm``,
  ``einsum``, ``F.linear``, ``F.conv*``, ``F.conv_transpose*``,
  ``F.scaled_dot_product_attention``) cast their float32 inputs to the
  autocast dtype and return that dtype;
* ``softmax``, ``log_softmax``, ``softmin``, ``layer_norm``, ``group_norm``,
  the losses (``mse``, ``l1``, ``huber``, ``smooth_l1``, ``binary_cross_entropy``
  (with logits), ``cross_entropy``, ``nll``, ``kl_div``) and ``sum`` cast
  float16/bfloat16 inputs to float32 and return float32;
* every other op runs in the dtype of its inputs (elementwise ops between a
  bfloat16 and a float32 tensor promote to float32, as in PyTorch).

These are the op lists of PyTorch's autocast. float64 tensors are never cast.
The casts are ordinary differentiable ops, so each leaf's gradient comes back
in the leaf's own dtype (float32 weights get float32 gradients). Unlike
PyTorch, casts of weights are not cached within a region (MLX's lazy graph
makes a cast cheap: it fuses into the consumer).
"""

from __future__ import annotations

import functools

import mlx.core as mx

from lucid._backend import autocast_state
from lucid._backend.dtypes import from_mx_dtype, to_mx_dtype

__all__ = ["autocast", "is_autocast_enabled", "get_autocast_dtype"]

_DEVICE_TYPES = ("cpu", "gpu", "cuda", "mps", "metal")


class autocast:
    """Mixed precision for the ops inside the block (or decorated function).

    Args:
        device_type: accepted for PyTorch compatibility (``"cuda"``, ``"cpu"``,
            ``"mps"``, ``"gpu"``); MLX has one policy for every device. A dtype
            passed here positionally is taken as ``dtype``.
        dtype: the low-precision dtype, ``lucid.bfloat16`` (default) or
            ``lucid.float16``.
        enabled: ``False`` turns autocast off inside the block (also nested in
            an enabled region).
        cache_enabled: accepted and ignored (no weight-cast cache is needed).

    Raises:
        TypeError: ``dtype`` is not a 16-bit float dtype, ``enabled`` not a bool.
        ValueError: an unknown ``device_type``.

    Examples:
        >>> import lucid
        >>> a, b = lucid.randn(4, 8), lucid.randn(8, 2)
        >>> with lucid.autocast(dtype=lucid.bfloat16):
        ...     c = a @ b
        ...     p = lucid.nn.functional.softmax(c, dim=-1)
        >>> c.dtype, p.dtype
        (lucid.bfloat16, lucid.float32)
        >>> (a @ b).dtype
        lucid.float32
    """

    def __init__(self, device_type=None, dtype=None, enabled: bool = True, cache_enabled=None):
        if device_type is not None and not isinstance(device_type, str):
            if dtype is not None:
                raise TypeError(f"autocast: device_type must be a string, got {type(device_type).__name__}")
            device_type, dtype = None, device_type
        if device_type is not None and device_type.split(":")[0] not in _DEVICE_TYPES:
            raise ValueError(f"autocast: unknown device_type {device_type!r}; expected one of {_DEVICE_TYPES}")
        if not isinstance(enabled, bool):
            raise TypeError(f"autocast: enabled must be a bool, got {type(enabled).__name__}")
        try:
            mx_dtype = mx.bfloat16 if dtype is None else to_mx_dtype(dtype)
        except (TypeError, ValueError, KeyError):
            mx_dtype = None
        if mx_dtype not in (mx.bfloat16, mx.float16):
            raise TypeError(f"autocast: dtype must be lucid.bfloat16 or lucid.float16, got {dtype!r}")
        self.device_type = device_type
        self.fast_dtype = from_mx_dtype(mx_dtype)
        self._mx_dtype = mx_dtype
        self._enabled = enabled

    def __enter__(self):
        autocast_state.push(self._enabled, self._mx_dtype)
        return self

    def __exit__(self, *exc):
        autocast_state.pop()
        return False

    def __call__(self, fn):
        if not callable(fn):
            raise TypeError(f"autocast() decorates a function, got {type(fn).__name__}")

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self:
                return fn(*args, **kwargs)

        return wrapper

    def __repr__(self) -> str:
        return f"autocast(dtype={self.fast_dtype}, enabled={self._enabled})"


def is_autocast_enabled(device_type=None) -> bool:
    """Whether autocast is on in this thread (``device_type`` is accepted and ignored).

    Examples:
        >>> import lucid
        >>> with lucid.autocast():
        ...     lucid.is_autocast_enabled()
        True
        >>> lucid.is_autocast_enabled()
        False
    """
    return autocast_state.enabled()


def get_autocast_dtype(device_type=None):
    """The dtype the innermost autocast region casts matrix products to (``lucid.bfloat16`` outside any).

    Examples:
        >>> import lucid
        >>> with lucid.autocast(dtype=lucid.float16):
        ...     lucid.get_autocast_dtype()
        lucid.float16
    """
    return from_mx_dtype(autocast_state.low_dtype())
