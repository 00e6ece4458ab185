"""Invertible transforms with log-det-Jacobians, for ``TransformedDistribution``.

A transform ``t`` maps ``x`` to ``y = t(x)``; ``t.inv(y)`` maps back, and
``t.log_abs_det_jacobian(x, y)`` is ``log |dy/dx|`` (summed over the
transform's event dimensions). All are built from Lucid ops, so they are
differentiable.

Examples:
    >>> import lucid
    >>> from lucid.distributions.transforms import AffineTransform, ExpTransform, ComposeTransform
    >>> t = ComposeTransform([AffineTransform(1.0, 2.0), ExpTransform()])
    >>> y = t(lucid.tensor([0.0]))
    >>> round(y.item(), 4), abs(round(t.inv(y).item(), 4))
    (2.7183, 0.0)
"""

from __future__ import annotations

import math
import numbers

import lucid
from lucid._tensor import Tensor
from lucid.distributions import constraints
from lucid.distributions._math import finfo, softplus, sum_rightmost

__all__ = ["Transform", "ComposeTransform", "ExpTransform", "AffineTransform", "SigmoidTransform",
           "TanhTransform", "SoftmaxTransform", "StickBreakingTransform", "PowerTransform", "AbsTransform",
           "identity_transform"]


class Transform:
    """Base class of transforms.

    Attributes:
        domain, codomain: constraints on inputs and outputs.
        bijective: whether the transform is invertible.
        sign: +1 or -1 for monotone elementwise transforms.

    Examples:
        >>> import lucid
        >>> from lucid.distributions.transforms import ExpTransform
        >>> ExpTransform().inv(lucid.tensor([1.0])).tolist()
        [0.0]
    """

    domain = constraints.real
    codomain = constraints.real
    bijective = False

    def __init__(self, cache_size: int = 0):
        if cache_size not in (0, 1):
            raise ValueError(f"cache_size must be 0 or 1, got {cache_size}")
        self._cache_size = cache_size
        self._inv = None
        self._cached = None

    @property
    def event_dim(self) -> int:
        return max(self.domain.event_dim, self.codomain.event_dim)

    @property
    def sign(self) -> int:
        raise NotImplementedError(f"{type(self).__name__} has no sign")

    @property
    def inv(self) -> Transform:
        """The inverse transform."""
        inv = self._inv
        if inv is None:
            inv = _InverseTransform(self)
            self._inv = inv
        return inv

    def __call__(self, x: Tensor) -> Tensor:
        if self._cache_size == 1 and self._cached is not None and self._cached[0] is x:
            return self._cached[1]
        y = self._call(x)
        if self._cache_size == 1:
            self._cached = (x, y)
        return y

    def _inv_call(self, y: Tensor) -> Tensor:
        if self._cache_size == 1 and self._cached is not None and self._cached[1] is y:
            return self._cached[0]
        x = self._inverse(y)
        if self._cache_size == 1:
            self._cached = (x, y)
        return x

    def _call(self, x):
        raise NotImplementedError

    def _inverse(self, y):
        raise NotImplementedError(f"{type(self).__name__} is not invertible")

    def log_abs_det_jacobian(self, x: Tensor, y: Tensor) -> Tensor:
        """``log |dy/dx|`` at ``x`` (with ``y = self(x)``)."""
        raise NotImplementedError

    def forward_shape(self, shape) -> tuple:
        return tuple(shape)

    def inverse_shape(self, shape) -> tuple:
        return tuple(shape)

    def __eq__(self, other):
        return self is other

    def __ne__(self, other):
        return not self.__eq__(other)

    __hash__ = object.__hash__

    def __repr__(self) -> str:
        return type(self).__name__ + "()"


class _InverseTransform(Transform):
    def __init__(self, transform: Transform):
        super().__init__()
        self._inv = transform

    domain = property(lambda self: self._inv.codomain)
    codomain = property(lambda self: self._inv.domain)
    bijective = property(lambda self: self._inv.bijective)
    sign = property(lambda self: self._inv.sign)

    @property
    def inv(self):
        return self._inv

    def __call__(self, x):
        return self._inv._inv_call(x)

    def log_abs_det_jacobian(self, x, y):
        return -self._inv.log_abs_det_jacobian(y, x)

    def forward_shape(self, shape):
        return self._inv.inverse_shape(shape)

    def inverse_shape(self, shape):
        return self._inv.forward_shape(shape)

    def __eq__(self, other):
        return isinstance(other, _InverseTransform) and self._inv == other._inv

    __hash__ = object.__hash__

    def __repr__(self):
        return f"{self._inv!r}.inv"


