import mlx.core as mx
import numpy as np
import pytest

import lucid
import lucid.random as R

N = 10_000


def test_seed_makes_draws_reproducible():
    R.seed(123)
    a = [R.rand(4).numpy(), R.randn(3).numpy(), R.randint(0, 10, size=(5,)).numpy(), R.permutation(6).numpy()]
    R.seed(123)
    b = [R.rand(4).numpy(), R.randn(3).numpy(), R.randint(0, 10, size=(5,)).numpy(), R.permutation(6).numpy()]
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)


def test_successive_draws_differ_and_seeds_differ():
    a, b = R.rand(8).numpy(), R.rand(8).numpy()
    assert not np.array_equal(a, b)
    R.seed(1)
    c = R.rand(8).numpy()
    R.seed(2)
    assert not np.array_equal(c, R.rand(8).numpy())


def test_manual_seed_alias_and_initial_seed():
    R.manual_seed(5)
    a = R.randn(3).numpy()
    R.seed(5)
    np.testing.assert_array_equal(a, R.randn(3).numpy())
    assert R.initial_seed() == 5
    R.seed(-1)  # negative seeds wrap to 64 bits, as in PyTorch
    assert R.initial_seed() == 2 ** 64 - 1


def test_seed_none_picks_a_fresh_seed():
    R.seed()
    assert isinstance(R.initial_seed(), int)


def test_get_set_state_round_trip():
    s = R.get_state()
    assert isinstance(s, lucid.Tensor) and s.shape == (2,) and s.dtype == lucid.uint32
    a = R.randn(5).numpy()
    R.set_state(s)
    np.testing.assert_array_equal(a, R.randn(5).numpy())
    R.set_state(s.numpy())  # NumPy arrays and mx.arrays are accepted too
    np.testing.assert_array_equal(a, R.randn(5).numpy())
    R.set_state(s.mx)
    np.testing.assert_array_equal(a, R.randn(5).numpy())


def test_state_is_a_list_holding_an_mx_key():
    assert isinstance(R.state, list) and len(R.state) == 1 and isinstance(R.state[0], mx.array)
    before = R.state[0]
    R.rand(2)
    assert R.state[0] is not before  # every draw advances (splits) the key
    R.set_state(R.get_state())
    assert R.state is R.default_generator.state


def test_set_state_errors():
    with pytest.raises(ValueError, match=r"shape \(2,\)"):
        R.set_state(lucid.zeros(3, dtype=lucid.uint32))
    with pytest.raises(ValueError):
        R.set_state(lucid.zeros(2))
    with pytest.raises(TypeError):
        R.set_state("state")


def test_seed_errors():
    with pytest.raises(TypeError):
        R.seed(1.5)
    with pytest.raises(TypeError):
        R.seed(True)
    with pytest.raises(ValueError):
        R.seed(2 ** 64)


@pytest.mark.parametrize("call, shape", [
    (lambda: R.rand(2, 3), (2, 3)), (lambda: R.rand((2, 3)), (2, 3)), (lambda: R.rand([4]), (4,)),
    (lambda: R.rand(size=(2, 1)), (2, 1)), (lambda: R.rand(), ()), (lambda: R.randn(32, 8), (32, 8)),
    (lambda: R.randn(0, 3), (0, 3)), (lambda: R.randint(0, 4, size=(32,)), (32,)), (lambda: R.randint(5, size=3), (3,)),
    (lambda: R.randint(1, 3, (2, 2)), (2, 2)), (lambda: R.uniform(size=(3,)), (3,)), (lambda: R.uniform(), ()),
    (lambda: R.normal(size=4), (4,)), (lambda: R.bernoulli(0.5, size=(2, 3)), (2, 3)),
    (lambda: R.permutation(7), (7,)), (lambda: R.randperm(0), (0,)),
])
def test_shapes(call, shape):
    assert call().shape == shape


def test_dtypes():
    assert R.rand(2).dtype == lucid.float32 and R.randn(2).dtype == lucid.float32
    assert R.randint(0, 3, size=(2,)).dtype == lucid.int64
    assert R.permutation(3).dtype == lucid.int64 and R.randperm(3).dtype == lucid.int64
    assert R.bernoulli(0.5, size=(2,)).dtype == lucid.float32
    for dt in (lucid.float16, lucid.bfloat16, lucid.float32, lucid.float64):
        assert R.rand(3, dtype=dt, device="cpu").dtype == dt
        assert R.randn(3, dtype=dt, device="cpu").dtype == dt
        assert R.uniform(0, 1, size=(3,), dtype=dt, device="cpu").dtype == dt
        assert R.normal(0, 1, size=(3,), dtype=dt, device="cpu").dtype == dt
    assert R.randint(0, 3, size=(2,), dtype=lucid.int32).dtype == lucid.int32
    assert R.randint(0, 3, size=(2,), dtype=lucid.float32).dtype == lucid.float32
    assert R.bernoulli(lucid.full((2,), 0.5, dtype=lucid.float16)).dtype == lucid.float16


def test_device_and_requires_grad():
    x = R.randn(3, device="cpu", requires_grad=True)
    assert x.device == "cpu" and x.requires_grad and x.is_leaf
    assert not R.rand(2).requires_grad


def test_ranges():
    u = R.rand(N).numpy()
    assert u.min() >= 0 and u.max() < 1
    v = R.uniform(-3.0, -1.0, size=(N,)).numpy()
    assert v.min() >= -3 and v.max() < -1
    i = R.randint(-2, 3, size=(N,)).numpy()
    assert set(np.unique(i)) == {-2, -1, 0, 1, 2}
    assert set(np.unique(R.bernoulli(0.3, size=(N,)).numpy())) == {0.0, 1.0}
    assert sorted(R.permutation(50).tolist()) == list(range(50))


