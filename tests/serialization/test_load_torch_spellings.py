"""``lucid.load(..., map_location=, weights_only=)`` and ``load_state_dict(assign=True)`` as PyTorch spells them."""

import warnings

import mlx.core as mx
import pytest

import lucid
import lucid.nn as nn


@pytest.fixture
def path(tmp_path):
    p = tmp_path / "ckpt.pt"
    lucid.save({"w": lucid.tensor([1.0, 2.0]), "step": 3}, p)
    return p


@pytest.mark.parametrize("loc", ["cpu", lucid.device("cpu"), mx.Device(mx.cpu), {"cuda:0": "cpu"}])
def test_map_location_places_tensors(path, loc):
    out = lucid.load(path, map_location=loc)
    assert out["w"].device == "cpu" and out["w"].tolist() == [1.0, 2.0] and out["step"] == 3


def test_map_location_refuses_functions_and_disagreement(path):
    with pytest.raises(TypeError, match="function"):
        lucid.load(path, map_location=lambda storage, loc: storage)
    with pytest.raises(ValueError, match="unknown device"):
        lucid.load(path, map_location={"cuda:0": "nope"})
    if lucid.gpu_available():
        with pytest.raises(TypeError, match="one device"):
            lucid.load(path, map_location={"cuda:0": "cpu", "cuda:1": "gpu"})
        with pytest.raises(ValueError, match="disagree"):
            lucid.load(path, device="gpu", map_location="cpu")


def test_weights_only(path):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert lucid.load(path, weights_only=True)["step"] == 3
    with pytest.warns(UserWarning, match="never unpickles"):
        assert lucid.load(path, weights_only=False)["step"] == 3


def test_load_state_dict_assign_replaces_parameters_in_the_values_dtype():
    m = nn.Linear(2, 3)
    old_w = m.weight
    m.bias.requires_grad = False
    sd = {"weight": lucid.ones(3, 2, dtype=lucid.float16), "bias": lucid.zeros(3, dtype=lucid.float16)}
    m.load_state_dict(sd, assign=True)
    assert m.weight is not old_w and isinstance(m.weight, nn.Parameter)
    assert m.weight.dtype == lucid.float16 and m.weight.requires_grad
    assert not m.bias.requires_grad
    assert [n for n, _ in m.named_parameters()] == ["weight", "bias"]
    assert m(lucid.ones(1, 2, dtype=lucid.float16)).tolist() == [[2.0, 2.0, 2.0]]


def test_load_state_dict_without_assign_copies_into_the_same_objects():
    m = nn.Linear(2, 3)
    old_w = m.weight
    m.load_state_dict({"weight": lucid.ones(3, 2, dtype=lucid.float16), "bias": lucid.zeros(3)})
    assert m.weight is old_w and m.weight.dtype == lucid.float32


def test_load_state_dict_assign_replaces_buffers_in_submodules():
    m = nn.Sequential(nn.BatchNorm1d(2))
    sd = {k: v + 1 if v.is_floating_point() else v for k, v in m.state_dict().items()}
    m.load_state_dict(sd, assign=True)
    assert m[0].running_mean.tolist() == [1.0, 1.0]
    assert "0.running_mean" in m.state_dict()
