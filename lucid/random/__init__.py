"""Random numbers from a splittable, seeded PRNG key.

The generator state is one MLX PRNG key (an ``mx.array``) kept in the list
``lucid.random.state``. Every draw splits the key: one half becomes the new
state, the other feeds the sampler. Nothing is evaluated, so draws stay lazy,
results differ from call to call, and a seeded run is reproducible. Because
the state is a list of arrays, ``mx.compile(step, inputs=lucid.random.state,
outputs=lucid.random.state)`` can capture it.

Examples:
    >>> import lucid
    >>> _ = lucid.random.seed(0)
    >>> a = lucid.random.randn(2, 3)
    >>> _ = lucid.random.seed(0)
    >>> a.tolist() == lucid.random.randn(2, 3).tolist()
    True
"""

from __future__ import annotations

import math
import numbers
import os

import mlx.core as mx
import numpy as np

from lucid._backend.device import _default, normalize_device, run_on
from lucid._backend.dtypes import _DEFAULT_FLOAT, INTEGER_MX, REAL_FLOATING_MX, to_mx_dtype
from lucid._tensor import Tensor
from lucid.ops._registry import register_method
from lucid.ops._util import check_int, check_sizes, new_tensor

__all__ = ["Generator", "default_generator", "state", "seed", "manual_seed", "initial_seed", "get_state",
           "set_state", "rand", "randn", "randint", "uniform", "normal", "bernoulli", "permutation", "randperm",
           "rand_like", "randn_like", "randint_like", "multinomial", "poisson"]

def _check_seed(value) -> int:
    value = check_int(value, "seed", "manual_seed")
    if not -(2 ** 63) <= value < 2 ** 64:
        raise ValueError(f"seed must fit in 64 bits, got {value}")
    return int(value) % 2 ** 64  # negative seeds wrap, as in PyTorch


class Generator:
    """A random-number generator: an MLX PRNG key that is split on every draw.

    Args:
        seed: the initial seed; ``None`` draws one from the operating system.

    Attributes:
        state: a one-element list holding the key (pass it to ``mx.compile``).

    Examples:
        >>> import lucid
        >>> g = lucid.random.Generator(7)
        >>> a = lucid.random.rand(2, generator=g)
        >>> g.manual_seed(7) is g
        True
        >>> a.tolist() == lucid.random.rand(2, generator=g).tolist()
        True
    """

    __slots__ = ("_seed", "state")

    def __init__(self, seed: int | None = None):
        self.state = [None]
        self._seed = 0
        self.manual_seed(int.from_bytes(os.urandom(8), "little") if seed is None else seed)

    def manual_seed(self, seed: int) -> Generator:
        """Reset the key from ``seed`` (an int; negative values wrap to 64 bits); returns ``self``."""
        self._seed = _check_seed(seed)
        self.state[0] = mx.random.key(self._seed)
        return self

    def seed(self) -> int:
        """Reseed from the operating system's entropy and return the new seed."""
        self.manual_seed(int.from_bytes(os.urandom(8), "little"))
        return self._seed

    def initial_seed(self) -> int:
        """The seed last set."""
        return self._seed

    def get_state(self) -> Tensor:
        """The current key as a uint32 Tensor of shape ``(2,)`` (a copy of the state, not a view)."""
        return Tensor._make(self.state[0], _default[0])

    def set_state(self, new_state) -> Generator:
        """Restore a key from :meth:`get_state` (a Tensor, ``mx.array``, NumPy array or list of 2 ints)."""
        if isinstance(new_state, Tensor):
            arr = new_state._data
        elif isinstance(new_state, mx.array):
            arr = new_state
        elif isinstance(new_state, (np.ndarray, list, tuple)):
            arr = mx.array(np.asarray(new_state, dtype=np.uint32))
        else:
            raise TypeError(f"set_state expects a Tensor from get_state(), got {type(new_state).__name__}")
        if tuple(arr.shape) != (2,) or arr.dtype not in INTEGER_MX:
            raise ValueError(f"set_state expects an integer key of shape (2,), got {arr.dtype} of shape "
                             f"{tuple(arr.shape)}")
        self.state[0] = arr.astype(mx.uint32)
        return self

    def _next_key(self) -> mx.array:
        keys = mx.random.split(self.state[0])
        self.state[0] = keys[0]
        return keys[1]


#: The generator behind the module-level functions.
default_generator = Generator()
#: ``default_generator.state``: the list holding the global key (for ``mx.compile``).
state = default_generator.state


def _reseed(value) -> None:
    if value is None:
        default_generator.seed()
    else:
        default_generator.manual_seed(value)
    # Keep code that calls mx.random directly reproducible too.
    mx.random.seed(default_generator.initial_seed())


