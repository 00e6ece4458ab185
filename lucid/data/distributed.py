"""``DistributedSampler``: each rank reads its own share of a dataset."""

from __future__ import annotations

import math
from collections.abc import Iterator

import numpy as np

from lucid.data.sampler import Sampler
from lucid.ops._util import check_int

__all__ = ["DistributedSampler"]


class DistributedSampler(Sampler):
    """The indices of rank ``rank`` out of ``num_replicas``: disjoint shares of equal length.

    The (optionally shuffled) index list is padded by repeating its first
    indices until it divides evenly (or, with ``drop_last``, cut to the largest
    multiple of ``num_replicas``); rank ``r`` takes every ``num_replicas``-th
    index starting at ``r``. Shuffling is seeded with ``seed + epoch``, the
    same on every rank, so call ``set_epoch(epoch)`` at the start of each epoch
    to get a new order. NOTE: the order is NumPy's permutation, not PyTorch's.

    Args:
        dataset: the dataset (only its ``len`` is used).
        num_replicas: the number of ranks (default: ``lucid.distributed.get_world_size()``).
        rank: this rank (default: ``lucid.distributed.get_rank()``).
        shuffle: shuffle the indices each epoch (default ``True``).
        seed: the shuffling seed, the same on every rank (default 0).
        drop_last: drop the tail instead of padding (default ``False``).

    Raises:
        RuntimeError: ``num_replicas`` or ``rank`` is left out and no process group exists.
        TypeError: a non-int count or seed.
        ValueError: ``rank`` outside ``[0, num_replicas)``.

    Examples:
        >>> import lucid
        >>> s = lucid.data.DistributedSampler(range(5), num_replicas=2, rank=1, shuffle=False)
        >>> list(s), len(s)
        ([1, 3, 0], 3)
        >>> s.set_epoch(1)
    """

    def __init__(self, dataset, num_replicas: int | None = None, rank: int | None = None, shuffle: bool = True,
                 seed: int = 0, drop_last: bool = False) -> None:
        if num_replicas is None or rank is None:
            from lucid import distributed as dist

            if not dist.is_initialized():
                raise RuntimeError("DistributedSampler: pass num_replicas and rank, or call "
                                   "lucid.distributed.init_process_group() first")
            num_replicas = dist.get_world_size() if num_replicas is None else num_replicas
            rank = dist.get_rank() if rank is None else rank
        self.num_replicas = check_int(num_replicas, "num_replicas", "DistributedSampler", 1)
        self.rank = check_int(rank, "rank", "DistributedSampler", 0)
        if self.rank >= self.num_replicas:
            raise ValueError(f"DistributedSampler: rank {rank} is out of range for num_replicas={num_replicas}")
        self.seed = check_int(seed, "seed", "DistributedSampler", 0)
        self.dataset = dataset
        self.shuffle = bool(shuffle)
        self.drop_last = bool(drop_last)
        self.epoch = 0

    @property
    def num_samples(self) -> int:
        """Indices per rank per epoch."""
        n = len(self.dataset)
        if self.drop_last:
            return n // self.num_replicas
        return math.ceil(n / self.num_replicas)

    @property
    def total_size(self) -> int:
        """Indices over all ranks per epoch (after padding or dropping)."""
        return self.num_samples * self.num_replicas

    def __iter__(self) -> Iterator[int]:
        n = len(self.dataset)
        if self.shuffle:
            idx = np.random.default_rng(self.seed + self.epoch).permutation(n)
        else:
            idx = np.arange(n)
        total = self.total_size
        if total > n and n > 0:
            idx = np.concatenate([idx] * math.ceil(total / n))
        idx = idx[:total]
        return iter(idx[self.rank:total:self.num_replicas].tolist())

    def __len__(self) -> int:
        return self.num_samples

    def set_epoch(self, epoch: int) -> None:
        """Use ``epoch`` in the shuffling seed, so each epoch has its own order (the same on every rank).

        Examples:
            >>> import lucid
            >>> s = lucid.data.DistributedSampler(range(8), num_replicas=2, rank=0, seed=1)
            >>> a = list(s); s.set_epoch(1); a != list(s)
            True
        """
        self.epoch = check_int(epoch, "epoch", "DistributedSampler", 0)
