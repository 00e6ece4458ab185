"""Indexing and selection: ``x[key]``, ``x[key] = v``, gather/scatter, masks, sorting, ``unique``.

Primitives: ``GetItem``, ``SetItem``, ``Gather``, ``Scatter``, ``IndexSelect``,
``MaskedFill`` and the non-differentiable ``Argsort``; ``take``, ``sort``,
``topk``, ``masked_select`` ... are composed from them. Backward rules scatter
gradients into zeros with ``array.at[...].add``, so repeated indices
accumulate.

Sync points (DESIGN.md section 2): a boolean mask index, ``nonzero``,
``argwhere``, ``masked_select`` and ``unique`` read values back to the host,
because their output shape depends on the data (as in PyTorch).

Index safety: ints, lists and NumPy arrays are checked at once and raise
``IndexError``. Integer indices given as Tensors stay lazy: they are clamped
into range before they reach MLX (so nothing outside a tensor is ever read or
written) and checked lazily, so an out-of-range one raises ``IndexError`` at
the next sync point (see :mod:`lucid.ops._index_guard`). As in PyTorch,
negative indices count from the end in ``x[index]``, ``take`` and
``take_along_dim``, and are out of range in ``gather``, ``scatter`` and
``index_select``.
"""

from __future__ import annotations

import collections
import numbers
import operator

import mlx.core as mx
import numpy as np

from lucid._backend import reductions
from lucid._backend.dtypes import INTEGER_MX
from lucid._tensor import Tensor, as_array
from lucid.autograd.function import Function
from lucid.autograd.grad_mode import is_grad_enabled
from lucid.ops._index_guard import safe_index, scatter_mask
from lucid.ops._registry import export, register, register_method
from lucid.ops._util import normalize_dim, reduce_axis_arg, unbroadcast

#: ``sort`` and ``topk`` return ``(values, indices)`` pairs with named fields, like PyTorch.
SortResult = collections.namedtuple("sort", ["values", "indices"])
TopKResult = collections.namedtuple("topk", ["values", "indices"])


# -- index keys ------------------------------------------------------------------
def _host_index(arr: np.ndarray, n: int, dim: int, op: str | None = None, negative: bool = True):
    """A host integer index array, range-checked at once against a dim of size ``n``."""
    lo = -n if negative else 0
    if arr.size and (arr.min() < lo or arr.max() >= n):
        bad = arr[(arr < lo) | (arr >= n)].flat[0]
        prefix = f"{op}: " if op else ""
        raise IndexError(f"{prefix}index {bad} is out of range for dim {dim} with size {n}")
    arr = arr.astype(np.int64)
    return mx.array(arr % n if negative and n and arr.size and arr.min() < 0 else arr)


def _guard(index, idx: mx.array, n: int, op: str, negative: bool, dim: int) -> mx.array:
    """``idx`` made safe for MLX: host-given indices are checked at once, tensor ones lazily."""
    if isinstance(index, (list, tuple, np.ndarray, numbers.Integral)):
        return _host_index(np.asarray(index, dtype=np.int64).reshape(idx.shape), n, dim, op, negative)
    return safe_index(idx, n, op, negative=negative, dim=dim)


