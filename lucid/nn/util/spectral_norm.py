r"""Spectral normalisation with a forward pre-hook (``lucid.nn.utils.spectral_norm``, PyTorch's older API).

Miyato et al. (2018): divide a weight by its largest singular value
:math:`\sigma(W)`, estimated by power iteration with vectors ``u`` and ``v``
that persist between calls: :math:`v \leftarrow W^\top u / \lVert W^\top u
\rVert`, :math:`u \leftarrow W v / \lVert W v \rVert`, :math:`\sigma = u^\top W
v`. A weight of more than two dims is flattened to a matrix with ``dim`` first.
:func:`lucid.nn.utils.parametrizations.spectral_norm` is the newer form.
"""

from __future__ import annotations

import numbers

from lucid._backend.evaluation import defer_eval
from lucid._tensor import Tensor
from lucid.autograd.grad_mode import no_grad
from lucid.nn.functional.normalization import normalize
from lucid.nn.module import Module
from lucid.nn.parameter import Buffer, Parameter
from lucid.nn.util._hook_attr import hooked_parameter, remove_hook, set_computed
from lucid.random import randn

__all__ = ["spectral_norm", "remove_spectral_norm", "SpectralNorm"]


def check_power_args(n_power_iterations, eps, op: str) -> None:
    if isinstance(n_power_iterations, bool) or not isinstance(n_power_iterations, numbers.Integral):
        raise TypeError(f"{op}: n_power_iterations must be an int, got {type(n_power_iterations).__name__}")
    if n_power_iterations <= 0:
        raise ValueError(f"{op}: n_power_iterations must be positive, got {n_power_iterations}")
    if isinstance(eps, bool) or not isinstance(eps, numbers.Real) or not eps > 0:
        raise ValueError(f"{op}: eps must be a positive number, got {eps!r}")


def default_dim(module: Module, dim, ndim: int, op: str) -> int:
    """``dim`` checked; ``None`` is 1 for transposed convolutions (their output channels), else 0."""
    if dim is None:
        dim = 1 if getattr(module, "_transposed", False) else 0
    if isinstance(dim, bool) or not isinstance(dim, numbers.Integral):
        raise TypeError(f"{op}: dim must be an int or None, got {type(dim).__name__}")
    if not -ndim <= dim < max(ndim, 1):
        raise IndexError(f"{op}: dim {dim} is out of range for a weight with {ndim} dims")
    return int(dim) % max(ndim, 1)


def weight_to_matrix(weight: Tensor, dim: int) -> Tensor:
    """``weight`` as a matrix: ``dim`` first, the other dims flattened into the columns."""
    if dim != 0:
        weight = weight.permute(dim, *(d for d in range(weight.ndim) if d != dim))
    return weight.reshape(weight.shape[0], -1)


def set_buffer(buf: Tensor, value: Tensor) -> None:
    """Store ``value`` in the buffer object ``buf`` (identity kept) and have the next batched sync evaluate it."""
    buf._data = value._data
    buf._version += 1
    defer_eval(buf)


