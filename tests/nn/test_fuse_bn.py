"""lucid.nn.utils.fuse_conv_bn_eval / fuse_linear_bn_eval and their *_weights: fused layer == layer then BN (eval)."""

import numpy as np
import pytest

import lucid
import lucid.nn as nn
from lucid.nn.util import fuse_conv_bn_eval, fuse_conv_bn_weights, fuse_linear_bn_eval, fuse_linear_bn_weights


def _randomize_bn(bn, seed):
    rng = np.random.default_rng(seed)
    c = bn.num_features
    with lucid.no_grad():
        bn.running_mean.copy_(lucid.tensor(rng.standard_normal(c).astype(np.float32)))
        bn.running_var.copy_(lucid.tensor(rng.uniform(0.5, 2.0, c).astype(np.float32)))
        if bn.weight is not None:
            bn.weight.copy_(lucid.tensor(rng.standard_normal(c).astype(np.float32)))
            bn.bias.copy_(lucid.tensor(rng.standard_normal(c).astype(np.float32)))
    return bn.eval()


CASES = [
    ("conv1d", lambda: nn.Conv1d(3, 4, 3, padding=1), nn.BatchNorm1d, (2, 3, 9), False),
    ("conv2d", lambda: nn.Conv2d(3, 6, 3, stride=2, groups=3), nn.BatchNorm2d, (2, 3, 9, 9), False),
    ("conv2d_nobias", lambda: nn.Conv2d(3, 4, 1, bias=False), nn.BatchNorm2d, (2, 3, 5, 5), False),
    ("conv3d", lambda: nn.Conv3d(2, 3, 2), nn.BatchNorm3d, (1, 2, 4, 4, 4), False),
    ("convT1d", lambda: nn.ConvTranspose1d(3, 5, 3, stride=2), nn.BatchNorm1d, (2, 3, 6), True),
    ("convT2d", lambda: nn.ConvTranspose2d(3, 4, 3, stride=2, padding=1), nn.BatchNorm2d, (2, 3, 5, 5), True),
    ("convT2d_groups", lambda: nn.ConvTranspose2d(4, 6, 2, groups=2), nn.BatchNorm2d, (2, 4, 5, 5), True),
]


@pytest.mark.parametrize("name, make, bn_cls, shape, transpose", CASES, ids=[c[0] for c in CASES])
def test_fused_conv_equals_conv_then_bn(name, make, bn_cls, shape, transpose):
    lucid.random.seed(0)
    conv = make().eval()
    bn = _randomize_bn(bn_cls(conv.out_channels), 1)
    x = lucid.randn(*shape)
    expected = bn(conv(x)).numpy()
    w_before = conv.weight.numpy().copy()
    fused = fuse_conv_bn_eval(conv, bn, transpose=transpose)
    assert type(fused) is type(conv) and fused is not conv
    np.testing.assert_allclose(fused(x).numpy(), expected, rtol=1e-4, atol=1e-5)
    np.testing.assert_array_equal(conv.weight.numpy(), w_before)  # the inputs are not changed
    assert isinstance(fused.bias, nn.Parameter) and fused.bias.shape == (conv.out_channels,)


def test_fused_conv_with_bn_without_affine():
    lucid.random.seed(0)
    conv = nn.Conv2d(2, 3, 3).eval()
    bn = _randomize_bn(nn.BatchNorm2d(3, affine=False), 2)
    x = lucid.randn(2, 2, 6, 6)
    np.testing.assert_allclose(fuse_conv_bn_eval(conv, bn)(x).numpy(), bn(conv(x)).numpy(), rtol=1e-4, atol=1e-5)


