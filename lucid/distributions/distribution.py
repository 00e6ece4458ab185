"""The ``Distribution`` base class: shapes, sampling entry points and argument validation.

Shapes follow PyTorch: a draw of ``d.sample(sample_shape)`` has shape
``sample_shape + d.batch_shape + d.event_shape``; ``log_prob`` reduces the
event dimensions and returns ``sample_shape + batch_shape``.

Validation (on by default, ``Distribution.set_default_validate_args``):
parameters are checked against ``arg_constraints`` at construction and
values against ``support`` in ``log_prob``/``cdf``. Checking a Tensor's
values needs its values, so to keep code lazy the check is *deferred*: the
``ValueError`` is raised at the next sync point (``item``, ``tolist``,
``numpy``, ``repr``, ``lucid.eval``, ``Optimizer.step``), the way
out-of-range indices are reported. Arguments given as Python numbers, lists
or NumPy arrays are checked at once (that evaluates only the constants).
"""

from __future__ import annotations

import operator

import mlx.core as mx

import lucid
from lucid._backend import checks, reductions
from lucid._tensor import Tensor
from lucid.distributions import constraints
from lucid.distributions._math import broadcast_all, broadcast_shape

__all__ = ["Distribution"]


def _numbers(*args) -> bool:
    """Whether every argument is a plain number (no Tensor): then argument checks may run eagerly."""
    return not any(isinstance(a, Tensor) for a in args)


def _delegated(path: str) -> property:
    """A read-only property that reads ``self.<path>``: what a wrapper shows of the distribution it wraps.

    Examples:
        >>> from lucid.distributions import LogNormal
        >>> LogNormal(0.0, 2.0).scale.item()
        2.0
    """
    return property(operator.attrgetter(path), doc=f"``{path}``.")


class _PeakAtLoc:
    """For the families symmetric about ``loc`` with their peak there: ``mean`` and ``mode`` are ``loc``."""

    mean = _delegated("loc")
    mode = _delegated("loc")


def _as_shape(shape, what: str = "sample_shape") -> tuple:
    if isinstance(shape, int) and not isinstance(shape, bool):
        shape = (shape,)
    if not isinstance(shape, (tuple, list)):
        raise TypeError(f"{what} must be a tuple of ints, got {type(shape).__name__}")
    out = tuple(shape)
    for s in out:
        if not isinstance(s, int) or isinstance(s, bool):
            raise TypeError(f"{what} must be a tuple of ints, got {out}")
        if s < 0:
            raise ValueError(f"{what} must be a tuple of non-negative ints, got {out}")
    return out


def _report(ok: Tensor, make_error, eager: bool) -> None:
    """Raise ``make_error()`` now (eager) or at the next sync point when ``ok`` has a False element."""
    bad = mx.logical_not(reductions.all(ok._data))
    if eager:
        if bad.item():
            raise make_error()
    else:
        checks.defer(bad, make_error)


