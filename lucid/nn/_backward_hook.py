"""Module backward hooks: identity autograd nodes around a module's inputs and outputs.

``Module.register_full_backward_hook`` and ``register_full_backward_pre_hook``
need the gradients with respect to a module's inputs and outputs, which the
tape does not keep per module. As in PyTorch, the call wraps the tensors that
require grad in one identity :class:`~lucid.autograd.Function` before
``forward`` (inputs) and one after (outputs). Backward reaches the output node
first: it runs the pre-hooks on the output gradients; the input node runs
next and calls the hooks with both. Nothing is evaluated: the hooks receive
lazy Tensors.
"""

from __future__ import annotations

from lucid._tensor import Tensor
from lucid.autograd.function import Function

__all__ = ["BackwardHook"]


def _wrap(arr, device):
    return None if arr is None else Tensor._make(arr, device)


def _unwrap(values, expected: int, what: str, module) -> tuple:
    if not isinstance(values, (tuple, list)):
        values = (values,)
    if len(values) != expected:
        raise RuntimeError(
            f"a backward hook of {type(module).__name__} returned {len(values)} {what} gradient(s), "
            f"expected {expected} (one per {what}, None where there is none)"
        )
    out = []
    for v in values:
        if v is not None and not isinstance(v, Tensor):
            raise TypeError(f"a backward hook must return Tensors or None, got {type(v).__name__}")
        out.append(None if v is None else v._data)
    return tuple(out)


class _HookIdentity(Function):
    """Identity on its arguments; its backward hands the gradients to the owning :class:`BackwardHook`."""

    @staticmethod
    def forward(ctx, *arrays, hook, side):
        ctx.hook = hook
        ctx.side = side
        ctx.set_materialize_grads(False)
        return tuple(arrays)

    @staticmethod
    def backward(ctx, *grads):
        if ctx.side == "output":
            return ctx.hook._on_output_grads(grads, ctx.device)
        return ctx.hook._on_input_grads(grads, ctx.device)


class BackwardHook:
    """The state of one module call with backward hooks (one object per call).

    Args:
        module: the module being called.
        hooks: the full backward hooks, ``hook(module, grad_input, grad_output)``.
        pre_hooks: the backward pre-hooks, ``hook(module, grad_output)``.
    """

    def __init__(self, module, hooks, pre_hooks):
        self.module = module
        self.hooks = hooks
        self.pre_hooks = pre_hooks
        self.n_inputs = 0  # Tensor positional arguments (grad_input has one entry per one)
        self.input_slots = ()  # their positions among the Tensor arguments that require grad
        self.grad_output = None
        self.n_outputs = 0
        self.output_slots = ()

    # -- forward ------------------------------------------------------------
    def setup_inputs(self, args: tuple) -> tuple:
        """Route the arguments that require grad through the input node (only when full hooks exist)."""
        tensor_pos = [i for i, a in enumerate(args) if isinstance(a, Tensor)]
        self.n_inputs = len(tensor_pos)
        if not self.hooks:
            return args
        grad_pos = [k for k, i in enumerate(tensor_pos) if args[i]._requires_grad]
        if not grad_pos:
            return args
        self.input_slots = tuple(grad_pos)
        wrapped = _HookIdentity.apply(*[args[tensor_pos[k]] for k in grad_pos], hook=self, side="input")
        new_args = list(args)
        for k, t in zip(grad_pos, wrapped):
            new_args[tensor_pos[k]] = t
        return tuple(new_args)

    def setup_outputs(self, out):
        """Route the outputs that require grad (a Tensor or a flat tuple/list of them) through the output node."""
        single = isinstance(out, Tensor)
        items = [out] if single else list(out) if isinstance(out, (tuple, list)) else None
        if items is None:
            return out
        tensor_pos = [i for i, o in enumerate(items) if isinstance(o, Tensor)]
        self.n_outputs = len(tensor_pos)
        grad_pos = [k for k, i in enumerate(tensor_pos) if items[i]._requires_grad]
        if not grad_pos:
            return out
        self.output_slots = tuple(grad_pos)
        wrapped = _HookIdentity.apply(*[items[tensor_pos[k]] for k in grad_pos], hook=self, side="output")
        for k, t in zip(grad_pos, wrapped):
            items[tensor_pos[k]] = t
        if single:
            return items[0]
        if isinstance(out, tuple):
            return type(out)(*items) if hasattr(out, "_fields") else tuple(items)
        return items

    # -- backward -----------------------------------------------------------
    def _on_output_grads(self, grads: tuple, device: str) -> tuple:
        full = [None] * self.n_outputs
        for k, g in zip(self.output_slots, grads):
            full[k] = _wrap(g, device)
        grad_output = tuple(full)
        for hook in list(self.pre_hooks):
            result = hook(self.module, grad_output)
            if result is not None:
                arrays = _unwrap(result, self.n_outputs, "output", self.module)
                grad_output = tuple(_wrap(a, device) for a in arrays)
        self.grad_output = grad_output
        if self.hooks and not self.input_slots:
            # No input requires grad: the input node never runs, so the hooks run
            # here with an all-None grad_input (PyTorch does the same).
            for hook in list(self.hooks):
                hook(self.module, (None,) * self.n_inputs, grad_output)
        return tuple(None if grad_output[k] is None else grad_output[k]._data for k in self.output_slots)

    def _on_input_grads(self, grads: tuple, device: str) -> tuple:
        full = [None] * self.n_inputs
        for k, g in zip(self.input_slots, grads):
            full[k] = _wrap(g, device)
        grad_input = tuple(full)
        grad_output = self.grad_output if self.grad_output is not None else (None,) * self.n_outputs
        for hook in list(self.hooks):
            result = hook(self.module, grad_input, grad_output)
            if result is not None:
                arrays = _unwrap(result, self.n_inputs, "input", self.module)
                grad_input = tuple(_wrap(a, device) for a in arrays)
        return tuple(None if grad_input[k] is None else grad_input[k]._data for k in self.input_slots)
