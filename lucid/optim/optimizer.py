"""``Optimizer``: the base class of every optimizer in ``lucid.optim``.

The base owns everything that is not the update rule: parameter groups and
their defaults, per-parameter state, ``zero_grad``, ``state_dict`` /
``load_state_dict`` (PyTorch's layout) and the step loop. A subclass states
its hyperparameter checks and implements the update of one parameter on raw
``mx.array``s, like MLX's optimizers.

Laziness (DESIGN.md section 2): a step only records MLX operations. Each
parameter's new value is assigned to ``p._data``, each state entry gets a new
array, and the step ends with one batched evaluation of all of them
(``lucid._backend.evaluation.eval_arrays``, batched by a byte budget). Nothing
in a step reads an array's value on the host.

Counters such as ``step`` (and NAdam's ``mu_product``, ASGD's ``eta`` and
``mu``) are 0-d float32 arrays in the state, not Python numbers, so a compiled
training step can carry them as state. Parameters that were created together
share one counter array per group; the per-step scalars (bias corrections and
the like) are then computed once per group, not once per parameter.
"""

from __future__ import annotations

import numbers
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

import mlx.core as mx
import numpy as np

from lucid._backend import evaluation as _evaluation
from lucid._tensor import Tensor, as_array
from lucid.autograd.grad_mode import enable_grad
from lucid.optim._checks import check_bool, check_pair, check_real

__all__ = ["Optimizer", "ParamsT"]

#: what optimizers accept as ``params``: Tensors, or dicts defining parameter groups.
ParamsT = Iterable[Tensor] | Iterable[dict]


# PyTorch's names of hyperparameters in its messages ("Invalid learning rate: -1.0");
# any other key ``k`` is called "k value".
_LABELS = {"lr": "learning rate", "eps": "epsilon value"}


_SET_MESSAGE = ("optimizer parameters need to be organized in ordered collections, but the ordering of "
                "tensors in sets will change between runs; use a list instead")


