"""Pruning: zero out entries or channels of a parameter with a mask (``lucid.nn.utils.prune``, PyTorch's API).

Pruning ``module.weight`` moves the trained parameter to ``weight_orig``,
stores a 0/1 ``weight_mask`` buffer (same shape and dtype), and installs a
forward pre-hook that sets ``module.weight = weight_orig * weight_mask``
before every call, so gradients reach only the kept entries. Pruning the
same parameter again combines the masks (a ``PruningContainer``): the new
method looks only at the entries (or channels) still unpruned, and a float
``amount`` is a fraction of those. :func:`remove` makes the pruning
permanent.

Masks are computed lazily, without reading values on the host: entries are
ranked (``argsort`` twice) and the ``k`` lowest-ranked are pruned, where
``k`` may itself be a lazy count (a fraction of the unpruned entries).
"""

from __future__ import annotations

import math
import numbers
from abc import ABC, abstractmethod
from collections.abc import Iterable

import mlx.core as mx
import numpy as np

from lucid._backend import reductions as red
from lucid._tensor import Tensor
from lucid.nn.module import Module
from lucid.nn.parameter import Parameter
from lucid.nn.util._hook_attr import remove_hook, set_computed
from lucid.random import rand

__all__ = [
    "BasePruningMethod", "PruningContainer", "Identity", "RandomUnstructured", "L1Unstructured", "RandomStructured",
    "LnStructured", "CustomFromMask", "identity", "random_unstructured", "l1_unstructured", "random_structured",
    "ln_structured", "global_unstructured", "custom_from_mask", "remove", "is_pruned",
]


# -- amounts -------------------------------------------------------------------------------------
def _check_amount(amount) -> None:
    if isinstance(amount, bool) or not isinstance(amount, numbers.Real):
        raise TypeError(f"amount must be an int (how many) or a float in [0, 1] (which fraction), "
                        f"got {type(amount).__name__}")
    if isinstance(amount, numbers.Integral):
        if amount < 0:
            raise ValueError(f"amount must be a non-negative int or a float in [0, 1], got {amount}")
    elif not 0.0 <= float(amount) <= 1.0:
        raise ValueError(f"amount must be a non-negative int or a float in [0, 1], got {amount}")


def _check_amount_fits(amount, size: int) -> None:
    if isinstance(amount, numbers.Integral) and amount > size:
        raise ValueError(f"amount={amount} is larger than the number of entries to prune from ({size})")


def _count(amount, size: int, eligible: mx.array | None):
    """How many to prune: an int, or (with ``eligible``, a bool mask of candidates) a lazy 0-d array."""
    if eligible is None:
        return int(amount) if isinstance(amount, numbers.Integral) else round(float(amount) * size)
    n = red.sum(eligible.astype(mx.float32))
    if isinstance(amount, numbers.Integral):
        # NOTE: PyTorch raises when an int amount exceeds the entries still unpruned; that count is a
        # value, not a shape, so here the amount is clamped to it (everything left is pruned).
        return mx.minimum(n, float(amount))
    return mx.round(float(amount) * n)


def _lowest(scores: mx.array, k, eligible: mx.array | None) -> mx.array:
    """Bool mask of the ``k`` smallest ``scores`` among the ``eligible`` ones (ties: lower index first)."""
    flat = scores.reshape(-1).astype(mx.float32)
    if eligible is not None:
        flat = mx.where(eligible.reshape(-1), flat, mx.array(math.inf, dtype=mx.float32))
    rank = mx.argsort(mx.argsort(flat))
    return (rank < k).reshape(scores.shape)


def _structured_dim(t: Tensor, dim) -> int:
    if t.ndim <= 1:
        raise ValueError(f"structured pruning needs a tensor of at least 2 dims, got shape {t.shape}")
    if isinstance(dim, bool) or not isinstance(dim, numbers.Integral):
        raise TypeError(f"dim must be an int, got {type(dim).__name__}")
    if not -t.ndim <= dim < t.ndim:
        raise IndexError(f"dim {dim} is out of range for a tensor of {t.ndim} dims")
    return int(dim) % t.ndim


def _channel_shape(ndim: int, dim: int, n: int) -> tuple:
    return tuple(n if d == dim else 1 for d in range(ndim))


def _mask_tensor(arr: mx.array, like: Tensor) -> Tensor:
    return Tensor._make(arr, like._device)


