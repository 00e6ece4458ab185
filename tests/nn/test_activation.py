import math

import numpy as np
import pytest

import lucid
import lucid.nn as nn
import lucid.nn.functional as F
from tests.helpers import OpCase, channels_last_view, check_dtype_preserved, check_grad, rand, run_case, to_tensor

_erf = np.vectorize(math.erf)
SELU_A, SELU_S = 1.6732632423543772848170429916717, 1.0507009873554804934193349852946


def _sig(x):
    return 1 / (1 + np.exp(-x))


def _softplus(x):
    return np.logaddexp(x, 0.0)


def _softmax(x, axis=-1):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _log_softmax(x, axis=-1):
    m = x.max(axis=axis, keepdims=True)
    return x - m - np.log(np.exp(x - m).sum(axis=axis, keepdims=True))


A = rand(3, 4, seed=1, low=-2, high=2)
WIDE = rand(3, 4, seed=2, low=-5, high=8)
S = rand(seed=3)  # 0-d
EMPTY = rand(0, 4)
ONES = rand(1, 1, 3, seed=4)
X4 = rand(2, 3, 2, 2, seed=5)

CASES = [
    OpCase("relu", F.relu, lambda x: np.maximum(x, 0), [A]),
    OpCase("relu_0d", F.relu, lambda x: np.maximum(x, 0), [S]),
    OpCase("relu_empty", F.relu, lambda x: np.maximum(x, 0), [EMPTY]),
    OpCase("relu6", F.relu6, lambda x: np.clip(x, 0, 6), [WIDE]),
    OpCase("hardtanh", F.hardtanh, lambda x: np.clip(x, -1, 1), [A]),
    OpCase("hardtanh_bounds", lambda x: F.hardtanh(x, -0.5, 2.0), lambda x: np.clip(x, -0.5, 2.0), [A]),
    OpCase("leaky_relu", lambda x: F.leaky_relu(x, 0.1), lambda x: np.where(x > 0, x, 0.1 * x), [A]),
    OpCase("leaky_relu_negative_slope", lambda x: F.leaky_relu(x, -0.3), lambda x: np.where(x > 0, x, -0.3 * x),
           [A]),
    OpCase("elu", lambda x: F.elu(x, 0.7), lambda x: np.where(x > 0, x, 0.7 * np.expm1(x)), [A]),
    OpCase("elu_negative_alpha", lambda x: F.elu(x, -0.5), lambda x: np.where(x > 0, x, -0.5 * np.expm1(x)), [A]),
    OpCase("selu", F.selu, lambda x: SELU_S * np.where(x > 0, x, SELU_A * np.expm1(x)), [A]),
    OpCase("celu", lambda x: F.celu(x, 1.5),
           lambda x: np.maximum(0, x) + np.minimum(0, 1.5 * np.expm1(x / 1.5)), [A]),
    OpCase("celu_negative_alpha", lambda x: F.celu(x, -2.0),
           lambda x: np.maximum(0, x) + np.minimum(0, -2.0 * np.expm1(x / -2.0)), [A]),
    # MLX's float64 erf is only float32-accurate, so a wider finite-difference step.
    OpCase("gelu", F.gelu, lambda x: 0.5 * x * (1 + _erf(x / math.sqrt(2))), [A], atol=1e-6, eps=1e-3,
           grad_atol=5e-4, grad_rtol=1e-3),
    OpCase("gelu_tanh", lambda x: F.gelu(x, approximate="tanh"),
           lambda x: 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3))), [A]),
    OpCase("silu", F.silu, lambda x: x * _sig(x), [A]),
    OpCase("swish", F.swish, lambda x: x * _sig(x), [S]),
    OpCase("mish", F.mish, lambda x: x * np.tanh(_softplus(x)), [WIDE]),
    OpCase("sigmoid", F.sigmoid, _sig, [WIDE]),
    OpCase("tanh", F.tanh, np.tanh, [A]),
    OpCase("logsigmoid", F.logsigmoid, lambda x: -_softplus(-x), [WIDE]),
    OpCase("softplus", F.softplus, _softplus, [WIDE]),
    OpCase("softplus_beta_threshold", lambda x: F.softplus(x, beta=2.0, threshold=6.0),
           lambda x: np.where(2 * x > 6, x, _softplus(2 * x) / 2), [WIDE]),
    OpCase("softsign", F.softsign, lambda x: x / (1 + np.abs(x)), [A]),
    OpCase("hardsigmoid", F.hardsigmoid, lambda x: np.clip(x + 3, 0, 6) / 6, [WIDE]),
    OpCase("hardswish", F.hardswish, lambda x: x * np.clip(x + 3, 0, 6) / 6, [WIDE]),
    OpCase("prelu_shared", lambda x, w: F.prelu(x, w), lambda x, w: np.where(x > 0, x, w * x),
           [X4, np.array([0.3])]),
    OpCase("prelu_channels", lambda x, w: F.prelu(x, w),
           lambda x, w: np.where(x > 0, x, w.reshape(1, 3, 1, 1) * x), [X4, rand(3, seed=6)]),
    OpCase("prelu_2d", lambda x, w: F.prelu(x, w), lambda x, w: np.where(x > 0, x, w * x), [A, rand(4, seed=7)]),
    OpCase("softmax_last", lambda x: F.softmax(x, dim=-1), lambda x: _softmax(x, -1), [A]),
    OpCase("softmax_dim0", lambda x: F.softmax(x, dim=0), lambda x: _softmax(x, 0), [A]),
    OpCase("softmax_axis_kw", lambda x: F.softmax(x, axis=1), lambda x: _softmax(x, 1), [X4]),
    OpCase("softmax_size1", lambda x: F.softmax(x, dim=1), lambda x: _softmax(x, 1), [ONES]),
    OpCase("softmax_0d", lambda x: F.softmax(x, dim=0), lambda x: np.ones_like(x), [S]),
    OpCase("softmax_empty", lambda x: F.softmax(x, dim=1), lambda x: x, [EMPTY]),
    OpCase("log_softmax", lambda x: F.log_softmax(x, dim=1), lambda x: _log_softmax(x, 1), [A]),
    OpCase("log_softmax_neg_dim", lambda x: F.log_softmax(x, dim=-3), lambda x: _log_softmax(x, 1), [X4]),
    OpCase("log_softmax_0d", lambda x: F.log_softmax(x, dim=-1), lambda x: np.zeros_like(x), [S]),
    OpCase("softmin", lambda x: F.softmin(x, dim=1), lambda x: _softmax(-x, 1), [A]),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_activation(case):
    run_case(case)