def _normalize_key(key, shape: tuple) -> tuple:
    """Turn a user index into one MLX understands: ints, slices, None, Ellipsis and integer arrays.

    Ints and host arrays are checked against ``shape`` (``IndexError``);
    boolean masks become the integer arrays of their True positions (a sync
    point for masks held on the device). Returns ``(key, move)``: ``move`` is
    ``None`` or the permutation that turns the result of ``a[key]`` into
    PyTorch's layout (see ``_block_move``).
    """
    if type(key) is not tuple:
        key = (key,)
    if len(key) <= len(shape):
        # Fast path: only ints and plain slices, one per leading dim.
        for k, n in zip(key, shape):
            tk = type(k)
            if tk is int:
                if not -n <= k < n:
                    raise IndexError(f"index {k} is out of range for a dim of size {n}")
            elif tk is not slice or k.step == 0 or not _plain(k):
                break
        else:
            return key, None
    items = []
    used = 0
    for k in key:
        tk = type(k)
        if tk is int or tk is slice:
            items.append(("d", k))
            used += 1
        elif k is None or k is Ellipsis:
            items.append((None, k))
        elif isinstance(k, bool):
            raise NotImplementedError("indexing with a Python bool is not supported; use None to add a dim")
        elif isinstance(k, numbers.Integral):
            items.append(("d", int(k)))
            used += 1
        elif isinstance(k, (Tensor, mx.array)):
            arr = k._data if isinstance(k, Tensor) else k
            if arr.dtype == mx.bool_:
                if arr.ndim == 0:
                    raise NotImplementedError("indexing with a 0-d boolean mask is not supported")
                items.append(("mask", np.array(arr)))  # sync point: the output shape depends on the mask
                used += arr.ndim
            elif arr.dtype in INTEGER_MX:
                items.append(("t", arr))
                used += 1
            else:
                raise IndexError(f"tensors used as indices must be integer or bool, got {arr.dtype}")
        elif isinstance(k, (list, np.ndarray)):
            arr = np.asarray(k)
            if arr.dtype == np.bool_:
                if arr.ndim == 0:
                    raise NotImplementedError("indexing with a 0-d boolean mask is not supported")
                items.append(("mask", arr))
                used += arr.ndim
            elif arr.dtype.kind in "iu" or arr.size == 0:
                items.append(("host", arr.astype(np.int64)))
                used += 1
            else:
                raise IndexError(f"arrays used as indices must be integer or bool, got dtype {arr.dtype}")
        else:
            raise TypeError(f"invalid index of type {type(k).__name__}; expected an int, slice, None, ..., "
                            "a list, a NumPy array or an integer/bool Tensor")
    ndim = len(shape)
    if used > ndim:
        raise IndexError(f"too many indices for a tensor of dimension {ndim} (got {used})")
    out = []
    dim = 0
    seen_ellipsis = False
    for kind, k in items:
        if kind is None:
            if k is Ellipsis:
                if seen_ellipsis:
                    raise IndexError("an index can only have a single ellipsis ('...')")
                seen_ellipsis = True
                dim += ndim - used
            out.append(k)
        elif kind == "d":
            n = shape[dim]
            if type(k) is int:
                if not -n <= k < n:
                    raise IndexError(f"index {k} is out of range for dim {dim} with size {n}")
            elif type(k) is slice:
                k = _slice(k)
            out.append(k)
            dim += 1
        elif kind == "host":
            out.append(_host_index(k, shape[dim], dim))
            dim += 1
        elif kind == "t":
            out.append(safe_index(k, shape[dim], "indexing", negative=True, dim=dim))
            dim += 1
        else:
            if k.shape != tuple(shape[dim:dim + k.ndim]):
                raise IndexError(f"the boolean mask of shape {k.shape} does not match the indexed dims "
                                 f"{tuple(shape[dim:dim + k.ndim])} of the tensor's shape {tuple(shape)}")
            out.extend(mx.array(p.astype(np.int64)) for p in np.nonzero(k))
            dim += k.ndim
    move = None
    if any(isinstance(k, mx.array) for k in out):
        if any(type(k) is int for k in out):
            move = _block_move(out, ndim, used)
        # NumPy counts ints next to arrays as advanced indices; MLX's getitem does too but
        # its scatter (.at[]) does not, so make them 0-d arrays for both to agree.
        out = [mx.array(k) if type(k) is int else k for k in out]
    return tuple(out), move


def _block_move(out: list, ndim: int, used: int) -> tuple | None:
    """Where PyTorch puts the advanced-index dims when ints and index arrays are mixed.

    NumPy (and MLX) count an int next to index arrays as one more advanced
    index: ``x[0, :, idx, 1]`` has non-adjacent advanced indices, so their dims
    go first. PyTorch applies ints first, as basic indices, and only then looks
    at the arrays (``x[0, :, idx, 1]`` on ``(2, 3, 4, 5)`` gives ``(3, 2)``, not
    ``(2, 3)``). The key is indexed the NumPy way and the block of advanced
    dims then moved: returns the permutation from NumPy's layout to PyTorch's,
    or ``None`` when both agree.
    """
    kinds = []
    width = 0
    for k in out:
        if k is Ellipsis:
            kinds.extend("b" * (ndim - used))
        elif k is None or type(k) is slice:
            kinds.append("b")
        elif type(k) is int:
            kinds.append("i")
        else:
            kinds.append("a")
            width = max(width, k.ndim)

    def start(seq: list, adv: str) -> int:
        pos = [i for i, c in enumerate(seq) if c in adv]
        if pos[-1] - pos[0] + 1 != len(pos):
            return 0  # not adjacent: the advanced dims go first
        return sum(c == "b" for c in seq[:pos[0]])

    src = start(kinds, "ai")
    dst = start([c for c in kinds if c != "i"], "a")
    if src == dst:
        return None
    trailing = 0 if Ellipsis in out else ndim - used  # dims the key leaves out, kept at the end
    n_out = sum(c == "b" for c in kinds) + width + trailing
    block = list(range(src, src + width))
    rest = [d for d in range(n_out) if d not in block]
    return tuple(rest[:dst] + block + rest[dst:])


def _plain(s: slice) -> bool:
    return ((s.start is None or type(s.start) is int) and (s.stop is None or type(s.stop) is int)
            and (s.step is None or type(s.step) is int))


def _slice(s: slice) -> slice:
    if not _plain(s):
        s = slice(*(None if v is None else operator.index(v) for v in (s.start, s.stop, s.step)))
    if s.step == 0:
        raise ValueError("slice step cannot be zero")
    return s


