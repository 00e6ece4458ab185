"""Each optimizer against a NumPy transcription of its published update rule."""

import mlx.core as mx
import numpy as np
import pytest

import lucid
from lucid import optim
from tests.optim._reference import (
    ref_adadelta,
    ref_adagrad,
    ref_adam,
    ref_adamax,
    ref_adamw,
    ref_asgd,
    ref_nadam,
    ref_radam,
    ref_rmsprop,
    ref_rprop,
    ref_sgd,
)

SHAPES = [(3, 4), (5,), ()]
STEPS = 5

# (optimizer, reference, kwargs): defaults plus the variants of each rule.
CASES = [
    (optim.SGD, ref_sgd, dict(lr=0.1)),
    (optim.SGD, ref_sgd, dict(lr=0.1, momentum=0.9)),
    (optim.SGD, ref_sgd, dict(lr=0.1, momentum=0.9, dampening=0.3, weight_decay=0.1)),
    (optim.SGD, ref_sgd, dict(lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.05)),
    (optim.SGD, ref_sgd, dict(lr=0.1, momentum=0.5, weight_decay=0.1, maximize=True)),
    (optim.Adam, ref_adam, dict()),
    (optim.Adam, ref_adam, dict(lr=0.05, betas=(0.8, 0.99), weight_decay=0.1)),
    (optim.Adam, ref_adam, dict(lr=0.05, amsgrad=True)),
    (optim.Adam, ref_adam, dict(lr=0.05, amsgrad=True, weight_decay=0.1, maximize=True)),
    (optim.AdamW, ref_adamw, dict(lr=0.05)),
    (optim.AdamW, ref_adamw, dict(lr=0.05, weight_decay=0.3, amsgrad=True)),
    (optim.Adamax, ref_adamax, dict()),
    (optim.Adamax, ref_adamax, dict(lr=0.05, weight_decay=0.1, maximize=True)),
    (optim.NAdam, ref_nadam, dict()),
    (optim.NAdam, ref_nadam, dict(lr=0.05, weight_decay=0.1, momentum_decay=0.01)),
    (optim.NAdam, ref_nadam, dict(lr=0.05, weight_decay=0.1, decoupled_weight_decay=True)),
    (optim.RAdam, ref_radam, dict(lr=0.05)),
    # beta2 = 0.5 rectifies from the first step on (rho_t > 5 needs rho_inf > 5: beta2 > 2/3; check both)
    (optim.RAdam, ref_radam, dict(lr=0.05, betas=(0.9, 0.5), weight_decay=0.1)),
    (optim.RAdam, ref_radam, dict(lr=0.05, betas=(0.9, 0.8), weight_decay=0.1, decoupled_weight_decay=True)),
    (optim.RMSprop, ref_rmsprop, dict()),
    (optim.RMSprop, ref_rmsprop, dict(lr=0.01, alpha=0.9, momentum=0.8, weight_decay=0.1)),
    (optim.RMSprop, ref_rmsprop, dict(lr=0.01, centered=True, momentum=0.5, maximize=True)),
    (optim.Adagrad, ref_adagrad, dict()),
    (optim.Adagrad, ref_adagrad, dict(lr=0.1, lr_decay=0.1, weight_decay=0.1, initial_accumulator_value=0.5)),
    (optim.Adadelta, ref_adadelta, dict()),
    (optim.Adadelta, ref_adadelta, dict(lr=0.5, rho=0.8, weight_decay=0.1, maximize=True)),
    (optim.Rprop, ref_rprop, dict()),
    (optim.Rprop, ref_rprop, dict(lr=0.05, etas=(0.3, 1.5), step_sizes=(1e-3, 0.06))),
    (optim.ASGD, ref_asgd, dict()),
    (optim.ASGD, ref_asgd, dict(lr=0.05, lambd=0.1, alpha=0.5, t0=2.0, weight_decay=0.1)),
]


def _ids(case):
    cls, _, kw = case
    return cls.__name__ + "-" + "-".join(f"{k}={v}" for k, v in kw.items())


