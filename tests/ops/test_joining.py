"""atleast_*d, column/row_stack, concat, tensor_split & co., rot90, flips, index grids, diag_embed."""

import itertools
import re

import numpy as np
import pytest
from helpers import OpCase, rand, run_case

import lucid


def _stack_cat(fn):
    return lambda *xs: fn(list(xs))


def _pieces(fn, *args, **kw):
    """Concatenate the flattened pieces (weighted by position) so one output carries every piece's gradient."""
    def f(x):
        parts = fn(x, *args, **kw)
        return lucid.cat([p.reshape(-1) * (i + 1) for i, p in enumerate(parts)])
    return f


def _np_pieces(fn, *args, **kw):
    def f(x):
        return np.concatenate([p.reshape(-1) * (i + 1) for i, p in enumerate(fn(x, *args, **kw))])
    return f


def _diag_embed_ref(x, offset=0, dim1=-2, dim2=-1):
    n = x.shape[-1] + abs(offset)
    out = np.zeros(x.shape[:-1] + (n, n))
    for i in range(x.shape[-1]):
        r, c = (i, i + offset) if offset >= 0 else (i - offset, i)
        out[..., r, c] = x[..., i]
    return np.moveaxis(out, (-2, -1), (dim1, dim2))


X = rand(4, 6, seed=1)
CASES = [
    OpCase("column_stack", _stack_cat(lucid.column_stack), lambda *xs: np.column_stack(xs),
           [rand(3, seed=1), rand(3, 2, seed=2)]),
    OpCase("row_stack", _stack_cat(lucid.row_stack), lambda *xs: np.vstack(xs), [rand(3, seed=1), rand(2, 3)]),
    OpCase("concat", lambda a, b: lucid.concat([a, b], dim=1), lambda a, b: np.concatenate([a, b], 1),
           [rand(2, 3, seed=1), rand(2, 1)]),
    OpCase("tensor_split_int", _pieces(lucid.tensor_split, 4, dim=1), _np_pieces(np.array_split, 4, axis=1), [X]),
    OpCase("tensor_split_idx", _pieces(lucid.tensor_split, [1, 5, 3, -1]),
           _np_pieces(np.split, [1, 5, 3, -1]), [rand(7, 2)]),
    OpCase("hsplit", _pieces(lucid.hsplit, 3), _np_pieces(np.hsplit, 3), [X]),
    OpCase("hsplit_1d", _pieces(lucid.hsplit, [2]), _np_pieces(np.hsplit, [2]), [rand(5)]),
    OpCase("vsplit", _pieces(lucid.vsplit, [1, 3]), _np_pieces(np.vsplit, [1, 3]), [X]),
    OpCase("dsplit", _pieces(lucid.dsplit, 2), _np_pieces(np.dsplit, 2), [rand(2, 3, 4)]),
    OpCase("fliplr", lucid.fliplr, np.fliplr, [rand(2, 3, 4)]),
    OpCase("flipud", lucid.flipud, np.flipud, [rand(3, 2)]),
    OpCase("combinations", lambda x: lucid.combinations(x, 3),
           lambda x: np.array(list(itertools.combinations(x, 3))), [rand(5)]),
    OpCase("combinations_repl", lambda x: lucid.combinations(x, 2, with_replacement=True),
           lambda x: np.array(list(itertools.combinations_with_replacement(x, 2))), [rand(4)]),
    OpCase("cartesian_prod", lucid.cartesian_prod, lambda a, b, c: np.array(list(itertools.product(a, b, c))),
           [rand(2, seed=1), rand(3, seed=2), rand(2, seed=3)]),
]
for k in (-3, -1, 0, 1, 2, 3, 5):
    CASES.append(OpCase(f"rot90_k{k}", lambda x, k=k: lucid.rot90(x, k, (0, 2)),
                        lambda x, k=k: np.rot90(x, k, (0, 2)), [rand(2, 3, 4)]))
for off, d1, d2 in ((0, -2, -1), (2, -2, -1), (-1, 0, 2), (1, 2, 0)):
    CASES.append(OpCase(f"diag_embed_{off}_{d1}_{d2}", lambda x, o=off, a=d1, b=d2: lucid.diag_embed(x, o, a, b),
                        lambda x, o=off, a=d1, b=d2: _diag_embed_ref(x, o, a, b), [rand(2, 3)]))


