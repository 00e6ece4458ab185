"""``get_worker_info``: what a loader thread knows about itself (PyTorch's ``torch.utils.data.get_worker_info``)."""

from __future__ import annotations

import threading

__all__ = ["WorkerInfo", "get_worker_info"]

_local = threading.local()


class WorkerInfo:
    """The loader thread running this code: ``id``, ``num_workers``, ``seed`` and ``dataset``.

    Lucid's workers are threads in this process, so ``dataset`` is the
    loader's dataset object itself (not a copy). An ``IterableDataset`` is read
    by one thread, so there it is ``id=0`` of ``num_workers=1`` and code that
    shards by worker reads everything once.
    """

    __slots__ = ("dataset", "id", "num_workers", "seed")

    def __init__(self, id: int, num_workers: int, seed: int, dataset):
        self.id = id
        self.num_workers = num_workers
        self.seed = seed
        self.dataset = dataset

    def __repr__(self) -> str:
        return (f"WorkerInfo(id={self.id}, num_workers={self.num_workers}, seed={self.seed}, "
                f"dataset={type(self.dataset).__name__})")


def get_worker_info() -> WorkerInfo | None:
    """The :class:`WorkerInfo` of the loader thread calling it; ``None`` outside one (``num_workers=0``).

    Examples:
        >>> import lucid
        >>> from lucid.data import DataLoader, Dataset, get_worker_info
        >>> class Who(Dataset):
        ...     def __len__(self):
        ...         return 2
        ...     def __getitem__(self, i):
        ...         info = get_worker_info()
        ...         return -1 if info is None else info.num_workers
        >>> [b.tolist() for b in DataLoader(Who(), batch_size=2)]
        [[-1, -1]]
        >>> [b.tolist() for b in DataLoader(Who(), num_workers=2)]
        [[2], [2]]
    """
    return getattr(_local, "info", None)


def _set(info: WorkerInfo | None) -> None:
    _local.info = info
