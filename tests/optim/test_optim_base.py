"""The Optimizer base: construction and validation, zero_grad, closures, state_dict, batched evaluation."""

import mlx.core as mx
import numpy as np
import pytest

import lucid
from lucid import optim
from lucid._backend import evaluation

ALL = [optim.SGD, optim.Adam, optim.AdamW, optim.Adamax, optim.NAdam, optim.RAdam, optim.RMSprop, optim.Adagrad,
       optim.Adadelta, optim.Rprop, optim.ASGD, optim.SparseAdam]
# options that create every kind of state
RICH = {
    optim.SGD: dict(lr=0.1, momentum=0.9, nesterov=True),
    optim.Adam: dict(lr=0.1, amsgrad=True, weight_decay=0.1),
    optim.AdamW: dict(lr=0.1),
    optim.Adamax: dict(lr=0.1),
    optim.NAdam: dict(lr=0.1),
    optim.RAdam: dict(lr=0.1, betas=(0.9, 0.5)),
    optim.RMSprop: dict(lr=0.01, momentum=0.5, centered=True),
    optim.Adagrad: dict(lr=0.1, lr_decay=0.01),
    optim.Adadelta: dict(),
    optim.Rprop: dict(lr=0.05),
    optim.ASGD: dict(lr=0.05, t0=1.0, lambd=0.1),
    optim.SparseAdam: dict(lr=0.1),
}


def _params(seed=0):
    rng = np.random.default_rng(seed)
    return [lucid.tensor(rng.standard_normal(s).astype(np.float32), requires_grad=True) for s in [(3, 2), (4,)]]


def _grads(n, seed=1):
    rng = np.random.default_rng(seed)
    return [[rng.standard_normal(s).astype(np.float32) for s in [(3, 2), (4,)]] for _ in range(n)]


def _feed(params, opt, grads):
    for gs in grads:
        for p, g in zip(params, gs):
            p.grad = lucid.tensor(g)
        opt.step()


# -- construction and validation ------------------------------------------------------

@pytest.mark.parametrize("cls, kwargs, exc, match", [
    (optim.SGD, dict(lr=-1.0), ValueError, r"Invalid learning rate: -1.0"),
    (optim.Adam, dict(lr=float("nan")), ValueError, r"Invalid learning rate: nan"),
    (optim.SGD, dict(momentum=-0.5), ValueError, r"Invalid momentum value: -0.5"),
    (optim.SGD, dict(weight_decay=-1e-3), ValueError, r"Invalid weight_decay value: -0.001"),
    (optim.SGD, dict(nesterov=True), ValueError, r"Nesterov momentum requires a momentum and zero dampening"),
    (optim.SGD, dict(nesterov=True, momentum=0.9, dampening=0.1), ValueError, r"Nesterov momentum requires"),
    (optim.Adam, dict(eps=-1.0), ValueError, r"Invalid epsilon value: -1.0"),
    (optim.Adam, dict(betas=(1.0, 0.999)), ValueError, r"Invalid beta parameter at index 0: 1.0"),
    (optim.AdamW, dict(betas=(0.9, -0.1)), ValueError, r"Invalid beta parameter at index 1: -0.1"),
    (optim.Adam, dict(betas=0.9), TypeError, r"betas must be a pair"),
    (optim.Adam, dict(amsgrad="yes"), TypeError, r"amsgrad must be a bool"),
    (optim.NAdam, dict(momentum_decay=-1.0), ValueError, r"Invalid momentum_decay value: -1.0"),
    (optim.RMSprop, dict(alpha=-0.1), ValueError, r"Invalid alpha value: -0.1"),
    (optim.Adagrad, dict(lr_decay=-0.1), ValueError, r"Invalid lr_decay value: -0.1"),
    (optim.Adagrad, dict(initial_accumulator_value=-1.0), ValueError, r"Invalid initial_accumulator_value"),
    (optim.Adadelta, dict(rho=1.5), ValueError, r"Invalid rho value: 1.5"),
    (optim.Rprop, dict(etas=(1.5, 1.2)), ValueError, r"Invalid eta values: 1.5, 1.2"),
    (optim.Rprop, dict(step_sizes=(1.0, 0.1)), ValueError, r"Invalid step_sizes"),
    (optim.ASGD, dict(weight_decay=-1.0), ValueError, r"Invalid weight_decay value"),
    (optim.SGD, dict(lr="0.1"), TypeError, r"lr must be a real number"),
    (optim.SGD, dict(lr=True), TypeError, r"lr must be a real number"),
    (optim.SGD, dict(lr=lucid.tensor(0.1)), TypeError, r"lr must be a real number"),
])
def test_hyperparameter_errors(cls, kwargs, exc, match):
    with pytest.raises(exc, match=match):
        cls(_params(), **kwargs)


