"""Where time goes: ``lucid.profiler.profile`` and ``record_function``, with PyTorch's reporting interface.

MLX is lazy, so an op's call costs almost nothing and its work happens at the
next evaluation. While a ``profile()`` block is active, every op (every
``Function.apply``) first evaluates its inputs and then its outputs, so each
op's time is the time of its own work. This changes the program (no fusion
across ops, no overlap): profile to see the *shape* of the cost, time the
unprofiled program for totals. Outside a profile nothing is patched and ops
run at full speed.

A backward pass is one event, ``autograd::backward``, that ends when the
gradients it accumulated are evaluated. ``record_function(name)`` marks a
region (its total includes the ops inside). Memory: with
``profile_memory=True`` each event records MLX's active memory after it.

Examples:
    >>> import lucid
    >>> from lucid.profiler import profile, record_function
    >>> model = lucid.nn.Linear(8, 4)
    >>> with profile() as prof:
    ...     with record_function("forward"):
    ...         loss = model(lucid.randn(16, 8)).sum()
    ...     loss.backward()
    >>> names = {e.key for e in prof.key_averages()}
    >>> {"forward", "LinearFunction", "autograd::backward"} <= names
    True
    >>> print(prof.key_averages().table(sort_by="cpu_time_total", row_limit=2))  # doctest: +SKIP
"""

from __future__ import annotations

import enum
import functools
import json
import os
import threading
import time

import mlx.core as mx

from lucid._tensor import Tensor
from lucid.autograd import engine as _engine
from lucid.autograd import function as _function

__all__ = ["profile", "record_function", "ProfilerActivity", "FunctionEvent", "FunctionEventAvg", "EventList"]


class ProfilerActivity(enum.Enum):
    """Accepted for PyTorch compatibility: Lucid records host-side wall time of evaluated work (any device)."""

    CPU = "cpu"
    CUDA = "cuda"
    MPS = "mps"


class FunctionEvent:
    """One recorded op or region: ``name``, ``start_us``, ``duration_us``, ``self_us``, ``shapes``, ``memory``."""

    __slots__ = ("duration_us", "kind", "memory", "name", "self_us", "shapes", "start_us", "thread")

    def __init__(self, name, start_us, duration_us, self_us, shapes, thread, memory, kind):
        self.name, self.start_us, self.duration_us, self.self_us = name, start_us, duration_us, self_us
        self.shapes, self.thread, self.memory, self.kind = shapes, thread, memory, kind

    @property
    def key(self) -> str:
        return self.name

    def __repr__(self) -> str:
        return f"<FunctionEvent {self.name} {self.duration_us:.1f}us shapes={self.shapes}>"


class FunctionEventAvg:
    """Events of one name (and input shapes, when grouped by them), summed."""

    def __init__(self, key: str, shapes=None):
        self.key, self.input_shapes = key, shapes
        self.count = 0
        self.cpu_time_total = 0.0  # microseconds
        self.self_cpu_time_total = 0.0
        self.cpu_memory_usage = 0

    def add(self, e: FunctionEvent) -> None:
        self.count += 1
        self.cpu_time_total += e.duration_us
        self.self_cpu_time_total += e.self_us
        self.cpu_memory_usage = max(self.cpu_memory_usage, e.memory or 0)

    @property
    def cpu_time(self) -> float:
        """Average time per call, microseconds."""
        return self.cpu_time_total / max(self.count, 1)

    # The device does the work timed here (Metal, CUDA or CPU): the same numbers under PyTorch's device names.
    device_time_total = cuda_time_total = property(lambda self: self.cpu_time_total)
    self_device_time_total = self_cuda_time_total = property(lambda self: self.self_cpu_time_total)

    def __repr__(self) -> str:
        return f"<FunctionEventAvg {self.key} count={self.count} total={self.cpu_time_total:.1f}us>"


_SORT_KEYS = {
    "cpu_time_total": "cpu_time_total", "self_cpu_time_total": "self_cpu_time_total", "count": "count",
    "cpu_time": "cpu_time", "cpu_time_avg": "cpu_time", "cuda_time_total": "cpu_time_total",
    "self_cuda_time_total": "self_cpu_time_total", "device_time_total": "cpu_time_total",
    "self_device_time_total": "self_cpu_time_total", "cpu_memory_usage": "cpu_memory_usage",
}


def _fmt_us(us: float) -> str:
    if us >= 1e6:
        return f"{us / 1e6:.3f}s"
    if us >= 1e3:
        return f"{us / 1e3:.3f}ms"
    return f"{us:.3f}us"


