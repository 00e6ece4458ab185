import math

import numpy as np
import pytest

import lucid
from tests.helpers import OpCase, check_dtype_preserved, rand, run_case

A = rand(3, 4, seed=1)                          # (-1, 1)
B = rand(3, 4, seed=2)
ROW = rand(4, seed=3)
COL = rand(3, 1, seed=4)
POS = rand(3, 4, seed=5, low=0.5, high=2.0)      # log, sqrt, ...
UNIT = rand(3, 4, seed=6, low=-0.9, high=0.9)    # arcsin, arctanh, erfinv
GT1 = rand(3, 4, seed=7, low=1.2, high=3.0)      # arccosh
WIDE = rand(3, 4, seed=8, low=-3.0, high=3.0)    # rounding ops: away from integers w.p. 1
S = rand(seed=9)                                 # 0-d
EMPTY = rand(0, 4, seed=10)
MASK = rand(3, 4, seed=11) > 0
MASK_ROW = rand(4, seed=12) > 0

_erf = np.vectorize(math.erf, otypes=[np.float64])


def _erfinv(y):
    """Newton's method on math.erf: the float64 reference for erfinv."""
    x = np.zeros_like(y)
    for _ in range(50):
        x = x - (_erf(x) - y) / (2.0 / math.sqrt(math.pi) * np.exp(-x * x))
    return x


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


# MLX evaluates exp, sin, cos, sigmoid, erf and erfinv at float32 precision even
# for float64 inputs, so finite differences need a larger step and tolerances.
LOOSE = dict(eps=1e-3, grad_atol=1e-3, grad_rtol=1e-3, atol=1e-6, rtol=1e-6)

UNARY = [
    ("abs", lucid.abs, np.abs, A, {}),
    ("exp", lucid.exp, np.exp, A, LOOSE),
    ("exp2", lucid.exp2, np.exp2, A, {}),
    ("expm1", lucid.expm1, np.expm1, A, {}),
    ("log", lucid.log, np.log, POS, {}),
    ("log2", lucid.log2, np.log2, POS, {}),
    ("log10", lucid.log10, np.log10, POS, {}),
    ("log1p", lucid.log1p, np.log1p, POS, {}),
    ("sqrt", lucid.sqrt, np.sqrt, POS, {}),
    ("rsqrt", lucid.rsqrt, lambda x: 1 / np.sqrt(x), POS, {}),
    ("square", lucid.square, np.square, A, {}),
    ("cube", lucid.cube, lambda x: x ** 3, A, {}),
    ("reciprocal", lucid.reciprocal, np.reciprocal, POS, {}),
    ("sin", lucid.sin, np.sin, WIDE, LOOSE),
    ("cos", lucid.cos, np.cos, WIDE, LOOSE),
    ("tan", lucid.tan, np.tan, A, {}),
    ("arcsin", lucid.arcsin, np.arcsin, UNIT, {}),
    ("arccos", lucid.arccos, np.arccos, UNIT, {}),
    ("arctan", lucid.arctan, np.arctan, WIDE, {}),
    ("sinh", lucid.sinh, np.sinh, A, {}),
    ("cosh", lucid.cosh, np.cosh, A, {}),
    ("tanh", lucid.tanh, np.tanh, WIDE, {}),
    ("arcsinh", lucid.arcsinh, np.arcsinh, WIDE, {}),
    ("arccosh", lucid.arccosh, np.arccosh, GT1, {}),
    ("arctanh", lucid.arctanh, np.arctanh, UNIT, {}),
    ("sigmoid", lucid.sigmoid, _sigmoid, WIDE, LOOSE),
    ("erf", lucid.erf, _erf, A, LOOSE),
    ("erfinv", lucid.erfinv, _erfinv, UNIT, dict(LOOSE, atol=2e-6)),
    # Piecewise constant: forward against NumPy, and a zero gradient (finite differences agree).
    ("sign", lucid.sign, np.sign, A, {}),
    ("floor", lucid.floor, np.floor, WIDE, {}),
    ("ceil", lucid.ceil, np.ceil, WIDE, {}),
    ("trunc", lucid.trunc, np.trunc, WIDE, {}),
    ("round", lucid.round, np.round, WIDE, {}),
]

