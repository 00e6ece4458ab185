"""Text corpora needing no network, Tiny Shakespeare by verified download, and ``TokenBlocks`` for language models."""

from __future__ import annotations

import hashlib
import numbers
import os
import sysconfig
from collections.abc import Sequence

import numpy as np

from lucid._tensor import Tensor
from lucid.data.collate import StackedSamples
from lucid.data.dataset import Dataset
from lucid.datasets.utils import CorruptFileError, DownloadError, download_url

__all__ = ["python_stdlib_corpus", "python_stdlib_files", "tiny_shakespeare", "TokenBlocks"]


def python_stdlib_files() -> list[str]:
    """The ``.py`` files of this Python's standard library, sorted (``site-packages`` and caches left out).

    Every Python installation ships them, so they make a real, multi-megabyte
    text corpus that is there offline. The directory comes from
    ``sysconfig.get_paths()["stdlib"]``.

    Examples:
        >>> import lucid
        >>> files = lucid.datasets.python_stdlib_files()
        >>> len(files) > 100 and all(f.endswith(".py") for f in files)
        True
    """
    root = sysconfig.get_paths()["stdlib"]
    out = []
    for folder, dirs, names in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in ("site-packages", "dist-packages", "__pycache__"))
        out.extend(os.path.join(folder, n) for n in sorted(names) if n.endswith(".py"))
    if not out:
        raise FileNotFoundError(f"python_stdlib_files: no .py files under {root} (sysconfig's stdlib path); this "
                                "Python was installed without its library sources")
    return out


def python_stdlib_corpus(max_bytes: int | None = None) -> str:
    """The standard library's Python source as one string: files in sorted order, separated by blank lines.

    Args:
        max_bytes: stop after about this many bytes (whole files; default: everything, tens of MB).

    Returns:
        The text (files that are not valid UTF-8 are decoded with replacement characters).

    Examples:
        >>> import lucid
        >>> text = lucid.datasets.python_stdlib_corpus(max_bytes=100_000)
        >>> 100_000 <= len(text.encode()) < 2_000_000 and "def " in text
        True
    """
    if max_bytes is not None and (isinstance(max_bytes, bool) or not isinstance(max_bytes, numbers.Integral)
                                  or max_bytes < 1):
        raise ValueError(f"python_stdlib_corpus: max_bytes must be a positive int or None, got {max_bytes!r}")
    parts, size = [], 0
    for path in python_stdlib_files():
        with open(path, "rb") as f:
            data = f.read()
        parts.append(data.decode("utf-8", errors="replace"))
        size += len(data) + 2
        if max_bytes is not None and size >= max_bytes:
            break
    return "\n\n".join(parts)


TINY_SHAKESPEARE_MIRRORS = [
    "https://raw.githubusercontent.com/karpathy/char-rnn/master/data/tinyshakespeare/input.txt",
]
TINY_SHAKESPEARE_SHA256 = "86c4e6aa9db7c042ec79f339dcb96d42b0075e16b8fc2e86bf0ca57e2dc565ed"
TINY_SHAKESPEARE_BYTES = 1_115_394


