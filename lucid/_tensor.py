"""``lucid.Tensor``: an ``mlx.core.array`` with autograd state.

The Tensor holds data, gradient, graph node, version counter and device; it
does no maths itself. Arithmetic, reductions, shape and indexing methods are
attached by ``lucid.ops`` (each op family lists its methods), so each method
is the same function users reach as ``lucid.<name>``.
"""

from __future__ import annotations

import numbers
import weakref

import mlx.core as mx
import numpy as np

from lucid._backend import checks as _checks
from lucid._backend import dtypes as _dtypes
from lucid._backend import trace as _trace
from lucid._backend.device import _default, normalize_device
from lucid._backend.dtypes import FLOATING_MX, TENSOR_TYPE_NAMES, from_mx_dtype, from_type_name, to_mx_dtype

__all__ = ["Tensor", "as_array"]

_DEFAULT_REPR_DTYPES = (mx.float32, mx.int64, mx.bool_)


def as_array(data, dtype=None) -> mx.array:
    """Convert Python scalars, nested lists, NumPy arrays, ``mx.array``s or Tensors to an ``mx.array``.

    Python floats become float32 and Python ints int64 (PyTorch's defaults); a
    NumPy array keeps its dtype, float64 included. With ``dtype`` given, values
    are converted straight to it (``0.1`` asked for as float64 stays exactly
    the double ``0.1``, not a widened float32).

    Raises:
        TypeError: ``data`` is not numeric (strings, objects, mixed items).
        ValueError: a nested sequence is ragged.
    """
    mx_dtype = None if dtype is None else to_mx_dtype(dtype)
    if isinstance(data, Tensor):
        arr = data._data
    elif isinstance(data, mx.array):
        arr = data
    elif isinstance(data, (np.ndarray, np.generic)):
        nd = np.asarray(data)
        if nd.dtype.kind not in "biufc":
            raise TypeError(f"cannot make a Tensor from a NumPy array of dtype {nd.dtype}; expected a numeric dtype")
        if mx_dtype is None:
            # A NumPy array keeps its dtype (float64 included), except ones MLX lacks.
            mx_dtype = _NUMPY_KEEP.get(nd.dtype.char)
            if mx_dtype is None:
                mx_dtype = mx.complex64 if nd.dtype.kind == "c" else to_mx_dtype(nd.dtype)
        return mx.array(nd, dtype=mx_dtype)
    elif isinstance(data, bool):
        return mx.array(data, dtype=mx.bool_ if mx_dtype is None else mx_dtype)
    elif isinstance(data, numbers.Integral):
        return mx.array(int(data), dtype=mx.int64 if mx_dtype is None else mx_dtype)
    elif isinstance(data, numbers.Real):
        return mx.array(float(data), dtype=_dtypes._DEFAULT_FLOAT[0] if mx_dtype is None else mx_dtype)
    elif isinstance(data, numbers.Complex):
        return mx.array(complex(data), dtype=mx.complex64 if mx_dtype is None else mx_dtype)
    elif isinstance(data, (list, tuple)):
        return _from_sequence(data, mx_dtype)
    else:
        raise TypeError(
            f"cannot make a Tensor from {type(data).__name__}; expected a number, a (nested) list, "
            "a NumPy array, an mlx.core.array or a Tensor"
        )
    if mx_dtype is not None and arr.dtype != mx_dtype:
        arr = arr.astype(mx_dtype)
    return arr


# NumPy dtypes kept as they are by ``as_array`` (float64 included: it lives on the CPU).
_NUMPY_KEEP = {np.dtype(n).char: d for n, d in (
    ("float64", mx.float64), ("float32", mx.float32), ("float16", mx.float16), ("bool", mx.bool_),
    ("int8", mx.int8), ("int16", mx.int16), ("int32", mx.int32), ("int64", mx.int64),
    ("uint8", mx.uint8), ("uint16", mx.uint16), ("uint32", mx.uint32), ("uint64", mx.uint64),
    ("complex64", mx.complex64),
)}


