"""DataLoader over datasets with ``__getitems__``: the batches equal the sample-by-sample ones."""

import numpy as np
import pytest

import lucid
from lucid import data, datasets
from tests.datasets.test_batch_loading import TRANSFORMS, PerItem


@pytest.mark.parametrize("num_workers", [0, 1])
@pytest.mark.parametrize("name", ["none", "batched_lambda", "compose_mixed", "to_tensor"])
def test_dataloader_batches_equal_the_per_sample_path(name, num_workers):
    ds = datasets.SyntheticDigits(size=50, seed=2, transform=TRANSFORMS[name])
    fast = data.DataLoader(ds, batch_size=16, shuffle=True, generator=3, num_workers=num_workers)
    slow = data.DataLoader(PerItem(ds), batch_size=16, shuffle=True, generator=3)
    n = 0
    for (fx, fy), (sx, sy) in zip(fast, slow):
        assert fx.dtype == sx.dtype and fy.dtype == sy.dtype == lucid.int64
        np.testing.assert_array_equal(fx.numpy(), sx.numpy())
        np.testing.assert_array_equal(fy.numpy(), sy.numpy())
        n += 1
    assert n == len(fast) == 4
