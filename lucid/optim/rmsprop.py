"""RMSprop: gradients scaled by a running root-mean-square of their magnitude."""

from __future__ import annotations

import mlx.core as mx

from lucid._tensor import Tensor
from lucid.optim.optimizer import Optimizer, ParamsT

__all__ = ["RMSprop"]


class RMSprop(Optimizer):
    r"""RMSprop (Hinton, 2012), PyTorch's update rule, optionally centered and with momentum.

    For each parameter :math:`\theta` with gradient :math:`g_t` (negated when
    ``maximize``), smoothing constant :math:`\alpha`, momentum :math:`\mu`:

    .. math::

        g_t &\leftarrow g_t + \lambda\theta_{t-1} \qquad (\text{if } \lambda \neq 0) \\
        v_t &\leftarrow \alpha v_{t-1} + (1 - \alpha) g_t^2 \\
        \bar g_t &\leftarrow \alpha \bar g_{t-1} + (1 - \alpha) g_t, \qquad
            \tilde v_t = v_t - \bar g_t^2 \qquad (\text{centered; else } \tilde v_t = v_t) \\
        b_t &\leftarrow \mu b_{t-1} + \frac{g_t}{\sqrt{\tilde v_t} + \epsilon}, \qquad
            \theta_t \leftarrow \theta_{t-1} - \gamma b_t \qquad (\mu > 0) \\
        \theta_t &\leftarrow \theta_{t-1} - \gamma \frac{g_t}{\sqrt{\tilde v_t} + \epsilon}
            \qquad (\mu = 0)

    State per parameter: ``step``, ``square_avg`` (:math:`v`), plus
    ``momentum_buffer`` when ``momentum > 0`` and ``grad_avg`` when ``centered``.

    Args:
        params: Tensors to optimize, or parameter-group dicts.
        lr: learning rate :math:`\gamma`. Default: 1e-2.
        alpha: smoothing constant :math:`\alpha`. Default: 0.99.
        eps: :math:`\epsilon` added to the denominator. Default: 1e-8.
        weight_decay: L2 penalty :math:`\lambda`. Default: 0.
        momentum: momentum factor :math:`\mu`. Default: 0.
        centered: normalise by an estimate of the gradient's variance instead
            of its second moment. Default: False.
        maximize: maximize the objective instead of minimizing it. Default: False.

    Raises:
        ValueError: a negative ``lr``, ``alpha``, ``eps``, ``momentum`` or ``weight_decay``.

    Examples:
        Each option adds its own state entry:

        >>> import lucid
        >>> w = lucid.tensor([1.0, -2.0], requires_grad=True)
        >>> opt = lucid.optim.RMSprop([w], lr=0.01, momentum=0.9, centered=True)
        >>> (w * w).sum().backward(); opt.step()
        >>> sorted(opt.state[w])
        ['grad_avg', 'momentum_buffer', 'square_avg', 'step']
    """

    _nonnegative = ("lr", "eps", "momentum", "weight_decay", "alpha")
    _flags = ("centered", "maximize")

    def __init__(self, params: ParamsT, lr: float = 1e-2, alpha: float = 0.99, eps: float = 1e-8,
                 weight_decay: float = 0.0, momentum: float = 0.0, centered: bool = False, *,
                 maximize: bool = False):
        super().__init__(params, dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay, momentum=momentum,
                                      centered=centered, maximize=maximize))

    def _init_state(self, p: mx.array, group: dict) -> dict:
        st = {"square_avg": mx.zeros_like(p)}
        if group["momentum"] > 0:
            st["momentum_buffer"] = mx.zeros_like(p)
        if group["centered"]:
            st["grad_avg"] = mx.zeros_like(p)
        return st

    def _update(self, p: Tensor, g: mx.array, state: dict, group: dict, factors) -> mx.array:
        theta, g = self._weight_decay(p._data, g, group)
        alpha = group["alpha"]
        sq_t = state["square_avg"]
        sq = alpha * sq_t._data + (1.0 - alpha) * mx.square(g)
        sq_t._data = sq
        if group["centered"]:
            ga_t = self._state_entry(state, "grad_avg", g, p)
            ga = alpha * ga_t._data + (1.0 - alpha) * g
            ga_t._data = ga
            avg = mx.sqrt(sq - mx.square(ga)) + group["eps"]
        else:
            avg = mx.sqrt(sq) + group["eps"]
        momentum = group["momentum"]
        if momentum > 0:
            buf_t = self._state_entry(state, "momentum_buffer", g, p)
            buf = momentum * buf_t._data + g / avg
            buf_t._data = buf
            return theta - group["lr"] * buf
        return theta - group["lr"] * (g / avg)
