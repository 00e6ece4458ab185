"""Helpers shared by the op families (and ``lucid.linalg``), one home each.

* Functions from plain functions: :func:`function_class`, :func:`linear_rule`;
* gradient helpers: :func:`unbroadcast`, :func:`expand_back`, :func:`even_split_grad`;
* converters: :func:`operand` (binary operands: numbers stay numbers) and
  :func:`to_tensor` (everything becomes a Tensor);
* argument checks: :func:`check_int`, :func:`normalize_dim`,
  :func:`normalize_dims`, :func:`normalize_axes`, :func:`check_sizes`,
  :func:`reduce_axis_arg`, :func:`reduce_keepdims_arg`, :func:`reduction_axes`,
  :func:`check_nonempty`.

The MLX dtype sets live with the dtype table, in ``lucid._backend.dtypes``.
"""

from __future__ import annotations

import numbers

import mlx.core as mx

from lucid._backend import reductions
from lucid._backend.device import normalize_device
from lucid._tensor import Tensor
from lucid.autograd.function import Function

__all__ = ["function_class", "linear_rule", "unbroadcast", "expand_back", "even_split_grad", "operand", "to_tensor",
           "new_tensor", "check_int", "normalize_dim", "normalize_dims", "normalize_axes", "check_sizes",
           "reduce_axis_arg", "reduce_keepdims_arg", "reduction_axes", "numel", "check_nonempty"]


# -- gradients -------------------------------------------------------------------
def function_class(name: str, forward, backward=None, *, module: str, doc: str | None = None,
                   base: type = Function) -> type:
    """A :class:`~lucid.autograd.Function` subclass from plain ``forward(ctx, ...)`` and ``backward(ctx, g)``.

    The op families' factories (elementwise rules, comparisons, extrema, ...)
    build their Functions here, so each names only what differs.

    Args:
        name: the class name.
        forward: ``forward(ctx, *arrays, *attrs)``, as in a Function subclass.
        backward: ``backward(ctx, g)``; omit it for a ``base`` that defines one or needs none
            (``differentiable = False``).
        module: the family's module (``__name__``): the class's ``__module__``.
        doc: the class docstring.
        base: the base class (``Function`` or a family's own base).

    Returns:
        The new class.

    Examples:
        >>> import mlx.core as mx
        >>> from lucid.ops._util import function_class
        >>> Twice = function_class("Twice", lambda ctx, x: 2 * x, lambda ctx, g: 2 * g, module=__name__)
        >>> import lucid
        >>> x = lucid.tensor([1.0, 3.0], requires_grad=True)
        >>> Twice.apply(x).sum().backward()
        >>> x.grad.tolist()
        [2.0, 2.0]
    """
    body = {"forward": staticmethod(forward), "__module__": module, "__qualname__": name, "__doc__": doc}
    if backward is not None:
        body["backward"] = staticmethod(backward)
    return type(name, (base,), body)


def linear_rule(name: str, forward, grad, *, module: str, doc: str | None = None) -> type:
    """The Function of ``y = forward(x)`` whose backward ``grad(g)`` needs nothing saved (negation, conj, ...).

    Examples:
        >>> import mlx.core as mx
        >>> from lucid.ops._util import linear_rule
        >>> Neg = linear_rule("Neg", mx.negative, mx.negative, module=__name__)
        >>> Neg.__name__, Neg.backward(None, mx.array([1.0])).tolist()
        ('Neg', [-1.0])
    """
    return function_class(name, lambda ctx, x: forward(x), lambda ctx, g: grad(g), module=module, doc=doc)


def unbroadcast(grad: mx.array, shape: tuple, dtype=None) -> mx.array:
    """Reduce a broadcast gradient back to an input's ``shape``.

    Sums the leading axes broadcasting added and the axes that were size 1 in
    the input; casts to ``dtype`` when given (so a float16 input receives a
    float16 gradient).
    """
    gshape = grad.shape
    if gshape != shape:
        lead = len(gshape) - len(shape)
        axes = list(range(lead))
        for i, s in enumerate(shape):
            if s == 1 and gshape[i + lead] != 1:
                axes.append(i + lead)
        if axes:
            grad = reductions.sum(grad, axis=axes, keepdims=False)
        if grad.shape != shape:
            grad = mx.reshape(grad, shape)
    if dtype is not None and grad.dtype != dtype:
        grad = grad.astype(dtype)
    return grad


