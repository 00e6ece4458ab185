"""lucid.optim.swa_utils: AveragedModel, the averaging functions, SWALR and update_bn, against closed forms."""

import math

import mlx.core as mx
import numpy as np
import pytest

import lucid
from lucid import nn
from lucid.optim.swa_utils import (
    SWALR,
    AveragedModel,
    get_ema_avg_fn,
    get_ema_multi_avg_fn,
    get_swa_avg_fn,
    get_swa_multi_avg_fn,
    update_bn,
)


def _model():
    lucid.manual_seed(0)
    return nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Linear(4, 2))


def _snapshots(model, k, seed=0):
    """Set the model's parameters (and BN statistics) to k random snapshots; yield each."""
    rng = np.random.default_rng(seed)
    for _ in range(k):
        values = []
        for p in model.parameters():
            v = rng.standard_normal(p.shape).astype(np.float32)
            p.data = lucid.tensor(v)
            values.append(v)
        bn = model[1]
        bn.running_mean.data = lucid.tensor(rng.standard_normal(4).astype(np.float32))
        yield values


def test_swa_average_of_k_snapshots_is_their_mean():
    model = _model()
    swa = AveragedModel(model)
    snaps = []
    for values in _snapshots(model, 5):
        swa.update_parameters(model)
        snaps.append(values)
    assert swa.n_averaged.item() == 5 and swa.n_averaged.dtype == lucid.int64
    for i, p in enumerate(swa.module.parameters()):
        np.testing.assert_allclose(p.numpy(), np.mean([s[i] for s in snaps], axis=0), rtol=1e-5, atol=1e-6)
    # buffers are copied from the model, not averaged
    np.testing.assert_array_equal(swa.module[1].running_mean.numpy(), model[1].running_mean.numpy())
    # the copy is independent of the model
    assert swa.module[0].weight is not model[0].weight


@pytest.mark.parametrize("multi", [True, False])
def test_ema_matches_the_recursion(multi):
    decay = 0.8
    model = _model()
    kw = {"multi_avg_fn": get_ema_multi_avg_fn(decay)} if multi else {"avg_fn": get_ema_avg_fn(decay)}
    ema = AveragedModel(model, **kw)
    expected = None
    for values in _snapshots(model, 4, seed=1):
        ema.update_parameters(model)
        expected = [v.copy() for v in values] if expected is None else \
            [decay * e + (1 - decay) * v for e, v in zip(expected, values)]
    for p, e in zip(ema.module.parameters(), expected):
        np.testing.assert_allclose(p.numpy(), e, rtol=1e-5, atol=1e-6)


def test_swa_avg_fn_and_multi_fn_agree():
    a = AveragedModel(_model(), avg_fn=get_swa_avg_fn())
    b = AveragedModel(_model(), multi_avg_fn=get_swa_multi_avg_fn())
    model = _model()
    for _ in _snapshots(model, 3, seed=2):
        a.update_parameters(model)
        b.update_parameters(model)
    for p, q in zip(a.parameters(), b.parameters()):
        np.testing.assert_allclose(p.numpy(), q.numpy(), rtol=1e-6)


def test_use_buffers_averages_buffers_too():
    model = _model()
    swa = AveragedModel(model, use_buffers=True)
    means = []
    for _ in _snapshots(model, 3, seed=3):
        swa.update_parameters(model)
        means.append(model[1].running_mean.numpy())
    np.testing.assert_allclose(swa.module[1].running_mean.numpy(), np.mean(means, axis=0), rtol=1e-5, atol=1e-6)


def test_custom_avg_fn_sees_count_and_first_update_copies():
    seen = []

    def avg_fn(avg, cur, n):
        seen.append(n.item())
        return avg * 0 + 100.0  # anything: the first update must copy regardless

    model = nn.Linear(2, 1)
    swa = AveragedModel(model, avg_fn=avg_fn)
    swa.update_parameters(model)
    np.testing.assert_array_equal(swa.module.weight.numpy(), model.weight.numpy())
    swa.update_parameters(model)
    assert swa.module.weight.tolist() == [[100.0, 100.0]]
    assert seen == [0, 0, 1, 1]  # weight and bias, per update


