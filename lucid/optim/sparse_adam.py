r"""``SparseAdam``: "lazy" Adam, which updates only the rows that received a gradient.

PyTorch's ``SparseAdam`` takes sparse gradients (from ``nn.Embedding(sparse=True)``)
and touches only the rows present in them. Lucid has no sparse tensors, so the
gradient is dense and the rows are selected by value: a row (a slice along the
first axis; an entry, for 0-d and 1-d parameters) takes part in a step when
any of its gradient entries is nonzero. The selection is a lazy ``mx.where``,
so nothing is read on the host.
"""

from __future__ import annotations

import mlx.core as mx

from lucid._backend import reductions as _red
from lucid._tensor import Tensor
from lucid.optim.optimizer import Optimizer, ParamsT

__all__ = ["SparseAdam"]


class SparseAdam(Optimizer):
    r"""Adam that updates only the rows with a nonzero gradient ("lazy Adam"), PyTorch's SparseAdam rule.

    For each parameter :math:`\theta` with gradient :math:`g_t` (negated when
    ``maximize``) at step :math:`t`, and for every row :math:`r` whose
    gradient is not all zeros:

    .. math::

        m_{t,r} &\leftarrow \beta_1 m_{t-1,r} + (1 - \beta_1) g_{t,r} \\
        v_{t,r} &\leftarrow \beta_2 v_{t-1,r} + (1 - \beta_2) g_{t,r}^2 \\
        \theta_{t,r} &\leftarrow \theta_{t-1,r} - \gamma\,
            \frac{\sqrt{1 - \beta_2^t}}{1 - \beta_1^t}\, \frac{m_{t,r}}{\sqrt{v_{t,r}} + \epsilon}

    Rows whose gradient is all zeros keep their parameters and moments
    unchanged (their moments do not decay). As in PyTorch, :math:`\epsilon` is
    added to :math:`\sqrt{v}` before the bias correction is applied, and
    ``step`` counts every step in which the parameter had a gradient. State
    per parameter (Adam's layout): ``step``, ``exp_avg``, ``exp_avg_sq``.

    Differences from PyTorch: PyTorch's SparseAdam requires sparse gradients
    and raises on dense ones; Lucid has no sparse tensors, so the gradient is
    dense and a row counts as "present" when its gradient is nonzero. A row
    that was looked up but received an exactly zero gradient is therefore
    skipped here, while PyTorch would decay its moments. Rows are slices along
    the first axis (an embedding's rows); for 0-d and 1-d parameters each
    entry is a row.

    Args:
        params: Tensors to optimize, or parameter-group dicts.
        lr: learning rate :math:`\gamma`. Default: 1e-3.
        betas: :math:`(\beta_1, \beta_2)`. Default: (0.9, 0.999).
        eps: :math:`\epsilon`. Default: 1e-8.
        maximize: maximize the objective instead of minimizing it. Default: False.

    Raises:
        ValueError: a negative ``lr`` or ``eps``; a beta outside [0, 1).

    Examples:
        Only the looked-up rows (0 and 2) of the embedding move:

        >>> import lucid
        >>> emb = lucid.nn.Embedding(4, 2)
        >>> before = emb.weight.tolist()
        >>> opt = lucid.optim.SparseAdam(emb.parameters(), lr=0.1)
        >>> emb(lucid.tensor([0, 2])).sum().backward(); opt.step()
        >>> [row != old for row, old in zip(emb.weight.tolist(), before)]
        [True, False, True, False]
        >>> opt.state[emb.weight]["exp_avg"][1].tolist()
        [0.0, 0.0]
    """

    _nonnegative = ("lr", "eps")

    def __init__(self, params: ParamsT, lr: float = 1e-3, betas: tuple = (0.9, 0.999), eps: float = 1e-8,
                 maximize: bool = False):
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, maximize=maximize))

    def _init_state(self, p: mx.array, group: dict) -> dict:
        return {"exp_avg": mx.zeros_like(p), "exp_avg_sq": mx.zeros_like(p)}

    def _advance(self, scalars: dict, group: dict):
        step = scalars["step"] + 1.0
        b1, b2 = group["betas"]
        step_size = group["lr"] * mx.sqrt(1.0 - b2 ** step) / (1.0 - b1 ** step)
        return {"step": step}, step_size

    def _update(self, p: Tensor, g: mx.array, state: dict, group: dict, step_size) -> mx.array:
        b1, b2 = group["betas"]
        nonzero = g != 0
        if g.ndim >= 2:
            nonzero = _red.any(nonzero, axis=tuple(range(1, g.ndim)), keepdims=True)
        m_t, v_t = state["exp_avg"], state["exp_avg_sq"]
        m_old, v_old = m_t._data, v_t._data
        m = b1 * m_old + (1.0 - b1) * g
        v = b2 * v_old + (1.0 - b2) * mx.square(g)
        m_t._data = mx.where(nonzero, m, m_old)
        v_t._data = mx.where(nonzero, v, v_old)
        theta = p._data
        return mx.where(nonzero, theta - step_size * (m / (mx.sqrt(v) + group["eps"])), theta)