def seed(seed: int | None = None) -> int:
    """Seed the global generator (and MLX's own global generator) and return the seed.

    ``lucid.seed()`` with no argument picks a fresh seed from the operating
    system and returns it, as ``torch.seed()`` does.

    Examples:
        >>> import lucid
        >>> lucid.random.seed(42)
        42
        >>> lucid.random.initial_seed()
        42
        >>> isinstance(lucid.seed(), int)
        True
    """
    _reseed(seed)
    return default_generator.initial_seed()


def manual_seed(seed: int) -> Generator:
    """Seed the global generator with ``seed`` and return it (PyTorch's name and return value).

    Examples:
        >>> import lucid
        >>> lucid.random.manual_seed(0) is lucid.random.default_generator
        True
    """
    _reseed(seed)
    return default_generator


def initial_seed() -> int:
    """The seed the global generator was last seeded with.

    Examples:
        >>> import lucid
        >>> _ = lucid.random.seed(3); lucid.random.initial_seed()
        3
    """
    return default_generator.initial_seed()


def get_state() -> Tensor:
    """The global generator's key, a uint32 Tensor of shape ``(2,)``; restore it with :func:`set_state`.

    Examples:
        >>> import lucid
        >>> s = lucid.random.get_state()
        >>> a = lucid.random.rand(3)
        >>> lucid.random.set_state(s)
        >>> a.tolist() == lucid.random.rand(3).tolist()
        True
    """
    return default_generator.get_state()


def set_state(new_state) -> None:
    """Restore the global generator's key from :func:`get_state`.

    Examples:
        >>> import lucid
        >>> lucid.random.set_state(lucid.random.get_state())
    """
    default_generator.set_state(new_state)


# -- helpers ---------------------------------------------------------------------
def _shape(args, size, op: str) -> tuple:
    """Sizes as ``f(2, 3)``, ``f((2, 3))`` or ``f(size=(2, 3))``; an int size means ``(size,)``."""
    if size is not None:
        if args:
            raise TypeError(f"{op}: pass the shape either positionally or as size=, not both")
        args = (size,)
    return check_sizes(args, op)


def _float_dtype(dtype, op: str) -> mx.Dtype:
    dt = _DEFAULT_FLOAT[0] if dtype is None else to_mx_dtype(dtype)
    if dt not in REAL_FLOATING_MX:
        raise TypeError(f"{op}: dtype must be a floating-point type, got {dtype}")
    return dt


def _key(generator) -> mx.array:
    if generator is None:
        return default_generator._next_key()
    if not isinstance(generator, Generator):
        raise TypeError(f"generator must be a lucid.random.Generator, got {type(generator).__name__}")
    return generator._next_key()


def _sample(fn, device, requires_grad: bool) -> Tensor:
    """Run the sampler ``fn()`` on ``device`` and wrap the result."""
    dev = normalize_device(device) if device is not None else _default[0]
    if dev == _default[0]:
        arr = fn()
    else:
        with run_on(dev):
            arr = fn()
    return new_tensor(arr, dev, requires_grad)


def _uniform(low, high, shape, dt, key) -> mx.array:
    # NOTE: MLX has no float64 uniform sampler; float64 draws are float32 draws widened.
    sdt = mx.float32 if dt == mx.float64 else dt
    return mx.random.uniform(low, high, shape, dtype=sdt, key=key).astype(dt)


# -- samplers --------------------------------------------------------------------
def rand(*shape, size=None, dtype=None, device=None, requires_grad: bool = False, generator=None) -> Tensor:
    """Uniform samples from ``[0, 1)`` of the given shape (float32 by default).

    Args:
        *shape: the shape, as ints or one tuple; none gives a 0-d tensor.
        size: the shape as a keyword (``rand(size=(2, 3))``), instead of ``*shape``.
        dtype: a floating dtype.
        device: ``"cpu"`` or ``"gpu"``.
        requires_grad: make the result a leaf that requires grad.
        generator: a :class:`Generator` to draw from instead of the global one.

    Examples:
        >>> import lucid
        >>> x = lucid.random.rand(2, 3)
        >>> x.shape, x.dtype, bool(((0 <= x.numpy()) & (x.numpy() < 1)).all())
        ((2, 3), lucid.float32, True)
    """
    shape = _shape(shape, size, "rand")
    dt = _float_dtype(dtype, "rand")
    key = _key(generator)
    return _sample(lambda: _uniform(0.0, 1.0, shape, dt, key), device, requires_grad)


def randn(*shape, size=None, dtype=None, device=None, requires_grad: bool = False, generator=None) -> Tensor:
    """Standard normal samples of the given shape (float32 by default).

    Examples:
        >>> import lucid
        >>> lucid.random.randn(32, 8).shape
        (32, 8)
    """
    shape = _shape(shape, size, "randn")
    dt = _float_dtype(dtype, "randn")
    key = _key(generator)
    return _sample(lambda: mx.random.normal(shape, dtype=dt, key=key), device, requires_grad)


