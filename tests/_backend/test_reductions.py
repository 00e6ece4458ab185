"""Reductions over empty inputs never reach MLX's CPU reduce kernel.

That kernel reads uninitialised memory when its input is empty and its output
is not (see ``lucid/_backend/reductions.py``); it once stalled CI for an hour.
Whether it stalls depends on what the memory holds, so a test that merely
runs the op proves little. These tests look at the lazy graph instead: the
arrays Lucid builds for an empty reduction contain no reduce node at all.
"""

import io
import pathlib
import re

import mlx.core as mx
import numpy as np
import pytest

import lucid
import lucid.nn.functional as F
from lucid._backend import reductions

REDUCE_NODES = {"Sum", "Prod", "And", "Or"}
LUCID_ROOT = pathlib.Path(lucid.__file__).parent


def reduce_nodes(*arrays) -> list:
    """The reduce primitives in the lazy graph that produces ``arrays``."""
    buf = io.StringIO()
    mx.export_to_dot(buf, *arrays)
    return [label for label in re.findall(r'label ="(\w+)"', buf.getvalue()) if label in REDUCE_NODES]


WRAPPERS = [
    (reductions.sum, mx.sum, 0.0),
    (reductions.mean, mx.mean, np.nan),
    (reductions.prod, mx.prod, 1.0),
    (reductions.all, mx.all, True),
    (reductions.any, mx.any, False),
]
AXES = [((0, 5), 0), ((0, 5), None), ((5, 0), 1), ((2, 0, 3), (0, 1)), ((2, 0, 3), 1)]


@pytest.mark.parametrize("safe, raw, identity", WRAPPERS, ids=lambda v: getattr(v, "__name__", ""))
@pytest.mark.parametrize("shape, axis", AXES)
@pytest.mark.parametrize("keepdims", [False, True])
def test_empty_input_gives_the_identity_without_a_reduce(safe, raw, identity, shape, axis, keepdims):
    x = mx.zeros(shape, dtype=mx.float32)
    out = safe(x, axis=axis, keepdims=keepdims)
    expected = raw(mx.ones((1,)), axis=None)  # only for the dtype MLX gives this reduction
    assert out.shape == raw(x, axis=axis, keepdims=keepdims).shape
    assert out.dtype == expected.dtype
    assert reduce_nodes(out) == []
    np.testing.assert_array_equal(np.array(out), np.full(out.shape, identity))


@pytest.mark.parametrize("safe, raw, identity", WRAPPERS, ids=lambda v: getattr(v, "__name__", ""))
@pytest.mark.parametrize("dtype", [mx.float32, mx.int32, mx.bool_])
def test_nonempty_input_is_mlx_unchanged(safe, raw, identity, dtype):
    x = mx.array(np.arange(1, 13).reshape(3, 4) % 5).astype(dtype)
    for axis in (None, 0, 1, (0, 1)):
        for keepdims in (False, True):
            want, got = raw(x, axis=axis, keepdims=keepdims), safe(x, axis=axis, keepdims=keepdims)
            assert got.dtype == want.dtype and got.shape == want.shape
            np.testing.assert_array_equal(np.array(got), np.array(want))


def test_empty_integer_sum_keeps_mlx_dtype():
    out = reductions.sum(mx.zeros((0, 3), dtype=mx.int8), axis=0)
    assert out.dtype == mx.sum(mx.zeros((1, 3), dtype=mx.int8), axis=0).dtype
    assert out.tolist() == [0, 0, 0]


def test_bad_axis_is_still_mlx_error():
    with pytest.raises(IndexError, match="axis 5"):
        reductions.sum(mx.zeros((0, 3)), axis=5)


def test_no_raw_mlx_reductions_in_lucid():
    raw = re.compile(r"\bmx\.(sum|mean|prod|all|any|var|std|logsumexp)\(")
    offenders = []
    for path in LUCID_ROOT.rglob("*.py"):
        if path.name == "reductions.py" and path.parent.name == "_backend":
            continue
        for n, line in enumerate(path.read_text().splitlines(), 1):
            if raw.search(line):
                offenders.append(f"{path.relative_to(LUCID_ROOT.parent)}:{n}: {line.strip()}")
    assert not offenders, "use lucid._backend.reductions instead of:\n" + "\n".join(offenders)


# -- through Lucid's own ops ----------------------------------------------------------------------
def _empty(*shape, requires_grad=False):
    return lucid.zeros(*shape, requires_grad=requires_grad)


@pytest.mark.parametrize("op, expected", [
    (lambda x: lucid.sum(x, dim=0), 0.0),
    (lambda x: lucid.mean(x, dim=0), np.nan),
    (lambda x: lucid.prod(x, dim=0), 1.0),
    (lambda x: lucid.var(x, dim=0), np.nan),
    (lambda x: lucid.count_nonzero(x, dim=0), 0),
    (lambda x: lucid.all(x, dim=0), True),
    (lambda x: lucid.any(x, dim=0), False),
    (lambda x: lucid.linalg.vector_norm(x, dim=0), 0.0),
], ids=["sum", "mean", "prod", "var", "count_nonzero", "all", "any", "vector_norm"])
def test_lucid_reductions_over_an_empty_dim(op, expected):
    out = op(_empty(0, 4))
    assert out.shape == (4,)
    assert reduce_nodes(out._data) == []
    np.testing.assert_array_equal(out.numpy(), np.full((4,), expected))


def test_linear_backward_with_an_empty_batch():
    x = _empty(0, 3, requires_grad=True)
    layer = lucid.nn.Linear(3, 2)
    y = layer(x)
    (gx, gw, gb) = lucid.autograd.grad([y], [x, layer.weight, layer.bias], grad_outputs=[lucid.random.randn(0, 2)])
    assert reduce_nodes(gw._data, gb._data) == []
    assert gx.shape == (0, 3) and gw.tolist() == [[0.0] * 3] * 2 and gb.tolist() == [0.0, 0.0]


def test_broadcast_gradient_over_an_empty_batch():
    x = _empty(0, 3, requires_grad=True)
    b = lucid.ones(3, requires_grad=True)
    (x * b).sum().backward()
    assert reduce_nodes(b.grad._data) == []
    assert b.grad.tolist() == [0.0, 0.0, 0.0]


def test_conv_bias_gradient_with_an_empty_batch():
    x = _empty(0, 2, 5, 5, requires_grad=True)
    conv = lucid.nn.Conv2d(2, 3, 3)
    conv(x).sum().backward()
    assert reduce_nodes(conv.bias.grad._data) == []
    assert conv.bias.grad.tolist() == [0.0, 0.0, 0.0]


def test_mean_loss_of_an_empty_batch_is_nan():
    loss = F.mse_loss(_empty(0, 3), _empty(0, 3))
    assert reduce_nodes(loss._data) == []
    assert np.isnan(loss.item())
