"""In-place methods (``add_``, ``mul_``, ``exp_``, ``zero_``, ``copy_``, ...).

MLX arrays are immutable, so an in-place op computes the new value and
rebinds the Tensor to it: the Python object stays the same, its version
counter goes up, and under grad mode the op is recorded like its out-of-place
form. A backward that needs a saved value of an older version raises an error
naming the op that saved it.

Rules (PyTorch's): a leaf that requires grad cannot be modified in place while
grad mode is on (wrap parameter updates in ``lucid.no_grad()``), and the result
keeps the tensor's dtype, so a float result cannot go into an integer tensor.
"""

from __future__ import annotations

import numbers

import mlx.core as mx

from lucid._backend.dtypes import FLOATING_MX
from lucid._tensor import Tensor, as_array
from lucid.autograd.grad_mode import is_grad_enabled
from lucid.ops import special, unary
from lucid.ops._registry import register_method
from lucid.ops.arithmetic import add, astype, divide, multiply, neg, power, sub

__all__: list = []  # in-place forms are Tensor methods only


def _store(self: Tensor, out: Tensor, name: str) -> Tensor:
    """Rebind ``self`` to ``out``, cast to ``self``'s dtype; the last step of every in-place op."""
    if out._data.dtype != self._data.dtype:
        if out._data.dtype in FLOATING_MX and self._data.dtype not in FLOATING_MX:
            raise TypeError(
                f"{name}: the result has dtype {out.dtype}, which can't be stored in place into a tensor "
                f"of dtype {self.dtype}; use the out-of-place form or convert the tensor first"
            )
        out = astype(out, self._data.dtype)
    if tuple(out._data.shape) != tuple(self._data.shape):
        raise ValueError(
            f"{name}: the result has shape {tuple(out._data.shape)}, but an in-place op must keep the "
            f"tensor's shape {self.shape} (the other operand may only broadcast to it)"
        )
    return self._bump(out)


def _inplace(op, name: str):
    def method(self: Tensor, *args, **kwargs) -> Tensor:
        self._check_inplace()
        return _store(self, op(self, *args, **kwargs), name)

    method.__name__ = method.__qualname__ = name
    method.__wrapped__ = op  # inspect.signature (help(), the Tensor stub) shows the op's parameters
    method.__doc__ = (f"In-place form of ``{op.__name__}``: updates ``self``, bumps its version, "
                      "returns ``self``.")
    return method


def _scaled(other, alpha, name: str):
    if alpha is None or (not isinstance(alpha, Tensor) and alpha == 1):
        return other
    if isinstance(alpha, bool) or not isinstance(alpha, (numbers.Number, Tensor)):
        raise TypeError(f"{name}: alpha must be a number, got {type(alpha).__name__}")
    return multiply(other, alpha) if isinstance(other, Tensor) else other * alpha


def add_(self: Tensor, other, *, alpha=None) -> Tensor:
    """In place ``self += alpha * other`` (``alpha`` defaults to 1, as in PyTorch).

    Examples:
        >>> import lucid
        >>> x = lucid.tensor([1.0, 2.0])
        >>> x.add_(lucid.tensor([1.0, 1.0]), alpha=-0.5).tolist()
        [0.5, 1.5]
    """
    self._check_inplace()
    return _store(self, add(self, _scaled(other, alpha, "add_")), "add_")


def sub_(self: Tensor, other, *, alpha=None) -> Tensor:
    """In place ``self -= alpha * other`` (``alpha`` defaults to 1).

    Examples:
        >>> import lucid
        >>> x = lucid.tensor([1.0, 2.0])
        >>> x.sub_(1.0).tolist()
        [0.0, 1.0]
    """
    self._check_inplace()
    return _store(self, sub(self, _scaled(other, alpha, "sub_")), "sub_")


def zero_(self: Tensor) -> Tensor:
    """Fill with zeros in place.

    Examples:
        >>> import lucid
        >>> lucid.ones(2).zero_().tolist()
        [0.0, 0.0]
    """
    return fill_(self, 0)


