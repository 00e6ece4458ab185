"""lucid.multinomial and lucid.poisson: distributions checked statistically, errors, laziness."""

import math

import numpy as np
import pytest

import lucid


@pytest.fixture(autouse=True)
def _seed():
    lucid.manual_seed(1234)


# -- multinomial ---------------------------------------------------------------------------

P = np.array([0.5, 0.3, 0.2, 0.0])


def _freq(idx, k):
    return np.bincount(np.asarray(idx).ravel(), minlength=k) / np.asarray(idx).size


def test_with_replacement_frequencies_match_the_weights():
    w = lucid.tensor(P * 7)  # unnormalised weights
    draws = lucid.multinomial(w, 40000, replacement=True)
    assert draws.shape == (40000,) and draws.dtype == lucid.int64
    np.testing.assert_allclose(_freq(draws.numpy(), 4), P, atol=0.01)


def test_without_replacement_follows_sequential_draws():
    rows = lucid.tensor(np.tile(P[:3], (20000, 1)))
    draws = lucid.multinomial(rows, 2).numpy()
    assert draws.shape == (20000, 2)
    assert (draws[:, 0] != draws[:, 1]).all()
    p = P[:3]
    np.testing.assert_allclose(_freq(draws[:, 0], 3), p, atol=0.015)
    second = np.array([sum(p[i] * p[j] / (1 - p[i]) for i in range(3) if i != j) for j in range(3)])
    np.testing.assert_allclose(_freq(draws[:, 1], 3), second, atol=0.015)


def test_without_replacement_full_permutation_and_zero_weights_last():
    draws = lucid.multinomial(lucid.tensor([[0.0, 1.0, 2.0, 0.0]] * 50), 2).numpy()
    assert set(np.unique(draws)) <= {1, 2}
    perm = lucid.multinomial(lucid.tensor([1.0, 1.0, 1.0, 1.0, 1.0]), 5).numpy()
    assert sorted(perm.tolist()) == [0, 1, 2, 3, 4]


def test_zero_weight_never_drawn_with_replacement():
    draws = lucid.multinomial(lucid.tensor([[0.0, 1.0], [1.0, 0.0]]), 500, replacement=True).numpy()
    assert (draws[0] == 1).all() and (draws[1] == 0).all()


def test_generator_reproducible_and_method_form():
    g = lucid.random.Generator(3)
    a = lucid.multinomial(lucid.tensor(P), 3, generator=g).tolist()
    g.manual_seed(3)
    b = lucid.tensor(P).multinomial(3, generator=g).tolist()
    assert a == b
    assert lucid.Tensor.multinomial.__name__ == "multinomial"


@pytest.mark.parametrize("dtype", [lucid.float16, lucid.float64])
def test_other_float_dtypes(dtype):
    for replacement in (False, True):
        out = lucid.multinomial(lucid.tensor(P, dtype=dtype, device="cpu"), 2, replacement=replacement)
        assert out.dtype == lucid.int64 and set(out.tolist()) <= {0, 1, 2}


@pytest.mark.parametrize("args,exc,match", [
    ((lucid.tensor([1, 2]), 1), TypeError, "floating"),
    (([0.5, 0.5], 1), TypeError, "Tensor"),
    ((lucid.ones(2, 2, 2), 1), ValueError, "1-D or 2-D"),
    ((lucid.ones(3), 0), ValueError, "at least 1"),
    ((lucid.ones(3), 4), ValueError, "without replacement"),
    ((lucid.ones(3), 1.5), TypeError, "num_samples"),
])
def test_eager_argument_errors(args, exc, match):
    with pytest.raises(exc, match=match):
        lucid.multinomial(*args)


@pytest.mark.parametrize("weights,n,replacement", [
    ([[1.0, -0.5]], 1, True),
    ([[0.0, 0.0], [1.0, 1.0]], 1, True),
    ([[float("nan"), 1.0]], 1, False),
    ([[float("inf"), 1.0]], 1, True),
    ([[1.0, 0.0, 0.0]], 2, False),  # fewer positive categories than draws
])
def test_invalid_weights_raise_at_the_next_sync(weights, n, replacement):
    out = lucid.multinomial(lucid.tensor(weights), n, replacement=replacement)  # no error yet: lazy
    with pytest.raises(ValueError, match="probability"):
        out.tolist()
    lucid.ones(1).tolist()  # the error was consumed


# -- poisson --------------------------------------------------------------------------------

@pytest.mark.parametrize("rate", [0.5, 5.0, 9.5, 10.0, 50.0, 500.0, 5e4])
def test_poisson_mean_and_variance(rate):
    n = 100_000
    x = lucid.poisson(lucid.full((n,), rate)).numpy().astype(np.float64)
    assert (x >= 0).all() and (x == np.round(x)).all()
    # Standard errors: mean sqrt(rate/n); variance about rate*sqrt(2/n) (plus the 4th cumulant term).
    assert abs(x.mean() - rate) < 5 * math.sqrt(rate / n)
    assert abs(x.var() - rate) < 6 * rate * math.sqrt((2 + 1 / rate) / n)


@pytest.mark.parametrize("rate", [0.5, 3.0, 20.0])
def test_poisson_pmf(rate):
    n = 100_000
    x = lucid.poisson(lucid.full((n,), rate)).numpy().astype(np.int64)
    ks = np.arange(int(rate + 4 * math.sqrt(rate)) + 1)
    pmf = np.array([math.exp(-rate + k * math.log(rate) - math.lgamma(k + 1)) for k in ks])
    freq = np.bincount(x, minlength=ks.size)[: ks.size] / n
    assert (np.abs(freq - pmf) <= 5 * np.sqrt(pmf * (1 - pmf) / n) + 1e-4).all(), (freq, pmf)


def test_poisson_mixed_rates_shape_dtype_and_zero_rate():
    rates = lucid.tensor([[0.0, 1.0, 20.0], [200.0, 2e4, 3.0]], dtype=lucid.float64, device="cpu")
    x = lucid.poisson(rates)
    assert x.shape == (2, 3) and x.dtype == lucid.float64 and not x.requires_grad
    assert x.tolist()[0][0] == 0.0
    assert lucid.poisson(lucid.ones(3, dtype=lucid.float16)).dtype == lucid.float16


def test_poisson_generator_reproducible():
    g = lucid.random.Generator(9)
    a = lucid.poisson(lucid.full((50,), 30.0), generator=g).tolist()
    g.manual_seed(9)
    assert lucid.poisson(lucid.full((50,), 30.0), generator=g).tolist() == a
    assert lucid.random.poisson is lucid.poisson


def test_poisson_errors():
    with pytest.raises(TypeError, match="floating"):
        lucid.poisson(lucid.tensor([1, 2]))
    with pytest.raises(TypeError, match="Tensor"):
        lucid.poisson(3.0)
    out = lucid.poisson(lucid.tensor([1.0, -1.0]))
    with pytest.raises(ValueError, match="negative or NaN"):
        out.tolist()
    out = lucid.poisson(lucid.tensor([float("nan")]))
    with pytest.raises(ValueError, match="negative or NaN"):
        lucid.eval(out)
