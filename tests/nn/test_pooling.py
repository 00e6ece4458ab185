"""Pooling: max/avg/adaptive pools against NumPy loop references, finite differences, modules."""

import itertools
import math

import numpy as np
import pytest

import lucid
import lucid.nn as nn
import lucid.nn.functional as F
from tests.helpers import T, channels_last_view, check_grad, rand


def _tup(v, nd):
    return (v,) * nd if isinstance(v, int) else tuple(v)


def _out_size(n, k, s, p, d, ceil):
    span = n + 2 * p - d * (k - 1) - 1
    o = (math.ceil(span / s) if ceil else span // s) + 1
    if ceil and (o - 1) * s >= n + p:
        o -= 1
    return o


def ref_max_pool(x, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False):
    """Loops over output positions; returns (values, flat indices into each input plane)."""
    nd = x.ndim - 2
    k = _tup(kernel_size, nd)
    s = _tup(stride if stride is not None else kernel_size, nd)
    p, d = _tup(padding, nd), _tup(dilation, nd)
    sp = x.shape[2:]
    out = [_out_size(sp[i], k[i], s[i], p[i], d[i], ceil_mode) for i in range(nd)]
    vals = np.zeros(x.shape[:2] + tuple(out))
    idxs = np.zeros(x.shape[:2] + tuple(out), dtype=np.int64)
    for nc in itertools.product(range(x.shape[0]), range(x.shape[1])):
        for pos in itertools.product(*[range(o) for o in out]):
            best, arg = -np.inf, -1
            for kk in itertools.product(*[range(v) for v in k]):
                src = [pos[i] * s[i] - p[i] + kk[i] * d[i] for i in range(nd)]
                if all(0 <= src[i] < sp[i] for i in range(nd)):
                    v = x[nc + tuple(src)]
                    if v > best:  # strict: the first maximum wins
                        best, arg = v, int(np.ravel_multi_index(src, sp))
            vals[nc + pos], idxs[nc + pos] = best, arg
    return vals, idxs


def ref_avg_pool(x, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
                 divisor_override=None):
    nd = x.ndim - 2
    k = _tup(kernel_size, nd)
    s = _tup(stride if stride is not None else kernel_size, nd)
    p = _tup(padding, nd)
    sp = x.shape[2:]
    out = [_out_size(sp[i], k[i], s[i], p[i], 1, ceil_mode) for i in range(nd)]
    y = np.zeros(x.shape[:2] + tuple(out))
    for nc in itertools.product(range(x.shape[0]), range(x.shape[1])):
        for pos in itertools.product(*[range(o) for o in out]):
            start = [pos[i] * s[i] - p[i] for i in range(nd)]
            end = [min(start[i] + k[i], sp[i] + p[i]) for i in range(nd)]
            pool = math.prod(e - b for b, e in zip(start, end))
            lo = [max(b, 0) for b in start]
            hi = [min(e, n) for e, n in zip(end, sp)]
            region = x[nc + tuple(slice(a, b) for a, b in zip(lo, hi))]
            div = divisor_override or (pool if count_include_pad else region.size)
            y[nc + pos] = region.sum() / div
    return y


def ref_adaptive(x, out, reduce):
    nd = x.ndim - 2
    out = _tup(out, nd)
    sp = x.shape[2:]
    y = np.zeros(x.shape[:2] + out)
    for nc in itertools.product(range(x.shape[0]), range(x.shape[1])):
        for pos in itertools.product(*[range(o) for o in out]):
            sl = tuple(slice((pos[i] * sp[i]) // out[i], math.ceil((pos[i] + 1) * sp[i] / out[i])) for i in range(nd))
            y[nc + pos] = reduce(x[nc + sl])
    return y


MAX_CASES = [
    ("1d", F.max_pool1d, (2, 3, 9), dict(kernel_size=3)),
    ("1d_stride_pad_ceil", F.max_pool1d, (2, 2, 8), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True)),
    ("1d_dilation", F.max_pool1d, (1, 2, 10), dict(kernel_size=3, stride=1, dilation=3)),
    ("2d", F.max_pool2d, (2, 2, 6, 6), dict(kernel_size=2)),
    ("2d_overlap", F.max_pool2d, (1, 3, 7, 5), dict(kernel_size=3, stride=2, padding=1)),
    ("2d_asym_ceil", F.max_pool2d, (2, 1, 7, 6),
     dict(kernel_size=(3, 2), stride=(2, 3), padding=(1, 0), ceil_mode=True)),
    ("2d_dilation", F.max_pool2d, (1, 2, 7, 7), dict(kernel_size=2, stride=1, dilation=(2, 3), padding=1)),
    ("3d", F.max_pool3d, (1, 2, 4, 5, 4), dict(kernel_size=2, stride=(1, 2, 2), ceil_mode=True)),
]


@pytest.mark.parametrize("name,fn,shape,kw", MAX_CASES, ids=[c[0] for c in MAX_CASES])
def test_max_pool_forward_and_indices(name, fn, shape, kw):
    x = rand(*shape, seed=1)
    vals, idx = fn(T(x), return_indices=True, **kw)
    rv, ri = ref_max_pool(x, **kw)
    np.testing.assert_array_equal(vals.numpy(), rv)
    assert idx.dtype == lucid.int64
    np.testing.assert_array_equal(idx.numpy(), ri)
    np.testing.assert_array_equal(fn(T(x), **kw).numpy(), rv)


@pytest.mark.parametrize("name,fn,shape,kw", MAX_CASES, ids=[c[0] for c in MAX_CASES])
def test_max_pool_grad(name, fn, shape, kw):
    check_grad(lambda a: fn(a, **kw), [rand(*shape, seed=1)])


def test_max_pool_ties_go_to_first_maximum():
    x = T(np.array([[[[1.0, 1.0], [1.0, 1.0]]]]), grad=True)
    F.max_pool2d(x, 2).sum().backward()
    assert x.grad.tolist() == [[[[1.0, 0.0], [0.0, 0.0]]]]
    # overlapping windows accumulate onto the same maximum
    y = T(np.array([[[0.0, 5.0, 1.0, 2.0]]]), grad=True)
    F.max_pool1d(y, 2, stride=1).sum().backward()
    assert y.grad.tolist() == [[[0.0, 2.0, 0.0, 1.0]]]


def test_max_pool_with_indices_backward():
    x = rand(1, 2, 5, 5, seed=3)
    check_grad(lambda a: F.max_pool2d(a, 3, 2, return_indices=True)[0], [x])


AVG_CASES = [
    ("1d", F.avg_pool1d, (2, 3, 9), dict(kernel_size=3)),
    ("1d_pad_exclude", F.avg_pool1d, (1, 2, 7), dict(kernel_size=3, stride=2, padding=1, count_include_pad=False)),
    ("1d_ceil", F.avg_pool1d, (1, 2, 8), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True)),
    ("1d_ceil_exclude", F.avg_pool1d, (1, 2, 8), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True,
                                                     count_include_pad=False)),
    ("2d", F.avg_pool2d, (2, 2, 6, 4), dict(kernel_size=2)),
    ("2d_asym", F.avg_pool2d, (1, 2, 7, 6), dict(kernel_size=(3, 2), stride=(2, 1), padding=(1, 1), ceil_mode=True)),
    ("2d_divisor", F.avg_pool2d, (1, 1, 5, 5), dict(kernel_size=3, stride=2, padding=1, divisor_override=4)),
    ("3d", F.avg_pool3d, (1, 2, 4, 5, 3), dict(kernel_size=2, stride=(2, 2, 1), padding=(1, 0, 1),
                                              count_include_pad=False)),
]


