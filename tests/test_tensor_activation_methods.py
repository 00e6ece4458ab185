"""Tensor activation methods (x.relu(), x.softmax(dim), ...) and the top-level torch.relu-style names."""

import numpy as np
import pytest
from helpers import check_op, rand

import lucid
import lucid.nn.functional as F

X = rand(3, 4, seed=3) * 3
X[0, 0] = 0.0


def _np_softmax(a, axis):
    e = np.exp(a - a.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_softmax_and_log_softmax_methods(dim):
    check_op(lambda x: x.softmax(dim), lambda a: _np_softmax(a, dim), [X])
    check_op(lambda x: x.log_softmax(dim), lambda a: np.log(_np_softmax(a, dim)), [X])
    x = lucid.tensor(X)
    np.testing.assert_allclose(x.softmax(dim=dim, dtype=lucid.float32).numpy(), _np_softmax(X, dim), rtol=1e-5)
    assert x.softmax(dim, dtype=lucid.float32).dtype == lucid.float32
    np.testing.assert_allclose(x.softmax(axis=dim).numpy(), _np_softmax(X, dim))


def test_relu_and_hardshrink_methods():
    check_op(lambda x: x.relu(), lambda a: np.maximum(a, 0), [X[1:]])
    check_op(lambda x: x.hardshrink(0.5), lambda a: np.where(np.abs(a) > 0.5, a, 0.0), [X[1:]])
    check_op(lambda x: x.hardshrink(lambd=1.5), lambda a: np.where(np.abs(a) > 1.5, a, 0.0), [X[1:]])


def test_relu_inplace_method_rebinds_and_differentiates():
    x = lucid.tensor(X[1:], requires_grad=True)
    y = x * 2
    v = y._version
    out = y.relu_()
    assert out is y and y._version == v + 1
    np.testing.assert_allclose(y.numpy(), np.maximum(2 * X[1:], 0))
    g = rand(2, 4, seed=9)
    y.backward(lucid.tensor(g))
    np.testing.assert_allclose(x.grad.numpy(), 2 * g * (X[1:] > 0))
    with pytest.raises(RuntimeError):
        lucid.ones(2, requires_grad=True).relu_()  # a leaf that requires grad


def test_logit_inplace_method():
    p = np.array([0.2, 0.5, 0.9])
    x = lucid.tensor(p)
    assert x.logit_() is x
    np.testing.assert_allclose(x.numpy(), np.log(p / (1 - p)))
    y = lucid.tensor([0.0, 1.0])
    y.logit_(eps=0.25)
    np.testing.assert_allclose(y.numpy(), [np.log(1 / 3), np.log(3)])


def test_sigmoid_tanh_methods_and_inplace_forms():
    check_op(lambda x: x.sigmoid(), lambda a: 1 / (1 + np.exp(-a)), [X])
    check_op(lambda x: x.tanh(), np.tanh, [X])
    x = lucid.tensor(X)
    x.sigmoid_()
    np.testing.assert_allclose(x.numpy(), 1 / (1 + np.exp(-X)), rtol=1e-6)
    x = lucid.tensor(X)
    x.tanh_()
    np.testing.assert_allclose(x.numpy(), np.tanh(X))


def test_top_level_spellings_are_the_functional_ones():
    for name in ("relu", "relu_", "softmax", "log_softmax", "hardshrink", "selu", "selu_", "celu", "celu_",
                 "prelu", "rrelu", "rrelu_", "threshold", "threshold_"):
        assert getattr(lucid, name) is getattr(F, name), name
    np.testing.assert_allclose(lucid.softmax(lucid.tensor(X), 1).numpy(), _np_softmax(X, 1))


def test_methods_reject_non_tensors_like_the_functions():
    with pytest.raises(TypeError):
        lucid.Tensor.relu([1.0])
