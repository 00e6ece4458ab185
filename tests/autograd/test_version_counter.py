"""Version counters: in-place changes to values saved for backward are detected."""

import numpy as np
import pytest

import lucid


def _leaf(values):
    return lucid.tensor(np.asarray(values, dtype=np.float64), requires_grad=True)


def test_in_place_ops_bump_the_version():
    x = lucid.ones(3)
    assert x._version == 0
    x.add_(1)
    x.mul_(2)
    x += 1
    assert x._version == 3
    assert x.tolist() == [5.0, 5.0, 5.0]


def test_modifying_a_saved_input_raises_naming_the_op():
    x = _leaf([1.0, 2.0])
    a = x * 1.0              # non-leaf
    w = _leaf([3.0, 4.0])
    y = a * w                # Mul saves a and w
    a.add_(1.0)
    with pytest.raises(RuntimeError, match=r"saved by Mul .*modified by an in-place operation"):
        y.sum().backward()


def test_modifying_a_saved_output_raises():
    if not hasattr(lucid, "exp"):
        pytest.skip("lucid.exp not available")
    x = _leaf([0.0, 1.0])
    y = lucid.exp(x)         # Exp saves its output
    z = y.sum()
    y.mul_(2.0)
    with pytest.raises(RuntimeError, match="in-place"):
        z.backward()


def test_modifying_a_leaf_under_no_grad_after_use_raises():
    w = _leaf([1.0, 2.0])
    loss = (w * w).sum()
    with lucid.no_grad():
        w.sub_(0.1)          # e.g. an optimizer step before backward
    with pytest.raises(RuntimeError, match="in-place"):
        loss.backward()


def test_unrelated_in_place_change_is_fine():
    x = _leaf([1.0, 2.0])
    y = (x * 2.0).sum()       # Mul by a constant saves x and the scalar
    other = lucid.ones(2)
    other.add_(1)
    y.backward()
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 2.0])


def test_in_place_on_leaf_requiring_grad_raises_outside_no_grad():
    w = _leaf([1.0])
    with pytest.raises(RuntimeError, match="leaf tensor that requires grad"):
        w.add_(1.0)
    with pytest.raises(RuntimeError, match="no_grad"):
        w += 1.0
    with lucid.no_grad():
        w.add_(1.0)
        w -= 0.5
    assert w.tolist() == [1.5] and w.is_leaf and w.requires_grad


def test_in_place_op_that_saves_its_own_input_is_not_a_false_alarm():
    x = _leaf([1.0, 2.0])
    w = _leaf([3.0, 5.0])
    a = x * 1.0
    a.mul_(w)                # Mul saves a's old value; a's own bump must not trip the check
    a.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [3.0, 5.0])
    np.testing.assert_allclose(w.grad.numpy(), [1.0, 2.0])


def test_gradient_flows_through_a_chain_of_in_place_ops():
    x = _leaf([0.5, -1.0])
    a = x * 1.0
    a.mul_(3.0)
    a.add_(x)                # a = 4x
    a.pow_(2)                # a = 16 x^2
    a.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 32 * np.array([0.5, -1.0]))


def test_in_place_with_a_grad_input_makes_a_plain_tensor_part_of_the_graph():
    buf = lucid.zeros(2, dtype=lucid.float64)
    w = _leaf([1.0, 2.0])
    buf.add_(w * 2.0)
    assert buf.requires_grad and not buf.is_leaf
    buf.sum().backward()
    np.testing.assert_allclose(w.grad.numpy(), [2.0, 2.0])


def test_gradient_accumulation_bumps_grad_version():
    x = _leaf([1.0])
    (x * 2).sum().backward()
    v = x.grad._version
    (x * 2).sum().backward()
    assert x.grad._version == v + 1


def test_data_assignment_bumps_version_and_checks_shape():
    x = lucid.ones(2)
    x.data = lucid.tensor([3.0, 4.0])
    assert x._version == 1 and x.tolist() == [3.0, 4.0]
    with pytest.raises(ValueError, match="shape"):
        x.data = lucid.ones(3)
