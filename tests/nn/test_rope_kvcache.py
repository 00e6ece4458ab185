"""RotaryEmbedding / F.rotary_embedding against NumPy, and KVCache's growth and errors."""

from __future__ import annotations

import numpy as np
import pytest

import lucid
import lucid.nn as nn
import lucid.nn.functional as F
from tests.helpers import rand


def rope_ref(x, dims, offset=0, base=10000.0, scale=1.0, traditional=False):
    x = np.asarray(x, np.float64)
    pos = (np.arange(offset, offset + x.shape[-2]) * scale)[:, None]
    ang = pos * base ** (-np.arange(dims // 2) * 2 / dims)
    cos, sin = np.cos(ang), np.sin(ang)
    rot, rest = x[..., :dims], x[..., dims:]
    if traditional:
        a, b = rot[..., 0::2], rot[..., 1::2]
        out = np.empty_like(rot)
        out[..., 0::2], out[..., 1::2] = a * cos - b * sin, a * sin + b * cos
    else:
        a, b = rot[..., : dims // 2], rot[..., dims // 2:]
        out = np.concatenate([a * cos - b * sin, a * sin + b * cos], axis=-1)
    return np.concatenate([out, rest], axis=-1)


@pytest.mark.parametrize("traditional", [False, True])
@pytest.mark.parametrize("dims,offset,shape", [(8, 0, (2, 3, 5, 8)), (4, 7, (1, 2, 3, 6)), (6, 2, (4, 6))])
def test_rope_matches_numpy(traditional, dims, offset, shape):
    x = rand(*shape, seed=1).astype(np.float32)
    got = F.rotary_embedding(lucid.tensor(x), dims, offset=offset, base=500.0, traditional=traditional)
    np.testing.assert_allclose(got.numpy(), rope_ref(x, dims, offset, 500.0, traditional=traditional),
                               atol=1e-5, rtol=1e-5)
    assert got.dtype == lucid.float32 and got.shape == shape


def test_rope_module_and_scale():
    x = rand(1, 2, 4, 8, seed=2).astype(np.float32)
    rope = nn.RotaryEmbedding(8, scale=0.5)
    np.testing.assert_allclose(rope(lucid.tensor(x), 3).numpy(), rope_ref(x, 8, 3, scale=0.5), atol=1e-5)
    assert repr(rope) == "RotaryEmbedding(8, base=10000.0, scale=0.5)"
    assert list(rope.parameters()) == []


def test_rope_relative_positions():
    """q_m . k_n depends only on m - n."""
    q = lucid.tensor(rand(1, 1, 1, 8, seed=3).astype(np.float32))
    k = lucid.tensor(rand(1, 1, 1, 8, seed=4).astype(np.float32))
    dot = lambda m, n: (F.rotary_embedding(q, offset=m) * F.rotary_embedding(k, offset=n)).sum().item()  # noqa: E731
    assert dot(5, 2) == pytest.approx(dot(13, 10), abs=1e-5)


@pytest.mark.parametrize("traditional", [False, True])
def test_rope_backward(traditional):
    x = lucid.tensor(rand(2, 2, 3, 6, seed=5), requires_grad=True)
    assert lucid.autograd.gradcheck(lambda a: F.rotary_embedding(a, 4, offset=2, traditional=traditional), [x])


def test_rope_errors():
    with pytest.raises(ValueError, match="dims must be even and at most the feature size 6, got 8"):
        F.rotary_embedding(lucid.ones(1, 3, 6), 8)
    with pytest.raises(ValueError, match="floating tensor"):
        F.rotary_embedding(lucid.ones(1, 3, 6, dtype=lucid.int32))
    with pytest.raises(ValueError, match="offset must be >= 0"):
        F.rotary_embedding(lucid.ones(1, 3, 6), offset=-1)
    with pytest.raises(TypeError, match="must be a Tensor"):
        F.rotary_embedding(np.ones((1, 3, 6)))
    with pytest.raises(ValueError, match="positive even int"):
        nn.RotaryEmbedding(5)
    with pytest.raises(ValueError, match=r"RotaryEmbedding\(8\): input features 4 \(shape \(2, 3, 4\)\)"):
        nn.RotaryEmbedding(8)(lucid.ones(2, 3, 4))


def test_kv_cache_appends_across_block_boundaries():
    cache = nn.KVCache(step=3)
    ks = rand(2, 4, 8, 5, seed=6).astype(np.float32)
    vs = rand(2, 4, 8, 2, seed=7).astype(np.float32)
    for a, b in ((0, 2), (2, 3), (3, 7), (7, 8)):
        k, v = cache.update(lucid.tensor(ks[:, :, a:b]), lucid.tensor(vs[:, :, a:b]))
        assert cache.offset == b and k.shape == (2, 4, b, 5) and v.shape == (2, 4, b, 2)
        np.testing.assert_array_equal(k.numpy(), ks[:, :, :b])
        np.testing.assert_array_equal(v.numpy(), vs[:, :, :b])
    cache.reset()
    assert cache.offset == 0 and cache.keys is None


def test_kv_cache_errors():
    cache = nn.KVCache()
    with pytest.raises(ValueError, match="must agree except in the last dim"):
        cache.update(lucid.ones(1, 2, 3, 4), lucid.ones(1, 2, 2, 4))
    cache.update(lucid.ones(1, 2, 3, 4), lucid.ones(1, 2, 3, 4))
    with pytest.raises(ValueError, match=r"do not match the cached ones"):
        cache.update(lucid.ones(2, 2, 1, 4), lucid.ones(2, 2, 1, 4))
    with pytest.raises(TypeError, match="must be Tensors"):
        cache.update(np.ones((1, 2, 1, 4)), lucid.ones(1, 2, 1, 4))
    with pytest.raises(ValueError, match="step must be a positive int"):
        nn.KVCache(0)
