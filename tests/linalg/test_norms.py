"""``lucid.norm`` (``torch.norm``): values, gradients, ties, errors; the linalg norms are in test_decompositions."""

import math

import numpy as np
import pytest

import lucid
from tests.helpers import OpCase, check_dtype_preserved, rand, run_case

M34 = rand(3, 4, seed=1)
B234 = rand(2, 3, 4, seed=5)
INF = math.inf


def _vnorm(x, p, axis=None, keepdims=False):
    ax = axis if axis is None or isinstance(axis, tuple) else (axis,)
    a = np.abs(x)
    if p == INF:
        return np.max(a, axis=ax, keepdims=keepdims)
    if p == -INF:
        return np.min(a, axis=ax, keepdims=keepdims)
    if p == 0:
        return np.sum(x != 0, axis=ax, keepdims=keepdims).astype(x.dtype)
    return np.sum(a ** p, axis=ax, keepdims=keepdims) ** (1.0 / p)


CASES = [
    OpCase("norm_fro_default", lucid.norm, lambda x: np.sqrt(np.sum(x * x)), [B234]),
    OpCase("norm_p2_dim", lambda x: lucid.norm(x, 2, dim=1), lambda x: _vnorm(x, 2, 1), [M34]),
    OpCase("norm_p1", lambda x: lucid.norm(x, p=1, dim=-1, keepdim=True), lambda x: _vnorm(x, 1, -1, True), [B234]),
    OpCase("norm_p3_tuple", lambda x: lucid.norm(x, 3, dim=(0, 2)), lambda x: _vnorm(x, 3, (0, 2)), [B234]),
    OpCase("norm_p_half", lambda x: lucid.norm(x, 0.5), lambda x: _vnorm(x, 0.5), [M34]),
    OpCase("norm_p_neg", lambda x: lucid.norm(x, -1.5, dim=0), lambda x: _vnorm(x, -1.5, 0), [M34]),
    OpCase("norm_inf", lambda x: lucid.norm(x, INF, dim=1), lambda x: _vnorm(x, INF, 1), [M34]),
    OpCase("norm_neg_inf", lambda x: x.norm(-INF), lambda x: _vnorm(x, -INF), [M34]),
    OpCase("norm_zero", lambda x: lucid.norm(x, 0, dim=0), lambda x: _vnorm(x, 0, 0),
           [np.array([[0.0, 1.0], [2.0, 0.0], [3.0, 4.0]])]),
    OpCase("norm_fro_dims", lambda x: lucid.norm(x, "fro", dim=(1, 2)), lambda x: np.sqrt((x * x).sum((1, 2))),
           [B234]),
    OpCase("norm_nuc", lambda x: lucid.norm(x, "nuc"), lambda x: np.linalg.norm(x, "nuc"), [M34]),
    OpCase("norm_scalar", lucid.norm, np.abs, [rand(seed=25)]),
    OpCase("norm_empty", lambda x: lucid.norm(x, 2, dim=0), lambda x: np.zeros(4), [rand(0, 4)]),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_op(case):
    run_case(case)


def test_norm_dtype_preserved():
    check_dtype_preserved(lambda x: lucid.norm(x), shape=(2, 3))


def test_norm_gradient_at_zero_is_zero():
    x = lucid.zeros(3, dtype=lucid.float64, requires_grad=True)
    lucid.norm(x).backward()
    assert x.grad.tolist() == [0.0, 0.0, 0.0]
    y = lucid.tensor([0.0, 2.0], dtype=lucid.float64, requires_grad=True)
    lucid.norm(y, 3).backward()
    assert y.grad.tolist() == [0.0, 1.0]


def test_norm_inf_ties_split():
    x = lucid.tensor([-3.0, 3.0, 1.0], requires_grad=True)
    lucid.norm(x, INF).backward()
    assert x.grad.tolist() == [-0.5, 0.5, 0.0]


def test_norm_errors():
    with pytest.raises(TypeError, match="floating"):
        lucid.norm(lucid.tensor([1, 2]))
    with pytest.raises(TypeError):
        lucid.norm(lucid.ones(2), p="bad")
    with pytest.raises(ValueError, match="nuc"):
        lucid.norm(lucid.ones(2, 2, 2), "nuc")
    with pytest.raises(ValueError, match="axis 2"):
        lucid.norm(lucid.ones(2, 2), dim=2)
    with pytest.raises(ValueError, match="empty"):
        lucid.norm(lucid.ones(0), INF)
