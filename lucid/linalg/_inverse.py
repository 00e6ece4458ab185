"""Inverses and determinants: ``inv``, ``det``, ``slogdet``, ``solve``, ``solve_triangular``, ``pinv``,
``matrix_power``."""

from __future__ import annotations

import numbers
from collections import namedtuple

import mlx.core as mx
import numpy as np

from lucid._tensor import Tensor
from lucid.linalg._checks import checked, first_failure, guard, inv_message, lu_info, poison, solve_message
from lucid.linalg._util import CpuFunction, KernelFunction, bool_arg, down, matrix_input, swap, up
from lucid.ops._util import check_int, to_tensor, unbroadcast
from lucid.ops.linalg import matmul

__all__ = ["inv", "inv_ex", "det", "slogdet", "solve", "solve_ex", "solve_triangular", "pinv", "matrix_power"]

SlogdetResult = namedtuple("slogdet", ["sign", "logabsdet"])
InvExResult = namedtuple("inv_ex", ["inverse", "info"])
SolveExResult = namedtuple("solve_ex", ["result", "info"])


class Inv(KernelFunction):
    """Returns ``(inverse, info)``; ``info`` (int32, batch shape) is 0 or the first zero pivot (1-based)."""

    @staticmethod
    def forward(ctx, a):
        x = up(a)
        if x.shape[-1] == 0:  # MLX's LU kernel divides by zero on 0 x 0 matrices (SIGFPE)
            y, info = x, mx.zeros(x.shape[:-2], dtype=mx.int32)
        else:
            info = lu_info(x)
            # Singular matrices never reach MLX's kernel (its error would abort the whole mx.eval):
            # their inverse is NaN, and the error is raised lazily.
            y = poison(mx.linalg.inv(guard(x, info)), info)
        ctx.dtype = a.dtype
        ctx.save_for_backward(y)
        return down(y, a.dtype), info

    @staticmethod
    def backward(ctx, g, _ginfo=None):
        (y,) = ctx.saved_tensors
        yt = swap(y)
        return down(-(yt @ g.astype(y.dtype) @ yt), ctx.dtype)


def inv(A: Tensor) -> Tensor:
    """The inverse of a square matrix (or of each matrix in a batch ``(*, n, n)``).

    The gradient is :math:`-A^{-T} \\bar{X} A^{-T}`. A singular matrix (an
    exact zero pivot in the LU factorisation, PyTorch's test) raises
    :class:`LinAlgError` at the next sync point, not at the call;
    :func:`inv_ex` returns the error code instead.

    Args:
        A: shape ``(*, n, n)``.

    Returns:
        Tensor: shape ``(*, n, n)``, in ``A``'s dtype.

    Raises:
        TypeError: an integer tensor.
        ValueError: fewer than 2 dimensions or non-square matrices.
        LinAlgError: (at the next sync point) some matrix is singular.

    Examples:
        >>> import lucid
        >>> Ainv = lucid.linalg.inv(lucid.tensor([[2.0, 1.0], [1.0, 1.0]]))
        >>> [[round(v, 4) for v in row] for row in Ainv.tolist()]
        [[1.0, -1.0], [-1.0, 2.0]]
    """
    return _inv(A, "inv", True)[0]


def inv_ex(A: Tensor, *, check_errors: bool = False) -> InvExResult:
    """:func:`inv` that returns LAPACK's error code instead of raising: ``(inverse, info)``.

    ``info`` (int32, shape ``(*)``) is 0 for an invertible matrix and
    otherwise the (1-based) index of the first exact zero pivot of its LU
    factorisation with partial pivoting, as in PyTorch.

    NOTE: the inverse of a singular matrix is NaN here; PyTorch returns
    whatever LAPACK left in the buffer (part of the LU factors).

    Args:
        A: shape ``(*, n, n)``.
        check_errors: also raise :class:`LinAlgError` (at the next sync point) when some ``info`` is nonzero.

    Returns:
        InvExResult: the named tuple ``(inverse, info)``.

    Examples:
        >>> import lucid
        >>> A = lucid.tensor([[[2.0, 0.0], [0.0, 4.0]], [[1.0, 2.0], [2.0, 4.0]]])
        >>> result = lucid.linalg.inv_ex(A)
        >>> result.info.tolist(), result.inverse[0].diagonal().tolist(), result.inverse[1].isnan().all().item()
        ([0, 2], [0.5, 0.25], True)
    """
    return InvExResult(*_inv(A, "inv_ex", check_errors))


