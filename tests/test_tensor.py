"""``lucid.Tensor``: construction, attributes, conversions, repr, devices, dtypes."""

import mlx.core as mx
import numpy as np
import pytest

import lucid


# -- construction -------------------------------------------------------------------------------
@pytest.mark.parametrize("data, dtype, shape", [
    (1.5, lucid.float32, ()),
    (3, lucid.int64, ()),
    (True, lucid.bool_, ()),
    (1 + 2j, lucid.complex64, ()),
    ([1.0, 2.0], lucid.float32, (2,)),
    ([[1, 2], [3, 4]], lucid.int64, (2, 2)),
    ([1, 2.5], lucid.float32, (2,)),
    ([True, False], lucid.bool_, (2,)),
    ((1, 2, 3), lucid.int64, (3,)),
    ([], lucid.float32, (0,)),
    ([[], []], lucid.float32, (2, 0)),
])
def test_python_data_defaults(data, dtype, shape):
    t = lucid.tensor(data)
    assert t.dtype == dtype and t.shape == shape
    assert t.device == "cpu" and t.is_leaf and not t.requires_grad


@pytest.mark.parametrize("np_dtype, dtype", [
    (np.float64, lucid.float64), (np.float32, lucid.float32), (np.float16, lucid.float16),
    (np.int32, lucid.int32), (np.int64, lucid.int64), (np.uint8, lucid.uint8), (np.bool_, lucid.bool_),
    (np.int8, lucid.int8), (np.uint32, lucid.uint32), (np.complex64, lucid.complex64),
])
def test_numpy_arrays_keep_their_dtype(np_dtype, dtype):
    a = np.arange(6).reshape(2, 3).astype(np_dtype)
    t = lucid.tensor(a)
    assert t.dtype == dtype and t.shape == (2, 3)
    np.testing.assert_array_equal(t.numpy(), a)


def test_numpy_float64_stays_exact_and_on_cpu():
    a = np.array([0.1, 1 / 3, 1e-300])
    t = lucid.Tensor(a)
    assert t.dtype == lucid.float64 and t.device == "cpu"
    np.testing.assert_array_equal(t.numpy(), a)
    assert lucid.from_numpy(a).dtype == lucid.float64


def test_numpy_scalars():
    assert lucid.tensor(np.float32(2.5)).dtype == lucid.float32
    assert lucid.tensor(np.float64(2.5)).dtype == lucid.float64
    assert lucid.tensor(np.int16(3)).dtype == lucid.int16


def test_python_values_with_float64_dtype_are_exact():
    assert lucid.tensor(0.1, dtype=lucid.float64).item() == 0.1
    assert lucid.tensor([0.1, 0.2], dtype=lucid.float64).tolist() == [0.1, 0.2]
    assert lucid.tensor(np.array([0.1], dtype=np.float64), dtype=lucid.float64).tolist() == [0.1]


@pytest.mark.parametrize("dtype", [lucid.float16, lucid.bfloat16, lucid.float32, lucid.float64, lucid.int32,
                                   lucid.int8, lucid.uint8, lucid.bool_])
def test_explicit_dtype(dtype):
    t = lucid.tensor([[0, 1], [1, 0]], dtype=dtype)
    assert t.dtype == dtype
    assert t.tolist() == [[0, 1], [1, 0]] or t.tolist() == [[False, True], [True, False]]


def test_dtype_given_in_other_spellings():
    assert lucid.tensor([1, 2], dtype=float).dtype == lucid.float32
    assert lucid.tensor([1.5], dtype=int).dtype == lucid.int64
    assert lucid.tensor(3, dtype="float16").dtype == lucid.float16
    assert lucid.tensor(3, dtype=np.float32).dtype == lucid.float32
    assert lucid.tensor(3, dtype=mx.int32).dtype == lucid.int32


