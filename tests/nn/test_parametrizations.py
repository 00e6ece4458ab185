"""lucid.nn.utils.parametrizations: orthogonal, weight_norm and spectral_norm against NumPy/SciPy closed forms."""

import numpy as np
import pytest
import scipy.linalg as sl

import lucid
import lucid.nn as nn
from lucid.autograd import gradcheck
from lucid.func import functional_call, grad
from lucid.nn.util import parametrize
from lucid.nn.util.parametrizations import orthogonal, spectral_norm, weight_norm

KEY = "parametrizations.weight.original"


def _linear(n_in, n_out, seed=0, dtype=None, bias=True):
    lucid.random.seed(seed)
    return nn.Linear(n_in, n_out, bias=bias, dtype=dtype)


def _gram_error(W):
    G = W.T @ W if W.shape[0] >= W.shape[1] else W @ W.T
    return np.abs(G - np.eye(len(G))).max()


# -- orthogonal ------------------------------------------------------------------------------------
@pytest.mark.parametrize("omap", ["matrix_exp", "cayley", "householder"])
@pytest.mark.parametrize("shape", [(4, 4), (6, 3), (3, 6)])
def test_orthogonal_is_orthogonal_after_training_steps(omap, shape):
    layer = orthogonal(_linear(shape[1], shape[0]), orthogonal_map=omap)
    W0 = layer.weight.numpy()
    orig_before = layer.parametrizations.weight.original.numpy().copy()
    assert _gram_error(W0) < 1e-5
    opt = lucid.optim.SGD(layer.parameters(), lr=0.01)
    x = lucid.randn(8, shape[1])
    for _ in range(3):
        opt.zero_grad()
        (layer(x) ** 3).sum().backward()
        opt.step()
    orig = layer.parametrizations.weight.original
    assert 1e-3 < np.abs(orig.numpy() - orig_before).max() < 50  # the unconstrained tensor moved ...
    W = layer.weight.numpy()
    assert not np.allclose(W, W0, atol=1e-4)  # ... and so did the weight,
    assert _gram_error(W) < 2e-5  # which is still orthogonal


def test_orthogonal_keeps_an_orthogonal_weight_and_state_dict_keys():
    Q = np.linalg.qr(np.random.default_rng(0).standard_normal((5, 5)))[0].astype(np.float32)
    layer = _linear(5, 5)
    with lucid.no_grad():
        layer.weight.copy_(lucid.tensor(Q))
    orthogonal(layer)
    np.testing.assert_allclose(layer.weight.numpy(), Q, atol=1e-5)
    assert list(layer.state_dict()) == ["bias", KEY, "parametrizations.weight.0.base"]
    np.testing.assert_allclose(layer.parametrizations.weight.original.numpy(), -np.eye(5))
    # assigning a new orthogonal matrix resets the base
    Q2 = np.linalg.qr(np.random.default_rng(1).standard_normal((5, 5)))[0].astype(np.float32)
    layer.weight = lucid.tensor(Q2)
    np.testing.assert_allclose(layer.weight.numpy(), Q2, atol=1e-5)


def test_orthogonal_default_map():
    assert orthogonal(_linear(3, 3)).parametrizations.weight[0].orthogonal_map == "matrix_exp"
    assert orthogonal(_linear(3, 5)).parametrizations.weight[0].orthogonal_map == "householder"


def _skew(X):
    L = np.tril(X)
    return L - L.T


def test_matrix_exp_and_cayley_closed_forms_without_trivialization():
    X = np.random.default_rng(2).standard_normal((4, 4))
    for omap, ref in (("matrix_exp", sl.expm(_skew(X))),
                      ("cayley", np.linalg.solve(np.eye(4) - _skew(X) / 2, np.eye(4) + _skew(X) / 2))):
        layer = _linear(4, 4, dtype=lucid.float64)
        orthogonal(layer, orthogonal_map=omap, use_trivialization=False)
        assert list(layer.state_dict()) == ["bias", KEY]
        with lucid.no_grad():
            layer.parametrizations.weight.original.copy_(lucid.tensor(X))
        np.testing.assert_allclose(layer.weight.numpy(), ref, atol=1e-12)
        with pytest.raises(NotImplementedError, match="use_trivialization"):
            layer.weight = lucid.eye(4, dtype=lucid.float64)


