"""Batches of sequences of different lengths: padding and packing (``lucid.nn.utils.rnn``).

A *padded* batch stores every sequence in a ``(T, N, *)`` tensor (``(N, T, *)``
with ``batch_first``), filling the end of the shorter ones. A *packed* batch
(:class:`PackedSequence`) stores only the real steps: sorted longest first, the
rows of time step 0 of every sequence, then the rows of step 1 of the
sequences that are that long, and so on; ``batch_sizes[t]`` counts the rows of
step ``t``. The recurrent layers (``nn.RNN``, ``nn.LSTM``, ``nn.GRU``) accept a
``PackedSequence`` and then never compute on padding: each sequence's output
and final state are exactly those of running it alone.

Lengths are host values (a list of ints or a tensor, read once on the host),
as in PyTorch. Every function here is differentiable with respect to the data.
"""

from __future__ import annotations

import itertools
import numbers
from collections import namedtuple

import numpy as np

from lucid._tensor import Tensor
from lucid.ops.creation import full, tensor
from lucid.ops.indexing import argsort, index_select
from lucid.ops.shape import cat

__all__ = [
    "PackedSequence", "pack_padded_sequence", "pad_packed_sequence", "pack_sequence", "unpack_sequence",
    "pad_sequence", "unpad_sequence", "invert_permutation",
]

_PackedBase = namedtuple("PackedSequence", ["data", "batch_sizes", "sorted_indices", "unsorted_indices"])


class PackedSequence(_PackedBase):
    """A batch of sequences of different lengths, stored without padding (PyTorch's layout).

    Build one with :func:`pack_padded_sequence` or :func:`pack_sequence`
    rather than by hand.

    Attributes:
        data: ``(sum(lengths), *)``: the rows of time step 0 of every sequence
            (longest first), then those of step 1 of the sequences still
            running, and so on.
        batch_sizes: int64 tensor ``(T,)``: how many sequences run at each step
            (non-increasing).
        sorted_indices: int64 tensor ``(N,)`` or ``None``: the original batch
            index of each sorted position (``None`` when the batch was already
            sorted by decreasing length).
        unsorted_indices: the inverse permutation of ``sorted_indices``.

    Examples:
        >>> import lucid
        >>> from lucid.nn.utils.rnn import pack_sequence
        >>> p = pack_sequence([lucid.tensor([1.0, 2.0, 3.0]), lucid.tensor([4.0, 5.0])])
        >>> p.data.tolist(), p.batch_sizes.tolist()
        ([1.0, 4.0, 2.0, 5.0, 3.0], [2, 2, 1])
    """

    __slots__ = ()

    def __new__(cls, data, batch_sizes=None, sorted_indices=None, unsorted_indices=None):
        if not isinstance(data, Tensor):
            raise TypeError(f"PackedSequence: data must be a lucid.Tensor, got {type(data).__name__}")
        if not isinstance(batch_sizes, Tensor):
            if batch_sizes is None:
                raise TypeError("PackedSequence: batch_sizes is required (build one with pack_padded_sequence)")
            batch_sizes = tensor(list(batch_sizes), dtype="int64", device="cpu")
        if unsorted_indices is None and sorted_indices is not None:
            unsorted_indices = invert_permutation(sorted_indices)
        return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)

    def to(self, *args, **kwargs) -> PackedSequence:
        """The same sequence with ``data`` (and the index tensors) moved/cast by ``Tensor.to``."""
        data = self.data.to(*args, **kwargs)
        if data is self.data:
            return self
        return type(self)(data, self.batch_sizes, self.sorted_indices, self.unsorted_indices)

    @property
    def is_cuda(self) -> bool:
        """Always ``False`` (PyTorch's attribute; Lucid's devices are ``"cpu"`` and ``"gpu"``)."""
        return False


def invert_permutation(permutation: Tensor | None) -> Tensor | None:
    """The inverse of a permutation tensor (``None`` stays ``None``).

    Examples:
        >>> import lucid
        >>> from lucid.nn.utils.rnn import invert_permutation
        >>> invert_permutation(lucid.tensor([2, 0, 1])).tolist()
        [1, 2, 0]
    """
    if permutation is None:
        return None
    return argsort(permutation)


