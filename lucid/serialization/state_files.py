"""Plain safetensors files and Hugging Face-style sharded checkpoints of a flat ``state_dict``.

``lucid.save`` stores any nesting of tensors and plain values, with Lucid's
own structure in the file's metadata. The functions here store a flat
``{name: tensor}`` dict under its own names, the layout the ``safetensors``
library, PyTorch and Hugging Face read:

* :func:`save_safetensors` / :func:`load_safetensors`: one file, with optional
  string metadata (read back with :func:`safetensors_metadata`).
* :func:`save_sharded` / :func:`load_sharded`: a folder of shards
  ``model-00001-of-00003.safetensors``, ... and the index
  ``model.safetensors.index.json`` (``{"metadata": {"total_size": N},
  "weight_map": {name: shard}}``).

Every file is written atomically (a temporary file renamed into place);
nothing is pickled.
"""

from __future__ import annotations

import json
import os
import re

import mlx.core as mx
import numpy as np

from lucid._backend.device import normalize_device
from lucid._backend.evaluation import eval_arrays
from lucid._tensor import Tensor
from lucid.serialization._files import write_atomic
from lucid.serialization.safetensors_io import CheckpointError, read_header, read_safetensors, write_safetensors

__all__ = ["save_safetensors", "load_safetensors", "safetensors_metadata", "save_sharded", "load_sharded",
           "INDEX_NAME"]

INDEX_NAME = "model.safetensors.index.json"
_UNITS = {"": 1, "B": 1, "KB": 10**3, "MB": 10**6, "GB": 10**9, "TB": 10**12,
          "KIB": 2**10, "MIB": 2**20, "GIB": 2**30, "TIB": 2**40}


def _arrays(state_dict, fn: str) -> dict:
    """``{name: evaluated mx.array}`` from a flat dict of Tensors / mx arrays / NumPy arrays."""
    if not isinstance(state_dict, dict):
        raise TypeError(f"{fn}: expected a dict of name -> Tensor (e.g. model.state_dict()), "
                        f"got {type(state_dict).__name__}")
    arrays = {}
    for name, value in state_dict.items():
        if not isinstance(name, str):
            raise TypeError(f"{fn}: keys must be strings, got {name!r} ({type(name).__name__})")
        if name == "__metadata__":
            raise ValueError(f"{fn}: the key '__metadata__' is reserved by the safetensors format")
        if isinstance(value, Tensor):
            arr = value._data
        elif isinstance(value, mx.array):
            arr = value
        elif isinstance(value, np.ndarray):
            arr = mx.array(value, dtype=mx.float64) if value.dtype == np.float64 else mx.array(value)
        else:
            raise TypeError(f"{fn}: the value of {name!r} is a {type(value).__name__}; a safetensors file holds "
                            "only tensors (Tensor, mx.array or NumPy array). Use lucid.save for nested "
                            "structures and plain values")
        arrays[name] = arr
    eval_arrays(arrays.values())
    return arrays


def _check_metadata(metadata, fn: str) -> dict | None:
    if metadata is None:
        return None
    if not isinstance(metadata, dict) or not all(isinstance(k, str) and isinstance(v, str)
                                                 for k, v in metadata.items()):
        raise TypeError(f"{fn}: metadata must be a dict of str -> str (as the safetensors format requires), "
                        f"got {metadata!r}")
    if "lucid" in metadata:
        raise ValueError(f"{fn}: the metadata key 'lucid' is reserved for lucid.save's structure")
    return dict(metadata)


def _tensors(arrays: dict, device) -> dict:
    dev = normalize_device(device)
    return {name: Tensor._make(arr, "cpu" if arr.dtype == mx.float64 else dev) for name, arr in arrays.items()}


def save_safetensors(state_dict: dict, path, metadata: dict | None = None, fsync: bool = True) -> None:
    """Save a flat ``{name: tensor}`` dict as a plain safetensors file, under its own names.

    The file is what the ``safetensors`` library writes, so
    ``safetensors.numpy.load_file``, ``safetensors.torch.load_file`` and
    Hugging Face read it. The write is atomic.

    Args:
        state_dict: names -> Tensors, ``mx.array``s or NumPy arrays (e.g. ``model.state_dict()``).
        path: the file to write.
        metadata: optional string -> string pairs stored in the header
            (read back with :func:`safetensors_metadata`).
        fsync: flush the file to disk before renaming it into place.

    Raises:
        TypeError: ``state_dict`` is not a dict of string keys and tensors, or ``metadata`` is not str -> str.
        ValueError: a reserved key (``"__metadata__"``, or ``"lucid"`` in ``metadata``).

    Examples:
        >>> import lucid, tempfile, os
        >>> path = os.path.join(tempfile.mkdtemp(), "model.safetensors")
        >>> lucid.save_safetensors({"w": lucid.tensor([1.0, 2.0])}, path, metadata={"epoch": "3"})
        >>> lucid.load_safetensors(path)["w"].tolist()
        [1.0, 2.0]
        >>> lucid.serialization.safetensors_metadata(path)
        {'epoch': '3'}
    """
    path = os.fspath(path)
    arrays = _arrays(state_dict, "save_safetensors")
    meta = _check_metadata(metadata, "save_safetensors")
    write_atomic(path, lambda f: write_safetensors(f, arrays, meta), fsync)


