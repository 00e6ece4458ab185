"""finfo/iinfo, promote_types/result_type/can_cast, constants, logspace, Tensor.new_* and type_as."""

import math

import numpy as np
import pytest

import lucid


@pytest.mark.parametrize("name", ["float16", "float32", "float64"])
def test_finfo_matches_numpy(name):
    fi, ref = lucid.finfo(getattr(lucid, name)), np.finfo(name)
    assert (fi.bits, fi.eps, fi.max, fi.min, fi.tiny, fi.resolution) == \
        (ref.bits, float(ref.eps), float(ref.max), float(ref.min), float(ref.smallest_normal), float(ref.resolution))
    assert fi.dtype == getattr(lucid, name)


def test_finfo_bfloat16_default_and_complex():
    bf = lucid.finfo(lucid.bfloat16)
    # The largest bfloat16 is representable and doubling it overflows.
    x = lucid.tensor([bf.max], dtype=lucid.bfloat16)
    assert x.item() == bf.max and math.isinf((x * 2).item())
    assert (lucid.tensor([1.0], dtype=lucid.bfloat16) + bf.eps).item() > 1.0
    assert lucid.finfo().dtype == lucid.float32
    assert lucid.finfo(lucid.complex64).eps == np.finfo(np.float32).eps
    assert "float16" in repr(lucid.finfo(lucid.float16))


@pytest.mark.parametrize("name", ["int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64"])
def test_iinfo_matches_numpy(name):
    ii, ref = lucid.iinfo(getattr(lucid, name)), np.iinfo(name)
    assert (ii.bits, ii.min, ii.max) == (ref.bits, ref.min, ref.max)


def test_info_bad_dtypes():
    with pytest.raises(TypeError):
        lucid.finfo(lucid.int32)
    with pytest.raises(TypeError):
        lucid.iinfo(lucid.float32)
    with pytest.raises(TypeError):
        lucid.iinfo(lucid.bool_)
    with pytest.raises(TypeError):
        lucid.finfo("nope")
    with pytest.raises(TypeError):
        lucid.promote_types(lucid.int32, 3)


def test_promotion_agrees_with_the_ops():
    dts = [lucid.bool_, lucid.uint8, lucid.int8, lucid.int32, lucid.int64, lucid.float16, lucid.bfloat16,
           lucid.float32]
    for a in dts:
        for b in dts:
            got = (lucid.zeros(1, dtype=a) + lucid.zeros(1, dtype=b)).dtype
            if a == b == lucid.bool_:
                got = lucid.bool_  # bool + bool is logical or in PyTorch's table
            assert lucid.promote_types(a, b) == got, (a, b)
    assert lucid.promote_types(lucid.int8, lucid.uint8) == lucid.int16
    assert lucid.promote_types(lucid.float16, lucid.bfloat16) == lucid.float32


def test_result_type_python_numbers():
    i32, f16, b = lucid.zeros(1, dtype=lucid.int32), lucid.zeros(1, dtype=lucid.float16), lucid.tensor([True])
    assert lucid.result_type(i32, 5) == lucid.int32
    assert lucid.result_type(2.5, i32) == lucid.float32
    assert lucid.result_type(f16, 2.5) == lucid.float16
    assert lucid.result_type(f16, 1j) == lucid.complex64
    assert lucid.result_type(b, 1) == lucid.int64
    assert lucid.result_type(b, True) == lucid.bool_
    assert lucid.result_type(1, 2.0) == lucid.float32
    assert lucid.result_type(i32, f16) == lucid.float16
    with pytest.raises(TypeError):
        lucid.result_type(i32, "x")


def test_can_cast():
    assert lucid.can_cast(lucid.int64, lucid.int8)
    assert lucid.can_cast(lucid.bool_, lucid.float16)
    assert lucid.can_cast(lucid.float32, lucid.complex64)
    assert not lucid.can_cast(lucid.float16, lucid.int64)
    assert not lucid.can_cast(lucid.complex64, lucid.float64)
    assert not lucid.can_cast(lucid.int32, lucid.bool_)


def test_constants():
    assert (lucid.pi, lucid.e, lucid.inf) == (math.pi, math.e, math.inf)
    assert math.isnan(lucid.nan) and lucid.newaxis is None
    assert lucid.zeros(3)[lucid.newaxis].shape == (1, 3)


def test_logspace():
    np.testing.assert_allclose(lucid.logspace(-2, 3, 7).numpy(), np.logspace(-2, 3, 7), rtol=1e-6)
    np.testing.assert_allclose(lucid.logspace(0, 5, 6, base=2.0, dtype=lucid.float64).numpy(),
                               np.logspace(0, 5, 6, base=2.0))
    assert lucid.logspace(0, 1, 0).shape == (0,)
    assert lucid.logspace(0, 3, 4, dtype=lucid.int64).tolist() == [1, 10, 100, 1000]
    assert lucid.logspace(0, 1, 2, requires_grad=True).requires_grad
    with pytest.raises(ValueError):
        lucid.logspace(0, 1, -1)
    with pytest.raises(TypeError):
        lucid.logspace(0, 1, 2, base="10")


def test_new_methods():
    x = lucid.zeros(2, dtype=lucid.float16, device="cpu")
    for t in (x.new_zeros(2, 3), x.new_ones((2, 3)), x.new_empty(2, 3), x.new_full((2, 3), 4)):
        assert t.shape == (2, 3) and t.dtype == lucid.float16 and t.device == "cpu"
    assert x.new_full((2,), 4).tolist() == [4.0, 4.0]
    assert x.new_zeros(2, dtype=lucid.int32).dtype == lucid.int32
    assert x.new_ones(1, requires_grad=True).requires_grad
    src = lucid.ones(2, requires_grad=True)
    t = x.new_tensor(src * 3)
    assert t.tolist() == [3.0, 3.0] and t.dtype == lucid.float16 and not t.requires_grad and t.grad_fn is None
    assert x.new_tensor([1, 2], dtype=lucid.int64).dtype == lucid.int64


def test_type_as():
    i = lucid.tensor([1, 2])
    f = lucid.ones(1, dtype=lucid.float64)
    assert i.type_as(f).dtype == lucid.float64 and i.type_as(i) is i
    x = lucid.ones(2, requires_grad=True)
    x.type_as(f).sum().backward()
    assert x.grad.tolist() == [1.0, 1.0] and x.grad.dtype == lucid.float32
    with pytest.raises(TypeError):
        i.type_as(lucid.float32)
