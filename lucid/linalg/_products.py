"""Products in ``lucid.linalg``: ``cross``, ``vecdot``, ``multi_dot`` (``matmul`` is re-exported)."""

from __future__ import annotations

import numbers

import mlx.core as mx

from lucid._tensor import Tensor
from lucid.autograd.function import Function
from lucid.ops._util import check_int, reduce_axis_arg, to_tensor, unbroadcast
from lucid.ops.arithmetic import multiply
from lucid.ops.complex import conj
from lucid.ops.linalg import matmul
from lucid.ops.rearrange import diagonal as _diagonal
from lucid.ops.reduction import sum as _sum

__all__ = ["cross", "vecdot", "multi_dot", "diagonal"]


class Cross(Function):
    @staticmethod
    def forward(ctx, a, b, axis):
        ctx.meta = (a.shape, a.dtype, b.shape, b.dtype, axis)
        ctx.save_for_backward(a, b)
        return mx.linalg.cross(a, b, axis=axis)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        sa, da, sb, db, axis = ctx.meta
        na, nb = ctx.needs_input_grad[:2]
        # d(a x b) = da x b + a x db, and <g, u x v> = <v x g, u> = <g x u, v>.
        ga = unbroadcast(mx.linalg.cross(b, g, axis=axis), sa, da) if na else None
        gb = unbroadcast(mx.linalg.cross(g, a, axis=axis), sb, db) if nb else None
        return ga, gb, None


def cross(input: Tensor, other: Tensor, *, dim: int | None = None, axis: int | None = None) -> Tensor:
    """The cross product of 3-vectors along ``dim``; the other dimensions broadcast.

    Args:
        input: a tensor with size 3 in ``dim``.
        other: a tensor with size 3 in ``dim``.
        dim: the dimension holding the vectors (default -1); ``axis`` is the NumPy spelling.

    Raises:
        ValueError: ``dim`` does not have size 3 in both inputs, or the shapes do not broadcast.

    Examples:
        >>> import lucid
        >>> lucid.linalg.cross(lucid.tensor([1.0, 0.0, 0.0]), lucid.tensor([0.0, 1.0, 0.0])).tolist()
        [0.0, 0.0, 1.0]
    """
    a, b = to_tensor(input, "linalg.cross"), to_tensor(other, "linalg.cross")
    dim = check_int(reduce_axis_arg(axis, dim, "linalg.cross", -1), "dim", "linalg.cross")
    n = max(a.ndim, b.ndim)
    if not -n <= dim < n or a.ndim == 0 or b.ndim == 0:
        raise ValueError(f"linalg.cross: dim {dim} is out of range for shapes {a.shape} and {b.shape}")
    try:
        mx.broadcast_shapes(a.shape, b.shape)
    except ValueError:
        raise ValueError(f"linalg.cross: shapes {a.shape} and {b.shape} do not broadcast") from None
    axis = dim % n
    for t in (a, b):
        k = axis - (n - t.ndim)
        if k < 0 or t.shape[k] != 3:
            raise ValueError(f"linalg.cross: dimension {dim} must have size 3 in both inputs, got shapes "
                             f"{a.shape} and {b.shape}")
    return Cross.apply(a, b, axis - n)


def vecdot(x: Tensor, y: Tensor, *, dim: int | None = None, axis: int | None = None) -> Tensor:
    """The dot product of vectors along ``dim``, with the other dimensions broadcast: ``sum(conj(x) * y)``.

    For complex ``x`` the first argument is conjugated, as in PyTorch.

    Args:
        x: the first tensor.
        y: the second tensor.
        dim: the dimension holding the vectors (same size in both; default -1); ``axis`` is the
            NumPy spelling.

    Raises:
        ValueError: ``dim`` out of range or of different sizes.

    Examples:
        >>> import lucid
        >>> lucid.linalg.vecdot(lucid.tensor([[1.0, 2.0], [3.0, 4.0]]), lucid.tensor([1.0, 1.0])).tolist()
        [3.0, 7.0]
    """
    x, y = to_tensor(x, "linalg.vecdot"), to_tensor(y, "linalg.vecdot")
    dim = reduce_axis_arg(axis, dim, "linalg.vecdot", -1)
    n = max(x.ndim, y.ndim)
    if isinstance(dim, bool) or not isinstance(dim, numbers.Integral) or not -n <= dim < n:
        raise ValueError(f"linalg.vecdot: dim {dim!r} is out of range for shapes {x.shape} and {y.shape}")
    d = dim % n
    kx, ky = d - (n - x.ndim), d - (n - y.ndim)
    if kx < 0 or ky < 0 or x.shape[kx] != y.shape[ky]:
        raise ValueError(f"linalg.vecdot: dimension {dim} differs between shapes {x.shape} and {y.shape}")
    if x.dtype.is_complex:
        x = conj(x)
    return _sum(multiply(x, y), dim=d - n)


def multi_dot(tensors) -> Tensor:
    """The product of a chain of matrices, ``tensors[0] @ tensors[1] @ ...``.

    The first may be 1-D (a row vector) and the last 1-D (a column vector);
    the others must be 2-D. Multiplied left to right.

    Args:
        tensors: a sequence of at least 2 tensors.

    Raises:
        ValueError: fewer than 2 tensors or a bad rank.

    Examples:
        >>> import lucid
        >>> lucid.linalg.multi_dot([lucid.ones(2), lucid.ones(2, 3), lucid.ones(3)]).item()
        6.0
    """
    ts = [to_tensor(t, "linalg.multi_dot") for t in tensors]
    if len(ts) < 2:
        raise ValueError(f"linalg.multi_dot: expected at least 2 tensors, got {len(ts)}")
    for i, t in enumerate(ts):
        ok = t.ndim == 2 or (t.ndim == 1 and i in (0, len(ts) - 1))
        if not ok:
            raise ValueError(f"linalg.multi_dot: tensor {i} has shape {t.shape}; the first and last may be "
                             "1-D or 2-D, the others must be 2-D")
    out = ts[0]
    for t in ts[1:]:
        out = matmul(out, t)
    return out


def diagonal(A: Tensor, *, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
    """:func:`lucid.diagonal` with the last two dimensions as the default planes.

    ``A`` is :func:`lucid.diagonal`'s ``input``; ``offset``, ``dim1``, ``dim2`` and the errors are as there.

    Examples:
        >>> import lucid
        >>> lucid.linalg.diagonal(lucid.tensor([[1.0, 2.0], [3.0, 4.0]])).tolist()
        [1.0, 4.0]
    """
    return _diagonal(A, offset, dim1, dim2)

