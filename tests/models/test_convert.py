"""python -m lucid.models.convert: the pure name mapping, and the command line with a stand-in for torch."""

from __future__ import annotations

import json
import subprocess
import sys
import types
from pathlib import Path

import numpy as np
import pytest

import lucid
import lucid.models as models
from lucid.models import BertConfig, BertModel, GPT2Config, GPT2LMHeadModel
from lucid.models.convert import convert_state_dict, main

TINY_GPT2 = dict(vocab_size=23, n_positions=8, n_embd=16, n_layer=2, n_head=2)
TINY_BERT = dict(vocab_size=23, hidden_size=16, num_hidden_layers=2, num_attention_heads=2, intermediate_size=32,
                 max_position_embeddings=8)


def numpy_state(state: dict) -> dict:
    return {k: v.numpy() for k, v in state.items()}


def test_gpt2_drops_buffers_and_the_tied_head_and_keeps_conv1d_layout(tmp_path):
    lucid.manual_seed(0)
    model = GPT2LMHeadModel(GPT2Config(**TINY_GPT2)).eval()
    hf = numpy_state(GPT2LMHeadModel._to_hf(model.state_dict(), model.config))  # HF layout, Conv1D (in, out)
    hf["lm_head.weight"] = hf["transformer.wte.weight"].copy()
    for i in range(2):
        hf[f"transformer.h.{i}.attn.bias"] = np.tril(np.ones((8, 8), np.float32))[None, None]
        hf[f"transformer.h.{i}.attn.masked_bias"] = np.array(-1e4, np.float32)
    out, notes = convert_state_dict(hf, "gpt2")
    assert "lm_head.weight" not in out and not any(k.endswith((".attn.bias", ".attn.masked_bias")) for k in out)
    assert out["transformer.h.0.mlp.c_fc.weight"].shape == (16, 64)
    assert any("tied" in n for n in notes) and any("4 attention mask" in n for n in notes)
    folder = tmp_path / "gpt2"
    folder.mkdir()
    (folder / "config.json").write_text(json.dumps(model.config.to_dict()))
    lucid.save_safetensors(out, folder / "model.safetensors")
    ids = lucid.tensor([[1, 5, 2, 7]])
    np.testing.assert_array_equal(GPT2LMHeadModel.from_pretrained(folder)(ids).numpy(), model(ids).numpy())


def test_gpt2_keeps_an_untied_head():
    state = {"wte.weight": np.ones((3, 2), np.float32), "lm_head.weight": np.zeros((3, 2), np.float32)}
    out, _ = convert_state_dict(state, "gpt2")
    assert set(out) == {"wte.weight", "lm_head.weight"}


def test_bert_renames_gamma_beta_and_drops_index_buffers():
    state = {"bert.embeddings.LayerNorm.gamma": np.ones(4, np.float32),
             "bert.embeddings.LayerNorm.beta": np.zeros(4, np.float32),
             "bert.embeddings.position_ids": np.arange(8)[None],
             "cls.predictions.bias": np.zeros(5, np.float32)}
    out, notes = convert_state_dict(state, "bert")
    assert set(out) == {"bert.embeddings.LayerNorm.weight", "bert.embeddings.LayerNorm.bias", "cls.predictions.bias"}
    assert any("renamed 2" in n for n in notes)


def test_torchvision_names_are_checked_against_the_architecture():
    state = numpy_state(models.resnet18().state_dict())
    wrapped = {"module." + k: v for k, v in state.items()}
    out, notes = convert_state_dict(wrapped, "resnet18")
    assert set(out) == set(state) and "module." in notes[0]
    del state["fc.bias"]
    state["fc2.weight"] = np.zeros(1, np.float32)
    with pytest.raises(ValueError, match=r"missing \['fc\.bias'\]; unexpected \['fc2\.weight'\]"):
        convert_state_dict(state, "resnet18")
    with pytest.raises(ValueError, match="unknown arch 'resnet19'"):
        convert_state_dict(state, "resnet19")
    with pytest.raises(TypeError, match="numpy array"):
        convert_state_dict({"w": [1.0]})


