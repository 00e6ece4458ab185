"""Reverse-mode automatic differentiation: ``Function``, the engine, grad modes, ``grad``, ``gradcheck``."""

from lucid.autograd.function import Function, FunctionCtx, Node, once_differentiable
from lucid.autograd.functional import backward, grad, register_post_backward_hook
from lucid.autograd.grad_mode import (
    enable_grad,
    inference_mode,
    is_grad_enabled,
    is_inference_mode_enabled,
    no_grad,
    set_grad_enabled,
)
from lucid.autograd.gradcheck import gradcheck

__all__ = [
    "Function", "FunctionCtx", "Node", "once_differentiable", "backward", "grad", "gradcheck",
    "register_post_backward_hook",
    "no_grad", "enable_grad", "set_grad_enabled", "is_grad_enabled", "inference_mode", "is_inference_mode_enabled",
]
