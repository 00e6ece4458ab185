"""Composable function transforms (``torch.func``'s API) built on MLX's own transforms.

``grad``, ``grad_and_value``, ``vjp``, ``jvp``, ``vmap``, ``jacrev``, ``jacfwd``
and ``hessian`` take a function of Lucid Tensors and return a function of
Lucid Tensors. Underneath, the Tensors' arrays go through ``mx.grad``,
``mx.vjp``, ``mx.jvp`` and ``mx.vmap``: the user's function runs on arrays
that MLX traces, wrapped as Tensors that record no tape (grad mode is off
inside). Because each transform returns an ordinary function of Tensors, they
compose: ``grad(grad(f))``, ``vmap(grad(f))`` (per-sample gradients),
``jacfwd(jacrev(f))`` (``hessian``), ``jvp(grad(f), ...)`` (Hessian-vector
products). Higher derivatives come from MLX, not from Lucid's tape.

Inside a transform:

* values cannot be read on the host: ``item()``, ``tolist()``, ``numpy()``,
  ``print`` of a tensor or a Python ``if`` on one raise ``RuntimeError``;
* the lazy index checks (``lucid._backend.checks``) still clamp bad indices
  but are not reported: flags made inside a transform are dropped on exit;
* layers that update buffers (BatchNorm in training mode) would store traced
  arrays: run them in ``eval()`` mode inside transforms.
* Lucid Functions whose ``forward`` MLX cannot differentiate (the
  ``lucid.linalg`` decompositions, ``solve``, ``inv``, ``matrix_exp``: class
  attribute ``mlx_vjp = False``) run as ``mx.custom_function`` with Lucid's
  own backward rule as their vjp (and its transpose as their jvp): first
  derivatives only (a second one raises ``RuntimeError`` naming the
  operation).

``functional_call(module, params, args)`` runs a module with some parameters
and buffers replaced by the given tensors (by name), so a model's loss can be
written as a function of a dict of parameters and transformed.

Examples:
    >>> import lucid
    >>> from lucid.func import grad, vmap
    >>> f = lambda x: (x ** 3).sum()
    >>> grad(lambda x: grad(f)(x).sum())(lucid.tensor([1.0, 2.0])).tolist()  # 6x
    [6.0, 12.0]
    >>> vmap(grad(f))(lucid.tensor([[1.0], [2.0]])).tolist()  # per-row gradients, 3x^2
    [[3.0], [12.0]]
"""

from __future__ import annotations

import contextlib
import functools
import numbers

import mlx.core as mx

from lucid._backend import checks as _checks
from lucid._backend.device import get_default_device
from lucid._tensor import Tensor
from lucid.autograd.grad_mode import _state as _grad_state
from lucid.autograd.grad_mode import no_grad

__all__ = ["grad", "grad_and_value", "vjp", "jvp", "vmap", "jacrev", "jacfwd", "hessian", "functional_call"]


# -- trees of Tensors <-> trees of arrays ------------------------------------------------
def _to_arrays(tree, what: str):
    if isinstance(tree, Tensor):
        return tree._data
    if isinstance(tree, (list, tuple)):
        return type(tree)(_to_arrays(t, what) for t in tree)
    if isinstance(tree, dict):
        return {k: _to_arrays(v, what) for k, v in tree.items()}
    raise TypeError(f"{what} must be Tensors (or lists, tuples or dicts of Tensors), got {type(tree).__name__}")


def _to_tensors(tree, device: str):
    if isinstance(tree, mx.array):
        return Tensor._make(tree, device)
    if isinstance(tree, (list, tuple)):
        return type(tree)(_to_tensors(t, device) for t in tree)
    if isinstance(tree, dict):
        return {k: _to_tensors(v, device) for k, v in tree.items()}
    return tree


def _device_of(*trees) -> str:
    stack = list(trees)
    while stack:
        t = stack.pop()
        if isinstance(t, Tensor):
            return t._device
        if isinstance(t, (list, tuple)):
            stack.extend(t)
        elif isinstance(t, dict):
            stack.extend(t.values())
    return get_default_device()


