"""LU factorisations: ``lu_factor``, ``lu_factor_ex``, ``lu``, ``lu_solve``.

Pivots follow LAPACK's convention, as PyTorch's do: ``pivots[..., i]`` (int32,
1-based) is the row that row ``i + 1`` was swapped with at step ``i + 1``, the
swaps applied in order. ``A = P L U`` with ``L`` unit lower triangular
(``m x k``) and ``U`` upper triangular (``k x n``), ``k = min(m, n)``.
"""

from __future__ import annotations

from collections import namedtuple

import mlx.core as mx

from lucid._tensor import Tensor
from lucid.linalg._checks import checked, first_failure, guard, poison
from lucid.linalg._inverse import solve_triangular
from lucid.linalg._util import KernelFunction, bool_arg, down, matrix_input, swap, up
from lucid.ops._index_guard import safe_index
from lucid.ops._util import to_tensor
from lucid.ops.linalg import matmul
from lucid.ops.shape import transpose

__all__ = ["lu_factor", "lu_factor_ex", "lu", "lu_solve"]

LUFactorResult = namedtuple("lu_factor", ["LU", "pivots"])
LUFactorExResult = namedtuple("lu_factor_ex", ["LU", "pivots", "info"])
LUResult = namedtuple("lu", ["P", "L", "U"])

_INT_MX = (mx.int8, mx.int16, mx.int32, mx.int64, mx.uint8, mx.uint16, mx.uint32, mx.uint64)


def _permutation(piv: mx.array, m: int) -> mx.array:
    """The row permutation of LAPACK-style sequential swaps ``piv`` (0-based, ``(*, k)``).

    ``(P^T A)[i] = A[perm[i]]``.
    """
    ar = mx.arange(m, dtype=mx.int32)
    perm = mx.broadcast_to(ar, piv.shape[:-1] + (m,))
    for i in range(piv.shape[-1]):
        j = piv[..., i:i + 1].astype(mx.int32)
        pi = perm[..., i:i + 1]
        pj = mx.take_along_axis(perm, j, axis=-1)
        perm = mx.where(ar == i, pj, mx.where(ar == j, pi, perm))
    return perm


def _perm_matrix(perm: mx.array, dtype) -> mx.array:
    """``P`` with ``P[perm[c], c] = 1``, so that ``A = P (P^T A)``."""
    m = perm.shape[-1]
    return (mx.expand_dims(mx.arange(m, dtype=mx.int32), -1) == mx.expand_dims(perm, -2)).astype(dtype)


def _eliminate(a: mx.array) -> mx.array:
    """Gaussian elimination without pivoting: the packed ``L`` (strictly below the diagonal) and ``U`` of ``a``.

    ``k = min(m, n)`` steps of whole-array updates (``O(k m n)``); a zero pivot gives inf/NaN below it.
    """
    m, n = a.shape[-2:]
    rows = mx.expand_dims(mx.arange(m), -1)
    cols = mx.expand_dims(mx.arange(n), 0)
    x = a
    for j in range(min(m, n)):
        below = rows > j
        mult = mx.where(below, x[..., :, j:j + 1] / x[..., j:j + 1, j:j + 1], 0)
        right = mx.where(cols > j, x[..., j:j + 1, :], 0)
        x = mx.where(below & (cols == j), mult, x - mult * right)
    return x


def _unpack(lu: mx.array):
    m, n = lu.shape[-2:]
    k = min(m, n)
    low = mx.tril(lu[..., :, :k], -1) + mx.eye(m, k, dtype=lu.dtype)
    upp = mx.triu(lu[..., :k, :])
    return low, upp