# -- methods ---------------------------------------------------------------------------------------
class BasePruningMethod(ABC):
    """Base class of pruning methods: subclasses implement ``compute_mask(t, default_mask)``.

    An instance is also the forward pre-hook that recomputes ``module.<name>``
    from ``<name>_orig`` and ``<name>_mask``. ``PRUNING_TYPE`` says how
    iterative pruning combines masks: ``"unstructured"`` (the method sees the
    unpruned entries), ``"structured"`` (it sees the unpruned channels along
    its ``dim``) or ``"global"`` (it sees everything).

    Examples:
        >>> import lucid
        >>> from lucid.nn.utils import prune
        >>> class EveryOther(prune.BasePruningMethod):
        ...     PRUNING_TYPE = "unstructured"
        ...     def compute_mask(self, t, default_mask):
        ...         keep = (lucid.arange(t.numel()) % 2).reshape(t.shape).to(default_mask.dtype)
        ...         return default_mask * keep
        >>> layer = lucid.nn.Linear(2, 2)
        >>> _ = EveryOther.apply(layer, "weight")
        >>> layer.weight_mask.tolist()
        [[0.0, 1.0], [0.0, 1.0]]
    """

    PRUNING_TYPE: str | None = None
    _tensor_name: str | None = None

    def __call__(self, module: Module, inputs) -> None:
        set_computed(module, self._tensor_name, self.apply_mask(module))

    @abstractmethod
    def compute_mask(self, t: Tensor, default_mask: Tensor) -> Tensor:
        """The new mask (shape of ``t``) given the importance scores ``t`` and the mask so far."""

    def _lazy_mask(self, t: Tensor, default_mask: Tensor, eligible: mx.array | None) -> Tensor:
        """``compute_mask`` restricted to ``eligible`` entries (or channels); built-ins do it without host reads."""
        return self.compute_mask(t, default_mask)

    def apply_mask(self, module: Module) -> Tensor:
        """``module.<name>_orig * module.<name>_mask`` (the pruned tensor)."""
        if self._tensor_name is None:
            raise RuntimeError(f"{type(self).__name__} was not applied to a module yet")
        orig = getattr(module, self._tensor_name + "_orig")
        mask = getattr(module, self._tensor_name + "_mask")
        return orig * mask.to(orig.dtype)

    @classmethod
    def apply(cls, module: Module, name: str, *args, importance_scores: Tensor | None = None, **kwargs):
        """Prune ``module.<name>`` with ``cls(*args, **kwargs)``, combining with earlier pruning; returns the method."""
        if not isinstance(module, Module):
            raise TypeError(f"pruning expects a lucid.nn.Module, got {type(module).__name__}")
        if not isinstance(name, str):
            raise TypeError(f"name must be a str, got {type(name).__name__}")
        old_key, old = None, None
        for key, hook in module._forward_pre_hooks.items():
            if isinstance(hook, BasePruningMethod) and hook._tensor_name == name:
                old_key, old = key, hook
        if old is None and not isinstance(module._parameters.get(name), Parameter):
            raise ValueError(f"{type(module).__name__} has no parameter named {name!r} to prune")
        method = cls(*args, **kwargs)
        method._tensor_name = name
        if old is not None:
            container = old if isinstance(old, PruningContainer) else PruningContainer(old)
            container.add_pruning_method(method)
            method = container
        orig = getattr(module, name)
        if importance_scores is None:
            importance_scores = orig
        elif not isinstance(importance_scores, Tensor) or importance_scores.shape != orig.shape:
            got = importance_scores.shape if isinstance(importance_scores, Tensor) else type(importance_scores).__name__
            raise ValueError(f"importance_scores must be a Tensor of the parameter's shape {orig.shape}, got {got}")
        if old is None:
            default_mask = _mask_tensor(mx.ones(orig._data.shape, dtype=orig._data.dtype), orig)
        else:
            default_mask = getattr(module, name + "_mask").detach()
        mask = method.compute_mask(importance_scores.detach(), default_mask=default_mask)
        if old is None:
            del module._parameters[name]
            module.register_parameter(name + "_orig", orig)
        else:
            del module._forward_pre_hooks[old_key]
        module.register_buffer(name + "_mask", mask.detach())
        setattr(module, name, method.apply_mask(module))
        module.register_forward_pre_hook(method)
        return method

    def prune(self, t: Tensor, default_mask: Tensor | None = None, importance_scores: Tensor | None = None) -> Tensor:
        """``t`` times the mask computed from ``importance_scores`` (default ``t``), without touching a module."""
        scores = t if importance_scores is None else importance_scores
        if default_mask is None:
            default_mask = _mask_tensor(mx.ones(t._data.shape, dtype=t._data.dtype), t)
        return t * self.compute_mask(scores.detach(), default_mask=default_mask)

    def remove(self, module: Module) -> None:
        """Make the pruning permanent: ``<name>`` becomes a parameter holding ``orig * mask``."""
        if self._tensor_name is None:
            raise RuntimeError(f"{type(self).__name__} was not applied to a module yet")
        name = self._tensor_name
        weight = self.apply_mask(module)
        module.__dict__.pop(name, None)
        orig = module._parameters.pop(name + "_orig")
        orig._data = weight._data
        orig._version += 1
        del module._buffers[name + "_mask"]
        module.register_parameter(name, orig)


