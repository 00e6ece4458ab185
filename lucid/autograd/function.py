"""``Function`` and its context: how every differentiable operation is defined.

Two contracts share one class:

* **User-defined Functions** (any subclass defined outside the ``lucid``
  package) follow PyTorch's: ``forward`` receives Tensors (detached, run with
  grad mode off) and returns Tensors; ``backward`` receives and returns
  Tensors (``None`` where there is no gradient); ``ctx.save_for_backward`` of
  Tensors, ``ctx.saved_tensors``, ``ctx.needs_input_grad``,
  ``ctx.mark_non_differentiable``, ``ctx.set_materialize_grads``, the
  ``once_differentiable`` decorator and the PyTorch 2 style
  ``forward(*args)`` plus ``setup_context(ctx, inputs, output)``.
* **Lucid's own primitives** (classes defined in ``lucid.*``, or any class
  that sets ``raw_arrays = True``) implement ``forward(ctx, *arrays, **attrs)``
  on raw ``mlx.core`` arrays and ``backward(ctx, *grads)`` on raw arrays: the
  fast path, with no wrapping at all. ``Function.apply`` unwraps Tensors, runs
  ``forward``, wraps the result and, when grad mode is on and an input
  requires grad, records a :class:`Node` (which is also the ``ctx``).

``apply`` is the hot path of every eager operation, so it is written for
speed: one pass over the arguments, no per-call dicts, and nothing at all
recorded when grad mode is off or no input requires grad. Rules and ops on
the very hottest paths have a small public fast path as well:

* ``Function.apply2(a, b)``: ``apply`` for exactly two positional arguments
  and no keywords (binary arithmetic), unrolled; ``apply`` itself uses it for
  such calls, so the two always agree;
* ``ctx.records``: whether this call is recorded (``False`` when grad mode is
  off or no input requires grad), so a rule can skip keeping what only its
  ``backward`` needs;
* ``ctx.saved_arrays``: the tuple behind ``saved_tensors``; a rule that saves
  only raw arrays may assign it directly instead of calling
  ``save_for_backward``.
"""

from __future__ import annotations

import functools
import itertools
import weakref

import mlx.core as mx

from lucid._backend import reductions
from lucid._backend.device import _default, run_on
from lucid._backend.dtypes import FLOATING_MX
from lucid._tensor import Tensor
from lucid.autograd.grad_mode import _state

__all__ = ["Function", "Node", "FunctionCtx", "once_differentiable"]

# Every recorded node gets the next number. A node's inputs were recorded
# before it, so walking nodes from the highest number down is a valid reverse
# topological order: the engine needs no dependency-counting pass.
_sequence = itertools.count()

_new = object.__new__
_weakref = weakref.ref


def _freed_error(name: str) -> RuntimeError:
    return RuntimeError(
        f"{name}: trying to backward through the graph a second time (its saved values were freed "
        "after the first backward). Pass retain_graph=True to the first backward() if you need to "
        "backward twice."
    )


