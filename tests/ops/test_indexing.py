import numpy as np
import pytest

import lucid
from tests.helpers import OpCase, check_dtype_preserved, rand, run_case

A = rand(3, 4, seed=1)
C = rand(2, 3, 4, seed=2)
V = rand(5, seed=3)
S = rand(seed=4)
MASK = np.array([[True, False, True, False], [False, False, True, True], [True, True, False, False]])
ROWMASK = np.array([True, False, True])
T = lucid.tensor  # integer/bool index tensors (not differentiated)


def grid_key(idx, axis):
    """NumPy key addressing ``idx`` along ``axis`` and every position elsewhere (for the references)."""
    return tuple(idx if d == axis else np.arange(n).reshape([-1 if e == d else 1 for e in range(idx.ndim)])
                 for d, n in enumerate(idx.shape))


def np_gather(a, axis, idx):
    return a[grid_key(idx, axis)]


def np_scatter_add(a, axis, idx, src):
    out = a.copy()
    np.add.at(out, grid_key(idx, axis), src[tuple(slice(0, n) for n in idx.shape)])
    return out


def np_scatter(a, axis, idx, src):
    out = a.copy()
    out[grid_key(idx, axis)] = src[tuple(slice(0, n) for n in idx.shape)] if np.ndim(src) else src
    return out


def setitem(key):
    def fn(a, v):
        y = a * 1.0
        y[key] = v
        return y

    def ref(a, v):
        y = a.copy()
        y[key] = v
        return y

    return fn, ref


IDX = np.array([[2, 0, 1, 2], [0, 0, 2, 1]])
GETITEM = [
    ("int", 1), ("neg_int", -1), ("int_int", (2, -3)), ("slice", slice(1, 3)),
    ("slice_step", (slice(None), slice(None, None, 2))), ("slice_neg_step", (slice(None, None, -1), slice(3, 0, -2))),
    ("none", (None, 1)), ("none_middle", (slice(None), None, 2)), ("ellipsis", (Ellipsis, 0)),
    ("empty_slice", slice(2, 2)), ("list_dup", [0, 2, 0]), ("list_neg", ([-1, 0],)),
    ("np_array", np.array([[1, 1], [0, 2]])), ("adv_with_slice", (slice(None), [3, 0, 3])),
    ("adv_pair", ([0, 2, 2], [1, 3, 1])), ("adv_int_mix", (1, [0, 0, 3])), ("empty_list", ([],)),
    ("mask_full", MASK), ("mask_rows", ROWMASK), ("mask_rows_slice", (ROWMASK, slice(1, 3))),
    ("mask_all_false", np.zeros((3, 4), bool)),
]
GETITEM_3D = [
    ("adv_separated", ([1, 0], slice(None), [3, 3])), ("adv_none_between", ([1, 0], None, [2, 2])),
    ("mask_2d_then_slice", (np.array([[True, False, True]] * 2), 1)),
]

