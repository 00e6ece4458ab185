"""Normalisation: batch/instance/layer/group/RMS norm and normalize vs NumPy formulas, finite differences, modules."""

import numpy as np
import pytest

import lucid
import lucid.nn as nn
import lucid.nn.functional as F
from tests.helpers import T, channels_last_view, check_grad, rand


def ref_norm(x, axes, eps, w=None, b=None):
    m = x.mean(axis=axes, keepdims=True)
    v = x.var(axis=axes, keepdims=True)
    y = (x - m) / np.sqrt(v + eps)
    if w is not None:
        y = y * w
    if b is not None:
        y = y + b
    return y


def _chan(a, ndim):
    return a.reshape((-1,) + (1,) * (ndim - 2))


# -- batch norm --------------------------------------------------------------------------------
@pytest.mark.parametrize("shape", [(5, 3), (4, 3, 6), (3, 2, 4, 5), (2, 2, 3, 2, 3)])
def test_batch_norm_training_forward_and_running_update(shape):
    x = rand(*shape, seed=1) * 3 + 1
    c, nd = shape[1], len(shape)
    w, b = rand(c, seed=2), rand(c, seed=3)
    rm0, rv0 = rand(c, seed=4), rand(c, seed=5, low=0.5, high=1.5)
    rm, rv = T(rm0.copy()), T(rv0.copy())
    axes = (0,) + tuple(range(2, nd))
    out = F.batch_norm(T(x), rm, rv, T(w), T(b), training=True, momentum=0.3, eps=1e-3)
    np.testing.assert_allclose(out.numpy(), ref_norm(x, axes, 1e-3, _chan(w, nd), _chan(b, nd)), rtol=1e-10, atol=1e-12)
    n = x.size // c
    np.testing.assert_allclose(rm.numpy(), 0.7 * rm0 + 0.3 * x.mean(axis=axes), rtol=1e-12)
    np.testing.assert_allclose(rv.numpy(), 0.7 * rv0 + 0.3 * x.var(axis=axes) * n / (n - 1), rtol=1e-12)
    assert rm._version == 1 and rv._version == 1


@pytest.mark.parametrize("shape", [(5, 3), (3, 2, 4, 5)])
def test_batch_norm_grads(shape):
    x, c = rand(*shape, seed=1), shape[1]
    w, b = rand(c, seed=2), rand(c, seed=3)
    check_grad(lambda x_, w_, b_: F.batch_norm(x_, None, None, w_, b_, training=True), [x, w, b])
    check_grad(lambda x_: F.batch_norm(x_, None, None, training=True), [x])
    rm, rv = rand(c, seed=4), rand(c, seed=5, low=0.5, high=1.5)
    # eval mode: gradients also reach the running statistics when they require grad
    check_grad(lambda x_, m_, v_, w_, b_: F.batch_norm(x_, m_, v_, w_, b_, training=False), [x, rm, rv, w, b])


def test_batch_norm_eval_uses_running_stats():
    x = rand(4, 3, 2, seed=1)
    rm, rv = rand(3, seed=2), rand(3, seed=3, low=0.5, high=2)
    w, b = rand(3, seed=4), rand(3, seed=5)
    out = F.batch_norm(T(x), T(rm), T(rv), T(w), T(b), training=False, eps=1e-5)
    ref = (x - _chan(rm, 3)) / np.sqrt(_chan(rv, 3) + 1e-5) * _chan(w, 3) + _chan(b, 3)
    np.testing.assert_allclose(out.numpy(), ref, rtol=1e-12)


def test_batch_norm_half_precision_stats_in_float32():
    base = rand(64, 2, seed=1) * 0.5
    x = (base + 1000.0).astype(np.float16)
    out = F.batch_norm(lucid.tensor(x), None, None, training=True)
    assert out.dtype == lucid.float16
    ref = ref_norm(x.astype(np.float64), (0,), 1e-5)
    np.testing.assert_allclose(out.numpy().astype(np.float64), ref, atol=2e-2)
    xb = lucid.tensor(x.astype(np.float32), dtype=lucid.bfloat16, requires_grad=True)
    y = F.batch_norm(xb, None, None, training=True)
    assert y.dtype == lucid.bfloat16
    y.sum().backward()
    assert xb.grad.dtype == lucid.bfloat16