class Node:
    """A recorded operation: the ``ctx`` of one ``Function.apply`` call.

    Attributes used by forward/backward rules: ``save_for_backward``,
    ``saved_tensors``, ``needs_input_grad``, ``mark_non_differentiable``,
    ``records``, ``saved_arrays``, and any attribute a rule sets on it
    (``ctx.shape = x.shape``).

    ``ctx.meta`` is a slot for a rule's small metadata (shapes, dtypes, axes):
    setting it, unlike another attribute, creates no per-node ``__dict__``.

    Engine fields: ``fn`` (the Function class), ``next`` (one edge per
    positional input: ``None``, a leaf Tensor, or ``(node, output_index)``),
    ``n_out``/``out_meta`` (number, shapes and dtypes of outputs), ``seq``
    (creation order), ``device``, and the optional ``tensor_hooks``,
    ``retained`` and version ``_checks``. Do not set ``ctx.fn`` or
    ``ctx.records`` in a rule.

    Examples:
        >>> import lucid
        >>> y = lucid.ones(2, requires_grad=True) * 3
        >>> y.grad_fn
        <MulBackward>
        >>> y.grad_fn.records
        True
    """

    # Fields every node has are slots; rarely set ones are class-level
    # defaults (an instance value lands in ``__dict__``), so recording a node
    # writes as little as possible.
    __slots__ = (
        "__dict__",
        "__weakref__",
        "_checks",
        "device",
        "fn",
        "meta",
        "n_out",
        "needs_input_grad",
        "next",
        "saved_arrays",
        "seq",
    )

    #: ``True``: this call is recorded and its ``backward`` may run. The ctx
    #: of a call that records nothing (grad mode off, or no input requires
    #: grad) has ``records = False``; a rule can test it to skip keeping what
    #: only ``backward`` needs. As cheap as reading an attribute.
    records = True

    _non_diff = None
    out_meta = None
    tensor_hooks = None
    retained = None
    #: ``False`` after ``ctx.set_materialize_grads(False)``: unused outputs of a
    #: multi-output node then get ``None`` as their gradient instead of zeros.
    materialize_grads = True

    def __init__(self, fn):
        self.fn = fn
        self.next = ()
        self.needs_input_grad = ()
        self.saved_arrays = ()
        self._checks = None
        self.n_out = 1
        self.device = _default[0]
        self.seq = next(_sequence)

    # -- the ctx API -------------------------------------------------------
    def save_for_backward(self, *values) -> None:
        """Keep arrays (or Tensors) for ``backward``; read them as ``ctx.saved_tensors``.

        Saving an input or an output also records its version, so modifying it
        in place before ``backward`` raises an error naming this operation.
        A rule that saves only raw arrays may instead assign the tuple to
        ``ctx.saved_arrays`` (the same effect, without the call).
        """
        for v in values:
            if isinstance(v, Tensor):
                self.saved_arrays = tuple(x._data if isinstance(x, Tensor) else x for x in values)
                return
        self.saved_arrays = values

    @property
    def saved_tensors(self) -> tuple:
        """The values given to ``save_for_backward``, in order."""
        saved = self.saved_arrays
        if saved is None:
            raise _freed_error(self.name())
        return saved

    @property
    def freed(self) -> bool:
        """True once a backward without ``retain_graph`` has released this node's saved values."""
        return self.saved_arrays is None

    def mark_non_differentiable(self, *arrays) -> None:
        """Mark outputs (e.g. indices) that never carry a gradient."""
        self._non_diff = [a._data if isinstance(a, Tensor) else a for a in arrays]

    def set_materialize_grads(self, value: bool) -> None:
        """Whether ``backward`` gets zeros (``True``, the default) or ``None`` for unused outputs' gradients."""
        self.materialize_grads = bool(value)

    def name(self) -> str:
        """The node's name as shown in ``grad_fn`` reprs, e.g. ``"MulBackward"``."""
        return self.fn.__name__ + "Backward"

    def __repr__(self) -> str:
        return f"<{self.name()}>"

    # -- engine support ----------------------------------------------------
    def release(self) -> None:
        """Drop the saved values and whatever the rules stored on ``ctx`` (after a backward)."""
        self.saved_arrays = None
        self.meta = None
        self.__dict__.clear()

    def check_versions(self) -> None:
        """Raise if a saved input or output was modified in place since it was saved."""
        for ref, version in self._checks:
            t = ref() if type(ref) is _weakref else ref
            if t is not None and t._version != version:
                raise RuntimeError(
                    f"one of the tensors saved by {self.fn.__name__} for backward was modified by an "
                    f"in-place operation (its version is {t._version}, it was {version} when saved). "
                    "Use the out-of-place form (x = x + y instead of x.add_(y)) or .clone() the tensor first."
                )


FunctionCtx = Node


class _ForwardCtx(Node):
    """The ``ctx`` of a call that records nothing (grad mode off, or no input needs grad).

    Rules may still set attributes and save values on it; they are simply dropped.
    """

    __slots__ = ()

    records = False

    def save_for_backward(self, *values) -> None:
        pass

    def mark_non_differentiable(self, *arrays) -> None:
        pass


# needs_input_grad of calls that record nothing, shared (no tuple per call).
_NO_GRADS = tuple((False,) * n for n in range(8))


def _forward_on(device: str, cls, ctx, arrays, kwargs):
    """Run ``cls.forward`` on the stream of ``device`` (not the default one)."""
    with run_on(device):
        return cls.forward(ctx, *arrays, **kwargs)


