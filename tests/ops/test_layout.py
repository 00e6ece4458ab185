"""Tensor.stride / is_contiguous / storage_offset / contiguous and the memory-format objects."""

import pickle

import numpy as np
import pytest

import lucid


def _numpy_strides(shape):
    # NumPy's C-order strides in elements, with size-0/size-1 dims counted as 1 (PyTorch's rule).
    a = np.empty([max(n, 1) for n in shape], dtype=np.float32)
    return tuple(s // 4 for s in a.strides)


@pytest.mark.parametrize("shape", [(), (5,), (2, 3), (2, 3, 4), (2, 0, 3), (1, 4, 1, 2)])
def test_stride_is_row_major_of_the_logical_shape(shape):
    x = lucid.zeros(*shape)
    assert x.stride() == _numpy_strides(shape)
    for d in range(-len(shape), len(shape)):
        assert x.stride(d) == _numpy_strides(shape)[d]
        assert x.stride(axis=d) == x.stride(dim=d)


def test_views_report_their_own_shape():
    x = lucid.arange(24).reshape(2, 3, 4)
    assert x.transpose(0, 2).stride() == (6, 2, 1)
    assert x[:, 1].stride() == (4, 1)
    assert x.permute(2, 0, 1).is_contiguous()


def test_stride_errors():
    with pytest.raises(ValueError):
        lucid.zeros(2, 3).stride(2)
    with pytest.raises(ValueError):
        lucid.tensor(1.0).stride(0)


def test_is_contiguous_formats():
    x = lucid.zeros(2, 3, 4, 5)
    assert x.is_contiguous() and x.is_contiguous(memory_format=lucid.contiguous_format)
    assert not x.is_contiguous(memory_format=lucid.channels_last)
    assert lucid.zeros(2, 1, 4, 5).is_contiguous(memory_format=lucid.channels_last)  # one channel
    assert lucid.zeros(2, 3, 1, 1).is_contiguous(memory_format=lucid.channels_last)  # 1x1 spatial
    assert not lucid.zeros(2, 3, 4).is_contiguous(memory_format=lucid.channels_last)  # wrong rank
    assert lucid.zeros(2, 3, 1, 1, 1).is_contiguous(memory_format=lucid.channels_last_3d)
    assert not lucid.zeros(2, 3, 2, 1, 1).is_contiguous(memory_format=lucid.channels_last_3d)
    with pytest.raises(ValueError, match="preserve_format"):
        x.is_contiguous(memory_format=lucid.preserve_format)
    with pytest.raises(TypeError, match="memory_format"):
        x.is_contiguous(memory_format="channels_last")


def test_contiguous_accepts_memory_format_and_returns_self():
    x = lucid.zeros(2, 3, 4, 4)
    assert x.contiguous() is x
    assert x.contiguous(memory_format=lucid.channels_last) is x
    with pytest.raises(TypeError):
        x.contiguous(memory_format=1)


def test_storage_offset_and_memory_format_objects():
    assert lucid.arange(10)[3:].storage_offset() == 0
    assert repr(lucid.channels_last) == "lucid.channels_last"
    assert pickle.loads(pickle.dumps(lucid.channels_last)) is lucid.channels_last
    assert isinstance(lucid.contiguous_format, lucid.memory_format)
