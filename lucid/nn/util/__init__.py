"""Gradient clipping and parameter utilities: ``lucid.nn.util`` (the same module as ``lucid.nn.utils``)."""

from lucid.nn.util import rnn
from lucid.nn.util.clip_grad import (
    clip_grad_norm,
    clip_grad_norm_,
    clip_grad_value,
    clip_grad_value_,
    clip_grads_with_norm_,
    get_total_norm,
    grad_norm,
)
from lucid.nn.util.convert_parameters import parameters_to_vector, vector_to_parameters

__all__ = [
    "clip_grad_value", "clip_grad_value_", "clip_grad_norm", "clip_grad_norm_", "get_total_norm",
    "clip_grads_with_norm_", "grad_norm", "parameters_to_vector", "vector_to_parameters",
]