def expand_back(g: mx.array, in_shape: tuple, axes, keepdims: bool) -> mx.array:
    """Broadcast a reduced gradient back over the reduced ``axes`` (all when None) of ``in_shape``."""
    if axes is None:
        axes = tuple(range(len(in_shape)))
    if not keepdims and axes:
        g = mx.expand_dims(g, axes)
    return mx.broadcast_to(g, in_shape)


def even_split_grad(g: mx.array, a: mx.array, out: mx.array, axes, keepdims: bool) -> mx.array:
    """Spread ``g`` evenly over the elements of ``a`` equal to the reduced ``out`` (NaN counts as equal to NaN)."""
    out_b = expand_back(out, a.shape, axes, keepdims)
    mask = (a == out_b) | (mx.isnan(a) & mx.isnan(out_b))
    mask = mask.astype(g.dtype)
    count = reductions.sum(mask, axis=axes, keepdims=True)
    return expand_back(g, a.shape, axes, keepdims) * mask / count


# -- converters ------------------------------------------------------------------
def operand(x):
    """An operand of a binary op: Tensors and Python numbers pass through; anything else becomes a Tensor.

    Python numbers stay numbers so that they do not widen a tensor's dtype
    (``x_f16 * 2.0`` stays float16); NumPy scalars become Python numbers.
    """
    if isinstance(x, (Tensor, int, float, complex)):
        return x
    if isinstance(x, numbers.Number):
        return x.item() if hasattr(x, "item") else x
    return to_tensor(x)


def to_tensor(x, op: str | None = None) -> Tensor:
    """``x`` as a Tensor: a Tensor passes through; numbers, lists, NumPy and MLX arrays are converted.

    A converted value gets ``lucid.tensor``'s dtype rules and device (float64 on the CPU).

    Raises:
        TypeError: ``x`` is not numeric; the message names ``op`` when given.
    """
    if isinstance(x, Tensor):
        return x
    try:
        return Tensor(x)
    except TypeError as exc:
        if op is None:
            raise
        raise TypeError(f"{op}: expected a Tensor, got {type(x).__name__} ({exc})") from None


def new_tensor(arr: mx.array, device, requires_grad: bool = False) -> Tensor:
    """Wrap a freshly made array (creation ops, samplers) as a leaf Tensor on ``device``.

    With no device, float64 goes to the CPU (MLX computes float64 there only) and anything else to
    the default device.

    Raises:
        TypeError: float64 asked for on the GPU.
    """
    dev = "cpu" if device is None and arr.dtype == mx.float64 else normalize_device(device)
    if dev == "gpu" and arr.dtype == mx.float64:
        raise TypeError("float64 is supported on the CPU only; use device='cpu' or a 32-bit dtype")
    t = Tensor._make(arr, dev)
    if requires_grad:
        t.requires_grad = True
    return t


