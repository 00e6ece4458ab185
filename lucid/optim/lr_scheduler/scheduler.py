"""``LRScheduler``, the base of the learning-rate schedulers, and the schedulers that combine others.

A scheduler changes ``group["lr"]`` (a Python float) of each parameter group
of an optimizer; it never touches arrays, so stepping it costs no MLX work.
Call ``scheduler.step()`` after ``optimizer.step()``, once per epoch (or per
batch for the per-iteration schedules).

As in PyTorch, most schedulers compute the new rate from the current one
("chainable" form), so several schedulers can act on the same optimizer;
``step(epoch)`` with an explicit epoch uses the closed form where there is one.
"""

from __future__ import annotations

import warnings
from bisect import bisect_right

from lucid.optim._checks import check_int
from lucid.optim.lr_scheduler._util import (
    EPOCH_WARNING,
    check_optimizer,
    object_state,
    per_group,
    restore_object,
)
from lucid.optim.optimizer import Optimizer

__all__ = ["LRScheduler", "LambdaLR", "MultiplicativeLR", "SequentialLR", "ChainedScheduler"]

# Attributes that describe a call in progress, not the scheduler's state.
_TRANSIENT = ("optimizer", "_is_initial", "_in_step")


class LRScheduler:
    """Base class of learning-rate schedulers.

    On construction the scheduler records each group's starting rate as
    ``group["initial_lr"]`` (``base_lrs``) and takes its initial step, which
    sets the rate for epoch 0. Each ``step()`` then advances ``last_epoch`` by
    one and writes the new rates into ``optimizer.param_groups``.

    Subclasses implement ``get_lr()``, returning one rate per group for the
    current ``last_epoch`` (and optionally ``_closed_form_lr()``). Attributes
    named in ``_saved_by_hook`` are saved and restored by ``_save_attr`` and
    ``_load_attr`` instead of by value (user functions, child schedulers).

    Args:
        optimizer: the optimizer whose learning rates are scheduled.
        last_epoch: index of the last epoch when resuming; -1 starts afresh.
            Resuming needs ``"initial_lr"`` in every parameter group.

    Raises:
        TypeError: ``optimizer`` is not a ``lucid.optim.Optimizer``.
        KeyError: resuming (``last_epoch != -1``) without ``"initial_lr"`` in a group.

    Examples:
        >>> import lucid
        >>> from lucid.optim.lr_scheduler import LRScheduler
        >>> class Halving(LRScheduler):
        ...     def get_lr(self):
        ...         return [base * 0.5 ** self.last_epoch for base in self.base_lrs]
        >>> opt = lucid.optim.SGD([lucid.zeros(1, requires_grad=True)], lr=1.0)
        >>> sched = Halving(opt)
        >>> opt.step(); sched.step(); sched.get_last_lr()
        [0.5]
    """

    _is_initial = False
    _in_step = False
    _saved_by_hook: tuple = ()

    def __init__(self, optimizer: Optimizer, last_epoch: int = -1):
        check_optimizer(optimizer)
        check_int(last_epoch, "last_epoch", -1)
        self.optimizer = optimizer
        groups = optimizer.param_groups
        if last_epoch == -1:
            for group in groups:
                group.setdefault("initial_lr", group["lr"])
        else:
            for i, group in enumerate(groups):
                if "initial_lr" not in group:
                    raise KeyError(f"param 'initial_lr' is not specified in param_groups[{i}] when resuming an "
                                   "optimizer; create the scheduler with last_epoch=-1 or load the optimizer's "
                                   "state first")
        self.base_lrs = [group["initial_lr"] for group in groups]
        self.last_epoch = last_epoch
        self._initial_step()

    def _initial_step(self) -> None:
        self._step_count = 0
        self._is_initial = True
        try:
            self.step()
        finally:
            self._is_initial = False

    def get_lr(self) -> list:
        """The rates of all groups at ``last_epoch`` (called by ``step``; use ``get_last_lr`` to read them)."""
        raise NotImplementedError(f"{type(self).__name__} must implement get_lr()")

    def _warn_outside_step(self) -> None:
        if not self._in_step:
            warnings.warn("to get the last learning rate computed by the scheduler, use get_last_lr()",
                          UserWarning, stacklevel=3)

    def get_last_lr(self) -> list:
        """The learning rates the last ``step()`` set, one per parameter group."""
        return list(self._last_lr)

    def _group_lrs(self, factor=None) -> list:
        """Each parameter group's current rate, times ``factor`` when one is given."""
        groups = self.optimizer.param_groups
        if factor is None:
            return [group["lr"] for group in groups]
        return [group["lr"] * factor for group in groups]

    def step(self, epoch: int | None = None) -> None:
        """Advance the schedule by one epoch (or jump to ``epoch``, deprecated) and update the optimizer."""
        if self._step_count == 1 and getattr(self.optimizer, "_step_calls", 1) == 0:
            warnings.warn(
                "lr_scheduler.step() was called before optimizer.step(); call optimizer.step() first, "
                "otherwise the first value of the schedule is skipped",
                UserWarning, stacklevel=2,
            )
        self._step_count += 1
        if epoch is not None:
            warnings.warn(EPOCH_WARNING, UserWarning, stacklevel=2)
        self._update_lr(epoch)

    def _update_lr(self, epoch: int | None = None) -> None:
        self._in_step = True
        try:
            if epoch is None:
                self.last_epoch += 1
                values = self.get_lr()
            else:
                self.last_epoch = epoch
                closed = getattr(self, "_closed_form_lr", None)
                values = closed() if closed is not None else self.get_lr()
        finally:
            self._in_step = False
        for group, lr in zip(self.optimizer.param_groups, values):
            group["lr"] = lr
        self._last_lr = self._group_lrs()

    def state_dict(self) -> dict:
        """The scheduler's state: every attribute except the optimizer (plain numbers and lists).

        Examples:
            >>> import lucid
            >>> opt = lucid.optim.SGD([lucid.zeros(1, requires_grad=True)], lr=1.0)
            >>> sched = lucid.optim.lr_scheduler.StepLR(opt, step_size=2)
            >>> sched.state_dict()["last_epoch"]
            0
        """
        state = {k: v for k, v in self.__dict__.items() if k not in _TRANSIENT}
        for name in self._saved_by_hook:
            state[name] = self._save_attr(name)
        return state

    def load_state_dict(self, state_dict: dict) -> None:
        """Restore the state returned by ``state_dict()`` (load the optimizer's state too)."""
        if not isinstance(state_dict, dict):
            raise TypeError(f"load_state_dict expects a dict, got {type(state_dict).__name__}")
        hooked = self._saved_by_hook
        self.__dict__.update({k: v for k, v in state_dict.items() if k not in _TRANSIENT and k not in hooked})
        for name in hooked:
            if name in state_dict:
                self._load_attr(name, state_dict[name])

    def _save_attr(self, name: str):
        """The saved form of the attribute ``name`` (one of ``_saved_by_hook``)."""
        raise NotImplementedError(f"{type(self).__name__} must implement _save_attr for {name!r}")

    def _load_attr(self, name: str, saved) -> None:
        """Restore the attribute ``name`` from what ``_save_attr`` returned."""
        raise NotImplementedError(f"{type(self).__name__} must implement _load_attr for {name!r}")


