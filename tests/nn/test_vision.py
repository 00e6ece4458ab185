"""Vision: interpolate/Upsample, unfold/fold, pixel (un)shuffle and pad against NumPy references."""

import itertools
import math

import numpy as np
import pytest

import lucid
import lucid.nn as nn
import lucid.nn.functional as F
from tests.helpers import T, check_grad, rand


# -- references (loops over output pixels, PyTorch's published index rules) ---------------------------
def ref_nearest(x, out, exact=False):
    nd = x.ndim - 2
    y = np.zeros(x.shape[:2] + tuple(out))
    for pos in itertools.product(*[range(o) for o in out]):
        src = []
        for i in range(nd):
            n = x.shape[2 + i]
            scale = np.float32(n) / np.float32(out[i])
            src.append(min(math.floor(np.float32(pos[i] + (0.5 if exact else 0)) * scale), n - 1))
        y[(slice(None), slice(None)) + pos] = x[(slice(None), slice(None)) + tuple(src)]
    return y


def _src(i, n_in, n_out, align):
    if align:
        return i * (n_in - 1) / (n_out - 1) if n_out > 1 else 0.0
    return max((i + 0.5) * n_in / n_out - 0.5, 0.0)


def ref_bilinear(x, out, align):
    h, w = x.shape[2:]
    y = np.zeros(x.shape[:2] + tuple(out))
    for i, j in itertools.product(range(out[0]), range(out[1])):
        sh, sw = _src(i, h, out[0], align), _src(j, w, out[1], align)
        h0, w0 = min(int(sh), h - 1), min(int(sw), w - 1)
        h1, w1 = min(h0 + 1, h - 1), min(w0 + 1, w - 1)
        lh, lw = sh - h0, sw - w0
        y[:, :, i, j] = ((1 - lh) * ((1 - lw) * x[:, :, h0, w0] + lw * x[:, :, h0, w1])
                         + lh * ((1 - lw) * x[:, :, h1, w0] + lw * x[:, :, h1, w1]))
    return y


def _cubic(t, a=-0.75):
    t = abs(t)
    if t <= 1:
        return ((a + 2) * t - (a + 3)) * t * t + 1
    if t < 2:
        return ((a * t - 5 * a) * t + 8 * a) * t - 4 * a
    return 0.0


def ref_bicubic(x, out, align):
    h, w = x.shape[2:]
    y = np.zeros(x.shape[:2] + tuple(out))

    def src(i, n, o):
        if align:
            return i * (n - 1) / (o - 1) if o > 1 else 0.0
        return (i + 0.5) * n / o - 0.5  # no clamping for cubic

    for i, j in itertools.product(range(out[0]), range(out[1])):
        sh, sw = src(i, h, out[0]), src(j, w, out[1])
        fh, fw = math.floor(sh), math.floor(sw)
        acc = 0.0
        for a in range(-1, 3):
            for b in range(-1, 3):
                wgt = _cubic(sh - (fh + a)) * _cubic(sw - (fw + b))
                acc = acc + wgt * x[:, :, min(max(fh + a, 0), h - 1), min(max(fw + b, 0), w - 1)]
        y[:, :, i, j] = acc
    return y


def ref_unfold(x, k, d=(1, 1), p=(0, 0), s=(1, 1)):
    n, c, h, w = x.shape
    xp = np.pad(x, [(0, 0), (0, 0), (p[0], p[0]), (p[1], p[1])])
    bh = (h + 2 * p[0] - d[0] * (k[0] - 1) - 1) // s[0] + 1
    bw = (w + 2 * p[1] - d[1] * (k[1] - 1) - 1) // s[1] + 1
    cols = np.zeros((n, c * k[0] * k[1], bh * bw))
    for ci, ki, kj, bi, bj in itertools.product(range(c), range(k[0]), range(k[1]), range(bh), range(bw)):
        row, col = ci * k[0] * k[1] + ki * k[1] + kj, bi * bw + bj
        cols[:, row, col] = xp[:, ci, bi * s[0] + ki * d[0], bj * s[1] + kj * d[1]]
    return cols


def ref_fold(cols, out, k, d=(1, 1), p=(0, 0), s=(1, 1)):
    n = cols.shape[0]
    c = cols.shape[1] // (k[0] * k[1])
    h, w = out
    bh = (h + 2 * p[0] - d[0] * (k[0] - 1) - 1) // s[0] + 1
    bw = (w + 2 * p[1] - d[1] * (k[1] - 1) - 1) // s[1] + 1
    img = np.zeros((n, c, h + 2 * p[0], w + 2 * p[1]))
    for ci, ki, kj, bi, bj in itertools.product(range(c), range(k[0]), range(k[1]), range(bh), range(bw)):
        row, col = ci * k[0] * k[1] + ki * k[1] + kj, bi * bw + bj
        img[:, ci, bi * s[0] + ki * d[0], bj * s[1] + kj * d[1]] += cols[:, row, col]
    return img[:, :, p[0]:p[0] + h, p[1]:p[1] + w]


