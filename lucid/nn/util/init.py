"""``skip_init``: build a module without computing its initial values."""

from __future__ import annotations

import inspect

import mlx.core as mx

from lucid.nn.module import Module
from lucid.random import get_state, set_state

__all__ = ["skip_init"]


def skip_init(module_cls: type, *args, **kwargs) -> Module:
    """Construct ``module_cls(*args, **kwargs)`` with its parameters and buffers left uninitialised (zeros).

    Useful when the values are about to be overwritten (``load_state_dict``).
    MLX is lazy, so the default initialisation is recorded but never
    computed: the arrays are replaced by zeros (MLX has no uninitialised
    memory) and the global random state is restored, so ``skip_init`` draws
    no random numbers, as with PyTorch's meta device. The Parameter objects
    are the module's own (``requires_grad`` kept).

    Args:
        module_cls: a ``lucid.nn.Module`` subclass.
        *args, **kwargs: its constructor's arguments (``device=`` is passed on
            when the constructor takes it).

    Returns:
        The module.

    Raises:
        TypeError: ``module_cls`` is not a Module subclass.

    Examples:
        >>> import lucid
        >>> from lucid.nn.utils import skip_init
        >>> layer = skip_init(lucid.nn.Linear, 4, 2)
        >>> layer.weight.shape, float(layer.weight.abs().sum().item())
        ((2, 4), 0.0)
    """
    if not (isinstance(module_cls, type) and issubclass(module_cls, Module)):
        raise TypeError(f"skip_init expects a lucid.nn.Module subclass, got {module_cls!r}")
    if "device" in kwargs:
        try:
            params = inspect.signature(module_cls).parameters
        except (TypeError, ValueError):
            params = {}
        if "device" not in params and not any(p.kind is p.VAR_KEYWORD for p in params.values()):
            raise TypeError(f"{module_cls.__name__} takes no device argument")
    state = get_state()
    try:
        module = module_cls(*args, **kwargs)
    finally:
        set_state(state)
    for t in list(module.parameters()) + list(module.buffers()):
        t._data = mx.zeros(t._data.shape, dtype=t._data.dtype)
        t._version += 1
    return module