def test_fuse_conv_bn_weights_closed_form():
    rng = np.random.default_rng(3)
    w, b = rng.standard_normal((4, 2, 3, 3)), rng.standard_normal(4)
    rm, rv, g, beta = rng.standard_normal(4), rng.uniform(0.5, 2, 4), rng.standard_normal(4), rng.standard_normal(4)
    eps = 1e-3
    T = lucid.tensor
    fw, fb = fuse_conv_bn_weights(T(w, requires_grad=True), T(b), T(rm), T(rv), eps, T(g), T(beta))
    s = g / np.sqrt(rv + eps)
    np.testing.assert_allclose(fw.numpy(), w * s[:, None, None, None], rtol=1e-12)
    np.testing.assert_allclose(fb.numpy(), (b - rm) * s + beta, rtol=1e-12)
    assert isinstance(fw, nn.Parameter) and fw.requires_grad and not fb.requires_grad
    assert fw.dtype == lucid.float64


def test_fused_linear_equals_linear_then_bn():
    lucid.random.seed(0)
    lin = nn.Linear(5, 4).eval()
    bn = _randomize_bn(nn.BatchNorm1d(4), 4)
    x = lucid.randn(7, 5)
    np.testing.assert_allclose(fuse_linear_bn_eval(lin, bn)(x).numpy(), bn(lin(x)).numpy(), rtol=1e-4, atol=1e-5)
    rng = np.random.default_rng(5)
    w, rm, rv, g, beta = (rng.standard_normal((4, 5)), rng.standard_normal(4), rng.uniform(0.5, 2, 4),
                          rng.standard_normal(4), rng.standard_normal(4))
    T = lucid.tensor
    fw, fb = fuse_linear_bn_weights(T(w), None, T(rm), T(rv), 1e-5, T(g), T(beta))
    s = g / np.sqrt(rv + 1e-5)
    np.testing.assert_allclose(fw.numpy(), w * s[:, None], rtol=1e-12)
    np.testing.assert_allclose(fb.numpy(), -rm * s + beta, rtol=1e-12)


def test_fuse_linear_bn_weights_keeps_dtypes_and_requires_grad():
    rng = np.random.default_rng(8)
    w = lucid.tensor(rng.standard_normal((3, 2)).astype(np.float32), requires_grad=True)
    b = lucid.tensor(rng.standard_normal(3).astype(np.float16))
    rm, rv = lucid.zeros(3), lucid.full((3,), 4.0)
    fw, fb = fuse_linear_bn_weights(w, b, rm, rv, 0.0, None, None)
    assert (fw.dtype, fb.dtype) == (lucid.float32, lucid.float16)
    assert isinstance(fb, nn.Parameter) and fw.requires_grad and not fb.requires_grad
    np.testing.assert_allclose(fw.numpy(), w.numpy() / 2, rtol=1e-6)
    np.testing.assert_allclose(fb.numpy(), b.numpy() / 2, rtol=1e-3)


def test_fused_linear_with_single_feature_bn():
    lucid.random.seed(0)
    lin = nn.Linear(3, 4).eval()
    bn = _randomize_bn(nn.BatchNorm1d(1), 6)
    x = lucid.randn(2, 1, 3)  # BatchNorm1d over the channel dim of (N, 1, L)
    fused = fuse_linear_bn_eval(lin, bn)
    np.testing.assert_allclose(fused(x).numpy(), bn(lin(x)).numpy(), rtol=1e-4, atol=1e-5)
    assert fused.weight.shape == (4, 3) and fused.bias.shape == (4,)


def test_fusion_errors():
    conv, bn = nn.Conv2d(2, 3, 3), nn.BatchNorm2d(3)
    with pytest.raises(ValueError, match="eval mode"):
        fuse_conv_bn_eval(conv, bn.eval())
    with pytest.raises(ValueError, match="eval mode"):
        fuse_conv_bn_eval(conv.eval(), nn.BatchNorm2d(3))
    with pytest.raises(ValueError, match="running statistics"):
        fuse_conv_bn_eval(conv.eval(), nn.BatchNorm2d(3, track_running_stats=False).eval())
    with pytest.raises(ValueError, match="num_features"):
        fuse_linear_bn_eval(nn.Linear(2, 3).eval(), nn.BatchNorm1d(2).eval())
    with pytest.raises(TypeError, match="Module"):
        fuse_linear_bn_eval("linear", nn.BatchNorm1d(2).eval())
