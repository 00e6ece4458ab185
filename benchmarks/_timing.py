"""Timing helpers shared by the benchmarks: warm up, then take the median of repeats."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def median_ms(fn: Callable[[], object], warmup: int = 2, repeat: int = 7) -> float:
    """Median wall time of ``fn()`` in milliseconds after ``warmup`` untimed calls."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def interleaved_ms(fns: dict, warmup: int = 2, repeat: int = 7) -> dict:
    """Median times of several functions measured in alternation, so drift hits them all alike.

    Each round starts one function further along (round 0: a, b, c; round 1:
    b, c, a; ...), so what one call leaves behind (a warm or an emptied
    allocator cache, dirty pages) does not always fall on the same successor.
    """
    for fn in fns.values():
        for _ in range(warmup):
            fn()
    items = list(fns.items())
    samples: dict = {name: [] for name in fns}
    for r in range(repeat):
        k = r % len(items)
        for name, fn in items[k:] + items[:k]:
            start = time.perf_counter()
            fn()
            samples[name].append((time.perf_counter() - start) * 1000)
    return {name: statistics.median(v) for name, v in samples.items()}


def torch_or_none():
    """PyTorch if it is importable (it is never a dependency of Lucid), else None."""
    try:
        import torch
    except ImportError:
        return None
    return torch


def print_table(title: str, rows: list[dict]) -> None:
    print(f"\n{title}")
    keys: list = []
    for r in rows:
        keys.extend(k for k in r if k not in keys)
    widths = {k: max(len(k), *(len(_fmt(r.get(k))) for r in rows)) for k in keys}
    print("  ".join(k.ljust(widths[k]) for k in keys))
    for r in rows:
        print("  ".join(_fmt(r.get(k)).ljust(widths[k]) for k in keys))


def _fmt(v) -> str:
    if isinstance(v, float):
        return f"{v:.3f}" if abs(v) < 100 else f"{v:.1f}"
    return "-" if v is None else str(v)
