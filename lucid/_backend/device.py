"""Device names ("cpu", "gpu") and their MLX devices."""

from __future__ import annotations

import sys

import mlx.core as mx

__all__ = ["gpu_available", "get_default_device", "set_default_device", "normalize_device", "mx_device", "run_on"]


def gpu_available() -> bool:
    """True when MLX has a GPU backend here (Metal on a Mac, CUDA with ``mlx[cuda]``).

    Examples:
        >>> import lucid
        >>> lucid.gpu_available() in (True, False)
        True
    """
    return bool(mx.metal.is_available() or mx.cuda.is_available())


_GPU = gpu_available()
_default = ["gpu" if _GPU else "cpu"]


def _no_gpu_message() -> str:
    if sys.platform == "darwin":
        how = "MLX's Metal backend needs an Apple-silicon Mac (pip install mlx)"
    else:
        how = "on Linux install MLX's CUDA backend with `pip install 'lucid[cuda]'` on a machine with an NVIDIA GPU"
    return f"device 'gpu' was requested but MLX has no GPU backend here; use device='cpu', or {how}"


def normalize_device(device) -> str:
    """Turn ``None``, ``"cpu"``, ``"gpu"``, ``"cuda"``, ``"mps"`` or an MLX device into "cpu"/"gpu".

    Raises:
        RuntimeError: a GPU is asked for where MLX has none (the message says how to get one).
        ValueError: an unknown device name.
        TypeError: something that is not a device at all.

    Examples:
        >>> from lucid._backend import normalize_device
        >>> normalize_device("cpu:0")
        'cpu'
    """
    if device is None:
        return _default[0]
    if isinstance(device, str):
        name = device.split(":")[0].strip().lower()
    elif isinstance(device, mx.Device):
        name = "gpu" if device.type == mx.gpu else "cpu"
    elif isinstance(device, mx.DeviceType):
        name = "gpu" if device == mx.gpu else "cpu"
    else:
        raise TypeError(f"device must be 'cpu' or 'gpu', got {device!r} ({type(device).__name__})")
    if name in ("gpu", "cuda", "mps", "metal"):
        if not _GPU:
            raise RuntimeError(_no_gpu_message())
        return "gpu"
    if name == "cpu":
        return "cpu"
    raise ValueError(f"unknown device {device!r}; expected 'cpu' or 'gpu'")


def get_default_device() -> str:
    """The device new tensors go to: "gpu" where MLX has one, else "cpu".

    Examples:
        >>> import lucid
        >>> lucid.get_default_device() in ("cpu", "gpu")
        True"""
    return _default[0]


def set_default_device(device) -> None:
    """Make ``device`` ("cpu" or "gpu") the default for new tensors and for MLX's kernels.

    Examples:
        >>> import lucid
        >>> lucid.set_default_device("cpu"); lucid.get_default_device()
        'cpu'
    """
    name = normalize_device(device)
    _default[0] = name
    mx.set_default_device(mx.gpu if name == "gpu" else mx.cpu)


def mx_device(name: str) -> mx.Device:
    return mx.Device(mx.gpu) if name == "gpu" else mx.Device(mx.cpu)


def run_on(name: str):
    """Context manager that sends MLX's kernels to device ``name``."""
    return mx.stream(mx.gpu if name == "gpu" else mx.cpu)


# MLX picks the GPU by default where it has one; keep MLX and Lucid in step.
mx.set_default_device(mx.gpu if _GPU else mx.cpu)
