"""Generate ``lucid/_tensor.pyi``, the type stub that lets editors and type checkers see ``Tensor``'s methods.

Most Tensor methods are attached at import time by ``lucid.ops`` (``setattr``),
so static tools reading ``_tensor.py`` see almost none of them. This module
imports Lucid, walks the live ``lucid.Tensor`` (methods, properties, dunder
operators, slots) and writes each one with its real signature, its return
annotation where the function has one, and the first line of its docstring.

Run ``python -m lucid._stubgen`` (or ``make stub``) after adding or changing a
Tensor method; ``python -m lucid._stubgen --check`` exits with status 1 when
the committed stub is stale (``tests/test_tensor_stub.py`` checks the same).
"""

from __future__ import annotations

import ast
import builtins
import inspect
import sys
import textwrap
import typing
from pathlib import Path

__all__ = ["generate", "stub_path", "main"]

COMMAND = "python -m lucid._stubgen"
_WIDTH = 120
_INDENT = "    "
# Class attributes that are Python's machinery, not part of the Tensor API.
_SKIP = {"__module__", "__doc__", "__slots__", "__weakref__", "__dict__", "__qualname__", "__annotations__"}
# Names an annotation may use in the stub; anything else becomes ``Any``.
_MODULE_ALIASES = {"mx": "mlx.core", "np": "numpy"}
_TYPING_NAMES = {n for n in dir(typing) if not n.startswith("_")}

_HEADER = f"""\
# Generated from the live lucid.Tensor by `{COMMAND}` (or `make stub`): do not edit by hand.
# Tensor methods are attached at import time by lucid.ops, so editors and type checkers read them
# from this file; tests/test_tensor_stub.py fails when it and the real methods drift apart.
"""


def stub_path() -> Path:
    """Where the stub lives: ``lucid/_tensor.pyi`` next to ``_tensor.py``.

    Examples:
        >>> from lucid._stubgen import stub_path
        >>> stub_path().name
        '_tensor.pyi'
    """
    return Path(__file__).resolve().parent / "_tensor.pyi"