def _from_sequence(data, mx_dtype) -> mx.array:
    """A nested list or tuple of numbers (or a list of same-shaped Tensors) as an ``mx.array``."""
    if len(data) and all(isinstance(d, Tensor) for d in data):
        arr = mx.stack([d._data for d in data])
        return arr if mx_dtype is None or arr.dtype == mx_dtype else arr.astype(mx_dtype)
    try:
        nd = np.asarray(data)
    except ValueError as exc:
        raise ValueError(f"cannot make a Tensor from a ragged nested sequence: {exc}") from None
    kind = nd.dtype.kind
    if kind not in "biufc":
        raise TypeError(
            f"cannot make a Tensor from a sequence of {nd.dtype} items; expected numbers "
            "(nested lists of the same length)"
        )
    if mx_dtype is None:
        # PyTorch's defaults: Python floats get the default dtype (float32), ints int64, complex complex64.
        if kind == "f":
            mx_dtype = _dtypes._DEFAULT_FLOAT[0]
        elif kind in "iu":
            if kind == "u" and nd.size and nd.max() > np.iinfo(np.int64).max:
                raise ValueError("integer values do not fit in int64; pass dtype=lucid.uint64")
            mx_dtype = mx.int64
        elif kind == "c":
            mx_dtype = mx.complex64
        else:
            mx_dtype = mx.bool_
    return mx.array(nd, dtype=mx_dtype)


