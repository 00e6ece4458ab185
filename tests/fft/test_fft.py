"""lucid.fft: forward against NumPy's np.fft, backward against finite differences of NumPy's transforms.

Every transform is linear, so a loss that is linear in its output
(``sum(real(y) * w1 + imag(y) * w2)`` with random weights) has an exact
finite difference in float64: the reference gradient is computed from NumPy
alone, independently of Lucid's adjoint formulas. For a complex input the
reference is ``dL/dRe + i dL/dIm``, PyTorch's convention.
"""

from __future__ import annotations

import numpy as np
import pytest

import lucid
import lucid.fft as lfft

RNG = np.random.default_rng(0)


def _real(*shape):
    return RNG.standard_normal(shape).astype(np.float32)


def _complex(*shape):
    return (RNG.standard_normal(shape) + 1j * RNG.standard_normal(shape)).astype(np.complex64)


# name, NumPy reference, input maker, kwargs (Lucid spelling), kwargs (NumPy spelling)
CASES = [
    ("fft", np.fft.fft, lambda: _real(6), {}, {}),
    ("fft", np.fft.fft, lambda: _complex(3, 5), {"dim": 0}, {"axis": 0}),
    ("fft", np.fft.fft, lambda: _complex(6), {"n": 8, "norm": "ortho"}, {"n": 8, "norm": "ortho"}),
    ("fft", np.fft.fft, lambda: _real(2, 7), {"n": 4, "norm": "forward"}, {"n": 4, "norm": "forward"}),
    ("ifft", np.fft.ifft, lambda: _complex(2, 5), {}, {}),
    ("ifft", np.fft.ifft, lambda: _real(5), {"n": 7, "norm": "forward"}, {"n": 7, "norm": "forward"}),
    ("ifft", np.fft.ifft, lambda: _complex(6, 2), {"n": 3, "dim": 0, "norm": "ortho"},
     {"n": 3, "axis": 0, "norm": "ortho"}),
    ("rfft", np.fft.rfft, lambda: _real(8), {}, {}),
    ("rfft", np.fft.rfft, lambda: _real(3, 7), {"norm": "ortho"}, {"norm": "ortho"}),
    ("rfft", np.fft.rfft, lambda: _real(5, 3), {"n": 8, "dim": 0, "norm": "forward"},
     {"n": 8, "axis": 0, "norm": "forward"}),
    ("rfft", np.fft.rfft, lambda: _real(9), {"n": 5}, {"n": 5}),
    ("irfft", np.fft.irfft, lambda: _complex(5), {}, {}),
    ("irfft", np.fft.irfft, lambda: _complex(2, 5), {"n": 9}, {"n": 9}),
    ("irfft", np.fft.irfft, lambda: _complex(4, 3), {"n": 10, "dim": 0, "norm": "ortho"},
     {"n": 10, "axis": 0, "norm": "ortho"}),
    ("irfft", np.fft.irfft, lambda: _complex(6), {"n": 4, "norm": "forward"}, {"n": 4, "norm": "forward"}),
    ("hfft", np.fft.hfft, lambda: _complex(5), {}, {}),
    ("hfft", np.fft.hfft, lambda: _complex(3, 4), {"n": 7, "norm": "ortho"}, {"n": 7, "norm": "ortho"}),
    ("ihfft", np.fft.ihfft, lambda: _real(8), {}, {}),
    ("ihfft", np.fft.ihfft, lambda: _real(2, 7), {"n": 5, "norm": "forward"}, {"n": 5, "norm": "forward"}),
    ("fft2", np.fft.fft2, lambda: _complex(3, 4), {}, {}),
    ("fft2", np.fft.fft2, lambda: _real(2, 3, 4), {"s": (4, 2), "norm": "ortho"}, {"s": (4, 2), "norm": "ortho"}),
    ("ifft2", np.fft.ifft2, lambda: _complex(4, 3), {"dim": (0, 1), "norm": "forward"},
     {"axes": (0, 1), "norm": "forward"}),
    ("rfft2", np.fft.rfft2, lambda: _real(4, 6), {}, {}),
    ("rfft2", np.fft.rfft2, lambda: _real(3, 5, 2), {"s": (4, 7), "dim": (0, 1)}, {"s": (4, 7), "axes": (0, 1)}),
    ("irfft2", np.fft.irfft2, lambda: _complex(4, 4), {}, {}),
    ("irfft2", np.fft.irfft2, lambda: _complex(3, 4), {"s": (5, 5), "norm": "ortho"},
     {"s": (5, 5), "norm": "ortho"}),
    ("fftn", np.fft.fftn, lambda: _complex(2, 3, 4), {}, {}),
    ("fftn", np.fft.fftn, lambda: _real(2, 3, 4), {"s": (5, 2), "dim": (0, 2), "norm": "forward"},
     {"s": (5, 2), "axes": (0, 2), "norm": "forward"}),
    ("fftn", np.fft.fftn, lambda: _real(2, 3, 4), {"s": (2, 6)}, {"s": (2, 6), "axes": (1, 2)}),
    ("ifftn", np.fft.ifftn, lambda: _complex(3, 2, 2), {"dim": (-1, 0)}, {"axes": (-1, 0)}),
    ("rfftn", np.fft.rfftn, lambda: _real(3, 4, 5), {}, {}),
    ("rfftn", np.fft.rfftn, lambda: _real(3, 4, 5), {"s": (6, 3), "dim": (2, 1), "norm": "ortho"},
     {"s": (6, 3), "axes": (2, 1), "norm": "ortho"}),
    ("irfftn", np.fft.irfftn, lambda: _complex(2, 3, 4), {}, {}),
    ("irfftn", np.fft.irfftn, lambda: _complex(3, 4), {"s": (2, 5), "norm": "forward"},
     {"s": (2, 5), "axes": (0, 1), "norm": "forward"}),
    ("irfftn", np.fft.irfftn, lambda: _complex(3, 4, 2), {"s": (4, 6), "dim": (0, 1)},
     {"s": (4, 6), "axes": (0, 1)}),
]
IDS = [f"{c[0]}-{i}" for i, c in enumerate(CASES)]


