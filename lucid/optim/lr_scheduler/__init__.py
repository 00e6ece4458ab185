"""Learning-rate schedulers: ``lucid.optim.lr_scheduler``, PyTorch's schedules and Noam's warm-up.

A scheduler rewrites ``lr`` (a Python float) in its optimizer's parameter
groups; call its ``step()`` after ``optimizer.step()``. ``ReduceLROnPlateau``
takes the monitored metric in ``step(metric)``.

Examples:
    >>> import lucid
    >>> from lucid.optim import lr_scheduler
    >>> opt = lucid.optim.SGD([lucid.zeros(1, requires_grad=True)], lr=1.0)
    >>> sched = lr_scheduler.ExponentialLR(opt, gamma=0.9)
    >>> opt.step(); sched.step(); sched.get_last_lr()
    [0.9]
"""

from lucid.optim.lr_scheduler.cyclic import CosineAnnealingWarmRestarts, CyclicLR, NoamScheduler, OneCycleLR
from lucid.optim.lr_scheduler.decay import (
    ConstantLR,
    CosineAnnealingLR,
    ExponentialLR,
    LinearLR,
    MultiStepLR,
    PolynomialLR,
    StepLR,
)
from lucid.optim.lr_scheduler.plateau import ReduceLROnPlateau
from lucid.optim.lr_scheduler.scheduler import (
    ChainedScheduler,
    LambdaLR,
    LRScheduler,
    MultiplicativeLR,
    SequentialLR,
)

__all__ = [
    "LRScheduler", "LambdaLR", "MultiplicativeLR", "StepLR", "MultiStepLR", "ConstantLR", "LinearLR",
    "ExponentialLR", "PolynomialLR", "CosineAnnealingLR", "SequentialLR", "ChainedScheduler",
    "CosineAnnealingWarmRestarts", "CyclicLR", "OneCycleLR", "NoamScheduler", "ReduceLROnPlateau",
]