class Tensor:
    """A multi-dimensional array on an MLX device, with reverse-mode autograd.

    Args:
        data: a number, (nested) list, NumPy array, ``mlx.core.array`` or Tensor.
        dtype: a Lucid dtype (``lucid.float32``) or anything ``lucid`` can map to one.
            Python floats default to float32 and ints to int64; NumPy arrays keep
            their dtype (float64 included, on the CPU).
        device: ``"cpu"`` or ``"gpu"``; defaults to ``lucid.get_default_device()``.
        requires_grad: record operations on this tensor for ``backward()``.

    Examples:
        >>> import lucid
        >>> x = lucid.Tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
        >>> (x * x).sum().backward()
        >>> x.grad.tolist()
        [[2.0, 4.0], [6.0, 8.0]]
    """

    __slots__ = (
        "__weakref__",
        "_data",
        "_device",
        "_grad",
        "_hooks",
        "_node",
        "_out_idx",
        "_requires_grad",
        "_version",
    )

    # NumPy should defer to our reflected operators (ndarray + Tensor).
    __array_priority__ = 1000

    def __init__(self, data, dtype=None, device=None, requires_grad: bool = False):
        arr = as_array(data, dtype)
        if device is None and arr.dtype == mx.float64:
            dev = "cpu"  # MLX computes float64 on the CPU only
        else:
            dev = normalize_device(device)
        if dev == "gpu" and arr.dtype == mx.float64:
            raise TypeError("float64 is supported on the CPU only (MLX has no float64 GPU kernels); "
                            "use device='cpu' or dtype=lucid.float32")
        self._data = arr
        self._grad = None
        self._node = None
        self._out_idx = 0
        self._version = 0
        self._device = dev
        self._hooks = None
        self._requires_grad = False
        if requires_grad:
            self.requires_grad = True

    @classmethod
    def _make(cls, arr: mx.array, device: str, node=None, idx: int = 0) -> Tensor:
        t = object.__new__(cls)
        t._data = arr
        t._grad = None
        t._node = node
        t._out_idx = idx
        t._version = 0
        t._device = device
        t._hooks = None
        t._requires_grad = node is not None
        return t

    # -- basic attributes ---------------------------------------------------
    @property
    def data(self) -> Tensor:
        """A Tensor sharing this one's values, detached from the graph (PyTorch's ``.data``)."""
        return Tensor._make(self._data, self._device)

    @data.setter
    def data(self, value) -> None:
        arr = as_array(value)
        if tuple(arr.shape) != tuple(self._data.shape):
            raise ValueError(f"cannot assign data of shape {tuple(arr.shape)} to a tensor of shape {self.shape}")
        self._data = arr.astype(self._data.dtype) if arr.dtype != self._data.dtype else arr
        self._version += 1

    @property
    def grad(self) -> Tensor | None:
        """The accumulated gradient (a Tensor of this shape and dtype), or ``None``.

        ``backward()`` fills it for leaves that require grad (and for tensors
        that called ``retain_grad()``); assign ``None`` to clear it.
        """
        return self._grad

    @grad.setter
    def grad(self, value) -> None:
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(f"a gradient must be a Tensor or None, got {type(value).__name__}")
            if value._data.shape != self._data.shape:
                raise ValueError(
                    f"assigned gradient has shape {tuple(value._data.shape)}, but the tensor has shape {self.shape}"
                )
            if value._data.dtype != self._data.dtype:
                raise TypeError(f"assigned gradient has dtype {value.dtype}, but the tensor has dtype {self.dtype}")
        self._grad = value

    @property
    def shape(self) -> tuple:
        return tuple(self._data.shape)

    def size(self, dim: int | None = None, *, axis: int | None = None):
        """The shape (PyTorch's ``size()``), or one dimension's length (``axis`` is the NumPy spelling of ``dim``)."""
        if axis is not None:
            if dim is not None:
                raise TypeError("size: pass either axis= or dim=, not both")
            dim = axis
        if dim is None:
            return tuple(self._data.shape)
        return self._data.shape[dim]

    @property
    def ndim(self) -> int:
        return self._data.ndim

    def dim(self) -> int:
        return self._data.ndim

    def numel(self) -> int:
        return self._data.size

    @property
    def nbytes(self) -> int:
        return self._data.nbytes

    @property
    def dtype(self):
        return from_mx_dtype(self._data.dtype)

    @property
    def device(self) -> str:
        return self._device

    @property
    def is_leaf(self) -> bool:
        return self._node is None

    @property
    def grad_fn(self):
        return self._node

    @property
    def requires_grad(self) -> bool:
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, flag: bool) -> None:
        if not isinstance(flag, bool):
            raise TypeError(f"requires_grad must be a bool, got {type(flag).__name__}")
        if self._node is not None and not flag:
            raise RuntimeError("you can only change requires_grad of leaf tensors; use .detach() for a non-leaf")
        if flag and self._data.dtype not in FLOATING_MX:
            raise TypeError(
                f"only floating-point and complex tensors can require gradients, got {self.dtype}; "
                "convert first, e.g. x.float()"
            )
        self._requires_grad = flag

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Set ``requires_grad`` in place and return ``self``."""
        self.requires_grad = requires_grad
        return self

    @property
    def mx(self) -> mx.array:
        """The underlying ``mlx.core.array`` (no copy)."""
        return self._data

    # -- graph ----------------------------------------------------------------
    def detach(self) -> Tensor:
        """A new leaf Tensor with the same values, cut from the graph."""
        return Tensor._make(self._data, self._device)

    def detach_(self) -> Tensor:
        self._node = None
        self._requires_grad = False
        return self

    def backward(self, gradient=None, retain_graph: bool | None = None, create_graph: bool = False,
                 inputs=None) -> None:
        """Accumulate d(self)/d(leaf) into every leaf's ``.grad``.

        Args:
            gradient: the upstream gradient, same shape as ``self``; may be omitted
                for a single-element tensor (it is then 1).
            retain_graph: keep the graph's saved values for another backward
                (default ``False``).
            create_graph: higher-order gradients; not supported yet.
            inputs: if given, only these tensors receive gradients.

        Raises:
            RuntimeError: ``self`` does not require grad, ``gradient`` is missing
                for a tensor of several elements, or the graph was already freed.
            ValueError: ``gradient`` has the wrong shape.

        Examples:
            >>> import lucid
            >>> x = lucid.tensor([1.0, 2.0], requires_grad=True)
            >>> (x * x).backward(lucid.tensor([1.0, 0.5]))
            >>> x.grad.tolist()
            [2.0, 2.0]
        """
        from lucid.autograd.functional import backward as _backward

        _backward(self, gradient, retain_graph=bool(retain_graph), inputs=inputs, create_graph=create_graph)

    def register_hook(self, hook):
        """Call ``hook(grad)`` when this tensor's gradient is computed; it may return a replacement.

        Returns a handle whose ``remove()`` unregisters the hook.

        Examples:
            >>> import lucid
            >>> x = lucid.ones(2, requires_grad=True)
            >>> h = x.register_hook(lambda g: g * 10)
            >>> (x * 3).sum().backward(); x.grad.tolist()
            [30.0, 30.0]
        """
        if not self._requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that does not require grad")
        if self._node is None:
            if self._hooks is None:
                self._hooks = []
            hooks = self._hooks
        else:
            node = self._node
            if node.tensor_hooks is None:
                node.tensor_hooks = {}
            hooks = node.tensor_hooks.setdefault(self._out_idx, [])
        hooks.append(hook)
        return _HookHandle(hooks, hook)

    def retain_grad(self) -> None:
        """Keep this non-leaf tensor's gradient in ``.grad`` after backward."""
        if not self._requires_grad:
            raise RuntimeError("cannot retain_grad on a tensor that does not require grad")
        if self._node is None:
            return
        node = self._node
        if node.retained is None:
            node.retained = {}
        node.retained[self._out_idx] = weakref.ref(self)

    @property
    def retains_grad(self) -> bool:
        node = self._node
        return bool(node is not None and node.retained and self._out_idx in node.retained)

    # -- sync points ---------------------------------------------------------
    def item(self):
        """The value of a one-element tensor as a Python number (evaluates)."""
        if self._data.size != 1:
            raise ValueError(f"item() needs a tensor with one element, got shape {self.shape}")
        if _trace._stack:
            raise _trace.host_read_error("Tensor.item()")
        if _checks.has_pending():
            _checks.sync(self._data)
        return self._data.item()

    def tolist(self):
        """The values as (nested) Python lists (evaluates)."""
        if _trace._stack:
            raise _trace.host_read_error("Tensor.tolist()")
        if _checks.has_pending():
            _checks.sync(self._data)
        return self._data.tolist()

    def numpy(self) -> np.ndarray:
        """The values as a NumPy array (evaluates; bfloat16 comes back as float32)."""
        if _trace._stack:
            raise _trace.host_read_error("Tensor.numpy()")
        arr = self._data
        if arr.dtype == mx.bfloat16:
            arr = arr.astype(mx.float32)
        if _checks.has_pending():
            _checks.sync(arr)
        return np.array(arr)

    def __array__(self, dtype=None, copy=None):
        out = self.numpy()
        return out if dtype is None else out.astype(dtype)

    def __dlpack__(self, *, stream=None, max_version=None, dl_device=None, copy=None):
        """Export the values through DLPack (a sync point: evaluates; see ``lucid.to_dlpack``).

        Lets ``np.from_dlpack(t)`` and other DLPack consumers read a Tensor.
        """
        if _trace._stack:
            raise _trace.host_read_error("Tensor.__dlpack__()")
        arr = self._data
        if _checks.has_pending():
            _checks.sync(arr)
        kwargs = {k: v for k, v in (("stream", stream), ("max_version", max_version), ("dl_device", dl_device),
                                    ("copy", copy)) if v is not None}
        return arr.__dlpack__(**kwargs)

    def __dlpack_device__(self):
        """The DLPack device of the values (``(1, 0)``, CPU memory, for MLX's unified memory)."""
        return self._data.__dlpack_device__()

    def __bool__(self) -> bool:
        if self._data.size != 1:
            raise RuntimeError(
                f"the truth value of a tensor with {self._data.size} elements is ambiguous; "
                "use .any() or .all()"
            )
        if _trace._stack:
            raise _trace.host_read_error("a Python `if` (or bool()) on a tensor")
        if _checks.has_pending():
            _checks.sync(self._data)
        return bool(self._data.item())

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __index__(self) -> int:
        if self._data.dtype not in (mx.int8, mx.int16, mx.int32, mx.int64, mx.uint8, mx.uint16, mx.uint32, mx.uint64):
            raise TypeError(f"only integer tensors of one element can be used as an index, got {self.dtype}")
        return int(self.item())

    def __len__(self) -> int:
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self):
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return iter(self.unbind(0))

    __hash__ = object.__hash__

    def __repr__(self) -> str:
        if _trace._stack:  # inside lucid.compile: no values to show
            return f"tensor(<traced>, shape={self.shape}, dtype={self.dtype})"
        body = _format_values(self._data)
        extras = []
        if self._data.dtype not in _DEFAULT_REPR_DTYPES:
            extras.append(f"dtype={self.dtype}")
        if self._device != _default[0]:
            extras.append(f"device='{self._device}'")
        if self._node is not None:
            extras.append(f"grad_fn={self._node!r}")
        elif self._requires_grad:
            extras.append("requires_grad=True")
        tail = "".join(", " + e for e in extras)
        return f"tensor({body}{tail})"

    # -- devices and dtypes --------------------------------------------------
    def to(self, *args, dtype=None, device=None, non_blocking: bool = False, copy: bool = False) -> Tensor:
        """Move to a device and/or convert to a dtype: ``x.to("cpu")``, ``x.to(lucid.float16)``.

        Accepts devices (``"cpu"``, ``"gpu"``, ``mx.Device``), dtypes and other
        Tensors (whose dtype and device are taken), positionally or by keyword.
        On unified memory a device move copies nothing; both moves and dtype
        changes are differentiable. ``non_blocking`` and ``copy`` are accepted
        for PyTorch compatibility (MLX arrays are immutable, so nothing is ever
        shared in a way a copy would prevent).

        Raises:
            RuntimeError: ``"gpu"`` is asked for where MLX has no GPU.
            TypeError: float64 is asked for on the GPU, or an argument is neither
                a device, a dtype nor a Tensor.

        Examples:
            >>> import lucid
            >>> x = lucid.tensor([1.0, 2.0])
            >>> x.to(lucid.float16).dtype, x.to("cpu").device
            (lucid.float16, 'cpu')
        """
        for a in args:
            if isinstance(a, (str, mx.Device, mx.DeviceType)):
                device = a
            elif isinstance(a, Tensor):
                dtype, device = a.dtype, a.device
            else:
                dtype = a
        target = None if dtype is None else to_mx_dtype(dtype)
        dev = self._device if device is None else normalize_device(device)
        final_dtype = self._data.dtype if target is None else target
        if dev == "gpu" and final_dtype == mx.float64:
            raise TypeError("float64 tensors cannot live on the GPU (MLX has no float64 GPU kernels); "
                            "convert with .float() first or keep the tensor on the CPU")
        out = self
        # Convert on the CPU when going there (float64 only exists there), else before moving.
        if dev != self._device and dev == "cpu":
            out = _move(out, dev)
        if target is not None and target != out._data.dtype:
            out = out.astype(target)
        if dev != out._device:
            out = _move(out, dev)
        return out

    def type(self, dtype=None, non_blocking: bool = False) -> str | Tensor:
        """The legacy type name (``"lucid.FloatTensor"``), or a copy converted to ``dtype``.

        ``dtype`` may be a dtype or a type string in PyTorch's spellings
        (``"lucid.IntTensor"``, ``"torch.LongTensor"``, ``"float64"``); a
        tensor already of that dtype is returned as is.

        Examples:
            >>> import lucid
            >>> x = lucid.ones(2)
            >>> x.type()
            'lucid.FloatTensor'
            >>> x.type("lucid.IntTensor").dtype, x.type(lucid.float16).dtype
            (lucid.int32, lucid.float16)
        """
        if dtype is None:
            return "lucid." + TENSOR_TYPE_NAMES[from_mx_dtype(self._data.dtype)]
        target = from_type_name(dtype).mx if isinstance(dtype, str) else to_mx_dtype(dtype)
        if target == self._data.dtype:
            return self
        return self.astype(target)

    def is_floating_point(self) -> bool:
        """True for float16, bfloat16, float32 and float64 tensors (not complex ones).

        Examples:
            >>> import lucid
            >>> lucid.ones(1).is_floating_point(), lucid.ones(1, dtype=lucid.int64).is_floating_point()
            (True, False)
        """
        return self._data.dtype in (mx.float16, mx.bfloat16, mx.float32, mx.float64)

    def is_complex(self) -> bool:
        """True for complex tensors.

        Examples:
            >>> import lucid
            >>> lucid.ones(1, dtype=lucid.complex64).is_complex()
            True
        """
        return self._data.dtype == mx.complex64

    def element_size(self) -> int:
        return self._data.itemsize

    def _bump(self, new: Tensor) -> Tensor:
        """Make ``self`` hold ``new``'s value and graph position (the core of every in-place op)."""
        old_version = self._version
        node = new._node
        self._data = new._data
        self._node = node
        self._out_idx = new._out_idx
        if node is not None:
            self._requires_grad = True
        self._version = old_version + 1
        # The op that produced the new value may have saved this tensor's old
        # value (``x.mul_(y)`` saves x). MLX arrays are immutable, so that saved
        # array is a private copy of the old value, as PyTorch's in-place ops
        # save a clone: later in-place changes of ``self`` cannot affect it.
        if node is not None and node._checks:
            node._checks = [c for c in node._checks if c[0] is not self] or None
        return self

    def _check_inplace(self) -> None:
        from lucid.autograd.grad_mode import _state

        if self._node is None and self._requires_grad and _state.enabled:
            raise RuntimeError(
                "a leaf tensor that requires grad is being used in an in-place operation; "
                "wrap the update in `with lucid.no_grad():` or use the out-of-place form"
            )


