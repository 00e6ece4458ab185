"""pretrained=True: weights downloaded from a local HTTP server into $LUCID_HOME, checked, resumed, loaded."""

import hashlib
import os
import socket

import pytest

import lucid
import lucid.nn as nn
from lucid.datasets import CorruptFileError, DownloadError
from lucid.models import Weights, create_model, register_model, weights_cache_dir
from lucid.models._registry import _REGISTRY
from tests.datasets.fakes import FileServer


def _weights_bytes(tmp_path, num_classes=3):
    lucid.manual_seed(7)
    src = nn.Linear(4, num_classes)
    path = tmp_path / "src.safetensors"
    lucid.save_safetensors(src.state_dict(), path)
    return src, path.read_bytes()


@pytest.fixture
def tiny(tmp_path, monkeypatch):
    """Register ``tiny_pretrained`` with weights at ``<url>/tiny-abc.safetensors``; yields a setter for the URL."""
    monkeypatch.setenv("LUCID_HOME", str(tmp_path / "home"))
    monkeypatch.setattr("lucid.datasets.utils.time.sleep", lambda s: None)  # no back-off pauses
    src, blob = _weights_bytes(tmp_path)
    sha = hashlib.sha256(blob).hexdigest()

    def register(base_url):
        _REGISTRY.pop("tiny_pretrained", None)
        weights = {"TINY_V1": Weights(f"{base_url}/tiny-abc.safetensors", sha, num_classes=3)}

        @register_model("tiny_pretrained", num_params=15, paper="none", input_size=(4,), weights=weights)
        def tiny_pretrained(num_classes=2):
            return nn.Linear(4, num_classes)

        return weights["TINY_V1"]

    yield register, src, blob, sha
    _REGISTRY.pop("tiny_pretrained", None)


def _cached(tmp_path):
    folder = tmp_path / "home" / "weights"
    return sorted(os.listdir(folder)) if folder.exists() else []


def test_pretrained_downloads_checks_and_loads(tmp_path, tiny):
    register, src, blob, _ = tiny
    with FileServer({"/tiny-abc.safetensors": blob}) as server:
        register(server.url)
        model = create_model("tiny_pretrained", pretrained=True)
        assert model.out_features == 3  # num_classes follows the weights
        assert model.weight.tolist() == src.weight.tolist() and model.bias.tolist() == src.bias.tolist()
        assert weights_cache_dir() == str(tmp_path / "home" / "weights")
        assert _cached(tmp_path) == ["tiny-abc.safetensors"]
        assert len(server.requests) == 1
        again = create_model("tiny_pretrained", pretrained="TINY_V1", num_classes=3)
        assert again.weight.tolist() == src.weight.tolist()
        assert len(server.requests) == 1  # cached, intact: not downloaded again


def test_corrupted_download_is_a_checksum_error_and_leaves_nothing(tmp_path, tiny):
    register, _, blob, sha = tiny
    with FileServer({"/tiny-abc.safetensors": blob}) as server:
        register(server.url)
        server.faults = ["corrupt"] * 3
        with pytest.raises(CorruptFileError, match="SHA-256") as info:
            create_model("tiny_pretrained", pretrained=True)
        assert sha in str(info.value)
        assert _cached(tmp_path) == []  # neither the file nor a partial


def test_interrupted_download_resumes(tmp_path, tiny):
    register, src, blob, _ = tiny
    with FileServer({"/tiny-abc.safetensors": blob}) as server:
        register(server.url)
        server.faults = ["drop:100"]
        model = create_model("tiny_pretrained", pretrained=True)
        assert model.weight.tolist() == src.weight.tolist()
        assert [r[1] for r in server.requests] == [None, "bytes=100-"]
        assert _cached(tmp_path) == ["tiny-abc.safetensors"]


def _closed_port_url():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def test_offline_error_says_which_file_to_place_where(tmp_path, tiny):
    register, src, blob, sha = tiny
    weights = register(_closed_port_url())
    with pytest.raises(DownloadError) as info:
        create_model("tiny_pretrained", pretrained=True)
    message = str(info.value)
    expected_path = str(tmp_path / "home" / "weights" / "tiny-abc.safetensors")
    assert weights.url in message and expected_path in message and sha in message
    # Doing what it says works offline.
    os.makedirs(os.path.dirname(expected_path), exist_ok=True)
    with open(expected_path, "wb") as f:
        f.write(blob)
    assert create_model("tiny_pretrained", pretrained=True).bias.tolist() == src.bias.tolist()


def test_pretrained_argument_errors(tiny):
    register, *_ = tiny
    register(_closed_port_url())
    with pytest.raises(ValueError, match="num_classes=3"):
        create_model("tiny_pretrained", pretrained=True, num_classes=10)
    with pytest.raises(ValueError, match=r"no weights tagged 'V9'.*TINY_V1"):
        create_model("tiny_pretrained", pretrained="V9")
    with pytest.raises(TypeError, match="pretrained must be"):
        create_model("tiny_pretrained", pretrained=1.5)
    assert create_model("tiny_pretrained").out_features == 2  # pretrained=False never downloads
    assert "tiny_pretrained" in lucid.models.list_models(pretrained=True)
