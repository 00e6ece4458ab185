import functools
import gc
import operator
import threading
import time

import numpy as np
import pytest

import lucid
from lucid.data import (
    BatchSampler,
    DataLoader,
    Dataset,
    IterableDataset,
    SequentialSampler,
    Subset,
    TensorDataset,
)


class Images(Dataset):
    """Sample i: (uint8 image filled with i % 256, label i, name)."""

    def __init__(self, n, shape=(4, 5)):
        self.n, self.shape = n, shape

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        if not 0 <= i < self.n:
            raise IndexError(i)
        return np.full(self.shape, i % 256, np.uint8), i, f"img{i}"


class Failing(Dataset):
    def __init__(self, n, bad):
        self.n, self.bad = n, bad

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        if i == self.bad:
            raise KeyError(f"sample {i} is broken")
        return np.float32(i)


class Stream(IterableDataset):
    def __init__(self, n, fail_at=None):
        self.n, self.fail_at = n, fail_at

    def __iter__(self):
        for i in range(self.n):
            if i == self.fail_at:
                raise ValueError("stream broke")
            yield {"x": np.full(3, i, np.float32), "y": i}


class Sized(Stream):
    def __len__(self):
        return self.n


def _labels(loader):
    return [b[1].tolist() for b in loader]


def _lucid_threads():
    return [t for t in threading.enumerate() if t.name.startswith("lucid-data")]


def _wait_threads_gone(timeout=5.0):
    deadline = time.monotonic() + timeout
    while _lucid_threads() and time.monotonic() < deadline:
        gc.collect()
        time.sleep(0.02)
    return not _lucid_threads()


def test_batches_shapes_and_dtypes():
    loader = DataLoader(Images(10), batch_size=4)
    batches = list(loader)
    assert len(loader) == 3 == len(batches)
    x, y, names = batches[0]
    assert x.shape == (4, 4, 5) and x.dtype == lucid.uint8
    assert y.dtype == lucid.int64 and y.tolist() == [0, 1, 2, 3]
    assert names == ["img0", "img1", "img2", "img3"]
    assert batches[-1][0].shape == (2, 4, 5)
    np.testing.assert_array_equal(batches[1][0].numpy()[:, 0, 0], [4, 5, 6, 7])


def test_drop_last_and_len():
    loader = DataLoader(Images(10), batch_size=4, drop_last=True)
    assert len(loader) == 2
    assert _labels(loader) == [[0, 1, 2, 3], [4, 5, 6, 7]]
    assert len(DataLoader(Images(8), batch_size=4, drop_last=True)) == 2
    assert len(DataLoader(Images(9), batch_size=1)) == 9


def test_shuffle_reproducible_with_seed():
    a = _labels(DataLoader(Images(20), batch_size=5, shuffle=True, generator=11))
    b = _labels(DataLoader(Images(20), batch_size=5, shuffle=True, generator=11))
    c = _labels(DataLoader(Images(20), batch_size=5, shuffle=True, generator=12))
    assert a == b and a != c
    assert sorted(functools.reduce(operator.iadd, a, [])) == list(range(20))
    loader = DataLoader(Images(20), batch_size=5, shuffle=True, generator=11)
    assert _labels(loader) != _labels(loader)  # a new order each epoch
    np.random.seed(3)
    d = _labels(DataLoader(Images(20), batch_size=5, shuffle=True))
    np.random.seed(3)
    e = _labels(DataLoader(Images(20), batch_size=5, shuffle=True))
    assert d == e


def test_custom_sampler_and_batch_sampler():
    loader = DataLoader(Images(6), batch_size=2, sampler=[5, 3, 1, 0])
    assert _labels(loader) == [[5, 3], [1, 0]]
    loader = DataLoader(Images(6), batch_sampler=[[0, 5], [2]])
    assert _labels(loader) == [[0, 5], [2]]
    loader = DataLoader(Images(7), batch_sampler=BatchSampler(SequentialSampler(range(7)), 3, True))
    assert len(loader) == 2 and _labels(loader) == [[0, 1, 2], [3, 4, 5]]