class _LambdaBase(LRScheduler):
    """Shared by LambdaLR and MultiplicativeLR: one function per group, saved only if it is an object."""

    _saved_by_hook = ("lr_lambdas",)

    def __init__(self, optimizer: Optimizer, lr_lambda, last_epoch: int = -1):
        check_optimizer(optimizer)
        fns = per_group("lr_lambda", optimizer, lr_lambda)
        for fn in fns:
            if not callable(fn):
                raise TypeError(f"lr_lambda must be a function of the epoch, got {type(fn).__name__}")
        self.lr_lambdas = fns
        super().__init__(optimizer, last_epoch)

    def _save_attr(self, name: str) -> list:
        return [object_state(fn) for fn in self.lr_lambdas]

    def _load_attr(self, name: str, saved) -> None:
        for fn, attrs in zip(self.lr_lambdas, saved or []):
            restore_object(fn, attrs)


class LambdaLR(_LambdaBase):
    r"""Set each group's rate to its initial rate times a function of the epoch.

    .. math::

        \eta_t = \eta_0 \cdot f(t)

    Args:
        optimizer: the optimizer.
        lr_lambda: a function ``f(epoch) -> float``, or a list of them (one per group).
        last_epoch: the last epoch when resuming. Default: -1.

    Raises:
        TypeError: ``lr_lambda`` is not callable.
        ValueError: a list of functions of the wrong length.

    Examples:
        >>> import lucid
        >>> opt = lucid.optim.SGD([lucid.zeros(1, requires_grad=True)], lr=1.0)
        >>> sched = lucid.optim.lr_scheduler.LambdaLR(opt, lambda epoch: 1 / (epoch + 1))
        >>> lrs = []
        >>> for _ in range(3):
        ...     opt.step(); sched.step(); lrs.append(sched.get_last_lr()[0])
        >>> lrs
        [0.5, 0.3333333333333333, 0.25]
    """

    def __init__(self, optimizer: Optimizer, lr_lambda, last_epoch: int = -1):
        if callable(optimizer) and isinstance(lr_lambda, Optimizer):
            # NOTE: Lucid 2.x took (lr_lambda, optimizer); accept that order too.
            optimizer, lr_lambda = lr_lambda, optimizer
        super().__init__(optimizer, lr_lambda, last_epoch)

    def get_lr(self) -> list:
        self._warn_outside_step()
        return [base * fn(self.last_epoch) for fn, base in zip(self.lr_lambdas, self.base_lrs)]