def test_householder_closed_form_without_trivialization():
    rng = np.random.default_rng(3)
    X = rng.standard_normal((5, 3))
    X[np.diag_indices(3)] = [-1.0, 2.0, -0.5]
    layer = _linear(3, 5, dtype=lucid.float64)
    orthogonal(layer, orthogonal_map="householder", use_trivialization=False)
    with lucid.no_grad():
        layer.parametrizations.weight.original.copy_(lucid.tensor(X))
    Q = np.eye(5)
    for i in range(3):
        v = np.zeros(5)
        v[i] = 1.0
        v[i + 1:] = X[i + 1:, i]
        tau = 2.0 / (1.0 + (X[i + 1:, i] ** 2).sum())
        Q = Q @ (np.eye(5) - tau * np.outer(v, v))
    ref = Q[:, :3] * np.sign(np.diag(X))
    np.testing.assert_allclose(layer.weight.numpy(), ref, atol=1e-12)
    assert _gram_error(layer.weight.numpy()) < 1e-12


@pytest.mark.parametrize("omap", ["matrix_exp", "cayley", "householder"])
def test_orthogonal_gradient_reaches_original(omap):
    layer = _linear(3, 4, dtype=lucid.float64)
    orthogonal(layer, orthogonal_map=omap)
    x = lucid.tensor(np.random.default_rng(5).standard_normal((2, 3)))
    start = lucid.tensor(np.random.default_rng(6).standard_normal((4, 3)) * 0.3, requires_grad=True)
    assert gradcheck(lambda X: functional_call(layer, {KEY: X}, (x,)), [start], eps=1e-6, atol=1e-6, rtol=1e-4)


# NOTE: "matrix_exp" and "cayley" are left out: lucid.linalg.matrix_exp and solve cannot be
# differentiated by MLX's own transforms (a gather VJP inside MLX's solve); that all three maps read
# nothing on the host is covered by the lucid.compile test in test_nn_util_extras.py.
@pytest.mark.parametrize("omap", ["householder"])
def test_orthogonal_forward_is_lazy(omap):
    layer = orthogonal(_linear(3, 3), orthogonal_map=omap)
    x = lucid.randn(2, 3)
    g = grad(lambda X: functional_call(layer, {KEY: X}, (x,)).sum())(layer.parametrizations.weight.original)
    assert g.shape == (3, 3)


def test_orthogonal_errors():
    with pytest.raises(ValueError, match="matrix"):
        orthogonal(nn.Linear(3, 3), name="bias")
    with pytest.raises(ValueError, match="orthogonal_map"):
        orthogonal(nn.Linear(3, 3), orthogonal_map="qr")
    with pytest.raises(ValueError, match="no parameter or buffer named 'w'"):
        orthogonal(nn.Linear(3, 3), name="w")
    layer = orthogonal(nn.Linear(3, 3))
    with pytest.raises(ValueError, match="shape"):
        layer.weight = lucid.eye(2)


# -- weight_norm --------------------------------------------------------------------------------------
def _wn_ref(v, g, dim):
    if dim is None:
        return g * v / np.linalg.norm(v)
    axes = tuple(d for d in range(v.ndim) if d != dim)
    return g * v / np.sqrt((v ** 2).sum(axis=axes, keepdims=True))


@pytest.mark.parametrize("dim, g_shape", [(0, (4, 1, 1, 1)), (1, (1, 3, 1, 1)), (None, ()), (-1, ()),
                                          (-3, (1, 3, 1, 1))])
def test_weight_norm_closed_form(dim, g_shape):
    lucid.random.seed(0)
    conv = nn.Conv2d(3, 4, 2)
    W0 = conv.weight.numpy()
    weight_norm(conv, dim=dim)
    g = conv.parametrizations.weight.original0
    v = conv.parametrizations.weight.original1
    assert g.shape == g_shape and v.shape == W0.shape
    assert list(conv.state_dict()) == ["bias", "parametrizations.weight.original0",
                                       "parametrizations.weight.original1"]
    np.testing.assert_allclose(conv.weight.numpy(), W0, rtol=1e-5, atol=1e-7)
    with lucid.no_grad():
        g.mul_(3.0)
        v.mul_(-2.0)
    ref = _wn_ref(v.numpy(), g.numpy(), None if dim in (None, -1) else dim % 4)
    np.testing.assert_allclose(conv.weight.numpy(), ref, rtol=1e-5, atol=1e-7)


