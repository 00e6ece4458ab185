"""Norms and rank: ``vector_norm``, ``matrix_norm``, ``norm``, ``cond``, ``matrix_rank``, and ``lucid.norm``.

``lucid.norm`` (PyTorch's ``torch.norm``, also ``Tensor.norm``) is :func:`tensor_norm`: vector
norms over any dims, the nuclear norm through :func:`matrix_norm`.
"""

from __future__ import annotations

import math
import numbers

import mlx.core as mx
import numpy as np

from lucid._backend import reductions
from lucid._backend.dtypes import FLOATING_MX
from lucid._tensor import Tensor
from lucid.autograd.function import Function
from lucid.linalg._decomp import svdvals
from lucid.linalg._inverse import inv
from lucid.linalg._util import CpuFunction, matrix_input, up
from lucid.ops._registry import register
from lucid.ops._util import (
    check_int,
    check_nonempty,
    even_split_grad,
    expand_back,
    reduce_axis_arg,
    reduce_keepdims_arg,
    reduction_axes,
    to_tensor,
)
from lucid.ops.arithmetic import divide, multiply
from lucid.ops.reduction import amax, amin
from lucid.ops.reduction import sum as _sum
from lucid.ops.shape import permute, reshape

__all__ = ["vector_norm", "matrix_norm", "norm", "cond", "matrix_rank"]

_MATRIX_ORDS = ("fro", "nuc", 1, -1, 2, -2, math.inf, -math.inf)


class VectorNorm(Function):
    """The vector ``ord``-norm over ``axes`` (all when ``None``), for a real ``ord``, ``inf`` or ``-inf``."""

    @staticmethod
    def forward(ctx, a, ord, axes, keepdims):
        if ord == 2:
            out = mx.sqrt(reductions.sum(a * a, axis=axes, keepdims=keepdims))
        elif ord == 1:
            out = reductions.sum(mx.abs(a), axis=axes, keepdims=keepdims)
        elif ord == math.inf:
            out = mx.max(mx.abs(a), axis=axes, keepdims=keepdims)
        elif ord == -math.inf:
            out = mx.min(mx.abs(a), axis=axes, keepdims=keepdims)
        elif ord == 0:
            out = reductions.sum(a != 0, axis=axes, keepdims=keepdims).astype(a.dtype)
        else:
            out = mx.power(reductions.sum(mx.power(mx.abs(a), ord), axis=axes, keepdims=keepdims), 1.0 / ord)
        ctx.meta = (ord, axes, keepdims)
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx, g):
        a, out = ctx.saved_tensors
        ord, axes, keepdims = ctx.meta
        zero = mx.array(0, g.dtype)
        if ord == 0:
            return mx.zeros_like(a), None, None, None
        if ord == 1:
            return expand_back(g, a.shape, axes, keepdims) * mx.sign(a), None, None, None
        if ord in (math.inf, -math.inf):
            # NOTE: ties in |x| share the gradient evenly, as for amax.
            return even_split_grad(g, mx.abs(a), out, axes, keepdims) * mx.sign(a), None, None, None
        out_b = expand_back(out, a.shape, axes, keepdims)
        g_b = expand_back(g, a.shape, axes, keepdims)
        # NOTE: at a zero norm the gradient is taken as 0 (PyTorch's subgradient).
        if ord == 2:
            return mx.where(out_b == 0, zero, g_b * a / out_b), None, None, None
        absa = mx.abs(a)
        scaled = mx.where(a == 0, zero, mx.sign(a) * mx.power(absa, ord - 1))
        return mx.where(out_b == 0, zero, g_b * scaled / mx.power(out_b, ord - 1)), None, None, None


def _ord_value(ord, op: str) -> float:
    if isinstance(ord, bool) or not isinstance(ord, numbers.Real):
        raise TypeError(f"{op}: ord must be a number (inf and -inf included), got {ord!r}")
    return float(ord)


def _vector_norm(input: Tensor, ord=2, axes=None, keepdim: bool = False, dtype=None, op: str = "vector_norm"):
    """Shared body of ``lucid.norm``, ``vector_norm`` and ``matrix_norm`` (``axes`` already normalised)."""
    o = _ord_value(ord, op)
    if dtype is not None:
        input = input.astype(dtype)
    if input._data.dtype not in FLOATING_MX:
        raise TypeError(f"{op}: expected a floating-point tensor, got {input.dtype}; convert it first, "
                        "e.g. x.float(), or pass dtype=lucid.float32")
    if o in (math.inf, -math.inf):
        check_nonempty(input, axes, op)
    return VectorNorm.apply(input, o, axes, bool(keepdim))


