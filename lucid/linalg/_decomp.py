"""Decompositions: ``cholesky``, ``qr``, ``svd``, ``svdvals``, ``eigh``, ``eigvalsh``."""

from __future__ import annotations

from collections import namedtuple

import mlx.core as mx

from lucid._tensor import Tensor
from lucid.linalg._checks import checked, cholesky_info, cholesky_message, guard, poison
from lucid.linalg._util import KernelFunction, bool_arg, down, eye_mask, matrix_input, swap, up

__all__ = ["cholesky", "cholesky_ex", "qr", "svd", "svdvals", "eigh", "eigvalsh"]

QRResult = namedtuple("qr", ["Q", "R"])
SVDResult = namedtuple("svd", ["U", "S", "Vh"])
EighResult = namedtuple("eigh", ["eigenvalues", "eigenvectors"])
CholeskyExResult = namedtuple("cholesky_ex", ["L", "info"])


def _sym(x: mx.array) -> mx.array:
    return 0.5 * (x + swap(x))


def _values_forward(ctx, a: mx.array, factors, values) -> mx.array:
    """Forward of a values-only decomposition (``svdvals``, ``eigvalsh``): ``A = left diag(w) right``.

    With a gradient to compute, ``factors(x)`` gives ``(w, left, right)`` and the two factors are kept for
    :func:`_values_backward`; without, the cheaper ``values(x)`` gives ``w`` alone.
    """
    x = up(a)
    if ctx.needs_input_grad[0]:
        w, left, right = factors(x)
        ctx.save_for_backward(left, right)
    else:
        w = values(x)
    ctx.dtype = a.dtype
    return down(w, a.dtype)


def _values_backward(ctx, gw: mx.array) -> mx.array:
    """``left diag(w_bar) right``: the gradient of the values of ``A = left diag(w) right``."""
    left, right = ctx.saved_tensors
    return down((left * mx.expand_dims(gw.astype(left.dtype), -2)) @ right, ctx.dtype)


def _inv_gaps(v: mx.array) -> mx.array:
    """``F[i, j] = 1 / (v[j] - v[i])`` off the diagonal, 0 on it."""
    diff = mx.expand_dims(v, -2) - mx.expand_dims(v, -1)
    eye = eye_mask(v.shape[-1])
    return mx.where(eye, 0, 1 / mx.where(eye, 1, diff))


# -- cholesky ------------------------------------------------------------------
class Cholesky(KernelFunction):
    """Returns ``(factor, info)``; ``info`` (int32, batch shape) is PyTorch's: 0, or the failing minor's order."""

    @staticmethod
    def forward(ctx, a, upper):
        low = mx.linalg.cholesky(up(a))
        info = cholesky_info(low)
        ctx.meta = (a.dtype, upper)
        ctx.save_for_backward(low, info)
        return down(swap(low) if upper else low, a.dtype), info

    @staticmethod
    def backward(ctx, g, _ginfo=None):
        low, info = ctx.saved_tensors
        dtype, upper = ctx.meta
        # A failed factor has a zero or negative pivot: MLX's triangular solves would fail inside mx.eval on it.
        low = guard(low, info)
        g = g.astype(low.dtype)
        gl = swap(g) if upper else g
        # A_bar = L^{-T} Phi(L^T L_bar) L^{-1}, symmetrised; Phi keeps the lower triangle, halving its diagonal.
        p = swap(low) @ gl
        p = mx.tril(p) - 0.5 * p * mx.eye(p.shape[-1], dtype=p.dtype)
        z = mx.linalg.solve_triangular(swap(low), p, upper=True)
        grad = swap(mx.linalg.solve_triangular(swap(low), swap(z), upper=True))
        # NOTE: the gradient is returned symmetric (A is taken as symmetric), as in PyTorch.
        return down(poison(_sym(grad), info), dtype), None


def _cholesky(A, upper, op, check_errors):
    """``(L, info)`` for ``linalg.{op}``, with a lazy ``LinAlgError`` when ``check_errors``."""
    upper = bool_arg(upper, "upper", op)
    check_errors = bool_arg(check_errors, "check_errors", op)
    return checked(Cholesky.apply(matrix_input(A, op, square=True), upper), op, cholesky_message, check_errors)


