"""Text corpora (stdlib offline, Tiny Shakespeare from a local server) and TokenBlocks."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest

import lucid
from lucid.datasets import text as text_mod
from tests.datasets.fakes import FileServer


def test_stdlib_corpus_is_deterministic_and_large():
    files = lucid.datasets.python_stdlib_files()
    assert files == sorted(files, key=files.index) and len(files) > 100
    assert not any("site-packages" in f for f in files)
    a = lucid.datasets.python_stdlib_corpus(max_bytes=300_000)
    assert a == lucid.datasets.python_stdlib_corpus(max_bytes=300_000)
    assert len(a.encode()) >= 300_000
    with pytest.raises(ValueError, match="max_bytes must be a positive int"):
        lucid.datasets.python_stdlib_corpus(max_bytes=0)


def test_tiny_shakespeare_download_verify_cache(tmp_path, monkeypatch):
    payload = b"First Citizen:\nBefore we proceed any further, hear me speak.\n" * 10
    monkeypatch.setattr(text_mod, "TINY_SHAKESPEARE_SHA256", hashlib.sha256(payload).hexdigest())
    with pytest.raises(FileNotFoundError, match="download=True"):
        lucid.datasets.tiny_shakespeare(tmp_path)
    with FileServer({"/input.txt": payload}) as server:
        text = lucid.datasets.tiny_shakespeare(tmp_path, download=True, mirrors=[server.url + "/input.txt"])
    assert text == payload.decode()
    # Cached: a second call needs no server.
    assert lucid.datasets.tiny_shakespeare(tmp_path, download=True, mirrors=["http://127.0.0.1:9/x"]) == text


def test_tiny_shakespeare_checksum_and_offline_errors(tmp_path):
    with FileServer({"/input.txt": b"not shakespeare"}) as server, \
            pytest.raises(lucid.datasets.CorruptFileError, match="SHA-256"):
        lucid.datasets.tiny_shakespeare(tmp_path / "a", download=True, mirrors=[server.url + "/input.txt"])
    with FileServer({}) as server:
        dead = server.url + "/input.txt"
    with pytest.raises(lucid.datasets.DownloadError, match="no network.*python_stdlib_corpus"):
        lucid.datasets.tiny_shakespeare(tmp_path / "b", download=True, mirrors=[dead], retries=1, backoff=0)


def test_token_blocks_items_batches_and_loader():
    tokens = np.arange(23)
    ds = lucid.datasets.TokenBlocks(tokens, block_size=5)
    assert len(ds) == 4  # starts 0, 5, 10, 15 (the last needs tokens up to 20)
    x, y = ds[3]
    assert x.tolist() == [15, 16, 17, 18, 19] and y.tolist() == [16, 17, 18, 19, 20]
    assert ds[-1][0].tolist() == x.tolist()
    batch = ds.__getitems__([2, 0])
    assert [s[0].tolist() for s in batch] == [ds[2][0].tolist(), ds[0][0].tolist()]
    loader = lucid.data.DataLoader(ds, batch_size=2)
    xb, yb = next(iter(loader))
    assert xb.shape == (2, 5) and xb.dtype == lucid.int64  # the ids keep their dtype (small ones widen to int32)
    assert lucid.datasets.TokenBlocks(np.arange(9, dtype=np.uint8), 2).tokens.dtype == np.int32
    np.testing.assert_array_equal(yb.numpy(), xb.numpy() + 1)
    overlapping = lucid.datasets.TokenBlocks(lucid.tensor(tokens), block_size=5, stride=2)
    assert len(overlapping) == 9 and overlapping[8][1].tolist()[-1] == 21
    with pytest.raises(IndexError, match="out of range for 4 blocks"):
        ds[4]
    with pytest.raises(ValueError, match="too few for one block"):
        lucid.datasets.TokenBlocks(np.arange(5), block_size=5)
    with pytest.raises(ValueError, match="1-D sequence of integer ids"):
        lucid.datasets.TokenBlocks(np.ones(10), block_size=2)
    with pytest.raises(ValueError, match="block_size must be a positive int"):
        lucid.datasets.TokenBlocks(tokens, block_size=0)
