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


class device(str):
    """A device, as ``torch.device`` spells it: ``lucid.device("cpu")``, ``lucid.device("cuda", 0)``.

    It is the device's Lucid name (``"cpu"`` or ``"gpu"``; ``"cuda"``,
    ``"mps"`` and ``"metal"`` mean the GPU), so it works wherever a device
    string does and compares equal to one; ``.type`` and ``.index`` are
    PyTorch's fields. MLX has one device of each kind, so the index is
    ``None`` or ``0``.

    Raises:
        ValueError: an unknown device name, or an index other than 0.
        TypeError: something that is not a device name.

    Examples:
        >>> import lucid
        >>> d = lucid.device("cpu")
        >>> d, d.type, d == "cpu", lucid.ones(1, device=d).device
        (device(type='cpu'), 'cpu', True, 'cpu')
        >>> lucid.device("cuda:0").index
        0
    """

    def __new__(cls, type, index: int | None = None):
        if isinstance(type, device) and index is None:
            return type
        if isinstance(type, (mx.Device, mx.DeviceType)):
            type = "gpu" if (type.type if isinstance(type, mx.Device) else type) == mx.gpu else "cpu"
        if not isinstance(type, str):
            raise TypeError(f"lucid.device expects a device name such as 'cpu' or 'gpu', got {type!r}")
        name, _, idx = type.partition(":")
        name = name.strip().lower()
        if idx:
            if index is not None:
                raise ValueError(f"lucid.device: the index is given twice, in {type!r} and as {index}")
            try:
                index = int(idx)
            except ValueError:
                raise ValueError(f"lucid.device: bad device index in {type!r}") from None
        if index is not None and index != 0:
            raise ValueError(f"lucid.device: MLX has one device of each kind, so the index must be 0, got {index}")
        if name in ("gpu", "cuda", "mps", "metal"):
            name = "gpu"
        elif name != "cpu":
            raise ValueError(f"unknown device {type!r}; expected 'cpu' or 'gpu' ('cuda' and 'mps' mean the GPU)")
        obj = str.__new__(cls, name)
        obj.index = index
        return obj

    @property
    def type(self) -> str:
        return str.__str__(self)

    def __repr__(self) -> str:
        extra = "" if self.index is None else f", index={self.index}"
        return f"device(type='{self.type}'{extra})"

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"

    __hash__ = str.__hash__

