"""Multi-layer perceptron."""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import lucid.nn as nn

__all__ = ["MLP"]


class MLP(nn.Module):
    """Fully connected layers with ReLU between them (and optional dropout).

    Args:
        sizes: layer widths, input first, e.g. ``(784, 512, 512, 10)``.
        dropout: dropout probability after each hidden activation.

    Examples:
        >>> import lucid
        >>> from lucid.models import MLP
        >>> MLP((4, 8, 3))(lucid.ones(2, 4)).shape
        (2, 3)
    """

    def __init__(self, sizes: Sequence[int], dropout: float = 0.0):
        super().__init__()
        if len(sizes) < 2:
            raise ValueError(f"MLP needs at least an input and an output size, got {tuple(sizes)}")
        layers: list = [nn.Flatten()]
        for i, (n_in, n_out) in enumerate(itertools.pairwise(sizes)):
            layers.append(nn.Linear(n_in, n_out))
            if i < len(sizes) - 2:
                layers.append(nn.ReLU())
                if dropout:
                    layers.append(nn.Dropout(dropout))
        self.layers = nn.Sequential(*layers)

    def forward(self, x):
        return self.layers(x)