def _tol(y: np.ndarray) -> float:
    return 2e-5 * max(1.0, float(np.abs(y).max()))


@pytest.mark.parametrize("name, ref, make, kw, np_kw", CASES, ids=IDS)
def test_forward_matches_numpy(name, ref, make, kw, np_kw):
    x = make()
    got = getattr(lfft, name)(lucid.tensor(x), **kw)
    want = ref(x.astype(np.complex128 if x.dtype.kind == "c" else np.float64), **np_kw)
    assert got.shape == want.shape
    assert got.dtype == (lucid.complex64 if want.dtype.kind == "c" else lucid.float32)
    np.testing.assert_allclose(got.numpy(), want, atol=_tol(want), rtol=1e-5)


def _weights(shape, seed):
    rng = np.random.default_rng(seed)
    return rng.standard_normal(shape), rng.standard_normal(shape)


def _np_loss(ref, np_kw, w1, w2):
    def loss(x):
        y = ref(x, **np_kw)
        return float((y.real * w1).sum() + (y.imag * w2).sum()) if np.iscomplexobj(y) else float((y * w1).sum())
    return loss


def _fd_grad(loss, x: np.ndarray) -> np.ndarray:
    """Central differences in float64; exact up to rounding for a loss linear in ``x``."""
    x = x.astype(np.complex128 if x.dtype.kind == "c" else np.float64)
    grad = np.zeros_like(x)
    flat, gflat = x.reshape(-1), grad.reshape(-1)
    for i in range(flat.size):
        for unit in ((1.0, 1j) if x.dtype.kind == "c" else (1.0,)):
            old = flat[i]
            flat[i] = old + unit
            up = loss(x)
            flat[i] = old - unit
            down = loss(x)
            flat[i] = old
            gflat[i] += unit * (up - down) / 2.0
    return grad


@pytest.mark.parametrize("name, ref, make, kw, np_kw", CASES, ids=IDS)
def test_backward_matches_finite_differences(name, ref, make, kw, np_kw):
    x = make()
    want_out = ref(x, **np_kw)
    w1, w2 = _weights(want_out.shape, seed=len(name))
    t = lucid.tensor(x, requires_grad=True)
    y = getattr(lfft, name)(t, **kw)
    if y.dtype == lucid.complex64:
        loss = (y.real * lucid.tensor(w1.astype(np.float32))).sum() + \
            (y.imag * lucid.tensor(w2.astype(np.float32))).sum()
    else:
        loss = (y * lucid.tensor(w1.astype(np.float32))).sum()
    loss.backward()
    want = _fd_grad(_np_loss(ref, np_kw, w1, w2), x)
    assert t.grad.dtype == t.dtype and t.grad.shape == t.shape
    np.testing.assert_allclose(t.grad.numpy(), want, atol=_tol(want), rtol=1e-4)


