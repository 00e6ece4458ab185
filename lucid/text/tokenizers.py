"""Character-, byte- and BPE-level tokenizers with one interface (encode, decode, vocab_size, save, load)."""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Sequence

import numpy as np

__all__ = ["Tokenizer", "CharTokenizer", "ByteTokenizer", "BPETokenizer"]


def _ids_list(ids, vocab_size: int, who: str) -> list[int]:
    """Token ids from a list, a NumPy array or a Lucid Tensor (1-D) as Python ints, each in ``[0, vocab_size)``."""
    if hasattr(ids, "tolist"):
        ids = ids.tolist()
    ids = list(ids)
    if any(isinstance(i, list) for i in ids):
        raise ValueError("decode: expected a 1-D sequence of token ids; decode each row of a batch separately")
    ids = [int(i) for i in ids]
    bad = [i for i in ids if not 0 <= i < vocab_size]
    if bad:
        raise ValueError(f"{who}.decode: ids must be in [0, {vocab_size}), got {bad[:5]}")
    return ids


def _check_text(text, who: str) -> None:
    if not isinstance(text, str):
        raise TypeError(f"{who}.encode: expected a str, got {type(text).__name__}")


def _write_json(path, payload: dict) -> None:
    path = os.fspath(path)
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(payload, f, ensure_ascii=False)
    os.replace(tmp, path)


class Tokenizer:
    """The interface every tokenizer has: ``encode``, ``decode``, ``vocab_size``, ``save`` and ``load``.

    ``encode_array(text)`` gives the ids as a NumPy array (int32 where they fit),
    which is what :class:`lucid.datasets.TokenBlocks` consumes.

    Examples:
        >>> from lucid.text import CharTokenizer, Tokenizer
        >>> isinstance(CharTokenizer.from_text("ab"), Tokenizer)
        True
    """

    vocab_size: int

    def encode(self, text: str) -> list[int]:  # pragma: no cover - interface
        raise NotImplementedError

    def decode(self, ids) -> str:  # pragma: no cover - interface
        raise NotImplementedError

    def encode_array(self, text: str) -> np.ndarray:
        """``encode(text)`` as a 1-D NumPy array (int32 when the vocabulary fits, else int64)."""
        dtype = np.int32 if self.vocab_size <= np.iinfo(np.int32).max else np.int64
        return np.asarray(self.encode(text), dtype=dtype)

    def __len__(self) -> int:
        return self.vocab_size

    def __repr__(self) -> str:
        return f"{type(self).__name__}(vocab_size={self.vocab_size})"


class ByteTokenizer(Tokenizer):
    """UTF-8 bytes as tokens: a fixed vocabulary of 256, any text, nothing to train.

    ``decode`` turns bytes that are not valid UTF-8 (a sample cut inside a
    character) into U+FFFD instead of raising.

    Examples:
        >>> from lucid.text import ByteTokenizer
        >>> tok = ByteTokenizer()
        >>> tok.vocab_size, tok.encode("Hi!"), tok.decode([72, 105, 33])
        (256, [72, 105, 33], 'Hi!')
    """

    vocab_size = 256

    def encode(self, text: str) -> list[int]:
        _check_text(text, "ByteTokenizer")
        return list(text.encode("utf-8"))

    def encode_array(self, text: str) -> np.ndarray:
        _check_text(text, "ByteTokenizer")
        return np.frombuffer(text.encode("utf-8"), dtype=np.uint8).astype(np.int32)

    def decode(self, ids) -> str:
        ids = _ids_list(ids, 256, "ByteTokenizer")
        return bytes(ids).decode("utf-8", errors="replace")

    def save(self, path) -> None:
        """Write ``{"type": "byte"}`` as JSON (for symmetry with the other tokenizers)."""
        _write_json(path, {"type": "byte"})

    @classmethod
    def load(cls, path) -> ByteTokenizer:
        with open(path, encoding="utf-8") as f:
            kind = json.load(f).get("type")
        if kind != "byte":
            raise ValueError(f"ByteTokenizer.load: {os.fspath(path)} holds a {kind!r} tokenizer, not 'byte'")
        return cls()


class CharTokenizer(Tokenizer):
    """One token per character of a fixed alphabet (ids in the alphabet's order).

    Args:
        chars: the alphabet, e.g. ``sorted(set(text))``; no duplicates.
        unk: a character of the alphabet that stands for characters outside
            it; ``None`` (default) makes them an error.

    Examples:
        >>> from lucid.text import CharTokenizer
        >>> tok = CharTokenizer.from_text("hello world")
        >>> tok.vocab_size, tok.encode("hold"), tok.decode(tok.encode("hold"))
        (8, [3, 5, 4, 1], 'hold')
    """

    def __init__(self, chars: Sequence[str], unk: str | None = None) -> None:
        chars = list(chars)
        if not chars or not all(isinstance(c, str) and len(c) == 1 for c in chars):
            raise ValueError("CharTokenizer: chars must be a non-empty sequence of single characters")
        if len(set(chars)) != len(chars):
            raise ValueError("CharTokenizer: chars has duplicates")
        if unk is not None and unk not in chars:
            raise ValueError(f"CharTokenizer: unk {unk!r} must be one of the chars")
        self.chars = chars
        self.unk = unk
        self._index = {c: i for i, c in enumerate(chars)}

    @classmethod
    def from_text(cls, text: str | Iterable[str], unk: str | None = None) -> CharTokenizer:
        """The alphabet of ``text`` (a string or an iterable of strings), sorted."""
        seen: set = set()
        for part in [text] if isinstance(text, str) else text:
            seen.update(part)
        if unk is not None:
            seen.add(unk)
        return cls(sorted(seen), unk=unk)

    @property
    def vocab_size(self) -> int:
        return len(self.chars)

    def encode(self, text: str) -> list[int]:
        _check_text(text, "CharTokenizer")
        index = self._index
        if self.unk is not None:
            u = index[self.unk]
            return [index.get(c, u) for c in text]
        try:
            return [index[c] for c in text]
        except KeyError as exc:
            raise ValueError(f"CharTokenizer.encode: character {exc.args[0]!r} is not in the vocabulary of "
                             f"{self.vocab_size}; build it from this text or pass unk=") from None

    def decode(self, ids) -> str:
        ids = _ids_list(ids, self.vocab_size, "CharTokenizer")
        return "".join(self.chars[i] for i in ids)

    def save(self, path) -> None:
        """Write the alphabet as JSON (``{"type": "char", "chars": [...], "unk": ...}``)."""
        _write_json(path, {"type": "char", "chars": self.chars, "unk": self.unk})

    @classmethod
    def load(cls, path) -> CharTokenizer:
        with open(path, encoding="utf-8") as f:
            payload = json.load(f)
        if payload.get("type") != "char":
            raise ValueError(f"CharTokenizer.load: {os.fspath(path)} holds a {payload.get('type')!r} tokenizer, "
                             "not 'char'")
        return cls(payload["chars"], unk=payload.get("unk"))


