"""Failures of LAPACK factorisations, reported lazily as ``LinAlgError`` (PyTorch's ``info`` codes).

MLX ignores LAPACK's status: a Cholesky factor of a matrix that is not
positive definite comes back with a non-positive diagonal entry, and an LU
factorisation with an exact zero pivot either raises an opaque error from
inside ``mx.eval`` (taking every other array of that evaluation down with it)
or yields a made-up result. Lucid derives PyTorch's ``info`` code from the
factor itself, lazily, replaces failing matrices with the identity before they
reach a kernel that would fail, and records the error with
:func:`lucid._backend.checks.defer`, so it is raised at the next sync point
(``item``, ``tolist``, ``lucid.eval``, ``Optimizer.step``, ...) rather than at
the call.

Examples:
    >>> import lucid
    >>> L = lucid.linalg.cholesky(lucid.tensor([[1.0, 2.0], [2.0, 1.0]]))  # no error yet: nothing evaluated
    >>> try:
    ...     L.tolist()
    ... except lucid.linalg.LinAlgError as err:
    ...     print(err)  # doctest: +NORMALIZE_WHITESPACE
    linalg.cholesky: The factorization could not be completed because the input is not positive-definite
    (the leading minor of order 2 is not positive-definite).
"""

from __future__ import annotations

from collections.abc import Callable

import mlx.core as mx

from lucid._backend import checks, reductions

__all__ = ["LinAlgError", "first_failure", "cholesky_info", "lu_info", "guard", "poison", "defer_info", "checked",
           "cholesky_message", "inv_message", "solve_message"]


class LinAlgError(RuntimeError):
    """A linear-algebra routine could not complete: the matrix is singular or not positive definite.

    It is a ``RuntimeError``, as ``torch.linalg.LinAlgError`` is. Lucid raises
    it at the next sync point after the call (MLX computes lazily), not at the
    call itself.

    Examples:
        >>> import lucid
        >>> issubclass(lucid.linalg.LinAlgError, RuntimeError)
        True
    """


LinAlgError.__module__ = "lucid.linalg"  # its public home, as shown in tracebacks


def first_failure(failed: mx.array) -> mx.array:
    """``info`` from a ``(*, n)`` boolean array: 1 + the first failing index along the last axis, 0 when none."""
    if failed.size == 0:  # no matrices, or 0 x 0 ones: nothing can fail (and argmax needs elements)
        return mx.zeros(failed.shape[:-1], dtype=mx.int32)
    index = mx.argmax(failed, axis=-1).astype(mx.int32) + 1
    return mx.where(reductions.any(failed, axis=-1), index, 0)


def cholesky_info(low: mx.array) -> mx.array:
    """PyTorch's ``info`` for a Cholesky factor: the order of the first leading minor that is not positive definite.

    LAPACK's ``potrf`` stops at the first pivot that is not positive (or is
    NaN) and leaves it on the diagonal, with positive square roots before it,
    so the first diagonal entry that is not ``> 0`` is that order.
    """
    d = mx.diagonal(low, axis1=-2, axis2=-1)
    return first_failure(mx.logical_not(d > 0))


def lu_info(a: mx.array) -> mx.array:
    """PyTorch's ``info`` for an LU factorisation with partial pivoting: the first exact zero pivot (1-based), or 0.

    This costs one LU factorisation (about ``2n^3/3`` flops per matrix) beside
    the kernel's own: MLX reports no status of its own.
    """
    # stop_gradient: info is never differentiated, and MLX's own transforms
    # (lucid.func) cannot differentiate the pivots' gathers inside lu_factor.
    lu, _ = mx.linalg.lu_factor(mx.stop_gradient(a))
    return first_failure(mx.diagonal(lu, axis1=-2, axis2=-1) == 0)


def guard(a: mx.array, info: mx.array) -> mx.array:
    """``a`` with every failing matrix (``info != 0``) replaced by the identity, so that no kernel fails on it."""
    eye = mx.eye(a.shape[-1], dtype=a.dtype)
    return mx.where(mx.expand_dims(info != 0, (-2, -1)), eye, a)


def poison(x: mx.array, info: mx.array) -> mx.array:
    """``x`` with the results of failing matrices set to NaN (``info`` broadcast over ``x``'s last two axes)."""
    return mx.where(mx.expand_dims(info != 0, (-2, -1)), mx.array(float("nan"), dtype=x.dtype), x)


def defer_info(info: mx.array, op: str, describe: Callable[[int], str]) -> None:
    """Record a lazy ``LinAlgError`` for ``linalg.{op}``, raised at the next sync point if any ``info`` is nonzero.

    Args:
        info: int32 codes of batch shape (0-d for a single matrix).
        op: the public name, e.g. ``"cholesky"``.
        describe: the sentence for a nonzero code, e.g. ``lambda k: f"... order {k} ..."``.
    """
    if info.size == 0:
        return
    flat = info.reshape(-1)
    failed = flat != 0
    first = mx.argmax(failed)
    batched = info.ndim > 0

    def make_error(first, code, count):
        where = f"(Batch element {first}): " if batched else ""
        more = f" ({count - 1} more batch element(s) failed too.)" if count > 1 else ""
        return LinAlgError(f"linalg.{op}: {where}{describe(code)}{more}")

    checks.defer(reductions.any(failed), make_error, first, flat[first], reductions.sum(failed))


def checked(outputs: tuple, op: str, describe: Callable[[int], str], check_errors: bool = True) -> tuple:
    """A factorisation's ``outputs`` (``info`` last), with :func:`defer_info` on ``info`` when ``check_errors``.

    The public function that raises passes ``True``; its ``_ex`` twin passes its ``check_errors`` argument.
    """
    if check_errors:
        defer_info(outputs[-1]._data, op, describe)
    return outputs


def cholesky_message(order: int) -> str:
    return ("The factorization could not be completed because the input is not positive-definite "
            f"(the leading minor of order {order} is not positive-definite).")


def inv_message(pivot: int) -> str:
    return (f"The diagonal element {pivot} is zero, the inversion could not be completed because the input "
            "matrix is singular.")


def solve_message(_pivot: int) -> str:
    return "The solver failed because the input matrix is singular."