def _index_array(index, op: str) -> mx.array:
    """An integer index as an ``mx.array`` (Tensors, lists, NumPy arrays, ints)."""
    if isinstance(index, Tensor):
        arr = index._data
    elif isinstance(index, mx.array):
        arr = index
    else:
        arr = as_array(index if not isinstance(index, list) or index else np.zeros(0, np.int64))
    if arr.dtype not in INTEGER_MX:
        raise TypeError(f"{op}: index must be an integer tensor, got {arr.dtype}")
    return arr


def _along_key(idx: mx.array, axis: int) -> tuple:
    """The advanced-index key that addresses ``idx`` positions along ``axis`` (and every position elsewhere)."""
    nd = idx.ndim
    key = []
    for d in range(nd):
        if d == axis:
            key.append(idx)
        else:
            shape = [1] * nd
            shape[d] = idx.shape[d]
            key.append(mx.reshape(mx.arange(idx.shape[d]), shape))
    return tuple(key)


def _scatter_add_into(shape: tuple, key, g: mx.array) -> mx.array:
    z = mx.zeros(shape, dtype=g.dtype)
    if g.size == 0 or z.size == 0:
        return z  # MLX's scatter rejects empty updates
    return z.at[key].add(g)


# -- primitives ------------------------------------------------------------------
class GetItem(Function):
    @staticmethod
    def forward(ctx, a, key):
        ctx.meta = (a.shape, key)
        return a[key]

    @staticmethod
    def backward(ctx, g):
        shape, key = ctx.meta
        return _scatter_add_into(shape, key, g), None


class SetItem(Function):
    @staticmethod
    def forward(ctx, a, v, key):
        ctx.meta = (key, v.shape)
        target = a[key].shape
        if v.ndim > len(target):
            # NumPy lets the value carry extra leading size-1 dims; MLX's setitem does not.
            extra = v.ndim - len(target)
            if any(n != 1 for n in v.shape[:extra]):
                raise ValueError(f"shape {tuple(v.shape)} does not broadcast to the indexed shape {tuple(target)}")
            v = mx.reshape(v, v.shape[extra:])
        if 0 in target:
            return mx.array(a)
        out = mx.array(a)  # a new array object: the one other Tensors hold is never mutated
        out[key] = v
        return out

    @staticmethod
    def backward(ctx, g):
        key, v_shape = ctx.meta
        na, nv = ctx.needs_input_grad[:2]
        ga = gv = None
        if na:
            ga = mx.array(g)
            if g[key].size:
                ga[key] = 0
        if nv:
            gk = g[key]
            extra = len(v_shape) - gk.ndim
            gv = unbroadcast(gk, v_shape[extra:] if extra > 0 else v_shape)
            gv = mx.reshape(gv, v_shape) if extra > 0 else gv
        return ga, gv, None


class Gather(Function):
    @staticmethod
    def forward(ctx, a, idx, axis):
        ctx.meta = (a.shape, idx, axis)
        # Only the leading part of the other dims is read (PyTorch's rule); take_along_axis wants them equal.
        if any(n != m for d, (n, m) in enumerate(zip(idx.shape, a.shape)) if d != axis):
            a = a[tuple(slice(None) if d == axis else slice(0, n) for d, n in enumerate(idx.shape))]
        return mx.take_along_axis(a, idx, axis)

    @staticmethod
    def backward(ctx, g):
        shape, idx, axis = ctx.meta
        if g.size == 0 or 0 in shape:
            return mx.zeros(shape, dtype=g.dtype), None, None
        # MLX's own vjp of take_along_axis is a scatter-add along one axis: measured 5x faster than a
        # scatter with a coordinate array for every axis (``_along_key``) at (512, 256) -> (512, 64).
        cropped = tuple(n if d == axis else idx.shape[d] for d, n in enumerate(shape))
        _, (ga,) = mx.vjp(lambda a: mx.take_along_axis(a, idx, axis), [mx.zeros(cropped, dtype=g.dtype)], [g])
        if cropped != tuple(shape):
            ga = mx.pad(ga, [(0, n - c) for n, c in zip(shape, cropped)])
        return ga, None, None


class Scatter(Function):
    @staticmethod
    def forward(ctx, a, src, idx, axis, reduce, mask=None):
        key = _along_key(idx, axis)
        src_shape = src.shape
        if src.shape != idx.shape:
            src = src[tuple(slice(0, n) for n in idx.shape)] if src.ndim else mx.broadcast_to(src, idx.shape)
        if mask is not None:
            src = mx.where(mask, src, mx.array(0 if reduce == "add" else 1, dtype=src.dtype))
        ctx.meta = (key, src_shape, reduce, mask)
        if src.size == 0:
            return mx.array(a)
        if reduce is None:
            out = mx.array(a)
            out[key] = src
            return out
        if reduce == "add":
            return a.at[key].add(src)
        ctx.save_for_backward(src)
        return a.at[key].multiply(src)

    @staticmethod
    def backward(ctx, g):
        key, src_shape, reduce, mask = ctx.meta
        na, ns = ctx.needs_input_grad[:2]
        ga = gs = None
        if na:
            if reduce is None:
                ga = mx.array(g)
                if g[key].size:
                    ga[key] = 0
            elif reduce == "add":
                ga = g
            else:
                (src,) = ctx.saved_tensors
                ga = g * mx.ones(g.shape, dtype=g.dtype).at[key].multiply(src)
        if ns:
            gk = g[key]
            if mask is not None:
                gk = mx.where(mask, gk, mx.zeros((), dtype=gk.dtype))
            if len(src_shape) == 0:
                gs = reductions.sum(gk)
            else:
                gs = mx.pad(gk, [(0, s - n) for s, n in zip(src_shape, gk.shape)])
        return ga, gs, None, None, None, None


