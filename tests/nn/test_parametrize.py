"""lucid.nn.utils.parametrize: register/remove, chaining, right_inverse, caching, state_dict layout, training."""

import numpy as np
import pytest

import lucid
import lucid.nn as nn
from lucid.func import functional_call, grad
from lucid.nn.util import parametrize


class Symmetric(nn.Module):
    def forward(self, X):
        return X.triu() + X.triu(1).mT


class Double(nn.Module):
    def forward(self, X):
        return 2 * X

    def right_inverse(self, Y):
        return Y / 2


class Split(nn.Module):
    """Two originals: forward(a, b) = a + b; right_inverse(W) = (W / 4, 3 W / 4)."""

    def forward(self, a, b):
        return a + b

    def right_inverse(self, W):
        return W / 4, 3 * W / 4


class Shrink(nn.Module):
    def forward(self, X):
        return X[:1]


def _linear(seed=0, n_in=3, n_out=3, **kw):
    lucid.random.seed(seed)
    return nn.Linear(n_in, n_out, **kw)


def test_register_layout_and_values():
    layer = _linear()
    W0 = layer.weight.numpy()
    param = layer.weight
    parametrize.register_parametrization(layer, "weight", Symmetric())
    assert type(layer).__name__ == "ParametrizedLinear"
    assert isinstance(layer, nn.Linear)
    assert parametrize.type_before_parametrizations(layer) is nn.Linear
    assert list(layer.state_dict()) == ["bias", "parametrizations.weight.original"]
    # the Parameter object is kept (an optimizer built before still trains it)
    assert layer.parametrizations.weight.original is param
    W = layer.weight.numpy()
    np.testing.assert_allclose(W, np.triu(W0) + np.triu(W0, 1).T, rtol=1e-6)
    assert "weight" not in dict(layer.named_parameters())
    assert parametrize.is_parametrized(layer) and parametrize.is_parametrized(layer, "weight")
    assert not parametrize.is_parametrized(layer, "bias")
    x = lucid.randn(4, 3)
    np.testing.assert_allclose(layer(x).numpy(), x.numpy() @ W.T + layer.bias.numpy(), rtol=1e-5, atol=1e-6)


def test_right_inverse_keeps_value_and_assignment():
    layer = _linear()
    W0 = layer.weight.numpy()
    parametrize.register_parametrization(layer, "weight", Double())
    np.testing.assert_allclose(layer.parametrizations.weight.original.numpy(), W0 / 2, rtol=1e-6)
    np.testing.assert_allclose(layer.weight.numpy(), W0, rtol=1e-6)
    new = lucid.ones(3, 3) * 5
    layer.weight = new
    np.testing.assert_allclose(layer.parametrizations.weight.original.numpy(), np.full((3, 3), 2.5))
    np.testing.assert_allclose(layer.weight.numpy(), np.full((3, 3), 5.0))


def test_tuple_right_inverse_gives_original0_original1():
    layer = _linear()
    W0 = layer.weight.numpy()
    parametrize.register_parametrization(layer, "weight", Split())
    assert list(layer.state_dict()) == ["bias", "parametrizations.weight.original0",
                                        "parametrizations.weight.original1"]
    plist = layer.parametrizations.weight
    np.testing.assert_allclose(plist.original0.numpy(), W0 / 4, rtol=1e-6)
    np.testing.assert_allclose(plist.original1.numpy(), 3 * W0 / 4, rtol=1e-6)
    assert isinstance(plist.original0, nn.Parameter)
    np.testing.assert_allclose(layer.weight.numpy(), W0, rtol=1e-6)
    with pytest.raises(ValueError, match="leave_parametrized=False"):
        parametrize.remove_parametrizations(layer, "weight", leave_parametrized=False)
    parametrize.remove_parametrizations(layer, "weight")
    assert isinstance(layer.weight, nn.Parameter)
    np.testing.assert_allclose(layer.weight.numpy(), W0, rtol=1e-6)


def test_chaining_applies_in_order():
    layer = _linear()
    W0 = layer.weight.numpy()
    parametrize.register_parametrization(layer, "weight", Symmetric())
    parametrize.register_parametrization(layer, "weight", Double())
    assert len(layer.parametrizations.weight) == 2
    sym = np.triu(W0) + np.triu(W0, 1).T
    np.testing.assert_allclose(layer.weight.numpy(), 2 * sym, rtol=1e-6)
    # The original is stored once, under the first parametrization's layout.
    assert list(layer.state_dict()) == ["bias", "parametrizations.weight.original"]


def test_cached_reuses_the_tensor():
    layer = _linear()
    parametrize.register_parametrization(layer, "weight", Symmetric())
    assert layer.weight is not layer.weight
    with parametrize.cached():
        a = layer.weight
        with parametrize.cached():
            assert layer.weight is a
        assert layer.weight is a
    assert layer.weight is not a


