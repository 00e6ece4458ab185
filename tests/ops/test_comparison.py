import math
import operator

import numpy as np
import pytest

import lucid
from tests.helpers import OpCase, rand, run_case

A = np.round(rand(3, 4, seed=1) * 2) / 2         # halves in [-1, 1]: plenty of ties
B = np.round(rand(3, 4, seed=2) * 2) / 2
ROW = np.round(rand(4, seed=3) * 2) / 2
COL = np.round(rand(3, 1, seed=4) * 2) / 2
S = np.asarray(0.5)
EMPTY = rand(0, 4, seed=5)
BA = rand(3, 4, seed=6) > 0                      # bool
BB = rand(3, 4, seed=7) > 0
IA = np.arange(12, dtype=np.int64).reshape(3, 4)
IB = np.arange(12, 0, -1, dtype=np.int64).reshape(3, 4)
SPECIAL = np.array([np.nan, np.inf, -np.inf, 0.0, -1.5, 2.0])

COMPARISONS = [
    ("eq", lucid.eq, np.equal), ("ne", lucid.ne, np.not_equal), ("lt", lucid.lt, np.less),
    ("le", lucid.le, np.less_equal), ("gt", lucid.gt, np.greater), ("ge", lucid.ge, np.greater_equal),
]
OPERATORS = [operator.eq, operator.ne, operator.lt, operator.le, operator.gt, operator.ge]

CASES = []
for name, fn, ref in COMPARISONS:
    CASES += [
        OpCase(name, fn, ref, [A, B], grad=False),
        OpCase(name + "_bcast", fn, ref, [COL, ROW], grad=False),
        OpCase(name + "_0d", fn, ref, [S, A], grad=False),
        OpCase(name + "_empty", fn, ref, [EMPTY, ROW], grad=False),
        OpCase(name + "_int", fn, ref, [IA, IB], grad=False),
        OpCase(name + "_nan_inf", fn, ref, [SPECIAL, SPECIAL[::-1].copy()], grad=False),
        OpCase(name + "_number", lambda x, fn=fn: fn(x, 0.5), lambda x, ref=ref: ref(x, 0.5), [A], grad=False),
    ]
CASES += [
    OpCase("logical_and", lucid.logical_and, np.logical_and, [BA, BB], grad=False),
    OpCase("logical_or", lucid.logical_or, np.logical_or, [BA, BB], grad=False),
    OpCase("logical_xor", lucid.logical_xor, np.logical_xor, [BA, BB], grad=False),
    OpCase("logical_not", lucid.logical_not, np.logical_not, [BA], grad=False),
    OpCase("logical_and_floats", lucid.logical_and, np.logical_and, [A, B], grad=False),
    OpCase("logical_or_bcast", lucid.logical_or, np.logical_or, [COL, ROW], grad=False),
    OpCase("logical_not_float", lucid.logical_not, np.logical_not, [A], grad=False),
    OpCase("logical_xor_empty", lucid.logical_xor, np.logical_xor, [EMPTY, ROW], grad=False),
    OpCase("bitwise_and", lucid.bitwise_and, np.bitwise_and, [IA, IB], grad=False),
    OpCase("bitwise_or", lucid.bitwise_or, np.bitwise_or, [IA, IB], grad=False),
    OpCase("bitwise_xor", lucid.bitwise_xor, np.bitwise_xor, [IA, IB], grad=False),
    OpCase("bitwise_not", lucid.bitwise_not, np.invert, [IA], grad=False),
    OpCase("bitwise_and_bool", lucid.bitwise_and, np.bitwise_and, [BA, BB], grad=False),
    OpCase("bitwise_or_bool", lucid.bitwise_or, np.bitwise_or, [BA, BB], grad=False),
    OpCase("bitwise_xor_bool", lucid.bitwise_xor, np.bitwise_xor, [BA, BB], grad=False),
    OpCase("bitwise_not_bool", lucid.bitwise_not, np.invert, [BA], grad=False),
    OpCase("bitwise_and_bcast", lucid.bitwise_and, np.bitwise_and, [IA[:, :1].copy(), IB[0].copy()], grad=False),
    OpCase("left_shift", lucid.bitwise_left_shift, np.left_shift, [IA, np.int64(2)], grad=False),
    OpCase("right_shift", lucid.bitwise_right_shift, np.right_shift, [IB, np.int64(1)], grad=False),
    OpCase("isclose", lucid.isclose, np.isclose, [A, A + 1e-9], grad=False),
    OpCase("isclose_far", lucid.isclose, np.isclose, [A, B], grad=False),
    OpCase("isclose_bcast", lucid.isclose, np.isclose, [COL, ROW], grad=False),
    OpCase("isclose_special", lucid.isclose, np.isclose, [SPECIAL, SPECIAL], grad=False),
    OpCase("isclose_equal_nan", lambda a, b: lucid.isclose(a, b, equal_nan=True),
           lambda a, b: np.isclose(a, b, equal_nan=True), [SPECIAL, SPECIAL], grad=False),
    OpCase("isclose_tolerances", lambda a, b: lucid.isclose(a, b, rtol=0.1, atol=0.3),
           lambda a, b: np.isclose(a, b, rtol=0.1, atol=0.3), [A, B], grad=False),
]
for name in ("isnan", "isinf", "isfinite", "isposinf", "isneginf"):
    fn, ref = getattr(lucid, name), getattr(np, name)
    CASES += [
        OpCase(name, fn, ref, [SPECIAL], grad=False),
        OpCase(name + "_2d", fn, ref, [A], grad=False),
        OpCase(name + "_0d", fn, ref, [np.asarray(np.inf)], grad=False),
        OpCase(name + "_empty", fn, ref, [EMPTY], grad=False),
        OpCase(name + "_int", fn, ref, [IA], grad=False),
    ]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_op(case):
    run_case(case)