def cholesky(A: Tensor, *, upper: bool = False) -> Tensor:
    """The Cholesky factor of a symmetric positive-definite matrix: ``A = L L^T`` (or ``U^T U``).

    Only the lower triangle of ``A`` is read. The gradient is returned
    symmetric. A matrix that is not positive definite raises
    :class:`LinAlgError` at the next sync point (MLX computes lazily, so not
    at the call); :func:`cholesky_ex` returns the error code instead.

    Args:
        A: shape ``(*, n, n)``.
        upper: return the upper factor ``U = L^T`` instead.

    Raises:
        LinAlgError: (at the next sync point) some matrix is not positive definite; the message names the
            order of the failing leading minor and, for a batch, the first failing batch element.

    Examples:
        >>> import lucid
        >>> lucid.linalg.cholesky(lucid.tensor([[4.0, 2.0], [2.0, 5.0]])).tolist()
        [[2.0, 0.0], [1.0, 2.0]]
    """
    return _cholesky(A, upper, "cholesky", True)[0]


def cholesky_ex(A: Tensor, *, upper: bool = False, check_errors: bool = False) -> CholeskyExResult:
    """:func:`cholesky` that returns LAPACK's error code instead of raising: ``(L, info)``.

    ``info`` (int32, shape ``(*)``) is 0 where the factorisation succeeded and
    otherwise the order of the first leading minor that is not positive
    definite, as in PyTorch. ``L`` of a failed matrix is the partial factor
    (garbage past the failing column), as LAPACK leaves it.

    Args:
        A: shape ``(*, n, n)``.
        upper: return the upper factor instead.
        check_errors: also raise :class:`LinAlgError` (at the next sync point) when some ``info`` is nonzero.

    Returns:
        CholeskyExResult: the named tuple ``(L, info)``.

    Examples:
        >>> import lucid
        >>> A = lucid.tensor([[[4.0, 2.0], [2.0, 5.0]], [[1.0, 2.0], [2.0, 1.0]]])
        >>> lucid.linalg.cholesky_ex(A).info.tolist()
        [0, 2]
    """
    return CholeskyExResult(*_cholesky(A, upper, "cholesky_ex", check_errors))


# -- qr -------------------------------------------------------------------------
def _qr_backward_tall(q, r, gq, gr):
    """Gradient of ``A = Q R`` for ``m >= n`` (reduced): ``(gQ + Q copyltu(M)) R^{-T}``, ``M = R gR^T - gQ^T Q``."""
    m = r @ swap(gr) - swap(gq) @ q
    copyltu = mx.tril(m) + swap(mx.tril(m, -1))
    w = gq + q @ copyltu
    return swap(mx.linalg.solve_triangular(r, swap(w), upper=True))


class QR(KernelFunction):
    @staticmethod
    def forward(ctx, a, mode):
        x = up(a)
        m, n = x.shape[-2:]
        if mode == "complete" and m > n:
            # The QR of [A | I] has the complete Q; the first n columns of its R are A's.
            ident = mx.broadcast_to(mx.eye(m, dtype=x.dtype), x.shape[:-2] + (m, m))
            q, r = mx.linalg.qr(mx.concatenate([x, ident], axis=-1))
            r = r[..., :, :n]
        else:
            q, r = mx.linalg.qr(x)
        ctx.meta = (a.dtype, mode, m, n)
        ctx.save_for_backward(q, r)
        qo = mx.zeros((0,), dtype=a.dtype) if mode == "r" else down(q, a.dtype)
        return qo, down(r, a.dtype)

    @staticmethod
    def backward(ctx, gq, gr):
        q, r = ctx.saved_tensors
        dtype, mode, m, n = ctx.meta
        if mode == "complete" and m > n:
            raise NotImplementedError("linalg.qr: the gradient of mode='complete' with more rows than columns "
                                      "is not defined (the extra columns of Q are not unique); use "
                                      "mode='reduced'")
        gq = mx.zeros_like(q) if mode == "r" else gq.astype(q.dtype)
        gr = gr.astype(r.dtype)
        if m >= n:
            grad = _qr_backward_tall(q, r, gq, gr)
        else:
            # A = [X | Y] with X square: X = Q U, Y = Q V (R = [U | V]).
            u, v = r[..., :, :m], r[..., :, m:]
            gu, gv = gr[..., :, :m], gr[..., :, m:]
            gx = _qr_backward_tall(q, u, gq + (q @ v) @ swap(gv), gu)
            grad = mx.concatenate([gx, q @ gv], axis=-1)
        return down(grad, dtype), None


