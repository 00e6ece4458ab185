"""lucid.set_num_threads / get_num_threads."""

import ctypes

import pytest

import lucid
from lucid._backend import blas


@pytest.fixture
def restore_threads():
    n = lucid.get_num_threads()
    yield
    lucid.set_num_threads(n)


def test_round_trip(restore_threads):
    lucid.set_num_threads(1)
    assert lucid.get_num_threads() == 1
    lucid.set_num_threads(2)
    assert lucid.get_num_threads() == 2
    assert lucid.get_num_threads() >= 1


@pytest.mark.skipif(not blas._state["library"], reason="Lucid loaded no OpenBLAS here")
def test_sets_openblas_pool(restore_threads):
    lib = ctypes.CDLL(blas._state["library"])
    lucid.set_num_threads(1)
    assert lib.openblas_get_num_threads() == 1
    x = lucid.randn(64, 64)
    assert (x @ x).shape == (64, 64)


@pytest.mark.parametrize("bad,exc", [(0, ValueError), (-2, ValueError), (1.5, TypeError), (True, TypeError),
                                     ("2", TypeError)])
def test_validates(bad, exc, restore_threads):
    before = lucid.get_num_threads()
    with pytest.raises(exc):
        lucid.set_num_threads(bad)
    assert lucid.get_num_threads() == before
