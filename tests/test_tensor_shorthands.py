"""Tensor's PyTorch shorthands: ``x.float()`` is ``x.astype(float32)``, ``x.cpu()`` is ``x.to("cpu")``, ..."""

import numpy as np
import pytest

import lucid

DTYPES = {"float": lucid.float32, "double": lucid.float64, "half": lucid.float16, "bfloat16": lucid.bfloat16,
          "long": lucid.int64, "int": lucid.int32, "bool": lucid.bool}


@pytest.mark.parametrize("name", sorted(DTYPES))
def test_dtype_shorthand_converts_and_keeps_values(name):
    x = lucid.tensor([0.0, 1.0, 2.0])
    y = getattr(x, name)()
    assert y.dtype == DTYPES[name]
    want = np.array([0.0, 1.0, 2.0])
    np.testing.assert_array_equal(y.numpy().astype(np.float64), (want != 0) if name == "bool" else want)
    assert getattr(y, name)() is y  # nothing to change: the tensor itself


def test_dtype_shorthand_is_differentiable_between_floats():
    x = lucid.tensor([1.0, 2.0], dtype=lucid.float16, requires_grad=True)
    (x.float() * 3).sum().backward()
    assert x.grad.dtype == lucid.float16 and x.grad.tolist() == [3.0, 3.0]


def test_device_shorthands():
    x = lucid.ones(2, device="cpu")
    assert x.cpu() is x
    for name in ("gpu", "cuda"):
        if lucid.gpu_available():
            assert getattr(x, name)().device == "gpu"
        else:
            with pytest.raises(RuntimeError):
                getattr(x, name)()


@pytest.mark.parametrize("name", sorted(DTYPES) + ["cpu", "gpu", "cuda"])
def test_shorthand_is_a_named_documented_method(name):
    method = getattr(lucid.Tensor, name)
    assert method.__name__ == name and method.__qualname__ == f"Tensor.{name}"
    assert "Examples:" in method.__doc__
