import numpy as np
import pytest

import lucid
from lucid.data import (
    BatchSampler,
    RandomSampler,
    SequentialSampler,
    SubsetRandomSampler,
    WeightedRandomSampler,
)


def test_sequential():
    s = SequentialSampler(range(4))
    assert list(s) == [0, 1, 2, 3] and len(s) == 4


def test_random_permutation_and_reproducible():
    a = list(RandomSampler(range(50), generator=7))
    b = list(RandomSampler(range(50), generator=7))
    assert a == b and sorted(a) == list(range(50)) and a != list(range(50))
    s = RandomSampler(range(50), generator=7)
    e1, e2 = list(s), list(s)
    assert e1 == a and e2 != e1  # successive epochs differ, but reproducibly
    assert all(isinstance(i, int) for i in e1)


def test_random_default_follows_numpy_seed():
    np.random.seed(123)
    a = list(RandomSampler(range(30)))
    np.random.seed(123)
    b = list(RandomSampler(range(30)))
    assert a == b


def test_random_num_samples_without_replacement_chains_permutations():
    s = RandomSampler(range(4), num_samples=10, generator=0)
    out = list(s)
    assert len(out) == 10 == len(s)
    assert sorted(out[:4]) == [0, 1, 2, 3] and sorted(out[4:8]) == [0, 1, 2, 3]


def test_random_replacement_distribution():
    s = RandomSampler(range(5), replacement=True, num_samples=20000, generator=1)
    counts = np.bincount(list(s), minlength=5) / 20000
    np.testing.assert_allclose(counts, 0.2, atol=0.02)


def test_random_sampler_errors():
    with pytest.raises(ValueError):
        RandomSampler(range(3), num_samples=0)
    with pytest.raises(TypeError):
        RandomSampler(range(3), num_samples=2.5)
    with pytest.raises(TypeError):
        RandomSampler(range(3), replacement="yes")
    with pytest.raises(TypeError):
        RandomSampler(range(3), generator=1.5)
    with pytest.raises(ValueError):
        RandomSampler(range(3), generator=-1)


def test_subset_random():
    idx = [3, 8, 11, 20]
    s = SubsetRandomSampler(idx, generator=0)
    out = list(s)
    assert sorted(out) == idx and len(s) == 4
    assert list(SubsetRandomSampler(idx, generator=0)) == out


def test_weighted_distribution():
    w = np.array([1.0, 3.0, 0.0, 6.0])
    s = WeightedRandomSampler(w, num_samples=40000, generator=2)
    counts = np.bincount(list(s), minlength=4) / 40000
    np.testing.assert_allclose(counts, w / w.sum(), atol=0.015)
    assert counts[2] == 0


def test_weighted_accepts_tensor_and_no_replacement():
    s = WeightedRandomSampler(lucid.tensor([1.0, 1.0, 0.0, 1.0]), num_samples=3, replacement=False, generator=0)
    assert sorted(s) == [0, 1, 3]


def test_weighted_errors():
    with pytest.raises(ValueError, match="non-negative"):
        WeightedRandomSampler([1.0, -1.0], 2)
    with pytest.raises(ValueError, match="finite"):
        WeightedRandomSampler([1.0, np.nan], 2)
    with pytest.raises(ValueError, match="zero"):
        WeightedRandomSampler([0.0, 0.0], 2)
    with pytest.raises(ValueError, match="1-D"):
        WeightedRandomSampler([[1.0]], 2)
    with pytest.raises(ValueError, match="without replacement"):
        WeightedRandomSampler([1.0, 0.0, 1.0], 3, replacement=False)
    with pytest.raises(ValueError):
        WeightedRandomSampler([1.0], 0)


def test_batch_sampler():
    assert list(BatchSampler(range(7), 3, False)) == [[0, 1, 2], [3, 4, 5], [6]]
    assert list(BatchSampler(range(7), 3, True)) == [[0, 1, 2], [3, 4, 5]]
    assert len(BatchSampler(range(7), 3, False)) == 3
    assert len(BatchSampler(range(7), 3, True)) == 2
    assert list(BatchSampler(range(6), 3, True)) == [[0, 1, 2], [3, 4, 5]]
    assert list(BatchSampler([], 3, False)) == []


def test_batch_sampler_errors():
    with pytest.raises(ValueError):
        BatchSampler(range(3), 0, False)
    with pytest.raises(ValueError):
        BatchSampler(range(3), -2, False)
    with pytest.raises(TypeError):
        BatchSampler(range(3), 2.0, False)
    with pytest.raises(TypeError):
        BatchSampler(range(3), 2, "no")
