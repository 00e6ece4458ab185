"""``lucid.compile``: a whole training step as one compiled MLX graph.

Lucid's tape is Python over MLX operations, so running a step (forward,
``backward``, clipping, ``Optimizer.step``) inside ``mx.compile`` records one
MLX graph that MLX can fuse and replay without the Python. This wrapper's job
is the state (DESIGN.md section 9): every array that the step reads and
updates besides its arguments (parameters, gradients, buffers, optimizer
moments and step counters, learning rates, the random key) goes into the
compiled function as an input and comes back as an output, and is written back
to the real objects after each call, so the compiled step updates the model
and the optimizer exactly as the eager step would.

How a call works:

1. The objects in ``state`` (and the random generators) are walked into a list
   of slots: ``(description, object)``. The descriptions, the input shapes and
   dtypes, the grad mode, the modules' ``training`` flags and the optimizers'
   hyperparameters (except ``lr``) make the cache key.
2. On a miss the step is traced: each slot is rebound to MLX's placeholder,
   each group's ``lr`` becomes a 0-d placeholder (so a scheduler changing it
   between steps does not retrace), the step runs, and the slots after it
   (new gradients and optimizer state included) are recorded as outputs.
   Sync points do nothing while tracing; deferred checks become outputs too.
3. After every call the outputs are written back to the slots, and the
   deferred checks recorded by the trace are deferred again with the new flags.

Examples:
    >>> import lucid
    >>> import lucid.nn as nn
    >>> _ = lucid.manual_seed(0)
    >>> model = nn.Linear(3, 1)
    >>> opt = lucid.optim.SGD(model.parameters(), lr=0.1)
    >>> @lucid.compile(state=[model, opt])
    ... def step(x, y):
    ...     opt.zero_grad()
    ...     loss = ((model(x) - y) ** 2).mean()
    ...     loss.backward()
    ...     opt.step()
    ...     return loss
    >>> x, y = lucid.ones(4, 3), lucid.zeros(4, 1)
    >>> losses = [step(x, y).item() for _ in range(3)]
    >>> losses[2] < losses[0]
    True
"""

from __future__ import annotations

import functools
import numbers
import warnings
from collections import OrderedDict

import mlx.core as mx

from lucid._backend import checks as _checks
from lucid._backend import trace as _trace
from lucid._backend.device import _default
from lucid._tensor import Tensor
from lucid.autograd.grad_mode import is_grad_enabled

__all__ = ["compile", "CompiledFunction"]

#: compiled variants kept per function (least recently used dropped first).
CACHE_LIMIT = 32
#: a function traced more often than this warns once (inputs keep changing shape or state).
RECOMPILE_WARNING = 8


class _Holder:
    """The one-element list holding a generator's random key (``Generator.state``)."""

    __slots__ = ("box",)

    def __init__(self, box: list):
        self.box = box


def _state_items(state) -> list:
    if state is None:
        items = []
    elif isinstance(state, (list, tuple)):
        items = list(state)
    else:
        items = [state]
    from lucid.nn.module import Module
    from lucid.optim.lr_scheduler.scheduler import LRScheduler
    from lucid.optim.optimizer import Optimizer
    from lucid.random import Generator, default_generator

    out = []
    for obj in items:
        if isinstance(obj, LRScheduler):
            obj = obj.optimizer  # the scheduler's own counters are Python; its optimizer holds the arrays
        if isinstance(obj, Generator):
            obj = _Holder(obj.state)
        if not isinstance(obj, (Module, Optimizer, Tensor, _Holder)):
            raise TypeError("lucid.compile: state= takes Modules, Optimizers, LR schedulers, Generators and "
                            f"Tensors (or a list of them), got {type(obj).__name__}")
        out.append(obj)
    out.append(_Holder(default_generator.state))  # dropout and every lucid.random draw
    return out


