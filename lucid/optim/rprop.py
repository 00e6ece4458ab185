"""Resilient backpropagation: per-coordinate step sizes adapted from the gradient's sign."""

from __future__ import annotations

import mlx.core as mx

from lucid._tensor import Tensor
from lucid.optim._checks import check_pair
from lucid.optim.optimizer import Optimizer, ParamsT

__all__ = ["Rprop"]


class Rprop(Optimizer):
    r"""Rprop (Riedmiller and Braun, 1993), PyTorch's update rule.

    Each coordinate keeps its own step size :math:`\Delta`. With
    :math:`(\eta^-, \eta^+)` = ``etas`` and :math:`[\Delta_{min}, \Delta_{max}]`
    = ``step_sizes``, for gradient :math:`g_t` (negated when ``maximize``) and
    the previous stored gradient :math:`g_{t-1}`:

    .. math::

        \Delta_t &\leftarrow \operatorname{clip}\Big(\Delta_{t-1} \cdot \begin{cases}
            \eta^+ & g_t g_{t-1} > 0 \\ \eta^- & g_t g_{t-1} < 0 \\ 1 & \text{otherwise}
            \end{cases},\ \Delta_{min}, \Delta_{max}\Big) \\
        g_t &\leftarrow 0 \qquad \text{where } g_t g_{t-1} < 0 \\
        \theta_t &\leftarrow \theta_{t-1} - \operatorname{sign}(g_t)\, \Delta_t

    and :math:`g_t` (zeroed where the sign flipped) is stored as the next
    :math:`g_{t-1}`. :math:`\Delta_0` is the learning rate. State per
    parameter: ``step``, ``prev`` and ``step_size``.

    Args:
        params: Tensors to optimize, or parameter-group dicts.
        lr: initial step size :math:`\Delta_0`. Default: 1e-2.
        etas: :math:`(\eta^-, \eta^+)` with :math:`0 < \eta^- < 1 < \eta^+`. Default: (0.5, 1.2).
        step_sizes: :math:`(\Delta_{min}, \Delta_{max})`. Default: (1e-6, 50).
        maximize: maximize the objective instead of minimizing it. Default: False.

    Raises:
        ValueError: a negative ``lr``, or ``etas`` not satisfying ``0 < etaminus < 1 < etaplus``.

    Examples:
        While the gradient keeps its sign, the step size grows by :math:`\eta^+` = 1.2:

        >>> import lucid
        >>> w = lucid.tensor([1.0, -2.0], requires_grad=True)
        >>> opt = lucid.optim.Rprop([w], lr=0.1)
        >>> sizes = []
        >>> for _ in range(3):
        ...     opt.zero_grad(); (w * w).sum().backward(); opt.step()
        ...     sizes.append(round(opt.state[w]["step_size"].tolist()[0], 4))
        >>> sizes
        [0.1, 0.12, 0.144]
    """

    def __init__(self, params: ParamsT, lr: float = 1e-2, etas: tuple = (0.5, 1.2), step_sizes: tuple = (1e-6, 50.0), *,
                 maximize: bool = False):
        super().__init__(params, dict(lr=lr, etas=etas, step_sizes=step_sizes, maximize=maximize))

    def _validate(self, group: dict) -> None:
        super()._validate(group)
        etaminus, etaplus = check_pair(group["etas"], "etas")
        lo, hi = check_pair(group["step_sizes"], "step_sizes")
        if not 0.0 < etaminus < 1.0 < etaplus:
            raise ValueError(f"Invalid eta values: {etaminus}, {etaplus} (expected 0 < etaminus < 1 < etaplus)")
        if not 0.0 <= lo <= hi:
            raise ValueError(f"Invalid step_sizes: {lo}, {hi} (expected 0 <= min <= max)")

    def _init_state(self, p: mx.array, group: dict) -> dict:
        return {"prev": mx.zeros_like(p), "step_size": mx.full(p.shape, group["lr"], dtype=p.dtype)}

    def _update(self, p: Tensor, g: mx.array, state: dict, group: dict, factors) -> mx.array:
        etaminus, etaplus = group["etas"]
        lo, hi = group["step_sizes"]
        prev_t, size_t = state["prev"], state["step_size"]
        prod = g * prev_t._data
        flipped = prod < 0
        factor = mx.where(prod > 0, etaplus, mx.where(flipped, etaminus, 1.0))
        size = mx.clip(size_t._data * factor, lo, hi)
        g = mx.where(flipped, 0.0, g)
        size_t._data = size
        prev_t._data = g
        return p._data - mx.sign(g) * size
