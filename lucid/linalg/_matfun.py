"""Matrix functions and constructions: ``matrix_exp``, ``householder_product``, ``vander``."""

from __future__ import annotations

import mlx.core as mx

from lucid._backend import reductions
from lucid._tensor import Tensor
from lucid.autograd.function import Function
from lucid.linalg._util import KernelFunction, down, matrix_input, swap, up
from lucid.ops._util import check_int, to_tensor
from lucid.ops.linalg import matmul
from lucid.ops.rearrange import tril
from lucid.ops.shape import broadcast_to, transpose, unsqueeze

__all__ = ["matrix_exp", "householder_product", "vander"]

# Higham (2005), "The scaling and squaring method for the matrix exponential revisited": the [13/13]
# Pade coefficients and the largest 1-norm for which it is accurate to double precision.
_PADE13 = (64764752532480000.0, 32382376266240000.0, 7771770303897600.0, 1187353796428800.0,
           129060195264000.0, 10559470521600.0, 670442572800.0, 33522128640.0, 1323241920.0,
           40840800.0, 960960.0, 16380.0, 182.0, 1.0)
_THETA13 = 5.371920351148152
#: The most squarings: the number needed depends on ``A``'s norm, which is not known without a host sync,
#: so every matrix goes through this many (masked) squarings. Enough for 1-norms up to ``5.37 * 2**32``.
MAX_SQUARINGS = 32


def _mul(p, q):
    """The product of block matrices ``[[X, Y], [0, X]]`` held as pairs ``(X, Y)`` (``Y`` may be ``None``)."""
    (x1, y1), (x2, y2) = p, q
    y = None if y1 is None else x1 @ y2 + y1 @ x2
    return x1 @ x2, y


def _lin(*terms):
    """``sum(c * P)`` over ``(c, P)`` pairs of coefficients and block pairs."""
    x = sum(c * p[0] for c, p in terms)
    y = None if terms[0][1][1] is None else sum(c * p[1] for c, p in terms)
    return x, y


def _expm(a: mx.array, e: mx.array | None = None):
    """``(exp(a), L(a, e))`` for float32/float64 ``(*, n, n)``: scaling and squaring with the [13/13] Pade approximant.

    With ``e``, the second result is the Frechet derivative of ``exp`` at ``a`` in the direction ``e``, the
    upper-right block of ``exp([[a, e], [0, a]])``; that block matrix is carried as the pair of its blocks,
    so each product costs 3 ``n x n`` products instead of 8 (``None`` without ``e``).
    """
    n = a.shape[-1]
    colsum = reductions.sum(mx.abs(a), axis=-2)
    if e is not None:  # the block matrix's 1-norm: its right columns hold e's and a's columns
        colsum = colsum + reductions.sum(mx.abs(e), axis=-2)
    s = mx.ceil(mx.log2(mx.max(colsum, axis=-1) / _THETA13))
    s = mx.where(mx.isfinite(s), mx.clip(s, 0, MAX_SQUARINGS), 0)
    scale = mx.expand_dims(mx.power(mx.array(0.5, dtype=a.dtype), s.astype(a.dtype)), (-2, -1))
    x = (a * scale, None if e is None else e * scale)
    b = _PADE13
    eye = (mx.eye(n, dtype=a.dtype), None if e is None else mx.zeros(e.shape, dtype=a.dtype))
    x2 = _mul(x, x)
    x4 = _mul(x2, x2)
    x6 = _mul(x4, x2)
    u = _mul(x, _lin((1.0, _mul(x6, _lin((b[13], x6), (b[11], x4), (b[9], x2)))),
                     (b[7], x6), (b[5], x4), (b[3], x2), (b[1], eye)))
    v = _lin((1.0, _mul(x6, _lin((b[12], x6), (b[10], x4), (b[8], x2)))),
             (b[6], x6), (b[4], x4), (b[2], x2), (b[0], eye))
    q, p = _lin((1.0, v), (-1.0, u)), _lin((1.0, v), (1.0, u))
    # [[Qx, Qy], [0, Qx]]^{-1} [[Px, Py], [0, Px]] = [[R, Qx^{-1} (Py - Qy R)], [0, R]]
    rx = mx.linalg.solve(q[0], p[0])
    r = (rx, None if e is None else mx.linalg.solve(q[0], p[1] - q[1] @ rx))
    steps = mx.expand_dims(s, (-2, -1))
    for i in range(MAX_SQUARINGS):
        sq = _mul(r, r)
        r = (mx.where(steps > i, sq[0], r[0]), None if e is None else mx.where(steps > i, sq[1], r[1]))
    return r


