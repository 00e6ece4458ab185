"""Learning-rate schedulers: lr sequences against closed forms and hand-computed PyTorch values."""

import json
import math
import warnings

import numpy as np
import pytest

import lucid
from lucid import optim
from lucid.optim import lr_scheduler as ls


def _opt(lr=1.0, cls=optim.SGD, groups=1, **kw):
    params = [{"params": [lucid.zeros(2, requires_grad=True)], "lr": lr * (i + 1)} for i in range(groups)]
    return cls(params, lr=lr, **kw)


def _run(opt, sched, n):
    """The lr of group 0 at epoch 0 and after each of n steps."""
    lrs = [sched.get_last_lr()[0]]
    for _ in range(n):
        opt.step()
        sched.step()
        lrs.append(sched.get_last_lr()[0])
        assert opt.param_groups[0]["lr"] == lrs[-1]
    return lrs


def test_step_lr():
    opt = _opt(0.5)
    got = _run(opt, ls.StepLR(opt, step_size=3, gamma=0.1), 10)
    np.testing.assert_allclose(got, [0.5 * 0.1 ** (t // 3) for t in range(11)], rtol=1e-12)


def test_step_lr_closed_form_with_epoch_argument():
    opt = _opt(0.5)
    sched = ls.StepLR(opt, step_size=3, gamma=0.1)
    opt.step()
    with pytest.warns(UserWarning, match="deprecated"):
        sched.step(7)
    assert sched.last_epoch == 7
    assert sched.get_last_lr()[0] == pytest.approx(0.5 * 0.01)


def test_multistep_lr_with_repeated_milestone():
    opt = _opt(1.0)
    got = _run(opt, ls.MultiStepLR(opt, milestones=[2, 5, 5], gamma=0.5), 7)
    assert got == pytest.approx([1, 1, 0.5, 0.5, 0.5, 0.125, 0.125, 0.125])


def test_exponential_lr_two_groups():
    opt = _opt(1.0, groups=2)
    sched = ls.ExponentialLR(opt, gamma=0.9)
    for _ in range(5):
        opt.step()
        sched.step()
    assert sched.get_last_lr() == pytest.approx([0.9 ** 5, 2 * 0.9 ** 5])
    assert sched.base_lrs == [1.0, 2.0]
    assert [g["initial_lr"] for g in opt.param_groups] == [1.0, 2.0]


@pytest.mark.parametrize("eta_min", [0.0, 0.1])
def test_cosine_annealing_matches_closed_form(eta_min):
    opt = _opt(1.0)
    T = 5
    got = _run(opt, ls.CosineAnnealingLR(opt, T_max=T, eta_min=eta_min), 3 * T)
    expected = [eta_min + (1 - eta_min) * (1 + math.cos(math.pi * t / T)) / 2 for t in range(3 * T + 1)]
    np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-12)


def test_cosine_warm_restarts():
    opt = _opt(1.0)
    sched = ls.CosineAnnealingWarmRestarts(opt, T_0=2, T_mult=2, eta_min=0.0)
    got = _run(opt, sched, 9)
    # periods 2, 4, 8 starting at epochs 0, 2, 6
    t_cur = [0, 1, 0, 1, 2, 3, 0, 1, 2, 3]
    t_i = [2, 2, 4, 4, 4, 4, 8, 8, 8, 8]
    expected = [(1 + math.cos(math.pi * c / i)) / 2 for c, i in zip(t_cur, t_i)]
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-15)
    # jumping to a fractional epoch uses the closed form
    sched.step(6.5)
    assert sched.get_last_lr()[0] == pytest.approx((1 + math.cos(math.pi * 0.5 / 8)) / 2)
    assert sched.last_epoch == 6
    with pytest.raises(ValueError, match="non-negative epoch"):
        sched.step(-1)
    with pytest.raises(ValueError, match="positive integer T_0"):
        ls.CosineAnnealingWarmRestarts(opt, T_0=0)
    with pytest.raises(ValueError, match="T_mult"):
        ls.CosineAnnealingWarmRestarts(opt, T_0=2, T_mult=0)


def _clr(t, base, top, up, down, mode="triangular", gamma=1.0):
    total = up + down
    cycle = math.floor(1 + t / total)
    x = 1 + t / total - cycle
    h = x / (up / total) if x <= up / total else (x - 1) / (up / total - 1)
    scale = {"triangular": 1.0, "triangular2": 1 / 2 ** (cycle - 1), "exp_range": gamma ** t}[mode]
    return base + (top - base) * h * scale


@pytest.mark.parametrize("mode", ["triangular", "triangular2", "exp_range"])
def test_cyclic_lr(mode):
    opt = _opt(0.5, momentum=0.9)
    sched = ls.CyclicLR(opt, base_lr=0.1, max_lr=1.0, step_size_up=3, step_size_down=2, mode=mode, gamma=0.9)
    got = _run(opt, sched, 12)
    np.testing.assert_allclose(got, [_clr(t, 0.1, 1.0, 3, 2, mode, 0.9) for t in range(13)], rtol=1e-12)


def test_cyclic_lr_cycles_momentum_inversely():
    opt = _opt(0.5, momentum=0.9)
    sched = ls.CyclicLR(opt, base_lr=0.0, max_lr=1.0, step_size_up=2, base_momentum=0.8, max_momentum=0.9)
    assert opt.param_groups[0]["momentum"] == pytest.approx(0.9)
    moms = []
    for _ in range(4):
        opt.step()
        sched.step()
        moms.append(opt.param_groups[0]["momentum"])
    assert moms == pytest.approx([0.85, 0.8, 0.85, 0.9])
    adam = _opt(0.5, cls=optim.Adam)
    ls.CyclicLR(adam, base_lr=0.1, max_lr=1.0, step_size_up=2)
    assert adam.param_groups[0]["betas"] == (0.9, 0.999)
    with pytest.raises(ValueError, match="momentum or beta1"):
        ls.CyclicLR(_opt(cls=optim.Adagrad), base_lr=0.1, max_lr=1.0)
    with pytest.raises(ValueError, match="mode"):
        ls.CyclicLR(opt, base_lr=0.1, max_lr=1.0, mode="sawtooth")


def test_cyclic_lr_custom_scale_fn():
    opt = _opt(0.5)
    sched = ls.CyclicLR(opt, base_lr=0.0, max_lr=1.0, step_size_up=1, scale_fn=lambda x: 0.5,
                        scale_mode="iterations", cycle_momentum=False)
    assert _run(opt, sched, 3) == pytest.approx([0.0, 0.5, 0.0, 0.5])
    assert sched.state_dict()["_scale_fn_custom"] is None


def _one_cycle(t, total, max_lr, pct, div, final_div, strategy="cos", three_phase=False):
    init = max_lr / div
    low = init / final_div

    def anneal(a, b, p):
        return b + (a - b) / 2 * (math.cos(math.pi * p) + 1) if strategy == "cos" else a + (b - a) * p

    if three_phase:
        phases = [(pct * total - 1, init, max_lr), (2 * pct * total - 2, max_lr, init), (total - 1, init, low)]
    else:
        phases = [(pct * total - 1, init, max_lr), (total - 1, max_lr, low)]
    start = 0.0
    for i, (end, a, b) in enumerate(phases):
        if t <= end or i == len(phases) - 1:
            return anneal(a, b, (t - start) / (end - start))
        start = end


@pytest.mark.parametrize("strategy, three_phase", [("cos", False), ("linear", False), ("cos", True)])
def test_one_cycle(strategy, three_phase):
    opt = _opt(0.5, momentum=0.9)
    total = 20
    sched = ls.OneCycleLR(opt, max_lr=0.1, total_steps=total, anneal_strategy=strategy, three_phase=three_phase)
    got = _run(opt, sched, total - 1)
    expected = [_one_cycle(t, total, 0.1, 0.3, 25.0, 1e4, strategy, three_phase) for t in range(total)]
    np.testing.assert_allclose(got, expected, rtol=1e-12)
    # hand values (PyTorch): starts at max_lr / 25, peaks at step pct * total - 1, ends at initial / 1e4
    assert got[0] == pytest.approx(0.004)
    assert got[5] == pytest.approx(0.1)
    assert got[-1] == pytest.approx(4e-7)
    opt.step()
    sched.step()  # the total_steps-th step is allowed, the next is not
    with pytest.raises(ValueError, match="Tried to step 21 times"):
        sched.step()


def test_one_cycle_momentum_and_validation():
    opt = _opt(0.5, cls=optim.Adam)
    sched = ls.OneCycleLR(opt, max_lr=1.0, epochs=2, steps_per_epoch=5)
    assert sched.total_steps == 10
    assert opt.param_groups[0]["betas"][0] == pytest.approx(0.95)
    for _ in range(2):
        opt.step()
        sched.step()
    assert opt.param_groups[0]["betas"][0] == pytest.approx(0.85)  # at the peak
    with pytest.raises(ValueError, match="total_steps OR"):
        ls.OneCycleLR(opt, max_lr=1.0)
    with pytest.raises(ValueError, match="pct_start"):
        ls.OneCycleLR(opt, max_lr=1.0, total_steps=10, pct_start=1.5)
    with pytest.raises(ValueError, match="anneal_strategy"):
        ls.OneCycleLR(opt, max_lr=1.0, total_steps=10, anneal_strategy="exp")


def test_linear_lr_chainable_matches_closed_form():
    opt = _opt(0.2)
    got = _run(opt, ls.LinearLR(opt, start_factor=0.1, end_factor=0.9, total_iters=6), 9)
    expected = [0.2 * (0.1 + 0.8 * min(t, 6) / 6) for t in range(10)]
    np.testing.assert_allclose(got, expected, rtol=1e-12)


def test_constant_polynomial_multiplicative():
    opt = _opt(1.0)
    assert _run(opt, ls.ConstantLR(opt, factor=0.25, total_iters=3), 4) == pytest.approx([.25, .25, .25, 1, 1])
    opt = _opt(1.0)
    got = _run(opt, ls.PolynomialLR(opt, total_iters=4, power=2.0), 6)
    np.testing.assert_allclose(got, [(1 - min(t, 4) / 4) ** 2 for t in range(7)], atol=1e-15)
    opt = _opt(1.0)
    assert _run(opt, ls.MultiplicativeLR(opt, lambda e: 0.5 if e % 2 else 1.0), 4) == pytest.approx(
        [1, 0.5, 0.5, 0.25, 0.25])
    with pytest.raises(ValueError, match="between 0 and 1"):
        ls.ConstantLR(opt, factor=2.0)


def test_lambda_lr_per_group_and_errors():
    opt = _opt(1.0, groups=2)
    sched = ls.LambdaLR(opt, [lambda e: e, lambda e: 0.5 ** e])
    for _ in range(3):
        opt.step()
        sched.step()
    assert sched.get_last_lr() == pytest.approx([3.0, 2.0 * 0.125])
    with pytest.raises(ValueError, match="one value per parameter group"):
        ls.LambdaLR(opt, [lambda e: 1.0])
    with pytest.raises(TypeError, match="function"):
        ls.LambdaLR(opt, 0.5)
    # Lucid 2.x argument order
    sched = ls.LambdaLR(lambda e: 0.1, _opt(1.0))
    assert sched.get_last_lr() == [0.1]


def test_sequential_lr():
    opt = _opt(1.0)
    warm = ls.LinearLR(opt, start_factor=0.25, total_iters=2)
    decay = ls.ExponentialLR(opt, gamma=0.5)
    sched = ls.SequentialLR(opt, [warm, decay], milestones=[3])
    # hand-computed with PyTorch's rules: linear warm-up until epoch 2, hold, then 0.5 ** (t - 3)
    assert _run(opt, sched, 6) == pytest.approx([0.25, 0.625, 1.0, 1.0, 0.5, 0.25, 0.125])
    with pytest.raises(ValueError, match="one milestone fewer"):
        ls.SequentialLR(opt, [warm, decay], milestones=[1, 2])
    with pytest.raises(ValueError, match="same optimizer"):
        ls.SequentialLR(opt, [warm, ls.ExponentialLR(_opt(), gamma=0.5)], milestones=[1])
    with pytest.raises(ValueError, match="ReduceLROnPlateau"):
        ls.SequentialLR(opt, [warm, ls.ReduceLROnPlateau(opt)], milestones=[1])


def test_chained_scheduler_multiplies():
    opt = _opt(1.0)
    s1 = ls.StepLR(opt, step_size=2, gamma=0.5)
    s2 = ls.ExponentialLR(opt, gamma=0.9)
    sched = ls.ChainedScheduler([s1, s2])
    got = _run(opt, sched, 5)
    np.testing.assert_allclose(got, [0.5 ** (t // 2) * 0.9 ** t for t in range(6)], rtol=1e-12)


def test_noam_scheduler():
    opt = _opt(1.0, cls=optim.Adam, groups=2)
    d, w, f = 512, 4, 2.0
    sched = ls.NoamScheduler(opt, model_size=d, warmup_steps=w, factor=f)
    got = _run(opt, sched, 12)

    def noam(t):
        t = max(t, 1)
        return f * d ** -0.5 * min(t ** -0.5, t * w ** -1.5)

    np.testing.assert_allclose(got, [noam(t) for t in range(13)], rtol=1e-12)
    assert max(got) == pytest.approx(noam(w))  # the peak is at the end of warm-up
    assert sched.get_last_lr()[1] == sched.get_last_lr()[0]
    with pytest.raises(ValueError, match="warmup_steps"):
        ls.NoamScheduler(opt, model_size=8, warmup_steps=0)
    with pytest.raises(ValueError, match="factor"):
        ls.NoamScheduler(opt, model_size=8, warmup_steps=2, factor=0.0)


def test_reduce_lr_on_plateau_min_mode():
    opt = _opt(1.0)
    sched = ls.ReduceLROnPlateau(opt, mode="min", factor=0.5, patience=2, cooldown=1, min_lr=0.2)
    lrs = []
    for metric in [1.0, 0.9, 0.95, 0.95, 0.95, 0.95, 0.95, 0.95, 0.95, 0.95, 0.95, 0.95]:
        opt.step()
        sched.step(metric)
        lrs.append(sched.get_last_lr()[0])
    # bad epochs 1, 2, 3 > patience -> 0.5; one cooldown epoch; then 3 more bad -> 0.25; then 0.2 (min_lr)
    assert lrs == pytest.approx([1, 1, 1, 1, 0.5, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25, 0.25])
    for _ in range(4):
        sched.step(1.0)
    assert sched.get_last_lr() == [0.2]


def test_reduce_lr_on_plateau_max_mode_threshold_and_tensor_metric():
    opt = _opt(1.0)
    sched = ls.ReduceLROnPlateau(opt, mode="max", factor=0.1, patience=0, threshold=0.1, threshold_mode="abs")
    opt.step()
    sched.step(lucid.tensor(1.0))  # a one-element Tensor: read on the host
    sched.step(lucid.tensor([1.05]))  # not better by more than 0.1: a bad epoch, patience 0
    assert sched.get_last_lr() == pytest.approx([0.1])
    sched.step(np.float32(1.5))
    assert sched.best == 1.5
    with pytest.raises(ValueError, match="single number"):
        sched.step(lucid.tensor([1.0, 2.0]))
    with pytest.raises(TypeError, match="number or a one-element tensor"):
        sched.step("0.5")
    with pytest.raises(ValueError, match="Factor should be < 1.0"):
        ls.ReduceLROnPlateau(opt, factor=1.0)
    with pytest.raises(ValueError, match="mode"):
        ls.ReduceLROnPlateau(opt, mode="median")
    with pytest.raises(ValueError, match="threshold mode"):
        ls.ReduceLROnPlateau(opt, threshold_mode="pct")
    with pytest.raises(ValueError, match="min_lrs"):
        ls.ReduceLROnPlateau(opt, min_lr=[0.1, 0.2])


def test_reduce_lr_on_plateau_nan_is_a_bad_epoch():
    opt = _opt(1.0)
    sched = ls.ReduceLROnPlateau(opt, patience=0, factor=0.5)
    sched.step(1.0)
    sched.step(float("nan"))
    assert sched.get_last_lr() == [0.5]


@pytest.mark.parametrize("make", [
    lambda o: ls.StepLR(o, step_size=2, gamma=0.5),
    lambda o: ls.MultiStepLR(o, milestones=[2, 6, 6], gamma=0.5),
    lambda o: ls.ReduceLROnPlateau(o, patience=1),
    lambda o: ls.CosineAnnealingLR(o, T_max=4),
    lambda o: ls.CyclicLR(o, base_lr=0.1, max_lr=1.0, step_size_up=3),
    lambda o: ls.OneCycleLR(o, max_lr=1.0, total_steps=12),
    lambda o: ls.CosineAnnealingWarmRestarts(o, T_0=2, T_mult=2),
    lambda o: ls.NoamScheduler(o, model_size=64, warmup_steps=3),
    lambda o: ls.SequentialLR(o, [ls.ConstantLR(o, factor=0.5, total_iters=2), ls.ExponentialLR(o, gamma=0.9)],
                              milestones=[3]),
], ids=["step", "multistep", "plateau", "cosine", "cyclic", "onecycle", "warm_restarts", "noam", "sequential"])
@pytest.mark.parametrize("via_json", [False, True])
def test_scheduler_state_dict_round_trip(make, via_json):
    metrics = [1.0, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.97, 0.99, 1.0]

    def run(opt, sched, start, n):
        lrs = []
        for i in range(start, start + n):
            opt.step()
            sched.step(metrics[i]) if isinstance(sched, ls.ReduceLROnPlateau) else sched.step()
            lrs.append(sched.get_last_lr()[0])
        return lrs

    opt = _opt(1.0, momentum=0.9)
    sched = make(opt)
    run(opt, sched, 0, 4)
    state = sched.state_dict()
    assert "optimizer" not in state
    opt_state = opt.state_dict()
    if via_json:  # what lucid.save does with the metadata
        state = json.loads(json.dumps(state))
        opt_state = {"state": {}, "param_groups": json.loads(json.dumps(opt_state["param_groups"]))}
    expected = run(opt, sched, 4, 5)
    assert len(set(expected)) > 1  # the schedule moves in this window

    opt2 = _opt(1.0, momentum=0.9)
    sched2 = make(opt2)
    opt2.load_state_dict(opt_state)
    sched2.load_state_dict(state)
    assert run(opt2, sched2, 4, 5) == pytest.approx(expected, rel=1e-12)


def test_lambda_state_dict_saves_callable_objects_only():
    class Decay:
        def __init__(self):
            self.rate = 0.5

        def __call__(self, epoch):
            return self.rate ** epoch

    opt = _opt(1.0, groups=2)
    obj = Decay()
    sched = ls.LambdaLR(opt, [obj, lambda e: 1.0])
    state = sched.state_dict()
    assert state["lr_lambdas"] == [{"rate": 0.5}, None]
    obj.rate = 0.1
    sched.load_state_dict(state)
    assert obj.rate == 0.5


@pytest.mark.parametrize("fn", [abs, float])
def test_lambda_state_dict_skips_builtins_and_classes(fn):
    # a builtin has no __dict__, a class's __dict__ is its methods: neither is the function's state
    opt = _opt(1.0)
    sched = ls.LambdaLR(opt, fn)
    state = sched.state_dict()
    assert state["lr_lambdas"] == [None]
    json.dumps(state)
    sched.load_state_dict(state)


def test_cyclic_lr_state_dict_keeps_scale_fn_object_state():
    class Halving:
        def __init__(self):
            self.base = 0.5

        def __call__(self, x):
            return self.base ** x

    fn = Halving()
    opt = _opt(0.1, momentum=0.9)
    sched = ls.CyclicLR(opt, base_lr=0.0, max_lr=1.0, step_size_up=2, scale_fn=fn)
    state = sched.state_dict()
    assert state["_scale_fn_custom"] == {"base": 0.5}
    fn.base = 0.25
    sched.load_state_dict(json.loads(json.dumps(state)))
    assert sched._scale_fn_custom is fn and fn.base == 0.5


@pytest.mark.parametrize("make, exc, match", [
    (lambda o: ls.CosineAnnealingWarmRestarts(o, T_0=2.0), TypeError, "T_0 must be an int"),
    (lambda o: ls.CosineAnnealingWarmRestarts(o, T_0=True), TypeError, "T_0 must be an int"),
    (lambda o: ls.OneCycleLR(o, max_lr=1.0, total_steps=0), ValueError, "positive integer total_steps"),
    (lambda o: ls.OneCycleLR(o, max_lr=1.0, epochs=2, steps_per_epoch=0), ValueError, "steps_per_epoch must be >= 1"),
    (lambda o: ls.OneCycleLR(o, max_lr=1.0, total_steps=5, pct_start="0.3"), TypeError, "pct_start must be a real"),
    (lambda o: ls.MultiStepLR(o, milestones=[2, 3.0]), TypeError, "milestones must be an int"),
    (lambda o: ls.ExponentialLR(o, gamma=None), TypeError, "gamma must be a real number"),
    (lambda o: ls.NoamScheduler(o, model_size=8, warmup_steps=2, factor="1"), TypeError, "factor must be a real"),
    (lambda o: ls.ReduceLROnPlateau(o, patience=-1), ValueError, "non-negative integer patience"),
    (lambda o: ls.StepLR(o, step_size=2, last_epoch=-2), ValueError, "last_epoch must be >= -1"),
])
def test_scheduler_argument_errors(make, exc, match):
    with pytest.raises(exc, match=match):
        make(_opt(momentum=0.9))


def test_resume_needs_initial_lr_and_optimizer_type():
    opt = _opt(1.0)
    with pytest.raises(KeyError, match="initial_lr"):
        ls.StepLR(opt, step_size=2, last_epoch=3)
    with pytest.raises(TypeError, match="is not an Optimizer"):
        ls.StepLR(object(), step_size=2)
    with pytest.raises(ValueError, match="step_size must be >= 1"):
        ls.StepLR(opt, step_size=0)


def test_resume_with_last_epoch():
    opt = _opt(1.0)
    ls.StepLR(opt, step_size=2, gamma=0.5)
    opt.param_groups[0]["lr"] = 0.25  # as after epoch 5
    sched = ls.StepLR(opt, step_size=2, gamma=0.5, last_epoch=5)
    assert sched.last_epoch == 6
    assert sched.get_last_lr() == [0.125]  # chainable: epoch 6 decays the current rate


def test_warnings():
    opt = _opt(1.0)
    sched = ls.ExponentialLR(opt, gamma=0.5)
    with pytest.warns(UserWarning, match="before optimizer.step"):
        sched.step()
    with pytest.warns(UserWarning, match="get_last_lr"):
        sched.get_lr()
    opt = _opt(1.0)
    sched = ls.ExponentialLR(opt, gamma=0.5)
    opt.step()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sched.step()


def test_scheduler_drives_optimizer_updates():
    w = lucid.tensor([1.0], requires_grad=True)
    opt = optim.SGD([w], lr=1.0)
    sched = ls.StepLR(opt, step_size=1, gamma=0.5)
    for _ in range(3):
        w.grad = lucid.ones(1)
        opt.step()
        sched.step()
    assert w.tolist() == [1.0 - 1.0 - 0.5 - 0.25]