def _conversion_method(name: str, via: str, target, shown: str, example: str, result: str):
    """The Tensor method ``x.<name>()``, which is ``x.<via>(target)``, with its docstring and example."""
    def method(self) -> Tensor:
        return getattr(self, via)(target)

    method.__name__ = name
    method.__qualname__ = f"Tensor.{name}"
    if via == "to":
        summary, note = f"This tensor on the {shown} device", "differentiable"
    else:
        summary, note = f"This tensor converted to {shown}", "differentiable between floating dtypes"
    method.__doc__ = f"""{summary} (``self.{via}({shown})``).

    ``self`` itself when there is nothing to change; {note}.

    Examples:
        >>> import lucid
        >>> {example}
        {result}
    """
    return method


# PyTorch's shorthands for moves and dtype conversions (``x.cpu()``, ``x.float()``, ...).
for _name, _device in (("cpu", "cpu"), ("gpu", "gpu"), ("cuda", "gpu")):
    _example = f"lucid.ones(2).{_name}().device"
    if _device == "gpu":
        _example += " if lucid.gpu_available() else 'gpu'"
    setattr(Tensor, _name, _conversion_method(_name, "to", _device, repr(_device), _example, repr(_device)))
for _name, _dtype in (("float", mx.float32), ("double", mx.float64), ("half", mx.float16), ("bfloat16", mx.bfloat16),
                      ("long", mx.int64), ("int", mx.int32), ("bool", mx.bool_)):
    _shown = repr(from_mx_dtype(_dtype))
    setattr(Tensor, _name, _conversion_method(_name, "astype", _dtype, _shown, f"lucid.tensor([1, 0]).{_name}().dtype",
                                              _shown))
