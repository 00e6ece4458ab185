"""nn.init: each initialiser's distribution (moments, bounds), fan-in/fan-out, gains, generators, errors."""

import math

import numpy as np
import pytest

import lucid
from lucid.nn import init

# Large enough that the sample moments are within a few percent of the true ones.
N_OUT, N_IN = 400, 300


def _moments(t):
    a = t.numpy().astype(np.float64).ravel()
    return a.mean(), a.std(), a.min(), a.max()


def _assert_std(got, want, rel=0.03):
    assert abs(got - want) <= rel * want, f"std {got:.5f}, expected {want:.5f}"


@pytest.mark.parametrize(("shape", "fans"), [
    ((7, 3), (3, 7)),                # Linear: (out, in)
    ((8, 4, 3), (12, 24)),           # Conv1d: receptive field 3
    ((8, 4, 3, 5), (60, 120)),       # Conv2d: receptive field 15
    ((6, 2, 2, 3, 1), (12, 36)),     # Conv3d
])
def test_fan_in_and_fan_out(shape, fans):
    assert init._calculate_fan_in_and_fan_out(lucid.zeros(*shape)) == fans


def test_fans_need_two_dimensions():
    with pytest.raises(ValueError, match="at least 2 dimensions"):
        init.xavier_uniform_(lucid.zeros(5))


@pytest.mark.parametrize(("name", "param", "gain"), [
    ("linear", None, 1.0), ("conv2d", None, 1.0), ("sigmoid", None, 1.0), ("tanh", None, 5 / 3),
    ("relu", None, math.sqrt(2)), ("leaky_relu", None, math.sqrt(2 / (1 + 0.01 ** 2))),
    ("leaky_relu", 0.2, math.sqrt(2 / 1.04)), ("selu", None, 0.75),
])
def test_calculate_gain(name, param, gain):
    assert init.calculate_gain(name, param) == pytest.approx(gain)


def test_calculate_gain_rejects_unknown_names_and_bad_slopes():
    with pytest.raises(ValueError, match="unsupported nonlinearity"):
        init.calculate_gain("swish")
    with pytest.raises(ValueError, match="negative_slope"):
        init.calculate_gain("leaky_relu", "0.1")


def test_uniform_moments_and_bounds():
    mean, std, lo, hi = _moments(init.uniform_(lucid.zeros(N_OUT, N_IN), -2.0, 4.0))
    assert lo >= -2.0 and hi <= 4.0
    assert mean == pytest.approx(1.0, abs=0.05)
    _assert_std(std, 6 / math.sqrt(12))


def test_normal_moments():
    mean, std, _, _ = _moments(init.normal_(lucid.zeros(N_OUT, N_IN), mean=0.5, std=0.02))
    assert mean == pytest.approx(0.5, abs=1e-3)
    _assert_std(std, 0.02)


def test_xavier_uniform_bound_and_std():
    t = init.xavier_uniform_(lucid.zeros(N_OUT, N_IN), gain=2.0)
    bound = 2.0 * math.sqrt(6 / (N_IN + N_OUT))
    mean, std, lo, hi = _moments(t)
    assert -bound <= lo and hi <= bound and hi > 0.95 * bound
    assert mean == pytest.approx(0.0, abs=0.01 * bound)
    _assert_std(std, bound / math.sqrt(3))


def test_xavier_normal_std():
    _, std, _, _ = _moments(init.xavier_normal_(lucid.zeros(N_OUT, N_IN), gain=0.5))
    _assert_std(std, 0.5 * math.sqrt(2 / (N_IN + N_OUT)))


