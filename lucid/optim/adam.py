"""The Adam family: ``Adam``, ``AdamW``, ``Adamax``, ``NAdam`` and ``RAdam``.

All keep exponential moving averages of the gradient and (except Adamax) of its
square, with bias corrections computed from the ``step`` counter. The step
counter is a 0-d float32 array in the state (like PyTorch's), so the bias
corrections are lazy MLX scalars computed once per group and step.
"""

from __future__ import annotations

import mlx.core as mx

from lucid._tensor import Tensor
from lucid.optim.optimizer import Optimizer, ParamsT

__all__ = ["Adam", "AdamW", "Adamax", "NAdam", "RAdam"]


def _moments(state: dict, g: mx.array, betas) -> tuple:
    """Update and return the first and second moment estimates m_t, v_t."""
    b1, b2 = betas
    m_t = state["exp_avg"]
    v_t = state["exp_avg_sq"]
    m = b1 * m_t._data + (1.0 - b1) * g
    v = b2 * v_t._data + (1.0 - b2) * mx.square(g)
    m_t._data = m
    v_t._data = v
    return m, v


def _zeros2(p: mx.array) -> dict:
    return {"exp_avg": mx.zeros_like(p), "exp_avg_sq": mx.zeros_like(p)}


class Adam(Optimizer):
    r"""Adam (Kingma and Ba, 2015), PyTorch's update rule, with optional AMSGrad.

    For each parameter :math:`\theta` with gradient :math:`g_t` (negated when
    ``maximize``) at step :math:`t`:

    .. math::

        g_t &\leftarrow g_t + \lambda\theta_{t-1} \qquad (\text{if } \lambda \neq 0) \\
        m_t &\leftarrow \beta_1 m_{t-1} + (1 - \beta_1) g_t \\
        v_t &\leftarrow \beta_2 v_{t-1} + (1 - \beta_2) g_t^2 \\
        v^{max}_t &\leftarrow \max(v^{max}_{t-1}, v_t) \qquad (\text{amsgrad; then used for } v_t) \\
        \theta_t &\leftarrow \theta_{t-1} - \frac{\gamma}{1 - \beta_1^t}\,
            \frac{m_t}{\sqrt{v_t} / \sqrt{1 - \beta_2^t} + \epsilon}

    State per parameter: ``step``, ``exp_avg`` (:math:`m`), ``exp_avg_sq``
    (:math:`v`) and, with ``amsgrad``, ``max_exp_avg_sq``.

    Args:
        params: Tensors to optimize, or parameter-group dicts.
        lr: learning rate :math:`\gamma`. Default: 1e-3.
        betas: :math:`(\beta_1, \beta_2)`, each in [0, 1). Default: (0.9, 0.999).
        eps: :math:`\epsilon` added to the denominator. Default: 1e-8.
        weight_decay: L2 penalty :math:`\lambda` added to the gradient. Default: 0.
        amsgrad: use the AMSGrad variant (running maximum of :math:`v_t`). Default: False.
        maximize: maximize the objective instead of minimizing it. Default: False.

    Raises:
        ValueError: negative ``lr``, ``eps`` or ``weight_decay``; a beta outside [0, 1).

    Examples:
        With ``amsgrad`` the state also keeps the running maximum of :math:`v_t`:

        >>> import lucid
        >>> w = lucid.tensor([1.0, -2.0], requires_grad=True)
        >>> opt = lucid.optim.Adam([w], lr=0.1, amsgrad=True)
        >>> (w * w).sum().backward(); opt.step()
        >>> [round(v, 4) for v in w.tolist()], sorted(opt.state[w])
        ([0.9, -1.9], ['exp_avg', 'exp_avg_sq', 'max_exp_avg_sq', 'step'])
    """

    _nonnegative = ("lr", "eps", "weight_decay")
    _flags = ("amsgrad", "maximize")
    _decoupled = False

    def __init__(self, params: ParamsT, lr: float = 1e-3, betas: tuple = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0, amsgrad: bool = False, *, maximize: bool = False):
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                                      maximize=maximize))

    def _init_state(self, p: mx.array, group: dict) -> dict:
        st = _zeros2(p)
        if group["amsgrad"]:
            st["max_exp_avg_sq"] = mx.zeros_like(p)
        return st

    def _advance(self, scalars: dict, group: dict):
        step = scalars["step"] + 1.0
        b1, b2 = group["betas"]
        step_size = group["lr"] / (1.0 - b1 ** step)
        bc2_sqrt = mx.sqrt(1.0 - b2 ** step)
        return {"step": step}, (step_size, bc2_sqrt)

    def _update(self, p: Tensor, g: mx.array, state: dict, group: dict, factors) -> mx.array:
        step_size, bc2_sqrt = factors
        theta, g = self._weight_decay(p._data, g, group, self._decoupled)
        m, v = _moments(state, g, group["betas"])
        if group["amsgrad"]:
            vmax_t = self._state_entry(state, "max_exp_avg_sq", v, p)
            v = mx.maximum(vmax_t._data, v)
            vmax_t._data = v
        denom = mx.sqrt(v) / bc2_sqrt + group["eps"]
        return theta - step_size * (m / denom)


