"""lucid.set_default_dtype / get_default_dtype: which creation functions follow it."""

import numpy as np
import pytest

import lucid
import lucid.nn as nn


@pytest.fixture
def default_dtype():
    """Restore the default dtype and device after the test, whatever it set."""
    dtype, device = lucid.get_default_dtype(), lucid.get_default_device()
    yield
    lucid.set_default_dtype(dtype)
    lucid.set_default_device(device)


FLOAT_MAKERS = {
    "tensor(float)": lambda: lucid.tensor(1.5),
    "tensor(list)": lambda: lucid.tensor([[1.0, 2.0]]),
    "tensor(mixed list)": lambda: lucid.tensor([1, 2.5]),
    "zeros": lambda: lucid.zeros(2, 3),
    "ones": lambda: lucid.ones(2),
    "empty": lambda: lucid.empty(2),
    "full(float)": lambda: lucid.full((2,), 0.5),
    "eye": lambda: lucid.eye(2),
    "arange(float)": lambda: lucid.arange(0, 1, 0.25),
    "linspace": lambda: lucid.linspace(0, 1, 5),
    "logspace": lambda: lucid.logspace(0, 1, 3),
    "rand": lambda: lucid.rand(3),
    "randn": lambda: lucid.randn(3),
    "Linear.weight": lambda: nn.Linear(2, 3).weight,
    "Linear.bias": lambda: nn.Linear(2, 3).bias,
    "Conv2d.weight": lambda: nn.Conv2d(1, 2, 3).weight,
    "BatchNorm1d.running_var": lambda: nn.BatchNorm1d(3).running_var,
    "Embedding.weight": lambda: nn.Embedding(4, 2).weight,
}


def test_starts_as_float32():
    assert lucid.get_default_dtype() is lucid.float32
    assert all(make().dtype == lucid.float32 for make in FLOAT_MAKERS.values())


@pytest.mark.parametrize("dtype", ["float64", "float16", "bfloat16"])
def test_float_creation_follows_the_default(default_dtype, dtype):
    lucid.set_default_device("cpu")  # float64 lives on the CPU
    target = getattr(lucid, dtype)
    lucid.set_default_dtype(target)
    assert lucid.get_default_dtype() is target
    wrong = {name: make().dtype for name, make in FLOAT_MAKERS.items() if make().dtype != target}
    assert not wrong


def test_float64_default_keeps_full_precision(default_dtype):
    lucid.set_default_device("cpu")
    lucid.set_default_dtype(lucid.float64)
    assert lucid.tensor(0.1).item() == 0.1
    np.testing.assert_array_equal(lucid.arange(0, 1, 0.1).numpy(), np.arange(0, 1, 0.1))


def test_other_dtypes_do_not_follow(default_dtype):
    lucid.set_default_device("cpu")
    lucid.set_default_dtype(lucid.float64)
    assert lucid.tensor([1, 2]).dtype == lucid.int64
    assert lucid.arange(3).dtype == lucid.int64
    assert lucid.full((1,), 2).dtype == lucid.int64
    assert lucid.full((1,), True).dtype == lucid.bool_
    assert lucid.tensor(np.ones(2, np.float32)).dtype == lucid.float32  # NumPy keeps its dtype
    assert lucid.zeros(2, dtype=lucid.float32).dtype == lucid.float32
    x16 = lucid.ones(2, dtype=lucid.float16)
    assert (x16 * 2.5).dtype == lucid.float16  # Python numbers do not widen a tensor


@pytest.mark.parametrize("bad", [lucid.int64, lucid.int32, lucid.bool_, lucid.complex64, "int64", int, "nope"])
def test_only_floating_dtypes_are_accepted(bad):
    with pytest.raises(TypeError, match="floating-point"):
        lucid.set_default_dtype(bad)
    assert lucid.get_default_dtype() is lucid.float32


def test_accepts_names_and_numpy_dtypes(default_dtype):
    lucid.set_default_dtype("float16")
    assert lucid.get_default_dtype() is lucid.float16
    lucid.set_default_dtype(np.float32)
    assert lucid.get_default_dtype() is lucid.float32