class IndexSelect(Function):
    @staticmethod
    def forward(ctx, a, idx, axis):
        ctx.meta = (a.shape, idx, axis)
        return mx.take(a, idx, axis)

    @staticmethod
    def backward(ctx, g):
        shape, idx, axis = ctx.meta
        return _scatter_add_into(shape, (slice(None),) * axis + (idx,), g), None, None


class MaskedFill(Function):
    @staticmethod
    def forward(ctx, a, value, mask):
        ctx.meta = (mask, value.shape if isinstance(value, mx.array) else None, a.shape)
        v = value.astype(a.dtype) if isinstance(value, mx.array) else mx.array(value, dtype=a.dtype)
        return mx.where(mask, v, a)

    @staticmethod
    def backward(ctx, g):
        mask, v_shape, _ = ctx.meta
        na, nv = ctx.needs_input_grad[:2]
        zero = mx.zeros((), dtype=g.dtype)
        ga = mx.where(mask, zero, g) if na else None
        gv = mx.reshape(reductions.sum(mx.where(mask, g, zero)), v_shape) if nv else None
        return ga, gv, None


class Argsort(Function):
    differentiable = False

    @staticmethod
    def forward(ctx, a, axis, descending):
        if not descending:
            return mx.argsort(a, axis=axis).astype(mx.int64)
        # A stable descending order: sort the reversed array ascending, then reverse
        # back; equal elements keep their original order.
        rev = (slice(None),) * axis + (slice(None, None, -1),)
        p = mx.argsort(a[rev], axis=axis)[rev].astype(mx.int64)
        return (a.shape[axis] - 1) - p


# -- __getitem__ / __setitem__ ---------------------------------------------------
def _getitem(self: Tensor, key) -> Tensor:
    """``x[key]``: NumPy-style basic, advanced (integer) and boolean-mask indexing; differentiable.

    Ints, slices (any step, negative included), ``None`` and ``...`` select a
    view-like block; integer lists/arrays/Tensors pick elements (repeated
    indices accumulate their gradients); a boolean mask selects its True
    positions (a sync point: the output size depends on the mask). As in
    PyTorch (not NumPy), ints are basic indices even next to index arrays:
    they are applied first, so ``x[0, :, idx, 1]`` on a ``(2, 3, 4, 5)``
    tensor has shape ``(3, len(idx))``.

    Examples:
        >>> import lucid
        >>> lucid.zeros(2, 3, 4, 5)[0, :, [0, 2], 1].shape
        (3, 2)
        >>> x = lucid.tensor([[1, 2, 3], [4, 5, 6]])
        >>> x[1, ::-1].tolist(), x[:, [0, 0]].tolist(), x[lucid.tensor([False, True])].tolist()
        ([6, 5, 4], [[1, 1], [4, 4]], [[4, 5, 6]])
    """
    key, move = _normalize_key(key, self._data.shape)
    out = GetItem.apply(self, key)
    return out if move is None else out.permute(*move)


def _setitem(self: Tensor, key, value) -> None:
    """``x[key] = value``: in place (same Tensor object, version bumped); differentiable in ``x`` and ``value``.

    ``value`` is a number or a Tensor broadcastable to ``x[key]``; it is cast to ``x``'s dtype.

    Examples:
        >>> import lucid
        >>> x = lucid.zeros(3)
        >>> x[1:] = lucid.tensor([1.0, 2.0]); x.tolist()
        [0.0, 1.0, 2.0]
    """
    self._check_inplace()
    key, move = _normalize_key(key, self._data.shape)
    if isinstance(value, Tensor):
        if value._data.dtype != self._data.dtype:
            value = value.astype(self._data.dtype)
    else:
        value = as_array(value, self._data.dtype)
    if move is not None:
        value = _to_numpy_layout(value, self._data[key].shape, move)
    try:
        out = SetItem.apply(self, value, key)
    except ValueError as exc:
        raise ValueError(f"cannot assign a value of shape {tuple(value.shape)} to the indexed part of a "
                         f"tensor of shape {self.shape}: {exc}") from None
    self._bump(out)


