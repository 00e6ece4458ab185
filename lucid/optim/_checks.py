"""Argument checks shared by the optimizers and the learning-rate schedulers.

Hyperparameters are plain Python numbers (schedulers rewrite them between
steps), so a check is a type test and a comparison, never an array read.
``bool`` is rejected where a number is expected: ``True`` is an ``int`` to
Python but never a meaningful learning rate or step count.
"""

from __future__ import annotations

import numbers

__all__ = ["check_real", "check_int", "check_bool", "check_pair"]


def check_real(value, name: str):
    """Return ``value`` if it is a real number (not a bool); raise TypeError otherwise.

    Examples:
        >>> from lucid.optim._checks import check_real
        >>> check_real(0.5, "gamma")
        0.5
        >>> check_real("0.5", "gamma")
        Traceback (most recent call last):
        ...
        TypeError: gamma must be a real number (a Python float), got '0.5' (str)
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number (a Python float), got {value!r} ({type(value).__name__})")
    return value


def check_int(value, name: str, minimum: int | None = None):
    """Return ``value`` if it is an int (not a bool), of at least ``minimum`` where one is given.

    Raises:
        TypeError: not an int.
        ValueError: below ``minimum``; the message says both PyTorch's
            "Expected positive integer ..." and the bound.

    Examples:
        >>> from lucid.optim._checks import check_int
        >>> check_int(3, "step_size", 1)
        3
        >>> check_int(0, "step_size", 1)
        Traceback (most recent call last):
        ...
        ValueError: Expected positive integer step_size, but got 0 (step_size must be >= 1)
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an int, got {value!r} ({type(value).__name__})")
    if minimum is not None and value < minimum:
        kind = {1: "positive ", 0: "non-negative "}.get(minimum, "")
        raise ValueError(f"Expected {kind}integer {name}, but got {value} ({name} must be >= {minimum})")
    return value


def check_bool(value, name: str) -> bool:
    """Return ``value`` if it is a bool; raise TypeError otherwise.

    Examples:
        >>> from lucid.optim._checks import check_bool
        >>> check_bool(1, "amsgrad")
        Traceback (most recent call last):
        ...
        TypeError: amsgrad must be a bool, got 1 (int)
    """
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be a bool, got {value!r} ({type(value).__name__})")
    return value


def check_pair(value, name: str) -> tuple:
    """Return ``value`` as a tuple if it is a pair (tuple or list) of real numbers.

    Examples:
        >>> from lucid.optim._checks import check_pair
        >>> check_pair([0.5, 1.2], "etas")
        (0.5, 1.2)
        >>> check_pair(0.9, "betas")
        Traceback (most recent call last):
        ...
        TypeError: betas must be a pair of floats, got 0.9
    """
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        raise TypeError(f"{name} must be a pair of floats, got {value!r}")
    return check_real(value[0], f"{name}[0]"), check_real(value[1], f"{name}[1]")
