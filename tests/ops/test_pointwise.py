"""hypot, logaddexp(2), copysign, nextafter, ldexp, frexp, heaviside, float_power, fmax/fmin, frac, signbit,
positive, rsub, gcd, lcm: values against NumPy, gradients by finite differences, PyTorch's edge conventions."""

import math

import numpy as np
import pytest

import lucid

RNG = np.random.default_rng(0)
NAN, INF = math.nan, math.inf


def _f64(a, requires_grad=False):
    return lucid.tensor(np.asarray(a, dtype=np.float64), dtype=lucid.float64, device="cpu",
                        requires_grad=requires_grad)


@pytest.mark.parametrize("name, ref", [
    ("hypot", np.hypot), ("logaddexp", np.logaddexp), ("logaddexp2", np.logaddexp2),
    ("copysign", np.copysign), ("fmax", np.fmax), ("fmin", np.fmin),
])
def test_binary_values_match_numpy(name, ref):
    x = np.array([3.0, -1e30, 0.0, -0.0, 2.5, NAN, INF, -INF, 1e-30, -7.0, 1000.0, -INF])
    y = np.array([4.0, 1e30, -0.0, 2.0, NAN, 1.0, INF, 3.0, -2e-30, -7.0, 999.0, -INF])
    got = getattr(lucid, name)(_f64(x), _f64(y)).numpy()
    with np.errstate(all="ignore"):
        want = ref(x, y)
    np.testing.assert_allclose(got, want, rtol=1e-14, atol=0, equal_nan=True)
    # float32, broadcasting and Python numbers
    a = RNG.uniform(-3, 3, (3, 1)).astype(np.float32)
    b = RNG.uniform(-3, 3, (1, 4)).astype(np.float32)
    np.testing.assert_allclose(getattr(lucid, name)(lucid.tensor(a), lucid.tensor(b)).numpy(), ref(a, b), rtol=1e-6,
                               atol=1e-7)
    out = getattr(lucid, name)(lucid.tensor(a), 1.5)
    assert out.dtype == lucid.float32
    np.testing.assert_allclose(out.numpy(), ref(a, np.float32(1.5)), rtol=1e-6)
    assert getattr(lucid.Tensor, name)(lucid.tensor(a), 1.5).shape == (3, 1)


def test_copysign_reads_the_sign_bit():
    got = lucid.copysign(lucid.tensor([1.0, 1.0, 2.0]), lucid.tensor([-0.0, 0.0, -NAN]))
    assert got.tolist() == list(np.copysign([1.0, 1.0, 2.0], np.array([-0.0, 0.0, -NAN], dtype=np.float32)))
    assert lucid.copysign(lucid.tensor([3, -4]), -1).dtype == lucid.float32  # integers promote


@pytest.mark.parametrize("name", ["hypot", "logaddexp", "logaddexp2", "fmax", "fmin"])
def test_binary_gradients(name):
    x = _f64(RNG.uniform(-2, 2, (3, 1)), True)
    y = _f64(RNG.uniform(-2, 2, (1, 4)), True)
    assert lucid.autograd.gradcheck(getattr(lucid, name), [x, y], atol=1e-7, rtol=1e-6)


def test_copysign_gradient_is_the_sign_ratio_and_zero_for_other():
    x = _f64([2.0, -3.0, 0.0], True)
    y = _f64([-1.0, -1.0, 5.0], True)
    g = np.array([0.5, 2.0, 3.0])
    (lucid.copysign(x, y) * _f64(g)).sum().backward()
    assert x.grad.tolist() == [-0.5, 2.0, 0.0]
    assert y.grad.tolist() == [0.0, 0.0, 0.0]


def test_fmax_gradient_goes_to_the_number_not_the_nan():
    x = _f64([NAN, 1.0, 2.0], True)
    y = _f64([1.0, NAN, 2.0], True)
    lucid.fmax(x, y).sum().backward()
    assert x.grad.tolist() == [0.0, 1.0, 1.0] and y.grad.tolist() == [1.0, 0.0, 0.0]


def test_logaddexp_of_infinities():
    got = lucid.logaddexp(_f64([-INF, INF, -INF]), _f64([-INF, INF, 0.0])).tolist()
    assert got == [-INF, INF, 0.0]


