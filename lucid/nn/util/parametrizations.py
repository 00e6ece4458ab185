r"""Ready-made parametrizations (``lucid.nn.utils.parametrizations``): orthogonal, weight norm, spectral norm.

Each registers a parametrization with
:func:`lucid.nn.utils.parametrize.register_parametrization`, so the trained
tensors live under ``module.parametrizations.<name>`` with PyTorch's
``state_dict`` keys, and ``module.<name>`` is computed from them on access.
"""

from __future__ import annotations

from lucid._tensor import Tensor
from lucid.autograd.grad_mode import no_grad
from lucid.linalg import householder_product, matrix_exp, qr, solve
from lucid.nn.functional.normalization import normalize
from lucid.nn.module import Module
from lucid.nn.parameter import Buffer
from lucid.nn.util import parametrize
from lucid.nn.util.spectral_norm import check_power_args, default_dim, set_buffer, weight_to_matrix
from lucid.nn.util.weight_norm import check_norm_dim, norm_except_dim, weight_from_g_v
from lucid.ops.creation import eye, zeros, zeros_like
from lucid.ops.shape import cat
from lucid.random import randn

__all__ = ["orthogonal", "weight_norm", "spectral_norm"]

_MAPS = ("matrix_exp", "cayley", "householder")


def _make_orthogonal(A: Tensor) -> Tensor:
    """The orthogonal factor of ``A = QR``, ``R``'s diagonal made positive (an orthogonal ``A`` maps to itself)."""
    Q, R = qr(A)
    return Q * R.diagonal(dim1=-2, dim2=-1).sign().unsqueeze(-2)


class _Orthogonal(Module):
    """``forward(X)``: an orthogonal matrix (or orthonormal columns/rows) computed from an unconstrained ``X``."""

    def __init__(self, weight: Tensor, orthogonal_map: str, *, use_trivialization: bool = True) -> None:
        super().__init__()
        self.shape = weight.shape
        self.orthogonal_map = orthogonal_map
        if use_trivialization:
            self.register_buffer("base", None)

    def forward(self, X: Tensor) -> Tensor:
        n, k = X.shape[-2], X.shape[-1]
        transposed = n < k
        if transposed:
            X = X.mT
            n, k = k, n
        if self.orthogonal_map in ("matrix_exp", "cayley"):
            X = X.tril()
            if n != k:  # embed the tall matrix in a square one
                X = cat([X, zeros(*X.shape[:-2], n, n - k, dtype=X.dtype, device=X.device)], dim=-1)
            A = X - X.mT  # skew-symmetric
            if self.orthogonal_map == "matrix_exp":
                Q = matrix_exp(A)
            else:
                identity = eye(n, dtype=X.dtype, device=X.device)
                Q = solve(identity - 0.5 * A, identity + 0.5 * A)
            if n != k:
                Q = Q[..., :k]
        else:
            A = X.tril(-1)
            tau = 2.0 / (1.0 + (A * A).sum(dim=-2))
            Q = householder_product(A, tau)
            # NOTE: PyTorch multiplies by X's diagonal cast to int; the sign is the same for the
            # diagonal of -1s that right_inverse stores, and stays right if weight decay shrinks it.
            Q = Q * X.diagonal(dim1=-2, dim2=-1).sign().unsqueeze(-2)
        base = self.__dict__["_buffers"].get("base")
        if base is not None:
            Q = base @ Q
        if transposed:
            Q = Q.mT
        return Q

    def right_inverse(self, Q: Tensor) -> Tensor:
        if Q.shape != self.shape:
            raise ValueError(f"orthogonal: expected a matrix of shape {self.shape}, got {Q.shape}")
        if "base" not in self.__dict__["_buffers"]:
            # Without a base the stored tensor is X itself; recovering X from Q needs a Householder QR
            # (geqrf), which MLX does not provide.
            raise NotImplementedError("orthogonal: assigning to the weight needs use_trivialization=True")
        Q_init = Q
        n, k = Q.shape[-2], Q.shape[-1]
        if n < k:
            Q = Q.mT
            n, k = k, n
        if n != k:  # complete the columns to a square orthogonal matrix
            extra = randn(*Q.shape[:-2], n, n - k, dtype=Q.dtype, device=Q.device)
            Q = cat([Q, extra], dim=-1)
        self.base = Buffer(_make_orthogonal(Q))
        # -I: with it every map returns the identity, so the weight equals base (@ I).
        return zeros_like(Q_init) - eye(Q_init.shape[-2], Q_init.shape[-1], dtype=Q_init.dtype, device=Q_init.device)

    def extra_repr(self) -> str:
        return f"orthogonal_map={self.orthogonal_map!r}"


