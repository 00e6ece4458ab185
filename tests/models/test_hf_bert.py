"""BertModel: NumPy BERT reference on Hugging Face-layout directories, prefixes, heads, errors, BERT-base's count."""

from __future__ import annotations

import json
import math

import mlx.core as mx
import numpy as np
import pytest
from scipy.special import erf

import lucid
import lucid.models as models
from lucid.models import BaseModelOutputWithPooling, BertConfig, BertModel

try:
    from safetensors.numpy import save_file as _st_save
except ImportError:  # pragma: no cover
    _st_save = None

CFG = dict(vocab_size=41, hidden_size=32, num_hidden_layers=2, num_attention_heads=4, intermediate_size=64,
           max_position_embeddings=16, type_vocab_size=2)


def write_safetensors(arrays: dict, path) -> None:
    if _st_save is not None:
        _st_save({k: np.ascontiguousarray(v) for k, v in arrays.items()}, str(path))
    else:
        lucid.save_safetensors(arrays, path)


def hf_bert_arrays(seed=0, prefix="", cls_head=False, position_ids=False, gamma_beta=False) -> dict:
    rng = np.random.default_rng(seed)

    def r(*shape, scale=0.2):
        return (rng.standard_normal(shape) * scale).astype(np.float32)

    C, F, L = CFG["hidden_size"], CFG["intermediate_size"], CFG["num_hidden_layers"]
    w, b = ("gamma", "beta") if gamma_beta else ("weight", "bias")
    e = prefix + "embeddings."
    sd = {e + "word_embeddings.weight": r(CFG["vocab_size"], C),
          e + "position_embeddings.weight": r(CFG["max_position_embeddings"], C),
          e + "token_type_embeddings.weight": r(2, C),
          e + f"LayerNorm.{w}": 1 + r(C), e + f"LayerNorm.{b}": r(C)}
    if position_ids:
        sd[e + "position_ids"] = np.arange(CFG["max_position_embeddings"])[None]
    for i in range(L):
        p = f"{prefix}encoder.layer.{i}."
        for name in ("query", "key", "value"):
            sd[p + f"attention.self.{name}.weight"] = r(C, C)
            sd[p + f"attention.self.{name}.bias"] = r(C)
        sd.update({p + "attention.output.dense.weight": r(C, C), p + "attention.output.dense.bias": r(C),
                   p + f"attention.output.LayerNorm.{w}": 1 + r(C), p + f"attention.output.LayerNorm.{b}": r(C),
                   p + "intermediate.dense.weight": r(F, C), p + "intermediate.dense.bias": r(F),
                   p + "output.dense.weight": r(C, F), p + "output.dense.bias": r(C),
                   p + f"output.LayerNorm.{w}": 1 + r(C), p + f"output.LayerNorm.{b}": r(C)})
    sd[prefix + "pooler.dense.weight"] = r(C, C)
    sd[prefix + "pooler.dense.bias"] = r(C)
    if cls_head:
        sd["cls.predictions.bias"] = r(CFG["vocab_size"])
        sd["cls.predictions.transform.dense.weight"] = r(C, C)
        sd["cls.seq_relationship.weight"] = r(2, C)
    return sd


def write_dir(path, arrays, config=None, sharded=False):
    path.mkdir(parents=True, exist_ok=True)
    config = {"model_type": "bert", "architectures": ["BertForMaskedLM"], "hidden_act": "gelu",
              "layer_norm_eps": 1e-12, "transformers_version": "4.0", **CFG} if config is None else config
    (path / "config.json").write_text(json.dumps(config))
    if not sharded:
        write_safetensors(arrays, path / "model.safetensors")
        return path
    names = list(arrays)
    half = {"model-00001-of-00002.safetensors": names[::2], "model-00002-of-00002.safetensors": names[1::2]}
    for shard, keys in half.items():
        write_safetensors({k: arrays[k] for k in keys}, path / shard)
    (path / "model.safetensors.index.json").write_text(json.dumps(
        {"metadata": {}, "weight_map": {k: s for s, keys in half.items() for k in keys}}))
    return path


# -- NumPy reference: BERT (post-norm, exact GELU, padding mask) --------------------------------
def _ln(x, w, b, eps=1e-12):
    return (x - x.mean(-1, keepdims=True)) / np.sqrt(x.var(-1, keepdims=True) + eps) * w + b


def _gelu_erf(x):
    return 0.5 * x * (1 + erf(x / math.sqrt(2)))