# -- argument checks -------------------------------------------------------------
def check_int(value, name: str, op: str, minimum: int | None = None) -> int:
    """``value`` as an int; ``TypeError`` for anything else (bools included, as they are ambiguous).

    With ``minimum``, ``ValueError`` for a smaller value.

    Examples:
        >>> from lucid.ops._util import check_int
        >>> check_int(3, "n", "op", minimum=1)
        3
        >>> check_int(0, "n", "op", minimum=1)
        Traceback (most recent call last):
        ...
        ValueError: op: n must be >= 1, got 0
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{op}: {name} must be an int, got {value!r} ({type(value).__name__})")
    if minimum is not None and value < minimum:
        raise ValueError(f"{op}: {name} must be >= {minimum}, got {value}")
    return int(value)


def normalize_dim(d, ndim: int, op: str, name: str = "dim") -> int:
    """One (possibly negative) dim, checked against ``ndim``; 0-d tensors accept 0 and -1.

    ``name`` is the argument's name in messages (``"axis"`` for the NumPy-style reductions).
    """
    if type(d) is not int:
        d = check_int(d, name, op)
    n = ndim if ndim > 0 else 1
    if not -n <= d < n:
        raise ValueError(f"{op}: {name} {d} is out of range for a tensor with {ndim} dimensions "
                         f"(expected {-n} <= {name} < {n})")
    return d % n


def normalize_dims(dims, ndim: int, op: str, name: str = "dim") -> tuple:
    """An int or a sequence of dims, each checked (:func:`normalize_dim`), in the given order, no repeats."""
    if isinstance(dims, numbers.Integral) and not isinstance(dims, bool):
        dims = (dims,)
    elif isinstance(dims, (tuple, list)):
        dims = tuple(dims)
    else:
        raise TypeError(f"{op}: {name} must be an int or a tuple of ints, got {type(dims).__name__}")
    out = tuple(normalize_dim(d, ndim, op, name) for d in dims)
    if len(set(out)) != len(out):
        raise ValueError(f"{op}: repeated {name} in {dims!r}")
    return out


def normalize_axes(axis, ndim: int, op: str = "op") -> tuple | None:
    """Turn ``None``, an int or a sequence of (possibly negative) ints into a sorted tuple of axes."""
    if axis is None:
        return None
    return tuple(sorted(normalize_dims(axis, ndim, op, "axis")))


def check_sizes(args, op: str, allow_neg: bool = False) -> tuple:
    """Sizes given as ``f(2, 3)``, ``f((2, 3))`` or ``f([2, 3])``: a tuple of ints, each ``>= 0``.

    With ``allow_neg`` a size may be ``-1`` (reshape's "infer this one").
    """
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        args = tuple(args[0])
    lo = -1 if allow_neg else 0
    for s in args:
        if type(s) is not int:  # rare: NumPy ints, bools, floats
            return _checked_sizes(args, op, lo)
        if s < lo:
            _bad_size(s, args, op, lo)
    return tuple(args)


def _checked_sizes(args, op: str, lo: int) -> tuple:
    out = []
    for s in args:
        if isinstance(s, bool) or not isinstance(s, numbers.Integral):
            raise TypeError(f"{op}: sizes must be ints, got {s!r} ({type(s).__name__})")
        if s < lo:
            _bad_size(s, args, op, lo)
        out.append(int(s))
    return tuple(out)


def _bad_size(s, args, op: str, lo: int):
    allowed = "non-negative (or -1 to infer one size)" if lo < 0 else "non-negative"
    raise ValueError(f"{op}: invalid size {s} in {tuple(args)}; sizes must be {allowed}")


def reduce_axis_arg(axis, dim, op: str, default=None, *, required: bool = False):
    """Accept NumPy's ``axis=`` or PyTorch's ``dim=`` (not both); ``default`` when neither is given.

    With ``required=True`` giving neither is a TypeError, as a missing positional argument is.
    """
    if dim is not None:
        if axis is not None:
            raise TypeError(f"{op}: pass either axis= or dim=, not both")
        return dim
    if axis is None:
        if required:
            raise TypeError(f"{op}: missing the required argument dim (or its NumPy spelling axis)")
        return default
    return axis


def reduce_keepdims_arg(keepdims, keepdim) -> bool:
    """Accept NumPy's ``keepdims=`` or PyTorch's ``keepdim=``."""
    return bool(keepdims or keepdim)


def reduction_axes(input: Tensor, axis, dim, op: str):
    """Normalised reduction axes; ``None`` means all (also for 0-d inputs and ``()``, as in PyTorch)."""
    a = axis if dim is None else reduce_axis_arg(axis, dim, op)
    if a is None:
        return None
    n = input._data.ndim
    if type(a) is int and -n <= a < n:  # the common case, without the generic checks
        return None if n == 1 else (a % n,)
    axes = normalize_axes(a, n, op)
    if axes is not None and (not axes or n == 0 or len(axes) == n):
        return None
    return axes


def numel(shape: tuple, axes=None) -> int:
    """The number of elements of ``shape`` over ``axes`` (all when None)."""
    n = 1
    for ax in (range(len(shape)) if axes is None else axes):
        n *= shape[ax]
    return n


def check_nonempty(input: Tensor, axes, op: str) -> None:
    """``ValueError`` if a reduction without an identity (max, min, ...) would run over no elements."""
    if numel(input.shape, axes) == 0 and input._data.size == 0:
        where = "" if axes is None else f" over dim {axes if len(axes) > 1 else axes[0]}"
        raise ValueError(f"{op}: cannot reduce an empty tensor of shape {input.shape}{where}: the result "
                         "has no identity; pass a non-empty tensor or a different dim")
