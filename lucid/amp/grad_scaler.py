"""``GradScaler``: loss scaling for float16 training, with skipped steps on overflow.

Small float16 gradients underflow to zero. Multiplying the loss by a large
scale ``S`` before ``backward`` multiplies every gradient by ``S``;
``unscale_`` divides them back before the optimizer uses them. If any
gradient overflowed (inf or NaN), ``step`` skips the update and ``update``
multiplies ``S`` by ``backoff_factor``; after ``growth_interval`` clean steps
in a row it multiplies ``S`` by ``growth_factor``.

Laziness: ``unscale_`` records one batched inf/NaN check over all gradients
of an optimizer (a lazy flag, no evaluation); ``update`` computes the new
scale lazily with ``mx.where``. ``step`` reads the flag once per step (one
host sync, as PyTorch's ``step`` does), never once per parameter. Inside a
``lucid.compile`` trace, where nothing can be read, ``step`` always runs the
optimizer and then selects, with ``mx.where``, the old parameters and state
where the flag is set: the same result, without a branch.
"""

from __future__ import annotations

import numbers

import mlx.core as mx

from lucid._backend import reductions, trace
from lucid._tensor import Tensor

__all__ = ["GradScaler"]

_READY, _UNSCALED, _STEPPED = 0, 1, 2


def _positive(value, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"GradScaler: {name} must be a number, got {type(value).__name__}")
    return float(value)


