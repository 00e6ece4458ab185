"""``nn.util.clip_grad_value`` (the user's documented function) and its siblings."""

import math

import mlx.core as mx
import numpy as np
import pytest

import lucid
import lucid.nn as nn
from lucid._backend import evaluation


def _param(values, dtype=lucid.float32):
    p = nn.Parameter(lucid.tensor(np.zeros(np.shape(values)), dtype=dtype))
    p.grad = lucid.tensor(values, dtype=dtype)
    return p


def test_util_and_utils_are_the_same_module():
    assert nn.util is nn.utils
    assert nn.utils.clip_grad_value is nn.util.clip_grad_value
    assert nn.util.clip_grad_value_ is nn.util.clip_grad_value
    from lucid.nn.utils import clip_grad_value  # the import statement form works too

    assert clip_grad_value is nn.util.clip_grad_value


def test_clips_every_element_into_the_closed_interval():
    rng = np.random.default_rng(0)
    g = rng.normal(size=(5, 7)) * 3
    p = _param(g, lucid.float64)
    assert nn.util.clip_grad_value(p, 0.5) is None
    np.testing.assert_array_equal(p.grad.numpy(), np.clip(g, -0.5, 0.5))


def test_keeps_grad_object_and_dtype_and_bumps_version():
    for dtype in (lucid.float32, lucid.float16, lucid.bfloat16):
        p = _param([[-3.0, 0.05], [2.0, -0.01]], dtype)
        g = p.grad
        version = g._version
        nn.util.clip_grad_value([p], 0.1)
        assert p.grad is g
        assert p.grad.dtype == dtype
        assert g._version == version + 1
        vals = p.grad.numpy().astype(np.float64)
        assert np.all(np.abs(vals) <= 0.1 + 1e-3)


def test_generator_is_consumed_once_and_none_grads_skipped():
    a, b = _param([5.0, -5.0]), nn.Parameter(lucid.zeros(2))
    assert b.grad is None
    nn.util.clip_grad_value((p for p in [a, b]), 1)
    assert a.grad.tolist() == [1.0, -1.0]
    assert b.grad is None


def test_empty_input_is_a_noop():
    nn.util.clip_grad_value([], 1.0)
    nn.util.clip_grad_value(iter(()), 1.0)


def test_inf_is_a_noop_and_zero_zeroes():
    p = _param([3.0, -4.0])
    g_before = p.grad._data
    nn.util.clip_grad_value(p, math.inf)
    assert p.grad._data is g_before
    nn.util.clip_grad_value(p, 0)
    assert p.grad.tolist() == [0.0, 0.0]


def test_nan_stays_nan_and_inf_becomes_bound():
    p = _param([math.nan, math.inf, -math.inf, 0.2])
    nn.util.clip_grad_value(p, 0.5)
    out = p.grad.tolist()
    assert math.isnan(out[0])
    assert out[1:] == [0.5, -0.5, pytest.approx(0.2)]


@pytest.mark.parametrize("bad, exc", [
    (-1.0, ValueError), (math.nan, ValueError), (1 + 2j, TypeError), (True, TypeError),
    ("0.1", TypeError), (None, TypeError),
])
def test_bad_clip_value(bad, exc):
    p = _param([1.0])
    with pytest.raises(exc, match="clip_value"):
        nn.util.clip_grad_value(p, bad)
    assert p.grad.tolist() == [1.0]  # nothing changed


def test_multi_element_tensor_clip_value_rejected_and_one_element_accepted():
    p = _param([1.0, -1.0])
    with pytest.raises(ValueError, match="one-element"):
        nn.util.clip_grad_value(p, lucid.tensor([0.1, 0.2]))
    nn.util.clip_grad_value(p, lucid.tensor(0.25))
    assert p.grad.tolist() == [0.25, -0.25]


def test_non_tensor_parameters_rejected():
    with pytest.raises(TypeError, match=r"parameters\[1\]"):
        nn.util.clip_grad_value([_param([1.0]), np.ones(2)], 1.0)
    with pytest.raises(TypeError, match="iterable"):
        nn.util.clip_grad_value(3.0, 1.0)


def test_int_clip_value():
    p = _param([3.0, -0.5])
    nn.util.clip_grad_value(p, 1)
    assert p.grad.tolist() == [1.0, -0.5]


