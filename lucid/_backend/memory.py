"""Memory statistics of MLX's allocator, under PyTorch's ``torch.cuda`` names.

MLX has one allocator per process (unified memory on Apple silicon; device
memory on CUDA; host memory on the CPU backend): the functions take an
optional ``device`` for PyTorch compatibility and ignore it. Numbers are
bytes. MLX keeps freed buffers in a cache for reuse: ``memory_allocated``
counts live arrays only, ``memory_reserved`` adds the cache.
"""

from __future__ import annotations

import numbers

import mlx.core as mx

__all__ = ["memory_allocated", "max_memory_allocated", "reset_peak_memory_stats", "memory_reserved", "empty_cache",
           "set_memory_limit", "get_memory_limit"]


def memory_allocated(device=None) -> int:
    """Bytes held by live arrays now.

    Examples:
        >>> import lucid
        >>> x = lucid.ones(1024, 1024); lucid.eval(x)
        >>> lucid.memory_allocated() >= 4 * 1024 * 1024
        True
    """
    return int(mx.get_active_memory())


def max_memory_allocated(device=None) -> int:
    """The peak of :func:`memory_allocated` since the start or the last :func:`reset_peak_memory_stats`.

    Examples:
        >>> import lucid
        >>> lucid.max_memory_allocated() >= lucid.memory_allocated()
        True
    """
    return int(mx.get_peak_memory())


def reset_peak_memory_stats(device=None) -> None:
    """Restart :func:`max_memory_allocated` from the current allocation.

    Examples:
        >>> import lucid
        >>> lucid.reset_peak_memory_stats()
    """
    mx.reset_peak_memory()


def memory_reserved(device=None) -> int:
    """Bytes held by live arrays plus MLX's cache of freed buffers.

    Examples:
        >>> import lucid
        >>> lucid.memory_reserved() >= lucid.memory_allocated()
        True
    """
    return int(mx.get_active_memory() + mx.get_cache_memory())


def empty_cache() -> None:
    """Return MLX's cached (freed, not yet reused) buffers to the system.

    Examples:
        >>> import lucid
        >>> lucid.empty_cache()
    """
    mx.clear_cache()


def set_memory_limit(limit: int) -> int:
    """Set MLX's memory limit in bytes (a guideline: past it, MLX waits for or frees buffers); returns the old one.

    Raises:
        TypeError: ``limit`` is not an int. ValueError: it is negative.

    Examples:
        >>> import lucid
        >>> old = lucid.set_memory_limit(2**33)
        >>> lucid.get_memory_limit()
        8589934592
        >>> _ = lucid.set_memory_limit(old)
    """
    if isinstance(limit, bool) or not isinstance(limit, numbers.Integral):
        raise TypeError(f"set_memory_limit expects an int number of bytes, got {type(limit).__name__}")
    if limit < 0:
        raise ValueError(f"set_memory_limit expects a non-negative number of bytes, got {limit}")
    return int(mx.set_memory_limit(int(limit)))


def get_memory_limit() -> int:
    """MLX's current memory limit in bytes.

    Examples:
        >>> import lucid
        >>> lucid.get_memory_limit() > 0
        True
    """
    return int(mx.get_memory_limit())
