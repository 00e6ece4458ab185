import math

import numpy as np
import pytest

import lucid
import lucid.transforms as T
from lucid.transforms import functional as F

try:
    from PIL import Image
except ImportError:  # Pillow is a test extra; the PIL tests skip without it
    Image = None

needs_pil = pytest.mark.skipif(Image is None, reason="Pillow is not installed")


def rand_u8(*shape, seed=0):
    return np.random.default_rng(seed).integers(0, 256, size=shape, dtype=np.uint8)


def rand_f(*shape, seed=0):
    return np.random.default_rng(seed).random(shape).astype(np.float32)


# -- reference implementations written independently of lucid's ------------------

def ref_bilinear(img, out_h, out_w):
    """Half-pixel-centre bilinear (no antialias) with edge clamping, pixel by pixel."""
    h, w = img.shape[:2]
    out = np.zeros((out_h, out_w) + img.shape[2:], dtype=np.float64)
    for i in range(out_h):
        y = min(max((i + 0.5) * h / out_h - 0.5, 0), h - 1)
        y0 = math.floor(y)
        y1 = min(y0 + 1, h - 1)
        wy = y - y0
        for j in range(out_w):
            x = min(max((j + 0.5) * w / out_w - 0.5, 0), w - 1)
            x0 = math.floor(x)
            x1 = min(x0 + 1, w - 1)
            wx = x - x0
            out[i, j] = ((1 - wy) * ((1 - wx) * img[y0, x0] + wx * img[y0, x1])
                         + wy * ((1 - wx) * img[y1, x0] + wx * img[y1, x1]))
    return out


def ref_hsv_hue_shift(rgb, shift):
    import colorsys

    out = np.zeros_like(rgb, dtype=np.float64)
    for idx in np.ndindex(rgb.shape[:-1]):
        h, s, v = colorsys.rgb_to_hsv(*rgb[idx])
        out[idx] = colorsys.hsv_to_rgb((h + shift) % 1.0, s, v)
    return out


# -- ToTensor / Normalize --------------------------------------------------------

def test_to_tensor_uint8_hw_and_hwc():
    img = rand_u8(4, 5)
    t = T.ToTensor()(img)
    assert isinstance(t, lucid.Tensor) and t.shape == (1, 4, 5) and t.dtype == lucid.float32
    np.testing.assert_allclose(t.numpy()[0], img / 255.0, atol=1e-7)
    rgb = rand_u8(4, 5, 3, seed=1)
    t = T.ToTensor()(rgb)
    assert t.shape == (3, 4, 5)
    np.testing.assert_allclose(t.numpy(), rgb.transpose(2, 0, 1) / 255.0, atol=1e-7)


def test_to_tensor_float_and_bool():
    img = rand_f(3, 2, 3)
    np.testing.assert_array_equal(T.ToTensor()(img).numpy(), img.transpose(2, 0, 1))
    assert T.ToTensor()(img.astype(np.float64)).dtype == lucid.float32
    assert T.ToTensor()(np.array([[True, False]])).tolist() == [[[1.0, 0.0]]]


def test_to_tensor_errors():
    with pytest.raises(TypeError, match="int32"):
        T.ToTensor()(np.zeros((2, 2), np.int32))
    with pytest.raises(TypeError, match="Tensor"):
        T.ToTensor()(lucid.zeros(1, 2, 2))
    with pytest.raises(TypeError):
        T.ToTensor()([[1, 2]])
    with pytest.raises(ValueError, match="shape"):
        T.ToTensor()(np.zeros((1, 2, 2, 3), np.uint8))


@needs_pil
def test_to_tensor_pil_matches_numpy():
    rgb = rand_u8(6, 7, 3)
    np.testing.assert_array_equal(T.ToTensor()(Image.fromarray(rgb)).numpy(), T.ToTensor()(rgb).numpy())
    gray = rand_u8(6, 7)
    assert T.ToTensor()(Image.fromarray(gray)).shape == (1, 6, 7)
    pal = Image.fromarray(rgb).convert("P")
    assert T.ToTensor()(pal).shape == (3, 6, 7)


