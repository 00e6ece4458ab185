"""``lucid/_tensor.pyi``: the generated Tensor stub matches the live Tensor.

If a test here fails after you added, removed or changed a Tensor method (or
an op that is also a Tensor method), regenerate the stub and commit it:

    python -m lucid._stubgen        (or: make stub)
"""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pytest

import lucid
from lucid._stubgen import COMMAND, generate, main, stub_path

ROOT = Path(__file__).resolve().parents[1]


def _stub_tree() -> ast.Module:
    return ast.parse(stub_path().read_text(encoding="utf-8"), filename=str(stub_path()))


def _class_members(tree: ast.Module, name: str) -> dict:
    """name -> list of the stub's definitions of it (a property with a setter has two).

    An alias (``absolute = abs``) stands for the definition it names.
    """
    cls = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == name)
    members: dict = {}
    aliases = []
    for node in cls.body:
        if isinstance(node, ast.FunctionDef):
            members.setdefault(node.name, []).append(node)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            members.setdefault(node.target.id, []).append(node)
        elif isinstance(node, ast.Assign) and isinstance(node.value, ast.Name):
            aliases.append((node.targets[0].id, node.value.id))
    for alias, target in aliases:
        assert target in members, f"the stub writes {alias} = {target}, but defines no {target}"
        members.setdefault(alias, []).extend(members[target])
    return members


def _stub_aliases() -> dict:
    cls = next(n for n in _stub_tree().body if isinstance(n, ast.ClassDef) and n.name == "Tensor")
    return {n.targets[0].id: n.value.id for n in cls.body if isinstance(n, ast.Assign)}


def test_the_committed_stub_is_up_to_date():
    committed = stub_path().read_text(encoding="utf-8") if stub_path().exists() else ""
    fresh = generate()
    if committed != fresh:
        old, new = set(committed.splitlines()), set(fresh.splitlines())
        gone = sorted(line.strip() for line in old - new)[:10]
        added = sorted(line.strip() for line in new - old)[:10]
        pytest.fail(f"lucid/_tensor.pyi is out of date with the live lucid.Tensor; regenerate it with "
                    f"`{COMMAND}` (or `make stub`) and commit it.\n  stale lines: {gone}\n  new lines: {added}")


def test_the_stub_declares_every_public_tensor_attribute():
    members = _class_members(_stub_tree(), "Tensor")
    public = {n for n in dir(lucid.Tensor) if not n.startswith("_")}
    missing = sorted(public - set(members))
    assert not missing, f"the stub lacks these Tensor attributes: {missing}; run `{COMMAND}`"
    extra = sorted(n for n in members if not hasattr(lucid.Tensor, n))
    assert not extra, f"the stub declares attributes Tensor does not have: {extra}; run `{COMMAND}`"


def test_the_stub_declares_the_operators_properties_and_module_names():
    tree = _stub_tree()
    members = _class_members(tree, "Tensor")
    for name in ("__init__", "__add__", "__radd__", "__matmul__", "__getitem__", "__setitem__", "__iadd__",
                 "__len__", "__iter__", "__bool__"):
        assert name in members, name
    for prop in ("shape", "dtype", "grad", "requires_grad", "T", "mT"):
        decorators = [ast.unparse(d) for d in members[prop][0].decorator_list]
        assert decorators == ["property"], (prop, decorators)
    # A setter is declared where the property has one (x.requires_grad = True type-checks).
    assert ["requires_grad.setter"] in [[ast.unparse(d) for d in f.decorator_list] for f in members["requires_grad"]]
    top = {n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef))}
    assert top == {"Tensor", "as_array"}
    exported = next(n for n in tree.body if isinstance(n, ast.Assign) and n.targets[0].id == "__all__")
    assert ast.literal_eval(exported.value) == ["Tensor", "as_array"]