def _walk(items: list):
    """The slots of ``items``: ``[(description, object)]``, plus ``{tensor description: Tensor}``.

    Descriptions: ``("d", *t)`` a tensor's data, ``("g", *t)`` its gradient,
    ``("o", i, group, index, key)`` an optimizer state entry (a Tensor),
    ``("r", i)`` a random key holder.
    """
    from lucid.nn.module import Module
    from lucid.optim.optimizer import Optimizer

    slots: list = []
    tensors: dict = {}
    seen: set = set()

    def add(desc: tuple, t: Tensor) -> None:
        if id(t) in seen:
            return
        seen.add(id(t))
        tensors[desc] = t
        slots.append((("d",) + desc, t))
        if t._grad is not None:
            slots.append((("g",) + desc, t))

    for i, obj in enumerate(items):
        if isinstance(obj, Module):
            for name, p in obj.named_parameters():
                add((i, name), p)
            for name, b in obj.named_buffers():
                add((i, name), b)
        elif isinstance(obj, Optimizer):
            for gi, group in enumerate(obj.param_groups):
                for pj, p in enumerate(group["params"]):
                    add((i, gi, pj), p)
                    st = obj.state.get(p)
                    if st:
                        for key in sorted(st):
                            slots.append((("o", i, gi, pj, key), st[key]))
        elif isinstance(obj, Tensor):
            add((i,), obj)
        else:
            slots.append((("r", i), obj))
    return slots, tensors


def _read(desc: tuple, ref) -> mx.array:
    kind = desc[0]
    if kind == "g":
        return ref._grad._data
    if kind == "r":
        return ref.box[0]
    return ref._data


def _write(desc: tuple, ref, arr: mx.array) -> None:
    kind = desc[0]
    if kind == "g":
        g = ref._grad
        if g is None:
            ref._grad = Tensor._make(arr, ref._device)
        else:
            g._data = arr
            g._version += 1
    elif kind == "r":
        ref.box[0] = arr
    else:
        ref._data = arr
        ref._version += 1


def _versioned(desc: tuple, ref) -> Tensor:
    """The Tensor whose version counter a write to a (non-random-key) slot bumps."""
    return ref._grad if desc[0] == "g" else ref


def _resolve(desc: tuple, items: list, tensors: dict):
    """The object a description names, creating an optimizer state entry if it is new."""
    kind = desc[0]
    if kind == "g":
        return tensors[desc[1:]]
    if kind == "o":
        _, i, gi, pj, key = desc
        opt = items[i]
        p = opt.param_groups[gi]["params"][pj]
        st = opt.state[p]
        t = st.get(key)
        if t is None:
            t = st[key] = Tensor._make(mx.array(0.0), p._device)
        return t
    raise RuntimeError(f"lucid.compile: lost track of the state slot {desc}")  # not reachable


def _remove(desc: tuple, items: list, tensors: dict) -> None:
    """Undo a slot that exists now but not before (a new gradient or optimizer state entry)."""
    kind = desc[0]
    if kind == "g":
        tensors[desc[1:]]._grad = None
    elif kind == "o":
        _, i, gi, pj, key = desc
        opt = items[i]
        p = opt.param_groups[gi]["params"][pj]
        st = opt.state.get(p)
        if st is not None:
            st.pop(key, None)
            if not st:
                del opt.state[p]


# -- arguments and results --------------------------------------------------------------------------------
def _flatten(obj, leaves: list, constants_hashable: bool = True):
    """A spec of ``obj`` (Tensors and arrays become leaves appended to ``leaves``).

    Arguments' specs are cache keys, so their constants must be hashable; results' need not be.
    """
    if isinstance(obj, Tensor):
        leaves.append(obj._data)
        return ("T", obj._device, obj._requires_grad)
    if isinstance(obj, mx.array):
        leaves.append(obj)
        return ("A",)
    if isinstance(obj, (list, tuple)):
        return (type(obj).__name__, tuple(_flatten(v, leaves, constants_hashable) for v in obj))
    if isinstance(obj, dict):
        return ("dict", tuple((k, _flatten(v, leaves, constants_hashable)) for k, v in obj.items()))
    if constants_hashable:
        try:
            hash(obj)
        except TypeError:
            raise TypeError(f"lucid.compile: an argument of type {type(obj).__name__} is neither a Tensor nor "
                            "hashable; pass Tensors, arrays, numbers, strings, or lists/tuples/dicts of them") from None
    return ("C", obj)