def test_normalize_tensor_and_numpy():
    x = rand_f(3, 4, 5)
    mean, std = [0.1, 0.5, 0.9], [0.2, 0.3, 0.4]
    out = T.Normalize(mean, std)(lucid.tensor(x))
    expected = (x - np.array(mean, np.float32)[:, None, None]) / np.array(std, np.float32)[:, None, None]
    assert out.dtype == lucid.float32
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-6, atol=1e-6)
    hwc = x.transpose(1, 2, 0).copy()
    np.testing.assert_allclose(T.Normalize(mean, std)(hwc), expected.transpose(1, 2, 0), rtol=1e-6, atol=1e-6)
    one = T.Normalize([0.5], [0.25])(lucid.tensor(x))
    np.testing.assert_allclose(one.numpy(), (x - 0.5) / 0.25, rtol=1e-6, atol=1e-6)


def test_normalize_inplace_and_batch():
    x = rand_f(4, 4, 2)
    y = x.copy()
    out = T.Normalize([0.5, 0.5], [2.0, 2.0], inplace=True)(y)
    assert out is y
    np.testing.assert_allclose(y, (x - 0.5) / 2.0, rtol=1e-6)
    t = lucid.tensor(x.transpose(2, 0, 1).copy())
    assert T.Normalize([0.5, 0.5], [2.0, 2.0], inplace=True)(t) is t
    np.testing.assert_allclose(t.numpy(), ((x - 0.5) / 2.0).transpose(2, 0, 1), rtol=1e-6)
    batch = lucid.tensor(rand_f(2, 3, 4, 4))
    assert T.Normalize([0.0] * 3, [1.0] * 3)(batch).shape == (2, 3, 4, 4)


def test_normalize_errors():
    with pytest.raises(ValueError, match="zero"):
        T.Normalize([0.5], [0.0])
    with pytest.raises(TypeError, match="float"):
        T.Normalize([0.5], [0.5])(np.zeros((2, 2), np.uint8))
    with pytest.raises(ValueError, match="channels"):
        T.Normalize([0.5, 0.5], [0.5, 0.5])(lucid.zeros(3, 2, 2))


# -- geometry --------------------------------------------------------------------

@pytest.mark.parametrize("shape,size", [((4, 6), (8, 9)), ((7, 5), (3, 2)), ((5, 5, 3), (10, 10)),
                                        ((6, 4), (6, 4))])
def test_resize_bilinear_matches_reference(shape, size):
    img = rand_f(*shape)
    out = T.Resize(size, antialias=False)(img)
    assert out.shape == size + shape[2:] and out.dtype == np.float32
    np.testing.assert_allclose(out, ref_bilinear(img, *size), atol=1e-5)


def test_resize_uint8_rounds():
    img = np.array([[0, 255]], np.uint8)
    out = T.Resize((1, 4))(img)
    assert out.dtype == np.uint8 and out.tolist() == [[0, 64, 191, 255]]


def test_resize_nearest():
    img = np.arange(16).reshape(4, 4)
    # the output centre (i + 0.5) * 2 falls in input pixel 2i + 1
    np.testing.assert_array_equal(T.Resize((2, 2), interpolation="nearest")(img), img[[1, 3]][:, [1, 3]])
    up = T.Resize((4, 2), interpolation="nearest")(np.array([[1, 2], [3, 4]]))
    assert up.tolist() == [[1, 2], [1, 2], [3, 4], [3, 4]]


def test_resize_int_keeps_aspect_and_max_size():
    assert T.Resize(16)(np.zeros((32, 48))).shape == (16, 24)
    assert T.Resize(16)(np.zeros((48, 32, 3))).shape == (24, 16, 3)
    assert T.Resize(16, max_size=20)(np.zeros((32, 64))).shape == (10, 20)
    with pytest.raises(ValueError):
        T.Resize(0)
    with pytest.raises(ValueError, match="interpolation"):
        T.Resize(4, interpolation="bicubic")


def test_resize_antialias_downscale():
    const = np.full((8, 8), 0.7, np.float32)
    np.testing.assert_allclose(T.Resize((2, 2))(const), 0.7, rtol=1e-6)
    # factor 2: a triangle of radius 2 input pixels -> weights 1/8, 3/8, 3/8, 1/8 (edge taps renormalised)
    row = np.arange(8, dtype=np.float32)[None]
    out = T.Resize((1, 4))(row)[0]
    w = np.array([1, 3, 3, 1]) / 8.0
    expected_inner = [np.dot(w, row[0, 2 * j - 1:2 * j + 3]) for j in (1, 2)]
    np.testing.assert_allclose(out[1:3], expected_inner, rtol=1e-6)
    np.testing.assert_allclose(out[0], np.dot([3, 3, 1], row[0, :3]) / 7.0, rtol=1e-6)


