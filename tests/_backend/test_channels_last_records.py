"""Channels-last layout records: binary ops on convolution outputs keep channels-last memory."""

import gc

import mlx.core as mx
import numpy as np
import pytest

import lucid
import lucid.models
import lucid.nn.functional as F
from lucid._backend import layout
from tests.helpers import check_grad, rand


def _row_contiguous_last(t: lucid.Tensor) -> bool:
    """Whether ``t`` (N, C, *S), evaluated, lies in memory as a row-contiguous (N, *S, C) array."""
    lucid.eval(t)
    view = memoryview(mx.moveaxis(t._data, 1, -1))
    expected = [view.itemsize]
    for n in reversed(view.shape[1:]):
        expected.insert(0, expected[0] * n)
    return tuple(view.strides) == tuple(expected)


def _conv_out(seed: int) -> lucid.Tensor:
    x = lucid.tensor(rand(2, 3, 6, 5, seed=seed, dtype=np.float32))
    w = lucid.tensor(rand(4, 3, 3, 3, seed=seed + 1, dtype=np.float32))
    return F.conv2d(x, w, padding=1)


def test_mark_is_weak():
    a = layout.mark(mx.moveaxis(mx.zeros((1, 2, 2, 3)), -1, 1))
    assert layout.is_marked(a)
    key = id(a)
    del a
    gc.collect()
    assert key not in layout.views


def test_plain_arrays_are_not_marked():
    a, b = mx.zeros((1, 3, 2, 2)), mx.ones((1, 3, 2, 2))
    assert not layout.prefers_last(a, b)
    assert not layout.prefers_last(layout.mark(mx.moveaxis(mx.zeros((1, 2, 2, 3)), -1, 1)), mx.ones(3))


@pytest.mark.parametrize("op", ["add", "sub", "mul", "div"])
def test_residual_ops_keep_channels_last_memory(op):
    a, b = _conv_out(0), _conv_out(5)
    assert _row_contiguous_last(a) and _row_contiguous_last(b)
    fn = {"add": lambda x, y: x + y, "sub": lambda x, y: x - y, "mul": lambda x, y: x * y,
          "div": lambda x, y: x / (y * y + 1)}[op]
    out = fn(a, b)
    # Before the layout records, MLX's strided loop laid this out channels-first.
    assert _row_contiguous_last(out)
    np.testing.assert_allclose(out.numpy(), fn(a.numpy(), b.numpy()), rtol=1e-6, atol=1e-6)


def test_mixed_layouts_and_broadcast_scale():
    a = _conv_out(0)
    plain = lucid.tensor(rand(2, 4, 6, 5, seed=3, dtype=np.float32))  # channels-first memory
    scale = lucid.tensor(rand(2, 4, 1, 1, seed=4, dtype=np.float32))  # squeeze-and-excitation style
    for out, ref in ((a + plain, a.numpy() + plain.numpy()), (plain + a, plain.numpy() + a.numpy()),
                     (a * scale, a.numpy() * scale.numpy()), (scale * a, scale.numpy() * a.numpy())):
        assert out.shape == (2, 4, 6, 5)
        assert _row_contiguous_last(out)
        np.testing.assert_allclose(out.numpy(), ref, rtol=1e-6, atol=1e-6)


def test_resnet_block_sum_feeds_the_next_convolution_channels_last():
    block = lucid.models.resnet.Bottleneck(16, 4).eval()
    x = F.conv2d(lucid.tensor(rand(1, 3, 8, 8, dtype=np.float32)), lucid.tensor(rand(16, 3, 1, 1, dtype=np.float32)))
    with lucid.no_grad():
        out = block(x)
    assert _row_contiguous_last(out)


def test_gradients_through_channels_last_sums():
    mean, var = lucid.tensor(rand(3, seed=1)), lucid.tensor(rand(3, seed=2, low=0.5, high=2.0))

    def f(x, y):
        # Eval-mode batch norm hands back channels-first views of channels-last memory, in float64 too.
        a, b = F.batch_norm(x, mean, var), F.batch_norm(y, mean, var)
        assert layout.is_marked(a._data) and layout.is_marked(b._data)
        return (a + b) * a - b / (a * a + 1)

    check_grad(f, [rand(2, 3, 5, 4, seed=2), rand(2, 3, 5, 4, seed=3)])


@pytest.mark.parametrize("dim", [1, 0, 2, -1])
def test_cat_of_channels_last_views_stays_channels_last(dim):
    a, b = _conv_out(0), _conv_out(5)
    plain = lucid.tensor(rand(2, 4, 6, 5, seed=3, dtype=np.float32))
    for parts in ((a, b), (a, plain), (plain, b, a)):
        out = lucid.cat(parts, dim=dim)
        assert _row_contiguous_last(out)
        np.testing.assert_array_equal(out.numpy(), np.concatenate([p.numpy() for p in parts], axis=dim))


def test_cat_gradient_through_channels_last_views():
    mean, var = lucid.tensor(rand(3, seed=1)), lucid.tensor(rand(3, seed=2, low=0.5, high=2.0))

    def f(x, y):
        return lucid.cat([F.batch_norm(x, mean, var), F.batch_norm(y, mean, var)], dim=1) ** 2

    check_grad(f, [rand(2, 3, 4, 3, seed=4), rand(2, 3, 4, 3, seed=5)])
