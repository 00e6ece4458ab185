"""The LDL^T factorisation of symmetric matrices: ``ldl_factor``, ``ldl_factor_ex``, ``ldl_solve``.

NOTE: PyTorch calls LAPACK's ``sytrf`` (Bunch-Kaufman pivoting with 1x1 and
2x2 blocks). Lucid factors without pivoting (``A = L D L^T``, ``D``
diagonal), so ``pivots`` is always ``1, 2, ..., n`` (positive: 1x1 blocks,
no interchanges). The result equals LAPACK's whenever Bunch-Kaufman would not
pivot (for example for diagonally dominant matrices); a matrix with a
singular leading minor (such as ``[[0, 1], [1, 0]]``) needs pivoting and is
reported as an error; small leading minors make the factors inaccurate.
"""

from __future__ import annotations

from collections import namedtuple

import mlx.core as mx

from lucid._backend import checks, reductions
from lucid._tensor import Tensor
from lucid.autograd.function import Function
from lucid.linalg._checks import defer_info, first_failure, guard, poison
from lucid.linalg._inverse import solve_triangular
from lucid.linalg._lu import _eliminate, _lu_backward, _pivot_tensor
from lucid.linalg._util import down, matrix_input, on_cpu, swap, up
from lucid.ops._util import to_tensor
from lucid.ops.arithmetic import divide
from lucid.ops.rearrange import diagonal
from lucid.ops.shape import transpose, unsqueeze

__all__ = ["ldl_factor", "ldl_factor_ex", "ldl_solve"]

LDLFactorResult = namedtuple("ldl_factor", ["LD", "pivots"])
LDLFactorExResult = namedtuple("ldl_factor_ex", ["LD", "pivots", "info"])


def _symmetric_from_lower(x: mx.array) -> mx.array:
    return mx.tril(x) + swap(mx.tril(x, -1))


class LDLFactor(Function):
    """Returns ``(LD, pivots, info)``; ``LD`` holds ``L`` below the diagonal and ``D`` on it."""

    @staticmethod
    @on_cpu
    def forward(ctx, a):
        x = _symmetric_from_lower(up(a))
        n = x.shape[-1]
        lu = _eliminate(x) if n else x
        d = mx.diagonal(lu, axis1=-2, axis2=-1)
        info = first_failure(d == 0) if n else mx.zeros(x.shape[:-2], dtype=mx.int32)
        eye = mx.eye(n, dtype=x.dtype)
        ld = mx.tril(lu, -1) + eye * mx.expand_dims(d, -2)
        if ctx.records:
            ctx.save_for_backward(lu, info)
        ctx.dtype = a.dtype
        piv = mx.broadcast_to(mx.arange(1, n + 1, dtype=mx.int32), x.shape[:-1])
        return down(ld, a.dtype), piv, info

    @staticmethod
    @on_cpu
    def backward(ctx, g, _gpiv=None, _ginfo=None):
        lu, info = ctx.saved_tensors
        n = lu.shape[-1]
        if n == 0:
            return mx.zeros(lu.shape, dtype=ctx.dtype)
        g = g.astype(lu.dtype)
        # Without pivoting A = L U with U = D L^T; LD reads L below the diagonal and U's diagonal.
        eye = mx.eye(n, dtype=lu.dtype)
        low = mx.tril(lu, -1) + eye
        upp = guard(mx.triu(lu), info)
        grad = poison(_lu_backward(low, upp, mx.tril(g, -1), g * eye), info)
        # Only the lower triangle of A was read.
        return down(mx.tril(grad) + mx.tril(swap(grad), -1), ctx.dtype)


def _ldl_message(order: int) -> str:
    return (f"The leading minor of order {order} is singular, so D[{order - 1}] is zero. Lucid's LDL "
            "factorisation does not pivot (PyTorch's Bunch-Kaufman does), so this matrix needs a different "
            "method: linalg.lu_factor or linalg.eigh.")


def _args(A, hermitian, op):
    if not isinstance(hermitian, bool):
        raise TypeError(f"linalg.{op}: hermitian must be a bool, got {hermitian!r}")
    return matrix_input(A, op, square=True)