def _sha256(path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def tiny_shakespeare(root="data", download: bool = False, mirrors: Sequence[str] | None = None,
                     **download_kwargs) -> str:
    """Karpathy's Tiny Shakespeare (about 1.1 MB of plays), cached in ``root`` and checked by SHA-256.

    Args:
        root: the folder holding (or receiving) ``tinyshakespeare.txt``.
        download: fetch the file if it is not in ``root`` yet.
        mirrors: URLs to try (default: the char-rnn repository on GitHub).
        download_kwargs: passed to :func:`lucid.datasets.download_url` (``retries``, ``timeout``, ...).

    Returns:
        The text.

    Raises:
        FileNotFoundError: the file is not in ``root`` and ``download`` is false.
        DownloadError: no mirror could be reached (offline); the message says where to put the file.
        CorruptFileError: the file's SHA-256 is not the published one.

    Examples:
        >>> import lucid, tempfile
        >>> with tempfile.TemporaryDirectory() as d:
        ...     try:
        ...         lucid.datasets.tiny_shakespeare(d)
        ...     except FileNotFoundError as e:
        ...         print("download=True" in str(e))
        True
    """
    root = os.path.expanduser(os.fspath(root))
    path = os.path.join(root, "tinyshakespeare.txt")
    if not os.path.isfile(path):
        if not download:
            raise FileNotFoundError(f"tiny_shakespeare: {path} not found; pass download=True to fetch it "
                                    f"({TINY_SHAKESPEARE_BYTES:,} bytes), or use the offline "
                                    "lucid.datasets.python_stdlib_corpus()")
        try:
            download_url(list(mirrors or TINY_SHAKESPEARE_MIRRORS), root, "tinyshakespeare.txt", **download_kwargs)
        except DownloadError as exc:
            raise DownloadError(f"tiny_shakespeare: could not download the corpus (no network?): {exc}. Put the "
                                f"file at {path} by hand, or use the offline "
                                "lucid.datasets.python_stdlib_corpus()") from None
    got = _sha256(path)
    if got != TINY_SHAKESPEARE_SHA256:
        raise CorruptFileError(f"tiny_shakespeare: {path} has SHA-256 {got}, not the published "
                               f"{TINY_SHAKESPEARE_SHA256}; delete it and download again")
    with open(path, encoding="utf-8") as f:
        return f.read()


class TokenBlocks(Dataset):
    """Fixed-length blocks of a token stream for language modelling: item ``i`` is ``(x, y)``, ``y`` = ``x`` shifted.

    ``x = tokens[s : s + block_size]`` and ``y = tokens[s + 1 : s + block_size + 1]``
    with ``s = i * stride``, so a model learns to predict every next token.
    Items are NumPy arrays (``DataLoader`` makes them Tensors); a batch is
    gathered with one indexing operation.

    Args:
        tokens: a 1-D sequence of token ids (list, NumPy array or Tensor).
        block_size: tokens per block.
        stride: start-to-start distance (default ``block_size``: blocks do not overlap).

    Examples:
        >>> import lucid
        >>> from lucid.text import CharTokenizer
        >>> tok = CharTokenizer.from_text("abcdefgh")
        >>> ds = lucid.datasets.TokenBlocks(tok.encode("abcdefgh"), block_size=3)
        >>> len(ds), ds[1][0].tolist(), ds[1][1].tolist()
        (2, [3, 4, 5], [4, 5, 6])
    """

    def __init__(self, tokens, block_size: int, stride: int | None = None) -> None:
        for name, v in (("block_size", block_size), ("stride", block_size if stride is None else stride)):
            if isinstance(v, bool) or not isinstance(v, numbers.Integral) or v < 1:
                raise ValueError(f"TokenBlocks: {name} must be a positive int, got {v!r}")
        if isinstance(tokens, Tensor):
            tokens = tokens.numpy()
        tokens = np.asarray(tokens)
        if tokens.ndim != 1 or (tokens.size and tokens.dtype.kind not in "iu"):
            raise ValueError(f"TokenBlocks: tokens must be a 1-D sequence of integer ids, got shape {tokens.shape} "
                             f"and dtype {tokens.dtype}")
        if tokens.dtype.kind == "u" or tokens.dtype.itemsize < 4:
            tokens = tokens.astype(np.int32)
        self.tokens = tokens
        self.block_size = int(block_size)
        self.stride = int(block_size if stride is None else stride)
        if len(tokens) < self.block_size + 1:
            raise ValueError(f"TokenBlocks: {len(tokens)} tokens are too few for one block of {block_size} "
                             "(plus the shifted target)")

    def __len__(self) -> int:
        return (len(self.tokens) - self.block_size - 1) // self.stride + 1

    def _starts(self, indices) -> np.ndarray:
        idx = np.asarray(indices, dtype=np.int64)
        n = len(self)
        idx = np.where(idx < 0, idx + n, idx)
        if idx.size and (idx.min() < 0 or idx.max() >= n):
            raise IndexError(f"TokenBlocks: index out of range for {n} blocks: {np.asarray(indices).tolist()}")
        return idx * self.stride

    def __getitem__(self, index):
        if isinstance(index, bool) or not isinstance(index, numbers.Integral):
            raise TypeError(f"TokenBlocks: index must be an int, got {type(index).__name__}")
        s = int(self._starts([index])[0])
        return self.tokens[s:s + self.block_size], self.tokens[s + 1:s + self.block_size + 1]

    def __getitems__(self, indices) -> StackedSamples:
        rows = self._starts(indices)[:, None] + np.arange(self.block_size + 1)
        window = self.tokens[rows]
        x, y = window[:, :-1], window[:, 1:]
        return StackedSamples(zip(x, y), fields=(x, y))

    def __repr__(self) -> str:
        return (f"TokenBlocks({len(self)} blocks of {self.block_size} tokens, stride {self.stride}, "
                f"{len(self.tokens)} tokens)")