class _Writer:
    """Collects stub lines and the names the annotations use (to emit only the imports needed)."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.used: set[str] = set()
        # Builtins that a class attribute shadows inside the class body (``Tensor.bool``,
        # ``Tensor.float``): annotations there spell them ``builtins.bool``.
        self.shadowed: set[str] = set()

    # -- annotations and defaults ---------------------------------------------
    def annotation(self, ann) -> str | None:
        """Stub text of an annotation, or ``None`` when there is none; unknown names become ``Any``."""
        if ann is inspect.Parameter.empty:
            return None
        if isinstance(ann, str):
            text = ann
        elif ann is None or ann is type(None):
            text = "None"
        elif isinstance(ann, type) and ann.__module__ == "builtins":
            text = ann.__qualname__
        elif isinstance(ann, type) and ann.__qualname__ == "Tensor" and ann.__module__.startswith("lucid"):
            text = "Tensor"
        else:
            text = inspect.formatannotation(ann)
        try:
            tree = ast.parse(text, mode="eval")
        except SyntaxError:
            return self._any()
        tree = _TensorName().visit(tree)
        roots = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Name):
                roots.add(node.id)
            elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                return self._any()  # a nested string annotation: not worth resolving
        known = set(dir(builtins)) | {"Tensor"} | set(_MODULE_ALIASES) | _TYPING_NAMES
        if not roots <= known:
            return self._any()
        clash = roots & self.shadowed
        if clash:
            tree = _Unshadow(clash).visit(tree)
            roots = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
        self.used |= roots
        return ast.unparse(tree)

    def _any(self) -> str:
        self.used.add("Any")
        return "Any"

    @staticmethod
    def default(value) -> str:
        """A literal default as written; anything else (objects, ``inf``) as ``...``."""
        text = repr(value)
        try:
            ast.literal_eval(text)
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
            return "..."
        return text if len(text) <= 40 else "..."

    # -- signatures -------------------------------------------------------------
    def params(self, sig: inspect.Signature | None, first: str | None) -> list[str]:
        """Parameter texts; ``first`` ("self"/"cls") replaces the first parameter (or is added)."""
        if sig is None:
            self.used.add("Any")
            return ([first] if first else []) + ["*args: Any", "**kwargs: Any"]
        params = list(sig.parameters.values())
        out: list[str] = []
        if first:
            if params and params[0].kind in (inspect.Parameter.POSITIONAL_ONLY,
                                             inspect.Parameter.POSITIONAL_OR_KEYWORD):
                p0 = params.pop(0)
                out.append(first)
                if p0.kind is inspect.Parameter.POSITIONAL_ONLY and not any(
                        p.kind is inspect.Parameter.POSITIONAL_ONLY for p in params):
                    out.append("/")
            else:
                out.append(first)
        star = False
        for i, p in enumerate(params):
            ann = self.annotation(p.annotation)
            if p.kind is inspect.Parameter.VAR_POSITIONAL:
                star = True
                text = "*" + p.name
            elif p.kind is inspect.Parameter.VAR_KEYWORD:
                text = "**" + p.name
            else:
                if p.kind is inspect.Parameter.KEYWORD_ONLY and not star:
                    out.append("*")
                    star = True
                text = p.name
            if ann is not None:
                text += ": " + ann
            if p.default is not inspect.Parameter.empty:
                text += (" = " if ann is not None else "=") + self.default(p.default)
            out.append(text)
            last_posonly = p.kind is inspect.Parameter.POSITIONAL_ONLY and (
                i + 1 == len(params) or params[i + 1].kind is not inspect.Parameter.POSITIONAL_ONLY)
            if last_posonly:
                out.append("/")
        return out

    def function(self, name: str, fn, indent: str, first: str | None, decorators=(), returns=None,
                 doc=None) -> None:
        """Write ``def name(...) -> ...:`` with a one-line docstring (or ``...``)."""
        try:
            sig = inspect.signature(fn)
        except (TypeError, ValueError):
            sig = None
        params = self.params(sig, first)
        if returns is None and sig is not None:
            returns = self.annotation(sig.return_annotation)
        if returns is None and name == "__init__":
            returns = "None"
        tail = ")" + (f" -> {returns}" if returns else "") + ":"
        for d in decorators:
            self.lines.append(f"{indent}{d}")
        head = f"{indent}def {name}("
        one_line = head + ", ".join(params) + tail
        if len(one_line) + (4 if doc is None else 0) <= _WIDTH:
            self.lines.append(one_line if doc is not None else one_line + " ...")
        else:
            # Too long for one line: fill each line with parameters, continuations aligned after ``(``.
            pieces = [p + "," for p in params[:-1]] + [params[-1] + (tail if doc is not None else tail + " ...")]
            line = head
            for piece in pieces:
                if line != head and not line.endswith("(") and len(line) + 1 + len(piece) > _WIDTH:
                    self.lines.append(line)
                    line = " " * len(head)
                line += piece if line.endswith("(") or not line.strip() else " " + piece
            self.lines.append(line)
        if doc is not None:
            self.docstring(doc, indent + _INDENT)

    def docstring(self, text: str, indent: str) -> None:
        prefix = 'r"""' if "\\" in text else '"""'
        if '"""' in text or text.endswith(('"', "\\")):
            self.lines.append(indent + repr(text))
            return
        width = _WIDTH - len(indent) - 7
        wrapped = textwrap.wrap(text, width=width, break_long_words=False, break_on_hyphens=False) or [""]
        wrapped[0] = prefix + wrapped[0]
        wrapped[-1] += '"""'
        self.lines.extend(indent + w for w in wrapped)