def qr(A: Tensor, mode: str = "reduced") -> QRResult:
    """The QR decomposition ``A = Q R``: orthonormal columns in ``Q``, upper-triangular ``R``.

    Args:
        A: shape ``(*, m, n)``.
        mode: ``"reduced"`` (``Q`` is ``(*, m, k)``, ``R`` is ``(*, k, n)``,
            ``k = min(m, n)``), ``"complete"`` (``Q`` is ``(*, m, m)``) or ``"r"``
            (``R`` only; ``Q`` is an empty tensor).

    Returns:
        QRResult: the named tuple ``(Q, R)``.

    Raises:
        ValueError: an unknown mode.

    Examples:
        >>> import lucid
        >>> Q, R = lucid.linalg.qr(lucid.tensor([[3.0, 1.0], [4.0, 2.0]]))
        >>> [[round(v, 4) for v in row] for row in (Q @ R).tolist()]
        [[3.0, 1.0], [4.0, 2.0]]
    """
    if mode not in ("reduced", "complete", "r"):
        raise ValueError(f"linalg.qr: mode must be 'reduced', 'complete' or 'r', got {mode!r}")
    q, r = QR.apply(matrix_input(A, "qr"), mode)
    return QRResult(q, r)


# -- svd ------------------------------------------------------------------------
def _svd_backward(u, s, vt, gu, gs, gvt):
    """Gradient of the reduced SVD ``A = U diag(S) V^T`` (real; needs distinct singular values for U and V)."""
    m, n, k = u.shape[-2], vt.shape[-1], s.shape[-1]
    f = _inv_gaps(s * s)  # F[i, j] = 1 / (s_j^2 - s_i^2)
    eye = mx.eye(k, dtype=s.dtype)
    utgu = swap(u) @ gu
    vtgv = vt @ swap(gvt)
    j = f * (utgu - swap(utgu))
    kk = f * (vtgv - swap(vtgv))
    inner = j * mx.expand_dims(s, -2) + eye * mx.expand_dims(gs, -2) + mx.expand_dims(s, -1) * kk
    grad = u @ inner @ vt
    sinv = 1 / s
    if m > k:
        grad = grad + ((gu - u @ utgu) * mx.expand_dims(sinv, -2)) @ vt
    if n > k:
        grad = grad + u @ (mx.expand_dims(sinv, -1) * (gvt - swap(vtgv) @ vt))
    return grad


class SVD(KernelFunction):
    @staticmethod
    def forward(ctx, a, full_matrices):
        x = up(a)
        u, s, vt = mx.linalg.svd(x)
        k = s.shape[-1]
        ur, vtr = u[..., :, :k], vt[..., :k, :]
        ctx.meta = (a.dtype, k)
        ctx.save_for_backward(ur, s, vtr)
        if full_matrices:
            return down(u, a.dtype), down(s, a.dtype), down(vt, a.dtype)
        return down(ur, a.dtype), down(s, a.dtype), down(vtr, a.dtype)

    @staticmethod
    def backward(ctx, gu, gs, gvt):
        u, s, vt = ctx.saved_tensors
        dtype, k = ctx.meta
        # NOTE: with full_matrices=True the gradients of the extra columns of U (rows of Vh) are ignored:
        # those vectors are not unique (PyTorch does the same).
        gu = gu[..., :, :k].astype(u.dtype)
        gvt = gvt[..., :k, :].astype(u.dtype)
        return down(_svd_backward(u, s, vt, gu, gs.astype(u.dtype), gvt), dtype), None


def svd(A: Tensor, full_matrices: bool = True) -> SVDResult:
    """The singular value decomposition ``A = U diag(S) Vh``, singular values in descending order.

    Gradients through ``S`` are always defined; through ``U`` and ``Vh`` they
    need distinct (and, for non-square ``A``, nonzero) singular values, and
    are only meaningful for functions that do not depend on the sign of each
    singular vector.

    Args:
        A: shape ``(*, m, n)``.
        full_matrices: ``U`` is ``(*, m, m)`` and ``Vh`` is ``(*, n, n)``; with
            ``False`` they are ``(*, m, k)`` and ``(*, k, n)``, ``k = min(m, n)``.

    Returns:
        SVDResult: the named tuple ``(U, S, Vh)``.

    Examples:
        >>> import lucid
        >>> U, S, Vh = lucid.linalg.svd(lucid.tensor([[3.0, 0.0], [0.0, -2.0], [0.0, 0.0]]), full_matrices=False)
        >>> U.shape, [round(v, 4) for v in S.tolist()], Vh.shape
        ((3, 2), [3.0, 2.0], (2, 2))
    """
    u, s, vt = SVD.apply(matrix_input(A, "svd"), bool(full_matrices))
    return SVDResult(u, s, vt)


