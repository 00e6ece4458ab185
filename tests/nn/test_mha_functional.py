"""F.multi_head_attention_forward against nn.MultiheadAttention and a NumPy reference."""

import numpy as np
import pytest

import lucid
import lucid.nn.functional as F


def _np_mha(x, w_in, b_in, w_out, b_out, h):
    # x: (L, N, E) self-attention, no masks
    L, N, E = x.shape
    d = E // h
    qkv = x @ w_in.T + b_in
    q, k, v = np.split(qkv, 3, axis=-1)

    def heads(t):
        return t.reshape(L, N, h, d).transpose(1, 2, 0, 3)  # (N, h, L, d)

    q, k, v = heads(q), heads(k), heads(v)
    s = q @ k.transpose(0, 1, 3, 2) / np.sqrt(d)
    p = np.exp(s - s.max(-1, keepdims=True))
    p /= p.sum(-1, keepdims=True)
    o = (p @ v).transpose(2, 0, 1, 3).reshape(L, N, E)
    return o @ w_out.T + b_out, p.mean(1)


def test_matches_numpy_and_module():
    lucid.manual_seed(0)
    mha = lucid.nn.MultiheadAttention(8, 2, dtype=lucid.float64)
    x = lucid.randn(4, 3, 8, dtype=lucid.float64)
    args = (mha.in_proj_weight, mha.in_proj_bias, None, None, False, 0.0, mha.out_proj.weight, mha.out_proj.bias)
    out, w = F.multi_head_attention_forward(x, x, x, 8, 2, *args)
    ref_out, ref_w = _np_mha(x.numpy(), mha.in_proj_weight.numpy(), mha.in_proj_bias.numpy(),
                             mha.out_proj.weight.numpy(), mha.out_proj.bias.numpy(), 2)
    np.testing.assert_allclose(out.numpy(), ref_out, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(w.numpy(), ref_w, rtol=1e-10, atol=1e-12)
    mask = lucid.tensor([[False, False, True, False]] * 3)
    causal = lucid.tensor(np.triu(np.ones((4, 4), bool), 1))
    got = F.multi_head_attention_forward(x, x, x, 8, 2, *args, key_padding_mask=mask, attn_mask=causal,
                                         average_attn_weights=False)
    want = mha(x, x, x, key_padding_mask=mask, attn_mask=causal, average_attn_weights=False)
    np.testing.assert_allclose(got[0].numpy(), want[0].numpy(), rtol=1e-12)
    np.testing.assert_allclose(got[1].numpy(), want[1].numpy(), rtol=1e-12)


def test_separate_weights_bias_kv_and_grad():
    lucid.manual_seed(1)
    mha = lucid.nn.MultiheadAttention(6, 3, kdim=4, vdim=5, add_bias_kv=True, add_zero_attn=True,
                                      dtype=lucid.float64)
    q, k, v = lucid.randn(2, 6, dtype=lucid.float64), lucid.randn(3, 4, dtype=lucid.float64), \
        lucid.randn(3, 5, dtype=lucid.float64)
    out, _ = F.multi_head_attention_forward(
        q, k, v, 6, 3, None, mha.in_proj_bias, mha.bias_k, mha.bias_v, True, 0.0, mha.out_proj.weight,
        mha.out_proj.bias, use_separate_proj_weight=True, q_proj_weight=mha.q_proj_weight,
        k_proj_weight=mha.k_proj_weight, v_proj_weight=mha.v_proj_weight, need_weights=False)
    np.testing.assert_allclose(out.numpy(), mha(q, k, v, need_weights=False)[0].numpy(), rtol=1e-10, atol=1e-12)
    out.sum().backward()
    assert mha.q_proj_weight.grad is not None and mha.bias_k.grad is not None


def test_bad_input():
    mha = lucid.nn.MultiheadAttention(8, 2)
    x = lucid.randn(4, 3, 8)
    base = (mha.in_proj_weight, mha.in_proj_bias, None, None, False, 0.0, mha.out_proj.weight, mha.out_proj.bias)
    with pytest.raises(ValueError, match="embed_dim_to_check"):
        F.multi_head_attention_forward(x, x, x, 6, 2, *base)
    with pytest.raises(ValueError, match="divisible"):
        F.multi_head_attention_forward(x, x, x, 8, 3, *base)
    with pytest.raises(NotImplementedError):
        F.multi_head_attention_forward(x, x, x, 8, 2, *base, static_k=x)
    with pytest.raises(ValueError, match="q_proj_weight"):
        F.multi_head_attention_forward(x, x, x, 8, 2, *base, use_separate_proj_weight=True)
    with pytest.raises(ValueError, match="in_proj_weight"):
        F.multi_head_attention_forward(x, x, x, 8, 2, None, *base[1:])
    with pytest.raises(ValueError, match="dropout_p"):
        F.multi_head_attention_forward(x, x, x, 8, 2, *base[:5], 1.5, *base[6:])
