"""addmm & co., addcmul/addcdiv, lerp, kron, block_diag, cdist, cov, corrcoef: NumPy forward, FD backward."""

import numpy as np
import pytest
from helpers import OpCase, rand, run_case

import lucid

A, B = rand(3, 4, seed=1), rand(4, 2, seed=2)
CASES = [
    OpCase("addmm", lambda i, a, b: lucid.addmm(i, a, b, beta=0.5, alpha=2.0),
           lambda i, a, b: 0.5 * i + 2.0 * a @ b, [rand(2, seed=3), A, B]),
    OpCase("addmm_beta0", lambda i, a, b: lucid.addmm(i, a, b, beta=0),
           lambda i, a, b: a @ b + 0 * np.zeros_like(i), [rand(3, 2, seed=3), A, B]),
    OpCase("addmv", lambda i, a, v: lucid.addmv(i, a, v, beta=2, alpha=-1),
           lambda i, a, v: 2 * i - a @ v, [rand(3, seed=4), A, rand(4, seed=5)]),
    OpCase("addr", lambda i, a, b: lucid.addr(i, a, b, alpha=3), lambda i, a, b: i + 3 * np.outer(a, b),
           [rand(3, 4, seed=6), rand(3, seed=7), rand(4, seed=8)]),
    OpCase("baddbmm", lambda i, a, b: lucid.baddbmm(i, a, b, beta=0.3, alpha=1.5),
           lambda i, a, b: 0.3 * i + 1.5 * a @ b, [rand(2, 3, 2, seed=9), rand(2, 3, 4, seed=10), rand(2, 4, 2)]),
    OpCase("addbmm", lambda i, a, b: lucid.addbmm(i, a, b, alpha=0.5),
           lambda i, a, b: i + 0.5 * (a @ b).sum(0), [rand(3, 2, seed=9), rand(2, 3, 4, seed=10), rand(2, 4, 2)]),
    OpCase("addcmul", lambda i, a, b: lucid.addcmul(i, a, b, value=0.7), lambda i, a, b: i + 0.7 * a * b,
           [rand(3, 1, seed=11), rand(1, 4, seed=12), rand(3, 4, seed=13)]),
    OpCase("addcdiv", lambda i, a, b: lucid.addcdiv(i, a, b, value=-2), lambda i, a, b: i - 2 * a / b,
           [rand(3, 4, seed=11), rand(3, 4, seed=12), rand(4, seed=13, low=1, high=2)]),
    OpCase("lerp_scalar", lambda a, b: lucid.lerp(a, b, 0.3), lambda a, b: a + 0.3 * (b - a),
           [rand(3, 4, seed=14), rand(3, 4, seed=15)]),
    OpCase("lerp_tensor", lucid.lerp, lambda a, b, w: a + w * (b - a),
           [rand(3, 4, seed=14), rand(4, seed=15), rand(3, 1, seed=16)]),
    OpCase("kron_2d", lucid.kron, np.kron, [rand(2, 3, seed=17), rand(3, 2, seed=18)]),
    OpCase("kron_mixed", lucid.kron, np.kron, [rand(2, seed=17), rand(2, 3, 2, seed=18)]),
    OpCase("block_diag", lambda a, b, c: lucid.block_diag(a, b, c),
           lambda a, b, c: _block_diag([a.reshape(1, -1), b, c.reshape(1, 1)]),
           [rand(3, seed=19), rand(2, 2, seed=20), rand(seed=21)]),
    OpCase("cov", lucid.cov, np.cov, [rand(3, 6, seed=22)]),
    OpCase("cov_1d", lucid.cov, np.cov, [rand(6, seed=22)]),
    OpCase("cov_weights", lambda x: lucid.cov(x, correction=0, fweights=lucid.tensor([1, 2, 1, 3, 1]),
                                              aweights=lucid.tensor([0.5, 1.0, 2.0, 1.0, 0.3])),
           lambda x: np.cov(x, ddof=0, fweights=[1, 2, 1, 3, 1], aweights=[0.5, 1.0, 2.0, 1.0, 0.3]),
           [rand(2, 5, seed=23)]),
    OpCase("cov_aweights_bessel", lambda x: lucid.cov(x, aweights=lucid.tensor([0.5, 1.0, 2.0, 1.0, 0.3])),
           lambda x: np.cov(x, aweights=[0.5, 1.0, 2.0, 1.0, 0.3]), [rand(2, 5, seed=23)]),
    OpCase("corrcoef", lucid.corrcoef, np.corrcoef, [rand(3, 6, seed=24)]),
]


def _block_diag(ms):
    out = np.zeros((sum(m.shape[0] for m in ms), sum(m.shape[1] for m in ms)))
    r = c = 0
    for m in ms:
        out[r:r + m.shape[0], c:c + m.shape[1]] = m
        r, c = r + m.shape[0], c + m.shape[1]
    return out


def _cdist_ref(p):
    def ref(a, b):
        d = np.abs(a[..., :, None, :] - b[..., None, :, :])
        if p == 0:
            return (d != 0).sum(-1).astype(np.float64)
        if p == np.inf:
            return d.max(-1)
        return (d ** p).sum(-1) ** (1 / p)
    return ref


for p in (0, 1, 2, 3.5, float("inf")):
    CASES.append(OpCase(f"cdist_p{p}", lambda a, b, p=p: lucid.cdist(a, b, p=p), _cdist_ref(p),
                        [rand(2, 4, 3, seed=25), rand(5, 3, seed=26)], grad=p != 0, grad_atol=1e-5))


@pytest.mark.parametrize("case", CASES, ids=str)
def test_op(case):
    run_case(case)


def test_methods_and_beta_zero_ignores_nan():
    a, b = lucid.ones(2, 3), lucid.ones(3, 2)
    nan = lucid.full((2, 2), float("nan"))
    assert nan.addmm(a, b, beta=0).tolist() == [[3.0, 3.0], [3.0, 3.0]]
    assert lucid.ones(2).lerp(lucid.zeros(2), 0.5).tolist() == [0.5, 0.5]


def test_cdist_gradient_at_zero_distance_is_finite():
    x = lucid.tensor([[1.0, 2.0]], requires_grad=True)
    lucid.cdist(x, lucid.tensor([[1.0, 2.0]])).sum().backward()
    assert np.isfinite(x.grad.numpy()).all()


def test_bad_inputs():
    with pytest.raises(ValueError):
        lucid.addmm(lucid.zeros(2), lucid.zeros(2, 3), lucid.zeros(2, 3))
    with pytest.raises(TypeError):
        lucid.addmm(lucid.zeros(2), lucid.zeros(2, 3), lucid.zeros(3, 2), beta="1")
    with pytest.raises(ValueError):
        lucid.addr(lucid.zeros(2, 2), lucid.zeros(2, 1), lucid.zeros(2))
    with pytest.raises(TypeError):
        lucid.addcdiv(lucid.zeros(2), lucid.tensor([1, 2]), lucid.tensor([1, 2]))
    with pytest.raises(ValueError):
        lucid.cdist(lucid.zeros(2, 3), lucid.zeros(2, 4))
    with pytest.raises(ValueError):
        lucid.cdist(lucid.zeros(2, 3), lucid.zeros(2, 3), p=-1)
    with pytest.raises(ValueError):
        lucid.block_diag(lucid.zeros(1, 1, 1))
    with pytest.raises(ValueError):
        lucid.cov(lucid.zeros(2, 2, 2))
    with pytest.raises(ValueError):
        lucid.cov(lucid.zeros(2, 3), aweights=lucid.ones(2))