def _data(seed=0, steps=STEPS, away_from_zero=False):
    rng = np.random.default_rng(seed)
    p0 = [np.asarray(rng.standard_normal(s), dtype=np.float32) for s in SHAPES]
    if away_from_zero:
        # |g| in [0.5, 2]: the squared-gradient state of 16-bit parameters must not underflow
        def draw(s):
            return np.asarray(rng.uniform(0.5, 2.0, s) * rng.choice([-1.0, 1.0], s), dtype=np.float32)
    else:
        def draw(s):
            return np.asarray(rng.standard_normal(s), dtype=np.float32)
    grads = [[draw(s) for s in SHAPES] for _ in range(steps)]
    return p0, grads


def _run(cls, kwargs, p0, grads, dtype=None):
    params = [lucid.tensor(a, dtype=dtype, requires_grad=True) for a in p0]
    opt = cls(params, **kwargs)
    for step_grads in grads:
        for p, g in zip(params, step_grads):
            p.grad = lucid.tensor(g, dtype=dtype)
        opt.step()
    return params, opt


@pytest.mark.parametrize("case", CASES, ids=[_ids(c) for c in CASES])
def test_matches_reference(case):
    cls, ref, kwargs = case
    p0, grads = _data()
    params, _ = _run(cls, kwargs, p0, grads)
    for i, p in enumerate(params):
        expected = ref(p0[i].astype(np.float64), [g[i].astype(np.float64) for g in grads], **kwargs)
        assert p.dtype == lucid.float32 and p.shape == p0[i].shape
        np.testing.assert_allclose(p.numpy(), expected, rtol=2e-5, atol=2e-6, err_msg=f"param {i}")


@pytest.mark.parametrize("case", CASES, ids=[_ids(c) for c in CASES])
def test_float16_params_keep_dtype(case):
    cls, ref, kwargs = case
    # NOTE: as in PyTorch, state is kept in the parameter's dtype, so tiny
    # gradients underflow float16 moments (use eps >= 1e-4 for float16 Adam).
    p0, grads = _data(steps=2, away_from_zero=True)
    params, opt = _run(cls, kwargs, p0, grads, dtype=lucid.float16)
    for i, p in enumerate(params):
        assert p.dtype == lucid.float16
        for name, t in opt.state[p].items():
            if name not in type(opt)._scalar_keys:
                assert t.dtype == lucid.float16, name
        p16 = p0[i].astype(np.float16).astype(np.float64)
        expected = ref(p16, [g[i].astype(np.float16).astype(np.float64) for g in grads], **kwargs)
        np.testing.assert_allclose(p.numpy().astype(np.float64), expected, rtol=1e-2, atol=1e-2)


def test_float64_params_on_cpu():
    p0, grads = _data()
    p0 = [a.astype(np.float64) for a in p0]
    params, _opt = _run(optim.Adam, dict(lr=0.05), p0, [[g.astype(np.float64) for g in gs] for gs in grads])
    for i, p in enumerate(params):
        assert p.dtype == lucid.float64
        expected = ref_adam(p0[i], [g[i].astype(np.float64) for g in grads], lr=0.05)
        np.testing.assert_allclose(p.numpy(), expected, rtol=1e-9, atol=1e-10)


def test_radam_switches_to_rectified_steps():
    # With beta2 = 0.999, rho_t first exceeds 5 at step 6: check both regimes over 8 steps.
    # NOTE: rho_t = rho_inf - 2t b2^t / (1 - b2^t) cancels two terms near 2000;
    # in float32 (the step counter's dtype, as in PyTorch's capturable path)
    # the rectification factor is then good to ~1e-4 relative in its first steps.
    p0, grads = _data(steps=8)
    params, _ = _run(optim.RAdam, dict(lr=0.05), p0, grads)
    expected = ref_radam(p0[0].astype(np.float64), [g[0].astype(np.float64) for g in grads], lr=0.05)
    np.testing.assert_allclose(params[0].numpy(), expected, rtol=5e-4, atol=2e-5)
    # float64 parameters get their per-step scalars in float64: full precision
    p64 = [a.astype(np.float64) for a in p0]
    params, _ = _run(optim.RAdam, dict(lr=0.05), p64, [[g.astype(np.float64) for g in gs] for gs in grads])
    np.testing.assert_allclose(params[0].numpy(), expected, rtol=1e-9, atol=1e-10)


