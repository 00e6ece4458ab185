"""One compiled kernel for a chain of elementwise ops on large float32 arrays: :func:`fused`.

Shared by ``lucid.ops`` and ``lucid.nn.functional`` (which re-exports it from
``_kernels``).

Examples:
    >>> import mlx.core as mx
    >>> from lucid._backend.fusion import fused
    >>> scale_shift = fused(lambda x, a, b: x * a + b)
    >>> scale_shift(mx.ones(3), mx.array(2.0), mx.array(1.0)).tolist()
    [3.0, 3.0, 3.0]
"""

from __future__ import annotations

import mlx.core as mx

__all__ = ["FUSE_MIN_SIZE", "fused"]

#: ``fused`` functions whose first argument has fewer elements run op by op: on small arrays
#: the per-op cost is dispatch, not memory traffic, and each distinct fused kernel costs a
#: one-off JIT compilation (about a second on the CPU backend). Read at call time, so a test
#: may lower it to run the compiled kernels on small inputs.
FUSE_MIN_SIZE = 1 << 14


def fused(fn):
    """``fn`` (a pure function of arrays) fused by ``mx.compile`` into one kernel for large float32 inputs.

    Chains of elementwise MLX ops each read and write whole arrays; compiled, a
    chain is one pass (on the CPU backend a JIT-compiled C++ loop, cached on
    disk after its first use, in MLX's temporary directory). The first argument
    decides: float32 with at least ``FUSE_MIN_SIZE`` elements runs the
    compiled function; anything else (float64, whose CPU results must stay
    exact, 16-bit floats, small arrays) runs ``fn`` op by op, with the same
    results up to rounding. Compiled calls are as lazy as plain ones; each new
    input shape is traced once. Numbers that vary between calls (``eps``,
    slopes) must be passed as 0-d arrays: a Python constant is compiled into the
    kernel, so each new value would compile anew. Without a C++ compiler MLX
    runs compiled functions unfused.
    """
    compiled = mx.compile(fn)

    def call(*arrays):
        a = arrays[0]
        if a.dtype == mx.float32 and a.size >= FUSE_MIN_SIZE:
            return compiled(*arrays)
        return fn(*arrays)

    call.__wrapped__ = fn
    call.__name__ = fn.__name__
    return call