class MultiplicativeLR(_LambdaBase):
    r"""Multiply each group's rate by a function of the epoch at every step.

    .. math::

        \eta_t = \eta_{t-1} \cdot f(t)

    Arguments and errors as :class:`LambdaLR`.

    Examples:
        >>> import lucid
        >>> opt = lucid.optim.SGD([lucid.zeros(1, requires_grad=True)], lr=1.0)
        >>> sched = lucid.optim.lr_scheduler.MultiplicativeLR(opt, lambda epoch: 0.5)
        >>> opt.step(); sched.step(); sched.step(); sched.get_last_lr()
        [0.25]
    """

    def get_lr(self) -> list:
        self._warn_outside_step()
        if self._is_initial:
            return self._group_lrs()
        groups = self.optimizer.param_groups
        return [group["lr"] * fn(self.last_epoch) for fn, group in zip(self.lr_lambdas, groups)]


def _check_children(owner: str, schedulers, optimizer) -> None:
    from lucid.optim.lr_scheduler.plateau import ReduceLROnPlateau

    if len(schedulers) < 1:
        raise ValueError(f"{owner} expects at least one scheduler, got none")
    for i, s in enumerate(schedulers):
        if not hasattr(s, "optimizer"):
            raise TypeError(f"{owner}: the scheduler at index {i} ({type(s).__name__}) has no optimizer")
        if isinstance(s, ReduceLROnPlateau):
            raise ValueError(f"{owner} does not support ReduceLROnPlateau (its step needs a metric), "
                             f"got one at index {i}")
        if s.optimizer is not optimizer:
            raise ValueError(f"{owner} expects all schedulers to belong to the same optimizer, but the "
                             f"scheduler at index {i} ({type(s).__name__}) has another one")


class _Composite(LRScheduler):
    """A scheduler made of child schedulers; saves their states with its own, under ``"_schedulers"``."""

    _saved_by_hook = ("_schedulers",)

    def _save_attr(self, name: str) -> list:
        return [s.state_dict() for s in self._schedulers]

    def _load_attr(self, name: str, saved) -> None:
        for s, sd in zip(self._schedulers, saved):
            s.load_state_dict(sd)


