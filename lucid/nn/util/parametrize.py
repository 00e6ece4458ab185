"""Parametrizations: compute a module's tensor from other tensors on every access (``lucid.nn.utils.parametrize``).

:func:`register_parametrization` replaces ``module.weight`` by the output of
a small module (``forward(original) -> weight``). The unconstrained tensor
is stored as ``module.parametrizations.weight.original`` (as
``original0``, ``original1``, ... when the parametrization's
``right_inverse`` returns a tuple), so ``state_dict`` keys are PyTorch's.
Reading ``module.weight`` runs the parametrization, lazily: nothing is
evaluated, and gradients flow to ``original``. Assigning to
``module.weight`` runs ``right_inverse`` and stores the result in
``original``.

As in PyTorch, the module's class is swapped for a subclass
(``ParametrizedLinear``, ...) that holds one property per parametrized
tensor; :func:`remove_parametrizations` restores the class when the last
parametrization goes.
"""

from __future__ import annotations

import contextlib
import copy
from collections.abc import Sequence

from lucid._tensor import Tensor
from lucid.autograd.grad_mode import no_grad
from lucid.nn.containers import ModuleDict, ModuleList
from lucid.nn.module import Module
from lucid.nn.parameter import Buffer, Parameter

__all__ = [
    "register_parametrization", "remove_parametrizations", "is_parametrized", "cached",
    "type_before_parametrizations", "ParametrizationList",
]

_cache_depth = 0
_cache: dict = {}


@contextlib.contextmanager
def cached():
    """Compute each parametrized tensor once inside the block, instead of on every access.

    Useful when a parametrized weight is read several times in one forward
    (a recurrent layer over many steps): the first read computes it, later
    reads reuse the same Tensor, so the graph holds one copy. The cache is
    dropped when the outermost ``with cached()`` exits.

    Examples:
        >>> import lucid
        >>> from lucid.nn.utils import parametrize
        >>> class Symmetric(lucid.nn.Module):
        ...     def forward(self, X):
        ...         return X.triu() + X.triu(1).mT
        >>> layer = lucid.nn.Linear(3, 3)
        >>> _ = parametrize.register_parametrization(layer, "weight", Symmetric())
        >>> with parametrize.cached():
        ...     layer.weight is layer.weight
        True
        >>> layer.weight is layer.weight
        False
    """
    global _cache_depth
    _cache_depth += 1
    try:
        yield
    finally:
        _cache_depth -= 1
        if not _cache_depth:
            _cache.clear()


def _set_data(target: Tensor, value: Tensor) -> None:
    """Replace ``target``'s values by ``value``'s in place (PyTorch's ``set_``): the object keeps its identity."""
    target._data = value._data
    target._device = value._device
    target._version += 1


def _check_tensor(value, what: str) -> None:
    if not isinstance(value, Tensor):
        raise TypeError(f"{what} must return a Tensor, got {type(value).__name__}")