def _unflatten(spec, leaves, result: bool = False):
    """Rebuild a tree from its spec, taking leaves from the iterator ``leaves``.

    Argument Tensors get their ``requires_grad`` back; a step's results
    (``result=True``) carry no autograd history: backward runs inside the step.
    """
    tag = spec[0]
    if tag == "T":
        t = Tensor._make(next(leaves), spec[1])
        if not result:
            t._requires_grad = spec[2]
        return t
    if tag == "A":
        return next(leaves)
    if tag == "C":
        return spec[1]
    if tag == "dict":
        return {k: _unflatten(v, leaves, result) for k, v in spec[1]}
    values = [_unflatten(v, leaves, result) for v in spec[1]]
    return tuple(values) if tag == "tuple" else values


# -- the compiled function --------------------------------------------------------------------------------
class _Entry:
    """One compiled variant: the MLX function and the layout its trace recorded."""

    __slots__ = ("checks", "compiled", "layout", "n_result", "removed", "result_spec", "step_calls")

    def __init__(self):
        self.compiled = None
        self.layout = None  # [(description, ("in", k) | ("out", j))]
        self.removed = ()  # descriptions present before the step and gone after it
        self.result_spec = None
        self.n_result = 0
        self.checks = ()  # [(make_error, first output index, number of details)]
        self.step_calls = ()  # [(optimizer index, calls per step)]


def _hyper_key(items: list) -> tuple:
    from lucid.nn.module import Module
    from lucid.optim.optimizer import Optimizer

    key = []
    for obj in items:
        if isinstance(obj, Module):
            key.append(tuple(m.training for m in obj.modules()))
        elif isinstance(obj, Optimizer):
            # The hyperparameters the update reads (a scheduler's bookkeeping such as
            # ``initial_lr`` is not one of them); a real ``lr`` enters as an array instead.
            names = sorted(obj.defaults)
            for group in obj.param_groups:
                key.append(repr([(k, group.get(k)) for k in names
                                 if k != "params" and not (k == "lr" and _is_real(group.get(k)))]))
    return tuple(key)


def _is_real(v) -> bool:
    return isinstance(v, numbers.Real) and not isinstance(v, bool)


def _lr_groups(items: list) -> list:
    from lucid.optim.optimizer import Optimizer

    return [g for obj in items if isinstance(obj, Optimizer) for g in obj.param_groups if _is_real(g.get("lr"))]