@pytest.mark.parametrize("cls", ALL)
def test_every_declared_hyperparameter_is_checked(cls):
    """Each optimizer checks what it declares, at construction and in add_param_group."""
    opt = cls(_params(), **RICH[cls])
    assert "maximize" in cls._flags
    for key in cls._nonnegative:
        with pytest.raises(ValueError, match=rf"Invalid .*: -1.0 \({key} must be >= 0\)"):
            cls(_params(), **{key: -1.0})
        with pytest.raises(TypeError, match=rf"{key} must be a real number"):
            opt.add_param_group({"params": _params(), key: "1"})
    for key in cls._flags:
        with pytest.raises(TypeError, match=rf"{key} must be a bool, got 1 \(int\)"):
            cls(_params(), **{key: 1})
    if "betas" in opt.defaults:
        with pytest.raises(ValueError, match="Invalid beta parameter at index 1"):
            opt.add_param_group({"params": _params(), "betas": (0.9, 1.0)})
    assert len(opt.param_groups) == 1  # nothing half-added


def test_params_errors():
    w = lucid.zeros(2, requires_grad=True)
    with pytest.raises(TypeError, match="iterable of Tensors or dicts, but got a single Tensor"):
        optim.SGD(w)
    with pytest.raises(TypeError, match="but got int"):
        optim.SGD(5)
    with pytest.raises(TypeError, match="got a dict"):
        optim.SGD({"params": [w]})
    with pytest.raises(ValueError, match="optimizer got an empty parameter list"):
        optim.Adam([])
    with pytest.raises(ValueError, match="optimizer got an empty parameter list"):
        optim.Adam(iter([]))
    with pytest.raises(TypeError, match="can only optimize Tensors, but one of the params is ndarray"):
        optim.SGD([np.zeros(2)])
    with pytest.raises(TypeError, match="named_parameters"):
        optim.SGD([("weight", w)])
    with pytest.raises(TypeError, match="ordered collections"):
        optim.SGD({w})
    with pytest.raises(ValueError, match="more than one parameter group"):
        optim.SGD([{"params": [w]}, {"params": [w]}])
    with pytest.raises(ValueError, match="more than once in the same parameter group"):
        optim.SGD([w, w])
    with pytest.raises(ValueError, match="non-leaf"):
        optim.SGD([w * 2])
    with pytest.raises(ValueError, match="'params' entry"):
        optim.SGD([{"lr": 0.1}])
    with pytest.raises(TypeError, match="param_group must be a dict"):
        optim.SGD([w]).add_param_group([w])


def test_generator_params_and_defaults():
    ps = _params()
    opt = optim.Adam(p for p in ps)
    g = opt.param_groups[0]
    assert g["params"] == ps or all(a is b for a, b in zip(g["params"], ps))
    assert (g["lr"], g["betas"], g["eps"], g["weight_decay"], g["amsgrad"], g["maximize"]) == \
        (1e-3, (0.9, 0.999), 1e-8, 0.0, False, False)
    assert opt.defaults["lr"] == 1e-3
    assert optim.SGD(ps).defaults["lr"] == 1e-3
    assert optim.AdamW(ps).defaults["weight_decay"] == 1e-2
    assert "Parameter Group 0" in repr(opt) and "lr: 0.001" in repr(opt)


def test_add_param_group_validates_and_fills_defaults():
    a, b = _params()
    opt = optim.SGD([a], lr=0.1, momentum=0.9)
    with pytest.raises(ValueError, match="Invalid learning rate: -2"):
        opt.add_param_group({"params": [b], "lr": -2})
    with pytest.raises(ValueError, match="more than one parameter group"):
        opt.add_param_group({"params": [a]})
    opt.add_param_group({"params": b, "lr": 0.5})
    assert len(opt.param_groups) == 2
    assert opt.param_groups[1]["momentum"] == 0.9 and opt.param_groups[1]["lr"] == 0.5
    assert opt.param_groups[1]["params"][0] is b


# -- zero_grad and closure -----------------------------------------------------------------