def _to_numpy_layout(value, target: tuple, move: tuple):
    """``value`` broadcast to PyTorch's layout of the indexed part, then permuted to NumPy's (``target``)."""
    torch_shape = tuple(target[p] for p in move)
    extra = value.ndim - len(torch_shape)
    if extra > 0:
        if any(n != 1 for n in value.shape[:extra]):
            raise ValueError(f"cannot assign a value of shape {tuple(value.shape)} to the indexed part of "
                             f"shape {torch_shape}")
        value = value.reshape(tuple(value.shape[extra:]))
    inverse = [0] * len(move)
    for i, p in enumerate(move):
        inverse[p] = i
    if isinstance(value, Tensor):
        return value.broadcast_to(torch_shape).permute(*inverse)
    return mx.transpose(mx.broadcast_to(value, torch_shape), inverse)


# -- gather / scatter ------------------------------------------------------------
def _gather_args(input: Tensor, dim, index, op: str):
    ax = normalize_dim(dim, input._data.ndim, op)
    idx = _index_array(index, op)
    shape = tuple(input._data.shape)
    if idx.ndim != len(shape):
        raise ValueError(f"{op}: index must have as many dims as input ({len(shape)}), got shape {tuple(idx.shape)}")
    for d, (n, m) in enumerate(zip(idx.shape, shape)):
        if d != ax and n > m:
            raise ValueError(f"{op}: index shape {tuple(idx.shape)} is larger than input shape {shape} in dim {d}")
    return ax, idx, _guard(index, idx, shape[ax] if shape else 1, op, False, ax)


@register(method=True)
def gather(input: Tensor, dim: int | None = None, index=None, *, axis: int | None = None) -> Tensor:
    """Pick values along ``dim``: ``out[i][j] = input[index[i][j]][j]`` for ``dim=0`` (PyTorch's ``gather``).

    Args:
        input: the tensor.
        dim: the dim to index along (required; ``axis`` is the NumPy spelling).
        index: integer tensor with the same number of dims as ``input``; its
            other dims may be smaller than ``input``'s (required).

    Returns:
        Tensor: shaped like ``index``; differentiable in ``input`` (repeated indices accumulate).

    Examples:
        >>> import lucid
        >>> lucid.gather(lucid.tensor([[1, 2], [3, 4]]), 1, lucid.tensor([[1], [0]])).tolist()
        [[2], [3]]
    """
    dim = reduce_axis_arg(axis, dim, "gather", required=True)
    if index is None:
        raise TypeError("gather: missing the required argument index")
    ax, _, idx = _gather_args(input, dim, index, "gather")
    return Gather.apply(input, idx, ax)


_REDUCE = {None: None, "add": "add", "sum": "add", "multiply": "multiply", "prod": "multiply"}


@register(method=True)
def scatter(input: Tensor, dim: int | None = None, index=None, src=None, value=None, *, reduce=None,
            axis: int | None = None) -> Tensor:
    """Write ``src`` (or the number ``value``) into a copy of ``input`` at ``index`` along ``dim``.

    For ``dim=0``: ``out[index[i][j]][j] = src[i][j]``; with ``reduce="add"``
    (or ``"multiply"``) the values are added to (multiplied into) the existing ones.

    Args:
        input: the tensor.
        dim: the dim ``index`` addresses (required; ``axis`` is the NumPy spelling).
        index: integer tensor with as many dims as ``input`` (required).
        src: a Tensor at least as large as ``index``, or a number.
        value: a number to write instead of ``src``.
        reduce: ``None``, ``"add"``/``"sum"`` or ``"multiply"``/``"prod"``.

    # NOTE: with reduce=None and repeated indices, which value is written is unspecified (as in PyTorch).

    Examples:
        >>> import lucid
        >>> lucid.scatter(lucid.zeros(2, 3), 1, lucid.tensor([[2], [0]]), 5.0).tolist()
        [[0.0, 0.0, 5.0], [5.0, 0.0, 0.0]]
    """
    dim = reduce_axis_arg(axis, dim, "scatter", required=True)
    if index is None:
        raise TypeError("scatter: missing the required argument index")
    return _scatter(input, dim, index, src, value, reduce, "scatter")


def _scatter(input: Tensor, dim, index, src, value, reduce, op: str) -> Tensor:
    if reduce not in _REDUCE:
        raise ValueError(f"{op}: reduce must be None, 'add' or 'multiply', got {reduce!r}")
    ax, raw, idx = _gather_args(input, dim, index, op)
    src = value if src is None else src
    if src is None:
        raise TypeError(f"{op}: pass src (a Tensor) or value (a number)")
    if isinstance(src, Tensor):
        if tuple(src.shape) and (src.ndim != idx.ndim or any(s < n for s, n in zip(src.shape, idx.shape))):
            raise ValueError(f"{op}: src of shape {src.shape} must be at least as large as index {tuple(idx.shape)}")
        if src._data.dtype != input._data.dtype:
            src = src.astype(input._data.dtype)
        if _REDUCE[reduce] == "multiply" and src.requires_grad and is_grad_enabled():
            raise NotImplementedError(f"{op} with reduce='multiply' is not differentiable in src")
    else:
        src = as_array(src, input._data.dtype)
    reduce = _REDUCE[reduce]
    # A clamped bad index must not change a valid slot: its update becomes a no-op (+0, *1).
    # NOTE: with reduce=None a clamped bad index still overwrites the slot it was clamped to.
    mask = None
    if reduce is not None and raw.size and not isinstance(index, (list, tuple, np.ndarray)):
        mask = scatter_mask(raw, input.shape[ax] if input.ndim else 1)
    return Scatter.apply(input, src, idx, ax, reduce, mask)


