"""``lucid.transforms.v2``: every transform of ``lucid.transforms`` plus the batch mixers ``MixUp`` and ``CutMix``.

As in torchvision's ``transforms.v2``, ``MixUp`` and ``CutMix`` act on a
whole batch ``(images, labels)`` (typically right after the ``DataLoader``):
images ``(N, C, H, W)`` and integer labels ``(N,)`` become mixed images and
soft labels ``(N, num_classes)``, each sample mixed with its neighbour in the
batch (the batch rolled by one). The mixing weight is drawn from
``Beta(alpha, alpha)`` with the transforms' generator; the pixel work runs as
lazy Lucid operations.

Examples:
    >>> import lucid
    >>> from lucid.transforms import v2
    >>> lucid.transforms.seed(0)
    >>> images, labels = lucid.rand(4, 3, 8, 8), lucid.tensor([0, 1, 2, 3])
    >>> x, y = v2.MixUp(num_classes=5)(images, labels)
    >>> x.shape, y.shape, [round(v, 5) for v in y.sum(dim=1).tolist()]
    ((4, 3, 8, 8), (4, 5), [1.0, 1.0, 1.0, 1.0])
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from lucid._tensor import Tensor
from lucid.transforms.augment import *  # noqa: F403 (v2 offers every transform)
from lucid.transforms.augment import __all__ as _augment_all
from lucid.transforms.conversion import *  # noqa: F403
from lucid.transforms.conversion import __all__ as _conversion_all
from lucid.transforms.transforms import *  # noqa: F403
from lucid.transforms.transforms import __all__ as _transforms_all
from lucid.transforms.transforms import get_generator

__all__ = [*_transforms_all, *_augment_all, *_conversion_all, "MixUp", "CutMix", "RandomChoice"]


def _batch(args, who: str) -> tuple[Tensor, Tensor]:
    if len(args) == 1 and isinstance(args[0], (tuple, list)) and len(args[0]) == 2:
        args = tuple(args[0])
    if len(args) != 2:
        raise TypeError(f"{who}: call it with (images, labels) or one (images, labels) pair")
    images, labels = (a if isinstance(a, Tensor) else Tensor(np.asarray(a)) for a in args)
    if images.ndim != 4:
        raise ValueError(f"{who}: images must be a batch (N, C, H, W), got shape {images.shape}")
    if labels.ndim != 1 or labels.shape[0] != images.shape[0] or labels.is_floating_point():
        raise ValueError(f"{who}: labels must be integer class indices of shape ({images.shape[0]},), got "
                         f"{labels.dtype} of shape {labels.shape}")
    if not images.is_floating_point():
        raise TypeError(f"{who}: images must be floating point (mixing averages them), got {images.dtype}")
    return images, labels


def _one_hot(labels: Tensor, num_classes: int, dtype) -> Tensor:
    from lucid.nn.functional import one_hot

    return one_hot(labels, num_classes).astype(dtype)


def _roll(t: Tensor) -> Tensor:
    """The batch shifted by one: sample ``i`` is paired with sample ``i - 1``."""
    from lucid import roll

    return roll(t, 1, 0)


class _Mixer:
    def __init__(self, alpha: float = 1.0, num_classes: int | None = None, labels_getter="default"):
        who = type(self).__name__
        if isinstance(alpha, bool) or not isinstance(alpha, numbers.Real) or not alpha > 0:
            raise ValueError(f"{who}: alpha must be a positive number, got {alpha!r}")
        if num_classes is None or isinstance(num_classes, bool) or not isinstance(num_classes, numbers.Integral) \
                or num_classes < 1:
            raise ValueError(f"{who}: num_classes must be a positive int (the labels become one-hot vectors), "
                             f"got {num_classes!r}")
        if labels_getter != "default":
            raise NotImplementedError(f"{who}: only labels_getter='default' ((images, labels) input) is supported")
        self.alpha, self.num_classes = float(alpha), int(num_classes)

    def _lam(self) -> float:
        return float(get_generator().beta(self.alpha, self.alpha))

    def __repr__(self) -> str:
        return f"{type(self).__name__}(alpha={self.alpha}, num_classes={self.num_classes})"


class MixUp(_Mixer):
    """MixUp (Zhang et al. 2018): ``x = lam x + (1 - lam) x_rolled``, labels mixed with the same ``lam``.

    Args:
        alpha: the Beta distribution's parameter (default 1: ``lam`` uniform in [0, 1]).
        num_classes: the number of classes of the one-hot labels.
        labels_getter: only ``"default"``: call with ``(images, labels)``.

    Returns:
        ``(images, labels)``: images of the input's shape and dtype, labels ``(N, num_classes)``.

    Examples:
        >>> import lucid
        >>> from lucid.transforms.v2 import MixUp
        >>> x, y = MixUp(num_classes=3)(lucid.ones(2, 1, 2, 2), lucid.tensor([0, 2]))
        >>> x.tolist()[0][0][0], y.shape
        ([1.0, 1.0], (2, 3))
    """

    def __call__(self, *args):
        images, labels = _batch(args, "MixUp")
        lam = self._lam()
        mixed = images * lam + _roll(images) * (1.0 - lam)
        oh = _one_hot(labels, self.num_classes, images.dtype)
        return mixed, oh * lam + _roll(oh) * (1.0 - lam)


class CutMix(_Mixer):
    """CutMix (Yun et al. 2019): paste a random box of the rolled batch; labels weighted by the box's area.

    The box has area about ``(1 - lam)`` of the image (``lam ~ Beta(alpha, alpha)``),
    centred at a uniform random pixel and clipped at the borders; the label
    weight is the exact unpasted fraction.

    Examples:
        >>> import lucid
        >>> from lucid.transforms.v2 import CutMix
        >>> lucid.transforms.seed(1)
        >>> x, y = CutMix(num_classes=2)(lucid.zeros(2, 1, 4, 4), lucid.tensor([0, 1]))
        >>> x.shape, y.shape
        ((2, 1, 4, 4), (2, 2))
    """

    def __call__(self, *args):
        from lucid import where

        images, labels = _batch(args, "CutMix")
        h, w = images.shape[-2], images.shape[-1]
        rng = get_generator()
        lam = self._lam()
        cy, cx = int(rng.integers(0, h)), int(rng.integers(0, w))
        r = 0.5 * math.sqrt(1.0 - lam)
        rh, rw = int(r * h), int(r * w)
        y0, y1 = max(cy - rh, 0), min(cy + rh, h)
        x0, x1 = max(cx - rw, 0), min(cx + rw, w)
        box = np.zeros((h, w), dtype=bool)
        box[y0:y1, x0:x1] = True
        mixed = where(Tensor(box, device=images.device), _roll(images), images)
        lam_box = 1.0 - (y1 - y0) * (x1 - x0) / float(h * w)
        oh = _one_hot(labels, self.num_classes, images.dtype)
        return mixed, oh * lam_box + _roll(oh) * (1.0 - lam_box)


class RandomChoice:
    """Apply one of ``transforms``, chosen at random (with weights ``p``), e.g. MixUp or CutMix per batch.

    Examples:
        >>> import lucid
        >>> from lucid.transforms import v2
        >>> pick = v2.RandomChoice([v2.MixUp(num_classes=2), v2.CutMix(num_classes=2)])
        >>> pick(lucid.zeros(2, 1, 4, 4), lucid.tensor([0, 1]))[1].shape
        (2, 2)
    """

    def __init__(self, transforms, p=None):
        self.transforms = list(transforms)
        if not self.transforms:
            raise ValueError("RandomChoice needs at least one transform")
        if p is not None:
            p = np.asarray(p, dtype=np.float64)
            if p.shape != (len(self.transforms),) or (p < 0).any() or p.sum() <= 0:
                raise ValueError(f"RandomChoice: p must have one non-negative weight per transform, got {p}")
            p = p / p.sum()
        self.p = p

    def __call__(self, *args):
        i = int(get_generator().choice(len(self.transforms), p=self.p))
        return self.transforms[i](*args)

    def __repr__(self) -> str:
        return f"RandomChoice({self.transforms!r})"