class SpectralNorm:
    """The forward pre-hook that :func:`spectral_norm` installs."""

    def __init__(self, name: str, n_power_iterations: int, dim: int, eps: float) -> None:
        self.name = name
        self.n_power_iterations = n_power_iterations
        self.dim = dim
        self.eps = eps

    def compute_weight(self, module: Module, do_power_iteration: bool) -> Tensor:
        weight = getattr(module, self.name + "_orig")
        u = getattr(module, self.name + "_u")
        v = getattr(module, self.name + "_v")
        mat = weight_to_matrix(weight, self.dim)
        if do_power_iteration:
            with no_grad():
                m = mat.detach()
                new_u, new_v = u, v
                for _ in range(self.n_power_iterations):
                    new_v = normalize(m.mT @ new_u, dim=0, eps=self.eps)
                    new_u = normalize(m @ new_v, dim=0, eps=self.eps)
                set_buffer(u, new_u)
                set_buffer(v, new_v)
        u_val, v_val = u.detach(), v.detach()
        sigma = (u_val * (mat @ v_val)).sum()
        return weight / sigma

    @staticmethod
    def apply(module: Module, name: str, n_power_iterations: int, dim, eps: float) -> SpectralNorm:
        weight = hooked_parameter(module, SpectralNorm, name, "spectral_norm")
        check_power_args(n_power_iterations, eps, "spectral_norm")
        fn = SpectralNorm(name, int(n_power_iterations), default_dim(module, dim, weight.ndim, "spectral_norm"),
                          float(eps))
        mat = weight_to_matrix(weight.detach(), fn.dim)
        h, w = mat.shape
        u = normalize(randn(h, dtype=weight.dtype, device=weight.device), dim=0, eps=fn.eps)
        v = normalize(randn(w, dtype=weight.dtype, device=weight.device), dim=0, eps=fn.eps)
        del module._parameters[name]
        module.register_parameter(name + "_orig", weight)
        object.__setattr__(module, name, weight.detach())
        module.register_buffer(name + "_u", Buffer(u))
        module.register_buffer(name + "_v", Buffer(v))
        module.register_forward_pre_hook(fn)
        return fn

    def remove(self, module: Module) -> None:
        with no_grad():
            weight = self.compute_weight(module, do_power_iteration=False)
        module.__dict__.pop(self.name, None)
        del module._buffers[self.name + "_u"]
        del module._buffers[self.name + "_v"]
        orig = module._parameters.pop(self.name + "_orig")
        module.register_parameter(self.name, Parameter(weight, requires_grad=orig.requires_grad))

    def __call__(self, module: Module, inputs) -> None:
        set_computed(module, self.name, self.compute_weight(module, do_power_iteration=module.training))


def spectral_norm(module: Module, name: str = "weight", n_power_iterations: int = 1, eps: float = 1e-12,
                  dim: int | None = None) -> Module:
    r"""Divide ``module.<name>`` by its spectral norm, estimated by power iteration, before every forward.

    The trained parameter becomes ``<name>_orig``; the power-iteration
    vectors are the buffers ``<name>_u`` (``(h,)``) and ``<name>_v``
    (``(w,)``), where the weight flattened with ``dim`` first is ``h x w``.
    In training mode each forward runs ``n_power_iterations`` steps and
    stores the new vectors (lazily: the next batched evaluation, e.g.
    ``Optimizer.step``, computes them); in eval mode the stored vectors are
    used as they are. Gradients do not flow through ``u`` and ``v``.
    Prefer :func:`lucid.nn.utils.parametrizations.spectral_norm` in new code.

    Args:
        module: the layer.
        name: the parameter to normalise.
        n_power_iterations: power-iteration steps per training forward (positive).
        eps: added stability in the normalisations.
        dim: the dim of output units; default 0, or 1 for ``ConvTranspose``.

    Returns:
        ``module``.

    Raises:
        ValueError: no parameter ``name``, or a non-positive ``n_power_iterations`` or ``eps``.
        RuntimeError: spectral norm is already applied to ``name``.

    Examples:
        >>> import lucid
        >>> layer = lucid.nn.utils.spectral_norm(lucid.nn.Linear(4, 3))
        >>> list(layer.state_dict())
        ['bias', 'weight_orig', 'weight_u', 'weight_v']
        >>> layer(lucid.ones(2, 4)).shape
        (2, 3)
    """
    SpectralNorm.apply(module, name, n_power_iterations, dim, eps)
    return module


def remove_spectral_norm(module: Module, name: str = "weight") -> Module:
    """Undo :func:`spectral_norm`: ``<name>`` becomes one parameter holding the current normalised weight.

    Raises:
        ValueError: spectral norm is not applied to ``name``.

    Examples:
        >>> import lucid
        >>> layer = lucid.nn.utils.remove_spectral_norm(lucid.nn.utils.spectral_norm(lucid.nn.Linear(4, 3)))
        >>> list(layer.state_dict())
        ['bias', 'weight']
    """
    return remove_hook(module, SpectralNorm, name, f"spectral_norm of {name!r} not found in {type(module).__name__}")
