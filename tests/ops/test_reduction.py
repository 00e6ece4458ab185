import math

import numpy as np
import pytest

import lucid
from tests.helpers import OpCase, check_dtype_preserved, check_grad, rand, run_case

A = rand(3, 4, seed=1)
B3 = rand(2, 3, 4, seed=2)
V = rand(5, seed=3)
S = rand(seed=4)  # 0-d
EMPTY = rand(0, 4, seed=5)
Z = np.array([[1.5, 0.0, -2.0], [0.5, 3.0, 0.7]])  # one zero in the first row
ZZ = np.array([[0.0, 2.0, 0.0, 3.0], [1.2, -0.5, 2.0, 0.8]])  # two zeros in the first row


def _lse(x, axis=None, keepdims=False):
    m = np.max(x, axis=axis, keepdims=True)
    out = np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True)) + m
    return out if keepdims else np.squeeze(out, axis=axis) if axis is not None else out.reshape(())


def _lower_median(x, axis=None):
    if axis is None:
        return np.sort(x.reshape(-1))[(x.size - 1) // 2]
    return np.take(np.sort(x, axis=axis), (x.shape[axis] - 1) // 2, axis=axis)


CASES = [
    # sum / mean
    OpCase("sum_all", lucid.sum, np.sum, [A]),
    OpCase("sum_axis", lambda x: lucid.sum(x, axis=1), lambda x: np.sum(x, axis=1), [A]),
    OpCase("sum_dim_neg", lambda x: lucid.sum(x, dim=-1), lambda x: np.sum(x, axis=-1), [B3]),
    OpCase("sum_tuple", lambda x: lucid.sum(x, dim=(0, 2)), lambda x: np.sum(x, axis=(0, 2)), [B3]),
    OpCase("sum_keepdim", lambda x: x.sum(dim=(-1, 0), keepdim=True), lambda x: np.sum(x, axis=(0, 2), keepdims=True),
           [B3]),
    OpCase("sum_scalar", lucid.sum, np.sum, [S]),
    OpCase("sum_scalar_dim0", lambda x: lucid.sum(x, 0), np.sum, [S]),
    OpCase("sum_empty_axis", lambda x: lucid.sum(x, axis=0), lambda x: np.sum(x, axis=0), [EMPTY]),
    OpCase("sum_size1", lambda x: lucid.sum(x, axis=1), lambda x: np.sum(x, axis=1), [rand(3, 1, 2)]),
    OpCase("mean_all", lucid.mean, np.mean, [A]),
    OpCase("mean_tuple_neg", lambda x: x.mean(dim=(-1, -3)), lambda x: np.mean(x, axis=(0, 2)), [B3]),
    OpCase("mean_keepdims", lambda x: lucid.mean(x, 0, keepdims=True), lambda x: np.mean(x, 0, keepdims=True), [A]),
    OpCase("mean_empty_is_nan", lambda x: lucid.mean(x, axis=0), lambda x: np.full(4, np.nan), [EMPTY], grad=False),
    # var / std
    OpCase("var_default", lucid.var, lambda x: np.var(x, ddof=1), [A]),
    OpCase("var_dim", lambda x: lucid.var(x, dim=1), lambda x: np.var(x, axis=1, ddof=1), [A]),
    OpCase("var_corr0_tuple", lambda x: lucid.var(x, dim=(0, 2), correction=0),
           lambda x: np.var(x, axis=(0, 2)), [B3]),
    OpCase("var_unbiased_false_keep", lambda x: x.var(-1, unbiased=False, keepdim=True),
           lambda x: np.var(x, axis=-1, keepdims=True), [B3]),
    OpCase("var_corr2", lambda x: lucid.var(x, 2, correction=2), lambda x: np.var(x, axis=2, ddof=2), [B3]),
    OpCase("std_default", lucid.std, lambda x: np.std(x, ddof=1), [A]),
    OpCase("std_dim_keep", lambda x: x.std(dim=0, keepdim=True), lambda x: np.std(x, 0, ddof=1, keepdims=True), [A]),
    OpCase("std_ddof0", lambda x: lucid.std(x, axis=(1, 2), ddof=0), lambda x: np.std(x, axis=(1, 2)), [B3]),
    # prod
    OpCase("prod_all", lucid.prod, np.prod, [A]),
    OpCase("prod_dim", lambda x: lucid.prod(x, dim=1), lambda x: np.prod(x, axis=1), [A]),
    OpCase("prod_tuple", lambda x: x.prod(dim=(0, 2), keepdim=True), lambda x: np.prod(x, (0, 2), keepdims=True), [B3]),
    OpCase("prod_one_zero", lambda x: lucid.prod(x, dim=1), lambda x: np.prod(x, axis=1), [Z]),
    OpCase("prod_two_zeros", lambda x: lucid.prod(x, dim=-1), lambda x: np.prod(x, axis=-1), [ZZ]),
    OpCase("prod_all_zeros", lucid.prod, np.prod, [Z]),
    OpCase("prod_scalar", lucid.prod, np.prod, [S]),
    OpCase("prod_empty", lambda x: lucid.prod(x, dim=0), lambda x: np.prod(x, axis=0), [EMPTY]),
    # extremes
    OpCase("max_all", lucid.max, np.max, [A]),
    OpCase("max_dim", lambda x: lucid.max(x, 1), lambda x: (np.max(x, 1), np.argmax(x, 1)), [A]),
    OpCase("max_dim_neg_keep", lambda x: x.max(dim=-2, keepdim=True),
           lambda x: (np.max(x, -2, keepdims=True), np.argmax(x, -2)[..., None, :]), [B3]),
    OpCase("min_all", lucid.min, np.min, [A]),
    OpCase("min_dim", lambda x: lucid.min(x, dim=0), lambda x: (np.min(x, 0), np.argmin(x, 0)), [B3]),
    OpCase("max_elementwise", lambda x, y: lucid.max(x, y), np.maximum, [A, rand(3, 4, seed=9)]),
    OpCase("amax_tuple", lambda x: lucid.amax(x, dim=(0, -1)), lambda x: np.max(x, axis=(0, 2)), [B3]),
    OpCase("amax_keep", lambda x: x.amax(1, keepdim=True), lambda x: np.max(x, 1, keepdims=True), [A]),
    OpCase("amin_all", lucid.amin, np.min, [B3]),
    OpCase("amin_axis", lambda x: lucid.amin(x, axis=-1), lambda x: np.min(x, axis=-1), [A]),
    OpCase("argmax_all", lucid.argmax, np.argmax, [A], grad=False),
    OpCase("argmax_dim", lambda x: lucid.argmax(x, dim=-1), lambda x: np.argmax(x, -1), [B3], grad=False),
    OpCase("argmin_dim_keep", lambda x: x.argmin(dim=1, keepdim=True), lambda x: np.argmin(x, 1)[:, None], [A],
           grad=False),
    OpCase("median_all", lucid.median, _lower_median, [A]),
    OpCase("median_dim", lambda x: lucid.median(x, dim=1).values, lambda x: _lower_median(x, 1), [A]),
    OpCase("median_dim_odd", lambda x: lucid.median(x, dim=0).values, lambda x: _lower_median(x, 0), [rand(5, 2)]),
    # logsumexp
    # MLX's float64 exp on the CPU is accurate to ~1e-7 relative only: finite differences need a larger step.
    OpCase("logsumexp_all", lucid.logsumexp, _lse, [A], eps=1e-2, grad_atol=1e-4, atol=1e-6),
    OpCase("logsumexp_dim", lambda x: lucid.logsumexp(x, 1), lambda x: _lse(x, 1), [A], eps=1e-2, grad_atol=1e-4),
    OpCase("logsumexp_tuple_keep", lambda x: x.logsumexp(dim=(0, 2), keepdim=True),
           lambda x: _lse(x, (0, 2), keepdims=True), [B3], eps=1e-2, grad_atol=1e-4),
    OpCase("logsumexp_large", lambda x: lucid.logsumexp(x * 1e4, dim=-1), lambda x: _lse(x * 1e4, -1), [A],
           eps=1e-3, grad_atol=1e-3, atol=1e-3),
    # scans
    OpCase("cumsum", lambda x: lucid.cumsum(x, dim=1), lambda x: np.cumsum(x, 1), [A]),
    OpCase("cumsum_neg", lambda x: x.cumsum(-3), lambda x: np.cumsum(x, 0), [B3]),
    OpCase("cumsum_scalar", lambda x: lucid.cumsum(x, 0), lambda x: x, [S]),
    OpCase("cumprod", lambda x: lucid.cumprod(x, dim=1), lambda x: np.cumprod(x, 1), [A]),
    OpCase("cumprod_axis0", lambda x: x.cumprod(0), lambda x: np.cumprod(x, 0), [B3]),
    OpCase("cumprod_one_zero", lambda x: lucid.cumprod(x, dim=1), lambda x: np.cumprod(x, 1), [Z]),
    OpCase("cumprod_two_zeros", lambda x: lucid.cumprod(x, dim=-1), lambda x: np.cumprod(x, -1), [ZZ]),
    # logic and counting
    OpCase("all_dim", lambda x: lucid.all(x, dim=1), lambda x: np.all(x, 1),
           [np.array([[1.0, 0.0], [2.0, 3.0]])], grad=False),
    OpCase("any_all", lucid.any, np.any, [np.array([[0.0, 0.0], [0.0, 3.0]])], grad=False),
    OpCase("any_keep", lambda x: lucid.any(x, dim=0, keepdim=True), lambda x: np.any(x, 0, keepdims=True),
           [np.array([[0.0, 0.0], [0.0, 3.0]])], grad=False),
    OpCase("count_nonzero", lambda x: lucid.count_nonzero(x, dim=0), lambda x: np.count_nonzero(x, axis=0), [Z],
           grad=False),
    OpCase("count_nonzero_all", lucid.count_nonzero, np.count_nonzero, [ZZ], grad=False),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_op(case):
    run_case(case)


@pytest.mark.parametrize("fn", [lucid.sum, lucid.mean, lucid.max, lucid.min, lucid.amax, lucid.prod,
                                lucid.logsumexp, lucid.var, lucid.std, lucid.median])
def test_dtype_preserved(fn):
    check_dtype_preserved(fn, shape=(2, 3))
    check_dtype_preserved(lambda x: fn(x, dim=1) if fn not in (lucid.max, lucid.min, lucid.median)
                          else fn(x, dim=1).values, shape=(2, 3))


def test_scans_keep_dtype():
    check_dtype_preserved(lambda x: lucid.cumsum(x, 0))
    check_dtype_preserved(lambda x: lucid.cumprod(x, 0))


def test_integer_sums_are_int64():
    assert lucid.sum(lucid.tensor([True, True, False])).dtype == lucid.int64
    assert lucid.sum(lucid.tensor([1, 2], dtype=lucid.int32)).dtype == lucid.int64
    assert lucid.prod(lucid.tensor([2, 3], dtype=lucid.int8)).item() == 6
    assert lucid.cumsum(lucid.tensor([1, 2], dtype=lucid.int32), 0).dtype == lucid.int64
    assert lucid.sum(lucid.tensor([1, 2]), dtype=lucid.float32).dtype == lucid.float32


def test_sum_empty_gives_zeros_and_mean_nan():
    x = lucid.zeros(0, 3)
    assert lucid.sum(x, 0).tolist() == [0.0, 0.0, 0.0]
    assert lucid.sum(x).item() == 0.0
    assert all(math.isnan(v) for v in lucid.mean(x, 0).tolist())
    assert math.isnan(lucid.mean(x).item())
    assert lucid.sum(x, 1).shape == (0,)


def test_empty_tuple_reduces_everything():
    x = lucid.ones(2, 3)
    assert lucid.sum(x, dim=()).item() == 6.0


@pytest.mark.parametrize("fn", [lucid.sum, lucid.mean, lucid.var, lucid.prod, lucid.amax, lucid.logsumexp,
                                lucid.argmax, lucid.max, lucid.all, lucid.count_nonzero])
def test_axis_out_of_range(fn):
    with pytest.raises(ValueError, match="axis 2"):
        fn(lucid.ones(2, 3), dim=2)
    with pytest.raises(ValueError, match="axis -3"):
        fn(lucid.ones(2, 3), dim=-3)


def test_bad_axis_type():
    with pytest.raises(TypeError):
        lucid.sum(lucid.ones(2), dim=1.5)
    with pytest.raises(TypeError):
        lucid.max(lucid.ones(2, 2), dim=(0, 1))
    with pytest.raises(TypeError):
        lucid.sum(lucid.ones(2), axis=0, dim=0)
    with pytest.raises(TypeError, match="dim"):
        lucid.cumsum(lucid.ones(2))


def test_empty_extremes_raise():
    with pytest.raises(ValueError, match="empty"):
        lucid.max(lucid.zeros(0))
    with pytest.raises(ValueError, match="empty"):
        lucid.amax(lucid.zeros(2, 0), dim=1)
    with pytest.raises(ValueError, match="empty"):
        lucid.argmin(lucid.zeros(0, 2), dim=0)
    assert lucid.amax(lucid.zeros(2, 0), dim=0).shape == (0,)


def test_max_dim_is_named_tuple_and_grad_goes_to_first_tie():
    x = lucid.tensor([[1.0, 3.0, 3.0], [2.0, 2.0, 0.0]], requires_grad=True)
    out = lucid.max(x, dim=1)
    values, indices = out
    assert out.values is values and out.indices is indices
    assert indices.dtype == lucid.int64 and indices.tolist() == [1, 0]
    assert not indices.requires_grad
    values.backward(lucid.tensor([10.0, 20.0]))
    assert x.grad.tolist() == [[0.0, 10.0, 0.0], [20.0, 0.0, 0.0]]


def test_max_all_and_amax_split_ties_evenly():
    x = lucid.tensor([[1.0, 3.0], [3.0, 3.0]], requires_grad=True)
    lucid.max(x).backward()
    np.testing.assert_allclose(x.grad.numpy(), [[0, 1 / 3], [1 / 3, 1 / 3]], rtol=1e-6)
    y = lucid.tensor([[1.0, 1.0], [0.0, 5.0]], requires_grad=True)
    lucid.amin(y, dim=1).backward(lucid.tensor([2.0, 4.0]))
    assert y.grad.tolist() == [[1.0, 1.0], [4.0, 0.0]]


def test_max_nan_propagates():
    x = lucid.tensor([1.0, float("nan"), 2.0])
    assert math.isnan(lucid.max(x).item())
    assert lucid.max(x, 0).indices.item() == 1


def test_argmax_not_differentiable_int64():
    x = lucid.tensor([[1.0, 5.0], [7.0, 2.0]], requires_grad=True)
    out = lucid.argmax(x, dim=0)
    assert out.dtype == lucid.int64 and not out.requires_grad
    assert lucid.argmax(x, keepdim=True).shape == (1, 1)


def test_prod_gradient_with_zeros_exact():
    x = lucid.tensor([2.0, 0.0, 3.0, 4.0], requires_grad=True)
    lucid.prod(x).backward()
    assert x.grad.tolist() == [0.0, 24.0, 0.0, 0.0]
    y = lucid.tensor([0.0, 0.0, 3.0], requires_grad=True)
    lucid.prod(y).backward()
    assert y.grad.tolist() == [0.0, 0.0, 0.0]


def test_cumprod_gradient_with_zeros_exact():
    x = lucid.tensor([2.0, 0.0, 3.0, 0.0, 5.0], requires_grad=True)
    lucid.cumprod(x, 0).sum().backward()
    # out = [x0, x0x1, x0x1x2, ...]; d/dx1 = x0 + x0x2 + x0x2x3 + x0x2x3x4 = 2 + 6 = 8
    assert x.grad.tolist() == [1.0, 8.0, 0.0, 0.0, 0.0]
    assert np.isfinite(x.grad.numpy()).all()


def test_logsumexp_large_inputs_finite():
    x = lucid.tensor([1e4, 1e4, -1e4], requires_grad=True)
    out = lucid.logsumexp(x, dim=0)
    assert math.isfinite(out.item())
    assert abs(out.item() - (1e4 + math.log(2))) < 1e-2
    out.backward()
    # float32 resolves 1e4 + log(2) only to ~1e-3, so the softmax is 0.5 to ~1e-3
    np.testing.assert_allclose(x.grad.numpy(), [0.5, 0.5, 0.0], atol=1e-3)
    assert lucid.logsumexp(lucid.tensor([-math.inf, -math.inf])).item() == -math.inf
    assert lucid.logsumexp(lucid.tensor([math.inf, 0.0])).item() == math.inf
    assert lucid.logsumexp(lucid.zeros(2, 0), dim=1).tolist() == [-math.inf, -math.inf]
    h = lucid.tensor([1e4, 1e4], dtype=lucid.float16)
    assert math.isfinite(lucid.logsumexp(h).item())


def test_var_single_element_is_nan():
    assert math.isnan(lucid.var(lucid.tensor([1.0])).item())
    assert lucid.var(lucid.tensor([1.0]), correction=0).item() == 0.0


def test_var_argument_errors():
    with pytest.raises(TypeError):
        lucid.var(lucid.ones(3), unbiased=True, correction=1)
    with pytest.raises(TypeError):
        lucid.var(lucid.ones(3), correction="1")


def test_var_mean_std_mean():
    x = rand(3, 4, seed=7)
    v, m = lucid.var_mean(lucid.tensor(x), dim=1)
    np.testing.assert_allclose(v.numpy(), np.var(x, 1, ddof=1), rtol=1e-6)
    np.testing.assert_allclose(m.numpy(), np.mean(x, 1), rtol=1e-6)
    s, m = lucid.std_mean(lucid.tensor(x), correction=0)
    np.testing.assert_allclose(s.numpy(), np.std(x), rtol=1e-6)


def test_std_grad():
    check_grad(lambda x: lucid.std(x, dim=(0, 1)), [B3])


def test_median_ties_split_and_index():
    x = lucid.tensor([3.0, 1.0, 2.0, 2.0], requires_grad=True)
    m = lucid.median(x)
    assert m.item() == 2.0
    m.backward()
    assert x.grad.tolist() == [0.0, 0.0, 0.5, 0.5]
    r = lucid.median(lucid.tensor([[1.0, 4.0, 2.0, 3.0]]), dim=-1)
    assert r.values.tolist() == [2.0] and r.indices.tolist() == [2]


def test_all_any_outputs_bool():
    x = lucid.tensor([[1, 0], [1, 1]])
    assert lucid.all(x).dtype == lucid.bool_
    assert lucid.any(x, dim=1, keepdim=True).shape == (2, 1)
    assert lucid.all(lucid.zeros(0)).item() is True
    assert lucid.any(lucid.zeros(0)).item() is False


def test_methods_exist():
    x = lucid.tensor([[1.0, 2.0], [3.0, 4.0]])
    assert x.sum().item() == 10.0
    assert x.max(dim=0).values.tolist() == [3.0, 4.0]
    assert x.min().item() == 1.0
    assert x.argmax().item() == 3
    assert x.prod(1).tolist() == [2.0, 12.0]
    assert x.all().item() is True
    assert x.count_nonzero().item() == 4
    assert abs(x.std().item() - np.std([1, 2, 3, 4], ddof=1)) < 1e-6


def test_numpy_and_list_inputs():
    assert lucid.sum([1.0, 2.0]).item() == 3.0
    assert lucid.mean(np.array([1.0, 3.0])).item() == 2.0
    with pytest.raises(TypeError):
        lucid.sum("abc")


def test_reductions_are_lazy():
    import mlx.core as mx

    x = lucid.tensor(rand(3, 4), requires_grad=True)
    y = lucid.logsumexp(lucid.cumprod(x, 1), 1).sum() + lucid.max(x, 0).values.sum() + lucid.var(x)
    assert isinstance(y._data, mx.array)
    y.backward()
    assert x.grad.shape == (3, 4)
