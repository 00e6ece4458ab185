"""Constraints: the sets a distribution's parameters and samples live in.

A constraint's :meth:`Constraint.check` returns a lazy boolean Tensor (one
value per event), so checking never forces an evaluation by itself; the
distributions decide when an invalid value is reported (see
:class:`lucid.distributions.Distribution`).

Examples:
    >>> import lucid
    >>> from lucid.distributions import constraints
    >>> constraints.positive.check(lucid.tensor([1.0, -1.0])).tolist()
    [True, False]
    >>> constraints.simplex.check(lucid.tensor([0.25, 0.75])).item()
    True
"""

from __future__ import annotations

import lucid
from lucid._tensor import Tensor

__all__ = ["Constraint", "boolean", "cat", "corr_cholesky", "dependent", "dependent_property", "greater_than",
           "greater_than_eq", "half_open_interval", "independent", "integer_interval", "interval", "is_dependent",
           "less_than", "lower_cholesky", "lower_triangular", "nonnegative", "nonnegative_integer", "one_hot",
           "positive", "positive_definite", "positive_integer", "real", "real_vector", "simplex", "square",
           "symmetric", "unit_interval", "open_interval"]


class Constraint:
    """A region of valid values.

    Attributes:
        is_discrete: whether the region is discrete (integer-valued).
        event_dim: the number of rightmost dimensions that make one event
            (``check`` reduces over them).

    Examples:
        >>> import lucid
        >>> from lucid.distributions import constraints
        >>> constraints.interval(0.0, 1.0).check(lucid.tensor([0.5, 2.0])).tolist()
        [True, False]
    """

    is_discrete = False
    event_dim = 0

    def check(self, value: Tensor) -> Tensor:
        """A boolean Tensor: whether each event of ``value`` satisfies the constraint (lazy)."""
        raise NotImplementedError

    def __repr__(self) -> str:
        return type(self).__name__.lstrip("_") + "()"


class _Dependent(Constraint):
    """A placeholder for a region that depends on other parameters; cannot be checked."""

    def __init__(self, *, is_discrete: bool = False, event_dim: int = 0):
        self.is_discrete = is_discrete
        self.event_dim = event_dim

    def __call__(self, *, is_discrete: bool = False, event_dim: int = 0) -> _Dependent:
        return _Dependent(is_discrete=is_discrete, event_dim=event_dim)

    def check(self, value):
        raise ValueError("a dependent constraint cannot be checked")


def is_dependent(constraint) -> bool:
    """Whether ``constraint`` is a dependent placeholder (not checkable).

    Examples:
        >>> from lucid.distributions import constraints
        >>> constraints.is_dependent(constraints.dependent), constraints.is_dependent(constraints.real)
        (True, False)
    """
    return isinstance(constraint, _Dependent)


class dependent_property(property):
    """A ``property`` that is also a dependent constraint (for ``support`` of e.g. ``Uniform``).

    Examples:
        >>> from lucid.distributions import constraints
        >>> class D:
        ...     @constraints.dependent_property
        ...     def support(self):
        ...         return constraints.real
        >>> D().support
        Real()
    """

    def __init__(self, fn=None, *, is_discrete: bool = False, event_dim: int = 0):
        super().__init__(fn)
        self.is_discrete = is_discrete
        self.event_dim = event_dim

    def __call__(self, fn):
        return dependent_property(fn, is_discrete=self.is_discrete, event_dim=self.event_dim)


class _Boolean(Constraint):
    is_discrete = True

    def check(self, value):
        return (value == 0) | (value == 1)


class _OneHot(Constraint):
    is_discrete = True
    event_dim = 1

    def check(self, value):
        is_bool = ((value == 0) | (value == 1)).all(dim=-1)
        return is_bool & (value.sum(dim=-1) == 1)


class _Bounded(Constraint):
    """A constraint with bounds; ``_bounds`` names them, and the repr shows them (``GreaterThan(lower_bound=0.0)``)."""

    _bounds: tuple = ()

    def __repr__(self):
        shown = ", ".join(f"{name}={getattr(self, name)}" for name in self._bounds)
        return f"{type(self).__name__.lstrip('_')}({shown})"


class _LowerBounded(_Bounded):
    _bounds = ("lower_bound",)

    def __init__(self, lower_bound):
        self.lower_bound = lower_bound


class _UpperBounded(_Bounded):
    _bounds = ("upper_bound",)

    def __init__(self, upper_bound):
        self.upper_bound = upper_bound


class _BoundedBoth(_Bounded):
    _bounds = ("lower_bound", "upper_bound")

    def __init__(self, lower_bound, upper_bound):
        self.lower_bound, self.upper_bound = lower_bound, upper_bound


class _Interval(_BoundedBoth):
    def check(self, value):
        return (value >= self.lower_bound) & (value <= self.upper_bound)


class _HalfOpenInterval(_Interval):
    def check(self, value):
        return (value >= self.lower_bound) & (value < self.upper_bound)


