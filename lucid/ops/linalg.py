"""Products: ``matmul`` (and ``@``), ``mm``, ``bmm``, ``mv``, ``dot``, ``inner``, ``outer``, ``tensordot``,
``einsum`` and ``trace``.

Decompositions, inverses and norms (``lucid.norm`` included) are in :mod:`lucid.linalg`, which
builds on this module; ``diagonal`` is a shape op (:mod:`lucid.ops.rearrange`).
"""

from __future__ import annotations

import functools
import numbers
import string

import mlx.core as mx

from lucid._backend import reductions
from lucid._backend.dtypes import FLOATING_MX
from lucid._tensor import Tensor
from lucid.autograd.function import Function
from lucid.ops._autocast import autocast_inputs
from lucid.ops._registry import export, register, register_method
from lucid.ops._util import operand, to_tensor, unbroadcast
from lucid.ops.arithmetic import multiply


def _swap(x: mx.array) -> mx.array:
    return mx.swapaxes(x, -1, -2)


# -- matmul --------------------------------------------------------------------
def _int_matmul(a: mx.array, b: mx.array) -> mx.array:
    # MLX multiplies floating-point matrices only; integers go through a broadcast product and a sum.
    a2 = a[None] if a.ndim == 1 else a
    b2 = b[:, None] if b.ndim == 1 else b
    out = reductions.sum(mx.expand_dims(a2, -1) * mx.expand_dims(b2, -3), axis=-2)
    if a.ndim == 1:
        out = mx.squeeze(out, -2)
    if b.ndim == 1:
        out = mx.squeeze(out, -1)
    return out


