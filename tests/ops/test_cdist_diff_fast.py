"""cdist's matrix-product path (PyTorch's compute_mode) and diff's one-rule backward."""

import numpy as np
import pytest
from helpers import check_op, rand

import lucid


def _cdist_ref(a, b):
    return np.sqrt(((a[..., :, None, :] - b[..., None, :, :]) ** 2).sum(-1))


@pytest.mark.parametrize("mode", [None, "use_mm_for_euclid_dist_if_necessary", "use_mm_for_euclid_dist",
                                  "donot_use_mm_for_euclid_dist"])
def test_cdist_modes_match_the_direct_distances(mode):
    a, b = rand(30, 4, seed=1), rand(27, 4, seed=2)  # > 25 rows: the default takes the matrix product
    check_op(lambda x, y: lucid.cdist(x, y, compute_mode=mode), _cdist_ref, [a, b], grad_atol=1e-5)


def test_cdist_mm_batched_and_zero_distance_gradient():
    a = rand(2, 26, 3, seed=3)
    check_op(lambda x, y: lucid.cdist(x, y), _cdist_ref, [a, rand(2, 5, 3, seed=4)], grad_atol=1e-5)
    x = lucid.tensor(rand(26, 3, seed=5), requires_grad=True)
    d = lucid.cdist(x, x)  # zero on the diagonal
    assert np.allclose(np.diag(d.numpy()), 0, atol=1e-6)
    d.sum().backward()
    assert np.isfinite(x.grad.numpy()).all()


def test_cdist_bad_mode():
    with pytest.raises(ValueError, match="compute_mode"):
        lucid.cdist(lucid.ones(2, 2), lucid.ones(2, 2), compute_mode="fast")


@pytest.mark.parametrize("n,dim", [(1, 0), (1, 1), (2, -1), (3, 0)])
def test_diff_values_and_gradients(n, dim):
    a = rand(5, 6, seed=n)
    check_op(lambda x: lucid.diff(x, n=n, dim=dim), lambda v: np.diff(v, n=n, axis=dim), [a])


def test_diff_with_prepend_append_gradients():
    a, pre = rand(4, 3, seed=7), rand(1, 3, seed=8)
    check_op(lambda x, p: lucid.diff(x, dim=0, prepend=p), lambda v, p: np.diff(v, axis=0, prepend=p), [a, pre])