class _FakeTensor:
    """Just what the converter asks of a torch tensor."""

    def __init__(self, array, dtype="torch.float32"):
        self.array, self.dtype = array, dtype

    def detach(self):
        return self

    def cpu(self):
        return self

    def contiguous(self):
        return self

    def float(self):
        return _FakeTensor(self.array.astype(np.float32))

    def numpy(self):
        return self.array


@pytest.fixture
def fake_torch(monkeypatch):
    """A stand-in ``torch`` whose ``load`` returns a prepared dict, so the command runs without PyTorch."""
    module = types.ModuleType("torch")
    module.loaded = {}
    module.calls = []

    def load(path, map_location=None, weights_only=False):
        module.calls.append((str(path), map_location, weights_only))
        return module.loaded[str(path)]

    module.load = load
    monkeypatch.setitem(sys.modules, "torch", module)
    return module


def test_command_converts_a_torchvision_file(tmp_path, fake_torch, capsys):
    lucid.manual_seed(0)
    net = models.resnet18(num_classes=5).eval()
    src = tmp_path / "resnet18.pth"
    src.write_bytes(b"")
    fake_torch.loaded[str(src)] = {"state_dict": {k: _FakeTensor(v.numpy()) for k, v in net.state_dict().items()}}
    dst = tmp_path / "out" / "resnet18.safetensors"
    assert main([str(src), str(dst), "--arch", "resnet18"]) == 0
    assert fake_torch.calls == [(str(src), "cpu", True)]  # never a full unpickle
    assert "wrote 122 tensors" in capsys.readouterr().out
    again = models.resnet18(num_classes=5)
    again.load_state_dict(lucid.load_safetensors(dst))
    x = lucid.randn(1, 3, 32, 32)
    np.testing.assert_array_equal(again.eval()(x).numpy(), net(x).numpy())


def test_command_converts_a_hugging_face_directory(tmp_path, fake_torch):
    lucid.manual_seed(1)
    bert = BertModel(BertConfig(**TINY_BERT)).eval()
    src = tmp_path / "hf-bert"
    src.mkdir()
    (src / "config.json").write_text(json.dumps(bert.config.to_dict()))
    state = {"bert." + k: _FakeTensor(v.numpy()) for k, v in bert.state_dict().items()}
    state["bert.embeddings.position_ids"] = _FakeTensor(np.arange(8)[None], "torch.int64")
    fake_torch.loaded[str(src / "pytorch_model.bin")] = state
    (src / "pytorch_model.bin").write_bytes(b"")
    assert main([str(src), str(tmp_path / "lucid-bert")]) == 0  # arch from config.json's model_type
    loaded = BertModel.from_pretrained(tmp_path / "lucid-bert")
    ids = lucid.tensor([[2, 4, 6]])
    np.testing.assert_array_equal(loaded(ids).last_hidden_state.numpy(), bert(ids).last_hidden_state.numpy())


def test_command_without_torch_says_how_to_get_it(tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "torch", None)  # makes `import torch` fail
    src = tmp_path / "model.pth"
    src.write_bytes(b"PK")
    assert main([str(src), str(tmp_path / "out.safetensors")]) == 1
    err = capsys.readouterr().err
    assert "needs PyTorch: pip install torch" in err
    assert main([str(tmp_path / "nowhere.pth"), str(tmp_path / "out.safetensors")]) == 1
    assert "no file or directory" in capsys.readouterr().err


def test_python_dash_m_runs_the_command(tmp_path):
    src = tmp_path / "hf"
    src.mkdir()
    lucid.save_safetensors({"fc.weight": lucid.ones(2, 3)}, src / "model.safetensors")
    repo = Path(__file__).resolve().parents[2]
    run = subprocess.run([sys.executable, "-m", "lucid.models.convert", str(src), str(tmp_path / "out")],
                         cwd=repo, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert "wrote 1 tensors" in run.stdout
    assert list(lucid.load_safetensors(tmp_path / "out" / "model.safetensors")) == ["fc.weight"]
