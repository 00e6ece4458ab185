"""Hypothesis strategies for the fuzz suite: shapes (empty and 0-d included), arrays with NaN/inf, indices."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

shapes = hnp.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=4)
nonempty_shapes = hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4)

floats32 = st.floats(width=32, allow_nan=True, allow_infinity=True)
finite32 = st.floats(-100, 100, width=32)


def float_arrays(shape=shapes, elements=floats32):
    return hnp.arrays(np.float32, shape, elements=elements)


def finite_arrays(shape=shapes):
    return hnp.arrays(np.float32, shape, elements=finite32)


dtypes = st.sampled_from(["float32", "float16", "bfloat16", "float64", "int32", "int64", "int8", "uint8", "bool"])

_index_shapes = hnp.array_shapes(min_dims=0, max_dims=2, min_side=0, max_side=4)


def index_arrays(n, shape=_index_shapes):
    """Integer index arrays for a dimension of size ``n``: mostly valid, sometimes negative or out of range."""
    return hnp.arrays(np.int64, shape, elements=st.one_of(st.integers(0, max(n - 1, 0)), st.integers(-n - 3, n + 3)))


garbage = st.sampled_from([
    None, "abc", "", 1.5, -1, 0, 10**20, float("nan"), float("inf"), True, [1, 2], [[1], [2, 3]], (), (1, -1),
    {"a": 1}, b"x", object(), slice(None), Ellipsis, np.float64(2.0), np.ones(2), 1j, [None], ["a"],
])
