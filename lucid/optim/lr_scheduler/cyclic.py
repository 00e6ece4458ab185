"""Per-iteration schedules: cosine with warm restarts, cyclical rates, one-cycle and Noam's warm-up.

These compute each rate from the initial rate and the step count (closed
forms), so they are not chainable.
"""

from __future__ import annotations

import math

from lucid.optim._checks import check_int, check_real
from lucid.optim.lr_scheduler._util import (
    check_optimizer,
    init_momentum_cycle,
    object_state,
    per_group,
    restore_object,
    set_momentum,
)
from lucid.optim.lr_scheduler.scheduler import LRScheduler
from lucid.optim.optimizer import Optimizer

__all__ = ["CosineAnnealingWarmRestarts", "CyclicLR", "OneCycleLR", "NoamScheduler"]


class CosineAnnealingWarmRestarts(LRScheduler):
    r"""Cosine annealing with warm restarts (SGDR, Loshchilov and Hutter, 2017).

    .. math::

        \eta_t = \eta_{min} + \tfrac12(\eta_0 - \eta_{min})\Big(1 + \cos\frac{T_{cur}\,\pi}{T_i}\Big)

    where :math:`T_{cur}` counts epochs since the last restart and the period
    :math:`T_i` starts at ``T_0`` and is multiplied by ``T_mult`` at each restart.
    ``step(epoch)`` accepts a fractional epoch (e.g. ``epoch + i / iters`` per batch).

    Args:
        optimizer: the optimizer.
        T_0: epochs until the first restart (>= 1).
        T_mult: growth factor of the period after each restart (int >= 1). Default: 1.
        eta_min: minimum rate. Default: 0.
        last_epoch: the last epoch when resuming. Default: -1.

    Raises:
        ValueError: ``T_0 < 1``, ``T_mult < 1`` or a negative epoch.

    Examples:
        >>> import lucid
        >>> opt = lucid.optim.SGD([lucid.zeros(1, requires_grad=True)], lr=1.0)
        >>> sched = lucid.optim.lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0=2)
        >>> lrs = [sched.get_last_lr()[0]]
        >>> for _ in range(3):
        ...     opt.step(); sched.step(); lrs.append(round(sched.get_last_lr()[0], 6))
        >>> lrs
        [1.0, 0.5, 1.0, 0.5]
    """

    def __init__(self, optimizer: Optimizer, T_0: int, T_mult: int = 1, eta_min: float = 0.0, last_epoch: int = -1):
        check_int(T_0, "T_0", 1)
        check_int(T_mult, "T_mult", 1)
        check_real(eta_min, "eta_min")
        self.T_0 = T_0
        self.T_i = T_0
        self.T_mult = T_mult
        self.eta_min = eta_min
        self.T_cur = last_epoch
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list:
        self._warn_outside_step()
        c = (1 + math.cos(math.pi * self.T_cur / self.T_i)) / 2
        return [self.eta_min + (base - self.eta_min) * c for base in self.base_lrs]

    def step(self, epoch=None) -> None:
        """Advance by one epoch, or set the (possibly fractional) ``epoch``, and update the rates."""
        if epoch is None and self.last_epoch < 0:
            epoch = 0
        if epoch is None:
            epoch = self.last_epoch + 1
            self.T_cur = self.T_cur + 1
            if self.T_cur >= self.T_i:
                self.T_cur = self.T_cur % self.T_i
                self.T_i = self.T_i * self.T_mult
        else:
            if epoch < 0:
                raise ValueError(f"Expected non-negative epoch, but got {epoch}")
            if epoch >= self.T_0:
                if self.T_mult == 1:
                    self.T_cur = epoch % self.T_0
                else:
                    # number of completed periods: T_0 (T_mult^n - 1) / (T_mult - 1) <= epoch
                    n = int(math.log(epoch / self.T_0 * (self.T_mult - 1) + 1, self.T_mult))
                    self.T_cur = epoch - self.T_0 * (self.T_mult ** n - 1) / (self.T_mult - 1)
                    self.T_i = self.T_0 * self.T_mult ** n
            else:
                self.T_i = self.T_0
                self.T_cur = epoch
        self._step_count += 1
        self._update_lr(math.floor(epoch))