def test_from_mx_array_and_tensor():
    arr = mx.array([1, 2], dtype=mx.int32)
    t = lucid.tensor(arr)
    assert t.dtype == lucid.int32 and t.tolist() == [1, 2]
    assert lucid.tensor(arr, dtype=lucid.float32).dtype == lucid.float32
    u = lucid.tensor(t, dtype=lucid.float64)
    assert u.dtype == lucid.float64 and u.tolist() == [1.0, 2.0]
    src = lucid.ones(2, requires_grad=True)
    copy = lucid.tensor(src)
    assert copy.is_leaf and not copy.requires_grad


def test_list_of_tensors_is_stacked():
    t = lucid.tensor([lucid.tensor([1.0, 2.0]), lucid.tensor([3.0, 4.0])])
    assert t.shape == (2, 2) and t.tolist() == [[1.0, 2.0], [3.0, 4.0]]


def test_requires_grad_on_construction():
    t = lucid.tensor([1.0, 2.0], requires_grad=True)
    assert t.requires_grad and t.is_leaf and t.grad is None and t.grad_fn is None
    assert lucid.Tensor([1.0], requires_grad=True).requires_grad


@pytest.mark.parametrize("dtype", [lucid.int64, lucid.int32, lucid.bool_, lucid.uint8])
def test_requires_grad_on_int_tensor_raises(dtype):
    with pytest.raises(TypeError, match="floating-point"):
        lucid.tensor([1, 2], dtype=dtype, requires_grad=True)
    t = lucid.tensor([1, 2], dtype=dtype)
    with pytest.raises(TypeError, match="floating-point"):
        t.requires_grad_()


def test_requires_grad_setter_checks():
    t = lucid.ones(2)
    with pytest.raises(TypeError, match="bool"):
        t.requires_grad = 1
    t.requires_grad_()
    y = t * 2
    with pytest.raises(RuntimeError, match="leaf"):
        y.requires_grad = False
    assert t.requires_grad_(False) is t and not t.requires_grad


@pytest.mark.parametrize("bad, exc", [
    ("abc", TypeError), ([["a"]], TypeError), (object(), TypeError), ([[1, 2], [3]], ValueError),
    (np.array(["x"]), TypeError), ({1: 2}, TypeError),
])
def test_bad_data_raises(bad, exc):
    with pytest.raises(exc):
        lucid.tensor(bad)


def test_bad_dtype_raises():
    with pytest.raises(TypeError, match="dtype"):
        lucid.tensor([1.0], dtype="floaty")
    with pytest.raises(TypeError, match="dtype"):
        lucid.tensor([1.0], dtype=3.5)


# -- attributes ---------------------------------------------------------------------------------
def test_shape_size_ndim_numel():
    t = lucid.zeros(2, 3, 4)
    assert t.shape == (2, 3, 4) and isinstance(t.shape, tuple)
    assert t.size() == (2, 3, 4) and t.size(1) == 3 and t.size(-1) == 4
    assert t.ndim == 3 and t.dim() == 3
    assert t.numel() == 24 and t.nbytes == 96 and t.element_size() == 4
    assert len(t) == 2
    s = lucid.tensor(3.0)
    assert s.shape == () and s.ndim == 0 and s.numel() == 1
    with pytest.raises(TypeError, match="0-d"):
        len(s)


def test_dtype_device_and_mx():
    t = lucid.tensor([1.0])
    assert t.dtype is lucid.float32 and t.device == "cpu"
    assert isinstance(t.mx, mx.array) and t.mx is t._data
    assert t.is_floating_point() and not lucid.tensor([1]).is_floating_point()
    assert t.type() == "lucid.FloatTensor" and t.type(lucid.float16).dtype == lucid.float16


def test_is_leaf_grad_fn_and_detach():
    x = lucid.ones(2, requires_grad=True)
    y = x * 2
    assert x.is_leaf and not y.is_leaf and y.grad_fn is not None
    assert repr(y.grad_fn) == "<MulBackward>"
    d = y.detach()
    assert d.is_leaf and not d.requires_grad and d.tolist() == [2.0, 2.0]
    assert y.data.is_leaf and not y.data.requires_grad
    y.detach_()
    assert y.is_leaf and not y.requires_grad