_HOST_READ = ("a lucid.func transform (grad, vjp, jvp, vmap, jacrev, jacfwd, hessian) runs a function that reads "
              "a tensor's value on the host (item(), tolist(), numpy(), print, or a Python `if` on a tensor); "
              "inside a transform tensors are traced: keep the logic in tensor ops (lucid.where, masks)")


@contextlib.contextmanager
def _traced():
    """Run the user's function on traced arrays: no tape, deferred checks dropped, clear host-read errors."""
    _grad_state.transforms += 1
    try:
        with no_grad(), _checks.no_host_reads(_HOST_READ):
            yield
    except ValueError as err:
        if "function transformations" in str(err):  # MLX's own refusal (vmap)
            raise RuntimeError(_HOST_READ) from None
        raise
    finally:
        _grad_state.transforms -= 1


def _argnums(argnums, nargs: int, op: str) -> tuple:
    nums = (argnums,) if isinstance(argnums, numbers.Integral) and not isinstance(argnums, bool) else argnums
    if not isinstance(nums, tuple) or not nums or not all(
            isinstance(i, numbers.Integral) and not isinstance(i, bool) for i in nums):
        raise TypeError(f"{op}: argnums must be an int or a non-empty tuple of ints, got {argnums!r}")
    out = []
    for i in nums:
        if not -nargs <= i < nargs:
            raise ValueError(f"{op}: argnums {argnums!r} out of range for {nargs} positional arguments")
        out.append(i % nargs)
    return tuple(out)


def _split_aux(out, has_aux: bool, op: str):
    if not has_aux:
        return out, None
    if not isinstance(out, tuple) or len(out) != 2:
        raise ValueError(f"{op}(..., has_aux=True): the function must return a tuple (output, aux), "
                         f"got {type(out).__name__}")
    return out


class _Aux:
    """Carries ``aux`` out of a traced call: Tensor leaves as arrays (outputs of the transform), the rest as is."""

    def __init__(self):
        self.tree = None

    def put(self, aux):
        self.tree = aux
        return _to_arrays(_leaves_only_tensors(aux), "aux")

    def get(self, arrays, device):
        return _rebuild(self.tree, iter(_flatten(arrays)), device)


def _leaves_only_tensors(tree):
    return [t for t in _flatten(tree) if isinstance(t, Tensor)]


def _flatten(tree):
    if isinstance(tree, (list, tuple)):
        return [x for t in tree for x in _flatten(t)]
    if isinstance(tree, dict):
        return [x for v in tree.values() for x in _flatten(v)]
    return [tree]


def _rebuild(tree, arrays, device):
    if isinstance(tree, Tensor):
        return Tensor._make(next(arrays), device)
    if isinstance(tree, (list, tuple)):
        return type(tree)(_rebuild(t, arrays, device) for t in tree)
    if isinstance(tree, dict):
        return {k: _rebuild(v, arrays, device) for k, v in tree.items()}
    return tree


def _scalar_output(out, op: str) -> mx.array:
    if not isinstance(out, Tensor):
        raise TypeError(f"{op}: the function must return a Tensor, got {type(out).__name__}")
    if out._data.size != 1:
        raise RuntimeError(f"{op}: the function must return a one-element Tensor, got shape {out.shape}; "
                           "use vjp or jacrev for non-scalar outputs")
    return mx.reshape(out._data, ())