def test_power_spectrum_gradient():
    # d/dx sum(w * |fft(x)|^2) = 2 Re(F^H (w * X)) for real x.
    x = _real(6).astype(np.float64)
    w = RNG.uniform(0.5, 1.5, 6)
    t = lucid.tensor(x.astype(np.float32), requires_grad=True)
    (lucid.abs(lfft.fft(t)) ** 2 * lucid.tensor(w.astype(np.float32))).sum().backward()
    want = 2 * np.real(np.fft.ifft(w * np.fft.fft(x), norm="forward"))
    np.testing.assert_allclose(t.grad.numpy(), want, rtol=1e-4, atol=1e-4)


def test_float64_input_is_transformed_in_complex64_and_gets_a_float64_gradient():
    x = RNG.standard_normal(8)
    t = lucid.tensor(x, dtype=lucid.float64, device="cpu", requires_grad=True)
    y = lfft.rfft(t)
    assert y.dtype == lucid.complex64
    np.testing.assert_allclose(y.numpy(), np.fft.rfft(x), rtol=1e-5, atol=1e-5)
    (y.real).sum().backward()
    assert t.grad.dtype == lucid.float64


def test_complex_input_keeps_complex_gradient_and_real_output_of_irfft():
    z = lucid.tensor(_complex(5), requires_grad=True)
    out = lfft.irfft(z)
    assert out.dtype == lucid.float32 and out.shape == (8,)
    out.sum().backward()
    assert z.grad.dtype == lucid.complex64


@pytest.mark.parametrize("dtype", [lucid.int32, lucid.int64, lucid.bool_])
def test_integer_and_bool_inputs_promote_like_pytorch(dtype):
    x = np.array([1, 0, 1, 1])
    got = lfft.fft(lucid.tensor(x, dtype=dtype))
    assert got.dtype == lucid.complex64
    np.testing.assert_allclose(got.numpy(), np.fft.fft(x), atol=1e-6)
    assert lfft.rfft(lucid.tensor(x, dtype=dtype)).dtype == lucid.complex64


def test_half_precision_input_is_computed_in_complex64():
    x = _real(8)
    got = lfft.fft(lucid.tensor(x).half())
    assert got.dtype == lucid.complex64
    np.testing.assert_allclose(got.numpy(), np.fft.fft(x.astype(np.float16)), atol=1e-4, rtol=1e-4)


def test_axis_is_the_numpy_spelling_of_dim():
    x = lucid.tensor(_complex(3, 4))
    np.testing.assert_array_equal(lfft.fft(x, dim=0).numpy(), lfft.fft(x, axis=0).numpy())
    np.testing.assert_array_equal(lfft.rfftn(x.real, dim=(0, 1)).numpy(), lfft.rfftn(x.real, axis=(0, 1)).numpy())
    with pytest.raises(TypeError, match="not both"):
        lfft.fft(x, dim=0, axis=0)


def test_s_with_minus_one_keeps_the_input_size():
    x = _real(3, 4)
    got = lfft.fftn(lucid.tensor(x), s=(-1, 6))
    np.testing.assert_allclose(got.numpy(), np.fft.fftn(x, s=(3, 6), axes=(0, 1)), atol=1e-5)


@pytest.mark.parametrize("call, exc, match", [
    (lambda x: lfft.fft(x, norm="bad"), ValueError, "norm must be one of"),
    (lambda x: lfft.fft(x, n=0), ValueError, "invalid number of data points"),
    (lambda x: lfft.fft(x, n=2.5), TypeError, "n must be an int"),
    (lambda x: lfft.fft(x, dim=3), ValueError, "out of range"),
    (lambda x: lfft.rfft(lfft.fft(x)), TypeError, "expected a real input"),
    (lambda x: lfft.ihfft(lfft.fft(x)), TypeError, "expected a real input"),
    (lambda x: lfft.fftn(x, s=(2, 3), dim=(0,)), ValueError, "same length"),
    (lambda x: lfft.fftn(x, s=(2, 3, 4)), ValueError, "more entries"),
    (lambda x: lfft.fft2(x, dim=(0, 0)), ValueError, "repeated"),
    (lambda x: lfft.irfft(x[:, :1]), ValueError, "cannot infer the output size"),
    (lambda x: lfft.fft(lucid.tensor(1.0)), ValueError, "at least one dimension"),
    (lambda x: lfft.fft(lucid.zeros(0)), ValueError, "invalid number of data points"),
])
def test_bad_arguments_raise(call, exc, match):
    with pytest.raises(exc, match=match):
        call(lucid.tensor(_real(2, 4)))


