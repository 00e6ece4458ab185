"""Creation functions against NumPy: values, shapes, dtypes, devices, requires_grad and bad arguments."""

import numpy as np
import pytest

import lucid


@pytest.mark.parametrize(("start", "end", "steps"), [
    (0, 1, 5), (-2.5, 3.0, 7), (3, -3, 4), (1.0, 1.0, 3), (0, 10, 1), (0, 1, 0), (0, 1, 2),
])
def test_linspace_matches_numpy(start, end, steps):
    got = lucid.linspace(start, end, steps)
    assert got.dtype == lucid.float32 and got.shape == (steps,)
    np.testing.assert_allclose(got.numpy(), np.linspace(start, end, steps, dtype=np.float32), rtol=1e-6, atol=1e-6)


def test_linspace_endpoints_are_exact():
    got = lucid.linspace(-1.0, 7.0, 9).tolist()
    assert got[0] == -1.0 and got[-1] == 7.0 and got[4] == 3.0


def test_linspace_dtype_device_and_grad():
    x = lucid.linspace(0, 1, 4, dtype=lucid.float64, device="cpu", requires_grad=True)
    assert x.dtype == lucid.float64 and x.device == "cpu" and x.requires_grad and x.is_leaf


@pytest.mark.parametrize("steps", [-1, 2.5, True, "3"])
def test_linspace_rejects_bad_steps(steps):
    with pytest.raises(ValueError, match="steps"):
        lucid.linspace(0, 1, steps)


@pytest.mark.parametrize(("n", "m"), [(3, None), (2, 4), (4, 2), (0, None), (1, 1)])
def test_eye_matches_numpy(n, m):
    got = lucid.eye(n, m)
    assert got.dtype == lucid.float32
    np.testing.assert_array_equal(got.numpy(), np.eye(n, m, dtype=np.float32))


def test_eye_dtype_and_bad_sizes():
    assert lucid.eye(2, dtype=lucid.int32).tolist() == [[1, 0], [0, 1]]
    with pytest.raises(ValueError, match="non-negative"):
        lucid.eye(-1)
    with pytest.raises(TypeError, match="ints"):
        lucid.eye(2.0)


LIKE_INPUTS = [
    lucid.ones(2, 3),
    lucid.ones(4, dtype=lucid.int32),
    lucid.ones((), dtype=lucid.float16),
    lucid.ones(0, 2, dtype=lucid.bool),
]


@pytest.mark.parametrize("x", LIKE_INPUTS, ids=lambda t: f"{t.dtype}{t.shape}")
@pytest.mark.parametrize(("fn", "ref"), [
    (lucid.zeros_like, np.zeros_like), (lucid.ones_like, np.ones_like), (lucid.empty_like, np.zeros_like),
    (lambda t: lucid.full_like(t, 1), lambda a: np.full_like(a, 1)),
])
def test_like_functions_keep_shape_and_dtype(x, fn, ref):
    got = fn(x)
    assert got.shape == x.shape and got.dtype == x.dtype and got.device == x.device
    np.testing.assert_array_equal(got.numpy(), ref(x.numpy()))
    assert not got.requires_grad


def test_like_functions_take_dtype_device_and_requires_grad():
    x = lucid.ones(2, dtype=lucid.int32)
    y = lucid.zeros_like(x, dtype=lucid.float32, requires_grad=True)
    assert y.dtype == lucid.float32 and y.requires_grad and y.tolist() == [0.0, 0.0]
    assert lucid.ones_like(x, device="cpu").device == "cpu"
    assert lucid.full_like(lucid.zeros(2), 2.5).tolist() == [2.5, 2.5]


def test_like_functions_do_not_follow_the_input_graph():
    x = lucid.ones(3, requires_grad=True) * 2
    y = lucid.ones_like(x)
    assert y.grad_fn is None and not y.requires_grad


@pytest.mark.parametrize("fn", [lucid.zeros_like, lucid.ones_like, lucid.empty_like])
def test_like_functions_refuse_non_tensors(fn):
    with pytest.raises(TypeError, match="expected a Tensor"):
        fn(np.zeros(3))


def test_full_keeps_the_dtype_asked_for():
    assert lucid.full((2,), 1, dtype=lucid.bool).dtype == lucid.bool
    assert lucid.full((2,), True).tolist() == [True, True]
    assert lucid.full_like(lucid.zeros(2, dtype=lucid.bool), 1).tolist() == [True, True]


@pytest.mark.parametrize("fn", [lucid.zeros, lucid.ones, lucid.empty])
def test_size_spellings(fn):
    assert fn(2, 3).shape == fn((2, 3)).shape == fn([2, 3]).shape == (2, 3)
    assert fn().shape == ()
    with pytest.raises(ValueError, match="non-negative"):
        fn(2, -1)
    with pytest.raises(TypeError, match="ints"):
        fn(2, 1.5)