@pytest.mark.parametrize("op", OPERATORS, ids=lambda o: o.__name__)
def test_operators_match_numpy_on_both_sides(op):
    a, b = lucid.tensor(A), lucid.tensor(B)
    for got, expected in [
        (op(a, b), op(A, B)),
        (op(a, 0.5), op(A, 0.5)),
        (op(0.5, a), op(0.5, A)),                      # reflected through the Tensor's operator
        (op(a, 1), op(A, 1)),
        (op(a, np.float64(0.5)), op(A, 0.5)),
        (op(a, ROW), op(A, ROW)),                      # NumPy array on the right
        (op(ROW, a), op(ROW, A)),                      # NumPy array on the left defers to the Tensor
        (op(a, ROW.tolist()), op(A, ROW)),             # list on the right
    ]:
        assert isinstance(got, lucid.Tensor)
        assert got.dtype == lucid.bool
        np.testing.assert_array_equal(got.numpy(), expected)


@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "float32", "int32", "int64"])
def test_results_are_bool_for_every_dtype(dtype):
    x = lucid.tensor([1, 2, 3], dtype=getattr(lucid, dtype))
    for out in (x == 2, x != 2, x < 2, x <= 2, x > 2, x >= 2, lucid.isnan(x), lucid.isclose(x, x),
                lucid.logical_and(x, x)):
        assert out.dtype == lucid.bool
    assert (x == 2).tolist() == [False, True, False]


def test_comparisons_are_not_differentiable():
    x = lucid.tensor([1.0, 2.0], requires_grad=True)
    for out in (x == 1.0, x < 2.0, lucid.isclose(x, x), lucid.isnan(x), lucid.logical_not(x)):
        assert not out.requires_grad and out.grad_fn is None
    # A comparison used as a mask inside a differentiable expression.
    y = lucid.where(x > 1.5, x * 3.0, x)
    y.sum().backward()
    assert x.grad.tolist() == [1.0, 3.0]


def test_eq_with_foreign_objects():
    x = lucid.tensor([1.0, 2.0])
    assert (x == None) is False  # noqa: E711
    assert (x != None) is True  # noqa: E711
    assert (x == "a") is False
    with pytest.raises(TypeError):
        x < "a"  # noqa: B015


def test_tensor_stays_hashable():
    x, y = lucid.tensor([1.0, 2.0]), lucid.tensor([1.0, 2.0])
    d = {x: "x", y: "y"}
    assert d[x] == "x" and d[y] == "y"
    assert x in {x} and y not in {x}
    assert hash(x) == hash(x) != hash(y)
    assert type(x).__hash__ is object.__hash__


def test_bool_of_single_element_comparison():
    x = lucid.tensor(3.0)
    assert bool(x == 3.0) and not bool(x > 5)
    with pytest.raises(RuntimeError, match="ambiguous"):
        bool(lucid.tensor([1.0, 2.0]) == 1.0)


def test_bitwise_operators():
    i, j = lucid.tensor(IA), lucid.tensor(IB)
    np.testing.assert_array_equal((i & j).numpy(), IA & IB)
    np.testing.assert_array_equal((i | j).numpy(), IA | IB)
    np.testing.assert_array_equal((i ^ j).numpy(), IA ^ IB)
    np.testing.assert_array_equal((~i).numpy(), ~IA)
    np.testing.assert_array_equal((i << 2).numpy(), IA << 2)
    np.testing.assert_array_equal((j >> 1).numpy(), IB >> 1)
    np.testing.assert_array_equal((6 & i).numpy(), 6 & IA)
    np.testing.assert_array_equal((6 | i).numpy(), 6 | IA)
    np.testing.assert_array_equal((6 ^ i).numpy(), 6 ^ IA)
    small = lucid.tensor(IA[:, :3].copy())
    np.testing.assert_array_equal((1 << small).numpy(), 1 << IA[:, :3])
    np.testing.assert_array_equal((64 >> small).numpy(), 64 >> IA[:, :3])
    assert (i & j).dtype == lucid.int64