@pytest.mark.parametrize("name,fn,shape,kw", AVG_CASES, ids=[c[0] for c in AVG_CASES])
def test_avg_pool(name, fn, shape, kw):
    x = rand(*shape, seed=2)
    np.testing.assert_allclose(fn(T(x), **kw).numpy(), ref_avg_pool(x, **kw), rtol=1e-12, atol=1e-12)
    check_grad(lambda a: fn(a, **kw), [x])


ADAPTIVE_CASES = [
    ("1d_divides", 1, (2, 3, 8), 4),
    ("1d_uneven", 1, (1, 2, 7), 3),
    ("1d_upsample", 1, (1, 2, 3), 5),
    ("2d_uneven", 2, (2, 2, 7, 5), (3, 2)),
    ("2d_global", 2, (2, 3, 5, 4), 1),
    ("2d_none", 2, (1, 2, 5, 4), (None, 3)),
    ("3d", 3, (1, 2, 5, 4, 3), (2, 3, 2)),
]


@pytest.mark.parametrize("name,nd,shape,out", ADAPTIVE_CASES, ids=[c[0] for c in ADAPTIVE_CASES])
def test_adaptive_avg(name, nd, shape, out):
    fn = getattr(F, f"adaptive_avg_pool{nd}d")
    x = rand(*shape, seed=4)
    out_full = tuple(shape[2 + i] if o is None else o for i, o in enumerate(_tup(out, nd)))
    np.testing.assert_allclose(fn(T(x), out).numpy(), ref_adaptive(x, out_full, np.mean), rtol=1e-12, atol=1e-12)
    check_grad(lambda a: fn(a, out), [x])


