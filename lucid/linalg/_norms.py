"""Norms and rank: ``vector_norm``, ``matrix_norm``, ``norm``, ``cond``, ``matrix_rank``."""

from __future__ import annotations

import math
import numbers

import mlx.core as mx
import numpy as np

from lucid._backend import reductions
from lucid._tensor import Tensor
from lucid.autograd.function import Function
from lucid.linalg._decomp import svdvals
from lucid.linalg._util import matrix_input, move_axes, on_cpu, reshape, up
from lucid.ops._util import reduce_axis_arg, reduce_keepdims_arg
from lucid.ops.linalg import _vector_norm
from lucid.ops.reduction import _axes, _tensor, amax, amin
from lucid.ops.reduction import sum as _sum

__all__ = ["vector_norm", "matrix_norm", "norm", "cond", "matrix_rank"]

_MATRIX_ORDS = ("fro", "nuc", 1, -1, 2, -2, math.inf, -math.inf)


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
    x = _tensor(x, "vector_norm")
    keep = reduce_keepdims_arg(keepdims, keepdim)
    return _vector_norm(x, ord, _axes(x, axis, dim, "linalg.vector_norm"), keep, dtype, "linalg.vector_norm")


def _matrix_dims(A: Tensor, dim, op: str) -> tuple:
    if not isinstance(dim, (tuple, list)) or len(dim) != 2:
        raise ValueError(f"linalg.{op}: dim must be a pair of dims, got {dim!r}")
    n = A.ndim
    for d in dim:
        if isinstance(d, bool) or not isinstance(d, numbers.Integral):
            raise TypeError(f"linalg.{op}: dims must be ints, got {d!r}")
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
        s = svdvals(move_axes(A, d0, d1))
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
    A = _tensor(A, "linalg.norm")
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
    from lucid.linalg._inverse import inv
    from lucid.ops.arithmetic import divide, multiply

    A = matrix_input(A, "cond")
    if p is None or p in (2, -2):
        s = svdvals(A)
        big, small = amax(s, -1), amin(s, -1)
        return divide(big, small) if p in (None, 2) else divide(small, big)
    if A.shape[-1] != A.shape[-2]:
        raise ValueError(f"linalg.cond: p={p!r} needs square matrices, got shape {A.shape}")
    return multiply(matrix_norm(A, p), matrix_norm(inv(A), p))


class _Rank(Function):
    differentiable = False

    @staticmethod
    @on_cpu
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