def orthogonal(module: Module, name: str = "weight", orthogonal_map: str | None = None, *,
               use_trivialization: bool = True) -> Module:
    r"""Constrain ``module.<name>`` to an orthogonal matrix (orthonormal columns or rows when it is not square).

    The weight is computed from an unconstrained tensor ``X`` (``module.parametrizations.<name>.original``):

    * ``"matrix_exp"``: :math:`Q = \exp(A)`, :math:`A = L - L^\top` with ``L`` the lower triangle of ``X``;
    * ``"cayley"``: :math:`Q = (I - A/2)^{-1} (I + A/2)` (one linear solve);
    * ``"householder"``: the product of Householder reflections stored below ``X``'s diagonal.

    With ``use_trivialization=True`` (default) the current weight (made
    orthogonal by a QR decomposition) is stored as the buffer ``base`` and
    ``X`` starts at ``-I``; the weight is then ``base @ Q(X)``, which keeps
    ``X`` near 0 during training. Assigning an orthogonal matrix to
    ``module.<name>`` resets ``base``. Gradients flow to ``X``.

    Args:
        module: the layer.
        name: the parameter (at least 2-D; extra leading dims are a batch).
        orthogonal_map: ``"matrix_exp"``, ``"cayley"`` or ``"householder"``;
            default ``"matrix_exp"`` for square weights, ``"householder"`` otherwise.
        use_trivialization: keep a ``base`` as described above.

    Returns:
        ``module``.

    Raises:
        ValueError: no parameter/buffer ``name``, a weight of fewer than 2
            dims, or an unknown ``orthogonal_map``.

    Examples:
        >>> import lucid
        >>> from lucid.nn.utils.parametrizations import orthogonal
        >>> layer = orthogonal(lucid.nn.Linear(4, 4))
        >>> W = layer.weight
        >>> bool(lucid.allclose(W.T @ W, lucid.eye(4), atol=1e-5))
        True
        >>> list(layer.state_dict())
        ['bias', 'parametrizations.weight.original', 'parametrizations.weight.0.base']
    """
    if not isinstance(module, Module):
        raise TypeError(f"orthogonal expects a lucid.nn.Module, got {type(module).__name__}")
    weight = getattr(module, name, None)
    if not isinstance(weight, Tensor):
        raise ValueError(f"{type(module).__name__} has no parameter or buffer named {name!r}")
    if weight.ndim < 2:
        raise ValueError(f"orthogonal expects a matrix or a batch of matrices, got a tensor of {weight.ndim} dims")
    if orthogonal_map is None:
        orthogonal_map = "matrix_exp" if weight.shape[-2] == weight.shape[-1] else "householder"
    if orthogonal_map not in _MAPS:
        raise ValueError(f"orthogonal_map must be one of {_MAPS}, got {orthogonal_map!r}")
    orth = _Orthogonal(weight, orthogonal_map, use_trivialization=use_trivialization)
    parametrize.register_parametrization(module, name, orth, unsafe=True)
    return module


class _WeightNorm(Module):
    """``forward(g, v) = g * v / ||v||``; ``right_inverse(w) = (||w||, w)`` (norms over every dim except ``dim``)."""

    def __init__(self, dim) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, weight_g: Tensor, weight_v: Tensor) -> Tensor:
        return weight_from_g_v(weight_g, weight_v, self.dim)

    def right_inverse(self, weight: Tensor):
        return norm_except_dim(weight, self.dim), weight


def weight_norm(module: Module, name: str = "weight", dim: int | None = 0) -> Module:
    r"""Reparametrize ``module.<name>`` as :math:`w = g \, v / \lVert v \rVert` with a parametrization.

    ``module.parametrizations.<name>.original0`` is ``g`` (the norms: size
    of the weight along ``dim``, 1 elsewhere) and ``original1`` is ``v``
    (the weight's shape); both start so that ``w`` equals the old weight.

    Args:
        module: the layer.
        name: the parameter.
        dim: the dim whose slices are normalised separately; ``None`` (or
            ``-1``, as in PyTorch) normalises the whole tensor.

    Returns:
        ``module``.

    Raises:
        ValueError: no parameter/buffer ``name``.
        IndexError: ``dim`` out of range.

    Examples:
        >>> import lucid
        >>> from lucid.nn.utils.parametrizations import weight_norm
        >>> layer = weight_norm(lucid.nn.Linear(4, 3))
        >>> layer.parametrizations.weight.original0.shape, layer.parametrizations.weight.original1.shape
        ((3, 1), (3, 4))
    """
    if not isinstance(module, Module):
        raise TypeError(f"weight_norm expects a lucid.nn.Module, got {type(module).__name__}")
    weight = getattr(module, name, None)
    if not isinstance(weight, Tensor):
        raise ValueError(f"{type(module).__name__} has no parameter or buffer named {name!r}")
    parametrize.register_parametrization(module, name, _WeightNorm(check_norm_dim(dim, weight.ndim, "weight_norm")),
                                         unsafe=True)
    return module