class SequentialLR(_Composite):
    """Run schedulers one after another, switching at the given milestones.

    Scheduler ``i`` is in charge from epoch ``milestones[i-1]`` on; at a
    milestone the next scheduler starts from its own epoch 0 (its closed form).

    Args:
        optimizer: the optimizer all schedulers belong to.
        schedulers: the schedulers, in order.
        milestones: the epochs at which to switch; one fewer than schedulers.
        last_epoch: the last epoch when resuming. Default: -1.

    Raises:
        ValueError: no schedulers, a ReduceLROnPlateau, schedulers of another
            optimizer, or the wrong number of milestones.

    Examples:
        >>> import lucid
        >>> from lucid.optim import lr_scheduler as ls
        >>> opt = lucid.optim.SGD([lucid.zeros(1, requires_grad=True)], lr=1.0)
        >>> warm = ls.LinearLR(opt, start_factor=0.5, total_iters=2)
        >>> decay = ls.ExponentialLR(opt, gamma=0.5)
        >>> sched = ls.SequentialLR(opt, [warm, decay], milestones=[2])
        >>> lrs = [sched.get_last_lr()[0]]
        >>> for _ in range(4):
        ...     opt.step(); sched.step(); lrs.append(sched.get_last_lr()[0])
        >>> lrs
        [0.5, 0.75, 1.0, 0.5, 0.25]
    """

    def __init__(self, optimizer: Optimizer, schedulers, milestones, last_epoch: int = -1):
        check_optimizer(optimizer)
        schedulers = list(schedulers)
        _check_children(type(self).__name__, schedulers, optimizer)
        milestones = list(milestones)
        if len(milestones) != len(schedulers) - 1:
            raise ValueError(f"SequentialLR expects one milestone fewer than schedulers, got {len(schedulers)} "
                             f"schedulers and {len(milestones)} milestones")
        self._schedulers = schedulers
        self._milestones = milestones
        self.last_epoch = last_epoch + 1
        self.optimizer = optimizer
        for group in optimizer.param_groups:
            group["lr"] = group["initial_lr"]
        self.base_lrs = [group["initial_lr"] for group in optimizer.param_groups]
        # The children each took their initial step on construction: undo it,
        # then start only the first one.
        self._undo(self)
        self._schedulers[0]._initial_step()
        self._step_count = 1
        self._last_lr = schedulers[0].get_last_lr()

    def _undo(self, sched) -> None:
        children = getattr(sched, "_schedulers", None)
        if children is not None:
            for s in children:
                self._undo(s)
        elif hasattr(sched, "last_epoch"):
            sched.last_epoch -= 1

    def step(self) -> None:
        self.last_epoch += 1
        idx = bisect_right(self._milestones, self.last_epoch)
        sched = self._schedulers[idx]
        if idx > 0 and self._milestones[idx - 1] == self.last_epoch:
            sched._update_lr(0)
        else:
            sched.step()
        self._last_lr = sched.get_last_lr()


class ChainedScheduler(_Composite):
    """Step several chainable schedulers together, so their effects multiply.

    Args:
        schedulers: the schedulers (all of one optimizer).
        optimizer: that optimizer; defaults to the first scheduler's.

    Raises:
        ValueError: no schedulers, a ReduceLROnPlateau, or schedulers of different optimizers.

    Examples:
        >>> import lucid
        >>> from lucid.optim import lr_scheduler as ls
        >>> opt = lucid.optim.SGD([lucid.zeros(1, requires_grad=True)], lr=1.0)
        >>> s1 = ls.ConstantLR(opt, factor=0.5, total_iters=2)
        >>> s2 = ls.ExponentialLR(opt, gamma=0.9)
        >>> sched = ls.ChainedScheduler([s1, s2])
        >>> lrs = [sched.get_last_lr()[0]]
        >>> for _ in range(3):
        ...     opt.step(); sched.step(); lrs.append(round(sched.get_last_lr()[0], 6))
        >>> lrs
        [0.5, 0.45, 0.81, 0.729]
    """

    def __init__(self, schedulers, optimizer: Optimizer | None = None):
        schedulers = list(schedulers)
        if len(schedulers) < 1:
            raise ValueError("ChainedScheduler expects at least one scheduler, got none")
        optimizer = optimizer if optimizer is not None else schedulers[0].optimizer
        check_optimizer(optimizer)
        _check_children(type(self).__name__, schedulers, optimizer)
        self._schedulers = schedulers
        self.optimizer = optimizer
        self.base_lrs = [group.get("initial_lr", group["lr"]) for group in optimizer.param_groups]
        self._last_lr = self._group_lrs()

    def step(self) -> None:
        for s in self._schedulers:
            s.step()
        self._last_lr = self._group_lrs()