def _lu_backward(low, upp, gl, gu):
    """Gradient of ``P^T A = L U`` (``P`` held fixed) from ``gL`` (strictly lower) and ``gU`` (upper).

    Square: ``L^{-T} [tril(L^T gL, -1) + triu(gU U^T)] U^{-T}``; the wide and tall cases split ``U``
    (resp. ``L``) into its square block and the rest.
    """
    m = low.shape[-2]
    n = upp.shape[-1]

    def right_ut(x, u):  # x u^{-T} for upper-triangular u
        return swap(mx.linalg.solve_triangular(u, swap(x), upper=True))

    def left_lt(lo, x):  # lo^{-T} x for unit lower-triangular lo (stored with its ones)
        return mx.linalg.solve_triangular(swap(lo), x, upper=True)

    if m == n:
        inner = mx.tril(swap(low) @ gl, -1) + mx.triu(gu @ swap(upp))
        return left_lt(low, right_ut(inner, upp))
    if m < n:  # wide: U = [U1 | U2], L is m x m
        u1 = upp[..., :, :m]
        x = mx.tril(swap(low) @ gl - mx.triu(gu) @ swap(upp), -1)
        x = right_ut(x, u1)
        x = mx.concatenate([x + mx.triu(gu[..., :, :m]), gu[..., :, m:]], axis=-1)
        return left_lt(low, x)
    # tall: L = [L1; L2], U is n x n
    l1 = low[..., :n, :]
    y = mx.triu(gu @ swap(upp) - swap(low) @ mx.tril(gl, -1))
    y = left_lt(l1, y)
    y = mx.concatenate([y + mx.tril(gl[..., :n, :], -1), gl[..., n:, :]], axis=-2)
    return right_ut(y, upp)


def _factor(x: mx.array, pivot: bool):
    """``(packed LU, 0-based pivots (*, k) int32, info)`` of a float32/float64 array."""
    m, n = x.shape[-2:]
    k = min(m, n)
    if k == 0:
        lu = x
        piv = mx.zeros(x.shape[:-2] + (0,), dtype=mx.int32)
    elif pivot:
        lu, piv = mx.linalg.lu_factor(x)
        piv = piv.astype(mx.int32)
    else:
        lu = _eliminate(x)
        piv = mx.broadcast_to(mx.arange(k, dtype=mx.int32), x.shape[:-2] + (k,))
    d = mx.diagonal(lu, axis1=-2, axis2=-1)
    info = first_failure(d == 0) if k else mx.zeros(x.shape[:-2], dtype=mx.int32)
    return lu, piv, info


def _save_factors(ctx, lu: mx.array, piv: mx.array, info: mx.array, dtype):
    """Keep ``L``, ``U``, the row permutation and ``info`` for :func:`_factor_grad`; returns the first three."""
    low, upp = _unpack(lu)
    perm = _permutation(piv, lu.shape[-2])
    ctx.save_for_backward(low, upp, perm, info)
    ctx.dtype = dtype
    return low, upp, perm


def _factor_grad(ctx, gl, gu):
    low, upp, perm, info = ctx.saved_tensors
    k = min(low.shape[-2], upp.shape[-1])
    if k == 0:
        return mx.zeros(low.shape[:-1] + upp.shape[-1:], dtype=ctx.dtype)
    # A zero pivot (singular U) would make MLX's triangular solve fail inside mx.eval: NaN gradient instead.
    ug = guard(upp[..., :k, :k], info)
    upp = mx.concatenate([ug, upp[..., :, k:]], axis=-1)
    grad = _lu_backward(low, upp, mx.tril(gl.astype(low.dtype), -1), mx.triu(gu.astype(low.dtype)))
    grad = _perm_matrix(perm, grad.dtype) @ grad
    return down(poison(grad, info), ctx.dtype)


class LUFactor(KernelFunction):
    """Returns ``(LU, pivots, info)``: pivots 1-based int32, info as LAPACK's ``getrf``."""

    @staticmethod
    def forward(ctx, a, pivot):
        lu, piv, info = _factor(up(a), pivot)
        if ctx.records:
            _save_factors(ctx, lu, piv, info, a.dtype)
        return down(lu, a.dtype), piv + 1, info

    @staticmethod
    def backward(ctx, g, _gpiv=None, _ginfo=None):
        k = min(g.shape[-2:])
        return _factor_grad(ctx, g[..., :, :k], g[..., :k, :]), None


class LU(KernelFunction):
    """Returns ``(P, L, U)``."""

    @staticmethod
    def forward(ctx, a, pivot):
        low, upp, perm = _save_factors(ctx, *_factor(up(a), pivot), a.dtype)
        p = _perm_matrix(perm, a.dtype) if pivot else mx.zeros((0,), dtype=a.dtype)
        ctx.mark_non_differentiable(p)
        return p, down(low, a.dtype), down(upp, a.dtype)

    @staticmethod
    def backward(ctx, _gp, gl, gu):
        return _factor_grad(ctx, gl, gu), None