class Function:
    """Base class of differentiable operations, with PyTorch's contract for user subclasses.

    A subclass implements two static methods:

    * ``forward(ctx, *args, **kwargs)`` returns a Tensor or a tuple of
      Tensors. Tensor arguments arrive detached, and ``forward`` runs with
      grad mode off (as in PyTorch), so any Lucid operation or Tensor method
      works inside it. Keep what ``backward`` needs with
      ``ctx.save_for_backward(*tensors)`` or as plain attributes
      (``ctx.dim = dim``).
    * ``backward(ctx, *grads)`` gets one gradient Tensor per output and
      returns one gradient per positional input of ``forward`` (``None`` for
      inputs that are not Tensors or need no gradient; extra trailing
      ``None``s are allowed). A gradient whose shape broadcasts to its input's
      is summed down to it.

    PyTorch 2's style also works: define ``forward(*args)`` without ``ctx``
    and a static ``setup_context(ctx, inputs, output)`` that saves what
    ``backward`` needs. Call either with ``MyFunction.apply(*args, **kwargs)``.

    Lucid's own primitives (classes defined in ``lucid.*``) use the raw-array
    contract instead: ``forward`` and ``backward`` receive and return
    ``mlx.core`` arrays, with no wrapping. Another subclass may opt into that
    fast path by setting the class attribute ``raw_arrays = True``.

    Examples:
        >>> import lucid
        >>> class Cube(lucid.autograd.Function):
        ...     @staticmethod
        ...     def forward(ctx, x):
        ...         ctx.save_for_backward(x)
        ...         return x * x * x
        ...     @staticmethod
        ...     def backward(ctx, grad):
        ...         (x,) = ctx.saved_tensors
        ...         return grad * 3 * x * x
        >>> x = lucid.tensor([2.0], requires_grad=True)
        >>> Cube.apply(x).sum().backward()
        >>> x.grad.tolist()
        [12.0]
    """

    #: ``True``: ``forward``/``backward`` take and return raw ``mlx.core``
    #: arrays (Lucid's primitives); ``False``: Tensors, as in PyTorch. Unless a
    #: class sets it, it is ``True`` for classes defined in the ``lucid``
    #: package and ``False`` elsewhere.
    raw_arrays = True

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "raw_arrays" not in cls.__dict__:
            module = cls.__module__ or ""
            cls.raw_arrays = module == "lucid" or module.startswith("lucid.")
        # Each entry point is picked once per class (PyTorch-style Tensors, transform-aware, or the
        # raw fast path), so a call pays for no test of the contract.
        kind = 0 if not cls.raw_arrays else 1 if not cls.mlx_vjp else 2
        for name, choices in _APPLY_VARIANTS.items():
            if name not in cls.__dict__:
                setattr(cls, name, choices[kind] or Function.__dict__[name])

    @staticmethod
    def setup_context(ctx, inputs: tuple, output):
        """PyTorch 2 style: save what ``backward`` needs, given the inputs and the output of ``forward(*args)``.

        Define it (as a static method) together with a ``forward`` that takes
        no ``ctx``; ``apply`` then calls ``forward(*args)`` followed by
        ``setup_context(ctx, args, output)``.
        """
        raise NotImplementedError("setup_context is optional: define it together with a forward(*args) without ctx")

    #: ``True``: inside a ``lucid.func`` transform (``grad``, ``vjp``, ``vmap``,
    #: ``jacrev``, ...) MLX differentiates the raw ops of ``forward`` itself.
    #: ``False`` (raw-array Functions only): there the call runs as an
    #: ``mx.custom_function`` whose vector-Jacobian product is this class's own
    #: ``backward``, for a ``forward`` built on MLX ops that MLX cannot
    #: differentiate (its linear-algebra kernels). Differentiating such a
    #: derivative again raises a ``RuntimeError`` naming the operation.
    #: Forward mode uses the transpose of ``backward`` (MLX transposes the
    #: rule, which is linear in the gradients), or the class's own static
    #: ``jvp(ctx, *tangents)`` on raw arrays where it defines one.
    #: Outside transforms the setting changes nothing.
    mlx_vjp = True

    #: ``False`` for operations whose outputs never carry gradients
    #: (comparisons, argmax, ...): ``apply`` then records nothing.
    differentiable = True

    # Built-in rules that keep nothing but shapes and dtypes on ``ctx`` set this:
    # the engine then leaves those attributes in place after a backward instead
    # of clearing them (clearing costs about as much as a small op's rule).
    _ctx_is_metadata = False

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError("Function subclasses must implement forward(ctx, *args)")

    @staticmethod
    def backward(ctx, *grads):
        raise NotImplementedError("this Function does not implement backward(ctx, *grads)")

    @classmethod
    def apply(cls, *args, **kwargs):
        """Run ``forward`` on the arguments' arrays and wrap the result, recording a node if needed."""
        if len(args) == 2 and not kwargs:
            return _apply2(cls, args[0], args[1])
        return _apply(cls, args, kwargs)

    @classmethod
    def apply2(cls, a, b):
        """``apply(a, b)`` for exactly two positional arguments and no keywords, unrolled for speed.

        Binary arithmetic is most of an eager program's operations, so its
        public functions call this directly; ``apply`` also routes every
        two-argument call here, so both give the same results. (It calls the
        module-level ``_apply2`` by name, which is where ``lucid.profiler``
        hooks in.)

        Examples:
            >>> import lucid
            >>> from lucid.ops.arithmetic import Mul
            >>> x = lucid.tensor([1.0, 2.0], requires_grad=True)
            >>> y = Mul.apply2(x, 3.0)
            >>> y.sum().backward()
            >>> x.grad.tolist()
            [3.0, 3.0]
        """
        return _apply2(cls, a, b)


_make = Tensor._make
# needs_input_grad of a recorded two-input call, indexed [a requires grad][b requires grad].
_NEEDS2 = (((False, False), (False, True)), ((True, False), (True, True)))