def test_custom_collate_fn():
    loader = DataLoader(Images(5), batch_size=2, collate_fn=lambda b: [s[1] for s in b])
    assert list(loader) == [[0, 1], [2, 3], [4]]


def test_batch_size_none_disables_batching():
    loader = DataLoader(Images(3), batch_size=None)
    items = list(loader)
    assert len(loader) == 3 and len(items) == 3
    x, y, name = items[1]
    assert isinstance(x, lucid.Tensor) and x.shape == (4, 5) and y == 1 and name == "img1"


def test_tensor_dataset_fast_path_matches_generic():
    x = np.random.default_rng(0).random((13, 3)).astype(np.float32)
    y = np.arange(13)
    ds = TensorDataset(lucid.tensor(x), y)
    fast = list(DataLoader(ds, batch_size=4, shuffle=True, generator=5))
    slow = list(DataLoader(ds, batch_size=4, shuffle=True, generator=5,
                           collate_fn=lambda b: lucid.data.default_collate(b)))  # per-sample path
    assert len(fast) == len(slow) == 4
    for (fx, fy), (sx, sy) in zip(fast, slow):
        np.testing.assert_array_equal(fx.numpy(), sx.numpy())
        assert fy.tolist() == sy.tolist() and fy.dtype == sy.dtype == lucid.int64
    sub = Subset(ds, [12, 0, 5])
    (bx, by), = list(DataLoader(sub, batch_size=3))
    assert by.tolist() == [12, 0, 5]
    np.testing.assert_array_equal(bx.numpy(), x[[12, 0, 5]])


def test_tensor_dataset_subclass_with_own_getitem_is_respected():
    class Doubled(TensorDataset):
        def __getitem__(self, i):
            (x,) = super().__getitem__(i)
            return (x * 2,)

    (batch,) = next(iter(DataLoader(Doubled(np.arange(4)), batch_size=4)))
    assert batch.tolist() == [0, 2, 4, 6]


def test_iterable_dataset_batches():
    loader = DataLoader(Sized(7), batch_size=3)
    batches = list(loader)
    assert len(loader) == 3 and len(batches) == 3
    assert batches[0]["x"].shape == (3, 3) and batches[0]["y"].tolist() == [0, 1, 2]
    assert batches[-1]["y"].tolist() == [6]
    loader = DataLoader(Sized(7), batch_size=3, drop_last=True)
    assert len(loader) == 2 and [b["y"].tolist() for b in loader] == [[0, 1, 2], [3, 4, 5]]
    with pytest.raises(TypeError, match="len"):
        len(DataLoader(Stream(3), batch_size=2))


@pytest.mark.parametrize("num_workers", [1, 3])
def test_prefetch_threads_give_identical_batches(num_workers):
    base = list(DataLoader(Images(23), batch_size=4, shuffle=True, generator=9))
    threaded = list(DataLoader(Images(23), batch_size=4, shuffle=True, generator=9, num_workers=num_workers,
                               prefetch_factor=2))
    assert len(base) == len(threaded) == 6
    for (bx, by, bn), (tx, ty, tn) in zip(base, threaded):
        np.testing.assert_array_equal(bx.numpy(), tx.numpy())
        assert by.tolist() == ty.tolist() and bn == tn
    assert _wait_threads_gone()


def test_prefetch_iterable_identical():
    base = [b["y"].tolist() for b in DataLoader(Stream(10), batch_size=3)]
    threaded = [b["y"].tolist() for b in DataLoader(Stream(10), batch_size=3, num_workers=2)]
    assert base == threaded == [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]]
    assert _wait_threads_gone()