def test_asgd_average_after_t0():
    p0, grads = _data(steps=6)
    kw = dict(lr=0.05, lambd=0.1, alpha=0.5, t0=2.0)
    _, opt = _run(optim.ASGD, kw, p0, grads)
    p = opt.param_groups[0]["params"][0]
    _, ax = ref_asgd(p0[0].astype(np.float64), [g[0].astype(np.float64) for g in grads], return_ax=True, **kw)
    np.testing.assert_allclose(opt.state[p]["ax"].numpy(), ax, rtol=2e-5, atol=2e-6)
    assert opt.state[p]["step"].item() == 6.0


def test_params_without_grad_are_skipped():
    a = lucid.tensor([1.0, 2.0], requires_grad=True)
    b = lucid.tensor([3.0], requires_grad=True)
    opt = optim.Adam([a, b], lr=0.1)
    a.grad = lucid.tensor([1.0, 1.0])
    opt.step()
    assert b.tolist() == [3.0] and b not in opt.state
    b.grad = lucid.tensor([1.0])
    opt.step()
    # b's own step count starts at 1 while a's is at 2
    assert opt.state[a]["step"].item() == 2.0 and opt.state[b]["step"].item() == 1.0
    expected_b = ref_adam(np.array([3.0]), [np.array([1.0])], lr=0.1)
    np.testing.assert_allclose(b.numpy(), expected_b, rtol=1e-6)


def test_per_group_lr_and_hyperparameters():
    p0, grads = _data()
    a = lucid.tensor(p0[0], requires_grad=True)
    b = lucid.tensor(p0[1], requires_grad=True)
    opt = optim.SGD([{"params": [a]}, {"params": b, "lr": 0.01, "momentum": 0.5}], lr=0.1)
    assert opt.param_groups[0]["lr"] == 0.1 and opt.param_groups[1]["lr"] == 0.01
    for gs in grads:
        a.grad, b.grad = lucid.tensor(gs[0]), lucid.tensor(gs[1])
        opt.step()
    np.testing.assert_allclose(a.numpy(), ref_sgd(p0[0].astype(np.float64), [g[0] for g in grads], lr=0.1),
                               rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(b.numpy(), ref_sgd(p0[1].astype(np.float64), [g[1] for g in grads], lr=0.01,
                                                  momentum=0.5), rtol=1e-5, atol=1e-6)


def test_lr_changed_between_steps_takes_effect():
    p0, grads = _data(steps=2)
    params, opt = _run(optim.Adam, dict(lr=0.1), p0, grads[:1])
    opt.param_groups[0]["lr"] = 0.01
    for p, g in zip(params, grads[1]):
        p.grad = lucid.tensor(g)
    opt.step()
    # by hand: step 2 of Adam with lr 0.01
    g1, g2 = grads[0][1].astype(np.float64), grads[1][1].astype(np.float64)
    p = p0[1] - 0.1 * np.sign(g1) * np.abs(g1) / (np.abs(g1) + 1e-8)
    m = 0.9 * 0.1 * g1 + 0.1 * g2
    v = 0.999 * 0.001 * g1 * g1 + 0.001 * g2 * g2
    p = p - 0.01 / (1 - 0.81) * m / (np.sqrt(v) / np.sqrt(1 - 0.999 ** 2) + 1e-8)
    np.testing.assert_allclose(params[1].numpy(), p, rtol=2e-5, atol=2e-6)


def test_sgd_on_complex_params():
    w = lucid.tensor(np.array([1 + 2j, -1j], dtype=np.complex64), requires_grad=True)
    opt = optim.SGD([w], lr=0.5, momentum=0.9)
    w.grad = lucid.tensor(np.array([2 + 0j, 1 + 1j], dtype=np.complex64))
    opt.step()
    np.testing.assert_allclose(w.numpy(), [0 + 2j, -0.5 - 1.5j])
    with pytest.raises(NotImplementedError, match="complex"):
        optim.Adam([w])


def test_version_bumped_and_tensor_identity_kept():
    w = lucid.tensor([1.0, 2.0], requires_grad=True)
    opt = optim.SGD([w], lr=0.1)
    w.grad = lucid.tensor([1.0, 1.0])
    v0, ident = w._version, id(w)
    opt.step()
    assert w._version == v0 + 1 and id(opt.param_groups[0]["params"][0]) == ident
    assert isinstance(w._data, mx.array)
