"""Finite-difference gradient checking that copes with the precision MLX delivers.

MLX computes a few float64 functions (``sin``, ``cos``, ``exp``, ``erf``,
``sigmoid``) at float32 precision, so a two-point central difference with the
usual ``1e-6`` step amplifies their rounding about a million-fold and rejects
right gradients. The numerical side here instead:

* uses a fourth-order central difference, Richardson's combination of the
  central differences with steps ``h`` and ``2h``, and estimates its error
  from the same combination with steps ``2h`` and ``4h``;
* starts at the step ``eps`` and, where that estimated error is more than
  a quarter of the tolerance, searches larger steps (rounding noise falls like
  ``1/h``), up to ``1/8``, and smaller ones (truncation error falls like
  ``h**4``);
* fails as *inconclusive*, never passes, when no step gets the estimated
  error within the tolerance, so a wrong gradient is never accepted because
  the numerical side was too noisy to see it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import mlx.core as mx
import numpy as np

from lucid._backend import reductions
from lucid._tensor import Tensor

__all__ = ["gradcheck", "numerical_jacobian_vjp"]

# The largest step tried. Steps are powers of two, so that ``x + h`` and
# ``x + 2h`` are exact in the input's dtype for the usual input ranges.
_MAX_STEP = 2.0 ** -3
# Where the first step is too noisy, the search continues from this one.
_LARGE_STEP = 2.0 ** -7
# A step is accepted where the estimated error is at most this fraction of the tolerance.
_ACCEPT = 0.25


def _outputs(fn, inputs) -> list:
    out = fn(*inputs)
    if isinstance(out, Tensor):
        return [out]
    return [o for o in out if isinstance(o, Tensor)]


def _power_of_two(step: float) -> float:
    return 2.0 ** math.floor(math.log2(step))


def _differences(fn, inputs, idx: int, ups: list, steps: Sequence[float], chunk: int) -> list:
    """``objective(x + s e_j) - objective(x - s e_j)`` for every element ``j`` of input ``idx``, per step ``s``.

    The objective is ``sum_k upstream_k * out_k`` in float64. The perturbed
    evaluations are built lazily and evaluated ``chunk`` at a time in one
    ``mx.eval`` each: thousands of tiny separate evaluations would cost far
    more than the arithmetic.
    """
    from lucid.autograd.grad_mode import no_grad

    def objective(args) -> mx.array:
        total = mx.array(0.0, dtype=mx.float64)
        for o, u in zip(_outputs(fn, args), ups):
            total = total + reductions.sum(o._data.astype(mx.float64) * u)
        return total

    t = inputs[idx]
    # NOTE: C order matters: the flat view below must alias ``base``.
    base = np.array(t.numpy(), dtype=np.float64, order="C")
    flat = base.reshape(-1)
    diffs = [np.zeros(flat.size) for _ in steps]
    pending: list = []

    def flush(pending: list, diffs: list) -> None:
        mx.eval([v for _, _, plus, minus in pending for v in (plus, minus)])
        for k, j, plus, minus in pending:
            diffs[k][j] = plus.item() - minus.item()
        pending.clear()

    with no_grad():
        for j in range(flat.size):
            for k, step in enumerate(steps):
                pair = []
                for signed in (step, -step):
                    pert = flat.copy()
                    pert[j] += signed
                    args = list(inputs)
                    args[idx] = Tensor(pert.reshape(base.shape), dtype=t.dtype, device=t.device)
                    pair.append(objective(args))
                pending.append((k, j, *pair))
            if len(pending) >= chunk:
                flush(pending, diffs)
        if pending:
            flush(pending, diffs)
    return [d.reshape(base.shape) for d in diffs]


def _estimate(fn, inputs, idx: int, ups: list, step: float, chunk: int, budget=None, strict: bool = False):
    """The fourth-order estimate of input ``idx``'s vector-Jacobian product at ``step``, and its error estimate.

    Richardson's combination ``r1`` of the central differences ``c1`` (step
    ``h``) and ``c2`` (step ``2h``) cancels their ``h**2`` errors. ``|c1 - c2|``
    bounds ``r1``'s error from above (by far, where truncation dominates; about
    equal where rounding does). Where that bound exceeds ``_ACCEPT`` of the
    ``budget`` (the tolerance, when given), ``|r1 - r2|`` is computed too, with
    ``r2`` the same combination one step up: it is ~15x ``r1``'s error where
    truncation dominates and about equal where rounding does. The smaller of
    the two is the estimate, or with ``strict`` (for steps where rounding noise
    can be large, and either alone can be small by chance) the larger.
    """
    d1, d2 = _differences(fn, inputs, idx, ups, (step, 2 * step), chunk)
    c1, c2 = d1 / (2 * step), d2 / (4 * step)
    r1 = (4 * c1 - c2) / 3
    err = np.abs(c1 - c2)
    if budget is not None and not np.all(err <= budget(r1) * _ACCEPT):
        (d4,) = _differences(fn, inputs, idx, ups, (4 * step,), chunk)
        r2 = (4 * c2 - d4 / (8 * step)) / 3
        err = (np.maximum if strict else np.minimum)(err, np.abs(r1 - r2))
    return r1, err


def numerical_jacobian_vjp(fn: Callable, inputs: Sequence[Tensor], upstream: Sequence[np.ndarray], eps: float,
                           chunk: int = 512) -> list:
    """Fourth-order central differences of ``sum(upstream_k * out_k)`` with respect to each input that requires grad.

    Args:
        fn: maps the inputs to a Tensor or a tuple of Tensors.
        inputs: the arguments of ``fn``.
        upstream: one NumPy array per Tensor output of ``fn``, its shape.
        eps: the step ``h``; the estimate combines steps ``h`` and ``2h``.
        chunk: how many perturbed evaluations share one ``mx.eval``.

    Returns:
        list: one float64 array per input (``None`` for inputs that do not require grad).

    Examples:
        >>> import lucid, numpy as np
        >>> x = lucid.tensor([1.0, 2.0], dtype=lucid.float64, requires_grad=True)
        >>> (g,) = numerical_jacobian_vjp(lambda t: t * t, [x], [np.ones(2)], eps=2.0 ** -10)
        >>> np.round(g, 6).tolist()
        [2.0, 4.0]
    """
    inputs = list(inputs)
    ups = [mx.array(np.asarray(u, dtype=np.float64), dtype=mx.float64) for u in upstream]
    return [_estimate(fn, inputs, i, ups, eps, chunk)[0] if isinstance(t, Tensor) and t.requires_grad else None
            for i, t in enumerate(inputs)]


def _numerical(fn, inputs, idx: int, ups: list, eps: float, atol: float, rtol: float, chunk: int = 512):
    """The estimate at a step whose estimated error is within ``_ACCEPT`` of the tolerance everywhere.

    Tries ``eps`` first. If that is not accurate enough, rounding noise is the
    usual cause (it grows like ``1/h``, while the truncation error of the
    fourth-order estimate shrinks like ``h**4``), so a large step comes next:
    ``_LARGE_STEP``, or more if the noise seen calls for it. From there it
    searches larger steps, then smaller ones, while that helps. Returns
    ``(estimate, error, step, resolved)``; ``resolved`` is false when no step
    got the error within the tolerance (the best one found is returned).
    """
    t = inputs[idx]
    # A step must change the input: far above the spacing of its dtype's values.
    info = mx.finfo(t._data.dtype if mx.issubdtype(t._data.dtype, mx.floating) else mx.float64)
    magnitude = float(np.max(np.abs(t.numpy()), initial=0.0))
    smallest = _power_of_two(max(float(info.smallest_normal), 1024 * float(info.eps) * magnitude))

    def budget(est):
        return atol + rtol * np.abs(est)

    tried: dict = {}

    def at(step: float, strict: bool = False) -> tuple:
        if step in tried:
            return tried[step]
        est, err = _estimate(fn, inputs, idx, ups, step, chunk, budget, strict)
        # Where the function is NaN at every step there is nothing to resolve.
        ratio = np.where(np.isnan(est) & np.isnan(err), 0.0, err / budget(est))
        if ratio.size > 1:
            # Rounding noise relative to the tolerance is alike across elements, but one
            # element's estimate can be small by chance: the median is a floor under all.
            ratio = np.maximum(ratio, np.median(ratio))
        worst = math.inf if np.isnan(ratio).any() else float(np.max(ratio, initial=0.0))
        tried[step] = (est, err, step, worst)
        return tried[step]

    first = best = at(min(_MAX_STEP, max(smallest, _power_of_two(eps))))
    if first[3] <= _ACCEPT:
        return first[0], first[1], first[2], True
    noise_target = first[2] * 16 * first[3] if math.isfinite(first[3]) else _MAX_STEP
    start = min(_MAX_STEP, max(_LARGE_STEP, 2.0 ** math.ceil(math.log2(noise_target))))
    for factor in (8.0, 1 / 8):
        step, prev = start, None
        while smallest <= step <= _MAX_STEP:
            cur = at(step, strict=step < start)
            if cur[3] <= _ACCEPT:
                return cur[0], cur[1], cur[2], True
            if cur[3] < best[3]:
                best = cur
            if prev is not None and cur[3] >= prev[3]:
                break  # getting worse: the other kind of error dominates this way
            prev = cur
            step *= factor
    est, err, step, worst = best
    return est, err, step, worst <= 1.0


def gradcheck(fn: Callable, inputs: Sequence, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
              seed: int = 0, raise_exception: bool = True) -> bool:
    """Check ``fn``'s backward against finite differences.

    A fixed random upstream gradient (not all ones, which hides reduction and
    broadcasting bugs) is pushed through ``fn``'s outputs; the resulting input
    gradients must match the numerical vector-Jacobian product within
    ``atol + rtol * |numerical|``.

    The numerical side is a fourth-order central difference whose own error
    is estimated. Where that error is too large for the tolerance at the step
    ``eps`` (as for MLX's float64 ``sin``, ``cos``, ``exp``, ``erf`` and
    ``sigmoid``, which are only float32-accurate), larger steps (up to
    ``1/8``) and smaller ones are tried. When none is accurate enough the check fails as inconclusive
    rather than pass a gradient it could not verify. Float64 inputs on the
    CPU give the tightest checks; float32 inputs work with the same defaults
    for smooth functions of moderate size.

    Args:
        fn: maps the inputs to a Tensor or a tuple of Tensors.
        inputs: Tensors (those with ``requires_grad=True`` are checked) and other arguments.
        eps: the first finite-difference step (rounded down to a power of two, so
            that perturbed inputs are exact).
        atol, rtol: tolerances of the comparison.
        seed: seed of the random upstream gradient.
        raise_exception: on a mismatch raise a ``RuntimeError`` with the details
            (default); when ``False``, return ``False`` instead.

    Returns:
        True when all gradients match.

    Raises:
        RuntimeError: a gradient differs from its finite-difference estimate,
            has the wrong shape, or could not be estimated accurately enough,
            and ``raise_exception`` is true.
        ValueError: no input requires grad, or ``eps``, ``atol`` or ``rtol`` is
            not a positive (``eps``) or non-negative number.

    Examples:
        >>> import lucid
        >>> x = lucid.tensor([0.5, 1.5], dtype=lucid.float64, requires_grad=True)
        >>> lucid.autograd.gradcheck(lambda t: t * t * t, [x])
        True
        >>> lucid.autograd.gradcheck(lambda t: (lucid.sin(t) * t).sum(), [x])
        True
    """
    from lucid.autograd.functional import grad as autograd_grad

    if not (isinstance(eps, (int, float)) and math.isfinite(eps) and 0 < eps <= _MAX_STEP):
        raise ValueError(f"gradcheck: eps must be a number in (0, {_MAX_STEP}], got {eps!r}")
    for name, tol in (("atol", atol), ("rtol", rtol)):
        if not (isinstance(tol, (int, float)) and tol >= 0):
            raise ValueError(f"gradcheck: {name} must be a non-negative number, got {tol!r}")
    if atol == 0 and rtol == 0:
        raise ValueError("gradcheck: atol and rtol cannot both be 0 (finite differences are never exact)")

    def fail(msg: str) -> bool:
        if raise_exception:
            raise RuntimeError(msg)
        return False

    inputs = list(inputs)
    outs = _outputs(fn, inputs)
    rng = np.random.default_rng(seed)
    upstream = [rng.standard_normal(o.shape) for o in outs]
    wrt = [i for i, t in enumerate(inputs) if isinstance(t, Tensor) and t.requires_grad]
    if not wrt:
        raise ValueError("gradcheck needs at least one input with requires_grad=True")
    diff_outs = [(o, u) for o, u in zip(outs, upstream) if o.requires_grad]
    if diff_outs:
        analytic = autograd_grad([o for o, _ in diff_outs], [inputs[i] for i in wrt],
                                 grad_outputs=[Tensor(u, dtype=o.dtype, device=o.device) for o, u in diff_outs],
                                 allow_unused=True)
    else:
        analytic = [None] * len(wrt)
    ups = [mx.array(u, dtype=mx.float64) for u in upstream]
    for i, (idx, a) in enumerate(zip(wrt, analytic)):
        shape = tuple(inputs[idx].shape)
        a_np = np.zeros(shape) if a is None else a.numpy().astype(np.float64)
        if a_np.shape != shape:
            return fail(f"gradcheck: input {i}: analytic gradient shape {a_np.shape} != expected {shape}")
        n, err, step, resolved = _numerical(fn, inputs, idx, ups, eps, atol, rtol)
        if not resolved:
            where = np.unravel_index(int(np.nanargmax(err / (atol + rtol * np.abs(n)))), shape) if err.size else ()
            return fail(
                f"gradcheck: input {i}: inconclusive: finite differences could not estimate the gradient "
                f"within the tolerance at any step tried (estimated error "
                f"{float(err[where]):.3g} at element {tuple(int(k) for k in where)} with step {step:.3g}). The "
                "function is too inaccurate or not smooth near these inputs: use float64 inputs, move them away "
                "from kinks, or loosen atol/rtol."
            )
        if not np.allclose(a_np, n, atol=atol, rtol=rtol, equal_nan=True):
            bad = np.abs(a_np - n)
            return fail(
                f"gradcheck: input {i}: analytic and numerical gradients differ (max abs error "
                f"{float(np.nanmax(bad)):.3g}; finite-difference step {step:.3g}, its estimated error "
                f"{float(np.max(err, initial=0.0)):.3g})\nanalytic:\n{a_np}\nnumerical:\n{n}"
            )
    return True