class CompiledFunction:
    """A function compiled with :func:`compile` (call it like the original).

    Attributes:
        fn: the original function.
        state: the objects whose arrays go in and out of each call.
        shapeless: passed to ``mx.compile``.
        traces: how many times the function has been traced so far.
    """

    def __init__(self, fn, state=None, shapeless: bool = False):
        if not callable(fn):
            raise TypeError(f"lucid.compile expects a callable, got {type(fn).__name__}")
        if not isinstance(shapeless, bool):
            raise TypeError(f"lucid.compile: shapeless must be True or False, got {type(shapeless).__name__}")
        self.fn = fn
        self.state = state
        self.shapeless = shapeless
        self.traces = 0
        self._cache: OrderedDict = OrderedDict()
        self._warned = False
        _state_items(state)  # check the state's types now, not at the first call
        functools.update_wrapper(self, fn)

    def __call__(self, *args, **kwargs):
        if _trace.active():
            return self.fn(*args, **kwargs)  # nested inside another compiled function: part of its trace
        items = _state_items(self.state)
        slots, tensors = _walk(items)
        in_arrays: list = []
        index: dict = {}  # id(array) -> input position (shared arrays go in once)
        slot_in: list = []
        for desc, ref in slots:
            arr = _read(desc, ref)
            k = index.get(id(arr))
            if k is None:
                k = index[id(arr)] = len(in_arrays)
                in_arrays.append(arr)
            slot_in.append(k)
        groups = _lr_groups(items)
        lrs = [g["lr"] for g in groups]
        arg_leaves: list = []
        arg_spec = _flatten((args, kwargs), arg_leaves)
        n_state = len(in_arrays)
        flat = in_arrays + [mx.array(v, dtype=mx.float32) for v in lrs] + arg_leaves
        if self.shapeless:
            shapes = tuple((a.ndim, a.dtype) for a in flat)
        else:
            shapes = tuple((a.shape, a.dtype) for a in flat)
        key = (tuple(d for d, _ in slots), tuple(slot_in), shapes, arg_spec, _hyper_key(items),
               is_grad_enabled(), _default[0])
        entry = self._cache.get(key)
        if entry is None:
            entry = self._new_entry(items, slots, slot_in, n_state, groups, arg_spec)
            if len(self._cache) >= CACHE_LIMIT:
                self._cache.popitem(last=False)
            self._cache[key] = entry
            traced = True
        else:
            self._cache.move_to_end(key)
            traced = False
        before = [items[i]._step_calls for i, _ in entry.step_calls] if entry.step_calls else ()
        # The trace rebinds every slot to a placeholder and back: note the versions, to restore those
        # of the slots the step leaves unchanged.
        versions = [_versioned(desc, ref)._version for desc, ref in slots if desc[0] != "r"] if traced else None
        try:
            outputs = entry.compiled(flat)
        except BaseException:
            if traced:
                self._cache.pop(key, None)
                self._restore(items, slots, slot_in, in_arrays)
                for g, v in zip(groups, lrs):
                    g["lr"] = v
            raise
        if traced and entry.layout is None:  # MLX reused a trace: should not happen, but never write garbage
            raise RuntimeError("lucid.compile: the compiled function was not traced")
        # Write the new state back.
        now_slots, now_tensors = _walk(items) if traced else (slots, tensors)
        refs = dict(now_slots)
        for desc in entry.removed:
            _remove(desc, items, now_tensors)
        n_res = entry.n_result
        if versions is not None:
            versions = dict(zip((d for d, _ in slots if d[0] != "r"), versions))
        for desc, (where, k) in entry.layout:
            ref = refs.get(desc)
            if where == "in":
                arr = in_arrays[k]
                if ref is not None and _read(desc, ref) is arr:
                    continue  # unchanged by the step: no write, so no version bump
            else:
                arr = outputs[n_res + k]
            if ref is None:
                ref = _resolve(desc, items, now_tensors)
            _write(desc, ref, arr)
            if where == "in" and versions is not None and desc in versions:
                _versioned(desc, ref)._version = versions[desc]  # only the trace's placeholder came and went
        if not traced and entry.step_calls:
            for (i, calls), b in zip(entry.step_calls, before):
                items[i]._step_calls = b + calls
        for make_error, first, n in entry.checks:
            _checks.defer(outputs[first], make_error, *outputs[first + 1:first + 1 + n])
        return _unflatten(entry.result_spec, iter(outputs[:n_res]), result=True)

    def _restore(self, items, slots, slot_in, in_arrays) -> None:
        """After a failed trace: put the real arrays back and drop slots the trace created."""
        known = {d for d, _ in slots}
        now, tensors = _walk(items)
        for desc, _ in now:
            if desc not in known:
                _remove(desc, items, tensors)
        for (desc, ref), k in zip(slots, slot_in):
            _write(desc, ref, in_arrays[k])

    def _new_entry(self, items, slots, slot_in, n_state, groups, arg_spec) -> _Entry:
        from lucid.optim.optimizer import Optimizer

        entry = _Entry()
        fn = self.fn
        in_descs = {d for d, _ in slots}
        optimizers = [(i, obj) for i, obj in enumerate(items) if isinstance(obj, Optimizer)]

        def traced(flat):
            self.traces += 1
            rec = _trace.Recording()
            _trace._stack.append(rec)
            saved_lr = [g["lr"] for g in groups]
            calls = [opt._step_calls for _, opt in optimizers]
            try:
                for (desc, ref), k in zip(slots, slot_in):
                    _write(desc, ref, flat[k])
                for g, lr in zip(groups, flat[n_state:n_state + len(groups)]):
                    g["lr"] = lr
                args, kwargs = _unflatten(arg_spec, iter(flat[n_state + len(groups):]))
                result = fn(*args, **kwargs)
            finally:
                _trace._stack.pop()
                for g, v in zip(groups, saved_lr):
                    g["lr"] = v
            leaves: list = []
            entry.result_spec = _flatten(result, leaves, constants_hashable=False)
            entry.n_result = len(leaves)
            outs = list(leaves)
            now, _ = _walk(items)
            known = {id(ref) for _, ref in now}
            for t in rec.deferred.values():
                if id(t) not in known:
                    raise RuntimeError(
                        f"lucid.compile: a layer updated a buffer of shape {t.shape} that is not part of the "
                        "compiled state (e.g. BatchNorm's running statistics), so its values were lost; "
                        "rebuild or reload the module and pass it in state=[...]")
            inputs = {id(a): k for k, a in enumerate(flat[:n_state])}
            produced: dict = {}
            layout = []
            for desc, ref in now:
                arr = _read(desc, ref)
                k = inputs.get(id(arr))
                if k is not None:
                    layout.append((desc, ("in", k)))
                    continue
                j = produced.get(id(arr))
                if j is None:
                    j = produced[id(arr)] = len(outs) - entry.n_result
                    outs.append(arr)
                layout.append((desc, ("out", j)))
            now_descs = {d for d, _ in now}
            entry.removed = tuple(d for d in in_descs if d not in now_descs)
            entry.layout = layout
            found = []
            for bad, make_error, details in rec.checks:
                found.append((make_error, len(outs), len(details)))
                outs.append(bad)
                outs.extend(details)
            entry.checks = tuple(found)
            entry.step_calls = tuple((i, opt._step_calls - c) for (i, opt), c in zip(optimizers, calls)
                                     if opt._step_calls != c)
            return outs

        entry.compiled = mx.compile(traced, shapeless=self.shapeless)
        if len(self._cache) >= RECOMPILE_WARNING and not self._warned:
            self._warned = True
            warnings.warn(
                f"lucid.compile: {getattr(fn, '__name__', 'function')} has been compiled "
                f"{len(self._cache) + 1} times; its input shapes, dtypes, state or hyperparameters keep "
                "changing (pass shapeless=True for changing shapes, or keep the inputs fixed)",
                RuntimeWarning, stacklevel=3)
        return entry

    def __repr__(self) -> str:
        return f"<lucid.compile of {getattr(self.fn, '__qualname__', self.fn)!r}>"