def _inv(A, op, check_errors):
    """``(inverse, info)`` for ``linalg.{op}``, with a lazy ``LinAlgError`` when ``check_errors``."""
    check_errors = bool_arg(check_errors, "check_errors", op)
    return checked(Inv.apply(matrix_input(A, op, square=True)), op, inv_message, check_errors)


def _exclusive_prod(s: mx.array) -> mx.array:
    """For each i, the product of the other entries along the last axis (exact with zeros)."""
    return mx.cumprod(s, axis=-1, inclusive=False) * mx.cumprod(s, axis=-1, reverse=True, inclusive=False)


class Det(CpuFunction):
    @staticmethod
    def forward(ctx, a):
        x = up(a)
        d = mx.linalg.det(x)
        ctx.dtype = a.dtype
        ctx.save_for_backward(x)
        return down(d, a.dtype)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        # The cofactor matrix from the SVD, det(U) det(V) U diag(prod_{j != i} s_j) V^T: unlike
        # det(A) A^{-T} it is also right for singular matrices.
        u, s, vt = mx.linalg.svd(x)
        sign = mx.linalg.det(u) * mx.linalg.det(vt)
        cof = ((u * mx.expand_dims(_exclusive_prod(s), -2)) @ vt) * sign[..., None, None]
        return down(cof * g.astype(x.dtype)[..., None, None], ctx.dtype)


def det(A: Tensor) -> Tensor:
    """The determinant of a square matrix (or of each matrix in a batch).

    The gradient is the cofactor matrix, computed from an SVD so that it is
    also right for singular matrices.

    Args:
        A: shape ``(*, n, n)``.

    Returns:
        Tensor: shape ``(*)``.

    Raises:
        ValueError: non-square matrices.

    Examples:
        >>> import lucid
        >>> round(lucid.linalg.det(lucid.tensor([[1.0, 2.0], [3.0, 4.0]])).item(), 4)
        -2.0
    """
    return Det.apply(matrix_input(A, "det", square=True))


class SlogDet(CpuFunction):
    @staticmethod
    def forward(ctx, a):
        x = up(a)
        sign, logabs = mx.linalg.slogdet(x)
        ctx.dtype = a.dtype
        ctx.save_for_backward(x)
        sign = down(sign, a.dtype)
        ctx.mark_non_differentiable(sign)
        return sign, down(logabs, a.dtype)

    @staticmethod
    def backward(ctx, _gsign, glog):
        (x,) = ctx.saved_tensors
        if x.shape[-1] == 0:
            return mx.zeros(x.shape, dtype=ctx.dtype)
        # A singular matrix's gradient is NaN (logabsdet is -inf there); MLX's inverse would fail inside mx.eval.
        info = lu_info(x)
        ainv = poison(mx.linalg.inv(guard(x, info)), info)
        return down(swap(ainv) * glog.astype(x.dtype)[..., None, None], ctx.dtype)


def slogdet(A: Tensor) -> SlogdetResult:
    """Sign and log of the absolute value of the determinant: ``det(A) = sign * exp(logabsdet)``.

    Stays finite where ``det`` would under- or overflow. ``sign`` is not
    differentiable; the gradient of ``logabsdet`` is :math:`A^{-T}`. A
    singular matrix gives ``sign = 0`` and ``logabsdet = -inf``.

    Args:
        A: shape ``(*, n, n)``.

    Returns:
        SlogdetResult: the named tuple ``(sign, logabsdet)``.

    Examples:
        >>> import lucid, math
        >>> sign, logabsdet = lucid.linalg.slogdet(lucid.tensor([[0.0, 2.0], [3.0, 0.0]]))
        >>> sign.item(), round(math.exp(logabsdet.item()), 4)
        (-1.0, 6.0)
    """
    sign, logabs = SlogDet.apply(matrix_input(A, "slogdet", square=True))
    return SlogdetResult(sign, logabs)