def _lu_factor_message(pivot: int) -> str:
    return (f"U[{pivot - 1},{pivot - 1}] is zero, so using it in lu_solve would divide by zero. To factor it "
            "anyway, call linalg.lu or linalg.lu_factor_ex.")


def lu_factor(A: Tensor, *, pivot: bool = True) -> LUFactorResult:
    """The LU factorisation with partial pivoting, packed: ``(LU, pivots)`` with ``A = P L U``.

    ``LU`` holds ``U`` on and above its diagonal and ``L`` (unit diagonal,
    not stored) below it; ``pivots`` (int32, ``(*, min(m, n))``) are LAPACK's
    1-based row interchanges, as in PyTorch. Pass both to :func:`lu_solve`.
    A matrix with an exact zero in ``U``'s diagonal raises
    :class:`LinAlgError` at the next sync point; :func:`lu_factor_ex` returns
    the code instead. Differentiable (through ``LU``) for full-rank ``A``.

    Args:
        A: shape ``(*, m, n)``.
        pivot: ``False`` factors without row interchanges (Gaussian
            elimination; ``pivots`` is then ``1, 2, ..., k``), which fails on
            a zero leading minor and is unstable for small ones.

    Returns:
        LUFactorResult: the named tuple ``(LU, pivots)``.

    Raises:
        LinAlgError: (at the next sync point) some ``U`` has a zero on its diagonal.

    Examples:
        >>> import lucid
        >>> LU, pivots = lucid.linalg.lu_factor(lucid.tensor([[1.0, 2.0], [3.0, 4.0]]))
        >>> LU.tolist(), pivots.tolist()
        ([[3.0, 4.0], [0.3333333432674408, 0.6666666269302368]], [2, 2])
    """
    return LUFactorResult(*_lu_factor(A, pivot, "lu_factor", True)[:2])


def lu_factor_ex(A: Tensor, *, pivot: bool = True, check_errors: bool = False) -> LUFactorExResult:
    """:func:`lu_factor` that returns LAPACK's error code instead of raising: ``(LU, pivots, info)``.

    ``info`` (int32, shape ``(*)``) is 0, or the 1-based index of the first
    zero on ``U``'s diagonal (the factorisation is still complete then).

    Args:
        A: shape ``(*, m, n)``.
        pivot: ``False`` factors without row interchanges.
        check_errors: also raise :class:`LinAlgError` (at the next sync point) when some ``info`` is nonzero.

    Returns:
        LUFactorExResult: the named tuple ``(LU, pivots, info)``.

    Examples:
        >>> import lucid
        >>> lucid.linalg.lu_factor_ex(lucid.tensor([[1.0, 2.0], [2.0, 4.0]])).info.item()
        2
    """
    return LUFactorExResult(*_lu_factor(A, pivot, "lu_factor_ex", check_errors))


def _lu_factor(A, pivot, op, check_errors):
    """``(LU, pivots, info)`` for ``linalg.{op}``, with a lazy ``LinAlgError`` when ``check_errors``."""
    check_errors = bool_arg(check_errors, "check_errors", op)
    outputs = LUFactor.apply(matrix_input(A, op), bool_arg(pivot, "pivot", op))
    return checked(outputs, op, _lu_factor_message, check_errors)


def lu(A: Tensor, *, pivot: bool = True) -> LUResult:
    """The LU decomposition with partial pivoting, unpacked: ``A = P L U``.

    ``P`` is an ``m x m`` permutation matrix (in ``A``'s dtype), ``L`` is
    ``m x k`` unit lower triangular and ``U`` is ``k x n`` upper triangular,
    ``k = min(m, n)``. Singular matrices are factored without error. The
    gradient (through ``L`` and ``U``) needs a nonsingular ``U``'s square
    block.

    Args:
        A: shape ``(*, m, n)``.
        pivot: ``False`` factors without row interchanges; ``P`` is then an
            empty tensor, as in PyTorch.

    Returns:
        LUResult: the named tuple ``(P, L, U)``.

    Examples:
        >>> import lucid
        >>> P, L, U = lucid.linalg.lu(lucid.tensor([[1.0, 2.0], [3.0, 4.0]]))
        >>> P.tolist(), U.tolist()
        ([[0.0, 1.0], [1.0, 0.0]], [[3.0, 4.0], [0.0, 0.6666666269302368]])
    """
    P, L, U = LU.apply(matrix_input(A, "lu"), bool_arg(pivot, "pivot", "lu"))
    return LUResult(P, L, U)


