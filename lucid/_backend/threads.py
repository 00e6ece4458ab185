"""``set_num_threads`` / ``get_num_threads``: the CPU thread count Lucid can actually control.

MLX exposes no thread-count setting (``mlx.core`` 0.32 has none): its CPU
kernels and its GPU streams schedule their own threads. What Lucid can
control on Linux is the OpenBLAS that ``lucid._backend.blas`` loads for MLX's
matrix products: its thread pool is set through OpenBLAS's own
``openblas_set_num_threads``. Elsewhere (macOS's Accelerate, MLX's bundled
reference BLAS) the number is only remembered, so ``get_num_threads`` returns
what was set, and the work runs as MLX schedules it.
"""

from __future__ import annotations

import ctypes
import numbers
import os

from lucid._backend import blas

__all__ = ["set_num_threads", "get_num_threads"]

_requested: list = [None]


def _openblas():
    """OpenBLAS's thread functions when Lucid loaded OpenBLAS, else ``None``."""
    path = blas._state["library"]
    if not path:
        return None
    try:
        lib = ctypes.CDLL(path)
        return lib.openblas_set_num_threads, lib.openblas_get_num_threads
    except (OSError, AttributeError):
        return None


def set_num_threads(n: int) -> None:
    """Set the number of threads used by CPU matrix products (intra-op parallelism).

    On Linux with the OpenBLAS that Lucid loads (see ``lucid.blas_info()``)
    this sets OpenBLAS's thread pool, which MLX's CPU matrix products run on.
    MLX itself has no thread-count setting: its other CPU kernels and the GPU
    schedule their own threads, so elsewhere the number is only recorded and
    returned by :func:`get_num_threads`.

    Args:
        n: a positive int.

    Raises:
        TypeError: ``n`` is not an int.
        ValueError: ``n`` is less than 1.

    Examples:
        >>> import lucid
        >>> before = lucid.get_num_threads()
        >>> lucid.set_num_threads(1)
        >>> lucid.get_num_threads()
        1
        >>> lucid.set_num_threads(before)
    """
    if isinstance(n, bool) or not isinstance(n, numbers.Integral):
        raise TypeError(f"set_num_threads expects a positive int, got {type(n).__name__}")
    if n < 1:
        raise ValueError(f"set_num_threads expects a positive int, got {n}")
    fns = _openblas()
    if fns is not None:
        fns[0](ctypes.c_int(int(n)))
    _requested[0] = int(n)


def get_num_threads() -> int:
    """The number of threads for CPU matrix products (see :func:`set_num_threads`).

    OpenBLAS's current pool size when Lucid loaded OpenBLAS; otherwise the
    last number set, or the number of CPUs available to this process.

    Examples:
        >>> import lucid
        >>> lucid.get_num_threads() >= 1
        True
    """
    fns = _openblas()
    if fns is not None:
        return int(fns[1]())
    if _requested[0] is not None:
        return _requested[0]
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1
