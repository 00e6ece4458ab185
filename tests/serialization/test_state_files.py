"""lucid.save_safetensors / load_safetensors, save_sharded / load_sharded, and lucid.load of file objects."""

import io
import json
import os

import numpy as np
import pytest

import lucid
from lucid.serialization import CheckpointError, safetensors_metadata


def _state():
    return {
        "f32": lucid.tensor([[1.0, -2.5], [3.0, 4.0]]),
        "f64": lucid.tensor([1.0 / 3.0, 2.0], dtype=lucid.float64),
        "bf16": lucid.tensor([1.5, -2.0, 3.25], dtype=lucid.bfloat16),
        "f16": lucid.tensor([0.5], dtype=lucid.float16),
        "bool": lucid.tensor([True, False, True]),
        "i64": lucid.tensor([1, -(2**40)], dtype=lucid.int64),
        "i32": lucid.tensor([7], dtype=lucid.int32),
        "u8": lucid.tensor([255, 0], dtype=lucid.uint8),
        "scalar": lucid.tensor(2.0),
        "empty": lucid.zeros(0, 3),
    }


def _same(a, b):
    assert a.dtype == b.dtype and a.shape == b.shape
    assert a.tolist() == b.tolist()


def test_safetensors_round_trip_keeps_names_and_dtypes(tmp_path):
    state = _state()
    path = tmp_path / "m.safetensors"
    lucid.save_safetensors(state, path)
    back = lucid.load_safetensors(path)
    assert list(back) == list(state)
    for k in state:
        _same(back[k], state[k])
    assert back["f64"].tolist()[0] == 1.0 / 3.0  # exact, not via float32
    # lucid.load reads the same plain file as a dict of Tensors too.
    assert lucid.load(path)["bf16"].tolist() == [1.5, -2.0, 3.25]


def test_safetensors_accepts_numpy_and_mx_arrays(tmp_path):
    import mlx.core as mx

    path = tmp_path / "m.safetensors"
    lucid.save_safetensors({"np": np.arange(3, dtype=np.float64), "mx": mx.ones((2,))}, path)
    back = lucid.load_safetensors(path)
    assert back["np"].dtype == lucid.float64 and back["np"].tolist() == [0.0, 1.0, 2.0]
    assert back["mx"].tolist() == [1.0, 1.0]


def test_metadata_round_trip_and_checks(tmp_path):
    path = tmp_path / "m.safetensors"
    lucid.save_safetensors({"w": lucid.ones(2)}, path, metadata={"epoch": "3", "arch": "mlp"})
    assert safetensors_metadata(path) == {"epoch": "3", "arch": "mlp"}
    with pytest.raises(TypeError, match="str -> str"):
        lucid.save_safetensors({"w": lucid.ones(2)}, path, metadata={"epoch": 3})
    with pytest.raises(ValueError, match="reserved"):
        lucid.save_safetensors({"w": lucid.ones(2)}, path, metadata={"lucid": "x"})


def test_bad_state_dicts_are_clear_errors(tmp_path):
    path = tmp_path / "m.safetensors"
    with pytest.raises(TypeError, match="'epoch' is a int"):
        lucid.save_safetensors({"w": lucid.ones(2), "epoch": 3}, path)
    with pytest.raises(TypeError, match="keys must be strings"):
        lucid.save_safetensors({1: lucid.ones(2)}, path)
    with pytest.raises(TypeError, match="expected a dict"):
        lucid.save_safetensors([lucid.ones(2)], path)
    with pytest.raises(ValueError, match="reserved"):
        lucid.save_safetensors({"__metadata__": lucid.ones(2)}, path)
    with pytest.raises(TypeError, match="nested"):
        lucid.save_sharded({"opt": {"lr": lucid.ones(1)}}, tmp_path / "s")
    assert not path.exists()
    with pytest.raises(FileNotFoundError):
        lucid.load_safetensors(tmp_path / "missing.safetensors")


def test_save_safetensors_is_atomic(tmp_path, monkeypatch):
    path = tmp_path / "m.safetensors"
    lucid.save_safetensors({"w": lucid.ones(2)}, path)
    before = path.read_bytes()

    def crash(fileobj, arrays, metadata=None):
        fileobj.write(b"partial")
        raise KeyboardInterrupt("simulated crash")

    monkeypatch.setattr("lucid.serialization.state_files.write_safetensors", crash)
    with pytest.raises(KeyboardInterrupt):
        lucid.save_safetensors({"w": lucid.zeros(2)}, path)
    assert path.read_bytes() == before and os.listdir(tmp_path) == ["m.safetensors"]


def test_file_written_by_lucid_reads_in_the_safetensors_library(tmp_path):
    st = pytest.importorskip("safetensors.numpy")
    path = tmp_path / "m.safetensors"
    state = {k: v for k, v in _state().items() if k != "bf16"}  # NumPy has no bfloat16
    lucid.save_safetensors(state, path, metadata={"note": "hi"})
    arrays = st.load_file(str(path))
    assert sorted(arrays) == sorted(state)
    for k, v in state.items():
        np.testing.assert_array_equal(arrays[k], v.numpy())
        assert arrays[k].dtype == v.numpy().dtype
    from safetensors import safe_open

    with safe_open(str(path), framework="numpy") as f:
        assert f.metadata() == {"note": "hi"}
    # ... and the other way round.
    other = tmp_path / "lib.safetensors"
    st.save_file({"x": np.arange(4, dtype=np.int16)}, str(other))
    assert lucid.load_safetensors(other)["x"].tolist() == [0, 1, 2, 3]


