r"""Weight normalisation with a forward pre-hook (``lucid.nn.utils.weight_norm``, PyTorch's older API).

Salimans and Kingma (2016): a weight is written as a magnitude times a
direction, :math:`w = g \, v / \lVert v \rVert`, with the norm taken over every
dim except ``dim``. :func:`weight_norm` replaces the parameter ``weight`` by
two parameters ``weight_g`` and ``weight_v`` and recomputes ``weight`` before
every forward. :func:`lucid.nn.utils.parametrizations.weight_norm` is the
newer form of the same reparametrization.
"""

from __future__ import annotations

import numbers

from lucid._tensor import Tensor
from lucid.linalg import vector_norm
from lucid.nn.module import Module
from lucid.nn.parameter import Parameter
from lucid.nn.util._hook_attr import hooked_parameter, remove_hook, set_computed

__all__ = ["weight_norm", "remove_weight_norm", "WeightNorm"]


def check_norm_dim(dim, ndim: int, op: str):
    """``dim`` as PyTorch's weight norm reads it: ``None`` or ``-1`` mean the whole tensor."""
    if dim is None:
        return None
    if isinstance(dim, bool) or not isinstance(dim, numbers.Integral):
        raise TypeError(f"{op}: dim must be an int or None, got {type(dim).__name__}")
    dim = int(dim)
    if dim == -1:
        return None  # NOTE: PyTorch's convention: -1 normalises over the whole tensor, not the last dim
    if not -ndim <= dim < ndim:
        raise IndexError(f"{op}: dim {dim} is out of range for a weight with {ndim} dims")
    return dim % ndim


def norm_except_dim(v: Tensor, dim) -> Tensor:
    """The 2-norm of ``v`` over every dim except ``dim`` (kept, size-1 dims elsewhere); ``None``: over all of it."""
    if dim is None:
        return vector_norm(v)
    others = tuple(d for d in range(v.ndim) if d != dim)
    if not others:
        return v.abs()
    return vector_norm(v, dim=others, keepdim=True)


def weight_from_g_v(g: Tensor, v: Tensor, dim) -> Tensor:
    """``g * v / ||v||`` with the norm taken over every dim except ``dim``."""
    return v * (g / norm_except_dim(v, dim))


class WeightNorm:
    """The forward pre-hook that :func:`weight_norm` installs (recomputes ``module.<name>`` from ``g`` and ``v``)."""

    def __init__(self, name: str, dim) -> None:
        self.name = name
        self.dim = dim

    def compute_weight(self, module: Module) -> Tensor:
        return weight_from_g_v(getattr(module, self.name + "_g"), getattr(module, self.name + "_v"), self.dim)

    @staticmethod
    def apply(module: Module, name: str, dim) -> WeightNorm:
        weight = hooked_parameter(module, WeightNorm, name, "weight_norm")
        fn = WeightNorm(name, check_norm_dim(dim, weight.ndim, "weight_norm"))
        g = norm_except_dim(weight.detach(), fn.dim)
        del module._parameters[name]
        module.register_parameter(name + "_g", Parameter(g, requires_grad=weight.requires_grad))
        module.register_parameter(name + "_v", Parameter(weight.detach(), requires_grad=weight.requires_grad))
        object.__setattr__(module, name, fn.compute_weight(module))
        module.register_forward_pre_hook(fn)
        return fn

    def remove(self, module: Module) -> None:
        weight = self.compute_weight(module).detach()
        module.__dict__.pop(self.name, None)
        del module._parameters[self.name + "_g"]
        del module._parameters[self.name + "_v"]
        module.register_parameter(self.name, Parameter(weight))

    def __call__(self, module: Module, inputs) -> None:
        set_computed(module, self.name, self.compute_weight(module))


def weight_norm(module: Module, name: str = "weight", dim: int | None = 0) -> Module:
    r"""Reparametrize ``module.<name>`` as :math:`w = g \, v / \lVert v \rVert` (parameters ``<name>_g``, ``<name>_v``).

    ``<name>_g`` holds the norms (shape: the weight's size along ``dim``,
    size 1 elsewhere) and ``<name>_v`` the direction (the weight's shape);
    both start so that ``w`` equals the old weight. A forward pre-hook
    recomputes ``module.<name>`` from them before every call, lazily.
    Prefer :func:`lucid.nn.utils.parametrizations.weight_norm` in new code.

    Args:
        module: the layer.
        name: the parameter to reparametrize.
        dim: the dim whose slices are normalised separately (``0``: each
            output unit of ``Linear``/``Conv``); ``None`` (or ``-1``, as in
            PyTorch) normalises the whole tensor at once.

    Returns:
        ``module``.

    Raises:
        ValueError: no parameter ``name``.
        RuntimeError: weight norm is already applied to ``name``.
        IndexError: ``dim`` out of range.

    Examples:
        >>> import lucid
        >>> layer = lucid.nn.utils.weight_norm(lucid.nn.Linear(4, 3))
        >>> layer.weight_g.shape, layer.weight_v.shape
        ((3, 1), (3, 4))
        >>> list(layer.state_dict())
        ['bias', 'weight_g', 'weight_v']
    """
    WeightNorm.apply(module, name, dim)
    return module


def remove_weight_norm(module: Module, name: str = "weight") -> Module:
    """Undo :func:`weight_norm`: ``<name>`` becomes one parameter again, holding the current ``g * v / ||v||``.

    Raises:
        ValueError: weight norm is not applied to ``name``.

    Examples:
        >>> import lucid
        >>> layer = lucid.nn.utils.remove_weight_norm(lucid.nn.utils.weight_norm(lucid.nn.Linear(4, 3)))
        >>> list(layer.state_dict())
        ['bias', 'weight']
    """
    return remove_hook(module, WeightNorm, name, f"weight_norm of {name!r} not found in {type(module).__name__}")
