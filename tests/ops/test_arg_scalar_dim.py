"""argmax/argmin of a 0-d tensor: dim 0 and -1 name its one virtual dimension; any other dim is an error.

Found by the fuzz suite (tests/fuzz): ``lucid.argmax(lucid.tensor(0.0), dim=1)`` returned 0.
"""

import pytest

import lucid


@pytest.mark.parametrize("op", [lucid.argmax, lucid.argmin])
def test_scalar_accepts_dim_0_and_minus_1(op):
    x = lucid.tensor(3.0)
    for dim in (0, -1):
        assert op(x, dim=dim).item() == 0
        assert op(x, dim=dim, keepdim=True).item() == 0


@pytest.mark.parametrize("op", [lucid.argmax, lucid.argmin])
@pytest.mark.parametrize("dim", [1, 2, -2, 5])
def test_scalar_rejects_other_dims(op, dim):
    with pytest.raises((IndexError, ValueError), match="out of range"):
        op(lucid.tensor(3.0), dim=dim)