def test_forward_state_dict_and_device():
    model = nn.Linear(3, 2)
    swa = AveragedModel(model, device="cpu")
    swa.update_parameters(model)
    x = lucid.ones(5, 3)
    np.testing.assert_allclose(swa(x).numpy(), model(x).numpy(), rtol=1e-6)
    assert sorted(swa.state_dict()) == ["module.bias", "module.weight", "n_averaged"]
    # parameters of the average receive no gradient graph from the update
    assert swa.module.weight.grad is None


def test_update_is_lazy_and_evaluated_by_the_next_step(monkeypatch):
    model = nn.Linear(3, 2)
    swa = AveragedModel(model)
    opt = lucid.optim.SGD(model.parameters(), lr=0.1)
    calls = []
    real = mx.eval
    monkeypatch.setattr(mx, "eval", lambda *a: (calls.append(a), real(*a))[1])
    swa.update_parameters(model)
    swa.update_parameters(model)
    assert calls == []
    (model(lucid.ones(1, 3)) ** 2).sum().backward()
    opt.step()
    assert len(calls) == 1
    evaluated = {id(a) for a in calls[0][0]}
    assert id(swa.module.weight._data) in evaluated and id(swa.n_averaged._data) in evaluated


def test_averaged_model_errors():
    model = nn.Linear(2, 2)
    with pytest.raises(ValueError, match="either avg_fn or multi_avg_fn"):
        AveragedModel(model, avg_fn=get_swa_avg_fn(), multi_avg_fn=get_swa_multi_avg_fn())
    with pytest.raises(TypeError, match="Module"):
        AveragedModel([model])
    with pytest.raises(TypeError, match="avg_fn must be callable"):
        AveragedModel(model, avg_fn=0.5)
    swa = AveragedModel(model)
    with pytest.raises(ValueError, match="tensors to average"):
        swa.update_parameters(nn.Linear(2, 2, bias=False))
    with pytest.raises(ValueError, match="shape"):
        swa.update_parameters(nn.Linear(3, 2))
    with pytest.raises(ValueError, match="decay"):
        get_ema_multi_avg_fn(1.5)
    with pytest.raises(TypeError, match="decay"):
        get_ema_avg_fn("0.9")


# -- SWALR ------------------------------------------------------------------------------------------


def _lr_sequence(n, **kwargs):
    opt = lucid.optim.SGD([lucid.zeros(1, requires_grad=True)], lr=kwargs.pop("lr", 1.0))
    sched = SWALR(opt, **kwargs)
    lrs = [opt.param_groups[0]["lr"]]
    for _ in range(n):
        opt.step()
        sched.step()
        lrs.append(opt.param_groups[0]["lr"])
    return lrs


@pytest.mark.parametrize("strategy", ["cos", "linear"])
@pytest.mark.parametrize("anneal_epochs", [0, 1, 4])
def test_swalr_matches_the_closed_form(strategy, anneal_epochs):
    lr0, swa_lr = 0.5, 0.05
    got = _lr_sequence(7, lr=lr0, swa_lr=swa_lr, anneal_epochs=anneal_epochs, anneal_strategy=strategy)

    def alpha(k):
        t = 1.0 if anneal_epochs == 0 else min(1.0, k / anneal_epochs)
        return t if strategy == "linear" else (1 - math.cos(math.pi * t)) / 2

    expected = [alpha(k) * swa_lr + (1 - alpha(k)) * lr0 for k in range(8)]
    np.testing.assert_allclose(got, expected, rtol=1e-12)


def test_swalr_per_group_rates_and_state_dict():
    a, b = lucid.zeros(1, requires_grad=True), lucid.zeros(1, requires_grad=True)
    opt = lucid.optim.SGD([{"params": [a], "lr": 1.0}, {"params": [b], "lr": 0.1}])
    sched = SWALR(opt, swa_lr=[0.5, 0.01], anneal_epochs=2, anneal_strategy="linear")
    for _ in range(2):
        opt.step()
        sched.step()
    assert [g["swa_lr"] for g in opt.param_groups] == [0.5, 0.01]
    np.testing.assert_allclose(sched.get_last_lr(), [0.5, 0.01])
    sd = sched.state_dict()
    assert sd["anneal_epochs"] == 2 and sd["anneal_strategy"] == "linear"
    sched2 = SWALR(lucid.optim.SGD([lucid.zeros(1, requires_grad=True)]), swa_lr=0.3)
    sched2.load_state_dict(sd)
    assert sched2.anneal_epochs == 2 and sched2.anneal_func(0.25) == 0.25


