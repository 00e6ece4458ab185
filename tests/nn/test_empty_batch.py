"""A batch of zero samples goes forward and backward through every layer that allows it.

The gradients are zeros of the parameters' shapes, as in PyTorch. Several of
MLX's VJPs refuse empty arrays, so the layers answer these cases themselves.
"""

import numpy as np
import pytest

import lucid
import lucid.nn as nn
import lucid.nn.functional as F

LAYERS = [
    ("conv1d", lambda: nn.Conv1d(2, 3, 3), (0, 2, 8), (0, 3, 6)),
    ("conv2d", lambda: nn.Conv2d(2, 3, 3, padding=1), (0, 2, 5, 5), (0, 3, 5, 5)),
    ("conv3d", lambda: nn.Conv3d(2, 3, 3), (0, 2, 4, 4, 4), (0, 3, 2, 2, 2)),
    ("conv_transpose1d", lambda: nn.ConvTranspose1d(2, 3, 3), (0, 2, 4), (0, 3, 6)),
    ("conv_transpose2d", lambda: nn.ConvTranspose2d(2, 4, 3, groups=2), (0, 2, 4, 4), (0, 4, 6, 6)),
    ("max_pool1d", lambda: nn.MaxPool1d(2), (0, 2, 4), (0, 2, 2)),
    ("max_pool2d", lambda: nn.MaxPool2d(2), (0, 2, 4, 4), (0, 2, 2, 2)),
    ("adaptive_max_pool2d", lambda: nn.AdaptiveMaxPool2d(2), (0, 2, 5, 5), (0, 2, 2, 2)),
    ("avg_pool2d", lambda: nn.AvgPool2d(2), (0, 2, 4, 4), (0, 2, 2, 2)),
    ("linear", lambda: nn.Linear(4, 3), (0, 4), (0, 3)),
    ("layer_norm", lambda: nn.LayerNorm(4), (0, 3, 4), (0, 3, 4)),
    ("group_norm", lambda: nn.GroupNorm(1, 2), (0, 2, 3, 3), (0, 2, 3, 3)),
    ("batch_norm_eval", lambda: nn.BatchNorm2d(2).eval(), (0, 2, 3, 3), (0, 2, 3, 3)),
]


@pytest.mark.parametrize("name, make, in_shape, out_shape", LAYERS, ids=[row[0] for row in LAYERS])
def test_layer_forward_and_backward(name, make, in_shape, out_shape):
    layer = make()
    x = lucid.zeros(*in_shape, requires_grad=True)
    y = layer(x)
    assert y.shape == out_shape
    y.sum().backward()
    assert x.grad.shape == in_shape
    for p in layer.parameters():
        assert p.grad is not None and p.grad.shape == p.shape and p.grad.dtype == p.dtype
        np.testing.assert_array_equal(p.grad.numpy(), np.zeros(p.shape))


@pytest.mark.parametrize("loss", [F.cross_entropy, F.nll_loss])
def test_classification_loss_of_an_empty_batch_is_nan(loss):
    x = lucid.zeros(0, 5, requires_grad=True)
    out = loss(x, lucid.zeros(0, dtype=lucid.int64))
    assert np.isnan(out.item())
    out.backward()
    assert x.grad.shape == (0, 5)


def test_summed_cross_entropy_of_an_empty_batch_is_zero():
    out = F.cross_entropy(lucid.zeros(0, 5, requires_grad=True), lucid.zeros(0, dtype=lucid.int64), reduction="sum")
    assert out.item() == 0.0


@pytest.mark.parametrize("dtype", [lucid.float32, lucid.float64])
def test_log_softmax_and_logsumexp_of_an_empty_batch(dtype):
    x = lucid.zeros(0, 5, dtype=dtype)
    assert F.log_softmax(x, dim=1).shape == (0, 5)
    assert lucid.logsumexp(x, dim=1).shape == (0,)
    assert lucid.logsumexp(x, dim=0).tolist() == [-np.inf] * 5


def test_batch_norm_training_on_an_empty_batch_names_the_problem():
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        nn.BatchNorm1d(3)(lucid.zeros(0, 3))


@pytest.mark.parametrize(("fn", "x_shape", "w_shape", "out_shape", "channel_axis"), [
    (F.conv1d, (2, 0, 5), (3, 0, 2), (2, 3, 4), 1),
    (F.conv2d, (1, 0, 4, 4), (2, 0, 3, 3), (1, 2, 2, 2), 1),
    (F.conv2d, (0, 4, 4), (2, 0, 3, 3), (2, 2, 2), 0),
    (F.conv_transpose2d, (1, 0, 4, 4), (0, 3, 3, 3), (1, 3, 6, 6), 1),
])
@pytest.mark.parametrize("dtype", [lucid.float32, lucid.float64])
def test_conv_with_no_input_channels_is_bias_only(fn, x_shape, w_shape, out_shape, channel_axis, dtype):
    # MLX's kernel dies with SIGFPE here; PyTorch returns the bias broadcast over the output.
    x = lucid.zeros(*x_shape, dtype=dtype, requires_grad=True)
    w = lucid.zeros(*w_shape, dtype=dtype, requires_grad=True)
    channels = out_shape[channel_axis]
    b = lucid.tensor(np.arange(channels) - 0.5, dtype=dtype, requires_grad=True)
    y = fn(x, w, b)
    assert y.shape == out_shape
    view = [1] * len(out_shape)
    view[channel_axis] = channels
    np.testing.assert_array_equal(y.numpy(), np.broadcast_to(b.numpy().reshape(view), out_shape))
    (y * 2).sum().backward()
    assert x.grad.shape == x.shape and w.grad.shape == w.shape
    np.testing.assert_allclose(b.grad.numpy(), np.full(channels, 2 * np.prod(out_shape) / channels))