@register(method=True)
def scatter_add(input: Tensor, dim: int | None = None, index=None, src=None, *, axis: int | None = None) -> Tensor:
    """Add ``src`` into a copy of ``input`` at ``index`` along ``dim``; repeated indices accumulate.

    ``dim``, ``index`` and ``src`` are required; ``axis`` is the NumPy spelling of ``dim``.

    Examples:
        >>> import lucid
        >>> lucid.scatter_add(lucid.zeros(3), 0, lucid.tensor([0, 0, 2]), lucid.ones(3)).tolist()
        [2.0, 0.0, 1.0]
    """
    dim = reduce_axis_arg(axis, dim, "scatter_add", required=True)
    if index is None or src is None:
        raise TypeError("scatter_add: missing the required arguments index and src")
    return _scatter(input, dim, index, src, None, "add", "scatter_add")


@register(method=True)
def index_select(input: Tensor, dim: int | None = None, index=None, *, axis: int | None = None) -> Tensor:
    """Pick the entries ``index`` (1-D integers) along ``dim``.

    ``dim`` and ``index`` are required; ``axis`` is the NumPy spelling of ``dim``.

    Examples:
        >>> import lucid
        >>> lucid.index_select(lucid.tensor([[1, 2], [3, 4]]), 1, lucid.tensor([1, 1])).tolist()
        [[2, 2], [4, 4]]
    """
    dim = reduce_axis_arg(axis, dim, "index_select", required=True)
    if index is None:
        raise TypeError("index_select: missing the required argument index")
    ax = normalize_dim(dim, input._data.ndim, "index_select")
    n = input.shape[ax] if input.ndim else 1
    if isinstance(index, (list, np.ndarray)):
        arr = np.asarray(index)
        if arr.dtype.kind not in "iu" and arr.size:
            raise TypeError(f"index_select: index must hold integers, got dtype {arr.dtype}")
        if arr.ndim > 1:
            raise ValueError(f"index_select: index must be 0-d or 1-D, got shape {arr.shape}")
        idx = _host_index(arr.reshape(-1), n, ax, "index_select", negative=False)
    else:
        idx = _index_array(index, "index_select")
        if idx.ndim > 1:
            raise ValueError(f"index_select: index must be 0-d or 1-D, got shape {tuple(idx.shape)}")
        idx = safe_index(idx, n, "index_select", dim=ax)
    if input._data.ndim == 0:
        return GetItem.apply(input, (mx.zeros(idx.shape, dtype=mx.int64),))
    return IndexSelect.apply(input, idx.reshape(-1), ax)


@register(method=True)
def take(input: Tensor, index) -> Tensor:
    """Index the flattened ``input`` with ``index`` (any shape; negative indices count from the end).

    Examples:
        >>> import lucid
        >>> lucid.take(lucid.tensor([[1, 2], [3, 4]]), lucid.tensor([[0, 3]])).tolist()
        [[1, 4]]
    """
    flat = input.reshape(-1)
    if isinstance(index, (list, np.ndarray)):
        return flat[np.asarray(index, dtype=np.int64)]
    return GetItem.apply(flat, (safe_index(_index_array(index, "take"), flat._data.size, "take", negative=True),))


@register(method=True)
def take_along_dim(input: Tensor, indices, dim=None, *, axis=None) -> Tensor:
    """``gather`` with broadcasting of ``input`` and ``indices`` (flattened when ``dim`` is None).

    ``axis`` is the NumPy spelling of ``dim`` (``take_along_axis``).

    Examples:
        >>> import lucid
        >>> x = lucid.tensor([[3, 1], [2, 4]])
        >>> lucid.take_along_dim(x, x.argsort(dim=1), dim=1).tolist()
        [[1, 3], [2, 4]]
    """
    idx = _index_array(indices, "take_along_dim")
    dim = reduce_axis_arg(axis, dim, "take_along_dim")
    if dim is None:
        return Gather.apply(input.reshape(-1), _guard(indices, idx.reshape(-1), input._data.size,
                                                      "take_along_dim", True, 0), 0)
    ax = normalize_dim(dim, input._data.ndim, "take_along_dim")
    shape = tuple(input._data.shape)
    if idx.ndim != len(shape):
        raise ValueError(f"take_along_dim: indices must have {len(shape)} dims, got shape {tuple(idx.shape)}")
    if all(n == m for d, (n, m) in enumerate(zip(idx.shape, shape)) if d != ax):
        # Same shape off ``dim``: nothing to broadcast.
        return Gather.apply(input, _guard(indices, idx, shape[ax], "take_along_dim", True, ax), ax)
    try:
        common = list(np.broadcast_shapes(shape[:ax] + (1,) + shape[ax + 1:],
                                          tuple(idx.shape[:ax]) + (1,) + tuple(idx.shape[ax + 1:])))
    except ValueError:
        raise ValueError(f"take_along_dim: input {shape} and indices {tuple(idx.shape)} do not broadcast") from None
    common[ax] = shape[ax]
    x = input.expand(tuple(common)) if tuple(common) != shape else input
    common[ax] = idx.shape[ax]
    idx = _guard(indices, idx, shape[ax], "take_along_dim", True, ax)
    return Gather.apply(x, mx.broadcast_to(idx, tuple(common)), ax)


