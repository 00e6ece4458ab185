"""Data-parallel training on MLX's distributed engine (``mx.distributed``).

Lucid writes no transport of its own: the process group is MLX's global group
(the ``ring`` backend over TCP, ``mpi``, or ``nccl`` on CUDA), and processes are
started by MLX's launcher through ``python -m lucid.distributed.run``. A script
run on its own, without a launcher, is a world of size 1, so the same script
works alone and on several processes.

The collectives take Lucid Tensors and work in place like PyTorch's, and,
like PyTorch's (without ``async_op``), they are done when they return: each
is a sync point. Before each one, the ranks exchange a tiny signature (shape
and dtype) so that a mismatch raises a clear ``ValueError`` on every rank
instead of hanging or returning garbage. ``DistributedDataParallel``'s
gradient averaging is the lazy exception: its collectives run in the
optimizer's batched evaluation. All collectives of a process are chained in
the order they were issued, so ranks that evaluate at different moments still
run them in the same order.

Examples:
    >>> import lucid
    >>> import lucid.distributed as dist
    >>> dist.init_process_group()
    >>> dist.get_rank(), dist.get_world_size()
    (0, 1)
    >>> t = lucid.tensor([1.0, 2.0])
    >>> dist.all_reduce(t, op="sum"); t.tolist()
    [1.0, 2.0]
"""

from __future__ import annotations

import os

import mlx.core as mx
import numpy as np

from lucid._backend import trace
from lucid._backend.evaluation import eval_arrays
from lucid._tensor import Tensor

__all__ = [
    "init_process_group", "is_initialized", "is_available", "destroy_process_group", "get_rank",
    "get_world_size", "get_backend", "barrier", "ReduceOp", "all_reduce", "all_gather",
    "all_gather_into_tensor", "broadcast", "reduce_scatter", "send", "recv", "save", "load",
]

_BACKENDS = ("ring", "mpi", "nccl", "jaccl")


class ReduceOp:
    """Names of the reductions of ``all_reduce`` (plain strings work too).

    Examples:
        >>> import lucid.distributed as dist
        >>> dist.ReduceOp.SUM, dist.ReduceOp.AVG
        ('sum', 'mean')
    """

    SUM = "sum"
    AVG = "mean"
    MAX = "max"
    MIN = "min"


class _State:
    group = None
    backend: str | None = None


def is_available() -> bool:
    """Whether MLX was built with a distributed backend.

    Examples:
        >>> import lucid.distributed as dist
        >>> dist.is_available()
        True
    """
    return bool(mx.distributed.is_available())


