"""Index arrays made safe for MLX: clamped into range, with a lazy out-of-range check.

MLX does not check the indices of ``take``, ``take_along_axis``, advanced
indexing or scatters: an index outside the array reads unrelated memory or
crashes the process. Every op that takes indices from a tensor passes them
through :func:`safe_index` (or :func:`scatter_mask` for scatters) before they
reach MLX.

The contract of :func:`safe_index`, for ops that add index arguments:

- it takes the raw integer index array, the size ``n`` of the indexed dim,
  whether PyTorch accepts negative indices for that op, and the op's name;
- it returns an index array of the same shape whose values all lie in
  ``[0, n - 1]``: negatives are wrapped (``i + n``) when allowed, and every
  value still out of range is clamped, so MLX never reads or writes outside
  the tensor whatever the values are;
- when index checks are on (:func:`lucid.set_index_checks`, the default) it
  records a lazy check (:func:`lucid._backend.checks.defer`): the next sync
  point raises :class:`~lucid._backend.checks.IndexOutOfRange` (an
  ``IndexError`` and a ``RuntimeError``) naming the op, the range the indices
  span, the valid range and the size;
- it never evaluates anything and never branches on values;
- an empty index array needs no check; a non-empty one into a dim of size 0
  raises ``IndexError`` at once (the shapes alone show that it is out of range);
- the class-index losses replace ``ignore_index`` targets by ``0`` before the
  call, so ignored targets are neither checked nor gathered.

Indices known on the host (ints, lists, NumPy arrays) are not passed here:
the ops check them at once, before anything is recorded.
"""

from __future__ import annotations

import mlx.core as mx

from lucid._backend import checks, reductions, trace

__all__ = ["safe_index", "check_index", "scatter_mask", "out_of_range"]

# Index dtypes that can hold -n .. n - 1 for any realistic size; the narrow ones
# are widened first, so that clamping to the bounds cannot overflow.
_WIDE = {mx.int32: mx.int32, mx.int64: mx.int64, mx.int8: mx.int32, mx.int16: mx.int32, mx.uint8: mx.int32,
         mx.uint16: mx.int32, mx.uint32: mx.int64, mx.uint64: mx.int64}

_UNSIGNED = {mx.int32: mx.uint32, mx.int64: mx.uint64}


def out_of_range(op: str, lo: int, hi: int, n: int, negative: bool, dim, noun: str = "index") -> checks.IndexOutOfRange:
    """The error for indices spanning ``[lo, hi]`` into a dim of size ``n`` (built at the sync point)."""
    valid = f"[{-n}, {n - 1}]" if negative else f"[0, {n - 1}]"
    where = f"size {n}" if dim is None else f"dim {dim} with size {n}"
    first = hi if hi >= n else lo
    return checks.IndexOutOfRange(f"{op}: {noun} {first} is out of bounds for {where}: {noun} values span "
                                  f"[{lo}, {hi}], the valid range is {valid}")


def _widen(idx: mx.array) -> mx.array:
    wide = _WIDE.get(idx.dtype)
    if wide is None:
        raise TypeError(f"indices must be integers, got {idx.dtype}")
    return idx if wide == idx.dtype else idx.astype(wide)


