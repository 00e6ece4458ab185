"""Selection and inspection: ``mode``, ``aminmax``, ``msort``, ``unique_consecutive``, ``isreal``,
``is_nonzero``, and the host-callable in-place methods ``Tensor.apply_`` / ``Tensor.map_``.

``mode``, ``aminmax`` and ``msort`` stay lazy; ``unique_consecutive`` (its
output size depends on the data), ``is_nonzero`` (it returns a Python bool)
and ``apply_``/``map_`` (they call a Python function per element) are sync
points.
"""

from __future__ import annotations

from collections import namedtuple

import mlx.core as mx
import numpy as np

from lucid._backend import reductions
from lucid._tensor import Tensor
from lucid.ops import indexing as _ix
from lucid.ops import reduction as _red
from lucid.ops import shape as _sh
from lucid.ops._registry import export, register, register_method
from lucid.ops._util import normalize_dim, reduce_axis_arg, reduce_keepdims_arg, to_tensor

ModeResult = namedtuple("mode", ["values", "indices"])
AminmaxResult = namedtuple("aminmax", ["min", "max"])


@register(method=True)
def mode(input: Tensor, dim: int = -1, keepdim: bool = False, *, axis=None, keepdims: bool = False):
    """The most frequent value along ``dim`` and an index where it occurs: ``(values, indices)``.

    Ties between values go to the smallest; the index is that of the value's
    last occurrence. The gradient goes to that element.

    Raises:
        ValueError: ``dim`` is out of range or has size 0.

    Examples:
        >>> import lucid
        >>> v, i = lucid.mode(lucid.tensor([3, 1, 3, 2, 1]))
        >>> v.item(), i.item()
        (1, 4)
    """
    keep = reduce_keepdims_arg(keepdims, keepdim)
    x = to_tensor(input, "mode")
    d = reduce_axis_arg(axis, dim if dim != -1 or axis is None else None, "mode", -1)
    if x.ndim == 0:
        normalize_dim(d, 0, "mode")
        return ModeResult(_sh.clone(x), Tensor._make(mx.zeros((), mx.int64), x._device))
    ax = normalize_dim(d, x.ndim, "mode")
    n = x.shape[ax]
    if n == 0:
        raise ValueError(f"mode: dim {d} has size 0; the mode of no values is undefined")
    a = mx.moveaxis(x._data, ax, -1)
    s = mx.sort(a, axis=-1)
    counts = reductions.sum((s[..., :, None] == s[..., None, :]).astype(mx.int32), axis=-1)
    first = mx.argmax(counts, axis=-1, keepdims=True)  # the first maximum: the smallest most frequent value
    value = mx.take_along_axis(s, first, axis=-1)
    pos = mx.arange(n, dtype=mx.int64)
    idx = mx.max(mx.where(a == value, pos, mx.array(-1, mx.int64)), axis=-1, keepdims=True)
    idx = Tensor._make(mx.moveaxis(idx, -1, ax), x._device)
    values = _ix.take_along_dim(x, idx, ax)
    if not keep:
        values, idx = _sh.squeeze(values, ax), _sh.squeeze(idx, ax)
    return ModeResult(values, idx)


@register(method=True)
def aminmax(input: Tensor, *, dim=None, keepdim: bool = False, axis=None, keepdims: bool = False):
    """The minimum and the maximum in one call: the named tuple ``(min, max)``.

    Over every element, or along ``dim`` (as :func:`lucid.amin` and :func:`lucid.amax`).

    Examples:
        >>> import lucid
        >>> lo, hi = lucid.aminmax(lucid.tensor([[1, 5], [-2, 3]]), dim=1)
        >>> lo.tolist(), hi.tolist()
        ([1, -2], [5, 3])
    """
    keep = reduce_keepdims_arg(keepdims, keepdim)
    d = reduce_axis_arg(axis, dim, "aminmax")
    x = to_tensor(input, "aminmax")
    if int(np.prod(x.shape, dtype=np.int64)) == 0:
        raise ValueError(f"aminmax: expected a non-empty tensor, got shape {x.shape}")
    return AminmaxResult(_red.amin(x, dim=d, keepdim=keep), _red.amax(x, dim=d, keepdim=keep))


@register(method=True)
def msort(input: Tensor) -> Tensor:
    """The values sorted along the first dimension (``lucid.sort(input, dim=0).values``).

    Examples:
        >>> import lucid
        >>> lucid.msort(lucid.tensor([[3, 1], [1, 2]])).tolist()
        [[1, 1], [3, 2]]
    """
    x = to_tensor(input, "msort")
    if x.ndim == 0:
        return _sh.clone(x)
    return _ix.sort(x, 0).values


