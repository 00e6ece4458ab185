"""GPT2LMHeadModel.from_pretrained on Hugging Face-layout directories, against a NumPy GPT-2 of the same arrays."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

import lucid
from lucid.models import GPT, GPT2Config, GPT2LMHeadModel, GPTConfig

try:
    from safetensors.numpy import save_file as _st_save
except ImportError:  # pragma: no cover - the suite's venv has safetensors, but it is optional
    _st_save = None

CFG = dict(vocab_size=37, n_positions=16, n_embd=32, n_layer=2, n_head=4)


def write_safetensors(arrays: dict, path) -> None:
    """Write with the ``safetensors`` library when installed (an independent writer), else with Lucid's."""
    if _st_save is not None:
        _st_save({k: np.ascontiguousarray(v) for k, v in arrays.items()}, str(path), metadata={"format": "pt"})
    else:
        lucid.save_safetensors(arrays, path)


def hf_gpt2_arrays(seed=0, n_layer=2, n_embd=32, vocab=37, n_pos=16, prefix="transformer.", buffers=True,
                   head=False) -> dict:
    """Random GPT-2 weights under Hugging Face's names, Conv1D weights stored (in, out)."""
    rng = np.random.default_rng(seed)

    def r(*shape, scale=0.2):
        return (rng.standard_normal(shape) * scale).astype(np.float32)

    C = n_embd
    sd = {prefix + "wte.weight": r(vocab, C), prefix + "wpe.weight": r(n_pos, C)}
    for i in range(n_layer):
        p = f"{prefix}h.{i}."
        sd.update({
            p + "ln_1.weight": 1 + r(C), p + "ln_1.bias": r(C),
            p + "attn.c_attn.weight": r(C, 3 * C), p + "attn.c_attn.bias": r(3 * C),
            p + "attn.c_proj.weight": r(C, C), p + "attn.c_proj.bias": r(C),
            p + "ln_2.weight": 1 + r(C), p + "ln_2.bias": r(C),
            p + "mlp.c_fc.weight": r(C, 4 * C), p + "mlp.c_fc.bias": r(4 * C),
            p + "mlp.c_proj.weight": r(4 * C, C), p + "mlp.c_proj.bias": r(C),
        })
        if buffers:
            sd[p + "attn.bias"] = np.tril(np.ones((n_pos, n_pos), np.float32))[None, None]
            sd[p + "attn.masked_bias"] = np.array(-1e4, np.float32)
    sd[prefix + "ln_f.weight"] = 1 + r(C)
    sd[prefix + "ln_f.bias"] = r(C)
    if head:
        sd["lm_head.weight"] = sd[prefix + "wte.weight"].copy()
    return sd


