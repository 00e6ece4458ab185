"""lucid.compile: compiled steps match the eager ones and update the real objects."""

import warnings

import numpy as np
import pytest

import lucid
import lucid.nn as nn
import lucid.nn.functional as F
from lucid import _compile


def _batches(n, x_shape, y_shape, seed=0):
    rs = np.random.RandomState(seed)
    return [(lucid.tensor(rs.randn(*x_shape).astype(np.float32)), lucid.tensor(rs.randn(*y_shape).astype(np.float32)))
            for _ in range(n)]


def _train(make, compiled, batches, loss_fn, *, clip=None, scheduler=None, opt_cls=lucid.optim.Adam, **opt_kw):
    lucid.manual_seed(0)
    model = make()
    opt = opt_cls(model.parameters(), **opt_kw)
    sched = scheduler(opt) if scheduler else None

    def step(x, y):
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        if clip is not None:
            clip(model.parameters())
        opt.step()
        return loss

    if compiled:
        step = lucid.compile(step, state=[model, opt])
    losses = []
    for x, y in batches:
        losses.append(step(x, y).item())
        if sched is not None:
            sched.step()
    state = {k: v.numpy() for k, v in model.state_dict().items()}
    return losses, state, model, opt, step


def _assert_same(eager, compiled, rtol=1e-5, atol=1e-6):
    np.testing.assert_allclose(compiled[0], eager[0], rtol=rtol, atol=atol)
    assert eager[1].keys() == compiled[1].keys()
    for k in eager[1]:
        np.testing.assert_allclose(compiled[1][k], eager[1][k], rtol=rtol, atol=atol, err_msg=k)


def _mlp():
    return nn.Sequential(nn.Linear(6, 32), nn.ReLU(), nn.Linear(32, 3))


def test_mlp_adam_clip_value_matches_eager():
    batches = _batches(6, (16, 6), (16, 3))
    mse = F.mse_loss
    clip = lambda ps: nn.utils.clip_grad_value(ps, 0.05)  # noqa: E731
    eager = _train(_mlp, False, batches, mse, clip=clip, lr=1e-2)
    comp = _train(_mlp, True, batches, mse, clip=clip, lr=1e-2)
    _assert_same(eager, comp)
    # the optimizer's state is real arrays afterwards, with the same step count
    opt_e, opt_c = eager[3], comp[3]
    for pe, pc in zip(eager[2].parameters(), comp[2].parameters()):
        assert opt_c.state[pc]["step"].item() == opt_e.state[pe]["step"].item() == 6.0
        np.testing.assert_allclose(opt_c.state[pc]["exp_avg_sq"].numpy(), opt_e.state[pe]["exp_avg_sq"].numpy(),
                                   rtol=1e-5, atol=1e-9)
    assert comp[4].traces == 2  # the first step creates the optimizer's state; then one variant serves


def test_clip_grad_norm_and_sgd_momentum_match_eager():
    batches = _batches(4, (8, 6), (8, 3))
    clip = lambda ps: nn.utils.clip_grad_norm(ps, 0.5)  # noqa: E731
    kw = dict(opt_cls=lucid.optim.SGD, lr=0.1, momentum=0.9, clip=clip)
    _assert_same(_train(_mlp, False, batches, F.mse_loss, **kw), _train(_mlp, True, batches, F.mse_loss, **kw))


class _CNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, padding=1)
        self.bn = nn.BatchNorm2d(8)
        self.drop = nn.Dropout(0.3)
        self.fc = nn.Linear(8 * 4 * 4, 5)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.bn(self.conv(x))), 2)
        return self.fc(self.drop(x.flatten(1)))


def test_cnn_batchnorm_dropout_matches_eager():
    rs = np.random.RandomState(1)
    batches = [(lucid.tensor(rs.randn(4, 3, 8, 8).astype(np.float32)), lucid.tensor(rs.randint(0, 5, size=4)))
               for _ in range(4)]
    eager = _train(_CNN, False, batches, F.cross_entropy, lr=1e-2)
    comp = _train(_CNN, True, batches, F.cross_entropy, lr=1e-2)
    _assert_same(eager, comp, rtol=1e-4, atol=1e-5)
    assert comp[1]["bn.num_batches_tracked"] == 4


def test_random_key_advances_like_eager():
    def draw():
        return lucid.nn.functional.dropout(lucid.ones(64), 0.5)

    lucid.manual_seed(3)
    eager = [draw().tolist() for _ in range(3)]
    f = lucid.compile(draw)
    lucid.manual_seed(3)
    comp = [f().tolist() for _ in range(3)]
    assert comp == eager
    assert comp[0] != comp[1]


def test_scheduler_between_steps_does_not_retrace():
    batches = _batches(6, (8, 6), (8, 3))
    sched = lambda opt: lucid.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)  # noqa: E731
    eager = _train(_mlp, False, batches, F.mse_loss, scheduler=sched, opt_cls=lucid.optim.SGD, lr=0.5)
    comp = _train(_mlp, True, batches, F.mse_loss, scheduler=sched, opt_cls=lucid.optim.SGD, lr=0.5)
    _assert_same(eager, comp)
    # one trace without gradients (the first call), one with: the lr halving every step retraces nothing
    assert comp[4].traces == 2
    assert comp[3].param_groups[0]["lr"] == 0.5 * 0.5 ** 6  # a Python float again outside the trace