class Distribution:
    """Base class of probability distributions (PyTorch's interface).

    Args:
        batch_shape: the shape over which parameters are batched.
        event_shape: the shape of one draw.
        validate_args: check parameters and values (``None``: the default,
            see :meth:`set_default_validate_args`).

    Examples:
        >>> import lucid
        >>> from lucid.distributions import Normal
        >>> d = Normal(lucid.zeros(3), 1.0)
        >>> d.batch_shape, d.event_shape, d.sample((2,)).shape
        ((3,), (), (2, 3))
    """

    has_rsample = False
    has_enumerate_support = False
    _validate_args = True
    arg_constraints: dict = {}
    support = None

    @staticmethod
    def set_default_validate_args(value: bool) -> None:
        """Turn argument validation on (the default) or off for distributions created afterwards.

        Examples:
            >>> from lucid.distributions import Distribution
            >>> Distribution.set_default_validate_args(False)
            >>> Distribution.set_default_validate_args(True)
        """
        if value not in (True, False):
            raise ValueError(f"set_default_validate_args expects True or False, got {value!r}")
        Distribution._validate_args = value

    def __init__(self, batch_shape=(), event_shape=(), validate_args: bool | None = None):
        self._batch_shape = _as_shape(batch_shape, "batch_shape")
        self._event_shape = _as_shape(event_shape, "event_shape")
        if validate_args is not None:
            self._validate_args = bool(validate_args)
        if self._validate_args:
            self._check_parameters()

    def _check_parameters(self) -> None:
        eager = getattr(self, "_eager_check", False)
        for name, constraint in self.arg_constraints.items():
            if constraints.is_dependent(constraint):
                continue
            # only the parameters given (a derived one, like probs from logits, is valid by construction)
            value = self.__dict__.get(name)
            if not isinstance(value, Tensor):
                continue

            def make_error(name=name, value=value, constraint=constraint):
                return ValueError(
                    f"Expected parameter {name} (Tensor of shape {tuple(value.shape)}) of distribution "
                    f"{type(self).__name__} to satisfy the constraint {constraint!r}, but found invalid values")
            _report(constraint.check(value), make_error, eager)

    # -- shapes ------------------------------------------------------------------
    @property
    def batch_shape(self) -> tuple:
        """The shape over which parameters are batched."""
        return self._batch_shape

    @property
    def event_shape(self) -> tuple:
        """The shape of a single draw."""
        return self._event_shape

    def _extended_shape(self, sample_shape=()) -> tuple:
        return _as_shape(sample_shape) + self._batch_shape + self._event_shape

    def _get_checked_instance(self, cls, _instance):
        if _instance is None and type(self).__init__ != cls.__init__:
            raise NotImplementedError(
                f"subclass {type(self).__name__} of {cls.__name__} that defines a custom __init__ must also "
                "define a custom .expand()")
        return self.__new__(type(self)) if _instance is None else _instance

    #: The parameters that carry the batch shape (``("loc", "scale")``): a family that
    #: lists them gets :meth:`expand` from here, which broadcasts each one it holds and
    #: copies the attributes named in ``_expand_keeps`` (state that does not depend on it).
    _batch_params: tuple = ()
    _expand_keeps: tuple = ()

    def expand(self, batch_shape, _instance=None) -> Distribution:
        """A distribution with parameters broadcast to ``batch_shape`` (no copy).

        Examples:
            >>> from lucid.distributions import Normal
            >>> Normal(0.0, 1.0).expand((2, 3)).batch_shape
            (2, 3)
        """
        # The family is the class that lists the parameters: a subclass with its own __init__ must
        # define its own expand (PyTorch's rule, checked by _get_checked_instance).
        family = next((c for c in type(self).__mro__ if "_batch_params" in vars(c) and c is not Distribution), None)
        if family is None:
            raise NotImplementedError(f"{type(self).__name__} does not implement expand")
        new = self._get_checked_instance(family, _instance)
        self._expand_params(new, batch_shape, family._batch_params)
        for name in family._expand_keeps:
            new.__dict__[name] = self.__dict__[name]
        return new

    def _init_params(self, validate_args, **params) -> None:
        """Set up a family whose batch shape is its parameters' broadcast shape.

        Keeps each parameter, broadcast against the others, under its name, then
        initialises the distribution with their shape. Argument checks run eagerly
        when all of them are plain numbers (unless a subclass decided that first).
        """
        self.__dict__.setdefault("_eager_check", _numbers(*params.values()))
        values = broadcast_all(*params.values())
        self.__dict__.update(zip(params, values))
        Distribution.__init__(self, values[0].shape, validate_args=validate_args)

    def _expand_params(self, new, batch_shape, names) -> None:
        batch_shape = _as_shape(batch_shape, "batch_shape")
        broadcast_shape(batch_shape, self.batch_shape)
        for name in names:
            if name in self.__dict__:
                v = self.__dict__[name]
                extra = v.shape[len(self.batch_shape):]
                new.__dict__[name] = v.expand(*(batch_shape + tuple(extra)))
        self._init_expanded(new, batch_shape)

    def _init_expanded(self, new, batch_shape: tuple):
        """Initialise ``new``, this distribution expanded to ``batch_shape``; returns it.

        ``new`` gets this event shape and validation setting; its parameters, broadcast from valid ones,
        are not checked again.
        """
        Distribution.__init__(new, batch_shape, self.event_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    # -- sampling ----------------------------------------------------------------
    def sample(self, sample_shape=()) -> Tensor:
        """Draw a sample (no gradient) of shape ``sample_shape + batch_shape + event_shape``."""
        with lucid.no_grad():
            return self.rsample(sample_shape).detach()

    def rsample(self, sample_shape=()) -> Tensor:
        """Draw a reparameterised sample: differentiable with respect to the parameters."""
        raise NotImplementedError(f"{type(self).__name__} has no reparameterised sampler (rsample)")

    def sample_n(self, n: int) -> Tensor:
        """``sample((n,))``."""
        return self.sample((n,))

    # -- densities and moments ---------------------------------------------------
    def log_prob(self, value) -> Tensor:
        """The log density (or log mass) of ``value``, one number per batch element."""
        raise NotImplementedError

    def cdf(self, value) -> Tensor:
        """The cumulative distribution function at ``value``."""
        raise NotImplementedError(f"{type(self).__name__} does not implement cdf")

    def icdf(self, value) -> Tensor:
        """The inverse cumulative distribution function (quantile) at ``value``."""
        raise NotImplementedError(f"{type(self).__name__} does not implement icdf")

    def entropy(self) -> Tensor:
        """The differential (or discrete) entropy, of shape ``batch_shape``."""
        raise NotImplementedError(f"{type(self).__name__} does not implement entropy")

    def enumerate_support(self, expand: bool = True) -> Tensor:
        """All values of a discrete support, along a new leading dimension."""
        raise NotImplementedError(f"{type(self).__name__} does not implement enumerate_support")

    def perplexity(self) -> Tensor:
        """``exp(entropy())``."""
        return lucid.exp(self.entropy())

    @property
    def mean(self) -> Tensor:
        raise NotImplementedError(f"{type(self).__name__} does not implement mean")

    @property
    def mode(self) -> Tensor:
        raise NotImplementedError(f"{type(self).__name__} does not implement mode")

    @property
    def variance(self) -> Tensor:
        raise NotImplementedError(f"{type(self).__name__} does not implement variance")

    @property
    def stddev(self) -> Tensor:
        """The standard deviation, ``sqrt(variance)``."""
        return lucid.sqrt(self.variance)

    # -- validation of values ----------------------------------------------------
    def _value(self, value) -> Tensor:
        """``value`` as a Tensor, validated against the support when validation is on."""
        eager = not isinstance(value, Tensor)
        if eager:
            dtype = self._param_dtype()
            value = lucid.tensor(value, dtype=dtype)
        if self._validate_args:
            self._validate_sample(value, eager)
        return value

    def _param_dtype(self):
        for v in self.__dict__.values():
            if isinstance(v, Tensor) and v.is_floating_point():
                return v.dtype
        return lucid.float32

    def _validate_sample(self, value: Tensor, eager: bool = False) -> None:
        if not isinstance(value, Tensor):
            raise TypeError(f"the value must be a Tensor, got {type(value).__name__}")
        event_dim = len(self._event_shape)
        if value.ndim < event_dim or tuple(value.shape[value.ndim - event_dim:]) != self._event_shape:
            raise ValueError(f"the right-most size of value must match event_shape: {tuple(value.shape)} vs "
                             f"{self._event_shape}")
        actual = tuple(value.shape[: value.ndim - event_dim])
        expected = self._batch_shape
        for i, j in zip(reversed(actual), reversed(expected)):
            if i != 1 and j != 1 and i != j:
                raise ValueError(f"value with shape {tuple(value.shape)} is not broadcastable with "
                                 f"batch_shape + event_shape {expected + self._event_shape}")
        support = self.support
        if support is None or constraints.is_dependent(support):
            return

        def make_error():
            return ValueError(f"Expected value argument (Tensor of shape {tuple(value.shape)}) to be within the "
                              f"support ({support!r}) of the distribution {type(self).__name__}, but found "
                              "invalid values")
        _report(support.check(value), make_error, eager)

    def __repr__(self) -> str:
        names = [k for k in self.arg_constraints if k in self.__dict__]
        args = ", ".join(f"{k}: {self.__dict__[k].shape if self.__dict__[k].numel() > 1 else self.__dict__[k]}"
                         for k in names)
        return f"{type(self).__name__}({args})"
