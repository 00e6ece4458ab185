"""Datasets: the map-style ``Dataset`` and the streaming ``IterableDataset``, plus wrappers and ``random_split``."""

from __future__ import annotations

import bisect
import math
import numbers
from collections.abc import Iterable, Sequence

import mlx.core as mx
import numpy as np

from lucid._tensor import Tensor
from lucid.data.collate import _numpy_to_tensor
from lucid.data.sampler import _epoch_generator, _resolve_generator

__all__ = ["Dataset", "IterableDataset", "TensorDataset", "ConcatDataset", "ChainDataset", "Subset",
           "random_split"]


class Dataset:
    """A map-style dataset: ``len(ds)`` samples, the ``i``-th read with ``ds[i]``.

    Subclasses implement ``__getitem__`` (and, for ``DataLoader``'s samplers,
    ``__len__``). ``ds1 + ds2`` concatenates two datasets.

    Examples:
        >>> import lucid
        >>> class Squares(lucid.data.Dataset):
        ...     def __len__(self):
        ...         return 4
        ...     def __getitem__(self, i):
        ...         return i * i
        >>> [Squares()[i] for i in range(4)]
        [0, 1, 4, 9]
    """

    def __getitem__(self, index):
        raise NotImplementedError(f"{type(self).__name__} must implement __getitem__")

    def __add__(self, other: Dataset) -> ConcatDataset:
        return ConcatDataset([self, other])

    def _batch_fetcher(self):
        """A function ``indices -> collated batch`` that skips per-sample work, or None.

        ``DataLoader`` uses it (with the default collate) to fetch a whole batch
        with one gather per field; it runs in the main thread.
        """
        return None


class IterableDataset(Dataset):
    """A dataset that is a stream: subclasses implement ``__iter__`` (``__len__`` is optional).

    Examples:
        >>> import lucid
        >>> class Count(lucid.data.IterableDataset):
        ...     def __iter__(self):
        ...         return iter(range(3))
        >>> list(Count())
        [0, 1, 2]
    """

    def __iter__(self):
        raise NotImplementedError(f"{type(self).__name__} must implement __iter__")

    def __getitem__(self, index):
        raise TypeError(f"{type(self).__name__} is an IterableDataset; iterate over it instead of indexing")

    def __add__(self, other: IterableDataset) -> ChainDataset:
        return ChainDataset([self, other])


def _as_field(value, position: int):
    """A TensorDataset field: a Tensor (kept) or a NumPy array (kept on the host)."""
    if isinstance(value, Tensor):
        if value.ndim == 0:
            raise ValueError(f"TensorDataset: tensor {position} is 0-d; every field needs a first (sample) dimension")
        return value
    if isinstance(value, mx.array):
        return _as_field(Tensor(value), position)
    if isinstance(value, np.ndarray):
        if value.ndim == 0:
            raise ValueError(f"TensorDataset: array {position} is 0-d; every field needs a first (sample) dimension")
        return value
    raise TypeError(f"TensorDataset: field {position} is a {type(value).__name__}; expected lucid Tensors or "
                    "NumPy arrays (convert lists with lucid.tensor or numpy.asarray first)")


class TensorDataset(Dataset):
    """Samples are the rows of tensors (or NumPy arrays) that share their first dimension.

    ``ds[i]`` is ``(t0[i], t1[i], ...)``. Rows of lucid Tensors are Tensors
    (detached from the graph); rows of NumPy arrays stay NumPy. With the
    default collate a ``DataLoader`` fetches a whole batch with one gather per
    field instead of stacking rows.

    Args:
        *tensors: lucid Tensors, ``mx.array``s or NumPy arrays with equal ``shape[0]``.

    Raises:
        TypeError: a field is neither a Tensor nor a NumPy array.
        ValueError: no fields, a 0-d field, or first dimensions that differ.

    Examples:
        >>> import lucid, numpy as np
        >>> ds = lucid.data.TensorDataset(lucid.tensor([[0, 1], [2, 3], [4, 5]]), np.array([7, 8, 9]))
        >>> x, y = ds[1]
        >>> x.tolist(), int(y), len(ds)
        ([2, 3], 8, 3)
    """

    def __init__(self, *tensors):
        if not tensors:
            raise ValueError("TensorDataset needs at least one tensor")
        fields = tuple(_as_field(t, i) for i, t in enumerate(tensors))
        sizes = [f.shape[0] for f in fields]
        if any(s != sizes[0] for s in sizes):
            raise ValueError(f"TensorDataset: all fields must have the same first dimension, got sizes {sizes}")
        self.tensors = fields
        self._n = sizes[0]

    def __len__(self) -> int:
        return self._n

    def __getitem__(self, index):
        index = _check_index(index, self._n, "TensorDataset")
        return tuple(Tensor._make(f._data[index], f._device) if isinstance(f, Tensor) else f[index]
                     for f in self.tensors)

    def _fetch(self, indices) -> tuple:
        idx = np.asarray(indices, dtype=np.int64)
        if idx.size and (idx.min() < -self._n or idx.max() >= self._n):
            raise IndexError(f"TensorDataset: index out of range for a dataset of {self._n} samples")
        out = []
        gather = None
        for f in self.tensors:
            if isinstance(f, Tensor):
                if gather is None:
                    gather = mx.array(idx % max(self._n, 1))
                out.append(Tensor._make(f._data[gather], f._device))
            else:
                out.append(_numpy_to_tensor(f[idx]))
        return tuple(out)

    def _batch_fetcher(self):
        # A subclass that changes __getitem__ (e.g. to augment) must be read sample by sample.
        return self._fetch if type(self).__getitem__ is TensorDataset.__getitem__ else None