# -- interpolate -----------------------------------------------------------------------------------------
def test_nearest_known_pytorch_values():
    x = lucid.arange(5.0).reshape(1, 1, 5)
    assert F.interpolate(x, size=3).tolist() == [[[0.0, 1.0, 3.0]]]
    assert F.interpolate(x, size=7).tolist() == [[[0.0, 0.0, 1.0, 2.0, 2.0, 3.0, 4.0]]]
    assert F.interpolate(x, size=3, mode="nearest-exact").tolist() == [[[0.0, 2.0, 4.0]]]
    # scale_factor uses 1 / scale_factor for the source index (PyTorch's rule): floor(i / 1.5)
    out = F.interpolate(lucid.arange(4.0).reshape(1, 1, 4), scale_factor=1.5)
    assert out.tolist() == [[[0.0, 0.0, 1.0, 2.0, 2.0, 3.0]]]


@pytest.mark.parametrize("shape,size", [((2, 3, 5), (8,)), ((1, 2, 4, 5), (7, 3)), ((1, 1, 3, 4, 2), (5, 2, 3)),
                                        ((1, 2, 6, 6), (4, 9))])
@pytest.mark.parametrize("mode", ["nearest", "nearest-exact"])
def test_nearest(shape, size, mode):
    x = rand(*shape, seed=1)
    out = F.interpolate(T(x), size=size, mode=mode)
    np.testing.assert_array_equal(out.numpy(), ref_nearest(x, size, exact=mode == "nearest-exact"))
    check_grad(lambda a: F.interpolate(a, size=size, mode=mode), [x])


def test_bilinear_known_pytorch_values():
    x = lucid.tensor([[[[1.0, 2.0], [3.0, 4.0]]]])
    assert F.interpolate(x, scale_factor=2, mode="bilinear").tolist() == [[[
        [1.0, 1.25, 1.75, 2.0], [1.5, 1.75, 2.25, 2.5], [2.5, 2.75, 3.25, 3.5], [3.0, 3.25, 3.75, 4.0]]]]
    got = F.interpolate(x, size=(4, 4), mode="bilinear", align_corners=True).numpy()[0, 0]
    np.testing.assert_allclose(got[0], [1.0, 4 / 3, 5 / 3, 2.0], rtol=1e-6)
    np.testing.assert_allclose(got[:, 0], [1.0, 5 / 3, 7 / 3, 3.0], rtol=1e-6)


@pytest.mark.parametrize("size", [(7, 3), (2, 9), (1, 1), (4, 5)])
@pytest.mark.parametrize("align", [False, True])
def test_bilinear(size, align):
    x = rand(2, 2, 4, 5, seed=2)
    out = F.interpolate(T(x), size=size, mode="bilinear", align_corners=align)
    np.testing.assert_allclose(out.numpy(), ref_bilinear(x, size, align), rtol=1e-12, atol=1e-12)
    check_grad(lambda a: F.interpolate(a, size=size, mode="bilinear", align_corners=align), [x])


@pytest.mark.parametrize("size", [(7, 3), (2, 9), (4, 5)])
@pytest.mark.parametrize("align", [False, True])
def test_bicubic(size, align):
    x = rand(1, 2, 4, 5, seed=3)
    out = F.interpolate(T(x), size=size, mode="bicubic", align_corners=align)
    np.testing.assert_allclose(out.numpy(), ref_bicubic(x, size, align), rtol=1e-12, atol=1e-12)
    check_grad(lambda a: F.interpolate(a, size=size, mode="bicubic", align_corners=align), [x])


def test_linear_and_trilinear():
    x = rand(2, 3, 5, seed=4)
    out = F.interpolate(T(x), size=8, mode="linear")
    ref = ref_bilinear(x[:, :, None, :], (1, 8), False)[:, :, 0]
    np.testing.assert_allclose(out.numpy(), ref, rtol=1e-12)
    check_grad(lambda a: F.interpolate(a, size=8, mode="linear", align_corners=True), [x])
    v = rand(1, 1, 3, 4, 2, seed=5)
    out = F.interpolate(T(v), size=(5, 3, 4), mode="trilinear")
    # trilinear is separable: linear along depth of the bilinear result of each slice
    step = np.stack([ref_bilinear(v[:, :, d], (3, 4), False) for d in range(3)], axis=2)
    ref = np.moveaxis(ref_bilinear(np.moveaxis(step, 2, -1).reshape(1, 12, 1, 3), (1, 5), False), -1, 2)
    np.testing.assert_allclose(out.numpy(), ref.reshape(1, 1, 3, 4, 5).transpose(0, 1, 4, 2, 3), rtol=1e-12)
    check_grad(lambda a: F.interpolate(a, scale_factor=(1.5, 1, 2), mode="trilinear"), [v])


