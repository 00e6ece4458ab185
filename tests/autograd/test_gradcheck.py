"""``gradcheck`` itself: it must pass correct rules and catch wrong ones."""

import mlx.core as mx
import numpy as np
import pytest

import lucid
from lucid.autograd import Function


def _leaf(values):
    return lucid.tensor(np.asarray(values, dtype=np.float64), requires_grad=True)


class WrongSquare(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * x  # should be 2 * g * x


class ForgetsBroadcast(Function):
    """Adds a (1,)-shaped bias but returns an unreduced gradient for it: caught by shape."""

    @staticmethod
    def forward(ctx, x, b):
        return x + b

    @staticmethod
    def backward(ctx, g):
        return g, mx.sum(g, keepdims=True) * 0.5  # wrong value, right shape


def test_passes_a_correct_rule():
    x, w = _leaf([0.3, -0.8, 1.1]), _leaf([[1.5], [0.2]])
    assert lucid.autograd.gradcheck(lambda a, b: a * b, [x, w])


def test_catches_a_wrong_backward():
    with pytest.raises(RuntimeError, match="differ"):
        lucid.autograd.gradcheck(WrongSquare.apply, [_leaf([0.5, 1.5])])
    assert lucid.autograd.gradcheck(WrongSquare.apply, [_leaf([0.5, 1.5])], raise_exception=False) is False


def test_catches_a_wrong_gradient_of_the_second_input():
    x, b = _leaf([1.0, 2.0]), _leaf([0.5])
    with pytest.raises(RuntimeError, match="input 1"):
        lucid.autograd.gradcheck(ForgetsBroadcast.apply, [x, b])


def test_uses_a_random_upstream_gradient():
    # With an all-ones upstream, sum-like mistakes can cancel; the random one reveals them.
    class SwapsGradients(Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2.0

        @staticmethod
        def backward(ctx, g):
            return mx.flip(g, axis=0) * 2.0 if hasattr(mx, "flip") else g[::-1] * 2.0

    with pytest.raises(RuntimeError):
        lucid.autograd.gradcheck(SwapsGradients.apply, [_leaf([1.0, 2.0, 3.0])])


def test_non_tensor_arguments_and_tuple_outputs():
    x = _leaf([0.2, 0.4])
    assert lucid.autograd.gradcheck(lambda t, k: (t * k, t * t), [x, 3.0])


def test_needs_an_input_that_requires_grad():
    with pytest.raises(ValueError, match="requires_grad"):
        lucid.autograd.gradcheck(lambda t: t * 2, [lucid.ones(2)])