# -- grad ------------------------------------------------------------------------------------
def grad_and_value(func, argnums=0, has_aux: bool = False):
    """``func``'s gradient with respect to the arguments ``argnums`` (and its value).

    Args:
        func: a function of Tensors returning a one-element Tensor (or
            ``(output, aux)`` with ``has_aux``).
        argnums: which positional argument(s) to differentiate: an int, or a
            tuple of ints (then a tuple of gradients). An argument may be a
            Tensor or a list/tuple/dict of Tensors (a dict of parameters);
            its gradient has the same structure.
        has_aux: ``func`` returns ``(output, aux)``; ``aux`` is passed through.

    Returns:
        A function returning ``(gradient, value)``, or
        ``(gradient, (value, aux))`` with ``has_aux``.

    Examples:
        >>> import lucid
        >>> from lucid.func import grad_and_value
        >>> g, v = grad_and_value(lambda x: (x * x).sum())(lucid.tensor([1.0, 2.0]))
        >>> g.tolist(), v.item()
        ([2.0, 4.0], 5.0)
    """
    if not callable(func):
        raise TypeError(f"grad_and_value: func must be callable, got {type(func).__name__}")

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        nums = _argnums(argnums, len(args), "grad")
        device = _device_of(*(args[i] for i in nums))
        aux = _Aux()

        def inner(*diff):
            full = list(args)
            for i, a in zip(nums, diff):
                full[i] = _to_tensors(a, device)
            with _traced():
                out, aux_tree = _split_aux(func(*full, **kwargs), has_aux, "grad")
            return _scalar_output(out, "grad"), aux.put(aux_tree) if has_aux else []

        diff = [_to_arrays(args[i], f"grad: argument {i}") for i in nums]
        with _traced():
            if len(nums) == 1:
                (value, aux_arrays), grads = mx.value_and_grad(inner, argnums=0)(*diff)
                grads = (grads,)
            else:
                (value, aux_arrays), grads = mx.value_and_grad(inner, argnums=list(range(len(nums))))(*diff)
        grads = _to_tensors(tuple(grads), device)
        g = grads[0] if isinstance(argnums, numbers.Integral) else grads
        value = Tensor._make(value, device)
        if has_aux:
            return g, (value, aux.get(aux_arrays, device))
        return g, value

    return wrapper


def grad(func, argnums=0, has_aux: bool = False):
    """``func``'s gradient with respect to the arguments ``argnums`` (``torch.func.grad``).

    See :func:`grad_and_value` for the arguments. Returns a function giving the
    gradient (and ``aux`` as ``(gradient, aux)`` with ``has_aux``).

    Examples:
        >>> import lucid
        >>> from lucid.func import grad
        >>> grad(lambda x: x.sin().sum())(lucid.tensor([0.0])).tolist()
        [1.0]
        >>> grad(grad(lambda x: (x ** 3).sum()))(lucid.tensor(2.0)).item()  # d2/dx2 x^3 = 6x
        12.0
    """
    gv = grad_and_value(func, argnums, has_aux)

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        g, value = gv(*args, **kwargs)
        return (g, value[1]) if has_aux else g

    return wrapper


# -- vjp / jvp ---------------------------------------------------------------------------------
def _array_fn(func, device, has_aux, aux, op):
    """``func`` as a function of a list of arrays returning a list of arrays (its Tensor outputs)."""
    shape = {}

    def inner(*arrays):
        with _traced():
            out, aux_tree = _split_aux(func(*_to_tensors(list(arrays), device)), has_aux, op)
        single = isinstance(out, Tensor)
        shape["single"] = single
        outs = [out] if single else out
        if not isinstance(outs, (list, tuple)) or not all(isinstance(o, Tensor) for o in outs):
            raise TypeError(f"{op}: the function must return a Tensor or a tuple of Tensors, got {type(out).__name__}")
        return [o._data for o in outs] + ([] if not has_aux else aux.put(aux_tree))

    return inner, shape


def _tensors(xs, what: str) -> list:
    xs = list(xs)
    for x in xs:
        if not isinstance(x, Tensor):
            raise TypeError(f"{what} must be Tensors, got {type(x).__name__}")
    return xs