def reference_bert(sd, ids, mask=None, types=None, prefix=""):
    sd = {k[len(prefix):]: v.astype(np.float64) for k, v in sd.items() if k.startswith(prefix)}
    B, T = ids.shape
    H = CFG["num_attention_heads"]
    types = np.zeros_like(ids) if types is None else types
    x = sd["embeddings.word_embeddings.weight"][ids] + sd["embeddings.position_embeddings.weight"][:T] + \
        sd["embeddings.token_type_embeddings.weight"][types]
    x = _ln(x, sd["embeddings.LayerNorm.weight"], sd["embeddings.LayerNorm.bias"])
    C = x.shape[-1]
    D = C // H
    add = np.zeros((B, 1, 1, T)) if mask is None else np.where(mask[:, None, None, :] > 0, 0.0, -np.inf)
    for i in range(CFG["num_hidden_layers"]):
        p = f"encoder.layer.{i}."

        def lin(h, name, p=p):
            return h @ sd[p + name + ".weight"].T + sd[p + name + ".bias"]

        q, k, v = (lin(x, f"attention.self.{n}").reshape(B, T, H, D).transpose(0, 2, 1, 3)
                   for n in ("query", "key", "value"))
        s = q @ k.transpose(0, 1, 3, 2) / math.sqrt(D) + add
        a = np.exp(s - s.max(-1, keepdims=True))
        a /= a.sum(-1, keepdims=True)
        y = (a @ v).transpose(0, 2, 1, 3).reshape(B, T, C)
        x = _ln(lin(y, "attention.output.dense") + x, sd[p + "attention.output.LayerNorm.weight"],
                sd[p + "attention.output.LayerNorm.bias"])
        h = _gelu_erf(lin(x, "intermediate.dense"))
        x = _ln(lin(h, "output.dense") + x, sd[p + "output.LayerNorm.weight"], sd[p + "output.LayerNorm.bias"])
    pooled = np.tanh(x[:, 0] @ sd["pooler.dense.weight"].T + sd["pooler.dense.bias"])
    return x, pooled


IDS = np.array([[2, 11, 7, 30, 5, 3], [2, 9, 3, 0, 0, 0]])
MASK = np.array([[1, 1, 1, 1, 1, 1], [1, 1, 1, 0, 0, 0]])
TYPES = np.array([[0, 0, 0, 1, 1, 1], [0, 0, 0, 0, 0, 0]])


