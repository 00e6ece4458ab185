"""MNIST and Fashion-MNIST, read from the original gzipped IDX files.

Layout: the four files ``train-images-idx3-ubyte.gz``, ``train-labels-idx1-ubyte.gz``,
``t10k-images-idx3-ubyte.gz`` and ``t10k-labels-idx1-ubyte.gz`` are looked
for in ``root/<ClassName>/raw/`` (where ``download=True`` puts them, e.g.
``root/MNIST/raw/``) and then in ``root/`` itself; uncompressed copies
(the same names without ``.gz``) are accepted too.
"""

from __future__ import annotations

import gzip
import os
import zlib

import numpy as np

from lucid.datasets.utils import ArrayImageDataset, CorruptFileError, _find_file, download_url

__all__ = ["MNIST", "FashionMNIST", "read_idx"]

# IDX type codes -> big-endian NumPy dtypes.
_IDX_TYPES = {0x08: np.dtype(">u1"), 0x09: np.dtype(">i1"), 0x0B: np.dtype(">i2"), 0x0C: np.dtype(">i4"),
              0x0D: np.dtype(">f4"), 0x0E: np.dtype(">f8")}


def _read_bytes(path: str) -> bytes:
    if not path.endswith(".gz"):
        with open(path, "rb") as f:
            return f.read()
    try:
        with gzip.open(path, "rb") as f:
            return f.read()
    except (gzip.BadGzipFile, EOFError, zlib.error) as exc:
        raise CorruptFileError(f"{path}: not a valid gzip file ({exc}); delete it and download it again") from exc


def read_idx(path) -> np.ndarray:
    """Read an IDX file (optionally gzipped): the format of MNIST and Fashion-MNIST.

    The header is two zero bytes, a type code (0x08 uint8, 0x09 int8, 0x0B
    int16, 0x0C int32, 0x0D float32, 0x0E float64), the number of dimensions,
    then each dimension as a big-endian uint32; the values follow, big-endian.

    Args:
        path: the ``.idx*-ubyte`` or ``.gz`` file.

    Returns:
        A NumPy array of the stored shape, in native byte order.

    Raises:
        CorruptFileError: bad gzip data, a wrong magic number or type code, or
            a data size that does not match the header (naming the file).

    Examples:
        >>> import lucid, numpy as np, tempfile, os
        >>> with tempfile.TemporaryDirectory() as d:
        ...     p = os.path.join(d, "x.idx")
        ...     _ = open(p, "wb").write(bytes([0, 0, 8, 2, 0, 0, 0, 2, 0, 0, 0, 3]) + bytes(range(6)))
        ...     lucid.datasets.read_idx(p)
        array([[0, 1, 2],
               [3, 4, 5]], dtype=uint8)
    """
    path = os.fspath(path)
    raw = _read_bytes(path)
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0:
        raise CorruptFileError(f"{path}: not an IDX file (bad magic number {raw[:4].hex() or 'empty'})")
    dtype = _IDX_TYPES.get(raw[2])
    if dtype is None:
        raise CorruptFileError(f"{path}: unknown IDX type code 0x{raw[2]:02x}")
    ndim = raw[3]
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise CorruptFileError(f"{path}: truncated IDX header")
    shape = tuple(int(d) for d in np.frombuffer(raw, dtype=">u4", count=ndim, offset=4))
    expected = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if len(raw) - header != expected:
        raise CorruptFileError(f"{path}: IDX header says shape {shape} ({expected} bytes of data) but the file "
                               f"holds {len(raw) - header} bytes; it is truncated or damaged")
    arr = np.frombuffer(raw, dtype=dtype, offset=header).reshape(shape)
    return arr.astype(dtype.newbyteorder("="))


