"""index_add/copy/fill/put, masked_scatter, scatter_reduce: NumPy forward, FD backward, index safety."""

import numpy as np
import pytest
from helpers import OpCase, rand, run_case

import lucid

I = lucid.tensor  # noqa: E741


def _index_add_ref(x, dim, idx, src, alpha=1):
    out = np.moveaxis(x.copy(), dim, 0)
    s = np.moveaxis(src, dim, 0)
    for j, i in enumerate(idx):
        out[i] += alpha * s[j]
    return np.moveaxis(out, 0, dim)


def _index_copy_ref(x, dim, idx, src):
    out = np.moveaxis(x.copy(), dim, 0)
    s = np.moveaxis(src, dim, 0)
    for j, i in enumerate(idx):
        out[i] = s[j]
    return np.moveaxis(out, 0, dim)


def _scatter_reduce_ref(x, dim, idx, src, reduce, include_self=True):
    out = x.copy()
    groups = {}
    for pos in np.ndindex(idx.shape):
        tgt = list(pos)
        tgt[dim] = idx[pos]
        groups.setdefault(tuple(tgt), []).append(src[pos])
    fn = {"sum": np.sum, "prod": np.prod, "mean": np.mean, "amax": np.max, "amin": np.min}[reduce]
    for tgt, vals in groups.items():
        vals = ([x[tgt]] if include_self else []) + vals
        out[tgt] = fn(vals)
    return out


IDX = np.array([2, 0, 2, 3])
CASES = [
    OpCase("index_add", lambda x, s: lucid.index_add(x, 1, I(IDX), s, alpha=0.5),
           lambda x, s: _index_add_ref(x, 1, IDX, s, 0.5), [rand(3, 5), rand(3, 4, seed=1)]),
    OpCase("index_add_axis", lambda x, s: x.index_add(index=I(IDX), source=s, axis=0),
           lambda x, s: _index_add_ref(x, 0, IDX, s), [rand(4, 2), rand(4, 2, seed=1)]),
    OpCase("index_copy", lambda x, s: lucid.index_copy(x, 0, I([3, 1]), s),
           lambda x, s: _index_copy_ref(x, 0, [3, 1], s), [rand(4, 3), rand(2, 3, seed=1)]),
    OpCase("index_copy_repeat_last_wins", lambda x, s: lucid.index_copy(x, 1, I(IDX), s),
           lambda x, s: _index_copy_ref(x, 1, IDX, s), [rand(2, 5), rand(2, 4, seed=1)]),
    OpCase("index_fill", lambda x: lucid.index_fill(x, 1, I([0, 2]), -3.0),
           lambda x: np.where(np.isin(np.arange(4), [0, 2])[None], -3.0, x), [rand(3, 4)]),
    OpCase("index_put", lambda x, v: lucid.index_put(x, (I([0, 2, 1]), I([1, 1, 0])), v),
           lambda x, v: _put(x, ([0, 2, 1], [1, 1, 0]), v, False), [rand(3, 2, 2), rand(3, 2, seed=1)]),
    OpCase("index_put_accumulate_neg", lambda x, v: lucid.index_put(x, (I([0, -1, 0]),), v, accumulate=True),
           lambda x, v: _put(x, ([0, -1, 0],), v, True), [rand(3, 2), rand(2, seed=1)]),
    OpCase("masked_scatter", lambda x, s: lucid.masked_scatter(x, I(np.array([[True, False, True]])), s),
           lambda x, s: _masked_scatter_ref(x, np.array([[True, False, True]]), s), [rand(2, 3), rand(5, seed=1)]),
]


def _put(x, idx, v, acc):
    out = x.copy()
    if acc:
        np.add.at(out, tuple(np.array(i) for i in idx), v)
    else:
        out[tuple(np.array(i) for i in idx)] = v
    return out


def _masked_scatter_ref(x, m, s):
    out = x.copy()
    mb = np.broadcast_to(m, x.shape)
    out[mb] = s.reshape(-1)[:mb.sum()]
    return out


