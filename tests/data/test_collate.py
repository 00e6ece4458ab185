import collections.abc
from collections import OrderedDict, namedtuple

import numpy as np
import pytest

import lucid
from lucid.data import default_collate, default_convert


def test_numpy_arrays_stacked_keep_dtype():
    batch = [np.full((2, 3), i, dtype=np.uint8) for i in range(4)]
    out = default_collate(batch)
    assert isinstance(out, lucid.Tensor)
    assert out.shape == (4, 2, 3) and out.dtype == lucid.uint8
    np.testing.assert_array_equal(out.numpy(), np.stack(batch))


def test_tensors_stacked():
    batch = [lucid.tensor([float(i), 2.0 * i]) for i in range(3)]
    out = default_collate(batch)
    assert out.shape == (3, 2) and out.dtype == lucid.float32
    assert out.tolist() == [[0.0, 0.0], [1.0, 2.0], [2.0, 4.0]]


def test_python_numbers():
    ints = default_collate([1, 2, 3])
    assert ints.dtype == lucid.int64 and ints.tolist() == [1, 2, 3]
    floats = default_collate([1.5, 2.5])
    assert floats.dtype == lucid.float32 and floats.tolist() == [1.5, 2.5]
    mixed = default_collate([1, 2.5])
    assert mixed.dtype == lucid.float32 and mixed.tolist() == [1.0, 2.5]
    bools = default_collate([True, False])
    assert bools.dtype == lucid.bool and bools.tolist() == [True, False]


def test_numpy_scalars_keep_dtype():
    out = default_collate([np.int32(3), np.int32(4)])
    assert out.dtype == lucid.int32 and out.tolist() == [3, 4]


def test_strings_kept_as_list():
    assert default_collate(["a", "bc"]) == ["a", "bc"]
    assert default_collate([b"x", b"y"]) == [b"x", b"y"]


def test_tuple_and_list_samples():
    batch = [(np.zeros(2, np.float32), 1), (np.ones(2, np.float32), 0)]
    x, y = default_collate(batch)
    assert x.shape == (2, 2) and y.tolist() == [1, 0]
    assert isinstance(default_collate(batch), tuple)
    out = default_collate([[1, 2.0], [3, 4.0]])
    assert isinstance(out, list) and out[0].tolist() == [1, 3] and out[1].tolist() == [2.0, 4.0]


def test_nested_dicts():
    batch = [{"img": np.full((2,), i, np.float32), "meta": {"id": f"s{i}", "scale": float(i)}, "pair": (i, -i)}
             for i in range(3)]
    out = default_collate(batch)
    assert set(out) == {"img", "meta", "pair"}
    assert out["img"].shape == (3, 2)
    assert out["meta"]["id"] == ["s0", "s1", "s2"]
    assert out["meta"]["scale"].tolist() == [0.0, 1.0, 2.0]
    assert out["pair"][0].tolist() == [0, 1, 2] and out["pair"][1].tolist() == [0, -1, -2]


def test_mapping_type_and_namedtuple_preserved():
    out = default_collate([OrderedDict(a=1), OrderedDict(a=2)])
    assert isinstance(out, OrderedDict) and out["a"].tolist() == [1, 2]
    Point = namedtuple("Point", "x y")
    p = default_collate([Point(1, 2.0), Point(3, 4.0)])
    assert isinstance(p, Point) and p.x.tolist() == [1, 3] and p.y.tolist() == [2.0, 4.0]


def test_collate_errors():
    with pytest.raises(ValueError, match="empty"):
        default_collate([])
    with pytest.raises(ValueError, match="different shapes"):
        default_collate([np.zeros(2), np.zeros(3)])
    with pytest.raises(ValueError, match="different shapes"):
        default_collate([lucid.zeros(2), lucid.zeros(3)])
    with pytest.raises(ValueError, match="same length"):
        default_collate([(1, 2), (1,)])
    with pytest.raises(ValueError, match="same keys"):
        default_collate([{"a": 1}, {"b": 2}])
    with pytest.raises(TypeError, match="NoneType"):
        default_collate([None, None])
    with pytest.raises(TypeError, match="mixed"):
        default_collate([np.zeros(2), 1])
    with pytest.raises(TypeError, match="mixed"):
        default_collate([lucid.zeros(2), np.zeros(2)])
    with pytest.raises(TypeError):
        default_collate(np.zeros(3))


def test_default_convert():
    out = default_convert((np.arange(3), 5, "s", [np.float32(1.5)]))
    assert isinstance(out, tuple)
    assert isinstance(out[0], lucid.Tensor) and out[0].tolist() == [0, 1, 2]
    assert out[1] == 5 and out[2] == "s"
    assert isinstance(out[3][0], lucid.Tensor)


class _FrozenMap(collections.abc.Mapping):
    """A mapping that cannot be rebuilt from a dict: collation falls back to a plain dict."""

    def __init__(self, *, a):
        self._d = {"a": a}

    def __getitem__(self, k):
        return self._d[k]

    def __iter__(self):
        return iter(self._d)

    def __len__(self):
        return len(self._d)


@pytest.mark.parametrize("fn", [default_collate, lambda batch: default_convert(batch[0])])
def test_mappings_keep_their_type_or_become_dicts(fn):
    assert isinstance(fn([OrderedDict(a=np.zeros(1))] * 2), OrderedDict)
    out = fn([_FrozenMap(a=np.zeros(1))] * 2)
    assert type(out) is dict and isinstance(out["a"], lucid.Tensor)
