"""Data parallelism: ``DistributedDataParallel`` (alias ``DDP``) over ``lucid.distributed``."""

from lucid.nn.parallel.distributed import DistributedDataParallel

DDP = DistributedDataParallel

__all__ = ["DistributedDataParallel", "DDP"]
