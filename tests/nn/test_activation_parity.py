"""GLU, Threshold, the shrinks, RReLU, Softmax2d, gumbel_softmax and the in-place variants."""

import numpy as np
import pytest

import lucid
import lucid.nn as nn
import lucid.nn.functional as F
from tests.helpers import OpCase, rand, run_case

# Values kept away from the kinks (|x| = 0.5, x = 0.3) so finite differences are clean.
X = rand(3, 4, seed=1, low=-2, high=2)
X = np.where(np.abs(np.abs(X) - 0.5) < 0.05, X + 0.2, X)
X = np.where(np.abs(X - 0.3) < 0.05, X + 0.2, X)
X = np.where(np.abs(X) < 0.05, X + 0.2, X)


def glu_ref(x, dim=-1):
    a, b = np.split(x, 2, axis=dim)
    return a / (1 + np.exp(-b))


def softmax_ref(x, axis):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


CASES = [
    OpCase("glu", F.glu, glu_ref, [X]),
    OpCase("glu_dim0", F.glu, lambda x, dim: glu_ref(x, dim), [rand(4, 3, seed=2), 0]),
    OpCase("threshold", F.threshold, lambda x, t, v: np.where(x > t, x, v), [X, 0.3, -7.0]),
    OpCase("hardshrink", F.hardshrink, lambda x: np.where(np.abs(x) > 0.5, x, 0.0), [X]),
    OpCase("hardshrink_l1", F.hardshrink, lambda x, lam: np.where(np.abs(x) > lam, x, 0.0), [X, 0.3]),
    OpCase("softshrink", F.softshrink, lambda x: np.where(x > 0.5, x - 0.5, np.where(x < -0.5, x + 0.5, 0.0)), [X]),
    OpCase("tanhshrink", F.tanhshrink, lambda x: x - np.tanh(x), [X]),
    OpCase("rrelu_eval", F.rrelu, lambda x, lo, hi: np.where(x >= 0, x, x * (lo + hi) / 2), [X, 0.1, 0.3]),
    OpCase("softmax2d", nn.Softmax2d(), lambda x: softmax_ref(x, -3), [rand(2, 3, 2, 2, seed=3)]),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_activation_against_numpy(case):
    run_case(case)


def test_modules_match_functional():
    x = lucid.tensor(X)
    for module, fn in [(nn.GLU(0), lambda t: F.glu(lucid.cat([t, t]), 0)),
                       (nn.Hardshrink(0.3), lambda t: F.hardshrink(t, 0.3)),
                       (nn.Softshrink(), F.softshrink), (nn.Tanhshrink(), F.tanhshrink),
                       (nn.Threshold(0.1, 2.0), lambda t: F.threshold(t, 0.1, 2.0)),
                       (nn.RReLU().eval(), F.rrelu)]:
        inp = lucid.cat([x, x]) if isinstance(module, nn.GLU) else x
        np.testing.assert_allclose(module(inp).numpy(), fn(x).numpy())
    assert repr(nn.Softshrink(0.25)) == "Softshrink(0.25)"
    assert repr(nn.Threshold(0.1, 2.0)) == "Threshold(threshold=0.1, value=2.0)"
    assert repr(nn.RReLU(0.1, 0.2)) == "RReLU(lower=0.1, upper=0.2)"


def test_rrelu_training_samples_slopes_in_range():
    lucid.manual_seed(0)
    x = -lucid.ones(1000)
    y = nn.RReLU(0.1, 0.3).train()(x).numpy()
    slopes = -y
    assert slopes.min() >= 0.1 and slopes.max() < 0.3 and slopes.std() > 0.03
    # Positive inputs pass unchanged; the gradient of a negative one is its sampled slope.
    x = lucid.tensor([-1.0, -2.0, 3.0], requires_grad=True)
    y = F.rrelu(x, 0.1, 0.3, training=True)
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy()[:2], (y.numpy() / x.numpy())[:2], rtol=1e-6)
    assert x.grad.numpy()[2] == 1.0