def _frechet(ctx, e: mx.array, transpose: bool) -> mx.array:
    """``L(X, E)`` (or ``L(X^T, E)``), the Frechet derivative of ``exp`` at the saved ``X`` in the direction ``E``."""
    (x,) = ctx.saved_tensors
    if x.shape[-1] == 0:
        return mx.zeros(x.shape, dtype=ctx.dtype)
    return down(_expm(swap(x) if transpose else x, e.astype(x.dtype))[1], ctx.dtype)


class MatrixExp(KernelFunction):
    @staticmethod
    def forward(ctx, a):
        x = up(a)
        ctx.dtype = a.dtype
        ctx.save_for_backward(x)
        return down(_expm(x)[0], a.dtype) if x.shape[-1] else a

    @staticmethod
    def backward(ctx, g):
        # The gradient is the Frechet derivative L(A^T, G): the upper-right block of exp([[A^T, G], [0, A^T]]).
        return _frechet(ctx, g, transpose=True)

    @staticmethod
    def jvp(ctx, t):
        # Forward mode (lucid.func.jvp / jacfwd): the Frechet derivative L(A, T) itself.
        return _frechet(ctx, t, transpose=False)


def matrix_exp(A: Tensor) -> Tensor:
    """The matrix exponential :math:`e^A = \\sum_k A^k / k!` of a square matrix (or batch).

    Computed by scaling and squaring with the [13/13] Pade approximant
    (Higham, 2005). The number of squarings depends on ``A``'s 1-norm; to
    stay lazy (no host sync) every matrix goes through
    ``MAX_SQUARINGS = 32`` masked squarings, so the cost is about 40 matrix
    products whatever the norm, and 1-norms above ``5.37 * 2**32`` are not
    scaled far enough. The gradient is the Frechet derivative, the
    upper-right block of ``exp([[A^T, G], [0, A^T]])``.

    Args:
        A: shape ``(*, n, n)``; float32 or float64 (16-bit floats are computed in float32).

    Returns:
        Tensor: shape ``(*, n, n)``, in ``A``'s dtype.

    Raises:
        TypeError: an integer tensor.
        ValueError: non-square matrices.

    Examples:
        >>> import lucid
        >>> E = lucid.linalg.matrix_exp(lucid.tensor([[0.0, 1.0], [0.0, 0.0]]))
        >>> E.tolist()
        [[1.0, 1.0], [0.0, 1.0]]
    """
    return MatrixExp.apply(matrix_input(A, "matrix_exp", square=True))


