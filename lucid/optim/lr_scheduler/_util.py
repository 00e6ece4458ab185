"""Helpers shared by the learning-rate schedulers: argument checks, per-group values, saved callables."""

from __future__ import annotations

import types

from lucid.optim.optimizer import Optimizer

EPOCH_WARNING = (
    "passing an epoch to scheduler.step() is deprecated (as in PyTorch): call step() without arguments; "
    "with an epoch the closed form of the schedule is used where there is one"
)


def check_optimizer(optimizer) -> None:
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"{type(optimizer).__name__} is not an Optimizer; pass a lucid.optim optimizer")


def per_group(name: str, optimizer: Optimizer, value) -> list:
    """One value per parameter group: ``value`` repeated, or a list of the right length."""
    n = len(optimizer.param_groups)
    if isinstance(value, (list, tuple)):
        if len(value) != n:
            raise ValueError(f"{name} must have one value per parameter group: got {len(value)} values "
                             f"for {n} groups")
        return list(value)
    return [value] * n


def object_state(fn):
    """What ``state_dict`` keeps of a user's callable: the attributes of a callable object, else None.

    Functions, methods and classes are code, not state; they stay as the
    constructor received them.
    """
    if isinstance(fn, (types.FunctionType, types.MethodType, type)):
        return None
    attrs = getattr(fn, "__dict__", None)
    return dict(attrs) if isinstance(attrs, dict) else None


def restore_object(fn, attrs) -> None:
    """Write attributes saved by ``object_state`` back into the callable ``fn``."""
    if fn is not None and attrs is not None:
        fn.__dict__.update(attrs)


def set_momentum(group: dict, value: float, use_beta1: bool) -> None:
    if use_beta1:
        group["betas"] = (value, *group["betas"][1:])
    else:
        group["momentum"] = value


def init_momentum_cycle(optimizer: Optimizer, base_momentum, max_momentum, last_epoch: int) -> tuple:
    """Set up a cycled momentum (CyclicLR, OneCycleLR): ``(use_beta1, base_momentums, max_momentums)``.

    The momentum is Adam's :math:`\\beta_1` where the optimizer has ``betas``.
    A fresh start (``last_epoch == -1``) sets each group's momentum to its
    maximum and records ``max_momentum`` and ``base_momentum`` in the group.
    """
    if "momentum" not in optimizer.defaults and "betas" not in optimizer.defaults:
        raise ValueError("optimizer must support momentum or beta1 with `cycle_momentum` option enabled; "
                         "pass cycle_momentum=False")
    use_beta1 = "betas" in optimizer.defaults
    bases = per_group("base_momentum", optimizer, base_momentum)
    maxs = per_group("max_momentum", optimizer, max_momentum)
    if last_epoch == -1:
        for m_max, m_base, group in zip(maxs, bases, optimizer.param_groups):
            set_momentum(group, m_max, use_beta1)
            group["max_momentum"] = m_max
            group["base_momentum"] = m_base
    return use_beta1, bases, maxs
