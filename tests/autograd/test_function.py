"""Custom ``Function``s: the ctx API, multiple outputs, non-differentiable outputs.

User-defined Functions follow PyTorch's contract: Tensors in, Tensors out.
"""

import numpy as np
import pytest

import lucid
from lucid.autograd import Function


def _leaf(values):
    return lucid.tensor(np.asarray(values, dtype=np.float64), requires_grad=True)


class Cube(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x * x

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * 3 * x * x


class SplitSquares(Function):
    """Two outputs: x**2 and x**3."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x, x * x * x

    @staticmethod
    def backward(ctx, g2, g3):
        (x,) = ctx.saved_tensors
        return g2 * 2 * x + g3 * 3 * x * x


class MaxWithIndex(Function):
    @staticmethod
    def forward(ctx, x):
        idx = x.argmax()
        ctx.mark_non_differentiable(idx)
        ctx.save_for_backward(x, idx)
        return x.max(), idx

    @staticmethod
    def backward(ctx, g, g_idx):
        x, idx = ctx.saved_tensors
        onehot = (lucid.arange(x.shape[0]) == idx).astype(g.dtype)
        return onehot * g


def test_custom_function_forward_and_backward():
    x = _leaf([1.0, -2.0])
    y = Cube.apply(x)
    assert y.grad_fn is not None and y.grad_fn.name() == "CubeBackward"
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [3.0, 12.0])
    assert lucid.autograd.gradcheck(Cube.apply, [_leaf([0.3, -1.2])])


def test_multi_output_with_one_output_unused():
    x = _leaf([1.0, 2.0])
    sq, cu = SplitSquares.apply(x)
    assert sq.grad_fn is cu.grad_fn
    cu.sum().backward()  # sq unused: its gradient arrives as zeros
    np.testing.assert_allclose(x.grad.numpy(), [3.0, 12.0])


def test_multi_output_both_used():
    x = _leaf([1.0, 2.0])
    sq, cu = SplitSquares.apply(x)
    (sq * 2.0 + cu).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * 2 * np.array([1.0, 2.0]) + 3 * np.array([1.0, 4.0]))
    assert lucid.autograd.gradcheck(lambda t: SplitSquares.apply(t), [_leaf([0.5, -0.7])])


def test_mark_non_differentiable():
    x = _leaf([1.0, 5.0, 2.0])
    value, idx = MaxWithIndex.apply(x)
    assert value.requires_grad
    assert not idx.requires_grad and idx.grad_fn is None
    assert idx.item() == 1
    value.backward()
    np.testing.assert_allclose(x.grad.numpy(), [0.0, 1.0, 0.0])


def test_needs_input_grad_in_forward_and_backward():
    seen = {}

    class Probe(Function):
        @staticmethod
        def forward(ctx, a, b, scale):
            seen["forward"] = ctx.needs_input_grad
            return a * b * scale

        @staticmethod
        def backward(ctx, g):
            seen["backward"] = ctx.needs_input_grad
            return (g if ctx.needs_input_grad[0] else None, g if ctx.needs_input_grad[1] else None, None)

    a = _leaf([1.0])
    b = lucid.tensor([2.0], dtype=lucid.float64)
    Probe.apply(a, b, 3.0).sum().backward()
    assert seen == {"forward": (True, False, False), "backward": (True, False, False)}

    with lucid.no_grad():
        Probe.apply(a, b, 3.0)
    assert seen["forward"] == (False, False, False)


def test_kwargs_reach_forward():
    class Scale(Function):
        @staticmethod
        def forward(ctx, x, *, factor):
            ctx.factor = factor
            return x * factor

        @staticmethod
        def backward(ctx, g):
            return g * ctx.factor

    x = _leaf([1.0, 2.0])
    Scale.apply(x, factor=4.0).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [4.0, 4.0])


def test_non_differentiable_function_records_nothing():
    class Floor(Function):
        differentiable = False

        @staticmethod
        def forward(ctx, x):
            return x.floor()

    y = Floor.apply(_leaf([1.5]))
    assert not y.requires_grad and y.grad_fn is None


def test_no_record_when_no_input_requires_grad():
    y = Cube.apply(lucid.tensor([2.0]))
    assert not y.requires_grad and y.is_leaf
    assert y.tolist() == [8.0]


def test_backward_returning_wrong_number_of_gradients():
    class Bad(Function):
        @staticmethod
        def forward(ctx, a, b):
            return a + b

        @staticmethod
        def backward(ctx, g):
            return g

    with pytest.raises(RuntimeError, match="returned 1 gradients, expected 2"):
        Bad.apply(_leaf([1.0]), _leaf([2.0])).sum().backward()


def test_backward_returning_wrong_shape_reaches_leaf_check():
    class BadShape(Function):
        @staticmethod
        def forward(ctx, a):
            return a * 2

        @staticmethod
        def backward(ctx, g):
            return lucid.ones(5)

    with pytest.raises(RuntimeError, match="shape"):
        BadShape.apply(_leaf([1.0, 2.0])).sum().backward()


def test_backward_returning_non_array():
    class BadType(Function):
        @staticmethod
        def forward(ctx, a):
            return a * 2

        @staticmethod
        def backward(ctx, g):
            return [1.0]

    with pytest.raises(TypeError, match="expected a Tensor"):
        BadType.apply(_leaf([1.0])).sum().backward()


def test_backward_may_return_a_list():
    class ListGrads(Function):
        @staticmethod
        def forward(ctx, a, b):
            return a * b

        @staticmethod
        def backward(ctx, g):
            return [g * 2, g * 3]

    a, b = _leaf([1.0]), _leaf([1.0])
    ListGrads.apply(a, b).sum().backward()
    assert a.grad.item() == 2.0 and b.grad.item() == 3.0


def test_saved_tensors_after_release_raise():
    captured = {}

    class Keep(Function):
        @staticmethod
        def forward(ctx, x):
            captured["ctx"] = ctx
            ctx.save_for_backward(x)
            return x * 1

        @staticmethod
        def backward(ctx, g):
            return g

    Keep.apply(_leaf([1.0])).sum().backward()
    with pytest.raises(RuntimeError, match="retain_graph"):
        _ = captured["ctx"].saved_tensors


def test_save_for_backward_accepts_tensors():
    class SaveTensor(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(lucid.tensor([10.0], dtype=lucid.float64), x)
            return x * 1

        @staticmethod
        def backward(ctx, g):
            k, _x = ctx.saved_tensors
            assert isinstance(k, lucid.Tensor)
            return g * k

    x = _leaf([1.0])
    SaveTensor.apply(x).sum().backward()
    assert x.grad.item() == 10.0


def test_base_class_methods_raise_not_implemented():
    class Empty(Function):
        pass

    with pytest.raises(NotImplementedError):
        Empty.apply(lucid.ones(1))
    with pytest.raises(NotImplementedError):
        Function.backward(None, None)


def test_function_ctx_alias():
    assert lucid.autograd.FunctionCtx is lucid.autograd.Node
