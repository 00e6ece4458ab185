"""Shape ops: reshape, squeeze, broadcast, transpose/permute, join and split, clone.

Primitives (one ``Function`` each): ``Reshape``, ``Permute``, ``BroadcastTo``,
``Concatenate``, ``Stack``, ``Split``, ``Unbind``, ``Clone``; ``flatten``,
``squeeze``, ``expand``, ``hstack`` ... are compositions. The rearranging ops
(``tile``, ``roll``, ``flip``, ``pad``, ``tril``, ``diag``, ``meshgrid`` ...) live
in ``lucid.ops.rearrange``, which builds on this module.

# NOTE: Lucid has no views: ``view``/``reshape``/``transpose`` return new
# tensors that never alias their input's storage, so an in-place change of one
# never shows up in the other (PyTorch's views would).
"""

from __future__ import annotations

import numbers

import mlx.core as mx
import numpy as np

from lucid._backend import layout
from lucid._tensor import Tensor
from lucid.autograd.function import Function
from lucid.ops._registry import export, register, register_method
from lucid.ops._util import (
    check_int,
    check_sizes,
    function_class,
    linear_rule,
    normalize_dim,
    normalize_dims,
    numel,
    operand,
    reduce_axis_arg,
    to_tensor,
    unbroadcast,
)