def _hf_tokenizers():
    try:
        import tokenizers
    except ImportError:
        raise ImportError("BPETokenizer needs Hugging Face's tokenizers library: pip install 'lucid[text]' "
                          "(or pip install tokenizers)") from None
    return tokenizers


class BPETokenizer(Tokenizer):
    """Byte-level BPE (GPT-2's scheme) trained, saved and loaded by Hugging Face's ``tokenizers``.

    Byte-level means any text encodes (no unknown tokens) and decodes back
    exactly. Train on a corpus with :meth:`train`, then :meth:`save` writes
    one ``tokenizer.json`` that :meth:`load` (or any ``tokenizers`` user)
    reads back.

    Args:
        tokenizer: a ``tokenizers.Tokenizer`` (usually from :meth:`train` or :meth:`load`).

    Examples:
        >>> from lucid.text import BPETokenizer
        >>> tok = BPETokenizer.train(["low lower lowest"] * 50, vocab_size=270)  # doctest: +SKIP
        >>> tok.decode(tok.encode("lowest lower")) == "lowest lower"  # doctest: +SKIP
        True
    """

    def __init__(self, tokenizer) -> None:
        tokenizers = _hf_tokenizers()
        if not isinstance(tokenizer, tokenizers.Tokenizer):
            raise TypeError(f"BPETokenizer: expected a tokenizers.Tokenizer, got {type(tokenizer).__name__}")
        self.tokenizer = tokenizer

    @classmethod
    def train(cls, texts: str | Iterable[str], vocab_size: int = 1024, min_frequency: int = 2,
              special_tokens: Sequence[str] = ("<|endoftext|>",), files: bool = False) -> BPETokenizer:
        """Learn merges from ``texts`` (an iterable of strings, or of file paths with ``files=True``).

        Args:
            texts: the corpus: strings (one string counts as one document), or paths.
            vocab_size: final vocabulary size, including the 256 byte tokens and ``special_tokens``.
            min_frequency: a pair must occur this often to be merged.
            special_tokens: tokens added whole (GPT-2's ``<|endoftext|>`` by default).
            files: ``texts`` are paths of text files.
        """
        tokenizers = _hf_tokenizers()
        if isinstance(vocab_size, bool) or not isinstance(vocab_size, int) or vocab_size < 257:
            raise ValueError(f"BPETokenizer.train: vocab_size must be an int above 256 (the byte alphabet), "
                             f"got {vocab_size!r}")
        texts = [texts] if isinstance(texts, str) else texts
        tok = tokenizers.Tokenizer(tokenizers.models.BPE())
        tok.pre_tokenizer = tokenizers.pre_tokenizers.ByteLevel(add_prefix_space=False)
        tok.decoder = tokenizers.decoders.ByteLevel()
        trainer = tokenizers.trainers.BpeTrainer(
            vocab_size=vocab_size, min_frequency=min_frequency, special_tokens=list(special_tokens),
            initial_alphabet=tokenizers.pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
        if files:
            tok.train([os.fspath(p) for p in texts], trainer)
        else:
            tok.train_from_iterator(texts, trainer)
        return cls(tok)

    @property
    def vocab_size(self) -> int:
        return self.tokenizer.get_vocab_size()

    def encode(self, text: str) -> list[int]:
        _check_text(text, "BPETokenizer")
        return self.tokenizer.encode(text).ids

    def encode_batch(self, texts: Sequence[str]) -> list[list[int]]:
        """``encode`` of many texts at once (in parallel, in the Rust library)."""
        return [e.ids for e in self.tokenizer.encode_batch(list(texts))]

    def decode(self, ids) -> str:
        ids = _ids_list(ids, self.vocab_size, "BPETokenizer")
        return self.tokenizer.decode(ids, skip_special_tokens=False)

    def token_to_id(self, token: str) -> int | None:
        """The id of a token (e.g. a special token), or ``None``."""
        return self.tokenizer.token_to_id(token)

    def save(self, path) -> None:
        """Write the whole tokenizer (vocabulary, merges, pre-tokenizer) as one ``tokenizer.json``."""
        path = os.fspath(path)
        tmp = path + ".tmp"
        self.tokenizer.save(tmp)
        os.replace(tmp, path)

    @classmethod
    def load(cls, path) -> BPETokenizer:
        tokenizers = _hf_tokenizers()
        return cls(tokenizers.Tokenizer.from_file(os.fspath(path)))
