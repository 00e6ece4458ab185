import numpy as np
import pytest

import lucid
import lucid.nn as nn


class Affine(nn.Module):
    def __init__(self, n=3):
        super().__init__()
        self.w = nn.Parameter(lucid.ones(n))
        self.b = nn.Parameter(lucid.zeros(n))
        self.register_buffer("calls", lucid.zeros(1))
        self.register_buffer("scratch", lucid.zeros(1), persistent=False)

    def forward(self, x):
        return x * self.w + self.b


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = Affine()
        self.b = Affine()
        self.shared = self.a  # the same module twice: counted once

    def forward(self, x):
        return self.b(self.a(x))


def test_registration_and_iteration():
    net = Net()
    names = [n for n, _ in net.named_parameters()]
    assert names == ["a.w", "a.b", "b.w", "b.b"]
    assert [n for n, _ in net.named_buffers()] == ["a.calls", "a.scratch", "b.calls", "b.scratch"]
    assert [n for n, _ in net.named_children()] == ["a", "b"]
    assert [n for n, _ in net.named_modules()] == ["", "a", "b"]
    assert len(list(net.parameters())) == 4
    assert len(list(net.a.parameters(recurse=False))) == 2


def test_state_dict_round_trip_and_non_persistent():
    net = Net()
    sd = net.state_dict()
    assert list(sd) == ["a.w", "a.b", "a.calls", "b.w", "b.b", "b.calls"]
    assert not sd["a.w"].requires_grad
    other = Net()
    with lucid.no_grad():
        other.a.w.fill_(5.0)
    net.load_state_dict(other.state_dict())
    assert net.a.w.tolist() == [5.0, 5.0, 5.0]


def test_load_state_dict_errors_list_everything():
    net = Net()
    sd = net.state_dict()
    del sd["a.w"]
    sd["extra"] = lucid.zeros(1)
    sd["b.b"] = lucid.zeros(4)
    with pytest.raises(RuntimeError) as info:
        net.load_state_dict(sd)
    msg = str(info.value)
    assert "'a.w'" in msg and "'extra'" in msg and "size mismatch for b.b" in msg
    assert net.b.b.shape == (3,)
    sd["b.b"] = lucid.zeros(3)
    result = net.load_state_dict(sd, strict=False)
    assert result.missing_keys == ["a.w"] and result.unexpected_keys == ["extra"]


def test_load_state_dict_keeps_parameter_objects_and_dtype():
    m = Affine()
    w = m.w
    m.load_state_dict({"w": np.array([1.0, 2.0, 3.0]), "b": lucid.zeros(3), "calls": lucid.zeros(1)})
    assert m.w is w and m.w.dtype == lucid.float32 and m.w.tolist() == [1.0, 2.0, 3.0]


def test_train_eval_and_requires_grad():
    net = Net()
    net.eval()
    assert not net.training and not net.a.training
    net.train()
    assert net.b.training
    net.requires_grad_(False)
    assert not any(p.requires_grad for p in net.parameters())


def test_zero_grad_and_backward():
    m = Affine()
    m(lucid.tensor([1.0, 2.0, 3.0])).sum().backward()
    assert m.w.grad.tolist() == [1.0, 2.0, 3.0]
    m.zero_grad(set_to_none=False)
    assert m.w.grad.tolist() == [0.0, 0.0, 0.0]
    m.zero_grad()
    assert m.w.grad is None


def test_hooks():
    m = Affine()
    seen = []
    h1 = m.register_forward_pre_hook(lambda mod, args: (args[0] * 2,))
    h2 = m.register_forward_hook(lambda mod, args, out: seen.append(out.tolist()) or out + 1)
    out = m(lucid.ones(3))
    assert out.tolist() == [3.0, 3.0, 3.0] and seen == [[2.0, 2.0, 2.0]]
    h1.remove()
    h2.remove()
    assert m(lucid.ones(3)).tolist() == [1.0, 1.0, 1.0]


