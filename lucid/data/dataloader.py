"""``DataLoader``: batches from a dataset, optionally prepared ahead by background threads.

Background loading uses threads, not processes: NumPy, file reads, Pillow and
MLX's evaluation release the GIL, so loading overlaps the training step
without copying data between processes. MLX can only evaluate an array on
the thread that recorded it, so each worker evaluates its finished batch
(one batched ``mx.eval``) before handing it over, and the Tensors a dataset
holds are evaluated in the main thread before the workers start.
"""

from __future__ import annotations

import collections
import functools
import itertools
import numbers
import os
import queue
import threading
from concurrent.futures import Future, wait

import mlx.core as mx

from lucid._tensor import Tensor
from lucid.data import _workers
from lucid.data.collate import default_collate, default_convert
from lucid.data.dataset import Dataset, IterableDataset
from lucid.data.sampler import BatchSampler, RandomSampler, Sampler, SequentialSampler, _resolve_generator
from lucid.data.worker_info import WorkerInfo
from lucid.data.worker_info import _set as _set_worker_info
from lucid.ops._util import check_int

__all__ = ["DataLoader"]

_POLL_S = 0.05  # how often a blocked producer checks whether it was told to stop


class DataLoader:
    """Iterate over a dataset in batches.

    A map-style ``Dataset`` is read through a sampler (sequential, or shuffled
    with ``shuffle=True``) grouped into batches of ``batch_size``; each batch
    of samples goes through ``collate_fn`` (``default_collate``: Tensors and
    NumPy arrays stacked, numbers made Tensors, dicts/tuples/lists recursed,
    strings kept as lists). A dataset with a ``__getitems__(indices)`` method
    (PyTorch's batch protocol) is asked for a whole batch of samples at once:
    ``MNIST``, ``CIFAR10`` and ``SyntheticDigits`` gather it with one indexing
    operation and run a batchable transform once per batch (see
    ``lucid.transforms.Lambda``). An ``IterableDataset`` is read in stream order.

    With ``num_workers > 0``, that many background threads load batches ahead
    (up to ``num_workers * prefetch_factor`` batches in flight) while the main
    thread trains; batches still come out in sampler order, identical to
    ``num_workers=0``. An exception raised while loading is re-raised in the
    main thread, with a note saying which batch and indices it came from. An
    iterator abandoned early (``break``) stops its threads. An
    ``IterableDataset`` is consumed by one background thread whatever
    ``num_workers`` is. Before the threads start, Tensors held in the
    dataset's attributes (and in nested datasets, lists and dicts) are
    evaluated with one batched ``mx.eval``: MLX cannot evaluate, in a worker,
    a lazy array the main thread recorded. Tensors a dataset builds lazily
    elsewhere must be evaluated (``lucid.eval``) before loading with workers.
    A ``TensorDataset`` (or a ``Subset`` of one) with the default collate is
    always gathered in the main thread, one lazy gather per field, since
    there is nothing to prepare ahead.

    Randomness: ``shuffle=True`` uses ``RandomSampler(generator=generator)``:
    an int seed makes the run reproducible, a ``numpy.random.Generator`` is
    used as is, and ``None`` seeds each epoch from ``numpy.random`` (so
    ``numpy.random.seed`` controls it). Random transforms draw from
    ``lucid.transforms``' generator; with ``num_workers > 1`` the order of those
    draws depends on thread timing, so use ``num_workers <= 1`` when
    augmentation must be bit-for-bit reproducible.

    Args:
        dataset: a ``lucid.data.Dataset`` or ``IterableDataset``.
        batch_size: samples per batch (default 1); ``None`` turns batching off
            (each sample goes through ``collate_fn``, default ``default_convert``).
        shuffle: reshuffle the indices every epoch (map-style only).
        sampler: a sampler or iterable of indices (excludes ``shuffle``).
        batch_sampler: yields whole lists of indices (excludes ``batch_size``,
            ``shuffle``, ``sampler`` and ``drop_last``).
        num_workers: background loader threads; 0 loads in the calling thread.
        collate_fn: merges a list of samples into a batch.
        pin_memory: accepted for PyTorch compatibility; no effect (MLX uses unified memory).
        drop_last: drop the last batch if it is smaller than ``batch_size``.
        timeout: seconds to wait for a batch from a worker before raising
            ``RuntimeError`` (0 waits forever).
        worker_init_fn: called as ``worker_init_fn(worker_id)`` in each worker
            thread before its first batch of an epoch.
        generator: seed or ``numpy.random.Generator`` for ``shuffle=True``.
        prefetch_factor: batches each worker prepares ahead (default 2 when
            ``num_workers > 0``; must be left ``None`` when it is 0).
        persistent_workers: accepted for PyTorch compatibility; no effect (loader threads
            are always kept and reused by later epochs and loaders).

    Raises:
        TypeError: ``dataset`` is not a Dataset, or an argument has the wrong type.
        ValueError: non-positive ``batch_size``, ``shuffle`` with a sampler,
            ``batch_sampler`` with other batching options, ``shuffle`` or a
            sampler with an ``IterableDataset``, negative ``num_workers``.

    Examples:
        >>> import lucid, numpy as np
        >>> ds = lucid.data.TensorDataset(np.arange(10, dtype=np.float32).reshape(5, 2), np.arange(5))
        >>> loader = lucid.data.DataLoader(ds, batch_size=2)
        >>> len(loader)
        3
        >>> [(x.shape, y.tolist()) for x, y in loader]
        [((2, 2), [0, 1]), ((2, 2), [2, 3]), ((1, 2), [4])]
        >>> [y.tolist() for _, y in lucid.data.DataLoader(ds, batch_size=2, shuffle=True, generator=0,
        ...                                                 drop_last=True)]
        [[2, 4], [3, 0]]
    """

    def __init__(self, dataset, batch_size: int | None = 1, shuffle: bool | None = None, sampler=None,
                 batch_sampler=None, num_workers: int = 0, collate_fn=None, pin_memory: bool = False,
                 drop_last: bool = False, timeout: float = 0, worker_init_fn=None, generator=None, *,
                 prefetch_factor: int | None = None, persistent_workers: bool = False):
        shuffle = False if shuffle is None else shuffle
        if not isinstance(dataset, Dataset):
            hint = (" (wrap arrays in lucid.data.TensorDataset)" if hasattr(dataset, "shape") else
                    " (subclass lucid.data.Dataset or lucid.data.IterableDataset)")
            raise TypeError(f"DataLoader expects a lucid.data.Dataset, got {type(dataset).__name__}{hint}")
        for name, flag in (("shuffle", shuffle), ("drop_last", drop_last), ("pin_memory", pin_memory),
                           ("persistent_workers", persistent_workers)):
            if not isinstance(flag, bool):
                raise TypeError(f"DataLoader: {name} must be a bool, got {flag!r}")
        num_workers = check_int(num_workers, "num_workers", "DataLoader", 0)
        if prefetch_factor is not None:
            if num_workers == 0:
                raise ValueError("DataLoader: prefetch_factor applies to background workers only; "
                                 "leave it None when num_workers=0")
            prefetch_factor = check_int(prefetch_factor, "prefetch_factor", "DataLoader", 1)
        if isinstance(timeout, bool) or not isinstance(timeout, numbers.Real):
            raise TypeError(f"DataLoader: timeout must be a number of seconds, got {timeout!r}")
        if timeout < 0:
            raise ValueError(f"DataLoader: timeout must be non-negative, got {timeout}")
        for name, fn in (("collate_fn", collate_fn), ("worker_init_fn", worker_init_fn)):
            if fn is not None and not callable(fn):
                raise TypeError(f"DataLoader: {name} must be callable, got {type(fn).__name__}")
        if batch_size is not None:
            if isinstance(batch_size, bool) or not isinstance(batch_size, numbers.Integral):
                raise TypeError(f"DataLoader: batch_size must be a positive int or None, got {batch_size!r}")
            if batch_size <= 0:
                raise ValueError(f"DataLoader: batch_size must be a positive int, got {batch_size}")

        iterable = isinstance(dataset, IterableDataset)
        if iterable:
            if shuffle:
                raise ValueError("DataLoader: shuffle=True is not supported for an IterableDataset "
                                 "(shuffle inside its __iter__ instead)")
            if sampler is not None:
                raise ValueError("DataLoader: an IterableDataset cannot take a sampler")
            if batch_sampler is not None:
                raise ValueError("DataLoader: an IterableDataset cannot take a batch_sampler")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError("DataLoader: batch_sampler is mutually exclusive with batch_size, shuffle, "
                                 "sampler and drop_last; leave those at their defaults")
            batch_size = None
        elif batch_size is None and drop_last:
            raise ValueError("DataLoader: drop_last=True needs a batch_size (batch_size=None turns batching off)")
        if sampler is not None and shuffle:
            raise ValueError("DataLoader: shuffle=True and a sampler are mutually exclusive; "
                             "shuffle in the sampler (e.g. RandomSampler) instead")
        self.generator = _resolve_generator(generator, "DataLoader")

        self.dataset = dataset
        self.batch_size = batch_size
        self.drop_last = drop_last
        self.num_workers = int(num_workers)
        self.prefetch_factor = (2 if prefetch_factor is None else int(prefetch_factor)) if num_workers else None
        self.timeout = float(timeout)
        self.worker_init_fn = worker_init_fn
        self._iterable = iterable
        if not iterable:
            if sampler is None:
                sampler = RandomSampler(dataset, generator=self.generator) if shuffle else SequentialSampler(dataset)
            elif not isinstance(sampler, Sampler) and not hasattr(sampler, "__iter__"):
                raise TypeError(f"DataLoader: sampler must be a Sampler or an iterable of indices, "
                                f"got {type(sampler).__name__}")
            if batch_size is not None and batch_sampler is None:
                batch_sampler = BatchSampler(sampler, batch_size, drop_last)
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self._auto_collation = batch_sampler is not None or (iterable and batch_size is not None)
        if collate_fn is None:
            collate_fn = default_collate if self._auto_collation else default_convert
        self.collate_fn = collate_fn

    def __len__(self) -> int:
        if self._iterable:
            if not hasattr(self.dataset, "__len__"):
                raise TypeError(f"this DataLoader reads an IterableDataset ({type(self.dataset).__name__}) "
                                "that has no len()")
            n = len(self.dataset)
            if self.batch_size is None:
                return n
            return n // self.batch_size if self.drop_last else -(-n // self.batch_size)
        return len(self.batch_sampler if self.batch_sampler is not None else self.sampler)

    def __iter__(self):
        if self._iterable:
            if self.num_workers > 0:
                _evaluate_held_tensors(self.dataset)
                return _ThreadedIterableIter(self)
            return _IterableIter(self)
        index_iter = iter(self.batch_sampler if self._auto_collation else self.sampler)
        fetcher = self.dataset._batch_fetcher() if self.collate_fn is default_collate else None
        if fetcher is not None:
            return _FetcherIter(fetcher, index_iter)
        if self.num_workers > 0:
            _evaluate_held_tensors(self.dataset)
            return _ThreadedMapIter(self, index_iter)
        return _MapIter(self, index_iter)

    def __repr__(self) -> str:
        return (f"DataLoader({type(self.dataset).__name__}, batch_size={self.batch_size}, "
                f"num_workers={self.num_workers}, drop_last={self.drop_last})")