class EventList(list):
    """A list of :class:`FunctionEventAvg` (from ``key_averages``) with a printable ``table``."""

    def table(self, sort_by: str | None = None, row_limit: int = 100, **_ignored) -> str:
        """A text table, sorted by ``sort_by`` (descending; PyTorch's names, e.g. ``"cpu_time_total"``).

        Raises:
            ValueError: an unknown ``sort_by``.
        """
        rows = list(self)
        if sort_by is not None:
            if sort_by not in _SORT_KEYS:
                raise ValueError(f"table: unknown sort_by {sort_by!r}; expected one of {sorted(_SORT_KEYS)}")
            rows.sort(key=lambda r: getattr(r, _SORT_KEYS[sort_by]), reverse=True)
        if row_limit is not None and row_limit >= 0:
            rows = rows[:row_limit]
        total_self = sum(r.self_cpu_time_total for r in self) or 1.0
        shapes = any(r.input_shapes is not None for r in rows)
        head = ["Name", "Self time %", "Self time", "Total time", "Avg time", "# Calls"]
        if shapes:
            head.append("Input shapes")
        body = []
        for r in rows:
            line = [r.key, f"{100 * r.self_cpu_time_total / total_self:.2f}%", _fmt_us(r.self_cpu_time_total),
                    _fmt_us(r.cpu_time_total), _fmt_us(r.cpu_time), str(r.count)]
            if shapes:
                line.append(str(r.input_shapes))
            body.append(line)
        widths = [max(len(h), *(len(b[i]) for b in body)) if body else len(h) for i, h in enumerate(head)]
        sep = "-" * (sum(widths) + 2 * (len(widths) - 1))

        def fmt(cells):
            return "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths)))

        lines = [sep, fmt(head), sep, *(fmt(b) for b in body), sep,
                 f"Self time total: {_fmt_us(sum(r.self_cpu_time_total for r in self))}"]
        return "\n".join(lines)


# -- recording ------------------------------------------------------------------------------------------
_lock = threading.Lock()
_active: list = []  # the running profiles (the innermost last)
_patched: dict = {}


class _Frames(threading.local):
    def __init__(self):
        self.stack = []  # [child time (us)] of the open events of this thread


_frames = _Frames()


def _now_us() -> float:
    return time.perf_counter_ns() / 1e3


def _arrays(x, out):
    if isinstance(x, Tensor):
        out.append(x._data)
    elif isinstance(x, mx.array):
        out.append(x)
    elif isinstance(x, (list, tuple)):
        for y in x:
            _arrays(y, out)
    return out


def _record(name, start, end, shapes, kind):
    dur = end - start
    children = _frames.stack.pop()
    if _frames.stack:
        _frames.stack[-1] += dur
    mem = int(mx.get_active_memory()) if any(p.profile_memory for p in _active) else None
    e = FunctionEvent(name, start, dur, dur - children, shapes, threading.get_ident(), mem, kind)
    for p in _active:
        p._events.append(e)


def _timed_apply(orig, two: bool):
    def apply(cls, *args):
        ins = _arrays(args if two else args[0], [])
        if ins:
            mx.eval(ins)
        _frames.stack.append(0.0)
        start = _now_us()
        try:
            out = orig(cls, *args)
            outs = _arrays(out, [])
            if outs:
                mx.eval(outs)
        except BaseException:
            _frames.stack.pop()
            raise
        shapes = [tuple(a.shape) for a in ins] if any(p.record_shapes for p in _active) else None
        _record(cls.__name__, start, _now_us(), shapes, "op")
        return out

    return apply


def _timed_backward(orig):
    @functools.wraps(orig)
    def backward(self, *args, **kwargs):
        touched = []
        _engine._accumulate_leaf = _touching(touched, _patched["_accumulate_leaf"])
        _frames.stack.append(0.0)
        start = _now_us()
        try:
            result = orig(self, *args, **kwargs)
            grads = [t.grad._data for t in touched if t.grad is not None]
            if grads:
                mx.eval(grads)
        except BaseException:
            _frames.stack.pop()
            raise
        finally:
            _engine._accumulate_leaf = _patched["_accumulate_leaf"]
        _record("autograd::backward", start, _now_us(), None, "region")
        return result

    return backward


def _touching(touched, orig):
    def accumulate(t, g, *args, **kwargs):
        touched.append(t)
        return orig(t, g, *args, **kwargs)

    return accumulate