def _launched() -> bool:
    """Whether a launcher started this process as one rank of several."""
    hostfile = os.environ.get("MLX_HOSTFILE")
    if hostfile and os.path.isfile(hostfile) and os.path.getsize(hostfile) > 1:
        return True  # mlx.launch writes an empty hostfile for a one-process run
    return any(int(os.environ.get(k, "1") or "1") > 1 for k in ("OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "MLX_WORLD_SIZE"))


def init_process_group(backend: str | None = None) -> None:
    """Join the process group of this job (MLX's global group).

    Args:
        backend: ``"ring"`` (TCP, the default when launched by
            ``lucid.distributed.run`` without ``--backend``), ``"mpi"``, ``"nccl"``
            (CUDA) or ``"jaccl"``; ``None`` picks what the launcher set up.
            Without a launcher the process is a world of size 1 whatever the
            backend, so a script runs alone unchanged.

    Raises:
        ValueError: ``backend`` is not one of MLX's backends.
        RuntimeError: the launcher set up a job but MLX could not join it.

    Examples:
        >>> import lucid.distributed as dist
        >>> dist.init_process_group(); dist.is_initialized()
        True
    """
    if backend is not None and backend not in _BACKENDS:
        raise ValueError(f"unknown backend {backend!r}; expected one of {', '.join(_BACKENDS)} or None")
    if _State.group is not None:
        return
    if not _launched():
        # A single process: MLX's singleton group (no transport is opened). A one-process
        # launch leaves an empty hostfile in MLX_HOSTFILE, which MLX's ring would fail to parse.
        saved = {k: os.environ.pop(k) for k in ("MLX_HOSTFILE", "MLX_RANK") if k in os.environ}
        try:
            _State.group = mx.distributed.init(strict=False, backend="ring" if backend is None else backend)
        finally:
            os.environ.update(saved)
        _State.backend = backend or "ring"
        return
    if backend is None:
        backend = os.environ.get("LUCID_BACKEND") or ("mpi" if os.environ.get("OMPI_COMM_WORLD_SIZE") else
                                                       "nccl" if os.environ.get("NCCL_HOST_IP") else "ring")
    try:
        _State.group = mx.distributed.init(strict=True, backend=backend)
    except RuntimeError as e:
        raise RuntimeError(f"could not join the {backend!r} process group set up by the launcher: {e}") from e
    _State.backend = backend


def is_initialized() -> bool:
    """Whether ``init_process_group`` has been called (and not undone).

    Examples:
        >>> import lucid.distributed as dist
        >>> dist.init_process_group(); dist.is_initialized()
        True
    """
    return _State.group is not None


def destroy_process_group() -> None:
    """Forget the process group (MLX keeps its connections until the process exits).

    Examples:
        >>> import lucid.distributed as dist
        >>> dist.destroy_process_group(); dist.is_initialized()
        False
        >>> dist.init_process_group()
    """
    _State.group = None
    _State.backend = None


def _group(what: str):
    if _State.group is None:
        raise RuntimeError(
            f"{what} needs a process group: call lucid.distributed.init_process_group() first "
            "(a script run without a launcher is a world of size 1)"
        )
    return _State.group


def get_rank() -> int:
    """This process's rank, ``0 <= rank < world size``.

    Examples:
        >>> import lucid.distributed as dist
        >>> dist.init_process_group(); dist.get_rank()
        0
    """
    return _group("get_rank").rank()


def get_world_size() -> int:
    """The number of processes in the job.

    Examples:
        >>> import lucid.distributed as dist
        >>> dist.init_process_group(); dist.get_world_size()
        1
    """
    return _group("get_world_size").size()


def get_backend() -> str:
    """The backend's name (``"ring"``, ``"mpi"``, ``"nccl"``...).

    Examples:
        >>> import lucid.distributed as dist
        >>> dist.init_process_group(); dist.get_backend()
        'ring'
    """
    _group("get_backend")
    return _State.backend


# Every collective this process issues, lazy (DDP's buckets) or eager, depends on the one
# issued before it. MLX runs a collective when its output is evaluated, and the ranks
# evaluate at different moments (rank 0 may read a value the others never read); the chain
# makes every evaluation run all earlier collectives first, in the order they were issued,
# which is the same order on every rank. Without it two ranks can sit in different
# collectives and deadlock.
_last: list = [None]


def _issue(op, x: mx.array, *args, **kwargs) -> mx.array:
    """``op(x, *args, **kwargs)`` for an ``mx.distributed`` collective, ordered after all earlier ones."""
    if trace.active():
        # Inside lucid.compile the arrays are placeholders: the compiled graph orders its own
        # collectives (the same graph on every rank), and no placeholder may leak into the chain.
        return op(x, *args, **kwargs)
    if _last[0] is not None:
        x = mx.depends(x, _last[0])
    out = op(x, *args, **kwargs)
    _last[0] = out
    return out


def barrier() -> None:
    """Wait until every rank reaches this point (and evaluate what is pending).

    Examples:
        >>> import lucid.distributed as dist
        >>> dist.init_process_group(); dist.barrier()
    """
    g = _group("barrier")
    eval_arrays([_issue(mx.distributed.all_sum, mx.zeros((1,), mx.int32), group=g)])


# -- signatures: a cheap check that every rank passes the same shape and dtype --------------
_MAX_DIMS = 8
_DTYPES = [mx.bool_, mx.uint8, mx.uint16, mx.uint32, mx.uint64, mx.int8, mx.int16, mx.int32, mx.int64,
           mx.float16, mx.bfloat16, mx.float32, mx.float64, mx.complex64]


def _signature(shapes_dtypes: list) -> np.ndarray:
    rows = []
    for shape, dtype in shapes_dtypes:
        if len(shape) > _MAX_DIMS:
            raise ValueError(f"collectives support at most {_MAX_DIMS} dimensions, got shape {tuple(shape)}")
        rows.append([_DTYPES.index(dtype), len(shape), *shape, *([-1] * (_MAX_DIMS - len(shape)))])
    return np.asarray(rows, dtype=np.int64).reshape(-1)


def _describe(sig: np.ndarray) -> list:
    out = []
    for row in sig.reshape(-1, _MAX_DIMS + 2):
        dtype = str(_DTYPES[int(row[0])]).removeprefix("mlx.core.")
        out.append(f"shape {tuple(int(v) for v in row[2:2 + int(row[1])])} {dtype}")
    return out


def _check_same(what: str, shapes_dtypes: list, group=None) -> None:
    """Raise ``ValueError`` on every rank unless all ranks pass equal shapes and dtypes (one tiny all-gather)."""
    g = group if group is not None else _group(what)
    if g.size() == 1:
        return
    mine = _signature(shapes_dtypes)
    # The lengths first, so that ranks with different numbers of tensors do not mismatch the gather itself.
    lengths = np.asarray(_issue(mx.distributed.all_gather, mx.array([mine.size], mx.int64), group=g))
    if (lengths != lengths[0]).any():
        raise ValueError(f"{what}: the ranks passed different numbers of tensors ({lengths.tolist()} signature values)")
    every = np.asarray(_issue(mx.distributed.all_gather, mx.array(mine), group=g)).reshape(g.size(), -1)
    bad = [r for r in range(g.size()) if not np.array_equal(every[r], every[0])]
    if bad:
        lines = [f"rank {r}: {', '.join(_describe(every[r]))}" for r in range(g.size())]
        raise ValueError(
            f"{what}: the ranks disagree on shapes or dtypes (each rank must pass the same): " + "; ".join(lines)
        )


def _check_tensor(t, what: str, name: str = "tensor") -> Tensor:
    if not isinstance(t, Tensor):
        raise TypeError(f"{what}: {name} must be a lucid Tensor, got {type(t).__name__}")
    return t


def _assign(t: Tensor, arr: mx.array) -> None:
    t._data = arr
    t._version += 1


# -- collectives ------------------------------------------------------------------------------
_OPS = ("sum", "mean", "max", "min")


def all_reduce(tensor: Tensor, op: str = "sum") -> None:
    """Reduce ``tensor`` across all ranks, in place: every rank ends with the result.

    Args:
        tensor: the same shape and dtype on every rank.
        op: ``"sum"``, ``"mean"`` (floating dtypes), ``"max"`` or ``"min"``
            (or a ``ReduceOp`` constant).

    Raises:
        RuntimeError: no process group.
        TypeError: ``tensor`` is not a Tensor, or ``"mean"`` of an integer tensor.
        ValueError: unknown ``op``; ranks disagree on shape or dtype.

    Examples:
        >>> import lucid, lucid.distributed as dist
        >>> dist.init_process_group()
        >>> t = lucid.tensor([1.0, 5.0]); dist.all_reduce(t, op="max"); t.tolist()
        [1.0, 5.0]
    """
    _check_tensor(tensor, "all_reduce")
    if op not in _OPS:
        raise ValueError(f"all_reduce: unknown op {op!r}; expected one of {', '.join(_OPS)}")
    x = tensor._data
    if op == "mean" and not mx.issubdtype(x.dtype, mx.inexact):
        raise TypeError(f"all_reduce: op='mean' needs a floating tensor, got {x.dtype}")
    g = _group("all_reduce")
    _check_same("all_reduce", [(x.shape, x.dtype)], g)
    if op in ("sum", "mean"):
        out = _issue(mx.distributed.all_sum, x, group=g)
        if op == "mean":
            out = out / mx.array(g.size(), x.dtype)
    elif op == "max":
        out = _issue(mx.distributed.all_max, x, group=g)
    else:
        out = _issue(mx.distributed.all_min, x, group=g)
    eval_arrays([out])
    _assign(tensor, out)


def _gathered(x: mx.array, g) -> mx.array:
    """All ranks' ``x`` stacked on a new leading axis: shape ``(world, *x.shape)``."""
    flat = _issue(mx.distributed.all_gather, x.reshape(1, -1), group=g)
    eval_arrays([flat])
    return flat.reshape(g.size(), *x.shape)


def all_gather(tensor_list: list, tensor: Tensor) -> None:
    """Gather every rank's ``tensor`` into ``tensor_list`` (``tensor_list[r]`` gets rank ``r``'s).

    Args:
        tensor_list: a list of ``world size`` Tensors; their contents are replaced.
        tensor: the same shape and dtype on every rank.

    Examples:
        >>> import lucid, lucid.distributed as dist
        >>> dist.init_process_group()
        >>> out = [lucid.zeros(2)]; dist.all_gather(out, lucid.tensor([3.0, 4.0])); out[0].tolist()
        [3.0, 4.0]
    """
    _check_tensor(tensor, "all_gather")
    g = _group("all_gather")
    if not isinstance(tensor_list, list) or len(tensor_list) != g.size():
        got = f"a list of {len(tensor_list)}" if isinstance(tensor_list, list) else type(tensor_list).__name__
        raise ValueError(f"all_gather: tensor_list must be a list of {g.size()} Tensors (one per rank), got {got}")
    for i, t in enumerate(tensor_list):
        _check_tensor(t, "all_gather", f"tensor_list[{i}]")
    x = tensor._data
    _check_same("all_gather", [(x.shape, x.dtype)], g)
    every = _gathered(x, g)
    for r, t in enumerate(tensor_list):
        _assign(t, every[r])


def all_gather_into_tensor(output: Tensor, input: Tensor) -> None:
    """Concatenate every rank's ``input`` along dimension 0 into ``output``, in place.

    Examples:
        >>> import lucid, lucid.distributed as dist
        >>> dist.init_process_group()
        >>> out = lucid.zeros(2); dist.all_gather_into_tensor(out, lucid.tensor([1.0, 2.0])); out.tolist()
        [1.0, 2.0]
    """
    _check_tensor(output, "all_gather_into_tensor", "output")
    _check_tensor(input, "all_gather_into_tensor", "input")
    g = _group("all_gather_into_tensor")
    x = input._data if input.ndim else input._data.reshape(1)
    expected = (x.shape[0] * g.size(), *x.shape[1:])
    if tuple(output.shape) != expected:
        raise ValueError(f"all_gather_into_tensor: output has shape {tuple(output.shape)}, expected {expected}")
    _check_same("all_gather_into_tensor", [(x.shape, x.dtype)], g)
    out = _issue(mx.distributed.all_gather, x, group=g).astype(output._data.dtype)
    eval_arrays([out])
    _assign(output, out)


def _broadcast_array(x: mx.array, src: int, g) -> mx.array:
    # Every rank but ``src`` contributes zeros, so the sum is ``src``'s value.
    if g.size() == 1:
        return x
    if x.dtype == mx.bool_:
        return _broadcast_array(x.astype(mx.uint8), src, g).astype(mx.bool_)
    mine = x if g.rank() == src else mx.zeros_like(x)
    return _issue(mx.distributed.all_sum, mine, group=g)


def _check_src(src, g, what: str) -> int:
    if isinstance(src, bool) or not isinstance(src, int):
        raise TypeError(f"{what}: the rank must be an int, got {type(src).__name__}")
    if not 0 <= src < g.size():
        raise ValueError(f"{what}: rank {src} is out of range for a world of size {g.size()}")
    return src


def broadcast(tensor: Tensor, src: int = 0) -> None:
    """Copy rank ``src``'s ``tensor`` into ``tensor`` on every rank, in place.

    Examples:
        >>> import lucid, lucid.distributed as dist
        >>> dist.init_process_group()
        >>> t = lucid.tensor([7.0]); dist.broadcast(t, src=0); t.tolist()
        [7.0]
    """
    _check_tensor(tensor, "broadcast")
    g = _group("broadcast")
    _check_src(src, g, "broadcast")
    x = tensor._data
    _check_same("broadcast", [(x.shape, x.dtype)], g)
    out = _broadcast_array(x, src, g)
    eval_arrays([out])
    _assign(tensor, out)


def reduce_scatter(output: Tensor, input: Tensor, op: str = "sum") -> None:
    """Sum ``input`` across ranks and give rank ``r`` the ``r``-th slice along dimension 0, in place in ``output``.

    MLX's ``sum_scatter`` is used where the backend has it (NCCL); on the ring
    and MPI backends, which lack it, the sum is an ``all_sum`` followed by a
    slice (same result, ``world size`` times the traffic).

    Examples:
        >>> import lucid, lucid.distributed as dist
        >>> dist.init_process_group()
        >>> out = lucid.zeros(2); dist.reduce_scatter(out, lucid.tensor([1.0, 2.0])); out.tolist()
        [1.0, 2.0]
    """
    _check_tensor(output, "reduce_scatter", "output")
    _check_tensor(input, "reduce_scatter", "input")
    if op not in ("sum", "mean"):
        raise ValueError(f"reduce_scatter: op must be 'sum' or 'mean', got {op!r}")
    g = _group("reduce_scatter")
    x = input._data
    n = g.size()
    if x.ndim == 0 or x.shape[0] % n:
        raise ValueError(f"reduce_scatter: input's first dimension must be divisible by the world size {n}, "
                         f"got shape {tuple(x.shape)}")
    expected = (x.shape[0] // n, *x.shape[1:])
    if tuple(output.shape) != expected:
        raise ValueError(f"reduce_scatter: output has shape {tuple(output.shape)}, expected {expected}")
    _check_same("reduce_scatter", [(x.shape, x.dtype)], g)
    if _State.backend == "nccl":
        out = _issue(mx.distributed.sum_scatter, x, group=g)
    else:
        k = expected[0]
        out = _issue(mx.distributed.all_sum, x, group=g)[g.rank() * k:(g.rank() + 1) * k]
    if op == "mean":
        out = out / mx.array(n, out.dtype)
    out = out.astype(output._data.dtype)
    eval_arrays([out])
    _assign(output, out)


def _point_to_point(tensor: Tensor, peer: int, op: str, verb: str):
    """The checks of ``send``/``recv``: a Tensor, a group, a valid peer rank other than this one.

    Returns the group and the tensor's array.
    """
    _check_tensor(tensor, op)
    g = _group(op)
    _check_src(peer, g, op)
    if peer == g.rank():
        raise ValueError(f"{op}: rank {peer} cannot {verb} itself")
    return g, tensor._data


def send(tensor: Tensor, dst: int) -> None:
    """Send ``tensor`` to rank ``dst`` (blocks until it is received: a sync point).

    The receiver first checks that its buffer has the same shape and dtype and
    answers, so a mismatch raises ``ValueError`` on both sides.

    Examples:
        >>> import lucid, lucid.distributed as dist
        >>> dist.init_process_group()
        >>> dist.send(lucid.ones(2), dst=0)
        Traceback (most recent call last):
            ...
        ValueError: send: rank 0 cannot send to itself
    """
    g, x = _point_to_point(tensor, dst, "send", "send to")
    mx.eval(_issue(mx.distributed.send, mx.array(_signature([(x.shape, x.dtype)])), dst, group=g))
    ok = _issue(mx.distributed.recv_like, mx.zeros((1,), mx.int64), dst, group=g)
    if int(ok.item()) != 1:
        raise ValueError(f"send: rank {dst} expects a different shape or dtype than {tuple(x.shape)} {x.dtype}")
    mx.eval(_issue(mx.distributed.send, x, dst, group=g))


def recv(tensor: Tensor, src: int) -> None:
    """Receive into ``tensor``, in place, what rank ``src`` sends with ``send``.

    Examples:
        >>> import lucid, lucid.distributed as dist
        >>> dist.init_process_group()
        >>> dist.recv(lucid.zeros(2), src=0)
        Traceback (most recent call last):
            ...
        ValueError: recv: rank 0 cannot receive from itself
    """
    g, x = _point_to_point(tensor, src, "recv", "receive from")
    mine = _signature([(x.shape, x.dtype)])
    theirs = np.asarray(_issue(mx.distributed.recv_like, mx.zeros((mine.size,), mx.int64), src, group=g))
    same = np.array_equal(theirs, mine)
    mx.eval(_issue(mx.distributed.send, mx.array([1 if same else 0], mx.int64), src, group=g))
    if not same:
        raise ValueError(f"recv: rank {src} sends {', '.join(_describe(theirs))}, but the buffer here has "
                         f"{', '.join(_describe(mine))}")
    out = _issue(mx.distributed.recv_like, mx.zeros(x.shape, x.dtype), src, group=g)
    eval_arrays([out])
    _assign(tensor, out)


# -- checkpoints ------------------------------------------------------------------------------
def save(obj, path) -> None:
    """``lucid.save`` on rank 0 only; every rank waits until the file is written.

    Examples:
        >>> import lucid, lucid.distributed as dist, tempfile, os
        >>> dist.init_process_group()
        >>> path = os.path.join(tempfile.mkdtemp(), "ckpt.lucid")
        >>> dist.save({"w": lucid.ones(2)}, path); os.path.exists(path)
        True
    """
    from lucid.serialization import save as _save

    g = _group("distributed.save")
    if g.rank() == 0:
        _save(obj, path)
    barrier()


def load(path, src: int = 0, device=None):
    """Read a checkpoint on rank ``src`` and broadcast it: the other ranks need not see the file.

    The file's bytes go to every rank in one broadcast; each rank then decodes
    them with ``lucid.load``.

    Examples:
        >>> import lucid, lucid.distributed as dist, tempfile, os
        >>> dist.init_process_group()
        >>> path = os.path.join(tempfile.mkdtemp(), "ckpt.lucid")
        >>> dist.save({"w": lucid.ones(2)}, path); dist.load(path)["w"].tolist()
        [1.0, 1.0]
    """
    import tempfile

    from lucid.serialization import load as _load

    g = _group("distributed.load")
    _check_src(src, g, "distributed.load")
    if g.size() == 1:
        return _load(path, device=device)
    data = b""
    if g.rank() == src:
        with open(path, "rb") as f:
            data = f.read()
    size = _broadcast_array(mx.array([len(data)], mx.int64), src, g)
    n = int(size.item())
    payload = mx.array(np.frombuffer(data, np.uint8)) if g.rank() == src else mx.zeros((n,), mx.uint8)
    payload = np.asarray(_broadcast_array(payload, src, g)).tobytes()
    if g.rank() == src:
        return _load(path, device=device)
    fd, tmp = tempfile.mkstemp(suffix=".lucid")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(payload)
        return _load(tmp, device=device)
    finally:
        os.unlink(tmp)