def test_zero_grad():
    a, b = _params()
    opt = optim.SGD([a, b])
    (a.sum() * 2).backward()
    assert a.grad is not None and b.grad is None
    g = a.grad
    opt.zero_grad(set_to_none=False)
    assert a.grad is g and np.all(g.numpy() == 0) and g.shape == a.shape and b.grad is None
    opt.zero_grad()
    assert a.grad is None


def test_closure_runs_under_enable_grad_and_returns_loss():
    w = lucid.tensor([3.0, -1.0], requires_grad=True)
    opt = optim.SGD([w], lr=0.1)
    calls = []

    def closure():
        calls.append(lucid.is_grad_enabled())
        opt.zero_grad()
        loss = (w * w).sum()
        loss.backward()
        return loss

    with lucid.no_grad():
        loss = opt.step(closure)
    assert calls == [True]
    assert loss.item() == 10.0
    np.testing.assert_allclose(w.numpy(), [2.4, -0.8], rtol=1e-6)
    assert opt.step() is None


# -- state_dict -------------------------------------------------------------------------------

@pytest.mark.parametrize("cls", ALL, ids=lambda c: c.__name__)
def test_state_dict_round_trip_continues_identically(cls):
    kwargs = RICH[cls]
    grads = _grads(5)
    ps = _params()
    opt = cls(ps, **kwargs)
    _feed(ps, opt, grads[:3])
    sd = opt.state_dict()
    saved_values = [p.numpy().copy() for p in ps]
    _feed(ps, opt, grads[3:])
    expected = [p.numpy() for p in ps]

    # the state dict is a snapshot: later steps did not change it
    assert sorted(sd["state"]) == [0, 1]
    assert sd["param_groups"][0]["params"] == [0, 1]
    for st in sd["state"].values():
        for name, t in st.items():
            assert isinstance(t, lucid.Tensor), name
    if cls._scalar_keys:
        assert sd["state"][0]["step"].item() == 3.0

    # resume: fresh parameters holding the saved values, a fresh optimizer with other hyperparameters
    ps2 = [lucid.tensor(v, requires_grad=True) for v in saved_values]
    opt2 = cls(ps2, lr=0.123)
    opt2.load_state_dict(sd)
    assert opt2.param_groups[0]["lr"] == opt.param_groups[0]["lr"]
    _feed(ps2, opt2, grads[3:])
    for got, exp in zip(ps2, expected):
        np.testing.assert_array_equal(got.numpy(), exp)


@pytest.mark.parametrize("cls", [optim.Adam, optim.NAdam, optim.ASGD, optim.SGD], ids=lambda c: c.__name__)
def test_load_state_dict_from_numpy_values(cls):
    # what a checkpoint on disk gives back: NumPy arrays / Python numbers, lists instead of tuples, str keys
    kwargs = RICH[cls]
    grads = _grads(4)
    ps = _params()
    opt = cls(ps, **kwargs)
    _feed(ps, opt, grads[:2])
    sd = opt.state_dict()
    saved_values = [p.numpy().copy() for p in ps]
    _feed(ps, opt, grads[2:])
    disk = {
        "state": {str(i): {k: (t.item() if t.ndim == 0 else t.numpy()) for k, t in st.items()}
                  for i, st in sd["state"].items()},
        "param_groups": [{k: (list(v) if isinstance(v, tuple) else v) for k, v in g.items()}
                         for g in sd["param_groups"]],
    }
    ps2 = [lucid.tensor(v, requires_grad=True) for v in saved_values]
    opt2 = cls(ps2)
    opt2.load_state_dict(disk)
    if "betas" in opt2.param_groups[0]:
        assert isinstance(opt2.param_groups[0]["betas"], tuple)
    for st in opt2.state.values():
        for name, t in st.items():
            assert t.dtype == lucid.float32, name
    # counters are shared again between the parameters of the group
    if cls._scalar_keys:
        assert opt2.state[ps2[0]]["step"]._data is opt2.state[ps2[1]]["step"]._data
    _feed(ps2, opt2, grads[2:])
    for got, exp in zip(ps2, ps):
        np.testing.assert_allclose(got.numpy(), exp.numpy(), rtol=1e-6, atol=1e-7)


