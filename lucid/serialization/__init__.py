"""``lucid.save`` and ``lucid.load``: checkpoints as safetensors plus JSON, never pickle.

A checkpoint is one safetensors file. Its tensors are stored under the keys
``"0"``, ``"1"``, ...; the nesting of dicts, lists, tuples and plain values
(optimizer state, epoch counters, ...) is stored as JSON in the file's
``__metadata__`` under ``"lucid"``, with each tensor replaced by a reference to
its key. Loading parses JSON and raw bytes only, so a checkpoint can never run
code. Writes go to a temporary file that is renamed over the target at the
end, so a crash mid-save leaves the previous file intact. The file's name does
not matter (``.pt``, ``.pth``, ``.ckpt``, ``.lucid``, none): ``load`` reads the
content, and names a file of another format (a PyTorch pickle, an ``.npz``)
with what to do about it.
"""

from __future__ import annotations

import json
import math
import os
import secrets
import stat
import tempfile
import threading
import warnings

import mlx.core as mx
import numpy as np

from lucid._backend.device import normalize_device
from lucid._backend.evaluation import eval_arrays
from lucid._tensor import Tensor
from lucid.serialization._files import write_atomic
from lucid.serialization.safetensors_io import CheckpointError, read_safetensors, write_safetensors
from lucid.serialization.state_files import (
    load_safetensors,
    load_sharded,
    safetensors_metadata,
    save_safetensors,
    save_sharded,
)

__all__ = ["save", "load", "CheckpointError", "save_safetensors", "load_safetensors", "safetensors_metadata",
           "save_sharded", "load_sharded"]

_FORMAT_VERSION = 1


