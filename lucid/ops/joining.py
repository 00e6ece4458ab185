"""Joining, splitting and turning: ``atleast_*d``, ``column_stack``, ``tensor_split`` & co., ``rot90``, index grids.

All compositions of the shape and rearrange primitives (autograd comes for
free). Index helpers (``tril_indices``, ``combinations``) build their indices on
the host from sizes alone, so nothing is evaluated.
"""

from __future__ import annotations

import itertools
import numbers

import mlx.core as mx
import numpy as np

from lucid._backend.dtypes import to_mx_dtype
from lucid._tensor import Tensor
from lucid.ops import rearrange as _re
from lucid.ops import shape as _sh
from lucid.ops._registry import export, register
from lucid.ops._util import check_int, new_tensor, normalize_dim, reduce_axis_arg, to_tensor


def _atleast_all(tensors, n: int, op: str):
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        return tuple(_sh._atleast(to_tensor(t, op), n) for t in tensors[0])
    out = tuple(_sh._atleast(to_tensor(t, op), n) for t in tensors)
    return out[0] if len(out) == 1 else out


@register()
def atleast_1d(*tensors):
    """Each tensor with at least 1 dim (a 0-d tensor becomes shape ``(1,)``).

    Returns:
        One Tensor for one argument; a tuple for several (or for a list).

    Examples:
        >>> import lucid
        >>> lucid.atleast_1d(lucid.tensor(3.0)).shape
        (1,)
    """
    return _atleast_all(tensors, 1, "atleast_1d")


@register()
def atleast_2d(*tensors):
    """Each tensor with at least 2 dims (1-D ``(n,)`` becomes ``(1, n)``).

    Examples:
        >>> import lucid
        >>> [t.shape for t in lucid.atleast_2d(lucid.tensor(1.0), lucid.zeros(3))]
        [(1, 1), (1, 3)]
    """
    return _atleast_all(tensors, 2, "atleast_2d")


@register()
def atleast_3d(*tensors):
    """Each tensor with at least 3 dims (``(n,)`` becomes ``(1, n, 1)``, ``(m, n)`` becomes ``(m, n, 1)``).

    Examples:
        >>> import lucid
        >>> lucid.atleast_3d(lucid.zeros(2, 3)).shape
        (2, 3, 1)
    """
    return _atleast_all(tensors, 3, "atleast_3d")


@register()
def column_stack(tensors) -> Tensor:
    """Stack 0-d and 1-D tensors as columns (others as they are) along dim 1.

    Examples:
        >>> import lucid
        >>> lucid.column_stack([lucid.tensor([1, 2]), lucid.tensor([[3], [4]])]).tolist()
        [[1, 3], [2, 4]]
    """
    ts = _sh._tensors(tensors, "column_stack")
    return _sh.concatenate([_sh.reshape(t, (-1, 1)) if t.ndim < 2 else t for t in ts], 1)


@register()
def concat(tensors, axis=None, *, dim=None) -> Tensor:
    """The same as :func:`lucid.cat` (PyTorch's and the Array API's other spelling).

    Examples:
        >>> import lucid
        >>> lucid.concat([lucid.zeros(1, 2), lucid.ones(1, 2)], dim=1).shape
        (1, 4)
    """
    return _sh.concatenate(tensors, axis, dim=dim)


def _cuts(indices_or_sections, n: int, op: str) -> list:
    """Start/stop pairs of the pieces (PyTorch's ``tensor_split`` rules)."""
    ios = indices_or_sections
    if isinstance(ios, Tensor):
        if ios.dtype.is_floating_point or ios.ndim > 1:
            raise TypeError(f"{op}: a tensor of indices_or_sections must be a 0-d or 1-D integer tensor, "
                            f"got {ios.dtype} of shape {tuple(ios.shape)}")
        # Sizes of the output depend on these values: a sync point, as for nonzero.
        ios = ios.tolist()
    if isinstance(ios, numbers.Integral) and not isinstance(ios, bool):
        k = int(ios)
        if k <= 0:
            raise ValueError(f"{op}: the number of sections must be positive, got {k}")
        q, r = divmod(n, k)
        bounds, pos = [], 0
        for i in range(k):
            size = q + (1 if i < r else 0)
            bounds.append((pos, pos + size))
            pos += size
        return bounds
    if not isinstance(ios, (list, tuple)):
        raise TypeError(f"{op}: indices_or_sections must be an int or a sequence of ints, got {type(ios).__name__}")
    idx = [check_int(i, "an index", op) for i in ios]
    idx = [i + n if i < 0 else i for i in idx]
    idx = [min(max(i, 0), n) for i in idx]
    starts = [0] + idx
    stops = idx + [n]
    return [(a, max(a, b)) for a, b in zip(starts, stops)]


