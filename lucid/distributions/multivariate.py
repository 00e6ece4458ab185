"""Multivariate normals: ``MultivariateNormal`` and ``LowRankMultivariateNormal``."""

from __future__ import annotations

import math

import lucid
from lucid._tensor import Tensor
from lucid.distributions import constraints
from lucid.distributions._math import broadcast_all, broadcast_shape, standard_normal
from lucid.distributions.distribution import Distribution, _as_shape, _numbers, _PeakAtLoc

__all__ = ["MultivariateNormal", "LowRankMultivariateNormal"]


def _expand_to(t: Tensor, shape: tuple) -> Tensor:
    return t if tuple(t.shape) == tuple(shape) else t.expand(*shape)


def _tri_solve(L: Tensor, x: Tensor) -> Tensor:
    """``L^{-1} x`` for lower-triangular ``L`` (..., n, n) and vectors ``x`` (..., n), broadcasting batches."""
    batch = broadcast_shape(L.shape[:-2], x.shape[:-1])
    n = L.shape[-1]
    Lb = _expand_to(L, batch + (n, n))
    xb = _expand_to(x, batch + (n,)).unsqueeze(-1)
    return lucid.linalg.solve_triangular(Lb, xb, upper=False).squeeze(-1)


def _matvec(M: Tensor, v: Tensor) -> Tensor:
    return (M @ v.unsqueeze(-1)).squeeze(-1)


