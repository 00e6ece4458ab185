"""Run every benchmark module: ``python -m benchmarks [name ...]``.

Each module in this package with a ``run()`` function is run in turn (or
only those named on the command line, e.g. ``python -m benchmarks
mlp_step``), each in a fresh Python process: what one benchmark leaves
behind (PyTorch's OpenMP threads keep spinning after a call, MLX's caches,
loader threads) must not slow the next one down. Its rows go to
``benchmarks/results/<module>.json`` (with the module's ``extra()`` data,
where it has one), and one table of all rows is printed at the end, with a
``summary.json`` of them all.
"""

from __future__ import annotations

import importlib
import json
import os
import pkgutil
import subprocess
import sys
import time
import traceback

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import lucid  # noqa: F401, I001  (before mlx.core: it may load a BLAS)

import benchmarks
from benchmarks import RESULTS_DIR, format_table, write_results

_REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _modules(names: list) -> list:
    found = sorted(m.name for m in pkgutil.iter_modules(benchmarks.__path__)
                   if not m.name.startswith("_") and not m.ispkg)
    if names:
        unknown = [n for n in names if n not in found]
        if unknown:
            raise SystemExit(f"unknown benchmark(s) {unknown}; available: {found}")
        return names
    return found


def run_one(name: str) -> int:
    """Run one benchmark module in this process and write its results; the exit status."""
    module = importlib.import_module(f"benchmarks.{name}")
    if not hasattr(module, "run"):
        return 0
    t0 = time.perf_counter()
    try:
        rows = module.run()
        extra = module.extra() if hasattr(module, "extra") else None
    except Exception:  # report; the parent goes on with the other benchmarks
        traceback.print_exc()
        return 1
    write_results(name, rows, extra)
    print(f"  {name}: {len(rows)} row(s) in {time.perf_counter() - t0:.1f} s", flush=True)
    if extra and "profile" in extra:
        prof = extra["profile"]
        print(f"  where Lucid's time goes ({prof['total_ms_per_call']} ms per call under cProfile):")
        for label, ms in prof["layers_ms_per_call"].items():
            print(f"    {ms:8.3f} ms  {label}")
    return 0


def main(argv: list | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["--one"]:
        return run_one(args[1])
    names = _modules(args)
    all_rows = []
    failed = []
    start = time.perf_counter()
    for name in names:
        print(f"running {name} ...", flush=True)
        result = os.path.join(RESULTS_DIR, f"{name}.json")
        before = os.path.getmtime(result) if os.path.exists(result) else None
        proc = subprocess.run([sys.executable, "-m", "benchmarks", "--one", name], cwd=_REPO)
        if proc.returncode != 0:
            failed.append(name)
            continue
        if not os.path.exists(result) or os.path.getmtime(result) == before:
            continue  # a module without run()
        with open(result) as f:
            all_rows.extend(json.load(f)["rows"])
    print()
    print(format_table(all_rows, summary=True))
    path = write_results("summary", all_rows, {"modules": names, "failed": failed,
                                               "seconds": round(time.perf_counter() - start, 1)})
    print(f"\nresults in {os.path.dirname(path)}")
    if failed:
        print(f"FAILED: {failed}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
