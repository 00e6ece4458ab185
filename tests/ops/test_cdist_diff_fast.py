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


def test_cdist_mm_broadcast_batch_dims_reduce_the_gradients():
    a, b = rand(2, 1, 26, 3, seed=6), rand(3, 4, 3, seed=7)  # batch dims (2, 1) and (3,) broadcast to (2, 3)
    check_op(lambda x, y: lucid.cdist(x, y), _cdist_ref, [a, b], grad_atol=1e-5)


def test_cdist_mm_fused_float32_matches_the_float64_rule():
    # 160 x 150 distances: past FUSE_MIN_SIZE, so the float32 tails run as compiled kernels.
    from lucid._backend import fusion

    a, b, g = rand(160, 8, seed=10), rand(150, 8, seed=11), rand(160, 150, seed=12)
    assert a.shape[0] * b.shape[0] >= fusion.FUSE_MIN_SIZE
    grads = {}
    for dtype in (lucid.float32, lucid.float64):
        x = lucid.tensor(a, dtype=dtype, requires_grad=True)
        y = lucid.tensor(b, dtype=dtype, requires_grad=True)
        d = lucid.cdist(x, y)
        (d * lucid.tensor(g, dtype=dtype)).sum().backward()
        grads[dtype] = (d.numpy(), x.grad.numpy(), y.grad.numpy())
    for got, want in zip(grads[lucid.float32], grads[lucid.float64]):
        assert np.isfinite(got).all()
        np.testing.assert_allclose(got, want, rtol=2e-3, atol=2e-3)
    np.testing.assert_allclose(grads[lucid.float64][0], _cdist_ref(a, b), atol=1e-10)


def test_cdist_mm_nan_rows_stay_nan():
    a = rand(26, 2, seed=8)
    a[3, 0] = np.nan
    d = lucid.cdist(lucid.tensor(a), lucid.tensor(rand(4, 2, seed=9))).numpy()
    assert np.isnan(d[3]).all() and np.isfinite(np.delete(d, 3, axis=0)).all()


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


@pytest.mark.parametrize("n", [31, 32, 33, 100, 1000])
@pytest.mark.parametrize("right", [False, True])
def test_searchsorted_bisection_matches_numpy(n, right):
    rng = np.random.default_rng(n)
    seq = np.sort(rng.integers(0, 50, n)).astype(np.float32)  # with repeats
    vals = rng.integers(-5, 55, (4, 50)).astype(np.float32)
    got = lucid.searchsorted(lucid.tensor(seq), lucid.tensor(vals), right=right).numpy()
    np.testing.assert_array_equal(got, np.searchsorted(seq, vals, side="right" if right else "left"))
    batched = np.sort(rng.random((3, n)), axis=1).astype(np.float32)
    queries = rng.random((3, 9)).astype(np.float32)
    got = lucid.searchsorted(lucid.tensor(batched), lucid.tensor(queries), right=right).numpy()
    expected = np.stack([np.searchsorted(batched[i], queries[i], side="right" if right else "left")
                         for i in range(3)])
    np.testing.assert_array_equal(got, expected)


def test_searchsorted_bisection_and_mask_agree_on_nans():
    from lucid.ops.statistics import _binary_search, _count_below

    seq = np.sort(np.random.default_rng(0).random(64)).astype(np.float32)
    seq[-4:] = np.nan
    vals = np.array([np.nan, 0.5, -1.0, 2.0], np.float32)
    for right in (False, True):
        a = np.array(_binary_search(lucid.tensor(seq)._data, lucid.tensor(vals)._data, right))
        b = np.array(_count_below(lucid.tensor(seq)._data, lucid.tensor(vals)._data, right))
        np.testing.assert_array_equal(a, b)
