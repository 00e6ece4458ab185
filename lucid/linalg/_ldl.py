"""The LDL^T factorisation of symmetric matrices: ``ldl_factor``, ``ldl_factor_ex``, ``ldl_solve``.

The factorisation is LAPACK's ``sytrf`` (lower form), which PyTorch calls:
Bunch-Kaufman partial pivoting with 1x1 and 2x2 diagonal blocks,
``A = L D L^T`` with ``L = P(1) L(1) P(2) L(2) ...``. Each step looks at one
column of the remaining (Schur complement) matrix and chooses, with
``alpha = (1 + sqrt(17)) / 8``:

- a 1x1 block without interchange when ``|a_kk| >= alpha * colmax``
  (``colmax``: the largest entry below the diagonal in column ``k``, in row
  ``r``) or ``|a_kk| * rowmax >= alpha * colmax^2`` (``rowmax``: the largest
  off-diagonal entry of row/column ``r``);
- else a 1x1 block after interchanging ``k`` and ``r`` when
  ``|a_rr| >= alpha * rowmax``;
- else a 2x2 block after interchanging ``k + 1`` and ``r``.

``pivots`` follows LAPACK's 1-based convention: ``pivots[k] = r + 1 > 0``
for a 1x1 block (rows and columns ``k`` and ``r`` interchanged), and
``pivots[k] = pivots[k + 1] = -(r + 1)`` for a 2x2 block in rows
``k, k + 1`` (``k + 1`` and ``r`` interchanged). ``LD`` holds ``D``'s
diagonal, its 2x2 blocks' subdiagonal entries ``D[k + 1, k]``, and ``L``'s
columns below them; interchanges are not applied to earlier columns.

Every step runs on all matrices of a batch at once: the choices are masks
and gathered indices (``argmax``, ``where``), never host reads, so each
matrix pivots independently and the whole factorisation stays lazy. A matrix
in the middle of a 2x2 block skips the next step. The loop over the ``n``
columns is unrolled in Python, shrinking the working matrix by one row and
column per step (about ``n^3 / 3`` elementwise updates per matrix).
"""

from __future__ import annotations

import functools
from collections import namedtuple

import mlx.core as mx
import numpy as np

from lucid._backend import checks, reductions
from lucid._tensor import Tensor
from lucid.linalg._checks import checked
from lucid.linalg._inverse import solve_triangular
from lucid.linalg._lu import _pivot_tensor
from lucid.linalg._util import CpuFunction, bool_arg, down, matrix_input, swap, up
from lucid.ops._index_guard import safe_index
from lucid.ops._util import to_tensor
from lucid.ops.indexing import take_along_dim
from lucid.ops.rearrange import diagonal
from lucid.ops.shape import concatenate, transpose, unsqueeze
from lucid.ops.unary import where

__all__ = ["ldl_factor", "ldl_factor_ex", "ldl_solve"]

LDLFactorResult = namedtuple("ldl_factor", ["LD", "pivots"])
LDLFactorExResult = namedtuple("ldl_factor_ex", ["LD", "pivots", "info"])


def _alpha(dtype) -> mx.array:
    """``(1 + sqrt(17)) / 8`` computed in ``dtype``, as LAPACK's single and double precision routines do."""
    npt = np.float64 if dtype == mx.float64 else np.float32
    return mx.array(npt((npt(1) + np.sqrt(npt(17))) / npt(8)), dtype=dtype)


def _symmetric_from_lower(x: mx.array) -> mx.array:
    return mx.tril(x) + swap(mx.tril(x, -1))


def _step_masks(m: int):
    """Constant masks for a step on an ``m x m`` remaining matrix, built on the host (cached for small ``m``)."""
    return _cached_step_masks(m) if m <= 128 else _build_step_masks(m)


def _build_step_masks(m: int):
    r = np.arange(m - 1)
    col0 = np.zeros((m - 1, 2), bool)
    col0[:, 0] = True
    rows2 = np.broadcast_to((r >= 1)[:, None], (m - 1, 2))  # rows k + 2 and below
    write = np.zeros((m - 1, m - 1), bool)
    write[1:, 0] = True  # a 2x2 block's second column of L, below its diagonal
    return (mx.arange(m, dtype=mx.int32), mx.array(col0), mx.array(rows2), mx.array(r[:, None] >= r[None, :]),
            mx.array(write))


_cached_step_masks = functools.cache(_build_step_masks)  # sizes up to 128: about 2 MB in all


