"""Whether a ``lucid.compile`` trace is running, and what it collects.

While ``lucid.compile`` traces a function with ``mx.compile``, every array is
a placeholder: nothing may be evaluated. The sync points of DESIGN.md section 2
(``Optimizer.step``'s batched evaluation, the clip functions, ``lucid.eval``,
deferred checks) ask :func:`active` and do nothing while a trace runs; the
arrays they would have evaluated are outputs of the compiled function and are
evaluated by the caller. Deferred checks and deferred evaluations recorded
during a trace are collected here (:class:`Recording`) instead of in the
thread's pending lists, so no placeholder leaks out of the trace.

Examples:
    >>> from lucid._backend import trace
    >>> trace.active()
    False
"""

from __future__ import annotations

__all__ = ["active", "Recording", "recording", "host_read_error"]


class Recording:
    """What one trace collected: deferred checks ``(bad, make_error, details)`` and deferred tensors."""

    __slots__ = ("checks", "deferred")

    def __init__(self):
        self.checks: list = []
        self.deferred: dict = {}


# The recordings of the traces now running (innermost last); empty when none.
_stack: list = []


def active() -> bool:
    """Whether a ``lucid.compile`` trace is running (cheap)."""
    return bool(_stack)


def recording() -> Recording | None:
    """The innermost running trace's recording, or ``None``."""
    return _stack[-1] if _stack else None


def host_read_error(what: str) -> RuntimeError:
    """The error for reading an array's value on the host (``what``: the call) inside a compiled function."""
    return RuntimeError(
        f"{what} reads a tensor's value on the host, which a function compiled with lucid.compile cannot do: "
        "its tensors hold no values while it is traced. Keep the decision on the device (lucid.where, "
        "lucid.clamp, masks) or move the host read out of the compiled function (e.g. call .item() on a "
        "tensor it returns)."
    )