@register("norm", method=True)
def tensor_norm(input: Tensor, p="fro", dim=None, keepdim: bool = False, dtype=None, *, axis=None,
                keepdims: bool = False) -> Tensor:
    """The norm of a tensor (PyTorch's ``torch.norm``); it is ``lucid.norm`` and ``Tensor.norm``.

    * a number ``p`` (``inf``, ``-inf`` and ``0`` included): the vector
      p-norm :math:`(\\sum_i |x_i|^p)^{1/p}` over ``dim`` (all elements when
      omitted; a tuple of dims is treated as one flattened vector);
    * ``"fro"``: the 2-norm over ``dim`` (all elements when omitted);
    * ``"nuc"``: the nuclear norm of the matrices in ``dim`` (a 2-tuple; the
      input must be 2-D when omitted), via :func:`lucid.linalg.matrix_norm`.

    For spectral and induced matrix norms use :func:`lucid.linalg.norm`.

    Args:
        input: a floating-point tensor.
        p: the order.
        dim: an int or tuple of ints; ``axis`` is the NumPy spelling.
        keepdim: keep the reduced axes as size 1; ``keepdims`` is the NumPy spelling.
        dtype: convert the input to this dtype first.

    Raises:
        TypeError: an integer input, or ``p`` is neither a number nor "fro"/"nuc".
        ValueError: a bad ``dim``.

    Examples:
        >>> import lucid
        >>> lucid.norm(lucid.tensor([3.0, -4.0])).item()
        5.0
        >>> lucid.norm(lucid.tensor([[3.0, -4.0], [1.0, 0.0]]), p=1, dim=1).tolist()
        [7.0, 1.0]
    """
    input = to_tensor(input, "norm")
    keep = reduce_keepdims_arg(keepdims, keepdim)
    d = reduce_axis_arg(axis, dim, "norm")
    if p is None:
        p = 2
    if isinstance(p, str):
        if p == "nuc":
            if d is None:
                if input.ndim != 2:
                    raise ValueError(f"norm: p='nuc' needs a 2-D input or a 2-tuple dim, got shape {input.shape}")
                d = (-2, -1)
            return matrix_norm(input, "nuc", dim=d, keepdim=keep, dtype=dtype)
        if p != "fro":
            raise TypeError(f"norm: p must be a number, 'fro' or 'nuc', got {p!r}")
        p = 2
    return _vector_norm(input, p, reduction_axes(input, d, None, "norm"), keep, dtype, "norm")


def vector_norm(x: Tensor, ord=2, dim=None, keepdim: bool = False, *, dtype=None, axis=None,
                keepdims: bool = False) -> Tensor:
    """The vector ``ord``-norm of ``x`` over ``dim`` (all elements, flattened, when omitted).

    .. math:: \\|x\\|_p = \\Big(\\sum_i |x_i|^p\\Big)^{1/p}

    ``ord = inf`` is ``max |x_i|``, ``-inf`` is ``min |x_i|``, ``0`` counts the
    nonzero elements. At a zero norm the gradient is 0; ties of the inf-norms
    share the gradient evenly.

    Args:
        x: a floating-point tensor.
        ord: the order (any real number, ``inf`` or ``-inf``).
        dim: an int or tuple of ints; ``axis`` is the NumPy spelling.
        keepdim: keep the reduced dimensions as size 1; ``keepdims`` is the NumPy spelling.
        dtype: convert ``x`` to this dtype first.

    Raises:
        TypeError: an integer tensor or a non-numeric ``ord``.

    Examples:
        >>> import lucid
        >>> lucid.linalg.vector_norm(lucid.tensor([[3.0, 4.0], [0.0, 0.0]])).item()
        5.0
        >>> lucid.linalg.vector_norm(lucid.tensor([[3.0, -4.0]]), ord=float("inf"), dim=1).tolist()
        [4.0]
    """
    x = to_tensor(x, "linalg.vector_norm")
    keep = reduce_keepdims_arg(keepdims, keepdim)
    return _vector_norm(x, ord, reduction_axes(x, axis, dim, "linalg.vector_norm"), keep, dtype,
                        "linalg.vector_norm")


def _matrix_dims(A: Tensor, dim, op: str) -> tuple:
    if not isinstance(dim, (tuple, list)) or len(dim) != 2:
        raise ValueError(f"linalg.{op}: dim must be a pair of dims, got {dim!r}")
    n = A.ndim
    for d in dim:
        check_int(d, "dim", f"linalg.{op}")
        if not -n <= d < n:
            raise ValueError(f"linalg.{op}: dim {d} is out of range for a tensor with {n} dimensions")
    d0, d1 = dim[0] % n, dim[1] % n
    if d0 == d1:
        raise ValueError(f"linalg.{op}: the two dims must differ, got {tuple(dim)}")
    return d0, d1