def randint(low, high=None, size=None, *, dtype=None, device=None, requires_grad: bool = False,
            generator=None) -> Tensor:
    """Uniform integers from ``[low, high)`` (``randint(high, size=...)`` uses ``low=0``); int64 by default.

    Examples:
        >>> import lucid
        >>> y = lucid.random.randint(0, 4, size=(32,))
        >>> y.shape, y.dtype, set(y.tolist()) <= {0, 1, 2, 3}
        ((32,), lucid.int64, True)
    """
    if high is None:
        low, high = 0, low
    low, high = check_int(low, "low", "randint"), check_int(high, "high", "randint")
    if low >= high:
        raise ValueError(f"randint: low must be smaller than high, got low={low}, high={high}")
    if size is None:
        raise TypeError("randint: size is required, e.g. randint(0, 10, size=(3,))")
    shape = _shape((), size, "randint")
    dt = mx.int64 if dtype is None else to_mx_dtype(dtype)
    key = _key(generator)
    if dt in REAL_FLOATING_MX:
        fn = lambda: mx.random.randint(int(low), int(high), shape, dtype=mx.int64, key=key).astype(dt)  # noqa: E731
    else:
        fn = lambda: mx.random.randint(int(low), int(high), shape, dtype=dt, key=key)  # noqa: E731
    return _sample(fn, device, requires_grad)


def uniform(low=0.0, high=1.0, size=None, *, dtype=None, device=None, requires_grad: bool = False,
            generator=None) -> Tensor:
    """Uniform samples from ``[low, high)``; ``size=None`` gives a 0-d tensor.

    Examples:
        >>> import lucid
        >>> x = lucid.random.uniform(-2.0, 2.0, size=(100,))
        >>> bool(((-2 <= x.numpy()) & (x.numpy() < 2)).all())
        True
    """
    for v in (low, high):
        if isinstance(v, bool) or not isinstance(v, numbers.Real):
            raise TypeError(f"uniform: low and high must be numbers, got {v!r}")
    if low > high:
        raise ValueError(f"uniform: low must not exceed high, got low={low}, high={high}")
    shape = _shape((), size, "uniform")
    dt = _float_dtype(dtype, "uniform")
    key = _key(generator)
    return _sample(lambda: _uniform(float(low), float(high), shape, dt, key), device, requires_grad)


def normal(mean=0.0, std=1.0, size=None, *, dtype=None, device=None, requires_grad: bool = False,
           generator=None) -> Tensor:
    """Normal samples ``mean + std * N(0, 1)``.

    ``mean`` and ``std`` are numbers or Tensors (broadcast with each other and
    ``size``); with Tensors the result is differentiable in them
    (reparameterisation).

    Examples:
        >>> import lucid
        >>> lucid.random.normal(1.0, 0.5, size=(4, 2)).shape
        (4, 2)
    """
    shape = _shape((), size, "normal")
    if isinstance(mean, Tensor) or isinstance(std, Tensor):
        shapes = [tuple(v.shape) for v in (mean, std) if isinstance(v, Tensor)] + [shape]
        out_shape = tuple(np.broadcast_shapes(*shapes))
        ref = mean if isinstance(mean, Tensor) else std
        dt = ref._data.dtype if dtype is None and ref._data.dtype in REAL_FLOATING_MX else _float_dtype(dtype, "normal")
        noise = randn(out_shape, dtype=dt, device=ref.device if device is None else device, generator=generator)
        out = noise * std + mean
        if requires_grad and out.is_leaf:
            out.requires_grad = True
        return out
    for v in (mean, std):
        if isinstance(v, bool) or not isinstance(v, numbers.Real):
            raise TypeError(f"normal: mean and std must be numbers or Tensors, got {v!r}")
    if std < 0:
        raise ValueError(f"normal: std must be non-negative, got {std}")
    dt = _float_dtype(dtype, "normal")
    key = _key(generator)
    return _sample(lambda: mx.random.normal(shape, dtype=dt, loc=float(mean), scale=float(std), key=key),
                   device, requires_grad)