@pytest.mark.parametrize("mode", ["fan_in", "fan_out"])
def test_kaiming_uniform_uses_the_chosen_fan(mode):
    shape = (N_OUT // 4, N_IN // 4, 3, 3)
    t = init.kaiming_uniform_(lucid.zeros(*shape), a=0.0, mode=mode, nonlinearity="relu")
    fan = shape[1] * 9 if mode == "fan_in" else shape[0] * 9
    bound = math.sqrt(2) * math.sqrt(3 / fan)
    _, std, lo, hi = _moments(t)
    assert -bound <= lo and hi <= bound and hi > 0.95 * bound
    _assert_std(std, bound / math.sqrt(3))


@pytest.mark.parametrize("mode", ["fan_in", "fan_out"])
def test_kaiming_normal_std(mode):
    t = init.kaiming_normal_(lucid.zeros(N_OUT, N_IN), mode=mode, nonlinearity="relu")
    fan = N_IN if mode == "fan_in" else N_OUT
    mean, std, _, _ = _moments(t)
    assert abs(mean) < 0.01
    _assert_std(std, math.sqrt(2) / math.sqrt(fan))


def test_kaiming_rejects_a_bad_mode():
    with pytest.raises(ValueError, match="fan_in"):
        init.kaiming_normal_(lucid.zeros(3, 3), mode="fan_avg")


def test_trunc_normal_moments_inside_the_bounds():
    # N(0, 1) truncated to [-1, 1]: variance 1 - 2 phi(1) / (2 Phi(1) - 1).
    t = init.trunc_normal_(lucid.zeros(N_OUT, N_IN), mean=0.0, std=1.0, a=-1.0, b=1.0)
    mean, std, lo, hi = _moments(t)
    phi = math.exp(-0.5) / math.sqrt(2 * math.pi)
    big_phi = 0.5 * (1 + math.erf(1 / math.sqrt(2)))
    assert lo >= -1.0 and hi <= 1.0
    assert abs(mean) < 0.01
    _assert_std(std, math.sqrt(1 - 2 * phi / (2 * big_phi - 1)))


def test_orthogonal_is_orthogonal_and_scaled():
    w = init.orthogonal_(lucid.zeros(6, 4, 2), gain=3.0).numpy().reshape(6, 8)
    np.testing.assert_allclose(w @ w.T, 9.0 * np.eye(6), atol=1e-4)


def test_constant_zeros_ones_eye_dirac():
    assert init.constant_(lucid.zeros(2), 0.25).tolist() == [0.25, 0.25]
    assert init.zeros_(lucid.ones(2)).tolist() == [0.0, 0.0]
    assert init.ones_(lucid.zeros(2)).tolist() == [1.0, 1.0]
    np.testing.assert_array_equal(init.eye_(lucid.zeros(2, 3)).numpy(), np.eye(2, 3))
    w = init.dirac_(lucid.zeros(4, 2, 3, 3), groups=2).numpy()
    assert w.sum() == 4 and w[0, 0, 1, 1] == w[1, 1, 1, 1] == w[2, 0, 1, 1] == w[3, 1, 1, 1] == 1


@pytest.mark.parametrize("fn", [init.uniform_, init.normal_, init.xavier_uniform_, init.xavier_normal_,
                                init.kaiming_uniform_, init.kaiming_normal_, init.orthogonal_, init.trunc_normal_])
def test_a_generator_makes_the_draw_reproducible(fn):
    a = fn(lucid.zeros(5, 4), generator=lucid.Generator().manual_seed(3)).numpy()
    lucid.manual_seed(123)  # the global generator must not matter
    b = fn(lucid.zeros(5, 4), generator=lucid.Generator().manual_seed(3)).numpy()
    c = fn(lucid.zeros(5, 4), generator=lucid.Generator().manual_seed(4)).numpy()
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


def test_initialisers_work_in_place_keep_dtype_and_record_no_graph():
    w = lucid.zeros(3, 4, dtype=lucid.float16, requires_grad=True)
    version = w._version
    out = init.kaiming_uniform_(w)
    assert out is w and w.dtype == lucid.float16 and w.grad_fn is None and w._version > version


def test_non_tensors_are_refused():
    with pytest.raises(TypeError, match="lucid Tensor"):
        init.normal_(np.zeros(3))
