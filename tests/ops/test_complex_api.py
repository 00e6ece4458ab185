"""angle / complex / polar, and complex gradients under PyTorch's convention (dL/dRe + i dL/dIm).

Every gradient is checked against central finite differences taken separately
along the real and the imaginary part of each input element.
"""

import math

import numpy as np
import pytest

import lucid

RNG = np.random.default_rng(7)


def _cplx(*shape, lo=0.4, hi=1.3):
    return (RNG.uniform(lo, hi, shape) + 1j * RNG.uniform(lo, hi, shape)).astype(np.complex64)


def _loss(fn, arrays, c):
    out = fn(*[lucid.tensor(a) for a in arrays])
    prod = out * lucid.tensor(c) if out.is_complex() else out * lucid.tensor(c.real.astype(np.float32))
    return lucid.real(prod.sum())


def check_complex_grad(fn, arrays, eps=1e-3, atol=5e-3, rtol=1e-2):
    """Analytic gradients of ``Re(sum(fn(*xs) * c))`` against finite differences in Re and Im."""
    tens = [lucid.tensor(a, requires_grad=True) for a in arrays]
    out = fn(*tens)
    c = _cplx(*out.shape, lo=-1.0, hi=1.0)
    prod = out * lucid.tensor(c) if out.is_complex() else out * lucid.tensor(c.real.astype(np.float32))
    lucid.real(prod.sum()).backward()
    for k, a in enumerate(arrays):
        numeric = np.zeros(a.shape, np.complex128)
        units = (1, 1j) if np.iscomplexobj(a) else (1,)
        for idx in np.ndindex(a.shape):
            for unit in units:
                step = np.zeros(a.shape, a.dtype)
                step[idx] = eps * unit
                plus = [b + step if j == k else b for j, b in enumerate(arrays)]
                minus = [b - step if j == k else b for j, b in enumerate(arrays)]
                diff = _loss(fn, plus, c).item() - _loss(fn, minus, c).item()
                numeric[idx] += unit * diff / (2 * eps)
        got = tens[k].grad.numpy()
        np.testing.assert_allclose(got, numeric if np.iscomplexobj(a) else numeric.real, atol=atol, rtol=rtol,
                                   err_msg=f"input {k}")


HOLOMORPHIC = {
    "exp": lambda z: z.exp(),
    "log": lambda z: z.log(),
    "log2": lucid.log2,
    "log10": lucid.log10,
    "log1p": lucid.log1p,
    "exp2": lucid.exp2,
    "sqrt": lambda z: z.sqrt(),
    "rsqrt": lucid.rsqrt,
    "square": lambda z: z.square(),
    "reciprocal": lucid.reciprocal,
    "sin": lambda z: z.sin(),
    "cos": lambda z: z.cos(),
    "tan": lucid.tan,
    "sinh": lucid.sinh,
    "cosh": lucid.cosh,
    "tanh": lambda z: z.tanh(),
    "arcsin": lambda z: lucid.arcsin(z * 0.3),
    "arctan": lambda z: lucid.arctan(z * 0.3),
    "pow_int": lambda z: z ** 3,
    "pow_float": lambda z: z ** 1.5,
    "prod": lambda z: z.prod(dim=0),
}


@pytest.mark.parametrize("name", sorted(HOLOMORPHIC))
def test_holomorphic_unary_gradients_are_conjugated(name):
    check_complex_grad(HOLOMORPHIC[name], [_cplx(2, 3)])


@pytest.mark.parametrize("name,fn", [
    ("mul", lambda a, b: a * b), ("div", lambda a, b: a / b), ("pow", lambda a, b: a ** b),
    ("matmul", lambda a, b: a @ b), ("add", lambda a, b: a + b),
])
def test_binary_gradients(name, fn):
    shapes = ((2, 3), (3, 2)) if name == "matmul" else ((2, 3), (2, 3))
    check_complex_grad(fn, [_cplx(*shapes[0]), _cplx(*shapes[1])])


