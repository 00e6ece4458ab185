"""``lucid.nn.utils.rnn``: padding and packing against hand-built layouts, gradients, and errors."""

from __future__ import annotations

import numpy as np
import pytest

import lucid
from lucid.nn.util import rnn
from lucid.nn.util.rnn import (
    PackedSequence,
    pack_padded_sequence,
    pack_sequence,
    pad_packed_sequence,
    pad_sequence,
    unpack_sequence,
    unpad_sequence,
)


def _seqs():
    return [lucid.tensor([[1.0, 1.5], [2.0, 2.5]]), lucid.tensor([[3.0, 3.5], [4.0, 4.5], [5.0, 5.5]]),
            lucid.tensor([[6.0, 6.5]])]


def test_utils_rnn_is_the_same_module():
    import lucid.nn.utils.rnn as via_utils

    assert via_utils is rnn is lucid.nn.utils.rnn
    assert lucid.nn.utils.rnn.pack_padded_sequence is pack_padded_sequence


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("side", ["right", "left"])
def test_pad_sequence_layout(batch_first, side):
    out = pad_sequence(_seqs(), batch_first=batch_first, padding_value=-1.0, padding_side=side).numpy()
    expected = np.full((3, 3, 2), -1.0)  # (N, T, 2)
    for k, s in enumerate(_seqs()):
        a = s.numpy()
        if side == "right":
            expected[k, :len(a)] = a
        else:
            expected[k, 3 - len(a):] = a
    np.testing.assert_array_equal(out, expected if batch_first else expected.transpose(1, 0, 2))


def test_pack_padded_sequence_layout_and_round_trip():
    padded = pad_sequence(_seqs())  # (3, 3, 2), lengths 2, 3, 1
    p = pack_padded_sequence(padded, [2, 3, 1], enforce_sorted=False)
    assert isinstance(p, PackedSequence) and isinstance(p, tuple)
    assert p.batch_sizes.tolist() == [3, 2, 1]
    assert p.batch_sizes.dtype == lucid.int64
    assert p.sorted_indices.tolist() == [1, 0, 2]
    assert p.unsorted_indices.tolist() == [1, 0, 2]
    np.testing.assert_array_equal(p.data.numpy()[:, 0], [3, 1, 6, 4, 2, 5])
    out, lengths = pad_packed_sequence(p, batch_first=True, total_length=4)
    assert lengths.tolist() == [2, 3, 1]
    assert out.shape == (3, 4, 2)
    np.testing.assert_array_equal(out.numpy()[:, :3], padded.numpy().transpose(1, 0, 2))
    assert np.all(out.numpy()[:, 3] == 0)
    assert [s.tolist() for s in unpack_sequence(p)] == [s.tolist() for s in _seqs()]
    assert [s.tolist() for s in unpad_sequence(padded, lengths)] == [s.tolist() for s in _seqs()]


def test_pack_batch_first_and_sorted_input():
    x = lucid.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 0.0]])
    p = pack_padded_sequence(x, lucid.tensor([3, 2]), batch_first=True)
    assert p.sorted_indices is None and p.unsorted_indices is None
    assert p.data.tolist() == [1.0, 4.0, 2.0, 5.0, 3.0]
    q = pack_sequence([lucid.tensor([1.0, 2.0, 3.0]), lucid.tensor([4.0, 5.0])])
    assert q.data.tolist() == p.data.tolist() and q.batch_sizes.tolist() == [2, 2, 1]


def test_packing_is_differentiable():
    x = lucid.tensor(np.random.default_rng(0).uniform(-1, 1, (4, 3, 2)), dtype=lucid.float64, requires_grad=True)

    def f(t):
        p = pack_padded_sequence(t, [2, 4, 1], enforce_sorted=False)
        return pad_packed_sequence(PackedSequence(p.data * p.data, p.batch_sizes, p.sorted_indices),
                                   padding_value=0.5)[0]

    assert lucid.autograd.gradcheck(f, [x])
    seqs = [lucid.tensor(np.ones((k, 2)), dtype=lucid.float64, requires_grad=True) for k in (1, 3)]
    assert lucid.autograd.gradcheck(lambda a, b: pad_sequence([a, b], batch_first=True), seqs)


def test_packing_errors():
    x = lucid.zeros(5, 3, 2)
    with pytest.raises(ValueError, match=r"must be sorted in decreasing order when `enforce_sorted` is True.*"
                                         r"enforce_sorted=False"):
        pack_padded_sequence(x, [2, 5, 1])
    with pytest.raises(ValueError, match=r"a length \(7\) exceeds the sequence length 5 of input with shape "
                                         r"\(5, 3, 2\)"):
        pack_padded_sequence(x, [7, 5, 1])
    with pytest.raises(ValueError, match="every length must be greater than 0"):
        pack_padded_sequence(x, [5, 0, 0])
    with pytest.raises(ValueError, match="every length must be greater than 0"):
        pack_padded_sequence(x, [5, 2, -1], enforce_sorted=False)
    with pytest.raises(ValueError, match="got 2 lengths for a batch of 3 sequences"):
        pack_padded_sequence(x, [5, 2])
    with pytest.raises(ValueError, match=r"lengths must be a 1-D integer tensor"):
        pack_padded_sequence(x, lucid.tensor([5.0, 2.0, 1.0]))
    with pytest.raises(TypeError, match="lengths must be ints"):
        pack_padded_sequence(x, [5, 2.5, 1])
    with pytest.raises(ValueError, match=r"total_length \(2\) must be at least .* \(5\)"):
        pad_packed_sequence(pack_padded_sequence(x, [5, 2, 1]), total_length=2)
    with pytest.raises(ValueError, match="same trailing shape"):
        pad_sequence([lucid.zeros(2, 3), lucid.zeros(2, 4)])
    with pytest.raises(TypeError, match="expected a PackedSequence"):
        pad_packed_sequence(x)
    with pytest.raises(ValueError, match=r"a length \(6\) exceeds the sequence length 5"):
        unpad_sequence(x, [6, 1, 1])


def test_recurrent_layer_rejects_bad_packed_data():
    p = pack_padded_sequence(lucid.zeros(5, 3, 2), [5, 2, 1])
    with pytest.raises(ValueError, match=r"LSTM: the packed data must have shape \(sum\(lengths\), input_size=4\), "
                                         r"got \(8, 2\)"):
        lucid.nn.LSTM(4, 3)(p)
