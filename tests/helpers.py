"""The op-test harness: forward against NumPy, backward against finite differences.

Every op test goes through ``check_op`` (or a table of ``OpCase`` rows driven
by ``run_case``): seeded inputs, forward compared with a NumPy reference, and
the backward compared with central finite differences in float64 under a
fixed *random* upstream gradient (an all-ones gradient hides reduction and
broadcasting bugs).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

import lucid


def rand(*shape, seed=0, low=-1.0, high=1.0, dtype=np.float64) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.uniform(low, high, size=shape).astype(dtype)


def to_tensor(a, requires_grad=False, dtype=None):
    """A float64 CPU Tensor (or the dtype given) from a NumPy array or number."""
    if isinstance(a, lucid.Tensor) or not isinstance(a, np.ndarray):
        return a
    t = lucid.tensor(a, dtype=dtype, device="cpu")
    if requires_grad and t.dtype.is_floating_point:
        t.requires_grad_()
    return t


def check_forward(fn: Callable, ref: Callable, inputs: Sequence, kwargs=None, atol=1e-6, rtol=1e-5, dtype=None):
    kwargs = kwargs or {}
    tens = [to_tensor(a, dtype=dtype) for a in inputs]
    out = fn(*tens, **kwargs)
    expected = ref(*inputs, **kwargs) if ref is not None else None
    outs = out if isinstance(out, (tuple, list)) else (out,)
    exps = expected if isinstance(expected, (tuple, list)) else (expected,)
    if expected is not None:
        assert len(outs) == len(exps), f"{len(outs)} outputs, reference has {len(exps)}"
        for o, e in zip(outs, exps):
            e = np.asarray(e)
            got = o.numpy()
            assert got.shape == e.shape, f"shape {got.shape} != reference {e.shape}"
            np.testing.assert_allclose(got.astype(np.float64) if got.dtype != bool else got,
                                       e.astype(np.float64) if e.dtype != bool else e,
                                       atol=atol, rtol=rtol, equal_nan=True)
    return out


def check_grad(fn: Callable, inputs: Sequence, kwargs=None, eps=1e-6, atol=1e-6, rtol=1e-4, seed=1):
    """Backward of ``fn`` vs central differences, with a random upstream gradient, in float64."""
    kwargs = kwargs or {}
    tens = [to_tensor(a, requires_grad=True) if isinstance(a, np.ndarray) and a.dtype.kind == "f" else to_tensor(a)
            for a in inputs]
    assert lucid.autograd.gradcheck(lambda *xs: fn(*xs, **kwargs), tens, eps=eps, atol=atol, rtol=rtol, seed=seed)


def check_op(fn, ref, inputs, kwargs=None, grad=True, atol=1e-6, rtol=1e-5, grad_atol=1e-6, grad_rtol=1e-4,
             eps=1e-6):
    """Forward against ``ref`` and (if ``grad``) backward against finite differences."""
    check_forward(fn, ref, inputs, kwargs, atol=atol, rtol=rtol)
    if grad:
        check_grad(fn, inputs, kwargs, eps=eps, atol=grad_atol, rtol=grad_rtol)


@dataclass
class OpCase:
    """One row of an op table: an op, its NumPy reference and sample inputs.

    ``inputs`` are NumPy arrays (float64 ones are differentiated) or plain values.
    """

    name: str
    fn: Callable
    ref: Callable | None
    inputs: Sequence
    kwargs: dict = field(default_factory=dict)
    grad: bool = True
    atol: float = 1e-6
    rtol: float = 1e-5
    grad_atol: float = 1e-6
    grad_rtol: float = 1e-4
    eps: float = 1e-6

    def __str__(self):
        return self.name


def run_case(case: OpCase) -> None:
    check_op(case.fn, case.ref, case.inputs, case.kwargs, grad=case.grad, atol=case.atol, rtol=case.rtol,
             grad_atol=case.grad_atol, grad_rtol=case.grad_rtol, eps=case.eps)


def check_dtype_preserved(fn, dtypes=("float16", "bfloat16", "float32"), shape=(3,), **kwargs):
    """``fn`` applied to a tensor of each float dtype returns that dtype."""
    for name in dtypes:
        x = lucid.ones(*shape, dtype=getattr(lucid, name)) * 0.5
        out = fn(x, **kwargs)
        assert out.dtype == getattr(lucid, name), f"{name} in, {out.dtype} out"


def channels_last_view(a: np.ndarray, dtype=None) -> lucid.Tensor:
    """A channels-first Tensor whose memory is channels-last, as convolution outputs are.

    ``dtype`` is an ``mlx.core`` dtype (float32 when omitted).
    """
    import mlx.core as mx

    arr = mx.array(np.ascontiguousarray(np.moveaxis(a, 1, -1)))
    arr = arr.astype(mx.float32 if dtype is None else dtype)
    return lucid.Tensor(mx.moveaxis(arr, -1, 1))


def T(a, grad=False) -> lucid.Tensor:
    """``lucid.tensor(a)`` (NumPy dtypes kept), optionally requiring grad: the nn tests' shorthand."""
    return lucid.tensor(a, requires_grad=grad)


def leaf(values) -> lucid.Tensor:
    """A float64 leaf that requires grad: the autograd tests' shorthand."""
    return lucid.tensor(np.asarray(values, dtype=np.float64), requires_grad=True)
