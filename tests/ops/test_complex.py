"""real, imag, conj, view_as_real, view_as_complex: values, PyTorch's complex-gradient convention, errors."""

import numpy as np
import pytest

import lucid

Z = np.array([1 + 2j, -3 + 0.5j, 0.25 - 4j], dtype=np.complex64)


def test_values_match_numpy():
    z = lucid.tensor(Z)
    np.testing.assert_array_equal(lucid.real(z).numpy(), Z.real)
    np.testing.assert_array_equal(z.real.numpy(), Z.real)
    np.testing.assert_array_equal(lucid.imag(z).numpy(), Z.imag)
    np.testing.assert_array_equal(z.imag.numpy(), Z.imag)
    np.testing.assert_array_equal(z.conj().numpy(), Z.conj())
    np.testing.assert_array_equal(lucid.view_as_real(z).numpy(), np.stack([Z.real, Z.imag], -1))
    np.testing.assert_array_equal(lucid.view_as_complex(lucid.view_as_real(z)).numpy(), Z)


def test_real_tensors_pass_through_real_and_conj():
    x = lucid.tensor([1.0, 2.0])
    assert lucid.real(x) is x and lucid.conj(x) is x
    with pytest.raises(TypeError, match="complex"):
        lucid.imag(x)
    with pytest.raises(TypeError, match="complex"):
        lucid.view_as_real(x)
    with pytest.raises(ValueError, match="size 2"):
        lucid.view_as_complex(lucid.ones(3))


def test_gradients_follow_the_conjugate_convention():
    # L = sum(a * Re(z) + b * Im(z) + c * Re(conj(z) * k)); dL/dz = dL/dRe + i dL/dIm.
    a, b = np.array([0.5, -1.0, 2.0]), np.array([1.5, 0.25, -0.75])
    z = lucid.tensor(Z, requires_grad=True)
    (z.real * lucid.tensor(a, dtype=lucid.float32) + z.imag * lucid.tensor(b, dtype=lucid.float32)).sum().backward()
    np.testing.assert_allclose(z.grad.numpy(), a + 1j * b, rtol=1e-6)

    z = lucid.tensor(Z, requires_grad=True)
    (lucid.imag(z.conj()) * lucid.tensor(b, dtype=lucid.float32)).sum().backward()
    np.testing.assert_allclose(z.grad.numpy(), -1j * b, rtol=1e-6)

    z = lucid.tensor(Z, requires_grad=True)
    w = np.arange(6, dtype=np.float32).reshape(3, 2)
    (lucid.view_as_real(z) * lucid.tensor(w)).sum().backward()
    np.testing.assert_allclose(z.grad.numpy(), w[:, 0] + 1j * w[:, 1])

    x = lucid.tensor(np.stack([Z.real, Z.imag], -1), requires_grad=True)
    (lucid.view_as_complex(x).imag * lucid.tensor(b, dtype=lucid.float32)).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.stack([np.zeros(3), b], -1), rtol=1e-6)


def _fd(loss, z):
    """dL/dRe + i dL/dIm by central differences (float64)."""
    z = z.astype(np.complex128)
    g = np.zeros_like(z)
    for i in range(z.size):
        for unit in (1.0, 1j):
            zp, zm = z.copy(), z.copy()
            zp.flat[i] += unit * 1e-6
            zm.flat[i] -= unit * 1e-6
            g.flat[i] += unit * (loss(zp) - loss(zm)) / 2e-6
    return g


@pytest.mark.parametrize("op", ["mul", "div"])
def test_product_and_quotient_gradients_are_conjugated(op):
    a = np.array([1 + 2j, -0.5 + 1j], dtype=np.complex64)
    b = np.array([3 - 1j, 0.25 + 2j], dtype=np.complex64)
    w = np.array([0.7, -1.3])
    f = (lambda x, y: x * y) if op == "mul" else (lambda x, y: x / y)
    ta, tb = lucid.tensor(a, requires_grad=True), lucid.tensor(b, requires_grad=True)
    (f(ta, tb).real * lucid.tensor(w, dtype=lucid.float32) + lucid.imag(f(ta, tb))).sum().backward()

    def loss_a(x):
        y = f(x, b.astype(np.complex128))
        return float((y.real * w + y.imag).sum())

    def loss_b(y_):
        y = f(a.astype(np.complex128), y_)
        return float((y.real * w + y.imag).sum())

    np.testing.assert_allclose(ta.grad.numpy(), _fd(loss_a, a), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(tb.grad.numpy(), _fd(loss_b, b), rtol=1e-5, atol=1e-5)


def test_real_times_complex_gives_the_real_part_of_the_gradient():
    x = lucid.tensor([2.0, -1.0], requires_grad=True)
    c = lucid.tensor(np.array([1 + 1j, 2 - 3j], dtype=np.complex64))
    lucid.imag(x * c).sum().backward()
    assert x.grad.dtype == lucid.float32 and x.grad.tolist() == [1.0, -3.0]
