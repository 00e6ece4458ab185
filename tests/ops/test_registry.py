"""One registration per op: public names, aliases and Tensor methods come from ``lucid.ops._registry``."""

import importlib
import inspect
import pkgutil

import pytest

import lucid
import lucid.ops
from lucid.ops import _registry
from lucid.ops._registry import RegistrationError, register, register_method


def _op_modules():
    """Every op family module: lucid.ops.* and lucid.linalg's modules (not the private helpers)."""
    names = [f"lucid.ops.{m.name}" for m in pkgutil.iter_modules(lucid.ops.__path__) if not m.name.startswith("_")]
    helpers = ("_util", "_checks")
    names += [f"lucid.linalg.{m.name}" for m in pkgutil.iter_modules(lucid.linalg.__path__) if m.name not in helpers]
    return [importlib.import_module(n) for n in names]


def test_every_public_name_resolves_on_lucid():
    public = _registry.public()
    assert len(public) > 150
    missing = [n for n in public if getattr(lucid, n, None) is not public[n]]
    assert not missing, f"registered but not (the same object) on lucid: {missing}"


def test_every_method_is_attached_to_tensor():
    methods = _registry.methods()
    wrong = [n for n, attr in methods.items() if lucid.Tensor.__dict__.get(n) is not attr]
    assert not wrong, f"registered methods missing from lucid.Tensor or replaced: {wrong}"


def test_tensor_attributes_outside_tensor_py_are_all_registered():
    # Anything Tensor has that lucid/_tensor.py does not define must come from the registry,
    # so no module attaches methods behind its back.
    extra = set(lucid.Tensor.__dict__) - _registry._TENSOR_OWN
    assert extra == set(_registry.methods())


def test_entries_describe_each_op_once():
    entries = _registry.entries()
    names = [e.name for e in entries]
    assert len(names) == len(set(names))
    aliases = [a for e in entries for a in e.aliases]
    assert not set(aliases) & set(names)
    assert len(aliases) == len(set(aliases))
    sub = next(e for e in entries if e.name == "sub")
    assert sub.aliases == ("subtract",) and {"sub", "subtract", "__sub__"} <= set(sub.methods)
    assert sub.module == "lucid.ops.arithmetic"


@pytest.mark.parametrize("module", _op_modules(), ids=lambda m: m.__name__)
def test_no_public_op_function_is_left_unregistered(module):
    known = list(_registry.public().values()) + list(_registry.methods().values())
    linalg_namespace = module.__name__.startswith("lucid.linalg")
    unregistered = []
    for name, obj in vars(module).items():
        if name.startswith("_") or not inspect.isfunction(obj) or obj.__module__ != module.__name__:
            continue
        registered = any(fn is obj for fn in known)
        # lucid.linalg's own functions live in the lucid.linalg namespace, not on lucid itself.
        if not registered and not (linalg_namespace and getattr(lucid.linalg, name, None) is obj):
            unregistered.append(name)
    assert not unregistered, f"{module.__name__}: public functions with no @register: {unregistered}"


@pytest.mark.parametrize("family", lucid.ops.FAMILIES, ids=lambda m: m.__name__)
def test_family_all_is_derived_from_the_registry(family):
    declared = {n for n, e in ((n, e) for e in _registry.entries() for n in (e.name,) + e.aliases)
                if e.module == family.__name__}
    assert set(family.__all__) == declared
    for name in family.__all__:
        assert getattr(family, name) is _registry.public()[name]


def test_registering_a_public_name_twice_raises():
    before = (_registry.public(), _registry.methods())

    def add(input, other):
        return input

    with pytest.raises(RegistrationError, match=r"lucid\.add is registered twice"):
        register()(add)
    with pytest.raises(RegistrationError, match=r"lucid\.cat is registered twice"):
        register("concat_again", aliases=("cat",))(add)
    assert (_registry.public(), _registry.methods()) == before
    assert lucid.add is not add


def test_registering_a_method_twice_raises():
    before = (_registry.public(), _registry.methods())

    def my_unique_name(input):
        return input

    with pytest.raises(RegistrationError, match=r"Tensor\.sum is registered twice"):
        register(method="sum")(my_unique_name)
    with pytest.raises(RegistrationError, match=r"Tensor\.__radd__ is registered twice"):
        register_method("__radd__", my_unique_name)
    with pytest.raises(RegistrationError, match="already defines"):
        register_method("backward", my_unique_name)
    assert (_registry.public(), _registry.methods()) == before
    assert "my_unique_name" not in _registry.public()


def test_aliases_are_the_same_function():
    assert lucid.subtract is lucid.sub and lucid.Tensor.subtract is lucid.sub
    assert lucid.clamp is lucid.clip and lucid.Tensor.clamp is lucid.clip
    assert lucid.cat is lucid.concatenate
    assert lucid.ger is lucid.outer


def test_norm_and_diagonal_have_one_implementation():
    # lucid.norm (torch.norm) is declared in lucid.linalg, above ops; x.norm() is the same function.
    assert lucid.norm is lucid.Tensor.norm
    assert lucid.norm.__module__ == "lucid.linalg._norms"
    assert lucid.diagonal is lucid.Tensor.diagonal
    assert lucid.diagonal.__module__ == "lucid.ops.rearrange"
    x = lucid.arange(24.0).reshape(2, 3, 4)
    assert lucid.linalg.diagonal(x, offset=1).tolist() == lucid.diagonal(x, 1, -2, -1).tolist()
    assert not hasattr(lucid.ops.linalg, "Diagonal") and not hasattr(lucid.ops.linalg, "norm")