class CyclicLR(LRScheduler):
    r"""Cyclical learning rates (Smith, 2017): the rate moves between ``base_lr`` and ``max_lr``.

    With cycle length :math:`S = ` ``step_size_up + step_size_down`` and
    :math:`r = ` ``step_size_up`` / :math:`S`, at iteration :math:`t`:

    .. math::

        c = \lfloor 1 + t / S \rfloor, \qquad x = 1 + t/S - c, \qquad
        h = \begin{cases} x / r & x \le r \\ (x - 1)/(r - 1) & x > r \end{cases} \\
        \eta_t = \eta_{base} + (\eta_{max} - \eta_{base})\, h\, s(\cdot)

    where the scale :math:`s` is 1 (``"triangular"``), :math:`1/2^{c-1}`
    (``"triangular2"``), :math:`\gamma^t` (``"exp_range"``) or ``scale_fn`` of the
    cycle or the iteration (``scale_mode``). With ``cycle_momentum`` the
    momentum (or Adam's :math:`\beta_1`) moves inversely between ``max_momentum``
    and ``base_momentum``. Call ``step()`` after every batch.

    Args:
        optimizer: the optimizer.
        base_lr: lower rate (a float or one per group); the optimizer's rate is set to it.
        max_lr: upper rate (a float or one per group).
        step_size_up: iterations in the rising half of a cycle. Default: 2000.
        step_size_down: iterations in the falling half; defaults to ``step_size_up``.
        mode: ``"triangular"``, ``"triangular2"`` or ``"exp_range"``. Default: "triangular".
        gamma: base of ``"exp_range"``. Default: 1.0.
        scale_fn: custom scale function of one argument (overrides ``mode``). Default: None.
        scale_mode: ``"cycle"`` or ``"iterations"``: what ``scale_fn`` receives. Default: "cycle".
        cycle_momentum: also cycle the momentum. Default: True.
        base_momentum: lower momentum (float or per group). Default: 0.8.
        max_momentum: upper momentum (float or per group). Default: 0.9.
        last_epoch: the last iteration when resuming. Default: -1.

    A custom ``scale_fn`` is code, not state: ``state_dict()`` keeps only the
    attributes of a callable object, and loading keeps this scheduler's function.

    Raises:
        ValueError: an unknown ``mode`` without ``scale_fn``; ``cycle_momentum``
            with an optimizer that has neither ``momentum`` nor ``betas``.

    Examples:
        >>> import lucid
        >>> opt = lucid.optim.SGD([lucid.zeros(1, requires_grad=True)], lr=0.1, momentum=0.9)
        >>> sched = lucid.optim.lr_scheduler.CyclicLR(opt, base_lr=0.0, max_lr=1.0, step_size_up=2)
        >>> lrs = [sched.get_last_lr()[0]]
        >>> for _ in range(4):
        ...     opt.step(); sched.step(); lrs.append(sched.get_last_lr()[0])
        >>> lrs
        [0.0, 0.5, 1.0, 0.5, 0.0]
    """

    _saved_by_hook = ("_scale_fn_custom",)

    def __init__(self, optimizer: Optimizer, base_lr, max_lr, step_size_up: int = 2000,
                 step_size_down: int | None = None, mode: str = "triangular", gamma: float = 1.0,
                 scale_fn=None, scale_mode: str = "cycle", cycle_momentum: bool = True,
                 base_momentum=0.8, max_momentum=0.9, last_epoch: int = -1):
        check_optimizer(optimizer)
        check_int(step_size_up, "step_size_up", 1)
        if step_size_down is not None:
            check_int(step_size_down, "step_size_down", 1)
        if mode not in ("triangular", "triangular2", "exp_range") and scale_fn is None:
            raise ValueError(f"mode must be 'triangular', 'triangular2' or 'exp_range' when scale_fn is None, "
                             f"got {mode!r}")
        if scale_mode not in ("cycle", "iterations"):
            raise ValueError(f"scale_mode must be 'cycle' or 'iterations', got {scale_mode!r}")
        self.optimizer = optimizer
        base_lrs = per_group("base_lr", optimizer, base_lr)
        if last_epoch == -1:
            for lr, group in zip(base_lrs, optimizer.param_groups):
                group["lr"] = lr
        self.max_lrs = per_group("max_lr", optimizer, max_lr)
        up = float(step_size_up)
        down = float(step_size_down) if step_size_down is not None else up
        self.total_size = up + down
        self.step_ratio = up / self.total_size
        self.mode = mode
        self.gamma = gamma
        self._scale_fn_custom = scale_fn
        self.scale_mode = scale_mode
        if scale_fn is None:
            self.scale_mode = "iterations" if mode == "exp_range" else "cycle"
        self.cycle_momentum = cycle_momentum
        if cycle_momentum:
            self.use_beta1, self.base_momentums, self.max_momentums = init_momentum_cycle(
                optimizer, base_momentum, max_momentum, last_epoch)
        super().__init__(optimizer, last_epoch)
        self.base_lrs = base_lrs

    def scale_fn(self, x) -> float:
        """The amplitude scale at ``x`` (the cycle number or the iteration, per ``scale_mode``)."""
        if self._scale_fn_custom is not None:
            return self._scale_fn_custom(x)
        if self.mode == "triangular":
            return 1.0
        if self.mode == "triangular2":
            return 1 / (2.0 ** (x - 1))
        return self.gamma ** x

    def get_lr(self) -> list:
        self._warn_outside_step()
        t = self.last_epoch
        cycle = math.floor(1 + t / self.total_size)
        x = 1.0 + t / self.total_size - cycle
        if x <= self.step_ratio:
            height = x / self.step_ratio
        else:
            height = (x - 1) / (self.step_ratio - 1)
        scale = self.scale_fn(cycle if self.scale_mode == "cycle" else t)
        lrs = [base + (top - base) * height * scale for base, top in zip(self.base_lrs, self.max_lrs)]
        if self.cycle_momentum:
            for group, m_base, m_max in zip(self.optimizer.param_groups, self.base_momentums, self.max_momentums):
                set_momentum(group, m_max - (m_max - m_base) * height * scale, self.use_beta1)
        return lrs

    def _save_attr(self, name: str):
        return object_state(self._scale_fn_custom)

    def _load_attr(self, name: str, saved) -> None:
        restore_object(self._scale_fn_custom, saved)


