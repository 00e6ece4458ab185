"""Stochastic gradient descent, with optional momentum, Nesterov momentum and weight decay."""

from __future__ import annotations

import mlx.core as mx

from lucid._tensor import Tensor
from lucid.optim._checks import check_real
from lucid.optim.optimizer import Optimizer, ParamsT

__all__ = ["SGD"]


class SGD(Optimizer):
    r"""Stochastic gradient descent (optionally with momentum), PyTorch's update rule.

    For each parameter :math:`\theta` with gradient :math:`g_t` at step :math:`t`
    (learning rate :math:`\gamma`, weight decay :math:`\lambda`, momentum
    :math:`\mu`, dampening :math:`\tau`):

    .. math::

        g_t &\leftarrow \pm g_t + \lambda\,\theta_{t-1}
            \qquad (-g_t \text{ when maximize}) \\
        b_t &\leftarrow \begin{cases} g_t & t = 1 \\
            \mu\, b_{t-1} + (1 - \tau)\, g_t & t > 1 \end{cases}
            \qquad (\text{only when } \mu \neq 0) \\
        g_t &\leftarrow \begin{cases} g_t + \mu\, b_t & \text{nesterov} \\
            b_t & \text{otherwise} \end{cases} \\
        \theta_t &\leftarrow \theta_{t-1} - \gamma\, g_t

    The state of a parameter is ``momentum_buffer`` (:math:`b_t`), present only
    when ``momentum != 0``.

    Args:
        params: Tensors to optimize, or parameter-group dicts.
        lr: learning rate :math:`\gamma`. Default: 1e-3.
        momentum: momentum factor :math:`\mu`. Default: 0.
        dampening: dampening :math:`\tau` of the momentum. Default: 0.
        weight_decay: L2 penalty :math:`\lambda`. Default: 0.
        nesterov: use Nesterov momentum (needs ``momentum > 0`` and
            ``dampening == 0``). Default: False.
        maximize: maximize the objective instead of minimizing it. Default: False.

    Raises:
        ValueError: a negative ``lr``, ``momentum`` or ``weight_decay``, or
            ``nesterov`` without momentum or with dampening.

    Examples:
        >>> import lucid
        >>> w = lucid.tensor([1.0, -1.0], requires_grad=True)
        >>> opt = lucid.optim.SGD([w], lr=0.1, momentum=0.9)
        >>> for _ in range(2):
        ...     opt.zero_grad()
        ...     (w * w).sum().backward()
        ...     opt.step()
        >>> [round(v, 4) for v in w.tolist()]
        [0.46, -0.46]
    """

    _supports_complex = True
    _scalar_keys = ()  # PyTorch's SGD keeps no step count
    _nonnegative = ("lr", "momentum", "weight_decay")
    _flags = ("nesterov", "maximize")

    def __init__(self, params: ParamsT, lr: float = 1e-3, momentum: float = 0.0, dampening: float = 0.0,
                 weight_decay: float = 0.0, nesterov: bool = False, *, maximize: bool = False):
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                                      nesterov=nesterov, maximize=maximize))

    def _validate(self, group: dict) -> None:
        super()._validate(group)
        check_real(group["dampening"], "dampening")
        if group["nesterov"] and (group["momentum"] <= 0 or group["dampening"] != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening, got "
                             f"momentum={group['momentum']}, dampening={group['dampening']}")

    def _update(self, p: Tensor, g: mx.array, state: dict, group: dict, factors) -> mx.array:
        theta, g = self._weight_decay(p._data, g, group)
        momentum = group["momentum"]
        if momentum != 0:
            buf = state.get("momentum_buffer")
            if buf is None:
                # NOTE: the first step takes the gradient as the buffer, undamped (PyTorch's rule).
                state["momentum_buffer"] = Tensor._make(g, p._device)
                b = g
            else:
                dampening = group["dampening"]
                b = momentum * buf._data + ((1.0 - dampening) * g if dampening != 0 else g)
                buf._data = b
            g = g + momentum * b if group["nesterov"] else b
        return theta - group["lr"] * g
