"""The backend layer: the only place that decides how MLX is set up.

Importing this package first loads an optimized BLAS on Linux (see ``blas``),
then imports ``mlx.core``.
"""

from lucid._backend.blas import blas_hint, blas_info, load_blas

load_blas()

from lucid._backend import dtypes  # noqa: E402
from lucid._backend.device import (  # noqa: E402
    get_default_device,
    gpu_available,
    mx_device,
    normalize_device,
    run_on,
    set_default_device,
)
from lucid._backend.evaluation import eval_arrays, get_eval_budget, set_eval_budget  # noqa: E402

__all__ = [
    "blas_hint", "blas_info", "dtypes", "get_default_device", "gpu_available", "mx_device", "normalize_device",
    "run_on", "set_default_device", "eval_arrays", "get_eval_budget", "set_eval_budget",
]
