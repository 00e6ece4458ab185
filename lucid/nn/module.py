"""``Module``: the base class of every layer and model."""

from __future__ import annotations

from collections import OrderedDict, namedtuple
from collections.abc import Callable, Iterator

import mlx.core as mx

from lucid._backend.device import normalize_device
from lucid._backend.dtypes import to_mx_dtype
from lucid._tensor import Tensor, as_array
from lucid.autograd.grad_mode import is_grad_enabled
from lucid.nn._backward_hook import BackwardHook
from lucid.nn.parameter import Buffer, Parameter

__all__ = ["Module"]

_IncompatibleKeys = namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])
_EXTRA_STATE = "_extra_state"
_FLOATS = (mx.float16, mx.bfloat16, mx.float32, mx.float64)
#: the per-module hook registries (ordered dicts of hooks by handle id); a lazy module keeps them when it materialises
HOOK_DICTS = ("_forward_pre_hooks", "_forward_hooks", "_backward_hooks", "_backward_pre_hooks", "_state_dict_pre_hooks",
              "_state_dict_hooks", "_load_state_dict_pre_hooks", "_load_state_dict_post_hooks")


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
        for name in HOOK_DICTS:
            d[name] = OrderedDict()

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
        d = self.__dict__
        bw_hook = None
        if (d.get("_backward_hooks") or d.get("_backward_pre_hooks")) and is_grad_enabled():
            bw_hook = BackwardHook(self, list(d["_backward_hooks"].values()), list(d["_backward_pre_hooks"].values()))
            args = bw_hook.setup_inputs(args)
        out = self.forward(*args, **kwargs)
        if self._forward_hooks:
            for hook in list(self._forward_hooks.values()):
                result = hook(self, args, out)
                if result is not None:
                    out = result
        if bw_hook is not None:
            out = bw_hook.setup_outputs(out)
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

    def get_buffer(self, target: str) -> Tensor:
        """The buffer at dotted path ``target``.

        Examples:
            >>> import lucid.nn as nn
            >>> nn.Sequential(nn.BatchNorm1d(3)).get_buffer("0.running_mean").shape
            (3,)
        """
        mod_path, _, name = target.rpartition(".")
        mod = self.get_submodule(mod_path)
        if name not in mod._buffers or mod._buffers[name] is None:
            raise AttributeError(f"{type(mod).__name__} has no buffer {name!r} (in {target!r})")
        return mod._buffers[name]

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
    def state_dict(self, prefix: str = "", keep_vars: bool = False, *, destination=None) -> OrderedDict[str, Tensor]:
        """Parameters, persistent buffers and extra state by dotted name.

        Values are detached Tensors sharing the arrays (``keep_vars=True`` gives the
        Parameter objects themselves). A module whose class overrides
        :meth:`get_extra_state` adds its value under ``"<prefix>_extra_state"``.
        Each module's state-dict pre-hooks run before its entries are added and
        its post-hooks after its whole subtree's, with ``prefix`` ending in ``"."``.

        Args:
            prefix: prepended (with a ``"."``) to every key.
            keep_vars: return the Parameter and buffer objects, not detached views.
            destination: a mapping to add the entries to (a new ``OrderedDict`` by default).

        Examples:
            >>> import lucid.nn as nn
            >>> list(nn.Linear(2, 3).state_dict())
            ['weight', 'bias']
        """
        out = OrderedDict() if destination is None else destination
        return self._state_dict_into(out, prefix.rstrip("."), keep_vars, set())

    def _state_dict_into(self, out, path: str, keep_vars: bool, memo: set):
        memo.add(id(self))
        d = self.__dict__
        p = f"{path}." if path else ""
        pre = d.get("_state_dict_pre_hooks")
        if pre:
            for hook in list(pre.values()):
                hook(self, p, keep_vars)
        for key, value in self._local_state(p):
            if isinstance(value, Tensor) and not keep_vars:
                value = value.detach()
            out[key] = value
        for name, child in self._modules.items():
            if child is not None and id(child) not in memo:
                out = child._state_dict_into(out, p + name, keep_vars, memo)
        post = d.get("_state_dict_hooks")
        if post:
            for hook, may_replace in list(post.values()):
                result = hook(self, out, p, {})
                if result is not None:
                    if not may_replace:
                        raise RuntimeError(
                            "a state_dict post-hook must modify the state_dict in place and return None, "
                            f"got {type(result).__name__}"
                        )
                    out = result
        return out

    def _local_state(self, p: str, extra_value: bool = True):
        """``(key, value)`` for this module's own entries: parameters, persistent buffers, extra state.

        With ``extra_value=False`` the extra state's value is ``None`` (``get_extra_state`` is not called).
        """
        for name, v in self._parameters.items():
            if v is not None:
                yield p + name, v
        for name, v in self._buffers.items():
            if v is not None and name not in self._non_persistent:
                yield p + name, v
        if type(self).get_extra_state is not Module.get_extra_state:
            yield p + _EXTRA_STATE, self.get_extra_state() if extra_value else None

    def get_extra_state(self):
        """Extra (non-tensor) state for ``state_dict``; override it together with :meth:`set_extra_state`.

        A subclass that overrides it gets an entry ``"<prefix>_extra_state"`` in
        its ``state_dict`` holding the returned value, which ``load_state_dict``
        hands to :meth:`set_extra_state`.

        Raises:
            RuntimeError: the base class has no extra state (called without an override).

        Examples:
            >>> import lucid.nn as nn
            >>> class Counter(nn.Module):
            ...     def __init__(self):
            ...         super().__init__()
            ...         self.steps = 0
            ...     def get_extra_state(self):
            ...         return {"steps": self.steps}
            ...     def set_extra_state(self, state):
            ...         self.steps = state["steps"]
            >>> c = Counter(); c.steps = 7
            >>> dict(c.state_dict())
            {'_extra_state': {'steps': 7}}
            >>> d = Counter(); _ = d.load_state_dict(c.state_dict()); d.steps
            7
        """
        raise RuntimeError(
            f"{type(self).__name__}.get_extra_state() was called but not overridden; "
            "override get_extra_state and set_extra_state to keep extra state in the state_dict"
        )

    def set_extra_state(self, state) -> None:
        """Restore what :meth:`get_extra_state` returned (called by ``load_state_dict``); override both.

        Raises:
            RuntimeError: not overridden while the state_dict has extra state for this module.

        Examples:
            >>> import lucid.nn as nn
            >>> nn.Module().set_extra_state({})
            Traceback (most recent call last):
            ...
            RuntimeError: Module.set_extra_state() was called but not overridden; ...
        """
        raise RuntimeError(
            f"{type(self).__name__}.set_extra_state() was called but not overridden; "
            "override get_extra_state and set_extra_state to keep extra state in the state_dict"
        )

    def load_state_dict(self, state_dict, strict: bool = True, assign: bool = False):
        """Copy values from ``state_dict`` into this module's parameters and buffers, in place.

        Each module's load pre-hooks run first (on a copy of ``state_dict`` they
        may edit), with ``hook(module, state_dict, prefix, local_metadata,
        strict, missing_keys, unexpected_keys, error_msgs)``. Extra state
        (``"<prefix>_extra_state"``) goes to :meth:`set_extra_state`. The
        post-hooks ``hook(module, incompatible_keys)`` run after loading and
        may edit the key lists in place before ``strict`` is enforced.

        Args:
            state_dict: a mapping from dotted names to Tensors, NumPy arrays or ``mx.array``s.
            strict: require exactly the same keys as ``self.state_dict()``.
            assign: as in PyTorch: instead of copying into the existing
                Parameters (cast to their dtype), replace them with new
                Parameters holding the given values in the values' own dtype
                (each keeps its old ``requires_grad``); buffers are replaced
                likewise. An optimizer built earlier still holds the old ones.

        Returns:
            A named tuple ``(missing_keys, unexpected_keys)``.

        Raises:
            RuntimeError: listing missing and unexpected keys (when ``strict``) and
                every shape mismatch, before anything is changed. When load
                post-hooks are registered, key mismatches are reported after
                loading and the hooks (they may clear them).

        Examples:
            >>> import lucid.nn as nn
            >>> m = nn.Linear(2, 1)
            >>> m.load_state_dict(nn.Linear(2, 1).state_dict())
            IncompatibleKeys(missing_keys=[], unexpected_keys=[])
        """
        if not hasattr(state_dict, "items"):
            raise TypeError(f"state_dict must be a mapping of names to tensors, got {type(state_dict).__name__}")
        state_dict = OrderedDict(state_dict.items())
        missing: list = []
        unexpected: list = []
        problems: list = []
        modules = list(self.named_modules())
        for path, mod in modules:
            pre = mod.__dict__.get("_load_state_dict_pre_hooks")
            if pre:
                for hook in list(pre.values()):
                    hook(mod, state_dict, f"{path}." if path else "", {}, strict, missing, unexpected, problems)
        own = OrderedDict()
        extra = {}
        for path, mod in modules:
            p = f"{path}." if path else ""
            for key, value in mod._local_state(p, extra_value=False):
                own[key] = value
                if key == p + _EXTRA_STATE and type(mod).get_extra_state is not Module.get_extra_state:
                    extra[key] = mod
        missing += [k for k in own if k not in state_dict]
        unexpected += [k for k in state_dict if k not in own]
        new_values = {}
        for key, target in own.items():
            if key not in state_dict or key in extra:
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
            if not assign and arr.dtype != target._data.dtype:
                arr = arr.astype(target._data.dtype)
            new_values[key] = arr
        post_hooks = [(mod, h) for _, mod in modules
                      for h in mod.__dict__.get("_load_state_dict_post_hooks", {}).values()]
        if problems or (strict and (missing or unexpected) and not post_hooks):
            self._raise_load_errors(problems, missing if strict else [], unexpected if strict else [])
        for key, arr in new_values.items():
            target = own[key]
            if assign:
                self._assign_state(key, target, arr)
                continue
            target._data = arr
            target._version += 1
        for key, mod in extra.items():
            if key in state_dict:
                mod.set_extra_state(state_dict[key])
        result = _IncompatibleKeys(missing, unexpected)
        for mod, hook in post_hooks:
            hook(mod, result)
        if strict and (missing or unexpected):
            self._raise_load_errors([], missing, unexpected)
        return result

    def _raise_load_errors(self, problems: list, missing: list, unexpected: list) -> None:
        problems = list(problems)
        if missing:
            problems.insert(0, "missing keys: " + ", ".join(repr(k) for k in missing))
        if unexpected:
            problems.insert(1 if missing else 0, "unexpected keys: " + ", ".join(repr(k) for k in unexpected))
        raise RuntimeError(f"error(s) loading state_dict for {type(self).__name__}:\n  " + "\n  ".join(problems))

    def _assign_state(self, key: str, old: Tensor, arr: mx.array) -> None:
        """``load_state_dict(assign=True)`` for one entry: a new Parameter or buffer in ``old``'s place."""
        owner, _, name = key.rpartition(".")
        mod = self.get_submodule(owner) if owner else self
        if name in mod._parameters:
            mod._parameters[name] = Parameter(Tensor._make(arr, old._device), requires_grad=old.requires_grad)
        else:
            new = Tensor._make(arr, old._device)
            if isinstance(old, Buffer):
                new = Buffer(new, persistent=old.persistent)
            mod._buffers[name] = new

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

    def _add_hook(self, store: str, hook, value=None, prepend: bool = False) -> _RemovableHandle:
        if not callable(hook):
            raise TypeError(f"a hook must be callable, got {type(hook).__name__}")
        hooks = self.__dict__.setdefault(store, OrderedDict())
        handle = _RemovableHandle(hooks)
        hooks[handle.id] = hook if value is None else value
        if prepend:
            hooks.move_to_end(handle.id, last=False)
        return handle

    def register_full_backward_hook(self, hook, prepend: bool = False) -> _RemovableHandle:
        """Call ``hook(module, grad_input, grad_output)`` when gradients w.r.t. the module's inputs are computed.

        ``grad_input`` has one entry per positional Tensor argument of the call
        (``None`` where it needs no gradient), ``grad_output`` one per Tensor
        output. The hook may return a replacement ``grad_input`` (same length).
        It is implemented with identity autograd nodes around the call's inputs
        and outputs (as in PyTorch), so nothing is evaluated early. When no
        input requires grad the hook runs with ``grad_input`` all ``None``.

        Args:
            hook: the callable.
            prepend: run it before the hooks already registered.

        Returns:
            A handle whose ``remove()`` unregisters the hook.

        Examples:
            >>> import lucid
            >>> m = lucid.nn.Linear(2, 1, bias=False)
            >>> seen = []
            >>> h = m.register_full_backward_hook(lambda mod, gi, go: seen.append(go[0].shape))
            >>> m(lucid.ones(3, 2, requires_grad=True)).sum().backward()
            >>> seen
            [(3, 1)]
            >>> h.remove()
        """
        return self._add_hook("_backward_hooks", hook, prepend=prepend)

    def register_full_backward_pre_hook(self, hook, prepend: bool = False) -> _RemovableHandle:
        """Call ``hook(module, grad_output)`` when the gradients w.r.t. the module's outputs are known.

        It runs before the full backward hooks and before the gradient flows
        into the module; it may return a replacement ``grad_output`` (a tuple
        with one entry per Tensor output).

        Returns:
            A handle whose ``remove()`` unregisters the hook.

        Examples:
            >>> import lucid
            >>> m = lucid.nn.Identity()
            >>> h = m.register_full_backward_pre_hook(lambda mod, go: (go[0] * 10,))
            >>> x = lucid.ones(2, requires_grad=True)
            >>> m(x).sum().backward()
            >>> x.grad.tolist()
            [10.0, 10.0]
        """
        return self._add_hook("_backward_pre_hooks", hook, prepend=prepend)

    def register_state_dict_pre_hook(self, hook) -> _RemovableHandle:
        """Call ``hook(module, prefix, keep_vars)`` before this module's entries go into a ``state_dict``.

        Returns:
            A handle whose ``remove()`` unregisters the hook.

        Examples:
            >>> import lucid.nn as nn
            >>> m = nn.Linear(1, 1)
            >>> h = m.register_state_dict_pre_hook(lambda mod, prefix, keep_vars: print("saving", repr(prefix)))
            >>> _ = m.state_dict()
            saving ''
        """
        return self._add_hook("_state_dict_pre_hooks", hook)

    def register_state_dict_post_hook(self, hook) -> _RemovableHandle:
        """Call ``hook(module, state_dict, prefix, local_metadata)`` after this module's subtree is saved.

        The hook edits ``state_dict`` in place and returns ``None`` (a value
        raises ``RuntimeError``; the older ``_register_state_dict_hook`` lets
        the hook return a replacement dict).

        Returns:
            A handle whose ``remove()`` unregisters the hook.

        Examples:
            >>> import lucid.nn as nn
            >>> m = nn.Linear(1, 1)
            >>> def drop_bias(mod, sd, prefix, meta):
            ...     del sd[prefix + "bias"]
            >>> h = m.register_state_dict_post_hook(drop_bias)
            >>> list(m.state_dict())
            ['weight']
        """
        return self._add_hook("_state_dict_hooks", hook, value=(hook, False))

    def _register_state_dict_hook(self, hook) -> _RemovableHandle:
        """Like :meth:`register_state_dict_post_hook`, but the hook may return a replacement state_dict.

        Examples:
            >>> import lucid.nn as nn
            >>> m = nn.Linear(1, 1)
            >>> h = m._register_state_dict_hook(lambda mod, sd, prefix, meta: {k.upper(): v for k, v in sd.items()})
            >>> list(m.state_dict())
            ['WEIGHT', 'BIAS']
        """
        return self._add_hook("_state_dict_hooks", hook, value=(hook, True))

    def register_load_state_dict_pre_hook(self, hook) -> _RemovableHandle:
        """Call ``hook(module, state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys,
        error_msgs)`` before ``load_state_dict`` reads this module's entries.

        ``state_dict`` is the loader's own copy: the hook may rename or convert
        entries in place. Strings appended to ``error_msgs`` make the load fail.

        Returns:
            A handle whose ``remove()`` unregisters the hook.

        Examples:
            >>> import lucid.nn as nn
            >>> def rename(mod, sd, prefix, meta, strict, missing, unexpected, errors):
            ...     if prefix + "w" in sd:
            ...         sd[prefix + "weight"] = sd.pop(prefix + "w")
            >>> m = nn.Linear(1, 1, bias=False)
            >>> h = m.register_load_state_dict_pre_hook(rename)
            >>> m.load_state_dict({"w": [[3.0]]})
            IncompatibleKeys(missing_keys=[], unexpected_keys=[])
            >>> m.weight.tolist()
            [[3.0]]
        """
        return self._add_hook("_load_state_dict_pre_hooks", hook)

    def register_load_state_dict_post_hook(self, hook) -> _RemovableHandle:
        """Call ``hook(module, incompatible_keys)`` after ``load_state_dict`` has loaded.

        ``incompatible_keys`` has the lists ``missing_keys`` and
        ``unexpected_keys``; the hook may edit them in place (clearing them lets
        a ``strict`` load pass). The hook must return ``None``.

        Returns:
            A handle whose ``remove()`` unregisters the hook.

        Examples:
            >>> import lucid.nn as nn
            >>> m = nn.Linear(1, 1)
            >>> h = m.register_load_state_dict_post_hook(lambda mod, keys: keys.missing_keys.clear())
            >>> m.load_state_dict({"weight": [[1.0]]})
            IncompatibleKeys(missing_keys=[], unexpected_keys=[])
        """
        return self._add_hook("_load_state_dict_post_hooks", hook)

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