# -- loading one batch (runs in the main thread or a worker) -------------------

def _load(dataset, indices, collate, auto: bool):
    try:
        if auto:
            getitems = getattr(dataset, "__getitems__", None)
            return collate(getitems(indices) if getitems is not None else [dataset[i] for i in indices])
        return collate(dataset[indices])
    except StopIteration as exc:
        # A StopIteration escaping __next__ would silently end the epoch.
        raise RuntimeError(f"the dataset raised StopIteration while loading index {indices!r}") from exc


def _collect_arrays(obj, out: list) -> None:
    stack = [obj]
    while stack:
        item = stack.pop()
        if isinstance(item, Tensor):
            out.append(item._data)
        elif isinstance(item, mx.array):
            out.append(item)
        elif isinstance(item, (list, tuple)):
            stack.extend(item)
        elif isinstance(item, dict):
            stack.extend(item.values())


def _evaluate_held_tensors(dataset, max_depth: int = 4) -> None:
    """One batched ``mx.eval`` of the arrays reachable from the dataset's attributes (main thread)."""
    arrays, seen = [], set()
    stack = [(dataset, 0)]
    while stack:
        obj, depth = stack.pop()
        if id(obj) in seen or depth > max_depth:
            continue
        seen.add(id(obj))
        if isinstance(obj, Tensor):
            arrays.append(obj._data)
        elif isinstance(obj, mx.array):
            arrays.append(obj)
        elif isinstance(obj, (list, tuple)):
            if len(obj) <= 10_000:  # long lists hold samples, not the few big tensors we look for
                stack.extend((o, depth + 1) for o in obj)
        elif isinstance(obj, dict):
            stack.extend((o, depth + 1) for o in obj.values())
        elif isinstance(obj, Dataset):
            stack.extend((o, depth + 1) for o in getattr(obj, "__dict__", {}).values())
    if arrays:
        mx.eval(arrays)


