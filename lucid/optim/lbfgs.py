r"""L-BFGS: the limited-memory quasi-Newton method, with an optional strong-Wolfe line search.

Unlike the other optimizers, L-BFGS decides on the host: whether it has
converged, whether a curvature pair is kept, and (with the line search) which
step length to try next. Those decisions need values, so ``step`` is a sync
point by design, as PyTorch's implementation is (its ``.item()`` calls).
Lucid keeps the reads few and batched:

- every inner iteration reads all the scalars it needs (loss, the largest
  gradient entry, the curvature :math:`y^\top s`, the directional derivative
  of the new direction and the last step's size) in **one** batched
  evaluation. The direction is computed ahead, assuming the new curvature
  pair is kept; only in the rare case that it is rejected
  (:math:`y^\top s \le 10^{-10}`) is the direction recomputed, at the cost of
  one more read;
- with ``line_search_fn="strong_wolfe"`` each trial point costs one read
  (its loss and directional derivative) after the closure has run.

The closure itself (forward and backward) stays lazy; the reads evaluate it.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import mlx.core as mx

from lucid._backend import evaluation as _evaluation
from lucid._backend import reductions as _red
from lucid._tensor import Tensor, as_array
from lucid.autograd.grad_mode import enable_grad
from lucid.optim._checks import check_int
from lucid.optim.optimizer import Optimizer, ParamsT

__all__ = ["LBFGS"]

_GROUPS_MESSAGE = ("LBFGS doesn't support per-parameter options (parameter groups): it optimizes one flat "
                   "vector of all parameters; pass a single list of Tensors")

# The tensors and lists of tensors of LBFGS's state; the rest are Python numbers.
_ARRAY_KEYS = ("d", "H_diag", "prev_flat_grad")
_LIST_KEYS = ("old_dirs", "old_stps", "ro")


class LBFGS(Optimizer):
    r"""L-BFGS (Nocedal and Wright, *Numerical Optimization*, algorithms 7.4 and 7.5), PyTorch's variant.

    All parameters are treated as one flat vector :math:`x` with gradient
    :math:`g`. Each inner iteration builds a search direction
    :math:`d = -H g` with the two-loop recursion over the last
    ``history_size`` curvature pairs :math:`(s_i, y_i)`
    (:math:`s = x_{k+1} - x_k`, :math:`y = g_{k+1} - g_k`, kept when
    :math:`y^\top s > 10^{-10}`) and initial scaling
    :math:`H_0 = y^\top s / y^\top y`, then moves :math:`x \leftarrow x + t d`.
    The step length :math:`t` is ``lr`` (on the very first iteration
    :math:`\min(1, 1/\lVert g\rVert_1) \cdot` ``lr``), or the result of a
    line search satisfying the strong Wolfe conditions
    (:math:`c_1 = 10^{-4}`, :math:`c_2 = 0.9`; bracketing and zoom with
    cubic interpolation, algorithms 3.5 and 3.6, at most 25 evaluations).

    ``step(closure)`` runs up to ``max_iter`` iterations and ``max_eval``
    closure calls, and stops early when the largest gradient entry is at most
    ``tolerance_grad``, or when the step, the change of the loss or the
    directional derivative falls below ``tolerance_change``.

    This is a sync point by design (module docstring): each inner iteration
    reads its scalars in one batched evaluation, plus one read per line-search
    trial. The state (curvature pairs, last direction, ...) persists across
    calls, as in PyTorch, and is kept for the first parameter:
    ``func_evals``, ``n_iter``, ``d``, ``t``, ``old_dirs``, ``old_stps``,
    ``ro``, ``H_diag``, ``prev_flat_grad``, ``prev_loss``.

    Args:
        params: the Tensors to optimize (one group only).
        lr: learning rate (the step length without line search, the first
            trial with it). Default: 1.
        max_iter: inner iterations per ``step``. Default: 20.
        max_eval: closure calls per ``step``. Default: ``max_iter * 5 // 4``.
        tolerance_grad: stop when :math:`\max_i |g_i|` is at most this. Default: 1e-7.
        tolerance_change: stop when the step, the loss or the directional
            derivative changes by less than this. Default: 1e-9.
        history_size: curvature pairs kept. Default: 100.
        line_search_fn: ``None`` (fixed step) or ``"strong_wolfe"``.

    Raises:
        TypeError: a hyperparameter of the wrong type; ``step`` without a closure.
        ValueError: a negative ``lr`` or tolerance, a non-positive ``max_iter``,
            ``max_eval`` or ``history_size``, an unknown ``line_search_fn``, or
            more than one parameter group.

    Examples:
        A quadratic in two variables is solved in a few iterations:

        >>> import lucid
        >>> x = lucid.tensor([3.0, -2.0], requires_grad=True)
        >>> opt = lucid.optim.LBFGS([x], line_search_fn="strong_wolfe")
        >>> def closure():
        ...     opt.zero_grad()
        ...     loss = ((x - lucid.tensor([1.0, 2.0])) ** 2 * lucid.tensor([1.0, 10.0])).sum()
        ...     loss.backward()
        ...     return loss
        >>> opt.step(closure).item()  # the loss at the start
        164.0
        >>> [round(v, 4) for v in x.tolist()]
        [1.0, 2.0]
    """

    _scalar_keys: tuple = ()
    _nonnegative = ("lr", "tolerance_grad", "tolerance_change")
    _flags: tuple = ()

    def __init__(self, params: ParamsT, lr: float = 1, max_iter: int = 20, max_eval: int | None = None,
                 tolerance_grad: float = 1e-7, tolerance_change: float = 1e-9, history_size: int = 100,
                 line_search_fn: str | None = None):
        check_int(max_iter, "max_iter", 1)
        if max_eval is None:
            max_eval = max_iter * 5 // 4
        super().__init__(params, dict(lr=lr, max_iter=max_iter, max_eval=max_eval, tolerance_grad=tolerance_grad,
                                      tolerance_change=tolerance_change, history_size=history_size,
                                      line_search_fn=line_search_fn))
        self._params = self.param_groups[0]["params"]

    def _validate(self, group: dict) -> None:
        super()._validate(group)
        check_int(group["max_iter"], "max_iter", 1)
        check_int(group["max_eval"], "max_eval", 1)
        check_int(group["history_size"], "history_size", 1)
        ls = group["line_search_fn"]
        if ls is not None and ls != "strong_wolfe":
            raise ValueError(f"LBFGS: line_search_fn must be None or 'strong_wolfe', got {ls!r}")

    def add_param_group(self, param_group: dict) -> None:
        """Add the (single) parameter group; LBFGS takes no second group.

        Raises:
            ValueError: the optimizer already has its group.

        Examples:
            >>> import lucid
            >>> opt = lucid.optim.LBFGS([lucid.zeros(2, requires_grad=True)])
            >>> opt.add_param_group({"params": [lucid.zeros(1, requires_grad=True)]})  # doctest: +ELLIPSIS
            Traceback (most recent call last):
            ...
            ValueError: LBFGS doesn't support per-parameter options (parameter groups): ...
        """
        if self.param_groups:
            raise ValueError(_GROUPS_MESSAGE)
        super().add_param_group(param_group)

    # -- the flat vector ----------------------------------------------------------------
    def _flat_grad(self) -> mx.array:
        parts = []
        for p in self._params:
            g = p.grad
            parts.append(mx.zeros((p._data.size,), dtype=p._data.dtype) if g is None else g._data.reshape(-1))
        return parts[0] if len(parts) == 1 else mx.concatenate(parts)

    def _set_params(self, base: list, t: float, d: mx.array) -> None:
        """Set every parameter to its slice of ``base + t * d`` (``base``: one array per parameter)."""
        offset = 0
        for p, x in zip(self._params, base):
            n = x.size
            step = (t * d[offset:offset + n]).reshape(x.shape)
            p._data = (x + step).astype(x.dtype)
            p._version += 1
            offset += n

    def _evaluate(self, closure: Callable) -> tuple:
        """Run the closure under grad mode; return (its result, the loss as an array, the flat gradient)."""
        with enable_grad():
            result = closure()
        if isinstance(result, Tensor):
            if result._data.size != 1:
                raise ValueError(f"LBFGS: the closure must return the loss as a one-element Tensor, got shape "
                                 f"{tuple(result.shape)}")
            loss = result._data.reshape(())
        else:
            try:
                loss = as_array(result).reshape(())
            except (TypeError, ValueError):
                raise TypeError(f"LBFGS: the closure must return the loss (a Tensor or a number), got "
                                f"{type(result).__name__}") from None
        return result, loss, self._flat_grad()

    @staticmethod
    def _read(arrays: list) -> list:
        """Evaluate ``arrays`` in one batch and return their values as Python floats (the sync point)."""
        _evaluation.eval_arrays(arrays)
        return [a.item() for a in arrays]

    # -- the step --------------------------------------------------------------------------
    def step(self, closure: Callable | None = None):
        """Run up to ``max_iter`` L-BFGS iterations; return the loss of the closure's first call.

        Args:
            closure: a callable that zeroes the gradients, recomputes the loss,
                calls ``backward()`` and returns the loss. Required: L-BFGS
                evaluates the objective several times per step.

        Raises:
            TypeError: ``closure`` is missing or not callable, or returns
                something that is not a loss.

        Examples:
            >>> import lucid
            >>> opt = lucid.optim.LBFGS([lucid.zeros(1, requires_grad=True)])
            >>> opt.step()  # doctest: +ELLIPSIS
            Traceback (most recent call last):
            ...
            TypeError: LBFGS.step() requires a closure that zeroes the gradients, ... got None
        """
        if not callable(closure):
            got = "None" if closure is None else type(closure).__name__
            raise TypeError("LBFGS.step() requires a closure that zeroes the gradients, recomputes the loss, "
                            f"calls backward() and returns the loss; got {got}")
        group = self.param_groups[0]
        lr = group["lr"]
        max_iter, max_eval = group["max_iter"], group["max_eval"]
        tol_grad, tol_change = group["tolerance_grad"], group["tolerance_change"]
        history_size = group["history_size"]
        line_search = group["line_search_fn"] is not None

        state = self.state[self._params[0]]
        state.setdefault("func_evals", 0)
        state.setdefault("n_iter", 0)
        orig_loss, loss, g = self._evaluate(closure)
        evals = 1
        state["func_evals"] += 1

        d = _data(state.get("d"))
        t = state.get("t")
        dirs = [_data(v) for v in state.get("old_dirs", [])]
        stps = [_data(v) for v in state.get("old_stps", [])]
        ro = [_data(v) for v in state.get("ro", [])]
        h_diag = _data(state.get("H_diag"))
        prev_g = _data(state.get("prev_flat_grad"))
        prev_loss = state.get("prev_loss")

        n_iter = 0
        ran = False  # whether an iteration ran (and the state must be saved)
        while True:
            # One read for the tests of the last iteration and everything the next one needs.
            first = state["n_iter"] == 0
            names = ["loss", "gmax"]
            arrays = [loss, mx.max(mx.abs(g))]
            if n_iter > 0:
                names.append("step")
                arrays.append(mx.max(mx.abs(d)) * abs(t))
            if first:
                cand = (-g, None)
                names += ["gsum", "gtd"]
                arrays += [_red.sum(mx.abs(g)), -mx.inner(g, g)]
            else:
                y = g - prev_g
                s = d * t
                ys = mx.inner(y, s)
                keep = max(0, len(dirs) + 1 - history_size)
                c_dirs, c_stps, c_ro = dirs[keep:] + [y], stps[keep:] + [s], ro[keep:] + [1.0 / ys]
                c_h = ys / mx.inner(y, y)
                c_d = _two_loop(g, c_dirs, c_stps, c_ro, c_h)
                cand = (c_d, (c_dirs, c_stps, c_ro, c_h))
                names += ["ys", "gtd"]
                arrays += [ys, mx.inner(g, c_d)]
            values = dict(zip(names, self._read(arrays)))
            loss_value = values["loss"]
            if values["gmax"] <= tol_grad:
                break
            if n_iter > 0 and (values["step"] <= tol_change or abs(loss_value - prev_loss) < tol_change):
                break

            n_iter += 1
            state["n_iter"] += 1
            ran = True
            if first:
                d = cand[0]
                dirs, stps, ro = [], [], []
                h_diag = mx.array(1.0, dtype=g.dtype)
                gtd = values["gtd"]
            elif values["ys"] > 1e-10:
                d = cand[0]
                dirs, stps, ro, h_diag = cand[1]
                gtd = values["gtd"]
            else:
                # The pair was rejected: the direction from the old history costs one more read.
                d = _two_loop(g, dirs, stps, ro, h_diag)
                (gtd,) = self._read([mx.inner(g, d)])
            prev_g = g
            prev_loss = loss_value
            t = min(1.0, 1.0 / values["gsum"]) * lr if first else lr
            if gtd > -tol_change:
                break

            if line_search:
                base = [p._data for p in self._params]
                loss, g, t, ls_evals = self._strong_wolfe(closure, base, t, d, loss_value, g, gtd, tol_change)
                self._set_params(base, t, d)
            else:
                self._set_params([p._data for p in self._params], t, d)
                ls_evals = 0
                if n_iter != max_iter:
                    _, loss, g = self._evaluate(closure)
                    ls_evals = 1
            evals += ls_evals
            state["func_evals"] += ls_evals
            if n_iter == max_iter or evals >= max_eval:
                break

        if ran:
            device = self._params[0]._device
            state["d"] = Tensor._make(d, device)
            state["t"] = t
            state["old_dirs"] = [Tensor._make(v, device) for v in dirs]
            state["old_stps"] = [Tensor._make(v, device) for v in stps]
            state["ro"] = [Tensor._make(v, device) for v in ro]
            state["H_diag"] = Tensor._make(h_diag, device)
            state["prev_flat_grad"] = Tensor._make(prev_g, device)
            state["prev_loss"] = prev_loss
        arrays = [p._data for p in self._params]
        if ran:
            arrays += [d, prev_g]
        self._step_calls += 1
        _evaluation.eval_arrays(arrays)
        return orig_loss

    # -- the line search -----------------------------------------------------------------
    def _strong_wolfe(self, closure: Callable, base: list, t: float, d: mx.array, f: float, g: mx.array,
                      gtd: float, tol_change: float, c1: float = 1e-4, c2: float = 0.9, max_ls: int = 25) -> tuple:
        """Find a step length satisfying the strong Wolfe conditions along ``d`` from ``base``.

        Bracketing (Nocedal and Wright, algorithm 3.5) then zoom (3.6), with
        safeguarded cubic interpolation. Each trial point is one closure call
        and one read of ``(loss, g . d)``. Returns ``(loss array, flat gradient,
        t, evaluations)`` of the accepted point; the parameters are left at ``base``.
        """
        d_max = None
        evals = 0

        def trial(step: float) -> tuple:
            nonlocal d_max, evals
            self._set_params(base, step, d)
            _, loss, grad = self._evaluate(closure)
            _restore(self._params, base)
            evals += 1
            arrays = [loss, mx.inner(grad, d)]
            if d_max is None:
                arrays.append(mx.max(mx.abs(d)))
            values = self._read(arrays)
            if d_max is None:
                d_max = values[2]
            return values[0], values[1], loss, grad

        f_arr = None  # the loss array at t = 0 is not needed: f is known
        f_new, gtd_new, f_new_arr, g_new = trial(t)
        # (t, f, g.d, loss array, gradient) of the previous trial; t = 0 is the start.
        prev = (0.0, f, gtd, f_arr, g)
        new = (t, f_new, gtd_new, f_new_arr, g_new)
        bracket = None
        done = False
        ls_iter = 0
        while ls_iter < max_ls:
            if f_new > f + c1 * t * gtd or (ls_iter > 1 and f_new >= prev[1]):
                bracket = [prev, new]
                break
            if abs(gtd_new) <= -c2 * gtd:
                bracket = [new]
                done = True
                break
            if gtd_new >= 0:
                bracket = [prev, new]
                break
            # Extrapolate: a cubic step between 1.01 t - 0.01 t_prev and 10 t.
            lo, hi = t + 0.01 * (t - prev[0]), t * 10
            t_next = _cubic_min(prev[0], prev[1], prev[2], t, f_new, gtd_new, (lo, hi))
            prev = new
            t = t_next
            f_new, gtd_new, f_new_arr, g_new = trial(t)
            new = (t, f_new, gtd_new, f_new_arr, g_new)
            ls_iter += 1
        if bracket is None:  # max_ls trials without a bracket
            bracket = [(0.0, f, gtd, f_arr, g), new]

        # Zoom: shrink [lo, hi] (by loss) until a point satisfies both conditions.
        low, high = (0, 1) if len(bracket) == 1 or bracket[0][1] <= bracket[-1][1] else (1, 0)
        insufficient = False
        while not done and ls_iter < max_ls:
            a, b = bracket[0][0], bracket[1][0]
            if abs(b - a) * d_max < tol_change:
                break
            t = _cubic_min(a, bracket[0][1], bracket[0][2], b, bracket[1][1], bracket[1][2])
            top, bottom = max(a, b), min(a, b)
            eps = 0.1 * (top - bottom)
            # Keep t away from the ends of the bracket, so the bracket shrinks.
            if min(top - t, t - bottom) < eps:
                if insufficient or t >= top or t <= bottom:
                    t = top - eps if abs(t - top) < abs(t - bottom) else bottom + eps
                    insufficient = False
                else:
                    insufficient = True
            else:
                insufficient = False
            f_new, gtd_new, f_new_arr, g_new = trial(t)
            new = (t, f_new, gtd_new, f_new_arr, g_new)
            ls_iter += 1
            if f_new > f + c1 * t * gtd or f_new >= bracket[low][1]:
                bracket[high] = new
                low, high = (0, 1) if bracket[0][1] <= bracket[1][1] else (1, 0)
            else:
                if abs(gtd_new) <= -c2 * gtd:
                    done = True
                elif gtd_new * (bracket[high][0] - bracket[low][0]) >= 0:
                    bracket[high] = bracket[low]
                bracket[low] = new
        best = bracket[low]
        loss = best[3] if best[3] is not None else mx.array(best[1], dtype=g.dtype)
        return loss, best[4], best[0], evals

    # -- checkpoints ------------------------------------------------------------------------
    def state_dict(self) -> dict:
        """The state in PyTorch's layout (one entry, for the first parameter) and the group.

        Examples:
            >>> import lucid
            >>> x = lucid.tensor([1.0, 2.0], requires_grad=True)
            >>> opt = lucid.optim.LBFGS([x], max_iter=2, max_eval=4)
            >>> def closure():
            ...     opt.zero_grad(); loss = (x * x).sum(); loss.backward(); return loss
            >>> _ = opt.step(closure)
            >>> sd = opt.state_dict()
            >>> sd["state"][0]["n_iter"], len(sd["state"][0]["old_dirs"])
            (2, 1)
        """
        group = self.param_groups[0]
        packed_group = {k: (list(v) if isinstance(v, list) else v) for k, v in group.items() if k != "params"}
        packed_group["params"] = list(range(len(self._params)))
        packed = {}
        for idx, p in enumerate(self._params):
            st = self.state.get(p)
            if not st:
                continue
            entry = {}
            for k, v in st.items():
                if isinstance(v, Tensor):
                    entry[k] = Tensor._make(v._data, v._device)
                elif isinstance(v, list):
                    entry[k] = [Tensor._make(x._data, x._device) for x in v]
                else:
                    entry[k] = v
            packed[idx] = entry
        return {"state": packed, "param_groups": [packed_group]}

    def load_state_dict(self, state_dict: dict) -> None:
        """Restore what ``state_dict()`` returned (values may be Tensors, arrays or numbers).

        Raises:
            TypeError: not a state dict, or a state value of the wrong type.
            ValueError: more than one group, an unknown parameter index, or a
                vector whose length is not the number of parameter entries.

        Examples:
            >>> import lucid
            >>> x = lucid.tensor([1.0, 2.0], requires_grad=True)
            >>> opt = lucid.optim.LBFGS([x], max_iter=2)
            >>> def closure():
            ...     opt.zero_grad(); loss = (x * x).sum(); loss.backward(); return loss
            >>> _ = opt.step(closure)
            >>> opt2 = lucid.optim.LBFGS([x])
            >>> opt2.load_state_dict(opt.state_dict())
            >>> opt2.state[x]["func_evals"], opt2.param_groups[0]["max_iter"]
            (2, 2)
        """
        if not isinstance(state_dict, dict) or "state" not in state_dict or "param_groups" not in state_dict:
            raise TypeError("load_state_dict expects a dict with 'state' and 'param_groups', as returned by "
                            f"state_dict(); got {type(state_dict).__name__}")
        saved = state_dict["state"]
        super().load_state_dict({"state": {}, "param_groups": state_dict["param_groups"]})
        self._params = self.param_groups[0]["params"]
        numel = sum(p._data.size for p in self._params)
        device = self._params[0]._device
        for k, entry in saved.items():
            idx = int(k)
            if not 0 <= idx < len(self._params):
                raise ValueError(f"loaded state has an entry for parameter index {idx}, "
                                 f"but the optimizer has only {len(self._params)} parameters")
            st = {}
            for name, value in entry.items():
                if name in _ARRAY_KEYS:
                    st[name] = Tensor._make(_vector(value, name, numel if name != "H_diag" else None), device)
                elif name in _LIST_KEYS:
                    if not isinstance(value, (list, tuple)):
                        raise TypeError(f"LBFGS state '{name}' must be a list of Tensors, got {type(value).__name__}")
                    size = None if name == "ro" else numel
                    st[name] = [Tensor._make(_vector(v, name, size), device) for v in value]
                else:
                    st[name] = value.item() if isinstance(value, Tensor) else value
            self.state[self._params[idx]] = st


def _data(value):
    return value._data if isinstance(value, Tensor) else value


def _restore(params: list, base: list) -> None:
    for p, x in zip(params, base):
        p._data = x
        p._version += 1


def _vector(value, name: str, numel: int | None) -> mx.array:
    if isinstance(value, Tensor):
        arr = value._data
    else:
        try:
            arr = as_array(value)
        except (TypeError, ValueError):
            raise TypeError(f"LBFGS state '{name}' must hold Tensors or arrays, got {type(value).__name__}") from None
    if numel is None:
        return arr.reshape(())
    if arr.size != numel:
        raise ValueError(f"LBFGS state '{name}' has {arr.size} entries, but the parameters have {numel}")
    return arr.reshape(-1)


def _two_loop(g: mx.array, dirs: list, stps: list, ro: list, h_diag) -> mx.array:
    """The L-BFGS direction ``-H g`` from the curvature pairs (Nocedal and Wright, algorithm 7.4), lazily."""
    q = -g
    alphas = []
    for y, s, r in zip(reversed(dirs), reversed(stps), reversed(ro)):
        a = r * mx.inner(s, q)
        q = q - a * y
        alphas.append(a)
    out = q * h_diag
    for y, s, r, a in zip(dirs, stps, ro, reversed(alphas)):
        b = r * mx.inner(y, out)
        out = out + (a - b) * s
    return out


def _cubic_min(x1: float, f1: float, g1: float, x2: float, f2: float, g2: float, bounds: tuple | None = None) -> float:
    """The minimiser of the cubic through (x1, f1, g1) and (x2, f2, g2), clamped to ``bounds``.

    ``bounds`` defaults to the interval between x1 and x2; where the cubic has
    no minimiser the midpoint of the bounds is returned (Nocedal and Wright, eq. 3.59).
    """
    lo, hi = bounds if bounds is not None else (min(x1, x2), max(x1, x2))
    try:
        d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2)
        disc = d1 * d1 - g1 * g2
        if disc >= 0:
            d2 = math.sqrt(disc)
            if x1 <= x2:
                x = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
            else:
                x = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2))
            if not math.isnan(x):
                return min(max(x, lo), hi)
    except (ZeroDivisionError, OverflowError):
        pass  # a degenerate cubic (coincident points): bisect instead
    return (lo + hi) / 2.0
