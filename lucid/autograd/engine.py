"""The backward engine: an iterative walk over recorded nodes.

Dependency counting (Kahn's algorithm) orders the walk, so graphs of any depth
work without recursion. Rules exchange raw ``mx.array`` gradients; only what
users see (leaf ``.grad``, hook arguments, ``autograd.grad`` results) is
wrapped in Tensors. Nothing here evaluates an array.
"""

from __future__ import annotations

import mlx.core as mx

from lucid._tensor import Tensor
from lucid.autograd.function import Node

__all__ = ["run_backward"]


def _apply_hooks(hooks, grad: mx.array, device: str) -> mx.array:
    for hook in hooks:
        result = hook(Tensor._make(grad, device))
        if result is not None:
            if not isinstance(result, Tensor):
                raise TypeError(f"a gradient hook must return a Tensor or None, got {type(result).__name__}")
            if result.shape != tuple(grad.shape):
                raise RuntimeError(
                    f"a gradient hook returned shape {result.shape}, expected {tuple(grad.shape)}"
                )
            grad = result._data
    return grad


def _accumulate_leaf(t: Tensor, g: mx.array) -> None:
    if t._hooks:
        g = _apply_hooks(t._hooks, g, t._device)
    data = t._data
    if g.shape != data.shape:
        raise RuntimeError(
            f"gradient of shape {tuple(g.shape)} does not match its tensor's shape {tuple(data.shape)}; "
            "a backward rule returned a wrongly shaped gradient"
        )
    if g.dtype != data.dtype:
        g = g.astype(data.dtype)
    grad = t.grad
    if grad is None:
        t.grad = Tensor._make(g, t._device)
    else:
        grad._data = grad._data + g
        grad._version += 1


def run_backward(roots, grad_roots, retain_graph: bool, inputs=None):
    """Propagate ``grad_roots`` (arrays) backward from the ``roots`` Tensors.

    With ``inputs=None`` gradients accumulate into leaf ``.grad``; otherwise the
    gradients of ``inputs`` are returned (as arrays or ``None``) and no
    ``.grad`` is touched.
    """
    grads: dict = {}
    leaf_grads: dict = {}
    root_nodes = []
    for t, g in zip(roots, grad_roots):
        node = t._node
        if node is None:
            entry = leaf_grads.get(id(t))
            leaf_grads[id(t)] = [t, g if entry is None else entry[1] + g]
            continue
        lst = grads.get(node)
        if lst is None:
            grads[node] = lst = [None] * node.n_out
            root_nodes.append(node)
        i = t._out_idx
        lst[i] = g if lst[i] is None else lst[i] + g

    # Count, for every reachable node, how many edges point at it.
    deps: dict = {}
    stack = list(root_nodes)
    seen = set(root_nodes)
    while stack:
        node = stack.pop()
        for edge in node.next:
            if type(edge) is tuple:
                m = edge[0]
                deps[m] = deps.get(m, 0) + 1
                if m not in seen:
                    seen.add(m)
                    stack.append(m)

    capture = None
    if inputs is not None:
        capture = {}
        for t in inputs:
            if t._node is not None:
                capture.setdefault(t._node, []).append(t._out_idx)

    captured: dict = {}
    ready = [n for n in root_nodes if n not in deps]
    while ready:
        node = ready.pop()
        glist = grads.pop(node, None)
        edges = node.next
        if glist is not None:
            if node.freed:
                raise RuntimeError(
                    f"{node.name()}: trying to backward through the graph a second time (its saved values "
                    "were freed after the first backward). Pass retain_graph=True to the first backward() "
                    "if you need to backward twice."
                )
            if node._checks:
                node.check_versions()
            if node.tensor_hooks:
                for i, hooks in node.tensor_hooks.items():
                    if glist[i] is not None:
                        glist[i] = _apply_hooks(hooks, glist[i], node.device)
            if node.retained:
                for i, ref in node.retained.items():
                    t = ref()
                    if t is not None and glist[i] is not None:
                        _accumulate_leaf_plain(t, glist[i])
            if capture is not None and node in capture:
                for i in capture[node]:
                    captured[(node, i)] = glist[i]
            if node.n_out == 1:
                in_grads = node.fn.backward(node, glist[0])
            else:
                for i, g in enumerate(glist):
                    if g is None:
                        shape, dtype = node.out_meta[i]
                        glist[i] = mx.zeros(shape, dtype=dtype)
                in_grads = node.fn.backward(node, *glist)
            if type(in_grads) is not tuple:
                in_grads = (in_grads,)
            if len(in_grads) != len(edges):
                raise RuntimeError(
                    f"{node.fn.__name__}.backward returned {len(in_grads)} gradients, expected "
                    f"{len(edges)} (one per positional input of forward)"
                )
            if not retain_graph:
                node.release()
        else:
            in_grads = (None,) * len(edges)

        for edge, g in zip(edges, in_grads):
            if edge is None:
                continue
            if type(edge) is tuple:
                m, i = edge
                if g is not None:
                    lst = grads.get(m)
                    if lst is None:
                        grads[m] = lst = [None] * m.n_out
                    lst[i] = g if lst[i] is None else lst[i] + g
                left = deps[m] - 1
                deps[m] = left
                if left == 0:
                    ready.append(m)
            elif g is not None:
                entry = leaf_grads.get(id(edge))
                if entry is None:
                    leaf_grads[id(edge)] = [edge, g]
                else:
                    entry[1] = entry[1] + g

    if inputs is None:
        for t, g in leaf_grads.values():
            _accumulate_leaf(t, g)
        return None
    results = []
    for t in inputs:
        if t._node is None:
            entry = leaf_grads.get(id(t))
            g = None if entry is None else entry[1]
            if g is not None and t._hooks:
                g = _apply_hooks(t._hooks, g, t._device)
        else:
            g = captured.get((t._node, t._out_idx))
        results.append(g)
    return results


def _accumulate_leaf_plain(t: Tensor, g: mx.array) -> None:
    """``retain_grad`` on a non-leaf: accumulate without the leaf's hooks."""
    grad = t.grad
    if grad is None:
        t.grad = Tensor._make(g, t._device)
    else:
        grad._data = grad._data + g
        grad._version += 1
