"""Text: tokenizers that turn strings into token ids and back.

``CharTokenizer`` and ``ByteTokenizer`` are Lucid's own and need nothing
else; ``BPETokenizer`` is byte-level BPE trained, saved and loaded by Hugging
Face's ``tokenizers`` library (``pip install 'lucid[text]'``). All three share
one interface: ``encode(text) -> list[int]``, ``decode(ids) -> str``,
``vocab_size``, ``save(path)`` and ``load(path)``.

Examples:
    >>> from lucid.text import ByteTokenizer
    >>> tok = ByteTokenizer()
    >>> tok.encode("hé"), tok.decode(tok.encode("hé"))
    ([104, 195, 169], 'hé')
"""

from lucid.text.tokenizers import BPETokenizer, ByteTokenizer, CharTokenizer, Tokenizer

__all__ = ["Tokenizer", "CharTokenizer", "ByteTokenizer", "BPETokenizer"]