class AdamW(Adam):
    r"""Adam with decoupled weight decay (Loshchilov and Hutter, 2019), PyTorch's update rule.

    Identical to :class:`Adam` except that weight decay shrinks the parameter
    directly instead of being added to the gradient:

    .. math::

        \theta_{t-1} &\leftarrow \theta_{t-1} (1 - \gamma\lambda) \\
        m_t &\leftarrow \beta_1 m_{t-1} + (1 - \beta_1) g_t, \qquad
        v_t \leftarrow \beta_2 v_{t-1} + (1 - \beta_2) g_t^2 \\
        \theta_t &\leftarrow \theta_{t-1} - \frac{\gamma}{1 - \beta_1^t}\,
            \frac{m_t}{\sqrt{v_t} / \sqrt{1 - \beta_2^t} + \epsilon}

    (with ``amsgrad``, :math:`v_t` is replaced by its running maximum).

    Args:
        params: Tensors to optimize, or parameter-group dicts.
        lr: learning rate :math:`\gamma`. Default: 1e-3.
        betas: :math:`(\beta_1, \beta_2)`. Default: (0.9, 0.999).
        eps: :math:`\epsilon`. Default: 1e-8.
        weight_decay: decoupled decay :math:`\lambda`. Default: 1e-2.
        amsgrad: use the AMSGrad variant. Default: False.
        maximize: maximize the objective instead of minimizing it. Default: False.

    Raises:
        ValueError: negative ``lr``, ``eps`` or ``weight_decay``; a beta outside [0, 1).

    Examples:
        The parameter shrinks by :math:`\gamma\lambda` = 5% before Adam's step of 0.1:

        >>> import lucid
        >>> w = lucid.tensor([1.0, -2.0], requires_grad=True)
        >>> opt = lucid.optim.AdamW([w], lr=0.1, weight_decay=0.5)
        >>> (w * w).sum().backward(); opt.step()
        >>> [round(v, 4) for v in w.tolist()]
        [0.85, -1.8]
    """

    _decoupled = True

    def __init__(self, params: ParamsT, lr: float = 1e-3, betas: tuple = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 1e-2, amsgrad: bool = False, *, maximize: bool = False):
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                         maximize=maximize)


