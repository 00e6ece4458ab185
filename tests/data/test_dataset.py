import numpy as np
import pytest

import lucid
from lucid.data import ChainDataset, ConcatDataset, Dataset, IterableDataset, Subset, TensorDataset, random_split


class Range(Dataset):
    def __init__(self, n, start=0):
        self.n, self.start = n, start

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        if not 0 <= i < self.n:
            raise IndexError(i)
        return self.start + i


class Stream(IterableDataset):
    def __init__(self, n):
        self.n = n

    def __iter__(self):
        return iter(range(self.n))


def test_base_classes_need_overrides():
    with pytest.raises(NotImplementedError):
        Dataset()[0]
    with pytest.raises(NotImplementedError):
        iter(IterableDataset())
    with pytest.raises(TypeError, match="IterableDataset"):
        Stream(3)[0]


def test_tensor_dataset_rows_tensor_and_numpy():
    x = lucid.tensor(np.arange(12, dtype=np.float32).reshape(4, 3))
    y = np.arange(4) * 10
    ds = TensorDataset(x, y)
    assert len(ds) == 4
    xi, yi = ds[2]
    assert isinstance(xi, lucid.Tensor) and xi.tolist() == [6.0, 7.0, 8.0]
    assert int(yi) == 20
    xl, yl = ds[-1]
    assert xl.tolist() == [9.0, 10.0, 11.0] and int(yl) == 30


def test_tensor_dataset_errors():
    with pytest.raises(ValueError, match="at least one"):
        TensorDataset()
    with pytest.raises(ValueError, match="same first dimension"):
        TensorDataset(np.zeros((3, 2)), np.zeros(4))
    with pytest.raises(TypeError, match="NumPy"):
        TensorDataset([1, 2, 3])
    with pytest.raises(ValueError, match="0-d"):
        TensorDataset(np.zeros(()))
    ds = TensorDataset(np.zeros(3))
    with pytest.raises(IndexError, match="out of range"):
        ds[3]
    with pytest.raises(TypeError, match="integers"):
        ds[1.5]


def test_tensor_dataset_batch_fetch_matches_rows():
    x = lucid.tensor(np.arange(10, dtype=np.float32).reshape(5, 2))
    y = np.arange(5, dtype=np.int64)
    ds = TensorDataset(x, y)
    bx, by = ds._batch_fetcher()([4, 0, 2])
    assert bx.tolist() == [[8.0, 9.0], [0.0, 1.0], [4.0, 5.0]]
    assert by.tolist() == [4, 0, 2] and by.dtype == lucid.int64


def test_concat_dataset_indexing():
    ds = ConcatDataset([Range(2), Range(3, start=10), Range(1, start=100)])
    assert len(ds) == 6
    assert [ds[i] for i in range(6)] == [0, 1, 10, 11, 12, 100]
    assert ds[-1] == 100 and ds[-4] == 10
    with pytest.raises(IndexError):
        ds[6]
    assert [(Range(2) + Range(2, start=5))[i] for i in range(4)] == [0, 1, 5, 6]


def test_concat_dataset_with_empty_member():
    ds = ConcatDataset([Range(0), Range(2, start=7)])
    assert [ds[0], ds[1]] == [7, 8]


def test_concat_dataset_errors():
    with pytest.raises(ValueError):
        ConcatDataset([])
    with pytest.raises(TypeError, match="ChainDataset"):
        ConcatDataset([Range(2), Stream(2)])


def test_chain_dataset():
    ds = Stream(2) + Stream(3)
    assert isinstance(ds, ChainDataset)
    assert list(ds) == [0, 1, 0, 1, 2]


def test_subset():
    sub = Subset(Range(10, start=100), [5, 1, 7])
    assert len(sub) == 3
    assert [sub[i] for i in range(3)] == [105, 101, 107]
    with pytest.raises(TypeError):
        Subset(Stream(3), [0])


@pytest.mark.parametrize("lengths", [[3, 5, 2], [0.5, 0.3, 0.2], [0.34, 0.33, 0.33]])
def test_random_split_disjoint_and_complete(lengths):
    ds = Range(10)
    parts = random_split(ds, lengths, generator=3)
    got = [i for p in parts for i in p.indices]
    assert sorted(got) == list(range(10))
    assert sum(len(p) for p in parts) == 10
    if isinstance(lengths[0], int):
        assert [len(p) for p in parts] == lengths


def test_random_split_fraction_remainder_round_robin():
    parts = random_split(Range(11), [0.5, 0.25, 0.25], generator=0)
    # floor: 5, 2, 2 -> remainder 2 goes to the first two subsets
    assert [len(p) for p in parts] == [6, 3, 2]


def test_random_split_reproducible():
    a = random_split(Range(20), [10, 10], generator=42)
    b = random_split(Range(20), [10, 10], generator=np.random.default_rng(42))
    assert a[0].indices == b[0].indices
    np.random.seed(5)
    c = random_split(Range(20), [10, 10])
    np.random.seed(5)
    d = random_split(Range(20), [10, 10])
    assert c[0].indices == d[0].indices
    assert a[0].indices != sorted(a[0].indices) or a[1].indices != sorted(a[1].indices)


def test_random_split_errors():
    with pytest.raises(ValueError, match="sum to"):
        random_split(Range(10), [3, 3])
    with pytest.raises(ValueError, match="sum to 1"):
        random_split(Range(10), [0.5, 0.4])
    with pytest.raises(ValueError, match="non-negative"):
        random_split(Range(10), [-1, 11])
    with pytest.raises(TypeError):
        random_split(Range(10), ["a", 10])
    with pytest.raises(TypeError, match="generator"):
        random_split(Range(10), [5, 5], generator="seed")