del _name, _device, _dtype, _example, _shown


def _move(t: Tensor, device: str) -> Tensor:
    """``t`` on another device: the same array; recorded as an identity op when it needs grad."""
    if t._requires_grad:
        from lucid.autograd.function import ToDevice

        out = ToDevice.apply(t)
        out._device = device
        return out
    return Tensor._make(t._data, device)


_REPR_THRESHOLD = 1000
_REPR_EDGE = 3


def _format_values(arr: mx.array) -> str:
    """NumPy-style text of an array's values; large arrays show only their edges.

    Only the edge items of a large array are gathered (on the MLX side) and
    copied out, so printing a huge tensor stays cheap. Each long axis keeps
    ``_REPR_EDGE`` items at both ends plus one filler item, which NumPy's own
    summarisation then hides behind ``...``.
    """
    if arr.dtype == mx.bfloat16:
        arr = arr.astype(mx.float32)
    summarise = arr.size > _REPR_THRESHOLD
    if summarise:
        keep = 2 * _REPR_EDGE
        for axis, n in enumerate(arr.shape):
            if n > keep + 1:
                idx = mx.array(list(range(_REPR_EDGE + 1)) + list(range(n - _REPR_EDGE, n)))
                arr = mx.take(arr, idx, axis=axis)
    if _checks.has_pending():
        _checks.sync(arr)
    values = np.array(arr)
    floatmode = "maxprec"
    if values.dtype.kind == "f":
        # PyTorch's style: whole numbers print as ``1.``, others with four decimals.
        finite = values[np.isfinite(values)]
        if finite.size and not np.array_equal(finite, np.round(finite)):
            floatmode = "fixed"
    return np.array2string(values, separator=", ", prefix="tensor(",
                           threshold=0 if summarise else _REPR_THRESHOLD, edgeitems=_REPR_EDGE,
                           precision=4, floatmode=floatmode)


class _HookHandle:
    __slots__ = ("_hook", "_hooks")

    def __init__(self, hooks, hook):
        self._hooks = hooks
        self._hook = hook

    def remove(self) -> None:
        if self._hook in self._hooks:
            self._hooks.remove(self._hook)