def test_moments():
    u = R.rand(N).numpy()
    assert abs(u.mean() - 0.5) < 0.02 and abs(u.var() - 1 / 12) < 0.01
    z = R.randn(N).numpy()
    assert abs(z.mean()) < 0.05 and abs(z.std() - 1) < 0.05
    n = R.normal(2.0, 3.0, size=(N,)).numpy()
    assert abs(n.mean() - 2) < 0.15 and abs(n.std() - 3) < 0.15
    w = R.uniform(2.0, 4.0, size=(N,)).numpy()
    assert abs(w.mean() - 3) < 0.05
    b = R.bernoulli(0.3, size=(N,)).numpy()
    assert abs(b.mean() - 0.3) < 0.03
    i = R.randint(0, 10, size=(N,)).numpy()
    assert abs(i.mean() - 4.5) < 0.15


def test_bernoulli_probability_tensor():
    p = lucid.tensor([[0.0, 1.0, 0.0], [1.0, 1.0, 0.0]])
    assert R.bernoulli(p).tolist() == p.tolist()
    assert R.bernoulli(lucid.tensor([0.0, 1.0]), size=(3, 2)).tolist() == [[0.0, 1.0]] * 3
    p = lucid.full((N,), 0.8, requires_grad=True)
    out = R.bernoulli(p)
    assert not out.requires_grad and abs(out.numpy().mean() - 0.8) < 0.03


def test_normal_with_tensor_parameters_is_differentiable():
    mean = lucid.tensor([0.0, 10.0], requires_grad=True)
    std = lucid.tensor([1.0, 2.0], requires_grad=True)
    R.seed(3)
    out = R.normal(mean, std, size=(N, 2))
    assert out.shape == (N, 2)
    m = out.numpy().mean(0)
    assert abs(m[0]) < 0.1 and abs(m[1] - 10) < 0.1
    out.sum().backward()
    assert mean.grad.tolist() == [N, N]
    R.seed(3)
    noise = R.randn(N, 2).numpy()
    np.testing.assert_allclose(std.grad.numpy(), noise.sum(0), rtol=1e-4)


def test_permutation_of_tensor_shuffles_rows_differentiably():
    x = lucid.arange(12).reshape(4, 3).float().requires_grad_()
    y = R.permutation(x)
    assert sorted(map(tuple, y.tolist())) == sorted(map(tuple, x.tolist()))
    y.sum().backward()
    assert x.grad.tolist() == [[1.0] * 3] * 4


def test_like_functions():
    x = lucid.zeros(2, 3, dtype=lucid.float16)
    assert R.rand_like(x).shape == (2, 3) and R.rand_like(x).dtype == lucid.float16
    assert R.randn_like(x, dtype=lucid.float32).dtype == lucid.float32
    assert R.randn_like(lucid.zeros(2, dtype=lucid.int64)).dtype == lucid.float32
    r = R.randint_like(lucid.zeros(4, dtype=lucid.int32), 2, 5)
    assert r.dtype == lucid.int32 and set(r.tolist()) <= {2, 3, 4}


def test_generator_is_independent_of_the_global_state():
    g1, g2 = R.Generator(9), R.Generator(9)
    a = R.randn(4, generator=g1).numpy()
    R.seed(0)
    R.randn(10)  # global draws do not advance g2
    np.testing.assert_array_equal(a, R.randn(4, generator=g2).numpy())
    assert g1.initial_seed() == 9
    state = g1.get_state()
    b = R.rand(3, generator=g1).numpy()
    g1.set_state(state)
    np.testing.assert_array_equal(b, R.rand(3, generator=g1).numpy())
    with pytest.raises(TypeError):
        R.rand(2, generator=np.random.default_rng(0))


def test_seed_also_seeds_mlx_global_generator():
    R.seed(11)
    a = np.array(mx.random.uniform(shape=(3,)))
    R.seed(11)
    np.testing.assert_array_equal(a, np.array(mx.random.uniform(shape=(3,))))


@pytest.mark.parametrize("fn, exc", [
    (lambda: R.rand(-1), ValueError), (lambda: R.rand(2.0), TypeError),
    (lambda: R.rand(2, dtype=lucid.int32), TypeError),
    (lambda: R.uniform(1.0, 0.0, size=(2,)), ValueError),
    (lambda: R.randint(3, 3, size=(2,)), ValueError), (lambda: R.randint(0, 3), TypeError),
    (lambda: R.randint(0.5, 3, size=(2,)), TypeError), (lambda: R.normal(0.0, -1.0, size=(2,)), ValueError),
    (lambda: R.normal("a", 1.0), TypeError), (lambda: R.bernoulli(1.5), ValueError),
    (lambda: R.bernoulli("p"), TypeError), (lambda: R.permutation(-1), ValueError),
    (lambda: R.permutation(lucid.tensor(1.0)), ValueError), (lambda: R.randperm(lucid.zeros(2)), TypeError),
    (lambda: R.rand_like([1.0]), TypeError), (lambda: R.uniform("a", 1.0), TypeError),
])
def test_bad_input_raises(fn, exc):
    with pytest.raises(exc):
        fn()



def test_pytorch_top_level_spellings():
    names = ["Generator", "bernoulli", "initial_seed", "manual_seed", "normal", "rand", "rand_like", "randint",
             "randint_like", "randn", "randn_like", "randperm", "seed"]
    for name in names:
        assert getattr(lucid, name) is getattr(lucid.random, name), name
    assert lucid.get_rng_state is lucid.random.get_state and lucid.set_rng_state is lucid.random.set_state
    lucid.manual_seed(3)
    a = lucid.randn(2, 3)
    lucid.manual_seed(3)
    assert a.tolist() == lucid.random.randn(2, 3).tolist()