class _IntegerInterval(_BoundedBoth):
    is_discrete = True

    def check(self, value):
        return (value % 1 == 0) & (value >= self.lower_bound) & (value <= self.upper_bound)


class _IntegerGreaterThanEq(_LowerBounded):
    is_discrete = True

    def check(self, value):
        return (value % 1 == 0) & (value >= self.lower_bound)


class _Real(Constraint):
    def check(self, value):
        return value == value  # False only for NaN


class _GreaterThan(_LowerBounded):
    def check(self, value):
        return value > self.lower_bound


class _GreaterThanEq(_LowerBounded):
    def check(self, value):
        return value >= self.lower_bound


class _LessThan(_UpperBounded):
    def check(self, value):
        return value < self.upper_bound


class _OpenInterval(_Interval):
    def check(self, value):
        return (value > self.lower_bound) & (value < self.upper_bound)

    def __repr__(self):
        return f"OpenInterval(lower_bound={self.lower_bound}, upper_bound={self.upper_bound})"


class _Independent(Constraint):
    """Reinterpret ``reinterpreted_batch_ndims`` batch dims of ``base_constraint`` as event dims."""

    def __init__(self, base_constraint: Constraint, reinterpreted_batch_ndims: int):
        self.base_constraint = base_constraint
        self.reinterpreted_batch_ndims = reinterpreted_batch_ndims

    @property
    def is_discrete(self):
        return self.base_constraint.is_discrete

    @property
    def event_dim(self):
        return self.base_constraint.event_dim + self.reinterpreted_batch_ndims

    def check(self, value):
        ok = self.base_constraint.check(value)
        n = self.reinterpreted_batch_ndims
        return ok.all(dim=tuple(range(-n, 0))) if n else ok

    def __repr__(self):
        return f"Independent({self.base_constraint!r}, {self.reinterpreted_batch_ndims})"


class _Simplex(Constraint):
    event_dim = 1

    def check(self, value):
        return (value >= 0).all(dim=-1) & (lucid.abs(value.sum(dim=-1) - 1) < 1e-6)


class _Square(Constraint):
    event_dim = 2

    def check(self, value):
        n, m = value.shape[-2:]
        return lucid.full(value.shape[:-2], n == m, dtype=lucid.bool)


class _Symmetric(_Square):
    def check(self, value):
        sq = super().check(value)
        if value.shape[-1] != value.shape[-2]:
            return sq
        return lucid.isclose(value, value.mT, atol=1e-6).all(dim=(-2, -1))


class _LowerTriangular(Constraint):
    event_dim = 2

    def check(self, value):
        return (value.tril() == value).all(dim=(-2, -1))


class _LowerCholesky(Constraint):
    event_dim = 2

    def check(self, value):
        lower = (value.tril() == value).all(dim=(-2, -1))
        return lower & (lucid.diagonal(value, dim1=-2, dim2=-1) > 0).all(dim=-1)


class _CorrCholesky(Constraint):
    event_dim = 2

    def check(self, value):
        rows = lucid.linalg.vector_norm(value, dim=-1)
        unit = (lucid.abs(rows - 1) <= 1e-4).all(dim=-1)
        return _LowerCholesky().check(value) & unit


class _PositiveDefinite(_Symmetric):
    def check(self, value):
        sym = super().check(value)
        if value.shape[-1] != value.shape[-2]:
            return sym
        return sym & (lucid.linalg.eigvalsh(value) > 0).all(dim=-1)


class _Cat(Constraint):
    """Constraints ``cseq`` applied to pieces of ``lengths`` along ``dim``."""

    def __init__(self, cseq, dim: int = 0, lengths=None):
        self.cseq = list(cseq)
        self.lengths = list(lengths) if lengths is not None else [1] * len(self.cseq)
        self.dim = dim

    def check(self, value):
        pieces = lucid.split(value, self.lengths, dim=self.dim)
        return lucid.cat([c.check(p) for c, p in zip(self.cseq, pieces)], dim=self.dim)


dependent = _Dependent()
boolean = _Boolean()
one_hot = _OneHot()
nonnegative_integer = _IntegerGreaterThanEq(0)
positive_integer = _IntegerGreaterThanEq(1)
integer_interval = _IntegerInterval
real = _Real()
real_vector = _Independent(real, 1)
positive = _GreaterThan(0.0)
nonnegative = _GreaterThanEq(0.0)
greater_than = _GreaterThan
greater_than_eq = _GreaterThanEq
less_than = _LessThan
unit_interval = _Interval(0.0, 1.0)
interval = _Interval
half_open_interval = _HalfOpenInterval
open_interval = _OpenInterval
independent = _Independent
simplex = _Simplex()
square = _Square()
symmetric = _Symmetric()
lower_triangular = _LowerTriangular()
lower_cholesky = _LowerCholesky()
corr_cholesky = _CorrCholesky()
positive_definite = _PositiveDefinite()
cat = _Cat