def vjp(func, *primals, has_aux: bool = False):
    """The output of ``func(*primals)`` and a function mapping output cotangents to input cotangents.

    ``vjp_fn(cotangents)`` takes one Tensor per output (a single Tensor for a
    single output) and returns a tuple with one Tensor per primal. Each call
    of ``vjp_fn`` re-traces ``func`` under ``mx.vjp`` (MLX computes output and
    vector-Jacobian product together).

    Returns:
        ``(output, vjp_fn)``, or ``(output, vjp_fn, aux)`` with ``has_aux``.

    Examples:
        >>> import lucid
        >>> from lucid.func import vjp
        >>> out, vjp_fn = vjp(lambda x: x * x, lucid.tensor([1.0, 3.0]))
        >>> vjp_fn(lucid.ones(2))[0].tolist()
        [2.0, 6.0]
    """
    primals = _tensors(primals, "vjp: primals")
    device = _device_of(primals)
    aux = _Aux()
    inner, info = _array_fn(func, device, has_aux, aux, "vjp")
    arrays = [p._data for p in primals]
    with _traced():
        outs = inner(*arrays)
    n_out = len(outs) - (len(_leaves_only_tensors(aux.tree)) if has_aux else 0)
    out_arrays, aux_arrays = outs[:n_out], outs[n_out:]
    single = info["single"]

    def vjp_fn(cotangents):
        cts = [cotangents] if single and isinstance(cotangents, Tensor) else list(cotangents)
        cts = [c._data for c in _tensors(cts, "vjp_fn: cotangents")]
        if len(cts) != n_out:
            raise ValueError(f"vjp_fn: expected {n_out} cotangent(s), got {len(cts)}")
        for c, o in zip(cts, out_arrays):
            if tuple(c.shape) != tuple(o.shape):
                raise ValueError(f"vjp_fn: cotangent of shape {tuple(c.shape)} for an output of shape "
                                 f"{tuple(o.shape)}")
        only_out = (lambda *xs: inner(*xs)[:n_out]) if has_aux else inner
        with _traced():
            _, grads = mx.vjp(only_out, arrays, cts)
        return tuple(Tensor._make(g, device) for g in grads)

    output = Tensor._make(out_arrays[0], device) if single else tuple(Tensor._make(o, device) for o in out_arrays)
    if has_aux:
        return output, vjp_fn, aux.get(aux_arrays, device)
    return output, vjp_fn


def jvp(func, primals, tangents, *, has_aux: bool = False):
    """``func(*primals)`` and its Jacobian-vector product with ``tangents`` (forward mode).

    Args:
        func: a function of Tensors returning a Tensor or a tuple of Tensors.
        primals: a tuple of Tensors (the point).
        tangents: a tuple of Tensors of the same shapes (the direction).

    Returns:
        ``(output, jvp_out)`` (plus ``aux`` with ``has_aux``).

    Examples:
        >>> import lucid
        >>> from lucid.func import jvp
        >>> out, t = jvp(lambda x: x * x, (lucid.tensor([1.0, 3.0]),), (lucid.ones(2),))
        >>> t.tolist()
        [2.0, 6.0]
    """
    if not isinstance(primals, (tuple, list)) or not isinstance(tangents, (tuple, list)):
        raise TypeError("jvp: primals and tangents must be tuples of Tensors")
    primals, tangents = _tensors(primals, "jvp: primals"), _tensors(tangents, "jvp: tangents")
    if len(primals) != len(tangents):
        raise ValueError(f"jvp: got {len(primals)} primals but {len(tangents)} tangents")
    for p, t in zip(primals, tangents):
        if p.shape != t.shape:
            raise ValueError(f"jvp: tangent of shape {t.shape} for a primal of shape {p.shape}")
    device = _device_of(primals)
    aux = _Aux()
    inner, info = _array_fn(func, device, has_aux, aux, "jvp")
    with _traced():
        outs, tans = mx.jvp(inner, [p._data for p in primals], [t._data for t in tangents])
    n_aux = len(_leaves_only_tensors(aux.tree)) if has_aux else 0
    n_out = len(outs) - n_aux
    wrap = (lambda xs: Tensor._make(xs[0], device)) if info["single"] else (
        lambda xs: tuple(Tensor._make(x, device) for x in xs))
    result = (wrap(outs[:n_out]), wrap(tans[:n_out]))
    if has_aux:
        return (*result, aux.get(outs[n_out:], device))
    return result


# -- vmap ---------------------------------------------------------------------------------------
def _dims(dims, n: int, what: str) -> tuple:
    if dims is None or (isinstance(dims, numbers.Integral) and not isinstance(dims, bool)):
        return (dims,) * n
    if isinstance(dims, (tuple, list)) and len(dims) == n and all(
            d is None or (isinstance(d, numbers.Integral) and not isinstance(d, bool)) for d in dims):
        return tuple(dims)
    raise ValueError(f"vmap: {what} must be an int, None, or a tuple with one int/None per "
                     f"{'argument' if what == 'in_dims' else 'output'} ({n}), got {dims!r}")


