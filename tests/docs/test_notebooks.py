"""Execute every tutorial notebook (docs/tutorials/*.ipynb) top to bottom in a fresh kernel.

Notebooks are committed without outputs (checked here too): what the site and
a reader see is produced by running them against the current code, never a
stale copy. Each runs in an empty temporary folder, headless (matplotlib's
inline backend, which renders with Agg), with a per-cell timeout so a hung
cell fails instead of stalling.
"""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((REPO / "docs" / "tutorials").glob("*.ipynb"))

CELL_TIMEOUT_S = 180
KERNEL = "python3"


def _id(path: Path) -> str:
    return path.name


def test_notebooks_found():
    assert NOTEBOOKS, "expected tutorial notebooks under docs/tutorials/*.ipynb"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_id)
def test_notebook_committed_clean(path: Path):
    """Valid nbformat, no outputs or execution counts committed, the python3 kernel named."""
    nbformat = pytest.importorskip("nbformat")
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    dirty = [i for i, cell in enumerate(nb.cells)
             if cell.cell_type == "code" and (cell.get("outputs") or cell.get("execution_count") is not None)]
    assert not dirty, (
        f"{path.name}: code cells {dirty} have committed outputs; clear them before committing "
        "(Jupyter: Edit > Clear All Outputs, or `jupyter nbconvert --clear-output --inplace`)"
    )
    assert nb.metadata.get("kernelspec", {}).get("name") == KERNEL, f"{path.name}: kernelspec must be {KERNEL!r}"
    assert any(c.cell_type == "code" for c in nb.cells), f"{path.name} has no code cells"
    assert nb.cells[0].cell_type == "markdown" and nb.cells[0].source.lstrip().startswith("# "), (
        f"{path.name}: the first cell must be a Markdown cell with the page title (# Title)"
    )


def _kernel_available() -> None:
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        KernelSpecManager().get_kernel_spec(KERNEL)
    except NoSuchKernel:
        pytest.fail(f"no Jupyter kernel named {KERNEL!r}: install ipykernel into this environment "
                    "(pip install -e '.[docs]')")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_id)
def test_notebook_runs(path: Path, docs_env, monkeypatch):
    """Every cell runs without error; a failing cell fails the test with its traceback."""
    # The kernel draws with matplotlib-inline (Agg rendering, no display) so
    # figures come back as PNG outputs; plain Agg would silently drop them.
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    _kernel_available()
    nb = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(
        nb, timeout=CELL_TIMEOUT_S, kernel_name=KERNEL, allow_errors=False,
        resources={"metadata": {"path": str(docs_env)}},
    )
    try:
        client.execute()
    except nbclient.exceptions.CellExecutionError as exc:
        pytest.fail(f"{path.name}: a cell raised\n{exc}", pytrace=False)
    except nbclient.exceptions.CellTimeoutError as exc:
        pytest.fail(f"{path.name}: a cell ran longer than {CELL_TIMEOUT_S}s\n{exc}", pytrace=False)
    # Images come out where the notebook promises plots (a plot cell that
    # silently drew nothing would otherwise pass).
    has_plot_code = any("plt." in c.source for c in nb.cells if c.cell_type == "code")
    has_image = any("image/png" in out.get("data", {})
                    for c in nb.cells if c.cell_type == "code" for out in c.outputs)
    assert has_image or not has_plot_code, f"{path.name}: plotting cells produced no image"
