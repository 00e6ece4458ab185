"""In-place methods (``add_``, ``mul_``, ``zero_``, ``copy_``, ...).

MLX arrays are immutable, so an in-place op computes the new value and
rebinds the Tensor to it: the Python object stays the same, its version
counter goes up, and under grad mode the op is recorded like its out-of-place
form. A backward that needs a saved value of the old version raises.
"""

from __future__ import annotations

import mlx.core as mx

from lucid._tensor import Tensor, as_array
from lucid.autograd.grad_mode import _state
from lucid.ops.arithmetic import add, astype, divide, multiply, sub

__all__: list = []


def _inplace(op):
    def method(self: Tensor, *args, **kwargs) -> Tensor:
        self._check_inplace()
        out = op(self, *args, **kwargs)
        if out._data.dtype != self._data.dtype:
            if not _can_cast_inplace(out._data.dtype, self._data.dtype):
                raise TypeError(
                    f"{op.__name__}_: result dtype {out.dtype} can't be cast to the tensor's dtype {self.dtype} in place"
                )
            out = astype(out, self._data.dtype)
        return self._bump(out)

    method.__name__ = op.__name__ + "_"
    method.__doc__ = f"In-place form of ``{op.__name__}``: updates ``self``, bumps its version, returns it."
    return method


def _can_cast_inplace(src, dst) -> bool:
    floats = (mx.float16, mx.bfloat16, mx.float32, mx.float64, mx.complex64)
    # A float result cannot be stored into an integer tensor (PyTorch's rule).
    return not (src in floats and dst not in floats)


def zero_(self: Tensor) -> Tensor:
    """Fill with zeros in place."""
    return fill_(self, 0)


def fill_(self: Tensor, value) -> Tensor:
    """Fill with ``value`` (a number or a one-element Tensor) in place."""
    self._check_inplace()
    if isinstance(value, Tensor):
        if value.numel() != 1:
            raise ValueError(f"fill_ expects a number or a one-element tensor, got shape {value.shape}")
        if value.requires_grad and _state.enabled:
            return self._bump(value.reshape(()).astype(self._data.dtype).expand(self.shape) + 0)
        arr = mx.broadcast_to(value._data.reshape(()).astype(self._data.dtype), self._data.shape)
    else:
        arr = mx.full(self._data.shape, value, dtype=self._data.dtype)
    return self._bump(Tensor._make(arr, self._device))


def copy_(self: Tensor, src) -> Tensor:
    """Copy ``src`` (broadcast to this shape, cast to this dtype) into ``self``; differentiable in ``src``."""
    self._check_inplace()
    if isinstance(src, Tensor):
        if src.requires_grad and _state.enabled:
            out = astype(src, self._data.dtype)
            if out.shape != self.shape:
                out = out.broadcast_to(self.shape)
            return self._bump(out + 0 if out is src else out)
        arr = src._data
    else:
        arr = as_array(src)
    try:
        arr = mx.broadcast_to(arr.astype(self._data.dtype), self._data.shape)
    except ValueError:
        raise ValueError(f"copy_: source of shape {tuple(arr.shape)} can't be broadcast to {self.shape}") from None
    return self._bump(Tensor._make(arr, self._device))


def clamp_(self: Tensor, min=None, max=None) -> Tensor:
    """Clamp into ``[min, max]`` in place."""
    self._check_inplace()
    return self._bump(self.clip(min, max))


TENSOR_METHODS = {
    "add_": _inplace(add), "sub_": _inplace(sub), "mul_": _inplace(multiply), "div_": _inplace(divide),
    "zero_": zero_, "fill_": fill_, "copy_": copy_, "clamp_": clamp_, "clip_": clamp_,
    "__iadd__": _inplace(add), "__isub__": _inplace(sub), "__imul__": _inplace(multiply),
    "__itruediv__": _inplace(divide),
}