class Adamax(Optimizer):
    r"""Adamax, the infinity-norm variant of Adam (Kingma and Ba, 2015), PyTorch's update rule.

    .. math::

        g_t &\leftarrow g_t + \lambda\theta_{t-1} \qquad (\text{if } \lambda \neq 0) \\
        m_t &\leftarrow \beta_1 m_{t-1} + (1 - \beta_1) g_t \\
        u_t &\leftarrow \max(\beta_2 u_{t-1}, |g_t| + \epsilon) \\
        \theta_t &\leftarrow \theta_{t-1} - \frac{\gamma}{1 - \beta_1^t}\, \frac{m_t}{u_t}

    State per parameter: ``step``, ``exp_avg`` (:math:`m`), ``exp_inf`` (:math:`u`).

    Args:
        params: Tensors to optimize, or parameter-group dicts.
        lr: learning rate :math:`\gamma`. Default: 2e-3.
        betas: :math:`(\beta_1, \beta_2)`. Default: (0.9, 0.999).
        eps: :math:`\epsilon`. Default: 1e-8.
        weight_decay: L2 penalty :math:`\lambda`. Default: 0.
        maximize: maximize the objective instead of minimizing it. Default: False.

    Raises:
        ValueError: negative ``lr``, ``eps`` or ``weight_decay``; a beta outside [0, 1).

    Examples:
        ``exp_inf`` is a running maximum of :math:`|g|` that decays by :math:`\beta_2` a step:

        >>> import lucid
        >>> w = lucid.tensor([1.0, -2.0], requires_grad=True)
        >>> opt = lucid.optim.Adamax([w], lr=0.1)
        >>> for _ in range(2):
        ...     opt.zero_grad(); (w * w).sum().backward(); opt.step()
        >>> [round(v, 4) for v in opt.state[w]["exp_inf"].tolist()]
        [1.998, 3.996]
    """

    _nonnegative = ("lr", "eps", "weight_decay")

    def __init__(self, params: ParamsT, lr: float = 2e-3, betas: tuple = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0, *, maximize: bool = False):
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, maximize=maximize))

    def _init_state(self, p: mx.array, group: dict) -> dict:
        return {"exp_avg": mx.zeros_like(p), "exp_inf": mx.zeros_like(p)}

    def _advance(self, scalars: dict, group: dict):
        step = scalars["step"] + 1.0
        clr = group["lr"] / (1.0 - group["betas"][0] ** step)
        return {"step": step}, clr

    def _update(self, p: Tensor, g: mx.array, state: dict, group: dict, clr) -> mx.array:
        theta, g = self._weight_decay(p._data, g, group)
        b1, b2 = group["betas"]
        m_t, u_t = state["exp_avg"], state["exp_inf"]
        m = b1 * m_t._data + (1.0 - b1) * g
        u = mx.maximum(b2 * u_t._data, mx.abs(g) + group["eps"])
        m_t._data = m
        u_t._data = u
        return theta - clr * (m / u)