@pytest.mark.parametrize("name,nd,shape,out", ADAPTIVE_CASES, ids=[c[0] for c in ADAPTIVE_CASES])
def test_adaptive_max(name, nd, shape, out):
    fn = getattr(F, f"adaptive_max_pool{nd}d")
    x = rand(*shape, seed=5)
    out_full = tuple(shape[2 + i] if o is None else o for i, o in enumerate(_tup(out, nd)))
    vals, idx = fn(T(x), out, return_indices=True)
    np.testing.assert_array_equal(vals.numpy(), ref_adaptive(x, out_full, np.max))
    flat = x.reshape(x.shape[0], x.shape[1], -1)
    np.testing.assert_array_equal(np.take_along_axis(flat, idx.numpy().reshape(flat.shape[:2] + (-1,)), -1),
                                  vals.numpy().reshape(flat.shape[:2] + (-1,)))
    check_grad(lambda a: fn(a, out), [x])


def test_adaptive_max_ties_go_to_first():
    x = T(np.ones((1, 1, 5)), grad=True)
    F.adaptive_max_pool1d(x, 2).sum().backward()
    # windows [0, 3) and [2, 5): first maxima at 0 and 2
    assert x.grad.tolist() == [[[1.0, 0.0, 1.0, 0.0, 0.0]]]


@pytest.mark.parametrize("fn,kw", [
    (F.max_pool2d, dict(kernel_size=2)), (F.avg_pool2d, dict(kernel_size=2)),
    (F.adaptive_avg_pool2d, dict(output_size=3)), (F.adaptive_max_pool2d, dict(output_size=3)),
])
@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "float32"])
def test_dtype_preserved(fn, kw, dtype):
    dt = getattr(lucid, dtype)
    x = lucid.tensor(rand(2, 3, 6, 6, seed=1).astype(np.float32), dtype=dt, requires_grad=True)
    y = fn(x, **kw)
    assert y.dtype == dt
    y.sum().backward()
    assert x.grad.dtype == dt


def test_unbatched_and_empty():
    x = rand(3, 6, 6, seed=1)
    np.testing.assert_array_equal(F.max_pool2d(T(x), 2).numpy(), ref_max_pool(x[None], 2)[0][0])
    np.testing.assert_allclose(F.avg_pool2d(T(x), 3, 1, 1).numpy(), ref_avg_pool(x[None], 3, 1, 1)[0], atol=1e-12)
    assert F.adaptive_avg_pool2d(T(x), 2).shape == (3, 2, 2)
    assert F.max_pool2d(lucid.zeros(0, 3, 4, 4), 2).shape == (0, 3, 2, 2)
    assert F.avg_pool2d(lucid.zeros(0, 3, 4, 4), 2).shape == (0, 3, 2, 2)
    assert F.adaptive_max_pool2d(lucid.zeros(0, 3, 4, 4), 2).shape == (0, 3, 2, 2)
    assert F.adaptive_avg_pool1d(lucid.zeros(2, 0, 4), 2).shape == (2, 0, 2)


