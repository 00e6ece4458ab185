"""Tensor.uniform_/normal_/bernoulli_/exponential_/log_normal_/cauchy_/geometric_/random_."""

import math

import numpy as np
import pytest

import lucid

N = 40_000


@pytest.fixture(autouse=True)
def _seed():
    lucid.manual_seed(99)


def _se(var):
    return 5 * math.sqrt(var / N)


def test_fills_are_in_place_and_keep_dtype():
    for dtype in (lucid.float32, lucid.float16):
        x = lucid.zeros(N, dtype=dtype)
        v = x._version
        assert x.uniform_(1, 3) is x and x._version == v + 1 and x.dtype == dtype
        a = x.numpy()
        assert (a >= 1).all() and ((a < 3).all() if dtype == lucid.float32 else (a <= 3).all())  # float16 rounds


@pytest.mark.parametrize("method,args,mean,var", [
    ("uniform_", (-1.0, 3.0), 1.0, 16 / 12),
    ("normal_", (2.0, 0.5), 2.0, 0.25),
    ("bernoulli_", (0.3,), 0.3, 0.21),
    ("exponential_", (4.0,), 0.25, 1 / 16),
    ("log_normal_", (0.0, 0.25), math.exp(0.25 ** 2 / 2), (math.exp(0.0625) - 1) * math.exp(0.0625)),
    ("geometric_", (0.25,), 4.0, 0.75 / 0.0625),
    ("random_", (2, 6), 3.5, (4 ** 2 - 1) / 12),
])
def test_moments(method, args, mean, var):
    x = getattr(lucid.zeros(N), method)(*args).numpy().astype(np.float64)
    assert abs(x.mean() - mean) < _se(var)
    assert abs(x.var() - var) < 0.1 * var


def test_cauchy_quartiles():
    x = lucid.zeros(N).cauchy_(1.0, 2.0).numpy()
    q1, q2, q3 = np.quantile(x, [0.25, 0.5, 0.75])
    assert abs(q2 - 1.0) < 0.08 and abs(q1 - (-1.0)) < 0.15 and abs(q3 - 3.0) < 0.15


def test_random_forms_and_integer_dtypes():
    x = lucid.zeros(1000, dtype=lucid.int64).random_(5)
    assert x.dtype == lucid.int64 and set(np.unique(x.numpy())) == {0, 1, 2, 3, 4}
    y = lucid.zeros(1000, dtype=lucid.int32).random_(**{"from": 3}, to=5)
    assert set(np.unique(y.numpy())) == {3, 4}
    b = lucid.zeros(200, dtype=lucid.bool_).random_()
    assert set(np.unique(b.numpy())) == {False, True}
    f = lucid.zeros(100).random_()
    assert (f.numpy() == np.round(f.numpy())).all() and f.max().item() <= 2 ** 24


def test_values_checked_and_leaf_guard():
    with pytest.raises(ValueError):
        lucid.zeros(2).normal_(0, -1)
    with pytest.raises(ValueError):
        lucid.zeros(2).bernoulli_(1.5)
    with pytest.raises(ValueError):
        lucid.zeros(2).uniform_(2, 1)
    with pytest.raises(TypeError):
        lucid.zeros(2).exponential_("1")
    w = lucid.zeros(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf"):
        w.normal_()
    with lucid.no_grad():
        w.normal_()  # what nn.init does
    assert w.requires_grad and w.is_leaf


def test_generator_reproducible():
    g = lucid.random.Generator(5)
    a = lucid.zeros(5).normal_(generator=g).tolist()
    g.manual_seed(5)
    assert lucid.zeros(5).normal_(generator=g).tolist() == a