class GradScaler:
    """Scale the loss, unscale the gradients, skip steps whose gradients overflowed.

    Args:
        init_scale: the first scale. Default ``2.0**16``.
        growth_factor: multiplies the scale after ``growth_interval`` steps
            without inf/NaN (``> 1``). Default 2.
        backoff_factor: multiplies the scale after a step with inf/NaN
            (in ``(0, 1)``). Default 0.5.
        growth_interval: clean steps before the scale grows. Default 2000.
        enabled: ``False`` makes every method a pass-through (``scale``
            returns its input, ``step`` just steps).
        device: accepted for ``torch.amp.GradScaler("cuda")`` compatibility;
            ignored.

    Raises:
        TypeError, ValueError: on bad hyperparameters.

    Examples:
        >>> import lucid
        >>> w = lucid.tensor([1.0, 2.0], requires_grad=True)
        >>> opt = lucid.optim.SGD([w], lr=0.1)
        >>> scaler = lucid.amp.GradScaler(init_scale=1024.0)
        >>> scaler.scale((w * w).sum()).backward()
        >>> w.grad.tolist()  # scaled gradients
        [2048.0, 4096.0]
        >>> scaler.step(opt); scaler.update()
        >>> w.tolist(), scaler.get_scale()
        ([0.800000011920929, 1.600000023841858], 1024.0)
    """

    def __init__(self, init_scale=2.0**16, growth_factor: float = 2.0, backoff_factor: float = 0.5,
                 growth_interval: int = 2000, enabled: bool = True, *, device=None):
        if isinstance(init_scale, str):  # GradScaler("cuda"), PyTorch's torch.amp spelling
            init_scale = 2.0**16
        init_scale = _positive(init_scale, "init_scale")
        growth_factor = _positive(growth_factor, "growth_factor")
        backoff_factor = _positive(backoff_factor, "backoff_factor")
        if not init_scale > 0:
            raise ValueError(f"GradScaler: init_scale must be positive, got {init_scale}")
        if not growth_factor > 1.0:
            raise ValueError(f"GradScaler: growth_factor must be > 1, got {growth_factor}")
        if not 0.0 < backoff_factor < 1.0:
            raise ValueError(f"GradScaler: backoff_factor must be in (0, 1), got {backoff_factor}")
        if isinstance(growth_interval, bool) or not isinstance(growth_interval, numbers.Integral) \
                or growth_interval < 1:
            raise ValueError(f"GradScaler: growth_interval must be a positive int, got {growth_interval!r}")
        if not isinstance(enabled, bool):
            raise TypeError(f"GradScaler: enabled must be a bool, got {type(enabled).__name__}")
        self._enabled = enabled
        self._growth_factor = growth_factor
        self._backoff_factor = backoff_factor
        self._growth_interval = int(growth_interval)
        self._scale = mx.array(init_scale, dtype=mx.float32)
        self._growth_tracker = mx.array(0, dtype=mx.int32)
        self._per_optimizer: dict = {}

    # -- scaling ---------------------------------------------------------------------------
    def is_enabled(self) -> bool:
        """Whether the scaler is enabled."""
        return self._enabled

    def scale(self, outputs):
        """``outputs`` (a Tensor, or lists/tuples of them) multiplied by the current scale.

        The product keeps each output's dtype (the scale is a power of two
        as long as the factors are).

        Raises:
            TypeError: an output is not a Tensor.
        """
        if not self._enabled:
            return outputs
        if isinstance(outputs, Tensor):
            s = self._scale if outputs._data.dtype == mx.float32 else self._scale.astype(outputs._data.dtype)
            return outputs * Tensor._make(s, outputs._device)
        if isinstance(outputs, (list, tuple)):
            return type(outputs)(self.scale(o) for o in outputs)
        raise TypeError(f"GradScaler.scale expects a Tensor or a list/tuple of Tensors, got {type(outputs).__name__}")

    def _state(self, optimizer) -> dict:
        st = self._per_optimizer.get(id(optimizer))
        if st is None:
            st = self._per_optimizer[id(optimizer)] = {"stage": _READY, "found_inf": None, "opt": optimizer}
        return st

    def unscale_(self, optimizer) -> None:
        """Divide ``optimizer``'s gradients by the scale, in place, and record whether any is inf/NaN.

        Call it before clipping (``clip_grad_norm_`` / ``clip_grad_value_``)
        so the clip thresholds apply to the true gradients. The inf/NaN check
        is one lazy flag over all gradients; nothing is evaluated here.

        Raises:
            RuntimeError: called twice for one optimizer before ``update()``,
                or after ``step()``.
        """
        if not self._enabled:
            return
        st = self._state(optimizer)
        if st["stage"] == _UNSCALED:
            raise RuntimeError("unscale_() has already been called on this optimizer since the last update()")
        if st["stage"] == _STEPPED:
            raise RuntimeError("unscale_() is being called after step(); call update() first")
        inv = mx.reciprocal(self._scale)
        flags = []
        for group in optimizer.param_groups:
            for p in group["params"]:
                grad = p.grad
                if grad is None:
                    continue
                g = grad._data
                flags.append(reductions.any(mx.logical_not(mx.isfinite(g))))
                u = g * inv if g.dtype in (mx.float32, mx.float64) else (g.astype(mx.float32) * inv).astype(g.dtype)
                grad._data = u
                grad._version += 1
        st["found_inf"] = reductions.any(mx.stack(flags)) if flags else mx.array(False)
        st["stage"] = _UNSCALED

    # -- stepping ---------------------------------------------------------------------------
    def step(self, optimizer, *args, **kwargs):
        """Unscale (unless ``unscale_`` was called) and run ``optimizer.step()``, unless a gradient is inf/NaN.

        Returns:
            What ``optimizer.step`` returned, or ``None`` for a skipped step.

        Raises:
            RuntimeError: a ``closure`` is passed, or ``step`` is called twice before ``update()``.
        """
        if not self._enabled:
            return optimizer.step(*args, **kwargs)
        if "closure" in kwargs or args:
            raise RuntimeError("GradScaler.step does not support a closure: compute and scale the loss, "
                               "call backward, then call scaler.step(optimizer)")
        st = self._state(optimizer)
        if st["stage"] == _STEPPED:
            raise RuntimeError("step() has already been called since the last update()")
        if st["stage"] == _READY:
            self.unscale_(optimizer)
        found = st["found_inf"]
        st["stage"] = _STEPPED
        if trace.active():
            return self._step_selected(optimizer, found)
        # The one host read of the step (the flag's graph is the gradients' checks only).
        mx.eval(found)
        if found.item():
            return None
        return optimizer.step()

    @staticmethod
    def _step_selected(optimizer, found: mx.array):
        """Run the step, then keep the old parameters and state where ``found`` is true (no host read).

        State created by this step starts from the optimizer's initial values
        when the step is dropped, as if it had never run.
        """
        before = []
        for group in optimizer.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                st = optimizer.state.get(p)
                old_state = {k: t._data for k, t in st.items()} if st else None
                before.append((p, group, p._data, old_state))
        out = optimizer.step()
        picked: dict = {}

        def pick(old, new):
            key = (id(old), id(new))
            hit = picked.get(key)
            if hit is None:
                hit = picked[key] = (mx.where(found, old, new), old, new)
            return hit[0]

        for p, group, old_p, old_state in before:
            p._data = pick(old_p, p._data)
            st = optimizer.state.get(p)
            if not st:
                continue
            if old_state is None:
                old_state = dict(optimizer._init_state(old_p, group))
                if optimizer._scalar_keys:
                    old_state.update(optimizer._init_scalars(group))
            for k, t in st.items():
                if k in old_state:
                    prev = old_state[k]
                    t._data = pick(prev.astype(t._data.dtype) if prev.dtype != t._data.dtype else prev, t._data)
        return out

    def update(self, new_scale=None) -> None:
        """Set the scale for the next iteration: back off after an overflow, grow after a clean run.

        Args:
            new_scale: use this scale (a number or a one-element Tensor) instead.

        Raises:
            RuntimeError: no optimizer was unscaled or stepped since the last update.
        """
        if not self._enabled:
            return
        if new_scale is not None:
            value = new_scale._data if isinstance(new_scale, Tensor) else mx.array(_positive(new_scale, "new_scale"))
            self._scale = mx.reshape(value.astype(mx.float32), ())
        else:
            flags = [st["found_inf"] for st in self._per_optimizer.values() if st["found_inf"] is not None]
            if not flags:
                raise RuntimeError("GradScaler.update: no inf checks were recorded; call scaler.step(optimizer) "
                                   "(or unscale_) before update()")
            found = reductions.any(mx.stack(flags))
            grown = self._growth_tracker + 1
            full = grown >= self._growth_interval
            scale = self._scale
            self._scale = mx.where(found, scale * self._backoff_factor,
                                   mx.where(full, scale * self._growth_factor, scale)).astype(mx.float32)
            zero = mx.array(0, dtype=mx.int32)
            self._growth_tracker = mx.where(mx.logical_or(found, full), zero, grown).astype(mx.int32)
        self._per_optimizer = {}

    # -- reading and saving --------------------------------------------------------------------
    def get_scale(self) -> float:
        """The current scale as a Python float (a host read; ``1.0`` when disabled)."""
        if not self._enabled:
            return 1.0
        return float(self._scale.item())

    def get_growth_factor(self) -> float:
        """The growth factor."""
        return self._growth_factor

    def set_growth_factor(self, new_factor: float) -> None:
        """Set the growth factor."""
        self._growth_factor = _positive(new_factor, "growth_factor")

    def get_backoff_factor(self) -> float:
        """The backoff factor."""
        return self._backoff_factor

    def set_backoff_factor(self, new_factor: float) -> None:
        """Set the backoff factor."""
        self._backoff_factor = _positive(new_factor, "backoff_factor")

    def get_growth_interval(self) -> int:
        """The number of clean steps before the scale grows."""
        return self._growth_interval

    def set_growth_interval(self, new_interval: int) -> None:
        """Set the growth interval."""
        self._growth_interval = int(new_interval)

    def state_dict(self) -> dict:
        """The scaler's state (PyTorch's keys), or ``{}`` when disabled.

        Examples:
            >>> import lucid
            >>> sd = lucid.amp.GradScaler(init_scale=8.0).state_dict()
            >>> sd["scale"], sd["_growth_tracker"], sd["growth_interval"]
            (8.0, 0, 2000)
        """
        if not self._enabled:
            return {}
        return {
            "scale": self.get_scale(),
            "growth_factor": self._growth_factor,
            "backoff_factor": self._backoff_factor,
            "growth_interval": self._growth_interval,
            "_growth_tracker": int(self._growth_tracker.item()),
        }

    def load_state_dict(self, state_dict: dict) -> None:
        """Restore a state saved by :meth:`state_dict`.

        Raises:
            RuntimeError: the state dict is empty (saved by a disabled scaler) while this one is enabled.
            KeyError: a key is missing.
        """
        if not self._enabled:
            return
        if not state_dict:
            raise RuntimeError("GradScaler.load_state_dict: the state dict is empty (it was saved by a disabled "
                               "GradScaler)")
        self._scale = mx.array(float(state_dict["scale"]), dtype=mx.float32)
        self._growth_factor = float(state_dict["growth_factor"])
        self._backoff_factor = float(state_dict["backoff_factor"])
        self._growth_interval = int(state_dict["growth_interval"])
        self._growth_tracker = mx.array(int(state_dict["_growth_tracker"]), dtype=mx.int32)
