"""Parameter initialisation, in place, following PyTorch's formulas and defaults.

Every function replaces the tensor's values without recording a gradient and
returns the tensor. The names without the trailing underscore (``uniform``,
``kaiming_normal``, ...) are Lucid's aliases of the same functions.
"""

from __future__ import annotations

import math
import numbers

import mlx.core as mx

from lucid._tensor import Tensor

__all__ = [
    "calculate_gain", "uniform_", "normal_", "constant_", "zeros_", "ones_", "eye_", "dirac_",
    "xavier_uniform_", "xavier_normal_", "kaiming_uniform_", "kaiming_normal_", "orthogonal_",
    "trunc_normal_", "sparse_", "uniform", "normal", "constant", "zeros", "ones", "eye", "xavier_uniform",
    "xavier_normal", "kaiming_uniform", "kaiming_normal", "orthogonal", "trunc_normal",
]

_LINEAR_LIKE = ("linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
                "conv_transpose3d", "sigmoid", "identity")


def _check(tensor, fn: str) -> None:
    if not isinstance(tensor, Tensor):
        raise TypeError(f"{fn} expects a lucid Tensor, got {type(tensor).__name__}")


def _assign(tensor: Tensor, values: mx.array) -> Tensor:
    tensor._data = values.astype(tensor._data.dtype) if values.dtype != tensor._data.dtype else values
    tensor._version += 1
    return tensor


def _random():
    import lucid.random as r  # imported lazily: lucid.random sits beside nn in the import order

    return r


def _float_dtype(tensor: Tensor):
    dt = tensor._data.dtype
    return dt if dt in (mx.float32, mx.float64) else mx.float32


def calculate_gain(nonlinearity: str, param=None) -> float:
    """The recommended gain for an activation (PyTorch's table).

    ``linear``/conv/``sigmoid``: 1; ``tanh``: 5/3; ``relu``: sqrt(2);
    ``leaky_relu``: sqrt(2 / (1 + slope^2)) (slope default 0.01); ``selu``: 3/4.

    Examples:
        >>> import lucid.nn as nn
        >>> round(nn.init.calculate_gain("relu"), 4)
        1.4142
    """
    if nonlinearity in _LINEAR_LIKE:
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            slope = 0.01
        elif isinstance(param, bool) or not isinstance(param, numbers.Real):
            raise ValueError(f"negative_slope {param!r} is not a valid number")
        else:
            slope = float(param)
        return math.sqrt(2.0 / (1 + slope ** 2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"unsupported nonlinearity {nonlinearity!r}")


def _calculate_fan_in_and_fan_out(tensor: Tensor) -> tuple[int, int]:
    """``(fan_in, fan_out)`` of a weight of layout ``(out, in, *kernel)``."""
    if tensor.ndim < 2:
        raise ValueError(
            f"fan in and fan out need a tensor with at least 2 dimensions, got shape {tensor.shape}"
        )
    receptive = 1
    for s in tensor.shape[2:]:
        receptive *= s
    return tensor.shape[1] * receptive, tensor.shape[0] * receptive


def _fan(tensor: Tensor, mode: str) -> int:
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"mode must be 'fan_in' or 'fan_out', got {mode!r}")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


def uniform_(tensor: Tensor, a: float = 0.0, b: float = 1.0, generator=None) -> Tensor:
    """Fill with values drawn from U(a, b).

    Examples:
        >>> import lucid
        >>> w = lucid.nn.init.uniform_(lucid.zeros(1000), -1, 1)
        >>> bool((w.abs() <= 1).all())
        True
    """
    _check(tensor, "uniform_")
    if a > b:
        raise ValueError(f"uniform_: lower bound {a} exceeds upper bound {b}")
    r = _random().uniform(a, b, size=tensor.shape, dtype=_float_dtype(tensor), generator=generator)
    return _assign(tensor, r._data)


def normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0, generator=None) -> Tensor:
    """Fill with values drawn from N(mean, std^2).

    Examples:
        >>> import lucid
        >>> lucid.nn.init.normal_(lucid.zeros(2, 3), std=0.02).shape
        (2, 3)
    """
    _check(tensor, "normal_")
    if std < 0:
        raise ValueError(f"normal_: std must be non-negative, got {std}")
    r = _random().normal(mean, std, size=tensor.shape, dtype=_float_dtype(tensor), generator=generator)
    return _assign(tensor, r._data)


def constant_(tensor: Tensor, val: float) -> Tensor:
    """Fill with ``val``.

    Examples:
        >>> import lucid
        >>> lucid.nn.init.constant_(lucid.zeros(2), 0.5).tolist()
        [0.5, 0.5]
    """
    _check(tensor, "constant_")
    return _assign(tensor, mx.full(tensor._data.shape, val, dtype=tensor._data.dtype))


def zeros_(tensor: Tensor) -> Tensor:
    """Fill with zeros.

    Examples:
        >>> import lucid
        >>> lucid.nn.init.zeros_(lucid.ones(2)).tolist()
        [0.0, 0.0]
    """
    return constant_(tensor, 0.0)