def _encode(obj, arrays: dict, where: str):
    if isinstance(obj, Tensor):
        key = str(len(arrays))
        arrays[key] = obj._data
        return {"__tensor__": key}
    if isinstance(obj, mx.array):
        key = str(len(arrays))
        arrays[key] = obj
        return {"__mx__": key}
    if isinstance(obj, np.ndarray):
        key = str(len(arrays))
        arrays[key] = mx.array(obj, dtype=mx.float64) if obj.dtype == np.float64 else mx.array(obj)
        return {"__numpy__": key}
    if obj is None or isinstance(obj, (bool, str)):
        return obj
    if isinstance(obj, (int, np.integer)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        value = float(obj)
        return value if math.isfinite(value) else {"__float__": repr(value)}
    if isinstance(obj, dict):
        items = []
        for k, v in obj.items():
            if not isinstance(k, (str, int, float, bool, type(None), tuple)):
                raise TypeError(f"cannot save a dict key of type {type(k).__name__} at {where}")
            items.append([_encode(k, arrays, where), _encode(v, arrays, f"{where}[{k!r}]")])
        return {"__dict__": items}
    if isinstance(obj, list):
        return [_encode(v, arrays, f"{where}[{i}]") for i, v in enumerate(obj)]
    if isinstance(obj, tuple):
        return {"__tuple__": [_encode(v, arrays, f"{where}[{i}]") for i, v in enumerate(obj)]}
    raise TypeError(
        f"cannot save an object of type {type(obj).__name__} at {where}: lucid.save stores Tensors, "
        "mx/NumPy arrays, numbers, strings, None and dicts/lists/tuples of them (no pickle). "
        "Save a model's or optimizer's state_dict() rather than the object itself"
    )


def _decode(node, arrays: dict, device: str | None):
    if isinstance(node, list):
        return [_decode(v, arrays, device) for v in node]
    if not isinstance(node, dict):
        return node
    if "__tensor__" in node:
        arr = arrays[node["__tensor__"]]
        dev = "cpu" if arr.dtype == mx.float64 else normalize_device(device)
        return Tensor._make(arr, dev)
    if "__mx__" in node:
        return arrays[node["__mx__"]]
    if "__numpy__" in node:
        arr = arrays[node["__numpy__"]]
        return np.array(arr.astype(mx.float32)) if arr.dtype == mx.bfloat16 else np.array(arr)
    if "__float__" in node:
        return float(node["__float__"])
    if "__tuple__" in node:
        return tuple(_decode(v, arrays, device) for v in node["__tuple__"])
    if "__dict__" in node:
        return {_freeze(_decode(k, arrays, device)): _decode(v, arrays, device) for k, v in node["__dict__"]}
    raise CheckpointError(f"unknown entry in checkpoint structure: {sorted(node)}")


def _freeze(key):
    return tuple(_freeze(k) for k in key) if isinstance(key, list) else key


def save(obj, path, fsync: bool = True) -> None:
    """Save Tensors, state dicts and nested dicts/lists/tuples of Tensors and plain values to ``path``.

    The file is safetensors (tensors) plus JSON (structure); nothing is
    pickled. float64 and bfloat16 are stored exactly. The write is atomic:
    the data goes to a temporary file in the same folder, which replaces
    ``path`` only once complete (and, with ``fsync``, flushed to disk).

    Args:
        obj: a Tensor, or dicts/lists/tuples of Tensors, ``mx.array``s, NumPy
            arrays, numbers, strings, bools and ``None`` (e.g.
            ``{"model": model.state_dict(), "optim": opt.state_dict(), "epoch": 3}``).
        path: the file to write, any name (``.pt``, ``.pth``, ``.ckpt``, ``.safetensors``, ...): ``load``
            recognises the content, not the extension. A new file gets the permissions the umask gives; an
            existing one keeps its own.
        fsync: flush the file to disk before renaming it into place.

    Raises:
        TypeError: ``obj`` contains something other than the types above.

    Examples:
        >>> import lucid, tempfile, os
        >>> path = os.path.join(tempfile.mkdtemp(), "ckpt.safetensors")
        >>> lucid.save({"w": lucid.tensor([1.0, 2.0]), "epoch": 3}, path)
        >>> ckpt = lucid.load(path)
        >>> ckpt["w"].tolist(), ckpt["epoch"]
        ([1.0, 2.0], 3)
    """
    path = os.fspath(path)
    arrays: dict = {}
    structure = _encode(obj, arrays, "obj")
    eval_arrays(arrays.values())
    metadata = {"lucid": json.dumps({"version": _FORMAT_VERSION, "structure": structure})}
    write_atomic(path, lambda f: write_safetensors(f, arrays, metadata), fsync)


def _load_device(device, map_location):
    """The device of ``load``'s ``device`` and PyTorch's ``map_location`` (None: the default device)."""
    if map_location is None:
        return device
    loc = map_location
    if isinstance(loc, dict):
        targets = {normalize_device(v) for v in loc.values()}
        if len(targets) != 1:
            raise TypeError(f"map_location: Lucid places a whole checkpoint on one device, got the mapping {loc!r}")
        loc = targets.pop()
    elif callable(loc) and not isinstance(loc, str):
        raise TypeError("map_location: a function is not supported (Lucid has no storages to remap); pass a "
                        "device such as 'cpu'")
    loc = normalize_device(loc)
    if device is not None and normalize_device(device) != loc:
        raise ValueError(f"load: device={device!r} and map_location={map_location!r} disagree; pass one of them")
    return loc


def load(path, device=None, *, map_location=None, weights_only: bool = True, mmap=None):
    """Load what ``lucid.save`` wrote, whatever the file's name; a plain safetensors file loads as a dict of Tensors.

    The format is recognised from the file's content, never its extension.
    Nothing is unpickled, so loading a file cannot run code: a PyTorch
    checkpoint, a pickle, an ``.npz``/``.npy``, HDF5 or GGUF file is reported
    with what it is and how to convert it.

    Args:
        path: the file (any name), or an open binary file object (``open(p, "rb")``, ``io.BytesIO``),
            read from its current position to the end.
        device: where Tensors go (default: ``lucid.get_default_device()``;
            float64 always loads on the CPU).
        map_location: PyTorch's name for ``device``: a device name,
            ``lucid.device``, ``mx.Device``, or a dict whose values all name
            one device (``{"cuda:0": "cpu"}``).
        weights_only: Lucid only ever loads tensors and plain containers
            (it never unpickles), which is PyTorch's ``weights_only=True``;
            ``False`` loads the same and warns that it means nothing more here.
        mmap: accepted for PyTorch compatibility and ignored (MLX reads the
            file in one pass).

    Returns:
        The saved object, with Tensors as ``lucid.Tensor`` (not requiring grad).

    Raises:
        FileNotFoundError: no such file.
        CheckpointError: (a ``ValueError``) the file is empty, truncated or
            corrupt, or of another format (the message says which and what to do).
        TypeError: a ``map_location`` that is not a device (a function, say).
        ValueError: ``device`` and ``map_location`` that disagree.

    Examples:
        >>> import lucid, tempfile, os
        >>> path = os.path.join(tempfile.mkdtemp(), "model.pt")
        >>> lucid.save(lucid.tensor([1.5], dtype=lucid.float64), path)
        >>> lucid.load(path).dtype
        lucid.float64
        >>> import io
        >>> with open(path, "rb") as f:
        ...     lucid.load(f).tolist()
        [1.5]
    """
    device = _load_device(device, map_location)
    if weights_only is not True:
        warnings.warn("lucid.load never unpickles objects: weights_only=False loads tensors and plain containers "
                      "exactly as weights_only=True does (save a model's state_dict(), not the model)",
                      UserWarning, stacklevel=2)
    del mmap
    if hasattr(path, "read"):
        return _load_fileobj(path, device)
    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"no checkpoint at {path}")
    if os.path.isdir(path):
        raise IsADirectoryError(f"{path} is a folder, not a checkpoint file")
    arrays, metadata = read_safetensors(path)
    if "lucid" not in metadata:
        return {name: _decode({"__tensor__": name}, arrays, device) for name in arrays}
    try:
        info = json.loads(metadata["lucid"])
        structure = info["structure"]
    except (json.JSONDecodeError, KeyError, TypeError):
        raise CheckpointError(f"{path}: its Lucid metadata is corrupt") from None
    if info.get("version", 0) > _FORMAT_VERSION:
        raise CheckpointError(f"{path} was written by a newer Lucid (format {info['version']}); upgrade Lucid")
    try:
        return _decode(structure, arrays, device)
    except KeyError as exc:
        raise CheckpointError(f"{path}: the structure refers to a missing tensor {exc}") from None


def _load_fileobj(fileobj, device):
    """``load`` of an open binary file object: its bytes go through a temporary file (MLX reads files)."""
    data = fileobj.read()
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError(f"load: the file object must be opened in binary mode ('rb'), got {type(data).__name__} "
                        "from its read()")
    label = f"<file object {getattr(fileobj, 'name', type(fileobj).__name__)}>"
    with tempfile.TemporaryDirectory() as folder:
        tmp = os.path.join(folder, "checkpoint")
        with open(tmp, "wb") as f:
            f.write(data)
        try:
            obj = load(tmp, device)
        except CheckpointError as exc:
            raise CheckpointError(str(exc).replace(tmp, label)) from None
        # Loading is lazy (mx.load maps the file): materialise before the file goes.
        eval_arrays(_arrays_in(obj))
    return obj


def _arrays_in(obj) -> list:
    if isinstance(obj, Tensor):
        return [obj._data]
    if isinstance(obj, mx.array):
        return [obj]
    if isinstance(obj, dict):
        return [a for v in obj.values() for a in _arrays_in(v)]
    if isinstance(obj, (list, tuple)):
        return [a for v in obj for a in _arrays_in(v)]
    return []
