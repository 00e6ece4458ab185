"""Use an optimized BLAS for MLX's CPU kernels on Linux.

MLX's Linux wheel links a reference BLAS. When a BLAS exporting the standard
symbols is loaded with ``RTLD_GLOBAL`` *before* ``mlx.core`` is imported, the
dynamic linker resolves MLX's ``cblas_sgemm`` and friends to it instead.
Measured on a 2-core x86-64 box: a 1024x1024 float32 matmul takes 413 ms with
the reference BLAS, 23.5 ms with OpenBLAS on one thread and 11.8 ms on two.

Control it with the environment variable ``LUCID_BLAS``:

* unset or ``auto``: load the first OpenBLAS found (Debian: ``libopenblas0-pthread``);
* ``0``, ``off`` or ``none``: leave MLX's bundled BLAS alone;
* a path: load that shared library.

OpenBLAS sizes its thread pool itself (``OPENBLAS_NUM_THREADS`` overrides it);
Lucid does not change it: the second thread halves the time of a large matmul.

This module must run before anything imports ``mlx.core``; ``lucid/__init__``
imports it first.

PyTorch in the same process
---------------------------
A library loaded with ``RTLD_GLOBAL`` interposes its symbols on every library
loaded *after* it. PyTorch's ``libtorch_cpu.so`` exports and calls its bundled
MKL through the standard names (``sgemm_``, ``dgemm_``, LAPACK's ``sgesdd_``
... 102 symbols), so if ``torch`` is imported after ``lucid`` its matrix
products and factorizations run on this OpenBLAS (checked with
``LD_DEBUG=bindings``), outside PyTorch's OpenMP thread team. The team's
threads keep spinning while OpenBLAS works, and on a machine with few free
cores the two pools starve each other. Measured on a shared 2-core box, a
PyTorch MLP training step (784-512-512-10, batch 128, 2 threads; medians of
five processes): 28 ms without the preload, 23 ms with torch imported before
lucid, 97 ms with OpenBLAS preloaded (on an idle moment: 5 ms against 32 ms).
Tiny ops that never call BLAS are unaffected. Capping OpenBLAS's threads does
not cure it (one OpenBLAS thread: 43 ms, as the spinning OpenMP threads still
compete with the caller), and a library cannot be taken out of the global
scope once loaded, so Lucid cannot prevent it itself. Any one of these avoids
it:

* ``import torch`` before ``import lucid`` (PyTorch then binds to its own MKL;
  MLX still gets OpenBLAS);
* ``torch.set_num_threads(1)`` or ``OMP_WAIT_POLICY=passive`` (15 ms; these
  also keep PyTorch steady when other processes load the machine);
* ``LUCID_BLAS=off`` (MLX then uses its slow reference BLAS).

``blas_info()`` says when PyTorch was imported after the BLAS was loaded.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import glob
import os
import sys

__all__ = ["load_blas", "blas_info", "blas_hint"]

_CANDIDATES = (
    "/usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblas.so.0",
    "/usr/lib/aarch64-linux-gnu/openblas-pthread/libopenblas.so.0",
    "/usr/lib/x86_64-linux-gnu/libopenblas.so.0",
    "/usr/lib/aarch64-linux-gnu/libopenblas.so.0",
    "/usr/lib64/libopenblas.so.0",
    "/usr/lib/libopenblas.so.0",
)

_state = {"library": None, "reason": "not attempted", "torch_before": False}


def _find_openblas() -> str | None:
    for path in _CANDIDATES:
        if os.path.exists(path):
            return path
    for path in sorted(glob.glob("/usr/lib/*/openblas*/libopenblas*.so*")):
        return path
    return ctypes.util.find_library("openblas")


def load_blas() -> None:
    """Load an optimized BLAS globally, once, if the platform and settings allow it.

    Never raises: the outcome (and why nothing was loaded) is kept for
    ``blas_info()``.
    """
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
        ctypes.CDLL(path, mode=ctypes.RTLD_GLOBAL)
    except OSError as exc:
        _state["reason"] = f"could not load {path}: {exc}"
        return
    _state["library"] = path
    _state["reason"] = "loaded"
    _state["torch_before"] = "torch" in sys.modules


def blas_info() -> str:
    """Describe which BLAS MLX's CPU kernels use in this process.

    Examples:
        >>> import lucid
        >>> isinstance(lucid.blas_info(), str)
        True
    """
    if _state["library"]:
        text = f"OpenBLAS ({_state['library']})"
        if "torch" in sys.modules and not _state["torch_before"]:
            text += ("; note: torch was imported after lucid, so its matrix products also run on this "
                     "OpenBLAS (import torch first, see lucid._backend.blas)")
        return text
    if sys.platform == "darwin":
        return "Accelerate (macOS)"
    return f"MLX bundled reference BLAS ({_state['reason']})"


def blas_hint() -> str | None:
    """A one-line suggestion when MLX's reference BLAS is in use on Linux; ``None`` otherwise.

    Matrix-heavy CPU work (the training example) runs several times faster on
    OpenBLAS; ``make train`` and ``python -m lucid info`` print this line so a
    slow first run explains itself. Nothing is suggested when ``LUCID_BLAS``
    turned the BLAS off on purpose.

    Examples:
        >>> import lucid
        >>> hint = lucid.blas_hint()
        >>> hint is None or hint.startswith("hint:")
        True
    """
    if _state["library"] or not sys.platform.startswith("linux") or _state["reason"] == "disabled by LUCID_BLAS":
        return None
    return ("hint: MLX's slow reference BLAS is in use; install OpenBLAS for about 5x faster CPU training "
            "(sudo apt-get install libopenblas0-pthread), see the README")