@register(method=True)
def unique_consecutive(input: Tensor, return_inverse: bool = False, return_counts: bool = False, dim=None, *,
                       axis=None):
    """Collapse each run of equal consecutive values (or slices along ``dim``) to one.

    A sync point: the values are read back to the host (the output size depends on them).

    Args:
        input: the tensor (flattened when ``dim`` is None).
        return_inverse: also return, for each input element (or slice), the index of its run.
        return_counts: also return the length of each run.
        dim: collapse runs of equal slices along this dim; ``axis`` is the NumPy spelling.

    Returns:
        The values, followed by the inverse indices and the counts when asked for.

    Examples:
        >>> import lucid
        >>> out, counts = lucid.unique_consecutive(lucid.tensor([1, 1, 2, 2, 3, 1]), return_counts=True)
        >>> out.tolist(), counts.tolist()
        ([1, 2, 3, 1], [2, 2, 1, 1])
    """
    x = to_tensor(input, "unique_consecutive")
    d = reduce_axis_arg(axis, dim, "unique_consecutive")
    arr = x.numpy()  # sync point
    if d is None:
        flat = arr.reshape(-1)
        moved = flat
    else:
        ax = normalize_dim(d, arr.ndim, "unique_consecutive")
        moved = np.moveaxis(arr, ax, 0)
    n = moved.shape[0]
    if n == 0:
        keep = np.zeros(0, dtype=bool)
    else:
        changed = moved[1:] != moved[:-1]
        if changed.ndim > 1:
            changed = changed.reshape(n - 1, -1).any(axis=1)
        keep = np.concatenate([[True], changed])
    starts = np.flatnonzero(keep)
    vals = moved[starts]
    if d is not None:
        vals = np.moveaxis(vals, 0, ax)
    dev, dt = x._device, x._data.dtype
    out = [Tensor._make(mx.array(np.ascontiguousarray(vals)).astype(dt), dev)]
    if return_inverse:
        inv = np.cumsum(keep) - 1
        if d is None:
            inv = inv.reshape(arr.shape)
        out.append(Tensor._make(mx.array(inv.astype(np.int64)), dev))
    if return_counts:
        counts = np.diff(np.append(starts, n))
        out.append(Tensor._make(mx.array(counts.astype(np.int64)), dev))
    return out[0] if len(out) == 1 else tuple(out)


@register(method=True)
def isreal(input: Tensor) -> Tensor:
    """Elementwise: is the value real (a zero imaginary part)? Always True for non-complex tensors.

    Examples:
        >>> import lucid
        >>> lucid.isreal(lucid.tensor([1 + 0j, 2 + 1j])).tolist()
        [True, False]
    """
    x = to_tensor(input, "isreal")
    a = x._data
    if mx.issubdtype(a.dtype, mx.complexfloating):
        return Tensor._make(mx.imag(a) == 0, x._device)
    return Tensor._make(mx.ones(a.shape, mx.bool_), x._device)


@register(method=True)
def is_nonzero(input: Tensor) -> bool:
    """Whether a one-element tensor is non-zero (a Python bool; a sync point).

    Raises:
        RuntimeError: the tensor does not have exactly one element (as ``bool(tensor)``).

    Examples:
        >>> import lucid
        >>> lucid.is_nonzero(lucid.tensor([0.5])), lucid.is_nonzero(lucid.tensor(0))
        (True, False)
    """
    x = to_tensor(input, "is_nonzero")
    size = int(np.prod(x.shape, dtype=np.int64))
    if size != 1:
        raise RuntimeError(f"is_nonzero: expected a tensor with exactly one element, got shape {x.shape} "
                           f"({size} elements)")
    return bool((x._data != 0).item())


# -- host callables (in place) ------------------------------------------------------
def _host_result(self: Tensor, values: list, name: str) -> None:
    arr = np.asarray(values).reshape(self.shape)
    try:
        new = mx.array(arr).astype(self._data.dtype)
    except (TypeError, ValueError) as err:
        raise TypeError(f"Tensor.{name}: the callable returned values that do not fit {self.dtype}: {err}") from None
    self._bump(Tensor._make(new, self._device))


def apply_(self: Tensor, callable) -> Tensor:
    """Replace each element ``v`` by ``callable(v)`` (in place; a Python call per element).

    As in PyTorch, this is for small tensors and debugging: the values are
    read back to the host (a sync point), ``callable`` runs on Python numbers,
    and the result is cast back to the tensor's dtype. Not differentiable; a
    leaf that requires grad cannot be modified (use ``lucid.no_grad()``).

    Raises:
        TypeError: ``callable`` is not callable.
        RuntimeError: a leaf tensor that requires grad.

    Examples:
        >>> import lucid
        >>> lucid.tensor([1, 2, 3]).apply_(lambda v: v * 10).tolist()
        [10, 20, 30]
    """
    if not callable_(callable):
        raise TypeError(f"Tensor.apply_: expected a callable, got {type(callable).__name__}")
    self._check_inplace()
    values = [callable(v) for v in self.numpy().reshape(-1).tolist()]
    _host_result(self, values, "apply_")
    return self


def map_(self: Tensor, tensor: Tensor, callable) -> Tensor:
    """Replace each element ``a`` by ``callable(a, b)``, ``b`` the matching element of ``tensor`` (in place).

    ``tensor`` broadcasts to ``self``'s shape. A sync point with a Python call
    per element, like :meth:`apply_`.

    Raises:
        TypeError: ``callable`` is not callable or ``tensor`` is not a Tensor.
        ValueError: ``tensor`` does not broadcast to ``self``'s shape.

    Examples:
        >>> import lucid
        >>> lucid.tensor([1.0, 2.0]).map_(lucid.tensor([10.0, 20.0]), lambda a, b: a + b).tolist()
        [11.0, 22.0]
    """
    if not isinstance(tensor, Tensor):
        raise TypeError(f"Tensor.map_: tensor must be a Tensor, got {type(tensor).__name__}")
    if not callable_(callable):
        raise TypeError(f"Tensor.map_: expected a callable, got {type(callable).__name__}")
    self._check_inplace()
    try:
        other = np.broadcast_to(tensor.numpy(), self.shape)
    except ValueError:
        raise ValueError(f"Tensor.map_: tensor of shape {tensor.shape} does not broadcast to {self.shape}") from None
    values = [callable(a, b) for a, b in zip(self.numpy().reshape(-1).tolist(), other.reshape(-1).tolist())]
    _host_result(self, values, "map_")
    return self


callable_ = callable  # the builtin, before the parameters named ``callable`` (PyTorch's spelling) shadow it
register_method("apply_", apply_, __name__)
register_method("map_", map_, __name__)

__all__ = export(__name__)
