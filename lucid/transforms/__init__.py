"""Image transforms: conversion, normalisation, resizing, cropping and random augmentation.

They accept NumPy arrays (``(H, W)`` or ``(H, W, C)``), lucid Tensors
(``(C, H, W)``) and, where Pillow is installed, PIL images, and return the
kind they were given (``ToTensor`` returns a Tensor). The image maths runs in
NumPy on the host: data preparation is host-side work, and it keeps MLX work
out of ``DataLoader`` worker threads.

Random transforms draw from one module-level ``numpy.random.Generator``
(seeded with 0 at import); call ``lucid.transforms.seed(n)`` to make an
augmentation pipeline reproducible.

Examples:
    >>> import lucid, numpy as np
    >>> lucid.transforms.seed(0)
    >>> train_tf = lucid.transforms.Compose([
    ...     lucid.transforms.RandomCrop(28, padding=2),
    ...     lucid.transforms.ToTensor(),
    ...     lucid.transforms.Normalize([0.1307], [0.3081]),
    ... ])
    >>> train_tf(np.zeros((28, 28), np.uint8)).shape
    (1, 28, 28)
"""

from lucid.transforms import functional
from lucid.transforms.augment import (
    AutoAugment,
    AutoAugmentPolicy,
    GaussianBlur,
    RandAugment,
    RandomAffine,
    RandomErasing,
    RandomPerspective,
    RandomResizedCrop,
    TrivialAugmentWide,
)
from lucid.transforms.conversion import ConvertImageDtype, ToPILImage
from lucid.transforms.transforms import (
    CenterCrop,
    ColorJitter,
    Compose,
    Grayscale,
    Lambda,
    Normalize,
    Pad,
    RandomCrop,
    RandomGrayscale,
    RandomHorizontalFlip,
    RandomRotation,
    RandomVerticalFlip,
    Resize,
    ToTensor,
    get_generator,
    seed,
)

__all__ = ["functional", "seed", "get_generator", "Compose", "ToTensor", "Normalize", "Resize", "CenterCrop",
           "RandomCrop", "Pad", "RandomHorizontalFlip", "RandomVerticalFlip", "RandomRotation", "Grayscale",
           "RandomGrayscale", "ColorJitter", "Lambda", "RandomResizedCrop", "RandomErasing", "GaussianBlur",
           "RandomAffine", "RandomPerspective", "AutoAugment", "AutoAugmentPolicy", "RandAugment",
           "TrivialAugmentWide", "ToPILImage", "ConvertImageDtype", "v2"]

from lucid.transforms import v2
