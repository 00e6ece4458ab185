"""The augmentations of ``lucid.transforms.augment`` and their functional operations."""

import math

import numpy as np
import pytest

import lucid
from lucid import transforms as T
from lucid.transforms import functional as F
from lucid.transforms.augment import _apply_op

RNG = np.random.default_rng(0)
IMG = RNG.integers(0, 256, (12, 10, 3), dtype=np.uint8)
FIMG = RNG.random((12, 10, 3))


# -- functional ---------------------------------------------------------------------------------

def test_affine_rotation_matches_rotate_with_the_opposite_sign():
    for mode in ("nearest", "bilinear"):
        np.testing.assert_allclose(F.affine(FIMG, 37, (0, 0), 1.0, 0, mode), F.rotate(FIMG, -37, mode))


@pytest.mark.parametrize("mode", ["nearest", "bilinear"])
def test_rotate_fill_none_is_zero_like_affine(mode):
    """``fill=None`` fills the uncovered corners with 0 (it used to read as NaN in rotate)."""
    out = F.rotate(FIMG, 37, mode, fill=None)
    assert not np.isnan(out).any()
    np.testing.assert_array_equal(out, F.rotate(FIMG, 37, mode, fill=0))
    np.testing.assert_allclose(out, F.affine(FIMG, -37, (0, 0), 1.0, 0, mode, fill=None))


def test_affine_translate_scale_and_shear():
    out = F.affine(IMG, 0, (2, 1), 1.0, 0)
    assert (out[1:, 2:] == IMG[:-1, :-2]).all() and (out[0] == 0).all() and (out[:, :2] == 0).all()
    # Shear by 45 degrees about (0, 0): output (x, y) reads input (x + y, y).
    out = F.affine(IMG, 0, (0, 0), 1.0, (45, 0), center=(0, 0))
    for y in range(4):
        assert (out[y, : 10 - y] == IMG[y, y:]).all()
    # Scale 2 about the centre of a 3x3 image: the middle pixel stays put.
    small = np.arange(9.0).reshape(3, 3)
    assert F.affine(small, 0, (0, 0), 2.0, 0)[1, 1] == 4.0


def test_affine_bad_arguments():
    with pytest.raises(ValueError, match="scale"):
        F.affine(IMG, 0, (0, 0), 0.0, 0)
    with pytest.raises(TypeError, match="translate"):
        F.affine(IMG, 0, 3, 1.0, 0)


def test_perspective_identity_and_translation():
    h, w = IMG.shape[:2]
    corners = [[0, 0], [w - 1, 0], [w - 1, h - 1], [0, h - 1]]
    np.testing.assert_array_equal(F.perspective(IMG, corners, corners, "nearest"), IMG)
    moved = [[x + 1, y + 2] for x, y in corners]
    np.testing.assert_array_equal(F.perspective(IMG, corners, moved, "nearest"), F.affine(IMG, 0, (1, 2), 1.0, 0))


def test_gaussian_blur_matches_a_direct_convolution():
    img = RNG.random((9, 11))
    k = 5
    sigma = 1.3
    x = np.arange(k) - 2
    g = np.exp(-0.5 * (x / sigma) ** 2)
    g /= g.sum()
    kernel = np.outer(g, g)
    padded = np.pad(img, 2, mode="reflect")
    want = np.array([[np.sum(padded[i:i + k, j:j + k] * kernel) for j in range(11)] for i in range(9)])
    np.testing.assert_allclose(F.gaussian_blur(img, k, sigma), want, rtol=1e-12)
    assert np.allclose(F.gaussian_blur(np.full((6, 6), 0.25), 3), 0.25)
    with pytest.raises(ValueError, match="odd"):
        F.gaussian_blur(img, 4)


def test_erase_on_arrays_and_tensors():
    out = F.erase(IMG, 2, 3, 4, 5, value=(1, 2, 3))
    assert (out[2:6, 3:8] == [1, 2, 3]).all() and (out[:2] == IMG[:2]).all()
    t = lucid.ones(3, 4, 4)
    e = F.erase(t, 1, 1, 2, 2, value=0)
    assert e.shape == (3, 4, 4) and e.sum().item() == 48 - 12 and t.sum().item() == 48


def test_resized_crop_is_crop_then_resize():
    np.testing.assert_allclose(F.resized_crop(FIMG, 2, 1, 6, 4, (3, 2)),
                               F.resize(F.crop(FIMG, 2, 1, 6, 4), (3, 2)))


def test_colour_ops_match_pil():
    Image = pytest.importorskip("PIL.Image")
    from PIL import ImageEnhance, ImageOps

    pil = Image.fromarray(IMG)
    np.testing.assert_array_equal(F.equalize(IMG), np.asarray(ImageOps.equalize(pil)))
    np.testing.assert_array_equal(F.autocontrast(IMG), np.asarray(ImageOps.autocontrast(pil)))
    np.testing.assert_array_equal(F.posterize(IMG, 3), np.asarray(ImageOps.posterize(pil, 3)))
    np.testing.assert_array_equal(F.solarize(IMG, 100), np.asarray(ImageOps.solarize(pil, 100)))
    np.testing.assert_array_equal(F.invert(IMG), np.asarray(ImageOps.invert(pil)))
    sharp = np.asarray(ImageEnhance.Sharpness(pil).enhance(1.7)).astype(int)
    assert np.abs(F.adjust_sharpness(IMG, 1.7).astype(int) - sharp).max() <= 1


