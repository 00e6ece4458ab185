"""Transformer layers against NumPy references built on the MultiheadAttention reference."""

import math

import numpy as np
import pytest

import lucid
import lucid.nn as nn
from tests.nn.test_multihead_attention import _np, ref_mha


def _ln(x, norm):
    mu = x.mean(-1, keepdims=True)
    var = x.var(-1, keepdims=True)
    y = (x - mu) / np.sqrt(var + norm.eps)
    return y * _np(norm.weight) + (0 if norm.bias is None else _np(norm.bias))


def _lin(x, layer):
    return x @ _np(layer.weight).T + (0 if layer.bias is None else _np(layer.bias))


def _act(name):
    if name == "gelu":
        from math import erf
        return np.vectorize(lambda v: 0.5 * v * (1 + erf(v / math.sqrt(2))))
    return lambda v: np.maximum(v, 0)


def ref_encoder_layer(layer, x, act="relu", mask=None, kpm=None):
    def sa(h):
        return ref_mha(layer.self_attn, h, h, h, key_padding_mask=kpm, attn_mask=mask)[0]

    def ff(h):
        return _lin(_act(act)(_lin(h, layer.linear1)), layer.linear2)

    if layer.norm_first:
        x = x + sa(_ln(x, layer.norm1))
        return x + ff(_ln(x, layer.norm2))
    x = _ln(x + sa(x), layer.norm1)
    return _ln(x + ff(x), layer.norm2)


def ref_decoder_layer(layer, x, mem, tgt_mask=None):
    def sa(h):
        return ref_mha(layer.self_attn, h, h, h, attn_mask=tgt_mask)[0]

    def ca(h):
        return ref_mha(layer.multihead_attn, h, mem, mem)[0]

    def ff(h):
        return _lin(np.maximum(_lin(h, layer.linear1), 0), layer.linear2)

    if layer.norm_first:
        x = x + sa(_ln(x, layer.norm1))
        x = x + ca(_ln(x, layer.norm2))
        return x + ff(_ln(x, layer.norm3))
    x = _ln(x + sa(x), layer.norm1)
    x = _ln(x + ca(x), layer.norm2)
    return _ln(x + ff(x), layer.norm3)