def test_item_tolist_numpy():
    assert lucid.tensor(2.5).item() == 2.5
    assert lucid.tensor([7]).item() == 7 and isinstance(lucid.tensor([7]).item(), int)
    assert lucid.tensor([[1.0, 2.0]]).tolist() == [[1.0, 2.0]]
    with pytest.raises(ValueError, match="one element"):
        lucid.ones(2).item()
    b = lucid.tensor([1.5], dtype=lucid.bfloat16)
    assert b.numpy().dtype == np.float32 and b.item() == 1.5
    arr = np.asarray(lucid.tensor([1, 2]))
    assert arr.dtype == np.int64 and arr.tolist() == [1, 2]
    assert np.asarray(lucid.tensor([1, 2]), dtype=np.float32).dtype == np.float32


def test_python_number_conversions():
    assert float(lucid.tensor(2.5)) == 2.5
    assert int(lucid.tensor(3.7)) == 3
    assert bool(lucid.tensor([1.0])) is True and bool(lucid.tensor(0)) is False
    assert [10, 20, 30][lucid.tensor(1)] == 20
    with pytest.raises(TypeError, match="integer"):
        [1, 2][lucid.tensor(1.0)]
    with pytest.raises(RuntimeError, match="ambiguous"):
        bool(lucid.ones(2))


def test_iteration_yields_rows():
    rows = list(lucid.tensor([[1, 2], [3, 4]]))
    assert [r.tolist() for r in rows] == [[1, 2], [3, 4]]
    with pytest.raises(TypeError):
        iter(lucid.tensor(1.0))


def test_hash_is_identity():
    a, b = lucid.ones(1), lucid.ones(1)
    assert len({a, b}) == 2 and a in {a: 1}


# -- devices and dtype conversion ---------------------------------------------------------------
def test_to_dtype_and_device():
    x = lucid.tensor([1.5, 2.5])
    assert x.to("cpu") is x
    assert x.to(lucid.float16).dtype == lucid.float16
    assert x.to(dtype=lucid.float64).dtype == lucid.float64
    assert x.to("cpu", lucid.float64).device == "cpu"
    assert x.to(mx.cpu).device == "cpu"
    other = lucid.tensor([1], dtype=lucid.int32)
    assert x.to(other).dtype == lucid.int32
    assert x.to(lucid.float32, non_blocking=True, copy=True).dtype == lucid.float32
    with pytest.raises(TypeError):
        x.to(3.5)


@pytest.mark.parametrize("method, dtype", [
    ("float", lucid.float32), ("half", lucid.float16), ("double", lucid.float64),
    ("bfloat16", lucid.bfloat16), ("long", lucid.int64), ("int", lucid.int32), ("bool", lucid.bool_),
])
def test_dtype_shortcuts(method, dtype):
    out = getattr(lucid.tensor([0.0, 1.0, 2.0]), method)()
    assert out.dtype == dtype and out.shape == (3,)


def test_dtype_conversion_is_differentiable():
    x = lucid.tensor([1.0, 2.0], requires_grad=True)
    y = x.double() * x.double()
    y.sum().backward()
    assert x.grad.dtype == lucid.float32 and x.grad.tolist() == [2.0, 4.0]


def test_cpu_is_a_no_op_here():
    x = lucid.tensor([1.0], requires_grad=True)
    assert x.cpu() is x


@pytest.mark.skipif(lucid.gpu_available(), reason="needs a machine without a GPU")
@pytest.mark.parametrize("device", ["gpu", "cuda", "mps", "cuda:0"])
def test_gpu_without_gpu_raises_with_instructions(device):
    with pytest.raises(RuntimeError, match="no GPU backend.*(pip install|Apple)"):
        lucid.tensor([1.0], device=device)
    with pytest.raises(RuntimeError, match="no GPU"):
        lucid.ones(1).to(device)
    with pytest.raises(RuntimeError, match="no GPU"):
        lucid.ones(1).gpu()
    with pytest.raises(RuntimeError, match="no GPU"):
        lucid.ones(1).cuda()


