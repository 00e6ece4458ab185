"""Gradient hooks on leaves and non-leaves, and ``retain_grad``."""

import numpy as np
import pytest

import lucid


def _leaf(values):
    return lucid.tensor(np.asarray(values, dtype=np.float64), requires_grad=True)


def test_leaf_hook_can_replace_the_gradient():
    x = _leaf([1.0, 2.0])
    seen = []
    x.register_hook(lambda g: seen.append(g.tolist()) or g * 10)
    (x * 3.0).sum().backward()
    assert seen == [[3.0, 3.0]]
    np.testing.assert_allclose(x.grad.numpy(), [30.0, 30.0])


def test_hook_returning_none_keeps_the_gradient():
    x = _leaf([1.0])
    x.register_hook(lambda g: None)
    (x * 2.0).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [2.0])


def test_removed_hook_no_longer_runs():
    x = _leaf([1.0, 2.0])
    handle = x.register_hook(lambda g: g * 0)
    handle.remove()
    handle.remove()  # removing twice is harmless
    (x * 3.0).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [3.0, 3.0])


def test_hooks_run_in_registration_order():
    x = _leaf([1.0])
    x.register_hook(lambda g: g + 1)
    x.register_hook(lambda g: g * 2)
    (x * 1.0).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [4.0])  # (1 + 1) * 2


def test_leaf_hook_sees_the_total_gradient_once():
    x = _leaf([1.0])
    calls = []
    x.register_hook(lambda g: calls.append(g.item()))
    (x * 2.0 + x * 3.0).sum().backward()
    assert calls == [5.0]


def test_non_leaf_hook_changes_what_flows_upstream():
    x = _leaf([1.0, 2.0])
    y = x * 2.0
    y.register_hook(lambda g: g * 100)
    (y * 3.0).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [600.0, 600.0])
    assert y.grad is None  # hooks do not retain non-leaf gradients


def test_non_leaf_hook_removal():
    x = _leaf([1.0])
    y = x * 2.0
    h = y.register_hook(lambda g: g * 100)
    h.remove()
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [2.0])


def test_hook_on_one_output_of_a_shared_node():
    x = _leaf([1.0, 2.0])
    y = x * 1.0
    y.register_hook(lambda g: g * 2)
    (y * y).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * 2 * np.array([1.0, 2.0]))


def test_hook_errors():
    with pytest.raises(RuntimeError, match="does not require grad"):
        lucid.ones(2).register_hook(lambda g: g)
    x = _leaf([1.0, 2.0])
    x.register_hook(lambda g: 3.0)
    with pytest.raises(TypeError, match="must return a Tensor or None"):
        (x * 1.0).sum().backward()
    z = _leaf([1.0, 2.0])
    z.register_hook(lambda g: lucid.ones(3))
    with pytest.raises(RuntimeError, match="shape"):
        (z * 1.0).sum().backward()


def test_hook_applies_to_autograd_grad_results():
    x = _leaf([1.0])
    x.register_hook(lambda g: g * 5)
    (g,) = lucid.autograd.grad((x * 2.0).sum(), x)
    np.testing.assert_allclose(g.numpy(), [10.0])
    assert x.grad is None


def test_retain_grad_on_non_leaf():
    x = _leaf([1.0, 2.0])
    y = x * 2.0
    y.retain_grad()
    assert y.retains_grad
    (y * y).sum().backward()
    np.testing.assert_allclose(y.grad.numpy(), 2 * np.array([2.0, 4.0]))
    np.testing.assert_allclose(x.grad.numpy(), 2 * 2 * np.array([2.0, 4.0]))


def test_retain_grad_sees_the_hooked_gradient():
    x = _leaf([1.0])
    y = x * 1.0
    y.register_hook(lambda g: g * 3)
    y.retain_grad()
    y.sum().backward()
    np.testing.assert_allclose(y.grad.numpy(), [3.0])


def test_retain_grad_accumulates_across_backwards():
    x = _leaf([1.0])
    y = x * 2.0
    y.retain_grad()
    y.sum().backward(retain_graph=True)
    y.sum().backward()
    np.testing.assert_allclose(y.grad.numpy(), [2.0])


def test_retain_grad_on_leaf_is_a_no_op_and_errors_without_grad():
    x = _leaf([1.0])
    x.retain_grad()
    assert not x.retains_grad
    with pytest.raises(RuntimeError, match="does not require grad"):
        lucid.ones(1).retain_grad()


def test_non_leaf_without_retain_grad_has_no_grad():
    x = _leaf([1.0])
    y = x * 2.0
    y.sum().backward()
    assert y.grad is None and not y.retains_grad


def test_backward_with_inputs_runs_leaf_hooks_once():
    x = _leaf([1.0])
    x.register_hook(lambda g: g * 2)
    (x * 3.0).sum().backward(inputs=[x])
    np.testing.assert_allclose(x.grad.numpy(), [6.0])


def test_backward_with_non_leaf_inputs_fills_their_grad():
    x = _leaf([1.0, 2.0])
    h = x * 2.0
    (h * h).sum().backward(inputs=[h])
    np.testing.assert_allclose(h.grad.numpy(), 2 * np.array([2.0, 4.0]))
    assert x.grad is None
