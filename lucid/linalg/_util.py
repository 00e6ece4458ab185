"""Helpers shared by ``lucid.linalg``: input checks, the CPU stream, half-precision handling."""

from __future__ import annotations

import functools

import mlx.core as mx

from lucid._backend.dtypes import HALF_MX, REAL_FLOATING_MX
from lucid._tensor import Tensor
from lucid.autograd.function import Function
from lucid.ops._util import to_tensor

__all__ = ["CPU", "on_cpu", "CpuFunction", "KernelFunction", "matrix_input", "bool_arg", "up", "down", "swap",
           "eye_mask"]

#: MLX's decompositions (inv, qr, svd, eigh, ...) have CPU kernels only; every forward and backward of
#: ``lucid.linalg`` runs on this stream, whatever the default device (memory is unified).
CPU = mx.cpu

def on_cpu(rule):
    """Run a forward or backward rule with every MLX op on the CPU stream (float64 and LAPACK live there)."""

    @functools.wraps(rule)
    def run(*args, **kwargs):
        with mx.stream(CPU):
            return rule(*args, **kwargs)

    return run


class CpuFunction(Function):
    """A ``lucid.linalg`` primitive whose rules (``forward``, ``backward``, ``jvp``) all run on the CPU stream.

    A subclass writes its rules as usual static methods; defining the class wraps each with :func:`on_cpu`.
    """

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        for name in ("forward", "backward", "jvp"):
            rule = cls.__dict__.get(name)
            if isinstance(rule, staticmethod):
                setattr(cls, name, staticmethod(on_cpu(rule.__func__)))


class KernelFunction(CpuFunction):
    """A :class:`CpuFunction` built on MLX's LAPACK kernels, which MLX cannot differentiate.

    Inside ``lucid.func`` transforms its own ``backward`` serves as MLX's vector-Jacobian product
    (``mlx_vjp = False``).
    """

    mlx_vjp = False


def matrix_input(A, op: str, square: bool = False) -> Tensor:
    """Check that ``A`` is a floating-point tensor of matrices (``(*, m, n)``; square if asked)."""
    A = to_tensor(A, f"linalg.{op}")
    if A._data.dtype not in REAL_FLOATING_MX:
        raise TypeError(f"linalg.{op}: expected a floating-point tensor, got {A.dtype}; convert it first, "
                        "e.g. A.float() or A.double()")
    if A.ndim < 2:
        raise ValueError(f"linalg.{op}: expected a matrix or a batch of matrices (at least 2 dimensions), "
                         f"got shape {A.shape}")
    if square and A.shape[-1] != A.shape[-2]:
        raise ValueError(f"linalg.{op}: expected square matrices, got shape {A.shape} "
                         f"({A.shape[-2]} x {A.shape[-1]})")
    return A


def bool_arg(value, name: str, op: str) -> bool:
    """Check that the flag ``name`` of ``linalg.{op}`` is a bool (PyTorch rejects ints and None there too)."""
    if not isinstance(value, bool):
        raise TypeError(f"linalg.{op}: {name} must be a bool, got {value!r}")
    return value


def up(a: mx.array) -> mx.array:
    """float16/bfloat16 to float32 (MLX's LAPACK kernels take float32 and float64 only)."""
    return a.astype(mx.float32) if a.dtype in HALF_MX else a


def down(x: mx.array, dtype) -> mx.array:
    return x.astype(dtype) if x.dtype != dtype else x


def swap(x: mx.array) -> mx.array:
    return mx.swapaxes(x, -1, -2)


def eye_mask(n: int) -> mx.array:
    return mx.eye(n, dtype=mx.bool_)