CASES = [OpCase(name, fn, ref, [x], **opts) for name, fn, ref, x, opts in UNARY]
CASES += [OpCase(name + "_0d", fn, ref, [np.asarray(x.flat[0])], **opts) for name, fn, ref, x, opts in UNARY]
CASES += [OpCase(name + "_empty", fn, ref, [x[:0]], **opts) for name, fn, ref, x, opts in UNARY]
CASES += [
    OpCase("round_decimals", lambda x: lucid.round(x, decimals=1), lambda x: np.round(x, 1), [WIDE]),
    OpCase("round_neg_decimals", lambda x: lucid.round(x, decimals=-1), lambda x: np.round(x, -1), [WIDE * 40]),
    OpCase("arctan2", lucid.arctan2, np.arctan2, [A, B]),
    OpCase("arctan2_bcast", lucid.arctan2, np.arctan2, [COL, ROW]),
    OpCase("arctan2_bcast_other", lucid.arctan2, np.arctan2, [ROW, COL]),
    OpCase("arctan2_0d", lucid.arctan2, np.arctan2, [S, A]),
    OpCase("arctan2_size1", lucid.arctan2, np.arctan2, [rand(1, 1, 4, seed=13), rand(2, 1, 1, seed=14)]),
    OpCase("arctan2_empty", lucid.arctan2, np.arctan2, [EMPTY, ROW]),
    OpCase("arctan2_number", lambda y: lucid.arctan2(y, -0.5), lambda y: np.arctan2(y, -0.5), [A]),
    OpCase("arctan2_number_first", lambda x: lucid.atan2(0.5, x), lambda x: np.arctan2(0.5, x), [A]),
    OpCase("clip", lambda x: lucid.clip(x, -0.5, 0.5), lambda x: np.clip(x, -0.5, 0.5), [A]),
    OpCase("clip_min", lambda x: lucid.clip(x, min=0.0), lambda x: np.maximum(x, 0.0), [A]),
    OpCase("clip_max", lambda x: lucid.clamp(x, max=0.2), lambda x: np.minimum(x, 0.2), [A]),
    OpCase("clip_0d", lambda x: lucid.clip(x, -0.1, 0.1), lambda x: np.clip(x, -0.1, 0.1), [S]),
    OpCase("clip_empty", lambda x: lucid.clip(x, -0.1, 0.1), lambda x: np.clip(x, -0.1, 0.1), [EMPTY]),
    OpCase("clip_tensor_bounds", lucid.clip, lambda x, lo, hi: np.minimum(np.maximum(x, lo), hi),
           [A, ROW * 0.5 - 0.5, COL * 0.5 + 0.5]),
    # Bounds that broadcast the input up, with min > max in places (the output is max there).
    OpCase("clip_bounds_widen", lucid.clip, lambda x, lo, hi: np.minimum(np.maximum(x, lo), hi),
           [ROW, A, B]),
    OpCase("clip_tensor_min_only", lambda x, lo: lucid.clip(x, min=lo), np.maximum, [A, COL]),
    OpCase("clip_tensor_max_only", lambda x, hi: lucid.clip(x, max=hi), np.minimum, [COL, A]),
    OpCase("clip_mixed_bounds", lambda x, hi: lucid.clip(x, -0.3, hi),
           lambda x, hi: np.minimum(np.maximum(x, -0.3), hi),
           [A, ROW]),
    OpCase("where", lucid.where, np.where, [MASK, A, B]),
    OpCase("where_bcast", lucid.where, np.where, [MASK_ROW, COL, ROW]),
    OpCase("where_bcast_cond", lucid.where, np.where, [MASK, ROW, S]),
    OpCase("where_number_other", lambda c, x: lucid.where(c, x, 0.0), lambda c, x: np.where(c, x, 0.0), [MASK, A]),
    OpCase("where_number_input", lambda c, y: lucid.where(c, 2.0, y), lambda c, y: np.where(c, 2.0, y), [MASK, A]),
    OpCase("where_0d", lucid.where, np.where, [np.asarray(True), S, S + 1]),
    OpCase("where_empty", lucid.where, np.where, [MASK[:0], EMPTY, ROW]),
    # Forward only: the default replacements (about 1.8e308 in float64) swamp finite differences.
    OpCase("nan_to_num", lucid.nan_to_num, np.nan_to_num,
           [np.array([[np.nan, np.inf, -np.inf, 0.3], [0.1, -0.2, np.nan, 2.0]])], grad=False),
    OpCase("nan_to_num_values", lambda x: lucid.nan_to_num(x, nan=1.5, posinf=7.0, neginf=-7.0),
           lambda x: np.nan_to_num(x, nan=1.5, posinf=7.0, neginf=-7.0),
           [np.array([[np.nan, np.inf, -np.inf, 0.3], [0.1, -0.2, np.nan, 2.0]])]),
    OpCase("nan_to_num_finite", lucid.nan_to_num, np.nan_to_num, [A]),
    OpCase("method_chain", lambda x: x.exp().log1p().sqrt().tanh(), lambda x: np.tanh(np.sqrt(np.log1p(np.exp(x)))),
           [A], **LOOSE),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_op(case):
    run_case(case)


@pytest.mark.parametrize("name", [row[0] for row in UNARY] + ["exp2", "clip", "where", "nan_to_num", "arctan2"])
def test_dtype_preserved(name):
    fn = {
        "clip": lambda x: lucid.clip(x, 0.1, 0.4),
        "where": lambda x: lucid.where(x > 0, x, 0.0),
        "arctan2": lambda x: lucid.arctan2(x, 2.0),
    }.get(name, getattr(lucid, name))
    check_dtype_preserved(fn)


@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "float32"])
@pytest.mark.parametrize("name", ["exp", "sqrt", "sigmoid", "tanh", "arcsin", "erfinv", "floor", "abs"])
def test_low_precision_gradient_dtype(name, dtype):
    x = lucid.tensor([0.25, 0.5], dtype=getattr(lucid, dtype), requires_grad=True)
    getattr(lucid, name)(x).sum().backward()
    assert x.grad.dtype == getattr(lucid, dtype)


