"""Char, byte and BPE tokenizers: round trips, vocabularies, save/load and errors."""

from __future__ import annotations

import numpy as np
import pytest

import lucid
from lucid.text import BPETokenizer, ByteTokenizer, CharTokenizer

TEXT = "Hello, wörld! ≠ 🙂\nSecond line:\ttabs and  spaces."


def test_byte_tokenizer_round_trip_and_errors(tmp_path):
    tok = ByteTokenizer()
    ids = tok.encode(TEXT)
    assert ids == list(TEXT.encode("utf-8")) and max(ids) < 256
    assert tok.decode(ids) == TEXT
    assert tok.decode(lucid.tensor(ids)) == TEXT  # Tensors and arrays decode too
    np.testing.assert_array_equal(tok.encode_array(TEXT), ids)
    assert tok.decode(ids[:-1]).endswith("\ufffd") or tok.decode(ids[:-1]) == TEXT[:-1]
    assert tok.decode([0xF0, 0x9F]) == "\ufffd"  # a cut multi-byte character does not raise
    with pytest.raises(ValueError, match=r"ids must be in \[0, 256\), got \[256\]"):
        tok.decode([1, 256])
    with pytest.raises(TypeError, match="expected a str, got bytes"):
        tok.encode(b"abc")
    tok.save(tmp_path / "b.json")
    assert ByteTokenizer.load(tmp_path / "b.json").encode("x") == [120]


def test_char_tokenizer(tmp_path):
    tok = CharTokenizer.from_text(TEXT)
    assert tok.vocab_size == len(set(TEXT)) and tok.chars == sorted(set(TEXT))
    assert tok.decode(tok.encode(TEXT)) == TEXT
    with pytest.raises(ValueError, match=r"character 'Z' is not in the vocabulary"):
        tok.encode("HeZ")
    with pytest.raises(ValueError, match=r"ids must be in \[0, "):
        tok.decode([tok.vocab_size])
    tok.save(tmp_path / "c.json")
    again = CharTokenizer.load(tmp_path / "c.json")
    assert again.chars == tok.chars and again.encode(TEXT) == tok.encode(TEXT)
    with pytest.raises(ValueError, match="holds a 'char' tokenizer, not 'byte'"):
        ByteTokenizer.load(tmp_path / "c.json")
    unk = CharTokenizer.from_text("abc", unk="?")
    assert unk.decode(unk.encode("abzc")) == "ab?c"
    with pytest.raises(ValueError, match="duplicates"):
        CharTokenizer(["a", "a"])


def test_bpe_train_save_load(tmp_path):
    pytest.importorskip("tokenizers")
    corpus = lucid.datasets.python_stdlib_corpus(max_bytes=200_000)
    tok = BPETokenizer.train([corpus], vocab_size=600)
    assert tok.vocab_size == 600
    assert tok.token_to_id("<|endoftext|>") is not None
    ids = tok.encode(TEXT)
    assert tok.decode(ids) == TEXT  # byte level: no unknown tokens, exact round trip
    code = "def __init__(self, value):\n        return self.value"
    assert len(tok.encode(code)) < len(code.encode()) / 2  # merges learned from Python source compress it
    tok.save(tmp_path / "tokenizer.json")
    again = BPETokenizer.load(tmp_path / "tokenizer.json")
    assert again.encode(code) == tok.encode(code) and again.vocab_size == 600
    assert tok.encode_batch([code, TEXT]) == [tok.encode(code), ids]
    # Files work as well as strings.
    (tmp_path / "corpus.txt").write_text(corpus[:50_000])
    assert BPETokenizer.train([tmp_path / "corpus.txt"], vocab_size=300, files=True).vocab_size == 300
    with pytest.raises(ValueError, match="vocab_size must be an int above 256"):
        BPETokenizer.train(["abc"], vocab_size=100)
    with pytest.raises(ValueError, match=r"ids must be in \[0, 600\)"):
        tok.decode([600])


@pytest.mark.parametrize("tok", [ByteTokenizer(), CharTokenizer.from_text("abc")], ids=["byte", "char"])
def test_tokenizer_argument_errors_name_the_class(tok):
    """Each tokenizer's own name and vocabulary size are in its decode/encode errors (negative ids too)."""
    who, n = type(tok).__name__, tok.vocab_size
    with pytest.raises(ValueError, match=rf"^{who}\.decode: ids must be in \[0, {n}\), got \[-1, {n}\]$"):
        tok.decode(np.array([0, -1, n]))
    with pytest.raises(TypeError, match=rf"^{who}\.encode: expected a str, got int$"):
        tok.encode(3)
    with pytest.raises(ValueError, match="expected a 1-D sequence of token ids"):
        tok.decode([[0], [1]])
