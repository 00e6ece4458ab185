"""What the hook-based weight norm, spectral norm and pruning share: the attribute set before each forward, removal."""

from __future__ import annotations

from lucid._backend import trace
from lucid._tensor import Tensor
from lucid.nn.module import Module
from lucid.nn.parameter import Parameter


def set_computed(module: Module, name: str, value: Tensor) -> None:
    """Set ``module.<name>`` to ``value`` (a plain attribute, as PyTorch's pre-hooks do).

    While ``lucid.compile`` traces the call, ``value`` is a placeholder that
    must not outlive the trace: a one-shot forward hook puts the previous
    value back after the forward, so ``module.<name>`` stays readable after a
    compiled step (it then holds the value of the last eager forward).
    """
    if trace.active():
        previous = module.__dict__.get(name)
        handle = None

        def restore(mod, args, output):
            if previous is None:
                mod.__dict__.pop(name, None)
            else:
                object.__setattr__(mod, name, previous)
            handle.remove()

        handle = module.register_forward_hook(restore)
    object.__setattr__(module, name, value)


def hooked_parameter(module: Module, kind: type, name: str, op: str) -> Parameter:
    """The parameter ``module.<name>`` that a new forward pre-hook of class ``kind`` is to manage.

    Raises ``TypeError`` when ``module`` is not a Module, ``RuntimeError``
    when a ``kind`` hook already manages ``name``, ``ValueError`` when
    ``module`` has no parameter ``name``; ``op`` names the caller.
    """
    if not isinstance(module, Module):
        raise TypeError(f"{op} expects a lucid.nn.Module, got {type(module).__name__}")
    for hook in module._forward_pre_hooks.values():
        if isinstance(hook, kind) and hook.name == name:
            raise RuntimeError(f"{op} is already applied to {name!r} of {type(module).__name__}")
    weight = module.__dict__["_parameters"].get(name)
    if not isinstance(weight, Parameter):
        raise ValueError(f"{type(module).__name__} has no parameter named {name!r}")
    return weight


def remove_hook(module: Module, kind: type, name: str, error: str, attr: str = "name") -> Module:
    """Undo and unregister the forward pre-hook of class ``kind`` that manages ``module.<name>``.

    The hook's ``remove(module)`` puts a plain parameter back; the hook names
    its tensor in ``attr``; ``error`` is the ``ValueError`` message when no
    such hook is registered.
    """
    for key, hook in list(module._forward_pre_hooks.items()):
        if isinstance(hook, kind) and getattr(hook, attr) == name:
            hook.remove(module)
            del module._forward_pre_hooks[key]
            return module
    raise ValueError(error)