def test_max_pool_int_input():
    x = lucid.tensor([[[1, 5, 2, 7]]])
    y = F.max_pool1d(x, 2, padding=1)
    assert y.dtype == lucid.int64 and y.tolist() == [[[1, 5, 7]]]


def test_functional_errors():
    x = lucid.ones(1, 1, 4, 4)
    with pytest.raises(ValueError, match="at most half"):
        F.max_pool2d(x, 2, padding=2)
    with pytest.raises(ValueError, match="too small"):
        F.max_pool2d(x, 5)
    with pytest.raises(ValueError, match=r"expected input of shape \(N, C, H, W\)"):
        F.avg_pool2d(lucid.ones(4, 4), 2)
    with pytest.raises(TypeError, match="lucid Tensor"):
        F.max_pool1d([1.0, 2.0], 2)
    with pytest.raises(TypeError, match="kernel_size"):
        F.max_pool2d(x, 2.0)
    with pytest.raises(ValueError, match="divisor_override"):
        F.avg_pool2d(x, 2, divisor_override=0)
    with pytest.raises(ValueError, match="output_size must have 2"):
        F.adaptive_avg_pool2d(x, (1, 2, 3))
    with pytest.raises(ValueError, match="positive"):
        F.adaptive_max_pool2d(x, 0)


# -- modules -------------------------------------------------------------------------------------
def test_module_reprs_match_pytorch():
    assert repr(nn.MaxPool2d(2)) == "MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)"
    assert repr(nn.MaxPool1d(3, 2, 1, ceil_mode=True)) == \
        "MaxPool1d(kernel_size=3, stride=2, padding=1, dilation=1, ceil_mode=True)"
    assert repr(nn.AvgPool2d(3, stride=2)) == "AvgPool2d(kernel_size=3, stride=2, padding=0)"
    assert repr(nn.AvgPool1d(2)) == "AvgPool1d(kernel_size=(2,), stride=(2,), padding=(0,))"
    assert repr(nn.AdaptiveAvgPool2d((5, 7))) == "AdaptiveAvgPool2d(output_size=(5, 7))"
    assert repr(nn.AdaptiveMaxPool1d(3)) == "AdaptiveMaxPool1d(output_size=3)"
    assert list(nn.MaxPool2d(2).state_dict()) == []


def test_modules_match_functional():
    x = T(rand(2, 3, 7, 7, seed=1))
    np.testing.assert_array_equal(nn.MaxPool2d(3, 2, 1)(x).numpy(), F.max_pool2d(x, 3, 2, 1).numpy())
    out, idx = nn.MaxPool2d(2, return_indices=True)(x)
    assert out.shape == idx.shape == (2, 3, 3, 3)
    np.testing.assert_array_equal(nn.AvgPool2d(3, 2, 1, count_include_pad=False)(x).numpy(),
                                  F.avg_pool2d(x, 3, 2, 1, count_include_pad=False).numpy())
    np.testing.assert_array_equal(nn.AvgPool1d(2)(x[0]).numpy(), F.avg_pool1d(x[0], 2).numpy())
    np.testing.assert_array_equal(nn.AdaptiveAvgPool2d(2)(x).numpy(), F.adaptive_avg_pool2d(x, 2).numpy())
    out, idx = nn.AdaptiveMaxPool2d(2, return_indices=True)(x)
    assert idx.dtype == lucid.int64
    assert nn.MaxPool3d(2)(lucid.ones(1, 1, 2, 4, 4)).shape == (1, 1, 1, 2, 2)
    assert nn.AvgPool3d(2)(lucid.ones(1, 1, 2, 4, 4)).shape == (1, 1, 1, 2, 2)
    assert nn.AdaptiveAvgPool3d(1)(lucid.ones(1, 1, 2, 4, 4)).shape == (1, 1, 1, 1, 1)
    assert nn.AdaptiveMaxPool3d(1)(lucid.ones(1, 1, 2, 4, 4)).shape == (1, 1, 1, 1, 1)
    assert nn.AdaptiveAvgPool1d(1)(lucid.ones(1, 1, 4)).shape == (1, 1, 1)