def _check_index(index, n: int, who: str) -> int:
    if isinstance(index, Tensor):
        index = index.item()
    if isinstance(index, bool) or not isinstance(index, numbers.Integral):
        raise TypeError(f"{who} indices must be integers, got {type(index).__name__}")
    index = int(index)
    if not -n <= index < n:
        raise IndexError(f"{who} index {index} is out of range for a dataset of {n} samples")
    return index + n if index < 0 else index


class ConcatDataset(Dataset):
    """The samples of several map-style datasets, one after another.

    Args:
        datasets: a non-empty iterable of map-style datasets (with ``len``).

    Raises:
        TypeError: a member is an ``IterableDataset`` (use ``ChainDataset``) or has no ``len``.
        ValueError: no datasets.

    Examples:
        >>> import lucid, numpy as np
        >>> a = lucid.data.TensorDataset(np.arange(2))
        >>> b = lucid.data.TensorDataset(np.arange(10, 13))
        >>> ds = a + b
        >>> len(ds), int(ds[3][0]), int(ds[-1][0])
        (5, 11, 12)
    """

    def __init__(self, datasets: Iterable[Dataset]):
        self.datasets = list(datasets)
        if not self.datasets:
            raise ValueError("ConcatDataset needs at least one dataset")
        for d in self.datasets:
            if isinstance(d, IterableDataset):
                raise TypeError("ConcatDataset does not take IterableDatasets; use ChainDataset for streams")
            if not hasattr(d, "__len__") or not hasattr(d, "__getitem__"):
                raise TypeError(f"ConcatDataset members need __len__ and __getitem__, got {type(d).__name__}")
        self.cumulative_sizes = []
        total = 0
        for d in self.datasets:
            total += len(d)
            self.cumulative_sizes.append(total)

    def __len__(self) -> int:
        return self.cumulative_sizes[-1]

    def __getitem__(self, index):
        index = _check_index(index, len(self), "ConcatDataset")
        which = bisect.bisect_right(self.cumulative_sizes, index)
        start = self.cumulative_sizes[which - 1] if which else 0
        return self.datasets[which][index - start]


class ChainDataset(IterableDataset):
    """The samples of several iterable datasets, one stream after another.

    Examples:
        >>> import lucid
        >>> class R(lucid.data.IterableDataset):
        ...     def __init__(self, n): self.n = n
        ...     def __iter__(self): return iter(range(self.n))
        >>> list(lucid.data.ChainDataset([R(2), R(3)]))
        [0, 1, 0, 1, 2]
    """

    def __init__(self, datasets: Iterable[Dataset]):
        self.datasets = list(datasets)

    def __iter__(self):
        for d in self.datasets:
            yield from d

    def __len__(self) -> int:
        total = 0
        for d in self.datasets:
            if not hasattr(d, "__len__"):
                raise TypeError(f"ChainDataset: member {type(d).__name__} has no len()")
            total += len(d)
        return total


class Subset(Dataset):
    """The samples of ``dataset`` at ``indices``, in that order.

    Args:
        dataset: a map-style dataset.
        indices: a sequence of integer indices into it.

    Examples:
        >>> import lucid, numpy as np
        >>> sub = lucid.data.Subset(lucid.data.TensorDataset(np.arange(10, 20)), [3, 0])
        >>> len(sub), int(sub[0][0]), int(sub[1][0])
        (2, 13, 10)
    """

    def __init__(self, dataset: Dataset, indices: Sequence[int]):
        if isinstance(dataset, IterableDataset):
            raise TypeError("Subset needs a map-style dataset, got an IterableDataset")
        self.dataset = dataset
        self.indices = indices

    def __len__(self) -> int:
        return len(self.indices)

    def __getitem__(self, index):
        if isinstance(index, (list, tuple)):
            return [self.dataset[self.indices[i]] for i in index]
        return self.dataset[self.indices[index]]

    def __getitems__(self, indices) -> list:
        """``[self[i] for i in indices]``, through the wrapped dataset's ``__getitems__`` when it has one."""
        inner = getattr(self.dataset, "__getitems__", None)
        if inner is None or type(self).__getitem__ is not Subset.__getitem__:
            return [self[i] for i in indices]
        return inner([self.indices[i] for i in indices])

    def _batch_fetcher(self):
        inner = self.dataset._batch_fetcher() if isinstance(self.dataset, Dataset) else None
        if inner is None or type(self).__getitem__ is not Subset.__getitem__:
            return None
        mapping = np.asarray(self.indices, dtype=np.int64)
        return lambda idx: inner(mapping[np.asarray(idx, dtype=np.int64)])