def _host_lengths(lengths, n: int, op: str) -> list:
    """``lengths`` as a list of Python ints, checked against the batch size ``n``."""
    if isinstance(lengths, Tensor):
        if lengths.ndim != 1 or lengths.is_floating_point():
            raise ValueError(f"{op}: lengths must be a 1-D integer tensor, got shape {lengths.shape} of "
                             f"dtype {lengths.dtype}")
        values = lengths.tolist()
    elif isinstance(lengths, (list, tuple, np.ndarray)):
        values = list(np.asarray(lengths).reshape(-1).tolist()) if isinstance(lengths, np.ndarray) else list(lengths)
    else:
        raise TypeError(f"{op}: lengths must be a list of ints or a 1-D integer tensor, got "
                        f"{type(lengths).__name__}")
    for v in values:
        if isinstance(v, bool) or not isinstance(v, numbers.Integral):
            raise TypeError(f"{op}: lengths must be ints, got {v!r}")
    if len(values) != n:
        raise ValueError(f"{op}: got {len(values)} lengths for a batch of {n} sequences; expected one length "
                         "per sequence")
    if values and min(values) <= 0:
        raise ValueError(f"{op}: every length must be greater than 0, got lengths {values}")
    return [int(v) for v in values]


def _index(values, device) -> Tensor:
    return tensor(np.asarray(values, dtype=np.int32), device=device)


def pack_padded_sequence(input: Tensor, lengths, batch_first: bool = False,
                         enforce_sorted: bool = True) -> PackedSequence:
    """Pack a padded batch: keep only the first ``lengths[i]`` steps of sequence ``i``.

    Args:
        input: ``(T, N, *)``, or ``(N, T, *)`` with ``batch_first=True``.
        lengths: the length of each sequence (a list of ints or a 1-D integer
            tensor, read on the host); each in ``1..T``.
        batch_first: the layout of ``input``.
        enforce_sorted: require ``lengths`` in decreasing order. With ``False``
            the sequences are sorted here, and ``sorted_indices`` records the
            order (the recurrent layers and :func:`pad_packed_sequence` undo it).

    Returns:
        PackedSequence: ``data`` of shape ``(sum(lengths), *)``.

    Raises:
        ValueError: if the number of lengths is not ``N``, a length is not
            positive or exceeds ``T``, or (with ``enforce_sorted``) the lengths
            are not sorted in decreasing order.

    Examples:
        >>> import lucid
        >>> from lucid.nn.utils.rnn import pack_padded_sequence
        >>> x = lucid.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 0.0]])  # (N, T), padded with 0
        >>> p = pack_padded_sequence(x, [3, 2], batch_first=True)
        >>> p.data.tolist(), p.batch_sizes.tolist()
        ([1.0, 4.0, 2.0, 5.0, 3.0], [2, 2, 1])
    """
    op = "pack_padded_sequence"
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}: input must be a lucid.Tensor, got {type(input).__name__}")
    if input.ndim < 2:
        raise ValueError(f"{op}: input must have a time and a batch dim, got shape {input.shape}")
    shape = input.shape
    steps, n = (shape[1], shape[0]) if batch_first else (shape[0], shape[1])
    lens = _host_lengths(lengths, n, op)
    if max(lens) > steps:
        raise ValueError(f"{op}: a length ({max(lens)}) exceeds the sequence length {steps} of input with shape "
                         f"{shape} (batch_first={batch_first}); lengths must be at most {steps}")
    if enforce_sorted:
        if any(a < b for a, b in itertools.pairwise(lens)):
            raise ValueError(
                f"{op}: `lengths` array must be sorted in decreasing order when `enforce_sorted` is True, got "
                f"{lens}. You can pass `enforce_sorted=False` to pack_padded_sequence and/or pack_sequence to "
                "sidestep this requirement.")
        order = list(range(n))
        sorted_indices = None
    else:
        order = sorted(range(n), key=lambda i: -lens[i])  # stable: equal lengths keep their order
        sorted_indices = tensor(order, dtype="int64", device=input.device)
    sorted_lens = np.asarray([lens[i] for i in order])
    batch_sizes = [int((sorted_lens > t).sum()) for t in range(int(sorted_lens[0]))]
    rows = []
    for t, b in enumerate(batch_sizes):
        rows.extend((order[j] * steps + t) if batch_first else (t * n + order[j]) for j in range(b))
    flat = input.reshape(steps * n, *shape[2:])
    data = index_select(flat, 0, _index(rows, input.device))
    return PackedSequence(data, tensor(batch_sizes, dtype="int64", device="cpu"), sorted_indices)