def test_gumbel_softmax():
    lucid.manual_seed(0)
    logits = lucid.tensor(np.log([[0.7, 0.2, 0.1]] * 4000).astype(np.float32))
    soft = F.gumbel_softmax(logits, tau=0.5)
    np.testing.assert_allclose(soft.numpy().sum(-1), 1.0, rtol=1e-5)
    hard = F.gumbel_softmax(logits, hard=True)
    h = hard.numpy()
    assert set(np.unique(h)) <= {0.0, 1.0} and (h.sum(-1) == 1).all()
    # The argmax of Gumbel-perturbed logits samples the categorical distribution.
    np.testing.assert_allclose(h.mean(0), [0.7, 0.2, 0.1], atol=0.03)
    # hard=True passes the soft sample's gradient (straight-through).
    x = lucid.zeros(2, 3, requires_grad=True)
    lucid.manual_seed(1)
    (F.gumbel_softmax(x, hard=True) * lucid.tensor([1.0, 2.0, 3.0])).sum().backward()
    assert np.abs(x.grad.numpy()).sum() > 0
    with pytest.raises(ValueError, match="tau"):
        F.gumbel_softmax(x, tau=0.0)


@pytest.mark.parametrize("name,args,ref", [
    ("relu_", (), lambda x: np.maximum(x, 0)),
    ("elu_", (1.0,), lambda x: np.where(x > 0, x, np.expm1(x))),
    ("celu_", (2.0,), lambda x: np.maximum(x, 0) + np.minimum(0, 2 * np.expm1(x / 2))),
    ("selu_", (), lambda x: 1.0507009873554805 * np.where(x > 0, x, 1.6732632423543772 * np.expm1(x))),
    ("leaky_relu_", (0.2,), lambda x: np.where(x > 0, x, 0.2 * x)),
    ("hardtanh_", (-0.5, 0.5), lambda x: np.clip(x, -0.5, 0.5)),
    ("threshold_", (0.3, 9.0), lambda x: np.where(x > 0.3, x, 9.0)),
    ("rrelu_", (0.2, 0.2), lambda x: np.where(x >= 0, x, 0.2 * x)),
])
def test_inplace_variants(name, args, ref):
    x = lucid.tensor(X)
    v = x._version
    out = getattr(F, name)(x, *args)
    assert out is x and x._version > v
    np.testing.assert_allclose(x.numpy(), ref(X), rtol=1e-6, atol=1e-12)


def test_inplace_threshold_gradient_flows_through_the_graph():
    a = lucid.tensor(X, requires_grad=True)
    b = a * 2
    F.threshold_(b, 0.3, 0.0)
    b.sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), np.where(2 * X > 0.3, 2.0, 0.0))


def test_bad_inputs():
    x = lucid.tensor(X)
    with pytest.raises(ValueError, match="even"):
        F.glu(lucid.ones(3))
    with pytest.raises(ValueError, match="0-d"):
        F.glu(lucid.tensor(1.0))
    with pytest.raises(ValueError, match="non-negative"):
        F.softshrink(x, -1.0)
    with pytest.raises(ValueError, match="non-negative"):
        nn.Softshrink(-1.0)
    with pytest.raises(ValueError, match="lower"):
        F.rrelu(x, 0.5, 0.1)
    with pytest.raises(TypeError):
        F.threshold(x, "a", 1.0)
    with pytest.raises(TypeError):
        F.tanhshrink(np.ones(3))
    with pytest.raises(ValueError, match="3-D or 4-D"):
        nn.Softmax2d()(lucid.ones(2, 2))


def test_dtypes_kept():
    for dt in (lucid.float16, lucid.bfloat16, lucid.float32):
        x = lucid.ones(2, 4, dtype=dt) * -0.7
        for out in (F.glu(x), F.threshold(x, 0.0, 1.0), F.hardshrink(x), F.softshrink(x), F.tanhshrink(x),
                    F.rrelu(x), F.rrelu(x, training=True), F.gumbel_softmax(x), F.gumbel_softmax(x, hard=True)):
            assert out.dtype == dt


def test_threshold_of_infinite_inputs():
    out = F.threshold(lucid.tensor([-np.inf, np.inf, 0.5]), 1.0, 5.0).numpy()
    np.testing.assert_array_equal(out, [5.0, np.inf, 5.0])
