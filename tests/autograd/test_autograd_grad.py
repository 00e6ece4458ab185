"""``lucid.autograd.grad``: inputs, unused inputs, non-leaves, grad_outputs."""

import numpy as np
import pytest

import lucid


def _leaf(values):
    return lucid.tensor(np.asarray(values, dtype=np.float64), requires_grad=True)


def test_grad_of_several_inputs_does_not_touch_dot_grad():
    x, w = _leaf([1.0, 2.0]), _leaf([3.0, 4.0])
    gx, gw = lucid.autograd.grad((x * w).sum(), [x, w])
    np.testing.assert_allclose(gx.numpy(), [3.0, 4.0])
    np.testing.assert_allclose(gw.numpy(), [1.0, 2.0])
    assert x.grad is None and w.grad is None
    assert not gx.requires_grad


def test_allow_unused():
    x, unused = _leaf([1.0]), _leaf([5.0])
    y = (x * 2.0).sum()
    with pytest.raises(RuntimeError, match="allow_unused=True"):
        lucid.autograd.grad(y, [x, unused], retain_graph=True)
    gx, gu = lucid.autograd.grad(y, [x, unused], allow_unused=True)
    assert gu is None
    np.testing.assert_allclose(gx.numpy(), [2.0])


def test_grad_with_respect_to_non_leaf():
    x = _leaf([1.0, 2.0])
    h = x * 3.0
    out = (h * h).sum()
    gh, gx = lucid.autograd.grad(out, [h, x])
    np.testing.assert_allclose(gh.numpy(), 2 * np.array([3.0, 6.0]))
    np.testing.assert_allclose(gx.numpy(), 2 * 9 * np.array([1.0, 2.0]))


def test_grad_outputs_for_non_scalar():
    x = _leaf([1.0, 2.0])
    (g,) = lucid.autograd.grad(x * x, x, grad_outputs=lucid.tensor([1.0, -1.0]))
    np.testing.assert_allclose(g.numpy(), [2.0, -4.0])
    with pytest.raises(RuntimeError, match="single-element"):
        lucid.autograd.grad(x * x, x)


def test_grad_retain_graph():
    x = _leaf([2.0])
    y = (x * x * x).sum()
    (g1,) = lucid.autograd.grad(y, x, retain_graph=True)
    (g2,) = lucid.autograd.grad(y, x)
    assert g1.item() == g2.item() == 12.0
    with pytest.raises(RuntimeError, match="retain_graph"):
        lucid.autograd.grad(y, x)


def test_grad_errors():
    x = _leaf([1.0])
    with pytest.raises(RuntimeError, match="does not require grad"):
        lucid.autograd.grad((x * 2).sum(), lucid.ones(1))
    with pytest.raises(TypeError):
        lucid.autograd.grad((x * 2).sum(), [x, 3.0])
    with pytest.raises(TypeError):
        lucid.autograd.grad((x * 2).sum(), "x")
    with pytest.raises(NotImplementedError):
        lucid.autograd.grad((x * 2).sum(), x, create_graph=True)


def test_grad_with_several_outputs():
    x = _leaf([1.0, 2.0])
    (g,) = lucid.autograd.grad([(x * 2.0).sum(), (x * x).sum()], x)
    np.testing.assert_allclose(g.numpy(), [2.0 + 2.0, 2.0 + 4.0])


def test_grad_of_output_that_is_an_input():
    x = _leaf([1.0, 2.0])
    (g,) = lucid.autograd.grad(x, x, grad_outputs=lucid.tensor([3.0, 4.0]))
    np.testing.assert_allclose(g.numpy(), [3.0, 4.0])
