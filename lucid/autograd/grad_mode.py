"""Grad modes: ``no_grad``, ``enable_grad``, ``set_grad_enabled``, ``inference_mode`` (thread-local).

Each is a context manager and a decorator (with or without parentheses for
``no_grad``/``enable_grad``). The mode belongs to the thread that sets it: a
worker thread keeps recording graphs while the main thread is in ``no_grad``.
"""

from __future__ import annotations

import functools
import inspect
import threading

__all__ = ["no_grad", "enable_grad", "set_grad_enabled", "is_grad_enabled", "inference_mode",
           "is_inference_mode_enabled"]


class _GradState(threading.local):
    """Per-thread grad mode; ``prev`` is a stack of modes saved by entered contexts."""

    enabled = True
    inference = False
    #: How many ``lucid.func`` transforms are running in this thread (``Function.apply`` of a class
    #: with ``mlx_vjp = False`` then hands MLX the class's own backward rule).
    transforms = 0

    def __init__(self):
        self.prev = []


_state = _GradState()


def is_grad_enabled() -> bool:
    """Whether operations record the autograd graph in this thread.

    Examples:
        >>> import lucid
        >>> lucid.is_grad_enabled()
        True
    """
    return _state.enabled


def _run_with_mode(fn, mode: bool, inference: bool | None = None):
    """Wrap ``fn`` so each call (each step, for a generator function) runs with grad mode ``mode``.

    ``inference`` (when not None) sets inference mode as well; ``mode=None`` keeps the caller's grad mode.
    """
    if inspect.isgeneratorfunction(fn):
        @functools.wraps(fn)
        def gen_wrapper(*args, **kwargs):
            gen = fn(*args, **kwargs)
            resume, arg = gen.send, None  # the first step: send(None) is next()
            while True:
                prev, prev_inf = _state.enabled, _state.inference
                _enter(mode, inference)
                try:
                    value = resume(arg)
                except StopIteration as stop:
                    return stop.value
                finally:
                    _state.enabled, _state.inference = prev, prev_inf
                try:
                    arg = yield value
                    resume = gen.send
                except GeneratorExit:
                    gen.close()
                    raise
                except BaseException as exc:  # re-raised inside the generator, under the mode
                    resume, arg = gen.throw, exc

        return gen_wrapper

    if inference is None:
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            prev = _state.enabled
            _state.enabled = mode
            try:
                return fn(*args, **kwargs)
            finally:
                _state.enabled = prev

        return wrapper

    @functools.wraps(fn)
    def inference_wrapper(*args, **kwargs):
        prev, prev_inf = _state.enabled, _state.inference
        _enter(mode, inference)
        try:
            return fn(*args, **kwargs)
        finally:
            _state.enabled, _state.inference = prev, prev_inf

    return inference_wrapper


def _enter(mode: bool | None, inference: bool | None) -> None:
    if mode is not None:
        _state.enabled = mode
    if inference is not None:
        _state.inference = inference


class _GradModeContext:
    """Base of the grad-mode context managers; each is also a decorator.

    The mode in force before ``__enter__`` is pushed on a per-thread stack and
    restored by ``__exit__``, so one instance may be entered again while it is
    already active, and exceptions leave the mode as it was.
    """

    _mode: bool

    def __enter__(self):
        _state.prev.append(_state.enabled)
        _state.enabled = self._mode
        return self

    def __exit__(self, *exc):
        _state.enabled = _state.prev.pop()
        return False

    def __call__(self, fn):
        if not callable(fn):
            raise TypeError(f"{type(self).__name__}() decorates a function, got {type(fn).__name__}")
        return _run_with_mode(fn, self._mode)


class _NoParamContext(_GradModeContext):
    """Allows ``@no_grad`` as well as ``@no_grad()``."""

    def __new__(cls, fn=None):
        if fn is None:
            return super().__new__(cls)
        if not callable(fn):
            raise TypeError(f"{cls.__name__}() takes no arguments, got {type(fn).__name__}")
        return _run_with_mode(fn, cls._mode)


