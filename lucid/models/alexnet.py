"""AlexNet (Krizhevsky et al., 2012) in torchvision's single-tower form (``features.N``, ``classifier.N``)."""

from __future__ import annotations

import lucid
import lucid.nn as nn
from lucid.models._registry import register_model

__all__ = ["AlexNet", "alexnet"]


class AlexNet(nn.Module):
    """Five convolutions and three fully connected layers, with dropout before the first two.

    Args:
        num_classes: outputs of the last layer (default 1000).
        dropout: dropout probability in the classifier (default 0.5).

    Examples:
        >>> import lucid
        >>> from lucid.models import AlexNet
        >>> AlexNet(num_classes=3).eval()(lucid.zeros(1, 3, 64, 64)).shape
        (1, 3)
    """

    def __init__(self, num_classes: int = 1000, dropout: float = 0.5):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 64, 11, stride=4, padding=2), nn.ReLU(), nn.MaxPool2d(3, 2),
            nn.Conv2d(64, 192, 5, padding=2), nn.ReLU(), nn.MaxPool2d(3, 2),
            nn.Conv2d(192, 384, 3, padding=1), nn.ReLU(),
            nn.Conv2d(384, 256, 3, padding=1), nn.ReLU(),
            nn.Conv2d(256, 256, 3, padding=1), nn.ReLU(), nn.MaxPool2d(3, 2),
        )
        self.avgpool = nn.AdaptiveAvgPool2d((6, 6))
        self.classifier = nn.Sequential(
            nn.Dropout(dropout), nn.Linear(256 * 6 * 6, 4096), nn.ReLU(),
            nn.Dropout(dropout), nn.Linear(4096, 4096), nn.ReLU(),
            nn.Linear(4096, num_classes),
        )

    def forward(self, x):
        return self.classifier(lucid.flatten(self.avgpool(self.features(x)), 1))


@register_model("alexnet", num_params=61_100_840,
                paper="ImageNet Classification with Deep Convolutional Neural Networks (Krizhevsky et al., 2012)")
def alexnet(**kwargs) -> AlexNet:
    """AlexNet (see :class:`AlexNet` for the arguments).

    Examples:
        >>> import lucid.models as models
        >>> models.alexnet().classifier[1].in_features
        9216
    """
    return AlexNet(**kwargs)