def _install():
    # Every Function.apply / apply2 (also bound early, as the binary ops do) ends in these two.
    _patched["_apply"] = _function._apply
    _patched["_apply2"] = _function._apply2
    _patched["backward"] = Tensor.backward
    _patched["_accumulate_leaf"] = _engine._accumulate_leaf
    _function._apply = _timed_apply(_patched["_apply"], two=False)
    _function._apply2 = _timed_apply(_patched["_apply2"], two=True)
    Tensor.backward = _timed_backward(_patched["backward"])


def _uninstall():
    _function._apply = _patched["_apply"]
    _function._apply2 = _patched["_apply2"]
    Tensor.backward = _patched["backward"]
    _engine._accumulate_leaf = _patched["_accumulate_leaf"]
    _patched.clear()


class profile:
    """Record the time of every op and region run inside the block.

    Args:
        activities: accepted for PyTorch compatibility (``ProfilerActivity``).
        record_shapes: record the input shapes of each op (for
            ``key_averages(group_by_input_shape=True)``).
        profile_memory: record MLX's active memory after each event.
        with_stack: accepted and ignored.

    Examples:
        >>> import lucid
        >>> with lucid.profiler.profile(record_shapes=True) as prof:
        ...     y = lucid.ones(4, 3) @ lucid.ones(3, 2)
        >>> [(e.key, e.count, e.input_shapes) for e in prof.key_averages(group_by_input_shape=True)]
        [('Matmul', 1, [(4, 3), (3, 2)])]
    """

    def __init__(self, activities=None, record_shapes: bool = False, profile_memory: bool = False,
                 with_stack: bool = False, **_ignored):
        self.record_shapes = bool(record_shapes)
        self.profile_memory = bool(profile_memory)
        self._events: list = []
        self._running = False

    def __enter__(self):
        with _lock:
            if not _active:
                _install()
            _active.append(self)
        self._running = True
        return self

    def __exit__(self, *exc):
        with _lock:
            _active.remove(self)
            if not _active:
                _uninstall()
        self._running = False
        return False

    def start(self):
        """Begin recording (the same as entering the ``with`` block)."""
        return self.__enter__()

    def stop(self) -> None:
        """Stop recording."""
        self.__exit__(None, None, None)

    def step(self) -> None:
        """Accepted for PyTorch's scheduled profiling; does nothing."""

    def events(self) -> list:
        """Every recorded :class:`FunctionEvent`, in the order they ended."""
        return list(self._events)

    def key_averages(self, group_by_input_shape: bool = False) -> EventList:
        """Events summed per name (and per input shapes with ``group_by_input_shape``), in first-seen order."""
        groups: dict = {}
        for e in self._events:
            shapes = e.shapes if group_by_input_shape else None
            key = (e.name, repr(shapes))
            avg = groups.get(key)
            if avg is None:
                avg = groups[key] = FunctionEventAvg(e.name, shapes)
            avg.add(e)
        return EventList(groups.values())

    def export_chrome_trace(self, path) -> None:
        """Write the events as a Chrome trace (open it in ``chrome://tracing`` or Perfetto)."""
        t0 = min((e.start_us for e in self._events), default=0.0)
        trace = [{"name": e.name, "ph": "X", "cat": e.kind, "ts": e.start_us - t0, "dur": e.duration_us,
                  "pid": os.getpid(), "tid": e.thread,
                  "args": {k: v for k, v in (("input_shapes", e.shapes), ("memory", e.memory)) if v is not None}}
                 for e in self._events]
        with open(os.fspath(path), "w", encoding="utf-8") as f:
            json.dump({"traceEvents": trace, "displayTimeUnit": "ms"}, f)


class record_function:
    """Mark a named region inside a profile (a context manager or decorator); free outside one.

    Examples:
        >>> import lucid
        >>> from lucid.profiler import profile, record_function
        >>> with profile() as prof:
        ...     with record_function("data"):
        ...         x = lucid.ones(3) * 2
        >>> [e.key for e in prof.key_averages()]
        ['Mul', 'data']
    """

    def __init__(self, name: str, args=None):
        if not isinstance(name, str):
            raise TypeError(f"record_function expects a name string, got {type(name).__name__}")
        self.name = name
        self._start = None

    def __enter__(self):
        if _active:
            _frames.stack.append(0.0)
            self._start = _now_us()
        return self

    def __exit__(self, *exc):
        if self._start is not None:
            _record(self.name, self._start, _now_us(), None, "region")
            self._start = None
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with record_function(self.name):
                return fn(*args, **kwargs)

        return wrapper
