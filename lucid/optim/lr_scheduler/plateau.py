"""``ReduceLROnPlateau``: lower the rate when a monitored metric stops improving."""

from __future__ import annotations

import math
import numbers
import warnings

import mlx.core as mx
import numpy as np

from lucid._tensor import Tensor
from lucid.optim._checks import check_int, check_real
from lucid.optim.lr_scheduler._util import EPOCH_WARNING, check_optimizer
from lucid.optim.lr_scheduler.scheduler import LRScheduler
from lucid.optim.optimizer import Optimizer

__all__ = ["ReduceLROnPlateau"]


def _metric(value) -> float:
    """The metric as a Python float; a one-element Tensor or array is read to the host (a sync point)."""
    if isinstance(value, bool):
        raise TypeError("the metric must be a number or a one-element tensor, got a bool")
    if isinstance(value, numbers.Real):
        return float(value)
    if isinstance(value, (Tensor, mx.array, np.ndarray)):
        n = value.numel() if isinstance(value, Tensor) else value.size
        if n != 1:
            raise ValueError(f"the metric must be a single number, got a tensor of shape {tuple(value.shape)}")
        return float(value.item())
    raise TypeError(f"the metric must be a number or a one-element tensor, got {type(value).__name__}")


class ReduceLROnPlateau(LRScheduler):
    """Multiply the rate by ``factor`` when a metric has not improved for ``patience`` epochs.

    ``step(metric)`` is called once per epoch with the monitored value (e.g.
    the validation loss). A value counts as an improvement when it beats the
    best so far by more than ``threshold`` (relative or absolute). After more
    than ``patience`` epochs without improvement every group's rate becomes
    ``max(lr * factor, min_lr)`` (changes smaller than ``eps`` are skipped),
    followed by ``cooldown`` epochs in which bad epochs are not counted.

    ``step`` is a sync point when the metric is a Tensor: its value is read to
    the host (``item()``), which evaluates the pending MLX graph.

    Args:
        optimizer: the optimizer.
        mode: ``"min"`` (lower is better) or ``"max"``. Default: "min".
        factor: multiplier of the rate, < 1. Default: 0.1.
        patience: bad epochs tolerated before reducing. Default: 10.
        threshold: the improvement needed to count. Default: 1e-4.
        threshold_mode: ``"rel"`` (best * (1 -/+ threshold)) or ``"abs"`` (best -/+ threshold). Default: "rel".
        cooldown: epochs to wait after a reduction. Default: 0.
        min_lr: lower bound of the rate (float or one per group). Default: 0.
        eps: smallest change of the rate that is applied. Default: 1e-8.

    Raises:
        ValueError: ``factor >= 1``, an unknown ``mode`` or ``threshold_mode``,
            or ``min_lr`` of the wrong length.

    Examples:
        >>> import lucid
        >>> opt = lucid.optim.SGD([lucid.zeros(1, requires_grad=True)], lr=1.0)
        >>> sched = lucid.optim.lr_scheduler.ReduceLROnPlateau(opt, patience=1, factor=0.5)
        >>> for loss in [1.0, 0.9, 0.95, 0.95, 0.95]:
        ...     opt.step(); sched.step(lucid.tensor(loss))
        >>> sched.get_last_lr()
        [0.5]
    """

    def __init__(self, optimizer: Optimizer, mode: str = "min", factor: float = 0.1, patience: int = 10,
                 threshold: float = 1e-4, threshold_mode: str = "rel", cooldown: int = 0, min_lr=0.0,
                 eps: float = 1e-8):
        check_optimizer(optimizer)
        if check_real(factor, "factor") >= 1.0:
            raise ValueError(f"Factor should be < 1.0, got {factor}")
        check_int(patience, "patience", 0)
        check_int(cooldown, "cooldown", 0)
        self.factor = factor
        self.optimizer = optimizer
        n = len(optimizer.param_groups)
        if isinstance(min_lr, (list, tuple)):
            if len(min_lr) != n:
                raise ValueError(f"expected {n} min_lrs, got {len(min_lr)}")
            self.default_min_lr = None
            self.min_lrs = list(min_lr)
        else:
            self.default_min_lr = min_lr
            self.min_lrs = [min_lr] * n
        self.patience = patience
        self.cooldown = cooldown
        self.eps = eps
        self.last_epoch = 0
        self._last_lr = self._group_lrs()
        self._init_is_better(mode, threshold, threshold_mode)
        self._reset()

    def _reset(self) -> None:
        self.best = self.mode_worse
        self.cooldown_counter = 0
        self.num_bad_epochs = 0

    def _init_is_better(self, mode: str, threshold: float, threshold_mode: str) -> None:
        if mode not in ("min", "max"):
            raise ValueError(f"mode {mode!r} is unknown; expected 'min' or 'max'")
        if threshold_mode not in ("rel", "abs"):
            raise ValueError(f"threshold mode {threshold_mode!r} is unknown; expected 'rel' or 'abs'")
        self.mode_worse = math.inf if mode == "min" else -math.inf
        self.mode = mode
        self.threshold = threshold
        self.threshold_mode = threshold_mode

    def is_better(self, a: float, best: float) -> bool:
        """Whether ``a`` improves on ``best`` by more than the threshold."""
        if self.mode == "min":
            return a < (best * (1.0 - self.threshold) if self.threshold_mode == "rel" else best - self.threshold)
        return a > (best * (1.0 + self.threshold) if self.threshold_mode == "rel" else best + self.threshold)

    @property
    def in_cooldown(self) -> bool:
        return self.cooldown_counter > 0

    def step(self, metrics, epoch=None) -> None:
        """Record this epoch's ``metrics`` (a number or a one-element Tensor; a Tensor is a sync point)."""
        current = _metric(metrics)
        if epoch is None:
            epoch = self.last_epoch + 1
        else:
            warnings.warn(EPOCH_WARNING, UserWarning, stacklevel=2)
        self.last_epoch = epoch
        # NOTE: NaN never improves on the best, so NaN epochs count as bad ones.
        if self.is_better(current, self.best):
            self.best = current
            self.num_bad_epochs = 0
        else:
            self.num_bad_epochs += 1
        if self.in_cooldown:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0
        if self.num_bad_epochs > self.patience:
            self._reduce_lr()
            self.cooldown_counter = self.cooldown
            self.num_bad_epochs = 0
        self._last_lr = self._group_lrs()

    def _reduce_lr(self) -> None:
        groups = self.optimizer.param_groups
        if len(groups) != len(self.min_lrs):
            if self.default_min_lr is None:
                raise RuntimeError(f"the optimizer has {len(groups)} parameter groups but ReduceLROnPlateau was "
                                   f"given {len(self.min_lrs)} min_lrs (was a group added?); update min_lrs")
            self.min_lrs = [self.default_min_lr] * len(groups)
        for group, low in zip(groups, self.min_lrs):
            old = float(group["lr"])
            new = max(old * self.factor, low)
            if old - new > self.eps:
                group["lr"] = new

    def get_lr(self) -> list:
        return self._group_lrs()

    def load_state_dict(self, state_dict: dict) -> None:
        """Restore the state returned by ``state_dict()``."""
        super().load_state_dict(state_dict)
        self._init_is_better(self.mode, self.threshold, self.threshold_mode)
