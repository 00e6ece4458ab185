"""``Function`` and its context: how every differentiable operation is defined.

A ``Function`` subclass implements ``forward(ctx, *arrays, **attrs)`` on raw
``mlx.core`` arrays and ``backward(ctx, *grads)`` returning one gradient per
positional input (``None`` where there is none). ``Function.apply`` unwraps
Tensors, runs ``forward``, wraps the result and, when grad mode is on and an
input requires grad, records a :class:`Node` (which is also the ``ctx``).

``apply`` is the hot path of every eager operation, so it is written for
speed: one pass over the arguments, no per-call dicts, and nothing at all
recorded when grad mode is off or no input requires grad.
"""

from __future__ import annotations

import itertools
import weakref

from lucid._backend.device import _default, run_on
from lucid._backend.dtypes import FLOATING_MX
from lucid._tensor import Tensor
from lucid.autograd.grad_mode import _state

__all__ = ["Function", "Node", "FunctionCtx"]

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
    ``saved_tensors``, ``needs_input_grad``, ``mark_non_differentiable``, and
    any attribute a rule sets on it (``ctx.shape = x.shape``).

    Engine fields: ``fn`` (the Function class), ``next`` (one edge per
    positional input: ``None``, a leaf Tensor, or ``(node, output_index)``),
    ``n_out``/``out_meta`` (number, shapes and dtypes of outputs), ``seq``
    (creation order), ``device``, and the optional ``tensor_hooks``,
    ``retained`` and version ``_checks``. Do not set ``ctx.fn`` in a rule:
    it is the Function class.

    Examples:
        >>> import lucid
        >>> y = lucid.ones(2, requires_grad=True) * 3
        >>> y.grad_fn
        <MulBackward>
    """

    # Fields every node has are slots; rarely set ones are class-level
    # defaults (an instance value lands in ``__dict__``), so recording a node
    # writes as little as possible.
    __slots__ = (
        "__dict__",
        "__weakref__",
        "_saved",
        "device",
        "fn",
        "n_out",
        "needs_input_grad",
        "next",
        "seq",
    )

    _checks = None
    _non_diff = None
    out_meta = None
    tensor_hooks = None
    retained = None

    def __init__(self, fn):
        self.fn = fn
        self.next = ()
        self.needs_input_grad = ()
        self._saved = ()
        self.n_out = 1
        self.device = _default[0]
        self.seq = next(_sequence)

    # -- the ctx API -------------------------------------------------------
    def save_for_backward(self, *values) -> None:
        """Keep arrays (or Tensors) for ``backward``; read them as ``ctx.saved_tensors``.

        Saving an input or an output also records its version, so modifying it
        in place before ``backward`` raises an error naming this operation.
        """
        for v in values:
            if isinstance(v, Tensor):
                self._saved = tuple(x._data if isinstance(x, Tensor) else x for x in values)
                return
        self._saved = values

    @property
    def saved_tensors(self) -> tuple:
        """The values given to ``save_for_backward``, in order."""
        saved = self._saved
        if saved is None:
            raise _freed_error(self.name())
        return saved

    @property
    def freed(self) -> bool:
        """True once a backward without ``retain_graph`` has released this node's saved values."""
        return self._saved is None

    def mark_non_differentiable(self, *arrays) -> None:
        """Mark outputs (e.g. indices) that never carry a gradient."""
        self._non_diff = [a._data if isinstance(a, Tensor) else a for a in arrays]

    def name(self) -> str:
        """The node's name as shown in ``grad_fn`` reprs, e.g. ``"MulBackward"``."""
        return self.fn.__name__ + "Backward"

    def __repr__(self) -> str:
        return f"<{self.name()}>"

    # -- engine support ----------------------------------------------------
    def release(self) -> None:
        """Drop the saved values and whatever the rules stored on ``ctx`` (after a backward)."""
        self._saved = None
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

    def save_for_backward(self, *values) -> None:
        pass

    def mark_non_differentiable(self, *arrays) -> None:
        pass