class PruningContainer(BasePruningMethod):
    """The pruning methods applied one after another to the same parameter (built by iterative pruning).

    ``compute_mask`` applies the last method to what the earlier ones left:
    the unpruned entries (unstructured methods) or channels (structured).

    Examples:
        >>> import lucid
        >>> from lucid.nn.utils import prune
        >>> layer = lucid.nn.Linear(4, 4)
        >>> _ = prune.l1_unstructured(layer, "weight", amount=4)
        >>> _ = prune.l1_unstructured(layer, "weight", amount=4)
        >>> hook = next(iter(layer._forward_pre_hooks.values()))
        >>> type(hook).__name__, len(hook), int((layer.weight_mask == 0).sum().item())
        ('PruningContainer', 2, 8)
    """

    def __init__(self, *methods: BasePruningMethod) -> None:
        self._pruning_methods: tuple = ()
        if methods:
            self._tensor_name = methods[0]._tensor_name
        for m in methods:
            self.add_pruning_method(m)

    def add_pruning_method(self, method: BasePruningMethod) -> None:
        if not isinstance(method, BasePruningMethod):
            raise TypeError(f"expected a BasePruningMethod, got {type(method).__name__}")
        if self._tensor_name is not None and method._tensor_name != self._tensor_name:
            raise ValueError(f"this PruningContainer prunes {self._tensor_name!r}; cannot add a method acting on "
                             f"{method._tensor_name!r}")
        self._tensor_name = method._tensor_name
        self._pruning_methods += (method,)

    def __len__(self) -> int:
        return len(self._pruning_methods)

    def __iter__(self):
        return iter(self._pruning_methods)

    def __getitem__(self, idx):
        return self._pruning_methods[idx]

    def compute_mask(self, t: Tensor, default_mask: Tensor) -> Tensor:
        method = self._pruning_methods[-1]
        kind = method.PRUNING_TYPE
        m = default_mask._data
        if kind == "unstructured":
            eligible = m != 0
        elif kind == "structured":
            if not hasattr(method, "dim"):
                raise AttributeError(f"structured pruning method {type(method).__name__} must have a `dim`")
            dim = _structured_dim(t, method.dim)
            others = tuple(d for d in range(t.ndim) if d != dim)
            eligible = red.any(m != 0, axis=others)
        elif kind == "global":
            return method.compute_mask(t, default_mask)
        else:
            raise ValueError(f"unknown PRUNING_TYPE {kind!r} of {type(method).__name__}: expected 'unstructured', "
                             "'structured' or 'global'")
        if type(method)._lazy_mask is BasePruningMethod._lazy_mask:
            return _host_combine(method, t, default_mask, kind)
        return method._lazy_mask(t, default_mask, eligible)


def _host_combine(method: BasePruningMethod, t: Tensor, default_mask: Tensor, kind: str) -> Tensor:
    """PyTorch's combination for a user-defined method: run it on the unpruned part only (reads the mask)."""
    mask = np.array(default_mask.numpy())
    values = t.numpy()
    if kind == "unstructured":
        slc = mask == 1
    else:
        dim = method.dim % t.ndim
        keep = np.any(mask != 0, axis=tuple(d for d in range(t.ndim) if d != dim))
        slc = tuple(keep if d == dim else slice(None) for d in range(t.ndim))
    part = method.compute_mask(Tensor(values[slc], device=t.device), Tensor(mask[slc], device=t.device))
    mask[slc] = np.asarray(part.numpy(), dtype=mask.dtype)
    return Tensor(mx.array(mask), device=t.device)