def write_dir(path, arrays, config=None, sharded=False):
    path.mkdir(parents=True, exist_ok=True)
    config = {"model_type": "gpt2", "architectures": ["GPT2LMHeadModel"], "n_ctx": CFG["n_positions"],
              "activation_function": "gelu_new", **CFG} if config is None else config
    (path / "config.json").write_text(json.dumps(config))
    if not sharded:
        write_safetensors(arrays, path / "model.safetensors")
        return path
    names = list(arrays)
    shards = {"model-00001-of-00002.safetensors": names[: len(names) // 2],
              "model-00002-of-00002.safetensors": names[len(names) // 2:]}
    for shard, keys in shards.items():
        write_safetensors({k: arrays[k] for k in keys}, path / shard)
    weight_map = {k: shard for shard, keys in shards.items() for k in keys}
    (path / "model.safetensors.index.json").write_text(json.dumps({"metadata": {"total_size": 0},
                                                                  "weight_map": weight_map}))
    return path


# -- NumPy reference: GPT-2 on Hugging Face's arrays (Conv1D: x @ W + b) ---------------------------
def _ln(x, w, b, eps=1e-5):
    return (x - x.mean(-1, keepdims=True)) / np.sqrt(x.var(-1, keepdims=True) + eps) * w + b


def _gelu_tanh(x):
    return 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))


def reference_logits(sd: dict, idx: np.ndarray, n_layer=2, n_head=4, prefix="transformer.") -> np.ndarray:
    sd = {k: v.astype(np.float64) for k, v in sd.items()}
    B, T = idx.shape
    x = sd[prefix + "wte.weight"][idx] + sd[prefix + "wpe.weight"][:T]
    C = x.shape[-1]
    D = C // n_head
    causal = np.tril(np.ones((T, T), bool))
    for i in range(n_layer):
        p = f"{prefix}h.{i}."
        h = _ln(x, sd[p + "ln_1.weight"], sd[p + "ln_1.bias"])
        qkv = h @ sd[p + "attn.c_attn.weight"] + sd[p + "attn.c_attn.bias"]
        q, k, v = (qkv[..., j * C:(j + 1) * C].reshape(B, T, n_head, D).transpose(0, 2, 1, 3) for j in range(3))
        s = np.where(causal, q @ k.transpose(0, 1, 3, 2) / math.sqrt(D), -np.inf)
        a = np.exp(s - s.max(-1, keepdims=True))
        a /= a.sum(-1, keepdims=True)
        y = (a @ v).transpose(0, 2, 1, 3).reshape(B, T, C)
        x = x + y @ sd[p + "attn.c_proj.weight"] + sd[p + "attn.c_proj.bias"]
        h = _ln(x, sd[p + "ln_2.weight"], sd[p + "ln_2.bias"])
        h = _gelu_tanh(h @ sd[p + "mlp.c_fc.weight"] + sd[p + "mlp.c_fc.bias"])
        x = x + h @ sd[p + "mlp.c_proj.weight"] + sd[p + "mlp.c_proj.bias"]
    x = _ln(x, sd[prefix + "ln_f.weight"], sd[prefix + "ln_f.bias"])
    return x @ sd[prefix + "wte.weight"].T


IDX = np.array([[3, 1, 4, 1, 5, 9, 2, 6], [2, 7, 1, 8, 2, 8, 1, 8]])


@pytest.mark.parametrize("variant", ["single", "sharded", "no_prefix", "no_buffers", "with_head"])
def test_from_pretrained_matches_numpy_gpt2(tmp_path, variant):
    prefix = "" if variant == "no_prefix" else "transformer."
    sd = hf_gpt2_arrays(prefix=prefix, buffers=variant != "no_buffers", head=variant == "with_head")
    write_dir(tmp_path / "m", sd, sharded=variant == "sharded")
    model = GPT2LMHeadModel.from_pretrained(tmp_path / "m")
    assert not model.training  # from_pretrained returns an eval-mode model (dropout off)
    assert model.lm_head.weight is model.transformer.wte.weight
    logits = model(lucid.tensor(IDX)).numpy()
    np.testing.assert_allclose(logits, reference_logits(sd, IDX, prefix=prefix), rtol=1e-4, atol=1e-4)


def test_conv1d_weights_are_transposed_on_load(tmp_path):
    sd = hf_gpt2_arrays()
    model = GPT2LMHeadModel.from_pretrained(write_dir(tmp_path / "m", sd))
    w = model.transformer.h[1].mlp.c_fc.weight.numpy()
    assert w.shape == (128, 32)
    np.testing.assert_array_equal(w, sd["transformer.h.1.mlp.c_fc.weight"].T)


def test_config_json_fields_and_extras(tmp_path):
    model = GPT2LMHeadModel.from_pretrained(write_dir(tmp_path / "m", hf_gpt2_arrays()))
    cfg = model.config
    assert isinstance(cfg, GPT2Config) and isinstance(model, GPT)
    assert (cfg.n_layer, cfg.n_embd, cfg.n_head, cfg.vocab_size) == (2, 32, 4, 37)
    assert cfg.extra == {"architectures": ["GPT2LMHeadModel"], "n_ctx": 16}
    assert cfg.hidden_size == 32 and cfg.num_hidden_layers == 2 and cfg.max_position_embeddings == 16


def test_save_pretrained_round_trip_in_hf_layout(tmp_path):
    model = GPT2LMHeadModel.from_pretrained(write_dir(tmp_path / "m", hf_gpt2_arrays()))
    model.save_pretrained(tmp_path / "out")
    saved = lucid.load_safetensors(tmp_path / "out" / "model.safetensors")
    assert "lm_head.weight" not in saved  # tied, left out as Hugging Face does
    assert saved["transformer.h.0.attn.c_attn.weight"].shape == (32, 96)  # Conv1D layout (in, out)
    config = json.loads((tmp_path / "out" / "config.json").read_text())
    assert config["model_type"] == "gpt2" and config["architectures"] == ["GPT2LMHeadModel"]
    again = GPT2LMHeadModel.from_pretrained(tmp_path / "out")
    ids = lucid.tensor(IDX)
    np.testing.assert_array_equal(again(ids).numpy(), model(ids).numpy())
    model.save_pretrained(tmp_path / "out", max_shard_size=20_000)
    assert (tmp_path / "out" / "model.safetensors.index.json").is_file()
    np.testing.assert_array_equal(GPT2LMHeadModel.from_pretrained(tmp_path / "out")(ids).numpy(),
                                  model(ids).numpy())


def test_missing_and_unexpected_keys_are_named(tmp_path):
    sd = hf_gpt2_arrays()
    del sd["transformer.h.1.ln_2.bias"]
    sd["transformer.h.0.attn.extra_scale"] = np.ones(3, np.float32)
    write_dir(tmp_path / "m", sd)
    with pytest.raises(RuntimeError, match=r"missing keys: 'transformer\.h\.1\.ln_2\.bias'.*unexpected keys: "
                                           r"'transformer\.h\.0\.attn\.extra_scale'.*strict=False"):
        GPT2LMHeadModel.from_pretrained(tmp_path / "m")
    with pytest.warns(UserWarning, match="missing keys"):
        model = GPT2LMHeadModel.from_pretrained(tmp_path / "m", strict=False)
    np.testing.assert_array_equal(model.transformer.h[0].ln_1.bias.numpy(), sd["transformer.h.0.ln_1.bias"])


def test_shape_mismatch_is_an_error(tmp_path):
    sd = hf_gpt2_arrays(n_embd=32)
    config = {"model_type": "gpt2", **CFG, "n_embd": 64}
    write_dir(tmp_path / "m", sd, config=config)
    with pytest.raises(RuntimeError, match="size mismatch for transformer.wte.weight"):
        GPT2LMHeadModel.from_pretrained(tmp_path / "m")


@pytest.mark.parametrize("change, error, match", [
    ({"model_type": "bert"}, ValueError, "model_type 'bert'"),
    ({"n_head": 5}, ValueError, "must divide n_embd"),
    ({"n_layer": "2"}, TypeError, "n_layer must be an int"),
    ({"n_layer": 0}, ValueError, "n_layer must be >= 1"),
    ({"activation_function": "relu"}, NotImplementedError, "activation_function"),
    ({"scale_attn_by_inverse_layer_idx": True}, NotImplementedError, "scale_attn_by_inverse_layer_idx"),
    ({"tie_word_embeddings": False}, NotImplementedError, "tie_word_embeddings"),
    ({"attn_pdrop": 1.5}, ValueError, "attn_pdrop"),
])
def test_bad_config_errors(tmp_path, change, error, match):
    write_dir(tmp_path / "m", hf_gpt2_arrays(), config={"model_type": "gpt2", **CFG, **change})
    with pytest.raises(error, match=match):
        GPT2LMHeadModel.from_pretrained(tmp_path / "m")


def test_directory_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="not a directory"):
        GPT2LMHeadModel.from_pretrained(tmp_path / "nowhere")
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileNotFoundError, match="no config file"):
        GPT2LMHeadModel.from_pretrained(tmp_path / "empty")
    (tmp_path / "empty" / "config.json").write_text("{not json")
    with pytest.raises(ValueError, match="not valid JSON"):
        GPT2LMHeadModel.from_pretrained(tmp_path / "empty")
    (tmp_path / "empty" / "config.json").write_text(json.dumps({"model_type": "gpt2", **CFG}))
    with pytest.raises(FileNotFoundError, match="no model.safetensors"):
        GPT2LMHeadModel.from_pretrained(tmp_path / "empty")
    (tmp_path / "empty" / "pytorch_model.bin").write_bytes(b"PK")
    with pytest.raises(FileNotFoundError, match="python -m lucid.models.convert"):
        GPT2LMHeadModel.from_pretrained(tmp_path / "empty")


def test_config_from_dict_and_json(tmp_path):
    with pytest.raises(TypeError, match="expected a dict"):
        GPT2Config.from_dict([1])
    cfg = GPT2Config.from_dict({"n_layer": 3, "summary_type": "cls_index"}, n_head=4, n_embd=32)
    assert (cfg.n_layer, cfg.n_head, cfg.extra) == (3, 4, {"summary_type": "cls_index"})
    cfg.to_json_file(tmp_path / "config.json")
    again = GPT2Config.from_json_file(tmp_path)
    assert again == cfg and again.extra == cfg.extra
    assert GPT2Config() == GPT2Config.from_name("gpt2")
    assert GPT2Config().to_dict()["layer_norm_epsilon"] == 1e-5


def test_gpt2_config_accepts_a_plain_gpt_config_and_counts_gpt2_small():
    model = GPT2LMHeadModel(GPTConfig(**CFG))
    assert isinstance(model.config, GPT2Config)
    with pytest.raises(TypeError, match="GPT2Config"):
        GPT2LMHeadModel({"n_layer": 2})
    assert sum(p.numel() for p in GPT2LMHeadModel().parameters()) == 124_439_808
