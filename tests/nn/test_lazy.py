"""Lazy layers infer their input size at the first forward and become the regular layer."""

import numpy as np
import pytest

import lucid
import lucid.nn as nn


@pytest.mark.parametrize("lazy,regular,shape,size_attr,size", [
    (lambda: nn.LazyLinear(3), nn.Linear, (2, 5), "in_features", 5),
    (lambda: nn.LazyLinear(3, bias=False), nn.Linear, (4, 2, 7), "in_features", 7),
    (lambda: nn.LazyConv1d(4, 3), nn.Conv1d, (2, 3, 8), "in_channels", 3),
    (lambda: nn.LazyConv1d(4, 3), nn.Conv1d, (3, 8), "in_channels", 3),
    (lambda: nn.LazyConv2d(4, 3, stride=2, padding=1, groups=2), nn.Conv2d, (1, 6, 5, 5), "in_channels", 6),
    (lambda: nn.LazyConv3d(2, 2), nn.Conv3d, (1, 3, 3, 3, 3), "in_channels", 3),
    (lambda: nn.LazyConvTranspose2d(2, 3, stride=2), nn.ConvTranspose2d, (1, 4, 3, 3), "in_channels", 4),
    (lambda: nn.LazyBatchNorm1d(), nn.BatchNorm1d, (4, 3), "num_features", 3),
    (lambda: nn.LazyBatchNorm2d(momentum=0.5), nn.BatchNorm2d, (2, 5, 2, 2), "num_features", 5),
    (lambda: nn.LazyBatchNorm3d(affine=False), nn.BatchNorm3d, (2, 3, 2, 2, 2), "num_features", 3),
])
def test_becomes_the_regular_layer(lazy, regular, shape, size_attr, size):
    m = lazy()
    assert list(m.parameters()) == [] and m.has_uninitialized_params()
    x = lucid.randn(*shape)
    out = m(x)
    assert type(m) is regular and getattr(m, size_attr) == size
    assert not hasattr(m, "_lazy_args")  # the lazy bookkeeping is gone
    again = m(x)
    np.testing.assert_allclose(out.numpy(), again.numpy(), rtol=1e-5, atol=1e-6)


def test_linear_matches_regular_with_copied_weights():
    lucid.manual_seed(0)
    lazy = nn.LazyLinear(3)
    x = lucid.randn(2, 4)
    y = lazy(x)
    reg = nn.Linear(4, 3)
    reg.load_state_dict(lazy.state_dict())
    np.testing.assert_allclose(y.numpy(), reg(x).numpy(), rtol=1e-6)
    assert sorted(lazy.state_dict()) == ["bias", "weight"]
    # The default initialisation bound follows the inferred in_features (kaiming uniform, 1/sqrt(4)).
    assert np.abs(lazy.weight.numpy()).max() <= 0.5


def test_mode_hooks_and_training_after_materialisation():
    bn = nn.LazyBatchNorm1d().eval()
    calls = []
    bn.register_forward_hook(lambda mod, args, out: calls.append(out.shape))
    bn(lucid.randn(4, 3))
    assert not bn.training and calls == [(4, 3)]
    np.testing.assert_array_equal(bn.running_mean.numpy(), np.zeros(3))  # eval: statistics untouched
    model = nn.Sequential(nn.LazyLinear(8), nn.ReLU(), nn.LazyLinear(2))
    model(lucid.randn(5, 3))
    opt = lucid.optim.SGD(model.parameters(), lr=0.1)
    loss = model(lucid.randn(5, 3)).square().mean()
    loss.backward()
    opt.step()
    assert [tuple(p.shape) for p in model.parameters()] == [(8, 3), (8,), (2, 8), (2,)]


def test_dtype_and_repr():
    m = nn.LazyLinear(3, dtype=lucid.float64)
    assert repr(m) == "LazyLinear(in_features=0, out_features=3, bias=True, device=None, dtype=lucid.float64)"
    m(lucid.ones(1, 2, dtype=lucid.float64))
    assert m.weight.dtype == lucid.float64


def test_bad_first_input():
    with pytest.raises(TypeError):
        nn.LazyLinear(3)(np.ones((2, 2)))
    with pytest.raises(ValueError, match="0-d"):
        nn.LazyLinear(3)(lucid.tensor(1.0))
    with pytest.raises(ValueError, match="3-D or 4-D"):
        nn.LazyConv2d(3, 1)(lucid.ones(2, 2))
    with pytest.raises(ValueError, match="4-D"):
        nn.LazyBatchNorm2d()(lucid.ones(2, 2))
    # A failed first forward leaves the layer lazy.
    m = nn.LazyConv2d(3, 1)
    with pytest.raises(ValueError):
        m(lucid.ones(2, 2))
    assert type(m) is nn.LazyConv2d
    assert m(lucid.ones(1, 2, 3, 3)).shape == (1, 3, 3, 3)
