"""Adaptive per-coordinate step sizes from accumulated squared gradients: ``Adagrad`` and ``Adadelta``."""

from __future__ import annotations

import mlx.core as mx

from lucid._tensor import Tensor
from lucid.optim._checks import check_real
from lucid.optim.optimizer import Optimizer, ParamsT

__all__ = ["Adagrad", "Adadelta"]


class Adagrad(Optimizer):
    r"""Adagrad (Duchi et al., 2011), PyTorch's update rule.

    For each parameter :math:`\theta` with gradient :math:`g_t` (negated when
    ``maximize``) at step :math:`t`, learning-rate decay :math:`\eta`:

    .. math::

        \tilde\gamma &= \frac{\gamma}{1 + (t - 1)\eta} \\
        g_t &\leftarrow g_t + \lambda\theta_{t-1} \qquad (\text{if } \lambda \neq 0) \\
        s_t &\leftarrow s_{t-1} + g_t^2 \\
        \theta_t &\leftarrow \theta_{t-1} - \tilde\gamma \frac{g_t}{\sqrt{s_t} + \epsilon}

    with :math:`s_0` = ``initial_accumulator_value``. State per parameter:
    ``step`` and ``sum`` (:math:`s`), created at the parameter's first update.

    Args:
        params: Tensors to optimize, or parameter-group dicts.
        lr: learning rate :math:`\gamma`. Default: 1e-2.
        lr_decay: learning-rate decay :math:`\eta`. Default: 0.
        weight_decay: L2 penalty :math:`\lambda`. Default: 0.
        initial_accumulator_value: starting value of the sum of squares. Default: 0.
        eps: :math:`\epsilon` added to the denominator. Default: 1e-10.
        maximize: maximize the objective instead of minimizing it. Default: False.

    Raises:
        ValueError: a negative ``lr``, ``lr_decay``, ``weight_decay``,
            ``initial_accumulator_value`` or ``eps``.

    Examples:
        The accumulator starts at ``initial_accumulator_value`` and adds :math:`g^2`:

        >>> import lucid
        >>> w = lucid.tensor([1.0, -2.0], requires_grad=True)
        >>> opt = lucid.optim.Adagrad([w], lr=0.1, initial_accumulator_value=0.5)
        >>> (w * w).sum().backward(); opt.step()
        >>> opt.state[w]["sum"].tolist()
        [4.5, 16.5]
    """

    _nonnegative = ("lr", "lr_decay", "weight_decay", "initial_accumulator_value", "eps")

    def __init__(self, params: ParamsT, lr: float = 1e-2, lr_decay: float = 0.0, weight_decay: float = 0.0,
                 initial_accumulator_value: float = 0.0, eps: float = 1e-10, *, maximize: bool = False):
        super().__init__(params, dict(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                                      initial_accumulator_value=initial_accumulator_value, eps=eps,
                                      maximize=maximize))

    def _init_state(self, p: mx.array, group: dict) -> dict:
        return {"sum": mx.full(p.shape, group["initial_accumulator_value"], dtype=p.dtype)}

    def _advance(self, scalars: dict, group: dict):
        step = scalars["step"] + 1.0
        clr = group["lr"] / (1.0 + (step - 1.0) * group["lr_decay"])
        return {"step": step}, clr

    def _update(self, p: Tensor, g: mx.array, state: dict, group: dict, clr) -> mx.array:
        theta, g = self._weight_decay(p._data, g, group)
        s_t = state["sum"]
        s = s_t._data + mx.square(g)
        s_t._data = s
        return theta - clr * (g / (mx.sqrt(s) + group["eps"]))


class Adadelta(Optimizer):
    r"""Adadelta (Zeiler, 2012), PyTorch's update rule.

    For each parameter :math:`\theta` with gradient :math:`g_t` (negated when
    ``maximize``), decay :math:`\rho`:

    .. math::

        g_t &\leftarrow g_t + \lambda\theta_{t-1} \qquad (\text{if } \lambda \neq 0) \\
        v_t &\leftarrow \rho v_{t-1} + (1 - \rho) g_t^2 \\
        \Delta x_t &= \frac{\sqrt{u_{t-1} + \epsilon}}{\sqrt{v_t + \epsilon}}\, g_t \\
        u_t &\leftarrow \rho u_{t-1} + (1 - \rho) \Delta x_t^2 \\
        \theta_t &\leftarrow \theta_{t-1} - \gamma \Delta x_t

    State per parameter: ``step``, ``square_avg`` (:math:`v`) and ``acc_delta`` (:math:`u`).

    Args:
        params: Tensors to optimize, or parameter-group dicts.
        lr: coefficient :math:`\gamma` that scales the delta. Default: 1.0.
        rho: decay :math:`\rho` of the running averages, in [0, 1]. Default: 0.9.
        eps: :math:`\epsilon` for numerical stability. Default: 1e-6.
        weight_decay: L2 penalty :math:`\lambda`. Default: 0.
        maximize: maximize the objective instead of minimizing it. Default: False.

    Raises:
        ValueError: a negative ``lr``, ``eps`` or ``weight_decay``; ``rho`` outside [0, 1].

    Examples:
        The default ``lr`` of 1.0 rarely needs tuning; the first steps are small:

        >>> import lucid
        >>> w = lucid.tensor([1.0, -2.0], requires_grad=True)
        >>> opt = lucid.optim.Adadelta([w])
        >>> (w * w).sum().backward(); opt.step()
        >>> opt.defaults["lr"], [round(v, 4) for v in w.tolist()]
        (1.0, [0.9968, -1.9968])
    """

    _nonnegative = ("lr", "eps", "weight_decay")

    def __init__(self, params: ParamsT, lr: float = 1.0, rho: float = 0.9, eps: float = 1e-6,
                 weight_decay: float = 0.0, *, maximize: bool = False):
        super().__init__(params, dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=maximize))

    def _validate(self, group: dict) -> None:
        super()._validate(group)
        rho = check_real(group["rho"], "rho")
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Invalid rho value: {rho} (rho must be in [0, 1])")

    def _init_state(self, p: mx.array, group: dict) -> dict:
        return {"square_avg": mx.zeros_like(p), "acc_delta": mx.zeros_like(p)}

    def _update(self, p: Tensor, g: mx.array, state: dict, group: dict, factors) -> mx.array:
        theta, g = self._weight_decay(p._data, g, group)
        rho, eps = group["rho"], group["eps"]
        v_t, u_t = state["square_avg"], state["acc_delta"]
        v = rho * v_t._data + (1.0 - rho) * mx.square(g)
        delta = mx.sqrt(u_t._data + eps) / mx.sqrt(v + eps) * g
        u = rho * u_t._data + (1.0 - rho) * mx.square(delta)
        v_t._data = v
        u_t._data = u
        return theta - group["lr"] * delta