def test_sharded_splits_by_size_and_writes_the_hf_index(tmp_path):
    state = {"a": lucid.zeros(100), "b": lucid.zeros(100), "big": lucid.ones(1000), "c": lucid.zeros(50),
             "d": lucid.zeros(10, dtype=lucid.float64)}
    paths = lucid.save_sharded(state, tmp_path / "ckpt", max_shard_size=1000)
    names = [os.path.basename(p) for p in paths]
    assert names == [f"model-0000{i}-of-00003.safetensors" for i in (1, 2, 3)]
    index = json.loads((tmp_path / "ckpt" / "model.safetensors.index.json").read_text())
    assert index == {
        "metadata": {"total_size": 400 + 400 + 4000 + 200 + 80},
        "weight_map": {"a": names[0], "b": names[0], "big": names[1], "c": names[2], "d": names[2]},
    }
    # The tensor larger than a shard has a shard of its own; each shard is a plain safetensors file.
    assert sorted(lucid.load_safetensors(paths[1])) == ["big"]
    back = lucid.load_sharded(tmp_path / "ckpt")
    assert list(back) == list(state)
    for k in state:
        _same(back[k], state[k])
    # The index file itself may be named.
    assert sorted(lucid.load_sharded(tmp_path / "ckpt" / "model.safetensors.index.json")) == sorted(state)


@pytest.mark.parametrize("size, shards", [("1KB", 2), ("1KiB", 2), ("0.5kb", 3), ("5GB", 1), (10**9, 1),
                                          ("4800", 1), ("4799", 2)])
def test_shard_size_strings(tmp_path, size, shards):
    state = {"a": lucid.zeros(100), "b": lucid.zeros(100), "c": lucid.zeros(1000)}  # 400, 400, 4000 bytes
    assert len(lucid.save_sharded(state, tmp_path, max_shard_size=size)) == shards


@pytest.mark.parametrize("size, error", [("5 parsecs", ValueError), (0, ValueError), ("-1GB", ValueError),
                                         (1.5, TypeError), (True, TypeError)])
def test_bad_shard_sizes(tmp_path, size, error):
    with pytest.raises(error, match="max_shard_size"):
        lucid.save_sharded({"a": lucid.zeros(1)}, tmp_path, max_shard_size=size)


def test_resaving_with_fewer_shards_removes_stale_ones(tmp_path):
    state = {f"w{i}": lucid.zeros(100) for i in range(3)}
    lucid.save_sharded(state, tmp_path, max_shard_size=400)
    assert len([n for n in os.listdir(tmp_path) if n.endswith(".safetensors")]) == 3
    lucid.save_sharded(state, tmp_path)
    assert sorted(os.listdir(tmp_path)) == ["model-00001-of-00001.safetensors", "model.safetensors.index.json"]
    assert sorted(lucid.load_sharded(tmp_path)) == ["w0", "w1", "w2"]


def test_missing_or_inconsistent_shards_are_clear_errors(tmp_path):
    state = {"a": lucid.zeros(100), "b": lucid.zeros(100)}
    paths = lucid.save_sharded(state, tmp_path, max_shard_size=400)
    os.remove(paths[1])
    with pytest.raises(FileNotFoundError, match=r"model-00002-of-00002.safetensors.*'b'|'b'.*model-00002"):
        lucid.load_sharded(tmp_path)
    index_path = tmp_path / "model.safetensors.index.json"
    index = json.loads(index_path.read_text())
    index["weight_map"]["b"] = os.path.basename(paths[0])  # names a shard that lacks "b"
    index_path.write_text(json.dumps(index))
    with pytest.raises(CheckpointError, match="lacks tensor"):
        lucid.load_sharded(tmp_path)
    index["weight_map"]["b"] = "../elsewhere.safetensors"
    index_path.write_text(json.dumps(index))
    with pytest.raises(CheckpointError, match="not a file name"):
        lucid.load_sharded(tmp_path)
    index_path.write_text("{not json")
    with pytest.raises(CheckpointError, match="not a valid index"):
        lucid.load_sharded(tmp_path)
    with pytest.raises(FileNotFoundError, match="no sharded checkpoint"):
        lucid.load_sharded(tmp_path / "nowhere")
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(FileNotFoundError, match="model.safetensors.index.json"):
        lucid.load_sharded(empty)


def test_load_sharded_reads_a_single_unsharded_folder(tmp_path):
    lucid.save_safetensors({"w": lucid.ones(2)}, tmp_path / "model.safetensors")
    assert lucid.load_sharded(tmp_path)["w"].tolist() == [1.0, 1.0]


def test_load_accepts_binary_file_objects(tmp_path):
    path = tmp_path / "ckpt.pt"
    obj = {"w": lucid.tensor([1.0, 2.0]), "step": 7, "h": [lucid.tensor([1.0], dtype=lucid.float64)]}
    lucid.save(obj, path)
    with open(path, "rb") as f:
        back = lucid.load(f)
    assert back["w"].tolist() == [1.0, 2.0] and back["step"] == 7 and back["h"][0].dtype == lucid.float64
    back = lucid.load(io.BytesIO(path.read_bytes()))
    assert back["w"].tolist() == [1.0, 2.0]
    plain = tmp_path / "plain.safetensors"
    lucid.save_safetensors({"x": lucid.tensor([3], dtype=lucid.int32)}, plain)
    assert lucid.load(io.BytesIO(plain.read_bytes()))["x"].tolist() == [3]
    with pytest.raises(CheckpointError, match="file object"):
        lucid.load(io.BytesIO(path.read_bytes()[:-4]))
    with open(path, encoding="latin-1") as f, pytest.raises(TypeError, match="binary mode"):
        lucid.load(f)
