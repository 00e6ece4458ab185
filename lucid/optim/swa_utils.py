r"""Stochastic weight averaging and exponential moving averages of a model's weights.

``AveragedModel`` keeps a copy of a model whose parameters are a running
average (equal weights, SWA; or exponential, EMA) of the model's parameters at
the times ``update_parameters`` is called; ``SWALR`` anneals the learning rate
to a constant SWA rate; ``update_bn`` recomputes BatchNorm statistics for the
averaged weights. PyTorch's ``torch.optim.swa_utils`` names and semantics.

Laziness: ``update_parameters`` only records MLX operations (the first update
copies the model with a lazy ``where`` on ``n_averaged``, not a host test); the
new averages are registered with the next batched evaluation (the end of
``Optimizer.step``, ``lucid.eval``), so they never build up a graph over many
updates. ``SWALR`` computes Python floats only.

Examples:
    >>> import lucid
    >>> from lucid.optim.swa_utils import AveragedModel
    >>> model = lucid.nn.Linear(1, 1, bias=False)
    >>> swa = AveragedModel(model)
    >>> for value in (1.0, 2.0, 6.0):
    ...     model.weight.data = lucid.tensor([[value]])
    ...     swa.update_parameters(model)
    >>> swa.module.weight.item(), swa.n_averaged.item()
    (3.0, 3)
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Iterable

import mlx.core as mx

from lucid._backend.dtypes import int64
from lucid._backend.evaluation import defer_eval, eval_arrays
from lucid._tensor import Tensor
from lucid.autograd.grad_mode import no_grad
from lucid.nn.module import Module
from lucid.nn.modules.normalization import _BatchNorm
from lucid.ops import creation
from lucid.optim._checks import check_int, check_real
from lucid.optim.lr_scheduler._util import check_optimizer, per_group
from lucid.optim.lr_scheduler.scheduler import LRScheduler
from lucid.optim.optimizer import Optimizer

__all__ = ["AveragedModel", "SWALR", "update_bn", "get_ema_multi_avg_fn", "get_swa_multi_avg_fn",
           "get_ema_avg_fn", "get_swa_avg_fn"]


def _check_decay(decay) -> float:
    check_real(decay, "decay")
    if not 0.0 <= decay <= 1.0:
        raise ValueError(f"Invalid decay value {decay} provided. Please provide a value in [0, 1] range.")
    return decay


def _set(t: Tensor, arr: mx.array) -> None:
    t._data = arr.astype(t._data.dtype) if arr.dtype != t._data.dtype else arr
    t._version += 1


def get_ema_multi_avg_fn(decay: float = 0.999) -> Callable:
    r"""An ``AveragedModel`` ``multi_avg_fn`` for the exponential moving average.

    It updates every averaged tensor in place:
    :math:`\bar\theta \leftarrow \bar\theta + (1 - \text{decay})(\theta - \bar\theta)`.

    Args:
        decay: weight of the old average, in [0, 1]. Default: 0.999.

    Raises:
        ValueError: ``decay`` outside [0, 1].

    Examples:
        >>> import lucid
        >>> from lucid.optim.swa_utils import get_ema_multi_avg_fn
        >>> avg, new = [lucid.tensor([0.0])], [lucid.tensor([10.0])]
        >>> get_ema_multi_avg_fn(0.9)(avg, new, lucid.tensor(1))
        >>> avg[0].tolist()
        [1.0]
    """
    decay = _check_decay(decay)

    def ema_update(ema_param_list: list, current_param_list: list, num_averaged) -> None:
        for avg, cur in zip(ema_param_list, current_param_list):
            a = avg._data
            _set(avg, a + (1.0 - decay) * (cur._data.astype(a.dtype) - a))

    return ema_update


def get_swa_multi_avg_fn() -> Callable:
    r"""An ``AveragedModel`` ``multi_avg_fn`` for the equal-weight (SWA) average.

    With :math:`n` models averaged so far, it updates every averaged tensor in
    place: :math:`\bar\theta \leftarrow \bar\theta + (\theta - \bar\theta) / (n + 1)`.

    Examples:
        >>> import lucid
        >>> from lucid.optim.swa_utils import get_swa_multi_avg_fn
        >>> avg, new = [lucid.tensor([2.0])], [lucid.tensor([5.0])]
        >>> get_swa_multi_avg_fn()(avg, new, lucid.tensor(2))
        >>> avg[0].tolist()
        [3.0]
    """

    def swa_update(averaged_param_list: list, current_param_list: list, num_averaged) -> None:
        n = num_averaged._data if isinstance(num_averaged, Tensor) else mx.array(num_averaged)
        for avg, cur in zip(averaged_param_list, current_param_list):
            a = avg._data
            wide = a.dtype if mx.issubdtype(a.dtype, mx.floating) else mx.float32
            a_f = a.astype(wide)
            _set(avg, a_f + (cur._data.astype(wide) - a_f) / (n.astype(wide) + 1))

    return swa_update


def get_ema_avg_fn(decay: float = 0.999) -> Callable:
    r"""An ``AveragedModel`` ``avg_fn`` for the exponential moving average, one tensor at a time.

    ``avg_fn(averaged, current, num_averaged)`` returns
    :math:`\text{decay}\,\bar\theta + (1 - \text{decay})\,\theta`. ``decay`` and its
    errors are as in :func:`get_ema_multi_avg_fn`.

    Examples:
        >>> import lucid
        >>> from lucid.optim.swa_utils import get_ema_avg_fn
        >>> get_ema_avg_fn(0.5)(lucid.tensor([0.0]), lucid.tensor([4.0]), lucid.tensor(3)).tolist()
        [2.0]
    """
    decay = _check_decay(decay)

    def ema_update(ema_param: Tensor, current_param: Tensor, num_averaged) -> Tensor:
        return decay * ema_param + (1 - decay) * current_param

    return ema_update


def get_swa_avg_fn() -> Callable:
    r"""An ``AveragedModel`` ``avg_fn`` for the equal-weight (SWA) average, one tensor at a time.

    ``avg_fn(averaged, current, num_averaged)`` returns
    :math:`\bar\theta + (\theta - \bar\theta) / (n + 1)`.

    Examples:
        >>> import lucid
        >>> from lucid.optim.swa_utils import get_swa_avg_fn
        >>> get_swa_avg_fn()(lucid.tensor([1.0]), lucid.tensor([4.0]), lucid.tensor(2)).tolist()
        [2.0]
    """

    def swa_update(averaged_param: Tensor, current_param: Tensor, num_averaged) -> Tensor:
        return averaged_param + (current_param - averaged_param) / (num_averaged + 1)

    return swa_update


class AveragedModel(Module):
    r"""A copy of ``model`` whose parameters average the model's over the calls of ``update_parameters``.

    By default the average has equal weights (stochastic weight averaging,
    Izmailov et al., 2018): after :math:`k` updates each parameter is the mean
    of the :math:`k` snapshots. ``avg_fn`` (one tensor at a time) or
    ``multi_avg_fn`` (lists of tensors, updated in place) choose another rule,
    e.g. ``get_ema_multi_avg_fn(0.999)`` for an exponential moving average.
    The first update copies the model; later ones apply the rule with the
    number of models averaged so far, ``n_averaged`` (an int64 buffer, saved
    in ``state_dict``).

    ``forward`` calls the averaged copy (``self.module``). Buffers (e.g.
    BatchNorm statistics) are copied from the model at each update, or
    averaged too with ``use_buffers=True``; for BatchNorm the usual choice is
    to copy and then recompute them with :func:`update_bn`.

    Laziness: an update records MLX operations only, and registers the new
    averages with the next batched evaluation (``Optimizer.step``,
    ``lucid.eval``); it never reads a value on the host.

    Args:
        model: the module to average (deep-copied).
        device: move the copy to this device. Default: the model's.
        avg_fn: ``avg_fn(averaged, current, num_averaged) -> Tensor``.
        multi_avg_fn: ``multi_avg_fn(averaged_list, current_list, num_averaged)``,
            updating the tensors of ``averaged_list`` in place.
        use_buffers: average the buffers as well (instead of copying them),
            together with the parameters. Default: False.

    Raises:
        TypeError: ``model`` is not a Module, or a function is not callable.
        ValueError: both ``avg_fn`` and ``multi_avg_fn`` are given.

    Examples:
        An exponential moving average of the weights (decay 0.5):

        >>> import lucid
        >>> from lucid.optim.swa_utils import AveragedModel, get_ema_multi_avg_fn
        >>> model = lucid.nn.Linear(1, 1, bias=False)
        >>> ema = AveragedModel(model, multi_avg_fn=get_ema_multi_avg_fn(0.5))
        >>> for value in (4.0, 8.0, 0.0):
        ...     model.weight.data = lucid.tensor([[value]])
        ...     ema.update_parameters(model)
        >>> ema.module.weight.item()
        3.0
        >>> ema(lucid.tensor([[2.0]])).item()
        6.0
    """

    def __init__(self, model: Module, device=None, avg_fn: Callable | None = None,
                 multi_avg_fn: Callable | None = None, use_buffers: bool = False):
        super().__init__()
        if not isinstance(model, Module):
            raise TypeError(f"AveragedModel expects a lucid.nn.Module, got {type(model).__name__}")
        if avg_fn is not None and multi_avg_fn is not None:
            raise ValueError("AveragedModel: pass either avg_fn or multi_avg_fn, not both")
        for fn, name in ((avg_fn, "avg_fn"), (multi_avg_fn, "multi_avg_fn")):
            if fn is not None and not callable(fn):
                raise TypeError(f"AveragedModel: {name} must be callable, got {type(fn).__name__}")
        if not isinstance(use_buffers, bool):
            raise TypeError(f"AveragedModel: use_buffers must be a bool, got {type(use_buffers).__name__}")
        self.module = copy.deepcopy(model)
        if device is not None:
            self.module = self.module.to(device)
        self.register_buffer("n_averaged", creation.tensor(0, dtype=int64, device=device))
        self.avg_fn = avg_fn
        self.multi_avg_fn = multi_avg_fn
        self.use_buffers = use_buffers

    def forward(self, *args, **kwargs):
        return self.module(*args, **kwargs)

    def _averaged(self, module: Module) -> list:
        tensors = list(module.parameters())
        if self.use_buffers:
            tensors += list(module.buffers())
        return tensors

    def update_parameters(self, model: Module) -> None:
        """Fold ``model``'s current parameters (and buffers, with ``use_buffers``) into the average.

        Args:
            model: a module with the same parameters as the averaged one (in
                the same order and shapes), usually the model being trained.

        Raises:
            TypeError: ``model`` is not a Module.
            ValueError: its parameters do not match the averaged copy's.

        Examples:
            >>> import lucid
            >>> from lucid.optim.swa_utils import AveragedModel
            >>> model = lucid.nn.Linear(2, 1)
            >>> swa = AveragedModel(model)
            >>> swa.update_parameters(model); swa.n_averaged.item()
            1
        """
        if not isinstance(model, Module):
            raise TypeError(f"update_parameters expects a lucid.nn.Module, got {type(model).__name__}")
        mine = self._averaged(self.module)
        theirs = self._averaged(model)
        if len(mine) != len(theirs):
            raise ValueError(f"update_parameters: the model has {len(theirs)} tensors to average, but the averaged "
                             f"copy has {len(mine)}; pass the model this AveragedModel was made from")
        for i, (a, b) in enumerate(zip(mine, theirs)):
            if tuple(a.shape) != tuple(b.shape):
                raise ValueError(f"update_parameters: tensor {i} has shape {tuple(b.shape)} in the model, but "
                                 f"{tuple(a.shape)} in the averaged copy")
        n = self.n_averaged
        first = n._data == 0
        current = [b._data.astype(a._data.dtype) if b._data.dtype != a._data.dtype else b._data
                   for a, b in zip(mine, theirs)]
        views = [Tensor._make(a._data, a._device) for a in mine]
        others = [Tensor._make(c, b._device) for c, b in zip(current, theirs)]
        count = Tensor._make(n._data, n._device)
        with no_grad():
            if self.avg_fn is not None:
                new = []
                for view, other in zip(views, others):
                    out = self.avg_fn(view, other, count)
                    if not isinstance(out, Tensor):
                        raise TypeError(f"avg_fn must return a Tensor, got {type(out).__name__}")
                    new.append(out._data)
            else:
                fn = self.multi_avg_fn if self.multi_avg_fn is not None else get_swa_multi_avg_fn()
                fn(views, others, count)
                new = [v._data for v in views]
        for a, c, arr in zip(mine, current, new):
            # NOTE: the first update copies the model; a lazy where, not a host test of n_averaged.
            _set(a, mx.where(first, c, arr.astype(a._data.dtype)))
            defer_eval(a)
        if not self.use_buffers:
            for a, b in zip(self.module.buffers(), model.buffers()):
                _set(a, b._data)
        n._data = n._data + 1
        n._version += 1
        defer_eval(n)


class SWALR(LRScheduler):
    r"""Anneal each group's learning rate to a constant ``swa_lr`` over ``anneal_epochs`` steps, then hold it.

    With :math:`\eta_0` the rate when the scheduler is created and :math:`k`
    the number of ``step()`` calls so far,

    .. math::

        \eta_k = \alpha_k\, \eta_{\text{swa}} + (1 - \alpha_k)\, \eta_0, \qquad
        \alpha_k = a\!\left(\min\!\left(1, \frac{k}{\max(1, \text{anneal\_epochs})}\right)\right)

    with :math:`a(t) = (1 - \cos \pi t) / 2` (``"cos"``) or :math:`a(t) = t`
    (``"linear"``); with ``anneal_epochs=0`` the rate is ``swa_lr`` from the
    start. As in PyTorch the rule is chainable: each step recovers
    :math:`\eta_0` from the current rate, so other schedulers may act on the
    optimizer before SWA starts.

    Args:
        optimizer: the optimizer whose rates are annealed.
        swa_lr: the final rate, one for all groups or a list with one per group.
        anneal_epochs: number of steps of the annealing. Default: 10.
        anneal_strategy: ``"cos"`` or ``"linear"``. Default: ``"cos"``.
        last_epoch: index of the last epoch when resuming. Default: -1.

    Raises:
        TypeError: ``optimizer`` is not an Optimizer; ``anneal_epochs`` is not
            an int; ``swa_lr`` is not a number.
        ValueError: a negative ``anneal_epochs`` or ``swa_lr``, an unknown
            ``anneal_strategy``, or a ``swa_lr`` list of the wrong length.

    Examples:
        >>> import lucid
        >>> from lucid.optim.swa_utils import SWALR
        >>> opt = lucid.optim.SGD([lucid.zeros(1, requires_grad=True)], lr=1.0)
        >>> sched = SWALR(opt, swa_lr=0.2, anneal_epochs=2, anneal_strategy="linear")
        >>> lrs = []
        >>> for _ in range(3):
        ...     opt.step(); sched.step(); lrs.append(round(sched.get_last_lr()[0], 4))
        >>> lrs
        [0.6, 0.2, 0.2]
    """

    def __init__(self, optimizer: Optimizer, swa_lr, anneal_epochs: int = 10, anneal_strategy: str = "cos",
                 last_epoch: int = -1):
        check_optimizer(optimizer)
        swa_lrs = per_group("swa_lr", optimizer, swa_lr)
        for value in swa_lrs:
            if not check_real(value, "swa_lr") >= 0:
                raise ValueError(f"Invalid swa_lr: {value} (swa_lr must be >= 0)")
        if anneal_strategy not in ("cos", "linear"):
            raise ValueError(f"anneal_strategy must be one of 'cos' or 'linear', got {anneal_strategy!r}")
        check_int(anneal_epochs, "anneal_epochs", 0)
        for group, value in zip(optimizer.param_groups, swa_lrs):
            group["swa_lr"] = value
        self.anneal_strategy = anneal_strategy
        self.anneal_epochs = anneal_epochs
        super().__init__(optimizer, last_epoch)

    def anneal_func(self, t: float) -> float:
        """The annealing fraction :math:`a(t)` for progress ``t`` in [0, 1]."""
        if self.anneal_strategy == "linear":
            return t
        return (1.0 - math.cos(math.pi * t)) / 2.0

    def get_lr(self) -> list:
        self._warn_outside_step()
        step = self._step_count - 1
        if self.anneal_epochs == 0:
            step = max(1, step)
        span = max(1, self.anneal_epochs)
        prev_alpha = self.anneal_func(max(0.0, min(1.0, (step - 1) / span)))
        alpha = self.anneal_func(max(0.0, min(1.0, step / span)))
        out = []
        for group in self.optimizer.param_groups:
            lr, swa_lr = group["lr"], group["swa_lr"]
            # The rate before annealing, recovered from the current one (chainable form).
            start = swa_lr if prev_alpha == 1 else (lr - prev_alpha * swa_lr) / (1 - prev_alpha)
            out.append(swa_lr * alpha + start * (1 - alpha))
        return out


def update_bn(loader: Iterable, model: Module, device=None) -> None:
    """Recompute the running statistics of every BatchNorm layer of ``model`` over one pass of ``loader``.

    Each BatchNorm's statistics are reset and accumulated as a cumulative
    average (``momentum=None``) of the batches' means and unbiased variances,
    the model in training mode and without gradients; the layers' momenta and
    the model's training mode are restored afterwards (also after an error).
    Use it after stochastic weight averaging, whose averaged weights never saw
    the statistics the model's running averages were built from.

    A batch from ``loader`` is a Tensor, or a list or tuple whose first
    element is the input. This is a sync point: the statistics are evaluated
    after each batch, so memory does not grow with the loader. A model without
    BatchNorm layers is left alone.

    Args:
        loader: an iterable of batches (e.g. a ``lucid.data.DataLoader``).
        model: the model (e.g. an ``AveragedModel``).
        device: move each input to this device first. Default: leave it.

    Raises:
        TypeError: ``model`` is not a Module.

    Examples:
        With one batch, the running statistics are that batch's mean and
        unbiased variance:

        >>> import lucid
        >>> from lucid.optim.swa_utils import update_bn
        >>> bn = lucid.nn.BatchNorm1d(1)
        >>> update_bn([lucid.tensor([[1.0], [2.0], [6.0]])], bn)
        >>> round(bn.running_mean.item(), 4), round(bn.running_var.item(), 4), bn.training
        (3.0, 7.0, True)
    """
    if not isinstance(model, Module):
        raise TypeError(f"update_bn expects a lucid.nn.Module, got {type(model).__name__}")
    momenta = {}
    for module in model.modules():
        if isinstance(module, _BatchNorm) and module.track_running_stats:
            module.reset_running_stats()
            momenta[module] = module.momentum
    if not momenta:
        return
    was_training = model.training
    model.train()
    for module in momenta:
        module.momentum = None
    try:
        with no_grad():
            for batch in loader:
                if isinstance(batch, (list, tuple)):
                    batch = batch[0]
                if device is not None:
                    batch = batch.to(device)
                model(batch)
                eval_arrays([])  # the statistics the forward deferred
    finally:
        for module, momentum in momenta.items():
            module.momentum = momentum
        model.train(was_training)