@functools.lru_cache(maxsize=16)
def _packed_index(n: int):
    """Where ``LD[i, j]`` (``i >= j``) sits in the concatenated columns (``n - j`` entries each), and the mask."""
    i, j = np.indices((n, n))
    start = j * n - j * (j - 1) // 2
    return mx.array(np.where(i >= j, start + i - j, 0).astype(np.int32)), mx.array(i >= j)


_SIGN = mx.array([[1.0, -1.0], [-1.0, 1.0]])
_FIRST = mx.array([[1.0, 0.0], [0.0, 0.0]])


def _bunch_kaufman(x: mx.array):
    """``(LD, pivots, info)`` of the symmetric ``x`` (all of it is read), as LAPACK's ``sytrf(uplo='L')``."""
    n = x.shape[-1]
    batch = x.shape[:-2]
    dt = x.dtype
    alpha = _alpha(dt)
    sign, first = _SIGN.astype(dt), _FIRST.astype(dt)
    info = mx.zeros(batch, dtype=mx.int32)
    skip = mx.zeros(batch, dtype=mx.bool_)  # the second column of a 2x2 block: nothing left to do
    carry = mx.zeros(batch, dtype=mx.int32)  # that column's pivot entry
    t = x  # the remaining matrix, exactly symmetric
    cols, pivs = [], []
    size = int(np.prod(batch))
    offsets = mx.array(np.arange(size, dtype=np.int32).reshape(batch + (1,)))

    def take_rows(a: mx.array, index: mx.array) -> mx.array:  # a[b, index[b, i], :] for every batch index b
        rows = a.shape[-1]
        if not batch:
            return mx.take(a, index, axis=0)
        flat = mx.take(a.reshape(size * rows, rows), (index + offsets * rows).reshape(-1), axis=0)
        return flat.reshape(a.shape)

    for k in range(n):
        m = n - k
        if m == 1:  # the last column: a 1x1 block, nothing to interchange
            akk = mx.abs(t[..., 0, 0])
            zero = ((akk == 0) | mx.isnan(akk)) & ~skip
            info = mx.where((info == 0) & zero, k + 1, info)
            pivs.append(mx.where(skip, carry, k + 1))
            cols.append(t[..., :, 0])
            break
        ar, col0, rows2, low, write = _step_masks(m)
        # The choice: colmax in row imax of column k, rowmax off the diagonal of row imax.
        acol = mx.abs(t[..., :, 0])
        absakk, below = acol[..., 0], acol[..., 1:]
        imax = mx.stop_gradient(mx.argmax(below, axis=-1).astype(mx.int32) + 1)
        colmax = mx.max(below, axis=-1)
        arow = mx.abs(mx.take_along_axis(t, imax[..., None, None], axis=-2)[..., 0, :])
        at = ar == imax[..., None]
        rowmax = mx.max(mx.where(at, 0, arow), axis=-1)
        rr = mx.max(mx.where(at, arow, 0), axis=-1)
        acm = alpha * colmax
        zero = ((mx.maximum(absakk, colmax) == 0) | mx.isnan(absakk)) & ~skip  # a zero column: D[k, k] = 0
        idle = skip | zero
        swapped = ~((absakk >= acm) | (absakk >= acm * (colmax / rowmax)) | idle)
        two = swapped & ~(rr >= alpha * rowmax)
        one = ~(idle | two)
        # Interchange rows and columns kk and kp (gathers on both axes; the identity where kp == kk).
        kk = two.astype(mx.int32)
        kp = mx.where(swapped, imax, kk)
        kk_, kp_ = kk[..., None], kp[..., None]
        perm = mx.stop_gradient(mx.where(ar == kk_, kp_, mx.where(ar == kp_, kk_, ar)))
        t = take_rows(swap(take_rows(t, perm)), perm)  # P t P^T = P (P t)^T: t is symmetric
        # The pivot block's inverse S: [[1 / d, 0], [0, 0]] or, for [[d, e], [e, f]], LAPACK's scaled form
        # (e M)^-1 = adj(M) / (e det M) with M = [[d / e, 1], [1, f / e]].
        blk = t[..., :2, :2]
        two_, one_ = two[..., None, None], one[..., None, None]
        es = mx.where(two, blk[..., 1, 0], 1)
        mm = blk / es[..., None, None]
        det = mx.where(two, mm[..., 0, 0] * mm[..., 1, 1] - 1, 1)
        inv2 = mm[..., ::-1, ::-1] * sign * ((1 / det) / es)[..., None, None]
        inv1 = first * (1 / mx.where(one, blk[..., 0, 0], 1))[..., None, None]
        S = mx.where(two_, inv2, mx.where(one_, inv1, 0))
        # L's columns W = X S (X: the block's columns below it) and the update A - X W^T (as LAPACK orders it).
        X = t[..., 1:, :2]
        keep = (one_ & col0) | (two_ & rows2)
        Xm = mx.where(keep, X, 0)
        W = Xm @ S
        upd = t[..., 1:, 1:] - Xm @ swap(W)
        # A 2x2 block's second column of L goes into the next step's first column (which it then skips).
        upd = mx.where(two_ & write, W[..., :, 1:2], upd)
        rest = mx.where(low, upd, swap(upd))  # the lower triangle, mirrored: exactly symmetric again
        cols.append(mx.concatenate([t[..., :1, 0], mx.where(keep[..., 0], W[..., 0], X[..., 0])], axis=-1))
        piv = mx.where(two, -(k + 1 + kp), k + 1 + kp)
        pivs.append(mx.where(skip, carry, piv))
        info = mx.where((info == 0) & zero, k + 1, info)
        carry, skip, t = piv, two, rest
    index, lower = _packed_index(n)
    flat = mx.concatenate(cols, axis=-1)
    ld = mx.where(lower, mx.take(flat, index, axis=-1), 0)
    return ld, mx.stack(pivs, axis=-1).astype(mx.int32), info