def householder_product(A: Tensor, tau: Tensor) -> Tensor:
    """The first ``n`` columns of the product of Householder reflectors ``H_1 ... H_k`` (LAPACK's ``orgqr``).

    ``H_i = I - tau_i v_i v_i^T`` with ``v_i`` zero above row ``i``, one at
    row ``i`` and ``A[i+1:, i]`` below it, as a QR factorisation stores its
    reflectors (``torch.geqrf``, LAPACK ``geqrf``). Composed of matrix
    products, so it is differentiable in ``A`` and ``tau``.

    Args:
        A: shape ``(*, m, n)`` with ``m >= n``.
        tau: shape ``(*, k)`` with ``k <= n``, the same batch shape as ``A``.

    Returns:
        Tensor: shape ``(*, m, n)``.

    Raises:
        ValueError: ``m < n``, ``k > n`` or batch shapes that differ.
        TypeError: non-floating inputs or different dtypes.

    Examples:
        >>> import lucid
        >>> A = lucid.tensor([[1.0, 0.0], [1.0, 1.0]])
        >>> lucid.linalg.householder_product(A, lucid.tensor([1.0, 0.0])).tolist()
        [[0.0, -1.0], [-1.0, 0.0]]
    """
    op = "linalg.householder_product"
    A = matrix_input(A, "householder_product")
    tau = to_tensor(tau, op)
    m, n = A.shape[-2:]
    if m < n:
        raise ValueError(f"{op}: A must have at least as many rows as columns, got shape {A.shape}")
    if tau.dtype != A.dtype:
        raise TypeError(f"{op}: tau must have A's dtype {A.dtype}, got {tau.dtype}")
    if tau.ndim != A.ndim - 1 or tau.shape[:-1] != A.shape[:-2]:
        raise ValueError(f"{op}: tau must have shape {A.shape[:-2] + ('k',)} (A's batch shape plus k), "
                         f"got {tau.shape}")
    k = tau.shape[-1]
    if k > n:
        raise ValueError(f"{op}: tau has {k} reflectors but A has only {n} columns (need k <= n)")
    eye = Tensor(mx.eye(m, n, dtype=A._data.dtype))
    Q = broadcast_to(eye, A.shape)
    if k == 0:
        return Q
    V = tril(A[..., :, :k], -1) + Tensor(mx.eye(m, k, dtype=A._data.dtype))
    t = unsqueeze(tau, -1)  # (*, k, 1)
    for i in reversed(range(k)):  # Q <- H_i Q, from the last reflector to the first
        v = V[..., :, i:i + 1]
        Q = Q - matmul(v * t[..., i:i + 1, :], matmul(transpose(v, -2, -1), Q))
    return Q


class Vander(Function):
    @staticmethod
    def forward(ctx, x, N):
        cols = mx.broadcast_to(mx.expand_dims(x, -1), x.shape + (N - 1,))
        out = mx.cumprod(mx.concatenate([mx.ones(x.shape + (1,), dtype=x.dtype), cols], axis=-1), axis=-1)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        N = out.shape[-1]
        # d x^j / dx = j x^(j-1): exact at x = 0, where a power rule through pow would give 0 * inf.
        j = mx.arange(1, N, dtype=g.dtype)
        return reductions.sum(g[..., 1:] * j * out[..., :-1], axis=-1), None


def vander(x: Tensor, N: int | None = None) -> Tensor:
    """The Vandermonde matrix of ``x``: columns ``x^0, x^1, ..., x^(N-1)`` (increasing powers, PyTorch's order).

    ``vander(x)[..., i, j] = x[..., i] ** j``. Differentiable for
    floating ``x``.

    Args:
        x: shape ``(*, n)``.
        N: the number of columns (default ``n``); at least 2, as in PyTorch.

    Returns:
        Tensor: shape ``(*, n, N)``, in ``x``'s dtype.

    Raises:
        ValueError: a 0-d ``x`` or ``N < 2``.
        TypeError: a bool tensor or a non-int ``N``.

    Examples:
        >>> import lucid
        >>> lucid.linalg.vander(lucid.tensor([1, 2, 3])).tolist()
        [[1, 1, 1], [1, 2, 4], [1, 3, 9]]
    """
    op = "linalg.vander"
    x = to_tensor(x, op)
    if x.ndim == 0:
        raise ValueError(f"{op}: x must have at least one dimension, got a 0-d tensor")
    if x._data.dtype == mx.bool_:
        raise TypeError(f"{op}: expected a numeric tensor, got {x.dtype}")
    N = x.shape[-1] if N is None else check_int(N, "N", op)
    if N < 2:
        raise ValueError(f"{op}: N must be greater than 1, got {N}")
    return Vander.apply(x, N)
