"""Deferred checks: errors found in array values, raised at the next sync point.

Some errors can only be seen in the values of lazy arrays: an index tensor
that points outside the tensor it indexes, a matrix that is not positive
definite. Checking them when the op is called would force an evaluation per
op and break MLX's laziness (DESIGN.md section 2). Instead the op makes its
work safe on its own (indices are clamped before they reach MLX, so nothing
is ever read or written outside a buffer) and records a lazy boolean ``bad``
with :func:`defer`. The next sync point (``item``, ``tolist``, ``numpy``,
``repr``, ``lucid.eval``, ``Optimizer.step``, the clip functions) evaluates
the pending flags in the same batched ``mx.eval`` as its own arrays and raises
the first recorded error whose flag is true, the way PyTorch's CUDA backend
reports a device-side assert at the next synchronisation.

Checks are kept per thread: a ``DataLoader`` worker's sync never raises an
error that belongs to the main thread's ops, and the other way round.

Examples:
    >>> import mlx.core as mx
    >>> from lucid._backend import checks
    >>> checks.defer(mx.array(True), lambda: ValueError("bad values"))
    >>> try:
    ...     checks.raise_pending()
    ... except ValueError as err:
    ...     print(err)
    bad values
    >>> checks.raise_pending()  # nothing left pending
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterable

import mlx.core as mx

from lucid._backend import trace as _trace

__all__ = ["defer", "has_pending", "pending", "raise_pending", "sync", "set_index_checks", "index_checks_enabled",
           "IndexOutOfRange", "no_host_reads"]

# A loop that never reaches a sync point would otherwise keep every flag (and
# the small arrays behind it) alive: past this many pending checks they are
# evaluated on the spot, which costs one small evaluation per this many ops.
_MAX_PENDING = 4096


class _State(threading.local):
    def __init__(self):
        self.checks: list = []
        self.no_reads: str | None = None  # set inside lucid.func transforms: the error of a sync point


_state = _State()
_index_checks = [True]


class IndexOutOfRange(IndexError, RuntimeError):
    """An index tensor pointed outside the tensor it indexes.

    It is an ``IndexError`` (what PyTorch raises for bad indices in indexing,
    ``embedding`` and class targets) and a ``RuntimeError`` (what it raises
    for ``scatter`` and ``one_hot``), so either ``except`` clause catches it.
    """


def defer(bad: mx.array, make_error: Callable[..., BaseException], *details: mx.array) -> None:
    """Record a lazy check: if ``bad`` turns out true, the next sync point raises ``make_error(*values)``.

    Args:
        bad: a boolean scalar array (lazy), true when the error occurred.
        make_error: builds the exception from the evaluated ``details``
            (Python scalars or NumPy arrays), e.g. the smallest and largest
            index seen, for a message that names the offending range.
        *details: arrays evaluated together with ``bad`` (keep them small).
    """
    if _state.no_reads is not None:
        return  # inside a lucid.func transform: the flag would be a traced array; indices are still clamped
    rec = _trace.recording()
    if rec is not None:
        # Inside a lucid.compile trace: the flag is an output of the compiled
        # function, re-deferred after each call (never a placeholder left pending).
        rec.checks.append((bad, make_error, details))
        return
    checks = _state.checks
    checks.append((bad, make_error, details))
    if len(checks) > _MAX_PENDING:
        raise_pending()


def has_pending() -> bool:
    """Whether this thread has checks waiting for a sync point (cheap: no evaluation).

    Every sync point asks this first, so inside :func:`no_host_reads` it raises that block's error.
    """
    if _state.no_reads is not None:
        raise RuntimeError(_state.no_reads)
    return bool(_state.checks)


@contextlib.contextmanager
def no_host_reads(message: str):
    """Inside the block, sync points raise ``RuntimeError(message)`` and deferred checks are not recorded.

    ``lucid.func`` runs the user's function under it: its arrays are traced
    by MLX, so their values must not be read and flags made from them must
    not outlive the transform.

    Examples:
        >>> import lucid
        >>> from lucid._backend import checks
        >>> with checks.no_host_reads("no values here"):
        ...     try:
        ...         lucid.ones(1).item()
        ...     except RuntimeError as err:
        ...         print(err)
        no values here
    """
    prev = _state.no_reads
    _state.no_reads = message
    try:
        yield
    finally:
        _state.no_reads = prev


def in_transform() -> bool:
    """Whether a ``lucid.func`` transform is running in this thread (its arrays are MLX tracers)."""
    return _state.no_reads is not None


def pending() -> list:
    """The arrays a sync point must evaluate for this thread's pending checks (empty when none)."""
    checks = _state.checks
    if not checks:
        return []
    out = []
    for bad, _, details in checks:
        out.append(bad)
        out.extend(details)
    return out


def raise_pending() -> None:
    """Evaluate this thread's pending checks (if not yet evaluated), clear them, and raise the first failure."""
    checks = _state.checks
    if not checks or _trace.active():
        return
    _state.checks = []
    mx.eval([a for bad, _, details in checks for a in (bad, *details)])
    for bad, make_error, details in checks:
        if bad.item():
            values = [d.item() if d.size == 1 else d.tolist() for d in details]
            raise make_error(*values)


def sync(arrays: Iterable[mx.array] | mx.array) -> None:
    """Evaluate ``arrays`` together with the pending checks in one ``mx.eval``, then raise a failed check.

    The arrays are evaluated even when a check fails, so the values a caller
    reads afterwards are never stale; the error is raised after that.
    """
    if _trace.active():
        return  # a sync point inside a lucid.compile trace: the caller evaluates the outputs
    if isinstance(arrays, mx.array):
        arrays = [arrays]
    checks = _state.checks
    if checks:
        mx.eval([*arrays, *pending()])
        raise_pending()
    else:
        mx.eval(list(arrays))


def set_index_checks(enabled: bool) -> None:
    """Turn the lazy checks of tensor-valued indices on (the default) or off.

    With checks off, indices are still clamped before they reach MLX, so a
    bad index can never read or write outside a tensor; it just goes
    unreported. Turn them off only in code whose indices are known to be valid.

    Examples:
        >>> import lucid
        >>> lucid.set_index_checks(False); lucid.index_checks_enabled()
        False
        >>> lucid.set_index_checks(True)
    """
    if not isinstance(enabled, bool):
        raise TypeError(f"set_index_checks expects True or False, got {type(enabled).__name__}")
    _index_checks[0] = enabled


def index_checks_enabled() -> bool:
    """Whether tensor-valued indices are checked lazily (see :func:`set_index_checks`).

    Examples:
        >>> import lucid
        >>> lucid.index_checks_enabled()
        True
    """
    return _index_checks[0]
