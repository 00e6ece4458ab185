"""Small convolutional networks for 28x28 (and 32x32) images."""

from __future__ import annotations

import lucid.nn as nn
from lucid.models._registry import register_model

__all__ = ["SmallCNN", "LeNet5", "lenet5", "small_cnn"]


class SmallCNN(nn.Module):
    """Two conv-BN-ReLU-pool blocks and a two-layer classifier.

    Args:
        in_channels: 1 for grayscale (MNIST), 3 for colour (CIFAR).
        num_classes: number of output logits.
        image_size: input height = width (28 or 32); must be divisible by 4.
        width: channels of the first block (the second has twice as many).

    Examples:
        >>> import lucid
        >>> from lucid.models import SmallCNN
        >>> SmallCNN()(lucid.zeros(2, 1, 28, 28)).shape
        (2, 10)
    """

    def __init__(self, in_channels: int = 1, num_classes: int = 10, image_size: int = 28, width: int = 16):
        super().__init__()
        if image_size % 4:
            raise ValueError(f"SmallCNN needs an image size divisible by 4, got {image_size}")
        self.features = nn.Sequential(
            nn.Conv2d(in_channels, width, 3, padding=1), nn.BatchNorm2d(width), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(width, 2 * width, 3, padding=1), nn.BatchNorm2d(2 * width), nn.ReLU(), nn.MaxPool2d(2),
        )
        side = image_size // 4
        self.classifier = nn.Sequential(
            nn.Flatten(), nn.Linear(2 * width * side * side, 128), nn.ReLU(), nn.Dropout(0.1),
            nn.Linear(128, num_classes),
        )

    def forward(self, x):
        return self.classifier(self.features(x))


class LeNet5(nn.Module):
    """LeNet-5 (LeCun et al., 1998) with ReLU and max pooling, for 28x28 inputs.

    Examples:
        >>> import lucid
        >>> from lucid.models import LeNet5
        >>> LeNet5()(lucid.zeros(1, 1, 28, 28)).shape
        (1, 10)
    """

    def __init__(self, in_channels: int = 1, num_classes: int = 10):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(in_channels, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
        )
        self.classifier = nn.Sequential(
            nn.Flatten(), nn.Linear(16 * 5 * 5, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(),
            nn.Linear(84, num_classes),
        )

    def forward(self, x):
        return self.classifier(self.features(x))


@register_model("lenet5", num_params=61_706, input_size=(1, 28, 28),
                paper="Gradient-Based Learning Applied to Document Recognition (LeCun et al., 1998)")
def lenet5(**kwargs) -> LeNet5:
    """LeNet-5 for 28x28 grayscale digits (see :class:`LeNet5` for the arguments).

    Examples:
        >>> import lucid.models as models
        >>> models.lenet5(num_classes=3).classifier[-1].out_features
        3
    """
    return LeNet5(**kwargs)


@register_model("small_cnn", num_params=207_018, input_size=(1, 28, 28),
                paper="none: a small conv-BN-ReLU network for 28x28 digits, cheap enough to train on a CPU")
def small_cnn(**kwargs) -> SmallCNN:
    """:class:`SmallCNN` for 28x28 grayscale digits (see the class for the arguments).

    Its BatchNorm layers and separate ``features``/``classifier`` make it the
    quick stand-in for a ResNet in transfer-learning experiments on a CPU.

    Examples:
        >>> import lucid.models as models
        >>> models.create_model("small_cnn", num_classes=5).classifier[-1].out_features
        5
    """
    return SmallCNN(**kwargs)
