"""cosine_similarity's one-rule forward and backward against NumPy and finite differences."""

import numpy as np
import pytest
from helpers import check_op, rand

import lucid
import lucid.nn.functional as F


def _ref(dim, eps=1e-8):
    def ref(a, b):
        a, b = np.broadcast_arrays(a, b)
        n1 = np.maximum(np.sqrt((a * a).sum(dim)), eps)
        n2 = np.maximum(np.sqrt((b * b).sum(dim)), eps)
        return (a * b).sum(dim) / (n1 * n2)
    return ref


@pytest.mark.parametrize("s1,s2,dim", [((4, 5), (4, 5), 1), ((3, 1), (3, 4), 1), ((5,), (2, 3, 5), -1),
                                       ((2, 1, 3), (4, 3), 0)])
def test_cosine_similarity_values_and_gradients(s1, s2, dim):
    a, b = rand(*s1, seed=1), rand(*s2, seed=2)
    check_op(lambda x, y: F.cosine_similarity(x, y, dim=dim), _ref(dim), [a, b], grad_atol=1e-5)


def test_cosine_similarity_below_eps_gets_no_norm_gradient():
    # |x1| = 0.05 < eps: the norm is clamped to eps, so only the x2 / (n1 n2) part remains.
    x1 = lucid.tensor([[0.03, 0.04]], requires_grad=True)
    x2 = lucid.tensor([[1.0, 2.0]], requires_grad=True)
    F.cosine_similarity(x1, x2, eps=0.1).sum().backward()
    n2 = np.sqrt(5.0)
    np.testing.assert_allclose(x1.grad.numpy(), [[1.0 / (0.1 * n2), 2.0 / (0.1 * n2)]], rtol=1e-5)
    z = lucid.zeros(1, 2, requires_grad=True)
    F.cosine_similarity(z, x2).sum().backward()
    assert np.isfinite(z.grad.numpy()).all()
