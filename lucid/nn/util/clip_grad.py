"""Gradient clipping: by value (``clip_grad_value``) and by norm (``clip_grad_norm``).

Every function here builds the new gradients lazily and ends with batched
evaluations (``lucid.set_eval_budget`` bounds each batch's bytes): a sync
point, but one per batch, never one per parameter.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable

import mlx.core as mx

from lucid._backend import checks, reductions
from lucid._backend.device import get_default_device
from lucid._backend.evaluation import eval_arrays
from lucid._tensor import Tensor

__all__ = [
    "clip_grad_value", "clip_grad_value_", "clip_grad_norm", "clip_grad_norm_", "get_total_norm",
    "clip_grads_with_norm_", "grad_norm",
]

_HALF = (mx.float16, mx.bfloat16)


def tensor_list(parameters, what: str = "parameters") -> list:
    """Materialise ``parameters`` (a Tensor or any iterable of Tensors, consumed once)."""
    if isinstance(parameters, Tensor):
        return [parameters]
    if isinstance(parameters, (str, bytes)) or not isinstance(parameters, Iterable):
        raise TypeError(
            f"{what} must be a Tensor or an iterable of Tensors, got {type(parameters).__name__}"
        )
    items = list(parameters)
    for i, p in enumerate(items):
        if not isinstance(p, Tensor):
            raise TypeError(f"{what}[{i}] is a {type(p).__name__}, expected a lucid Tensor")
    return items


def _scalar(value, name: str, allow_inf: bool = True) -> float:
    """Validate a real, non-negative, non-NaN threshold and return it as a float."""
    if isinstance(value, Tensor):
        if value.numel() != 1:
            raise ValueError(f"{name} must be a number or a one-element tensor, got a tensor of shape {value.shape}")
        if value.dtype.is_complex or value.dtype.name == "bool":
            raise TypeError(f"{name} must be a real number, got a {value.dtype} tensor")
        value = value.item()  # a one-element tensor threshold is read once (a sync point)
    if isinstance(value, bool) or not isinstance(value, numbers.Number):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__} ({value!r})")
    if isinstance(value, numbers.Complex) and not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got the complex number {value!r}")
    value = float(value)
    if math.isnan(value):
        raise ValueError(f"{name} must not be NaN")
    if value < 0:
        raise ValueError(f"{name} must be non-negative, got {value}")
    if not allow_inf and math.isinf(value):
        raise ValueError(f"{name} must be finite, got {value}")
    return value


def clip_grad_value(parameters: Iterable[Tensor] | Tensor, clip_value) -> None:
    r"""Clip every gradient element into ``[-clip_value, clip_value]``, in place.

    For each parameter ``p`` whose ``p.grad`` is not ``None``:

    .. math::

        (g_i)_{jk} \leftarrow \operatorname{clip}\big((g_i)_{jk}, -v, v\big) = \min(\max((g_i)_{jk}, -v), v),
        \qquad v = \text{clip\_value}.

    Each element is clamped on its own, so, unlike :func:`clip_grad_norm`, the
    direction of the whole gradient is not preserved. The gradient Tensor
    objects are kept (same ``id``, same dtype); their buffers are replaced and
    their version counters bumped. The new buffers are evaluated in batches
    bounded by ``lucid.get_eval_budget()`` bytes: one ``mx.eval`` per batch,
    never one per parameter. NaN gradients stay NaN; ``±inf`` become ``±v``.

    Args:
        parameters: a Tensor or an iterable of Tensors (a generator such as
            ``model.parameters()`` is consumed once). Parameters whose ``grad``
            is ``None`` are skipped; an empty iterable does nothing.
        clip_value: the threshold ``v >= 0`` (an int, a float, or a one-element
            real tensor). ``inf`` leaves the gradients unchanged; ``0`` zeroes them.

    Returns:
        None.

    Raises:
        TypeError: ``clip_value`` is a bool, a string, ``None``, complex or
            otherwise not a real number, or ``parameters`` holds a non-Tensor.
        ValueError: ``clip_value`` is negative, NaN or a multi-element tensor.

    Examples:
        >>> import lucid
        >>> import lucid.nn as nn
        >>> w = lucid.tensor([1.0, -2.0, 3.0], requires_grad=True)
        >>> (w * lucid.tensor([0.05, -0.5, 2.0])).sum().backward()
        >>> nn.util.clip_grad_value([w], clip_value=0.1)
        >>> [round(v, 4) for v in w.grad.tolist()]
        [0.05, -0.1, 0.1]
    """
    params = tensor_list(parameters)
    v = _scalar(clip_value, "clip_value")
    if math.isinf(v):
        return None
    new_buffers = []
    for p in params:
        g = p.grad
        if g is None:
            continue
        g._data = mx.clip(g._data, -v, v)
        g._version += 1
        new_buffers.append(g._data)
    eval_arrays(new_buffers)
    return None


clip_grad_value_ = clip_grad_value


def _norm_terms(grads: list, norm_type: float) -> mx.array:
    """Per-tensor norms (float32 for 16-bit grads), stacked into one vector."""
    norms = []
    for g in grads:
        a = g.astype(mx.float32) if g.dtype in _HALF else g
        if math.isinf(norm_type):
            norms.append(mx.max(mx.abs(a)) if a.size else mx.array(0.0, dtype=a.dtype))
        elif norm_type == 2.0:
            norms.append(mx.sqrt(reductions.sum(mx.square(a))))
        elif norm_type == 1.0:
            norms.append(reductions.sum(mx.abs(a)))
        else:
            norms.append(mx.power(reductions.sum(mx.power(mx.abs(a), norm_type)), 1.0 / norm_type))
    return norms


def _combine(norms: list, norm_type: float) -> mx.array:
    if not norms:
        return mx.array(0.0, dtype=mx.float32)
    dt = mx.float64 if any(n.dtype == mx.float64 for n in norms) else mx.float32
    stacked = mx.stack([n.astype(dt) for n in norms])
    if math.isinf(norm_type):
        return mx.max(stacked)
    if norm_type == 2.0:
        return mx.sqrt(reductions.sum(mx.square(stacked)))
    if norm_type == 1.0:
        return reductions.sum(stacked)
    return mx.power(reductions.sum(mx.power(stacked, norm_type)), 1.0 / norm_type)


def _norm_type(norm_type) -> float:
    if isinstance(norm_type, str) and norm_type.lower() == "inf":
        return math.inf
    if isinstance(norm_type, bool) or not isinstance(norm_type, numbers.Real):
        raise TypeError(f"norm_type must be a positive real number or inf, got {norm_type!r}")
    norm_type = float(norm_type)
    if math.isnan(norm_type) or norm_type <= 0:
        raise ValueError(f"norm_type must be positive (or inf), got {norm_type}")
    return norm_type


def _check_finite(total: mx.array, norm_type: float) -> None:
    checks.sync(total)
    value = total.item()  # error_if_nonfinite needs the value: a deliberate sync point
    if not math.isfinite(value):
        raise RuntimeError(
            f"the total norm of order {norm_type} of the gradients is {value}, so they cannot be clipped; "
            "pass error_if_nonfinite=False to clip anyway (the gradients then become NaN)"
        )


def get_total_norm(tensors: Iterable[Tensor] | Tensor, norm_type=2.0, error_if_nonfinite: bool = False,
                   foreach=None) -> Tensor:
    r"""The ``norm_type``-norm of all ``tensors`` taken together, as a 0-d tensor.

    .. math::

        \|(t_1, \dots, t_N)\|_p = \Big(\sum_i \|t_i\|_p^p\Big)^{1/p}, \qquad
        \|\cdot\|_\infty = \max_i \max |t_i|.

    Norms of 16-bit tensors are accumulated in float32. The result is lazy (no
    host sync) unless ``error_if_nonfinite`` asks for a check.

    Args:
        tensors: a Tensor or an iterable of Tensors (e.g. gradients).
        norm_type: any positive real, or ``inf``.
        error_if_nonfinite: raise if the norm is NaN or infinite (a sync point).
        foreach: accepted for PyTorch compatibility; ignored.

    Returns:
        Tensor: the total norm (float32, or float64 for float64 inputs).

    Examples:
        >>> import lucid
        >>> lucid.nn.util.get_total_norm([lucid.tensor([3.0]), lucid.tensor([4.0])]).item()
        5.0
    """
    items = tensor_list(tensors, "tensors")
    p = _norm_type(norm_type)
    total = _combine(_norm_terms([t._data for t in items], p), p)
    if error_if_nonfinite:
        _check_finite(total, p)
    return Tensor._make(total, items[0].device if items else get_default_device())


def clip_grads_with_norm_(parameters: Iterable[Tensor] | Tensor, max_norm, total_norm, foreach=None) -> None:
    r"""Scale gradients by ``min(1, max_norm / (total_norm + 1e-6))``, given a precomputed total norm.

    No branch on the norm's value: the scale is clamped, so nothing syncs
    except the final batched evaluation.

    Examples:
        >>> import lucid
        >>> w = lucid.tensor([3.0, 4.0], requires_grad=True)
        >>> (w * w / 2).sum().backward()
        >>> total = lucid.nn.util.get_total_norm([w.grad])
        >>> lucid.nn.util.clip_grads_with_norm_([w], 1.0, total)
        >>> [round(v, 3) for v in w.grad.tolist()]
        [0.6, 0.8]
    """
    params = tensor_list(parameters)
    max_norm = _scalar(max_norm, "max_norm")
    total = total_norm._data if isinstance(total_norm, Tensor) else mx.array(total_norm, dtype=mx.float32)
    coef = mx.minimum(max_norm / (total + 1e-6), 1.0)
    new_buffers = []
    for p in params:
        g = p.grad
        if g is None:
            continue
        g._data = mx.multiply(g._data, coef.astype(g._data.dtype))
        g._version += 1
        new_buffers.append(g._data)
    eval_arrays(new_buffers)


def clip_grad_norm(parameters: Iterable[Tensor] | Tensor, max_norm, norm_type=2.0,
                   error_if_nonfinite: bool = False, foreach=None) -> Tensor:
    r"""Rescale all gradients together so their total norm is at most ``max_norm``, in place.

    .. math::

        n = \|(g_1, \dots, g_N)\|_p, \qquad
        g_i \leftarrow g_i \cdot \min\Big(1, \frac{\text{max\_norm}}{n + 10^{-6}}\Big).

    The direction of the full gradient is preserved. The scale is a clamp, not
    a branch, so no value reaches the host; the clipped gradients and the norm
    are evaluated together in batches.

    Args:
        parameters: a Tensor or iterable of Tensors; ``grad is None`` is skipped.
        max_norm: the largest allowed total norm (``>= 0``).
        norm_type: any positive real, or ``inf``.
        error_if_nonfinite: raise ``RuntimeError`` if the total norm is NaN or
            infinite (requires a sync).
        foreach: accepted for PyTorch compatibility; ignored.

    Returns:
        Tensor: the total norm of the gradients *before* clipping (0-d).

    Raises:
        TypeError: non-Tensor parameters, non-numeric ``max_norm``/``norm_type``.
        ValueError: negative or NaN ``max_norm``, non-positive ``norm_type``.

    Examples:
        >>> import lucid
        >>> w = lucid.tensor([3.0, 4.0], requires_grad=True)
        >>> (w * w / 2).sum().backward()          # grad = [3, 4], norm 5
        >>> lucid.nn.util.clip_grad_norm([w], max_norm=1.0).item()
        5.0
        >>> [round(v, 3) for v in w.grad.tolist()]
        [0.6, 0.8]
    """
    params = tensor_list(parameters)
    max_norm = _scalar(max_norm, "max_norm")
    p = _norm_type(norm_type)
    grads = [q.grad for q in params if q.grad is not None]
    total = _combine(_norm_terms([g._data for g in grads], p), p)
    if error_if_nonfinite:
        _check_finite(total, p)
    coef = mx.minimum(max_norm / (total + 1e-6), 1.0)
    new_buffers = [total]
    for g in grads:
        g._data = mx.multiply(g._data, coef.astype(g._data.dtype))
        g._version += 1
        new_buffers.append(g._data)
    eval_arrays(new_buffers)
    return Tensor._make(total, params[0].device if params else get_default_device())


clip_grad_norm_ = clip_grad_norm


def grad_norm(parameters: Iterable[Tensor] | Tensor, norm_type=2.0) -> Tensor:
    """The total ``norm_type``-norm of the parameters' gradients (``grad is None`` skipped), lazily.

    Examples:
        >>> import lucid
        >>> w = lucid.tensor([3.0, 4.0], requires_grad=True)
        >>> (w * w / 2).sum().backward()
        >>> lucid.nn.util.grad_norm([w]).item()
        5.0
    """
    params = tensor_list(parameters)
    return get_total_norm([q.grad for q in params if q.grad is not None], norm_type)
