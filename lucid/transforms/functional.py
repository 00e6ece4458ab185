"""Image operations on the host, in NumPy, for NumPy arrays, lucid Tensors and PIL images.

Layouts: a NumPy array is ``(H, W)`` or ``(H, W, C)``; a lucid Tensor is
``(C, H, W)`` (or ``(..., C, H, W)``, or ``(H, W)``); a PIL image is read
through ``numpy.asarray`` (modes L, LA, RGB, RGBA, I, F). Every function
returns the kind, layout and dtype it was given. Integer images are rounded
and clipped to their dtype's range; colour operations treat uint8 images as
0..255 and float images as 0..1. Internally the maths runs on arrays of shape
``(..., H, W, C)``.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Sequence

import numpy as np

from lucid._tensor import Tensor

__all__ = ["to_tensor", "normalize", "resize", "crop", "center_crop", "pad", "hflip", "vflip", "rotate",
           "rgb_to_grayscale", "adjust_brightness", "adjust_contrast", "adjust_saturation", "adjust_hue",
           "get_image_size", "get_image_num_channels"]

_PIL_MODES = ("L", "LA", "RGB", "RGBA", "I", "F")
_GRAY_WEIGHTS = np.array([0.299, 0.587, 0.114], dtype=np.float32)  # ITU-R 601-2 luma


def _is_pil(img) -> bool:
    mod = type(img).__module__
    return mod.startswith("PIL.") and hasattr(img, "mode") and hasattr(img, "size")


def _to_hwc(a: np.ndarray) -> np.ndarray:
    """(..., C, H, W) -> (..., H, W, C) as a view (np.moveaxis is slow for small images)."""
    n = a.ndim
    return a.transpose(tuple(range(n - 3)) + (n - 2, n - 1, n - 3))


def _to_chw(a: np.ndarray) -> np.ndarray:
    """(..., H, W, C) -> (..., C, H, W) as a view."""
    n = a.ndim
    return a.transpose(tuple(range(n - 3)) + (n - 1, n - 3, n - 2))


def _unpack(img, who: str):
    """``(array (..., H, W, C), pack)``: ``pack(array)`` turns a result back into ``img``'s kind."""
    if isinstance(img, np.ndarray):
        if img.ndim == 2:
            return img[..., None], lambda a: a[..., 0]
        if img.ndim == 3:
            return img, lambda a: a
        raise ValueError(f"{who}: a NumPy image must be (H, W) or (H, W, C), got shape {img.shape}")
    if isinstance(img, Tensor):
        if img.ndim < 2:
            raise ValueError(f"{who}: a Tensor image must be (C, H, W) or (H, W), got shape {img.shape}")
        arr = img.numpy()
        dtype, device = img.dtype, img.device
        if img.ndim == 2:
            return arr[..., None], lambda a: Tensor(np.ascontiguousarray(a[..., 0]), dtype=dtype, device=device)
        return _to_hwc(arr), lambda a: Tensor(np.ascontiguousarray(_to_chw(a)), dtype=dtype, device=device)
    if _is_pil(img):
        from PIL import Image

        if img.mode not in _PIL_MODES:
            raise NotImplementedError(f"{who}: PIL mode {img.mode!r} is not supported; convert it first, "
                                      f"e.g. img.convert('RGB') (supported: {', '.join(_PIL_MODES)})")
        arr = np.asarray(img)
        arr = arr[..., None] if arr.ndim == 2 else arr
        return arr, lambda a: Image.fromarray(np.ascontiguousarray(a[..., 0] if a.shape[-1] == 1 else a))
    raise TypeError(f"{who}: expected a NumPy array, a lucid Tensor or a PIL image, got {type(img).__name__}")


def _apply(img, fn: Callable, who: str):
    arr, pack = _unpack(img, who)
    return pack(fn(arr))