class _SpectralNorm(Module):
    """``forward(W) = W / sigma(W)`` with ``sigma`` from power iteration on the buffers ``_u``, ``_v``."""

    def __init__(self, weight: Tensor, n_power_iterations: int = 1, dim: int = 0, eps: float = 1e-12) -> None:
        super().__init__()
        self.dim = dim
        self.eps = eps
        self.n_power_iterations = n_power_iterations
        if weight.ndim > 1:
            mat = weight_to_matrix(weight.detach(), dim)
            h, w = mat.shape
            self._u = Buffer(normalize(randn(h, dtype=weight.dtype, device=weight.device), dim=0, eps=eps))
            self._v = Buffer(normalize(randn(w, dtype=weight.dtype, device=weight.device), dim=0, eps=eps))
            self._power_method(mat, 15)  # start from reasonable vectors, as PyTorch does

    def _power_method(self, mat: Tensor, n: int) -> None:
        with no_grad():
            m = mat.detach()
            u, v = self._u, self._v
            for _ in range(n):
                u = normalize(m @ v, dim=0, eps=self.eps)
                v = normalize(m.mT @ u, dim=0, eps=self.eps)
            set_buffer(self._u, u)
            set_buffer(self._v, v)

    def forward(self, weight: Tensor) -> Tensor:
        if weight.ndim == 1:
            return normalize(weight, dim=0, eps=self.eps)
        mat = weight_to_matrix(weight, self.dim)
        if self.training:
            self._power_method(mat, self.n_power_iterations)
        u, v = self._u.detach(), self._v.detach()
        sigma = (u * (mat @ v)).sum()
        return weight / sigma

    def right_inverse(self, value: Tensor) -> Tensor:
        return value


def spectral_norm(module: Module, name: str = "weight", n_power_iterations: int = 1, eps: float = 1e-12,
                  dim: int | None = None) -> Module:
    r"""Divide ``module.<name>`` by its largest singular value, estimated by power iteration, on every access.

    The weight ``W`` (flattened to an ``h x w`` matrix with ``dim`` first)
    is stored at ``module.parametrizations.<name>.original``; the vectors
    of the power iteration are the buffers ``parametrizations.<name>.0._u``
    (``(h,)``) and ``._v`` (``(w,)``), started with 15 iterations. In
    training mode every access runs ``n_power_iterations`` more steps
    (:math:`u \leftarrow Wv/\lVert Wv\rVert`, :math:`v \leftarrow W^\top
    u/\lVert W^\top u\rVert`) and stores the vectors, lazily; in eval mode
    they are left as they are. The weight is :math:`W / (u^\top W v)`;
    gradients do not flow through ``u`` and ``v``. A 1-D weight is simply
    normalised.

    Args:
        module: the layer.
        name: the parameter.
        n_power_iterations: steps per training access (positive).
        eps: stability term of the normalisations.
        dim: the dim of output units; default 0, or 1 for ``ConvTranspose``.

    Returns:
        ``module``.

    Raises:
        ValueError: no parameter/buffer ``name``, or non-positive ``n_power_iterations`` or ``eps``.
        IndexError: ``dim`` out of range.

    Examples:
        >>> import lucid
        >>> from lucid.nn.utils.parametrizations import spectral_norm
        >>> layer = spectral_norm(lucid.nn.Linear(20, 40))
        >>> list(layer.state_dict())
        ['bias', 'parametrizations.weight.original', 'parametrizations.weight.0._u', 'parametrizations.weight.0._v']
        >>> for _ in range(30):  # in training mode every access runs one more power-iteration step
        ...     W = layer.weight
        >>> round(lucid.linalg.matrix_norm(W, ord=2).item(), 2)
        1.0
    """
    if not isinstance(module, Module):
        raise TypeError(f"spectral_norm expects a lucid.nn.Module, got {type(module).__name__}")
    weight = getattr(module, name, None)
    if not isinstance(weight, Tensor):
        raise ValueError(f"{type(module).__name__} has no parameter or buffer named {name!r}")
    check_power_args(n_power_iterations, eps, "spectral_norm")
    dim = default_dim(module, dim, weight.ndim, "spectral_norm")
    sn = _SpectralNorm(weight, int(n_power_iterations), dim, float(eps))
    parametrize.register_parametrization(module, name, sn)
    return module