def test_load_state_dict_errors():
    ps = _params()
    opt = optim.Adam(ps, lr=0.1)
    _feed(ps, opt, _grads(1))
    sd = opt.state_dict()
    with pytest.raises(TypeError, match="'state' and 'param_groups'"):
        opt.load_state_dict({"state": {}})
    with pytest.raises(ValueError, match="different number of parameter groups|parameter groups"):
        opt.load_state_dict({"state": {}, "param_groups": sd["param_groups"] * 2})
    with pytest.raises(ValueError, match="doesn't match the size"):
        optim.Adam(ps[:1]).load_state_dict(sd)
    bad = {"state": {0: dict(sd["state"][0], exp_avg=lucid.zeros(7))}, "param_groups": sd["param_groups"]}
    with pytest.raises(ValueError, match="shape"):
        optim.Adam(ps).load_state_dict(bad)
    with pytest.raises(ValueError, match="parameter index 5"):
        optim.Adam(ps).load_state_dict({"state": {5: sd["state"][0]}, "param_groups": sd["param_groups"]})
    with pytest.raises(ValueError, match="Invalid learning rate"):
        optim.Adam(ps).load_state_dict({"state": {}, "param_groups": [dict(sd["param_groups"][0], lr=-1.0)]})
    nostep = {k: v for k, v in sd["state"][0].items() if k != "step"}
    with pytest.raises(ValueError, match="lacks the counters"):
        optim.Adam(ps).load_state_dict({"state": {0: nostep}, "param_groups": sd["param_groups"]})


# -- laziness: one batched evaluation per step ---------------------------------------------------

@pytest.mark.parametrize("cls", ALL, ids=lambda c: c.__name__)
def test_step_is_one_batched_evaluation(cls, monkeypatch):
    ps = [lucid.tensor(np.full((3,), float(i), dtype=np.float32), requires_grad=True) for i in range(12)]
    opt = cls(ps, **RICH[cls])
    calls = {"eval_arrays": 0, "mx.eval": 0}
    real_eval_arrays = evaluation.eval_arrays
    real_mx_eval = mx.eval

    def counting_eval_arrays(arrays, budget=None):
        calls["eval_arrays"] += 1
        arrays = list(arrays)
        calls["n"] = len(arrays)
        return real_eval_arrays(arrays, budget)

    def counting_mx_eval(*args):
        calls["mx.eval"] += 1
        return real_mx_eval(*args)

    monkeypatch.setattr(evaluation, "eval_arrays", counting_eval_arrays)
    monkeypatch.setattr(mx, "eval", counting_mx_eval)
    for _ in range(2):
        for p in ps:
            p.grad = lucid.ones(3)
        calls.update({"eval_arrays": 0, "mx.eval": 0})
        opt.step()
        assert calls["eval_arrays"] == 1
        assert calls["mx.eval"] == 1
        assert calls["n"] >= len(ps)  # parameters and state together


def test_eval_budget_splits_into_batches(monkeypatch):
    ps = [lucid.tensor(np.zeros(256, dtype=np.float32), requires_grad=True) for _ in range(4)]
    opt = optim.Adam(ps, lr=0.1)
    count = {"n": 0}
    real = mx.eval

    def counting(*args):
        count["n"] += 1
        return real(*args)

    monkeypatch.setattr(mx, "eval", counting)
    budget = lucid.get_eval_budget()
    try:
        lucid.set_eval_budget(1024)  # one 256-float array per batch
        for p in ps:
            p.grad = lucid.ones(256)
        opt.step()
    finally:
        lucid.set_eval_budget(budget)
    assert count["n"] > 1


def test_counters_are_shared_and_computed_once_per_group():
    ps = _params()
    opt = optim.Adam(ps, lr=0.1)
    advances = []
    real = opt._advance

    def counting(scalars, group):
        advances.append(1)
        return real(scalars, group)

    opt._advance = counting
    _feed(ps, opt, _grads(3))
    assert len(advances) == 3
    assert opt.state[ps[0]]["step"]._data is opt.state[ps[1]]["step"]._data
    assert opt.state[ps[0]]["step"].dtype == lucid.float32 and opt.state[ps[0]]["step"].shape == ()


def test_accepts_nn_parameters_and_trains_end_to_end():
    rng = np.random.default_rng(0)
    x = lucid.tensor(rng.standard_normal((64, 3)).astype(np.float32))
    true_w = np.array([1.5, -2.0, 0.5], dtype=np.float32)
    y = lucid.tensor(x.numpy() @ true_w)
    w = lucid.nn.Parameter(lucid.zeros(3))
    opt = optim.Adam([w], lr=0.1)
    for _ in range(200):
        opt.zero_grad()
        loss = ((x * w).sum(axis=1) - y).square().mean()
        loss.backward()
        opt.step()
    assert isinstance(w, lucid.nn.Parameter)
    np.testing.assert_allclose(w.numpy(), true_w, atol=1e-2)
