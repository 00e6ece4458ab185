"""Hugging Face directory layouts: ``config.json`` plus safetensors weights, read and written by name.

A Hugging Face model directory holds ``config.json`` (the hyperparameters,
under ``transformers``' field names) and the weights, either one
``model.safetensors`` or shards listed in ``model.safetensors.index.json``.
:class:`PretrainedMixin` gives a model class ``from_pretrained(directory)``
and ``save_pretrained(directory)`` over that layout; each class supplies
its config class and two pure renaming functions between Hugging Face's
``state_dict`` and its own (:meth:`PretrainedMixin._from_hf` and
:meth:`PretrainedMixin._to_hf`). :class:`HFConfigMixin` gives a config
dataclass ``from_dict``, ``from_json_file``, ``to_dict`` and
``to_json_file``, keeping keys it does not use (``architectures``,
``task_specific_params``, ...) in ``extra`` so they survive a round trip.
"""

from __future__ import annotations

import dataclasses
import json
import os
import warnings

from lucid.serialization import load_safetensors, load_sharded, save_safetensors, save_sharded
from lucid.serialization._files import write_atomic
from lucid.serialization.state_files import INDEX_NAME

__all__ = ["HFConfigMixin", "PretrainedMixin", "CONFIG_NAME", "WEIGHTS_NAME"]

CONFIG_NAME = "config.json"
WEIGHTS_NAME = "model.safetensors"
_TORCH_FILES = ("pytorch_model.bin", "pytorch_model.bin.index.json", "tf_model.h5", "flax_model.msgpack")


class HFConfigMixin:
    """``from_dict`` / ``from_json_file`` / ``to_dict`` / ``to_json_file`` for a config dataclass.

    The dataclass declares ``model_type`` (a class attribute, e.g. ``"gpt2"``)
    and a field ``extra``: keys of a ``config.json`` that are not fields.
    """

    model_type: str = ""

    @classmethod
    def from_dict(cls, config: dict, **overrides):
        """A config from a dict of Hugging Face's field names (``config.json``'s content).

        Keys that are not fields of this config are kept in ``extra``;
        ``overrides`` replace values of the dict.

        Raises:
            TypeError: ``config`` is not a dict, or a field has the wrong type.
            ValueError: the dict is for another model type, or a value is out of range.
        """
        if not isinstance(config, dict):
            raise TypeError(f"{cls.__name__}.from_dict: expected a dict (the content of config.json), "
                            f"got {type(config).__name__}")
        config = {**config, **overrides}
        model_type = config.pop("model_type", cls.model_type)
        if model_type != cls.model_type:
            raise ValueError(f"{cls.__name__}.from_dict: the config is for model_type {model_type!r}, "
                             f"expected {cls.model_type!r}")
        names = {f.name for f in dataclasses.fields(cls) if f.init and f.name != "extra"}
        known = {k: v for k, v in config.items() if k in names}
        extra = dict(config.get("extra") or {})
        extra.update((k, v) for k, v in config.items() if k not in names and k != "extra")
        return cls(**known, extra=extra)

    @classmethod
    def from_json_file(cls, path):
        """A config from a ``config.json`` file (or a directory holding one).

        Raises:
            FileNotFoundError: no such file.
            ValueError: the file is not a JSON object, or it is for another model type.
        """
        path = os.fspath(path)
        if os.path.isdir(path):
            path = os.path.join(path, CONFIG_NAME)
        if not os.path.isfile(path):
            raise FileNotFoundError(f"{cls.__name__}.from_json_file: no config file at {path}")
        try:
            with open(path, encoding="utf-8") as f:
                data = json.load(f)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ValueError(f"{cls.__name__}.from_json_file: {path} is not valid JSON ({exc})") from None
        if not isinstance(data, dict):
            raise ValueError(f"{cls.__name__}.from_json_file: {path} holds a {type(data).__name__}, "
                             "expected a JSON object of field names")
        return cls.from_dict(data)

    def _check_extra(self) -> None:
        """Check the ``extra`` field (a config's ``__post_init__`` calls this)."""
        if not isinstance(self.extra, dict):
            raise TypeError(f"{type(self).__name__}: extra must be a dict, got {type(self.extra).__name__}")

    def to_dict(self) -> dict:
        """Every field under Hugging Face's name, plus ``model_type`` and the ``extra`` keys (JSON-serialisable)."""
        out = {f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.name != "extra"}
        return {**self.extra, **out, "model_type": self.model_type}

    def to_json_file(self, path) -> None:
        """Write :meth:`to_dict` as an indented JSON file."""
        with open(os.fspath(path), "w", encoding="utf-8") as f:
            json.dump(self.to_dict(), f, indent=2, sort_keys=True)
            f.write("\n")