def _host_batch_sizes(sequence: PackedSequence, op: str) -> list:
    if not isinstance(sequence, PackedSequence):
        raise TypeError(f"{op}: expected a PackedSequence, got {type(sequence).__name__}")
    return [int(b) for b in sequence.batch_sizes.tolist()]


def pad_packed_sequence(sequence: PackedSequence, batch_first: bool = False, padding_value: float = 0.0,
                        total_length: int | None = None) -> tuple[Tensor, Tensor]:
    """Unpack a :class:`PackedSequence` into a padded batch (the inverse of :func:`pack_padded_sequence`).

    Args:
        sequence: the packed batch.
        batch_first: return ``(N, T, *)`` instead of ``(T, N, *)``.
        padding_value: the value of the padded positions.
        total_length: pad to this many steps instead of the longest length
            (must be at least that).

    Returns:
        tuple[Tensor, Tensor]: the padded batch, in the original batch order,
        and the int64 lengths of its sequences.

    Examples:
        >>> import lucid
        >>> from lucid.nn.utils.rnn import pack_sequence, pad_packed_sequence
        >>> p = pack_sequence([lucid.tensor([1.0]), lucid.tensor([2.0, 3.0])], enforce_sorted=False)
        >>> padded, lengths = pad_packed_sequence(p, batch_first=True, padding_value=-1.0)
        >>> padded.tolist(), lengths.tolist()
        ([[1.0, -1.0], [2.0, 3.0]], [1, 2])
    """
    op = "pad_packed_sequence"
    batch_sizes = _host_batch_sizes(sequence, op)
    data = sequence.data
    steps, n = len(batch_sizes), batch_sizes[0]
    if total_length is not None:
        if isinstance(total_length, bool) or not isinstance(total_length, numbers.Integral):
            raise TypeError(f"{op}: total_length must be an int, got {type(total_length).__name__}")
        if total_length < steps:
            raise ValueError(f"{op}: total_length ({total_length}) must be at least the length of the longest "
                             f"sequence ({steps})")
        steps_out = int(total_length)
    else:
        steps_out = steps
    offsets = np.concatenate([[0], np.cumsum(batch_sizes)[:-1]])
    sorted_lens = [sum(1 for b in batch_sizes if b > j) for j in range(n)]
    inverse = list(range(n)) if sequence.unsorted_indices is None else sequence.unsorted_indices.tolist()
    pad_row = data.shape[0]
    rows = np.full((steps_out, n), pad_row, dtype=np.int64)
    for k in range(n):
        j = inverse[k]
        rows[:sorted_lens[j], k] = offsets[:sorted_lens[j]] + j
    if batch_first:
        rows = rows.T
    extended = cat([data, full((1, *data.shape[1:]), padding_value, dtype=data.dtype, device=data.device)], 0)
    padded = index_select(extended, 0, _index(rows.reshape(-1), data.device))
    padded = padded.reshape(*rows.shape, *data.shape[1:])
    lengths = tensor([sorted_lens[inverse[k]] for k in range(n)], dtype="int64", device="cpu")
    return padded, lengths