def bernoulli(p=0.5, size=None, *, dtype=None, device=None, generator=None) -> Tensor:
    """0/1 samples that are 1 with probability ``p`` (a number or a Tensor of probabilities).

    The result has ``p``'s shape (broadcast with ``size``) and dtype (float32
    for a number); it carries no gradient.

    Examples:
        >>> import lucid
        >>> lucid.random.bernoulli(lucid.tensor([0.0, 1.0])).tolist()
        [0.0, 1.0]
    """
    shape = _shape((), size, "bernoulli")
    if isinstance(p, Tensor):
        parr = p._data
        shape = tuple(np.broadcast_shapes(tuple(parr.shape), shape))
        dt = parr.dtype if dtype is None and parr.dtype in REAL_FLOATING_MX else _float_dtype(dtype, "bernoulli")
        dev = p.device if device is None else device
        prob = parr.astype(mx.float32) if parr.dtype != mx.float32 else parr
    else:
        if isinstance(p, bool) or not isinstance(p, numbers.Real):
            raise TypeError(f"bernoulli: p must be a number or a Tensor, got {type(p).__name__}")
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"bernoulli: p must be in [0, 1], got {p}")
        dt, dev, prob = _float_dtype(dtype, "bernoulli"), device, float(p)
    key = _key(generator)
    return _sample(lambda: mx.random.bernoulli(prob, shape, key=key).astype(dt), dev, False)


def permutation(n, *, dtype=None, device=None, generator=None) -> Tensor:
    """A random permutation of ``0 .. n-1`` (int64); given a Tensor, its rows shuffled (differentiable).

    Examples:
        >>> import lucid
        >>> sorted(lucid.random.permutation(5).tolist())
        [0, 1, 2, 3, 4]
    """
    if isinstance(n, Tensor):
        if n.ndim == 0:
            raise ValueError("permutation: cannot shuffle a 0-d tensor")
        idx = permutation(n.shape[0], device=n.device, generator=generator)
        return n[idx]
    if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 0:
        raise ValueError(f"permutation: n must be a non-negative int or a Tensor, got {n!r}")
    dt = mx.int64 if dtype is None else to_mx_dtype(dtype)
    key = _key(generator)
    return _sample(lambda: mx.random.permutation(int(n), key=key).astype(dt), device, False)


def randperm(n: int, *, dtype=None, device=None, generator=None) -> Tensor:
    """A random permutation of ``0 .. n-1`` (int64), like ``torch.randperm``.

    Examples:
        >>> import lucid
        >>> lucid.random.randperm(3).shape
        (3,)
    """
    if isinstance(n, Tensor):
        raise TypeError("randperm expects an int; use permutation(tensor) to shuffle a tensor")
    return permutation(n, dtype=dtype, device=device, generator=generator)


def _like(input, op: str):
    if not isinstance(input, Tensor):
        raise TypeError(f"{op} expects a Tensor, got {type(input).__name__}")
    return input.shape, input.device


def rand_like(input: Tensor, *, dtype=None, device=None, requires_grad: bool = False, generator=None) -> Tensor:
    """``rand`` with ``input``'s shape, device and (floating) dtype.

    Examples:
        >>> import lucid
        >>> lucid.random.rand_like(lucid.zeros(2, 2)).shape
        (2, 2)
    """
    shape, dev = _like(input, "rand_like")
    dt = dtype if dtype is not None else (input.dtype if input._data.dtype in REAL_FLOATING_MX else None)
    return rand(shape, dtype=dt, device=dev if device is None else device, requires_grad=requires_grad,
                generator=generator)


def randn_like(input: Tensor, *, dtype=None, device=None, requires_grad: bool = False, generator=None) -> Tensor:
    """``randn`` with ``input``'s shape, device and (floating) dtype.

    Examples:
        >>> import lucid
        >>> lucid.random.randn_like(lucid.zeros(3, dtype=lucid.float16)).dtype
        lucid.float16
    """
    shape, dev = _like(input, "randn_like")
    dt = dtype if dtype is not None else (input.dtype if input._data.dtype in REAL_FLOATING_MX else None)
    return randn(shape, dtype=dt, device=dev if device is None else device, requires_grad=requires_grad,
                 generator=generator)


def randint_like(input: Tensor, low, high=None, *, dtype=None, device=None, generator=None) -> Tensor:
    """``randint`` with ``input``'s shape, device and dtype.

    Examples:
        >>> import lucid
        >>> lucid.random.randint_like(lucid.zeros(2, dtype=lucid.int32), 5).dtype
        lucid.int32
    """
    shape, dev = _like(input, "randint_like")
    return randint(low, high, size=shape, dtype=input.dtype if dtype is None else dtype,
                   device=dev if device is None else device, generator=generator)


# -- discrete samplers: multinomial, poisson ---------------------------------------------
def _probability_error(op: str):
    return lambda: ValueError(f"{op}: the probability tensor contains a negative, inf or NaN value, or a row "
                              "whose probabilities sum to 0 (expected non-negative finite weights, each row "
                              "with a positive sum)")


