"""scaled_dot_product_attention against a NumPy reference of PyTorch's formula, forward and backward."""

import math

import numpy as np
import pytest

import lucid
import lucid.nn.functional as F
from tests.helpers import OpCase, rand


def ref_sdpa(q, k, v, attn_mask=None, is_causal=False, scale=None, enable_gqa=False):
    """PyTorch's documented reference, in NumPy (rows with no visible key give zeros)."""
    L, S = q.shape[-2], k.shape[-2]
    s = 1 / math.sqrt(q.shape[-1]) if scale is None else scale
    if enable_gqa and k.shape[-3] != q.shape[-3]:
        k = np.repeat(k, q.shape[-3] // k.shape[-3], axis=-3)
        v = np.repeat(v, q.shape[-3] // v.shape[-3], axis=-3)
    scores = q @ np.swapaxes(k, -1, -2) * s
    if is_causal:
        attn_mask = np.tril(np.ones((L, S), dtype=bool))
    if attn_mask is not None:
        if attn_mask.dtype == bool:
            scores = np.where(attn_mask, scores, -np.inf)
        else:
            scores = scores + attn_mask
    with np.errstate(invalid="ignore"):
        w = np.exp(scores - scores.max(-1, keepdims=True))
        w = w / w.sum(-1, keepdims=True)
    w = np.where(np.isneginf(scores).all(-1, keepdims=True), 0.0, w)
    return w @ v


def _mask(*shape, seed=5, p=0.7):
    return np.random.default_rng(seed).uniform(size=shape) < p


CASES = [
    OpCase("4d", F.scaled_dot_product_attention, ref_sdpa, [rand(2, 3, 4, 8), rand(2, 3, 5, 8, seed=1),
                                                           rand(2, 3, 5, 6, seed=2)]),
    OpCase("3d", F.scaled_dot_product_attention, ref_sdpa, [rand(2, 4, 8), rand(2, 5, 8, seed=1),
                                                           rand(2, 5, 8, seed=2)]),
    OpCase("2d_scale", F.scaled_dot_product_attention, ref_sdpa, [rand(4, 8), rand(5, 8, seed=1),
                                                                 rand(5, 3, seed=2)], dict(scale=0.7)),
    OpCase("5d", F.scaled_dot_product_attention, ref_sdpa, [rand(2, 2, 2, 3, 4), rand(2, 2, 2, 3, 4, seed=1),
                                                           rand(2, 2, 2, 3, 4, seed=2)]),
    OpCase("causal_square", F.scaled_dot_product_attention, ref_sdpa,
           [rand(2, 2, 5, 4), rand(2, 2, 5, 4, seed=1), rand(2, 2, 5, 4, seed=2)], dict(is_causal=True)),
    OpCase("causal_rect_top_left", F.scaled_dot_product_attention, ref_sdpa,
           [rand(1, 2, 3, 4), rand(1, 2, 6, 4, seed=1), rand(1, 2, 6, 4, seed=2)], dict(is_causal=True)),
    OpCase("causal_more_queries", F.scaled_dot_product_attention, ref_sdpa,
           [rand(1, 2, 6, 4), rand(1, 2, 3, 4, seed=1), rand(1, 2, 3, 4, seed=2)], dict(is_causal=True)),
    OpCase("bool_mask_broadcast", F.scaled_dot_product_attention, ref_sdpa,
           [rand(2, 3, 4, 8), rand(2, 3, 5, 8, seed=1), rand(2, 3, 5, 8, seed=2)],
           dict(attn_mask=_mask(4, 5))),
    OpCase("bool_mask_per_batch", F.scaled_dot_product_attention, ref_sdpa,
           [rand(2, 3, 4, 8), rand(2, 3, 5, 8, seed=1), rand(2, 3, 5, 8, seed=2)],
           dict(attn_mask=_mask(2, 1, 4, 5))),
    OpCase("float_mask", F.scaled_dot_product_attention, ref_sdpa,
           [rand(2, 3, 4, 8), rand(2, 3, 5, 8, seed=1), rand(2, 3, 5, 8, seed=2)],
           dict(attn_mask=rand(3, 4, 5, seed=9))),
    OpCase("fully_masked_row", F.scaled_dot_product_attention, ref_sdpa,
           [rand(1, 1, 3, 4), rand(1, 1, 4, 4, seed=1), rand(1, 1, 4, 4, seed=2)],
           dict(attn_mask=np.array([[True, False, True, True], [False] * 4, [True] * 4]))),
    OpCase("float_mask_all_neg_inf_row", F.scaled_dot_product_attention, ref_sdpa,
           [rand(1, 1, 2, 4), rand(1, 1, 3, 4, seed=1), rand(1, 1, 3, 4, seed=2)],
           dict(attn_mask=np.array([[0.0, -1.0, 0.5], [-np.inf] * 3]))),
    OpCase("gqa", F.scaled_dot_product_attention, ref_sdpa,
           [rand(2, 4, 3, 8), rand(2, 2, 5, 8, seed=1), rand(2, 2, 5, 8, seed=2)], dict(enable_gqa=True)),
    OpCase("batch_broadcast_kv", F.scaled_dot_product_attention, ref_sdpa,
           [rand(2, 3, 4, 8), rand(1, 3, 5, 8, seed=1), rand(1, 3, 5, 8, seed=2)]),
]


def _tensor_masks(case):
    kwargs = dict(case.kwargs)
    if "attn_mask" in kwargs:
        m = kwargs["attn_mask"]
        kwargs["attn_mask"] = lucid.tensor(m, dtype=lucid.float64 if m.dtype != bool else None, device="cpu")
    return kwargs


def _numeric_grads(ref, inputs, upstream, eps=1e-6):
    """Central differences of the float64 NumPy reference (MLX's fused kernel keeps its softmax in float32,
    so differencing Lucid's own output would measure that rounding, not the gradient)."""
    grads = []
    for i, x in enumerate(inputs):
        g = np.zeros_like(x)
        for j in np.ndindex(x.shape):
            plus, minus = [a.copy() for a in inputs], [a.copy() for a in inputs]
            plus[i][j] += eps
            minus[i][j] -= eps
            g[j] = ((ref(*plus) - ref(*minus)) * upstream).sum() / (2 * eps)
        grads.append(g)
    return grads


@pytest.mark.parametrize("case", CASES, ids=str)
def test_sdpa_forward_and_backward(case):
    kwargs = _tensor_masks(case)
    tensors = [lucid.tensor(a, device="cpu", requires_grad=True) for a in case.inputs]
    out = F.scaled_dot_product_attention(*tensors, **kwargs)
    expected = ref_sdpa(*case.inputs, **case.kwargs)
    assert out.shape == expected.shape and out.dtype == lucid.float64
    np.testing.assert_allclose(out.numpy(), expected, atol=1e-6)

    upstream = np.random.default_rng(7).uniform(-1, 1, expected.shape)
    (out * lucid.tensor(upstream, device="cpu")).sum().backward()
    numeric = _numeric_grads(lambda *xs: ref_sdpa(*xs, **case.kwargs), case.inputs, upstream)
    for t, want in zip(tensors, numeric):
        np.testing.assert_allclose(t.grad.numpy(), want, atol=1e-6)


def test_sdpa_float32_matches_float64():
    q, k, v = rand(2, 2, 6, 8), rand(2, 2, 6, 8, seed=1), rand(2, 2, 6, 8, seed=2)
    out = F.scaled_dot_product_attention(*(lucid.tensor(a, dtype=lucid.float32) for a in (q, k, v)),
                                         is_causal=True)
    assert out.dtype == lucid.float32
    np.testing.assert_allclose(out.numpy(), ref_sdpa(q, k, v, is_causal=True), atol=1e-5)


def test_sdpa_dropout_path_keeps_the_expectation():
    q, k, v = (lucid.tensor(rand(1, 1, 4, 8, seed=s), dtype=lucid.float32) for s in range(3))
    plain = F.scaled_dot_product_attention(q, k, v).numpy()
    lucid.manual_seed(0)
    runs = np.stack([F.scaled_dot_product_attention(q, k, v, dropout_p=0.3).numpy() for _ in range(400)])
    assert not np.allclose(runs[0], plain)
    np.testing.assert_allclose(runs.mean(0), plain, atol=0.08)


def test_sdpa_float_mask_that_requires_grad_gets_its_gradient():
    q, k, v = (rand(1, 2, 3, 4, seed=s) for s in range(3))
    bias = rand(2, 3, 3, seed=7)
    upstream = np.random.default_rng(8).uniform(-1, 1, (1, 2, 3, 4))
    mask = lucid.tensor(bias, device="cpu", requires_grad=True)
    out = F.scaled_dot_product_attention(*(lucid.tensor(a, device="cpu") for a in (q, k, v)), attn_mask=mask)
    (out * lucid.tensor(upstream, device="cpu")).sum().backward()
    numeric = _numeric_grads(lambda m: ref_sdpa(q, k, v, attn_mask=m), [bias], upstream)[0]
    np.testing.assert_allclose(mask.grad.numpy(), numeric, atol=1e-7)


def test_sdpa_dropout_path_with_a_fully_masked_row_has_finite_gradients():
    q, k, v = (lucid.tensor(rand(1, 2, 3, seed=s), requires_grad=True) for s in range(3))
    mask = lucid.tensor([[True, False], [False, False]])
    out = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, dropout_p=1e-12)
    assert out[0, 1].tolist() == [0.0, 0.0, 0.0]
    out.sum().backward()
    assert all(np.isfinite(t.grad.numpy()).all() for t in (q, k, v))


def test_sdpa_dropout_path_is_differentiable_and_matches_without_dropout():
    q, k, v = (lucid.tensor(rand(2, 3, 4, seed=s), requires_grad=True) for s in range(3))
    out = F.scaled_dot_product_attention(q, k, v, dropout_p=1e-12, is_causal=True)
    np.testing.assert_allclose(out.numpy(), ref_sdpa(*(t.numpy() for t in (q, k, v)), is_causal=True), atol=1e-6)
    out.sum().backward()
    assert q.grad is not None and k.grad is not None and v.grad is not None


@pytest.mark.parametrize(("kwargs", "error", "match"), [
    (dict(attn_mask=lucid.ones(4, 5, dtype=lucid.bool), is_causal=True), ValueError, "not both"),
    (dict(attn_mask=lucid.ones(3, 3, dtype=lucid.bool)), ValueError, "does not broadcast"),
    (dict(attn_mask=lucid.ones(4, 5, dtype=lucid.int32)), TypeError, "bool"),
    (dict(dropout_p=1.5), ValueError, "dropout_p"),
    (dict(scale="big"), TypeError, "scale"),
])
def test_sdpa_bad_arguments(kwargs, error, match):
    q, k = lucid.randn(2, 4, 8), lucid.randn(2, 5, 8)
    with pytest.raises(error, match=match):
        F.scaled_dot_product_attention(q, k, k, **kwargs)


def test_sdpa_bad_shapes_name_them():
    with pytest.raises(ValueError, match="same feature size"):
        F.scaled_dot_product_attention(lucid.randn(4, 8), lucid.randn(5, 7), lucid.randn(5, 7))
    with pytest.raises(ValueError, match="same sequence length"):
        F.scaled_dot_product_attention(lucid.randn(4, 8), lucid.randn(5, 8), lucid.randn(6, 8))
    with pytest.raises(ValueError, match="enable_gqa"):
        F.scaled_dot_product_attention(lucid.randn(4, 3, 8), lucid.randn(2, 5, 8), lucid.randn(2, 5, 8))
    with pytest.raises(ValueError, match="divide"):
        F.scaled_dot_product_attention(lucid.randn(4, 3, 8), lucid.randn(3, 5, 8), lucid.randn(3, 5, 8),
                                       enable_gqa=True)
    with pytest.raises(TypeError, match="floating dtype"):
        F.scaled_dot_product_attention(lucid.randn(4, 8), lucid.randn(5, 8, dtype=lucid.float16),
                                       lucid.randn(5, 8))