def test_batch_norm_errors():
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        F.batch_norm(lucid.ones(1, 3), None, None, training=True)
    with pytest.raises(ValueError, match=r"running_mean must have shape \(3,\)"):
        F.batch_norm(lucid.ones(2, 3), lucid.zeros(2), lucid.ones(3))
    with pytest.raises(TypeError, match="momentum"):
        F.batch_norm(lucid.ones(2, 3), lucid.zeros(3), lucid.ones(3), training=True, momentum="0.1")
    with pytest.raises(ValueError, match=r"\(N, C, \*\)"):
        F.batch_norm(lucid.ones(3), None, None, training=True)


# -- batch norm modules -------------------------------------------------------------------------
def test_batchnorm_module_state_dict_and_repr():
    bn = nn.BatchNorm2d(16)
    assert list(bn.state_dict()) == ["weight", "bias", "running_mean", "running_var", "num_batches_tracked"]
    assert repr(bn) == "BatchNorm2d(16, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)"
    assert bn.num_batches_tracked.dtype == lucid.int64 and bn.num_batches_tracked.shape == ()
    assert bn.weight.tolist() == [1.0] * 16 and bn.bias.tolist() == [0.0] * 16
    assert [n for n, _ in bn.named_buffers()] == ["running_mean", "running_var", "num_batches_tracked"]
    bare = nn.BatchNorm1d(4, affine=False, track_running_stats=False)
    assert list(bare.state_dict()) == [] and list(bare.parameters()) == []
    assert repr(bare) == "BatchNorm1d(4, eps=1e-05, momentum=0.1, affine=False, track_running_stats=False)"
    sd = dict(nn.BatchNorm2d(16).state_dict().items())
    bn.load_state_dict(sd)


