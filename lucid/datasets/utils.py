"""Dataset plumbing: the ``VisionDataset`` base, verified downloads, checksums and safe archive extraction.

Downloads use only ``urllib`` from the standard library. ``download_url``
writes to ``<file>.part`` and renames it into place only once the whole file
is there and its MD5 matches (``os.replace``, atomic), so an interrupted or
corrupt download never leaves a file that looks finished. A partial file is
resumed with an HTTP ``Range`` request when the server supports it; failed
attempts are retried with a growing pause, and several mirrors can be given.
The progress bar (tqdm) is shown only when stderr is a terminal.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import http.client
import os
import socket
import tarfile
import time
import urllib.error
import urllib.request
import zlib
from collections.abc import Callable, Sequence

import numpy as np

from lucid._tensor import Tensor
from lucid.data.collate import StackedSamples
from lucid.data.dataset import Dataset

__all__ = ["VisionDataset", "ArrayImageDataset", "CorruptFileError", "DownloadError", "md5sum", "sha256sum",
           "download_url", "extract_tar"]

_USER_AGENT = "lucid-datasets/0.1 (+urllib)"
# HTTP codes worth retrying on the same mirror; any other 4xx moves on to the next mirror.
_RETRY_CODES = frozenset({408, 425, 429, 500, 502, 503, 504})


class CorruptFileError(ValueError):
    """A dataset file is damaged: bad gzip data, a wrong header or size, or a checksum mismatch.

    The message names the file. Delete it (or call with ``download=True``) to fetch it again.

    Examples:
        >>> import lucid
        >>> issubclass(lucid.datasets.CorruptFileError, ValueError)
        True
    """


class DownloadError(OSError):
    """A file could not be downloaded from any mirror after all retries.

    Examples:
        >>> import lucid
        >>> issubclass(lucid.datasets.DownloadError, OSError)
        True
    """


class VisionDataset(Dataset):
    """Base class of the image datasets: holds ``root``, ``transform`` and ``target_transform``.

    ``transform`` is applied to the image and ``target_transform`` to the
    label of every item, when given.

    Args:
        root: directory of the dataset files (``~`` is expanded).
        transform: a callable applied to each image.
        target_transform: a callable applied to each label.

    Raises:
        TypeError: a transform that is not callable.

    Examples:
        >>> import lucid
        >>> ds = lucid.datasets.utils.VisionDataset("data", transform=lambda img: img)
        >>> ds.root
        'data'
    """

    def __init__(self, root, transform: Callable | None = None, target_transform: Callable | None = None):
        for name, fn in (("transform", transform), ("target_transform", target_transform)):
            if fn is not None and not callable(fn):
                raise TypeError(f"{type(self).__name__}: {name} must be callable, got {type(fn).__name__}")
        self.root = None if root is None else os.path.expanduser(os.fspath(root))
        self.transform = transform
        self.target_transform = target_transform

    def _apply(self, image, target):
        if self.transform is not None:
            image = self.transform(image)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return image, target

    def __repr__(self) -> str:
        lines = [f"Dataset {type(self).__name__}"]
        if hasattr(self, "__len__"):
            lines.append(f"    Number of datapoints: {len(self)}")
        if self.root is not None:
            lines.append(f"    Root location: {self.root}")
        lines += [f"    {line}" for line in self.extra_repr().splitlines()]
        if self.transform is not None:
            lines.append(f"    Transform: {self.transform!r}")
        if self.target_transform is not None:
            lines.append(f"    Target transform: {self.target_transform!r}")
        return "\n".join(lines)

    def extra_repr(self) -> str:
        """Dataset-specific lines for ``repr`` (override in subclasses)."""
        return ""


class ArrayImageDataset(VisionDataset):
    """A ``VisionDataset`` whose images and labels are NumPy arrays in memory: ``data`` and ``targets``.

    ``MNIST``, ``CIFAR10`` and ``SyntheticDigits`` are built on it. Item ``i``
    is ``(transform(data[i]), target_transform(int(targets[i])))``; the image
    is a copy, so a transform that writes in place cannot alter the dataset.

    ``__getitems__(indices)`` (the batch protocol ``DataLoader`` uses) returns
    the same samples as ``[ds[i] for i in indices]`` but gathers them with one
    indexing operation. A transform with a ``batch`` method (``Normalize``,
    ``Lambda(fn, batched=True)``, a ``Compose`` of such) is then called once on
    the stacked images instead of once per image, which is what makes loading
    cheap enough to hide behind a training step. Random transforms run per image.

    Subclasses set ``classes`` (the class names; a label indexes them), call
    ``_set_split(train)``, and set ``self.data`` (shape ``(N, ...)``) and
    ``self.targets`` (shape ``(N,)``).

    Examples:
        >>> import lucid, numpy as np
        >>> ds = lucid.datasets.SyntheticDigits(size=4, transform=lucid.transforms.Lambda(
        ...     lambda x: x.astype(np.float32) / 255, batched=True))
        >>> [(img.dtype.name, img.shape, label == ds[i][1]) for i, (img, label) in
        ...  zip([2, 0], ds.__getitems__([2, 0]))]
        [('float32', (28, 28), True), ('float32', (28, 28), True)]
    """

    data: np.ndarray
    targets: np.ndarray
    classes: list = []
    train: bool = True

    def _set_split(self, train) -> None:
        if not isinstance(train, bool):
            raise TypeError(f"{type(self).__name__}: train must be a bool, got {train!r}")
        self.train = train

    @property
    def class_to_idx(self) -> dict:
        """Class name -> label."""
        return {c: i for i, c in enumerate(self.classes)}

    def extra_repr(self) -> str:
        """The split, for ``repr``."""
        return f"Split: {'Train' if self.train else 'Test'}"

    def __len__(self) -> int:
        return len(self.data)

    def __getitem__(self, index):
        return self._apply(self.data[index].copy(), int(self.targets[index]))

    def __getitems__(self, indices) -> list:
        """The samples at ``indices`` (a list of ints), gathered at once; see the class docstring."""
        if type(self).__getitem__ is not ArrayImageDataset.__getitem__:
            return [self[i] for i in indices]  # a subclass reads its samples its own way
        index = np.asarray(indices, dtype=np.intp)
        images = _transform_stack(self.transform, self.data[index], "transform")
        labels = self.targets[index]
        if self.target_transform is None:
            samples = zip(images, labels.tolist())
        else:
            labels = _transform_stack(self.target_transform, labels, "target_transform", as_int=True)
            samples = zip(images, labels)
        if type(images) is list or type(labels) is list:
            return list(samples)
        return StackedSamples(samples, fields=(images, labels))


def _transform_stack(fn, stack: np.ndarray, what: str, as_int: bool = False):
    """``fn`` applied to every item of ``stack``: one ``fn.batch(stack)`` call when ``fn`` has one.

    Returns the stacked result (an array or Tensor with the leading axis
    kept) when it could be computed at once, otherwise a list of items.
    """
    if fn is None:
        return stack
    batch = getattr(fn, "batch", None)
    if batch is None:
        return [fn(int(x)) for x in stack] if as_int else [fn(x) for x in stack]
    out = batch(stack)
    if len(out) != len(stack):
        raise ValueError(f"{what}.batch returned {len(out)} items for a batch of {len(stack)}; "
                         "a batch method must keep the leading (sample) axis")
    return out if isinstance(out, (np.ndarray, Tensor)) else list(out)


def md5sum(path, chunk_size: int = 1 << 20) -> str:
    """The hex MD5 digest of a file (for integrity checks, not security).

    Examples:
        >>> import lucid, tempfile, os
        >>> with tempfile.TemporaryDirectory() as d:
        ...     p = os.path.join(d, "f")
        ...     _ = open(p, "wb").write(b"abc")
        ...     lucid.datasets.utils.md5sum(p)
        '900150983cd24fb0d6963f7d28e17f72'
    """
    return _digest(path, hashlib.md5(usedforsecurity=False), chunk_size)


def sha256sum(path, chunk_size: int = 1 << 20) -> str:
    """The hex SHA-256 digest of a file (what pretrained weight tables publish).

    Examples:
        >>> import lucid, tempfile, os
        >>> with tempfile.TemporaryDirectory() as d:
        ...     p = os.path.join(d, "f")
        ...     _ = open(p, "wb").write(b"abc")
        ...     lucid.datasets.utils.sha256sum(p)[:16]
        'ba7816bf8f01cfea'
    """
    return _digest(path, hashlib.sha256(), chunk_size)


def _digest(path, digest, chunk_size: int) -> str:
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(chunk_size), b""):
            digest.update(block)
    return digest.hexdigest()


class _Retry(Exception):
    """One attempt failed in a way worth retrying; the partial file may be kept."""


def _open(url: str, offset: int, timeout: float):
    req = urllib.request.Request(url, headers={"User-Agent": _USER_AGENT})
    if offset:
        req.add_header("Range", f"bytes={offset}-")
    return urllib.request.urlopen(req, timeout=timeout)


def _fetch_once(url: str, part: str, timeout: float, progress, chunk_size: int, label: str) -> None:
    """One attempt: append to (or start) ``part`` from ``url``; raise ``_Retry`` if it came up short."""
    from tqdm import tqdm

    offset = os.path.getsize(part) if os.path.exists(part) else 0
    try:
        resp = _open(url, offset, timeout)
    except urllib.error.HTTPError as exc:
        exc.close()
        if exc.code == 416 and offset:
            # The server cannot serve what follows our partial file: start again.
            os.remove(part)
            raise _Retry(f"HTTP 416 resuming at byte {offset}; restarting") from exc
        raise
    with resp:
        status = getattr(resp, "status", None)
        if offset:
            content_range = resp.headers.get("Content-Range", "")
            if status != 206 or not content_range.startswith(f"bytes {offset}-"):
                offset = 0  # NOTE: the server ignored the Range request; the body is the whole file.
        length = resp.headers.get("Content-Length")
        expected = offset + int(length) if length is not None and length.isdigit() else None
        with open(part, "ab" if offset else "wb") as f, tqdm(
                total=expected, initial=offset, unit="B", unit_scale=True, unit_divisor=1024, desc=label,
                disable=None if progress is None else not progress) as bar:
            while True:
                block = resp.read(chunk_size)
                if not block:
                    break
                f.write(block)
                bar.update(len(block))
            f.flush()
            os.fsync(f.fileno())
    size = os.path.getsize(part)
    if expected is not None and size != expected:
        raise _Retry(f"connection closed after {size} of {expected} bytes")


def download_url(urls: str | Sequence[str], root, filename: str | None = None, md5: str | None = None, *,
                 sha256: str | None = None, retries: int = 3, timeout: float = 30.0, progress: bool | None = None,
                 backoff: float = 1.0,
                 chunk_size: int = 1 << 16) -> str:
    """Download a file into ``root``, verified and atomically, with retries and resume.

    Each mirror in ``urls`` is tried in order, ``retries`` times each, pausing
    ``backoff``, ``2 * backoff``, ``4 * backoff``, ... seconds between
    attempts (a partial file is resumed, not restarted); a mirror that refuses
    the connection or whose host does not resolve is skipped at once. An
    existing file whose checksums match is not downloaded again.

    Args:
        urls: one URL or several mirrors of the same file (``http``, ``https`` or ``file``).
        root: the directory to put it in (created if needed).
        filename: the local name (default: the last part of the first URL).
        md5: the published MD5 hex digest; ``None`` skips the check.
        sha256: the published SHA-256 hex digest; ``None`` skips the check.
        retries: attempts per mirror.
        timeout: seconds to wait on a stalled connection.
        progress: show a tqdm progress bar; ``None`` shows it only on a terminal.
        backoff: the base pause between attempts, in seconds.
        chunk_size: bytes read per block.

    Returns:
        The path of the downloaded file.

    Raises:
        CorruptFileError: no attempt succeeded and at least one delivered a
            file whose MD5 or SHA-256 did not match (nothing is left under the final name).
        DownloadError: no mirror delivered the file.
        TypeError: ``retries`` is not an int.
        ValueError: no URLs or ``retries < 1``.

    Examples:
        >>> import lucid, tempfile, os, pathlib
        >>> with tempfile.TemporaryDirectory() as d:
        ...     src = pathlib.Path(d, "src.txt"); _ = src.write_bytes(b"abc")
        ...     out = lucid.datasets.utils.download_url(src.as_uri(), os.path.join(d, "out"),
        ...                                             md5="900150983cd24fb0d6963f7d28e17f72")
        ...     open(out, "rb").read()
        b'abc'
    """
    urls = [urls] if isinstance(urls, str) else list(urls)
    if not urls:
        raise ValueError("download_url: no URLs given")
    if isinstance(retries, bool) or not isinstance(retries, int):
        raise TypeError(f"download_url: retries must be a positive int, got {retries!r}")
    if retries < 1:
        raise ValueError(f"download_url: retries must be a positive int, got {retries}")
    root = os.path.expanduser(os.fspath(root))
    filename = filename or os.path.basename(urls[0].rstrip("/").split("?")[0])
    dest = os.path.join(root, filename)
    checks = [(name, fn, value.lower()) for name, fn, value in (("MD5", md5sum, md5), ("SHA-256", sha256sum, sha256))
              if value is not None]
    if os.path.isfile(dest) and all(fn(dest) == value for _, fn, value in checks):
        return dest
    os.makedirs(root, exist_ok=True)
    part = dest + ".part"
    failures: list[str] = []
    bad_checksum = False
    for url in urls:
        for attempt in range(retries):
            if attempt:
                time.sleep(backoff * 2 ** (attempt - 1))
            try:
                _fetch_once(url, part, timeout, progress, chunk_size, filename)
            except urllib.error.HTTPError as exc:
                failures.append(f"{url}: HTTP {exc.code} {exc.reason}")
                if exc.code in _RETRY_CODES:
                    continue
                break  # e.g. 404: this mirror does not have it
            except (_Retry, urllib.error.URLError, http.client.HTTPException, OSError) as exc:
                failures.append(f"{url}: {exc}")
                reason = getattr(exc, "reason", exc)
                if isinstance(reason, (ConnectionRefusedError, socket.gaierror)):
                    break  # nothing listens there (or no such host): try the next mirror at once
                continue
            mismatch = _mismatch(part, checks)
            if mismatch:
                os.remove(part)  # a bad partial must not be resumed
                bad_checksum = True
                failures.append(f"{url}: {mismatch}")
                continue
            os.replace(part, dest)
            return dest
    detail = "; ".join(failures[-6:])
    if bad_checksum:
        kinds = " and ".join(name for name, _, _ in checks)
        raise CorruptFileError(f"{filename}: the downloaded file failed its {kinds} check ({detail}). "
                               "The mirror may be serving a damaged file; try again later.")
    raise DownloadError(f"could not download {filename} into {root} ({detail})")


def _mismatch(path: str, checks: list) -> str:
    """The first failed ``(name, digest function, expected)`` check of ``path``, described; ``""`` when all pass."""
    for name, fn, expected in checks:
        got = fn(path)
        if got != expected:
            return f"{name} {got} does not match the published {expected}"
    return ""


def extract_tar(archive, root, members: Sequence[str] | None = None) -> list[str]:
    """Extract regular files from a (gzipped) tar archive into ``root``, safely.

    Only regular files and directories are extracted: absolute paths, ``..``
    components, links and device files are refused. Each file is written to a
    temporary name and renamed into place.

    Args:
        archive: path of the ``.tar`` / ``.tar.gz`` file.
        root: the directory to extract into.
        members: archive paths to extract (default: every regular file).

    Returns:
        The paths written.

    Raises:
        CorruptFileError: the archive cannot be read, or a requested member is missing.
        ValueError: a member with an unsafe path or type.

    Examples:
        >>> import lucid, tarfile, tempfile, os, io
        >>> with tempfile.TemporaryDirectory() as d:
        ...     with tarfile.open(os.path.join(d, "a.tar.gz"), "w:gz") as tar:
        ...         info = tarfile.TarInfo("data/x.bin"); info.size = 3
        ...         tar.addfile(info, io.BytesIO(b"abc"))
        ...     paths = lucid.datasets.utils.extract_tar(os.path.join(d, "a.tar.gz"), os.path.join(d, "out"))
        ...     [os.path.relpath(p, d) for p in paths]
        ['out/data/x.bin']
    """
    archive = os.fspath(archive)
    root = os.path.expanduser(os.fspath(root))
    written = []
    try:
        with tarfile.open(archive, "r:*") as tar:
            infos = tar.getmembers()
            wanted = None if members is None else set(members)
            found = set()
            for info in infos:
                if wanted is not None and info.name not in wanted:
                    continue
                parts = info.name.replace("\\", "/").split("/")
                if info.name.startswith(("/", "\\")) or ".." in parts or (info.name[1:2] == ":"):
                    raise ValueError(f"{archive}: refusing to extract member with unsafe path {info.name!r}")
                if info.isdir():
                    continue
                if not info.isfile():
                    raise ValueError(f"{archive}: refusing to extract {info.name!r} (not a regular file)")
                target = os.path.join(root, *[p for p in parts if p not in ("", ".")])
                os.makedirs(os.path.dirname(target), exist_ok=True)
                src = tar.extractfile(info)
                tmp = target + ".part"
                with src, open(tmp, "wb") as out:
                    for block in iter(functools.partial(src.read, 1 << 20), b""):
                        out.write(block)
                os.replace(tmp, target)
                written.append(target)
                found.add(info.name)
    except (tarfile.TarError, EOFError, gzip.BadGzipFile, zlib.error) as exc:
        raise CorruptFileError(f"{archive}: cannot read the archive ({exc}); delete it and download again") from exc
    if members is not None:
        missing = sorted(set(members) - found)
        if missing:
            raise CorruptFileError(f"{archive}: the archive lacks {missing}")
    return written


def _find_file(dirs: Sequence[str], names: Sequence[str]) -> str | None:
    """The first existing ``dir/name`` (dirs outer, names inner), or None."""
    for d in dirs:
        for name in names:
            path = os.path.join(d, name)
            if os.path.isfile(path):
                return path
    return None