@pytest.mark.parametrize("dtype, npdt", [(lucid.float32, np.float32), (lucid.float64, np.float64),
                                         (lucid.float16, np.float16)])
def test_nextafter_matches_numpy(dtype, npdt):
    x = np.array([1.0, 1.0, -1.0, -1.0, 0.0, 0.0, 2.5, 3.0, 65504.0 if npdt == np.float16 else 1e30, NAN],
                 dtype=npdt)
    y = np.array([2.0, 0.0, 0.0, -2.0, 1.0, -1.0, 2.5, NAN, INF, 1.0], dtype=npdt)
    got = lucid.nextafter(lucid.tensor(x, dtype=dtype, device="cpu"), lucid.tensor(y, dtype=dtype, device="cpu"))
    with np.errstate(over="ignore"):
        want = np.nextafter(x, y)
    normal = np.abs(want) >= np.finfo(npdt).tiny  # MLX may flush the subnormal steps away from 0
    np.testing.assert_array_equal(got.numpy()[normal | np.isnan(want)], want[normal | np.isnan(want)])
    assert not got.requires_grad
    with pytest.raises(TypeError, match="floating-point"):
        lucid.nextafter(lucid.tensor([1, 2]), lucid.tensor([3, 4]))


def test_ldexp_and_frexp_round_trip():
    x = np.array([8.0, -0.75, 0.0, 1.0, 3.0e-30, -INF, 1024.0, 0.1], dtype=np.float32)
    m, e = lucid.frexp(lucid.tensor(x))
    wm, we = np.frexp(x)
    assert e.dtype == lucid.int32
    np.testing.assert_array_equal(m.numpy()[np.isfinite(x)], wm[np.isfinite(x)])
    np.testing.assert_array_equal(e.numpy()[np.isfinite(x)], we[np.isfinite(x)])
    np.testing.assert_array_equal(lucid.ldexp(m, e).numpy(), x)
    x64 = RNG.uniform(-1e6, 1e6, 50)
    m64, e64 = lucid.frexp(_f64(x64))
    assert np.all((np.abs(m64.numpy()) >= 0.5) & (np.abs(m64.numpy()) < 1))
    np.testing.assert_array_equal(m64.numpy() * 2.0 ** e64.numpy(), x64)
    with pytest.raises(TypeError, match="floating-point"):
        lucid.frexp(lucid.tensor([1, 2]))


def test_frexp_and_ldexp_gradients():
    x = _f64([8.0, -0.75, 3.0], True)
    m, _ = lucid.frexp(x)
    (m * _f64([1.0, 2.0, 3.0])).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [1 / 16, 2.0, 3 / 4])
    a, b = _f64([1.5, -2.0], True), _f64([2.0, -1.0], True)
    assert lucid.autograd.gradcheck(lucid.ldexp, [a, b], atol=1e-7, rtol=1e-6)


def test_heaviside_values_and_no_gradient():
    x = lucid.tensor([-1.5, 0.0, 0.0, 2.0], requires_grad=True)
    got = lucid.heaviside(x, lucid.tensor([9.0, 0.5, 0.25, 9.0]))
    assert got.tolist() == list(np.heaviside([-1.5, 0.0, 0.0, 2.0], [9.0, 0.5, 0.25, 9.0]))
    assert not got.requires_grad


def test_float_power_computes_in_float64():
    y = lucid.float_power(lucid.tensor([2.0, 3.0], dtype=lucid.float32), lucid.tensor([0.5, 2.0]))
    assert y.dtype == lucid.float64
    np.testing.assert_allclose(y.numpy(), np.power([2.0, 3.0], [0.5, 2.0]), rtol=1e-15)
    x = lucid.tensor([2.0, 3.0], requires_grad=True)
    lucid.float_power(x, 3).sum().backward()
    assert x.grad.dtype == lucid.float32 and x.grad.tolist() == [12.0, 27.0]
    assert lucid.float_power(2, lucid.tensor([3])).tolist() == [8.0]