def test_apply_and_to():
    net = Net()
    visited = []
    net.apply(lambda mod: visited.append(type(mod).__name__))
    assert visited == ["Affine", "Affine", "Net"]
    w = net.a.w
    net.to(lucid.float16)
    assert net.a.w is w and w.dtype == lucid.float16
    net.to("cpu")
    assert w.device == "cpu"
    net.double()
    assert w.dtype == lucid.float64


def test_setattr_errors_and_delattr():
    m = Affine()
    with pytest.raises(TypeError, match="parameter 'w'"):
        m.w = lucid.ones(3)
    m.w = None
    assert [n for n, _ in m.named_parameters()] == ["b"]
    del m.b
    assert list(m.named_parameters()) == []

    class Early(nn.Module):
        def __init__(self):
            self.p = nn.Parameter(lucid.ones(1))

    with pytest.raises(AttributeError, match="super"):
        Early()


def test_repr_nests_children():
    text = repr(Net())
    assert text.startswith("Net(\n  (a): Affine()")


def test_get_submodule_and_parameter():
    net = Net()
    assert net.get_submodule("a") is net.a
    assert net.get_parameter("b.w") is net.b.w
    with pytest.raises(AttributeError):
        net.get_submodule("zzz")


def test_containers():
    seq = nn.Sequential(Affine(), Affine())
    assert len(seq) == 2 and isinstance(seq[-1], Affine)
    assert isinstance(seq[:1], nn.Sequential) and len(seq[:1]) == 1
    assert seq(lucid.ones(3)).tolist() == [1.0, 1.0, 1.0]
    assert [n for n, _ in seq.named_parameters()] == ["0.w", "0.b", "1.w", "1.b"]
    ml = nn.ModuleList([Affine()])
    ml.append(Affine())
    ml.insert(0, Affine())
    assert len(ml) == 3 and len(list(ml.parameters())) == 6
    md = nn.ModuleDict({"x": Affine()})
    md["y"] = Affine()
    assert list(md.keys()) == ["x", "y"] and "y" in md
    pl = nn.ParameterList([lucid.zeros(2), nn.Parameter(lucid.ones(1))])
    assert all(isinstance(p, nn.Parameter) for p in pl) and len(pl) == 2
    pd = nn.ParameterDict({"a": lucid.zeros(1)})
    assert isinstance(pd["a"], nn.Parameter)
    with pytest.raises(IndexError):
        seq[5]


@pytest.mark.parametrize("kind", ["modules", "parameters"])
def test_dict_containers_behave_as_dicts(kind):
    make = (lambda: nn.Linear(1, 1)) if kind == "modules" else (lambda: nn.Parameter(lucid.zeros(1)))
    d = nn.ModuleDict() if kind == "modules" else nn.ParameterDict()
    d.update([("a", make()), ("b", make())])
    d.update({"c": make()})
    assert list(d) == ["a", "b", "c"] and len(d) == 3 and "b" in d and "z" not in d
    assert list(d.keys()) == ["a", "b", "c"] and [k for k, _ in d.items()] == list(d.keys())
    assert d["a"] is next(iter(d.values()))
    b = d["b"]
    assert d.pop("b") is b and "b" not in d
    del d["a"]
    assert list(d) == ["c"]
    with pytest.raises(KeyError):
        d["a"]
    names = [n for n, _ in (d.named_modules() if kind == "modules" else d.named_parameters())]
    assert "c" in names and "a" not in names


def test_parameter_and_buffer():
    p = nn.Parameter(lucid.zeros(2))
    assert p.requires_grad and p.is_leaf and isinstance(p, lucid.Tensor)
    assert repr(p).startswith("Parameter containing:")
    frozen = nn.Parameter(lucid.zeros(2), requires_grad=False)
    assert not frozen.requires_grad
    b = nn.Buffer(lucid.ones(1), persistent=False)
    assert not b.persistent
