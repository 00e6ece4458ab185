"""Eigendecomposition of general (non-symmetric) matrices: ``eig``, ``eigvals``.

NOTE: MLX has one complex dtype, complex64, so eigenvalues and eigenvectors
are complex64 for float64 input too (PyTorch returns complex128 there): they
carry single precision whatever the input's.
"""

from __future__ import annotations

from collections import namedtuple

import mlx.core as mx

from lucid._tensor import Tensor
from lucid.linalg._checks import guard, lu_info, poison
from lucid.linalg._util import KernelFunction, down, matrix_input, swap, up

__all__ = ["eig", "eigvals"]

EigResult = namedtuple("eig", ["eigenvalues", "eigenvectors"])


def _adj(x: mx.array) -> mx.array:
    return mx.conj(swap(x))


def _complex_solve(a: mx.array, b: mx.array, real_dtype) -> mx.array:
    """``a^{-1} b`` for complex ``(*, n, n)`` arrays, through the real ``2n x 2n`` system (MLX's solve is real)."""
    n = a.shape[-1]
    ar, ai = mx.real(a).astype(real_dtype), mx.imag(a).astype(real_dtype)
    br, bi = mx.real(b).astype(real_dtype), mx.imag(b).astype(real_dtype)
    big = mx.concatenate([mx.concatenate([ar, -ai], axis=-1), mx.concatenate([ai, ar], axis=-1)], axis=-2)
    rhs = mx.concatenate([br, bi], axis=-2)
    # A defective matrix has singular eigenvectors; MLX's solve would fail inside mx.eval: NaN instead.
    info = lu_info(big)
    x = poison(mx.linalg.solve(guard(big, info), rhs), info)
    return x[..., :n, :].astype(mx.complex64) + 1j * x[..., n:, :].astype(mx.complex64)


def _eig_backward(w, v, gw, gv, real_dtype):
    """PyTorch's rule: ``A_bar = V^{-H} (diag(gL) + (V^H gV - V^H V Re(diag(V^H gV))) / conj(E)) V^H``.

    ``E[i, j] = L_j - L_i`` off the diagonal; the eigenvalues must be distinct. Returns the real part (real ``A``).
    """
    n = w.shape[-1]
    eye = mx.eye(n, dtype=mx.bool_)
    vh = _adj(v)
    inner = mx.expand_dims(gw, -2) * eye.astype(mx.complex64)
    if gv is not None:
        vhgv = vh @ gv
        re_diag = mx.real(mx.diagonal(vhgv, axis1=-2, axis2=-1)).astype(mx.complex64)
        off = vhgv - vh @ (v * mx.expand_dims(re_diag, -2))
        econj = mx.conj(mx.expand_dims(w, -2) - mx.expand_dims(w, -1))
        inner = inner + mx.where(eye, 0, off / mx.where(eye, 1, econj))
    return mx.real(_complex_solve(vh, inner @ vh, real_dtype))


class Eig(KernelFunction):
    @staticmethod
    def forward(ctx, a):
        x = up(a)
        w, v = mx.linalg.eig(x)
        ctx.meta = (a.dtype, x.dtype)
        ctx.save_for_backward(w, v)
        return w, v

    @staticmethod
    def backward(ctx, gw, gv):
        w, v = ctx.saved_tensors
        dtype, real_dtype = ctx.meta
        grad = _eig_backward(w, v, gw.astype(mx.complex64), gv.astype(mx.complex64), real_dtype)
        return down(grad, dtype)


def eig(A: Tensor) -> EigResult:
    """Eigenvalues and eigenvectors (columns, unit 2-norm) of a general square matrix, as complex64.

    ``A V = V diag(L)``; the order of the eigenvalues is LAPACK's, not
    sorted. Each eigenvector is determined only up to a complex phase, so a
    loss must not depend on it (functions of ``|V|`` or of the eigenvalues
    are fine). The gradient follows PyTorch's formula, which needs distinct
    eigenvalues (repeated ones give inf/NaN), and is real for real ``A``.

    Args:
        A: shape ``(*, n, n)``, real (float64 is factored in float64 but the
            results are complex64, MLX's only complex dtype).

    Returns:
        EigResult: the named tuple ``(eigenvalues, eigenvectors)`` of shapes ``(*, n)`` and ``(*, n, n)``.

    Raises:
        TypeError: an integer or complex tensor.
        ValueError: non-square matrices.

    Examples:
        >>> import lucid
        >>> L, V = lucid.linalg.eig(lucid.tensor([[0.0, -1.0], [1.0, 0.0]]))
        >>> L.dtype, sorted(round(z.imag, 4) for z in L.tolist())
        (lucid.complex64, [-1.0, 1.0])
    """
    w, v = Eig.apply(matrix_input(A, "eig", square=True))
    return EigResult(w, v)


class EigVals(KernelFunction):
    @staticmethod
    def forward(ctx, a):
        x = up(a)
        if ctx.records:
            w, v = mx.linalg.eig(x)
            ctx.save_for_backward(w, v)
        else:
            w = mx.linalg.eigvals(x)
        ctx.meta = (a.dtype, x.dtype)
        return w

    @staticmethod
    def backward(ctx, gw):
        w, v = ctx.saved_tensors
        dtype, real_dtype = ctx.meta
        return down(_eig_backward(w, v, gw.astype(mx.complex64), None, real_dtype), dtype)


def eigvals(A: Tensor) -> Tensor:
    """Eigenvalues of a general square matrix, as complex64 (LAPACK's order, not sorted).

    Only the values are computed when no gradient is needed; the gradient is
    ``Re(V^{-H} diag(L_bar) V^H)``.

    Args:
        A: shape ``(*, n, n)``, real.

    Returns:
        Tensor: shape ``(*, n)``, complex64.

    Examples:
        >>> import lucid
        >>> L = lucid.linalg.eigvals(lucid.tensor([[2.0, 1.0], [0.0, 3.0]]))
        >>> sorted(z.real for z in L.tolist())
        [2.0, 3.0]
    """
    return EigVals.apply(matrix_input(A, "eigvals", square=True))
