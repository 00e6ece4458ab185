import numpy as np
import pytest

import lucid
import lucid.nn as nn
import lucid.nn.functional as F
from tests.helpers import check_dtype_preserved


@pytest.mark.parametrize("fn, shape", [(F.dropout, (2, 3)), (F.dropout1d, (2, 3, 4)), (F.dropout2d, (2, 3, 4, 4)),
                                       (F.dropout3d, (2, 3, 4, 4, 4)), (F.alpha_dropout, (2, 3)),
                                       (F.feature_alpha_dropout, (2, 3, 4))])
def test_identity_in_eval_and_for_p0(fn, shape):
    x = lucid.ones(*shape)
    assert fn(x, 0.5, training=False) is x
    assert fn(x, 0.0, training=True) is x


def test_dropout_values_and_rate():
    p = 0.3
    x = lucid.ones(200, 100)
    y = F.dropout(x, p).numpy()
    assert set(np.unique(y)) <= {0.0, np.float32(1 / (1 - p))}
    assert abs((y == 0).mean() - p) < 0.02
    assert abs(y.mean() - 1.0) < 0.03


def test_dropout_gradient_is_mask():
    x = lucid.tensor(np.random.default_rng(0).uniform(1, 2, (50, 40)), requires_grad=True)
    up = np.random.default_rng(1).standard_normal((50, 40))
    y = F.dropout(x, 0.4)
    (y * lucid.tensor(up)).sum().backward()
    mask = y.numpy() / x.numpy()
    np.testing.assert_allclose(x.grad.numpy(), up * mask, rtol=1e-12)
    assert set(np.round(np.unique(mask), 6)) <= {0.0, round(1 / 0.6, 6)}


def test_masks_are_reproducible_and_fresh():
    lucid.random.seed(123)
    a = F.dropout(lucid.ones(64), 0.5).numpy()
    b = F.dropout(lucid.ones(64), 0.5).numpy()
    lucid.random.seed(123)
    a2 = F.dropout(lucid.ones(64), 0.5).numpy()
    np.testing.assert_array_equal(a, a2)
    assert not np.array_equal(a, b)


def test_p_one_drops_everything():
    x = lucid.ones(3, 4, requires_grad=True)
    y = F.dropout(x, 1.0)
    assert y.tolist() == [[0.0] * 4] * 3
    y.sum().backward()
    assert x.grad.tolist() == [[0.0] * 4] * 3


@pytest.mark.parametrize("p", [-0.1, 1.5, float("nan")])
def test_bad_p(p):
    with pytest.raises(ValueError, match="between 0 and 1"):
        F.dropout(lucid.ones(2), p)
    with pytest.raises(ValueError, match="between 0 and 1"):
        nn.Dropout(p)


def test_bad_types():
    with pytest.raises(TypeError, match="number"):
        F.dropout(lucid.ones(2), "0.5")
    with pytest.raises(TypeError, match="floating-point"):
        F.dropout(lucid.tensor([1, 2]), 0.5)
    with pytest.raises(TypeError, match="Tensor"):
        F.dropout([1.0, 2.0], 0.5)


@pytest.mark.parametrize("fn, shape, spatial", [
    (F.dropout1d, (4, 16, 5), 1), (F.dropout1d, (16, 5), 1),
    (F.dropout2d, (4, 16, 3, 3), 2), (F.dropout2d, (16, 3, 3), 2),
    (F.dropout3d, (2, 16, 2, 2, 2), 3), (F.dropout3d, (16, 2, 2, 2), 3),
])
def test_channel_dropout_drops_whole_channels(fn, shape, spatial):
    y = fn(lucid.ones(*shape), 0.5).numpy()
    per_channel = y.reshape(y.shape[: y.ndim - spatial] + (-1,))
    assert (per_channel == per_channel[..., :1]).all()
    assert set(np.unique(y)) <= {0.0, 2.0}
    assert 0.0 in y and 2.0 in y


def test_channel_dropout_shape_errors():
    with pytest.raises(ValueError, match=r"dropout1d: expected a 2-D or 3-D input"):
        F.dropout1d(lucid.ones(2, 3, 4, 5))
    with pytest.raises(ValueError, match=r"dropout2d: expected a 3-D or 4-D input"):
        F.dropout2d(lucid.ones(2, 3))
    with pytest.raises(ValueError, match=r"dropout3d"):
        F.dropout3d(lucid.ones(2, 3, 4))


def test_alpha_dropout_keeps_mean_and_variance():
    lucid.random.seed(0)
    x = lucid.random.randn(200_000)
    y = F.alpha_dropout(x, 0.2, training=True).numpy()
    assert abs(y.mean()) < 0.02
    assert abs(y.var() - 1.0) < 0.03
    # Dropped units all take one value: a * alpha' * (p - 1).
    a = (1 / ((1.7580993408473766 ** 2 * 0.2 + 1) * 0.8)) ** 0.5
    dropped = a * 1.7580993408473766 * (0.2 - 1)
    assert abs((np.isclose(y, dropped, atol=1e-6)).mean() - 0.2) < 0.01


