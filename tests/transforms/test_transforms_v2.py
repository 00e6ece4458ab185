"""``lucid.transforms.v2``: MixUp, CutMix, RandomChoice and the re-exported transforms."""

import numpy as np
import pytest

import lucid
from lucid import transforms as T
from lucid.transforms import v2


def _batch(n=4):
    # Image i is filled with the value i, so a pixel's value says which sample it came from.
    images = lucid.tensor(np.arange(n, dtype=np.float32)[:, None, None, None] * np.ones((n, 2, 6, 8), np.float32))
    return images, lucid.tensor(np.arange(n) % 3)


def test_v2_offers_every_transform():
    for name in T.__all__:
        if name not in ("functional", "v2", "seed", "get_generator"):
            assert getattr(v2, name) is getattr(T, name)


def test_mixup_formula():
    images, labels = _batch()
    T.seed(7)
    lam = T.get_generator().beta(0.4, 0.4)
    T.seed(7)
    x, y = v2.MixUp(alpha=0.4, num_classes=3)(images, labels)
    want = np.arange(4) * lam + np.roll(np.arange(4), 1) * (1 - lam)
    np.testing.assert_allclose(x.numpy()[:, 0, 0, 0], want, rtol=1e-6)
    oh = np.eye(3)[np.arange(4) % 3]
    np.testing.assert_allclose(y.numpy(), lam * oh + (1 - lam) * np.roll(oh, 1, axis=0), rtol=1e-6)
    assert x.dtype == lucid.float32 and y.dtype == lucid.float32


def test_cutmix_label_weight_is_the_unpasted_fraction():
    images, _labels = _batch()
    for s in range(10):
        T.seed(s)
        x, y = v2.CutMix(num_classes=4)(images, lucid.tensor([0, 1, 2, 3]))
        xs = x.numpy()
        for i in range(4):
            own = (xs[i] == i).mean()
            assert np.isclose(y.numpy()[i, i], own) or (own == 1 and y.numpy()[i, i] == 1)
            assert set(np.unique(xs[i])) <= {float(i), float((i - 1) % 4)}
        np.testing.assert_allclose(y.numpy().sum(1), 1, rtol=1e-6)


def test_mixers_accept_one_pair_and_check_inputs():
    images, labels = _batch()
    x, y = v2.MixUp(num_classes=3)((images, labels))
    assert x.shape == images.shape and y.shape == (4, 3)
    with pytest.raises(ValueError, match="num_classes"):
        v2.MixUp()
    with pytest.raises(ValueError, match="alpha"):
        v2.CutMix(alpha=0, num_classes=3)
    with pytest.raises(ValueError, match="labels"):
        v2.MixUp(num_classes=3)(images, labels[:2])
    with pytest.raises(ValueError, match="batch"):
        v2.CutMix(num_classes=3)(images[0], labels)
    with pytest.raises(TypeError, match="floating"):
        v2.MixUp(num_classes=3)(images.long(), labels)


def test_random_choice_in_a_loader_loop():
    T.seed(0)
    ds = lucid.data.TensorDataset(np.random.default_rng(0).random((8, 1, 4, 4)).astype(np.float32),
                                  np.arange(8) % 2)
    mix = v2.RandomChoice([v2.MixUp(num_classes=2), v2.CutMix(num_classes=2)], p=[0.5, 0.5])
    for xb, yb in lucid.data.DataLoader(ds, batch_size=4):
        x, y = mix(xb, yb)
        assert x.shape == (4, 1, 4, 4) and y.shape == (4, 2)
    with pytest.raises(ValueError):
        v2.RandomChoice([])
