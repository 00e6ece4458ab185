"""lucid.linalg.eig / eigvals: values against NumPy, gradients against finite differences."""

import numpy as np
import pytest

import lucid
import lucid.linalg as LA


def _a(seed, shape=(4, 4)):
    return np.random.default_rng(seed).standard_normal(shape)


def _sorted(w):
    return np.sort_complex(np.asarray(w).reshape(-1, w.shape[-1])).reshape(w.shape)


@pytest.mark.parametrize("shape", [(1, 1), (4, 4), (2, 3, 5, 5)])
@pytest.mark.parametrize("dtype", [lucid.float32, lucid.float64])
def test_eig_values_and_vectors(shape, dtype):
    a = _a(len(shape), shape)
    w, v = LA.eig(lucid.tensor(a, dtype=dtype))
    assert w.dtype == lucid.complex64 and v.dtype == lucid.complex64
    assert w.shape == shape[:-1] and v.shape == shape
    wn, vn = w.numpy(), v.numpy()
    np.testing.assert_allclose(_sorted(wn), _sorted(np.linalg.eigvals(a)), atol=2e-5)
    np.testing.assert_allclose(a @ vn, vn * wn[..., None, :], atol=2e-5)  # A V = V diag(w)
    np.testing.assert_allclose(np.linalg.norm(vn, axis=-2), 1.0, atol=1e-5)  # unit columns, as LAPACK


def test_eig_of_rotation_is_complex_pair():
    w, _ = LA.eig(lucid.tensor([[0.0, -1.0], [1.0, 0.0]]))
    np.testing.assert_allclose(_sorted(w.numpy()), [-1j, 1j], atol=1e-6)


def test_eigvals_matches_eig_and_numpy():
    a = _a(3, (2, 4, 4))
    np.testing.assert_allclose(_sorted(LA.eigvals(lucid.tensor(a)).numpy()), _sorted(np.linalg.eigvals(a)),
                               atol=2e-5)
    assert LA.eigvals(lucid.tensor(a)).dtype == lucid.complex64


def _numerical(fn, a, eps=1e-3):
    g = np.zeros_like(a)
    for i in np.ndindex(a.shape):
        d = np.zeros_like(a)
        d[i] = eps
        g[i] = (fn(lucid.tensor(a + d)).item() - fn(lucid.tensor(a - d)).item()) / (2 * eps)
    return g


def test_eig_gradient_through_values_and_gauge_invariant_vectors():
    # complex64 results carry single precision, so a central difference with a large step is the reference.
    rng = np.random.default_rng(4)
    a = _a(5)
    c1, c2, c3 = (lucid.tensor(rng.standard_normal(s)) for s in ((4,), (4,), (4, 4)))

    def f(x):
        w, v = LA.eig(x)
        return (lucid.real(w) * c1).sum() + (lucid.imag(w) * c2).sum() + ((v.abs() ** 2) * c3).sum()

    x = lucid.tensor(a, requires_grad=True)
    f(x).backward()
    assert x.grad.dtype == lucid.float64
    np.testing.assert_allclose(x.grad.numpy(), _numerical(f, a), atol=2e-3, rtol=1e-2)


def test_eigvals_gradient_batched():
    rng = np.random.default_rng(6)
    a = _a(7, (2, 3, 3))
    c1, c2 = lucid.tensor(rng.standard_normal((2, 3))), lucid.tensor(rng.standard_normal((2, 3)))

    def f(x):
        w = LA.eigvals(x)
        return (lucid.real(w) * c1).sum() + (lucid.imag(w) * c2).sum()

    x = lucid.tensor(a, requires_grad=True)
    f(x).backward()
    np.testing.assert_allclose(x.grad.numpy(), _numerical(f, a), atol=2e-3, rtol=1e-2)
    # the trace's gradient is the identity: sum of eigenvalues = trace(A)
    y = lucid.tensor(a[0], requires_grad=True)
    lucid.real(LA.eigvals(y)).sum().backward()
    np.testing.assert_allclose(y.grad.numpy(), np.eye(3), atol=1e-5)


def test_bad_inputs():
    with pytest.raises(ValueError, match="square"):
        LA.eig(lucid.ones(2, 3))
    with pytest.raises(TypeError, match="floating-point"):
        LA.eigvals(lucid.tensor([[1, 0], [0, 1]]))
    with pytest.raises(ValueError, match="at least 2 dimensions"):
        LA.eig(lucid.ones(3))
