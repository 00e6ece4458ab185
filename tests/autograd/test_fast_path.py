"""``Function.apply2`` (the unrolled two-argument path) agrees with the general ``apply`` path.

Binary arithmetic calls ``apply2`` directly and ``apply`` routes every
two-argument call to it, so the general argument loop (``_apply``) is called
explicitly here as the reference: values, dtypes, ``requires_grad``, the
recorded node and the gradients must be the same either way.
"""

import sys

import mlx.core as mx
import numpy as np
import pytest

import lucid
from lucid.autograd import Function
from lucid.ops.arithmetic import Add, Div, FloorDivide, Fmod, Maximum, Minimum, Mul, Power, Remainder, Sub
from lucid.ops.comparison import Lt
from lucid.ops.linalg import Matmul

_function = sys.modules["lucid.autograd.function"]

# op, shape of the first operand, shape of the second (None: a Python number)
_ELEMENTWISE = [Add, Sub, Mul, Div, Power, Maximum, Minimum, Remainder, Fmod]
_SHAPES = [((3, 4), (3, 4)), ((3, 1), (4,)), ((4,), (2, 3, 4)), ((3, 4), None), (None, (3, 4)), ((), (3,))]
_CASES = [(op, sa, sb) for op in _ELEMENTWISE for sa, sb in _SHAPES] + [
    (Matmul, (2, 3), (3, 4)),
    (Matmul, (5, 2, 3), (3,)),
    (FloorDivide, (3, 4), (4,)),
    (Lt, (3, 1), (4,)),
]


def _operand(shape, seed: int, requires_grad: bool):
    if shape is None:
        return 1.5
    rng = np.random.default_rng(seed)
    # Positive and away from the kinks of maximum/remainder, so every rule is smooth here.
    values = rng.uniform(0.5, 2.0, size=shape)
    return lucid.tensor(values, dtype=lucid.float64, requires_grad=requires_grad)


def _run(path, op, a, b):
    if path == "general":
        return _function._apply(op, (a, b), {})
    if path == "apply2":
        return op.apply2(a, b)
    return op.apply(a, b)


def _grads(out, a, b):
    leaves = [t for t in (a, b) if isinstance(t, lucid.Tensor) and t.requires_grad]
    if not out.requires_grad or not leaves:
        return [None] * len(leaves)
    upstream = lucid.tensor(np.random.default_rng(7).standard_normal(out.shape), dtype=out.dtype)
    return [None if g is None else g.numpy() for g in lucid.autograd.grad(out, leaves, upstream, allow_unused=True)]


