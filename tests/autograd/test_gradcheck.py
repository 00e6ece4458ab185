"""``gradcheck`` itself: it must pass correct rules and catch wrong ones."""

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
        return g, g.sum(keepdim=True) * 0.5  # wrong value, right shape


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
            return g.flip(0) * 2.0

    with pytest.raises(RuntimeError):
        lucid.autograd.gradcheck(SwapsGradients.apply, [_leaf([1.0, 2.0, 3.0])])


def test_non_tensor_arguments_and_tuple_outputs():
    x = _leaf([0.2, 0.4])
    assert lucid.autograd.gradcheck(lambda t, k: (t * k, t * t), [x, 3.0])


def test_needs_an_input_that_requires_grad():
    with pytest.raises(ValueError, match="requires_grad"):
        lucid.autograd.gradcheck(lambda t: t * 2, [lucid.ones(2)])


# -- precision: MLX computes float64 sin, cos, exp, erf and sigmoid at float32 precision --------------

_SMOOTH = {
    "sin_times_t": lambda t: (lucid.sin(t) * t).sum(),
    "cos": lucid.cos,
    "exp": lucid.exp,
    "erf": lucid.erf,
    "sigmoid": lucid.sigmoid,
    "tanh_of_exp": lambda t: lucid.tanh(lucid.exp(t) * 0.5),
    "log1p_sin_squared": lambda t: lucid.log(1 + lucid.sin(t) ** 2),
    "sin_matmul_cos": lambda t: lucid.sin(t) @ lucid.cos(t).T,
    "softmax_of_exp": lambda t: lucid.nn.functional.softmax(lucid.exp(t), dim=1),
}


# float32 outputs round at ~6e-8 relative: finite differences resolve about 1e-4 there.
_TOLERANCES = {lucid.float64: {}, lucid.float32: dict(atol=1e-4, rtol=3e-3)}


def _inputs(dtype, seed=0, shape=(3, 4)):
    values = np.random.default_rng(seed).uniform(-2.0, 2.0, size=shape)
    return lucid.tensor(values, dtype=dtype, requires_grad=True)


@pytest.mark.parametrize("name", list(_SMOOTH))
@pytest.mark.parametrize("dtype", [lucid.float64, lucid.float32])
def test_right_gradients_pass(name, dtype):
    # With a plain two-point difference and eps=1e-6 the float64 transcendental cases fail
    # (max error ~3e-3 for sin(t) * t): MLX's float64 sin is only float32-accurate.
    # float64 uses the default arguments.
    assert lucid.autograd.gradcheck(_SMOOTH[name], [_inputs(dtype)], **_TOLERANCES[dtype])


def test_the_tutorial_example_passes_with_pytorch_arguments():
    x = _inputs(lucid.float64)
    assert lucid.autograd.gradcheck(lambda t: (lucid.sin(t) * t).sum(), (x,), eps=1e-6, atol=1e-5, rtol=1e-3)


def _scaled_sin(scale: float, sign: float = 1.0):
    class ScaledSin(Function):
        """sin, with a backward off by ``scale`` (and ``sign``)."""

        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x.sin()

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return sign * scale * g * x.cos()

    return ScaledSin


@pytest.mark.parametrize("dtype", [lucid.float64, lucid.float32])
@pytest.mark.parametrize("scale, sign", [(1.01, 1.0), (0.99, 1.0), (1.0, -1.0)])
def test_wrong_gradients_of_noisy_functions_still_fail(dtype, scale, sign):
    wrong = _scaled_sin(scale, sign)
    x = _inputs(dtype)
    with pytest.raises(RuntimeError, match="differ"):
        lucid.autograd.gradcheck(lambda t: wrong.apply(t) * t, [x], **_TOLERANCES[dtype])
    assert lucid.autograd.gradcheck(lambda t: _scaled_sin(1.0).apply(t) * t, [x], **_TOLERANCES[dtype])


@pytest.mark.parametrize("dtype", [lucid.float64, lucid.float32])
def test_a_missing_broadcast_reduction_still_fails(dtype):
    class ExpAddBias(Function):
        """exp(x) + b with b of shape (4,); the rule forgets to sum b's gradient over rows."""

        @staticmethod
        def forward(ctx, x, b):
            return x.exp() + b

        @staticmethod
        def backward(ctx, g):
            return g * ctx_x[0].exp(), g[0]

    x, b = _inputs(dtype), _inputs(dtype, seed=1, shape=(4,))
    ctx_x = [x.detach()]
    with pytest.raises(RuntimeError, match="input 1"):
        lucid.autograd.gradcheck(ExpAddBias.apply, [x, b], **_TOLERANCES[dtype])


def test_unresolvable_numerics_fail_as_inconclusive_not_pass():
    # float32 exp cannot be differenced to 1e-9: no step gets there, so the check must not
    # pass, even for a rule that is 1% off; nor may it blame the rule.
    wrong = _scaled_sin(1.01)
    x = _inputs(lucid.float32)
    with pytest.raises(RuntimeError, match="inconclusive"):
        lucid.autograd.gradcheck(lambda t: wrong.apply(t) * lucid.exp(t), [x], atol=1e-9, rtol=1e-9)
    assert lucid.autograd.gradcheck(lucid.exp, [x], atol=1e-9, rtol=1e-9, raise_exception=False) is False


def test_exact_functions_keep_the_small_step_and_tight_tolerances():
    x = _inputs(lucid.float64)
    assert lucid.autograd.gradcheck(lambda t: lucid.tanh(t) * t * t, [x], atol=1e-9, rtol=1e-8)


@pytest.mark.parametrize("kwargs", [dict(eps=0.0), dict(eps=-1e-6), dict(eps=1.0), dict(atol=-1.0),
                                    dict(atol=0.0, rtol=0.0)])
def test_bad_settings_are_value_errors(kwargs):
    with pytest.raises(ValueError):
        lucid.autograd.gradcheck(lucid.sin, [_inputs(lucid.float64)], **kwargs)


def test_numerical_estimate_is_fourth_order():
    # For t**5 at t = 1 a two-point difference with step 1/64 is off by ~1e-2; the estimate is within ~1e-6.
    x = lucid.tensor([1.0], dtype=lucid.float64, requires_grad=True)
    (g,) = lucid.autograd.gradcheck.__globals__["numerical_jacobian_vjp"](
        lambda t: t ** 5, [x], [np.ones(1)], eps=2.0 ** -6)
    assert abs(g[0] - 5.0) < 1e-5
