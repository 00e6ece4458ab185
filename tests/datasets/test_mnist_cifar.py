import gzip
import os

import numpy as np
import pytest

import lucid
from lucid.datasets import CIFAR10, CIFAR100, MNIST, CorruptFileError, FashionMNIST, read_idx
from tests.datasets.fakes import idx_bytes, make_cifar, make_mnist, write_idx

# -- IDX / MNIST -----------------------------------------------------------------

@pytest.mark.parametrize("dtype", [np.uint8, np.int8, np.int16, np.int32, np.float32, np.float64])
def test_read_idx_roundtrip(tmp_path, dtype):
    arr = (np.arange(24).reshape(2, 3, 4) - 5).astype(dtype)
    write_idx(tmp_path / "a.gz", arr)
    write_idx(tmp_path / "a.idx", arr, compress=False)
    for name in ("a.gz", "a.idx"):
        out = read_idx(tmp_path / name)
        assert out.dtype == np.dtype(dtype) and out.dtype.isnative
        np.testing.assert_array_equal(out, arr)


def test_read_idx_rejects_bad_files(tmp_path):
    good = idx_bytes(np.zeros((2, 3), np.uint8))
    cases = {
        "magic.idx": b"\x01" + good[1:],
        "type.idx": good[:2] + b"\x07" + good[3:],
        "short.idx": good[:-1],
        "long.idx": good + b"\x00",
        "header.idx": good[:6],
        "empty.idx": b"",
    }
    for name, data in cases.items():
        (tmp_path / name).write_bytes(data)
        with pytest.raises(CorruptFileError, match=name):
            read_idx(tmp_path / name)
    gz = gzip.compress(good)
    (tmp_path / "trunc.gz").write_bytes(gz[:-6])
    with pytest.raises(CorruptFileError, match="trunc.gz"):
        read_idx(tmp_path / "trunc.gz")
    (tmp_path / "notgz.gz").write_bytes(b"plain bytes, not gzip")
    with pytest.raises(CorruptFileError, match="notgz.gz"):
        read_idx(tmp_path / "notgz.gz")


def test_mnist_loads_from_raw_folder(tmp_path):
    arrays = make_mnist(tmp_path / "MNIST" / "raw", n_train=6, n_test=4)
    train = MNIST(tmp_path)
    test = MNIST(str(tmp_path), train=False)
    assert len(train) == 6 and len(test) == 4
    img, label = train[2]
    assert isinstance(img, np.ndarray) and img.dtype == np.uint8 and img.shape == (28, 28)
    assert isinstance(label, int)
    np.testing.assert_array_equal(img, arrays["train"][0][2])
    assert label == int(arrays["train"][1][2])
    np.testing.assert_array_equal(test.targets, arrays["t10k"][1])
    assert test.targets.dtype == np.int64 and train.data.shape == (6, 28, 28)
    assert "Split: Test" in repr(test)


def test_mnist_root_directly_uncompressed_and_transforms(tmp_path):
    arrays = make_mnist(tmp_path, compress=False)
    ds = MNIST(tmp_path, transform=lucid.transforms.ToTensor(), target_transform=lambda y: y + 100)
    x, y = ds[0]
    assert isinstance(x, lucid.Tensor) and x.shape == (1, 28, 28)
    np.testing.assert_allclose(x.numpy()[0], arrays["train"][0][0] / 255.0, atol=1e-7)
    assert y == int(arrays["train"][1][0]) + 100
    with pytest.raises(TypeError, match="callable"):
        MNIST(tmp_path, transform="ToTensor")


def test_mnist_with_dataloader(tmp_path):
    make_mnist(tmp_path / "MNIST" / "raw", n_train=6)
    loader = lucid.data.DataLoader(MNIST(tmp_path, transform=lucid.transforms.ToTensor()), batch_size=4)
    x, y = next(iter(loader))
    assert x.shape == (4, 1, 28, 28) and x.dtype == lucid.float32 and y.dtype == lucid.int64


def test_fashion_mnist_folder_and_classes(tmp_path):
    make_mnist(tmp_path / "FashionMNIST" / "raw")
    ds = FashionMNIST(tmp_path)
    assert len(ds) == 6 and ds.classes[9] == "Ankle boot"
    assert ds.class_to_idx["Trouser"] == 1
    with pytest.raises(FileNotFoundError):
        MNIST(tmp_path)  # MNIST looks in MNIST/raw and root, not FashionMNIST/raw


def test_mnist_missing_files(tmp_path):
    with pytest.raises(FileNotFoundError, match="download=True"):
        MNIST(tmp_path)


def test_mnist_corrupt_files_are_reported(tmp_path):
    raw = tmp_path / "MNIST" / "raw"
    make_mnist(raw)
    path = raw / "train-images-idx3-ubyte.gz"
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(CorruptFileError, match="train-images-idx3-ubyte.gz"):
        MNIST(tmp_path)
    assert MNIST(tmp_path, train=False)  # the other split is intact