def vmap(func, in_dims=0, out_dims=0, randomness: str = "error", *, chunk_size=None):
    """Map ``func`` over a dimension of its inputs, vectorised (``mx.vmap``).

    Args:
        func: a function of Tensors returning a Tensor or a tuple of Tensors.
        in_dims: the mapped dimension of each positional argument: an int for
            all, or a tuple with an int or ``None`` (not mapped: passed as is,
            also for non-Tensor arguments) per argument.
        out_dims: where the mapped dimension goes in each output.
        randomness: accepted for ``torch.func`` compatibility (``"error"``,
            ``"different"``, ``"same"``); MLX's random ops inside ``vmap``
            draw one sample for the whole batch.
        chunk_size: accepted and ignored (MLX maps the whole batch at once).

    Examples:
        >>> import lucid
        >>> from lucid.func import vmap
        >>> dot = lambda a, b: (a * b).sum()
        >>> vmap(dot)(lucid.ones(3, 4), lucid.ones(3, 4)).tolist()
        [4.0, 4.0, 4.0]
        >>> vmap(dot, in_dims=(0, None))(lucid.ones(3, 4), lucid.ones(4)).shape
        (3,)
    """
    if not callable(func):
        raise TypeError(f"vmap: func must be callable, got {type(func).__name__}")
    if randomness not in ("error", "different", "same"):
        raise ValueError(f"vmap: randomness must be 'error', 'different' or 'same', got {randomness!r}")

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        ins = _dims(in_dims, len(args), "in_dims")
        mapped = [i for i, d in enumerate(ins) if d is not None]
        if not mapped:
            raise ValueError("vmap: at least one argument must be mapped (in_dims are all None)")
        device = _device_of(*(args[i] for i in mapped))
        info = {}

        def inner(*arrays):
            full = list(args)
            for i, a in zip(mapped, arrays):
                full[i] = _to_tensors(a, device)
            with _traced():
                out = func(*full, **kwargs)
            leaves = _flatten(out)
            if not all(isinstance(o, Tensor) for o in leaves):
                raise TypeError(f"vmap: the function must return Tensors (or tuples, lists, dicts of them), "
                                f"got {type(out).__name__}")
            info["tree"] = out
            tops = [out] if isinstance(out, Tensor) or not isinstance(out, (tuple, list)) else out
            info["counts"] = [len(_flatten(t)) for t in tops]
            return tuple(o._data for o in leaves)

        arrays = [_to_arrays(args[i], f"vmap: argument {i}") for i in mapped]
        axes = tuple(ins[i] for i in mapped)
        _count_outputs(inner, arrays, axes)  # learns the output structure (a lazy trace on one slice)
        per_top = _dims(out_dims, len(info["counts"]), "out_dims")
        leaf_dims = tuple(d for d, n in zip(per_top, info["counts"]) for _ in range(n))
        with _traced():
            outs = mx.vmap(inner, in_axes=axes, out_axes=leaf_dims)(*arrays)
        return _rebuild(info["tree"], iter(outs), device)

    return wrapper


def _count_outputs(inner, arrays, axes) -> int:
    # Trace the function on one slice to learn how many outputs it has (lazy: nothing is evaluated).
    sliced = [_take(a, d) for a, d in zip(arrays, axes)]
    with _traced():
        return len(inner(*sliced))


def _take(tree, axis):
    if isinstance(tree, mx.array):
        return mx.take(tree, 0, axis=axis)
    if isinstance(tree, (list, tuple)):
        return type(tree)(_take(t, axis) for t in tree)
    return {k: _take(v, axis) for k, v in tree.items()}