def test_remove_leave_parametrized_and_not():
    layer = _linear()
    W0 = layer.weight.numpy()
    param = layer.weight
    parametrize.register_parametrization(layer, "weight", Double())
    parametrize.remove_parametrizations(layer, "weight", leave_parametrized=True)
    assert type(layer) is nn.Linear and not parametrize.is_parametrized(layer)
    assert "parametrizations" not in dict(layer.named_children())
    assert layer.weight is param
    np.testing.assert_allclose(layer.weight.numpy(), W0, rtol=1e-6)

    parametrize.register_parametrization(layer, "weight", Double())
    parametrize.remove_parametrizations(layer, "weight", leave_parametrized=False)
    np.testing.assert_allclose(layer.weight.numpy(), W0 / 2, rtol=1e-6)  # the stored original
    assert sorted(layer.state_dict()) == ["bias", "weight"]


def test_two_tensors_class_restored_only_at_the_end():
    layer = _linear()
    parametrize.register_parametrization(layer, "weight", Double())
    parametrize.register_parametrization(layer, "bias", Double())
    parametrize.remove_parametrizations(layer, "weight")
    assert type(layer).__name__ == "ParametrizedLinear"
    assert isinstance(layer.weight, nn.Parameter)
    parametrize.remove_parametrizations(layer, "bias")
    assert type(layer) is nn.Linear


def test_buffer_is_parametrized_as_buffer():
    bn = nn.BatchNorm1d(3)
    parametrize.register_parametrization(bn, "running_var", Double())
    assert "parametrizations.running_var.original" in dict(bn.named_buffers())
    np.testing.assert_allclose(bn.running_var.numpy(), np.ones(3))


def test_sgd_step_trains_the_original():
    layer = _linear()
    parametrize.register_parametrization(layer, "weight", Symmetric())
    orig = layer.parametrizations.weight.original
    before, bias_before = orig.numpy().copy(), layer.bias.numpy().copy()
    opt = lucid.optim.SGD(layer.parameters(), lr=0.1)
    x = lucid.randn(5, 3)
    loss = (layer(x) ** 2).sum()
    loss.backward()
    assert orig.grad is not None and layer.bias.grad is not None
    # Only the upper triangle is used, so the strict lower triangle gets no gradient.
    np.testing.assert_array_equal(np.tril(orig.grad.numpy(), -1), 0)
    opt.step()
    after = orig.numpy()
    assert not np.allclose(after, before) and not np.allclose(layer.bias.numpy(), bias_before)
    np.testing.assert_array_equal(np.tril(after, -1), np.tril(before, -1))
    W = layer.weight.numpy()
    np.testing.assert_allclose(W, W.T)


def test_state_dict_round_trip():
    a, b = _linear(0), _linear(1)
    for m in (a, b):
        parametrize.register_parametrization(m, "weight", Symmetric())
    b.load_state_dict(a.state_dict())
    np.testing.assert_allclose(b.weight.numpy(), a.weight.numpy())


def test_forward_reads_no_values_under_a_transform():
    """Inside lucid.func.grad any host read raises, so this checks the parametrized forward is lazy."""
    layer = _linear()
    parametrize.register_parametrization(layer, "weight", Symmetric())
    x = lucid.randn(2, 3)
    key = "parametrizations.weight.original"
    g = grad(lambda X: functional_call(layer, {key: X}, (x,)).sum())(layer.parametrizations.weight.original)
    assert g.shape == (3, 3)


def test_errors():
    layer = _linear()
    with pytest.raises(TypeError, match="Module"):
        parametrize.register_parametrization(layer, "weight", lambda X: X)
    with pytest.raises(TypeError, match="Module"):
        parametrize.register_parametrization("layer", "weight", Double())
    with pytest.raises(ValueError, match="no parameter or buffer named 'nope'"):
        parametrize.register_parametrization(layer, "nope", Double())
    with pytest.raises(ValueError, match="shape"):
        parametrize.register_parametrization(layer, "weight", Shrink())
    assert not parametrize.is_parametrized(layer)
    parametrize.register_parametrization(layer, "weight", Shrink(), unsafe=True)
    assert layer.weight.shape == (1, 3)
    with pytest.raises(ValueError, match="no parametrization on 'bias'"):
        parametrize.remove_parametrizations(layer, "bias")
    other = _linear()
    parametrize.register_parametrization(other, "weight", Symmetric())
    with pytest.raises(RuntimeError, match="right_inverse"):
        other.weight = lucid.ones(3, 3)
    with pytest.raises(TypeError, match="Tensor"):
        parametrize.register_parametrization(_linear(), "weight", Double()).__setattr__("weight", 3.0)


def test_deepcopy_is_independent():
    import copy

    layer = _linear()
    parametrize.register_parametrization(layer, "weight", Double())
    clone = copy.deepcopy(layer)
    assert type(clone).__name__ == "ParametrizedLinear" and type(clone) is not type(layer)
    np.testing.assert_allclose(clone.weight.numpy(), layer.weight.numpy())
    assert clone.parametrizations.weight.original is not layer.parametrizations.weight.original
    parametrize.remove_parametrizations(clone, "weight")
    assert type(clone) is nn.Linear
    np.testing.assert_allclose(layer.weight.numpy(), clone.weight.numpy())  # the original still works
    assert parametrize.is_parametrized(layer, "weight")
