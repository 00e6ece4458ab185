"""Loader threads under stress: reuse across epochs, garbage collection in any thread, concurrent MLX work.

Every test runs its body under a watchdog, so a stall fails the test with every
thread's stack instead of hanging the suite.
"""

import gc
import os
import sys
import threading
import time
import traceback

import mlx.core as mx
import numpy as np
import pytest

import lucid
from lucid.data import DataLoader, Dataset, IterableDataset, _workers

WATCHDOG_S = 60  # the bodies take a few seconds; only a stall comes near this


def _run_with_watchdog(body, limit_s=WATCHDOG_S):
    """Run ``body()`` in a thread; fail with all stacks if it has not returned after ``limit_s``."""
    outcome = {}

    def target():
        try:
            body()
        except BaseException as exc:  # re-raised in the test's thread below
            outcome["exc"] = exc

    runner = threading.Thread(target=target, name="test-body", daemon=True)
    runner.start()
    runner.join(limit_s)
    if runner.is_alive():
        names = {t.ident: t.name for t in threading.enumerate()}
        stacks = "\n".join(f"--- thread {names.get(ident, ident)}\n" + "".join(traceback.format_stack(frame))
                           for ident, frame in sys._current_frames().items())
        pytest.fail(f"stalled for {limit_s} s; thread stacks:\n{stacks}")
    if "exc" in outcome:
        raise outcome["exc"]


def _os_threads():
    return len(os.listdir("/proc/self/task"))


def _wait_idle(timeout=5.0):
    """True once no loader thread runs a job (loader threads are kept, idle, between epochs)."""
    deadline = time.monotonic() + timeout
    while _workers.busy_threads() and time.monotonic() < deadline:
        time.sleep(0.02)
    return _workers.busy_threads() == 0


class LazySamples(Dataset):
    """Samples built by MLX ops, so each worker evaluates its batches on its own MLX stream."""

    def __init__(self, n=8):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        return lucid.tensor([float(i), 1.0]) * 2.0


class Broken(LazySamples):
    def __getitem__(self, i):
        if i == 5:
            raise KeyError("sample 5 is broken")
        return super().__getitem__(i)


class Endless(IterableDataset):
    def __iter__(self):
        i = 0
        while True:
            yield {"x": np.full(3, i, np.float32), "y": i}
            i += 1


@pytest.mark.skipif(not os.path.isdir("/proc/self/task"), reason="counts OS threads through /proc")
def test_loader_threads_are_reused_across_epochs():
    # MLX gives each thread that evaluates its own stream and a native scheduler thread that
    # never ends: a new worker thread per epoch used to leave one OS thread behind per epoch.
    def body():
        for _ in range(2):  # warm up: the pool's threads and their MLX streams exist
            list(DataLoader(LazySamples(), batch_size=2, num_workers=2))
        assert _wait_idle()
        before = _os_threads()
        for _epoch in range(40):
            assert [b.shape for b in DataLoader(LazySamples(), batch_size=2, num_workers=2)] == [(2, 2)] * 4
            it = iter(DataLoader(Endless(), batch_size=2, num_workers=1))
            assert next(it)["y"].tolist() == [0, 1]
            del it
            assert _wait_idle()
        assert _os_threads() - before <= 6, f"{_os_threads() - before} OS threads more after 40 epochs"

    _run_with_watchdog(body)


def test_iterator_finalized_by_the_garbage_collector_in_its_own_thread():
    # An abandoned iterator that only the cyclic GC can free may be finalized in any thread,
    # its own producer's included, while the producer holds its queue's lock inside put().
    # Closing it used to take that lock: the producer deadlocked on itself, inside the
    # collection, which stopped the cyclic GC of the whole process.
    def body():
        for _ in range(3):
            it = iter(DataLoader(Endless(), batch_size=2, num_workers=1, prefetch_factor=1))
            next(it)
            time.sleep(0.1)  # the producer now waits on a full queue, retrying put() every 50 ms
            cycle = [it]
            cycle.append(cycle)
            del it, cycle
            old = gc.get_threshold()
            gc.set_threshold(1)
            try:
                time.sleep(0.3)  # this thread allocates nothing: the producer's next allocation collects
            finally:
                gc.set_threshold(*old)
            gc.collect()
            assert _wait_idle(), "the producer of a garbage-collected iterator is stuck"
        garbage = [[]]
        garbage[0].append(garbage)
        del garbage
        assert gc.collect() > 0, "the cyclic garbage collector no longer runs"

    _run_with_watchdog(body)


def test_loaders_under_concurrent_mlx_work():
    # num_workers=1 loaders (full epochs, abandoned epochs, failing batches, iterators left to
    # the GC) while two other threads evaluate MLX graphs the whole time.
    stop = threading.Event()
    evaluated = [0]

    def mlx_load(seed):
        a = mx.array(np.random.default_rng(seed).standard_normal((48, 48)).astype(np.float32))
        while not stop.is_set():
            b = a
            for _ in range(25):  # more than MLX's 10 tasks in flight: its scheduler throttles
                b = mx.tanh(b @ a * 0.05)
            mx.eval(b.sum())
            evaluated[0] += 1

    def body():
        for epoch in range(15):
            out = [b.tolist() for b in DataLoader(LazySamples(6), batch_size=3, num_workers=1)]
            assert out == [[[0.0, 2.0], [2.0, 2.0], [4.0, 2.0]], [[6.0, 2.0], [8.0, 2.0], [10.0, 2.0]]]
            for i, _ in enumerate(DataLoader(LazySamples(40), batch_size=2, num_workers=1, shuffle=True,
                                             generator=epoch)):
                if i == 2:
                    break
            with pytest.raises(KeyError, match="broken"):
                list(DataLoader(Broken(), batch_size=2, num_workers=1))
            it = iter(DataLoader(Endless(), batch_size=2, num_workers=1, prefetch_factor=1))
            assert next(it)["y"].tolist() == [0, 1]
            cycle = [it, DataLoader(LazySamples(20), batch_size=2, num_workers=1).__iter__()]
            cycle.append(cycle)
            del it, cycle
            if epoch % 5 == 4:
                gc.collect()
        gc.collect()
        assert _wait_idle(), "loader threads still busy after every iterator ended"

    threads = [threading.Thread(target=mlx_load, args=(k,), name=f"mlx-load-{k}", daemon=True) for k in range(2)]
    for t in threads:
        t.start()
    try:
        _run_with_watchdog(body)
    finally:
        stop.set()
        for t in threads:
            t.join(WATCHDOG_S)
    assert evaluated[0] > 0
