"""CIFAR-10 and CIFAR-100, read from the official *binary* versions (nothing is ever unpickled).

Layout: the record files are looked for in ``root/<base_folder>/`` (the
archive's own folder, ``cifar-10-batches-bin`` or ``cifar-100-binary``, which
is where ``download=True`` extracts them) and then in ``root/``.

Record format (fixed length, no header): CIFAR-10 stores one label byte then
3072 pixel bytes; CIFAR-100 stores a coarse label byte, a fine label byte,
then 3072 pixel bytes. The pixels are the 1024 red values of the 32x32 image
in row-major order, then the 1024 green, then the 1024 blue.
"""

from __future__ import annotations

import os

import numpy as np

from lucid.datasets.utils import ArrayImageDataset, CorruptFileError, _find_file, download_url, extract_tar

__all__ = ["CIFAR10", "CIFAR100"]

_PIXELS = 32 * 32 * 3


class CIFAR10(ArrayImageDataset):
    """CIFAR-10: 50,000 training and 10,000 test 32x32 colour images in 10 classes.

    Items are ``(image, label)``: ``image`` a uint8 NumPy array of shape
    ``(32, 32, 3)`` (height, width, RGB) and ``label`` an int in 0..9, unless
    ``transform`` / ``target_transform`` change them. ``data`` (uint8,
    ``(N, 32, 32, 3)``) and ``targets`` (int64) hold the split.

    ``download=True`` fetches ``cifar-10-binary.tar.gz`` into ``root``, checks
    its published MD5, and extracts the record files into
    ``root/cifar-10-batches-bin/``. Each file must hold exactly the published
    number of records (``train_list`` / ``test_list``), so a truncated file is
    reported, never loaded.

    Args:
        root: the data directory.
        train: the training split (True) or the test split (False).
        transform: applied to each image.
        target_transform: applied to each label.
        download: download and extract the archive if the files are missing.

    Raises:
        FileNotFoundError: the files are missing and ``download`` is False.
        CorruptFileError: a file of the wrong size or record count, or labels out of range.
        DownloadError: the archive could not be downloaded.

    Examples:
        >>> import lucid
        >>> lucid.datasets.CIFAR10.classes[:3]
        ['airplane', 'automobile', 'bird']
    """

    url = "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz"
    filename = "cifar-10-binary.tar.gz"
    tgz_md5 = "c32a1d4ab5d03f1284b67883e8d87530"
    base_folder = "cifar-10-batches-bin"
    train_list = [(f"data_batch_{i}.bin", 10000) for i in range(1, 6)]
    test_list = [("test_batch.bin", 10000)]
    extra_files = ["batches.meta.txt"]
    label_bytes = 1
    classes = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]

    def __init__(self, root, train: bool = True, transform=None, target_transform=None, download: bool = False):
        super().__init__(root, transform, target_transform)
        self._set_split(train)
        if download:
            self.download()
        files = self.train_list if train else self.test_list
        labels, images = [], []
        for name, count in files:
            path = _find_file([os.path.join(self.root, self.base_folder), self.root], [name])
            if path is None:
                raise FileNotFoundError(
                    f"{type(self).__name__}: {name} not found in {os.path.join(self.root, self.base_folder)} or "
                    f"{self.root}; pass download=True to fetch the dataset")
            lab, img = self._read(path, count)
            labels.append(lab)
            images.append(img)
        records_labels = np.concatenate(labels)
        self._set_targets(records_labels)
        # (N, 3, 32, 32) planes -> (N, 32, 32, 3) height x width x RGB.
        self.data = np.ascontiguousarray(np.concatenate(images).reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1))

    def _read(self, path: str, count: int):
        record = self.label_bytes + _PIXELS
        size = os.path.getsize(path)
        if size % record:
            raise CorruptFileError(f"{path}: {size} bytes is not a whole number of {record}-byte records; "
                                   "the file is truncated or is not a CIFAR binary file")
        if size // record != count:
            raise CorruptFileError(f"{path}: holds {size // record} records, expected {count}; "
                                   "the file is truncated or damaged")
        raw = np.fromfile(path, dtype=np.uint8).reshape(count, record)
        return raw[:, :self.label_bytes], raw[:, self.label_bytes:]

    def _check_range(self, labels: np.ndarray, n: int, what: str) -> None:
        if labels.size and labels.max() >= n:
            raise CorruptFileError(f"{type(self).__name__}: {what} label {int(labels.max())} is out of range "
                                   f"0..{n - 1}; a record file is damaged")

    def _set_targets(self, labels: np.ndarray) -> None:
        self._check_range(labels[:, 0], len(self.classes), "a")
        self.targets = labels[:, 0].astype(np.int64)

    def _have_files(self) -> bool:
        names = [n for n, _ in self.train_list + self.test_list]
        return all(_find_file([os.path.join(self.root, self.base_folder), self.root], [n]) for n in names)

    def download(self) -> None:
        """Download the binary archive (MD5-verified) and extract its record files, unless they are present."""
        if self._have_files():
            return
        archive = download_url(self.url, self.root, self.filename, self.tgz_md5)
        names = [n for n, _ in self.train_list + self.test_list] + self.extra_files
        extract_tar(archive, self.root, [f"{self.base_folder}/{n}" for n in names])