def test_low_precision_values_close_to_float32():
    x32 = lucid.tensor([0.1, 0.5, 0.9])
    for name in ("exp", "log", "sqrt", "sin", "tanh", "sigmoid", "erf", "arctanh"):
        fn = getattr(lucid, name)
        np.testing.assert_allclose(fn(x32.half()).numpy().astype(np.float32), fn(x32).numpy(), rtol=2e-3, atol=1e-3)
        np.testing.assert_allclose(fn(x32.bfloat16()).numpy(), fn(x32).numpy(), rtol=2e-2, atol=1e-2)


def test_integer_inputs():
    i = lucid.tensor([1, 4, 9])
    assert lucid.sqrt(i).dtype == lucid.float32 and lucid.sqrt(i).tolist() == [1.0, 2.0, 3.0]
    assert lucid.exp(i).dtype == lucid.float32
    assert lucid.reciprocal(lucid.tensor([2, 4])).tolist() == [0.5, 0.25]
    for name in ("abs", "sign", "square", "cube", "floor", "ceil", "round", "trunc"):
        assert getattr(lucid, name)(i).dtype == lucid.int64, name
    assert lucid.abs(lucid.tensor([-3, 2])).tolist() == [3, 2]
    assert lucid.clip(lucid.tensor([-3, 2, 7]), 0, 5).tolist() == [0, 2, 5]
    assert lucid.clip(lucid.tensor([-3, 2, 7]), 0, 5).dtype == lucid.int64
    assert lucid.nan_to_num(i).tolist() == [1, 4, 9]