def _apply(cls, args: tuple, kwargs: dict):
    """``Function.apply`` for any arguments: the general path."""
    arrays = []
    device = None
    edges = None
    # One pass: unwrap Tensors, pick the device, and (from the first input
    # that requires grad on) build the graph edges and needs_input_grad.
    for a in args:
        if isinstance(a, Tensor):
            arrays.append(a._data)
            if device is None:
                device = a._device
            if a._requires_grad:
                if edges is None:
                    edges = [None] * (len(arrays) - 1)
                    needs = [False] * (len(arrays) - 1)
                node = a._node
                edges.append(a if node is None else (node, a._out_idx))
                needs.append(True)
            elif edges is not None:
                edges.append(None)
                needs.append(False)
        else:
            arrays.append(a)
            if edges is not None:
                edges.append(None)
                needs.append(False)
    if device is None:
        device = _default[0]

    if edges is None or not cls.differentiable or not _state.enabled:
        ctx = _new(_ForwardCtx)
        ctx.fn = cls
        n = len(args)
        ctx.needs_input_grad = _NO_GRADS[n] if n < 8 else (False,) * n
        ctx.saved_arrays = ()
        if device != _default[0]:
            out = _forward_on(device, cls, ctx, arrays, kwargs)
        else:
            out = cls.forward(ctx, *arrays, **kwargs) if kwargs else cls.forward(ctx, *arrays)
        if type(out) is tuple or type(out) is list:
            return _wrap_plain(out, device)
        return _make(out, device)

    # Recording: the node is the ctx.
    ctx = _new(Node)
    ctx.fn = cls
    ctx.next = edges
    ctx.needs_input_grad = tuple(needs)
    ctx.saved_arrays = ()
    ctx._checks = None
    ctx.device = device
    ctx.seq = next(_sequence)
    if device != _default[0]:
        out = _forward_on(device, cls, ctx, arrays, kwargs)
    else:
        out = cls.forward(ctx, *arrays, **kwargs) if kwargs else cls.forward(ctx, *arrays)
    if type(out) is tuple or type(out) is list:
        return _wrap_outputs(ctx, out, device, args)
    if out.dtype not in FLOATING_MX:
        return _make(out, device)
    ctx.n_out = 1
    outs = _make(out, device, ctx, 0)
    saved = ctx.saved_arrays
    if saved:
        ctx._checks = _version_checks(saved, args, outs)
    return outs


def _apply2(cls, a, b):
    """``apply`` unrolled for two positional arguments and no keywords (see ``Function.apply2``).

    The same steps as ``_apply``, written out for two arguments: no argument
    loop, no lists, the output Tensor built in place and the version pairing
    inlined. Measured on the 1000-op chain of
    ``benchmarks/autograd_overhead.py``, each step moved into a helper call
    costs about 0.1 µs per operation.
    """
    ta = isinstance(a, Tensor)
    tb = isinstance(b, Tensor)
    ra = ta and a._requires_grad
    rb = tb and b._requires_grad
    device = a._device if ta else b._device if tb else _default[0]
    xa = a._data if ta else a
    xb = b._data if tb else b
    if not (ra or rb) or not cls.differentiable or not _state.enabled:
        ctx = _new(_ForwardCtx)
        ctx.fn = cls
        ctx.needs_input_grad = _NO_GRADS[2]
        ctx.saved_arrays = ()
        if device != _default[0]:
            out = _forward_on(device, cls, ctx, (xa, xb), {})
        else:
            out = cls.forward(ctx, xa, xb)
        if type(out) is tuple or type(out) is list:
            return _wrap_plain(out, device)
        return _make(out, device)
    if ra:
        node = a._node
        ea = a if node is None else (node, a._out_idx)
    else:
        ea = None
    if rb:
        node = b._node
        eb = b if node is None else (node, b._out_idx)
    else:
        eb = None
    ctx = _new(Node)
    ctx.fn = cls
    ctx.next = (ea, eb)
    ctx.needs_input_grad = _NEEDS2[ra][rb]
    ctx.saved_arrays = ()
    ctx._checks = None
    ctx.device = device
    ctx.seq = next(_sequence)
    if device != _default[0]:
        out = _forward_on(device, cls, ctx, (xa, xb), {})
    else:
        out = cls.forward(ctx, xa, xb)
    if type(out) is tuple or type(out) is list:
        return _wrap_outputs(ctx, out, device, (a, b))
    if out.dtype not in FLOATING_MX:
        return _make(out, device)
    ctx.n_out = 1
    # Tensor._make(out, device, ctx, 0), inlined.
    outs = _new(Tensor)
    outs._data = out
    outs._grad = None
    outs._node = ctx
    outs._out_idx = 0
    outs._version = 0
    outs._device = device
    outs._hooks = None
    outs._requires_grad = True
    saved = ctx.saved_arrays
    if saved:
        # _version_checks, inlined for two inputs; first the common case of a rule saving exactly
        # its two Tensor inputs (a product).
        if ta and tb and len(saved) == 2 and saved[0] is xa and saved[1] is xb:
            ctx._checks = ((a, a._version), (b, b._version))
            return outs
        checks = []
        if ta:
            for s in saved:
                if s is xa:
                    checks.append((a, a._version))
                    break
        if tb:
            for s in saved:
                if s is xb:
                    checks.append((b, b._version))
                    break
        if len(checks) < len(saved):
            for s in saved:
                if s is out:
                    checks.append((_weakref(outs), 0))
                    break
        if checks:
            ctx._checks = checks
    return outs


