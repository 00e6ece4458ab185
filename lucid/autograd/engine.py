"""The backward engine: an iterative walk over recorded nodes.

Every node carries a creation number (``Node.seq``) and a node's inputs are
always recorded before it, so popping nodes from a max-heap on that number
visits each one after all of its consumers: a reverse topological order found
in one pass, with no recursion (graphs of any depth work) and no separate
dependency-counting walk. A newly reached node numbered above everything
queued is processed straight away, so a chain never touches the heap.

Rules exchange raw ``mx.array`` gradients; only what users see (leaf
``.grad``, hook arguments, ``autograd.grad`` results) is wrapped in Tensors.
Several contributions to one gradient are collected and summed once (see
``_sum_grads``). Nothing here evaluates an array.
"""

from __future__ import annotations

import weakref
from heapq import heappop, heappush

import mlx.core as mx

from lucid._backend import reductions, trace
from lucid._backend.device import _default, run_on
from lucid._tensor import Tensor
from lucid.autograd.function import _freed_error

__all__ = ["run_backward"]


def _apply_hooks(hooks, grad: mx.array, device: str) -> mx.array:
    for hook in tuple(hooks):
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


def _accumulate_leaf(t: Tensor, g: mx.array, hooks: bool = True) -> None:
    """Add ``g`` into ``t.grad`` (cast to ``t``'s dtype), after ``t``'s hooks unless ``hooks`` is false."""
    if hooks and t._hooks:
        g = _apply_hooks(t._hooks, g, t._device)
    if g.shape != t._data.shape:
        raise RuntimeError(
            f"gradient of shape {tuple(g.shape)} does not match its tensor's shape {tuple(t._data.shape)}; "
            "a backward rule returned a wrongly shaped gradient"
        )
    _add_to_grad(t, g)


def _add_to_grad(t: Tensor, g: mx.array) -> None:
    """``t.grad += g`` in ``t``'s dtype, creating ``t.grad`` on the first call (no hooks, no checks).

    Used directly for ``retain_grad`` on a non-leaf, whose leaf hooks must not run.
    """
    if g.dtype != t._data.dtype:
        g = g.astype(t._data.dtype)
    grad = t._grad
    if grad is None:
        t._grad = Tensor._make(g, t._device)
    else:
        grad._data = grad._data + g
        grad._version += 1


# Contributions to one gradient are summed at the end, not one ``+`` at a time:
# many small ones (a bias used in every step of a loop) are joined with a
# single concatenate and one sum, which keeps MLX's graph short. Above this
# many bytes in all, they are added pairwise so peak memory does not grow.
# Inside a ``lucid.compile`` trace they are always added pairwise: there the
# graph is built once, and a chain of adds fuses into one kernel where a
# concatenate does not (the compiled 1000-op chain runs ~1.5x faster).
_JOIN_BYTES = 1 << 20


def _sum_grads(gs: list) -> mx.array:
    """Sum a list of gradient contributions (at least two)."""
    first = gs[0]
    n = len(gs)
    if n > 2 and first.ndim > 0 and first.nbytes * n <= _JOIN_BYTES and not trace.active():
        shape = first.shape
        dtype = first.dtype
        for g in gs:
            if g.shape != shape or g.dtype != dtype:
                break
        else:
            return reductions.sum(mx.reshape(mx.concatenate(gs), (n, *shape)), axis=0)
    acc = first
    for g in gs[1:]:
        acc = acc + g
    return acc


_array = mx.array
_weakref = weakref.ref


def _as_grad_array(node, g) -> mx.array:
    if isinstance(g, Tensor):
        return g._data
    raise TypeError(
        f"{node.fn.__name__}.backward returned a {type(g).__name__} as a gradient; "
        "expected an mlx.core.array (or None)"
    )


def _wrong_count(node, got: int) -> RuntimeError:
    return RuntimeError(
        f"{node.fn.__name__}.backward returned {got} gradients, expected {len(node.next)} "
        "(one per positional input of forward)"
    )