def test_mnist_inconsistent_files(tmp_path):
    raw = tmp_path / "MNIST" / "raw"
    make_mnist(raw, n_train=6)
    write_idx(raw / "train-labels-idx1-ubyte.gz", np.zeros(5, np.uint8))
    with pytest.raises(CorruptFileError, match="6 images"):
        MNIST(tmp_path)
    write_idx(raw / "train-labels-idx1-ubyte.gz", np.full(6, 10, np.uint8))
    with pytest.raises(CorruptFileError, match="out of range"):
        MNIST(tmp_path)
    write_idx(raw / "train-labels-idx1-ubyte.gz", np.zeros((6, 1), np.uint8))
    with pytest.raises(CorruptFileError, match="labels"):
        MNIST(tmp_path)
    write_idx(raw / "train-images-idx3-ubyte.gz", np.zeros((6, 28), np.uint8))
    with pytest.raises(CorruptFileError, match="images"):
        MNIST(tmp_path)


# -- CIFAR -------------------------------------------------------------------------

class TinyCIFAR10(CIFAR10):
    train_list = [(f"data_batch_{i}.bin", 3) for i in range(1, 6)]
    test_list = [("test_batch.bin", 2)]


class TinyCIFAR100(CIFAR100):
    train_list = [("train.bin", 4)]
    test_list = [("test.bin", 3)]


def test_cifar10_binary_layout(tmp_path):
    files = dict(TinyCIFAR10.train_list + TinyCIFAR10.test_list)
    arrays = make_cifar(tmp_path / "cifar-10-batches-bin", files)
    train = TinyCIFAR10(tmp_path)
    test = TinyCIFAR10(tmp_path, train=False)
    assert len(train) == 15 and len(test) == 2
    img, label = train[4]  # second record of data_batch_2
    assert img.shape == (32, 32, 3) and img.dtype == np.uint8 and isinstance(label, int)
    np.testing.assert_array_equal(img, arrays["data_batch_2.bin"][0][1])
    assert label == int(arrays["data_batch_2.bin"][1][1, 0])
    # channel 0 is the first (red) plane of the record, row-major
    raw = (tmp_path / "cifar-10-batches-bin" / "test_batch.bin").read_bytes()
    red = np.frombuffer(raw[1:1025], np.uint8).reshape(32, 32)
    np.testing.assert_array_equal(test[0][0][..., 0], red)
    assert train.targets.dtype == np.int64 and train.data.flags["C_CONTIGUOUS"]


def test_cifar10_with_transform_and_real_counts(tmp_path):
    files = dict(TinyCIFAR10.train_list + TinyCIFAR10.test_list)
    make_cifar(tmp_path, files)  # files directly in root work too
    ds = TinyCIFAR10(tmp_path, train=False, transform=lucid.transforms.ToTensor())
    assert ds[0][0].shape == (3, 32, 32)
    with pytest.raises(CorruptFileError, match="expected 10000"):
        CIFAR10(tmp_path, train=False)  # the real class wants the published record counts


def test_cifar_truncated_and_bad_labels(tmp_path):
    folder = tmp_path / "cifar-10-batches-bin"
    files = dict(TinyCIFAR10.train_list + TinyCIFAR10.test_list)
    make_cifar(folder, files)
    path = folder / "data_batch_3.bin"
    path.write_bytes(path.read_bytes()[:-100])
    with pytest.raises(CorruptFileError, match="data_batch_3.bin"):
        TinyCIFAR10(tmp_path)
    path.write_bytes(path.read_bytes()[: 3073 * 2])  # whole records, but too few
    with pytest.raises(CorruptFileError, match="holds 2 records, expected 3"):
        TinyCIFAR10(tmp_path)
    bad = bytearray(3073 * 2)
    bad[0] = 10
    (folder / "test_batch.bin").write_bytes(bytes(bad))
    with pytest.raises(CorruptFileError, match="out of range"):
        TinyCIFAR10(tmp_path, train=False)
    (folder / "test_batch.bin").unlink()
    with pytest.raises(FileNotFoundError, match="test_batch.bin"):
        TinyCIFAR10(tmp_path, train=False)


def test_cifar100_coarse_and_fine(tmp_path):
    arrays = make_cifar(tmp_path / "cifar-100-binary", {"train.bin": 4, "test.bin": 3}, label_bytes=2,
                        num_classes=100)
    ds = TinyCIFAR100(tmp_path)
    images, labels = arrays["train.bin"]
    np.testing.assert_array_equal(ds.coarse_targets, labels[:, 0])
    np.testing.assert_array_equal(ds.targets, labels[:, 1])
    img, fine = ds[3]
    np.testing.assert_array_equal(img, images[3])
    assert fine == int(labels[3, 1]) and len(CIFAR100.classes) == 100
    raw = bytearray((tmp_path / "cifar-100-binary" / "test.bin").read_bytes())
    raw[0] = 20  # coarse labels are 0..19
    (tmp_path / "cifar-100-binary" / "test.bin").write_bytes(bytes(raw))
    with pytest.raises(CorruptFileError, match="coarse"):
        TinyCIFAR100(tmp_path, train=False)


def test_cifar_missing_gives_download_hint(tmp_path):
    with pytest.raises(FileNotFoundError, match="download=True"):
        CIFAR10(os.fspath(tmp_path))
