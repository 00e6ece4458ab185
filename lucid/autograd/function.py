"""``Function`` and its context: how every differentiable operation is defined.

A ``Function`` subclass implements ``forward(ctx, *arrays, **attrs)`` on raw
``mlx.core`` arrays and ``backward(ctx, *grads)`` returning one gradient per
positional input (``None`` where there is none). ``Function.apply`` unwraps
Tensors, runs ``forward``, wraps the result and, when grad mode is on and an
input requires grad, records a :class:`Node` (which is also the ``ctx``).
"""

from __future__ import annotations

import weakref

import mlx.core as mx

from lucid._backend.device import _default, run_on
from lucid._backend.dtypes import FLOATING_MX
from lucid._tensor import Tensor
from lucid.autograd.grad_mode import _state

__all__ = ["Function", "Node", "FunctionCtx"]


class Node:
    """A recorded operation: the ``ctx`` of one ``Function.apply`` call.

    Attributes used by forward/backward rules: ``save_for_backward``,
    ``saved_tensors``, ``needs_input_grad``, ``mark_non_differentiable``, and
    any attribute a rule sets on it (``ctx.shape = x.shape``).
    """

    __slots__ = (
        "fn", "next", "needs_input_grad", "_saved", "_checks", "n_out", "out_meta",
        "tensor_hooks", "retained", "_non_diff", "device", "freed", "__dict__", "__weakref__",
    )

    def __init__(self, fn):
        self.fn = fn
        self._saved = ()
        self._checks = None
        self._non_diff = None
        self.freed = False
        self.tensor_hooks = None
        self.retained = None

    # -- the ctx API -------------------------------------------------------
    def save_for_backward(self, *values) -> None:
        """Keep arrays (or Tensors) for ``backward``; read them as ``ctx.saved_tensors``."""
        self._saved = tuple(v._data if isinstance(v, Tensor) else v for v in values)

    @property
    def saved_tensors(self) -> tuple:
        if self.freed:
            raise RuntimeError(
                f"{self.name()}: trying to backward through the graph a second time (its saved values "
                "were freed after the first backward). Pass retain_graph=True to the first backward() "
                "if you need to backward twice."
            )
        return self._saved

    def mark_non_differentiable(self, *arrays) -> None:
        """Mark outputs (e.g. indices) that never carry a gradient."""
        self._non_diff = [a._data if isinstance(a, Tensor) else a for a in arrays]

    def name(self) -> str:
        return self.fn.__name__ + "Backward"

    def __repr__(self) -> str:
        return f"<{self.name()}>"

    # -- engine support ----------------------------------------------------
    def release(self) -> None:
        self._saved = ()
        self.__dict__.clear()
        self.freed = True

    def check_versions(self) -> None:
        for ref, version in self._checks:
            t = ref() if isinstance(ref, weakref.ref) else ref
            if t is not None and t._version != version:
                raise RuntimeError(
                    f"one of the tensors saved by {self.fn.__name__} for backward was modified by an "
                    f"in-place operation (its version is {t._version}, it was {version} when saved). "
                    "Use the out-of-place form (x = x + y instead of x.add_(y)) or .clone() the tensor first."
                )


FunctionCtx = Node


class Function:
    """Base class of differentiable operations.

    Subclasses implement two static methods on raw ``mlx.core`` arrays:

    * ``forward(ctx, *args, **kwargs)`` returns an array or a tuple of arrays;
    * ``backward(ctx, *grads)`` gets one gradient array per output and returns
      one gradient per positional input of ``forward`` (``None`` for inputs
      that are not Tensors or need no gradient).

    Call it with ``MyFunction.apply(*args, **kwargs)``; Tensor arguments are
    unwrapped to arrays and outputs are wrapped back into Tensors.

    Example:
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

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError("Function subclasses must implement forward(ctx, *args)")

    @staticmethod
    def backward(ctx, *grads):
        raise NotImplementedError("this Function does not implement backward(ctx, *grads)")

    @classmethod
    def apply(cls, *args, **kwargs):
        ctx = Node(cls)
        arrays = []
        device = None
        requires = False
        for a in args:
            if isinstance(a, Tensor):
                arrays.append(a._data)
                if device is None:
                    device = a._device
                if a.requires_grad:
                    requires = True
            else:
                arrays.append(a)
        record = requires and cls.differentiable and _state.enabled
        if record:
            ctx.needs_input_grad = tuple(isinstance(a, Tensor) and a.requires_grad for a in args)
        else:
            ctx.needs_input_grad = (False,) * len(args)
        if device is None:
            device = _default[0]
        if device == _default[0]:
            out = cls.forward(ctx, *arrays, **kwargs)
        else:
            with run_on(device):
                out = cls.forward(ctx, *arrays, **kwargs)

        if not record:
            if type(out) is tuple or type(out) is list:
                return tuple(Tensor._make(o, device) for o in out)
            return Tensor._make(out, device)

        ctx.device = device
        ctx.next = tuple(
            ((a._node, a._out_idx) if a._node is not None else a) if isinstance(a, Tensor) and a.requires_grad else None
            for a in args
        )
        non_diff = ctx._non_diff
        if type(out) is tuple or type(out) is list:
            ctx.n_out = len(out)
            ctx.out_meta = [(o.shape, o.dtype) for o in out]
            outs = tuple(
                Tensor._make(o, device)
                if (non_diff is not None and any(o is n for n in non_diff)) or o.dtype not in FLOATING_MX
                else Tensor._make(o, device, ctx, i)
                for i, o in enumerate(out)
            )
        else:
            ctx.n_out = 1
            ctx.out_meta = None
            if out.dtype in FLOATING_MX:
                outs = Tensor._make(out, device, ctx, 0)
            else:
                return Tensor._make(out, device)
        if ctx._saved:
            ctx._checks = _version_checks(ctx._saved, args, outs)
        return outs


def _version_checks(saved, args, outs) -> list:
    """Pair each saved array with the Tensor it came from and that Tensor's version."""
    checks = []
    outs_seq = outs if type(outs) is tuple else (outs,)
    for s in saved:
        if not isinstance(s, mx.array):
            continue
        for a in args:
            if isinstance(a, Tensor) and a._data is s:
                checks.append((a, a._version))
                break
        else:
            for o in outs_seq:
                if o._data is s:
                    checks.append((weakref.ref(o), o._version))
                    break
    return checks