def _find_weights(directory: str, who: str) -> str:
    """The path ``load_sharded`` or ``load_safetensors`` should read in a Hugging Face directory."""
    names = sorted(os.listdir(directory))
    if any(n.endswith(".safetensors.index.json") for n in names):
        return "sharded"
    if WEIGHTS_NAME in names:
        return os.path.join(directory, WEIGHTS_NAME)
    torch_files = [n for n in names if n in _TORCH_FILES or n.endswith((".bin", ".pth", ".pt"))]
    if torch_files:
        raise FileNotFoundError(
            f"{who}: {directory} holds PyTorch/TensorFlow weights ({', '.join(torch_files)}) but no "
            f"{WEIGHTS_NAME}; Lucid never unpickles. Convert them once where PyTorch is installed: "
            f"python -m lucid.models.convert {directory} OUT_DIR")
    raise FileNotFoundError(f"{who}: no {WEIGHTS_NAME} or model.safetensors.index.json in {directory} "
                            f"(it holds {names})")


def _check_keys(model, state: dict, directory: str, strict: bool, who: str) -> None:
    own = model.state_dict()
    missing = [k for k in own if k not in state]
    unexpected = [k for k in state if k not in own]
    if not (missing or unexpected):
        return

    def names(keys):
        shown = ", ".join(repr(k) for k in keys[:8])
        return shown + (f", ... ({len(keys)} in all)" if len(keys) > 8 else "")

    parts = ([f"missing keys: {names(missing)}"] if missing else []) + \
            ([f"unexpected keys: {names(unexpected)}"] if unexpected else [])
    msg = f"{who}: the checkpoint in {directory} does not match the model built from its config.json; " + \
        "; ".join(parts)
    if strict:
        raise RuntimeError(msg + ". Pass strict=False to load the matching keys and keep the rest as initialised")
    warnings.warn(msg, stacklevel=3)


class PretrainedMixin:
    """``from_pretrained`` / ``save_pretrained`` over a Hugging Face directory, for a Module subclass.

    A subclass sets ``config_class`` and may override :meth:`_from_hf` and
    :meth:`_to_hf` (pure functions between Hugging Face's ``state_dict`` and
    the module's own; both default to the identity).
    """

    config_class: type = None

    @classmethod
    def _from_hf(cls, state: dict, config) -> dict:
        """Hugging Face's names and layouts -> this module's ``state_dict`` (the identity by default)."""
        return dict(state)

    @classmethod
    def _to_hf(cls, state: dict, config) -> dict:
        """This module's ``state_dict`` -> Hugging Face's names and layouts (the identity by default)."""
        return dict(state)

    @classmethod
    def from_pretrained(cls, directory, config=None, strict: bool = True):
        """Build the model from a Hugging Face directory and load its weights by name, in eval mode.

        Reads ``config.json`` (unless ``config`` is given) and the weights:
        ``model.safetensors``, or the shards listed in
        ``model.safetensors.index.json``. Values are cast to the model's dtype
        (float32). The model is returned in eval mode (dropout off), as
        ``transformers`` does.

        Args:
            directory: the folder.
            config: a config object to use instead of the folder's ``config.json``.
            strict: raise when the checkpoint's keys and the model's differ (default); with
                ``False``, warn and keep missing tensors as initialised.

        Raises:
            FileNotFoundError: no folder, no ``config.json``, or no safetensors weights (the
                message says how to convert ``pytorch_model.bin``).
            RuntimeError: missing or unexpected keys (named) with ``strict``, or a shape mismatch.
            ValueError: a config for another model type or with bad values.
        """
        who = f"{cls.__name__}.from_pretrained"
        directory = os.fspath(directory)
        if not os.path.isdir(directory):
            raise FileNotFoundError(f"{who}: {directory} is not a directory (expected a folder with "
                                    f"{CONFIG_NAME} and {WEIGHTS_NAME})")
        if config is None:
            config = cls.config_class.from_json_file(os.path.join(directory, CONFIG_NAME))
        elif not isinstance(config, cls.config_class):
            raise TypeError(f"{who}: config must be a {cls.config_class.__name__}, got {type(config).__name__}")
        where = _find_weights(directory, who)
        raw = load_sharded(directory) if where == "sharded" else load_safetensors(where)
        model = cls(config)
        state = cls._from_hf(raw, config)
        _check_keys(model, state, directory, strict, who)
        model.load_state_dict(state, strict=False)
        return model.eval()

    def save_pretrained(self, directory, max_shard_size: int | str | None = None) -> None:
        """Write ``config.json`` and the weights in Hugging Face's names and layouts, so ``transformers`` reads them.

        Args:
            directory: the folder (created if needed).
            max_shard_size: ``None`` (default) writes one ``model.safetensors``; a size
                (``"2GB"``, bytes) writes shards plus ``model.safetensors.index.json``.
        """
        directory = os.fspath(directory)
        os.makedirs(directory, exist_ok=True)
        config = self.config
        data = config.to_dict()
        data["architectures"] = [type(self).__name__]
        blob = (json.dumps(data, indent=2, sort_keys=True) + "\n").encode("utf-8")
        write_atomic(os.path.join(directory, CONFIG_NAME), lambda f: f.write(blob))
        state = self._to_hf(self.state_dict(), config)
        if max_shard_size is None:
            save_safetensors(state, os.path.join(directory, WEIGHTS_NAME), metadata={"format": "pt"})
            stale_index = os.path.join(directory, INDEX_NAME)
            if os.path.isfile(stale_index):  # an index would win over the new file when loading
                os.remove(stale_index)
        else:
            save_sharded(state, directory, max_shard_size=max_shard_size)