def test_norms_round_trip():
    x = _complex(2, 6)
    for norm in ("backward", "ortho", "forward"):
        y = lfft.ifftn(lfft.fftn(lucid.tensor(x), norm=norm), norm=norm)
        np.testing.assert_allclose(y.numpy(), x, atol=1e-5)


@pytest.mark.parametrize("n, d", [(1, 1.0), (4, 1.0), (5, 0.1), (8, 2.5)])
def test_fftfreq_and_rfftfreq_match_numpy(n, d):
    np.testing.assert_allclose(lfft.fftfreq(n, d).numpy(), np.fft.fftfreq(n, d), rtol=1e-6)
    np.testing.assert_allclose(lfft.rfftfreq(n, d).numpy(), np.fft.rfftfreq(n, d), rtol=1e-6)
    f64 = lfft.fftfreq(n, d, dtype=lucid.float64, device="cpu")
    assert f64.dtype == lucid.float64 and f64.device == "cpu"
    np.testing.assert_allclose(f64.numpy(), np.fft.fftfreq(n, d), rtol=1e-15)
    assert lfft.rfftfreq(n, d).dtype == lucid.float32


def test_fftfreq_arguments():
    assert lfft.fftfreq(4, requires_grad=True).requires_grad
    with pytest.raises(ValueError, match="positive"):
        lfft.fftfreq(0)
    with pytest.raises(TypeError, match="n must be an int"):
        lfft.rfftfreq(4.0)
    with pytest.raises(ValueError, match="nonzero"):
        lfft.fftfreq(4, d=0)
    with pytest.raises(TypeError, match="floating-point"):
        lfft.fftfreq(4, dtype=lucid.int64)


@pytest.mark.parametrize("shape, dim", [((5,), None), ((4, 5), None), ((4, 5), 0), ((3, 4, 5), (-1, 0)),
                                        ((6,), -1)])
def test_shifts_match_numpy_and_invert(shape, dim):
    x = RNG.standard_normal(shape).astype(np.float32)
    np_dim = dim
    got = lfft.fftshift(lucid.tensor(x), dim=dim)
    np.testing.assert_array_equal(got.numpy(), np.fft.fftshift(x, axes=np_dim))
    np.testing.assert_array_equal(lfft.ifftshift(lucid.tensor(x), dim=dim).numpy(), np.fft.ifftshift(x, axes=np_dim))
    np.testing.assert_array_equal(lfft.ifftshift(got, axis=dim).numpy(), x)


def test_shift_gradient_is_the_inverse_shift():
    x = lucid.tensor(_real(5), requires_grad=True)
    g = RNG.standard_normal(5).astype(np.float32)
    (lfft.fftshift(x) * lucid.tensor(g)).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.fft.ifftshift(g))


def test_circular_convolution_by_fft_has_the_right_gradients():
    # y = irfft(rfft(x) * rfft(k)) is the circular convolution x (*) k; both inputs get gradients.
    x, k = _real(8).astype(np.float64), _real(8).astype(np.float64)
    w = RNG.standard_normal(8)

    def np_loss(xv, kv):
        return float((np.fft.irfft(np.fft.rfft(xv) * np.fft.rfft(kv), n=8) * w).sum())

    tx = lucid.tensor(x.astype(np.float32), requires_grad=True)
    tk = lucid.tensor(k.astype(np.float32), requires_grad=True)
    y = lfft.irfft(lfft.rfft(tx) * lfft.rfft(tk), n=8)
    direct = np.array([sum(x[j] * k[(i - j) % 8] for j in range(8)) for i in range(8)])
    np.testing.assert_allclose(y.numpy(), direct, atol=1e-5)
    (y * lucid.tensor(w.astype(np.float32))).sum().backward()
    np.testing.assert_allclose(tx.grad.numpy(), _fd_grad(lambda v: np_loss(v, k), x), atol=1e-4)
    np.testing.assert_allclose(tk.grad.numpy(), _fd_grad(lambda v: np_loss(x, v), k), atol=1e-4)