ELEMENTWISE = [F.relu, F.relu6, F.hardtanh, F.leaky_relu, F.elu, F.selu, F.celu, F.gelu,
               lambda x: F.gelu(x, approximate="tanh"), F.silu, F.mish, F.sigmoid, F.tanh, F.logsigmoid, F.softplus,
               F.softsign, F.hardsigmoid, F.hardswish, lambda x: F.softmax(x, dim=-1),
               lambda x: F.log_softmax(x, dim=-1), lambda x: F.softmin(x, dim=0),
               lambda x: F.prelu(x, lucid.tensor([0.25], dtype=x.dtype))]


@pytest.mark.parametrize("fn", ELEMENTWISE)
def test_dtype_preserved(fn):
    check_dtype_preserved(fn, shape=(2, 3))


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
def test_low_precision_gradient_dtype(dtype):
    x = lucid.tensor([[-1.0, 0.5, 2.0]], dtype=getattr(lucid, dtype), requires_grad=True)
    (F.gelu(x) + F.softmax(x, dim=1) + F.silu(x)).sum().backward()
    assert x.grad.dtype == getattr(lucid, dtype)
    assert np.isfinite(x.grad.numpy()).all()


def _grad_at(fn, values):
    x = lucid.tensor(values, dtype=lucid.float64, requires_grad=True)
    fn(x).sum().backward()
    return x.grad.tolist()