# -- masks -----------------------------------------------------------------------
def _mask_array(mask, op: str) -> mx.array:
    arr = mask._data if isinstance(mask, Tensor) else as_array(mask)
    if arr.dtype != mx.bool_:
        raise TypeError(f"{op}: mask must be a bool tensor, got {arr.dtype}")
    return arr


@register(method=True)
def masked_fill(input: Tensor, mask, value) -> Tensor:
    """Replace elements where ``mask`` (broadcast to ``input``'s shape) is True with ``value``.

    Args:
        input: the tensor.
        mask: a bool tensor broadcastable to ``input``.
        value: a number or a 0-d Tensor (then differentiable in it too).

    Examples:
        >>> import lucid
        >>> x = lucid.tensor([1.0, 2.0, 3.0])
        >>> x.masked_fill(lucid.tensor([True, False, True]), 0.0).tolist()
        [0.0, 2.0, 0.0]
    """
    m = _mask_array(mask, "masked_fill")
    shape = tuple(input._data.shape)
    try:
        ok = np.broadcast_shapes(tuple(m.shape), shape) == shape
    except ValueError:
        ok = False
    if not ok:
        raise ValueError(f"masked_fill: mask of shape {tuple(m.shape)} does not broadcast to the input's shape {shape}")
    if isinstance(value, Tensor):
        if value.numel() != 1:
            raise ValueError(f"masked_fill: value must be a number or a one-element tensor, got shape {value.shape}")
        value = value.astype(input._data.dtype).reshape(())
    elif isinstance(value, bool) or not isinstance(value, numbers.Number):
        raise TypeError(f"masked_fill: value must be a number or a Tensor, got {type(value).__name__}")
    return MaskedFill.apply(input, value, m)


@register(method=True)
def masked_select(input: Tensor, mask) -> Tensor:
    """The elements of ``input`` where ``mask`` is True, as a 1-D tensor (a sync point: data-dependent size).

    Examples:
        >>> import lucid
        >>> lucid.masked_select(lucid.tensor([[1, 2], [3, 4]]), lucid.tensor([True, False])).tolist()
        [1, 3]
    """
    m = Tensor._make(_mask_array(mask, "masked_select"), input._device)
    shape = tuple(np.broadcast_shapes(tuple(input.shape), tuple(m.shape)))
    x = input.expand(shape) if tuple(input.shape) != shape else input
    return x[mx.broadcast_to(m._data, shape)]


@register(method=True)
def nonzero(input: Tensor, *, as_tuple: bool = False):
    """Indices of the non-zero elements: an ``(n, ndim)`` int64 tensor, or one 1-D tensor per dim.

    A sync point: the number of non-zeros is read back to the host.

    Examples:
        >>> import lucid
        >>> lucid.nonzero(lucid.tensor([[0, 1], [2, 0]])).tolist()
        [[0, 1], [1, 0]]
    """
    arr = input.numpy()  # sync point: the output shape depends on the data
    dev = input.device
    if arr.ndim == 0:
        found = np.nonzero(arr.reshape(1))[0]
        if as_tuple:
            return (Tensor._make(mx.zeros((found.size,), dtype=mx.int64), dev),)
        return Tensor._make(mx.zeros((found.size, 0), dtype=mx.int64), dev)
    idx = np.nonzero(arr)
    if as_tuple:
        return tuple(Tensor._make(mx.array(i.astype(np.int64)), dev) for i in idx)
    return Tensor._make(mx.array(np.stack(idx, axis=1).astype(np.int64)), dev)


@register(method=True)
def argwhere(input: Tensor) -> Tensor:
    """``nonzero(input)``: an ``(n, ndim)`` tensor of the non-zero positions (a sync point).

    Examples:
        >>> import lucid
        >>> lucid.argwhere(lucid.tensor([0, 3, 0, 4])).tolist()
        [[1], [3]]
    """
    return nonzero(input)


# -- sorting ---------------------------------------------------------------------
@register(method=True)
def argsort(input: Tensor, dim: int | None = None, descending: bool = False, stable: bool = False, *,
            axis: int | None = None) -> Tensor:
    """Indices (int64) that sort ``input`` along ``dim`` (default -1; ``axis`` is the NumPy spelling).

    # NOTE: the sort is always stable: equal elements keep their order in both directions; NaN sorts as largest.

    Examples:
        >>> import lucid
        >>> lucid.argsort(lucid.tensor([3.0, 1.0, 2.0]), descending=True).tolist()
        [0, 2, 1]
    """
    dim = reduce_axis_arg(axis, dim, "argsort", -1)
    ax = normalize_dim(dim, input._data.ndim, "argsort")
    if input._data.ndim == 0:
        return Tensor._make(mx.zeros((), dtype=mx.int64), input._device)
    return Argsort.apply(input, ax, bool(descending))