def test_module_shape_error_message():
    with pytest.raises(ValueError, match=r"^MaxPool2d expected input of shape \(N, C, H, W\) or \(C, H, W\), "
                                         r"got \(4, 4\)$"):
        nn.MaxPool2d(2)(lucid.ones(4, 4))
    with pytest.raises(ValueError, match="AdaptiveAvgPool1d expected input"):
        nn.AdaptiveAvgPool1d(2)(lucid.ones(1, 1, 2, 2))


# -- non-overlapping windows (the reshape fast path) and channels-last memory --------------------
BLOCK_CASES = [
    ("1d", F.max_pool1d, (2, 3, 8), dict(kernel_size=2)),
    ("1d_crop", F.max_pool1d, (2, 3, 9), dict(kernel_size=4)),
    ("2d", F.max_pool2d, (2, 3, 6, 8), dict(kernel_size=2)),
    ("2d_crop", F.max_pool2d, (2, 3, 7, 9), dict(kernel_size=2)),
    ("2d_rect", F.max_pool2d, (1, 2, 6, 6), dict(kernel_size=(3, 2))),
    ("2d_explicit_stride", F.max_pool2d, (1, 2, 6, 6), dict(kernel_size=3, stride=3)),
    ("3d", F.max_pool3d, (1, 2, 4, 4, 6), dict(kernel_size=2)),
]


@pytest.mark.parametrize("name,fn,shape,kw", BLOCK_CASES, ids=[c[0] for c in BLOCK_CASES])
def test_max_pool_blocks(fuse_all, name, fn, shape, kw):
    x = rand(*shape, seed=5)
    check_grad(lambda a: fn(a, **kw), [x])
    x.reshape(-1)[::7] = 0.25  # ties inside some windows (no finite differences there)
    rv, _ = ref_max_pool(x, **kw)
    np.testing.assert_array_equal(fn(T(x), **kw).numpy(), rv)
    # float32 (fused backward kernel), from contiguous and channels-last memory, against float64
    up = rand(*rv.shape, seed=6)
    t64 = T(x, grad=True)
    fn(t64, **kw).backward(T(up))
    for t32 in (lucid.tensor(x.astype(np.float32), requires_grad=True),
                channels_last_view(x).requires_grad_()):
        y32 = fn(t32, **kw)
        np.testing.assert_array_equal(y32.numpy(), rv.astype(np.float32))
        y32.backward(lucid.tensor(up.astype(np.float32)))
        np.testing.assert_allclose(t32.grad.numpy(), t64.grad.numpy(), rtol=1e-6, atol=1e-7)


def test_max_pool_blocks_ties_and_nan_in_float32(fuse_all):
    x = lucid.tensor([[[[1.0, 1.0, 0.0, 2.0], [1.0, 1.0, 2.0, 2.0]]]], requires_grad=True)
    F.max_pool2d(x, 2).sum().backward()
    assert x.grad.tolist() == [[[[1.0, 0.0, 0.0, 1.0], [0.0, 0.0, 0.0, 0.0]]]]
    nan = float("nan")
    y = lucid.tensor([[[1.0, nan, 3.0, nan, nan, 0.0]]], requires_grad=True)
    out = F.max_pool1d(y, 3)
    assert all(math.isnan(v) for v in out.tolist()[0][0])
    out.sum().backward()
    # NOTE: a NaN is the maximum of its window, and the first NaN gets the gradient
    assert y.grad.tolist() == [[[0.0, 1.0, 0.0, 1.0, 0.0, 0.0]]]


def test_max_pool_blocks_unbatched_and_relu_chain():
    x = rand(3, 6, 6, seed=7)
    np.testing.assert_array_equal(F.max_pool2d(T(x), 2).numpy(), ref_max_pool(x[None], 2)[0][0])
    check_grad(lambda a: F.max_pool2d(F.relu(a), 2), [x])
    check_grad(lambda a: F.max_pool2d(a, 2), [x])