def test_python_numbers_and_lists_are_accepted():
    assert lucid.sqrt(4.0).tolist() == 2.0
    assert lucid.abs([-1.0, 2.0]).tolist() == [1.0, 2.0]
    assert lucid.exp(np.zeros(2, dtype=np.float32)).tolist() == [1.0, 1.0]
    assert lucid.where(lucid.tensor([True, False]), 1, 0).dtype == lucid.int64
    assert lucid.where(lucid.tensor([True, False]), 1.0, 0).dtype == lucid.float32
    assert lucid.where(lucid.tensor([True, False]), 1.5, -1.5).tolist() == [1.5, -1.5]


def test_aliases_and_methods():
    assert lucid.asin is lucid.arcsin and lucid.acos is lucid.arccos and lucid.atan is lucid.arctan
    assert lucid.atan2 is lucid.arctan2 and lucid.asinh is lucid.arcsinh and lucid.acosh is lucid.arccosh
    assert lucid.atanh is lucid.arctanh and lucid.clamp is lucid.clip and lucid.fix is lucid.trunc
    x = lucid.tensor([-0.5, 0.25])
    assert abs(x).tolist() == [0.5, 0.25]
    assert x.abs().tolist() == [0.5, 0.25]
    assert x.clamp(min=0.0).tolist() == [0.0, 0.25]
    np.testing.assert_allclose(x.clip(-0.1, 0.1).numpy(), [-0.1, 0.1], rtol=1e-6)
    assert x.where(x > 0, 9.0).tolist() == [9.0, 0.25]
    assert x.atan2(lucid.tensor([1.0, 1.0])).shape == (2,)
    assert x.round(decimals=1).shape == (2,)
    assert x.square().tolist() == [0.25, 0.0625]


def test_abs_gradient_at_zero_is_zero():
    x = lucid.tensor([-2.0, 0.0, 3.0], requires_grad=True)
    lucid.abs(x).sum().backward()
    assert x.grad.tolist() == [-1.0, 0.0, 1.0]


@pytest.mark.parametrize("name", ["sign", "floor", "ceil", "trunc", "round"])
def test_rounding_ops_have_zero_gradient(name):
    x = lucid.tensor([-1.5, 0.0, 0.5, 2.7], requires_grad=True)
    y = getattr(lucid, name)(x)
    assert y.requires_grad  # recorded, like PyTorch, with a zero gradient
    (y * 3.0).sum().backward()
    assert x.grad.tolist() == [0.0, 0.0, 0.0, 0.0]


def test_round_ties_to_even():
    assert lucid.round(lucid.tensor([0.5, 1.5, 2.5, -0.5, -1.5])).tolist() == [0.0, 2.0, 2.0, -0.0, -2.0]


def test_sqrt_gradient_at_zero_is_inf():
    x = lucid.tensor([0.0, 4.0], requires_grad=True)
    lucid.sqrt(x).sum().backward()
    assert x.grad.tolist() == [math.inf, 0.25]


def test_clip_gradient_at_bounds_passes():
    x = lucid.tensor([-2.0, -1.0, 0.0, 1.0, 2.0], requires_grad=True)
    lucid.clip(x, -1.0, 1.0).sum().backward()
    assert x.grad.tolist() == [0.0, 1.0, 1.0, 1.0, 0.0]


def test_clip_tensor_bound_gradients():
    x = lucid.tensor([-2.0, 0.0, 2.0], requires_grad=True)
    lo = lucid.tensor([-1.0, -1.0, -1.0], requires_grad=True)
    hi = lucid.tensor(1.0, requires_grad=True)
    out = lucid.clip(x, lo, hi)
    assert out.tolist() == [-1.0, 0.0, 1.0]
    out.backward(lucid.tensor([1.0, 2.0, 4.0]))
    assert x.grad.tolist() == [0.0, 2.0, 0.0]
    assert lo.grad.tolist() == [1.0, 0.0, 0.0]
    assert hi.grad.tolist() == 4.0  # a 0-d bound gets the summed gradient