SR_IDX = np.array([[0, 1, 0, 2], [2, 2, 1, 0]])
for red in ("sum", "prod", "mean", "amax", "amin"):
    for inc in (True, False):
        CASES.append(OpCase(f"scatter_reduce_{red}_{inc}",
                            lambda x, s, r=red, i=inc: lucid.scatter_reduce(x, 1, I(SR_IDX), s, r, include_self=i),
                            lambda x, s, r=red, i=inc: _scatter_reduce_ref(x, 1, SR_IDX, s, r, i),
                            [rand(2, 3, seed=2, low=0.5, high=2), rand(2, 5, seed=3, low=0.5, high=2)]))


@pytest.mark.parametrize("case", CASES, ids=str)
def test_op(case):
    run_case(case)


def test_amax_ties_share_the_gradient():
    x = lucid.tensor([1.0, 0.0], requires_grad=True)
    s = lucid.tensor([1.0, 1.0], requires_grad=True)
    lucid.scatter_reduce(x, 0, I([0, 0]), s, "amax").sum().backward()
    assert x.grad.tolist() == pytest.approx([1 / 3, 1.0]) and s.grad.tolist() == pytest.approx([1 / 3, 1 / 3])


def test_integer_inputs_and_zero_d():
    assert lucid.tensor([1, 2, 3]).index_add(0, I([0, 0]), I([5, 5])).tolist() == [11, 2, 3]
    assert lucid.tensor(1.0).index_fill(0, I([0]), 2.0).item() == 2.0
    assert lucid.zeros(3).index_fill(0, I([-1]), 2.0).tolist() == [0.0, 0.0, 2.0]
    assert lucid.tensor([4, 9]).scatter_reduce(0, I([0, 0]), I([1, 2]), "mean").tolist() == [2, 9]


def test_bad_tensor_indices_raise_at_sync_and_do_not_write():
    x = lucid.zeros(3)
    cases = [
        lambda: x.index_add(0, I([0, 3]), lucid.ones(2)),
        lambda: x.index_add(0, I([-1]), lucid.ones(1)),  # negatives are refused, as in PyTorch
        lambda: x.index_copy(0, I([5]), lucid.ones(1)),
        lambda: x.index_fill(0, I([-4]), 1.0),
        lambda: x.index_copy(0, I([-1]), lucid.ones(1)),
        lambda: x.index_put((I([7]),), lucid.ones(1)),
        lambda: x.scatter_reduce(0, I([0, 9]), lucid.ones(2), "sum"),
        lambda: x.masked_scatter(I([True, True, True]), lucid.ones(2)),
    ]
    for make in cases:
        out = make()
        with pytest.raises(IndexError):
            out.tolist()
    lucid.set_index_checks(False)
    try:
        assert x.index_add(0, I([0, 3]), lucid.ones(2)).tolist() == [1.0, 0.0, 0.0]
        assert x.index_put((I([1, 7]),), lucid.ones(2), accumulate=True).tolist() == [0.0, 1.0, 0.0]
    finally:
        lucid.set_index_checks(True)


def test_host_indices_are_checked_at_once():
    with pytest.raises(IndexError):
        lucid.zeros(3).index_add(0, [0, 3], lucid.ones(2))
    assert lucid.zeros(3).index_add(0, [2], lucid.ones(1)).tolist() == [0.0, 0.0, 1.0]


def test_bad_arguments():
    x = lucid.zeros(3, 2)
    with pytest.raises(ValueError):
        x.index_add(0, I([0]), lucid.ones(2, 2))
    with pytest.raises(TypeError):
        x.index_add(0, I([0.0]), lucid.ones(1, 2))
    with pytest.raises(ValueError):
        x.index_add(0, I([[0]]), lucid.ones(1, 2))
    with pytest.raises(ValueError):
        x.index_fill(0, I([0]), lucid.ones(2))
    with pytest.raises(TypeError):
        x.masked_scatter(I([1, 0]), lucid.ones(6))
    with pytest.raises(ValueError):
        x.scatter_reduce(0, I([[0]]), lucid.ones(1, 1), "median")
    with pytest.raises(ValueError):
        x.scatter_reduce(0, I([0]), lucid.ones(1), "sum")
    with pytest.raises(ValueError):
        x.index_put((I([0]), I([0]), I([0])), lucid.ones(1))
    with pytest.raises(TypeError):
        x.index_put(I([0]), lucid.ones(1))