# -- inside lucid.func: Lucid's backward as MLX's vjp (classes with mlx_vjp = False) ------------
def _transform_aware_apply_impl(cls, *args, **kwargs):
    """``apply`` of a class with ``mlx_vjp = False``: the usual path, or inside a transform :func:`_apply_as_vjp`."""
    if _state.transforms:
        return _apply_as_vjp(cls, args, kwargs)
    if len(args) == 2 and not kwargs:
        return _apply2(cls, args[0], args[1])
    return _apply(cls, args, kwargs)


def _transform_aware_apply2_impl(cls, a, b):
    if _state.transforms:
        return _apply_as_vjp(cls, (a, b), {})
    return _apply2(cls, a, b)


_transform_aware_apply = classmethod(_transform_aware_apply_impl)
_transform_aware_apply2 = classmethod(_transform_aware_apply2_impl)


def _higher_order_error(cls) -> RuntimeError:
    return RuntimeError(
        f"lucid.func: {cls.__name__} ({cls.__module__}) supports first derivatives only inside lucid.func "
        "transforms: its gradient comes from Lucid's own backward rule because MLX cannot differentiate the "
        "kernels of its forward, and that rule cannot be differentiated again (grad(grad(f)), hessian, or jvp "
        "of a gradient). Compute the first derivative with lucid.func and the second by finite differences, "
        "or restructure the function.")


def _first_order_only(cls, grads: tuple, primals: tuple) -> tuple:
    """``grads`` unchanged, through an ``mx.custom_function`` whose derivatives raise :func:`_higher_order_error`.

    The primals are inputs of it too, so that any derivative of ``grads``
    with respect to them (the forward's kernels themselves are hidden from
    MLX) reaches this function and raises instead of being silently zero.
    """
    k = len(grads)

    @mx.custom_function
    def first_order(*arrays):
        return arrays[:k]

    @first_order.vjp
    def _no_vjp(primals, cotangents, outputs):
        raise _higher_order_error(cls)

    @first_order.jvp
    def _no_jvp(primals, tangents):
        raise _higher_order_error(cls)

    @first_order.vmap
    def _batched(arrays, axes):  # MLX's default would map the identity and drop this guard
        lead = _batch_leading(arrays, axes)
        return list(_first_order_only(cls, tuple(lead[:k]), tuple(lead[k:]))), [0] * k

    return tuple(first_order(*grads, *primals))


def _batch_leading(arrays, axes) -> list:
    """For a custom vmap rule: every array with its mapped axis first (unmapped ones broadcast to the batch)."""
    size = next(a.shape[ax] for a, ax in zip(arrays, axes) if ax is not None)
    return [mx.broadcast_to(a, (size, *a.shape)) if ax is None else mx.moveaxis(a, ax, 0)
            for a, ax in zip(arrays, axes)]