# -- the steps of run_backward ------------------------------------------------
#
# Once per backward: _seed, _capture_points, the loop over nodes, _finish.
# Once per node, in the loop: join the outputs' gradient contributions
# (_finish_output_grads, only where needed), check the saved values, observe
# the gradients (_observe: hooks, retain_grad, autograd.grad's captures; only
# where present), run the rule (_call_rule_elsewhere off the default device), free the
# node, and route the input gradients along its edges to the next node.
# Checking, running and routing stay inline in the loop: they run for nearly
# every node, and measured on a 1000-node chain each extra function call per
# node makes the whole backward 1-2% slower.


def _seed(roots, grad_roots) -> tuple:
    """The starting state: ``(grads, leaf_grads, heap)``.

    ``grads`` maps a node to the list of its outputs' gradients (an entry is
    ``None``, an array, or a list of contributions still to be summed);
    ``leaf_grads`` maps a leaf Tensor (hashed by identity) to ``[leaf, grad]``;
    ``heap`` holds ``(-seq, node)`` of the nodes waiting to run.
    """
    grads: dict = {}
    leaf_grads: dict = {}
    heap: list = []
    for t, g in zip(roots, grad_roots):
        node = t._node
        if node is None:
            entry = leaf_grads.get(t)
            if entry is None:
                leaf_grads[t] = [t, g]
            else:
                entry[1] = entry[1] + g
            continue
        lst = grads.get(node)
        if lst is None:
            grads[node] = lst = [None] * node.n_out
            heappush(heap, (-node.seq, node))
        i = t._out_idx
        lst[i] = g if lst[i] is None else lst[i] + g
    return grads, leaf_grads, heap


def _capture_points(inputs) -> dict | None:
    """For ``autograd.grad``: node -> output indices whose gradient is returned (None: fill ``.grad``)."""
    if inputs is None:
        return None
    capture: dict = {}
    for t in inputs:
        if t._node is not None:
            capture.setdefault(t._node, []).append(t._out_idx)
    return capture


def _finish_output_grads(node, glist: list) -> None:
    """Sum the outputs' collected contributions; give unused outputs of a multi-output node zeros.

    Unused outputs keep ``None`` when the node's ``materialize_grads`` is off
    (``ctx.set_materialize_grads(False)``).
    """
    for i, g in enumerate(glist):
        if type(g) is list:
            glist[i] = _sum_grads(g)
    if node.n_out != 1 and node.materialize_grads:
        for i, g in enumerate(glist):
            if g is None:
                shape, dtype = node.out_meta[i]
                glist[i] = mx.zeros(shape, dtype=dtype)


def _observe(node, glist: list, capture, captured: dict) -> None:
    """Before the rule runs: the outputs' tensor hooks, ``retain_grad``, and capture for ``autograd.grad``."""
    if node.tensor_hooks:
        for i, hooks in node.tensor_hooks.items():
            if glist[i] is not None:
                glist[i] = _apply_hooks(hooks, glist[i], node.device)
    if node.retained:
        for i, ref in node.retained.items():
            t = ref()
            if t is not None and glist[i] is not None:
                _add_to_grad(t, glist[i])
    if capture is not None and node in capture:
        for i in capture[node]:
            captured[(node, i)] = glist[i]


def _call_rule_elsewhere(node, glist: list) -> tuple:
    """Run ``node``'s rule on the device its forward ran on, which is not the default one.

    For example float64 work stays on the CPU while the default device is the GPU.
    """
    with run_on(node.device):
        return _as_grad_tuple(node, node.fn.backward(node, *glist))


def _as_grad_tuple(node, in_grads) -> tuple:
    """A rule's result as a tuple of one gradient per input (a single-input rule may return one array)."""
    n_in = len(node.next)
    if type(in_grads) is not tuple:
        if n_in != 1 or type(in_grads) is list:
            in_grads = tuple(in_grads) if type(in_grads) is list else (in_grads,)
        else:
            return (in_grads,)
    if len(in_grads) != n_in:
        raise _wrong_count(node, len(in_grads))
    return in_grads