def ones_(tensor: Tensor) -> Tensor:
    """Fill with ones.

    Examples:
        >>> import lucid
        >>> lucid.nn.init.ones_(lucid.zeros(2)).tolist()
        [1.0, 1.0]
    """
    return constant_(tensor, 1.0)


def eye_(tensor: Tensor) -> Tensor:
    """Fill a 2-D tensor with the identity (ones on the diagonal).

    Examples:
        >>> import lucid
        >>> lucid.nn.init.eye_(lucid.zeros(2, 3)).tolist()
        [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]
    """
    _check(tensor, "eye_")
    if tensor.ndim != 2:
        raise ValueError(f"eye_ needs a 2-D tensor, got shape {tensor.shape}")
    n, m = tensor.shape
    return _assign(tensor, mx.eye(n, m, dtype=tensor._data.dtype))


def dirac_(tensor: Tensor, groups: int = 1) -> Tensor:
    """Fill a 3-, 4- or 5-D conv weight so the convolution is the identity (per group).

    Examples:
        >>> import lucid
        >>> w = lucid.nn.init.dirac_(lucid.zeros(2, 2, 3))
        >>> w[0, 0].tolist(), w[1, 1].tolist()
        ([0.0, 1.0, 0.0], [0.0, 1.0, 0.0])
    """
    import numpy as np

    _check(tensor, "dirac_")
    if tensor.ndim not in (3, 4, 5):
        raise ValueError(f"dirac_ needs a 3-, 4- or 5-D tensor, got shape {tensor.shape}")
    out_ch = tensor.shape[0]
    if out_ch % groups:
        raise ValueError(f"dirac_: {out_ch} output channels are not divisible by groups={groups}")
    per_group = out_ch // groups
    values = np.zeros(tensor.shape, dtype=np.float32)
    centre = tuple(s // 2 for s in tensor.shape[2:])
    for g in range(groups):
        for d in range(min(per_group, tensor.shape[1])):
            values[(g * per_group + d, d) + centre] = 1.0
    return _assign(tensor, mx.array(values))


def xavier_uniform_(tensor: Tensor, gain: float = 1.0, generator=None) -> Tensor:
    r"""Glorot uniform: U(-b, b) with :math:`b = \text{gain}\sqrt{6 / (\text{fan\_in} + \text{fan\_out})}`.

    Examples:
        >>> import lucid
        >>> w = lucid.nn.init.xavier_uniform_(lucid.zeros(30, 20))
        >>> bool((w.abs() <= (6 / 50) ** 0.5).all())
        True
    """
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return uniform_(tensor, -bound, bound, generator=generator)


def xavier_normal_(tensor: Tensor, gain: float = 1.0, generator=None) -> Tensor:
    r"""Glorot normal: N(0, std^2) with :math:`\text{std} = \text{gain}\sqrt{2 / (\text{fan\_in} + \text{fan\_out})}`.

    Examples:
        >>> import lucid
        >>> lucid.nn.init.xavier_normal_(lucid.zeros(4, 5)).shape
        (4, 5)
    """
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return normal_(tensor, 0.0, gain * math.sqrt(2.0 / (fan_in + fan_out)), generator=generator)


def _kaiming_std(tensor: Tensor, a: float, mode: str, nonlinearity: str) -> float:
    """He's standard deviation ``gain / sqrt(fan)`` (the uniform variant's bound is ``sqrt(3)`` times it)."""
    return calculate_gain(nonlinearity, a) / math.sqrt(_fan(tensor, mode))


def kaiming_uniform_(tensor: Tensor, a: float = 0, mode: str = "fan_in", nonlinearity: str = "leaky_relu",
                     generator=None) -> Tensor:
    r"""He uniform: U(-b, b) with :math:`b = \text{gain}\sqrt{3 / \text{fan}}` and ``calculate_gain(nonlinearity, a)``.

    ``nn.Linear`` and the conv layers use ``a=sqrt(5)``, as in PyTorch.

    Examples:
        >>> import lucid, math
        >>> w = lucid.nn.init.kaiming_uniform_(lucid.zeros(16, 8), a=math.sqrt(5))
        >>> bool((w.abs() <= 1 / math.sqrt(8)).all())
        True
    """
    _check(tensor, "kaiming_uniform_")
    if 0 in tensor.shape:
        return tensor
    bound = math.sqrt(3.0) * _kaiming_std(tensor, a, mode, nonlinearity)
    return uniform_(tensor, -bound, bound, generator=generator)


def kaiming_normal_(tensor: Tensor, a: float = 0, mode: str = "fan_in", nonlinearity: str = "leaky_relu",
                    generator=None) -> Tensor:
    r"""He normal: N(0, std^2) with :math:`\text{std} = \text{gain} / \sqrt{\text{fan}}`.

    Examples:
        >>> import lucid
        >>> lucid.nn.init.kaiming_normal_(lucid.zeros(8, 4), nonlinearity="relu").shape
        (8, 4)
    """
    _check(tensor, "kaiming_normal_")
    if 0 in tensor.shape:
        return tensor
    return normal_(tensor, 0.0, _kaiming_std(tensor, a, mode, nonlinearity), generator=generator)


def orthogonal_(tensor: Tensor, gain: float = 1.0, generator=None) -> Tensor:
    """Fill with a (semi-)orthogonal matrix (QR of a Gaussian matrix, signs fixed), scaled by ``gain``.

    Tensors with more than 2 dimensions are flattened to ``(shape[0], -1)``.

    Examples:
        >>> import lucid, numpy as np
        >>> w = lucid.nn.init.orthogonal_(lucid.zeros(3, 5)).numpy()
        >>> bool(np.allclose(w @ w.T, np.eye(3), atol=1e-5))
        True
    """
    _check(tensor, "orthogonal_")
    if tensor.ndim < 2:
        raise ValueError(f"orthogonal_ needs at least 2 dimensions, got shape {tensor.shape}")
    rows = tensor.shape[0]
    cols = tensor.numel() // max(rows, 1)
    flat = _random().normal(0.0, 1.0, size=(rows, cols), dtype=mx.float32, generator=generator)._data
    if rows < cols:
        flat = flat.T
    q, r = mx.linalg.qr(flat, stream=mx.cpu)
    # Make the decomposition unique: multiply columns by the signs of R's diagonal.
    q = q * mx.sign(mx.diagonal(r))
    if rows < cols:
        q = q.T
    return _assign(tensor, mx.reshape(q * gain, tensor._data.shape))


def trunc_normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0, a: float = -2.0, b: float = 2.0,
                  generator=None) -> Tensor:
    """Fill from N(mean, std^2) truncated to ``[a, b]`` (absolute bounds), by inverse-CDF sampling.

    Examples:
        >>> import lucid
        >>> w = lucid.nn.init.trunc_normal_(lucid.zeros(1000), std=1.0, a=-0.5, b=0.5)
        >>> bool((w.abs() <= 0.5).all())
        True
    """
    _check(tensor, "trunc_normal_")
    if a >= b:
        raise ValueError(f"trunc_normal_: a={a} must be below b={b}")

    def cdf(x):
        return 0.5 * (1.0 + math.erf(x / math.sqrt(2.0)))

    lo, hi = cdf((a - mean) / std), cdf((b - mean) / std)
    u = _random().uniform(2 * lo - 1, 2 * hi - 1, size=tensor.shape, dtype=mx.float32, generator=generator)._data
    x = mx.erfinv(u) * (std * math.sqrt(2.0)) + mean
    return _assign(tensor, mx.clip(x, a, b))