def test_threaded_batch_is_usable_in_main_thread():
    # Batches built by MLX ops in a worker (Tensor stacking) must evaluate in the main thread.
    class TensorSamples(Dataset):
        def __len__(self):
            return 6

        def __getitem__(self, i):
            return lucid.tensor([float(i), 1.0]) * 2.0

    out = list(DataLoader(TensorSamples(), batch_size=3, num_workers=2))
    assert (out[0] * 1.0).tolist() == [[0.0, 2.0], [2.0, 2.0], [4.0, 2.0]]
    assert out[1].sum().item() == 30.0


def test_workers_with_lazy_tensors_held_by_the_dataset():
    # MLX evaluates a lazy array only on the thread that recorded it; the loader evaluates the
    # dataset's tensors in the main thread before its workers index them.
    class Lazy(Dataset):
        def __init__(self):
            self.x = lucid.tensor(np.arange(12, dtype=np.float32).reshape(6, 2)) * 2.0
            self.extra = {"scale": [lucid.ones(2) + 1.0]}

        def __len__(self):
            return 6

        def __getitem__(self, i):
            return self.x[i] * self.extra["scale"][0]

    out = [b.tolist() for b in DataLoader(Subset(Lazy(), range(6)), batch_size=3, num_workers=2)]
    assert out == [[[0.0, 4.0], [8.0, 12.0], [16.0, 20.0]], [[24.0, 28.0], [32.0, 36.0], [40.0, 44.0]]]


def test_pytorch_compat_flags_accepted():
    loader = DataLoader(Images(4), batch_size=2, pin_memory=True, persistent_workers=True, num_workers=1,
                        shuffle=None)
    assert len(list(loader)) == 2


def test_worker_init_fn_runs_in_each_thread():
    seen = []

    def init(worker_id):
        seen.append((worker_id, threading.current_thread().name))

    list(DataLoader(Images(12), batch_size=1, num_workers=2, worker_init_fn=init))
    assert sorted(i for i, _ in seen) == list(range(len(seen))) and 1 <= len(seen) <= 2
    assert all(name.startswith("lucid-data") for _, name in seen)
    seen.clear()
    list(DataLoader(Stream(3), batch_size=2, num_workers=1, worker_init_fn=init))
    assert [i for i, _ in seen] == [0]
    with pytest.raises(TypeError, match="worker_init_fn"):
        DataLoader(Images(2), worker_init_fn=5)


def test_prefetch_loads_ahead_while_main_thread_works():
    loaded = []
    ahead = threading.Event()

    class Recording(Dataset):
        def __len__(self):
            return 8

        def __getitem__(self, i):
            loaded.append(i)
            if i == 5:
                ahead.set()
            return i

    it = iter(DataLoader(Recording(), batch_size=2, num_workers=1, prefetch_factor=4))
    first = next(it)
    # While the main thread holds batch 0 (it would be training), the worker fetches later batches.
    assert ahead.wait(timeout=10), "the worker did not load ahead"
    rest = list(it)
    assert first.tolist() == [0, 1] and [r.tolist() for r in rest] == [[2, 3], [4, 5], [6, 7]]
    assert sorted(loaded) == list(range(8))


def test_worker_exception_propagates_with_context():
    loader = DataLoader(Failing(10, bad=6), batch_size=3, num_workers=2)
    it = iter(loader)
    assert next(it).tolist() == [0.0, 1.0, 2.0]
    assert next(it).tolist() == [3.0, 4.0, 5.0]
    with pytest.raises(KeyError, match="sample 6 is broken") as info:
        next(it)
    notes = " ".join(getattr(info.value, "__notes__", []))
    assert "worker thread" in notes and "batch 2" in notes and "6" in notes
    del it
    assert _wait_threads_gone()


def test_sync_exception_propagates():
    with pytest.raises(KeyError, match="broken"):
        list(DataLoader(Failing(4, bad=1), batch_size=2))


