"""Private numerics for the distributions: ``lbeta``, ``xlogy``, samplers MLX lacks, shape helpers.

``lgamma`` and ``digamma`` are the public differentiable ones
(:mod:`lucid.ops.special`).

The gamma sampler is a rejection sampler written without a host sync: it
draws a fixed number of proposals at once and keeps the first accepted one
(with a fallback whose probability of being used is below 1e-12), so nothing
branches on array values. Poisson draws come from :func:`lucid.poisson`.
"""

from __future__ import annotations

import numbers

import mlx.core as mx
import numpy as np

import lucid
from lucid._backend import reductions
from lucid._tensor import Tensor
from lucid.ops.special import digamma, lgamma  # noqa: F401 (digamma: re-exported, the tests import it here)

EULER_GAMMA = 0.57721566490153286061


def lbeta(a: Tensor, b: Tensor) -> Tensor:
    """log B(a, b) = lgamma(a) + lgamma(b) - lgamma(a + b)."""
    return lgamma(a) + lgamma(b) - lgamma(a + b)


def xlogy(x: Tensor, y: Tensor) -> Tensor:
    """``x * log(y)``, 0 where ``x == 0`` (also when ``y == 0``)."""
    zero = x == 0
    safe_y = lucid.where(zero, lucid.ones_like(y), y)
    return lucid.where(zero, lucid.zeros_like(x * safe_y), x * lucid.log(safe_y))


def softplus(x: Tensor) -> Tensor:
    """``log(1 + exp(x))`` computed without overflow: ``max(x, 0) + log1p(exp(-|x|))``."""
    return lucid.clamp(x, min=0.0) + lucid.log1p(lucid.exp(-lucid.abs(x)))


def finfo(dtype):
    """NumPy's finfo for a lucid floating dtype."""
    return np.finfo({lucid.float16: np.float16, lucid.float64: np.float64}.get(dtype, np.float32))


def clamp_probs(p: Tensor) -> Tensor:
    """Clamp probabilities into ``[eps, 1 - eps]`` (for logs and sampling)."""
    eps = float(finfo(p.dtype).eps)
    return lucid.clamp(p, min=eps, max=1.0 - eps)


def probs_to_logits(probs: Tensor, is_binary: bool = False) -> Tensor:
    p = clamp_probs(probs)
    return lucid.log(p) - lucid.log1p(-p) if is_binary else lucid.log(p)


def logits_to_probs(logits: Tensor, is_binary: bool = False) -> Tensor:
    return lucid.sigmoid(logits) if is_binary else lucid.nn.functional.softmax(logits, dim=-1)


def sum_rightmost(x: Tensor, n: int) -> Tensor:
    """Sum the ``n`` rightmost dimensions (no-op for ``n <= 0``)."""
    if n <= 0:
        return x
    return x.sum(dim=tuple(range(-n, 0)))


def broadcast_shape(*shapes) -> tuple:
    try:
        return tuple(np.broadcast_shapes(*[tuple(s) for s in shapes]))
    except ValueError:
        raise ValueError(f"shapes {', '.join(str(tuple(s)) for s in shapes)} cannot be broadcast together") from None


def is_number_like(x) -> bool:
    return not isinstance(x, Tensor)


def broadcast_all(*values) -> tuple:
    """Tensors of one floating dtype and one broadcast shape from numbers, lists, arrays and Tensors.

    The dtype is float64 if a Tensor argument is float64, else the first
    floating Tensor argument's dtype, else float32; broadcasting keeps gradients.
    """
    for v in values:
        if not isinstance(v, (Tensor, numbers.Real, list, tuple, np.ndarray)) or isinstance(v, bool):
            raise TypeError(f"distribution parameters must be Tensors or real numbers, got {type(v).__name__}")
    dtypes = [v.dtype for v in values if isinstance(v, Tensor) and v.is_floating_point()]
    dtype = lucid.float64 if lucid.float64 in dtypes else (dtypes[0] if dtypes else lucid.float32)
    tensors = [v.to(dtype) if isinstance(v, Tensor) and v.dtype != dtype else
               (v if isinstance(v, Tensor) else lucid.tensor(v, dtype=dtype)) for v in values]
    shape = broadcast_shape(*[t.shape for t in tensors])
    return tuple(t if t.shape == shape else t.expand(*shape) for t in tensors)


# -- sampling --------------------------------------------------------------------
def _key() -> mx.array:
    return lucid.random.default_generator._next_key()


def uniform_array(shape: tuple, dtype: mx.Dtype, low: float = 0.0, high: float = 1.0) -> mx.array:
    sdt = mx.float32 if dtype == mx.float64 else dtype
    return mx.random.uniform(low, high, shape, dtype=sdt, key=_key()).astype(dtype)


def normal_array(shape: tuple, dtype: mx.Dtype) -> mx.array:
    sdt = mx.float32 if dtype == mx.float64 else dtype
    return mx.random.normal(shape, dtype=sdt, key=_key()).astype(dtype)


def open_uniform(shape: tuple, like: Tensor) -> Tensor:
    """Uniform draws in the open interval (tiny, 1 - eps) as a Tensor of ``like``'s dtype (no grad)."""
    fi = finfo(like.dtype)
    u = uniform_array(tuple(shape), like._data.dtype)
    return Tensor._make(mx.clip(u, float(fi.tiny), 1.0 - float(fi.eps)), like.device)


def standard_normal(shape: tuple, like: Tensor) -> Tensor:
    return Tensor._make(normal_array(tuple(shape), like._data.dtype), like.device)


_GAMMA_PROPOSALS = 16


def standard_gamma_array(alpha: mx.array) -> mx.array:
    """Gamma(alpha, 1) draws of ``alpha``'s shape (Marsaglia-Tsang, vectorised, no host sync).

    For ``alpha < 1`` it draws Gamma(alpha + 1) and multiplies by ``U**(1/alpha)``.
    Each element gets ``_GAMMA_PROPOSALS`` proposals (acceptance >= 0.95 each);
    the first accepted one is kept, the last proposal (clamped to be positive)
    is the fallback.
    """
    dtype = alpha.dtype
    work = mx.float32 if dtype != mx.float64 else mx.float64
    a = alpha.astype(work)
    boost = a < 1.0
    a1 = mx.where(boost, a + 1.0, a)
    d = a1 - 1.0 / 3.0
    c = 1.0 / mx.sqrt(9.0 * d)
    k = _GAMMA_PROPOSALS
    shape = (k,) + a.shape
    x = normal_array(shape, work)
    u = uniform_array(shape, work)
    v = 1.0 + c * x
    v3 = v * v * v
    ok = (v > 0) & (mx.log(mx.maximum(u, 1e-38)) < 0.5 * x * x + d - d * v3 + d * mx.log(mx.maximum(v3, 1e-38)))
    first = mx.argmax(ok.astype(mx.int32), axis=0)  # index of the first accepted proposal (0 if none)
    any_ok = reductions.any(ok, axis=0)
    first = mx.where(any_ok, first, k - 1)
    v3_pick = mx.take_along_axis(v3, first[None], axis=0)[0]
    g = d * mx.maximum(v3_pick, 1e-30)
    ub = uniform_array(a.shape, work)
    g = mx.where(boost, g * mx.power(mx.maximum(ub, 1e-38), 1.0 / a), g)
    tiny = float(np.finfo(np.float32 if dtype != mx.float64 else np.float64).tiny)
    return mx.maximum(g, tiny).astype(dtype)


