"""Rearranging ops: tile/repeat, repeat_interleave, roll, flip, pad, tril/triu, diag/diagonal, meshgrid, narrow.

Primitives: ``Tile``, ``Roll``, ``Flip``, ``ConstantPad``, ``Tri``,
``DiagEmbed``, ``Diagonal``; reflect/replicate/circular padding and
``repeat_interleave`` are compositions (with ``index_select``). Built on
``lucid.ops.shape``'s primitives; ``lucid.linalg.diagonal`` is this
module's ``diagonal`` with the last two dims as its default planes.
"""

from __future__ import annotations

import numbers

import mlx.core as mx
import numpy as np

from lucid._backend import checks, reductions
from lucid._backend.dtypes import INTEGER_MX
from lucid._tensor import Tensor
from lucid.autograd.function import Function
from lucid.ops._registry import export, register, register_method
from lucid.ops._util import check_int, check_sizes, normalize_dim, normalize_dims, reduce_axis_arg, to_tensor
from lucid.ops.indexing import IndexSelect
from lucid.ops.shape import BroadcastTo, Reshape


class Tile(Function):
    @staticmethod
    def forward(ctx, a, reps):
        nd = max(a.ndim, len(reps))
        reps = (1,) * (nd - len(reps)) + tuple(reps)
        ctx.meta = (a.shape, reps, (1,) * (nd - a.ndim) + tuple(a.shape))
        return mx.tile(a, reps)

    @staticmethod
    def backward(ctx, g):
        in_shape, reps, padded = ctx.meta
        # Output dim i is reps[i] copies of padded[i]: split it in two and sum the copies.
        split = [v for pair in zip(reps, padded) for v in pair]
        g = reductions.sum(mx.reshape(g, split), axis=tuple(range(0, 2 * len(reps), 2)))
        return mx.reshape(g, in_shape), None


class Roll(Function):
    @staticmethod
    def forward(ctx, a, shifts, axes):
        ctx.meta = (shifts, axes)
        return mx.roll(a, shifts, axes)

    @staticmethod
    def backward(ctx, g):
        shifts, axes = ctx.meta
        back = -shifts if isinstance(shifts, int) else tuple(-s for s in shifts)
        return mx.roll(g, back, axes), None, None


class Flip(Function):
    @staticmethod
    def forward(ctx, a, axes):
        key = tuple(slice(None, None, -1) if i in axes else slice(None) for i in range(a.ndim))
        ctx.key = key
        return a[key]

    @staticmethod
    def backward(ctx, g):
        return g[ctx.key], None


class ConstantPad(Function):
    @staticmethod
    def forward(ctx, a, widths, value):
        ctx.key = tuple(slice(lo, lo + n) for (lo, _), n in zip(widths, a.shape))
        return mx.pad(a, widths, constant_values=mx.array(value, dtype=a.dtype))

    @staticmethod
    def backward(ctx, g):
        return g[ctx.key], None, None


class Tri(Function):
    @staticmethod
    def forward(ctx, a, k, upper):
        ctx.meta = (k, upper)
        return mx.triu(a, k) if upper else mx.tril(a, k)

    @staticmethod
    def backward(ctx, g):
        k, upper = ctx.meta
        return (mx.triu(g, k) if upper else mx.tril(g, k)), None, None


class DiagEmbed(Function):
    @staticmethod
    def forward(ctx, a, k):
        ctx.k = k
        return mx.diag(a, k)

    @staticmethod
    def backward(ctx, g):
        return mx.diagonal(g, ctx.k), None


class Diagonal(Function):
    @staticmethod
    def forward(ctx, a, offset, dim1, dim2):
        ctx.meta = (a.shape, offset, dim1, dim2)
        return mx.diagonal(a, offset, dim1, dim2)

    @staticmethod
    def backward(ctx, g):
        shape, offset, d1, d2 = ctx.meta
        n1, n2 = shape[d1], shape[d2]
        r0 = max(-offset, 0)
        length = g.shape[-1]
        # Row i of the diagonal plane holds element i - r0 of the diagonal: pad, then mask the plane.
        pad = [(0, 0)] * (g.ndim - 1) + [(r0, n1 - r0 - length)]
        rows = mx.pad(g, pad) if length else mx.zeros(g.shape[:-1] + (n1,), dtype=g.dtype)
        plane = mx.expand_dims(rows, -1) * mx.eye(n1, n2, k=offset, dtype=g.dtype)
        rest = [i for i in range(len(shape)) if i not in (d1, d2)]
        current = rest + [d1, d2]
        perm = [current.index(i) for i in range(len(shape))]
        return mx.transpose(plane, perm), None, None, None