def test_kink_conventions():
    assert _grad_at(F.relu, [0.0, -1.0, 1.0]) == [0.0, 0.0, 1.0]
    assert _grad_at(lambda x: F.leaky_relu(x, 0.2), [0.0]) == [0.2]
    assert _grad_at(F.relu6, [0.0, 6.0, 3.0]) == [0.0, 0.0, 1.0]
    assert _grad_at(F.hardtanh, [-1.0, 1.0, 0.0]) == [0.0, 0.0, 1.0]
    assert _grad_at(F.hardsigmoid, [-3.0, 3.0, 0.0]) == pytest.approx([0.0, 0.0, 1 / 6])
    assert _grad_at(F.hardswish, [-3.0, 3.0, -4.0, 4.0]) == pytest.approx([-0.5, 1.5, 0.0, 1.0])
    assert _grad_at(lambda x: F.elu(x, 0.5), [0.0]) == pytest.approx([0.5])
    assert _grad_at(lambda x: F.prelu(x, lucid.tensor([0.3], dtype=lucid.float64)), [0.0]) == pytest.approx([0.3])


def test_relu_nan_propagates():
    out = F.relu(lucid.tensor([float("nan"), -1.0]))
    assert math.isnan(out.tolist()[0])


def test_softmax_stable_for_large_logits():
    x = np.array([[1e4, 0.0, -1e4], [1e4, 1e4, 1e4 - 1.0]], dtype=np.float32)
    t = lucid.tensor(x, requires_grad=True)
    s = F.softmax(t, dim=1)
    ls = F.log_softmax(t, dim=1)
    np.testing.assert_allclose(s.numpy(), _softmax(x.astype(np.float64), 1), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(ls.numpy(), _log_softmax(x.astype(np.float64), 1), rtol=1e-5, atol=1e-3)
    (s.sum() + ls[:, 1].sum()).backward()
    assert np.isfinite(t.grad.numpy()).all()


def test_softmax_stable_float16():
    x = lucid.tensor([[1e4, 0.0, 1e4]], dtype=lucid.float16)
    out = F.softmax(x, dim=-1)
    assert out.dtype == lucid.float16
    np.testing.assert_allclose(out.numpy(), [[0.5, 0.0, 0.5]])


def test_softmax_against_composition():
    x = rand(4, 5, seed=9, low=-3, high=3)
    up = rand(4, 5, seed=10)
    a = to_tensor(x, requires_grad=True)
    b = to_tensor(x, requires_grad=True)
    fused = F.softmax(a, dim=1)
    e = b.exp()
    comp = e / e.sum(dim=1, keepdim=True)
    # MLX's float64 exp (behind lucid.exp) is only float32-accurate, hence the tolerances.
    np.testing.assert_allclose(fused.numpy(), comp.numpy(), rtol=1e-6, atol=1e-7)
    (fused * to_tensor(up)).sum().backward()
    (comp * to_tensor(up)).sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-6, atol=1e-7)


def test_log_softmax_against_composition():
    x = rand(3, 6, seed=11, low=-3, high=3)
    up = rand(3, 6, seed=12)
    a = to_tensor(x, requires_grad=True)
    b = to_tensor(x, requires_grad=True)
    fused = F.log_softmax(a, dim=-1)
    comp = b - b.exp().sum(dim=-1, keepdim=True).log()
    # MLX's float64 exp (behind lucid.exp) is only float32-accurate, hence the tolerances.
    np.testing.assert_allclose(fused.numpy(), comp.numpy(), rtol=1e-6, atol=1e-7)
    (fused * to_tensor(up)).sum().backward()
    (comp * to_tensor(up)).sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-6, atol=1e-7)


def test_softmax_dtype_argument_and_default_dim():
    x = lucid.tensor([[0.0, 1.0]], dtype=lucid.float16)
    assert F.softmax(x, dim=1, dtype=lucid.float32).dtype == lucid.float32
    np.testing.assert_allclose(F.softmax(lucid.tensor([[0.0, 0.0]])).numpy(), [[0.5, 0.5]])
    with pytest.raises(TypeError, match="not both"):
        F.softmax(x, dim=1, axis=1)
    with pytest.raises(ValueError, match="out of range"):
        F.softmax(x, dim=2)