@register(method=True)
def tensor_split(input: Tensor, indices_or_sections, dim=None, *, axis=None) -> tuple:
    """Split along ``dim`` into ``k`` nearly equal pieces (an int) or at the given indices (a sequence).

    With an int ``k``, the first ``n % k`` pieces are one longer. With indices
    ``[i, j]`` the pieces are ``[:i]``, ``[i:j]``, ``[j:]`` (clamped, possibly
    empty). A tensor of indices is read on the host (a sync point, as the
    output sizes depend on its values).

    Raises:
        ValueError: ``k <= 0`` or a 0-d input.

    Examples:
        >>> import lucid
        >>> [p.tolist() for p in lucid.arange(7).tensor_split(3)]
        [[0, 1, 2], [3, 4], [5, 6]]
        >>> [p.tolist() for p in lucid.arange(5).tensor_split([1, 4])]
        [[0], [1, 2, 3], [4]]
    """
    dim = reduce_axis_arg(axis, dim, "tensor_split", 0)
    input = to_tensor(input, "tensor_split")
    if input.ndim == 0:
        raise ValueError("tensor_split: expected at least a 1-D tensor, got a 0-d tensor")
    ax = normalize_dim(dim, input.ndim, "tensor_split")
    bounds = _cuts(indices_or_sections, input.shape[ax], "tensor_split")
    return tuple(input[(slice(None),) * ax + (slice(a, b),)] for a, b in bounds)


def _split_dir(input, ios, ax: int, min_dim: int, op: str) -> tuple:
    input = to_tensor(input, op)
    if input.ndim < min_dim:
        raise ValueError(f"{op}: expected a tensor with at least {min_dim} dims, got shape {tuple(input.shape)}")
    if isinstance(ios, numbers.Integral) and not isinstance(ios, bool):
        n = input.shape[ax]
        if ios <= 0 or n % ios:
            raise ValueError(f"{op}: dim {ax} of size {n} cannot be split into {ios} equal sections")
    return tensor_split(input, ios, ax)


@register(method=True)
def hsplit(input: Tensor, indices_or_sections) -> tuple:
    """Split horizontally: along dim 1 (dim 0 for a 1-D tensor); an int must divide that dim exactly.

    Examples:
        >>> import lucid
        >>> [p.shape for p in lucid.zeros(2, 4).hsplit(2)]
        [(2, 2), (2, 2)]
    """
    t = to_tensor(input, "hsplit")
    return _split_dir(t, indices_or_sections, 0 if t.ndim == 1 else 1, 1, "hsplit")


@register(method=True)
def vsplit(input: Tensor, indices_or_sections) -> tuple:
    """Split vertically: along dim 0 of a tensor with at least 2 dims; an int must divide it exactly.

    Examples:
        >>> import lucid
        >>> [p.shape for p in lucid.zeros(4, 2).vsplit([1])]
        [(1, 2), (3, 2)]
    """
    return _split_dir(input, indices_or_sections, 0, 2, "vsplit")


@register(method=True)
def dsplit(input: Tensor, indices_or_sections) -> tuple:
    """Split along depth (dim 2) of a tensor with at least 3 dims; an int must divide it exactly.

    Examples:
        >>> import lucid
        >>> [p.shape for p in lucid.zeros(1, 2, 4).dsplit(2)]
        [(1, 2, 2), (1, 2, 2)]
    """
    return _split_dir(input, indices_or_sections, 2, 3, "dsplit")