# -- Jacobians -----------------------------------------------------------------------------------
def _jacobian(func, argnums, has_aux, mode: str):
    op = "jacrev" if mode == "rev" else "jacfwd"

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        nums = _argnums(argnums, len(args), op)
        for i in nums:
            if not isinstance(args[i], Tensor):
                raise TypeError(f"{op}: argument {i} must be a Tensor, got {type(args[i]).__name__}")
        device = _device_of(*(args[i] for i in nums))
        aux = _Aux()

        def f_arr(*xs):
            full = list(args)
            for i, a in zip(nums, xs):
                full[i] = Tensor._make(a, device)
            with _traced():
                out, aux_tree = _split_aux(func(*full, **kwargs), has_aux, op)
            if not isinstance(out, Tensor):
                raise TypeError(f"{op}: the function must return a Tensor, got {type(out).__name__}")
            if has_aux:
                aux.put(aux_tree)
            return out._data

        xs = [args[i]._data for i in nums]
        with _traced():
            y = f_arr(*xs)
            aux_arrays = aux.put(aux.tree) if has_aux else []
            jacs = []
            for k, x in enumerate(xs):
                if mode == "rev":
                    basis = mx.reshape(mx.eye(max(y.size, 1), dtype=y.dtype), (y.size, *y.shape))

                    def row(ct, k=k):
                        return mx.vjp(lambda xk: f_arr(*xs[:k], xk, *xs[k + 1:]), [xs[k]], [ct])[1][0]

                    j = mx.vmap(row)(basis)  # (y.size, *x.shape)
                    jacs.append(mx.reshape(j, (*y.shape, *x.shape)))
                else:
                    basis = mx.reshape(mx.eye(max(x.size, 1), dtype=x.dtype), (x.size, *x.shape))

                    def col(t, k=k):
                        return mx.jvp(lambda xk: f_arr(*xs[:k], xk, *xs[k + 1:]), [xs[k]], [t])[1][0]

                    j = mx.vmap(col)(basis)  # (x.size, *y.shape)
                    j = mx.reshape(j, (x.size, y.size)).T
                    jacs.append(mx.reshape(j, (*y.shape, *x.shape)))
        out = [Tensor._make(j, device) for j in jacs]
        result = out[0] if isinstance(argnums, numbers.Integral) else tuple(out)
        if has_aux:
            return result, aux.get(aux_arrays, device)
        return result

    return wrapper


def jacrev(func, argnums=0, *, has_aux: bool = False):
    """The Jacobian of ``func`` with respect to ``argnums``, by reverse mode (one vjp per output element, vmapped).

    The result has shape ``output.shape + input.shape`` (a tuple of them for a
    tuple ``argnums``). ``func`` returns one Tensor.

    Examples:
        >>> import lucid
        >>> from lucid.func import jacrev
        >>> jacrev(lambda x: x * x)(lucid.tensor([1.0, 2.0])).tolist()
        [[2.0, 0.0], [0.0, 4.0]]
    """
    return _jacobian(func, argnums, has_aux, "rev")


def jacfwd(func, argnums=0, *, has_aux: bool = False, randomness: str = "error"):
    """The Jacobian of ``func`` with respect to ``argnums``, by forward mode (one jvp per input element, vmapped).

    Same result as :func:`jacrev`; cheaper when inputs are fewer than outputs.

    Examples:
        >>> import lucid
        >>> from lucid.func import jacfwd
        >>> jacfwd(lambda x: x.sum() * x)(lucid.tensor([1.0, 2.0])).tolist()
        [[4.0, 1.0], [2.0, 5.0]]
    """
    return _jacobian(func, argnums, has_aux, "fwd")


def hessian(func, argnums=0):
    """The Hessian of a scalar ``func``: ``jacfwd(jacrev(func))``, shape ``input.shape * 2``.

    Examples:
        >>> import lucid
        >>> from lucid.func import hessian
        >>> hessian(lambda x: (x ** 3).sum())(lucid.tensor([1.0, 2.0])).tolist()
        [[6.0, 0.0], [0.0, 12.0]]
    """
    return jacfwd(jacrev(func, argnums), argnums)