# -- repeating -------------------------------------------------------------------
@register(method=True)
def tile(input: Tensor, dims) -> Tensor:
    """Repeat the whole tensor ``dims[i]`` times along each dim (``dims`` shorter than ndim is left-padded with 1s).

    Examples:
        >>> import lucid
        >>> lucid.tile(lucid.tensor([1, 2]), (2, 2)).tolist()
        [[1, 2, 1, 2], [1, 2, 1, 2]]
    """
    if isinstance(dims, numbers.Integral):
        dims = (dims,)
    return Tile.apply(input, check_sizes((dims,), "tile"))


@register(method=True)
def repeat(input: Tensor, *sizes) -> Tensor:
    """PyTorch's ``Tensor.repeat``: tile the tensor; ``sizes`` needs at least ``ndim`` entries.

    Examples:
        >>> import lucid
        >>> lucid.tensor([1, 2]).repeat(2, 1).tolist()
        [[1, 2], [1, 2]]
    """
    sizes = check_sizes(sizes, "repeat")
    if len(sizes) < input._data.ndim:
        raise ValueError(f"repeat: got {len(sizes)} sizes for a tensor with {input.ndim} dims; "
                         "pass at least one size per dim")
    return Tile.apply(input, sizes)


@register(method=True)
def repeat_interleave(input: Tensor, repeats, dim=None, *, output_size=None, axis=None) -> Tensor:
    """Repeat each element ``repeats`` times along ``dim`` (the flattened tensor when ``dim`` is None).

    Args:
        input: the tensor.
        repeats: an int, or a 1-D integer tensor with one count per element along ``dim``.
        dim: the dim to repeat along; ``axis`` is the NumPy spelling.
        output_size: the total output length along ``dim``. With tensor
            ``repeats`` and no ``output_size`` the counts are read back to the
            host (a sync point: the output shape depends on the data). With
            it, nothing is read back: negative counts, or counts that do not
            sum to ``output_size``, raise ``ValueError`` at the next sync point.

    Examples:
        >>> import lucid
        >>> lucid.tensor([1, 2]).repeat_interleave(2).tolist()
        [1, 1, 2, 2]
        >>> lucid.tensor([1, 2]).repeat_interleave(lucid.tensor([1, 3])).tolist()
        [1, 2, 2, 2]
    """
    dim = reduce_axis_arg(axis, dim, "repeat_interleave")
    if dim is None:
        input, ax = Reshape.apply(input, (input._data.size,)), 0
    else:
        ax = normalize_dim(dim, input._data.ndim, "repeat_interleave")
        if input._data.ndim == 0:
            input = Reshape.apply(input, (1,))
    shape = tuple(input._data.shape)
    if isinstance(repeats, numbers.Integral) and not isinstance(repeats, bool):
        r = int(repeats)
        if r < 0:
            raise ValueError(f"repeat_interleave: repeats must be non-negative, got {r}")
        wide = Reshape.apply(input, shape[:ax + 1] + (1,) + shape[ax + 1:])
        wide = BroadcastTo.apply(wide, shape[:ax + 1] + (r,) + shape[ax + 1:])
        return Reshape.apply(wide, shape[:ax] + (shape[ax] * r,) + shape[ax + 1:])
    reps = to_tensor(repeats)._data
    if reps.ndim > 1 or reps.dtype not in INTEGER_MX - {mx.uint64}:
        raise TypeError(f"repeat_interleave: repeats must be an int or a 1-D integer tensor, got {reps.dtype} "
                        f"of shape {tuple(reps.shape)}")
    if reps.size not in (1, shape[ax]):
        raise ValueError(f"repeat_interleave: got {reps.size} repeats for a dim of size {shape[ax]}")
    reps = mx.broadcast_to(reps.reshape(-1), (shape[ax],))
    if output_size is None:
        checks.sync(reps)  # sync point: the output shape depends on the counts
        counts = np.array(reps)
        if counts.size and counts.min() < 0:
            raise ValueError(f"repeat_interleave: repeats must be non-negative, got {counts.min()}")
        idx = mx.array(np.repeat(np.arange(shape[ax]), counts))
        return IndexSelect.apply(input, idx, ax)
    size = int(output_size)
    if size and not shape[ax]:
        raise ValueError(f"repeat_interleave: cannot fill output_size={size} from an empty dim {ax}")
    # Output position j takes element #{i : cumsum(reps)[i] <= j}: lazy, no sync.
    ends = mx.cumsum(reps.astype(mx.int64))
    idx = reductions.sum(ends[None, :] <= mx.arange(size)[:, None], axis=1).astype(mx.int64)
    if shape[ax] and checks.index_checks_enabled():
        lo, total = mx.min(reps), ends[-1]
        checks.defer((lo < 0) | (total != size), lambda m, t: ValueError(
            f"repeat_interleave: repeats must be non-negative and sum to output_size={size}; "
            f"got a smallest count of {m} and a sum of {t}"), lo, total)
    if shape[ax]:
        idx = mx.minimum(idx, shape[ax] - 1)  # never past the end, whatever the counts
    return IndexSelect.apply(input, idx, ax)


