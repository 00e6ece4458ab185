"""Padding layers, ChannelShuffle, LocalResponseNorm, LPPool and MaxUnpool against NumPy references."""

import numpy as np
import pytest

import lucid
import lucid.nn as nn
import lucid.nn.functional as F
from tests.helpers import OpCase, rand, run_case

NP_MODE = {"reflect": "reflect", "replicate": "edge", "circular": "wrap"}


def _np_pad(x, padding, mode, value=0.0):
    nd = len(padding) // 2
    widths = [(0, 0)] * (x.ndim - nd) + [(padding[2 * i], padding[2 * i + 1]) for i in reversed(range(nd))]
    if mode == "constant":
        return np.pad(x, widths, constant_values=value)
    return np.pad(x, widths, mode=NP_MODE[mode])


PAD_CASES = []
for nd, shape in ((1, (2, 3, 5)), (2, (2, 2, 4, 5)), (3, (1, 2, 3, 4, 4))):
    pads = (1, 2, 2, 0, 0, 1)[:2 * nd]
    for name, mode in (("Reflection", "reflect"), ("Replication", "replicate"), ("Circular", "circular")):
        cls = getattr(nn, f"{name}Pad{nd}d")
        PAD_CASES.append(OpCase(f"{name}Pad{nd}d", cls(pads), lambda x, p=pads, m=mode: _np_pad(x, p, m),
                                [rand(*shape, seed=nd)]))
    PAD_CASES.append(OpCase(f"ConstantPad{nd}d", getattr(nn, f"ConstantPad{nd}d")(pads, 2.5),
                            lambda x, p=pads: _np_pad(x, p, "constant", 2.5), [rand(*shape, seed=nd)]))
    PAD_CASES.append(OpCase(f"ZeroPad{nd}d", getattr(nn, f"ZeroPad{nd}d")(1),
                            lambda x, n=nd: _np_pad(x, (1,) * (2 * n), "constant"), [rand(*shape, seed=nd)]))


