"""A small model zoo, built only from Lucid's public API."""

from lucid.models.mlp import MLP
from lucid.models.cnn import LeNet5, SmallCNN

__all__ = ["MLP", "SmallCNN", "LeNet5"]
