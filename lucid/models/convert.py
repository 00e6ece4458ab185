"""Convert PyTorch checkpoints to safetensors files that Lucid loads by name: ``python -m lucid.models.convert``.

Usage (where PyTorch is installed; Lucid itself never unpickles)::

    python -m lucid.models.convert resnet18-f37072fd.pth resnet18.safetensors --arch resnet18
    python -m lucid.models.convert path/to/hf-gpt2 gpt2-lucid        # a Hugging Face directory

``SRC`` is a torchvision-style ``.pth``/``.pt`` state dict, a Hugging Face
``pytorch_model.bin``, or a Hugging Face directory (``config.json`` plus
``pytorch_model.bin``, its sharded ``pytorch_model.bin.index.json``, or
``model.safetensors``). ``DST`` is a ``.safetensors`` file, or a directory
that receives ``model.safetensors`` and a copy of ``config.json``, ready for
``GPT2LMHeadModel.from_pretrained`` / ``BertModel.from_pretrained``.

The mapping itself, :func:`convert_state_dict`, is a pure function over
``{name: numpy array}``: torchvision names are Lucid's already (it checks
them against the architecture named by ``--arch``); GPT-2 loses its causal
mask buffers and the tied ``lm_head.weight`` but keeps the ``Conv1D``
``(in, out)`` layout that ``from_pretrained`` expects; BERT loses its index
buffers and has TensorFlow-era ``gamma``/``beta`` renamed.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sys

import numpy as np

__all__ = ["convert_state_dict", "load_torch_checkpoint", "main"]

_GPT2_BUFFER = re.compile(r"(transformer\.)?h\.\d+\.attn\.(bias|masked_bias)")
_BERT_BUFFER = re.compile(r"(bert\.)?embeddings\.(position_ids|token_type_ids)")
_HF_ARCHS = ("gpt2", "bert")


def _strip_common_prefix(state: dict, prefix: str) -> dict:
    if state and all(k.startswith(prefix) for k in state):
        return {k[len(prefix):]: v for k, v in state.items()}
    return state


def convert_state_dict(state: dict, arch: str | None = None) -> tuple[dict, list[str]]:
    """Map a PyTorch ``state_dict`` (as ``{name: numpy array}``) to the names and layouts Lucid loads.

    A ``module.`` prefix on every key (``nn.DataParallel``) is removed. Then,
    by ``arch``:

    * ``None``: names kept as they are (not checked).
    * ``"gpt2"``: the ``attn.bias``/``attn.masked_bias`` buffers are dropped, and
      ``lm_head.weight`` too when it equals ``wte`` (tied). ``Conv1D`` weights stay
      ``(in, out)``: :meth:`~lucid.models.GPT2LMHeadModel.from_pretrained` transposes them.
    * ``"bert"``: the ``embeddings.position_ids``/``token_type_ids`` buffers are dropped and
      ``LayerNorm.gamma``/``beta`` become ``weight``/``bias``.
    * a registered model name (``"resnet18"``, ...): names are kept (torchvision's are
      Lucid's) and checked against that model's ``state_dict``.

    Args:
        state: tensor name -> NumPy array.
        arch: see above.

    Returns:
        ``(converted, notes)``: the new dict and one line per change made.

    Raises:
        TypeError: ``state`` is not a dict of string names and NumPy arrays.
        ValueError: an unknown ``arch``, or (registered models) missing or unexpected names, listed.

    Examples:
        >>> import numpy as np
        >>> from lucid.models.convert import convert_state_dict
        >>> out, notes = convert_state_dict({"module.fc.weight": np.zeros((2, 3), np.float32)})
        >>> list(out), notes
        (['fc.weight'], ["removed the prefix 'module.' (nn.DataParallel) from every name"])
    """
    if not isinstance(state, dict):
        raise TypeError(f"convert_state_dict: expected a dict of name -> numpy array, got {type(state).__name__}")
    for name, value in state.items():
        if not isinstance(name, str) or not isinstance(value, np.ndarray):
            raise TypeError(f"convert_state_dict: expected str -> numpy array, got {name!r} -> "
                            f"{type(value).__name__}")
    notes = []
    stripped = _strip_common_prefix(state, "module.")
    if stripped is not state:
        notes.append("removed the prefix 'module.' (nn.DataParallel) from every name")
    state = dict(stripped)
    if arch is None:
        return state, notes
    if not isinstance(arch, str):
        raise TypeError(f"convert_state_dict: arch must be a string or None, got {type(arch).__name__}")
    if arch == "gpt2":
        buffers = [k for k in state if _GPT2_BUFFER.fullmatch(k)]
        for k in buffers:
            del state[k]
        if buffers:
            notes.append(f"dropped {len(buffers)} attention mask buffer(s) (attn.bias, attn.masked_bias)")
        wte = state.get("transformer.wte.weight", state.get("wte.weight"))
        head = state.get("lm_head.weight")
        if head is not None and wte is not None and np.array_equal(head, wte):
            del state["lm_head.weight"]
            notes.append("dropped lm_head.weight (tied to wte)")
        return state, notes
    if arch == "bert":
        out = {}
        for k, v in state.items():
            if _BERT_BUFFER.fullmatch(k):
                notes.append(f"dropped the index buffer {k}")
                continue
            new = re.sub(r"LayerNorm\.gamma$", "LayerNorm.weight", re.sub(r"LayerNorm\.beta$", "LayerNorm.bias", k))
            out[new] = v
        renamed = sum(1 for k in state if k.endswith(("LayerNorm.gamma", "LayerNorm.beta")))
        if renamed:
            notes.append(f"renamed {renamed} LayerNorm.gamma/beta to weight/bias")
        return out, notes
    from lucid.models._registry import _REGISTRY, create_model

    if arch not in _REGISTRY:
        raise ValueError(f"convert_state_dict: unknown arch {arch!r}; use 'gpt2', 'bert' or a registered model "
                         "name (lucid.models.list_models())")
    expected = set(create_model(arch).state_dict())  # lazy: builds no weights
    missing = sorted(expected - set(state))
    unexpected = sorted(set(state) - expected)
    if missing or unexpected:
        parts = ([f"missing {missing[:8]}" + (f" ({len(missing)} in all)" if len(missing) > 8 else "")]
                 if missing else []) + \
                ([f"unexpected {unexpected[:8]}" + (f" ({len(unexpected)} in all)" if len(unexpected) > 8 else "")]
                 if unexpected else [])
        raise ValueError(f"convert_state_dict: the checkpoint's names do not match lucid.models.{arch}: "
                         + "; ".join(parts))
    return state, notes


def _import_torch():
    try:
        import torch
    except ImportError:
        raise ModuleNotFoundError("python -m lucid.models.convert reads PyTorch checkpoints and needs PyTorch: "
                                  "pip install torch (only for the conversion; the converted file loads "
                                  "without it)") from None
    return torch


def _to_numpy(value, name: str, notes: list) -> np.ndarray:
    t = value.detach().cpu()
    if str(t.dtype) == "torch.bfloat16":  # NumPy has no bfloat16
        notes.append(f"{name}: bfloat16 stored as float32")
        t = t.float()
    return t.contiguous().numpy()


def _torch_file(path: str, torch, notes: list) -> dict:
    obj = torch.load(path, map_location="cpu", weights_only=True)
    for key in ("state_dict", "model"):
        if isinstance(obj, dict) and isinstance(obj.get(key), dict) and not hasattr(obj[key], "detach"):
            notes.append(f"used the checkpoint's {key!r} entry")
            obj = obj[key]
            break
    if not isinstance(obj, dict):
        raise ValueError(f"{path} holds a {type(obj).__name__}, not a state_dict; save model.state_dict()")
    out = {}
    for name, value in obj.items():
        if hasattr(value, "detach"):
            out[name] = _to_numpy(value, name, notes)
        else:
            notes.append(f"skipped {name!r} (a {type(value).__name__}, not a tensor)")
    return out


def load_torch_checkpoint(src) -> tuple[dict, dict | None, list[str]]:
    """Read ``src`` with PyTorch into ``({name: numpy array}, config dict or None, notes)``.

    ``src`` is a ``.pth``/``.pt``/``.bin`` file or a Hugging Face directory
    (``config.json`` plus ``pytorch_model.bin``, a sharded
    ``pytorch_model.bin.index.json``, or ``model.safetensors``, which is read
    without PyTorch). Files are read with ``torch.load(weights_only=True)``;
    a ``{"state_dict": ...}`` or ``{"model": ...}`` wrapper is unwrapped.

    Raises:
        ModuleNotFoundError: PyTorch is not installed (and is needed).
        FileNotFoundError: no such file, or a directory without weights.

    Examples:
        >>> import lucid, tempfile
        >>> from lucid.models.convert import load_torch_checkpoint
        >>> folder = tempfile.mkdtemp()   # a Hugging Face folder with safetensors weights needs no torch
        >>> lucid.save_safetensors({"w": lucid.ones(2)}, folder + "/model.safetensors")
        >>> state, config, notes = load_torch_checkpoint(folder)
        >>> state["w"].tolist(), config
        ([1.0, 1.0], None)
    """
    src = os.fspath(src)
    notes: list[str] = []
    if os.path.isfile(src):
        return _torch_file(src, _import_torch(), notes), None, notes
    if not os.path.isdir(src):
        raise FileNotFoundError(f"convert: no file or directory at {src}")
    config = None
    config_path = os.path.join(src, "config.json")
    if os.path.isfile(config_path):
        with open(config_path, encoding="utf-8") as f:
            config = json.load(f)
    index = os.path.join(src, "pytorch_model.bin.index.json")
    if os.path.isfile(index):
        with open(index, encoding="utf-8") as f:
            shards = sorted(set(json.load(f)["weight_map"].values()))
        torch = _import_torch()
        state = {}
        for shard in shards:
            state.update(_torch_file(os.path.join(src, shard), torch, notes))
        return state, config, notes
    if os.path.isfile(os.path.join(src, "pytorch_model.bin")):
        return _torch_file(os.path.join(src, "pytorch_model.bin"), _import_torch(), notes), config, notes
    if os.path.isfile(os.path.join(src, "model.safetensors")):
        from lucid.serialization.safetensors_io import read_safetensors

        arrays, _ = read_safetensors(os.path.join(src, "model.safetensors"))
        return {k: np.array(v) for k, v in arrays.items()}, config, notes
    raise FileNotFoundError(f"convert: {src} has no pytorch_model.bin, pytorch_model.bin.index.json or "
                            "model.safetensors")


def main(argv=None) -> int:
    """The command line: ``python -m lucid.models.convert SRC DST [--arch NAME]``; returns the exit status.

    Prints what it changed and wrote; on an error (no PyTorch, a missing file,
    names that do not match ``--arch``) prints the reason to stderr and returns 1.

    Examples:
        >>> import lucid, tempfile
        >>> from lucid.models.convert import main
        >>> src, dst = tempfile.mkdtemp(), tempfile.mkdtemp()
        >>> lucid.save_safetensors({"module.fc.weight": lucid.ones(2, 3)}, src + "/model.safetensors")
        >>> main([src, dst + "/fc.safetensors"])  # doctest: +ELLIPSIS
          removed the prefix 'module.' (nn.DataParallel) from every name
        wrote 1 tensors (0.0 MB) to .../fc.safetensors
        0
        >>> list(lucid.load_safetensors(dst + "/fc.safetensors"))
        ['fc.weight']
    """
    parser = argparse.ArgumentParser(
        prog="python -m lucid.models.convert",
        description="Convert a PyTorch / Hugging Face checkpoint to a safetensors file Lucid loads by name.")
    parser.add_argument("src", help="a .pth/.pt/.bin state dict, or a Hugging Face model directory")
    parser.add_argument("dst", help="a .safetensors file, or a directory (gets model.safetensors and config.json)")
    parser.add_argument("--arch", default=None,
                        help="gpt2, bert, or a lucid.models name (resnet18, ...) to check the names against; "
                             "default: the model_type of SRC's config.json, if any")
    args = parser.parse_args(argv)
    try:
        state, config, notes = load_torch_checkpoint(args.src)
        arch = args.arch
        if arch is None and config is not None and config.get("model_type") in _HF_ARCHS:
            arch = config["model_type"]
        state, more = convert_state_dict(state, arch)
    except (ModuleNotFoundError, FileNotFoundError, ValueError, TypeError) as exc:
        print(f"convert: error: {exc}", file=sys.stderr)
        return 1
    from lucid.serialization import save_safetensors

    dst = args.dst
    if dst.endswith(".safetensors"):
        os.makedirs(os.path.dirname(os.path.abspath(dst)), exist_ok=True)
        target = dst
    else:
        os.makedirs(dst, exist_ok=True)
        target = os.path.join(dst, "model.safetensors")
        if config is not None:
            shutil.copyfile(os.path.join(args.src, "config.json"), os.path.join(dst, "config.json"))
    save_safetensors(state, target, metadata={"format": "pt"})
    size = sum(a.nbytes for a in state.values())
    for note in notes + more:
        print(f"  {note}")
    print(f"wrote {len(state)} tensors ({size / 1e6:.1f} MB) to {target}" + (f" (arch {arch})" if arch else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