def test_frac_signbit_positive_rsub():
    x = lucid.tensor([1.5, -2.25, 3.0], requires_grad=True)
    y = lucid.frac(x)
    assert y.tolist() == [0.5, -0.25, 0.0]
    y.sum().backward()
    assert x.grad.tolist() == [1.0, 1.0, 1.0]
    with pytest.raises(TypeError, match="floating-point"):
        lucid.frac(lucid.tensor([1, 2]))
    assert lucid.signbit(lucid.tensor([-1.0, -0.0, 0.0, NAN])).tolist() == [True, True, False, False]
    assert lucid.signbit(lucid.tensor([-3, 0, 4])).tolist() == [True, False, False]
    assert lucid.signbit(lucid.tensor([1, 2], dtype=lucid.uint8)).tolist() == [False, False]
    t = lucid.tensor([1.0])
    assert lucid.positive(t) is t and t.positive() is t
    with pytest.raises(TypeError, match="bool"):
        lucid.positive(lucid.tensor([True]))
    assert lucid.rsub(lucid.tensor([1.0, 2.0]), 5.0).tolist() == [4.0, 3.0]
    assert lucid.rsub(lucid.tensor([1.0, 2.0]), lucid.tensor([5.0]), alpha=0.5).tolist() == [4.5, 4.0]


@pytest.mark.parametrize("dtype, npdt", [(lucid.int32, np.int32), (lucid.int64, np.int64), (lucid.int8, np.int8),
                                         (lucid.uint8, np.uint8)])
def test_gcd_and_lcm_match_numpy(dtype, npdt):
    hi = 100 if npdt in (np.int8, np.uint8) else 10 ** 6
    lo = 0 if npdt == np.uint8 else -hi
    a = RNG.integers(lo, hi, 200).astype(npdt)
    b = RNG.integers(lo, hi, 200).astype(npdt)
    a[:3], b[:3] = 0, [0, 5, 0]
    if npdt not in (np.int8, np.uint8):
        # Consecutive Fibonacci numbers take the most Euclid steps.
        a[3], b[3] = 832040, 514229
    ta, tb = lucid.tensor(a, dtype=dtype), lucid.tensor(b, dtype=dtype)
    np.testing.assert_array_equal(lucid.gcd(ta, tb).numpy(), np.gcd(a, b))
    small = np.abs(a.astype(np.int64) * b.astype(np.int64)) < np.iinfo(npdt).max
    np.testing.assert_array_equal(lucid.lcm(ta, tb).numpy()[small], np.lcm(a, b)[small])
    assert lucid.gcd(ta, tb).dtype == dtype


def test_gcd_refuses_floats_and_bad_operands():
    with pytest.raises(TypeError, match="integer"):
        lucid.gcd(lucid.tensor([1.0]), lucid.tensor([2.0]))
    with pytest.raises(TypeError, match="integer"):
        lucid.lcm(lucid.tensor([4]), 2.5)
    with pytest.raises(TypeError, match="complex"):
        lucid.hypot(lucid.tensor([1 + 1j]), 1.0)
    with pytest.raises(TypeError, match="str"):
        lucid.hypot(lucid.tensor([1.0]), "a")


def test_hypot_fused_path_matches_numpy_with_extremes_and_gradients():
    from lucid._backend import fusion

    n = fusion.FUSE_MIN_SIZE + 3
    rng = np.random.default_rng(0)
    x = rng.uniform(-2, 2, n).astype(np.float32)
    y = rng.uniform(-2, 2, n).astype(np.float32)
    x[:4] = [3e30, np.inf, 0.0, 1e-30]
    y[:4] = [4e30, 1.0, 0.0, 1e-30]
    a, b = lucid.tensor(x, requires_grad=True), lucid.tensor(y, requires_grad=True)
    h = lucid.hypot(a, b)
    np.testing.assert_allclose(h.numpy(), np.hypot(x, y), rtol=1e-6)
    h.sum().backward()
    ref = np.hypot(x, y)
    np.testing.assert_allclose(a.grad.numpy()[4:], x[4:] / ref[4:], rtol=1e-5)
    np.testing.assert_allclose(b.grad.numpy()[4:], y[4:] / ref[4:], rtol=1e-5)
    assert np.isnan(a.grad.numpy()[2]) and abs(a.grad.numpy()[0] - 0.6) < 1e-6