CASES = (
    [OpCase(f"getitem_{n}", lambda a, k=k: a[k], lambda a, k=k: a[k], [A]) for n, k in GETITEM]
    + [OpCase(f"getitem3d_{n}", lambda a, k=k: a[k], lambda a, k=k: a[k], [C]) for n, k in GETITEM_3D]
    + [
        # PyTorch applies ints before index arrays (NumPy would give shape (2, 3) here).
        OpCase("getitem3d_ellipsis_middle", lambda a: a[0, ..., [1, 1]], lambda a: a[0][..., [1, 1]], [C]),
        OpCase("getitem_int_tensor_dup", lambda a: a[T([0, 2, 0, 0])], lambda a: a[[0, 2, 0, 0]], [A]),
        OpCase("getitem_int_tensor_neg", lambda a: a[:, T([-1, -4])], lambda a: a[:, [-1, -4]], [A]),
        OpCase("getitem_bool_tensor", lambda a: a[T(MASK)], lambda a: a[MASK], [A]),
        OpCase("getitem_0d_int_tensor", lambda a: a[T(1)], lambda a: a[1], [A]),
        OpCase("getitem_0d_ellipsis", lambda a: a[...], lambda a: a[...], [S]),
        OpCase("getitem_0d_none", lambda a: a[None], lambda a: a[None], [S]),
        OpCase("setitem_slice_tensor", *setitem((slice(None), slice(1, 3))), [A, rand(3, 2, seed=5)]),
        OpCase("setitem_broadcast_row", *setitem(slice(0, 2)), [A, rand(4, seed=6)]),
        OpCase("setitem_int", *setitem(1), [A, rand(4, seed=7)]),
        OpCase("setitem_adv", *setitem(([0, 2], [3, 1])), [A, rand(2, seed=8)]),
        OpCase("setitem_mask", *setitem(MASK), [A, rand(6, seed=9)]),
        OpCase("setitem_mask_scalar_tensor", *setitem(MASK), [A, S]),
        OpCase("setitem_neg_step", *setitem((slice(None, None, -1), 0)), [A, rand(3, seed=10)]),
        OpCase("setitem_extra_leading_one", *setitem(0), [A, rand(1, 4, seed=11)]),
        OpCase("setitem_empty", *setitem(slice(2, 2)), [A, rand(4, seed=12)]),
        OpCase("setitem_number", lambda a: _set_number(a), lambda a: _set_number_np(a), [A]),
        OpCase("gather_dim1", lambda a: lucid.gather(a, 1, T(IDX[:, :3] % 4)), lambda a: np_gather(a, 1, IDX[:, :3]),
               [A]),
        OpCase("gather_dim0_dup", lambda a: a.gather(0, T(IDX)), lambda a: np_gather(a, 0, IDX), [A]),
        OpCase("gather_neg_dim_small", lambda a: a.gather(-1, T([[3], [0]])),
               lambda a: np_gather(a, 1, np.array([[3], [0]])),
               [A]),
        OpCase("scatter_src", lambda a, s: lucid.scatter(a, 1, T([[1, 3], [0, 2], [2, 1]]), s),
               lambda a, s: np_scatter(a, 1, np.array([[1, 3], [0, 2], [2, 1]]), s), [A, rand(3, 3, seed=13)]),
        OpCase("scatter_value", lambda a: a.scatter(0, T([[2, 0, 1, 1]]), value=-1.0),
               lambda a: np_scatter(a, 0, np.array([[2, 0, 1, 1]]), -1.0), [A]),
        OpCase("scatter_0d_tensor_src", lambda a, s: a.scatter(0, T([[2, 0, 1, 1]]), s),
               lambda a, s: np_scatter(a, 0, np.array([[2, 0, 1, 1]]), s), [A, S]),
        OpCase("scatter_add_dup", lambda a, s: lucid.scatter_add(a, 0, T(IDX), s),
               lambda a, s: np_scatter_add(a, 0, IDX, s), [A, rand(2, 4, seed=14)]),
        OpCase("scatter_reduce_add", lambda a, s: a.scatter(1, T([[0, 0], [3, 3], [1, 2]]), s, reduce="add"),
               lambda a, s: np_scatter_add(a, 1, np.array([[0, 0], [3, 3], [1, 2]]), s), [A, rand(3, 2, seed=15)]),
        OpCase("scatter_multiply_input_grad", lambda a: a.scatter(1, T([[0, 0], [3, 3], [1, 2]]), T([[2.0, 3.0]] * 3),
                                                                  reduce="multiply"),
               lambda a: a * np.array([[6, 1, 1, 1], [1, 1, 1, 6], [1, 2, 3, 1]]), [A]),
        OpCase("index_select", lambda a: lucid.index_select(a, 1, T([3, 0, 3])), lambda a: a[:, [3, 0, 3]], [A]),
        OpCase("index_select_neg_dim_list", lambda a: a.index_select(-3, [1, 1]), lambda a: a[[1, 1]], [C]),
        OpCase("index_select_0d_index", lambda a: a.index_select(0, T(2)), lambda a: a[[2]], [A]),
        OpCase("masked_fill", lambda a: a.masked_fill(T(MASK), 0.5), lambda a: np.where(MASK, 0.5, a), [A]),
        OpCase("masked_fill_broadcast", lambda a: lucid.masked_fill(a, T([True, False, False, True]), -2.0),
               lambda a: np.where([True, False, False, True], -2.0, a), [A]),
        OpCase("masked_fill_tensor_value", lambda a, v: a.masked_fill(T(MASK), v), lambda a, v: np.where(MASK, v, a),
               [A, S]),
        OpCase("take", lambda a: lucid.take(a, T([[0, 11], [-1, 5]])), lambda a: np.take(a, [[0, 11], [-1, 5]]), [A]),
        OpCase("take_list_dup", lambda a: a.take([1, 1, 1]), lambda a: np.take(a, [1, 1, 1]), [C]),
        OpCase("take_along_dim", lambda a: lucid.take_along_dim(a, T([[3, 0], [1, 1], [2, 0]]), 1),
               lambda a: np.take_along_axis(a, np.array([[3, 0], [1, 1], [2, 0]]), 1), [A]),
        OpCase("take_along_dim_broadcast", lambda a: a.take_along_dim(T([[[0], [2], [-1]]]), dim=-1),
               lambda a: np.take_along_axis(a, np.broadcast_to([[[0], [2], [3]]], (2, 3, 1)), -1), [C]),
        OpCase("take_along_dim_broadcast_input", lambda a: a.take_along_dim(T([[[0, 1]], [[2, 2]]]), dim=2),
               lambda a: np.take_along_axis(np.broadcast_to(a, (2, 1, 4)), np.array([[[0, 1]], [[2, 2]]]), 2),
               [rand(1, 1, 4, seed=16)]),
        OpCase("take_along_dim_flat", lambda a: a.take_along_dim(T([11, 0, 0])), lambda a: a.reshape(-1)[[11, 0, 0]],
               [A]),
        OpCase("masked_select", lambda a: lucid.masked_select(a, T(MASK)), lambda a: a[MASK], [A]),
        OpCase("masked_select_broadcast", lambda a: a.masked_select(T([False, True, True, False])),
               lambda a: a[:, [1, 2]].reshape(-1), [A]),
        OpCase("sort", lambda a: lucid.sort(a), lambda a: (np.sort(a), np.argsort(a, kind="stable")), [A]),
        OpCase("sort_desc_dim0", lambda a: a.sort(0, descending=True),
               lambda a: (-np.sort(-a, 0), np.argsort(-a, 0, kind="stable")), [A]),
        OpCase("sort_0d", lambda a: a.sort(), lambda a: (a, np.array(0)), [S]),
        OpCase("topk", lambda a: lucid.topk(a, 2),
               lambda a: (-np.sort(-a)[:, :2], np.argsort(-a, kind="stable")[:, :2]),
               [A]),
        OpCase("topk_smallest_dim0", lambda a: a.topk(2, dim=0, largest=False),
               lambda a: (np.sort(a, 0)[:2], np.argsort(a, 0, kind="stable")[:2]), [A]),
        OpCase("topk_k0", lambda a: a.topk(0), lambda a: (a[:, :0], np.zeros((3, 0), np.int64)), [A]),
        OpCase("topk_0d", lambda a: a.topk(1), lambda a: (a, np.array(0)), [S]),
    ]
)