def test_one_batched_eval_per_budget(monkeypatch):
    calls = []
    real_eval = mx.eval

    def counting_eval(*args):
        calls.append(args)
        return real_eval(*args)

    monkeypatch.setattr(evaluation.mx, "eval", counting_eval)
    params = [_param(np.full((256,), 3.0)) for _ in range(10)]  # 1 KiB each
    nn.util.clip_grad_value(params, 1.0)
    assert len(calls) == 1
    calls.clear()
    lucid.set_eval_budget(2048)
    try:
        nn.util.clip_grad_value(params, 0.5)
    finally:
        lucid.set_eval_budget(256 * 1024 * 1024)
    assert len(calls) == 5  # 10 KiB of gradients in 2 KiB batches
    assert all(p.grad.tolist() == [0.5] * 256 for p in params)


# -- clip_grad_norm and friends --------------------------------------------------

def _np_total_norm(grads, p):
    if math.isinf(p):
        return max(np.max(np.abs(g)) for g in grads)
    return sum(np.sum(np.abs(g) ** p) for g in grads) ** (1 / p)


@pytest.mark.parametrize("norm_type", [1.0, 2.0, 3.5, math.inf])
def test_clip_grad_norm_matches_formula(norm_type):
    rng = np.random.default_rng(1)
    grads = [rng.normal(size=(3, 4)), rng.normal(size=(5,))]
    params = [_param(g, lucid.float64) for g in grads]
    total = nn.util.clip_grad_norm(params, max_norm=0.7, norm_type=norm_type)
    expected = _np_total_norm(grads, norm_type)
    assert total.shape == ()
    assert total.item() == pytest.approx(expected, rel=1e-6)
    scale = min(1.0, 0.7 / (expected + 1e-6))
    for p, g in zip(params, grads):
        np.testing.assert_allclose(p.grad.numpy(), g * scale, rtol=1e-6)


def test_clip_grad_norm_below_max_leaves_grads():
    p = _param([0.3, 0.4])
    assert nn.util.clip_grad_norm_(p, 10.0).item() == pytest.approx(0.5)
    assert p.grad.tolist() == pytest.approx([0.3, 0.4])


def test_clip_grad_norm_half_precision_accumulates_in_float32():
    p = _param(np.full((70000,), 1.0), lucid.float16)  # sum of squares overflows float16
    total = nn.util.clip_grad_norm(p, 1.0)
    assert total.dtype == lucid.float32
    assert total.item() == pytest.approx(math.sqrt(70000), rel=1e-3)
    assert p.grad.dtype == lucid.float16
    assert np.all(np.isfinite(p.grad.numpy()))


def test_clip_grad_norm_errors():
    p = _param([math.nan, 1.0])
    with pytest.raises(RuntimeError, match="error_if_nonfinite"):
        nn.util.clip_grad_norm(p, 1.0, error_if_nonfinite=True)
    with pytest.raises(ValueError, match="max_norm"):
        nn.util.clip_grad_norm(_param([1.0]), -1.0)
    with pytest.raises(ValueError, match="norm_type"):
        nn.util.clip_grad_norm(_param([1.0]), 1.0, norm_type=0)
    assert nn.util.clip_grad_norm([], 1.0).item() == 0.0


def test_get_total_norm_and_grad_norm():
    grads = [lucid.tensor([3.0]), lucid.tensor([4.0])]
    assert nn.util.get_total_norm(grads).item() == pytest.approx(5.0)
    assert nn.util.get_total_norm(grads, norm_type="inf").item() == pytest.approx(4.0)
    params = [_param([3.0]), _param([4.0]), nn.Parameter(lucid.zeros(1))]
    assert nn.util.grad_norm(params).item() == pytest.approx(5.0)


def test_parameters_vector_round_trip():
    ps = [nn.Parameter(lucid.tensor([[1.0, 2.0], [3.0, 4.0]])), nn.Parameter(lucid.tensor([5.0]))]
    vec = nn.util.parameters_to_vector(ps)
    assert vec.tolist() == [1.0, 2.0, 3.0, 4.0, 5.0]
    (vec * lucid.tensor([1.0, 2.0, 3.0, 4.0, 5.0])).sum().backward()
    assert ps[0].grad.tolist() == [[1.0, 2.0], [3.0, 4.0]]
    nn.util.vector_to_parameters(lucid.tensor([9.0, 8.0, 7.0, 6.0, 5.0]), ps)
    assert ps[0].tolist() == [[9.0, 8.0], [7.0, 6.0]]
    with pytest.raises(ValueError, match="5"):
        nn.util.vector_to_parameters(lucid.zeros(4), ps)