def _broadcast_batch(a: mx.array, b: mx.array):
    batch = mx.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    return mx.broadcast_to(a, batch + a.shape[-2:]), mx.broadcast_to(b, batch + b.shape[-2:])


def _promote(d1, d2):
    if d1 == d2:
        return d1
    return mx.float64 if mx.float64 in (d1, d2) else mx.float32


class Solve(KernelFunction):
    """``X`` with ``A X = B`` (``left``) or ``X A = B``; ``vector``: ``B`` is a (batch of) vector(s)."""

    @staticmethod
    def forward(ctx, a, b, left, vector, triangular):
        x_a, x_b = up(a), up(b)
        ctype = _promote(x_a.dtype, x_b.dtype)
        x_a, x_b = x_a.astype(ctype), x_b.astype(ctype)
        bm = mx.expand_dims(x_b, -1) if vector else x_b
        flip = not left and not vector
        upper = triangular
        if not left:
            x_a = swap(x_a)
            if upper is not None:
                upper = not upper
        if flip:
            bm = swap(bm)
        if upper is not None:  # only the triangle is read
            x_a = mx.triu(x_a) if upper else mx.tril(x_a)
        n = x_a.shape[-1]
        if n == 0:  # MLX's kernels divide by zero on 0 x 0 matrices (SIGFPE)
            info = mx.zeros(x_a.shape[:-2], dtype=mx.int32)
        elif upper is None:
            info = lu_info(x_a)  # PyTorch's: the first exact zero pivot of A's LU factorisation
        else:
            # A zero on the diagonal of a triangle: PyTorch returns inf/nan and raises nothing (so info is
            # never reported for solve_triangular); MLX's kernel would fail inside mx.eval.
            info = first_failure(mx.diagonal(x_a, axis1=-2, axis2=-1) == 0)
        if n:  # failing matrices are swapped for the identity before MLX sees them; their X is NaN below
            x_a = guard(x_a, info)
        A, B = _broadcast_batch(x_a, bm)
        info = mx.broadcast_to(info, A.shape[:-2])
        if n == 0:
            X = mx.zeros(B.shape, dtype=B.dtype)
        else:
            X = mx.linalg.solve(A, B) if upper is None else mx.linalg.solve_triangular(A, B, upper=upper)
            X = poison(X, info)
        ctx.meta = (a.shape, a.dtype, b.shape, b.dtype, vector, flip, left, upper)
        ctx.save_for_backward(A, X)
        out = X[..., 0] if vector else (swap(X) if flip else X)
        return down(out, _promote(a.dtype, b.dtype)), info

    @staticmethod
    def backward(ctx, g, _ginfo=None):
        A, X = ctx.saved_tensors
        if A.shape[-1] == 0:
            a_shape, a_dtype, b_shape, b_dtype = ctx.meta[:4]
            return mx.zeros(a_shape, dtype=a_dtype), mx.zeros(b_shape, dtype=b_dtype), None, None, None
        a_shape, a_dtype, b_shape, b_dtype, vector, flip, left, upper = ctx.meta
        na, nb = ctx.needs_input_grad[:2]
        g = g.astype(X.dtype)
        gx = mx.expand_dims(g, -1) if vector else (swap(g) if flip else g)
        if upper is None:
            gb = mx.linalg.solve(swap(A), gx)
        else:
            gb = mx.linalg.solve_triangular(swap(A), gx, upper=not upper)
        ga = -(gb @ swap(X)) if na else None
        if ga is not None:
            if upper is not None:  # only the triangle was read
                ga = mx.triu(ga) if upper else mx.tril(ga)
            if not left:
                ga = swap(ga)
            ga = unbroadcast(ga, a_shape, a_dtype)
        if nb:
            gb = gb[..., 0] if vector else (swap(gb) if flip else gb)
            gb = unbroadcast(gb, b_shape, b_dtype)
        else:
            gb = None
        return ga, gb, None, None, None