def _set_number(a):
    y = a * 1.0
    y[0, 1:] = 2.5
    return y


def _set_number_np(a):
    y = a.copy()
    y[0, 1:] = 2.5
    return y


@pytest.mark.parametrize("case", CASES, ids=str)
def test_op(case):
    run_case(case)


@pytest.mark.parametrize("fn", [
    lambda x: x[1:], lambda x: x[[0, 0]], lambda x: x.gather(0, T([1, 0])), lambda x: x.sort()[0],
    lambda x: x.masked_fill(T([True, False, True]), 1.0), lambda x: x.index_select(0, T([2])),
    lambda x: x.topk(2)[0], lambda x: x.scatter_add(0, T([0, 0]), x[:2]),
])
def test_dtype_preserved(fn):
    check_dtype_preserved(fn)


def test_duplicate_indices_accumulate_gradient():
    x = lucid.tensor([1.0, 2.0, 3.0], requires_grad=True)
    (x[[0, 0, 2, 0]] * lucid.tensor([1.0, 2.0, 3.0, 4.0])).sum().backward()
    assert x.grad.tolist() == [7.0, 0.0, 3.0]


def test_index_dtypes_are_int64():
    x = lucid.tensor([[3.0, 1.0], [2.0, 5.0]])
    assert x.argsort().dtype == lucid.int64
    assert x.sort().indices.dtype == lucid.int64
    assert x.topk(1).indices.dtype == lucid.int64
    assert x.nonzero().dtype == lucid.int64
    assert lucid.unique(x, return_inverse=True)[1].dtype == lucid.int64


def test_sort_and_argsort_are_stable_both_ways():
    x = lucid.tensor([2.0, 1.0, 2.0, 1.0, 2.0])
    assert x.argsort().tolist() == [1, 3, 0, 2, 4]
    assert x.argsort(descending=True).tolist() == [0, 2, 4, 1, 3]
    assert lucid.sort(x, descending=True, stable=True).indices.tolist() == [0, 2, 4, 1, 3]
    assert lucid.tensor([True, False, True]).argsort().tolist() == [1, 0, 2]


