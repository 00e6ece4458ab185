"""The package-internal building blocks of ``lucid.nn`` (``lucid/nn/functional/_kernels.py``) and their use."""

from __future__ import annotations

import ast
import importlib.util
import pathlib
import re

import mlx.core as mx
import numpy as np
import pytest

import lucid
from lucid._backend import fusion
from lucid.nn.functional import _kernels as K

NN = pathlib.Path(lucid.__file__).parent / "nn"

# ``_check_padding_idx`` belongs to ``functional/sparse.py``, which is being rewritten for index checking.
_ALLOWED = {("lucid.nn.functional.sparse", "_check_padding_idx")}


def _is_module(name: str) -> bool:
    return importlib.util.find_spec(name) is not None


def _private_imports() -> list:
    """``from M import _name`` in lucid/nn where ``_name`` is not a module (a package-internal module is fine)."""
    found = []
    for path in sorted(NN.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom):
                found += [(node.module, a.name, f"{path.relative_to(NN)}:{node.lineno}") for a in node.names
                          if a.name.startswith("_") and not a.name.startswith("__")
                          and (node.module, a.name) not in _ALLOWED and not _is_module(f"{node.module}.{a.name}")]
    return found


def test_nn_imports_no_private_names_of_other_modules():
    assert _private_imports() == []


def test_helpers_have_one_home():
    # The shared helpers are defined in _kernels only; the families import them from there.
    from lucid.nn.functional import activation, conv, dropout, loss, normalization, pooling, vision

    for name in ("fused", "ntuple", "windows", "LinearMap", "to_last", "to_first", "check_tensor"):
        for family in (activation, conv, dropout, loss, normalization, pooling, vision):
            obj = getattr(family, name, None)
            assert obj is None or obj is getattr(K, name), (family.__name__, name)
    assert not hasattr(conv, "_FUSE_MIN_SIZE")


def test_fuse_min_size_is_read_at_call_time(monkeypatch):
    traced = []

    def double(x):
        traced.append(1)
        return x * 2

    f = K.fused(double)
    x = mx.ones((4,), dtype=mx.float32)
    f(x), f(x)
    assert len(traced) == 2  # small input: op by op, the Python body runs each call
    monkeypatch.setattr(fusion, "FUSE_MIN_SIZE", 0)
    traced.clear()
    y = f(x)
    f(x)
    assert len(traced) == 1  # compiled: traced once, then the cached kernel runs
    np.testing.assert_array_equal(np.array(y), [2.0] * 4)


def test_fused_keeps_float64_op_by_op(monkeypatch):
    monkeypatch.setattr(fusion, "FUSE_MIN_SIZE", 0)
    traced = []

    def inc(x):
        traced.append(1)
        return x + 1

    f = K.fused(inc)
    x = mx.ones((3,), dtype=mx.float64)
    f(x), f(x)
    assert len(traced) == 2


@pytest.mark.parametrize(("value", "expected"), [(3, (3, 3)), ((1, 2), (1, 2)), ([4], (4, 4)), (np.int64(2), (2, 2))])
def test_ntuple(value, expected):
    assert K.ntuple(value, 2, "stride", "op") == expected


@pytest.mark.parametrize(("value", "error"), [(True, TypeError), (1.5, TypeError), ((1, 2, 3), ValueError),
                                              ((0, 1), ValueError)])
def test_ntuple_rejects(value, error):
    with pytest.raises(error, match="op: stride"):
        K.ntuple(value, 2, "stride", "op", minimum=1)


def test_argument_checks():
    assert K.check_p(1, "Dropout") == 1.0
    with pytest.raises(ValueError, match="between 0 and 1"):
        K.check_p(1.5, "Dropout")
    with pytest.raises(TypeError, match="Dropout: p must be a number"):
        K.check_p("0.5", "Dropout")
    assert K.check_reduction("batchmean", "kl_div", ("batchmean",)) == "batchmean"
    with pytest.raises(ValueError, match="'mean', 'sum', 'none'"):
        K.check_reduction("batchmean", "mse_loss")
    assert K.check_normalized_shape([2, 3], "layer_norm") == (2, 3)
    with pytest.raises(TypeError, match="layer_norm: normalized_shape"):
        K.check_normalized_shape(2.0, "layer_norm")
    with pytest.raises(TypeError, match="conv2d: input must be a lucid Tensor"):
        K.check_tensor(np.ones(2), "input", "conv2d")