def test_stub_signatures_are_the_real_ones():
    # Independent of the generator: every method's parameter names and kinds, read back from the stub,
    # match inspect.signature of the live method (its first parameter spelled ``self``).
    members = _class_members(_stub_tree(), "Tensor")
    bad = []
    for name, defs in sorted(members.items()):
        node = defs[0]
        attr = inspect.getattr_static(lucid.Tensor, name)
        if not isinstance(node, ast.FunctionDef) or isinstance(attr, property):
            continue
        fn = attr.__func__ if isinstance(attr, (classmethod, staticmethod)) else attr
        try:
            live = list(inspect.signature(fn).parameters.values())
        except (TypeError, ValueError):
            continue
        a = node.args
        stub = [("pos", p.arg) for p in a.posonlyargs + a.args][1:]
        stub += [("*", a.vararg.arg)] if a.vararg else []
        stub += [("kw", p.arg) for p in a.kwonlyargs]
        stub += [("**", a.kwarg.arg)] if a.kwarg else []
        kinds = {inspect.Parameter.POSITIONAL_ONLY: "pos", inspect.Parameter.POSITIONAL_OR_KEYWORD: "pos",
                 inspect.Parameter.VAR_POSITIONAL: "*", inspect.Parameter.KEYWORD_ONLY: "kw",
                 inspect.Parameter.VAR_KEYWORD: "**"}
        real = [(kinds[p.kind], p.name) for p in live]
        if real and real[0][0] == "pos":
            real = real[1:]
        if stub != real:
            bad.append(f"{name}: stub {stub} != live {real}")
    assert not bad, "stub signatures differ from the live methods:\n  " + "\n  ".join(bad)


def test_aliases_and_in_place_forms_are_written_once():
    # One function under several names is one ``def``; the other names are assignments to it. An in-place
    # form with its method's signature is an assignment too (the signature check above covers both).
    aliases = _stub_aliases()
    assert aliases["absolute"] == "abs" and aliases["__abs__"] == "abs"
    assert aliases["subtract"] == "sub" and aliases["__sub__"] == "sub"
    assert aliases["exp_"] == "exp" and aliases["acos_"] == "arccos"
    for alias, target in aliases.items():
        live, meant = inspect.getattr_static(lucid.Tensor, alias), inspect.getattr_static(lucid.Tensor, target)
        assert live is meant or (alias.endswith("_") and inspect.signature(live) == inspect.signature(meant)), alias
    # An in-place form whose signature differs from its method's keeps its own ``def``.
    members = _class_members(_stub_tree(), "Tensor")
    assert "add_" not in aliases and members["add_"][0].name == "add_"


def test_a_new_tensor_method_makes_the_stub_stale(monkeypatch):
    # The drift check can fail: attach a method the way lucid.ops does and regenerate.
    def zz_probe(input: lucid.Tensor, dim: int = 0, *, scale: float = 2.0) -> lucid.Tensor:
        """A probe method."""
        return input

    monkeypatch.setattr(lucid.Tensor, "zz_probe", zz_probe, raising=False)
    text = generate()
    assert text != stub_path().read_text(encoding="utf-8")
    # (int and float are spelled builtins.int, builtins.float: Tensor.int and Tensor.float shadow them.)
    assert ('    def zz_probe(self, dim: builtins.int = 0, *, scale: builtins.float = 2.0) -> Tensor:\n'
            '        """A probe method."""') in text
    assert main(["--check"]) == 1


def test_the_stub_is_valid_python_and_type_checker_input():
    source = stub_path().read_text(encoding="utf-8")
    compile(source, str(stub_path()), "exec")  # annotations included: no string or unknown names
    assert source.startswith("# Generated") and COMMAND in source.splitlines()[0]


def test_py_typed_and_the_stub_ship_as_package_data():
    assert (ROOT / "lucid" / "py.typed").is_file()
    tomllib = pytest.importorskip("tomllib")
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    data = config["tool"]["setuptools"]["package-data"]
    assert "py.typed" in data["lucid"]
    assert "*.pyi" in data["lucid"]