class NAdam(Optimizer):
    r"""Adam with Nesterov momentum (Dozat, 2016), PyTorch's update rule.

    With momentum decay :math:`\psi` the momentum coefficients are
    :math:`\mu_t = \beta_1 (1 - \tfrac12 \cdot 0.96^{t\psi})`, and

    .. math::

        g_t &\leftarrow g_t + \lambda\theta_{t-1} \quad\text{or, decoupled,}\quad
            \theta_{t-1} \leftarrow \theta_{t-1}(1 - \gamma\lambda) \\
        m_t &\leftarrow \beta_1 m_{t-1} + (1 - \beta_1) g_t, \qquad
        v_t \leftarrow \beta_2 v_{t-1} + (1 - \beta_2) g_t^2 \\
        \hat m_t &= \frac{\mu_{t+1}\, m_t}{1 - \prod_{i=1}^{t+1} \mu_i}
            + \frac{(1 - \mu_t)\, g_t}{1 - \prod_{i=1}^{t} \mu_i}, \qquad
        \hat v_t = \frac{v_t}{1 - \beta_2^t} \\
        \theta_t &\leftarrow \theta_{t-1} - \gamma\, \frac{\hat m_t}{\sqrt{\hat v_t} + \epsilon}

    State per parameter: ``step``, ``mu_product`` (:math:`\prod_{i \le t} \mu_i`),
    ``exp_avg``, ``exp_avg_sq``.

    Args:
        params: Tensors to optimize, or parameter-group dicts.
        lr: learning rate :math:`\gamma`. Default: 2e-3.
        betas: :math:`(\beta_1, \beta_2)`. Default: (0.9, 0.999).
        eps: :math:`\epsilon`. Default: 1e-8.
        weight_decay: weight decay :math:`\lambda`. Default: 0.
        momentum_decay: :math:`\psi`. Default: 4e-3.
        decoupled_weight_decay: decay the parameter directly (as AdamW does)
            instead of adding :math:`\lambda\theta` to the gradient. Default: False.
        maximize: maximize the objective instead of minimizing it. Default: False.

    Raises:
        ValueError: negative ``lr``, ``eps``, ``weight_decay`` or ``momentum_decay``;
            a beta outside [0, 1).

    Examples:
        The product of the momentum coefficients is a 0-d counter in the state:

        >>> import lucid
        >>> w = lucid.tensor([1.0, -2.0], requires_grad=True)
        >>> opt = lucid.optim.NAdam([w], lr=0.1)
        >>> (w * w).sum().backward(); opt.step()
        >>> round(opt.state[w]["mu_product"].item(), 4), [round(v, 4) for v in w.tolist()]
        (0.4501, [0.8944, -1.8944])
    """

    _scalar_keys = ("step", "mu_product")
    _nonnegative = ("lr", "eps", "weight_decay", "momentum_decay")
    _flags = ("decoupled_weight_decay", "maximize")

    def __init__(self, params: ParamsT, lr: float = 2e-3, betas: tuple = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0, momentum_decay: float = 4e-3, *,
                 decoupled_weight_decay: bool = False, maximize: bool = False):
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                                      momentum_decay=momentum_decay, decoupled_weight_decay=decoupled_weight_decay,
                                      maximize=maximize))

    def _init_scalars(self, group: dict) -> dict:
        return {"step": mx.array(0.0, dtype=mx.float32), "mu_product": mx.array(1.0, dtype=mx.float32)}

    def _init_state(self, p: mx.array, group: dict) -> dict:
        return _zeros2(p)

    def _advance(self, scalars: dict, group: dict):
        step = scalars["step"] + 1.0
        b1, b2 = group["betas"]
        psi = group["momentum_decay"]
        lr = group["lr"]
        mu = b1 * (1.0 - 0.5 * 0.96 ** (step * psi))
        mu_next = b1 * (1.0 - 0.5 * 0.96 ** ((step + 1.0) * psi))
        mu_product = scalars["mu_product"] * mu
        coef_grad = lr * (1.0 - mu) / (1.0 - mu_product)
        coef_avg = lr * mu_next / (1.0 - mu_product * mu_next)
        bc2_sqrt = mx.sqrt(1.0 - b2 ** step)
        return {"step": step, "mu_product": mu_product}, (coef_grad, coef_avg, bc2_sqrt)

    def _update(self, p: Tensor, g: mx.array, state: dict, group: dict, factors) -> mx.array:
        coef_grad, coef_avg, bc2_sqrt = factors
        theta, g = self._weight_decay(p._data, g, group, group["decoupled_weight_decay"])
        m, v = _moments(state, g, group["betas"])
        denom = mx.sqrt(v) / bc2_sqrt + group["eps"]
        return theta - (coef_grad * g + coef_avg * m) / denom


