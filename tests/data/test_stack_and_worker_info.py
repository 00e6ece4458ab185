"""``StackDataset``, ``get_worker_info`` and the ``lucid.utils.data`` path."""

import threading

import numpy as np
import pytest

import lucid
from lucid.data import DataLoader, Dataset, IterableDataset, StackDataset, get_worker_info


def test_stack_dataset_tuple_and_dict():
    a = lucid.data.TensorDataset(np.arange(4.0))
    ds = StackDataset(a, [10, 11, 12, 13])
    assert len(ds) == 4
    (x,), y = ds[2]
    assert float(x) == 2.0 and y == 12
    named = StackDataset(x=[1, 2], y=["a", "b"])
    assert named[1] == {"x": 2, "y": "b"}
    batch = next(iter(DataLoader(named, batch_size=2)))
    assert batch["x"].tolist() == [1, 2] and batch["y"] == ["a", "b"]


def test_stack_dataset_errors():
    with pytest.raises(ValueError, match="one length"):
        StackDataset([1, 2], [1])
    with pytest.raises(ValueError, match="not both"):
        StackDataset([1], x=[1])
    with pytest.raises(ValueError, match="at least one"):
        StackDataset()


class _Who(Dataset):
    def __len__(self):
        return 8

    def __getitem__(self, i):
        info = get_worker_info()
        if info is None:
            return np.array([-1, -1, 0])
        assert info.dataset is self and 0 <= info.id < info.num_workers
        return np.array([info.id, info.num_workers, info.seed - info.id])


def test_get_worker_info_outside_and_inside_workers():
    assert get_worker_info() is None
    rows = np.concatenate([b.numpy() for b in DataLoader(_Who(), batch_size=2)])
    assert (rows[:, 0] == -1).all()
    rows = np.concatenate([b.numpy() for b in DataLoader(_Who(), batch_size=1, num_workers=3)])
    assert set(rows[:, 1]) == {3} and set(rows[:, 0]) <= {0, 1, 2}
    assert len(set(rows[:, 2])) == 1  # one base seed per epoch: seed = base + id
    assert get_worker_info() is None


def test_worker_info_is_cleared_after_the_epoch():
    seen = []
    list(DataLoader(_Who(), batch_size=4, num_workers=1))
    # Loader threads are reused; a thread outside a job must not report stale info.
    t = threading.Thread(target=lambda: seen.append(get_worker_info()))
    t.start()
    t.join()
    assert seen == [None]


def test_iterable_dataset_sees_one_worker():
    class Shards(IterableDataset):
        def __iter__(self):
            info = get_worker_info()
            start, step = (0, 1) if info is None else (info.id, info.num_workers)
            return iter(range(start, 6, step))

    out = [int(v) for b in DataLoader(Shards(), batch_size=None, num_workers=2) for v in [b]]
    assert out == list(range(6))


def test_utils_data_is_lucid_data():
    import lucid.utils.data as d
    from lucid.utils.data import DataLoader as DL

    assert d is lucid.data and DL is DataLoader and lucid.utils.data is lucid.data