def multinomial(input: Tensor, num_samples: int, replacement: bool = False, *, generator=None) -> Tensor:
    """Draw category indices from the rows of ``input`` (non-negative weights, not necessarily normalised).

    With ``replacement`` each draw is independent (``mx.random.categorical``
    on the log-weights); without it, the first ``num_samples`` indices of a
    Gumbel-perturbed descending sort of the log-weights (Gumbel-top-k), which
    is distributed as drawing one category at a time and removing it.

    Invalid weights (negative, inf or NaN, a row summing to 0, or fewer
    non-zero categories than ``num_samples`` without replacement) are checked
    lazily: the next sync point (``item``, ``tolist``, ``lucid.eval``, ...)
    raises ``ValueError``, as PyTorch raises at the call.

    Args:
        input: weights of shape ``(K,)`` or ``(N, K)``, floating point.
        num_samples: draws per row, at least 1 (at most ``K`` without replacement).
        replacement: draw with replacement.
        generator: a :class:`Generator` (the default one when omitted).

    Returns:
        Tensor: int64 indices of shape ``(num_samples,)`` or ``(N, num_samples)``.

    Raises:
        TypeError: ``input`` is not a floating Tensor, or ``num_samples`` is not an int.
        ValueError: ``input`` is not 1-D or 2-D, ``num_samples < 1``, or ``num_samples > K`` without replacement.

    Examples:
        >>> import lucid
        >>> _ = lucid.manual_seed(0)
        >>> lucid.multinomial(lucid.tensor([0.0, 1.0, 0.0]), 2, replacement=True).tolist()
        [1, 1]
        >>> sorted(lucid.multinomial(lucid.tensor([[1.0, 1.0, 1.0]]), 3).tolist()[0])
        [0, 1, 2]
    """
    from lucid._backend import checks, reductions

    if not isinstance(input, Tensor):
        raise TypeError(f"multinomial expects a Tensor of weights, got {type(input).__name__}")
    if input._data.dtype not in REAL_FLOATING_MX:
        raise TypeError(f"multinomial: the weights must be floating point, got {input.dtype}")
    if input.ndim not in (1, 2):
        raise ValueError(f"multinomial: the weights must be 1-D or 2-D, got shape {input.shape}")
    n = check_int(num_samples, "num_samples", "multinomial")
    if not isinstance(replacement, bool):
        raise TypeError(f"multinomial: replacement must be a bool, got {type(replacement).__name__}")
    k = input.shape[-1]
    if n < 1:
        raise ValueError(f"multinomial: num_samples must be at least 1, got {n}")
    if k == 0:
        raise ValueError("multinomial: the weights have no categories (last dim is 0)")
    if not replacement and n > k:
        raise ValueError(f"multinomial: cannot draw {n} samples without replacement from {k} categories")
    p = input._data
    p = p.astype(mx.float32) if p.dtype in (mx.float16, mx.bfloat16) else p
    key = _key(generator)

    def draw():
        rows = p if p.ndim == 2 else p[None]
        positive = rows > 0
        bad = reductions.any(~(rows >= 0) | mx.isinf(rows), axis=None)
        bad = bad | reductions.any(reductions.sum(rows, axis=-1) <= 0, axis=None)
        if not replacement:
            bad = bad | reductions.any(reductions.sum(positive, axis=-1) < n, axis=None)
        checks.defer(bad, _probability_error("multinomial"))
        # NOTE: zero weights get log 0 = -inf, so they are never drawn while positive ones remain.
        logits = mx.where(positive, mx.log(mx.maximum(rows, mx.array(0, rows.dtype))), -mx.inf)
        if replacement:
            out = mx.random.categorical(logits, axis=-1, num_samples=n, key=key)
        else:
            # NOTE: MLX samples no float64 noise; float32 Gumbel noise is widened (ties stay improbable).
            g = mx.random.gumbel(rows.shape, key=key).astype(rows.dtype)
            out = mx.argsort(-(logits + g), axis=-1)[:, :n]
        out = out.astype(mx.int64)
        return out if p.ndim == 2 else out[0]

    return _sample(draw, input.device, False)


# Poisson sampling: inversion of the CDF for small rates, the transformed-rejection
# method PTRS (Hörmann 1993, the one NumPy uses) for larger ones, the normal
# approximation where float32 cannot resolve PTRS's acceptance test.
_POISSON_SMALL = 10.0  # below: inversion
_POISSON_STEPS = 48  # CDF terms for rates below 10: P(X >= 48 | rate 10) < 1e-16
_POISSON_ROUNDS = 10  # PTRS rounds; each accepts with probability > 0.85, so all ten fail < 1e-8 of the time
_POISSON_NORMAL = 1e4  # at and above: round(rate + sqrt(rate) * z)