def test_matmul_mixed_real_and_complex():
    check_complex_grad(lambda a, b: a @ b, [_cplx(2, 3), RNG.uniform(-1, 1, (3, 2)).astype(np.complex64)])


def test_non_holomorphic_abs_and_conj_and_parts():
    check_complex_grad(lambda z: z.abs(), [_cplx(2, 3)])
    check_complex_grad(lambda z: z.conj() * z, [_cplx(4)])
    check_complex_grad(lambda z: lucid.real(z) * lucid.imag(z), [_cplx(4)])


# -- angle --------------------------------------------------------------------------------

def test_angle_values():
    z = np.array([1j, -1 + 0j, 1 + 1j, -1 - 1j, 0j, 2 - 3j], np.complex64)
    np.testing.assert_allclose(lucid.angle(lucid.tensor(z)).numpy(), np.angle(z), rtol=1e-6)
    x = np.array([-2.0, 0.0, 3.0, -0.5], np.float32)
    out = lucid.angle(lucid.tensor(x))
    assert out.dtype == lucid.float32
    np.testing.assert_allclose(out.numpy(), np.angle(x), rtol=1e-6)
    assert math.isnan(lucid.angle(lucid.tensor([float("nan")])).item())
    assert lucid.angle(lucid.tensor([-3, 2])).dtype == lucid.float32
    assert lucid.tensor([1j]).angle().tolist() == pytest.approx([math.pi / 2])


def test_angle_gradients():
    check_complex_grad(lucid.angle, [_cplx(2, 3, lo=-1.0, hi=1.0)])
    z = lucid.tensor(np.array([0j, 1 + 0j], np.complex64), requires_grad=True)
    lucid.angle(z).sum().backward()
    assert z.grad.tolist()[0] == 0j  # 0 at the origin, as in PyTorch
    x = lucid.tensor([-1.0, 2.0], requires_grad=True)
    lucid.angle(x).sum().backward()
    assert x.grad.tolist() == [0.0, 0.0]


# -- complex / polar ----------------------------------------------------------------------

def test_complex_values_broadcast_and_gradients():
    re = RNG.uniform(-1, 1, (2, 3)).astype(np.float32)
    im = RNG.uniform(-1, 1, (3,)).astype(np.float32)
    out = lucid.complex(lucid.tensor(re), lucid.tensor(im))
    assert out.dtype == lucid.complex64 and out.shape == (2, 3)
    np.testing.assert_allclose(out.numpy(), re + 1j * im)
    check_complex_grad(lucid.complex, [re, im])


def test_polar_values_and_gradients():
    r = RNG.uniform(0.5, 2, (4,)).astype(np.float32)
    th = RNG.uniform(-3, 3, (4,)).astype(np.float32)
    out = lucid.polar(lucid.tensor(r), lucid.tensor(th))
    np.testing.assert_allclose(out.numpy(), r * np.exp(1j * th), rtol=1e-5, atol=1e-6)
    check_complex_grad(lucid.polar, [r, th])
    back = lucid.polar(lucid.abs(lucid.tensor(_cplx(3))), lucid.angle(lucid.tensor(_cplx(3))))
    assert back.dtype == lucid.complex64


def test_complex_and_polar_errors():
    with pytest.raises(TypeError, match="same dtype"):
        lucid.complex(lucid.ones(2), lucid.ones(2, dtype=lucid.float16))
    with pytest.raises(TypeError, match="real floating-point"):
        lucid.complex(lucid.tensor([1, 2]), lucid.tensor([1, 2]))
    with pytest.raises(TypeError, match="real floating-point"):
        lucid.polar(lucid.tensor([1j]), lucid.ones(1))


def test_existing_complex_parts():
    z = lucid.tensor(np.array([1 + 2j], np.complex64))
    assert lucid.real(z).tolist() == [1.0] and lucid.imag(z).tolist() == [2.0] and z.conj().tolist() == [1 - 2j]
    assert lucid.view_as_complex(lucid.view_as_real(z)).tolist() == [1 + 2j]
