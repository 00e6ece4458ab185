"""Finite-difference gradient checking."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import mlx.core as mx
import numpy as np

from lucid._backend import reductions
from lucid._tensor import Tensor

__all__ = ["gradcheck", "numerical_jacobian_vjp"]


def _outputs(fn, inputs) -> list:
    out = fn(*inputs)
    if isinstance(out, Tensor):
        return [out]
    return [o for o in out if isinstance(o, Tensor)]


def numerical_jacobian_vjp(fn: Callable, inputs: Sequence[Tensor], upstream: Sequence[np.ndarray], eps: float,
                           chunk: int = 512) -> list:
    """Central differences of ``sum(upstream_k * out_k)`` with respect to each input that requires grad.

    The perturbed evaluations are built lazily and evaluated ``chunk`` at a
    time in one ``mx.eval`` each: thousands of tiny separate evaluations
    would cost far more than the arithmetic.
    """
    from lucid.autograd.grad_mode import no_grad

    ups = [mx.array(np.asarray(u, dtype=np.float64), dtype=mx.float64) for u in upstream]

    def objective(args) -> mx.array:
        total = mx.array(0.0, dtype=mx.float64)
        for o, u in zip(_outputs(fn, args), ups):
            total = total + reductions.sum(o._data.astype(mx.float64) * u)
        return total

    results = []
    for idx, t in enumerate(inputs):
        if not (isinstance(t, Tensor) and t.requires_grad):
            results.append(None)
            continue
        # NOTE: C order matters: the flat view below must alias ``base``.
        base = np.array(t.numpy(), dtype=np.float64, order="C")
        flat = base.reshape(-1)
        diffs = np.zeros(flat.size)
        pending: list = []

        def flush(pending=pending, diffs=diffs):
            mx.eval([v for _, pair in pending for v in pair])
            for j, (plus, minus) in pending:
                diffs[j] = (plus.item() - minus.item()) / (2 * eps)
            pending.clear()

        with no_grad():
            for j in range(flat.size):
                pair = []
                for step in (eps, -eps):
                    pert = flat.copy()
                    pert[j] += step
                    args = list(inputs)
                    args[idx] = Tensor(pert.reshape(base.shape), dtype=t.dtype, device=t.device)
                    pair.append(objective(args))
                pending.append((j, pair))
                if len(pending) >= chunk:
                    flush()
            if pending:
                flush()
        results.append(diffs.reshape(base.shape))
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
        raise_exception: on a mismatch raise a ``RuntimeError`` with the details
            (default); when ``False``, return ``False`` instead.

    Returns:
        True when all gradients match.

    Raises:
        RuntimeError: a gradient differs from its finite-difference estimate
            (or has the wrong shape) and ``raise_exception`` is true.
        ValueError: no input requires grad.

    Examples:
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