AVG_BLOCK_CASES = [
    ("1d", F.avg_pool1d, (2, 3, 8), dict(kernel_size=2)),
    ("2d_crop", F.avg_pool2d, (2, 3, 7, 9), dict(kernel_size=2)),
    ("2d_divisor", F.avg_pool2d, (1, 2, 6, 6), dict(kernel_size=3, divisor_override=4)),
    ("3d", F.avg_pool3d, (1, 2, 4, 4, 6), dict(kernel_size=2)),
]


@pytest.mark.parametrize("name,fn,shape,kw", AVG_BLOCK_CASES, ids=[c[0] for c in AVG_BLOCK_CASES])
def test_avg_pool_blocks(name, fn, shape, kw):
    x = rand(*shape, seed=8)
    ref = ref_avg_pool(x, **kw)
    np.testing.assert_allclose(fn(T(x), **kw).numpy(), ref, rtol=1e-12, atol=1e-12)
    check_grad(lambda a: fn(a, **kw), [x])
    y = fn(channels_last_view(x), **kw)
    np.testing.assert_allclose(y.numpy(), ref, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("fn,kw", [(F.max_pool2d, dict(kernel_size=3, stride=2, padding=1)),
                                   (F.avg_pool2d, dict(kernel_size=3, stride=2, padding=1)),
                                   (F.adaptive_avg_pool2d, dict(output_size=3)),
                                   (F.adaptive_max_pool2d, dict(output_size=3))])
def test_general_pools_on_channels_last_memory(fuse_all, fn, kw):
    x = rand(2, 3, 7, 6, seed=9)
    up = rand(*fn(T(x), **kw).shape, seed=10)
    t64 = T(x, grad=True)
    y64 = fn(t64, **kw)
    y64.backward(T(up))
    t32 = channels_last_view(x).requires_grad_()
    y32 = fn(t32, **kw)
    np.testing.assert_allclose(y32.numpy(), y64.numpy(), rtol=1e-6, atol=1e-6)
    y32.backward(lucid.tensor(up.astype(np.float32)))
    np.testing.assert_allclose(t32.grad.numpy(), t64.grad.numpy(), rtol=1e-5, atol=1e-6)


STRIDED32 = [MAX_CASES[1], MAX_CASES[4], MAX_CASES[6], AVG_CASES[1], AVG_CASES[5]]


@pytest.mark.parametrize("name,fn,shape,kw", STRIDED32, ids=[c[0] for c in STRIDED32])
def test_strided_pools_float32_match_float64(fuse_all, name, fn, shape, kw):
    # float32 runs the fused kernels of the strided-slice path (float64 is checked above)
    x = rand(*shape, seed=11)
    up = rand(*fn(T(x), **kw).shape, seed=12)
    t64 = T(x, grad=True)
    y64 = fn(t64, **kw)
    y64.backward(T(up))
    for t32 in (lucid.tensor(x.astype(np.float32), requires_grad=True), channels_last_view(x).requires_grad_()):
        y32 = fn(t32, **kw)
        np.testing.assert_allclose(y32.numpy(), y64.numpy(), rtol=1e-6, atol=1e-6)
        y32.backward(lucid.tensor(up.astype(np.float32)))
        np.testing.assert_allclose(t32.grad.numpy(), t64.grad.numpy(), rtol=1e-5, atol=1e-6)


def test_overlapping_ties_in_float32(fuse_all):
    y = lucid.tensor([[[0.0, 5.0, 1.0, 2.0]]], requires_grad=True)
    F.max_pool1d(y, 2, stride=1).sum().backward()
    assert y.grad.tolist() == [[[0.0, 2.0, 0.0, 1.0]]]
    z = lucid.tensor([[[[1.0, 1.0, 1.0], [1.0, 1.0, 1.0], [1.0, 1.0, 1.0]]]], requires_grad=True)
    F.max_pool2d(z, 2, stride=1).sum().backward()
    assert z.grad.tolist() == [[[[1.0, 1.0, 0.0], [1.0, 1.0, 0.0], [0.0, 0.0, 0.0]]]]