def test_scale_factor_and_recompute():
    x = rand(1, 1, 3, 5, seed=6)
    out = F.interpolate(T(x), scale_factor=(2.5, 0.6), mode="bilinear")
    assert out.shape == (1, 1, 7, 3)
    # with recompute_scale_factor the kernel uses in / out: same as asking for that size
    np.testing.assert_allclose(
        F.interpolate(T(x), scale_factor=(2.5, 0.6), mode="bilinear", recompute_scale_factor=True).numpy(),
        F.interpolate(T(x), size=(7, 3), mode="bilinear").numpy())


def test_area_mode_is_adaptive_avg_pool():
    x = rand(1, 2, 7, 5, seed=7)
    np.testing.assert_allclose(F.interpolate(T(x), size=(3, 2), mode="area").numpy(),
                               F.adaptive_avg_pool2d(T(x), (3, 2)).numpy())


@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "float32"])
@pytest.mark.parametrize("mode", ["nearest", "bilinear", "bicubic"])
def test_interpolate_dtype_preserved(dtype, mode):
    dt = getattr(lucid, dtype)
    x = lucid.tensor(rand(1, 2, 3, 3, seed=1).astype(np.float32), dtype=dt, requires_grad=True)
    y = F.interpolate(x, scale_factor=2, mode=mode)
    assert y.dtype == dt and y.shape == (1, 2, 6, 6)
    y.sum().backward()
    assert x.grad.dtype == dt


def test_interpolate_errors():
    x = lucid.ones(1, 1, 4, 4)
    with pytest.raises(ValueError, match="exactly one"):
        F.interpolate(x)
    with pytest.raises(ValueError, match="exactly one"):
        F.interpolate(x, size=2, scale_factor=2)
    with pytest.raises(ValueError, match="needs a 3-D input"):
        F.interpolate(x, size=2, mode="linear")
    with pytest.raises(ValueError, match="mode must be one of"):
        F.interpolate(x, size=2, mode="cubic")
    with pytest.raises(ValueError, match="align_corners"):
        F.interpolate(x, size=2, align_corners=True)
    with pytest.raises(ValueError, match="3-D, 4-D or 5-D"):
        F.interpolate(lucid.ones(4, 4), size=2)
    with pytest.raises(NotImplementedError):
        F.interpolate(x, size=2, mode="bilinear", antialias=True)
    with pytest.raises(ValueError, match="scale_factor"):
        F.interpolate(x, scale_factor=-1)


def test_upsample_modules():
    up = nn.Upsample(scale_factor=2)
    assert repr(up) == "Upsample(scale_factor=2.0, mode='nearest')"
    assert repr(nn.Upsample(size=(4, 5), mode="bilinear")) == "Upsample(size=(4, 5), mode='bilinear')"
    x = rand(1, 2, 3, 4, seed=1)
    np.testing.assert_array_equal(up(T(x)).numpy(), ref_nearest(x, (6, 8)))
    np.testing.assert_allclose(nn.UpsamplingBilinear2d(scale_factor=2)(T(x)).numpy(), ref_bilinear(x, (6, 8), True),
                               rtol=1e-12)
    np.testing.assert_array_equal(nn.UpsamplingNearest2d(size=5)(T(x)).numpy(), ref_nearest(x, (5, 5)))
    assert nn.Upsample(scale_factor=(2, 1), mode="bicubic", align_corners=True)(T(x)).shape == (1, 2, 6, 4)
    assert list(up.state_dict()) == []


# -- unfold / fold ------------------------------------------------------------------------------------
UNFOLD_CASES = [
    ((2, 3, 4, 5), dict(kernel_size=2)),
    ((1, 2, 5, 6), dict(kernel_size=(2, 3), dilation=(2, 1), padding=1, stride=(1, 2))),
    ((1, 1, 4, 4), dict(kernel_size=3, padding=1, stride=2)),
]