class StackDataset(Dataset):
    """Several datasets of one length side by side: item ``i`` is a tuple (or dict) of their items ``i``.

    Give the datasets positionally (items are tuples) or by keyword (items
    are dicts), not both, as PyTorch's ``StackDataset``.

    Raises:
        ValueError: no datasets, both kinds of argument, or datasets of different lengths.

    Examples:
        >>> import lucid, numpy as np
        >>> images, labels = lucid.data.TensorDataset(np.zeros((3, 2))), [7, 8, 9]
        >>> ds = lucid.data.StackDataset(image=images, label=labels)
        >>> len(ds), ds[2]["label"]
        (3, 9)
        >>> lucid.data.StackDataset([1, 2], "ab")[1]
        (2, 'b')
    """

    def __init__(self, *args, **kwargs):
        if args and kwargs:
            raise ValueError("StackDataset takes datasets either positionally (tuple items) or by keyword "
                             "(dict items), not both")
        if not args and not kwargs:
            raise ValueError("StackDataset needs at least one dataset")
        parts = list(args) if args else list(kwargs.values())
        lengths = [len(d) for d in parts]
        if len(set(lengths)) != 1:
            raise ValueError(f"StackDataset: the datasets must have one length, got lengths {lengths}")
        self.datasets = tuple(args) if args else dict(kwargs)
        self._length = lengths[0]

    def __len__(self) -> int:
        return self._length

    def __getitem__(self, index):
        if isinstance(self.datasets, dict):
            return {k: d[index] for k, d in self.datasets.items()}
        return tuple(d[index] for d in self.datasets)


def random_split(dataset: Dataset, lengths: Sequence, generator=None) -> list[Subset]:
    """Split a dataset into non-overlapping random subsets.

    ``lengths`` are either sample counts summing to ``len(dataset)``, or
    fractions summing to 1: then each subset gets ``floor(f * n)`` samples and
    the remainder is handed out one at a time, round-robin from the first.

    Args:
        dataset: a map-style dataset.
        lengths: the subset sizes (ints) or fractions (floats summing to 1).
        generator: an int seed or a ``numpy.random.Generator``; the default
            draws a seed from NumPy's global state, so ``numpy.random.seed``
            makes it reproducible.

    Returns:
        A list of ``Subset``s, one per length.

    Raises:
        ValueError: negative lengths, or lengths that do not add up.
        TypeError: a length that is not a number.

    Examples:
        >>> import lucid, numpy as np
        >>> ds = lucid.data.TensorDataset(np.arange(10))
        >>> train, val = lucid.data.random_split(ds, [0.8, 0.2], generator=0)
        >>> len(train), len(val)
        (8, 2)
        >>> sorted(train.indices + val.indices) == list(range(10))
        True
    """
    n = len(dataset)
    lengths = list(lengths)
    for x in lengths:
        if isinstance(x, bool) or not isinstance(x, numbers.Real):
            raise TypeError(f"random_split: lengths must be ints or fractions, got {x!r}")
        if x < 0:
            raise ValueError(f"random_split: lengths must be non-negative, got {lengths}")
    if all(isinstance(x, numbers.Integral) for x in lengths):
        sizes = [int(x) for x in lengths]
        if sum(sizes) != n:
            raise ValueError(f"random_split: lengths {sizes} sum to {sum(sizes)}, but the dataset has {n} samples")
    else:
        if not math.isclose(sum(lengths), 1.0, abs_tol=1e-6):
            raise ValueError(f"random_split: fractions {lengths} must sum to 1 (they sum to {sum(lengths)})")
        sizes = [math.floor(n * f) for f in lengths]
        for i in range(n - sum(sizes)):
            sizes[i % len(sizes)] += 1
    rng = _resolve_generator(generator, "random_split")
    rng = _epoch_generator(rng)
    perm = rng.permutation(n).tolist()
    out, start = [], 0
    for size in sizes:
        out.append(Subset(dataset, perm[start:start + size]))
        start += size
    return out