def ldl_factor(A: Tensor, *, hermitian: bool = False) -> LDLFactorResult:
    """The LDL^T factorisation ``A = L D L^T`` of a symmetric matrix, packed: ``(LD, pivots)``.

    ``LD`` holds ``L`` (unit lower triangular, its diagonal not stored)
    below the diagonal and ``D`` on it; only ``A``'s lower triangle is read.
    Pass both to :func:`ldl_solve`. Lucid does not pivot (see the module
    note): ``pivots`` is always ``1, ..., n``, and a matrix with a singular
    leading minor raises :class:`LinAlgError` at the next sync point.
    Differentiable (PyTorch's is not).

    Args:
        A: shape ``(*, n, n)``, symmetric (real).
        hermitian: accepted for PyTorch compatibility; real symmetric and
            Hermitian are the same for real matrices.

    Returns:
        LDLFactorResult: the named tuple ``(LD, pivots)``.

    Raises:
        LinAlgError: (at the next sync point) a zero pivot.

    Examples:
        >>> import lucid
        >>> LD, pivots = lucid.linalg.ldl_factor(lucid.tensor([[4.0, 2.0], [2.0, 3.0]]))
        >>> LD.tolist(), pivots.tolist()
        ([[4.0, 0.0], [0.5, 2.0]], [1, 2])
    """
    LD, piv, info = LDLFactor.apply(_args(A, hermitian, "ldl_factor"))
    defer_info(info._data, "ldl_factor", _ldl_message)
    return LDLFactorResult(LD, piv)


def ldl_factor_ex(A: Tensor, *, hermitian: bool = False, check_errors: bool = False) -> LDLFactorExResult:
    """:func:`ldl_factor` that returns the error code instead of raising: ``(LD, pivots, info)``.

    ``info`` (int32, shape ``(*)``) is 0, or the 1-based index of the first
    zero in ``D`` (as LAPACK's ``sytrf`` reports an exactly singular ``D``).

    Args:
        A: shape ``(*, n, n)``, symmetric.
        hermitian: accepted for PyTorch compatibility (real matrices only).
        check_errors: also raise :class:`LinAlgError` (at the next sync point) when some ``info`` is nonzero.

    Returns:
        LDLFactorExResult: the named tuple ``(LD, pivots, info)``.

    Examples:
        >>> import lucid
        >>> lucid.linalg.ldl_factor_ex(lucid.tensor([[0.0, 1.0], [1.0, 0.0]])).info.item()
        1
    """
    if not isinstance(check_errors, bool):
        raise TypeError(f"linalg.ldl_factor_ex: check_errors must be a bool, got {check_errors!r}")
    LD, piv, info = LDLFactor.apply(_args(A, hermitian, "ldl_factor_ex"))
    if check_errors:
        defer_info(info._data, "ldl_factor_ex", _ldl_message)
    return LDLFactorExResult(LD, piv, info)


def _no_interchanges(_count) -> NotImplementedError:
    return NotImplementedError("linalg.ldl_solve: pivots other than 1, 2, ..., n (row interchanges or 2x2 "
                               "blocks from a Bunch-Kaufman factorisation) are not supported; factor with "
                               "lucid.linalg.ldl_factor")


def ldl_solve(LD: Tensor, pivots: Tensor, B: Tensor, *, hermitian: bool = False) -> Tensor:
    """Solve ``A X = B`` from :func:`ldl_factor`'s ``(LD, pivots)`` of a symmetric ``A``.

    ``X = L^{-T} D^{-1} L^{-1} B``, composed of triangular solves, so it is
    differentiable in ``LD`` and ``B``. Batch dimensions broadcast. Pivots
    other than ``1, ..., n`` (which :func:`ldl_factor` never returns) raise
    ``NotImplementedError`` at the next sync point.

    Args:
        LD: shape ``(*, n, n)``, from :func:`ldl_factor`.
        pivots: shape ``(*, n)``, from :func:`ldl_factor`.
        B: shape ``(*, n, k)``.
        hermitian: accepted for PyTorch compatibility (real matrices only).

    Returns:
        Tensor: ``X``, shaped like the broadcast ``B``.

    Raises:
        ValueError: shapes that do not match.

    Examples:
        >>> import lucid
        >>> A = lucid.tensor([[4.0, 2.0], [2.0, 3.0]])
        >>> LD, pivots = lucid.linalg.ldl_factor(A)
        >>> lucid.linalg.ldl_solve(LD, pivots, lucid.tensor([[6.0], [5.0]])).tolist()
        [[1.0], [1.0]]
    """
    op = "ldl_solve"
    if not isinstance(hermitian, bool):
        raise TypeError(f"linalg.{op}: hermitian must be a bool, got {hermitian!r}")
    LD = matrix_input(LD, op, square=True)
    n = LD.shape[-1]
    piv = _pivot_tensor(pivots, n, LD.shape[:-2], op)  # the pivots are never used to index anything
    if n:
        checks.defer(reductions.any(piv != mx.arange(1, n + 1, dtype=piv.dtype)), _no_interchanges, mx.array(0))
    B = to_tensor(B, f"linalg.{op}")
    if B.ndim < 2 or B.shape[-2] != n:
        raise ValueError(f"linalg.{op}: B must have shape (*, {n}, k) to match LD of shape {LD.shape}, "
                         f"got {B.shape}")
    Y = solve_triangular(LD, B, upper=False, unitriangular=True)
    Y = divide(Y, unsqueeze(diagonal(LD, 0, -2, -1), -1))
    return solve_triangular(transpose(LD, -2, -1), Y, upper=True, unitriangular=True)