def test_inplace_binds_result_to_input():
    x = lucid.tensor([-1.0, 2.0], requires_grad=True)
    h = x * 3
    before = h._version
    out = F.relu(h, inplace=True)
    assert out is h and h._version == before + 1
    assert h.tolist() == [0.0, 6.0]
    out.sum().backward()
    assert x.grad.tolist() == [0.0, 3.0]


@pytest.mark.parametrize("fn", [F.silu, F.mish, F.hardswish, F.hardsigmoid, F.elu, F.selu, F.celu,
                                lambda x, inplace: F.leaky_relu(x, 0.1, inplace)])
def test_inplace_trains(fn):
    x = to_tensor(rand(5, seed=13, low=-2, high=2), requires_grad=True)
    up = to_tensor(rand(5, seed=14))
    h = x * 1.0
    (fn(h, inplace=True) * up).sum().backward()
    g_inplace = x.grad.numpy()
    x.grad = None
    (fn(x * 1.0, inplace=False) * up).sum().backward()
    np.testing.assert_allclose(g_inplace, x.grad.numpy(), rtol=1e-12)


def test_inplace_on_leaf_requiring_grad_raises():
    x = lucid.tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="in-place"):
        F.relu(x, inplace=True)


def test_bad_arguments():
    x = lucid.tensor([1.0])
    with pytest.raises(ValueError, match="approximate"):
        F.gelu(x, approximate="fast")
    with pytest.raises(ValueError, match="max_val"):
        F.hardtanh(x, 1.0, -1.0)
    with pytest.raises(ValueError, match="alpha"):
        F.celu(x, 0.0)
    with pytest.raises(TypeError, match="Tensor"):
        F.relu([1.0, 2.0])
    with pytest.raises(TypeError, match="negative_slope"):
        F.leaky_relu(x, "0.1")
    with pytest.raises(ValueError, match="channels"):
        F.prelu(lucid.ones(2, 3), lucid.ones(4))
    with pytest.raises(ValueError, match="inplace"):
        F.leaky_relu(x * 1, -0.1, inplace=True)


# -- modules ----------------------------------------------------------------------

def test_module_reprs():
    assert repr(nn.ReLU()) == "ReLU()"
    assert repr(nn.ReLU(inplace=True)) == "ReLU(inplace=True)"
    assert repr(nn.ReLU6()) == "ReLU6()"
    assert repr(nn.LeakyReLU()) == "LeakyReLU(negative_slope=0.01)"
    assert repr(nn.LeakyReLU(0.2, inplace=True)) == "LeakyReLU(negative_slope=0.2, inplace=True)"
    assert repr(nn.PReLU(3)) == "PReLU(num_parameters=3)"
    assert repr(nn.ELU()) == "ELU(alpha=1.0)"
    assert repr(nn.GELU()) == "GELU(approximate='none')"
    assert repr(nn.Softplus()) == "Softplus(beta=1.0, threshold=20.0)"
    assert repr(nn.Hardtanh()) == "Hardtanh(min_val=-1.0, max_val=1.0)"
    assert repr(nn.Softmax(dim=1)) == "Softmax(dim=1)"
    assert repr(nn.LogSoftmax(dim=-1)) == "LogSoftmax(dim=-1)"
    assert repr(nn.Sigmoid()) == "Sigmoid()"
    assert nn.Swish is nn.SiLU


