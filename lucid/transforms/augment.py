"""Random augmentations beyond flips and crops: resized crops, erasing, blur, affine and perspective warps,
and the automatic policies ``AutoAugment``, ``RandAugment`` and ``TrivialAugmentWide``.

They follow torchvision's parameters and defaults, draw from the transforms'
generator (``lucid.transforms.seed``), and accept the same image kinds as
every other transform (NumPy ``(H, W[, C])``, Tensor ``(C, H, W)``, PIL).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence

import numpy as np

from lucid.transforms import functional as F
from lucid.transforms.transforms import _probability, _range, get_generator

__all__ = ["RandomResizedCrop", "RandomErasing", "GaussianBlur", "RandomAffine", "RandomPerspective",
           "AutoAugment", "AutoAugmentPolicy", "RandAugment", "TrivialAugmentWide"]


def _pair_range(value, who: str, name: str) -> tuple[float, float]:
    if not isinstance(value, Sequence) or len(value) != 2 or value[0] > value[1]:
        raise ValueError(f"{who}: {name} must be a (min, max) pair with min <= max, got {value!r}")
    return float(value[0]), float(value[1])


class RandomResizedCrop:
    """Crop a random area and aspect ratio, then resize to ``size`` (the ImageNet training crop).

    Args:
        size: output ``(h, w)`` or an int for a square.
        scale: range of the crop's area, as a fraction of the image's.
        ratio: range of the crop's aspect ratio (width / height), drawn log-uniformly.
        interpolation: ``"bilinear"`` (default) or ``"nearest"``.
        antialias: low-pass filter when downscaling.

    Examples:
        >>> import lucid, numpy as np
        >>> lucid.transforms.seed(0)
        >>> lucid.transforms.RandomResizedCrop(8)(np.zeros((20, 30, 3), np.uint8)).shape
        (8, 8, 3)
    """

    def __init__(self, size, scale=(0.08, 1.0), ratio=(3 / 4, 4 / 3), interpolation: str = "bilinear",
                 antialias: bool = True):
        self.size = F._size_pair(size, "RandomResizedCrop")
        self.scale = _pair_range(scale, "RandomResizedCrop", "scale")
        self.ratio = _pair_range(ratio, "RandomResizedCrop", "ratio")
        if interpolation not in ("bilinear", "nearest"):
            raise ValueError(f"RandomResizedCrop: interpolation must be 'bilinear' or 'nearest', "
                             f"got {interpolation!r}")
        self.interpolation, self.antialias = interpolation, antialias

    @staticmethod
    def get_params(img, scale, ratio) -> tuple[int, int, int, int]:
        """``(top, left, height, width)`` of a random crop; the centre crop after 10 failed draws."""
        h, w = F.get_image_size(img)
        area = h * w
        rng = get_generator()
        log_ratio = (math.log(ratio[0]), math.log(ratio[1]))
        for _ in range(10):
            target = area * rng.uniform(scale[0], scale[1])
            aspect = math.exp(rng.uniform(*log_ratio))
            cw = round(math.sqrt(target * aspect))
            ch = round(math.sqrt(target / aspect))
            if 0 < cw <= w and 0 < ch <= h:
                return int(rng.integers(0, h - ch + 1)), int(rng.integers(0, w - cw + 1)), ch, cw
        in_ratio = w / h
        if in_ratio < min(ratio):
            cw, ch = w, round(w / min(ratio))
        elif in_ratio > max(ratio):
            ch, cw = h, round(h * max(ratio))
        else:
            cw, ch = w, h
        return (h - ch) // 2, (w - cw) // 2, ch, cw

    def __call__(self, img):
        top, left, h, w = self.get_params(img, self.scale, self.ratio)
        return F.resized_crop(img, top, left, h, w, self.size, self.interpolation, self.antialias)

    def __repr__(self) -> str:
        return f"RandomResizedCrop(size={self.size}, scale={self.scale}, ratio={self.ratio})"


class RandomErasing:
    """With probability ``p``, overwrite a random box (Random Erasing, Zhong et al. 2017).

    Args:
        p: probability of erasing.
        scale: range of the box's area, as a fraction of the image's.
        ratio: range of the box's aspect ratio, drawn log-uniformly.
        value: a number, one per channel, or ``"random"`` (standard normal noise).
        inplace: accepted for torchvision compatibility; the result is always a new image.

    Examples:
        >>> import lucid
        >>> lucid.transforms.seed(0)
        >>> out = lucid.transforms.RandomErasing(p=1.0)(lucid.ones(3, 16, 16))
        >>> out.shape, bool((out == 0).any().item())
        ((3, 16, 16), True)
    """

    def __init__(self, p: float = 0.5, scale=(0.02, 0.33), ratio=(0.3, 3.3), value=0, inplace: bool = False):
        self.p = _probability(p, "RandomErasing")
        self.scale = _pair_range(scale, "RandomErasing", "scale")
        self.ratio = _pair_range(ratio, "RandomErasing", "ratio")
        if isinstance(value, str) and value != "random":
            raise ValueError(f"RandomErasing: value must be a number, a sequence or 'random', got {value!r}")
        self.value, self.inplace = value, inplace

    def __call__(self, img):
        rng = get_generator()
        if rng.random() >= self.p:
            return img
        h, w = F.get_image_size(img)
        c = F.get_image_num_channels(img)
        area = h * w
        log_ratio = (math.log(self.ratio[0]), math.log(self.ratio[1]))
        for _ in range(10):
            target = area * rng.uniform(*self.scale)
            aspect = math.exp(rng.uniform(*log_ratio))
            eh = round(math.sqrt(target * aspect))
            ew = round(math.sqrt(target / aspect))
            if not (0 < eh < h and 0 < ew < w):
                continue
            top, left = int(rng.integers(0, h - eh + 1)), int(rng.integers(0, w - ew + 1))
            if isinstance(self.value, str):
                noise = rng.standard_normal((eh, ew, c))
                value = F._to_chw(noise) if F._unpack(img, "RandomErasing")[0].ndim == 3 and not isinstance(
                    img, np.ndarray) else noise
            else:
                value = self.value
            return F.erase(img, top, left, eh, ew, value)
        return img

    def __repr__(self) -> str:
        return f"RandomErasing(p={self.p}, scale={self.scale}, ratio={self.ratio}, value={self.value!r})"


class GaussianBlur:
    """Blur with a Gaussian kernel whose sigma is drawn uniformly from ``sigma`` each call.

    Args:
        kernel_size: odd int or ``(kx, ky)``.
        sigma: a fixed positive number or a ``(min, max)`` range.

    Examples:
        >>> import lucid, numpy as np
        >>> lucid.transforms.GaussianBlur(3, sigma=1.0)(np.full((4, 4), 0.5)).round(6).max()
        np.float64(0.5)
    """

    def __init__(self, kernel_size, sigma=(0.1, 2.0)):
        ks = (kernel_size, kernel_size) if isinstance(kernel_size, numbers.Integral) else tuple(kernel_size)
        if len(ks) != 2 or any(int(k) != k or k <= 0 or k % 2 == 0 for k in ks):
            raise ValueError(f"GaussianBlur: kernel_size must be odd and positive, got {kernel_size!r}")
        if isinstance(sigma, numbers.Real):
            if sigma <= 0:
                raise ValueError(f"GaussianBlur: sigma must be positive, got {sigma}")
            sigma = (float(sigma), float(sigma))
        self.sigma = _pair_range(sigma, "GaussianBlur", "sigma")
        if self.sigma[0] <= 0:
            raise ValueError(f"GaussianBlur: sigma must be positive, got {sigma!r}")
        self.kernel_size = ks

    def __call__(self, img):
        s = float(get_generator().uniform(*self.sigma))
        return F.gaussian_blur(img, self.kernel_size, s)

    def __repr__(self) -> str:
        return f"GaussianBlur(kernel_size={self.kernel_size}, sigma={self.sigma})"


class RandomAffine:
    """Random rotation, translation, scale and shear (torchvision's ``RandomAffine``).

    Args:
        degrees: ``d`` for ``[-d, d]`` or a ``(min, max)`` pair (clockwise, as ``functional.affine``).
        translate: ``(a, b)``: horizontal shift drawn from ``[-a w, a w]``, vertical from ``[-b h, b h]``.
        scale: ``(min, max)`` zoom range.
        shear: ``s`` for x-shear in ``[-s, s]``, a pair for an x range, or 4 numbers for x and y ranges.
        interpolation: ``"nearest"`` (default) or ``"bilinear"``.
        fill: value of the uncovered area.
        center: ``(x, y)`` centre (default: the image centre).

    Examples:
        >>> import lucid, numpy as np
        >>> t = lucid.transforms.RandomAffine(degrees=(90, 90))
        >>> t(np.array([[1, 2], [3, 4]])).tolist()
        [[3, 1], [4, 2]]
    """

    def __init__(self, degrees, translate=None, scale=None, shear=None, interpolation: str = "nearest", fill=0,
                 center=None):
        self.degrees = _range(degrees, "RandomAffine", "degrees")
        if translate is not None and (len(translate) != 2 or not all(0.0 <= t <= 1.0 for t in translate)):
            raise ValueError(f"RandomAffine: translate must be two fractions in [0, 1], got {translate!r}")
        if scale is not None:
            scale = _pair_range(scale, "RandomAffine", "scale")
            if scale[0] <= 0:
                raise ValueError(f"RandomAffine: scale must be positive, got {scale!r}")
        if shear is not None:
            if isinstance(shear, numbers.Real) or len(shear) == 2:
                shear = _range(shear, "RandomAffine", "shear") + (0.0, 0.0)
            elif len(shear) == 4:
                shear = tuple(float(s) for s in shear)
            else:
                raise ValueError(f"RandomAffine: shear must be a number or 2 or 4 numbers, got {shear!r}")
        if interpolation not in ("nearest", "bilinear"):
            raise ValueError(f"RandomAffine: interpolation must be 'nearest' or 'bilinear', got {interpolation!r}")
        self.translate, self.scale, self.shear = translate, scale, shear
        self.interpolation, self.fill, self.center = interpolation, fill, center

    def get_params(self, img_size) -> tuple:
        """``(angle, (dx, dy), scale, (shear_x, shear_y))`` for an image of ``(height, width)``."""
        rng = get_generator()
        h, w = img_size
        angle = float(rng.uniform(*self.degrees))
        if self.translate is not None:
            mx_, my_ = self.translate[0] * w, self.translate[1] * h
            tx, ty = round(rng.uniform(-mx_, mx_)), round(rng.uniform(-my_, my_))
        else:
            tx = ty = 0
        scale = float(rng.uniform(*self.scale)) if self.scale is not None else 1.0
        sx = sy = 0.0
        if self.shear is not None:
            sx = float(rng.uniform(self.shear[0], self.shear[1]))
            if self.shear[2:] != (0.0, 0.0):
                sy = float(rng.uniform(self.shear[2], self.shear[3]))
        return angle, (tx, ty), scale, (sx, sy)

    def __call__(self, img):
        angle, translate, scale, shear = self.get_params(F.get_image_size(img))
        return F.affine(img, angle, translate, scale, shear, self.interpolation, self.fill, self.center)

    def __repr__(self) -> str:
        return (f"RandomAffine(degrees={self.degrees}, translate={self.translate}, scale={self.scale}, "
                f"shear={self.shear})")


class RandomPerspective:
    """With probability ``p``, move the four corners inwards at random and warp (``distortion_scale`` in [0, 1]).

    Examples:
        >>> import lucid, numpy as np
        >>> lucid.transforms.RandomPerspective(p=1.0)(np.zeros((8, 8, 3), np.uint8)).shape
        (8, 8, 3)
    """

    def __init__(self, distortion_scale: float = 0.5, p: float = 0.5, interpolation: str = "bilinear", fill=0):
        if not isinstance(distortion_scale, numbers.Real) or not 0.0 <= distortion_scale <= 1.0:
            raise ValueError(f"RandomPerspective: distortion_scale must be in [0, 1], got {distortion_scale!r}")
        if interpolation not in ("nearest", "bilinear"):
            raise ValueError(f"RandomPerspective: interpolation must be 'nearest' or 'bilinear', "
                             f"got {interpolation!r}")
        self.distortion_scale = float(distortion_scale)
        self.p = _probability(p, "RandomPerspective")
        self.interpolation, self.fill = interpolation, fill

    @staticmethod
    def get_params(width: int, height: int, distortion_scale: float) -> tuple[list, list]:
        """``(startpoints, endpoints)``: the image corners and where they move."""
        rng = get_generator()
        dw = int(distortion_scale * (width // 2))
        dh = int(distortion_scale * (height // 2))

        def r(lo, hi):
            return int(rng.integers(lo, hi))

        top_left = [r(0, dw + 1), r(0, dh + 1)]
        top_right = [r(width - dw - 1, width), r(0, dh + 1)]
        bottom_right = [r(width - dw - 1, width), r(height - dh - 1, height)]
        bottom_left = [r(0, dw + 1), r(height - dh - 1, height)]
        start = [[0, 0], [width - 1, 0], [width - 1, height - 1], [0, height - 1]]
        return start, [top_left, top_right, bottom_right, bottom_left]

    def __call__(self, img):
        if get_generator().random() >= self.p:
            return img
        h, w = F.get_image_size(img)
        start, end = self.get_params(w, h, self.distortion_scale)
        return F.perspective(img, start, end, self.interpolation, self.fill)

    def __repr__(self) -> str:
        return f"RandomPerspective(distortion_scale={self.distortion_scale}, p={self.p})"


# -- automatic augmentation policies -------------------------------------------

def _apply_op(img, name: str, magnitude: float, interpolation: str, fill):
    """One operation of the auto-augment search spaces, as torchvision defines them."""
    fill = 0 if fill is None else fill
    if name == "Identity":
        return img
    if name == "ShearX":
        return F.affine(img, 0.0, (0, 0), 1.0, (math.degrees(math.atan(magnitude)), 0.0), interpolation, fill,
                        center=(0, 0))
    if name == "ShearY":
        return F.affine(img, 0.0, (0, 0), 1.0, (0.0, math.degrees(math.atan(magnitude))), interpolation, fill,
                        center=(0, 0))
    if name == "TranslateX":
        return F.affine(img, 0.0, (int(magnitude), 0), 1.0, 0.0, interpolation, fill)
    if name == "TranslateY":
        return F.affine(img, 0.0, (0, int(magnitude)), 1.0, 0.0, interpolation, fill)
    if name == "Rotate":
        return F.rotate(img, magnitude, interpolation, fill=fill)
    if name == "Brightness":
        return F.adjust_brightness(img, 1.0 + magnitude)
    if name == "Color":
        return F.adjust_saturation(img, 1.0 + magnitude)
    if name == "Contrast":
        return F.adjust_contrast(img, 1.0 + magnitude)
    if name == "Sharpness":
        return F.adjust_sharpness(img, 1.0 + magnitude)
    if name == "Posterize":
        return F.posterize(img, int(magnitude))
    if name == "Solarize":
        bound = 255.0 if F._unpack(img, "Solarize")[0].dtype == np.uint8 else 1.0
        return F.solarize(img, magnitude * bound / 255.0)
    if name == "AutoContrast":
        return F.autocontrast(img)
    if name == "Equalize":
        return F.equalize(img)
    if name == "Invert":
        return F.invert(img)
    raise ValueError(f"unknown augmentation {name!r}")


def _signed(name: str) -> bool:
    return name in ("ShearX", "ShearY", "TranslateX", "TranslateY", "Rotate", "Brightness", "Color", "Contrast",
                    "Sharpness")


def _space(bins: int, h: int, w: int, wide: bool) -> dict:
    """Magnitudes per operation over ``bins`` bins (RandAugment's space, or TrivialAugment's wide one)."""
    lin = np.linspace
    if wide:
        return {
            "Identity": None, "ShearX": lin(0.0, 0.99, bins), "ShearY": lin(0.0, 0.99, bins),
            "TranslateX": lin(0.0, 32.0, bins), "TranslateY": lin(0.0, 32.0, bins), "Rotate": lin(0.0, 135.0, bins),
            "Brightness": lin(0.0, 0.99, bins), "Color": lin(0.0, 0.99, bins), "Contrast": lin(0.0, 0.99, bins),
            "Sharpness": lin(0.0, 0.99, bins),
            "Posterize": 8 - np.round(np.arange(bins) / ((bins - 1) / 6)).astype(int),
            "Solarize": lin(255.0, 0.0, bins), "AutoContrast": None, "Equalize": None,
        }
    return {
        "Identity": None, "ShearX": lin(0.0, 0.3, bins), "ShearY": lin(0.0, 0.3, bins),
        "TranslateX": lin(0.0, 150.0 / 331.0 * w, bins), "TranslateY": lin(0.0, 150.0 / 331.0 * h, bins),
        "Rotate": lin(0.0, 30.0, bins), "Brightness": lin(0.0, 0.9, bins), "Color": lin(0.0, 0.9, bins),
        "Contrast": lin(0.0, 0.9, bins), "Sharpness": lin(0.0, 0.9, bins),
        "Posterize": 8 - np.round(np.arange(bins) / ((bins - 1) / 4)).astype(int),
        "Solarize": lin(255.0, 0.0, bins), "AutoContrast": None, "Equalize": None,
    }


def _magnitude(space: dict, name: str, index: int, rng) -> float:
    values = space[name]
    if values is None:
        return 0.0
    m = float(values[index])
    if _signed(name) and rng.random() < 0.5:
        m = -m
    return m


class AutoAugmentPolicy:
    """The learned policies of AutoAugment (Cubuk et al. 2019): ``"imagenet"``, ``"cifar10"`` and ``"svhn"``."""

    IMAGENET = "imagenet"
    CIFAR10 = "cifar10"
    SVHN = "svhn"


# Each sub-policy: two (operation, probability, magnitude bin of 10) steps.
_POLICIES = {
    "imagenet": (
        (("Posterize", 0.4, 8), ("Rotate", 0.6, 9)), (("Solarize", 0.6, 5), ("AutoContrast", 0.6, None)),
        (("Equalize", 0.8, None), ("Equalize", 0.6, None)), (("Posterize", 0.6, 7), ("Posterize", 0.6, 6)),
        (("Equalize", 0.4, None), ("Solarize", 0.2, 4)), (("Equalize", 0.4, None), ("Rotate", 0.8, 8)),
        (("Solarize", 0.6, 3), ("Equalize", 0.6, None)), (("Posterize", 0.8, 5), ("Equalize", 1.0, None)),
        (("Rotate", 0.2, 3), ("Solarize", 0.6, 8)), (("Equalize", 0.6, None), ("Posterize", 0.4, 6)),
        (("Rotate", 0.8, 8), ("Color", 0.4, 0)), (("Rotate", 0.4, 9), ("Equalize", 0.6, None)),
        (("Equalize", 0.0, None), ("Equalize", 0.8, None)), (("Invert", 0.6, None), ("Equalize", 1.0, None)),
        (("Color", 0.6, 4), ("Contrast", 1.0, 8)), (("Rotate", 0.8, 8), ("Color", 1.0, 2)),
        (("Color", 0.8, 8), ("Solarize", 0.8, 7)), (("Sharpness", 0.4, 7), ("Invert", 0.6, None)),
        (("ShearX", 0.6, 5), ("Equalize", 1.0, None)), (("Color", 0.4, 0), ("Equalize", 0.6, None)),
        (("Equalize", 0.4, None), ("Solarize", 0.2, 4)), (("Solarize", 0.6, 5), ("AutoContrast", 0.6, None)),
        (("Invert", 0.6, None), ("Equalize", 1.0, None)), (("Color", 0.6, 4), ("Contrast", 1.0, 8)),
        (("Equalize", 0.8, None), ("Equalize", 0.6, None)),
    ),
    "cifar10": (
        (("Invert", 0.1, None), ("Contrast", 0.2, 6)), (("Rotate", 0.7, 2), ("TranslateX", 0.3, 9)),
        (("Sharpness", 0.8, 1), ("Sharpness", 0.9, 3)), (("ShearY", 0.5, 8), ("TranslateY", 0.7, 9)),
        (("AutoContrast", 0.5, None), ("Equalize", 0.9, None)), (("ShearY", 0.2, 7), ("Posterize", 0.3, 7)),
        (("Color", 0.4, 3), ("Brightness", 0.6, 7)), (("Sharpness", 0.3, 9), ("Brightness", 0.7, 9)),
        (("Equalize", 0.6, None), ("Equalize", 0.5, None)), (("Contrast", 0.6, 7), ("Sharpness", 0.6, 5)),
        (("Color", 0.7, 7), ("TranslateX", 0.5, 8)), (("Equalize", 0.3, None), ("AutoContrast", 0.4, None)),
        (("TranslateY", 0.4, 3), ("Sharpness", 0.2, 6)), (("Brightness", 0.9, 6), ("Color", 0.2, 8)),
        (("Solarize", 0.5, 2), ("Invert", 0.0, None)), (("Equalize", 0.2, None), ("AutoContrast", 0.6, None)),
        (("Equalize", 0.2, None), ("Equalize", 0.6, None)), (("Color", 0.9, 9), ("Equalize", 0.6, None)),
        (("AutoContrast", 0.8, None), ("Solarize", 0.2, 8)), (("Brightness", 0.1, 3), ("Color", 0.7, 0)),
        (("Solarize", 0.4, 5), ("AutoContrast", 0.9, None)), (("TranslateY", 0.9, 9), ("TranslateY", 0.7, 9)),
        (("AutoContrast", 0.9, None), ("Solarize", 0.8, 3)), (("Equalize", 0.8, None), ("Invert", 0.1, None)),
        (("TranslateY", 0.7, 9), ("AutoContrast", 0.9, None)),
    ),
    "svhn": (
        (("ShearX", 0.9, 4), ("Invert", 0.2, None)), (("ShearY", 0.9, 8), ("Invert", 0.7, None)),
        (("Equalize", 0.6, None), ("Solarize", 0.6, 6)), (("Invert", 0.9, None), ("Equalize", 0.6, None)),
        (("Equalize", 0.6, None), ("Rotate", 0.9, 3)), (("ShearX", 0.9, 4), ("AutoContrast", 0.8, None)),
        (("ShearY", 0.9, 8), ("Invert", 0.4, None)), (("ShearY", 0.9, 5), ("Solarize", 0.2, 6)),
        (("Invert", 0.9, None), ("AutoContrast", 0.8, None)), (("Equalize", 0.6, None), ("Rotate", 0.9, 3)),
        (("ShearX", 0.9, 4), ("Solarize", 0.3, 3)), (("ShearY", 0.8, 8), ("Invert", 0.7, None)),
        (("Equalize", 0.9, None), ("TranslateY", 0.6, 6)), (("Invert", 0.9, None), ("Equalize", 0.6, None)),
        (("Contrast", 0.3, 3), ("Rotate", 0.8, 4)), (("Invert", 0.8, None), ("TranslateY", 0.0, 2)),
        (("ShearY", 0.7, 6), ("Solarize", 0.4, 8)), (("Invert", 0.6, None), ("Rotate", 0.8, 4)),
        (("ShearY", 0.3, 7), ("TranslateX", 0.9, 3)), (("ShearX", 0.1, 6), ("Invert", 0.6, None)),
        (("Solarize", 0.7, 2), ("TranslateY", 0.6, 7)), (("ShearY", 0.8, 4), ("Invert", 0.8, None)),
        (("ShearX", 0.7, 9), ("TranslateY", 0.8, 3)), (("ShearY", 0.8, 5), ("AutoContrast", 0.7, None)),
        (("ShearX", 0.7, 2), ("Invert", 0.1, None)),
    ),
}


def _autoaugment_space(h: int, w: int) -> dict:
    space = _space(10, h, w, wide=False)
    space["Invert"] = None
    return space


def _check_interp(interpolation: str, who: str) -> str:
    if interpolation not in ("nearest", "bilinear"):
        raise ValueError(f"{who}: interpolation must be 'nearest' or 'bilinear', got {interpolation!r}")
    return interpolation


def _choice(rng, options):
    """One of ``options``, uniformly at random from ``rng``."""
    return options[int(rng.integers(0, len(options)))]


class _PolicyAugment:
    """What AutoAugment, RandAugment and TrivialAugmentWide share: applying the operations their policy draws.

    Subclasses implement ``_draw(rng, h, w)``, which yields ``(name, magnitude)``
    for each operation to apply, in order, to an image of height ``h`` and width ``w``.
    """

    def __init__(self, interpolation: str, fill) -> None:
        self.interpolation = _check_interp(interpolation, type(self).__name__)
        self.fill = fill

    def __call__(self, img):
        rng = get_generator()
        h, w = F.get_image_size(img)
        # A generator: each draw happens just before its operation, in the order of the policy.
        for name, magnitude in self._draw(rng, h, w):
            img = _apply_op(img, name, magnitude, self.interpolation, self.fill)
        return img

    def _draw(self, rng, h: int, w: int):
        raise NotImplementedError


class AutoAugment(_PolicyAugment):
    """AutoAugment: apply one random sub-policy (two operations, each with its probability) of a learned policy.

    Args:
        policy: ``"imagenet"`` (default), ``"cifar10"`` or ``"svhn"`` (``AutoAugmentPolicy``).
        interpolation: ``"nearest"`` (default) or ``"bilinear"`` for the geometric operations.
        fill: value of areas uncovered by them.

    Examples:
        >>> import lucid, numpy as np
        >>> lucid.transforms.seed(0)
        >>> lucid.transforms.AutoAugment()(np.zeros((8, 8, 3), np.uint8)).shape
        (8, 8, 3)
    """

    def __init__(self, policy: str = AutoAugmentPolicy.IMAGENET, interpolation: str = "nearest", fill=None):
        if policy not in _POLICIES:
            raise ValueError(f"AutoAugment: policy must be one of {sorted(_POLICIES)}, got {policy!r}")
        self.policy = policy
        super().__init__(interpolation, fill)

    def _draw(self, rng, h: int, w: int):
        space = _autoaugment_space(h, w)
        for name, prob, level in _choice(rng, _POLICIES[self.policy]):
            if rng.random() <= prob:
                yield name, _magnitude(space, name, level, rng) if level is not None else 0.0

    def __repr__(self) -> str:
        return f"AutoAugment(policy={self.policy!r})"


class RandAugment(_PolicyAugment):
    """RandAugment (Cubuk et al. 2020): ``num_ops`` random operations, all at bin ``magnitude``.

    Args:
        num_ops: operations applied in a row.
        magnitude: the magnitude bin, ``0 <= magnitude < num_magnitude_bins``.
        num_magnitude_bins: the number of bins.
        interpolation: ``"nearest"`` (default) or ``"bilinear"``.
        fill: value of uncovered areas.

    Examples:
        >>> import lucid, numpy as np
        >>> lucid.transforms.seed(0)
        >>> lucid.transforms.RandAugment()(np.zeros((8, 8, 3), np.uint8)).shape
        (8, 8, 3)
    """

    def __init__(self, num_ops: int = 2, magnitude: int = 9, num_magnitude_bins: int = 31,
                 interpolation: str = "nearest", fill=None):
        if num_ops < 0 or not 0 <= magnitude < num_magnitude_bins or num_magnitude_bins < 2:
            raise ValueError(f"RandAugment: need num_ops >= 0 and 0 <= magnitude < num_magnitude_bins, got "
                             f"num_ops={num_ops}, magnitude={magnitude}, num_magnitude_bins={num_magnitude_bins}")
        self.num_ops, self.magnitude, self.num_magnitude_bins = num_ops, magnitude, num_magnitude_bins
        super().__init__(interpolation, fill)

    def _draw(self, rng, h: int, w: int):
        space = _space(self.num_magnitude_bins, h, w, wide=False)
        names = list(space)
        for _ in range(self.num_ops):
            name = _choice(rng, names)
            yield name, _magnitude(space, name, self.magnitude, rng)

    def __repr__(self) -> str:
        return f"RandAugment(num_ops={self.num_ops}, magnitude={self.magnitude})"


class TrivialAugmentWide(_PolicyAugment):
    """TrivialAugment (Müller & Hutter 2021): one random operation at a random magnitude, wide ranges.

    Examples:
        >>> import lucid, numpy as np
        >>> lucid.transforms.seed(0)
        >>> lucid.transforms.TrivialAugmentWide()(np.zeros((8, 8, 3), np.uint8)).shape
        (8, 8, 3)
    """

    def __init__(self, num_magnitude_bins: int = 31, interpolation: str = "nearest", fill=None):
        if num_magnitude_bins < 2:
            raise ValueError(f"TrivialAugmentWide: num_magnitude_bins must be at least 2, got {num_magnitude_bins}")
        self.num_magnitude_bins = num_magnitude_bins
        super().__init__(interpolation, fill)

    def _draw(self, rng, h: int, w: int):
        space = _space(self.num_magnitude_bins, h, w, wide=True)
        name = _choice(rng, list(space))
        level = int(rng.integers(0, self.num_magnitude_bins))
        yield name, _magnitude(space, name, level, rng)

    def __repr__(self) -> str:
        return f"TrivialAugmentWide(num_magnitude_bins={self.num_magnitude_bins})"