class MultivariateNormal(_PeakAtLoc, Distribution):
    """A multivariate normal with mean ``loc`` and one of ``covariance_matrix``, ``precision_matrix``, ``scale_tril``.

    ``rsample`` is ``loc + L @ eps`` with ``L = scale_tril`` (the Cholesky
    factor of the covariance), differentiable in ``loc`` and the matrix.

    Args:
        loc: the mean, shape ``(..., k)``.
        covariance_matrix: positive-definite ``(..., k, k)``.
        precision_matrix: positive-definite ``(..., k, k)`` (its inverse is the covariance).
        scale_tril: lower-triangular ``(..., k, k)`` with a positive diagonal.

    Examples:
        >>> import lucid
        >>> from lucid.distributions import MultivariateNormal
        >>> d = MultivariateNormal(lucid.zeros(2), covariance_matrix=lucid.eye(2))
        >>> d.event_shape, round(d.log_prob(lucid.zeros(2)).item(), 4)
        ((2,), -1.8379)
    """

    arg_constraints = {"loc": constraints.real_vector, "covariance_matrix": constraints.positive_definite,
                       "precision_matrix": constraints.positive_definite, "scale_tril": constraints.lower_cholesky}
    support = constraints.real_vector
    has_rsample = True
    _batch_params = ("loc", "covariance_matrix", "precision_matrix", "scale_tril")
    _expand_keeps = ("_unbroadcasted_scale_tril",)

    def __init__(self, loc, covariance_matrix=None, precision_matrix=None, scale_tril=None,
                 validate_args: bool | None = None):
        given = [m is not None for m in (covariance_matrix, precision_matrix, scale_tril)]
        if sum(given) != 1:
            raise ValueError("Exactly one of covariance_matrix or precision_matrix or scale_tril may be specified.")
        matrix = next(m for m in (covariance_matrix, precision_matrix, scale_tril) if m is not None)
        self._eager_check = _numbers(loc, matrix)
        (loc,) = broadcast_all(loc)
        (matrix,) = broadcast_all(matrix)
        if loc.dtype != matrix.dtype:
            dtype = lucid.float64 if lucid.float64 in (loc.dtype, matrix.dtype) else loc.dtype
            loc, matrix = loc.to(dtype), matrix.to(dtype)
        if loc.ndim < 1:
            raise ValueError("loc must be at least one-dimensional.")
        if matrix.ndim < 2:
            name = ("covariance_matrix", "precision_matrix", "scale_tril")[given.index(True)]
            raise ValueError(f"{name} must be at least two-dimensional, with optional leading batch dimensions")
        if matrix.shape[-1] != matrix.shape[-2] or matrix.shape[-1] != loc.shape[-1]:
            raise ValueError(f"the matrix of shape {tuple(matrix.shape)} does not match loc of shape "
                             f"{tuple(loc.shape)}: expected (..., {loc.shape[-1]}, {loc.shape[-1]})")
        batch = broadcast_shape(matrix.shape[:-2], loc.shape[:-1])
        k = loc.shape[-1]
        self.loc = _expand_to(loc, batch + (k,))
        if scale_tril is not None:
            self.scale_tril = _expand_to(matrix, batch + (k, k))
        elif covariance_matrix is not None:
            self.covariance_matrix = _expand_to(matrix, batch + (k, k))
        else:
            self.precision_matrix = _expand_to(matrix, batch + (k, k))
        super().__init__(batch, (k,), validate_args=validate_args)
        if scale_tril is not None:
            self._unbroadcasted_scale_tril = matrix
        elif covariance_matrix is not None:
            self._unbroadcasted_scale_tril = lucid.linalg.cholesky(matrix)
        else:
            self._unbroadcasted_scale_tril = lucid.linalg.cholesky(lucid.linalg.inv(matrix))

    def __getattr__(self, name):
        # scale_tril / covariance_matrix / precision_matrix derived on first use
        if name == "scale_tril":
            k = self._event_shape[0]
            return _expand_to(self._unbroadcasted_scale_tril, self._batch_shape + (k, k))
        if name == "covariance_matrix":
            L = self._unbroadcasted_scale_tril
            k = self._event_shape[0]
            return _expand_to(L @ L.mT, self._batch_shape + (k, k))
        if name == "precision_matrix":
            L = self._unbroadcasted_scale_tril
            k = self._event_shape[0]
            eye = lucid.eye(k, dtype=L.dtype)
            linv = lucid.linalg.solve_triangular(L, _expand_to(eye, L.shape), upper=False)
            return _expand_to(linv.mT @ linv, self._batch_shape + (k, k))
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    @property
    def variance(self):
        L = self._unbroadcasted_scale_tril
        return _expand_to((L ** 2).sum(dim=-1), self._batch_shape + self._event_shape)

    def rsample(self, sample_shape=()):
        shape = self._extended_shape(sample_shape)
        eps = standard_normal(shape, self.loc)
        return self.loc + _matvec(self._unbroadcasted_scale_tril, eps)

    def log_prob(self, value):
        value = self._value(value)
        diff = value - self.loc
        L = self._unbroadcasted_scale_tril
        m = (_tri_solve(L, diff) ** 2).sum(dim=-1)
        half_log_det = lucid.log(lucid.diagonal(L, dim1=-2, dim2=-1)).sum(dim=-1)
        k = self._event_shape[0]
        return -0.5 * (k * math.log(2 * math.pi) + m) - half_log_det

    def entropy(self):
        L = self._unbroadcasted_scale_tril
        k = self._event_shape[0]
        half_log_det = lucid.log(lucid.diagonal(L, dim1=-2, dim2=-1)).sum(dim=-1)
        h = 0.5 * k * (1.0 + math.log(2 * math.pi)) + half_log_det
        return _expand_to(h, self._batch_shape)