@needs_pil
@pytest.mark.parametrize("size", [(5, 7), (13, 17), (32, 40)])
def test_resize_matches_pil_bilinear(size):
    img = rand_f(16, 20) * 255
    ours = T.Resize(size)(img)
    pil = np.asarray(Image.fromarray(img, mode="F").resize((size[1], size[0]), Image.BILINEAR))
    np.testing.assert_allclose(ours, pil, atol=1e-3)


def test_center_crop():
    img = np.arange(30).reshape(5, 6)
    np.testing.assert_array_equal(T.CenterCrop((3, 2))(img), img[1:4, 2:4])
    np.testing.assert_array_equal(T.CenterCrop(4)(img), img[0:4, 1:5])  # round((5-4)/2) = 0 (banker's)
    padded = T.CenterCrop((7, 6))(img)
    assert padded.shape == (7, 6)
    np.testing.assert_array_equal(padded[1:6], img)
    assert padded[0].sum() == 0 and padded[6].sum() == 0


def test_random_crop_positions_and_padding():
    T.seed(0)
    img = np.arange(25, dtype=np.uint8).reshape(5, 5)
    tops = set()
    for _ in range(200):
        out = T.RandomCrop(3)(img)
        r, c = divmod(int(out[0, 0]), 5)
        np.testing.assert_array_equal(out, img[r:r + 3, c:c + 3])
        tops.add((r, c))
    assert tops == {(r, c) for r in range(3) for c in range(3)}
    out = T.RandomCrop(7, padding=1, fill=99)(img)
    np.testing.assert_array_equal(out[1:6, 1:6], img)
    assert (out[0] == 99).all()


def test_random_crop_pad_if_needed_and_errors():
    out = T.RandomCrop((4, 6), pad_if_needed=True)(np.ones((2, 3), np.float32))
    assert out.shape == (4, 6) and out.sum() == 6
    with pytest.raises(ValueError, match="pad_if_needed"):
        T.RandomCrop(6)(np.zeros((5, 5)))
    with pytest.raises(ValueError, match="padding_mode"):
        T.RandomCrop(3, padding=1, padding_mode="wrap")
    edge = T.RandomCrop(5, padding=1, padding_mode="edge")
    T.seed(3)
    assert set(np.unique(edge(np.full((3, 3), 4)))) == {4}


def test_pad_modes():
    img = np.array([[1, 2, 3]])
    assert F.pad(img, (2, 0), padding_mode="reflect").tolist() == [[3, 2, 1, 2, 3, 2, 1]]
    assert F.pad(img, (1, 0), padding_mode="symmetric").tolist() == [[1, 1, 2, 3, 3]]
    assert F.pad(img, (1, 0, 0, 1), fill=7).tolist() == [[7, 1, 2, 3], [7, 7, 7, 7]]
    rgb = F.pad(np.zeros((1, 1, 3), np.uint8), 1, fill=(1, 2, 3))
    assert rgb[0, 0].tolist() == [1, 2, 3]


def test_flips_numpy_and_tensor():
    img = rand_u8(3, 4, 2)
    np.testing.assert_array_equal(T.RandomHorizontalFlip(1.0)(img), img[:, ::-1])
    np.testing.assert_array_equal(T.RandomVerticalFlip(1.0)(img), img[::-1])
    assert T.RandomHorizontalFlip(0.0)(img) is img
    chw = rand_f(2, 3, 4)
    out = T.RandomHorizontalFlip(1.0)(lucid.tensor(chw))
    assert isinstance(out, lucid.Tensor) and out.shape == (2, 3, 4)
    np.testing.assert_array_equal(out.numpy(), chw[:, :, ::-1])
    np.testing.assert_array_equal(T.RandomVerticalFlip(1.0)(lucid.tensor(chw)).numpy(), chw[:, ::-1, :])


def test_flip_probability():
    T.seed(0)
    img = np.array([[0, 1]])
    flips = sum(T.RandomHorizontalFlip(0.3)(img)[0, 0] == 1 for _ in range(4000))
    assert abs(flips / 4000 - 0.3) < 0.03
    with pytest.raises(ValueError):
        T.RandomHorizontalFlip(1.5)


