"""Define per-dimension sibling layers (``MaxPool1d/2d/3d``, ...) from one base class and one docstring template.

Siblings that differ only by class attributes (the dimension count, a mode)
and by their doctest are made by :func:`layer_class` instead of being written
out one ``class`` statement each. The docs build documents them as classes
(``docs/griffe_factories.py``); pytest runs their doctests like any other.
"""

from __future__ import annotations

import textwrap
from typing import TypeVar

__all__ = ["LayerT", "example_doc", "layer_class"]

#: The base class of a family: ``layer_class`` and the family functions return ``type[LayerT]``, so that
#: type checkers and editors see each made class's constructor signature (that of its base).
LayerT = TypeVar("LayerT")


def example_doc(summary: str, *examples: str) -> str:
    """A Google-style docstring: ``summary`` (may span paragraphs), then ``Examples:`` with the doctest blocks.

    Each of ``examples`` is doctest text at any indentation (a triple-quoted block or a single line).

    Examples:
        >>> example_doc("Double.", ">>> 2 * 2", '''
        ...     >>> 3 * 2
        ...     6
        ... ''').splitlines()
        ['Double.', '', '    Examples:', '        >>> 2 * 2', '        >>> 3 * 2', '        6', '    ']
    """
    body = "\n".join(textwrap.dedent(block).strip("\n") for block in examples)
    return f"{summary}\n\n    Examples:\n{textwrap.indent(body, ' ' * 8)}\n    "


def layer_class(module: str, name: str, base: type[LayerT], doc: str, **attrs) -> type[LayerT]:
    """The public class ``name`` of ``module``: ``base`` with the class attributes ``attrs`` and docstring ``doc``.

    Examples:
        >>> import lucid.nn as nn
        >>> cls = layer_class(__name__, "Identity2", nn.Identity, example_doc("Pass through."), tag=2)
        >>> cls.__name__, cls.tag, issubclass(cls, nn.Identity)
        ('Identity2', 2, True)
    """
    namespace = {"__doc__": doc, "__module__": module, "__qualname__": name, **attrs}
    return type(base)(name, (base,), namespace)