def compile(fn=None, *, state=None, shapeless: bool = False):
    """Compile ``fn`` (a forward pass or a whole training step) into one MLX graph with ``mx.compile``.

    ``fn`` runs once per new input signature with placeholders (the trace);
    later calls replay the recorded MLX graph without running the Python.
    Whatever ``fn`` reads or updates besides its arguments must be listed in
    ``state``: the arrays of those objects (parameters, gradients, buffers such
    as BatchNorm's running statistics, optimizer moments and step counters,
    learning rates, and the random key that dropout uses, which is always
    included) go in and out of each call, so the real objects are updated
    exactly as the eager function would update them.

    Rules inside ``fn`` (it is traced, not run):

    - no host reads: ``.item()``, ``.tolist()``, ``.numpy()``, ``float()``,
      ``bool()`` or a Python ``if`` on a tensor raise a ``RuntimeError``; use
      ``lucid.where``/masks, or read the returned tensors outside;
    - Python side effects (prints, counters, a scheduler's ``step()``) run
      only while tracing; call schedulers between calls (the learning rate
      enters as an array, so changing it does not recompile);
    - the returned tensors have no autograd history: call ``backward()``
      inside ``fn``.

    A new argument shape or dtype, a different set of state arrays (the first
    step creates the optimizer's state), ``train()``/``eval()``, the grad mode
    or an optimizer hyperparameter other than ``lr`` compiles a new variant
    (up to ``CACHE_LIMIT`` are kept; a warning says when a function keeps
    recompiling). ``shapeless=True`` is passed to ``mx.compile``: one variant
    serves all shapes of the same rank (only for shape-independent code).

    Args:
        fn: the function; omit it to use ``compile`` as a decorator with arguments.
        state: a Module, Optimizer, LR scheduler, Generator or Tensor, or a list of them.
        shapeless: do not recompile when input shapes change.

    Returns:
        A :class:`CompiledFunction` (or a decorator making one).

    Raises:
        TypeError: ``fn`` is not callable, or ``state`` holds something else.

    Examples:
        >>> import lucid
        >>> @lucid.compile
        ... def f(x):
        ...     return (x * x).sum()
        >>> f(lucid.tensor([1.0, 2.0])).item()
        5.0
    """
    if fn is None:
        return lambda f: CompiledFunction(f, state=state, shapeless=shapeless)
    return CompiledFunction(fn, state=state, shapeless=shapeless)
