"""Run every ```python block of the Markdown docs, so an example that stops working fails the suite.

The blocks of one page run in order in one namespace (later blocks use what
earlier ones defined), in an empty temporary working directory. A block is not
run when the line before its opening fence is ``<!-- skip -->``, or when its
language is anything but ``python``/``py`` (```text, ```bash, ```console, ...).
Fences indented inside admonitions or content tabs are found too.
"""

from __future__ import annotations

import importlib
import linecache
import re
import textwrap
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

import lucid

REPO = Path(__file__).resolve().parents[2]
DOCS = REPO / "docs"

# The Markdown pages whose examples are executed: the home page and every
# tutorial. The API reference (docs/api/) holds signatures, not programs.
PAGES = sorted([DOCS / "index.md", *(DOCS / "tutorials").glob("*.md")])

_FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})[ \t]*\{?\.?(?P<lang>[\w+-]*)")
_SKIP = re.compile(r"^\s*<!--\s*skip\s*-->\s*$")
_RUN_LANGS = {"python", "py"}


@dataclass
class Block:
    lang: str
    line: int  # 1-based line of the first code line
    source: str
    skipped: bool


def extract_blocks(text: str) -> list[Block]:
    """Every fenced code block of a Markdown text, with its language and skip flag."""
    lines = text.splitlines()
    blocks = []
    i = 0
    while i < len(lines):
        m = _FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        indent, fence, lang = m.group("indent"), m.group("fence"), m.group("lang").lower()
        prev = next((lines[j] for j in range(i - 1, -1, -1) if lines[j].strip()), "")
        closing = re.compile(rf"^[ \t]*{re.escape(fence[0])}{{{len(fence)},}}[ \t]*$")
        j = i + 1
        while j < len(lines) and not closing.match(lines[j]):
            j += 1
        if j == len(lines):
            raise ValueError(f"unclosed code fence opened on line {i + 1}")
        body = [ln[len(indent):] if ln.startswith(indent) else ln.lstrip() for ln in lines[i + 1:j]]
        blocks.append(Block(lang, i + 2, textwrap.dedent("\n".join(body)) + "\n", bool(_SKIP.match(prev))))
        i = j + 1
    return blocks


def runnable(blocks: list[Block]) -> list[Block]:
    return [b for b in blocks if b.lang in _RUN_LANGS and not b.skipped]


def _page_id(path: Path) -> str:
    return str(path.relative_to(DOCS))


def test_pages_found():
    assert (DOCS / "tutorials" / "index.md") in PAGES
    assert len(PAGES) >= 3, f"expected the Markdown tutorials under docs/tutorials, found {PAGES}"


def test_fence_parser():
    text = textwrap.dedent("""\
        Intro.

        ```python
        a = 1
        ```

        <!-- skip -->
        ```python
        raise SystemExit
        ```

        ```bash
        make train
        ```

        !!! note
            ```python
            if a:
                b = a + 1
            ```

        ````text
        ```python
        nested = "not code"
        ```
        ````
        """)
    blocks = extract_blocks(text)
    assert [(b.lang, b.skipped) for b in blocks] == [
        ("python", False), ("python", True), ("bash", False), ("python", False), ("text", False)]
    ns: dict = {}
    for b in runnable(blocks):
        exec(b.source, ns)
    assert ns["b"] == 2
    assert blocks[0].line == 4


@pytest.mark.parametrize("page", PAGES, ids=_page_id)
def test_page_examples(page: Path, docs_env):
    """Execute the page's python blocks in order, in one namespace, in a fresh temp folder."""
    blocks = runnable(extract_blocks(page.read_text(encoding="utf-8")))
    rel = page.relative_to(REPO)
    if page.parent.name == "tutorials" and page.name != "index.md":
        assert blocks, f"{rel} has no runnable ```python block; is a fence mistyped?"
    np.random.seed(0)
    lucid.random.seed(0)
    namespace: dict = {"__name__": "__main__"}
    timings = []
    for n, block in enumerate(blocks, 1):
        # A pseudo file name that says where the block is; linecache lets the
        # traceback of a failing example show the offending line.
        # Line numbers in tracebacks are the page's own.
        filename = f"{rel} (python block {n})"
        source = "\n" * (block.line - 1) + block.source
        linecache.cache[filename] = (len(source), None, source.splitlines(keepends=True), filename)
        code = compile(source, filename, "exec")
        start = time.perf_counter()
        exec(code, namespace)
        timings.append(time.perf_counter() - start)
    # Slow pages make the suite slow: show where the time goes with -s / -rA.
    print(f"{rel}: {len(blocks)} blocks, {sum(timings):.1f}s "
          f"(slowest: block {int(np.argmax(timings)) + 1 if timings else 0})")


_INLINE = re.compile(r"(?<!`)`([^`\n]+)`(?!`)")
_DOTTED = re.compile(r"^lucid(?:\.[A-Za-z_]\w*)+")


def _resolve(dotted: str):
    parts = dotted.split(".")
    obj = importlib.import_module(parts[0])
    for i, name in enumerate(parts[1:], 1):
        try:
            obj = getattr(obj, name)
        except AttributeError:
            obj = importlib.import_module(".".join(parts[:i + 1]))
    return obj


@pytest.mark.parametrize("page", PAGES, ids=_page_id)
def test_names_in_prose_exist(page: Path):
    """Every `lucid.x.y` named in the text (tables included) exists, so renamed APIs show up here."""
    text = page.read_text(encoding="utf-8")
    # Inline code only: fenced blocks are executed by test_page_examples.
    prose = re.sub(r"^([ \t]*)(`{3,}|~{3,}).*?^\1\2[ \t]*$", "", text, flags=re.S | re.M)
    missing = []
    for span in _INLINE.findall(prose):
        m = _DOTTED.match(span.strip())
        if not m:
            continue
        try:
            _resolve(m.group(0))
        except (AttributeError, ImportError):
            missing.append(m.group(0))
    assert not missing, f"{page.relative_to(REPO)} names Lucid APIs that do not exist: {sorted(set(missing))}"
