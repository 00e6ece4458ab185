"""``lucid.autograd.backward`` and ``lucid.autograd.grad``."""

from __future__ import annotations

import mlx.core as mx

from lucid._tensor import Tensor, as_array
from lucid.autograd.engine import _accumulate_leaf, run_backward

__all__ = ["backward", "grad"]

_CREATE_GRAPH = ("create_graph=True is not supported: Lucid's tape does not record its own backward pass. "
                 "For higher-order derivatives use lucid.func (grad(grad(f)), hessian, jvp(grad(f), ...) for "
                 "Hessian-vector products), which differentiates with MLX's transforms")


def _as_list(x, what: str) -> list:
    if isinstance(x, Tensor):
        return [x]
    if isinstance(x, (list, tuple)):
        for item in x:
            if not isinstance(item, Tensor):
                raise TypeError(f"{what} must be Tensors, got {type(item).__name__}")
        return list(x)
    raise TypeError(f"{what} must be a Tensor or a sequence of Tensors, got {type(x).__name__}")


def _root_grads(outputs: list, grad_outputs) -> list:
    if grad_outputs is None:
        grad_outputs = [None] * len(outputs)
    elif isinstance(grad_outputs, Tensor) or not isinstance(grad_outputs, (list, tuple)):
        grad_outputs = [grad_outputs]
    if len(grad_outputs) != len(outputs):
        raise ValueError(f"got {len(grad_outputs)} gradients for {len(outputs)} outputs")
    roots = []
    for k, (out, g) in enumerate(zip(outputs, grad_outputs)):
        if not out.requires_grad:
            raise RuntimeError(
                f"element {k} of tensors does not require grad and does not have a grad_fn: "
                "nothing to differentiate (did you compute it under no_grad, or forget requires_grad=True?)"
            )
        if g is None:
            if out._data.size != 1:
                raise RuntimeError(
                    f"grad can be implicitly created only for single-element outputs, got shape {out.shape}; "
                    "pass gradient= with the same shape as the output"
                )
            roots.append(mx.ones(out._data.shape, dtype=out._data.dtype))
        else:
            arr = as_array(g)
            if tuple(arr.shape) != out.shape:
                raise ValueError(f"gradient has shape {tuple(arr.shape)}, but the output has shape {out.shape}")
            if arr.dtype != out._data.dtype:
                arr = arr.astype(out._data.dtype)
            roots.append(arr)
    return roots


def backward(tensors, grad_tensors=None, retain_graph: bool = False, inputs=None, create_graph: bool = False) -> None:
    """Accumulate gradients of ``tensors`` into the ``.grad`` of the leaves they depend on.

    Args:
        tensors: a Tensor or a sequence of Tensors to differentiate.
        grad_tensors: upstream gradients, one per tensor (may be omitted for
            single-element tensors).
        retain_graph: keep saved values so the graph can be walked again.
        inputs: if given, accumulate only into these leaves.
        create_graph: not supported (raises); use :mod:`lucid.func` for higher-order gradients.

    Raises:
        RuntimeError: an output does not require grad, or the graph was freed.

    Examples:
        >>> import lucid
        >>> x = lucid.tensor([1.0, 2.0], requires_grad=True)
        >>> lucid.autograd.backward(x * x, lucid.tensor([1.0, 1.0]))
        >>> x.grad.tolist()
        [2.0, 4.0]
    """
    if create_graph:
        raise NotImplementedError(_CREATE_GRAPH)
    outputs = _as_list(tensors, "tensors")
    roots = _root_grads(outputs, grad_tensors)
    if inputs is None:
        run_backward(outputs, roots, retain_graph)
        return
    targets = _as_list(inputs, "inputs")
    # run_backward has already applied the leaves' hooks to what it returns.
    grads = run_backward(outputs, roots, retain_graph, inputs=targets)
    for t, g in zip(targets, grads):
        if g is not None:
            _accumulate_leaf(t, g, hooks=False)


def grad(outputs, inputs, grad_outputs=None, retain_graph: bool | None = None,
         create_graph: bool = False, allow_unused: bool = False) -> tuple:
    """Return the gradients of ``outputs`` with respect to ``inputs`` without touching ``.grad``.

    Args:
        outputs: a Tensor or sequence of Tensors.
        inputs: the Tensors to differentiate with respect to.
        grad_outputs: upstream gradients (optional for single-element outputs).
        retain_graph: keep the graph for another backward (default ``False``).
        allow_unused: return ``None`` for inputs the outputs do not depend on,
            instead of raising.

    Returns:
        A tuple with one gradient Tensor (or ``None``) per input.

    Examples:
        >>> import lucid
        >>> x = lucid.tensor(3.0, requires_grad=True)
        >>> (g,) = lucid.autograd.grad(x * x, x)
        >>> g.item()
        6.0
    """
    if create_graph:
        raise NotImplementedError(_CREATE_GRAPH)
    outs = _as_list(outputs, "outputs")
    ins = _as_list(inputs, "inputs")
    for t in ins:
        if not t.requires_grad:
            raise RuntimeError("one of the inputs does not require grad; set requires_grad=True on it")
    roots = _root_grads(outs, grad_outputs)
    grads = run_backward(outs, roots, bool(retain_graph), inputs=ins)
    result = []
    for i, (t, g) in enumerate(zip(ins, grads)):
        if g is None:
            if not allow_unused:
                raise RuntimeError(
                    f"input {i} was not used to compute the outputs; pass allow_unused=True "
                    "to get None for it"
                )
            result.append(None)
        else:
            result.append(Tensor._make(g, t._device))
    return tuple(result)