class ComposeTransform(Transform):
    """Apply ``parts`` in order: ``y = parts[-1](...parts[0](x))``.

    Examples:
        >>> import lucid
        >>> from lucid.distributions.transforms import ComposeTransform, AffineTransform
        >>> t = ComposeTransform([AffineTransform(0.0, 2.0), AffineTransform(1.0, 3.0)])
        >>> t(lucid.tensor([1.0])).tolist(), t.log_abs_det_jacobian(lucid.tensor([1.0]), None).tolist()
        ([7.0], [1.7917594909667969])
    """

    def __init__(self, parts, cache_size: int = 0):
        super().__init__(cache_size)
        self.parts = list(parts)
        for p in self.parts:
            if not isinstance(p, Transform):
                raise TypeError(f"ComposeTransform expects Transforms, got {type(p).__name__}")

    def __eq__(self, other):
        return isinstance(other, ComposeTransform) and self.parts == other.parts

    __hash__ = object.__hash__

    @property
    def domain(self):
        if not self.parts:
            return constraints.real
        domain = self.parts[0].domain
        event_dim = self.parts[-1].codomain.event_dim
        for p in reversed(self.parts):
            event_dim += p.domain.event_dim - p.codomain.event_dim
            event_dim = max(event_dim, p.domain.event_dim)
        if event_dim > domain.event_dim:
            domain = constraints.independent(domain, event_dim - domain.event_dim)
        return domain

    @property
    def codomain(self):
        if not self.parts:
            return constraints.real
        codomain = self.parts[-1].codomain
        event_dim = self.parts[0].domain.event_dim
        for p in self.parts:
            event_dim += p.codomain.event_dim - p.domain.event_dim
            event_dim = max(event_dim, p.codomain.event_dim)
        if event_dim > codomain.event_dim:
            codomain = constraints.independent(codomain, event_dim - codomain.event_dim)
        return codomain

    @property
    def bijective(self):
        return all(p.bijective for p in self.parts)

    @property
    def sign(self):
        s = 1
        for p in self.parts:
            s = s * p.sign
        return s

    @property
    def inv(self):
        return ComposeTransform([p.inv for p in reversed(self.parts)])

    def __call__(self, x):
        for p in self.parts:
            x = p(x)
        return x

    def log_abs_det_jacobian(self, x, y):
        if not self.parts:
            return lucid.zeros_like(x)
        xs = [x]
        for p in self.parts[:-1]:
            xs.append(p(xs[-1]))
        xs.append(y if y is not None else self.parts[-1](xs[-1]))
        total = 0.0
        event_dim = self.domain.event_dim
        for p, a, b in zip(self.parts, xs[:-1], xs[1:]):
            term = p.log_abs_det_jacobian(a, b)
            total = total + sum_rightmost(term, event_dim - p.domain.event_dim)
            event_dim += p.codomain.event_dim - p.domain.event_dim
        return total

    def forward_shape(self, shape):
        for p in self.parts:
            shape = p.forward_shape(shape)
        return tuple(shape)

    def inverse_shape(self, shape):
        for p in reversed(self.parts):
            shape = p.inverse_shape(shape)
        return tuple(shape)

    def __repr__(self):
        return "ComposeTransform(" + ", ".join(repr(p) for p in self.parts) + ")"


identity_transform = ComposeTransform([])


class _ParameterFree(Transform):
    """A transform without parameters: it equals every instance of its family (the class just below this one)."""

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if _ParameterFree in cls.__bases__:
            cls._family = cls

    def __eq__(self, other):
        return isinstance(other, self._family)

    __hash__ = object.__hash__


class ExpTransform(_ParameterFree):
    """``y = exp(x)``.

    Examples:
        >>> import lucid
        >>> from lucid.distributions.transforms import ExpTransform
        >>> ExpTransform()(lucid.tensor([0.0])).tolist()
        [1.0]
    """

    domain = constraints.real
    codomain = constraints.positive
    bijective = True
    sign = 1

    def _call(self, x):
        return lucid.exp(x)

    def _inverse(self, y):
        return lucid.log(y)

    def log_abs_det_jacobian(self, x, y):
        return x


