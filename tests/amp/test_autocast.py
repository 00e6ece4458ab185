"""lucid.autocast: which ops run in the low dtype, which in float32, and that gradients flow."""

import threading

import numpy as np
import pytest

import lucid
import lucid.nn as nn
import lucid.nn.functional as F

BF16, F16, F32 = lucid.bfloat16, lucid.float16, lucid.float32


def test_off_by_default_and_restored():
    a, b = lucid.randn(3, 4), lucid.randn(4, 2)
    assert not lucid.is_autocast_enabled()
    with lucid.autocast():
        assert lucid.is_autocast_enabled()
        assert lucid.get_autocast_dtype() == BF16
        with lucid.autocast(enabled=False):
            assert (a @ b).dtype == F32
        assert (a @ b).dtype == BF16
    assert not lucid.is_autocast_enabled()
    assert (a @ b).dtype == F32


def test_restored_after_exception():
    with pytest.raises(ZeroDivisionError), lucid.autocast():
        raise ZeroDivisionError
    assert not lucid.is_autocast_enabled()


@pytest.mark.parametrize("dtype", [BF16, F16])
def test_low_precision_ops(dtype):
    a, b = lucid.randn(2, 3, 4), lucid.randn(2, 4, 5)
    q = lucid.randn(1, 2, 4, 8)
    with lucid.autocast("cuda", dtype=dtype):
        assert (a @ b).dtype == dtype
        assert lucid.matmul(a, b).dtype == dtype
        assert lucid.bmm(a, b).dtype == dtype
        assert lucid.mm(a[0], b[0]).dtype == dtype
        assert lucid.einsum("bij,bjk->bik", a, b).dtype == dtype
        assert F.linear(a, lucid.randn(6, 4)).dtype == dtype
        assert nn.Linear(4, 6)(a).dtype == dtype
        assert F.conv1d(a, lucid.randn(5, 3, 2)).dtype == dtype
        assert nn.Conv2d(2, 3, 3)(lucid.randn(1, 2, 5, 5)).dtype == dtype
        assert F.conv_transpose2d(lucid.randn(1, 2, 3, 3), lucid.randn(2, 3, 2, 2)).dtype == dtype
        assert F.scaled_dot_product_attention(q, q, q, is_causal=True).dtype == dtype


def test_float32_ops():
    x = lucid.randn(4, 6).astype(BF16)
    target = lucid.tensor([0, 1, 2, 3])
    with lucid.autocast():
        assert F.softmax(x, dim=-1).dtype == F32
        assert F.log_softmax(x, dim=-1).dtype == F32
        assert F.layer_norm(x, (6,)).dtype == F32
        assert nn.LayerNorm(6)(x).dtype == F32
        assert F.group_norm(x.reshape(2, 4, 3), 2).dtype == F32
        assert F.cross_entropy(x, target).dtype == F32
        assert F.nll_loss(F.log_softmax(x, dim=-1), target).dtype == F32
        assert F.mse_loss(x, x).dtype == F32
        assert F.l1_loss(x, x).dtype == F32
        assert F.binary_cross_entropy_with_logits(x, x.sigmoid()).dtype == F32
        assert x.sum().dtype == F32
        # ops outside the lists keep their inputs' dtype
        assert (x * 2).dtype == BF16
        assert F.relu(x).dtype == BF16


def test_float64_never_cast():
    a = lucid.randn(3, 3, dtype=lucid.float64)
    with lucid.autocast():
        assert (a @ a).dtype == lucid.float64


def test_values_close_to_float32():
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((16, 32)).astype(np.float32), rng.standard_normal((32, 8)).astype(np.float32)
    with lucid.autocast():
        c = (lucid.tensor(a) @ lucid.tensor(b)).numpy()
    np.testing.assert_allclose(c, a @ b, rtol=0.05, atol=0.1)


def test_gradients_flow_in_leaf_dtype():
    model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 4))
    x, y = lucid.randn(5, 8), lucid.tensor([0, 1, 2, 3, 0])
    with lucid.autocast():
        loss = F.cross_entropy(model(x), y)
    assert loss.dtype == F32
    loss.backward()
    ref = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 4))
    ref.load_state_dict(model.state_dict())
    F.cross_entropy(ref(x), y).backward()
    for p, q in zip(model.parameters(), ref.parameters()):
        assert p.grad.dtype == F32
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=0.1, atol=0.02)


def test_decorator_and_positional_dtype():
    @lucid.autocast(lucid.float16)
    def f(a, b):
        return a @ b

    assert f(lucid.ones(2, 2), lucid.ones(2, 2)).dtype == F16
    assert not lucid.is_autocast_enabled()


def test_per_thread():
    seen = []
    with lucid.autocast():
        t = threading.Thread(target=lambda: seen.append(lucid.is_autocast_enabled()))
        t.start()
        t.join()
    assert seen == [False]


def test_bad_arguments():
    with pytest.raises(TypeError, match="bfloat16 or lucid.float16"):
        lucid.autocast(dtype=lucid.float32)
    with pytest.raises(ValueError, match="device_type"):
        lucid.autocast("tpu")
    with pytest.raises(TypeError, match="enabled"):
        lucid.autocast(enabled=1)
    assert lucid.amp.autocast is lucid.autocast
