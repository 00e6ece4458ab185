"""PyTorch's top-level linear-algebra spellings (``torch.det``, ``torch.svd``, ``torch.cross``, ...).

Each is a thin alias over the one implementation in :mod:`lucid.linalg`, with
PyTorch's old top-level signature: ``svd(some=True, compute_uv=True)`` returns
``V`` (not ``Vh``), ``qr(some=True)``, ``cholesky(upper=False)``,
``pinverse(rcond=)``, ``vander(increasing=False)`` (decreasing powers by
default), ``cross(dim=None)`` (the first dimension of size 3). Gradients are
those of the ``lucid.linalg`` functions they call.
"""

from __future__ import annotations

import numbers
from collections import namedtuple

import mlx.core as mx

from lucid._tensor import Tensor
from lucid.linalg._decomp import QRResult
from lucid.linalg._decomp import cholesky as _cholesky
from lucid.linalg._decomp import qr as _qr
from lucid.linalg._decomp import svd as _svd
from lucid.linalg._decomp import svdvals as _svdvals
from lucid.linalg._inverse import det as _det
from lucid.linalg._inverse import inv as _inv
from lucid.linalg._inverse import matrix_power as _matrix_power
from lucid.linalg._inverse import pinv as _pinv
from lucid.linalg._inverse import slogdet as _slogdet
from lucid.linalg._matfun import matrix_exp as _matrix_exp
from lucid.linalg._matfun import vander as _vander
from lucid.linalg._norms import vector_norm as _vector_norm
from lucid.linalg._products import cross as _cross
from lucid.linalg._products import multi_dot as _multi_dot
from lucid.ops._registry import register
from lucid.ops._util import check_int, reduce_axis_arg, to_tensor
from lucid.ops.rearrange import flip as _flip
from lucid.ops.shape import transpose as _transpose
from lucid.ops.unary import where as _where

__all__ = ["det", "logdet", "slogdet", "inverse", "pinverse", "matrix_power", "matrix_exp", "cholesky", "qr", "svd",
           "vander", "chain_matmul", "cross", "dist"]

SVDResultV = namedtuple("svd", ["U", "S", "V"])


@register(method=True)
def det(input: Tensor) -> Tensor:
    """The determinant of a square matrix or a batch of them (:func:`lucid.linalg.det`).

    Examples:
        >>> import lucid
        >>> lucid.det(lucid.tensor([[2.0, 1.0], [1.0, 3.0]])).item()
        5.0
    """
    return _det(input)


@register(method=True)
def logdet(input: Tensor) -> Tensor:
    """The natural log of the determinant: NaN where it is negative, ``-inf`` where it is 0.

    Computed from :func:`lucid.linalg.slogdet` (stable for large matrices).

    Examples:
        >>> import lucid
        >>> round(lucid.logdet(lucid.tensor([[2.0, 0.0], [0.0, 3.0]])).item(), 4)
        1.7918
        >>> lucid.logdet(lucid.tensor([[0.0, 1.0], [1.0, 0.0]])).isnan().item()
        True
    """
    sign, logabs = _slogdet(input)
    nan = Tensor._make(mx.array(float("nan"), dtype=logabs._data.dtype), logabs._device)
    return _where(sign < 0, nan, logabs)


@register(method=True)
def slogdet(input: Tensor):
    """The sign and the log of the absolute value of the determinant: the named tuple ``(sign, logabsdet)``.

    Examples:
        >>> import lucid
        >>> s, l = lucid.slogdet(lucid.tensor([[0.0, 2.0], [1.0, 0.0]]))
        >>> s.item(), round(l.item(), 4)
        (-1.0, 0.6931)
    """
    return _slogdet(input)


@register(method=True)
def inverse(input: Tensor) -> Tensor:
    """The inverse of a square matrix or a batch of them (:func:`lucid.linalg.inv`).

    Examples:
        >>> import lucid
        >>> lucid.inverse(lucid.tensor([[2.0, 0.0], [0.0, 4.0]])).diagonal().tolist()
        [0.5, 0.25]
    """
    return _inv(input)


@register(method=True)
def pinverse(input: Tensor, rcond: float = 1e-15, hermitian: bool = False) -> Tensor:
    """The Moore-Penrose pseudo-inverse; singular values below ``rcond * max(S)`` count as zero.

    Same as ``lucid.linalg.pinv(input, rtol=rcond, hermitian=hermitian)``.

    Raises:
        TypeError: ``rcond`` is not a real number.

    Examples:
        >>> import lucid
        >>> lucid.pinverse(lucid.tensor([[1.0, 0.0], [0.0, 0.0]])).tolist()
        [[1.0, 0.0], [0.0, 0.0]]
    """
    if isinstance(rcond, bool) or not isinstance(rcond, numbers.Real):
        raise TypeError(f"pinverse: rcond must be a real number, got {type(rcond).__name__}")
    return _pinv(input, rtol=float(rcond), hermitian=hermitian)


