"""The new lucid.linalg ops and their backward rules never read values on the host (MLX stays lazy).

Each op runs forward and backward inside ``mx.compile`` under ``no_host_reads``: any ``mx.eval``,
``item()`` or Python ``if`` on an array value there raises. Also: zero-size and half-precision inputs.
"""

import mlx.core as mx
import numpy as np
import pytest

import lucid
import lucid.linalg as LA
from lucid._backend import checks


def _run_traced(fn, *arrays):
    def traced(*xs):
        ts = [lucid.Tensor(x).requires_grad_() for x in xs]
        out = fn(*ts)
        loss = None
        for o in out if isinstance(out, (tuple, list)) else (out,):
            if o.dtype.is_complex:
                s = lucid.real(o).sum() + lucid.imag(o).sum()
            elif o.dtype.is_floating_point and o.numel():
                s = o.sum()
            else:
                continue
            loss = s if loss is None else loss + s
        loss.backward()
        return [t.grad._data for t in ts]

    with checks.no_host_reads("a host read inside a linalg op"):
        return mx.compile(traced)(*arrays)


_rng = np.random.default_rng(0)
A = mx.array(_rng.standard_normal((2, 3, 3)) + 3 * np.eye(3))
S = mx.array((lambda a: a + np.swapaxes(a, -1, -2) + 6 * np.eye(3))(_rng.standard_normal((2, 3, 3))))
B = mx.array(_rng.standard_normal((2, 3, 2)))
TALL = mx.array(_rng.standard_normal((2, 5, 3)))

OPS = {
    "lu": (LA.lu, (A,)),
    "lu_factor_ex": (lambda a: LA.lu_factor_ex(a)[0], (A,)),
    "lu_solve": (lambda a, b: LA.lu_solve(*LA.lu_factor(a), b), (A, B)),
    "eig": (LA.eig, (A,)),
    "eigvals": (LA.eigvals, (A,)),
    "matrix_exp": (LA.matrix_exp, (A,)),
    "householder_product": (LA.householder_product, (TALL, B[..., 0])),
    "vander": (LA.vander, (B[..., 0],)),
    "ldl": (lambda a, b: LA.ldl_solve(*LA.ldl_factor(a), b), (S, B)),
    "lstsq": (lambda a, b: LA.lstsq(a, b, driver="gelsd")[:2], (TALL, mx.array(_rng.standard_normal((2, 5, 2))))),
}


@pytest.mark.parametrize("name", sorted(OPS))
def test_forward_and_backward_stay_lazy(name):
    fn, args = OPS[name]
    grads = _run_traced(fn, *args)
    assert all(g.shape == a.shape for g, a in zip(grads, args))


def test_the_probe_catches_a_host_read():
    with pytest.raises((RuntimeError, ValueError)):
        _run_traced(lambda a: a * a.sum().item(), A)


_EMPTY = {
    "lu_factor": lambda z: LA.lu_factor(z),
    "lu": lambda z: LA.lu(z),
    "lu_solve": lambda z: (LA.lu_solve(*LA.lu_factor(z), lucid.zeros(2, 0, 1)),),
    "eig": lambda z: LA.eig(z),
    "eigvals": lambda z: (LA.eigvals(z),),
    "matrix_exp": lambda z: (LA.matrix_exp(z),),
    "ldl_factor": lambda z: LA.ldl_factor(z),
    "ldl_solve": lambda z: (LA.ldl_solve(*LA.ldl_factor(z), lucid.zeros(2, 0, 1)),),
}


@pytest.mark.parametrize("name", sorted(_EMPTY))
def test_zero_size_matrices(name):
    # 0 x 0 matrices must never reach MLX's LAPACK kernels (some divide by zero on them).
    outs = _EMPTY[name](lucid.zeros(2, 0, 0))
    lucid.eval(*outs)
    assert outs[0].shape[0] == 2


@pytest.mark.parametrize("dtype", [lucid.float16, lucid.bfloat16])
def test_half_precision_is_computed_in_float32_and_returned_in_its_dtype(dtype):
    a = lucid.tensor([[4.0, 2.0], [2.0, 3.0]], dtype=dtype)
    for out in (*LA.lu(a), LA.lu_factor(a).LU, LA.matrix_exp(a), LA.ldl_factor(a).LD):
        assert out.dtype == dtype
    assert LA.eig(a).eigenvalues.dtype == lucid.complex64
    np.testing.assert_allclose(LA.matrix_exp(a).float().numpy(),
                               LA.matrix_exp(a.float()).numpy(), rtol=1e-2)