def matrix_norm(A: Tensor, ord="fro", dim=None, keepdim: bool = False, *, dtype=None, axis=None,
                keepdims: bool = False) -> Tensor:
    """A matrix norm of ``A`` (or of each matrix in the two dimensions ``dim``).

    ====== ================================
    ord    norm
    ====== ================================
    'fro'  :math:`\\sqrt{\\sum_{ij} a_{ij}^2}`
    'nuc'  sum of the singular values
    2, -2  largest / smallest singular value
    1, -1  max / min column sum of ``|a|``
    inf    max row sum of ``|a|`` (``-inf``: min)
    ====== ================================

    The singular-value norms go through :func:`svdvals` (computed on the CPU).

    Args:
        A: shape ``(*, m, n)`` (or the matrices in the dims ``dim``).
        ord: the norm, from the table.
        dim: the two dimensions holding the matrices (default ``(-2, -1)``);
            ``axis`` is the NumPy spelling.
        keepdim: keep those dimensions as size 1; ``keepdims`` is the NumPy spelling.
        dtype: convert ``A`` to this dtype first.

    Raises:
        ValueError: an unsupported ``ord`` or bad ``dim``.

    Examples:
        >>> import lucid
        >>> A = lucid.tensor([[1.0, -2.0], [3.0, 4.0]])
        >>> lucid.linalg.matrix_norm(A, ord=1).item(), lucid.linalg.matrix_norm(A, ord=float("inf")).item()
        (6.0, 7.0)
    """
    dim = reduce_axis_arg(axis, dim, "linalg.matrix_norm", (-2, -1))
    A = matrix_input(A, "matrix_norm")
    if dtype is not None:
        A = A.astype(dtype)
    d0, d1 = _matrix_dims(A, dim, "matrix_norm")
    if (isinstance(ord, str) and ord not in ("fro", "nuc")) or (not isinstance(ord, str) and ord not in _MATRIX_ORDS):
        raise ValueError(f"linalg.matrix_norm: ord must be one of 'fro', 'nuc', 1, -1, 2, -2, inf, -inf; "
                         f"got {ord!r}")
    keep = reduce_keepdims_arg(keepdims, keepdim)
    if ord == "fro":
        return _vector_norm(A, 2, tuple(sorted((d0, d1))), keep, None, "linalg.matrix_norm")
    out_shape = tuple(1 if i in (d0, d1) else s for i, s in enumerate(A.shape)) if keep else \
        tuple(s for i, s in enumerate(A.shape) if i not in (d0, d1))
    if ord in ("nuc", 2, -2):
        if (d0, d1) != (A.ndim - 2, A.ndim - 1):
            A = permute(A, [i for i in range(A.ndim) if i not in (d0, d1)] + [d0, d1])
        s = svdvals(A)
        out = _sum(s, -1) if ord == "nuc" else (amax(s, -1) if ord == 2 else amin(s, -1))
        return reshape(out, out_shape)
    # Induced 1- and inf-norms: sum |a| over one dim, then the extreme over the other.
    summed, other = (d0, d1) if ord in (1, -1) else (d1, d0)
    col = _vector_norm(A, 1, (summed,), True, None, "linalg.matrix_norm")
    out = (amax if ord > 0 else amin)(col, other, keepdims=True)
    return reshape(out, out_shape)


