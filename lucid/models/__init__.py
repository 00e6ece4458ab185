"""A small model zoo, built only from Lucid's public API."""

from lucid.models.cnn import LeNet5, SmallCNN
from lucid.models.gpt import GPT, GPTConfig, gpt2
from lucid.models.mlp import MLP
from lucid.models.text_classifier import TransformerClassifier

__all__ = ["MLP", "SmallCNN", "LeNet5", "GPT", "GPTConfig", "gpt2", "TransformerClassifier"]