def test_batchnorm_train_vs_eval():
    bn = nn.BatchNorm1d(3, momentum=0.5, dtype=lucid.float64)
    x = rand(8, 3, seed=1) * 2 + 3
    with lucid.no_grad():
        y = bn(T(x))
    np.testing.assert_allclose(y.numpy(), ref_norm(x, (0,), 1e-5), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(bn.running_mean.numpy(), 0.5 * x.mean(0), rtol=1e-12)
    np.testing.assert_allclose(bn.running_var.numpy(), 0.5 + 0.5 * x.var(0, ddof=1), rtol=1e-12)
    assert bn.num_batches_tracked.item() == 1
    bn.eval()
    x2 = rand(2, 3, seed=2)
    y2 = bn(T(x2))
    ref = (x2 - bn.running_mean.numpy()) / np.sqrt(bn.running_var.numpy() + 1e-5)
    np.testing.assert_allclose(y2.numpy(), ref, rtol=1e-10)
    assert bn.num_batches_tracked.item() == 1  # eval does not count batches
    rm_before = bn.running_mean.numpy().copy()
    bn(T(x2))
    np.testing.assert_array_equal(bn.running_mean.numpy(), rm_before)
    assert bn(T(rand(1, 3, seed=3))).shape == (1, 3)  # a single sample is fine in eval mode


def test_batchnorm_cumulative_average():
    bn = nn.BatchNorm1d(2, momentum=None, dtype=lucid.float64)
    batches = [rand(4, 2, seed=s) + s for s in range(3)]
    for xb in batches:
        bn(T(xb))
    np.testing.assert_allclose(bn.running_mean.numpy(), np.mean([xb.mean(0) for xb in batches], axis=0), rtol=1e-12)
    assert bn.num_batches_tracked.item() == 3


def test_batchnorm_no_tracking_uses_batch_stats_in_eval():
    bn = nn.BatchNorm2d(2, track_running_stats=False, dtype=lucid.float64).eval()
    x = rand(3, 2, 2, 2, seed=1)
    np.testing.assert_allclose(bn(T(x)).numpy(), ref_norm(x, (0, 2, 3), 1e-5), rtol=1e-10, atol=1e-12)


def test_batchnorm_backward_reaches_parameters():
    bn = nn.BatchNorm2d(3, dtype=lucid.float64)
    x = T(rand(4, 3, 2, 2, seed=1), grad=True)
    g = rand(4, 3, 2, 2, seed=2)
    bn(x).backward(T(g))
    xhat = ref_norm(x.numpy(), (0, 2, 3), 1e-5)
    np.testing.assert_allclose(bn.weight.grad.numpy(), (g * xhat).sum((0, 2, 3)), rtol=1e-10)
    np.testing.assert_allclose(bn.bias.grad.numpy(), g.sum((0, 2, 3)), rtol=1e-12)
    assert bn.running_mean.grad is None


def test_batchnorm_shape_errors():
    with pytest.raises(ValueError, match=r"^BatchNorm2d expected input of shape \(N, 3, H, W\), got \(8, 4, 5, 5\)$"):
        nn.BatchNorm2d(3)(lucid.ones(8, 4, 5, 5))
    with pytest.raises(ValueError, match=r"BatchNorm1d expected input of shape \(N, 3\) or \(N, 3, L\)"):
        nn.BatchNorm1d(3)(lucid.ones(2, 3, 4, 4))
    with pytest.raises(ValueError, match="BatchNorm3d"):
        nn.BatchNorm3d(3)(lucid.ones(2, 3, 4, 4))
    with pytest.raises(ValueError, match="num_features"):
        nn.BatchNorm1d(0)


def test_batchnorm_forward_is_lazy():
    """Running-stat updates are new unevaluated arrays, not synchronised values."""
    bn = nn.BatchNorm1d(2)
    before = bn.running_mean._data
    bn(lucid.ones(3, 2))
    assert bn.running_mean._data is not before


# -- instance norm -----------------------------------------------------------------------------
def test_instance_norm():
    x = rand(2, 3, 4, 5, seed=1)
    w, b = rand(3, seed=2), rand(3, seed=3)
    out = F.instance_norm(T(x), weight=T(w), bias=T(b), eps=1e-4)
    np.testing.assert_allclose(out.numpy(), ref_norm(x, (2, 3), 1e-4, _chan(w, 4), _chan(b, 4)), rtol=1e-10, atol=1e-12)
    check_grad(lambda x_, w_, b_: F.instance_norm(x_, weight=w_, bias=b_), [x[:, :, :2, :3], w, b])
    rm, rv = T(np.zeros(3)), T(np.ones(3))
    F.instance_norm(T(x), rm, rv, momentum=0.2)
    np.testing.assert_allclose(rm.numpy(), 0.2 * x.mean(axis=(2, 3)).mean(0), rtol=1e-12)
    np.testing.assert_allclose(rv.numpy(), 0.8 + 0.2 * x.var(axis=(2, 3), ddof=1).mean(0), rtol=1e-12)
    with pytest.raises(ValueError, match="more than 1 spatial element"):
        F.instance_norm(lucid.ones(2, 3, 1))


def test_instance_norm_modules():
    m = nn.InstanceNorm2d(3)
    assert repr(m) == "InstanceNorm2d(3, eps=1e-05, momentum=0.1, affine=False, track_running_stats=False)"
    assert list(m.state_dict()) == []
    x = rand(2, 3, 4, 4, seed=1)
    np.testing.assert_allclose(m(T(x.astype(np.float32))).numpy(), ref_norm(x, (2, 3), 1e-5), atol=1e-5)
    # unbatched input
    np.testing.assert_allclose(nn.InstanceNorm1d(3, dtype=lucid.float64)(T(x[0, :, 0])).numpy(),
                               ref_norm(x[0, :, 0], (1,), 1e-5), rtol=1e-10, atol=1e-12)
    tracked = nn.InstanceNorm1d(3, affine=True, track_running_stats=True, dtype=lucid.float64)
    assert list(tracked.state_dict()) == ["weight", "bias", "running_mean", "running_var", "num_batches_tracked"]
    xs = rand(2, 3, 5, seed=2)
    tracked(T(xs))
    np.testing.assert_allclose(tracked.running_mean.numpy(), 0.1 * xs.mean(2).mean(0), rtol=1e-12)
    tracked.eval()
    ref = (xs - tracked.running_mean.numpy()[:, None]) / np.sqrt(tracked.running_var.numpy()[:, None] + 1e-5)
    np.testing.assert_allclose(tracked(T(xs)).numpy(), ref, rtol=1e-10)
    with pytest.raises(ValueError, match="InstanceNorm1d expected input of shape"):
        tracked(lucid.ones(2, 4, 5, dtype=lucid.float64))
    with pytest.warns(UserWarning, match="num_features"):
        nn.InstanceNorm1d(3)(lucid.ones(2, 4, 5))
    assert nn.InstanceNorm3d(2)(lucid.random.randn(1, 2, 2, 2, 2)).shape == (1, 2, 2, 2, 2)


# -- layer norm ----------------------------------------------------------------------------------
@pytest.mark.parametrize("shape,norm", [((4, 5), (5,)), ((2, 3, 4), (3, 4)), ((6,), 6), ((2, 1, 3), (1, 3))])
def test_layer_norm(shape, norm):
    x = rand(*shape, seed=1) * 2 + 0.5
    ns = (norm,) if isinstance(norm, int) else norm
    w, b = rand(*ns, seed=2), rand(*ns, seed=3)
    axes = tuple(range(len(shape) - len(ns), len(shape)))
    out = F.layer_norm(T(x), norm, T(w), T(b), eps=1e-5)
    np.testing.assert_allclose(out.numpy(), ref_norm(x, axes, 1e-5, w, b), rtol=1e-10, atol=1e-12)
    check_grad(lambda x_, w_, b_: F.layer_norm(x_, norm, w_, b_), [x, w, b])
    check_grad(lambda x_: F.layer_norm(x_, norm), [x])


def test_layer_norm_fused_backward_matches_composition():
    x = rand(3, 6, seed=1)
    g = rand(3, 6, seed=2)
    t = T(x, grad=True)
    F.layer_norm(t, 6).backward(T(g))
    m, v = x.mean(-1, keepdims=True), x.var(-1, keepdims=True)
    r = 1 / np.sqrt(v + 1e-5)
    xh = (x - m) * r
    expected = r * (g - g.mean(-1, keepdims=True) - xh * (g * xh).mean(-1, keepdims=True))
    np.testing.assert_allclose(t.grad.numpy(), expected, rtol=1e-10)


def test_layer_norm_stable_for_large_offsets():
    x = (rand(4, 256, seed=1) * 0.01 + 1e4).astype(np.float32)
    out = F.layer_norm(lucid.tensor(x), 256)
    np.testing.assert_allclose(out.numpy(), ref_norm(x.astype(np.float64), (1,), 1e-5), atol=1e-4)
    h = F.layer_norm(lucid.tensor(rand(2, 8, seed=2).astype(np.float16)), 8)
    assert h.dtype == lucid.float16
    x16 = rand(2, 8, seed=2).astype(np.float16).astype(np.float64)
    np.testing.assert_allclose(h.numpy(), ref_norm(x16, (1,), 1e-5),
                               atol=5e-3)


def test_layernorm_module():
    ln = nn.LayerNorm(10)
    assert repr(ln) == "LayerNorm((10,), eps=1e-05, elementwise_affine=True)"
    assert list(ln.state_dict()) == ["weight", "bias"]
    assert list(nn.LayerNorm(4, bias=False).state_dict()) == ["weight"]
    assert list(nn.LayerNorm([2, 3], elementwise_affine=False).state_dict()) == []
    with pytest.raises(ValueError, match=r"^LayerNorm expected input of shape \(\*, 10\), got \(4, 8\)$"):
        ln(lucid.ones(4, 8))
    with pytest.raises(ValueError, match=r"layer_norm: expected input of shape \(\*, 3\)"):
        F.layer_norm(lucid.ones(2, 4), 3)
    with pytest.raises(TypeError, match="normalized_shape"):
        nn.LayerNorm(2.5)


# -- group norm ------------------------------------------------------------------------------------
@pytest.mark.parametrize("shape,groups", [((2, 6, 4), 3), ((2, 4, 3, 2), 2), ((3, 4), 4), ((1, 4, 2, 2, 2), 1)])
def test_group_norm(shape, groups):
    x = rand(*shape, seed=1)
    c = shape[1]
    w, b = rand(c, seed=2), rand(c, seed=3)
    n = shape[0]
    xr = x.reshape(n, groups, -1)
    ref = ref_norm(xr, (2,), 1e-5).reshape(shape) * _chan(w, len(shape)) + _chan(b, len(shape))
    if groups == c and len(shape) == 2:
        ref = ref  # one value per group: normalised to zero
    np.testing.assert_allclose(F.group_norm(T(x), groups, T(w), T(b)).numpy(), ref, rtol=1e-10, atol=1e-10)
    check_grad(lambda x_, w_, b_: F.group_norm(x_, groups, w_, b_), [x, w, b])


def test_groupnorm_module():
    gn = nn.GroupNorm(2, 6)
    assert repr(gn) == "GroupNorm(2, 6, eps=1e-05, affine=True)"
    assert list(gn.state_dict()) == ["weight", "bias"]
    with pytest.raises(ValueError, match="divisible"):
        nn.GroupNorm(4, 6)
    with pytest.raises(ValueError, match=r"^GroupNorm expected input of shape \(N, 6, \*\), got \(2, 4\)$"):
        gn(lucid.ones(2, 4))
    with pytest.raises(ValueError, match="divisible by num_groups"):
        F.group_norm(lucid.ones(2, 6), 4)


# -- RMS norm --------------------------------------------------------------------------------------
@pytest.mark.parametrize("shape,norm", [((4, 5), 5), ((2, 3, 4), (3, 4))])
def test_rms_norm(shape, norm):
    x = rand(*shape, seed=1)
    ns = (norm,) if isinstance(norm, int) else norm
    w = rand(*ns, seed=2)
    axes = tuple(range(len(shape) - len(ns), len(shape)))
    ref = x / np.sqrt((x * x).mean(axis=axes, keepdims=True) + 1e-6) * w
    np.testing.assert_allclose(F.rms_norm(T(x), norm, T(w), eps=1e-6).numpy(), ref, rtol=1e-10)
    check_grad(lambda x_, w_: F.rms_norm(x_, norm, w_, eps=1e-6), [x, w])
    check_grad(lambda x_: F.rms_norm(x_, norm), [x])


def test_rms_norm_default_eps_is_dtype_eps():
    x = rand(2, 4, seed=1).astype(np.float32)
    ref = x / np.sqrt((x.astype(np.float64) ** 2).mean(-1, keepdims=True) + np.finfo(np.float32).eps)
    np.testing.assert_allclose(F.rms_norm(lucid.tensor(x), 4).numpy(), ref, rtol=1e-6)
    m = nn.RMSNorm([4])
    assert repr(m) == "RMSNorm((4,), eps=None, elementwise_affine=True)"
    assert list(m.state_dict()) == ["weight"]
    assert m(lucid.tensor(x).to(lucid.float16)).dtype == lucid.float16
    with pytest.raises(ValueError, match=r"^RMSNorm expected input of shape \(\*, 4\), got \(2, 3\)$"):
        m(lucid.ones(2, 3))


# -- normalize -------------------------------------------------------------------------------------
@pytest.mark.parametrize("p", [2.0, 1.0, 3.0, 0.5, float("inf")])
@pytest.mark.parametrize("dim", [1, -1, 0])
def test_normalize(p, dim):
    x = rand(3, 4, 2, seed=1)
    if p == float("inf"):
        n = np.abs(x).max(axis=dim, keepdims=True)
    else:
        n = (np.abs(x) ** p).sum(axis=dim, keepdims=True) ** (1 / p)
    np.testing.assert_allclose(F.normalize(T(x), p=p, dim=dim).numpy(), x / np.maximum(n, 1e-12), rtol=1e-10)
    check_grad(lambda a: F.normalize(a, p=p, dim=dim), [x])


def test_normalize_eps_clamps_small_vectors():
    x = np.array([[1e-14, -2e-14], [3.0, 4.0]])
    out = F.normalize(T(x), dim=1)
    np.testing.assert_allclose(out.numpy(), [[1e-2, -2e-2], [0.6, 0.8]], rtol=1e-10)
    check_grad(lambda a: F.normalize(a, dim=1), [x[:1]], eps=1e-16, atol=1e-6)
    check_grad(lambda a: F.normalize(a, dim=1), [x[1:]])
    z = F.normalize(lucid.zeros(2, 3))
    assert z.tolist() == [[0.0] * 3] * 2
    with pytest.raises(ValueError, match="out of range"):
        F.normalize(lucid.ones(2, 3), dim=2)
    with pytest.raises(ValueError, match="positive"):
        F.normalize(lucid.ones(2, 3), p=0)
    assert F.normalize(lucid.ones(2, 3, dtype=lucid.bfloat16)).dtype == lucid.bfloat16


# -- float32 (fused kernels) on contiguous and channels-last memory, against float64 -------------
def _grads(fn, x, params, up, as32, cl):
    if as32:
        t = channels_last_view(x) if cl and x.ndim > 2 else lucid.tensor(x.astype(np.float32))
        ps = [lucid.tensor(p.astype(np.float32), requires_grad=True) for p in params]
        g = channels_last_view(up) if cl and up.ndim > 2 else lucid.tensor(up.astype(np.float32))
    else:
        t, ps, g = T(x), [T(p, grad=True) for p in params], T(up)
    t.requires_grad_()
    y = fn(t, *ps)
    y.backward(g)
    return [y.numpy(), t.grad.numpy()] + [p.grad.numpy() for p in ps]


NORM32 = [
    ("batch_norm_4d", (4, 3, 5, 6), lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True)),
    ("batch_norm_2d", (6, 3), lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True)),
    ("batch_norm_5d", (2, 3, 2, 3, 4), lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True)),
    ("batch_norm_eval", (4, 3, 5, 6),
     lambda x, w, b: F.batch_norm(x, lucid.tensor([0.1, -0.2, 0.3], dtype=x.dtype),
                                  lucid.tensor([0.5, 1.5, 2.0], dtype=x.dtype), w, b, training=False)),
    ("instance_norm", (2, 3, 5, 6), lambda x, w, b: F.instance_norm(x, weight=w, bias=b)),
    ("group_norm", (2, 6, 4, 5), lambda x, w, b: F.group_norm(x, 3, w, b)),
]