@register(method=True)
def rot90(input: Tensor, k: int = 1, dims=(0, 1)) -> Tensor:
    """Rotate by ``k`` quarter turns in the plane of ``dims``, from the first dim towards the second.

    Raises:
        ValueError: ``dims`` is not two different dims, or the tensor has fewer than 2 dims.

    Examples:
        >>> import lucid
        >>> lucid.rot90(lucid.tensor([[1, 2], [3, 4]])).tolist()
        [[2, 4], [1, 3]]
    """
    input = to_tensor(input, "rot90")
    k = check_int(k, "k", "rot90")
    if not isinstance(dims, (list, tuple)) or len(dims) != 2:
        raise ValueError(f"rot90: dims must be a pair of dims, got {dims!r}")
    if input.ndim < 2:
        raise ValueError(f"rot90: expected a tensor with at least 2 dims, got shape {tuple(input.shape)}")
    d0, d1 = (normalize_dim(d, input.ndim, "rot90") for d in dims)
    if d0 == d1:
        raise ValueError(f"rot90: the two dims must differ, got {dims!r}")
    k %= 4
    if k == 0:
        return _sh.clone(input)
    if k == 2:
        return _re.flip(input, (d0, d1))
    flipped = _re.flip(input, d1 if k == 1 else d0)
    return _sh.transpose(flipped, d0, d1)


def _flip_dim(input, dim: int, op: str) -> Tensor:
    """Reverse ``dim`` of a tensor that has it (``ValueError`` for fewer than ``dim + 1`` dims)."""
    input = to_tensor(input, op)
    if input.ndim <= dim:
        raise ValueError(f"{op}: expected a tensor with at least {_dims(dim + 1)}, got shape {tuple(input.shape)}")
    return _re.flip(input, dim)


def _dims(n: int) -> str:
    return f"{n} dim{'s' if n > 1 else ''}"


def _flip_op(name: str, dim: int, direction: str, example: str):
    """Declare ``lucid.<name>``: reverse ``dim`` (``fliplr``: 1, ``flipud``: 0), with its docstring."""
    def flip(input: Tensor) -> Tensor:
        return _flip_dim(input, dim, name)

    flip.__name__ = flip.__qualname__ = name
    flip.__doc__ = f"""Reverse dim {dim} ({direction}) of a tensor with at least {_dims(dim + 1)}.

    Examples:
        >>> import lucid
        >>> lucid.tensor([[1, 2], [3, 4]]).{name}().tolist()
        {example}
    """
    return register(method=True)(flip)


fliplr = _flip_op("fliplr", 1, "left/right", "[[2, 1], [4, 3]]")
flipud = _flip_op("flipud", 0, "up/down", "[[3, 4], [1, 2]]")


def _tri_indices(row, col, offset, dtype, device, upper: bool, op: str) -> Tensor:
    row, col = check_int(row, "row", op), check_int(col, "col", op)
    offset = check_int(offset, "offset", op)
    if row < 0 or col < 0:
        raise ValueError(f"{op}: row and col must be non-negative, got {row} and {col}")
    r, c = (np.triu_indices if upper else np.tril_indices)(row, offset, col)
    arr = mx.array(np.stack([r, c]).astype(np.int64))
    if dtype is not None:
        arr = arr.astype(to_mx_dtype(dtype))
    return new_tensor(arr, device)


@register()
def tril_indices(row: int, col: int, offset: int = 0, *, dtype=None, device=None) -> Tensor:
    """Row and column indices (a ``(2, N)`` int64 tensor) of the lower triangle of a ``row x col`` matrix.

    ``offset`` moves the diagonal up (positive) or down (negative). Row-major order, as in PyTorch.

    Examples:
        >>> import lucid
        >>> lucid.tril_indices(3, 3).tolist()
        [[0, 1, 1, 2, 2, 2], [0, 0, 1, 0, 1, 2]]
    """
    return _tri_indices(row, col, offset, dtype, device, False, "tril_indices")