def test_sort_nan_is_largest():
    x = lucid.tensor([1.0, float("nan"), 0.0])
    assert x.argsort().tolist() == [2, 0, 1]
    assert x.argsort(descending=True).tolist() == [1, 0, 2]


def test_nonzero_and_argwhere():
    x = lucid.tensor([[0, 1, 0], [2, 0, 3]])
    assert x.nonzero().tolist() == [[0, 1], [1, 0], [1, 2]]
    rows, cols = lucid.nonzero(x, as_tuple=True)
    assert rows.tolist() == [0, 1, 1] and cols.tolist() == [1, 0, 2]
    assert lucid.argwhere(lucid.tensor([0.0, 2.0])).tolist() == [[1]]
    assert lucid.nonzero(lucid.tensor(5)).shape == (1, 0)
    assert lucid.nonzero(lucid.zeros(2, 2)).shape == (0, 2)


def test_unique():
    x = lucid.tensor([[3, 1], [3, 2]])
    vals, inv, counts = lucid.unique(x, return_inverse=True, return_counts=True)
    assert vals.tolist() == [1, 2, 3] and counts.tolist() == [1, 1, 2]
    assert inv.tolist() == [[2, 0], [2, 1]]
    assert x.unique().tolist() == [1, 2, 3]
    rows = lucid.unique(lucid.tensor([[1, 2], [0, 5], [1, 2]]), dim=0)
    assert rows.tolist() == [[0, 5], [1, 2]]
    assert lucid.unique(lucid.tensor([0.5, 0.5], dtype=lucid.bfloat16)).dtype == lucid.bfloat16


def test_topk_named_fields():
    res = lucid.topk(lucid.tensor([1.0, 9.0, 4.0]), 2)
    values, _indices = res
    assert res.values is values and res.indices.tolist() == [1, 2]


# -- __setitem__ -----------------------------------------------------------------
def test_setitem_keeps_object_and_bumps_version():
    x = lucid.zeros(2, 3)
    ident, version = id(x), x._version
    x[0] = 1.0
    x[:, -1] = lucid.tensor([5.0, 6.0])
    assert id(x) == ident and x._version == version + 2
    assert x.tolist() == [[1.0, 1.0, 5.0], [0.0, 0.0, 6.0]]


def test_setitem_does_not_touch_tensors_sharing_the_array():
    x = lucid.ones(3)
    d = x.detach()
    x[0] = 0.0
    assert d.tolist() == [1.0, 1.0, 1.0]


def test_setitem_casts_value_to_tensor_dtype():
    x = lucid.zeros(3, dtype=lucid.int32)
    x[1] = 2.7
    assert x.dtype == lucid.int32 and x.tolist() == [0, 2, 0]
    h = lucid.zeros(2, dtype=lucid.float16)
    h[0] = lucid.tensor(1.5)
    assert h.dtype == lucid.float16 and h.tolist() == [1.5, 0.0]


def test_setitem_gradient_flows_to_value_and_old_tensor():
    w = lucid.tensor([1.0, 2.0, 3.0], requires_grad=True)
    v = lucid.tensor([10.0, 20.0], requires_grad=True)
    y = w * 2
    y[[0, 2]] = v
    (y * lucid.tensor([1.0, 2.0, 3.0])).sum().backward()
    assert w.grad.tolist() == [0.0, 4.0, 0.0]
    assert v.grad.tolist() == [1.0, 3.0]


def test_setitem_value_requiring_grad_into_plain_tensor():
    x = lucid.zeros(3)
    v = lucid.tensor(2.0, requires_grad=True)
    x[1:] = v
    assert x.requires_grad
    x.sum().backward()
    assert v.grad.item() == 2.0


