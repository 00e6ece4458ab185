"""Run every benchmark module: ``python -m benchmarks [name ...]``.

Each module in this package with a ``run()`` function is imported and run in
turn (or only those named on the command line, e.g. ``python -m benchmarks
mlp_step``). Its rows go to ``benchmarks/results/<module>.json`` (with the
module's ``extra()`` data, where it has one), and one table of all rows is
printed at the end, with a ``summary.json`` of them all.
"""

from __future__ import annotations

import importlib
import os
import pkgutil
import sys
import time
import traceback

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import lucid  # noqa: E402,F401,I001  (before mlx.core: it may load a BLAS)

import benchmarks  # noqa: E402
from benchmarks import format_table, write_results  # noqa: E402


def _modules(names: list) -> list:
    found = sorted(m.name for m in pkgutil.iter_modules(benchmarks.__path__)
                   if not m.name.startswith("_") and not m.ispkg)
    if names:
        unknown = [n for n in names if n not in found]
        if unknown:
            raise SystemExit(f"unknown benchmark(s) {unknown}; available: {found}")
        return names
    return found


def main(argv: list | None = None) -> int:
    names = _modules(list(sys.argv[1:] if argv is None else argv))
    all_rows = []
    failed = []
    start = time.perf_counter()
    for name in names:
        module = importlib.import_module(f"benchmarks.{name}")
        if not hasattr(module, "run"):
            continue
        t0 = time.perf_counter()
        print(f"running {name} ...", flush=True)
        try:
            rows = module.run()
            extra = module.extra() if hasattr(module, "extra") else None
        except Exception:  # report and go on with the other benchmarks
            traceback.print_exc()
            failed.append(name)
            continue
        write_results(name, rows, extra)
        all_rows.extend(rows)
        print(f"  {name}: {len(rows)} row(s) in {time.perf_counter() - t0:.1f} s", flush=True)
        if extra and "profile" in extra:
            prof = extra["profile"]
            print(f"  where Lucid's time goes ({prof['total_ms_per_call']} ms per call under cProfile):")
            for label, ms in prof["layers_ms_per_call"].items():
                print(f"    {ms:8.3f} ms  {label}")
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