class MNIST(ArrayImageDataset):
    """The MNIST handwritten digits: 60,000 training and 10,000 test images, 28x28 grayscale.

    Items are ``(image, label)``: ``image`` a uint8 NumPy array of shape
    ``(28, 28)`` and ``label`` an int in 0..9, unless ``transform`` /
    ``target_transform`` change them. ``data`` (uint8, ``(N, 28, 28)``) and
    ``targets`` (int64, ``(N,)``) hold the whole split.

    Files are looked for in ``root/MNIST/raw/`` and then ``root/`` (see the
    module docstring). ``download=True`` fetches all four files into
    ``root/MNIST/raw/`` from the mirrors in ``mirrors``, verifying each
    file's published MD5; files already present and intact are kept.

    Args:
        root: the data directory.
        train: the training split (True) or the test split (False).
        transform: applied to each image (e.g. ``lucid.transforms.ToTensor()``).
        target_transform: applied to each label.
        download: download missing files first.

    Raises:
        FileNotFoundError: the files are missing and ``download`` is False.
        CorruptFileError: a file is damaged (bad gzip, wrong IDX header or size,
            mismatched image/label counts, labels out of range).
        DownloadError: no mirror delivered a file.

    Examples:
        >>> import lucid
        >>> lucid.datasets.MNIST.resources[0][0]
        'train-images-idx3-ubyte.gz'
    """

    mirrors = [
        "https://ossci-datasets.s3.amazonaws.com/mnist/",
        "http://yann.lecun.com/exdb/mnist/",
        "https://storage.googleapis.com/cvdf-datasets/mnist/",
    ]
    resources = [
        ("train-images-idx3-ubyte.gz", "f68b3c2dcbeaaa9fbdd348bbdeb94873"),
        ("train-labels-idx1-ubyte.gz", "d53e105ee54ea40749a09fcbcd1e9432"),
        ("t10k-images-idx3-ubyte.gz", "9fb629c4189551a2d022fa330f9573f3"),
        ("t10k-labels-idx1-ubyte.gz", "ec29112dd5afa0611ce80d1b7f02629c"),
    ]
    classes = ["0 - zero", "1 - one", "2 - two", "3 - three", "4 - four", "5 - five", "6 - six", "7 - seven",
               "8 - eight", "9 - nine"]

    def __init__(self, root, train: bool = True, transform=None, target_transform=None, download: bool = False):
        super().__init__(root, transform, target_transform)
        self._set_split(train)
        if download:
            self.download()
        prefix = "train" if train else "t10k"
        images_path = self._locate(f"{prefix}-images-idx3-ubyte")
        labels_path = self._locate(f"{prefix}-labels-idx1-ubyte")
        self.data, self.targets = self._load(images_path, labels_path)

    @property
    def raw_folder(self) -> str:
        """``root/<ClassName>/raw``: where ``download`` puts the files."""
        return os.path.join(self.root, type(self).__name__, "raw")

    def _locate(self, stem: str) -> str:
        path = _find_file([self.raw_folder, self.root], [stem + ".gz", stem])
        if path is None:
            raise FileNotFoundError(
                f"{type(self).__name__}: {stem}.gz not found in {self.raw_folder} or {self.root}; "
                "pass download=True to fetch the dataset")
        return path

    def _load(self, images_path: str, labels_path: str):
        images = read_idx(images_path)
        labels = read_idx(labels_path)
        if images.ndim != 3 or images.dtype != np.uint8:
            raise CorruptFileError(f"{images_path}: expected uint8 images of shape (N, H, W), "
                                   f"got {images.dtype} {images.shape}")
        if labels.ndim != 1 or labels.dtype != np.uint8:
            raise CorruptFileError(f"{labels_path}: expected uint8 labels of shape (N,), got {labels.dtype} "
                                   f"{labels.shape}")
        if images.shape[0] != labels.shape[0]:
            raise CorruptFileError(f"{images_path} holds {images.shape[0]} images but {labels_path} holds "
                                   f"{labels.shape[0]} labels")
        if labels.size and labels.max() >= len(self.classes):
            raise CorruptFileError(f"{labels_path}: label {int(labels.max())} is out of range "
                                   f"0..{len(self.classes) - 1}")
        return images, labels.astype(np.int64)

    def download(self) -> None:
        """Fetch the four IDX files into ``raw_folder`` (MD5-verified; intact files are kept)."""
        for filename, md5 in self.resources:
            download_url([m + filename for m in self.mirrors], self.raw_folder, filename, md5)


class FashionMNIST(MNIST):
    """Zalando's Fashion-MNIST: 28x28 grayscale clothing images in 10 classes, MNIST's format and sizes.

    Same interface and file layout as ``MNIST``, with files in ``root/FashionMNIST/raw/``.

    Examples:
        >>> import lucid
        >>> lucid.datasets.FashionMNIST.classes[:3]
        ['T-shirt/top', 'Trouser', 'Pullover']
    """

    mirrors = [
        "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/",
        "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
    ]
    resources = [
        ("train-images-idx3-ubyte.gz", "8d4fb7e6c68d591d4c3dfef9ec88bf0d"),
        ("train-labels-idx1-ubyte.gz", "25c81989df183df01b3e8a0aad5dffbe"),
        ("t10k-images-idx3-ubyte.gz", "bef4ecab320f06d8554ea6380940ec79"),
        ("t10k-labels-idx1-ubyte.gz", "bb300cfdad3c16e7a12a480ee83cd310"),
    ]
    classes = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
               "Ankle boot"]