def test_bad_device_values():
    with pytest.raises(ValueError, match="unknown device"):
        lucid.tensor([1.0], device="tpu")
    with pytest.raises(TypeError, match="device"):
        lucid.tensor([1.0], device=3)


def test_set_default_device_roundtrip():
    before = lucid.get_default_device()
    try:
        lucid.set_default_device("cpu")
        assert lucid.get_default_device() == "cpu"
        assert lucid.tensor([1.0]).device == "cpu"
        if not lucid.gpu_available():
            with pytest.raises(RuntimeError, match="no GPU"):
                lucid.set_default_device("gpu")
            assert lucid.get_default_device() == "cpu"
    finally:
        lucid.set_default_device(before)


def test_capitalised_dtype_aliases():
    assert lucid.Float32 is lucid.float32 and lucid.Float64 is lucid.float64
    assert lucid.Float16 is lucid.float16 and lucid.BFloat16 is lucid.bfloat16
    assert lucid.Int64 is lucid.int64 and lucid.Int32 is lucid.int32 and lucid.Int8 is lucid.int8
    assert lucid.Bool is lucid.bool_ and lucid.bool is lucid.bool_ and lucid.UInt8 is lucid.uint8
    assert lucid.tensor([1], dtype=lucid.Float32).dtype == lucid.float32
    assert repr(lucid.Int64) == "lucid.int64"


# -- repr ---------------------------------------------------------------------------------------
def test_repr_formats():
    assert repr(lucid.tensor([1.0, 2.0], requires_grad=True)) == "tensor([1., 2.], requires_grad=True)"
    assert repr(lucid.tensor(3.0)) == "tensor(3.)"
    assert repr(lucid.tensor([1, 2])) == "tensor([1, 2])"
    assert repr(lucid.tensor([1, 2], dtype=lucid.int32)) == "tensor([1, 2], dtype=lucid.int32)"
    assert repr(lucid.tensor([True, False])) == "tensor([ True, False])"
    assert repr(lucid.tensor([1.0], dtype=lucid.bfloat16)) == "tensor([1.], dtype=lucid.bfloat16)"
    x = lucid.tensor([1.0], requires_grad=True)
    assert repr(x * 2) == "tensor([2.], grad_fn=<MulBackward>)"
    assert repr(lucid.tensor([[1.0, 2.0], [3.0, 4.0]])) == "tensor([[1., 2.],\n        [3., 4.]])"
    assert str(lucid.tensor([0.5])) == "tensor([0.5000])"


@pytest.mark.parametrize("shape", [(2000,), (40, 50), (3, 5, 100), (7, 200), (1001,), (2, 3)])
def test_repr_of_large_tensors_matches_numpy_summary(shape):
    a = np.arange(np.prod(shape), dtype=np.float32).reshape(shape)
    body = np.array2string(a, separator=", ", prefix="tensor(", threshold=1000, edgeitems=3, precision=4)
    assert repr(lucid.tensor(a)) == f"tensor({body})"


def test_repr_of_a_huge_tensor_copies_only_edges(monkeypatch):
    t = lucid.zeros(1000, 1000)
    seen = []
    real = np.array

    def spy(obj, *args, **kwargs):
        if isinstance(obj, mx.array):
            seen.append(obj.size)
        return real(obj, *args, **kwargs)

    monkeypatch.setattr(np, "array", spy)
    text = repr(t)
    assert "..." in text
    assert seen and max(seen) <= 49


def test_grad_assignment_is_checked():
    x = lucid.ones(2, requires_grad=True)
    x.grad = lucid.tensor([1.0, 2.0])
    assert x.grad.tolist() == [1.0, 2.0]
    (x * 3).sum().backward()
    assert x.grad.tolist() == [4.0, 5.0]
    x.grad = None
    assert x.grad is None
    with pytest.raises(TypeError, match="Tensor or None"):
        x.grad = np.ones(2)
    with pytest.raises(ValueError, match="shape"):
        x.grad = lucid.ones(3)
    with pytest.raises(TypeError, match="dtype"):
        x.grad = lucid.ones(2, dtype=lucid.float16)