class _TensorName(ast.NodeTransformer):
    """Spell ``lucid.Tensor`` and ``lucid._tensor.Tensor`` as ``Tensor``."""

    def visit_Attribute(self, node: ast.Attribute) -> ast.AST:
        dotted = ast.unparse(node)
        if dotted in ("lucid.Tensor", "lucid._tensor.Tensor"):
            return ast.Name(id="Tensor", ctx=ast.Load())
        return self.generic_visit(node)


class _Unshadow(ast.NodeTransformer):
    """Respell names a class attribute shadows: ``bool`` as ``builtins.bool``, the module ``mx`` as ``_mx``."""

    def __init__(self, names: set[str]) -> None:
        self.names = names

    def visit_Name(self, node: ast.Name) -> ast.AST:
        if node.id not in self.names:
            return node
        if node.id in _MODULE_ALIASES:
            return ast.Name(id="_" + node.id, ctx=ast.Load())
        if node.id in dir(builtins):
            return ast.Attribute(value=ast.Name(id="builtins", ctx=ast.Load()), attr=node.id, ctx=ast.Load())
        return node


def _order(name: str) -> tuple:
    """``__init__``, the other dunders, public names, private names; alphabetical within each."""
    if name == "__init__":
        return (0, name)
    if name.startswith("__") and name.endswith("__"):
        return (1, name)
    return (3 if name.startswith("_") else 2, name)


def _summary(obj) -> str | None:
    """The first line of an object's docstring (its own, not inherited from ``object``)."""
    doc = getattr(obj, "__doc__", None)
    if not isinstance(doc, str) or not doc.strip():
        return None
    first = inspect.cleandoc(doc).split("\n\n", 1)[0]
    return " ".join(first.split())


def _property(w: _Writer, name: str, prop: property, indent: str) -> None:
    returns = None
    if prop.fget is not None:
        try:
            returns = w.annotation(inspect.signature(prop.fget).return_annotation)
        except (TypeError, ValueError):
            returns = None
    w.function(name, prop.fget, indent, "self", decorators=("@property",), returns=returns,
               doc=_summary(prop.fget))
    if prop.fset is not None:
        w.function(name, prop.fset, indent, "self", decorators=(f"@{name}.setter",), returns="None")
    if prop.fdel is not None:
        w.function(name, prop.fdel, indent, "self", decorators=(f"@{name}.deleter",), returns="None")


def _signature(fn) -> inspect.Signature | None:
    try:
        return inspect.signature(fn)
    except (TypeError, ValueError):
        return None


def _aliases(cls: type, names: list[str]) -> tuple[dict, dict]:
    """Methods the stub writes as ``name = other`` instead of a second ``def``.

    Returns two maps ``name -> the method it is written as``: aliases (one function
    under several names, such as ``absolute`` and ``__abs__`` for ``abs``; the
    function's own ``__name__`` keeps the ``def``) and in-place forms (``exp_``,
    whose signature is exactly that of ``exp``).
    """
    plain = {n: a for n in names if inspect.isfunction(inspect.unwrap(a := inspect.getattr_static(cls, n)))}
    groups: dict = {}
    for name, attr in plain.items():
        groups.setdefault(id(attr), []).append(name)
    aliases = {}
    for group in groups.values():
        own = inspect.unwrap(plain[group[0]]).__name__
        main = own if own in group else min(group, key=_order)
        aliases.update({n: main for n in group if n != main})
    in_place = {}
    for name, attr in plain.items():
        base = name[:-1]
        if (name not in aliases and name.endswith("_") and not name.startswith("_") and base in plain
                and _signature(attr) is not None and _signature(attr) == _signature(plain[base])):
            in_place[name] = aliases.get(base, base)
    return aliases, in_place