@pytest.mark.parametrize("cls, default_p", [(T.RandomHorizontalFlip, 0.5), (T.RandomVerticalFlip, 0.5),
                                             (T.RandomGrayscale, 0.1)])
def test_random_transforms_with_probability(cls, default_p):
    img = rand_u8(4, 4, 3)
    assert repr(cls()) == f"{cls.__name__}(p={default_p})"
    assert cls(0.0)(img) is img
    assert cls(1.0)(img) is not img
    T.seed(3)
    draws = [cls(0.5)(img) is img for _ in range(50)]
    T.seed(3)
    assert [cls(0.5)(img) is img for _ in range(50)] == draws and 10 < sum(draws) < 40
    with pytest.raises(ValueError, match=f"{cls.__name__}: p must be a probability"):
        cls(-0.1)


def test_rotation_multiples_of_90():
    img = rand_u8(5, 5, 3)
    np.testing.assert_array_equal(F.rotate(img, 90), np.rot90(img))
    np.testing.assert_array_equal(F.rotate(img, -90), np.rot90(img, -1))
    np.testing.assert_array_equal(F.rotate(img, 180), img[::-1, ::-1])
    np.testing.assert_array_equal(F.rotate(img, 90, interpolation="bilinear"), np.rot90(img))
    rect = rand_u8(3, 6)
    np.testing.assert_array_equal(F.rotate(rect, 90, expand=True), np.rot90(rect))
    np.testing.assert_array_equal(F.rotate(rect, 0), rect)


def test_rotation_fill_and_random_range():
    img = np.full((9, 9), 100, np.uint8)
    out = F.rotate(img, 45, fill=7)
    assert out[0, 0] == 7 and out[4, 4] == 100 and out.dtype == np.uint8
    big = F.rotate(np.ones((4, 4), np.float32), 45, expand=True, interpolation="bilinear")
    assert big.shape == (6, 6)
    T.seed(0)
    rot = T.RandomRotation((30, 30), fill=7)
    np.testing.assert_array_equal(rot(img), F.rotate(img, 30, fill=7))
    with pytest.raises(ValueError):
        T.RandomRotation(-5)
    with pytest.raises(ValueError):
        T.RandomRotation((10, 5))


def test_rotation_tensor_layout():
    chw = rand_f(2, 4, 4)
    out = T.RandomRotation((90, 90))(lucid.tensor(chw))
    np.testing.assert_array_equal(out.numpy(), np.rot90(chw, axes=(1, 2)))


# -- colour ------------------------------------------------------------------------

def gray_ref(rgb):
    return rgb[..., 0] * 0.299 + rgb[..., 1] * 0.587 + rgb[..., 2] * 0.114


def test_grayscale_and_random_grayscale():
    rgb = rand_u8(3, 4, 3)
    g = T.Grayscale()(rgb)
    assert g.shape == (3, 4, 1)
    np.testing.assert_array_equal(g[..., 0], np.clip(np.rint(gray_ref(rgb.astype(np.float64))), 0, 255))
    out = T.RandomGrayscale(p=1.0)(rgb)
    assert out.shape == (3, 4, 3) and (out[..., 0] == out[..., 2]).all()
    np.testing.assert_array_equal(out[..., 1], g[..., 0])
    assert T.RandomGrayscale(p=0.0)(rgb) is rgb
    one = rand_u8(3, 4)
    assert T.RandomGrayscale(p=1.0)(one) is one


def test_brightness_contrast_saturation_exact():
    x = rand_f(4, 5, 3)
    np.testing.assert_allclose(F.adjust_brightness(x, 1.3), np.clip(x * 1.3, 0, 1), rtol=1e-6)
    m = gray_ref(x.astype(np.float64)).mean()
    np.testing.assert_allclose(F.adjust_contrast(x, 0.6), np.clip(0.6 * x + 0.4 * m, 0, 1), atol=1e-6)
    g = gray_ref(x.astype(np.float64))[..., None]
    np.testing.assert_allclose(F.adjust_saturation(x, 1.7), np.clip(1.7 * x - 0.7 * g, 0, 1), atol=1e-6)
    u8 = rand_u8(4, 5, 3)
    np.testing.assert_array_equal(F.adjust_brightness(u8, 0.5), np.rint(u8 * 0.5).astype(np.uint8))


