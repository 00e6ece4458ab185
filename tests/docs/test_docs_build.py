"""The documentation site builds with ``mkdocs build --strict`` (broken links, bad references fail).

The build goes into a temporary folder, so it never touches ``site/``.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DOCS = REPO / "docs"
TUTORIALS = DOCS / "tutorials"
BUILD_TIMEOUT_S = 240
_HREF = re.compile(r'href="([^"]*)"')


def _nav_pages(node) -> list[str]:
    """Every page path listed in a mkdocs ``nav`` tree."""
    if isinstance(node, str):
        return [node]
    if isinstance(node, list):
        return [p for item in node for p in _nav_pages(item)]
    if isinstance(node, dict):
        return [p for value in node.values() for p in _nav_pages(value)]
    return []


def _config() -> dict:
    yaml = pytest.importorskip("yaml")

    class _Loader(yaml.SafeLoader):
        pass

    # mkdocs.yml may use tags such as !ENV or !!python/name; the nav needs none of them.
    _Loader.add_multi_constructor("", lambda loader, suffix, node: None)
    _Loader.add_multi_constructor("tag:yaml.org,2002:python/", lambda loader, suffix, node: None)
    with open(REPO / "mkdocs.yml", encoding="utf-8") as f:
        return yaml.load(f, Loader=_Loader)


def test_every_tutorial_is_in_the_nav():
    nav = set(_nav_pages(_config().get("nav", [])))
    pages = sorted(str(p.relative_to(DOCS)) for ext in ("*.md", "*.ipynb") for p in TUTORIALS.glob(ext))
    missing = [p for p in pages if p not in nav]
    assert not missing, f"tutorial pages missing from mkdocs.yml nav: {missing}"


def test_tutorial_index_links_every_tutorial():
    index = (TUTORIALS / "index.md").read_text(encoding="utf-8")
    pages = sorted(p.name for ext in ("*.md", "*.ipynb") for p in TUTORIALS.glob(ext) if p.name != "index.md")
    unlinked = [p for p in pages if f"({p})" not in index and f"({p}#" not in index]
    assert not unlinked, f"docs/tutorials/index.md does not link: {unlinked}"


def _build(config: Path, site: Path) -> None:
    """``mkdocs build --strict``; fails the test with the warnings if the build fails."""
    # The notebooks are executed (and their errors reported cell by cell) by
    # test_notebooks.py; here they are rendered as stored, so the suite runs them once.
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1", MPLBACKEND="Agg", LUCID_DOCS_EXECUTE="false")
    # Notebook kernels must import this checkout's Lucid, not whichever one is pip-installed.
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), os.environ.get("PYTHONPATH")) if p)
    proc = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--config-file", str(config),
         "--site-dir", str(site)],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=BUILD_TIMEOUT_S,
    )
    log = proc.stdout + proc.stderr
    if proc.returncode != 0:
        problems = [ln for ln in log.splitlines() if ln.startswith(("WARNING", "ERROR"))]
        shown = "\n".join(problems[:40]) or log[-4000:]
        more = f"\n... and {len(problems) - 40} more" if len(problems) > 40 else ""
        pytest.fail(f"mkdocs build --strict failed ({len(problems)} warnings/errors):\n{shown}{more}",
                    pytrace=False)


def _check_tutorials_rendered(site: Path) -> None:
    """Every tutorial became a page, notebooks included (mkdocs-jupyter)."""
    for page in sorted([*TUTORIALS.glob("*.md"), *TUTORIALS.glob("*.ipynb")]):
        if page.name == "index.md":
            out = site / "tutorials" / "index.html"
        else:
            out = site / "tutorials" / page.stem / "index.html"
        assert out.is_file(), f"{page.relative_to(REPO)} was not rendered to {out.relative_to(site)}"


def test_docs_build_strict(tmp_path):
    """The whole site, API reference included, exactly as `make docs` builds it."""
    pytest.importorskip("mkdocs")
    site = tmp_path / "site"
    _build(REPO / "mkdocs.yml", site)
    _check_tutorials_rendered(site)
    _check_links(site)
    _check_factory_classes_rendered(site)


def _check_factory_classes_rendered(site: Path) -> None:
    """Layers made by a class factory (docs/griffe_factories.py) render as classes with their docstrings."""
    page = (site / "api" / "nn" / "index.html").read_text(encoding="utf-8")
    start = page.find('id="lucid.nn.ReflectionPad1d"')
    assert start >= 0, "ReflectionPad1d (made by a factory) is missing from the nn API page"
    entry = re.sub(r"<[^>]+>", "", page[start:start + 3000])
    assert "doc-class" in page[start - 400:start + 400], "ReflectionPad1d is not rendered as a class"
    assert "Mirror the last dim" in entry and "ReflectionPad1d(2)" in entry, entry[:600]


def test_tutorials_build_strict_without_api_rendering(tmp_path):
    """The same site with the API pages' docstrings left unrendered (mkdocstrings off).

    A docstring problem fails test_docs_build_strict; this test then still
    says whether the tutorials, the nav and their links are sound.
    """
    pytest.importorskip("mkdocs")
    yaml = pytest.importorskip("yaml")
    plugins = []
    for plugin in _config().get("plugins", []):
        if plugin == "mkdocstrings" or (isinstance(plugin, dict) and "mkdocstrings" in plugin):
            continue
        if isinstance(plugin, dict) and isinstance(plugin.get("mkdocs-jupyter"), dict):
            # test_notebooks runs them; rendering the committed (output-free) cells is enough here.
            plugin = {"mkdocs-jupyter": dict(plugin["mkdocs-jupyter"], execute=False)}
        plugins.append(plugin)
    config = tmp_path / "mkdocs.yml"
    config.write_text(yaml.safe_dump({"INHERIT": str(REPO / "mkdocs.yml"), "docs_dir": str(DOCS),
                                      "plugins": plugins}), encoding="utf-8")
    site = tmp_path / "site"
    _build(config, site)
    _check_tutorials_rendered(site)
    _check_links(site)


def _check_links(site: Path) -> None:
    """Relative links in the rendered home and tutorial pages lead to files that exist.

    mkdocs checks links of Markdown pages, but links inside notebooks reach the
    HTML untouched (write them as site URLs, e.g. ``../quickstart/`` or
    ``../../api/optim/``), so they are checked here, on the built site.
    """
    broken = []
    pages = [site / "index.html", *sorted((site / "tutorials").rglob("*.html"))]
    for html in pages:
        for href in _HREF.findall(html.read_text(encoding="utf-8")):
            if not href or href.startswith(("#", "http:", "https:", "mailto:", "javascript:", "data:")):
                continue
            target = href.split("#")[0].split("?")[0]
            if not target:
                continue
            path = (html.parent / target).resolve()
            if href.endswith("/") or path.is_dir():
                path = path / "index.html"
            if not path.exists():
                broken.append(f"{html.relative_to(site)}: {href}")
    assert not broken, "broken links in the built site:\n" + "\n".join(broken)