def _solve_args(A, B, left, op):
    A = matrix_input(A, op, square=True)
    B = to_tensor(B, op)
    if B._data.dtype not in (mx.float16, mx.bfloat16, mx.float32, mx.float64):
        raise TypeError(f"linalg.{op}: expected a floating-point B, got {B.dtype}")
    bool_arg(left, "left", op)
    n = A.shape[-1]
    # PyTorch's rule: B is a (batch of) vector(s) if it is 1-D or has exactly A's batch shape plus (n,).
    vector = B.ndim == 1 or (B.ndim == A.ndim - 1 and B.shape == A.shape[:-1])
    rows = B.shape[-1] if vector else (B.shape[-2] if left else B.shape[-1])
    if B.ndim == 0 or rows != n:
        raise ValueError(f"linalg.{op}: A of shape {A.shape} and B of shape {B.shape} do not match: B needs "
                         f"{n} {'rows' if left else 'columns'} (shape (*, {n}) or "
                         f"{f'(*, {n}, k)' if left else f'(*, k, {n})'})")
    batch_b = B.shape[:-1] if vector else B.shape[:-2]
    try:
        mx.broadcast_shapes(A.shape[:-2], batch_b)
    except ValueError:
        raise ValueError(f"linalg.{op}: the batch dimensions of A {A.shape} and B {B.shape} do not broadcast") \
            from None
    return A, B, vector


def solve(A: Tensor, B: Tensor, *, left: bool = True) -> Tensor:
    """Solve ``A X = B`` (or ``X A = B`` with ``left=False``) for square, invertible ``A``.

    ``B`` is a batch of vectors when it is 1-D or has shape ``A.shape[:-1]``
    (PyTorch's rule); otherwise a batch of matrices ``(*, n, k)``. Batch
    dimensions broadcast, and gradients are summed back over them:
    :math:`\\bar{B} = A^{-T}\\bar{X}`, :math:`\\bar{A} = -\\bar{B} X^T`.

    Args:
        A: shape ``(*, n, n)``.
        B: shape ``(*, n)``, ``(n,)`` or ``(*, n, k)`` (``(*, k, n)`` with ``left=False``).
        left: solve ``A X = B`` (default) or ``X A = B``.

    Returns:
        Tensor: ``X``, shaped like the broadcast ``B``.

    Raises:
        ValueError: shapes that do not match (the message names both).

    Examples:
        >>> import lucid
        >>> A = lucid.tensor([[3.0, 1.0], [1.0, 2.0]])
        >>> [round(v, 4) for v in lucid.linalg.solve(A, lucid.tensor([9.0, 8.0])).tolist()]
        [2.0, 3.0]
    """
    return _solve(A, B, left, "solve", True)[0]


def solve_ex(A: Tensor, B: Tensor, *, left: bool = True, check_errors: bool = False) -> SolveExResult:
    """:func:`solve` that returns LAPACK's error code instead of raising: ``(result, info)``.

    ``info`` (int32, the broadcast batch shape) is 0 where ``A`` is invertible
    and otherwise the (1-based) index of the first exact zero pivot of its LU
    factorisation (of ``A^T`` with ``left=False``), as in PyTorch.

    NOTE: the result for a singular ``A`` is NaN here; PyTorch returns
    whatever LAPACK's solver left.

    Args:
        A: shape ``(*, n, n)``.
        B: shape ``(*, n)``, ``(n,)`` or ``(*, n, k)`` (``(*, k, n)`` with ``left=False``).
        left: solve ``A X = B`` (default) or ``X A = B``.
        check_errors: also raise :class:`LinAlgError` (at the next sync point) when some ``info`` is nonzero.

    Returns:
        SolveExResult: the named tuple ``(result, info)``.

    Examples:
        >>> import lucid
        >>> A = lucid.tensor([[[2.0, 0.0], [0.0, 4.0]], [[1.0, 2.0], [2.0, 4.0]]])
        >>> result = lucid.linalg.solve_ex(A, lucid.tensor([2.0, 4.0]))
        >>> result.info.tolist(), result.result[0].tolist()
        ([0, 2], [1.0, 1.0])
    """
    return SolveExResult(*_solve(A, B, left, "solve_ex", check_errors))


