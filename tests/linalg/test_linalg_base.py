"""The shared machinery of ``lucid.linalg``'s primitives (``lucid/linalg/_util.py``)."""

import mlx.core as mx
import pytest

import lucid
import lucid.linalg as LA
from lucid.autograd.function import Function
from lucid.linalg import _decomp, _eig, _inverse, _ldl, _lu, _matfun, _norms, _util

KERNEL_CLASSES = [_decomp.Cholesky, _decomp.QR, _decomp.SVD, _decomp.SvdVals, _decomp.Eigh, _decomp.EigvalsH,
                  _eig.Eig, _eig.EigVals, _inverse.Inv, _inverse.Solve, _inverse.Pinv, _lu.LUFactor, _lu.LU,
                  _matfun.MatrixExp]
CPU_CLASSES = [_inverse.Det, _inverse.SlogDet, _inverse._UnitDiag, _inverse._EyeLike, _ldl.LDLFactor, _norms._Rank]


@pytest.mark.parametrize("cls", KERNEL_CLASSES + CPU_CLASSES, ids=lambda c: c.__name__)
def test_every_rule_is_wrapped_to_run_on_the_cpu_stream(cls):
    assert issubclass(cls, _util.CpuFunction)
    for name in ("forward", "backward", "jvp"):
        rule = cls.__dict__.get(name)
        if rule is not None:
            assert isinstance(rule, staticmethod)
            assert rule.__func__.__wrapped__ is not None, f"{cls.__name__}.{name} does not run on the CPU stream"


@pytest.mark.parametrize("cls", KERNEL_CLASSES, ids=lambda c: c.__name__)
def test_kernel_functions_give_lucid_func_their_own_backward(cls):
    assert cls.mlx_vjp is False


@pytest.mark.parametrize("cls", CPU_CLASSES, ids=lambda c: c.__name__)
def test_cpu_only_functions_let_mlx_differentiate_their_forward(cls):
    assert cls.mlx_vjp is True


def test_a_subclass_runs_forward_backward_and_jvp_inside_the_cpu_stream(monkeypatch):
    entered = []
    real_stream = mx.stream

    def spy(where):
        entered.append(where)
        return real_stream(where)

    monkeypatch.setattr(mx, "stream", spy)
    seen = []

    class Double(_util.KernelFunction):
        @staticmethod
        def forward(ctx, a):
            seen.append(("forward", list(entered)))
            return a * 2

        @staticmethod
        def backward(ctx, g):
            seen.append(("backward", list(entered)))
            return g * 2

    x = lucid.tensor([1.0, 2.0], requires_grad=True)
    Double.apply(x).sum().backward()
    assert x.grad.tolist() == [2.0, 2.0]
    assert [name for name, _ in seen] == ["forward", "backward"]
    assert all(_util.CPU in streams for _, streams in seen)
    assert Double.mlx_vjp is False and issubclass(Double, Function)


def test_kernel_function_gradients_inside_lucid_func():
    a = lucid.tensor([[2.0, 1.0], [1.0, 3.0]])
    g = lucid.func.grad(lambda m: LA.inv(m).sum())(a)
    inv = LA.inv(a)
    expected = -(inv.mT @ lucid.ones(2, 2) @ inv.mT)
    assert lucid.allclose(g, expected, atol=1e-5)