# -- rearranging -----------------------------------------------------------------
@register(method=True)
def roll(input: Tensor, shifts, dims=None) -> Tensor:
    """Shift elements cyclically by ``shifts`` along ``dims`` (the flattened tensor when ``dims`` is None).

    Examples:
        >>> import lucid
        >>> lucid.roll(lucid.tensor([1, 2, 3]), 1).tolist()
        [3, 1, 2]
    """
    nd = input._data.ndim
    if dims is None:
        if not isinstance(shifts, numbers.Integral):
            if len(shifts) != 1:
                raise ValueError(f"roll: without dims, shifts must be one int, got {shifts!r}")
            shifts = shifts[0]
        return Roll.apply(input, int(shifts), None)
    single = isinstance(dims, numbers.Integral)
    axes = normalize_dims(dims, nd, "roll")
    sh = (shifts,) if isinstance(shifts, numbers.Integral) else tuple(shifts)
    if len(sh) != len(axes):
        raise ValueError(f"roll: shifts {shifts!r} and dims {dims!r} must have the same length")
    if single:
        return Roll.apply(input, int(sh[0]), axes[0])
    return Roll.apply(input, tuple(int(s) for s in sh), axes)


@register()
def flip(input: Tensor, dims) -> Tensor:
    """Reverse the order of elements along ``dims`` (an int or tuple).

    Examples:
        >>> import lucid
        >>> lucid.flip(lucid.tensor([[1, 2], [3, 4]]), 1).tolist()
        [[2, 1], [4, 3]]
    """
    return Flip.apply(input, normalize_dims(dims, input._data.ndim, "flip"))


_PAD_MODES = ("constant", "reflect", "replicate", "circular")


