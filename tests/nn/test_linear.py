import math

import numpy as np
import pytest

import lucid
import lucid.nn as nn
import lucid.nn.functional as F
from tests.helpers import OpCase, rand, run_case

W = rand(5, 4, seed=1)
B = rand(5, seed=2)
BW = rand(3, 4, 2, seed=3)


def _lin(x, w, b=None):
    y = x @ w.T
    return y if b is None else y + b


def _bil(x1, x2, w, b=None):
    y = np.einsum("...i,kij,...j->...k", x1, w, x2)
    return y if b is None else y + b


CASES = [
    OpCase("linear_2d", F.linear, _lin, [rand(3, 4, seed=4), W, B]),
    OpCase("linear_no_bias", F.linear, _lin, [rand(3, 4, seed=5), W]),
    OpCase("linear_leading_dims", F.linear, _lin, [rand(2, 3, 4, seed=6), W, B]),
    OpCase("linear_1d_input", F.linear, _lin, [rand(4, seed=7), W, B]),
    OpCase("linear_empty_batch", F.linear, _lin, [rand(0, 4), W, B]),
    OpCase("linear_size1", F.linear, _lin, [rand(1, 1, 4, seed=8), rand(1, 4, seed=9), rand(1, seed=10)]),
    OpCase("bilinear", F.bilinear, _bil, [rand(3, 4, seed=11), rand(3, 2, seed=12), BW, rand(3, seed=13)]),
    OpCase("bilinear_no_bias_leading", F.bilinear, _bil, [rand(2, 2, 4, seed=14), rand(2, 2, 2, seed=15), BW]),
    OpCase("bilinear_1d", F.bilinear, _bil, [rand(4, seed=16), rand(2, seed=17), BW, rand(3, seed=18)]),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_op(case):
    run_case(case)


def test_linear_errors():
    w = lucid.ones(16, 8)
    with pytest.raises(ValueError, match=r"expected input \(\.\.\., 8\).*got \(32, 5\)"):
        F.linear(lucid.ones(32, 5), w)
    with pytest.raises(ValueError, match="2-D"):
        F.linear(lucid.ones(2, 8), lucid.ones(8))
    with pytest.raises(ValueError, match="bias"):
        F.linear(lucid.ones(2, 8), w, lucid.ones(8))
    with pytest.raises(TypeError, match="Tensor"):
        F.linear(np.ones((2, 8)), w)
    with pytest.raises(ValueError, match="bilinear"):
        F.bilinear(lucid.ones(2, 3), lucid.ones(3, 2), lucid.ones(1, 3, 2))


@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "float32"])
def test_linear_dtype_preserved(dtype):
    dt = getattr(lucid, dtype)
    layer = nn.Linear(4, 3, dtype=dt)
    x = lucid.ones(2, 4, dtype=dt, requires_grad=True)
    y = layer(x)
    assert y.dtype == dt
    y.sum().backward()
    assert x.grad.dtype == dt and layer.weight.grad.dtype == dt and layer.bias.grad.dtype == dt


def test_linear_module_repr_and_state_dict():
    m = nn.Linear(8, 16)
    assert repr(m) == "Linear(in_features=8, out_features=16, bias=True)"
    assert list(m.state_dict()) == ["weight", "bias"]
    assert m.weight.shape == (16, 8) and m.bias.shape == (16,)
    m2 = nn.Linear(8, 16, bias=False)
    assert repr(m2) == "Linear(in_features=8, out_features=16, bias=False)"
    assert list(m2.state_dict()) == ["weight"] and m2.bias is None


def test_linear_module_shape_error_names_layer():
    with pytest.raises(ValueError, match=r"Linear\(8 -> 16\) expected input \(\.\.\., 8\), got \(32, 5\)"):
        nn.Linear(8, 16)(lucid.ones(32, 5))
    with pytest.raises(ValueError, match=r"got \(\)"):
        nn.Linear(8, 16)(lucid.tensor(1.0))
    with pytest.raises(TypeError, match="in_features"):
        nn.Linear(8.0, 16)