def test_alpha_dropout_gradient():
    x = lucid.tensor(np.linspace(-1, 1, 100), requires_grad=True)
    y = F.alpha_dropout(x, 0.5, training=True)
    y.sum().backward()
    a = (1 / ((1.7580993408473766 ** 2 * 0.5 + 1) * 0.5)) ** 0.5
    g = x.grad.numpy()
    assert set(np.round(np.unique(g), 9)) <= {0.0, round(a, 9)}


def test_feature_alpha_dropout_is_per_channel():
    y = F.feature_alpha_dropout(lucid.ones(4, 8, 6), 0.5, training=True).numpy()
    assert (y == y[..., :1]).all()


def test_drop_path():
    x = lucid.ones(64, 3, 2, requires_grad=True)
    assert F.drop_path(x, 0.5) is x  # training defaults to False
    y = F.drop_path(x, 0.25, training=True)
    v = y.numpy()
    assert (v.reshape(64, -1) == v.reshape(64, -1)[:, :1]).all()
    assert set(np.unique(v)) <= {0.0, np.float32(1 / 0.75)}
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), v)
    unscaled = F.drop_path(lucid.ones(64, 3), 0.25, training=True, scale_by_keep=False).numpy()
    assert set(np.unique(unscaled)) <= {0.0, 1.0}
    assert F.drop_path(lucid.ones(4, 2), 1.0, training=True).tolist() == [[0.0, 0.0]] * 4


@pytest.mark.parametrize("fn", [lambda x: F.dropout(x, 0.5), lambda x: F.dropout1d(x, 0.5),
                                lambda x: F.alpha_dropout(x, 0.5, training=True),
                                lambda x: F.drop_path(x, 0.5, training=True)])
def test_dtype_preserved(fn):
    check_dtype_preserved(fn, shape=(2, 3, 4))


def test_inplace():
    x = lucid.ones(10, 10)
    assert F.dropout(x, 0.5, inplace=True) is x
    assert x._version == 1
    assert set(np.unique(x.numpy())) <= {0.0, 2.0}


def test_modules_train_eval_and_repr():
    m = nn.Dropout(0.25)
    assert repr(m) == "Dropout(p=0.25, inplace=False)"
    x = lucid.ones(100, 10)
    assert m(x) is not x
    m.eval()
    assert m(x) is x
    m.train()
    assert (m(x).numpy() == 0).any()
    assert repr(nn.Dropout2d(0.1, inplace=True)) == "Dropout2d(p=0.1, inplace=True)"
    assert repr(nn.AlphaDropout(0.1)) == "AlphaDropout(p=0.1, inplace=False)"
    dp = nn.DropPath(0.1)
    assert repr(dp) == "DropPath(drop_prob=0.100)"
    assert dp.eval()(x) is x
    for mod in (nn.Dropout1d(), nn.Dropout3d(), nn.FeatureAlphaDropout(), dp):
        assert list(mod.state_dict()) == []
    with pytest.raises(ValueError, match="drop_prob"):
        nn.DropPath(2.0)


# -- float32 (one fused pass each way) -------------------------------------------------------------
@pytest.mark.parametrize("fn,shape", [(F.dropout, (40, 30)), (F.dropout2d, (4, 6, 5, 5)),
                                      (lambda x, p: F.drop_path(x, p, training=True), (16, 3, 4))])
def test_float32_gradient_is_scaled_mask(fuse_all, fn, shape):
    rng = np.random.default_rng(2)
    x = lucid.tensor(rng.uniform(1, 2, shape).astype(np.float32), requires_grad=True)
    up = rng.standard_normal(shape).astype(np.float32)
    y = fn(x, 0.25)
    (y * lucid.tensor(up)).sum().backward()
    mask = y.numpy() / x.numpy()
    assert (np.isclose(mask, 0.0) | np.isclose(mask, 1 / 0.75, rtol=1e-6)).all()
    np.testing.assert_allclose(x.grad.numpy(), up * mask, rtol=1e-6)


def test_float32_alpha_dropout_affine_map(fuse_all):
    p, alpha = 0.2, 1.7580993408473766
    a = ((1 - p) * (1 + p * alpha ** 2)) ** -0.5
    x = lucid.tensor(np.random.default_rng(3).standard_normal((30, 20)).astype(np.float32), requires_grad=True)
    y = F.alpha_dropout(x, p, training=True)
    kept = np.isclose(y.numpy(), a * x.numpy() + a * alpha * p, rtol=1e-5, atol=1e-6)
    dropped = np.isclose(y.numpy(), a * alpha * (p - 1), rtol=1e-5)
    assert (kept ^ dropped).all() and kept.any() and dropped.any()
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.where(kept, a, 0.0), rtol=1e-6)
