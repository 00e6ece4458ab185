"""nn.MultiheadAttention against a NumPy reference of PyTorch's formula, with the layer's own weights."""

import math

import numpy as np
import pytest

import lucid
import lucid.nn as nn


def _np(t):
    return None if t is None else t.numpy().astype(np.float64)


def ref_mha(m, query, key, value, key_padding_mask=None, attn_mask=None, average=True):
    """PyTorch's multi_head_attention_forward in NumPy, batch-first ``(N, L, E)`` inputs."""
    e, h = m.embed_dim, m.num_heads
    d = e // h
    if m._qkv_same_embed_dim:
        w = _np(m.in_proj_weight)
        wq, wk, wv = w[:e], w[e:2 * e], w[2 * e:]
    else:
        wq, wk, wv = _np(m.q_proj_weight), _np(m.k_proj_weight), _np(m.v_proj_weight)
    b = _np(m.in_proj_bias)
    bq, bk, bv = (0, 0, 0) if b is None else (b[:e], b[e:2 * e], b[2 * e:])
    q, k, v = query @ wq.T + bq, key @ wk.T + bk, value @ wv.T + bv
    n, L, S = q.shape[0], q.shape[1], k.shape[1]
    add = np.zeros((n, h, L, S))
    if attn_mask is not None:
        am = np.where(attn_mask, -np.inf, 0.0) if attn_mask.dtype == bool else attn_mask
        add = add + (am.reshape(n, h, L, S) if am.ndim == 3 else am)
    if key_padding_mask is not None:
        add = add + np.where(key_padding_mask, -np.inf, 0.0)[:, None, None, :]
    if m.bias_k is not None:
        k = np.concatenate([k, np.broadcast_to(_np(m.bias_k), (n, 1, e))], 1)
        v = np.concatenate([v, np.broadcast_to(_np(m.bias_v), (n, 1, e))], 1)
        add = np.concatenate([add, np.zeros((n, h, L, 1))], -1)
    q = q.reshape(n, L, h, d).transpose(0, 2, 1, 3)
    k = k.reshape(n, -1, h, d).transpose(0, 2, 1, 3)
    v = v.reshape(n, -1, h, d).transpose(0, 2, 1, 3)
    if m.add_zero_attn:
        k = np.concatenate([k, np.zeros((n, h, 1, d))], 2)
        v = np.concatenate([v, np.zeros((n, h, 1, d))], 2)
        add = np.concatenate([add, np.zeros((n, h, L, 1))], -1)
    scores = q @ k.transpose(0, 1, 3, 2) / math.sqrt(d) + add
    w = np.exp(scores - scores.max(-1, keepdims=True))
    w = w / w.sum(-1, keepdims=True)
    out = (w @ v).transpose(0, 2, 1, 3).reshape(n, L, e)
    out = out @ _np(m.out_proj.weight).T + (0 if m.out_proj.bias is None else _np(m.out_proj.bias))
    return out, (w.mean(1) if average else w)


def _inputs(n=2, L=4, S=5, e=8, kdim=None, vdim=None, seed=0):
    rng = np.random.default_rng(seed)
    return (rng.standard_normal((n, L, e)), rng.standard_normal((n, S, kdim or e)),
            rng.standard_normal((n, S, vdim or e)))


def _t(a, **kw):
    return lucid.tensor(a, dtype=lucid.float64, device="cpu", **kw)


@pytest.mark.parametrize("kwargs", [
    dict(), dict(bias=False), dict(add_bias_kv=True), dict(add_zero_attn=True), dict(kdim=3, vdim=6),
    dict(add_bias_kv=True, add_zero_attn=True, kdim=5),
], ids=str)
@pytest.mark.parametrize("masks", ["none", "padding", "bool_attn", "float_attn", "per_head", "both"])
def test_matches_reference(kwargs, masks):
    m = nn.MultiheadAttention(8, 2, batch_first=True, dtype=lucid.float64, device="cpu", **kwargs)
    q, k, v = _inputs(kdim=kwargs.get("kdim"), vdim=kwargs.get("vdim"))
    rng = np.random.default_rng(3)
    kpm = am = None
    if masks in ("padding", "both"):
        kpm = np.zeros((2, 5), dtype=bool)
        kpm[0, 3:] = True
    if masks in ("bool_attn", "both"):
        am = rng.uniform(size=(4, 5)) < 0.3
        am[:, 0] = False  # every query keeps one key
    if masks == "float_attn":
        am = rng.standard_normal((4, 5))
    if masks == "per_head":
        am = rng.standard_normal((2 * 2, 4, 5))
    want_out, want_w = ref_mha(m, q, k, v, kpm, am)
    tensors = [_t(a, requires_grad=True) for a in (q, k, v)]
    out, w = m(*tensors, key_padding_mask=None if kpm is None else lucid.tensor(kpm),
               attn_mask=None if am is None else (lucid.tensor(am) if am.dtype == bool else _t(am)))
    np.testing.assert_allclose(out.numpy(), want_out, atol=1e-10)
    np.testing.assert_allclose(w.numpy(), want_w, atol=1e-12)
    out2, none = m(*tensors, key_padding_mask=None if kpm is None else lucid.tensor(kpm),
                   attn_mask=None if am is None else (lucid.tensor(am) if am.dtype == bool else _t(am)),
                   need_weights=False)
    assert none is None
    np.testing.assert_allclose(out2.numpy(), want_out, atol=1e-6)  # the fused kernel's float32 softmax


