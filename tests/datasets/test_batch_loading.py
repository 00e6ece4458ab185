"""The batch protocol: ``ArrayImageDataset.__getitems__``, batchable transforms and ``StackedSamples``.

Every fast path is checked against the sample-by-sample result it replaces.
"""

import numpy as np
import pytest

import lucid
from lucid import data, datasets
from lucid import transforms as T
from lucid.datasets import CIFAR10, MNIST, ArrayImageDataset
from tests.datasets.fakes import make_cifar, make_mnist


def _scale(x):
    # Elementwise, so it works on one image and on a stack alike.
    return (np.asarray(x, dtype=np.float32) / np.float32(255) - np.float32(0.5)) / np.float32(0.5)


def _to_chw(x):
    return np.asarray(x, dtype=np.float32)[..., None, :, :] / np.float32(255)


class PerItem(data.Dataset):
    """Hides ``__getitems__``: the reference, sample by sample."""

    def __init__(self, inner):
        self.inner = inner

    def __len__(self):
        return len(self.inner)

    def __getitem__(self, i):
        return self.inner[i]


def _same_samples(got, want):
    assert len(got) == len(want)
    for (gx, gy), (wx, wy) in zip(got, want):
        assert type(gx) is type(wx) and type(gy) is type(wy)
        if isinstance(gx, lucid.Tensor):
            gx, wx = gx.numpy(), wx.numpy()
        assert gx.dtype == wx.dtype and gx.shape == wx.shape
        np.testing.assert_array_equal(gx, wx)
        assert gy == wy


TRANSFORMS = {
    "none": None,
    "per_image": _scale,
    "batched_lambda": T.Lambda(_scale, batched=True),
    "compose_batched": T.Compose([T.Lambda(_to_chw, batched=True), T.Lambda(lambda x: x * 2, batched=True)]),
    "normalize_hw": T.Compose([T.Lambda(lambda x: x.astype(np.float32) / 255, batched=True),
                               T.Normalize([0.5], [0.25])]),
    "compose_mixed": T.Compose([T.Lambda(_scale, batched=True), lambda x: x + 1]),
    "to_tensor": T.ToTensor(),
}


@pytest.mark.parametrize("name", sorted(TRANSFORMS))
@pytest.mark.parametrize("target_transform", [None, lambda y: y + 100])
def test_getitems_matches_getitem(name, target_transform):
    ds = datasets.SyntheticDigits(size=12, seed=1, transform=TRANSFORMS[name], target_transform=target_transform)
    indices = [3, 0, 11, -1, 3]
    _same_samples(ds.__getitems__(indices), [ds[i] for i in indices])


def test_getitems_returns_stacked_samples_only_when_every_field_was_batched():
    plain = datasets.SyntheticDigits(size=8)
    out = plain.__getitems__([1, 2])
    assert type(out) is data.StackedSamples
    np.testing.assert_array_equal(out.fields[0], plain.data[[1, 2]])
    assert out.fields[1].dtype == np.int64
    per_image = datasets.SyntheticDigits(size=8, transform=_scale)
    assert type(per_image.__getitems__([1, 2])) is list
    per_label = datasets.SyntheticDigits(size=8, target_transform=lambda y: y)
    assert type(per_label.__getitems__([1, 2])) is list


def test_getitems_copies_and_checks_indices():
    ds = datasets.SyntheticDigits(size=4)
    before = ds.data.copy()
    (img, _), = ds.__getitems__([0])
    img += 1  # the sample is a copy, not a view of the cached set
    np.testing.assert_array_equal(ds.data, before)
    with pytest.raises(IndexError):
        ds.__getitems__([0, 4])
    assert ds.__getitems__([]) == []


def test_getitems_rejects_a_batch_method_that_drops_the_sample_axis():
    ds = datasets.SyntheticDigits(size=4, transform=T.Lambda(lambda x: x.sum(axis=0), batched=True))
    with pytest.raises(ValueError, match="leading"):
        ds.__getitems__([0, 1, 2])


def test_subclass_with_its_own_getitem_is_read_sample_by_sample():
    class Flipped(datasets.SyntheticDigits):
        def __getitem__(self, i):
            img, y = super().__getitem__(i)
            return img[:, ::-1], y

    ds = Flipped(size=6)
    _same_samples(ds.__getitems__([4, 1]), [ds[4], ds[1]])
    x, _ = data.default_collate(ds.__getitems__([4, 1]))
    np.testing.assert_array_equal(x.numpy()[0], ds.data[4][:, ::-1])


def test_mnist_and_cifar_use_the_batch_path(tmp_path):
    make_mnist(tmp_path / "MNIST" / "raw", n_train=6)
    mnist = MNIST(tmp_path, transform=T.Lambda(_to_chw, batched=True))
    _same_samples(mnist.__getitems__([5, 0]), [mnist[5], mnist[0]])
    assert isinstance(mnist, ArrayImageDataset)

    class Tiny(CIFAR10):
        train_list = [(f"data_batch_{i}.bin", 2) for i in range(1, 6)]
        test_list = [("test_batch.bin", 2)]

    make_cifar(tmp_path / "cifar-10-batches-bin", dict(Tiny.train_list + Tiny.test_list))
    cifar = Tiny(tmp_path, transform=T.Normalize([0.5, 0.4, 0.3], [0.2, 0.2, 0.2]).batch)
    # a bound ``batch`` method has no ``batch`` of its own: applied per image, like any function
    with pytest.raises(TypeError, match="float"):
        cifar.__getitems__([0])
    rgb = T.Compose([T.Lambda(lambda x: x.astype(np.float32) / 255, batched=True),
                     T.Normalize([0.5, 0.4, 0.3], [0.2, 0.2, 0.2])])
    cifar = Tiny(tmp_path, transform=rgb)
    _same_samples(cifar.__getitems__([9, 2, 0]), [cifar[9], cifar[2], cifar[0]])