@register(method=True)
def matrix_power(input: Tensor, n: int) -> Tensor:
    """The ``n``-th power of a square matrix (negative ``n`` inverts first; :func:`lucid.linalg.matrix_power`).

    Examples:
        >>> import lucid
        >>> lucid.matrix_power(lucid.tensor([[1.0, 1.0], [0.0, 1.0]]), 3).tolist()
        [[1.0, 3.0], [0.0, 1.0]]
    """
    return _matrix_power(input, n)


@register(method=True)
def matrix_exp(input: Tensor) -> Tensor:
    """The matrix exponential (:func:`lucid.linalg.matrix_exp`).

    Examples:
        >>> import lucid
        >>> lucid.matrix_exp(lucid.zeros(2, 2)).tolist()
        [[1.0, 0.0], [0.0, 1.0]]
    """
    return _matrix_exp(input)


@register(method=True)
def cholesky(input: Tensor, upper: bool = False) -> Tensor:
    """The Cholesky factor of a symmetric positive-definite matrix: ``L`` (``A = L L^T``) or ``U`` if ``upper``.

    Examples:
        >>> import lucid
        >>> lucid.cholesky(lucid.tensor([[4.0, 2.0], [2.0, 5.0]])).tolist()
        [[2.0, 0.0], [1.0, 2.0]]
    """
    if not isinstance(upper, bool):
        raise TypeError(f"cholesky: upper must be a bool, got {type(upper).__name__}")
    return _cholesky(input, upper=upper)


@register(method=True)
def qr(input: Tensor, some: bool = True) -> QRResult:
    """The QR decomposition ``A = Q R``: the named tuple ``(Q, R)``; ``some=False`` gives the complete one.

    Examples:
        >>> import lucid
        >>> q, r = lucid.qr(lucid.tensor([[3.0, 0.0], [4.0, 5.0]]))
        >>> [[round(v, 4) for v in row] for row in (q @ r).tolist()]
        [[3.0, 0.0], [4.0, 5.0]]
    """
    if not isinstance(some, bool):
        raise TypeError(f"qr: some must be a bool, got {type(some).__name__}")
    return _qr(input, "reduced" if some else "complete")


@register(method=True)
def svd(input: Tensor, some: bool = True, compute_uv: bool = True):
    """PyTorch's old ``torch.svd``: ``A = U diag(S) V^T``, the named tuple ``(U, S, V)``, ``V`` not ``Vh``.

    ``some=True`` gives the reduced factors (``U`` is ``(*, m, k)``, ``V`` is
    ``(*, n, k)``, ``k = min(m, n)``); ``some=False`` the full ones. With
    ``compute_uv=False`` only ``S`` is computed and ``U``, ``V`` are
    zero-filled ``(*, m, m)`` and ``(*, n, n)`` matrices, as in PyTorch.

    Examples:
        >>> import lucid
        >>> u, s, v = lucid.svd(lucid.tensor([[3.0, 0.0], [0.0, -2.0], [0.0, 0.0]]))
        >>> u.shape, s.tolist(), v.shape
        ((3, 2), [3.0, 2.0], (2, 2))
    """
    for name, value in (("some", some), ("compute_uv", compute_uv)):
        if not isinstance(value, bool):
            raise TypeError(f"svd: {name} must be a bool, got {type(value).__name__}")
    if not compute_uv:
        s = _svdvals(input)
        a = to_tensor(input, "svd")
        *batch, m, n = a.shape
        dt, dev = a._data.dtype, a._device
        return SVDResultV(Tensor._make(mx.zeros((*batch, m, m), dt), dev), s,
                          Tensor._make(mx.zeros((*batch, n, n), dt), dev))
    u, s, vh = _svd(input, full_matrices=not some)
    return SVDResultV(u, s, _transpose(vh, -2, -1))