def _solve(A, B, left, op, check_errors):
    """``(X, info)`` for ``linalg.{op}``, with a lazy ``LinAlgError`` when ``check_errors``."""
    check_errors = bool_arg(check_errors, "check_errors", op)
    A, B, vector = _solve_args(A, B, left, op)
    return checked(Solve.apply(A, B, left, vector, None), op, solve_message, check_errors)


def solve_triangular(A: Tensor, B: Tensor, *, upper: bool, left: bool = True, unitriangular: bool = False) -> Tensor:
    """Solve ``A X = B`` (or ``X A = B``) for a triangular ``A``; only its ``upper`` or lower triangle is read.

    ``B`` has shape ``(*, n, k)`` (``(*, k, n)`` with ``left=False``); batch
    dimensions broadcast. With ``unitriangular=True`` the diagonal is taken
    to be ones. A zero on the diagonal makes that system's ``X`` NaN and
    raises nothing, as in PyTorch (which returns inf/nan there).

    Args:
        A: shape ``(*, n, n)``.
        B: shape ``(*, n, k)`` (``(*, k, n)`` with ``left=False``).
        upper: read the upper triangle of ``A`` (else the lower one).
        left: solve ``A X = B`` (default) or ``X A = B``.
        unitriangular: take the diagonal of ``A`` to be ones.

    Raises:
        ValueError: shapes that do not match.

    Examples:
        >>> import lucid
        >>> A = lucid.tensor([[2.0, 0.0], [1.0, 1.0]])
        >>> lucid.linalg.solve_triangular(A, lucid.tensor([[2.0], [3.0]]), upper=False).tolist()
        [[1.0], [2.0]]
    """
    bool_arg(upper, "upper", "solve_triangular")
    A, B, _vector = _solve_args(A, B, left, "solve_triangular")
    if B.ndim < 2:
        raise ValueError(f"linalg.solve_triangular: B must have at least 2 dimensions, got shape {B.shape}")
    if unitriangular:
        A = _UnitDiag.apply(A, upper)
    return Solve.apply(A, B, left, False, upper)[0]


class _UnitDiag(CpuFunction):
    """The strict triangle of ``A`` plus the identity."""

    @staticmethod
    def forward(ctx, a, upper):
        ctx.upper = upper
        n = a.shape[-1]
        strict = mx.triu(a, 1) if upper else mx.tril(a, -1)
        return strict + mx.eye(n, dtype=a.dtype)

    @staticmethod
    def backward(ctx, g):
        return (mx.triu(g, 1) if ctx.upper else mx.tril(g, -1)), None


def _tol(x, name):
    if x is None:
        return None
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        raise TypeError(f"linalg.pinv: {name} must be a float or None, got {x!r}")
    return float(x)


class Pinv(KernelFunction):
    @staticmethod
    def forward(ctx, a, atol, rtol, hermitian):
        x = up(a)
        m, n = x.shape[-2:]
        eps = float(np.finfo(np.float64 if x.dtype == mx.float64 else np.float32).eps)
        if rtol is None:
            rtol = eps * max(m, n) if atol is None or atol <= 0 else 0.0
        atol = 0.0 if atol is None else atol
        if hermitian:
            w, v = mx.linalg.eigh(x)
            absw = mx.abs(w)
            cutoff = mx.maximum(atol, rtol * mx.max(absw, axis=-1, keepdims=True))
            winv = mx.where(absw > cutoff, 1 / mx.where(w == 0, 1, w), 0)
            X = (v * mx.expand_dims(winv, -2)) @ swap(v)
        else:
            k = min(m, n)
            u, s, vt = mx.linalg.svd(x)
            u, vt = u[..., :, :k], vt[..., :k, :]
            # NOTE: singular values at or below max(atol, rtol * s_max) count as zero (PyTorch's rule).
            cutoff = mx.maximum(atol, rtol * s[..., :1])
            sinv = mx.where(s > cutoff, 1 / mx.where(s == 0, 1, s), 0)
            X = (swap(vt) * mx.expand_dims(sinv, -2)) @ swap(u)
        ctx.dtype = a.dtype
        ctx.save_for_backward(x, X)
        return down(X, a.dtype)

    @staticmethod
    def backward(ctx, g):
        A, X = ctx.saved_tensors
        g = g.astype(X.dtype)
        # d(A+) for constant rank (Golub & Pereyra), transposed into a gradient:
        # -X^T G X^T + (I - A X) G^T X X^T + X^T X G^T (I - X A)
        Xt, gt = swap(X), swap(g)
        p = gt @ (X @ Xt)
        q = (Xt @ X) @ gt
        grad = -(Xt @ g @ Xt) + (p - A @ (X @ p)) + (q - (q @ X) @ A)
        return down(grad, ctx.dtype), None, None, None