def _apply_as_vjp(cls, args: tuple, kwargs: dict):
    """Run ``cls`` inside a ``lucid.func`` transform as an ``mx.custom_function`` whose vjp is ``cls.backward``.

    Grad mode is off inside transforms, so nothing is recorded on Lucid's
    tape; the ctx is kept by the closure for the backward rule instead. The
    differentiable primals are the floating-point Tensor arguments; other
    arguments are constants of the call.
    """
    arrays = []
    pos = []
    device = None
    for i, a in enumerate(args):
        if isinstance(a, Tensor):
            if device is None:
                device = a._device
            arrays.append(a._data)
            if a._data.dtype in FLOATING_MX:
                pos.append(i)
        else:
            arrays.append(a)
    if not pos or not cls.differentiable:
        return _apply(cls, args, kwargs)
    if device is None:
        device = _default[0]
    ctx = _new(Node)
    ctx.fn = cls
    ctx.next = tuple(a if i in pos else None for i, a in enumerate(args))
    ctx.needs_input_grad = tuple(i in pos for i in range(len(args)))
    ctx.saved_arrays = ()
    ctx._checks = None
    ctx.device = device
    ctx.seq = next(_sequence)
    meta = {}

    def forward(*primals):
        full = list(arrays)
        for i, p in zip(pos, primals):
            # MLX must not see the forward's kernels as functions of the primals: it would try to
            # differentiate them (forward mode walks every op). Its derivatives are the rules below.
            full[i] = mx.stop_gradient(p)
        with run_on(device):
            out = cls.forward(ctx, *full, **kwargs)
        multi = type(out) is tuple or type(out) is list
        meta["multi"] = multi
        meta["raw"] = tuple(out) if multi else None
        meta["out"] = out
        return meta["raw"] if multi else out

    def rule(primals, cotangents):
        with run_on(device):
            grads = cls.backward(ctx, *cotangents) if meta["multi"] else cls.backward(ctx, cotangents)
        if type(grads) is not tuple and type(grads) is not list:
            grads = (grads,)
        return tuple(mx.zeros_like(p) if grads[i] is None else grads[i] for i, p in zip(pos, primals))

    def backward(primals, cotangents, outputs):
        primals = (primals,) if len(pos) == 1 else primals
        return _first_order_only(cls, rule(primals, cotangents), primals)

    def forward_mode(primals, tangents):
        # The rule is linear in the cotangents (g -> J^T g): its transpose, taken by MLX, is J t.
        if len(pos) == 1:
            primals, tangents = (primals,), (tangents,)
        # MLX passes None for a primal without a tangent.
        tangents = [mx.zeros_like(p) if t is None else t.astype(p.dtype) for t, p in zip(tangents, primals)]
        outs = meta["raw"] if meta["multi"] else (meta["out"],)
        own = cls.__dict__.get("jvp")
        if own is not None:  # the class's own forward-mode rule (PyTorch's Function.jvp, on raw arrays)
            with run_on(device):
                result = own.__func__(ctx, *(tangents[pos.index(i)] if i in pos else None
                                             for i in range(len(arrays))))
            result = list(result) if type(result) is tuple or type(result) is list else [result]
            return list(_first_order_only(cls, tuple(result), primals))
        floats = [i for i, o in enumerate(outs) if o.dtype in FLOATING_MX]

        def linear(*cts):
            full = [mx.zeros(o.shape, dtype=o.dtype) for o in outs]
            for i, c in zip(floats, cts):
                full[i] = c
            return list(rule(primals, tuple(full) if meta["multi"] else full[0]))

        zeros = [mx.zeros(outs[i].shape, dtype=outs[i].dtype) for i in floats]
        _, tans = mx.vjp(linear, zeros, tangents)
        result = [mx.zeros(o.shape, dtype=o.dtype) for o in outs]
        for i, t in zip(floats, tans):
            result[i] = t
        return list(_first_order_only(cls, tuple(result), primals))

    def batched(primals, axes):
        # MLX's default vmap would map ``forward`` and lose these rules: map by calling the class again
        # on the batch (Lucid's linalg Functions take leading batch dimensions). Unmapped inputs keep
        # their shape and broadcast against the batch.
        if isinstance(primals, mx.array):
            primals = (primals,)
        if not isinstance(axes, (list, tuple)):
            axes = (axes,)
        full = list(args)
        for i, p, ax in zip(pos, primals, axes):
            full[i] = _make(p if ax is None else mx.moveaxis(p, ax, 0), device)
        out = _apply_as_vjp(cls, tuple(full), kwargs)
        outs = list(out) if type(out) is tuple else [out]
        return [o._data for o in outs], [0] * len(outs)

    fn = mx.custom_function(forward)
    fn.vjp(backward)
    fn.jvp(forward_mode)
    fn.vmap(batched)
    out = fn(*(arrays[i] for i in pos))
    if not meta["multi"]:
        return _make(out, device)
    non_diff = ctx._non_diff
    return tuple([
        _make(o if o.dtype in FLOATING_MX and not (non_diff and any(r is n for n in non_diff))
              else mx.stop_gradient(o), device)
        for o, r in zip(out, meta["raw"])
    ])


def _wrap_plain(outs, device: str) -> tuple:
    """Wrap the outputs of a multi-output call that records nothing."""
    return tuple([_make(o, device) for o in outs])


def _wrap_outputs(ctx, out, device, args):
    """Wrap a recorded multi-output forward's arrays; non-float and marked outputs carry no graph."""
    non_diff = ctx._non_diff
    ctx.n_out = len(out)
    ctx.out_meta = [(o.shape, o.dtype) for o in out]
    outs = tuple([
        _make(o, device)
        if o.dtype not in FLOATING_MX or (non_diff is not None and any(o is n for n in non_diff))
        else _make(o, device, ctx, i)
        for i, o in enumerate(out)
    ])
    saved = ctx.saved_arrays
    if saved:
        ctx._checks = _version_checks(saved, args, outs)
    return outs


def _version_checks(saved, args, outs) -> list | None:
    """Pair each saved array with the Tensor it came from and that Tensor's version.

    Inputs are held strongly (the node keeps their arrays alive anyway);
    outputs through a weak reference, so an output and its node form no cycle.
    """
    checks = []
    for a in args:
        if isinstance(a, Tensor):
            data = a._data
            for s in saved:
                if s is data:
                    checks.append((a, a._version))
                    break
    if len(checks) < len(saved):
        # Some saved value is not an input: it may be an output.
        for o in (outs if type(outs) is tuple else (outs,)):
            data = o._data
            for s in saved:
                if s is data:
                    checks.append((_weakref(o), o._version))
                    break
    return checks or None