@register(method=True)
def sort(input: Tensor, dim: int | None = None, descending: bool = False, stable: bool = False, *,
         axis: int | None = None):
    """Sort along ``dim`` (default -1; NumPy's ``axis``); returns ``(values, indices)`` (indices int64).

    Examples:
        >>> import lucid
        >>> values, indices = lucid.sort(lucid.tensor([3.0, 1.0, 2.0]))
        >>> values.tolist(), indices.tolist()
        ([1.0, 2.0, 3.0], [1, 2, 0])
    """
    dim = reduce_axis_arg(axis, dim, "sort", -1)
    idx = argsort(input, dim, descending)
    if input._data.ndim == 0:
        return SortResult(input.clone(), idx)
    return SortResult(Gather.apply(input, idx._data, normalize_dim(dim, input.ndim, "sort")), idx)


@register(method=True)
def topk(input: Tensor, k: int, dim: int | None = None, largest: bool = True, sorted: bool = True, *,
         axis: int | None = None):
    """The ``k`` largest (or smallest) entries along ``dim`` (default -1; NumPy's ``axis``): ``(values, indices)``.

    Examples:
        >>> import lucid
        >>> values, indices = lucid.topk(lucid.tensor([1.0, 5.0, 3.0]), 2)
        >>> values.tolist(), indices.tolist()
        ([5.0, 3.0], [1, 2])
    """
    dim = reduce_axis_arg(axis, dim, "topk", -1)
    ax = normalize_dim(dim, input._data.ndim, "topk")
    n = input.shape[ax] if input._data.ndim else 1
    if isinstance(k, bool) or not isinstance(k, numbers.Integral) or not 0 <= k <= n:
        raise ValueError(f"topk: k must be an int in [0, {n}], got {k!r}")
    if input._data.ndim == 0:
        values, indices = topk(input.reshape(1), k, 0, largest, sorted)
        return TopKResult(values.reshape(()), indices.reshape(())) if k else TopKResult(values, indices)
    idx = Argsort.apply(input, ax, bool(largest))._data
    idx = idx[(slice(None),) * ax + (slice(0, int(k)),)]
    return TopKResult(Gather.apply(input, idx, ax), Tensor._make(idx, input._device))


@register(method=True)
def unique(input: Tensor, sorted: bool = True, return_inverse: bool = False, return_counts: bool = False,
           dim=None, *, axis=None):
    """The distinct values (sorted), optionally with the inverse indices and the counts.

    A sync point: the values are read back to the host (the output size depends on them).

    Args:
        input: the tensor.
        sorted: the result is always sorted (accepted for PyTorch compatibility).
        return_inverse: also return, for each input element, its index in the output.
        return_counts: also return how often each distinct value occurs.
        dim: find unique slices along this dim instead of unique elements; ``axis`` is the NumPy spelling.

    Examples:
        >>> import lucid
        >>> values, counts = lucid.unique(lucid.tensor([3, 1, 3, 2]), return_counts=True)
        >>> values.tolist(), counts.tolist()
        ([1, 2, 3], [1, 1, 2])
    """
    dim = reduce_axis_arg(axis, dim, "unique")
    arr = input.numpy()  # sync point: the output shape depends on the data
    ax = None if dim is None else normalize_dim(dim, arr.ndim, "unique")
    vals, inv, counts = np.unique(arr, return_inverse=True, return_counts=True, axis=ax)
    dev, dt = input.device, input._data.dtype
    out = [Tensor._make(mx.array(vals).astype(dt), dev)]
    if return_inverse:
        inv = inv.reshape(arr.shape) if ax is None else inv.reshape(-1)
        out.append(Tensor._make(mx.array(inv.astype(np.int64)), dev))
    if return_counts:
        out.append(Tensor._make(mx.array(counts.astype(np.int64)), dev))
    return out[0] if len(out) == 1 else tuple(out)


# -- in-place forms --------------------------------------------------------------
def _inplace(op):
    def method(self: Tensor, *args, **kwargs) -> Tensor:
        self._check_inplace()
        return self._bump(op(self, *args, **kwargs))

    method.__name__ = op.__name__ + "_"
    method.__wrapped__ = op  # inspect.signature (help(), the Tensor stub) shows the op's parameters
    method.__doc__ = f"In-place form of ``{op.__name__}``: updates ``self``, bumps its version, returns it."
    return method


register_method("__getitem__", _getitem)
register_method("__setitem__", _setitem)
for _op in (scatter, scatter_add, masked_fill):
    register_method(_op.__name__ + "_", _inplace(_op), __name__)
del _op

__all__ = export(__name__)
