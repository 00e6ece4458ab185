"""Layers made by ``lucid.nn.modules._factory.layer_class`` behave like layers written out with ``class``."""

from __future__ import annotations

import importlib
import pickle
import pkgutil

import pytest

import lucid
import lucid.nn.modules as modules
from lucid.nn.modules._factory import example_doc, layer_class


def _public_layers():
    for info in pkgutil.iter_modules(modules.__path__):
        if info.name.startswith("_"):
            continue
        mod = importlib.import_module(f"{modules.__name__}.{info.name}")
        for name in getattr(mod, "__all__", ()):
            obj = getattr(mod, name)
            if isinstance(obj, type) and issubclass(obj, lucid.nn.Module) and obj.__name__ == name:  # not aliases
                yield mod, name, obj


LAYERS = list(_public_layers())


@pytest.mark.parametrize(("mod", "name", "cls"), LAYERS, ids=[f"{m.__name__}.{n}" for m, n, _ in LAYERS])
def test_public_layer_is_named_where_it_lives_and_has_its_own_example(mod, name, cls):
    # Pickle, repr, error messages and the docs find a class by its module and qualified name.
    assert (cls.__name__, cls.__qualname__, cls.__module__) == (name, name, mod.__name__)
    assert "Examples:" in (cls.__dict__.get("__doc__") or ""), f"{name} has no docstring example of its own"


def test_factory_layers_pickle_by_reference():
    layer = lucid.nn.ReflectionPad2d(1)
    back = pickle.loads(pickle.dumps(type(layer)))
    assert back is lucid.nn.ReflectionPad2d


def test_layer_class_sets_attributes_docstring_and_module():
    doc = example_doc("Pass through.", ">>> 1", "1")
    cls = layer_class("some.module", "Thing3d", lucid.nn.Identity, doc, _nd=3)
    assert cls.__module__ == "some.module" and cls.__qualname__ == "Thing3d"
    assert cls._nd == 3 and cls.__doc__ == doc and cls.__mro__[1] is lucid.nn.Identity