def _materialize(batch):
    # MLX evaluates an array only on the thread whose stream recorded it, so a
    # worker finishes its batch before the main thread sees it.
    arrays = []
    _collect_arrays(batch, arrays)
    if arrays:
        mx.eval(arrays)
    return batch


def _load_in_worker(dataset, indices, collate, auto: bool):
    return _materialize(_load(dataset, indices, collate, auto))


def _add_context(exc: BaseException, what: str) -> BaseException:
    note = f"(raised in a DataLoader worker thread while loading {what})"
    if hasattr(exc, "add_note"):
        exc.add_note(note)
    return exc


def _describe(indices) -> str:
    if isinstance(indices, list) and len(indices) > 8:
        return f"indices {indices[:8]}... ({len(indices)} in all)"
    return f"indices {indices!r}"


# -- iterators -------------------------------------------------------------

class _MapIter:
    """Map-style, loading in the calling thread."""

    def __init__(self, loader: DataLoader, index_iter):
        self._dataset = loader.dataset
        self._collate = loader.collate_fn
        self._auto = loader._auto_collation
        self._index_iter = index_iter

    def __iter__(self):
        return self

    def __next__(self):
        indices = next(self._index_iter)
        return _load(self._dataset, indices, self._collate, self._auto)


class _FetcherIter:
    """Map-style datasets that gather a whole batch at once (``TensorDataset``)."""

    def __init__(self, fetcher, index_iter):
        self._fetch = fetcher
        self._index_iter = index_iter

    def __iter__(self):
        return self

    def __next__(self):
        return self._fetch(next(self._index_iter))