@pytest.mark.parametrize("case", CASES, ids=str)
def test_op(case):
    run_case(case)


def test_atleast():
    s, v, m = lucid.tensor(1.0), lucid.zeros(3), lucid.zeros(2, 3)
    for fn, ref in ((lucid.atleast_1d, np.atleast_1d), (lucid.atleast_2d, np.atleast_2d),
                    (lucid.atleast_3d, np.atleast_3d)):
        for t in (s, v, m, lucid.zeros(1, 2, 3, 4)):
            assert fn(t).shape == ref(t.numpy()).shape
        assert [t.shape for t in fn(s, v)] == [a.shape for a in ref(s.numpy(), v.numpy())]
        assert isinstance(fn([s]), tuple)


def test_index_grids():
    for args in ((3, 3), (4, 2, 1), (2, 5, -1), (0, 3), (3, 4, 10)):
        r, c, o = (args + (0,))[:3]
        np.testing.assert_array_equal(lucid.tril_indices(*args).numpy(), np.stack(np.tril_indices(r, o, c)))
        np.testing.assert_array_equal(lucid.triu_indices(*args).numpy(), np.stack(np.triu_indices(r, o, c)))
    assert lucid.tril_indices(2, 2).dtype == lucid.int64
    assert lucid.tril_indices(2, 2, dtype=lucid.int32).dtype == lucid.int32
    assert lucid.combinations(lucid.zeros(2), 3).shape == (0, 3)


def test_methods_and_axis():
    x = lucid.arange(6).reshape(2, 3)
    assert [p.shape for p in x.tensor_split(2, axis=1)] == [(2, 2), (2, 1)]
    assert x.rot90(2).tolist() == [[5, 4, 3], [2, 1, 0]]
    assert x.diag_embed().shape == (2, 3, 3)
    assert [p.tolist() for p in lucid.arange(5).tensor_split(lucid.tensor([2]))] == [[0, 1], [2, 3, 4]]


def test_bad_inputs():
    with pytest.raises(ValueError):
        lucid.hsplit(lucid.zeros(2, 5), 2)
    with pytest.raises(ValueError):
        lucid.vsplit(lucid.zeros(5), 1)
    with pytest.raises(ValueError):
        lucid.dsplit(lucid.zeros(2, 2), 1)
    with pytest.raises(ValueError):
        lucid.tensor_split(lucid.zeros(4), 0)
    with pytest.raises(ValueError):
        lucid.tensor_split(lucid.tensor(1.0), 1)
    with pytest.raises(TypeError):
        lucid.tensor_split(lucid.zeros(4), 1.5)
    with pytest.raises(ValueError):
        lucid.rot90(lucid.zeros(2, 2), 1, (0, 0))
    with pytest.raises(ValueError):
        lucid.rot90(lucid.zeros(2), 1)
    with pytest.raises(ValueError):
        lucid.fliplr(lucid.zeros(2))
    with pytest.raises(ValueError):
        lucid.combinations(lucid.zeros(2, 2))
    with pytest.raises(ValueError):
        lucid.cartesian_prod(lucid.zeros(2, 2))
    with pytest.raises(ValueError):
        lucid.diag_embed(lucid.zeros(2), 0, 0, -2)
    with pytest.raises(ValueError):
        lucid.tril_indices(-1, 2)


def test_row_stack_is_vstack():
    # PyTorch documents row_stack as an alias of vstack: one function under two names.
    assert lucid.row_stack is lucid.vstack


@pytest.mark.parametrize("name, shape, message", [
    ("fliplr", (3,), "fliplr: expected a tensor with at least 2 dims, got shape (3,)"),
    ("flipud", (), "flipud: expected a tensor with at least 1 dim, got shape ()"),
])
def test_flip_too_few_dims_message(name, shape, message):
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        getattr(lucid, name)(lucid.zeros(*shape))
    assert getattr(lucid, name).__name__ == name and "Examples:" in getattr(lucid, name).__doc__
