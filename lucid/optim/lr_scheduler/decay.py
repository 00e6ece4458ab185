"""Decaying schedules: step, multi-step, constant, linear, exponential, polynomial and cosine annealing.

Each computes the new rate from the current one (PyTorch's chainable form) and
has a closed form used by ``step(epoch)``; the two agree up to rounding. All
but the cosine schedule multiply the current rate by a factor (``_factor``).
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections import Counter

from lucid.optim._checks import check_int, check_real
from lucid.optim.lr_scheduler.scheduler import LRScheduler
from lucid.optim.optimizer import Optimizer

__all__ = ["StepLR", "MultiStepLR", "ConstantLR", "LinearLR", "ExponentialLR", "PolynomialLR", "CosineAnnealingLR"]


class _Multiplicative(LRScheduler):
    """A chainable schedule: each step multiplies every group's current rate by ``_factor()``."""

    def get_lr(self) -> list:
        self._warn_outside_step()
        return self._group_lrs(self._factor())

    def _factor(self):
        """The factor of this step (``last_epoch``), or None where the rate stays as it is."""
        raise NotImplementedError


class StepLR(_Multiplicative):
    r"""Multiply the rate by ``gamma`` every ``step_size`` epochs.

    .. math::

        \eta_t = \eta_0 \cdot \gamma^{\lfloor t / \text{step\_size} \rfloor}

    Args:
        optimizer: the optimizer.
        step_size: period of the decay, in epochs (>= 1).
        gamma: multiplicative factor. Default: 0.1.
        last_epoch: the last epoch when resuming. Default: -1.

    Raises:
        TypeError: ``step_size`` is not an int.
        ValueError: ``step_size < 1``.

    Examples:
        >>> import lucid
        >>> opt = lucid.optim.SGD([lucid.zeros(1, requires_grad=True)], lr=1.0)
        >>> sched = lucid.optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
        >>> lrs = [sched.get_last_lr()[0]]
        >>> for _ in range(4):
        ...     opt.step(); sched.step(); lrs.append(sched.get_last_lr()[0])
        >>> lrs
        [1.0, 1.0, 0.5, 0.5, 0.25]
    """

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1, last_epoch: int = -1):
        check_int(step_size, "step_size", 1)
        check_real(gamma, "gamma")
        self.step_size = step_size
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def _factor(self):
        if self.last_epoch == 0 or self.last_epoch % self.step_size != 0:
            return None
        return self.gamma

    def _closed_form_lr(self) -> list:
        return [base * self.gamma ** (self.last_epoch // self.step_size) for base in self.base_lrs]


class MultiStepLR(_Multiplicative):
    r"""Multiply the rate by ``gamma`` at each milestone epoch.

    .. math::

        \eta_t = \eta_0 \cdot \gamma^{\#\{m \in \text{milestones} \,:\, m \le t\}}

    Args:
        optimizer: the optimizer.
        milestones: epochs at which to decay (a repeated milestone decays that many times).
        gamma: multiplicative factor. Default: 0.1.
        last_epoch: the last epoch when resuming. Default: -1.

    Raises:
        TypeError: a milestone is not an int.

    Examples:
        >>> import lucid
        >>> opt = lucid.optim.SGD([lucid.zeros(1, requires_grad=True)], lr=1.0)
        >>> sched = lucid.optim.lr_scheduler.MultiStepLR(opt, milestones=[1, 3], gamma=0.5)
        >>> lrs = [sched.get_last_lr()[0]]
        >>> for _ in range(4):
        ...     opt.step(); sched.step(); lrs.append(sched.get_last_lr()[0])
        >>> lrs
        [1.0, 0.5, 0.5, 0.25, 0.25]
    """

    def __init__(self, optimizer: Optimizer, milestones, gamma: float = 0.1, last_epoch: int = -1):
        milestones = list(milestones)
        for m in milestones:
            check_int(m, "milestones")
        check_real(gamma, "gamma")
        self.milestones = Counter(milestones)
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def _factor(self):
        if self.last_epoch not in self.milestones:
            return None
        return self.gamma ** self.milestones[self.last_epoch]

    def load_state_dict(self, state_dict: dict) -> None:
        """Restore the state returned by ``state_dict()`` (also after a JSON round trip)."""
        super().load_state_dict(state_dict)
        # JSON turns the milestone counts' int keys into strings
        self.milestones = Counter({int(k): v for k, v in dict(self.milestones).items()})

    def _closed_form_lr(self) -> list:
        ms = sorted(self.milestones.elements())
        return [base * self.gamma ** bisect_right(ms, self.last_epoch) for base in self.base_lrs]


class ConstantLR(_Multiplicative):
    r"""Scale the rate by a constant ``factor`` for the first ``total_iters`` epochs.

    .. math::

        \eta_t = \eta_0 \cdot \begin{cases} \text{factor} & t < \text{total\_iters} \\
            1 & t \ge \text{total\_iters} \end{cases}

    Args:
        optimizer: the optimizer.
        factor: the scale, in [0, 1]. Default: 1/3.
        total_iters: number of epochs the scale lasts. Default: 5.
        last_epoch: the last epoch when resuming. Default: -1.

    Raises:
        ValueError: ``factor`` outside [0, 1].

    Examples:
        >>> import lucid
        >>> opt = lucid.optim.SGD([lucid.zeros(1, requires_grad=True)], lr=1.0)
        >>> sched = lucid.optim.lr_scheduler.ConstantLR(opt, factor=0.5, total_iters=2)
        >>> lrs = [sched.get_last_lr()[0]]
        >>> for _ in range(3):
        ...     opt.step(); sched.step(); lrs.append(sched.get_last_lr()[0])
        >>> lrs
        [0.5, 0.5, 1.0, 1.0]
    """

    def __init__(self, optimizer: Optimizer, factor: float = 1.0 / 3, total_iters: int = 5, last_epoch: int = -1):
        check_real(factor, "factor")
        if not 0.0 <= factor <= 1.0:
            raise ValueError(f"Constant multiplicative factor expected to be between 0 and 1, got {factor}")
        check_int(total_iters, "total_iters", 0)
        self.factor = factor
        self.total_iters = total_iters
        super().__init__(optimizer, last_epoch)

    def _factor(self):
        if self.last_epoch == 0:
            return self.factor
        if self.last_epoch != self.total_iters:
            return None
        return 1.0 / self.factor

    def _closed_form_lr(self) -> list:
        scale = self.factor + (self.last_epoch >= self.total_iters) * (1.0 - self.factor)
        return [base * scale for base in self.base_lrs]


class LinearLR(_Multiplicative):
    r"""Scale the rate by a factor that moves linearly from ``start_factor`` to ``end_factor``.

    .. math::

        \eta_t = \eta_0 \Big(s + (e - s)\,\frac{\min(t, T)}{T}\Big), \qquad
        s = \text{start\_factor},\ e = \text{end\_factor},\ T = \text{total\_iters}

    Args:
        optimizer: the optimizer.
        start_factor: factor at epoch 0, in (0, 1]. Default: 1/3.
        end_factor: factor from epoch ``total_iters`` on, in [0, 1]. Default: 1.0.
        total_iters: number of epochs of the ramp. Default: 5.
        last_epoch: the last epoch when resuming. Default: -1.

    Raises:
        ValueError: a factor out of range.

    Examples:
        >>> import lucid
        >>> opt = lucid.optim.SGD([lucid.zeros(1, requires_grad=True)], lr=1.0)
        >>> sched = lucid.optim.lr_scheduler.LinearLR(opt, start_factor=0.25, total_iters=3)
        >>> lrs = [sched.get_last_lr()[0]]
        >>> for _ in range(4):
        ...     opt.step(); sched.step(); lrs.append(sched.get_last_lr()[0])
        >>> lrs
        [0.25, 0.5, 0.75, 1.0, 1.0]
    """

    def __init__(self, optimizer: Optimizer, start_factor: float = 1.0 / 3, end_factor: float = 1.0,
                 total_iters: int = 5, last_epoch: int = -1):
        check_real(start_factor, "start_factor")
        check_real(end_factor, "end_factor")
        if not 0.0 < start_factor <= 1.0:
            raise ValueError(f"Starting multiplicative factor expected to be greater than 0 and less or equal to 1, "
                             f"got {start_factor}")
        if not 0.0 <= end_factor <= 1.0:
            raise ValueError(f"Ending multiplicative factor expected to be between 0 and 1, got {end_factor}")
        check_int(total_iters, "total_iters", 1)
        self.start_factor = start_factor
        self.end_factor = end_factor
        self.total_iters = total_iters
        super().__init__(optimizer, last_epoch)

    def _factor(self):
        if self.last_epoch == 0:
            return self.start_factor
        if self._is_initial or self.last_epoch > self.total_iters:
            return None
        diff = self.end_factor - self.start_factor
        return 1.0 + diff / (self.total_iters * self.start_factor + (self.last_epoch - 1) * diff)

    def _closed_form_lr(self) -> list:
        frac = min(self.total_iters, self.last_epoch) / self.total_iters
        return [base * (self.start_factor + (self.end_factor - self.start_factor) * frac) for base in self.base_lrs]


class ExponentialLR(_Multiplicative):
    r"""Multiply the rate by ``gamma`` every epoch.

    .. math::

        \eta_t = \eta_0 \cdot \gamma^t

    Args:
        optimizer: the optimizer.
        gamma: multiplicative factor.
        last_epoch: the last epoch when resuming. Default: -1.

    Examples:
        >>> import lucid
        >>> opt = lucid.optim.SGD([lucid.zeros(1, requires_grad=True)], lr=1.0)
        >>> sched = lucid.optim.lr_scheduler.ExponentialLR(opt, gamma=0.5)
        >>> opt.step(); sched.step(); sched.step(); sched.get_last_lr()
        [0.25]
    """

    def __init__(self, optimizer: Optimizer, gamma: float, last_epoch: int = -1):
        check_real(gamma, "gamma")
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def _factor(self):
        return None if self._is_initial else self.gamma

    def _closed_form_lr(self) -> list:
        return [base * self.gamma ** self.last_epoch for base in self.base_lrs]


class PolynomialLR(_Multiplicative):
    r"""Decay the rate polynomially to zero over ``total_iters`` epochs.

    .. math::

        \eta_t = \eta_0 \Big(1 - \frac{\min(t, T)}{T}\Big)^{p}

    Args:
        optimizer: the optimizer.
        total_iters: number of epochs of the decay :math:`T`. Default: 5.
        power: the power :math:`p`. Default: 1.0.
        last_epoch: the last epoch when resuming. Default: -1.

    Examples:
        >>> import lucid
        >>> opt = lucid.optim.SGD([lucid.zeros(1, requires_grad=True)], lr=1.0)
        >>> sched = lucid.optim.lr_scheduler.PolynomialLR(opt, total_iters=4, power=1.0)
        >>> lrs = [sched.get_last_lr()[0]]
        >>> for _ in range(5):
        ...     opt.step(); sched.step(); lrs.append(sched.get_last_lr()[0])
        >>> lrs
        [1.0, 0.75, 0.5, 0.25, 0.0, 0.0]
    """

    def __init__(self, optimizer: Optimizer, total_iters: int = 5, power: float = 1.0, last_epoch: int = -1):
        check_int(total_iters, "total_iters", 1)
        check_real(power, "power")
        self.total_iters = total_iters
        self.power = power
        super().__init__(optimizer, last_epoch)

    def _factor(self):
        if self._is_initial or self.last_epoch > self.total_iters:
            return None
        t, n = self.last_epoch, self.total_iters
        return ((1.0 - t / n) / (1.0 - (t - 1) / n)) ** self.power

    def _closed_form_lr(self) -> list:
        frac = min(self.total_iters, self.last_epoch) / self.total_iters
        return [base * (1.0 - frac) ** self.power for base in self.base_lrs]


class CosineAnnealingLR(LRScheduler):
    r"""Anneal the rate along a cosine from its initial value to ``eta_min`` over ``T_max`` epochs.

    .. math::

        \eta_t = \eta_{min} + \tfrac12(\eta_0 - \eta_{min})\Big(1 + \cos\frac{t\pi}{T_{max}}\Big)

    Like PyTorch, each step applies the recursive form
    :math:`\eta_{t} = \eta_{min} + (\eta_{t-1} - \eta_{min})
    \frac{1 + \cos(t\pi/T_{max})}{1 + \cos((t-1)\pi/T_{max})}`, which equals the
    closed form when nothing else changes the rate, and continues as a cosine
    (rising again) after :math:`T_{max}`; there are no restarts
    (see :class:`CosineAnnealingWarmRestarts`).

    Args:
        optimizer: the optimizer.
        T_max: half-period in epochs.
        eta_min: minimum rate. Default: 0.
        last_epoch: the last epoch when resuming. Default: -1.

    Raises:
        ValueError: ``T_max < 1``.

    Examples:
        >>> import lucid
        >>> opt = lucid.optim.SGD([lucid.zeros(1, requires_grad=True)], lr=1.0)
        >>> sched = lucid.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=2)
        >>> lrs = [sched.get_last_lr()[0]]
        >>> for _ in range(2):
        ...     opt.step(); sched.step(); lrs.append(round(sched.get_last_lr()[0], 6))
        >>> lrs
        [1.0, 0.5, 0.0]
    """

    def __init__(self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0, last_epoch: int = -1):
        check_int(T_max, "T_max", 1)
        check_real(eta_min, "eta_min")
        self.T_max = T_max
        self.eta_min = eta_min
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list:
        self._warn_outside_step()
        t, T, lo = self.last_epoch, self.T_max, self.eta_min
        if self._is_initial:
            return self._group_lrs()
        groups = self.optimizer.param_groups
        if self._step_count == 1 and t > 0:
            return [lo + (base - lo) * (1 + math.cos(t * math.pi / T)) / 2 for base in self.base_lrs]
        if (t - 1 - T) % (2 * T) == 0:
            # NOTE: at the trough the ratio below would be 0/0; step up by the first increment instead.
            return [group["lr"] + (base - lo) * (1 - math.cos(math.pi / T)) / 2
                    for base, group in zip(self.base_lrs, groups)]
        ratio = (1 + math.cos(math.pi * t / T)) / (1 + math.cos(math.pi * (t - 1) / T))
        return [ratio * (group["lr"] - lo) + lo for group in groups]

    def _closed_form_lr(self) -> list:
        c = (1 + math.cos(math.pi * self.last_epoch / self.T_max)) / 2
        return [self.eta_min + (base - self.eta_min) * c for base in self.base_lrs]