class _ThreadedMapIter:
    """Map-style with loader threads: batches are queued ahead and collected in order."""

    _tasks = None  # so __del__ is safe even if __init__ failed early

    def __init__(self, loader: DataLoader, index_iter):
        self._index_iter = index_iter
        self._timeout = loader.timeout or None
        self._window = loader.num_workers * loader.prefetch_factor
        self._pending = collections.deque()
        self._count = 0
        self._stop = threading.Event()
        self._tasks = queue.SimpleQueue()
        self._workers = loader.num_workers
        _workers.register_stop(self._stop)
        # NOTE: the jobs must not reference this iterator, or an abandoned iterator
        # would never be collected and its threads never told to stop.
        job = functools.partial(_serve_batches, self._tasks, self._stop, loader.dataset, loader.collate_fn,
                                loader._auto_collation, loader.worker_init_fn, itertools.count(),
                                loader.num_workers, _base_seed())
        for _ in range(loader.num_workers):
            _workers.start_job(job)
        self._fill()

    def _fill(self) -> None:
        while len(self._pending) < self._window:
            try:
                indices = next(self._index_iter)
            except StopIteration:
                return
            fut = Future()
            self._tasks.put((fut, indices))
            self._pending.append((self._count, indices, fut))
            self._count += 1

    def __iter__(self):
        return self

    def __next__(self):
        if not self._pending:
            self.close()
            raise StopIteration
        number, indices, fut = self._pending.popleft()
        done, _ = wait([fut], timeout=self._timeout)
        if not done:
            self.close()
            raise RuntimeError(f"DataLoader timed out after {self._timeout} s waiting for batch {number}")
        exc = fut.exception()
        if exc is not None:
            self.close()
            raise _add_context(exc, f"batch {number}, {_describe(indices)}")
        self._fill()
        return fut.result()

    def close(self) -> None:
        """Cancel the batches not yet started and hand the threads back.

        Takes no lock a loader thread may hold, so the garbage collector may call it from any thread.
        """
        tasks = self._tasks
        if tasks is None:
            return
        self._tasks = None
        self._stop.set()
        for _, _, fut in self._pending:
            fut.cancel()
        self._pending.clear()
        for _ in range(self._workers):
            tasks.put(None)

    def __del__(self):
        self.close()


def _base_seed() -> int:
    """A fresh seed for ``WorkerInfo.seed`` (drawn from the OS, so no user RNG stream is consumed)."""
    return int.from_bytes(os.urandom(7), "little")


def _serve_batches(tasks: queue.SimpleQueue, stop: threading.Event, dataset, collate, auto: bool, init,
                   worker_ids, num_workers: int = 1, base_seed: int = 0) -> None:
    """One loader thread's share of a map-style epoch: load batches until told to stop."""
    try:
        _serve_batches_loop(tasks, stop, dataset, collate, auto, init, worker_ids, num_workers, base_seed)
    finally:
        _set_worker_info(None)  # the thread is reused by later loaders


