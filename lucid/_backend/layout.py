"""Which lazy arrays are channels-first views of channels-last memory, and binary ops that keep that layout.

Convolutions, batch norm and pooling compute on channels-last memory
``(N, *S, C)`` and hand back channels-first views ``(N, C, *S)`` of it (see
``lucid.nn.functional._kernels``). MLX runs a binary op at full speed, and
keeps its inputs' layout, only when both inputs are row-contiguous (or one is
a scalar): two channels-first *views*, as in a residual block's
``out + identity``, take MLX's general strided loop, and its result is laid out
channels-first, so the next convolution copies it back to channels-last
(ResNet-50 inference: 16 of 16 residual sums, measured 1.2x slower than the
same network in channels-last ``mlx.nn``).

The layout of a lazy array is not visible before evaluation, so the ops that
produce such views record them with :func:`mark`, and binary arithmetic asks
:func:`prefers_last`: when either input is a recorded view, it computes on
the channels-last views of both (row-contiguous, so the fast loop runs) and
returns the channels-first view of the result (recorded in turn). The record
is a weak reference per array: it goes when the array is freed.

Examples:
    >>> import mlx.core as mx
    >>> from lucid._backend import layout
    >>> a = layout.to_first(mx.zeros((2, 4, 4, 3)))  # a recorded (2, 3, 4, 4) view
    >>> layout.prefers_last(a, mx.ones((2, 3, 4, 4)))
    True
    >>> layout.elementwise(mx.add, a, mx.ones((2, 3, 4, 4))).shape
    (2, 3, 4, 4)
"""

from __future__ import annotations

import weakref

import mlx.core as mx

__all__ = ["to_last", "to_first", "mark", "is_marked", "prefers_last", "binary", "elementwise", "concatenate",
           "views"]

#: ``id(array) -> weakref`` of every live array recorded as a channels-first view of channels-last
#: memory. Binary ops test ``if views`` first, so programs without images pay one truthiness test.
views: dict = {}


def mark(y: mx.array) -> mx.array:
    """Record ``y`` (a channels-first view of channels-last memory) and return it."""
    key = id(y)
    views[key] = weakref.ref(y, lambda _, key=key: views.pop(key, None))
    return y


def to_last(x: mx.array) -> mx.array:
    """``(N, C, *S)`` as a channels-last view ``(N, *S, C)`` (no copy)."""
    return mx.moveaxis(x, 1, -1)


def to_first(x: mx.array) -> mx.array:
    """``(N, *S, C)`` as a channels-first view ``(N, C, *S)`` (no copy), recorded with :func:`mark`."""
    return mark(mx.moveaxis(x, -1, 1))


def is_marked(a) -> bool:
    """Whether ``a`` was recorded by :func:`mark` (and is still alive)."""
    ref = views.get(id(a))
    return ref is not None and ref() is a


def prefers_last(a, b) -> bool:
    """Whether ``op(a, b)`` should run on channels-last views: both arrays of the same rank >= 4, one recorded."""
    return (type(a) is mx.array and type(b) is mx.array and a.ndim >= 4 and a.ndim == b.ndim
            and (is_marked(a) or is_marked(b)))


def binary(fn, a: mx.array, b: mx.array) -> mx.array:
    """``fn(a, b)`` computed on the channels-last views of ``a`` and ``b``, as a recorded channels-first view."""
    return to_first(fn(to_last(a), to_last(b)))


def elementwise(fn, a, b):
    """``fn(a, b)`` (an elementwise MLX op), through :func:`binary` when :func:`prefers_last` says so."""
    if views and prefers_last(a, b):
        return binary(fn, a, b)
    return fn(a, b)


def concatenate(arrays, axis: int) -> mx.array:
    """``mx.concatenate(arrays, axis)``, on channels-last views when one input of rank >= 4 is a recorded view.

    DenseNet's feature concatenation along the channel axis then stays
    channels-last, so the next convolution reads it without a copy.
    """
    first = arrays[0]
    if views and first.ndim >= 4 and any(is_marked(a) for a in arrays):
        last = -1 if axis == 1 else axis if axis == 0 else axis - 1
        return to_first(mx.concatenate([to_last(a) for a in arrays], axis=last))
    return mx.concatenate(arrays, axis=axis)