def _finish(leaf_grads: dict, inputs, captured: dict):
    """Sum the leaves' contributions; fill ``.grad`` (``inputs is None``) or return the inputs' gradients."""
    for entry in leaf_grads.values():
        if type(entry[1]) is list:
            entry[1] = _sum_grads(entry[1])
    if inputs is None:
        for t, g in leaf_grads.values():
            _accumulate_leaf(t, g)
        return None
    results = []
    for t in inputs:
        if t._node is None:
            entry = leaf_grads.get(t)
            g = None if entry is None else entry[1]
            if g is not None and t._hooks:
                g = _apply_hooks(t._hooks, g, t._device)
        else:
            g = captured.get((t._node, t._out_idx))
        results.append(g)
    return results


def run_backward(roots, grad_roots, retain_graph: bool, inputs=None):
    """Propagate ``grad_roots`` (arrays) backward from the ``roots`` Tensors.

    With ``inputs=None`` gradients accumulate into leaf ``.grad``; otherwise the
    gradients of ``inputs`` are returned (as arrays or ``None``) and no
    ``.grad`` is touched.
    """
    grads, leaf_grads, heap = _seed(roots, grad_roots)
    capture = _capture_points(inputs)
    captured: dict = {}
    node = heappop(heap)[1] if heap else None
    while node is not None:
        glist = grads.pop(node)  # one gradient (or list of contributions) per output
        fn = node.fn
        single = node.n_out == 1
        if not single or type(glist[0]) is list:
            _finish_output_grads(node, glist)
        # Check the saved values: not freed by an earlier backward, not modified in place.
        if node.saved_arrays is None:
            raise _freed_error(node.name())
        checks = node._checks
        if checks:
            for ref, version in checks:
                t = ref() if type(ref) is _weakref else ref
                if t is not None and t._version != version:
                    node.check_versions()  # raises, naming the operation
        if node.tensor_hooks or node.retained or capture is not None:
            _observe(node, glist, capture, captured)
        # Run the rule; one gradient per input.
        if node.device == _default[0]:
            in_grads = fn.backward(node, glist[0]) if single else fn.backward(node, *glist)
            if type(in_grads) is not tuple:
                in_grads = (in_grads,) if type(in_grads) is _array and len(node.next) == 1 \
                    else _as_grad_tuple(node, in_grads)
            elif len(in_grads) != len(node.next):
                raise _wrong_count(node, len(in_grads))
        else:
            in_grads = _call_rule_elsewhere(node, glist)
        if not retain_graph:
            node.saved_arrays = None  # freed: a second walk through this node raises
            if not fn._ctx_is_metadata:
                node.meta = None
                node.__dict__.clear()
        # Route the input gradients along the edges. A newly reached node whose
        # number beats everything queued runs next without touching the heap,
        # so a chain never does.
        nxt = None
        for edge, g in zip(node.next, in_grads):
            if edge is None or g is None:
                continue
            if type(g) is not _array:
                g = _as_grad_array(node, g)
            if type(edge) is tuple:
                m, i = edge
                lst = grads.get(m)
                if lst is None:
                    grads[m] = lst = [None] * m.n_out
                    lst[i] = g
                    if nxt is None:
                        if heap and heap[0][0] < -m.seq:
                            heappush(heap, (-m.seq, m))
                        else:
                            nxt = m
                    elif m.seq > nxt.seq:
                        heappush(heap, (-nxt.seq, nxt))
                        nxt = m
                    else:
                        heappush(heap, (-m.seq, m))
                else:
                    prev = lst[i]
                    if prev is None:
                        lst[i] = g
                    elif type(prev) is list:
                        prev.append(g)
                    else:
                        lst[i] = [prev, g]
            else:
                entry = leaf_grads.get(edge)
                if entry is None:
                    leaf_grads[edge] = [edge, g]
                else:
                    prev = entry[1]
                    if type(prev) is list:
                        prev.append(g)
                    else:
                        entry[1] = [prev, g]
        if nxt is not None:
            node = nxt
        elif heap:
            node = heappop(heap)[1]
        else:
            node = None
    return _finish(leaf_grads, inputs, captured)