def sparse_(tensor: Tensor, sparsity: float, std: float = 0.01, generator=None) -> Tensor:
    """Fill a 2-D tensor as a sparse matrix: in each column a ``sparsity`` fraction of the rows is zero.

    Exactly ``ceil(sparsity * rows)`` entries of every column, at random rows,
    are zero; the others are drawn from ``N(0, std^2)`` (Martens, 2010).

    Args:
        tensor: a 2-D tensor, filled in place.
        sparsity: the fraction of each column set to zero, in ``[0, 1]``.
        std: the standard deviation of the non-zero values.
        generator: a ``lucid.Generator`` for the draws.

    Raises:
        ValueError: ``tensor`` is not 2-D, or ``sparsity``/``std`` is out of range.

    Examples:
        >>> import lucid
        >>> w = lucid.nn.init.sparse_(lucid.empty(10, 3), sparsity=0.3)
        >>> (w == 0).sum(dim=0).tolist()
        [3, 3, 3]
    """
    _check(tensor, "sparse_")
    if tensor.ndim != 2:
        raise ValueError(f"sparse_: only 2-D tensors are supported, got shape {tensor.shape}")
    if isinstance(sparsity, bool) or not isinstance(sparsity, numbers.Real) or not 0 <= sparsity <= 1:
        raise ValueError(f"sparse_: sparsity must be a number in [0, 1], got {sparsity!r}")
    if isinstance(std, bool) or not isinstance(std, numbers.Real) or std < 0:
        raise ValueError(f"sparse_: std must be a non-negative number, got {std!r}")
    rows, cols = tensor.shape
    num_zeros = math.ceil(sparsity * rows)
    r = _random()
    values = r.normal(0.0, float(std), size=(rows, cols), dtype=_float_dtype(tensor), generator=generator)._data
    # A random permutation of the rows per column: the rank of a uniform draw; the first num_zeros are zeroed.
    u = r.rand(rows, cols, generator=generator)._data
    rank = mx.argsort(mx.argsort(u, axis=0), axis=0)
    return _assign(tensor, mx.where(rank < num_zeros, mx.zeros((), values.dtype), values))


# Lucid's names without the trailing underscore.
uniform, normal, constant, zeros, ones, eye = uniform_, normal_, constant_, zeros_, ones_, eye_
xavier_uniform, xavier_normal, kaiming_uniform, kaiming_normal = (
    xavier_uniform_, xavier_normal_, kaiming_uniform_, kaiming_normal_)
orthogonal, trunc_normal = orthogonal_, trunc_normal_
