"""PyTorch's spellings at the top level: seed's return value, ``Tensor.type``, dtype names, ``lucid.device``."""

import mlx.core as mx
import pytest

import lucid


def test_seed_returns_the_seed():
    assert lucid.seed(123) == 123
    s = lucid.seed()
    assert isinstance(s, int) and lucid.initial_seed() == s
    assert lucid.random.seed(7) == 7


def test_manual_seed_returns_the_generator():
    assert lucid.manual_seed(5) is lucid.random.default_generator
    assert lucid.initial_seed() == 5


@pytest.mark.parametrize("dtype,name", [
    (lucid.float32, "lucid.FloatTensor"), (lucid.float64, "lucid.DoubleTensor"), (lucid.float16, "lucid.HalfTensor"),
    (lucid.int32, "lucid.IntTensor"), (lucid.int64, "lucid.LongTensor"), (lucid.bool_, "lucid.BoolTensor"),
    (lucid.uint8, "lucid.ByteTensor"), (lucid.int8, "lucid.CharTensor"), (lucid.int16, "lucid.ShortTensor"),
])
def test_type_returns_legacy_names_and_converts_from_them(dtype, name):
    x = lucid.zeros(2, dtype=dtype, device="cpu")
    assert x.type() == name
    assert lucid.ones(2, device="cpu").type(name).dtype == dtype
    assert lucid.ones(2, device="cpu").type(name.replace("lucid.", "torch.")).dtype == dtype


def test_type_accepts_dtypes_and_names_and_returns_self_when_unchanged():
    x = lucid.ones(2)
    assert x.type(lucid.int64).dtype == lucid.int64
    assert x.type("float16").dtype == lucid.float16
    assert x.type(lucid.float32) is x
    with pytest.raises(TypeError, match="unknown tensor type"):
        x.type("lucid.NoSuchTensor")


def test_dtype_short_names():
    assert lucid.double is lucid.float64 and lucid.half is lucid.float16
    assert lucid.float is lucid.float32 and lucid.int is lucid.int32
    assert lucid.long is lucid.int64 and lucid.short is lucid.int16 and lucid.cfloat is lucid.complex64
    assert lucid.ones(1, dtype=lucid.double, device="cpu").dtype == lucid.float64
    with pytest.raises(AttributeError, match="complex128"):
        lucid.complex128  # noqa: B018
    assert not hasattr(mx, "complex128")  # if MLX gains it, Lucid should offer it


def test_is_floating_point_and_is_complex():
    assert lucid.ones(1).is_floating_point() and lucid.is_floating_point(lucid.ones(1))
    assert not lucid.tensor([1]).is_floating_point()
    assert not lucid.ones(1, dtype=lucid.complex64).is_floating_point()
    assert lucid.is_complex(lucid.ones(1, dtype=lucid.complex64)) and not lucid.ones(1).is_complex()
    with pytest.raises(TypeError):
        lucid.is_floating_point([1.0])


def test_device_objects():
    d = lucid.device("cpu")
    assert d == "cpu" and d.type == "cpu" and d.index is None and str(d) == "cpu"
    assert repr(d) == "device(type='cpu')"
    assert lucid.device("cuda:0").type == "gpu" and lucid.device("cuda", 0).index == 0
    assert lucid.device("mps").type == "gpu"
    assert lucid.device(d) is d
    assert lucid.ones(2, device=d).device == d
    assert lucid.ones(2).to(lucid.device("cpu")).device == "cpu"
    assert {d: 1}["cpu"] == 1
    with pytest.raises(ValueError, match="unknown device"):
        lucid.device("tpu")
    with pytest.raises(ValueError, match="index"):
        lucid.device("cuda", 1)
    with pytest.raises(TypeError):
        lucid.device(3)