class PowerTransform(Transform):
    """``y = x ** exponent`` on positive ``x``.

    Examples:
        >>> import lucid
        >>> from lucid.distributions.transforms import PowerTransform
        >>> PowerTransform(2.0)(lucid.tensor([3.0])).tolist()
        [9.0]
    """

    domain = constraints.positive
    codomain = constraints.positive
    bijective = True

    def __init__(self, exponent, cache_size: int = 0):
        super().__init__(cache_size)
        self.exponent = exponent if isinstance(exponent, Tensor) else lucid.tensor(float(exponent))

    @property
    def sign(self):
        return lucid.sign(self.exponent)

    def __eq__(self, other):
        return isinstance(other, PowerTransform) and other.exponent is self.exponent

    __hash__ = object.__hash__

    def _call(self, x):
        return lucid.pow(x, self.exponent)

    def _inverse(self, y):
        return lucid.pow(y, 1.0 / self.exponent)

    def log_abs_det_jacobian(self, x, y):
        return lucid.log(lucid.abs(self.exponent * y / x))


class AffineTransform(Transform):
    """``y = loc + scale * x`` (elementwise, or over ``event_dim`` trailing dims for the Jacobian).

    Examples:
        >>> import lucid
        >>> from lucid.distributions.transforms import AffineTransform
        >>> t = AffineTransform(1.0, 2.0)
        >>> t(lucid.tensor([3.0])).tolist(), t.inv(lucid.tensor([7.0])).tolist()
        ([7.0], [3.0])
    """

    bijective = True

    def __init__(self, loc, scale, event_dim: int = 0, cache_size: int = 0):
        super().__init__(cache_size)
        self.loc, self.scale = loc, scale
        self._event_dim = event_dim

    @property
    def event_dim(self):
        return self._event_dim

    @property
    def domain(self):
        return constraints.real if self._event_dim == 0 else constraints.independent(constraints.real,
                                                                                   self._event_dim)

    codomain = domain

    @property
    def sign(self):
        if isinstance(self.scale, numbers.Real):
            return 1 if self.scale > 0 else -1 if self.scale < 0 else 0
        return lucid.sign(self.scale)

    def __eq__(self, other):
        if not isinstance(other, AffineTransform):
            return False
        same = []
        for a, b in ((self.loc, other.loc), (self.scale, other.scale)):
            if isinstance(a, numbers.Real) and isinstance(b, numbers.Real):
                same.append(a == b)
            else:
                same.append(a is b)
        return all(same) and self._event_dim == other._event_dim

    __hash__ = object.__hash__

    def _call(self, x):
        return self.loc + self.scale * x

    def _inverse(self, y):
        return (y - self.loc) / self.scale

    def log_abs_det_jacobian(self, x, y):
        scale = self.scale
        if isinstance(scale, numbers.Real):
            result = lucid.full(x.shape, math.log(abs(scale)), dtype=x.dtype)
        else:
            result = lucid.log(lucid.abs(scale)).expand(*x.shape) if scale.shape != x.shape else \
                lucid.log(lucid.abs(scale))
        if self._event_dim:
            result = result.reshape(*result.shape[: result.ndim - self._event_dim], -1).sum(dim=-1)
        return result

    def forward_shape(self, shape):
        extra = []
        for p in (self.loc, self.scale):
            if isinstance(p, Tensor):
                extra.append(p.shape)
        return tuple(lucid.distributions._math.broadcast_shape(tuple(shape), *extra))

    inverse_shape = forward_shape


class SigmoidTransform(_ParameterFree):
    """``y = sigmoid(x)`` onto the unit interval.

    Examples:
        >>> import lucid
        >>> from lucid.distributions.transforms import SigmoidTransform
        >>> SigmoidTransform()(lucid.tensor([0.0])).tolist()
        [0.5]
    """

    domain = constraints.real
    codomain = constraints.unit_interval
    bijective = True
    sign = 1

    def _call(self, x):
        fi = finfo(x.dtype)
        return lucid.clamp(lucid.sigmoid(x), min=float(fi.tiny), max=1.0 - float(fi.eps))

    def _inverse(self, y):
        fi = finfo(y.dtype)
        y = lucid.clamp(y, min=float(fi.tiny), max=1.0 - float(fi.eps))
        return lucid.log(y) - lucid.log1p(-y)

    def log_abs_det_jacobian(self, x, y):
        return -softplus(-x) - softplus(x)


