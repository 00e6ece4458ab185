"""``lucid.nn.utils.stateless.functional_call``: the same function as :func:`lucid.func.functional_call`."""

from lucid.func import functional_call

__all__ = ["functional_call"]