def pinv(A: Tensor, *, atol=None, rtol=None, hermitian: bool = False) -> Tensor:
    """The Moore-Penrose pseudo-inverse of a matrix (or batch), from its SVD.

    Singular values at or below ``max(atol, rtol * s_max)`` are treated as
    zero; with neither given, ``rtol = eps * max(m, n)`` (PyTorch's default).
    ``hermitian=True`` uses the symmetric eigendecomposition instead. The
    gradient is the closed form for a locally constant rank, so it does not
    need distinct singular values.

    Args:
        A: shape ``(*, m, n)`` (square with ``hermitian=True``).
        atol: absolute tolerance on the singular values.
        rtol: tolerance relative to the largest singular value.
        hermitian: ``A`` is symmetric (only its lower triangle is read).

    Returns:
        Tensor: shape ``(*, n, m)``.

    Examples:
        >>> import lucid
        >>> X = lucid.linalg.pinv(lucid.tensor([[1.0, 0.0], [0.0, 2.0], [0.0, 0.0]]))
        >>> [[round(v, 4) for v in row] for row in X.tolist()]
        [[1.0, 0.0, 0.0], [0.0, 0.5, 0.0]]
    """
    A = matrix_input(A, "pinv", square=hermitian)
    return Pinv.apply(A, _tol(atol, "atol"), _tol(rtol, "rtol"), bool(hermitian))


class _EyeLike(CpuFunction):
    @staticmethod
    def forward(ctx, a):
        ctx.shape = a.shape
        return mx.broadcast_to(mx.eye(a.shape[-1], dtype=a.dtype), a.shape)

    @staticmethod
    def backward(ctx, g):
        return mx.zeros(ctx.shape, dtype=g.dtype)


def matrix_power(A: Tensor, n: int) -> Tensor:
    """``A`` multiplied by itself ``n`` times (the identity for 0, powers of ``inv(A)`` for ``n < 0``).

    Composed from :func:`lucid.matmul` by repeated squaring (and
    :func:`inv`), so it needs no gradient rule of its own.

    Args:
        A: shape ``(*, n, n)``.
        n: the power (any int).

    Raises:
        TypeError: ``n`` is not an int.
        ValueError: non-square matrices.

    Examples:
        >>> import lucid
        >>> lucid.linalg.matrix_power(lucid.tensor([[1.0, 1.0], [0.0, 1.0]]), 3).tolist()
        [[1.0, 3.0], [0.0, 1.0]]
    """
    n = check_int(n, "n", "linalg.matrix_power")
    A = to_tensor(A, "linalg.matrix_power")
    if A.ndim < 2 or A.shape[-1] != A.shape[-2]:
        raise ValueError(f"linalg.matrix_power: expected square matrices, got shape {A.shape}")
    if n == 0:
        return _EyeLike.apply(A)
    if n < 0:
        A, n = inv(A), -n
    result = None
    base = A
    while True:
        if n & 1:
            result = base if result is None else matmul(result, base)
        n >>= 1
        if not n:
            return result
        base = matmul(base, base)
