"""Lucid: a PyTorch-style deep learning framework on Apple's MLX.

A ``lucid.Tensor`` wraps an ``mlx.core.array``; a reverse-mode autograd is
layered on top; MLX does the arithmetic, lazily, on the unified-memory device.

Examples:
    >>> import lucid
    >>> x = lucid.tensor([1.0, 2.0, 3.0], requires_grad=True)
    >>> (x * x).sum().backward()
    >>> x.grad.tolist()
    [2.0, 4.0, 6.0]
"""

# _backend comes first: it may load a BLAS before anything imports mlx.core.
from lucid import _backend
from lucid._backend import (
    blas_hint,
    blas_info,
    get_default_device,
    get_eval_budget,
    gpu_available,
    set_default_device,
    set_eval_budget,
)
from lucid._backend.checks import index_checks_enabled, set_index_checks
from lucid._backend.memory import (
    empty_cache, get_memory_limit, max_memory_allocated, memory_allocated, memory_reserved, reset_peak_memory_stats,
    set_memory_limit,
)
from lucid._backend.device import device
from lucid._backend.dtypes import get_default_dtype, set_default_dtype
from lucid._backend.threads import get_num_threads, set_num_threads
from lucid._backend.dtypes import (
    bfloat16, bool_, complex64, dtype, float16, float32, float64, int8, int16, int32, int64,
    uint8, uint16, uint32, uint64,
)
from lucid._tensor import Tensor
from lucid import autograd
from lucid.autograd import (
    enable_grad, inference_mode, is_grad_enabled, is_inference_mode_enabled, no_grad, set_grad_enabled,
)
from lucid import ops
from lucid import random, linalg
from lucid.ops import _registry

# Every registered op under its public names and aliases (lucid.add, lucid.subtract, lucid.norm, ...).
globals().update(_registry.public())
from lucid.ops.dtype_info import e, inf, nan, newaxis, pi
from lucid.ops.shape import channels_last, channels_last_3d, contiguous_format, memory_format, preserve_format
# PyTorch's top-level spellings of the random functions (torch.manual_seed, torch.randn, ...).
from lucid.random import (
    Generator, bernoulli, initial_seed, manual_seed, multinomial, normal, poisson, rand, rand_like, randint,
    randint_like, randn, randn_like, randperm, seed,
)

__version__ = "0.1.0"

bool = bool_
get_rng_state, set_rng_state = random.get_state, random.set_state
# The capitalised aliases of Lucid 2.x.
Bool, UInt8, Int8, Int16, Int32, Int64 = bool_, uint8, int8, int16, int32, int64
Float16, BFloat16, Float32, Float64, Complex64 = float16, bfloat16, float32, float64, complex64
Half, Float, Double, Long, Int = float16, float32, float64, int64, int32
# PyTorch's short dtype names (lucid.float and lucid.int come from __getattr__ below, so that
# they do not shadow the builtins inside this module).
half, double, long, short, cfloat = float16, float64, int64, int16, complex64
_DTYPE_SPELLINGS = {"float": float32, "int": int32}


def eval(*tensors) -> None:
    """Evaluate the given Tensors (and anything nested in lists, tuples or dicts) in one batched ``mx.eval``.

    Examples:
        >>> import lucid
        >>> x = lucid.ones(3) * 2
        >>> lucid.eval(x)
    """
    import mlx.core as mx

    from lucid._backend import trace
    from lucid._backend.checks import pending, raise_pending
    from lucid._backend.evaluation import take_deferred

    if trace.active():
        return  # inside lucid.compile: the compiled function's outputs are evaluated by its caller
    arrays = take_deferred() + pending()
    # Depth-first in the order given (a reversed stack), so arrays reach
    # mx.eval in the order the caller listed them.
    stack = list(reversed(tensors))
    while stack:
        item = stack.pop()
        if isinstance(item, Tensor):
            arrays.append(item._data)
            if item.grad is not None:
                arrays.append(item.grad._data)
        elif isinstance(item, (list, tuple)):
            stack.extend(reversed(item))
        elif isinstance(item, dict):
            stack.extend(reversed(item.values()))
        elif isinstance(item, mx.array):
            arrays.append(item)
    if arrays:
        mx.eval(arrays)
    raise_pending()


def is_tensor(obj) -> bool:
    """True if ``obj`` is a ``lucid.Tensor``.

    Examples:
        >>> import lucid
        >>> lucid.is_tensor(lucid.ones(1)), lucid.is_tensor([1.0])
        (True, False)
    """
    return isinstance(obj, Tensor)


def _tensor_arg(input, op: str) -> Tensor:
    """``input`` itself when it is a Tensor; a ``TypeError`` naming ``op`` otherwise."""
    if not isinstance(input, Tensor):
        raise TypeError(f"{op} expects a Tensor, got {type(input).__name__}")
    return input


def numel(input: Tensor) -> int:
    """The number of elements of ``input`` (``torch.numel``).

    Examples:
        >>> import lucid
        >>> lucid.numel(lucid.zeros(2, 3))
        6
    """
    return _tensor_arg(input, "numel").numel()


def detach(input: Tensor) -> Tensor:
    """``input.detach()``: the same values, cut from the autograd graph (``torch.detach``).

    Examples:
        >>> import lucid
        >>> lucid.detach(lucid.ones(2, requires_grad=True)).requires_grad
        False
    """
    return _tensor_arg(input, "detach").detach()


def is_floating_point(input: Tensor) -> bool:
    """True if ``input`` has a real floating-point dtype (float16, bfloat16, float32, float64).

    Examples:
        >>> import lucid
        >>> lucid.is_floating_point(lucid.ones(1)), lucid.is_floating_point(lucid.tensor([1]))
        (True, False)
    """
    return _tensor_arg(input, "is_floating_point").is_floating_point()


def is_complex(input: Tensor) -> bool:
    """True if ``input`` has a complex dtype.

    Examples:
        >>> import lucid
        >>> lucid.is_complex(lucid.ones(1, dtype=lucid.complex64))
        True
    """
    return _tensor_arg(input, "is_complex").is_complex()


from lucid import nn, optim, data, datasets, transforms
# PyTorch's top-level spellings of activation functions (torch.relu, torch.softmax, ...).
from lucid.nn.functional import (
    celu, celu_, hardshrink, log_softmax, prelu, relu, relu_, rrelu, rrelu_, selu, selu_, softmax, threshold,
    threshold_,
)
from lucid import fft, special
from lucid import amp, func, profiler
from lucid.amp import autocast, get_autocast_dtype, is_autocast_enabled
from lucid.serialization import load, load_safetensors, load_sharded, save, save_safetensors, save_sharded
from lucid._compile import compile
from lucid import utils
from lucid.utils.dlpack import from_dlpack, to_dlpack

# einops (an optional extra) finds Lucid's backend by its class, so define it now
# if einops is installed; ``import einops`` then works on Lucid Tensors at once.
if __import__("importlib.util").util.find_spec("einops") is not None:
    from lucid import einops
from lucid import distributed


def __getattr__(name: str):
    # lucid.distributions is imported on first use: it is built on the public ops above
    # (it imports lucid itself), so importing it here eagerly would make an import cycle.
    if name in _DTYPE_SPELLINGS:
        return _DTYPE_SPELLINGS[name]
    if name == "complex128":
        raise AttributeError("lucid.complex128 does not exist: MLX has no 128-bit complex dtype (complex64 is "
                             "the only complex one)")
    if name == "distributions":
        import importlib
        return importlib.import_module("lucid.distributions")
    raise AttributeError(f"module 'lucid' has no attribute {name!r}")
