"""Batched evaluation: the one place Lucid forces MLX's lazy graphs."""

from __future__ import annotations

from collections.abc import Iterable

import mlx.core as mx

from lucid._backend import checks
from lucid._backend import trace as _trace

__all__ = ["eval_arrays", "get_eval_budget", "set_eval_budget", "defer_eval"]

# Default byte budget for one batched ``mx.eval``: large enough that a typical
# model's gradients go in a handful of calls, small enough that evaluating
# them never holds much more than this in fresh buffers at once.
_budget = [256 * 1024 * 1024]


def get_eval_budget() -> int:
    """Bytes of new arrays evaluated together in one batch (see ``set_eval_budget``).

    Examples:
        >>> import lucid
        >>> lucid.get_eval_budget() > 0
        True
    """
    return _budget[0]


def set_eval_budget(nbytes: int) -> None:
    """Set the byte budget of batched evaluations (clipping, optimizer steps).

    Many arrays are evaluated with one ``mx.eval`` per batch of at most this many
    bytes (a single array larger than the budget is a batch of its own), so peak
    memory grows by at most the budget plus one array.

    Examples:
        >>> import lucid
        >>> lucid.set_eval_budget(64 * 2**20); lucid.get_eval_budget()
        67108864
    """
    if isinstance(nbytes, bool) or not isinstance(nbytes, int):
        raise TypeError(f"eval budget must be an int number of bytes, got {type(nbytes).__name__}")
    if nbytes <= 0:
        raise ValueError(f"eval budget must be positive, got {nbytes}")
    _budget[0] = nbytes


# Tensors whose new values nothing else will evaluate soon (BatchNorm's running
# statistics, updated lazily every training step): the next batched
# evaluation takes them along, so their graphs never grow step after step.
_deferred: dict = {}


def defer_eval(tensor) -> None:
    """Have the next batched evaluation (``Optimizer.step``, the clip functions, ``lucid.eval``) evaluate ``tensor``.

    Layers that update state lazily in ``forward`` (BatchNorm's running
    statistics) register it here instead of evaluating it themselves.
    """
    rec = _trace.recording()
    if rec is not None:
        rec.deferred[id(tensor)] = tensor  # lucid.compile checks it is part of the compiled state
        return
    _deferred[id(tensor)] = tensor


def take_deferred() -> list:
    """The arrays of the deferred tensors, clearing the registry."""
    if not _deferred:
        return []
    arrays = [t._data for t in _deferred.values()]
    _deferred.clear()
    return arrays


def eval_arrays(arrays: Iterable[mx.array], budget: int | None = None) -> None:
    """Evaluate ``arrays`` with one ``mx.eval`` per batch of at most ``budget`` bytes.

    Inside a ``lucid.compile`` trace this does nothing: the arrays are outputs
    of the compiled function, evaluated by its caller.
    """
    if _trace.active():
        return
    limit = _budget[0] if budget is None else budget
    if _deferred:
        arrays = list(arrays) + take_deferred()
    if checks.has_pending():
        arrays = list(arrays) + checks.pending()
    batch: list = []
    size = 0
    for a in arrays:
        n = a.nbytes
        if batch and size + n > limit:
            mx.eval(batch)
            batch = []
            size = 0
        batch.append(a)
        size += n
    if batch:
        mx.eval(batch)
    checks.raise_pending()