class Identity(BasePruningMethod):
    """Prunes nothing: the mask is all ones (useful to get the ``_orig``/``_mask`` layout).

    Examples:
        >>> import lucid
        >>> from lucid.nn.utils import prune
        >>> layer = prune.identity(lucid.nn.Linear(2, 2), "weight")
        >>> layer.weight_mask.tolist()
        [[1.0, 1.0], [1.0, 1.0]]
    """

    PRUNING_TYPE = "unstructured"

    def compute_mask(self, t: Tensor, default_mask: Tensor) -> Tensor:
        return default_mask

    def _lazy_mask(self, t, default_mask, eligible):
        return default_mask

    @classmethod
    def apply(cls, module: Module, name: str):
        """Apply to ``module.<name>``."""
        return super().apply(module, name)


class _Unstructured(BasePruningMethod):
    PRUNING_TYPE = "unstructured"

    def __init__(self, amount) -> None:
        _check_amount(amount)
        self.amount = amount

    def _scores(self, t: Tensor) -> mx.array:
        raise NotImplementedError

    def compute_mask(self, t: Tensor, default_mask: Tensor) -> Tensor:
        return self._lazy_mask(t, default_mask, None)

    def _lazy_mask(self, t, default_mask, eligible):
        size = t.numel()
        _check_amount_fits(self.amount, size)
        k = _count(self.amount, size, eligible)
        if isinstance(k, int) and k == 0:
            return default_mask
        pruned = _lowest(self._scores(t), k, eligible)
        m = default_mask._data
        return _mask_tensor(mx.where(pruned, mx.zeros_like(m), m), default_mask)


class RandomUnstructured(_Unstructured):
    """Prune ``amount`` entries chosen uniformly at random (``lucid.random``).

    Args:
        amount: how many entries (an int) or which fraction of them (a float in ``[0, 1]``).

    Examples:
        >>> import lucid
        >>> from lucid.nn.utils import prune
        >>> layer = prune.random_unstructured(lucid.nn.Linear(5, 4), "weight", amount=0.25)
        >>> int((layer.weight_mask == 0).sum().item())
        5
    """

    def _scores(self, t):
        return rand(*t.shape)._data

    @classmethod
    def apply(cls, module: Module, name: str, amount):
        """Apply to ``module.<name>``."""
        return super().apply(module, name, amount=amount)


class L1Unstructured(_Unstructured):
    """Prune the ``amount`` entries of smallest absolute value (of ``importance_scores`` when given).

    Args:
        amount: how many entries (an int) or which fraction of them (a float in ``[0, 1]``).

    Examples:
        >>> import lucid
        >>> from lucid.nn.utils import prune
        >>> layer = lucid.nn.Linear(3, 1, bias=False)
        >>> with lucid.no_grad():
        ...     _ = layer.weight.copy_(lucid.tensor([[0.5, -0.1, 2.0]]))
        >>> prune.l1_unstructured(layer, "weight", amount=1).weight.tolist()
        [[0.5, -0.0, 2.0]]
    """

    def _scores(self, t):
        return mx.abs(t._data)

    @classmethod
    def apply(cls, module: Module, name: str, amount, importance_scores=None):
        """Apply to ``module.<name>``."""
        return super().apply(module, name, amount=amount, importance_scores=importance_scores)


class _Structured(BasePruningMethod):
    PRUNING_TYPE = "structured"

    def _channel_scores(self, t: Tensor, dim: int) -> mx.array:
        raise NotImplementedError

    def compute_mask(self, t: Tensor, default_mask: Tensor) -> Tensor:
        return self._lazy_mask(t, default_mask, None)

    def _lazy_mask(self, t, default_mask, eligible):
        dim = _structured_dim(t, self.dim)
        size = t.shape[dim]
        _check_amount_fits(self.amount, size)
        k = _count(self.amount, size, eligible)
        if isinstance(k, int) and k == 0:
            return default_mask
        pruned = _lowest(self._channel_scores(t, dim), k, eligible)
        m = default_mask._data
        pruned = pruned.reshape(_channel_shape(t.ndim, dim, size))
        return _mask_tensor(mx.where(pruned, mx.zeros_like(m), m), default_mask)