class TanhTransform(_ParameterFree):
    """``y = tanh(x)`` onto (-1, 1).

    Examples:
        >>> import lucid
        >>> from lucid.distributions.transforms import TanhTransform
        >>> TanhTransform()(lucid.tensor([0.0])).tolist()
        [0.0]
    """

    domain = constraints.real
    codomain = constraints.interval(-1.0, 1.0)
    bijective = True
    sign = 1

    def _call(self, x):
        return lucid.tanh(x)

    def _inverse(self, y):
        return lucid.atanh(y)

    def log_abs_det_jacobian(self, x, y):
        # log(1 - tanh(x)^2) = 2 (log 2 - x - softplus(-2x)), stable for large |x|
        return 2.0 * (math.log(2.0) - x - softplus(-2.0 * x))


class AbsTransform(_ParameterFree):
    """``y = |x|`` (not invertible; ``inv`` returns ``|y|``).

    Examples:
        >>> import lucid
        >>> from lucid.distributions.transforms import AbsTransform
        >>> AbsTransform()(lucid.tensor([-2.0])).tolist()
        [2.0]
    """

    domain = constraints.real
    codomain = constraints.positive

    def _call(self, x):
        return lucid.abs(x)

    def _inverse(self, y):
        return y


class SoftmaxTransform(_ParameterFree):
    """``y = softmax(x)`` over the last dimension (not bijective; ``inv`` gives ``log y``).

    Examples:
        >>> import lucid
        >>> from lucid.distributions.transforms import SoftmaxTransform
        >>> SoftmaxTransform()(lucid.tensor([0.0, 0.0])).tolist()
        [0.5, 0.5]
    """

    domain = constraints.real_vector
    codomain = constraints.simplex

    def _call(self, x):
        return lucid.nn.functional.softmax(x, dim=-1)

    def _inverse(self, y):
        return lucid.log(y)


class StickBreakingTransform(_ParameterFree):
    """Map ``R^(K-1)`` onto the K-simplex by stick breaking (bijective).

    Examples:
        >>> import lucid
        >>> from lucid.distributions.transforms import StickBreakingTransform
        >>> y = StickBreakingTransform()(lucid.zeros(2))
        >>> [round(v, 4) for v in y.tolist()]
        [0.3333, 0.3333, 0.3333]
    """

    domain = constraints.real_vector
    codomain = constraints.simplex
    bijective = True

    def _offset(self, n: int, like: Tensor) -> Tensor:
        return lucid.arange(n, 0, -1, dtype=like.dtype)  # K-1, ..., 1

    def _call(self, x):
        offset = self._offset(x.shape[-1], x)
        z = lucid.sigmoid(x - lucid.log(offset))
        fi = finfo(x.dtype)
        z = lucid.clamp(z, min=float(fi.tiny), max=1.0 - float(fi.eps))
        cum = lucid.cumprod(1 - z, dim=-1)
        ones = lucid.ones(*x.shape[:-1], 1, dtype=x.dtype)
        return lucid.cat([z, ones], dim=-1) * lucid.cat([ones, cum], dim=-1)

    def _inverse(self, y):
        y_crop = y[..., :-1]
        offset = self._offset(y.shape[-1] - 1, y)
        sf = 1 - lucid.cumsum(y_crop, dim=-1)
        fi = finfo(y.dtype)
        sf = lucid.clamp(sf, min=float(fi.tiny))
        sf_prev = lucid.cat([lucid.ones(*y.shape[:-1], 1, dtype=y.dtype), sf[..., :-1]], dim=-1)
        z = y_crop / sf_prev
        z = lucid.clamp(z, min=float(fi.tiny), max=1.0 - float(fi.eps))
        return lucid.log(z) - lucid.log1p(-z) + lucid.log(offset)

    def log_abs_det_jacobian(self, x, y):
        offset = self._offset(x.shape[-1], x)
        x = x - lucid.log(offset)
        return (-x + lucid.nn.functional.logsigmoid(x) + lucid.log(y[..., :-1])).sum(dim=-1)

    def forward_shape(self, shape):
        return tuple(shape[:-1]) + (shape[-1] + 1,)

    def inverse_shape(self, shape):
        return tuple(shape[:-1]) + (shape[-1] - 1,)
