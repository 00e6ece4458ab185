"""A griffe extension: document the classes that a Lucid module defines by calling a class factory.

Griffe reads modules statically, so ``ReflectionPad1d = _pad_layer(...)`` would
be shown as a bare attribute. For each such module-level name whose live object
is a class made in that module, this extension imports the module and
documents the live class instead (its generated docstring, bases and
``__init__`` signature), as if it had been written out with ``class``.
"""

from __future__ import annotations

import importlib

import griffe


class FactoryClasses(griffe.Extension):
    """Replace factory-made classes, seen as attributes, by their inspected live classes."""

    def on_module_members(self, *, mod: griffe.Module, agent, **kwargs) -> None:
        if not isinstance(agent, griffe.Visitor) or not mod.path.startswith("lucid."):
            return
        called = [name for name, member in mod.members.items()
                  if not member.is_alias and member.is_attribute and isinstance(member.value, griffe.ExprCall)]
        if not called:
            return
        live = importlib.import_module(mod.path)
        made = [name for name in called if isinstance(getattr(live, name, None), type)
                and getattr(live, name).__module__ == mod.path and getattr(live, name).__name__ == name]
        if not made:
            return
        inspected = griffe.inspect(mod.path, filepath=mod.filepath, docstring_parser=agent.docstring_parser,
                                   docstring_options=agent.docstring_options)
        for name in made:
            cls = inspected.members[name]
            # Inspection gives dotted strings; names resolved in the module render like written-out bases.
            cls.bases = [griffe.ExprName(base.rsplit(".", 1)[-1], parent=mod) if isinstance(base, str) else base
                         for base in cls.bases]
            mod.set_member(name, cls)
