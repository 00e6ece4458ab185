"""The import graph of ``lucid/`` has no cycle, except ``_tensor`` with ``autograd``.

Only module-level imports count (imports inside functions run late, on purpose);
an import of ``pkg.mod`` is an edge to ``pkg.mod`` only, not to the packages
above it. The graph is read from the source with ``ast``, so nothing is imported.
"""

import ast
import pathlib

ROOT = pathlib.Path(__file__).resolve().parent.parent / "lucid"

# The one allowed cycle: Tensor methods call into autograd, and autograd builds Tensors.
ALLOWED = {"lucid._tensor", "lucid.autograd"}


def _modules(root: pathlib.Path) -> dict:
    mods = {}
    for path in root.rglob("*.py"):
        parts = list(path.relative_to(root.parent).with_suffix("").parts)
        is_pkg = parts[-1] == "__init__"
        if is_pkg:
            parts = parts[:-1]
        mods[".".join(parts)] = (path, is_pkg)
    return mods


def _imports(name: str, path: pathlib.Path, is_pkg: bool, mods: dict) -> set:
    package = name if is_pkg else name.rpartition(".")[0]
    found = set()

    def visit(body):
        for node in body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue  # a deferred import
            if isinstance(node, ast.ClassDef):
                visit(node.body)
            elif isinstance(node, ast.Import):
                found.update(a.name for a in node.names if a.name in mods)
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.split(".")[: len(package.split(".")) - node.level + 1]
                    source = ".".join(base + ([node.module] if node.module else []))
                else:
                    source = node.module
                for a in node.names:
                    sub = f"{source}.{a.name}"
                    if sub in mods:
                        found.add(sub)
                    elif source in mods:
                        found.add(source)
            else:
                for field in ("body", "orelse", "finalbody"):
                    visit(getattr(node, field, None) or [])
                for handler in getattr(node, "handlers", None) or []:
                    visit(handler.body)

    visit(ast.parse(path.read_text(encoding="utf-8")).body)
    found.discard(name)
    return found


def import_graph(root: pathlib.Path = ROOT) -> dict:
    """Module name -> the lucid modules it imports at module level."""
    mods = _modules(root)
    return {name: _imports(name, path, is_pkg, mods) for name, (path, is_pkg) in mods.items()}


def cycles(graph: dict) -> list:
    """The strongly connected components with more than one module (Tarjan's algorithm, iterative)."""
    index, low, on_stack, stack, out = {}, {}, set(), [], []
    for start in graph:
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            v, children = work[-1]
            for w in children:
                if w not in index:
                    index[w] = low[w] = len(index)
                    stack.append(w)
                    on_stack.add(w)
                    work.append((w, iter(sorted(graph[w]))))
                    break
                if w in on_stack:
                    low[v] = min(low[v], index[w])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[v])
                if low[v] == index[v]:
                    comp = []
                    while True:
                        w = stack.pop()
                        on_stack.discard(w)
                        comp.append(w)
                        if w == v:
                            break
                    if len(comp) > 1:
                        out.append(sorted(comp))
    return out


def _allowed(component: list) -> bool:
    return all(m in ALLOWED or m.startswith("lucid.autograd.") for m in component)


def test_cycle_finder_finds_cycles():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": set(), "f": {"g"}, "g": {"f"}}
    assert sorted(cycles(graph)) == [["a", "b", "c"], ["f", "g"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_graph_reads_module_level_imports_only():
    graph = import_graph()
    assert "lucid.ops._util" in graph["lucid.ops.shape"]
    assert "lucid._tensor" in graph["lucid.ops._registry"]
    # lucid.linalg sits above ops: ops never imports it.
    assert not any(m.startswith("lucid.linalg") for mod, deps in graph.items() if mod.startswith("lucid.ops")
                   for m in deps)


def test_no_import_cycles_in_lucid():
    bad = [c for c in cycles(import_graph()) if not _allowed(c)]
    assert not bad, f"import cycles in lucid/: {bad}"