def _factor_ld(a: mx.array) -> mx.array:
    return _bunch_kaufman(_symmetric_from_lower(a))[0]


class LDLFactor(CpuFunction):
    """Returns ``(LD, pivots, info)``; differentiable in ``A``'s lower triangle with the pivoting held fixed."""

    @staticmethod
    def forward(ctx, a):
        x = up(a)
        if x.size == 0:  # no matrices, or 0 x 0 ones
            ld, piv, info = x, mx.zeros(x.shape[:-1], dtype=mx.int32), mx.zeros(x.shape[:-2], dtype=mx.int32)
        else:
            ld, piv, info = _bunch_kaufman(_symmetric_from_lower(x))
        if ctx.records:
            ctx.save_for_backward(x)
        ctx.dtype = a.dtype
        return down(ld, a.dtype), piv, info

    @staticmethod
    def backward(ctx, g, _gpiv=None, _ginfo=None):
        (x,) = ctx.saved_tensors
        if x.size == 0:
            return mx.zeros(x.shape, dtype=ctx.dtype)
        # Differentiate the same (unrolled, masked) factorisation: its choices are piecewise constant.
        _, (grad,) = mx.vjp(_factor_ld, [x], [mx.tril(g.astype(x.dtype))])
        return down(grad, ctx.dtype)


def _ldl_message(order: int) -> str:
    return (f"D[{order - 1}, {order - 1}] is exactly zero: the factorization was completed, but the block "
            "diagonal D is singular, so it cannot be used to solve a system (ldl_factor_ex returns the factors "
            "with info instead of raising).")


def _ldl_factor(A, hermitian, op, check_errors):
    """``(LD, pivots, info)`` for ``linalg.{op}``, with a lazy ``LinAlgError`` when ``check_errors``."""
    check_errors = bool_arg(check_errors, "check_errors", op)
    bool_arg(hermitian, "hermitian", op)
    return checked(LDLFactor.apply(matrix_input(A, op, square=True)), op, _ldl_message, check_errors)


def ldl_factor(A: Tensor, *, hermitian: bool = False) -> LDLFactorResult:
    """The Bunch-Kaufman factorisation ``A = L D L^T`` of a symmetric matrix, packed: ``(LD, pivots)``.

    As LAPACK's ``sytrf`` (lower form): ``D`` is block diagonal with 1x1 and
    2x2 blocks, ``L`` unit lower triangular up to the row interchanges
    recorded in ``pivots`` (LAPACK's 1-based convention: see the module
    note). ``LD`` holds ``D`` on its diagonal (and a 2x2 block's
    off-diagonal entry below it) and ``L`` below that; only ``A``'s lower
    triangle is read. Pass both to :func:`ldl_solve`. A zero column (an
    exactly singular ``D``) raises :class:`LinAlgError` at the next sync
    point. Differentiable with the pivoting held fixed (PyTorch's is not).

    Args:
        A: shape ``(*, n, n)``, symmetric (real).
        hermitian: accepted for PyTorch compatibility; real symmetric and
            Hermitian are the same for real matrices.

    Returns:
        LDLFactorResult: the named tuple ``(LD, pivots)``.

    Raises:
        LinAlgError: (at the next sync point) ``D`` is exactly singular.

    Examples:
        >>> import lucid
        >>> LD, pivots = lucid.linalg.ldl_factor(lucid.tensor([[4.0, 2.0], [2.0, 3.0]]))
        >>> LD.tolist(), pivots.tolist()
        ([[4.0, 0.0], [0.5, 2.0]], [1, 2])
        >>> LD, pivots = lucid.linalg.ldl_factor(lucid.tensor([[0.0, 1.0], [1.0, 0.0]]))  # a 2x2 block
        >>> LD.tolist(), pivots.tolist()
        ([[0.0, 0.0], [1.0, 0.0]], [-2, -2])
    """
    return LDLFactorResult(*_ldl_factor(A, hermitian, "ldl_factor", True)[:2])


