"""The autocast policy: a per-thread setting read by the few ops that care.

``lucid.autocast`` (in :mod:`lucid.amp`) sets it; the ops read it through
:mod:`lucid.ops._autocast`. Nothing else looks at it (DESIGN.md section 9).
"""

from __future__ import annotations

import threading

import mlx.core as mx

__all__ = ["enabled", "low_dtype", "push", "pop"]


class _State(threading.local):
    enabled = False
    dtype = mx.bfloat16

    def __init__(self):
        self.stack = []


_state = _State()


def enabled() -> bool:
    """Whether autocast is on in this thread."""
    return _state.enabled


def low_dtype() -> mx.Dtype:
    """The low-precision MLX dtype matrix products run in while autocast is on."""
    return _state.dtype


def push(on: bool, dtype: mx.Dtype) -> None:
    """Enter an autocast region (the previous setting is restored by :func:`pop`)."""
    _state.stack.append((_state.enabled, _state.dtype))
    _state.enabled, _state.dtype = on, dtype


def pop() -> None:
    """Leave the innermost autocast region."""
    _state.enabled, _state.dtype = _state.stack.pop()