@pytest.mark.parametrize("variant", ["single", "sharded", "bert_prefix"])
def test_from_pretrained_matches_numpy_bert(tmp_path, variant):
    prefix = "bert." if variant == "bert_prefix" else ""
    sd = hf_bert_arrays(prefix=prefix)
    write_dir(tmp_path / "m", sd, sharded=variant == "sharded")
    model = BertModel.from_pretrained(tmp_path / "m")
    assert not model.training
    out = model(lucid.tensor(IDS), attention_mask=lucid.tensor(MASK), token_type_ids=lucid.tensor(TYPES))
    hidden, pooled = reference_bert(sd, IDS, MASK, TYPES, prefix=prefix)
    np.testing.assert_allclose(out.last_hidden_state.numpy(), hidden, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(out.pooler_output.numpy(), pooled, rtol=1e-4, atol=1e-4)


def test_padding_does_not_change_the_real_tokens(tmp_path):
    sd = hf_bert_arrays()
    model = BertModel.from_pretrained(write_dir(tmp_path / "m", sd))
    padded = model(lucid.tensor(IDS[1:]), attention_mask=lucid.tensor(MASK[1:])).last_hidden_state.numpy()
    alone = model(lucid.tensor(IDS[1:, :3])).last_hidden_state.numpy()
    np.testing.assert_allclose(padded[:, :3], alone, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(alone, reference_bert(sd, IDS[1:, :3])[0], rtol=1e-4, atol=1e-4)


def test_pretraining_heads_are_ignored_with_a_note(tmp_path):
    sd = hf_bert_arrays(prefix="bert.", cls_head=True, position_ids=True, gamma_beta=True)
    write_dir(tmp_path / "m", sd)
    with pytest.warns(UserWarning, match=r"ignored 3 tensor\(s\) of pre-training heads \(cls\."):
        model = BertModel.from_pretrained(tmp_path / "m")
    np.testing.assert_array_equal(model.encoder.layer[1].output.LayerNorm.weight.numpy(),
                                  sd["bert.encoder.layer.1.output.LayerNorm.gamma"])


def test_missing_and_unexpected_keys_are_named(tmp_path):
    sd = hf_bert_arrays()
    del sd["encoder.layer.0.attention.self.key.bias"]
    sd["classifier.weight"] = np.zeros((2, 32), np.float32)
    write_dir(tmp_path / "m", sd)
    with pytest.raises(RuntimeError, match=r"missing keys: 'encoder\.layer\.0\.attention\.self\.key\.bias'.*"
                                           r"unexpected keys: 'classifier\.weight'"):
        BertModel.from_pretrained(tmp_path / "m")


@pytest.mark.parametrize("change, error, match", [
    ({"model_type": "gpt2"}, ValueError, "model_type 'gpt2'"),
    ({"num_attention_heads": 5}, ValueError, "must divide hidden_size"),
    ({"hidden_size": 32.0}, TypeError, "hidden_size must be an int"),
    ({"hidden_act": "gelu_fast2"}, ValueError, "unknown hidden_act"),
    ({"position_embedding_type": "relative_key"}, NotImplementedError, "absolute"),
    ({"layer_norm_eps": 0}, ValueError, "layer_norm_eps"),
    ({"hidden_dropout_prob": -0.1}, ValueError, "hidden_dropout_prob"),
    ({"pad_token_id": 41}, ValueError, "pad_token_id"),
])
def test_bad_config_errors(tmp_path, change, error, match):
    write_dir(tmp_path / "m", hf_bert_arrays(), config={"model_type": "bert", **CFG, **change})
    with pytest.raises(error, match=match):
        BertModel.from_pretrained(tmp_path / "m")


def test_config_defaults_are_bert_base():
    cfg = BertConfig()
    assert (cfg.vocab_size, cfg.hidden_size, cfg.num_hidden_layers, cfg.num_attention_heads,
            cfg.intermediate_size, cfg.max_position_embeddings, cfg.type_vocab_size) == \
        (30522, 768, 12, 12, 3072, 512, 2)
    assert cfg.hidden_act == "gelu" and cfg.layer_norm_eps == 1e-12 and cfg.pad_token_id == 0
    assert BertConfig.from_dict(cfg.to_dict()) == cfg


def test_bert_base_count_is_lazy():
    before = mx.get_active_memory()
    model = BertModel()
    assert sum(p.numel() for p in model.parameters()) == 109_482_240
    assert mx.get_active_memory() - before < 4 * 2**20
    assert models.get_model_info("bert-base-uncased").num_params == 109_482_240
    assert isinstance(models.create_model("bert-base-uncased", num_hidden_layers=1), BertModel)


def test_output_object_access():
    lucid.manual_seed(0)
    model = BertModel(BertConfig(**CFG)).eval()
    out = model(lucid.tensor(IDS))
    assert isinstance(out, BaseModelOutputWithPooling)
    assert out[0] is out.last_hidden_state is out["last_hidden_state"]
    assert out[1] is out.pooler_output and len(out) == 2
    hidden, pooled = out
    assert hidden.shape == (2, 6, 32) and pooled.shape == (2, 32)
    with pytest.raises(KeyError, match="attentions"):
        out["attentions"]
    bare = BertModel(BertConfig(**CFG), add_pooling_layer=False).eval()(lucid.tensor(IDS))
    assert bare.pooler_output is None and len(bare) == 1 and bare.keys() == ("last_hidden_state",)


def test_save_pretrained_round_trip(tmp_path):
    model = BertModel.from_pretrained(write_dir(tmp_path / "m", hf_bert_arrays()))
    model.save_pretrained(tmp_path / "out")
    assert set(lucid.load_safetensors(tmp_path / "out" / "model.safetensors")) == set(model.state_dict())
    again = BertModel.from_pretrained(tmp_path / "out")
    ids = lucid.tensor(IDS)
    np.testing.assert_array_equal(again(ids).pooler_output.numpy(), model(ids).pooler_output.numpy())


def test_forward_input_errors():
    lucid.manual_seed(0)
    model = BertModel(BertConfig(**CFG)).eval()
    ids = lucid.tensor(IDS)
    with pytest.raises(TypeError, match="integer ids"):
        model(ids.float())
    with pytest.raises(ValueError, match=r"\(batch, seq\)"):
        model(lucid.tensor([1, 2, 3]))
    with pytest.raises(ValueError, match="max_position_embeddings=16"):
        model(lucid.zeros(1, 17, dtype=lucid.int64))
    with pytest.raises(ValueError, match="attention_mask must be a Tensor of shape"):
        model(ids, attention_mask=lucid.tensor([[1, 1]]))
    with pytest.raises(ValueError, match="token_type_ids must have"):
        model(ids, token_type_ids=lucid.tensor([[0]]))


def test_training_step_reaches_every_parameter():
    lucid.manual_seed(0)
    model = BertModel(BertConfig(**CFG))
    out = model(lucid.tensor(IDS), attention_mask=lucid.tensor(MASK))
    (out.last_hidden_state.square().mean() + out.pooler_output.sum()).backward()
    assert all(p.grad is not None for p in model.parameters())
