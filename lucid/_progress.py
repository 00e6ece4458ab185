"""The progress-bar helper: tqdm (``tqdm.auto`` in notebooks), silent when output is not a terminal."""

from __future__ import annotations

import sys

__all__ = ["progress"]


def progress(iterable=None, *, total=None, desc: str | None = None, unit: str = "it", leave: bool = True,
             disable: bool | None = None, **kwargs):
    """Wrap ``iterable`` in a progress bar.

    Args:
        iterable: what to iterate over (or ``None`` with ``total`` for manual ``update()``).
        total: the number of steps when ``len(iterable)`` is unknown.
        desc: a label shown before the bar.
        unit: the unit of one step.
        leave: keep the finished bar on screen.
        disable: ``None`` (default) shows the bar only on a terminal or in a
            notebook; ``True``/``False`` force it off/on.

    Returns:
        A tqdm object (iterate over it; ``set_postfix`` adds live numbers).

    Examples:
        >>> from lucid._progress import progress
        >>> sum(progress(range(3), disable=True))
        3
    """
    from tqdm.auto import tqdm

    if disable is None:
        disable = not _interactive()
    return tqdm(iterable, total=total, desc=desc, unit=unit, leave=leave, disable=disable,
                dynamic_ncols=True, **kwargs)


def _interactive() -> bool:
    if "ipykernel" in sys.modules:
        return True
    stream = sys.stderr
    return bool(getattr(stream, "isatty", lambda: False)())
