"""``no_grad``, ``enable_grad``, ``set_grad_enabled``: context managers, decorators, threads."""

import threading

import pytest

import lucid


def _x():
    return lucid.ones(2, requires_grad=True)


def test_no_grad_context_records_nothing():
    x = _x()
    with lucid.no_grad():
        y = x * 2
        assert not lucid.is_grad_enabled()
    assert lucid.is_grad_enabled()
    assert not y.requires_grad and y.grad_fn is None and y.is_leaf


def test_enable_grad_inside_no_grad():
    x = _x()
    with lucid.no_grad():
        with lucid.enable_grad():
            y = x * 2
        z = x * 2
    assert y.requires_grad and not z.requires_grad


@pytest.mark.parametrize("decorate", [lucid.no_grad(), lucid.no_grad], ids=["called", "bare"])
def test_no_grad_decorator(decorate):
    @decorate
    def double(t):
        return t * 2, lucid.is_grad_enabled()

    y, mode = double(_x())
    assert not y.requires_grad and mode is False
    assert lucid.is_grad_enabled()
    assert double.__name__ == "double"


@pytest.mark.parametrize("decorate", [lucid.enable_grad(), lucid.enable_grad], ids=["called", "bare"])
def test_enable_grad_decorator(decorate):
    @decorate
    def double(t):
        return t * 2

    with lucid.no_grad():
        y = double(_x())
    assert y.requires_grad


def test_set_grad_enabled_as_call_context_and_decorator():
    lucid.set_grad_enabled(False)
    try:
        assert not lucid.is_grad_enabled()
    finally:
        lucid.set_grad_enabled(True)
    assert lucid.is_grad_enabled()

    with lucid.set_grad_enabled(False):
        assert not lucid.is_grad_enabled()
        with lucid.set_grad_enabled(True):
            assert lucid.is_grad_enabled()
        assert not lucid.is_grad_enabled()
    assert lucid.is_grad_enabled()

    @lucid.set_grad_enabled(False)
    def f():
        return lucid.is_grad_enabled()

    assert lucid.is_grad_enabled()  # decorating does not switch the mode
    assert f() is False
    assert lucid.is_grad_enabled()


def test_set_grad_enabled_rejects_non_bool():
    with pytest.raises(TypeError, match="bool"):
        lucid.set_grad_enabled(1)


def test_mode_restored_after_exception():
    with pytest.raises(ValueError), lucid.no_grad():
        raise ValueError("boom")
    assert lucid.is_grad_enabled()

    @lucid.no_grad()
    def fails():
        raise KeyError("x")

    with pytest.raises(KeyError):
        fails()
    assert lucid.is_grad_enabled()


def test_same_instance_entered_twice():
    ng = lucid.no_grad()
    with ng:
        with lucid.enable_grad():
            with ng:
                assert not lucid.is_grad_enabled()
            assert lucid.is_grad_enabled()
        assert not lucid.is_grad_enabled()
    assert lucid.is_grad_enabled()


def test_generator_function_runs_each_step_in_the_mode():
    @lucid.no_grad()
    def gen():
        received = yield lucid.is_grad_enabled()
        yield (received, lucid.is_grad_enabled())

    it = gen()
    assert next(it) is False
    assert lucid.is_grad_enabled()  # the caller's mode between steps
    assert it.send("hi") == ("hi", False)
    with pytest.raises(StopIteration):
        next(it)
    assert lucid.is_grad_enabled()



def test_generator_function_handles_throw_close_and_return_in_the_mode():
    seen = []

    @lucid.no_grad()
    def gen():
        try:
            yield 1
        except ValueError:
            seen.append(("caught", lucid.is_grad_enabled()))
            yield 2
        try:
            yield 3
        finally:
            seen.append(("closing", lucid.is_grad_enabled()))
        return "unreached"

    it = gen()
    assert next(it) == 1
    assert it.throw(ValueError("x")) == 2
    assert lucid.is_grad_enabled()
    assert next(it) == 3
    it.close()
    assert seen == [("caught", False), ("closing", True)]  # close() runs in the caller's mode, as before
    assert lucid.is_grad_enabled()

    @lucid.no_grad()
    def returns():
        yield lucid.is_grad_enabled()
        return "done"

    it = returns()
    assert next(it) is False
    with pytest.raises(StopIteration) as stop:
        next(it)
    assert stop.value.value == "done"

    @lucid.no_grad()
    def raises():
        yield 0
        raise KeyError("boom")

    it = raises()
    next(it)
    with pytest.raises(KeyError):
        next(it)
    assert lucid.is_grad_enabled()


def test_grad_mode_is_thread_local():
    seen = {}
    started = threading.Event()
    release = threading.Event()

    def worker():
        started.wait(5)
        seen["worker"] = lucid.is_grad_enabled()
        seen["records"] = (lucid.ones(1, requires_grad=True) * 2).requires_grad
        with lucid.no_grad():  # the worker's no_grad does not leak into the main thread
            release.set()
            seen["inner"] = lucid.is_grad_enabled()

    t = threading.Thread(target=worker)
    t.start()
    with lucid.no_grad():
        started.set()
        release.wait(5)
        assert not lucid.is_grad_enabled()
    t.join(5)
    assert seen == {"worker": True, "records": True, "inner": False}
    assert lucid.is_grad_enabled()


def test_decorating_a_non_callable_raises():
    with pytest.raises(TypeError):
        lucid.no_grad()(3)
    with pytest.raises(TypeError):
        lucid.no_grad(3)