@register()
def pad(input: Tensor, pad, mode: str = "constant", value=None) -> Tensor:
    """Pad the last dims; ``pad`` lists ``(left, right)`` pairs starting from the last dim (PyTorch's order).

    Args:
        input: the tensor.
        pad: ``(last_left, last_right, second_last_left, second_last_right, ...)``;
            negative widths crop (constant mode only).
        mode: ``"constant"`` (fill with ``value``, default 0), ``"reflect"``
            (mirror without repeating the edge), ``"replicate"`` (repeat the edge)
            or ``"circular"`` (wrap around).
        value: the fill value for constant mode.

    Returns:
        Tensor: the padded tensor; differentiable in every mode.

    Examples:
        >>> import lucid
        >>> x = lucid.tensor([1.0, 2.0, 3.0])
        >>> lucid.pad(x, (1, 2)).tolist()
        [0.0, 1.0, 2.0, 3.0, 0.0, 0.0]
        >>> lucid.pad(x, (2, 1), mode="reflect").tolist()
        [3.0, 2.0, 1.0, 2.0, 3.0, 2.0]
    """
    if not isinstance(pad, (tuple, list)):
        raise TypeError(f"pad: pad must be a tuple of ints, got {type(pad).__name__}")
    for p in pad:
        if isinstance(p, bool) or not isinstance(p, numbers.Integral):
            raise TypeError(f"pad: widths must be ints, got {p!r} in {pad}")
    widths = tuple(int(p) for p in pad)
    shape = tuple(input._data.shape)
    if len(widths) % 2 or len(widths) // 2 > len(shape):
        raise ValueError(f"pad: expected an even number of widths, at most 2 per dim of shape {shape}, got {pad}")
    if mode not in _PAD_MODES:
        raise ValueError(f"pad: mode must be one of {_PAD_MODES}, got {mode!r}")
    k = len(widths) // 2
    per_dim = [(0, 0)] * (len(shape) - k) + [(widths[2 * i], widths[2 * i + 1]) for i in range(k - 1, -1, -1)]
    if mode == "constant":
        if any(lo < 0 or hi < 0 for lo, hi in per_dim):
            key = tuple(slice(max(-lo, 0), n - max(-hi, 0)) for (lo, hi), n in zip(per_dim, shape))
            input = input[key]
            per_dim = [(max(lo, 0), max(hi, 0)) for lo, hi in per_dim]
        value = 0 if value is None else value
        if isinstance(value, bool) or not isinstance(value, numbers.Number):
            raise TypeError(f"pad: value must be a number, got {type(value).__name__}")
        return ConstantPad.apply(input, per_dim, value)
    if value is not None:
        raise ValueError(f"pad: mode {mode!r} does not take a fill value")
    for d, ((lo, hi), n) in enumerate(zip(per_dim, shape)):
        if lo == hi == 0:
            continue
        if lo < 0 or hi < 0:
            raise ValueError(f"pad: negative widths are only supported in constant mode, got {pad}")
        if n == 0 or (mode == "reflect" and max(lo, hi) >= n) or (mode == "circular" and max(lo, hi) > n):
            raise ValueError(f"pad: {mode} padding of ({lo}, {hi}) is too large for dim {d} of size {n} "
                             f"in shape {shape}")
        pos = np.arange(-lo, n + hi)
        if mode == "reflect":
            pos = np.abs(pos)
            pos = np.where(pos >= n, 2 * (n - 1) - pos, pos)
        elif mode == "replicate":
            pos = np.clip(pos, 0, n - 1)
        else:
            pos = pos % n
        input = IndexSelect.apply(input, mx.array(pos.astype(np.int64)), d)  # host-made, always in range
    return input


# -- triangles and diagonals -----------------------------------------------------
def _need_2d(input: Tensor, op: str) -> None:
    if input._data.ndim < 2:
        raise ValueError(f"{op} expects a tensor with at least 2 dims, got shape {input.shape}")


@register(method=True)
def tril(input: Tensor, diagonal: int = 0) -> Tensor:
    """Keep the lower triangle (elements with ``col - row <= diagonal``) of the last two dims, zero the rest.

    Examples:
        >>> import lucid
        >>> lucid.tril(lucid.ones(2, 2)).tolist()
        [[1.0, 0.0], [1.0, 1.0]]
    """
    _need_2d(input, "tril")
    return Tri.apply(input, int(diagonal), False)


@register(method=True)
def triu(input: Tensor, diagonal: int = 0) -> Tensor:
    """Keep the upper triangle (elements with ``col - row >= diagonal``) of the last two dims, zero the rest.

    Examples:
        >>> import lucid
        >>> lucid.triu(lucid.ones(2, 2), 1).tolist()
        [[0.0, 1.0], [0.0, 0.0]]
    """
    _need_2d(input, "triu")
    return Tri.apply(input, int(diagonal), True)