def test_setitem_on_leaf_requiring_grad_raises_unless_no_grad():
    w = lucid.zeros(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf"):
        w[0] = 1.0
    with lucid.no_grad():
        w[0] = 1.0
    assert w.tolist() == [1.0, 0.0] and w.is_leaf


def test_setitem_on_tensor_saved_for_backward_raises():
    w = lucid.tensor([1.0, 2.0], requires_grad=True)
    x = w * 2
    y = x * x  # saves x
    x[0] = 5.0
    with pytest.raises(RuntimeError, match="modified by an in-place"):
        y.sum().backward()


def test_inplace_methods():
    x = lucid.zeros(3)
    assert x.masked_fill_(lucid.tensor([True, False, True]), 1.0) is x and x.tolist() == [1.0, 0.0, 1.0]
    x.scatter_add_(0, lucid.tensor([1, 1]), lucid.ones(2))
    assert x.tolist() == [1.0, 2.0, 1.0] and x._version == 2
    x.scatter_(0, lucid.tensor([0]), 7.0)
    assert x.tolist() == [7.0, 2.0, 1.0]


# -- errors ----------------------------------------------------------------------
@pytest.mark.parametrize("key", [3, -4, (0, 4), ([0, 3],), (slice(None), [4]), (Ellipsis, -5), np.array([[0, 9]])])
def test_index_out_of_range(key):
    with pytest.raises(IndexError, match="out of range"):
        lucid.zeros(3, 4)[key]
    with pytest.raises(IndexError, match="out of range"):
        lucid.zeros(3, 4)[key] = 1.0


@pytest.mark.parametrize("key, exc", [
    ((0, 0, 0), IndexError), ((Ellipsis, Ellipsis), IndexError), (1.5, TypeError), ("a", TypeError),
    ([0.5], IndexError), (np.array([True, False]), IndexError), (slice(None, None, 0), ValueError),
    (True, NotImplementedError),
])
def test_bad_keys(key, exc):
    with pytest.raises(exc):
        lucid.zeros(3, 4)[key]
    x = lucid.zeros(3, 4)
    with pytest.raises(exc):
        x[key] = 1.0


def test_float_tensor_index_raises():
    with pytest.raises(IndexError, match="integer or bool"):
        lucid.zeros(3)[lucid.tensor([0.0])]
    with pytest.raises(IndexError):
        lucid.tensor(1.0)[0]


def test_setitem_shape_mismatch():
    x = lucid.zeros(3, 4)
    with pytest.raises(ValueError, match=r"\(3,\)"):
        x[0] = lucid.ones(3)


@pytest.mark.parametrize("fn, exc", [
    (lambda: lucid.gather(lucid.zeros(2, 3), 1, lucid.tensor([0, 1])), ValueError),
    (lambda: lucid.gather(lucid.zeros(2, 3), 1, lucid.tensor([[0], [1], [0]])), ValueError),
    (lambda: lucid.gather(lucid.zeros(2, 3), 2, lucid.tensor([[0]])), ValueError),
    (lambda: lucid.gather(lucid.zeros(2, 3), 0, lucid.tensor([[0.0]])), TypeError),
    (lambda: lucid.scatter(lucid.zeros(2, 3), 0, lucid.tensor([[0, 1]])), TypeError),
    (lambda: lucid.scatter(lucid.zeros(2, 3), 0, lucid.tensor([[0, 1]]), lucid.ones(1, 1)), ValueError),
    (lambda: lucid.scatter(lucid.zeros(2, 3), 0, lucid.tensor([[0, 1]]), 1.0, reduce="mean"), ValueError),
    (lambda: lucid.scatter(lucid.zeros(2), 0, lucid.tensor([0]), lucid.ones(1, requires_grad=True),
                           reduce="multiply"), NotImplementedError),
    (lambda: lucid.index_select(lucid.zeros(2, 3), 0, lucid.tensor([[0]])), ValueError),
    (lambda: lucid.index_select(lucid.zeros(2, 3), 0, [2]), IndexError),
    (lambda: lucid.masked_fill(lucid.zeros(2, 3), lucid.tensor([1, 0, 1]), 0.0), TypeError),
    (lambda: lucid.masked_fill(lucid.zeros(2, 3), lucid.tensor([True, False]), 0.0), ValueError),
    (lambda: lucid.masked_fill(lucid.zeros(3), lucid.ones(2, 3).bool(), 0.0), ValueError),
    (lambda: lucid.masked_fill(lucid.zeros(3), lucid.tensor([True] * 3), lucid.ones(2)), ValueError),
    (lambda: lucid.masked_fill(lucid.zeros(3), lucid.tensor([True] * 3), "x"), TypeError),
    (lambda: lucid.take(lucid.zeros(2, 3), [6]), IndexError),
    (lambda: lucid.take_along_dim(lucid.zeros(2, 3), lucid.tensor([0]), 1), ValueError),
    (lambda: lucid.topk(lucid.zeros(3), 4), ValueError),
    (lambda: lucid.sort(lucid.zeros(3), dim=1), ValueError),
])
def test_bad_input_raises(fn, exc):
    with pytest.raises(exc):
        fn()