class ParametrizationList(ModuleList):
    """The parametrizations of one tensor, chained, and the unconstrained tensor(s) they start from.

    Built by :func:`register_parametrization`; lives at
    ``module.parametrizations.<name>``. Calling it computes the
    parametrized tensor: ``self[-1](...self[1](self[0](original)))``.

    Attributes:
        original: the stored tensor (a ``Parameter`` when the parametrized
            tensor was one, else a buffer); with a ``right_inverse`` that
            returns a tuple, ``original0``, ``original1``, ... instead.
        unsafe: whether shape and dtype checks were skipped.

    Examples:
        >>> import lucid
        >>> from lucid.nn.utils import parametrize
        >>> layer = lucid.nn.Linear(2, 2)
        >>> _ = parametrize.register_parametrization(layer, "weight", lucid.nn.Identity())
        >>> type(layer.parametrizations.weight).__name__
        'ParametrizationList'
    """

    def __init__(self, modules: Sequence[Module], original: Tensor, unsafe: bool = False) -> None:
        if len(modules) == 0:
            raise ValueError("ParametrizationList requires one or more modules")
        super().__init__(modules)
        self.unsafe = unsafe
        shape, dtype = original.shape, original.dtype
        with no_grad():
            new = original
            for module in reversed(list(self)):
                inverse = getattr(module, "right_inverse", None)
                if inverse is None:
                    continue
                # no inverse (NotImplementedError): start from the tensor as it is, as PyTorch does
                with contextlib.suppress(NotImplementedError):
                    new = inverse(new)
        if not isinstance(new, (Tensor, tuple, list)):
            raise TypeError(f"right_inverse must return a Tensor or a sequence of Tensors, got {type(new).__name__}")
        self.is_tensor = isinstance(new, Tensor)
        self.ntensors = 1 if self.is_tensor else len(new)
        if self.is_tensor:
            if not unsafe and (new.shape != shape or new.dtype != dtype):
                raise ValueError(f"when right_inverse returns one tensor it must keep the shape and dtype of the "
                                 f"original: got {new.dtype} of shape {new.shape}, expected {dtype} of shape {shape}")
            # The original object keeps its identity, so an optimizer built before still trains it.
            _set_data(original, new)
            self._register_original("original", original, original)
        else:
            for i, value in enumerate(new):
                _check_tensor(value, "right_inverse")
                self._register_original(f"original{i}", value, original)
        if not unsafe:
            z = self()
            _check_tensor(z, "a parametrization")
            if z.shape != shape or z.dtype != dtype:
                raise ValueError(f"registering a parametrization may not change the shape or dtype of the tensor "
                                 f"(pass unsafe=True to allow it): it was {dtype} of shape {shape}, the "
                                 f"parametrization returns {z.dtype} of shape {z.shape}")

    def _register_original(self, name: str, value: Tensor, like: Tensor) -> None:
        if isinstance(like, Parameter):
            if value is not like:
                value = Parameter(value.detach(), requires_grad=like.requires_grad)
            self.register_parameter(name, value)
        else:
            keep = value if isinstance(value, Buffer) or value is like else value.detach()
            self.register_buffer(name, keep)

    def right_inverse(self, value: Tensor) -> None:
        """Store ``value`` as the parametrized tensor: run the ``right_inverse``s backwards into ``original``."""
        _check_tensor(value, "the assigned value")
        with no_grad():
            for module in reversed(list(self)):
                inverse = getattr(module, "right_inverse", None)
                if inverse is None:
                    raise RuntimeError(f"parametrization {type(module).__name__} does not implement right_inverse, "
                                       "so the parametrized tensor cannot be assigned")
                value = inverse(value)
            if self.is_tensor:
                _check_tensor(value, "right_inverse")
                if not self.unsafe and (value.shape != self.original.shape or value.dtype != self.original.dtype):
                    raise ValueError(f"right_inverse returned {value.dtype} of shape {value.shape}; the stored "
                                     f"original is {self.original.dtype} of shape {self.original.shape}")
                _set_data(self.original, value)
            else:
                if not isinstance(value, (tuple, list)) or len(value) != self.ntensors:
                    raise ValueError(f"right_inverse must return a sequence of {self.ntensors} tensors, "
                                     f"got {type(value).__name__}")
                for i, v in enumerate(value):
                    _check_tensor(v, "right_inverse")
                    orig = getattr(self, f"original{i}")
                    if not self.unsafe and (v.shape != orig.shape or v.dtype != orig.dtype):
                        raise ValueError(f"right_inverse returned {v.dtype} of shape {v.shape} for original{i}; "
                                         f"expected {orig.dtype} of shape {orig.shape}")
                    _set_data(orig, v)

    def forward(self) -> Tensor:
        mods = list(self)
        if self.is_tensor:
            x = mods[0](self.original)
        else:
            x = mods[0](*(getattr(self, f"original{i}") for i in range(self.ntensors)))
        for m in mods[1:]:
            x = m(x)
        return x


def _parametrized_names(module: Module) -> ModuleDict | None:
    p = module.__dict__["_modules"].get("parametrizations")
    return p if isinstance(p, ModuleDict) else None


class _ParametrizedMixin:
    """Base of the injected ``Parametrized<Class>`` types: routes assignments of parametrized names."""

    def __setattr__(self, name: str, value) -> None:
        plists = _parametrized_names(self)
        if plists is not None and name in plists:
            plists[name].right_inverse(value)
            return
        super().__setattr__(name, value)

    def __getstate__(self):
        raise RuntimeError("pickling a parametrized module is not supported; save its state_dict() instead")

    def __deepcopy__(self, memo):
        # The copy gets a class of its own, so removing a parametrization from one of the two
        # (which deletes the property from the class) leaves the other intact.
        cls = type(self)
        new_cls = _new_class(cls._original_class)
        for key, value in cls.__dict__.items():
            if isinstance(value, property):
                setattr(new_cls, key, value)
        replica = new_cls.__new__(new_cls)
        memo[id(self)] = replica
        for key, value in self.__dict__.items():
            replica.__dict__[key] = copy.deepcopy(value, memo)
        return replica


def _new_class(cls: type) -> type:
    return type(f"Parametrized{cls.__name__}", (_ParametrizedMixin, cls), {"_original_class": cls})


def _inject_new_class(module: Module) -> None:
    module.__class__ = _new_class(module.__class__)


