"""Finite-difference gradient checking."""

from __future__ import annotations

from typing import Callable, Sequence

import numpy as np

from lucid._tensor import Tensor

__all__ = ["gradcheck", "numerical_jacobian_vjp"]


def _outputs(fn, inputs) -> list:
    out = fn(*inputs)
    if isinstance(out, Tensor):
        return [out]
    return [o for o in out if isinstance(o, Tensor)]


def numerical_jacobian_vjp(fn: Callable, inputs: Sequence[Tensor], upstream: Sequence[np.ndarray], eps: float) -> list:
    """Central differences of ``sum(upstream_k * out_k)`` with respect to each input that requires grad."""
    results = []
    for idx, t in enumerate(inputs):
        if not (isinstance(t, Tensor) and t.requires_grad):
            results.append(None)
            continue
        base = t.numpy().astype(np.float64)
        grad = np.zeros_like(base)
        flat = base.reshape(-1)
        for j in range(flat.size):
            vals = []
            for step in (eps, -eps):
                pert = flat.copy()
                pert[j] += step
                args = list(inputs)
                args[idx] = Tensor(pert.reshape(base.shape), dtype=t.dtype, device=t.device)
                outs = _outputs(fn, args)
                vals.append(sum(float(np.sum(np.asarray(o.numpy(), dtype=np.float64) * u)) for o, u in zip(outs, upstream)))
            grad.reshape(-1)[j] = (vals[0] - vals[1]) / (2 * eps)
        results.append(grad)
    return results


def gradcheck(fn: Callable, inputs: Sequence, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
              seed: int = 0, raise_exception: bool = True) -> bool:
    """Check ``fn``'s backward against central finite differences.

    A fixed random upstream gradient (not all ones, which hides reduction and
    broadcasting bugs) is pushed through ``fn``'s outputs; the resulting input
    gradients must match the numerical vector-Jacobian product. Use float64
    inputs on the CPU for tight tolerances.

    Args:
        fn: maps the inputs to a Tensor or a tuple of Tensors.
        inputs: Tensors (those with ``requires_grad=True`` are checked) and other arguments.
        eps: finite-difference step.
        atol, rtol: tolerances of the comparison.
        seed: seed of the random upstream gradient.
        raise_exception: raise ``AssertionError``-free ``RuntimeError`` with details on mismatch.

    Returns:
        True when all gradients match.

    Example:
        >>> import lucid
        >>> x = lucid.tensor([0.5, 1.5], dtype=lucid.float64, requires_grad=True)
        >>> lucid.autograd.gradcheck(lambda t: t * t * t, [x])
        True
    """
    from lucid.autograd.functional import grad as autograd_grad

    inputs = list(inputs)
    outs = _outputs(fn, inputs)
    rng = np.random.default_rng(seed)
    upstream = [rng.standard_normal(o.shape) for o in outs]
    wrt = [t for t in inputs if isinstance(t, Tensor) and t.requires_grad]
    if not wrt:
        raise ValueError("gradcheck needs at least one input with requires_grad=True")
    diff_outs = [(o, u) for o, u in zip(outs, upstream) if o.requires_grad]
    if diff_outs:
        analytic = autograd_grad([o for o, _ in diff_outs], wrt,
                                 grad_outputs=[Tensor(u, dtype=o.dtype, device=o.device) for o, u in diff_outs],
                                 allow_unused=True)
    else:
        analytic = [None] * len(wrt)
    numeric = [g for g in numerical_jacobian_vjp(fn, inputs, upstream, eps) if g is not None]
    for i, (a, n) in enumerate(zip(analytic, numeric)):
        a_np = np.zeros_like(n) if a is None else a.numpy().astype(np.float64)
        if a_np.shape != n.shape:
            msg = f"gradcheck: input {i}: analytic gradient shape {a_np.shape} != expected {n.shape}"
            if raise_exception:
                raise RuntimeError(msg)
            return False
        if not np.allclose(a_np, n, atol=atol, rtol=rtol, equal_nan=True):
            err = np.max(np.abs(a_np - n))
            msg = (f"gradcheck: input {i}: analytic and numerical gradients differ (max abs error {err:.3g})\n"
                   f"analytic:\n{a_np}\nnumerical:\n{n}")
            if raise_exception:
                raise RuntimeError(msg)
            return False
    return True
