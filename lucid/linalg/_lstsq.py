"""Least squares: ``lstsq``."""

from __future__ import annotations

import numbers
from collections import namedtuple

import mlx.core as mx
import numpy as np

from lucid._backend import reductions
from lucid._tensor import Tensor
from lucid.autograd.grad_mode import no_grad
from lucid.linalg._decomp import svdvals
from lucid.linalg._inverse import pinv
from lucid.linalg._util import matrix_input
from lucid.ops._util import to_tensor
from lucid.ops.linalg import matmul
from lucid.ops.reduction import sum as _sum
from lucid.ops.shape import unsqueeze

__all__ = ["lstsq"]

LstsqResult = namedtuple("lstsq", ["solution", "residuals", "rank", "singular_values"])

_DRIVERS = ("gels", "gelsy", "gelsd", "gelss")


def lstsq(A: Tensor, B: Tensor, rcond: float | None = None, *, driver: str | None = None) -> LstsqResult:
    """The least-squares solution of ``A X = B``: ``X`` minimising ``||A X - B||_F`` (of least norm).

    Computed from the SVD of ``A`` (the pseudo-inverse): singular values at
    or below ``rcond * s_max`` count as zero (default ``rcond``: the dtype's
    machine epsilon times ``max(m, n)``, as in PyTorch). Differentiable
    through ``solution`` (and ``residuals``) for a locally constant rank.
    Batch dimensions broadcast.

    The fields follow PyTorch's per driver: ``rank`` (int64, ``(*)``) for
    every driver but ``"gels"``; ``singular_values`` (``(*, min(m, n))``)
    for ``"gelsd"`` and ``"gelss"``; the others are empty tensors.
    ``residuals`` (``(*, k)``, the squared norms of the columns of
    ``A X - B``) are returned whenever ``m > n`` and the driver is not
    ``"gelsy"``, the default.

    NOTE: PyTorch also returns empty residuals when some matrix in the
    batch is rank deficient; knowing that needs a host sync, which Lucid
    avoids, so its residuals are then those of the least-norm solution.
    The driver only selects which fields are filled: the solution always
    comes from the SVD (``"gels"`` in LAPACK assumes full rank and would
    not give the least-norm solution otherwise).

    Args:
        A: shape ``(*, m, n)``.
        B: shape ``(*, m, k)``, or ``(*, m)`` (a batch of vectors; then ``solution`` is ``(*, n)``).
        rcond: relative cutoff for small singular values.
        driver: ``None`` (``"gelsy"``), ``"gels"``, ``"gelsy"``, ``"gelsd"`` or ``"gelss"``.

    Returns:
        LstsqResult: the named tuple ``(solution, residuals, rank, singular_values)``.

    Raises:
        ValueError: shapes that do not match or an unknown driver.
        TypeError: non-floating inputs or a non-number ``rcond``.

    Examples:
        >>> import lucid
        >>> A = lucid.tensor([[1.0, 0.0], [1.0, 1.0], [1.0, 2.0]])
        >>> B = lucid.tensor([[1.0], [2.0], [4.0]])
        >>> res = lucid.linalg.lstsq(A, B, driver="gelsd")
        >>> [round(v, 4) for v in res.solution.flatten().tolist()], res.rank.item()
        ([0.8333, 1.5], 2)
        >>> [round(v, 4) for v in res.residuals.tolist()]
        [0.1667]
    """
    op = "linalg.lstsq"
    A = matrix_input(A, "lstsq")
    B = to_tensor(B, op)
    if not B.dtype.is_floating_point:
        raise TypeError(f"{op}: expected a floating-point B, got {B.dtype}")
    if driver is None:
        driver = "gelsy"
    if driver not in _DRIVERS:
        raise ValueError(f"{op}: driver must be None or one of {_DRIVERS}, got {driver!r}")
    if rcond is not None and (isinstance(rcond, bool) or not isinstance(rcond, numbers.Real)):
        raise TypeError(f"{op}: rcond must be a float or None, got {rcond!r}")
    m, n = A.shape[-2:]
    # PyTorch's rule (as in solve): B is a (batch of) vector(s) if it is 1-D or has exactly A's batch shape plus (m,).
    vector = B.ndim == 1 or (B.ndim == A.ndim - 1 and B.shape == A.shape[:-1])
    if B.ndim < 1 or (B.shape[-1] if vector else B.shape[-2]) != m:
        raise ValueError(f"{op}: A of shape {A.shape} and B of shape {B.shape} do not match: B needs {m} rows "
                         f"(shape (*, {m}, k) or (*, {m}))")
    try:
        mx.broadcast_shapes(A.shape[:-2], B.shape[:-1] if vector else B.shape[:-2])
    except ValueError:
        raise ValueError(f"{op}: the batch dimensions of A {A.shape} and B {B.shape} do not broadcast") from None
    if rcond is None:
        eps = float(np.finfo(np.float64 if A._data.dtype == mx.float64 else np.float32).eps)
        rcond = eps * max(m, n)
    rcond = float(rcond)
    Bm = unsqueeze(B, -1) if vector else B
    X = matmul(pinv(A, rtol=max(rcond, 0.0)), Bm)
    if m > n and driver != "gelsy":
        residuals = _sum((matmul(A, X) - Bm) ** 2, dim=-2)
        if vector:
            residuals = residuals[..., 0]
    else:
        residuals = Tensor(mx.zeros((0,), dtype=X._data.dtype))
    empty = Tensor(mx.zeros((0,), dtype=A._data.dtype))
    with no_grad():
        s = svdvals(A) if driver != "gels" else None
    if driver == "gels":
        rank = Tensor(mx.zeros((0,), dtype=mx.int64))
    else:
        cutoff = rcond * s._data[..., :1]
        rank = Tensor(reductions.sum(s._data > cutoff, axis=-1).astype(mx.int64))
    singular_values = s if driver in ("gelsd", "gelss") else empty
    return LstsqResult(X[..., 0] if vector else X, residuals, rank, singular_values)