class CIFAR100(CIFAR10):
    """CIFAR-100: like ``CIFAR10`` with 100 fine classes grouped into 20 coarse superclasses.

    ``targets`` (and each item's label) are the fine labels 0..99;
    ``coarse_targets`` holds the superclass labels 0..19. Files live in
    ``root/cifar-100-binary/`` (``train.bin``: 50,000 records, ``test.bin``: 10,000).

    Examples:
        >>> import lucid
        >>> lucid.datasets.CIFAR100.train_list
        [('train.bin', 50000)]
    """

    url = "https://www.cs.toronto.edu/~kriz/cifar-100-binary.tar.gz"
    filename = "cifar-100-binary.tar.gz"
    tgz_md5 = "03b5dce01913d631647c71ecec9e9cb8"
    base_folder = "cifar-100-binary"
    train_list = [("train.bin", 50000)]
    test_list = [("test.bin", 10000)]
    extra_files = ["coarse_label_names.txt", "fine_label_names.txt"]
    label_bytes = 2
    num_coarse = 20
    classes = [
        "apple", "aquarium_fish", "baby", "bear", "beaver", "bed", "bee", "beetle", "bicycle", "bottle", "bowl",
        "boy", "bridge", "bus", "butterfly", "camel", "can", "castle", "caterpillar", "cattle", "chair",
        "chimpanzee", "clock", "cloud", "cockroach", "couch", "crab", "crocodile", "cup", "dinosaur", "dolphin",
        "elephant", "flatfish", "forest", "fox", "girl", "hamster", "house", "kangaroo", "keyboard", "lamp",
        "lawn_mower", "leopard", "lion", "lizard", "lobster", "man", "maple_tree", "motorcycle", "mountain",
        "mouse", "mushroom", "oak_tree", "orange", "orchid", "otter", "palm_tree", "pear", "pickup_truck",
        "pine_tree", "plain", "plate", "poppy", "porcupine", "possum", "rabbit", "raccoon", "ray", "road",
        "rocket", "rose", "sea", "seal", "shark", "shrew", "skunk", "skyscraper", "snail", "snake", "spider",
        "squirrel", "streetcar", "sunflower", "sweet_pepper", "table", "tank", "telephone", "television",
        "tiger", "tractor", "train", "trout", "tulip", "turtle", "wardrobe", "whale", "willow_tree", "wolf",
        "woman", "worm",
    ]

    def _set_targets(self, labels: np.ndarray) -> None:
        self._check_range(labels[:, 0], self.num_coarse, "coarse")
        self._check_range(labels[:, 1], len(self.classes), "fine")
        self.coarse_targets = labels[:, 0].astype(np.int64)
        self.targets = labels[:, 1].astype(np.int64)
