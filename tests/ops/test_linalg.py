import math

import mlx.core as mx
import numpy as np
import pytest

import lucid
from tests.helpers import OpCase, check_dtype_preserved, check_grad, rand, run_case

M34 = rand(3, 4, seed=1)
M45 = rand(4, 5, seed=2)
V4 = rand(4, seed=3)
V3 = rand(3, seed=4)
B234 = rand(2, 3, 4, seed=5)
B245 = rand(2, 4, 5, seed=6)
SQ = rand(4, 4, seed=7)
INF = math.inf


CASES = [
    # matmul, every rank combination
    OpCase("matmul_2d_2d", lucid.matmul, np.matmul, [M34, M45]),
    OpCase("matmul_1d_1d", lucid.matmul, np.matmul, [V4, rand(4, seed=8)]),
    OpCase("matmul_1d_2d", lucid.matmul, np.matmul, [V3, M34]),
    OpCase("matmul_2d_1d", lucid.matmul, np.matmul, [M34, V4]),
    OpCase("matmul_batched", lucid.matmul, np.matmul, [B234, B245]),
    OpCase("matmul_batched_2d", lucid.matmul, np.matmul, [B234, M45]),
    OpCase("matmul_2d_batched", lucid.matmul, np.matmul, [M34, B245]),
    OpCase("matmul_bcast_both_ways", lucid.matmul, np.matmul, [rand(2, 1, 3, 4, seed=9), rand(5, 4, 2, seed=10)]),
    OpCase("matmul_bcast_size1_batch", lucid.matmul, np.matmul, [rand(1, 3, 4, seed=11), B245]),
    OpCase("matmul_1d_batched", lucid.matmul, np.matmul, [V4, B245]),
    OpCase("matmul_batched_1d", lucid.matmul, np.matmul, [B234, V4]),
    OpCase("matmul_operator", lambda a, b: a @ b, np.matmul, [B234, M45]),
    OpCase("rmatmul_numpy", lambda b: M34 @ b, lambda b: M34 @ b, [M45]),
    OpCase("matmul_empty_inner", lucid.matmul, np.matmul, [rand(2, 0), rand(0, 3)]),
    OpCase("matmul_empty_batch", lucid.matmul, np.matmul, [rand(0, 2, 3), rand(3, 2)]),
    OpCase("mm", lucid.mm, np.matmul, [M34, M45]),
    OpCase("bmm", lucid.bmm, np.matmul, [B234, B245]),
    OpCase("mv", lucid.mv, np.matmul, [M34, V4]),
    OpCase("dot", lucid.dot, np.dot, [V4, rand(4, seed=12)]),
    OpCase("vdot", lucid.vdot, np.vdot, [V4, rand(4, seed=12)]),
    OpCase("inner_2d_1d", lucid.inner, np.inner, [M34, V4]),
    OpCase("inner_3d_2d", lucid.inner, np.inner, [B234, M34]),
    OpCase("inner_scalar", lucid.inner, np.inner, [rand(seed=13), M34]),
    OpCase("outer", lucid.outer, np.outer, [V3, V4]),
    OpCase("tensordot_int", lambda a, b: lucid.tensordot(a, b, 2), lambda a, b: np.tensordot(a, b, 2),
           [B234, rand(3, 4, 2, seed=14)]),
    OpCase("tensordot_lists", lambda a, b: lucid.tensordot(a, b, ([0, 2], [2, 0])),
           lambda a, b: np.tensordot(a, b, ([0, 2], [2, 0])), [B234, rand(4, 5, 2, seed=15)]),
    OpCase("tensordot_zero", lambda a, b: lucid.tensordot(a, b, 0), lambda a, b: np.tensordot(a, b, 0), [V3, V4]),
    # einsum
    OpCase("einsum_matmul", lambda a, b: lucid.einsum("ij,jk->ik", a, b), lambda a, b: a @ b, [M34, M45]),
    OpCase("einsum_implicit", lambda a, b: lucid.einsum("ij,jk", a, b), lambda a, b: np.einsum("ij,jk", a, b),
           [M34, M45]),
    OpCase("einsum_implicit_order", lambda a: lucid.einsum("ba", a), lambda a: np.einsum("ba", a), [M34]),
    OpCase("einsum_trace", lambda a: lucid.einsum("ii", a), np.trace, [SQ]),
    OpCase("einsum_diag", lambda a: lucid.einsum("ii->i", a), np.diag, [SQ]),
    OpCase("einsum_diag_batched", lambda a: lucid.einsum("...ii->...i", a),
           lambda a: np.einsum("...ii->...i", a), [rand(2, 3, 3, seed=16)]),
    OpCase("einsum_transpose", lambda a: lucid.einsum("ijk->kij", a), lambda a: np.einsum("ijk->kij", a), [B234]),
    OpCase("einsum_sum_all", lambda a: lucid.einsum("ij->", a), np.sum, [M34]),
    OpCase("einsum_sum_axis", lambda a: lucid.einsum("ij->j", a), lambda a: a.sum(0), [M34]),
    OpCase("einsum_outer", lambda a, b: lucid.einsum("i,j->ij", a, b), np.outer, [V3, V4]),
    OpCase("einsum_batch_ellipsis", lambda a, b: lucid.einsum("...ij,...jk->...ik", a, b), np.matmul,
           [rand(2, 1, 3, 4, seed=17), rand(5, 4, 2, seed=18)]),
    OpCase("einsum_ellipsis_middle", lambda a: lucid.einsum("i...j->j...i", a),
           lambda a: np.einsum("i...j->j...i", a), [B234]),
    OpCase("einsum_three", lambda a, b, c: lucid.einsum("ij,jk,kl->il", a, b, c),
           lambda a, b, c: a @ b @ c, [M34, M45, rand(5, 2, seed=19)]),
    OpCase("einsum_repeated_with_other", lambda a, b: lucid.einsum("iij,jk->ik", a, b),
           lambda a, b: np.einsum("iij,jk->ik", a, b), [rand(3, 3, 4, seed=20), M45]),
    OpCase("einsum_only_here_letter", lambda a, b: lucid.einsum("ij,j->i", a, b),
           lambda a, b: np.einsum("ij,j->i", a, b), [M34, V4]),
    OpCase("einsum_size1_broadcast", lambda a, b: lucid.einsum("ij,ij->ij", a, b), lambda a, b: a * b,
           [rand(1, 4, seed=21), rand(3, 1, seed=22)]),
    OpCase("einsum_list_operands", lambda a, b: lucid.einsum("bij,bjk->bik", [a, b]), np.matmul, [B234, B245]),
    OpCase("einsum_sublist", lambda a, b: lucid.einsum(a, [0, 1], b, [1, 2], [0, 2]), np.matmul, [M34, M45]),
    OpCase("einsum_scalar_operand", lambda s, a: lucid.einsum(",ij->ij", s, a), lambda s, a: s * a,
           [rand(seed=23), M34]),
    OpCase("einsum_spaces", lambda a, b: lucid.einsum("i j , j k -> i k", a, b), np.matmul, [M34, M45]),
    # trace and diagonal
    OpCase("trace", lucid.trace, np.trace, [SQ]),
    OpCase("trace_rect", lucid.trace, np.trace, [M34]),
    OpCase("diagonal", lucid.diagonal, np.diagonal, [M34]),
    OpCase("diagonal_offset_pos", lambda a: lucid.diagonal(a, 1), lambda a: np.diagonal(a, 1), [M34]),
    OpCase("diagonal_offset_neg", lambda a: lucid.diagonal(a, offset=-1), lambda a: np.diagonal(a, -1), [M34]),
    OpCase("diagonal_dims", lambda a: lucid.diagonal(a, 0, 2, 0), lambda a: np.diagonal(a, 0, 2, 0), [B234]),
    OpCase("diagonal_dims_offset", lambda a: a.diagonal(offset=-1, dim1=-1, dim2=1),
           lambda a: np.diagonal(a, -1, 3, 1), [rand(2, 4, 3, 5, seed=24)]),
    OpCase("diagonal_offset_out_of_plane", lambda a: lucid.diagonal(a, 7), lambda a: np.diagonal(a, 7), [M34]),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_op(case):
    run_case(case)


def test_matmul_dtype_preserved():
    check_dtype_preserved(lambda x: x @ lucid.ones(3, 2, dtype=x.dtype), shape=(2, 3))
    check_dtype_preserved(lambda x: lucid.einsum("ij,kj->ik", x, x), shape=(2, 3))
    check_dtype_preserved(lambda x: lucid.diagonal(x), shape=(2, 3))


def test_matmul_grad_dtype_follows_input():
    a = lucid.tensor(np.ones((2, 3)), dtype=lucid.float16, requires_grad=True)
    b = lucid.tensor(np.ones((3, 2)), dtype=lucid.float32, requires_grad=True)
    out = a @ b
    assert out.dtype == lucid.float32
    out.sum().backward()
    assert a.grad.dtype == lucid.float16 and b.grad.dtype == lucid.float32


def test_matmul_integers():
    a = lucid.tensor([[1, 2], [3, 4]])
    assert (a @ a).tolist() == [[7, 10], [15, 22]]
    assert (a @ a).dtype == lucid.int64
    assert lucid.matmul(lucid.tensor([1, 2]), lucid.tensor([3, 4])).item() == 11


def test_matmul_shape_mismatch_names_both_shapes():
    with pytest.raises(ValueError, match=r"\(2, 3\).*\(4, 5\)"):
        lucid.matmul(lucid.ones(2, 3), lucid.ones(4, 5))
    with pytest.raises(ValueError, match=r"\(3,\).*\(4,\)"):
        lucid.ones(3) @ lucid.ones(4)
    with pytest.raises(ValueError, match=r"\(2, 2, 3\).*\(3, 3, 4\)"):
        lucid.ones(2, 2, 3) @ lucid.ones(3, 3, 4)
    with pytest.raises(ValueError, match="at least 1"):
        lucid.matmul(lucid.tensor(2.0), lucid.ones(2))


def test_fixed_rank_products_check_ranks():
    with pytest.raises(ValueError, match="mm"):
        lucid.mm(lucid.ones(2, 3, 4), lucid.ones(4, 5))
    with pytest.raises(ValueError, match="batch"):
        lucid.bmm(lucid.ones(2, 3, 4), lucid.ones(3, 4, 5))
    with pytest.raises(ValueError, match="dot"):
        lucid.dot(lucid.ones(2, 2), lucid.ones(2))
    with pytest.raises(ValueError, match="dot"):
        lucid.dot(lucid.ones(2), lucid.ones(3))
    with pytest.raises(ValueError, match="outer"):
        lucid.outer(lucid.ones(2, 2), lucid.ones(2))
    with pytest.raises(ValueError, match="inner"):
        lucid.inner(lucid.ones(2, 3), lucid.ones(2))


def test_matmul_linear_layer_gradient_fold():
    # the (batched input) @ (matrix) gradient is folded into one matmul; check it against the reference
    x, w = rand(4, 3, 5, seed=30), rand(5, 2, seed=31)
    check_grad(lucid.matmul, [x, w])


def test_einsum_errors():
    a = lucid.ones(2, 3)
    with pytest.raises(ValueError, match="operand"):
        lucid.einsum("ij,jk->ik", a)
    with pytest.raises(ValueError, match="size"):
        lucid.einsum("ij,jk->ik", a, lucid.ones(4, 2))
    with pytest.raises(ValueError, match="subscripts"):
        lucid.einsum("ijk->i", a)
    with pytest.raises(ValueError, match="output"):
        lucid.einsum("ij->k", a)
    with pytest.raises(ValueError, match="repeated"):
        lucid.einsum("ij->ii", a)
    with pytest.raises(ValueError, match="character"):
        lucid.einsum("i1->i", a)
    with pytest.raises(ValueError, match="diagonal|different sizes"):
        lucid.einsum("ii->i", a)


def test_tensordot_errors():
    with pytest.raises(ValueError, match="differ"):
        lucid.tensordot(lucid.ones(2, 3), lucid.ones(2, 3), 1)
    with pytest.raises(ValueError):
        lucid.tensordot(lucid.ones(2, 3), lucid.ones(3), 3)
    with pytest.raises(TypeError):
        lucid.tensordot(lucid.ones(2, 3), lucid.ones(3), "x")


def test_trace_and_diagonal_errors():
    with pytest.raises(ValueError, match="2-D"):
        lucid.trace(lucid.ones(2, 2, 2))
    with pytest.raises(ValueError, match="differ"):
        lucid.diagonal(lucid.ones(2, 2), 0, 1, 1)
    with pytest.raises(ValueError, match="out of range"):
        lucid.diagonal(lucid.ones(2, 2), 0, 0, 2)
    with pytest.raises(ValueError, match="at least 2"):
        lucid.diagonal(lucid.ones(2))


def test_trace_int_is_int64():
    assert lucid.trace(lucid.tensor([[1, 2], [3, 4]], dtype=lucid.int32)).dtype == lucid.int64


def test_products_are_lazy():
    a = lucid.tensor(rand(2, 3), requires_grad=True)
    out = lucid.einsum("ij,kj->ik", a, a) @ lucid.ones(2, dtype=lucid.float64)
    assert isinstance(out._data, mx.array)
    out.sum().backward()
    assert a.grad.shape == (2, 3)