class OneCycleLR(LRScheduler):
    r"""The 1cycle policy (Smith and Topin, 2018): warm up to ``max_lr``, then anneal far below the start.

    The rate starts at ``max_lr / div_factor``, rises to ``max_lr`` over the
    first ``pct_start`` of ``total_steps`` and then falls to
    ``initial_lr / final_div_factor`` (with ``three_phase``, it first falls back
    to the initial rate, symmetrically, and only then to the minimum). Each
    phase interpolates with ``anneal_strategy``: cosine
    :math:`e + \tfrac12(s - e)(1 + \cos\pi p)` or linear :math:`s + (e - s)p`
    for phase fraction :math:`p`. Momentum (or :math:`\beta_1`) moves inversely.
    Call ``step()`` after every batch, ``total_steps`` times at most.

    Args:
        optimizer: the optimizer.
        max_lr: peak rate (float or one per group).
        total_steps: steps in the cycle; or give ``epochs`` and ``steps_per_epoch``.
        epochs: epochs, when ``total_steps`` is None.
        steps_per_epoch: steps per epoch, when ``total_steps`` is None.
        pct_start: fraction of the cycle spent rising, in [0, 1]. Default: 0.3.
        anneal_strategy: ``"cos"`` or ``"linear"``. Default: "cos".
        cycle_momentum: also cycle the momentum. Default: True.
        base_momentum: momentum at the peak rate. Default: 0.85.
        max_momentum: momentum at the start and end. Default: 0.95.
        div_factor: ``initial_lr = max_lr / div_factor``. Default: 25.
        final_div_factor: ``min_lr = initial_lr / final_div_factor``. Default: 1e4.
        three_phase: use the three-phase schedule of the paper. Default: False.
        last_epoch: the last step when resuming. Default: -1.

    Raises:
        ValueError: no valid ``total_steps`` (or ``epochs`` and
            ``steps_per_epoch``), ``pct_start`` outside [0, 1], an unknown
            ``anneal_strategy``, stepping past ``total_steps``, or
            ``cycle_momentum`` with an optimizer without momentum or betas.

    Examples:
        >>> import lucid
        >>> opt = lucid.optim.SGD([lucid.zeros(1, requires_grad=True)], lr=0.1, momentum=0.9)
        >>> sched = lucid.optim.lr_scheduler.OneCycleLR(opt, max_lr=1.0, total_steps=5, anneal_strategy="linear",
        ...                                             div_factor=4.0, final_div_factor=1.0, pct_start=0.4)
        >>> lrs = [sched.get_last_lr()[0]]
        >>> for _ in range(4):
        ...     opt.step(); sched.step(); lrs.append(round(sched.get_last_lr()[0], 6))
        >>> lrs
        [0.25, 1.0, 0.75, 0.5, 0.25]
    """

    def __init__(self, optimizer: Optimizer, max_lr, total_steps: int | None = None, epochs: int | None = None,
                 steps_per_epoch: int | None = None, pct_start: float = 0.3, anneal_strategy: str = "cos",
                 cycle_momentum: bool = True, base_momentum=0.85, max_momentum=0.95, div_factor: float = 25.0,
                 final_div_factor: float = 1e4, three_phase: bool = False, last_epoch: int = -1):
        check_optimizer(optimizer)
        self.optimizer = optimizer
        if total_steps is not None:
            self.total_steps = int(check_int(total_steps, "total_steps", 1))
        elif epochs is not None and steps_per_epoch is not None:
            self.total_steps = check_int(epochs, "epochs", 1) * check_int(steps_per_epoch, "steps_per_epoch", 1)
        else:
            raise ValueError("You must define either total_steps OR (epochs AND steps_per_epoch)")
        if not 0 <= check_real(pct_start, "pct_start") <= 1:
            raise ValueError(f"Expected float between 0 and 1 pct_start, but got {pct_start!r}")
        if anneal_strategy not in ("cos", "linear"):
            raise ValueError(f"anneal_strategy must be one of 'cos' or 'linear', instead got {anneal_strategy!r}")
        self._anneal = anneal_strategy
        n = self.total_steps
        if three_phase:
            self._phases = [
                (float(pct_start * n) - 1, "initial_lr", "max_lr", "max_momentum", "base_momentum"),
                (float(2 * pct_start * n) - 2, "max_lr", "initial_lr", "base_momentum", "max_momentum"),
                (n - 1, "initial_lr", "min_lr", "max_momentum", "max_momentum"),
            ]
        else:
            self._phases = [
                (float(pct_start * n) - 1, "initial_lr", "max_lr", "max_momentum", "base_momentum"),
                (n - 1, "max_lr", "min_lr", "base_momentum", "max_momentum"),
            ]
        max_lrs = per_group("max_lr", optimizer, max_lr)
        if last_epoch == -1:
            for top, group in zip(max_lrs, optimizer.param_groups):
                group["initial_lr"] = top / div_factor
                group["max_lr"] = top
                group["min_lr"] = group["initial_lr"] / final_div_factor
        self.cycle_momentum = cycle_momentum
        if cycle_momentum:
            self.use_beta1, _, _ = init_momentum_cycle(optimizer, base_momentum, max_momentum, last_epoch)
        super().__init__(optimizer, last_epoch)

    def _interp(self, start: float, end: float, pct: float) -> float:
        if self._anneal == "cos":
            return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1)
        return (end - start) * pct + start

    def get_lr(self) -> list:
        self._warn_outside_step()
        t = self.last_epoch
        if t > self.total_steps:
            raise ValueError(f"Tried to step {t} times. The specified number of total steps is {self.total_steps}")
        lrs = []
        last = len(self._phases) - 1
        for group in self.optimizer.param_groups:
            start = 0.0
            for i, (end, lr_from, lr_to, m_from, m_to) in enumerate(self._phases):
                if t <= end or i == last:
                    pct = (t - start) / (end - start)
                    lrs.append(self._interp(group[lr_from], group[lr_to], pct))
                    if self.cycle_momentum:
                        set_momentum(group, self._interp(group[m_from], group[m_to], pct), self.use_beta1)
                    break
                start = end
        return lrs