# -- functional_call --------------------------------------------------------------------------------
def functional_call(module, parameter_and_buffer_dicts, args=None, kwargs=None, *, tie_weights: bool = True,
                    strict: bool = False):
    """Call ``module(*args, **kwargs)`` with its parameters and buffers replaced, by name, by the given tensors.

    The replacement is temporary: the module's own parameters are put back
    afterwards, also when the call raises. Names are those of
    ``named_parameters()`` / ``named_buffers()`` (``"0.weight"``). Parameters
    shared under several names (tied weights) are all replaced. For a module
    parametrized with ``lucid.nn.utils.parametrize``, the stored tensors are
    named ``"parametrizations.weight.original"``; giving ``"weight"`` itself
    replaces the parametrization's output for the call.

    Args:
        module: a ``lucid.nn.Module``.
        parameter_and_buffer_dicts: a dict name -> Tensor, or a tuple of such dicts.
        args: a single argument, a tuple of positional arguments, or ``None`` (none).
        kwargs: keyword arguments for the call.
        tie_weights: replace every name of a tied parameter (always done).
        strict: every parameter and buffer must be given.

    Raises:
        ValueError: an unknown name, a name given twice, or (``strict``) a missing one.
        TypeError: a value is not a Tensor.

    Examples:
        >>> import lucid
        >>> from lucid.func import functional_call
        >>> lin = lucid.nn.Linear(2, 1, bias=False)
        >>> functional_call(lin, {"weight": lucid.tensor([[1.0, 2.0]])}, (lucid.tensor([3.0, 4.0]),)).tolist()
        [11.0]
    """
    dicts = parameter_and_buffer_dicts
    dicts = (dicts,) if isinstance(dicts, dict) else tuple(dicts)
    given: dict = {}
    for d in dicts:
        if not isinstance(d, dict):
            raise TypeError(f"functional_call: expected dicts of name -> Tensor, got {type(d).__name__}")
        for k, v in d.items():
            if k in given:
                raise ValueError(f"functional_call: {k!r} appears in more than one dict")
            if not isinstance(v, Tensor):
                raise TypeError(f"functional_call: {k!r} must be a Tensor, got {type(v).__name__}")
            given[k] = v
    slots = {}  # name -> (owner module, store, key)
    for mod_name, mod in module.named_modules(remove_duplicate=False):
        for store in ("_parameters", "_buffers"):
            for key, val in mod.__dict__[store].items():
                if val is not None:
                    slots.setdefault(f"{mod_name}.{key}" if mod_name else key, (mod, store, key))
    # A parametrized tensor (lucid.nn.utils.parametrize) given by its own name ("weight") replaces
    # the parametrization's output for the call, as in PyTorch.
    overrides = {}
    for mod_name, mod in module.named_modules(remove_duplicate=False):
        plists = mod.__dict__["_modules"].get("parametrizations")
        if plists is not None and hasattr(type(mod), "_original_class"):
            for key in plists._modules:
                name = f"{mod_name}.{key}" if mod_name else key
                if name in given:
                    overrides[name] = (mod, key, given.pop(name))
    unknown = sorted(set(given) - set(slots))
    if unknown:
        raise ValueError(f"functional_call: unknown parameter or buffer names {unknown}")
    if strict:
        missing = sorted(set(slots) - set(given))
        if missing:
            raise ValueError(f"functional_call(strict=True): missing {missing}")
    by_id = {id(_slot_value(slots[name])): t for name, t in given.items()}
    swapped = []
    overridden = []
    try:
        for mod, key, tensor in overrides.values():
            table = mod.__dict__.setdefault("_parametrization_overrides", {})
            overridden.append((table, key, table.get(key)))
            table[key] = tensor
        for mod, store, key in slots.values():
            d = mod.__dict__[store]
            new = by_id.get(id(d[key]))
            if new is not None:
                swapped.append((d, key, d[key]))
        for d, key, old in swapped:
            d[key] = by_id[id(old)]
        if args is None:
            args = ()
        elif not isinstance(args, tuple):
            args = (args,)
        return module(*args, **(kwargs or {}))
    finally:
        for d, key, old in swapped:
            d[key] = old
        for table, key, old in reversed(overridden):
            if old is None:
                table.pop(key, None)
            else:
                table[key] = old


def _slot_value(slot):
    mod, store, key = slot
    return mod.__dict__[store][key]