def channel_shuffle_ref(x, g):
    n, c = x.shape[:2]
    return x.reshape((n, g, c // g) + x.shape[2:]).swapaxes(1, 2).reshape(x.shape)


def lrn_ref(x, size, alpha=1e-4, beta=0.75, k=1.0):
    c = x.shape[1]
    sq = x ** 2
    out = np.empty_like(x)
    for ch in range(c):
        lo, hi = ch - size // 2, ch + (size - 1) // 2
        s = sq[:, max(lo, 0):min(hi, c - 1) + 1].sum(1)
        out[:, ch] = x[:, ch] / (k + alpha / size * s) ** beta
    return out


def lp_pool_ref(x, p, k, stride=None, nd=1):
    stride = stride or k
    if nd == 1:
        lo = (x.shape[-1] - k) // stride + 1
        return np.stack([(x[..., i * stride:i * stride + k] ** p).sum(-1) ** (1 / p) for i in range(lo)], -1)
    h = (x.shape[-2] - k) // stride + 1
    w = (x.shape[-1] - k) // stride + 1
    out = np.empty(x.shape[:-2] + (h, w))
    for i in range(h):
        for j in range(w):
            win = x[..., i * stride:i * stride + k, j * stride:j * stride + k]
            out[..., i, j] = (win ** p).sum((-1, -2)) ** (1 / p)
    return out


POS = rand(2, 3, 7, seed=5, low=0.2, high=2.0)
POS2 = rand(2, 2, 5, 6, seed=6, low=0.2, high=2.0)

CASES = PAD_CASES + [
    OpCase("channel_shuffle", F.channel_shuffle, channel_shuffle_ref, [rand(2, 6, 3, seed=1), 3]),
    OpCase("channel_shuffle_4d", nn.ChannelShuffle(2), lambda x: channel_shuffle_ref(x, 2), [rand(1, 4, 2, 2, seed=2)]),
    OpCase("lrn", F.local_response_norm, lrn_ref, [rand(2, 5, 3, seed=3), 3], {"alpha": 0.5, "beta": 0.75, "k": 2.0}),
    OpCase("lrn_even", nn.LocalResponseNorm(2, 0.3, 0.5, 1.0), lambda x: lrn_ref(x, 2, 0.3, 0.5, 1.0),
           [rand(2, 4, 2, 2, seed=4)]),
    OpCase("lp_pool1d_p2", F.lp_pool1d, lambda x, p, k: lp_pool_ref(x, p, k), [POS, 2, 3]),
    OpCase("lp_pool1d_p3_stride", F.lp_pool1d, lambda x, p, k, s: lp_pool_ref(x, p, k, s), [POS, 3.0, 3, 2]),
    OpCase("lp_pool2d", F.lp_pool2d, lambda x, p, k: lp_pool_ref(x, p, k, nd=2), [POS2, 2, 2]),
    OpCase("LPPool2d", nn.LPPool2d(1.5, 3, 2), lambda x: lp_pool_ref(x, 1.5, 3, 2, nd=2), [POS2]),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_layer_against_numpy(case):
    run_case(case)


def test_padding_reprs_and_errors():
    assert repr(nn.ZeroPad2d(1)) == "ZeroPad2d((1, 1, 1, 1))"
    assert repr(nn.ConstantPad1d((1, 2), 3.5)) == "ConstantPad1d(padding=(1, 2), value=3.5)"
    assert repr(nn.ReflectionPad2d((1, 0, 2, 0))) == "ReflectionPad2d((1, 0, 2, 0))"
    with pytest.raises(TypeError, match="tuple of 4 ints"):
        nn.ReflectionPad2d((1, 2))
    with pytest.raises(ValueError, match="expected input"):
        nn.ReflectionPad2d(1)(lucid.ones(3, 3))
    with pytest.raises(TypeError):
        nn.ZeroPad1d(1)(np.ones(3))


def test_max_unpool_inverts_max_pool():
    x = rand(2, 3, 6, 7, seed=7)
    y, idx = F.max_pool2d(lucid.tensor(x), 2, return_indices=True)
    out = F.max_unpool2d(y, idx, 2, output_size=(6, 7)).numpy()
    # Each pooled maximum is back at its position; everything else is 0.
    ref = np.zeros_like(x)
    flat = ref.reshape(2, 3, -1)
    np.put_along_axis(flat, idx.numpy().reshape(2, 3, -1), y.numpy().reshape(2, 3, -1), axis=2)
    np.testing.assert_array_equal(out, ref)
    # Without output_size the default (6, 6) is too small for indices into 7-wide planes.
    with pytest.raises(IndexError, match="max_unpool2d"):
        F.max_unpool2d(y, idx, 2).numpy()
    # 1-D with stride and padding, unbatched.
    x1 = rand(3, 9, seed=8)
    y1, i1 = F.max_pool1d(lucid.tensor(x1), 3, 2, 1, return_indices=True)
    u1 = nn.MaxUnpool1d(3, 2, 1)(y1, i1, output_size=[9]).numpy()
    ref1 = np.zeros_like(x1)
    np.put_along_axis(ref1, i1.numpy(), y1.numpy(), axis=1)
    np.testing.assert_array_equal(u1, ref1)


def test_max_unpool3d_and_lp_pool3d():
    x = rand(2, 4, 4, 6, seed=10)
    y, idx = F.max_pool3d(lucid.tensor(x), 2, return_indices=True)
    out = nn.MaxUnpool3d(2)(y, idx).numpy()
    ref = np.zeros((2, 4 * 4 * 6))
    np.put_along_axis(ref, idx.numpy().reshape(2, -1), y.numpy().reshape(2, -1), axis=1)
    np.testing.assert_array_equal(out, ref.reshape(x.shape))
    pos = np.abs(x) + 0.1
    got = F.lp_pool3d(lucid.tensor(pos), 2, 2).numpy()
    want = np.sqrt((pos ** 2).reshape(2, 2, 2, 2, 2, 3, 2).sum((2, 4, 6)))
    np.testing.assert_allclose(got, want, rtol=1e-6)


def test_max_unpool_gradient():
    idx = np.array([[[0, 3, 5]], [[1, 2, 4]]], dtype=np.int64)
    run_case(OpCase("max_unpool1d", lambda v, i: F.max_unpool1d(v, i, 2), lambda v, i: _unpool_ref(v, i, 6),
                    [rand(2, 1, 3, seed=9), idx]))


def _unpool_ref(v, i, n):
    out = np.zeros(v.shape[:-1] + (n,))
    np.put_along_axis(out, i, v, axis=-1)
    return out


def test_max_unpool_errors():
    y = lucid.ones(1, 1, 2, 2)
    idx = lucid.tensor(np.zeros((1, 1, 2, 2), dtype=np.int64))
    with pytest.raises(ValueError, match="must have the input's shape"):
        F.max_unpool2d(y, idx[..., :1], 2)
    with pytest.raises(TypeError, match="integers"):
        F.max_unpool2d(y, y, 2)
    with pytest.raises(ValueError, match="output_size"):
        F.max_unpool2d(y, idx, 2, output_size=(9, 9))
    bad = lucid.tensor(np.array([[[[0, 1], [2, 16]]]], dtype=np.int64))
    out = F.max_unpool2d(y, bad, 2)
    with pytest.raises(IndexError, match="max_unpool2d"):
        out.numpy()


def test_lp_pool_and_others_errors():
    with pytest.raises(ValueError, match="norm_type"):
        F.lp_pool1d(lucid.ones(1, 4), 0, 2)
    with pytest.raises(ValueError, match="divide"):
        F.channel_shuffle(lucid.ones(1, 5, 2), 2)
    with pytest.raises(ValueError, match="size"):
        F.local_response_norm(lucid.ones(1, 2, 2), 0)
    with pytest.raises(ValueError, match="at least 3"):
        nn.LocalResponseNorm(2)(lucid.ones(2, 2))
    assert repr(nn.LPPool1d(2, 3)) == "LPPool1d(norm_type=2, kernel_size=3, stride=None, ceil_mode=False)"
    assert repr(nn.ChannelShuffle(3)) == "ChannelShuffle(groups=3)"
    assert repr(nn.MaxUnpool2d(2)) == "MaxUnpool2d(kernel_size=2, stride=2, padding=0)"


def test_dtypes_kept():
    for dt in (lucid.float16, lucid.float32):
        x = lucid.ones(1, 4, 4, 4, dtype=dt)
        for out in (nn.ReflectionPad2d(1)(x), F.channel_shuffle(x, 2), F.local_response_norm(x, 3),
                    F.lp_pool2d(x, 2, 2)):
            assert out.dtype == dt