class NoamScheduler(LRScheduler):
    r"""The Transformer's warm-up schedule (Vaswani et al., 2017, "Noam").

    .. math::

        \eta_t = \text{factor} \cdot d_{model}^{-1/2} \cdot
            \min\big(t^{-1/2},\ t \cdot \text{warmup\_steps}^{-3/2}\big),
        \qquad t = \max(\text{last\_epoch}, 1)

    The rate rises linearly for ``warmup_steps`` steps and then decays as
    :math:`1/\sqrt t`; it is the same for every group and does not depend on
    the optimizer's own rate. Call ``step()`` after every batch.

    Args:
        optimizer: the optimizer.
        model_size: the model width :math:`d_{model}` (>= 1).
        warmup_steps: steps of linear warm-up (>= 1).
        factor: overall scale. Default: 1.0.
        last_epoch: the last step when resuming. Default: -1.

    Raises:
        ValueError: ``model_size`` or ``warmup_steps`` below 1, or ``factor <= 0``.

    Examples:
        >>> import lucid
        >>> opt = lucid.optim.Adam([lucid.zeros(1, requires_grad=True)], lr=1.0)
        >>> sched = lucid.optim.lr_scheduler.NoamScheduler(opt, model_size=16, warmup_steps=4)
        >>> lrs = [sched.get_last_lr()[0]]
        >>> for _ in range(5):
        ...     opt.step(); sched.step(); lrs.append(sched.get_last_lr()[0])
        >>> lrs
        [0.03125, 0.03125, 0.0625, 0.09375, 0.125, 0.11180339887498948]
    """

    def __init__(self, optimizer: Optimizer, model_size: int, warmup_steps: int, factor: float = 1.0,
                 last_epoch: int = -1):
        check_int(model_size, "model_size", 1)
        check_int(warmup_steps, "warmup_steps", 1)
        if not check_real(factor, "factor") > 0:
            raise ValueError(f"factor must be positive, got {factor}")
        self.model_size = model_size
        self.warmup_steps = warmup_steps
        self.factor = factor
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list:
        self._warn_outside_step()
        # NOTE: step 0 would divide by zero; it uses step 1's rate (as the Annotated Transformer does).
        t = max(self.last_epoch, 1)
        lr = self.factor * self.model_size ** -0.5 * min(t ** -0.5, t * self.warmup_steps ** -1.5)
        return [lr for _ in self.optimizer.param_groups]

    def _closed_form_lr(self) -> list:
        return self.get_lr()

