"""Convolutions: F.conv*/F.conv_transpose* against direct-loop NumPy references, finite differences, modules."""

import itertools
import math

import numpy as np
import pytest

import lucid
import lucid.nn as nn
import lucid.nn.functional as F
from tests.helpers import T, channels_last_view, check_grad, rand


# -- NumPy references (direct loops; tiny sizes only) ------------------------------------------
def ref_conv(x, w, b=None, stride=1, padding=0, dilation=1, groups=1):
    """Cross-correlation; ``padding`` is an int, a tuple or a list of (lo, hi) pairs."""
    nd = x.ndim - 2
    st = (stride,) * nd if isinstance(stride, int) else stride
    dl = (dilation,) * nd if isinstance(dilation, int) else dilation
    if isinstance(padding, int):
        pads = [(padding, padding)] * nd
    elif isinstance(padding[0], int):
        pads = [(p, p) for p in padding]
    else:
        pads = list(padding)
    xp = np.pad(x, [(0, 0), (0, 0)] + pads)
    n, _c = x.shape[:2]
    o, cg = w.shape[:2]
    k = w.shape[2:]
    og = o // groups
    out = [(xp.shape[2 + i] - dl[i] * (k[i] - 1) - 1) // st[i] + 1 for i in range(nd)]
    y = np.zeros((n, o, *out))
    for b_, oc in itertools.product(range(n), range(o)):
        g = oc // og
        for pos in itertools.product(*[range(v) for v in out]):
            acc = 0.0 if b is None else b[oc]
            for ci in range(cg):
                for kk in itertools.product(*[range(v) for v in k]):
                    idx = tuple(pos[i] * st[i] + kk[i] * dl[i] for i in range(nd))
                    acc += w[(oc, ci) + kk] * xp[(b_, g * cg + ci) + idx]
            y[(b_, oc) + pos] = acc
    return y


def ref_conv_transpose(x, w, b=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """Scatter every input element through the kernel, then crop the padding."""
    nd = x.ndim - 2
    tup = lambda v: (v,) * nd if isinstance(v, int) else tuple(v)  # noqa: E731
    st, pd, op, dl = tup(stride), tup(padding), tup(output_padding), tup(dilation)
    n, cin = x.shape[:2]
    cin_g, og = cin // groups, w.shape[1]
    k = w.shape[2:]
    full = [(x.shape[2 + i] - 1) * st[i] + dl[i] * (k[i] - 1) + 1 + op[i] for i in range(nd)]
    buf = np.zeros((n, og * groups, *full))
    for b_, ci in itertools.product(range(n), range(cin)):
        g = ci // cin_g
        for pos in itertools.product(*[range(v) for v in x.shape[2:]]):
            for oc in range(og):
                for kk in itertools.product(*[range(v) for v in k]):
                    idx = tuple(pos[i] * st[i] + kk[i] * dl[i] for i in range(nd))
                    buf[(b_, g * og + oc) + idx] += x[(b_, ci) + pos] * w[(ci, oc) + kk]
    crop = tuple(slice(pd[i], full[i] - pd[i]) for i in range(nd))
    y = buf[(slice(None), slice(None)) + crop]
    if b is not None:
        y = y + b.reshape((-1,) + (1,) * nd)
    return y


# -- forward against the references -------------------------------------------------------------
CONV_CASES = [
    # name, fn, x shape, w shape, kwargs
    ("1d_basic", F.conv1d, (2, 3, 7), (4, 3, 3), {}),
    ("1d_stride_pad_dil", F.conv1d, (2, 2, 9), (3, 2, 2), dict(stride=2, padding=2, dilation=3)),
    ("1d_groups", F.conv1d, (1, 4, 6), (6, 2, 3), dict(groups=2, padding=1)),
    ("1d_depthwise", F.conv1d, (2, 3, 5), (3, 1, 2), dict(groups=3)),
    ("2d_basic", F.conv2d, (2, 3, 5, 4), (4, 3, 3, 2), {}),
    ("2d_asym", F.conv2d, (2, 4, 7, 6), (6, 2, 3, 2), dict(stride=(2, 1), padding=(1, 2), dilation=(1, 2), groups=2)),
    ("2d_1x1", F.conv2d, (1, 3, 3, 3), (2, 3, 1, 1), dict(stride=2)),
    ("3d_basic", F.conv3d, (1, 2, 4, 3, 4), (3, 2, 2, 2, 3), dict(padding=(1, 0, 1))),
    ("3d_groups_stride", F.conv3d, (2, 4, 4, 5, 3), (2, 2, 2, 3, 1),
     dict(groups=2, stride=(1, 2, 2), dilation=(2, 1, 1))),
]


@pytest.mark.parametrize("name,fn,xs,ws,kw", CONV_CASES, ids=[c[0] for c in CONV_CASES])
@pytest.mark.parametrize("bias", [True, False])
def test_conv_forward_float64(name, fn, xs, ws, kw, bias):
    x, w = rand(*xs, seed=1), rand(*ws, seed=2)
    b = rand(ws[0], seed=3) if bias else None
    out = fn(T(x), T(w), None if b is None else T(b), **kw)
    assert out.dtype == lucid.float64
    np.testing.assert_allclose(out.numpy(), ref_conv(x, w, b, **kw), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name,fn,xs,ws,kw", CONV_CASES, ids=[c[0] for c in CONV_CASES])
def test_conv_forward_float32(name, fn, xs, ws, kw):
    # float32 runs MLX's own convolution kernels
    x, w, b = rand(*xs, seed=1), rand(*ws, seed=2), rand(ws[0], seed=3)
    out = fn(T(x.astype(np.float32)), T(w.astype(np.float32)), T(b.astype(np.float32)), **kw)
    assert out.dtype == lucid.float32
    np.testing.assert_allclose(out.numpy(), ref_conv(x, w, b, **kw), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("name,fn,xs,ws,kw", CONV_CASES, ids=[c[0] for c in CONV_CASES])
def test_conv_grad_float64(name, fn, xs, ws, kw):
    x, w, b = rand(*xs, seed=1), rand(*ws, seed=2), rand(ws[0], seed=3)
    check_grad(lambda x_, w_, b_: fn(x_, w_, b_, **kw), [x, w, b])


@pytest.mark.parametrize("name,fn,xs,ws,kw", CONV_CASES[:6], ids=[c[0] for c in CONV_CASES[:6]])
def test_conv_grad_float32_matches_float64(name, fn, xs, ws, kw):
    """The float32 path (MLX's kernels and their VJPs) agrees with the exact float64 path."""
    x, w, b = rand(*xs, seed=1), rand(*ws, seed=2), rand(ws[0], seed=3)
    g = rand(*fn(T(x), T(w), T(b), **kw).shape, seed=4)
    grads = {}
    for dt in (np.float64, np.float32):
        ts = [T(a.astype(dt), grad=True) for a in (x, w, b)]
        fn(*ts, **kw).backward(T(g.astype(dt)))
        grads[dt] = [t.grad.numpy() for t in ts]
    for a, e in zip(grads[np.float32], grads[np.float64]):
        np.testing.assert_allclose(a, e, rtol=1e-4, atol=1e-5)


TCONV_CASES = [
    ("1d_basic", F.conv_transpose1d, (2, 3, 4), (3, 2, 3), {}),
    ("1d_stride_outpad", F.conv_transpose1d, (1, 2, 3), (2, 3, 3), dict(stride=3, padding=1, output_padding=2)),
    ("1d_dilation_groups", F.conv_transpose1d, (2, 4, 3), (4, 1, 2), dict(groups=2, dilation=2, stride=2)),
    ("2d_asym", F.conv_transpose2d, (2, 4, 3, 2), (4, 3, 3, 2),
     dict(stride=(2, 3), padding=(1, 0), output_padding=(1, 2), groups=2)),
    ("2d_dilated", F.conv_transpose2d, (1, 2, 3, 3), (2, 2, 2, 2), dict(stride=2, dilation=(2, 1), padding=1)),
    ("3d_basic", F.conv_transpose3d, (1, 2, 2, 3, 2), (2, 2, 2, 2, 2), dict(stride=(2, 1, 2), padding=(0, 1, 0))),
    ("3d_groups", F.conv_transpose3d, (1, 4, 2, 2, 2), (4, 1, 2, 1, 2), dict(groups=2, stride=2, output_padding=1)),
]


@pytest.mark.parametrize("name,fn,xs,ws,kw", TCONV_CASES, ids=[c[0] for c in TCONV_CASES])
@pytest.mark.parametrize("dtype,tol", [(np.float64, 1e-12), (np.float32, 1e-5)], ids=["f64", "f32"])
def test_conv_transpose_forward(name, fn, xs, ws, kw, dtype, tol):
    x, w = rand(*xs, seed=5), rand(*ws, seed=6)
    groups = kw.get("groups", 1)
    b = rand(ws[1] * groups, seed=7)
    out = fn(T(x.astype(dtype)), T(w.astype(dtype)), T(b.astype(dtype)), **kw)
    np.testing.assert_allclose(out.numpy(), ref_conv_transpose(x, w, b, **kw), rtol=tol, atol=tol)


@pytest.mark.parametrize("name,fn,xs,ws,kw", TCONV_CASES, ids=[c[0] for c in TCONV_CASES])
def test_conv_transpose_grad(name, fn, xs, ws, kw):
    x, w = rand(*xs, seed=5), rand(*ws, seed=6)
    b = rand(ws[1] * kw.get("groups", 1), seed=7)
    check_grad(lambda x_, w_, b_: fn(x_, w_, b_, **kw), [x, w, b])


def test_conv_transpose_is_adjoint_of_conv():
    x, w = rand(2, 4, 7, 6, seed=1), rand(6, 2, 3, 2, seed=2)
    kw = dict(stride=(2, 3), padding=(1, 1), dilation=(1, 2), groups=2)
    y = F.conv2d(T(x), T(w), **kw)
    z = rand(*y.shape, seed=3)
    xt = F.conv_transpose2d(T(z), T(w), output_padding=(0, 2), **kw)
    assert xt.shape == x.shape
    np.testing.assert_allclose(np.sum(y.numpy() * z), np.sum(x * xt.numpy()), rtol=1e-12)


# -- padding strings, unbatched and special shapes ---------------------------------------------
@pytest.mark.parametrize("k,d", [(3, 1), (4, 1), (2, 3), (5, 2)])
def test_padding_same_keeps_size_and_pads_right_more(k, d):
    x, w = rand(1, 2, 9, seed=1), rand(3, 2, k, seed=2)
    out = F.conv1d(T(x), T(w), padding="same", dilation=d)
    total = d * (k - 1)
    np.testing.assert_allclose(out.numpy(), ref_conv(x, w, padding=[(total // 2, total - total // 2)], dilation=d),
                               atol=1e-12)
    check_grad(lambda a, b: F.conv1d(a, b, padding="same", dilation=d), [x, w])


def test_padding_valid_and_same_2d():
    x, w = rand(1, 1, 5, 6, seed=1), rand(2, 1, 2, 3, seed=2)
    assert F.conv2d(T(x), T(w), padding="valid").shape == (1, 2, 4, 4)
    assert F.conv2d(T(x), T(w), padding="same").shape == (1, 2, 5, 6)


def test_unbatched_input():
    x, w, b = rand(3, 6, 5, seed=1), rand(4, 3, 3, 3, seed=2), rand(4, seed=3)
    out = F.conv2d(T(x), T(w), T(b), padding=1)
    np.testing.assert_allclose(out.numpy(), ref_conv(x[None], w, b, padding=1)[0], atol=1e-12)
    check_grad(lambda a, k, c: F.conv2d(a, k, c, padding=1), [x, w, b])
    xt = rand(3, 4, seed=4)
    wt = rand(3, 2, 2, seed=5)
    out = F.conv_transpose1d(T(xt), T(wt), stride=2)
    np.testing.assert_allclose(out.numpy(), ref_conv_transpose(xt[None], wt, stride=2)[0], atol=1e-12)
    check_grad(lambda a, k: F.conv_transpose1d(a, k, stride=2), [xt, wt])


def test_empty_batch():
    out = F.conv2d(lucid.zeros(0, 3, 5, 5), lucid.ones(2, 3, 3, 3))
    assert out.shape == (0, 2, 3, 3)
    out = F.conv2d(lucid.zeros(0, 3, 5, 5, dtype=lucid.float64), lucid.ones(2, 3, 3, 3, dtype=lucid.float64))
    assert out.shape == (0, 2, 3, 3)
    assert F.conv_transpose2d(lucid.zeros(0, 3, 2, 2), lucid.ones(3, 2, 3, 3)).shape == (0, 2, 4, 4)


@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "float32"])
def test_dtype_preserved(dtype):
    dt = getattr(lucid, dtype)
    x = lucid.ones(1, 2, 5, 5, dtype=dt, requires_grad=True)
    w = lucid.ones(3, 2, 3, 3, dtype=dt, requires_grad=True)
    b = lucid.zeros(3, dtype=dt, requires_grad=True)
    y = F.conv2d(x, w, b, padding=1)
    assert y.dtype == dt
    assert y.numpy()[0, 0, 2, 2] == 18.0
    y.sum().backward()
    assert x.grad.dtype == dt and w.grad.dtype == dt and b.grad.dtype == dt
    yt = F.conv_transpose2d(x, lucid.ones(2, 3, 2, 2, dtype=dt), stride=2)
    assert yt.dtype == dt and yt.shape == (1, 3, 10, 10)


def test_bias_gradient_is_sum_over_batch_and_space():
    x = T(rand(2, 3, 4, 4, seed=1), grad=True)
    w = T(rand(5, 3, 3, 3, seed=2), grad=True)
    b = T(rand(5, seed=3), grad=True)
    g = rand(2, 5, 2, 2, seed=4)
    F.conv2d(x, w, b).backward(T(g))
    np.testing.assert_allclose(b.grad.numpy(), g.sum(axis=(0, 2, 3)), atol=1e-12)


# -- errors --------------------------------------------------------------------------------------
def test_functional_errors():
    x, w = lucid.ones(2, 3, 8, 8), lucid.ones(4, 3, 3, 3)
    with pytest.raises(ValueError, match="expected input with 3 channels"):
        F.conv2d(lucid.ones(2, 4, 8, 8), w)
    with pytest.raises(ValueError, match="weight must be 4-D"):
        F.conv2d(x, lucid.ones(4, 3, 3))
    with pytest.raises(ValueError, match=r"expected input of shape \(N, C, H, W\)"):
        F.conv2d(lucid.ones(8, 8), w)
    with pytest.raises(TypeError, match="input must be a lucid Tensor"):
        F.conv2d(np.ones((2, 3, 8, 8)), w)
    with pytest.raises(TypeError, match="dtype"):
        F.conv2d(x.to(lucid.float16), w)
    with pytest.raises(ValueError, match="strided"):
        F.conv2d(x, w, stride=2, padding="same")
    with pytest.raises(ValueError, match="padding must be"):
        F.conv2d(x, w, padding="full")
    with pytest.raises(ValueError, match="smaller than the"):
        F.conv2d(lucid.ones(1, 3, 2, 2), w)
    with pytest.raises(ValueError, match="bias must have shape"):
        F.conv2d(x, w, lucid.ones(3))
    with pytest.raises(ValueError, match="divisible by groups"):
        F.conv2d(lucid.ones(1, 6, 5, 5), lucid.ones(3, 3, 3, 3), groups=2)
    with pytest.raises(TypeError, match="stride"):
        F.conv2d(x, w, stride=1.5)
    with pytest.raises(ValueError, match="stride"):
        F.conv2d(x, w, stride=(1, 2, 3))
    with pytest.raises(ValueError, match="stride must be >= 1"):
        F.conv2d(x, w, stride=0)
    with pytest.raises(ValueError, match="output_padding must be smaller"):
        F.conv_transpose2d(lucid.ones(1, 4, 3, 3), lucid.ones(4, 2, 3, 3), stride=2, output_padding=2)
    with pytest.raises(ValueError, match="string padding"):
        F.conv_transpose2d(lucid.ones(1, 4, 3, 3), lucid.ones(4, 2, 3, 3), padding="same")


# -- modules ---------------------------------------------------------------------------------------
def test_module_repr_matches_pytorch():
    assert repr(nn.Conv2d(3, 16, 3, padding=1)) == \
        "Conv2d(3, 16, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))"
    assert repr(nn.Conv1d(4, 8, 5, stride=2, dilation=2, groups=2, bias=False)) == \
        "Conv1d(4, 8, kernel_size=(5,), stride=(2,), dilation=(2,), groups=2, bias=False)"
    assert repr(nn.Conv3d(2, 2, (1, 3, 3), padding="same", padding_mode="reflect")) == \
        "Conv3d(2, 2, kernel_size=(1, 3, 3), stride=(1, 1, 1), padding=same, padding_mode=reflect)"
    assert repr(nn.ConvTranspose2d(16, 8, 3, stride=2, padding=1, output_padding=1)) == \
        "ConvTranspose2d(16, 8, kernel_size=(3, 3), stride=(2, 2), padding=(1, 1), output_padding=(1, 1))"


def test_module_parameters_shapes_and_state_dict():
    m = nn.Conv2d(4, 6, (3, 2), groups=2)
    assert m.weight.shape == (6, 2, 3, 2) and m.bias.shape == (6,)
    assert list(m.state_dict()) == ["weight", "bias"]
    t = nn.ConvTranspose2d(4, 6, 3, groups=2)
    assert t.weight.shape == (4, 3, 3, 3) and t.bias.shape == (6,)
    assert list(nn.Conv1d(2, 2, 1, bias=False).state_dict()) == ["weight"]


def test_module_default_init_bounds():
    """kaiming_uniform_(a=sqrt(5)) gives U(-1/sqrt(fan_in), 1/sqrt(fan_in)); the bias uses the same bound."""
    m = nn.Conv2d(8, 32, 3)
    bound = 1 / math.sqrt(8 * 9)
    w, b = m.weight.numpy(), m.bias.numpy()
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.8 * bound
    assert np.abs(b).max() <= bound
    assert abs(w.std() - bound / math.sqrt(3)) < 0.1 * bound
    t = nn.ConvTranspose2d(8, 4, 3, groups=2)  # fan_in from weight.shape[1] = 2
    assert np.abs(t.weight.numpy()).max() <= 1 / math.sqrt(2 * 9)
    assert nn.Conv2d(2, 2, 3, dtype=lucid.float64).weight.dtype == lucid.float64


def test_module_forward_matches_functional():
    m = nn.Conv2d(3, 4, 3, stride=2, padding=1)
    x = lucid.tensor(rand(2, 3, 7, 7, seed=1).astype(np.float32))
    ref = ref_conv(x.numpy().astype(np.float64), m.weight.numpy().astype(np.float64),
                   m.bias.numpy().astype(np.float64), stride=2, padding=1)
    np.testing.assert_allclose(m(x).numpy(), ref, rtol=1e-5, atol=1e-5)


def test_module_shape_error_message():
    m = nn.Conv2d(3, 16, 3)
    with pytest.raises(ValueError, match=r"^Conv2d expected input of shape \(N, 3, H, W\), got \(8, 4, 28, 28\)$"):
        m(lucid.ones(8, 4, 28, 28))
    with pytest.raises(ValueError, match=r"Conv1d expected input of shape \(N, 2, L\)"):
        nn.Conv1d(2, 2, 1)(lucid.ones(2, 2, 2, 2))
    with pytest.raises(TypeError):
        m(np.ones((1, 3, 5, 5)))


def test_module_constructor_errors():
    with pytest.raises(ValueError, match="divisible by groups"):
        nn.Conv2d(3, 6, 3, groups=2)
    with pytest.raises(ValueError, match="padding_mode"):
        nn.Conv2d(3, 6, 3, padding_mode="mirror")
    with pytest.raises(ValueError, match="strided"):
        nn.Conv2d(3, 6, 3, stride=2, padding="same")
    with pytest.raises(TypeError, match="in_channels"):
        nn.Conv2d(3.0, 6, 3)


@pytest.mark.parametrize("mode,np_mode", [("reflect", "reflect"), ("replicate", "edge"), ("circular", "wrap")])
def test_padding_modes(mode, np_mode):
    m = nn.Conv2d(2, 3, 3, padding=(1, 2), padding_mode=mode, dtype=lucid.float64)
    x = rand(1, 2, 5, 6, seed=1)
    xp = np.pad(x, [(0, 0), (0, 0), (1, 1), (2, 2)], mode=np_mode)
    ref = ref_conv(xp, m.weight.numpy(), m.bias.numpy())
    np.testing.assert_allclose(m(T(x)).numpy(), ref, atol=1e-12)
    check_grad(lambda a: m(a), [x])


def test_padding_mode_with_same():
    m = nn.Conv1d(1, 1, 4, padding="same", padding_mode="replicate", bias=False, dtype=lucid.float64)
    x = rand(1, 1, 6, seed=1)
    ref = ref_conv(np.pad(x, [(0, 0), (0, 0), (1, 2)], mode="edge"), m.weight.numpy())
    np.testing.assert_allclose(m(T(x)).numpy(), ref, atol=1e-12)


def test_conv_transpose_output_size():
    m = nn.ConvTranspose2d(2, 3, 3, stride=2, padding=1)
    x = lucid.ones(1, 2, 4, 4)
    assert m(x).shape == (1, 3, 7, 7)
    assert m(x, output_size=(8, 8)).shape == (1, 3, 8, 8)
    assert m(x, output_size=[1, 3, 8, 7]).shape == (1, 3, 8, 7)
    with pytest.raises(ValueError, match="not reachable"):
        m(x, output_size=(9, 9))


def test_module_backward_reaches_parameters():
    m = nn.Conv1d(2, 3, 3, dtype=lucid.float64)
    x = rand(2, 2, 6, seed=1)
    check_grad(lambda a, w, b: F.conv1d(a, w, b), [x, m.weight.numpy(), m.bias.numpy()])
    y = m(T(x))
    y.sum().backward()
    assert m.weight.grad.shape == m.weight.shape and m.bias.grad.shape == (3,)


# -- channels-last memory: inputs and upstream gradients as channels-first views ------------------
@pytest.mark.parametrize("name,fn,xs,ws,kw", CONV_CASES + TCONV_CASES,
                         ids=[c[0] for c in CONV_CASES] + ["t" + c[0] for c in TCONV_CASES])
@pytest.mark.parametrize("x_cl,g_cl", [(False, False), (True, True), (True, False), (False, True)])
def test_conv_float32_any_memory_layout_matches_float64(name, fn, xs, ws, kw, x_cl, g_cl):
    x, w = rand(*xs, seed=1), rand(*ws, seed=2)
    nb = ws[1] * kw.get("groups", 1) if fn in (F.conv_transpose1d, F.conv_transpose2d, F.conv_transpose3d) else ws[0]
    b = rand(nb, seed=3)
    ts64 = [T(a, grad=True) for a in (x, w, b)]
    y64 = fn(*ts64, **kw)
    up = rand(*y64.shape, seed=4)
    y64.backward(T(up))
    xt = channels_last_view(x) if x_cl else T(x.astype(np.float32))
    ts32 = [xt.requires_grad_(), T(w.astype(np.float32), grad=True), T(b.astype(np.float32), grad=True)]
    y32 = fn(*ts32, **kw)
    np.testing.assert_allclose(y32.numpy(), y64.numpy(), rtol=1e-4, atol=1e-5)
    y32.backward(channels_last_view(up) if g_cl else T(up.astype(np.float32)))
    for t32, t64 in zip(ts32, ts64):
        np.testing.assert_allclose(t32.grad.numpy(), t64.grad.numpy(), rtol=1e-4, atol=1e-5)


def test_conv_weight_gradient_only():
    # the first layer of a network: its input needs no gradient
    x, w, b = rand(2, 3, 6, 6, seed=1), rand(4, 3, 3, 3, seed=2), rand(4, seed=3)
    ref_w, ref_b = T(w, grad=True), T(b, grad=True)
    xt = T(x, grad=True)
    F.conv2d(xt, ref_w, ref_b, padding=1).sum().backward()
    wt, bt = T(w.astype(np.float32), grad=True), T(b.astype(np.float32), grad=True)
    F.conv2d(T(x.astype(np.float32)), wt, bt, padding=1).sum().backward()
    np.testing.assert_allclose(wt.grad.numpy(), ref_w.grad.numpy(), rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(bt.grad.numpy(), ref_b.grad.numpy(), rtol=1e-5)


def test_conv_output_views_behave_like_arrays():
    x, w = rand(2, 3, 5, 5, seed=1), rand(4, 3, 3, 3, seed=2)
    y32 = F.conv2d(T(x.astype(np.float32)), T(w.astype(np.float32)), padding=1)
    ref = ref_conv(x, w, None, padding=1)
    np.testing.assert_allclose(y32.reshape(2, -1).numpy(), ref.reshape(2, -1), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(y32[:, 1].numpy(), ref[:, 1], rtol=1e-5, atol=1e-5)