class RandomStructured(_Structured):
    """Prune ``amount`` whole channels along ``dim``, chosen uniformly at random.

    Args:
        amount: how many channels (an int) or which fraction of them (a float in ``[0, 1]``).
        dim: the dim whose slices are channels (default ``-1``).

    Examples:
        >>> import lucid
        >>> from lucid.nn.utils import prune
        >>> layer = prune.random_structured(lucid.nn.Linear(3, 4), "weight", amount=2, dim=0)
        >>> int((layer.weight_mask.sum(dim=1) == 0).sum().item())
        2
    """

    def __init__(self, amount, dim: int = -1) -> None:
        _check_amount(amount)
        self.amount = amount
        self.dim = dim

    def _channel_scores(self, t, dim):
        return rand(t.shape[dim])._data

    @classmethod
    def apply(cls, module: Module, name: str, amount, dim: int = -1):
        """Apply to ``module.<name>``."""
        return super().apply(module, name, amount=amount, dim=dim)


class LnStructured(_Structured):
    """Prune the ``amount`` channels along ``dim`` of smallest ``L_n`` norm.

    Args:
        amount: how many channels (an int) or which fraction of them (a float in ``[0, 1]``).
        n: the norm's order (a positive number, ``inf``, ``-inf``, ``0`` or ``"fro"``).
        dim: the dim whose slices are channels (default ``-1``).

    Examples:
        >>> import lucid
        >>> from lucid.nn.utils import prune
        >>> layer = lucid.nn.Linear(2, 3, bias=False)
        >>> with lucid.no_grad():
        ...     _ = layer.weight.copy_(lucid.tensor([[1.0, 1.0], [0.1, 0.1], [3.0, 0.0]]))
        >>> prune.ln_structured(layer, "weight", amount=1, n=2, dim=0).weight_mask.tolist()
        [[1.0, 1.0], [0.0, 0.0], [1.0, 1.0]]
    """

    def __init__(self, amount, n, dim: int = -1) -> None:
        _check_amount(amount)
        if n == "fro":
            n = 2
        if isinstance(n, bool) or not isinstance(n, numbers.Real) or (n < 0 and n != -math.inf):
            raise ValueError(f"n must be a non-negative number, inf, -inf or 'fro', got {n!r}")
        self.amount = amount
        self.n = n
        self.dim = dim

    def _channel_scores(self, t, dim):
        a = mx.abs(t._data.astype(mx.float32))
        axes = tuple(d for d in range(t.ndim) if d != dim)
        n = self.n
        if n == math.inf:
            return mx.max(a, axis=axes)
        if n == -math.inf:
            return mx.min(a, axis=axes)
        if n == 0:
            return red.sum((a != 0).astype(mx.float32), axis=axes)
        return red.sum(a ** n, axis=axes) ** (1.0 / n)

    @classmethod
    def apply(cls, module: Module, name: str, amount, n, dim: int, importance_scores=None):
        """Apply to ``module.<name>``."""
        return super().apply(module, name, amount=amount, n=n, dim=dim, importance_scores=importance_scores)


class CustomFromMask(BasePruningMethod):
    """Prune with a given 0/1 ``mask`` (combined with any earlier mask).

    Examples:
        >>> import lucid
        >>> from lucid.nn.utils import prune
        >>> layer = prune.custom_from_mask(lucid.nn.Linear(2, 1), "bias", mask=lucid.tensor([0.0]))
        >>> layer.bias_mask.tolist(), (layer.bias == 0).tolist()
        ([0.0], [True])
    """

    PRUNING_TYPE = "global"

    def __init__(self, mask) -> None:
        if not isinstance(mask, Tensor):
            raise TypeError(f"mask must be a Tensor, got {type(mask).__name__}")
        self.mask = mask

    def compute_mask(self, t: Tensor, default_mask: Tensor) -> Tensor:
        if default_mask.shape != self.mask.shape:
            raise ValueError(f"the mask has shape {self.mask.shape}, the parameter has shape {default_mask.shape}")
        return _mask_tensor(default_mask._data * self.mask._data.astype(default_mask._data.dtype), default_mask)

    @classmethod
    def apply(cls, module: Module, name: str, mask):
        """Apply to ``module.<name>``."""
        return super().apply(module, name, mask=mask)