def test_linear_default_init_statistics():
    lucid.random.seed(0)
    m = nn.Linear(64, 512)
    bound = 1 / math.sqrt(64)
    w = m.weight.numpy()
    b = m.bias.numpy()
    assert np.abs(w).max() <= bound and np.abs(b).max() <= bound
    assert np.abs(w).max() > 0.95 * bound
    # U(-a, a) has mean 0 and std a / sqrt(3).
    assert abs(w.mean()) < 0.02 * bound
    assert w.std() == pytest.approx(bound / math.sqrt(3), rel=0.03)
    assert b.std() == pytest.approx(bound / math.sqrt(3), rel=0.2)
    m.reset_parameters()
    assert not np.array_equal(m.weight.numpy(), w)


def test_linear_module_matches_functional_and_reduces_leading_dims():
    m = nn.Linear(4, 3).double()
    x = lucid.tensor(rand(2, 5, 4, seed=20), requires_grad=True)
    up = rand(2, 5, 3, seed=21)
    y = m(x)
    np.testing.assert_allclose(y.numpy(), _lin(x.numpy(), m.weight.numpy(), m.bias.numpy()), rtol=1e-12)
    (y * lucid.tensor(up)).sum().backward()
    np.testing.assert_allclose(m.weight.grad.numpy(), up.reshape(-1, 3).T @ x.numpy().reshape(-1, 4), rtol=1e-12)
    np.testing.assert_allclose(m.bias.grad.numpy(), up.sum(axis=(0, 1)), rtol=1e-12)


def test_bilinear_module():
    m = nn.Bilinear(4, 2, 3)
    assert repr(m) == "Bilinear(in1_features=4, in2_features=2, out_features=3, bias=True)"
    assert list(m.state_dict()) == ["weight", "bias"]
    bound = 1 / math.sqrt(4)
    assert np.abs(m.weight.numpy()).max() <= bound and np.abs(m.bias.numpy()).max() <= bound
    x1, x2 = lucid.ones(5, 4), lucid.ones(5, 2)
    np.testing.assert_allclose(m(x1, x2).numpy(), _bil(x1.numpy(), x2.numpy(), m.weight.numpy(), m.bias.numpy()),
                               rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match=r"Bilinear\(4, 2 -> 3\)"):
        m(lucid.ones(5, 3), x2)


def test_identity_flatten_unflatten():
    x = lucid.tensor(rand(2, 3, 4), requires_grad=True)
    assert nn.Identity(3, foo=1)(x) is x
    assert repr(nn.Identity()) == "Identity()"
    f = nn.Flatten()
    assert repr(f) == "Flatten(start_dim=1, end_dim=-1)"
    assert f(x).shape == (2, 12)
    assert nn.Flatten(0, 1)(x).shape == (6, 4)
    u = nn.Unflatten(1, (3, 4))
    assert repr(u) == "Unflatten(dim=1, unflattened_size=(3, 4))"
    y = u(f(x))
    assert y.shape == (2, 3, 4)
    np.testing.assert_array_equal(y.numpy(), x.numpy())
    (y * 2).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.full((2, 3, 4), 2.0))
    assert nn.Unflatten(-1, (2, -1))(lucid.ones(3, 8)).shape == (3, 2, 4)
    with pytest.raises(TypeError, match="unflattened_size"):
        nn.Unflatten(1, 4)


def test_documented_example_trains():
    model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 4))
    x = lucid.random.randn(32, 8)
    y = lucid.random.randint(0, 4, size=(32,))
    assert y.dtype == lucid.int64
    out = model(x)
    loss = lucid.nn.functional.cross_entropy(out, y)
    loss.backward()
    assert loss.shape == ()
    assert all(p.grad is not None and p.grad.shape == p.shape for p in model.parameters())