def test_subset_and_random_split_forward_getitems():
    ds = datasets.SyntheticDigits(size=20, transform=T.Lambda(_scale, batched=True))
    sub = data.Subset(ds, [7, 3, 19])
    out = sub.__getitems__([2, 0])
    assert type(out) is data.StackedSamples
    _same_samples(out, [ds[19], ds[7]])
    part, _ = data.random_split(ds, [15, 5], generator=0)
    _same_samples(part.__getitems__([0, 14]), [part[0], part[14]])
    tensors = data.Subset(data.TensorDataset(np.arange(6)), [5, 4])
    assert [int(x[0]) for x in tensors.__getitems__([1, 0])] == [4, 5]


def test_custom_collate_sees_plain_samples():
    ds = datasets.SyntheticDigits(size=10)
    seen = []

    def collate(batch):
        seen.append(batch)
        return len(batch)

    assert list(data.DataLoader(ds, batch_size=4, collate_fn=collate)) == [4, 4, 2]
    img, label = seen[0][1]
    assert isinstance(img, np.ndarray) and img.shape == (28, 28) and isinstance(label, int)
    assert isinstance(seen[0], list)


# -- the transforms' batch methods ---------------------------------------------------

def test_lambda_batched_argument():
    fn = T.Lambda(_scale)
    assert fn.batch is None and "batched" not in repr(fn)
    fast = T.Lambda(_scale, batched=True)
    assert fast.batch is _scale and repr(fast) == "Lambda(_scale, batched=True)"
    with pytest.raises(TypeError, match="batched must be a bool"):
        T.Lambda(_scale, batched=1)


def test_compose_batch_only_when_every_member_has_one():
    assert T.Compose([T.Lambda(_scale, batched=True), T.ToTensor()]).batch is None
    both = T.Compose([T.Lambda(_to_chw, batched=True), T.Normalize([0.1], [2.0])])
    stack = np.random.default_rng(0).integers(0, 256, (3, 5, 4), dtype=np.uint8)
    want = np.stack([both(img).numpy() if isinstance(both(img), lucid.Tensor) else both(img) for img in stack])
    np.testing.assert_allclose(both.batch(stack), want, rtol=1e-6)


@pytest.mark.parametrize("shape, mean, std", [((4, 5, 6), [0.5], [0.25]),
                                              ((4, 5, 6, 3), [0.1, 0.2, 0.3], [0.5, 1.0, 2.0])])
def test_normalize_batch_equals_per_image(shape, mean, std):
    imgs = np.random.default_rng(1).random(shape, dtype=np.float32)
    norm = T.Normalize(mean, std)
    got = norm.batch(imgs)
    assert got.dtype == np.float32 and got.shape == imgs.shape
    np.testing.assert_array_equal(got, np.stack([norm(img) for img in imgs]))


def test_normalize_batch_errors_and_fallback():
    norm = T.Normalize([0.5, 0.5], [0.5, 0.5])
    with pytest.raises(TypeError, match="float image"):
        norm.batch(np.zeros((2, 3, 3, 2), np.uint8))
    with pytest.raises(ValueError, match="channels"):
        norm.batch(np.zeros((2, 3, 3, 3), np.float32))
    chw = [lucid.ones(2, 3, 3), lucid.zeros(2, 3, 3)]  # Tensors: image by image
    out = norm.batch(chw)
    assert [o.numpy().max() for o in out] == [1.0, -1.0]


# -- StackedSamples and the collate fast paths ----------------------------------------

def test_stacked_samples_is_a_list_with_fields():
    images, labels = np.arange(6, dtype=np.float32).reshape(3, 2), np.array([1, 2, 3])
    batch = data.StackedSamples(zip(images, labels.tolist()), fields=(images, labels))
    assert isinstance(batch, list) and len(batch) == 3 and batch[2][1] == 3
    x, y = data.default_collate(batch)
    x2, y2 = data.default_collate(list(batch))
    np.testing.assert_array_equal(x.numpy(), x2.numpy())
    assert y.dtype == y2.dtype == lucid.int64 and y.tolist() == y2.tolist()
    with pytest.raises(ValueError, match="empty"):
        data.default_collate(data.StackedSamples(fields=(images[:0], labels[:0])))


@pytest.mark.parametrize("values, dtype", [([1, 2], lucid.int64), ([1.5, 2.0], lucid.float32),
                                           ([True, False], lucid.bool), ([1, True], lucid.int64),
                                           ([1, 2.5], lucid.float32), ([np.int32(1), 2], lucid.int64)])
def test_collate_numbers(values, dtype):
    out = data.default_collate(values)
    assert out.dtype == dtype and out.tolist() == [type(v)(o) for v, o in zip(values, out.tolist())]


def test_collate_still_rejects_mixed_and_ragged_arrays():
    with pytest.raises(TypeError, match="mixed types"):
        data.default_collate([np.zeros(2), [0.0, 0.0]])
    with pytest.raises(TypeError, match="mixed types"):
        data.default_collate([1, "a"])
    with pytest.raises(ValueError, match="different shapes"):
        data.default_collate([np.zeros(2), np.zeros(3)])


def test_collate_accepts_ndarray_subclasses():
    class Marked(np.ndarray):
        pass

    a = np.zeros(2).view(Marked)
    assert data.default_collate([a, np.ones(2)]).tolist() == [[0.0, 0.0], [1.0, 1.0]]
