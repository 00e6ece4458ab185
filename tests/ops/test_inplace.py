"""In-place methods: values, version bumps, dtype rules, gradients, errors."""

import numpy as np
import pytest

import lucid
from lucid.autograd import gradcheck


def _f64(values, requires_grad=False):
    return lucid.tensor(np.asarray(values, dtype=np.float64), requires_grad=requires_grad)


@pytest.mark.parametrize("method, args, expected", [
    ("add_", (2.0,), [3.0, 4.0]),
    ("sub_", (0.5,), [0.5, 1.5]),
    ("mul_", (3.0,), [3.0, 6.0]),
    ("div_", (2.0,), [0.5, 1.0]),
    ("pow_", (2,), [1.0, 4.0]),
    ("neg_", (), [-1.0, -2.0]),
    ("clamp_", (1.5, 1.8), [1.5, 1.8]),
    ("clip_", (None, 1.5), [1.0, 1.5]),
    ("clamp_min_", (1.5,), [1.5, 2.0]),
    ("clamp_max_", (1.5,), [1.0, 1.5]),
    ("fill_", (7.0,), [7.0, 7.0]),
    ("zero_", (), [0.0, 0.0]),
    ("sqrt_", (), [1.0, np.sqrt(2.0)]),
    ("exp_", (), [np.e, np.e ** 2]),
    ("log_", (), [0.0, np.log(2.0)]),
    ("abs_", (), [1.0, 2.0]),
])
def test_values_and_identity(method, args, expected):
    x = lucid.tensor([1.0, 2.0])
    out = getattr(x, method)(*args)
    assert out is x and x._version == 1
    np.testing.assert_allclose(x.numpy(), expected, rtol=1e-6)


def test_operator_forms():
    x = lucid.tensor([2.0, 4.0])
    ident = id(x)
    x += 1
    x -= 0.5
    x *= 2
    x /= 5
    x **= 2
    assert id(x) == ident and x._version == 5
    np.testing.assert_allclose(x.numpy(), [1.0, 3.24])


def test_add_and_sub_with_alpha():
    x = lucid.tensor([1.0, 2.0])
    x.add_(lucid.tensor([2.0, 2.0]), alpha=0.5)
    np.testing.assert_allclose(x.numpy(), [2.0, 3.0])
    x.sub_(lucid.tensor([1.0, 1.0]), alpha=2)
    np.testing.assert_allclose(x.numpy(), [0.0, 1.0])
    x.add_(3.0, alpha=2)
    np.testing.assert_allclose(x.numpy(), [6.0, 7.0])
    with pytest.raises(TypeError, match="alpha"):
        x.add_(1.0, alpha="2")


def test_broadcasting_other_keeps_shape():
    x = lucid.zeros(2, 3)
    x.add_(lucid.tensor([1.0, 2.0, 3.0]))
    assert x.shape == (2, 3) and x.tolist()[1] == [1.0, 2.0, 3.0]
    with pytest.raises(ValueError, match="shape"):
        lucid.zeros(3).add_(lucid.zeros(2, 3))


def test_dtype_is_kept():
    h = lucid.ones(2, dtype=lucid.float16)
    h.mul_(lucid.tensor([2.0, 3.0]))         # float32 operand, float16 storage
    assert h.dtype == lucid.float16 and h.tolist() == [2.0, 3.0]
    i = lucid.tensor([1, 2])
    i += 3
    assert i.dtype == lucid.int64 and i.tolist() == [4, 5]
    with pytest.raises(TypeError, match="can't be stored in place"):
        i.add_(0.5)
    with pytest.raises(TypeError, match="can't be stored in place"):
        i.div_(2)


def test_fill_and_copy():
    x = lucid.zeros(2, 2, dtype=lucid.int32)
    x.fill_(lucid.tensor(3))
    assert x.tolist() == [[3, 3], [3, 3]] and x.dtype == lucid.int32
    x.copy_(lucid.tensor([1.7, 2.2]))
    assert x.tolist() == [[1, 2], [1, 2]]
    x.copy_(np.array([[5, 6], [7, 8]]))
    assert x.tolist() == [[5, 6], [7, 8]]
    with pytest.raises(ValueError, match="broadcast"):
        x.copy_(lucid.ones(3))
    with pytest.raises(ValueError, match="one-element"):
        x.fill_(lucid.ones(2))
    with pytest.raises(TypeError, match="number"):
        x.fill_("a")


def test_fill_and_copy_are_differentiable_in_the_source():
    v = _f64(2.0, requires_grad=True)
    buf = lucid.zeros(3, dtype=lucid.float64)
    buf.fill_(v)
    (buf * lucid.tensor([1.0, 2.0, 3.0], dtype=lucid.float64)).sum().backward()
    assert v.grad.item() == 6.0

    src = _f64([1.0, 2.0], requires_grad=True)
    dst = lucid.zeros(3, 2, dtype=lucid.float64)
    dst.copy_(src)
    (dst * dst).sum().backward()
    np.testing.assert_allclose(src.grad.numpy(), 3 * 2 * np.array([1.0, 2.0]))


def test_leaf_requiring_grad_is_protected():
    w = _f64([1.0], requires_grad=True)
    for call in (lambda: w.add_(1), lambda: w.zero_(), lambda: w.fill_(1.0), lambda: w.copy_(lucid.ones(1)),
                 lambda: w.exp_(), lambda: w.clamp_(0, 1)):
        with pytest.raises(RuntimeError, match="leaf tensor that requires grad"):
            call()
    with lucid.no_grad():
        w.add_(1.0)
        w.zero_()
    assert w.tolist() == [0.0] and w.requires_grad and w.is_leaf


# NOTE: MLX's CPU exp/sin (and so sigmoid) on float64 are only float32-accurate, so those rows
# use a larger finite-difference step and tolerance.
@pytest.mark.parametrize("method, args, eps, atol", [
    ("mul_", (2.5,), 1e-6, 1e-5), ("add_", (1.0,), 1e-6, 1e-5), ("pow_", (3,), 1e-6, 1e-5),
    ("tanh_", (), 1e-6, 1e-5), ("clamp_", (-0.5, 0.5), 1e-6, 1e-5), ("neg_", (), 1e-6, 1e-5),
    ("square_", (), 1e-6, 1e-5), ("exp_", (), 1e-3, 1e-3), ("sigmoid_", (), 1e-3, 1e-3),
    ("sin_", (), 1e-3, 1e-3),
])
def test_gradients_through_in_place_ops(method, args, eps, atol):
    def fn(x):
        y = x * 1.0
        getattr(y, method)(*args)
        return y

    x = _f64([0.3, -0.7, 0.1], requires_grad=True)
    assert gradcheck(fn, [x], eps=eps, atol=atol)


def test_in_place_with_grad_operand():
    def fn(x, w):
        y = x * 1.0
        y.mul_(w)
        y.add_(w, alpha=2.0)
        return y

    assert gradcheck(fn, [_f64([0.3, -0.7], True), _f64([1.2, 0.4], True)])


def test_unary_in_place_methods_exist():
    for name in ("exp_", "log_", "sqrt_", "abs_", "tanh_", "sigmoid_", "floor_", "ceil_", "round_", "trunc_",
                 "reciprocal_", "sin_", "cos_"):
        assert hasattr(lucid.Tensor, name), name
    assert lucid.Tensor.exp_.__name__ == "exp_" and "In-place" in lucid.Tensor.exp_.__doc__