@pytest.mark.parametrize("name,shape,fn", NORM32, ids=[c[0] for c in NORM32])
@pytest.mark.parametrize("cl", [False, True], ids=["contiguous", "channels_last"])
def test_norms_float32_match_float64(fuse_all, name, shape, fn, cl):
    c = shape[1]
    x = rand(*shape, seed=31) * 2 + 0.5
    params = [rand(c, seed=32, low=0.5, high=1.5), rand(c, seed=33)]
    up = rand(*shape, seed=34)
    got = _grads(fn, x, params, up, True, cl)
    ref = _grads(fn, x, params, up, False, False)
    for a, r in zip(got, ref):
        np.testing.assert_allclose(a, r, rtol=1e-4, atol=2e-5)


def test_layer_norm_float32_matches_float64(fuse_all):
    x, up = rand(3, 4, 8, seed=35), rand(3, 4, 8, seed=36)
    params = [rand(8, seed=37), rand(8, seed=38)]
    fn = lambda t, w, b: F.layer_norm(t, 8, w, b)  # noqa: E731
    for a, r in zip(_grads(fn, x, params, up, True, False), _grads(fn, x, params, up, False, False)):
        np.testing.assert_allclose(a, r, rtol=1e-4, atol=2e-5)


def test_batch_norm_stable_for_large_offsets(fuse_all):
    # std 0.005 around 1e4 in float32: the statistics are taken on data shifted by a sample.
    x = (rand(16, 2, 4, 4, seed=39) * 0.01 + 1e4).astype(np.float32)
    ref = ref_norm(x.astype(np.float64), (0, 2, 3), 1e-5)
    for t in (lucid.tensor(x), channels_last_view(x)):
        np.testing.assert_allclose(F.batch_norm(t, None, None, training=True).numpy(), ref, atol=2e-3)
    rm, rv = lucid.zeros(2), lucid.ones(2)
    F.batch_norm(lucid.tensor(x), rm, rv, training=True, momentum=1.0)
    np.testing.assert_allclose(rm.numpy(), x.astype(np.float64).mean(axis=(0, 2, 3)), rtol=1e-7)
    np.testing.assert_allclose(rv.numpy(), x.astype(np.float64).var(axis=(0, 2, 3), ddof=1), rtol=1e-3)


