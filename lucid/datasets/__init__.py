"""Datasets: MNIST, Fashion-MNIST, CIFAR-10/100 (downloaded and verified), the offline ``SyntheticDigits``,
text corpora (the Python standard library offline, Tiny Shakespeare) and ``TokenBlocks`` for language models.

Every dataset is a map-style ``lucid.data.Dataset`` of ``(image, label)``
pairs: images are uint8 NumPy arrays (``(H, W)`` grayscale or ``(H, W, 3)``
RGB) and labels ints, unless ``transform`` / ``target_transform`` change them.

Examples:
    >>> import lucid
    >>> ds = lucid.datasets.SyntheticDigits(train=False, size=10, transform=lucid.transforms.ToTensor())
    >>> x, y = ds[0]
    >>> x.shape, x.dtype
    ((1, 28, 28), lucid.float32)
"""

from lucid.datasets import utils
from lucid.datasets.cifar import CIFAR10, CIFAR100
from lucid.datasets.mnist import MNIST, FashionMNIST, read_idx
from lucid.datasets.synthetic import SyntheticDigits
from lucid.datasets.text import TokenBlocks, python_stdlib_corpus, python_stdlib_files, tiny_shakespeare
from lucid.datasets.utils import ArrayImageDataset, CorruptFileError, DownloadError, VisionDataset, download_url

__all__ = ["MNIST", "FashionMNIST", "CIFAR10", "CIFAR100", "SyntheticDigits", "VisionDataset", "ArrayImageDataset",
           "CorruptFileError", "DownloadError", "download_url", "read_idx", "utils", "TokenBlocks",
           "python_stdlib_corpus", "python_stdlib_files", "tiny_shakespeare"]