def load_safetensors(path, device=None) -> dict:
    """Load every tensor of a safetensors file (from any writer) as ``{name: Tensor}``.

    Args:
        path: the file.
        device: where Tensors go (default: ``lucid.get_default_device()``; float64 always loads on the CPU).

    Raises:
        FileNotFoundError: no such file.
        CheckpointError: (a ``ValueError``) the file is truncated, corrupt or not safetensors.

    Examples:
        >>> import lucid, tempfile, os
        >>> path = os.path.join(tempfile.mkdtemp(), "m.safetensors")
        >>> lucid.save_safetensors({"b": lucid.tensor([True, False])}, path)
        >>> lucid.load_safetensors(path)["b"].dtype
        lucid.bool
    """
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"no safetensors file at {path}")
    arrays, _ = read_safetensors(path)
    return _tensors(arrays, device)


def safetensors_metadata(path) -> dict:
    """The string metadata stored in a safetensors file's header (``{}`` when there is none).

    Examples:
        >>> import lucid, tempfile, os
        >>> path = os.path.join(tempfile.mkdtemp(), "m.safetensors")
        >>> lucid.save_safetensors({"w": lucid.zeros(2)}, path)
        >>> lucid.serialization.safetensors_metadata(path)
        {}
    """
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"no safetensors file at {path}")
    return dict(read_header(path)[1])


def _parse_size(size, fn: str) -> int:
    if isinstance(size, bool) or not isinstance(size, (int, str)):
        raise TypeError(f"{fn}: max_shard_size must be an int (bytes) or a string such as '5GB' or '500MiB', "
                        f"got {size!r}")
    if isinstance(size, str):
        match = re.fullmatch(r"\s*(\d+(?:\.\d*)?)\s*([KMGT]?I?B)?\s*", size.upper())
        if match is None:
            raise ValueError(f"{fn}: cannot read max_shard_size {size!r}; expected e.g. '5GB', '500MB', "
                             "'2GiB' or a number of bytes")
        size = int(float(match.group(1)) * _UNITS[match.group(2) or ""])
    if size <= 0:
        raise ValueError(f"{fn}: max_shard_size must be positive, got {size}")
    return size


def _shard_name(i: int, n: int) -> str:
    return f"model-{i:05d}-of-{n:05d}.safetensors"


def _read_index(index_path: str) -> dict:
    try:
        with open(index_path, encoding="utf-8") as f:
            index = json.load(f)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CheckpointError(f"{index_path}: not a valid index file ({exc})") from None
    weight_map = index.get("weight_map") if isinstance(index, dict) else None
    if not isinstance(weight_map, dict) or not all(isinstance(k, str) and isinstance(v, str)
                                                   for k, v in weight_map.items()):
        raise CheckpointError(f"{index_path}: an index needs a 'weight_map' of tensor name -> shard file name")
    for shard in set(weight_map.values()):
        if os.path.basename(shard) != shard or shard in ("", ".", ".."):
            raise CheckpointError(f"{index_path}: shard {shard!r} is not a file name in the index's folder")
    return weight_map


