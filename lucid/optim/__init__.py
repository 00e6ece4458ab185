"""Optimizers (``lucid.optim``) and learning-rate schedulers (``lucid.optim.lr_scheduler``).

Every optimizer follows PyTorch's published update rule and interface
(``param_groups``, ``state``, ``zero_grad``, ``step(closure)``,
``state_dict``/``load_state_dict``), records its updates lazily and evaluates
all parameters and state in one batched evaluation per step.

Examples:
    >>> import lucid
    >>> w = lucid.tensor([2.0], requires_grad=True)
    >>> opt = lucid.optim.Adam([w], lr=0.1)
    >>> sched = lucid.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
    >>> (w * w).sum().backward(); opt.step(); sched.step()
    >>> opt.param_groups[0]["lr"]
    0.05
"""

from lucid.optim import lr_scheduler, swa_utils
from lucid.optim.adagrad import Adadelta, Adagrad
from lucid.optim.adam import Adam, Adamax, AdamW, NAdam, RAdam
from lucid.optim.asgd import ASGD
from lucid.optim.lbfgs import LBFGS
from lucid.optim.optimizer import Optimizer
from lucid.optim.rmsprop import RMSprop
from lucid.optim.rprop import Rprop
from lucid.optim.sgd import SGD
from lucid.optim.sparse_adam import SparseAdam

__all__ = [
    "Optimizer", "SGD", "Adam", "AdamW", "Adamax", "NAdam", "RAdam", "RMSprop", "Adagrad", "Adadelta",
    "Rprop", "ASGD", "LBFGS", "SparseAdam", "lr_scheduler", "swa_utils",
]