class Matmul(Function):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        if a.dtype in FLOATING_MX or b.dtype in FLOATING_MX:
            return mx.matmul(a, b)
        return _int_matmul(a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        na, nb = ctx.needs_input_grad
        ga = gb = None
        if g.dtype == mx.complex64:
            # PyTorch's convention for complex inputs: the gradients use the conjugates (g @ b^H, a^H @ g).
            a, b = mx.conj(a), mx.conj(b)
        if a.ndim == 1 and b.ndim == 1:  # (K) @ (K) -> ()
            return (g * b).astype(a.dtype) if na else None, (g * a).astype(b.dtype) if nb else None
        if a.ndim == 1:  # (K) @ (..., K, N) -> (..., N)
            if na:
                ga = unbroadcast(mx.squeeze(mx.matmul(mx.expand_dims(g, -2), _swap(b)), -2), a.shape, a.dtype)
            if nb:
                gb = unbroadcast(a[:, None] * mx.expand_dims(g, -2), b.shape, b.dtype)
            return ga, gb
        if b.ndim == 1:  # (..., M, K) @ (K) -> (..., M)
            if na:
                ga = unbroadcast(mx.expand_dims(g, -1) * b, a.shape, a.dtype)
            if nb:
                gb = unbroadcast(mx.squeeze(mx.matmul(_swap(a), mx.expand_dims(g, -1)), -1), b.shape, b.dtype)
            return ga, gb
        if na:
            ga = unbroadcast(mx.matmul(g, _swap(b)), a.shape, a.dtype)
        if nb:
            if b.ndim == 2 and a.ndim > 2:
                # A batched input times a matrix (a linear layer): fold the batch into the rows instead of
                # making a per-batch gradient and summing it.
                k = a.shape[-1]
                gb = mx.matmul(_swap(mx.reshape(a, (-1, k))), mx.reshape(g, (-1, g.shape[-1])))
                gb = gb.astype(b.dtype) if gb.dtype != b.dtype else gb
            else:
                gb = unbroadcast(mx.matmul(_swap(a), g), b.shape, b.dtype)
        return ga, gb


def _check_matmul(a: Tensor, b: Tensor, op: str) -> None:
    sa, sb = a.shape, b.shape
    if len(sa) == 0 or len(sb) == 0:
        raise ValueError(f"{op}: both arguments need at least 1 dimension, got shapes {sa} and {sb}; "
                         "use lucid.mul for a product with a scalar")
    ka = sa[-1]
    kb = sb[0] if len(sb) == 1 else sb[-2]
    if ka != kb:
        raise ValueError(f"{op}: shapes {sa} and {sb} cannot be multiplied: the last dimension of the first "
                         f"({ka}) must equal the {'only' if len(sb) == 1 else 'second-to-last'} dimension of "
                         f"the second ({kb})")
    ba, bb = sa[:-2], sb[:-2]
    for x, y in zip(reversed(ba), reversed(bb)):
        if x != y and x != 1 and y != 1:
            raise ValueError(f"{op}: shapes {sa} and {sb} cannot be multiplied: batch dimensions {ba} and {bb} "
                             "do not broadcast")


@register(method=True, operators=("__matmul__",))
def matmul(input: Tensor, other: Tensor) -> Tensor:
    """Matrix product with NumPy/PyTorch semantics (also ``input @ other``).

    * 1-D @ 1-D: the dot product (a 0-d tensor);
    * 2-D @ 2-D: the matrix product;
    * 1-D @ N-D: a 1 is prepended to the vector's shape and removed afterwards;
    * N-D @ 1-D: a 1 is appended to the vector's shape and removed afterwards;
    * batched: the leading (batch) dimensions broadcast; each input's gradient
      is summed back over the batch dimensions it was broadcast along.

    Args:
        input: a tensor with at least 1 dimension, shape ``(*, M, K)`` or ``(K,)``.
        other: a tensor with at least 1 dimension, shape ``(*, K, N)`` or ``(K,)``.

    Returns:
        Tensor: the product, shape ``(*, M, N)`` with the vector dimensions dropped.

    Raises:
        ValueError: a 0-d input, inner dimensions that differ, or batch dimensions that do not broadcast;
            the message names both shapes.

    Examples:
        >>> import lucid
        >>> a = lucid.tensor([[1.0, 2.0], [3.0, 4.0]])
        >>> (a @ lucid.tensor([1.0, 1.0])).tolist()
        [3.0, 7.0]
        >>> lucid.matmul(lucid.ones(5, 2, 3), lucid.ones(3, 4)).shape
        (5, 2, 4)
    """
    a, b = to_tensor(input, "matmul"), to_tensor(other, "matmul")
    _check_matmul(a, b, "matmul")
    return Matmul.apply(*autocast_inputs(a, b, low=True))


def _ndims(a: Tensor, b: Tensor, na: int, nb: int, op: str) -> None:
    if a.ndim != na or b.ndim != nb:
        raise ValueError(f"{op}: expected a {na}-D and a {nb}-D tensor, got shapes {a.shape} and {b.shape}")


def _ranked_matmul(input, other, na: int, nb: int, op: str) -> Tensor:
    """``mm``, ``bmm``, ``mv``, ``dot``: a matmul of inputs of exactly ``na`` and ``nb`` dims, no broadcasting."""
    a, b = to_tensor(input, op), to_tensor(other, op)
    _ndims(a, b, na, nb, op)
    if na == nb == 3 and a.shape[0] != b.shape[0]:
        raise ValueError(f"{op}: batch sizes differ: shapes {a.shape} and {b.shape}")
    _check_matmul(a, b, op)
    return Matmul.apply(*autocast_inputs(a, b, low=True))


@register(method=True)
def mm(input: Tensor, mat2: Tensor) -> Tensor:
    """Product of two matrices, ``(n, m) @ (m, p) -> (n, p)``; no broadcasting (see :func:`matmul`).

    Raises:
        ValueError: an input is not 2-D, or the inner sizes differ.

    Examples:
        >>> import lucid
        >>> lucid.mm(lucid.ones(2, 3), lucid.ones(3, 4)).shape
        (2, 4)
    """
    return _ranked_matmul(input, mat2, 2, 2, "mm")


@register(method=True)
def bmm(input: Tensor, mat2: Tensor) -> Tensor:
    """Batched matrix product, ``(b, n, m) @ (b, m, p) -> (b, n, p)``; no broadcasting.

    Raises:
        ValueError: an input is not 3-D, or the batch or inner sizes differ.

    Examples:
        >>> import lucid
        >>> lucid.bmm(lucid.ones(5, 2, 3), lucid.ones(5, 3, 4)).shape
        (5, 2, 4)
    """
    return _ranked_matmul(input, mat2, 3, 3, "bmm")


@register(method=True)
def mv(input: Tensor, vec: Tensor) -> Tensor:
    """Matrix-vector product, ``(n, m) @ (m,) -> (n,)``.

    Raises:
        ValueError: the ranks are not 2 and 1, or the sizes differ.

    Examples:
        >>> import lucid
        >>> lucid.mv(lucid.tensor([[1.0, 2.0], [3.0, 4.0]]), lucid.tensor([1.0, -1.0])).tolist()
        [-1.0, -1.0]
    """
    return _ranked_matmul(input, vec, 2, 1, "mv")


@register(method=True)
def dot(input: Tensor, other: Tensor) -> Tensor:
    """Dot product of two 1-D tensors of the same length (a 0-d tensor).

    Raises:
        ValueError: an input is not 1-D, or the lengths differ.

    Examples:
        >>> import lucid
        >>> lucid.dot(lucid.tensor([1.0, 2.0, 3.0]), lucid.tensor([4.0, 5.0, 6.0])).item()
        32.0
    """
    return _ranked_matmul(input, other, 1, 1, "dot")


@register(method=True)
def vdot(input: Tensor, other: Tensor) -> Tensor:
    """Dot product of two 1-D tensors (for real tensors the same as :func:`dot`).

    Examples:
        >>> import lucid
        >>> lucid.vdot(lucid.tensor([1.0, 2.0]), lucid.tensor([3.0, 4.0])).item()
        11.0
    """
    return _ranked_matmul(input, other, 1, 1, "vdot")


# -- einsum ------------------------------------------------------------------
@functools.lru_cache(maxsize=512)
def _parse_einsum(equation: str, shapes: tuple) -> tuple:
    """Explicit subscripts (ellipses expanded to letters), output subscripts and the size of each letter."""
    eq = equation.replace(" ", "")
    for c in eq:
        if not (c.isascii() and c.isalpha()) and c not in ",.->":
            raise ValueError(f"einsum: invalid character {c!r} in the equation {equation!r}; "
                             "subscripts are letters a-z, A-Z and '...'")
    if eq.count("->") > 1:
        raise ValueError(f"einsum: the equation {equation!r} has more than one '->'")
    lhs, out = eq.split("->") if "->" in eq else (eq, None)
    terms = lhs.split(",")
    if len(terms) != len(shapes):
        raise ValueError(f"einsum: the equation {equation!r} names {len(terms)} operand(s) but "
                         f"{len(shapes)} were given")
    free = [c for c in string.ascii_letters if c not in eq]
    ell_rank = 0
    for i, (t, s) in enumerate(zip(terms, shapes)):
        if "..." in t:
            n = len(s) - (len(t) - 3)
            if n < 0:
                raise ValueError(f"einsum: operand {i} has shape {s}, fewer dimensions than the subscripts {t!r}")
            ell_rank = n if n > ell_rank else ell_rank
    ell = "".join(free[:ell_rank])
    full = []
    for i, (t, s) in enumerate(zip(terms, shapes)):
        orig = t
        if "..." in t:
            t = t.replace("...", ell[ell_rank - (len(s) - (len(t) - 3)):], 1)
        if "." in t:
            raise ValueError(f"einsum: malformed ellipsis in {orig!r} (equation {equation!r})")
        if len(t) != len(s):
            raise ValueError(f"einsum: operand {i} has shape {s} ({len(s)} dimensions) but its subscripts "
                             f"{orig!r} name {len(t)}")
        full.append(t)
    sizes: dict = {}
    for i, (t, s) in enumerate(zip(full, shapes)):
        own: dict = {}
        for c, n in zip(t, s):
            if c in own and own[c] != n:
                raise ValueError(f"einsum: subscript {c!r} is repeated in operand {i} (shape {s}) with "
                                 f"different sizes {own[c]} and {n}")
            own[c] = n
            m = sizes.get(c)
            if m is None or m == 1:
                sizes[c] = n
            elif n != 1 and n != m:
                raise ValueError(f"einsum: subscript {c!r} has size {m} in one operand and {n} in operand {i} "
                                 f"(shapes {shapes})")
    if out is None:
        counts: dict = {}
        for t in terms:
            for c in t.replace("...", ""):
                counts[c] = counts.get(c, 0) + 1
        out = ell + "".join(sorted(c for c, k in counts.items() if k == 1))
    else:
        out = out.replace("...", ell, 1)
        if "." in out:
            raise ValueError(f"einsum: malformed ellipsis in the output of {equation!r}")
        for c in out:
            if c not in sizes:
                raise ValueError(f"einsum: output subscript {c!r} does not appear in the inputs of {equation!r}")
            if out.count(c) > 1:
                raise ValueError(f"einsum: output subscript {c!r} is repeated in {equation!r}")
    return tuple(full), out


def _einsum_grad(g, arrays, terms, out, k):
    """The gradient of operand ``k``: another einsum of the upstream gradient with the other operands."""
    term, a = terms[k], arrays[k]
    uniq = list(dict.fromkeys(term))
    avail = set(out)
    for j, t in enumerate(terms):
        if j != k:
            avail.update(t)
    glet = "".join(c for c in uniq if c in avail)
    others = [arrays[j] for j in range(len(arrays)) if j != k]
    sub = ",".join([out] + [terms[j] for j in range(len(terms)) if j != k]) + "->" + glet
    grad = mx.einsum(sub, g, *others)
    own = dict(zip(term, a.shape))
    # Letters only this operand has were summed away: their gradient is broadcast back.
    for pos, c in enumerate(uniq):
        if c not in avail:
            grad = mx.expand_dims(grad, pos)
    red = [pos for pos, c in enumerate(uniq) if c in avail and own[c] == 1 and grad.shape[pos] != 1]
    if red:  # this operand was broadcast along these letters
        grad = reductions.sum(grad, axis=red, keepdims=True)
    grad = mx.broadcast_to(grad, [own[c] for c in uniq])
    if len(uniq) < len(term):  # a repeated letter reads a diagonal: write the gradient back onto it
        first: dict = {}
        for pos, c in enumerate(term):
            if c in first:
                grad = mx.expand_dims(grad, pos)
            else:
                first[c] = pos
        for pos, c in enumerate(term):
            q = first[c]
            if q != pos:
                shape = [1] * len(term)
                shape[q] = shape[pos] = own[c]
                grad = grad * mx.reshape(mx.eye(own[c], dtype=grad.dtype), shape)
    return grad.astype(a.dtype) if grad.dtype != a.dtype else grad


class Einsum(Function):
    @staticmethod
    def forward(ctx, *arrays, spec):
        terms, out = spec
        ctx.spec = spec
        ctx.save_for_backward(*arrays)
        return mx.einsum(",".join(terms) + "->" + out, *arrays)

    @staticmethod
    def backward(ctx, g):
        arrays = ctx.saved_tensors
        terms, out = ctx.spec
        return tuple(_einsum_grad(g, arrays, terms, out, k) if need else None
                     for k, need in enumerate(ctx.needs_input_grad))


def _sublist_equation(args) -> tuple:
    """``einsum(a, [0, 1], b, [1, 2], [0, 2])`` (PyTorch's sublist form) to a string equation."""
    def letters(sub):
        out = []
        for i in sub:
            if i is Ellipsis:
                out.append("...")
            elif isinstance(i, numbers.Integral) and 0 <= i < 52:
                out.append(string.ascii_letters[i])
            else:
                raise ValueError(f"einsum: sublist subscripts must be ints in [0, 52) or ..., got {i!r}")
        return "".join(out)

    out = None
    if len(args) % 2:
        out, args = args[-1], args[:-1]
    ops, subs = list(args[0::2]), list(args[1::2])
    if not all(isinstance(s, (list, tuple)) for s in subs) or (out is not None and not isinstance(out, (list, tuple))):
        raise ValueError("einsum: the sublist form is einsum(op1, sublist1, op2, sublist2, ..., [out_sublist]) "
                         "with lists of ints as sublists")
    eq = ",".join(letters(s) for s in subs) + ("" if out is None else "->" + letters(out))
    return eq, ops


@register()
def einsum(equation, *operands) -> Tensor:
    """Einstein summation: products of ``operands`` summed over the subscripts missing from the output.

    Follows ``torch.einsum``/``numpy.einsum``: letters name dimensions; a
    letter repeated in one operand takes its diagonal; ``...`` stands for the
    broadcast batch dimensions; without ``->`` the output holds the letters
    used once, in alphabetical order. Size-1 dimensions broadcast. The
    operands may also be passed as one list, or in the sublist form
    ``einsum(a, [0, 1], b, [1, 2], [0, 2])``. The gradient of each operand is
    itself an einsum of the upstream gradient with the other operands.

    Args:
        equation: the subscripts, e.g. ``"bij,bjk->bik"``.
        *operands: the tensors, one per comma-separated term.

    Returns:
        Tensor: the result.

    Raises:
        ValueError: a malformed equation, the wrong number of operands, or sizes that do not match.

    Examples:
        >>> import lucid
        >>> a = lucid.tensor([[1.0, 2.0], [3.0, 4.0]])
        >>> lucid.einsum("ii->", a).item()
        5.0
        >>> lucid.einsum("ij,j->i", a, lucid.tensor([1.0, 1.0])).tolist()
        [3.0, 7.0]
    """
    if not isinstance(equation, str):
        equation, operands = _sublist_equation((equation,) + operands)
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    ops = [to_tensor(o, "einsum") for o in operands]
    spec = _parse_einsum(equation, tuple(o.shape for o in ops))
    return Einsum.apply(*autocast_inputs(*ops, None, low=True)[:-1], spec=spec)


def _letters(n: int, start: int = 0) -> str:
    if start + n > 52:
        raise NotImplementedError(f"tensor products of more than 52 dimensions in total are not supported "
                                  f"(got {start + n})")
    return string.ascii_letters[start:start + n]


@register()
def tensordot(a: Tensor, b: Tensor, dims=2) -> Tensor:
    """Sum the products of ``a`` and ``b`` over the given pairs of dimensions.

    Args:
        a: the first tensor.
        b: the second tensor.
        dims: an int ``d`` (contract the last ``d`` dimensions of ``a`` with the
            first ``d`` of ``b``), or a pair of sequences ``(dims_a, dims_b)``.

    Returns:
        Tensor: the free dimensions of ``a`` followed by those of ``b``.

    Raises:
        ValueError: contracted dimensions of different sizes, or bad ``dims``.

    Examples:
        >>> import lucid
        >>> lucid.tensordot(lucid.ones(2, 3, 4), lucid.ones(3, 4, 5), dims=2).shape
        (2, 5)
        >>> lucid.tensordot(lucid.ones(2, 3), lucid.ones(3, 2), dims=([0], [1])).shape
        (3, 3)
    """
    a, b = to_tensor(a, "tensordot"), to_tensor(b, "tensordot")
    if isinstance(dims, numbers.Integral) and not isinstance(dims, bool):
        d = int(dims)
        if d < 0 or d > a.ndim or d > b.ndim:
            raise ValueError(f"tensordot: dims={d} must be between 0 and the inputs' dimensions "
                             f"({a.ndim} and {b.ndim})")
        da, db = list(range(a.ndim - d, a.ndim)), list(range(d))
    elif isinstance(dims, (tuple, list)) and len(dims) == 2:
        da, db = ([x] if isinstance(x, numbers.Integral) else list(x) for x in dims)
        if len(da) != len(db):
            raise ValueError(f"tensordot: dims lists have different lengths: {dims}")
        for ax, t, name in [(x, a, "a") for x in da] + [(x, b, "b") for x in db]:
            if not -t.ndim <= ax < t.ndim:
                raise ValueError(f"tensordot: dimension {ax} is out of range for {name} of shape {t.shape}")
        da, db = [x % a.ndim for x in da], [x % b.ndim for x in db]
    else:
        raise TypeError(f"tensordot: dims must be an int or a pair of lists of dims, got {dims!r}")
    for x, y in zip(da, db):
        if a.shape[x] != b.shape[y]:
            raise ValueError(f"tensordot: dimension {x} of a (shape {a.shape}) and dimension {y} of b "
                             f"(shape {b.shape}) differ in size")
    la = _letters(a.ndim)
    lb = list(_letters(b.ndim, a.ndim))
    for x, y in zip(da, db):
        lb[y] = la[x]
    out = "".join(c for i, c in enumerate(la) if i not in da) + "".join(c for i, c in enumerate(lb) if i not in db)
    return Einsum.apply(a, b, spec=((la, "".join(lb)), out))


@register(method=True)
def inner(input: Tensor, other: Tensor) -> Tensor:
    """Inner product over the last dimension (a product when either input is 0-d).

    Args:
        input: shape ``(*a, k)`` or 0-d.
        other: shape ``(*b, k)`` or 0-d.

    Returns:
        Tensor: shape ``(*a, *b)``.

    Raises:
        ValueError: the last dimensions differ.

    Examples:
        >>> import lucid
        >>> lucid.inner(lucid.tensor([[1.0, 2.0], [3.0, 4.0]]), lucid.tensor([1.0, 1.0])).tolist()
        [3.0, 7.0]
    """
    a, b = to_tensor(input, "inner"), to_tensor(other, "inner")
    if a.ndim == 0 or b.ndim == 0:
        return multiply(a, b)
    if a.shape[-1] != b.shape[-1]:
        raise ValueError(f"inner: the last dimensions differ: shapes {a.shape} and {b.shape}")
    la, lb = _letters(a.ndim), _letters(b.ndim, a.ndim)
    lb = lb[:-1] + la[-1]
    return Einsum.apply(a, b, spec=((la, lb), la[:-1] + lb[:-1]))


@register(aliases=("ger",), method=True)
def outer(input: Tensor, vec2: Tensor) -> Tensor:
    """Outer product of two 1-D tensors: ``out[i, j] = input[i] * vec2[j]`` (``ger`` is an alias).

    Raises:
        ValueError: an input is not 1-D.

    Examples:
        >>> import lucid
        >>> lucid.outer(lucid.tensor([1.0, 2.0]), lucid.tensor([1.0, 10.0, 100.0])).tolist()
        [[1.0, 10.0, 100.0], [2.0, 20.0, 200.0]]
    """
    a, b = to_tensor(input, "outer"), to_tensor(vec2, "outer")
    _ndims(a, b, 1, 1, "outer")
    return Einsum.apply(a, b, spec=(("a", "b"), "ab"))


# -- trace --------------------------------------------------------------
class Trace(Function):
    @staticmethod
    def forward(ctx, a):
        ctx.meta = (a.shape, a.dtype)
        return mx.trace(a)

    @staticmethod
    def backward(ctx, g):
        (n, m), _ = ctx.meta
        return mx.eye(n, m, dtype=g.dtype) * g


@register(method=True)
def trace(input: Tensor) -> Tensor:
    """Sum of the main diagonal of a 2-D tensor (rectangular allowed); integers give int64.

    Raises:
        TypeError: a bool tensor (as in PyTorch).
        ValueError: the input is not 2-D.

    Examples:
        >>> import lucid
        >>> lucid.trace(lucid.tensor([[1.0, 2.0], [3.0, 4.0]])).item()
        5.0
    """
    input = to_tensor(input, "trace")
    if input._data.dtype == mx.bool_:
        raise TypeError("trace: not defined for bool tensors (as in PyTorch); convert with .long() first")
    if input.ndim != 2:
        raise ValueError(f"trace: expected a 2-D tensor, got shape {input.shape}; for batches use "
                         "lucid.diagonal(x, dim1=-2, dim2=-1).sum(-1)")
    if input._data.dtype not in FLOATING_MX and input._data.dtype != mx.int64:
        input = Tensor._make(input._data.astype(mx.int64), input._device)
    return Trace.apply(input)


def _rmatmul(self, other):
    return matmul(operand(other), self)


register_method("__rmatmul__", _rmatmul)

__all__ = export(__name__)