class RAdam(Optimizer):
    r"""Rectified Adam (Liu et al., 2020), PyTorch's update rule.

    With :math:`\rho_\infty = 2 / (1 - \beta_2) - 1` and
    :math:`\rho_t = \rho_\infty - 2 t \beta_2^t / (1 - \beta_2^t)`:

    .. math::

        g_t &\leftarrow g_t + \lambda\theta_{t-1} \quad\text{or, decoupled,}\quad
            \theta_{t-1} \leftarrow \theta_{t-1}(1 - \gamma\lambda) \\
        m_t &\leftarrow \beta_1 m_{t-1} + (1 - \beta_1) g_t, \qquad
        v_t \leftarrow \beta_2 v_{t-1} + (1 - \beta_2) g_t^2, \qquad
        \hat m_t = \frac{m_t}{1 - \beta_1^t} \\
        \theta_t &\leftarrow \begin{cases}
            \theta_{t-1} - \gamma\, \hat m_t\, r_t\, \dfrac{\sqrt{1 - \beta_2^t}}{\sqrt{v_t} + \epsilon}
                & \rho_t > 5 \\
            \theta_{t-1} - \gamma\, \hat m_t & \text{otherwise} \end{cases} \\
        r_t &= \sqrt{\frac{(\rho_t - 4)(\rho_t - 2)\rho_\infty}{(\rho_\infty - 4)(\rho_\infty - 2)\rho_t}}

    The case split depends only on the step, and is taken lazily with
    ``mx.where`` (no host sync). State per parameter: ``step``, ``exp_avg``,
    ``exp_avg_sq``.

    Args:
        params: Tensors to optimize, or parameter-group dicts.
        lr: learning rate :math:`\gamma`. Default: 1e-3.
        betas: :math:`(\beta_1, \beta_2)`. Default: (0.9, 0.999).
        eps: :math:`\epsilon`. Default: 1e-8.
        weight_decay: weight decay :math:`\lambda`. Default: 0.
        decoupled_weight_decay: decay the parameter directly (as AdamW does). Default: False.
        maximize: maximize the objective instead of minimizing it. Default: False.

    Raises:
        ValueError: negative ``lr``, ``eps`` or ``weight_decay``; a beta outside [0, 1).

    Examples:
        The first steps (:math:`\rho_t \le 5`) are not rectified: the parameter
        moves by :math:`\gamma \hat m_t`, here 0.1 times the gradient:

        >>> import lucid
        >>> w = lucid.tensor([1.0, -2.0], requires_grad=True)
        >>> opt = lucid.optim.RAdam([w], lr=0.1)
        >>> (w * w).sum().backward(); opt.step()
        >>> [round(v, 4) for v in w.tolist()]
        [0.8, -1.6]
    """

    _nonnegative = ("lr", "eps", "weight_decay")
    _flags = ("decoupled_weight_decay", "maximize")

    def __init__(self, params: ParamsT, lr: float = 1e-3, betas: tuple = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0, *, decoupled_weight_decay: bool = False, maximize: bool = False):
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                                      decoupled_weight_decay=decoupled_weight_decay, maximize=maximize))

    def _init_state(self, p: mx.array, group: dict) -> dict:
        return _zeros2(p)

    def _advance(self, scalars: dict, group: dict):
        step = scalars["step"] + 1.0
        b1, b2 = group["betas"]
        bc1 = 1.0 - b1 ** step
        b2_t = b2 ** step
        bc2 = 1.0 - b2_t
        rho_inf = 2.0 / (1.0 - b2) - 1.0
        rho_t = rho_inf - 2.0 * step * b2_t / bc2
        rectify = rho_t > 5.0
        # NOTE: r_t is only used where rho_t > 5; clamping keeps the unused branch free of NaN.
        rho_c = mx.maximum(rho_t, 5.0)
        r_t = mx.sqrt((rho_c - 4.0) * (rho_c - 2.0) * rho_inf / ((rho_inf - 4.0) * (rho_inf - 2.0) * rho_c))
        return {"step": step}, (group["lr"] / bc1, rectify, r_t * mx.sqrt(bc2))

    def _update(self, p: Tensor, g: mx.array, state: dict, group: dict, factors) -> mx.array:
        step_size, rectify, rect_scale = factors
        theta, g = self._weight_decay(p._data, g, group, group["decoupled_weight_decay"])
        m, v = _moments(state, g, group["betas"])
        scale = mx.where(rectify, rect_scale / (mx.sqrt(v) + group["eps"]), 1.0)
        return theta - step_size * (m * scale)