def _serve_batches_loop(tasks, stop, dataset, collate, auto, init, worker_ids, num_workers, base_seed) -> None:
    started, init_error = False, None
    while True:
        task = tasks.get()
        if task is None:
            return
        fut, indices = task
        if stop.is_set() or not fut.set_running_or_notify_cancel():
            continue
        if not started:  # like a thread pool's initializer: before this thread's first batch
            started = True
            # NOTE: next() on itertools.count is atomic under the GIL: ids are 0..n-1
            worker_id = next(worker_ids)
            _set_worker_info(WorkerInfo(worker_id, num_workers, base_seed + worker_id, dataset))
            if init is not None:
                try:
                    init(worker_id)
                except BaseException as exc:  # handed to the main thread with every batch it asks for
                    init_error = _add_context(exc, f"worker_init_fn({worker_id})")
        if init_error is not None:
            fut.set_exception(init_error)
            continue
        try:
            fut.set_result(_load_in_worker(dataset, indices, collate, auto))
        except BaseException as exc:  # handed to the main thread, which re-raises it
            fut.set_exception(exc)
        del task, fut


def _take_batches(iterator, batch_size, drop_last):
    """Yield lists of ``batch_size`` samples (or single samples when ``batch_size`` is None)."""
    if batch_size is None:
        yield from iterator
        return
    while True:
        batch = list(itertools.islice(iterator, batch_size))
        if not batch or (drop_last and len(batch) < batch_size):
            return
        yield batch


class _IterableIter:
    """IterableDataset, loading in the calling thread."""

    def __init__(self, loader: DataLoader):
        self._batches = _take_batches(iter(loader.dataset), loader.batch_size, loader.drop_last)
        self._collate = loader.collate_fn

    def __iter__(self):
        return self

    def __next__(self):
        return self._collate(next(self._batches))


_OK, _END, _ERR = 0, 1, 2


def _put(q: queue.Queue, item, stop: threading.Event) -> bool:
    while not stop.is_set():
        try:
            q.put(item, timeout=_POLL_S)
            return True
        except queue.Full:
            continue
    return False


def _produce(source, batch_size, drop_last, collate, q: queue.Queue, stop: threading.Event, init,
             finished: threading.Event, dataset=None) -> None:
    # NOTE: this function must not reference the iterator object, or an abandoned
    # iterator would never be collected and its thread would never be told to stop.
    count = 0
    try:
        _set_worker_info(WorkerInfo(0, 1, _base_seed(), dataset))
        if init is not None:
            init(0)
        for samples in _take_batches(source, batch_size, drop_last):
            if stop.is_set():
                return
            batch = _materialize(collate(samples))
            if not _put(q, (_OK, batch), stop):
                return
            count += 1
        _put(q, (_END, None), stop)
    except BaseException as exc:  # handed to the main thread, which re-raises it
        _put(q, (_ERR, _add_context(exc, f"batch {count} of the IterableDataset")), stop)
    finally:
        _set_worker_info(None)
        finished.set()


class _ThreadedIterableIter:
    """IterableDataset read by one loader thread into a bounded queue."""

    _stop = None  # so __del__ is safe even if __init__ failed early

    def __init__(self, loader: DataLoader):
        self._queue = queue.Queue(maxsize=loader.num_workers * loader.prefetch_factor)
        self._timeout = loader.timeout or None
        self._done = False
        self._finished = threading.Event()
        source = iter(loader.dataset)
        self._stop = threading.Event()
        _workers.register_stop(self._stop)
        _workers.start_job(functools.partial(
            _produce, source, loader.batch_size, loader.drop_last, loader.collate_fn, self._queue, self._stop,
            loader.worker_init_fn, self._finished, loader.dataset))

    def __iter__(self):
        return self

    def __next__(self):
        if self._done:
            raise StopIteration
        waited = 0.0
        while True:
            try:
                kind, payload = self._queue.get(timeout=_POLL_S)
                break
            except queue.Empty:
                waited += _POLL_S
                if self._finished.is_set() and self._queue.empty():
                    self.close()
                    raise RuntimeError("the DataLoader worker thread exited without finishing") from None
                if self._timeout is not None and waited >= self._timeout:
                    self.close()
                    raise RuntimeError(f"DataLoader timed out after {self._timeout} s waiting for a batch") from None
        if kind == _OK:
            return payload
        self.close()
        if kind == _END:
            raise StopIteration
        raise payload

    def close(self) -> None:
        """Tell the producer thread to stop (what it had queued is freed with the queue).

        Takes no lock the producer may hold: the garbage collector may call this from any
        thread, the producer's own included, in the middle of a ``queue.put``.
        """
        self._done = True
        if self._stop is not None:
            self._stop.set()

    def __del__(self):
        self.close()