@pytest.mark.parametrize("module, fn", [
    (nn.ReLU(), F.relu), (nn.ReLU6(), F.relu6), (nn.LeakyReLU(0.2), lambda x: F.leaky_relu(x, 0.2)),
    (nn.ELU(0.5), lambda x: F.elu(x, 0.5)), (nn.SELU(), F.selu), (nn.CELU(2.0), lambda x: F.celu(x, 2.0)),
    (nn.GELU("tanh"), lambda x: F.gelu(x, "tanh")), (nn.SiLU(), F.silu), (nn.Mish(), F.mish),
    (nn.Sigmoid(), F.sigmoid), (nn.Tanh(), F.tanh), (nn.LogSigmoid(), F.logsigmoid),
    (nn.Softplus(2.0, 5.0), lambda x: F.softplus(x, 2.0, 5.0)), (nn.Softsign(), F.softsign),
    (nn.Hardsigmoid(), F.hardsigmoid), (nn.Hardswish(), F.hardswish),
    (nn.Hardtanh(-2, 2), lambda x: F.hardtanh(x, -2, 2)),
    (nn.Softmax(dim=0), lambda x: F.softmax(x, dim=0)), (nn.LogSoftmax(dim=1), lambda x: F.log_softmax(x, dim=1)),
    (nn.Softmin(dim=1), lambda x: F.softmin(x, dim=1)),
])
def test_modules_match_functional(module, fn):
    x = lucid.tensor(rand(3, 4, seed=15, low=-4, high=4).astype(np.float32))
    np.testing.assert_array_equal(module(x).numpy(), fn(x).numpy())
    assert list(module.state_dict()) == []


def test_prelu_module():
    m = nn.PReLU(3)
    assert list(m.state_dict()) == ["weight"]
    assert m.weight.tolist() == [0.25, 0.25, 0.25]
    x = to_tensor(rand(2, 3, 4, seed=16))
    m.double()
    check_grad(lambda inp, w: F.prelu(inp, w), [x.numpy(), np.array([0.1, -0.2, 0.3])])
    out = m(x)
    out.sum().backward()
    assert m.weight.grad.shape == (3,)
    with pytest.raises(ValueError, match="num_parameters"):
        nn.PReLU(0)
    half = nn.PReLU(3)(lucid.ones(2, 3, dtype=lucid.float16, requires_grad=True))
    assert half.dtype == lucid.float16


def test_gelu_module_rejects_bad_approximate():
    with pytest.raises(ValueError, match="approximate"):
        nn.GELU("exact")


# -- float32 (fused kernels) against float64, contiguous and channels-last memory ------------------
def _run(fn, x, up, dtype, cl, extra=()):
    import mlx.core as mx
    mdt = {"float32": mx.float32, "float64": mx.float64}[dtype]
    t = channels_last_view(x, mdt) if cl else lucid.tensor(x, dtype=getattr(lucid, dtype))
    t.requires_grad_()
    args = [lucid.tensor(e, dtype=getattr(lucid, dtype), requires_grad=True) for e in extra]
    y = fn(t, *args)
    g = channels_last_view(up, mdt) if cl else lucid.tensor(up, dtype=getattr(lucid, dtype))
    y.backward(g)
    return [y.numpy(), t.grad.numpy()] + [a.grad.numpy() for a in args]


FUSED = [
    ("relu", F.relu), ("relu6", F.relu6), ("hardtanh", lambda x: F.hardtanh(x, -0.5, 2.0)),
    ("leaky", lambda x: F.leaky_relu(x, 0.1)), ("leaky_negative", lambda x: F.leaky_relu(x, -0.3)),
    ("leaky_steep", lambda x: F.leaky_relu(x, 2.5)), ("elu", lambda x: F.elu(x, 0.7)),
    ("elu_negative_alpha", lambda x: F.elu(x, -0.5)), ("selu", F.selu), ("celu", lambda x: F.celu(x, 1.5)),
    ("celu_negative_alpha", lambda x: F.celu(x, -2.0)), ("gelu", F.gelu), ("gelu_tanh", lambda x: F.gelu(x, "tanh")),
    ("silu", F.silu), ("mish", F.mish), ("sigmoid", F.sigmoid), ("tanh", F.tanh), ("logsigmoid", F.logsigmoid),
    ("softplus", lambda x: F.softplus(x, 2.0, 3.0)), ("softsign", F.softsign), ("hardsigmoid", F.hardsigmoid),
    ("hardswish", F.hardswish), ("softmax", lambda x: F.softmax(x, dim=1)),
    ("log_softmax", lambda x: F.log_softmax(x, dim=1)),
]