def ldl_factor_ex(A: Tensor, *, hermitian: bool = False, check_errors: bool = False) -> LDLFactorExResult:
    """:func:`ldl_factor` that returns the error code instead of raising: ``(LD, pivots, info)``.

    ``info`` (int32, shape ``(*)``) is 0, or, as LAPACK's ``sytrf`` reports
    it, the 1-based index ``i`` of the first exactly zero ``D[i - 1, i - 1]``
    (a column that is zero when its step comes; the factorisation still
    completes).

    Args:
        A: shape ``(*, n, n)``, symmetric.
        hermitian: accepted for PyTorch compatibility (real matrices only).
        check_errors: also raise :class:`LinAlgError` (at the next sync point) when some ``info`` is nonzero.

    Returns:
        LDLFactorExResult: the named tuple ``(LD, pivots, info)``.

    Examples:
        >>> import lucid
        >>> lucid.linalg.ldl_factor_ex(lucid.tensor([[1.0, 0.0], [0.0, 0.0]])).info.item()
        2
    """
    return LDLFactorExResult(*_ldl_factor(A, hermitian, "ldl_factor_ex", check_errors))


def _bad_pivots() -> ValueError:
    return ValueError("linalg.ldl_solve: pivots are not a Bunch-Kaufman pivot sequence as ldl_factor returns: "
                      "a positive pivots[k] must be at least k + 1, and negative entries must come in equal "
                      "pairs -r (2x2 blocks in rows k, k + 1) with r at least k + 2")


def _solve_structure(piv: mx.array, n: int):
    """From LAPACK pivots: the 2x2 blocks' first rows and second rows, L's row maps, the permutation.

    ``L = P(1) L(1) P(2) L(2) ...`` is rewritten as ``Q Lhat``: column ``j``
    of ``Lhat`` is column ``j`` of ``LD`` with the later interchanges applied
    to its rows (``rows[..., i, j]`` is the row of ``LD`` to read), and
    ``(Q^T B)[i] = B[perm[i]]``.
    """
    ar = mx.arange(n, dtype=mx.int32)
    neg = piv < 0
    # Position in a run of negative entries: even = the first row of a 2x2 block, odd = the second.
    start = mx.cummax(mx.where(neg, -1, ar), axis=-1)
    odd = ((ar - start) % 2) == 0  # ar - start - 1 is odd
    first = neg & ~odd
    second = neg & odd
    target = mx.where(neg, -piv, piv) - 1
    nxt = mx.concatenate([piv[..., 1:], mx.zeros(piv.shape[:-1] + (1,), dtype=piv.dtype)], axis=-1)
    src = mx.where(first, ar + 1, ar)  # the row interchanged at step k
    bad = (first & ((nxt != piv) | (target < ar + 1))) | (~neg & (target < ar))
    checks.defer(reductions.any(bad), _bad_pivots)
    target = safe_index(mx.where(second, ar, target), n, "linalg.ldl_solve", noun="pivot")
    src = mx.minimum(src, n - 1)
    r = mx.broadcast_to(ar, piv.shape)
    maps = [None] * n
    for j in reversed(range(n)):
        maps[j] = r
        s, t = src[..., j:j + 1], target[..., j:j + 1]
        r = mx.where(r == s, t, mx.where(r == t, s, r))
    return first, second, mx.stack(maps, axis=-1), r


