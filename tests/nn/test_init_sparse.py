"""nn.init.sparse_: exact zero count per column, N(0, std) elsewhere."""

import math

import numpy as np
import pytest

import lucid


@pytest.mark.parametrize("rows, cols, sparsity", [(10, 4, 0.3), (7, 3, 0.0), (5, 2, 1.0), (9, 6, 0.15)])
def test_sparse_zero_count_per_column(rows, cols, sparsity):
    lucid.manual_seed(0)
    w = lucid.empty(rows, cols)
    out = lucid.nn.init.sparse_(w, sparsity)
    assert out is w and w.dtype == lucid.float32
    zeros = (w.numpy() == 0).sum(axis=0)
    assert zeros.tolist() == [math.ceil(sparsity * rows)] * cols


def test_sparse_values_and_randomness():
    lucid.manual_seed(1)
    w = lucid.nn.init.sparse_(lucid.empty(400, 50), 0.5, std=0.2).numpy()
    nz = w[w != 0]
    assert nz.size == 200 * 50
    np.testing.assert_allclose(nz.std(), 0.2, rtol=0.05)
    assert abs(nz.mean()) < 0.01
    # the zero rows differ between columns (a permutation per column)
    assert len({tuple(np.flatnonzero(w[:, j] == 0)) for j in range(50)}) > 1
    v = lucid.zeros(3, 3, dtype=lucid.float64)
    before = v._version
    lucid.nn.init.sparse_(v, 0.4)
    assert v.dtype == lucid.float64 and v._version > before


def test_sparse_bad_input():
    with pytest.raises(ValueError, match="2-D"):
        lucid.nn.init.sparse_(lucid.empty(2, 3, 4), 0.1)
    with pytest.raises(ValueError, match="sparsity"):
        lucid.nn.init.sparse_(lucid.empty(2, 3), 1.5)
    with pytest.raises(ValueError, match="std"):
        lucid.nn.init.sparse_(lucid.empty(2, 3), 0.5, std=-1.0)
    with pytest.raises(TypeError):
        lucid.nn.init.sparse_(np.zeros((2, 3)), 0.5)
