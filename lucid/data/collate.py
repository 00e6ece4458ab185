"""Collation: merge samples into a batch (``default_collate``) or convert one sample (``default_convert``)."""

from __future__ import annotations

import collections.abc
import numbers

import mlx.core as mx
import numpy as np

from lucid._tensor import Tensor

__all__ = ["default_collate", "default_convert", "StackedSamples"]


class StackedSamples(list):
    """A list of tuple samples that also keeps each field stacked: ``fields[k][i]`` is ``self[i][k]``.

    Datasets that gather a batch at once (``ArrayImageDataset.__getitems__``)
    return one, so ``default_collate`` can turn each field into a Tensor
    directly instead of taking the batch apart and stacking it again. To
    any other ``collate_fn`` it is an ordinary list of samples.

    Examples:
        >>> import lucid, numpy as np
        >>> images, labels = np.zeros((2, 3), np.float32), np.array([4, 7])
        >>> batch = lucid.data.StackedSamples(zip(images, labels.tolist()), fields=(images, labels))
        >>> batch[1][1], lucid.data.default_collate(batch)[1].tolist()
        (7, [4, 7])
    """

    __slots__ = ("fields",)

    def __init__(self, samples=(), *, fields: tuple):
        super().__init__(samples)
        self.fields = tuple(fields)


def _numpy_to_tensor(arr: np.ndarray) -> Tensor:
    """One host-to-device transfer: a NumPy array becomes a Tensor of the same dtype.

    float64 stays float64 and so lives on the CPU (MLX has no float64 GPU kernels).
    """
    if arr.dtype.kind in "OUSVMm":
        raise TypeError(f"default_collate: cannot make a Tensor from a NumPy array of dtype {arr.dtype}")
    return Tensor(np.ascontiguousarray(arr))


def _shape_error(kind: str, shapes) -> ValueError:
    uniq = sorted({tuple(s) for s in shapes}, key=str)
    return ValueError(f"default_collate: cannot stack {kind} of different shapes {uniq[:4]}; "
                      "resize or pad the samples, or pass a custom collate_fn")


def default_collate(batch):
    """Merge a list of samples into a batch, recursing into containers.

    Per field of the first sample:

    - lucid Tensors are stacked along a new first axis (one ``mx.stack``);
    - NumPy arrays and NumPy scalars are stacked on the host with NumPy and
      become one Tensor (one transfer per batch, not per sample), keeping
      their dtype (float64 stays float64 and so lives on the CPU: give
      samples as float32 for GPU training);
    - Python floats become a float32 Tensor, ints int64, bools bool;
    - strings and bytes are kept as a list;
    - dicts (any mapping) are collated key by key, namedtuples field by field,
      and tuples/lists position by position (a tuple stays a tuple, a list a list).

    Args:
        batch: a non-empty list (or tuple) of samples of the same structure.

    Returns:
        The batch, with the structure of one sample.

    Raises:
        TypeError: an element type it cannot batch (e.g. ``None``), or mixed types.
        ValueError: an empty batch, arrays of different shapes, or sequences of different lengths.

    Examples:
        >>> import lucid, numpy as np
        >>> batch = [(np.zeros((2, 2), np.float32), 1), (np.ones((2, 2), np.float32), 0)]
        >>> x, y = lucid.data.default_collate(batch)
        >>> x.shape, x.dtype, y.tolist()
        ((2, 2, 2), lucid.float32, [1, 0])
        >>> lucid.data.default_collate([{"id": "a", "v": 1.5}, {"id": "b", "v": 2.5}])["id"]
        ['a', 'b']
    """
    if not isinstance(batch, (list, tuple)):
        raise TypeError(f"default_collate expects a list of samples, got {type(batch).__name__}")
    if len(batch) == 0:
        raise ValueError("default_collate: the batch is empty")
    if type(batch) is StackedSamples:
        return tuple([f if isinstance(f, Tensor) else _numpy_to_tensor(np.asarray(f)) for f in batch.fields])
    elem = batch[0]
    if isinstance(elem, Tensor):
        arrays = []
        for t in batch:
            if not isinstance(t, Tensor):
                raise TypeError(f"default_collate: mixed types in a field: Tensor and {type(t).__name__}")
            arrays.append(t._data)
        shape = arrays[0].shape
        if any(a.shape != shape for a in arrays):
            raise _shape_error("tensors", [a.shape for a in arrays])
        return Tensor._make(mx.stack(arrays), elem._device)
    if isinstance(elem, np.ndarray):
        # Set-based checks: a batch is hundreds of samples, and this runs once per field per batch.
        types = set(map(type, batch))
        if len(types) > 1 or type(elem) not in types:
            bad = next((t for t in types if not issubclass(t, np.ndarray)), None)
            if bad is not None:
                raise TypeError(f"default_collate: mixed types in a field: ndarray and {bad.__name__}")
        if len({a.shape for a in batch}) > 1:
            raise _shape_error("arrays", [a.shape for a in batch])
        return _numpy_to_tensor(np.stack(batch))
    if isinstance(elem, np.generic):
        return _numpy_to_tensor(np.asarray(batch))
    if isinstance(elem, (str, bytes)):
        return list(batch)
    if isinstance(elem, numbers.Number):
        return _collate_numbers(batch)
    if isinstance(elem, collections.abc.Mapping):
        keys = list(elem.keys())
        for d in batch:
            if not isinstance(d, collections.abc.Mapping) or set(d.keys()) != set(keys):
                raise ValueError(f"default_collate: every dict in a batch needs the same keys, expected {keys}")
        return _same_mapping(elem, {k: default_collate([d[k] for d in batch]) for k in keys})
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):
        return type(elem)(*(default_collate(list(field)) for field in zip(*batch)))
    if isinstance(elem, (tuple, list)):
        size = len(elem)
        for s in batch:
            if not isinstance(s, (tuple, list)) or len(s) != size:
                lengths = sorted({len(s) if isinstance(s, (tuple, list)) else -1 for s in batch})
                raise ValueError(f"default_collate: every sequence in a batch needs the same length, got {lengths}")
        fields = [default_collate(list(field)) for field in zip(*batch)]
        return tuple(fields) if isinstance(elem, tuple) else fields
    raise TypeError(f"default_collate: cannot batch elements of type {type(elem).__name__}; expected Tensors, "
                    "NumPy arrays, numbers, strings, dicts, tuples or lists (or pass a custom collate_fn)")