def ldl_solve(LD: Tensor, pivots: Tensor, B: Tensor, *, hermitian: bool = False) -> Tensor:
    """Solve ``A X = B`` from :func:`ldl_factor`'s ``(LD, pivots)`` of a symmetric ``A``.

    ``A = Q Lh D Lh^T Q^T`` (the pivots' interchanges gathered into the
    permutation ``Q`` and the unit lower triangular ``Lh``), so
    ``X = Q Lh^{-T} D^{-1} Lh^{-1} Q^T B``: gathers, triangular solves and
    the 2x2 blocks' closed-form inverses, differentiable in ``LD`` and ``B``.
    Batch dimensions of ``LD`` and ``B`` broadcast. Pivots outside
    ``[-n, -1] U [1, n]`` raise ``IndexError``, and other sequences that
    :func:`ldl_factor` cannot return ``ValueError``, at the next sync point.

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
        >>> A = lucid.tensor([[1.0, 4.0], [4.0, 1.0]])
        >>> LD, pivots = lucid.linalg.ldl_factor(A)
        >>> pivots.tolist()  # one 2x2 block
        [-2, -2]
        >>> lucid.linalg.ldl_solve(LD, pivots, lucid.tensor([[5.0], [5.0]])).tolist()
        [[1.0], [1.0]]
    """
    op = "ldl_solve"
    bool_arg(hermitian, "hermitian", op)
    LD = matrix_input(LD, op, square=True)
    n = LD.shape[-1]
    piv = _pivot_tensor(pivots, n, LD.shape[:-2], op)
    B = to_tensor(B, f"linalg.{op}")
    if B.ndim < 2 or B.shape[-2] != n:
        raise ValueError(f"linalg.{op}: B must have shape (*, {n}, k) to match LD of shape {LD.shape}, "
                         f"got {B.shape}")
    if n == 0 or LD.numel() == 0:
        return solve_triangular(LD, B, upper=False, unitriangular=True)  # nothing to solve: only the shape
    with mx.stream(mx.cpu):
        # Pivots are never differentiated: inside lucid.func they would be gather indices MLX refuses.
        first, second, rows, perm = _solve_structure(mx.stop_gradient(piv), n)
        inv = mx.argsort(perm, axis=-1).astype(mx.int32)
        ar = mx.arange(n)
        below = ar[:, None] > ar[None, :] + first[..., None, :].astype(mx.int32)  # L's entries (*, n, n)
    nd = max(B.ndim, LD.ndim)  # the batch dimensions of LD and B broadcast

    def rows_of(x: Tensor, index: mx.array) -> Tensor:  # x[..., index[..., i], :]
        if x.ndim < nd:
            x = x.reshape((1,) * (nd - x.ndim) + x.shape)
        return take_along_dim(x, Tensor(index.reshape((1,) * (nd - 1 - index.ndim) + index.shape + (1,))), dim=-2)

    low = where(Tensor(below), take_along_dim(LD, Tensor(rows), dim=-2), 0.0)
    Y = solve_triangular(low, rows_of(B, perm), upper=False, unitriangular=True)
    Y = _apply_d_inverse(LD, Y, first, second)
    W = solve_triangular(transpose(low, -2, -1), Y, upper=True, unitriangular=True)
    return rows_of(W, inv)


def _shift(x: Tensor, step: int) -> Tensor:
    """``x`` moved by ``step`` along dim -2 (+1: entry i holds x[i + 1]; -1: x[i - 1]), zeros at the edge."""
    edge = Tensor(mx.zeros(x.shape[:-2] + (1,) + x.shape[-1:], dtype=x._data.dtype))
    if step > 0:
        return concatenate([x[..., 1:, :], edge], dim=-2)
    return concatenate([edge, x[..., :-1, :]], dim=-2)


def _apply_d_inverse(LD: Tensor, Y: Tensor, first: mx.array, second: mx.array) -> Tensor:
    """``D^{-1} Y`` for the block diagonal ``D`` in ``LD`` (2x2 blocks by LAPACK's scaled formula)."""
    blk = Tensor(mx.expand_dims(first | second, -1))
    fst, snd = Tensor(mx.expand_dims(first, -1)), Tensor(mx.expand_dims(second, -1))
    d = unsqueeze(diagonal(LD, 0, -2, -1), -1)  # (*, n, 1)
    e = unsqueeze(diagonal(LD, -1, -2, -1), -1)  # (*, n - 1, 1): D[k + 1, k] of a 2x2 block
    edge = Tensor(mx.zeros(e.shape[:-2] + (1, 1), dtype=e._data.dtype))
    e_here, e_prev = concatenate([e, edge], dim=-2), concatenate([edge, e], dim=-2)  # entry k: e[k], e[k - 1]
    b = where(fst, e_here, where(snd, e_prev, 1.0))  # the block's off-diagonal entry (1: unused)
    other = where(fst, _shift(d, 1), where(snd, _shift(d, -1), 0.0))  # the partner's D entry
    a_self, a_other = d / b, other / b
    denom = where(blk, a_self * a_other - 1.0, 1.0)
    y_other = where(fst, _shift(Y, 1), _shift(Y, -1))
    two = (a_other * (Y / b) - y_other / b) / denom
    return where(blk, two, Y / where(blk, 1.0, d))