def _reduced_svd(x: mx.array):
    """``(S, U, Vh)`` with ``U`` and ``Vh`` cut to their first ``k = min(m, n)`` singular vectors."""
    u, s, vt = mx.linalg.svd(x)
    k = s.shape[-1]
    return s, u[..., :, :k], vt[..., :k, :]


class SvdVals(KernelFunction):
    @staticmethod
    def forward(ctx, a):
        return _values_forward(ctx, a, _reduced_svd, lambda x: mx.linalg.svd(x, compute_uv=False))

    backward = staticmethod(_values_backward)


def svdvals(A: Tensor) -> Tensor:
    """The singular values of ``A`` (shape ``(*, min(m, n))``, descending); gradient ``U diag(S_bar) Vh``.

    Args:
        A: shape ``(*, m, n)``; only the values are computed when no gradient is needed.

    Examples:
        >>> import lucid
        >>> [round(v, 4) for v in lucid.linalg.svdvals(lucid.tensor([[0.0, 2.0], [1.0, 0.0]])).tolist()]
        [2.0, 1.0]
    """
    return SvdVals.apply(matrix_input(A, "svdvals"))


# -- eigh -------------------------------------------------------------------------
class Eigh(KernelFunction):
    @staticmethod
    def forward(ctx, a, uplo):
        w, v = mx.linalg.eigh(up(a), UPLO=uplo)
        ctx.dtype = a.dtype
        ctx.save_for_backward(w, v)
        return down(w, a.dtype), down(v, a.dtype)

    @staticmethod
    def backward(ctx, gw, gv):
        w, v = ctx.saved_tensors
        gw, gv = gw.astype(w.dtype), gv.astype(w.dtype)
        # A_bar = V (diag(w_bar) + F o (V^T V_bar)) V^T, F[i, j] = 1 / (w_j - w_i).
        inner = mx.eye(w.shape[-1], dtype=w.dtype) * mx.expand_dims(gw, -2) + _inv_gaps(w) * (swap(v) @ gv)
        # NOTE: returned symmetric (A is taken as symmetric; only its symmetric part has a gradient).
        return down(_sym(v @ inner @ swap(v)), ctx.dtype), None


def _uplo(UPLO, op):
    if UPLO not in ("L", "U"):
        raise ValueError(f"linalg.{op}: UPLO must be 'L' or 'U', got {UPLO!r}")
    return UPLO


def eigh(A: Tensor, UPLO: str = "L") -> EighResult:
    """Eigenvalues (ascending) and orthonormal eigenvectors (columns) of a symmetric matrix.

    Only the ``UPLO`` triangle (``"L"`` or ``"U"``) is read. The gradient is
    symmetric; through the eigenvectors it needs distinct eigenvalues.

    Args:
        A: shape ``(*, n, n)``.
        UPLO: the triangle to read, ``"L"`` or ``"U"``.

    Returns:
        EighResult: the named tuple ``(eigenvalues, eigenvectors)``.

    Examples:
        >>> import lucid
        >>> w, V = lucid.linalg.eigh(lucid.tensor([[2.0, 1.0], [1.0, 2.0]]))
        >>> [round(x, 4) for x in w.tolist()]
        [1.0, 3.0]
    """
    w, v = Eigh.apply(matrix_input(A, "eigh", square=True), _uplo(UPLO, "eigh"))
    return EighResult(w, v)


class EigvalsH(KernelFunction):
    @staticmethod
    def forward(ctx, a, uplo):
        def factors(x):
            w, v = mx.linalg.eigh(x, UPLO=uplo)
            return w, v, swap(v)

        return _values_forward(ctx, a, factors, lambda x: mx.linalg.eigvalsh(x, UPLO=uplo))

    @staticmethod
    def backward(ctx, gw):
        return _values_backward(ctx, gw), None


def eigvalsh(A: Tensor, UPLO: str = "L") -> Tensor:
    """Eigenvalues (ascending) of a symmetric matrix; gradient ``V diag(w_bar) V^T``.

    Args:
        A: shape ``(*, n, n)``.
        UPLO: the triangle to read, ``"L"`` or ``"U"``.

    Examples:
        >>> import lucid
        >>> [round(x, 4) for x in lucid.linalg.eigvalsh(lucid.tensor([[2.0, 0.0], [0.0, -1.0]])).tolist()]
        [-1.0, 2.0]
    """
    return EigvalsH.apply(matrix_input(A, "eigvalsh", square=True), _uplo(UPLO, "eigvalsh"))
