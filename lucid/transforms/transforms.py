"""Transform classes: callables that prepare and augment images (see ``functional`` for the maths).

Randomness: the random transforms draw from one module-level
``numpy.random.Generator``, created with seed 0 at import. ``seed(n)``
replaces it with a fresh one seeded by ``n``, so an augmentation pipeline is
reproducible run to run; ``get_generator()`` returns the current one.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Sequence

import numpy as np

from lucid.transforms import functional as F

__all__ = ["seed", "get_generator", "Compose", "ToTensor", "Normalize", "Resize", "CenterCrop", "RandomCrop",
           "Pad", "RandomHorizontalFlip", "RandomVerticalFlip", "RandomRotation", "Grayscale", "RandomGrayscale",
           "ColorJitter", "Lambda"]

_STATE = {"rng": np.random.default_rng(0)}


def seed(n: int) -> None:
    """Reseed the generator that every random transform draws from.

    Args:
        n: a non-negative int.

    Examples:
        >>> import lucid, numpy as np
        >>> flip = lucid.transforms.RandomHorizontalFlip(p=0.5)
        >>> img = np.arange(3)[None]
        >>> lucid.transforms.seed(1); a = [flip(img)[0, 0] for _ in range(8)]
        >>> lucid.transforms.seed(1); b = [flip(img)[0, 0] for _ in range(8)]
        >>> a == b
        True
    """
    if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 0:
        raise ValueError(f"transforms.seed expects a non-negative int, got {n!r}")
    _STATE["rng"] = np.random.default_rng(int(n))


def get_generator() -> np.random.Generator:
    """The ``numpy.random.Generator`` the random transforms use (reseed it with ``seed``).

    Examples:
        >>> import lucid
        >>> lucid.transforms.seed(5)
        >>> int(lucid.transforms.get_generator().integers(0, 100))
        67
    """
    return _STATE["rng"]


def _probability(p, who: str) -> float:
    if isinstance(p, bool) or not isinstance(p, numbers.Real) or not 0.0 <= p <= 1.0:
        raise ValueError(f"{who}: p must be a probability in [0, 1], got {p!r}")
    return float(p)


class Compose:
    """Apply transforms one after another.

    Args:
        transforms: a sequence of callables.

    Raises:
        TypeError: a member that is not callable.

    Examples:
        >>> import lucid, numpy as np
        >>> t = lucid.transforms.Compose([lucid.transforms.CenterCrop(2), lucid.transforms.ToTensor()])
        >>> t(np.full((4, 4), 255, np.uint8)).shape
        (1, 2, 2)
    """

    def __init__(self, transforms: Sequence[Callable]):
        self.transforms = list(transforms)
        for i, t in enumerate(self.transforms):
            if not callable(t):
                raise TypeError(f"Compose: transform {i} is a {type(t).__name__}, which is not callable")

    def __call__(self, img):
        for t in self.transforms:
            img = t(img)
        return img

    @property
    def batch(self):
        """The transforms' ``batch`` methods chained, when every member has one; otherwise None.

        See ``Lambda``'s ``batched`` argument: datasets call ``batch`` once on a
        stack of images instead of calling the transform once per image.
        """
        batches = [getattr(t, "batch", None) for t in self.transforms]
        if any(b is None for b in batches):
            return None

        def run(imgs):
            for b in batches:
                imgs = b(imgs)
            return imgs

        return run

    def __repr__(self) -> str:
        body = "".join(f"\n    {t!r}" for t in self.transforms)
        return f"{type(self).__name__}({body}\n)"


class ToTensor:
    """Convert an ``(H, W)`` / ``(H, W, C)`` NumPy array or a PIL image to a float32 Tensor ``(C, H, W)`` in [0, 1].

    uint8 values are divided by 255; float images are assumed to be in [0, 1] already.

    Speed: this makes one Tensor per sample (tens of microseconds each). For
    the fastest input pipeline, keep samples as NumPy arrays (a ``Lambda``
    can scale them) and let ``DataLoader``'s default collate stack a batch
    into a single Tensor.

    Examples:
        >>> import lucid, numpy as np
        >>> x = lucid.transforms.ToTensor()(np.zeros((28, 28, 3), np.uint8))
        >>> x.shape, x.dtype
        ((3, 28, 28), lucid.float32)
    """

    def __call__(self, pic):
        return F.to_tensor(pic)

    def __repr__(self) -> str:
        return "ToTensor()"


class Normalize:
    """Normalise each channel: ``(x - mean[c]) / std[c]`` (for float Tensors ``(C, H, W)`` or arrays ``(H, W, C)``).

    Args:
        mean: the per-channel means.
        std: the per-channel standard deviations (no zeros).
        inplace: modify the input instead of returning a new image.

    Raises:
        ValueError: a zero in ``std``.

    Examples:
        >>> import lucid, numpy as np
        >>> x = lucid.transforms.ToTensor()(np.full((1, 1), 255, np.uint8))
        >>> lucid.transforms.Normalize([0.5], [0.5])(x).tolist()
        [[[1.0]]]
    """

    def __init__(self, mean, std, inplace: bool = False):
        self.mean = [float(m) for m in np.asarray(mean, dtype=np.float64).reshape(-1)]
        self.std = [float(s) for s in np.asarray(std, dtype=np.float64).reshape(-1)]
        if any(s == 0 for s in self.std):
            raise ValueError(f"Normalize: std must not contain zeros, got {self.std}")
        self.inplace = inplace

    def __call__(self, img):
        return F.normalize(img, self.mean, self.std, self.inplace)

    def batch(self, imgs):
        """Normalise a stack of images at once: what stacking ``self(img)`` per image gives.

        A float NumPy array ``(N, H, W)`` or ``(N, H, W, C)`` is normalised in
        one pass; anything else (Tensors, lists) image by image.
        """
        if isinstance(imgs, np.ndarray) and imgs.ndim in (3, 4):
            if imgs.ndim == 3:
                return F.normalize_channels_last(imgs[..., None], self.mean, self.std)[..., 0]
            return F.normalize_channels_last(imgs, self.mean, self.std)
        return [self(img) for img in imgs]

    def __repr__(self) -> str:
        return f"Normalize(mean={self.mean}, std={self.std})"


class Resize:
    """Resize to ``size``: ``(h, w)`` exactly, or an int for the shorter side (aspect kept).

    Args:
        size: an int or ``(height, width)``.
        interpolation: ``"bilinear"`` (default) or ``"nearest"``.
        max_size: cap on the longer side when ``size`` is an int.
        antialias: low-pass filter when downscaling (default True).

    Examples:
        >>> import lucid, numpy as np
        >>> lucid.transforms.Resize(14)(np.zeros((28, 56), np.uint8)).shape
        (14, 28)
    """

    def __init__(self, size, interpolation: str = "bilinear", max_size: int | None = None, antialias: bool = True):
        if interpolation not in ("bilinear", "nearest"):
            raise ValueError(f"Resize: interpolation must be 'bilinear' or 'nearest', got {interpolation!r}")
        F._target_size(1, 1, size, max_size, "Resize")  # validate now, not at the first image
        self.size, self.interpolation, self.max_size, self.antialias = size, interpolation, max_size, antialias

    def __call__(self, img):
        return F.resize(img, self.size, self.interpolation, self.max_size, self.antialias)

    def __repr__(self) -> str:
        return f"Resize(size={self.size}, interpolation={self.interpolation!r})"


class CenterCrop:
    """Cut out the central ``size`` box (an int for a square or ``(h, w)``); smaller images are zero-padded.

    Examples:
        >>> import lucid, numpy as np
        >>> lucid.transforms.CenterCrop((2, 3))(np.zeros((5, 5, 3))).shape
        (2, 3, 3)
    """

    def __init__(self, size):
        self.size = F._size_pair(size, "CenterCrop")

    def __call__(self, img):
        return F.center_crop(img, self.size)

    def __repr__(self) -> str:
        return f"CenterCrop(size={self.size})"


class Pad:
    """Pad the borders (see ``functional.pad``).

    Examples:
        >>> import lucid, numpy as np
        >>> lucid.transforms.Pad(2)(np.zeros((3, 3))).shape
        (7, 7)
    """

    def __init__(self, padding, fill=0, padding_mode: str = "constant"):
        F._padding4(padding, "Pad")
        if padding_mode not in F._PAD_MODES:
            raise ValueError(f"Pad: padding_mode must be one of {sorted(F._PAD_MODES)}, got {padding_mode!r}")
        self.padding, self.fill, self.padding_mode = padding, fill, padding_mode

    def __call__(self, img):
        return F.pad(img, self.padding, self.fill, self.padding_mode)

    def __repr__(self) -> str:
        return f"Pad(padding={self.padding}, fill={self.fill}, padding_mode={self.padding_mode!r})"


class RandomCrop:
    """Cut out a ``size`` box at a uniformly random position, after optional padding.

    Args:
        size: an int for a square, or ``(h, w)``.
        padding: padding added first (see ``Pad``), or None.
        pad_if_needed: pad an image smaller than ``size`` just enough (split
            evenly between the two sides) instead of raising.
        fill: the constant padding value (or one per channel).
        padding_mode: ``"constant"``, ``"edge"``, ``"reflect"`` or ``"symmetric"``.

    Raises:
        ValueError: the (padded) image is smaller than ``size`` and ``pad_if_needed`` is False.

    Examples:
        >>> import lucid, numpy as np
        >>> lucid.transforms.seed(0)
        >>> lucid.transforms.RandomCrop(32, padding=4)(np.zeros((32, 32, 3), np.uint8)).shape
        (32, 32, 3)
    """

    def __init__(self, size, padding=None, pad_if_needed: bool = False, fill=0, padding_mode: str = "constant"):
        self.size = F._size_pair(size, "RandomCrop")
        if padding is not None:
            F._padding4(padding, "RandomCrop")
        if padding_mode not in F._PAD_MODES:
            raise ValueError(f"RandomCrop: padding_mode must be one of {sorted(F._PAD_MODES)}, "
                             f"got {padding_mode!r}")
        self.padding, self.pad_if_needed, self.fill, self.padding_mode = padding, pad_if_needed, fill, padding_mode

    def _crop(self, arr: np.ndarray) -> np.ndarray:
        mode = F._PAD_MODES[self.padding_mode]
        if self.padding is not None:
            left, top, right, bottom = F._padding4(self.padding, "RandomCrop")
            arr = F._pad_np(arr, left, top, right, bottom, self.fill, mode)
        th, tw = self.size
        h, w = arr.shape[-3], arr.shape[-2]
        if self.pad_if_needed and (h < th or w < tw):
            dh, dw = max(0, th - h), max(0, tw - w)
            arr = F._pad_np(arr, dw // 2, dh // 2, dw - dw // 2, dh - dh // 2, self.fill, mode)
            h, w = arr.shape[-3], arr.shape[-2]
        if h < th or w < tw:
            raise ValueError(f"RandomCrop: the image is {h}x{w} (after padding) but the crop is {th}x{tw}; "
                             "use pad_if_needed=True or a smaller size")
        rng = get_generator()
        top = int(rng.integers(0, h - th + 1))
        left = int(rng.integers(0, w - tw + 1))
        return arr[..., top:top + th, left:left + tw, :].copy()

    def __call__(self, img):
        return F._apply(img, self._crop, "RandomCrop")

    def __repr__(self) -> str:
        return f"RandomCrop(size={self.size}, padding={self.padding})"


class _WithProbability:
    """A transform applied with probability ``p`` (one draw from ``get_generator()`` per call).

    Subclasses implement ``_transform(img)``.
    """

    def __init__(self, p: float = 0.5):
        self.p = _probability(p, type(self).__name__)

    def __call__(self, img):
        return self._transform(img) if get_generator().random() < self.p else img

    def _transform(self, img):
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}(p={self.p})"


class RandomHorizontalFlip(_WithProbability):
    """Mirror left-right with probability ``p`` (default 0.5).

    Examples:
        >>> import lucid, numpy as np
        >>> lucid.transforms.RandomHorizontalFlip(p=1.0)(np.array([[1, 2]])).tolist()
        [[2, 1]]
    """

    def _transform(self, img):
        return F.hflip(img)


class RandomVerticalFlip(_WithProbability):
    """Mirror top-bottom with probability ``p`` (default 0.5).

    Examples:
        >>> import lucid, numpy as np
        >>> lucid.transforms.RandomVerticalFlip(p=1.0)(np.array([[1], [2]])).tolist()
        [[2], [1]]
    """

    def _transform(self, img):
        return F.vflip(img)


def _range(value, who: str, name: str, centre: float = 0.0, lower: float | None = None,
           upper: float | None = None) -> tuple[float, float] | None:
    """A number ``v`` means ``[centre - v, centre + v]`` (clipped at ``lower``); a pair is taken as is."""
    if value is None:
        return None
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        if value < 0:
            raise ValueError(f"{who}: {name} must be non-negative, got {value}")
        lo, hi = centre - float(value), centre + float(value)
        if lower is not None:
            lo = max(lo, lower)
    elif isinstance(value, Sequence) and len(value) == 2:
        lo, hi = float(value[0]), float(value[1])
        if lo > hi:
            raise ValueError(f"{who}: {name} range must be (min, max) with min <= max, got {value}")
    else:
        raise TypeError(f"{who}: {name} must be a number or a (min, max) pair, got {value!r}")
    if (lower is not None and lo < lower) or (upper is not None and hi > upper):
        raise ValueError(f"{who}: {name} range {(lo, hi)} must lie within [{lower}, {upper}]")
    return lo, hi


class RandomRotation:
    """Rotate by an angle drawn uniformly from ``degrees`` (counter-clockwise).

    Args:
        degrees: ``d`` for ``[-d, d]``, or a ``(min, max)`` pair.
        interpolation: ``"nearest"`` (default) or ``"bilinear"``.
        expand: enlarge the output to hold the whole rotated image.
        center: ``(x, y)`` rotation centre (default: the image centre).
        fill: value of the uncovered area (one number or one per channel).

    Examples:
        >>> import lucid, numpy as np
        >>> lucid.transforms.RandomRotation((90, 90))(np.array([[1, 2], [3, 4]])).tolist()
        [[2, 4], [1, 3]]
    """

    def __init__(self, degrees, interpolation: str = "nearest", expand: bool = False, center=None, fill=0):
        self.degrees = _range(degrees, "RandomRotation", "degrees")
        if interpolation not in ("nearest", "bilinear"):
            raise ValueError(f"RandomRotation: interpolation must be 'nearest' or 'bilinear', got {interpolation!r}")
        self.interpolation, self.expand, self.center, self.fill = interpolation, expand, center, fill

    def __call__(self, img):
        angle = float(get_generator().uniform(*self.degrees))
        return F.rotate(img, angle, self.interpolation, self.expand, self.center, self.fill)

    def __repr__(self) -> str:
        return f"RandomRotation(degrees={self.degrees}, interpolation={self.interpolation!r})"


class Grayscale:
    """Convert to grayscale with ``num_output_channels`` 1 or 3 (luma 0.299 R + 0.587 G + 0.114 B).

    Examples:
        >>> import lucid, numpy as np
        >>> lucid.transforms.Grayscale(3)(np.zeros((2, 2, 3), np.uint8)).shape
        (2, 2, 3)
    """

    def __init__(self, num_output_channels: int = 1):
        if num_output_channels not in (1, 3):
            raise ValueError(f"Grayscale: num_output_channels must be 1 or 3, got {num_output_channels}")
        self.num_output_channels = num_output_channels

    def __call__(self, img):
        return F.rgb_to_grayscale(img, self.num_output_channels)

    def __repr__(self) -> str:
        return f"Grayscale(num_output_channels={self.num_output_channels})"


class RandomGrayscale(_WithProbability):
    """With probability ``p`` (default 0.1), make an RGB image grey, keeping its 3 channels.

    One-channel images are returned unchanged.

    Examples:
        >>> import lucid, numpy as np
        >>> out = lucid.transforms.RandomGrayscale(p=1.0)(np.array([[[255, 0, 0]]], np.uint8))
        >>> out.tolist()
        [[[76, 76, 76]]]
    """

    def __init__(self, p: float = 0.1):
        super().__init__(p)

    def _transform(self, img):
        if F.get_image_num_channels(img) in (1, 2):
            return img
        return F.rgb_to_grayscale(img, num_output_channels=3)


class ColorJitter:
    """Randomly change brightness, contrast, saturation and hue, in a random order each call.

    Each of ``brightness``, ``contrast`` and ``saturation`` is a number ``v``
    (the factor is drawn from ``[max(0, 1 - v), 1 + v]``) or a ``(min, max)``
    pair; ``hue`` is ``h`` in [0, 0.5] (shift drawn from ``[-h, h]``) or a
    pair within [-0.5, 0.5]. 0 or None leaves that property alone. See
    ``functional.adjust_*`` for the formulas.

    Examples:
        >>> import lucid, numpy as np
        >>> jitter = lucid.transforms.ColorJitter(brightness=0.4, contrast=0.4, saturation=0.4, hue=0.1)
        >>> jitter(np.zeros((4, 4, 3), np.uint8)).shape
        (4, 4, 3)
    """

    def __init__(self, brightness=0, contrast=0, saturation=0, hue=0):
        self.brightness = _range(brightness, "ColorJitter", "brightness", centre=1.0, lower=0.0)
        self.contrast = _range(contrast, "ColorJitter", "contrast", centre=1.0, lower=0.0)
        self.saturation = _range(saturation, "ColorJitter", "saturation", centre=1.0, lower=0.0)
        self.hue = _range(hue, "ColorJitter", "hue", centre=0.0, lower=-0.5, upper=0.5)

    def __call__(self, img):
        rng = get_generator()
        ops = ((F.adjust_brightness, self.brightness, 1.0), (F.adjust_contrast, self.contrast, 1.0),
               (F.adjust_saturation, self.saturation, 1.0), (F.adjust_hue, self.hue, 0.0))
        for i in rng.permutation(4).tolist():
            fn, rng_range, identity = ops[i]
            if rng_range is None or rng_range == (identity, identity):
                continue
            img = fn(img, float(rng.uniform(*rng_range)))
        return img

    def __repr__(self) -> str:
        return (f"ColorJitter(brightness={self.brightness}, contrast={self.contrast}, "
                f"saturation={self.saturation}, hue={self.hue})")


class Lambda:
    """Wrap a function as a transform.

    Args:
        lambd: the function, called on one image.
        batched: ``lambd`` also works on a stack of images (a leading sample
            axis) and treats every image alike, as elementwise NumPy arithmetic
            does. Datasets built on ``ArrayImageDataset`` (``MNIST``, ``CIFAR10``,
            ``SyntheticDigits``) then call it once per batch through ``batch``
            instead of once per image: far cheaper data loading.

    Examples:
        >>> import lucid, numpy as np
        >>> lucid.transforms.Lambda(lambda img: 255 - img)(np.array([[0, 55]], np.uint8)).tolist()
        [[255, 200]]
        >>> scale = lucid.transforms.Lambda(lambda x: x / np.float32(255), batched=True)
        >>> scale.batch(np.full((2, 1, 1), 255, np.uint8)).tolist()
        [[[1.0]], [[1.0]]]
    """

    def __init__(self, lambd: Callable, batched: bool = False):
        if not callable(lambd):
            raise TypeError(f"Lambda expects a callable, got {type(lambd).__name__}")
        if not isinstance(batched, bool):
            raise TypeError(f"Lambda: batched must be a bool, got {batched!r}")
        self.lambd = lambd
        self.batched = batched

    def __call__(self, img):
        return self.lambd(img)

    @property
    def batch(self):
        """``lambd`` itself when ``batched=True`` (it takes a stack of images), otherwise None."""
        return self.lambd if self.batched else None

    def __repr__(self) -> str:
        name = getattr(self.lambd, '__name__', type(self.lambd).__name__)
        return f"Lambda({name}, batched=True)" if self.batched else f"Lambda({name})"
