"""lucid.amp.GradScaler: scaling, unscaling, skipped steps, scale schedule, state, one sync per step."""

import math
import types

import mlx.core as mx
import numpy as np
import pytest

import lucid
import lucid.nn as nn
from lucid.amp import grad_scaler as gs_mod


def _setup(lr=0.1, opt_cls=lucid.optim.SGD, **kw):
    w = lucid.tensor([1.0, -2.0, 3.0], requires_grad=True)
    b = lucid.tensor([0.5], requires_grad=True)
    return w, b, opt_cls([w, b], lr=lr, **kw)


def test_scale_unscale_step_matches_plain_sgd():
    w, b, opt = _setup()
    scaler = lucid.amp.GradScaler(init_scale=256.0)
    loss = (w * w).sum() + (b * 3).sum()
    scaled = scaler.scale(loss)
    assert scaled.item() == pytest.approx(loss.item() * 256)
    scaled.backward()
    np.testing.assert_allclose(w.grad.numpy(), [512.0, -1024.0, 1536.0])
    scaler.unscale_(opt)
    np.testing.assert_allclose(w.grad.numpy(), [2.0, -4.0, 6.0])
    scaler.step(opt)
    scaler.update()
    np.testing.assert_allclose(w.numpy(), [0.8, -1.6, 2.4], rtol=1e-6)
    np.testing.assert_allclose(b.numpy(), [0.2], rtol=1e-6)
    assert scaler.get_scale() == 256.0


@pytest.mark.parametrize("bad", [math.inf, math.nan])
def test_overflow_skips_step_and_backs_off(bad):
    w, b, opt = _setup(opt_cls=lucid.optim.Adam)
    scaler = lucid.amp.GradScaler(init_scale=1024.0, backoff_factor=0.25)
    scaler.scale((w * w).sum() + (b * bad).sum()).backward()
    assert scaler.step(opt) is None
    scaler.update()
    np.testing.assert_allclose(w.numpy(), [1.0, -2.0, 3.0])
    assert not opt.state.get(w)  # the skipped step created no state
    assert scaler.get_scale() == 256.0


def test_growth_after_interval():
    w, b, opt = _setup()
    scaler = lucid.amp.GradScaler(init_scale=4.0, growth_interval=3)
    scales = []
    for _ in range(7):
        opt.zero_grad()
        scaler.scale((w * w).sum() + b.sum()).backward()
        scaler.step(opt)
        scaler.update()
        scales.append(scaler.get_scale())
    assert scales == [4.0, 4.0, 8.0, 8.0, 8.0, 16.0, 16.0]
    assert scaler.state_dict()["_growth_tracker"] == 1


def test_clip_after_unscale():
    w, b, opt = _setup()
    scaler = lucid.amp.GradScaler(init_scale=2.0**10)
    scaler.scale((w * w).sum() + b.sum()).backward()
    scaler.unscale_(opt)
    total = nn.utils.clip_grad_norm_([w, b], max_norm=1.0)
    assert total.item() == pytest.approx(math.sqrt(4 + 16 + 36 + 1), rel=1e-5)
    assert float(np.linalg.norm(np.concatenate([w.grad.numpy(), b.grad.numpy()]))) == pytest.approx(1.0, rel=1e-4)
    scaler.step(opt)  # does not unscale a second time
    scaler.update()
    nn.utils.clip_grad_value_([w], 0.1)


def test_call_order_errors():
    w, b, opt = _setup()
    scaler = lucid.amp.GradScaler()
    scaler.scale(w.sum() + b.sum()).backward()
    scaler.unscale_(opt)
    with pytest.raises(RuntimeError, match="already been called"):
        scaler.unscale_(opt)
    scaler.step(opt)
    with pytest.raises(RuntimeError, match="already been called"):
        scaler.step(opt)
    with pytest.raises(RuntimeError, match="after step"):
        scaler.unscale_(opt)
    scaler.update()
    with pytest.raises(RuntimeError, match="no inf checks"):
        scaler.update()
    with pytest.raises(RuntimeError, match="closure"):
        scaler.step(opt, closure=lambda: None)