def pad_sequence(sequences, batch_first: bool = False, padding_value: float = 0.0,
                 padding_side: str = "right") -> Tensor:
    """Stack tensors of shapes ``(L_i, *)`` into one ``(T, N, *)`` batch, padding the shorter ones.

    Args:
        sequences: a list of tensors with equal trailing shapes.
        batch_first: return ``(N, T, *)``.
        padding_value: the fill value.
        padding_side: ``"right"`` (pad at the end, default) or ``"left"``.

    Returns:
        Tensor: ``T = max(L_i)``.

    Examples:
        >>> import lucid
        >>> from lucid.nn.utils.rnn import pad_sequence
        >>> pad_sequence([lucid.tensor([1, 2, 3]), lucid.tensor([4])], batch_first=True).tolist()
        [[1, 2, 3], [4, 0, 0]]
    """
    op = "pad_sequence"
    seqs = list(sequences) if not isinstance(sequences, Tensor) else list(sequences.unbind(0))
    if not seqs:
        raise ValueError(f"{op}: received an empty list of sequences")
    for s in seqs:
        if not isinstance(s, Tensor):
            raise TypeError(f"{op}: every sequence must be a lucid.Tensor, got {type(s).__name__}")
        if s.ndim == 0:
            raise ValueError(f"{op}: sequences must have a time dim, got a 0-d tensor")
        if s.shape[1:] != seqs[0].shape[1:]:
            raise ValueError(f"{op}: all sequences must have the same trailing shape, got {seqs[0].shape} and "
                             f"{s.shape}")
    if padding_side not in ("right", "left"):
        raise ValueError(f"{op}: padding_side must be 'right' or 'left', got {padding_side!r}")
    lens = [s.shape[0] for s in seqs]
    n, steps = len(seqs), max(lens)
    first = seqs[0]
    starts = np.concatenate([[0], np.cumsum(lens)[:-1]])
    pad_row = int(sum(lens))
    rows = np.full((n, steps), pad_row, dtype=np.int64)
    for k, length in enumerate(lens):
        cols = slice(0, length) if padding_side == "right" else slice(steps - length, steps)
        rows[k, cols] = starts[k] + np.arange(length)
    if not batch_first:
        rows = rows.T
    fill = full((1, *first.shape[1:]), padding_value, dtype=first.dtype, device=first.device)
    data = cat([*seqs, fill], 0)
    out = index_select(data, 0, _index(rows.reshape(-1), first.device))
    return out.reshape(*rows.shape, *first.shape[1:])


def unpad_sequence(padded_sequences: Tensor, lengths, batch_first: bool = False) -> list:
    """Split a padded batch into its sequences (the inverse of :func:`pad_sequence`).

    Args:
        padded_sequences: ``(T, N, *)``, or ``(N, T, *)`` with ``batch_first``.
        lengths: the length of each sequence (ints or a 1-D integer tensor).
        batch_first: the layout of ``padded_sequences``.

    Returns:
        list[Tensor]: ``N`` tensors of shapes ``(lengths[i], *)``.

    Examples:
        >>> import lucid
        >>> from lucid.nn.utils.rnn import unpad_sequence
        >>> x = lucid.tensor([[1, 2, 3], [4, 0, 0]])
        >>> [s.tolist() for s in unpad_sequence(x, [3, 1], batch_first=True)]
        [[1, 2, 3], [4]]
    """
    op = "unpad_sequence"
    if not isinstance(padded_sequences, Tensor):
        raise TypeError(f"{op}: padded_sequences must be a lucid.Tensor, got {type(padded_sequences).__name__}")
    if padded_sequences.ndim < 2:
        raise ValueError(f"{op}: padded_sequences must have a time and a batch dim, got shape "
                         f"{padded_sequences.shape}")
    x = padded_sequences if batch_first else padded_sequences.transpose(0, 1)
    lens = _host_lengths(lengths, x.shape[0], op)
    if max(lens) > x.shape[1]:
        raise ValueError(f"{op}: a length ({max(lens)}) exceeds the sequence length {x.shape[1]} of "
                         f"padded_sequences with shape {padded_sequences.shape}")
    return [x[i, :length] for i, length in enumerate(lens)]


def pack_sequence(sequences, enforce_sorted: bool = True) -> PackedSequence:
    """Pack a list of tensors of shapes ``(L_i, *)`` (``pad_sequence`` then ``pack_padded_sequence``).

    Examples:
        >>> import lucid
        >>> from lucid.nn.utils.rnn import pack_sequence
        >>> p = pack_sequence([lucid.tensor([1.0]), lucid.tensor([2.0, 3.0])], enforce_sorted=False)
        >>> p.data.tolist(), p.sorted_indices.tolist()
        ([2.0, 1.0, 3.0], [1, 0])
    """
    seqs = list(sequences)
    lens = [s.shape[0] if isinstance(s, Tensor) and s.ndim else 0 for s in seqs]
    return pack_padded_sequence(pad_sequence(seqs), lens, enforce_sorted=enforce_sorted)


def unpack_sequence(packed_sequences: PackedSequence) -> list:
    """The list of sequences of a :class:`PackedSequence`, in the original order.

    Examples:
        >>> import lucid
        >>> from lucid.nn.utils.rnn import pack_sequence, unpack_sequence
        >>> p = pack_sequence([lucid.tensor([1.0]), lucid.tensor([2.0, 3.0])], enforce_sorted=False)
        >>> [s.tolist() for s in unpack_sequence(p)]
        [[1.0], [2.0, 3.0]]
    """
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)
