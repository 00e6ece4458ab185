"""Inference keeps each conv weight's channels-last copy while the weight array lives (nn/functional/conv.py)."""

import gc

import numpy as np

import lucid
import lucid.nn as nn
from lucid.nn.functional import conv as conv_mod


def _layer():
    lucid.manual_seed(0)
    return nn.Conv2d(3, 4, 3, padding=1)


def test_inference_reuses_one_copy_per_weight_and_matches_training_mode():
    layer, x = _layer(), lucid.randn(2, 3, 8, 8)
    expected = layer(x).numpy()  # grad mode on: no cache
    assert id(layer.weight._data) not in conv_mod._weights_last
    with lucid.no_grad():
        first = layer(x).numpy()
        cached = conv_mod._weights_last[id(layer.weight._data)][1]
        second = layer(x).numpy()
        assert conv_mod._weights_last[id(layer.weight._data)][1] is cached
    np.testing.assert_allclose(first, expected, rtol=1e-6, atol=1e-6)
    np.testing.assert_array_equal(first, second)


def test_an_updated_weight_drops_the_old_copy_and_is_used():
    layer, x = _layer(), lucid.randn(1, 3, 5, 5)
    with lucid.no_grad():
        layer(x)
        old = id(layer.weight._data)
        assert old in conv_mod._weights_last
        layer.weight.mul_(2.0)  # a new array: the old one is freed, and its entry with it
        gc.collect()
        out = layer(x).numpy()
    assert old not in conv_mod._weights_last or conv_mod._weights_last[old][0]() is not None
    ref = nn.functional.conv2d(x, layer.weight, layer.bias, padding=1).numpy()
    np.testing.assert_allclose(out, ref, rtol=1e-6, atol=1e-6)


def test_no_cache_inside_a_compiled_function():
    layer, x = _layer(), lucid.randn(1, 3, 5, 5)
    conv_mod._weights_last.clear()

    @lucid.compile(state=[layer])
    def infer(x):
        with lucid.no_grad():
            return layer(x)

    out = infer(x).numpy()
    assert not conv_mod._weights_last
    np.testing.assert_allclose(out, layer(x).numpy(), rtol=1e-5, atol=1e-5)
