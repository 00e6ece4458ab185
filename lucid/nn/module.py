"""``Module``: the base class of every layer and model."""

from __future__ import annotations

from collections import OrderedDict, namedtuple
from collections.abc import Callable, Iterator

import mlx.core as mx

from lucid._backend.device import normalize_device
from lucid._backend.dtypes import to_mx_dtype
from lucid._tensor import Tensor, as_array
from lucid.autograd.grad_mode import is_grad_enabled
from lucid.nn.parameter import Buffer, Parameter

__all__ = ["Module"]

_IncompatibleKeys = namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])
_FLOATS = (mx.float16, mx.bfloat16, mx.float32, mx.float64)


class _RemovableHandle:
    """Returned by ``register_*_hook``; ``remove()`` unregisters the hook."""

    _next_id = 0

    def __init__(self, hooks: dict):
        self._hooks = hooks
        self.id = _RemovableHandle._next_id
        _RemovableHandle._next_id += 1

    def remove(self) -> None:
        self._hooks.pop(self.id, None)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


class Module:
    """Base class for all layers and models.

    Subclasses create parameters and submodules in ``__init__`` (assignment
    registers them) and compute in ``forward``. Calling the module runs the
    forward pre-hooks, ``forward`` and the forward hooks.

    Examples:
        >>> import lucid
        >>> import lucid.nn as nn
        >>> class Affine(nn.Module):
        ...     def __init__(self):
        ...         super().__init__()
        ...         self.scale = nn.Parameter(lucid.ones(3))
        ...     def forward(self, x):
        ...         return x * self.scale
        >>> m = Affine()
        >>> [name for name, _ in m.named_parameters()]
        ['scale']
        >>> m(lucid.tensor([1.0, 2.0, 3.0])).tolist()
        [1.0, 2.0, 3.0]
    """

    training: bool

    def __init__(self) -> None:
        d = self.__dict__
        d["training"] = True
        d["_parameters"] = OrderedDict()
        d["_buffers"] = OrderedDict()
        d["_non_persistent"] = set()
        d["_modules"] = OrderedDict()
        d["_forward_pre_hooks"] = OrderedDict()
        d["_forward_hooks"] = OrderedDict()

    def forward(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} must implement forward()")

    def __call__(self, *args, **kwargs):
        compiled = self.__dict__.get("_compiled")
        if compiled is not None and not _needs_tape(self, args):
            return compiled(*args, **kwargs)
        return self._call_eager(*args, **kwargs)

    def _call_eager(self, *args, **kwargs):
        if self._forward_pre_hooks:
            for hook in list(self._forward_pre_hooks.values()):
                result = hook(self, args)
                if result is not None:
                    args = result if isinstance(result, tuple) else (result,)
        out = self.forward(*args, **kwargs)
        if self._forward_hooks:
            for hook in list(self._forward_hooks.values()):
                result = hook(self, args, out)
                if result is not None:
                    out = result
        return out

    # -- registration ---------------------------------------------------------
    def _check_ready(self, name: str) -> None:
        if "_parameters" not in self.__dict__:
            raise AttributeError(
                f"cannot assign {name!r} before Module.__init__() is called; call super().__init__() first"
            )

    def __setattr__(self, name: str, value) -> None:
        if isinstance(value, Parameter):
            self._check_ready(name)
            self._remove_from(name, keep="_parameters")
            self._parameters[name] = value
        elif isinstance(value, Module):
            self._check_ready(name)
            self._remove_from(name, keep="_modules")
            self._modules[name] = value
        elif isinstance(value, Buffer):
            self._check_ready(name)
            self._remove_from(name, keep="_buffers")
            self._buffers[name] = value
            if value.persistent:
                self._non_persistent.discard(name)
            else:
                self._non_persistent.add(name)
        elif "_parameters" in self.__dict__ and name in self._parameters:
            if value is not None:
                raise TypeError(
                    f"cannot assign {type(value).__name__} to parameter {name!r}: expected lucid.nn.Parameter or None"
                )
            self._parameters[name] = None
        elif "_buffers" in self.__dict__ and name in self._buffers:
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(f"cannot assign {type(value).__name__} to buffer {name!r}: expected a Tensor or None")
            self._buffers[name] = value
        elif "_modules" in self.__dict__ and name in self._modules:
            if value is not None:
                raise TypeError(
                    f"cannot assign {type(value).__name__} to submodule {name!r}: expected a Module or None")
            self._modules[name] = None
        else:
            object.__setattr__(self, name, value)

    def _remove_from(self, name: str, keep: str) -> None:
        self.__dict__.pop(name, None)
        for store in ("_parameters", "_buffers", "_modules"):
            if store != keep:
                self.__dict__[store].pop(name, None)
        if keep != "_buffers":
            self._non_persistent.discard(name)

    def __getattr__(self, name: str):
        d = self.__dict__
        for store in ("_parameters", "_buffers", "_modules"):
            if store in d and name in d[store]:
                return d[store][name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name: str) -> None:
        for store in ("_parameters", "_buffers", "_modules"):
            if name in self.__dict__.get(store, {}):
                del self.__dict__[store][name]
                self._non_persistent.discard(name)
                return
        object.__delattr__(self, name)

    def _register(self, store: str, name: str, value, kind: type, method: str) -> None:
        """Put ``value`` (a ``kind`` or ``None``) under ``name`` in registry ``store``, out of the other two."""
        self._check_ready(name)
        if value is not None and not isinstance(value, kind):
            raise TypeError(f"{method} expects a {kind.__name__} or None, got {type(value).__name__}")
        self._validate_name(name)
        self._remove_from(name, keep=store)
        self.__dict__[store][name] = value

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """Add a parameter (or ``None`` as a placeholder) under ``name``."""
        self._register("_parameters", name, param, Parameter, "register_parameter")

    def register_buffer(self, name: str, tensor: Tensor | None, persistent: bool = True) -> None:
        """Add a buffer under ``name``; ``persistent=False`` keeps it out of ``state_dict``."""
        self._register("_buffers", name, tensor, Tensor, "register_buffer")
        if persistent:
            self._non_persistent.discard(name)
        else:
            self._non_persistent.add(name)

    def add_module(self, name: str, module: Module | None) -> None:
        """Add a submodule under ``name``."""
        self._register("_modules", name, module, Module, "add_module")

    register_module = add_module

    @staticmethod
    def _validate_name(name: str) -> None:
        if not isinstance(name, str):
            raise TypeError(f"names must be strings, got {type(name).__name__}")
        if not name or "." in name:
            raise KeyError(f"invalid name {name!r}: must be non-empty and contain no '.'")

    def get_submodule(self, target: str) -> Module:
        """The submodule at dotted path ``target`` (``""`` is ``self``)."""
        mod = self
        if target:
            for part in target.split("."):
                if part not in mod._modules or mod._modules[part] is None:
                    raise AttributeError(f"{type(mod).__name__} has no submodule {part!r} (in {target!r})")
                mod = mod._modules[part]
        return mod

    def get_parameter(self, target: str) -> Parameter:
        """The parameter at dotted path ``target``."""
        mod_path, _, name = target.rpartition(".")
        mod = self.get_submodule(mod_path)
        if name not in mod._parameters:
            raise AttributeError(f"{type(mod).__name__} has no parameter {name!r}")
        return mod._parameters[name]

    # -- iteration ------------------------------------------------------------
    def named_modules(self, memo=None, prefix: str = "", remove_duplicate: bool = True):
        """Yield ``(name, module)`` for this module and every descendant, depth first."""
        if memo is None:
            memo = set()
        if remove_duplicate:
            if id(self) in memo:
                return
            memo.add(id(self))
        yield prefix, self
        for name, child in self._modules.items():
            if child is None:
                continue
            yield from child.named_modules(memo, f"{prefix}.{name}" if prefix else name, remove_duplicate)

    def modules(self) -> Iterator[Module]:
        """Every module in the tree, ``self`` first."""
        for _, m in self.named_modules():
            yield m

    def named_children(self):
        """Yield ``(name, child)`` for the direct submodules."""
        seen = set()
        for name, child in self._modules.items():
            if child is not None and id(child) not in seen:
                seen.add(id(child))
                yield name, child

    def children(self) -> Iterator[Module]:
        """The direct submodules."""
        for _, c in self.named_children():
            yield c

    def _named_members(self, store: str, prefix: str, recurse: bool, remove_duplicate: bool = True):
        seen = set()
        mods = self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate) if recurse else [(prefix, self)]
        for mod_prefix, mod in mods:
            for name, value in mod.__dict__[store].items():
                if value is None:
                    continue
                if remove_duplicate:
                    if id(value) in seen:
                        continue
                    seen.add(id(value))
                yield (f"{mod_prefix}.{name}" if mod_prefix else name), value

    def named_parameters(self, prefix: str = "", recurse: bool = True, remove_duplicate: bool = True):
        """Yield ``(dotted_name, parameter)``; shared parameters appear once."""
        yield from self._named_members("_parameters", prefix, recurse, remove_duplicate)

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        """Every parameter of this module and (with ``recurse``) its descendants.

        Examples:
            >>> import lucid.nn as nn
            >>> sum(p.numel() for p in nn.Linear(4, 2).parameters())
            10
        """
        for _, p in self.named_parameters(recurse=recurse):
            yield p

    def named_buffers(self, prefix: str = "", recurse: bool = True, remove_duplicate: bool = True):
        """Yield ``(dotted_name, buffer)``."""
        yield from self._named_members("_buffers", prefix, recurse, remove_duplicate)

    def buffers(self, recurse: bool = True) -> Iterator[Tensor]:
        """Every buffer of this module and (with ``recurse``) its descendants."""
        for _, b in self.named_buffers(recurse=recurse):
            yield b

    # -- modes and bulk changes -------------------------------------------------
    def train(self, mode: bool = True) -> Module:
        """Set training mode (affects Dropout, BatchNorm, ...) here and in all descendants."""
        if not isinstance(mode, bool):
            raise TypeError(f"train() expects a bool, got {type(mode).__name__}")
        for m in self.modules():
            m.__dict__["training"] = mode
        return self

    def eval(self) -> Module:
        """Set evaluation mode: ``train(False)``."""
        return self.train(False)

    def requires_grad_(self, requires_grad: bool = True) -> Module:
        """Set ``requires_grad`` of every parameter."""
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def compile(self, *, shapeless: bool = False) -> None:
        """Compile this module's forward with :func:`lucid.compile` (in place, like PyTorch's).

        Calls that record no autograd graph (under ``lucid.no_grad()``, or when
        no parameter requires grad) then run as one compiled MLX graph, with
        the module's parameters and buffers as state. Calls that must be
        differentiated run eagerly: to compile training, compile the whole
        step (forward, ``backward``, optimizer) with ``lucid.compile``.

        Args:
            shapeless: passed to ``mx.compile`` (no recompiling for new input shapes).

        Examples:
            >>> import lucid
            >>> m = lucid.nn.Linear(2, 1)
            >>> m.compile()
            >>> with lucid.no_grad():
            ...     m(lucid.ones(3, 2)).shape
            (3, 1)
        """
        from lucid._compile import compile as _compile

        self.__dict__["_compiled"] = _compile(self._call_eager, state=[self], shapeless=shapeless)

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset the gradients of every parameter (to ``None`` by default)."""
        for p in self.parameters():
            if p.grad is None:
                continue
            if set_to_none:
                p.grad = None
            else:
                p.grad._data = mx.zeros_like(p.grad._data)
                p.grad._version += 1

    def apply(self, fn: Callable[[Module], None]) -> Module:
        """Call ``fn`` on every submodule (children first) and on ``self``; returns ``self``."""
        for child in self.children():
            child.apply(fn)
        fn(self)
        return self

    def to(self, *args, dtype=None, device=None) -> Module:
        """Move parameters and buffers to a device and/or cast floating ones to a dtype, in place.

        The Parameter objects stay the same (an optimizer built before keeps working).
        """
        for a in args:
            if isinstance(a, (str, mx.Device)):
                device = a
            else:
                dtype = a
        target = None if dtype is None else to_mx_dtype(dtype)
        dev = None if device is None else normalize_device(device)
        for t in list(self.parameters()) + list(self.buffers()):
            changed = False
            if target is not None and t._data.dtype in _FLOATS and t._data.dtype != target:
                t._data = t._data.astype(target)
                if t.grad is not None:
                    t.grad._data = t.grad._data.astype(target)
                changed = True
            if dev is not None and dev != t._device:
                if dev == "gpu" and t._data.dtype == mx.float64:
                    raise TypeError("float64 parameters cannot move to the GPU; call .float() first")
                t._device = dev
                if t.grad is not None:
                    t.grad._device = dev
            if changed:
                t._version += 1
        return self

    def cpu(self) -> Module:
        return self.to("cpu")

    def gpu(self) -> Module:
        return self.to("gpu")

    def float(self) -> Module:
        return self.to(mx.float32)

    def double(self) -> Module:
        return self.to(mx.float64)

    def half(self) -> Module:
        return self.to(mx.float16)

    def bfloat16(self) -> Module:
        return self.to(mx.bfloat16)

    # -- state ------------------------------------------------------------------
    def state_dict(self, prefix: str = "", keep_vars: bool = False) -> OrderedDict[str, Tensor]:
        """Parameters and persistent buffers by dotted name.

        Values are detached Tensors sharing the arrays (``keep_vars=True`` gives the
        Parameter objects themselves).

        Examples:
            >>> import lucid.nn as nn
            >>> list(nn.Linear(2, 3).state_dict())
            ['weight', 'bias']
        """
        out: OrderedDict = OrderedDict()
        for mod_prefix, mod in self.named_modules(prefix=prefix.rstrip(".")):
            for name, p in mod._parameters.items():
                if p is not None:
                    out[f"{mod_prefix}.{name}" if mod_prefix else name] = p if keep_vars else p.detach()
            for name, b in mod._buffers.items():
                if b is not None and name not in mod._non_persistent:
                    out[f"{mod_prefix}.{name}" if mod_prefix else name] = b if keep_vars else b.detach()
        return out

    def load_state_dict(self, state_dict, strict: bool = True):
        """Copy values from ``state_dict`` into this module's parameters and buffers, in place.

        Args:
            state_dict: a mapping from dotted names to Tensors, NumPy arrays or ``mx.array``s.
            strict: require exactly the same keys as ``self.state_dict()``.

        Returns:
            A named tuple ``(missing_keys, unexpected_keys)``.

        Raises:
            RuntimeError: listing missing and unexpected keys (when ``strict``) and
                every shape mismatch, before anything is changed.
        """
        if not hasattr(state_dict, "items"):
            raise TypeError(f"state_dict must be a mapping of names to tensors, got {type(state_dict).__name__}")
        own = self.state_dict(keep_vars=True)
        missing = [k for k in own if k not in state_dict]
        unexpected = [k for k in state_dict if k not in own]
        problems = []
        new_values = {}
        for key, target in own.items():
            if key not in state_dict:
                continue
            value = state_dict[key]
            try:
                arr = as_array(value)
            except TypeError as exc:
                problems.append(f"{key}: {exc}")
                continue
            if tuple(arr.shape) != target.shape:
                problems.append(
                    f"size mismatch for {key}: copying a value of shape {tuple(arr.shape)}, "
                    f"the module has shape {target.shape}"
                )
                continue
            new_values[key] = arr.astype(target._data.dtype) if arr.dtype != target._data.dtype else arr
        if strict:
            if missing:
                problems.insert(0, "missing keys: " + ", ".join(repr(k) for k in missing))
            if unexpected:
                problems.insert(1 if missing else 0, "unexpected keys: " + ", ".join(repr(k) for k in unexpected))
        if problems:
            raise RuntimeError(
                f"error(s) loading state_dict for {type(self).__name__}:\n  " + "\n  ".join(problems)
            )
        for key, arr in new_values.items():
            target = own[key]
            target._data = arr
            target._version += 1
        return _IncompatibleKeys(missing, unexpected)

    # -- hooks --------------------------------------------------------------------
    def register_forward_pre_hook(self, hook) -> _RemovableHandle:
        """``hook(module, args)`` runs before ``forward``; it may return replacement args."""
        handle = _RemovableHandle(self._forward_pre_hooks)
        self._forward_pre_hooks[handle.id] = hook
        return handle

    def register_forward_hook(self, hook) -> _RemovableHandle:
        """``hook(module, args, output)`` runs after ``forward``; it may return a replacement output."""
        handle = _RemovableHandle(self._forward_hooks)
        self._forward_hooks[handle.id] = hook
        return handle

    # -- printing -----------------------------------------------------------------
    def extra_repr(self) -> str:
        """The text inside this module's parentheses in ``repr`` (layers override it)."""
        return ""

    def __repr__(self) -> str:
        lines = []
        extra = self.extra_repr()
        if extra:
            lines.extend(extra.split("\n"))
        for name, child in self._modules.items():
            child_repr = repr(child).replace("\n", "\n  ")
            lines.append(f"({name}): {child_repr}")
        if not lines:
            return f"{type(self).__name__}()"
        if len(lines) == 1 and not self._modules:
            return f"{type(self).__name__}({lines[0]})"
        return f"{type(self).__name__}(\n  " + "\n  ".join(lines) + "\n)"

    def __dir__(self):
        return sorted(set(super().__dir__()) | set(self._parameters) | set(self._buffers) | set(self._modules))

    def __setstate__(self, state):
        self.__dict__.update(state)


def _needs_tape(module: Module, args: tuple) -> bool:
    """Whether a call of ``module`` would record an autograd graph (grad mode on, an input requiring grad)."""
    if not is_grad_enabled():
        return False
    return (any(isinstance(a, Tensor) and a._requires_grad for a in args)
            or any(p._requires_grad for p in module.parameters()))