def fill_(self: Tensor, value) -> Tensor:
    """Fill with ``value`` (a number or a one-element Tensor) in place.

    A Tensor ``value`` that requires grad receives the sum of the gradient.

    Raises:
        ValueError: ``value`` is a Tensor with more than one element.
        TypeError: ``value`` is neither a number nor a Tensor.

    Examples:
        >>> import lucid
        >>> lucid.zeros(3).fill_(2.5).tolist()
        [2.5, 2.5, 2.5]
    """
    self._check_inplace()
    if isinstance(value, Tensor):
        if value.numel() != 1:
            raise ValueError(f"fill_ expects a number or a one-element tensor, got shape {value.shape}")
        if value.requires_grad and is_grad_enabled():
            filled = value.reshape(()).astype(self._data.dtype).expand(self.shape)
            return self._bump(filled + 0 if filled is value else filled)
        arr = mx.broadcast_to(value._data.reshape(()).astype(self._data.dtype), self._data.shape)
    elif isinstance(value, numbers.Number):
        arr = mx.full(self._data.shape, value, dtype=self._data.dtype)
    else:
        raise TypeError(f"fill_ expects a number or a one-element tensor, got {type(value).__name__}")
    return self._bump(Tensor._make(arr, self._device))


def copy_(self: Tensor, src, non_blocking: bool = False) -> Tensor:
    """Copy ``src`` (broadcast to this shape, cast to this dtype) into ``self``; differentiable in ``src``.

    Raises:
        ValueError: ``src`` can't be broadcast to ``self``'s shape.

    Examples:
        >>> import lucid
        >>> lucid.zeros(2, 2).copy_(lucid.tensor([1.0, 2.0])).tolist()
        [[1.0, 2.0], [1.0, 2.0]]
    """
    self._check_inplace()
    if isinstance(src, Tensor):
        if src.requires_grad and is_grad_enabled():
            out = astype(src, self._data.dtype)
            if out.shape != self.shape:
                try:
                    out = out.broadcast_to(self.shape)
                except ValueError:
                    raise ValueError(f"copy_: source of shape {src.shape} can't be broadcast to {self.shape}") from None
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
    """Clamp into ``[min, max]`` in place.

    Examples:
        >>> import lucid
        >>> lucid.tensor([-2.0, 0.5, 3.0]).clamp_(-1, 1).tolist()
        [-1.0, 0.5, 1.0]
    """
    self._check_inplace()
    return _store(self, unary.clip(self, min, max), "clamp_")


def clamp_min_(self: Tensor, min) -> Tensor:
    """Clamp from below in place (``clamp_(min=min)``)."""
    return clamp_(self, min, None)


def clamp_max_(self: Tensor, max) -> Tensor:
    """Clamp from above in place (``clamp_(max=max)``)."""
    return clamp_(self, None, max)


for _name, _fn in (("add_", add_), ("sub_", sub_), ("subtract_", sub_), ("zero_", zero_), ("fill_", fill_),
                   ("copy_", copy_), ("clamp_", clamp_), ("clip_", clamp_), ("clamp_min_", clamp_min_),
                   ("clamp_max_", clamp_max_)):
    register_method(_name, _fn)
for _name, _fn in (("mul_", multiply), ("multiply_", multiply), ("div_", divide), ("divide_", divide),
                   ("pow_", power), ("neg_", neg), ("negative_", neg), ("__iadd__", add), ("__isub__", sub),
                   ("__imul__", multiply), ("__itruediv__", divide), ("__ipow__", power)):
    register_method(_name, _inplace(_fn, _name), __name__)

# In-place forms of the elementwise unary ops: ``x.exp_()`` is ``x`` rebound to ``x.exp()``.
for _name in ("abs", "sign", "exp", "exp2", "expm1", "log", "log2", "log10", "log1p", "sqrt", "rsqrt",
              "square", "reciprocal", "sin", "cos", "tan", "asin", "acos", "atan", "arcsin", "arccos",
              "arctan", "sinh", "cosh", "tanh", "asinh", "acosh", "atanh", "arcsinh", "arccosh", "arctanh",
              "sigmoid", "erf", "erfinv", "floor", "ceil", "round", "trunc", "fix", "nan_to_num"):
    register_method(_name + "_", _inplace(getattr(unary, _name), _name + "_"), __name__)
register_method("logit_", _inplace(special.logit, "logit_"), __name__)
del _name, _fn
