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


# --- any file name, foreign formats, permissions (issue 15) ---------------------------------------------------------

@pytest.mark.parametrize("name", ["model.pt", "model.pth", "ckpt.ckpt", "m.lucid", "checkpoint", "w.npz", "a.bin",
                                  "weights.safetensors", "x.gguf", ".hidden"])
def test_load_reads_any_name(tmp_path, name):
    path = tmp_path / name
    state = {"w": lucid.tensor([[1.0, 2.0]]), "b": lucid.tensor([3], dtype=lucid.int64), "step": 4}
    lucid.save(state, path)
    back = lucid.load(path)
    assert back["w"].tolist() == [[1.0, 2.0]] and back["b"].tolist() == [3] and back["step"] == 4
    back = lucid.load(str(path))  # str and PathLike alike
    assert back["step"] == 4


def test_load_reads_float64_under_any_name(tmp_path):
    path = tmp_path / "model.pt"  # float64 goes through the NumPy reader
    lucid.save({"w": lucid.tensor([1.5], dtype=lucid.float64)}, path)
    assert lucid.load(path)["w"].tolist() == [1.5]


def test_plain_safetensors_with_other_name_loads(tmp_path):
    path = tmp_path / "mlx.safetensors"
    mx.save_safetensors(str(path), {"weight": mx.ones((2,))})
    other = tmp_path / "weights.bin"
    os.rename(path, other)
    assert lucid.load(other)["weight"].tolist() == [1.0, 1.0]


class _Boom:
    """Unpickling this object would create a file: proof that ``lucid.load`` never unpickles."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (open, (self.marker, "w"))


def _torch_like_zip(path, marker):
    # The layout of torch.save's zip format: <name>/data.pkl, <name>/data/0, <name>/version.
    import zipfile

    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("archive/data.pkl", pickle.dumps({"w": _Boom(marker)}, protocol=2))
        zf.writestr("archive/data/0", b"\0" * 16)
        zf.writestr("archive/version", "3\n")


@pytest.mark.parametrize("name", ["model.pt", "model.pth", "model"])
def test_pytorch_zip_checkpoint_is_named_and_never_unpickled(tmp_path, name):
    marker = tmp_path / "unpickled"
    path = tmp_path / name
    _torch_like_zip(path, str(marker))
    with pytest.raises(CheckpointError) as err:
        lucid.load(path)
    msg = str(err.value)
    assert str(path) in msg and "PyTorch checkpoint" in msg
    assert "safetensors" in msg and "torch.load" in msg and "save_file" in msg  # says how to convert
    assert not marker.exists()


@pytest.mark.parametrize("protocol", [2, 3, 4, 5])
def test_pickle_is_named_and_never_unpickled(tmp_path, protocol):
    marker = tmp_path / "unpickled"
    path = tmp_path / "model.pt"
    path.write_bytes(pickle.dumps(_Boom(str(marker)), protocol=protocol))
    with pytest.raises(CheckpointError, match="Python pickle") as err:
        lucid.load(path)
    assert str(path) in str(err.value) and "never unpickles" in str(err.value)
    assert not marker.exists()


def test_loading_never_calls_the_unpickler(tmp_path, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("lucid.load must never unpickle")

    monkeypatch.setattr(pickle, "load", refuse)
    monkeypatch.setattr(pickle, "loads", refuse)
    monkeypatch.setattr(pickle, "Unpickler", refuse)
    path = tmp_path / "model.pt"
    lucid.save({"w": lucid.ones(2), "meta": {"epoch": 1, "betas": (0.9, 0.99)}}, path)
    assert lucid.load(path)["meta"]["betas"] == (0.9, 0.99)
    path.write_bytes(b"\x80\x04\x95" + b"\0" * 40)
    with pytest.raises(CheckpointError, match="pickle"):
        lucid.load(path)


def test_npz_and_npy_are_named(tmp_path):
    npz = tmp_path / "weights.npz"
    np.savez(npz, w=np.ones(3))
    with pytest.raises(CheckpointError, match=r"NumPy \.npz archive") as err:
        lucid.load(npz)
    assert str(npz) in str(err.value) and "numpy.load" in str(err.value)
    renamed = tmp_path / "weights.pt"
    os.rename(npz, renamed)
    with pytest.raises(CheckpointError, match=r"\.npz"):
        lucid.load(renamed)
    npy = tmp_path / "w.npy"
    np.save(npy, np.ones(3))
    with pytest.raises(CheckpointError, match=r"NumPy \.npy array"):
        lucid.load(npy)


def test_other_zip_hdf5_gguf_and_garbage_are_named(tmp_path):
    import zipfile

    p = tmp_path / "a.ckpt"
    with zipfile.ZipFile(p, "w") as zf:
        zf.writestr("readme.txt", "hello")
    with pytest.raises(CheckpointError, match=r"zip archive holding 1 file\(s\) \(readme.txt\)"):
        lucid.load(p)
    p.write_bytes(b"PK\x03\x04" + b"\0" * 30)  # a zip cut short
    with pytest.raises(CheckpointError, match="zip archive that cannot be read"):
        lucid.load(p)
    p.write_bytes(b"\x89HDF\r\n\x1a\n" + b"\0" * 100)
    with pytest.raises(CheckpointError, match="HDF5"):
        lucid.load(p)
    p.write_bytes(b"GGUF\x03\0\0\0" + b"\0" * 100)
    with pytest.raises(CheckpointError, match="GGUF"):
        lucid.load(p)
    p.write_bytes(b"hello world, this is text\n" * 4)
    with pytest.raises(CheckpointError, match="not a format Lucid recognises") as err:
        lucid.load(p)
    assert str(p) in str(err.value)
    p.write_bytes(b"\x01\x02\x03")
    with pytest.raises(CheckpointError, match="too short"):
        lucid.load(p)


def test_safetensors_header_that_starts_like_a_pickle_still_loads(tmp_path):
    # A header of 128 + 256 * k bytes begins with 0x80, k: the bytes of a pickle's protocol marker.
    path = tmp_path / "model.pt"
    for length in range(100, 800, 5):
        lucid.save({"k" * length: lucid.ones(1)}, path)
        if path.read_bytes()[:2] in (b"\x80\x02", b"\x80\x03"):
            break
    else:
        pytest.skip("no key length gave such a header")
    assert lucid.load(path)["k" * length].tolist() == [1.0]


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
@pytest.mark.parametrize("umask", [0o022, 0o077, 0o002])
def test_new_checkpoint_gets_the_umask_permissions(tmp_path, umask):
    path = tmp_path / "model.pt"
    old = os.umask(umask)
    try:
        lucid.save({"w": lucid.ones(2)}, path)
        plain = tmp_path / "plain.txt"
        with open(plain, "w") as f:
            f.write("x")
    finally:
        os.umask(old)
    mode = os.stat(path).st_mode & 0o777
    assert mode == 0o666 & ~umask
    assert mode == os.stat(plain).st_mode & 0o777  # the same as any other new file


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_overwriting_keeps_the_existing_permissions(tmp_path):
    path = tmp_path / "model.pt"
    lucid.save({"w": lucid.ones(2)}, path)
    os.chmod(path, 0o640)
    lucid.save({"w": lucid.zeros(2)}, path)
    assert os.stat(path).st_mode & 0o777 == 0o640
    assert lucid.load(path)["w"].tolist() == [0.0, 0.0]
    assert os.listdir(tmp_path) == ["model.pt"]