def test_bool_masks_combine():
    m, n = lucid.tensor(BA), lucid.tensor(BB)
    for got, expected in [(m & n, BA & BB), (m | n, BA | BB), (m ^ n, BA ^ BB), (~m, ~BA),
                          (m & True, BA & True), (False | m, False | BA)]:
        assert got.dtype == lucid.bool
        np.testing.assert_array_equal(got.numpy(), expected)
    x = lucid.tensor(A)
    np.testing.assert_array_equal(((x > 0) & (x < 0.8)).numpy(), (A > 0) & (A < 0.8))
    # A Python int next to a bool tensor promotes to int64 (as in PyTorch).
    assert (lucid.tensor([True, False]) & 1).dtype == lucid.int64
    assert (lucid.tensor([True, False]) & 1).tolist() == [1, 0]


@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "float32"])
def test_bitwise_on_floats_raises_naming_dtype(dtype):
    x = lucid.tensor([1.0, 2.0], dtype=getattr(lucid, dtype))
    i = lucid.tensor([1, 2])
    for call in (lambda: x & i, lambda: i | x, lambda: x ^ x, lambda: ~x, lambda: lucid.bitwise_and(i, x),
                 lambda: lucid.bitwise_not(x), lambda: x << 1, lambda: 1 & x):
        with pytest.raises(TypeError, match=dtype):
            call()
    with pytest.raises(TypeError, match="float"):
        i & 1.5


def test_allclose_returns_python_bool():
    a, b = lucid.tensor([1.0, 2.0, math.nan]), lucid.tensor([1.0, 2.0])
    assert lucid.allclose(b, lucid.tensor([1.0, 2.0 + 1e-6])) is True
    assert lucid.allclose(b, lucid.tensor([1.0, 2.1])) is False
    assert lucid.allclose(b, lucid.tensor([1.0, 2.1]), atol=0.2) is True
    assert lucid.allclose(a, a) is False
    assert lucid.allclose(a, a, equal_nan=True) is True
    assert lucid.allclose(lucid.tensor([[1.0], [1.0]]), 1.0) is True    # broadcasting, number on the right
    assert b.allclose(lucid.tensor([1.0, 2.0])) is True


def test_equal_returns_python_bool():
    assert lucid.equal(lucid.tensor([1, 2]), lucid.tensor([1, 2])) is True
    assert lucid.equal(lucid.tensor([1, 2]), lucid.tensor([1, 3])) is False
    assert lucid.equal(lucid.tensor([1.0]), lucid.tensor([1.0, 1.0])) is False     # shapes differ: no broadcasting
    assert lucid.equal(lucid.tensor([[1.0, 2.0]]), lucid.tensor([1.0, 2.0])) is False
    assert lucid.equal(lucid.tensor([math.nan]), lucid.tensor([math.nan])) is False
    assert lucid.equal(lucid.tensor([1, 2]), lucid.tensor([1.0, 2.0])) is True      # values after promotion
    assert lucid.equal(lucid.zeros(0), lucid.zeros(0)) is True
    assert lucid.tensor([3.0]).equal(lucid.tensor([3.0])) is True


def test_tolerance_errors():
    x = lucid.tensor([1.0])
    with pytest.raises(ValueError, match="rtol must be non-negative"):
        lucid.isclose(x, x, rtol=-1.0)
    with pytest.raises(ValueError, match="atol must be non-negative"):
        lucid.allclose(x, x, atol=-1e-3)
    with pytest.raises(TypeError, match="atol must be a real number"):
        lucid.isclose(x, x, atol="0.1")


def test_shape_mismatch_raises():
    with pytest.raises(ValueError):
        lucid.tensor([1.0, 2.0]) == lucid.tensor([1.0, 2.0, 3.0])  # noqa: B015


def test_methods_and_aliases():
    x, y = lucid.tensor([1.0, 2.0]), lucid.tensor([2.0, 2.0])
    assert lucid.not_equal is lucid.ne and lucid.less is lucid.lt and lucid.less_equal is lucid.le
    assert lucid.greater is lucid.gt and lucid.greater_equal is lucid.ge
    assert x.eq(y).tolist() == [False, True] and x.ne(y).tolist() == [True, False]
    assert x.lt(y).tolist() == [True, False] and x.le(y).tolist() == [True, True]
    assert x.gt(y).tolist() == [False, False] and x.ge(y).tolist() == [False, True]
    assert x.greater_equal(y).tolist() == [False, True]
    assert x.isclose(y).tolist() == [False, True]
    assert x.isnan().tolist() == [False, False] and x.isfinite().tolist() == [True, True]
    assert x.logical_not().tolist() == [False, False]
    assert lucid.tensor([5, 3]).bitwise_and(1).tolist() == [1, 1]
