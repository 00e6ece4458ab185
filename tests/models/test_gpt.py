"""lucid.models.GPT: NumPy reference with the same weights, gradients, the KV cache, generation and errors."""

from __future__ import annotations

import math

import numpy as np
import pytest

import lucid
import lucid.nn.functional as F
from lucid.models import GPT, GPTConfig, gpt2

TINY = dict(vocab_size=13, n_positions=12, n_embd=16, n_layer=2, n_head=4, resid_pdrop=0.0, embd_pdrop=0.0,
            attn_pdrop=0.0)


def tiny(seed=0, **kw) -> GPT:
    lucid.manual_seed(seed)
    return GPT(GPTConfig(**{**TINY, **kw}))


# -- NumPy reference ---------------------------------------------------------------------------
def _ln(x, w, b, eps=1e-5):
    mu = x.mean(-1, keepdims=True)
    var = x.var(-1, keepdims=True)
    return (x - mu) / np.sqrt(var + eps) * w + b


def _gelu_tanh(x):
    return 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))


def _rope(x, offset, base=10000.0):
    """Rotate-half RoPE on (B, H, T, D)."""
    d = x.shape[-1]
    pos = np.arange(offset, offset + x.shape[-2])[:, None]
    theta = base ** (-np.arange(0, d // 2) * 2 / d)
    ang = pos * theta
    cos, sin = np.cos(ang), np.sin(ang)
    a, b = x[..., : d // 2], x[..., d // 2:]
    return np.concatenate([a * cos - b * sin, a * sin + b * cos], axis=-1)


def reference_logits(model: GPT, idx: np.ndarray) -> np.ndarray:
    cfg = model.config
    sd = {k: v.numpy().astype(np.float64) for k, v in model.state_dict().items()}
    B, T = idx.shape
    H, Hkv, D = cfg.n_head, cfg.kv_heads, cfg.head_dim
    x = sd["transformer.wte.weight"][idx]
    if not cfg.rotary:
        x = x + sd["transformer.wpe.weight"][np.arange(T)]
    for i in range(cfg.n_layer):
        p = f"transformer.h.{i}."
        h = _ln(x, sd[p + "ln_1.weight"], sd[p + "ln_1.bias"])
        qkv = h @ sd[p + "attn.c_attn.weight"].T + sd[p + "attn.c_attn.bias"]
        q = qkv[..., : H * D].reshape(B, T, H, D).transpose(0, 2, 1, 3)
        k = qkv[..., H * D: (H + Hkv) * D].reshape(B, T, Hkv, D).transpose(0, 2, 1, 3)
        v = qkv[..., (H + Hkv) * D:].reshape(B, T, Hkv, D).transpose(0, 2, 1, 3)
        if cfg.rotary:
            q, k = _rope(q, 0), _rope(k, 0)
        k, v = np.repeat(k, H // Hkv, axis=1), np.repeat(v, H // Hkv, axis=1)
        s = q @ k.transpose(0, 1, 3, 2) / math.sqrt(D)
        s = np.where(np.tril(np.ones((T, T), bool)), s, -np.inf)
        w = np.exp(s - s.max(-1, keepdims=True))
        w /= w.sum(-1, keepdims=True)
        y = (w @ v).transpose(0, 2, 1, 3).reshape(B, T, H * D)
        x = x + y @ sd[p + "attn.c_proj.weight"].T + sd[p + "attn.c_proj.bias"]
        h = _ln(x, sd[p + "ln_2.weight"], sd[p + "ln_2.bias"])
        h = _gelu_tanh(h @ sd[p + "mlp.c_fc.weight"].T + sd[p + "mlp.c_fc.bias"])
        x = x + h @ sd[p + "mlp.c_proj.weight"].T + sd[p + "mlp.c_proj.bias"]
    x = _ln(x, sd["transformer.ln_f.weight"], sd["transformer.ln_f.bias"])
    return x @ sd["lm_head.weight"].T


IDX = np.array([[1, 5, 2, 7, 0, 12, 3], [4, 4, 9, 1, 11, 6, 2]])


@pytest.mark.parametrize("extra", [{}, {"n_kv_head": 2}, {"n_kv_head": 1, "rotary": True}],
                         ids=["gpt2", "gqa", "mqa-rope"])
def test_forward_matches_numpy(extra):
    model = tiny(**extra)
    got = model(lucid.tensor(IDX)).numpy()
    np.testing.assert_allclose(got, reference_logits(model, IDX), atol=2e-5, rtol=1e-4)


def test_backward_matches_finite_differences():
    model = tiny(n_kv_head=2).double()
    idx, tgt = lucid.tensor(IDX[:, :-1]), lucid.tensor(IDX[:, 1:])

    def loss_value():
        return F.cross_entropy(model(idx).reshape(-1, 13), tgt.reshape(-1))

    loss_value().backward()
    rng = np.random.default_rng(0)
    eps = 1e-4  # some float64 kernel on MLX's CPU rounds near 1e-9: a smaller step only adds noise
    for name in ("transformer.wte.weight", "transformer.wpe.weight", "transformer.h.0.attn.c_attn.weight",
                 "transformer.h.1.mlp.c_proj.weight", "transformer.h.1.ln_2.bias"):
        p = model.get_parameter(name)
        grad = p.grad.numpy()
        base = p.numpy().copy()
        for _ in range(3):
            i = tuple(rng.integers(0, n) for n in base.shape)
            vals = []
            for sign in (1, -1):
                b = base.copy()
                b[i] += sign * eps
                p.data = lucid.tensor(b)
                vals.append(loss_value().item())
            p.data = lucid.tensor(base)
            np.testing.assert_allclose(grad[i], (vals[0] - vals[1]) / (2 * eps), atol=1e-7, rtol=1e-5,
                                       err_msg=f"{name}{i}")


def test_gpt2_parameter_count_and_hf_names():
    model = gpt2()
    assert sum(p.numel() for p in model.parameters()) == 124_439_808
    keys = set(model.state_dict())
    for k in ("transformer.wte.weight", "transformer.wpe.weight", "transformer.h.0.ln_1.weight",
              "transformer.h.0.attn.c_attn.weight", "transformer.h.0.attn.c_attn.bias",
              "transformer.h.0.attn.c_proj.weight", "transformer.h.0.ln_2.bias", "transformer.h.0.mlp.c_fc.weight",
              "transformer.h.11.mlp.c_proj.bias", "transformer.ln_f.weight", "lm_head.weight"):
        assert k in keys, k
    assert model.transformer.h[0].attn.c_attn.weight.shape == (3 * 768, 768)  # nn.Linear's (out, in)
    assert model.lm_head.weight is model.transformer.wte.weight


def test_gpt2_medium_parameter_count():
    model = GPT(GPTConfig.from_name("gpt2-medium"))
    assert sum(p.numel() for p in model.parameters()) == 354_823_168


def test_weight_tying_shares_gradient_and_survives_save_load(tmp_path):
    model = tiny()
    out = model(lucid.tensor(IDX))
    out.sum().backward()
    assert model.lm_head.weight.grad is model.transformer.wte.weight.grad
    lucid.save(model.state_dict(), tmp_path / "m.safetensors")
    other = tiny(seed=1)
    other.load_state_dict(lucid.load(tmp_path / "m.safetensors"))
    assert other.lm_head.weight is other.transformer.wte.weight
    np.testing.assert_array_equal(other(lucid.tensor(IDX)).numpy(), model(lucid.tensor(IDX)).numpy())


def test_gpt2_initialisation():
    lucid.manual_seed(0)
    model = GPT(GPTConfig(n_layer=8, n_embd=256, n_head=4, vocab_size=4000, n_positions=256))
    std = lambda t: float(t.numpy().std())  # noqa: E731
    assert abs(std(model.transformer.wte.weight) - 0.02) < 0.001
    assert abs(std(model.transformer.h[0].attn.c_attn.weight) - 0.02) < 0.001
    assert abs(std(model.transformer.h[0].mlp.c_proj.weight) - 0.02 / 4) < 0.0005  # 1/sqrt(2 * 8)
    assert abs(std(model.transformer.h[3].attn.c_proj.weight) - 0.02 / 4) < 0.0005
    assert not model.transformer.h[0].mlp.c_fc.bias.numpy().any()


@pytest.mark.parametrize("extra", [{}, {"n_kv_head": 2, "rotary": True}], ids=["gpt2", "gqa-rope"])
def test_cached_forward_matches_full_forward(extra):
    model = tiny(**extra).eval()
    full = model(lucid.tensor(IDX)).numpy()
    cache = model.make_cache(step=4)  # forces the cache to grow mid-sequence
    parts = [model(lucid.tensor(IDX[:, :3]), cache), model(lucid.tensor(IDX[:, 3:4]), cache),
             model(lucid.tensor(IDX[:, 4:]), cache)]  # a prefix, one token, then several after a prefix
    got = np.concatenate([p.numpy() for p in parts], axis=1)
    np.testing.assert_allclose(got, full, atol=1e-5, rtol=1e-5)
    assert cache[0].offset == IDX.shape[1]


@pytest.mark.parametrize("extra", [{}, {"n_kv_head": 2}, {"n_kv_head": 1, "rotary": True}],
                         ids=["gpt2", "gqa", "mqa-rope"])
def test_generate_same_tokens_with_and_without_cache(extra):
    model = tiny(**extra)
    prompt = lucid.tensor(IDX[:, :3])
    greedy_c = model.generate(prompt, 8, temperature=0)
    greedy_n = model.generate(prompt, 8, temperature=0, use_cache=False)
    assert greedy_c.shape == (2, 11)
    np.testing.assert_array_equal(greedy_c.numpy(), greedy_n.numpy())
    np.testing.assert_array_equal(greedy_c.numpy()[:, :3], IDX[:, :3])
    # Greedy decoding is the argmax of the full forward at every position.
    full = model(greedy_c[:, :-1]).numpy().argmax(-1)
    np.testing.assert_array_equal(full[:, 2:], greedy_c.numpy()[:, 3:])
    sampled = []
    for use_cache in (True, False):
        lucid.manual_seed(123)
        sampled.append(model.generate(prompt, 8, temperature=1.5, top_k=5, use_cache=use_cache).numpy())
    np.testing.assert_array_equal(sampled[0], sampled[1])
    assert model.training  # the mode is restored


def test_cached_generation_runs_the_blocks_once_per_trace(monkeypatch):
    """After the prompt, tokens come from one compiled step: the Python of the blocks runs only to trace it."""
    from lucid.models import gpt as gpt_module

    model = tiny()
    calls = []
    forward = gpt_module.GPTBlock.forward
    monkeypatch.setattr(gpt_module.GPTBlock, "forward", lambda self, *a: calls.append(1) or forward(self, *a))
    prompt = lucid.tensor(IDX[:, :3])
    greedy = model.generate(prompt, 10, temperature=0)
    assert len(calls) == 2 * model.config.n_layer  # the prompt, then the trace; not once per token
    np.testing.assert_array_equal(greedy.numpy(), model.generate(prompt, 10, temperature=0, use_cache=False).numpy())
    versions = [p._version for p in model.parameters()]
    model.generate(prompt, 4, temperature=1.0, generator=lucid.random.Generator(0))
    assert [p._version for p in model.parameters()] == versions  # generation does not touch the weights


def test_sampling_respects_top_k_and_is_seeded():
    model = tiny()
    prompt = lucid.tensor([[1, 2]])
    out1 = model.generate(prompt, 6, temperature=2.0, top_k=1, generator=lucid.random.Generator(3))
    np.testing.assert_array_equal(out1.numpy(), model.generate(prompt, 6, temperature=0).numpy())
    a = model.generate(prompt, 9, temperature=5.0, generator=lucid.random.Generator(7)).numpy()
    b = model.generate(prompt, 9, temperature=5.0, generator=lucid.random.Generator(7)).numpy()
    np.testing.assert_array_equal(a, b)


def test_sampling_follows_the_softmax():
    """The Gumbel-max sampler draws token frequencies matching softmax(logits / T)."""
    from lucid.models.gpt import _sample

    logits = lucid.tensor([[0.0, 1.0, 2.0, -1.0]]).broadcast_to((20000, 4))
    draws = _sample(logits, 1.0, None, lucid.random.Generator(0)).numpy().ravel()
    p = np.exp([0.0, 1.0, 2.0, -1.0])
    p /= p.sum()
    np.testing.assert_allclose(np.bincount(draws, minlength=4) / len(draws), p, atol=0.015)
    top2 = _sample(logits, 1.0, 2, lucid.random.Generator(0)).numpy().ravel()
    assert set(np.unique(top2)) == {1, 2}


def test_errors_name_the_model_and_shapes():
    model = tiny()
    with pytest.raises(TypeError, match=r"GPT: idx must hold integer token ids, got dtype lucid.float32"):
        model(lucid.ones(1, 3))
    with pytest.raises(ValueError, match=r"GPT: idx must be \(batch, seq\).*\(3,\)"):
        model(lucid.tensor([1, 2, 3]))
    with pytest.raises(ValueError, match=r"position 12 is past the model's n_positions=12 \(idx of shape \(1, 13\)"):
        model(lucid.zeros(1, 13, dtype=lucid.int64))
    cache = model.make_cache()
    model(lucid.zeros(1, 10, dtype=lucid.int64), cache)
    with pytest.raises(ValueError, match=r"after 10 cached tokens"):
        model(lucid.zeros(1, 3, dtype=lucid.int64), cache)
    with pytest.raises(ValueError, match=r"list of 2 KVCache"):
        model(lucid.zeros(1, 3, dtype=lucid.int64), cache[:1])
    with pytest.raises(ValueError, match=r"more than n_positions=12.*use_cache=False"):
        model.generate(lucid.zeros(1, 5, dtype=lucid.int64), 9)
    with pytest.raises(ValueError, match=r"temperature"):
        model.generate(lucid.zeros(1, 5, dtype=lucid.int64), 2, temperature=-1)
    with pytest.raises(ValueError, match=r"top_k must be >= 1"):
        model.generate(lucid.zeros(1, 5, dtype=lucid.int64), 2, top_k=0)
    with pytest.raises(TypeError, match=r"max_new_tokens must be an int"):
        model.generate(lucid.zeros(1, 5, dtype=lucid.int64), 2.0)
    with pytest.raises(ValueError, match=r"n_head \(3\) must divide n_embd \(16\)"):
        GPTConfig(n_embd=16, n_head=3)
    with pytest.raises(ValueError, match=r"n_kv_head \(3\) must divide n_head \(4\)"):
        GPTConfig(n_embd=16, n_head=4, n_kv_head=3)
    with pytest.raises(ValueError, match=r"unknown model 'gpt3'"):
        GPTConfig.from_name("gpt3")
    with pytest.raises(TypeError, match=r"config must be a GPTConfig"):
        GPT({"n_layer": 2})


def test_generate_without_cache_crops_past_n_positions():
    model = tiny()
    out = model.generate(lucid.zeros(1, 10, dtype=lucid.int64), 5, temperature=0, use_cache=False)
    assert out.shape == (1, 15)


def test_training_uses_dropout_and_eval_is_deterministic():
    model = tiny(resid_pdrop=0.5, attn_pdrop=0.5, embd_pdrop=0.5)
    idx = lucid.tensor(IDX)
    a, b = model(idx).numpy(), model(idx).numpy()
    assert not np.allclose(a, b)
    model.eval()
    np.testing.assert_array_equal(model(idx).numpy(), model(idx).numpy())