def test_new_shapes_recompile_and_shapeless():
    f = lucid.compile(lambda x: (x * 2).sum())
    assert f(lucid.ones(3)).item() == 6.0
    assert f(lucid.ones(4)).item() == 8.0
    assert f(lucid.ones(3)).item() == 6.0
    assert f.traces == 2
    g = lucid.compile(lambda x: x * 2, shapeless=True)
    assert g(lucid.ones(3)).tolist() == [2.0] * 3
    assert g(lucid.ones(5)).tolist() == [2.0] * 5
    assert g.traces == 1


def test_recompiling_often_warns(monkeypatch):
    monkeypatch.setattr(_compile, "RECOMPILE_WARNING", 3)
    f = lucid.compile(lambda x: x + 1)
    with pytest.warns(RuntimeWarning, match="compiled .* times"):
        for n in range(1, 6):
            f(lucid.ones(n))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        f(lucid.ones(6))  # warned once only


def test_cache_is_bounded(monkeypatch):
    monkeypatch.setattr(_compile, "CACHE_LIMIT", 2)
    monkeypatch.setattr(_compile, "RECOMPILE_WARNING", 100)
    f = lucid.compile(lambda x: x + 1)
    for n in range(1, 5):
        f(lucid.ones(n))
    assert len(f._cache) == 2


@pytest.mark.parametrize("read", [
    lambda t: t.item(), lambda t: t.tolist(), lambda t: t.numpy(), lambda t: float(t),
    lambda t: 1 if t > 0 else 0,
])
def test_host_read_inside_is_a_clear_error(read):
    w = lucid.tensor([1.0], requires_grad=True)
    f = lucid.compile(lambda x: read((x * w).sum()), state=[w])
    with pytest.raises(RuntimeError, match="lucid.where"):
        f(lucid.ones(1))
    assert w.tolist() == [1.0]  # the real tensor is untouched after the failed trace
    assert not lucid._backend.trace.active()


def test_failed_trace_leaves_optimizer_untouched():
    w = lucid.tensor([1.0, 2.0], requires_grad=True)
    opt = lucid.optim.Adam([w], lr=0.1)

    @lucid.compile(state=[w, opt])
    def step():
        opt.zero_grad()
        (w * w).sum().backward()
        opt.step()
        return w.sum().item()

    with pytest.raises(RuntimeError, match="host"):
        step()
    assert not opt.state and w.grad is None and w.tolist() == [1.0, 2.0]


def test_deferred_checks_raise_after_a_compiled_call():
    emb = lucid.tensor(np.arange(12, dtype=np.float32).reshape(4, 3))
    f = lucid.compile(lambda i: emb[i].sum())
    assert f(lucid.tensor([0, 3])).item() == sum(range(3)) + sum(range(9, 12))
    out = f(lucid.tensor([0, 7]))
    with pytest.raises(IndexError):
        out.item()


def test_buffer_outside_state_is_an_error():
    bn = nn.BatchNorm1d(3)
    f = lucid.compile(lambda x: bn(x))
    with pytest.raises(RuntimeError, match="state="):
        f(lucid.ones(4, 3))


def test_training_flag_recompiles():
    lucid.manual_seed(0)
    drop = nn.Dropout(0.5)
    f = lucid.compile(lambda x: drop(x), state=[drop])
    assert f(lucid.ones(100)).tolist() != [1.0] * 100
    drop.eval()
    assert f(lucid.ones(100)).tolist() == [1.0] * 100


def test_module_compile_for_inference():
    lucid.manual_seed(0)
    m = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))
    x = lucid.randn(5, 3)
    expected = m(x).numpy()
    m.compile()
    with lucid.no_grad():
        out = m(x)
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-6)
    assert m._compiled.traces == 1
    # a call that must be differentiated runs eagerly (the tape is needed)
    m(x).sum().backward()
    assert m[0].weight.grad is not None and m._compiled.traces == 1


def test_bad_arguments():
    with pytest.raises(TypeError, match="callable"):
        lucid.compile(3)
    with pytest.raises(TypeError, match="state="):
        lucid.compile(lambda: 0, state=["model"])
    with pytest.raises(TypeError, match="shapeless"):
        lucid.compile(lambda: 0, shapeless=1)


def test_scheduler_created_after_compiling_does_not_retrace():
    w = lucid.tensor([1.0, 2.0], requires_grad=True)
    opt = lucid.optim.SGD([w], lr=0.1)

    @lucid.compile(state=[w, opt])
    def step():
        opt.zero_grad()
        (w * w).sum().backward()
        opt.step()

    step()
    step()
    sched = lucid.optim.lr_scheduler.ExponentialLR(opt, gamma=0.5)  # adds 'initial_lr' to the group
    for _ in range(3):
        step()
        sched.step()
    assert step.traces == 2
    opt.param_groups[0]["momentum"] = 0.5  # a hyperparameter the update reads: a new variant
    step()
    assert step.traces == 3


def test_state_a_call_leaves_unchanged_keeps_its_version():
    """Inference through lucid.compile must not look like an in-place update of the weights."""
    lucid.manual_seed(0)
    m = nn.Linear(3, 2)
    x = lucid.randn(4, 3, requires_grad=True)
    loss = (m(x) * m.weight.sum()).sum()  # a pending graph that saved the weight
    before = (m.weight._data, m.weight._version, m.bias._version)
    f = lucid.compile(lambda t: m(t), state=[m])
    with lucid.no_grad():
        f(x.detach())
        f(x.detach())
    assert (m.weight._data, m.weight._version, m.bias._version) == before
    loss.backward()  # no "modified by an in-place operation" error
    assert m.weight.grad is not None
