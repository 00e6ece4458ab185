import numpy as np
import pytest

import lucid
from lucid.datasets import SyntheticDigits
from lucid.datasets.synthetic import render_digits


def test_items_shapes_and_balance():
    ds = SyntheticDigits(train=True, size=200, seed=3)
    assert len(ds) == 200
    img, label = ds[7]
    assert img.shape == (28, 28) and img.dtype == np.uint8 and isinstance(label, int) and 0 <= label <= 9
    assert np.bincount(ds.targets, minlength=10).tolist() == [20] * 10
    assert ds.data.max() > 200 and np.median(ds.data) < 40  # white ink on a dark background


def test_deterministic_and_splits_differ():
    a = SyntheticDigits(train=True, size=50, seed=1)
    b = SyntheticDigits._generate(True, 50, 1)
    np.testing.assert_array_equal(a.data, b[0])
    np.testing.assert_array_equal(a.targets, b[1])
    other_seed = SyntheticDigits(train=True, size=50, seed=2)
    test = SyntheticDigits(train=False, size=50, seed=1)
    assert not np.array_equal(a.data, other_seed.data)
    assert not np.array_equal(a.data, test.data)


def test_cached_in_memory_and_items_are_copies():
    a = SyntheticDigits(train=False, size=30, seed=4)
    b = SyntheticDigits(train=False, size=30, seed=4)
    assert a.data is b.data
    img, _ = a[0]
    img[:] = 0  # the item is a private copy
    assert a.data[0].any()
    with pytest.raises(ValueError):
        a.data[0, 0, 0] = 1  # the cached set is read-only


def test_transforms_and_loader():
    ds = SyntheticDigits(train=False, size=16, transform=lucid.transforms.ToTensor(),
                         target_transform=lambda y: y * 10)
    x, y = ds[0]
    assert x.shape == (1, 28, 28) and x.dtype == lucid.float32 and y % 10 == 0
    xb, yb = next(iter(lucid.data.DataLoader(ds, batch_size=8, num_workers=1)))
    assert xb.shape == (8, 1, 28, 28) and yb.dtype == lucid.int64


def test_default_sizes():
    assert SyntheticDigits(train=False).size == 4000


def test_classes_are_distinguishable_by_nearest_class_mean():
    train = SyntheticDigits(train=True, size=3000, seed=0)
    test = SyntheticDigits(train=False, size=1000, seed=0)
    x = train.data.reshape(len(train), -1).astype(np.float32) / 255
    xt = test.data.reshape(len(test), -1).astype(np.float32) / 255
    means = np.stack([x[train.targets == d].mean(axis=0) for d in range(10)])
    dist = (xt ** 2).sum(1)[:, None] - 2 * xt @ means.T + (means ** 2).sum(1)[None]
    accuracy = (dist.argmin(axis=1) == test.targets).mean()
    assert accuracy > 0.6, accuracy
    # ...yet not trivially separable: the same digit varies a lot
    assert accuracy < 0.95


def test_render_is_independent_of_dataset_cache():
    rng = np.random.default_rng(0)
    imgs = render_digits(np.array([0, 1, 8]), rng)
    assert imgs.shape == (3, 28, 28) and imgs.dtype == np.uint8
    assert imgs[1].astype(np.int64).sum() < imgs[2].astype(np.int64).sum()  # a 1 has less ink than an 8


def test_errors():
    with pytest.raises(ValueError):
        SyntheticDigits(size=-1)
    with pytest.raises(TypeError):
        SyntheticDigits(size=2.5)
    with pytest.raises(TypeError):
        SyntheticDigits(train="yes")
    with pytest.raises(ValueError):
        SyntheticDigits(seed=-3, size=3)
    assert len(SyntheticDigits(size=0)) == 0


def test_class_to_idx_and_repr_like_the_downloaded_datasets():
    ds = SyntheticDigits(train=False, size=4, seed=3)
    assert ds.class_to_idx == {str(d): d for d in range(10)}
    assert repr(ds).splitlines()[-2:] == ["    Split: Test", "    Seed: 3"]
