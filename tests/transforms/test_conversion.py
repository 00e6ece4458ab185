"""transforms.ToPILImage and transforms.ConvertImageDtype against NumPy (torchvision's rules)."""

import numpy as np
import pytest

import lucid
from lucid.transforms import ConvertImageDtype, ToPILImage

Image = pytest.importorskip("PIL.Image")


def test_to_pil_from_float_tensor_truncates():
    x = np.random.default_rng(0).random((3, 4, 5)).astype(np.float32)
    img = ToPILImage()(lucid.tensor(x))
    assert img.mode == "RGB" and img.size == (5, 4)
    np.testing.assert_array_equal(np.asarray(img), (np.transpose(x, (1, 2, 0)) * 255).astype(np.uint8))


@pytest.mark.parametrize("dtype, mode", [(np.uint8, "L"), (np.int16, "I;16"), (np.int32, "I"), (np.float32, "F")])
def test_to_pil_one_channel_modes(dtype, mode):
    arr = (np.arange(12).reshape(3, 4) * 7).astype(dtype)
    img = ToPILImage()(arr)
    assert img.mode == mode and img.size == (4, 3)
    np.testing.assert_array_equal(np.asarray(img).astype(np.float64), arr.astype(np.float64))


def test_to_pil_channels_and_explicit_mode():
    arr = np.random.default_rng(1).integers(0, 256, (2, 3, 4), dtype=np.uint8)
    assert ToPILImage()(arr).mode == "RGBA"
    assert ToPILImage()(arr[:, :, :2]).mode == "LA"
    f = ToPILImage(mode="F")(lucid.tensor(np.full((1, 2, 2), 0.25, np.float32)))
    assert f.mode == "F" and f.getpixel((0, 0)) == 0.25
    t = lucid.tensor(np.transpose(arr[:, :, :3], (2, 0, 1)))
    np.testing.assert_array_equal(np.asarray(ToPILImage()(t)), arr[:, :, :3])
    assert repr(ToPILImage(mode="RGB")) == "ToPILImage(mode='RGB')"


def test_to_pil_bad_input():
    with pytest.raises(TypeError):
        ToPILImage()([[1, 2]])
    with pytest.raises(ValueError, match="channels"):
        ToPILImage()(np.zeros((2, 2, 5), np.uint8))
    with pytest.raises(ValueError, match="mode"):
        ToPILImage(mode="RGBA")(np.zeros((2, 2, 3), np.uint8))
    with pytest.raises(ValueError):
        ToPILImage()(lucid.zeros(1, 2, 2, 2))
    with pytest.raises(ValueError, match="uint8"):
        ToPILImage()(np.zeros((2, 2, 3), np.float32))


def test_convert_image_dtype_int_float():
    u8 = np.array([0, 1, 128, 255], np.uint8)
    out = ConvertImageDtype(lucid.float32)(lucid.tensor(u8))
    assert out.dtype == lucid.float32
    np.testing.assert_allclose(out.numpy(), u8 / 255.0, rtol=1e-6)
    f = np.array([0.0, 0.2, 0.5, 0.999, 1.0], np.float32)
    back = ConvertImageDtype(lucid.uint8)(lucid.tensor(f))
    assert back.dtype == lucid.uint8
    np.testing.assert_array_equal(back.numpy(), (f * (255 + 1 - 1e-3)).astype(np.uint8))
    d = ConvertImageDtype(lucid.float64)(lucid.tensor(f))
    assert d.dtype == lucid.float64


def test_convert_image_dtype_int_int():
    u8 = np.array([0, 1, 255], np.uint8)
    i32 = ConvertImageDtype(lucid.int32)(lucid.tensor(u8))
    assert i32.dtype == lucid.int32 and i32.tolist() == [0, 2**23, 255 * 2**23]
    big = np.array([0, 2**23, 2**31 - 1], np.int32)
    assert ConvertImageDtype(lucid.uint8)(lucid.tensor(big)).tolist() == [0, 1, 255]
    same = lucid.tensor(u8)
    assert ConvertImageDtype(lucid.uint8)(same) is same


def test_convert_image_dtype_bad_input():
    with pytest.raises(RuntimeError):
        ConvertImageDtype(lucid.int32)(lucid.tensor([0.5]))
    with pytest.raises(TypeError):
        ConvertImageDtype("float32")
    with pytest.raises(TypeError):
        ConvertImageDtype(lucid.float32)(np.zeros(3))
