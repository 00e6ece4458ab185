"""Every differentiable primitive, one ``Function`` each, grouped by family.

Each public function is declared once, with ``lucid.ops._registry.register``:
that declaration gives its public name, its aliases and its Tensor methods
(attached at once), and the family's ``__all__`` comes from it. So
``x.sum()`` and ``lucid.sum(x)`` are the same function, and a name declared
twice fails at import time.
"""

from lucid.ops import (
    arithmetic,
    blas,
    calculus,
    comparison,
    complex,
    creation,
    dtype_info,
    factory,
    indexing,
    inplace,
    joining,
    linalg,
    pointwise,
    rearrange,
    reduction,
    scatter,
    selection,
    shape,
    special,
    statistics,
    unary,
)

FAMILIES = (arithmetic, creation, unary, comparison, reduction, shape, rearrange, indexing, linalg, inplace,
            complex, special, pointwise, blas, joining, dtype_info, factory, statistics, scatter,
            calculus, selection)

__all__ = [name for family in FAMILIES for name in family.__all__]