def safe_index(idx: mx.array, n: int, op: str, *, negative: bool = False, dim: int | None = None,
               noun: str = "index") -> mx.array:
    """``idx`` with every value inside ``[0, n - 1]``; a lazy check reports values outside the valid range.

    Args:
        idx: integer index array (lazy; any shape).
        n: the size of the indexed dim.
        op: the op's name, for the error message.
        negative: whether ``-n <= i < 0`` is valid (counting from the end, then
            wrapped to ``i + n``); if not, negatives are out of range.
        dim: the indexed dim, for the error message (``None``: not named).
        noun: what the indices are called in the message (``"index"``, ``"target"``).

    Returns:
        mx.array: int32 or int64 (narrow integer dtypes are widened), same shape.

    Raises:
        IndexError: at once if ``n == 0`` and ``idx`` is not empty; otherwise
            :class:`~lucid._backend.checks.IndexOutOfRange` at the next sync point.

    Examples:
        >>> import mlx.core as mx
        >>> import lucid
        >>> from lucid.ops._index_guard import safe_index
        >>> safe_index(mx.array([-1, 0, 9]), 3, "demo", negative=True).tolist()
        [2, 0, 2]
        >>> try:
        ...     lucid.eval()
        ... except IndexError as err:
        ...     print(err)
        demo: index 9 is out of bounds for size 3: index values span [-1, 9], the valid range is [-3, 2]
    """
    idx = _widen(idx)
    if idx.size == 0:
        return idx
    _refuse_empty_dim(idx, n, op, dim, noun)
    if idx.size >= FUSE_MIN_SIZE:
        safe, wrapped = _FUSED[negative](idx, mx.array(n, dtype=idx.dtype))
    else:
        safe, wrapped = _clamp(idx, n, negative)
    if checks.index_checks_enabled():
        # Seen as unsigned (same bits, no copy), every negative is larger than any valid index,
        # so one ``max`` tells whether a value was out of range at either end.
        _defer(mx.max(mx.view(wrapped, _UNSIGNED[wrapped.dtype])) >= n, idx, n, op, negative, dim, noun)
    return safe


def _clamp(idx, n, negative: bool):
    """``(safe, wrapped)``: the indices wrapped (if ``negative``) and clamped into ``[0, n - 1]``."""
    # Wrapping adds n only to negatives, so it cannot overflow.
    wrapped = mx.where(idx < 0, idx + n, idx) if negative else idx
    return mx.clip(wrapped, 0, n - 1), wrapped


#: From this many indices on, the wrap and clamp run as one ``mx.compile``-fused pass (``n`` is a
#: 0-d array, so a new size does not compile anew; each new shape and dtype is traced once).
FUSE_MIN_SIZE = 1 << 14
_FUSED = {neg: mx.compile(lambda idx, n, neg=neg: _clamp(idx, n, neg)) for neg in (False, True)}


def check_index(idx: mx.array, n: int, op: str, *, negative: bool = False, dim: int | None = None,
                noun: str = "index") -> mx.array:
    """Only the check of :func:`safe_index`, for ops that never hand ``idx`` to MLX's gathers (``one_hot``).

    Returns ``idx`` widened (see :func:`safe_index`), not clamped; raises at
    once for a non-empty ``idx`` into a dim of size 0.
    """
    idx = _widen(idx)
    if idx.size == 0:
        return idx
    _refuse_empty_dim(idx, n, op, dim, noun)
    if checks.index_checks_enabled():
        _defer(mx.logical_not(reductions.all(scatter_mask(idx, n, negative))), idx, n, op, negative, dim, noun)
    return idx


def _refuse_empty_dim(idx, n, op, dim, noun) -> None:
    if n == 0:
        where = "" if dim is None else f" {dim}"
        raise checks.IndexOutOfRange(f"{op}: cannot index an empty dim{where} of size 0 with "
                                     f"{idx.size} {noun} value(s)")


def _defer(bad: mx.array, idx: mx.array, n: int, op: str, negative: bool, dim, noun: str) -> None:
    if trace.active():
        # Inside lucid.compile the indices are placeholders that die with the trace: the range
        # they span travels out as details (outputs of the compiled function) instead.
        checks.defer(bad, lambda lo, hi: out_of_range(op, lo, hi, n, negative, dim, noun), mx.min(idx), mx.max(idx))
        return

    def make_error():
        # Only on failure, at the sync point that raises: the range the indices span, for the message.
        lo, hi = mx.min(idx), mx.max(idx)
        mx.eval(lo, hi)
        return out_of_range(op, lo.item(), hi.item(), n, negative, dim, noun)

    checks.defer(bad, make_error)


def scatter_mask(idx: mx.array, n: int, negative: bool = False) -> mx.array:
    """Where ``idx`` (the raw indices, before :func:`safe_index`) is inside the valid range.

    Scatters use it to neutralise the updates of clamped indices (add 0,
    multiply by 1), so that a bad index never changes a valid slot.
    """
    idx = _widen(idx)
    return (idx >= (-n if negative else 0)) & (idx < n)
