"""lucid.from_dlpack / lucid.to_dlpack / Tensor.__dlpack__."""

import mlx.core as mx
import numpy as np
import pytest

import lucid


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int64, np.int32, np.uint8, np.bool_, np.float16])
def test_from_numpy_keeps_values_and_dtype(dtype):
    a = (np.arange(6).reshape(2, 3) % 2).astype(dtype)
    t = lucid.from_dlpack(a)
    assert t.dtype.numpy == np.dtype(dtype) and t.shape == (2, 3)
    np.testing.assert_array_equal(t.numpy(), a)
    assert not t.requires_grad


def test_import_copies_so_later_writes_do_not_leak():
    a = np.arange(4.0)
    t = lucid.from_dlpack(a)
    a[0] = 100.0
    assert t.tolist() == [0.0, 1.0, 2.0, 3.0]


def test_non_contiguous_numpy_view():
    a = np.arange(12.0).reshape(3, 4)[:, ::2]
    np.testing.assert_array_equal(lucid.from_dlpack(a).numpy(), a)


def test_numpy_reads_a_tensor_and_to_dlpack_round_trips():
    t = lucid.tensor([[1.0, 2.0], [3.0, 4.0]]) * 2  # lazy: the export evaluates
    np.testing.assert_array_equal(np.from_dlpack(t), [[2.0, 4.0], [6.0, 8.0]])
    cap = lucid.to_dlpack(t)
    assert type(cap).__name__ == "PyCapsule"
    assert lucid.from_dlpack(cap).tolist() == [[2.0, 4.0], [6.0, 8.0]]
    assert t.__dlpack_device__() == (1, 0)


def test_mlx_array_and_tensor_inputs():
    assert lucid.from_dlpack(mx.array([1, 2])).tolist() == [1, 2]
    w = lucid.ones(2, requires_grad=True)
    d = lucid.from_dlpack(w)
    assert not d.requires_grad and d.tolist() == [1.0, 1.0]


class _Producer:
    """A foreign DLPack producer (only the protocol, no array type NumPy or Lucid knows)."""

    def __init__(self, arr):
        self.arr = arr

    def __dlpack__(self, **kwargs):
        return self.arr.__dlpack__(**kwargs)

    def __dlpack_device__(self):
        return self.arr.__dlpack_device__()


def test_foreign_producer_and_bfloat16_fallback():
    assert lucid.from_dlpack(_Producer(mx.array([1.5, 2.5]))).tolist() == [1.5, 2.5]
    t = lucid.from_dlpack(_Producer(mx.ones(3, dtype=mx.bfloat16)))  # NumPy has no bfloat16: MLX imports it
    assert t.dtype == lucid.bfloat16 and t.tolist() == [1.0, 1.0, 1.0]


def test_rejects_non_dlpack():
    with pytest.raises(TypeError, match="__dlpack__"):
        lucid.from_dlpack([1, 2])
    with pytest.raises(TypeError, match="lucid.Tensor"):
        lucid.to_dlpack(np.ones(2))
    assert lucid.utils.dlpack.from_dlpack is lucid.from_dlpack
