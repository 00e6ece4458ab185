import math
import os
import pickle

import mlx.core as mx
import numpy as np
import pytest

import lucid
from lucid.serialization import CheckpointError, safetensors_io


def test_round_trip_nested(tmp_path):
    path = tmp_path / "ckpt.safetensors"
    obj = {
        "model": {"w": lucid.tensor([[1.0, 2.0]]), "b": lucid.tensor([0.5])},
        "optim": {"state": {0: {"step": 3, "exp_avg": lucid.tensor([0.1])}},
                  "param_groups": [{"lr": 1e-3, "betas": (0.9, 0.999), "params": [0, 1]}]},
        "epoch": 7, "name": "run", "flag": True, "nothing": None, "inf": math.inf,
        "arrays": [np.arange(3), mx.array([1, 2], dtype=mx.int8)],
    }
    lucid.save(obj, path)
    back = lucid.load(path)
    assert back["model"]["w"].tolist() == [[1.0, 2.0]]
    assert back["optim"]["state"][0]["step"] == 3
    assert back["optim"]["param_groups"][0]["betas"] == (0.9, 0.999)
    assert back["epoch"] == 7 and back["name"] == "run" and back["flag"] is True and back["nothing"] is None
    assert back["inf"] == math.inf
    assert isinstance(back["arrays"][0], np.ndarray) and back["arrays"][0].tolist() == [0, 1, 2]
    assert isinstance(back["arrays"][1], mx.array) and back["arrays"][1].dtype == mx.int8


@pytest.mark.parametrize("dtype", ["float64", "bfloat16", "float16", "float32", "int64", "uint8", "bool", "complex64"])
def test_dtypes_exact(tmp_path, dtype):
    rng = np.random.default_rng(0)
    values = rng.normal(size=(3, 4)) * 100
    t = lucid.tensor(values, dtype=getattr(lucid, dtype) if dtype != "bool" else lucid.bool_)
    path = tmp_path / "t.safetensors"
    lucid.save(t, path)
    back = lucid.load(path)
    assert back.dtype == t.dtype and back.shape == t.shape
    a = t._data.view(mx.uint16) if dtype == "bfloat16" else t._data
    b = back._data.view(mx.uint16) if dtype == "bfloat16" else back._data
    assert mx.array_equal(a, b).item()


def test_float64_loads_on_cpu_and_empty_and_scalar(tmp_path):
    path = tmp_path / "t.safetensors"
    lucid.save([lucid.tensor(np.float64(2.5)), lucid.zeros(0, 3)], path)
    a, b = lucid.load(path)
    assert a.device == "cpu" and a.item() == 2.5 and a.shape == ()
    assert b.shape == (0, 3)


def test_atomic_write_keeps_previous_file(tmp_path, monkeypatch):
    path = tmp_path / "ckpt.safetensors"
    lucid.save({"w": lucid.tensor([1.0])}, path)
    before = path.read_bytes()

    def crash(fileobj, arrays, metadata=None):
        fileobj.write(b"partial")
        raise KeyboardInterrupt("simulated crash mid-save")

    monkeypatch.setattr("lucid.serialization.write_safetensors", crash)
    with pytest.raises(KeyboardInterrupt):
        lucid.save({"w": lucid.tensor([2.0])}, path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["ckpt.safetensors"]  # no temporary left behind
    assert lucid.load(path)["w"].tolist() == [1.0]


def test_truncated_file_is_reported(tmp_path):
    path = tmp_path / "ckpt.safetensors"
    lucid.save({"w": lucid.ones(100)}, path)
    data = path.read_bytes()
    path.write_bytes(data[:-10])
    with pytest.raises(CheckpointError, match="truncated"):
        lucid.load(path)
    path.write_bytes(data[:5])
    with pytest.raises(CheckpointError):
        lucid.load(path)


def test_foreign_files_are_reported(tmp_path):
    p = tmp_path / "model.pkl"
    p.write_bytes(pickle.dumps({"a": 1}))
    with pytest.raises(CheckpointError, match="not a safetensors"):
        lucid.load(p)
    p.write_bytes(b"")
    with pytest.raises(CheckpointError, match="empty"):
        lucid.load(p)
    with pytest.raises(FileNotFoundError):
        lucid.load(tmp_path / "missing.safetensors")


def test_plain_safetensors_loads_as_dict(tmp_path):
    path = str(tmp_path / "mlx.safetensors")
    mx.save_safetensors(path, {"weight": mx.ones((2, 2))})
    back = lucid.load(path)
    assert list(back) == ["weight"] and back["weight"].tolist() == [[1.0, 1.0], [1.0, 1.0]]


def test_unsavable_object_names_where(tmp_path):
    with pytest.raises(TypeError, match=r"obj\['bad'\]"):
        lucid.save({"bad": object()}, tmp_path / "x.safetensors")
    assert not os.listdir(tmp_path)


def test_header_validation_rejects_bad_offsets(tmp_path):
    path = tmp_path / "x.safetensors"
    with open(path, "wb") as f:
        safetensors_io.write_safetensors(f, {"a": mx.ones(4)})
    header, _ = safetensors_io.read_header(str(path))
    assert header["a"]["data_offsets"] == [0, 16]