def _inject_property(module: Module, tensor_name: str) -> None:
    def getter(self) -> Tensor:
        overrides = self.__dict__.get("_parametrization_overrides")  # set by lucid.func.functional_call
        if overrides and tensor_name in overrides:
            return overrides[tensor_name]
        plist = _parametrized_names(self)[tensor_name]
        if _cache_depth:
            key = (id(self), tensor_name)
            hit = _cache.get(key)
            if hit is None:
                hit = _cache[key] = plist()
            return hit
        return plist()

    def setter(self, value) -> None:
        _parametrized_names(self)[tensor_name].right_inverse(value)

    setattr(module.__class__, tensor_name, property(getter, setter))


def register_parametrization(module: Module, tensor_name: str, parametrization: Module, *,
                             unsafe: bool = False) -> Module:
    r"""Make ``module.<tensor_name>`` the output of ``parametrization`` applied to a stored tensor.

    The parameter (or buffer) moves to
    ``module.parametrizations.<tensor_name>.original``; reading
    ``module.<tensor_name>`` returns ``parametrization(original)``, computed
    on every access (see :func:`cached`), lazily, with gradients flowing to
    ``original``. When ``parametrization`` has a ``right_inverse(X)``, it is
    used once here to store ``right_inverse(X)`` as ``original`` (so the
    tensor's value is kept when ``forward(right_inverse(X)) == X``), and again
    on every assignment ``module.<tensor_name> = X``. A ``right_inverse``
    that returns a tuple stores ``original0``, ``original1``, ... and
    ``forward`` then takes that many arguments.

    Registering again on the same name chains: the new parametrization is
    applied to the output of the earlier ones.

    Args:
        module: the module whose tensor to parametrize.
        tensor_name: the name of a parameter or buffer of ``module`` (or of an
            already parametrized tensor).
        parametrization: a Module with ``forward`` (and optionally ``right_inverse``).
        unsafe: skip the checks that the parametrization keeps the tensor's
            shape and dtype.

    Returns:
        ``module``.

    Raises:
        TypeError: ``module`` or ``parametrization`` is not a Module.
        ValueError: ``module`` has no parameter or buffer ``tensor_name``, or
            (unless ``unsafe``) the shape or dtype would change.

    Examples:
        >>> import lucid
        >>> from lucid.nn.utils import parametrize
        >>> class Symmetric(lucid.nn.Module):
        ...     def forward(self, X):
        ...         return X.triu() + X.triu(1).mT
        >>> layer = lucid.nn.Linear(3, 3)
        >>> _ = parametrize.register_parametrization(layer, "weight", Symmetric())
        >>> W = layer.weight
        >>> bool((W == W.mT).all())
        True
        >>> list(layer.state_dict())
        ['bias', 'parametrizations.weight.original']
    """
    if not isinstance(module, Module):
        raise TypeError(f"register_parametrization expects a lucid.nn.Module, got {type(module).__name__}")
    if not isinstance(parametrization, Module):
        raise TypeError(f"the parametrization must be a lucid.nn.Module, got {type(parametrization).__name__}")
    if not isinstance(tensor_name, str):
        raise TypeError(f"tensor_name must be a str, got {type(tensor_name).__name__}")
    if is_parametrized(module, tensor_name):
        plist = module.parametrizations[tensor_name]
        if not unsafe:
            Y = getattr(module, tensor_name)
            X = parametrization(Y)
            _check_tensor(X, "a parametrization")
            if X.shape != Y.shape or X.dtype != Y.dtype:
                raise ValueError(f"the new parametrization changes the tensor {tensor_name!r} from {Y.dtype} of "
                                 f"shape {Y.shape} to {X.dtype} of shape {X.shape} (pass unsafe=True to allow it)")
            inverse = getattr(parametrization, "right_inverse", None)
            if inverse is not None:
                try:
                    Z = inverse(X)
                except NotImplementedError:
                    Z = None
                if Z is not None and (not isinstance(Z, Tensor) or Z.shape != Y.shape or Z.dtype != Y.dtype):
                    raise ValueError(f"the right_inverse of the new parametrization of {tensor_name!r} must return "
                                     f"a tensor of shape {Y.shape} and dtype {Y.dtype}")
        plist.append(parametrization)
        plist.unsafe = plist.unsafe or unsafe
        return module
    stores = module.__dict__
    if tensor_name in stores["_parameters"] or tensor_name in stores["_buffers"]:
        original = stores["_parameters"].get(tensor_name, stores["_buffers"].get(tensor_name))
        if original is None:
            raise ValueError(f"cannot parametrize {tensor_name!r} of {type(module).__name__}: it is None")
        plist = ParametrizationList([parametrization], original, unsafe=unsafe)
        delattr(module, tensor_name)
        if not is_parametrized(module):
            _inject_new_class(module)
            module.parametrizations = ModuleDict()
        _inject_property(module, tensor_name)
        module.parametrizations[tensor_name] = plist
        return module
    raise ValueError(f"{type(module).__name__} has no parameter or buffer named {tensor_name!r}; "
                     f"parameters: {list(stores['_parameters'])}, buffers: {list(stores['_buffers'])}")


