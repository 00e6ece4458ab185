"""Mixed basic and advanced indexing follows PyTorch: ints are basic indices, applied first.

NumPy counts an int next to index arrays as one more advanced index, which
moves the advanced dims elsewhere (``x[0, :, idx, 1]`` on ``(2, 3, 4, 5)`` is
``(2, 3)`` in NumPy and ``(3, 2)`` in PyTorch). The reference below applies the
ints first with NumPy and then the rest of the key, which is PyTorch's rule.
"""

import numbers

import numpy as np
import pytest

import lucid
from tests.helpers import check_grad, rand

X = rand(2, 3, 4, 5, seed=3)
IDX = [0, 2]


def torch_rule(a: np.ndarray, key) -> np.ndarray:
    """``a[key]`` with PyTorch's rule: ints (and None, slices) first, then the index arrays."""
    key = key if isinstance(key, tuple) else (key,)
    first, rest = [], []
    for k in key:
        if isinstance(k, numbers.Integral) and not isinstance(k, bool):
            first.append(k)
        elif k is None:
            first.append(None)
            rest.append(slice(None))
        elif k is Ellipsis:
            first.append(k)
            rest.append(k)
        else:
            first.append(slice(None))
            rest.append(k)
    return a[tuple(first)][tuple(rest)]


def _t(key, tensors: bool):
    """The key with its lists as integer Tensors (``tensors``) or left as lists."""
    return tuple(lucid.tensor(k) if tensors and isinstance(k, list) else k for k in key)


KEYS = [
    ("issue_case", (0, slice(None), IDX, 1), (3, 2)),
    ("int_then_array", (1, IDX), (2, 4, 5)),
    ("array_int_array", ([0, 1], 0, [1, 3]), (2, 5)),
    ("slice_array_int_array", (slice(None), IDX, 0, [1, 3]), (2, 2)),
    ("ellipsis_array_int", (Ellipsis, IDX, 0), (2, 3, 2)),
    ("none_int_slice_array", (None, 0, slice(None), IDX), (1, 3, 2, 5)),
    ("int_array_2d", (1, slice(None), [[0, 1], [2, 3]]), (3, 2, 2, 5)),
    ("array_then_int_adjacent", (slice(None), [0, 2], 1), (2, 2, 5)),
    ("two_ints_array_last", (0, 1, slice(None), IDX), (4, 2)),
]


@pytest.mark.parametrize("tensors", [False, True], ids=["lists", "tensors"])
@pytest.mark.parametrize("name,key,shape", KEYS, ids=[k[0] for k in KEYS])
def test_getitem_follows_pytorch(name, key, shape, tensors):
    got = lucid.tensor(X)[_t(key, tensors)]
    want = torch_rule(X, key)
    assert want.shape == shape
    assert got.shape == shape
    np.testing.assert_allclose(got.numpy(), want)


def test_issue_case_differs_from_numpy():
    key = (0, slice(None), IDX, 1)
    assert X[key].shape == (2, 3)  # NumPy's rule, which Lucid does not follow
    assert lucid.tensor(X)[key].shape == (3, 2)


@pytest.mark.parametrize("name,key,shape", KEYS[:6], ids=[k[0] for k in KEYS[:6]])
def test_getitem_gradient(name, key, shape):
    check_grad(lambda a: a[_t(key, True)], [X])


@pytest.mark.parametrize("name,key,shape", KEYS, ids=[k[0] for k in KEYS])
def test_setitem_takes_pytorch_shaped_values(name, key, shape):
    v = rand(*shape, seed=4)
    y = lucid.tensor(X)
    y[_t(key, True)] = lucid.tensor(v)
    want = X.copy()
    # Write v through the PyTorch-ordered view of the reference.
    flat = np.arange(X.size).reshape(X.shape)
    want.reshape(-1)[torch_rule(flat, key).reshape(-1)] = v.reshape(-1)
    np.testing.assert_allclose(y.numpy(), want)


def test_setitem_broadcasts_and_differentiates():
    v = lucid.tensor(rand(3, 1, seed=5), requires_grad=True)
    x = lucid.tensor(X, requires_grad=True)
    y = x * 1.0
    y[0, :, IDX, 1] = v
    w = lucid.tensor(rand(*X.shape, seed=6))
    (y * w).sum().backward()
    wn = w.numpy()
    np.testing.assert_allclose(v.grad.numpy(), torch_rule(wn, (0, slice(None), IDX, 1)).sum(1, keepdims=True))
    g = wn.copy()
    g[0, :, IDX, 1] = 0  # same positions in either layout
    np.testing.assert_allclose(x.grad.numpy(), g)


def test_setitem_wrong_shape_raises():
    y = lucid.tensor(X)
    with pytest.raises(ValueError):
        y[0, :, IDX, 1] = lucid.ones(2, 3)