def _class(w: _Writer, cls: type) -> None:
    """Write ``class cls:`` with every attribute in its ``__dict__``, sorted by name.

    A method that is another one under a second name, or an in-place form with
    the same signature as its out-of-place method, is written at the end as an
    assignment (``absolute = abs``, ``exp_ = exp``): type checkers give it that
    method's signature.
    """
    w.lines.append(f"class {cls.__name__}:")
    indent = _INDENT
    doc = _summary(cls)
    if doc:
        w.docstring(doc, indent)
    w.shadowed = set(vars(cls))
    names = sorted((n for n in vars(cls) if n not in _SKIP), key=_order)
    aliases, in_place = _aliases(cls, names)
    for name in names:
        if name in aliases or name in in_place:
            continue
        attr = inspect.getattr_static(cls, name)
        if isinstance(attr, property):
            _property(w, name, attr, indent)
        elif isinstance(attr, classmethod):
            w.function(name, attr.__func__, indent, "cls", decorators=("@classmethod",), doc=_summary(attr.__func__))
        elif isinstance(attr, staticmethod):
            w.function(name, attr.__func__, indent, None, decorators=("@staticmethod",), doc=_summary(attr.__func__))
        elif callable(attr):
            doc = _summary(attr) if inspect.isfunction(inspect.unwrap(attr)) else None
            w.function(name, attr, indent, "self", doc=doc)
        elif type(attr).__name__ in ("member_descriptor", "getset_descriptor"):
            w.lines.append(f"{indent}{name}: {w._any()}")
        else:
            w.lines.append(f"{indent}{name}: {w.annotation(type(attr)) or w._any()}")
    for title, table in (("The same methods under other names.", aliases),
                         ("In-place forms: the signature of their method; they update and return ``self``.",
                          in_place)):
        w.lines += ["", f"{indent}# {title}"]
        w.lines += [f"{indent}{name} = {table[name]}" for name in names if name in table]
    w.shadowed = set()


def generate() -> str:
    """The text of ``lucid/_tensor.pyi``, built from the live ``lucid.Tensor`` (Lucid imported first).

    Examples:
        >>> from lucid._stubgen import generate
        >>> text = generate()
        >>> "class Tensor:" in text and "    def sum(" in text
        True
    """
    import lucid  # attaches every op's Tensor method
    from lucid import _tensor

    w = _Writer()
    body = _Writer()
    body.used = w.used
    names = list(_tensor.__all__)
    body.lines.append("__all__ = [" + ", ".join(f'"{n}"' for n in names) + "]")
    for name in names:
        obj = getattr(_tensor, name)
        body.lines += ["", ""]
        if isinstance(obj, type):
            _class(body, obj)
        else:
            body.function(name, obj, "", None, doc=_summary(obj))
    del lucid
    imports = []
    if "builtins" in w.used:
        imports.append("import builtins")
    typing_used = sorted(w.used & _TYPING_NAMES - set(dir(builtins)))
    if typing_used:
        imports.append(f"from typing import {', '.join(typing_used)}")
    modules = [f"import {module} as {alias}" for module, alias in
               sorted((m, a) for a0, m in _MODULE_ALIASES.items() for a in (a0, "_" + a0) if a in w.used)]
    # isort's order: the standard library first, then third-party modules.
    text = _HEADER + "\n"
    if imports:
        text += "\n".join(imports) + "\n\n"
    if modules:
        text += "\n".join(modules) + "\n\n"
    return text + "\n".join(body.lines) + "\n"


def main(argv=None) -> int:
    """Write the stub (or with ``--check``, report whether the committed one is up to date).

    Examples:
        >>> from lucid._stubgen import main
        >>> main(["--no-such-flag"])  # prints the usage to stderr
        2
    """
    argv = sys.argv[1:] if argv is None else list(argv)
    unknown = [a for a in argv if a != "--check"]
    if unknown:
        print(f"usage: {COMMAND} [--check]; unknown arguments {unknown}", file=sys.stderr)
        return 2
    path = stub_path()
    text = generate()
    if "--check" in argv:
        current = path.read_text(encoding="utf-8") if path.exists() else ""
        if current != text:
            print(f"{path} is out of date; regenerate it with `{COMMAND}`", file=sys.stderr)
            return 1
        return 0
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