def test_weight_norm_gradients_and_training():
    layer = weight_norm(_linear(3, 2, dtype=lucid.float64))
    x = lucid.tensor(np.random.default_rng(0).standard_normal((4, 3)))
    g0 = lucid.tensor(np.array([[1.5], [-0.5]]), requires_grad=True)
    v0 = lucid.tensor(np.random.default_rng(1).standard_normal((2, 3)), requires_grad=True)
    keys = ("parametrizations.weight.original0", "parametrizations.weight.original1")
    assert gradcheck(lambda g, v: functional_call(layer, dict(zip(keys, (g, v))), (x,)), [g0, v0])
    g, v = layer.parametrizations.weight.original0, layer.parametrizations.weight.original1
    before = g.numpy().copy(), v.numpy().copy()
    opt = lucid.optim.SGD(layer.parameters(), lr=0.1)
    (layer(x) ** 2).sum().backward()
    opt.step()
    assert not np.allclose(g.numpy(), before[0]) and not np.allclose(v.numpy(), before[1])


def test_weight_norm_errors():
    with pytest.raises(ValueError, match="no parameter or buffer"):
        weight_norm(nn.Linear(2, 2), name="nope")
    with pytest.raises(IndexError, match="out of range"):
        weight_norm(nn.Linear(2, 2), dim=2)
    with pytest.raises(TypeError, match="dim"):
        weight_norm(nn.Linear(2, 2), dim=0.5)


# -- spectral_norm ----------------------------------------------------------------------------------------
def test_spectral_norm_converges_to_unit_sigma():
    layer = spectral_norm(_linear(6, 8))
    assert list(layer.state_dict()) == ["bias", KEY, "parametrizations.weight.0._u",
                                        "parametrizations.weight.0._v"]
    assert layer.parametrizations.weight[0]._u.shape == (8,)
    W_orig = layer.parametrizations.weight.original.numpy()
    for _ in range(100):
        W = layer.weight
    sigma = np.linalg.svd(W_orig, compute_uv=False)[0]
    np.testing.assert_allclose(np.linalg.svd(W.numpy(), compute_uv=False)[0], 1.0, rtol=1e-4)
    np.testing.assert_allclose(W.numpy(), W_orig / sigma, rtol=1e-4, atol=1e-6)


def test_spectral_norm_formula_and_eval_mode_keeps_buffers():
    layer = spectral_norm(_linear(4, 3))
    sn = layer.parametrizations.weight[0]
    layer.eval()
    u, v = sn._u.numpy().copy(), sn._v.numpy().copy()
    W_orig = layer.parametrizations.weight.original.numpy()
    W = layer.weight.numpy()
    np.testing.assert_array_equal(sn._u.numpy(), u)
    np.testing.assert_allclose(W, W_orig / (u @ W_orig @ v), rtol=1e-5)
    layer.train()
    _ = layer.weight
    u_new = sn._u.numpy()
    assert not np.array_equal(u_new, u)
    np.testing.assert_allclose(np.linalg.norm(u_new), 1.0, rtol=1e-5)


def test_spectral_norm_conv_dims_and_1d():
    conv = spectral_norm(nn.Conv2d(3, 5, 2))
    assert conv.parametrizations.weight[0]._u.shape == (5,)
    assert conv.parametrizations.weight[0]._v.shape == (12,)
    convt = spectral_norm(nn.ConvTranspose2d(3, 5, 2))  # default dim=1: output channels
    assert convt.parametrizations.weight[0].dim == 1
    assert convt.parametrizations.weight[0]._u.shape == (5,)
    lin = spectral_norm(nn.Linear(3, 4), name="bias")
    np.testing.assert_allclose(np.linalg.norm(lin.bias.numpy()), 1.0, rtol=1e-5)


def test_spectral_norm_training_step_updates_original():
    layer = spectral_norm(_linear(4, 3))
    orig = layer.parametrizations.weight.original
    before = orig.numpy().copy()
    opt = lucid.optim.SGD(layer.parameters(), lr=0.1)
    (layer(lucid.randn(5, 4)) ** 2).sum().backward()
    assert layer.parametrizations.weight[0]._u.grad is None
    opt.step()
    assert not np.allclose(orig.numpy(), before)


def test_spectral_norm_errors():
    with pytest.raises(ValueError, match="n_power_iterations"):
        spectral_norm(nn.Linear(2, 2), n_power_iterations=0)
    with pytest.raises(ValueError, match="eps"):
        spectral_norm(nn.Linear(2, 2), eps=0.0)
    with pytest.raises(IndexError, match="out of range"):
        spectral_norm(nn.Linear(2, 2), dim=2)
    with pytest.raises(ValueError, match="no parameter or buffer"):
        spectral_norm(nn.Linear(2, 2), name="nope")
    assert not parametrize.is_parametrized(nn.Linear(2, 2))