class LowRankMultivariateNormal(_PeakAtLoc, Distribution):
    """A multivariate normal with covariance ``cov_factor @ cov_factor.T + diag(cov_diag)``.

    ``log_prob`` and ``entropy`` use the Woodbury identity and the matrix
    determinant lemma, so they cost ``O(k r^2)`` instead of ``O(k^3)``.

    Args:
        loc: the mean, ``(..., k)``.
        cov_factor: ``(..., k, r)``.
        cov_diag: positive ``(..., k)``.

    Examples:
        >>> import lucid
        >>> from lucid.distributions import LowRankMultivariateNormal
        >>> d = LowRankMultivariateNormal(lucid.zeros(2), lucid.zeros(2, 1), lucid.ones(2))
        >>> round(d.log_prob(lucid.zeros(2)).item(), 4)
        -1.8379
    """

    arg_constraints = {"loc": constraints.real_vector, "cov_factor": constraints.independent(constraints.real, 2),
                       "cov_diag": constraints.independent(constraints.positive, 1)}
    support = constraints.real_vector
    has_rsample = True
    _batch_params = ("loc", "cov_factor", "cov_diag")

    def __init__(self, loc, cov_factor, cov_diag, validate_args: bool | None = None):
        self._eager_check = _numbers(loc, cov_factor, cov_diag)
        (loc,) = broadcast_all(loc)
        (cov_factor,) = broadcast_all(cov_factor)
        (cov_diag,) = broadcast_all(cov_diag)
        if loc.ndim < 1:
            raise ValueError("loc must be at least one-dimensional.")
        k = loc.shape[-1]
        if cov_factor.ndim < 2:
            raise ValueError("cov_factor must be at least two-dimensional, with optional leading batch dimensions")
        if cov_factor.shape[-2] != k:
            raise ValueError(f"cov_factor must be a batch of matrices with shape {k} x m, got "
                             f"{tuple(cov_factor.shape)}")
        if cov_diag.ndim < 1 or cov_diag.shape[-1] != k:
            raise ValueError(f"cov_diag must be a batch of vectors with shape {(k,)}, got {tuple(cov_diag.shape)}")
        r = cov_factor.shape[-1]
        batch = broadcast_shape(loc.shape[:-1], cov_factor.shape[:-2], cov_diag.shape[:-1])
        self.loc = _expand_to(loc, batch + (k,))
        self.cov_factor = _expand_to(cov_factor, batch + (k, r))
        self.cov_diag = _expand_to(cov_diag, batch + (k,))
        super().__init__(batch, (k,), validate_args=validate_args)

    def _capacitance_tril(self):
        W, D = self.cov_factor, self.cov_diag
        Wt_Dinv = W.mT / D.unsqueeze(-2)
        r = W.shape[-1]
        K = Wt_Dinv @ W + lucid.eye(r, dtype=W.dtype)
        return lucid.linalg.cholesky(K)

    @property
    def variance(self):
        return (self.cov_factor ** 2).sum(dim=-1) + self.cov_diag

    @property
    def covariance_matrix(self):
        W = self.cov_factor
        return W @ W.mT + lucid.diag_embed(self.cov_diag) if hasattr(lucid, "diag_embed") else \
            W @ W.mT + self.cov_diag.unsqueeze(-1) * lucid.eye(W.shape[-2], dtype=W.dtype)

    @property
    def scale_tril(self):
        return lucid.linalg.cholesky(self.covariance_matrix)

    @property
    def precision_matrix(self):
        return lucid.linalg.inv(self.covariance_matrix)

    def rsample(self, sample_shape=()):
        shape = self._extended_shape(sample_shape)
        r = self.cov_factor.shape[-1]
        eps_w = standard_normal(_as_shape(sample_shape) + self.batch_shape + (r,), self.loc)
        eps_d = standard_normal(shape, self.loc)
        return self.loc + _matvec(self.cov_factor, eps_w) + lucid.sqrt(self.cov_diag) * eps_d

    def _log_det(self, C):
        return 2 * lucid.log(lucid.diagonal(C, dim1=-2, dim2=-1)).sum(dim=-1) + lucid.log(self.cov_diag).sum(dim=-1)

    def log_prob(self, value):
        value = self._value(value)
        diff = value - self.loc
        W, D = self.cov_factor, self.cov_diag
        C = self._capacitance_tril()
        Wt_Dinv_x = _matvec(W.mT, diff / D)
        m = (diff ** 2 / D).sum(dim=-1) - (_tri_solve(C, Wt_Dinv_x) ** 2).sum(dim=-1)
        k = self._event_shape[0]
        return -0.5 * (k * math.log(2 * math.pi) + m + self._log_det(C))

    def entropy(self):
        k = self._event_shape[0]
        return 0.5 * (k * (1.0 + math.log(2 * math.pi)) + self._log_det(self._capacitance_tril()))
