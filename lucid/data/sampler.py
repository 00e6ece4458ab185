"""Samplers: which dataset indices a ``DataLoader`` reads, and in what order.

Randomness: every random sampler takes ``generator``, which is an int seed
(a private ``numpy.random.Generator`` is made from it once, so successive
epochs differ but the whole run is reproducible), a ``numpy.random.Generator``
(used as is), or ``None``. With ``None`` each epoch draws a fresh seed from
NumPy's global random state, so ``numpy.random.seed(n)`` makes shuffling
reproducible too.
"""

from __future__ import annotations

import itertools
import numbers
from collections.abc import Iterable, Iterator, Sequence

import numpy as np

__all__ = ["Sampler", "SequentialSampler", "RandomSampler", "WeightedRandomSampler", "SubsetRandomSampler",
           "BatchSampler"]


def _resolve_generator(generator, who: str):
    """``None`` stays None (seeded per epoch from ``numpy.random``); an int becomes a private Generator."""
    if generator is None or isinstance(generator, np.random.Generator):
        return generator
    if isinstance(generator, numbers.Integral) and not isinstance(generator, bool):
        if generator < 0:
            raise ValueError(f"{who}: a seed must be non-negative, got {generator}")
        return np.random.default_rng(int(generator))
    raise TypeError(f"{who}: generator must be None, an int seed or a numpy.random.Generator, "
                    f"got {type(generator).__name__}")


def _epoch_generator(rng):
    # NOTE: without a generator, each epoch seeds from NumPy's global state (numpy.random.seed controls it).
    if rng is None:
        return np.random.default_rng(int(np.random.randint(0, 2**63 - 1, dtype=np.int64)))
    return rng


def _positive_int(value, name: str, who: str) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{who}: {name} must be a positive int, got {value!r} ({type(value).__name__})")
    if value <= 0:
        raise ValueError(f"{who}: {name} must be a positive int, got {value}")
    return int(value)


class Sampler:
    """Base class: an iterable of dataset indices (subclasses implement ``__iter__`` and usually ``__len__``).

    Examples:
        >>> import lucid
        >>> class Evens(lucid.data.Sampler):
        ...     def __init__(self, n): self.n = n
        ...     def __iter__(self): return iter(range(0, self.n, 2))
        ...     def __len__(self): return (self.n + 1) // 2
        >>> list(Evens(5))
        [0, 2, 4]
    """

    def __init__(self, data_source=None):
        pass

    def __iter__(self) -> Iterator[int]:
        raise NotImplementedError(f"{type(self).__name__} must implement __iter__")


class SequentialSampler(Sampler):
    """Indices ``0, 1, ..., len(data_source) - 1`` in order.

    Examples:
        >>> import lucid
        >>> list(lucid.data.SequentialSampler(range(3)))
        [0, 1, 2]
    """

    def __init__(self, data_source):
        self.data_source = data_source

    def __iter__(self) -> Iterator[int]:
        return iter(range(len(self.data_source)))

    def __len__(self) -> int:
        return len(self.data_source)


