"""Neural networks: ``Module``, ``Parameter``, layers, ``functional``, ``init`` and ``util`` (alias ``utils``)."""

import sys as _sys

from lucid.nn import functional, init, parallel, util
from lucid.nn.containers import ModuleDict, ModuleList, ParameterDict, ParameterList, Sequential
from lucid.nn.module import Module
from lucid.nn.modules import *
from lucid.nn.parameter import Buffer, Parameter

# ``lucid.nn.utils`` is the same module object as ``lucid.nn.util`` (both
# spellings of the user's documentation work, including ``from lucid.nn.utils import ...``).
utils = util
_sys.modules[__name__ + ".utils"] = util
for _name in util._SUBMODULES:
    _sys.modules[f"{__name__}.utils.{_name}"] = getattr(util, _name)


def __getattr__(name: str):
    # einops' layers, when the optional einops package is installed (lucid.einops says how to get it).
    if name in ("Rearrange", "Reduce"):
        from lucid import einops

        return getattr(einops, name)
    raise AttributeError(f"module 'lucid.nn' has no attribute {name!r}")