@register(method=True)
def diagonal(input: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    """The diagonal of the planes ``(dim1, dim2)``, moved to the last dimension (a copy, not a view).

    Args:
        input: a tensor with at least 2 dimensions.
        offset: 0 for the main diagonal, > 0 above it, < 0 below it.
        dim1: the first dimension of the planes.
        dim2: the second dimension of the planes.

    Returns:
        Tensor: ``input`` without ``dim1`` and ``dim2``, plus a last dimension with the diagonal.

    Raises:
        ValueError: fewer than 2 dimensions, ``dim1 == dim2``, or a dimension out of range.

    Examples:
        >>> import lucid
        >>> x = lucid.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
        >>> lucid.diagonal(x).tolist(), lucid.diagonal(x, offset=1).tolist()
        ([1.0, 5.0], [2.0, 6.0])
    """
    input = to_tensor(input, "diagonal")
    _need_2d(input, "diagonal")
    nd = input._data.ndim
    d1, d2 = normalize_dim(dim1, nd, "diagonal"), normalize_dim(dim2, nd, "diagonal")
    if d1 == d2:
        raise ValueError(f"diagonal: dim1 and dim2 must differ, got {dim1} and {dim2}")
    return Diagonal.apply(input, check_int(offset, "offset", "diagonal"), d1, d2)


@register(method=True)
def diag(input: Tensor, diagonal: int = 0) -> Tensor:
    """A 1-D tensor becomes a square matrix with it on diagonal ``diagonal``; a 2-D tensor gives that diagonal.

    Examples:
        >>> import lucid
        >>> lucid.diag(lucid.tensor([1, 2])).tolist()
        [[1, 0], [0, 2]]
        >>> lucid.diag(lucid.tensor([[1, 2], [3, 4]]), 1).tolist()
        [2]
    """
    nd = input._data.ndim
    if nd == 1:
        return DiagEmbed.apply(input, int(diagonal))
    if nd == 2:
        return Diagonal.apply(input, int(diagonal), 0, 1)
    raise ValueError(f"diag expects a 1-D or 2-D tensor, got shape {input.shape}")


@register()
def meshgrid(*tensors, indexing: str = "ij") -> tuple:
    """Coordinate grids from 1-D tensors; ``indexing="xy"`` swaps the first two output dims (Cartesian).

    Examples:
        >>> import lucid
        >>> gx, gy = lucid.meshgrid(lucid.tensor([1, 2]), lucid.tensor([3, 4, 5]))
        >>> gx.shape, gy.tolist()
        ((2, 3), [[3, 4, 5], [3, 4, 5]])
    """
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if indexing not in ("ij", "xy"):
        raise ValueError(f"meshgrid: indexing must be 'ij' or 'xy', got {indexing!r}")
    ts = [to_tensor(x) for x in tensors]
    for x in ts:
        if x._data.ndim > 1:
            raise ValueError(f"meshgrid expects 0-d or 1-D tensors, got shape {x.shape}")
    sizes = [x._data.size for x in ts]
    pos = list(range(len(ts)))
    if indexing == "xy" and len(ts) >= 2:
        pos[0], pos[1] = 1, 0
        sizes[0], sizes[1] = sizes[1], sizes[0]
    out = []
    for x, p in zip(ts, pos):
        view_shape = [1] * len(ts)
        view_shape[p] = x._data.size
        out.append(BroadcastTo.apply(Reshape.apply(x, tuple(view_shape)), tuple(sizes)))
    return tuple(out)


@register(method=True)
def narrow(input: Tensor, dim: int | None = None, start: int | None = None, length: int | None = None, *,
           axis: int | None = None) -> Tensor:
    """Elements ``start`` .. ``start + length`` along ``dim``.

    ``dim``, ``start`` and ``length`` are required; ``axis`` is the NumPy spelling of ``dim``.

    Examples:
        >>> import lucid
        >>> lucid.arange(5).narrow(0, 1, 3).tolist()
        [1, 2, 3]
    """
    dim = reduce_axis_arg(axis, dim, "narrow", required=True)
    if start is None or length is None:
        raise TypeError("narrow: missing the required arguments start and length")
    shape = tuple(input._data.shape)
    ax = normalize_dim(dim, len(shape), "narrow")
    n = shape[ax]
    s = int(start) + (n if start < 0 else 0)
    if not 0 <= s <= n or length < 0 or s + length > n:
        raise IndexError(f"narrow: start {start} and length {length} are out of range for dim {dim} of size {n}")
    return input[(slice(None),) * ax + (slice(s, s + int(length)),)]


def _flip_method(self: Tensor, *args, dims=None) -> Tensor:
    return flip(self, (args[0] if len(args) == 1 else args) if dims is None else dims)


register_method("flip", _flip_method)

__all__ = export(__name__)