@pytest.mark.parametrize("op, shape_a, shape_b", _CASES, ids=lambda v: getattr(v, "__name__", str(v)))
@pytest.mark.parametrize("grad_a, grad_b", [(True, True), (True, False), (False, True), (False, False)])
@pytest.mark.parametrize("path", ["apply2", "apply"])
def test_fast_path_matches_the_general_path(path, grad_a, grad_b, op, shape_a, shape_b):
    results = {}
    for name in ("general", path):
        a = _operand(shape_a, 0, grad_a)
        b = _operand(shape_b, 1, grad_b)
        out = _run(name, op, a, b)
        node = out.grad_fn
        results[name] = (out.numpy(), out.dtype, out.requires_grad, None if node is None else node.name(),
                         None if node is None else node.needs_input_grad, _grads(out, a, b))
    ref, got = results["general"], results[path]
    np.testing.assert_array_equal(got[0], ref[0])
    assert got[1:5] == ref[1:5]
    assert len(got[5]) == len(ref[5])
    for g, r in zip(got[5], ref[5]):
        if r is None:
            assert g is None
        else:
            np.testing.assert_allclose(g, r, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("path", ["general", "apply2"])
def test_no_grad_records_nothing_on_either_path(path):
    a, b = _operand((3,), 0, True), _operand((3,), 1, True)
    with lucid.no_grad():
        out = _run(path, Mul, a, b)
    assert out.grad_fn is None and not out.requires_grad


@pytest.mark.parametrize("path", ["general", "apply2"])
def test_in_place_change_of_a_saved_input_is_caught_on_either_path(path):
    a, b = _operand((3,), 0, True), _operand((3,), 1, False)
    out = _run(path, Mul, a, b)
    b.add_(1.0)
    with pytest.raises(RuntimeError, match=r"Mul.*modified by an in-place operation"):
        out.sum().backward()


@pytest.mark.parametrize("path", ["general", "apply2"])
def test_version_of_a_saved_output_is_checked_on_either_path(path):
    class SavesOutput(Function):
        @staticmethod
        def forward(ctx, x, y):
            out = x * y
            ctx.save_for_backward(out)
            return out

        @staticmethod
        def backward(ctx, g):
            (out,) = ctx.saved_tensors
            return g * out, None

    a = _operand((3,), 0, True)
    out = _run(path, SavesOutput, a, 2.0)
    out.mul_(2.0)
    with pytest.raises(RuntimeError, match="SavesOutput"):
        out.sum().backward()


def test_two_argument_calls_of_apply_take_the_fast_path(monkeypatch):
    calls = []
    real = _function._apply2
    monkeypatch.setattr(_function, "_apply2", lambda cls, a, b: calls.append(cls) or real(cls, a, b))
    Mul.apply(_operand((2,), 0, True), 2.0)
    lucid.exp(_operand((2,), 0, True))  # one argument: the general path
    assert calls == [Mul]


class _Probe(Function):
    """Records what the ctx says about itself during forward (a raw-array rule, like Lucid's own)."""

    raw_arrays = True
    seen: list = []

    @staticmethod
    def forward(ctx, x, y):
        _Probe.seen.append(ctx.records)
        ctx.saved_arrays = (x, y)
        return x * y

    @staticmethod
    def backward(ctx, g):
        x, y = ctx.saved_arrays
        return g * y, g * x


def test_ctx_records_and_saved_arrays():
    _Probe.seen.clear()
    x = lucid.tensor([1.0, 2.0], requires_grad=True)
    out = _Probe.apply(x, lucid.tensor([3.0, 4.0]))
    _Probe.apply(lucid.tensor([1.0]), lucid.tensor([2.0]))
    with lucid.no_grad():
        _Probe.apply(x, x)
    assert _Probe.seen == [True, False, False]
    # Assigning saved_arrays is save_for_backward without the call: saved_tensors reads it back.
    assert len(out.grad_fn.saved_tensors) == 2
    out.sum().backward()
    assert x.grad.tolist() == [3.0, 4.0]
    assert out.grad_fn.saved_arrays is None and out.grad_fn.freed
    with pytest.raises(RuntimeError, match="second time"):
        out.grad_fn.saved_tensors  # noqa: B018


def test_save_for_backward_and_saved_arrays_are_the_same_thing():
    x = lucid.tensor([1.0, 2.0], requires_grad=True)
    node = (x * 3.0).grad_fn
    node.save_for_backward(x, mx.array([1.0]))
    assert node.saved_arrays[0] is x._data  # Tensors are stored as their arrays
    assert node.saved_tensors is node.saved_arrays


def test_binary_arithmetic_nodes_keep_no_attribute_dict():
    """Add and Mul keep what backward needs in slots: recording them creates no per-node __dict__."""
    x = lucid.ones(3, requires_grad=True)
    b = lucid.ones(3, requires_grad=True)
    y = x * b + b
    for node in (y.grad_fn, y.grad_fn.next[0][0]):
        assert node.__dict__ == {}, node
    y.sum().backward()
    np.testing.assert_array_equal(b.grad.numpy(), [2.0, 2.0, 2.0])


def test_add_backward_casts_and_unbroadcasts_only_what_differs():
    a = lucid.ones(3, 1, dtype=lucid.float16, requires_grad=True)
    b = lucid.ones(4, requires_grad=True)
    c = lucid.ones(3, 4, requires_grad=True)
    (a + b).sum().backward()
    (c + 1.0).sum().backward()
    assert (a.grad.shape, a.grad.dtype, b.grad.shape, b.grad.dtype) == ((3, 1), lucid.float16, (4,), lucid.float32)
    np.testing.assert_array_equal(a.grad.numpy(), np.full((3, 1), 4.0))
    np.testing.assert_array_equal(b.grad.numpy(), np.full(4, 3.0))
    np.testing.assert_array_equal(c.grad.numpy(), np.ones((3, 4)))
