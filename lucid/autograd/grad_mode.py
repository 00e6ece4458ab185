"""Grad modes: ``no_grad``, ``enable_grad``, ``set_grad_enabled`` (thread-local)."""

from __future__ import annotations

import functools
import threading

__all__ = ["no_grad", "enable_grad", "set_grad_enabled", "is_grad_enabled"]


class _GradState(threading.local):
    enabled = True


_state = _GradState()


def is_grad_enabled() -> bool:
    """Whether operations record the autograd graph in this thread.

    Example:
        >>> import lucid
        >>> lucid.is_grad_enabled()
        True
    """
    return _state.enabled


class _GradModeContext:
    """Base of the grad-mode context managers; each is also a decorator."""

    _mode: bool

    def __enter__(self):
        self._prev = _state.enabled
        _state.enabled = self._mode
        return self

    def __exit__(self, *exc):
        _state.enabled = self._prev
        return False

    def __call__(self, fn):
        mode = self._mode

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            prev = _state.enabled
            _state.enabled = mode
            try:
                return fn(*args, **kwargs)
            finally:
                _state.enabled = prev

        return wrapper


class no_grad(_GradModeContext):
    """Turn graph recording off inside the block or decorated function.

    Example:
        >>> import lucid
        >>> x = lucid.ones(3, requires_grad=True)
        >>> with lucid.no_grad():
        ...     y = x * 2
        >>> y.requires_grad
        False
    """

    _mode = False


class enable_grad(_GradModeContext):
    """Turn graph recording on, even inside ``no_grad``.

    Example:
        >>> import lucid
        >>> with lucid.no_grad():
        ...     with lucid.enable_grad():
        ...         lucid.is_grad_enabled()
        True
    """

    _mode = True


class set_grad_enabled(_GradModeContext):
    """Set grad mode to ``mode``; works as a call, a context manager or a decorator.

    Example:
        >>> import lucid
        >>> with lucid.set_grad_enabled(False):
        ...     lucid.is_grad_enabled()
        False
    """

    def __init__(self, mode: bool):
        if not isinstance(mode, bool):
            raise TypeError(f"set_grad_enabled expects a bool, got {type(mode).__name__}")
        self._mode = mode
        self._prev = _state.enabled
        _state.enabled = mode

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        _state.enabled = self._prev
        return False