# -- argument helpers ----------------------------------------------------------
def _infer_shape(shape: tuple, count: int, in_shape: tuple, op: str) -> tuple:
    """Fill a single ``-1`` and check the element count."""
    if shape.count(-1) > 1:
        raise ValueError(f"{op}: only one dimension can be -1, got shape {shape}")
    if -1 in shape:
        rest = numel(tuple(s for s in shape if s != -1))
        if rest == 0 or count % rest:
            raise ValueError(f"{op}: cannot reshape a tensor of shape {in_shape} ({count} elements) "
                             f"into shape {shape}")
        shape = tuple(count // rest if s == -1 else s for s in shape)
    if numel(shape) != count:
        raise ValueError(f"{op}: cannot reshape a tensor of shape {in_shape} ({count} elements) into shape "
                         f"{shape} ({numel(shape)} elements)")
    return shape


# -- primitives ----------------------------------------------------------------
def _shape_rule(name: str, forward, back) -> type:
    """The Function of ``forward(a, shape)`` whose gradient ``back(g, a.shape)`` returns to the input's shape."""
    def fwd(ctx, a, shape):
        ctx.in_shape = a.shape
        return forward(a, shape)

    def bwd(ctx, g):
        return back(g, ctx.in_shape), None

    return function_class(name, fwd, bwd, module=__name__)


Reshape = _shape_rule("Reshape", mx.reshape, mx.reshape)
BroadcastTo = _shape_rule("BroadcastTo", mx.broadcast_to, unbroadcast)


class Permute(Function):
    @staticmethod
    def forward(ctx, a, axes):
        ctx.axes = axes
        return mx.transpose(a, axes)

    @staticmethod
    def backward(ctx, g):
        inv = [0] * len(ctx.axes)
        for i, ax in enumerate(ctx.axes):
            inv[ax] = i
        return mx.transpose(g, inv), None


class Concatenate(Function):
    @staticmethod
    def forward(ctx, *arrays, axis):
        ctx.axis = axis
        ctx.metas = [(a.shape[axis], a.dtype) for a in arrays]
        return layout.concatenate(arrays, axis)  # channels-last activations stay channels-last

    @staticmethod
    def backward(ctx, g):
        cuts, pos = [], 0
        for n, _ in ctx.metas[:-1]:
            pos += n
            cuts.append(pos)
        pieces = mx.split(g, cuts, axis=ctx.axis) if cuts else [g]
        return tuple(p.astype(dt) if need and p.dtype != dt else (p if need else None)
                     for p, (_, dt), need in zip(pieces, ctx.metas, ctx.needs_input_grad))


class Stack(Function):
    @staticmethod
    def forward(ctx, *arrays, axis):
        ctx.axis = axis
        ctx.dtypes = [a.dtype for a in arrays]
        return mx.stack(arrays, axis=axis)

    @staticmethod
    def backward(ctx, g):
        lead = (slice(None),) * ctx.axis
        return tuple((g[lead + (i,)] if g.dtype == dt else g[lead + (i,)].astype(dt)) if need else None
                     for i, (dt, need) in enumerate(zip(ctx.dtypes, ctx.needs_input_grad)))


class Split(Function):
    @staticmethod
    def forward(ctx, a, cuts, axis):
        ctx.axis = axis
        return tuple(mx.split(a, cuts, axis=axis)) if cuts else (a[...],)

    @staticmethod
    def backward(ctx, *grads):
        return mx.concatenate(grads, axis=ctx.axis), None, None


class Unbind(Function):
    @staticmethod
    def forward(ctx, a, axis):
        ctx.axis = axis
        lead = (slice(None),) * axis
        return tuple(a[lead + (i,)] for i in range(a.shape[axis]))

    @staticmethod
    def backward(ctx, *grads):
        return mx.stack(grads, axis=ctx.axis), None


# A distinct array object, so version checks never confuse the copy with its source.
Clone = linear_rule("Clone", mx.array, lambda g: g, module=__name__)


# -- reshaping -----------------------------------------------------------------
@register(method=True)
def reshape(input: Tensor, *shape) -> Tensor:
    """Return the values of ``input`` with a new shape (one size may be ``-1``).

    Args:
        input: the tensor.
        *shape: the new shape, as ints (``x.reshape(2, 3)``) or one tuple (``x.reshape((2, 3))``).

    Returns:
        Tensor: same values in row-major order; differentiable.

    Raises:
        ValueError: if the element counts differ (the message gives both shapes).

    Examples:
        >>> import lucid
        >>> lucid.arange(6).reshape(2, -1).tolist()
        [[0, 1, 2], [3, 4, 5]]
    """
    in_shape = tuple(input._data.shape)
    shape = _infer_shape(check_sizes(shape, "reshape", True), input._data.size, in_shape, "reshape")
    return Reshape.apply(input, shape)


@register(method=True)
def view(input: Tensor, *shape) -> Tensor:
    """Same as :func:`reshape`: Lucid tensors never share storage, so there is no separate view type.

    Examples:
        >>> import lucid
        >>> lucid.zeros(2, 3).view(-1).shape
        (6,)
    """
    return reshape(input, *shape)


@register(method=True)
def flatten(input: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Merge dims ``start_dim`` .. ``end_dim`` (inclusive) into one; a 0-d tensor becomes shape ``(1,)``.

    Examples:
        >>> import lucid
        >>> lucid.zeros(2, 3, 4).flatten(1).shape
        (2, 12)
    """
    shape = tuple(input._data.shape)
    if not shape:
        return Reshape.apply(input, (1,))
    s, e = normalize_dim(start_dim, len(shape), "flatten"), normalize_dim(end_dim, len(shape), "flatten")
    if s > e:
        raise ValueError(f"flatten: start_dim ({start_dim}) must not come after end_dim ({end_dim})")
    return Reshape.apply(input, shape[:s] + (numel(shape[s:e + 1]),) + shape[e + 1:])


@register(method=True)
def ravel(input: Tensor) -> Tensor:
    """Flatten to 1-D.

    Examples:
        >>> import lucid
        >>> lucid.ones(2, 2).ravel().shape
        (4,)
    """
    return Reshape.apply(input, (input._data.size,))


@register(method=True)
def unflatten(input: Tensor, dim: int | None = None, sizes=None, *, axis: int | None = None) -> Tensor:
    """Split dim ``dim`` into ``sizes`` (one entry may be ``-1``); the inverse of :func:`flatten`.

    ``dim`` and ``sizes`` are required; ``axis`` is the NumPy spelling of ``dim``.

    Examples:
        >>> import lucid
        >>> lucid.zeros(2, 12).unflatten(1, (3, -1)).shape
        (2, 3, 4)
    """
    dim = reduce_axis_arg(axis, dim, "unflatten", required=True)
    if sizes is None:
        raise TypeError("unflatten: missing the required argument sizes")
    shape = tuple(input._data.shape)
    d = normalize_dim(dim, len(shape), "unflatten")
    sizes = _infer_shape(check_sizes((sizes,), "unflatten", True), shape[d] if shape else 1,
                         (shape[d],) if shape else (), "unflatten")
    return Reshape.apply(input, shape[:d] + sizes + shape[d + 1:])


@register(method=True)
def squeeze(input: Tensor, dim=None, *, axis=None) -> Tensor:
    """Remove size-1 dims: all of them, or only those in ``dim`` (an int or tuple; NumPy's ``axis``).

    # NOTE: naming a dim whose size is not 1 is a no-op, as in PyTorch.

    Examples:
        >>> import lucid
        >>> lucid.zeros(1, 3, 1).squeeze().shape, lucid.zeros(1, 3, 1).squeeze(-1).shape
        ((3,), (1, 3))
    """
    shape = tuple(input._data.shape)
    dim = reduce_axis_arg(axis, dim, "squeeze")
    if dim is None:
        dims = range(len(shape))
    else:
        dims = normalize_dims(dim, len(shape), "squeeze")
    drop = {d for d in dims if shape and shape[d] == 1}
    return Reshape.apply(input, tuple(s for i, s in enumerate(shape) if i not in drop))


@register(method=True)
def unsqueeze(input: Tensor, dim: int | None = None, *, axis: int | None = None) -> Tensor:
    """Insert a size-1 dim at position ``dim`` (``-1`` appends); ``axis`` is the NumPy spelling.

    Examples:
        >>> import lucid
        >>> lucid.zeros(3).unsqueeze(0).shape, lucid.zeros(3).unsqueeze(-1).shape
        ((1, 3), (3, 1))
    """
    dim = reduce_axis_arg(axis, dim, "unsqueeze", required=True)
    shape = tuple(input._data.shape)
    d = normalize_dim(dim, len(shape) + 1, "unsqueeze")
    return Reshape.apply(input, shape[:d] + (1,) + shape[d:])


# -- broadcasting ----------------------------------------------------------------
@register(method=True)
def expand(input: Tensor, *sizes) -> Tensor:
    """Broadcast size-1 dims to larger sizes (``-1`` keeps a dim; new dims may be added in front).

    Args:
        input: the tensor.
        *sizes: the target shape, as ints or one tuple.

    Raises:
        ValueError: if a dim that is not 1 would change, or ``-1`` is used for a new leading dim.

    Examples:
        >>> import lucid
        >>> lucid.tensor([[1], [2]]).expand(-1, 3).tolist()
        [[1, 1, 1], [2, 2, 2]]
    """
    sizes = check_sizes(sizes, "expand", True)
    shape = tuple(input._data.shape)
    lead = len(sizes) - len(shape)
    if lead < 0:
        raise ValueError(f"expand: the target shape {sizes} has fewer dims than the tensor's shape {shape}")
    target = []
    for i, s in enumerate(sizes):
        cur = shape[i - lead] if i >= lead else None
        if s == -1:
            if cur is None:
                raise ValueError(f"expand: -1 is not allowed for the new leading dim {i} in {sizes}")
            s = cur
        elif cur is not None and cur != 1 and cur != s:
            raise ValueError(f"expand: cannot expand shape {shape} to {sizes}: dim {i} has size {cur}, "
                             "only size-1 dims can be expanded")
        target.append(s)
    return BroadcastTo.apply(input, tuple(target))


@register(method=True)
def expand_as(input: Tensor, other: Tensor) -> Tensor:
    """``input.expand(other.shape)``.

    Examples:
        >>> import lucid
        >>> lucid.ones(3).expand_as(lucid.zeros(2, 3)).shape
        (2, 3)
    """
    return expand(input, tuple(other.shape))


@register(method=True)
def broadcast_to(input: Tensor, shape) -> Tensor:
    """Broadcast ``input`` to ``shape`` by NumPy's rules (``-1`` keeps a dim); differentiable.

    Examples:
        >>> import lucid
        >>> lucid.broadcast_to(lucid.tensor([1, 2]), (2, 2)).tolist()
        [[1, 2], [1, 2]]
    """
    return expand(to_tensor(input), *check_sizes((shape,), "broadcast_to", True))


@register()
def broadcast_tensors(*tensors) -> tuple:
    """Broadcast all tensors to their common shape.

    Examples:
        >>> import lucid
        >>> [t.shape for t in lucid.broadcast_tensors(lucid.zeros(2, 1), lucid.zeros(3))]
        [(2, 3), (2, 3)]
    """
    try:
        shape = np.broadcast_shapes(*(tuple(t.shape) for t in tensors))
    except ValueError:
        raise ValueError("broadcast_tensors: shapes " + ", ".join(str(tuple(t.shape)) for t in tensors)
                         + " cannot be broadcast together") from None
    return tuple(expand(t, shape) for t in tensors)


# -- permuting -------------------------------------------------------------------
@register(method=True)
def permute(input: Tensor, *dims) -> Tensor:
    """Reorder dims: output dim ``i`` is input dim ``dims[i]``.

    Examples:
        >>> import lucid
        >>> lucid.zeros(2, 3, 4).permute(2, 0, 1).shape
        (4, 2, 3)
    """
    if len(dims) == 1 and isinstance(dims[0], (tuple, list)):
        dims = tuple(dims[0])
    nd = input._data.ndim
    axes = normalize_dims(dims, nd, "permute")
    if len(axes) != nd:
        raise ValueError(f"permute: expected {nd} dims for a tensor of shape {input.shape}, got {tuple(dims)}")
    return Permute.apply(input, axes)


@register(aliases=("swapaxes", "swapdims"), method=True)
def transpose(input: Tensor, dim0=None, dim1=None) -> Tensor:
    """Swap dims ``dim0`` and ``dim1`` (PyTorch's ``transpose``).

    With no dims all dims are reversed (``.T``, the matrix transpose for 2-D);
    a tuple ``dim0`` is a full permutation (NumPy's ``transpose(axes)``).

    Examples:
        >>> import lucid
        >>> x = lucid.zeros(2, 3, 4)
        >>> x.transpose(0, 2).shape, lucid.zeros(2, 3).transpose().shape
        ((4, 3, 2), (3, 2))
    """
    nd = input._data.ndim
    if dim0 is None and dim1 is None:
        return Permute.apply(input, tuple(range(nd - 1, -1, -1)))
    if isinstance(dim0, (tuple, list)) and dim1 is None:
        return permute(input, dim0)
    if dim0 is None or dim1 is None:
        raise TypeError(f"transpose: pass two dims (dim0, dim1), got dim0={dim0!r}, dim1={dim1!r}")
    a, b = normalize_dim(dim0, nd, "transpose"), normalize_dim(dim1, nd, "transpose")
    axes = list(range(nd))
    if nd:
        axes[a], axes[b] = axes[b], axes[a]
    return Permute.apply(input, tuple(axes))


@register(method=True)
def t(input: Tensor) -> Tensor:
    """Transpose a tensor of at most 2 dims (PyTorch's ``t()``).

    Examples:
        >>> import lucid
        >>> lucid.tensor([[1, 2]]).t().tolist()
        [[1], [2]]
    """
    if input._data.ndim > 2:
        raise ValueError(f"t() expects a tensor with at most 2 dims, got shape {input.shape}; "
                         "use transpose(dim0, dim1)")
    return transpose(input)


@register(aliases=("movedim",), method=True)
def moveaxis(input: Tensor, source, destination) -> Tensor:
    """Move dims ``source`` to positions ``destination`` (ints or tuples); the others keep their order.

    Examples:
        >>> import lucid
        >>> lucid.zeros(2, 3, 4).moveaxis(0, -1).shape
        (3, 4, 2)
    """
    nd = input._data.ndim
    src, dst = normalize_dims(source, nd, "moveaxis"), normalize_dims(destination, nd, "moveaxis")
    if len(src) != len(dst):
        raise ValueError(f"moveaxis: source {source} and destination {destination} differ in length")
    order = [d for d in range(nd) if d not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return Permute.apply(input, tuple(order))


def _t_prop(self: Tensor) -> Tensor:
    return Permute.apply(self, tuple(range(self._data.ndim - 1, -1, -1)))


def _mt_prop(self: Tensor) -> Tensor:
    nd = self._data.ndim
    if nd < 2:
        raise ValueError(f"mT needs a tensor with at least 2 dims, got shape {self.shape}")
    return Permute.apply(self, tuple(range(nd - 2)) + (nd - 1, nd - 2))


# -- joining and splitting -------------------------------------------------------
def _tensors(tensors, op: str) -> list:
    if isinstance(tensors, Tensor) or not isinstance(tensors, (list, tuple)):
        raise TypeError(f"{op} expects a list or tuple of tensors, got {type(tensors).__name__}")
    if not tensors:
        raise ValueError(f"{op} expects a non-empty list of tensors")
    out = []
    for x in tensors:
        x = operand(x)
        if not isinstance(x, Tensor):
            raise TypeError(f"{op} expects tensors, got {type(x).__name__}")
        out.append(x)
    return out


@register(aliases=("cat",))
def concatenate(tensors, axis=None, *, dim=None) -> Tensor:
    """Join tensors along an existing dim (``axis``/``dim``, default 0).

    All tensors need the same number of dims and the same sizes except along
    ``dim``; dtypes are promoted.

    Raises:
        ValueError: for mismatched shapes or 0-d tensors (the message lists the shapes).

    Examples:
        >>> import lucid
        >>> lucid.cat([lucid.zeros(1, 2), lucid.ones(2, 2)], dim=0).shape
        (3, 2)
    """
    ts = _tensors(tensors, "cat")
    d = reduce_axis_arg(axis, dim, "cat")
    d = 0 if d is None else d
    shapes = [tuple(x._data.shape) for x in ts]
    nd = len(shapes[0])
    if nd == 0:
        raise ValueError("cat: zero-dimensional tensors cannot be concatenated; use stack")
    ax = normalize_dim(d, nd, "cat")
    for s in shapes:
        if len(s) != nd or s[:ax] + s[ax + 1:] != shapes[0][:ax] + shapes[0][ax + 1:]:
            raise ValueError(f"cat: all shapes must match except in dim {d}, got {shapes}")
    return Concatenate.apply(*ts, axis=ax)


@register()
def stack(tensors, axis=None, *, dim=None) -> Tensor:
    """Join equally shaped tensors along a new dim (``axis``/``dim``, default 0).

    Examples:
        >>> import lucid
        >>> lucid.stack([lucid.zeros(2), lucid.ones(2)], dim=1).tolist()
        [[0.0, 1.0], [0.0, 1.0]]
    """
    ts = _tensors(tensors, "stack")
    d = reduce_axis_arg(axis, dim, "stack")
    shapes = [tuple(x._data.shape) for x in ts]
    if any(s != shapes[0] for s in shapes):
        raise ValueError(f"stack expects tensors of equal shape, got {shapes}")
    return Stack.apply(*ts, axis=normalize_dim(0 if d is None else d, len(shapes[0]) + 1, "stack"))


def _atleast(x: Tensor, n: int) -> Tensor:
    shape = tuple(x._data.shape)
    if len(shape) >= n:
        return x
    if n == 3 and len(shape) == 1:
        return Reshape.apply(x, (1,) + shape + (1,))
    if n == 3 and len(shape) == 2:
        return Reshape.apply(x, shape + (1,))
    return Reshape.apply(x, (1,) * (n - len(shape)) + shape)


@register()
def hstack(tensors) -> Tensor:
    """Concatenate along dim 1 (dim 0 for 1-D tensors).

    Examples:
        >>> import lucid
        >>> lucid.hstack([lucid.zeros(2), lucid.ones(1)]).tolist()
        [0.0, 0.0, 1.0]
    """
    ts = [_atleast(x, 1) for x in _tensors(tensors, "hstack")]
    return concatenate(ts, 0 if ts[0].ndim == 1 else 1)


@register(aliases=("row_stack",))
def vstack(tensors) -> Tensor:
    """Stack rows: 1-D tensors become rows, then concatenate along dim 0 (``row_stack`` is an alias).

    Examples:
        >>> import lucid
        >>> lucid.vstack([lucid.zeros(2), lucid.ones(2)]).shape
        (2, 2)
        >>> lucid.row_stack([lucid.zeros(3), lucid.ones(3)]).tolist()
        [[0.0, 0.0, 0.0], [1.0, 1.0, 1.0]]
    """
    return concatenate([_atleast(x, 2) for x in _tensors(tensors, "vstack")], 0)


@register()
def dstack(tensors) -> Tensor:
    """Concatenate along dim 2 (depth), after making each tensor at least 3-D.

    Examples:
        >>> import lucid
        >>> lucid.dstack([lucid.zeros(2, 2), lucid.ones(2, 2)]).shape
        (2, 2, 2)
    """
    return concatenate([_atleast(x, 3) for x in _tensors(tensors, "dstack")], 2)


@register(method=True)
def split(tensor: Tensor, split_size_or_sections, dim: int | None = None, *, axis: int | None = None) -> tuple:
    """Split into pieces along ``dim`` (PyTorch's ``split``).

    Args:
        tensor: the tensor.
        split_size_or_sections: an int (pieces of that size, the last one may be
            smaller) or a list of sizes that sum to the dim's size.
        dim: the dim to split (default 0).
        axis: NumPy's spelling of ``dim``.

    Returns:
        tuple of Tensors.

    Examples:
        >>> import lucid
        >>> [p.tolist() for p in lucid.arange(5).split(2)]
        [[0, 1], [2, 3], [4]]
        >>> [p.shape for p in lucid.zeros(5, 2).split([1, 4])]
        [(1, 2), (4, 2)]
    """
    dim = reduce_axis_arg(axis, dim, "split", 0)
    shape = tuple(tensor._data.shape)
    ax = normalize_dim(dim, len(shape), "split")
    if not shape:
        raise ValueError("split: cannot split a 0-d tensor")
    n = shape[ax]
    if isinstance(split_size_or_sections, numbers.Integral) and not isinstance(split_size_or_sections, bool):
        size = int(split_size_or_sections)
        if size <= 0 and n > 0:
            raise ValueError(f"split: split_size must be positive, got {size}")
        sizes = [size] * (n // size) + ([n % size] if n % size else []) if n else [0]
    else:
        sizes = list(check_sizes((split_size_or_sections,), "split"))
        if sum(sizes) != n:
            raise ValueError(f"split: sizes {sizes} sum to {sum(sizes)}, but dim {dim} has size {n}")
    cuts, pos = [], 0
    for s in sizes[:-1]:
        pos += s
        cuts.append(pos)
    out = Split.apply(tensor, cuts, ax)
    return out if isinstance(out, tuple) else (out,)


@register(method=True)
def chunk(input: Tensor, chunks: int, dim: int | None = None, *, axis: int | None = None) -> tuple:
    """Split into ``chunks`` pieces of size ``ceil(n / chunks)`` (fewer if they run out), like PyTorch.

    ``dim`` defaults to 0; ``axis`` is its NumPy spelling.

    Examples:
        >>> import lucid
        >>> [p.tolist() for p in lucid.arange(5).chunk(3)]
        [[0, 1], [2, 3], [4]]
    """
    if isinstance(chunks, bool) or not isinstance(chunks, numbers.Integral) or chunks <= 0:
        raise ValueError(f"chunk: chunks must be a positive int, got {chunks!r}")
    dim = reduce_axis_arg(axis, dim, "chunk", 0)
    shape = tuple(input._data.shape)
    n = shape[normalize_dim(dim, len(shape), "chunk")] if shape else 0
    return split(input, max(-(-n // int(chunks)), 1), dim)


@register(method=True)
def unbind(input: Tensor, dim: int | None = None, *, axis: int | None = None) -> tuple:
    """Remove dim ``dim`` (default 0; NumPy's ``axis``), returning the slices along it.

    Examples:
        >>> import lucid
        >>> [r.tolist() for r in lucid.tensor([[1, 2], [3, 4]]).unbind(1)]
        [[1, 3], [2, 4]]
    """
    dim = reduce_axis_arg(axis, dim, "unbind", 0)
    shape = tuple(input._data.shape)
    if not shape:
        raise ValueError("unbind: cannot unbind a 0-d tensor")
    ax = normalize_dim(dim, len(shape), "unbind")
    if shape[ax] == 0:
        return ()
    out = Unbind.apply(input, ax)
    return out if isinstance(out, tuple) else (out,)


# -- misc ------------------------------------------------------------------------
class memory_format:
    """A memory layout name (PyTorch's ``torch.memory_format``): ``lucid.contiguous_format`` and friends.

    Lucid exposes every tensor in row-major order of its logical shape (MLX
    arrays are read that way; MLX may keep a transposed view internally, but
    that layout is not observable from Python), so these objects only serve
    to answer :meth:`Tensor.is_contiguous` and to be accepted where PyTorch
    code passes them.

    Examples:
        >>> import lucid
        >>> lucid.channels_last
        lucid.channels_last
    """

    __slots__ = ("name",)

    def __init__(self, name: str):
        self.name = name

    def __repr__(self) -> str:
        return f"lucid.{self.name}"

    def __reduce__(self):
        return (_memory_format_by_name, (self.name,))


contiguous_format = memory_format("contiguous_format")
channels_last = memory_format("channels_last")
channels_last_3d = memory_format("channels_last_3d")
preserve_format = memory_format("preserve_format")
_MEMORY_FORMATS = {f.name: f for f in (contiguous_format, channels_last, channels_last_3d, preserve_format)}


def _memory_format_by_name(name: str) -> memory_format:
    return _MEMORY_FORMATS[name]


def _check_memory_format(fmt, op: str) -> memory_format:
    if not isinstance(fmt, memory_format):
        raise TypeError(f"{op}: memory_format must be a lucid memory format (lucid.contiguous_format, "
                        f"lucid.channels_last, ...), got {type(fmt).__name__}")
    return fmt


def _row_major_strides(shape: tuple) -> tuple:
    # PyTorch's contiguous strides: size-0 and size-1 dims count as 1 in the products.
    strides = []
    step = 1
    for n in reversed(shape):
        strides.append(step)
        step *= max(n, 1)
    return tuple(reversed(strides))


def _channels_last_strides(shape: tuple) -> tuple:
    # (N, C, *spatial) laid out as (N, *spatial, C).
    order = [1] + list(range(len(shape) - 1, 1, -1)) + [0]  # innermost first: C, last spatial, ..., N
    strides = [0] * len(shape)
    step = 1
    for d in order:
        strides[d] = step
        step *= max(shape[d], 1)
    return tuple(strides)


@register(method=True)
def contiguous(input: Tensor, memory_format: memory_format = contiguous_format) -> Tensor:
    """Return ``input`` itself: Lucid tensors are always read in row-major order (see :meth:`Tensor.is_contiguous`).

    ``memory_format`` is accepted for PyTorch code; a layout such as
    ``lucid.channels_last`` changes no values, so it needs no copy either.

    Raises:
        TypeError: ``memory_format`` is not a ``lucid.memory_format``.

    Examples:
        >>> import lucid
        >>> x = lucid.zeros(2)
        >>> x.contiguous() is x
        True
    """
    _check_memory_format(memory_format, "contiguous")
    return input


def stride(input: Tensor, dim: int | None = None, *, axis: int | None = None):
    """The row-major strides of the logical shape, in elements (``Tensor.stride``).

    MLX does not expose the layout of its arrays (a transposed view may be
    kept internally until it is evaluated); Lucid reads every tensor in
    row-major order of its shape, so these are the strides of that order, as
    PyTorch reports for a contiguous tensor (size-0 and size-1 dims count as 1).

    Args:
        input: the tensor.
        dim: one dim (negative counts from the end); all of them when omitted. ``axis`` is the NumPy spelling.

    Returns:
        A tuple of ints, or one int for ``dim``.

    Raises:
        ValueError: ``dim`` is out of range (or given for a 0-d tensor).

    Examples:
        >>> import lucid
        >>> x = lucid.zeros(2, 3, 4)
        >>> x.stride(), x.stride(-2), x.transpose(0, 2).stride()
        ((12, 4, 1), 4, (6, 2, 1))
    """
    strides = _row_major_strides(input.shape)
    dim = reduce_axis_arg(axis, dim, "stride")
    if dim is None:
        return strides
    if input.ndim == 0:
        raise ValueError("stride: a 0-d tensor has no dimensions to ask about")
    return strides[normalize_dim(dim, input.ndim, "stride")]


def is_contiguous(input: Tensor, memory_format: memory_format = contiguous_format) -> bool:
    """Whether ``input`` is laid out in ``memory_format`` (``Tensor.is_contiguous``).

    Always ``True`` for ``lucid.contiguous_format``: Lucid tensors are read in
    row-major order of their shape (see :meth:`Tensor.stride`). For
    ``lucid.channels_last`` (4-D) and ``lucid.channels_last_3d`` (5-D) it is
    ``True`` only where that layout has the same strides, as in PyTorch (one
    channel, or 1x1 spatial size); other ranks give ``False``.

    Raises:
        TypeError: ``memory_format`` is not a ``lucid.memory_format``.
        ValueError: ``preserve_format`` (not a layout to test against).

    Examples:
        >>> import lucid
        >>> x = lucid.zeros(2, 3, 4, 4)
        >>> x.is_contiguous(), x.is_contiguous(memory_format=lucid.channels_last)
        (True, False)
        >>> lucid.zeros(2, 3, 1, 1).is_contiguous(memory_format=lucid.channels_last)
        True
    """
    fmt = _check_memory_format(memory_format, "is_contiguous")
    if fmt is contiguous_format:
        return True
    if fmt is preserve_format:
        raise ValueError("is_contiguous: preserve_format is not a memory layout; pass contiguous_format, "
                         "channels_last or channels_last_3d")
    rank = 4 if fmt is channels_last else 5
    shape = input.shape
    if len(shape) != rank:
        return False
    ours, theirs = _row_major_strides(shape), _channels_last_strides(shape)
    # A dim of size 1 can have any stride: compare only the others.
    return all(a == b for a, b, n in zip(ours, theirs, shape) if n != 1)


def storage_offset(input: Tensor) -> int:
    """The offset of the first element in the underlying storage: always 0 (``Tensor.storage_offset``).

    MLX arrays expose no shared storage to Python: a slice is a new array as
    far as Lucid can see, so every tensor starts at offset 0.

    Examples:
        >>> import lucid
        >>> lucid.arange(5)[2:].storage_offset()
        0
    """
    return 0


@register(method=True)
def select(input: Tensor, dim: int | None = None, index: int | None = None, *, axis: int | None = None) -> Tensor:
    """The slice at ``index`` along ``dim``, with that dim removed (``x.select(1, 2)`` is ``x[:, 2]``).

    Args:
        input: the tensor (at least 1-D).
        dim: the dim (negative counts from the end); ``axis`` is the NumPy spelling.
        index: the position along it (negative counts from the end).

    Raises:
        IndexError: ``index`` is out of range.

    Examples:
        >>> import lucid
        >>> lucid.arange(6).reshape(2, 3).select(1, -1).tolist()
        [2, 5]
    """
    dim = reduce_axis_arg(axis, dim, "select", required=True)
    if input.ndim == 0:
        raise ValueError("select: cannot select from a 0-d tensor")
    d = normalize_dim(dim, input.ndim, "select")
    i = check_int(index, "index", "select")
    n = input.shape[d]
    if not -n <= i < n:
        raise IndexError(f"select: index {i} is out of range for dim {d} of size {n}")
    return input[(slice(None),) * d + (i % n,)]


for _name, _fn in (("stride", stride), ("is_contiguous", is_contiguous), ("storage_offset", storage_offset)):
    register_method(_name, _fn, __name__)


@register(method=True)
def clone(input: Tensor) -> Tensor:
    """A differentiable copy of ``input`` (gradients flow back to it).

    Examples:
        >>> import lucid
        >>> x = lucid.tensor([1.0], requires_grad=True)
        >>> y = x.clone(); y.sum().backward(); x.grad.tolist()
        [1.0]
    """
    return Clone.apply(input)


def _view_as(self: Tensor, other: Tensor) -> Tensor:
    """``self.reshape(other.shape)``."""
    return reshape(self, tuple(other.shape))


def _unfold(self: Tensor, dimension: int, size: int, step: int) -> Tensor:
    """Every window of ``size`` elements along ``dimension``, ``step`` apart, as a new last dim.

    As ``torch.Tensor.unfold``: dim ``dimension`` becomes the number of
    windows, ``(n - size) // step + 1``, and a last dim of length ``size`` is
    appended. Differentiable (overlapping windows add their gradients).

    Raises:
        ValueError: ``size`` larger than the dim, ``step`` < 1, or ``size`` < 0.

    Examples:
        >>> import lucid
        >>> lucid.arange(5).unfold(0, 2, 2).tolist()
        [[0, 1], [2, 3]]
    """
    op = "unfold"
    nd = self._data.ndim
    dim = normalize_dim(dimension, nd, op, name="dimension")
    size = check_int(size, "size", op)
    step = check_int(step, "step", op)
    n = self._data.shape[dim] if nd else 1
    if step < 1:
        raise ValueError(f"unfold: step must be at least 1, got {step}")
    if not 0 <= size <= n:
        raise ValueError(f"unfold: size {size} must be between 0 and the size of dim {dimension}, {n}")
    windows = (n - size) // step + 1
    idx = mx.arange(windows)[:, None] * step + mx.arange(size)[None, :]
    if nd == 0:
        return self.reshape(1)[idx.reshape(-1)].reshape(windows, size)[0]
    moved = self.movedim(dim, -1)
    out = moved[(Ellipsis, Tensor._make(idx, self._device))]  # (..., windows, size)
    return out.movedim(-2, dim)


register_method("unfold", _unfold)
register_method("view_as", _view_as)
register_method("reshape_as", _view_as)
register_method("T", property(_t_prop), __name__)
register_method("mT", property(_mt_prop), __name__)

__all__ = export(__name__)