def save_sharded(state_dict: dict, directory, max_shard_size: int | str = "5GB") -> list[str]:
    """Save a flat ``state_dict`` as safetensors shards plus a Hugging Face index, in ``directory``.

    Tensors are placed in order into shards of at most ``max_shard_size``
    bytes; a tensor larger than that gets a shard of its own. The shards are
    named ``model-00001-of-00003.safetensors``, ... and the index
    ``model.safetensors.index.json`` holds ``{"metadata": {"total_size": N},
    "weight_map": {name: shard}}`` (``N``: the bytes of all tensors), the
    layout ``transformers`` and ``huggingface_hub`` read. Each file is written
    atomically, the index last; shards a previous index named that the new one
    does not are removed.

    Args:
        state_dict: names -> Tensors, ``mx.array``s or NumPy arrays.
        directory: the folder (created if needed).
        max_shard_size: bytes (int) or a size string: ``"5GB"`` (10**9 bytes per GB), ``"500MB"``,
            ``"2GiB"`` (2**30 bytes per GiB).

    Returns:
        The shard paths written.

    Raises:
        TypeError: a non-tensor value or non-string key, or a ``max_shard_size`` of another type.
        ValueError: a ``max_shard_size`` that cannot be read or is not positive.

    Examples:
        >>> import lucid, tempfile, os
        >>> folder = tempfile.mkdtemp()
        >>> state = {"a": lucid.zeros(100), "b": lucid.zeros(100)}  # 400 bytes each
        >>> [os.path.basename(p) for p in lucid.save_sharded(state, folder, max_shard_size=500)]
        ['model-00001-of-00002.safetensors', 'model-00002-of-00002.safetensors']
        >>> sorted(lucid.load_sharded(folder))
        ['a', 'b']
    """
    limit = _parse_size(max_shard_size, "save_sharded")
    arrays = _arrays(state_dict, "save_sharded")
    directory = os.fspath(directory)
    os.makedirs(directory, exist_ok=True)
    shards: list[dict] = [{}]
    used = 0
    for name, arr in arrays.items():
        if shards[-1] and used + arr.nbytes > limit:
            shards.append({})
            used = 0
        shards[-1][name] = arr
        used += arr.nbytes
    index_path = os.path.join(directory, INDEX_NAME)
    try:
        old = set(_read_index(index_path).values()) if os.path.isfile(index_path) else set()
    except CheckpointError:
        old = set()
    names = [_shard_name(i + 1, len(shards)) for i in range(len(shards))]
    weight_map = {}
    paths = []
    for shard_name, shard in zip(names, shards):
        path = os.path.join(directory, shard_name)
        write_atomic(path, lambda f, shard=shard: write_safetensors(f, shard, {"format": "pt"}))
        weight_map.update(dict.fromkeys(shard, shard_name))
        paths.append(path)
    index = {"metadata": {"total_size": sum(arr.nbytes for arr in arrays.values())}, "weight_map": weight_map}
    blob = json.dumps(index, indent=2).encode("utf-8") + b"\n"
    write_atomic(index_path, lambda f: f.write(blob))
    for stale in old - set(names):
        stale_path = os.path.join(directory, stale)
        if os.path.isfile(stale_path):
            os.remove(stale_path)
    return paths


def load_sharded(directory, device=None) -> dict:
    """Load a sharded checkpoint (a folder with a ``*.safetensors.index.json``) as ``{name: Tensor}``.

    Reads what :func:`save_sharded` and Hugging Face's ``save_pretrained``
    write. A folder without an index but with a single ``model.safetensors``
    loads that file.

    Args:
        directory: the folder, or the index file itself.
        device: where Tensors go (default: ``lucid.get_default_device()``; float64 always loads on the CPU).

    Raises:
        FileNotFoundError: no index in the folder, or a shard the index names is missing.
        CheckpointError: (a ``ValueError``) a malformed index, a shard lacking a tensor the index
            assigns to it, or a corrupt shard.

    Examples:
        >>> import lucid, tempfile
        >>> folder = tempfile.mkdtemp()
        >>> _ = lucid.save_sharded({"w": lucid.ones(3)}, folder)
        >>> lucid.load_sharded(folder)["w"].tolist()
        [1.0, 1.0, 1.0]
    """
    directory = os.fspath(directory)
    if os.path.isfile(directory):
        index_path, directory = directory, os.path.dirname(directory)
    elif os.path.isdir(directory):
        index_path = os.path.join(directory, INDEX_NAME)
        if not os.path.isfile(index_path):
            found = sorted(n for n in os.listdir(directory) if n.endswith(".safetensors.index.json"))
            if len(found) == 1:
                index_path = os.path.join(directory, found[0])
            elif os.path.isfile(os.path.join(directory, "model.safetensors")):
                return load_safetensors(os.path.join(directory, "model.safetensors"), device)
            else:
                raise FileNotFoundError(f"no sharded checkpoint in {directory}: it has no {INDEX_NAME}"
                                        + (f" (several indexes: {found})" if found else ""))
    else:
        raise FileNotFoundError(f"no sharded checkpoint at {directory}: no such folder")
    weight_map = _read_index(index_path)
    by_shard: dict[str, list[str]] = {}
    for name, shard in weight_map.items():
        by_shard.setdefault(shard, []).append(name)
    arrays = {}
    for shard, keys in by_shard.items():
        path = os.path.join(directory, shard)
        if not os.path.isfile(path):
            raise FileNotFoundError(f"{index_path} assigns {len(keys)} tensor(s) (e.g. {keys[0]!r}) to shard "
                                    f"{shard}, but {path} does not exist; the checkpoint is incomplete")
        loaded, _ = read_safetensors(path)
        missing = [k for k in keys if k not in loaded]
        if missing:
            raise CheckpointError(f"{path} lacks tensor(s) {missing[:5]} that {index_path} assigns to it")
        arrays.update((k, loaded[k]) for k in keys)
    return _tensors({name: arrays[name] for name in weight_map}, device)