def _poisson_inversion(lam: mx.array, u: mx.array) -> mx.array:
    """Exact draws for rates below 10 (the CDF summed to a fixed number of terms, renormalised)."""
    lam = mx.minimum(lam, _POISSON_SMALL)
    term = mx.exp(-lam)
    cdf = term
    cdfs = [cdf]
    for j in range(1, _POISSON_STEPS):
        term = term * lam / j
        cdf = cdf + term
        cdfs.append(cdf)
    # u scaled to the truncated total, so rounding in the float32 sums never leaves u above every cdf.
    u = u * cdf
    count = mx.zeros(lam.shape, mx.float32)
    for c in cdfs[:-1]:
        count = count + (u > c)
    return count


def _poisson_ptrs(lam: mx.array, uv: mx.array) -> mx.array:
    """Transformed rejection with squeeze (PTRS) for rates of at least 10, one round per row of ``uv``."""
    from lucid.ops import _specfun

    lam = mx.maximum(lam, _POISSON_SMALL)
    slam = mx.sqrt(lam)
    loglam = mx.log(lam)
    b = 0.931 + 2.53 * slam
    a = -0.059 + 0.02483 * b
    inv_alpha = 1.1239 + 1.1328 / (b - 3.4)
    vr = 0.9277 - 3.6224 / (b - 2)
    result = mx.full(lam.shape, -1.0)
    k = lam
    for r in range(uv.shape[0]):
        u = uv[r, 0] - 0.5
        v = uv[r, 1]
        us = 0.5 - mx.abs(u)
        k = mx.floor((2 * a / us + b) * u + lam + 0.43)
        quick = (us >= 0.07) & (v <= vr)
        log_accept = mx.log(v * inv_alpha / (a / (us * us) + b))
        log_pmf = -lam + k * loglam - _specfun.lgamma(k + 1)
        ok = quick | ((k >= 0) & ~((us < 0.013) & (v > us)) & (log_accept <= log_pmf))
        result = mx.where((result < 0) & ok, k, result)
    # NOTE: if all rounds reject (probability < 1e-8), the last candidate is kept (clamped at 0).
    return mx.where(result < 0, mx.maximum(k, 0), result)


def _poisson_core(lam: mx.array, u: mx.array, uv: mx.array, z: mx.array) -> mx.array:
    """Poisson counts (float32) from the rates and the uniform/normal draws; pure, so it is compiled."""
    small = _poisson_inversion(lam, u)
    mid = _poisson_ptrs(lam, uv)
    big = mx.maximum(mx.round(lam + mx.sqrt(lam) * z), 0)
    return mx.where(lam < _POISSON_SMALL, small, mx.where(lam < _POISSON_NORMAL, mid, big))


def poisson(input: Tensor, generator=None) -> Tensor:
    """Samples from Poisson distributions with the rates in ``input``, elementwise.

    Rates below 10 are drawn exactly by inverting the CDF (summed to 48
    terms); rates from 10 to 10 000 by Hörmann's transformed rejection (PTRS),
    run for a fixed ten rounds so nothing is evaluated early (all ten reject
    less than once in 10^8 draws); rates of 10 000 and more by the normal
    approximation ``round(rate + sqrt(rate) * z)``, whose skewness error
    (``1/sqrt(rate)`` <= 0.01) is below what float32 PTRS could resolve. A
    negative or NaN rate raises ``ValueError`` at the next sync point.

    Args:
        input: non-negative rates, floating point (any shape).
        generator: a :class:`Generator` (the default one when omitted).

    Returns:
        Tensor: counts with ``input``'s shape, dtype and device; no gradient.

    Raises:
        TypeError: ``input`` is not a floating Tensor.

    Examples:
        >>> import lucid
        >>> _ = lucid.manual_seed(0)
        >>> x = lucid.poisson(lucid.full((1000,), 4.0))
        >>> x.dtype, 3.6 < x.mean().item() < 4.4
        (lucid.float32, True)
    """
    from lucid._backend import checks, reductions

    if not isinstance(input, Tensor):
        raise TypeError(f"poisson expects a Tensor of rates, got {type(input).__name__}")
    dt = input._data.dtype
    if dt not in REAL_FLOATING_MX:
        raise TypeError(f"poisson: the rates must be floating point, got {input.dtype}")
    lam = input._data.astype(mx.float32) if dt != mx.float32 else input._data
    key = _key(generator)

    def draw():
        checks.defer(reductions.any(~(lam >= 0), axis=None), lambda: ValueError(
            "poisson: the rates contain a negative or NaN value (expected non-negative rates)"))
        k_uniform, k_normal = mx.random.split(key, 2)
        uniforms = mx.random.uniform(shape=(1 + 2 * _POISSON_ROUNDS, *lam.shape), key=k_uniform)
        u = uniforms[0]
        uv = uniforms[1:].reshape(_POISSON_ROUNDS, 2, *lam.shape)
        z = mx.random.normal(lam.shape, key=k_normal)
        return _poisson_core(lam, u, uv, z).astype(dt)

    return _sample(draw, input.device, False)


