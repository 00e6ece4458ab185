import numpy as np
import pytest

import lucid
from tests.helpers import OpCase, check_dtype_preserved, rand, run_case

A = rand(3, 4, seed=1)
B = rand(2, 4, seed=2)
C = rand(2, 3, 4, seed=3)
V = rand(5, seed=4)
S = rand(seed=5)  # 0-d
E = rand(0, 4, seed=6)  # empty
ONE = rand(1, 3, 1, seed=7)


def np_split(a, sizes, axis=0):
    return tuple(np.split(a, np.cumsum(sizes)[:-1], axis=axis))


def np_unflatten(a, dim, sizes):
    shape = list(a.shape)
    return a.reshape(shape[:dim] + list(sizes) + shape[dim + 1:])


def np_tril(a, k=0):
    n, m = a.shape[-2:]
    return np.where(np.tri(n, m, k, dtype=bool), a, 0)


def np_triu(a, k=0):
    n, m = a.shape[-2:]
    return np.where(~np.tri(n, m, k - 1, dtype=bool), a, 0)


CASES = [
    # reshaping
    OpCase("reshape_args", lambda a: a.reshape(2, 6), lambda a: a.reshape(2, 6), [A]),
    OpCase("reshape_tuple_neg1", lambda a: a.reshape((4, -1)), lambda a: a.reshape(4, -1), [A]),
    OpCase("reshape_fn_flat", lambda a: lucid.reshape(a, (-1,)), lambda a: a.reshape(-1), [C]),
    OpCase("reshape_0d", lambda a: a.reshape(1, 1), lambda a: a.reshape(1, 1), [S]),
    OpCase("reshape_to_0d", lambda a: a.reshape(()), lambda a: a.reshape(()), [rand(1, 1, seed=8)]),
    OpCase("reshape_empty", lambda a: a.reshape(4, 0), lambda a: a.reshape(4, 0), [E]),
    OpCase("view", lambda a: a.view(4, 3), lambda a: a.reshape(4, 3), [A]),
    OpCase("view_as", lambda a, b: a.view_as(b), lambda a, b: a.reshape(b.shape), [A, rand(6, 2, seed=9)]),
    OpCase("flatten", lambda a: a.flatten(), lambda a: a.reshape(-1), [C]),
    OpCase("flatten_range", lambda a: lucid.flatten(a, 0, -2), lambda a: a.reshape(6, 4), [C]),
    OpCase("flatten_neg", lambda a: a.flatten(-2), lambda a: a.reshape(2, 12), [C]),
    OpCase("flatten_0d", lambda a: a.flatten(), lambda a: a.reshape(1), [S]),
    OpCase("ravel", lucid.ravel, np.ravel, [C]),
    OpCase("unflatten", lambda a: a.unflatten(-1, (2, -1)), lambda a: np_unflatten(a, 2, (2, 2)), [C]),
    OpCase("squeeze_all", lambda a: a.squeeze(), np.squeeze, [ONE]),
    OpCase("squeeze_dim_neg", lambda a: a.squeeze(-1), lambda a: a.squeeze(-1), [ONE]),
    OpCase("squeeze_tuple", lambda a: lucid.squeeze(a, (0, 2)), lambda a: a.squeeze((0, 2)), [ONE]),
    OpCase("squeeze_non1_noop", lambda a: a.squeeze(1), lambda a: a, [ONE]),
    OpCase("squeeze_0d", lambda a: a.squeeze(), lambda a: a, [S]),
    OpCase("unsqueeze_front", lambda a: a.unsqueeze(0), lambda a: a[None], [A]),
    OpCase("unsqueeze_neg", lambda a: a.unsqueeze(-1), lambda a: a[..., None], [A]),
    OpCase("unsqueeze_0d", lambda a: lucid.unsqueeze(a, 0), lambda a: a.reshape(1), [S]),
    # broadcasting
    OpCase("expand_neg1", lambda a: a.expand(2, -1, 3), lambda a: np.broadcast_to(a, (2, 3, 3)), [rand(3, 1, seed=10)]),
    OpCase("expand_tuple", lambda a: a.expand((4, 3)), lambda a: np.broadcast_to(a, (4, 3)), [rand(1, 3, seed=11)]),
    OpCase("expand_0d", lambda a: a.expand(2, 2), lambda a: np.broadcast_to(a, (2, 2)), [S]),
    OpCase("expand_as", lambda a, b: a.expand_as(b), lambda a, b: np.broadcast_to(a, b.shape),
           [rand(4, seed=12), A]),
    OpCase("broadcast_to", lambda a: lucid.broadcast_to(a, (2, 3, 4)), lambda a: np.broadcast_to(a, (2, 3, 4)), [A]),
    OpCase("broadcast_to_empty", lambda a: lucid.broadcast_to(a, (0, 4)), lambda a: np.broadcast_to(a, (0, 4)),
           [rand(1, 4, seed=13)]),
    OpCase("broadcast_tensors", lambda a, b: lucid.broadcast_tensors(a, b), lambda a, b: np.broadcast_arrays(a, b),
           [rand(3, 1, seed=14), rand(4, seed=15)]),
    # permuting
    OpCase("transpose_pair", lambda a: a.transpose(0, 2), lambda a: a.swapaxes(0, 2), [C]),
    OpCase("transpose_neg", lambda a: lucid.transpose(a, -1, -2), lambda a: a.swapaxes(-1, -2), [C]),
    OpCase("transpose_2d_default", lambda a: a.transpose(), lambda a: a.T, [A]),
    OpCase("transpose_axes_tuple", lambda a: a.transpose((1, 2, 0)), lambda a: a.transpose(1, 2, 0), [C]),
    OpCase("t", lambda a: a.t(), lambda a: a.T, [A]),
    OpCase("t_1d", lambda a: a.t(), lambda a: a, [V]),
    OpCase("T", lambda a: a.T, lambda a: a.transpose(2, 1, 0), [C]),
    OpCase("mT", lambda a: a.mT, lambda a: a.swapaxes(-1, -2), [C]),
    OpCase("permute_args", lambda a: a.permute(2, 0, 1), lambda a: a.transpose(2, 0, 1), [C]),
    OpCase("permute_neg_tuple", lambda a: lucid.permute(a, (-1, 0, 1)), lambda a: a.transpose(2, 0, 1), [C]),
    OpCase("swapaxes", lambda a: lucid.swapaxes(a, 0, 1), lambda a: a.swapaxes(0, 1), [C]),
    OpCase("moveaxis", lambda a: a.moveaxis(0, -1), lambda a: np.moveaxis(a, 0, -1), [C]),
    OpCase("moveaxis_tuple", lambda a: lucid.movedim(a, (0, 1), (2, 0)), lambda a: np.moveaxis(a, (0, 1), (2, 0)),
           [C]),
    # joining / splitting
    OpCase("cat_dim0", lambda a, b: lucid.cat([a, b]), lambda a, b: np.concatenate([a, b]), [A, B]),
    OpCase("cat_neg_dim", lambda a, b: lucid.cat([a, b], dim=-1), lambda a, b: np.concatenate([a, b], -1),
           [A.T.copy(), B.T.copy()]),
    OpCase("concatenate_axis", lambda a, b: lucid.concatenate((a, b, a), axis=0),
           lambda a, b: np.concatenate([a, b, a]), [A, B]),
    OpCase("cat_with_empty", lambda a, e: lucid.cat([a, e]), lambda a, e: np.concatenate([a, e]), [A, E]),
    OpCase("stack", lambda a, b: lucid.stack([a, b]), lambda a, b: np.stack([a, b]), [A, rand(3, 4, seed=16)]),
    OpCase("stack_neg", lambda a, b: lucid.stack([a, b], dim=-1), lambda a, b: np.stack([a, b], -1),
           [A, rand(3, 4, seed=16)]),
    OpCase("stack_0d", lambda a, b: lucid.stack([a, b]), lambda a, b: np.stack([a, b]), [S, rand(seed=17)]),
    OpCase("hstack_1d", lambda a, b: lucid.hstack([a, b]), lambda a, b: np.hstack([a, b]), [V, rand(2, seed=18)]),
    OpCase("hstack_2d", lambda a: lucid.hstack([a, a]), lambda a: np.hstack([a, a]), [A]),
    OpCase("vstack", lambda a, b: lucid.vstack([a, b]), lambda a, b: np.vstack([a, b]), [rand(4, seed=19), A]),
    OpCase("dstack", lambda a, b: lucid.dstack([a, b]), lambda a, b: np.dstack([a, b]), [A, rand(3, 4, seed=20)]),
    OpCase("split_int", lambda a: a.split(2), lambda a: np_split(a, [2, 2, 1]), [V]),
    OpCase("split_list_dim", lambda a: lucid.split(a, [1, 3], dim=-1), lambda a: np_split(a, [1, 3], -1), [A]),
    OpCase("split_zero_piece", lambda a: a.split([0, 3, 0]), lambda a: np_split(a, [0, 3, 0]), [A]),
    OpCase("split_one_piece", lambda a: a.split(5), lambda a: (a,), [V]),
    OpCase("chunk", lambda a: a.chunk(2, dim=1), lambda a: np_split(a, [2, 2], 1), [A]),
    OpCase("chunk_uneven", lambda a: lucid.chunk(a, 3), lambda a: np_split(a, [2, 2, 1]), [V]),
    OpCase("unbind", lambda a: a.unbind(1), lambda a: tuple(np.moveaxis(a, 1, 0)), [C]),
    OpCase("unbind_neg", lambda a: lucid.unbind(a, -1), lambda a: tuple(np.moveaxis(a, -1, 0)), [A]),
    # repeating
    OpCase("tile", lambda a: lucid.tile(a, (2, 1)), lambda a: np.tile(a, (2, 1)), [A]),
    OpCase("tile_more_dims", lambda a: a.tile((2, 1, 3)), lambda a: np.tile(a, (2, 1, 3)), [A]),
    OpCase("tile_short", lambda a: a.tile((2,)), lambda a: np.tile(a, (2,)), [C]),
    OpCase("tile_zero", lambda a: a.tile((0, 2)), lambda a: np.tile(a, (0, 2)), [A]),
    OpCase("repeat", lambda a: a.repeat(2, 1, 2), lambda a: np.tile(a, (2, 1, 2)), [A]),
    OpCase("repeat_0d", lambda a: a.repeat(3), lambda a: np.tile(a, 3), [S]),
    OpCase("repeat_interleave_flat", lambda a: a.repeat_interleave(2), lambda a: np.repeat(a, 2), [A]),
    OpCase("repeat_interleave_dim", lambda a: lucid.repeat_interleave(a, 3, dim=-1), lambda a: np.repeat(a, 3, -1),
           [A]),
    OpCase("repeat_interleave_tensor", lambda a: a.repeat_interleave(lucid.tensor([1, 0, 2]), dim=0),
           lambda a: np.repeat(a, [1, 0, 2], 0), [A]),
    OpCase("repeat_interleave_output_size",
           lambda a: a.repeat_interleave(lucid.tensor([2, 1, 0, 3]), dim=1, output_size=6),
           lambda a: np.repeat(a, [2, 1, 0, 3], 1), [A]),
    # rearranging
    OpCase("roll_flat", lambda a: lucid.roll(a, 5), lambda a: np.roll(a, 5), [A]),
    OpCase("roll_dim", lambda a: a.roll(-1, 1), lambda a: np.roll(a, -1, 1), [A]),
    OpCase("roll_multi", lambda a: a.roll((1, 2), (0, -1)), lambda a: np.roll(a, (1, 2), (0, -1)), [C]),
    OpCase("flip", lambda a: lucid.flip(a, 0), lambda a: np.flip(a, 0), [A]),
    OpCase("flip_multi", lambda a: a.flip(0, -1), lambda a: np.flip(a, (0, 2)), [C]),
    OpCase("flip_tuple", lambda a: a.flip((1,)), lambda a: np.flip(a, 1), [C]),
    OpCase("pad_constant", lambda a: lucid.pad(a, (1, 2)), lambda a: np.pad(a, ((0, 0), (1, 2))), [A]),
    OpCase("pad_constant_value_2d", lambda a: lucid.pad(a, (1, 0, 0, 2), value=3.0),
           lambda a: np.pad(a, ((0, 2), (1, 0)), constant_values=3.0), [A]),
    OpCase("pad_negative_crop", lambda a: lucid.pad(a, (-1, 2, 1, -1)),
           lambda a: np.pad(a[:-1, 1:], ((1, 0), (0, 2))), [A]),
    OpCase("pad_reflect", lambda a: lucid.pad(a, (2, 3), mode="reflect"),
           lambda a: np.pad(a, ((0, 0), (2, 3)), mode="reflect"), [A]),
    OpCase("pad_reflect_2d", lambda a: lucid.pad(a, (1, 1, 2, 1), mode="reflect"),
           lambda a: np.pad(a, ((0, 0), (2, 1), (1, 1)), mode="reflect"), [C]),
    OpCase("pad_replicate", lambda a: lucid.pad(a, (3, 1, 1, 0), mode="replicate"),
           lambda a: np.pad(a, ((1, 0), (3, 1)), mode="edge"), [A]),
    OpCase("pad_circular", lambda a: lucid.pad(a, (4, 2), mode="circular"),
           lambda a: np.pad(a, ((0, 0), (4, 2)), mode="wrap"), [A]),
    # triangles and diagonals
    OpCase("tril", lucid.tril, np_tril, [A]),
    OpCase("tril_k", lambda a: a.tril(1), lambda a: np_tril(a, 1), [A]),
    OpCase("triu_neg_k_batched", lambda a: a.triu(-1), lambda a: np_triu(a, -1), [C]),
    OpCase("triu", lucid.triu, np_triu, [A]),
    OpCase("diag_embed", lucid.diag, np.diag, [V]),
    OpCase("diag_embed_k", lambda a: lucid.diag(a, 2), lambda a: np.diag(a, 2), [V]),
    OpCase("diag_embed_negk", lambda a: a.diag(-1), lambda a: np.diag(a, -1), [V]),
    OpCase("diag_extract", lambda a: a.diag(), np.diag, [A]),
    OpCase("diag_extract_k", lambda a: a.diag(2), lambda a: np.diag(a, 2), [A]),
    OpCase("diag_extract_negk", lambda a: a.diag(-1), lambda a: np.diag(a, -1), [A]),
    OpCase("diag_extract_out_of_range", lambda a: a.diag(5), lambda a: np.diag(a, 5), [A]),
    OpCase("diagonal_dims", lambda a: lucid.diagonal(a, 1, 2, 0), lambda a: np.diagonal(a, 1, 2, 0), [C]),
    OpCase("diagonal_neg_dims", lambda a: a.diagonal(-1, -2, -1), lambda a: np.diagonal(a, -1, -2, -1), [C]),
    OpCase("meshgrid_ij", lambda a, b: lucid.meshgrid(a, b, indexing="ij"),
           lambda a, b: np.meshgrid(a, b, indexing="ij"), [V, rand(3, seed=21)]),
    OpCase("meshgrid_xy", lambda a, b, c: lucid.meshgrid([a, b, c], indexing="xy"),
           lambda a, b, c: np.meshgrid(a, b, c, indexing="xy"), [V, rand(3, seed=21), rand(2, seed=22)]),
    OpCase("narrow", lambda a: a.narrow(1, 1, 2), lambda a: a[:, 1:3], [A]),
    OpCase("narrow_neg_start", lambda a: lucid.narrow(a, -1, -3, 2), lambda a: a[:, 1:3], [A]),
    OpCase("clone", lambda a: a.clone(), lambda a: a, [A]),
    OpCase("contiguous_chain", lambda a: a.T.contiguous().reshape(-1), lambda a: a.T.reshape(-1), [A]),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_op(case):
    run_case(case)


@pytest.mark.parametrize("fn", [
    lambda x: x.reshape(-1), lambda x: x.unsqueeze(0), lambda x: x.expand(2, 3), lambda x: x.T,
    lambda x: lucid.cat([x, x]), lambda x: lucid.stack([x, x]), lambda x: x.split(1)[0], lambda x: x.tile(2),
    lambda x: x.flip(0), lambda x: x.roll(1), lambda x: lucid.pad(x, (1, 1)),
    lambda x: lucid.pad(x, (1, 1), mode="reflect"), lambda x: x.unsqueeze(0).tril(), lambda x: x.diag(),
    lambda x: x.clone(), lambda x: x.repeat_interleave(2),
])
def test_dtype_preserved(fn):
    check_dtype_preserved(fn)


def test_cat_promotes_and_returns_each_input_dtype_gradient():
    a = lucid.ones(2, dtype=lucid.float16, requires_grad=True)
    b = lucid.ones(3, dtype=lucid.float32, requires_grad=True)
    h = a * 2  # non-leaf float16: its gradient must arrive as float16
    out = lucid.cat([h, b])
    assert out.dtype == lucid.float32
    (out * lucid.arange(5).float()).sum().backward()
    assert a.grad.dtype == lucid.float16 and a.grad.tolist() == [0.0, 2.0]
    assert b.grad.tolist() == [2.0, 3.0, 4.0]


def test_cat_int_tensors_and_lists():
    out = lucid.cat([lucid.tensor([1, 2]), [3]])
    assert out.tolist() == [1, 2, 3] and out.dtype == lucid.int64


def test_split_backward_with_unused_pieces():
    x = lucid.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
    a, _b = x.split(2)
    (a * 3).sum().backward()
    assert x.grad.tolist() == [3.0, 3.0, 0.0, 0.0]


def test_iteration_uses_unbind():
    x = lucid.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    rows = list(x)
    assert [r.tolist() for r in rows] == [[1.0, 2.0], [3.0, 4.0]]
    (rows[1] * 2).sum().backward()
    assert x.grad.tolist() == [[0.0, 0.0], [2.0, 2.0]]


def test_unbind_empty_dim():
    assert lucid.zeros(0, 3).unbind(0) == ()


def test_contiguous_is_identity_and_clone_is_a_new_tensor():
    x = lucid.ones(3)
    assert x.contiguous() is x
    y = x.clone()
    assert y is not x and y._data is not x._data
    y[0] = 5.0
    assert x.tolist() == [1.0, 1.0, 1.0]


def test_clone_keeps_version_checks_apart():
    w = lucid.ones(2, requires_grad=True)
    x = w * 1
    y = x.clone()
    out = x * y
    y[0] = 3.0
    with pytest.raises(RuntimeError, match="modified by an in-place"):
        out.sum().backward()


def test_transpose_properties_and_no_arg():
    x = lucid.zeros(2, 3, 4)
    assert x.T.shape == (4, 3, 2)
    assert x.mT.shape == (2, 4, 3)
    assert x.transpose().shape == (4, 3, 2)
    assert lucid.zeros(5).T.shape == (5,)


def test_meshgrid_default_ij_and_0d():
    gx, gy = lucid.meshgrid(lucid.tensor([1, 2, 3]), lucid.tensor(7))
    assert gx.shape == (3, 1) and gy.tolist() == [[7], [7], [7]]


def test_repeat_interleave_sync_and_lazy_paths_agree():
    x = lucid.tensor([1.0, 2.0, 3.0])
    r = lucid.tensor([3, 0, 1])
    assert x.repeat_interleave(r).tolist() == x.repeat_interleave(r, output_size=4).tolist() == [1, 1, 1, 3]
    assert lucid.tensor([4, 5]).repeat_interleave(lucid.tensor([2])).tolist() == [4, 4, 5, 5]


# -- errors ----------------------------------------------------------------------
def test_reshape_error_names_both_shapes():
    with pytest.raises(ValueError, match=r"\(2, 3\).*\(4,\)"):
        lucid.zeros(2, 3).reshape(4)
    with pytest.raises(ValueError, match="only one dimension can be -1"):
        lucid.zeros(2, 3).reshape(-1, -1)
    with pytest.raises(ValueError, match=r"\(2, 3\)"):
        lucid.zeros(2, 3).reshape(4, -1)
    with pytest.raises(ValueError):
        lucid.zeros(0, 3).reshape(0, -1)
    with pytest.raises(TypeError):
        lucid.zeros(2, 3).reshape(2.0, 3)


def test_cat_errors():
    with pytest.raises(ValueError, match=r"\(2, 3\).*\(2, 4\)"):
        lucid.cat([lucid.zeros(2, 3), lucid.zeros(2, 4)])
    with pytest.raises(ValueError, match="dims|shapes"):
        lucid.cat([lucid.zeros(2, 3), lucid.zeros(2)])
    with pytest.raises(ValueError, match="zero-dimensional"):
        lucid.cat([lucid.tensor(1.0), lucid.tensor(2.0)])
    with pytest.raises(ValueError, match="non-empty"):
        lucid.cat([])
    with pytest.raises(TypeError):
        lucid.cat(lucid.zeros(2))
    with pytest.raises(TypeError, match="either axis= or dim="):
        lucid.cat([lucid.zeros(2)], axis=0, dim=0)
    with pytest.raises(ValueError, match="equal shape"):
        lucid.stack([lucid.zeros(2), lucid.zeros(3)])


@pytest.mark.parametrize("fn, exc", [
    (lambda: lucid.zeros(2, 3).expand(3, 3), ValueError),
    (lambda: lucid.zeros(2, 3).expand(3), ValueError),
    (lambda: lucid.zeros(3).expand(-1, 3), ValueError),
    (lambda: lucid.zeros(2, 3).permute(0, 0), ValueError),
    (lambda: lucid.zeros(2, 3).permute(0), ValueError),
    (lambda: lucid.zeros(2, 3).transpose(0, 2), ValueError),
    (lambda: lucid.zeros(2, 3).transpose(0), TypeError),
    (lambda: lucid.zeros(2, 3, 4).t(), ValueError),
    (lambda: lucid.zeros(3).mT, ValueError),
    (lambda: lucid.zeros(2, 3).squeeze(2), ValueError),
    (lambda: lucid.zeros(2, 3).unsqueeze(3), ValueError),
    (lambda: lucid.zeros(2, 3).flatten(1, 0), ValueError),
    (lambda: lucid.zeros(2, 3).unflatten(1, (2, 2)), ValueError),
    (lambda: lucid.zeros(5).split([2, 2]), ValueError),
    (lambda: lucid.zeros(5).split(0), ValueError),
    (lambda: lucid.zeros(5).chunk(0), ValueError),
    (lambda: lucid.tensor(1.0).unbind(), ValueError),
    (lambda: lucid.zeros(2, 3).repeat(2), ValueError),
    (lambda: lucid.zeros(3).repeat_interleave(-1), ValueError),
    (lambda: lucid.zeros(3).repeat_interleave(lucid.tensor([1, 2])), ValueError),
    (lambda: lucid.zeros(3).repeat_interleave(lucid.tensor([1.0, 2.0, 1.0])), TypeError),
    (lambda: lucid.zeros(3).roll((1, 2), 0), ValueError),
    (lambda: lucid.zeros(3).flip(1), ValueError),
    (lambda: lucid.pad(lucid.zeros(3), (1,)), ValueError),
    (lambda: lucid.pad(lucid.zeros(3), (1, 1, 1, 1)), ValueError),
    (lambda: lucid.pad(lucid.zeros(3), (3, 0), mode="reflect"), ValueError),
    (lambda: lucid.pad(lucid.zeros(3), (4, 0), mode="circular"), ValueError),
    (lambda: lucid.pad(lucid.zeros(0), (1, 0), mode="replicate"), ValueError),
    (lambda: lucid.pad(lucid.zeros(3), (-1, 0), mode="reflect"), ValueError),
    (lambda: lucid.pad(lucid.zeros(3), (1, 0), mode="reflect", value=1.0), ValueError),
    (lambda: lucid.pad(lucid.zeros(3), (1, 0), mode="wrap"), ValueError),
    (lambda: lucid.pad(lucid.zeros(3), (1.5, 0)), TypeError),
    (lambda: lucid.tril(lucid.zeros(3)), ValueError),
    (lambda: lucid.diag(lucid.zeros(2, 2, 2)), ValueError),
    (lambda: lucid.diagonal(lucid.zeros(2, 2), 0, 1, 1), ValueError),
    (lambda: lucid.meshgrid(lucid.zeros(2, 2)), ValueError),
    (lambda: lucid.meshgrid(lucid.zeros(2), indexing="ji"), ValueError),
    (lambda: lucid.zeros(3).narrow(0, 2, 2), IndexError),
])
def test_bad_input_raises(fn, exc):
    with pytest.raises(exc):
        fn()