def _same_mapping(like, out: dict):
    """``out`` as a mapping of ``like``'s type (a ``dict`` stays a ``dict``)."""
    if type(like) is dict:
        return out
    try:
        return type(like)(out)
    except TypeError:
        # NOTE: mappings that cannot be rebuilt from a dict come back as a plain dict.
        return out


# All Python ints, all floats or all bools: the common fields, converted without per-item checks.
_PLAIN_NUMBERS = {frozenset({int}): np.int64, frozenset({float}): np.float32, frozenset({bool}): np.bool_}


def _collate_numbers(batch) -> Tensor:
    dtype = _PLAIN_NUMBERS.get(frozenset(map(type, batch)))
    if dtype is not None:
        return Tensor(np.array(batch, dtype=dtype))
    for x in batch:
        if not isinstance(x, numbers.Number) or isinstance(x, np.ndarray):
            raise TypeError(f"default_collate: mixed types in a field: number and {type(x).__name__}")
    arr = np.asarray(batch)
    kind = arr.dtype.kind
    # Python floats are float32 and ints int64 (Lucid's defaults for Python numbers).
    if kind == "f":
        arr = arr.astype(np.float32)
    elif kind in "iu":
        arr = arr.astype(np.int64)
    elif kind == "c":
        arr = arr.astype(np.complex64)
    return Tensor(arr)


def default_convert(data):
    """Convert one sample without batching: NumPy arrays become Tensors; containers are recursed.

    Used by ``DataLoader`` when ``batch_size=None`` (no automatic batching).
    Python numbers, strings and Tensors are returned unchanged.

    Examples:
        >>> import lucid, numpy as np
        >>> out = lucid.data.default_convert({"x": np.arange(3), "name": "a"})
        >>> out["x"].tolist(), out["name"]
        ([0, 1, 2], 'a')
    """
    if isinstance(data, np.ndarray):
        if data.dtype.kind in "OUSVMm":
            return data
        return _numpy_to_tensor(data)
    if isinstance(data, np.generic) and data.dtype.kind not in "OUSVMm":
        return _numpy_to_tensor(np.asarray(data))
    if isinstance(data, (str, bytes, Tensor)):
        return data
    if isinstance(data, collections.abc.Mapping):
        return _same_mapping(data, {k: default_convert(v) for k, v in data.items()})
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return tuple(default_convert(d) for d in data)
    if isinstance(data, list):
        return [default_convert(d) for d in data]
    return data
