"""Module backward hooks, state-dict hooks, extra state and get_buffer."""

from collections import OrderedDict

import numpy as np
import pytest

import lucid
import lucid.nn as nn

RNG = np.random.default_rng(0)
W = RNG.standard_normal((2, 3))
X = RNG.standard_normal((4, 3))
G = RNG.standard_normal((4, 2))  # upstream gradient (not ones)


def _linear():
    m = nn.Linear(3, 2, bias=False)
    m.weight._data = lucid.tensor(W, dtype=lucid.float32)._data
    return m


def _run(m, x=None):
    x = lucid.tensor(X, dtype=lucid.float32, requires_grad=True) if x is None else x
    (m(x) * lucid.tensor(G, dtype=lucid.float32)).sum().backward()
    return x


def test_full_backward_hook_sees_input_and_output_grads():
    m = _linear()
    seen = []
    m.register_full_backward_hook(lambda mod, gi, go: seen.append((mod, gi, go)))
    x = _run(m)
    (mod, gi, go), = seen
    assert mod is m and len(gi) == 1 and len(go) == 1
    np.testing.assert_allclose(go[0].numpy(), G, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(gi[0].numpy(), G @ W, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(x.grad.numpy(), G @ W, rtol=1e-5, atol=1e-6)


def test_full_backward_hook_replaces_grad_input_only():
    m = _linear()
    m.register_full_backward_hook(lambda mod, gi, go: (gi[0] * 2,))
    x = _run(m)
    np.testing.assert_allclose(x.grad.numpy(), 2 * G @ W, rtol=1e-5, atol=1e-6)
    # The parameter gradient comes from grad_output, unchanged.
    np.testing.assert_allclose(m.weight.grad.numpy(), G.T @ X, rtol=1e-5, atol=1e-6)


def test_backward_pre_hook_replaces_grad_output_before_hooks():
    m = _linear()
    order = []
    m.register_full_backward_hook(lambda mod, gi, go: order.append(("hook", go[0].numpy())))
    m.register_full_backward_pre_hook(lambda mod, go: order.append("pre") or (go[0] * 3,))
    x = _run(m)
    assert order[0] == "pre" and order[1][0] == "hook"
    np.testing.assert_allclose(order[1][1], 3 * G, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(x.grad.numpy(), 3 * G @ W, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(m.weight.grad.numpy(), 3 * G.T @ X, rtol=1e-5, atol=1e-6)


def test_handles_remove_and_prepend():
    m = _linear()
    calls = []
    h1 = m.register_full_backward_hook(lambda *a: calls.append(1))
    m.register_full_backward_hook(lambda *a: calls.append(0), prepend=True)
    _run(m)
    assert calls == [0, 1]
    h1.remove()
    calls.clear()
    _run(m)
    assert calls == [0]


class _Two(nn.Module):
    def forward(self, a, b, scale):
        return a * scale, a + b


def test_multiple_inputs_and_outputs_with_none_entries():
    m = _Two()
    seen = []
    m.register_full_backward_hook(lambda mod, gi, go: seen.append((gi, go)))
    a = lucid.tensor([1.0, 2.0], requires_grad=True)
    b = lucid.tensor([3.0, 4.0])  # needs no grad
    p, _q = m(a, b, 5.0)
    (p * 2).sum().backward()  # q is unused
    (gi, go), = seen
    assert len(gi) == 2 and gi[1] is None
    assert len(go) == 2 and go[1] is None
    np.testing.assert_allclose(go[0].numpy(), [2.0, 2.0])
    np.testing.assert_allclose(gi[0].numpy(), [10.0, 10.0])
    np.testing.assert_allclose(a.grad.numpy(), [10.0, 10.0])


def test_hook_runs_when_no_input_requires_grad():
    m = _linear()
    seen = []
    m.register_full_backward_hook(lambda mod, gi, go: seen.append((gi, go)))
    _run(m, lucid.tensor(X, dtype=lucid.float32))
    (gi, go), = seen
    assert gi == (None,)
    np.testing.assert_allclose(go[0].numpy(), G, rtol=1e-5, atol=1e-6)


def test_wrong_length_from_hook_raises():
    m = _linear()
    m.register_full_backward_hook(lambda mod, gi, go: (gi[0], gi[0]))
    with pytest.raises(RuntimeError, match="returned 2 input gradient"):
        _run(m)


def test_no_hook_activity_without_grad_mode():
    m = _linear()
    m.register_full_backward_hook(lambda *a: pytest.fail("hook must not run"))
    with lucid.no_grad():
        out = m(lucid.tensor(X, dtype=lucid.float32, requires_grad=True))
    assert out.grad_fn is None


def test_backward_hooks_inside_sequential():
    net = nn.Sequential(_linear(), nn.ReLU())
    seen = []
    net[0].register_full_backward_hook(lambda mod, gi, go: seen.append(go[0].shape))
    net.register_full_backward_hook(lambda mod, gi, go: seen.append(("net", gi[0].shape)))
    _run(net)
    assert seen == [(4, 2), ("net", (4, 3))]


def test_non_callable_hook_is_type_error():
    with pytest.raises(TypeError, match="callable"):
        nn.Linear(1, 1).register_full_backward_hook(3)


# -- state dict hooks ------------------------------------------------------------------

def test_state_dict_pre_and_post_hooks_get_prefixes():
    net = nn.Sequential(nn.Linear(1, 1), nn.Sequential(nn.Linear(1, 1)))
    seen = []
    net[1][0].register_state_dict_pre_hook(lambda mod, prefix, keep_vars: seen.append(("pre", prefix, keep_vars)))

    def post(mod, sd, prefix, meta):
        seen.append(("post", prefix, sorted(sd)))
        sd[prefix + "note"] = lucid.zeros(1)

    net[1].register_state_dict_post_hook(post)
    sd = net.state_dict(keep_vars=True)
    assert seen[0] == ("pre", "1.0.", True)
    assert seen[1] == ("post", "1.", ["0.bias", "0.weight", "1.0.bias", "1.0.weight"])
    assert list(sd) == ["0.weight", "0.bias", "1.0.weight", "1.0.bias", "1.note"]


def test_post_hook_returning_value_raises_but_legacy_hook_may_replace():
    m = nn.Linear(1, 1)
    h = m.register_state_dict_post_hook(lambda mod, sd, prefix, meta: {})
    with pytest.raises(RuntimeError, match="in place"):
        m.state_dict()
    h.remove()
    m._register_state_dict_hook(lambda mod, sd, prefix, meta: OrderedDict(w=sd["weight"]))
    assert list(m.state_dict()) == ["w"]


def test_state_dict_prefix_and_destination_kept():
    m = nn.Linear(1, 1)
    dest = OrderedDict(existing=1)
    out = m.state_dict(prefix="enc", destination=dest)
    assert out is dest and list(out) == ["existing", "enc.weight", "enc.bias"]


def test_load_pre_hook_renames_nested_keys_and_reports_errors():
    net = nn.Sequential(nn.Linear(2, 1, bias=False))

    def rename(mod, sd, prefix, meta, strict, missing, unexpected, errors):
        old = prefix + "w"
        if old in sd:
            sd[prefix + "weight"] = sd.pop(old)

    net[0].register_load_state_dict_pre_hook(rename)
    original = {"0.w": lucid.tensor([[1.0, 2.0]])}
    net.load_state_dict(original)
    assert net[0].weight.tolist() == [[1.0, 2.0]]
    assert list(original) == ["0.w"]  # the caller's mapping is not edited

    net[0].register_load_state_dict_pre_hook(lambda mod, sd, p, m, s, mi, un, errors: errors.append("bad value"))
    with pytest.raises(RuntimeError, match="bad value"):
        net.load_state_dict(original)


def test_load_post_hook_can_clear_missing_keys_for_strict_load():
    m = nn.Linear(1, 1)
    seen = []

    def post(mod, keys):
        seen.append((list(keys.missing_keys), list(keys.unexpected_keys)))
        keys.missing_keys.clear()

    m.register_load_state_dict_post_hook(post)
    result = m.load_state_dict({"weight": lucid.tensor([[5.0]])})
    assert seen == [(["bias"], [])]
    assert result.missing_keys == [] and m.weight.tolist() == [[5.0]]


def test_load_post_hook_leaving_keys_still_fails_strict():
    m = nn.Linear(1, 1)
    m.register_load_state_dict_post_hook(lambda mod, keys: None)
    with pytest.raises(RuntimeError, match="missing keys: 'bias'"):
        m.load_state_dict({"weight": lucid.tensor([[5.0]])})


# -- extra state -----------------------------------------------------------------------

class _Counter(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(1, 1)
        self.steps = 0

    def get_extra_state(self):
        return {"steps": self.steps}

    def set_extra_state(self, state):
        self.steps = state["steps"]


def test_extra_state_round_trip_nested():
    net = nn.Sequential(_Counter())
    net[0].steps = 4
    sd = net.state_dict()
    assert list(sd) == ["0._extra_state", "0.lin.weight", "0.lin.bias"]  # own entries first, as in PyTorch
    assert sd["0._extra_state"] == {"steps": 4}
    other = nn.Sequential(_Counter())
    other.load_state_dict(sd)
    assert other[0].steps == 4


def test_extra_state_missing_is_reported():
    c = _Counter()
    sd = c.state_dict()
    del sd["_extra_state"]
    with pytest.raises(RuntimeError, match="_extra_state"):
        c.load_state_dict(sd)
    assert c.load_state_dict(sd, strict=False).missing_keys == ["_extra_state"]


def test_base_module_has_no_extra_state():
    assert "_extra_state" not in nn.Linear(1, 1).state_dict()
    with pytest.raises(RuntimeError, match="not overridden"):
        nn.Module().get_extra_state()
    with pytest.raises(RuntimeError, match="unexpected keys: '_extra_state'"):
        nn.Module().load_state_dict({"_extra_state": 1})


# -- lookups ---------------------------------------------------------------------------

def test_get_buffer_get_parameter_get_submodule_register_module():
    net = nn.Sequential(nn.BatchNorm1d(3))
    assert net.get_buffer("0.running_var") is net[0].running_var
    assert net.get_parameter("0.weight") is net[0].weight
    assert net.get_submodule("0") is net[0]
    with pytest.raises(AttributeError, match="no buffer 'weight'"):
        net.get_buffer("0.weight")
    with pytest.raises(AttributeError, match="no submodule"):
        net.get_buffer("1.running_var")
    extra = nn.Linear(1, 1)
    net.register_module("head", extra)
    assert net.get_submodule("head") is extra