def test_one_host_sync_per_step_not_per_parameter(monkeypatch):
    params = [lucid.randn(4, requires_grad=True) for _ in range(12)]
    opt = lucid.optim.SGD(params, lr=0.01)
    scaler = lucid.amp.GradScaler()
    counts = {"eval": 0}
    real = mx

    def counting_eval(*a):
        counts["eval"] += 1
        return real.eval(*a)

    proxy = types.SimpleNamespace(**{k: getattr(real, k) for k in dir(real) if not k.startswith("__")})
    proxy.eval = counting_eval
    monkeypatch.setattr(gs_mod, "mx", proxy)
    sum(p.sum() for p in params).backward()
    scaler.scale(sum((p * p).sum() for p in params)).backward()
    scaler.unscale_(opt)
    assert counts["eval"] == 0  # the check is lazy
    scaler.step(opt)
    scaler.update()
    assert counts["eval"] == 1


def test_step_selected_without_sync_matches_skip():
    # The branch-free step used inside lucid.compile: same results as the skipping step.
    for bad in (1.0, math.inf):
        w, b, opt = _setup(opt_cls=lucid.optim.Adam)
        w2, b2, opt2 = _setup(opt_cls=lucid.optim.Adam)
        for _ in range(2):
            for ww, bb, oo in ((w, b, opt), (w2, b2, opt2)):
                oo.zero_grad()
                ((ww * ww).sum() + (bb * bad).sum()).backward()
            opt.step() if bad == 1.0 else None
            found = mx.array(bad != 1.0)
            lucid.amp.GradScaler._step_selected(opt2, found)
        np.testing.assert_allclose(w2.numpy(), w.numpy(), rtol=1e-6)
        if bad == 1.0:
            np.testing.assert_allclose(opt2.state[w2]["exp_avg"].numpy(), opt.state[w]["exp_avg"].numpy())
            assert opt2.state[w2]["step"].item() == 2
        else:
            np.testing.assert_allclose(opt2.state[w2]["exp_avg"].numpy(), 0.0)
            assert opt2.state[w2]["step"].item() == 0


def test_state_dict_roundtrip_and_disabled():
    s = lucid.amp.GradScaler(init_scale=32.0, growth_interval=7)
    t = lucid.amp.GradScaler()
    t.load_state_dict(s.state_dict())
    assert t.get_scale() == 32.0 and t.get_growth_interval() == 7
    off = lucid.amp.GradScaler(enabled=False)
    x = lucid.ones(2)
    assert off.scale(x) is x and off.state_dict() == {} and off.get_scale() == 1.0
    with pytest.raises(RuntimeError, match="empty"):
        t.load_state_dict({})


def test_bad_hyperparameters():
    with pytest.raises(ValueError, match="growth_factor"):
        lucid.amp.GradScaler(growth_factor=0.5)
    with pytest.raises(ValueError, match="backoff_factor"):
        lucid.amp.GradScaler(backoff_factor=1.5)
    with pytest.raises(ValueError, match="growth_interval"):
        lucid.amp.GradScaler(growth_interval=0)
    with pytest.raises(TypeError, match="Tensor"):
        lucid.amp.GradScaler().scale(3.0)


@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad"])
def test_optimizers_accept_bfloat16_params(name):
    p = lucid.tensor([1.0, -2.0, 0.5], dtype=lucid.bfloat16, requires_grad=True)
    ref = lucid.tensor([1.0, -2.0, 0.5], requires_grad=True)
    kw = {"lr": 0.01}
    opts = [getattr(lucid.optim, name)([t], **kw) for t in (p, ref)]
    for _ in range(3):
        for t, o in zip((p, ref), opts):
            o.zero_grad()
            (t * t).sum().backward()
            o.step()
    assert p.dtype == lucid.bfloat16
    np.testing.assert_allclose(p.numpy(), ref.numpy(), rtol=0.02, atol=0.02)