@pytest.mark.parametrize("shape,kw", UNFOLD_CASES)
def test_unfold(shape, kw):
    x = rand(*shape, seed=1)
    tup = lambda v: (v, v) if isinstance(v, int) else v  # noqa: E731
    ref = ref_unfold(x, tup(kw["kernel_size"]), tup(kw.get("dilation", 1)), tup(kw.get("padding", 0)),
                     tup(kw.get("stride", 1)))
    np.testing.assert_array_equal(F.unfold(T(x), **kw).numpy(), ref)
    check_grad(lambda a: F.unfold(a, **kw), [x])
    np.testing.assert_array_equal(F.unfold(T(x[0]), **kw).numpy(), ref[0])


@pytest.mark.parametrize("shape,kw", UNFOLD_CASES)
def test_fold(shape, kw):
    tup = lambda v: (v, v) if isinstance(v, int) else v  # noqa: E731
    geo = (tup(kw["kernel_size"]), tup(kw.get("dilation", 1)), tup(kw.get("padding", 0)), tup(kw.get("stride", 1)))
    cols_shape = ref_unfold(np.zeros(shape), *geo).shape
    cols = rand(*cols_shape, seed=2)
    out = F.fold(T(cols), shape[2:], **kw)
    np.testing.assert_allclose(out.numpy(), ref_fold(cols, shape[2:], *geo), rtol=1e-12)
    check_grad(lambda a: F.fold(a, shape[2:], **kw), [cols])


def test_unfold_conv_equivalence():
    """conv2d == weight @ unfold(x) (the im2col identity)."""
    x, w = rand(2, 3, 5, 5, seed=1), rand(4, 3, 3, 3, seed=2)
    cols = F.unfold(T(x), 3, padding=1).numpy()
    y = (w.reshape(4, -1) @ cols).reshape(2, 4, 5, 5)
    np.testing.assert_allclose(F.conv2d(T(x), T(w), padding=1).numpy(), y, rtol=1e-10)


def test_unfold_fold_modules_and_errors():
    u = nn.Unfold(kernel_size=(2, 3))
    assert repr(u) == "Unfold(kernel_size=(2, 3), dilation=1, padding=0, stride=1)"
    f = nn.Fold(output_size=(3, 4), kernel_size=(2, 3))
    assert repr(f) == "Fold(output_size=(3, 4), kernel_size=(2, 3), dilation=1, padding=0, stride=1)"
    x = rand(2, 5, 3, 4, seed=1)
    # fold(unfold(x)) multiplies each pixel by the number of blocks covering it
    counts = F.fold(F.unfold(lucid.ones(1, 1, 3, 4, dtype=lucid.float64), (2, 3)), (3, 4), (2, 3)).numpy()
    np.testing.assert_allclose(f(u(T(x))).numpy(), x * counts, rtol=1e-12)
    with pytest.raises(ValueError, match="Unfold expected input"):
        u(lucid.ones(3, 4))
    with pytest.raises(ValueError, match="fold: expected input of shape"):
        F.fold(lucid.ones(1, 7, 4), (3, 4), (2, 3))
    with pytest.raises(ValueError, match="too small"):
        F.unfold(lucid.ones(1, 1, 2, 2), 3)


# -- pixel shuffle and pad -----------------------------------------------------------------------------
def test_pixel_shuffle():
    x = rand(2, 8, 3, 2, seed=1)
    r = 2
    ref = x.reshape(2, 2, r, r, 3, 2).transpose(0, 1, 4, 2, 5, 3).reshape(2, 2, 6, 4)
    out = F.pixel_shuffle(T(x), r)
    np.testing.assert_array_equal(out.numpy(), ref)
    np.testing.assert_array_equal(F.pixel_unshuffle(out, r).numpy(), x)
    check_grad(lambda a: F.pixel_shuffle(a, 2), [x])
    check_grad(lambda a: F.pixel_unshuffle(a, 2), [ref])
    assert repr(nn.PixelShuffle(3)) == "PixelShuffle(upscale_factor=3)"
    assert repr(nn.PixelUnshuffle(2)) == "PixelUnshuffle(downscale_factor=2)"
    assert nn.PixelShuffle(2)(lucid.ones(4, 3, 2)).shape == (1, 6, 4)
    with pytest.raises(ValueError, match="pixel_shuffle"):
        F.pixel_shuffle(lucid.ones(1, 3, 2, 2), 2)
    with pytest.raises(ValueError, match="upscale_factor"):
        F.pixel_shuffle(lucid.ones(1, 4, 2, 2), 0)


def test_pad_is_lucid_pad():
    assert F.pad is lucid.pad
    x = rand(1, 2, 3, seed=1)
    np.testing.assert_array_equal(F.pad(T(x), (1, 2), mode="reflect").numpy(),
                                  np.pad(x, [(0, 0), (0, 0), (1, 2)], mode="reflect"))
