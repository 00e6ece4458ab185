"""Loader threads shared by every threaded ``DataLoader`` iterator for the life of the process.

Why threads are kept rather than started per epoch: MLX 0.32 gives every
Python thread that evaluates an array its own stream, and every stream its
own scheduler thread, which MLX never ends. A worker thread started per epoch
therefore left one native thread behind per epoch (measured: 1557 extra OS
threads after 1559 epochs of a ``num_workers=1`` loader over ``ToTensor``
images). Reusing a few threads keeps that bounded by the most workers ever
busy at once.

A thread is named ``lucid-data-<n>`` while it runs a job and ``lucid-idle-<n>``
while it waits for the next one. Nothing a job's owner calls to stop it takes
a lock that a loader thread may hold: an iterator may be finalized by the
garbage collector in any thread, including the loader thread it is stopping.
"""

from __future__ import annotations

import atexit
import itertools
import os
import queue
import threading
import weakref

__all__ = ["busy_threads", "register_stop", "start_job"]

_lock = threading.Lock()
_idle: list = []  # _LoaderThread objects waiting for a job
_busy: set = set()  # threads running a job
_numbers = itertools.count()
_exiting = threading.Event()
_stop_flags: weakref.WeakSet = weakref.WeakSet()  # the stop flags of jobs, set at interpreter exit


class _LoaderThread:
    __slots__ = ("inbox", "number", "thread")

    def __init__(self):
        self.number = next(_numbers)
        self.inbox = queue.SimpleQueue()
        self.thread = threading.Thread(target=self._serve, name=f"lucid-data-{self.number}", daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        me = threading.current_thread()
        while True:
            job = self.inbox.get()
            if job is None:
                return
            me.name = f"lucid-data-{self.number}"
            job()  # a job reports its own errors to its owner; anything else is a bug and ends the thread
            job = None  # drop the job's references (dataset, queues) before waiting for the next
            me.name = f"lucid-idle-{self.number}"
            with _lock:
                _busy.discard(me)
                if _exiting.is_set():
                    return
                _idle.append(self)


def start_job(job) -> None:
    """Run ``job()`` on an idle loader thread, starting a new thread if none is idle."""
    with _lock:
        worker = _idle.pop() if _idle else None
    if worker is None:
        worker = _LoaderThread()
    with _lock:
        _busy.add(worker.thread)
    worker.inbox.put(job)


def busy_threads() -> int:
    """How many loader threads are running a job now."""
    with _lock:
        return len(_busy)


def stop_all(stop_events: list, timeout: float = 5.0) -> None:
    """At interpreter exit: let running jobs see their stop flag and idle threads end."""
    _exiting.set()
    for event in stop_events:
        event.set()
    with _lock:
        idle, _idle[:] = list(_idle), []
        busy = list(_busy)
    for worker in idle:
        worker.inbox.put(None)
    for thread in busy:
        thread.join(timeout / max(len(busy), 1))


def _after_fork_in_child() -> None:
    # Only the forking thread exists in the child: forget the parent's threads.
    global _lock
    _lock = threading.Lock()
    _idle.clear()
    _busy.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


def register_stop(event: threading.Event) -> None:
    """Have interpreter exit set ``event``, the stop flag of a job (daemon threads must not be
    inside MLX while the interpreter tears down)."""
    _stop_flags.add(event)


@atexit.register
def _at_exit() -> None:
    stop_all(list(_stop_flags))