def _multinomial_method(self: Tensor, num_samples: int, replacement: bool = False, *, generator=None) -> Tensor:
    return multinomial(self, num_samples, replacement, generator=generator)


_multinomial_method.__name__ = _multinomial_method.__qualname__ = "multinomial"
_multinomial_method.__doc__ = multinomial.__doc__

register_method("multinomial", _multinomial_method, __name__)


# -- Tensor in-place random fills (x.uniform_(), x.normal_(), ...) ---------------------------
def _fill(self: Tensor, name: str, generator, make) -> Tensor:
    """Rebind ``self`` to ``make(shape, float_dtype, key)`` cast to its dtype (an in-place op: version bumped).

    ``key`` is drawn from ``generator`` (the global stream when None).
    """
    if not isinstance(self, Tensor):
        raise TypeError(f"{name} is a Tensor method, got {type(self).__name__}")
    self._check_inplace()
    key = _key(generator)
    dt = self._data.dtype
    work = mx.float32 if dt not in (mx.float32, mx.float16, mx.bfloat16) else dt
    shape = tuple(self._data.shape)
    arr = _sample(lambda: make(shape, work, key).astype(dt), self.device, False)
    return self._bump(arr)


def _real(value, name: str, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name}: {what} must be a real number, got {type(value).__name__}")
    return float(value)


def _positive(value, name: str, what: str) -> float:
    """``value`` as a float after checking that it is a real number above 0."""
    v = _real(value, name, what)
    if not v > 0:
        raise ValueError(f"{name}: {what} must be positive, got {v}")
    return v


def _uniform_(self: Tensor, from_: float = 0.0, to: float = 1.0, *, generator=None, **kwargs) -> Tensor:
    """Fill ``self`` in place with uniform samples from ``[from, to)`` (PyTorch's ``Tensor.uniform_``).

    ``from`` is a Python keyword, so pass the bounds positionally (``from=`` also works as a keyword).

    Examples:
        >>> import lucid
        >>> x = lucid.zeros(1000).uniform_(-2, 2)
        >>> -2 <= x.min().item() and x.max().item() < 2
        True
    """
    lo = _real(kwargs.pop("from", from_), "uniform_", "from")
    if kwargs:
        raise TypeError(f"uniform_: unexpected keyword arguments {sorted(kwargs)}")
    hi = _real(to, "uniform_", "to")
    if not lo <= hi:
        raise ValueError(f"uniform_: expected from <= to, got from={lo}, to={hi}")
    return _fill(self, "uniform_", generator, lambda shape, dt, key: _uniform(lo, hi, shape, dt, key))


def _normal_(self: Tensor, mean: float = 0.0, std: float = 1.0, *, generator=None) -> Tensor:
    """Fill ``self`` in place with normal samples ``N(mean, std^2)`` (PyTorch's ``Tensor.normal_``).

    Examples:
        >>> import lucid
        >>> x = lucid.empty(4000).normal_(3.0, 0.5)
        >>> abs(x.mean().item() - 3.0) < 0.05
        True
    """
    m, s = _real(mean, "normal_", "mean"), _real(std, "normal_", "std")
    if s < 0:
        raise ValueError(f"normal_: std must be non-negative, got {s}")
    return _fill(self, "normal_", generator,
                 lambda shape, dt, key: mx.random.normal(shape, dtype=dt, loc=m, scale=s, key=key))


def _bernoulli_(self: Tensor, p: float = 0.5, *, generator=None) -> Tensor:
    """Fill ``self`` in place with 0/1 samples that are 1 with probability ``p`` (a number).

    Examples:
        >>> import lucid
        >>> lucid.zeros(3).bernoulli_(1.0).tolist()
        [1.0, 1.0, 1.0]
    """
    prob = _real(p, "bernoulli_", "p")
    if not 0.0 <= prob <= 1.0:
        raise ValueError(f"bernoulli_: p must be in [0, 1], got {prob}")
    return _fill(self, "bernoulli_", generator, lambda shape, dt, key: mx.random.bernoulli(prob, shape, key=key))


def _exponential_(self: Tensor, lambd: float = 1.0, *, generator=None) -> Tensor:
    """Fill ``self`` in place with exponential samples of rate ``lambd`` (``-log(1 - u) / lambd``).

    Examples:
        >>> import lucid
        >>> x = lucid.empty(4000).exponential_(2.0)
        >>> x.min().item() >= 0 and abs(x.mean().item() - 0.5) < 0.05
        True
    """
    rate = _positive(lambd, "exponential_", "lambd")
    return _fill(self, "exponential_", generator,
                 lambda shape, dt, key: -mx.log1p(-mx.random.uniform(shape=shape, dtype=dt, key=key)) / rate)