def norm(A: Tensor, ord=None, dim=None, keepdim: bool = False, *, dtype=None, axis=None,
         keepdims: bool = False) -> Tensor:
    """A vector or matrix norm, chosen as ``torch.linalg.norm`` does.

    * ``dim`` an int: :func:`vector_norm`; a 2-tuple: :func:`matrix_norm`;
    * ``dim=None, ord=None``: the 2-norm of the flattened input;
    * ``dim=None`` with an ``ord``: the input must be 1-D (vector norm) or
      2-D (matrix norm).

    Args:
        A: the tensor.
        ord: the order (see :func:`vector_norm` and :func:`matrix_norm`).
        dim: None, an int or a 2-tuple; ``axis`` is the NumPy spelling.
        keepdim: keep the reduced dimensions as size 1; ``keepdims`` is the NumPy spelling.
        dtype: convert ``A`` to this dtype first.

    Raises:
        ValueError: an ``ord`` that does not fit the input or ``dim``.

    Examples:
        >>> import lucid
        >>> A = lucid.tensor([[1.0, 2.0], [2.0, 1.0]])
        >>> round(lucid.linalg.norm(A).item(), 4), round(lucid.linalg.norm(A, ord=2).item(), 4)
        (3.1623, 3.0)
    """
    A = to_tensor(A, "linalg.norm")
    dim = reduce_axis_arg(axis, dim, "linalg.norm")
    keepdim = reduce_keepdims_arg(keepdims, keepdim)
    if dim is not None:
        if isinstance(dim, (tuple, list)) and len(dim) == 2:
            return matrix_norm(A, "fro" if ord is None else ord, dim, keepdim, dtype=dtype)
        if isinstance(dim, (tuple, list)) and len(dim) != 1:
            raise ValueError(f"linalg.norm: dim must be an int, a 1-tuple or a 2-tuple, got {dim!r}")
        if isinstance(ord, str):
            raise ValueError(f"linalg.norm: ord={ord!r} is a matrix norm; pass a 2-tuple dim")
        return vector_norm(A, 2 if ord is None else ord, dim, keepdim, dtype=dtype)
    if ord is None:
        return vector_norm(A, 2, None, keepdim, dtype=dtype)
    if A.ndim == 2:
        return matrix_norm(A, ord, (-2, -1), keepdim, dtype=dtype)
    if A.ndim == 1 and not isinstance(ord, str):
        return vector_norm(A, ord, None, keepdim, dtype=dtype)
    raise ValueError(f"linalg.norm: with ord={ord!r} and dim=None the input must be 1-D or 2-D, got shape "
                     f"{A.shape}; pass dim")


def cond(A: Tensor, p=None) -> Tensor:
    """The condition number ``norm(A, p) * norm(inv(A), p)``; for ``p`` None or ±2, ``s_max / s_min``.

    Args:
        A: shape ``(*, m, n)`` (square unless ``p`` is None or ±2).
        p: None, 2, -2, or a :func:`matrix_norm` order.

    Examples:
        >>> import lucid
        >>> round(lucid.linalg.cond(lucid.tensor([[2.0, 0.0], [0.0, 0.5]])).item(), 4)
        4.0
    """
    A = matrix_input(A, "cond")
    if p is None or p in (2, -2):
        s = svdvals(A)
        big, small = amax(s, -1), amin(s, -1)
        return divide(big, small) if p in (None, 2) else divide(small, big)
    if A.shape[-1] != A.shape[-2]:
        raise ValueError(f"linalg.cond: p={p!r} needs square matrices, got shape {A.shape}")
    return multiply(matrix_norm(A, p), matrix_norm(inv(A), p))


class _Rank(CpuFunction):
    differentiable = False

    @staticmethod
    def forward(ctx, a, atol, rtol, hermitian):
        x = up(a)
        s = mx.abs(mx.linalg.eigvalsh(x)) if hermitian else mx.linalg.svd(x, compute_uv=False)
        smax = mx.max(s, axis=-1, keepdims=True) if s.shape[-1] else mx.zeros(s.shape[:-1] + (1,), s.dtype)
        if rtol is None:
            eps = float(np.finfo(np.float64 if x.dtype == mx.float64 else np.float32).eps)
            rtol = eps * max(x.shape[-2:]) if atol is None or atol <= 0 else 0.0
        tol = mx.maximum(0.0 if atol is None else atol, rtol * smax)
        return reductions.sum(s > tol, axis=-1).astype(mx.int64)


def matrix_rank(A: Tensor, *, atol=None, rtol=None, hermitian: bool = False) -> Tensor:
    """The numerical rank (int64): singular values above ``max(atol, rtol * s_max)``.

    With neither tolerance, ``rtol = eps * max(m, n)``. Not differentiable.

    Args:
        A: shape ``(*, m, n)``.
        atol: absolute tolerance.
        rtol: tolerance relative to the largest singular value.
        hermitian: ``A`` is symmetric: use its eigenvalues.

    Examples:
        >>> import lucid
        >>> lucid.linalg.matrix_rank(lucid.tensor([[1.0, 2.0], [2.0, 4.0]])).item()
        1
    """
    A = matrix_input(A, "matrix_rank", square=hermitian)
    for name, v in (("atol", atol), ("rtol", rtol)):
        if v is not None and (isinstance(v, bool) or not isinstance(v, numbers.Real)):
            raise TypeError(f"linalg.matrix_rank: {name} must be a float or None, got {v!r}")
    return _Rank.apply(A, None if atol is None else float(atol), None if rtol is None else float(rtol),
                       bool(hermitian))
