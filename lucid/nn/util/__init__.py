"""Gradient clipping, parameter utilities, parametrizations, pruning, fusion: ``lucid.nn.util`` (= ``lucid.nn.utils``).

Submodules: ``rnn`` (padding and packing), ``parametrize`` (custom
parametrizations), ``parametrizations`` (``orthogonal``, ``weight_norm``,
``spectral_norm``), ``prune`` and ``stateless`` (``functional_call``).
"""

from lucid.nn.util import parametrizations, parametrize, prune, rnn, stateless
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
from lucid.nn.util.fusion import fuse_conv_bn_eval, fuse_conv_bn_weights, fuse_linear_bn_eval, fuse_linear_bn_weights
from lucid.nn.util.init import skip_init
from lucid.nn.util.spectral_norm import remove_spectral_norm, spectral_norm
from lucid.nn.util.weight_norm import remove_weight_norm, weight_norm

__all__ = [
    "clip_grad_value", "clip_grad_value_", "clip_grad_norm", "clip_grad_norm_", "get_total_norm",
    "clip_grads_with_norm_", "grad_norm", "parameters_to_vector", "vector_to_parameters",
    "weight_norm", "remove_weight_norm", "spectral_norm", "remove_spectral_norm",
    "fuse_conv_bn_eval", "fuse_conv_bn_weights", "fuse_linear_bn_eval", "fuse_linear_bn_weights", "skip_init",
]

# The submodules that ``lucid.nn`` also registers as ``lucid.nn.utils.<name>`` in sys.modules, so that
# ``import lucid.nn.utils.prune`` finds these same module objects instead of loading second copies.
_SUBMODULES = ("rnn", "parametrize", "parametrizations", "prune", "stateless")
