"""The one place an op is declared: its public name, its aliases and its Tensor methods.

Each public op function carries one :func:`register` decorator::

    @register(method=True, aliases=("absolute",))
    def abs(input): ...

That single line makes ``lucid.abs`` and ``lucid.absolute`` (the public names),
``Tensor.abs`` and ``Tensor.absolute`` (the methods, attached at once), and
puts ``abs`` and ``absolute`` in the family's ``__all__`` (:func:`export`).
Method-only attributes (operators such as ``__radd__``, the property ``T``,
method forms that take ``self`` differently, in-place forms) are declared with
:func:`register_method`. Declaring a public name or a method twice raises at
import time, so two families can never silently shadow each other.

:func:`entries` and :func:`methods` expose the table to the stub generator,
the docs and the tests.
"""

from __future__ import annotations

import sys
from typing import NamedTuple

from lucid._tensor import Tensor
from lucid.ops._util import to_tensor

__all__ = ["Entry", "RegistrationError", "register", "register_method", "unary_op", "export", "entries", "public",
           "methods"]


class RegistrationError(RuntimeError):
    """An op name or Tensor method is declared twice, or would replace one of ``Tensor``'s own attributes."""


class Entry(NamedTuple):
    """One registered op.

    Attributes:
        name: the public name (``lucid.<name>``).
        fn: the function.
        module: the module that declared it (its family).
        aliases: further public names of the same function.
        methods: the ``Tensor`` attributes that are this same function.
    """

    name: str
    fn: object
    module: str
    aliases: tuple
    methods: tuple


_ENTRIES: dict = {}  # public name -> Entry, in declaration order
_PUBLIC: dict = {}  # public name or alias -> Entry
_METHODS: dict = {}  # Tensor attribute name -> (attribute, declaring module)
# Tensor's own attributes (defined in _tensor.py): no op may replace them.
_TENSOR_OWN = frozenset(Tensor.__dict__)


def _claim_method(name: str, attr, module: str) -> None:
    if name in _METHODS:
        raise RegistrationError(f"Tensor.{name} is registered twice: by {_METHODS[name][1]} and by {module}")
    if name in _TENSOR_OWN:
        raise RegistrationError(f"{module} registers Tensor.{name}, which lucid/_tensor.py already defines")
    _METHODS[name] = (attr, module)
    setattr(Tensor, name, attr)


def register(name: str | None = None, *, aliases: tuple = (), method: bool | str = False,
             operators: tuple = ()):
    """Declare a public op function (a decorator).

    Args:
        name: the public name; the function's ``__name__`` when omitted.
        aliases: further public names (``"subtract"`` for ``sub``).
        method: ``True`` makes the function a Tensor method under its name and
            every alias; a string makes it a method under that name only.
        operators: Python operator slots that are this same function (``"__add__"``).

    Returns:
        The decorator; it returns the function unchanged.

    Raises:
        RegistrationError: a name, alias or method is already registered.

    Examples:
        >>> from lucid.ops._registry import entries
        >>> [e for e in entries() if e.name == "sub"][0].aliases
        ('subtract',)
    """
    if isinstance(aliases, str):
        aliases = (aliases,)

    def decorate(fn):
        public = name or fn.__name__
        module = fn.__module__
        if method is True:
            meths = (public,) + tuple(aliases)
        elif method:
            meths = (method,)
        else:
            meths = ()
        meths += tuple(operators)
        entry = Entry(public, fn, module, tuple(aliases), meths)
        for n in (public,) + entry.aliases:
            if n in _PUBLIC:
                raise RegistrationError(f"lucid.{n} is registered twice: by {_PUBLIC[n].module} and by {module}")
        for m in meths:
            if m in _METHODS:
                raise RegistrationError(f"Tensor.{m} is registered twice: by {_METHODS[m][1]} and by {module}")
        for n in (public,) + entry.aliases:
            _PUBLIC[n] = entry
        _ENTRIES[public] = entry
        for m in meths:
            _claim_method(m, fn, module)
        return fn

    return decorate


def register_method(name: str, attr, module: str | None = None):
    """Declare a Tensor attribute that is not itself a public function (an operator, a property, ...).

    Args:
        name: the attribute name on ``Tensor``.
        attr: the function or property.
        module: the declaring module (for error messages); the function's module when omitted.

    Returns:
        ``attr``.

    Raises:
        RegistrationError: ``name`` is already registered.
    """
    _claim_method(name, attr, module or getattr(attr, "__module__", None) or "?")
    return attr


def unary_op(fn_cls, name: str, summary: str, example: tuple, *, aliases: tuple = (), operators: tuple = (),
             method: bool = True):
    """Declare ``lucid.<name>(input)``: the one-input Function ``fn_cls`` applied to ``input`` (a Tensor or data).

    The table-driven form of the many elementwise ops that differ only in their
    Function: their docstring is ``summary`` (one or more paragraphs) followed by
    an ``Examples:`` section built from ``example = (argument, result)``, which
    doctest runs as ``lucid.<name>(lucid.tensor(argument)).tolist()``.

    Args:
        fn_cls: the :class:`~lucid.autograd.Function`; its module is the op's family.
        name: the public name.
        summary: the docstring's text before the example.
        example: ``(argument, result)``, both as written in the doctest.
        aliases: further public names.
        operators: Python operator slots that are this same function.
        method: whether it is also a Tensor method.

    Returns:
        The registered function (the family module binds it under ``name``).

    Examples:
        >>> import lucid
        >>> lucid.exp.__doc__.splitlines()[0]
        'Elementwise exponential :math:`e^x`.'
    """
    def op(input: Tensor) -> Tensor:
        return fn_cls.apply(input if isinstance(input, Tensor) else to_tensor(input))

    argument, result = example
    family = sys.modules[fn_cls.__module__]
    op.__name__ = op.__qualname__ = name
    op.__module__ = family.__name__
    op.__doc__ = (f"{summary}\n\n    Examples:\n        >>> import lucid\n"
                  f"        >>> lucid.{name}(lucid.tensor({argument})).tolist()\n        {result}\n    ")
    # doctest skips functions defined in another module; the family's __test__ table runs this one's example.
    vars(family).setdefault("__test__", {})[name] = op
    return register(name, aliases=aliases, method=method, operators=operators)(op)


def export(module: str) -> list:
    """The public names (aliases included) declared by ``module``, bound there too; for its ``__all__``.

    An alias needs no assignment of its own in the module: this binds it.

    Raises:
        RegistrationError: the module already has a different object under one of the names.
    """
    namespace = vars(sys.modules[module])
    names = []
    for n, entry in _PUBLIC.items():
        if entry.module != module:
            continue
        present = namespace.get(n, entry.fn)
        if present is not entry.fn:
            raise RegistrationError(f"{module}.{n} is not the function registered under that name")
        namespace[n] = entry.fn
        names.append(n)
    return names


def entries() -> tuple:
    """Every registered op, in declaration order (one :class:`Entry` per op; aliases inside it)."""
    return tuple(_ENTRIES.values())


def public() -> dict:
    """Every public name and alias, mapped to its function."""
    return {n: e.fn for n, e in _PUBLIC.items()}


def methods() -> dict:
    """Every registered Tensor attribute name, mapped to the attribute."""
    return {n: attr for n, (attr, _) in _METHODS.items()}