def test_clip_min_greater_than_max_gives_max():
    x = lucid.tensor([-5.0, 0.0, 5.0], requires_grad=True)
    lo = lucid.tensor(1.0, requires_grad=True)
    hi = lucid.tensor(-1.0, requires_grad=True)
    out = lucid.clip(x, lo, hi)
    assert out.tolist() == [-1.0, -1.0, -1.0]
    out.sum().backward()
    assert x.grad.tolist() == [0.0, 0.0, 0.0]
    assert lo.grad.tolist() == 0.0
    assert hi.grad.tolist() == 3.0
    assert lucid.clip(lucid.tensor([-5.0, 5.0]), 1.0, -1.0).tolist() == [-1.0, -1.0]


def test_clip_keeps_nan():
    assert math.isnan(lucid.clip(lucid.tensor([math.nan]), 0.0, 1.0).item())


def test_clip_numpy_bounds():
    out = lucid.clip(lucid.tensor([-2.0, 2.0]), np.array([-1.0, 0.0]), np.float64(1.5))
    assert out.tolist() == [-1.0, 1.5]


def test_where_gradients():
    cond = lucid.tensor([[True, False, True]])
    x = lucid.tensor([[1.0], [2.0]], requires_grad=True)   # broadcast along columns
    y = lucid.tensor([10.0, 20.0, 30.0], requires_grad=True)  # broadcast along rows
    out = lucid.where(cond, x, y)
    assert out.tolist() == [[1.0, 20.0, 1.0], [2.0, 20.0, 2.0]]
    out.sum().backward()
    assert x.grad.tolist() == [[2.0], [2.0]]
    assert y.grad.tolist() == [0.0, 2.0, 0.0]


def test_where_nonbool_condition_counts_nonzero():
    assert lucid.where(lucid.tensor([0.0, 2.0]), 1.0, -1.0).tolist() == [-1.0, 1.0]


def test_nan_to_num_gradient_zero_at_nonfinite():
    x = lucid.tensor([math.nan, math.inf, -math.inf, 0.5], requires_grad=True)
    out = lucid.nan_to_num(x)
    assert out.tolist()[0] == 0.0 and out.tolist()[3] == 0.5
    assert out.tolist()[1] == float(np.finfo(np.float32).max)
    (out * 2.0).sum().backward()
    assert x.grad.tolist() == [0.0, 0.0, 0.0, 2.0]


def test_nan_to_num_low_precision_defaults():
    x = lucid.tensor([math.inf, -math.inf], dtype=lucid.float16)
    assert lucid.nan_to_num(x).tolist() == [65504.0, -65504.0]
    assert lucid.nan_to_num(x).dtype == lucid.float16


def test_inplace_clamp_uses_clip():
    x = lucid.tensor([-2.0, 0.5, 3.0])
    x.clamp_(0.0, 1.0)
    assert x.tolist() == [0.0, 0.5, 1.0]


def test_errors():
    x = lucid.tensor([1.0, 2.0])
    with pytest.raises(ValueError, match="at least one of min and max"):
        lucid.clip(x)
    with pytest.raises(ValueError, match="at least one of min and max"):
        x.clamp(None, None)
    with pytest.raises(TypeError, match="min must be"):
        lucid.clip(x, min="0")
    with pytest.raises(TypeError, match="max must be"):
        lucid.clip(x, max=1j)
    with pytest.raises(TypeError, match="decimals must be an int"):
        lucid.round(x, decimals=1.5)
    with pytest.raises(TypeError, match="nan must be a real number"):
        lucid.nan_to_num(x, nan="zero")
    with pytest.raises(TypeError, match="str"):
        lucid.exp("abc")
    with pytest.raises(ValueError):
        lucid.arctan2(lucid.ones(3), lucid.ones(4))
    with pytest.raises(ValueError):
        lucid.where(lucid.tensor([True, False, True]), x, 0.0)


def test_no_graph_without_grad():
    x = lucid.tensor([0.5], requires_grad=True)
    with lucid.no_grad():
        y = lucid.exp(x)
    assert not y.requires_grad and y.grad_fn is None
    assert lucid.exp(lucid.tensor([0.5])).grad_fn is None