def test_hue_matches_colorsys():
    x = rand_f(3, 4, 3).astype(np.float64)
    for shift in (0.1, -0.37, 0.5):
        np.testing.assert_allclose(F.adjust_hue(x, shift), ref_hsv_hue_shift(x, shift), atol=1e-6)
    grey = np.full((2, 2, 3), 0.5)
    np.testing.assert_allclose(F.adjust_hue(grey, 0.3), grey)
    with pytest.raises(ValueError):
        F.adjust_hue(x, 0.6)


def test_color_jitter_fixed_ranges_and_alpha():
    x = rand_f(4, 4, 3)
    out = T.ColorJitter(brightness=(1.5, 1.5))(x)
    np.testing.assert_allclose(out, np.clip(x * 1.5, 0, 1), rtol=1e-6)
    rgba = np.concatenate([rand_u8(4, 4, 3), np.full((4, 4, 1), 9, np.uint8)], axis=-1)
    out = T.ColorJitter(0.5, 0.5, 0.5, 0.2)(rgba)
    assert out.shape == rgba.shape and out.dtype == np.uint8 and (out[..., 3] == 9).all()
    assert T.ColorJitter()(x) is x
    with pytest.raises(ValueError):
        T.ColorJitter(hue=0.7)
    with pytest.raises(ValueError):
        T.ColorJitter(brightness=-1)
    with pytest.raises(TypeError):
        T.ColorJitter(contrast="lots")


def test_color_ops_reject_other_int_types():
    with pytest.raises(TypeError, match="uint8"):
        F.adjust_brightness(np.zeros((2, 2, 3), np.int32), 1.2)


# -- kinds, composition, reproducibility ---------------------------------------------

def test_tensor_in_tensor_out_keeps_dtype():
    x = lucid.tensor(rand_f(3, 8, 8)).astype(lucid.float16)
    out = T.Resize((4, 4))(x)
    assert isinstance(out, lucid.Tensor) and out.dtype == lucid.float16 and out.shape == (3, 4, 4)
    out = T.CenterCrop(2)(lucid.tensor(rand_u8(1, 4, 4)))
    assert out.dtype == lucid.uint8 and out.shape == (1, 2, 2)


@needs_pil
def test_pil_in_pil_out():
    rgb = rand_u8(8, 10, 3)
    pil = Image.fromarray(rgb)
    for t in (T.RandomHorizontalFlip(1.0), T.CenterCrop(4), T.Resize((4, 5)), T.RandomRotation((90, 90)),
              T.ColorJitter(brightness=(0.5, 0.5)), T.RandomGrayscale(1.0)):
        out = t(pil)
        assert isinstance(out, Image.Image) and out.mode == "RGB"
        np.testing.assert_array_equal(np.asarray(out), t(rgb))
    gray = Image.fromarray(rand_u8(6, 6))
    assert T.CenterCrop(3)(gray).mode == "L"
    with pytest.raises(NotImplementedError, match="convert"):
        T.CenterCrop(2)(Image.fromarray(rgb).convert("CMYK"))


def test_compose_and_lambda():
    pipe = T.Compose([T.Lambda(lambda a: a[:2]), T.ToTensor(), T.Normalize([0.5], [0.5])])
    out = pipe(np.full((3, 3), 255, np.uint8))
    assert out.shape == (1, 2, 3) and np.allclose(out.numpy(), 1.0)
    assert "ToTensor" in repr(pipe)
    with pytest.raises(TypeError):
        T.Compose([T.ToTensor(), 3])
    with pytest.raises(TypeError):
        T.Lambda(None)


def test_seed_makes_augmentation_reproducible():
    pipe = T.Compose([T.RandomCrop(6, padding=2), T.RandomHorizontalFlip(), T.RandomRotation(20),
                      T.ColorJitter(0.3, 0.3, 0.3, 0.05)])
    img = rand_u8(8, 8, 3)
    T.seed(123)
    a = [pipe(img) for _ in range(5)]
    T.seed(123)
    b = [pipe(img) for _ in range(5)]
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)
    assert any(not np.array_equal(a[0], x) for x in a[1:])
    assert isinstance(T.get_generator(), np.random.Generator)
    with pytest.raises(ValueError):
        T.seed(-1)


def test_bad_inputs():
    with pytest.raises(TypeError, match="NumPy array"):
        T.RandomHorizontalFlip(1.0)("image.png")
    with pytest.raises(TypeError):
        T.CenterCrop("big")
    with pytest.raises(ValueError):
        T.CenterCrop(0)
