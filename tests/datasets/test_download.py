"""Download logic against a local HTTP server and file:// URLs; no test touches the network."""

import gzip
import hashlib
import os
import tarfile
from pathlib import Path

import numpy as np
import pytest

from lucid.datasets import CIFAR10, MNIST, CorruptFileError, DownloadError
from lucid.datasets.utils import download_url, extract_tar, md5sum
from tests.datasets.fakes import FileServer, cifar_records, idx_bytes, tar_gz

PAYLOAD = bytes(range(256)) * 400  # 100 KiB
MD5 = hashlib.md5(PAYLOAD).hexdigest()


def _fetch(server, tmp_path, **kwargs):
    kwargs.setdefault("backoff", 0.0)
    kwargs.setdefault("md5", MD5)
    return download_url(server.url + "/file.bin", tmp_path / "out", "file.bin", **kwargs)


def test_download_and_skip_when_present(tmp_path):
    with FileServer({"/file.bin": PAYLOAD}) as server:
        path = _fetch(server, tmp_path)
        assert Path(path).read_bytes() == PAYLOAD
        assert not os.path.exists(path + ".part")
        assert len(server.requests) == 1
        _fetch(server, tmp_path)
        assert len(server.requests) == 1  # intact file: nothing fetched


def test_download_resumes_with_range(tmp_path):
    with FileServer({"/file.bin": PAYLOAD}) as server:
        server.faults = ["drop:30000"]
        path = _fetch(server, tmp_path, chunk_size=4096)
        assert Path(path).read_bytes() == PAYLOAD
        assert server.requests[0][1] is None
        assert server.requests[1][1] == "bytes=30000-"


def test_download_restarts_when_range_is_ignored(tmp_path):
    with FileServer({"/file.bin": PAYLOAD}) as server:
        server.faults = ["drop:1000", "norange"]
        path = _fetch(server, tmp_path)
        assert Path(path).read_bytes() == PAYLOAD
        assert server.requests[1][1] == "bytes=1000-"


def test_stale_partial_beyond_the_end_restarts(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "file.bin.part").write_bytes(b"x" * (len(PAYLOAD) + 10))
    with FileServer({"/file.bin": PAYLOAD}) as server:
        path = _fetch(server, tmp_path)
        assert Path(path).read_bytes() == PAYLOAD


def test_download_retries_server_errors(tmp_path):
    with FileServer({"/file.bin": PAYLOAD}) as server:
        server.faults = ["500", "500"]
        path = _fetch(server, tmp_path, retries=3)
        assert Path(path).read_bytes() == PAYLOAD and len(server.requests) == 3


def test_download_gives_up_after_retries(tmp_path):
    with FileServer({"/file.bin": PAYLOAD}) as server:
        server.faults = ["500"] * 5
        with pytest.raises(DownloadError, match="HTTP 500"):
            _fetch(server, tmp_path, retries=2)
        assert len(server.requests) == 2
    assert not os.path.exists(tmp_path / "out" / "file.bin")


def test_checksum_mismatch_is_retried_then_reported(tmp_path):
    with FileServer({"/file.bin": PAYLOAD}) as server:
        server.faults = ["corrupt"]
        assert Path(_fetch(server, tmp_path)).read_bytes() == PAYLOAD  # second attempt is good
    with FileServer({"/file.bin": PAYLOAD}) as server:
        server.faults = ["corrupt"] * 3
        with pytest.raises(CorruptFileError, match="file.bin.*MD5"):
            _fetch(server, tmp_path / "b", retries=3)
    out = tmp_path / "b" / "out"
    assert not (out / "file.bin").exists() and not (out / "file.bin.part").exists()


def test_sha256_is_checked_like_md5(tmp_path):
    sha = hashlib.sha256(PAYLOAD).hexdigest()
    with FileServer({"/file.bin": PAYLOAD}) as server:
        assert Path(_fetch(server, tmp_path, md5=None, sha256=sha.upper())).read_bytes() == PAYLOAD
        _fetch(server, tmp_path, md5=None, sha256=sha)
        assert len(server.requests) == 1  # intact file: nothing fetched
        os.remove(tmp_path / "out" / "file.bin")
        server.faults = ["corrupt"] * 3
        with pytest.raises(CorruptFileError, match="SHA-256 check"):
            _fetch(server, tmp_path, md5=None, sha256=sha)
        assert os.listdir(tmp_path / "out") == []
        # A file in place whose SHA-256 is wrong is downloaded again.
        (tmp_path / "out" / "file.bin").write_bytes(b"stale")
        assert Path(_fetch(server, tmp_path, sha256=sha)).read_bytes() == PAYLOAD


def test_missing_on_first_mirror_uses_second(tmp_path):
    with FileServer({"/file.bin": PAYLOAD}) as good, FileServer({}) as empty:
        path = download_url([empty.url + "/file.bin", good.url + "/file.bin"], tmp_path, md5=MD5, backoff=0.0)
        assert Path(path).read_bytes() == PAYLOAD
        assert len(empty.requests) == 1  # a 404 is not retried


