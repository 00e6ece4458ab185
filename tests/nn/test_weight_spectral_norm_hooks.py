"""lucid.nn.utils.weight_norm / spectral_norm (the forward pre-hook API) and their remove_* functions."""

import numpy as np
import pytest

import lucid
import lucid.nn as nn
from lucid.nn.util import remove_spectral_norm, remove_weight_norm, spectral_norm, weight_norm


def _linear(n_in=4, n_out=3, seed=0):
    lucid.random.seed(seed)
    return nn.Linear(n_in, n_out)


@pytest.mark.parametrize("dim, g_shape", [(0, (3, 1)), (1, (1, 4)), (None, ())])
def test_weight_norm_layout_and_closed_form(dim, g_shape):
    layer = _linear()
    W0 = layer.weight.numpy()
    weight_norm(layer, dim=dim)
    assert list(layer.state_dict()) == ["bias", "weight_g", "weight_v"]
    assert layer.weight_g.shape == g_shape and layer.weight_v.shape == (3, 4)
    np.testing.assert_allclose(layer.weight.numpy(), W0, rtol=1e-5)
    with lucid.no_grad():
        layer.weight_g.mul_(2.0)
    x = lucid.randn(5, 4)
    out = layer(x).numpy()  # the pre-hook recomputes the weight
    v, g = layer.weight_v.numpy(), layer.weight_g.numpy()
    norm = np.linalg.norm(v) if dim is None else np.sqrt((v ** 2).sum(axis=1 - dim, keepdims=True))
    W = g * v / norm
    np.testing.assert_allclose(layer.weight.numpy(), W, rtol=1e-5)
    np.testing.assert_allclose(out, x.numpy() @ W.T + layer.bias.numpy(), rtol=1e-5, atol=1e-6)


def test_weight_norm_sgd_step_trains_g_and_v():
    layer = weight_norm(_linear())
    opt = lucid.optim.SGD(layer.parameters(), lr=0.1)
    g, v = layer.weight_g.numpy().copy(), layer.weight_v.numpy().copy()
    (layer(lucid.randn(5, 4)) ** 2).sum().backward()
    assert layer.weight_g.grad is not None and layer.weight_v.grad is not None
    opt.step()
    assert not np.allclose(layer.weight_g.numpy(), g) and not np.allclose(layer.weight_v.numpy(), v)


def test_remove_weight_norm():
    layer = weight_norm(_linear())
    with lucid.no_grad():
        layer.weight_g.mul_(3.0)
    expected = layer.weight_g.numpy() * layer.weight_v.numpy() / np.linalg.norm(
        layer.weight_v.numpy(), axis=1, keepdims=True)
    remove_weight_norm(layer)
    assert sorted(layer.state_dict()) == ["bias", "weight"]
    assert isinstance(layer.weight, nn.Parameter) and not layer._forward_pre_hooks
    np.testing.assert_allclose(layer.weight.numpy(), expected, rtol=1e-5)


def test_weight_norm_errors():
    layer = weight_norm(_linear())
    with pytest.raises(RuntimeError, match="already applied"):
        weight_norm(layer)
    with pytest.raises(ValueError, match="no parameter named 'nope'"):
        weight_norm(_linear(), name="nope")
    with pytest.raises(ValueError, match="not found"):
        remove_weight_norm(_linear())
    with pytest.raises(TypeError, match="Module"):
        weight_norm("layer")


def test_spectral_norm_layout_and_convergence():
    layer = spectral_norm(_linear(6, 5))
    assert list(layer.state_dict()) == ["bias", "weight_orig", "weight_u", "weight_v"]
    assert layer.weight_u.shape == (5,) and layer.weight_v.shape == (6,)
    x = lucid.randn(2, 6)
    for _ in range(100):
        layer(x)
    W = layer.weight.numpy()
    np.testing.assert_allclose(np.linalg.svd(W, compute_uv=False)[0], 1.0, rtol=1e-4)
    W_orig = layer.weight_orig.numpy()
    np.testing.assert_allclose(W, W_orig / np.linalg.svd(W_orig, compute_uv=False)[0], rtol=1e-4, atol=1e-6)


def test_spectral_norm_eval_mode_keeps_vectors_and_uses_formula():
    layer = spectral_norm(_linear())
    layer(lucid.randn(2, 4))
    layer.eval()
    u, v = layer.weight_u.numpy().copy(), layer.weight_v.numpy().copy()
    layer(lucid.randn(2, 4))
    np.testing.assert_array_equal(layer.weight_u.numpy(), u)
    W_orig = layer.weight_orig.numpy()
    np.testing.assert_allclose(layer.weight.numpy(), W_orig / (u @ W_orig @ v), rtol=1e-5)


def test_spectral_norm_conv_transpose_dim_and_training():
    convt = spectral_norm(nn.ConvTranspose2d(3, 5, 2))
    assert convt.weight_u.shape == (5,) and convt.weight_v.shape == (12,)
    layer = spectral_norm(_linear())
    opt = lucid.optim.SGD(layer.parameters(), lr=0.1)
    before = layer.weight_orig.numpy().copy()
    (layer(lucid.randn(3, 4)) ** 2).sum().backward()
    assert layer.weight_u.grad is None
    opt.step()
    assert not np.allclose(layer.weight_orig.numpy(), before)


def test_remove_spectral_norm_and_errors():
    layer = spectral_norm(_linear())
    layer.eval()
    expected = layer(lucid.ones(1, 4)).numpy()
    remove_spectral_norm(layer)
    assert sorted(layer.state_dict()) == ["bias", "weight"]
    np.testing.assert_allclose(layer(lucid.ones(1, 4)).numpy(), expected, rtol=1e-5)
    with pytest.raises(ValueError, match="not found"):
        remove_spectral_norm(layer)
    with pytest.raises(RuntimeError, match="already applied"):
        spectral_norm(spectral_norm(_linear()))
    with pytest.raises(ValueError, match="n_power_iterations"):
        spectral_norm(_linear(), n_power_iterations=-1)
    with pytest.raises(TypeError, match="n_power_iterations"):
        spectral_norm(_linear(), n_power_iterations=1.5)


@pytest.mark.parametrize("fn", [nn.utils.weight_norm, nn.utils.spectral_norm], ids=["weight_norm", "spectral_norm"])
def test_hook_reparametrization_argument_errors(fn):
    """Both hook-based forms check the module, the parameter and a second application the same way."""
    op = fn.__name__
    with pytest.raises(TypeError, match=rf"^{op} expects a lucid.nn.Module, got list$"):
        fn([1])
    with pytest.raises(ValueError, match=r"^Linear has no parameter named 'kernel'$"):
        fn(nn.Linear(2, 2), name="kernel")
    layer = fn(nn.Linear(2, 2))
    with pytest.raises(RuntimeError, match=rf"^{op} is already applied to 'weight' of Linear$"):
        fn(layer)