class RandomSampler(Sampler):
    """Indices in random order: a permutation, or draws with replacement.

    Without replacement, ``num_samples`` larger than the dataset chains fresh
    permutations (every index appears once before any appears twice).

    Args:
        data_source: the dataset (only its ``len`` is used).
        replacement: draw indices independently with replacement.
        num_samples: how many indices per epoch (default ``len(data_source)``).
        generator: an int seed, a ``numpy.random.Generator`` or ``None`` (see the module docstring).

    Raises:
        TypeError: ``replacement`` not a bool, ``num_samples`` not an int, or a bad generator.
        ValueError: ``num_samples`` not positive.

    Examples:
        >>> import lucid
        >>> sorted(lucid.data.RandomSampler(range(5), generator=0))
        [0, 1, 2, 3, 4]
        >>> len(lucid.data.RandomSampler(range(5), replacement=True, num_samples=8))
        8
    """

    def __init__(self, data_source, replacement: bool = False, num_samples: int | None = None, generator=None):
        if not isinstance(replacement, bool):
            raise TypeError(f"RandomSampler: replacement must be a bool, got {replacement!r}")
        self.data_source = data_source
        self.replacement = replacement
        self._num_samples = None if num_samples is None else _positive_int(num_samples, "num_samples",
                                                                           "RandomSampler")
        self.generator = _resolve_generator(generator, "RandomSampler")

    @property
    def num_samples(self) -> int:
        """Indices drawn per epoch (``len(data_source)`` unless set)."""
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def __iter__(self) -> Iterator[int]:
        n = len(self.data_source)
        k = self.num_samples
        rng = _epoch_generator(self.generator)
        if n == 0:
            return iter(())
        if self.replacement:
            return iter(rng.integers(0, n, size=k).tolist())
        reps = -(-k // n)
        idx = np.concatenate([rng.permutation(n) for _ in range(reps)])[:k] if reps > 1 else rng.permutation(n)[:k]
        return iter(idx.tolist())

    def __len__(self) -> int:
        return self.num_samples


class SubsetRandomSampler(Sampler):
    """The given indices, in a random order each epoch.

    Args:
        indices: a sequence of dataset indices.
        generator: an int seed, a ``numpy.random.Generator`` or ``None`` (see the module docstring).

    Examples:
        >>> import lucid
        >>> sorted(lucid.data.SubsetRandomSampler([4, 7, 9], generator=1))
        [4, 7, 9]
    """

    def __init__(self, indices: Sequence[int], generator=None):
        self.indices = indices
        self.generator = _resolve_generator(generator, "SubsetRandomSampler")

    def __iter__(self) -> Iterator[int]:
        rng = _epoch_generator(self.generator)
        for i in rng.permutation(len(self.indices)).tolist():
            yield self.indices[i]

    def __len__(self) -> int:
        return len(self.indices)


class WeightedRandomSampler(Sampler):
    """Indices ``0..len(weights)-1`` drawn with probability proportional to ``weights``.

    .. math::
        P(i) = w_i / \\sum_j w_j

    Args:
        weights: non-negative, finite weights (a sequence, NumPy array or Tensor), not all zero.
        num_samples: how many indices per epoch.
        replacement: draw with replacement (default). Without it, ``num_samples``
            must not exceed the number of non-zero weights.
        generator: an int seed, a ``numpy.random.Generator`` or ``None`` (see the module docstring).

    Raises:
        TypeError: bad ``num_samples``, ``replacement`` or generator types.
        ValueError: weights not 1-D, negative, non-finite or all zero; too many
            samples without replacement.

    Examples:
        >>> import lucid
        >>> s = lucid.data.WeightedRandomSampler([0.0, 1.0, 0.0], num_samples=4, generator=0)
        >>> list(s)
        [1, 1, 1, 1]
    """

    def __init__(self, weights, num_samples: int, replacement: bool = True, generator=None):
        if not isinstance(replacement, bool):
            raise TypeError(f"WeightedRandomSampler: replacement must be a bool, got {replacement!r}")
        w = np.asarray(weights, dtype=np.float64)
        if w.ndim != 1 or w.size == 0:
            raise ValueError(f"WeightedRandomSampler: weights must be a non-empty 1-D sequence, got shape {w.shape}")
        if not np.all(np.isfinite(w)) or np.any(w < 0):
            raise ValueError("WeightedRandomSampler: weights must be finite and non-negative")
        total = w.sum()
        if total <= 0:
            raise ValueError("WeightedRandomSampler: weights must not all be zero")
        self.num_samples = _positive_int(num_samples, "num_samples", "WeightedRandomSampler")
        nonzero = int(np.count_nonzero(w))
        if not replacement and self.num_samples > nonzero:
            raise ValueError(f"WeightedRandomSampler: cannot draw {self.num_samples} samples without replacement "
                             f"from {nonzero} non-zero weights")
        self.weights = w
        self._p = w / total
        self.replacement = replacement
        self.generator = _resolve_generator(generator, "WeightedRandomSampler")

    def __iter__(self) -> Iterator[int]:
        rng = _epoch_generator(self.generator)
        return iter(rng.choice(len(self._p), size=self.num_samples, replace=self.replacement, p=self._p).tolist())

    def __len__(self) -> int:
        return self.num_samples


class BatchSampler(Sampler):
    """Group the indices of another sampler into lists of ``batch_size``.

    Args:
        sampler: a sampler or any iterable of indices.
        batch_size: indices per batch (a positive int).
        drop_last: drop the last batch if it is short.

    Raises:
        TypeError: ``batch_size`` not an int or ``drop_last`` not a bool.
        ValueError: ``batch_size`` not positive.

    Examples:
        >>> import lucid
        >>> list(lucid.data.BatchSampler(range(5), batch_size=2, drop_last=False))
        [[0, 1], [2, 3], [4]]
        >>> len(lucid.data.BatchSampler(range(5), batch_size=2, drop_last=True))
        2
    """

    def __init__(self, sampler: Iterable[int], batch_size: int, drop_last: bool):
        self.batch_size = _positive_int(batch_size, "batch_size", "BatchSampler")
        if not isinstance(drop_last, bool):
            raise TypeError(f"BatchSampler: drop_last must be a bool, got {drop_last!r}")
        self.sampler = sampler
        self.drop_last = drop_last

    def __iter__(self) -> Iterator[list]:
        it = iter(self.sampler)
        size = self.batch_size
        while True:
            batch = list(itertools.islice(it, size))
            if not batch or (self.drop_last and len(batch) < size):
                return
            yield batch

    def __len__(self) -> int:
        n = len(self.sampler)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)