def test_file_url_and_default_filename(tmp_path):
    src = tmp_path / "src.bin"
    src.write_bytes(PAYLOAD)
    path = download_url(src.as_uri(), tmp_path / "dst", md5=MD5)
    assert os.path.basename(path) == "src.bin" and Path(path).read_bytes() == PAYLOAD
    with pytest.raises(DownloadError):
        download_url((tmp_path / "nope.bin").as_uri(), tmp_path / "dst", retries=1)
    with pytest.raises(ValueError):
        download_url([], tmp_path)


def test_unreachable_server(tmp_path):
    with FileServer({}) as server:
        url = server.url
    with pytest.raises(DownloadError):
        download_url(url + "/x.bin", tmp_path, retries=2, backoff=0.0, timeout=2.0)


def test_mnist_download_end_to_end(tmp_path, monkeypatch):
    rng = np.random.default_rng(0)
    files = {}
    for prefix, n in (("train", 5), ("t10k", 3)):
        files[f"{prefix}-images-idx3-ubyte.gz"] = gzip.compress(
            idx_bytes(rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)))
        files[f"{prefix}-labels-idx1-ubyte.gz"] = gzip.compress(idx_bytes(np.arange(n, dtype=np.uint8)))
    with FileServer({"/mnist/" + k: v for k, v in files.items()}) as server:
        monkeypatch.setattr(MNIST, "mirrors", ["http://127.0.0.1:9/dead/", server.url + "/mnist/"])
        monkeypatch.setattr(MNIST, "resources", [(k, hashlib.md5(v).hexdigest()) for k, v in files.items()])
        ds = MNIST(tmp_path, train=False, download=True)
        assert len(ds) == 3 and ds[2][1] == 2
        assert sorted(os.listdir(tmp_path / "MNIST" / "raw")) == sorted(files)
        n = len(server.requests)
        MNIST(tmp_path, download=True)  # everything present and intact
        assert len(server.requests) == n


def test_cifar_download_end_to_end(tmp_path):
    rng = np.random.default_rng(1)
    members = {}
    for name in [f"data_batch_{i}.bin" for i in range(1, 6)] + ["test_batch.bin"]:
        members[f"cifar-10-batches-bin/{name}"] = cifar_records(
            rng.integers(0, 256, (2, 32, 32, 3), dtype=np.uint8), rng.integers(0, 10, (2, 1)))
    members["cifar-10-batches-bin/batches.meta.txt"] = b"airplane\n"
    tar_gz(tmp_path / "src.tar.gz", members)
    blob = (tmp_path / "src.tar.gz").read_bytes()
    with FileServer({"/c10.tar.gz": blob}) as server:
        class Tiny(CIFAR10):
            url = server.url + "/c10.tar.gz"
            tgz_md5 = hashlib.md5(blob).hexdigest()
            train_list = [(f"data_batch_{i}.bin", 2) for i in range(1, 6)]
            test_list = [("test_batch.bin", 2)]

        root = tmp_path / "root"
        ds = Tiny(root, download=True)
        assert len(ds) == 10
        assert (root / "cifar-10-batches-bin" / "batches.meta.txt").exists()
        assert md5sum(root / "cifar-10-binary.tar.gz") == Tiny.tgz_md5
        Tiny(root, train=False, download=True)
        assert len(server.requests) == 1


def test_extract_tar_refuses_unsafe_members(tmp_path):
    tar_gz(tmp_path / "evil.tar.gz", {"../evil.txt": b"x"})
    with pytest.raises(ValueError, match="unsafe"):
        extract_tar(tmp_path / "evil.tar.gz", tmp_path / "out")
    assert not (tmp_path / "evil.txt").exists()
    with tarfile.open(tmp_path / "link.tar", "w") as tar:
        info = tarfile.TarInfo("link")
        info.type = tarfile.SYMTYPE
        info.linkname = "/etc/passwd"
        tar.addfile(info)
    with pytest.raises(ValueError, match="not a regular file"):
        extract_tar(tmp_path / "link.tar", tmp_path / "out")


def test_extract_tar_corrupt_and_missing_member(tmp_path):
    tar_gz(tmp_path / "a.tar.gz", {"dir/a.bin": b"abc"})
    data = (tmp_path / "a.tar.gz").read_bytes()
    (tmp_path / "bad.tar.gz").write_bytes(data[: len(data) // 2])
    with pytest.raises(CorruptFileError, match="bad.tar.gz"):
        extract_tar(tmp_path / "bad.tar.gz", tmp_path / "out")
    with pytest.raises(CorruptFileError, match="lacks"):
        extract_tar(tmp_path / "a.tar.gz", tmp_path / "out", ["dir/b.bin"])
    assert extract_tar(tmp_path / "a.tar.gz", tmp_path / "out") == [str(tmp_path / "out" / "dir" / "a.bin")]


def test_progress_bar_only_when_asked_or_on_a_terminal(tmp_path, capsys):
    with FileServer({"/file.bin": PAYLOAD}) as server:
        _fetch(server, tmp_path / "quiet")  # stderr is not a terminal under pytest
        assert capsys.readouterr().err == ""
        _fetch(server, tmp_path / "loud", progress=True)
        assert "file.bin" in capsys.readouterr().err