def test_weights_per_head_and_seq_first_layout():
    m = nn.MultiheadAttention(8, 4, dtype=lucid.float64, device="cpu")
    q, k, v = _inputs()
    want_out, want_w = ref_mha(m, q, k, v, average=False)
    out, w = m(*(_t(a.transpose(1, 0, 2)) for a in (q, k, v)), average_attn_weights=False)
    assert out.shape == (4, 2, 8) and w.shape == (2, 4, 4, 5)
    np.testing.assert_allclose(out.numpy().transpose(1, 0, 2), want_out, atol=1e-10)
    np.testing.assert_allclose(w.numpy(), want_w, atol=1e-12)


def test_unbatched_input():
    m = nn.MultiheadAttention(8, 2, dtype=lucid.float64, device="cpu")
    q, k, v = _inputs(n=1)
    want_out, want_w = ref_mha(m, q, k, v)
    out, w = m(_t(q[0]), _t(k[0]), _t(v[0]), key_padding_mask=lucid.zeros(5, dtype=lucid.bool))
    assert out.shape == (4, 8) and w.shape == (4, 5)
    np.testing.assert_allclose(out.numpy(), want_out[0], atol=1e-10)
    np.testing.assert_allclose(w.numpy(), want_w[0], atol=1e-12)


def test_is_causal_builds_the_causal_mask():
    m = nn.MultiheadAttention(8, 2, batch_first=True, dtype=lucid.float64, device="cpu")
    x = _inputs(S=4)[0]
    causal = ~np.tril(np.ones((4, 4), dtype=bool))
    want_out, want_w = ref_mha(m, x, x, x, attn_mask=causal)
    out, w = m(_t(x), _t(x), _t(x), is_causal=True)
    np.testing.assert_allclose(out.numpy(), want_out, atol=1e-10)
    np.testing.assert_allclose(w.numpy(), want_w, atol=1e-12)
    assert np.all(w.numpy()[:, causal] == 0)


def test_gradients_match_finite_differences():
    m = nn.MultiheadAttention(4, 2, batch_first=True, add_bias_kv=True, dtype=lucid.float64, device="cpu")
    q, k, v = _inputs(n=1, L=2, S=3, e=4)
    upstream = np.random.default_rng(9).standard_normal((1, 2, 4))
    tensors = [_t(a, requires_grad=True) for a in (q, k, v)]
    out, _ = m(*tensors)
    (out * _t(upstream)).sum().backward()
    eps = 1e-6
    for i, x in enumerate((q, k, v)):
        numeric = np.zeros_like(x)
        for j in np.ndindex(x.shape):
            plus, minus = [a.copy() for a in (q, k, v)], [a.copy() for a in (q, k, v)]
            plus[i][j] += eps
            minus[i][j] -= eps
            numeric[j] = ((ref_mha(m, *plus)[0] - ref_mha(m, *minus)[0]) * upstream).sum() / (2 * eps)
        np.testing.assert_allclose(tensors[i].grad.numpy(), numeric, atol=1e-7)
    assert m.in_proj_weight.grad is not None and m.bias_k.grad is not None and m.out_proj.weight.grad is not None


def test_parameters_names_shapes_and_init():
    m = nn.MultiheadAttention(12, 3, add_bias_kv=True)
    shapes = {k: v.shape for k, v in m.state_dict().items()}
    assert shapes == {"in_proj_weight": (36, 12), "in_proj_bias": (36,), "bias_k": (1, 1, 12),
                      "bias_v": (1, 1, 12), "out_proj.weight": (12, 12), "out_proj.bias": (12,)}
    assert m.in_proj_bias.abs().max().item() == 0 and m.out_proj.bias.abs().max().item() == 0
    bound = math.sqrt(6 / (12 + 36))
    assert m.in_proj_weight.abs().max().item() <= bound
    m2 = nn.MultiheadAttention(12, 3, kdim=5, vdim=7, bias=False)
    assert set(m2.state_dict()) == {"q_proj_weight", "k_proj_weight", "v_proj_weight", "out_proj.weight"}
    assert m2.k_proj_weight.shape == (12, 5) and m2.in_proj_weight is None
    assert repr(nn.MultiheadAttention(8, 2, batch_first=True)).startswith("MultiheadAttention(")


def test_dropout_only_while_training():
    m = nn.MultiheadAttention(8, 2, dropout=0.5, batch_first=True)
    x = lucid.randn(2, 4, 8)
    a, _ = m(x, x, x)
    b, _ = m(x, x, x)
    assert not np.allclose(a.numpy(), b.numpy())
    m.eval()
    c, _ = m(x, x, x)
    d, _ = m(x, x, x, need_weights=False)
    np.testing.assert_allclose(c.numpy(), d.numpy(), atol=1e-5)


@pytest.mark.parametrize(("args", "error", "match"), [
    ((10, 3), ValueError, "divisible by num_heads"),
    ((8, 0), ValueError, "num_heads must be positive"),
    ((8, 2.0), TypeError, "num_heads must be an int"),
])
def test_bad_constructor_arguments(args, error, match):
    with pytest.raises(error, match=match):
        nn.MultiheadAttention(*args)


def test_bad_inputs_name_the_problem():
    m = nn.MultiheadAttention(8, 2, batch_first=True)
    x = lucid.randn(2, 4, 8)
    with pytest.raises(ValueError, match="query must have 8 features"):
        m(lucid.randn(2, 4, 6), x, x)
    with pytest.raises(ValueError, match="all be 3-D"):
        m(x, lucid.randn(4, 8), x)
    with pytest.raises(ValueError, match=r"key_padding_mask must have shape \(2, 4\)"):
        m(x, x, x, key_padding_mask=lucid.zeros(2, 5, dtype=lucid.bool))
    with pytest.raises(ValueError, match="attn_mask must have shape"):
        m(x, x, x, attn_mask=lucid.zeros(3, 4, dtype=lucid.bool))
    with pytest.raises(TypeError, match="bool"):
        m(x, x, x, attn_mask=lucid.zeros(4, 4, dtype=lucid.int32))
