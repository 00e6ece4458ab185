"""Averaged stochastic gradient descent."""

from __future__ import annotations

import mlx.core as mx

from lucid._tensor import Tensor
from lucid.optim._checks import check_real
from lucid.optim.optimizer import Optimizer, ParamsT

__all__ = ["ASGD"]


class ASGD(Optimizer):
    r"""Averaged SGD (Polyak and Juditsky, 1992), PyTorch's update rule.

    With decay term :math:`\lambda` (``lambd``), power :math:`\alpha`, averaging
    start :math:`t_0`, and :math:`\eta_1 = \gamma`, :math:`\mu_1 = 1`, at step :math:`t`:

    .. math::

        g_t &\leftarrow g_t + \lambda_w\theta_{t-1} \qquad (\text{weight decay } \lambda_w \neq 0) \\
        \theta_t &\leftarrow \theta_{t-1}(1 - \lambda\eta_t) - \eta_t g_t \\
        \bar\theta_t &\leftarrow \begin{cases} \theta_t & \mu_t = 1 \\
            \bar\theta_{t-1} + \mu_t(\theta_t - \bar\theta_{t-1}) & \text{otherwise} \end{cases} \\
        \eta_{t+1} &= \frac{\gamma}{(1 + \lambda\gamma t)^\alpha}, \qquad
        \mu_{t+1} = \frac{1}{\max(1, t - t_0)}

    The average :math:`\bar\theta` is kept in the state as ``ax``; the other
    entries are ``step``, ``eta`` and ``mu`` (0-d arrays).

    Args:
        params: Tensors to optimize, or parameter-group dicts.
        lr: learning rate :math:`\gamma`. Default: 1e-2.
        lambd: decay term :math:`\lambda`. Default: 1e-4.
        alpha: power :math:`\alpha` of the eta update. Default: 0.75.
        t0: step at which averaging starts. Default: 1e6.
        weight_decay: L2 penalty :math:`\lambda_w`. Default: 0.
        maximize: maximize the objective instead of minimizing it. Default: False.

    Raises:
        ValueError: a negative ``lr`` or ``weight_decay``.

    Examples:
        Once averaging has started (after step ``t0``), ``ax`` is the mean of the
        iterates since; here of the last two, 0.64 and 0.512:

        >>> import lucid
        >>> w = lucid.tensor([1.0, -2.0], requires_grad=True)
        >>> opt = lucid.optim.ASGD([w], lr=0.1, lambd=0.0, t0=0)
        >>> for _ in range(3):
        ...     opt.zero_grad(); (w * w).sum().backward(); opt.step()
        >>> [round(v, 4) for v in w.tolist()], [round(v, 4) for v in opt.state[w]["ax"].tolist()]
        ([0.512, -1.024], [0.576, -1.152])
    """

    _scalar_keys = ("step", "eta", "mu")
    _nonnegative = ("lr", "weight_decay")

    def __init__(self, params: ParamsT, lr: float = 1e-2, lambd: float = 1e-4, alpha: float = 0.75, t0: float = 1e6,
                 weight_decay: float = 0.0, *, maximize: bool = False):
        super().__init__(params, dict(lr=lr, lambd=lambd, alpha=alpha, t0=t0, weight_decay=weight_decay,
                                      maximize=maximize))

    def _validate(self, group: dict) -> None:
        super()._validate(group)
        for key in ("lambd", "alpha", "t0"):
            check_real(group[key], key)

    def _init_scalars(self, group: dict) -> dict:
        return {"step": mx.array(0.0, dtype=mx.float32), "eta": mx.array(group["lr"], dtype=mx.float32),
                "mu": mx.array(1.0, dtype=mx.float32)}

    def _init_state(self, p: mx.array, group: dict) -> dict:
        return {"ax": mx.zeros_like(p)}

    def _advance(self, scalars: dict, group: dict):
        step = scalars["step"] + 1.0
        lr, lambd = group["lr"], group["lambd"]
        eta = lr / (1.0 + lambd * lr * step) ** group["alpha"]
        mu = 1.0 / mx.maximum(step - group["t0"], 1.0)
        # this step uses the previous eta and mu; the new ones serve the next step
        return {"step": step, "eta": eta, "mu": mu}, (scalars["eta"], scalars["mu"])

    def _update(self, p: Tensor, g: mx.array, state: dict, group: dict, factors) -> mx.array:
        eta, mu = factors
        theta, g = self._weight_decay(p._data, g, group)
        theta = theta * (1.0 - group["lambd"] * eta) - eta * g
        ax_t = state["ax"]
        ax = ax_t._data
        # NOTE: while mu == 1 the average is a copy of the parameter (PyTorch's rule), not ax + (p - ax).
        ax_t._data = mx.where(mu == 1.0, theta, ax + (theta - ax) * mu)
        return theta
