"""Linear algebra: inverses, determinants, decompositions, norms (PyTorch's ``torch.linalg``).

Every function takes a matrix ``(m, n)`` or a batch ``(*, m, n)`` of real
floating-point matrices (``eig`` and ``eigvals`` return complex64). MLX's decompositions have CPU kernels only, so they
run on the CPU stream whatever the default device (memory is unified, so
nothing is copied); float16/bfloat16 inputs are computed in float32 and
returned in their own dtype. Use float64 for tight accuracy.

This package sits above ``lucid.ops`` (it imports ops, never the reverse).
``lucid.norm`` (PyTorch's ``torch.norm``) is :func:`tensor_norm`, declared
here; ``diagonal`` is ``lucid.diagonal`` with the last two dims as default.

Examples:
    >>> import lucid
    >>> A = lucid.tensor([[4.0, 1.0], [1.0, 3.0]])
    >>> x = lucid.linalg.solve(A, lucid.tensor([1.0, 2.0]))
    >>> [round(v, 4) for v in (A @ x).tolist()]
    [1.0, 2.0]
"""

# PyTorch's top-level spellings (lucid.det, lucid.svd, ...): registered on lucid, not in this namespace.
from lucid.linalg import _toplevel
from lucid.linalg._checks import LinAlgError
from lucid.linalg._decomp import (
    CholeskyExResult,
    EighResult,
    QRResult,
    SVDResult,
    cholesky,
    cholesky_ex,
    eigh,
    eigvalsh,
    qr,
    svd,
    svdvals,
)
from lucid.linalg._eig import EigResult, eig, eigvals
from lucid.linalg._inverse import (
    InvExResult,
    SlogdetResult,
    SolveExResult,
    det,
    inv,
    inv_ex,
    matrix_power,
    pinv,
    slogdet,
    solve,
    solve_ex,
    solve_triangular,
)
from lucid.linalg._ldl import LDLFactorExResult, LDLFactorResult, ldl_factor, ldl_factor_ex, ldl_solve
from lucid.linalg._lstsq import LstsqResult, lstsq
from lucid.linalg._lu import LUFactorExResult, LUFactorResult, LUResult, lu, lu_factor, lu_factor_ex, lu_solve
from lucid.linalg._matfun import householder_product, matrix_exp, vander
from lucid.linalg._norms import cond, matrix_norm, matrix_rank, norm, vector_norm
from lucid.linalg._products import cross, diagonal, multi_dot, vecdot
from lucid.ops.linalg import matmul

__all__ = [
    "inv", "inv_ex", "det", "slogdet", "solve", "solve_ex", "solve_triangular", "pinv", "matrix_power",
    "cholesky", "cholesky_ex", "qr", "svd", "svdvals", "eigh", "eigvalsh",
    "norm", "vector_norm", "matrix_norm", "cond", "matrix_rank",
    "cross", "vecdot", "multi_dot", "matmul", "diagonal",
    "lu_factor", "lu_factor_ex", "lu", "lu_solve", "ldl_factor", "ldl_factor_ex", "ldl_solve", "lstsq",
    "eig", "eigvals", "matrix_exp", "householder_product", "vander",
    "LinAlgError",
]
