"""Behaviour that follows PyTorch: shifts past the bit width, bool inputs refused, ``Tensor.unfold``."""

import numpy as np
import pytest

import lucid
from tests.helpers import check_grad, rand


@pytest.mark.parametrize("amount", [32, 36, 100])
def test_int32_left_shift_by_the_width_or_more_is_zero(amount):
    x = lucid.tensor([1, -8, 5], dtype=lucid.int32)
    assert (x << amount).tolist() == [0, 0, 0]
    assert lucid.bitwise_left_shift(x, lucid.tensor([amount] * 3, dtype=lucid.int32)).tolist() == [0, 0, 0]


def test_right_shift_by_the_width_or_more_is_the_sign_fill():
    x = lucid.tensor([1, -8, 5], dtype=lucid.int32)
    assert (x >> 36).tolist() == [0, -1, 0]
    assert (lucid.tensor([1, -1]) >> 64).tolist() == [0, -1]
    assert (lucid.tensor([200], dtype=lucid.uint8) >> 9).tolist() == [0]


def test_shifts_inside_the_width_are_unchanged():
    x = lucid.tensor([1, -8, 5], dtype=lucid.int32)
    assert (x << 3).tolist() == [8, -64, 40]
    assert (x >> 1).tolist() == [0, -4, 2]
    assert (lucid.tensor([1]) << 40).tolist() == [1 << 40]
    assert (3 << lucid.tensor([2, 70])).tolist() == [12, 0]


@pytest.mark.parametrize("fn", [
    lambda b: b << 1, lambda b: 1 >> b, lambda b: lucid.bitwise_left_shift(lucid.tensor([1]), b),
    lambda b: lucid.argmax(b), lambda b: b.argmin(), lambda b: lucid.trace(b.reshape(1, 2)),
], ids=["lshift", "rrshift", "lshift_fn", "argmax", "argmin", "trace"])
def test_bool_inputs_are_refused(fn):
    with pytest.raises(TypeError, match="bool"):
        fn(lucid.tensor([True, False]))


def test_shift_by_a_python_bool_is_refused():
    with pytest.raises(TypeError, match="bool"):
        lucid.tensor([1]) << True


@pytest.mark.parametrize("shape,dim,size,step", [
    ((7,), 0, 2, 1), ((7,), 0, 3, 2), ((3, 8), 1, 4, 3), ((5, 4), 0, 5, 1), ((2, 6, 3), -2, 2, 2), ((4,), 0, 0, 1),
])
def test_unfold_matches_numpy_windows(shape, dim, size, step):
    a = rand(*shape, seed=1)
    got = lucid.tensor(a).unfold(dim, size, step)
    d = dim % len(shape)
    n = shape[d]
    starts = range(0, n - size + 1, step)
    moved = np.moveaxis(a, d, -1)
    want = np.stack([moved[..., s:s + size] for s in starts], axis=-2)  # (..., windows, size)
    want = np.moveaxis(want, -2, d)
    assert got.shape == want.shape
    np.testing.assert_allclose(got.numpy(), want)


def test_unfold_gradient_adds_overlaps():
    check_grad(lambda t: t.unfold(1, 3, 1), [rand(2, 6, seed=2)])
    x = lucid.ones(7, requires_grad=True)
    x.unfold(0, 3, 2).sum().backward()
    assert x.grad.tolist() == [1, 1, 2, 1, 2, 1, 1]


def test_unfold_bad_arguments():
    x = lucid.ones(4)
    with pytest.raises(ValueError, match="size"):
        x.unfold(0, 5, 1)
    with pytest.raises(ValueError, match="step"):
        x.unfold(0, 2, 0)
    with pytest.raises(ValueError):
        x.unfold(1, 2, 1)