def _x(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


def _t(a):
    return lucid.tensor(a, dtype=lucid.float64, device="cpu")


KW = dict(dim_feedforward=12, dropout=0.0, batch_first=True, dtype=lucid.float64, device="cpu")


@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("act", ["relu", "gelu"])
def test_encoder_layer_matches_reference(norm_first, act):
    layer = nn.TransformerEncoderLayer(8, 2, activation=act, norm_first=norm_first, **KW)
    x = _x(2, 5, 8)
    kpm = np.zeros((2, 5), dtype=bool)
    kpm[1, 3:] = True
    out = layer(_t(x), src_key_padding_mask=lucid.tensor(kpm))
    np.testing.assert_allclose(out.numpy(), ref_encoder_layer(layer, x, act, kpm=kpm), atol=1e-6)


def test_encoder_layer_callable_activation_and_causal_mask():
    layer = nn.TransformerEncoderLayer(8, 2, activation=lambda t: nn.functional.relu(t), **KW)
    x = _x(2, 4, 8)
    mask = nn.Transformer.generate_square_subsequent_mask(4, dtype=lucid.float64, device="cpu")
    out = layer(_t(x), src_mask=mask)
    np.testing.assert_allclose(out.numpy(), ref_encoder_layer(layer, x, mask=mask.numpy()), atol=1e-6)
    np.testing.assert_allclose(layer(_t(x), is_causal=True).numpy(), out.numpy(), atol=1e-6)


@pytest.mark.parametrize("norm_first", [False, True])
def test_decoder_layer_matches_reference(norm_first):
    layer = nn.TransformerDecoderLayer(8, 2, norm_first=norm_first, **KW)
    x, mem = _x(2, 3, 8), _x(2, 6, 8, seed=1)
    mask = nn.Transformer.generate_square_subsequent_mask(3, dtype=lucid.float64, device="cpu")
    out = layer(_t(x), _t(mem), tgt_mask=mask)
    np.testing.assert_allclose(out.numpy(), ref_decoder_layer(layer, x, mem, mask.numpy()), atol=1e-6)


def test_stacks_copy_layers_independently_and_apply_the_final_norm():
    layer = nn.TransformerEncoderLayer(8, 2, **KW)
    norm = nn.LayerNorm(8, dtype=lucid.float64, device="cpu")
    enc = nn.TransformerEncoder(layer, 3, norm=norm)
    assert enc.layers[0] is not layer and enc.layers[0].linear1.weight is not enc.layers[1].linear1.weight
    enc.layers[1].linear1.weight.data = enc.layers[1].linear1.weight.data * 2  # copies diverge
    x = _x(2, 4, 8)
    want = x
    for lay in enc.layers:
        want = ref_encoder_layer(lay, want)
    np.testing.assert_allclose(enc(_t(x)).numpy(), _ln(want, norm), atol=1e-6)


def test_transformer_end_to_end_and_gradients():
    model = nn.Transformer(d_model=8, nhead=2, num_encoder_layers=2, num_decoder_layers=1, **KW)
    src, tgt = _x(2, 5, 8), _x(2, 3, 8, seed=1)
    mem = src
    for lay in model.encoder.layers:
        mem = ref_encoder_layer(lay, mem)
    mem = _ln(mem, model.encoder.norm)
    mask = nn.Transformer.generate_square_subsequent_mask(3, dtype=lucid.float64, device="cpu")
    want = _ln(ref_decoder_layer(model.decoder.layers[0], tgt, mem, mask.numpy()), model.decoder.norm)
    out = model(_t(src), _t(tgt), tgt_mask=mask)
    np.testing.assert_allclose(out.numpy(), want, atol=1e-6)
    out.sum().backward()
    assert all(p.grad is not None for p in model.parameters())


def test_transformer_defaults_match_pytorch():
    model = nn.Transformer()
    assert sum(p.numel() for p in model.parameters()) == 44_140_544
    keys = set(model.state_dict())
    for k in ("encoder.layers.5.self_attn.in_proj_weight", "encoder.layers.0.linear1.weight", "encoder.norm.bias",
              "decoder.layers.0.multihead_attn.out_proj.weight", "decoder.layers.5.norm3.weight",
              "decoder.norm.weight"):
        assert k in keys
    # Every matrix is Xavier-uniform.
    w = model.encoder.layers[0].linear1.weight
    assert w.abs().max().item() <= math.sqrt(6 / (512 + 2048))


def test_sequence_first_layout():
    layer = nn.TransformerEncoderLayer(8, 2, dim_feedforward=12, dropout=0.0, dtype=lucid.float64, device="cpu")
    x = _x(2, 5, 8)
    out = layer(_t(x.transpose(1, 0, 2)))
    assert out.shape == (5, 2, 8)
    np.testing.assert_allclose(out.numpy().transpose(1, 0, 2), ref_encoder_layer(layer, x), atol=1e-6)


def test_generate_square_subsequent_mask():
    m = nn.Transformer.generate_square_subsequent_mask(4).numpy()
    assert m.dtype == np.float32 and np.all(np.isneginf(m[np.triu_indices(4, 1)]))
    assert np.all(m[np.tril_indices(4)] == 0)


def test_bad_arguments():
    with pytest.raises(ValueError, match="'relu' or 'gelu'"):
        nn.TransformerEncoderLayer(8, 2, activation="swish")
    with pytest.raises(ValueError, match="divisible by num_heads"):
        nn.TransformerEncoderLayer(8, 3)
    with pytest.raises(ValueError, match="num_layers"):
        nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2), -1)
    model = nn.Transformer(d_model=8, nhead=2, num_encoder_layers=1, num_decoder_layers=1, dim_feedforward=8,
                           batch_first=True)
    with pytest.raises(ValueError, match="same batch size"):
        model(lucid.randn(2, 3, 8), lucid.randn(3, 3, 8))
    with pytest.raises(ValueError, match="d_model=8"):
        model(lucid.randn(2, 3, 6), lucid.randn(2, 3, 6))
