"""lucid.nn.utils: skip_init, stateless.functional_call, and every import spelling of the new submodules."""

import importlib

import numpy as np
import pytest

import lucid
import lucid.nn as nn
from lucid.nn.util import skip_init


def test_import_spellings_give_one_module_each():
    for name in ("parametrize", "parametrizations", "prune", "stateless", "rnn"):
        via_utils = importlib.import_module(f"lucid.nn.utils.{name}")
        assert via_utils is importlib.import_module(f"lucid.nn.util.{name}") is getattr(lucid.nn.utils, name)
    from lucid.nn.utils import parametrize  # noqa: F401  (the `from ... import` form)
    ns: dict = {}
    exec("import lucid.nn.utils.prune as prune", ns)
    assert ns["prune"] is lucid.nn.util.prune
    assert lucid.nn.utils.parametrizations.orthogonal is lucid.nn.util.parametrizations.orthogonal
    for name in ("weight_norm", "remove_weight_norm", "spectral_norm", "remove_spectral_norm", "skip_init",
                 "fuse_conv_bn_eval", "fuse_conv_bn_weights", "fuse_linear_bn_eval", "fuse_linear_bn_weights"):
        assert callable(getattr(lucid.nn.utils, name)) and name in lucid.nn.util.__all__


def test_skip_init_leaves_zeros_and_draws_no_random_numbers():
    lucid.random.seed(0)
    expected = lucid.random.rand(3).numpy()
    lucid.random.seed(0)
    layer = skip_init(nn.Linear, 4, 3, bias=True)
    np.testing.assert_array_equal(lucid.random.rand(3).numpy(), expected)  # the stream is where it was
    assert layer.weight.shape == (3, 4) and layer.bias.shape == (3,)
    assert not layer.weight.numpy().any() and layer.weight.requires_grad
    bn = skip_init(nn.BatchNorm1d, 3)
    assert not bn.running_var.numpy().any()
    conv = skip_init(nn.Conv2d, 2, 3, 3, device="cpu", dtype=lucid.float64)
    assert conv.weight.dtype == lucid.float64


def test_skip_init_errors():
    with pytest.raises(TypeError, match="Module subclass"):
        skip_init(nn.Linear(2, 2))
    with pytest.raises(TypeError, match="Module subclass"):
        skip_init(int)
    with pytest.raises(TypeError, match="no device"):
        skip_init(nn.ReLU, device="cpu")


def test_stateless_functional_call_is_func_functional_call():
    from lucid.nn.utils import stateless

    assert stateless.functional_call is lucid.func.functional_call
    lin = nn.Linear(2, 1, bias=False)
    w = lucid.tensor([[1.0, 2.0]])
    out = stateless.functional_call(lin, {"weight": w}, (lucid.tensor([3.0, 4.0]),))
    assert out.tolist() == [11.0]

    class NoArgs(nn.Module):
        def __init__(self):
            super().__init__()
            self.p = nn.Parameter(lucid.ones(2))

        def forward(self, scale=1.0):
            return self.p * scale

    m = NoArgs()
    assert stateless.functional_call(m, {"p": lucid.tensor([2.0, 3.0])}, None, {"scale": 2.0}).tolist() == [4.0, 6.0]
    assert stateless.functional_call(m, {"p": lucid.tensor([2.0, 3.0])}).tolist() == [2.0, 3.0]


def test_functional_call_on_parametrized_and_pruned_modules():
    from lucid.nn.util import prune
    from lucid.nn.util.parametrizations import weight_norm

    lin = weight_norm(nn.Linear(2, 2, bias=False))
    x = lucid.tensor([[1.0, 1.0]])
    g = lucid.tensor([[1.0], [2.0]])
    v = lucid.tensor([[3.0, 4.0], [0.0, 5.0]])
    out = lucid.func.functional_call(
        lin, {"parametrizations.weight.original0": g, "parametrizations.weight.original1": v}, (x,))
    np.testing.assert_allclose(out.numpy(), [[7 / 5, 2.0]], rtol=1e-6)
    pruned = prune.custom_from_mask(nn.Linear(2, 2, bias=False), "weight", mask=lucid.tensor([[1.0, 0.0],
                                                                                              [1.0, 1.0]]))
    out = lucid.func.functional_call(pruned, {"weight_orig": v}, (x,))
    np.testing.assert_allclose(out.numpy(), [[3.0, 5.0]])


def test_functional_call_with_the_parametrized_name_bypasses_the_parametrization():
    from lucid.nn.util.parametrizations import orthogonal

    lin = orthogonal(nn.Linear(2, 2, bias=False))
    W = lucid.tensor([[1.0, 2.0], [3.0, 4.0]])
    x = lucid.tensor([[1.0, 1.0]])
    assert lucid.func.functional_call(lin, {"weight": W}, (x,)).tolist() == [[3.0, 7.0]]
    assert not lin.__dict__["_parametrization_overrides"]  # put back afterwards
    Q = lin.weight.numpy()
    np.testing.assert_allclose(Q @ Q.T, np.eye(2), atol=1e-6)
    net = nn.Sequential(lin)
    assert lucid.func.functional_call(net, {"0.weight": W}, (x,)).tolist() == [[3.0, 7.0]]
    with pytest.raises(ValueError, match="unknown"):
        lucid.func.functional_call(net, {"0.wait": W}, (x,))


def _build(kind):
    from lucid.nn.util import parametrizations as P
    from lucid.nn.util import prune

    lucid.random.seed(0)
    lin = nn.Linear(6, 6)
    {"weight_norm": lucid.nn.utils.weight_norm, "spectral_norm": lucid.nn.utils.spectral_norm,
     "prune": lambda m: prune.l1_unstructured(m, "weight", amount=0.5), "p_weight_norm": P.weight_norm,
     "p_spectral_norm": P.spectral_norm, "p_orthogonal": P.orthogonal,
     "p_cayley": lambda m: P.orthogonal(m, orthogonal_map="cayley"),
     "p_householder": lambda m: P.orthogonal(m, orthogonal_map="householder")}[kind](lin)
    return lin


@pytest.mark.parametrize("kind", ["weight_norm", "spectral_norm", "prune", "p_weight_norm", "p_spectral_norm",
                                  "p_orthogonal", "p_cayley", "p_householder"])
def test_compiled_training_step_matches_eager(kind):
    x, y = lucid.randn(8, 6), lucid.randn(8, 6)
    results = []
    for compiled in (False, True):
        model = _build(kind)
        opt = lucid.optim.SGD(model.parameters(), lr=0.05)

        def step(x, y, model=model, opt=opt):
            opt.zero_grad()
            loss = ((model(x) - y) ** 2).mean()
            loss.backward()
            opt.step()
            return loss

        run = lucid.compile(step, state=[model, opt]) if compiled else step
        losses = [run(x, y).item() for _ in range(3)]
        state = {k: v.numpy() for k, v in model.state_dict().items()}
        model.weight.numpy()  # readable after compiled steps (no placeholder left behind)
        results.append((losses, state, model(x).numpy()))
    (l0, s0, o0), (l1, s1, o1) = results
    np.testing.assert_allclose(l1, l0, rtol=1e-5)
    for k in s0:
        np.testing.assert_allclose(s1[k], s0[k], rtol=1e-5, atol=1e-6, err_msg=k)
    np.testing.assert_allclose(o1, o0, rtol=1e-5, atol=1e-6)
