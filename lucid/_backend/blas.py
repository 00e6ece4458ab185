"""Use an optimized BLAS for MLX's CPU kernels on Linux.

MLX's Linux wheel links a reference BLAS. When a BLAS exporting the standard
symbols is loaded with ``RTLD_GLOBAL`` *before* ``mlx.core`` is imported, the
dynamic linker resolves MLX's ``cblas_sgemm`` and friends to it instead
(measured: a 1024x1024 float32 matmul about 17x faster with OpenBLAS).

Control it with the environment variable ``LUCID_BLAS``:

* unset or ``auto``: load the first OpenBLAS found (Debian: ``libopenblas0-pthread``);
* ``0``, ``off`` or ``none``: leave MLX's bundled BLAS alone;
* a path: load that shared library.

This module must run before anything imports ``mlx.core``; ``lucid/__init__``
imports it first.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import glob
import os
import sys

__all__ = ["load_blas", "blas_info"]

_CANDIDATES = (
    "/usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblas.so.0",
    "/usr/lib/aarch64-linux-gnu/openblas-pthread/libopenblas.so.0",
    "/usr/lib/x86_64-linux-gnu/libopenblas.so.0",
    "/usr/lib/aarch64-linux-gnu/libopenblas.so.0",
    "/usr/lib64/libopenblas.so.0",
    "/usr/lib/libopenblas.so.0",
)

_state = {"library": None, "reason": "not attempted"}


def _find_openblas() -> str | None:
    for path in _CANDIDATES:
        if os.path.exists(path):
            return path
    for path in sorted(glob.glob("/usr/lib/*/openblas*/libopenblas*.so*")):
        return path
    name = ctypes.util.find_library("openblas")
    return name


def _limit_threads(lib: ctypes.CDLL) -> None:
    # OpenBLAS's pthread build keeps its worker threads spinning for a while
    # after each call. With more workers than idle cores those spinners steal
    # the CPU from every other thread pool in the process (PyTorch's OpenMP
    # pool, MLX's own CPU threads), which is what made PyTorch ~5x slower when
    # it shared a process with an unconfigured OpenBLAS. Unless the user chose
    # a count, cap the workers to the cores this process may use.
    if "OPENBLAS_NUM_THREADS" in os.environ or "OMP_NUM_THREADS" in os.environ:
        return
    setter = getattr(lib, "openblas_set_num_threads", None)
    if setter is None:
        return
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cores = os.cpu_count() or 1
    setter(ctypes.c_int(max(1, cores)))


def load_blas() -> None:
    """Load an optimized BLAS globally, once, if the platform and settings allow it."""
    if _state["library"] is not None or _state["reason"] != "not attempted":
        return
    if not sys.platform.startswith("linux"):
        _state["reason"] = "not Linux: MLX uses Accelerate or its GPU backend"
        return
    choice = os.environ.get("LUCID_BLAS", "auto").strip()
    if choice.lower() in ("0", "off", "none", "false", "no"):
        _state["reason"] = "disabled by LUCID_BLAS"
        return
    if "mlx.core" in sys.modules:
        _state["reason"] = "mlx.core was imported before lucid; import lucid first to use an optimized BLAS"
        return
    path = _find_openblas() if choice.lower() in ("", "auto") else choice
    if not path:
        _state["reason"] = "no OpenBLAS found (apt-get install libopenblas0-pthread)"
        return
    try:
        lib = ctypes.CDLL(path, mode=ctypes.RTLD_GLOBAL)
    except OSError as exc:
        _state["reason"] = f"could not load {path}: {exc}"
        return
    _limit_threads(lib)
    _state["library"] = path
    _state["reason"] = "loaded"


def blas_info() -> str:
    """Describe which BLAS MLX's CPU kernels use in this process.

    Example:
        >>> import lucid
        >>> isinstance(lucid.blas_info(), str)
        True
    """
    if _state["library"]:
        return f"OpenBLAS ({_state['library']})"
    if sys.platform == "darwin":
        return "Accelerate (macOS)"
    return f"MLX bundled reference BLAS ({_state['reason']})"