def test_iterable_worker_exception_propagates():
    it = iter(DataLoader(Stream(10, fail_at=4), batch_size=2, num_workers=1))
    assert next(it)["y"].tolist() == [0, 1]
    assert next(it)["y"].tolist() == [2, 3]
    with pytest.raises(ValueError, match="stream broke"):
        next(it)
    with pytest.raises(StopIteration):
        next(it)


def test_dataset_stopiteration_is_not_end_of_epoch():
    class Bad(Dataset):
        def __len__(self):
            return 4

        def __getitem__(self, i):
            raise StopIteration

    with pytest.raises(RuntimeError, match="StopIteration"):
        list(DataLoader(Bad(), batch_size=2))


def test_abandoned_iterator_does_not_hang():
    before = len(_lucid_threads())
    assert before == 0 or _wait_threads_gone()
    for loader in (DataLoader(Images(200), batch_size=2, num_workers=2, prefetch_factor=2),
                   DataLoader(Sized(1000), batch_size=2, num_workers=1, prefetch_factor=1)):
        for i, _ in enumerate(loader):
            if i == 2:
                break
        assert _wait_threads_gone(), "loader threads kept running after the iterator was abandoned"


def test_epochs_restart():
    loader = DataLoader(Images(5), batch_size=2, num_workers=1)
    assert _labels(loader) == _labels(loader) == [[0, 1], [2, 3], [4]]


def test_timeout():
    class Hang(Dataset):
        def __len__(self):
            return 2

        def __getitem__(self, i):
            time.sleep(0.5)
            return i

    with pytest.raises(RuntimeError, match="timed out"):
        list(DataLoader(Hang(), batch_size=1, num_workers=1, timeout=0.05))


def test_argument_errors():
    ds = Images(4)
    with pytest.raises(ValueError, match="batch_size"):
        DataLoader(ds, batch_size=0)
    with pytest.raises(ValueError, match="batch_size"):
        DataLoader(ds, batch_size=-3)
    with pytest.raises(TypeError, match="batch_size"):
        DataLoader(ds, batch_size=2.0)
    with pytest.raises(ValueError, match="mutually exclusive"):
        DataLoader(ds, shuffle=True, sampler=[0, 1])
    for kwargs in ({"batch_size": 2}, {"shuffle": True}, {"sampler": [0]}, {"drop_last": True}):
        with pytest.raises(ValueError, match="batch_sampler"):
            DataLoader(ds, batch_sampler=[[0, 1]], **kwargs)
    for bad in (np.zeros((3, 2)), [1, 2, 3], None, 5):
        with pytest.raises(TypeError, match="Dataset"):
            DataLoader(bad)
    with pytest.raises(ValueError, match="IterableDataset"):
        DataLoader(Stream(3), shuffle=True)
    with pytest.raises(ValueError, match="sampler"):
        DataLoader(Stream(3), sampler=[0])
    with pytest.raises(ValueError, match="num_workers"):
        DataLoader(ds, num_workers=-1)
    with pytest.raises(ValueError, match="prefetch_factor"):
        DataLoader(ds, prefetch_factor=2)
    with pytest.raises(ValueError, match="prefetch_factor"):
        DataLoader(ds, num_workers=1, prefetch_factor=0)
    with pytest.raises(TypeError, match="prefetch_factor"):
        DataLoader(ds, num_workers=1, prefetch_factor=1.5)
    with pytest.raises(ValueError, match="timeout"):
        DataLoader(ds, num_workers=1, timeout=-1)
    with pytest.raises(TypeError, match="timeout"):
        DataLoader(ds, timeout="1s")
    with pytest.raises(TypeError, match="collate_fn"):
        DataLoader(ds, collate_fn=3)
    with pytest.raises(TypeError, match="shuffle"):
        DataLoader(ds, shuffle=1)
    with pytest.raises(ValueError, match="drop_last"):
        DataLoader(ds, batch_size=None, drop_last=True)
    with pytest.raises(TypeError, match="generator"):
        DataLoader(ds, shuffle=True, generator="x")