def _cast(x: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """Back to ``dtype``: integers are rounded and clipped to their range."""
    if x.dtype == dtype:
        return x
    if dtype.kind in "iu":
        info = np.iinfo(dtype)
        return np.clip(np.rint(x), info.min, info.max).astype(dtype)
    if dtype.kind == "b":
        return x > 0.5
    return x.astype(dtype)


def _size_pair(size, who: str) -> tuple[int, int]:
    if isinstance(size, numbers.Integral) and not isinstance(size, bool):
        size = (int(size), int(size))
    elif isinstance(size, Sequence) and len(size) == 1:
        size = (int(size[0]), int(size[0]))
    elif isinstance(size, Sequence) and len(size) == 2:
        size = (int(size[0]), int(size[1]))
    else:
        raise TypeError(f"{who}: size must be an int or a (height, width) pair, got {size!r}")
    if size[0] <= 0 or size[1] <= 0:
        raise ValueError(f"{who}: size must be positive, got {size}")
    return size


def _fill_vector(fill, channels: int, who: str) -> np.ndarray:
    f = np.asarray(fill, dtype=np.float64).reshape(-1)
    if f.size == 1:
        return np.repeat(f, channels)
    if f.size != channels:
        raise ValueError(f"{who}: fill has {f.size} values but the image has {channels} channels")
    return f


def get_image_size(img) -> tuple[int, int]:
    """``(height, width)`` of an image of any supported kind.

    Examples:
        >>> import numpy as np
        >>> from lucid.transforms import functional as F
        >>> F.get_image_size(np.zeros((4, 6, 3)))
        (4, 6)
    """
    if isinstance(img, Tensor):
        if img.ndim < 2:
            raise ValueError(f"get_image_size: a Tensor image needs at least 2 dims, got shape {img.shape}")
        return img.shape[-2], img.shape[-1]
    arr, _ = _unpack(img, "get_image_size")
    return arr.shape[-3], arr.shape[-2]


def get_image_num_channels(img) -> int:
    """The number of channels (1 for an ``(H, W)`` image).

    Examples:
        >>> import lucid, numpy as np
        >>> from lucid.transforms import functional as F
        >>> F.get_image_num_channels(np.zeros((4, 6))), F.get_image_num_channels(lucid.zeros(3, 4, 6))
        (1, 3)
    """
    if isinstance(img, Tensor):
        return 1 if img.ndim == 2 else img.shape[-3]
    arr, _ = _unpack(img, "get_image_num_channels")
    return arr.shape[-1]


# -- conversion -----------------------------------------------------------------

def to_tensor(pic) -> Tensor:
    """An image as a float32 lucid Tensor of shape ``(C, H, W)`` with values in [0, 1].

    uint8 images (and PIL modes L, LA, RGB, RGBA) are divided by 255; float
    images are taken to be in [0, 1] already and only cast; bool images become 0/1.

    Args:
        pic: an ``(H, W)`` / ``(H, W, C)`` NumPy array or a PIL image.

    Returns:
        A float32 Tensor ``(C, H, W)`` on the default device.

    Raises:
        TypeError: a Tensor or other object, or an integer dtype other than uint8.

    Examples:
        >>> import lucid, numpy as np
        >>> t = lucid.transforms.functional.to_tensor(np.array([[0, 255]], dtype=np.uint8))
        >>> t.shape, t.tolist()
        ((1, 1, 2), [[[0.0, 1.0]]])
    """
    if isinstance(pic, Tensor):
        raise TypeError("to_tensor expects a NumPy array or a PIL image, got a lucid Tensor (it already is one)")
    if _is_pil(pic) and pic.mode in ("P", "1", "CMYK", "YCbCr"):
        pic = pic.convert("L" if pic.mode == "1" else "RGB")
    arr, _ = _unpack(pic, "ToTensor")
    if arr.dtype == np.uint8:
        out = arr.astype(np.float32) * np.float32(1 / 255)
    elif arr.dtype.kind == "f" or arr.dtype == np.bool_:
        out = arr.astype(np.float32)
    else:
        raise TypeError(f"ToTensor: cannot scale a {arr.dtype} image to [0, 1]; use uint8 (0..255) or float "
                        "(0..1) images, or convert it yourself")
    return Tensor(np.ascontiguousarray(_to_chw(out)))


def normalize(img, mean, std, inplace: bool = False):
    """Normalise each channel: ``out[c] = (img[c] - mean[c]) / std[c]``.

    Args:
        img: a float Tensor ``(C, H, W)`` or a float NumPy array ``(H, W, C)`` / ``(H, W)``.
        mean: one value per channel (or one for all).
        std: one value per channel (or one for all), none of them zero.
        inplace: write into ``img`` (a NumPy array is modified; a Tensor's data is replaced).

    Returns:
        The normalised image, of ``img``'s kind and dtype.

    Raises:
        TypeError: an integer image or a PIL image (apply ``ToTensor`` first).
        ValueError: a zero in ``std``, or a channel count that does not match.

    Examples:
        >>> import lucid
        >>> x = lucid.tensor([[[0.5]], [[1.0]]])
        >>> lucid.transforms.functional.normalize(x, [0.5, 0.5], [0.5, 0.25]).tolist()
        [[[0.0]], [[2.0]]]
    """
    if _is_pil(img):
        raise TypeError("Normalize needs a float Tensor or NumPy array; apply ToTensor to the PIL image first")
    arr, pack = _unpack(img, "Normalize")
    out = normalize_channels_last(arr, mean, std)
    if inplace:
        if isinstance(img, np.ndarray):
            arr[...] = out
            return img
        if isinstance(img, Tensor):
            img.data = pack(out)
            return img
    return pack(out)


def normalize_channels_last(arr: np.ndarray, mean, std) -> np.ndarray:
    """``(arr - mean) / std`` over the last axis of a float array ``(..., C)``, in its dtype.

    The shared core of ``normalize`` and ``Normalize.batch`` (where ``...`` is
    ``(N, H, W)``, a whole batch of channels-last images).
    """
    if arr.dtype.kind != "f":
        raise TypeError(f"Normalize needs a float image, got {arr.dtype}; apply ToTensor first")
    c = arr.shape[-1]
    m = np.asarray(mean, dtype=np.float64).reshape(-1)
    s = np.asarray(std, dtype=np.float64).reshape(-1)
    for name, v in (("mean", m), ("std", s)):
        if v.size not in (1, c):
            raise ValueError(f"Normalize: {name} has {v.size} values but the image has {c} channels")
    if np.any(s == 0):
        raise ValueError(f"Normalize: std must not contain zeros, got {list(s)}")
    return ((arr - m.astype(arr.dtype)) / s.astype(arr.dtype)).astype(arr.dtype, copy=False)


# -- geometry -------------------------------------------------------------------

def _interp_matrix(n_in: int, n_out: int, mode: str, antialias: bool) -> np.ndarray:
    """(n_out, n_in) resampling weights with half-pixel centres (PIL's and ``align_corners=False``'s grid)."""
    scale = n_in / n_out
    centre = (np.arange(n_out) + 0.5) * scale  # output pixel centres in input coordinates
    if mode == "nearest":
        # NOTE: nearest takes the input pixel containing the output centre (PIL's / "nearest-exact" rule).
        src = np.minimum(np.floor(centre).astype(np.int64), n_in - 1)
        w = np.zeros((n_out, n_in), dtype=np.float64)
        w[np.arange(n_out), src] = 1.0
        return w
    support = max(scale, 1.0) if antialias else 1.0
    dist = np.abs((np.arange(n_in) + 0.5)[None, :] - centre[:, None]) / support
    w = np.maximum(0.0, 1.0 - dist)
    # NOTE: weights falling outside the image are dropped and the rest renormalised (edge clamping).
    return w / w.sum(axis=1, keepdims=True)


def _resize_np(arr: np.ndarray, size: tuple[int, int], mode: str, antialias: bool) -> np.ndarray:
    h, w = arr.shape[-3], arr.shape[-2]
    if (h, w) == size:
        return arr.copy()
    if mode == "nearest":
        rows = _interp_matrix(h, size[0], mode, False).argmax(axis=1)
        cols = _interp_matrix(w, size[1], mode, False).argmax(axis=1)
        return arr[..., rows, :, :][..., cols, :]
    ft = np.float64 if arr.dtype == np.float64 else np.float32
    wh = _interp_matrix(h, size[0], mode, antialias).astype(ft)
    ww = _interp_matrix(w, size[1], mode, antialias).astype(ft)
    x = arr.astype(ft, copy=False)
    x = np.einsum("oh,...hwc->...owc", wh, x)
    x = np.einsum("pw,...owc->...opc", ww, x)
    return _cast(x, arr.dtype)


def _target_size(h: int, w: int, size, max_size, who: str) -> tuple[int, int]:
    if (isinstance(size, numbers.Integral) and not isinstance(size, bool)) or (
            isinstance(size, Sequence) and len(size) == 1):
        s = int(size if isinstance(size, numbers.Integral) else size[0])
        if s <= 0:
            raise ValueError(f"{who}: size must be positive, got {s}")
        short, long = (h, w) if h <= w else (w, h)
        new_short, new_long = s, int(s * long / short)
        if max_size is not None and new_long > max_size:
            if max_size <= s:
                raise ValueError(f"{who}: max_size ({max_size}) must be larger than size ({s})")
            new_short, new_long = int(max_size * new_short / new_long), max_size
        return (new_short, new_long) if h <= w else (new_long, new_short)
    if max_size is not None:
        raise ValueError(f"{who}: max_size only applies when size is a single int")
    return _size_pair(size, who)


def resize(img, size, interpolation: str = "bilinear", max_size: int | None = None, antialias: bool = True):
    """Resize an image.

    ``size`` as ``(h, w)`` gives that exact size; a single int ``s`` scales
    the shorter side to ``s`` and keeps the aspect ratio (the longer side
    becomes ``int(s * long / short)``, capped at ``max_size`` if given).

    Bilinear interpolation uses half-pixel centres (like PIL and
    ``align_corners=False``); with ``antialias`` (default) a downscale by a
    factor ``f`` widens the triangle filter to ``f`` input pixels, so every
    input pixel contributes (area-like averaging) instead of aliasing.

    Args:
        img: a NumPy array, lucid Tensor or PIL image.
        size: an int or a ``(height, width)`` pair.
        interpolation: ``"bilinear"`` or ``"nearest"``.
        max_size: the largest allowed longer side when ``size`` is an int.
        antialias: low-pass filter when downscaling (bilinear only).

    Returns:
        The resized image, of ``img``'s kind and dtype.

    Raises:
        ValueError: a non-positive size or an unknown interpolation.

    Examples:
        >>> import numpy as np
        >>> from lucid.transforms import functional as F
        >>> F.resize(np.array([[0.0, 1.0]]), (1, 4)).tolist()
        [[0.0, 0.25, 0.75, 1.0]]
    """
    if interpolation not in ("bilinear", "nearest"):
        raise ValueError(f"Resize: interpolation must be 'bilinear' or 'nearest', got {interpolation!r}")

    def fn(arr):
        target = _target_size(arr.shape[-3], arr.shape[-2], size, max_size, "Resize")
        return _resize_np(arr, target, interpolation, antialias)

    return _apply(img, fn, "Resize")


def _pad_np(arr: np.ndarray, left: int, top: int, right: int, bottom: int, fill, mode: str) -> np.ndarray:
    if not (left or top or right or bottom):
        return arr
    widths = [(0, 0)] * (arr.ndim - 3) + [(top, bottom), (left, right), (0, 0)]
    if mode != "constant":
        return np.pad(arr, widths, mode=mode)
    out = np.empty(arr.shape[:-3] + (arr.shape[-3] + top + bottom, arr.shape[-2] + left + right, arr.shape[-1]),
                   dtype=arr.dtype)
    out[...] = _cast(_fill_vector(fill, arr.shape[-1], "Pad"), arr.dtype)
    out[..., top:top + arr.shape[-3], left:left + arr.shape[-2], :] = arr
    return out


def _padding4(padding, who: str) -> tuple[int, int, int, int]:
    if isinstance(padding, numbers.Integral) and not isinstance(padding, bool):
        p = (int(padding),) * 4
    elif isinstance(padding, Sequence) and len(padding) == 1:
        p = (int(padding[0]),) * 4
    elif isinstance(padding, Sequence) and len(padding) == 2:
        p = (int(padding[0]), int(padding[1])) * 2
    elif isinstance(padding, Sequence) and len(padding) == 4:
        p = tuple(int(v) for v in padding)
    else:
        raise TypeError(f"{who}: padding must be an int or a sequence of 1, 2 or 4 ints, got {padding!r}")
    if min(p) < 0:
        raise ValueError(f"{who}: padding must be non-negative, got {padding!r}")
    return p


_PAD_MODES = {"constant": "constant", "edge": "edge", "reflect": "reflect", "symmetric": "symmetric"}


def pad(img, padding, fill=0, padding_mode: str = "constant"):
    """Pad the borders of an image.

    Args:
        img: a NumPy array, lucid Tensor or PIL image.
        padding: ``p`` (all sides), ``(left/right, top/bottom)`` or ``(left, top, right, bottom)``.
        fill: the value (or one per channel) for ``padding_mode="constant"``.
        padding_mode: ``"constant"``, ``"edge"``, ``"reflect"`` (mirror without
            repeating the edge) or ``"symmetric"`` (mirror repeating it).

    Examples:
        >>> import numpy as np
        >>> from lucid.transforms import functional as F
        >>> F.pad(np.array([[1, 2]], dtype=np.uint8), (1, 0), fill=9).tolist()
        [[9, 1, 2, 9]]
    """
    if padding_mode not in _PAD_MODES:
        raise ValueError(f"Pad: padding_mode must be one of {sorted(_PAD_MODES)}, got {padding_mode!r}")
    left, top, right, bottom = _padding4(padding, "Pad")
    return _apply(img, lambda a: _pad_np(a, left, top, right, bottom, fill, _PAD_MODES[padding_mode]), "Pad")


def _crop_np(arr: np.ndarray, top: int, left: int, height: int, width: int, fill=0) -> np.ndarray:
    h, w = arr.shape[-3], arr.shape[-2]
    # NOTE: a crop box reaching outside the image is padded with ``fill`` (zeros by default).
    pl, pt = max(0, -left), max(0, -top)
    pr, pb = max(0, left + width - w), max(0, top + height - h)
    if pl or pt or pr or pb:
        arr = _pad_np(arr, pl, pt, pr, pb, fill, "constant")
        top, left = top + pt, left + pl
    return arr[..., top:top + height, left:left + width, :].copy()


def crop(img, top: int, left: int, height: int, width: int):
    """Cut out the box with corner ``(top, left)`` and size ``(height, width)`` (zero-padded past the edges).

    Examples:
        >>> import numpy as np
        >>> from lucid.transforms import functional as F
        >>> F.crop(np.arange(9).reshape(3, 3), 1, 1, 2, 2).tolist()
        [[4, 5], [7, 8]]
    """
    if height <= 0 or width <= 0:
        raise ValueError(f"crop: height and width must be positive, got {(height, width)}")
    return _apply(img, lambda a: _crop_np(a, int(top), int(left), int(height), int(width)), "crop")


def center_crop(img, output_size):
    """Cut out the central ``output_size`` box (zero-padded if the image is smaller).

    The top-left corner is ``round((H - h) / 2), round((W - w) / 2)``.

    Examples:
        >>> import numpy as np
        >>> from lucid.transforms import functional as F
        >>> F.center_crop(np.arange(16).reshape(4, 4), 2).tolist()
        [[5, 6], [9, 10]]
    """
    th, tw = _size_pair(output_size, "CenterCrop")

    def fn(arr):
        h, w = arr.shape[-3], arr.shape[-2]
        return _crop_np(arr, round((h - th) / 2.0), round((w - tw) / 2.0), th, tw)

    return _apply(img, fn, "CenterCrop")


def hflip(img):
    """Mirror left to right.

    Examples:
        >>> import numpy as np
        >>> from lucid.transforms import functional as F
        >>> F.hflip(np.array([[1, 2, 3]])).tolist()
        [[3, 2, 1]]
    """
    return _apply(img, lambda a: a[..., ::-1, :].copy(), "hflip")


def vflip(img):
    """Mirror top to bottom.

    Examples:
        >>> import numpy as np
        >>> from lucid.transforms import functional as F
        >>> F.vflip(np.array([[1], [2]])).tolist()
        [[2], [1]]
    """
    return _apply(img, lambda a: a[..., ::-1, :, :].copy(), "vflip")


def _rotate_np(arr: np.ndarray, angle: float, mode: str, expand: bool, center, fill) -> np.ndarray:
    h, w = arr.shape[-3], arr.shape[-2]
    theta = math.radians(angle)
    cos, sin = math.cos(theta), math.sin(theta)
    if abs(cos) < 1e-12:
        cos = 0.0
    if abs(sin) < 1e-12:
        sin = 0.0
    cx, cy = ((w - 1) / 2.0, (h - 1) / 2.0) if center is None else (float(center[0]), float(center[1]))
    if expand:
        # NOTE: expand sizes the canvas to the rotated image's bounding box and keeps the centre in the middle.
        out_w = math.ceil(abs(w * cos) + abs(h * sin) - 1e-7)
        out_h = math.ceil(abs(w * sin) + abs(h * cos) - 1e-7)
        ox, oy = (out_w - 1) / 2.0, (out_h - 1) / 2.0
        cx, cy = (w - 1) / 2.0, (h - 1) / 2.0
    else:
        out_w, out_h, ox, oy = w, h, cx, cy
    yy, xx = np.meshgrid(np.arange(out_h, dtype=np.float64) - oy, np.arange(out_w, dtype=np.float64) - ox,
                         indexing="ij")
    # Inverse map of a counter-clockwise rotation on screen (y points down).
    sx = cos * xx - sin * yy + cx
    sy = sin * xx + cos * yy + cy
    return _sample(arr, sx, sy, mode, fill, "rotate")


def rotate(img, angle: float, interpolation: str = "nearest", expand: bool = False, center=None, fill=0):
    """Rotate counter-clockwise by ``angle`` degrees about the centre (or ``center=(x, y)``).

    Output pixels whose source lies outside the image get ``fill``.

    Args:
        img: a NumPy array, lucid Tensor or PIL image.
        angle: degrees, counter-clockwise.
        interpolation: ``"nearest"`` or ``"bilinear"``.
        expand: enlarge the output to hold the whole rotated image.
        center: ``(x, y)`` pixel coordinates of the rotation centre (default: the image
            centre; ignored with ``expand``).
        fill: the value (or one per channel) of the uncovered area.

    Examples:
        >>> import numpy as np
        >>> from lucid.transforms import functional as F
        >>> F.rotate(np.array([[1, 2], [3, 4]]), 90).tolist()
        [[2, 4], [1, 3]]
    """
    if interpolation not in ("nearest", "bilinear"):
        raise ValueError(f"rotate: interpolation must be 'nearest' or 'bilinear', got {interpolation!r}")
    return _apply(img, lambda a: _rotate_np(a, float(angle), interpolation, expand, center, fill), "rotate")


# -- colour -------------------------------------------------------------------

def _bound(dtype: np.dtype, who: str) -> float:
    if dtype == np.uint8:
        return 255.0
    if dtype.kind == "f":
        return 1.0
    raise TypeError(f"{who}: colour operations need uint8 (0..255) or float (0..1) images, got {dtype}")


def _split_alpha(arr: np.ndarray, who: str):
    c = arr.shape[-1]
    if c in (2, 4):  # LA / RGBA: the last channel is alpha and is kept as it is
        return arr[..., :-1], arr[..., -1:]
    if c in (1, 3):
        return arr, None
    raise ValueError(f"{who}: expected 1 or 3 colour channels (plus optional alpha), got {c}")


def _colour_op(img, fn: Callable, who: str):
    """Run ``fn(float colour array, bound)`` on the colour channels; alpha and dtype are kept."""

    def run(arr):
        bound = _bound(arr.dtype, who)
        colour, alpha = _split_alpha(arr, who)
        ft = np.float64 if arr.dtype == np.float64 else np.float32
        out = _cast(fn(colour.astype(ft), bound), arr.dtype)
        return out if alpha is None else np.concatenate([out, alpha], axis=-1)

    return _apply(img, run, who)


def _gray(x: np.ndarray) -> np.ndarray:
    if x.shape[-1] == 1:
        return x
    return (x @ _GRAY_WEIGHTS.astype(x.dtype))[..., None]


def rgb_to_grayscale(img, num_output_channels: int = 1):
    """Luma ``0.299 R + 0.587 G + 0.114 B`` (ITU-R 601-2), as 1 channel or repeated to 3.

    Examples:
        >>> import numpy as np
        >>> from lucid.transforms import functional as F
        >>> F.rgb_to_grayscale(np.array([[[255, 0, 0]]], dtype=np.uint8)).tolist()
        [[[76]]]
    """
    if num_output_channels not in (1, 3):
        raise ValueError(f"rgb_to_grayscale: num_output_channels must be 1 or 3, got {num_output_channels}")

    def fn(x, bound):
        g = _gray(x)
        return np.repeat(g, 3, axis=-1) if num_output_channels == 3 else g

    return _colour_op(img, fn, "rgb_to_grayscale")


def _blend(a: np.ndarray, b, factor: float, bound: float) -> np.ndarray:
    return np.clip(factor * a + (1.0 - factor) * b, 0.0, bound)


def _check_factor(factor, who: str) -> float:
    if not isinstance(factor, numbers.Real) or isinstance(factor, bool) or factor < 0:
        raise ValueError(f"{who}: the factor must be a non-negative number, got {factor!r}")
    return float(factor)


def adjust_brightness(img, brightness_factor: float):
    """Scale intensities: ``clip(f * img)``; 0 gives black, 1 the original.

    Examples:
        >>> import numpy as np
        >>> from lucid.transforms import functional as F
        >>> F.adjust_brightness(np.array([[100, 200]], dtype=np.uint8), 1.5).tolist()
        [[150, 255]]
    """
    f = _check_factor(brightness_factor, "adjust_brightness")
    return _colour_op(img, lambda x, bound: _blend(x, 0.0, f, bound), "adjust_brightness")


def adjust_contrast(img, contrast_factor: float):
    """Blend with the mean grey level: ``clip(f * img + (1 - f) * mean(gray(img)))``.

    Examples:
        >>> import numpy as np
        >>> from lucid.transforms import functional as F
        >>> F.adjust_contrast(np.array([[0.25, 0.75]]), 0.5).tolist()
        [[0.375, 0.625]]
    """
    f = _check_factor(contrast_factor, "adjust_contrast")

    def fn(x, bound):
        mean = _gray(x).mean(axis=(-3, -2, -1), keepdims=True)
        return _blend(x, mean, f, bound)

    return _colour_op(img, fn, "adjust_contrast")


def adjust_saturation(img, saturation_factor: float):
    """Blend with the grayscale image: ``clip(f * img + (1 - f) * gray(img))``; 0 gives grey.

    Examples:
        >>> import numpy as np
        >>> from lucid.transforms import functional as F
        >>> F.adjust_saturation(np.array([[[255, 0, 0]]], dtype=np.uint8), 0.0).tolist()
        [[[76, 76, 76]]]
    """
    f = _check_factor(saturation_factor, "adjust_saturation")
    return _colour_op(img, lambda x, bound: _blend(x, _gray(x), f, bound), "adjust_saturation")


def _rgb_to_hsv(rgb: np.ndarray):
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    maxc = rgb.max(axis=-1)
    minc = rgb.min(axis=-1)
    delta = maxc - minc
    safe = np.where(delta > 0, delta, 1.0)
    s = np.where(maxc > 0, delta / np.where(maxc > 0, maxc, 1.0), 0.0)
    rc, gc, bc = (maxc - r) / safe, (maxc - g) / safe, (maxc - b) / safe
    # NOTE: ties pick red, then green (so pure grey and equal maxima are well defined).
    h = np.where(r == maxc, bc - gc, np.where(g == maxc, 2.0 + rc - bc, 4.0 + gc - rc))
    h = np.where(delta > 0, (h / 6.0) % 1.0, 0.0)
    return h, s, maxc


def _hsv_to_rgb(h, s, v):
    i = np.floor(h * 6.0)
    f = h * 6.0 - i
    p, q, t = v * (1.0 - s), v * (1.0 - s * f), v * (1.0 - s * (1.0 - f))
    i = i.astype(np.int64) % 6
    r = np.choose(i, [v, q, p, p, t, v])
    g = np.choose(i, [t, v, v, q, p, p])
    b = np.choose(i, [p, p, t, v, v, q])
    return np.stack([r, g, b], axis=-1)


def adjust_hue(img, hue_factor: float):
    """Shift the hue by ``hue_factor`` of a full turn (in HSV space); ``hue_factor`` in [-0.5, 0.5].

    One-channel images are returned unchanged.

    Examples:
        >>> import numpy as np
        >>> from lucid.transforms import functional as F
        >>> F.adjust_hue(np.array([[[1.0, 0.0, 0.0]]]), 1 / 3).round(6).tolist()
        [[[0.0, 1.0, 0.0]]]
    """
    if not isinstance(hue_factor, numbers.Real) or not -0.5 <= hue_factor <= 0.5:
        raise ValueError(f"adjust_hue: hue_factor must be in [-0.5, 0.5], got {hue_factor!r}")

    def fn(x, bound):
        if x.shape[-1] == 1:
            return x
        h, s, v = _rgb_to_hsv(x / bound)
        return _hsv_to_rgb((h + hue_factor) % 1.0, s, v) * bound

    return _colour_op(img, fn, "adjust_hue")


# -- geometry: crops, warps, blur, erasing --------------------------------------

def resized_crop(img, top: int, left: int, height: int, width: int, size, interpolation: str = "bilinear",
                 antialias: bool = True):
    """:func:`crop` then :func:`resize` to ``size`` (the step of ``RandomResizedCrop``).

    Examples:
        >>> import numpy as np
        >>> from lucid.transforms import functional as F
        >>> F.resized_crop(np.arange(16.0).reshape(4, 4), 0, 0, 2, 2, (1, 1), antialias=True).tolist()
        [[2.5]]
    """
    if interpolation not in ("bilinear", "nearest"):
        raise ValueError(f"resized_crop: interpolation must be 'bilinear' or 'nearest', got {interpolation!r}")
    target = _size_pair(size, "resized_crop")
    return _apply(img, lambda a: _resize_np(_crop_np(a, top, left, height, width), target, interpolation,
                                            antialias), "resized_crop")


def _sample(arr: np.ndarray, sx: np.ndarray, sy: np.ndarray, mode: str, fill, who: str) -> np.ndarray:
    """Read ``arr`` (..., H, W, C) at source coordinates ``(sx, sy)`` (pixel indices); outside reads ``fill``."""
    h, w, c = arr.shape[-3], arr.shape[-2], arr.shape[-1]
    fill_v = _cast(_fill_vector(0 if fill is None else fill, c, who), arr.dtype)
    padded = _pad_np(arr, 1, 1, 1, 1, fill_v, "constant")  # taps outside the image read the fill
    if mode == "nearest":
        xi = np.clip(np.floor(sx + 0.5), -1, w).astype(np.int64) + 1
        yi = np.clip(np.floor(sy + 0.5), -1, h).astype(np.int64) + 1
        out = padded[..., yi, xi, :]
        outside = (sx < -0.5) | (sx >= w - 0.5) | (sy < -0.5) | (sy >= h - 0.5)
        out[..., outside, :] = fill_v
        return out
    x0 = np.floor(sx)
    y0 = np.floor(sy)
    fx, fy = (sx - x0)[..., None], (sy - y0)[..., None]
    x0 = np.clip(x0, -1, w).astype(np.int64) + 1
    y0 = np.clip(y0, -1, h).astype(np.int64) + 1
    x1, y1 = np.clip(x0 + 1, 0, w + 1), np.clip(y0 + 1, 0, h + 1)
    p = padded.astype(np.float64, copy=False)
    out = (p[..., y0, x0, :] * (1 - fx) * (1 - fy) + p[..., y0, x1, :] * fx * (1 - fy)
           + p[..., y1, x0, :] * (1 - fx) * fy + p[..., y1, x1, :] * fx * fy)
    outside = (sx <= -1) | (sx >= w) | (sy <= -1) | (sy >= h)
    out[..., outside, :] = fill_v
    return _cast(out, arr.dtype)


def _warp(img, coeffs, interpolation: str, fill, who: str):
    """Projective warp: output pixel ``(x, y)`` reads the input at ``((a x + b y + c) / q, (d x + e y + f) / q)``,
    ``q = g x + h y + 1``, for ``coeffs = (a, b, c, d, e, f, g, h)``."""
    if interpolation not in ("nearest", "bilinear"):
        raise ValueError(f"{who}: interpolation must be 'nearest' or 'bilinear', got {interpolation!r}")
    a, b, c, d, e, f, g, h_ = (float(v) for v in coeffs)

    def fn(arr):
        hh, ww = arr.shape[-3], arr.shape[-2]
        yy, xx = np.meshgrid(np.arange(hh, dtype=np.float64), np.arange(ww, dtype=np.float64), indexing="ij")
        q = g * xx + h_ * yy + 1.0
        return _sample(arr, (a * xx + b * yy + c) / q, (d * xx + e * yy + f) / q, interpolation, fill, who)

    return _apply(img, fn, who)


def _inverse_affine(center, angle: float, translate, scale: float, shear) -> list:
    """The matrix (6 numbers) taking output pixels to input pixels for ``affine``'s parameters.

    The forward map is ``T * C * R S Sh * C^-1`` (translate, centre, rotation
    clockwise on screen with scale and shear); this is its inverse.
    """
    rot = math.radians(angle)
    sx, sy = (math.radians(s) for s in shear)
    cx, cy = center
    tx, ty = translate
    a = math.cos(rot - sy) / math.cos(sy)
    b = -math.cos(rot - sy) * math.tan(sx) / math.cos(sy) - math.sin(rot)
    c = math.sin(rot - sy) / math.cos(sy)
    d = -math.sin(rot - sy) * math.tan(sx) / math.cos(sy) + math.cos(rot)
    m = [d / scale, -b / scale, 0.0, -c / scale, a / scale, 0.0]
    m[2] += m[0] * (-cx - tx) + m[1] * (-cy - ty) + cx
    m[5] += m[3] * (-cx - tx) + m[4] * (-cy - ty) + cy
    return m


def _shear_pair(shear, who: str) -> tuple[float, float]:
    if isinstance(shear, numbers.Real) and not isinstance(shear, bool):
        return float(shear), 0.0
    if isinstance(shear, Sequence) and len(shear) in (1, 2):
        return float(shear[0]), float(shear[1]) if len(shear) == 2 else 0.0
    raise TypeError(f"{who}: shear must be a number or an (x, y) pair of degrees, got {shear!r}")


def affine(img, angle: float, translate, scale: float, shear, interpolation: str = "nearest", fill=0,
           center=None):
    """Rotate (clockwise, in degrees), scale, shear and translate about the centre, as torchvision's ``affine``.

    Args:
        img: a NumPy array, lucid Tensor or PIL image.
        angle: degrees, clockwise on screen (so ``affine(img, a, ...)`` turns as ``rotate(img, -a)``).
        translate: ``(dx, dy)`` pixels, after the rest.
        scale: a positive zoom factor.
        shear: degrees, one number (along x) or ``(x, y)``.
        interpolation: ``"nearest"`` or ``"bilinear"``.
        fill: value of the uncovered area (one number or one per channel).
        center: ``(x, y)`` pixel coordinates of the centre (default: the image centre).

    Examples:
        >>> import numpy as np
        >>> from lucid.transforms import functional as F
        >>> F.affine(np.array([[1, 2], [3, 4]]), -90, (0, 0), 1.0, 0).tolist()
        [[2, 4], [1, 3]]
        >>> F.affine(np.array([[1, 2, 3]]), 0, (1, 0), 1.0, 0).tolist()
        [[0, 1, 2]]
    """
    if not isinstance(scale, numbers.Real) or scale <= 0:
        raise ValueError(f"affine: scale must be positive, got {scale!r}")
    if not isinstance(translate, Sequence) or len(translate) != 2:
        raise TypeError(f"affine: translate must be a (dx, dy) pair, got {translate!r}")
    sh = _shear_pair(shear, "affine")
    h, w = get_image_size(img)
    ctr = ((w - 1) / 2.0, (h - 1) / 2.0) if center is None else (float(center[0]), float(center[1]))
    m = _inverse_affine(ctr, float(angle), (float(translate[0]), float(translate[1])), float(scale), sh)
    return _warp(img, (*m, 0.0, 0.0), interpolation, fill, "affine")


def _perspective_coeffs(startpoints, endpoints) -> np.ndarray:
    """The 8 coefficients mapping each end point to its start point (output pixel -> input pixel)."""
    s = np.asarray(startpoints, dtype=np.float64).reshape(4, 2)
    e = np.asarray(endpoints, dtype=np.float64).reshape(4, 2)
    a = np.zeros((8, 8))
    for i, ((x, y), (u, v)) in enumerate(zip(e, s)):
        a[2 * i] = [x, y, 1, 0, 0, 0, -u * x, -u * y]
        a[2 * i + 1] = [0, 0, 0, x, y, 1, -v * x, -v * y]
    return np.linalg.lstsq(a, s.reshape(-1), rcond=None)[0]


def perspective(img, startpoints, endpoints, interpolation: str = "bilinear", fill=0):
    """Warp so that the four ``startpoints`` (``[x, y]`` corners) land on ``endpoints``.

    Examples:
        >>> import numpy as np
        >>> from lucid.transforms import functional as F
        >>> corners = [[0, 0], [2, 0], [2, 1], [0, 1]]
        >>> F.perspective(np.array([[1, 2, 3], [4, 5, 6]]), corners, corners).tolist()
        [[1, 2, 3], [4, 5, 6]]
    """
    return _warp(img, _perspective_coeffs(startpoints, endpoints), interpolation, fill, "perspective")


def _gaussian_kernel(size: int, sigma: float) -> np.ndarray:
    x = np.arange(size, dtype=np.float64) - (size - 1) / 2.0
    k = np.exp(-0.5 * (x / sigma) ** 2)
    return k / k.sum()


def gaussian_blur(img, kernel_size, sigma=None):
    """Blur with a separable Gaussian kernel of odd ``kernel_size`` (int or ``(kx, ky)``); edges reflect.

    ``sigma`` defaults to ``0.3 * ((k - 1) * 0.5 - 1) + 0.8`` per axis, as torchvision's.

    Examples:
        >>> import numpy as np
        >>> from lucid.transforms import functional as F
        >>> F.gaussian_blur(np.full((5, 5), 0.5), 3, 1.0).round(6).max()
        np.float64(0.5)
    """
    ks = (kernel_size, kernel_size) if isinstance(kernel_size, numbers.Integral) else tuple(kernel_size)
    if len(ks) != 2 or any(isinstance(k, bool) or int(k) != k or k <= 0 or k % 2 == 0 for k in ks):
        raise ValueError(f"gaussian_blur: kernel_size must be odd and positive, got {kernel_size!r}")
    if sigma is None:
        sig = tuple(0.3 * ((k - 1) * 0.5 - 1) + 0.8 for k in ks)
    elif isinstance(sigma, numbers.Real):
        sig = (float(sigma), float(sigma))
    else:
        sig = tuple(float(s) for s in sigma)
    if len(sig) != 2 or min(sig) <= 0:
        raise ValueError(f"gaussian_blur: sigma must be positive, got {sigma!r}")
    kx, ky = _gaussian_kernel(int(ks[0]), sig[0]), _gaussian_kernel(int(ks[1]), sig[1])

    def fn(arr):
        rx, ry = len(kx) // 2, len(ky) // 2
        p = _pad_np(arr.astype(np.float64), rx, ry, rx, ry, 0, "reflect" if min(arr.shape[-3:-1]) > max(rx, ry)
                    else "edge")
        h, w = arr.shape[-3], arr.shape[-2]
        rows = sum(ky[i] * p[..., i:i + h, :, :] for i in range(len(ky)))
        out = sum(kx[j] * rows[..., :, j:j + w, :] for j in range(len(kx)))
        return _cast(out, arr.dtype)

    return _apply(img, fn, "gaussian_blur")


def erase(img, top: int, left: int, height: int, width: int, value=0, inplace: bool = False):
    """Overwrite the box at ``(top, left)`` of size ``(height, width)`` with ``value`` (a number, one per
    channel, or an array broadcastable to the box as ``(C, h, w)`` for Tensors / ``(h, w, C)`` for arrays).

    Examples:
        >>> import numpy as np
        >>> from lucid.transforms import functional as F
        >>> F.erase(np.ones((2, 3)), 0, 1, 2, 1, value=0).tolist()
        [[1.0, 0.0, 1.0], [1.0, 0.0, 1.0]]
    """
    def fn(arr):
        out = arr.copy()
        v = np.asarray(value)
        if v.ndim == 3 and isinstance(img, Tensor):
            v = _to_hwc(v)
        elif v.ndim == 1:
            v = _fill_vector(v, arr.shape[-1], "erase")
        out[..., top:top + height, left:left + width, :] = _cast(np.asarray(v, dtype=np.float64), arr.dtype)
        return out

    return _apply(img, fn, "erase")


# -- colour operations of the auto-augment policies ---------------------------

def _uint8_or_float(img, fn: Callable, who: str):
    """Run ``fn`` on 0..255 values: uint8 as is; float images (0..1) scaled there and back."""

    def run(arr):
        colour, alpha = _split_alpha(arr, who)
        if arr.dtype == np.uint8:
            out = fn(colour)
        elif arr.dtype.kind == "f":
            out = fn(np.clip(np.rint(colour * 255.0), 0, 255).astype(np.uint8)).astype(arr.dtype) / 255.0
        else:
            raise TypeError(f"{who}: needs a uint8 (0..255) or float (0..1) image, got {arr.dtype}")
        out = out.astype(arr.dtype)
        return out if alpha is None else np.concatenate([out, alpha], axis=-1)

    return _apply(img, run, who)


def invert(img):
    """``bound - img`` (255 for uint8, 1 for float images).

    Examples:
        >>> import numpy as np
        >>> from lucid.transforms import functional as F
        >>> F.invert(np.array([[0, 55]], np.uint8)).tolist()
        [[255, 200]]
    """
    return _colour_op(img, lambda x, bound: bound - x, "invert")


def posterize(img, bits: int):
    """Keep the top ``bits`` (0..8) bits of each 8-bit value.

    Examples:
        >>> import numpy as np
        >>> from lucid.transforms import functional as F
        >>> F.posterize(np.array([[255, 100]], np.uint8), 2).tolist()
        [[192, 64]]
    """
    if isinstance(bits, bool) or not isinstance(bits, numbers.Integral) or not 0 <= bits <= 8:
        raise ValueError(f"posterize: bits must be an int in [0, 8], got {bits!r}")
    mask = np.uint8((0xFF << (8 - int(bits))) & 0xFF)
    return _uint8_or_float(img, lambda a: a & mask, "posterize")


def solarize(img, threshold: float):
    """Invert the values at or above ``threshold`` (in the image's own scale: 0..255 or 0..1).

    Examples:
        >>> import numpy as np
        >>> from lucid.transforms import functional as F
        >>> F.solarize(np.array([[10, 200]], np.uint8), 128).tolist()
        [[10, 55]]
    """
    return _colour_op(img, lambda x, bound: np.where(x >= threshold, bound - x, x), "solarize")


def autocontrast(img):
    """Stretch each channel linearly so its minimum becomes 0 and its maximum the top of the range.

    Examples:
        >>> import numpy as np
        >>> from lucid.transforms import functional as F
        >>> F.autocontrast(np.array([[50, 100, 150]], np.uint8)).tolist()
        [[0, 127, 255]]
    """
    def fn(x, bound):
        lo = x.min(axis=(-3, -2), keepdims=True)
        hi = x.max(axis=(-3, -2), keepdims=True)
        span = hi - lo
        scale = np.where(span > 0, bound / np.where(span > 0, span, 1), 1.0)
        out = (x - lo) * scale
        if bound == 255.0:
            out = np.floor(out + 1e-9)  # NOTE: truncates, as PIL's ImageOps.autocontrast does
        return np.where(span > 0, out, x)

    return _colour_op(img, fn, "autocontrast")


def _equalize_channel(ch: np.ndarray) -> np.ndarray:
    hist = np.bincount(ch.reshape(-1), minlength=256)
    nonzero = hist[hist > 0]
    step = (hist.sum() - nonzero[-1]) // 255 if nonzero.size else 0
    if step == 0:
        return ch
    lut = (np.cumsum(hist) + step // 2) // step
    lut = np.clip(np.concatenate([[0], lut[:-1]]), 0, 255).astype(np.uint8)
    return lut[ch]


def equalize(img):
    """Equalise each channel's histogram (per image), as PIL's ``ImageOps.equalize``.

    Examples:
        >>> import numpy as np
        >>> from lucid.transforms import functional as F
        >>> img = np.repeat(np.array([[0, 100, 200]], np.uint8), 300, axis=1)  # three equal bins
        >>> F.equalize(img)[0, ::300].tolist()
        [0, 150, 255]
    """
    def fn(a):
        out = np.empty_like(a)
        lead = a.shape[:-3]
        for idx in np.ndindex(*lead, a.shape[-1]):
            *batch, c = idx
            out[(*batch, Ellipsis, c)] = _equalize_channel(a[(*batch, Ellipsis, c)])
        return out

    return _uint8_or_float(img, fn, "equalize")


def adjust_sharpness(img, sharpness_factor: float):
    """Blend with a smoothed copy (3x3 kernel, borders kept): 0 blurs, 1 is the original, 2 sharpens.

    Examples:
        >>> import numpy as np
        >>> from lucid.transforms import functional as F
        >>> F.adjust_sharpness(np.full((3, 3), 0.5), 2.0).round(6).tolist()[1]
        [0.5, 0.5, 0.5]
    """
    f = _check_factor(sharpness_factor, "adjust_sharpness")
    kernel = np.array([[1, 1, 1], [1, 5, 1], [1, 1, 1]], dtype=np.float64) / 13.0

    def fn(x, bound):
        h, w = x.shape[-3], x.shape[-2]
        if h < 3 or w < 3:
            return x
        smooth = x.copy()
        inner = sum(kernel[i, j] * x[..., i:i + h - 2, j:j + w - 2, :] for i in range(3) for j in range(3))
        if x.dtype.kind == "f" and bound == 255.0:
            inner = np.rint(inner)
        smooth[..., 1:-1, 1:-1, :] = inner
        return _blend(x, smooth, f, bound)

    return _colour_op(img, fn, "adjust_sharpness")


__all__ += ["resized_crop", "affine", "perspective", "gaussian_blur", "erase", "invert", "posterize", "solarize",
            "autocontrast", "equalize", "adjust_sharpness"]