def is_parametrized(module: Module, tensor_name: str | None = None) -> bool:
    """Whether ``module`` has a parametrization (on ``tensor_name``, when given).

    Examples:
        >>> import lucid
        >>> from lucid.nn.utils import parametrize
        >>> layer = lucid.nn.Linear(2, 2)
        >>> parametrize.is_parametrized(layer)
        False
        >>> _ = parametrize.register_parametrization(layer, "weight", lucid.nn.Identity())
        >>> parametrize.is_parametrized(layer), parametrize.is_parametrized(layer, "bias")
        (True, False)
    """
    if not isinstance(module, Module):
        raise TypeError(f"is_parametrized expects a lucid.nn.Module, got {type(module).__name__}")
    plists = _parametrized_names(module)
    if plists is None:
        return False
    if tensor_name is None:
        return len(plists) > 0
    return tensor_name in plists


def type_before_parametrizations(module: Module) -> type:
    """The class ``module`` had before it was parametrized (its own class when it is not).

    Examples:
        >>> import lucid
        >>> from lucid.nn.utils import parametrize
        >>> layer = parametrize.register_parametrization(lucid.nn.Linear(2, 2), "weight", lucid.nn.Identity())
        >>> type(layer).__name__, parametrize.type_before_parametrizations(layer).__name__
        ('ParametrizedLinear', 'Linear')
    """
    if is_parametrized(module):
        return module.__class__._original_class
    return type(module)


def remove_parametrizations(module: Module, tensor_name: str, leave_parametrized: bool = True) -> Module:
    """Undo :func:`register_parametrization`: ``module.<tensor_name>`` becomes a plain parameter (or buffer) again.

    Args:
        module: a parametrized module.
        tensor_name: the parametrized tensor to free.
        leave_parametrized: keep the current parametrized value (default);
            with ``False``, keep the stored ``original`` instead (possible only
            when there is one ``original``, not ``original0``, ...).

    Returns:
        ``module``.

    Raises:
        ValueError: ``tensor_name`` is not parametrized, or
            ``leave_parametrized=False`` with several originals.

    Examples:
        >>> import lucid
        >>> from lucid.nn.utils import parametrize
        >>> class Double(lucid.nn.Module):
        ...     def forward(self, X):
        ...         return 2 * X
        >>> layer = lucid.nn.Linear(2, 2, bias=False)
        >>> with lucid.no_grad():
        ...     _ = layer.weight.fill_(1.0)
        >>> _ = parametrize.register_parametrization(layer, "weight", Double())
        >>> _ = parametrize.remove_parametrizations(layer, "weight")
        >>> type(layer).__name__, layer.weight.tolist()
        ('Linear', [[2.0, 2.0], [2.0, 2.0]])
    """
    if not is_parametrized(module, tensor_name):
        raise ValueError(f"{type(module).__name__} has no parametrization on {tensor_name!r}")
    plist = module.parametrizations[tensor_name]
    if plist.is_tensor:
        original = plist.original
        if leave_parametrized:
            with no_grad():
                t = getattr(module, tensor_name)
            if t.dtype != original.dtype or t.shape != original.shape:
                raise ValueError(f"cannot leave {tensor_name!r} parametrized: the parametrization returns {t.dtype} "
                                 f"of shape {t.shape}, the original is {original.dtype} of shape {original.shape}")
            _set_data(original, t)
    else:
        if not leave_parametrized:
            raise ValueError(f"cannot remove the parametrization of {tensor_name!r} with leave_parametrized=False: "
                             f"it is computed from {plist.ntensors} tensors, so there is no single original to keep")
        with no_grad():
            t = getattr(module, tensor_name)
        first = plist.original0
        original = Parameter(t, requires_grad=first.requires_grad) if isinstance(first, Parameter) else Buffer(t)
    cls = module.__class__
    delattr(cls, tensor_name)
    del module.parametrizations[tensor_name]
    if isinstance(original, Parameter):
        module.register_parameter(tensor_name, original)
    else:
        module.register_buffer(tensor_name, original)
    if not is_parametrized(module):
        delattr(module, "parametrizations")
        module.__class__ = cls._original_class
    return module
