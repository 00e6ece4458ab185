"""lucid.inference_mode: context manager, decorator, nesting, threads."""

import threading

import pytest

import lucid


def test_context_records_nothing_and_restores():
    w = lucid.ones(2, requires_grad=True)
    assert not lucid.is_inference_mode_enabled()
    with lucid.inference_mode():
        assert lucid.is_inference_mode_enabled() and not lucid.is_grad_enabled()
        y = w * 2
        z = lucid.ones(2) + w
    assert not y.requires_grad and y.grad_fn is None and not z.requires_grad
    assert lucid.is_grad_enabled() and not lucid.is_inference_mode_enabled()
    assert (w * 2).requires_grad


def test_mode_false_leaves_inference_mode_without_touching_grad_mode():
    with lucid.inference_mode():
        with lucid.inference_mode(False):
            assert not lucid.is_inference_mode_enabled()
            assert not lucid.is_grad_enabled()  # still under the outer block's grad mode
        assert lucid.is_inference_mode_enabled()
    with lucid.inference_mode(False):
        assert lucid.is_grad_enabled() and not lucid.is_inference_mode_enabled()


def test_decorator_forms():
    w = lucid.ones(2, requires_grad=True)

    @lucid.inference_mode
    def bare(x):
        return w * x, lucid.is_inference_mode_enabled()

    @lucid.inference_mode()
    def called(x):
        return w * x, lucid.is_inference_mode_enabled()

    @lucid.inference_mode(False)
    def off(x):
        return w * x, lucid.is_inference_mode_enabled()

    for fn in (bare, called):
        out, flag = fn(2.0)
        assert flag and not out.requires_grad
    out, flag = off(2.0)
    assert not flag and out.requires_grad
    assert bare.__name__ == "bare"
    assert lucid.is_grad_enabled() and not lucid.is_inference_mode_enabled()


def test_generator_decorator_applies_per_step():
    @lucid.inference_mode()
    def gen():
        yield lucid.is_inference_mode_enabled()
        yield lucid.is_inference_mode_enabled()

    g = gen()
    assert next(g)
    assert not lucid.is_inference_mode_enabled()  # between steps the caller's mode is back
    assert next(g)


def test_exception_restores_state():
    with pytest.raises(ValueError), lucid.inference_mode():
        raise ValueError("boom")
    assert lucid.is_grad_enabled() and not lucid.is_inference_mode_enabled()


def test_thread_local():
    seen = []
    with lucid.inference_mode():
        t = threading.Thread(target=lambda: seen.append((lucid.is_inference_mode_enabled(), lucid.is_grad_enabled())))
        t.start()
        t.join()
    assert seen == [(False, True)]


def test_bad_mode_is_type_error():
    with pytest.raises(TypeError, match="bool"):
        lucid.inference_mode("yes")
    with pytest.raises(TypeError, match="decorates a function"):
        lucid.inference_mode()(3)


def test_nested_no_grad_and_enable_grad_unwind_in_order():
    with lucid.inference_mode():
        with lucid.enable_grad():
            assert lucid.is_grad_enabled() and lucid.is_inference_mode_enabled()
        assert not lucid.is_grad_enabled()
    assert lucid.is_grad_enabled()