def _log_normal_(self: Tensor, mean: float = 1.0, std: float = 2.0, *, generator=None) -> Tensor:
    """Fill ``self`` in place with ``exp(N(mean, std^2))`` samples (PyTorch's ``Tensor.log_normal_``).

    Examples:
        >>> import lucid
        >>> lucid.empty(5).log_normal_().min().item() > 0
        True
    """
    m, s = _real(mean, "log_normal_", "mean"), _positive(std, "log_normal_", "std")
    return _fill(self, "log_normal_", generator,
                 lambda shape, dt, key: mx.exp(mx.random.normal(shape, dtype=dt, loc=m, scale=s, key=key)))


def _cauchy_(self: Tensor, median: float = 0.0, sigma: float = 1.0, *, generator=None) -> Tensor:
    """Fill ``self`` in place with Cauchy samples ``median + sigma * tan(pi * (u - 1/2))``.

    Examples:
        >>> import lucid
        >>> x = lucid.empty(4001).cauchy_(5.0, 1.0)
        >>> abs(x.median().item() - 5.0) < 0.2
        True
    """
    m, s = _real(median, "cauchy_", "median"), _positive(sigma, "cauchy_", "sigma")
    return _fill(self, "cauchy_", generator, lambda shape, dt, key: m + s * mx.tan(
        math.pi * (mx.random.uniform(shape=shape, dtype=dt, key=key) - 0.5)))


def _geometric_(self: Tensor, p: float, *, generator=None) -> Tensor:
    """Fill ``self`` in place with geometric samples on ``{1, 2, ...}``: trials until the first success.

    Examples:
        >>> import lucid
        >>> lucid.empty(3).geometric_(1.0).tolist()
        [1.0, 1.0, 1.0]
    """
    prob = _real(p, "geometric_", "p")
    if not 0.0 < prob <= 1.0:
        raise ValueError(f"geometric_: p must be in (0, 1], got {prob}")
    log_q = math.log1p(-prob) if prob < 1.0 else -math.inf

    def make(shape, dt, key):
        u = mx.random.uniform(shape=shape, dtype=mx.float32, key=key)
        # NOTE: ceil(log(1-u) / log(1-p)), at least 1; p == 1 gives 1 everywhere.
        return mx.maximum(mx.ceil(mx.log1p(-u) / log_q), 1.0)

    return _fill(self, "geometric_", generator, make)


def _random_(self: Tensor, from_: int = 0, to: int | None = None, *, generator=None, **kwargs) -> Tensor:
    """Fill ``self`` in place with integers uniform on ``[from, to)`` (PyTorch's ``Tensor.random_``).

    ``random_(to)`` draws from ``[0, to)``; ``random_()`` from ``[0, 2^mantissa]`` for floats (2^24 for
    float32) or the dtype's non-negative range for integers.

    Examples:
        >>> import lucid
        >>> x = lucid.zeros(100, dtype=lucid.int64).random_(3, 7)
        >>> 3 <= x.min().item() and x.max().item() < 7
        True
    """
    from_keyword = "from" in kwargs
    lo = kwargs.pop("from", from_)
    if kwargs:
        raise TypeError(f"random_: unexpected keyword arguments {sorted(kwargs)}")
    lo = check_int(lo, "from", "random_")
    if to is not None:
        hi = check_int(to, "to", "random_")
    elif lo != 0 and not from_keyword:
        lo, hi = 0, lo  # random_(to)
    else:
        bits = {mx.float16: 11, mx.bfloat16: 8, mx.float32: 24, mx.float64: 53}.get(self._data.dtype)
        if self._data.dtype == mx.bool_:
            bits, hi = None, 2
        else:
            hi = 2 ** bits + 1 if bits is not None else int(np.iinfo(self.dtype.numpy).max)
        hi = min(hi, 2 ** 31 - 1)  # NOTE: MLX draws int32 integers
    if not lo < hi:
        raise ValueError(f"random_: expected from < to, got from={lo}, to={hi}")
    return _fill(self, "random_", generator, lambda shape, dt, key: mx.random.randint(lo, hi, shape, key=key))


for _name, _fn in (("uniform_", _uniform_), ("normal_", _normal_), ("bernoulli_", _bernoulli_),
                   ("exponential_", _exponential_), ("log_normal_", _log_normal_), ("cauchy_", _cauchy_),
                   ("geometric_", _geometric_), ("random_", _random_)):
    _fn.__name__ = _fn.__qualname__ = _name
    register_method(_name, _fn, __name__)
del _name, _fn