def test_batch_norm_output_is_channels_first():
    x = rand(2, 3, 4, 5, seed=40)
    y = F.batch_norm(channels_last_view(x), None, None, training=True)
    assert y.shape == (2, 3, 4, 5)
    np.testing.assert_allclose(y.reshape(2, -1).numpy(),
                               ref_norm(x, (0, 2, 3), 1e-5).reshape(2, -1), rtol=1e-4, atol=1e-5)


def test_batchnorm_running_stats_are_evaluated_with_the_optimizer_step():
    """The lazily updated running statistics ride along the optimizer's batched evaluation."""
    from lucid._backend import evaluation

    bn = lucid.nn.BatchNorm1d(3)
    opt = lucid.optim.SGD(bn.parameters(), lr=0.1)
    for _ in range(3):
        bn(lucid.random.randn(8, 3)).sum().backward()
        assert id(bn.running_mean) in evaluation._deferred
        opt.step()
        assert not evaluation._deferred
    assert bn.num_batches_tracked.item() == 3


@pytest.mark.parametrize("call, exc, message", [
    (lambda F: F.batch_norm(lucid.ones(3), None, None), ValueError,
     "batch_norm: expected input of shape (N, C, *), got (3,)"),
    (lambda F: F.instance_norm(lucid.ones(2, 3)), ValueError,
     "instance_norm: expected input of shape (N, C, *spatial), got (2, 3)"),
    (lambda F: F.group_norm(lucid.ones(2), 1), ValueError, "group_norm: expected input of shape (N, C, *), got (2,)"),
    (lambda F: F.instance_norm(lucid.ones(2, 3, 4), weight=lucid.ones(4)), ValueError,
     "instance_norm: weight must have shape (3,), got (4,)"),
    (lambda F: F.group_norm(lucid.ones(2, 4, 3), 2, bias=lucid.ones(2)), ValueError,
     "group_norm: bias must have shape (4,), got (2,)"),
    (lambda F: F.batch_norm(lucid.ones(2, 3), None, [1.0, 2.0, 3.0], training=True), TypeError,
     "batch_norm: running_var must be a lucid Tensor, got list"),
])
def test_channel_norms_check_input_and_per_channel_tensors(call, exc, message):
    import re

    with pytest.raises(exc, match="^" + re.escape(message) + "$"):
        call(lucid.nn.functional)
