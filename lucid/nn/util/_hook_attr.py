"""The attribute that the hook-based weight norm, spectral norm and pruning set before each forward."""

from __future__ import annotations

from lucid._backend import trace
from lucid._tensor import Tensor
from lucid.nn.module import Module


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