@pytest.mark.parametrize("name,fn", FUSED, ids=[f[0] for f in FUSED])
@pytest.mark.parametrize("cl", [False, True], ids=["2d", "4d_channels_last"])
def test_float32_matches_float64(fuse_all, name, fn, cl):
    # float32 runs the fused (compiled) kernels, float64 the same maths op by op. A 4-D input with
    # channels-last memory (a convolution's output) reaches the kernels as contiguous arrays too.
    shape = (2, 3, 4, 5) if cl else (6, 20)
    x = rand(*shape, seed=21, low=-4, high=4)
    x.reshape(-1)[:3] = [0.0, -3.0, 3.0]  # kinks
    up = rand(*shape, seed=22)
    got = _run(fn, x, up, "float32", cl)
    ref = _run(fn, x, up, "float64", False)
    for a, b in zip(got, ref):
        np.testing.assert_allclose(a, b, rtol=2e-5, atol=2e-6)


@pytest.mark.parametrize("fn", [F.relu, F.gelu, lambda x: F.leaky_relu(x, 0.2)])
def test_float32_channels_first_memory(fuse_all, fn):
    # a 4-D input with channels-first memory: the kernels read strided views
    x, up = rand(2, 3, 4, 5, seed=26, low=-3, high=3), rand(2, 3, 4, 5, seed=27)
    for a, b in zip(_run(fn, x, up, "float32", False), _run(fn, x, up, "float64", False)):
        np.testing.assert_allclose(a, b, rtol=2e-5, atol=2e-6)


@pytest.mark.parametrize("cl", [False, True], ids=["channels_first", "channels_last"])
def test_prelu_float32_matches_float64(fuse_all, cl):
    x = rand(2, 3, 4, 5, seed=23, low=-2, high=2)
    up = rand(2, 3, 4, 5, seed=24)
    w = np.array([0.1, -0.2, 1.5])
    got = _run(F.prelu, x, up, "float32", cl, (w,))
    ref = _run(F.prelu, x, up, "float64", False, (w,))
    for a, b in zip(got, ref):
        np.testing.assert_allclose(a, b, rtol=2e-5, atol=2e-6)


def test_float32_kink_conventions(fuse_all):
    def grad32(fn, values):
        x = lucid.tensor(values, requires_grad=True)
        fn(x).sum().backward()
        return x.grad.tolist()
    assert grad32(F.relu, [0.0, -1.0, 1.0]) == [0.0, 0.0, 1.0]
    assert grad32(lambda x: F.leaky_relu(x, 0.25), [0.0, -2.0, 2.0]) == [0.25, 0.25, 1.0]
    assert grad32(F.relu6, [0.0, 6.0, 3.0]) == [0.0, 0.0, 1.0]
    assert grad32(F.hardsigmoid, [-3.0, 3.0]) == [0.0, 0.0]
    assert grad32(F.hardswish, [-3.0, 3.0, -4.0, 4.0]) == [-0.5, 1.5, 0.0, 1.0]
    y = F.leaky_relu(lucid.tensor([float("-inf"), float("inf"), float("nan")]), 0.5).tolist()
    assert y[:2] == [float("-inf"), float("inf")] and math.isnan(y[2])


@pytest.mark.parametrize("fn", [F.gelu, lambda x: F.gelu(x, "tanh"), F.silu, F.mish])
def test_saving_forward_matches_inference_forward(fuse_all, fn):
    # With a gradient to come the forward also returns the part the backward reuses.
    x = rand(3, 7, seed=25, low=-4, high=4).astype(np.float32)
    with_grad = fn(lucid.tensor(x, requires_grad=True)).numpy()
    without = fn(lucid.tensor(x)).numpy()
    np.testing.assert_array_equal(with_grad, without)