class Optimizer:
    """Base class of all optimizers.

    Args:
        params: an iterable of Tensors to optimize, or an iterable of dicts
            (parameter groups), each with a ``"params"`` entry and optional
            per-group hyperparameters that override ``defaults``.
        defaults: the default hyperparameters of every group (plain Python
            numbers, so that learning-rate schedulers can change them).

    Attributes:
        param_groups: list of dicts, one per group: ``"params"`` (a list of
            Tensors) plus every hyperparameter.
        defaults: the default hyperparameters.
        state: per-parameter state, ``{parameter: {name: Tensor}}``; empty until
            the parameter's first update.

    Raises:
        TypeError: ``params`` is a single Tensor, a set, not iterable, or holds
            something that is not a Tensor; a hyperparameter has the wrong type.
        ValueError: ``params`` is empty, a parameter appears twice, a parameter
            is not a leaf, or a hyperparameter is out of range.

    A subclass declares its hyperparameter checks (``_nonnegative``,
    ``_flags``; ``betas`` are checked wherever they are a hyperparameter; other
    checks in an override of ``_validate`` that calls this one) and the 0-d
    counters it keeps per parameter (``_scalar_keys``, ``"step"`` first), and
    implements ``_update`` and, where it needs them, ``_init_scalars``,
    ``_init_state`` and ``_advance`` (see their docstrings).

    Examples:
        >>> import lucid
        >>> w = lucid.tensor([1.0, 2.0], requires_grad=True)
        >>> opt = lucid.optim.SGD([w], lr=0.5)
        >>> (w * w).sum().backward()
        >>> opt.step(); opt.zero_grad()
        >>> w.tolist(), w.grad
        ([0.0, 0.0], None)
    """

    #: names of the 0-d counters kept per parameter, ``"step"`` first.
    _scalar_keys: tuple = ("step",)
    #: hyperparameters that must be real numbers >= 0.
    _nonnegative: tuple = ("lr",)
    #: hyperparameters that must be bools.
    _flags: tuple = ("maximize",)
    #: whether complex parameters are supported.
    _supports_complex = False

    def __init__(self, params: ParamsT, defaults: dict):
        self.defaults = dict(defaults)
        self._validate(self.defaults)
        self.state: defaultdict = defaultdict(dict)
        self.param_groups: list[dict] = []
        self._step_calls = 0
        if isinstance(params, Tensor):
            raise TypeError(
                "params argument given to the optimizer should be an iterable of Tensors or dicts, "
                f"but got a single {type(params).__name__}; wrap it in a list: [tensor]"
            )
        if isinstance(params, dict):
            raise TypeError(
                "params argument given to the optimizer should be an iterable of Tensors or of dicts "
                "(parameter groups), but got a dict; wrap a single group in a list: [group]"
            )
        if isinstance(params, (set, frozenset)):
            raise TypeError(_SET_MESSAGE)
        try:
            groups = list(params)
        except TypeError:
            raise TypeError(
                "params argument given to the optimizer should be an iterable of Tensors or dicts, "
                f"but got {type(params).__name__}"
            ) from None
        if len(groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    # -- parameter groups -------------------------------------------------------
    def add_param_group(self, param_group: dict) -> None:
        """Add a group of parameters with its own hyperparameters (e.g. when unfreezing layers).

        Hyperparameters missing from ``param_group`` take the optimizer's
        defaults. The dict is copied; ``param_group["params"]`` may be a Tensor
        or any ordered iterable of Tensors.

        Args:
            param_group: ``{"params": ..., "lr": ..., ...}``.

        Raises:
            TypeError: not a dict, ``params`` is a set, or holds a non-Tensor.
            ValueError: no ``"params"`` key, a parameter repeated or already in
                another group, a non-leaf parameter, or a bad hyperparameter.

        Examples:
            >>> import lucid
            >>> a = lucid.zeros(2, requires_grad=True)
            >>> b = lucid.zeros(3, requires_grad=True)
            >>> opt = lucid.optim.SGD([a], lr=0.1)
            >>> opt.add_param_group({"params": [b], "lr": 0.01})
            >>> [g["lr"] for g in opt.param_groups]
            [0.1, 0.01]
        """
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group).__name__}")
        if "params" not in param_group:
            raise ValueError("a parameter group must have a 'params' entry, got keys " + repr(sorted(param_group)))
        params = param_group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, (set, frozenset)):
            raise TypeError(_SET_MESSAGE)
        else:
            try:
                params = list(params)
            except TypeError:
                raise TypeError(
                    f"param_group['params'] must be a Tensor or an iterable of Tensors, got {type(params).__name__}"
                ) from None
        seen = set()
        for p in params:
            if not isinstance(p, Tensor):
                hint = ""
                if isinstance(p, tuple) and len(p) == 2 and isinstance(p[0], str):
                    hint = "; pass model.parameters(), not model.named_parameters()"
                raise TypeError(
                    f"optimizer can only optimize Tensors, but one of the params is {type(p).__name__}{hint}"
                )
            if p._node is not None:
                raise ValueError("can't optimize a non-leaf Tensor; optimize the leaf it was computed from, "
                                 "or use .detach().requires_grad_()")
            if p._data.dtype == mx.complex64 and not self._supports_complex:
                raise NotImplementedError(f"{type(self).__name__} does not support complex parameters yet")
            if id(p) in seen:
                raise ValueError("a parameter appears more than once in the same parameter group")
            seen.add(id(p))
        for group in self.param_groups:
            if any(id(q) in seen for q in group["params"]):
                raise ValueError("some parameters appear in more than one parameter group")
        group = dict(param_group)
        group["params"] = params
        for name, default in self.defaults.items():
            group.setdefault(name, default)
        self._validate(group)
        self.param_groups.append(group)

    def _validate(self, group: dict) -> None:
        """Check the hyperparameters of ``group`` (or of the defaults); raise TypeError/ValueError."""
        for key in self._nonnegative:
            value = check_real(group[key], key)
            if not value >= 0.0:  # also rejects NaN
                raise ValueError(f"Invalid {_LABELS.get(key, key + ' value')}: {value} ({key} must be >= 0)")
        if "betas" in self.defaults:
            for i, b in enumerate(check_pair(group["betas"], "betas")):
                if not 0.0 <= b < 1.0:
                    raise ValueError(f"Invalid beta parameter at index {i}: {b} (betas must be in [0, 1))")
        for key in self._flags:
            check_bool(group[key], key)

    # -- gradients ---------------------------------------------------------------
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset the gradients of all optimized parameters.

        Args:
            set_to_none: drop the gradients (``p.grad = None``, the default and
                the cheapest); with ``False`` each gradient Tensor is kept and
                filled with zeros in place.

        Examples:
            >>> import lucid
            >>> w = lucid.ones(2, requires_grad=True)
            >>> opt = lucid.optim.SGD([w])
            >>> (w * 3).sum().backward()
            >>> opt.zero_grad(set_to_none=False); w.grad.tolist()
            [0.0, 0.0]
        """
        for group in self.param_groups:
            for p in group["params"]:
                g = p.grad
                if g is None:
                    continue
                if set_to_none:
                    p.grad = None
                else:
                    g._node = None
                    g._requires_grad = False
                    g._data = mx.zeros_like(g._data)
                    g._version += 1

    # -- the step ------------------------------------------------------------------
    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update every parameter that has a gradient, then evaluate them all in one batch.

        Args:
            closure: optional callable that recomputes the loss (zeroing and
                back-propagating as needed); it runs under ``enable_grad``
                before the update and its result is returned.

        Returns:
            The closure's result, or ``None``.

        Examples:
            >>> import lucid
            >>> w = lucid.tensor([3.0], requires_grad=True)
            >>> opt = lucid.optim.SGD([w], lr=0.1)
            >>> def closure():
            ...     opt.zero_grad()
            ...     loss = (w * w).sum()
            ...     loss.backward()
            ...     return loss
            >>> opt.step(closure).item(), w.tolist()
            (9.0, [2.4000000953674316])
        """
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        arrays: list = []
        for group in self.param_groups:
            self._step_group(group, arrays)
        self._step_calls += 1
        if arrays:
            _evaluation.eval_arrays(arrays)
        return loss

    def _step_group(self, group: dict, out: list) -> None:
        """Record the update of every parameter of ``group`` with a gradient; append new arrays to ``out``."""
        keys = self._scalar_keys
        maximize = group.get("maximize", False)
        state = self.state
        init_scalars = None  # shared by the parameters initialised in this call
        advanced: dict = {}  # counters' ids -> (new counters, per-step factors, old arrays kept alive)
        factors = None
        for p in group["params"]:
            grad = p.grad
            if grad is None:
                continue
            g = grad._data
            if maximize:
                g = -g
            st = state.get(p)
            if not st:
                st = {}
                if keys:
                    if init_scalars is None:
                        init_scalars = self._init_scalars(group)
                    for k in keys:
                        st[k] = Tensor._make(init_scalars[k], p._device)
                for k, arr in self._init_state(p._data, group).items():
                    st[k] = Tensor._make(arr, p._device)
                state[p] = st
            dt = p._data.dtype
            if keys:
                wide = dt == mx.float64
                ident = (wide,) + tuple(id(st[k]._data) for k in keys)
                hit = advanced.get(ident)
                if hit is None:
                    old = {k: st[k]._data for k in keys}
                    if wide:
                        # float64 parameters (CPU only) get their step scalars in float64 too
                        new_scalars, factors = self._advance({k: v.astype(mx.float64) for k, v in old.items()},
                                                             group)
                        new_scalars = {k: v.astype(mx.float32) for k, v in new_scalars.items()}
                    else:
                        new_scalars, factors = self._advance(old, group)
                    hit = (new_scalars, factors, old)
                    advanced[ident] = hit
                    out.extend(new_scalars.values())
                new_scalars, factors = hit[0], hit[1]
                for k in keys:
                    st[k]._data = new_scalars[k]
            new = self._update(p, g, st, group, factors)
            if new.dtype != dt:
                # 16-bit parameters meet float32 step factors: the update was
                # computed in float32; store parameter and state in their dtype.
                new = new.astype(dt)
                for k, t in st.items():
                    if k not in keys and t._data.dtype != dt:
                        t._data = t._data.astype(dt)
            p._data = new
            p._version += 1
            out.append(new)
            for k, t in st.items():
                if k not in keys:
                    out.append(t._data)

    # -- the subclass interface -------------------------------------------------------
    @staticmethod
    def _weight_decay(theta: mx.array, g: mx.array, group: dict, decoupled: bool = False) -> tuple:
        """Apply ``group["weight_decay"]`` and return ``(theta, g)``.

        As an L2 term added to the gradient, or ``decoupled`` (AdamW's rule:
        the parameter shrinks by ``1 - lr * weight_decay``).
        """
        wd = group["weight_decay"]
        if wd != 0:
            if decoupled:
                theta = theta * (1.0 - group["lr"] * wd)
            else:
                g = g + wd * theta
        return theta, g

    @staticmethod
    def _state_entry(state: dict, name: str, like: mx.array, p: Tensor) -> Tensor:
        """The state entry ``name``, created as zeros when an option (``amsgrad``, ``centered``,
        ``momentum``) was switched on after the parameter's first update."""
        t = state.get(name)
        if t is None:
            t = state[name] = Tensor._make(mx.zeros_like(like), p._device)
        return t

    def _init_scalars(self, group: dict) -> dict:
        """Initial 0-d arrays of the counters named in ``_scalar_keys`` (``step`` is 0)."""
        return {"step": mx.array(0.0, dtype=mx.float32)}

    def _init_state(self, p: mx.array, group: dict) -> dict:
        """The per-parameter state arrays of a parameter's first update (e.g. zeros like ``p``)."""
        return {}

    def _advance(self, scalars: dict, group: dict):
        """Return (new counters, per-step factors) from the old counters; runs once per group and step.

        The default increments ``step`` and passes the new step as the factor.
        """
        step = scalars["step"] + 1.0
        return {"step": step}, step

    def _update(self, p: Tensor, g: mx.array, state: dict, group: dict, factors) -> mx.array:
        """Record the update of one parameter and return its new value.

        Args:
            p: the parameter (``p._data`` is its current value).
            g: its gradient as an ``mx.array`` (already negated for ``maximize``).
            state: the parameter's state, ``{name: Tensor}``; assign new arrays
                to ``state[name]._data`` (or add entries) to update it.
            group: the parameter group (hyperparameters as Python numbers).
            factors: what ``_advance`` returned for this step.
        """
        raise NotImplementedError(f"{type(self).__name__} does not implement the update rule (_update)")

    # -- checkpoints -------------------------------------------------------------------
    def state_dict(self) -> dict:
        """The optimizer's state in PyTorch's layout.

        Returns:
            ``{"state": {index: {name: Tensor}}, "param_groups": [{..., "params":
            [index, ...]}]}``, where indices number the parameters in group
            order. The Tensors are snapshots: MLX arrays are immutable, so later
            steps do not change a returned state dict (no copy is made).

        Examples:
            >>> import lucid
            >>> w = lucid.ones(2, requires_grad=True)
            >>> opt = lucid.optim.Adam([w], lr=0.1)
            >>> (w * w).sum().backward(); opt.step()
            >>> sd = opt.state_dict()
            >>> sorted(sd["state"][0]), sd["param_groups"][0]["params"]
            (['exp_avg', 'exp_avg_sq', 'step'], [0])
        """
        index: dict = {}
        groups = []
        for group in self.param_groups:
            packed = {k: (list(v) if isinstance(v, list) else v) for k, v in group.items() if k != "params"}
            ids = []
            for p in group["params"]:
                if id(p) not in index:
                    index[id(p)] = len(index)
                ids.append(index[id(p)])
            packed["params"] = ids
            groups.append(packed)
        packed_state = {}
        for p, st in self.state.items():
            if st and id(p) in index:
                packed_state[index[id(p)]] = {k: Tensor._make(t._data, t._device) for k, t in st.items()}
        return {"state": packed_state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict) -> None:
        """Restore hyperparameters and state saved by ``state_dict()``.

        The parameters themselves stay those of this optimizer, matched by
        position. State values may be Tensors, ``mx.array``s, NumPy arrays or
        numbers; floating state is cast to its parameter's dtype, counters to
        float32. Counters with equal values are shared again between the
        parameters of a group, so the per-step scalars are computed once per
        group; this reads those 0-d counters to the host (a load is a sync point).

        Args:
            state_dict: a dict with ``"state"`` and ``"param_groups"``.

        Raises:
            TypeError: ``state_dict`` is not such a dict.
            ValueError: the number of groups or of parameters in a group differs,
                a state index is unknown, or a state array's shape does not match.

        Examples:
            >>> import lucid
            >>> w = lucid.ones(2, requires_grad=True)
            >>> opt = lucid.optim.SGD([w], lr=0.1, momentum=0.9)
            >>> (w * w).sum().backward(); opt.step()
            >>> opt2 = lucid.optim.SGD([w], lr=0.5, momentum=0.9)
            >>> opt2.load_state_dict(opt.state_dict())
            >>> opt2.param_groups[0]["lr"], opt2.state[w]["momentum_buffer"].tolist()
            (0.1, [2.0, 2.0])
        """
        if not isinstance(state_dict, dict) or "state" not in state_dict or "param_groups" not in state_dict:
            raise TypeError("load_state_dict expects a dict with 'state' and 'param_groups', as returned by "
                            f"state_dict(); got {type(state_dict).__name__}")
        saved_groups = state_dict["param_groups"]
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(f"loaded state dict has {len(saved_groups)} parameter groups, "
                             f"but the optimizer has {len(self.param_groups)}")
        id_map: dict = {}
        group_of: dict = {}
        for i, (group, saved) in enumerate(zip(self.param_groups, saved_groups)):
            if "params" not in saved:
                raise ValueError(f"loaded parameter group {i} has no 'params' entry")
            if len(saved["params"]) != len(group["params"]):
                raise ValueError(
                    f"loaded state dict contains a parameter group ({i}) with {len(saved['params'])} parameters "
                    f"that doesn't match the size of optimizer's group ({len(group['params'])})"
                )
            for idx, p in zip(saved["params"], group["params"]):
                id_map[int(idx)] = p
                group_of[id(p)] = i
        new_groups = []
        for group, saved in zip(self.param_groups, saved_groups):
            new = {k: (list(v) if isinstance(v, list) else v) for k, v in saved.items() if k != "params"}
            for k, v in new.items():
                if isinstance(v, list) and isinstance(self.defaults.get(k), tuple):
                    new[k] = tuple(v)  # JSON turns tuples (betas, etas) into lists
            new["params"] = group["params"]
            self._validate(new)
            new_groups.append(new)
        keys = self._scalar_keys
        new_state: defaultdict = defaultdict(dict)
        shared: dict = {}  # counter values -> shared arrays
        for k, entry in state_dict["state"].items():
            idx = int(k)
            if idx not in id_map:
                raise ValueError(f"loaded state has an entry for parameter index {idx}, "
                                 f"but the optimizer has only {len(id_map)} parameters")
            p = id_map[idx]
            st = {}
            counters = {}
            for name, value in entry.items():
                arr = _as_state_array(value, name)
                if name in keys:
                    counters[name] = arr.astype(mx.float32) if arr.dtype != mx.float32 else arr
                    continue
                if arr.ndim and tuple(arr.shape) != tuple(p._data.shape):
                    raise ValueError(f"state '{name}' of parameter {idx} has shape {tuple(arr.shape)}, "
                                     f"but the parameter has shape {tuple(p._data.shape)}")
                if mx.issubdtype(arr.dtype, mx.floating) and arr.dtype != p._data.dtype:
                    arr = arr.astype(p._data.dtype)
                st[name] = Tensor._make(arr, p._device)
            missing = [n for n in keys if n not in counters]
            if missing and entry:
                raise ValueError(f"loaded state of parameter {idx} lacks the counters {missing} "
                                 f"that {type(self).__name__} keeps")
            if counters:
                # NOTE: a host read of a few 0-d counters; see the docstring.
                sig = (group_of[id(p)],) + tuple((n, counters[n].item()) for n in sorted(counters))
                arrays = shared.setdefault(sig, counters)
                for name, arr in arrays.items():
                    st[name] = Tensor._make(arr, p._device)
            new_state[p] = st
        self.param_groups = new_groups
        self.state = new_state

    # -- display ---------------------------------------------------------------------------
    def __repr__(self) -> str:
        lines = [type(self).__name__ + " ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            for key in sorted(group):
                if key != "params":
                    lines.append(f"    {key}: {group[key]}")
        lines.append(")")
        return "\n".join(lines)


def _as_state_array(value, name: str) -> mx.array:
    if isinstance(value, Tensor):
        return value._data
    if isinstance(value, mx.array):
        return value
    if isinstance(value, (np.ndarray, np.generic, numbers.Number)) and not isinstance(value, bool):
        arr = as_array(value)
        return arr.astype(mx.float32) if arr.dtype == mx.int64 else arr
    raise TypeError(f"optimizer state '{name}' must be a Tensor, an array or a number, got {type(value).__name__}")