# -- functions -----------------------------------------------------------------------------------------
def identity(module: Module, name: str) -> Module:
    """Give ``module.<name>`` the pruning layout (``<name>_orig``, an all-ones ``<name>_mask``) without pruning.

    Examples:
        >>> import lucid
        >>> from lucid.nn.utils import prune
        >>> list(prune.identity(lucid.nn.Linear(2, 2), "weight").state_dict())
        ['bias', 'weight_orig', 'weight_mask']
    """
    Identity.apply(module, name)
    return module


def random_unstructured(module: Module, name: str, amount) -> Module:
    """Prune ``amount`` random entries of ``module.<name>`` (an int count or a float fraction); returns ``module``.

    Examples:
        >>> import lucid
        >>> from lucid.nn.utils import prune
        >>> m = prune.random_unstructured(lucid.nn.Linear(10, 10), "weight", amount=30)
        >>> int((m.weight_mask == 0).sum().item())
        30
    """
    RandomUnstructured.apply(module, name, amount)
    return module


def l1_unstructured(module: Module, name: str, amount, importance_scores: Tensor | None = None) -> Module:
    """Prune the ``amount`` entries of ``module.<name>`` with the smallest ``|importance_scores|`` (default: itself).

    Args:
        module: the layer.
        name: the parameter.
        amount: an int count or a float fraction in ``[0, 1]`` (of the entries still unpruned).
        importance_scores: a tensor of the parameter's shape ranking its entries.

    Returns:
        ``module``.

    Examples:
        >>> import lucid
        >>> from lucid.nn.utils import prune
        >>> m = prune.l1_unstructured(lucid.nn.Linear(10, 10), "weight", amount=0.5)
        >>> int((m.weight_mask == 0).sum().item())
        50
    """
    L1Unstructured.apply(module, name, amount=amount, importance_scores=importance_scores)
    return module


def random_structured(module: Module, name: str, amount, dim: int) -> Module:
    """Prune ``amount`` random channels of ``module.<name>`` along ``dim``; returns ``module``.

    Examples:
        >>> import lucid
        >>> from lucid.nn.utils import prune
        >>> m = prune.random_structured(lucid.nn.Conv2d(2, 8, 3), "weight", amount=0.25, dim=0)
        >>> int((m.weight_mask.sum(dim=(1, 2, 3)) == 0).sum().item())
        2
    """
    RandomStructured.apply(module, name, amount, dim)
    return module


def ln_structured(module: Module, name: str, amount, n, dim: int, importance_scores: Tensor | None = None) -> Module:
    """Prune the ``amount`` channels of ``module.<name>`` along ``dim`` with the smallest ``L_n`` norm.

    Examples:
        >>> import lucid
        >>> from lucid.nn.utils import prune
        >>> m = prune.ln_structured(lucid.nn.Conv2d(2, 8, 3), "weight", amount=3, n=1, dim=0)
        >>> int((m.weight_mask.sum(dim=(1, 2, 3)) == 0).sum().item())
        3
    """
    LnStructured.apply(module, name, amount, n, dim, importance_scores=importance_scores)
    return module


