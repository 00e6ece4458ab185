"""Data loading: datasets, samplers, collation and ``DataLoader``.

Examples:
    >>> import lucid, numpy as np
    >>> ds = lucid.data.TensorDataset(np.random.rand(8, 3).astype(np.float32), np.arange(8))
    >>> x, y = next(iter(lucid.data.DataLoader(ds, batch_size=4)))
    >>> x.shape, y.shape
    ((4, 3), (4,))
"""

from lucid.data.collate import StackedSamples, default_collate, default_convert
from lucid.data.dataloader import DataLoader
from lucid.data.dataset import (
    ChainDataset,
    ConcatDataset,
    Dataset,
    IterableDataset,
    StackDataset,
    Subset,
    TensorDataset,
    random_split,
)
from lucid.data.distributed import DistributedSampler
from lucid.data.sampler import (
    BatchSampler,
    RandomSampler,
    Sampler,
    SequentialSampler,
    SubsetRandomSampler,
    WeightedRandomSampler,
)
from lucid.data.worker_info import WorkerInfo, get_worker_info

__all__ = [
    "Dataset", "IterableDataset", "TensorDataset", "ConcatDataset", "ChainDataset", "Subset", "StackDataset",
    "random_split",
    "Sampler", "SequentialSampler", "RandomSampler", "WeightedRandomSampler", "SubsetRandomSampler", "BatchSampler",
    "DistributedSampler",
    "default_collate", "default_convert", "StackedSamples", "DataLoader", "get_worker_info", "WorkerInfo",
]