# -- user-defined Functions: PyTorch's Tensor contract -----------------------------
class _TensorCtx(Node):
    """The ``ctx`` of a user-defined Function: saves Tensors and hands them back as Tensors."""

    __slots__ = ("in_shapes",)

    def save_for_backward(self, *tensors) -> None:
        """Keep Tensors (or ``None``) for ``backward``; read them back as ``ctx.saved_tensors``.

        Saving an input or an output also records its version, so modifying it
        in place before ``backward`` raises an error naming this Function.
        """
        arrays = []
        for i, t in enumerate(tensors):
            if t is None:
                arrays.append(None)
            elif isinstance(t, Tensor):
                arrays.append(t._data)
            else:
                raise TypeError(f"save_for_backward takes Tensors or None, got a {type(t).__name__} at position "
                                f"{i}; keep other values as ctx attributes (ctx.value = ...)")
        self.saved_arrays = tuple(arrays)

    @property
    def saved_tensors(self) -> tuple:
        """The Tensors given to ``save_for_backward``, in order (``None`` stays ``None``)."""
        saved = self.saved_arrays
        if saved is None:
            raise _freed_error(self.name())
        device = self.device
        return tuple(None if a is None else _make(a, device) for a in saved)

    def mark_non_differentiable(self, *tensors) -> None:
        """Mark output Tensors (e.g. indices) that never carry a gradient."""
        self._non_diff = [t._data if isinstance(t, Tensor) else t for t in tensors]

    def name(self) -> str:
        return self.fn.__name__ + "Backward"


def once_differentiable(backward):
    """Mark a ``backward`` as differentiable once only: it runs with grad mode off.

    Lucid runs every backward without recording (higher-order gradients are not
    supported), so this only documents the intent, as in PyTorch.

    Examples:
        >>> import lucid
        >>> from lucid.autograd.function import once_differentiable
        >>> class Double(lucid.autograd.Function):
        ...     @staticmethod
        ...     def forward(ctx, x):
        ...         return x * 2
        ...     @staticmethod
        ...     @once_differentiable
        ...     def backward(ctx, grad):
        ...         return grad * 2
        >>> x = lucid.ones(2, requires_grad=True)
        >>> Double.apply(x).sum().backward()
        >>> x.grad.tolist()
        [2.0, 2.0]
    """
    @functools.wraps(backward)
    def wrapper(ctx, *grads):
        prev = _state.enabled
        _state.enabled = False
        try:
            return backward(ctx, *grads)
        finally:
            _state.enabled = prev

    return wrapper


def _engine_fn(cls):
    """The class the engine calls for ``cls``'s nodes: ``cls`` with a ``backward`` that speaks arrays."""
    adapter = cls.__dict__.get("_engine_adapter")
    if adapter is None:
        adapter = type(cls.__name__, (cls,), {
            "raw_arrays": True,
            "apply": Function.__dict__["apply"],
            "apply2": Function.__dict__["apply2"],
            "backward": staticmethod(functools.partial(_tensor_backward, cls)),
            "user_function": cls,
            "__module__": cls.__module__,
            "__qualname__": cls.__qualname__,
        })
        type.__setattr__(cls, "_engine_adapter", adapter)
    return adapter


def _uses_setup_context(cls) -> bool:
    return getattr(cls.setup_context, "__func__", cls.setup_context) is not Function.__dict__["setup_context"].__func__


def _tensor_apply2(cls, a, b):
    return _tensor_apply.__func__(cls, a, b)