def global_unstructured(parameters, pruning_method, importance_scores: dict | None = None, **kwargs) -> None:
    """Prune the given parameters together: the method ranks all their entries at once.

    Args:
        parameters: an iterable of ``(module, name)`` pairs.
        pruning_method: an unstructured method class (``prune.L1Unstructured``,
            ``prune.RandomUnstructured`` or a subclass of ``BasePruningMethod``).
        importance_scores: optional dict ``(module, name) -> Tensor`` of scores.
        **kwargs: the method's arguments (``amount=``): a float amount is a
            fraction of all the entries (still unpruned) together.

    Raises:
        TypeError: ``parameters`` is not an iterable of pairs, ``importance_scores``
            is not a dict, or the method is not unstructured.

    Examples:
        >>> import lucid
        >>> from lucid.nn.utils import prune
        >>> net = lucid.nn.Sequential(lucid.nn.Linear(4, 4), lucid.nn.Linear(4, 2))
        >>> prune.global_unstructured([(net[0], "weight"), (net[1], "weight")],
        ...                           pruning_method=prune.L1Unstructured, amount=12)
        >>> int((net[0].weight_mask == 0).sum().item() + (net[1].weight_mask == 0).sum().item())
        12
    """
    if isinstance(parameters, (str, Module)) or not isinstance(parameters, Iterable):
        raise TypeError(f"global_unstructured: parameters must be an iterable of (module, name) pairs, "
                        f"got {type(parameters).__name__}")
    parameters = list(parameters)
    for pair in parameters:
        if not (isinstance(pair, tuple) and len(pair) == 2 and isinstance(pair[0], Module)
                and isinstance(pair[1], str)):
            raise TypeError(f"global_unstructured: expected (module, name) pairs, got {pair!r}")
    if importance_scores is None:
        importance_scores = {}
    if not isinstance(importance_scores, dict):
        raise TypeError(f"global_unstructured: importance_scores must be a dict, "
                        f"got {type(importance_scores).__name__}")
    if not (isinstance(pruning_method, type) and issubclass(pruning_method, BasePruningMethod)):
        raise TypeError(f"global_unstructured: pruning_method must be a BasePruningMethod subclass, "
                        f"got {pruning_method!r}")
    if pruning_method.PRUNING_TYPE != "unstructured":
        raise TypeError(f"global_unstructured supports only unstructured methods; {pruning_method.__name__} is "
                        f"{pruning_method.PRUNING_TYPE!r}")
    if not parameters:
        return
    tensors = [getattr(m, n) for m, n in parameters]
    scores = []
    for (m, n), t in zip(parameters, tensors):
        s = importance_scores.get((m, n), t)
        if s.shape != t.shape:
            raise ValueError(f"importance score for {n!r} has shape {s.shape}, the parameter {t.shape}")
        scores.append(s._data.reshape(-1).astype(mx.float32))
    masks = [getattr(m, n + "_mask", None) for m, n in parameters]
    flat_masks = [mx.ones((t.numel(),), dtype=mx.float32) if mk is None else mk._data.reshape(-1).astype(mx.float32)
                  for t, mk in zip(tensors, masks)]
    device = tensors[0]._device
    all_scores = Tensor._make(mx.concatenate(scores), device)
    default = Tensor._make(mx.concatenate(flat_masks), device)
    method = pruning_method(**kwargs)
    method._tensor_name = "temp"
    container = PruningContainer(method)
    final = container.compute_mask(all_scores, default)._data
    offset = 0
    for (m, n), t in zip(parameters, tensors):
        size = t.numel()
        part = final[offset:offset + size].reshape(t._data.shape).astype(t._data.dtype)
        custom_from_mask(m, n, mask=Tensor._make(part, t._device))
        offset += size


def custom_from_mask(module: Module, name: str, mask: Tensor) -> Module:
    """Prune ``module.<name>`` with the 0/1 ``mask`` (its shape); returns ``module``.

    Examples:
        >>> import lucid
        >>> from lucid.nn.utils import prune
        >>> m = prune.custom_from_mask(lucid.nn.Linear(3, 1), "bias", mask=lucid.tensor([1.0]))
        >>> list(m.state_dict())
        ['weight', 'bias_orig', 'bias_mask']
    """
    CustomFromMask.apply(module, name, mask=mask)
    return module


def remove(module: Module, name: str) -> Module:
    """Make the pruning of ``module.<name>`` permanent: a plain parameter holding ``orig * mask`` again.

    Raises:
        ValueError: ``name`` is not pruned.

    Examples:
        >>> import lucid
        >>> from lucid.nn.utils import prune
        >>> m = prune.remove(prune.l1_unstructured(lucid.nn.Linear(2, 2), "weight", amount=1), "weight")
        >>> list(m.state_dict()), prune.is_pruned(m)
        (['bias', 'weight'], False)
    """
    if not isinstance(module, Module):
        raise TypeError(f"remove expects a lucid.nn.Module, got {type(module).__name__}")
    return remove_hook(module, BasePruningMethod, name,
                       f"parameter {name!r} of {type(module).__name__} is not pruned, so the pruning cannot be removed",
                       attr="_tensor_name")


def is_pruned(module: Module) -> bool:
    """Whether ``module`` or any of its submodules has a pruned parameter.

    Examples:
        >>> import lucid
        >>> from lucid.nn.utils import prune
        >>> net = lucid.nn.Sequential(lucid.nn.Linear(2, 2), lucid.nn.ReLU())
        >>> prune.is_pruned(net)
        False
        >>> _ = prune.identity(net[0], "weight")
        >>> prune.is_pruned(net)
        True
    """
    return any(isinstance(hook, BasePruningMethod)
               for m in module.modules() for hook in m._forward_pre_hooks.values())
