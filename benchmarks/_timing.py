"""The benchmarks' one timing loop and its summaries: warm up, then interleave rounds.

Every benchmark module times through :func:`sample_ms`. Callables measured
together run one after another in each round, so a noisy machine slows them
alike; the median over rounds is the headline number and the minimum the
least disturbed one.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

__all__ = ["sample_ms", "time_interleaved", "interleaved_ms", "median_ms", "torch_or_none"]


def sample_ms(fns: dict, rounds: int, warmup: int, rotate: bool = False) -> dict[str, list[float]]:
    """Wall time in milliseconds of every call of each callable: ``{name: [ms per round]}``.

    Each callable first runs ``warmup`` untimed calls. With ``rotate``, round
    ``r`` starts ``r`` callables further along (a, b, c; then b, c, a; ...), so
    what one call leaves behind (a warm or an emptied allocator cache, dirty
    pages) does not always fall on the same successor.
    """
    for fn in fns.values():
        for _ in range(warmup):
            fn()
    items = list(fns.items())
    samples: dict = {name: [] for name in fns}
    for r in range(rounds):
        k = r % len(items) if rotate else 0
        for name, fn in items[k:] + items[:k]:
            start = time.perf_counter()
            fn()
            samples[name].append((time.perf_counter() - start) * 1000)
    return samples


def time_interleaved(steps: dict, rounds: int, warmup: int, rotate: bool = False) -> dict:
    """Milliseconds per call of each callable: ``{name: {"median": ..., "min": ...}}``."""
    return {name: {"median": statistics.median(v), "min": min(v)}
            for name, v in sample_ms(steps, rounds, warmup, rotate).items()}


def interleaved_ms(fns: dict, warmup: int = 2, repeat: int = 7) -> dict:
    """Median milliseconds per call of each callable, measured in rotating rounds."""
    return {name: statistics.median(v) for name, v in sample_ms(fns, repeat, warmup, rotate=True).items()}


def median_ms(fn: Callable[[], object], warmup: int = 2, repeat: int = 7) -> float:
    """Median milliseconds per call of one callable."""
    return statistics.median(sample_ms({"fn": fn}, repeat, warmup)["fn"])


def torch_or_none():
    """PyTorch if it is importable (it is never a dependency of Lucid), else None."""
    try:
        import torch
    except ImportError:
        return None
    return torch
