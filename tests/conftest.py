import numpy as np
import pytest

import lucid


@pytest.fixture(autouse=True)
def _seed():
    """Every test starts from the same seeds."""
    np.random.seed(0)
    if hasattr(lucid.random, "seed"):
        lucid.random.seed(0)
    yield
