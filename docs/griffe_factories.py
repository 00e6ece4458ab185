"""A griffe extension: document the classes that a Lucid module defines by calling a class factory.

Griffe reads modules statically, so the classes of
``MaxPool1d, MaxPool2d, MaxPool3d = _pool_layers(...)`` would be missing from
the docs (or shown as bare attributes). For each public (``__all__``) name
assigned from a call whose live object is a class made in that module under that name,
this extension imports the module and documents the live class instead (its
generated docstring, bases and ``__init__`` signature), as if it had been
written out with ``class``.
"""

from __future__ import annotations

import ast
import importlib

import griffe


def _assigned_from_calls(node: ast.Module) -> list[str]:
    """Names bound at module level by ``name = call(...)`` or ``a, b = call(...)``."""
    names = []
    for stmt in node.body:
        if isinstance(stmt, ast.Assign) and isinstance(stmt.value, ast.Call):
            for target in stmt.targets:
                elts = target.elts if isinstance(target, ast.Tuple) else [target]
                names += [elt.id for elt in elts if isinstance(elt, ast.Name)]
    return names


class FactoryClasses(griffe.Extension):
    """Add (or replace) the factory-made classes of a module by their inspected live classes."""

    def on_module_members(self, *, node, mod: griffe.Module, agent, **kwargs) -> None:
        if not (isinstance(agent, griffe.Visitor) and isinstance(node, ast.Module) and mod.path.startswith("lucid.")):
            return
        assigned = _assigned_from_calls(node)
        if not assigned:
            return
        live = importlib.import_module(mod.path)
        public = set(getattr(live, "__all__", ()))
        made = [name for name in assigned if name in public and isinstance(getattr(live, name, None), type)
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
