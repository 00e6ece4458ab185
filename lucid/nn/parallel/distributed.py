"""``DistributedDataParallel``: gradient averaging in buckets over ``mx.distributed``."""

from __future__ import annotations

import weakref
from contextlib import contextmanager

import mlx.core as mx

from lucid import distributed as dist
from lucid._backend.evaluation import eval_arrays
from lucid._tensor import Tensor
from lucid.autograd.functional import register_post_backward_hook
from lucid.autograd.grad_mode import is_grad_enabled
from lucid.nn.module import Module

__all__ = ["DistributedDataParallel"]


class _Bucket:
    """Tensors of one dtype whose values travel together in one flat buffer."""

    __slots__ = ("nbytes", "offsets", "sizes", "tensors")

    def __init__(self) -> None:
        self.tensors: list = []
        self.sizes: list = []
        self.offsets: list = []
        self.nbytes = 0

    def add(self, t: Tensor) -> None:
        self.tensors.append(t)
        self.sizes.append(t._data.size)
        self.nbytes += t._data.nbytes


def _buckets(tensors: list, cap_bytes: int, alone_bytes: int | None = None) -> list:
    """Split ``tensors`` into buckets of one dtype and at most ``cap_bytes``.

    A tensor of ``alone_bytes`` or more (default: a sixteenth of the cap, at
    least 1 MiB) is a bucket of its own: sending it needs no copy into a flat
    buffer, and copying a large tensor costs more than one more collective's latency.
    """
    alone = max(2**20, cap_bytes // 16) if alone_bytes is None else alone_bytes
    done, open_ = [], {}
    for t in tensors:
        if t._data.nbytes >= alone:
            single = _Bucket()
            single.add(t)
            done.append(single)
            continue
        b = open_.get(t._data.dtype)
        if b is not None and b.tensors and b.nbytes + t._data.nbytes > cap_bytes:
            done.append(b)
            b = None
        if b is None:
            b = open_[t._data.dtype] = _Bucket()
        b.add(t)
    done.extend(open_.values())
    for b in done:
        acc, offsets = 0, []
        for n in b.sizes[:-1]:
            acc += n
            offsets.append(acc)
        b.offsets = offsets
    return done


def _flatten(arrays: list) -> mx.array:
    if len(arrays) == 1:
        return arrays[0].reshape(-1)
    return mx.concatenate([a.reshape(-1) for a in arrays])


def _unflatten(flat: mx.array, bucket: _Bucket) -> list:
    pieces = mx.split(flat, bucket.offsets) if bucket.offsets else [flat]
    return [p.reshape(t._data.shape) for p, t in zip(pieces, bucket.tensors)]


class DistributedDataParallel(Module):
    r"""Data-parallel training: each rank runs ``module`` on its share of the batch; gradients are averaged.

    At construction the parameters and buffers of rank 0 are broadcast to
    every rank, so all replicas start equal. After every ``backward()`` that
    follows a forward through this wrapper, the gradients are averaged over
    the ranks: they are packed into flat buckets of at most ``bucket_cap_mb``
    megabytes (one dtype per bucket, in reverse order of registration as in
    PyTorch), with one ``all_sum`` per bucket, never one per parameter. A
    gradient of at least a sixteenth of the cap (and 1 MiB) travels as a
    bucket of its own: packing it would copy it, which costs more than one
    more collective. The
    averaging is lazy: the optimizer's batched evaluation in
    ``Optimizer.step()`` (or a clip function) runs the communication.

    A parameter that got no gradient on a rank (unused in that forward)
    contributes zeros, so every rank sends buckets of the same size; it then
    receives the average of the other ranks' gradients. NOTE: a parameter
    unused on every rank gets a zero gradient where PyTorch leaves ``None``:
    telling the two cases apart would need a host sync after every backward.

    Buffers (BatchNorm's running statistics) are broadcast from rank 0 at every
    forward when ``broadcast_buffers`` is true. BatchNorm still normalises with
    each rank's own batch statistics (there is no ``SyncBatchNorm``).

    Args:
        module: the model to replicate; reach it afterwards as ``.module``.
        bucket_cap_mb: the largest bucket, in mebibytes (default 25).
        broadcast_buffers: broadcast rank 0's buffers at every forward (default ``True``).

    Raises:
        RuntimeError: ``lucid.distributed.init_process_group()`` was not called.
        TypeError: ``module`` is not a ``Module``.
        ValueError: ``bucket_cap_mb`` is not positive, or the ranks' models
            differ in parameter shapes or dtypes.

    Examples:
        >>> import lucid, lucid.nn as nn, lucid.distributed as dist
        >>> dist.init_process_group()
        >>> model = nn.parallel.DistributedDataParallel(nn.Linear(3, 1))
        >>> model(lucid.ones(2, 3)).sum().backward()
        >>> model.module.weight.grad.tolist()
        [[2.0, 2.0, 2.0]]
        >>> with model.no_sync():  # accumulate locally, average at the next synced backward
        ...     model(lucid.ones(2, 3)).sum().backward()
    """

    def __init__(self, module: Module, bucket_cap_mb: float = 25, broadcast_buffers: bool = True) -> None:
        super().__init__()
        if not isinstance(module, Module):
            raise TypeError(f"DistributedDataParallel wraps a lucid.nn.Module, got {type(module).__name__}")
        if isinstance(bucket_cap_mb, bool) or not isinstance(bucket_cap_mb, (int, float)) or not bucket_cap_mb > 0:
            raise ValueError(f"bucket_cap_mb must be a positive number, got {bucket_cap_mb!r}")
        group = dist._group("DistributedDataParallel")
        self.module = module
        d = self.__dict__
        d["_group"] = group
        d["broadcast_buffers"] = bool(broadcast_buffers)
        d["bucket_cap_mb"] = bucket_cap_mb
        d["_require_sync"] = True
        d["_pending"] = False
        params = [p for p in module.parameters() if p.requires_grad]
        buffers = list(module.buffers())
        dist._check_same(
            "DistributedDataParallel (the model on each rank)",
            [(t._data.shape, t._data.dtype) for t in list(module.parameters()) + buffers], group,
        )
        cap = int(bucket_cap_mb * 2**20)
        d["_buckets"] = _buckets(params[::-1], cap)
        d["_buffer_buckets"] = _buckets(buffers, cap)
        if group.size() > 1:
            everything = _buckets(list(module.parameters()), cap) + d["_buffer_buckets"]
            eval_arrays(self._broadcast(everything))
        ref = weakref.ref(self)

        def hook(ref=ref):
            me = ref()
            if me is None:
                handle.remove()
            else:
                me._after_backward()

        handle = register_post_backward_hook(hook)
        d["_hook_handle"] = handle

    def _broadcast(self, buckets: list) -> list:
        """Replace each tensor of ``buckets`` with rank 0's value (lazily); return the new arrays."""
        out = []
        for b in buckets:
            flat = dist._broadcast_array(_flatten([t._data for t in b.tensors]), 0, self._group)
            for t, piece in zip(b.tensors, _unflatten(flat, b)):
                t._data = piece
                t._version += 1
                out.append(piece)
        return out

    def forward(self, *args, **kwargs):
        if self.broadcast_buffers and self._buffer_buckets and self._group.size() > 1:
            self._broadcast(self._buffer_buckets)
        if is_grad_enabled() and self._require_sync:
            self.__dict__["_pending"] = True
        return self.module(*args, **kwargs)

    @contextmanager
    def no_sync(self):
        """Skip gradient averaging for backward passes of forwards run inside this block.

        Gradients accumulate locally; the first backward after a forward
        outside the block averages the accumulated sum.

        Examples:
            >>> import lucid, lucid.nn as nn, lucid.distributed as dist
            >>> dist.init_process_group()
            >>> ddp = nn.parallel.DistributedDataParallel(nn.Linear(2, 1))
            >>> with ddp.no_sync():
            ...     ddp(lucid.ones(1, 2)).sum().backward()
        """
        old = self._require_sync
        self.__dict__["_require_sync"] = False
        try:
            yield
        finally:
            self.__dict__["_require_sync"] = old

    def _after_backward(self) -> None:
        if not self._pending:
            return
        self.__dict__["_pending"] = False
        self.average_gradients()

    def average_gradients(self) -> None:
        """Average the gradients over the ranks now (lazily; one ``all_sum`` per bucket).

        Called automatically after ``backward()``; call it yourself only after
        computing gradients some other way (``lucid.autograd.grad`` does not fill ``.grad``).

        Examples:
            >>> import lucid, lucid.nn as nn, lucid.distributed as dist
            >>> dist.init_process_group()
            >>> nn.parallel.DistributedDataParallel(nn.Linear(2, 1)).average_gradients()
        """
        g = self._group
        n = g.size()
        if n == 1:
            return
        for b in self._buckets:
            grads = [p._grad._data if p._grad is not None else mx.zeros(p._data.shape, p._data.dtype)
                     for p in b.tensors]
            flat = dist._issue(mx.distributed.all_sum, _flatten(grads), group=g) * mx.array(1.0 / n, grads[0].dtype)
            for p, piece in zip(b.tensors, _unflatten(flat, b)):
                if p._grad is None:
                    p._grad = Tensor._make(piece, p._device)
                else:
                    p._grad._data = piece
                    p._grad._version += 1

    def extra_repr(self) -> str:
        return f"world_size={self._group.size()}, buckets={len(self._buckets)}, bucket_cap_mb={self.bucket_cap_mb}"