def _tensor_apply_impl(cls, *args, **kwargs):
    """``apply`` of a user-defined Function: Tensors in, Tensors out (PyTorch's contract)."""
    inputs = []
    edges = []
    needs = []
    shapes = []
    device = None
    for a in args:
        if isinstance(a, Tensor):
            if device is None:
                device = a._device
            inputs.append(_make(a._data, a._device))
            shapes.append(a._data.shape)
            if a._requires_grad:
                node = a._node
                edges.append(a if node is None else (node, a._out_idx))
                needs.append(True)
                continue
        else:
            inputs.append(a)
            shapes.append(None)
        edges.append(None)
        needs.append(False)
    if device is None:
        device = _default[0]
    record = cls.differentiable and _state.enabled and any(needs)

    ctx = _new(_TensorCtx)
    ctx.fn = _engine_fn(cls)
    ctx.next = tuple(edges)
    ctx.needs_input_grad = tuple(needs) if record else (False,) * len(args)
    ctx.saved_arrays = ()
    ctx.n_out = 1
    ctx._checks = None
    ctx.device = device
    ctx.seq = next(_sequence)
    ctx.in_shapes = shapes
    if not record:
        ctx.records = False
    prev = _state.enabled
    _state.enabled = False  # forward records nothing, as in PyTorch
    try:
        if _uses_setup_context(cls):
            out = cls.forward(*inputs, **kwargs)
            cls.setup_context(ctx, tuple(inputs), out)
        else:
            out = cls.forward(ctx, *inputs, **kwargs)
    finally:
        _state.enabled = prev

    multi = type(out) is tuple or type(out) is list
    outs = list(out) if multi else [out]
    arrays = []
    devices = []
    for i, o in enumerate(outs):
        if isinstance(o, Tensor):
            arrays.append(o._data)
            devices.append(o._device)
        elif isinstance(o, mx.array):
            arrays.append(o)
            devices.append(device)
        else:
            raise TypeError(f"{cls.__name__}.forward must return a Tensor or a tuple of Tensors, got a "
                            f"{type(o).__name__}" + (f" at position {i}" if multi else ""))
    if not record:
        res = tuple(_make(a, d) for a, d in zip(arrays, devices))
        return res if multi else res[0]
    non_diff = ctx._non_diff
    ctx.n_out = len(arrays)
    ctx.out_meta = [(a.shape, a.dtype) for a in arrays]
    res = tuple(
        _make(a, d)
        if a.dtype not in FLOATING_MX or (non_diff is not None and any(a is n for n in non_diff))
        else _make(a, d, ctx, i)
        for i, (a, d) in enumerate(zip(arrays, devices))
    )
    saved = ctx.saved_arrays
    if saved:
        ctx._checks = _version_checks(saved, args, res)
    return res if multi else res[0]


_tensor_apply = classmethod(_tensor_apply_impl)
_tensor_apply2 = classmethod(_tensor_apply2)

# The entry points ``Function.__init_subclass__`` gives a class, by contract: Tensors (PyTorch's),
# raw arrays with ``mlx_vjp = False`` (transform-aware), raw arrays (``None``: Function's own).
_APPLY_VARIANTS = {
    "apply": (_tensor_apply, _transform_aware_apply, None),
    "apply2": (_tensor_apply2, _transform_aware_apply2, None),
}


def _reduce_to(g: mx.array, shape: tuple, name: str, i: int) -> mx.array:
    """Sum a gradient that broadcasts to ``shape`` down to it (PyTorch does the same); else raise."""
    try:
        if tuple(mx.broadcast_shapes(tuple(shape), g.shape)) != tuple(g.shape):
            raise ValueError
    except ValueError:
        raise RuntimeError(f"{name}.backward returned a gradient of shape {tuple(g.shape)} for input {i}, "
                           f"expected its input's shape {tuple(shape)} (or one it broadcasts to)") from None
    lead = g.ndim - len(shape)
    axes = list(range(lead)) + [lead + d for d, n in enumerate(shape) if n == 1 and g.shape[lead + d] != 1]
    if axes:
        g = reductions.sum(g, axis=axes, keepdims=True)
    return mx.reshape(g, shape) if lead else g


def _tensor_backward(cls, ctx, *grads):
    """Run a user Function's ``backward`` on Tensors and hand the engine arrays."""
    device = ctx.device
    wrapped = tuple(None if g is None else _make(g, device) for g in grads)
    prev = _state.enabled
    _state.enabled = False  # backward records nothing (no higher-order gradients)
    try:
        result = cls.backward(ctx, *wrapped)
    finally:
        _state.enabled = prev
    if type(result) is not tuple:
        result = tuple(result) if type(result) is list else (result,)
    n_in = len(ctx.next)
    if len(result) != n_in:
        if len(result) > n_in and all(r is None for r in result[n_in:]):
            result = result[:n_in]
        else:
            raise RuntimeError(f"{cls.__name__}.backward returned {len(result)} gradients, expected {n_in} "
                               "(one per positional input of forward)")
    out = []
    for i, (r, edge) in enumerate(zip(result, ctx.next)):
        if r is None or edge is None:
            out.append(None)
            continue
        if not isinstance(r, Tensor):
            raise TypeError(f"{cls.__name__}.backward returned a {type(r).__name__} as the gradient of input "
                            f"{i}; expected a Tensor (or None)")
        g = r._data
        shape = ctx.in_shapes[i]
        if g.shape != shape:
            g = _reduce_to(g, shape, cls.__name__, i)
        out.append(g)
    return tuple(out)


class ToDevice(Function):
    """Identity on the values, recorded so that ``x.to(device)`` stays differentiable.

    MLX arrays live in unified memory, so the array itself is shared; only the
    Tensor's device (the stream its later ops run on) changes, which
    ``Tensor.to`` sets on the result.
    """

    @staticmethod
    def forward(ctx, a):
        return a

    @staticmethod
    def backward(ctx, g):
        return g
