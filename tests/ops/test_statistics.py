"""nansum/nanmean/nanmedian, quantile/nanquantile, cummax/cummin, kthvalue, diff, histograms, bincount,
searchsorted/bucketize, isin: forward vs NumPy, backward by finite differences, bad input."""

import warnings

import numpy as np
import pytest
from helpers import OpCase, rand, run_case

import lucid

NAN = float("nan")


def _with_nans(*shape, seed=0):
    a = rand(*shape, seed=seed)
    a.reshape(-1)[::3] = NAN
    return a


def _quiet_nanquantile(x, q, **kw):
    # Column 0 of _with_nans(5, 3) is all NaN on purpose (its quantile is NaN): NumPy warns about it.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanquantile(x, q, **kw)


def _nan_grad_case(name, fn, ref, shape, **kw):
    # Finite differences at NaN entries are NaN, so the gradient check runs on NaN-free data.
    return [OpCase(name, fn, ref, [_with_nans(*shape)], grad=False, **kw),
            OpCase(name + "_grad", fn, ref, [rand(*shape, seed=5)], **kw)]


def _lower_nanmedian(x, axis=None):
    def one(v):
        v = np.sort(v[~np.isnan(v)])
        return NAN if v.size == 0 else v[(v.size - 1) // 2]
    if axis is None:
        return np.array(one(x.reshape(-1)))
    return np.apply_along_axis(one, axis, x)


def _cum_ref(x, axis, is_max):
    x = np.moveaxis(x, axis, -1)
    vals, idx = np.empty_like(x), np.zeros(x.shape, dtype=np.int64)
    for pos in np.ndindex(x.shape[:-1]):
        best, bi = None, 0
        for i, v in enumerate(x[pos]):
            better = best is None or np.isnan(v) or (not np.isnan(best) and (v >= best if is_max else v <= best))
            if better:
                best, bi = v, i
            vals[pos + (i,)], idx[pos + (i,)] = best, bi
    return np.moveaxis(vals, -1, axis), np.moveaxis(idx, -1, axis)


CASES = [
    *_nan_grad_case("nansum", lucid.nansum, np.nansum, (3, 4)),
    *_nan_grad_case("nansum_dim", lambda x: lucid.nansum(x, dim=1, keepdim=True),
                    lambda x: np.nansum(x, axis=1, keepdims=True), (3, 4)),
    *_nan_grad_case("nanmean_axis", lambda x: lucid.nanmean(x, axis=0), lambda x: np.nanmean(x, axis=0), (3, 4)),
    *_nan_grad_case("nanmedian", lucid.nanmedian, _lower_nanmedian, (3, 5)),
    *_nan_grad_case("nanmedian_dim", lambda x: lucid.nanmedian(x, 1).values, lambda x: _lower_nanmedian(x, 1),
                    (4, 6)),
    OpCase("quantile_all", lambda x: lucid.quantile(x, 0.3), lambda x: np.quantile(x, 0.3), [rand(3, 5)]),
    OpCase("nanquantile_dim", lambda x: lucid.nanquantile(x, lucid.tensor([0.1, 0.5, 0.9]), dim=0, keepdim=True),
           lambda x: _quiet_nanquantile(x, [0.1, 0.5, 0.9], axis=0, keepdims=True), [_with_nans(5, 3)], grad=False),
    OpCase("nanquantile_grad", lambda x: lucid.nanquantile(x, 0.4, dim=1), lambda x: np.nanquantile(x, 0.4, axis=1),
           [rand(3, 5, seed=3)]),
    OpCase("kthvalue", lambda x: lucid.kthvalue(x, 3, dim=0).values, lambda x: np.sort(x, 0)[2], [rand(5, 3)]),
    OpCase("kthvalue_keep", lambda x: lucid.kthvalue(x, 1, keepdim=True).values,
           lambda x: np.sort(x, -1)[:, :1], [rand(3, 4)]),
    OpCase("diff", lucid.diff, np.diff, [rand(3, 5)]),
    OpCase("diff_n2_dim0", lambda x: lucid.diff(x, 2, 0), lambda x: np.diff(x, 2, 0), [rand(5, 3)]),
    OpCase("diff_pre_app", lambda x, p, a: lucid.diff(x, 1, -1, p, a),
           lambda x, p, a: np.diff(x, 1, -1, prepend=p, append=a), [rand(2, 4), rand(2, 1, seed=2), rand(2, 2)]),
]
for method in ("linear", "lower", "higher", "midpoint", "nearest"):
    CASES.append(OpCase(f"quantile_{method}", lambda x, m=method: lucid.quantile(x, lucid.tensor([0.25, 0.55]), 1,
                                                                                 interpolation=m),
                        lambda x, m=method: np.quantile(x, [0.25, 0.55], axis=1, method=m), [rand(3, 6)]))
for is_max in (True, False):
    fn = lucid.cummax if is_max else lucid.cummin
    CASES.append(OpCase(f"cum{'max' if is_max else 'min'}", lambda x, f=fn: f(x, 1),
                        lambda x, m=is_max: _cum_ref(x, 1, m), [np.round(rand(3, 6) * 2) / 2], grad=False))
    CASES.append(OpCase(f"cum{'max' if is_max else 'min'}_grad", lambda x, f=fn: f(x, dim=0).values,
                        lambda x, m=is_max: _cum_ref(x, 0, m)[0], [rand(5, 3)]))


@pytest.mark.parametrize("case", CASES, ids=str)
def test_op(case):
    run_case(case)


def test_nan_results():
    x = lucid.tensor([[NAN, NAN], [1.0, 2.0]])
    assert np.isnan(lucid.nanmean(x, 1)[0].item()) and np.isnan(lucid.nanmedian(x, 1).values[0].item())
    assert np.isnan(lucid.quantile(x, 0.5, dim=1)[1 - 1].item())
    assert lucid.quantile(x, 0.5, dim=1)[1].item() == 1.5
    assert np.isnan(lucid.nanquantile(x, 0.5, dim=1)[0].item())
    v, i = lucid.cummax(lucid.tensor([1.0, NAN, 3.0, NAN]), 0)
    assert i.tolist() == [0, 1, 1, 3] and np.isnan(v[2].item())
    assert lucid.nansum(lucid.tensor([1, 2])).item() == 3


def test_kthvalue_indices_and_median_indices():
    x = lucid.tensor([[5.0, 1.0, 4.0], [2.0, 8.0, 0.0]])
    v, i = x.kthvalue(2, dim=1)
    assert v.tolist() == [4.0, 2.0] and i.tolist() == [2, 0]
    assert lucid.nanmedian(lucid.tensor([[NAN, 7.0, 3.0]]), dim=1).indices.tolist() == [2]


def test_diff_bool_and_axis():
    assert lucid.diff(lucid.tensor([True, True, False])).tolist() == [False, True]
    assert lucid.diff(lucid.arange(6).reshape(2, 3), axis=0).tolist() == [[3, 3, 3]]
    assert lucid.diff(lucid.tensor([1, 2]), prepend=0).tolist() == [1, 1]


def test_histc_histogram():
    data = rand(50, seed=7)
    np.testing.assert_allclose(lucid.histc(lucid.tensor(data), 7, -0.5, 0.8).numpy(),
                               np.histogram(data[(data >= -0.5) & (data <= 0.8)], 7, (-0.5, 0.8))[0])
    np.testing.assert_allclose(lucid.histc(lucid.tensor(data), 5).numpy(), np.histogram(data, 5)[0])
    w = rand(50, seed=8, low=0, high=1)
    h, e = lucid.histogram(lucid.tensor(data), 6, weight=lucid.tensor(w), density=True)
    rh, re = np.histogram(data, 6, weights=w, density=True)
    np.testing.assert_allclose(h.numpy(), rh, rtol=1e-6)
    np.testing.assert_allclose(e.numpy(), re, rtol=1e-6)
    edges = np.array([-1.0, -0.2, 0.1, 1.0])
    h, e = lucid.histogram(lucid.tensor(data), lucid.tensor(edges))
    np.testing.assert_allclose(h.numpy(), np.histogram(data, edges)[0])
    assert lucid.histc(lucid.tensor([2.0, 2.0]), 4).tolist() == [0.0, 0.0, 2.0, 0.0]


def test_bincount():
    x = np.array([0, 3, 3, 1, 7])
    assert lucid.bincount(lucid.tensor(x)).tolist() == np.bincount(x).tolist()
    assert lucid.bincount(lucid.tensor(x), minlength=10).tolist() == np.bincount(x, minlength=10).tolist()
    w = rand(5)
    np.testing.assert_allclose(lucid.bincount(lucid.tensor(x), lucid.tensor(w)).numpy(), np.bincount(x, w))
    assert lucid.bincount(lucid.tensor(x)).dtype == lucid.int64
    assert lucid.bincount(lucid.tensor(np.zeros(0, dtype=np.int64)), minlength=2).tolist() == [0, 0]


def test_searchsorted_bucketize():
    seq = np.array([1.0, 2.0, 2.0, 5.0, 9.0])
    vals = rand(3, 4, low=0, high=10)
    vals[0, 0] = 2.0
    for side in ("left", "right"):
        got = lucid.searchsorted(lucid.tensor(seq), lucid.tensor(vals), side=side)
        np.testing.assert_array_equal(got.numpy(), np.searchsorted(seq, vals, side=side))
        assert got.dtype == lucid.int64
    seq2 = np.sort(rand(3, 6), -1)
    v2 = rand(3, 2, seed=4)
    got = lucid.searchsorted(lucid.tensor(seq2), lucid.tensor(v2), right=True, out_int32=True)
    assert got.dtype == lucid.int32
    np.testing.assert_array_equal(got.numpy(), [np.searchsorted(s, v, "right") for s, v in zip(seq2, v2)])
    perm = np.array([3, 0, 4, 1, 2])
    unsorted = np.empty(5)
    unsorted[perm] = seq
    got = lucid.searchsorted(lucid.tensor(unsorted), lucid.tensor(vals), sorter=lucid.tensor(np.argsort(unsorted)))
    np.testing.assert_array_equal(got.numpy(), np.searchsorted(seq, vals))
    np.testing.assert_array_equal(lucid.bucketize(lucid.tensor(vals), lucid.tensor(seq), right=True).numpy(),
                                  np.digitize(vals, seq, right=False))
    assert lucid.searchsorted(lucid.tensor(seq), 3.0).item() == 3


def test_isin():
    a, b = np.array([[1, 5], [3, 4]]), np.array([4, 1, 9])
    assert lucid.isin(lucid.tensor(a), lucid.tensor(b)).tolist() == np.isin(a, b).tolist()
    assert lucid.isin(lucid.tensor(a), lucid.tensor(b), invert=True).tolist() == np.isin(a, b, invert=True).tolist()
    assert lucid.isin(lucid.tensor(a), lucid.tensor(np.zeros(0, np.int64))).tolist() == [[False] * 2] * 2


def test_bad_inputs():
    x = lucid.ones(3, 4)
    with pytest.raises(TypeError):
        lucid.nanmean(lucid.tensor([1, 2]))
    with pytest.raises(ValueError):
        lucid.quantile(x, 1.5)
    with pytest.raises(TypeError):
        lucid.quantile(lucid.tensor([1, 2]), 0.5)
    with pytest.raises(ValueError):
        lucid.quantile(x, 0.5, interpolation="cubic")
    with pytest.raises(ValueError):
        lucid.quantile(x, lucid.tensor([0.5, 2.0]), dim=0).tolist()  # the deferred check fires at the sync
    with pytest.raises(ValueError):
        lucid.kthvalue(x, 5)
    with pytest.raises(ValueError):
        lucid.cummax(x, 2)
    with pytest.raises(TypeError):
        lucid.cummax(x)
    with pytest.raises(ValueError):
        lucid.diff(x, -1)
    with pytest.raises(ValueError):
        lucid.bincount(lucid.tensor([1, -1]))
    with pytest.raises(TypeError):
        lucid.bincount(lucid.tensor([1.0]))
    with pytest.raises(ValueError):
        lucid.bincount(lucid.tensor([[1]]))
    with pytest.raises(ValueError):
        lucid.histc(x, 0)
    with pytest.raises(ValueError):
        lucid.histc(x, 3, 2, 1)
    with pytest.raises(ValueError):
        lucid.searchsorted(lucid.ones(2, 3), lucid.ones(3, 1))
    with pytest.raises(ValueError):
        lucid.searchsorted(lucid.ones(3), lucid.ones(1), right=True, side="left")
    with pytest.raises(ValueError):
        lucid.bucketize(lucid.ones(3), lucid.ones(2, 2))
    with pytest.raises(IndexError):
        lucid.searchsorted(lucid.ones(3), lucid.ones(2), sorter=lucid.tensor([0, 1, 5])).tolist()


def test_cummax_cummin_gradient_goes_to_the_index_of_each_running_extreme():
    x = lucid.tensor([[1.0, 3.0, 2.0, 3.0], [4.0, NAN, 5.0, 1.0]], requires_grad=True)
    v, i = lucid.cummax(x, 1)
    (v * lucid.tensor([[1.0, 2.0, 3.0, 4.0], [1.0, 0.0, 0.0, 0.0]])).sum().backward()
    assert i.tolist() == [[0, 1, 1, 3], [0, 1, 1, 1]]
    assert x.grad.tolist() == [[1.0, 5.0, 0.0, 4.0], [1.0, 0.0, 0.0, 0.0]]
    y = lucid.tensor([3.0, 1.0, 1.0, 2.0], requires_grad=True)
    lucid.cummin(y, 0).values.sum().backward()
    assert y.grad.tolist() == [1.0, 1.0, 2.0, 0.0]
    assert lucid.cummax(lucid.tensor([2, 1, 5]), 0).values.tolist() == [2, 2, 5]