class no_grad(_NoParamContext):
    """Turn graph recording off inside the block or decorated function.

    Examples:
        >>> import lucid
        >>> x = lucid.ones(3, requires_grad=True)
        >>> with lucid.no_grad():
        ...     y = x * 2
        >>> y.requires_grad
        False
    """

    _mode = False


class enable_grad(_NoParamContext):
    """Turn graph recording on, even inside ``no_grad``.

    Examples:
        >>> import lucid
        >>> with lucid.no_grad():
        ...     with lucid.enable_grad():
        ...         lucid.is_grad_enabled()
        True
    """

    _mode = True


class set_grad_enabled(_GradModeContext):
    """Set grad mode to ``mode``; works as a plain call, a context manager or a decorator.

    As a call (``lucid.set_grad_enabled(False)``) it changes the mode at once;
    as a ``with`` block it restores the previous mode on exit; as a decorator
    it only affects calls of the decorated function.

    Raises:
        TypeError: ``mode`` is not a bool.

    Examples:
        >>> import lucid
        >>> with lucid.set_grad_enabled(False):
        ...     lucid.is_grad_enabled()
        False
        >>> lucid.is_grad_enabled()
        True
    """

    def __init__(self, mode: bool):
        if not isinstance(mode, bool):
            raise TypeError(f"set_grad_enabled expects a bool, got {type(mode).__name__}")
        self._mode = mode
        self._prev = _state.enabled
        _state.enabled = mode

    def __enter__(self):
        # The mode was already set by __init__; remember what to restore.
        _state.prev.append(self._prev)
        return self

    def __call__(self, fn):
        # Used as a decorator: undo the immediate switch made by __init__.
        _state.enabled = self._prev
        return super().__call__(fn)


def is_inference_mode_enabled() -> bool:
    """Whether this thread is inside :class:`inference_mode` (``inference_mode(True)``).

    Examples:
        >>> import lucid
        >>> with lucid.inference_mode():
        ...     lucid.is_inference_mode_enabled()
        True
        >>> lucid.is_inference_mode_enabled()
        False
    """
    return _state.inference


class inference_mode:
    """Run without recording any autograd graph, for inference: a context manager and a decorator.

    In Lucid this is :class:`no_grad` plus a flag read by
    :func:`is_inference_mode_enabled`: results computed inside have
    ``requires_grad=False`` and no ``grad_fn``. PyTorch additionally marks
    them as "inference tensors" to skip version counting; Lucid's tape
    already records nothing when grad mode is off, so there is nothing more
    to skip and no such mark. ``inference_mode(False)`` leaves inference mode
    (inside an enclosing one) without changing the grad mode.

    Args:
        mode: ``True`` (the default) to enter inference mode, ``False`` to leave it.

    Raises:
        TypeError: ``mode`` is neither a bool nor a function (bare decorator use).

    Examples:
        >>> import lucid
        >>> w = lucid.ones(2, requires_grad=True)
        >>> with lucid.inference_mode():
        ...     y = w * 2
        >>> y.requires_grad, lucid.is_grad_enabled()
        (False, True)
        >>> @lucid.inference_mode
        ... def predict(x):
        ...     return (w * x, lucid.is_inference_mode_enabled())
        >>> predict(3.0)[0].requires_grad, predict(3.0)[1]
        (False, True)
    """

    def __new__(cls, mode=True):
        if callable(mode) and not isinstance(mode, bool):
            return _run_with_mode(mode, False, True)  # bare @inference_mode
        return super().__new__(cls)

    def __init__(self, mode: bool = True):
        if not isinstance(mode, bool):
            raise TypeError(f"inference_mode expects a bool (or decorates a function), got {type(mode).__name__}")
        self._mode = mode

    def __enter__(self):
        _state.prev.append((_state.enabled, _state.inference))
        if self._mode:
            _enter(False, True)
        else:
            _state.inference = False
        return self

    def __exit__(self, *exc):
        _state.enabled, _state.inference = _state.prev.pop()
        return False

    def __call__(self, fn):
        if not callable(fn):
            raise TypeError(f"inference_mode() decorates a function, got {type(fn).__name__}")
        return _run_with_mode(fn, False if self._mode else None, self._mode)

    def clone(self) -> inference_mode:
        """A new context with the same mode (PyTorch's API)."""
        return inference_mode(self._mode)