def test_colour_ops_on_float_images_keep_range_and_dtype():
    for out in (F.posterize(FIMG, 2), F.equalize(FIMG), F.solarize(FIMG, 0.5), F.autocontrast(FIMG),
                F.invert(FIMG), F.adjust_sharpness(FIMG, 0.3)):
        assert out.dtype == FIMG.dtype and out.shape == FIMG.shape
        assert out.min() >= 0 and out.max() <= 1
    np.testing.assert_allclose(F.solarize(FIMG, 0.5), np.where(FIMG >= 0.5, 1 - FIMG, FIMG))


# -- transforms ---------------------------------------------------------------------------------

def test_random_resized_crop_params_and_output():
    T.seed(0)
    for _ in range(20):
        top, left, h, w = T.RandomResizedCrop.get_params(IMG, (0.08, 1.0), (3 / 4, 4 / 3))
        assert top >= 0 and top + h <= 12 and left >= 0 and left + w <= 10 and h > 0 and w > 0
    # Impossible ratio: the fallback is the centred crop clipped to the ratio.
    assert T.RandomResizedCrop.get_params(IMG, (1.0, 1.0), (4.0, 4.0)) == (5, 0, 2, 10)
    full = T.RandomResizedCrop((6, 5), scale=(1.0, 1.0), ratio=(10 / 12, 10 / 12))(FIMG)
    np.testing.assert_allclose(full, F.resize(FIMG, (6, 5)))
    t = T.RandomResizedCrop(4)(lucid.ones(3, 12, 10))
    assert isinstance(t, lucid.Tensor) and t.shape == (3, 4, 4)


def test_random_erasing():
    T.seed(0)
    assert T.RandomErasing(p=0.0)(IMG) is IMG
    x = lucid.ones(3, 20, 20)
    out = T.RandomErasing(p=1.0, value=(5, 6, 7))(x)
    changed = out.numpy() != 1
    assert changed.any() and set(np.unique(out.numpy()[0][changed[0]])) == {5.0}
    noisy = T.RandomErasing(p=1.0, value="random")(np.ones((20, 20, 3)))
    assert noisy.shape == (20, 20, 3) and (noisy != 1).any()
    with pytest.raises(ValueError):
        T.RandomErasing(value="noise")


def test_gaussian_blur_transform_draws_sigma():
    T.seed(0)
    blur = T.GaussianBlur(5, sigma=(0.5, 2.0))
    a, b = blur(FIMG), blur(FIMG)
    assert a.shape == FIMG.shape and not np.allclose(a, b)
    with pytest.raises(ValueError):
        T.GaussianBlur(4)


def test_random_affine_and_perspective():
    T.seed(0)
    out = T.RandomAffine(degrees=10, translate=(0.1, 0.1), scale=(0.9, 1.1), shear=5)(IMG)
    assert out.shape == IMG.shape and out.dtype == IMG.dtype
    angle, (tx, ty), s, (sx, sy) = T.RandomAffine(degrees=(5, 5), shear=(1, 2, 3, 4)).get_params((12, 10))
    assert angle == 5 and (tx, ty) == (0, 0) and s == 1.0 and 1 <= sx <= 2 and 3 <= sy <= 4
    assert T.RandomPerspective(p=0.0)(IMG) is IMG
    start, end = T.RandomPerspective.get_params(10, 12, 0.5)
    assert start == [[0, 0], [9, 0], [9, 11], [0, 11]]
    assert all(0 <= x <= 9 and 0 <= y <= 11 for x, y in end)
    assert T.RandomPerspective(p=1.0)(lucid.ones(3, 12, 10)).shape == (3, 12, 10)


@pytest.mark.parametrize("name", ["Identity", "ShearX", "ShearY", "TranslateX", "TranslateY", "Rotate", "Brightness",
                                  "Color", "Contrast", "Sharpness", "Posterize", "Solarize", "AutoContrast",
                                  "Equalize", "Invert"])
@pytest.mark.parametrize("img", [IMG, FIMG.astype(np.float32)], ids=["uint8", "float32"])
def test_every_policy_operation_keeps_shape_and_dtype(name, img):
    m = {"Posterize": 4, "Solarize": 128.0}.get(name, 0.3)
    out = _apply_op(img, name, m, "nearest", None)
    assert out.shape == img.shape and out.dtype == img.dtype


@pytest.mark.parametrize("make", [lambda: T.AutoAugment(), lambda: T.AutoAugment("cifar10"),
                                  lambda: T.AutoAugment(T.AutoAugmentPolicy.SVHN), lambda: T.RandAugment(),
                                  lambda: T.RandAugment(num_ops=3, magnitude=30), lambda: T.TrivialAugmentWide()],
                         ids=["auto_imagenet", "auto_cifar10", "auto_svhn", "rand", "rand_max", "trivial"])
def test_policies_are_reproducible_and_keep_the_image_kind(make):
    tf = make()
    T.seed(3)
    a = [tf(IMG) for _ in range(10)]
    T.seed(3)
    b = [tf(IMG) for _ in range(10)]
    assert all((x == y).all() for x, y in zip(a, b))
    assert any((x != IMG).any() for x in a)
    t = tf(lucid.tensor(FIMG.transpose(2, 0, 1).astype(np.float32)))
    assert isinstance(t, lucid.Tensor) and t.shape == (3, 12, 10) and t.dtype == lucid.float32


def test_policy_argument_checks():
    with pytest.raises(ValueError):
        T.AutoAugment("mnist")
    with pytest.raises(ValueError):
        T.RandAugment(magnitude=31)
    with pytest.raises(ValueError):
        T.TrivialAugmentWide(interpolation="cubic")


def test_policy_on_pil_images():
    Image = pytest.importorskip("PIL.Image")
    out = T.RandAugment()(Image.fromarray(IMG))
    assert out.size == (10, 12) and out.mode == "RGB"
    assert math.isclose(float(np.asarray(out).mean()) >= 0, True)
