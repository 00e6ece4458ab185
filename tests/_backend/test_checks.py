"""Deferred checks: recorded lazily by ops, raised at the next sync point, per thread."""

import threading

import mlx.core as mx
import pytest

import lucid
from lucid._backend import checks


def _defer_bad(message="bad"):
    checks.defer(mx.array(True), lambda lo, hi: IndexError(f"{message}: {lo}..{hi}"), mx.array(-3), mx.array(7))


def _defer_good():
    checks.defer(mx.array(False), lambda: AssertionError("a passing check must never raise"))


@pytest.fixture(autouse=True)
def _clean():
    checks._state.checks = []
    yield
    checks._state.checks = []


@pytest.mark.parametrize("sync", [
    lambda t: t.item(),
    lambda t: t.tolist(),
    lambda t: t.numpy(),
    lambda t: repr(t),
    lambda t: bool(t),
    lambda t: float(t),
    lambda t: lucid.eval(t),
    lambda t: lucid._backend.eval_arrays([t._data]),
])
def test_every_sync_point_raises_a_failed_check(sync):
    t = lucid.ones(()) * 2
    _defer_bad()
    assert checks.has_pending()
    with pytest.raises(IndexError, match=r"bad: -3\.\.7"):
        sync(t)
    assert not checks.has_pending()
    sync(t)  # reported once, then gone


def test_passing_checks_are_cleared_silently():
    _defer_good()
    _defer_good()
    assert (lucid.ones(2) * 3).tolist() == [3.0, 3.0]
    assert not checks.has_pending()


def test_the_first_failure_in_record_order_is_raised():
    _defer_good()
    _defer_bad("first")
    _defer_bad("second")
    with pytest.raises(IndexError, match="first"):
        lucid.eval()


def test_values_are_evaluated_even_when_a_check_fails():
    t = lucid.ones(3) * 5
    _defer_bad()
    with pytest.raises(IndexError):
        lucid.eval(t)
    assert t.tolist() == [5.0, 5.0, 5.0]


def test_checks_belong_to_the_thread_that_recorded_them():
    _defer_bad("main")
    seen = []

    def worker():
        lucid.ones(2).tolist()  # a sync point in another thread
        seen.append(checks.has_pending())

    th = threading.Thread(target=worker)
    th.start()
    th.join()
    assert seen == [False]
    with pytest.raises(IndexError, match="main"):
        lucid.ones(1).item()


def test_a_loop_without_sync_points_keeps_a_bounded_list(monkeypatch):
    monkeypatch.setattr(checks, "_MAX_PENDING", 10)
    for _ in range(10):
        _defer_good()
    assert len(checks._state.checks) == 10
    _defer_good()  # the 11th evaluates and clears them
    assert len(checks._state.checks) == 0


def test_index_out_of_range_is_both_index_and_runtime_error():
    assert issubclass(checks.IndexOutOfRange, IndexError)
    assert issubclass(checks.IndexOutOfRange, RuntimeError)


def test_set_index_checks_validates_and_toggles():
    with pytest.raises(TypeError, match="True or False"):
        lucid.set_index_checks(1)
    lucid.set_index_checks(False)
    try:
        assert lucid.index_checks_enabled() is False
    finally:
        lucid.set_index_checks(True)
    assert lucid.index_checks_enabled() is True
