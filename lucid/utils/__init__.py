"""PyTorch's ``torch.utils`` paths: ``lucid.utils.data`` is :mod:`lucid.data`.

``from lucid.utils.data import DataLoader, Dataset`` works as
``from torch.utils.data import ...`` does; it is the same module object as
``lucid.data``.

Examples:
    >>> import lucid
    >>> from lucid.utils.data import DataLoader
    >>> lucid.utils.data is lucid.data and DataLoader is lucid.data.DataLoader
    True
"""

import sys as _sys

from lucid import data
from lucid.utils import dlpack

__all__ = ["data", "dlpack"]

_sys.modules[__name__ + ".data"] = data