def test_swalr_errors():
    opt = lucid.optim.SGD([lucid.zeros(1, requires_grad=True)])
    with pytest.raises(ValueError, match="anneal_strategy"):
        SWALR(opt, swa_lr=0.1, anneal_strategy="exp")
    with pytest.raises(ValueError, match="anneal_epochs"):
        SWALR(opt, swa_lr=0.1, anneal_epochs=-1)
    with pytest.raises(TypeError, match="anneal_epochs"):
        SWALR(opt, swa_lr=0.1, anneal_epochs=2.5)
    with pytest.raises(ValueError, match="one value per parameter group"):
        SWALR(opt, swa_lr=[0.1, 0.2])
    with pytest.raises(ValueError, match="swa_lr"):
        SWALR(opt, swa_lr=-0.1)
    with pytest.raises(TypeError, match="not an Optimizer"):
        SWALR("sgd", swa_lr=0.1)


# -- update_bn ------------------------------------------------------------------------------------------


def test_update_bn_gives_the_dataset_statistics():
    rng = np.random.default_rng(4)
    data = (rng.standard_normal((24, 3)) * [1.0, 2.0, 0.5] + [3.0, -1.0, 0.0]).astype(np.float32)
    batches = [lucid.tensor(data[i:i + 8]) for i in range(0, 24, 8)]
    model = nn.Sequential(nn.BatchNorm1d(3, momentum=0.3))
    model.eval()
    bn = model[0]
    bn.running_mean.data = lucid.full((3,), 9.0)
    update_bn(batches, model)
    # equal batches: the cumulative average of batch means is the dataset mean,
    # and of the unbiased batch variances their mean
    np.testing.assert_allclose(bn.running_mean.numpy(), data.mean(0), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(bn.running_var.numpy(),
                               np.mean([data[i:i + 8].var(0, ddof=1) for i in range(0, 24, 8)], axis=0), rtol=1e-5)
    assert bn.num_batches_tracked.item() == 3
    assert bn.momentum == 0.3 and model.training is False and bn.training is False
    # one batch holding the whole data set, in (input, target) pairs: the data set's mean and variance
    update_bn([(lucid.tensor(data), lucid.zeros(24))], model, device="cpu")
    np.testing.assert_allclose(bn.running_mean.numpy(), data.mean(0), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(bn.running_var.numpy(), data.var(0, ddof=1), rtol=1e-5)


def test_update_bn_restores_state_after_an_error_and_ignores_models_without_bn():
    model = nn.Sequential(nn.Linear(2, 2), nn.BatchNorm1d(2))

    def loader():
        yield lucid.ones(4, 2)
        raise RuntimeError("loader broke")

    with pytest.raises(RuntimeError, match="loader broke"):
        update_bn(loader(), model.eval())
    assert model[1].momentum == 0.1 and not model.training
    linear = nn.Linear(2, 2)
    update_bn([lucid.ones(1, 2)], linear)  # nothing to do
    with pytest.raises(TypeError, match="Module"):
        update_bn([], "model")


def test_swa_end_to_end_with_averaged_model_and_update_bn():
    lucid.manual_seed(1)
    model = nn.Sequential(nn.Linear(2, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Linear(8, 1))
    swa = AveragedModel(model)
    opt = lucid.optim.SGD(model.parameters(), lr=0.1)
    sched = SWALR(opt, swa_lr=0.05, anneal_epochs=2)
    x = lucid.randn(32, 2)
    y = x.sum(1, keepdim=True)
    for _ in range(6):
        opt.zero_grad()
        ((model(x) - y) ** 2).mean().backward()
        opt.step()
        swa.update_parameters(model)
        sched.step()
    update_bn([x[:16], x[16:]], swa)
    swa.eval()
    assert np.isfinite(swa(x).numpy()).all()
    assert swa.n_averaged.item() == 6 and opt.param_groups[0]["lr"] == pytest.approx(0.05)