@register()
def vander(x: Tensor, N: int | None = None, increasing: bool = False) -> Tensor:
    """The Vandermonde matrix of a 1-D ``x``; columns are decreasing powers ``x^(N-1), ..., x^0`` by default.

    ``increasing=True`` gives ``x^0, ..., x^(N-1)`` (that is :func:`lucid.linalg.vander`).

    Args:
        x: a 1-D tensor of length ``n``.
        N: the number of columns (default ``n``); ``0`` gives an ``(n, 0)`` tensor.
        increasing: the order of the powers.

    Raises:
        ValueError: ``x`` is not 1-D or ``N`` is negative.

    Examples:
        >>> import lucid
        >>> lucid.vander(lucid.tensor([1, 2, 3])).tolist()
        [[1, 1, 1], [4, 2, 1], [9, 3, 1]]
    """
    x = to_tensor(x, "vander")
    if x.ndim != 1:
        raise ValueError(f"vander: x must be a 1-D tensor, got shape {x.shape}")
    n = x.shape[0] if N is None else check_int(N, "N", "vander")
    if n < 0:
        raise ValueError(f"vander: N must be non-negative, got {n}")
    if not isinstance(increasing, bool):
        raise TypeError(f"vander: increasing must be a bool, got {type(increasing).__name__}")
    if n < 2:
        return Tensor._make(mx.ones((x.shape[0], n), x._data.dtype), x._device)
    v = _vander(x, n)
    return v if increasing else _flip(v, (-1,))


@register()
def chain_matmul(*matrices) -> Tensor:
    """The product of two or more 2-D matrices, ``matrices[0] @ matrices[1] @ ...`` (PyTorch's deprecated name).

    One matrix is returned as it is. Prefer :func:`lucid.linalg.multi_dot`.

    Raises:
        ValueError: no matrix, or a matrix that is not 2-D.

    Examples:
        >>> import lucid
        >>> lucid.chain_matmul(lucid.ones(2, 3), lucid.ones(3, 4), lucid.ones(4, 1)).tolist()
        [[12.0], [12.0]]
    """
    if len(matrices) == 1 and isinstance(matrices[0], (list, tuple)):
        matrices = tuple(matrices[0])
    ts = [to_tensor(m, "chain_matmul") for m in matrices]
    if not ts:
        raise ValueError("chain_matmul: expected at least one matrix, got none")
    for i, t in enumerate(ts):
        if t.ndim != 2:
            raise ValueError(f"chain_matmul: every matrix must be 2-D, got shape {t.shape} at position {i}")
    if len(ts) == 1:
        return ts[0]
    return _multi_dot(ts)


@register(method=True)
def cross(input: Tensor, other: Tensor, dim: int | None = None, *, axis: int | None = None) -> Tensor:
    """The cross product of 3-vectors along ``dim``; with no ``dim``, the first dimension of size 3.

    The shapes broadcast. :func:`lucid.linalg.cross` differs only in its
    default (``dim=-1``), as in PyTorch.

    Raises:
        ValueError: no dimension has size 3 (with no ``dim``), or ``dim`` does not have size 3.

    Examples:
        >>> import lucid
        >>> a = lucid.tensor([[1.0, 0.0], [0.0, 1.0], [0.0, 0.0]])  # two vectors as columns
        >>> lucid.cross(a, lucid.tensor([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0]])).tolist()
        [[0.0, 1.0], [0.0, 0.0], [1.0, 0.0]]
    """
    d = reduce_axis_arg(axis, dim, "cross")
    a, b = to_tensor(input, "cross"), to_tensor(other, "cross")
    if d is None:
        try:
            shape = mx.broadcast_shapes(a.shape, b.shape)
        except ValueError:
            raise ValueError(f"cross: shapes {a.shape} and {b.shape} do not broadcast") from None
        sizes = [i for i, s in enumerate(shape) if s == 3]
        if not sizes:
            raise ValueError(f"cross: no dimension of size 3 in the broadcast shape {tuple(shape)}; pass dim=")
        d = sizes[0] - len(shape)
    return _cross(a, b, dim=d)


@register(method=True)
def dist(input: Tensor, other: Tensor, p=2) -> Tensor:
    """The ``p``-norm of ``input - other`` over all elements (the shapes broadcast).

    ``p`` may be any real number, ``inf`` or ``-inf`` (as :func:`lucid.linalg.vector_norm`; ``p=0`` counts the
    non-zero differences).

    Examples:
        >>> import lucid
        >>> lucid.dist(lucid.tensor([0.0, 0.0]), lucid.tensor([3.0, 4.0])).item()
        5.0
        >>> lucid.dist(lucid.tensor([0.0, 0.0]), lucid.tensor([3.0, 4.0]), p=1).item()
        7.0
    """
    if isinstance(p, bool) or not isinstance(p, numbers.Real):
        raise TypeError(f"dist: p must be a real number, got {type(p).__name__}")
    a, b = to_tensor(input, "dist"), to_tensor(other, "dist")
    return _vector_norm(a - b, float(p))
