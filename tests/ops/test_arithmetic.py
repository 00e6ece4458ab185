import numpy as np
import pytest

import lucid
from tests.helpers import OpCase, check_dtype_preserved, rand, run_case

A = rand(3, 4, seed=1)
B = rand(3, 4, seed=2)
ROW = rand(4, seed=3)
COL = rand(3, 1, seed=4)
POS = rand(3, 4, seed=5, low=0.5, high=2.0)
S = rand(seed=6)  # 0-d

CASES = [
    OpCase("add", lucid.add, np.add, [A, B]),
    OpCase("add_broadcast_row", lucid.add, np.add, [A, ROW]),
    OpCase("add_broadcast_both", lucid.add, np.add, [COL, ROW]),
    OpCase("add_scalar_tensor", lucid.add, np.add, [S, A]),
    OpCase("add_python_scalar", lambda a: a + 2.5, lambda a: a + 2.5, [A]),
    OpCase("radd", lambda a: 2.5 + a, lambda a: 2.5 + a, [A]),
    OpCase("sub", lucid.sub, np.subtract, [A, ROW]),
    OpCase("rsub", lambda a: 1.0 - a, lambda a: 1.0 - a, [A]),
    OpCase("mul", lucid.multiply, np.multiply, [COL, A]),
    OpCase("div", lucid.divide, np.divide, [A, POS]),
    OpCase("rdiv", lambda a: 2.0 / a, lambda a: 2.0 / a, [POS]),
    OpCase("pow_scalar", lambda a: a ** 3, lambda a: a ** 3, [A]),
    OpCase("pow_tensor", lucid.power, np.power, [POS, B]),
    OpCase("rpow", lambda a: 2.0 ** a, lambda a: 2.0 ** a, [A]),
    OpCase("maximum", lucid.maximum, np.maximum, [A, B]),
    OpCase("minimum", lucid.minimum, np.minimum, [A, ROW]),
    OpCase("remainder", lucid.remainder, np.remainder, [A * 3, POS]),
    OpCase("fmod", lucid.fmod, np.fmod, [A * 3, POS]),
    OpCase("neg", lucid.neg, np.negative, [A]),
    OpCase("empty_dim", lucid.add, np.add, [rand(0, 4), ROW]),
    OpCase("size1_dims", lucid.multiply, np.multiply, [rand(1, 1, 4), rand(2, 1, 1)]),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_op(case):
    run_case(case)


def test_floor_divide_not_differentiable():
    x = lucid.tensor([7.0, -7.0], requires_grad=True)
    y = x // 2
    assert y.tolist() == [3.0, -4.0]
    assert not y.requires_grad


def test_python_scalar_does_not_widen():
    check_dtype_preserved(lambda x: x * 2.5)
    check_dtype_preserved(lambda x: 1.0 - x)


def test_int_promotion():
    assert (lucid.tensor([1, 2]) + 1).dtype == lucid.int64
    assert (lucid.tensor([1, 2]) + 1.5).dtype == lucid.float32
    assert (lucid.tensor([1, 2]) / 2).dtype == lucid.float32


def test_maximum_ties_split_gradient():
    a = lucid.tensor([1.0, 2.0], requires_grad=True)
    b = lucid.tensor([1.0, 3.0], requires_grad=True)
    lucid.maximum(a, b).sum().backward()
    assert a.grad.tolist() == [0.5, 0.0]
    assert b.grad.tolist() == [0.5, 1.0]


def test_numpy_operand():
    x = lucid.tensor([1.0, 2.0])
    assert (x + np.array([1.0, 1.0])).tolist() == [2.0, 3.0]


def test_astype_gradient_returns_input_dtype():
    x = lucid.tensor([1.0, 2.0], dtype=lucid.float16, requires_grad=True)
    (x.astype(lucid.float32) * 3).sum().backward()
    assert x.grad.dtype == lucid.float16
    assert x.grad.tolist() == [3.0, 3.0]