def _pivot_tensor(pivots, n: int, batch: tuple, op: str) -> mx.array:
    """The raw int32 pivots, checked for dtype and shape (values unchecked)."""
    pivots = to_tensor(pivots, f"linalg.{op}")
    if pivots._data.dtype not in _INT_MX:
        raise TypeError(f"linalg.{op}: pivots must be an integer tensor (int32, as lu_factor returns), "
                        f"got {pivots.dtype}")
    if pivots.shape != batch + (n,):
        raise ValueError(f"linalg.{op}: pivots must have shape {batch + (n,)} to match the factor, "
                         f"got {pivots.shape}")
    return pivots._data.astype(mx.int32)


def lu_solve(LU: Tensor, pivots: Tensor, B: Tensor, *, left: bool = True, adjoint: bool = False) -> Tensor:
    """Solve ``A X = B`` from :func:`lu_factor`'s ``(LU, pivots)`` of a square ``A``.

    ``left=False`` solves ``X A = B``; ``adjoint=True`` uses ``A^T`` (the
    adjoint, for real matrices) instead of ``A``. Batch dimensions of ``LU``
    and ``B`` broadcast. Composed of triangular solves, so it is
    differentiable in ``LU`` and ``B``. A zero on ``U``'s diagonal makes that
    system's ``X`` NaN.

    Args:
        LU: shape ``(*, n, n)``, from :func:`lu_factor`.
        pivots: shape ``(*, n)``, from :func:`lu_factor` (1-based; an
            out-of-range pivot raises ``IndexError`` at the next sync point).
        B: shape ``(*, n, k)`` (``(*, k, n)`` with ``left=False``).
        left: solve ``A X = B`` (default) or ``X A = B``.
        adjoint: solve with ``A^T`` instead of ``A``.

    Returns:
        Tensor: ``X``, shaped like the broadcast ``B``.

    Raises:
        ValueError: shapes that do not match.

    Examples:
        >>> import lucid
        >>> A = lucid.tensor([[1.0, 2.0], [3.0, 4.0]])
        >>> LU, pivots = lucid.linalg.lu_factor(A)
        >>> X = lucid.linalg.lu_solve(LU, pivots, lucid.tensor([[5.0], [11.0]]))
        >>> [round(v, 4) for v in X.flatten().tolist()]
        [1.0, 2.0]
    """
    bool_arg(left, "left", "lu_solve")
    bool_arg(adjoint, "adjoint", "lu_solve")
    LU = matrix_input(LU, "lu_solve", square=True)
    n = LU.shape[-1]
    piv = safe_index(_pivot_tensor(pivots, n, LU.shape[:-2], "lu_solve") - 1, n, "linalg.lu_solve", noun="pivot")
    B = to_tensor(B, "linalg.lu_solve")
    if B.ndim < 2 or (B.shape[-2] if left else B.shape[-1]) != n:
        want = f"(*, {n}, k)" if left else f"(*, k, {n})"
        raise ValueError(f"linalg.lu_solve: B must have shape {want} to match LU of shape {LU.shape}, "
                         f"got {B.shape}")
    P = Tensor(_perm_matrix(_permutation(piv, n), LU._data.dtype))  # a constant
    if not left:  # X A = B  <=>  A^T X^T = B^T
        B = transpose(B, -2, -1)
        adjoint = not adjoint
    if adjoint:  # A^T X = B with A^T = U^T L^T P^T
        Y = solve_triangular(transpose(LU, -2, -1), B, upper=False)
        Y = solve_triangular(transpose(LU, -2, -1), Y, upper=True, unitriangular=True)
        X = matmul(P, Y)
    else:  # A X = B with A = P L U
        Y = matmul(transpose(P, -2, -1), B)
        Y = solve_triangular(LU, Y, upper=False, unitriangular=True)
        X = solve_triangular(LU, Y, upper=True)
    return transpose(X, -2, -1) if not left else X