@register()
def triu_indices(row: int, col: int, offset: int = 0, *, dtype=None, device=None) -> Tensor:
    """Row and column indices (a ``(2, N)`` int64 tensor) of the upper triangle of a ``row x col`` matrix.

    Examples:
        >>> import lucid
        >>> lucid.triu_indices(2, 3, 1).tolist()
        [[0, 0, 1], [1, 2, 2]]
    """
    return _tri_indices(row, col, offset, dtype, device, True, "triu_indices")


@register()
def combinations(input: Tensor, r: int = 2, with_replacement: bool = False) -> Tensor:
    """All length-``r`` combinations of the elements of a 1-D tensor, one per row: ``(N, r)``.

    The order is that of ``itertools.combinations`` (or
    ``combinations_with_replacement``); differentiable in ``input``.

    Raises:
        ValueError: input is not 1-D or ``r < 0``.

    Examples:
        >>> import lucid
        >>> lucid.combinations(lucid.tensor([1, 2, 3])).tolist()
        [[1, 2], [1, 3], [2, 3]]
    """
    input = to_tensor(input, "combinations")
    r = check_int(r, "r", "combinations")
    if input.ndim != 1:
        raise ValueError(f"combinations: expected a 1-D tensor, got shape {tuple(input.shape)}")
    if r < 0:
        raise ValueError(f"combinations: r must be non-negative, got {r}")
    gen = itertools.combinations_with_replacement if with_replacement else itertools.combinations
    idx = np.array(list(gen(range(input.shape[0]), r)), dtype=np.int64).reshape(-1, r)
    if idx.size == 0:
        return input[np.zeros(0, dtype=np.int64)].reshape(0, r)
    return input[idx.reshape(-1)].reshape(idx.shape)


@register()
def cartesian_prod(*tensors) -> Tensor:
    """Cartesian product of 1-D tensors, one row per tuple: ``(n1 * n2 * ..., k)``; one tensor is returned as is.

    Examples:
        >>> import lucid
        >>> lucid.cartesian_prod(lucid.tensor([1, 2]), lucid.tensor([3, 4])).tolist()
        [[1, 3], [1, 4], [2, 3], [2, 4]]
    """
    ts = [to_tensor(t, "cartesian_prod") for t in tensors]
    if not ts:
        raise ValueError("cartesian_prod: expected at least one tensor")
    for t in ts:
        if t.ndim != 1:
            raise ValueError(f"cartesian_prod: expected 1-D tensors, got shape {tuple(t.shape)}")
    if len(ts) == 1:
        return ts[0]
    grids = _re.meshgrid(*ts, indexing="ij")
    return _sh.stack([_sh.reshape(g, (-1,)) for g in grids], 1)


@register(method=True)
def diag_embed(input: Tensor, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
    """Put the last dim of ``input`` on the ``offset`` diagonal of new ``(dim1, dim2)`` planes.

    The output has one dim more; the planes are ``n + |offset|`` square.

    Raises:
        ValueError: ``dim1`` and ``dim2`` are the same dim.

    Examples:
        >>> import lucid
        >>> lucid.diag_embed(lucid.tensor([1, 2]), offset=1).tolist()
        [[0, 1, 0], [0, 0, 2], [0, 0, 0]]
    """
    input = to_tensor(input, "diag_embed")
    offset = check_int(offset, "offset", "diag_embed")
    nd = input.ndim + 1
    d1, d2 = normalize_dim(dim1, nd, "diag_embed"), normalize_dim(dim2, nd, "diag_embed")
    if d1 == d2:
        raise ValueError(f"diag_embed: dim1 and dim2 must differ, got {dim1} and {dim2}")
    x = _sh._atleast(input, 1)
    n = x.shape[-1]
    eye = new_tensor(mx.eye(n, dtype=x._data.dtype), x.device)
    plane = _sh.unsqueeze(x, -1) * eye  # (..., n, n)
    a = abs(offset)
    # columns then rows: (left, right, top, bottom)
    plane = _re.pad(plane, (a, 0, 0, a) if offset > 0 else (0, a, a, 0)) if a else plane
    return _sh.moveaxis(plane, (-2, -1), (d1, d2))


__all__ = export(__name__)