def test_float64_maths_is_exact():
    x = np.linspace(-30.0, 30.0, 13)
    a = mx.array(x, dtype=mx.float64)
    np.testing.assert_allclose(np.array(K.exp(a)), np.exp(x), rtol=1e-14)
    np.testing.assert_allclose(np.array(K.sigmoid(a)), 1 / (1 + np.exp(-x)), rtol=1e-14)
    np.testing.assert_allclose(np.array(K.softplus(a)), np.logaddexp(x, 0.0), rtol=1e-14)
    lse = np.log(np.sum(np.exp(x)))
    np.testing.assert_allclose(np.array(K.logsumexp(a, 0)), [lse], rtol=1e-14)
    np.testing.assert_allclose(np.array(K.log_softmax(a, 0)), x - lse, rtol=1e-14, atol=1e-14)
    np.testing.assert_allclose(np.array(K.softmax(a, 0)), np.exp(x - lse), rtol=1e-13)


def test_channels_last_views_round_trip():
    x = mx.arange(24, dtype=mx.float32).reshape(1, 2, 3, 4)
    assert K.to_last(x).shape == (1, 3, 4, 2)
    np.testing.assert_array_equal(np.array(K.to_first(K.to_last(x))), np.array(x))
    out = K.on_channels_last(lambda a, b: (a + b, a * b), x, mx.array(2.0))
    assert type(out) is tuple and out[0].shape == x.shape
    np.testing.assert_array_equal(np.array(out[1]), np.array(x) * 2)


@pytest.mark.parametrize("layer", [lucid.nn.MaxPool2d(2), lucid.nn.AvgPool1d(2), lucid.nn.ReflectionPad2d(1),
                                   lucid.nn.CircularPad3d(1), lucid.nn.AdaptiveAvgPool2d(1)])
def test_spatial_layers_share_one_input_check(layer):
    name, nd = type(layer).__name__, layer._nd
    with pytest.raises(TypeError, match=rf"^{name} expects a lucid Tensor, got list$"):
        layer([1.0])
    bad = lucid.ones(*(1,) * (nd + 3))
    spatial = K.SPATIAL[nd]
    message = f"{name} expected input of shape (N, C, {spatial}) or (C, {spatial}), got {bad.shape}"
    with pytest.raises(ValueError, match="^" + re.escape(message) + "$"):
        layer(bad)


def test_check_spatial_input_accepts_batched_and_unbatched():
    layer = lucid.nn.MaxPool1d(2)
    K.check_spatial_input(layer, lucid.ones(2, 4), 1)
    K.check_spatial_input(layer, lucid.ones(1, 2, 4), 1)
    with pytest.raises(ValueError, match=r"^MaxPool1d expected input of shape \(N, C, L\) or \(C, L\), got \(4,\)$"):
        K.check_spatial_input(layer, lucid.ones(4), 1)


@pytest.mark.parametrize("call, message", [
    (lambda F: F.linear([1.0], lucid.ones(2, 1)), "linear: input must be a lucid Tensor, got list"),
    (lambda F: F.bilinear(lucid.ones(1, 2), lucid.ones(1, 2), (1,)),
     "bilinear: weight must be a lucid Tensor, got tuple"),
    (lambda F: F.mse_loss(lucid.ones(2), [1.0, 2.0]), "mse_loss: target must be a lucid Tensor, got list"),
])
def test_functionals_share_kernels_check_tensor(call, message):
    with pytest.raises(TypeError, match="^" + re.escape(message) + "$"):
        call(lucid.nn.functional)
