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

import numbers
import os

import mlx.core as mx
import numpy as np

from lucid._backend.device import _default, normalize_device, run_on
from lucid._backend.dtypes import _DEFAULT_FLOAT, INTEGER_MX, REAL_FLOATING_MX, to_mx_dtype
from lucid._tensor import Tensor
from lucid.ops._util import check_int, check_sizes, new_tensor

__all__ = ["Generator", "default_generator", "state", "seed", "manual_seed", "initial_seed", "get_state",
           "set_state", "rand", "randn", "randint", "uniform", "normal", "bernoulli", "permutation", "randperm",
           "rand_like", "randn_like", "randint_like"]

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