def _forward_ctx(fn, n_args: int) -> _ForwardCtx:
    ctx = _new(_ForwardCtx)
    ctx.fn = fn
    ctx.needs_input_grad = _NO_GRADS[n_args] if n_args < 8 else (False,) * n_args
    ctx._saved = ()
    return ctx


_NO_GRADS = tuple((False,) * n for n in range(8))


class Function:
    """Base class of differentiable operations.

    Subclasses implement two static methods on raw ``mlx.core`` arrays:

    * ``forward(ctx, *args, **kwargs)`` returns an array or a tuple of arrays;
    * ``backward(ctx, *grads)`` gets one gradient array per output and returns
      one gradient per positional input of ``forward`` (``None`` for inputs
      that are not Tensors or need no gradient).

    Call it with ``MyFunction.apply(*args, **kwargs)``; Tensor arguments are
    unwrapped to arrays and outputs are wrapped back into Tensors.

    Examples:
        >>> import lucid, mlx.core as mx
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
            return _apply2(cls, args)
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
            ctx = _forward_ctx(cls, len(args))
            if device == _default[0]:
                out = cls.forward(ctx, *arrays, **kwargs) if kwargs else cls.forward(ctx, *arrays)
            else:
                with run_on(device):
                    out = cls.forward(ctx, *arrays, **kwargs)
            if type(out) is tuple or type(out) is list:
                return tuple([_make(o, device) for o in out])
            return _make(out, device)

        # Recording: the node is the ctx.
        ctx = _new(Node)
        ctx.fn = cls
        ctx.next = edges
        ctx.needs_input_grad = tuple(needs)
        ctx._saved = ()
        ctx.device = device
        ctx.seq = next(_sequence)
        if device == _default[0]:
            out = cls.forward(ctx, *arrays, **kwargs) if kwargs else cls.forward(ctx, *arrays)
        else:
            with run_on(device):
                out = cls.forward(ctx, *arrays, **kwargs)

        if type(out) is tuple or type(out) is list:
            return _wrap_outputs(ctx, out, device, args)
        if out.dtype not in FLOATING_MX:
            return _make(out, device)
        ctx.n_out = 1
        outs = _make(out, device, ctx, 0)
        saved = ctx._saved
        if saved:
            ctx._checks = _version_checks(saved, args, outs)
        return outs


_make = Tensor._make
_NEEDS2 = {(True, True): (True, True), (True, False): (True, False), (False, True): (False, True)}


def _apply2(cls, args):
    """``apply`` unrolled for the commonest call: two positional arguments, no keywords."""
    a, b = args
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
        ctx._saved = ()
        if device == _default[0]:
            out = cls.forward(ctx, xa, xb)
        else:
            with run_on(device):
                out = cls.forward(ctx, xa, xb)
        if type(out) is tuple or type(out) is list:
            return tuple([_make(o, device) for o in out])
        return _make(out, device)
    ctx = _new(Node)
    ctx.fn = cls
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
    ctx.next = (ea, eb)
    ctx.needs_input_grad = _NEEDS2[(ra, rb)]
    ctx._saved = ()
    ctx.device = device
    ctx.seq = next(_sequence)
    if device == _default[0]:
        out = cls.forward(ctx, xa, xb)
    else:
        with run_on(device):
            out = cls.forward(ctx, xa, xb)
    if type(out) is tuple or type(out) is list:
        return _wrap_outputs(ctx, out, device, args)
    if out.dtype not in FLOATING_MX:
        return _make(out, device)
    ctx.n_out = 1
    outs = _make(out, device, ctx, 0)
    saved = ctx._saved
    if saved:
        # _version_checks, inlined for two inputs (the hot path).
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


def _wrap_outputs(ctx, out, device, args):
    """Wrap a multi-output forward's arrays; non-float and marked outputs carry no graph."""
    non_diff = ctx._non_diff
    ctx.n_out = len(out)
    ctx.out_meta = [(o.shape, o.dtype) for o in out]
    outs = tuple([
        _make(o, device)
        if o.dtype not in FLOATING_MX or (non_diff is not None and any(o is n for n in non_diff))
        else _make(o, device, ctx, i)
        for i, o in enumerate(out)
    ])
    saved = ctx._saved
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
