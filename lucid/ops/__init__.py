"""Every differentiable primitive, one ``Function`` each, grouped by family.

Each family module lists its public functions in ``__all__`` and the Tensor
methods it provides in ``TENSOR_METHODS``; importing this package attaches
those methods to ``Tensor``, so ``x.sum()`` and ``lucid.sum(x)`` are the same
function.
"""

from lucid._tensor import Tensor
from lucid.ops import arithmetic, comparison, creation, indexing, inplace, linalg, reduction, shape, unary

FAMILIES = (arithmetic, creation, unary, comparison, reduction, shape, indexing, linalg, inplace)

for _family in FAMILIES:
    for _name, _fn in _family.TENSOR_METHODS.items():
        setattr(Tensor, _name, _fn)

__all__ = [name for family in FAMILIES for name in family.__all__]
