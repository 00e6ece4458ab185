"""User-defined Functions follow PyTorch's contract; Lucid's own primitives keep raw arrays."""

import mlx.core as mx
import numpy as np
import pytest

import lucid
from lucid.autograd import Function, once_differentiable
from lucid.ops.arithmetic import Mul


def _leaf(values):
    return lucid.tensor(np.asarray(values, dtype=np.float64), requires_grad=True)


def test_forward_and_backward_receive_tensors():
    seen = {}

    class Probe(Function):
        @staticmethod
        def forward(ctx, x, k):
            seen["forward"] = (type(x), x.requires_grad, lucid.is_grad_enabled(), k)
            ctx.save_for_backward(x)
            # PyTorch-style code inside forward: Tensor methods, .detach(), .to()
            return (x.detach().to("cpu") * k).exp()

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            seen["backward"] = (type(g), type(x), lucid.is_grad_enabled())
            return g * k_value * (x * k_value).exp(), None

    k_value = 2.0
    x = _leaf([0.1, -0.3])
    y = Probe.apply(x, k_value)
    assert isinstance(y, lucid.Tensor) and y.requires_grad
    y.sum().backward()
    assert seen["forward"] == (lucid.Tensor, False, False, 2.0)
    assert seen["backward"] == (lucid.Tensor, lucid.Tensor, False)
    np.testing.assert_allclose(x.grad.numpy(), 2 * np.exp(2 * np.array([0.1, -0.3])))
    assert lucid.autograd.gradcheck(lambda t: Probe.apply(t, 2.0), [_leaf([0.2, 0.4])])


def test_lucid_primitives_keep_the_raw_array_contract():
    assert Mul.raw_arrays is True

    class Mine(Function):
        pass

    assert Mine.raw_arrays is False

    class MineRaw(Function):
        raw_arrays = True

        @staticmethod
        def forward(ctx, x):
            assert isinstance(x, mx.array)
            return x * 2

        @staticmethod
        def backward(ctx, g):
            assert isinstance(g, mx.array)
            return g * 2

    x = _leaf([1.0])
    MineRaw.apply(x).sum().backward()
    assert x.grad.item() == 2.0


def test_setup_context_style():
    class Square(Function):
        @staticmethod
        def forward(x):
            return x * x

        @staticmethod
        def setup_context(ctx, inputs, output):
            (x,) = inputs
            ctx.save_for_backward(x)

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return 2 * g * x

    x = _leaf([1.5, -2.0])
    Square.apply(x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [3.0, -4.0])


def test_once_differentiable_runs_backward_without_grad():
    seen = []

    class Twice(Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        @once_differentiable
        def backward(ctx, g):
            seen.append(lucid.is_grad_enabled())
            return g * 2

    x = _leaf([1.0, 2.0])
    Twice.apply(x).sum().backward()
    assert seen == [False]
    assert x.grad.tolist() == [2.0, 2.0]
    assert lucid.autograd.function.once_differentiable is once_differentiable


def test_needs_input_grad_and_none_gradients():
    class AddScaled(Function):
        @staticmethod
        def forward(ctx, a, b):
            ctx.flags = ctx.needs_input_grad
            return a + 3 * b

        @staticmethod
        def backward(ctx, g):
            return (g if ctx.needs_input_grad[0] else None,
                    g * 3 if ctx.needs_input_grad[1] else None)

    a, b = _leaf([1.0]), lucid.tensor([2.0], dtype=lucid.float64)
    y = AddScaled.apply(a, b)
    assert y.grad_fn.flags == (True, False)
    y.sum().backward()
    assert a.grad.item() == 1.0 and b.grad is None


def test_set_materialize_grads_false_gives_none_for_unused_outputs():
    seen = []

    class Pair(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.set_materialize_grads(False)
            return x * 2, x * 3

        @staticmethod
        def backward(ctx, g2, g3):
            seen.append((g2 is None, g3 is None))
            total = None
            for g, k in ((g2, 2), (g3, 3)):
                if g is not None:
                    total = g * k if total is None else total + g * k
            return total

    x = _leaf([1.0])
    _, b = Pair.apply(x)
    b.sum().backward()
    assert seen == [(True, False)]
    assert x.grad.item() == 3.0


def test_materialized_gradients_are_zero_tensors_by_default():
    seen = []

    class Pair(Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2, x * 3

        @staticmethod
        def backward(ctx, g2, g3):
            seen.append(g2.tolist())
            return g2 * 2 + g3 * 3

    x = _leaf([1.0, 1.0])
    Pair.apply(x)[1].sum().backward()
    assert seen == [[0.0, 0.0]] and x.grad.tolist() == [3.0, 3.0]


def test_mark_non_differentiable_output():
    class SortValues(Function):
        @staticmethod
        def forward(ctx, x):
            values, idx = x.sort()
            ctx.mark_non_differentiable(idx)
            ctx.save_for_backward(idx)
            return values, idx

        @staticmethod
        def backward(ctx, g, _g_idx):
            (idx,) = ctx.saved_tensors
            return lucid.zeros_like(g).scatter(0, idx, g)

    x = _leaf([3.0, 1.0, 2.0])
    values, idx = SortValues.apply(x)
    assert values.requires_grad and not idx.requires_grad
    (values * lucid.tensor([1.0, 10.0, 100.0], dtype=lucid.float64)).sum().backward()
    assert x.grad.tolist() == [100.0, 1.0, 10.0]


def test_broadcast_gradient_is_summed_to_the_input_shape():
    class AddBias(Function):
        @staticmethod
        def forward(ctx, x, b):
            return x + b

        @staticmethod
        def backward(ctx, g):
            return g, g  # b's gradient left unreduced: summed to (1, 3) as in PyTorch

    x = _leaf(np.ones((2, 3)))
    b = _leaf(np.zeros((1, 3)))
    AddBias.apply(x, b).sum().backward()
    assert b.grad.shape == (1, 3) and b.grad.tolist() == [[2.0, 2.0, 2.0]]


def test_extra_trailing_none_gradients_are_allowed():
    class Scale(Function):
        @staticmethod
        def forward(ctx, x, k):
            ctx.k = k
            return x * k

        @staticmethod
        def backward(ctx, g):
            return g * ctx.k, None, None

    x = _leaf([1.0])
    Scale.apply(x, 5.0).sum().backward()
    assert x.grad.item() == 5.0


def test_bad_returns_raise_clear_errors():
    class ReturnsArray(Function):
        @staticmethod
        def forward(ctx, x):
            return 3

    with pytest.raises(TypeError, match="must return a Tensor"):
        ReturnsArray.apply(lucid.ones(1))

    class SavesNumber(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x, 3.0)
            return x

    with pytest.raises(TypeError, match="save_for_backward takes Tensors"):
        SavesNumber.apply(lucid.ones(1))


def test_in_place_change_of_a_saved_input_is_caught():
    class Square(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return 2 * g * x

    x = _leaf([1.0])
    h = x * 1.0
    y = Square.apply(h)
    h.add_(1.0)
    with pytest.raises(RuntimeError, match="Square.*in-place"):
        y.sum().backward()


def test_grad_fn_name_and_no_graph_without_grad():
    class Ident(Function):
        @staticmethod
        def forward(ctx, x):
            return x.clone()

        @staticmethod
        def backward(ctx, g):
            return g

    y = Ident.apply(_leaf([1.0]))
    assert repr(y.grad_fn) == "<IdentBackward>"
    with lucid.no_grad():
        z = Ident.apply(_leaf([1.0]))
    assert z.grad_fn is None and not z.requires_grad
